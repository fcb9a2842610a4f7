//! IAM (2010-05-08): SAML providers, roles, inline and managed policies, grouped by resource.

use crate::auth::Caller;
use crate::aws::error::{AwsError, AwsErrorCode};
use crate::aws::xml::QueryResponse;
use crate::query_api::Call;

macro_rules! iam_actions {
    ($($variant:ident => $wire:literal,)*) => {
        /// The IAM actions fedgate serves.
        #[derive(Clone, Copy, Debug, Eq, PartialEq)]
        pub enum IamAction {
            $(#[doc = $wire] $variant,)*
        }

        impl IamAction {
            /// The action named `name` on the wire.
            pub fn parse(name: &str) -> Option<Self> {
                match name {
                    $($wire => Some(Self::$variant),)*
                    _ => None,
                }
            }

            /// The wire name (also the IAM action of policies: `iam:` + it).
            pub fn wire_name(self) -> &'static str {
                match self {
                    $(Self::$variant => $wire,)*
                }
            }
        }
    };
}

iam_actions! {
    AttachRolePolicy => "AttachRolePolicy",
    CreatePolicy => "CreatePolicy",
    CreateRole => "CreateRole",
    CreateSamlProvider => "CreateSAMLProvider",
    DeletePolicy => "DeletePolicy",
    DeleteRole => "DeleteRole",
    DeleteRolePolicy => "DeleteRolePolicy",
    DeleteSamlProvider => "DeleteSAMLProvider",
    DetachRolePolicy => "DetachRolePolicy",
    GetPolicy => "GetPolicy",
    GetPolicyVersion => "GetPolicyVersion",
    GetRole => "GetRole",
    GetRolePolicy => "GetRolePolicy",
    GetSamlProvider => "GetSAMLProvider",
    ListAttachedRolePolicies => "ListAttachedRolePolicies",
    ListPolicies => "ListPolicies",
    ListRolePolicies => "ListRolePolicies",
    ListRoles => "ListRoles",
    ListSamlProviders => "ListSAMLProviders",
    ListSamlProviderTags => "ListSAMLProviderTags",
    PutRolePolicy => "PutRolePolicy",
    TagSamlProvider => "TagSAMLProvider",
    UntagSamlProvider => "UntagSAMLProvider",
    UpdateAssumeRolePolicy => "UpdateAssumeRolePolicy",
    UpdateRole => "UpdateRole",
    UpdateSamlProvider => "UpdateSAMLProvider",
}

/// A signed IAM call.
pub async fn handle(
    call: &Call<'_>,
    action: IamAction,
    caller: &Caller,
) -> Result<QueryResponse, AwsError> {
    let _ = (call, caller);
    Err(AwsError::new(
        AwsErrorCode::InvalidAction,
        format!("{} is being built", action.wire_name()),
    ))
}
