#!/usr/bin/env python3
"""Three independent SAML identity providers for the interop tier, one command line.

  idp.py --idp xmlsec1|pysaml2|samlify --dir DIR [--issuer URI] [--spec SPEC.json]

Each IdP has its own key pair and metadata in DIR (idp.key, idp.crt, idp-metadata.xml, made on
the first run and reused afterwards) and signs with its own code:

  xmlsec1   a Response written here from a template, signed by the xmlsec1 binary
  pysaml2   pysaml2's saml2.server.Server.create_authn_response (which drives xmlsec1), metadata
            from saml2.metadata.create_metadata_string
  samlify   samlify's IdentityProvider.createLoginResponse (xml-crypto, pure JavaScript), through
            scripts/peers/samlify_idp.js; metadata from samlify's getMetadata

SPEC.json is a list of responses to make, each an object with:
  out            file for the base64 response (the STS SAMLAssertion); OUT.xml gets the XML
  user           NameID (default alice); session_name: RoleSessionName (default user)
  roles          list of "roleArn,providerArn" Role values
  audience       Audience (default https://signin.aws.amazon.com/saml)
  recipient      Recipient and Destination (default the audience)
  now            epoch seconds the IdP believes it is (default now)
  valid_seconds  NotOnOrAfter = now + N (default 300)
  sign           assertion | response | both (default assertion)
  session_duration  SessionDuration attribute in seconds (default 3600; null leaves it out)

Every response made is checked with `xmlsec1 --verify --trusted-pem idp.crt`. Exits 1 when a peer
fails or its signature does not verify.
"""
import argparse
import base64
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
import warnings
from xml.sax.saxutils import escape, quoteattr

warnings.filterwarnings("ignore", category=DeprecationWarning)
warnings.filterwarnings("ignore", message=".*CFB.*")

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.dirname(HERE)
AWS_SIGNIN = "https://signin.aws.amazon.com/saml"
ATTR = "https://aws.amazon.com/SAML/Attributes/"
URI_FORMAT = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"
PERSISTENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
NS_SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
NS_SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
ID_ATTRS = ["--id-attr:ID", f"{NS_SAML}:Assertion", "--id-attr:ID", f"{NS_SAMLP}:Response"]
XP_ASSERTION = "//*[local-name()='Assertion']/*[local-name()='Signature']"
XP_RESPONSE = "/*[local-name()='Response']/*[local-name()='Signature']"


def iso(epoch):
    return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_id():
    return "_" + uuid.uuid4().hex + uuid.uuid4().hex[:8]


def ensure_key(directory, name):
    key = os.path.join(directory, "idp.key")
    cert = os.path.join(directory, "idp.crt")
    if not (os.path.exists(key) and os.path.exists(cert)):
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "30",
             "-subj", f"/CN=fedgate interop {name} IdP", "-keyout", key, "-out", cert],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.chmod(key, 0o600)
    return key, cert


def cert_base64(cert):
    with open(cert, encoding="ascii") as f:
        return "".join(line.strip() for line in f if not line.startswith("-----"))


def normalise(spec):
    s = dict(spec)
    s.setdefault("user", "alice")
    s.setdefault("session_name", s["user"])
    s.setdefault("audience", AWS_SIGNIN)
    s.setdefault("recipient", s["audience"])
    s.setdefault("now", int(time.time()))
    s.setdefault("valid_seconds", 300)
    s.setdefault("sign", "assertion")
    s.setdefault("session_duration", 3600)
    if not s.get("roles"):
        raise SystemExit("a response spec needs roles")
    if s["sign"] not in ("assertion", "response", "both"):
        raise SystemExit(f"sign must be assertion, response or both, not {s['sign']}")
    return s


def write_response(spec, xml):
    if not xml.startswith("<?xml"):
        xml = '<?xml version="1.0" encoding="UTF-8"?>\n' + xml
    with open(spec["out"] + ".xml", "w", encoding="utf-8") as f:
        f.write(xml)
    with open(spec["out"], "w", encoding="ascii") as f:
        f.write(base64.b64encode(xml.encode("utf-8")).decode("ascii"))


