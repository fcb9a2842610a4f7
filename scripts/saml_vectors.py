#!/usr/bin/env python3
"""Regenerates crates/saml/tests/corpus/ (SAML responses, IdP metadata, cases.toml).

Run through scripts/gen-saml-vectors, which installs the peers (xmlsec1, openssl, lxml in a venv).

Every signed response is signed by xmlsec1 (openssl backend), an implementation nobody here
wrote; the attacks are made by editing those signed documents with lxml, so that only the
attack differs from a response that is accepted. Fixed IDs and timestamps keep the files stable:
T0 = 2030-01-01T00:00:00Z is every response's IssueInstant and NotBefore, NotOnOrAfter is
T0 + 300 s, and the manifest's default `now` is T0 + 60 s.

Keys are made once and committed (test keys only, not secret); --new-keys replaces them.
"""

import argparse
import base64
import copy
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "crates" / "saml" / "tests" / "corpus"
KEYS = CORPUS / "keys"

DS = "http://www.w3.org/2000/09/xmldsig#"
SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
MD = "urn:oasis:names:tc:SAML:2.0:metadata"
EXC = "http://www.w3.org/2001/10/xml-exc-c14n#"
ENV = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
XPATH = "http://www.w3.org/TR/1999/REC-xpath-19991116"
XSLT = "http://www.w3.org/TR/1999/REC-xslt-19991116"
RSA_SHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
RSA_SHA512 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"
ECDSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
HMAC_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256"
SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
SHA512 = "http://www.w3.org/2001/04/xmlenc#sha512"
NS = {"ds": DS, "samlp": SAMLP, "saml": SAML}

ISSUER = "https://idp.example.test/saml"
RECIPIENT = "https://signin.aws.amazon.com/saml"
AUDIENCE = "urn:amazon:webservices"
ROLE = "arn:aws:iam::123456789012:role/ConnectFederation"
PROVIDER = "arn:aws:iam::123456789012:saml-provider/ExampleIdP"
T0 = "2030-01-01T00:00:00Z"
T0_PLUS_300 = "2030-01-01T00:05:00Z"
NOW = "2030-01-01T00:01:00Z"

PERSISTENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
TRANSIENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"
EMAIL = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
UNSPECIFIED = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"

ID_ATTRS = ["--id-attr:ID", f"{SAML}:Assertion", "--id-attr:ID", f"{SAMLP}:Response"]
XP_ASSERTION_SIG = "//*[local-name()='Assertion']/*[local-name()='Signature']"
XP_RESPONSE_SIG = "/*[local-name()='Response']/*[local-name()='Signature']"

CASES = []  # (path, dict of expectations)
TMP = Path(tempfile.mkdtemp(prefix="saml-vectors-"))


def run(args, **kw):
    return subprocess.run(args, check=True, capture_output=True, **kw)


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


# ----------------------------------------------------------------------------------------------
# keys and metadata
# ----------------------------------------------------------------------------------------------

KEY_SPECS = {
    "idp": ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
    "idp-rollover": ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
    "idp-ec": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-pkeyopt",
               "ec_param_enc:named_curve"],
    "attacker": ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
    "idp-1024": ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"],
    "idp-512": ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:512"],
}


def make_keys(new):
    KEYS.mkdir(parents=True, exist_ok=True)
    for name, spec in KEY_SPECS.items():
        key, crt = KEYS / f"{name}.key", KEYS / f"{name}.crt"
        if new or not (key.exists() and crt.exists()):
            run(["openssl", "genpkey", *spec, "-out", str(key)])
            run(["openssl", "req", "-x509", "-new", "-key", str(key), "-out", str(crt), "-days", "36500",
                 "-sha256", "-subj", f"/O=fedgate test keys/CN={name} (test only, not secret)"])


def cert_b64(name):
    der = run(["openssl", "x509", "-in", str(KEYS / f"{name}.crt"), "-outform", "DER"]).stdout
    return base64.b64encode(der).decode()


def key_descriptor(name, use="signing"):
    use_attr = f' use="{use}"' if use else ""
    return (f'    <md:KeyDescriptor{use_attr}>\n      <ds:KeyInfo><ds:X509Data><ds:X509Certificate>'
            f'{cert_b64(name)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>\n    </md:KeyDescriptor>\n')


def entity(entity_id, keys, valid_until=None, protocol=SAMLP):
    vu = f' validUntil="{valid_until}"' if valid_until else ""
    return (f'<md:EntityDescriptor xmlns:md="{MD}" xmlns:ds="{DS}" entityID="{esc(entity_id)}"{vu}>\n'
            f'  <md:IDPSSODescriptor protocolSupportEnumeration="{protocol}">\n'
            + "".join(keys) +
            f'    <md:NameIDFormat>{PERSISTENT}</md:NameIDFormat>\n'
            f'    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" '
            f'Location="{esc(entity_id)}/sso"/>\n'
            f'  </md:IDPSSODescriptor>\n</md:EntityDescriptor>\n')


def write(rel, data, **expect):
    path = CORPUS / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    # ECDSA signatures are randomised: keep the committed file when only its SignatureValue
    # would change (it was verified when it was written), so a re-run does not churn it.
    if path.exists() and without_signature_values(path.read_bytes()) == without_signature_values(data):
        data = path.read_bytes()
    if not (path.exists() and path.read_bytes() == data):
        path.write_bytes(data)
    CASES.append((rel, expect))


def without_signature_values(data: bytes):
    return re.sub(rb"<ds:SignatureValue>[^<]*</ds:SignatureValue>", b"", data)


