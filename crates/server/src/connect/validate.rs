//! AWS's constraints on Connect input (the botocore model's lengths, patterns and ranges, which
//! botocore itself does not check, and the SAML rules of the API reference), checked once, at
//! the edge, into the store's types.

use std::collections::BTreeMap;

use base64::Engine as _;
use fedgate_store::{InstanceId, Marker, PageRequest, PhoneConfig, PhoneType, Tag, Username};

use super::json::PhoneConfigInput;
use crate::aws::error::{AwsError, AwsErrorCode, truncate};

/// Longest instance id accepted (`InstanceId`: 1–100).
pub const MAX_INSTANCE_ID_CHARS: usize = 100;
/// Longest alias (`DirectoryAlias`: 1–45).
pub const MAX_ALIAS_CHARS: usize = 45;
/// Longest SAML username (API reference: "up to 64 characters").
pub const MAX_SAML_USERNAME_CHARS: usize = 64;
/// Longest username of a CONNECT_MANAGED instance ("up to 20 characters").
pub const MAX_MANAGED_USERNAME_CHARS: usize = 20;
/// Longest `FirstName` (`AgentFirstName`).
pub const MAX_FIRST_NAME_CHARS: usize = 255;
/// Longest `LastName` (`AgentLastName`).
pub const MAX_LAST_NAME_CHARS: usize = 300;
/// Most tags on a resource (`TagMap`: 1–50).
pub const MAX_TAGS: usize = 50;
/// Longest tag key.
pub const MAX_TAG_KEY_CHARS: usize = 128;
/// Longest tag value.
pub const MAX_TAG_VALUE_CHARS: usize = 256;
/// Most security profiles of a user (`SecurityProfileIds`: 1–10).
pub const MAX_USER_SECURITY_PROFILES: usize = 10;
/// Longest `ClientToken`.
pub const MAX_CLIENT_TOKEN_CHARS: usize = 500;
/// Longest next token accepted back.
pub const MAX_NEXT_TOKEN_CHARS: usize = 2500;
/// Longest resource id in a path (user, profile).
pub const MAX_RESOURCE_ID_CHARS: usize = 256;
/// Longest `AfterContactWorkTimeLimit`, in seconds ("a maximum value of 2,000,000 seconds (24
/// days)", `UserPhoneConfig` in the API reference).
pub const MAX_AFTER_CONTACT_WORK_SECONDS: u32 = 2_000_000;

/// `InvalidParameterException` with `message`.
pub fn invalid_parameter(message: impl Into<String>) -> AwsError {
    AwsError::new(AwsErrorCode::InvalidParameter, message.into())
}

/// `InvalidRequestException` with `message`.
pub fn invalid_request(message: impl Into<String>) -> AwsError {
    AwsError::new(AwsErrorCode::InvalidRequest, message.into())
}

/// An instance id from a path or body: its id, or its ARN (`…:instance/ID`), as Connect
/// accepts both. Ids are the server's UUIDs, so anything else names no instance.
pub fn instance_id(text: &str) -> Result<InstanceId, AwsError> {
    let id = match text.strip_prefix("arn:") {
        Some(_) => text.rsplit_once(":instance/").map_or("", |(_, id)| id),
        None => text,
    };
    if id.is_empty() {
        return Err(invalid_parameter("InstanceId is required"));
    }
    if id.chars().count() > MAX_INSTANCE_ID_CHARS {
        return Err(invalid_parameter(format!(
            "InstanceId must be at most {MAX_INSTANCE_ID_CHARS} characters"
        )));
    }
    if !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(AwsError::new(
            AwsErrorCode::ResourceNotFound,
            format!("Instance not found: `{}`", truncate(id)),
        ));
    }
    Ok(InstanceId::new(id))
}

