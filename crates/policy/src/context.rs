//! The request: who (principal), what (action), on what (resource), and the condition context.

use std::borrow::Cow;
use std::fmt;
use std::net::IpAddr;

use base64::Engine as _;

use crate::arn::Arn;
use crate::text;
use crate::value::{Date, Number};

/// One typed value of a context key.
///
/// AWS gives every condition key a type (String, Numeric, Date, Bool, Binary, IPAddress, ARN,
/// or an `ArrayOf…` of one). Operators compare values of their own family; a value of another
/// type is converted from its text where that is meaningful (a string `"10"` for
/// `NumericEquals`) and otherwise matches nothing.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ContextValue {
    /// Text.
    String(String),
    /// A decimal number, with the text it was written as.
    Number(Number, String),
    /// `true` or `false`.
    Bool(bool),
    /// An instant, with the text it was written as.
    Date(Date, String),
    /// An IPv4 or IPv6 address.
    Ip(IpAddr),
    /// An ARN.
    Arn(Arn),
    /// Bytes (compared with `BinaryEquals` against base64 in the policy).
    Binary(Vec<u8>),
}

/// Why text could not be read as a typed context value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a valid {kind} value")]
pub struct ContextValueError {
    kind: &'static str,
    text: String,
}

impl ContextValue {
    /// A string value.
    pub fn string(text: impl Into<String>) -> ContextValue {
        ContextValue::String(text.into())
    }

    /// Reads a value of the named type from text: `string`, `number`, `bool` (`true`/`false`),
    /// `date` (ISO 8601 or epoch seconds), `ip`, `arn`, `binary` (base64). These are the types
    /// of `fedgate policy eval --context KEY=TYPE:VALUE`.
    pub fn parse_typed(kind: &str, text: &str) -> Result<ContextValue, ContextValueError> {
        let error = |kind: &'static str| ContextValueError {
            kind,
            text: text.chars().take(200).collect(),
        };
        Ok(match kind {
            "string" => ContextValue::string(text),
            "number" => {
                ContextValue::Number(Number::parse(text).ok_or(error("number"))?, text.to_owned())
            }
            "bool" => ContextValue::Bool(match text {
                "true" => true,
                "false" => false,
                _ => return Err(error("bool")),
            }),
            "date" => ContextValue::Date(Date::parse(text).ok_or(error("date"))?, text.to_owned()),
            "ip" => ContextValue::Ip(text.parse().map_err(|_| error("ip"))?),
            "arn" => ContextValue::Arn(Arn::parse(text).map_err(|_| error("arn"))?),
            "binary" => ContextValue::Binary(
                base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .map_err(|_| error("binary"))?,
            ),
            _ => {
                return Err(ContextValueError {
                    kind: "type (string, strings, number, bool, date, ip, arn, binary)",
                    text: kind.chars().take(200).collect(),
                });
            }
        })
    }

    /// The value as text: what `String…` operators and policy variables see.
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        use std::borrow::Cow;
        match self {
            ContextValue::String(text)
            | ContextValue::Number(_, text)
            | ContextValue::Date(_, text) => Cow::Borrowed(text),
            ContextValue::Bool(true) => Cow::Borrowed("true"),
            ContextValue::Bool(false) => Cow::Borrowed("false"),
            ContextValue::Ip(address) => Cow::Owned(address.to_string()),
            ContextValue::Arn(arn) => Cow::Borrowed(arn.as_str()),
            ContextValue::Binary(bytes) => {
                Cow::Owned(base64::engine::general_purpose::STANDARD.encode(bytes))
            }
        }
    }

    /// The value as a number, if it is one or is text that reads as one.
    pub(crate) fn as_number(&self) -> Option<std::borrow::Cow<'_, Number>> {
        use std::borrow::Cow;
        match self {
            ContextValue::Number(number, _) => Some(Cow::Borrowed(number)),
            ContextValue::String(text) => Number::parse(text).map(Cow::Owned),
            _ => None,
        }
    }

    /// The value as an instant, if it is one or is text (or a number) that reads as one.
    pub(crate) fn as_date(&self) -> Option<Date> {
        match self {
            ContextValue::Date(date, _) => Some(*date),
            ContextValue::String(text) | ContextValue::Number(_, text) => Date::parse(text),
            _ => None,
        }
    }

    /// The value as a boolean, if it is one or is the text `true`/`false` (any case).
    pub(crate) fn as_bool(&self) -> Option<bool> {
        match self {
            ContextValue::Bool(value) => Some(*value),
            ContextValue::String(text) if text.eq_ignore_ascii_case("true") => Some(true),
            ContextValue::String(text) if text.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        }
    }

    /// The value as an IP address, if it is one or is text that reads as one.
    pub(crate) fn as_ip(&self) -> Option<IpAddr> {
        match self {
            ContextValue::Ip(address) => Some(*address),
            ContextValue::String(text) => text.parse().ok(),
            _ => None,
        }
    }

    /// The value's bytes, for `BinaryEquals`.
    pub(crate) fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            ContextValue::Binary(bytes) => Some(bytes),
            _ => None,
        }
    }
}