def gen_metadata():
    decl = '<?xml version="1.0" encoding="UTF-8"?>\n'
    main_keys = [key_descriptor("idp"), key_descriptor("idp-rollover", use=None), key_descriptor("idp-ec"),
                 key_descriptor("attacker", use="encryption")]
    write("metadata/idp.xml", decl + entity(ISSUER, main_keys), metadata_entities=1, metadata_keys=3)
    write("metadata/expired.xml", decl + entity(ISSUER, [key_descriptor("idp")], valid_until="2029-12-31T00:00:00Z"),
          metadata_entities=1, metadata_keys=1)
    many = "".join(entity(f"https://idp{i}.example.test/saml", [key_descriptor("idp")]) for i in range(10))
    aggregate = (decl + f'<md:EntitiesDescriptor xmlns:md="{MD}" validUntil="2040-01-01T00:00:00Z">\n'
                 + many.replace(f' xmlns:md="{MD}"', "") + '</md:EntitiesDescriptor>\n')
    write("metadata/aggregate-10.xml", aggregate, metadata_entities=10, metadata_keys=1)
    eleven = many + entity("https://idp10.example.test/saml", [key_descriptor("idp")])
    write("metadata/aggregate-11.xml",
          decl + f'<md:EntitiesDescriptor xmlns:md="{MD}">\n' + eleven.replace(f' xmlns:md="{MD}"', "")
          + '</md:EntitiesDescriptor>\n', metadata_error="TooManyIdentityProviders")
    write("metadata/bom.xml", b"\xef\xbb\xbf" + (decl + entity(ISSUER, [key_descriptor("idp")])).encode(),
          metadata_error="ByteOrderMark")
    write("metadata/latin1.xml", ('<?xml version="1.0" encoding="ISO-8859-1"?>\n'
                                  + entity("https://idp.example.test/s\u00e4ml", [key_descriptor("idp")]))
          .encode("latin-1"), metadata_error="NotUtf8")
    write("metadata/no-signing-key.xml", decl + entity(ISSUER, [key_descriptor("idp", use="encryption")]),
          metadata_error="NoSigningKey")
    write("metadata/key-512.xml", decl + entity(ISSUER, [key_descriptor("idp-512")]),
          metadata_error="KeyTooSmall")
    write("metadata/key-1024.xml", decl + entity(ISSUER, [key_descriptor("idp-1024")]),
          metadata_entities=1, metadata_keys=1)
    write("metadata/sp-only.xml", decl + entity(ISSUER, [key_descriptor("idp")])
          .replace("IDPSSODescriptor", "SPSSODescriptor"), metadata_error="NoIdentityProvider")
    write("metadata/saml11-only.xml",
          decl + entity(ISSUER, [key_descriptor("idp")], protocol="urn:oasis:names:tc:SAML:1.1:protocol"),
          metadata_error="NoIdentityProvider")
    write("metadata/doctype.xml", '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n'
          + entity(ISSUER, [key_descriptor("idp")]), metadata_error="Xml")
    write("metadata/not-metadata.xml", decl + '<md:Organization xmlns:md="' + MD + '"/>\n',
          metadata_error="NotMetadata")


# ----------------------------------------------------------------------------------------------
# responses
# ----------------------------------------------------------------------------------------------

def role_attribute(values):
    vals = "".join(f'<saml:AttributeValue xsi:type="xs:string">{esc(v)}</saml:AttributeValue>' for v in values)
    return (f'<saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/Role" '
            f'NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri">{vals}</saml:Attribute>')


def attribute(name, values):
    vals = "".join(f'<saml:AttributeValue xsi:type="xs:string">{v}</saml:AttributeValue>' for v in values)
    return (f'<saml:Attribute Name="{esc(name)}" '
            f'NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri">{vals}</saml:Attribute>')


def response_xml(name, *, user="alice", name_id_xml=None, fmt=PERSISTENT, issuer=ISSUER, response_issuer=None,
                 audience=AUDIENCE, recipient=RECIPIENT, destination=None, roles=None, session_name=None,
                 extra_attributes="", issue_instant=T0, not_before=T0, not_on_or_after=T0_PLUS_300,
                 scd_not_on_or_after=None, status="urn:oasis:names:tc:SAML:2.0:status:Success",
                 in_response_to=None, scd_in_response_to=None, subject_confirmations=None, conditions=None,
                 session_not_on_or_after="2030-01-01T08:00:00Z", session_duration="3600"):
    """A samlp:Response template with `{RSIG}` and `{ASIG}` where signatures go."""
    rid, aid = f"_r-{name}", f"_a-{name}"
    destination = recipient if destination is None else destination
    dest = f' Destination="{esc(destination)}"' if destination else ""
    irt = f' InResponseTo="{in_response_to}"' if in_response_to else ""
    scd_noa = scd_not_on_or_after or not_on_or_after
    scd_irt = f' InResponseTo="{scd_in_response_to}"' if scd_in_response_to else ""
    if subject_confirmations is None:
        subject_confirmations = (
            f'<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">'
            f'<saml:SubjectConfirmationData NotOnOrAfter="{scd_noa}" Recipient="{esc(recipient)}"{scd_irt}/>'
            f'</saml:SubjectConfirmation>')
    if name_id_xml is None:
        name_id_xml = f'<saml:NameID Format="{fmt}">{esc(user)}</saml:NameID>'
    if conditions is None:
        conditions = (f'<saml:Conditions NotBefore="{not_before}" NotOnOrAfter="{not_on_or_after}">'
                      f'<saml:AudienceRestriction><saml:Audience>{esc(audience)}</saml:Audience>'
                      f'</saml:AudienceRestriction></saml:Conditions>')
    roles = roles if roles is not None else [f"{ROLE},{PROVIDER}"]
    session_name = session_name or user
    snoa = f' SessionNotOnOrAfter="{session_not_on_or_after}"' if session_not_on_or_after else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<samlp:Response xmlns:samlp="{SAMLP}" xmlns:saml="{SAML}" ID="{rid}" Version="2.0" '
        f'IssueInstant="{issue_instant}"{dest}{irt}><saml:Issuer>{esc(response_issuer or issuer)}</saml:Issuer>'
        f'{{RSIG}}<samlp:Status><samlp:StatusCode Value="{status}"/></samlp:Status>'
        f'<saml:Assertion xmlns:xs="http://www.w3.org/2001/XMLSchema" '
        f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ID="{aid}" Version="2.0" '
        f'IssueInstant="{issue_instant}"><saml:Issuer>{esc(issuer)}</saml:Issuer>{{ASIG}}'
        f'<saml:Subject>{name_id_xml}{subject_confirmations}</saml:Subject>{conditions}'
        f'<saml:AuthnStatement AuthnInstant="{issue_instant}" SessionIndex="_s-{name}"{snoa}><saml:AuthnContext>'
        f'<saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport'
        f'</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>'
        f'<saml:AttributeStatement>{role_attribute(roles)}'
        f'{attribute("https://aws.amazon.com/SAML/Attributes/RoleSessionName", [esc(session_name)])}'
        f'{attribute("https://aws.amazon.com/SAML/Attributes/SessionDuration", [session_duration])}'
        f'{extra_attributes}</saml:AttributeStatement></saml:Assertion></samlp:Response>\n')


