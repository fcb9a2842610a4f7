//! Roles and their inline policies.
//!
//! A role's trust policy is parsed as a trust policy (Principal required, `sts:` actions only)
//! and its inline policies as identity policies before they are stored, so that
//! `AssumeRoleWithSAML` and the authorization of a session only ever read valid documents.

use fedgate_policy::{Policy, PolicyKind, ROLE_INLINE_POLICY_MAX_CHARS};
use fedgate_store::{
    Entity, IamPath, PageRequest, PolicyName, Role, RoleId, RoleName, RoleUpdate, StoreError,
    TagTarget,
};

use crate::auth::Caller;
use crate::aws::error::{AwsError, AwsErrorCode, IamSubject};
use crate::aws::query::{QueryApi, Validator};
use crate::aws::xml::QueryResponse;
use crate::keys::random_id;
use crate::query_api::Call;

use super::arn::{self, PolicyArn};
use super::input::{self, TagKeys};
use super::output::{self, View};
use super::{
    IamAction, authorize, authorize_listing, page_of, request_tag_context, required,
    resource_tag_context, tag_keys_context,
};

/// Most roles in an account (IAM's default quota).
pub const MAX_ROLES: u32 = 1_000;
/// Shortest and longest `MaxSessionDuration`, in seconds.
pub const SESSION_DURATION_SECONDS: (i64, i64) = (3_600, 43_200);
/// `MaxSessionDuration` when `CreateRole` sends none.
pub const DEFAULT_SESSION_DURATION_SECONDS: u32 = 3_600;
/// Characters after `AROA` in a role id (21 in all, as AWS's).
const ROLE_ID_CHARS: usize = 17;

/// `CreateRole`.
pub async fn create(call: &Call<'_>, caller: &Caller) -> Result<QueryResponse, AwsError> {
    let params = call.request.params();
    let mut v = Validator::new();
    let path = input::role_path(&mut v, &params);
    let name = input::role_name(&mut v, &params);
    let document = input::policy_document(&mut v, &params, "AssumeRolePolicyDocument");
    let description = input::role_description(&mut v, &params);
    let max_session = session_duration(&mut v, &params);
    let boundary = params.string("PermissionsBoundary");
    if boundary.is_some() {
        input::arn(&mut v, &params, "PermissionsBoundary");
    }
    v.finish()?;
    let tags = input::tags(&params, TagKeys::CaseInsensitive, false)?;
    let name = required(name, "RoleName")?;
    let document = required(document, "AssumeRolePolicyDocument")?;

    let account = call.state.account.id.as_str();
    let role_arn = arn::role(account, path.as_str(), name);
    authorize(
        call,
        caller,
        IamAction::CreateRole,
        Some(&role_arn),
        &request_tag_context(&tags),
    )
    .await?;
    if let Some(boundary) = boundary {
        refuse_boundary(boundary)?;
    }
    Policy::parse(document, PolicyKind::Trust).map_err(|e| AwsError::iam_policy(e, None))?;
    let existing = call
        .state
        .store
        .list_roles(&IamPath::new("/"), &PageRequest::first(MAX_ROLES))
        .await
        .map_err(AwsError::internal)?;
    if existing.next.is_some() || existing.items.len() >= usize::try_from(MAX_ROLES).unwrap_or(0) {
        return Err(AwsError::new(
            AwsErrorCode::LimitExceeded,
            format!("Cannot exceed quota for RolesPerAccount: {MAX_ROLES}"),
        ));
    }
    let role = Role {
        name: RoleName::new(name),
        path,
        id: RoleId::new(random_id("AROA", ROLE_ID_CHARS)),
        trust_policy: document.to_owned(),
        description: description.map(str::to_owned),
        max_session_duration: max_session.unwrap_or(DEFAULT_SESSION_DURATION_SECONDS),
        created_at: call.state.clock.now(),
    };
    call.state
        .store
        .create_role(&role, &tags)
        .await
        .map_err(|e| AwsError::iam_store(e, role_subject(name)))?;
    Ok(QueryResponse::new(
        QueryApi::Iam,
        "CreateRole",
        call.request_id,
        |xml| {
            xml.element("Role", |xml| {
                output::role(xml, account, &role, &tags, View::Create);
            });
        },
    ))
}

