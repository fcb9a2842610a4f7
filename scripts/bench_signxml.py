#!/usr/bin/env python3
"""An independent verifier in a loop, for scripts/bench-saml: signxml (lxml + cryptography)
verifies the assertion signature of the same response fedgate's benchmark validates.

Usage: bench_signxml.py RESPONSE.xml CERT.pem SECONDS  -> prints "signxml verifications/s: N"
"""
import sys
import time

from lxml import etree
from signxml import XMLVerifier

path, cert_path, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
data = open(path, "rb").read()
cert = open(cert_path).read()
ns = {"saml": "urn:oasis:names:tc:SAML:2.0:assertion"}


def verify_once():
    # Parse the response, verify the Assertion's signature with the pinned certificate, and
    # read the NameID from what was signed: the same work a SAML SP does per response.
    root = etree.fromstring(data)
    result = XMLVerifier().verify(root.find("saml:Assertion", ns), x509_cert=cert)
    name_id = result.signed_xml.find("saml:Subject/saml:NameID", ns).text
    assert name_id == "alice", name_id


verify_once()
count, start = 0, time.perf_counter()
while time.perf_counter() - start < seconds:
    verify_once()
    count += 1
print(f"signxml verifications/s: {count / (time.perf_counter() - start):.0f}")
