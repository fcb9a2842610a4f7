//! AWS's SAML attribute profile: what a validated assertion means to IAM and STS.
//!
//! [`AwsClaims::from_assertion`] reads the `https://aws.amazon.com/SAML/Attributes/…` attributes
//! with AWS's rules and messages (IAM User Guide, "Configure SAML assertions for the
//! authentication response"; `reference/aws-behaviour.md` §1.4), and [`condition_keys`] gives
//! the `saml:*` keys a trust policy is evaluated with (§3.4), as plain data: the policy crate
//! knows nothing of SAML.

use aws_lc_rs::digest;
use base64::Engine as _;
use fedgate_saml::ValidAssertion;

/// The Role attribute: `role-arn,provider-arn` pairs (either order), one or more.
pub const ROLE: &str = "https://aws.amazon.com/SAML/Attributes/Role";
/// The RoleSessionName attribute: exactly one value.
pub const ROLE_SESSION_NAME: &str = "https://aws.amazon.com/SAML/Attributes/RoleSessionName";
/// The SessionDuration attribute: one integer, 900–43200.
pub const SESSION_DURATION: &str = "https://aws.amazon.com/SAML/Attributes/SessionDuration";
/// The prefix of session-tag attributes: `PrincipalTag:{TagKey}`.
pub const PRINCIPAL_TAG_PREFIX: &str = "https://aws.amazon.com/SAML/Attributes/PrincipalTag:";
/// The TransitiveTagKeys attribute: tag keys that survive role chaining.
pub const TRANSITIVE_TAG_KEYS: &str = "https://aws.amazon.com/SAML/Attributes/TransitiveTagKeys";
/// The SourceIdentity attribute: one value.
pub const SOURCE_IDENTITY: &str = "https://aws.amazon.com/SAML/Attributes/SourceIdentity";

/// The shortest and longest `SessionDuration`, in seconds.
pub const SESSION_DURATION_RANGE: std::ops::RangeInclusive<u32> = 900..=43_200;
/// Most session tags per session (IAM quotas).
pub const MAX_SESSION_TAGS: usize = 50;
/// Longest tag key and tag value, in characters.
pub const MAX_TAG_KEY_CHARS: usize = 128;
/// Longest tag value, in characters.
pub const MAX_TAG_VALUE_CHARS: usize = 256;
/// Most Role values considered (a role picker with more is unusable).
pub const MAX_ROLES: usize = 100;

/// The regions whose sign-in endpoint `https://{region}.signin.aws.amazon.com/saml` AWS
/// documents (every commercial region except us-east-1, which is the global host).
pub const AWS_SIGNIN_REGIONS: &[&str] = &[
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-7",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-south-1",
    "eu-south-2",
    "eu-north-1",
    "il-central-1",
    "me-south-1",
    "me-central-1",
    "mx-central-1",
    "sa-east-1",
];

/// AWS's sign-in ACS URLs, which AWS accepts as `Recipient`, `Destination` and `Audience`:
/// `https://signin.aws.amazon.com/saml`, `https://signin.aws.amazon.com/static/saml`, and
/// `https://{region}.signin.aws.amazon.com/saml` for each of [`AWS_SIGNIN_REGIONS`].
pub fn aws_signin_recipients() -> Vec<String> {
    let mut urls = vec![
        "https://signin.aws.amazon.com/saml".to_owned(),
        "https://signin.aws.amazon.com/static/saml".to_owned(),
    ];
    urls.extend(
        AWS_SIGNIN_REGIONS
            .iter()
            .map(|region| format!("https://{region}.signin.aws.amazon.com/saml")),
    );
    urls
}

/// AWS's SP entityID, also an accepted `Audience`.
pub const AWS_ENTITY_ID: &str = "urn:amazon:webservices";

/// The NameID format prefix that `saml:sub_type` strips.
const SAML2_NAME_ID_FORMAT_PREFIX: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:";
/// SAML Core §8.3.1: a NameID without `Format` is `unspecified`.
const UNSPECIFIED_FORMAT: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified";

