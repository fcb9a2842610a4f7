#!/bin/sh
# Regenerates the test identity provider's keys for crates/server/tests/assume_role_with_saml.rs:
# idp.{key,crt}    the key the IdP signs with; its certificate is in the provider's metadata
# other.{key,crt}  a key no metadata trusts (responses signed with it must be refused)
# Self-signed RSA-2048, PKCS#8 keys (fedgate_xmldsig::SigningKey::from_pem reads them).
set -eu
cd "$(dirname "$0")"
for name in idp other; do
    openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 36500 \
        -subj "/CN=fedgate test $name" -keyout "$name.key" -out "$name.crt" 2>/dev/null
done
