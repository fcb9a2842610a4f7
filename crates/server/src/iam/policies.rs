//! Customer managed policies and their attachment to roles.
//!
//! A managed policy is parsed as an identity policy within the managed-policy quota (6,144
//! characters) before it is stored. fedgate has no AWS managed policies: `arn:aws:iam::aws:…`
//! and other accounts' policies are never found (`NoSuchEntity`).

use fedgate_policy::{Arn, ContextValue, Policy, PolicyKind};
use fedgate_store::{
    Entity, IamPath, ManagedPolicy, NewManagedPolicy, Page, PageRequest, PolicyId, PolicyKey,
    PolicyName, StoreError, TagTarget, VersionId,
};

use crate::auth::Caller;
use crate::aws::error::{AwsError, AwsErrorCode, IamSubject};
use crate::aws::query::{QueryApi, Validator};
use crate::aws::xml::QueryResponse;
use crate::keys::random_id;
use crate::query_api::Call;

use super::arn::{self, PolicyArn};
use super::input::{self, TagKeys, patterns};
use super::output::{self, View};
use super::roles::{authorized_role_with, role_subject};
use super::{
    IamAction, authorize, authorize_listing, page_of, request_tag_context, required,
    resource_tag_context, tag_keys_context,
};

/// Most customer managed policies in an account (IAM's default quota).
pub const MAX_POLICIES: u32 = 1_500;
/// Most managed policies attached to one role (IAM's default quota).
pub const MAX_ATTACHED_PER_ROLE: usize = 10;
/// Characters after `ANPA` in a policy id (21 in all, as AWS's).
const POLICY_ID_CHARS: usize = 17;
/// `Scope` values.
const SCOPES: [&str; 3] = ["All", "AWS", "Local"];
/// `PolicyUsageFilter` values.
const USAGE_FILTERS: [&str; 2] = ["PermissionsPolicy", "PermissionsBoundary"];

/// `CreatePolicy`.
pub async fn create(call: &Call<'_>, caller: &Caller) -> Result<QueryResponse, AwsError> {
    let params = call.request.params();
    let mut v = Validator::new();
    let name = input::policy_name(&mut v, &params);
    let path = input::policy_path(&mut v, &params, "Path");
    let document = input::policy_document(&mut v, &params, "PolicyDocument");
    let description = input::policy_description(&mut v, &params);
    v.finish()?;
    let tags = input::tags(&params, TagKeys::CaseSensitive, false)?;
    let name = required(name, "PolicyName")?;
    let document = required(document, "PolicyDocument")?;

    let account = call.state.account.id.as_str();
    let key = PolicyKey {
        path,
        name: PolicyName::new(name),
    };
    let policy_arn = arn::policy(account, &key);
    authorize(
        call,
        caller,
        IamAction::CreatePolicy,
        Some(&policy_arn),
        &request_tag_context(&tags),
    )
    .await?;
    // A managed policy is an identity policy under the managed-policy quota, which is the
    // quota of the Boundary kind ("Cannot exceed quota for PolicySize: 6144").
    Policy::parse(document, PolicyKind::Boundary).map_err(|e| AwsError::iam_policy(e, None))?;
    let existing = call
        .state
        .store
        .list_managed_policies(&IamPath::new("/"), false, &PageRequest::first(MAX_POLICIES))
        .await
        .map_err(AwsError::internal)?;
    if existing.next.is_some() || existing.items.len() >= usize::try_from(MAX_POLICIES).unwrap_or(0)
    {
        return Err(AwsError::new(
            AwsErrorCode::LimitExceeded,
            format!("Cannot exceed quota for PoliciesPerAccount: {MAX_POLICIES}"),
        ));
    }
    let new = NewManagedPolicy {
        key,
        id: PolicyId::new(random_id("ANPA", POLICY_ID_CHARS)),
        description: description.map(str::to_owned),
        document: document.to_owned(),
        created_at: call.state.clock.now(),
    };
    let policy = call
        .state
        .store
        .create_managed_policy(&new, &tags)
        .await
        .map_err(|e| {
            AwsError::iam_store(
                e,
                IamSubject {
                    policy_name: Some(name),
                    ..IamSubject::default()
                },
            )
        })?;
    Ok(QueryResponse::new(
        QueryApi::Iam,
        "CreatePolicy",
        call.request_id,
        |xml| {
            xml.element("Policy", |xml| {
                output::policy(xml, account, &policy, &tags, View::Create);
            });
        },
    ))
}

