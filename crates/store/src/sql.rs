//! The one implementation of [`Store`]: the same SQL on every backend, through sqlx's `Any`
//! driver. `$N` parameters, `ON CONFLICT`, `RETURNING` and row values mean the same in SQLite and
//! PostgreSQL; what does differ is given by the backend module as a [`Backend`].

mod account;
mod audit;
pub(crate) mod cache;
mod connect;
mod ephemeral;
mod group_commit;

pub(crate) use group_commit::sqlite::open as open_sqlite_writer;
mod iam;
mod tag;

use std::fmt;

use async_trait::async_trait;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, AnyPool, AssertSqlSafe, SqlSafeStr, Transaction};
use time::OffsetDateTime;

use crate::error::BackendError;
use crate::model::{
    Account, AgentStatus, AuditEvent, AuditRecord, Bootstrapped, IamPath, Instance, InstanceAlias,
    InstanceId, ManagedPolicy, Marker, NewInstance, NewManagedPolicy, Page, PageRequest, PolicyKey,
    PolicyName, PolicyVersion, ProviderName, Purged, Redemption, Role, RoleName, RolePermissions,
    RolePolicy, RoleUpdate, RoutingProfile, SamlProvider, SecurityProfile, SecurityProfileId,
    Session, SessionId, Tag, TagTarget, TokenId, User, UserFilter, UserId, UserSearch, UserUpdate,
    Username, VersionId,
};
use crate::store::UserImport;
use crate::{Store, StoreError};

/// What one backend does differently, fixed when it connects.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Backend {
    /// Its name, for `Debug`.
    pub(crate) name: &'static str,
    /// The statement that opens a read-write transaction.
    pub(crate) begin_write: &'static str,
}

/// A store over connection pools: reads go to `read`, writes to `write` (the same pool, or for
/// SQLite a single writer connection so that writers queue in-process instead of sleeping on
/// the file lock).
pub(crate) struct SqlStore {
    read: AnyPool,
    write: AnyPool,
    backend: Backend,
    /// The writer of replay keys, token redemptions, sessions and audit events.
    group_commit: group_commit::GroupCommit,
    /// Recent reads of IAM and Connect entities; every write below forgets them.
    cache: std::sync::Arc<cache::ReadCache>,
}

impl fmt::Debug for SqlStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqlStore")
            .field("backend", &self.backend.name)
            .finish_non_exhaustive()
    }
}

/// A write transaction.
pub(crate) type Tx = Transaction<'static, Any>;

/// A statement with its parameters bound.
pub(crate) type Bound<'q> = Query<'q, Any, AnyArguments>;

impl SqlStore {
    /// A store over these pools, whose group commit writes on `write`. Starts the group-commit
    /// writer and the cache's timer: call it within the Tokio runtime (as `connect` is).
    pub(crate) fn new(read: AnyPool, write: AnyPool, backend: Backend) -> Self {
        let group_commit = group_commit::GroupCommit::start(write.clone());
        Self::with_group_commit(read, write, backend, group_commit)
    }

    /// A store over these pools of a SQLite file, whose group commit writes on `writer`, a
    /// connection of its own (see `group_commit/sqlite.rs`).
    pub(crate) fn with_sqlite_writer(
        read: AnyPool,
        write: AnyPool,
        backend: Backend,
        writer: rusqlite::Connection,
    ) -> std::io::Result<Self> {
        let group_commit = group_commit::GroupCommit::start_sqlite(writer)?;
        Ok(Self::with_group_commit(read, write, backend, group_commit))
    }

    fn with_group_commit(
        read: AnyPool,
        write: AnyPool,
        backend: Backend,
        group_commit: group_commit::GroupCommit,
    ) -> Self {
        Self {
            read,
            write,
            backend,
            group_commit,
            cache: cache::ReadCache::start(),
        }
    }

