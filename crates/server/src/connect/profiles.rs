//! Security profiles (named sets of permissions) and routing profiles: the four default
//! security profiles and the "Basic Routing Profile" every new instance starts with
//! (aws-behaviour.md §4.5), and their actions.

use fedgate_store::{
    InstanceId, PageRequest, RoutingProfile, RoutingProfileId, SecurityProfile, SecurityProfileId,
};
use serde_json::json;

use super::json::{ProfileSummary, SecurityProfileInput, SecurityProfileOutput};
use super::validate::{self, invalid_parameter};
use super::{Call, Reply, new_id};
use crate::aws::error::{AwsError, truncate};

/// The permission names fedgate knows (the API names of Connect's security profile
/// permissions, CON-SP); a profile holds only these.
pub const PERMISSIONS: &[&str] = &[
    "AccessMetrics",
    "AgentGrouping.Create",
    "AgentGrouping.Edit",
    "AgentGrouping.View",
    "AgentStates.Create",
    "AgentStates.Edit",
    "AgentStates.View",
    "BasicAgentAccess",
    "ContactSearch.View",
    "HoursOfOperation.Create",
    "HoursOfOperation.Delete",
    "HoursOfOperation.Edit",
    "HoursOfOperation.View",
    "ManagerBargeIn",
    "ManagerListenIn",
    "OutboundCallAccess",
    "Queues.Create",
    "Queues.Edit",
    "Queues.View",
    "RoutingPolicies.Create",
    "RoutingPolicies.Edit",
    "RoutingPolicies.View",
    "SecurityProfiles.Create",
    "SecurityProfiles.Delete",
    "SecurityProfiles.Edit",
    "SecurityProfiles.View",
    "TransferDestinations.Create",
    "TransferDestinations.Delete",
    "TransferDestinations.Edit",
    "TransferDestinations.View",
    "Users.Create",
    "Users.Delete",
    "Users.Edit",
    "Users.EditPermission",
    "Users.View",
];

/// The Agent profile: the contact control panel, inbound and outbound.
const AGENT: &[&str] = &["BasicAgentAccess", "OutboundCallAccess"];

/// The CallCenterManager profile: users, metrics, routing, and the agent's own access.
const CALL_CENTER_MANAGER: &[&str] = &[
    "AccessMetrics",
    "AgentGrouping.Create",
    "AgentGrouping.Edit",
    "AgentGrouping.View",
    "AgentStates.Create",
    "AgentStates.Edit",
    "AgentStates.View",
    "BasicAgentAccess",
    "ContactSearch.View",
    "HoursOfOperation.Create",
    "HoursOfOperation.Edit",
    "HoursOfOperation.View",
    "ManagerListenIn",
    "OutboundCallAccess",
    "Queues.Create",
    "Queues.Edit",
    "Queues.View",
    "RoutingPolicies.Create",
    "RoutingPolicies.Edit",
    "RoutingPolicies.View",
    "SecurityProfiles.View",
    "TransferDestinations.Create",
    "TransferDestinations.Edit",
    "TransferDestinations.View",
    "Users.Create",
    "Users.Edit",
    "Users.EditPermission",
    "Users.View",
];

/// The QualityAnalyst profile: metrics, contact search, listening in.
const QUALITY_ANALYST: &[&str] = &[
    "AccessMetrics",
    "BasicAgentAccess",
    "ContactSearch.View",
    "ManagerListenIn",
];

/// The name of the routing profile every instance starts with.
pub const BASIC_ROUTING_PROFILE: &str = "Basic Routing Profile";

/// Most permissions in a profile (`PermissionsList`: at most 500).
pub const MAX_PERMISSIONS: usize = 500;
/// Longest security profile name (`CreateSecurityProfileName`: 1–127).
pub const MAX_PROFILE_NAME_CHARS: usize = 127;
/// Longest description (`SecurityProfileDescription`: at most 250).
pub const MAX_DESCRIPTION_CHARS: usize = 250;
/// Most profiles read when a routing profile is looked up by id (instances have a handful).
const MAX_PROFILES_SCANNED: u32 = 1000;

