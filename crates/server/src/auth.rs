//! Who is calling (SigV4 with the administrator's key or a role session's sealed token) and
//! whether they may (IAM policy evaluation by fedgate-policy).

use fedgate_policy::{Arn, Context, ContextValue, Policy, PolicyKind, PolicySet, Request, Verdict};
use fedgate_store::{Entity, RoleId, RoleName, RolePermissions, StoreError};

use crate::aws::error::{AwsError, AwsErrorCode};
use crate::aws::sigv4::{self, CredentialRejection, HttpRequest};
use crate::state::AppState;
use crate::sts::credentials::SessionClaims;

/// An authenticated caller.
#[derive(Clone, Debug)]
pub enum Caller {
    /// The administrator's access key: the account's root.
    Root {
        /// The account id.
        account: String,
    },
    /// A role session, from `AssumeRoleWithSAML`.
    Role(Box<SessionClaims>),
}

impl Caller {
    /// The caller's ARN, as `GetCallerIdentity` says it.
    pub fn arn(&self) -> String {
        match self {
            Self::Root { account } => format!("arn:aws:iam::{account}:root"),
            Self::Role(claims) => claims.assumed_role_arn(),
        }
    }

    /// The caller's `UserId` (`aws:userid`).
    pub fn user_id(&self) -> String {
        match self {
            Self::Root { account } => account.clone(),
            Self::Role(claims) => claims.user_id(),
        }
    }

    /// The account id.
    pub fn account(&self) -> &str {
        match self {
            Self::Root { account } => account,
            Self::Role(claims) => &claims.account,
        }
    }
}

/// Authenticates a SigV4-signed request for `service` (`sts`, `iam`, `connect`).
///
/// No database read: the administrator's secret is in memory, a session's secret is in its
/// sealed token.
pub fn authenticate(
    state: &AppState,
    request: &HttpRequest<'_>,
    service: &str,
) -> Result<Caller, AwsError> {
    let now = state.clock.now();
    let unverified = sigv4::parse(request, service, now)?;
    let key_id = unverified.access_key_id();
    if key_id == state.account.admin_key_id.as_str() {
        if unverified.security_token().is_some() {
            return Err(CredentialRejection::InvalidSessionToken.into());
        }
        let admin_secret = state.account.admin_secret.expose().clone();
        unverified.verify(&admin_secret)?;
        return Ok(Caller::Root {
            account: state.account.id.as_str().to_owned(),
        });
    }
    let Some(token) = unverified.security_token() else {
        return Err(CredentialRejection::UnknownAccessKey.into());
    };
    let claims =
        SessionClaims::open(&state.keys, token).ok_or(CredentialRejection::InvalidSessionToken)?;
    // SECURITY: a token is bound to its own key id: another session's token proves nothing.
    if claims.access_key_id != key_id {
        return Err(CredentialRejection::InvalidSessionToken.into());
    }
    if now.unix_timestamp() >= claims.expires {
        return Err(CredentialRejection::ExpiredSessionToken.into());
    }
    unverified.verify(claims.secret_access_key.expose())?;
    Ok(Caller::Role(Box::new(claims)))
}

/// Whether `caller` may perform `action` on `resource` (`None` for actions without one),
/// with `extra` condition keys besides those of the caller.
///
/// The root may do everything in its account. A role session has exactly its role's identity
/// policies intersected with its session policies.
pub async fn authorize(
    state: &AppState,
    caller: &Caller,
    action: &str,
    resource: Option<&str>,
    extra: &[(&str, ContextValue)],
) -> Result<(), AwsError> {
    authorize_described(state, caller, action, resource, None, extra).await
}

