//! Tags, for every taggable resource in one table, keyed by the resource's unique id
//! (`AROA…`, `ANPA…`, a provider's UUID), which is never reused: tags left behind by a race with a
//! delete can never appear on a later resource of the same name.

use sqlx::{AnyConnection, Row};

use super::{Bound, SqlStore, name_key};
use crate::error::write_error;
use crate::model::{Tag, TagTarget};
use crate::{Entity, StoreError};

/// Creates a taggable resource with `insert` and gives it `tags`, in one transaction.
/// A unique key taken is `AlreadyExists(entity)`.
pub(super) async fn create_tagged(
    db: &SqlStore,
    entity: Entity,
    insert: Bound<'_>,
    resource_id: &str,
    tags: &[Tag],
) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    insert
        .execute(&mut *tx)
        .await
        .map_err(write_error(entity))?;
    insert_tags(&mut tx, resource_id, tags).await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes a taggable resource with `delete` (which returns its unique id as `id`) and its
/// tags, in one transaction: `NotFound(entity)` if it deletes nothing, `InUse(entity)` if a
/// foreign key refuses.
pub(super) async fn delete_tagged(
    db: &SqlStore,
    entity: Entity,
    delete: Bound<'_>,
) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    let row = delete
        .fetch_optional(&mut *tx)
        .await
        .map_err(write_error(entity))?
        .ok_or(StoreError::NotFound(entity))?;
    let id: String = row.try_get("id")?;
    sqlx::query("DELETE FROM tags WHERE resource_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn tag(
    db: &SqlStore,
    target: TagTarget<'_>,
    tags: &[Tag],
) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    let resource = resource_id(&mut tx, target).await?;
    insert_tags(&mut tx, &resource, tags).await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn untag(
    db: &SqlStore,
    target: TagTarget<'_>,
    keys: &[String],
) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    let resource = resource_id(&mut tx, target).await?;
    for key in keys {
        sqlx::query("DELETE FROM tags WHERE resource_id = $1 AND tag_key = $2")
            .bind(resource.as_str())
            .bind(key.as_str())
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

pub(super) async fn list(db: &SqlStore, target: TagTarget<'_>) -> Result<Vec<Tag>, StoreError> {
    let mut conn = db.read().acquire().await?;
    let resource = resource_id(&mut conn, target).await?;
    let rows =
        sqlx::query("SELECT tag_key, tag_value FROM tags WHERE resource_id = $1 ORDER BY tag_key")
            .bind(resource.as_str())
            .fetch_all(&mut *conn)
            .await?;
    rows.iter()
        .map(|row| {
            Ok(Tag {
                key: row.try_get("tag_key")?,
                value: row.try_get("tag_value")?,
            })
        })
        .collect()
}

/// Sets `tags` on the resource with this id (within the caller's transaction).
pub(super) async fn insert_tags(
    conn: &mut AnyConnection,
    resource_id: &str,
    tags: &[Tag],
) -> Result<(), StoreError> {
    for tag in tags {
        sqlx::query(
            "INSERT INTO tags (resource_id, tag_key, tag_value) VALUES ($1, $2, $3)
             ON CONFLICT (resource_id, tag_key) DO UPDATE SET tag_value = excluded.tag_value",
        )
        .bind(resource_id)
        .bind(tag.key.as_str())
        .bind(tag.value.as_str())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The unique id of the resource that `target` names.
async fn resource_id(
    conn: &mut AnyConnection,
    target: TagTarget<'_>,
) -> Result<String, StoreError> {
    let (query, entity) = match target {
        TagTarget::SamlProvider(name) => (
            sqlx::query("SELECT provider_id AS id FROM saml_providers WHERE name_key = $1")
                .bind(name_key(name.as_str())),
            Entity::SamlProvider,
        ),
        TagTarget::Role(name) => (
            sqlx::query("SELECT role_id AS id FROM roles WHERE name_key = $1")
                .bind(name_key(name.as_str())),
            Entity::Role,
        ),
        TagTarget::ManagedPolicy(key) => (
            sqlx::query(
                "SELECT policy_id AS id FROM managed_policies WHERE name_key = $1 AND path = $2",
            )
            .bind(name_key(key.name.as_str()))
            .bind(key.path.as_str()),
            Entity::ManagedPolicy,
        ),
        TagTarget::Instance(id) => (
            sqlx::query("SELECT instance_id AS id FROM connect_instances WHERE instance_id = $1")
                .bind(id.as_str()),
            Entity::Instance,
        ),
        TagTarget::User(instance, id) => (
            sqlx::query(
                "SELECT user_id AS id FROM connect_users WHERE instance_id = $1 AND user_id = $2",
            )
            .bind(instance.as_str())
            .bind(id.as_str()),
            Entity::User,
        ),
    };
    let row = query
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound(entity))?;
    Ok(row.try_get("id")?)
}
