//! The contact-center instance's web app, `/app/{alias}/…`: the sign-in with a one-time
//! federation token, home, the Contact Control Panel (`ccp-v2`, `ccp-v2/chat`), the agent
//! workspace (`agent-app-v2`) and logout. Without a session every page is "Session Expired"
//! (no reverse federation, §5.3); sessions end 12 hours after sign-in even while in use.

use axum::Router;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use fedgate_store::{
    AgentStatus, InstanceAlias, InstanceId, Session, SessionId, SessionKind, TokenId, UserId,
};
use serde::{Deserialize, Serialize};
use time::Duration;

use crate::connect::Arns;
use crate::connect::federation::FederationToken;
use crate::keys::{Purpose, random_id};
use crate::signin::{self, ConsoleCookie, session_expired_page};
use crate::state::AppState;
use crate::web::{
    self, CONSOLE_COOKIE, INSTANCE_COOKIE, csrf_field, csrf_ok, escape, page, redirect,
};

/// How long an instance session lasts from sign-in (§5.3).
pub const SESSION_LIFETIME: Duration = Duration::hours(12);
/// The permission the agent pages need.
pub const AGENT_PERMISSION: &str = "BasicAgentAccess";

/// The routes of every instance's web app.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/app/{alias}/auth/sign-in", get(sign_in))
        .route("/app/{alias}", get(home))
        .route("/app/{alias}/", get(home))
        .route("/app/{alias}/home", get(home))
        .route("/app/{alias}/ccp-v2", get(ccp))
        .route("/app/{alias}/ccp-v2/", get(ccp))
        .route("/app/{alias}/ccp-v2/chat", get(chat))
        .route("/app/{alias}/ccp-v2/status", post(set_status))
        .route("/app/{alias}/agent-app-v2", get(agent_app))
        .route("/app/{alias}/logout", get(logout).post(logout))
        .merge(super::admin::routes())
        .route("/app/{alias}/{*rest}", get(other))
}

/// What the instance cookie carries, sealed.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct InstanceCookie {
    /// The store session's id.
    pub sid: String,
    /// The console session it came from, ended with it at logout.
    pub console_sid: Option<String>,
    /// The instance.
    pub instance_id: String,
    /// Its alias.
    pub alias: String,
    /// The Connect user.
    pub user_id: String,
    /// Its username.
    pub username: String,
    /// The CSRF token of the app's forms.
    pub csrf: String,
    /// When the session ends, Unix seconds.
    pub expires: i64,
}

/// A page of the web app the destination parameter may name.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum Destination {
    /// The instance home.
    Home,
    /// `/ccp-v2`.
    Ccp,
    /// `/ccp-v2/chat`.
    Chat,
    /// `/agent-app-v2`.
    AgentApp,
}

impl Destination {
    /// Reads a `destination` in any encoding of §5.2: `%26new_domain=true` inside the value,
    /// the legacy `/connect` prefix, CCPv1's `/ccp#`. `None` for a page this app does not have.
    pub fn parse(raw: &str) -> Option<Self> {
        let value = raw.split('&').next().unwrap_or("");
        let value = value.split('?').next().unwrap_or("");
        let value = match value.strip_prefix("/connect") {
            Some(rest) if rest.is_empty() || rest.starts_with('/') => rest,
            _ => value,
        };
        let value = value.trim_end_matches('/');
        match value {
            "" | "/home" => Some(Self::Home),
            "/ccp-v2" | "/ccp-v2/softphone" | "/ccp" => Some(Self::Ccp),
            _ if value.starts_with("/ccp#") => Some(Self::Ccp),
            "/ccp-v2/chat" => Some(Self::Chat),
            "/agent-app-v2" => Some(Self::AgentApp),
            _ => None,
        }
    }

    /// The path under `/app/{alias}`.
    pub fn path(self) -> &'static str {
        match self {
            Self::Home => "/home",
            Self::Ccp => "/ccp-v2",
            Self::Chat => "/ccp-v2/chat",
            Self::AgentApp => "/agent-app-v2",
        }
    }

    /// The permission it needs, if any.
    pub fn permission(self) -> Option<&'static str> {
        match self {
            Self::Home => None,
            Self::Ccp | Self::Chat | Self::AgentApp => Some(AGENT_PERMISSION),
        }
    }
}

