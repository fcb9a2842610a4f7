//! GetFederationToken (aws-behaviour.md §4.6): a role session becomes an agent of an instance
//! if and only if IAM allows `connect:GetFederationToken` on
//! `arn:…:instance/{id}/user/{aws:userid}` (with `connect:InstanceId` in the context, so that
//! both of AWS's sample policies work) and a user named exactly the role session name exists
//! in the instance.
//!
//! The access token is a sealed [`FederationToken`] (AES-256-GCM under the server's key,
//! purpose `FederationToken`), short-lived, with a random id: the instance's sign-in page
//! ([`FederationToken::open`], then the store's `redeem_one_time_token`, which records the id
//! until the token expires) accepts it once. Issuing one writes nothing. The refresh token is
//! sealed the same way; nothing redeems it yet.

use base64::Engine as _;
use fedgate_store::{IdentityManagement, StoreError, Username};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use super::json::{FederationCredentials, FederationTokenOutput};
use super::{Call, Reply};
use crate::auth::Caller;
use crate::aws::error::{AwsError, AwsErrorCode, truncate};
use crate::keys::{KeyRing, Purpose, random_id};

/// How long the access token may be used to sign in (docs/decisions.md).
pub const ACCESS_TOKEN_LIFETIME: Duration = Duration::minutes(5);
/// How long the refresh token lasts: the 12 hours of a Connect session (§5.3).
pub const REFRESH_TOKEN_LIFETIME: Duration = Duration::hours(12);
/// Longest sealed token accepted by [`FederationToken::open`].
pub const MAX_TOKEN_CHARS: usize = 4096;

/// Which of the two tokens of a `Credentials` a box is.
#[derive(Clone, Copy, Debug, Deserialize, Eq, PartialEq, Serialize)]
pub enum TokenKind {
    /// `AccessToken`: one sign-in at `SignInUrl`.
    Access,
    /// `RefreshToken`.
    Refresh,
}

/// What a federation token says, sealed inside it.
#[derive(Clone, Debug, Deserialize, Eq, PartialEq, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FederationToken {
    /// Access or refresh.
    pub kind: TokenKind,
    /// Its one-time id, recorded when it is redeemed (`redeem_one_time_token`).
    pub token_id: String,
    /// The instance.
    pub instance_id: String,
    /// The instance's alias (the web app's path).
    pub alias: String,
    /// The Connect user.
    pub user_id: String,
    /// Its username (the role session name).
    pub username: String,
    /// The role session that asked for it (`arn:aws:sts::…:assumed-role/…`).
    pub session_arn: String,
    /// Issued, Unix seconds.
    pub issued: i64,
    /// Expires, Unix seconds.
    pub expires: i64,
}

impl FederationToken {
    /// Seals the token (URL-safe base64, no padding).
    pub fn seal(&self, keys: &KeyRing) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(keys.seal(Purpose::FederationToken, &json))
    }

    /// When it expires: until then its redemption must be remembered (for ever, should the
    /// instant be out of range: that errs on the side of refusing the token again).
    pub fn expiry(&self) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(self.expires)
            .unwrap_or(time::PrimitiveDateTime::MAX.assume_utc())
    }

    /// Opens an access token sealed by this server that has not expired at `now`. The caller
    /// must still redeem `token_id` with the store, which succeeds once.
    pub fn open(keys: &KeyRing, token: &str, now: OffsetDateTime) -> Option<Self> {
        // SECURITY: bound the work an arbitrary token can cause before decoding it.
        if token.len() > MAX_TOKEN_CHARS {
            return None;
        }
        let sealed = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(token)
            .ok()?;
        let json = keys.open(Purpose::FederationToken, &sealed)?;
        let claims: Self = serde_json::from_slice(&json).ok()?;
        // SECURITY: a refresh token is not a sign-in token, and an expired one is nothing.
        (claims.kind == TokenKind::Access && now.unix_timestamp() < claims.expires)
            .then_some(claims)
    }
}

/// `GetFederationToken`: `GET /user/federate/{InstanceId}`.
pub async fn get_federation_token(call: &Call<'_>) -> Result<Reply, AwsError> {
    let instance_id = call.instance_label()?;
    // SECURITY: only a role session is a person; the account's root key federates no one.
    let Caller::Role(claims) = call.caller else {
        return Err(AwsError::new(
            AwsErrorCode::InvalidRequest,
            format!(
                "Provided identity: Principal: {} User: {} cannot be used for federation with \
                 Amazon Connect",
                call.caller.arn(),
                call.caller.user_id()
            ),
        ));
    };
    let arns = call.arns();
    let resource = arns.federation_user(instance_id.as_str(), &claims.user_id());
    call.authorize(Some(&resource), Some(&instance_id)).await?;
    let store = &call.state.store;
    let instance = store
        .instance(&instance_id)
        .await
        .map_err(AwsError::connect_store)?;
    if instance.identity_management != IdentityManagement::Saml {
        return Err(AwsError::new(
            AwsErrorCode::InvalidRequest,
            "The instance does not use SAML identity management: its users cannot federate",
        ));
    }
    // SECURITY: the user is named exactly the role session name: "Alice" is not "alice".
    let user = match store
        .user_by_username(&instance_id, &Username::new(claims.session_name.clone()))
        .await
    {
        Ok(user) => user,
        Err(StoreError::NotFound(fedgate_store::Entity::User)) => {
            return Err(AwsError::new(
                AwsErrorCode::UserNotFound,
                format!(
                    "No user with the username `{}` exists in the instance",
                    truncate(&claims.session_name)
                ),
            ));
        }
        Err(other) => return Err(AwsError::connect_store(other)),
    };
    let now = call.state.clock.now();
    let token = |kind: TokenKind, lifetime: Duration| FederationToken {
        kind,
        token_id: random_id("", 32),
        instance_id: instance_id.as_str().to_owned(),
        alias: instance.alias.as_str().to_owned(),
        user_id: user.id.as_str().to_owned(),
        username: user.username.as_str().to_owned(),
        session_arn: claims.assumed_role_arn(),
        issued: now.unix_timestamp(),
        expires: (now + lifetime).unix_timestamp(),
    };
    let access = token(TokenKind::Access, ACCESS_TOKEN_LIFETIME);
    let refresh = token(TokenKind::Refresh, REFRESH_TOKEN_LIFETIME);
    let keys = &call.state.keys;
    let access_token = access.seal(keys);
    let sign_in_url = format!(
        "{}/app/{}/auth/sign-in?token={access_token}",
        call.state.config.public_url,
        instance.alias.as_str()
    );
    Reply::json(&FederationTokenOutput {
        credentials: FederationCredentials {
            access_token,
            access_token_expiration: access.expires,
            refresh_token: refresh.seal(keys),
            refresh_token_expiration: refresh.expires,
        },
        sign_in_url,
        user_arn: arns.user(instance_id.as_str(), user.id.as_str()),
        user_id: user.id.as_str().to_owned(),
    })
}
