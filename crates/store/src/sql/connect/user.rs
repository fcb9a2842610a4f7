//! Users of an instance, and their bulk import.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use time::OffsetDateTime;

use super::{instance_row, require_instance};
use crate::error::{BackendError, write_error};
use crate::model::{
    AgentStatus, InstanceId, Page, PageRequest, PhoneConfig, PhoneType, RoutingProfileId,
    SecurityProfileId, Tag, User, UserId, UserUpdate, Username,
};
use crate::sql::cache::ReadCache;
use crate::sql::{Owner, SqlStore, Tx, insert_rows, instant, owned_page, seconds, small, tag};
use crate::store::UserImport;
use crate::{Conflict, Entity, StoreError};

/// The columns that [`user`] reads, from `connect_users`, then the rest of the statement.
macro_rules! select_users {
    ($rest:literal) => {
        concat!(
            "SELECT user_id, username, first_name, last_name, phone_type, auto_accept,
                    after_contact_work, desk_phone_number, routing_profile_id, updated_at
             FROM connect_users ",
            $rest
        )
    };
}
pub(super) use select_users;

pub(crate) async fn create(
    db: &SqlStore,
    instance: &InstanceId,
    user: &User,
    tags: &[Tag],
) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    require_instance(&mut tx, instance).await?;
    insert_users(&mut tx, instance, std::slice::from_ref(user)).await?;
    tag::insert_tags(&mut tx, user.id.as_str(), tags).await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn get(
    db: &SqlStore,
    instance: &InstanceId,
    id: &UserId,
) -> Result<User, StoreError> {
    let sql = select_users!("WHERE instance_id = $1 AND user_id = $2");
    one(db, instance, sql, id.as_str()).await
}

pub(crate) async fn by_username(
    db: &SqlStore,
    instance: &InstanceId,
    username: &Username,
) -> Result<User, StoreError> {
    // SECURITY: exact comparison (a byte-order collation on PostgreSQL, BINARY on SQLite):
    // "Alice" is not the user "alice" (aws-behaviour.md §4.4).
    let sql = select_users!("WHERE instance_id = $1 AND username = $2");
    one(db, instance, sql, username.as_str()).await
}

pub(crate) async fn list(
    db: &SqlStore,
    instance: &InstanceId,
    page: &PageRequest,
) -> Result<Page<User>, StoreError> {
    let sql = select_users!("WHERE instance_id = $1 AND username > $2 ORDER BY username LIMIT $3");
    let mut users = owned_page(db, Owner::Instance(instance), page, sql, |row| {
        Ok((row.try_get("username")?, user(row)?))
    })
    .await?;
    with_security_profiles(db, instance, &mut users.items).await?;
    Ok(users)
}

/// Fills in the security profiles of `users`, one page in username order, in one statement.
pub(super) async fn with_security_profiles(
    db: &SqlStore,
    instance: &InstanceId,
    users: &mut [User],
) -> Result<(), StoreError> {
    let (Some(first), Some(last)) = (users.first(), users.last()) else {
        return Ok(());
    };
    let rows = sqlx::query(
        "SELECT sp.user_id, sp.profile_id
         FROM connect_user_security_profiles sp
         JOIN connect_users u ON u.instance_id = sp.instance_id AND u.user_id = sp.user_id
         WHERE sp.instance_id = $1 AND u.username >= $2 AND u.username <= $3
         ORDER BY sp.profile_id",
    )
    .bind(instance.as_str())
    .bind(first.username.as_str())
    .bind(last.username.as_str())
    .fetch_all(db.read())
    .await?;
    let mut profiles: BTreeMap<String, Vec<SecurityProfileId>> = BTreeMap::new();
    for row in &rows {
        let profile = SecurityProfileId::new(row.try_get::<String, _>("profile_id")?);
        profiles
            .entry(row.try_get("user_id")?)
            .or_default()
            .push(profile);
    }
    for user in users {
        user.security_profiles = profiles.remove(user.id.as_str()).unwrap_or_default();
    }
    Ok(())
}