def sig_template(ref_id, sig_alg=RSA_SHA256, dig_alg=SHA256, uri=None, transforms=None):
    uri = f"#{ref_id}" if uri is None else uri
    transforms = transforms or (f'<ds:Transform Algorithm="{ENV}"/><ds:Transform Algorithm="{EXC}"/>')
    return (f'<ds:Signature xmlns:ds="{DS}"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="{EXC}"/>'
            f'<ds:SignatureMethod Algorithm="{sig_alg}"/><ds:Reference URI="{uri}"><ds:Transforms>{transforms}'
            f'</ds:Transforms><ds:DigestMethod Algorithm="{dig_alg}"/><ds:DigestValue></ds:DigestValue>'
            f'</ds:Reference></ds:SignedInfo><ds:SignatureValue></ds:SignatureValue>'
            f'<ds:KeyInfo><ds:X509Data/></ds:KeyInfo></ds:Signature>')


def xmlsec_sign(doc: str, xpath, key):
    src, out = TMP / "in.xml", TMP / "out.xml"
    src.write_text(doc, encoding="utf-8")
    run(["xmlsec1", "--sign", "--privkey-pem", f"{KEYS / (key + '.key')},{KEYS / (key + '.crt')}", *ID_ATTRS,
         "--node-xpath", xpath, "--output", str(out), str(src)])
    return out.read_text(encoding="utf-8")


def xmlsec_verify(doc: str, xpath, key):
    src = TMP / "verify.xml"
    src.write_text(doc, encoding="utf-8")
    r = subprocess.run(["xmlsec1", "--verify", "--pubkey-cert-pem", str(KEYS / f"{key}.crt"), *ID_ATTRS,
                        "--node-xpath", xpath, str(src)], capture_output=True)
    return r.returncode == 0


def sign(template: str, name, mode="assertion", key="idp", **sig):
    """Signs the assertion, then (for response/both) the response, with xmlsec1; checks each."""
    rid, aid = f"_r-{name}", f"_a-{name}"
    doc = template.replace("{ASIG}", sig_template(aid, **sig) if mode in ("assertion", "both") else "")
    doc = doc.replace("{RSIG}", "")
    if mode in ("assertion", "both"):
        doc = xmlsec_sign(doc, XP_ASSERTION_SIG, key)
        if not sig.get("uri") and not xmlsec_verify(doc, XP_ASSERTION_SIG, key):
            sys.exit(f"{name}: xmlsec1 does not verify its own assertion signature")
    if mode in ("response", "both"):
        marker = "</saml:Issuer>"
        i = doc.index(marker) + len(marker)
        doc = doc[:i] + sig_template(rid, **sig) + doc[i:]
        doc = xmlsec_sign(doc, XP_RESPONSE_SIG, key)
        if not sig.get("uri") and not xmlsec_verify(doc, XP_RESPONSE_SIG, key):
            sys.exit(f"{name}: xmlsec1 does not verify its own response signature")
    return doc


def signed(name, mode="assertion", key="idp", sig=None, **fields):
    return sign(response_xml(name, **fields), name, mode, key, **(sig or {}))


