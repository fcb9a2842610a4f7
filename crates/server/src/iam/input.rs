//! Reading IAM request parameters with the model's constraints (botocore's `iam/2010-05-08`
//! shapes), into the store's types. Constraint violations are collected by a [`Validator`] into
//! one `ValidationError`, as AWS reports them.

use fedgate_store::{IamPath, Marker, PageRequest, Tag};

use crate::aws::error::{AwsError, AwsErrorCode};
use crate::aws::query::{Params, Validator};

/// Longest role name (`roleNameType`).
pub(super) const MAX_ROLE_NAME_CHARS: usize = 64;
/// Longest inline or managed policy name (`policyNameType`).
pub(super) const MAX_POLICY_NAME_CHARS: usize = 128;
/// Longest SAML provider name (`SAMLProviderNameType`).
pub(super) const MAX_PROVIDER_NAME_CHARS: usize = 128;
/// Longest policy document (`policyDocumentType`), in characters.
pub(super) const MAX_POLICY_DOCUMENT_CHARS: usize = 131_072;
/// Longest role or policy description.
pub(super) const MAX_DESCRIPTION_CHARS: usize = 1_000;
/// Longest path (`pathType`, `policyPathType`).
pub(super) const MAX_PATH_CHARS: usize = 512;
/// Most tags on one resource, and in one request (`tagListType`).
pub(super) const MAX_TAGS: usize = 50;
/// Longest tag key.
pub(super) const MAX_TAG_KEY_CHARS: usize = 128;
/// Longest tag value.
pub(super) const MAX_TAG_VALUE_CHARS: usize = 256;
/// `MaxItems` when a listing sends none.
pub(super) const DEFAULT_MAX_ITEMS: u32 = 100;
/// Largest `MaxItems`.
pub(super) const MAX_ITEMS: u32 = 1_000;
/// Longest `Marker`.
const MAX_MARKER_CHARS: usize = 320;
/// Shortest and longest ARN parameter (`arnType`).
const ARN_CHARS: (usize, usize) = (20, 2_048);

/// The model's patterns, quoted in `ValidationError` messages as AWS quotes them.
pub(super) mod patterns {
    pub(in crate::iam) const ROLE_NAME: &str = r"[\w+=,.@-]+";
    pub(in crate::iam) const POLICY_NAME: &str = r"[\w+=,.@-]+";
    pub(in crate::iam) const PROVIDER_NAME: &str = r"[\w._-]+";
    pub(in crate::iam) const POLICY_DOCUMENT: &str = r"[\u0009\u000A\u000D\u0020-\u00FF]+";
    pub(in crate::iam) const ROLE_DESCRIPTION: &str =
        r"[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*";
    pub(in crate::iam) const ROLE_PATH: &str = r"(\u002F)|(\u002F[\u0021-\u007E]+\u002F)";
    pub(in crate::iam) const POLICY_PATH: &str = r"((/[A-Za-z0-9\.,\+@=_-]+)*)/";
    pub(in crate::iam) const PATH_PREFIX: &str = r"\u002F[\u0021-\u007F]*";
    pub(in crate::iam) const MARKER: &str = r"[\u0020-\u00FF]+";
    pub(in crate::iam) const TAG_KEY: &str = r"[\p{L}\p{Z}\p{N}_.:/=+\-@]+";
    pub(in crate::iam) const TAG_VALUE: &str = r"[\p{L}\p{Z}\p{N}_.:/=+\-@]*";
    pub(in crate::iam) const VERSION_ID: &str = r"v[1-9][0-9]*(\.[A-Za-z0-9-]*)?";
}

/// Java's `\w`: ASCII letters, digits and `_`.
fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// `[\w+=,.@-]`: role, policy and session names.
pub(super) fn is_name_char(c: char) -> bool {
    is_word(c) || matches!(c, '+' | '=' | ',' | '.' | '@' | '-')
}

/// `[\w._-]`: SAML provider names.
pub(super) fn is_provider_name_char(c: char) -> bool {
    is_word(c) || matches!(c, '.' | '-')
}

/// `[\p{L}\p{Z}\p{N}_.:/=+\-@]`: tag keys and values.
fn is_tag_char(c: char) -> bool {
    c.is_alphabetic()
        || c.is_numeric()
        || (c.is_whitespace() && !c.is_control())
        || matches!(c, '_' | '.' | ':' | '/' | '=' | '+' | '-' | '@')
}

/// `[\u0009\u000A\u000D\u0020-\u00FF]`: policy documents.
fn is_document_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{ff}')
}

