//! The fixed allow-list of algorithm URIs. Widening it is a code change with a test.

use aws_lc_rs::{digest, signature};

use crate::error::{DsigError, truncated};

/// `http://www.w3.org/2000/09/xmldsig#`
pub const DSIG_NAMESPACE: &str = "http://www.w3.org/2000/09/xmldsig#";
/// Exclusive C14N 1.0 without comments (also the namespace of `InclusiveNamespaces`).
pub const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
/// Exclusive C14N 1.0 with comments.
pub const EXC_C14N_WITH_COMMENTS: &str = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments";
/// The enveloped-signature transform.
pub const ENVELOPED_SIGNATURE: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";

/// A signature algorithm of the allow-list.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
#[non_exhaustive]
pub enum SignatureAlgorithm {
    /// ECDSA P-256 with SHA-256, r‖s encoding (XML-DSig 1.1).
    EcdsaSha256,
    /// ECDSA P-384 with SHA-384, r‖s encoding.
    EcdsaSha384,
    /// RSA PKCS#1 v1.5 with SHA-1: legacy, only when the trust anchor allows SHA-1.
    RsaSha1,
    /// RSA PKCS#1 v1.5 with SHA-256.
    RsaSha256,
    /// RSA PKCS#1 v1.5 with SHA-384.
    RsaSha384,
    /// RSA PKCS#1 v1.5 with SHA-512.
    RsaSha512,
    /// RSASSA-PSS with SHA-256 and MGF1-SHA-256 (RFC 6931).
    RsaPssSha256,
    /// RSASSA-PSS with SHA-384 and MGF1-SHA-384.
    RsaPssSha384,
    /// RSASSA-PSS with SHA-512 and MGF1-SHA-512.
    RsaPssSha512,
}

impl SignatureAlgorithm {
    /// The algorithm named by a `SignatureMethod` URI, if it is on the allow-list.
    pub fn from_uri(uri: &str) -> Result<Self, DsigError> {
        Ok(match uri {
            "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256" => Self::EcdsaSha256,
            "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384" => Self::EcdsaSha384,
            "http://www.w3.org/2000/09/xmldsig#rsa-sha1" => Self::RsaSha1,
            "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256" => Self::RsaSha256,
            "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384" => Self::RsaSha384,
            "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512" => Self::RsaSha512,
            "http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1" => Self::RsaPssSha256,
            "http://www.w3.org/2007/05/xmldsig-more#sha384-rsa-MGF1" => Self::RsaPssSha384,
            "http://www.w3.org/2007/05/xmldsig-more#sha512-rsa-MGF1" => Self::RsaPssSha512,
            // SECURITY: everything else (HMAC, MD5, DSA, ECDSA-SHA1, unknown URIs) is refused,
            // never mapped to a default (samlify's "unknown → RSA-SHA1" fallback).
            other => return Err(DsigError::UnsupportedAlgorithm(truncated(other))),
        })
    }

    /// Whether the algorithm hashes with SHA-1.
    pub fn is_sha1(self) -> bool {
        self == Self::RsaSha1
    }

    /// Whether the algorithm takes an RSA key.
    pub fn is_rsa(self) -> bool {
        !matches!(self, Self::EcdsaSha256 | Self::EcdsaSha384)
    }

    /// The aws-lc-rs verification algorithm; `legacy_rsa` selects the variants that accept
    /// 1024-bit RSA keys.
    pub(crate) fn verification(
        self,
        legacy_rsa: bool,
    ) -> Option<&'static dyn signature::VerificationAlgorithm> {
        Some(match (self, legacy_rsa) {
            (Self::EcdsaSha256, _) => &signature::ECDSA_P256_SHA256_FIXED,
            (Self::EcdsaSha384, _) => &signature::ECDSA_P384_SHA384_FIXED,
            (Self::RsaSha1, false) => &signature::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
            (Self::RsaSha1, true) => &signature::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY,
            (Self::RsaSha256, false) => &signature::RSA_PKCS1_2048_8192_SHA256,
            (Self::RsaSha256, true) => &signature::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
            (Self::RsaSha384, false) => &signature::RSA_PKCS1_2048_8192_SHA384,
            (Self::RsaSha512, false) => &signature::RSA_PKCS1_2048_8192_SHA512,
            (Self::RsaSha512, true) => &signature::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY,
            (Self::RsaPssSha256, false) => &signature::RSA_PSS_2048_8192_SHA256,
            (Self::RsaPssSha384, false) => &signature::RSA_PSS_2048_8192_SHA384,
            (Self::RsaPssSha512, false) => &signature::RSA_PSS_2048_8192_SHA512,
            // aws-lc-rs has no 1024-bit variant of these; such keys stay refused.
            (
                Self::RsaSha384 | Self::RsaPssSha256 | Self::RsaPssSha384 | Self::RsaPssSha512,
                true,
            ) => {
                return None;
            }
        })
    }
}

/// A digest algorithm of the allow-list.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
#[non_exhaustive]
pub enum DigestAlgorithm {
    /// SHA-1: legacy, only when the trust anchor allows SHA-1.
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl DigestAlgorithm {
    /// The algorithm named by a `DigestMethod` URI, if it is on the allow-list.
    pub fn from_uri(uri: &str) -> Result<Self, DsigError> {
        Ok(match uri {
            "http://www.w3.org/2000/09/xmldsig#sha1" => Self::Sha1,
            "http://www.w3.org/2001/04/xmlenc#sha256" => Self::Sha256,
            "http://www.w3.org/2001/04/xmldsig-more#sha384" => Self::Sha384,
            "http://www.w3.org/2001/04/xmlenc#sha512" => Self::Sha512,
            other => return Err(DsigError::UnsupportedAlgorithm(truncated(other))),
        })
    }

    /// The digest of `bytes`.
    pub(crate) fn digest(self, bytes: &[u8]) -> digest::Digest {
        let algorithm = match self {
            Self::Sha1 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
            Self::Sha256 => &digest::SHA256,
            Self::Sha384 => &digest::SHA384,
            Self::Sha512 => &digest::SHA512,
        };
        digest::digest(algorithm, bytes)
    }
}
