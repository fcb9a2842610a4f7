//! The proof of validation: what a verified assertion says.

use time::OffsetDateTime;

/// A validated assertion. Only [`crate::ServiceProvider::validate`] builds one, and every field
/// was read from the canonical bytes that a verified signature covered.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct ValidAssertion {
    pub(crate) id: String,
    pub(crate) issuer: String,
    pub(crate) issue_instant: OffsetDateTime,
    pub(crate) name_id: NameId,
    pub(crate) recipient: String,
    pub(crate) audiences: Vec<String>,
    pub(crate) not_on_or_after: OffsetDateTime,
    pub(crate) session_not_on_or_after: Option<OffsetDateTime>,
    pub(crate) attributes: Attributes,
    pub(crate) signature: SignatureCoverage,
}

/// Which signatures covered the assertion.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum SignatureCoverage {
    /// The assertion's own signature; the response envelope was unsigned.
    Assertion,
    /// The response's signature; the assertion had none of its own.
    Response,
    /// Both, each verified.
    Both,
}

impl SignatureCoverage {
    /// `assertion`, `response` or `both`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Assertion => "assertion",
            Self::Response => "response",
            Self::Both => "both",
        }
    }
}

/// The subject's `NameID`: all of its text (a comment inside never truncates it), and format.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct NameId {
    pub(crate) value: String,
    pub(crate) format: Option<String>,
    pub(crate) name_qualifier: Option<String>,
    pub(crate) sp_name_qualifier: Option<String>,
}

/// One `saml:Attribute`, with its values in order, each the full text of its `AttributeValue`.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Attribute {
    pub(crate) name: String,
    pub(crate) name_format: Option<String>,
    pub(crate) friendly_name: Option<String>,
    pub(crate) values: Vec<String>,
}

/// The attributes of every `AttributeStatement`, in document order: an ordered multimap (the
/// same `Name` may appear in several `Attribute` elements; each is kept).
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct Attributes {
    pub(crate) entries: Vec<Attribute>,
}

impl ValidAssertion {
    /// The assertion's `ID`: with [`ValidAssertion::issuer`], the replay-cache key.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The issuer, equal to the identity provider's entityID.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The assertion's `IssueInstant`.
    pub fn issue_instant(&self) -> OffsetDateTime {
        self.issue_instant
    }

    /// The subject's NameID.
    pub fn name_id(&self) -> &NameId {
        &self.name_id
    }

    /// The bearer confirmation's `Recipient` (AWS's `saml:aud`).
    pub fn recipient(&self) -> &str {
        &self.recipient
    }

    /// Every `Audience` of the assertion's `AudienceRestriction`s, in order.
    pub fn audiences(&self) -> &[String] {
        &self.audiences
    }

    /// The earliest of `Conditions/@NotOnOrAfter` and the confirmation's `NotOnOrAfter`: the
    /// instant after which the assertion is worthless (a replay-cache entry may go then,
    /// plus the skew).
    pub fn not_on_or_after(&self) -> OffsetDateTime {
        self.not_on_or_after
    }

    /// `AuthnStatement/@SessionNotOnOrAfter`, the earliest if several.
    pub fn session_not_on_or_after(&self) -> Option<OffsetDateTime> {
        self.session_not_on_or_after
    }

    /// The attributes.
    pub fn attributes(&self) -> &Attributes {
        &self.attributes
    }

    /// Which signatures covered the assertion.
    pub fn signature(&self) -> SignatureCoverage {
        self.signature
    }
}

impl NameId {
    /// The full text of the NameID.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// The `Format` attribute.
    pub fn format(&self) -> Option<&str> {
        self.format.as_deref()
    }

    /// The `NameQualifier` attribute.
    pub fn name_qualifier(&self) -> Option<&str> {
        self.name_qualifier.as_deref()
    }

    /// The `SPNameQualifier` attribute.
    pub fn sp_name_qualifier(&self) -> Option<&str> {
        self.sp_name_qualifier.as_deref()
    }
}

impl Attribute {
    /// The `Name` (compared exactly, case-sensitively, as AWS does).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The `NameFormat`.
    pub fn name_format(&self) -> Option<&str> {
        self.name_format.as_deref()
    }

    /// The `FriendlyName`.
    pub fn friendly_name(&self) -> Option<&str> {
        self.friendly_name.as_deref()
    }

    /// The values, in order.
    pub fn values(&self) -> &[String] {
        &self.values
    }
}

impl Attributes {
    /// Every attribute, in document order.
    pub fn iter(&self) -> impl Iterator<Item = &Attribute> {
        self.entries.iter()
    }

    /// Every `Attribute` element named `name`, in order.
    pub fn named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Attribute> {
        self.entries.iter().filter(move |a| a.name == name)
    }

    /// The values of every `Attribute` named `name`, in order.
    pub fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> {
        self.named(name)
            .flat_map(|a| a.values.iter().map(String::as_str))
    }

    /// The number of `Attribute` elements.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there is no attribute.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
