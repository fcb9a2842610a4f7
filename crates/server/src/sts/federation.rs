//! SAML federation into a role session: what `AssumeRoleWithSAML` and the browser sign-in
//! (`POST /saml`) share.
//!
//! Two steps, so that the sign-in's role picker can validate a response, show the roles, and
//! redeem the same response when the user has chosen:
//!
//! 1. [`validate`]: the base64 response checked against one SAML provider's metadata with this
//!    server's recipients, audiences and clock skew (fedgate-saml), then AWS's attributes read
//!    from what was signed ([`AwsClaims`]). No state changes: validating twice is harmless.
//! 2. [`assume`]: the chosen (role, provider) pair must be one of the signed Role values; the
//!    role's trust policy must allow the provider with the assertion's `saml:*` keys; the
//!    duration is checked against `MaxSessionDuration` and the `SessionDuration` attribute;
//!    session policies are parsed and packed; then, and only then, the assertion is recorded in
//!    the replay cache (once across every node sharing the database) and the session's claims
//!    are sealed into credentials.
//!
//! [`Attempt`] records every attempt, accepted or refused, in the audit trail, and each refusal
//! in the rejection metrics, by its precise reason ([`FederationError::reason`]). The mapping of
//! each [`FederationError`] to AWS's code and message is in `aws/error.rs`.

use fedgate_policy::{
    Arn, Context, ContextValue, Policy, PolicyError, PolicyKind, PolicySet, Principal, Request,
    Verdict,
};
use fedgate_saml::{MetadataError, SamlError, SamlResponse};
use fedgate_store::{
    AuditEvent, Entity, IamPath, Outcome, PolicyKey, PolicyName, ProviderName, Redemption, Role,
    RoleName, SamlProvider, StoreError,
};
use time::Duration;

use super::credentials::{MAX_SESSION_TOKEN_CHARS, SessionClaims};
use super::saml_claims::{self, AwsClaims, ClaimError, ProviderRef};
use crate::aws::error::AwsError;
use crate::state::AppState;

/// The IAM action a role's trust policy must allow.
pub const ASSUME_ROLE_WITH_SAML: &str = "sts:AssumeRoleWithSAML";
/// Also required when the assertion carries session tags.
pub const TAG_SESSION: &str = "sts:TagSession";
/// Also required when the assertion sets a source identity.
pub const SET_SOURCE_IDENTITY: &str = "sts:SetSourceIdentity";
/// The session length without `DurationSeconds`, in seconds.
pub const DEFAULT_DURATION_SECONDS: u32 = 3_600;
/// Most managed session policies (`PolicyArns`).
pub const MAX_POLICY_ARNS: usize = 10;
/// The space session policies and tags are packed into: 100 % of `PackedPolicySize`.
pub const PACKED_POLICY_CAPACITY_CHARS: usize = 2_048;

