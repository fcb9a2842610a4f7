//! Users: CreateUser with the SAML rules, DescribeUser, ListUsers, SearchUsers, the
//! UpdateUser… actions and DeleteUser (aws-behaviour.md §4.4).

use fedgate_store::{
    Comparison, IdentityManagement, Instance, InstanceId, PhoneConfig, PhoneType, RoutingProfileId,
    SecurityProfileId, StoreError, TagTarget, User, UserField, UserFilter, UserId, UserUpdate,
};
use serde_json::json;

use super::instances::tag_map;
use super::json::{
    CreateUserInput, IdentityInfo, PhoneConfigOutput, SearchCriteria, SearchUsersInput,
    UpdateIdentityInfoInput, UpdatePhoneConfigInput, UpdateRoutingProfileInput,
    UpdateSecurityProfilesInput, UserOutput, UserSearchSummary, UserSummary,
};
use super::profiles::paged;
use super::validate::{self, invalid_parameter, invalid_request};
use super::{Call, Reply, new_id};
use crate::aws::error::{AwsError, AwsErrorCode, truncate};

/// Deepest `SearchCriteria` nesting accepted (the store's own limit is the same).
pub const MAX_SEARCH_DEPTH: usize = 8;

/// `CreateUser`: `PUT /users/{InstanceId}`.
pub async fn create(call: &Call<'_>) -> Result<Reply, AwsError> {
    let instance_id = call.instance_label()?;
    let arns = call.arns();
    call.authorize(
        Some(&arns.instance(instance_id.as_str())),
        Some(&instance_id),
    )
    .await?;
    let input: CreateUserInput = call.input()?;
    let instance = call
        .state
        .store
        .instance(&instance_id)
        .await
        .map_err(AwsError::connect_store)?;
    let saml = instance.identity_management == IdentityManagement::Saml;
    let username = input
        .username
        .as_deref()
        .ok_or_else(|| invalid_parameter("Username is required"))?;
    let username = validate::username(username, saml)?;
    if saml && input.password.is_some() {
        return Err(invalid_request(
            "Password is not allowed for instances with SAML identity management: users sign \
             in through the identity provider",
        ));
    }
    if !saml {
        check_password(input.password.as_deref())?;
    }
    if input.directory_user_id.is_some() {
        return Err(invalid_request(
            "DirectoryUserId is only for instances with EXISTING_DIRECTORY identity management",
        ));
    }
    if input.hierarchy_group_id.is_some() {
        return Err(invalid_parameter(
            "HierarchyGroupId is not supported by fedgate: it has no agent hierarchies",
        ));
    }
    refuse_channel_configs(&input)?;
    let info = input.identity_info.unwrap_or_default();
    check_identity_extras(&info, saml)?;
    let (first_name, last_name) =
        validate::names(info.first_name.as_deref(), info.last_name.as_deref())?;
    let phone = validate::phone_config(input.phone_config.as_ref())?;
    let security_profiles = security_profile_ids(input.security_profile_ids.as_deref())?;
    let routing_profile = input
        .routing_profile_id
        .as_deref()
        .ok_or_else(|| invalid_parameter("RoutingProfileId is required"))?;
    let routing_profile =
        RoutingProfileId::new(validate::resource_id(routing_profile, "Routing profile")?);
    let tags = input
        .tags
        .as_ref()
        .map(validate::tags)
        .transpose()?
        .unwrap_or_default();
    let user = User {
        id: UserId::new(new_id()),
        username,
        first_name,
        last_name,
        phone,
        security_profiles,
        routing_profile,
        updated_at: call.state.clock.now(),
    };
    call.state
        .store
        .create_user(&instance_id, &user, &tags)
        .await
        .map_err(|e| user_write_error(e, &user))?;
    Reply::json(&json!({
        "UserId": user.id.as_str(),
        "UserArn": arns.user(instance_id.as_str(), user.id.as_str()),
    }))
}