/// `GetRole`.
pub async fn get(call: &Call<'_>, caller: &Caller) -> Result<QueryResponse, AwsError> {
    let name = role_name_param(call)?;
    let role = authorized_role(call, caller, IamAction::GetRole, name).await?;
    let tags = call
        .state
        .store
        .tags(TagTarget::Role(&role.name))
        .await
        .map_err(|e| AwsError::iam_store(e, role_subject(name)))?;
    let account = call.state.account.id.as_str();
    Ok(QueryResponse::new(
        QueryApi::Iam,
        "GetRole",
        call.request_id,
        |xml| {
            xml.element("Role", |xml| {
                output::role(xml, account, &role, &tags, View::Get);
            });
        },
    ))
}

/// `ListRoles`: by name, under `PathPrefix`, paginated.
pub async fn list(call: &Call<'_>, caller: &Caller) -> Result<QueryResponse, AwsError> {
    let params = call.request.params();
    let mut v = Validator::new();
    let prefix = input::path_prefix(&mut v, &params);
    let page = input::page(&mut v, &params);
    v.finish()?;
    // AWS's AccessDenied names `arn:aws:iam::ACCOUNT:role/` (the path prefix after `role`).
    let described = format!(
        "arn:aws:iam::{}:role{}",
        call.state.account.id.as_str(),
        prefix.as_str()
    );
    authorize_listing(call, caller, IamAction::ListRoles, &described).await?;
    let page = call
        .state
        .store
        .list_roles(&prefix, &page)
        .await
        .map_err(AwsError::internal)?;
    let account = call.state.account.id.as_str();
    Ok(QueryResponse::new(
        QueryApi::Iam,
        "ListRoles",
        call.request_id,
        |xml| {
            xml.list("Roles", &page.items, |xml, role| {
                output::role(xml, account, role, &[], View::List);
            });
            output::pagination(xml, &page);
        },
    ))
}

/// `UpdateRole`: `Description` and `MaxSessionDuration`.
pub async fn update(call: &Call<'_>, caller: &Caller) -> Result<QueryResponse, AwsError> {
    let params = call.request.params();
    let mut v = Validator::new();
    let name = input::role_name(&mut v, &params);
    let description = input::role_description(&mut v, &params);
    let max_session = session_duration(&mut v, &params);
    v.finish()?;
    let name = required(name, "RoleName")?;
    let role = authorized_role(call, caller, IamAction::UpdateRole, name).await?;
    let update = RoleUpdate {
        description: description.map(str::to_owned),
        max_session_duration: max_session,
    };
    call.state
        .store
        .update_role(&role.name, &update)
        .await
        .map_err(|e| AwsError::iam_store(e, role_subject(name)))?;
    Ok(QueryResponse::new(
        QueryApi::Iam,
        "UpdateRole",
        call.request_id,
        |_| {},
    ))
}

