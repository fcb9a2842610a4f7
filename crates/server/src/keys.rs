//! The server's sealing key: AES-256-GCM boxes for everything that is sealed rather than stored
//! (session tokens, cookies, one-time tokens) and for the secrets the store keeps.
//!
//! Each box is `nonce (12 bytes) ‖ ciphertext ‖ tag (16 bytes)`, with the box's [`Purpose`] as
//! associated data, so a box made for one purpose never opens as another (a cookie is never a
//! session token).

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};

use crate::secret::Secret;

/// Length of the sealing key material.
pub const SEALING_KEY_LEN: usize = 32;

/// What a sealed box is for; bound into the box as associated data.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum Purpose {
    /// A secret access key kept in the store.
    AccessKeySecret,
    /// The console session cookie.
    ConsoleCookie,
    /// The instance session cookie.
    InstanceCookie,
    /// A one-time federation token.
    FederationToken,
    /// The known plaintext that proves a node holds the account's sealing key.
    KeyCheck,
    /// An STS session token.
    SessionToken,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Self::AccessKeySecret => b"fedgate/access-key-secret/v1",
            Self::ConsoleCookie => b"fedgate/console-cookie/v1",
            Self::InstanceCookie => b"fedgate/instance-cookie/v1",
            Self::FederationToken => b"fedgate/federation-token/v1",
            Self::KeyCheck => b"fedgate/key-check/v1",
            Self::SessionToken => b"fedgate/session-token/v1",
        }
    }
}

/// The sealing key, ready to seal and open.
pub struct KeyRing {
    key: LessSafeKey,
    random: SystemRandom,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyRing([redacted])")
    }
}

/// The sealing key material has the wrong length.
#[derive(Debug, thiserror::Error)]
#[error("a sealing key is {SEALING_KEY_LEN} bytes")]
pub struct InvalidSealingKey;

impl KeyRing {
    /// A key ring over `material` ([`SEALING_KEY_LEN`] bytes).
    pub fn new(material: &[u8]) -> Result<Self, InvalidSealingKey> {
        let key = UnboundKey::new(&AES_256_GCM, material).map_err(|_| InvalidSealingKey)?;
        Ok(Self {
            key: LessSafeKey::new(key),
            random: SystemRandom::new(),
        })
    }

    /// Fresh random key material.
    pub fn generate_material() -> Secret<Vec<u8>> {
        Secret::new(random_bytes(SEALING_KEY_LEN))
    }

    /// Seals `plaintext` for `purpose`.
    pub fn seal(&self, purpose: Purpose, plaintext: &[u8]) -> Vec<u8> {
        self.seal_with(purpose, plaintext.len(), |out| {
            out.extend_from_slice(plaintext)
        })
    }

    /// Seals for `purpose` the plaintext `write` appends to the buffer it is given (room for
    /// `capacity` bytes of it): a plaintext that is serialized (a session's claims) is written
    /// straight into the box, not into a buffer of its own first.
    pub fn seal_with(
        &self,
        purpose: Purpose,
        capacity: usize,
        write: impl FnOnce(&mut Vec<u8>),
    ) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        // A failing system RNG leaves no safe way to continue; aws-lc aborts in that case too.
        let _ = self.random.fill(&mut nonce);
        // One buffer, sealed in place after the nonce: the box is built without copying the
        // plaintext or the ciphertext a second time.
        let mut sealed = Vec::with_capacity(NONCE_LEN + capacity + AES_256_GCM.tag_len());
        sealed.extend_from_slice(&nonce);
        write(&mut sealed);
        let Some(in_out) = sealed.get_mut(NONCE_LEN..) else {
            return Vec::new();
        };
        match self.key.seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(purpose.label()),
            in_out,
        ) {
            Ok(tag) => {
                sealed.extend_from_slice(tag.as_ref());
                sealed
            }
            Err(_) => Vec::new(),
        }
    }

    /// Opens a box sealed for `purpose`; `None` if it was not sealed by this key for it.
    pub fn open(&self, purpose: Purpose, sealed: &[u8]) -> Option<Vec<u8>> {
        let (nonce, ciphertext) = sealed.split_at_checked(NONCE_LEN)?;
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut in_out = ciphertext.to_vec();
        let plaintext = self
            .key
            .open_in_place(nonce, Aad::from(purpose.label()), &mut in_out)
            .ok()?;
        Some(plaintext.to_vec())
    }
}

/// `len` bytes from the system's secure random generator.
pub fn random_bytes(len: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; len];
    fill_random(&mut bytes);
    bytes
}

/// Fills `bytes` from the system's secure random generator, without allocating.
pub fn fill_random(bytes: &mut [u8]) {
    // A failing system RNG leaves no safe way to continue; aws-lc aborts in that case too.
    let _ = SystemRandom::new().fill(bytes);
}

/// The alphabet of [`random_id`]: RFC 4648 base32.
const ID_ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
/// The alphabet of [`random_secret`]: AWS's secret access keys'.
const SECRET_ALPHABET: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
/// The length of a secret access key.
const SECRET_CHARS: usize = 40;
/// The characters after the prefix of a key pair's access key id (`ASIA` + 16).
const KEY_ID_CHARS: usize = 16;

