//! The parsed form of a policy. Built only by `parse.rs`, so every value in it is valid.

use crate::condition::Condition;
use crate::glob::Glob;
use crate::variables::Template;

/// Which kind of document a policy is; it decides which elements are required or refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyKind {
    /// An identity-based policy (inline or managed) of a role or user: `Resource` required,
    /// `Principal` refused.
    Identity,
    /// A role trust policy: `Principal` required, `Resource` refused, `sts:` actions only.
    Trust,
    /// A session policy passed to `AssumeRole*`: shaped like an identity policy.
    Session,
    /// A permissions boundary: a managed policy, shaped like an identity policy.
    Boundary,
}

impl PolicyKind {
    /// The quota a document of this kind must fit in, in characters without whitespace, and
    /// AWS's name for it (IAM-QUOTA; aws-behaviour.md §3.2).
    pub fn size_limit(self) -> (&'static str, usize) {
        match self {
            PolicyKind::Identity => ("RolePolicySize", ROLE_INLINE_POLICY_MAX_CHARS),
            PolicyKind::Trust => ("ACLSizePerRole", TRUST_POLICY_MAX_CHARS),
            PolicyKind::Session => ("PackedPolicySize", SESSION_POLICY_MAX_CHARS),
            PolicyKind::Boundary => ("PolicySize", MANAGED_POLICY_MAX_CHARS),
        }
    }

    /// `identity`, `trust`, `session` or `boundary`.
    pub fn name(self) -> &'static str {
        match self {
            PolicyKind::Identity => "identity",
            PolicyKind::Trust => "trust",
            PolicyKind::Session => "session",
            PolicyKind::Boundary => "boundary",
        }
    }
}

/// A managed policy (and so a permissions boundary): 6,144 characters.
pub const MANAGED_POLICY_MAX_CHARS: usize = 6_144;
/// All inline policies of a role together: 10,240 characters. One identity policy can be no
/// larger; the server checks the aggregate.
pub const ROLE_INLINE_POLICY_MAX_CHARS: usize = 10_240;
/// A role trust policy: 2,048 characters by default (the quota can be raised to 4,096 on AWS;
/// fedgate keeps the default).
pub const TRUST_POLICY_MAX_CHARS: usize = 2_048;
/// A session policy (`Policy` parameter of `AssumeRole*`): 2,048 characters.
pub const SESSION_POLICY_MAX_CHARS: usize = 2_048;
/// No document longer than this (in bytes, whitespace included) is even read: the length limit
/// of IAM's `policyDocumentType` (131,072 characters).
pub const MAX_DOCUMENT_BYTES: usize = 131_072 * 4;

/// The policy language version (`Version` element).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    /// `2008-10-17`, or no `Version`: `${…}` is literal text.
    V2008_10_17,
    /// `2012-10-17`: policy variables.
    V2012_10_17,
}

/// `Allow` or `Deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Effect {
    /// `"Effect": "Allow"`.
    Allow,
    /// `"Effect": "Deny"`.
    Deny,
}

/// A parsed, valid policy document.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub(crate) kind: PolicyKind,
    pub(crate) version: Version,
    pub(crate) id: Option<String>,
    pub(crate) statements: Vec<Statement>,
    pub(crate) size: usize,
}

impl Policy {
    /// The kind the document was parsed as.
    pub fn kind(&self) -> PolicyKind {
        self.kind
    }

    /// The `Version` element (`2008-10-17` when absent).
    pub fn version(&self) -> Version {
        self.version
    }

    /// The `Id` element.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// The statements, in document order.
    pub fn statements(&self) -> &[Statement] {
        &self.statements
    }

    /// The document's size as AWS counts it for quotas: characters, whitespace excluded.
    pub fn size(&self) -> usize {
        self.size
    }
}

/// One statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub(crate) sid: Option<String>,
    pub(crate) effect: Effect,
    pub(crate) principal: Option<PrincipalRule>,
    pub(crate) actions: Negatable<Vec<Glob>>,
    pub(crate) resources: Option<Negatable<Vec<ResourcePattern>>>,
    pub(crate) conditions: Vec<Condition>,
}

impl Statement {
    /// The `Sid` element (an empty `Sid` is kept as given).
    pub fn sid(&self) -> Option<&str> {
        self.sid.as_deref()
    }

    /// The `Effect` element.
    pub fn effect(&self) -> Effect {
        self.effect
    }
}

/// `Action` / `NotAction`, `Resource` / `NotResource`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Negatable<T> {
    /// The element lists what the statement covers.
    Listed(T),
    /// The `Not…` element lists what it does not cover.
    NotListed(T),
}

/// One entry of `Resource` or `NotResource`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ResourcePattern {
    /// `"*"`: every resource, and requests without one.
    Any,
    /// An ARN pattern.
    Arn(Box<ArnPattern>),
    /// Text IAM accepts but that has fewer than six segments (`arn:aws:fdsasf`): it
    /// matches nothing.
    Unmatchable,
}

/// An ARN pattern of `Resource`: the first five segments (`arn`, partition, service, region,
/// account) may have wildcards; the resource segment may also have variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ArnPattern {
    pub(crate) prefix: [Glob; 5],
    pub(crate) resource: Template,
}

/// The `Principal` element of a trust policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PrincipalRule {
    /// `"Principal": "*"`.
    Everyone,
    /// `"Principal": {"AWS": …, "Federated": …, "Service": …}`.
    Listed(Vec<PrincipalEntry>),
}

/// One value of the `Principal` element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PrincipalEntry {
    /// `"AWS": "*"`.
    AnyAws,
    /// `"AWS": "123456789012"` or `"arn:aws:iam::123456789012:root"`: the account.
    Account(String),
    /// `"AWS": "arn:…"`: one user, role or session.
    AwsArn(String),
    /// `"Federated": "…"`.
    Federated(String),
    /// `"Service": "…"`.
    Service(String),
}
