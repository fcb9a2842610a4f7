//! `fedgate`, the server: AWS-compatible IAM, STS and a Connect-like contact-center instance
//! behind one HTTP origin, speaking the wire protocols that the `aws` CLI and boto3 speak.
//!
//! This library holds everything the binary (`main.rs`) serves. It trusts nothing that arrives
//! over HTTP: every request is decoded, bounded and authenticated here before any handler reads
//! it. The pure crates (`fedgate-xmldsig`, `fedgate-saml`, `fedgate-policy`) decide; this crate
//! maps their decisions to the wire.
//!
//! - [`aws`]: the AWS wire layer: SigV4 request authentication, the awsQuery protocol (STS, IAM),
//!   XML rendering and the one mapping of every error to AWS's codes.
//! - [`sts`]: the Security Token Service; for now AWS's SAML attribute profile
//!   ([`sts::saml_claims`]), used by `fedgate saml verify` and by `AssumeRoleWithSAML`.

pub mod aws;
pub mod sts;
