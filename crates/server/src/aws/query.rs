//! The awsQuery protocol, as botocore's `QuerySerializer` sends it.
//!
//! A request is `application/x-www-form-urlencoded` name/value pairs, in a `POST` body or a
//! `GET` query string: `Action`, `Version` and the operation's parameters, flattened:
//!
//! - a list of scalars: `Name.member.1=a&Name.member.2=b` (an empty list is `Name=`);
//! - a list of structures: `Tags.member.1.Key=k&Tags.member.1.Value=v`,
//!   `PolicyArns.member.1.arn=…`;
//! - a map: `Name.entry.1.key=k&Name.entry.1.value=v`;
//! - a structure: `Name.Field=…`.
//!
//! [`QueryRequest::parse`] decodes and bounds the pairs; [`Params`] reads them; [`Validator`]
//! collects constraint violations into AWS's single `ValidationError` ("2 validation errors
//! detected: Value … at '…' failed to satisfy constraint: …; …").

use std::collections::BTreeMap;
use std::collections::btree_map;
use std::ops::Bound;

use axum::http::{HeaderMap, header};

use super::error::{AwsError, AwsErrorCode, truncate};
use super::percent;

// SECURITY(resource exhaustion): every dimension of a form is bounded before it is stored.
/// Largest form (body plus query string), in bytes: 1 MiB, as the HTTP layer also enforces.
pub const MAX_FORM_BYTES: usize = 1024 * 1024;
/// Most name/value pairs in one request.
pub const MAX_PARAMETERS: usize = 1_000;
/// Longest parameter name, in bytes.
pub const MAX_NAME_BYTES: usize = 256;
/// Highest list or map index (`Name.member.N`).
pub const MAX_LIST_INDEX: usize = 1_000;

/// The version botocore sends when none is given is none; AWS names the absence this way.
const NO_VERSION: &str = "NO_VERSION_SPECIFIED";

/// The presigned SigV4 parameters, which travel in the query but are not operation input.
const AUTH_PARAMETERS: [&str; 7] = [
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Expires",
    "X-Amz-Security-Token",
    "X-Amz-Signature",
    "X-Amz-SignedHeaders",
];

/// The awsQuery APIs fedgate serves.
#[derive(Clone, Copy, Debug, Eq, PartialEq, Hash)]
pub enum QueryApi {
    /// IAM, 2010-05-08.
    Iam,
    /// STS, 2011-06-15.
    Sts,
}

impl QueryApi {
    /// The `Version` parameter the API answers to.
    pub fn version(self) -> &'static str {
        match self {
            Self::Iam => "2010-05-08",
            Self::Sts => "2011-06-15",
        }
    }

    /// The XML namespace of its responses (botocore `metadata.xmlNamespace`).
    pub fn xml_namespace(self) -> &'static str {
        match self {
            Self::Iam => "https://iam.amazonaws.com/doc/2010-05-08/",
            Self::Sts => "https://sts.amazonaws.com/doc/2011-06-15/",
        }
    }

    /// The SigV4 signing name.
    pub fn signing_name(self) -> &'static str {
        match self {
            Self::Iam => "iam",
            Self::Sts => "sts",
        }
    }
}

/// A decoded awsQuery request: its action, version and parameters.
#[derive(Debug)]
pub struct QueryRequest {
    action: String,
    version: Option<String>,
    params: BTreeMap<String, String>,
}

impl QueryRequest {
    /// Decodes the query string and the form body (pass an empty body for `GET`) into one set
    /// of parameters. The presigned SigV4 parameters are left out.
    ///
    /// Errors: `RequestEntityTooLarge` over [`MAX_FORM_BYTES`]; `InvalidQueryParameter` for a
    /// malformed escape, text that is not UTF-8, a name repeated or too long, too many pairs;
    /// `MissingAction` without an `Action`.
    pub fn parse(query: &str, body: &[u8]) -> Result<Self, AwsError> {
        if query.len().saturating_add(body.len()) > MAX_FORM_BYTES {
            return Err(AwsError::new(
                AwsErrorCode::RequestEntityTooLarge,
                format!("Request body is larger than {MAX_FORM_BYTES} bytes"),
            ));
        }
        let body = std::str::from_utf8(body).map_err(|_| malformed())?;
        let mut params = BTreeMap::new();
        for segment in query
            .split('&')
            .chain(body.split('&'))
            .filter(|s| !s.is_empty())
        {
            if params.len() == MAX_PARAMETERS {
                return Err(malformed());
            }
            let (name, value) = segment.split_once('=').unwrap_or((segment, ""));
            let name = decode_text(name)?;
            if name.is_empty() || name.len() > MAX_NAME_BYTES {
                return Err(malformed());
            }
            if AUTH_PARAMETERS.contains(&name.as_str()) {
                continue;
            }
            let value = decode_text(value)?;
            // SECURITY: a repeated name is ambiguous (which one did the signer mean?): refuse.
            match params.entry(name) {
                btree_map::Entry::Occupied(_) => return Err(malformed()),
                btree_map::Entry::Vacant(slot) => {
                    slot.insert(value);
                }
            }
        }
        let action = params.remove("Action").filter(|a| !a.is_empty());
        let Some(action) = action else {
            return Err(AwsError::new(AwsErrorCode::MissingAction, "Missing Action"));
        };
        let version = params.remove("Version").filter(|v| !v.is_empty());
        Ok(Self {
            action,
            version,
            params,
        })
    }

