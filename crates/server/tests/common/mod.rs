//! The test IdP of `tests/data/sts` that the SAML test files share: its identity, its metadata,
//! and the trust policy of a role that federates with it.

#![allow(
    dead_code,
    clippy::unwrap_used,
    reason = "each test file uses some of these; a failure here is a test failure"
)]

pub(crate) const ACCOUNT: &str = "123456789012";
pub(crate) const PROVIDER_ARN: &str = "arn:aws:iam::123456789012:saml-provider/ExampleIdP";
pub(crate) const ROLE_ARN: &str = "arn:aws:iam::123456789012:role/ConnectAgent";
pub(crate) const ISSUER: &str = "https://idp.example.test/saml";
pub(crate) const RECIPIENT: &str = "http://127.0.0.1:4580/saml";
pub(crate) const AUDIENCE: &str = "urn:amazon:webservices";

/// A file of `tests/data/sts` (the IdP's key and certificate).
pub(crate) fn data(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/sts")
        .join(name);
    std::fs::read(path).unwrap()
}

/// The IdP's metadata, with the certificate of `tests/data/sts/idp.crt`.
pub(crate) fn metadata() -> String {
    let pem = String::from_utf8(data("idp.crt")).unwrap();
    let certificate: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    format!(
        r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{ISSUER}"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>{certificate}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.test/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>"#
    )
}

/// The standard SAML trust policy: `provider_arn` may federate when `SAML:aud` is `aud`.
pub(crate) fn trust_policy(provider_arn: &str, aud: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"sts:AssumeRoleWithSAML","Principal":{{"Federated":"{provider_arn}"}},"Condition":{{"StringEquals":{{"SAML:aud":"{aud}"}}}}}}}}"#
    )
}
