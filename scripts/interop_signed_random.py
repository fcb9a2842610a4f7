#!/usr/bin/env python3
"""Random content inside xmlsec1-signed assertions, verified by `fedgate xml verify`.

    interop_signed_random.py --fedgate BIN --key K.key --cert K.crt --seed S --count N --fail-dir DIR
                             [--signer xmlsec1|xml-crypto]

Each document is a SAML Response whose assertion carries one random element (from
scripts/gen-random-xml.py: namespaces, prefixes, xmlns="", escapes, comments, PIs, CDATA,
multibyte) in an AttributeValue. xmlsec1 (or, with --signer xml-crypto, node's xml-crypto, whose
exclusive c14n is its own over xmldom) signs the assertion (RSA-SHA256, enveloped + exc-c14n),
so the digest covers that signer's canonical form of the content; fedgate must accept it and print
the assertion's ID, both as xmlsec1 wrote it and with the random content put back byte for byte
as generated (literal CR/CRLF, character references, CDATA: the same infoset). Every fifth document is also tampered (an attribute added to the random
content's first element) and must be rejected with DigestMismatch.
"""

import argparse
import importlib.util
import random
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
spec = importlib.util.spec_from_file_location("gen_random_xml", HERE / "gen-random-xml.py")
gen_random_xml = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gen_random_xml)

SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
A_ID = "_aRandom00001"
SIG = ('<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>'
       '<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>'
       '<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>'
       f'<ds:Reference URI="#{A_ID}"><ds:Transforms>'
       '<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>'
       '<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms>'
       '<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/>'
       '</ds:Reference></ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo><ds:X509Data/></ds:KeyInfo>'
       '</ds:Signature>')


def document(content: str, sig=SIG) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<samlp:Response xmlns:samlp="{SAMLP}" xmlns:saml="{SAML}" ID="_rRandom00001" Version="2.0" IssueInstant="2026-01-01T00:00:00Z">
  <saml:Issuer>https://idp.example.test/saml</saml:Issuer>
  <saml:Assertion ID="{A_ID}" Version="2.0" IssueInstant="2026-01-01T00:00:00Z">
    <saml:Issuer>https://idp.example.test/saml</saml:Issuer>{sig}
    <saml:AttributeStatement><saml:Attribute Name="random"><saml:AttributeValue>{content}</saml:AttributeValue></saml:Attribute></saml:AttributeStatement>
  </saml:Assertion>