    /// The `Action` parameter.
    pub fn action(&self) -> &str {
        &self.action
    }

    /// The `Version` parameter, if sent.
    pub fn version(&self) -> Option<&str> {
        self.version.as_deref()
    }

    /// `InvalidAction` unless `Version` is the API's ("Could not find operation … for version
    /// …", as AWS answers an unknown pair).
    pub fn check_version(&self, api: QueryApi) -> Result<(), AwsError> {
        match self.version() {
            Some(version) if version == api.version() => Ok(()),
            version => Err(AwsError::invalid_action(
                &self.action,
                version.unwrap_or(NO_VERSION),
            )),
        }
    }

    /// `InvalidAction` for an action this API does not have, with this request's version.
    pub fn unknown_action(&self) -> AwsError {
        AwsError::invalid_action(&self.action, self.version().unwrap_or(NO_VERSION))
    }

    /// The operation's parameters.
    pub fn params(&self) -> Params<'_> {
        Params {
            map: &self.params,
            prefix: String::new(),
        }
    }
}

/// Whether a `Content-Type` is a form (`application/x-www-form-urlencoded`, any parameters).
pub fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|media| {
            media
                .trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

/// The parameters of a request, or of one structure inside it (a list member, a field).
#[derive(Clone, Debug)]
pub struct Params<'a> {
    map: &'a BTreeMap<String, String>,
    prefix: String,
}