/// A required name member: `min..=max` characters of `allowed`.
pub(super) fn name<'a>(
    v: &mut Validator,
    params: &Params<'a>,
    member: &str,
    max: usize,
    pattern: &str,
    allowed: fn(char) -> bool,
) -> Option<&'a str> {
    let value = v.required(member, params.string(member))?;
    v.length(member, value, 1, max);
    v.pattern(member, value, pattern, allowed);
    Some(value)
}

/// A required `RoleName`.
pub(super) fn role_name<'a>(v: &mut Validator, params: &Params<'a>) -> Option<&'a str> {
    name(
        v,
        params,
        "RoleName",
        MAX_ROLE_NAME_CHARS,
        patterns::ROLE_NAME,
        is_name_char,
    )
}

/// A required `PolicyName`.
pub(super) fn policy_name<'a>(v: &mut Validator, params: &Params<'a>) -> Option<&'a str> {
    name(
        v,
        params,
        "PolicyName",
        MAX_POLICY_NAME_CHARS,
        patterns::POLICY_NAME,
        is_name_char,
    )
}

/// A required policy document member (`policyDocumentType`).
pub(super) fn policy_document<'a>(
    v: &mut Validator,
    params: &Params<'a>,
    member: &str,
) -> Option<&'a str> {
    let value = v.required(member, params.string(member))?;
    v.length(member, value, 1, MAX_POLICY_DOCUMENT_CHARS);
    v.pattern(member, value, patterns::POLICY_DOCUMENT, is_document_char);
    Some(value)
}

/// A required ARN member (`arnType`: 20 to 2048 characters).
pub(super) fn arn<'a>(v: &mut Validator, params: &Params<'a>, member: &str) -> Option<&'a str> {
    let value = v.required(member, params.string(member))?;
    v.length(member, value, ARN_CHARS.0, ARN_CHARS.1);
    Some(value)
}

/// An optional role description (`roleDescriptionType`).
pub(super) fn role_description<'a>(v: &mut Validator, params: &Params<'a>) -> Option<&'a str> {
    let value = params.string("Description")?;
    v.length("Description", value, 0, MAX_DESCRIPTION_CHARS);
    v.pattern(
        "Description",
        value,
        patterns::ROLE_DESCRIPTION,
        |c| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{7e}' | '\u{a1}'..='\u{ff}'),
    );
    Some(value)
}

/// An optional policy description (`policyDescriptionType`: any text, at most 1000).
pub(super) fn policy_description<'a>(v: &mut Validator, params: &Params<'a>) -> Option<&'a str> {
    let value = params.string("Description")?;
    v.length("Description", value, 0, MAX_DESCRIPTION_CHARS);
    Some(value)
}

/// A role's `Path` (`pathType`: `/` or `/…/` of printable ASCII), `/` when absent.
pub(super) fn role_path(v: &mut Validator, params: &Params<'_>) -> IamPath {
    let Some(value) = params.string("Path") else {
        return IamPath::new("/");
    };
    v.length("Path", value, 1, MAX_PATH_CHARS);
    let inner_ok = value
        .strip_prefix('/')
        .map(|rest| rest.is_empty() || rest.ends_with('/'))
        .unwrap_or(false)
        && value.chars().all(|c| matches!(c, '\u{21}'..='\u{7e}'));
    if !inner_ok {
        v.violation(
            "Path",
            Some(value),
            &format!(
                "Member must satisfy regular expression pattern: {}",
                patterns::ROLE_PATH
            ),
        );
    }
    IamPath::new(value)
}

/// Whether `value` matches `((/[A-Za-z0-9\.,\+@=_-]+)*)/`.
pub(super) fn is_policy_path(value: &str) -> bool {
    let Some(inner) = value.strip_suffix('/') else {
        return false;
    };
    if inner.is_empty() {
        return true;
    }
    let Some(inner) = inner.strip_prefix('/') else {
        return false;
    };
    inner.split('/').all(|segment| {
        !segment.is_empty()
            && segment.chars().all(|c| {
                c.is_ascii_alphanumeric() || matches!(c, '.' | ',' | '+' | '@' | '=' | '_' | '-')
            })
    })
}

/// A managed policy's `Path` or `PathPrefix` (`policyPathType`), `/` when absent.
pub(super) fn policy_path(v: &mut Validator, params: &Params<'_>, member: &str) -> IamPath {
    let Some(value) = params.string(member) else {
        return IamPath::new("/");
    };
    v.length(member, value, 1, MAX_PATH_CHARS);
    if !is_policy_path(value) {
        v.violation(
            member,
            Some(value),
            &format!(
                "Member must satisfy regular expression pattern: {}",
                patterns::POLICY_PATH
            ),
        );
    }
    IamPath::new(value)
}

