//! The errors of the crate: a precise [`Rejection`] per check, plus metadata and configuration.

use fedgate_xmldsig::DsigError;

/// Why a SAML response was rejected: one variant per check, in the order they run.
///
/// [`Rejection::code`] is the stable name (used by the test manifest and by `fedgate saml
/// verify`); `Display` is a message a person understands. The server maps each variant to
/// AWS's wire code and message, and logs the detail.
#[derive(Clone, Copy, Debug, Eq, PartialEq, Hash)]
#[non_exhaustive]
pub enum Rejection {
    /// The base64 `SAMLResponse` is longer than [`crate::MAX_BASE64_CHARS`].
    TooLarge,
    /// The `SAMLResponse` is not valid base64.
    NotBase64,
    /// The document is not well-formed, namespace-valid UTF-8 XML, or a value has the wrong form.
    Malformed,
    /// The document has a DOCTYPE (entities, external DTDs and attribute defaults are refused).
    Doctype,
    /// The document exceeds a depth, attribute or node limit.
    LimitExceeded,
    /// Two elements carry the same `ID`.
    DuplicateId,
    /// The root element is not a SAML 2.0 `samlp:Response`.
    NotAResponse,
    /// The response's top-level `StatusCode` is not Success.
    StatusNotSuccess,
    /// The response carries no assertion.
    MissingAssertion,
    /// The response carries more than one assertion.
    MultipleAssertions,
    /// The response carries an `EncryptedAssertion`.
    EncryptedAssertion,
    /// An assertion, response or signature sits where a signature-wrapping attack puts it.
    SignatureWrapped,
    /// An `Issuer` is not the identity provider's entityID.
    IssuerMismatch,
    /// The identity provider's metadata is past its `validUntil`.
    MetadataExpired,
    /// Neither the assertion nor the response is signed.
    Unsigned,
    /// A `ds:Signature` does not have the one shape this profile accepts.
    MalformedSignature,
    /// A signature or digest algorithm outside the allow-list.
    UnsupportedAlgorithm,
    /// A transform other than enveloped-signature then exc-c14n.
    UnsupportedTransform,
    /// SHA-1 from an identity provider that is not allowed to use it.
    WeakAlgorithm,
    /// The signature's Reference is not `#` + the ID of the element that carries it.
    ReferenceMismatch,
    /// The signed element was changed after signing.
    DigestMismatch,
    /// The signature does not verify with the identity provider's keys.
    SignatureInvalid,
    /// The signature was made with a certificate the identity provider's metadata does not hold.
    UntrustedKey,
    /// The response's `Destination` is not one of this service provider's endpoints.
    DestinationMismatch,
    /// The response answers a request (`InResponseTo`); only IdP-initiated sign-in is accepted.
    InResponseToPresent,
    /// The subject has no NameID.
    MissingNameId,
    /// The subject has no bearer `SubjectConfirmation` with `Recipient` and `NotOnOrAfter`.
    MissingSubjectConfirmation,
    /// The subject has more than one `SubjectConfirmation`.
    MultipleSubjectConfirmations,
    /// The bearer confirmation's `Recipient` is not one of this service provider's endpoints.
    RecipientMismatch,
    /// `Conditions/@NotBefore` (or the confirmation's) is still in the future.
    NotYetValid,
    /// `Conditions/@NotOnOrAfter` has passed.
    Expired,
    /// The bearer confirmation's `NotOnOrAfter` has passed.
    SubjectConfirmationExpired,
    /// No `AudienceRestriction`, or one that names none of this service provider's audiences.
    AudienceMismatch,
    /// The assertion was issued more than five minutes ago.
    TooOld,
    /// The assertion was issued in the future.
    IssuedInFuture,
}