impl<'a> Params<'a> {
    /// A scalar member, as sent.
    pub fn string(&self, name: &str) -> Option<&'a str> {
        // A top-level member (every scalar of most actions) is its own key: no key is built.
        let value = if self.prefix.is_empty() {
            self.map.get(name)
        } else {
            self.map.get(&self.key(name))
        };
        value.map(String::as_str)
    }

    /// A structure member: its fields are read with the returned view.
    pub fn structure(&self, name: &str) -> Params<'a> {
        Params {
            map: self.map,
            prefix: format!("{}.", self.key(name)),
        }
    }

    /// A list of scalars, `name.member.N`, in index order. `None` when the list is absent,
    /// empty when sent as `name=`.
    pub fn list(&self, name: &str) -> Result<Option<Vec<&'a str>>, AwsError> {
        let members = self.indexed(name, "member")?;
        Ok(members.map(|members| {
            members
                .into_iter()
                .filter(|m| m.rest.is_empty())
                .map(|m| m.value)
                .collect()
        }))
    }

    /// A list of structures, `name.member.N.Field`, one view per member in index order.
    pub fn structure_list(&self, name: &str) -> Result<Option<Vec<Params<'a>>>, AwsError> {
        let members = self.indexed(name, "member")?;
        let base = self.key(name);
        Ok(members.map(|members| {
            let mut indices: Vec<usize> = members.into_iter().map(|m| m.index).collect();
            indices.dedup();
            indices
                .into_iter()
                .map(|index| Params {
                    map: self.map,
                    prefix: format!("{base}.member.{index}."),
                })
                .collect()
        }))
    }

    /// A map, `name.entry.N.key` / `name.entry.N.value`, in index order. An entry without
    /// both is a `ValidationError`.
    pub fn map(&self, name: &str) -> Result<Option<Vec<(&'a str, &'a str)>>, AwsError> {
        let entries = self.indexed(name, "entry")?;
        let base = self.key(name);
        let Some(entries) = entries else {
            return Ok(None);
        };
        let mut indices: Vec<usize> = entries.into_iter().map(|m| m.index).collect();
        indices.dedup();
        let mut out = Vec::with_capacity(indices.len());
        for index in indices {
            let key = self.map.get(&format!("{base}.entry.{index}.key"));
            let value = self.map.get(&format!("{base}.entry.{index}.value"));
            match (key, value) {
                (Some(key), Some(value)) => out.push((key.as_str(), value.as_str())),
                _ => {
                    let mut validator = Validator::new();
                    validator.violation(
                        &format!("{base}.entry.{index}"),
                        None,
                        "Member must have a key and a value",
                    );
                    return validator.finish().map(|()| None);
                }
            }
        }
        Ok(Some(out))
    }

    fn key(&self, name: &str) -> String {
        let mut key = String::with_capacity(self.prefix.len() + name.len());
        key.push_str(&self.prefix);
        key.push_str(name);
        key
    }

    /// Every `name.{kind}.N…` key, sorted by index; `None` if the list is absent.
    fn indexed(&self, name: &str, kind: &str) -> Result<Option<Vec<Indexed<'a>>>, AwsError> {
        let base = self.key(name);
        let mut prefix = String::with_capacity(base.len() + kind.len() + 2);
        prefix.push_str(&base);
        prefix.push('.');
        prefix.push_str(kind);
        prefix.push('.');
        let mut found = Vec::new();
        let keys = self
            .map
            .range::<str, _>((Bound::Included(prefix.as_str()), Bound::Unbounded))
            .take_while(|(k, _)| k.starts_with(&prefix));
        for (key, value) in keys {
            let rest = key.get(prefix.len()..).unwrap_or_default();
            let (digits, rest) = rest.split_once('.').unwrap_or((rest, ""));
            let Some(index) = parse_index(digits) else {
                let mut validator = Validator::new();
                validator.violation(
                    key,
                    None,
                    &format!("Member must have an index from 1 to {MAX_LIST_INDEX}"),
                );
                return validator.finish().map(|()| None);
            };
            found.push(Indexed { index, rest, value });
        }
        if found.is_empty() {
            return Ok(self.map.contains_key(&base).then(Vec::new));
        }
        found.sort_by_key(|member| member.index);
        Ok(Some(found))
    }
}

/// One key of a flattened list or map: its index, what follows the index, its value.
struct Indexed<'a> {
    index: usize,
    rest: &'a str,
    value: &'a str,
}

/// Collects constraint violations, reported together as one `ValidationError` in AWS's words.
/// Member names are written as AWS writes them, with a lowercase first letter
/// (`RoleSessionName` → `roleSessionName`).
#[derive(Debug, Default)]
pub struct Validator {
    violations: Vec<String>,
}

impl Validator {
    /// No violations yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The value, or a "Member must not be null" violation.
    pub fn required<'v>(&mut self, member: &str, value: Option<&'v str>) -> Option<&'v str> {
        if value.is_none() {
            self.violation(member, None, "Member must not be null");
        }
        value
    }

    /// Length in characters within `min..=max`.
    pub fn length(&mut self, member: &str, value: &str, min: usize, max: usize) {
        if let Some(constraint) = length_violation(value, min, max) {
            self.violation(member, Some(value), &constraint);
        }
    }

    /// [`Validator::length`] for a member the model marks `sensitive` (a SAML assertion, a
    /// private key): the violation does not quote the value, as AWS writes it for sensitive
    /// members (`Value at 'password' failed to satisfy constraint: …`).
    pub fn sensitive_length(&mut self, member: &str, value: &str, min: usize, max: usize) {
        if let Some(constraint) = length_violation(value, min, max) {
            self.violations.push(format!(
                "Value at '{}' failed to satisfy constraint: {constraint}",
                wire_member_name(member)
            ));
        }
    }

    /// An integer member within `min..=max`; `None` (and a violation) if it is not one.
    pub fn integer(&mut self, member: &str, value: &str, min: i64, max: i64) -> Option<i64> {
        let Ok(number) = value.parse::<i64>() else {
            self.violation(member, Some(value), "Member must be an integer");
            return None;
        };
        if number < min {
            self.violation(
                member,
                Some(value),
                &format!("Member must have value greater than or equal to {min}"),
            );
        } else if number > max {
            self.violation(
                member,
                Some(value),
                &format!("Member must have value less than or equal to {max}"),
            );
        }
        Some(number)
    }

    /// A boolean member (`true` / `false`, as botocore sends them).
    pub fn boolean(&mut self, member: &str, value: &str) -> Option<bool> {
        match value {
            "true" => Some(true),
            "false" => Some(false),
            _ => {
                self.violation(member, Some(value), "Member must be a boolean");
                None
            }
        }
    }

    /// Every character of the value satisfies `allowed`; the violation quotes `pattern`, the
    /// model's regular expression that `allowed` implements.
    pub fn pattern(
        &mut self,
        member: &str,
        value: &str,
        pattern: &str,
        allowed: impl Fn(char) -> bool,
    ) {
        if !value.chars().all(allowed) {
            self.violation(
                member,
                Some(value),
                &format!("Member must satisfy regular expression pattern: {pattern}"),
            );
        }
    }

    /// Records a violation of `constraint` by the member's value (`None`: the value is null).
    pub fn violation(&mut self, member: &str, value: Option<&str>, constraint: &str) {
        let member = wire_member_name(member);
        let value = match value {
            Some(value) => format!("'{}'", truncate(value)),
            None => "null".to_owned(),
        };
        self.violations.push(format!(
            "Value {value} at '{member}' failed to satisfy constraint: {constraint}"
        ));
    }

    /// Whether nothing was violated.
    pub fn is_empty(&self) -> bool {
        self.violations.is_empty()
    }

    /// `Ok` if nothing was violated, else one `ValidationError` listing every violation.
    pub fn finish(self) -> Result<(), AwsError> {
        let count = self.violations.len();
        if count == 0 {
            return Ok(());
        }
        let noun = if count == 1 { "error" } else { "errors" };
        Err(AwsError::new(
            AwsErrorCode::ValidationError,
            format!(
                "{count} validation {noun} detected: {}",
                self.violations.join("; ")
            ),
        ))
    }
}