/// Reads one context entry in the `KEY=TYPE:VALUE` form of `fedgate policy eval --context`:
/// the key and its values. `TYPE` is one of [`ContextValue::parse_typed`]'s types or
/// `strings`, a comma-separated list (`KEY=strings:` is the empty list).
pub fn parse_context_entry(entry: &str) -> Result<(String, Vec<ContextValue>), ContextValueError> {
    let malformed = || ContextValueError {
        kind: "KEY=TYPE:VALUE context entry",
        text: entry.chars().take(200).collect(),
    };
    let (key, typed) = entry.split_once('=').ok_or_else(malformed)?;
    let (kind, value) = typed.split_once(':').ok_or_else(malformed)?;
    if key.is_empty() {
        return Err(malformed());
    }
    let values = match kind {
        "strings" if value.is_empty() => Vec::new(),
        "strings" => value.split(',').map(ContextValue::string).collect(),
        _ => vec![ContextValue::parse_typed(kind, value)?],
    };
    Ok((key.to_owned(), values))
}

impl fmt::Display for ContextValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text())
    }
}

/// The condition context: key → values. Keys are case-insensitive (IAM-VARS); a key with one
/// value is single-valued, a key with several is multivalued, and a key given with no value
/// is treated exactly like an absent key (fedgate's choice; docs/decisions.md).
#[derive(Clone, Default, PartialEq)]
pub struct Context {
    /// Keys in lower case, each once, in `str` order: looked up by binary search, with
    /// comparisons that do not call the C library (see `text.rs`).
    entries: Vec<(String, Vec<ContextValue>)>,
}

/// Contexts of up to this many keys are searched from the start, larger ones by halves.
const SCANNED_ENTRIES: usize = 16;

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Entries<'a>(&'a [(String, Vec<ContextValue>)]);
        impl fmt::Debug for Entries<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_map()
                    .entries(self.0.iter().map(|(key, values)| (key, values)))
                    .finish()
            }
        }
        f.debug_struct("Context")
            .field("entries", &Entries(&self.entries))
            .finish()
    }
}

impl Context {
    /// An empty context.
    pub fn new() -> Context {
        Context::default()
    }

    /// Adds `value` to `key` (a second value makes the key multivalued).
    pub fn insert(&mut self, key: &str, value: ContextValue) {
        self.insert_all(key, [value]);
    }

    /// Adds all `values` to `key`.
    pub fn insert_all(&mut self, key: &str, values: impl IntoIterator<Item = ContextValue>) {
        let key = lowercase(key);
        match self.position(&key) {
            Ok(index) => {
                if let Some((_, existing)) = self.entries.get_mut(index) {
                    existing.extend(values);
                }
            }
            Err(index) => self
                .entries
                .insert(index, (key.into_owned(), values.into_iter().collect())),
        }
    }

    /// Where `lowercase_key` is (`Ok`) or would be inserted (`Err`).
    fn position(&self, lowercase_key: &str) -> Result<usize, usize> {
        self.entries
            .binary_search_by(|(key, _)| text::compare(key, lowercase_key))
    }