    /// Opens a write transaction, as the backend opens them.
    pub(crate) async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(self.write.begin_with(self.backend.begin_write).await?)
    }

    /// The read cache, for a write that outlives the call that began it (a user import).
    pub(crate) fn cache(&self) -> std::sync::Arc<cache::ReadCache> {
        std::sync::Arc::clone(&self.cache)
    }

    /// The writer that batches replay keys, token redemptions, sessions and audit events.
    pub(crate) fn group_commit(&self) -> &group_commit::GroupCommit {
        &self.group_commit
    }

    pub(crate) fn read(&self) -> &AnyPool {
        &self.read
    }

    pub(crate) fn write(&self) -> &AnyPool {
        &self.write
    }
}

/// A migrator over a backend's migration files: `(version, description, sql)`, embedded at
/// compile time. A shipped migration is never edited: sqlx refuses to start on a changed one.
pub(crate) fn migrator(files: &[(i64, &'static str, &'static str)]) -> Migrator {
    Migrator::with_migrations(
        files
            .iter()
            .map(|&(version, description, sql)| {
                Migration::new(
                    version,
                    description.into(),
                    MigrationType::Simple,
                    sql.into_sql_str(),
                    false,
                )
            })
            .collect(),
    )
}

/// Applies the pending migrations on `conn`.
///
/// Through `run_direct`, which sqlx keeps public (but hidden) for this: `Migrator::run`'s
/// `Acquire` bound makes any future that awaits it impossible to prove `Send` ("implementation
/// of `Acquire` is not general enough") once it is joined with another and spawned, as two
/// nodes starting together in one test are.
pub(crate) async fn migrate(
    migrator: &Migrator,
    conn: &mut AnyConnection,
) -> Result<(), StoreError> {
    Ok(migrator.run_direct(None, conn, false).await?)
}

/// Asserts that `listed` names every file of `migrations/{folder}`, as `{version:04}_{description}.sql`,
/// so that a new migration file cannot be forgotten in the list.
#[cfg(test)]
pub(crate) fn assert_lists_every_migration(folder: &str, listed: &[(i64, &str, &str)]) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(folder);
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    let expected: Vec<String> = listed
        .iter()
        .map(|(version, name, _)| format!("{version:04}_{name}.sql"))
        .collect();
    assert_eq!(files, expected);
}

/// The statement `head VALUES ($1, …, $columns), ($columns+1, …), …` for `rows` rows: one
/// statement, atomic by itself, for many rows. Only generated placeholders are formatted into
/// it; every value is bound.
pub(crate) fn insert_rows(
    head: &'static str,
    rows: usize,
    columns: usize,
) -> AssertSqlSafe<String> {
    let mut sql = String::with_capacity(head.len() + rows * columns * 6);
    sql.push_str(head);
    sql.push_str(" VALUES ");
    for row in 0..rows {
        sql.push_str(if row == 0 { "(" } else { ", (" });
        for column in 0..columns {
            if column > 0 {
                sql.push_str(", ");
            }
            sql.push('$');
            sql.push_str(&(row * columns + column + 1).to_string());
        }
        sql.push(')');
    }
    AssertSqlSafe(sql)
}

// --- values as stored ------------------------------------------------------------------------

/// The key that names are unique by and looked up with: IAM names ignore ASCII case. Computed
/// here, not by the database, so that both backends agree byte for byte.
pub(crate) fn name_key(name: &str) -> String {
    name.to_ascii_lowercase()
}

/// An instant as stored: whole seconds since the epoch, rounded down (an expiry so stored comes
/// no later than the one given).
pub(crate) fn seconds(at: OffsetDateTime) -> i64 {
    at.unix_timestamp()
}

/// An instant as stored, rounded up: for rows that must be kept at least until `at`.
pub(crate) fn seconds_ceil(at: OffsetDateTime) -> i64 {
    let floor = at.unix_timestamp();
    if at.nanosecond() == 0 {
        floor
    } else {
        floor.saturating_add(1)
    }
}

/// A stored instant read back.
pub(crate) fn instant(seconds: i64) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::from_unix_timestamp(seconds)
        .map_err(|_| StoreError::Unavailable(BackendError::corrupt("timestamp out of range")))
}

/// A stored count or duration read back as `u32`.
pub(crate) fn small(value: i64, what: &'static str) -> Result<u32, StoreError> {
    u32::try_from(value).map_err(|_| StoreError::Unavailable(BackendError::corrupt(what)))
}

