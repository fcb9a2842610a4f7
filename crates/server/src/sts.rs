//! STS (2011-06-15): what AWS's Security Token Service does, one file per action.
//!
//! - [`assume_role_with_saml`]: a SAML response exchanged for role credentials (unsigned).
//! - [`federation`]: what it shares with the browser sign-in: validate a response against a
//!   provider, then assume one of its roles (pair, trust policy, duration, session policies,
//!   replay cache, sealed credentials), and the audit of every attempt.
//! - [`saml_claims`]: AWS's attribute profile (Role, RoleSessionName, SessionDuration,
//!   PrincipalTag, TransitiveTagKeys, SourceIdentity) and the `saml:*` condition keys.
//! - [`credentials`]: temporary credentials, sealed into the session token.
//! - [`get_caller_identity`]: who the caller is.

pub mod assume_role_with_saml;
pub mod credentials;
pub mod federation;
pub mod get_caller_identity;
pub mod saml_claims;

use crate::auth::Caller;
use crate::aws::error::AwsError;
use crate::aws::xml::QueryResponse;
use crate::query_api::Call;

/// The STS actions fedgate serves.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum StsAction {
    /// `AssumeRoleWithSAML` (unsigned: the assertion is the credential).
    AssumeRoleWithSaml,
    /// `GetCallerIdentity`.
    GetCallerIdentity,
}

impl StsAction {
    /// The action named `name` on the wire.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "AssumeRoleWithSAML" => Some(Self::AssumeRoleWithSaml),
            "GetCallerIdentity" => Some(Self::GetCallerIdentity),
            _ => None,
        }
    }

    /// The wire name.
    pub fn wire_name(self) -> &'static str {
        match self {
            Self::AssumeRoleWithSaml => "AssumeRoleWithSAML",
            Self::GetCallerIdentity => "GetCallerIdentity",
        }
    }
}

/// A signed STS call.
pub async fn handle(
    call: &Call<'_>,
    action: StsAction,
    caller: &Caller,
) -> Result<QueryResponse, AwsError> {
    match action {
        // Any authenticated caller may ask who it is; no policy governs it (as on AWS).
        StsAction::GetCallerIdentity => Ok(get_caller_identity::handle(call, caller)),
        StsAction::AssumeRoleWithSaml => handle_unsigned(call).await,
    }
}

/// The unsigned STS call: `AssumeRoleWithSAML`.
pub async fn handle_unsigned(call: &Call<'_>) -> Result<QueryResponse, AwsError> {
    assume_role_with_saml::handle(call).await
}
