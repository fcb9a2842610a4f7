//! JSON text → [`Policy`], with IAM's checks in IAM's order and IAM's messages.
//!
//! The order of the checks decides which message a document with several faults gets. It
//! follows the behaviour reproduced by moto's AWS-validated tests (MOTO-IAM
//! `policy_validation.py`, aws-behaviour.md §3.9):
//! 1. syntax (JSON, element names and types, operators) — `Syntax errors in policy.`;
//! 2. `Version` — `Policy document must be version 2012-10-17 or greater.`;
//! 3. "legacy parsing": `Effect`'s exact case, typed condition values, resource shapes —
//!    `The policy failed legacy parsing` (a resource *format* error found here is reported
//!    later, step 6);
//! 4. unique `Sid`s; 5. actions present; 6. the deferred resource format error;
//! 7. action vendors; 8. per kind: resources present (identity, session, boundary), or the
//!    trust policy rules; then `Principal` rules.

use std::collections::HashSet;

use base64::Engine as _;

use crate::arn::{Arn, PARTITIONS};
use crate::ast::{
    ArnPattern, Effect, MAX_DOCUMENT_BYTES, Negatable, Policy, PolicyKind, PrincipalEntry,
    PrincipalRule, ResourcePattern, Statement, Version,
};
use crate::condition::{ArnValue, Condition, Operator, Test, Values};
use crate::error::{Malformed, PolicyError, messages};
use crate::glob::Glob;
use crate::json::Json;
use crate::value::{Cidr, Date, Number};
use crate::variables::{Syntax, Template};

/// The actions a trust policy may name (MOTO-IAM `IAMTrustPolicyDocumentValidator`, from
/// the Service Authorization Reference for STS).
const TRUST_ACTIONS: [&str; 11] = [
    "sts:assumerole",
    "sts:assumerolewithsaml",
    "sts:assumerolewithwebidentity",
    "sts:decodeauthorizationmessage",
    "sts:getaccesskeyinfo",
    "sts:getcalleridentity",
    "sts:getfederationtoken",
    "sts:getservicebearertoken",
    "sts:getsessiontoken",
    "sts:setsourceidentity",
    "sts:tagsession",
];

const TOP_ELEMENTS: [&str; 3] = ["Version", "Id", "Statement"];
const STATEMENT_ELEMENTS: [&str; 9] = [
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];
const PRINCIPAL_TYPES: [&str; 3] = ["AWS", "Federated", "Service"];

/// Parses and validates a policy document of the given kind.
pub(crate) fn parse(text: &str, kind: PolicyKind) -> Result<Policy, PolicyError> {
    let (_, limit) = kind.size_limit();
    if text.len() > MAX_DOCUMENT_BYTES {
        return Err(PolicyError::LimitExceeded {
            kind,
            limit,
            size: text.len(),
        });
    }
    let size = text.chars().filter(|c| !c.is_whitespace()).count();
    if size > limit {
        return Err(PolicyError::LimitExceeded { kind, limit, size });
    }
    let json = Json::parse(text).ok_or_else(|| malformed(messages::SYNTAX, ""))?;
    let document = syntax(&json)?;
    let version = match (document.version, kind) {
        (Some("2012-10-17"), _) => Version::V2012_10_17,
        (_, PolicyKind::Trust) => Version::V2008_10_17,
        _ => return Err(malformed(messages::VERSION, "/Version")),
    };
    let deferred_resource_error = legacy(&document.statements)?;
    unique_sids(&document.statements)?;
    for statement in &document.statements {
        if statement
            .actions
            .as_ref()
            .is_none_or(|(_, list)| list.is_empty())
        {
            return Err(malformed(messages::NO_ACTIONS, statement.pointer("")));
        }
    }
    if let Some(error) = deferred_resource_error {
        return Err(error);
    }
    for statement in &document.statements {
        if let Some((_, actions)) = &statement.actions {
            for action in actions {
                check_action_vendor(action)
                    .map_err(|m| malformed(m, statement.pointer("/Action")))?;
            }
        }
    }
    match kind {
        PolicyKind::Trust => check_trust(&document.statements)?,
        PolicyKind::Identity | PolicyKind::Session | PolicyKind::Boundary => {
            for statement in &document.statements {
                if statement
                    .resources
                    .as_ref()
                    .is_none_or(|(_, list)| list.is_empty())
                {
                    return Err(malformed(messages::NO_RESOURCES, statement.pointer("")));
                }
                if statement.principal.is_some() || statement.not_principal {
                    return Err(malformed(
                        messages::PRINCIPAL_FORBIDDEN,
                        statement.pointer("/Principal"),
                    ));
                }
            }
        }
    }
    let statements = document
        .statements
        .iter()
        .map(|raw| build_statement(raw, version))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Policy {
        kind,
        version,
        id: document.id.map(str::to_owned),
        statements,
        size,
    })
}