/// The four default security profiles, with fresh ids.
pub fn default_security_profiles() -> Vec<SecurityProfile> {
    let profile = |name: &str, description: &str, permissions: &[&str]| SecurityProfile {
        id: SecurityProfileId::new(new_id()),
        name: name.to_owned(),
        description: Some(description.to_owned()),
        permissions: sorted(permissions.iter().map(|p| (*p).to_owned())),
    };
    vec![
        profile("Admin", "Every permission", PERMISSIONS),
        profile("Agent", "The contact control panel", AGENT),
        profile(
            "CallCenterManager",
            "User management, metrics and routing",
            CALL_CENTER_MANAGER,
        ),
        profile(
            "QualityAnalyst",
            "Metrics, contact search and listening in",
            QUALITY_ANALYST,
        ),
    ]
}

/// The "Basic Routing Profile", with a fresh id.
pub fn default_routing_profiles() -> Vec<RoutingProfile> {
    vec![RoutingProfile {
        id: RoutingProfileId::new(new_id()),
        name: BASIC_ROUTING_PROFILE.to_owned(),
        description: "The routing profile every instance starts with".to_owned(),
    }]
}

fn sorted(permissions: impl Iterator<Item = String>) -> Vec<String> {
    let mut permissions: Vec<String> = permissions.collect();
    permissions.sort();
    permissions.dedup();
    permissions
}

/// `Permissions`: known names, at most 500, sorted and without repeats.
fn permissions(input: Option<&[String]>) -> Result<Vec<String>, AwsError> {
    let input = input.unwrap_or_default();
    if input.len() > MAX_PERMISSIONS {
        return Err(invalid_parameter(format!(
            "a security profile has at most {MAX_PERMISSIONS} permissions"
        )));
    }
    if let Some(unknown) = input.iter().find(|p| !PERMISSIONS.contains(&p.as_str())) {
        return Err(invalid_parameter(format!(
            "Permission `{}` is not a security profile permission",
            truncate(unknown)
        )));
    }
    Ok(sorted(input.iter().cloned()))
}

fn description(input: Option<&str>) -> Result<Option<String>, AwsError> {
    match input {
        Some(text) if text.chars().count() > MAX_DESCRIPTION_CHARS => Err(invalid_parameter(
            format!("Description is longer than {MAX_DESCRIPTION_CHARS} characters"),
        )),
        other => Ok(other.map(str::to_owned)),
    }
}

/// `CreateSecurityProfile`: `PUT /security-profiles/{InstanceId}`.
pub async fn create_security_profile(call: &Call<'_>) -> Result<Reply, AwsError> {
    let instance = call.instance_label()?;
    let arns = call.arns();
    call.authorize(Some(&arns.instance(instance.as_str())), Some(&instance))
        .await?;
    let input: SecurityProfileInput = call.input()?;
    let name = input
        .security_profile_name
        .ok_or_else(|| invalid_parameter("SecurityProfileName is required"))?;
    let valid_name = (1..=MAX_PROFILE_NAME_CHARS).contains(&name.chars().count())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b' ' | b'_' | b'@' | b'-'));
    if !valid_name {
        return Err(invalid_parameter(format!(
            "SecurityProfileName `{}` is invalid: 1 to {MAX_PROFILE_NAME_CHARS} letters, \
             digits, spaces and _@-",
            truncate(&name)
        )));
    }
    if input.tags.is_some() {
        return Err(invalid_parameter(
            "Tags on security profiles are not supported by fedgate (instances and users only)",
        ));
    }
    let profile = SecurityProfile {
        id: SecurityProfileId::new(new_id()),
        name,
        description: description(input.description.as_deref())?,
        permissions: permissions(input.permissions.as_deref())?,
    };
    let store = &call.state.store;
    store
        .create_security_profile(&instance, &profile)
        .await
        .map_err(AwsError::connect_store)?;
    Reply::json(&json!({
        "SecurityProfileId": profile.id.as_str(),
        "SecurityProfileArn": arns.security_profile(instance.as_str(), profile.id.as_str()),
    }))
}

