//! Managed policies attached to roles.

use sqlx::Row;

use super::{require_policy, require_role};
use crate::model::{IamPath, Page, PageRequest, PolicyKey, PolicyName, RoleName};
use crate::sql::{Owner, SqlStore, name_key, owned_page};
use crate::{Entity, StoreError};

pub(crate) async fn attach(
    db: &SqlStore,
    role: &RoleName,
    key: &PolicyKey,
) -> Result<(), StoreError> {
    let sql = "INSERT INTO role_policy_attachments (role_id, policy_id)
               SELECT r.role_id, p.policy_id FROM roles r, managed_policies p
               WHERE r.name_key = $1 AND p.name_key = $2 AND p.path = $3
               ON CONFLICT DO NOTHING";
    // Nothing inserted: one side is missing, or it was attached already, which is no error.
    change(db, sql, role, key, Ok(())).await
}

pub(crate) async fn detach(
    db: &SqlStore,
    role: &RoleName,
    key: &PolicyKey,
) -> Result<(), StoreError> {
    let sql = "DELETE FROM role_policy_attachments
               WHERE role_id = (SELECT role_id FROM roles WHERE name_key = $1)
                 AND policy_id = (SELECT policy_id FROM managed_policies
                                  WHERE name_key = $2 AND path = $3)";
    change(
        db,
        sql,
        role,
        key,
        Err(StoreError::NotFound(Entity::Attachment)),
    )
    .await
}

pub(crate) async fn list(
    db: &SqlStore,
    role: &RoleName,
    page: &PageRequest,
) -> Result<Page<PolicyKey>, StoreError> {
    let sql = "SELECT p.name, p.name_key, p.path
               FROM roles r
               JOIN role_policy_attachments a ON a.role_id = r.role_id
               JOIN managed_policies p ON p.policy_id = a.policy_id
               WHERE r.name_key = $1 AND p.name_key > $2
               ORDER BY p.name_key LIMIT $3";
    owned_page(db, Owner::Role(role), page, sql, |row| {
        let key = PolicyKey {
            path: IamPath::new(row.try_get::<String, _>("path")?),
            name: PolicyName::new(row.try_get::<String, _>("name")?),
        };
        Ok((row.try_get("name_key")?, key))
    })
    .await
}

/// Runs `sql` with the parameters (the role's name key, the policy's name key, its path) in a
/// transaction. If it changed no row: `NotFound` for the side that is missing, else `unchanged`.
async fn change(
    db: &SqlStore,
    sql: &'static str,
    role: &RoleName,
    key: &PolicyKey,
    unchanged: Result<(), StoreError>,
) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    let changed = sqlx::query(sql)
        .bind(name_key(role.as_str()))
        .bind(name_key(key.name.as_str()))
        .bind(key.path.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if changed == 0 {
        require_role(&mut tx, role).await?;
        require_policy(&mut tx, key).await?;
        unchanged?;
    }
    tx.commit().await?;
    Ok(())
}
