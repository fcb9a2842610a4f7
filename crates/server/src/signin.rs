//! The browser sign-in (aws-behaviour.md §1.7, §5): `POST /saml` with an IdP's signed response,
//! the role picker, the console session, `GET /static/saml-metadata.xml`, `/console`, its
//! logout, and `GET /connect/federate/{instance-id}` into a contact-center instance.
//!
//! The response is validated and redeemed by [`crate::sts::federation`], exactly as
//! `AssumeRoleWithSAML` does (replay refused once a session is issued); the provider is the one
//! whose metadata names the response's issuer. The console session is a revocable store
//! session named in a sealed cookie, lasting `SessionDuration` (default one hour) capped by
//! `SessionNotOnOrAfter`. RelayState is followed only to this server's own origins.

use axum::Router;
use axum::extract::rejection::FormRejection;
use axum::extract::{Extension, Form, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use fedgate_store::{PageRequest, Session, SessionId, SessionKind};
use serde::{Deserialize, Serialize};

use crate::auth::Caller;
use crate::aws::error::{AwsErrorCode, Protocol};
use crate::aws::query::QueryApi;
use crate::connect::{Call, ConnectAction, Reply};
use crate::http::RequestId;
use crate::keys::{Purpose, random_id};
use crate::state::AppState;
use crate::sts::credentials::SessionClaims;
use crate::sts::federation::{
    self, AssumeRequest, Attempt, FederationError, Provider, SessionLength,
};
use crate::web::{
    self, CONSOLE_COOKIE, INSTANCE_COOKIE, csrf_field, csrf_ok, escape, page, redirect,
};

/// The audit action of a browser sign-in.
pub const SIGNIN_ACTION: &str = "signin:SAML";
/// AWS's text for a response that is not a usable SAML response (§1.3).
pub const INVALID_RESPONSE: &str = "Your request included an invalid SAML response.";
/// AWS's text for a Connect user that does not exist (§4.6).
pub const NOT_ONBOARDED: &str = "Access Denied. Your account has been authenticated, but has not been onboarded to this application.";
/// AWS's text when IAM denies `connect:GetFederationToken` (§4.6).
pub const IAM_DENIED: &str =
    "Access denied, Please contact your AWS account administrator for assistance.";
/// The title of the page shown without a session (§5.3).
pub const SESSION_EXPIRED: &str = "Session Expired";
/// Longest RelayState followed (AWS documents none; URLs longer than this are not deep links).
pub const MAX_RELAY_STATE_CHARS: usize = 2048;
/// Longest `SAMLResponse` accepted (IAM's quota on the assertion).
const MAX_RESPONSE_CHARS: usize = 100_000;

/// The routes of the sign-in and the console.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/saml", post(saml))
        .route("/static/saml", post(saml))
        .route("/static/saml-metadata.xml", get(sp_metadata))
        .route("/console", get(console))
        .route("/console/logout", post(console_logout))
        .route("/connect/federate/{instance_id}", get(federate))
}

/// What the console cookie carries, sealed.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ConsoleCookie {
    /// The store session's id.
    pub sid: String,
    /// The role session's sealed claims (the STS session token).
    pub token: String,
    /// The CSRF token of the console's forms.
    pub csrf: String,
    /// When it ends, Unix seconds.
    pub expires: i64,
}

/// The console session of the request, if it is still active in the store.
pub async fn console_session(
    state: &AppState,
    headers: &HeaderMap,
) -> Option<(ConsoleCookie, SessionClaims)> {
    let cookie: ConsoleCookie =
        web::open_cookie(&state.keys, Purpose::ConsoleCookie, headers, CONSOLE_COOKIE)?;
    let now = state.clock.now();
    // SECURITY: a copied or kept cookie is worth nothing once its session has ended or was
    // revoked (logout): the store is asked every time.
    if now.unix_timestamp() >= cookie.expires {
        return None;
    }
    state
        .store
        .active_session(&SessionId::new(cookie.sid.clone()), now)
        .await
        .ok()?;
    let claims = SessionClaims::open(&state.keys, &cookie.token)?;
    Some((cookie, claims))
}

#[derive(Debug, Deserialize)]
struct SamlForm {
    #[serde(rename = "SAMLResponse")]
    saml_response: Option<String>,
    #[serde(rename = "RelayState")]
    relay_state: Option<String>,
    #[serde(rename = "roleIndex")]
    role_index: Option<String>,
}

