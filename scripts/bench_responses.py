#!/usr/bin/env python3
"""Distinct signed SAML responses, fast, for scripts/bench: AssumeRoleWithSAML form bodies.

  bench_responses.py --key K --cert C --issuer URI --recipient URL --role ARN --provider ARN \
      --count N --files F --out-prefix P

writes P.0 … P.(F-1), one `Action=AssumeRoleWithSAML&…&SAMLAssertion=…` body per line (the
responses dealt round-robin), and P.sample.xml (the first response) for an xmlsec1 check.

xmlsec1 or signxml need milliseconds per document; a benchmark needs tens of thousands. So the
assertion is written here already in its exclusive-c14n form (attributes in canonical order,
empty elements as start/end pairs, no whitespace between elements, one namespace declaration on
the apex): its canonical bytes are its text, the digest is SHA-256 of that text, and SignedInfo is
canonical text too, signed with RSA-SHA256 by `cryptography`. The caller checks samples with
xmlsec1, which does its own canonicalisation. Work is spread over the cores.
"""
import argparse
import base64
import hashlib
import multiprocessing
import os
import secrets
import sys
import time
import urllib.parse
from xml.sax.saxutils import escape

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

DS = "http://www.w3.org/2000/09/xmldsig#"
EXC = "http://www.w3.org/2001/10/xml-exc-c14n#"
ATTR = "https://aws.amazon.com/SAML/Attributes/"
URI_FORMAT = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"

ARGS = None
KEY = None
CERT_B64 = None


def attr(value):
    return escape(value, {'"': "&quot;", "\t": "&#x9;", "\n": "&#xA;", "\r": "&#xD;"})


def iso(epoch):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def init(args):
    global ARGS, KEY, CERT_B64
    ARGS = args
    with open(args.key, "rb") as f:
        KEY = serialization.load_pem_private_key(f.read(), password=None)
    with open(args.cert, encoding="ascii") as f:
        CERT_B64 = "".join(line.strip() for line in f if not line.startswith("-----"))


def response(index):
    a = ARGS
    now = int(time.time())
    t, before, until = iso(now), iso(now - 60), iso(now + a.valid_seconds)
    aid = "_a" + secrets.token_hex(16)
    rid = "_r" + secrets.token_hex(16)
    user = f"bench{index}"
    issuer = escape(a.issuer)
    head = (f'<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{aid}" '
            f'IssueInstant="{t}" Version="2.0"><saml:Issuer>{issuer}</saml:Issuer>')
    tail = (
        '<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">'
        f'{user}</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">'
        f'<saml:SubjectConfirmationData NotOnOrAfter="{until}" Recipient="{attr(a.recipient)}">'
        '</saml:SubjectConfirmationData></saml:SubjectConfirmation></saml:Subject>'
        f'<saml:Conditions NotBefore="{before}" NotOnOrAfter="{until}"><saml:AudienceRestriction>'
        f'<saml:Audience>{escape(a.audience)}</saml:Audience></saml:AudienceRestriction></saml:Conditions>'
        f'<saml:AuthnStatement AuthnInstant="{t}" SessionIndex="_s{secrets.token_hex(8)}"><saml:AuthnContext>'
        '<saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport'
        '</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement><saml:AttributeStatement>'
        f'<saml:Attribute Name="{ATTR}Role" NameFormat="{URI_FORMAT}"><saml:AttributeValue>'
        f'{escape(a.role)},{escape(a.provider)}</saml:AttributeValue></saml:Attribute>'
        f'<saml:Attribute Name="{ATTR}RoleSessionName" NameFormat="{URI_FORMAT}"><saml:AttributeValue>'
        f'{user}</saml:AttributeValue></saml:Attribute></saml:AttributeStatement></saml:Assertion>')
    digest = base64.b64encode(hashlib.sha256((head + tail).encode("utf-8")).digest()).decode()
    signed_info = (
        f'<ds:SignedInfo xmlns:ds="{DS}"><ds:CanonicalizationMethod Algorithm="{EXC}">'
        '</ds:CanonicalizationMethod><ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256">'
        f'</ds:SignatureMethod><ds:Reference URI="#{aid}"><ds:Transforms><ds:Transform '
        f'Algorithm="{DS}enveloped-signature"></ds:Transform><ds:Transform Algorithm="{EXC}"></ds:Transform>'
        '</ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"></ds:DigestMethod>'
        f'<ds:DigestValue>{digest}</ds:DigestValue></ds:Reference></ds:SignedInfo>')
    value = base64.b64encode(KEY.sign(signed_info.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())).decode()
    inner = signed_info.replace(f' xmlns:ds="{DS}"', "", 1)
    signature = (f'<ds:Signature xmlns:ds="{DS}">{inner}'
                 f'<ds:SignatureValue>{value}</ds:SignatureValue><ds:KeyInfo><ds:X509Data>'
                 f'<ds:X509Certificate>{CERT_B64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></ds:Signature>')
    xml = (f'<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
           f'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{rid}" Version="2.0" IssueInstant="{t}" '
           f'Destination="{attr(a.recipient)}"><saml:Issuer>{issuer}</saml:Issuer><samlp:Status>'
           '<samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>'
           f'{head}{signature}{tail}</samlp:Response>')
    body = urllib.parse.urlencode({
        "Action": "AssumeRoleWithSAML", "Version": "2011-06-15", "RoleArn": a.role,
        "PrincipalArn": a.provider, "DurationSeconds": "900",
        "SAMLAssertion": base64.b64encode(xml.encode("utf-8")).decode("ascii")})
    return body, xml if index == 0 else None


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    for name in ("key", "cert", "issuer", "recipient", "role", "provider", "out-prefix"):
        p.add_argument(f"--{name}", required=True)
    p.add_argument("--audience", default="urn:amazon:webservices")
    p.add_argument("--valid-seconds", type=int, default=600)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--files", type=int, default=1)
    a = p.parse_args()
    started = time.monotonic()
    outs = [open(f"{a.out_prefix}.{i}", "w", encoding="ascii") for i in range(a.files)]
    workers = max(1, os.cpu_count() or 1)
    with multiprocessing.Pool(workers, initializer=init, initargs=(a,)) as pool:
        for index, (body, xml) in enumerate(pool.imap(response, range(a.count), chunksize=256)):
            outs[index % a.files].write(body + "\n")
            if xml is not None:
                with open(f"{a.out_prefix}.sample.xml", "w", encoding="utf-8") as f:
                    f.write(xml)
    for out in outs:
        out.close()
    print(f"{a.count} signed responses in {time.monotonic() - started:.1f} s ({workers} processes)",
          file=sys.stderr)


if __name__ == "__main__":
    main()
