//! STS over the whole application: authentication of signed calls and GetCallerIdentity.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests: a failure here is a test failure"
)]

use fedgate::testing::{Credentials, TestServer};

#[tokio::test]
async fn get_caller_identity_names_the_administrator_as_the_account_root() {
    let server = TestServer::start().await.unwrap();
    let response = server
        .query(
            "sts",
            &[("Action", "GetCallerIdentity")],
            Some(&server.admin()),
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
    let account = server.state.account.id.as_str();
    assert!(
        response
            .body
            .contains(&format!("<Arn>arn:aws:iam::{account}:root</Arn>")),
        "{}",
        response.body
    );
    assert!(
        response
            .body
            .contains(&format!("<Account>{account}</Account>"))
    );
    assert!(response.headers.contains_key("x-amzn-requestid"));
}

#[tokio::test]
async fn signed_calls_with_a_wrong_secret_or_unknown_key_get_aws_codes() {
    let server = TestServer::start().await.unwrap();
    let wrong_secret = Credentials {
        secret_access_key: "x".repeat(40),
        ..server.admin()
    };
    let response = server
        .query(
            "sts",
            &[("Action", "GetCallerIdentity")],
            Some(&wrong_secret),
        )
        .await;
    assert_eq!(response.status, 403);
    assert!(
        response.body.contains("<Code>SignatureDoesNotMatch</Code>"),
        "{}",
        response.body
    );

    let unknown = Credentials {
        access_key_id: "AKIAUNKNOWNUNKNOWN00".into(),
        ..server.admin()
    };
    let response = server
        .query("sts", &[("Action", "GetCallerIdentity")], Some(&unknown))
        .await;
    assert_eq!(response.status, 403);
    assert!(
        response.body.contains("<Code>InvalidClientTokenId</Code>"),
        "{}",
        response.body
    );

    let response = server
        .query("sts", &[("Action", "GetCallerIdentity")], None)
        .await;
    assert!(
        response
            .body
            .contains("<Code>MissingAuthenticationToken</Code>"),
        "{}",
        response.body
    );
}

#[tokio::test]
async fn a_forged_session_token_is_refused() {
    let server = TestServer::start().await.unwrap();
    let forged = Credentials {
        access_key_id: "ASIAFORGEDFORGED0000".into(),
        secret_access_key: "y".repeat(40),
        session_token: Some("bm90LWEtdG9rZW4".into()),
    };
    let response = server
        .query("sts", &[("Action", "GetCallerIdentity")], Some(&forged))
        .await;
    assert_eq!(response.status, 403);
    assert!(
        response.body.contains("<Code>InvalidClientTokenId</Code>"),
        "{}",
        response.body
    );
}

#[tokio::test]
async fn unknown_actions_and_versions_are_invalid_actions() {
    let server = TestServer::start().await.unwrap();
    let response = server
        .query(
            "sts",
            &[("Action", "AssumeRoleWithWebIdentityX")],
            Some(&server.admin()),
        )
        .await;
    assert_eq!(response.status, 400);
    assert!(
        response.body.contains("<Code>InvalidAction</Code>"),
        "{}",
        response.body
    );
}
