#!/usr/bin/env python3
"""Regenerates crates/xmldsig/tests/data/ from independent peers.

Run through scripts/gen-xmldsig-vectors, which installs the peers (xmlsec1, xmllint, openssl,
lxml in a venv). Peers:
  * xmllint --exc-c14n (Debian libxml2-utils; keeps comments),
  * lxml exclusive c14n (libxml2 bundled in the lxml wheel, another libxml2 version),
  * xmlsec1 (openssl backend): signs and verifies, and its --store-references pre-digest
    buffers cross-check the canonical forms through libxml2's node-set c14n path,
  * openssl: keys, certificates and the RSA-PSS signature xmlsec1 1.2.x cannot make.

Keys are made once and committed (test keys only); they are regenerated only with --new-keys.
Signatures that are randomised (ECDSA, RSA-PSS) are kept from the previous run when everything
except the SignatureValue is unchanged and the old file still verifies, so a re-run does not
churn files.
"""

import argparse
import base64
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parent))
import xmldsig_c14n_cases  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "crates" / "xmldsig" / "tests" / "data"
KEYS = DATA / "keys"
C14N = DATA / "c14n"
SIGNED = DATA / "signed"

DS = "http://www.w3.org/2000/09/xmldsig#"
SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
EXC = "http://www.w3.org/2001/10/xml-exc-c14n#"
EXC_WC = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments"
C14N10 = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
ENV = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
XPATH = "http://www.w3.org/TR/1999/REC-xpath-19991116"
RSA_SHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
RSA_SHA384 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384"
RSA_SHA512 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"
RSA_PSS_SHA256 = "http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1"
ECDSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
ECDSA_SHA384 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384"
HMAC_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256"
SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
SHA384 = "http://www.w3.org/2001/04/xmldsig-more#sha384"
SHA512 = "http://www.w3.org/2001/04/xmlenc#sha512"

ID_ATTRS = [f"--id-attr:ID", f"{SAML}:Assertion", "--id-attr:ID", f"{SAMLP}:Response"]
XP_ASSERTION_SIG = "/*[local-name()='Response']/*[local-name()='Assertion']/*[local-name()='Signature']"
XP_RESPONSE_SIG = "/*[local-name()='Response']/*[local-name()='Signature']"

FAILURES = []


def fail(msg):
    FAILURES.append(msg)
    print(f"FAIL: {msg}", file=sys.stderr)


def run(args, **kw):
    return subprocess.run(args, check=True, capture_output=True, **kw)


def write_if_changed(path: Path, data: bytes):
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and path.read_bytes() == data:
        return
    path.write_bytes(data)


# ----------------------------------------------------------------------------------------------
# keys
# ----------------------------------------------------------------------------------------------

KEY_SPECS = {
    "rsa2048": ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
    "rsa2048-other": ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
    "rsa3072": ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072"],
    "rsa1024": ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"],
    "ec-p256": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-pkeyopt", "ec_param_enc:named_curve"],
    "ec-p384": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384", "-pkeyopt", "ec_param_enc:named_curve"],
}


def make_keys(new):
    KEYS.mkdir(parents=True, exist_ok=True)
    for name, spec in KEY_SPECS.items():
        key, crt, pub = KEYS / f"{name}.key", KEYS / f"{name}.crt", KEYS / f"{name}.pub.pem"
        if new or not (key.exists() and crt.exists()):
            run(["openssl", "genpkey", *spec, "-out", str(key)])
            run(["openssl", "req", "-x509", "-new", "-key", str(key), "-out", str(crt), "-days", "36500",
                 "-sha256", "-subj", f"/O=fedgate test keys/CN={name} (test only, not secret)"])
        if new or not pub.exists():
            run(["openssl", "pkey", "-in", str(key), "-pubout", "-out", str(pub)])
    hmac = KEYS / "hmac.key"
    if new or not hmac.exists():
        hmac.write_bytes(os.urandom(32))


# ----------------------------------------------------------------------------------------------
# c14n
# ----------------------------------------------------------------------------------------------

def parse_lxml(data: bytes):
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=False,
                             strip_cdata=True, huge_tree=False)
    return etree.parse(io.BytesIO(data), parser)


def lxml_c14n(data: bytes, with_comments, inclusive, id_):
    tree = parse_lxml(data)
    prefixes = inclusive.split() if inclusive else None
    target = tree
    if id_ is not None:
        found = tree.xpath("//*[@ID=$v]", v=id_)
        if len(found) != 1:
            raise ValueError(f"ID {id_!r} found {len(found)} times")
        target = found[0]
    return etree.tostring(target, method="c14n", exclusive=True, with_comments=with_comments,
                          inclusive_ns_prefixes=prefixes)


def xmllint_c14n(path: Path):
    return run(["xmllint", "--exc-c14n", str(path)]).stdout


def has_comments(data: bytes):
    return bool(parse_lxml(data).xpath("//comment() | /comment()"))