/// Why a federation attempt was refused. [`FederationError::reason`] is the stable name logged,
/// audited and counted; the wire code and message are chosen in `aws/error.rs`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FederationError {
    /// The request's parameters break the model's constraints (already AWS-shaped).
    #[error("invalid parameters: {0}")]
    InvalidParameters(AwsError),
    /// `RoleArn` or `PrincipalArn` is not an ARN of the right type.
    #[error("`{0}` is not a role or saml-provider ARN as required")]
    InvalidArn(String),
    /// No SAML provider with that ARN in this account.
    #[error("no SAML provider `{0}`")]
    UnknownProvider(String),
    /// The provider's stored metadata no longer parses (it did when IAM stored it).
    #[error("the SAML provider's stored metadata cannot be used: {0}")]
    ProviderMetadata(#[source] MetadataError),
    /// The response failed a SAML check.
    #[error(transparent)]
    Saml(#[from] SamlError),
    /// The assertion's AWS attributes break AWS's rules.
    #[error(transparent)]
    Claim(#[from] ClaimError),
    /// The (RoleArn, PrincipalArn) pair is not one of the signed Role values.
    #[error("the Role attribute does not contain the pair `{role_arn}`, `{provider_arn}`")]
    RoleNotInAssertion {
        /// The role asked for.
        role_arn: String,
        /// The provider named.
        provider_arn: String,
    },
    /// No role with that ARN in this account.
    #[error("no role `{0}`")]
    UnknownRole(String),
    /// The role's stored trust policy does not parse.
    #[error("the role's trust policy is invalid: {0}")]
    TrustPolicyInvalid(#[source] PolicyError),
    /// The trust policy does not allow the action for this provider with these keys.
    #[error("the trust policy does not allow {action} ({verdict})")]
    TrustPolicyDenied {
        /// `sts:AssumeRoleWithSAML`, `sts:TagSession` or `sts:SetSourceIdentity`.
        action: &'static str,
        /// Why not.
        verdict: Verdict,
    },
    /// `DurationSeconds` is over the role's `MaxSessionDuration`.
    #[error("DurationSeconds {requested} exceeds the role's MaxSessionDuration {max}")]
    DurationExceedsMaxSessionDuration {
        /// Asked for.
        requested: u32,
        /// The role's maximum.
        max: u32,
    },
    /// The assertion's `SessionNotOnOrAfter` has passed: no session can be issued.
    #[error("the assertion's SessionNotOnOrAfter has passed")]
    SessionExpired,
    /// The inline session policy is malformed.
    #[error("the session policy is malformed: {0}")]
    SessionPolicyMalformed(#[source] PolicyError),
    /// A `PolicyArns` entry is not a managed policy of this account.
    #[error("the session policy `{0}` does not exist")]
    SessionPolicyNotFound(String),
    /// Session policies and tags do not fit.
    #[error("session policies and tags take {percent}% of the packed space")]
    PackedPolicyTooLarge {
        /// How much of the space they would take.
        percent: u32,
    },
    /// The assertion was redeemed before (on any node sharing the database).
    #[error("the assertion `{assertion_id}` from `{issuer}` was already used")]
    Replayed {
        /// The issuer.
        issuer: String,
        /// The assertion's ID.
        assertion_id: String,
    },
    /// The database failed.
    #[error("the store failed")]
    Store(#[source] StoreError),
}

impl FederationError {
    /// The stable name of the reason: the SAML check (`Expired`, `AudienceMismatch`, …), the
    /// attribute rule (`InvalidRoleSessionName`, …) or the STS rule (`RoleNotInAssertion`, …).
    pub fn reason(&self) -> &'static str {
        match self {
            Self::InvalidParameters(_) => "InvalidParameters",
            Self::InvalidArn(_) => "InvalidArn",
            Self::UnknownProvider(_) => "UnknownProvider",
            Self::ProviderMetadata(_) => "ProviderMetadata",
            Self::Saml(error) => error.rejection().code(),
            Self::Claim(error) => error.code(),
            Self::RoleNotInAssertion { .. } => "RoleNotInAssertion",
            Self::UnknownRole(_) => "UnknownRole",
            Self::TrustPolicyInvalid(_) => "TrustPolicyInvalid",
            Self::TrustPolicyDenied { .. } => "TrustPolicyDenied",
            Self::DurationExceedsMaxSessionDuration { .. } => "DurationExceedsMaxSessionDuration",
            Self::SessionExpired => "SessionExpired",
            Self::SessionPolicyMalformed(_) => "SessionPolicyMalformed",
            Self::SessionPolicyNotFound(_) => "SessionPolicyNotFound",
            Self::PackedPolicyTooLarge { .. } => "PackedPolicyTooLarge",
            Self::Replayed { .. } => "Replayed",
            Self::Store(_) => "StoreFailed",
        }
    }
}

/// A SAML provider of this account, found by ARN.
#[derive(Clone, Debug)]
pub struct Provider {
    /// Its ARN, as the caller named it.
    pub arn: String,
    /// What IAM stored.
    pub record: SamlProvider,
}

impl Provider {
    /// The provider IAM stored, with its ARN in `account` (for the sign-in, which finds the
    /// provider by the response's issuer rather than by ARN).
    pub fn from_record(account: &str, record: SamlProvider) -> Self {
        Self {
            arn: format!("arn:aws:iam::{account}:saml-provider/{}", record.name),
            record,
        }
    }
}

/// The SAML provider `arn` names (`PrincipalArn`): `InvalidArn` if it is no saml-provider ARN,
/// `UnknownProvider` if this account has none of that name.
pub async fn provider_by_arn(state: &AppState, arn: &str) -> Result<Provider, FederationError> {
    let reference =
        ProviderRef::from_arn(arn).ok_or_else(|| FederationError::InvalidArn(truncated(arn)))?;
    if reference.account_id != state.account.id.as_str() {
        return Err(FederationError::UnknownProvider(truncated(arn)));
    }
    match state
        .store
        .saml_provider(&ProviderName::new(reference.provider_name))
        .await
    {
        // IAM compares names case-insensitively; the ARN must carry the name as created.
        Ok(record) if record.name.as_str() == reference.provider_name => Ok(Provider {
            arn: arn.to_owned(),
            record,
        }),
        Ok(_) | Err(StoreError::NotFound(_)) => {
            Err(FederationError::UnknownProvider(truncated(arn)))
        }
        Err(error) => Err(FederationError::Store(error)),
    }
}

/// A response that passed every SAML check and AWS's attribute rules, for one provider.
#[derive(Clone, Debug)]
pub struct Validated {
    /// The proof of validation.
    pub assertion: fedgate_saml::ValidAssertion,
    /// AWS's attributes.
    pub claims: AwsClaims,
    /// The provider it was validated against.
    pub provider: Provider,
}

impl Validated {
    /// The account and name of the provider (for `NameQualifier` and `saml:doc`).
    pub fn provider_ref(&self) -> ProviderRef<'_> {
        ProviderRef {
            account_id: ProviderRef::from_arn(&self.provider.arn)
                .map_or("", |reference| reference.account_id),
            provider_name: self.provider.record.name.as_str(),
        }
    }

    /// `NameQualifier`: Base64(SHA1(issuer + account + "/" + provider name)).
    pub fn name_qualifier(&self) -> String {
        saml_claims::name_qualifier(self.assertion.issuer(), self.provider_ref())
    }
}

/// Step 1: validates the base64 `SAMLResponse` (`SAMLAssertion`) against `provider`'s metadata,
/// at the server's time, with its recipients, audiences and clock skew, and reads AWS's
/// attributes. Changes nothing: the replay cache is written by [`assume`].
pub fn validate(
    state: &AppState,
    provider: &Provider,
    saml_response: &str,
) -> Result<Validated, FederationError> {
    let response = SamlResponse::from_base64(saml_response)?;
    let metadata = state
        .saml
        .metadata(&provider.record)
        .map_err(FederationError::ProviderMetadata)?;
    let assertion =
        state
            .saml
            .service_provider()
            .validate(&metadata, &response, state.clock.now())?;
    let claims = AwsClaims::from_assertion(&assertion)?;
    Ok(Validated {
        assertion,
        claims,
        provider: provider.clone(),
    })
}

/// How long the session may last, by who asks.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum SessionLength {
    /// `AssumeRoleWithSAML`: `DurationSeconds` if given (already within 900–43200), at most
    /// the role's `MaxSessionDuration` and the `SessionDuration` attribute; else an hour,
    /// shortened by `SessionDuration`.
    Api(Option<u32>),
    /// The console sign-in: the `SessionDuration` attribute, else an hour; the role's
    /// `MaxSessionDuration` does not apply ("does not apply when you use those operations to
    /// create a console URL", STS API reference).
    Console,
}

/// What the caller asks of [`assume`].
#[derive(Clone, Copy, Debug)]
pub struct AssumeRequest<'a> {
    /// The role to assume: one of the assertion's Role values, with the validated provider.
    pub role_arn: &'a str,
    /// How long the session may last.
    pub length: SessionLength,
    /// The inline session policy (`Policy`).
    pub policy: Option<&'a str>,
    /// Managed session policies (`PolicyArns`), at most [`MAX_POLICY_ARNS`].
    pub policy_arns: &'a [&'a str],
}

