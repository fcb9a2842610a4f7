//! Roles.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::model::{
    IamPath, Page, PageRequest, PolicyKey, PolicyName, Role, RoleId, RoleName, RolePermissions,
    RolePolicy, RoleUpdate, Tag,
};
use crate::sql::{
    SqlStore, instant, into_page, name_key, page_after, page_limit, seconds, small, tag,
};
use crate::{Entity, StoreError};

pub(crate) async fn create(db: &SqlStore, role: &Role, tags: &[Tag]) -> Result<(), StoreError> {
    let insert = sqlx::query(
        "INSERT INTO roles (name, name_key, path, role_id, trust_policy, description,
                            max_session_duration, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(role.name.as_str())
    .bind(name_key(role.name.as_str()))
    .bind(role.path.as_str())
    .bind(role.id.as_str())
    .bind(role.trust_policy.as_str())
    .bind(role.description.as_deref())
    .bind(i64::from(role.max_session_duration))
    .bind(seconds(role.created_at));
    tag::create_tagged(db, Entity::Role, insert, role.id.as_str(), tags).await
}

pub(crate) async fn get(db: &SqlStore, name: &RoleName) -> Result<Role, StoreError> {
    let row = sqlx::query(
        "SELECT name, name_key, path, role_id, trust_policy, description, max_session_duration,
                created_at
         FROM roles WHERE name_key = $1",
    )
    .bind(name_key(name.as_str()))
    .fetch_optional(db.read())
    .await?
    .ok_or(StoreError::NotFound(Entity::Role))?;
    role(&row)
}

pub(crate) async fn list(
    db: &SqlStore,
    path_prefix: &IamPath,
    page: &PageRequest,
) -> Result<Page<Role>, StoreError> {
    // Prefix match by substr, not LIKE: `_` is legal in paths and a LIKE wildcard.
    let rows = sqlx::query(
        "SELECT name, name_key, path, role_id, trust_policy, description, max_session_duration,
                created_at
         FROM roles
         WHERE name_key > $1 AND substr(path, 1, length($2)) = $2
         ORDER BY name_key LIMIT $3",
    )
    .bind(page_after(page))
    .bind(path_prefix.as_str())
    .bind(page_limit(page))
    .fetch_all(db.read())
    .await?;
    let rows = rows
        .iter()
        .map(|row| Ok((row.try_get("name_key")?, role(row)?)))
        .collect::<Result<_, StoreError>>()?;
    Ok(into_page(rows, page))
}

pub(crate) async fn update(
    db: &SqlStore,
    name: &RoleName,
    update: &RoleUpdate,
) -> Result<(), StoreError> {
    let updated = sqlx::query(
        "UPDATE roles
         SET description = COALESCE($2, description),
             max_session_duration = COALESCE($3, max_session_duration)
         WHERE name_key = $1",
    )
    .bind(name_key(name.as_str()))
    .bind(update.description.as_deref())
    .bind(update.max_session_duration.map(i64::from))
    .execute(db.write())
    .await?
    .rows_affected();
    found(updated)
}

pub(crate) async fn update_trust_policy(
    db: &SqlStore,
    name: &RoleName,
    trust_policy: &str,
) -> Result<(), StoreError> {
    let updated = sqlx::query("UPDATE roles SET trust_policy = $2 WHERE name_key = $1")
        .bind(name_key(name.as_str()))
        .bind(trust_policy)
        .execute(db.write())
        .await?
        .rows_affected();
    found(updated)
}

pub(crate) async fn delete(db: &SqlStore, name: &RoleName) -> Result<(), StoreError> {
    // SECURITY: inline policies and attachments refer to the role by foreign keys that refuse
    // the delete, so a role is never deleted from under a policy attached concurrently (AWS's
    // DeleteConflict).
    let delete = sqlx::query("DELETE FROM roles WHERE name_key = $1 RETURNING role_id AS id")
        .bind(name_key(name.as_str()));
    tag::delete_tagged(db, Entity::Role, delete).await
}

pub(crate) async fn permissions(
    db: &SqlStore,
    name: &RoleName,
) -> Result<RolePermissions, StoreError> {
    // One statement, so one snapshot: the role's row (to tell "no policies" from "no role"),
    // its inline policies, and the default version of each attached managed policy.
    let rows = sqlx::query(
        "SELECT 0 AS part, role_id AS name, '' AS path, '' AS document
         FROM roles WHERE name_key = $1
         UNION ALL
         SELECT 1, rp.policy_name, '', rp.document
         FROM roles r JOIN role_policies rp ON rp.role_id = r.role_id
         WHERE r.name_key = $1
         UNION ALL
         SELECT 2, p.name, p.path, v.document
         FROM roles r
         JOIN role_policy_attachments a ON a.role_id = r.role_id
         JOIN managed_policies p ON p.policy_id = a.policy_id
         JOIN policy_versions v ON v.policy_id = p.policy_id AND v.version_id = p.default_version
         WHERE r.name_key = $1
         ORDER BY 1, 2",
    )
    .bind(name_key(name.as_str()))
    .fetch_all(db.read())
    .await?;
    if rows.is_empty() {
        return Err(StoreError::NotFound(Entity::Role));
    }
    let mut permissions = RolePermissions::default();
    for row in &rows {
        let name: String = row.try_get("name")?;
        let document: String = row.try_get("document")?;
        match row.try_get::<i64, _>("part")? {
            0 => permissions.role_id = Some(RoleId::new(name)),
            1 => permissions.inline.push(RolePolicy {
                name: PolicyName::new(name),
                document,
            }),
            2 => {
                let path = IamPath::new(row.try_get::<String, _>("path")?);
                permissions.managed.push((
                    PolicyKey {
                        path,
                        name: PolicyName::new(name),
                    },
                    document,
                ));
            }
            _ => {}
        }
    }
    Ok(permissions)
}

fn found(rows_affected: u64) -> Result<(), StoreError> {
    if rows_affected == 0 {
        Err(StoreError::NotFound(Entity::Role))
    } else {
        Ok(())
    }
}

fn role(row: &AnyRow) -> Result<Role, StoreError> {
    Ok(Role {
        name: RoleName::new(row.try_get::<String, _>("name")?),
        path: IamPath::new(row.try_get::<String, _>("path")?),
        id: RoleId::new(row.try_get::<String, _>("role_id")?),
        trust_policy: row.try_get("trust_policy")?,
        description: row.try_get("description")?,
        max_session_duration: small(row.try_get("max_session_duration")?, "max session duration")?,
        created_at: instant(row.try_get("created_at")?)?,
    })
}