pub(crate) async fn update(
    db: &SqlStore,
    instance: &InstanceId,
    id: &UserId,
    update: &UserUpdate,
) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    let (first_name, last_name) = update.names.clone().unzip();
    let phone = update.phone.as_ref();
    // The composite foreign key refuses a routing profile of another instance, or none.
    let updated = sqlx::query(
        "UPDATE connect_users SET
             first_name = COALESCE($3, first_name),
             last_name = COALESCE($4, last_name),
             phone_type = COALESCE($5, phone_type),
             auto_accept = COALESCE($6, auto_accept),
             after_contact_work = COALESCE($7, after_contact_work),
             desk_phone_number = CASE WHEN $5 IS NULL THEN desk_phone_number ELSE $8 END,
             routing_profile_id = COALESCE($9, routing_profile_id),
             updated_at = $10
         WHERE instance_id = $1 AND user_id = $2",
    )
    .bind(instance.as_str())
    .bind(id.as_str())
    .bind(first_name)
    .bind(last_name)
    .bind(phone.map(|p| p.phone_type.as_str()))
    .bind(phone.map(|p| i64::from(p.auto_accept)))
    .bind(phone.map(|p| i64::from(p.after_contact_work_seconds)))
    .bind(phone.and_then(|p| p.desk_phone_number.as_deref()))
    .bind(
        update
            .routing_profile
            .as_ref()
            .map(RoutingProfileId::as_str),
    )
    .bind(seconds(update.updated_at))
    .execute(&mut *tx)
    .await
    .map_err(|e| match write_error(Entity::User)(e) {
        StoreError::Conflict(_) => StoreError::NotFound(Entity::RoutingProfile),
        other => other,
    })?
    .rows_affected();
    if updated == 0 {
        require_instance(&mut tx, instance).await?;
        return Err(StoreError::NotFound(Entity::User));
    }
    if let Some(profiles) = &update.security_profiles {
        sqlx::query(
            "DELETE FROM connect_user_security_profiles WHERE instance_id = $1 AND user_id = $2",
        )
        .bind(instance.as_str())
        .bind(id.as_str())
        .execute(&mut *tx)
        .await?;
        let rows = assignments(id, profiles);
        insert_assignments(&mut tx, instance, &rows).await?;
    }
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn delete(
    db: &SqlStore,
    instance: &InstanceId,
    id: &UserId,
) -> Result<(), StoreError> {
    let delete = sqlx::query(
        "DELETE FROM connect_users WHERE instance_id = $1 AND user_id = $2 RETURNING user_id AS id",
    )
    .bind(instance.as_str())
    .bind(id.as_str());
    tag::delete_tagged(db, Entity::User, delete).await
}

pub(crate) async fn set_status(
    db: &SqlStore,
    instance: &InstanceId,
    id: &UserId,
    status: AgentStatus,
    at: OffsetDateTime,
) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    let updated = sqlx::query(
        "UPDATE connect_users SET agent_status = $3, agent_status_at = $4
         WHERE instance_id = $1 AND user_id = $2",
    )
    .bind(instance.as_str())
    .bind(id.as_str())
    .bind(status.as_str())
    .bind(seconds(at))
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if updated == 0 {
        require_instance(&mut tx, instance).await?;
        return Err(StoreError::NotFound(Entity::User));
    }
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn status(
    db: &SqlStore,
    instance: &InstanceId,
    id: &UserId,
) -> Result<(AgentStatus, Option<OffsetDateTime>), StoreError> {
    let mut conn = db.read().acquire().await?;
    let sql = "SELECT agent_status, agent_status_at FROM connect_users
               WHERE instance_id = $1 AND user_id = $2";
    let row = instance_row(&mut conn, sql, instance, id.as_str(), Entity::User).await?;
    let status: String = row.try_get("agent_status")?;
    let status = AgentStatus::parse(&status).ok_or(StoreError::Unavailable(
        BackendError::corrupt("agent status"),
    ))?;
    let at: Option<i64> = row.try_get("agent_status_at")?;
    Ok((status, at.map(instant).transpose()?))
}

