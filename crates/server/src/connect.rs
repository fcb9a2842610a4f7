//! Connect (2017-08-08): the contact-center instance API, in restJson1 as botocore's model
//! defines it: instances, users, security and routing profiles, tags, GetFederationToken.
//!
//! This file is the front: it resolves the method and path to an action (one table, below),
//! authenticates the SigV4 signature (service `connect`), hands the call to the resource's
//! handler, and renders the reply or the error (`X-Amzn-ErrorType` + `{"Message"}`), with the
//! request's metrics and log line. Handlers authorise their own action, because the resource
//! ARN is theirs to name.
//!
//! - [`instances`]: CreateInstance, DescribeInstance, ListInstances, DeleteInstance.
//! - [`users`]: CreateUser, DescribeUser, ListUsers, SearchUsers, the UpdateUser… actions,
//!   DeleteUser, and the SAML username rules.
//! - [`profiles`]: security profiles (and their default permissions) and routing profiles.
//! - [`tags`]: TagResource, UntagResource, ListTagsForResource.
//! - [`federation`]: GetFederationToken and its sealed one-time access token.
//! - [`import`]: the CSV bulk import (SAML template), shared by the CLI and the web upload.
//! - [`json`]: the wire shapes; [`validate`]: AWS's constraints on them.

pub mod federation;
pub mod import;
pub mod instances;
pub mod json;
pub mod profiles;
pub mod tags;
pub mod users;
pub mod validate;

use axum::Extension;
use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use fedgate_policy::ContextValue;
use fedgate_store::InstanceId;
use serde::de::DeserializeOwned;

use crate::auth::{self, Caller};
use crate::aws::error::{AwsError, AwsErrorCode, Protocol, REQUEST_ID_HEADER, WireError};
use crate::aws::sigv4::HttpRequest;
use crate::clock::Stopwatch;
use crate::http::RequestId;
use crate::keys::random_bytes;
use crate::state::AppState;

/// The largest request body accepted (the largest Connect input fedgate serves, a user with
/// fifty tags, is a few kilobytes).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The path patterns of the Connect API (botocore's `requestUri`s); which method on which
/// pattern is which action is decided by [`resolve`].
const PATHS: &[&str] = &[
    "/instance",
    "/instance/{a}",
    "/users/{a}",
    "/users/{a}/{b}",
    "/users/{a}/{b}/{c}",
    "/users-summary/{a}",
    "/search-users",
    "/security-profiles/{a}",
    "/security-profiles/{a}/{b}",
    "/security-profiles-summary/{a}",
    "/security-profiles-permissions/{a}/{b}",
    "/routing-profiles-summary/{a}",
    "/routing-profiles/{a}/{b}",
    "/user/federate/{a}",
    "/tags/{a}",
];

/// The Connect routes, to merge into the application.
pub fn routes() -> Router<AppState> {
    PATHS.iter().fold(Router::new(), |router, path| {
        router.route(path, any(handle))
    })
}

macro_rules! connect_actions {
    ($($variant:ident,)*) => {
        /// The Connect actions fedgate serves.
        #[derive(Clone, Copy, Debug, Eq, PartialEq)]
        pub enum ConnectAction {
            $(#[doc = stringify!($variant)] $variant,)*
        }

        impl ConnectAction {
            /// The operation's name (also the IAM action: `connect:` + it).
            pub fn wire_name(self) -> &'static str {
                match self {
                    $(Self::$variant => stringify!($variant),)*
                }
            }

            /// The IAM action, `connect:…`.
            pub fn iam_action(self) -> &'static str {
                match self {
                    $(Self::$variant => concat!("connect:", stringify!($variant)),)*
                }
            }
        }
    };
}

connect_actions! {
    CreateInstance,
    CreateSecurityProfile,
    CreateUser,
    DeleteInstance,
    DeleteUser,
    DescribeInstance,
    DescribeRoutingProfile,
    DescribeSecurityProfile,
    DescribeUser,
    GetFederationToken,
    ListInstances,
    ListRoutingProfiles,
    ListSecurityProfilePermissions,
    ListSecurityProfiles,
    ListTagsForResource,
    ListUsers,
    SearchUsers,
    TagResource,
    UntagResource,
    UpdateSecurityProfile,
    UpdateUserIdentityInfo,
    UpdateUserPhoneConfig,
    UpdateUserRoutingProfile,
    UpdateUserSecurityProfiles,
}