/// `DescribeUser`: `GET /users/{InstanceId}/{UserId}`.
pub async fn describe(call: &Call<'_>) -> Result<Reply, AwsError> {
    let (instance, id) = user_of_call(call).await?;
    let store = &call.state.store;
    let user = store
        .user(&instance, &id)
        .await
        .map_err(AwsError::connect_store)?;
    let tags = store
        .tags(TagTarget::User(&instance, &id))
        .await
        .map_err(AwsError::connect_store)?;
    let arns = call.arns();
    Reply::json(&json!({
        "User": UserOutput {
            arn: arns.user(instance.as_str(), user.id.as_str()),
            id: user.id.as_str().to_owned(),
            username: user.username.as_str().to_owned(),
            identity_info: IdentityInfo {
                first_name: Some(user.first_name.clone()),
                last_name: Some(user.last_name.clone()),
                ..IdentityInfo::default()
            },
            phone_config: phone_output(&user.phone, 1),
            security_profile_ids: ids(&user.security_profiles),
            routing_profile_id: user.routing_profile.as_str().to_owned(),
            tags: tag_map(tags),
            last_modified_time: user.updated_at.unix_timestamp(),
            last_modified_region: arns.region().to_owned(),
        }
    }))
}

/// `ListUsers`: `GET /users-summary/{InstanceId}?nextToken&maxResults` (1–1000).
pub async fn list(call: &Call<'_>) -> Result<Reply, AwsError> {
    let instance = call.instance_label()?;
    let arns = call.arns();
    call.authorize(Some(&arns.instance(instance.as_str())), Some(&instance))
        .await?;
    let page = validate::page(
        call.query_param("nextToken"),
        validate::query_max_results(call.query_param("maxResults"))?,
        1000,
        100,
    )?;
    let page = call
        .state
        .store
        .list_users(&instance, &page)
        .await
        .map_err(AwsError::connect_store)?;
    let summaries: Vec<UserSummary> = page
        .items
        .iter()
        .map(|user| UserSummary {
            arn: arns.user(instance.as_str(), user.id.as_str()),
            id: user.id.as_str().to_owned(),
            username: user.username.as_str().to_owned(),
            last_modified_time: user.updated_at.unix_timestamp(),
            last_modified_region: arns.region().to_owned(),
        })
        .collect();
    paged("UserSummaryList", &summaries, page.next.as_ref())
}

/// `SearchUsers`: `POST /search-users` (the instance is in the body).
pub async fn search(call: &Call<'_>) -> Result<Reply, AwsError> {
    let input: SearchUsersInput = call.input()?;
    let instance = validate::instance_id(
        input
            .instance_id
            .as_deref()
            .ok_or_else(|| invalid_parameter("InstanceId is required"))?,
    )?;
    let arns = call.arns();
    call.authorize(Some(&arns.instance(instance.as_str())), Some(&instance))
        .await?;
    if input.search_filter.is_some() {
        return Err(invalid_parameter(
            "SearchFilter (tag and hierarchy filters) is not supported by fedgate",
        ));
    }
    let filter = input
        .search_criteria
        .as_ref()
        .map(|criteria| filter(criteria, 0))
        .transpose()?;
    let page = validate::page(input.next_token.as_deref(), input.max_results, 500, 100)?;
    let found = call
        .state
        .store
        .search_users(&instance, filter.as_ref(), &page)
        .await
        .map_err(AwsError::connect_store)?;
    let users: Vec<UserSearchSummary> = found
        .page
        .items
        .iter()
        .map(|user| UserSearchSummary {
            arn: arns.user(instance.as_str(), user.id.as_str()),
            id: user.id.as_str().to_owned(),
            identity_info: IdentityInfo {
                first_name: Some(user.first_name.clone()),
                last_name: Some(user.last_name.clone()),
                ..IdentityInfo::default()
            },
            // SearchUsers returns AfterContactWorkTimeLimit in milliseconds (§4.4).
            phone_config: phone_output(&user.phone, 1000),
            routing_profile_id: user.routing_profile.as_str().to_owned(),
            security_profile_ids: ids(&user.security_profiles),
            username: user.username.as_str().to_owned(),
        })
        .collect();
    let mut output = serde_json::Map::new();
    output.insert(
        "Users".to_owned(),
        serde_json::to_value(&users).map_err(AwsError::internal)?,
    );
    output.insert("ApproximateTotalCount".to_owned(), found.total.into());
    if let Some(next) = &found.page.next {
        output.insert("NextToken".to_owned(), validate::encode_token(next).into());
    }
    Ok(Reply::Json(serde_json::Value::Object(output)))
}