/// The length constraint `value` breaks, if any.
fn length_violation(value: &str, min: usize, max: usize) -> Option<String> {
    // A character is one to four bytes: a byte length within `4 * min..=max` is a character
    // count within `min..=max`, without counting (a SAML assertion is tens of kilobytes).
    if (min.saturating_mul(4)..=max).contains(&value.len()) {
        return None;
    }
    counted_length_violation(value, min, max)
}

/// [`length_violation`] by counting the characters.
fn counted_length_violation(value: &str, min: usize, max: usize) -> Option<String> {
    let length = value.chars().count();
    if length < min {
        Some(format!(
            "Member must have length greater than or equal to {min}"
        ))
    } else if length > max {
        Some(format!(
            "Member must have length less than or equal to {max}"
        ))
    } else {
        None
    }
}

/// `RoleSessionName` → `roleSessionName`; `Tags.member.1.Key` → `tags.member.1.key`.
fn wire_member_name(member: &str) -> String {
    let mut out = String::with_capacity(member.len());
    for (i, part) in member.split('.').enumerate() {
        if i > 0 {
            out.push('.');
        }
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            out.extend(first.to_lowercase());
            out.push_str(chars.as_str());
        }
    }
    out
}

fn parse_index(digits: &str) -> Option<usize> {
    if digits.starts_with('0') || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits
        .parse::<usize>()
        .ok()
        .filter(|index| (1..=MAX_LIST_INDEX).contains(index))
}

fn decode_text(text: &str) -> Result<String, AwsError> {
    let bytes = percent::decode(text).ok_or_else(malformed)?;
    String::from_utf8(bytes).map_err(|_| malformed())
}

fn malformed() -> AwsError {
    AwsError::new(
        AwsErrorCode::InvalidQueryParameter,
        "The AWS query string is malformed or does not adhere to AWS standards.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn length_violations_are_those_of_counting_characters(
            value in "([a-z]|é|\u{20ac}|\u{1f600})*",
            min in 0_usize..12,
            extra in 0_usize..24,
        ) {
            let max = min + extra;
            proptest::prop_assert_eq!(
                length_violation(&value, min, max),
                counted_length_violation(&value, min, max)
            );
        }
    }

    #[test]
    fn length_bounds_at_the_edges_of_bytes_and_characters() {
        for (value, min, max) in [
            ("", 0, 0),
            ("", 1, 2),
            ("ab", 1, 1),
            ("éé", 2, 3),
            ("éé", 1, 3),
            ("\u{1f600}", 1, 4),
            ("\u{1f600}", 2, 4),
            ("abcd", 1, usize::MAX),
            ("abcd", usize::MAX, usize::MAX),
        ] {
            assert_eq!(
                length_violation(value, min, max),
                counted_length_violation(value, min, max),
                "{value:?} {min} {max}"
            );
        }
    }
}