/// `UpdateRoleDescription`: the older form of `UpdateRole` for the description alone, which
/// answers with the role as `GetRole` does.
pub async fn update_description(
    call: &Call<'_>,
    caller: &Caller,
) -> Result<QueryResponse, AwsError> {
    let params = call.request.params();
    let mut v = Validator::new();
    let name = input::role_name(&mut v, &params);
    let description = v.required("Description", params.string("Description"));
    let description = description.and_then(|_| input::role_description(&mut v, &params));
    v.finish()?;
    let name = required(name, "RoleName")?;
    let description = required(description, "Description")?;
    let role = authorized_role(call, caller, IamAction::UpdateRoleDescription, name).await?;
    let store = &call.state.store;
    let update = RoleUpdate {
        description: Some(description.to_owned()),
        max_session_duration: None,
    };
    store
        .update_role(&role.name, &update)
        .await
        .map_err(|e| AwsError::iam_store(e, role_subject(name)))?;
    let role = store
        .role(&role.name)
        .await
        .map_err(|e| AwsError::iam_store(e, role_subject(name)))?;
    let tags = store
        .tags(TagTarget::Role(&role.name))
        .await
        .map_err(|e| AwsError::iam_store(e, role_subject(name)))?;
    let account = call.state.account.id.as_str();
    Ok(QueryResponse::new(
        QueryApi::Iam,
        "UpdateRoleDescription",
        call.request_id,
        |xml| {
            xml.element("Role", |xml| {
                output::role(xml, account, &role, &tags, View::Get);
            });
        },
    ))
}

/// `UpdateAssumeRolePolicy`: replaces the trust policy.
pub async fn update_assume_role_policy(
    call: &Call<'_>,
    caller: &Caller,
) -> Result<QueryResponse, AwsError> {
    let params = call.request.params();
    let mut v = Validator::new();
    let name = input::role_name(&mut v, &params);
    let document = input::policy_document(&mut v, &params, "PolicyDocument");
    v.finish()?;
    let name = required(name, "RoleName")?;
    let document = required(document, "PolicyDocument")?;
    let role = authorized_role(call, caller, IamAction::UpdateAssumeRolePolicy, name).await?;
    Policy::parse(document, PolicyKind::Trust).map_err(|e| AwsError::iam_policy(e, None))?;
    call.state
        .store
        .update_role_trust_policy(&role.name, document)
        .await
        .map_err(|e| AwsError::iam_store(e, role_subject(name)))?;
    Ok(QueryResponse::empty(
        QueryApi::Iam,
        "UpdateAssumeRolePolicy",
        call.request_id,
    ))
}

/// `DeleteRole`: refused (`DeleteConflict`) while the role has attached or inline policies.
pub async fn delete(call: &Call<'_>, caller: &Caller) -> Result<QueryResponse, AwsError> {
    let name = role_name_param(call)?;
    let role = authorized_role(call, caller, IamAction::DeleteRole, name).await?;
    let store = &call.state.store;
    let attached = store
        .list_attached_role_policies(&role.name, &PageRequest::first(1))
        .await
        .map_err(|e| AwsError::iam_store(e, role_subject(name)))?;
    if !attached.items.is_empty() {
        return Err(AwsError::new(
            AwsErrorCode::DeleteConflict,
            "Cannot delete entity, must detach all policies first.",
        ));
    }
    store
        .delete_role(&role.name)
        .await
        .map_err(|e| AwsError::iam_store(e, role_subject(name)))?;
    Ok(QueryResponse::empty(
        QueryApi::Iam,
        "DeleteRole",
        call.request_id,
    ))
}

/// `PutRolePolicy`: creates or replaces an inline policy; all of a role's inline policies
/// together are at most 10,240 characters (whitespace not counted).
pub async fn put_policy(call: &Call<'_>, caller: &Caller) -> Result<QueryResponse, AwsError> {
    let params = call.request.params();
    let mut v = Validator::new();
    let name = input::role_name(&mut v, &params);
    let policy_name = input::policy_name(&mut v, &params);
    let document = input::policy_document(&mut v, &params, "PolicyDocument");
    v.finish()?;
    let name = required(name, "RoleName")?;
    let policy_name = required(policy_name, "PolicyName")?;
    let document = required(document, "PolicyDocument")?;
    let role = authorized_role(call, caller, IamAction::PutRolePolicy, name).await?;
    Policy::parse(document, PolicyKind::Identity)
        .map_err(|e| AwsError::iam_policy(e, Some(role.name.as_str())))?;
    let permissions = call
        .state
        .store
        .role_permissions(&role.name)
        .await
        .map_err(|e| AwsError::iam_store(e, role_subject(name)))?;
    let others: usize = permissions
        .inline
        .iter()
        .filter(|policy| policy.name.as_str() != policy_name)
        .map(|policy| significant_chars(&policy.document))
        .sum();
    if others.saturating_add(significant_chars(document)) > ROLE_INLINE_POLICY_MAX_CHARS {
        return Err(AwsError::new(
            AwsErrorCode::LimitExceeded,
            format!(
                "Maximum policy size of {ROLE_INLINE_POLICY_MAX_CHARS} bytes exceeded for role {}",
                role.name.as_str()
            ),
        ));
    }
    call.state
        .store
        .put_role_policy(&role.name, &PolicyName::new(policy_name), document)
        .await
        .map_err(|e| AwsError::iam_store(e, role_subject(name)))?;
    Ok(QueryResponse::empty(
        QueryApi::Iam,
        "PutRolePolicy",
        call.request_id,
    ))
}

