//! Tags on instances and users: TagResource, UntagResource, ListTagsForResource
//! (`/tags/{resourceArn}`, the ARN percent-encoded as one path label).

use fedgate_store::{InstanceId, TagTarget, UserId};
use serde_json::json;

use super::instances::tag_map;
use super::json::TagInput;
use super::validate::{self, invalid_parameter};
use super::{Call, Reply};
use crate::aws::error::{AwsError, AwsErrorCode, truncate};

/// A taggable resource, from its ARN.
enum Resource {
    Instance(InstanceId),
    User(InstanceId, UserId),
}

impl Resource {
    fn target(&self) -> TagTarget<'_> {
        match self {
            Self::Instance(id) => TagTarget::Instance(id),
            Self::User(instance, user) => TagTarget::User(instance, user),
        }
    }

    fn instance(&self) -> &InstanceId {
        match self {
            Self::Instance(id) | Self::User(id, _) => id,
        }
    }
}

/// `TagResource`: `POST /tags/{resourceArn}`.
pub async fn tag(call: &Call<'_>) -> Result<Reply, AwsError> {
    let resource = resource_of_call(call).await?;
    let input: TagInput = call.input()?;
    let tags = input
        .tags
        .as_ref()
        .filter(|tags| !tags.is_empty())
        .ok_or_else(|| invalid_parameter("tags is required"))?;
    let tags = validate::tags(tags)?;
    let store = &call.state.store;
    let existing = store
        .tags(resource.target())
        .await
        .map_err(AwsError::connect_store)?;
    let total = existing
        .iter()
        .filter(|old| !tags.iter().any(|new| new.key == old.key))
        .count()
        + tags.len();
    if total > validate::MAX_TAGS {
        return Err(invalid_parameter(format!(
            "a resource has at most {} tags",
            validate::MAX_TAGS
        )));
    }
    store
        .tag_resource(resource.target(), &tags)
        .await
        .map_err(AwsError::connect_store)?;
    Ok(Reply::Empty)
}

/// `UntagResource`: `DELETE /tags/{resourceArn}?tagKeys=…`.
pub async fn untag(call: &Call<'_>) -> Result<Reply, AwsError> {
    let resource = resource_of_call(call).await?;
    let keys: Vec<String> = call.query_params("tagKeys").map(str::to_owned).collect();
    if keys.is_empty() || keys.len() > validate::MAX_TAGS {
        return Err(invalid_parameter(format!(
            "tagKeys must have 1 to {} keys",
            validate::MAX_TAGS
        )));
    }
    // `TagKeyList` holds `TagKey`s: the same pattern and length as when tagging.
    for key in &keys {
        validate::tag_key(key)?;
    }
    call.state
        .store
        .untag_resource(resource.target(), &keys)
        .await
        .map_err(AwsError::connect_store)?;
    Ok(Reply::Empty)
}

/// `ListTagsForResource`: `GET /tags/{resourceArn}`.
pub async fn list(call: &Call<'_>) -> Result<Reply, AwsError> {
    let resource = resource_of_call(call).await?;
    let tags = call
        .state
        .store
        .tags(resource.target())
        .await
        .map_err(AwsError::connect_store)?;
    Reply::json(&json!({ "tags": tag_map(tags) }))
}

/// The resource the path's ARN names, after authorising the call on it and checking that it
/// exists.
async fn resource_of_call(call: &Call<'_>) -> Result<Resource, AwsError> {
    let arn = call.label(0);
    let resource = parse(call, arn)?;
    call.authorize(Some(arn), Some(resource.instance())).await?;
    let store = &call.state.store;
    match &resource {
        Resource::Instance(id) => store.instance(id).await.map(|_| ()),
        Resource::User(instance, user) => store.user(instance, user).await.map(|_| ()),
    }
    .map_err(AwsError::connect_store)?;
    Ok(resource)
}

fn parse(call: &Call<'_>, arn: &str) -> Result<Resource, AwsError> {
    let not_found = || {
        AwsError::new(
            AwsErrorCode::ResourceNotFound,
            format!("no taggable resource has the ARN `{}`", truncate(arn)),
        )
    };
    let arns = call.arns();
    let prefix = arns.instance("");
    let rest = arn.strip_prefix(&prefix).ok_or_else(not_found)?;
    let parts: Vec<&str> = rest.split('/').collect();
    match parts.as_slice() {
        [instance] => Ok(Resource::Instance(validate::instance_id(instance)?)),
        [instance, "agent", user] => Ok(Resource::User(
            validate::instance_id(instance)?,
            UserId::new(validate::resource_id(user, "User")?),
        )),
        _ => Err(not_found()),
    }
}
