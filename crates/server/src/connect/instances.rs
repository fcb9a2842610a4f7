//! Instances: CreateInstance, DescribeInstance, ListInstances, DeleteInstance
//! (aws-behaviour.md §4.3).

use std::collections::BTreeMap;

use fedgate_store::{
    IdentityManagement, Instance, InstanceAlias, InstanceId, NewInstance, StoreError, Tag,
    TagTarget,
};
use serde_json::json;

use super::json::{CreateInstanceInput, InstanceOutput};
use super::profiles::{default_routing_profiles, default_security_profiles, paged};
use super::validate::{self, invalid_request};
use super::{Arns, Call, Reply, new_id};
use crate::aws::error::{AwsError, AwsErrorCode, truncate};
use crate::state::AppState;

/// `CreateInstance`: `PUT /instance`.
pub async fn create(call: &Call<'_>) -> Result<Reply, AwsError> {
    call.authorize(None, None).await?;
    let input: CreateInstanceInput = call.input()?;
    let identity = match input.identity_management_type.as_deref() {
        Some("SAML") => IdentityManagement::Saml,
        Some("CONNECT_MANAGED") => IdentityManagement::ConnectManaged,
        Some("EXISTING_DIRECTORY") => {
            return Err(invalid_request(
                "IdentityManagementType EXISTING_DIRECTORY is not supported by fedgate: \
                 it needs an AWS Directory Service directory; use SAML or CONNECT_MANAGED",
            ));
        }
        Some(other) => {
            return Err(invalid_request(format!(
                "IdentityManagementType `{}` is not one of SAML, CONNECT_MANAGED, \
                 EXISTING_DIRECTORY",
                truncate(other)
            )));
        }
        None => return Err(invalid_request("IdentityManagementType is required")),
    };
    let (Some(inbound), Some(outbound)) =
        (input.inbound_calls_enabled, input.outbound_calls_enabled)
    else {
        return Err(invalid_request(
            "InboundCallsEnabled and OutboundCallsEnabled are required",
        ));
    };
    if input.directory_id.is_some() {
        return Err(invalid_request(
            "DirectoryId is only for EXISTING_DIRECTORY instances",
        ));
    }
    let alias = input
        .instance_alias
        .ok_or_else(|| invalid_request("InstanceAlias is required for SAML and CONNECT_MANAGED"))?;
    validate::instance_alias(&alias)?;
    if let Some(token) = &input.client_token
        && (token.is_empty() || token.chars().count() > validate::MAX_CLIENT_TOKEN_CHARS)
    {
        return Err(invalid_request(format!(
            "ClientToken must be 1 to {} characters",
            validate::MAX_CLIENT_TOKEN_CHARS
        )));
    }
    let tags = input
        .tags
        .as_ref()
        .map(validate::tags)
        .transpose()?
        .unwrap_or_default();
    let new = NewInstance {
        instance: Instance {
            id: InstanceId::new(new_id()),
            alias: InstanceAlias::new(alias.clone()),
            identity_management: identity,
            inbound_calls: inbound,
            outbound_calls: outbound,
            created_at: call.state.clock.now(),
        },
        client_token: input.client_token,
        security_profiles: default_security_profiles(),
        routing_profiles: default_routing_profiles(),
        tags,
    };
    let instance = call
        .state
        .store
        .create_instance(&new)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => AwsError::new(
                AwsErrorCode::InvalidRequest,
                format!(
                    "InstanceAlias `{}` is already in use: aliases are unique across all \
                     instances",
                    truncate(&alias)
                ),
            )
            .with_source(e),
            other => AwsError::connect_store(other),
        })?;
    Reply::json(&json!({
        "Id": instance.id.as_str(),
        "Arn": call.arns().instance(instance.id.as_str()),
    }))
}

/// `DescribeInstance`: `GET /instance/{InstanceId}`.
pub async fn describe(call: &Call<'_>) -> Result<Reply, AwsError> {
    let id = call.instance_label()?;
    let arns = call.arns();
    call.authorize(Some(&arns.instance(id.as_str())), Some(&id))
        .await?;
    let instance = call
        .state
        .store
        .instance(&id)
        .await
        .map_err(AwsError::connect_store)?;
    let tags = call
        .state
        .store
        .tags(TagTarget::Instance(&id))
        .await
        .map_err(AwsError::connect_store)?;
    Reply::json(&json!({
        "Instance": output(call.state, arns, &instance, Some(tag_map(tags))),
    }))
}

/// `ListInstances`: `GET /instance?nextToken&maxResults` (1–10).
pub async fn list(call: &Call<'_>) -> Result<Reply, AwsError> {
    call.authorize(None, None).await?;
    let page = validate::page(
        call.query_param("nextToken"),
        validate::query_max_results(call.query_param("maxResults"))?,
        10,
        10,
    )
    .map_err(|e| invalid_request(e.message().to_owned()))?;
    let page = call
        .state
        .store
        .list_instances(&page)
        .await
        .map_err(AwsError::connect_store)?;
    let arns = call.arns();
    let summaries: Vec<InstanceOutput> = page
        .items
        .iter()
        .map(|instance| output(call.state, arns, instance, None))
        .collect();
    paged("InstanceSummaryList", &summaries, page.next.as_ref())
}

/// `DeleteInstance`: `DELETE /instance/{InstanceId}` (with everything in it).
pub async fn delete(call: &Call<'_>) -> Result<Reply, AwsError> {
    let id = call.instance_label()?;
    call.authorize(Some(&call.arns().instance(id.as_str())), Some(&id))
        .await?;
    call.state
        .store
        .delete_instance(&id)
        .await
        .map_err(AwsError::connect_store)?;
    Ok(Reply::Empty)
}

/// The instance's access URL: its web app on this server.
pub fn access_url(state: &AppState, alias: &InstanceAlias) -> String {
    format!("{}/app/{}/", state.config.public_url, alias.as_str())
}

fn output(
    state: &AppState,
    arns: Arns<'_>,
    instance: &Instance,
    tags: Option<BTreeMap<String, String>>,
) -> InstanceOutput {
    InstanceOutput {
        id: instance.id.as_str().to_owned(),
        arn: arns.instance(instance.id.as_str()),
        identity_management_type: match instance.identity_management {
            IdentityManagement::Saml => "SAML",
            _ => "CONNECT_MANAGED",
        },
        instance_alias: instance.alias.as_str().to_owned(),
        created_time: instance.created_at.unix_timestamp(),
        service_role: format!(
            "arn:aws:iam::{}:role/aws-service-role/connect.amazonaws.com/AWSServiceRoleForAmazonConnect_{}",
            state.account.id.as_str(),
            instance.alias.as_str()
        ),
        instance_status: "ACTIVE",
        inbound_calls_enabled: instance.inbound_calls,
        outbound_calls_enabled: instance.outbound_calls,
        instance_access_url: access_url(state, &instance.alias),
        tags,
    }
}

/// Tags as the wire's `TagMap`.
pub fn tag_map(tags: Vec<Tag>) -> BTreeMap<String, String> {
    tags.into_iter().map(|tag| (tag.key, tag.value)).collect()
}
