#!/usr/bin/env python3
# Copied from shared/peers/pysaml2_idp.py (the project carries its own peers); used by
# scripts/saml_vectors.py to make accept/pysaml2/ vectors.
"""pysaml2_idp.py - second independent IdP: pysaml2's saml2.server.Server as an IdP.

Creates a signed SAML 2.0 Response for AWS sign-in with the same attributes and flags
as make_response.sh. pysaml2 signs by driving the xmlsec1 binary (crypto_backend
"xmlsec1"), with RSA-SHA256 / SHA-256, and verifies its own output the same way.

Outputs in --out-dir (default ./out-pysaml2): idp.key, idp.crt (reused if present,
else generated), idp-metadata.xml (made by pysaml2), response.xml, response.b64.

Run: .venv/bin/python pysaml2_idp.py --help
"""
import argparse
import base64
import datetime as _dt
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings

warnings.filterwarnings("ignore", category=DeprecationWarning)
warnings.filterwarnings("ignore", message=".*CFB.*")

HERE = os.path.dirname(os.path.abspath(__file__))
AWS_SIGNIN = "https://signin.aws.amazon.com/saml"


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out-dir", default="./out-pysaml2")
    p.add_argument("--user", default="alice", help="NameID and default RoleSessionName")
    p.add_argument("--session-name", default=None, help="RoleSessionName (default: --user)")
    p.add_argument("--nameid-format", default="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent")
    p.add_argument("--issuer", default="https://idp.example.test/saml")
    p.add_argument("--audience", default=AWS_SIGNIN, help="Audience = the SP entityID pysaml2 answers")
    p.add_argument("--recipient", default=AWS_SIGNIN, help="Recipient and Destination (the SP's ACS URL)")
    p.add_argument("--role", default="arn:aws:iam::123456789012:role/ConnectFederation")
    p.add_argument("--provider", default="arn:aws:iam::123456789012:saml-provider/ExampleIdP")
    p.add_argument("--role-value", action="append", default=None,
                   help='raw Role value "roleArn,providerArn"; repeatable (overrides --role/--provider)')
    p.add_argument("--session-duration", default="3600", help='seconds, or "none" to omit')
    p.add_argument("--now", default=None, help="EPOCH or ISO-8601 UTC (default: now); shifts pysaml2's clock")
    p.add_argument("--valid-seconds", type=int, default=300, help="NotOnOrAfter = now + N (may be negative)")
    p.add_argument("--sign", choices=["assertion", "response", "both", "none"], default="assertion")
    p.add_argument("--key", default=None, help="PEM private key (default: OUT_DIR/idp.key, generated if absent)")
    p.add_argument("--cert", default=None, help="PEM cert (default: OUT_DIR/idp.crt, generated if absent)")
    p.add_argument("--quiet", action="store_true")
    return p.parse_args()


def to_epoch(s):
    if s.isdigit():
        return int(s)
    s = s.replace("Z", "+00:00")
    d = _dt.datetime.fromisoformat(s)
    if d.tzinfo is None:
        d = d.replace(tzinfo=_dt.timezone.utc)
    return int(d.timestamp())


def shift_clock(seconds):
    """Shift the clock pysaml2 reads (time.gmtime() and datetime.now()) by `seconds`."""
    import saml2.time_util as tu

    real_gmtime = time.gmtime

    def gmtime(secs=None):
        return real_gmtime(time.time() + seconds if secs is None else secs)

    time.gmtime = gmtime

    class ShiftedDatetime(_dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return _dt.datetime.now(tz) + _dt.timedelta(seconds=seconds)

    tu.datetime = ShiftedDatetime


def ensure_key(key, cert):
    if os.path.exists(key) and os.path.exists(cert):
        return
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "3650",
                    "-subj", "/CN=pysaml2 Test IdP", "-keyout", key, "-out", cert],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.chmod(key, 0o600)


SP_METADATA = """<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{audience}">
  <md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" WantAssertionsSigned="true">
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:transient</md:NameIDFormat>
    <md:AssertionConsumerService index="1" isDefault="true"
        Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="{recipient}"/>
  </md:SPSSODescriptor>
</md:EntityDescriptor>
"""