fn malformed(message: impl Into<String>, location: impl Into<String>) -> PolicyError {
    PolicyError::Malformed(Malformed::new(message, location))
}

/// The document after the syntax check: borrowed from the JSON tree.
struct Document<'j> {
    version: Option<&'j str>,
    id: Option<&'j str>,
    statements: Vec<RawStatement<'j>>,
}

/// `(negated, entries)` of `Action`/`NotAction` or `Resource`/`NotResource`.
type Listing<'j> = (bool, Vec<&'j str>);

struct RawStatement<'j> {
    index: usize,
    sid: Option<&'j str>,
    effect: &'j str,
    principal: Option<&'j Json>,
    not_principal: bool,
    actions: Option<Listing<'j>>,
    resources: Option<Listing<'j>>,
    conditions: Vec<RawCondition<'j>>,
}

impl RawStatement<'_> {
    fn pointer(&self, rest: &str) -> String {
        format!("/Statement/{}{rest}", self.index)
    }
}

struct RawCondition<'j> {
    operator: Operator,
    operator_name: &'j str,
    key: &'j str,
    values: Vec<String>,
}

/// Step 1: everything that is `Syntax errors in policy.`.
fn syntax(json: &Json) -> Result<Document<'_>, PolicyError> {
    let syntax_error = |location: &str| malformed(messages::SYNTAX, location);
    let Json::Object(members) = json else {
        return Err(syntax_error(""));
    };
    for (name, _) in members {
        if !TOP_ELEMENTS.contains(&name.as_str()) {
            return Err(syntax_error(""));
        }
    }
    let version = match json.member("Version") {
        None => None,
        Some(Json::String(version)) if version == "2012-10-17" || version == "2008-10-17" => {
            Some(version.as_str())
        }
        Some(_) => return Err(syntax_error("/Version")),
    };
    let id = match json.member("Id") {
        None => None,
        Some(Json::String(id)) => Some(id.as_str()),
        Some(_) => return Err(syntax_error("/Id")),
    };
    let statements: Vec<&Json> = match json.member("Statement") {
        Some(single @ Json::Object(_)) => vec![single],
        Some(Json::Array(items)) if !items.is_empty() => items.iter().collect(),
        _ => return Err(syntax_error("/Statement")),
    };
    let statements = statements
        .into_iter()
        .enumerate()
        .map(|(index, statement)| statement_syntax(index, statement))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Document {
        version,
        id,
        statements,
    })
}

