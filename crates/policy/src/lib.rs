//! The IAM policy language: parse, validate, evaluate and explain.
//!
//! fedgate decides with this crate who may assume a federation role (the role trust policy,
//! with `SAML:aud`) and who may call `connect:GetFederationToken`, as AWS documents those
//! decisions.
//!
//! ```
//! use fedgate_policy::{Context, ContextValue, PolicyKind, PolicySet, Principal, Request, Verdict};
//!
//! let trust = fedgate_policy::Policy::parse(
//!     r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow",
//!         "Action": "sts:AssumeRoleWithSAML",
//!         "Principal": {"Federated": "arn:aws:iam::123456789012:saml-provider/Okta"},
//!         "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}}}"#,
//!     PolicyKind::Trust,
//! )?;
//! let mut context = Context::new();
//! context.insert("saml:aud", ContextValue::string("https://signin.aws.amazon.com/saml"));
//! let provider = Principal::classify("arn:aws:iam::123456789012:saml-provider/Okta");
//! let request = Request {
//!     principal: Some(&provider),
//!     action: "sts:AssumeRoleWithSAML",
//!     resource: None,
//!     context: &context,
//! };
//! let policies = PolicySet { trust: Some(&trust), ..PolicySet::default() };
//! let decision = fedgate_policy::evaluate(&policies, &request);
//! assert_eq!(decision.effect(), Verdict::Allow);
//! assert_eq!(decision.deciding()[0].statement, 0);
//! # Ok::<(), fedgate_policy::PolicyError>(())
//! ```
//!
//! # What it does
//! - [`Policy::parse`] reads a JSON document of a given [`PolicyKind`] (identity, trust,
//!   session, boundary) and applies IAM's rules and IAM's `MalformedPolicyDocument` messages
//!   (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html>),
//!   and the size quotas. Everything that could fail later fails here: unknown condition
//!   operators, unreadable numbers, dates, addresses and base64, bad ARNs.
//! - [`evaluate`] is therefore total: it returns a [`Decision`], never an error. Explicit
//!   `Deny` beats `Allow`, which beats the implicit deny; trust, identity, boundary and session
//!   policies must each allow (their intersection), as IAM-EVAL describes
//!   (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html>).
//!   The decision names the statements that made it.
//! - Conditions implement every operator of IAM-OPS with `…IfExists`, `ForAllValues:`,
//!   `ForAnyValue:` and `Null`; policy variables (`${aws:userid}`, defaults, `${*}`) follow
//!   IAM-VARS, and are literal text in version `2008-10-17` policies.
//!
//! # What it deliberately does not do
//! - No I/O, no clock, no environment, no logging: time comes in the request context
//!   (`aws:CurrentTime`), and the caller decides what the context holds.
//! - No knowledge of SAML or of any service's resource types: the server maps SAML attributes
//!   to context keys and requests to (action, resource).
//! - Not modelled: resource-based policies other than role trust policies, SCPs/RCPs,
//!   cross-account rules, and IAM's conversion of principal ARNs to unique IDs.
//!
//! # Trust boundary
//! Policy documents come from API callers and the request context partly from signed SAML
//! assertions: both are untrusted. Every input dimension is bounded
//! ([`MAX_DOCUMENT_BYTES`], the per-kind quotas, [`MAX_NUMBER_CHARS`], JSON depth), wildcard
//! matching never backtracks exponentially, and no input reaches a panic.

mod arn;
mod ast;
mod condition;
mod context;
mod error;
mod eval;
#[doc(hidden)]
pub mod fuzzing;
mod glob;
mod json;
mod parse;
mod text;
mod value;
mod variables;
mod wildcard;

pub use arn::{Arn, ArnError, PARTITIONS};
pub use ast::{
    Effect, MANAGED_POLICY_MAX_CHARS, MAX_DOCUMENT_BYTES, Policy, PolicyKind,
    ROLE_INLINE_POLICY_MAX_CHARS, SESSION_POLICY_MAX_CHARS, Statement, TRUST_POLICY_MAX_CHARS,
    Version,
};
pub use context::{
    Context, ContextValue, ContextValueError, Principal, Request, parse_context_entry,
};
pub use error::{Malformed, PolicyError};
pub use eval::{Decision, Layer, PolicySet, StatementRef, Verdict, evaluate};
pub use value::{Cidr, Date, MAX_NUMBER_CHARS, Number};

impl Policy {
    /// Parses and validates a policy document of the given kind.
    ///
    /// # Errors
    /// [`PolicyError::Malformed`] with IAM's message when the document breaks the grammar or
    /// the rules of its kind; [`PolicyError::LimitExceeded`] when it is over its kind's quota.
    pub fn parse(text: &str, kind: PolicyKind) -> Result<Policy, PolicyError> {
        parse::parse(text, kind)
    }
}
