//! Trusted keys: the only source of trust. `KeyInfo` in a document never adds any.

use aws_lc_rs::signature::{self, ParsedPublicKey};
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::public_key::PublicKey;
use x509_parser::x509::SubjectPublicKeyInfo;

use crate::algorithm::SignatureAlgorithm;
use crate::error::{DsigError, truncated};

/// Smallest RSA modulus accepted without the legacy allowance.
pub const MIN_RSA_BITS: usize = 2048;
/// Smallest RSA modulus accepted at all (AWS accepts 1024-bit metadata keys).
pub const MIN_LEGACY_RSA_BITS: usize = 1024;

/// The type and size of a trusted public key.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
#[non_exhaustive]
pub enum KeyKind {
    /// ECDSA on P-256.
    EcP256,
    /// ECDSA on P-384.
    EcP384,
    /// RSA with a modulus of this many bits.
    Rsa {
        /// Modulus size in bits.
        bits: usize,
    },
}

/// One trusted public key, from a certificate or a SubjectPublicKeyInfo.
#[derive(Clone)]
pub struct TrustedKey {
    kind: KeyKind,
    spki: Vec<u8>,
    certificate: Option<Vec<u8>>,
}

impl std::fmt::Debug for TrustedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrustedKey")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

impl TrustedKey {
    /// The key of a DER X.509 certificate. Validity dates are not checked: identity providers
    /// routinely sign with expired self-signed certificates, and AWS ignores their dates.
    pub fn from_certificate_der(der: &[u8]) -> Result<Self, DsigError> {
        let (_, certificate) = X509Certificate::from_der(der)
            .map_err(|e| DsigError::InvalidKey(truncated(&e.to_string())))?;
        let mut key = Self::from_spki_der(certificate.public_key().raw)?;
        key.certificate = Some(der.to_vec());
        Ok(key)
    }

    /// A key from a DER SubjectPublicKeyInfo.
    pub fn from_spki_der(der: &[u8]) -> Result<Self, DsigError> {
        let (_, spki) = SubjectPublicKeyInfo::from_der(der)
            .map_err(|e| DsigError::InvalidKey(truncated(&e.to_string())))?;
        let kind = match spki.parsed() {
            Ok(PublicKey::RSA(rsa)) => KeyKind::Rsa {
                bits: modulus_bits(rsa.modulus),
            },
            Ok(PublicKey::EC(_)) => {
                if ParsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, der).is_ok() {
                    KeyKind::EcP256
                } else if ParsedPublicKey::new(&signature::ECDSA_P384_SHA384_FIXED, der).is_ok() {
                    KeyKind::EcP384
                } else {
                    return Err(DsigError::InvalidKey(
                        "an EC key on a curve other than P-256 or P-384".into(),
                    ));
                }
            }
            _ => {
                return Err(DsigError::InvalidKey(
                    "a key that is neither RSA nor ECDSA".into(),
                ));
            }
        };
        if let KeyKind::Rsa { bits } = kind
            && bits < MIN_LEGACY_RSA_BITS
        {
            return Err(DsigError::InvalidKey(format!("an RSA key of {bits} bits")));
        }
        Ok(Self {
            kind,
            spki: der.to_vec(),
            certificate: None,
        })
    }

    /// The type and size of the key.
    pub fn kind(&self) -> KeyKind {
        self.kind
    }

    /// The DER SubjectPublicKeyInfo.
    pub fn spki_der(&self) -> &[u8] {
        &self.spki
    }

    /// Whether `der` is this key's certificate, or a certificate for this key.
    pub(crate) fn matches_certificate(&self, der: &[u8]) -> bool {
        if self.certificate.as_deref() == Some(der) {
            return true;
        }
        X509Certificate::from_der(der)
            .is_ok_and(|(_, c)| c.public_key().raw == self.spki.as_slice())
    }
}

/// The keys a caller trusts for one signer, with that signer's legacy allowances.
///
/// Strict by default: SHA-1 and RSA keys under 2048 bits are refused unless allowed here.
#[derive(Clone, Debug)]
pub struct TrustedKeys {
    keys: Vec<TrustedKey>,
    allow_sha1: bool,
    allow_rsa_1024: bool,
    verifiers: Vec<Verifier>,
}

#[derive(Clone)]
struct Verifier {
    key: usize,
    algorithm: SignatureAlgorithm,
    parsed: ParsedPublicKey,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("key", &self.key)
            .field("algorithm", &self.algorithm)
            .finish()
    }
}

/// Every algorithm of the allow-list, in the order keys are prepared for them.
const ALGORITHMS: [SignatureAlgorithm; 9] = [
    SignatureAlgorithm::EcdsaSha256,
    SignatureAlgorithm::EcdsaSha384,
    SignatureAlgorithm::RsaSha1,
    SignatureAlgorithm::RsaSha256,
    SignatureAlgorithm::RsaSha384,
    SignatureAlgorithm::RsaSha512,
    SignatureAlgorithm::RsaPssSha256,
    SignatureAlgorithm::RsaPssSha384,
    SignatureAlgorithm::RsaPssSha512,
];