/// `GetPolicy`.
pub async fn get(call: &Call<'_>, caller: &Caller) -> Result<QueryResponse, AwsError> {
    let policy_arn = policy_arn_param(call)?;
    let subject = policy_subject(&policy_arn);
    let (found, resource) = lookup(call, &policy_arn, subject).await?;
    authorize_on(
        call,
        caller,
        IamAction::GetPolicy,
        found.as_ref(),
        &resource,
    )
    .await?;
    let policy = found.ok_or_else(|| not_found(&policy_arn, subject))?;
    let tags = call
        .state
        .store
        .tags(TagTarget::ManagedPolicy(&policy.key))
        .await
        .map_err(|e| AwsError::iam_store(e, subject))?;
    let account = call.state.account.id.as_str();
    Ok(QueryResponse::new(
        QueryApi::Iam,
        "GetPolicy",
        call.request_id,
        |xml| {
            xml.element("Policy", |xml| {
                output::policy(xml, account, &policy, &tags, View::Get);
            });
        },
    ))
}

/// `ListPolicies`: customer managed policies (there are no AWS managed ones here), by name.
pub async fn list(call: &Call<'_>, caller: &Caller) -> Result<QueryResponse, AwsError> {
    let params = call.request.params();
    let mut v = Validator::new();
    let scope = params.string("Scope");
    if let Some(scope) = scope.filter(|s| !SCOPES.contains(s)) {
        v.violation(
            "Scope",
            Some(scope),
            "Member must satisfy enum value set: [All, AWS, Local]",
        );
    }
    let only_attached = input::boolean(&mut v, &params, "OnlyAttached").unwrap_or(false);
    let prefix = input::policy_path(&mut v, &params, "PathPrefix");
    let usage = params.string("PolicyUsageFilter");
    if let Some(usage) = usage.filter(|u| !USAGE_FILTERS.contains(u)) {
        v.violation(
            "PolicyUsageFilter",
            Some(usage),
            "Member must satisfy enum value set: [PermissionsPolicy, PermissionsBoundary]",
        );
    }
    let page = input::page(&mut v, &params);
    v.finish()?;
    // AWS's AccessDenied names `policy path /` (the path prefix asked for).
    let described = format!("policy path {}", prefix.as_str());
    authorize_listing(call, caller, IamAction::ListPolicies, &described).await?;
    // No AWS managed policies, and no policy is used as a permissions boundary.
    let page = if scope == Some("AWS") || usage == Some("PermissionsBoundary") {
        Page {
            items: Vec::new(),
            next: None,
        }
    } else {
        call.state
            .store
            .list_managed_policies(&prefix, only_attached, &page)
            .await
            .map_err(AwsError::internal)?
    };
    let account = call.state.account.id.as_str();
    Ok(QueryResponse::new(
        QueryApi::Iam,
        "ListPolicies",
        call.request_id,
        |xml| {
            xml.list("Policies", &page.items, |xml, policy| {
                output::policy(xml, account, policy, &[], View::List);
            });
            output::pagination(xml, &page);
        },
    ))
}

/// `DeletePolicy`: refused (`DeleteConflict`) while the policy is attached.
pub async fn delete(call: &Call<'_>, caller: &Caller) -> Result<QueryResponse, AwsError> {
    let policy_arn = policy_arn_param(call)?;
    let subject = policy_subject(&policy_arn);
    let (found, resource) = lookup(call, &policy_arn, subject).await?;
    authorize_on(
        call,
        caller,
        IamAction::DeletePolicy,
        found.as_ref(),
        &resource,
    )
    .await?;
    let policy = found.ok_or_else(|| not_found(&policy_arn, subject))?;
    call.state
        .store
        .delete_managed_policy(&policy.key)
        .await
        .map_err(|e| AwsError::iam_store(e, subject))?;
    Ok(QueryResponse::empty(
        QueryApi::Iam,
        "DeletePolicy",
        call.request_id,
    ))
}