    /// The values of `key` (any case); empty if the key is absent.
    pub fn values(&self, key: &str) -> &[ContextValue] {
        self.lookup(&lowercase(key))
    }

    /// The values of a key already in lower case.
    pub(crate) fn lookup(&self, lowercase_key: &str) -> &[ContextValue] {
        let found = if self.entries.len() <= SCANNED_ENTRIES {
            // Most keys differ in length, so most comparisons stop there.
            self.entries
                .iter()
                .find(|(key, _)| text::equal(key, lowercase_key))
        } else {
            self.position(lowercase_key)
                .ok()
                .and_then(|index| self.entries.get(index))
        };
        found.map_or(&[], |(_, values)| values.as_slice())
    }

    /// The text of a single-valued key (lower case), for policy variables; `None` if the key
    /// is absent or multivalued (multivalued keys cannot be variables, IAM-VARS).
    pub(crate) fn single_text(&self, lowercase_key: &str) -> Option<&str> {
        match self.lookup(lowercase_key) {
            [ContextValue::String(text)]
            | [ContextValue::Number(_, text)]
            | [ContextValue::Date(_, text)] => Some(text),
            [ContextValue::Arn(arn)] => Some(arn.as_str()),
            [ContextValue::Bool(true)] => Some("true"),
            [ContextValue::Bool(false)] => Some("false"),
            _ => None,
        }
    }
}

/// `key.to_lowercase()`, without a copy when `key` is ASCII with no capital (`saml:sub`) and
/// with ASCII's mapping when it is ASCII (`aws:CurrentTime`): keys are looked up per request.
fn lowercase(key: &str) -> Cow<'_, str> {
    if !key.is_ascii() {
        Cow::Owned(key.to_lowercase())
    } else if key.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(key.to_ascii_lowercase())
    } else {
        Cow::Borrowed(key)
    }
}

/// Who makes the request, as a role trust policy's `Principal` element names it
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html>).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Principal {
    /// An IAM user, role, role session or account root (`"AWS"`).
    Aws(Arn),
    /// An identity provider: a SAML or OIDC provider ARN, or a web identity provider name such
    /// as `accounts.google.com` (`"Federated"`).
    Federated(String),
    /// An AWS service such as `ec2.amazonaws.com` (`"Service"`).
    Service(String),
}

impl Principal {
    /// Classifies a principal given as text (`fedgate policy eval --principal`): an IAM
    /// `saml-provider/` or `oidc-provider/` ARN is `Federated`, any other ARN is `Aws`, and a
    /// name is `Service` if it ends in `.amazonaws.com` (or `.amazonaws.com.cn`) and
    /// `Federated` otherwise.
    pub fn classify(text: &str) -> Principal {
        match Arn::parse(text) {
            Ok(arn)
                if arn.service() == "iam"
                    && (arn.resource().starts_with("saml-provider/")
                        || arn.resource().starts_with("oidc-provider/")) =>
            {
                Principal::Federated(text.to_owned())
            }
            Ok(arn) => Principal::Aws(arn),
            Err(_) if text.ends_with(".amazonaws.com") || text.ends_with(".amazonaws.com.cn") => {
                if text == "cognito-identity.amazonaws.com" {
                    Principal::Federated(text.to_owned())
                } else {
                    Principal::Service(text.to_owned())
                }
            }
            Err(_) => Principal::Federated(text.to_owned()),
        }
    }
}