/// An AWS-style identifier: `prefix` then `len` characters of RFC 4648 base32 (`A–Z2–7`), as
/// AWS's access key ids (`AKIA…`, `ASIA…`) and unique ids (`AROA…`, `ANPA…`) are.
pub fn random_id(prefix: &str, len: usize) -> String {
    id_from(prefix, &random_bytes(len))
}

/// A 40-character secret access key over AWS's alphabet (`A–Z a–z 0–9 + /`).
pub fn random_secret() -> Secret<String> {
    let mut bytes = [0u8; SECRET_CHARS];
    fill_random(&mut bytes);
    secret_from(&bytes)
}

/// A temporary key pair: an access key id (`prefix` and 16 characters, as [`random_id`]) and
/// its secret (as [`random_secret`]), from one draw of the random generator instead of two.
pub fn random_key_pair(prefix: &str) -> (String, Secret<String>) {
    let mut bytes = [0u8; KEY_ID_CHARS + SECRET_CHARS];
    fill_random(&mut bytes);
    let (id, secret) = bytes.split_at(KEY_ID_CHARS);
    (id_from(prefix, id), secret_from(secret))
}

/// `prefix` then one base32 character per byte of `bytes`.
fn id_from(prefix: &str, bytes: &[u8]) -> String {
    let mut id = String::with_capacity(prefix.len() + bytes.len());
    id.push_str(prefix);
    id.extend(bytes.iter().map(|b| pick(ID_ALPHABET, *b)));
    id
}

/// One character of the secret alphabet per byte of `bytes`.
fn secret_from(bytes: &[u8]) -> Secret<String> {
    Secret::new(bytes.iter().map(|b| pick(SECRET_ALPHABET, *b)).collect())
}

/// The character of `alphabet` (32 or 64 long, so every byte maps without bias) that `byte`
/// selects.
fn pick(alphabet: &[u8], byte: u8) -> char {
    let index = usize::from(byte) % alphabet.len().max(1);
    char::from(alphabet.get(index).copied().unwrap_or(b'A'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_box_opens_only_for_its_purpose_and_key() {
        let keys = KeyRing::new(KeyRing::generate_material().expose()).unwrap();
        let sealed = keys.seal(Purpose::SessionToken, b"claims");
        assert_eq!(
            keys.open(Purpose::SessionToken, &sealed).as_deref(),
            Some(&b"claims"[..])
        );
        assert_eq!(keys.open(Purpose::ConsoleCookie, &sealed), None);
        let other = KeyRing::new(KeyRing::generate_material().expose()).unwrap();
        assert_eq!(other.open(Purpose::SessionToken, &sealed), None);
        let mut tampered = sealed.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert_eq!(keys.open(Purpose::SessionToken, &tampered), None);
    }

    #[test]
    fn a_box_is_nonce_ciphertext_tag_and_opens_with_the_key_alone() {
        let material = KeyRing::generate_material();
        let keys = KeyRing::new(material.expose()).unwrap();
        let sealed = keys.seal(Purpose::SessionToken, b"claims");
        assert_eq!(sealed.len(), NONCE_LEN + b"claims".len() + 16);
        // Opened with aws-lc-rs directly: the layout is the documented one.
        let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, material.expose()).unwrap());
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        let mut in_out = ciphertext.to_vec();
        let opened = key
            .open_in_place(
                Nonce::try_assume_unique_for_key(nonce).unwrap(),
                Aad::from(Purpose::SessionToken.label()),
                &mut in_out,
            )
            .unwrap();
        assert_eq!(opened, b"claims");
        assert_ne!(keys.seal(Purpose::SessionToken, b"claims"), sealed);
        // Written into the box or given whole: the same box.
        for capacity in [0, 6, 100] {
            let written = keys.seal_with(Purpose::SessionToken, capacity, |out| {
                out.extend_from_slice(b"cla");
                out.extend_from_slice(b"ims");
            });
            assert_eq!(written.len(), sealed.len());
            assert_eq!(
                keys.open(Purpose::SessionToken, &written).as_deref(),
                Some(&b"claims"[..])
            );
        }
    }

    #[test]
    fn ids_have_aws_shapes() {
        let id = random_id("AKIA", 16);
        assert_eq!(id.len(), 20);
        assert!(
            id.chars()
                .skip(4)
                .all(|c| c.is_ascii_uppercase() || ('2'..='7').contains(&c))
        );
        assert_eq!(random_secret().expose().len(), 40);
        let (id, secret) = random_key_pair("ASIA");
        assert_eq!(id.len(), 20);
        assert!(id.starts_with("ASIA"));
        assert!(
            id.chars()
                .skip(4)
                .all(|c| c.is_ascii_uppercase() || ('2'..='7').contains(&c))
        );
        assert_eq!(secret.expose().len(), 40);
        assert!(
            secret
                .expose()
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '/')
        );
        assert_ne!(random_key_pair("ASIA").0, id);
    }
}