def main():
    a = parse_args()
    os.makedirs(a.out_dir, exist_ok=True)
    key = a.key or os.path.join(a.out_dir, "idp.key")
    cert = a.cert or os.path.join(a.out_dir, "idp.crt")
    ensure_key(key, cert)
    xmlsec = shutil.which("xmlsec1")
    if not xmlsec:
        sys.exit("xmlsec1 not found (apt-get install -y xmlsec1)")
    if a.now:
        shift_clock(to_epoch(a.now) - time.time())

    from xml.sax.saxutils import escape

    from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, saml
    from saml2.config import IdPConfig
    from saml2.metadata import create_metadata_string
    from saml2.saml import NAME_FORMAT_URI
    from saml2.server import Server
    from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

    tmp = tempfile.mkdtemp()
    try:
        sp_md = os.path.join(tmp, "sp.xml")
        with open(sp_md, "w", encoding="utf-8") as f:
            f.write(SP_METADATA.format(audience=escape(a.audience, {'"': "&quot;"}),
                                       recipient=escape(a.recipient, {'"': "&quot;"})))
        conf = {
            "entityid": a.issuer,
            "service": {
                "idp": {
                    "name": "pysaml2 test IdP",
                    "endpoints": {
                        "single_sign_on_service": [
                            (a.issuer.rstrip("/") + "/sso", BINDING_HTTP_REDIRECT),
                            (a.issuer.rstrip("/") + "/sso", BINDING_HTTP_POST),
                        ]
                    },
                    "policy": {
                        "default": {
                            "lifetime": {"seconds": a.valid_seconds},
                            "attribute_restrictions": None,
                            "name_form": NAME_FORMAT_URI,
                        }
                    },
                    "name_id_format": [a.nameid_format],
                    "want_authn_requests_signed": False,
                }
            },
            "key_file": key,
            "cert_file": cert,
            "xmlsec_binary": xmlsec,
            "metadata": {"local": [sp_md]},
            "attribute_map_dir": os.path.join(HERE, "pysaml2_attributemaps"),
            "signing_algorithm": SIG_RSA_SHA256,
            "digest_algorithm": DIGEST_SHA256,
        }
        cfg = IdPConfig().load(conf)
        idp = Server(config=cfg)

        with open(os.path.join(a.out_dir, "idp-metadata.xml"), "w", encoding="utf-8") as f:
            md = create_metadata_string(None, config=cfg, valid=None, sign=False)
            f.write(md.decode() if isinstance(md, bytes) else md)

        roles = a.role_value or [f"{a.role},{a.provider}"]
        identity = {"Role": roles, "RoleSessionName": [a.session_name or a.user]}
        if a.session_duration != "none":
            identity["SessionDuration"] = [a.session_duration]

        name_id = saml.NameID(format=a.nameid_format, text=a.user)
        resp = idp.create_authn_response(
            identity,
            in_response_to=None,  # IdP-initiated (unsolicited), as AWS sign-in expects
            destination=a.recipient,
            sp_entity_id=a.audience,
            name_id=name_id,
            authn={"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport",
                   "authn_auth": a.issuer},
            sign_response=a.sign in ("response", "both"),
            sign_assertion=a.sign in ("assertion", "both"),
            sign_alg=SIG_RSA_SHA256,
            digest_alg=DIGEST_SHA256,
        )
        xml = str(resp)
        if not xml.startswith("<?xml"):
            xml = '<?xml version="1.0" encoding="UTF-8"?>\n' + xml
        out = os.path.join(a.out_dir, "response.xml")
        with open(out, "w", encoding="utf-8") as f:
            f.write(xml)
        with open(os.path.join(a.out_dir, "response.b64"), "w") as f:
            f.write(base64.b64encode(xml.encode("utf-8")).decode())

        # self-check with xmlsec1 --verify (the embedded cert must be our cert)
        idattr = ["--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
                  "--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:protocol:Response"]
        checks = []
        if a.sign in ("assertion", "both"):
            checks.append(("assertion", "//*[local-name()='Assertion']/*[local-name()='Signature']"))
        if a.sign in ("response", "both"):
            checks.append(("response", "/*[local-name()='Response']/*[local-name()='Signature']"))
        if not a.quiet:
            print(f"wrote {a.out_dir}/{{idp.key,idp.crt,idp-metadata.xml,response.xml,response.b64}} sign={a.sign}")
        for what, xp in checks:
            r = subprocess.run([xmlsec, "--verify", "--trusted-pem", cert, *idattr, "--node-xpath", xp, out],
                               capture_output=True, text=True)
            if r.returncode != 0:
                sys.exit(f"{what} signature FAILED to verify: {r.stderr}")
            if not a.quiet:
                print(f"{what} signature: {r.stderr.strip().splitlines()[0]}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