/// `GetPolicyVersion`.
pub async fn get_version(call: &Call<'_>, caller: &Caller) -> Result<QueryResponse, AwsError> {
    let params = call.request.params();
    let mut v = Validator::new();
    let arn_text = input::arn(&mut v, &params, "PolicyArn");
    let version = v.required("VersionId", params.string("VersionId"));
    if let Some(version) = version.filter(|version| !is_version_id(version)) {
        v.violation(
            "VersionId",
            Some(version),
            &format!(
                "Member must satisfy regular expression pattern: {}",
                patterns::VERSION_ID
            ),
        );
    }
    v.finish()?;
    let policy_arn = PolicyArn::parse(required(arn_text, "PolicyArn")?)?;
    let version = required(version, "VersionId")?;
    let subject = IamSubject {
        version: Some(version),
        ..policy_subject(&policy_arn)
    };
    let (found, resource) = lookup(call, &policy_arn, subject).await?;
    authorize_on(
        call,
        caller,
        IamAction::GetPolicyVersion,
        found.as_ref(),
        &resource,
    )
    .await?;
    let policy = found.ok_or_else(|| not_found(&policy_arn, subject))?;
    let found = call
        .state
        .store
        .policy_version(&policy.key, &VersionId::new(version))
        .await
        .map_err(|e| AwsError::iam_store(e, subject))?;
    Ok(QueryResponse::new(
        QueryApi::Iam,
        "GetPolicyVersion",
        call.request_id,
        |xml| {
            xml.element("PolicyVersion", |xml| {
                xml.text_element("Document", &output::url_encoded(&found.document));
                xml.text_element("VersionId", found.id.as_str());
                xml.boolean_element("IsDefaultVersion", found.is_default);
                xml.timestamp_element("CreateDate", found.created_at);
            });
        },
    ))
}

/// `ListPolicyVersions`: a fedgate policy has one version, its default (no
/// `CreatePolicyVersion`), listed without its document as AWS lists versions.
pub async fn list_versions(call: &Call<'_>, caller: &Caller) -> Result<QueryResponse, AwsError> {
    let params = call.request.params();
    let mut v = Validator::new();
    let text = input::arn(&mut v, &params, "PolicyArn");
    let page = input::page(&mut v, &params);
    v.finish()?;
    let policy_arn = PolicyArn::parse(required(text, "PolicyArn")?)?;
    let subject = policy_subject(&policy_arn);
    let policy = authorized_policy(
        call,
        caller,
        IamAction::ListPolicyVersions,
        &policy_arn,
        &[],
    )
    .await?;
    let version = call
        .state
        .store
        .policy_version(&policy.key, &policy.default_version)
        .await
        .map_err(|e| AwsError::iam_store(e, subject))?;
    let page = page_of(
        vec![version],
        |version| version.id.as_str().to_owned(),
        &page,
    );
    Ok(QueryResponse::new(
        QueryApi::Iam,
        "ListPolicyVersions",
        call.request_id,
        |xml| {
            xml.list("Versions", &page.items, |xml, version| {
                xml.text_element("VersionId", version.id.as_str());
                xml.boolean_element("IsDefaultVersion", version.is_default);
                xml.timestamp_element("CreateDate", version.created_at);
            });
            output::pagination(xml, &page);
        },
    ))
}