/// `UpdateUserSecurityProfiles`: `POST /users/{InstanceId}/{UserId}/security-profiles`.
pub async fn update_security_profiles(call: &Call<'_>) -> Result<Reply, AwsError> {
    let (instance, id) = user_of_call(call).await?;
    let input: UpdateSecurityProfilesInput = call.input()?;
    let profiles = security_profile_ids(input.security_profile_ids.as_deref())?;
    let update = UserUpdate {
        security_profiles: Some(profiles),
        ..no_change(call)
    };
    apply(call, &instance, &id, &update).await
}

/// `UpdateUserIdentityInfo`: `POST /users/{InstanceId}/{UserId}/identity-info`.
pub async fn update_identity_info(call: &Call<'_>) -> Result<Reply, AwsError> {
    let (instance_id, id) = user_of_call(call).await?;
    let input: UpdateIdentityInfoInput = call.input()?;
    let info = input
        .identity_info
        .ok_or_else(|| invalid_parameter("IdentityInfo is required"))?;
    let instance = instance(call, &instance_id).await?;
    check_identity_extras(
        &info,
        instance.identity_management == IdentityManagement::Saml,
    )?;
    let names = validate::names(info.first_name.as_deref(), info.last_name.as_deref())?;
    let update = UserUpdate {
        names: Some(names),
        ..no_change(call)
    };
    apply(call, &instance_id, &id, &update).await
}

/// `UpdateUserPhoneConfig`: `POST /users/{InstanceId}/{UserId}/phone-config`.
pub async fn update_phone_config(call: &Call<'_>) -> Result<Reply, AwsError> {
    let (instance, id) = user_of_call(call).await?;
    let input: UpdatePhoneConfigInput = call.input()?;
    let Some(phone) = input.phone_config.as_ref() else {
        return Err(invalid_parameter("PhoneConfig is required"));
    };
    let update = UserUpdate {
        phone: Some(validate::phone_config(Some(phone))?),
        ..no_change(call)
    };
    apply(call, &instance, &id, &update).await
}

/// `UpdateUserRoutingProfile`: `POST /users/{InstanceId}/{UserId}/routing-profile`.
pub async fn update_routing_profile(call: &Call<'_>) -> Result<Reply, AwsError> {
    let (instance, id) = user_of_call(call).await?;
    let input: UpdateRoutingProfileInput = call.input()?;
    let profile = input
        .routing_profile_id
        .as_deref()
        .ok_or_else(|| invalid_parameter("RoutingProfileId is required"))?;
    let update = UserUpdate {
        routing_profile: Some(RoutingProfileId::new(validate::resource_id(
            profile,
            "Routing profile",
        )?)),
        ..no_change(call)
    };
    apply(call, &instance, &id, &update).await
}

/// `DeleteUser`: `DELETE /users/{InstanceId}/{UserId}`. The user's instance sessions end at
/// once, as when the user is deleted from the admin pages.
pub async fn delete(call: &Call<'_>) -> Result<Reply, AwsError> {
    let (instance, id) = user_of_call(call).await?;
    let store = &call.state.store;
    store
        .delete_user(&instance, &id)
        .await
        .map_err(AwsError::connect_store)?;
    // SECURITY: a deleted user's web app session must not outlive the user.
    store
        .revoke_sessions_of(&call.arns().user(instance.as_str(), id.as_str()))
        .await
        .map_err(AwsError::connect_store)?;
    Ok(Reply::Empty)
}

