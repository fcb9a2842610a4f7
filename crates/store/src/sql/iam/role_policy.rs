//! Inline role policies. Their names are unique within the role and compared exactly.

use sqlx::Row;

use super::require_role;
use crate::model::{Page, PageRequest, PolicyName, RoleName, RolePolicy};
use crate::sql::{Owner, SqlStore, name_key, owned_page};
use crate::{Entity, StoreError};

pub(crate) async fn put(
    db: &SqlStore,
    role: &RoleName,
    policy: &PolicyName,
    document: &str,
) -> Result<(), StoreError> {
    let written = sqlx::query(
        "INSERT INTO role_policies (role_id, policy_name, document)
         SELECT role_id, $2, $3 FROM roles WHERE name_key = $1
         ON CONFLICT (role_id, policy_name) DO UPDATE SET document = excluded.document",
    )
    .bind(name_key(role.as_str()))
    .bind(policy.as_str())
    .bind(document)
    .execute(db.write())
    .await?
    .rows_affected();
    if written == 0 {
        return Err(StoreError::NotFound(Entity::Role));
    }
    Ok(())
}

pub(crate) async fn get(
    db: &SqlStore,
    role: &RoleName,
    policy: &PolicyName,
) -> Result<RolePolicy, StoreError> {
    let row = sqlx::query(
        "SELECT rp.document
         FROM roles r LEFT JOIN role_policies rp
           ON rp.role_id = r.role_id AND rp.policy_name = $2
         WHERE r.name_key = $1",
    )
    .bind(name_key(role.as_str()))
    .bind(policy.as_str())
    .fetch_optional(db.read())
    .await?
    .ok_or(StoreError::NotFound(Entity::Role))?;
    let document: Option<String> = row.try_get("document")?;
    let document = document.ok_or(StoreError::NotFound(Entity::RolePolicy))?;
    Ok(RolePolicy {
        name: policy.clone(),
        document,
    })
}

pub(crate) async fn list(
    db: &SqlStore,
    role: &RoleName,
    page: &PageRequest,
) -> Result<Page<PolicyName>, StoreError> {
    let sql = "SELECT rp.policy_name
               FROM roles r JOIN role_policies rp ON rp.role_id = r.role_id
               WHERE r.name_key = $1 AND rp.policy_name > $2
               ORDER BY rp.policy_name LIMIT $3";
    owned_page(db, Owner::Role(role), page, sql, |row| {
        let name: String = row.try_get("policy_name")?;
        Ok((name.clone(), PolicyName::new(name)))
    })
    .await
}

pub(crate) async fn delete(
    db: &SqlStore,
    role: &RoleName,
    policy: &PolicyName,
) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    let deleted = sqlx::query(
        "DELETE FROM role_policies
         WHERE role_id = (SELECT role_id FROM roles WHERE name_key = $1) AND policy_name = $2",
    )
    .bind(name_key(role.as_str()))
    .bind(policy.as_str())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if deleted == 0 {
        require_role(&mut tx, role).await?;
        return Err(StoreError::NotFound(Entity::RolePolicy));
    }
    tx.commit().await?;
    Ok(())
}