/// One `Role` value: the role to assume and the SAML provider that vouches for it.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct RolePair {
    /// `arn:aws:iam::<account>:role/<path><name>`.
    pub role_arn: String,
    /// `arn:aws:iam::<account>:saml-provider/<name>`.
    pub provider_arn: String,
}

/// What the AWS attributes of one assertion say.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct AwsClaims {
    /// The Role pairs, in order (several: the sign-in page shows a role picker).
    pub roles: Vec<RolePair>,
    /// The session name (and Connect user name).
    pub role_session_name: String,
    /// The console session length asked for, in seconds.
    pub session_duration: Option<u32>,
    /// The session tags, in order.
    pub tags: Vec<(String, String)>,
    /// The tag keys that stay with chained role sessions.
    pub transitive_tag_keys: Vec<String>,
    /// The source identity.
    pub source_identity: Option<String>,
}

/// An AWS rule the assertion's attributes break, with AWS's code and message.
#[derive(Clone, Debug, Eq, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ClaimError {
    /// No Role attribute, or no value in it.
    #[error("no Role attribute value")]
    MissingRole,
    /// A Role value that is not a role ARN and a SAML provider ARN separated by a comma.
    #[error("the Role value `{0}` is not a role ARN and a saml-provider ARN separated by a comma")]
    InvalidRole(String),
    /// More Role values than [`MAX_ROLES`].
    #[error("more than {MAX_ROLES} Role values")]
    TooManyRoles,
    /// No RoleSessionName.
    #[error("RoleSessionName is required in AuthnResponse")]
    MissingRoleSessionName,
    /// A RoleSessionName that breaks AWS's pattern, or several values.
    #[error("RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{{2,64}}")]
    InvalidRoleSessionName,
    /// A SessionDuration that is not one integer from 900 to 43200.
    #[error("SessionDuration in AuthnResponse must be an integer between 900 and 43200")]
    InvalidSessionDuration,
    /// A PrincipalTag that breaks AWS's tag rules.
    #[error(
        "the session tag `{0}` is invalid: keys are 1-128 characters, values at most 256, one value per tag"
    )]
    InvalidTag(String),
    /// The same tag key twice (tag keys are case-insensitive).
    #[error("the session tag key `{0}` appears more than once")]
    DuplicateTag(String),
    /// More tags than [`MAX_SESSION_TAGS`].
    #[error("cannot exceed quota for TagsPerSession: {MAX_SESSION_TAGS}")]
    TooManyTags,
    /// A transitive tag key that is not one of the session's tags.
    #[error("the transitive tag key `{0}` is not a session tag")]
    TransitiveKeyNotATag(String),
    /// A SourceIdentity that breaks AWS's pattern, starts with `aws:`, or has several values.
    #[error(
        "SourceIdentity in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{{2,64}} and not start with aws:"
    )]
    InvalidSourceIdentity,
}

impl ClaimError {
    /// AWS's error code for `AssumeRoleWithSAML`.
    pub fn aws_code(&self) -> &'static str {
        match self {
            Self::TooManyTags => "PackedPolicyTooLarge",
            _ => "InvalidIdentityToken",
        }
    }

    /// The stable name of the rule, e.g. `InvalidRoleSessionName`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::MissingRole => "MissingRole",
            Self::InvalidRole(_) => "InvalidRole",
            Self::TooManyRoles => "TooManyRoles",
            Self::MissingRoleSessionName => "MissingRoleSessionName",
            Self::InvalidRoleSessionName => "InvalidRoleSessionName",
            Self::InvalidSessionDuration => "InvalidSessionDuration",
            Self::InvalidTag(_) => "InvalidTag",
            Self::DuplicateTag(_) => "DuplicateTag",
            Self::TooManyTags => "TooManyTags",
            Self::TransitiveKeyNotATag(_) => "TransitiveKeyNotATag",
            Self::InvalidSourceIdentity => "InvalidSourceIdentity",
        }
    }
}