def gen_accept():
    for mode in ("assertion", "response", "both"):
        write(f"accept/xmlsec1/{mode}-signed.xml", signed(f"{mode}-signed", mode), name_id="alice", signature=mode)
    for label, fmt, user in (("transient", TRANSIENT, "_7f3a9c0e2b"), ("email", EMAIL, "alice@example.com"),
                             ("unspecified", UNSPECIFIED, "EXAMPLE\\alice")):
        write(f"accept/xmlsec1/name-id-{label}.xml",
              signed(f"name-id-{label}", fmt=fmt, user=user, session_name="alice"), name_id=user, name_id_format=fmt)
    write("accept/xmlsec1/no-name-id-format.xml",
          signed("no-name-id-format", name_id_xml="<saml:NameID>alice</saml:NameID>"), name_id="alice")
    roles = [f"{ROLE},{PROVIDER}", "arn:aws:iam::123456789012:role/Supervisor," + PROVIDER,
             PROVIDER + ",arn:aws:iam::123456789012:role/Reversed"]
    write("accept/xmlsec1/several-roles.xml", signed("several-roles", roles=roles), name_id="alice", roles=3)
    write("accept/xmlsec1/reversed-role-pair.xml", signed("reversed-role-pair", roles=[f"{PROVIDER},{ROLE}"]),
          name_id="alice", roles=1)
    # SECURITY: the comment is inside the NameID when xmlsec1 signs; exc-c14n drops it, so the
    # signature is valid, and the whole text must be read (CVE-2017-11427 family).
    write("accept/xmlsec1/comment-in-name-id.xml",
          signed("comment-in-name-id", fmt=EMAIL,
                 name_id_xml=f'<saml:NameID Format="{EMAIL}">alice@example.com<!---->.evil.test</saml:NameID>',
                 session_name="alice"),
          name_id="alice@example.com.evil.test")
    write("accept/xmlsec1/comment-in-attribute-value.xml",
          signed("comment-in-attribute-value", session_name="alice",
                 extra_attributes=attribute("https://aws.amazon.com/SAML/Attributes/PrincipalTag:Department",
                                            ["Sales<!-- x -->Team"])),
          name_id="alice")
    # AWS accepts 1024-bit metadata keys, so a response signed with one validates.
    # Text split by CDATA, character references or a comment in the Issuer: all of it is read.
    write("accept/xmlsec1/cdata-in-name-id.xml",
          signed("cdata-in-name-id", name_id_xml=f'<saml:NameID Format="{PERSISTENT}">ali<![CDATA[ce]]></saml:NameID>'),
          name_id="alice")
    write("accept/xmlsec1/character-reference-in-name-id.xml",
          signed("char-ref-in-name-id",
                 name_id_xml=f'<saml:NameID Format="{PERSISTENT}">alice&amp;co&#x2d;op</saml:NameID>',
                 session_name="alice"),
          name_id="alice&co-op")
    write("accept/xmlsec1/comment-in-issuer.xml",
          replace_once(signed("comment-in-issuer", mode="both"), "<saml:Issuer>https://idp.example.test/saml",
                       "<saml:Issuer>https://idp.example.test/<!-- split -->saml"), name_id="alice")
    write("accept/xmlsec1/rsa-1024-key.xml", signed("rsa-1024-key", key="idp-1024"), name_id="alice",
          metadata="metadata/key-1024.xml")
    write("accept/xmlsec1/rollover-key.xml", signed("rollover-key", key="idp-rollover"), name_id="alice")
    write("accept/xmlsec1/ecdsa-p256.xml", signed("ecdsa-p256", key="idp-ec", sig={"sig_alg": ECDSA_SHA256}),
          name_id="alice")
    write("accept/xmlsec1/rsa-sha512.xml",
          signed("rsa-sha512", sig={"sig_alg": RSA_SHA512, "dig_alg": SHA512}), name_id="alice")
    write("accept/xmlsec1/sha1-allowed.xml", signed("sha1-allowed", sig={"sig_alg": RSA_SHA1, "dig_alg": SHA1}),
          name_id="alice", allow_sha1=True)
    write("accept/xmlsec1/regional-recipient.xml",
          signed("regional-recipient", recipient="https://eu-west-2.signin.aws.amazon.com/saml",
                 audience="https://eu-west-2.signin.aws.amazon.com/saml"),
          name_id="alice", recipient="https://eu-west-2.signin.aws.amazon.com/saml")
    write("accept/xmlsec1/no-destination.xml", signed("no-destination", destination=""), name_id="alice")
    write("accept/xmlsec1/session-tags.xml",
          signed("session-tags", extra_attributes=(
              attribute("https://aws.amazon.com/SAML/Attributes/PrincipalTag:Department", ["Sales"])
              + attribute("https://aws.amazon.com/SAML/Attributes/PrincipalTag:CostCenter", ["1234"])
              + attribute("https://aws.amazon.com/SAML/Attributes/TransitiveTagKeys", ["Department"])
              + attribute("https://aws.amazon.com/SAML/Attributes/SourceIdentity", ["alice"])
              + attribute("urn:oid:1.3.6.1.4.1.5923.1.1.1.1", ["member", "staff"]))),
          name_id="alice")
    # Valid SAML that breaks one of AWS's attribute rules (the server's sts::saml_claims).
    write("accept/xmlsec1/aws-invalid-session-name.xml", signed("aws-invalid-session-name", session_name="alice smith"),
          name_id="alice")
    write("accept/xmlsec1/aws-no-role.xml", signed("aws-no-role", roles=[]), name_id="alice", roles=0)
    write("accept/xmlsec1/aws-session-duration-too-long.xml",
          signed("aws-session-duration-too-long", session_duration="43201"), name_id="alice")
    write("accept/xmlsec1/at-not-before-minus-skew.xml", signed("at-edge"), name_id="alice",
          now="2029-12-31T23:59:00Z")
    write("accept/xmlsec1/just-before-not-on-or-after-plus-skew.xml", signed("before-end"), name_id="alice",
          now="2030-01-01T00:05:59Z")


# ----------------------------------------------------------------------------------------------
# attacks on signed documents
# ----------------------------------------------------------------------------------------------

def parse(doc: str):
    return etree.fromstring(doc.encode())


def serialize(root):
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8").decode() + "\n"


def q(ns, tag):
    return f"{{{ns}}}{tag}"


def evil_edit(assertion, new_id=None):
    """The attacker's change: another user in NameID and RoleSessionName."""
    if new_id is not None:
        assertion.set("ID", new_id)
    assertion.find("saml:Subject/saml:NameID", NS).text = "admin"
    for attr in assertion.iterfind("saml:AttributeStatement/saml:Attribute", NS):
        if attr.get("Name").endswith("/RoleSessionName"):
            attr.find("saml:AttributeValue", NS).text = "admin"


def strip_signature(element):
    for sig in element.findall("ds:Signature", NS):
        element.remove(sig)


def signed_assertion(doc):
    """The parsed response and its signed Assertion."""
    root = parse(doc)
    return root, root.find("saml:Assertion", NS)


def unsigned_copy(element, evil=False, new_id=None):
    """A copy without its Signature; with `evil`, carrying the attacker's edit."""
    clone = copy.deepcopy(element)
    strip_signature(clone)
    if evil:
        evil_edit(clone, new_id)
    return clone


