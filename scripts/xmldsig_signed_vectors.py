"""Signed, tampered and hostile documents of crates/xmldsig/tests/data/signed/.

Called by scripts/xmldsig_vectors.py (`generate`). Every document that xmlsec1 signs is
verified by `xmlsec1 --verify` right after; tampered and hostile variants are byte edits of
those signed documents, made after signing. Each case is one file `<name>.xml` and one table in
signed/cases.toml.
"""

import base64
import re
import subprocess
from pathlib import Path

from lxml import etree

V = None  # the xmldsig_vectors module (constants, helpers), set by generate()

R_ID, A_ID = "_r7c1e2b9a04d6", "_a5f0d3c8e1b27"
ISSUER = "https://idp.example.test/saml"
AWS = "https://signin.aws.amazon.com/saml"
ROLE = "arn:aws:iam::123456789012:role/ConnectFederation,arn:aws:iam::123456789012:saml-provider/ExampleIdP"


# ----------------------------------------------------------------------------------------------
# templates
# ----------------------------------------------------------------------------------------------

def sig_template(uri, sm=None, dm=None, c14n=None, transforms=None, prefixlist=None, keyinfo=True,
                 extra_reference=None):
    sm = sm or V.RSA_SHA256
    dm = dm or V.SHA256
    c14n = c14n or V.EXC
    if transforms is None:
        transforms = [V.ENV, V.EXC]
    parts = []
    for t in transforms:
        if t == V.EXC and prefixlist:
            parts.append(f'<ds:Transform Algorithm="{t}"><ec:InclusiveNamespaces xmlns:ec="{V.EXC}" '
                         f'PrefixList="{prefixlist}"/></ds:Transform>')
        elif t == V.XPATH:
            parts.append(f'<ds:Transform Algorithm="{t}"><ds:XPath>not(ancestor-or-self::ds:Signature)'
                         f'</ds:XPath></ds:Transform>')
        else:
            parts.append(f'<ds:Transform Algorithm="{t}"/>')
    tr = f"<ds:Transforms>{''.join(parts)}</ds:Transforms>" if parts else ""
    ref = (f'<ds:Reference URI="{uri}">{tr}<ds:DigestMethod Algorithm="{dm}"/>'
           f'<ds:DigestValue></ds:DigestValue></ds:Reference>')
    if extra_reference:
        ref += (f'<ds:Reference URI="{extra_reference}">{tr}<ds:DigestMethod Algorithm="{dm}"/>'
                f'<ds:DigestValue></ds:DigestValue></ds:Reference>')
    ki = "<ds:KeyInfo><ds:X509Data/></ds:KeyInfo>" if keyinfo else ""
    return (f'<ds:Signature xmlns:ds="{V.DS}"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="{c14n}"/>'
            f'<ds:SignatureMethod Algorithm="{sm}"/>{ref}</ds:SignedInfo>'
            f'<ds:SignatureValue></ds:SignatureValue>{ki}</ds:Signature>')


def assertion(aid=A_ID, sig="", nameid="alice@example.test"):
    return f"""<saml:Assertion xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ID="{aid}" Version="2.0" IssueInstant="2026-01-01T00:00:00Z">
    <saml:Issuer>{ISSUER}</saml:Issuer>{sig}
    <saml:Subject>
      <saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">{nameid}</saml:NameID>
      <saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">
        <saml:SubjectConfirmationData NotOnOrAfter="2026-01-01T00:05:00Z" Recipient="{AWS}"/>
      </saml:SubjectConfirmation>
    </saml:Subject>
    <saml:Conditions NotBefore="2025-12-31T23:59:00Z" NotOnOrAfter="2026-01-01T00:05:00Z">
      <saml:AudienceRestriction><saml:Audience>{AWS}</saml:Audience></saml:AudienceRestriction>
    </saml:Conditions>
    <saml:AuthnStatement AuthnInstant="2026-01-01T00:00:00Z" SessionIndex="{aid}">
      <saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext>
    </saml:AuthnStatement>
    <saml:AttributeStatement>
      <saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/Role" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri">
        <saml:AttributeValue xsi:type="xs:string">{ROLE}</saml:AttributeValue>
      </saml:Attribute>
      <saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/RoleSessionName" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri">
        <saml:AttributeValue xsi:type="xs:string">alice</saml:AttributeValue>
      </saml:Attribute>
    </saml:AttributeStatement>
  </saml:Assertion>"""


def response(assertions, sig="", extensions="", rid=R_ID):
    ext = f"\n  <samlp:Extensions>{extensions}</samlp:Extensions>" if extensions else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<samlp:Response xmlns:samlp="{V.SAMLP}" xmlns:saml="{V.SAML}" ID="{rid}" Version="2.0" IssueInstant="2026-01-01T00:00:00Z" Destination="{AWS}">
  <saml:Issuer>{ISSUER}</saml:Issuer>{sig}{ext}
  <samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>
  {assertions}
