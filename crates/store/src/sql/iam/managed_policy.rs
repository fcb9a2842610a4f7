//! Customer managed policies and their versions.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::require_policy;
use crate::error::write_error;
use crate::model::{
    IamPath, ManagedPolicy, NewManagedPolicy, Page, PageRequest, PolicyId, PolicyKey, PolicyName,
    PolicyVersion, Tag, VersionId,
};
use crate::sql::{
    SqlStore, instant, into_page, name_key, page_after, page_limit, seconds, small, tag,
};
use crate::{Entity, StoreError};

/// The version every new policy starts with, and its default.
const FIRST_VERSION: &str = "v1";

pub(crate) async fn create(
    db: &SqlStore,
    policy: &NewManagedPolicy,
    tags: &[Tag],
) -> Result<ManagedPolicy, StoreError> {
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO managed_policies (name, name_key, path, policy_id, description,
                                       default_version, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
    )
    .bind(policy.key.name.as_str())
    .bind(name_key(policy.key.name.as_str()))
    .bind(policy.key.path.as_str())
    .bind(policy.id.as_str())
    .bind(policy.description.as_deref())
    .bind(FIRST_VERSION)
    .bind(seconds(policy.created_at))
    .execute(&mut *tx)
    .await
    .map_err(write_error(Entity::ManagedPolicy))?;
    sqlx::query(
        "INSERT INTO policy_versions (policy_id, version_id, document, created_at)
         VALUES ($1, $2, $3, $4)",
    )
    .bind(policy.id.as_str())
    .bind(FIRST_VERSION)
    .bind(policy.document.as_str())
    .bind(seconds(policy.created_at))
    .execute(&mut *tx)
    .await?;
    tag::insert_tags(&mut tx, policy.id.as_str(), tags).await?;
    tx.commit().await?;
    Ok(ManagedPolicy {
        key: policy.key.clone(),
        id: policy.id.clone(),
        description: policy.description.clone(),
        default_version: VersionId::new(FIRST_VERSION),
        attachment_count: 0,
        created_at: policy.created_at,
        updated_at: policy.created_at,
    })
}

pub(crate) async fn get(db: &SqlStore, key: &PolicyKey) -> Result<ManagedPolicy, StoreError> {
    let row = sqlx::query(
        "SELECT p.name, p.name_key, p.path, p.policy_id, p.description, p.default_version,
                p.created_at, p.updated_at,
                (SELECT COUNT(*) FROM role_policy_attachments a
                 WHERE a.policy_id = p.policy_id) AS attachment_count
         FROM managed_policies p WHERE p.name_key = $1 AND p.path = $2",
    )
    .bind(name_key(key.name.as_str()))
    .bind(key.path.as_str())
    .fetch_optional(db.read())
    .await?
    .ok_or(StoreError::NotFound(Entity::ManagedPolicy))?;
    policy(&row)
}

pub(crate) async fn list(
    db: &SqlStore,
    path_prefix: &IamPath,
    only_attached: bool,
    page: &PageRequest,
) -> Result<Page<ManagedPolicy>, StoreError> {
    let rows = sqlx::query(
        "SELECT p.name, p.name_key, p.path, p.policy_id, p.description, p.default_version,
                p.created_at, p.updated_at,
                (SELECT COUNT(*) FROM role_policy_attachments a
                 WHERE a.policy_id = p.policy_id) AS attachment_count
         FROM managed_policies p
         WHERE p.name_key > $1 AND substr(p.path, 1, length($2)) = $2
           AND ($3 = 0 OR EXISTS (SELECT 1 FROM role_policy_attachments a
                                  WHERE a.policy_id = p.policy_id))
         ORDER BY p.name_key LIMIT $4",
    )
    .bind(page_after(page))
    .bind(path_prefix.as_str())
    .bind(i64::from(only_attached))
    .bind(page_limit(page))
    .fetch_all(db.read())
    .await?;
    let rows = rows
        .iter()
        .map(|row| Ok((row.try_get("name_key")?, policy(row)?)))
        .collect::<Result<_, StoreError>>()?;
    Ok(into_page(rows, page))
}

pub(crate) async fn delete(db: &SqlStore, key: &PolicyKey) -> Result<(), StoreError> {
    // SECURITY: attachments refer to the policy by a foreign key that refuses the delete: an
    // attached policy is never deleted (AWS's DeleteConflict), even when attached concurrently.
    // Its versions cascade.
    let delete = sqlx::query(
        "DELETE FROM managed_policies WHERE name_key = $1 AND path = $2 RETURNING policy_id AS id",
    )
    .bind(name_key(key.name.as_str()))
    .bind(key.path.as_str());
    tag::delete_tagged(db, Entity::ManagedPolicy, delete).await
}

pub(crate) async fn version(
    db: &SqlStore,
    key: &PolicyKey,
    version: &VersionId,
) -> Result<PolicyVersion, StoreError> {
    let mut conn = db.read().acquire().await?;
    let row = sqlx::query(
        "SELECT v.version_id, v.document, v.created_at, p.default_version
         FROM managed_policies p JOIN policy_versions v ON v.policy_id = p.policy_id
         WHERE p.name_key = $1 AND p.path = $2 AND v.version_id = $3",
    )
    .bind(name_key(key.name.as_str()))
    .bind(key.path.as_str())
    .bind(version.as_str())
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else {
        require_policy(&mut conn, key).await?;
        return Err(StoreError::NotFound(Entity::PolicyVersion));
    };
    let id: String = row.try_get("version_id")?;
    let default: String = row.try_get("default_version")?;
    Ok(PolicyVersion {
        is_default: id == default,
        id: VersionId::new(id),
        document: row.try_get("document")?,
        created_at: instant(row.try_get("created_at")?)?,
    })
}

fn policy(row: &AnyRow) -> Result<ManagedPolicy, StoreError> {
    Ok(ManagedPolicy {
        key: PolicyKey {
            path: IamPath::new(row.try_get::<String, _>("path")?),
            name: PolicyName::new(row.try_get::<String, _>("name")?),
        },
        id: PolicyId::new(row.try_get::<String, _>("policy_id")?),
        description: row.try_get("description")?,
        default_version: VersionId::new(row.try_get::<String, _>("default_version")?),
        attachment_count: small(row.try_get("attachment_count")?, "attachment count")?,
        created_at: instant(row.try_get("created_at")?)?,
        updated_at: instant(row.try_get("updated_at")?)?,
    })
}