/// `POST /saml`.
async fn saml(
    State(state): State<AppState>,
    Extension(request_id): Extension<RequestId>,
    connect_info: Option<Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
    form: Result<Form<SamlForm>, FormRejection>,
) -> Response {
    let source = connect_info.map(|Extension(axum::extract::ConnectInfo(address))| address);
    let Ok(Form(form)) = form else {
        return invalid_response_page(&request_id);
    };
    let Some(response) = form
        .saml_response
        .as_deref()
        .filter(|r| !r.is_empty() && r.len() <= MAX_RESPONSE_CHARS)
    else {
        return invalid_response_page(&request_id);
    };
    let relay_state = form.relay_state.as_deref().unwrap_or("");
    let Some(provider) = provider_for(&state, response).await else {
        state.metrics.record_rejection("UnknownIssuer");
        return invalid_response_page(&request_id);
    };
    let mut attempt = Attempt::new(&state, &request_id.0, SIGNIN_ACTION, source);
    let validated = match federation::validate(&state, &provider, response) {
        Ok(validated) => validated,
        Err(error) => {
            attempt.asked(&provider.arn, form.role_index.as_deref().unwrap_or(""));
            let _ = attempt.finish(Err(&error)).await;
            return failure_page(error, &request_id);
        }
    };
    attempt.validated(&validated);
    let roles: Vec<&str> = validated
        .claims
        .roles
        .iter()
        .filter(|pair| pair.provider_arn == provider.arn)
        .map(|pair| pair.role_arn.as_str())
        .collect();
    let role_arn = match (form.role_index.as_deref(), roles.as_slice()) {
        (Some(chosen), _) if !chosen.is_empty() => chosen.to_owned(),
        (_, [only]) => (*only).to_owned(),
        (_, []) => {
            let error = FederationError::Claim(crate::sts::saml_claims::ClaimError::MissingRole);
            let _ = attempt.finish(Err(&error)).await;
            return failure_page(error, &request_id);
        }
        (_, several) => {
            return role_picker(&state, several, response, relay_state);
        }
    };
    attempt.asked(&provider.arn, &role_arn);
    let request = AssumeRequest {
        role_arn: &role_arn,
        length: SessionLength::Console,
        policy: None,
        policy_arns: &[],
    };
    let result = federation::assume(&state, &validated, &request, &mut attempt).await;
    let audited = attempt.finish(result.as_ref()).await;
    let assumed = match (result, audited) {
        (Ok(assumed), Ok(())) => assumed,
        (Err(error), _) | (Ok(_), Err(error)) => return failure_page(error, &request_id),
    };
    let now = state.clock.now();
    let session = Session {
        id: SessionId::new(random_id("", 32)),
        kind: SessionKind::Console,
        subject: assumed.claims.assumed_role_arn(),
        created_at: now,
        expires_at: assumed.claims.expiration(),
    };
    if let Err(error) = state.store.create_session(&session).await {
        tracing::error!(request_id = request_id.0, error = %error, "creating a console session failed");
        return internal_page(&request_id);
    }
    let cookie = ConsoleCookie {
        sid: session.id.as_str().to_owned(),
        token: assumed.session_token,
        csrf: random_id("", 32),
        expires: assumed.claims.expires,
    };
    let sealed = web::seal_cookie(&state.keys, Purpose::ConsoleCookie, &cookie);
    let max_age = cookie.expires - now.unix_timestamp();
    let location = match relay_target(&state, relay_state) {
        Some(target) => target,
        None if relay_state.is_empty() => "/console".to_owned(),
        None => "/console?notice=relay-refused".to_owned(),
    };
    web::with_cookie(
        redirect(StatusCode::FOUND, &location),
        web::set_cookie(&state, CONSOLE_COOKIE, &sealed, max_age),
    )
}

/// Where a RelayState may send the browser: a path of this server, or an absolute URL on one
/// of its own origins; anything else (another host, `//host`, a scheme, control characters)
/// is refused. SECURITY: no open redirect.
pub fn relay_target(state: &AppState, relay_state: &str) -> Option<String> {
    if relay_state.is_empty()
        || relay_state.len() > MAX_RELAY_STATE_CHARS
        || relay_state
            .chars()
            .any(|c| c.is_control() || c == '\\' || c.is_whitespace())
    {
        return None;
    }
    if relay_state.starts_with('/') && !relay_state.starts_with("//") {
        return Some(relay_state.to_owned());
    }
    state
        .config
        .is_own_origin(relay_state)
        .then(|| relay_state.to_owned())
}