/// One authenticated Connect call, as the handlers receive it.
#[derive(Debug)]
pub struct Call<'a> {
    /// The application state.
    pub state: &'a AppState,
    /// Who calls.
    pub caller: &'a Caller,
    /// The action.
    pub action: ConnectAction,
    /// The path labels, percent-decoded, in path order.
    pub labels: &'a [String],
    /// The query string's parameters, decoded, in order.
    pub query: &'a [(String, String)],
    /// The body.
    pub body: &'a [u8],
}

/// What a handler answers: JSON, or an empty 200 for operations without output.
#[derive(Debug)]
pub enum Reply {
    /// `200` with this JSON body.
    Json(serde_json::Value),
    /// `200` with no body.
    Empty,
}

impl Reply {
    /// A JSON reply of a serialisable output shape.
    pub fn json(output: &impl serde::Serialize) -> Result<Self, AwsError> {
        serde_json::to_value(output)
            .map(Self::Json)
            .map_err(AwsError::internal)
    }
}

impl Call<'_> {
    /// The `index`th path label.
    pub fn label(&self, index: usize) -> &str {
        self.labels.get(index).map_or("", String::as_str)
    }

    /// The instance named by the first path label, checked for shape.
    pub fn instance_label(&self) -> Result<InstanceId, AwsError> {
        validate::instance_id(self.label(0))
    }

    /// The last value of query parameter `name`.
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .rev()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// Every value of query parameter `name`, in order.
    pub fn query_params<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s str> + 's {
        self.query
            .iter()
            .filter(move |(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The JSON body as `T` (an empty body is `{}`).
    pub fn input<T: DeserializeOwned>(&self) -> Result<T, AwsError> {
        let body = if self.body.iter().all(u8::is_ascii_whitespace) {
            &b"{}"[..]
        } else {
            self.body
        };
        serde_json::from_slice(body).map_err(|e| {
            AwsError::new(
                AwsErrorCode::InvalidRequest,
                format!(
                    "the request body is not a valid {} input: {e}",
                    self.action.wire_name()
                ),
            )
        })
    }

    /// Whether the caller may perform this call's action on `resource` of `instance` (IAM
    /// policy evaluation, with `connect:InstanceId` in the context).
    pub async fn authorize(
        &self,
        resource: Option<&str>,
        instance: Option<&InstanceId>,
    ) -> Result<(), AwsError> {
        let extra: Vec<(&str, ContextValue)> = instance
            .map(|id| ("connect:InstanceId", ContextValue::string(id.as_str())))
            .into_iter()
            .collect();
        auth::authorize(
            self.state,
            self.caller,
            self.action.iam_action(),
            resource,
            &extra,
        )
        .await
    }

    /// The ARNs of this server's account and region.
    pub fn arns(&self) -> Arns<'_> {
        Arns::new(self.state)
    }
}

/// Builds the ARNs of Connect resources (aws-behaviour.md §8).
#[derive(Clone, Copy, Debug)]
pub struct Arns<'a> {
    region: &'a str,
    account: &'a str,
}

impl<'a> Arns<'a> {
    /// The ARNs of `state`'s account and region.
    pub fn new(state: &'a AppState) -> Self {
        Self {
            region: &state.account.region,
            account: state.account.id.as_str(),
        }
    }

    /// `arn:aws:connect:REGION:ACCOUNT:instance/ID`.
    pub fn instance(&self, instance: &str) -> String {
        format!(
            "arn:aws:connect:{}:{}:instance/{instance}",
            self.region, self.account
        )
    }

    /// `…:instance/ID/agent/USER`.
    pub fn user(&self, instance: &str, user: &str) -> String {
        format!("{}/agent/{user}", self.instance(instance))
    }

    /// `…:instance/ID/security-profile/PROFILE`.
    pub fn security_profile(&self, instance: &str, profile: &str) -> String {
        format!("{}/security-profile/{profile}", self.instance(instance))
    }

    /// `…:instance/ID/routing-profile/PROFILE`.
    pub fn routing_profile(&self, instance: &str, profile: &str) -> String {
        format!("{}/routing-profile/{profile}", self.instance(instance))
    }