/// [`authorize`], with the resource as AWS's `AccessDenied` text names it when that is not
/// the resource evaluated (`ListRoles`: `arn:aws:iam::ACCOUNT:role/`, `ListPolicies`:
/// `policy path /`, while the action has no resource type and is evaluated on `*`).
pub async fn authorize_described(
    state: &AppState,
    caller: &Caller,
    action: &str,
    resource: Option<&str>,
    described: Option<&str>,
    extra: &[(&str, ContextValue)],
) -> Result<(), AwsError> {
    let Caller::Role(claims) = caller else {
        return Ok(());
    };
    let permissions = match state
        .store
        .role_permissions(&RoleName::new(claims.role_name.clone()))
        .await
    {
        // SECURITY: a role deleted and created again under the same name is another role (AWS
        // binds sessions to the role's unique id): sessions of the old one get nothing.
        Ok(permissions)
            if permissions.role_id.as_ref().map(RoleId::as_str)
                == Some(claims.role_id.as_str()) =>
        {
            permissions
        }
        // A deleted (or replaced) role grants nothing: its sessions are denied, not failed.
        Ok(_) | Err(StoreError::NotFound(Entity::Role)) => RolePermissions::default(),
        Err(error) => return Err(AwsError::internal(error)),
    };
    let identity: Vec<Policy> = permissions
        .inline
        .iter()
        .map(|p| p.document.as_str())
        .chain(
            permissions
                .managed
                .iter()
                .map(|(_, document)| document.as_str()),
        )
        .filter_map(|document| Policy::parse(document, PolicyKind::Identity).ok())
        .collect();
    let session: Vec<Policy> = claims
        .session_policies
        .iter()
        .filter_map(|document| Policy::parse(document, PolicyKind::Session).ok())
        .collect();
    let context = caller_context(state, claims, extra);
    let resource_arn = match resource {
        Some(text) => Some(Arn::parse(text).map_err(|_| {
            AwsError::new(
                AwsErrorCode::InvalidInput,
                format!("invalid resource {text}"),
            )
        })?),
        None => None,
    };
    let policies = PolicySet {
        identity: &identity,
        trust: None,
        boundary: None,
        session: &session,
    };
    let request = Request {
        principal: None,
        action,
        resource: resource_arn.as_ref(),
        context: &context,
    };
    let decision = fedgate_policy::evaluate(&policies, &request);
    if decision.effect() == Verdict::Allow {
        return Ok(());
    }
    let because = match decision.effect() {
        Verdict::ExplicitDeny => "with an explicit deny in an identity-based policy".to_owned(),
        _ => format!("because no identity-based policy allows the {action} action"),
    };
    Err(AwsError::access_denied(format!(
        "User: {} is not authorized to perform: {action} on resource: {} {because}",
        caller.arn(),
        described.or(resource).unwrap_or("*")
    )))
}

/// The global condition keys of a role session (IAM's "AWS global condition context keys").
fn caller_context(
    state: &AppState,
    claims: &SessionClaims,
    extra: &[(&str, ContextValue)],
) -> Context {
    let now = state.clock.now();
    let mut context = Context::new();
    context.insert("aws:userid", ContextValue::string(claims.user_id()));
    // SECURITY: no `aws:username` for a role session ("requests made using … IAM roles do not
    // include this key", IAM global condition keys): `${aws:username}` must resolve to nothing,
    // or a policy written for IAM users would grant a session whose name matches a user's.
    if let Ok(arn) = Arn::parse(&claims.role_arn()) {
        context.insert("aws:PrincipalArn", ContextValue::Arn(arn));
    }
    context.insert(
        "aws:PrincipalAccount",
        ContextValue::string(claims.account.clone()),
    );
    context.insert(
        "aws:PrincipalType",
        ContextValue::string("AssumedRole".to_owned()),
    );
    context.insert(
        "aws:RequestedRegion",
        ContextValue::string(state.account.region.clone()),
    );
    context.insert(
        "aws:SecureTransport",
        ContextValue::Bool(state.config.is_https()),
    );
    if let Ok(value) = ContextValue::parse_typed("date", &now.unix_timestamp().to_string()) {
        context.insert("aws:CurrentTime", value);
    }
    if let Ok(value) = ContextValue::parse_typed("number", &now.unix_timestamp().to_string()) {
        context.insert("aws:EpochTime", value);
    }
    if let Some(source) = &claims.source_identity {
        context.insert("aws:SourceIdentity", ContextValue::string(source.clone()));
    }
    for (key, value) in &claims.tags {
        context.insert(
            &format!("aws:PrincipalTag/{key}"),
            ContextValue::string(value.clone()),
        );
    }
    for (key, values) in &claims.saml {
        context.insert_all(key, values.iter().map(|v| ContextValue::string(v.clone())));
    }
    for (key, value) in extra {
        context.insert(key, value.clone());
    }
    context
}
