//! Persistence for fedgate: one [`Store`] trait, with SQLite and PostgreSQL behind it.
//!
//! What it does: keeps everything that must survive a restart or be shared between nodes (the
//! account, IAM's SAML providers, roles and policies, the SAML replay cache, revocable sessions,
//! one-time tokens, the audit trail, and the contact-center instances with their profiles and
//! users) and makes the operations that must be atomic atomic in the database itself, so that
//! any number of `fedgate serve` processes sharing one database behave as one server: an
//! assertion is accepted once, a one-time token redeemed once, an account bootstrapped once.
//!
//! What it does not: validate AWS's rules (name patterns, lengths, quotas: the server does, with
//! AWS's messages), read the clock (every instant is an argument), seal or open secrets (it keeps
//! the server's sealed bytes as they are), or know anything of HTTP.
//!
//! Trust boundary: the database is trusted; what callers pass has been validated by the server
//! (the store bounds only what could otherwise make a statement fail: replay-cache keys, search
//! filters). Every value is a bound parameter; no input becomes SQL text.
//!
//! Backends: [`connect`] picks one by the URL: `postgres://…` (or `postgresql://…`) for the
//! multi-node backend, `sqlite://path`, `sqlite:path`, `sqlite::memory:` or a plain file path for
//! the embedded default (WAL, created if missing). Both run the same SQL (in `sql/`); what
//! differs between them (connection setup, transactions, migrations) lives in `sqlite.rs` and
//! `postgres.rs`, with one migrations folder each. `connect` (or [`connect_with`], to size the
//! pools) applies pending migrations. Choices the AWS documentation leaves open are recorded in
//! `docs/decisions.md`.
//!
//! Consistency across nodes: reads of SAML providers, roles and their permissions, instances,
//! users and security profiles are cached for up to two seconds; a node sees its own writes at
//! once, other nodes' within two seconds (IAM's eventual consistency). Everything that decides
//! a replay (assertions, token redemptions) and sessions are never cached. The writes every
//! sign-in makes (replay keys, token redemptions, sessions, audit events) are committed in
//! groups with the other sign-ins waiting at that moment; each call is answered after its own
//! rows committed.

mod error;
mod model;
mod postgres;
mod sql;
mod sqlite;
mod store;

use std::sync::Arc;

pub use error::{BackendError, Conflict, Entity, StoreError};
pub use model::{
    AccessKey, AccessKeyId, Account, AccountId, AgentStatus, AuditEvent, AuditRecord, Bootstrapped,
    Comparison, IamPath, IdentityManagement, Instance, InstanceAlias, InstanceId, ManagedPolicy,
    Marker, NewInstance, NewManagedPolicy, Outcome, Page, PageRequest, PhoneConfig, PhoneType,
    PolicyId, PolicyKey, PolicyName, PolicyVersion, ProviderId, ProviderName, Purged, Redemption,
    Role, RoleId, RoleName, RolePermissions, RolePolicy, RoleUpdate, RoutingProfile,
    RoutingProfileId, SamlProvider, Sealed, SecurityProfile, SecurityProfileId, Session, SessionId,
    SessionKind, Tag, TagTarget, TokenId, User, UserField, UserFilter, UserId, UserSearch,
    UserUpdate, Username, VersionId,
};
pub use store::{Store, UserImport};

/// Connects to the database at `url` with the default [`StoreOptions`], applies its pending
/// migrations, and returns the store.
///
/// Errors: `InvalidUrl` for a URL of no known backend, `Unavailable` if the database cannot be
/// reached or migrated (including a database migrated by a newer fedgate).
pub async fn connect(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    connect_with(url, &StoreOptions::default()).await
}

/// [`connect`], with pool sizes of the caller's choosing.
pub async fn connect_with(url: &str, options: &StoreOptions) -> Result<Arc<dyn Store>, StoreError> {
    let store = if postgres::accepts(url) {
        postgres::connect(url, options).await?
    } else {
        sqlite::connect(url, options).await?
    };
    Ok(Arc::new(store))
}

/// How many connections a store opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreOptions {
    /// PostgreSQL: connections per node, for reads and writes (the database's
    /// `max_connections` bounds the sum over all nodes). Default 16.
    pub postgres_connections: u32,
    /// SQLite: read-only connections beside the one writer (unused in memory). Default 4.
    pub sqlite_readers: u32,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            postgres_connections: 16,
            sqlite_readers: 4,
        }
    }
}