def gen_xsw():
    base_a = signed("xsw-a")
    base_r = signed("xsw-r", mode="response")

    # XSW1/XSW2: the signed Response, cloned without its Signature, hidden inside the Signature
    # (XSW1) or as the sibling before it (XSW2) of an evil Response with a new ID. As SAMLRaider
    # makes them the two assertions share an ID; the -distinct-ids variants give the evil one
    # its own, so that the shape check, not the ID table, has to catch them.
    for number, place in ((1, "in-signature"), (2, "before-signature")):
        for distinct in (False, True):
            root = parse(base_r)
            clone = copy.deepcopy(root)
            strip_signature(clone)
            root.set("ID", "_evil")
            evil_edit(root.find("saml:Assertion", NS), "_evil-assertion" if distinct else None)
            if number == 1:
                root.find("ds:Signature", NS).append(clone)
            else:
                root.find("ds:Signature", NS).addprevious(clone)
            suffix = "-distinct-ids" if distinct else ""
            write(f"reject/xsw/xsw{number}-response-clone-{place}{suffix}.xml", serialize(root),
                  reject="SignatureWrapped" if distinct else "DuplicateId")

    # XSW3: an evil, unsigned Assertion with a new ID before the signed one.
    root, original = signed_assertion(base_a)
    evil = unsigned_copy(original, evil=True, new_id="_evil")
    original.addprevious(evil)
    write("reject/xsw/xsw3-evil-assertion-before.xml", serialize(root), reject="MultipleAssertions")

    # XSW4: the evil Assertion replaces the original, which moves inside it.
    root, original = signed_assertion(base_a)
    evil = unsigned_copy(original, evil=True, new_id="_evil")
    original.addprevious(evil)
    root.remove(original)
    evil.append(original)
    write("reject/xsw/xsw4-signed-assertion-inside-evil.xml", serialize(root), reject="SignatureWrapped")

    # XSW5: the first Assertion is edited with a new ID but keeps its Signature (#orig); an
    # unsigned copy of the original with ID=orig is appended.
    root, original = signed_assertion(base_a)
    copy_ = unsigned_copy(original)
    evil_edit(original, "_evil")
    root.append(copy_)
    write("reject/xsw/xsw5-evil-keeps-signature-copy-after.xml", serialize(root), reject="MultipleAssertions")

    # XSW6: as XSW5, the copy inside the evil Assertion's Signature.
    root, original = signed_assertion(base_a)
    copy_ = unsigned_copy(original)
    evil_edit(original, "_evil")
    original.find("ds:Signature", NS).append(copy_)
    write("reject/xsw/xsw6-copy-inside-signature.xml", serialize(root), reject="SignatureWrapped")

    # XSW7: an Extensions element before the Assertion holds an evil copy with the same ID.
    root, original = signed_assertion(base_a)
    evil = unsigned_copy(original, evil=True)
    ext = etree.Element("Extensions")
    ext.append(evil)
    original.addprevious(ext)
    write("reject/xsw/xsw7-extensions-same-id.xml", serialize(root), reject="DuplicateId")
    evil.set("ID", "_evil")
    write("reject/xsw/xsw7-extensions-new-id.xml", serialize(root), reject="SignatureWrapped")

    # XSW8: the Assertion edited in place (same ID, keeps its Signature); the original copy goes in
    # a ds:Object inside that Signature.
    root, original = signed_assertion(base_a)
    copy_ = unsigned_copy(original)
    evil_edit(original)
    obj = etree.SubElement(original.find("ds:Signature", NS), q(DS, "Object"))
    obj.append(copy_)
    write("reject/xsw/xsw8-copy-in-object-same-id.xml", serialize(root), reject="DuplicateId")
    copy_.set("ID", "_copy")
    write("reject/xsw/xsw8-copy-in-object-new-id.xml", serialize(root), reject="SignatureWrapped")

    # Namespace confusion: the Signature rebound to another namespace is no signature at all.
    write("reject/xsw/signature-in-foreign-namespace.xml",
          signed("foreign-ns").replace(f'xmlns:ds="{DS}"', 'xmlns:ds="http://evil.test/xmldsig#"'),
          reject="Unsigned")
    # A signed Response whose Extensions carry an evil Assertion.
    root, original = signed_assertion(signed("assertion-in-extensions-signed", mode="response"))
    ext = etree.Element(q(SAMLP, "Extensions"))
    ext.append(unsigned_copy(original, evil=True, new_id="_evil"))
    root.find("samlp:Status", NS).addprevious(ext)
    write("reject/xsw/assertion-in-extensions-of-signed-response.xml", serialize(root), reject="SignatureWrapped")

    # Other placements: the signed Assertion inside saml:Advice of an evil one; a signed Response
    # inside SubjectConfirmationData (samlify case 1); a Signature in StatusDetail (CVE-2024-45409).
    root, original = signed_assertion(base_a)
    evil = unsigned_copy(original, evil=True, new_id="_evil")
    advice = etree.Element(q(SAML, "Advice"))
    evil.find("saml:Conditions", NS).addnext(advice)
    original.addprevious(evil)
    root.remove(original)
    advice.append(original)
    write("reject/xsw/signed-assertion-in-advice.xml", serialize(root), reject="SignatureWrapped")

    root = parse(base_a)
    signed_response = parse(base_r)
    assertion = root.find("saml:Assertion", NS)
    strip_signature(assertion)
    evil_edit(assertion)
    assertion.find("saml:Subject/saml:SubjectConfirmation/saml:SubjectConfirmationData", NS).append(signed_response)
    write("reject/xsw/signed-response-in-subject-confirmation-data.xml", serialize(root), reject="SignatureWrapped")

    root = parse(base_a)
    signature = copy.deepcopy(root.find("saml:Assertion/ds:Signature", NS))
    detail = etree.SubElement(root.find("samlp:Status", NS), q(SAMLP, "StatusDetail"))
    detail.append(signature)
    write("reject/xsw/signature-in-status-detail.xml", serialize(root), reject="SignatureWrapped")


def replace_once(doc, old, new):
    if doc.count(old) < 1:
        sys.exit(f"no {old!r} to replace")
    return doc.replace(old, new, 1)