</samlp:Response>
"""


# ----------------------------------------------------------------------------------------------
# xmlsec1
# ----------------------------------------------------------------------------------------------

def key_args(key):
    if key == "hmac":
        return ["--hmackey", str(V.KEYS / "hmac.key")]
    return ["--privkey-pem", f"{V.KEYS / (key + '.key')},{V.KEYS / (key + '.crt')}"]


def xmlsec_sign(doc: bytes, key, xpaths, tmp: Path, extra=()):
    """Signs the Signature templates at `xpaths`, in order (innermost first)."""
    for xp in xpaths:
        src, out = tmp / "tpl.xml", tmp / "signed.xml"
        src.write_bytes(doc)
        try:
            V.run(["xmlsec1", "--sign", *key_args(key), *V.ID_ATTRS, *extra, "--node-xpath", xp,
                   "--output", str(out), str(src)])
        except subprocess.CalledProcessError as err:
            raise RuntimeError(f"xmlsec1 --sign failed: {err.stderr.decode(errors='replace')}") from err
        doc = out.read_bytes()
    return doc


def xmlsec_verify(doc: bytes, key, xp, tmp: Path, keyinfo=True, extra=()):
    src = tmp / "verify.xml"
    src.write_bytes(doc)
    if key == "hmac":
        kargs = ["--hmackey", str(V.KEYS / "hmac.key")]
    elif keyinfo:
        kargs = ["--trusted-pem", str(V.KEYS / f"{key}.crt")]
    else:
        kargs = ["--pubkey-cert-pem", str(V.KEYS / f"{key}.crt")]
    r = subprocess.run(["xmlsec1", "--verify", *kargs, *V.ID_ATTRS, *extra, "--node-xpath", xp, str(src)],
                       capture_output=True)
    return r.returncode == 0


def signxml_sign(doc: str, key, sm) -> bytes:
    """Signs the assertion of `doc` with signxml (an independent XML-DSig implementation over lxml).

    The template carries `<ds:Signature Id="placeholder"/>` where the signature goes.
    """
    from signxml import DigestAlgorithm, XMLSigner, methods
    signer = XMLSigner(method=methods.enveloped, signature_algorithm=sm, digest_algorithm=DigestAlgorithm.SHA256,
                       c14n_algorithm=V.EXC)
    signer.namespaces = {"ds": V.DS}
    root = etree.fromstring(doc.encode())
    out = signer.sign(root, key=(V.KEYS / f"{key}.key").read_bytes(), cert=(V.KEYS / f"{key}.crt").read_bytes(),
                      reference_uri=A_ID, id_attribute="ID")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(out) + b"\n"


def signxml_verify(data: bytes, cert: Path):
    """None when signxml verifies the first ds:Signature of `data` with `cert`, else the reason."""
    from signxml import DigestAlgorithm, SignatureConfiguration, SignatureMethod, XMLVerifier
    config = SignatureConfiguration(signature_methods=frozenset(SignatureMethod),
                                    digest_algorithms=frozenset(DigestAlgorithm), require_x509=False)
    try:
        XMLVerifier().verify(data, x509_cert=cert.read_bytes(), id_attribute="ID", expect_config=config)
        return None
    except Exception as err:  # signxml raises several types; the message is what matters here
        return f"{type(err).__name__}: {err}"


SIGVALUE = re.compile(rb"<ds:SignatureValue>[^<]*</ds:SignatureValue>")


def keep_or_replace(path: Path, new: bytes, verify):
    """Keeps the committed file when only its (randomised) SignatureValue differs and it verifies."""
    if path.exists():
        old = path.read_bytes()
        if old == new:
            return old
        if SIGVALUE.sub(b"", old) == SIGVALUE.sub(b"", new) and verify(old):
            return old
    return new


# ----------------------------------------------------------------------------------------------
# cases
# ----------------------------------------------------------------------------------------------

class Cases:
    def __init__(self, tmp):
        self.tmp = tmp
        self.rows = []
        self.files = {}
        self.comments = {}

    def add(self, name, data: bytes, expect, note, cert="keys/rsa2048.crt", signed_ids=None, allow_sha1=False,
            section="accept", allow_rsa_1024=False):
        assert name not in self.files, name
        self.files[name] = data
        self.rows.append((section, name, cert, (allow_sha1, allow_rsa_1024), expect, signed_ids, note))

    def write(self):
        V.SIGNED.mkdir(parents=True, exist_ok=True)
        for name, data in self.files.items():
            V.write_if_changed(V.SIGNED / f"{name}.xml", data)
        for old in V.SIGNED.glob("*.xml"):
            if old.stem not in self.files:
                old.unlink()
        out = ["# Signed, tampered and hostile documents: <name>.xml, verified against `cert`",
               "# (relative to tests/data/). Generated by scripts/gen-xmldsig-vectors; see ../README.md.",
               "# `expect` is \"accept\" or the rejection code of the first failing check.", ""]
        section = None
        for sec, name, cert, sha1, expect, ids, note in self.rows:
            if sec != section:
                out.append(f"# ---- {sec} " + "-" * (88 - len(sec)))
                out.append("")
                section = sec
            out.append(f"[{name}]")
            out.append(f"cert = {V.toml_str(cert)}")
            if sha1[0]:
                out.append("allow_sha1 = true")
            if sha1[1]:
                out.append("allow_rsa_1024 = true")
            out.append(f"expect = {V.toml_str(expect)}")
            if ids is not None:
                out.append("signed_ids = [" + ", ".join(V.toml_str(i) for i in ids) + "]")
            out.append(f"note = {V.toml_str(note)}")
            if name in self.comments:
                out.append(f"# {self.comments[name]}")
            out.append("")
        V.write_if_changed(V.SIGNED / "cases.toml", "\n".join(out).encode())


def replace_once(data: bytes, old: bytes, new: bytes) -> bytes:
    if data.count(old) < 1:
        raise RuntimeError(f"edit target {old[:60]!r} not found")
    return data.replace(old, new, 1)


def element_bytes(data: bytes, tag: bytes, occurrence=0) -> bytes:
    """The bytes of the n-th `<tag ...>...</tag>` (no nesting of the same tag)."""
    pat = re.compile(rb"<" + re.escape(tag) + rb"[ >].*?</" + re.escape(tag) + rb">", re.S)
    return pat.findall(data)[occurrence]


def flip_b64(value: bytes) -> bytes:
    """Changes one base64 character in the middle, keeping the value well-formed base64."""
    i = len(value) // 2
    while value[i:i + 1] in (b"\n", b"="):
        i += 1
    c = value[i:i + 1]
    return value[:i] + (b"B" if c != b"B" else b"C") + value[i + 1:]


def generate(tmp: Path, vectors_module):
    global V
    V = vectors_module
    c = Cases(tmp)
    A_XP, R_XP = V.XP_ASSERTION_SIG, V.XP_RESPONSE_SIG

    def signed(name, doc, key, xpaths, verify_keyinfo=True, extra=(), randomised=False):
        data = xmlsec_sign(doc.encode(), key, xpaths, tmp, extra)

        def ok(d):
            return all(xmlsec_verify(d, key, xp, tmp, verify_keyinfo, extra) for xp in xpaths)
        if randomised:
            data = keep_or_replace(V.SIGNED / f"{name}.xml", data, ok)
        if not ok(data):
            V.fail(f"signed {name}: xmlsec1 --verify does not accept it")
        return data

    def assertion_signed(key="rsa2048", nameid="alice@example.test", keyinfo=True, **sig):
        return response(assertion(sig="\n    " + sig_template(f"#{A_ID}", keyinfo=keyinfo, **sig), nameid=nameid))

    # ---- accept ------------------------------------------------------------------------------
    base = signed("rsa-sha256-assertion", assertion_signed(), "rsa2048", [A_XP])
    c.add("rsa-sha256-assertion", base, "accept", "RSA-2048 PKCS#1 v1.5 SHA-256, assertion signed (the common IdP shape)",
          signed_ids=[A_ID])
    resp_only = signed("rsa-sha256-response", response(assertion(), sig="\n  " + sig_template(f"#{R_ID}")),
                       "rsa2048", [R_XP])
    c.add("rsa-sha256-response", resp_only, "accept", "only the Response is signed; it covers the unsigned assertion",
          signed_ids=[R_ID])
    both_tpl = response(assertion(sig="\n    " + sig_template(f"#{A_ID}")), sig="\n  " + sig_template(f"#{R_ID}"))
    both = signed("rsa-sha256-both", both_tpl, "rsa2048", [A_XP, R_XP])
    c.add("rsa-sha256-both", both, "accept",
          "assertion signed first, then the Response (its digest covers the assertion signature)",
          signed_ids=[R_ID, A_ID])
    c.add("rsa-sha384-assertion", signed("rsa-sha384-assertion", assertion_signed(sm=V.RSA_SHA384, dm=V.SHA384),
                                         "rsa2048", [A_XP]),
          "accept", "RSA-2048 SHA-384 signature, SHA-384 digest", signed_ids=[A_ID])
    c.add("rsa-sha512-assertion", signed("rsa-sha512-assertion", assertion_signed(sm=V.RSA_SHA512, dm=V.SHA512),
                                         "rsa2048", [A_XP]),
          "accept", "RSA-2048 SHA-512 signature, SHA-512 digest", signed_ids=[A_ID])
    c.add("rsa3072-sha256-assertion", signed("rsa3072-sha256-assertion", assertion_signed(), "rsa3072", [A_XP]),
          "accept", "an RSA-3072 key", cert="keys/rsa3072.crt", signed_ids=[A_ID])
    c.add("rsa3072-sha512-response",
          signed("rsa3072-sha512-response",
                 response(assertion(), sig="\n  " + sig_template(f"#{R_ID}", sm=V.RSA_SHA512, dm=V.SHA512)),
                 "rsa3072", [R_XP]),
          "accept", "RSA-3072, SHA-512, Response signed", cert="keys/rsa3072.crt", signed_ids=[R_ID])
    c.add("ecdsa-p256-sha256-assertion",
          signed("ecdsa-p256-sha256-assertion", assertion_signed(sm=V.ECDSA_SHA256), "ec-p256", [A_XP],
                 randomised=True),
          "accept", "ECDSA P-256 SHA-256, SignatureValue r||s (64 bytes)", cert="keys/ec-p256.crt", signed_ids=[A_ID])
    c.add("ecdsa-p384-sha384-assertion",
          signed("ecdsa-p384-sha384-assertion", assertion_signed(sm=V.ECDSA_SHA384, dm=V.SHA384), "ec-p384", [A_XP],
                 randomised=True),
          "accept", "ECDSA P-384 SHA-384, SignatureValue r||s (96 bytes)", cert="keys/ec-p384.crt", signed_ids=[A_ID])
    sha1 = signed("rsa-sha1-assertion", assertion_signed(sm=V.RSA_SHA1, dm=V.SHA1), "rsa2048", [A_XP])
    c.add("rsa-sha1-assertion", sha1, "accept", "RSA-SHA1 with a SHA-1 digest, accepted only with allow_sha1",
          allow_sha1=True, signed_ids=[A_ID])
    c.add("rsa-sha256-pubkey-pem", base, "accept", "the same document trusted through a bare public key PEM",
          cert="keys/rsa2048.pub.pem", signed_ids=[A_ID])
    c.add("no-keyinfo", signed("no-keyinfo", assertion_signed(keyinfo=False), "rsa2048", [A_XP], verify_keyinfo=False),
          "accept", "no KeyInfo at all: the trusted key alone verifies", signed_ids=[A_ID])
    c.add("c14n-with-comments-method",
          signed("c14n-with-comments-method", assertion_signed(c14n=V.EXC_WC), "rsa2048", [A_XP]),
          "accept", "CanonicalizationMethod exc-c14n#WithComments (SignedInfo has no comments)", signed_ids=[A_ID])
    c.add("inclusive-namespaces-prefixlist",
          signed("inclusive-namespaces-prefixlist", assertion_signed(prefixlist="xs"), "rsa2048", [A_XP]),
          "accept", "exc-c14n transform with InclusiveNamespaces PrefixList=\"xs\" (xsi:type=\"xs:string\")",
          signed_ids=[A_ID])
    c.add("inclusive-namespaces-prefixlist-default",
          signed("inclusive-namespaces-prefixlist-default", assertion_signed(prefixlist="xs xsi #default"),
                 "rsa2048", [A_XP]),
          "accept", "PrefixList \"xs xsi #default\"", signed_ids=[A_ID])
    comment = signed("comment-in-nameid", assertion_signed(nameid="alice@example.test<!---->.evil.test"),
                     "rsa2048", [A_XP])
    c.add("comment-in-nameid", comment, "accept",
          "a comment inside NameID is signed and valid; the NameID text is all of it, alice@example.test.evil.test",
          signed_ids=[A_ID])
    xsw_ok = None  # made below from `base`

    # RSA-PSS: xmlsec1 1.2.37 has no RSA-PSS (xmlsec1 --list-transforms). The DigestValue is
    # xmlsec1's (signed as rsa-sha256, the digest does not depend on the signature method); then
    # SignatureMethod is switched to sha256-rsa-MGF1, SignedInfo canonicalised by lxml and signed by
    # openssl with PSS (MGF1-SHA256, salt length 32 = the digest length, RFC 9231 §2.3.10).
    from signxml import SignatureMethod
    placeholder = f'\n    <ds:Signature xmlns:ds="{V.DS}" Id="placeholder"></ds:Signature>'
    pss_signxml = signxml_sign(response(assertion(sig=placeholder)), "rsa2048", SignatureMethod.SHA256_RSA_MGF1)
    pss_path = V.SIGNED / "rsa-pss-sha256-assertion.xml"
    pss_signxml = keep_or_replace(pss_path, pss_signxml,
                                  lambda d: signxml_verify(d, V.KEYS / "rsa2048.crt") is None)
    c.add("rsa-pss-sha256-assertion", pss_signxml, "accept",
          "RSA-PSS SHA-256 (sha256-rsa-MGF1) signed by signxml 5.2.0 (xmlsec1 1.2.37 has no RSA-PSS)",
          signed_ids=[A_ID])
    pss = resign(replace_once(base, V.RSA_SHA256.encode(), V.RSA_PSS_SHA256.encode()), tmp, pss=True,
                 path=V.SIGNED / "rsa-pss-sha256-openssl.xml")
    c.add("rsa-pss-sha256-openssl", pss, "accept",
          "RSA-PSS SHA-256 (MGF1-SHA256, salt 32): the xmlsec1 RSA-SHA256 document with SignatureMethod "
          "switched, SignedInfo canonicalised by lxml and signed by openssl", signed_ids=[A_ID])

    # ---- shapes of real identity providers (prefixes and default namespaces as they write them) ----
    idp_shapes(c, signed)

    # ---- weak ----------------------------------------------------------------------------------
    sv = re.search(rb"<ds:SignatureValue>([^<]*)</ds:SignatureValue>", base).group(1)
    dv = re.search(rb"<ds:DigestValue>([^<]*)</ds:DigestValue>", base).group(1)
    c.add("rsa-sha1-refused", sha1, "WeakAlgorithm", "the RSA-SHA1 document without allow_sha1", section="weak")
    c.add("sha1-digest-refused",
          signed("sha1-digest-refused", assertion_signed(dm=V.SHA1), "rsa2048", [A_XP]),
          "WeakAlgorithm", "RSA-SHA256 signature over a SHA-1 DigestMethod, without allow_sha1", section="weak")
    rsa1024 = signed("rsa1024-refused", assertion_signed(), "rsa1024", [A_XP])
    c.add("rsa1024-refused", rsa1024,
          "WeakAlgorithm", "an RSA-1024 key (AWS metadata allows it; refused unless the anchor allows 1024)",
          cert="keys/rsa1024.crt", section="weak")
    c.add("rsa1024-allowed", rsa1024, "accept", "the same RSA-1024 document with allow_rsa_1024",
          cert="keys/rsa1024.crt", allow_rsa_1024=True, signed_ids=[A_ID], section="weak")

    # ---- tampered after signing ------------------------------------------------------------------
    sv = re.search(rb"<ds:SignatureValue>([^<]*)</ds:SignatureValue>", base).group(1)
    dv = re.search(rb"<ds:DigestValue>([^<]*)</ds:DigestValue>", base).group(1)
    t = "tampered"
    c.add("tampered-nameid-text", replace_once(base, b">alice@example.test<", b">mallory@example.test<"),
          "DigestMismatch", "NameID text changed after signing", section=t)
    c.add("tampered-attribute",
          replace_once(base, b'NotOnOrAfter="2026-01-01T00:05:00Z" Recipient', b'NotOnOrAfter="2036-01-01T00:05:00Z" Recipient'),
          "DigestMismatch", "SubjectConfirmationData NotOnOrAfter changed after signing", section=t)
    c.add("tampered-attribute-added",
          replace_once(base, b'<saml:Audience>', b'<saml:Audience xml:lang="en">'),
          "DigestMismatch", "an attribute added inside the signed assertion", section=t)
    c.add("tampered-whitespace",
          replace_once(base, b"</saml:Subject>", b" </saml:Subject>"),
          "DigestMismatch", "one space added inside the signed assertion", section=t)
    c.add("tampered-signaturevalue", replace_once(base, sv, flip_b64(sv)),
          "SignatureInvalid", "one base64 character of SignatureValue changed", section=t)
    c.add("tampered-digestvalue", replace_once(base, dv, flip_b64(dv)),
          "SignatureInvalid", "DigestValue changed: SignedInfo no longer matches SignatureValue (checked first)",
          section=t)
    c.add("other-key", base, "UntrustedKey",
          "signed by rsa2048, whose certificate is in KeyInfo; only rsa2048-other is trusted",
          cert="keys/rsa2048-other.crt", section=t)
    nokey = c.files["no-keyinfo"]
    c.add("other-key-no-keyinfo", nokey, "SignatureInvalid",
          "no KeyInfo, and the trusted rsa2048-other key does not verify", cert="keys/rsa2048-other.crt", section=t)
    c.add("other-key-ec", c.files["ecdsa-p256-sha256-assertion"], "UntrustedKey",
          "an ECDSA P-256 signature checked against an RSA certificate", section=t)
    c.add("tampered-reference-uri", replace_once(base, f'URI="#{A_ID}"'.encode(), f'URI="#{R_ID}"'.encode()),
          "SignatureInvalid", "Reference URI edited after signing: SignedInfo no longer verifies", section=t)
    c.add("added-object",
          replace_once(base, b"</ds:Signature>", b"<ds:Object><x>extra</x></ds:Object></ds:Signature>"),
          "MalformedSignature", "a ds:Object added to the Signature (outside SignedInfo)", section=t)
    c.add("unknown-signature-method",
          replace_once(base, V.RSA_SHA256.encode(), b"http://www.w3.org/2001/04/xmldsig-more#rsa-whirlpool"),
          "UnsupportedAlgorithm", "SignatureMethod replaced by an algorithm outside the allow-list", section=t)
    c.add("unknown-digest-method",
          replace_once(base, V.SHA256.encode(), b"http://www.w3.org/2001/04/xmldsig-more#md5"),
          "UnsupportedAlgorithm", "DigestMethod MD5", section=t)
    c.add("signaturevalue-bad-base64", replace_once(base, sv, b"!!not*base64!!"),
          "MalformedSignature", "SignatureValue that is not base64", section=t)
    c.add("second-signedinfo",
          replace_once(base, b"<ds:SignatureValue>",
                       element_bytes(base, b"ds:SignedInfo") + b"<ds:SignatureValue>"),
          "MalformedSignature", "two SignedInfo elements (CVE-2025-29774 shape)", section=t)
    sig_el = element_bytes(base, b"ds:Signature")
    c.add("two-signatures",
          replace_once(base, sig_el, sig_el + b"\n    " + sig_el),
          "MultipleSignatures", "the assertion carries its valid Signature twice", section=t)
    c.add("signature-not-child",
          replace_once(replace_once(base, b"\n    " + sig_el, b""), b"</saml:Subject>", sig_el + b"</saml:Subject>"),
          "ReferenceMismatch",
          "the assertion's Signature moved into saml:Subject: it now signs Subject, which has no ID, so its "
          "(intact, verifying) Reference #assertion is not the enclosing element's", section=t)
    c.add("unsigned", response(assertion()).encode(), "Unsigned", "no Signature anywhere", section=t)
    c.add("duplicate-id-elsewhere",
          replace_once(base, b"\n  <samlp:Status>",
                       f'\n  <samlp:Extensions><saml:Issuer ID="{A_ID}">x</saml:Issuer></samlp:Extensions>\n  <samlp:Status>'.encode()),
          "DuplicateId", "another element carries the signed assertion's ID", section=t)
    c.add("invalid-id",
          replace_once(replace_once(base, f'ID="{A_ID}"'.encode(), b'ID="1 bad"'), f'URI="#{A_ID}"'.encode(), b'URI="#1 bad"'),
          "InvalidId", "an ID that is not an NCName", section=t)

    # ---- re-signed by xmlsec1 with a template this profile refuses ----------------------------------
    s = "refused-shape"
    parent_ref = signed("reference-to-parent", response(assertion(sig="\n    " + sig_template(f"#{R_ID}"))),
                        "rsa2048", [A_XP])
    c.add("reference-to-parent", parent_ref, "ReferenceMismatch",
          "the assertion's Signature references the Response (#R): valid for xmlsec1, not the enclosing element",
          section=s)
    c.add("reference-uri-empty", signed("reference-uri-empty", assertion_signed_uri(""), "rsa2048", [A_XP]),
          "ReferenceMismatch", "Reference URI=\"\" (the whole document), signed by xmlsec1", section=s)
    c.add("reference-uri-xpointer",
          signed("reference-uri-xpointer", assertion_signed_uri(f"#xpointer(id('{A_ID}'))"), "rsa2048", [A_XP]),
          "ReferenceMismatch", "Reference URI=\"#xpointer(id('ID'))\", signed by xmlsec1", section=s)
    ext_file = tmp / "external.xml"
    ext_file.write_bytes(b"<external>data</external>\n")
    ext_url = "https://idp.example.test/external.xml"
    ext = ["--url-map:" + ext_url, str(ext_file)]
    c.add("reference-uri-external-xmlsec1",
          signed("reference-uri-external-xmlsec1",
                 response(assertion(sig="\n    " + sig_template(ext_url, transforms=[V.EXC]))),
                 "rsa2048", [A_XP], extra=ext),
          "ReferenceMismatch",
          "an external Reference URI, signed by xmlsec1 with --url-map to a local file <external>data</external>; "
          "its transforms are exc-c14n alone (xmlsec1 cannot apply enveloped-signature to another document), "
          "so this also needs the URI to be checked before the transforms",
          section=s)
    c.add("reference-uri-external",
          resign(replace_once(base, f'URI="#{A_ID}"'.encode(), ext_url.encode().join([b'URI="', b'"'])), tmp),
          "ReferenceMismatch",
          "the standard document with only the Reference URI changed to an external URL, SignedInfo re-signed "
          "by openssl over lxml's c14n", section=s)
    c.add("second-reference",
          signed("second-reference", assertion_signed(extra_reference=f"#{A_ID}"), "rsa2048", [A_XP]),
          "ReferenceMismatch", "two References (both #ID), signed by xmlsec1", section=s)
    c.add("xpath-transform",
          signed("xpath-transform", assertion_signed(transforms=[V.ENV, V.XPATH, V.EXC]), "rsa2048", [A_XP]),
          "UnsupportedTransform", "an XPath transform between enveloped-signature and exc-c14n", section=s)
    swapped = replace_once(base, f'<ds:Transform Algorithm="{V.ENV}"/><ds:Transform Algorithm="{V.EXC}"/>'.encode(),
                           f'<ds:Transform Algorithm="{V.EXC}"/><ds:Transform Algorithm="{V.ENV}"/>'.encode())
    c.add("transforms-swapped", resign(swapped, tmp),
          "UnsupportedTransform",
          "exc-c14n then enveloped-signature (order reversed): xmlsec1 refuses to sign this, so SignedInfo "
          "was re-signed by openssl over lxml's c14n after the edit", section=s)
    only_exc = replace_once(base, f'<ds:Transform Algorithm="{V.ENV}"/>'.encode(), b"")
    c.add("transform-enveloped-missing", resign(only_exc, tmp),
          "UnsupportedTransform",
          "exc-c14n alone, no enveloped-signature (SignedInfo re-signed by openssl after the edit)", section=s)
    c.add("digest-mismatch-resigned", resign(replace_once(base, dv, flip_b64(dv)), tmp),
          "DigestMismatch",
          "a wrong DigestValue inside a SignedInfo whose SignatureValue is valid (re-signed by openssl)",
          section=s)
    c.add("transform-inclusive-c14n",
          signed("transform-inclusive-c14n", assertion_signed(transforms=[V.ENV, V.C14N10]), "rsa2048", [A_XP]),
          "UnsupportedTransform", "inclusive C14N 1.0 as the Reference transform", section=s)
    c.add("c14n-method-inclusive",
          signed("c14n-method-inclusive", assertion_signed(c14n=V.C14N10), "rsa2048", [A_XP]),
          "UnsupportedAlgorithm", "CanonicalizationMethod inclusive C14N 1.0", section=s)
    c.add("hmac-sha256",
          signed("hmac-sha256", assertion_signed(sm=V.HMAC_SHA256, keyinfo=False), "hmac", [A_XP]),
          "UnsupportedAlgorithm", "HMAC-SHA256 SignatureMethod (keyed with keys/hmac.key)", section=s)

    # ---- signature wrapping --------------------------------------------------------------------
    w = "wrapping"
    orig = element_bytes(base, b"saml:Assertion")
    evil = assertion(aid="_evil0c3d5e7f9a1", nameid="mallory@example.test").encode()
    c.add("xsw-original-in-extensions",
          response(evil.decode(), extensions=orig.decode()).encode(), "accept",
          "the signed assertion moved into samlp:Extensions, an unsigned evil assertion in its place: "
          "the signature still verifies, and only the original's ID is reported signed",
          signed_ids=[A_ID], section=w)
    c.add("xsw-evil-same-id",
          response(evil.decode().replace("_evil0c3d5e7f9a1", A_ID), extensions=orig.decode()).encode(),
          "DuplicateId", "evil copy carrying the original's ID, original kept in Extensions", section=w)
    orig_sig = element_bytes(orig, b"ds:Signature")
    orig_unsigned = replace_once(orig, b"\n    " + orig_sig, b"")
    evil_with_sig = assertion(aid="_evil0c3d5e7f9a1", nameid="mallory@example.test",
                              sig="\n    " + orig_sig.decode()).encode()
    c.add("xsw-signature-in-evil",
          response(evil_with_sig.decode(), extensions=orig_unsigned.decode()).encode(), "ReferenceMismatch",
          "the original Signature moved into an evil assertion with another ID; the original "
          "(unsigned now) kept in Extensions", section=w)
    sig_with_object = replace_once(orig_sig, b"</ds:Signature>",
                                   b"<ds:Object>" + orig_unsigned + b"</ds:Object></ds:Signature>")
    evil_obj = assertion(aid="_evil0c3d5e7f9a1", nameid="mallory@example.test",
                         sig="\n    " + sig_with_object.decode()).encode()
    c.add("xsw-original-in-object", response(evil_obj.decode()).encode(), "MalformedSignature",
          "evil assertion whose Signature carries the original in a ds:Object", section=w)
    c.add("xsw-evil-sibling-before",
          response(evil.decode() + "\n  " + orig.decode()).encode(), "accept",
          "an unsigned evil assertion before the signed original, both children of the Response: only the "
          "original's ID is reported", signed_ids=[A_ID], section=w)
    c.add("xsw-original-nested-in-evil",
          response(evil.decode().replace("</saml:Subject>", "</saml:Subject>\n    <saml:Advice>" + orig.decode()
                                          + "</saml:Advice>")).encode(), "accept",
          "the signed original inside saml:Advice of an unsigned evil assertion: the inner signature verifies, "
          "the outer assertion is not reported", signed_ids=[A_ID], section=w)
    c.add("xsw-evil-id-attribute-case",
          response(evil.decode().replace('ID="_evil0c3d5e7f9a1"', f'ID="_evil0c3d5e7f9a1" Id="{A_ID}" id="{A_ID}"')
                   + "\n  " + orig.decode()).encode(), "accept",
          "an evil assertion carrying the signed ID in Id= and id= attributes: only ID= is an ID, no duplicate, "
          "only the original is reported", signed_ids=[A_ID], section=w)
    c.add("xsw-evil-response-wraps-signed",
          response(evil.decode(), extensions=element_bytes(resp_only, b"samlp:Response").decode(),
                   rid="_r0evil0000001").encode(),
          "accept",
          "an unsigned evil Response wrapping the signed Response in Extensions: only the inner Response's ID is "
          "reported", signed_ids=[R_ID], section=w)

    # ---- hostile inputs --------------------------------------------------------------------------
    hostile(c, base, tmp)
    for sec, name, cert, _flags, expect, _ids, _note in c.rows:
        if expect != "accept":
            continue
        # signxml wants a certificate: a bare public key is checked through its certificate
        why = signxml_verify(c.files[name], V.DATA / cert.replace(".pub.pem", ".crt"))
        if why is None:
            c.comments[name] = "also verified by signxml 5.2.0 (its first ds:Signature)" + (
                ", given the certificate of the same key" if cert.endswith(".pub.pem") else "")
        else:
            c.comments[name] = f"signxml 5.2.0 does not verify it: {why[:200]}"
            print(f"note: signxml does not verify {name}: {why[:200]}")
    c.write()
    counts = {}
    for sec, *_ in c.rows:
        counts[sec] = counts.get(sec, 0) + 1
    print("signed: " + ", ".join(f"{k} {v}" for k, v in counts.items()) + f" ({len(c.rows)} cases)")


def unprefixed(sig: str) -> str:
    """The Signature template with XML-DSig as the default namespace (no ds: prefix)."""
    return sig.replace("<ds:", "<").replace("</ds:", "</").replace("xmlns:ds=", "xmlns=")


def idp_shapes(c, signed):
    """Namespace layouts seen from real IdPs, signed by xmlsec1 (the layouts, not their code)."""
    s = "idp-shapes"
    a_xp = "/*[local-name()='Response']/*[local-name()='Assertion']/*[local-name()='Signature']"
    r_xp = "/*[local-name()='Response']/*[local-name()='Signature']"
    subject = (f'<Subject><NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">alice@example.test'
               f'</NameID><SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">'
               f'<SubjectConfirmationData NotOnOrAfter="2026-01-01T00:05:00Z" Recipient="{AWS}"/>'
               f'</SubjectConfirmation></Subject>')
    # Default namespaces everywhere, unprefixed XML-DSig (the layout of Microsoft Entra ID / AD FS)
    entra = (f'<samlp:Response xmlns:samlp="{V.SAMLP}" ID="_r7c1e2b9a04d6" Version="2.0" '
             f'IssueInstant="2026-01-01T00:00:00Z" Destination="{AWS}">'
             f'<Issuer xmlns="{V.SAML}">{ISSUER}</Issuer><samlp:Status><samlp:StatusCode '
             f'Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>'
             f'<Assertion xmlns="{V.SAML}" ID="{A_ID}" IssueInstant="2026-01-01T00:00:00Z" Version="2.0">'
             f'<Issuer>{ISSUER}</Issuer>{unprefixed(sig_template(f"#{A_ID}"))}{subject}'
             f'<AttributeStatement><Attribute Name="https://aws.amazon.com/SAML/Attributes/Role"><AttributeValue>'
             f'{ROLE}</AttributeValue></Attribute></AttributeStatement></Assertion></samlp:Response>')
    c.add("shape-default-namespaces", signed("shape-default-namespaces", entra, "rsa2048", [a_xp]), "accept",
          "assertion in the default namespace, unprefixed <Signature xmlns=\"…xmldsig#\">, one line",
          signed_ids=[A_ID], section=s)
    # saml2p:/saml2: prefixes, xmlns:xs declared on each AttributeValue, Response signed (Okta-like)
    okta = (f'<?xml version="1.0" encoding="UTF-8"?><saml2p:Response xmlns:saml2p="{V.SAMLP}" '
            f'Destination="{AWS}" ID="{R_ID}" IssueInstant="2026-01-01T00:00:00Z" Version="2.0">'
            f'<saml2:Issuer xmlns:saml2="{V.SAML}">{ISSUER}</saml2:Issuer>{sig_template(f"#{R_ID}")}'
            f'<saml2p:Status><saml2p:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></saml2p:Status>'
            f'<saml2:Assertion xmlns:saml2="{V.SAML}" ID="{A_ID}" IssueInstant="2026-01-01T00:00:00Z" Version="2.0">'
            f'<saml2:Issuer>{ISSUER}</saml2:Issuer>'
            + subject.replace("<", "<saml2:").replace("<saml2:/", "</saml2:")
            + f'<saml2:AttributeStatement><saml2:Attribute Name="https://aws.amazon.com/SAML/Attributes/Role">'
            f'<saml2:AttributeValue xmlns:xs="http://www.w3.org/2001/XMLSchema" '
            f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="xs:string">{ROLE}</saml2:AttributeValue>'
            f'</saml2:Attribute></saml2:AttributeStatement></saml2:Assertion></saml2p:Response>')
    c.add("shape-saml2-prefixes", signed("shape-saml2-prefixes", okta, "rsa2048", [r_xp]), "accept",
          "saml2p:/saml2: prefixes, xmlns:xs on the AttributeValue, the Response signed",
          signed_ids=[R_ID], section=s)
    # ns0:/ns1: prefixes as ElementTree writes them, both signed (pysaml2-like)
    ns = (f'<ns0:Response xmlns:ns0="{V.SAMLP}" xmlns:ns1="{V.SAML}" xmlns:ds="{V.DS}" ID="{R_ID}" '
          f'Version="2.0" IssueInstant="2026-01-01T00:00:00Z" Destination="{AWS}">'
          f'<ns1:Issuer Format="urn:oasis:names:tc:SAML:2.0:nameid-format:entity">{ISSUER}</ns1:Issuer>'
          f'{sig_template(f"#{R_ID}").replace(f" xmlns:ds={chr(34)}{V.DS}{chr(34)}", "")}'
          f'<ns0:Status><ns0:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></ns0:Status>'
          f'<ns1:Assertion ID="{A_ID}" Version="2.0" IssueInstant="2026-01-01T00:00:00Z">'
          f'<ns1:Issuer Format="urn:oasis:names:tc:SAML:2.0:nameid-format:entity">{ISSUER}</ns1:Issuer>'
          f'{sig_template(f"#{A_ID}").replace(f" xmlns:ds={chr(34)}{V.DS}{chr(34)}", "")}'
          + subject.replace("<", "<ns1:").replace("<ns1:/", "</ns1:")
          + f'<ns1:AttributeStatement><ns1:Attribute FriendlyName="Role" '
          f'Name="https://aws.amazon.com/SAML/Attributes/Role" '
          f'NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri"><ns1:AttributeValue '
          f'xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
          f'xsi:type="xs:string">{ROLE}</ns1:AttributeValue></ns1:Attribute></ns1:AttributeStatement>'
          f'</ns1:Assertion></ns0:Response>')
    c.add("shape-ns0-prefixes-both", signed("shape-ns0-prefixes-both", ns, "rsa2048", [a_xp, r_xp]), "accept",
          "ns0:/ns1: prefixes, xmlns:ds declared once on the Response root, assertion and Response signed",
          signed_ids=[R_ID, A_ID], section=s)
    # The default namespace of the Response is SAML protocol, assertion prefixed (Shibboleth-like)
    shib = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Response xmlns="{V.SAMLP}" Destination="{AWS}" '
            f'ID="{R_ID}" IssueInstant="2026-01-01T00:00:00Z" Version="2.0">\n'
            f'  <saml2:Issuer xmlns:saml2="{V.SAML}">{ISSUER}</saml2:Issuer>\n'
            f'  <Status><StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></Status>\n'
            f'  <saml2:Assertion xmlns:saml2="{V.SAML}" xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
            f'ID="{A_ID}" IssueInstant="2026-01-01T00:00:00Z" Version="2.0">\n'
            f'    <saml2:Issuer>{ISSUER}</saml2:Issuer>\n    {sig_template(f"#{A_ID}", prefixlist="xsd")}\n    '
            + subject.replace("<", "<saml2:").replace("<saml2:/", "</saml2:")
            + f'\n    <saml2:AttributeStatement><saml2:Attribute Name="https://aws.amazon.com/SAML/Attributes/Role">'
            f'<saml2:AttributeValue xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="xsd:string">'
            f'{ROLE}</saml2:AttributeValue></saml2:Attribute></saml2:AttributeStatement>\n'
            f'  </saml2:Assertion>\n</Response>\n')
    c.add("shape-protocol-default-namespace", signed("shape-protocol-default-namespace", shib, "rsa2048", [a_xp]),
          "accept",
          "the Response in the default (protocol) namespace, a prefixed assertion inside it, PrefixList \"xsd\"",
          signed_ids=[A_ID], section=s)


def assertion_signed_uri(uri):
    return response(assertion(sig="\n    " + sig_template(uri)))


def resign(doc: bytes, tmp: Path, pss=False, path=None):
    """Signs the document's SignedInfo again, as it stands, with keys/rsa2048.key.

    SignedInfo is canonicalised by lxml (exc-c14n) and signed by openssl: PKCS#1 v1.5 SHA-256, or
    with `pss` RSA-PSS SHA-256 (MGF1-SHA256, salt length 32 = the digest length, RFC 9231). Used for
    what xmlsec1 cannot sign: RSA-PSS, and SignedInfo edits xmlsec1 refuses to process.
    """
    ns = {"ds": V.DS}
    opts = ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32",
            "-sigopt", "rsa_mgf1_md:sha256"] if pss else []

    def c14n_signedinfo(d, out):
        t = V.parse_lxml(d)
        si = t.xpath("//ds:SignedInfo", namespaces=ns)[0]
        out.write_bytes(etree.tostring(si, method="c14n", exclusive=True))
        return t

    def verify(d):
        t = c14n_signedinfo(d, tmp / "si2.c14n")
        value = base64.b64decode(t.xpath("//ds:SignatureValue", namespaces=ns)[0].text)
        (tmp / "sig.bin").write_bytes(value)
        r = subprocess.run(["openssl", "dgst", "-sha256", "-verify", str(V.KEYS / "rsa2048.pub.pem"), *opts,
                            "-signature", str(tmp / "sig.bin"), str(tmp / "si2.c14n")], capture_output=True)
        return r.returncode == 0

    c14n_signedinfo(doc, tmp / "si.c14n")
    sig = V.run(["openssl", "dgst", "-sha256", "-sign", str(V.KEYS / "rsa2048.key"), *opts,
                 str(tmp / "si.c14n")]).stdout
    b64 = base64.encodebytes(sig).strip()
    old_sv = re.search(rb"<ds:SignatureValue>([^<]*)</ds:SignatureValue>", doc).group(1)
    new = replace_once(doc, old_sv, b64)
    if pss and path is not None:
        new = keep_or_replace(path, new, verify)
    if not verify(new):
        V.fail("openssl does not verify the re-signed SignedInfo")
    return new


def hostile(c, base: bytes, tmp: Path):
    h = "hostile"
    decl = b'<?xml version="1.0" encoding="UTF-8"?>\n'
    body = base[len(decl):] if base.startswith(decl) else base
    c.add("doctype-internal-entity",
          decl + b'<!DOCTYPE samlp:Response [<!ENTITY user "alice@example.test">]>\n' + body,
          "Doctype", "a DOCTYPE with an internal entity in front of a valid signed Response", section=h)
    c.add("doctype-xxe",
          decl + b'<!DOCTYPE samlp:Response [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
          + replace_once(body, b"<saml:Audience>", b"<saml:Audience>&xxe;"),
          "Doctype", "external entity (XXE) pointing at /etc/passwd", section=h)
    laughs = [b'<!ENTITY lol0 "lol">']
    for i in range(1, 10):
        laughs.append(b'<!ENTITY lol%d "%s">' % (i, b"".join(b"&lol%d;" % (i - 1) for _ in range(10))))
    c.add("billion-laughs",
          decl + b"<!DOCTYPE r [\n" + b"\n".join(laughs) + b"\n]>\n<r>&lol9;</r>\n",
          "Doctype", "the billion laughs entity expansion bomb", section=h)
    c.add("doctype-attlist-xmlns",
          decl + b'<!DOCTYPE samlp:Response [<!ATTLIST ds:Signature xmlns:ds CDATA #FIXED "urn:evil">]>\n' + body,
          "Doctype", "an ATTLIST default injecting a namespace declaration (CVE-2025-25292 shape)", section=h)
    c.add("depth-bomb-100000", b"<a>" * 100_000 + b"</a>" * 100_000 + b"\n", "TooDeep",
          "100,000 nested elements, 700,001 bytes (under the 1 MiB default size limit)", section=h)
    c.add("depth-bomb-65", b"<a>" * 65 + b"</a>" * 65 + b"\n", "TooDeep",
          "65 nested elements: one over the default depth limit of 64", section=h)
    c.add("depth-64-ok-unsigned", b"<a>" * 64 + b"</a>" * 64 + b"\n", "Unsigned",
          "64 nested elements: at the default depth limit, parses, and is merely unsigned", section=h)
    limit = 1024 * 1024
    pad_for = lambda n: b"<!--" + b"x" * (n - len(base) - len(b"<!---->\n")) + b"-->\n"  # noqa: E731
    c.add("size-at-limit", base + pad_for(limit), "accept",
          "the signed Response padded with a comment after the root to exactly 1 MiB (the default limit)",
          signed_ids=[A_ID], section=h)
    c.add("too-large", base + pad_for(limit + 1), "TooLarge",
          "the same, one byte over 1 MiB", section=h)
    attrs = b" ".join(b'a%d="%d"' % (i, i) for i in range(10_000))
    c.add("attributes-10000", b"<r " + attrs + b"/>\n", "TooManyAttributes",
          "one element with 10,000 attributes (quadratic duplicate checks)", section=h)
    c.add("nodes-60000", b"<r>" + b"<a/>" * 60_000 + b"</r>\n", "TooManyNodes",
          "60,001 elements in 240 KB (default node limit 50,000)", section=h)
    c.add("xmlns-prefix-empty",
          replace_once(base, b"<samlp:Response ", b'<samlp:Response xmlns:p="" '),
          "ForbiddenNamespace", "xmlns:p=\"\" (XML Namespaces 1.0 forbids undeclaring a prefix)", section=h)
    c.add("element-empty-prefix", b'<r xmlns:p="urn:p"><:c/></r>\n', "ForbiddenNamespace",
          "an element name with an empty prefix (:c); a parser that refuses it outright says Malformed",
          section=h)
    c.add("utf16",
          b"\xff\xfe" + base.replace(b'encoding="UTF-8"', b'encoding="UTF-16"').decode().encode("utf-16-le"),
          "NotUtf8", "the signed Response in UTF-16LE with a byte order mark", section=h)
    c.add("latin1",
          b'<?xml version="1.0" encoding="ISO-8859-1"?>\n<r>caf\xe9</r>\n', "NotUtf8",
          "ISO-8859-1 bytes (0xE9 is not UTF-8)", section=h)
    c.add("latin1-declared-ascii",
          base.replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"'), "NotUtf8",
          "the signed Response (pure ASCII) declaring ISO-8859-1", section=h)
    c.add("xml-version-1-1",
          base.replace(b'version="1.0"', b'version="1.1"', 1), "Malformed",
          "the signed Response declaring XML 1.1 (other line-end and name rules than c14n applies)", section=h)
    c.add("malformed-truncated", base[: len(base) // 2], "Malformed", "the signed Response cut in half", section=h)
    c.add("namespace-declarations-10000",
          b"<r " + b" ".join(b'xmlns:p%d="urn:p%d"' % (i, i) for i in range(10_000)) + b"/>\n",
          "TooManyAttributes", "10,000 namespace declarations on one element (they are attributes to the limit)",
          section=h)
    c.add("depth-bomb-unclosed", b"<a>" * 100_000, "TooDeep",
          "100,000 start tags never closed: the depth limit fires before the end of input is seen", section=h)
    c.add("utf8-bom-signed", b"\xef\xbb\xbf" + base, "accept", "the signed Response behind a UTF-8 byte order mark",
          signed_ids=[A_ID], section=h)
    c.add("encoding-lowercase", base.replace(b'encoding="UTF-8"', b'encoding="utf-8"', 1), "accept",
          "encoding=\"utf-8\" in lower case is UTF-8", signed_ids=[A_ID], section=h)
    c.add("invalid-utf8-sequence", replace_once(base, b">alice@", b">\xc3\x28alice@"), "NotUtf8",
          "an invalid UTF-8 sequence inside the NameID", section=h)
    c.add("control-character", replace_once(base, b">alice@", b">\x01alice@"), "Malformed",
          "U+0001 in text (not an XML 1.0 character)", section=h)
    c.add("nul-character", replace_once(base, b">alice@", b">\x00alice@"), "Malformed",
          "a NUL byte in text", section=h)
    c.add("unknown-entity", replace_once(base, b"<saml:Audience>", b"<saml:Audience>&foo;"), "Malformed",
          "an entity reference with no DTD to declare it", section=h)
    c.add("xml-declaration-not-first", b"\n" + base, "Malformed",
          "a newline before the XML declaration", section=h)
    c.add("empty-document", b"", "Malformed", "zero bytes", section=h)
    c.add("two-roots", base + b"<x/>\n", "Malformed", "a second root element after the signed Response",
          section=h)
    c.add("prefix-undeclared", b"<p:r/>\n", "Malformed", "an element prefix with no declaration", section=h)
    c.add("xml-prefix-rebound", b'<r xmlns:xml="urn:x"/>\n', "Malformed",
          "the xml prefix bound to another URI (the parser refuses it before our own name checks)", section=h)
    c.add("duplicate-expanded-attribute", b'<r xmlns:p="urn:x" xmlns:q="urn:x" p:a="1" q:a="2"/>\n', "Malformed",
          "p:a and q:a are the same expanded name", section=h)
    c.add("id-empty", replace_once(base, f'ID="{A_ID}"'.encode(), b'ID=""'), "InvalidId", "ID=\"\"", section=h)
    c.add("id-with-colon", replace_once(base, f'ID="{A_ID}"'.encode(), b'ID="a:b"'), "InvalidId",
          "ID=\"a:b\" (a QName, not an NCName)", section=h)
    c.add("malformed-mismatched-tag", b"<r><a></b></r>\n", "Malformed", "mismatched end tag", section=h)