/// A role session, minted.
#[derive(Debug)]
pub struct Assumed {
    /// What the session is; sealed into [`Assumed::session_token`].
    pub claims: SessionClaims,
    /// The session token.
    pub session_token: String,
    /// `PackedPolicySize`: the percentage of the packed space session policies and tags use.
    pub packed_policy_size: u32,
}

/// Step 2: assumes `request.role_arn` with a validated assertion (see the module's overview
/// for the order of checks). The assertion is recorded in the replay cache only once every
/// other check has passed, so a refused attempt (a typo in `DurationSeconds`) can be retried.
pub async fn assume(
    state: &AppState,
    validated: &Validated,
    request: &AssumeRequest<'_>,
    attempt: &mut Attempt<'_>,
) -> Result<Assumed, FederationError> {
    let provider_arn = validated.provider.arn.as_str();
    // SECURITY: the IdP vouches for (role, provider) pairs; a caller may only pick among them.
    if !validated
        .claims
        .roles
        .iter()
        .any(|pair| pair.role_arn == request.role_arn && pair.provider_arn == provider_arn)
    {
        return Err(FederationError::RoleNotInAssertion {
            role_arn: truncated(request.role_arn),
            provider_arn: truncated(provider_arn),
        });
    }
    let role = role_by_arn(state, request.role_arn).await?;

    let context = trust_context(state, validated);
    check_trust(state, &role, provider_arn, validated, &context)?;

    let now = state.clock.now();
    let seconds = duration(&role, &validated.claims, request.length)?;
    let mut expires = now + Duration::seconds(i64::from(seconds));
    if let Some(session_end) = validated.assertion.session_not_on_or_after() {
        if session_end <= now {
            return Err(FederationError::SessionExpired);
        }
        expires = expires.min(session_end);
    }

    let (session_policies, packed_policy_size) =
        session_policies(state, &validated.claims, request).await?;

    let (access_key_id, secret_access_key) = SessionClaims::new_key_pair();
    let claims = SessionClaims {
        access_key_id,
        secret_access_key,
        account: state.account.id.as_str().to_owned(),
        role_name: role.name.as_str().to_owned(),
        role_path: role.path.as_str().to_owned(),
        role_id: role.id.as_str().to_owned(),
        session_name: validated.claims.role_session_name.clone(),
        tags: validated.claims.tags.clone(),
        source_identity: validated.claims.source_identity.clone(),
        saml: cross_service_keys(&context),
        session_policies,
        issued: now.unix_timestamp(),
        expires: expires.unix_timestamp(),
    };
    let session_token = claims.seal(&state.keys);
    if session_token.len() > MAX_SESSION_TOKEN_CHARS {
        // The managed policies' documents travel in the token; they must fit in it.
        return Err(FederationError::PackedPolicyTooLarge {
            percent: packed_policy_size.max(101),
        });
    }

    // SECURITY(replay, saml-security.md §2.25): insert-if-absent on (issuer, assertion ID),
    // atomic in the database, kept until the assertion can no longer be accepted; the
    // attempt's audit event commits with it.
    let assertion = &validated.assertion;
    let replayed = FederationError::Replayed {
        issuer: truncated(assertion.issuer()),
        assertion_id: truncated(assertion.id()),
    };
    let audit = Redemption {
        first_use: attempt.event(Ok(&claims)),
        replayed: attempt.event(Err(&replayed)),
    };
    let keep_until = assertion.not_on_or_after() + state.config.clock_skew;
    let first_use = state
        .store
        .redeem_assertion(assertion.issuer(), assertion.id(), keep_until, audit)
        .await
        .map_err(FederationError::Store)?;
    attempt.audited = true;
    if !first_use {
        return Err(replayed);
    }
    Ok(Assumed {
        claims,
        session_token,
        packed_policy_size,
    })
}