/// `GetRolePolicy`.
pub async fn get_policy(call: &Call<'_>, caller: &Caller) -> Result<QueryResponse, AwsError> {
    let (name, policy_name) = role_and_policy_params(call)?;
    let role = authorized_role(call, caller, IamAction::GetRolePolicy, name).await?;
    let policy = call
        .state
        .store
        .role_policy(&role.name, &PolicyName::new(policy_name))
        .await
        .map_err(|e| AwsError::iam_store(e, role_policy_subject(name, policy_name)))?;
    Ok(QueryResponse::new(
        QueryApi::Iam,
        "GetRolePolicy",
        call.request_id,
        |xml| {
            xml.text_element("RoleName", role.name.as_str());
            xml.text_element("PolicyName", policy.name.as_str());
            xml.text_element("PolicyDocument", &output::url_encoded(&policy.document));
        },
    ))
}

/// `ListRolePolicies`: the names of a role's inline policies, paginated.
pub async fn list_policies(call: &Call<'_>, caller: &Caller) -> Result<QueryResponse, AwsError> {
    let params = call.request.params();
    let mut v = Validator::new();
    let name = input::role_name(&mut v, &params);
    let page = input::page(&mut v, &params);
    v.finish()?;
    let name = required(name, "RoleName")?;
    let role = authorized_role(call, caller, IamAction::ListRolePolicies, name).await?;
    let page = call
        .state
        .store
        .list_role_policies(&role.name, &page)
        .await
        .map_err(|e| AwsError::iam_store(e, role_subject(name)))?;
    Ok(QueryResponse::new(
        QueryApi::Iam,
        "ListRolePolicies",
        call.request_id,
        |xml| {
            xml.element("PolicyNames", |xml| {
                for policy in &page.items {
                    xml.text_element("member", policy.as_str());
                }
            });
            output::pagination(xml, &page);
        },
    ))
}

/// `DeleteRolePolicy`.
pub async fn delete_policy(call: &Call<'_>, caller: &Caller) -> Result<QueryResponse, AwsError> {
    let (name, policy_name) = role_and_policy_params(call)?;
    let role = authorized_role(call, caller, IamAction::DeleteRolePolicy, name).await?;
    call.state
        .store
        .delete_role_policy(&role.name, &PolicyName::new(policy_name))
        .await
        .map_err(|e| AwsError::iam_store(e, role_policy_subject(name, policy_name)))?;
    Ok(QueryResponse::empty(
        QueryApi::Iam,
        "DeleteRolePolicy",
        call.request_id,
    ))
}

