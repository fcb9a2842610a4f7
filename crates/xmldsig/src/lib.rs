//! Strict XML-DSig verification for the SAML profile, in pure Rust.
//!
//! Every SAML sign-in rests on one question: *which element did the identity provider sign?*
//! This crate answers it for exactly the profile SAML uses, and nothing more:
//!
//! - [`Document::parse`]: UTF-8 only, no DOCTYPE, named [`Limits`] on size, depth, attributes
//!   and nodes checked by a linear pre-scan before a tree is built, names that XML Namespaces
//!   forbids refused, `ID` values unique NCNames.
//! - [`C14nOptions`] / [`Document::canonicalize`]: Exclusive XML Canonicalization 1.0
//!   (<https://www.w3.org/TR/xml-exc-c14n/>) with and without comments and with the
//!   InclusiveNamespaces PrefixList, byte-identical to libxml2's.
//! - [`verify`]: one `ds:Signature`, a direct child of the element it signs, one `Reference` to
//!   `#` + that element's `ID`, transforms enveloped-signature then exc-c14n, digests SHA-256/384/512,
//!   signatures RSA PKCS#1 v1.5, RSA-PSS and ECDSA P-256/P-384. SHA-1 and RSA keys under 2048 bits
//!   only where the [`TrustedKeys`] allow them.
//! - [`Signed`]: the proof. It holds the signed element re-read from the canonical bytes that
//!   were digested, and nothing else of the document.
//!
//! - [`sign_enveloped`]: signatures in exactly that shape, for the development IdP and tests.
//! - [`decode_base64`]: strict standard base64, for signature values and SAML responses.
//!
//! Deliberately not supported: DTDs and entities, XPath, XSLT, XPointer, external or empty
//! references, `ds:Object`, several references, HMAC, MD5, DSA, KeyInfo as a source of trust,
//! certificate chains, XML Encryption.
//!
//! Trust boundary: the input bytes are hostile; the [`TrustedKeys`] come from the caller (pinned
//! IdP metadata or configuration). The crate does no I/O, reads no clock and logs nothing.
//!
//! Specifications: XML Signature Syntax and Processing (Second Edition)
//! <https://www.w3.org/TR/xmldsig-core1/>, Exclusive XML Canonicalization 1.0, RFC 6931 (algorithm
//! URIs), Namespaces in XML 1.0.

mod algorithm;
mod c14n;
mod document;
mod error;
#[doc(hidden)]
pub mod fuzzing;
mod key;
mod radix64;
mod scan;
mod sign;
mod signed;
mod traverse;
mod verify;

pub use algorithm::{
    DSIG_NAMESPACE, DigestAlgorithm, ENVELOPED_SIGNATURE, EXC_C14N, EXC_C14N_WITH_COMMENTS,
    SignatureAlgorithm,
};
pub use c14n::C14nOptions;
pub use document::{
    DEFAULT_MAX_ATTRIBUTES, DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH, DEFAULT_MAX_NODES, Document,
    Limits,
};
pub use error::DsigError;
pub use key::{KeyKind, MIN_LEGACY_RSA_BITS, MIN_RSA_BITS, TrustedKey, TrustedKeys};
pub use radix64::decode_base64;
pub use roxmltree;
pub use sign::{SigningKey, sign_enveloped};
pub use signed::{Signed, SignedElement, SignedNode};
pub use verify::{verify, verify_all};
