#!/usr/bin/env python3
"""Documents signed now by signxml (a second, independent XML-DSig signer), verified by fedgate.

    interop_signxml.py --fedgate BIN --keys DIR

Signs the assertion of a SAML Response with signxml (enveloped + exc-c14n, signature placed after
the assertion's Issuer) using DIR/rsa2048.{key,crt} (RSA-PSS SHA-256, RSA-SHA256, RSA-SHA512) and
DIR/p256.{key,crt} (ECDSA-SHA256); `fedgate xml verify` must print the assertion ID, and must
answer DigestMismatch once the NameID is edited.
"""

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from lxml import etree
from signxml import DigestAlgorithm, SignatureMethod, XMLSigner, methods

A_ID = "_aSignxml00001"
DOC = f"""<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_rSignxml00001" Version="2.0" IssueInstant="2026-01-01T00:00:00Z">
  <saml:Issuer>https://idp.example.test/saml</saml:Issuer>
  <saml:Assertion ID="{A_ID}" Version="2.0" IssueInstant="2026-01-01T00:00:00Z">
    <saml:Issuer>https://idp.example.test/saml</saml:Issuer>
    <ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Id="placeholder"></ds:Signature>
    <saml:Subject><saml:NameID>alice@example.test</saml:NameID></saml:Subject>
  </saml:Assertion>
</samlp:Response>"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fedgate", required=True)
    ap.add_argument("--keys", type=Path, required=True)
    args = ap.parse_args()
    passed = failed = 0
    cases = [("rsa-pss-sha256", "rsa2048", SignatureMethod.SHA256_RSA_MGF1, DigestAlgorithm.SHA256),
             ("rsa-sha256", "rsa2048", SignatureMethod.RSA_SHA256, DigestAlgorithm.SHA256),
             ("rsa-sha512", "rsa2048", SignatureMethod.RSA_SHA512, DigestAlgorithm.SHA512),
             ("ecdsa-sha256", "p256", SignatureMethod.ECDSA_SHA256, DigestAlgorithm.SHA256)]
    with tempfile.TemporaryDirectory() as t:
        for name, key, sm, dm in cases:
            signer = XMLSigner(method=methods.enveloped, signature_algorithm=sm, digest_algorithm=dm,
                               c14n_algorithm="http://www.w3.org/2001/10/xml-exc-c14n#")
            signer.namespaces = {"ds": "http://www.w3.org/2000/09/xmldsig#"}
            cert = args.keys / f"{key}.crt"
            out = signer.sign(etree.fromstring(DOC.encode()), key=(args.keys / f"{key}.key").read_bytes(),
                              cert=cert.read_bytes(), reference_uri=A_ID, id_attribute="ID")
            data = etree.tostring(out)
            for label, doc, want_rc, want in [
                    (name, data, 0, A_ID),
                    (f"{name} tampered NameID", data.replace(b">alice@", b">mallory@"), 1, "rejected: DigestMismatch:")]:
                path = Path(t) / f"{label.replace(' ', '-')}.xml"
                path.write_bytes(doc)
                r = subprocess.run([args.fedgate, "xml", "verify", "--cert", str(cert), str(path)], capture_output=True)
                got = r.stdout.decode(errors="replace").strip()
                if r.returncode == want_rc and (got == want if want_rc == 0 else got.startswith(want)):
                    passed += 1
                else:
                    failed += 1
                    print(f"FAIL: signxml {label}: expected exit {want_rc} {want!r}, got exit {r.returncode} {got[:300]!r}")
    print(f"signxml: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
