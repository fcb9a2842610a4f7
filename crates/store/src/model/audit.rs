//! The audit trail: sign-in attempts and calls, with their outcome and precise reason.

use time::OffsetDateTime;

/// Whether the audited attempt succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// It did what was asked.
    Success,
    /// It was refused or failed; the event's detail says why.
    Failure,
}

impl Outcome {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        match s {
            "success" => Some(Self::Success),
            "failure" => Some(Self::Failure),
            _ => None,
        }
    }
}

/// One audited event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// When it happened.
    pub at: OffsetDateTime,
    /// The request id of the call or page it belongs to.
    pub request_id: String,
    /// Who acted: an ARN, an access key id, or the SAML issuer and subject.
    pub actor: String,
    /// What was attempted, e.g. `sts:AssumeRoleWithSAML`, `signin:SAML`.
    pub action: String,
    /// Whether it succeeded.
    pub outcome: Outcome,
    /// The rest (IdP, role, session name, source address, rejection reason) as JSON text.
    pub detail: String,
}

/// The audit of an attempt that ends with a replay-cache key: the event appended with the key,
/// in its transaction, chosen by whether the key was new.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redemption {
    /// Appended when the key was new: the attempt succeeded.
    pub first_use: AuditEvent,
    /// Appended when the key had been used: the attempt is a replay.
    pub replayed: AuditEvent,
}

impl Redemption {
    /// The event to append, given whether the key was new.
    pub(crate) fn event(&self, first_use: bool) -> &AuditEvent {
        if first_use {
            &self.first_use
        } else {
            &self.replayed
        }
    }
}

/// An event as stored, with its position in the trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// Increasing with every append (gaps are possible).
    pub seq: i64,
    /// The event.
    pub event: AuditEvent,
}