/// The role `arn` names, in this account, with the path the ARN gives.
async fn role_by_arn(state: &AppState, arn: &str) -> Result<Role, FederationError> {
    let unknown = || FederationError::UnknownRole(truncated(arn));
    let (account, path, name) = parse_role_arn(arn).ok_or_else(unknown)?;
    if account != state.account.id.as_str() {
        return Err(unknown());
    }
    match state.store.role(&RoleName::new(name)).await {
        Ok(role) if role.name.as_str() == name && role.path.as_str() == path => Ok(role),
        Ok(_) | Err(StoreError::NotFound(_)) => Err(unknown()),
        Err(error) => Err(FederationError::Store(error)),
    }
}

/// `arn:aws:iam::ACCOUNT:role/PATH/NAME` → (account, `/PATH/`, name).
pub fn parse_role_arn(arn: &str) -> Option<(&str, &str, &str)> {
    let rest = arn.strip_prefix("arn:aws:iam::")?;
    let (account, resource) = rest.split_once(':')?;
    let path_and_name = resource.strip_prefix("role")?;
    if !path_and_name.starts_with('/') {
        return None;
    }
    let slash = path_and_name.rfind('/')?;
    let (path, name) = path_and_name.split_at(slash + 1);
    let valid =
        account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) && !name.is_empty();
    valid.then_some((account, path, name))
}

