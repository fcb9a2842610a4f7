//! The instance's administration pages, for security profiles with the Users permissions:
//! user management (list, search, delete) with the CSV import of the Connect issue (all or
//! nothing, row errors shown), the security profiles, and the instance settings that tell an
//! administrator what to configure in the IdP.

use std::io::Cursor;

use axum::Router;
use axum::extract::multipart::{Field, MultipartError, MultipartRejection};
use axum::extract::rejection::FormRejection;
use axum::extract::{DefaultBodyLimit, Form, Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use fedgate_store::{
    InstanceId, PageRequest, SecurityProfile, SecurityProfileId, User, UserId, UserUpdate,
};
use serde::Deserialize;

use super::app::{InstanceCookie, instance_session, permissions};
use crate::connect::Arns;
use crate::connect::import::{self, ImportError};
use crate::signin::session_expired_page;
use crate::state::AppState;
use crate::web::{self, csrf_field, csrf_ok, encode_component, escape, page};

/// Largest uploaded CSV file accepted, in bytes.
pub const MAX_CSV_BYTES: usize = 2 * 1024 * 1024;
/// The import route's body limit: the file plus room for the CSRF field and the multipart
/// framing. A larger body is refused while it streams in.
const MAX_IMPORT_BODY_BYTES: usize = MAX_CSV_BYTES + 64 * 1024;
/// Longest CSRF field read from the upload form (the token is 32 characters).
const MAX_CSRF_FIELD_BYTES: usize = 256;
/// Most parts read from the upload form (it has two).
const MAX_IMPORT_PARTS: usize = 8;

/// The routes of the administration pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/app/{alias}/users", get(users))
        .route(
            "/app/{alias}/users/import",
            post(import_csv).layer(DefaultBodyLimit::max(MAX_IMPORT_BODY_BYTES)),
        )
        .route("/app/{alias}/users/create", post(create_user))
        .route("/app/{alias}/users/{id}", get(edit_page).post(edit_user))
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
                "<tr><td>{login}</td><td><a href=\"/app/{alias}/users/{id}\">{first} {last}</a></td><td><form action=\"/app/{alias}/users/{id}/delete\" method=\"post\">{csrf}<button type=\"submit\" aria-label=\"Delete {login}\">Delete</button></form></td></tr>",
                login = escape(user.username.as_str()),
                first = escape(&user.first_name),
                last = escape(&user.last_name),
                id = encode_component(user.id.as_str()),
                csrf = csrf_field(&session.csrf),
            )
        })
        .collect();
    let body = format!(
        "<h1>User management</h1>{message}<form action=\"/app/{alias}/users\" method=\"get\" role=\"search\"><label>Search <input type=\"search\" name=\"q\" value=\"{q}\"></label> <button type=\"submit\">Search</button></form><table><thead><tr><th>Login</th><th>Name</th><th></th></tr></thead><tbody id=\"users\">{rows}</tbody></table><h2>Add a user</h2><form action=\"/app/{alias}/users/create\" method=\"post\">{csrf}<p><label>Login (the IdP's RoleSessionName) <input name=\"login\" required></label></p><p><label>First name <input name=\"first\" required></label> <label>Last name <input name=\"last\" required></label></p><fieldset><legend>Security profiles</legend>{checkboxes}</fieldset><button type=\"submit\">Create</button></form><h2>Add users from CSV</h2><p>Upload a file in the SAML template (<code>{header}</code>, no email or password columns; at most {max_mib} MiB): every row is created, or none.</p><form action=\"/app/{alias}/users/import\" method=\"post\" enctype=\"multipart/form-data\">{csrf}<label for=\"csv\">CSV file</label> <input type=\"file\" id=\"csv\" name=\"csv\" accept=\".csv,text/csv\" required> <button type=\"submit\" id=\"upload\">Upload</button></form>",
        q = escape(search),
        header = escape(import::SAML_TEMPLATE_HEADER),
        max_mib = MAX_CSV_BYTES / (1024 * 1024),
        csrf = csrf_field(&session.csrf),
        checkboxes = checkboxes(&profiles_of(state, &instance).await, &[]),
    );
    page(StatusCode::OK, "User management", &body)
}

/// What the upload form sent, read within its bounds.
#[derive(Debug, Default)]
struct ImportUpload {
    csrf: Option<String>,
    csv: Option<Vec<u8>>,
}

/// Why an upload was not read.
#[derive(Debug)]
enum UploadError {
    /// The file, or the whole body, is over its limit.
    TooLarge,
    /// Not a well-formed form of ours.
    Malformed,
}

impl From<MultipartError> for UploadError {
    fn from(error: MultipartError) -> Self {
        if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Self::TooLarge
        } else {
            Self::Malformed
        }
    }
}