/// `PhoneConfig` on the wire; `scale` turns seconds into the unit of the operation.
pub fn phone_output(phone: &PhoneConfig, scale: u64) -> PhoneConfigOutput {
    PhoneConfigOutput {
        phone_type: match phone.phone_type {
            PhoneType::SoftPhone => "SOFT_PHONE",
            PhoneType::DeskPhone => "DESK_PHONE",
        },
        auto_accept: phone.auto_accept,
        after_contact_work_time_limit: u64::from(phone.after_contact_work_seconds)
            .saturating_mul(scale),
        desk_phone_number: phone.desk_phone_number.clone(),
    }
}

fn ids(profiles: &[SecurityProfileId]) -> Vec<String> {
    profiles.iter().map(|p| p.as_str().to_owned()).collect()
}

/// The instance and user a call's path names, after authorising the call on the user.
async fn user_of_call(call: &Call<'_>) -> Result<(InstanceId, UserId), AwsError> {
    let instance = call.instance_label()?;
    let id = validate::resource_id(call.label(1), "User")?;
    let arn = call.arns().user(instance.as_str(), &id);
    call.authorize(Some(&arn), Some(&instance)).await?;
    Ok((instance, UserId::new(id)))
}

async fn instance(call: &Call<'_>, id: &InstanceId) -> Result<Instance, AwsError> {
    call.state
        .store
        .instance(id)
        .await
        .map_err(AwsError::connect_store)
}

fn no_change(call: &Call<'_>) -> UserUpdate {
    UserUpdate {
        names: None,
        phone: None,
        security_profiles: None,
        routing_profile: None,
        updated_at: call.state.clock.now(),
    }
}

async fn apply(
    call: &Call<'_>,
    instance: &InstanceId,
    id: &UserId,
    update: &UserUpdate,
) -> Result<Reply, AwsError> {
    call.state
        .store
        .update_user(instance, id, update)
        .await
        .map_err(AwsError::connect_store)?;
    Ok(Reply::Empty)
}

/// `SecurityProfileIds`: 1–10 ids.
fn security_profile_ids(input: Option<&[String]>) -> Result<Vec<SecurityProfileId>, AwsError> {
    let input = input.unwrap_or_default();
    if input.is_empty() || input.len() > validate::MAX_USER_SECURITY_PROFILES {
        return Err(invalid_parameter(format!(
            "SecurityProfileIds must have 1 to {} ids",
            validate::MAX_USER_SECURITY_PROFILES
        )));
    }
    let mut ids = input
        .iter()
        .map(|id| validate::resource_id(id, "Security profile").map(SecurityProfileId::new))
        .collect::<Result<Vec<_>, _>>()?;
    ids.sort();
    ids.dedup();
    Ok(ids)
}

/// `Password` of a CONNECT_MANAGED user: required, 8–64 characters with a lowercase letter,
/// an uppercase letter and a digit, and no whitespace. fedgate does not keep it
/// (docs/decisions.md).
fn check_password(password: Option<&str>) -> Result<(), AwsError> {
    let Some(password) = password else {
        return Err(invalid_parameter(
            "Password is required for instances with CONNECT_MANAGED identity management",
        ));
    };
    let valid = (8..=64).contains(&password.chars().count())
        && password.chars().any(|c| c.is_ascii_lowercase())
        && password.chars().any(|c| c.is_ascii_uppercase())
        && password.chars().any(|c| c.is_ascii_digit())
        && !password.chars().any(char::is_whitespace);
    if valid {
        Ok(())
    } else {
        Err(invalid_parameter(
            "Password must be 8 to 64 characters with a lowercase letter, an uppercase letter \
             and a digit",
        ))
    }
}

/// `Email`, `SecondaryEmail` and `Mobile`: an error on SAML instances (the API reference);
/// not kept on others (docs/decisions.md).
fn check_identity_extras(info: &IdentityInfo, saml: bool) -> Result<(), AwsError> {
    if saml && info.email.is_some() {
        return Err(invalid_request(
            "Email is not allowed for instances with SAML identity management",
        ));
    }
    if let Some(mobile) = &info.mobile
        && !validate::is_e164(mobile)
    {
        return Err(invalid_parameter(format!(
            "Mobile `{}` is not an E.164 number",
            truncate(mobile)
        )));
    }
    Ok(())
}