/// The context a trust policy is evaluated with: the assertion's `saml:*` keys (§3.4), the
/// tag and source-identity keys of the request, and the time.
fn trust_context(state: &AppState, validated: &Validated) -> Context {
    let mut context = Context::new();
    for (key, values) in
        saml_claims::condition_keys(&validated.assertion, Some(validated.provider_ref()))
    {
        context.insert_all(key, values.into_iter().map(ContextValue::string));
    }
    let now = state.clock.now().unix_timestamp().to_string();
    if let Ok(value) = ContextValue::parse_typed("date", &now) {
        context.insert("aws:CurrentTime", value);
    }
    if let Ok(value) = ContextValue::parse_typed("number", &now) {
        context.insert("aws:EpochTime", value);
    }
    let claims = &validated.claims;
    for (key, value) in &claims.tags {
        context.insert(
            &format!("aws:RequestTag/{key}"),
            ContextValue::string(value.clone()),
        );
    }
    if !claims.tags.is_empty() {
        context.insert_all(
            "aws:TagKeys",
            claims
                .tags
                .iter()
                .map(|(key, _)| ContextValue::string(key.clone())),
        );
    }
    if !claims.transitive_tag_keys.is_empty() {
        context.insert_all(
            "sts:TransitiveTagKeys",
            claims
                .transitive_tag_keys
                .iter()
                .map(|key| ContextValue::string(key.clone())),
        );
    }
    if let Some(source_identity) = &claims.source_identity {
        context.insert(
            "sts:SourceIdentity",
            ContextValue::string(source_identity.clone()),
        );
    }
    context
}

/// The keys a session carries into later requests: only `saml:namequalifier`, `saml:sub` and
/// `saml:sub_type` are available across services (IAM-CK).
fn cross_service_keys(context: &Context) -> Vec<(String, Vec<String>)> {
    ["saml:namequalifier", "saml:sub", "saml:sub_type"]
        .into_iter()
        .filter_map(|key| {
            let values: Vec<String> = context
                .values(key)
                .iter()
                .map(|value| value.text().into_owned())
                .collect();
            (!values.is_empty()).then(|| (key.to_owned(), values))
        })
        .collect()
}

/// SECURITY: the trust policy must allow the provider to assume the role with these keys, and
/// to tag the session and set its source identity when the assertion does.
fn check_trust(
    state: &AppState,
    role: &Role,
    provider_arn: &str,
    validated: &Validated,
    context: &Context,
) -> Result<(), FederationError> {
    // Parsed once per (role, document): an updated trust policy is a new entry, never stale.
    let trust = state
        .trust_policies
        .trust_policy(role)
        .map_err(FederationError::TrustPolicyInvalid)?;
    let principal = Principal::Federated(provider_arn.to_owned());
    let policies = PolicySet {
        trust: Some(&*trust),
        ..PolicySet::default()
    };
    let mut actions = vec![ASSUME_ROLE_WITH_SAML];
    if !validated.claims.tags.is_empty() {
        actions.push(TAG_SESSION);
    }
    if validated.claims.source_identity.is_some() {
        actions.push(SET_SOURCE_IDENTITY);
    }
    for action in actions {
        let request = Request {
            principal: Some(&principal),
            action,
            resource: None,
            context,
        };
        let verdict = fedgate_policy::evaluate(&policies, &request).effect();
        if verdict != Verdict::Allow {
            return Err(FederationError::TrustPolicyDenied { action, verdict });
        }
    }
    Ok(())
}