/// The SAML provider whose metadata names the response's issuer.
async fn provider_for(state: &AppState, response: &str) -> Option<Provider> {
    let parsed = fedgate_saml::SamlResponse::from_base64(response).ok()?;
    let issuers = issuers(parsed.xml());
    if issuers.is_empty() {
        return None;
    }
    let providers = state.store.list_saml_providers().await.ok()?;
    providers.into_iter().find_map(|record| {
        let metadata = state.saml.metadata(&record).ok()?;
        issuers
            .iter()
            .any(|issuer| metadata.provider(issuer).is_some())
            .then(|| Provider::from_record(state.account.id.as_str(), record))
    })
}

/// The `Issuer` values of an (unverified) response: only to choose the provider whose
/// metadata then verifies it.
fn issuers(xml: &[u8]) -> Vec<String> {
    let Ok(text) = std::str::from_utf8(xml) else {
        return Vec::new();
    };
    let Ok(document) = roxmltree::Document::parse(text) else {
        return Vec::new();
    };
    let mut found: Vec<String> = document
        .descendants()
        .filter(|node| {
            node.tag_name().name() == "Issuer"
                && node.tag_name().namespace() == Some("urn:oasis:names:tc:SAML:2.0:assertion")
        })
        .filter_map(|node| node.text().map(|t| t.trim().to_owned()))
        .collect();
    found.dedup();
    found.truncate(4);
    found
}

/// The role picker of §1.7, with the DOM tools read.
fn role_picker(state: &AppState, roles: &[&str], response: &str, relay_state: &str) -> Response {
    let account = state.account.id.as_str();
    let mut radios = String::new();
    for (index, role) in roles.iter().enumerate() {
        let name = role.rsplit('/').next().unwrap_or(role);
        let checked = if index == 0 { " checked" } else { "" };
        radios.push_str(&format!(
            "<div class=\"saml-role\"><input type=\"radio\" name=\"roleIndex\" value=\"{arn}\" class=\"saml-radio\" id=\"{arn}\"{checked}><label for=\"{arn}\" class=\"saml-role-description\">{name}</label></div>",
            arn = escape(role),
            name = escape(name)
        ));
    }
    let body = format!(
        "<h1>Select a role:</h1><form id=\"saml_form\" name=\"saml_form\" action=\"/saml\" method=\"post\"><fieldset><legend>Roles</legend><div class=\"saml-account\"><div class=\"saml-account-name\">Account: {account}</div>{radios}</div></fieldset><input type=\"hidden\" name=\"SAMLResponse\" value=\"{response}\"><input type=\"hidden\" name=\"RelayState\" value=\"{relay}\"><p><button id=\"signin_button\" type=\"submit\">Sign In</button></p></form>",
        account = escape(account),
        response = escape(response),
        relay = escape(relay_state),
    );
    page(StatusCode::OK, "Amazon Web Services Sign-In", &body)
}

/// The page for a refused response: AWS's text for an unusable response, else the STS error
/// as the sign-in page shows it (§1.7), with the request id.
fn failure_page(error: FederationError, request_id: &RequestId) -> Response {
    use crate::sts::saml_claims::ClaimError;
    match error {
        FederationError::Claim(ClaimError::MissingRole | ClaimError::InvalidRole(_))
        | FederationError::RoleNotInAssertion { .. } => invalid_response_page(request_id),
        FederationError::Store(_) => internal_page(request_id),
        other => {
            let aws = crate::aws::error::AwsError::from(other);
            let protocol = Protocol::Query(QueryApi::Sts);
            let status = aws.code().status(protocol);
            let text = format!(
                "{} (Service: AWSSecurityTokenService; Status Code: {}; Error Code: {}; Request ID: {}). Please try again.",
                aws.message(),
                status.as_u16(),
                aws.code().wire(protocol),
                request_id.0
            );
            page(
                client_status(status),
                "Amazon Web Services Sign-In",
                &format!(
                    "<h1>Error</h1><p class=\"error\" id=\"error_message\">{}</p>",
                    escape(&text)
                ),
            )
        }
    }
}

