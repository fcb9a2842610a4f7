//! Temporary credentials, sealed rather than stored: the session token is an AES-256-GCM box of
//! the session's claims under the server's sealing key, so any node with that key verifies a
//! signed request without a database read.

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::keys::{KeyRing, Purpose, random_key_pair};
use crate::secret::Secret;

/// Everything a role session is, carried inside its session token.
#[derive(Clone, Debug, Deserialize, Eq, PartialEq, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SessionClaims {
    /// The temporary access key id (`ASIA…`).
    pub access_key_id: String,
    /// The temporary secret access key.
    pub secret_access_key: Secret<String>,
    /// The account id.
    pub account: String,
    /// The role's name.
    pub role_name: String,
    /// The role's path.
    pub role_path: String,
    /// The role's unique id (`AROA…`).
    pub role_id: String,
    /// The role session name (`RoleSessionName`).
    pub session_name: String,
    /// Session tags (`PrincipalTag:*`), key and value.
    pub tags: Vec<(String, String)>,
    /// `SourceIdentity`, if the assertion set one.
    pub source_identity: Option<String>,
    /// The SAML condition keys of the assertion (`saml:sub`, `saml:aud`, …) with their values.
    pub saml: Vec<(String, Vec<String>)>,
    /// Session policies (`Policy` and the documents of `PolicyArns`), JSON text.
    pub session_policies: Vec<String>,
    /// When the session began, Unix seconds.
    pub issued: i64,
    /// When it ends, Unix seconds.
    pub expires: i64,
}

impl SessionClaims {
    /// A fresh key pair for a new session.
    pub fn new_key_pair() -> (String, Secret<String>) {
        random_key_pair("ASIA")
    }

    /// `AROA…:session-name`, the caller's `UserId` and the `aws:userid` key.
    pub fn user_id(&self) -> String {
        format!("{}:{}", self.role_id, self.session_name)
    }

    /// `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`.
    pub fn assumed_role_arn(&self) -> String {
        format!(
            "arn:aws:sts::{}:assumed-role/{}/{}",
            self.account, self.role_name, self.session_name
        )
    }

    /// `arn:aws:iam::ACCOUNT:role/PATH/ROLE`.
    pub fn role_arn(&self) -> String {
        format!(
            "arn:aws:iam::{}:role{}{}",
            self.account, self.role_path, self.role_name
        )
    }

    /// When the session ends.
    pub fn expiration(&self) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(self.expires).unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    /// Seals the claims into a session token.
    pub fn seal(&self, keys: &KeyRing) -> String {
        // The JSON is written into the box, which starts with room for a typical session's.
        let sealed = keys.seal_with(Purpose::SessionToken, SEALED_CLAIMS_CAPACITY, |out| {
            let start = out.len();
            if serde_json::to_writer(&mut *out, self).is_err() {
                // As an unserializable session sealed nothing before (none is: strings, numbers).
                out.truncate(start);
            }
        });
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sealed)
    }

    /// Opens a session token; `None` if it was not sealed by this server's key.
    pub fn open(keys: &KeyRing, token: &str) -> Option<Self> {
        // SECURITY: bound the work an arbitrary token can cause before decoding it.
        if token.len() > MAX_SESSION_TOKEN_CHARS {
            return None;
        }
        let sealed = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(token)
            .ok()?;
        let json = keys.open(Purpose::SessionToken, &sealed)?;
        serde_json::from_slice(&json).ok()
    }
}

/// The room a session's JSON starts with: a session without session policies fits.
const SEALED_CLAIMS_CAPACITY: usize = 1_024;

/// The longest session token accepted (session policies are at most 2,048 characters and ten
/// managed policies; tokens stay far below this).
pub const MAX_SESSION_TOKEN_CHARS: usize = 65_536;

impl Serialize for Secret<String> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.expose())
    }
}

impl<'de> Deserialize<'de> for Secret<String> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> SessionClaims {
        let (access_key_id, secret_access_key) = SessionClaims::new_key_pair();
        SessionClaims {
            access_key_id,
            secret_access_key,
            account: "123456789012".into(),
            role_name: "ConnectFederation".into(),
            role_path: "/".into(),
            role_id: "AROAEXAMPLEEXAMPLE12".into(),
            session_name: "alice".into(),
            tags: vec![],
            source_identity: None,
            saml: vec![("saml:aud".into(), vec!["http://127.0.0.1:4580/saml".into()])],
            session_policies: vec![],
            issued: 1_700_000_000,
            expires: 1_700_003_600,
        }
    }

    #[test]
    fn a_token_opens_to_its_claims_only_under_the_same_key() {
        let keys = KeyRing::new(KeyRing::generate_material().expose()).unwrap();
        let claims = claims();
        let token = claims.seal(&keys);
        assert_eq!(SessionClaims::open(&keys, &token), Some(claims.clone()));
        let other = KeyRing::new(KeyRing::generate_material().expose()).unwrap();
        assert_eq!(SessionClaims::open(&other, &token), None);
        assert_eq!(
            claims.assumed_role_arn(),
            "arn:aws:sts::123456789012:assumed-role/ConnectFederation/alice"
        );
        assert_eq!(claims.user_id(), "AROAEXAMPLEEXAMPLE12:alice");
    }

    #[test]
    fn a_token_seals_the_claims_json_text() {
        let material = KeyRing::generate_material();
        let keys = KeyRing::new(material.expose()).unwrap();
        let mut claims = claims();
        claims.session_policies = vec!["{\"Version\":\"2012-10-17\"}".repeat(100)];
        for claims in [self::claims(), claims] {
            let sealed = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(claims.seal(&keys))
                .unwrap();
            assert_eq!(
                keys.open(Purpose::SessionToken, &sealed).unwrap(),
                serde_json::to_vec(&claims).unwrap()
            );
        }
    }
}