impl AwsClaims {
    /// Reads AWS's attributes from a validated assertion. Attribute names are compared exactly
    /// (case-sensitively), as AWS does.
    pub fn from_assertion(assertion: &ValidAssertion) -> Result<Self, ClaimError> {
        let attributes = assertion.attributes();
        let roles = attributes
            .values(ROLE)
            .map(role_pair)
            .collect::<Result<Vec<_>, _>>()?;
        if roles.is_empty() {
            return Err(ClaimError::MissingRole);
        }
        if roles.len() > MAX_ROLES {
            return Err(ClaimError::TooManyRoles);
        }

        let role_session_name = match single(attributes.values(ROLE_SESSION_NAME)) {
            Single::None => return Err(ClaimError::MissingRoleSessionName),
            Single::Many => return Err(ClaimError::InvalidRoleSessionName),
            Single::One(name) if is_session_name(name) => name.to_owned(),
            Single::One(_) => return Err(ClaimError::InvalidRoleSessionName),
        };

        let session_duration = match single(attributes.values(SESSION_DURATION)) {
            Single::None => None,
            Single::Many => return Err(ClaimError::InvalidSessionDuration),
            Single::One(text) => Some(
                text.trim()
                    .parse::<u32>()
                    .ok()
                    .filter(|d| SESSION_DURATION_RANGE.contains(d))
                    .ok_or(ClaimError::InvalidSessionDuration)?,
            ),
        };

        let mut tags: Vec<(String, String)> = Vec::new();
        for attribute in attributes.iter() {
            let Some(key) = attribute.name().strip_prefix(PRINCIPAL_TAG_PREFIX) else {
                continue;
            };
            let value = match attribute.values() {
                [value] if is_tag_key(key) && value.chars().count() <= MAX_TAG_VALUE_CHARS => {
                    value.clone()
                }
                _ => return Err(ClaimError::InvalidTag(key.to_owned())),
            };
            if tags.iter().any(|(k, _)| k.eq_ignore_ascii_case(key)) {
                return Err(ClaimError::DuplicateTag(key.to_owned()));
            }
            if tags.len() == MAX_SESSION_TAGS {
                return Err(ClaimError::TooManyTags);
            }
            tags.push((key.to_owned(), value));
        }

        let transitive_tag_keys: Vec<String> = attributes
            .values(TRANSITIVE_TAG_KEYS)
            .map(str::to_owned)
            .collect();
        if let Some(stray) = transitive_tag_keys
            .iter()
            .find(|key| !tags.iter().any(|(k, _)| k.eq_ignore_ascii_case(key)))
        {
            return Err(ClaimError::TransitiveKeyNotATag(stray.clone()));
        }

        let source_identity = match single(attributes.values(SOURCE_IDENTITY)) {
            Single::None => None,
            Single::One(id) if is_session_name(id) && !starts_with_aws(id) => Some(id.to_owned()),
            Single::One(_) | Single::Many => return Err(ClaimError::InvalidSourceIdentity),
        };

        Ok(Self {
            roles,
            role_session_name,
            session_duration,
            tags,
            transitive_tag_keys,
            source_identity,
        })
    }
}

/// The SAML provider an assertion is redeemed through: the account and the provider's name.
#[derive(Clone, Copy, Debug)]
pub struct ProviderRef<'a> {
    /// The 12-digit account id.
    pub account_id: &'a str,
    /// The SAML provider's name (the last part of its ARN).
    pub provider_name: &'a str,
}

impl<'a> ProviderRef<'a> {
    /// The account and name of `arn:<partition>:iam::<account>:saml-provider/<name>`.
    pub fn from_arn(arn: &'a str) -> Option<Self> {
        let (account_id, provider_name) = parse_iam_arn(arn, "saml-provider/")?;
        Some(Self {
            account_id,
            provider_name,
        })
    }
}