/// A user or profile id from a path: the server's UUIDs, so anything else names nothing.
pub fn resource_id(text: &str, what: &'static str) -> Result<String, AwsError> {
    if text.chars().count() > MAX_RESOURCE_ID_CHARS
        || !text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return Err(AwsError::new(
            AwsErrorCode::ResourceNotFound,
            format!("{what} not found: `{}`", truncate(text)),
        ));
    }
    Ok(text.to_owned())
}

/// `InstanceAlias`: 1–45 characters of `^(?!d-)([\da-zA-Z]+)([-]*[\da-zA-Z])*$` (letters,
/// digits and inner hyphens, not starting with `d-`, which directory ids use).
pub fn instance_alias(alias: &str) -> Result<(), AwsError> {
    let valid = (1..=MAX_ALIAS_CHARS).contains(&alias.len())
        && !alias.starts_with("d-")
        && alias
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && alias
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric())
        && alias
            .bytes()
            .last()
            .is_some_and(|b| b.is_ascii_alphanumeric());
    if valid {
        Ok(())
    } else {
        Err(invalid_request(format!(
            "InstanceAlias `{}` is invalid: 1 to {MAX_ALIAS_CHARS} letters, digits and hyphens, \
             starting and ending with a letter or digit, not starting with `d-`",
            truncate(alias)
        )))
    }
}

/// Why a username breaks the rules, if it does.
pub fn username_problem(username: &str, saml: bool) -> Option<String> {
    let max = if saml {
        MAX_SAML_USERNAME_CHARS
    } else {
        MAX_MANAGED_USERNAME_CHARS
    };
    if username.is_empty() {
        return Some("Username is required".to_owned());
    }
    if username.chars().count() > max {
        return Some(format!(
            "Username `{}` is longer than {max} characters",
            truncate(username)
        ));
    }
    if !username
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'@'))
    {
        return Some(format!(
            "Username `{}` may contain only the characters [a-zA-Z0-9_-.@]",
            truncate(username)
        ));
    }
    if username.contains('@') && !is_email_form(username) {
        return Some(format!(
            "Username `{}` may contain @ only in the form of an e-mail address \
             (testuser@example.com, not testuser@example)",
            truncate(username)
        ));
    }
    None
}

/// `local@domain.tld`: one `@`, a non-empty local part, and a domain of at least two
/// non-empty dot-separated labels.
fn is_email_form(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.split('.').count() >= 2
        && domain.split('.').all(|label| !label.is_empty())
}

/// A username, checked against the instance's rules.
pub fn username(username: &str, saml: bool) -> Result<Username, AwsError> {
    match username_problem(username, saml) {
        Some(problem) => Err(invalid_parameter(problem)),
        None => Ok(Username::new(username)),
    }
}

/// Why a first or last name breaks the rules, if it does.
pub fn name_problem(field: &str, value: Option<&str>, max: usize) -> Option<String> {
    let Some(value) = value.filter(|v| !v.trim().is_empty()) else {
        return Some(format!(
            "{field} is required for instances with SAML or CONNECT_MANAGED identity management"
        ));
    };
    if value.chars().count() > max {
        return Some(format!("{field} is longer than {max} characters"));
    }
    if value.chars().any(char::is_control) {
        return Some(format!("{field} contains control characters"));
    }
    None
}

/// First and last names, required and bounded.
pub fn names(first: Option<&str>, last: Option<&str>) -> Result<(String, String), AwsError> {
    if let Some(problem) = name_problem("FirstName", first, MAX_FIRST_NAME_CHARS)
        .or_else(|| name_problem("LastName", last, MAX_LAST_NAME_CHARS))
    {
        return Err(invalid_parameter(problem));
    }
    Ok((
        first.unwrap_or_default().to_owned(),
        last.unwrap_or_default().to_owned(),
    ))
}