/// `AttachRolePolicy`: at most 10 managed policies per role; attaching again changes nothing.
pub async fn attach(call: &Call<'_>, caller: &Caller) -> Result<QueryResponse, AwsError> {
    let (name, policy_arn) = role_and_policy_arn(call)?;
    let subject = IamSubject {
        attaching: true,
        role: Some(name),
        ..policy_subject(&policy_arn)
    };
    let (found, canonical) = lookup(call, &policy_arn, subject).await?;
    let role = authorized_role_with(
        call,
        caller,
        IamAction::AttachRolePolicy,
        name,
        &policy_arn_context(&canonical),
    )
    .await?;
    let policy = found.ok_or_else(|| not_found(&policy_arn, subject))?;
    let store = &call.state.store;
    let attached = store
        .list_attached_role_policies(&role.name, &PageRequest::first(input::MAX_ITEMS))
        .await
        .map_err(|e| AwsError::iam_store(e, subject))?;
    let already = attached
        .items
        .iter()
        .any(|key| same_policy(key, &policy.key));
    if !already && attached.items.len() >= MAX_ATTACHED_PER_ROLE {
        return Err(AwsError::new(
            AwsErrorCode::LimitExceeded,
            format!("Cannot exceed quota for PoliciesPerRole: {MAX_ATTACHED_PER_ROLE}"),
        ));
    }
    store
        .attach_role_policy(&role.name, &policy.key)
        .await
        .map_err(|e| AwsError::iam_store(e, subject))?;
    Ok(QueryResponse::empty(
        QueryApi::Iam,
        "AttachRolePolicy",
        call.request_id,
    ))
}

/// `DetachRolePolicy`.
pub async fn detach(call: &Call<'_>, caller: &Caller) -> Result<QueryResponse, AwsError> {
    let (name, policy_arn) = role_and_policy_arn(call)?;
    let subject = IamSubject {
        role: Some(name),
        ..policy_subject(&policy_arn)
    };
    let (found, canonical) = lookup(call, &policy_arn, subject).await?;
    let role = authorized_role_with(
        call,
        caller,
        IamAction::DetachRolePolicy,
        name,
        &policy_arn_context(&canonical),
    )
    .await?;
    let policy = found.ok_or_else(|| not_found(&policy_arn, subject))?;
    call.state
        .store
        .detach_role_policy(&role.name, &policy.key)
        .await
        .map_err(|e| AwsError::iam_store(e, subject))?;
    Ok(QueryResponse::empty(
        QueryApi::Iam,
        "DetachRolePolicy",
        call.request_id,
    ))
}

/// `ListAttachedRolePolicies`: by name, under `PathPrefix`, paginated.
pub async fn list_attached(call: &Call<'_>, caller: &Caller) -> Result<QueryResponse, AwsError> {
    let params = call.request.params();
    let mut v = Validator::new();
    let name = input::role_name(&mut v, &params);
    let prefix = input::policy_path(&mut v, &params, "PathPrefix");
    let page = input::page(&mut v, &params);
    v.finish()?;
    let name = required(name, "RoleName")?;
    let role =
        authorized_role_with(call, caller, IamAction::ListAttachedRolePolicies, name, &[]).await?;
    // A role has at most MAX_ATTACHED_PER_ROLE attachments: read them all, filter by path,
    // and page here.
    let all = call
        .state
        .store
        .list_attached_role_policies(&role.name, &PageRequest::first(input::MAX_ITEMS))
        .await
        .map_err(|e| AwsError::iam_store(e, role_subject(name)))?;
    let mut matching: Vec<PolicyKey> = all
        .items
        .into_iter()
        .filter(|key| key.path.as_str().starts_with(prefix.as_str()))
        .collect();
    matching.sort_by_key(|key| key.name.as_str().to_ascii_lowercase());
    let page = page_of(
        matching,
        |key: &PolicyKey| key.name.as_str().to_ascii_lowercase(),
        &page,
    );
    let account = call.state.account.id.as_str();
    Ok(QueryResponse::new(
        QueryApi::Iam,
        "ListAttachedRolePolicies",
        call.request_id,
        |xml| {
            xml.list("AttachedPolicies", &page.items, |xml, key| {
                xml.text_element("PolicyName", key.name.as_str());
                xml.text_element("PolicyArn", &arn::policy(account, key));
            });
            output::pagination(xml, &page);
        },
    ))
}

