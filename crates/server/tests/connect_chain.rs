//! The whole chain over the application: a SAML response signed by the test IdP
//! (`tests/data/sts`), `AssumeRoleWithSAML`, then `GetFederationToken` with the session's
//! credentials: alice gets a token, "Alice" and bob are not found, a role without the
//! permission is denied.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "tests: a failure here is a test failure"
)]

use axum::body::Body;
use axum::http::{Request, header};
use base64::Engine as _;
use fedgate::aws::xml::format_timestamp;
use fedgate::config::File;
use fedgate::testing::{Credentials, START, TestResponse, TestServer};
use fedgate_store::{
    IamPath, PolicyName, ProviderId, ProviderName, Role, RoleId, RoleName, SamlProvider,
};
use fedgate_xmldsig::SigningKey;
use serde_json::{Value, json};
use time::Duration;

mod common;
use common::{ACCOUNT, ISSUER, PROVIDER_ARN, RECIPIENT, data, metadata};

/// A signed SAML response for `session` with the Role pair of `role`, base64.
fn saml_response(server: &TestServer, role: &str, session: &str, serial: u32) -> String {
    let now = server.state.clock.now();
    let t = format_timestamp;
    let id = format!("_chain{serial}");
    let role_arn = format!("arn:aws:iam::{ACCOUNT}:role/{role}");
    let xml = format!(
        r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r{id}" Version="2.0" IssueInstant="{issued}" Destination="{RECIPIENT}"><saml:Issuer>{ISSUER}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status><saml:Assertion ID="{id}" Version="2.0" IssueInstant="{issued}"><saml:Issuer>{ISSUER}</saml:Issuer><saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">{session}@example.test</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="{end}" Recipient="{RECIPIENT}"/></saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore="{start}" NotOnOrAfter="{end}"><saml:AudienceRestriction><saml:Audience>urn:amazon:webservices</saml:Audience></saml:AudienceRestriction></saml:Conditions><saml:AuthnStatement AuthnInstant="{issued}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement><saml:AttributeStatement><saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/Role"><saml:AttributeValue>{role_arn},{PROVIDER_ARN}</saml:AttributeValue></saml:Attribute><saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/RoleSessionName"><saml:AttributeValue>{session}</saml:AttributeValue></saml:Attribute></saml:AttributeStatement></saml:Assertion></samlp:Response>"#,
        issued = t(now),
        start = t(now - Duration::minutes(1)),
        end = t(now + Duration::minutes(5)),
    );
    let key = SigningKey::from_pem(&data("idp.key"), &data("idp.crt")).unwrap();
    let signed = fedgate_xmldsig::sign_enveloped(&xml, &id, &key).unwrap();
    base64::engine::general_purpose::STANDARD.encode(signed)
}

fn element<'a>(body: &'a str, name: &str) -> &'a str {
    let open = format!("<{name}>");
    let start = body.find(&open).unwrap() + open.len();
    let end = body[start..].find(&format!("</{name}>")).unwrap() + start;
    &body[start..end]
}

/// `AssumeRoleWithSAML` for `session` into `role`: the session's credentials.
async fn sign_in(server: &TestServer, role: &str, session: &str, serial: u32) -> Credentials {
    let saml = saml_response(server, role, session, serial);
    let role_arn = format!("arn:aws:iam::{ACCOUNT}:role/{role}");
    let response = server
        .query(
            "sts",
            &[
                ("Action", "AssumeRoleWithSAML"),
                ("RoleArn", &role_arn),
                ("PrincipalArn", PROVIDER_ARN),
                ("SAMLAssertion", &saml),
            ],
            None,
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
    Credentials {
        access_key_id: element(&response.body, "AccessKeyId").to_owned(),
        secret_access_key: element(&response.body, "SecretAccessKey").to_owned(),
        session_token: Some(element(&response.body, "SessionToken").to_owned()),
    }
}

async fn connect(
    server: &TestServer,
    method: &str,
    path: &str,
    body: Option<Value>,
    credentials: &Credentials,
) -> (TestResponse, Value) {
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, "127.0.0.1:4580")
        .body(Body::empty())
        .unwrap();
    fedgate::testing::sign(
        &mut request,
        body.as_bytes(),
        "connect",
        credentials,
        server.state.clock.now(),
    );
    *request.body_mut() = Body::from(body);
    let response = server.send(request).await;
    let json = serde_json::from_str(&response.body).unwrap_or(Value::Null);
    (response, json)
}

