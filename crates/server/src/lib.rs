//! fedgate's server crate as a library: the parts of the binary that the CLI, the HTTP
//! handlers and the tests share.
//!
//! - [`sts`]: Security Token Service behaviour; for now AWS's SAML attribute profile
//!   ([`sts::saml_claims`]), used by `fedgate saml verify` and later by `AssumeRoleWithSAML`.

pub mod sts;