/// The `LIMIT` of a page query: one more than asked, to learn whether more follow.
pub(crate) fn page_limit(page: &PageRequest) -> i64 {
    i64::from(page.max_items.max(1)) + 1
}

/// Where a page query starts: after the marker's key, or after the empty string (before every
/// key: names are never empty).
pub(crate) fn page_after(page: &PageRequest) -> &str {
    page.marker.as_ref().map_or("", Marker::as_str)
}

/// What a listing lists the contents of.
#[derive(Clone, Copy)]
pub(crate) enum Owner<'a> {
    /// A role: its inline or attached policies.
    Role(&'a RoleName),
    /// An instance: its profiles or users.
    Instance(&'a InstanceId),
}

/// One page of what belongs to `owner`, read by `sql` whose parameters are (the owner's key,
/// the marker, the limit); `item` maps a row to its sort key and its value. `NotFound` of the
/// owner when the page is empty because there is no such owner.
pub(crate) async fn owned_page<T>(
    db: &SqlStore,
    owner: Owner<'_>,
    page: &PageRequest,
    sql: &'static str,
    item: impl Fn(&AnyRow) -> Result<(String, T), StoreError>,
) -> Result<Page<T>, StoreError> {
    let mut conn = db.read().acquire().await?;
    let key = match owner {
        Owner::Role(name) => name_key(name.as_str()),
        Owner::Instance(id) => id.as_str().to_owned(),
    };
    let rows = sqlx::query(sql)
        .bind(key)
        .bind(page_after(page))
        .bind(page_limit(page))
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(item)
        .collect::<Result<Vec<_>, _>>()?;
    if rows.is_empty() {
        match owner {
            Owner::Role(name) => iam::require_role(&mut conn, name).await?,
            Owner::Instance(id) => connect::require_instance(&mut conn, id).await?,
        }
    }
    Ok(into_page(rows, page))
}

/// Cuts the rows of a page query (`page_limit` of them at most) to the page asked for, and
/// sets the marker to the key of its last item when more follow.
pub(crate) fn into_page<T>(mut rows: Vec<(String, T)>, page: &PageRequest) -> Page<T> {
    let max = usize::try_from(page.max_items.max(1)).unwrap_or(usize::MAX);
    let truncated = rows.len() > max;
    rows.truncate(max);
    let next = if truncated {
        rows.last().map(|(key, _)| Marker::new(key.clone()))
    } else {
        None
    };
    Page {
        items: rows.into_iter().map(|(_, item)| item).collect(),
        next,
    }
}

#[async_trait]
impl Store for SqlStore {
    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.write).await?;
        sqlx::query("SELECT 1").execute(&self.read).await?;
        Ok(())
    }

    async fn close(&self) {
        self.group_commit.close().await;
        self.read.close().await;
        self.write.close().await;
    }

    async fn bootstrap_account(&self, candidate: &Account) -> Result<Bootstrapped, StoreError> {
        self.cache
            .changing(account::bootstrap(self, candidate))
            .await
    }

    async fn account(&self) -> Result<Account, StoreError> {
        account::get(self).await
    }

    async fn create_saml_provider(
        &self,
        provider: &SamlProvider,
        tags: &[Tag],
    ) -> Result<(), StoreError> {
        self.cache
            .changing(iam::saml_provider::create(self, provider, tags))
            .await
    }

    async fn saml_provider(&self, name: &ProviderName) -> Result<SamlProvider, StoreError> {
        let cache = &self.cache;
        cache
            .through(
                &cache.providers,
                name_key(name.as_str()),
                iam::saml_provider::get(self, name),
            )
            .await
    }

    async fn list_saml_providers(&self) -> Result<Vec<SamlProvider>, StoreError> {
        let cache = &self.cache;
        cache
            .through(
                &cache.provider_list,
                String::new(),
                iam::saml_provider::list(self),
            )
            .await
    }

    async fn update_saml_provider_metadata(
        &self,
        name: &ProviderName,
        metadata: &str,
        valid_until: OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.cache
            .changing(iam::saml_provider::update_metadata(
                self,
                name,
                metadata,
                valid_until,
            ))
            .await
    }

    async fn delete_saml_provider(&self, name: &ProviderName) -> Result<(), StoreError> {
        self.cache
            .changing(iam::saml_provider::delete(self, name))
            .await
    }

    async fn create_role(&self, role: &Role, tags: &[Tag]) -> Result<(), StoreError> {
        self.cache
            .changing(iam::role::create(self, role, tags))
            .await
    }

    async fn role(&self, name: &RoleName) -> Result<Role, StoreError> {
        let cache = &self.cache;
        cache
            .through(
                &cache.roles,
                name_key(name.as_str()),
                iam::role::get(self, name),
            )
            .await
    }

    async fn list_roles(
        &self,
        path_prefix: &IamPath,
        page: &PageRequest,
    ) -> Result<Page<Role>, StoreError> {
        iam::role::list(self, path_prefix, page).await
    }

    async fn update_role(&self, name: &RoleName, update: &RoleUpdate) -> Result<(), StoreError> {
        self.cache
            .changing(iam::role::update(self, name, update))
            .await
    }

    async fn update_role_trust_policy(
        &self,
        name: &RoleName,
        trust_policy: &str,
    ) -> Result<(), StoreError> {
        self.cache
            .changing(iam::role::update_trust_policy(self, name, trust_policy))
            .await
    }

    async fn delete_role(&self, name: &RoleName) -> Result<(), StoreError> {
        self.cache.changing(iam::role::delete(self, name)).await
    }

    async fn role_permissions(&self, name: &RoleName) -> Result<RolePermissions, StoreError> {
        let cache = &self.cache;
        cache
            .through(
                &cache.permissions,
                name_key(name.as_str()),
                iam::role::permissions(self, name),
            )
            .await
    }

    async fn put_role_policy(
        &self,
        role: &RoleName,
        policy: &PolicyName,
        document: &str,
    ) -> Result<(), StoreError> {
        self.cache
            .changing(iam::role_policy::put(self, role, policy, document))
            .await
    }

    async fn role_policy(
        &self,
        role: &RoleName,
        policy: &PolicyName,
    ) -> Result<RolePolicy, StoreError> {
        iam::role_policy::get(self, role, policy).await
    }

    async fn list_role_policies(
        &self,
        role: &RoleName,
        page: &PageRequest,
    ) -> Result<Page<PolicyName>, StoreError> {
        iam::role_policy::list(self, role, page).await
    }

    async fn delete_role_policy(
        &self,
        role: &RoleName,
        policy: &PolicyName,
    ) -> Result<(), StoreError> {
        self.cache
            .changing(iam::role_policy::delete(self, role, policy))
            .await
    }

    async fn create_managed_policy(
        &self,
        policy: &NewManagedPolicy,
        tags: &[Tag],
    ) -> Result<ManagedPolicy, StoreError> {
        self.cache
            .changing(iam::managed_policy::create(self, policy, tags))
            .await
    }

    async fn managed_policy(&self, key: &PolicyKey) -> Result<ManagedPolicy, StoreError> {
        iam::managed_policy::get(self, key).await
    }

    async fn list_managed_policies(
        &self,
        path_prefix: &IamPath,
        only_attached: bool,
        page: &PageRequest,
    ) -> Result<Page<ManagedPolicy>, StoreError> {
        iam::managed_policy::list(self, path_prefix, only_attached, page).await
    }

    async fn delete_managed_policy(&self, key: &PolicyKey) -> Result<(), StoreError> {
        self.cache
            .changing(iam::managed_policy::delete(self, key))
            .await
    }

    async fn policy_version(
        &self,
        key: &PolicyKey,
        version: &VersionId,
    ) -> Result<PolicyVersion, StoreError> {
        iam::managed_policy::version(self, key, version).await
    }

    async fn attach_role_policy(&self, role: &RoleName, key: &PolicyKey) -> Result<(), StoreError> {
        self.cache
            .changing(iam::attachment::attach(self, role, key))
            .await
    }

    async fn detach_role_policy(&self, role: &RoleName, key: &PolicyKey) -> Result<(), StoreError> {
        self.cache
            .changing(iam::attachment::detach(self, role, key))
            .await
    }

    async fn list_attached_role_policies(
        &self,
        role: &RoleName,
        page: &PageRequest,
    ) -> Result<Page<PolicyKey>, StoreError> {
        iam::attachment::list(self, role, page).await
    }

    async fn tag_resource(&self, target: TagTarget<'_>, tags: &[Tag]) -> Result<(), StoreError> {
        self.cache.changing(tag::tag(self, target, tags)).await
    }

    async fn untag_resource(
        &self,
        target: TagTarget<'_>,
        keys: &[String],
    ) -> Result<(), StoreError> {
        self.cache.changing(tag::untag(self, target, keys)).await
    }

    async fn tags(&self, target: TagTarget<'_>) -> Result<Vec<Tag>, StoreError> {
        tag::list(self, target).await
    }

    async fn insert_assertion_once(
        &self,
        issuer: &str,
        assertion_id: &str,
        expires_at: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        self.group_commit
            .insert_assertion_once(issuer, assertion_id, expires_at, None)
            .await
    }

    async fn redeem_assertion(
        &self,
        issuer: &str,
        assertion_id: &str,
        expires_at: OffsetDateTime,
        audit: Redemption,
    ) -> Result<bool, StoreError> {
        self.group_commit
            .insert_assertion_once(issuer, assertion_id, expires_at, Some(audit))
            .await
    }

    async fn create_session(&self, session: &Session) -> Result<(), StoreError> {
        self.group_commit.create_session(session).await
    }

    async fn active_session(
        &self,
        id: &SessionId,
        now: OffsetDateTime,
    ) -> Result<Session, StoreError> {
        ephemeral::active_session(self, id, now).await
    }

    async fn revoke_session(&self, id: &SessionId) -> Result<bool, StoreError> {
        ephemeral::revoke_session(self, id).await
    }

    async fn revoke_sessions_of(&self, subject: &str) -> Result<u64, StoreError> {
        ephemeral::revoke_sessions_of(self, subject).await
    }

    async fn redeem_one_time_token(
        &self,
        id: &TokenId,
        expires_at: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        self.group_commit.redeem_token_once(id, expires_at).await
    }

    async fn purge_expired(&self, now: OffsetDateTime, batch: u32) -> Result<Purged, StoreError> {
        ephemeral::purge_expired(self, now, batch).await
    }

    async fn append_audit(&self, events: &[AuditEvent]) -> Result<(), StoreError> {
        audit::append(self, events).await
    }

    async fn recent_audit(&self, limit: u32) -> Result<Vec<AuditRecord>, StoreError> {
        audit::recent(self, limit).await
    }

    async fn create_instance(&self, new: &NewInstance) -> Result<Instance, StoreError> {
        self.cache
            .changing(connect::instance::create(self, new))
            .await
    }

    async fn instance(&self, id: &InstanceId) -> Result<Instance, StoreError> {
        let cache = &self.cache;
        cache
            .through(
                &cache.instances,
                id.as_str().to_owned(),
                connect::instance::get(self, id),
            )
            .await
    }

    async fn instance_by_alias(&self, alias: &InstanceAlias) -> Result<Instance, StoreError> {
        let cache = &self.cache;
        cache
            .through(
                &cache.instances_by_alias,
                name_key(alias.as_str()),
                connect::instance::by_alias(self, alias),
            )
            .await
    }

    async fn list_instances(&self, page: &PageRequest) -> Result<Page<Instance>, StoreError> {
        connect::instance::list(self, page).await
    }

    async fn delete_instance(&self, id: &InstanceId) -> Result<(), StoreError> {
        self.cache
            .changing(connect::instance::delete(self, id))
            .await
    }

    async fn create_security_profile(
        &self,
        instance: &InstanceId,
        profile: &SecurityProfile,
    ) -> Result<(), StoreError> {
        self.cache
            .changing(connect::profile::create_security(self, instance, profile))
            .await
    }

    async fn security_profile(
        &self,
        instance: &InstanceId,
        id: &SecurityProfileId,
    ) -> Result<SecurityProfile, StoreError> {
        let cache = &self.cache;
        cache
            .through(
                &cache.security_profiles,
                cache::key(&[instance.as_str(), id.as_str()]),
                connect::profile::security(self, instance, id),
            )
            .await
    }

    async fn list_security_profiles(
        &self,
        instance: &InstanceId,
        page: &PageRequest,
    ) -> Result<Page<SecurityProfile>, StoreError> {
        connect::profile::list_security(self, instance, page).await
    }

    async fn update_security_profile(
        &self,
        instance: &InstanceId,
        profile: &SecurityProfile,
    ) -> Result<(), StoreError> {
        self.cache
            .changing(connect::profile::update_security(self, instance, profile))
            .await
    }

    async fn list_routing_profiles(
        &self,
        instance: &InstanceId,
        page: &PageRequest,
    ) -> Result<Page<RoutingProfile>, StoreError> {
        connect::profile::list_routing(self, instance, page).await
    }

    async fn create_user(
        &self,
        instance: &InstanceId,
        user: &User,
        tags: &[Tag],
    ) -> Result<(), StoreError> {
        self.cache
            .changing(connect::user::create(self, instance, user, tags))
            .await
    }

    async fn user(&self, instance: &InstanceId, id: &UserId) -> Result<User, StoreError> {
        let cache = &self.cache;
        cache
            .through(
                &cache.users,
                cache::key(&[instance.as_str(), id.as_str()]),
                connect::user::get(self, instance, id),
            )
            .await
    }

    async fn user_by_username(
        &self,
        instance: &InstanceId,
        username: &Username,
    ) -> Result<User, StoreError> {
        let cache = &self.cache;
        cache
            .through(
                &cache.users_by_username,
                cache::key(&[instance.as_str(), username.as_str()]),
                connect::user::by_username(self, instance, username),
            )
            .await
    }

    async fn list_users(
        &self,
        instance: &InstanceId,
        page: &PageRequest,
    ) -> Result<Page<User>, StoreError> {
        connect::user::list(self, instance, page).await
    }

    async fn search_users(
        &self,
        instance: &InstanceId,
        filter: Option<&UserFilter>,
        page: &PageRequest,
    ) -> Result<UserSearch, StoreError> {
        connect::search::users(self, instance, filter, page).await
    }

    async fn update_user(
        &self,
        instance: &InstanceId,
        id: &UserId,
        update: &UserUpdate,
    ) -> Result<(), StoreError> {
        self.cache
            .changing(connect::user::update(self, instance, id, update))
            .await
    }

    async fn delete_user(&self, instance: &InstanceId, id: &UserId) -> Result<(), StoreError> {
        self.cache
            .changing(connect::user::delete(self, instance, id))
            .await
    }

    async fn set_agent_status(
        &self,
        instance: &InstanceId,
        user: &UserId,
        status: AgentStatus,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        connect::user::set_status(self, instance, user, status, at).await
    }

    async fn agent_status(
        &self,
        instance: &InstanceId,
        user: &UserId,
    ) -> Result<(AgentStatus, Option<OffsetDateTime>), StoreError> {
        connect::user::status(self, instance, user).await
    }

    async fn begin_user_import(
        &self,
        instance: &InstanceId,
    ) -> Result<Box<dyn UserImport>, StoreError> {
        connect::user::begin_import(self, instance).await
    }
}

#[cfg(test)]
mod tests {
    use super::insert_rows;

    #[test]
    fn insert_rows_numbers_every_placeholder_once() {
        assert_eq!(
            insert_rows("INSERT INTO t (a, b)", 1, 2).0,
            "INSERT INTO t (a, b) VALUES ($1, $2)"
        );
        assert_eq!(
            insert_rows("INSERT INTO t (a, b, c)", 2, 3).0,
            "INSERT INTO t (a, b, c) VALUES ($1, $2, $3), ($4, $5, $6)"
        );
    }
}
