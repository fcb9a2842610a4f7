//! The instance's administration pages, for security profiles with the Users permissions:
//! user management (list, search, delete) with the CSV import of the Connect issue (all or
//! nothing, row errors shown), the security profiles, and the instance settings that tell an
//! administrator what to configure in the IdP.

use std::io::Cursor;

use axum::Router;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use fedgate_store::{InstanceId, PageRequest, UserId};
use serde::Deserialize;

use super::app::{InstanceCookie, instance_session, permissions};
use crate::connect::Arns;
use crate::connect::import::{self, ImportError};
use crate::signin::session_expired_page;
use crate::state::AppState;
use crate::web::{self, csrf_field, csrf_ok, encode_component, escape, page};

/// The routes of the administration pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/app/{alias}/users", get(users))
        .route("/app/{alias}/users/import", post(import_csv))
        .route("/app/{alias}/users/{id}/delete", post(delete_user))
        .route("/app/{alias}/security-profiles", get(security_profiles))
        .route("/app/{alias}/settings", get(settings))
}

/// The session, if its profiles hold `permission`; else the page to show.
async fn with_permission(
    state: &AppState,
    headers: &HeaderMap,
    alias: &str,
    permission: &str,
) -> Result<InstanceCookie, Response> {
    let Some(session) = instance_session(state, headers, alias).await else {
        return Err(session_expired_page());
    };
    if !permissions(state, &session)
        .await
        .iter()
        .any(|p| p == permission)
    {
        return Err(page(
            StatusCode::FORBIDDEN,
            "Access denied",
            &format!(
                "<h1>Access denied</h1><p class=\"error\">Your security profiles do not include the {} permission.</p>",
                escape(permission)
            ),
        ));
    }
    Ok(session)
}

#[derive(Debug, Deserialize)]
struct SearchQuery {
    q: Option<String>,
}

/// `GET /app/{alias}/users?q=…`.
async fn users(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(alias): Path<String>,
    Query(query): Query<SearchQuery>,
) -> Response {
    let session = match with_permission(&state, &headers, &alias, "Users.View").await {
        Ok(session) => session,
        Err(response) => return response,
    };
    users_page(&state, &session, query.q.as_deref().unwrap_or(""), "").await
}

async fn users_page(
    state: &AppState,
    session: &InstanceCookie,
    search: &str,
    message: &str,
) -> Response {
    let instance = InstanceId::new(session.instance_id.clone());
    let users = state
        .store
        .list_users(&instance, &PageRequest::first(1000))
        .await
        .map(|page| page.items)
        .unwrap_or_default();
    let needle = search.to_lowercase();
    let alias = encode_component(&session.alias);
    let rows: String = users
        .iter()
        .filter(|user| {
            needle.is_empty()
                || user.username.as_str().to_lowercase().contains(&needle)
                || user.first_name.to_lowercase().contains(&needle)
                || user.last_name.to_lowercase().contains(&needle)
        })
        .map(|user| {
            format!(
                "<tr><td>{login}</td><td>{first} {last}</td><td><form action=\"/app/{alias}/users/{id}/delete\" method=\"post\">{csrf}<button type=\"submit\" aria-label=\"Delete {login}\">Delete</button></form></td></tr>",
                login = escape(user.username.as_str()),
                first = escape(&user.first_name),
                last = escape(&user.last_name),
                id = encode_component(user.id.as_str()),
                csrf = csrf_field(&session.csrf),
            )
        })
        .collect();
    let body = format!(
        "<h1>User management</h1>{message}<form action=\"/app/{alias}/users\" method=\"get\" role=\"search\"><label>Search <input type=\"search\" name=\"q\" value=\"{q}\"></label> <button type=\"submit\">Search</button></form><table><thead><tr><th>Login</th><th>Name</th><th></th></tr></thead><tbody id=\"users\">{rows}</tbody></table><h2>Add users from CSV</h2><p>Paste the SAML template (<code>{header}</code>): every row is created, or none.</p><form action=\"/app/{alias}/users/import\" method=\"post\">{csrf}<label for=\"csv\">CSV</label><br><textarea id=\"csv\" name=\"csv\" rows=\"8\" cols=\"80\"></textarea><br><button type=\"submit\">Upload</button></form>",
        q = escape(search),
        header = escape(import::SAML_TEMPLATE_HEADER),
        csrf = csrf_field(&session.csrf),
    );
    page(StatusCode::OK, "User management", &body)
}

#[derive(Debug, Deserialize)]
struct ImportForm {
    csrf: Option<String>,
    csv: Option<String>,
}