/// `DescribeSecurityProfile`: `GET /security-profiles/{InstanceId}/{SecurityProfileId}`.
pub async fn describe_security_profile(call: &Call<'_>) -> Result<Reply, AwsError> {
    let (instance, profile) = security_profile_of_call(call).await?;
    let arns = call.arns();
    Reply::json(&json!({
        "SecurityProfile": SecurityProfileOutput {
            arn: arns.security_profile(instance.as_str(), profile.id.as_str()),
            id: profile.id.as_str().to_owned(),
            organization_resource_id: instance.as_str().to_owned(),
            security_profile_name: profile.name,
            description: profile.description,
            last_modified_region: arns.region().to_owned(),
        }
    }))
}

/// `UpdateSecurityProfile`: `POST /security-profiles/{InstanceId}/{SecurityProfileId}`.
/// A member left out keeps its value.
pub async fn update_security_profile(call: &Call<'_>) -> Result<Reply, AwsError> {
    let (instance, mut profile) = security_profile_of_call(call).await?;
    let input: SecurityProfileInput = call.input()?;
    if input.description.is_some() {
        profile.description = description(input.description.as_deref())?;
    }
    if input.permissions.is_some() {
        profile.permissions = permissions(input.permissions.as_deref())?;
    }
    call.state
        .store
        .update_security_profile(&instance, &profile)
        .await
        .map_err(AwsError::connect_store)?;
    Ok(Reply::Empty)
}

/// `ListSecurityProfilePermissions`:
/// `GET /security-profiles-permissions/{InstanceId}/{SecurityProfileId}`.
pub async fn list_permissions(call: &Call<'_>) -> Result<Reply, AwsError> {
    let (_, profile) = security_profile_of_call(call).await?;
    let page = query_page(call)?;
    let start = match &page.marker {
        Some(marker) => profile
            .permissions
            .iter()
            .position(|p| p.as_str() > marker.as_str())
            .unwrap_or(profile.permissions.len()),
        None => 0,
    };
    let max = usize::try_from(page.max_items).unwrap_or(usize::MAX);
    let rest = profile.permissions.get(start..).unwrap_or_default();
    let items: Vec<&String> = rest.iter().take(max).collect();
    let next = (rest.len() > max)
        .then(|| items.last())
        .flatten()
        .map(|last| validate::encode_token(&fedgate_store::Marker::new(last.as_str())));
    let mut output = json!({
        "Permissions": items,
        "LastModifiedRegion": call.arns().region(),
    });
    if let (Some(next), Some(object)) = (next, output.as_object_mut()) {
        object.insert("NextToken".to_owned(), next.into());
    }
    Reply::json(&output)
}

/// `ListSecurityProfiles`: `GET /security-profiles-summary/{InstanceId}`.
pub async fn list_security_profiles(call: &Call<'_>) -> Result<Reply, AwsError> {
    let instance = call.instance_label()?;
    let arns = call.arns();
    call.authorize(Some(&arns.instance(instance.as_str())), Some(&instance))
        .await?;
    let page = call
        .state
        .store
        .list_security_profiles(&instance, &query_page(call)?)
        .await
        .map_err(AwsError::connect_store)?;
    let summaries: Vec<ProfileSummary> = page
        .items
        .iter()
        .map(|profile| ProfileSummary {
            arn: arns.security_profile(instance.as_str(), profile.id.as_str()),
            id: profile.id.as_str().to_owned(),
            name: profile.name.clone(),
            last_modified_region: arns.region().to_owned(),
        })
        .collect();
    paged("SecurityProfileSummaryList", &summaries, page.next.as_ref())
}

/// `ListRoutingProfiles`: `GET /routing-profiles-summary/{InstanceId}`.
pub async fn list_routing_profiles(call: &Call<'_>) -> Result<Reply, AwsError> {
    let instance = call.instance_label()?;
    let arns = call.arns();
    call.authorize(Some(&arns.instance(instance.as_str())), Some(&instance))
        .await?;
    let page = call
        .state
        .store
        .list_routing_profiles(&instance, &query_page(call)?)
        .await
        .map_err(AwsError::connect_store)?;
    let summaries: Vec<ProfileSummary> = page
        .items
        .iter()
        .map(|profile| ProfileSummary {
            arn: arns.routing_profile(instance.as_str(), profile.id.as_str()),
            id: profile.id.as_str().to_owned(),
            name: profile.name.clone(),
            last_modified_region: arns.region().to_owned(),
        })
        .collect();
    paged("RoutingProfileSummaryList", &summaries, page.next.as_ref())
}

