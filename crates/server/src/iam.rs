//! IAM (2010-05-08): SAML providers, roles, inline and managed policies, grouped by resource.
//!
//! Every action follows the same steps, in AWS's order: read and validate the parameters
//! against the botocore model (`ValidationError`), authorize the caller on the resource the
//! Service Authorization Reference names for the action (`AccessDenied`), then act on the store
//! with IAM's own rules (`NoSuchEntity`, `EntityAlreadyExists`, `DeleteConflict`,
//! `MalformedPolicyDocument`, `LimitExceeded`). Policy documents are validated by
//! fedgate-policy and SAML metadata by fedgate-saml before anything is stored; documents go back
//! URL-encoded, as botocore's `json_decode_policies` expects.
//!
//! - [`saml_providers`]: Create/Update/Get/List/Delete, Tag/Untag/ListTags.
//! - [`roles`]: roles (Create, Get, List, Update, UpdateAssumeRolePolicy, Delete) and their
//!   inline policies (Put, Get, List, Delete).
//! - [`policies`]: customer managed policies (Create, Get, List, Delete, GetPolicyVersion) and
//!   their attachment to roles.

mod arn;
mod input;
mod output;
pub mod policies;
pub mod roles;
pub mod saml_providers;

use fedgate_policy::ContextValue;
use fedgate_store::{Marker, Page, PageRequest, StoreError, Tag, TagTarget};

use crate::auth::{self, Caller};
use crate::aws::error::{AwsError, AwsErrorCode};
use crate::aws::query::Validator;
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
    ListPolicyTags => "ListPolicyTags",
    ListPolicyVersions => "ListPolicyVersions",
    ListRolePolicies => "ListRolePolicies",
    ListRoleTags => "ListRoleTags",
    ListRoles => "ListRoles",
    ListSamlProviders => "ListSAMLProviders",
    ListSamlProviderTags => "ListSAMLProviderTags",
    PutRolePolicy => "PutRolePolicy",
    TagPolicy => "TagPolicy",
    TagRole => "TagRole",
    TagSamlProvider => "TagSAMLProvider",
    UntagPolicy => "UntagPolicy",
    UntagRole => "UntagRole",
    UntagSamlProvider => "UntagSAMLProvider",
    UpdateAssumeRolePolicy => "UpdateAssumeRolePolicy",
    UpdateRole => "UpdateRole",
    UpdateRoleDescription => "UpdateRoleDescription",
    UpdateSamlProvider => "UpdateSAMLProvider",
}

/// A signed IAM call.
pub async fn handle(
    call: &Call<'_>,
    action: IamAction,
    caller: &Caller,
) -> Result<QueryResponse, AwsError> {
    use IamAction as A;
    match action {
        A::CreateSamlProvider => saml_providers::create(call, caller).await,
        A::UpdateSamlProvider => saml_providers::update(call, caller).await,
        A::GetSamlProvider => saml_providers::get(call, caller).await,
        A::ListSamlProviders => saml_providers::list(call, caller).await,
        A::DeleteSamlProvider => saml_providers::delete(call, caller).await,
        A::TagSamlProvider => saml_providers::tag(call, caller).await,
        A::UntagSamlProvider => saml_providers::untag(call, caller).await,
        A::ListSamlProviderTags => saml_providers::list_tags(call, caller).await,
        A::CreateRole => roles::create(call, caller).await,
        A::GetRole => roles::get(call, caller).await,
        A::ListRoles => roles::list(call, caller).await,
        A::UpdateRole => roles::update(call, caller).await,
        A::UpdateRoleDescription => roles::update_description(call, caller).await,
        A::UpdateAssumeRolePolicy => roles::update_assume_role_policy(call, caller).await,
        A::DeleteRole => roles::delete(call, caller).await,
        A::PutRolePolicy => roles::put_policy(call, caller).await,
        A::GetRolePolicy => roles::get_policy(call, caller).await,
        A::ListRolePolicies => roles::list_policies(call, caller).await,
        A::DeleteRolePolicy => roles::delete_policy(call, caller).await,
        A::TagRole => roles::tag(call, caller).await,
        A::UntagRole => roles::untag(call, caller).await,
        A::ListRoleTags => roles::list_tags(call, caller).await,
        A::CreatePolicy => policies::create(call, caller).await,
        A::GetPolicy => policies::get(call, caller).await,
        A::ListPolicies => policies::list(call, caller).await,
        A::DeletePolicy => policies::delete(call, caller).await,
        A::GetPolicyVersion => policies::get_version(call, caller).await,
        A::ListPolicyVersions => policies::list_versions(call, caller).await,
        A::AttachRolePolicy => policies::attach(call, caller).await,
        A::DetachRolePolicy => policies::detach(call, caller).await,
        A::ListAttachedRolePolicies => policies::list_attached(call, caller).await,
        A::TagPolicy => policies::tag(call, caller).await,
        A::UntagPolicy => policies::untag(call, caller).await,
        A::ListPolicyTags => policies::list_tags(call, caller).await,
    }
}