/// The session length, in seconds (see [`SessionLength`]).
fn duration(
    role: &Role,
    claims: &AwsClaims,
    length: SessionLength,
) -> Result<u32, FederationError> {
    let requested = match length {
        SessionLength::Console => {
            return Ok(claims.session_duration.unwrap_or(DEFAULT_DURATION_SECONDS));
        }
        SessionLength::Api(requested) => requested,
    };
    match requested {
        Some(requested) if requested > role.max_session_duration => {
            Err(FederationError::DurationExceedsMaxSessionDuration {
                requested,
                max: role.max_session_duration,
            })
        }
        // The STS reference: the session lasts DurationSeconds or until SessionNotOnOrAfter,
        // whichever is shorter; the SessionDuration attribute is the console's.
        Some(requested) => Ok(requested),
        None => Ok(claims
            .session_duration
            .map_or(DEFAULT_DURATION_SECONDS, |d| {
                d.min(DEFAULT_DURATION_SECONDS)
            })),
    }
}

/// The session policies' documents, and `PackedPolicySize`.
async fn session_policies(
    state: &AppState,
    claims: &AwsClaims,
    request: &AssumeRequest<'_>,
) -> Result<(Vec<String>, u32), FederationError> {
    let mut documents = Vec::new();
    let mut packed = 0_usize;
    if let Some(policy) = request.policy {
        Policy::parse(policy, PolicyKind::Session)
            .map_err(FederationError::SessionPolicyMalformed)?;
        packed += policy.chars().filter(|c| !c.is_whitespace()).count();
        documents.push(policy.to_owned());
    }
    for arn in request.policy_arns {
        let not_found = || FederationError::SessionPolicyNotFound(truncated(arn));
        let key = policy_key(state, arn).ok_or_else(not_found)?;
        let policy = match state.store.managed_policy(&key).await {
            Ok(policy) => policy,
            Err(StoreError::NotFound(Entity::ManagedPolicy)) => return Err(not_found()),
            Err(error) => return Err(FederationError::Store(error)),
        };
        let version = state
            .store
            .policy_version(&key, &policy.default_version)
            .await
            .map_err(FederationError::Store)?;
        packed += arn.len();
        documents.push(version.document);
    }
    for (key, value) in &claims.tags {
        packed += key.chars().count() + value.chars().count();
    }
    let percent = packed_percent(packed);
    if percent > 100 {
        return Err(FederationError::PackedPolicyTooLarge { percent });
    }
    Ok((documents, percent))
}

/// `packed` characters as a whole percentage of the packed space, rounded up.
fn packed_percent(packed: usize) -> u32 {
    let percent = (packed * 100).div_ceil(PACKED_POLICY_CAPACITY_CHARS);
    u32::try_from(percent).unwrap_or(u32::MAX)
}

/// `arn:aws:iam::ACCOUNT:policy/PATH/NAME` of this account → its key.
fn policy_key(state: &AppState, arn: &str) -> Option<PolicyKey> {
    let parsed = Arn::parse(arn).ok()?;
    if parsed.service() != "iam" || parsed.account() != state.account.id.as_str() {
        return None;
    }
    let path_and_name = parsed.resource().strip_prefix("policy")?;
    if !path_and_name.starts_with('/') {
        return None;
    }
    let slash = path_and_name.rfind('/')?;
    let (path, name) = path_and_name.split_at(slash + 1);
    (!name.is_empty()).then(|| PolicyKey {
        path: IamPath::new(path),
        name: PolicyName::new(name),
    })
}

/// One attempt, as the audit trail records it: filled in as the attempt learns who it is for.
#[derive(Debug)]
pub struct Attempt<'a> {
    state: &'a AppState,
    request_id: &'a str,
    action: &'static str,
    /// The caller's address, as the audit trail writes it: formatted once for both events.
    source: Option<String>,
    provider_arn: Option<String>,
    role_arn: Option<String>,
    issuer: Option<String>,
    subject: Option<String>,
    session_name: Option<String>,
    /// Whether its event is in the store already (appended with its replay-cache key).
    audited: bool,
}