/// `ListRoles`' `PathPrefix` (`pathPrefixType`), `/` when absent.
pub(super) fn path_prefix(v: &mut Validator, params: &Params<'_>) -> IamPath {
    let Some(value) = params.string("PathPrefix") else {
        return IamPath::new("/");
    };
    v.length("PathPrefix", value, 1, MAX_PATH_CHARS);
    let ok = value
        .strip_prefix('/')
        .is_some_and(|rest| rest.chars().all(|c| matches!(c, '\u{21}'..='\u{7f}')));
    if !ok {
        v.violation(
            "PathPrefix",
            Some(value),
            &format!(
                "Member must satisfy regular expression pattern: {}",
                patterns::PATH_PREFIX
            ),
        );
    }
    IamPath::new(value)
}

/// `Marker` and `MaxItems` (1 to 1000, 100 when absent).
pub(super) fn page(v: &mut Validator, params: &Params<'_>) -> PageRequest {
    let max_items = params
        .string("MaxItems")
        .and_then(|text| v.integer("MaxItems", text, 1, i64::from(MAX_ITEMS)))
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(DEFAULT_MAX_ITEMS);
    match params.string("Marker") {
        Some(marker) => {
            v.length("Marker", marker, 1, MAX_MARKER_CHARS);
            v.pattern("Marker", marker, patterns::MARKER, |c| {
                matches!(c, '\u{20}'..='\u{ff}')
            });
            PageRequest::after(Marker::new(marker), max_items)
        }
        None => PageRequest::first(max_items),
    }
}

/// An optional boolean member.
pub(super) fn boolean(v: &mut Validator, params: &Params<'_>, member: &str) -> Option<bool> {
    params
        .string(member)
        .and_then(|text| v.boolean(member, text))
}

/// How a resource type compares tag keys for duplicates.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub(super) enum TagKeys {
    /// Roles: `a` and `A` are the same key ("Tag keys are case insensitive").
    CaseInsensitive,
    /// Managed policies and SAML providers: `a` and `A` are two keys.
    CaseSensitive,
}

impl TagKeys {
    /// Whether two keys are the same.
    pub(super) fn same(self, a: &str, b: &str) -> bool {
        match self {
            Self::CaseInsensitive => a.to_lowercase() == b.to_lowercase(),
            Self::CaseSensitive => a == b,
        }
    }

    fn duplicate_message(self) -> &'static str {
        match self {
            Self::CaseInsensitive => {
                "Duplicate tag keys found. Please note that Tag keys are case insensitive."
            }
            Self::CaseSensitive => "Duplicate tag keys found.",
        }
    }
}

/// Refuses tags that would leave a resource with more than [`MAX_TAGS`]: `tags` are added to
/// the resource's `existing` ones, replacing those with the same key (as `keys` compares them).
pub(super) fn within_tag_quota(
    existing: &[Tag],
    tags: &[Tag],
    keys: TagKeys,
) -> Result<(), AwsError> {
    let added = tags
        .iter()
        .filter(|tag| !existing.iter().any(|old| keys.same(&old.key, &tag.key)))
        .count();
    if existing.len().saturating_add(added) > MAX_TAGS {
        // fedgate's wording: docs/decisions.md.
        return Err(AwsError::new(
            AwsErrorCode::LimitExceeded,
            format!("Cannot exceed quota for TagsPerResource: {MAX_TAGS}"),
        ));
    }
    Ok(())
}

