//! The store's one error type: what went wrong, in the terms the server answers with.

use std::fmt;

/// Why a store operation failed.
///
/// `NotFound` and `Conflict` name the entity, so that the server can answer with AWS's
/// `NoSuchEntity`, `EntityAlreadyExists` or `DeleteConflict` and the right message; everything
/// the database itself could not do is `Unavailable`, whose source is kept for the log.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The entity addressed does not exist (or, for a session, has expired or was revoked).
    #[error("{0} not found")]
    NotFound(Entity),
    /// The write would break a uniqueness or reference rule.
    #[error("conflict: {0}")]
    Conflict(Conflict),
    /// The request is larger than the store accepts (the server's own, AWS-shaped limits
    /// are smaller): the name says which limit.
    #[error("exceeds the store's limit on {0}")]
    LimitExceeded(&'static str),
    /// The database URL is not one this crate understands.
    #[error("invalid database url: {0}")]
    InvalidUrl(String),
    /// The database failed (connection, I/O, migration, a stored value that does not decode),
    /// or a bulk import was asked to go on after one of its writes failed.
    #[error("the database is unavailable")]
    Unavailable(#[source] BackendError),
}

/// The kinds of stored things, as named in errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Entity {
    /// The account record written on first start.
    Account,
    /// An IAM SAML provider.
    SamlProvider,
    /// An IAM role.
    Role,
    /// An inline policy embedded in a role.
    RolePolicy,
    /// A customer managed policy.
    ManagedPolicy,
    /// A version of a managed policy.
    PolicyVersion,
    /// The attachment of a managed policy to a role.
    Attachment,
    /// A revocable session.
    Session,
    /// A one-time token.
    OneTimeToken,
    /// A contact-center instance.
    Instance,
    /// A security profile of an instance.
    SecurityProfile,
    /// A routing profile of an instance.
    RoutingProfile,
    /// A user of an instance.
    User,
}

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Account => "account",
            Self::SamlProvider => "saml provider",
            Self::Role => "role",
            Self::RolePolicy => "role policy",
            Self::ManagedPolicy => "managed policy",
            Self::PolicyVersion => "policy version",
            Self::Attachment => "policy attachment",
            Self::Session => "session",
            Self::OneTimeToken => "one-time token",
            Self::Instance => "instance",
            Self::SecurityProfile => "security profile",
            Self::RoutingProfile => "routing profile",
            Self::User => "user",
        })
    }
}

/// A write refused because of what is already stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Conflict {
    /// An entity with this name (names compare ASCII-case-insensitively, as IAM's do) exists.
    AlreadyExists(Entity),
    /// The entity cannot be deleted while others refer to it: a role with inline or attached
    /// policies, a managed policy attached to a role (AWS's `DeleteConflict`).
    InUse(Entity),
}

impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AlreadyExists(entity) => write!(f, "{entity} already exists"),
            Self::InUse(entity) => write!(f, "{entity} is in use"),
        }
    }
}

/// A failure told to several callers: the driver's error, whichever driver wrote.
pub(crate) type SharedFailure = std::sync::Arc<dyn std::error::Error + Send + Sync>;

/// The database's own error, kept opaque so that no driver type is part of this crate's API.
pub struct BackendError(Inner);

enum Inner {
    Driver(sqlx::Error),
    Migrate(sqlx::migrate::MigrateError),
    Corrupt(&'static str),
    Abandoned(&'static str),
    /// One failure answered to every call of a batch.
    Shared(SharedFailure),
    /// The group-commit writer of a SQLite file could not start.
    Writer(Box<dyn std::error::Error + Send + Sync>),
}

impl BackendError {
    /// A stored value that this version cannot read back (a timestamp out of range, an unknown
    /// enumeration value): only a database written by something else produces it.
    pub(crate) fn corrupt(what: &'static str) -> Self {
        Self(Inner::Corrupt(what))
    }

    /// The failure of a batch that this call was written in.
    pub(crate) fn shared(failure: SharedFailure) -> Self {
        Self(Inner::Shared(failure))
    }

    /// The group-commit writer of a SQLite file that could not start.
    pub(crate) fn writer(failure: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self(Inner::Writer(Box::new(failure)))
    }

    /// A transaction that an earlier failure left unusable, asked to go on.
    pub(crate) fn abandoned(what: &'static str) -> Self {
        Self(Inner::Abandoned(what))
    }
}

impl fmt::Debug for BackendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Inner::Driver(e) => fmt::Debug::fmt(e, f),
            Inner::Migrate(e) => fmt::Debug::fmt(e, f),
            Inner::Corrupt(what) => write!(f, "Corrupt({what:?})"),
            Inner::Abandoned(what) => write!(f, "Abandoned({what:?})"),
            Inner::Shared(e) => fmt::Debug::fmt(e, f),
            Inner::Writer(e) => f.debug_tuple("Writer").field(e).finish(),
        }
    }
}

impl fmt::Display for BackendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Inner::Driver(e) => fmt::Display::fmt(e, f),
            Inner::Migrate(e) => write!(f, "migration failed: {e}"),
            Inner::Corrupt(what) => write!(f, "stored value does not decode: {what}"),
            Inner::Abandoned(what) => write!(f, "{what} failed earlier and was rolled back"),
            Inner::Shared(e) => fmt::Display::fmt(e, f),
            Inner::Writer(e) => write!(f, "the SQLite writer did not start: {e}"),
        }
    }
}

impl std::error::Error for BackendError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.0 {
            Inner::Driver(e) => Some(e),
            Inner::Migrate(e) => Some(e),
            Inner::Shared(e) => Some(&**e as &(dyn std::error::Error + 'static)),
            Inner::Writer(e) => Some(&**e as &(dyn std::error::Error + 'static)),
            Inner::Corrupt(_) | Inner::Abandoned(_) => None,
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        Self::Unavailable(BackendError(Inner::Driver(e)))
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        Self::Unavailable(BackendError(Inner::Migrate(e)))
    }
}

/// Maps a failed write to the conflict it means for `entity`: a unique key taken is
/// `AlreadyExists`, a reference still held is `InUse`, anything else is `Unavailable`.
pub(crate) fn write_error(entity: Entity) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |e| match e.as_database_error() {
        Some(db) if db.is_unique_violation() => {
            StoreError::Conflict(Conflict::AlreadyExists(entity))
        }
        Some(db) if db.is_foreign_key_violation() => StoreError::Conflict(Conflict::InUse(entity)),
        _ => StoreError::from(e),
    }
}