/// The `saml:*` condition keys of IAM-CK / aws-behaviour.md §3.4, in a fixed order, each with
/// its values. Keys without a value are left out (a policy condition on them then fails, as
/// on AWS). With `provider`, also `saml:namequalifier` and `saml:doc`.
pub fn condition_keys(
    assertion: &ValidAssertion,
    provider: Option<ProviderRef<'_>>,
) -> Vec<(&'static str, Vec<String>)> {
    let name_id = assertion.name_id();
    let mut keys: Vec<(&'static str, Vec<String>)> = vec![
        // saml:aud is the Recipient, not the <Audience> element (IAM-ASSERT).
        ("saml:aud", vec![assertion.recipient().to_owned()]),
        ("saml:iss", vec![assertion.issuer().to_owned()]),
        ("saml:sub", vec![name_id.value().to_owned()]),
        (
            "saml:sub_type",
            vec![subject_type(name_id.format().unwrap_or(UNSPECIFIED_FORMAT)).to_owned()],
        ),
    ];
    if let Some(provider) = provider {
        keys.push((
            "saml:namequalifier",
            vec![name_qualifier(assertion.issuer(), provider)],
        ));
        keys.push((
            "saml:doc",
            vec![format!(
                "{}/{}",
                provider.account_id, provider.provider_name
            )],
        ));
    }
    let attributes = assertion.attributes();
    for (key, multi, names) in ATTRIBUTE_KEYS {
        // "Only one claim per key is mapped if several are sent": the first attribute present.
        let Some(attribute) = attributes.iter().find(|a| names.contains(&a.name())) else {
            continue;
        };
        let values: Vec<String> = if *multi {
            attribute.values().to_vec()
        } else {
            attribute.values().iter().take(1).cloned().collect()
        };
        if !values.is_empty() {
            keys.push((key, values));
        }
    }
    keys
}

/// `SubjectType` / `saml:sub_type`: the format without `urn:oasis:names:tc:SAML:2.0:nameid-format:`;
/// any other format unchanged.
pub fn subject_type(format: &str) -> &str {
    format
        .strip_prefix(SAML2_NAME_ID_FORMAT_PREFIX)
        .unwrap_or(format)
}

/// `NameQualifier` / `saml:namequalifier` = Base64(SHA1(issuer + account id + "/" + provider
/// name)), as STS documents it.
pub fn name_qualifier(issuer: &str, provider: ProviderRef<'_>) -> String {
    let mut input = String::with_capacity(
        issuer.len() + provider.account_id.len() + 1 + provider.provider_name.len(),
    );
    input.push_str(issuer);
    input.push_str(provider.account_id);
    input.push('/');
    input.push_str(provider.provider_name);
    let hash = digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, input.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(hash.as_ref())
}