    /// `…:instance/ID/user/USERID`: the resource GetFederationToken is authorised on, with
    /// the caller's `aws:userid` (aws-behaviour.md §4.6).
    pub fn federation_user(&self, instance: &str, aws_user_id: &str) -> String {
        format!("{}/user/{aws_user_id}", self.instance(instance))
    }

    /// The region.
    pub fn region(&self) -> &'a str {
        self.region
    }
}

/// A new resource id, shaped as Connect's (a version-4 UUID, lowercase).
pub fn new_id() -> String {
    let mut bytes = random_bytes(16);
    if let Some(byte) = bytes.get_mut(6) {
        *byte = (*byte & 0x0f) | 0x40;
    }
    if let Some(byte) = bytes.get_mut(8) {
        *byte = (*byte & 0x3f) | 0x80;
    }
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let part = |range: std::ops::Range<usize>| hex.get(range).unwrap_or_default();
    format!(
        "{}-{}-{}-{}-{}",
        part(0..8),
        part(8..12),
        part(12..16),
        part(16..20),
        part(20..32)
    )
}

/// The handler of every Connect path.
pub async fn handle(
    State(state): State<AppState>,
    Extension(request_id): Extension<RequestId>,
    request: axum::extract::Request,
) -> Response {
    let started = Stopwatch::start();
    let (parts, body) = request.into_parts();
    let (action, result) = run(&state, &parts, body).await;
    let seconds = started.seconds();
    let name = action.map_or("Unknown", ConnectAction::wire_name);
    match result {
        Ok(reply) => {
            state.metrics.record_request(name, "ok", seconds);
            tracing::info!(request_id = %request_id.0, action = name, outcome = "ok", "request");
            render(reply, &request_id.0)
        }
        Err(error) => {
            state
                .metrics
                .record_request(name, error.code().wire(Protocol::RestJson), seconds);
            log_error(&request_id.0, name, &error);
            WireError {
                error,
                protocol: Protocol::RestJson,
                request_id: request_id.0,
            }
            .into_response()
        }
    }
}

async fn run(
    state: &AppState,
    parts: &axum::http::request::Parts,
    body: Body,
) -> (Option<ConnectAction>, Result<Reply, AwsError>) {
    // SECURITY(resource exhaustion): read at most the limit plus one byte.
    let Ok(body) = axum::body::to_bytes(body, MAX_BODY_BYTES + 1).await else {
        let too_large = AwsError::new(
            AwsErrorCode::RequestEntityTooLarge,
            format!("Request body is larger than {MAX_BODY_BYTES} bytes"),
        );
        return (None, Err(too_large));
    };
    let (action, labels) = match resolve(&parts.method, parts.uri.path()) {
        Ok(resolved) => resolved,
        Err(error) => return (None, Err(error)),
    };
    let signed = HttpRequest::from_parts(parts, &body);
    let caller = match auth::authenticate(state, &signed, "connect") {
        Ok(caller) => caller,
        Err(error) => return (Some(action), Err(error)),
    };
    let Some(query) = parse_query(parts.uri.query().unwrap_or_default()) else {
        let error = AwsError::new(
            AwsErrorCode::InvalidRequest,
            "the query string is not validly percent-encoded",
        );
        return (Some(action), Err(error));
    };
    let call = Call {
        state,
        caller: &caller,
        action,
        labels: &labels,
        query: &query,
        body: &body,
    };
    (Some(action), dispatch(&call).await)
}

async fn dispatch(call: &Call<'_>) -> Result<Reply, AwsError> {
    use ConnectAction as A;
    match call.action {
        A::CreateInstance => instances::create(call).await,
        A::DescribeInstance => instances::describe(call).await,
        A::ListInstances => instances::list(call).await,
        A::DeleteInstance => instances::delete(call).await,
        A::CreateUser => users::create(call).await,
        A::DescribeUser => users::describe(call).await,
        A::ListUsers => users::list(call).await,
        A::SearchUsers => users::search(call).await,
        A::UpdateUserSecurityProfiles => users::update_security_profiles(call).await,
        A::UpdateUserIdentityInfo => users::update_identity_info(call).await,
        A::UpdateUserPhoneConfig => users::update_phone_config(call).await,
        A::UpdateUserRoutingProfile => users::update_routing_profile(call).await,
        A::DeleteUser => users::delete(call).await,
        A::CreateSecurityProfile => profiles::create_security_profile(call).await,
        A::DescribeSecurityProfile => profiles::describe_security_profile(call).await,
        A::ListSecurityProfiles => profiles::list_security_profiles(call).await,
        A::UpdateSecurityProfile => profiles::update_security_profile(call).await,
        A::ListSecurityProfilePermissions => profiles::list_permissions(call).await,
        A::ListRoutingProfiles => profiles::list_routing_profiles(call).await,
        A::DescribeRoutingProfile => profiles::describe_routing_profile(call).await,
        A::TagResource => tags::tag(call).await,
        A::UntagResource => tags::untag(call).await,
        A::ListTagsForResource => tags::list(call).await,
        A::GetFederationToken => federation::get_federation_token(call).await,
    }
}

