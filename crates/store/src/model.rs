//! What is stored: identifiers and records, free of any database type.
//!
//! The store keeps what the server has already validated against AWS's rules (name patterns,
//! lengths, limits); the identifiers here are thin newtypes that keep one kind of name from being
//! passed where another is expected, not validators.

mod account;
mod audit;
mod connect;
mod iam;
mod page;
mod session;

pub use account::{AccessKey, AccessKeyId, Account, AccountId, Bootstrapped, Sealed};
pub use audit::{AuditEvent, AuditRecord, Outcome, Redemption};
pub use connect::{
    AgentStatus, Comparison, IdentityManagement, Instance, InstanceAlias, InstanceId, NewInstance,
    PhoneConfig, PhoneType, RoutingProfile, RoutingProfileId, SecurityProfile, SecurityProfileId,
    User, UserField, UserFilter, UserId, UserSearch, UserUpdate, Username,
};
pub use iam::{
    IamPath, ManagedPolicy, NewManagedPolicy, PolicyId, PolicyKey, PolicyName, PolicyVersion,
    ProviderId, ProviderName, Role, RoleId, RoleName, RolePermissions, RolePolicy, RoleUpdate,
    SamlProvider, Tag, TagTarget, VersionId,
};
pub use page::{Marker, Page, PageRequest};
pub use session::{Purged, Session, SessionId, SessionKind, TokenId};

/// Defines a string newtype with `new`, `as_str`, `Display` and a `Debug` showing its kind.
macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Wraps a value the caller has validated.
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// The value as stored and shown.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_tuple(stringify!($name)).field(&self.0).finish()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}
use string_id;