/// Condition keys filled from attributes: (key, multi-valued, attribute names).
const ATTRIBUTE_KEYS: &[(&str, bool, &[&str])] = &[
    ("saml:cn", true, &["urn:oid:2.5.4.3"]),
    (
        "saml:commonName",
        true,
        &[
            "http://schemas.xmlsoap.org/claims/CommonName",
            "urn:oid:2.5.4.3",
        ],
    ),
    (
        "saml:edupersonaffiliation",
        true,
        &["urn:oid:1.3.6.1.4.1.5923.1.1.1.1"],
    ),
    (
        "saml:edupersonnickname",
        true,
        &["urn:oid:1.3.6.1.4.1.5923.1.1.1.2"],
    ),
    (
        "saml:edupersonorgdn",
        false,
        &["urn:oid:1.3.6.1.4.1.5923.1.1.1.3"],
    ),
    (
        "saml:edupersonorgunitdn",
        true,
        &["urn:oid:1.3.6.1.4.1.5923.1.1.1.4"],
    ),
    (
        "saml:edupersonprimaryaffiliation",
        false,
        &["urn:oid:1.3.6.1.4.1.5923.1.1.1.5"],
    ),
    (
        "saml:edupersonprincipalname",
        false,
        &["urn:oid:1.3.6.1.4.1.5923.1.1.1.6"],
    ),
    (
        "saml:edupersonentitlement",
        true,
        &["urn:oid:1.3.6.1.4.1.5923.1.1.1.7"],
    ),
    (
        "saml:edupersonprimaryorgunitdn",
        false,
        &["urn:oid:1.3.6.1.4.1.5923.1.1.1.8"],
    ),
    (
        "saml:edupersonscopedaffiliation",
        true,
        &["urn:oid:1.3.6.1.4.1.5923.1.1.1.9"],
    ),
    (
        "saml:edupersontargetedid",
        true,
        &["urn:oid:1.3.6.1.4.1.5923.1.1.1.10"],
    ),
    (
        "saml:edupersonassurance",
        true,
        &["urn:oid:1.3.6.1.4.1.5923.1.1.1.11"],
    ),
    (
        "saml:eduorghomepageuri",
        true,
        &["urn:oid:1.3.6.1.4.1.5923.1.2.1.2"],
    ),
    (
        "saml:eduorgidentityauthnpolicyuri",
        true,
        &["urn:oid:1.3.6.1.4.1.5923.1.2.1.3"],
    ),
    (
        "saml:eduorglegalname",
        true,
        &["urn:oid:1.3.6.1.4.1.5923.1.2.1.4"],
    ),
    (
        "saml:eduorgsuperioruri",
        true,
        &["urn:oid:1.3.6.1.4.1.5923.1.2.1.5"],
    ),
    (
        "saml:eduorgwhitepagesuri",
        true,
        &["urn:oid:1.3.6.1.4.1.5923.1.2.1.6"],
    ),
    (
        "saml:name",
        true,
        &["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name"],
    ),
    (
        "saml:givenName",
        true,
        &[
            "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
            "urn:oid:2.4.5.42",
        ],
    ),
    (
        "saml:surname",
        true,
        &[
            "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname",
            "urn:oid:2.5.4.4",
        ],
    ),
    (
        "saml:mail",
        true,
        &[
            "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
            "urn:oid:0.9.2342.19200300100.1.3",
        ],
    ),
    (
        "saml:uid",
        true,
        &[
            "http://schemas.microsoft.com/ws/2008/06/identity/claims/primarygroupsid",
            "urn:oid:0.9.2342.19200300100.1.1",
        ],
    ),
    ("saml:x500UniqueIdentifier", true, &["urn:oid:2.5.4.45"]),
    (
        "saml:organizationStatus",
        true,
        &["urn:oid:0.9.2342.19200300.100.1.45"],
    ),
    (
        "saml:primaryGroupSID",
        true,
        &["http://schemas.microsoft.com/ws/2008/06/identity/claims/primarygroupsid"],
    ),
];

enum Single<'a> {
    None,
    One(&'a str),
    Many,
}

fn single<'a>(mut values: impl Iterator<Item = &'a str>) -> Single<'a> {
    match (values.next(), values.next()) {
        (None, _) => Single::None,
        (Some(one), None) => Single::One(one),
        (Some(_), Some(_)) => Single::Many,
    }
}

/// A Role value: a role ARN and a saml-provider ARN, comma-separated, in either order.
fn role_pair(value: &str) -> Result<RolePair, ClaimError> {
    let invalid = || ClaimError::InvalidRole(truncated(value));
    let (first, second) = value.split_once(',').ok_or_else(invalid)?;
    let (first, second) = (first.trim(), second.trim());
    let is_role = |arn: &str| parse_iam_arn(arn, "role/").is_some();
    let is_provider = |arn: &str| parse_iam_arn(arn, "saml-provider/").is_some();
    let (role, provider) = if is_role(first) && is_provider(second) {
        (first, second)
    } else if is_provider(first) && is_role(second) {
        (second, first)
    } else {
        return Err(invalid());
    };
    Ok(RolePair {
        role_arn: role.to_owned(),
        provider_arn: provider.to_owned(),
    })
}