/// Authorizes `iam:{action}` on `resource` (`None`: the action has no resource, `*`), with
/// `extra` condition keys (a key given twice is multi-valued).
async fn authorize(
    call: &Call<'_>,
    caller: &Caller,
    action: IamAction,
    resource: Option<&str>,
    extra: &[(String, ContextValue)],
) -> Result<(), AwsError> {
    let action = format!("iam:{}", action.wire_name());
    let extra: Vec<(&str, ContextValue)> = extra
        .iter()
        .map(|(key, value)| (key.as_str(), value.clone()))
        .collect();
    auth::authorize(call.state, caller, &action, resource, &extra).await
}

/// Authorizes a listing `action`, which has no resource type (evaluated on `*`), naming
/// `described` in the `AccessDenied` text as AWS does.
async fn authorize_listing(
    call: &Call<'_>,
    caller: &Caller,
    action: IamAction,
    described: &str,
) -> Result<(), AwsError> {
    let action = format!("iam:{}", action.wire_name());
    auth::authorize_described(call.state, caller, &action, None, Some(described), &[]).await
}

/// `aws:RequestTag/KEY` for each tag and `aws:TagKeys`, for actions that tag.
fn request_tag_context(tags: &[Tag]) -> Vec<(String, ContextValue)> {
    let mut context = Vec::with_capacity(tags.len().saturating_mul(2));
    for tag in tags {
        context.push((
            format!("aws:RequestTag/{}", tag.key),
            ContextValue::string(tag.value.clone()),
        ));
    }
    context.extend(tag_keys_context(tags.iter().map(|tag| tag.key.as_str())));
    context
}

/// `aws:ResourceTag/KEY` for each tag of an existing resource. Read only for a role session:
/// the root is not evaluated, so its calls cost no read.
async fn resource_tag_context(
    call: &Call<'_>,
    caller: &Caller,
    target: TagTarget<'_>,
) -> Result<Vec<(String, ContextValue)>, AwsError> {
    if !matches!(caller, Caller::Role(_)) {
        return Ok(Vec::new());
    }
    let tags = match call.state.store.tags(target).await {
        Ok(tags) => tags,
        // Deleted since it was read: the action itself will say so.
        Err(StoreError::NotFound(_)) => Vec::new(),
        Err(error) => return Err(AwsError::internal(error)),
    };
    Ok(tags
        .into_iter()
        .map(|tag| {
            (
                format!("aws:ResourceTag/{}", tag.key),
                ContextValue::string(tag.value),
            )
        })
        .collect())
}

/// `aws:TagKeys`, multi-valued.
fn tag_keys_context<'a>(keys: impl Iterator<Item = &'a str>) -> Vec<(String, ContextValue)> {
    keys.map(|key| ("aws:TagKeys".to_owned(), ContextValue::string(key)))
        .collect()
}

/// The value of a member the validator required: after [`Validator::finish`] it is there.
fn required<T>(value: Option<T>, member: &str) -> Result<T, AwsError> {
    value.ok_or_else(|| {
        let mut v = Validator::new();
        v.violation(member, None, "Member must not be null");
        v.finish()
            .err()
            .unwrap_or_else(|| AwsError::new(AwsErrorCode::ValidationError, "invalid request"))
    })
}

/// One page of `items` (sorted by `key`), after `page.marker`, as the store pages: the marker
/// is the key of the last item returned.
fn page_of<T>(items: Vec<T>, key: impl Fn(&T) -> String, page: &PageRequest) -> Page<T> {
    let max = usize::try_from(page.max_items.max(1)).unwrap_or(usize::MAX);
    let mut rest: Vec<T> = match &page.marker {
        Some(marker) => items
            .into_iter()
            .filter(|item| key(item).as_str() > marker.as_str())
            .collect(),
        None => items,
    };
    let truncated = rest.len() > max;
    rest.truncate(max);
    let next = if truncated {
        rest.last().map(|item| Marker::new(key(item)))
    } else {
        None
    };
    Page { items: rest, next }
}