/// Reads the form's `csrf` and `csv` parts; unknown parts are skipped, every part is bounded.
async fn read_upload(multipart: &mut Multipart) -> Result<ImportUpload, UploadError> {
    let mut upload = ImportUpload::default();
    let mut parts = 0;
    while let Some(mut field) = multipart.next_field().await? {
        parts += 1;
        if parts > MAX_IMPORT_PARTS {
            return Err(UploadError::Malformed);
        }
        match field.name() {
            Some("csrf") => {
                let bytes = read_bounded(&mut field, MAX_CSRF_FIELD_BYTES)
                    .await?
                    .ok_or(UploadError::Malformed)?;
                upload.csrf = Some(String::from_utf8(bytes).map_err(|_| UploadError::Malformed)?);
            }
            Some("csv") => {
                upload.csv = Some(
                    read_bounded(&mut field, MAX_CSV_BYTES)
                        .await?
                        .ok_or(UploadError::TooLarge)?,
                );
            }
            _ => {
                // Drained so the next part can be read; the body limit bounds it.
                while field.chunk().await?.is_some() {}
            }
        }
    }
    Ok(upload)
}

/// The part's bytes, or `None` once they pass `limit` (the rest is not read).
async fn read_bounded(
    field: &mut Field<'_>,
    limit: usize,
) -> Result<Option<Vec<u8>>, MultipartError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await? {
        // SECURITY: memory is bounded by the limit, not by what the client sends.
        if bytes.len() + chunk.len() > limit {
            return Ok(None);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Some(bytes))
}

