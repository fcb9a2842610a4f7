//! Namespace URIs and fixed values of SAML 2.0, matched by (namespace, local name) only.

/// `urn:oasis:names:tc:SAML:2.0:protocol` (`samlp:`).
pub const PROTOCOL_NAMESPACE: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
/// `urn:oasis:names:tc:SAML:2.0:assertion` (`saml:`).
pub const ASSERTION_NAMESPACE: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
/// `urn:oasis:names:tc:SAML:2.0:metadata` (`md:`).
pub const METADATA_NAMESPACE: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
/// The top-level status code of a successful response.
pub const STATUS_SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";
/// The bearer subject confirmation method (Web Browser SSO profile).
pub const BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
/// The only `Format` an `Issuer` may carry besides none (SAML Core §2.2.5).
pub(crate) const ENTITY_FORMAT: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:entity";
/// `protocolSupportEnumeration` value of a SAML 2.0 role descriptor.
pub(crate) const SAML2_PROTOCOL: &str = PROTOCOL_NAMESPACE;
pub(crate) use fedgate_xmldsig::DSIG_NAMESPACE;
