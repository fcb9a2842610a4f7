//! The HTTP application: one origin for the AWS wire protocols, the sign-in endpoint and the
//! web pages; request ids, metrics, and graceful shutdown.

use std::future::Future;
use std::net::SocketAddr;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tokio::net::TcpListener;

use crate::aws::error::REQUEST_ID_HEADER;
use crate::keys::fill_random;
use crate::state::AppState;

/// The id of one request: in the response's `x-amzn-RequestId`, in every log line and error.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

impl RequestId {
    /// A new random id shaped like AWS's (`8-4-4-4-12` hex).
    pub fn new() -> Self {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut bytes = [0u8; 16];
        fill_random(&mut bytes);
        // Written straight into one string: this runs once per request.
        let mut id = String::with_capacity(36);
        for (index, byte) in bytes.into_iter().enumerate() {
            if matches!(index, 4 | 6 | 8 | 10) {
                id.push('-');
            }
            for nibble in [byte >> 4, byte & 0x0f] {
                id.push(char::from(
                    HEX.get(usize::from(nibble)).copied().unwrap_or(b'0'),
                ));
            }
        }
        Self(id)
    }
}

impl Default for RequestId {
    fn default() -> Self {
        Self::new()
    }
}

/// The whole application.
pub fn app(state: AppState) -> Router {
    app_with(state, Router::new())
}

/// The whole application with `extra` routes (`fedgate demo`'s development IdP).
pub fn app_with(state: AppState, extra: Router<AppState>) -> Router {
    Router::new()
        .route(
            "/",
            post(crate::query_api::handle).get(crate::query_api::handle),
        )
        .merge(crate::connect::routes())
        .merge(crate::signin::routes())
        .merge(crate::web::app::routes())
        .merge(extra)
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .layer(middleware::from_fn(request_id))
        .with_state(state)
}

/// Serves `app` on `listener` until `shutdown` resolves, then finishes in-flight requests.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, state, Router::new(), shutdown).await
}

/// [`serve`] with `extra` routes.
pub async fn serve_with(
    listener: TcpListener,
    state: AppState,
    extra: Router<AppState>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = app_with(state, extra).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// Gives each request a [`RequestId`] and echoes it in the response.
async fn request_id(mut request: Request, next: Next) -> Response {
    let id = RequestId::new();
    request.extensions_mut().insert(id.clone());
    let mut response = next.run(request).await;
    if !response.headers().contains_key(REQUEST_ID_HEADER)
        && let Ok(value) = HeaderValue::from_str(&id.0)
    {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    response
}

/// Liveness and readiness: 200 when the database answers, 503 otherwise.
async fn healthz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok\n").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response()
        }
    }
}

/// Prometheus text exposition.
async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4"),
        )],
        state.metrics.render(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_lowercase_hex_8_4_4_4_12_and_differ() {
        let id = RequestId::new().0;
        let parts: Vec<&str> = id.split('-').collect();
        let lengths: Vec<usize> = parts.iter().map(|part| part.len()).collect();
        assert_eq!(lengths, [8, 4, 4, 4, 12], "{id}");
        assert!(
            parts
                .iter()
                .all(|part| part.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))),
            "{id}"
        );
        assert_eq!(id.len(), 36);
        assert_ne!(id, RequestId::new().0);
    }
}
