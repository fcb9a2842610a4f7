//! The one error type of the crate: a precise reason per check.

/// Why a document could not be parsed, canonicalised or verified.
///
/// Each variant is one check; [`DsigError::code`] names it in a stable, machine-readable way
/// (the names used by the test-vector manifests and by `fedgate xml verify`).
#[derive(Clone, Debug, Eq, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DsigError {
    /// The document is not UTF-8, or declares another encoding.
    #[error("the document is not UTF-8")]
    NotUtf8,
    /// The document has a DOCTYPE (DTDs, entities and their defaults are refused).
    #[error("a DOCTYPE is not allowed")]
    Doctype,
    /// The document is larger than [`crate::Limits::max_bytes`].
    #[error("the document is larger than {limit} bytes")]
    TooLarge {
        /// The limit that was exceeded.
        limit: usize,
    },
    /// Elements are nested deeper than [`crate::Limits::max_depth`].
    #[error("elements are nested deeper than {limit} levels")]
    TooDeep {
        /// The limit that was exceeded.
        limit: usize,
    },
    /// An element has more attributes than [`crate::Limits::max_attributes`].
    #[error("an element has more than {limit} attributes")]
    TooManyAttributes {
        /// The limit that was exceeded.
        limit: usize,
    },
    /// The document has more nodes than [`crate::Limits::max_nodes`].
    #[error("the document has more than {limit} nodes")]
    TooManyNodes {
        /// The limit that was exceeded.
        limit: usize,
    },
    /// A name or namespace declaration that XML Namespaces 1.0 forbids.
    #[error("forbidden name or namespace declaration `{0}`")]
    ForbiddenNamespace(String),
    /// Two elements carry the same `ID`.
    #[error("the ID `{0}` appears more than once")]
    DuplicateId(String),
    /// An `ID` attribute that is not an NCName.
    #[error("the ID `{0}` is not an NCName")]
    InvalidId(String),
    /// The document is not well-formed XML.
    #[error("not well-formed XML: {0}")]
    Malformed(String),
    /// No element has the requested `ID`.
    #[error("no element has the ID `{0}`")]
    UnknownId(String),
    /// The element has no `ds:Signature` child.
    #[error("the element is not signed")]
    Unsigned,
    /// The element has more than one `ds:Signature` child.
    #[error("the element has more than one signature")]
    MultipleSignatures,
    /// The `ds:Signature` does not have the one shape this profile accepts.
    #[error("malformed signature: {0}")]
    MalformedSignature(&'static str),
    /// An algorithm outside the allow-list.
    #[error("unsupported algorithm `{0}`")]
    UnsupportedAlgorithm(String),
    /// SHA-1, or an RSA key under 2048 bits, that the trust anchor does not allow.
    #[error("{0} is not allowed by the trusted keys")]
    WeakAlgorithm(&'static str),
    /// The Reference does not point at the element that carries the signature.
    #[error("the reference `{0}` is not `#` followed by the signed element's ID")]
    ReferenceMismatch(String),
    /// A transform list other than enveloped-signature then exc-c14n.
    #[error("unsupported transforms: {0}")]
    UnsupportedTransform(String),
    /// The digest of the signed element does not match the signed DigestValue.
    #[error("the digest of the signed element does not match its DigestValue")]
    DigestMismatch,
    /// No trusted key verifies the SignatureValue.
    #[error("the signature value does not verify with any trusted key")]
    SignatureInvalid,
    /// The signature carries a certificate that is not trusted, and no trusted key verifies it.
    #[error("the signature was made by a key that is not trusted")]
    UntrustedKey,
    /// A trusted certificate or key that cannot be used.
    #[error("invalid trusted key: {0}")]
    InvalidKey(String),
}

impl DsigError {
    /// The stable name of the check that failed, e.g. `DigestMismatch`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotUtf8 => "NotUtf8",
            Self::Doctype => "Doctype",
            Self::TooLarge { .. } => "TooLarge",
            Self::TooDeep { .. } => "TooDeep",
            Self::TooManyAttributes { .. } => "TooManyAttributes",
            Self::TooManyNodes { .. } => "TooManyNodes",
            Self::ForbiddenNamespace(_) => "ForbiddenNamespace",
            Self::DuplicateId(_) => "DuplicateId",
            Self::InvalidId(_) => "InvalidId",
            Self::Malformed(_) => "Malformed",
            Self::UnknownId(_) => "UnknownId",
            Self::Unsigned => "Unsigned",
            Self::MultipleSignatures => "MultipleSignatures",
            Self::MalformedSignature(_) => "MalformedSignature",
            Self::UnsupportedAlgorithm(_) => "UnsupportedAlgorithm",
            Self::WeakAlgorithm(_) => "WeakAlgorithm",
            Self::ReferenceMismatch(_) => "ReferenceMismatch",
            Self::UnsupportedTransform(_) => "UnsupportedTransform",
            Self::DigestMismatch => "DigestMismatch",
            Self::SignatureInvalid => "SignatureInvalid",
            Self::UntrustedKey => "UntrustedKey",
            Self::InvalidKey(_) => "InvalidKey",
        }
    }
}

/// Untrusted text shown in an error, cut to a length a log line can carry.
pub(crate) fn truncated(text: &str) -> String {
    const MAX_CHARS: usize = 64;
    match text.char_indices().nth(MAX_CHARS) {
        Some((end, _)) => format!("{}…", text.get(..end).unwrap_or_default()),
        None => text.to_owned(),
    }
}