def xmlsec1_c14n(data: bytes, with_comments, inclusive, id_, tmp: Path):
    """The pre-digest buffer xmlsec1 computes for a Reference over the document or element."""
    tree = parse_lxml(data)
    root = tree.getroot()
    qname = (root.prefix + ":" if root.prefix else "") + etree.QName(root).localname
    id_args = []
    envelops = True
    if id_ is None:
        uri = "#xpointer(/)" if with_comments else ""
    else:
        el = tree.xpath("//*[@ID=$v]", v=id_)[0]
        q = etree.QName(el)
        id_args = ["--id-attr:ID", f"{q.namespace}:{q.localname}" if q.namespace else q.localname]
        uri = f"#xpointer(id('{id_}'))" if with_comments else f"#{id_}"
        envelops = el is root
    alg = EXC_WC if with_comments else EXC
    incl = (f'<ec:InclusiveNamespaces xmlns:ec="{EXC}" PrefixList="{inclusive}"/>' if inclusive else "")
    transforms = (f'<ds:Transform Algorithm="{ENV}"/>' if envelops else "") + \
        f'<ds:Transform Algorithm="{alg}">{incl}</ds:Transform>'
    sig = (f'<ds:Signature xmlns:ds="{DS}"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="{EXC}"/>'
           f'<ds:SignatureMethod Algorithm="{RSA_SHA256}"/><ds:Reference URI="{uri}"><ds:Transforms>'
           f'{transforms}</ds:Transforms><ds:DigestMethod Algorithm="{SHA256}"/><ds:DigestValue/>'
           f'</ds:Reference></ds:SignedInfo><ds:SignatureValue/></ds:Signature>').encode()
    end = data.rfind(b"</" + qname.encode())
    if end >= 0:
        doc = data[:end] + sig + data[end:]
    else:
        end = data.rfind(b"/>")
        doc = data[:end] + b">" + sig + b"</" + qname.encode() + b">" + data[end + 2:]
    src = tmp / "xmlsec1-c14n.xml"
    src.write_bytes(doc)
    out = run(["xmlsec1", "--sign", "--privkey-pem", str(KEYS / "rsa2048.key"), *id_args,
               "--store-references", "--print-debug", "--output", "/dev/null", str(src)]).stdout
    start_marker = b"== PreDigest data - start buffer:\n"
    s = out.index(start_marker) + len(start_marker)
    e = out.index(b"\n== PreDigest data - end buffer", s)
    return out[s:e]


SOURCES = {
    "xmllint": "xmllint --exc-c14n",
    "lxml": "lxml exclusive c14n (libxml2)",
    "xmlsec1": "xmlsec1 Reference pre-digest (exc-c14n transform)",
}


def toml_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def gen_c14n(tmp: Path):
    C14N.mkdir(parents=True, exist_ok=True)
    manifest = ["# Exclusive XML Canonicalization 1.0 cases: <name>.xml is the input, <name>.c14n the",
                "# expected bytes. Generated by scripts/gen-xmldsig-vectors; see ../README.md.",
                "# `source` names the peer whose output is the .c14n file; `# cross-checked:` lists",
                "# the other peers that produced the same bytes.", ""]
    names = set()
    for name, data, opts, note in xmldsig_c14n_cases.cases():
        assert name not in names, name
        names.add(name)
        wc = opts.get("with_comments", False)
        incl = opts.get("inclusive_namespaces")
        id_ = opts.get("id")
        inp = C14N / f"{name}.xml"
        write_if_changed(inp, data)
        results = {}
        # lxml drops "#default" from inclusive_ns_prefixes (it looks each prefix up in the
        # document's name dictionary), so for those cases xmlsec1 is the source.
        default_in_list = incl is not None and "#default" in incl.split()
        if not default_in_list:
            results["lxml"] = lxml_c14n(data, wc, incl, id_)
        whole_plain = id_ is None and incl is None
        if whole_plain and (wc or not has_comments(data)):
            results["xmllint"] = xmllint_c14n(inp)
        try:
            results["xmlsec1"] = xmlsec1_c14n(data, wc, incl, id_, tmp)
        except subprocess.CalledProcessError as err:
            fail(f"c14n {name}: xmlsec1 failed: {err.stderr.decode(errors='replace')[-400:]}")
        source = "xmllint" if "xmllint" in results else "lxml" if "lxml" in results else "xmlsec1"
        if source not in results:
            continue
        expected = results[source]
        agree = [p for p, v in results.items() if p != source and v == expected]
        for p, v in results.items():
            if v != expected:
                fail(f"c14n {name}: {p} differs from {source}:\n  {source}: {expected!r}\n  {p}: {v!r}")
        write_if_changed(C14N / f"{name}.c14n", expected)
        manifest.append(f"[{name}]")
        manifest.append("source = " + toml_str(SOURCES[source]))
        if wc:
            manifest.append("with_comments = true")
        if incl is not None:
            manifest.append(f"inclusive_namespaces = {toml_str(incl)}")
        if id_ is not None:
            manifest.append(f"id = {toml_str(id_)}")
        manifest.append(f"note = {toml_str(note)}")
        manifest.append(f"# cross-checked: {', '.join(agree) if agree else 'none'}"
                        + ("; lxml skipped: it drops #default from the PrefixList" if default_in_list else ""))
        manifest.append("")
    write_if_changed(C14N / "cases.toml", "\n".join(manifest).encode())
    print(f"c14n: {len(names)} cases")
    return len(names)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--new-keys", action="store_true", help="replace the committed test keys")
    ap.add_argument("--only", choices=["c14n", "signed"], help="regenerate one part only")
    args = ap.parse_args()
    make_keys(args.new_keys)
    with tempfile.TemporaryDirectory(prefix="fg-vectors-") as t:
        tmp = Path(t)
        if args.only in (None, "c14n"):
            gen_c14n(tmp)
        if args.only in (None, "signed"):
            import xmldsig_signed_vectors
            xmldsig_signed_vectors.generate(tmp, sys.modules[__name__])
    if FAILURES:
        print(f"{len(FAILURES)} problem(s); see above", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
