//! STS: what AWS's Security Token Service does with a validated SAML assertion.
//!
//! - [`saml_claims`]: AWS's attribute profile (Role, RoleSessionName, SessionDuration,
//!   PrincipalTag, TransitiveTagKeys, SourceIdentity) and the `saml:*` condition keys.

pub mod saml_claims;