fn invalid_response_page(request_id: &RequestId) -> Response {
    page(
        StatusCode::BAD_REQUEST,
        "Amazon Web Services Sign-In",
        &format!(
            "<h1>Error</h1><p class=\"error\" id=\"error_message\">{INVALID_RESPONSE} To logout, click <a href=\"/console\">here</a>.</p><p>Request ID: {}</p>",
            escape(&request_id.0)
        ),
    )
}

fn internal_page(request_id: &RequestId) -> Response {
    page(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Error",
        &format!(
            "<h1>Error</h1><p class=\"error\">The sign-in could not be completed. Please try again.</p><p>Request ID: {}</p>",
            escape(&request_id.0)
        ),
    )
}

/// The page shown without a (valid) session: no reverse federation (§1.2, §5.3).
pub fn session_expired_page() -> Response {
    page(
        StatusCode::UNAUTHORIZED,
        SESSION_EXPIRED,
        &format!(
            "<h1>{SESSION_EXPIRED}</h1><p>Your session has expired or you have signed out. Sign in again through your identity provider.</p>"
        ),
    )
}

/// `GET /static/saml-metadata.xml`: this service provider's metadata.
async fn sp_metadata(State(state): State<AppState>) -> Response {
    let config = &state.config;
    let services: String = config
        .recipients
        .iter()
        .enumerate()
        .map(|(index, url)| {
            format!(
                "<md:AssertionConsumerService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\" Location=\"{}\" index=\"{}\"{}/>",
                escape(url),
                index + 1,
                if index == 0 { " isDefault=\"true\"" } else { "" }
            )
        })
        .collect();
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"{entity}\"><md:SPSSODescriptor AuthnRequestsSigned=\"false\" WantAssertionsSigned=\"true\" protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\"><md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:transient</md:NameIDFormat><md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>{services}<md:AttributeConsumingService index=\"1\"><md:ServiceName xml:lang=\"en\">fedgate</md:ServiceName><md:RequestedAttribute isRequired=\"true\" Name=\"https://aws.amazon.com/SAML/Attributes/Role\" FriendlyName=\"RoleEntitlement\" NameFormat=\"urn:oasis:names:tc:SAML:2.0:attrname-format:uri\"/><md:RequestedAttribute isRequired=\"true\" Name=\"https://aws.amazon.com/SAML/Attributes/RoleSessionName\" FriendlyName=\"RoleSessionName\" NameFormat=\"urn:oasis:names:tc:SAML:2.0:attrname-format:uri\"/></md:AttributeConsumingService></md:SPSSODescriptor></md:EntityDescriptor>\n",
        entity = escape(&config.entity_id)
    );
    let mut response = xml.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/samlmetadata+xml"),
    );
    web::secure(response.headers_mut());
    response
}

#[derive(Debug, Deserialize)]
struct ConsoleQuery {
    notice: Option<String>,
}

/// `GET /console`: who is signed in, the instances to federate into, logout.
async fn console(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<ConsoleQuery>,
) -> Response {
    let Some((cookie, claims)) = console_session(&state, &headers).await else {
        return session_expired_page();
    };
    let notice = match query.notice.as_deref() {
        Some("relay-refused") => {
            "<p class=\"notice\" role=\"status\">The sign-in asked to continue to an address outside this server; you were brought to the console instead.</p>"
        }
        _ => "",
    };
    let instances = state
        .store
        .list_instances(&PageRequest::first(100))
        .await
        .map(|page| page.items)
        .unwrap_or_default();
    let links: String = instances
        .iter()
        .map(|instance| {
            format!(
                "<li><a href=\"/connect/federate/{id}\">{alias}</a> (<a href=\"/connect/federate/{id}?destination=%2Fccp-v2\">Contact Control Panel</a>)</li>",
                id = escape(instance.id.as_str()),
                alias = escape(instance.alias.as_str())
            )
        })
        .collect();
    let expires = crate::aws::xml::format_timestamp(claims.expiration());
    let body = format!(
        "<h1>Console</h1>{notice}<dl><dt>Signed in as</dt><dd id=\"identity\">{arn}</dd><dt>Session name</dt><dd>{name}</dd><dt>Session ends</dt><dd id=\"expires\">{expires}</dd></dl><h2>Contact-center instances</h2><ul>{links}</ul><form action=\"/console/logout\" method=\"post\">{csrf}<button type=\"submit\">Sign out</button></form>",
        arn = escape(&claims.assumed_role_arn()),
        name = escape(&claims.session_name),
        csrf = csrf_field(&cookie.csrf),
    );
    page(StatusCode::OK, "Console", &body)
}

