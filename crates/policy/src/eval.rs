//! Evaluation: which statements apply to a request, and what they decide (IAM-EVAL,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html>).

use std::fmt;

use crate::arn::Arn;
use crate::ast::{
    Effect, Negatable, Policy, PrincipalEntry, PrincipalRule, ResourcePattern, Statement,
};
use crate::context::{Context, Principal, Request};
use crate::glob::Glob;
use crate::text;

/// The policies that govern one request, by the role they play. Each must have been parsed
/// as its layer's [`PolicyKind`](crate::PolicyKind) (a session policy as `Session`, …); a
/// statement that its layer's kind would refuse (a `Principal` outside the trust layer, none
/// inside it) never applies.
#[derive(Debug, Clone, Copy, Default)]
pub struct PolicySet<'p> {
    /// The identity-based policies (inline and attached) of the principal.
    pub identity: &'p [Policy],
    /// The role trust policy, when the request is to assume a role.
    pub trust: Option<&'p Policy>,
    /// The permissions boundary, if one is set.
    pub boundary: Option<&'p Policy>,
    /// The session policies passed when the session was created (together, one layer).
    pub session: &'p [Policy],
}

/// Where a policy sits in a [`PolicySet`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layer {
    /// A role trust policy.
    Trust,
    /// An identity-based policy.
    Identity,
    /// A permissions boundary.
    Boundary,
    /// A session policy.
    Session,
}

impl Layer {
    /// `trust`, `identity`, `boundary` or `session`.
    pub fn name(self) -> &'static str {
        match self {
            Layer::Trust => "trust",
            Layer::Identity => "identity",
            Layer::Boundary => "boundary",
            Layer::Session => "session",
        }
    }
}

/// The answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// Every layer that must allow did, and nothing denied.
    Allow,
    /// A matching `Deny` statement.
    ExplicitDeny,
    /// No matching `Deny`, but a layer that must allow did not.
    ImplicitDeny,
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verdict::Allow => "Allow",
            Verdict::ExplicitDeny => "ExplicitDeny",
            Verdict::ImplicitDeny => "ImplicitDeny",
        })
    }
}

/// A statement that took part in a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatementRef<'p> {
    /// The layer of the policy.
    pub layer: Layer,
    /// The policy's index in its layer (0 for the trust policy and the boundary).
    pub policy: usize,
    /// The statement's index in the policy.
    pub statement: usize,
    /// The statement's `Sid`, if it has one.
    pub sid: Option<&'p str>,
    /// The statement's effect.
    pub effect: Effect,
}

/// The decision, with the statements that made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision<'p> {
    verdict: Verdict,
    deciding: Vec<StatementRef<'p>>,
    missing_allow: Option<Layer>,
}

impl<'p> Decision<'p> {
    /// `Allow`, `ExplicitDeny` or `ImplicitDeny`.
    pub fn effect(&self) -> Verdict {
        self.verdict
    }

    /// For `ExplicitDeny`, every matching `Deny` statement; for `Allow`, every matching
    /// `Allow` statement of every layer; for `ImplicitDeny`, nothing (see
    /// [`Decision::missing_allow`]).
    pub fn deciding(&self) -> &[StatementRef<'p>] {
        &self.deciding
    }

    /// For `ImplicitDeny`, the first layer (trust, identity, boundary, session) that had to
    /// allow and did not.
    pub fn missing_allow(&self) -> Option<Layer> {
        self.missing_allow
    }
}

