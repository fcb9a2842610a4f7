//! SAML 2.0 Web SSO response validation with AWS's rules, and IdP metadata, in pure Rust.
//!
//! The sign-in endpoint and `AssumeRoleWithSAML` both start from one question: *is this SAML
//! response, from this identity provider, for us, now, and what does it say?* This crate
//! answers it:
//!
//! - [`IdpMetadata::parse`]: an `EntityDescriptor` or an `EntitiesDescriptor` of at most
//!   [`MAX_IDENTITY_PROVIDERS`] identity providers, their entityID, `validUntil` and signing keys
//!   (`KeyDescriptor` with `use="signing"` or no `use`; several for rollover), refused as AWS
//!   refuses it (not UTF-8, a byte order mark, no signing key, a key under 1024 bits).
//! - [`ServiceProvider::validate`]: one [`SamlResponse`] (base64 of at most
//!   [`MAX_BASE64_CHARS`] characters, or XML) checked against that metadata at an injected `now`,
//!   in the order of the attack catalogue's pipeline: parse once (no DTD, limits), the shape
//!   (one `samlp:Response`, exactly one `saml:Assertion`, no assertion, response or signature
//!   anywhere else), the issuer, the signatures (the Assertion's own, or the Response's, or
//!   both: at least one covering the Assertion), then the protocol rules on what was signed
//!   only: issuers, `Destination`, `InResponseTo` absent, NameID, one bearer
//!   `SubjectConfirmation` with an accepted `Recipient`, `Conditions` times with a clock skew,
//!   an accepted `Audience`, an `IssueInstant` at most five minutes old.
//! - [`ValidAssertion`]: the proof. Only [`ServiceProvider::validate`] builds one, and every
//!   field of it was read from the canonical bytes a verified signature covered.
//! - [`Rejection`]: one variant per check, with a message a person understands; the server maps
//!   them to AWS's wire errors.
//!
//! Deliberately not here: anything AWS-specific beyond the checks above (the Role,
//! RoleSessionName and tag attributes are the server's `sts::saml_claims`), `EncryptedAssertion`
//! (refused with its own reason), SP-initiated flows (`InResponseTo` is refused, as AWS's
//! sign-in gets IdP-initiated responses only), the HTTP-Redirect binding, the replay cache
//! (the server keeps it, keyed by [`ValidAssertion::issuer`] and [`ValidAssertion::id`]).
//!
//! Trust boundary: the response bytes are hostile; the metadata and the [`ServiceProvider`]
//! come from the operator. The crate does no I/O, reads no clock and logs nothing.
//!
//! Specifications: SAML 2.0 Core, Bindings (HTTP-POST), Profiles (Web Browser SSO, §4.1.4),
//! Metadata (OASIS, March 2005); AWS's "Configure SAML assertions for the authentication
//! response" and "Troubleshooting SAML 2.0 federation" pages.

mod assertion;
mod error;
#[doc(hidden)]
pub mod fuzzing;
mod metadata;
mod names;
mod provider;
mod response;
mod timestamp;

pub use assertion::{Attribute, Attributes, NameId, SignatureCoverage, ValidAssertion};
pub use error::{ConfigError, MetadataError, Rejection, SamlError};
pub use metadata::{IdentityProvider, IdpMetadata, MAX_IDENTITY_PROVIDERS, MAX_SIGNING_KEYS};
pub use names::{
    ASSERTION_NAMESPACE, BEARER, METADATA_NAMESPACE, PROTOCOL_NAMESPACE, STATUS_SUCCESS,
};
pub use provider::{DEFAULT_MAX_SKEW, MAX_ASSERTION_AGE, MAX_SKEW, ServiceProvider};
pub use response::{MAX_BASE64_CHARS, MAX_XML_BYTES, SamlResponse};
pub use timestamp::parse_timestamp;