/// The action at `method` and `path`, and the path's labels, percent-decoded (botocore encodes
/// every label, `/` included, so a label is always one segment).
fn resolve(method: &Method, path: &str) -> Result<(ConnectAction, Vec<String>), AwsError> {
    use ConnectAction as A;
    let segments: Vec<&str> = path.strip_prefix('/').unwrap_or(path).split('/').collect();
    let m = method.as_str();
    let (action, labels): (ConnectAction, &[&str]) = match (m, segments.as_slice()) {
        ("PUT", ["instance"]) => (A::CreateInstance, &[]),
        ("GET", ["instance"]) => (A::ListInstances, &[]),
        ("GET", ["instance", rest @ ..]) if rest.len() == 1 => (A::DescribeInstance, rest),
        ("DELETE", ["instance", rest @ ..]) if rest.len() == 1 => (A::DeleteInstance, rest),
        ("PUT", ["users", rest @ ..]) if rest.len() == 1 => (A::CreateUser, rest),
        ("GET", ["users", rest @ ..]) if rest.len() == 2 => (A::DescribeUser, rest),
        ("DELETE", ["users", rest @ ..]) if rest.len() == 2 => (A::DeleteUser, rest),
        ("POST", ["users", a, b, "security-profiles"]) => {
            return labelled(A::UpdateUserSecurityProfiles, &[a, b]);
        }
        ("POST", ["users", a, b, "identity-info"]) => {
            return labelled(A::UpdateUserIdentityInfo, &[a, b]);
        }
        ("POST", ["users", a, b, "phone-config"]) => {
            return labelled(A::UpdateUserPhoneConfig, &[a, b]);
        }
        ("POST", ["users", a, b, "routing-profile"]) => {
            return labelled(A::UpdateUserRoutingProfile, &[a, b]);
        }
        ("GET", ["users-summary", rest @ ..]) if rest.len() == 1 => (A::ListUsers, rest),
        ("POST", ["search-users"]) => (A::SearchUsers, &[]),
        ("PUT", ["security-profiles", rest @ ..]) if rest.len() == 1 => {
            (A::CreateSecurityProfile, rest)
        }
        ("GET", ["security-profiles", rest @ ..]) if rest.len() == 2 => {
            (A::DescribeSecurityProfile, rest)
        }
        ("POST", ["security-profiles", rest @ ..]) if rest.len() == 2 => {
            (A::UpdateSecurityProfile, rest)
        }
        ("GET", ["security-profiles-summary", rest @ ..]) if rest.len() == 1 => {
            (A::ListSecurityProfiles, rest)
        }
        ("GET", ["security-profiles-permissions", rest @ ..]) if rest.len() == 2 => {
            (A::ListSecurityProfilePermissions, rest)
        }
        ("GET", ["routing-profiles-summary", rest @ ..]) if rest.len() == 1 => {
            (A::ListRoutingProfiles, rest)
        }
        ("GET", ["routing-profiles", rest @ ..]) if rest.len() == 2 => {
            (A::DescribeRoutingProfile, rest)
        }
        ("GET", ["user", "federate", rest @ ..]) if rest.len() == 1 => {
            (A::GetFederationToken, rest)
        }
        ("POST", ["tags", rest @ ..]) if rest.len() == 1 => (A::TagResource, rest),
        ("DELETE", ["tags", rest @ ..]) if rest.len() == 1 => (A::UntagResource, rest),
        ("GET", ["tags", rest @ ..]) if rest.len() == 1 => (A::ListTagsForResource, rest),
        _ => {
            return Err(AwsError::new(
                AwsErrorCode::UnknownOperation,
                format!("no operation at {m} {}", crate::aws::error::truncate(path)),
            ));
        }
    };
    labelled(action, labels)
}