/// The per-channel configurations of newer clients: not served (PhoneConfig carries the
/// voice channel's settings).
fn refuse_channel_configs(input: &CreateUserInput) -> Result<(), AwsError> {
    let given = [
        ("AutoAcceptConfigs", &input.auto_accept_configs),
        ("AfterContactWorkConfigs", &input.after_contact_work_configs),
        ("PhoneNumberConfigs", &input.phone_number_configs),
        (
            "PersistentConnectionConfigs",
            &input.persistent_connection_configs,
        ),
        ("VoiceEnhancementConfigs", &input.voice_enhancement_configs),
    ];
    match given.iter().find(|(_, value)| value.is_some()) {
        Some((name, _)) => Err(invalid_parameter(format!(
            "{name} is not supported by fedgate: use PhoneConfig"
        ))),
        None => Ok(()),
    }
}

/// A store failure of a user write, with the username in the message.
fn user_write_error(error: StoreError, user: &User) -> AwsError {
    match error {
        StoreError::Conflict(_) => AwsError::new(
            AwsErrorCode::DuplicateResource,
            format!(
                "User with username `{}` already exists",
                truncate(user.username.as_str())
            ),
        )
        .with_source(error),
        other => AwsError::connect_store(other),
    }
}

/// `SearchCriteria` as the store's filter.
fn filter(criteria: &SearchCriteria, depth: usize) -> Result<UserFilter, AwsError> {
    if depth > MAX_SEARCH_DEPTH {
        return Err(invalid_parameter(format!(
            "SearchCriteria is nested deeper than {MAX_SEARCH_DEPTH} levels"
        )));
    }
    if criteria.list_condition.is_some() || criteria.hierarchy_group_condition.is_some() {
        return Err(invalid_parameter(
            "ListCondition and HierarchyGroupCondition are not supported by fedgate",
        ));
    }
    let mut parts = Vec::new();
    if let Some(condition) = &criteria.string_condition {
        let field = match condition.field_name.as_deref() {
            Some("Username") => UserField::Username,
            Some("FirstName") => UserField::FirstName,
            Some("LastName") => UserField::LastName,
            Some("RoutingProfileId") => UserField::RoutingProfileId,
            Some("SecurityProfileId") => UserField::SecurityProfileId,
            Some("resourceId") => UserField::ResourceId,
            Some(other) => {
                return Err(invalid_parameter(format!(
                    "FieldName `{}` is not one of Username, FirstName, LastName, \
                     RoutingProfileId, SecurityProfileId, resourceId",
                    truncate(other)
                )));
            }
            None => return Err(invalid_parameter("StringCondition needs a FieldName")),
        };
        let comparison = match condition.comparison_type.as_deref() {
            Some("EXACT") => Comparison::Exact,
            Some("STARTS_WITH") => Comparison::StartsWith,
            Some("CONTAINS") => Comparison::Contains,
            _ => {
                return Err(invalid_parameter(
                    "ComparisonType must be one of EXACT, STARTS_WITH, CONTAINS",
                ));
            }
        };
        let value = condition
            .value
            .clone()
            .ok_or_else(|| invalid_parameter("StringCondition needs a Value"))?;
        parts.push(UserFilter::Condition {
            field,
            comparison,
            value,
        });
    }
    if let Some(and) = &criteria.and_conditions {
        let all = and
            .iter()
            .map(|c| filter(c, depth + 1))
            .collect::<Result<Vec<_>, _>>()?;
        parts.push(UserFilter::And(all));
    }
    if let Some(or) = &criteria.or_conditions {
        let any = or
            .iter()
            .map(|c| filter(c, depth + 1))
            .collect::<Result<Vec<_>, _>>()?;
        parts.push(UserFilter::Or(any));
    }
    Ok(match parts.len() {
        1 => parts.pop().unwrap_or(UserFilter::And(Vec::new())),
        _ => UserFilter::And(parts),
    })
}
