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

use super::name_key;
use crate::model::{PolicyKey, RoleName};
use crate::{Entity, StoreError};

/// `NotFound(Role)` unless the role exists.
pub(super) async fn require_role(
    conn: &mut AnyConnection,
    role: &RoleName,
) -> Result<(), StoreError> {
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