async fn add_role(server: &TestServer, name: &str, id: &str, policy: Option<&str>) {
    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"sts:AssumeRoleWithSAML","Principal":{{"Federated":"{PROVIDER_ARN}"}},"Condition":{{"StringEquals":{{"SAML:aud":"{RECIPIENT}"}}}}}}}}"#
    );
    let store = &server.state.store;
    store
        .create_role(
            &Role {
                name: RoleName::new(name),
                path: IamPath::new("/"),
                id: RoleId::new(id),
                trust_policy: trust,
                description: None,
                max_session_duration: 3600,
                created_at: START,
            },
            &[],
        )
        .await
        .unwrap();
    if let Some(policy) = policy {
        store
            .put_role_policy(&RoleName::new(name), &PolicyName::new("connect"), policy)
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn saml_sign_in_then_federation_token_for_exactly_the_session_name() {
    let file = File {
        account_id: Some(ACCOUNT.into()),
        ..File::default()
    };
    let server = TestServer::start_with(&file, "sqlite::memory:")
        .await
        .unwrap();
    server
        .state
        .store
        .create_saml_provider(
            &SamlProvider {
                name: ProviderName::new("ExampleIdP"),
                id: ProviderId::new("id-example"),
                metadata: metadata(),
                valid_until: START + Duration::days(365),
                created_at: START,
            },
            &[],
        )
        .await
        .unwrap();

    let admin = server.admin();
    let (response, created) = connect(
        &server,
        "PUT",
        "/instance",
        Some(
            json!({"IdentityManagementType": "SAML", "InstanceAlias": "acme",
                    "InboundCallsEnabled": true, "OutboundCallsEnabled": true}),
        ),
        &admin,
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.body);
    let instance = created["Id"].as_str().unwrap().to_owned();
    let (_, profiles) = connect(
        &server,
        "GET",
        &format!("/security-profiles-summary/{instance}"),
        None,
        &admin,
    )
    .await;
    let agent = profiles["SecurityProfileSummaryList"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["Name"] == "Agent")
        .unwrap()["Id"]
        .clone();
    let (_, routing) = connect(
        &server,
        "GET",
        &format!("/routing-profiles-summary/{instance}"),
        None,
        &admin,
    )
    .await;
    let routing = routing["RoutingProfileSummaryList"][0]["Id"].clone();
    let (response, alice_user) = connect(
        &server,
        "PUT",
        &format!("/users/{instance}"),
        Some(
            json!({"Username": "alice", "IdentityInfo": {"FirstName": "Alice", "LastName": "L"},
                    "SecurityProfileIds": [agent], "RoutingProfileId": routing}),
        ),
        &admin,
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.body);

    // AWS's guide: GetFederationToken on the caller's own Connect user.
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"connect:GetFederationToken","Resource":"arn:aws:connect:us-east-1:{ACCOUNT}:instance/{instance}/user/${{aws:userid}}"}}]}}"#
    );
    add_role(
        &server,
        "ConnectAgent",
        "AROAEXAMPLEAGENT0001",
        Some(&policy),
    )
    .await;
    add_role(&server, "NoConnect", "AROAEXAMPLENOCONN001", None).await;
    let path = format!("/user/federate/{instance}");

    let alice = sign_in(&server, "ConnectAgent", "alice", 1).await;
    let (response, token) = connect(&server, "GET", &path, None, &alice).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(token["UserId"], alice_user["UserId"]);
    assert!(
        token["SignInUrl"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:4580/app/acme/auth/sign-in?token=")
    );

    for (role, session, serial, code) in [
        ("ConnectAgent", "Alice", 2, "UserNotFoundException"),
        ("ConnectAgent", "bob", 3, "UserNotFoundException"),
        ("NoConnect", "alice", 4, "AccessDeniedException"),
    ] {
        let credentials = sign_in(&server, role, session, serial).await;
        let (response, _) = connect(&server, "GET", &path, None, &credentials).await;
        assert_eq!(
            response.headers.get("x-amzn-errortype").unwrap(),
            code,
            "{role}/{session}: {}",
            response.body
        );
    }
}