/// Whether `number` is E.164 (`\+[1-9]\d{1,14}`).
pub fn is_e164(number: &str) -> bool {
    let Some(digits) = number.strip_prefix('+') else {
        return false;
    };
    (2..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
}

/// Why a phone configuration breaks the rules, if it does.
pub fn phone_problem(phone: &PhoneConfig) -> Option<String> {
    match (&phone.phone_type, &phone.desk_phone_number) {
        (PhoneType::DeskPhone, None) => {
            Some("DeskPhoneNumber is required when PhoneType is DESK_PHONE".to_owned())
        }
        (_, Some(number)) if !is_e164(number) => Some(format!(
            "DeskPhoneNumber `{}` is not an E.164 number (+ and 2 to 15 digits)",
            truncate(number)
        )),
        _ => None,
    }
}

/// A `PhoneConfig` input into the stored shape: `PhoneType` defaults to `SOFT_PHONE`,
/// `AutoAccept` to false, `AfterContactWorkTimeLimit` to 0 (docs/decisions.md).
pub fn phone_config(input: Option<&PhoneConfigInput>) -> Result<PhoneConfig, AwsError> {
    let Some(input) = input else {
        return Ok(default_phone());
    };
    let phone_type = match input.phone_type.as_deref() {
        None | Some("SOFT_PHONE") => PhoneType::SoftPhone,
        Some("DESK_PHONE") => PhoneType::DeskPhone,
        Some(other) => {
            return Err(invalid_parameter(format!(
                "PhoneType `{}` is not one of SOFT_PHONE, DESK_PHONE",
                truncate(other)
            )));
        }
    };
    let after_contact_work_seconds = match input.after_contact_work_time_limit {
        None => 0,
        Some(seconds) => u32::try_from(seconds)
            .ok()
            .filter(|seconds| *seconds <= MAX_AFTER_CONTACT_WORK_SECONDS)
            .ok_or_else(|| {
                invalid_parameter(format!(
                    "AfterContactWorkTimeLimit must be from 0 to \
                     {MAX_AFTER_CONTACT_WORK_SECONDS} seconds"
                ))
            })?,
    };
    let phone = PhoneConfig {
        phone_type,
        auto_accept: input.auto_accept.unwrap_or(false),
        after_contact_work_seconds,
        desk_phone_number: input.desk_phone_number.clone().filter(|n| !n.is_empty()),
    };
    match phone_problem(&phone) {
        Some(problem) => Err(invalid_parameter(problem)),
        None => Ok(phone),
    }
}

/// The phone configuration of a user created without one.
pub fn default_phone() -> PhoneConfig {
    PhoneConfig {
        phone_type: PhoneType::SoftPhone,
        auto_accept: false,
        after_contact_work_seconds: 0,
        desk_phone_number: None,
    }
}

/// A `TagMap`: 1–50 tags, keys 1–128 characters of letters, digits, spaces and `_.:/=+-@`,
/// not starting with `aws:`; values at most 256 characters.
pub fn tags(map: &BTreeMap<String, String>) -> Result<Vec<Tag>, AwsError> {
    if map.len() > MAX_TAGS {
        return Err(invalid_parameter(format!(
            "a resource has at most {MAX_TAGS} tags"
        )));
    }
    map.iter()
        .map(|(key, value)| {
            tag_key(key)?;
            if value.chars().count() > MAX_TAG_VALUE_CHARS {
                return Err(invalid_parameter(format!(
                    "the value of tag `{}` is longer than {MAX_TAG_VALUE_CHARS} characters",
                    truncate(key)
                )));
            }
            Ok(Tag::new(key.clone(), value.clone()))
        })
        .collect()
}

/// A tag key: the model's `^(?!aws:)[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`, 1–128 characters. `\p{Z}`
/// is the separators (spaces), not the control characters that are also whitespace (tab,
/// line feed).
pub fn tag_key(key: &str) -> Result<(), AwsError> {
    let valid = (1..=MAX_TAG_KEY_CHARS).contains(&key.chars().count())
        && !key.starts_with("aws:")
        && key.chars().all(|c| {
            c.is_alphanumeric() || (c.is_whitespace() && !c.is_control()) || "_.:/=+-@".contains(c)
        });
    if valid {
        Ok(())
    } else {
        Err(invalid_parameter(format!(
            "tag key `{}` is invalid: 1 to {MAX_TAG_KEY_CHARS} letters, digits, spaces and \
             _.:/=+-@, not starting with aws:",
            truncate(key)
        )))
    }
}

/// A page request from `nextToken` and `maxResults` (`min..=max`, `default` if absent).
pub fn page(
    next_token: Option<&str>,
    max_results: Option<i64>,
    max: u32,
    default: u32,
) -> Result<PageRequest, AwsError> {
    let max_items = match max_results {
        None => default,
        Some(n) => u32::try_from(n)
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| invalid_parameter(format!("MaxResults must be between 1 and {max}")))?,
    };
    Ok(PageRequest {
        marker: next_token.map(decode_token).transpose()?,
        max_items,
    })
}