impl<'a> Attempt<'a> {
    /// An attempt of `action` (`sts:AssumeRoleWithSAML`, `signin:SAML`) from `source`.
    pub fn new(
        state: &'a AppState,
        request_id: &'a str,
        action: &'static str,
        source: Option<std::net::SocketAddr>,
    ) -> Self {
        Self {
            state,
            request_id,
            action,
            source: source.map(|address| address.to_string()),
            provider_arn: None,
            role_arn: None,
            issuer: None,
            subject: None,
            session_name: None,
            audited: false,
        }
    }

    /// The provider and role the caller named (untrusted: recorded as asked).
    pub fn asked(&mut self, provider_arn: &str, role_arn: &str) {
        self.provider_arn = Some(truncated(provider_arn));
        self.role_arn = Some(truncated(role_arn));
    }

    /// Who the validated assertion is for.
    pub fn validated(&mut self, validated: &Validated) {
        self.issuer = Some(validated.assertion.issuer().to_owned());
        self.subject = Some(validated.assertion.name_id().value().to_owned());
        self.session_name = Some(validated.claims.role_session_name.clone());
    }

    /// Appends the audit event, unless it went in with the replay-cache key, and, for a
    /// refusal, counts it by reason. A success that cannot be audited fails (no credentials
    /// without a record); a refusal that cannot be audited is logged and stays the refusal it
    /// was.
    pub async fn finish(
        self,
        result: Result<&Assumed, &FederationError>,
    ) -> Result<(), FederationError> {
        if let Err(error) = result {
            self.state.metrics.record_rejection(error.reason());
        }
        if self.audited {
            return Ok(());
        }
        let event = self.event(result.map(|assumed| &assumed.claims));
        match (self.state.store.append_audit(&[event]).await, result) {
            (Ok(()), _) => Ok(()),
            (Err(error), Ok(_)) => Err(FederationError::Store(error)),
            (Err(error), Err(_)) => {
                tracing::error!(request_id = self.request_id, error = %error, "audit append failed");
                Ok(())
            }
        }
    }

    /// The audit event of the attempt, ending with a session of `claims` or with an error.
    fn event(&self, result: Result<&SessionClaims, &FederationError>) -> AuditEvent {
        let (outcome, actor, reason, message) = match result {
            Ok(claims) => (Outcome::Success, claims.assumed_role_arn(), None, None),
            Err(error) => {
                let actor = match (&self.issuer, &self.subject) {
                    (Some(issuer), Some(subject)) => format!("{issuer} {subject}"),
                    _ => "anonymous".to_owned(),
                };
                (
                    Outcome::Failure,
                    actor,
                    Some(error.reason()),
                    Some(error.to_string()),
                )
            }
        };
        let detail = AttemptDetail {
            idp: self.issuer.as_deref(),
            message: message.as_deref(),
            provider: self.provider_arn.as_deref(),
            reason,
            role: self.role_arn.as_deref(),
            session_name: self.session_name.as_deref(),
            source: self.source.as_deref(),
            subject: self.subject.as_deref(),
        };
        AuditEvent {
            at: self.state.clock.now(),
            request_id: self.request_id.to_owned(),
            actor,
            action: self.action.to_owned(),
            outcome,
            detail: serde_json::to_string(&detail).unwrap_or_default(),
        }
    }
}

/// An audit event's `detail`. The members are in the order `serde_json::json!` wrote them when
/// this was built as a `Value` (its maps sort their keys), so the stored text is unchanged; it
/// is serialized straight from the borrowed fields, without building a `Value` per attempt.
#[derive(Debug, serde::Serialize)]
struct AttemptDetail<'a> {
    idp: Option<&'a str>,
    message: Option<&'a str>,
    provider: Option<&'a str>,
    reason: Option<&'static str>,
    role: Option<&'a str>,
    session_name: Option<&'a str>,
    source: Option<&'a str>,
    subject: Option<&'a str>,
}