fn labelled(
    action: ConnectAction,
    labels: &[&str],
) -> Result<(ConnectAction, Vec<String>), AwsError> {
    let decoded = labels
        .iter()
        .map(|label| decode_label(label))
        .collect::<Option<Vec<String>>>()
        .ok_or_else(|| {
            AwsError::new(
                AwsErrorCode::InvalidRequest,
                "a path label is not validly percent-encoded UTF-8",
            )
        })?;
    if decoded.iter().any(String::is_empty) {
        return Err(AwsError::new(
            AwsErrorCode::InvalidRequest,
            "a path label is empty",
        ));
    }
    Ok((action, decoded))
}

/// Decodes `%XX` in a path label (a `+` stays a `+` in a path).
fn decode_label(label: &str) -> Option<String> {
    let mut out = Vec::with_capacity(label.len());
    let mut rest = label.as_bytes();
    while let Some((&byte, tail)) = rest.split_first() {
        if byte == b'%' {
            let hex = tail.get(..2)?;
            let text = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(text, 16).ok()?);
            rest = tail.get(2..)?;
        } else {
            out.push(byte);
            rest = tail;
        }
    }
    String::from_utf8(out).ok()
}

/// The query string's `name=value` pairs, decoded.
fn parse_query(query: &str) -> Option<Vec<(String, String)>> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let name = String::from_utf8(crate::aws::percent::decode(name)?).ok()?;
            let value = String::from_utf8(crate::aws::percent::decode(value)?).ok()?;
            Some((name, value))
        })
        .collect()
}

fn render(reply: Reply, request_id: &str) -> Response {
    let mut response = match reply {
        Reply::Json(value) => (
            StatusCode::OK,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            value.to_string(),
        )
            .into_response(),
        Reply::Empty => StatusCode::OK.into_response(),
    };
    if let Ok(value) = HeaderValue::from_str(request_id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    response
}

fn log_error(request_id: &str, action: &str, error: &AwsError) {
    let mut causes = String::new();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        causes.push_str(": ");
        causes.push_str(&cause.to_string());
        source = cause.source();
    }
    if error.code() == AwsErrorCode::InternalFailure {
        tracing::error!(request_id, action, code = %error.code(), message = error.message(), causes, "request failed");
    } else {
        tracing::info!(request_id, action, code = %error.code(), message = error.message(), causes, "request refused");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_path_and_method_resolves_to_botocore_s_operation() {
        let cases = [
            ("PUT", "/instance", ConnectAction::CreateInstance),
            ("GET", "/instance", ConnectAction::ListInstances),
            ("GET", "/instance/i-1", ConnectAction::DescribeInstance),
            ("PUT", "/users/i-1", ConnectAction::CreateUser),
            ("GET", "/users/i-1/u-1", ConnectAction::DescribeUser),
            (
                "POST",
                "/users/i-1/u-1/phone-config",
                ConnectAction::UpdateUserPhoneConfig,
            ),
            (
                "GET",
                "/user/federate/i-1",
                ConnectAction::GetFederationToken,
            ),
            (
                "GET",
                "/tags/arn%3Aaws%3Aconnect%3Aus-east-1%3A1%3Ainstance%2Fi-1",
                ConnectAction::ListTagsForResource,
            ),
        ];
        for (method, path, action) in cases {
            let method = Method::from_bytes(method.as_bytes()).unwrap();
            assert_eq!(resolve(&method, path).unwrap().0, action, "{path}");
        }
        let (_, labels) = resolve(&Method::GET, "/tags/a%3Ab%2Fc").unwrap();
        assert_eq!(labels, vec!["a:b/c".to_owned()]);
        assert!(resolve(&Method::PATCH, "/instance").is_err());
        assert!(resolve(&Method::GET, "/users/%zz/u").is_err());
    }

    #[test]
    fn ids_are_version_4_uuids() {
        let id = new_id();
        assert_eq!(id.len(), 36);
        assert_eq!(id.get(14..15), Some("4"));
    }
}