pub(crate) async fn begin_import(
    db: &SqlStore,
    instance: &InstanceId,
) -> Result<Box<dyn UserImport>, StoreError> {
    let mut tx = db.begin().await?;
    require_instance(&mut tx, instance).await?;
    Ok(Box::new(Import {
        tx,
        cache: db.cache(),
        instance: instance.clone(),
        pending: Vec::new(),
        added: 0,
        failed: false,
    }))
}

/// Users per statement of an import (11 parameters each, and up to 10 profiles of 3: far below
/// SQLite's 32766 and PostgreSQL's 65535 parameters).
const USERS_PER_STATEMENT: usize = 200;

/// A bulk import: one write transaction, rolled back by sqlx if dropped uncommitted. Users are
/// written `USERS_PER_STATEMENT` at a time.
struct Import {
    tx: Tx,
    /// Forgotten once the users are created.
    cache: Arc<ReadCache>,
    instance: InstanceId,
    pending: Vec<User>,
    added: u64,
    /// Set by a failed write. SECURITY: a commit after a failure would keep the rows before it
    /// (SQLite) or silently roll back (PostgreSQL); either breaks all-or-nothing, so it is refused.
    failed: bool,
}

impl Import {
    async fn flush(&mut self) -> Result<(), StoreError> {
        if self.failed {
            return Err(StoreError::Unavailable(BackendError::abandoned(
                "the import",
            )));
        }
        let written = insert_users(&mut self.tx, &self.instance, &self.pending).await;
        self.failed = written.is_err();
        written?;
        self.added += u64::try_from(self.pending.len()).unwrap_or(u64::MAX);
        self.pending.clear();
        Ok(())
    }
}

impl fmt::Debug for Import {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Import")
            .field("instance", &self.instance)
            .field("pending", &self.pending.len())
            .field("added", &self.added)
            .field("failed", &self.failed)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl UserImport for Import {
    async fn add(&mut self, user: &User) -> Result<(), StoreError> {
        if self.failed {
            return Err(StoreError::Unavailable(BackendError::abandoned(
                "the import",
            )));
        }
        self.pending.push(user.clone());
        if self.pending.len() >= USERS_PER_STATEMENT {
            self.flush().await?;
        }
        Ok(())
    }

    async fn commit(mut self: Box<Self>) -> Result<u64, StoreError> {
        // After a failure, flush refuses, and dropping the transaction rolls it back.
        self.flush().await?;
        self.tx.commit().await?;
        self.cache.forget();
        Ok(self.added)
    }
}

/// Inserts users of an existing `instance` (within the caller's transaction), a batch per
/// statement. The composite foreign keys refuse a profile of another instance, or none:
/// `NotFound(RoutingProfile)` or `NotFound(SecurityProfile)`; a username or id taken is
/// `AlreadyExists(User)`.
async fn insert_users(
    conn: &mut AnyConnection,
    instance: &InstanceId,
    users: &[User],
) -> Result<(), StoreError> {
    for batch in users.chunks(USERS_PER_STATEMENT) {
        let head = "INSERT INTO connect_users (instance_id, user_id, username, first_name,
                        last_name, phone_type, auto_accept, after_contact_work,
                        desk_phone_number, routing_profile_id, updated_at)";
        let mut query = sqlx::query(insert_rows(head, batch.len(), 11));
        for user in batch {
            query = query
                .bind(instance.as_str())
                .bind(user.id.as_str())
                .bind(user.username.as_str())
                .bind(user.first_name.as_str())
                .bind(user.last_name.as_str())
                .bind(user.phone.phone_type.as_str())
                .bind(i64::from(user.phone.auto_accept))
                .bind(i64::from(user.phone.after_contact_work_seconds))
                .bind(user.phone.desk_phone_number.as_deref())
                .bind(user.routing_profile.as_str())
                .bind(seconds(user.updated_at));
        }
        query
            .execute(&mut *conn)
            .await
            .map_err(|e| match write_error(Entity::User)(e) {
                // The instance exists (the caller checked, in this transaction): the reference
                // refused is the routing profile.
                StoreError::Conflict(Conflict::InUse(_)) => {
                    StoreError::NotFound(Entity::RoutingProfile)
                }
                other => other,
            })?;
        let rows: Vec<_> = batch
            .iter()
            .flat_map(|user| assignments(&user.id, &user.security_profiles))
            .collect();
        insert_assignments(conn, instance, &rows).await?;
    }
    Ok(())
}

