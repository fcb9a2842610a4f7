//! The web layer's guarantees on their own: cookie attributes under https, security headers on
//! every kind of page, and escaping of what a request echoes.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "tests: a failure here is a test failure"
)]

use axum::body::Body;
use axum::http::{Request, header};
use fedgate::clock::Clock;
use fedgate::config::{Config, Flags};
use fedgate::testing::{START, TestServer};
use fedgate::web;

#[tokio::test]
async fn cookies_are_secure_under_https_and_http_only_same_site_lax_always() {
    let dir = tempfile::tempdir().unwrap();
    let flags = Flags {
        data_dir: Some(dir.path().to_path_buf()),
        database_url: Some("sqlite::memory:".into()),
        public_url: Some("https://fedgate.example.test".into()),
        ..Flags::default()
    };
    let config = Config::resolve_from(&flags, &std::collections::BTreeMap::new()).unwrap();
    let state = fedgate::bootstrap::start(config, Clock::manual(START))
        .await
        .unwrap();
    let cookie = web::set_cookie(&state, web::CONSOLE_COOKIE, "v", 60);
    let text = cookie.to_str().unwrap();
    for attribute in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/", "Max-Age=60"] {
        assert!(text.contains(attribute), "{text}");
    }

    let http = TestServer::start().await.unwrap();
    let text = web::set_cookie(&http.state, web::CONSOLE_COOKIE, "v", 60);
    assert!(!text.to_str().unwrap().contains("Secure"));
}

async fn get(server: &TestServer, path: &str) -> fedgate::testing::TestResponse {
    server
        .send(
            Request::builder()
                .uri(path)
                .header(header::HOST, "127.0.0.1:4580")
                .body(Body::empty())
                .unwrap(),
        )
        .await
}

#[tokio::test]
async fn every_page_carries_the_security_headers() {
    let server = TestServer::start().await.unwrap();
    for path in [
        "/console",
        "/app/acme/ccp-v2",
        "/app/acme/users",
        "/static/saml-metadata.xml",
        "/connect/federate/00000000-0000-0000-0000-000000000000",
    ] {
        let response = get(&server, path).await;
        let csp = response.headers["content-security-policy"]
            .to_str()
            .unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(csp.contains("default-src 'none'"), "{path}: {csp}");
        assert_eq!(
            response.headers["x-content-type-options"], "nosniff",
            "{path}"
        );
        assert_eq!(response.headers["x-frame-options"], "DENY", "{path}");
    }
}

#[tokio::test]
async fn the_sign_in_endpoint_echoes_no_markup_and_refuses_garbage() {
    let server = TestServer::start().await.unwrap();
    let body = fedgate::testing::form([
        ("SAMLResponse", "PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="),
        ("RelayState", "\"><script>alert(1)</script>"),
    ]);
    let response = server
        .send(
            Request::builder()
                .method("POST")
                .uri("/saml")
                .header(header::HOST, "127.0.0.1:4580")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
    assert_eq!(response.status, 400);
    assert!(!response.body.contains("<script>"), "{}", response.body);
    assert!(response.body.contains(fedgate::signin::INVALID_RESPONSE));

    let empty = server
        .send(
            Request::builder()
                .method("POST")
                .uri("/saml")
                .header(header::HOST, "127.0.0.1:4580")
                .header(header::CONTENT_TYPE, "text/plain")
                .body(Body::from("nothing"))
                .unwrap(),
        )
        .await;
    assert_eq!(empty.status, 400);
    assert!(empty.body.contains(fedgate::signin::INVALID_RESPONSE));
}