/// `TagPolicy`: adds tags, replacing the values of keys the policy has; at most 50 in all.
pub async fn tag(call: &Call<'_>, caller: &Caller) -> Result<QueryResponse, AwsError> {
    let policy_arn = policy_arn_param(call)?;
    let params = call.request.params();
    let tags = input::tags(&params, TagKeys::CaseSensitive, true)?;
    let policy = authorized_policy(
        call,
        caller,
        IamAction::TagPolicy,
        &policy_arn,
        &request_tag_context(&tags),
    )
    .await?;
    let subject = policy_subject(&policy_arn);
    let existing = call
        .state
        .store
        .tags(TagTarget::ManagedPolicy(&policy.key))
        .await
        .map_err(|e| AwsError::iam_store(e, subject))?;
    input::within_tag_quota(&existing, &tags, TagKeys::CaseSensitive)?;
    call.state
        .store
        .tag_resource(TagTarget::ManagedPolicy(&policy.key), &tags)
        .await
        .map_err(|e| AwsError::iam_store(e, subject))?;
    Ok(QueryResponse::empty(
        QueryApi::Iam,
        "TagPolicy",
        call.request_id,
    ))
}

/// `UntagPolicy`: removes the tags with these keys (absent keys are ignored).
pub async fn untag(call: &Call<'_>, caller: &Caller) -> Result<QueryResponse, AwsError> {
    let policy_arn = policy_arn_param(call)?;
    let params = call.request.params();
    let keys = input::tag_keys(&params)?;
    let policy = authorized_policy(
        call,
        caller,
        IamAction::UntagPolicy,
        &policy_arn,
        &tag_keys_context(keys.iter().map(String::as_str)),
    )
    .await?;
    call.state
        .store
        .untag_resource(TagTarget::ManagedPolicy(&policy.key), &keys)
        .await
        .map_err(|e| AwsError::iam_store(e, policy_subject(&policy_arn)))?;
    Ok(QueryResponse::empty(
        QueryApi::Iam,
        "UntagPolicy",
        call.request_id,
    ))
}

/// `ListPolicyTags`, by key, paginated.
pub async fn list_tags(call: &Call<'_>, caller: &Caller) -> Result<QueryResponse, AwsError> {
    let params = call.request.params();
    let mut v = Validator::new();
    let text = input::arn(&mut v, &params, "PolicyArn");
    let page = input::page(&mut v, &params);
    v.finish()?;
    let policy_arn = PolicyArn::parse(required(text, "PolicyArn")?)?;
    let policy =
        authorized_policy(call, caller, IamAction::ListPolicyTags, &policy_arn, &[]).await?;
    let tags = call
        .state
        .store
        .tags(TagTarget::ManagedPolicy(&policy.key))
        .await
        .map_err(|e| AwsError::iam_store(e, policy_subject(&policy_arn)))?;
    let page = page_of(tags, |tag| tag.key.clone(), &page);
    Ok(QueryResponse::new(
        QueryApi::Iam,
        "ListPolicyTags",
        call.request_id,
        |xml| {
            output::tags(xml, &page.items);
            output::pagination(xml, &page);
        },
    ))
}

/// Authorizes `action` on the managed policy `policy_arn` names (with its tags and `extra`)
/// and returns it; `NoSuchEntity` after authorization when it does not exist.
async fn authorized_policy(
    call: &Call<'_>,
    caller: &Caller,
    action: IamAction,
    policy_arn: &PolicyArn<'_>,
    extra: &[(String, ContextValue)],
) -> Result<ManagedPolicy, AwsError> {
    let subject = policy_subject(policy_arn);
    let (found, resource) = lookup(call, policy_arn, subject).await?;
    let mut context = extra.to_vec();
    if let Some(policy) = &found {
        context.extend(
            resource_tag_context(call, caller, TagTarget::ManagedPolicy(&policy.key)).await?,
        );
    }
    authorize(call, caller, action, Some(&resource), &context).await?;
    found.ok_or_else(|| not_found(policy_arn, subject))
}

/// The required `PolicyArn` of an action that takes nothing else.
fn policy_arn_param<'a>(call: &Call<'a>) -> Result<PolicyArn<'a>, AwsError> {
    let params = call.request.params();
    let mut v = Validator::new();
    let text = input::arn(&mut v, &params, "PolicyArn");
    v.finish()?;
    PolicyArn::parse(required(text, "PolicyArn")?)
}