/// `arn:<partition>:iam::<12 digits>:<resource>` with `resource` starting with `kind` and a
/// non-empty rest: the account and the rest.
fn parse_iam_arn<'a>(arn: &'a str, kind: &str) -> Option<(&'a str, &'a str)> {
    let rest = arn.strip_prefix("arn:")?;
    let (partition, rest) = rest.split_once(':')?;
    let rest = rest.strip_prefix("iam::")?;
    let (account, resource) = rest.split_once(':')?;
    let name = resource.strip_prefix(kind)?;
    let valid = !partition.is_empty()
        && partition
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b == b'-')
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && !name.is_empty()
        && !name.contains(',');
    // The provider name is the last path segment.
    valid.then(|| (account, name.rsplit('/').next().unwrap_or(name)))
}

/// `[a-zA-Z_0-9+=,.@-]{2,64}`: RoleSessionName and SourceIdentity.
fn is_session_name(text: &str) -> bool {
    (2..=64).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b))
}

fn starts_with_aws(text: &str) -> bool {
    text.get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case("aws:"))
}

/// A tag key: 1–128 of letters, digits, spaces and `_ . : / = + - @`, not starting with `aws:`.
fn is_tag_key(key: &str) -> bool {
    let chars = key.chars().count();
    (1..=MAX_TAG_KEY_CHARS).contains(&chars)
        && !starts_with_aws(key)
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || c == ' ' || "_.:/=+-@".contains(c))
}