impl Rejection {
    /// Every variant, in check order (for tests that must cover each).
    pub const ALL: [Self; 35] = [
        Self::TooLarge,
        Self::NotBase64,
        Self::Malformed,
        Self::Doctype,
        Self::LimitExceeded,
        Self::DuplicateId,
        Self::NotAResponse,
        Self::StatusNotSuccess,
        Self::MissingAssertion,
        Self::MultipleAssertions,
        Self::EncryptedAssertion,
        Self::SignatureWrapped,
        Self::IssuerMismatch,
        Self::MetadataExpired,
        Self::Unsigned,
        Self::MalformedSignature,
        Self::UnsupportedAlgorithm,
        Self::UnsupportedTransform,
        Self::WeakAlgorithm,
        Self::ReferenceMismatch,
        Self::DigestMismatch,
        Self::SignatureInvalid,
        Self::UntrustedKey,
        Self::DestinationMismatch,
        Self::InResponseToPresent,
        Self::MissingNameId,
        Self::MissingSubjectConfirmation,
        Self::MultipleSubjectConfirmations,
        Self::RecipientMismatch,
        Self::NotYetValid,
        Self::Expired,
        Self::SubjectConfirmationExpired,
        Self::AudienceMismatch,
        Self::TooOld,
        Self::IssuedInFuture,
    ];

    /// The stable name of the check, e.g. `AudienceMismatch`.
    pub fn code(self) -> &'static str {
        match self {
            Self::TooLarge => "TooLarge",
            Self::NotBase64 => "NotBase64",
            Self::Malformed => "Malformed",
            Self::Doctype => "Doctype",
            Self::LimitExceeded => "LimitExceeded",
            Self::DuplicateId => "DuplicateId",
            Self::NotAResponse => "NotAResponse",
            Self::StatusNotSuccess => "StatusNotSuccess",
            Self::MissingAssertion => "MissingAssertion",
            Self::MultipleAssertions => "MultipleAssertions",
            Self::EncryptedAssertion => "EncryptedAssertion",
            Self::SignatureWrapped => "SignatureWrapped",
            Self::IssuerMismatch => "IssuerMismatch",
            Self::Unsigned => "Unsigned",
            Self::MalformedSignature => "MalformedSignature",
            Self::UnsupportedAlgorithm => "UnsupportedAlgorithm",
            Self::UnsupportedTransform => "UnsupportedTransform",
            Self::WeakAlgorithm => "WeakAlgorithm",
            Self::ReferenceMismatch => "ReferenceMismatch",
            Self::DigestMismatch => "DigestMismatch",
            Self::SignatureInvalid => "SignatureInvalid",
            Self::UntrustedKey => "UntrustedKey",
            Self::DestinationMismatch => "DestinationMismatch",
            Self::InResponseToPresent => "InResponseToPresent",
            Self::MissingNameId => "MissingNameId",
            Self::MissingSubjectConfirmation => "MissingSubjectConfirmation",
            Self::MultipleSubjectConfirmations => "MultipleSubjectConfirmations",
            Self::RecipientMismatch => "RecipientMismatch",
            Self::NotYetValid => "NotYetValid",
            Self::Expired => "Expired",
            Self::SubjectConfirmationExpired => "SubjectConfirmationExpired",
            Self::AudienceMismatch => "AudienceMismatch",
            Self::TooOld => "TooOld",
            Self::IssuedInFuture => "IssuedInFuture",
            Self::MetadataExpired => "MetadataExpired",
        }
    }

    /// A message for a person debugging a sign-in.
    pub fn message(self) -> &'static str {
        match self {
            Self::TooLarge => "the SAML response is larger than 100,000 base64 characters",
            Self::NotBase64 => "the SAML response is not valid base64",
            Self::Malformed => "the SAML response is not well-formed SAML",
            Self::Doctype => "the SAML response has a DOCTYPE, which is never allowed",
            Self::LimitExceeded => "the SAML response exceeds a size, depth or attribute limit",
            Self::DuplicateId => "two elements of the SAML response have the same ID",
            Self::NotAResponse => "the document is not a SAML 2.0 samlp:Response",
            Self::StatusNotSuccess => "the identity provider reported that sign-in failed",
            Self::MissingAssertion => "the response carries no assertion",
            Self::MultipleAssertions => "the response carries more than one assertion",
            Self::EncryptedAssertion => "encrypted assertions are not supported yet",
            Self::SignatureWrapped => {
                "an assertion, response or signature is nested where signature-wrapping attacks put it"
            }
            Self::IssuerMismatch => "the issuer is not the identity provider in the metadata",
            Self::Unsigned => "neither the assertion nor the response is signed",
            Self::MalformedSignature => "the signature does not have the shape SAML uses",
            Self::UnsupportedAlgorithm => "the signature uses an algorithm that is not allowed",
            Self::UnsupportedTransform => {
                "the signature uses a transform other than enveloped-signature and exc-c14n"
            }
            Self::WeakAlgorithm => {
                "the signature uses SHA-1, which this identity provider may not use"
            }
            Self::ReferenceMismatch => {
                "the signature does not reference the element that carries it"
            }
            Self::DigestMismatch => "the signed content was changed after signing",
            Self::SignatureInvalid => {
                "the signature does not verify with the identity provider's keys"
            }
            Self::UntrustedKey => {
                "the response was signed with a certificate that is not in the identity provider's metadata"
            }
            Self::DestinationMismatch => "the response's Destination is not an accepted endpoint",
            Self::InResponseToPresent => {
                "the response answers a request (InResponseTo); only IdP-initiated sign-in is accepted"
            }
            Self::MissingNameId => "the assertion's subject has no NameID",
            Self::MissingSubjectConfirmation => {
                "the subject has no bearer SubjectConfirmation with Recipient and NotOnOrAfter"
            }
            Self::MultipleSubjectConfirmations => {
                "the subject has more than one SubjectConfirmation"
            }
            Self::RecipientMismatch => {
                "the SubjectConfirmationData Recipient is not an accepted endpoint"
            }
            Self::NotYetValid => "the assertion is not valid yet",
            Self::Expired => "the response has expired",
            Self::SubjectConfirmationExpired => "the subject confirmation has expired",
            Self::AudienceMismatch => "the response does not contain an accepted audience",
            Self::TooOld => "the assertion must be redeemed within 5 minutes of issuance",
            Self::IssuedInFuture => "the assertion was issued in the future",
            Self::MetadataExpired => "the identity provider's metadata is past its validUntil",
        }
    }

    /// The rejection for an xmldsig error.
    pub(crate) fn from_dsig(error: &DsigError) -> Self {
        match error {
            DsigError::Doctype => Self::Doctype,
            DsigError::TooLarge { .. } => Self::TooLarge,
            DsigError::TooDeep { .. }
            | DsigError::TooManyAttributes { .. }
            | DsigError::TooManyNodes { .. } => Self::LimitExceeded,
            DsigError::DuplicateId(_) => Self::DuplicateId,
            DsigError::Unsigned => Self::Unsigned,
            DsigError::MultipleSignatures | DsigError::MalformedSignature(_) => {
                Self::MalformedSignature
            }
            DsigError::UnsupportedAlgorithm(_) => Self::UnsupportedAlgorithm,
            DsigError::WeakAlgorithm(_) => Self::WeakAlgorithm,
            DsigError::ReferenceMismatch(_) => Self::ReferenceMismatch,
            DsigError::UnsupportedTransform(_) => Self::UnsupportedTransform,
            DsigError::DigestMismatch => Self::DigestMismatch,
            DsigError::SignatureInvalid | DsigError::InvalidKey(_) => Self::SignatureInvalid,
            DsigError::UntrustedKey => Self::UntrustedKey,
            _ => Self::Malformed,
        }
    }
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message())
    }
}