/// The instance session of the request for `alias`, if it is still active in the store.
pub async fn instance_session(
    state: &AppState,
    headers: &HeaderMap,
    alias: &str,
) -> Option<InstanceCookie> {
    let cookie: InstanceCookie = web::open_cookie(
        &state.keys,
        Purpose::InstanceCookie,
        headers,
        INSTANCE_COOKIE,
    )?;
    let now = state.clock.now();
    // SECURITY: one instance's session opens no other instance, nor a later instance that took
    // the alias of a deleted one; an ended or revoked session (12 hours, logout, the user
    // deleted) opens nothing, whatever its cookie says.
    if cookie.alias != alias || now.unix_timestamp() >= cookie.expires {
        return None;
    }
    let instance = state
        .store
        .instance_by_alias(&InstanceAlias::new(alias))
        .await
        .ok()?;
    if instance.id.as_str() != cookie.instance_id {
        return None;
    }
    state
        .store
        .active_session(&SessionId::new(cookie.sid.clone()), now)
        .await
        .ok()?;
    Some(cookie)
}

/// The permissions of the user's security profiles.
pub(crate) async fn permissions(state: &AppState, session: &InstanceCookie) -> Vec<String> {
    let instance = InstanceId::new(session.instance_id.clone());
    let Ok(user) = state
        .store
        .user(&instance, &UserId::new(session.user_id.clone()))
        .await
    else {
        return Vec::new();
    };
    let mut permissions = Vec::new();
    for profile in &user.security_profiles {
        if let Ok(profile) = state.store.security_profile(&instance, profile).await {
            permissions.extend(profile.permissions);
        }
    }
    permissions
}

async fn allowed(state: &AppState, session: &InstanceCookie, destination: Destination) -> bool {
    match destination.permission() {
        None => true,
        Some(permission) => permissions(state, session)
            .await
            .iter()
            .any(|p| p == permission),
    }
}

#[derive(Debug, Deserialize)]
struct SignInQuery {
    token: Option<String>,
    destination: Option<String>,
}

/// `GET /app/{alias}/auth/sign-in?token=…&destination=…`: redeems the one-time token.
async fn sign_in(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(alias): Path<String>,
    Query(query): Query<SignInQuery>,
) -> Response {
    let now = state.clock.now();
    let Some(token) = query
        .token
        .as_deref()
        .and_then(|token| FederationToken::open(&state.keys, token, now))
    else {
        return session_expired_page();
    };
    // SECURITY: a token for one instance signs in to that instance only, and only once.
    if token.alias != alias
        || !state
            .store
            .redeem_one_time_token(&TokenId::new(token.token_id.clone()), token.expiry())
            .await
            .unwrap_or(false)
    {
        return session_expired_page();
    }
    let console: Option<ConsoleCookie> = web::open_cookie(
        &state.keys,
        Purpose::ConsoleCookie,
        &headers,
        CONSOLE_COOKIE,
    );
    let session = Session {
        id: SessionId::new(random_id("", 32)),
        kind: SessionKind::Instance,
        subject: Arns::new(&state).user(&token.instance_id, &token.user_id),
        created_at: now,
        expires_at: now + SESSION_LIFETIME,
    };
    if state.store.create_session(&session).await.is_err() {
        return page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Error",
            "<h1>Error</h1><p class=\"error\">The sign-in could not be completed. Please try again.</p>",
        );
    }
    let cookie = InstanceCookie {
        sid: session.id.as_str().to_owned(),
        console_sid: console.map(|c| c.sid),
        instance_id: token.instance_id,
        alias: token.alias,
        user_id: token.user_id,
        username: token.username,
        csrf: random_id("", 32),
        expires: session.expires_at.unix_timestamp(),
    };
    let base = format!("/app/{}", web::encode_component(&cookie.alias));
    let location = match query.destination.as_deref().map(Destination::parse) {
        None | Some(Some(Destination::Home)) => format!("{base}/home"),
        Some(None) => format!("{base}/home?notice=unknown-destination"),
        Some(Some(destination)) if allowed(&state, &cookie, destination).await => {
            format!("{base}{}", destination.path())
        }
        Some(Some(_)) => format!("{base}/home?notice=not-permitted"),
    };
    let sealed = web::seal_cookie(&state.keys, Purpose::InstanceCookie, &cookie);
    web::with_cookie(
        redirect(StatusCode::FOUND, &location),
        web::set_cookie(
            &state,
            INSTANCE_COOKIE,
            &sealed,
            SESSION_LIFETIME.whole_seconds(),
        ),
    )
}

