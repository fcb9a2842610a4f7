//! Instances.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::profile;
use crate::error::{BackendError, write_error};
use crate::model::{
    IdentityManagement, Instance, InstanceAlias, InstanceId, NewInstance, Page, PageRequest,
};
use crate::sql::{SqlStore, instant, into_page, name_key, page_after, page_limit, seconds, tag};
use crate::{Conflict, Entity, StoreError};

/// The columns that [`instance`] reads, from `connect_instances`, then the rest of the
/// statement.
macro_rules! select_instances {
    ($rest:literal) => {
        concat!(
            "SELECT instance_id, alias, alias_key, identity_management, inbound_calls,
                    outbound_calls, created_at
             FROM connect_instances ",
            $rest
        )
    };
}

pub(crate) async fn create(db: &SqlStore, new: &NewInstance) -> Result<Instance, StoreError> {
    let Some(token) = new.client_token.as_deref() else {
        insert(db, new).await?;
        return Ok(new.instance.clone());
    };
    if let Some(existing) = by_client_token(db, token).await? {
        return Ok(existing);
    }
    match insert(db, new).await {
        Ok(()) => Ok(new.instance.clone()),
        // A concurrent create with the same token won: answer as it did.
        Err(StoreError::Conflict(Conflict::AlreadyExists(Entity::Instance))) => {
            by_client_token(db, token)
                .await?
                .ok_or(StoreError::Conflict(Conflict::AlreadyExists(
                    Entity::Instance,
                )))
        }
        Err(e) => Err(e),
    }
}

pub(crate) async fn get(db: &SqlStore, id: &InstanceId) -> Result<Instance, StoreError> {
    let sql = select_instances!("WHERE instance_id = $1");
    one(db, sql, id.as_str())
        .await?
        .ok_or(StoreError::NotFound(Entity::Instance))
}

pub(crate) async fn by_alias(db: &SqlStore, alias: &InstanceAlias) -> Result<Instance, StoreError> {
    let sql = select_instances!("WHERE alias_key = $1");
    one(db, sql, &name_key(alias.as_str()))
        .await?
        .ok_or(StoreError::NotFound(Entity::Instance))
}

pub(crate) async fn list(db: &SqlStore, page: &PageRequest) -> Result<Page<Instance>, StoreError> {
    let rows = sqlx::query(select_instances!(
        "WHERE alias_key > $1 ORDER BY alias_key LIMIT $2"
    ))
    .bind(page_after(page))
    .bind(page_limit(page))
    .fetch_all(db.read())
    .await?
    .iter()
    .map(|row| Ok((row.try_get("alias_key")?, instance(row)?)))
    .collect::<Result<_, StoreError>>()?;
    Ok(into_page(rows, page))
}

pub(crate) async fn delete(db: &SqlStore, id: &InstanceId) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    // Tags are keyed by resource id, outside the cascade: remove the users' and the instance's.
    sqlx::query(
        "DELETE FROM tags
         WHERE resource_id = $1
            OR resource_id IN (SELECT user_id FROM connect_users WHERE instance_id = $1)",
    )
    .bind(id.as_str())
    .execute(&mut *tx)
    .await?;
    // Users first: they refer to profiles that the instance's cascade deletes, and PostgreSQL
    // checks those references before its cascade reaches the users.
    sqlx::query("DELETE FROM connect_users WHERE instance_id = $1")
        .bind(id.as_str())
        .execute(&mut *tx)
        .await?;
    let deleted = sqlx::query("DELETE FROM connect_instances WHERE instance_id = $1")
        .bind(id.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if deleted == 0 {
        return Err(StoreError::NotFound(Entity::Instance));
    }
    tx.commit().await?;
    Ok(())
}

async fn by_client_token(db: &SqlStore, token: &str) -> Result<Option<Instance>, StoreError> {
    let sql = select_instances!("WHERE client_token = $1");
    one(db, sql, token).await
}

/// The instance that `sql` selects with `key`, if any.
async fn one(db: &SqlStore, sql: &'static str, key: &str) -> Result<Option<Instance>, StoreError> {
    let row = sqlx::query(sql).bind(key).fetch_optional(db.read()).await?;
    row.as_ref().map(instance).transpose()
}

fn instance(row: &AnyRow) -> Result<Instance, StoreError> {
    let identity: String = row.try_get("identity_management")?;
    Ok(Instance {
        id: InstanceId::new(row.try_get::<String, _>("instance_id")?),
        alias: InstanceAlias::new(row.try_get::<String, _>("alias")?),
        identity_management: IdentityManagement::parse(&identity).ok_or(
            StoreError::Unavailable(BackendError::corrupt("identity management type")),
        )?,
        inbound_calls: row.try_get::<i64, _>("inbound_calls")? != 0,
        outbound_calls: row.try_get::<i64, _>("outbound_calls")? != 0,
        created_at: instant(row.try_get("created_at")?)?,
    })
}

async fn insert(db: &SqlStore, new: &NewInstance) -> Result<(), StoreError> {
    let instance = &new.instance;
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO connect_instances (instance_id, alias, alias_key, identity_management,
                                        inbound_calls, outbound_calls, client_token, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(instance.id.as_str())
    .bind(instance.alias.as_str())
    .bind(name_key(instance.alias.as_str()))
    .bind(instance.identity_management.as_str())
    .bind(i64::from(instance.inbound_calls))
    .bind(i64::from(instance.outbound_calls))
    .bind(new.client_token.as_deref())
    .bind(seconds(instance.created_at))
    .execute(&mut *tx)
    .await
    .map_err(write_error(Entity::Instance))?;
    for security in &new.security_profiles {
        profile::insert_security(&mut tx, &instance.id, security).await?;
    }
    for routing in &new.routing_profiles {
        profile::insert_routing(&mut tx, &instance.id, routing).await?;
    }
    tag::insert_tags(&mut tx, instance.id.as_str(), &new.tags).await?;
    tx.commit().await?;
    Ok(())
}
