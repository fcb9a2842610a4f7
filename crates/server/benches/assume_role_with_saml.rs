//! The CPU of the HTTP request path per `AssumeRoleWithSAML` call, in process: `POST /` through
//! `fedgate::http::app` (request id, form decoding, validation, trust policy, sealing, audit,
//! rendering, the log line) on in-memory SQLite, each call with a distinct signed response of
//! the demo IdP, with an info-level text subscriber writing to nowhere as `serve`'s does.
//!
//! Printed figure: µs of CPU per call on this thread (wall time of a single-threaded loop).
//! For stable comparisons count instructions instead: the difference between a run of
//! `CALLS` and a run of 0 calls under `valgrind --tool=callgrind` (both sign the same number
//! of responses first) is the instructions of `CALLS` calls.
//!
//! `cargo bench -p fedgate --bench assume_role_with_saml [-- CALLS [RESPONSES]]`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::disallowed_methods,
    reason = "a benchmark harness: a failure here is a failure of the run"
)]

use std::time::Instant;

use axum::body::Body;
use axum::http::{Request, header};
use fedgate::demo::{self, DevIdp};
use fedgate::testing::{self, PUBLIC_URL, TestServer};
use tower::ServiceExt as _;

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let calls: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(2_000);
    let responses: usize = args
        .get(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(calls)
        .max(calls);
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("info"))
        .with_writer(std::io::sink)
        .init();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run(calls, responses));
}

async fn run(calls: usize, responses: usize) {
    let server = TestServer::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let idp = DevIdp::load_or_create(dir.path(), PUBLIC_URL).unwrap();
    demo::seed(&server.state, &idp).await.unwrap();
    let account = server.state.account.id.as_str();
    let role_arn = format!("arn:aws:iam::{account}:role/{}", demo::ROLE_NAME);
    let provider_arn = format!(
        "arn:aws:iam::{account}:saml-provider/{}",
        demo::PROVIDER_NAME
    );
    let bodies: Vec<String> = (0..responses)
        .map(|_| {
            let response = idp.response(&server.state, "alice").unwrap();
            testing::form([
                ("Action", "AssumeRoleWithSAML"),
                ("Version", "2011-06-15"),
                ("RoleArn", role_arn.as_str()),
                ("PrincipalArn", provider_arn.as_str()),
                ("SAMLAssertion", response.as_str()),
            ])
        })
        .collect();
    // Built once, as `serve` builds it: routing a request clones the router, not rebuilds it.
    let app = fedgate::http::app(server.state.clone());
    let started = Instant::now();
    for body in bodies.into_iter().take(calls) {
        call(&app, body).await;
    }
    let elapsed = started.elapsed();
    if calls > 0 {
        println!(
            "AssumeRoleWithSAML in process: {calls} calls, {:.1} µs per call",
            elapsed.as_secs_f64() * 1e6 / calls as f64
        );
    }
}

/// One call through the whole application; panics unless it answers 200.
async fn call(app: &axum::Router, body: String) {
    let request = Request::builder()
        .method("POST")
        .uri("/")
        .header(header::HOST, "127.0.0.1:4580")
        .header(
            header::CONTENT_TYPE,
            "application/x-www-form-urlencoded; charset=utf-8",
        )
        .body(Body::from(body))
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
}