fn statement_syntax(index: usize, json: &Json) -> Result<RawStatement<'_>, PolicyError> {
    let here = |rest: &str| malformed(messages::SYNTAX, format!("/Statement/{index}{rest}"));
    let Json::Object(members) = json else {
        return Err(here(""));
    };
    for (name, _) in members {
        if !STATEMENT_ELEMENTS.contains(&name.as_str()) {
            return Err(here(""));
        }
    }
    let listing = |element: &str, not_element: &str| -> Result<Option<Listing<'_>>, PolicyError> {
        match (json.member(element), json.member(not_element)) {
            (Some(_), Some(_)) => Err(here("")),
            (Some(value), None) => Ok(Some((
                false,
                string_list(value).ok_or_else(|| here(&format!("/{element}")))?,
            ))),
            (None, Some(value)) => Ok(Some((
                true,
                string_list(value).ok_or_else(|| here(&format!("/{not_element}")))?,
            ))),
            (None, None) => Ok(None),
        }
    };
    let actions = listing("Action", "NotAction")?;
    let resources = listing("Resource", "NotResource")?;
    let effect = match json.member("Effect") {
        Some(Json::String(effect))
            if effect.eq_ignore_ascii_case("allow") || effect.eq_ignore_ascii_case("deny") =>
        {
            effect.as_str()
        }
        _ => return Err(here("/Effect")),
    };
    let sid = match json.member("Sid") {
        None => None,
        Some(Json::String(sid)) => Some(sid.as_str()),
        Some(_) => return Err(here("/Sid")),
    };
    let principal = json.member("Principal");
    for (element, value) in [
        ("Principal", principal),
        ("NotPrincipal", json.member("NotPrincipal")),
    ] {
        if let Some(value) = value
            && !principal_shape_ok(value)
        {
            return Err(here(&format!("/{element}")));
        }
    }
    let conditions = match json.member("Condition") {
        None => Vec::new(),
        Some(condition) => {
            condition_syntax(condition).map_err(|rest| here(&format!("/Condition{rest}")))?
        }
    };
    Ok(RawStatement {
        index,
        sid,
        effect,
        principal,
        not_principal: json.member("NotPrincipal").is_some(),
        actions,
        resources,
        conditions,
    })
}

/// A string, or an array of strings (`null` entries are skipped: IAM accepts them, MOTO-IAM
/// `valid_policy_documents`).
fn string_list(json: &Json) -> Option<Vec<&str>> {
    match json {
        Json::String(single) => Some(vec![single.as_str()]),
        Json::Array(items) => items
            .iter()
            .filter(|item| **item != Json::Null)
            .map(|item| match item {
                Json::String(text) => Some(text.as_str()),
                _ => None,
            })
            .collect(),
        _ => None,
    }
}

fn principal_shape_ok(json: &Json) -> bool {
    match json {
        Json::String(text) => text == "*",
        Json::Object(members) => members
            .iter()
            .all(|(_, value)| string_list(value).is_some()),
        _ => false,
    }
}

/// The `Condition` block; on error, the JSON pointer below `/Condition`.
fn condition_syntax(json: &Json) -> Result<Vec<RawCondition<'_>>, String> {
    let Json::Object(operators) = json else {
        return Err(String::new());
    };
    let mut conditions = Vec::new();
    for (operator_name, block) in operators {
        let Json::Object(keys) = block else {
            return Err(format!("/{operator_name}"));
        };
        let Some(operator) = Operator::parse(operator_name) else {
            // IAM accepts an unknown operator with no keys, and it has no effect
            // (MOTO-IAM `valid_policy_documents`: `{"x": {}, "y": {}}`).
            if keys.is_empty() {
                continue;
            }
            return Err(format!("/{operator_name}"));
        };
        for (key, values) in keys {
            let values =
                condition_values(values).ok_or_else(|| format!("/{operator_name}/{key}"))?;
            conditions.push(RawCondition {
                operator,
                operator_name,
                key,
                values,
            });
        }
    }
    Ok(conditions)
}

/// Condition values: a string, number or boolean, or an array of them (IAM-GRAMMAR
/// `<condition_value>`), as text.
fn condition_values(json: &Json) -> Option<Vec<String>> {
    let scalar = |json: &Json| match json {
        Json::String(text) | Json::Number(text) => Some(text.clone()),
        Json::Bool(value) => Some(value.to_string()),
        _ => None,
    };
    match json {
        Json::Array(items) => items.iter().map(scalar).collect(),
        single => Some(vec![scalar(single)?]),
    }
}