/// `DescribeRoutingProfile`: `GET /routing-profiles/{InstanceId}/{RoutingProfileId}`.
pub async fn describe_routing_profile(call: &Call<'_>) -> Result<Reply, AwsError> {
    let instance = call.instance_label()?;
    let id = validate::resource_id(call.label(1), "Routing profile")?;
    let arns = call.arns();
    let arn = arns.routing_profile(instance.as_str(), &id);
    call.authorize(Some(&arn), Some(&instance)).await?;
    let profiles = all_routing_profiles(call.state, &instance).await?;
    let profile = profiles
        .into_iter()
        .find(|p| p.id.as_str() == id)
        .ok_or_else(|| {
            AwsError::connect_store(fedgate_store::StoreError::NotFound(
                fedgate_store::Entity::RoutingProfile,
            ))
        })?;
    Reply::json(&json!({
        "RoutingProfile": {
            "InstanceId": instance.as_str(),
            "Name": profile.name,
            "RoutingProfileArn": arn,
            "RoutingProfileId": profile.id.as_str(),
            "Description": profile.description,
            "LastModifiedRegion": arns.region(),
        }
    }))
}

/// Every routing profile of an instance (instances have a handful; at most
/// `MAX_PROFILES_SCANNED` are read).
pub async fn all_routing_profiles(
    state: &crate::state::AppState,
    instance: &InstanceId,
) -> Result<Vec<RoutingProfile>, AwsError> {
    Ok(state
        .store
        .list_routing_profiles(instance, &PageRequest::first(MAX_PROFILES_SCANNED))
        .await
        .map_err(AwsError::connect_store)?
        .items)
}

/// Every security profile of an instance (at most `MAX_PROFILES_SCANNED`).
pub async fn all_security_profiles(
    state: &crate::state::AppState,
    instance: &InstanceId,
) -> Result<Vec<SecurityProfile>, AwsError> {
    Ok(state
        .store
        .list_security_profiles(instance, &PageRequest::first(MAX_PROFILES_SCANNED))
        .await
        .map_err(AwsError::connect_store)?
        .items)
}

/// The instance and security profile a call's path names, after authorising the call on the
/// profile.
async fn security_profile_of_call(
    call: &Call<'_>,
) -> Result<(InstanceId, SecurityProfile), AwsError> {
    let instance = call.instance_label()?;
    let id = validate::resource_id(call.label(1), "Security profile")?;
    let arn = call.arns().security_profile(instance.as_str(), &id);
    call.authorize(Some(&arn), Some(&instance)).await?;
    let profile = call
        .state
        .store
        .security_profile(&instance, &SecurityProfileId::new(id))
        .await
        .map_err(AwsError::connect_store)?;
    Ok((instance, profile))
}

fn query_page(call: &Call<'_>) -> Result<PageRequest, AwsError> {
    validate::page(
        call.query_param("nextToken"),
        validate::query_max_results(call.query_param("maxResults"))?,
        1000,
        100,
    )
}

/// `{"<list>": items, "NextToken": …}`.
pub fn paged<T: serde::Serialize>(
    list: &str,
    items: &[T],
    next: Option<&fedgate_store::Marker>,
) -> Result<Reply, AwsError> {
    let mut output = serde_json::Map::new();
    output.insert(
        list.to_owned(),
        serde_json::to_value(items).map_err(AwsError::internal)?,
    );
    if let Some(next) = next {
        output.insert("NextToken".to_owned(), validate::encode_token(next).into());
    }
    Ok(Reply::Json(serde_json::Value::Object(output)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_profiles_hold_known_permissions_only() {
        for profile in default_security_profiles() {
            assert!(!profile.permissions.is_empty());
            for permission in &profile.permissions {
                assert!(PERMISSIONS.contains(&permission.as_str()), "{permission}");
            }
        }
        assert!(PERMISSIONS.windows(2).all(|w| w[0] < w[1]));
    }
}