/// `TagRole`: adds tags, replacing the values of keys the role has; at most 50 in all. A role's
/// tag keys are case-insensitive ("Tag keys are case insensitive"): `ENV` replaces `env`.
pub async fn tag(call: &Call<'_>, caller: &Caller) -> Result<QueryResponse, AwsError> {
    let name = role_name_param(call)?;
    let params = call.request.params();
    let tags = input::tags(&params, TagKeys::CaseInsensitive, true)?;
    let role = authorized_role_with(
        call,
        caller,
        IamAction::TagRole,
        name,
        &request_tag_context(&tags),
    )
    .await?;
    let store = &call.state.store;
    let existing = store
        .tags(TagTarget::Role(&role.name))
        .await
        .map_err(|e| AwsError::iam_store(e, role_subject(name)))?;
    input::within_tag_quota(&existing, &tags, TagKeys::CaseInsensitive)?;
    let same = |a: &str, b: &str| TagKeys::CaseInsensitive.same(a, b);
    // Keys the role has in another case are replaced, not doubled: the new tags are written
    // first, so that a failure between the two writes leaves both spellings, never neither.
    let replaced: Vec<String> = existing
        .iter()
        .filter(|old| {
            tags.iter()
                .any(|tag| same(&old.key, &tag.key) && old.key != tag.key)
        })
        .map(|old| old.key.clone())
        .collect();
    store
        .tag_resource(TagTarget::Role(&role.name), &tags)
        .await
        .map_err(|e| AwsError::iam_store(e, role_subject(name)))?;
    if !replaced.is_empty() {
        store
            .untag_resource(TagTarget::Role(&role.name), &replaced)
            .await
            .map_err(|e| AwsError::iam_store(e, role_subject(name)))?;
    }
    Ok(QueryResponse::empty(
        QueryApi::Iam,
        "TagRole",
        call.request_id,
    ))
}

/// `UntagRole`: removes the tags with these keys, compared without regard to case (absent
/// keys are ignored).
pub async fn untag(call: &Call<'_>, caller: &Caller) -> Result<QueryResponse, AwsError> {
    let name = role_name_param(call)?;
    let params = call.request.params();
    let keys = input::tag_keys(&params)?;
    let role = authorized_role_with(
        call,
        caller,
        IamAction::UntagRole,
        name,
        &tag_keys_context(keys.iter().map(String::as_str)),
    )
    .await?;
    let store = &call.state.store;
    let existing = store
        .tags(TagTarget::Role(&role.name))
        .await
        .map_err(|e| AwsError::iam_store(e, role_subject(name)))?;
    let removed: Vec<String> = existing
        .into_iter()
        .filter(|old| {
            keys.iter()
                .any(|key| TagKeys::CaseInsensitive.same(&old.key, key))
        })
        .map(|old| old.key)
        .collect();
    if !removed.is_empty() {
        store
            .untag_resource(TagTarget::Role(&role.name), &removed)
            .await
            .map_err(|e| AwsError::iam_store(e, role_subject(name)))?;
    }
    Ok(QueryResponse::empty(
        QueryApi::Iam,
        "UntagRole",
        call.request_id,
    ))
}

/// `ListRoleTags`, by key, paginated.
pub async fn list_tags(call: &Call<'_>, caller: &Caller) -> Result<QueryResponse, AwsError> {
    let params = call.request.params();
    let mut v = Validator::new();
    let name = input::role_name(&mut v, &params);
    let page = input::page(&mut v, &params);
    v.finish()?;
    let name = required(name, "RoleName")?;
    let role = authorized_role(call, caller, IamAction::ListRoleTags, name).await?;
    let mut tags = call
        .state
        .store
        .tags(TagTarget::Role(&role.name))
        .await
        .map_err(|e| AwsError::iam_store(e, role_subject(name)))?;
    // INVARIANT: a role's keys are unique without regard to case, so the lowercase key
    // orders them totally and is the marker.
    tags.sort_by_key(|tag| tag.key.to_lowercase());
    let page = page_of(tags, |tag| tag.key.to_lowercase(), &page);
    Ok(QueryResponse::new(
        QueryApi::Iam,
        "ListRoleTags",
        call.request_id,
        |xml| {
            output::tags(xml, &page.items);
            output::pagination(xml, &page);
        },
    ))
}