/// Why [`crate::ServiceProvider::validate`] refused a response.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SamlError {
    /// A protocol check failed.
    #[error("{0}")]
    Rejected(Rejection),
    /// A protocol check failed on a value worth showing (truncated, in backticks).
    #[error("{rejection}: {detail}")]
    RejectedWith {
        /// The check that failed.
        rejection: Rejection,
        /// What was found.
        detail: String,
    },
    /// Parsing or signature verification failed.
    #[error("{rejection}: {source}")]
    Signature {
        /// The check that failed.
        rejection: Rejection,
        /// The xmldsig error.
        #[source]
        source: DsigError,
    },
}

impl SamlError {
    /// The check that failed.
    pub fn rejection(&self) -> Rejection {
        match self {
            Self::Rejected(rejection)
            | Self::RejectedWith { rejection, .. }
            | Self::Signature { rejection, .. } => *rejection,
        }
    }

    pub(crate) fn with(rejection: Rejection, detail: impl Into<String>) -> Self {
        Self::RejectedWith {
            rejection,
            detail: detail.into(),
        }
    }

    /// `rejection` with an untrusted value shown, in backticks and truncated.
    pub(crate) fn value(rejection: Rejection, what: &str, value: &str) -> Self {
        Self::with(rejection, format!("{what} `{}`", truncated(value)))
    }
}

impl From<Rejection> for SamlError {
    fn from(rejection: Rejection) -> Self {
        Self::Rejected(rejection)
    }
}

