//! Revocable sessions, one-time tokens and what a purge removed.

use time::OffsetDateTime;

use super::string_id;

string_id! {
    /// A session's id: random, chosen by the server, carried in its sealed cookie.
    SessionId
}

string_id! {
    /// A one-time token's id: random, chosen by the server, carried in the sealed token.
    TokenId
}

/// What a session was opened for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionKind {
    /// The console session after a SAML sign-in.
    Console,
    /// A contact-center instance's web app session.
    Instance,
}

impl SessionKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Console => "console",
            Self::Instance => "instance",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        match s {
            "console" => Some(Self::Console),
            "instance" => Some(Self::Instance),
            _ => None,
        }
    }
}

/// A session that the server can end before its cookie expires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Its id.
    pub id: SessionId,
    /// What it is for.
    pub kind: SessionKind,
    /// Whose it is: the role session's ARN for a console session, the user's ARN for an
    /// instance session.
    pub subject: String,
    /// When it was opened.
    pub created_at: OffsetDateTime,
    /// When it ends, whatever happens.
    pub expires_at: OffsetDateTime,
}

/// How many expired rows one [`Store::purge_expired`](crate::Store::purge_expired) removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    /// Replay-cache rows.
    pub assertions: u64,
    /// Sessions.
    pub sessions: u64,
    /// One-time tokens.
    pub one_time_tokens: u64,
}

impl Purged {
    /// The rows removed, all tables together.
    pub fn total(&self) -> u64 {
        self.assertions + self.sessions + self.one_time_tokens
    }
}