/// One authorization question: may `principal` do `action` on `resource`, given `context`?
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// Who asks; matched against trust policies' `Principal` elements.
    pub principal: Option<&'a Principal>,
    /// `service:Action`, matched case-insensitively.
    pub action: &'a str,
    /// The resource; `None` for actions without a resource, which only `"Resource": "*"`
    /// matches. Trust policies ignore it.
    pub resource: Option<&'a Arn>,
    /// Condition keys and their values. Time (`aws:CurrentTime`, `aws:EpochTime`) is here too:
    /// this crate never reads a clock.
    pub context: &'a Context,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_case_insensitive() {
        let mut context = Context::new();
        context.insert(
            "SAML:aud",
            ContextValue::string("https://signin.aws.amazon.com/saml"),
        );
        assert_eq!(context.values("saml:AUD").len(), 1);
        assert_eq!(
            context.single_text("saml:aud"),
            Some("https://signin.aws.amazon.com/saml")
        );
    }

    proptest::proptest! {
        #[test]
        fn keys_are_lowercased_as_to_lowercase_does(
            key in "([a-zA-Z0-9:/_-]|[\u{80}-\u{024f}]|\u{130}|\u{3a3}|\u{212a})*",
        ) {
            proptest::prop_assert_eq!(lowercase(&key), key.to_lowercase());
        }

        #[test]
        fn any_key_is_lowercased_as_to_lowercase_does(key in proptest::prelude::any::<String>()) {
            proptest::prop_assert_eq!(lowercase(&key), key.to_lowercase());
        }
    }

    #[test]
    fn keeps_keys_in_order_and_values_in_insertion_order() {
        let mut context = Context::new();
        for key in ["b", "A", "c", "a", "B:x", "b"] {
            context.insert(key, ContextValue::string(key));
        }
        context.insert_all("empty", []);
        let keys: Vec<&str> = context.entries.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["a", "b", "b:x", "c", "empty"]);
        assert_eq!(
            context.values("B"),
            [ContextValue::string("b"), ContextValue::string("b")]
        );
        assert_eq!(context.values("a").len(), 2);
        assert!(context.values("empty").is_empty());
        assert!(context.values("d").is_empty());
        let mut large = Context::new();
        for i in 0..2 * SCANNED_ENTRIES {
            large.insert(&format!("key{i}"), ContextValue::string(i.to_string()));
        }
        for i in 0..2 * SCANNED_ENTRIES {
            assert_eq!(
                large.values(&format!("KEY{i}")),
                [ContextValue::string(i.to_string())]
            );
        }
        assert!(large.values("key").is_empty());
        assert_eq!(
            format!("{context:?}").split(':').next(),
            Some("Context { entries")
        );
    }

    #[test]
    fn parses_typed_values() {
        assert_eq!(
            ContextValue::parse_typed("bool", "true"),
            Ok(ContextValue::Bool(true))
        );
        assert!(ContextValue::parse_typed("bool", "yes").is_err());
        assert!(ContextValue::parse_typed("number", "1.5").is_ok());
        assert!(ContextValue::parse_typed("ip", "2001:db8::1").is_ok());
        assert!(ContextValue::parse_typed("ip", "2001:db8::/32").is_err());
        assert_eq!(
            ContextValue::parse_typed("binary", "AAE="),
            Ok(ContextValue::Binary(vec![0, 1]))
        );
        assert!(ContextValue::parse_typed("arn", "arn:aws:iam::1:role/R").is_ok());
        assert!(ContextValue::parse_typed("colour", "red").is_err());
    }

    #[test]
    fn reads_key_type_value_entries() {
        let (key, values) = parse_context_entry("SAML:aud=strings:a,b").unwrap();
        assert_eq!(key, "SAML:aud");
        assert_eq!(
            values,
            vec![ContextValue::string("a"), ContextValue::string("b")]
        );
        assert_eq!(parse_context_entry("k=strings:").unwrap().1, vec![]);
        let (_, values) = parse_context_entry("aws:userid=string:AROA1:jdoe").unwrap();
        assert_eq!(values, vec![ContextValue::string("AROA1:jdoe")]);
        for bad in ["k", "k=string", "=string:x", "k=number:x"] {
            assert!(parse_context_entry(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn classifies_principals() {
        assert!(matches!(
            Principal::classify("arn:aws:iam::123456789012:saml-provider/Okta"),
            Principal::Federated(_)
        ));
        assert!(matches!(
            Principal::classify("arn:aws:iam::123456789012:role/R"),
            Principal::Aws(_)
        ));
        assert!(matches!(
            Principal::classify("ec2.amazonaws.com"),
            Principal::Service(_)
        ));
        assert!(matches!(
            Principal::classify("accounts.google.com"),
            Principal::Federated(_)
        ));
    }
}