impl TrustedKeys {
    /// Trusts `keys`, strictly (no SHA-1, no RSA under 2048 bits).
    pub fn new(keys: Vec<TrustedKey>) -> Self {
        let mut trusted = Self {
            keys,
            allow_sha1: false,
            allow_rsa_1024: false,
            verifiers: Vec::new(),
        };
        trusted.prepare();
        trusted
    }

    /// Every certificate (`CERTIFICATE`) and public key (`PUBLIC KEY`) of a PEM file.
    pub fn from_pem(pem: &[u8]) -> Result<Self, DsigError> {
        let mut keys = Vec::new();
        for block in x509_parser::pem::Pem::iter_from_buffer(pem) {
            let block = block.map_err(|e| DsigError::InvalidKey(truncated(&e.to_string())))?;
            match block.label.as_str() {
                "CERTIFICATE" => keys.push(TrustedKey::from_certificate_der(&block.contents)?),
                "PUBLIC KEY" => keys.push(TrustedKey::from_spki_der(&block.contents)?),
                _ => {}
            }
        }
        if keys.is_empty() {
            return Err(DsigError::InvalidKey(
                "no CERTIFICATE or PUBLIC KEY block".into(),
            ));
        }
        Ok(Self::new(keys))
    }

    /// Also accepts SHA-1 digests and signatures (legacy identity providers).
    #[must_use]
    pub fn allow_sha1(mut self) -> Self {
        self.allow_sha1 = true;
        self
    }

    /// Also accepts RSA keys of 1024 to 2047 bits (AWS accepts such metadata keys).
    #[must_use]
    pub fn allow_rsa_1024(mut self) -> Self {
        self.allow_rsa_1024 = true;
        self.prepare();
        self
    }

    /// The trusted keys.
    pub fn keys(&self) -> &[TrustedKey] {
        &self.keys
    }

    /// Whether SHA-1 is allowed.
    pub fn sha1_allowed(&self) -> bool {
        self.allow_sha1
    }

    /// Verifies `signature` over `message` with the keys usable for `algorithm`: the index of
    /// the key that verified it.
    pub(crate) fn verify(
        &self,
        algorithm: SignatureAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<usize, DsigError> {
        let mut candidates = self
            .verifiers
            .iter()
            .filter(|v| v.algorithm == algorithm)
            .peekable();
        if candidates.peek().is_none() && self.has_small_rsa_key() && algorithm.is_rsa() {
            return Err(DsigError::WeakAlgorithm("an RSA key under 2048 bits"));
        }
        candidates
            .find(|v| v.parsed.verify_sig(message, signature).is_ok())
            .map(|v| v.key)
            .ok_or(DsigError::SignatureInvalid)
    }

    /// Whether one of `certificates` (DER) belongs to a trusted key.
    pub(crate) fn trusts_any(&self, certificates: &[Vec<u8>]) -> bool {
        certificates
            .iter()
            .any(|der| self.keys.iter().any(|key| key.matches_certificate(der)))
    }

    fn has_small_rsa_key(&self) -> bool {
        self.keys
            .iter()
            .any(|k| matches!(k.kind, KeyKind::Rsa { bits } if bits < MIN_RSA_BITS))
    }

    /// Parses each key once for each algorithm it can verify, so verification never re-parses.
    fn prepare(&mut self) {
        self.verifiers.clear();
        for (index, key) in self.keys.iter().enumerate() {
            for algorithm in ALGORITHMS {
                let usable = match key.kind {
                    KeyKind::EcP256 => algorithm == SignatureAlgorithm::EcdsaSha256,
                    KeyKind::EcP384 => algorithm == SignatureAlgorithm::EcdsaSha384,
                    KeyKind::Rsa { bits } => {
                        algorithm.is_rsa() && (bits >= MIN_RSA_BITS || self.allow_rsa_1024)
                    }
                };
                let legacy = matches!(key.kind, KeyKind::Rsa { bits } if bits < MIN_RSA_BITS);
                let Some(verification) = algorithm.verification(legacy).filter(|_| usable) else {
                    continue;
                };
                if let Ok(parsed) = ParsedPublicKey::new(verification, &key.spki) {
                    self.verifiers.push(Verifier {
                        key: index,
                        algorithm,
                        parsed,
                    });
                }
            }
        }
    }
}

/// The size in bits of a big-endian RSA modulus (leading zero bytes and bits not counted).
fn modulus_bits(modulus: &[u8]) -> usize {
    let significant: &[u8] = match modulus.iter().position(|b| *b != 0) {
        Some(first) => modulus.get(first..).unwrap_or_default(),
        None => &[],
    };
    match significant.first() {
        Some(top) => significant.len() * 8 - top.leading_zeros() as usize,
        None => 0,
    }
}
