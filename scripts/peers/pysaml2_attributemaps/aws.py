# pysaml2 attribute map for scripts/peers/idp.py: the names AWS reads from a SAML assertion
# (NameFormat uri), as pysaml2's local names and back.
PREFIX = "https://aws.amazon.com/SAML/Attributes/"
NAMES = ("Role", "RoleSessionName", "SessionDuration", "SourceIdentity")

MAP = {
    "identifier": "urn:oasis:names:tc:SAML:2.0:attrname-format:uri",
    "fro": {PREFIX + name: name for name in NAMES},
    "to": {name: PREFIX + name for name in NAMES},
}
