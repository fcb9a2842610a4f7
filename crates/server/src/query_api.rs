//! `POST /` (and `GET /?…`): the awsQuery front of STS and IAM. Decodes, authenticates (every
//! action but `AssumeRoleWithSAML`), dispatches, and renders; records metrics and the log line.

use axum::Extension;
use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};

use crate::auth::{self, Caller};
use crate::aws::error::{AwsError, AwsErrorCode, Protocol, WireError};
use crate::aws::query::{MAX_FORM_BYTES, QueryApi, QueryRequest};
use crate::aws::sigv4::HttpRequest;
use crate::aws::xml::QueryResponse;
use crate::clock::Stopwatch;
use crate::http::RequestId;
use crate::state::AppState;
use crate::{iam, sts};

/// One awsQuery call, as the action handlers receive it.
#[derive(Debug)]
pub struct Call<'a> {
    /// The application state.
    pub state: &'a AppState,
    /// The decoded request.
    pub request: &'a QueryRequest,
    /// The request id.
    pub request_id: &'a str,
    /// The client's address.
    pub source: Option<std::net::SocketAddr>,
}

/// An action of either API.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
enum Action {
    Iam(iam::IamAction),
    Sts(sts::StsAction),
}

impl Action {
    fn api(self) -> QueryApi {
        match self {
            Self::Iam(_) => QueryApi::Iam,
            Self::Sts(_) => QueryApi::Sts,
        }
    }

    fn wire_name(self) -> &'static str {
        match self {
            Self::Iam(action) => action.wire_name(),
            Self::Sts(action) => action.wire_name(),
        }
    }
}

/// The handler of `POST /` and `GET /`.
pub async fn handle(
    State(state): State<AppState>,
    Extension(request_id): Extension<RequestId>,
    request: axum::extract::Request,
) -> Response {
    let started = Stopwatch::start();
    let (parts, body) = request.into_parts();
    let source = parts
        .extensions
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .map(|ConnectInfo(address)| *address);
    let (action, result) = run(&state, &parts, body, &request_id.0, source).await;
    let seconds = started.seconds();
    let name = action.map_or("Unknown", Action::wire_name);
    let api = action.map_or(QueryApi::Sts, Action::api);
    match result {
        Ok(response) => {
            state.metrics.record_request(name, "ok", seconds);
            tracing::info!(request_id = %request_id.0, action = name, outcome = "ok", "request");
            response.into_response()
        }
        Err(error) => {
            let code = error.code();
            state
                .metrics
                .record_request(name, code.wire(Protocol::Query(api)), seconds);
            log_error(&request_id.0, name, &error);
            WireError {
                error,
                protocol: Protocol::Query(api),
                request_id: request_id.0,
            }
            .into_response()
        }
    }
}

async fn run(
    state: &AppState,
    parts: &Parts,
    body: Body,
    request_id: &str,
    source: Option<std::net::SocketAddr>,
) -> (Option<Action>, Result<QueryResponse, AwsError>) {
    // SECURITY(resource exhaustion): read at most the form limit plus one byte.
    let Ok(body) = axum::body::to_bytes(body, MAX_FORM_BYTES + 1).await else {
        let too_large = AwsError::new(
            AwsErrorCode::RequestEntityTooLarge,
            format!("Request body is larger than {MAX_FORM_BYTES} bytes"),
        );
        return (None, Err(too_large));
    };
    let query = match QueryRequest::parse(parts.uri.query().unwrap_or_default(), &body) {
        Ok(query) => query,
        Err(error) => return (None, Err(error)),
    };
    let action = match resolve(&query) {
        Ok(action) => action,
        Err(error) => return (None, Err(error)),
    };
    let call = Call {
        state,
        request: &query,
        request_id,
        source,
    };
    let result = match action {
        // The SAML assertion is the credential: this action is unsigned.
        Action::Sts(sts::StsAction::AssumeRoleWithSaml) => sts::handle_unsigned(&call).await,
        _ => {
            let signed = HttpRequest::from_parts(parts, &body);
            match auth::authenticate(state, &signed, action.api().signing_name()) {
                Ok(caller) => dispatch(&call, action, &caller).await,
                Err(error) => Err(error),
            }
        }
    };
    (Some(action), result)
}

async fn dispatch(
    call: &Call<'_>,
    action: Action,
    caller: &Caller,
) -> Result<QueryResponse, AwsError> {
    match action {
        Action::Sts(action) => sts::handle(call, action, caller).await,
        Action::Iam(action) => iam::handle(call, action, caller).await,
    }
}

/// The action named by `Action` in the API named by `Version` (AWS answers an unknown pair with
/// `InvalidAction`).
fn resolve(query: &QueryRequest) -> Result<Action, AwsError> {
    match query.version() {
        Some(version) if version == QueryApi::Sts.version() => {
            sts::StsAction::parse(query.action())
                .map(Action::Sts)
                .ok_or_else(|| query.unknown_action())
        }
        Some(version) if version == QueryApi::Iam.version() => {
            iam::IamAction::parse(query.action())
                .map(Action::Iam)
                .ok_or_else(|| query.unknown_action())
        }
        _ => Err(query.unknown_action()),
    }
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