/// Authorizes `action` on the role named `name` and returns it.
///
/// The resource is the role's ARN with its path; for a role that does not exist, the ARN it
/// would have at `/`, so that a caller without the permission learns nothing of which roles
/// exist (`AccessDenied` before `NoSuchEntity`).
pub(super) async fn authorized_role(
    call: &Call<'_>,
    caller: &Caller,
    action: IamAction,
    name: &str,
) -> Result<Role, AwsError> {
    authorized_role_with(call, caller, action, name, &[]).await
}

/// [`authorized_role`] with extra condition keys.
pub(super) async fn authorized_role_with(
    call: &Call<'_>,
    caller: &Caller,
    action: IamAction,
    name: &str,
    extra: &[(String, fedgate_policy::ContextValue)],
) -> Result<Role, AwsError> {
    let found = match call.state.store.role(&RoleName::new(name)).await {
        Ok(role) => Some(role),
        Err(StoreError::NotFound(Entity::Role)) => None,
        Err(error) => return Err(AwsError::iam_store(error, role_subject(name))),
    };
    let account = call.state.account.id.as_str();
    let resource = match &found {
        Some(role) => arn::role(account, role.path.as_str(), role.name.as_str()),
        None => arn::role(account, "/", name),
    };
    let mut context = extra.to_vec();
    if let Some(role) = &found {
        context.extend(resource_tag_context(call, caller, TagTarget::Role(&role.name)).await?);
    }
    authorize(call, caller, action, Some(&resource), &context).await?;
    found.ok_or_else(|| AwsError::iam_store(StoreError::NotFound(Entity::Role), role_subject(name)))
}

/// The required `RoleName` of an action that takes nothing else.
fn role_name_param<'a>(call: &Call<'a>) -> Result<&'a str, AwsError> {
    let params = call.request.params();
    let mut v = Validator::new();
    let name = input::role_name(&mut v, &params);
    v.finish()?;
    required(name, "RoleName")
}

fn role_and_policy_params<'a>(call: &Call<'a>) -> Result<(&'a str, &'a str), AwsError> {
    let params = call.request.params();
    let mut v = Validator::new();
    let name = input::role_name(&mut v, &params);
    let policy_name = input::policy_name(&mut v, &params);
    v.finish()?;
    Ok((
        required(name, "RoleName")?,
        required(policy_name, "PolicyName")?,
    ))
}

/// `MaxSessionDuration`: 3600 to 43200 seconds.
fn session_duration(v: &mut Validator, params: &crate::aws::query::Params<'_>) -> Option<u32> {
    let text = params.string("MaxSessionDuration")?;
    let seconds = v.integer(
        "MaxSessionDuration",
        text,
        SESSION_DURATION_SECONDS.0,
        SESSION_DURATION_SECONDS.1,
    )?;
    u32::try_from(seconds).ok()
}

/// fedgate does not evaluate permissions boundaries, so it refuses to store one rather than
/// ignore it (docs/decisions.md). A malformed ARN gets AWS's message.
fn refuse_boundary(boundary: &str) -> Result<(), AwsError> {
    if PolicyArn::parse(boundary).is_err() {
        return Err(input::invalid_input(format!(
            "ARN {} is not valid.",
            crate::aws::error::truncate(boundary)
        )));
    }
    Err(input::invalid_input(
        "PermissionsBoundary is not supported: fedgate does not evaluate permissions boundaries.",
    ))
}

/// A policy's size as IAM counts it: characters other than whitespace.
fn significant_chars(document: &str) -> usize {
    document.chars().filter(|c| !c.is_whitespace()).count()
}

pub(super) fn role_subject(name: &str) -> IamSubject<'_> {
    IamSubject {
        role: Some(name),
        ..IamSubject::default()
    }
}

fn role_policy_subject<'a>(name: &'a str, policy: &'a str) -> IamSubject<'a> {
    IamSubject {
        role: Some(name),
        role_policy: Some(policy),
        ..IamSubject::default()
    }
}