/// `POST /app/{alias}/users/import`: the CSV importer, all or nothing.
async fn import_csv(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(alias): Path<String>,
    form: Result<Form<ImportForm>, FormRejection>,
) -> Response {
    let session = match with_permission(&state, &headers, &alias, "Users.Create").await {
        Ok(session) => session,
        Err(response) => return response,
    };
    let Ok(Form(form)) = form else {
        return web::csrf_refused();
    };
    if !csrf_ok(&session.csrf, form.csrf.as_deref()) {
        return web::csrf_refused();
    }
    let text = form.csv.unwrap_or_default();
    let result = import::import_users(
        state.store.as_ref(),
        &InstanceId::new(session.instance_id.clone()),
        Cursor::new(text.into_bytes()),
        state.clock.now(),
        &|_, _| {},
    )
    .await;
    let message = match result {
        Ok(report) => format!(
            "<p class=\"notice\" role=\"status\" id=\"import-result\">Created {} users.</p>",
            report.created
        ),
        Err(ImportError::Rows { errors, more }) => {
            let items: String = errors
                .iter()
                .map(|e| format!("<li>Line {}: {}</li>", e.line, escape(&e.message)))
                .collect();
            let more = if more > 0 {
                format!("<li>… and {more} more</li>")
            } else {
                String::new()
            };
            format!(
                "<div class=\"error\" role=\"alert\" id=\"import-result\"><p>No user was created:</p><ul>{items}{more}</ul></div>"
            )
        }
        Err(other) => format!(
            "<p class=\"error\" role=\"alert\" id=\"import-result\">No user was created: {}</p>",
            escape(&other.to_string())
        ),
    };
    users_page(&state, &session, "", &message).await
}

#[derive(Debug, Deserialize)]
struct CsrfForm {
    csrf: Option<String>,
}

/// `POST /app/{alias}/users/{id}/delete`: deletes the user and ends their sessions.
async fn delete_user(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((alias, id)): Path<(String, String)>,
    form: Result<Form<CsrfForm>, FormRejection>,
) -> Response {
    let session = match with_permission(&state, &headers, &alias, "Users.Delete").await {
        Ok(session) => session,
        Err(response) => return response,
    };
    let submitted = form.ok().and_then(|Form(form)| form.csrf);
    if !csrf_ok(&session.csrf, submitted.as_deref()) {
        return web::csrf_refused();
    }
    let instance = InstanceId::new(session.instance_id.clone());
    let message = match state
        .store
        .delete_user(&instance, &UserId::new(id.clone()))
        .await
    {
        Ok(()) => {
            let subject = Arns::new(&state).user(instance.as_str(), &id);
            let _ = state.store.revoke_sessions_of(&subject).await;
            "<p class=\"notice\" role=\"status\">The user was deleted.</p>".to_owned()
        }
        Err(_) => "<p class=\"error\" role=\"alert\">No such user.</p>".to_owned(),
    };
    users_page(&state, &session, "", &message).await
}

/// `GET /app/{alias}/security-profiles`.
async fn security_profiles(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(alias): Path<String>,
) -> Response {
    let session = match with_permission(&state, &headers, &alias, "SecurityProfiles.View").await {
        Ok(session) => session,
        Err(response) => return response,
    };
    let profiles = state
        .store
        .list_security_profiles(
            &InstanceId::new(session.instance_id.clone()),
            &PageRequest::first(1000),
        )
        .await
        .map(|page| page.items)
        .unwrap_or_default();
    let items: String = profiles
        .iter()
        .map(|profile| {
            format!(
                "<li><strong>{}</strong>: {}</li>",
                escape(&profile.name),
                escape(&profile.permissions.join(", "))
            )
        })
        .collect();
    page(
        StatusCode::OK,
        "Security profiles",
        &format!("<h1>Security profiles</h1><ul id=\"profiles\">{items}</ul>"),
    )
}

/// `GET /app/{alias}/settings`: what to configure in the IdP.
async fn settings(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(alias): Path<String>,
) -> Response {
    let Some(session) = instance_session(&state, &headers, &alias).await else {
        return session_expired_page();
    };
    let url = &state.config.public_url;
    let body = format!(
        "<h1>Instance settings</h1><dl><dt>Instance</dt><dd>{alias} ({id})</dd><dt>Identity management</dt><dd>SAML 2.0</dd><dt>ACS URL (Single sign-on URL)</dt><dd><code id=\"acs\">{acs}</code></dd><dt>Service provider metadata</dt><dd><a href=\"/static/saml-metadata.xml\">{url}/static/saml-metadata.xml</a></dd><dt>Audience</dt><dd><code>{entity}</code></dd><dt>Default relay state</dt><dd><code id=\"relay\">{url}/connect/federate/{id}?destination=%2Fccp-v2</code></dd><dt>Attributes</dt><dd><code>https://aws.amazon.com/SAML/Attributes/Role</code> = <code>arn:aws:iam::{account}:role/ROLE,arn:aws:iam::{account}:saml-provider/PROVIDER</code>; <code>https://aws.amazon.com/SAML/Attributes/RoleSessionName</code> = the user's login</dd></dl>",
        alias = escape(&alias),
        id = escape(&session.instance_id),
        acs = escape(&format!("{url}/saml")),
        url = escape(url),
        entity = escape(&state.config.entity_id),
        account = escape(state.account.id.as_str()),
    );
    page(StatusCode::OK, "Instance settings", &body)
}