def gen_signature():
    # SECURITY: every signature removed (signature exclusion).
    root = parse(signed("sig-removed"))
    strip_signature(root.find("saml:Assertion", NS))
    write("reject/signature/signature-removed.xml", serialize(root), reject="Unsigned")
    write("reject/signature/never-signed.xml", response_xml("never-signed").replace("{RSIG}", "")
          .replace("{ASIG}", ""), reject="Unsigned")
    # A signed Response whose unsigned Assertion was swapped for an evil one after signing.
    root = parse(signed("unsigned-in-signed", mode="response"))
    evil_edit(root.find("saml:Assertion", NS))
    write("reject/signature/unsigned-assertion-in-signed-response-edited.xml", serialize(root),
          reject="DigestMismatch")
    # A signed Response (covering its Assertion) with a second, unsigned Assertion added.
    root, _ = signed_assertion(signed("unsigned-added-to-signed", mode="response"))
    root.append(unsigned_copy(root.find("saml:Assertion", NS), evil=True, new_id="_added"))
    write("reject/signature/unsigned-assertion-added-to-signed-response.xml", serialize(root),
          reject="MultipleAssertions")
    # A signed Response carrying an unsigned Assertion that was not covered: the response's
    # signature is from another key.
    write("reject/signature/response-signed-by-attacker.xml",
          signed("response-signed-by-attacker", mode="response", key="attacker"), reject="UntrustedKey")
    write("reject/signature/name-id-edited-after-signing.xml",
          replace_once(signed("name-id-edited"), ">alice</saml:NameID>", ">admin</saml:NameID>"),
          reject="DigestMismatch")
    write("reject/signature/role-edited-after-signing.xml",
          replace_once(signed("role-edited"), "role/ConnectFederation,", "role/Admin,"), reject="DigestMismatch")
    both = signed("both-assertion-edited", mode="both")
    write("reject/signature/both-signed-assertion-edited.xml",
          replace_once(both, ">alice</saml:NameID>", ">admin</saml:NameID>"), reject="DigestMismatch")
    # The attacker re-signs with their own key and puts their certificate in KeyInfo (R3).
    write("reject/signature/untrusted-keyinfo-certificate.xml", signed("untrusted-cert", key="attacker"),
          reject="UntrustedKey")
    root = parse(signed("untrusted-no-keyinfo", key="attacker"))
    sig = root.find("saml:Assertion/ds:Signature", NS)
    sig.remove(sig.find("ds:KeyInfo", NS))
    write("reject/signature/untrusted-key-without-keyinfo.xml", serialize(root), reject="SignatureInvalid")
    root = parse(signed("signature-value-edited"))
    value = root.find("saml:Assertion/ds:Signature/ds:SignatureValue", NS)
    raw = bytearray(base64.b64decode(value.text))
    raw[-1] ^= 1
    value.text = base64.b64encode(bytes(raw)).decode()
    write("reject/signature/signature-value-edited.xml", serialize(root), reject="SignatureInvalid")
    write("reject/signature/rsa-sha1.xml", signed("rsa-sha1", sig={"sig_alg": RSA_SHA1, "dig_alg": SHA1}),
          reject="WeakAlgorithm")
    write("reject/signature/sha1-digest.xml", signed("sha1-digest", sig={"dig_alg": SHA1}), reject="WeakAlgorithm")
    write("reject/signature/hmac-sha256.xml",
          replace_once(signed("hmac"), RSA_SHA256, HMAC_SHA256), reject="UnsupportedAlgorithm")
    # Reference URIs: empty (the whole document) and foreign (the Response, from the Assertion).
    write("reject/signature/empty-reference-uri.xml", signed("empty-uri", sig={"uri": ""}),
          reject="ReferenceMismatch")
    doc = response_xml("foreign-uri").replace("{RSIG}", "")
    doc = doc.replace("{ASIG}", sig_template("_r-foreign-uri"))
    write("reject/signature/foreign-reference-uri.xml", xmlsec_sign(doc, XP_ASSERTION_SIG, "idp"),
          reject="ReferenceMismatch")
    xpath_t = (f'<ds:Transform Algorithm="{XPATH}"><ds:XPath>not(ancestor-or-self::ds:Signature)</ds:XPath>'
               f'</ds:Transform><ds:Transform Algorithm="{EXC}"/>')
    write("reject/signature/xpath-transform.xml", signed("xpath", sig={"transforms": xpath_t, "uri": "#_a-xpath"}),
          reject="UnsupportedTransform")
    xslt_t = (f'<ds:Transform Algorithm="{ENV}"/><ds:Transform Algorithm="{XSLT}">'
              f'<xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform" version="1.0">'
              f'<xsl:template match="/"><xsl:copy-of select="."/></xsl:template></xsl:stylesheet></ds:Transform>')
    write("reject/signature/xslt-transform.xml", signed("xslt", sig={"transforms": xslt_t, "uri": "#_a-xslt"}),
          reject="UnsupportedTransform")
    root = parse(signed("object-in-signature"))
    etree.SubElement(root.find("saml:Assertion/ds:Signature", NS), q(DS, "Object"))
    write("reject/signature/object-in-signature.xml", serialize(root), reject="MalformedSignature")