impl From<DsigError> for SamlError {
    fn from(source: DsigError) -> Self {
        Self::Signature {
            rejection: Rejection::from_dsig(&source),
            source,
        }
    }
}

/// Why IdP metadata was refused. `Display` is AWS's IAM message where AWS documents one.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MetadataError {
    /// The metadata starts with a byte order mark.
    #[error(
        "Could not parse metadata: the document starts with a byte order mark (save it as UTF-8 without BOM)"
    )]
    ByteOrderMark,
    /// The metadata is not UTF-8.
    #[error("Could not parse metadata: the document is not UTF-8")]
    NotUtf8,
    /// The metadata is not well-formed XML, or has a DOCTYPE, or exceeds a limit.
    #[error("Could not parse metadata: {0}")]
    Xml(DsigError),
    /// The root is neither `md:EntityDescriptor` nor `md:EntitiesDescriptor`.
    #[error(
        "Could not parse metadata: the root element is not md:EntityDescriptor or md:EntitiesDescriptor"
    )]
    NotMetadata,
    /// The metadata describes no SAML 2.0 identity provider.
    #[error("Could not parse metadata: no EntityDescriptor has an IDPSSODescriptor for SAML 2.0")]
    NoIdentityProvider,
    /// More identity providers than AWS allows in one SAML provider.
    #[error("Could not parse metadata: more than {limit} identity providers")]
    TooManyIdentityProviders {
        /// The limit.
        limit: usize,
    },
    /// An EntityDescriptor without an entityID.
    #[error("Could not parse metadata: an EntityDescriptor has no entityID")]
    MissingEntityId,
    /// Two EntityDescriptors with the same entityID.
    #[error("Could not parse metadata: the entityID `{0}` appears more than once")]
    DuplicateEntityId(String),
    /// An identity provider without a signing key.
    #[error("Could not parse metadata: the identity provider `{0}` has no signing certificate")]
    NoSigningKey(String),
    /// More signing keys than [`crate::MAX_SIGNING_KEYS`].
    #[error(
        "Could not parse metadata: more than {limit} signing certificates for one identity provider"
    )]
    TooManyKeys {
        /// The limit.
        limit: usize,
    },
    /// A certificate that cannot be parsed or used.
    #[error("Could not parse metadata: invalid certificate: {0}")]
    InvalidCertificate(String),
    /// A certificate whose key is under 1024 bits.
    #[error(
        "Could not parse metadata: the certificate's key must be at least 1024 bits, not {bits}"
    )]
    KeyTooSmall {
        /// The key size.
        bits: usize,
    },
    /// A certificate that repeats an extension.
    #[error("Could not parse metadata: a certificate repeats an extension")]
    RepeatedExtension,
    /// A `validUntil` that is not a SAML timestamp.
    #[error("Could not parse metadata: validUntil `{0}` is not a UTC timestamp")]
    InvalidValidUntil(String),
}

/// A [`crate::ServiceProvider`] that cannot be built.
#[derive(Debug, thiserror::Error, Eq, PartialEq)]
#[non_exhaustive]
pub enum ConfigError {
    /// No accepted recipient.
    #[error("at least one accepted recipient is required")]
    NoRecipient,
    /// No accepted audience.
    #[error("at least one accepted audience is required")]
    NoAudience,
    /// A clock skew beyond [`crate::MAX_SKEW`] or negative.
    #[error("the clock skew must be between 0 and 5 minutes")]
    SkewOutOfRange,
}

/// Untrusted text shown in an error, cut to a length a log line can carry.
pub(crate) fn truncated(text: &str) -> String {
    const MAX_CHARS: usize = 64;
    match text.char_indices().nth(MAX_CHARS) {
        Some((end, _)) => format!("{}…", text.get(..end).unwrap_or_default()),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_name_the_variant() {
        let mut codes: Vec<&str> = Rejection::ALL.iter().map(|r| r.code()).collect();
        for (rejection, code) in Rejection::ALL.iter().zip(&codes) {
            assert_eq!(format!("{rejection:?}"), *code);
        }
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), Rejection::ALL.len());
    }

    #[test]
    fn messages_are_lowercase_without_final_period() {
        for rejection in Rejection::ALL {
            let message = rejection.message();
            assert!(message.starts_with(|c: char| c.is_lowercase()), "{message}");
            assert!(!message.ends_with('.'), "{message}");
        }
    }
}