/// Decides `request` against `policies`. Total: every input gives a decision.
///
/// 1. A matching `Deny` in any layer gives `ExplicitDeny`.
/// 2. Otherwise each layer that is present must have a matching `Allow`: the trust policy
///    (if any), the identity policies (required unless a trust policy is evaluated alone, as
///    for `AssumeRoleWithSAML`, whose caller has no identity policies), the boundary (if
///    any), and the session policies (if any). The effective permissions are the
///    intersection.
/// 3. Otherwise `ImplicitDeny`.
pub fn evaluate<'p>(policies: &PolicySet<'p>, request: &Request<'_>) -> Decision<'p> {
    let mut action_buffer = [0; INLINE_ACTION_BYTES];
    let prepared = Prepared {
        request,
        action: lowercase(request.action, &mut action_buffer),
        resource: request.resource.map(Arn::segments),
    };
    let layers = [
        (
            Layer::Trust,
            policies.trust.map(std::slice::from_ref).unwrap_or_default(),
        ),
        (Layer::Identity, policies.identity),
        (
            Layer::Boundary,
            policies
                .boundary
                .map(std::slice::from_ref)
                .unwrap_or_default(),
        ),
        (Layer::Session, policies.session),
    ];
    let mut allows = Vec::new();
    let mut denies = Vec::new();
    for (layer, layer_policies) in layers {
        for (policy_index, policy) in layer_policies.iter().enumerate() {
            for (statement_index, statement) in policy.statements.iter().enumerate() {
                if !applies(statement, layer, &prepared) {
                    continue;
                }
                let reference = StatementRef {
                    layer,
                    policy: policy_index,
                    statement: statement_index,
                    sid: statement.sid.as_deref(),
                    effect: statement.effect,
                };
                match statement.effect {
                    Effect::Allow => allows.push(reference),
                    Effect::Deny => denies.push(reference),
                }
            }
        }
    }
    if !denies.is_empty() {
        return Decision {
            verdict: Verdict::ExplicitDeny,
            deciding: denies,
            missing_allow: None,
        };
    }
    let required = [
        (Layer::Trust, policies.trust.is_some()),
        (
            Layer::Identity,
            policies.trust.is_none() || !policies.identity.is_empty(),
        ),
        (Layer::Boundary, policies.boundary.is_some()),
        (Layer::Session, !policies.session.is_empty()),
    ];
    for (layer, is_required) in required {
        if is_required
            && !allows
                .iter()
                .any(|allow: &StatementRef<'_>| allow.layer == layer)
        {
            return Decision {
                verdict: Verdict::ImplicitDeny,
                deciding: Vec::new(),
                missing_allow: Some(layer),
            };
        }
    }
    Decision {
        verdict: Verdict::Allow,
        deciding: allows,
        missing_allow: None,
    }
}

/// Actions up to this many bytes are lower-cased on the stack; longer ones (none is) in a
/// `String`.
const INLINE_ACTION_BYTES: usize = 128;

/// The request as every statement reads it, prepared once per evaluation.
struct Prepared<'r> {
    request: &'r Request<'r>,
    /// The action in lower case (policy actions were lower-cased when parsed).
    action: std::borrow::Cow<'r, str>,
    /// The resource ARN's six segments.
    resource: Option<[&'r str; 6]>,
}

/// `action` in lower case, as `str::to_lowercase` gives it: borrowed when it already is, in
/// `buffer` when it is short ASCII, allocated otherwise.
fn lowercase<'a>(
    action: &'a str,
    buffer: &'a mut [u8; INLINE_ACTION_BYTES],
) -> std::borrow::Cow<'a, str> {
    use std::borrow::Cow;
    if !action.is_ascii() {
        return Cow::Owned(action.to_lowercase());
    }
    if !action.bytes().any(|byte| byte.is_ascii_uppercase()) {
        return Cow::Borrowed(action);
    }
    let Some(lower) = buffer.get_mut(..action.len()) else {
        return Cow::Owned(action.to_ascii_lowercase());
    };
    lower.copy_from_slice(action.as_bytes());
    lower.make_ascii_lowercase();
    // INVARIANT: lower-cased ASCII is ASCII, so this never falls back.
    match std::str::from_utf8(lower) {
        Ok(lower) => Cow::Borrowed(lower),
        Err(_) => Cow::Owned(action.to_lowercase()),
    }
}