def gen_parse():
    base = signed("parse-base")
    body = base.split("\n", 1)[1]
    write("reject/parse/doctype-xxe.xml",
          '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
          + body.replace(">alice</saml:NameID>", ">&xxe;</saml:NameID>"), reject="Doctype")
    lol = "".join(f'<!ENTITY l{i} "' + f"&l{i - 1};" * 10 + '">' for i in range(1, 10))
    write("reject/parse/entity-bomb.xml",
          f'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY l0 "lol">{lol}]>\n'
          + body.replace(">alice</saml:NameID>", ">&l9;</saml:NameID>"), reject="Doctype")
    deep = "<x>" * 100 + "</x>" * 100
    write("reject/parse/depth-bomb.xml",
          replace_once(base, "<samlp:Status>", f"<samlp:Extensions>{deep}</samlp:Extensions><samlp:Status>"),
          reject="LimitExceeded")
    attrs = " ".join(f'a{i}="{i}"' for i in range(100))
    write("reject/parse/attribute-bomb.xml", replace_once(base, "<samlp:Status>", f"<samlp:Status {attrs}>"),
          reject="LimitExceeded")
    big = replace_once(base, "<samlp:Status>", "<samlp:Extensions>" + "<x>padding</x>" * 5400
                       + "</samlp:Extensions><samlp:Status>")
    write("reject/parse/size-bomb.b64", base64.b64encode(big.encode()).decode() + "\n", reject="TooLarge")
    write("reject/parse/not-base64.b64", "PHNhbWxwOlJlc3BvbnNl!!!not base64!!!\n", reject="NotBase64")
    write("reject/parse/truncated.xml", base[: len(base) // 2], reject="Malformed")
    write("reject/parse/declared-latin1.xml", base.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"', 1),
          reject="Malformed")
    write("reject/parse/duplicate-ids.xml",
          replace_once(base, "<samlp:Status>", '<samlp:Extensions><x ID="_a-parse-base"/></samlp:Extensions>'
                       "<samlp:Status>"), reject="DuplicateId")
    root = parse(base)
    write("reject/parse/assertion-as-root.xml", serialize(root.find("saml:Assertion", NS)), reject="NotAResponse")
    write("reject/parse/saml11-version.xml", replace_once(base, 'Version="2.0"', 'Version="1.1"'),
          reject="NotAResponse")


def gen_protocol():
    write("reject/status/responder-unsigned-no-assertion.xml",
          '<?xml version="1.0" encoding="UTF-8"?>\n'
          f'<samlp:Response xmlns:samlp="{SAMLP}" xmlns:saml="{SAML}" ID="_r-failed" Version="2.0" '
          f'IssueInstant="{T0}" Destination="{RECIPIENT}"><saml:Issuer>{ISSUER}</saml:Issuer><samlp:Status>'
          '<samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Responder"><samlp:StatusCode '
          'Value="urn:oasis:names:tc:SAML:2.0:status:AuthnFailed"/></samlp:StatusCode></samlp:Status>'
          '</samlp:Response>\n', reject="StatusNotSuccess")
    write("reject/status/requester-signed.xml",
          signed("requester", mode="response", status="urn:oasis:names:tc:SAML:2.0:status:Requester"),
          reject="StatusNotSuccess")
    root = parse(signed("no-assertion", mode="response"))
    root.remove(root.find("saml:Assertion", NS))
    write("reject/structure/no-assertion.xml", serialize(root), reject="MissingAssertion")
    root = parse(signed("two-assertions"))
    second = parse(signed("two-assertions-2", user="bob")).find("saml:Assertion", NS)
    root.append(second)
    write("reject/structure/two-assertions-both-signed.xml", serialize(root), reject="MultipleAssertions")
    root = parse(signed("two-assertions-one-signed"))
    second = copy.deepcopy(root.find("saml:Assertion", NS))
    strip_signature(second)
    evil_edit(second, "_second")
    root.append(second)
    write("reject/structure/two-assertions-one-signed.xml", serialize(root), reject="MultipleAssertions")
    root = parse(signed("encrypted", mode="response"))
    assertion = root.find("saml:Assertion", NS)
    enc = etree.Element(q(SAML, "EncryptedAssertion"))
    etree.SubElement(enc, "{http://www.w3.org/2001/04/xmlenc#}EncryptedData")
    assertion.addprevious(enc)
    root.remove(assertion)
    write("reject/structure/encrypted-assertion.xml", serialize(root), reject="EncryptedAssertion")

    write("reject/issuer/unknown-issuer.xml", signed("unknown-issuer", issuer="https://evil.example.test/saml"),
          reject="IssuerMismatch")
    write("reject/issuer/assertion-issuer-differs.xml",
          signed("assertion-issuer-differs", issuer="https://evil.example.test/saml", response_issuer=ISSUER),
          reject="IssuerMismatch")
    write("reject/issuer/response-issuer-differs-signed.xml",
          signed("response-issuer-differs", mode="response", response_issuer="https://other.example.test/saml"),
          reject="IssuerMismatch")
    write("reject/destination/wrong-destination.xml",
          signed("wrong-destination", mode="response", destination="https://sp.evil.test/acs"),
          reject="DestinationMismatch")
    write("reject/destination/wrong-destination-unsigned-envelope.xml",
          signed("wrong-destination-env", destination="https://sp.evil.test/acs"), reject="DestinationMismatch")
    write("reject/subject/in-response-to.xml", signed("irt", mode="both", in_response_to="_req-1"),
          reject="InResponseToPresent")
    write("reject/subject/in-response-to-in-confirmation.xml", signed("irt-scd", scd_in_response_to="_req-1"),
          reject="InResponseToPresent")
    write("reject/subject/no-name-id.xml", signed("no-name-id", name_id_xml=""), reject="MissingNameId")
    write("reject/subject/empty-name-id.xml",
          signed("empty-name-id", name_id_xml=f'<saml:NameID Format="{PERSISTENT}"></saml:NameID>'),
          reject="MissingNameId")
    write("reject/subject/no-subject-confirmation.xml", signed("no-sc", subject_confirmations=""),
          reject="MissingSubjectConfirmation")
    sc = (f'<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">'
          f'<saml:SubjectConfirmationData NotOnOrAfter="{T0_PLUS_300}" Recipient="{RECIPIENT}"/>'
          f'</saml:SubjectConfirmation>')
    write("reject/subject/two-subject-confirmations.xml", signed("two-sc", subject_confirmations=sc * 2),
          reject="MultipleSubjectConfirmations")
    write("reject/subject/holder-of-key-confirmation.xml",
          signed("hok", subject_confirmations=sc.replace("cm:bearer", "cm:holder-of-key")),
          reject="MissingSubjectConfirmation")
    write("reject/subject/no-recipient.xml",
          signed("no-recipient", subject_confirmations=sc.replace(f' Recipient="{RECIPIENT}"', "")),
          reject="MissingSubjectConfirmation")
    write("reject/subject/no-confirmation-not-on-or-after.xml",
          signed("no-scd-noa", subject_confirmations=sc.replace(f' NotOnOrAfter="{T0_PLUS_300}"', "")),
          reject="MissingSubjectConfirmation")
    write("reject/subject/wrong-recipient.xml",
          signed("wrong-recipient", recipient="https://sp.evil.test/acs", destination=""),
          reject="RecipientMismatch")
    write("reject/audience/wrong-audience.xml", signed("wrong-audience", audience="https://sp.evil.test"),
          reject="AudienceMismatch")
    write("reject/audience/no-audience-restriction.xml",
          signed("no-audience", conditions=f'<saml:Conditions NotBefore="{T0}" NotOnOrAfter="{T0_PLUS_300}"/>'),
          reject="AudienceMismatch")
    write("reject/audience/no-conditions.xml", signed("no-conditions", conditions=""), reject="AudienceMismatch")
    two = (f'<saml:Conditions NotBefore="{T0}" NotOnOrAfter="{T0_PLUS_300}"><saml:AudienceRestriction>'
           f'<saml:Audience>{AUDIENCE}</saml:Audience></saml:AudienceRestriction><saml:AudienceRestriction>'
           f'<saml:Audience>https://sp.evil.test</saml:Audience></saml:AudienceRestriction></saml:Conditions>')
    write("reject/audience/second-restriction-excludes-us.xml", signed("second-restriction", conditions=two),
          reject="AudienceMismatch")

    write("reject/time/expired.xml", signed("expired"), reject="Expired", now="2030-01-01T00:06:00Z")
    write("reject/time/not-yet-valid.xml", signed("not-yet-valid"), reject="NotYetValid",
          now="2029-12-31T23:58:59Z")
    write("reject/time/confirmation-expired.xml", signed("scd-expired", scd_not_on_or_after="2030-01-01T00:01:00Z"),
          reject="SubjectConfirmationExpired", now="2030-01-01T00:02:00Z")
    write("reject/time/too-old.xml",
          signed("too-old", not_on_or_after="2030-01-01T01:00:00Z"), reject="TooOld", now="2030-01-01T00:06:01Z")
    write("reject/time/issued-in-future.xml", signed("future", issue_instant="2030-01-01T00:03:00Z"),
          reject="IssuedInFuture")
    write("reject/time/timestamp-with-offset.xml",
          signed("offset", not_on_or_after="2030-01-01T01:05:00+01:00"), reject="Malformed")
    write("reject/time/metadata-expired.xml", signed("metadata-expired"), reject="MetadataExpired",
          metadata="metadata/expired.xml")


# ----------------------------------------------------------------------------------------------
# pysaml2 and samlify: two more independent IdPs (scripts/saml-peers/)
# ----------------------------------------------------------------------------------------------

PEERS = Path(__file__).resolve().parent / "saml-peers"
PEER_CASES = [
    # (path under accept/ or reject/, --sign, extra flags, expectations)
    ("accept/{peer}/assertion-signed", "assertion", [], {"name_id": "alice", "signature": "assertion"}),
    ("accept/{peer}/response-signed", "response", [], {"name_id": "alice", "signature": "response"}),
    ("accept/{peer}/both-signed", "both", [], {"name_id": "alice", "signature": "both"}),
    ("accept/{peer}/name-id-transient", "assertion",
     ["--nameid-format", TRANSIENT, "--user", "_9c1e5a", "--session-name", "alice"],
     {"name_id": "_9c1e5a", "name_id_format": TRANSIENT}),
    ("accept/{peer}/name-id-email", "both", ["--nameid-format", EMAIL, "--user", "alice@example.com"],
     {"name_id": "alice@example.com", "name_id_format": EMAIL}),
    ("accept/{peer}/several-roles", "assertion",
     ["--role-value", f"{ROLE},{PROVIDER}", "--role-value", f"{PROVIDER},arn:aws:iam::123456789012:role/Reversed"],
     {"name_id": "alice", "roles": 2}),
    # The peers' own idea of a response that must fail, checked against our reason.
    ("reject/peers/{peer}-wrong-audience", "assertion", ["--audience", "https://sp.evil.test"],
     {"reject": "AudienceMismatch"}),
    ("reject/peers/{peer}-wrong-recipient", "response", ["--recipient", "https://sp.evil.test/acs"],
     {"reject": "DestinationMismatch"}),
    ("reject/peers/{peer}-expired", "both", ["--valid-seconds", "30"], {"reject": "Expired", "now": "2030-01-01T00:02:00Z"}),
]


def gen_peers(refresh):
    """Responses made by pysaml2 (driving xmlsec1) and samlify (xml-crypto, pure JS) with the
    corpus IdP key at T0. Their IDs and samlify's are random, so an existing file is kept
    unless --refresh-peers."""
    key, crt = KEYS / "idp.key", KEYS / "idp.crt"
    commands = {
        "pysaml2": [sys.executable, str(PEERS / "pysaml2_idp.py")],
        "samlify": ["node", str(PEERS / "samlify_idp.js")],
    }
    for peer, command in commands.items():
        for template, mode, extra, expect in PEER_CASES:
            rel = template.format(peer=peer) + ".xml"
            path = CORPUS / rel
            if path.exists() and not refresh:
                CASES.append((rel, expect))
                continue
            out = TMP / rel.replace("/", "-")
            args = ["--out-dir", str(out), "--key", str(key), "--cert", str(crt), "--now", T0,
                    "--valid-seconds", "300", "--issuer", ISSUER, "--audience", AUDIENCE,
                    "--recipient", RECIPIENT, "--sign", mode, "--quiet"]
            run([*command, *args, *extra])  # later flags win in both drivers
            write(rel, (out / "response.xml").read_bytes(), **expect)


def write_manifest():
    lines = ["# Expected outcome of every file under this folder; a file not listed here fails the test.",
             "# Generated by scripts/gen-saml-vectors; see README.md. Defaults: now = " + NOW + ",",
             "# metadata = \"metadata/idp.xml\". accept: name_id (and other fields) must match;",
             "# reject: the Rejection code; metadata_error: the MetadataError variant.", ""]
    for rel, expect in sorted(CASES):
        fields = []
        for k, v in expect.items():
            if isinstance(v, bool):
                fields.append(f"{k} = {'true' if v else 'false'}")
            elif isinstance(v, int):
                fields.append(f"{k} = {v}")
            else:
                fields.append(f'{k} = "' + v.replace("\\", "\\\\").replace('"', '\\"') + '"')
        lines.append(f'"{rel}" = {{ ' + ", ".join(fields) + " }")
    (CORPUS / "cases.toml").write_text("\n".join(lines) + "\n")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--new-keys", action="store_true")
    parser.add_argument("--refresh-peers", action="store_true",
                        help="re-make the pysaml2 and samlify responses (their IDs are random)")
    args = parser.parse_args()
    make_keys(args.new_keys)
    gen_metadata()
    gen_accept()
    gen_peers(args.refresh_peers or args.new_keys)
    gen_xsw()
    gen_signature()
    gen_parse()
    gen_protocol()
    write_manifest()
    # Files of cases that no longer exist.
    listed = {rel for rel, _ in CASES}
    for sub in ("accept", "reject", "metadata"):
        for path in sorted((CORPUS / sub).rglob("*")):
            if path.is_file() and str(path.relative_to(CORPUS)) not in listed:
                path.unlink()
    shutil.rmtree(TMP, ignore_errors=True)
    families = {}
    for rel, _ in CASES:
        fam = "/".join(rel.split("/")[:2])
        families[fam] = families.get(fam, 0) + 1
    for fam, n in sorted(families.items()):
        print(f"{fam}: {n}")


if __name__ == "__main__":
    main()