/// A user's security profiles as rows to insert, without repeats.
fn assignments<'a>(
    user: &'a UserId,
    profiles: &'a [SecurityProfileId],
) -> Vec<(&'a UserId, &'a SecurityProfileId)> {
    let mut profiles: Vec<&SecurityProfileId> = profiles.iter().collect();
    profiles.sort();
    profiles.dedup();
    profiles
        .into_iter()
        .map(|profile| (user, profile))
        .collect()
}

/// Inserts security profile assignments: `NotFound(SecurityProfile)` if a profile is not the
/// instance's.
async fn insert_assignments(
    conn: &mut AnyConnection,
    instance: &InstanceId,
    rows: &[(&UserId, &SecurityProfileId)],
) -> Result<(), StoreError> {
    for batch in rows.chunks(USERS_PER_STATEMENT * 10) {
        let head = "INSERT INTO connect_user_security_profiles (instance_id, user_id, profile_id)";
        let mut query = sqlx::query(insert_rows(head, batch.len(), 3));
        for (user, profile) in batch {
            query = query
                .bind(instance.as_str())
                .bind(user.as_str())
                .bind(profile.as_str());
        }
        query
            .execute(&mut *conn)
            .await
            .map_err(|e| match write_error(Entity::User)(e) {
                StoreError::Conflict(Conflict::InUse(_)) => {
                    StoreError::NotFound(Entity::SecurityProfile)
                }
                other => other,
            })?;
    }
    Ok(())
}

/// The user that `sql` selects with (instance, `key`), with its security profiles.
async fn one(
    db: &SqlStore,
    instance: &InstanceId,
    sql: &'static str,
    key: &str,
) -> Result<User, StoreError> {
    let mut conn = db.read().acquire().await?;
    let row = instance_row(&mut conn, sql, instance, key, Entity::User).await?;
    let mut user = user(&row)?;
    user.security_profiles = sqlx::query(
        "SELECT profile_id FROM connect_user_security_profiles
         WHERE instance_id = $1 AND user_id = $2 ORDER BY profile_id",
    )
    .bind(instance.as_str())
    .bind(user.id.as_str())
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|row| {
        Ok(SecurityProfileId::new(
            row.try_get::<String, _>("profile_id")?,
        ))
    })
    .collect::<Result<_, StoreError>>()?;
    Ok(user)
}

pub(super) fn user(row: &AnyRow) -> Result<User, StoreError> {
    let phone_type: String = row.try_get("phone_type")?;
    Ok(User {
        id: UserId::new(row.try_get::<String, _>("user_id")?),
        username: Username::new(row.try_get::<String, _>("username")?),
        first_name: row.try_get("first_name")?,
        last_name: row.try_get("last_name")?,
        phone: PhoneConfig {
            phone_type: PhoneType::parse(&phone_type)
                .ok_or(StoreError::Unavailable(BackendError::corrupt("phone type")))?,
            auto_accept: row.try_get::<i64, _>("auto_accept")? != 0,
            after_contact_work_seconds: small(
                row.try_get("after_contact_work")?,
                "after contact work time limit",
            )?,
            desk_phone_number: row.try_get("desk_phone_number")?,
        },
        security_profiles: Vec::new(),
        routing_profile: RoutingProfileId::new(row.try_get::<String, _>("routing_profile_id")?),
        updated_at: instant(row.try_get("updated_at")?)?,
    })
}