/// `POST /app/{alias}/users/import` (`multipart/form-data`: `csrf`, and the file `csv`): the
/// CSV importer, all or nothing.
async fn import_csv(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(alias): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let session = match with_permission(&state, &headers, &alias, "Users.Create").await {
        Ok(session) => session,
        Err(response) => return response,
    };
    let Ok(mut multipart) = multipart else {
        return web::csrf_refused();
    };
    let upload = match read_upload(&mut multipart).await {
        Ok(upload) => upload,
        Err(UploadError::TooLarge) => {
            let message = format!(
                "<p class=\"error\" role=\"alert\" id=\"import-result\">No user was created: the file is larger than {} MiB.</p>",
                MAX_CSV_BYTES / (1024 * 1024)
            );
            let mut response = users_page(&state, &session, "", &message).await;
            *response.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
            return response;
        }
        Err(UploadError::Malformed) => return web::csrf_refused(),
    };
    // SECURITY: a cross-site form must not create users; the token is a part of the form.
    if !csrf_ok(&session.csrf, upload.csrf.as_deref()) {
        return web::csrf_refused();
    }
    let Some(csv) = upload.csv.filter(|csv| !csv.is_empty()) else {
        let message = "<p class=\"error\" role=\"alert\" id=\"import-result\">No user was created: choose a CSV file to upload.</p>";
        return users_page(&state, &session, "", message).await;
    };
    let result = import::import_users(
        state.store.as_ref(),
        &InstanceId::new(session.instance_id.clone()),
        Cursor::new(csv),
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
    // SECURITY: every state-changing form carries the session's CSRF token (cross-site POST).
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

async fn profiles_of(state: &AppState, instance: &InstanceId) -> Vec<SecurityProfile> {
    state
        .store
        .list_security_profiles(instance, &PageRequest::first(1000))
        .await
        .map(|page| page.items)
        .unwrap_or_default()
}

fn checkboxes(profiles: &[SecurityProfile], checked: &[SecurityProfileId]) -> String {
    profiles
        .iter()
        .map(|profile| {
            format!(
                "<label><input type=\"checkbox\" name=\"profile\" value=\"{id}\"{checked}> {name}</label> ",
                id = escape(profile.id.as_str()),
                name = escape(&profile.name),
                checked = if checked.contains(&profile.id) { " checked" } else { "" },
            )
        })
        .collect()
}

/// The form's values: single fields by name, and the checked security profiles (which must
/// be profiles of the instance).
struct UserForm {
    csrf: Option<String>,
    login: String,
    first: String,
    last: String,
    profiles: Vec<SecurityProfileId>,
}

fn read_user_form(pairs: Vec<(String, String)>, known: &[SecurityProfile]) -> UserForm {
    let mut form = UserForm {
        csrf: None,
        login: String::new(),
        first: String::new(),
        last: String::new(),
        profiles: Vec::new(),
    };
    for (key, value) in pairs {
        match key.as_str() {
            "csrf" => form.csrf = Some(value),
            "login" => form.login = value,
            "first" => form.first = value,
            "last" => form.last = value,
            "profile" => {
                if let Some(profile) = known.iter().find(|p| p.id.as_str() == value)
                    && !form.profiles.contains(&profile.id)
                {
                    form.profiles.push(profile.id.clone());
                }
            }
            _ => {}
        }
    }
    form
}

fn problem(message: &str) -> String {
    format!(
        "<p class=\"error\" role=\"alert\" id=\"form-result\">{}</p>",
        escape(message)
    )
}

/// `POST /app/{alias}/users/create`: one user, checked as `CreateUser` checks it.
async fn create_user(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(alias): Path<String>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    let session = match with_permission(&state, &headers, &alias, "Users.Create").await {
        Ok(session) => session,
        Err(response) => return response,
    };
    let Ok(Form(pairs)) = form else {
        return web::csrf_refused();
    };
    let instance = InstanceId::new(session.instance_id.clone());
    let known = profiles_of(&state, &instance).await;
    let form = read_user_form(pairs, &known);
    if !csrf_ok(&session.csrf, form.csrf.as_deref()) {
        return web::csrf_refused();
    }
    let message = match new_user(&state, &instance, &form).await {
        Ok(()) => format!(
            "<p class=\"notice\" role=\"status\" id=\"form-result\">Created {}.</p>",
            escape(&form.login)
        ),
        Err(message) => problem(&message),
    };
    users_page(&state, &session, "", &message).await
}

async fn new_user(state: &AppState, instance: &InstanceId, form: &UserForm) -> Result<(), String> {
    use crate::connect::validate;
    let username =
        validate::username(form.login.trim(), true).map_err(|e| e.message().to_owned())?;
    let (first, last) = validate::names(Some(form.first.trim()), Some(form.last.trim()))
        .map_err(|e| e.message().to_owned())?;
    if form.profiles.is_empty() || form.profiles.len() > 10 {
        return Err("Choose between 1 and 10 security profiles.".to_owned());
    }
    if state
        .store
        .user_by_username(instance, &username)
        .await
        .is_ok()
    {
        return Err(format!(
            "A user with the login {} already exists.",
            username.as_str()
        ));
    }
    let routing = state
        .store
        .list_routing_profiles(instance, &PageRequest::first(1))
        .await
        .ok()
        .and_then(|page| page.items.into_iter().next())
        .ok_or("The instance has no routing profile.")?;
    let user = User {
        id: UserId::new(crate::connect::new_id()),
        username,
        first_name: first,
        last_name: last,
        phone: validate::default_phone(),
        security_profiles: form.profiles.clone(),
        routing_profile: routing.id,
        updated_at: state.clock.now(),
    };
    state
        .store
        .create_user(instance, &user, &[])
        .await
        .map_err(|_| "The user could not be created.".to_owned())
}

/// `GET /app/{alias}/users/{id}`: the edit form.
async fn edit_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((alias, id)): Path<(String, String)>,
) -> Response {
    let session = match with_permission(&state, &headers, &alias, "Users.Edit").await {
        Ok(session) => session,
        Err(response) => return response,
    };
    let instance = InstanceId::new(session.instance_id.clone());
    let Ok(user) = state.store.user(&instance, &UserId::new(id)).await else {
        return page(StatusCode::NOT_FOUND, "Not found", "<h1>No such user</h1>");
    };
    let profiles = profiles_of(&state, &instance).await;
    let body = format!(
        "<h1>Edit {login}</h1><form action=\"/app/{alias}/users/{id}\" method=\"post\">{csrf}<p><label>First name <input name=\"first\" value=\"{first}\" required></label> <label>Last name <input name=\"last\" value=\"{last}\" required></label></p><fieldset><legend>Security profiles</legend>{boxes}</fieldset><button type=\"submit\">Save</button></form><p><a href=\"/app/{alias}/users\">Back to users</a></p>",
        login = escape(user.username.as_str()),
        alias = encode_component(&alias),
        id = encode_component(user.id.as_str()),
        csrf = csrf_field(&session.csrf),
        first = escape(&user.first_name),
        last = escape(&user.last_name),
        boxes = checkboxes(&profiles, &user.security_profiles),
    );
    page(StatusCode::OK, "Edit user", &body)
}

/// `POST /app/{alias}/users/{id}`: new names and security profiles.
async fn edit_user(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((alias, id)): Path<(String, String)>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    let session = match with_permission(&state, &headers, &alias, "Users.Edit").await {
        Ok(session) => session,
        Err(response) => return response,
    };
    let Ok(Form(pairs)) = form else {
        return web::csrf_refused();
    };
    let instance = InstanceId::new(session.instance_id.clone());
    let known = profiles_of(&state, &instance).await;
    let form = read_user_form(pairs, &known);
    if !csrf_ok(&session.csrf, form.csrf.as_deref()) {
        return web::csrf_refused();
    }
    let names =
        match crate::connect::validate::names(Some(form.first.trim()), Some(form.last.trim())) {
            Ok(names) => names,
            Err(error) => return users_page(&state, &session, "", &problem(error.message())).await,
        };
    if form.profiles.is_empty() || form.profiles.len() > 10 {
        return users_page(
            &state,
            &session,
            "",
            &problem("Choose between 1 and 10 security profiles."),
        )
        .await;
    }
    let update = UserUpdate {
        names: Some(names),
        phone: None,
        security_profiles: Some(form.profiles),
        routing_profile: None,
        updated_at: state.clock.now(),
    };
    let message = match state
        .store
        .update_user(&instance, &UserId::new(id), &update)
        .await
    {
        Ok(()) => "<p class=\"notice\" role=\"status\" id=\"form-result\">Saved.</p>".to_owned(),
        Err(_) => problem("No such user."),
    };
    users_page(&state, &session, "", &message).await
}