/// `maxResults` from a query string.
pub fn query_max_results(value: Option<&str>) -> Result<Option<i64>, AwsError> {
    value
        .map(|text| {
            text.parse::<i64>()
                .map_err(|_| invalid_parameter("maxResults must be a whole number"))
        })
        .transpose()
}

/// The `NextToken` sent for a store marker: opaque, URL-safe.
pub fn encode_token(marker: &Marker) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(marker.as_str())
}

fn decode_token(token: &str) -> Result<Marker, AwsError> {
    let invalid = || invalid_parameter("NextToken is not one this API returned");
    if token.is_empty() || token.len() > MAX_NEXT_TOKEN_CHARS {
        return Err(invalid());
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .map_err(|_| invalid())?;
    String::from_utf8(bytes)
        .map(Marker::new)
        .map_err(|_| invalid())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saml_usernames_follow_the_api_reference() {
        for ok in ["testuser", "testuser@example.com", "a.b-c_d", "x"] {
            assert_eq!(username_problem(ok, true), None, "{ok}");
        }
        for bad in [
            "testuser@example",
            "two@at@example.com",
            "@example.com",
            "with space",
            "ünicode",
            "",
        ] {
            assert!(username_problem(bad, true).is_some(), "{bad}");
        }
        assert!(username_problem(&"a".repeat(64), true).is_none());
        assert!(username_problem(&"a".repeat(65), true).is_some());
        assert!(username_problem(&"a".repeat(21), false).is_some());
    }

    #[test]
    fn aliases_follow_the_model_pattern() {
        for ok in ["acme", "acme-support", "a1--b2", "A"] {
            assert!(instance_alias(ok).is_ok(), "{ok}");
        }
        for bad in ["d-1234", "-acme", "acme-", "ac_me", "", &"a".repeat(46)] {
            assert!(instance_alias(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn tokens_round_trip_and_refuse_garbage() {
        let marker = Marker::new("alice");
        let page = page(Some(&encode_token(&marker)), Some(5), 10, 10).unwrap();
        assert_eq!(page.marker, Some(marker));
        assert!(super::page(Some("!!"), None, 10, 10).is_err());
        assert!(super::page(None, Some(11), 10, 10).is_err());
        assert!(super::page(None, Some(0), 10, 10).is_err());
    }

    #[test]
    fn tag_keys_follow_the_model_pattern() {
        for ok in ["team", "cost center", "a\u{a0}b", "é:1/2=3+4-5@6_7.8"] {
            assert!(tag_key(ok).is_ok(), "{ok:?}");
        }
        for bad in ["a\tb", "a\nb", "aws:x", "", "a;b", &"k".repeat(129)] {
            assert!(tag_key(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn e164_numbers() {
        assert!(is_e164("+14155550100"));
        assert!(!is_e164("14155550100"));
        assert!(!is_e164("+0123"));
        assert!(!is_e164("+1"));
    }
}