/// Whether `statement` applies to the request: principal (trust policies), action, resource
/// (other policies) and every condition.
fn applies(statement: &Statement, layer: Layer, prepared: &Prepared<'_>) -> bool {
    let request = prepared.request;
    // Cheapest and most selective first: the action, then the resource or principal, then the
    // conditions.
    if !negatable_any(&statement.actions, |glob: &Glob| {
        glob.matches(&prepared.action)
    }) {
        return false;
    }
    let target_ok = match (layer, &statement.principal, &statement.resources) {
        (Layer::Trust, Some(rule), _) => request
            .principal
            .is_some_and(|p| principal_matches(rule, p)),
        // INVARIANT: parse.rs requires a Principal in every trust statement and refuses one
        // elsewhere, and requires a Resource outside trust policies.
        (Layer::Trust, None, _) | (_, Some(_), _) | (_, None, None) => false,
        (_, None, Some(rule)) => negatable_any(rule, |pattern| {
            resource_matches(pattern, prepared.resource.as_ref(), request.context)
        }),
    };
    target_ok
        && statement
            .conditions
            .iter()
            .all(|c| c.holds(request.context))
}

/// `Listed`: some entry matches; `NotListed`: none does.
fn negatable_any<T>(rule: &Negatable<Vec<T>>, matches: impl Fn(&T) -> bool) -> bool {
    match rule {
        Negatable::Listed(entries) => entries.iter().any(matches),
        Negatable::NotListed(entries) => !entries.iter().any(matches),
    }
}

/// Whether the resource (as its six segments) matches `pattern`; no resource matches only
/// `"*"`.
fn resource_matches(
    pattern: &ResourcePattern,
    resource: Option<&[&str; 6]>,
    context: &Context,
) -> bool {
    let Some([arn, partition, service, region, account, rest]) = resource else {
        return *pattern == ResourcePattern::Any;
    };
    match pattern {
        ResourcePattern::Any => true,
        ResourcePattern::Unmatchable => false,
        ResourcePattern::Arn(pattern) => {
            let [
                arn_pattern,
                partition_pattern,
                service_pattern,
                region_pattern,
                account_pattern,
            ] = &pattern.prefix;
            arn_pattern.matches(arn)
                && partition_pattern.matches(partition)
                && service_pattern.matches(service)
                && region_pattern.matches(region)
                && account_pattern.matches(account)
                && pattern.resource.matches(context, rest)
        }
    }
}

fn principal_matches(rule: &PrincipalRule, principal: &Principal) -> bool {
    let PrincipalRule::Listed(entries) = rule else {
        return true;
    };
    entries.iter().any(|entry| match (entry, principal) {
        (PrincipalEntry::AnyAws, Principal::Aws(_)) => true,
        (PrincipalEntry::Account(account), Principal::Aws(arn)) => {
            text::equal(arn.account(), account)
        }
        (PrincipalEntry::AwsArn(expected), Principal::Aws(arn)) => {
            text::equal(expected, arn.as_str()) || session_of_role(arn, expected)
        }
        (PrincipalEntry::Federated(expected), Principal::Federated(provider)) => {
            text::equal(expected, provider)
        }
        (PrincipalEntry::Service(expected), Principal::Service(service)) => {
            text::equal(expected, service)
        }
        _ => false,
    })
}

/// Whether `session` (`arn:…:sts::ACCOUNT:assumed-role/NAME/SESSION`) is a session of the role
/// `role` (`arn:…:iam::ACCOUNT:role/PATH/NAME`): a trust or resource policy naming a role
/// covers its sessions (IAM-PRIN "Role sessions").
fn session_of_role(session: &Arn, role: &str) -> bool {
    let Ok(role) = Arn::parse(role) else {
        return false;
    };
    let Some(role_name) = role
        .resource()
        .strip_prefix("role/")
        .and_then(|path| path.rsplit('/').next())
    else {
        return false;
    };
    let session_role = session
        .resource()
        .strip_prefix("assumed-role/")
        .and_then(|rest| rest.split('/').next());
    role.service() == "iam"
        && session.service() == "sts"
        && role.partition() == session.partition()
        && role.account() == session.account()
        && session_role == Some(role_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercases_actions_as_to_lowercase_does() {
        let long = "S3:GetObject".repeat(20);
        for action in [
            "sts:AssumeRoleWithSAML",
            "s3:getobject",
            "",
            "S3:\u{212A}EY",
            "IAM:ΣΑΣ",
            long.as_str(),
        ] {
            let mut buffer = [0; INLINE_ACTION_BYTES];
            assert_eq!(
                lowercase(action, &mut buffer),
                action.to_lowercase(),
                "{action}"
            );
        }
    }
}
