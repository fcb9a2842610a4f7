//! IAM: SAML providers, roles, inline and managed policies, attachments.
//!
//! Names are looked up by their `name_key` (see [`name_key`](super::name_key)). Deleting
//! something still referred to is refused by the database's own foreign keys (no `ON DELETE`
//! action: the delete fails), so that a concurrent attach cannot slip between a check and a
//! delete.

pub(super) mod attachment;
pub(super) mod managed_policy;
pub(super) mod role;
pub(super) mod role_policy;
pub(super) mod saml_provider;

use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use super::{SqlStore, into_page, name_key, page_after, page_limit};
use crate::model::{Page, PageRequest, PolicyKey, RoleName};
use crate::{Entity, StoreError};

/// A page of what belongs to a role, read by `sql` with the parameters (the role's name key,
/// the marker, the limit); `item` maps a row to its sort key and its value. `NotFound(Role)`
/// when the page is empty because there is no such role.
async fn role_page<T>(
    db: &SqlStore,
    role: &RoleName,
    page: &PageRequest,
    sql: &'static str,
    item: impl Fn(&AnyRow) -> Result<(String, T), StoreError>,
) -> Result<Page<T>, StoreError> {
    let mut conn = db.read().acquire().await?;
    let rows = sqlx::query(sql)
        .bind(name_key(role.as_str()))
        .bind(page_after(page))
        .bind(page_limit(page))
        .fetch_all(&mut *conn)
        .await?;
    if rows.is_empty() {
        require_role(&mut conn, role).await?;
    }
    let items = rows.iter().map(item).collect::<Result<_, _>>()?;
    Ok(into_page(items, page))
}

/// `NotFound(Role)` unless the role exists.
async fn require_role(conn: &mut AnyConnection, role: &RoleName) -> Result<(), StoreError> {
    sqlx::query("SELECT 1 AS found FROM roles WHERE name_key = $1")
        .bind(name_key(role.as_str()))
        .fetch_optional(conn)
        .await?
        .map(|_| ())
        .ok_or(StoreError::NotFound(Entity::Role))
}

/// `NotFound(ManagedPolicy)` unless the managed policy exists.
async fn require_policy(conn: &mut AnyConnection, key: &PolicyKey) -> Result<(), StoreError> {
    sqlx::query("SELECT 1 AS found FROM managed_policies WHERE name_key = $1 AND path = $2")
        .bind(name_key(key.name.as_str()))
        .bind(key.path.as_str())
        .fetch_optional(conn)
        .await?
        .map(|_| ())
        .ok_or(StoreError::NotFound(Entity::ManagedPolicy))
}