#[derive(Debug, Deserialize)]
struct CsrfForm {
    csrf: Option<String>,
}

/// `POST /console/logout`: ends the console session on the server and clears the cookie.
async fn console_logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<CsrfForm>, FormRejection>,
) -> Response {
    let submitted = form.ok().and_then(|Form(form)| form.csrf);
    if let Some((cookie, _)) = console_session(&state, &headers).await {
        // SECURITY: a cross-site form must not end the session (forced logout).
        if !csrf_ok(&cookie.csrf, submitted.as_deref()) {
            return web::csrf_refused();
        }
        let _ = state
            .store
            .revoke_session(&SessionId::new(cookie.sid))
            .await;
    }
    signed_out_page(&state)
}

/// The page after a logout, clearing both cookies.
pub fn signed_out_page(state: &AppState) -> Response {
    let response = page(
        StatusCode::OK,
        "Signed out",
        "<h1>You have signed out</h1><p>To sign in again, use your identity provider. Sign out of your identity provider too if this is a shared computer.</p>",
    );
    let response = web::with_cookie(response, web::set_cookie(state, CONSOLE_COOKIE, "", 0));
    web::with_cookie(response, web::set_cookie(state, INSTANCE_COOKIE, "", 0))
}

/// `GET /connect/federate/{instance-id}?destination=…`: GetFederationToken for the console
/// session's role, then the instance's sign-in with the one-time token.
async fn federate(
    State(state): State<AppState>,
    Extension(request_id): Extension<RequestId>,
    headers: HeaderMap,
    Path(instance_id): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    let Some((_, claims)) = console_session(&state, &headers).await else {
        return session_expired_page();
    };
    let destination = query
        .iter()
        .rev()
        .find(|(key, _)| key == "destination")
        .map(|(_, value)| value.clone());
    let caller = Caller::Role(Box::new(claims));
    let labels = [instance_id];
    let call = Call {
        state: &state,
        caller: &caller,
        action: ConnectAction::GetFederationToken,
        labels: &labels,
        query: &[],
        body: &[],
    };
    match crate::connect::federation::get_federation_token(&call).await {
        Ok(Reply::Json(output)) => {
            let Some(url) = output.get("SignInUrl").and_then(|v| v.as_str()) else {
                return internal_page(&request_id);
            };
            let location = match destination {
                Some(destination) => {
                    format!("{url}&destination={}", web::encode_component(&destination))
                }
                None => url.to_owned(),
            };
            redirect(StatusCode::FOUND, &location)
        }
        Ok(Reply::Empty) => internal_page(&request_id),
        Err(error) => match error.code() {
            AwsErrorCode::UserNotFound => denied_page(NOT_ONBOARDED, &request_id),
            AwsErrorCode::AccessDenied => denied_page(IAM_DENIED, &request_id),
            AwsErrorCode::InternalFailure => internal_page(&request_id),
            _ => page(
                client_status(error.code().status(Protocol::RestJson)),
                "Error",
                &format!(
                    "<h1>Error</h1><p class=\"error\">{} (Request ID: {})</p>",
                    escape(error.message()),
                    escape(&request_id.0)
                ),
            ),
        },
    }
}

/// AWS's text for a refused federation, with the request id (DESIGN: AWS's texts "plus the
/// request id"), so that the refusal can be found in the log and the audit.
fn denied_page(text: &str, request_id: &RequestId) -> Response {
    page(
        StatusCode::FORBIDDEN,
        "Access Denied",
        &format!(
            "<h1>Access Denied</h1><p class=\"error\" id=\"error_message\">{}</p><p>Request ID: {}</p>",
            escape(text),
            escape(&request_id.0)
        ),
    )
}

/// A browser page's status for an error: the error's if it is the client's, else 400.
fn client_status(status: StatusCode) -> StatusCode {
    if status.is_client_error() {
        status
    } else {
        StatusCode::BAD_REQUEST
    }
}