#[derive(Debug, Deserialize)]
struct NoticeQuery {
    notice: Option<String>,
}

fn nav(alias: &str, session: &InstanceCookie) -> String {
    let alias = web::encode_component(alias);
    format!(
        "<nav><a href=\"/app/{alias}/home\">Home</a> · <a href=\"/app/{alias}/ccp-v2\">Contact Control Panel</a> · <a href=\"/app/{alias}/agent-app-v2\">Agent workspace</a> · <a href=\"/app/{alias}/users\">Users</a> · <a href=\"/app/{alias}/security-profiles\">Security profiles</a> · <a href=\"/app/{alias}/settings\">Settings</a><form action=\"/app/{alias}/logout\" method=\"post\" style=\"display:inline\">{csrf} <button type=\"submit\">Log out</button></form></nav>",
        csrf = csrf_field(&session.csrf)
    )
}

/// `/app/{alias}/home`.
async fn home(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(alias): Path<String>,
    Query(query): Query<NoticeQuery>,
) -> Response {
    let Some(session) = instance_session(&state, &headers, &alias).await else {
        return session_expired_page();
    };
    let notice = match query.notice.as_deref() {
        Some("not-permitted") => {
            "<p class=\"notice\" role=\"status\" id=\"notice\">Your security profiles do not allow the page you asked for; you were brought to the home page instead.</p>"
        }
        Some("unknown-destination") => {
            "<p class=\"notice\" role=\"status\" id=\"notice\">The page you asked for does not exist; you were brought to the home page instead.</p>"
        }
        _ => "",
    };
    let body = format!(
        "{nav}<h1>Welcome, {user}</h1>{notice}<p>Instance <strong>{alias}</strong>.</p>",
        nav = nav(&alias, &session),
        user = escape(&session.username),
        alias = escape(&alias),
    );
    page(StatusCode::OK, "Home", &body)
}

/// An agent page: the session, and `BasicAgentAccess`.
async fn agent_page(
    state: &AppState,
    headers: &HeaderMap,
    alias: &str,
    destination: Destination,
) -> Result<InstanceCookie, Response> {
    let Some(session) = instance_session(state, headers, alias).await else {
        return Err(session_expired_page());
    };
    if !allowed(state, &session, destination).await {
        return Err(redirect(
            StatusCode::FOUND,
            &format!(
                "/app/{}/home?notice=not-permitted",
                web::encode_component(alias)
            ),
        ));
    }
    Ok(session)
}

/// `/app/{alias}/ccp-v2`: the agent's name, status and session end.
async fn ccp(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(alias): Path<String>,
) -> Response {
    let session = match agent_page(&state, &headers, &alias, Destination::Ccp).await {
        Ok(session) => session,
        Err(response) => return response,
    };
    let status = state
        .store
        .agent_status(
            &InstanceId::new(session.instance_id.clone()),
            &UserId::new(session.user_id.clone()),
        )
        .await
        .map(|(status, _)| status)
        .unwrap_or(AgentStatus::Offline);
    let (label, next) = match status {
        AgentStatus::Available => ("Available", "Offline"),
        _ => ("Offline", "Available"),
    };
    let expires = time::OffsetDateTime::from_unix_timestamp(session.expires)
        .map(crate::aws::xml::format_timestamp)
        .unwrap_or_default();
    let body = format!(
        "{nav}<h1>Contact Control Panel</h1><p>Agent: <strong id=\"agent\">{user}</strong></p><p>Status: <strong id=\"status\">{label}</strong></p><form action=\"/app/{alias_enc}/ccp-v2/status\" method=\"post\">{csrf}<input type=\"hidden\" name=\"status\" value=\"{next}\"><button type=\"submit\" id=\"toggle-status\">Set status to {next}</button></form><p>Your session ends at <time id=\"session-expires\">{expires}</time>.</p>",
        nav = nav(&alias, &session),
        user = escape(&session.username),
        alias_enc = web::encode_component(&alias),
        csrf = csrf_field(&session.csrf),
    );
    page(StatusCode::OK, "Contact Control Panel", &body)
}

#[derive(Debug, Deserialize)]
struct StatusForm {
    csrf: Option<String>,
    status: Option<String>,
}