fn truncated(text: &str) -> String {
    const MAX_CHARS: usize = 64;
    match text.char_indices().nth(MAX_CHARS) {
        Some((end, _)) => format!("{}…", text.get(..end).unwrap_or_default()),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use fedgate_saml::{IdpMetadata, SamlResponse, ServiceProvider, parse_timestamp};

    use super::*;

    /// A vector of the saml crate's corpus, validated as the corpus test does.
    fn assertion(path: &str) -> ValidAssertion {
        let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../saml/tests/corpus");
        let metadata =
            IdpMetadata::parse(&std::fs::read(corpus.join("metadata/idp.xml")).unwrap()).unwrap();
        let response = SamlResponse::from_xml(&std::fs::read(corpus.join(path)).unwrap()).unwrap();
        let sp = ServiceProvider::new(AWS_ENTITY_ID, aws_signin_recipients()).unwrap();
        sp.validate(
            &metadata,
            &response,
            parse_timestamp("2030-01-01T00:01:00Z").unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn several_role_values_in_either_order() {
        let claims =
            AwsClaims::from_assertion(&assertion("accept/xmlsec1/several-roles.xml")).unwrap();
        let roles: Vec<&str> = claims.roles.iter().map(|r| r.role_arn.as_str()).collect();
        assert_eq!(
            roles,
            [
                "arn:aws:iam::123456789012:role/ConnectFederation",
                "arn:aws:iam::123456789012:role/Supervisor",
                "arn:aws:iam::123456789012:role/Reversed"
            ]
        );
        assert!(
            claims
                .roles
                .iter()
                .all(|r| r.provider_arn.ends_with(":saml-provider/ExampleIdP"))
        );
        assert_eq!(claims.session_duration, Some(3600));
    }

    #[test]
    fn tags_transitive_keys_and_source_identity() {
        let claims =
            AwsClaims::from_assertion(&assertion("accept/xmlsec1/session-tags.xml")).unwrap();
        assert_eq!(
            claims.tags,
            [
                ("Department".to_owned(), "Sales".to_owned()),
                ("CostCenter".to_owned(), "1234".to_owned())
            ]
        );
        assert_eq!(claims.transitive_tag_keys, ["Department"]);
        assert_eq!(claims.source_identity.as_deref(), Some("alice"));
    }

    #[test]
    fn aws_rules_are_enforced_with_aws_messages() {
        let error =
            AwsClaims::from_assertion(&assertion("accept/xmlsec1/aws-no-role.xml")).unwrap_err();
        assert_eq!(error, ClaimError::MissingRole);
        let error = AwsClaims::from_assertion(&assertion(
            "accept/xmlsec1/aws-session-duration-too-long.xml",
        ))
        .unwrap_err();
        assert_eq!(error, ClaimError::InvalidSessionDuration);
        let error =
            AwsClaims::from_assertion(&assertion("accept/xmlsec1/aws-invalid-session-name.xml"))
                .unwrap_err();
        assert_eq!(
            error.to_string(),
            "RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}"
        );
        assert_eq!(error.aws_code(), "InvalidIdentityToken");
    }

    #[test]
    fn condition_keys_follow_the_iam_table() {
        let valid = assertion("accept/xmlsec1/session-tags.xml");
        let provider = ProviderRef::from_arn("arn:aws:iam::123456789012:saml-provider/ExampleIdP");
        let keys = condition_keys(&valid, provider);
        let get = |key: &str| keys.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone());
        assert_eq!(
            get("saml:aud"),
            Some(vec!["https://signin.aws.amazon.com/saml".to_owned()])
        );
        assert_eq!(
            get("saml:iss"),
            Some(vec!["https://idp.example.test/saml".to_owned()])
        );
        assert_eq!(get("saml:sub"), Some(vec!["alice".to_owned()]));
        assert_eq!(get("saml:sub_type"), Some(vec!["persistent".to_owned()]));
        assert_eq!(
            get("saml:doc"),
            Some(vec!["123456789012/ExampleIdP".to_owned()])
        );
        let expected = name_qualifier(
            "https://idp.example.test/saml",
            ProviderRef {
                account_id: "123456789012",
                provider_name: "ExampleIdP",
            },
        );
        assert_eq!(get("saml:namequalifier"), Some(vec![expected]));
        assert_eq!(
            get("saml:edupersonaffiliation"),
            Some(vec!["member".to_owned(), "staff".to_owned()])
        );
        assert_eq!(get("saml:mail"), None);
        assert_eq!(
            condition_keys(&valid, None)
                .iter()
                .find(|(k, _)| *k == "saml:doc"),
            None
        );
    }

    #[test]
    fn name_qualifier_matches_the_documented_example() {
        let provider = ProviderRef {
            account_id: "123456789012",
            provider_name: "MySAMLIdP",
        };
        assert_eq!(
            name_qualifier("https://example.com/saml", provider),
            "1uAJanUnBc2XeUkHURMht+xam2c="
        );
    }

    #[test]
    fn sub_type_strips_only_the_saml2_prefix() {
        assert_eq!(
            subject_type("urn:oasis:names:tc:SAML:2.0:nameid-format:transient"),
            "transient"
        );
        assert_eq!(
            subject_type("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"),
            "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
        );
    }

    #[test]
    fn role_pairs_are_read_in_either_order() {
        let role = "arn:aws:iam::123456789012:role/path/Agent";
        let provider = "arn:aws:iam::123456789012:saml-provider/Okta";
        let expected = RolePair {
            role_arn: role.into(),
            provider_arn: provider.into(),
        };
        assert_eq!(
            role_pair(&format!("{role},{provider}")),
            Ok(expected.clone())
        );
        assert_eq!(role_pair(&format!("{provider}, {role}")), Ok(expected));
        assert!(role_pair(role).is_err());
        assert!(role_pair(&format!("{role},{role}")).is_err());
        assert!(role_pair(&format!("{provider},arn:aws:iam::12345:role/x")).is_err());
        assert!(role_pair(&format!("{provider},{role},x")).is_err());
    }

    #[test]
    fn session_names_follow_aws_pattern() {
        assert!(is_session_name("alice@example.com"));
        assert!(is_session_name("a_b+c=d,e.f@g-h"));
        assert!(!is_session_name("a"));
        assert!(!is_session_name(&"a".repeat(65)));
        assert!(!is_session_name("alice smith"));
        assert!(!is_session_name("alice/1"));
    }

    #[test]
    fn provider_ref_comes_from_the_provider_arn() {
        let provider = ProviderRef::from_arn("arn:aws:iam::123456789012:saml-provider/ExampleIdP");
        assert_eq!(
            provider.map(|p| (p.account_id, p.provider_name)),
            Some(("123456789012", "ExampleIdP"))
        );
        assert!(ProviderRef::from_arn("arn:aws:iam::123456789012:role/ExampleIdP").is_none());
    }
}