/// Step 3, "legacy parsing": the exact case of `Effect`, typed condition values and resource
/// shapes. A resource *format* error is returned (not raised): IAM reports it after the
/// `Sid` and action checks.
fn legacy(statements: &[RawStatement<'_>]) -> Result<Option<PolicyError>, PolicyError> {
    for statement in statements {
        if statement.effect != "Allow" && statement.effect != "Deny" {
            return Err(malformed(messages::LEGACY, statement.pointer("/Effect")));
        }
        for condition in &statement.conditions {
            if !typed_values_ok(condition) {
                let at = format!("/Condition/{}/{}", condition.operator_name, condition.key);
                return Err(malformed(messages::LEGACY, statement.pointer(&at)));
            }
        }
    }
    let mut format_error: Option<PolicyError> = None;
    for statement in statements {
        let Some((negated, resources)) = &statement.resources else {
            continue;
        };
        let element = if *negated {
            "/NotResource"
        } else {
            "/Resource"
        };
        for resource in resources {
            if let Err(message) = resource_format(resource) {
                format_error.get_or_insert_with(|| malformed(message, statement.pointer(element)));
            }
        }
        if format_error.is_none()
            && !resources
                .iter()
                .all(|resource| legacy_resource_ok(resource))
        {
            return Err(malformed(messages::LEGACY, statement.pointer(element)));
        }
    }
    Ok(format_error)
}

/// Whether the values of a typed operator read as that type. Dates follow IAM (MOTO-IAM);
/// refusing unreadable numbers, addresses, base64 and booleans here too is fedgate's choice,
/// so that evaluation never meets a value it cannot read.
fn typed_values_ok(condition: &RawCondition<'_>) -> bool {
    let all = |ok: fn(&str) -> bool| condition.values.iter().all(|value| ok(value));
    match condition.operator.test {
        Test::Numeric(_) => all(|v| Number::parse(v).is_some()),
        Test::Date(_) => all(|v| Date::parse(v).is_some()),
        Test::Ip => all(|v| Cidr::parse(v).is_some()),
        Test::Binary => all(|v| base64::engine::general_purpose::STANDARD.decode(v).is_ok()),
        Test::Null => all(|v| parse_bool(v).is_some()),
        // A Bool value may be a variable; a literal one must be true or false.
        Test::Bool => all(|v| parse_bool(v).is_some() || v.contains("${")),
        Test::StringEquals | Test::StringEqualsIgnoreCase | Test::StringLike | Test::Arn => true,
    }
}

fn parse_bool(text: &str) -> Option<bool> {
    if text.eq_ignore_ascii_case("true") {
        Some(true)
    } else if text.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// IAM's legacy shape check of a resource (MOTO-IAM `_legacy_parse_resource_like`): five
/// colons or no `::`, and a non-empty third segment.
fn legacy_resource_ok(resource: &str) -> bool {
    resource == "*"
        || ((resource.matches(':').count() >= 5 || !resource.contains("::"))
            && resource
                .split(':')
                .nth(2)
                .is_some_and(|service| !service.is_empty()))
}

/// IAM's format check of a resource, with IAM's messages (MOTO-IAM
/// `_validate_resource_format`), plus fedgate's: the first segment must be `arn` and the
/// service segment may not have wildcards (IAM "Resource" page: "You can't use a wildcard in
/// the service segment").
fn resource_format(resource: &str) -> Result<(), String> {
    if resource == "*" {
        return Ok(());
    }
    let not_arn = || format!("Resource {resource} must be in ARN format or \"*\".");
    let Some((first, rest)) = resource.split_once(':') else {
        return Err(not_arn());
    };
    let (partition, after_partition) = match rest.split_once(':') {
        Some((partition, after)) => (partition, Some(after)),
        None => (rest, None),
    };
    if !PARTITIONS.contains(&partition) {
        return Err(partition_message(
            partition,
            after_partition.unwrap_or_default(),
        ));
    }
    let Some(after_partition) = after_partition else {
        return Err(messages::VENDOR_REGEX.to_owned());
    };
    let (service, after_service) = after_partition
        .split_once(':')
        .unwrap_or((after_partition, ""));
    if service.contains(['*', '?']) {
        return Err(messages::VENDOR_REGEX.to_owned());
    }
    let has_region = !after_partition
        .get(service.len()..)
        .unwrap_or_default()
        .starts_with(':')
        || after_service
            .split(':')
            .next()
            .is_some_and(|region| !region.is_empty());
    match service {
        "iam" if has_region => {
            return Err(format!(
                "IAM resource {resource} cannot contain region information."
            ));
        }
        "s3" if has_region => {
            return Err(format!(
                "Resource {resource} can not contain region information."
            ));
        }
        "iam" => {
            let path = after_service.splitn(3, ':').nth(2).unwrap_or_default();
            let known = [
                "user/",
                "federated-user/",
                "role/",
                "group/",
                "instance-profile/",
                "mfa/",
                "server-certificate/",
                "policy/",
                "sms-mfa/",
                "saml-provider/",
                "oidc-provider/",
                "report/",
                "access-report/",
            ];
            if path != "*" && !known.iter().any(|prefix| path.starts_with(prefix)) {
                return Err(messages::IAM_RESOURCE_PATH.to_owned());
            }
        }
        _ => {}
    }
    if first != "arn" {
        return Err(not_arn());
    }
    Ok(())
}

/// `Partition "x" is not valid for resource "arn:x:a:b:c:d".`, with IAM's way of filling
/// missing segments with `*`.
fn partition_message(partition: &str, rest: &str) -> String {
    let parts: Vec<&str> = rest.split(':').collect();
    let part = |index: usize| parts.get(index).copied().unwrap_or("*");
    let first = if parts.len() > 1 || !part(0).is_empty() {
        part(0)
    } else {
        "*"
    };
    let last = if parts.len() > 3 {
        parts.get(3..).unwrap_or_default().join(":")
    } else {
        "*".to_owned()
    };
    format!(
        "Partition \"{partition}\" is not valid for resource \"arn:{partition}:{first}:{}:{}:{last}\".",
        part(1),
        part(2)
    )
}

fn unique_sids(statements: &[RawStatement<'_>]) -> Result<(), PolicyError> {
    let mut seen = HashSet::new();
    for statement in statements {
        if let Some(sid) = statement.sid.filter(|sid| !sid.is_empty())
            && !seen.insert(sid)
        {
            return Err(malformed(
                messages::DUPLICATE_SID,
                statement.pointer("/Sid"),
            ));
        }
    }
    Ok(())
}

/// `vendor:action` with a vendor of letters, digits, `-` and `.` (MOTO-IAM
/// `_validate_action_prefix`); `*` alone is every action.
fn check_action_vendor(action: &str) -> Result<(), String> {
    let mut parts = action.split(':');
    let vendor = parts.next().unwrap_or_default();
    match (parts.next(), parts.next()) {
        (None, _) if vendor != "*" => return Err(messages::NO_VENDOR.to_owned()),
        (Some(_), Some(_)) => return Err(messages::ONE_COLON.to_owned()),
        _ => {}
    }
    if vendor != "*"
        && !vendor
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
    {
        return Err(format!("Vendor {vendor} is not valid"));
    }
    Ok(())
}

/// Step 8 for trust policies: `sts:` actions only, no `Resource`, no `NotPrincipal`, and a
/// `Principal` in every statement with valid entries.
fn check_trust(statements: &[RawStatement<'_>]) -> Result<(), PolicyError> {
    for statement in statements {
        let allowed = match &statement.actions {
            Some((false, actions)) => actions.iter().all(|action| {
                let glob = Glob::new(&action.to_lowercase());
                TRUST_ACTIONS.iter().any(|known| glob.matches(known))
            }),
            _ => false,
        };
        if !allowed {
            return Err(malformed(
                messages::TRUST_ACTIONS,
                statement.pointer("/Action"),
            ));
        }
    }
    for statement in statements {
        if statement.resources.is_some() {
            return Err(malformed(
                messages::TRUST_RESOURCE,
                statement.pointer("/Resource"),
            ));
        }
        if statement.not_principal {
            return Err(malformed(
                messages::TRUST_NOT_PRINCIPAL,
                statement.pointer("/NotPrincipal"),
            ));
        }
        let Some(principal) = statement.principal else {
            return Err(malformed(messages::NO_PRINCIPALS, statement.pointer("")));
        };
        if principal_rule(principal).map_err(|m| malformed(m, statement.pointer("/Principal")))?
            == PrincipalRule::Listed(Vec::new())
        {
            return Err(malformed(
                messages::NO_PRINCIPALS,
                statement.pointer("/Principal"),
            ));
        }
    }
    Ok(())
}

/// The `Principal` element (shape already checked); on error, IAM's
/// `Invalid principal in policy: "TYPE":"value"` message.
fn principal_rule(json: &Json) -> Result<PrincipalRule, String> {
    let Json::Object(members) = json else {
        return Ok(PrincipalRule::Everyone);
    };
    let mut entries = Vec::new();
    for (principal_type, values) in members {
        for value in string_list(values).unwrap_or_default() {
            let invalid =
                || format!("Invalid principal in policy: \"{principal_type}\":\"{value}\"");
            if !PRINCIPAL_TYPES.contains(&principal_type.as_str()) || value.is_empty() {
                return Err(invalid());
            }
            // SECURITY: no partial wildcards in principals (IAM-PRIN "You cannot use a
            // wildcard to match part of a principal name or ARN").
            if value.contains(['*', '?']) && !(value == "*" && principal_type == "AWS") {
                return Err(invalid());
            }
            entries.push(match principal_type.as_str() {
                "AWS" if value == "*" => PrincipalEntry::AnyAws,
                "AWS" if value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()) => {
                    PrincipalEntry::Account(value.to_owned())
                }
                "AWS" => {
                    let arn = Arn::parse(value).map_err(|_| invalid())?;
                    if !matches!(arn.service(), "iam" | "sts") {
                        return Err(invalid());
                    }
                    if arn.service() == "iam" && arn.resource() == "root" {
                        PrincipalEntry::Account(arn.account().to_owned())
                    } else {
                        PrincipalEntry::AwsArn(value.to_owned())
                    }
                }
                "Federated" => PrincipalEntry::Federated(value.to_owned()),
                _ => PrincipalEntry::Service(value.to_owned()),
            });
        }
    }
    Ok(PrincipalRule::Listed(entries))
}

/// Builds the statement; the checks above guarantee it succeeds except for principal entries,
/// which `check_trust` already validated.
fn build_statement(raw: &RawStatement<'_>, version: Version) -> Result<Statement, PolicyError> {
    let variables = version == Version::V2012_10_17;
    let effect = if raw.effect == "Deny" {
        Effect::Deny
    } else {
        Effect::Allow
    };
    let (actions_negated, actions) = raw.actions.clone().unwrap_or_default();
    let actions: Vec<Glob> = actions
        .iter()
        .map(|a| Glob::new(&a.to_lowercase()))
        .collect();
    let resources = raw.resources.as_ref().map(|(negated, list)| {
        let patterns = list
            .iter()
            .map(|r| resource_pattern(r, variables))
            .collect();
        if *negated {
            Negatable::NotListed(patterns)
        } else {
            Negatable::Listed(patterns)
        }
    });
    let principal = match raw.principal {
        Some(json) => {
            Some(principal_rule(json).map_err(|m| malformed(m, raw.pointer("/Principal")))?)
        }
        None => None,
    };
    let conditions = raw
        .conditions
        .iter()
        .map(|condition| build_condition(condition, variables))
        .collect();
    Ok(Statement {
        sid: raw.sid.map(str::to_owned),
        effect,
        principal,
        actions: if actions_negated {
            Negatable::NotListed(actions)
        } else {
            Negatable::Listed(actions)
        },
        resources,
        conditions,
    })
}

/// A `Resource` entry: variables only after the fifth colon (IAM-VARS).
fn resource_pattern(resource: &str, variables: bool) -> ResourcePattern {
    if resource == "*" {
        return ResourcePattern::Any;
    }
    let mut segments = resource.splitn(6, ':');
    let prefix: Vec<Glob> = segments.by_ref().take(5).map(Glob::new).collect();
    let (Ok(prefix), Some(rest)) = (<[Glob; 5]>::try_from(prefix), segments.next()) else {
        return ResourcePattern::Unmatchable;
    };
    ResourcePattern::Arn(Box::new(ArnPattern {
        prefix,
        resource: Template::parse(
            rest,
            Syntax {
                wildcards: true,
                variables,
            },
        ),
    }))
}

fn build_condition(raw: &RawCondition<'_>, variables: bool) -> Condition {
    let operator = raw.operator;
    let texts = raw.values.iter();
    let syntax = Syntax {
        wildcards: operator.allows_wildcards(),
        variables: variables && operator.allows_variables(),
    };
    let values = match operator.test {
        Test::Numeric(_) => Values::Numbers(texts.filter_map(|v| Number::parse(v)).collect()),
        Test::Date(_) => Values::Dates(texts.filter_map(|v| Date::parse(v)).collect()),
        Test::Ip => Values::Ranges(texts.filter_map(|v| Cidr::parse(v)).collect()),
        Test::Binary => Values::Binary(
            texts
                .filter_map(|v| base64::engine::general_purpose::STANDARD.decode(v).ok())
                .collect(),
        ),
        Test::Null => Values::Null(texts.filter_map(|v| parse_bool(v)).collect()),
        Test::StringEquals | Test::StringEqualsIgnoreCase | Test::StringLike | Test::Bool => {
            Values::Templates(texts.map(|v| Template::parse(v, syntax)).collect())
        }
        Test::Arn => Values::Arns(
            texts
                .map(|v| ArnValue::new(Template::parse(v, syntax)))
                .collect(),
        ),
    };
    Condition {
        operator,
        key: raw.key.to_lowercase(),
        values,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(text: &str, kind: PolicyKind) -> String {
        match parse(text, kind) {
            Err(PolicyError::Malformed(malformed)) => malformed.message().to_owned(),
            other => panic!("expected a malformed policy, got {other:?}"),
        }
    }

    #[test]
    fn partition_messages_fill_missing_segments_as_iam_does() {
        assert_eq!(
            resource_format("a:bsdfdsafsad"),
            Err(
                "Partition \"bsdfdsafsad\" is not valid for resource \"arn:bsdfdsafsad:*:*:*:*\"."
                    .to_owned()
            )
        );
        assert_eq!(
            resource_format("aws:s3:::example_bucket"),
            Err(
                "Partition \"s3\" is not valid for resource \"arn:s3:::example_bucket:*\"."
                    .to_owned()
            )
        );
        assert_eq!(
            resource_format("a:b:c:d:e:f:g:h"),
            Err("Partition \"b\" is not valid for resource \"arn:b:c:d:e:f:g:h\".".to_owned())
        );
    }

    #[test]
    fn refuses_oversized_documents_with_the_quota() {
        let padding = "x".repeat(3000);
        let text = format!(
            r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{{"Service":"{padding}.amazonaws.com"}}}}}}"#
        );
        let error = parse(&text, PolicyKind::Trust).unwrap_err();
        assert_eq!(
            error.aws_message(),
            "Cannot exceed quota for ACLSizePerRole: 2048"
        );
        let whitespace = format!("{}{{}}", " ".repeat(5000));
        assert_eq!(message(&whitespace, PolicyKind::Trust), messages::SYNTAX);
    }

    #[test]
    fn identity_policies_over_the_role_quota_get_iams_message() {
        let actions: Vec<String> = (0..1200).map(|i| format!("\"s3:A{i}\"")).collect();
        let text = format!(
            r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":[{}],"Resource":"*"}}}}"#,
            actions.join(",")
        );
        let error = parse(&text, PolicyKind::Identity).unwrap_err();
        assert_eq!(
            error.aws_message(),
            "Maximum policy size of 10240 bytes exceeded"
        );
        let error = parse(&text, PolicyKind::Boundary).unwrap_err();
        assert_eq!(
            error.aws_message(),
            "Cannot exceed quota for PolicySize: 6144"
        );
    }

    #[test]
    fn counts_size_without_whitespace() {
        let text = "{ \"Version\" : \"2012-10-17\" , \"Statement\" : { \"Effect\" : \"Allow\" , \"Action\" : \"s3:*\" , \"Resource\" : \"*\" } }";
        let policy = parse(text, PolicyKind::Identity).unwrap();
        assert_eq!(
            policy.size(),
            text.chars().filter(|c| !c.is_whitespace()).count()
        );
    }
}
