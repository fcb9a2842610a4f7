//! Contact-center instances, their profiles and users. Everything in an instance is addressed
//! together with the instance's id, and the schema's composite keys make the database refuse a
//! reference from one instance into another.

pub(super) mod instance;
pub(super) mod profile;
pub(super) mod search;
pub(super) mod user;

use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::model::InstanceId;
use crate::{Entity, StoreError};

/// `NotFound(Instance)` unless the instance exists.
pub(super) async fn require_instance(
    conn: &mut AnyConnection,
    id: &InstanceId,
) -> Result<(), StoreError> {
    sqlx::query("SELECT 1 AS found FROM connect_instances WHERE instance_id = $1")
        .bind(id.as_str())
        .fetch_optional(conn)
        .await?
        .map(|_| ())
        .ok_or(StoreError::NotFound(Entity::Instance))
}

/// The row of the instance's `entity` that `sql` selects with the parameters (the instance's id,
/// `key`): `NotFound(Instance)` if there is no such instance, else `NotFound(entity)` if the
/// instance has no such row.
async fn instance_row(
    conn: &mut AnyConnection,
    sql: &'static str,
    instance: &InstanceId,
    key: &str,
    entity: Entity,
) -> Result<AnyRow, StoreError> {
    let row = sqlx::query(sql)
        .bind(instance.as_str())
        .bind(key)
        .fetch_optional(&mut *conn)
        .await?;
    match row {
        Some(row) => Ok(row),
        None => {
            require_instance(conn, instance).await?;
            Err(StoreError::NotFound(entity))
        }
    }
}