fn role_and_policy_arn<'a>(call: &Call<'a>) -> Result<(&'a str, PolicyArn<'a>), AwsError> {
    let params = call.request.params();
    let mut v = Validator::new();
    let name = input::role_name(&mut v, &params);
    let text = input::arn(&mut v, &params, "PolicyArn");
    v.finish()?;
    let name = required(name, "RoleName")?;
    Ok((name, PolicyArn::parse(required(text, "PolicyArn")?)?))
}

/// The managed policy the ARN names, if it is in this account, and the ARN to authorize on:
/// the policy's ARN as stored when it exists (names are looked up without regard to case,
/// IAM's ARN matching is exact: authorizing on the ARN as sent would let `policy/ADMIN` slip
/// past a deny on `policy/Admin`), else the ARN as sent.
async fn lookup(
    call: &Call<'_>,
    policy_arn: &PolicyArn<'_>,
    subject: IamSubject<'_>,
) -> Result<(Option<ManagedPolicy>, String), AwsError> {
    let account = call.state.account.id.as_str();
    if !policy_arn.is_in(account) {
        return Ok((None, policy_arn.text.to_owned()));
    }
    match call.state.store.managed_policy(&policy_arn.key).await {
        Ok(policy) => {
            let canonical = arn::policy(account, &policy.key);
            Ok((Some(policy), canonical))
        }
        Err(StoreError::NotFound(Entity::ManagedPolicy)) => Ok((None, policy_arn.text.to_owned())),
        Err(error) => Err(AwsError::iam_store(error, subject)),
    }
}

/// Authorizes `action` on the policy at `resource`, with its tags when it exists.
async fn authorize_on(
    call: &Call<'_>,
    caller: &Caller,
    action: IamAction,
    found: Option<&ManagedPolicy>,
    resource: &str,
) -> Result<(), AwsError> {
    let context = match found {
        Some(policy) => {
            resource_tag_context(call, caller, TagTarget::ManagedPolicy(&policy.key)).await?
        }
        None => Vec::new(),
    };
    authorize(call, caller, action, Some(resource), &context).await
}

/// `NoSuchEntity` for a managed policy, in `subject`'s words.
fn not_found(policy_arn: &PolicyArn<'_>, subject: IamSubject<'_>) -> AwsError {
    let subject = IamSubject {
        policy_arn: Some(policy_arn.text),
        ..subject
    };
    AwsError::iam_store(StoreError::NotFound(Entity::ManagedPolicy), subject)
}

/// `iam:PolicyARN`, the condition key of `AttachRolePolicy` and `DetachRolePolicy`.
fn policy_arn_context(policy_arn: &str) -> Vec<(String, ContextValue)> {
    match Arn::parse(policy_arn) {
        Ok(arn) => vec![("iam:PolicyARN".to_owned(), ContextValue::Arn(arn))],
        Err(_) => Vec::new(),
    }
}

fn same_policy(a: &PolicyKey, b: &PolicyKey) -> bool {
    a.path == b.path && a.name.as_str().eq_ignore_ascii_case(b.name.as_str())
}

/// Whether `version` matches `v[1-9][0-9]*(\.[A-Za-z0-9-]*)?`.
fn is_version_id(version: &str) -> bool {
    let Some(rest) = version.strip_prefix('v') else {
        return false;
    };
    let (number, suffix) = rest.split_once('.').unwrap_or((rest, ""));
    let suffix_ok = !rest.contains('.')
        || suffix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-');
    number.starts_with(|c: char| ('1'..='9').contains(&c))
        && number.bytes().all(|b| b.is_ascii_digit())
        && suffix_ok
}

fn policy_subject<'a>(policy_arn: &PolicyArn<'a>) -> IamSubject<'a> {
    IamSubject {
        policy_arn: Some(policy_arn.text),
        ..IamSubject::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_ids_follow_the_model_pattern() {
        for ok in ["v1", "v12", "v3.a-B", "v1."] {
            assert!(is_version_id(ok), "{ok}");
        }
        for bad in ["v0", "1", "v", "va", "v1.a_b", "V1"] {
            assert!(!is_version_id(bad), "{bad}");
        }
    }
}