</samlp:Response>
""".encode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fedgate", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--fail-dir", type=Path, required=True)
    ap.add_argument("--show", type=int, default=5)
    ap.add_argument("--signer", choices=["xmlsec1", "xml-crypto"], default="xmlsec1",
                    help="xml-crypto needs node and the xml-crypto package on NODE_PATH")
    args = ap.parse_args()
    work = args.fail_dir.parent / f"signed-random-{args.signer}"
    work.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    passed = failed = 0
    shown = 0

    def check(path: Path, want_rc, want_out, label):
        nonlocal passed, failed, shown
        r = subprocess.run([args.fedgate, "xml", "verify", "--cert", args.cert, str(path)], capture_output=True)
        out = r.stdout.decode(errors="replace").strip()
        ok = r.returncode == want_rc and (out == want_out if want_rc == 0 else out.startswith(want_out))
        if ok:
            passed += 1
            return
        failed += 1
        args.fail_dir.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, args.fail_dir / path.name)
        if shown < args.show:
            shown += 1
            print(f"MISMATCH {label} ({path.name}): expected exit {want_rc} {want_out!r}, "
                  f"got exit {r.returncode} {out[:300]!r}")

    contents = []
    for i in range(args.count):
        contents.append(gen_random_xml.Gen(rng).element(0, {}, ""))
    signed = {}
    if args.signer == "xmlsec1":
        for i, content in enumerate(contents):
            tpl = work / f"{args.signer}-{i:04d}.tpl.xml"
            out = work / f"{args.signer}-{i:04d}.xml"
            tpl.write_bytes(document(content))
            s = subprocess.run(["xmlsec1", "--sign", "--privkey-pem", f"{args.key},{args.cert}",
                                "--id-attr:ID", f"{SAML}:Assertion", "--output", str(out), str(tpl)],
                               capture_output=True)
            if s.returncode != 0:
                failed += 1
                print(f"xmlsec1 could not sign {tpl.name}: {s.stderr.decode(errors='replace')[-300:]}")
                continue
            signed[i] = out
    else:
        pairs = []
        for i, content in enumerate(contents):
            tpl = work / f"{args.signer}-{i:04d}.tpl.xml"
            tpl.write_bytes(document(content, sig=""))
            pairs += [str(tpl), str(work / f"{args.signer}-{i:04d}.xml")]
        s = subprocess.run(["node", str(HERE / "interop_xmlcrypto.js"), args.key, args.cert,
                            "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
                            "http://www.w3.org/2001/04/xmlenc#sha256", *pairs], capture_output=True)
        refused = 0
        for i in range(len(contents)):
            out = work / f"{args.signer}-{i:04d}.xml"
            if out.exists():
                signed[i] = out
            else:
                refused += 1  # xml-crypto cannot canonicalise processing instructions
        print(f"xml-crypto refused to sign {refused} of {len(contents)} documents (not counted)")

    disagreements = 0
    for i, out in signed.items():
        content = contents[i]
        if args.signer == "xml-crypto":
            # xml-crypto canonicalises by itself; where libxml2 (xmlsec1) disagrees with its digest,
            # fedgate must side with libxml2 and refuse the document.
            v = subprocess.run(["xmlsec1", "--verify", "--trusted-pem", args.cert, "--id-attr:ID",
                                f"{SAML}:Assertion", str(out)], capture_output=True)
            if v.returncode != 0:
                disagreements += 1
                check(out, 1, "rejected: DigestMismatch:", "xml-crypto digest that xmlsec1 refuses")
                continue
        check(out, 0, A_ID, "signed")
        # The signer writes its own serialisation (a literal CR becomes &#13;, …). Put the random
        # content back as it was written: the same infoset, so the signature still holds (xmlsec1
        # --verify must agree) and fedgate has to cope with the raw bytes too.
        data = out.read_bytes()
        open_tag, close_tag = b"<saml:AttributeValue>", b"</saml:AttributeValue>"
        raw = (data[:data.index(open_tag) + len(open_tag)] + content.encode()
               + data[data.index(close_tag):])
        if raw != data:
            rpath = work / f"{args.signer}-{i:04d}.raw.xml"
            rpath.write_bytes(raw)
            v = subprocess.run(["xmlsec1", "--verify", "--trusted-pem", args.cert, "--id-attr:ID",
                                f"{SAML}:Assertion", str(rpath)], capture_output=True)
            if v.returncode == 0:
                check(rpath, 0, A_ID, "signed, content as written")
            else:
                print(f"note: xmlsec1 refuses {rpath.name} after the content was put back; skipped")
        if i % 5 == 0:
            # one attribute added to the first element of the random content
            at = data.index(b"<saml:AttributeValue>") + len(b"<saml:AttributeValue>")
            name_end = at + 1
            while data[name_end:name_end + 1] not in (b" ", b">", b"/"):
                name_end += 1
            tampered = data[:name_end] + b' tampered="1"' + data[name_end:]
            tpath = work / f"{args.signer}-{i:04d}.tampered.xml"
            tpath.write_bytes(tampered)
            check(tpath, 1, "rejected: DigestMismatch:", "tampered")
    if args.signer == "xml-crypto":
        print(f"xml-crypto digests that xmlsec1 refuses: {disagreements} of {len(signed)} (fedgate must refuse them too)")
    print(f"signed random {args.signer}: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