/// `POST /app/{alias}/ccp-v2/status`: Available or Offline, kept in the store.
async fn set_status(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(alias): Path<String>,
    form: Result<Form<StatusForm>, FormRejection>,
) -> Response {
    let session = match agent_page(&state, &headers, &alias, Destination::Ccp).await {
        Ok(session) => session,
        Err(response) => return response,
    };
    let Ok(Form(form)) = form else {
        return web::csrf_refused();
    };
    // SECURITY: a cross-site form must not change the agent's status.
    if !csrf_ok(&session.csrf, form.csrf.as_deref()) {
        return web::csrf_refused();
    }
    let status = match form.status.as_deref() {
        Some("Available") => AgentStatus::Available,
        Some("Offline") => AgentStatus::Offline,
        _ => {
            return page(
                StatusCode::BAD_REQUEST,
                "Error",
                "<h1>Error</h1><p class=\"error\">Unknown status.</p>",
            );
        }
    };
    let result = state
        .store
        .set_agent_status(
            &InstanceId::new(session.instance_id.clone()),
            &UserId::new(session.user_id.clone()),
            status,
            state.clock.now(),
        )
        .await;
    if result.is_err() {
        return page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Error",
            "<h1>Error</h1><p class=\"error\">The status could not be saved.</p>",
        );
    }
    redirect(
        StatusCode::SEE_OTHER,
        &format!("/app/{}/ccp-v2", web::encode_component(&alias)),
    )
}

/// `/app/{alias}/ccp-v2/chat`.
async fn chat(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(alias): Path<String>,
) -> Response {
    let session = match agent_page(&state, &headers, &alias, Destination::Chat).await {
        Ok(session) => session,
        Err(response) => return response,
    };
    let body = format!(
        "{nav}<h1>Chat</h1><p>Agent: <strong id=\"agent\">{user}</strong></p><p>No chats are waiting.</p>",
        nav = nav(&alias, &session),
        user = escape(&session.username),
    );
    page(StatusCode::OK, "Chat", &body)
}

/// `/app/{alias}/agent-app-v2`.
async fn agent_app(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(alias): Path<String>,
) -> Response {
    let session = match agent_page(&state, &headers, &alias, Destination::AgentApp).await {
        Ok(session) => session,
        Err(response) => return response,
    };
    let body = format!(
        "{nav}<h1>Agent workspace</h1><p>Agent: <strong id=\"agent\">{user}</strong></p><p>No contacts yet.</p>",
        nav = nav(&alias, &session),
        user = escape(&session.username),
    );
    page(StatusCode::OK, "Agent workspace", &body)
}

/// `GET|POST /app/{alias}/logout`: ends the instance session and the console session it came
/// from, on the server; clears both cookies.
async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(alias): Path<String>,
) -> Response {
    if let Some(session) = instance_session(&state, &headers, &alias).await {
        let _ = state
            .store
            .revoke_session(&SessionId::new(session.sid))
            .await;
        if let Some(console) = session.console_sid {
            let _ = state.store.revoke_session(&SessionId::new(console)).await;
        }
    }
    if let Some((console, _)) = signin::console_session(&state, &headers).await {
        let _ = state
            .store
            .revoke_session(&SessionId::new(console.sid))
            .await;
    }
    signin::signed_out_page(&state)
}

/// Any other page: "Session Expired" without a session, else not found.
async fn other(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((alias, _rest)): Path<(String, String)>,
) -> Response {
    if instance_session(&state, &headers, &alias).await.is_none() {
        return session_expired_page();
    }
    page(
        StatusCode::NOT_FOUND,
        "Not found",
        "<h1>Not found</h1><p>This page does not exist.</p>",
    )
}

#[cfg(test)]
mod tests {
    use super::Destination;

    #[test]
    fn destinations_in_every_encoding() {
        assert_eq!(Destination::parse("/ccp-v2"), Some(Destination::Ccp));
        assert_eq!(
            Destination::parse("/ccp-v2/chat&new_domain=true"),
            Some(Destination::Chat)
        );
        assert_eq!(
            Destination::parse("/connect/ccp-v2"),
            Some(Destination::Ccp)
        );
        assert_eq!(
            Destination::parse("/connect/ccp-v2/chat"),
            Some(Destination::Chat)
        );
        assert_eq!(Destination::parse("/ccp#"), Some(Destination::Ccp));
        assert_eq!(
            Destination::parse("/agent-app-v2"),
            Some(Destination::AgentApp)
        );
        assert_eq!(Destination::parse(""), Some(Destination::Home));
        assert_eq!(Destination::parse("https://evil.example/"), None);
        assert_eq!(Destination::parse("/connectx"), None);
    }
}