/// Untrusted text for an error or the audit trail, cut to a length a log line can carry.
fn truncated(text: &str) -> String {
    const MAX_CHARS: usize = 256;
    match text.char_indices().nth(MAX_CHARS) {
        Some((end, _)) => format!("{}…", text.get(..end).unwrap_or_default()),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use fedgate_store::RoleId;

    use super::*;

    fn role(max_session_duration: u32) -> Role {
        Role {
            name: RoleName::new("Agent"),
            path: IamPath::new("/"),
            id: RoleId::new("AROAEXAMPLE"),
            trust_policy: String::new(),
            description: None,
            max_session_duration,
            created_at: time::OffsetDateTime::UNIX_EPOCH,
        }
    }

    fn claims(session_duration: Option<u32>) -> AwsClaims {
        AwsClaims {
            roles: vec![],
            role_session_name: "alice".into(),
            session_duration,
            tags: vec![],
            transitive_tag_keys: vec![],
            source_identity: None,
        }
    }

    #[test]
    fn api_sessions_are_held_to_max_session_duration_and_console_sessions_to_the_attribute() {
        let api = |max, attribute, requested| {
            duration(
                &role(max),
                &claims(attribute),
                SessionLength::Api(requested),
            )
            .ok()
        };
        assert_eq!(api(3_600, None, None), Some(3_600));
        assert_eq!(api(43_200, Some(7_200), None), Some(3_600));
        assert_eq!(api(43_200, Some(1_800), None), Some(1_800));
        assert_eq!(api(7_200, None, Some(7_200)), Some(7_200));
        assert_eq!(api(7_200, None, Some(7_201)), None);
        // DurationSeconds is held to MaxSessionDuration, not to the console's attribute.
        assert_eq!(api(43_200, Some(1_800), Some(7_200)), Some(7_200));
        // MaxSessionDuration does not limit console sessions.
        let console =
            |max, attribute| duration(&role(max), &claims(attribute), SessionLength::Console).ok();
        assert_eq!(console(3_600, Some(43_200)), Some(43_200));
        assert_eq!(console(3_600, None), Some(3_600));
    }

    #[test]
    fn role_arns_split_into_account_path_and_name() {
        assert_eq!(
            parse_role_arn("arn:aws:iam::123456789012:role/a/b/Agent"),
            Some(("123456789012", "/a/b/", "Agent"))
        );
        assert_eq!(
            parse_role_arn("arn:aws:iam::123456789012:role/Agent"),
            Some(("123456789012", "/", "Agent"))
        );
        assert_eq!(parse_role_arn("arn:aws:iam::123456789012:role/"), None);
        assert_eq!(parse_role_arn("arn:aws:iam::12345:role/Agent"), None);
        assert_eq!(
            parse_role_arn("arn:aws:iam::123456789012:saml-provider/Agent"),
            None
        );
    }

    #[test]
    fn the_audit_detail_is_the_text_the_json_value_gave() {
        let address: std::net::SocketAddr = "192.0.2.1:443".parse().unwrap();
        let cases = [
            (
                Some("https://idp\"x\u{1}é"),
                Some("refused: `a\\b`\n"),
                Some("p"),
                Some("Replayed"),
                None,
                Some("s"),
                Some(address),
                Some("alice"),
            ),
            (None, None, None, None, None, None, None, None),
        ];
        for (idp, message, provider, reason, role, session_name, source, subject) in cases {
            let source_text = source.map(|a: std::net::SocketAddr| a.to_string());
            let detail = AttemptDetail {
                idp,
                message,
                provider,
                reason,
                role,
                session_name,
                source: source_text.as_deref(),
                subject,
            };
            let value = serde_json::json!({
                "idp": idp,
                "provider": provider,
                "role": role,
                "session_name": session_name,
                "subject": subject,
                "source": source.map(|a| a.to_string()),
                "reason": reason,
                "message": message,
            });
            assert_eq!(serde_json::to_string(&detail).unwrap(), value.to_string());
        }
    }

    #[test]
    fn packed_size_is_a_percentage_rounded_up() {
        assert_eq!(packed_percent(0), 0);
        assert_eq!(packed_percent(1), 1);
        assert_eq!(packed_percent(PACKED_POLICY_CAPACITY_CHARS), 100);
        assert_eq!(packed_percent(PACKED_POLICY_CAPACITY_CHARS + 1), 101);
    }
}