/// `Tags.member.N.Key` / `.Value`: at most 50, each key 1–128 and value 0–256 characters of
/// the tag pattern, no key twice. `required`: the list must be present.
pub(super) fn tags(
    params: &Params<'_>,
    keys: TagKeys,
    required: bool,
) -> Result<Vec<Tag>, AwsError> {
    let members = params.structure_list("Tags")?;
    let Some(members) = members else {
        if required {
            let mut v = Validator::new();
            v.violation("Tags", None, "Member must not be null");
            v.finish()?;
        }
        return Ok(Vec::new());
    };
    if members.len() > MAX_TAGS {
        return Err(unquoted_violation(
            "tags",
            &format!("Member must have length less than or equal to {MAX_TAGS}"),
        ));
    }
    let mut out: Vec<Tag> = Vec::with_capacity(members.len());
    for (index, member) in members.iter().enumerate() {
        let position = index.saturating_add(1);
        let Some(key) = member.string("Key") else {
            return Err(unquoted_violation(
                &format!("tags.{position}.member.key"),
                "Member must not be null",
            ));
        };
        let Some(value) = member.string("Value") else {
            return Err(unquoted_violation(
                &format!("tags.{position}.member.value"),
                "Member must not be null",
            ));
        };
        check_tag_key(key, &format!("tags.{position}.member.key"))?;
        if value.chars().count() > MAX_TAG_VALUE_CHARS {
            return Err(unquoted_violation(
                &format!("tags.{position}.member.value"),
                &format!("Member must have length less than or equal to {MAX_TAG_VALUE_CHARS}"),
            ));
        }
        if !value.chars().all(is_tag_char) {
            return Err(unquoted_violation(
                &format!("tags.{position}.member.value"),
                &format!(
                    "Member must satisfy regular expression pattern: {}",
                    patterns::TAG_VALUE
                ),
            ));
        }
        if out.iter().any(|tag| keys.same(&tag.key, key)) {
            return Err(AwsError::new(
                AwsErrorCode::InvalidInput,
                keys.duplicate_message(),
            ));
        }
        out.push(Tag::new(key, value));
    }
    Ok(out)
}

/// `TagKeys.member.N`: required, at most 50, each a valid key.
pub(super) fn tag_keys(params: &Params<'_>) -> Result<Vec<String>, AwsError> {
    let Some(keys) = params.list("TagKeys")? else {
        let mut v = Validator::new();
        v.violation("TagKeys", None, "Member must not be null");
        v.finish()?;
        return Ok(Vec::new());
    };
    if keys.len() > MAX_TAGS {
        return Err(unquoted_violation(
            "tagKeys",
            &format!("Member must have length less than or equal to {MAX_TAGS}"),
        ));
    }
    let mut out = Vec::with_capacity(keys.len());
    for key in keys {
        let length = key.chars().count();
        if length == 0 || length > MAX_TAG_KEY_CHARS || !key.chars().all(is_tag_char) {
            return Err(unquoted_violation(
                "tagKeys",
                &format!(
                    "Member must satisfy constraint: [Member must have length less than or equal \
                     to {MAX_TAG_KEY_CHARS}, Member must have length greater than or equal to 1, \
                     Member must satisfy regular expression pattern: {}, Member must not be null]",
                    patterns::TAG_KEY
                ),
            ));
        }
        out.push(key.to_owned());
    }
    Ok(out)
}

fn check_tag_key(key: &str, member: &str) -> Result<(), AwsError> {
    let length = key.chars().count();
    if length == 0 {
        return Err(unquoted_violation(
            member,
            "Member must have length greater than or equal to 1",
        ));
    }
    if length > MAX_TAG_KEY_CHARS {
        return Err(unquoted_violation(
            member,
            &format!("Member must have length less than or equal to {MAX_TAG_KEY_CHARS}"),
        ));
    }
    if !key.chars().all(is_tag_char) {
        return Err(unquoted_violation(
            member,
            &format!(
                "Member must satisfy regular expression pattern: {}",
                patterns::TAG_KEY
            ),
        ));
    }
    Ok(())
}

/// A `ValidationError` that does not echo the value, as AWS reports tag violations
/// (`Value at 'tags.1.member.key' failed to satisfy constraint: …`).
fn unquoted_violation(member: &str, constraint: &str) -> AwsError {
    AwsError::new(
        AwsErrorCode::ValidationError,
        format!(
            "1 validation error detected: Value at '{member}' failed to satisfy constraint: {constraint}"
        ),
    )
}

/// `InvalidInput` for a value the model accepts but IAM does not.
pub(super) fn invalid_input(message: impl Into<String>) -> AwsError {
    AwsError::new(AwsErrorCode::InvalidInput, message.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_paths_follow_the_model_pattern() {
        for ok in ["/", "/a/", "/a/b.c/", "/x=y,z@w+q_-/"] {
            assert!(is_policy_path(ok), "{ok}");
        }
        for bad in ["", "a/", "/a", "//", "/a//b/", "/a b/", "/é/"] {
            assert!(!is_policy_path(bad), "{bad}");
        }
    }

    #[test]
    fn tag_characters_are_letters_numbers_separators_and_the_listed_marks() {
        assert!("Ünïcode 12 _.:/=+-@".chars().all(is_tag_char));
        assert!(!"a#b".chars().all(is_tag_char));
        assert!(!"a\tb".chars().all(is_tag_char));
    }
}