def xmlsec1_verify(cert, spec):
    xps = {"assertion": [XP_ASSERTION], "response": [XP_RESPONSE],
           "both": [XP_ASSERTION, XP_RESPONSE]}[spec["sign"]]
    for xp in xps:
        r = subprocess.run(["xmlsec1", "--verify", "--trusted-pem", cert, *ID_ATTRS,
                            "--node-xpath", xp, spec["out"] + ".xml"],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise SystemExit(f"{spec['out']}: xmlsec1 does not verify the signature at {xp}:\n{r.stderr}")


# --- IdP 1: a template signed by the xmlsec1 binary --------------------------------------------

SIGNATURE_TEMPLATE = (
    '<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>'
    '<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>'
    '<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>'
    '<ds:Reference URI="#{id}"><ds:Transforms>'
    '<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>'
    '<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms>'
    '<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/>'
    '</ds:Reference></ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo><ds:X509Data/></ds:KeyInfo>'
    '</ds:Signature>')


def attribute(name, values):
    vals = "".join(f'\n        <saml:AttributeValue xsi:type="xs:string">{escape(v)}</saml:AttributeValue>'
                   for v in values)
    return (f'\n      <saml:Attribute Name="{ATTR}{name}" NameFormat="{URI_FORMAT}">{vals}'
            '\n      </saml:Attribute>')


def xmlsec1_template(s, issuer, response_id, assertion_id):
    now = int(s["now"])
    a_sig = SIGNATURE_TEMPLATE.format(id=assertion_id) if s["sign"] in ("assertion", "both") else ""
    r_sig = SIGNATURE_TEMPLATE.format(id=response_id) if s["sign"] in ("response", "both") else ""
    attrs = attribute("Role", s["roles"]) + attribute("RoleSessionName", [s["session_name"]])
    if s["session_duration"] is not None:
        attrs += attribute("SessionDuration", [str(s["session_duration"])])
    until = iso(now + int(s["valid_seconds"]))
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<samlp:Response xmlns:samlp="{NS_SAMLP}" xmlns:saml="{NS_SAML}" ID="{response_id}" Version="2.0" IssueInstant="{iso(now)}" Destination={quoteattr(s["recipient"])}>
  <saml:Issuer>{escape(issuer)}</saml:Issuer>{r_sig}
  <samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>
  <saml:Assertion xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ID="{assertion_id}" Version="2.0" IssueInstant="{iso(now)}">
    <saml:Issuer>{escape(issuer)}</saml:Issuer>{a_sig}
    <saml:Subject>
      <saml:NameID Format="{PERSISTENT}">{escape(s["user"])}</saml:NameID>
      <saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">
        <saml:SubjectConfirmationData NotOnOrAfter="{until}" Recipient={quoteattr(s["recipient"])}/>
      </saml:SubjectConfirmation>
    </saml:Subject>
    <saml:Conditions NotBefore="{iso(now - 60)}" NotOnOrAfter="{until}">
      <saml:AudienceRestriction><saml:Audience>{escape(s["audience"])}</saml:Audience></saml:AudienceRestriction>
    </saml:Conditions>
    <saml:AuthnStatement AuthnInstant="{iso(now)}" SessionIndex="{new_id()}">
      <saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext>
    </saml:AuthnStatement>
    <saml:AttributeStatement>{attrs}
    </saml:AttributeStatement>
  </saml:Assertion>
</samlp:Response>
"""


def xmlsec1_idp(directory, issuer, specs):
    key, cert = ensure_key(directory, "xmlsec1")
    metadata = f"""<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID={quoteattr(issuer)}>
  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>{cert_base64(cert)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>
    </md:KeyDescriptor>
    <md:NameIDFormat>{PERSISTENT}</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location={quoteattr(issuer.rstrip("/") + "/sso")}/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
"""
    with open(os.path.join(directory, "idp-metadata.xml"), "w", encoding="utf-8") as f:
        f.write(metadata)
    for s in specs:
        response_id, assertion_id = new_id(), new_id()
        with open(s["out"] + ".xml", "w", encoding="utf-8") as f:
            f.write(xmlsec1_template(s, issuer, response_id, assertion_id))
        # the assertion first, so that a Response signature covers the signed assertion
        xps = {"assertion": [XP_ASSERTION], "response": [XP_RESPONSE],
               "both": [XP_ASSERTION, XP_RESPONSE]}[s["sign"]]
        for xp in xps:
            r = subprocess.run(["xmlsec1", "--sign", "--privkey-pem", f"{key},{cert}", *ID_ATTRS,
                                "--node-xpath", xp, "--output", s["out"] + ".tmp", s["out"] + ".xml"],
                               capture_output=True, text=True)
            if r.returncode != 0:
                raise SystemExit(f"xmlsec1 --sign failed: {r.stderr}")
            os.replace(s["out"] + ".tmp", s["out"] + ".xml")
        with open(s["out"] + ".xml", encoding="utf-8") as f:
            write_response(s, f.read())
        xmlsec1_verify(cert, s)


# --- IdP 2: pysaml2 ----------------------------------------------------------------------------

class Clock:
    """pysaml2 reads time.gmtime() and saml2.time_util.datetime.now(); both follow `offset`."""

    offset = 0.0

    @classmethod
    def install(cls):
        import saml2.time_util as time_util

        real_gmtime = time.gmtime

        def gmtime(secs=None):
            return real_gmtime(time.time() + cls.offset if secs is None else secs)

        time.gmtime = gmtime

        class ShiftedDatetime(dt.datetime):
            @classmethod
            def now(klass, tz=None):
                return dt.datetime.now(tz) + dt.timedelta(seconds=cls.offset)

            @classmethod
            def utcnow(klass):
                return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) + dt.timedelta(seconds=cls.offset)

        time_util.datetime = ShiftedDatetime


SP_METADATA = """<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID={audience}>
  <md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" WantAssertionsSigned="true">
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>
    <md:AssertionConsumerService index="1" isDefault="true" Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location={recipient}/>
  </md:SPSSODescriptor>
</md:EntityDescriptor>
"""


def pysaml2_idp(directory, issuer, specs):
    key, cert = ensure_key(directory, "pysaml2")
    from saml2 import BINDING_HTTP_POST, saml
    from saml2.config import IdPConfig
    from saml2.metadata import create_metadata_string
    from saml2.saml import NAME_FORMAT_URI
    from saml2.server import Server
    from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

    Clock.install()
    tmp = tempfile.mkdtemp()

    def server(audience, recipient, lifetime):
        sp_md = os.path.join(tmp, f"sp-{uuid.uuid4().hex}.xml")
        with open(sp_md, "w", encoding="utf-8") as f:
            f.write(SP_METADATA.format(audience=quoteattr(audience), recipient=quoteattr(recipient)))
        conf = {
            "entityid": issuer,
            "service": {"idp": {
                "name": "fedgate interop pysaml2 IdP",
                "endpoints": {"single_sign_on_service": [(issuer.rstrip("/") + "/sso", BINDING_HTTP_POST)]},
                "policy": {"default": {"lifetime": {"seconds": lifetime},
                                       "attribute_restrictions": None, "name_form": NAME_FORMAT_URI}},
                "name_id_format": [PERSISTENT],
            }},
            "key_file": key,
            "cert_file": cert,
            "xmlsec_binary": shutil.which("xmlsec1"),
            "metadata": {"local": [sp_md]},
            "attribute_map_dir": os.path.join(HERE, "pysaml2_attributemaps"),
            "signing_algorithm": SIG_RSA_SHA256,
            "digest_algorithm": DIGEST_SHA256,
        }
        cfg = IdPConfig().load(conf)
        return cfg, Server(config=cfg)

    try:
        cfg, _ = server(AWS_SIGNIN, AWS_SIGNIN, 300)
        md = create_metadata_string(None, config=cfg, valid=None, sign=False)
        with open(os.path.join(directory, "idp-metadata.xml"), "w", encoding="utf-8") as f:
            f.write(md.decode() if isinstance(md, bytes) else md)
        for s in specs:
            Clock.offset = float(s["now"]) - time.time()
            _, idp = server(s["audience"], s["recipient"], int(s["valid_seconds"]))
            identity = {"Role": list(s["roles"]), "RoleSessionName": [s["session_name"]]}
            if s["session_duration"] is not None:
                identity["SessionDuration"] = [str(s["session_duration"])]
            response = idp.create_authn_response(
                identity, in_response_to=None, destination=s["recipient"], sp_entity_id=s["audience"],
                name_id=saml.NameID(format=PERSISTENT, text=s["user"]),
                authn={"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport",
                       "authn_auth": issuer},
                sign_response=s["sign"] in ("response", "both"),
                sign_assertion=s["sign"] in ("assertion", "both"),
                sign_alg=SIG_RSA_SHA256, digest_alg=DIGEST_SHA256)
            write_response(s, str(response))
            xmlsec1_verify(cert, s)
    finally:
        Clock.offset = 0.0
        shutil.rmtree(tmp, ignore_errors=True)


# --- IdP 3: samlify (node) ---------------------------------------------------------------------

def samlify_idp(directory, issuer, specs):
    key, cert = ensure_key(directory, "samlify")
    job = {"key": key, "cert": cert, "issuer": issuer,
           "metadata": os.path.join(directory, "idp-metadata.xml"), "responses": specs}
    env = dict(os.environ)
    samlify = os.environ.get("FG_SAMLIFY_PATH") or os.path.join(SCRIPTS, "saml-peers", "node_modules")
    env["NODE_PATH"] = os.pathsep.join(p for p in (samlify, os.environ.get("NODE_PATH")) if p)
    r = subprocess.run(["node", os.path.join(HERE, "samlify_idp.js")], input=json.dumps(job),
                       text=True, capture_output=True, env=env)
    if r.returncode != 0:
        raise SystemExit(f"samlify_idp.js failed:\n{r.stderr}")
    for s in specs:
        with open(s["out"] + ".xml", encoding="utf-8") as f:
            write_response(s, f.read())
        xmlsec1_verify(cert, s)


IDPS = {"xmlsec1": xmlsec1_idp, "pysaml2": pysaml2_idp, "samlify": samlify_idp}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--idp", choices=sorted(IDPS), required=True)
    p.add_argument("--dir", required=True, help="the IdP's key, certificate and metadata")
    p.add_argument("--issuer", default=None, help="entityID (default https://<idp>.idp.example.test/saml)")
    p.add_argument("--spec", default=None, help="JSON list of responses to make")
    a = p.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    issuer = a.issuer or f"https://{a.idp}.idp.example.test/saml"
    specs = []
    if a.spec:
        with open(a.spec, encoding="utf-8") as f:
            specs = [normalise(s) for s in json.load(f)]
    IDPS[a.idp](a.dir, issuer, specs)


if __name__ == "__main__":
    main()
