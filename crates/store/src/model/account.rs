//! The account created on first start.

use std::fmt;

use time::OffsetDateTime;

use super::string_id;

string_id! {
    /// A 12-digit AWS account id.
    AccountId
}

string_id! {
    /// A long-term access key id (`AKIA…`).
    AccessKeyId
}

/// Bytes the server sealed under a key the store never sees (the administrator's secret, the
/// sealing key material): the store keeps them as they are and never prints them.
#[derive(Clone, PartialEq, Eq)]
pub struct Sealed(Vec<u8>);

impl Sealed {
    /// Wraps sealed bytes.
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// The sealed bytes, to be opened by the server.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Sealed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sealed({} bytes)", self.0.len())
    }
}

/// A long-term access key: its id and its sealed secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessKey {
    /// The key id, sent in the clear in SigV4's credential scope.
    pub id: AccessKeyId,
    /// The secret access key, sealed by the server.
    pub secret: Sealed,
}

/// The one account a fedgate deployment serves, read at every start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The 12-digit account id in every ARN.
    pub id: AccountId,
    /// The region in STS and Connect ARNs and SigV4 scopes.
    pub region: String,
    /// The administrator's access key: the account's root.
    pub admin_key: AccessKey,
    /// The server's sealing key material, sealed by the server.
    pub sealing_key: Sealed,
    /// When the account was created.
    pub created_at: OffsetDateTime,
}

/// What [`Store::bootstrap_account`](crate::Store::bootstrap_account) found or made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bootstrapped {
    /// The account now stored: the candidate, or the one another start stored first.
    pub account: Account,
    /// Whether this call created it.
    pub created: bool,
}
