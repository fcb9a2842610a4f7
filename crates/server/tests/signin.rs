//! The browser sign-in over the whole application (real SQLite in memory): `POST /saml` with
//! responses signed by the test IdP (`tests/data/sts`), the role picker, the console session
//! and its cookie, RelayState without open redirect, replay, AWS's texts, logout, SP metadata,
//! and `/connect/federate` into an instance's web app.

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
use fedgate::signin::{IAM_DENIED, INVALID_RESPONSE, NOT_ONBOARDED};
use fedgate::testing::{Credentials, START, TestResponse, TestServer};
use fedgate_store::{
    IamPath, PolicyName, ProviderId, ProviderName, Role, RoleId, RoleName, SamlProvider,
};
use fedgate_xmldsig::SigningKey;
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

mod common;
use common::{
    ACCOUNT, AUDIENCE, ISSUER, PROVIDER_ARN, RECIPIENT, ROLE_ARN, data, metadata, trust_policy,
};

const OTHER_ROLE_ARN: &str = "arn:aws:iam::123456789012:role/ConnectAdmin";

fn next_id() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// A signed response for `session_name` with `roles`, `extra` attributes and an optional
/// `SessionNotOnOrAfter`, issued at the server's time.
fn response_with(
    server: &TestServer,
    session_name: &str,
    roles: &[&str],
    extra: &str,
    session_end: Option<OffsetDateTime>,
) -> String {
    let now = server.state.clock.now();
    let t = format_timestamp;
    let id = format!("_s{}", next_id());
    let roles: String = roles
        .iter()
        .map(|r| format!("<saml:AttributeValue>{r},{PROVIDER_ARN}</saml:AttributeValue>"))
        .collect();
    let role_attribute = if roles.is_empty() {
        String::new()
    } else {
        format!(
            r#"<saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/Role">{roles}</saml:Attribute>"#
        )
    };
    let session_end = session_end
        .map(|s| format!(r#" SessionNotOnOrAfter="{}""#, t(s)))
        .unwrap_or_default();
    let xml = format!(
        r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r{id}" Version="2.0" IssueInstant="{issued}" Destination="{RECIPIENT}"><saml:Issuer>{ISSUER}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status><saml:Assertion ID="{id}" Version="2.0" IssueInstant="{issued}"><saml:Issuer>{ISSUER}</saml:Issuer><saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">{session_name}@example.test</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="{end}" Recipient="{RECIPIENT}"/></saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore="{before}" NotOnOrAfter="{end}"><saml:AudienceRestriction><saml:Audience>{AUDIENCE}</saml:Audience></saml:AudienceRestriction></saml:Conditions><saml:AuthnStatement AuthnInstant="{issued}"{session_end}><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement><saml:AttributeStatement>{role_attribute}<saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/RoleSessionName"><saml:AttributeValue>{session_name}</saml:AttributeValue></saml:Attribute>{extra}</saml:AttributeStatement></saml:Assertion></samlp:Response>"#,
        issued = t(now),
        end = t(now + Duration::minutes(5)),
        before = t(now - Duration::minutes(1)),
    );
    let key = SigningKey::from_pem(&data("idp.key"), &data("idp.crt")).unwrap();
    let signed = fedgate_xmldsig::sign_enveloped(&xml, &id, &key).unwrap();
    base64::engine::general_purpose::STANDARD.encode(signed)
}

fn response(server: &TestServer, session_name: &str) -> String {
    response_with(server, session_name, &[ROLE_ARN], "", None)
}

async fn start() -> TestServer {
    let file = File {
        account_id: Some(ACCOUNT.into()),
        ..File::default()
    };
    let server = TestServer::start_with(&file, "sqlite::memory:")
        .await
        .unwrap();
    let provider = SamlProvider {
        name: ProviderName::new("ExampleIdP"),
        id: ProviderId::new("id-ExampleIdP"),
        metadata: metadata(),
        valid_until: START + Duration::days(365),
        created_at: START,
    };
    let store = &server.state.store;
    store.create_saml_provider(&provider, &[]).await.unwrap();
    for (name, id) in [
        ("ConnectAgent", "AROAEXAMPLEAGENT0001"),
        ("ConnectAdmin", "AROAEXAMPLEADMIN0001"),
    ] {
        let role = Role {
            name: RoleName::new(name),
            path: IamPath::new("/"),
            id: RoleId::new(id),
            trust_policy: trust_policy(PROVIDER_ARN, RECIPIENT),
            description: None,
            max_session_duration: 3_600,
            created_at: START,
        };
        store.create_role(&role, &[]).await.unwrap();
    }
    server
}

fn form(pairs: &[(&str, &str)]) -> String {
    fedgate::testing::form(pairs.iter().copied())
}

async fn post(server: &TestServer, path: &str, body: &str, cookies: &[&str]) -> TestResponse {
    let mut builder = Request::builder()
        .method("POST")
        .uri(path)
        .header(header::HOST, "127.0.0.1:4580")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if !cookies.is_empty() {
        builder = builder.header(header::COOKIE, cookies.join("; "));
    }
    server
        .send(builder.body(Body::from(body.to_owned())).unwrap())
        .await
}

async fn get(server: &TestServer, path: &str, cookies: &[&str]) -> TestResponse {
    let mut builder = Request::builder()
        .method("GET")
        .uri(path)
        .header(header::HOST, "127.0.0.1:4580");
    if !cookies.is_empty() {
        builder = builder.header(header::COOKIE, cookies.join("; "));
    }
    server.send(builder.body(Body::empty()).unwrap()).await
}

async fn sign_in(server: &TestServer, saml: &str, relay: &str) -> TestResponse {
    post(
        server,
        "/saml",
        &form(&[("SAMLResponse", saml), ("RelayState", relay)]),
        &[],
    )
    .await
}

fn location(response: &TestResponse) -> &str {
    response
        .headers
        .get(header::LOCATION)
        .map_or("", |v| v.to_str().unwrap())
}

/// The `Set-Cookie` header for `name`, whole.
fn set_cookie<'r>(response: &'r TestResponse, name: &str) -> &'r str {
    response
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|v| v.starts_with(&format!("{name}=")))
        .expect("the cookie is set")
}

/// `name=value` of the response's cookie, as a browser sends it back.
fn cookie(response: &TestResponse, name: &str) -> String {
    set_cookie(response, name)
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

/// The value of the hidden `csrf` input of a page.
fn csrf(body: &str) -> String {
    let start = body.find("name=\"csrf\" value=\"").unwrap() + "name=\"csrf\" value=\"".len();
    let end = body[start..].find('"').unwrap() + start;
    body[start..end].to_owned()
}

#[track_caller]
fn assert_secure_headers(response: &TestResponse) {
    let csp = response.headers["content-security-policy"]
        .to_str()
        .unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(response.headers["x-content-type-options"], "nosniff");
}

#[tokio::test]
async fn one_role_signs_in_to_the_console_with_a_sealed_http_only_cookie() {
    let server = start().await;
    let signed_in = sign_in(&server, &response(&server, "alice"), "").await;
    assert_eq!(signed_in.status, 302, "{}", signed_in.body);
    assert_eq!(location(&signed_in), "/console");
    let set = set_cookie(&signed_in, "fedgate-console");
    assert!(set.contains("HttpOnly"), "{set}");
    assert!(set.contains("SameSite=Lax"), "{set}");
    assert!(set.contains("Path=/"), "{set}");
    assert!(set.contains("Max-Age=3600"), "{set}");
    assert!(!set.contains("Secure"), "http public URL: {set}");
    assert!(!set.contains("alice"), "the cookie is sealed: {set}");

    let console = get(
        &server,
        "/console",
        &[&cookie(&signed_in, "fedgate-console")],
    )
    .await;
    assert_eq!(console.status, 200);
    assert!(
        console
            .body
            .contains("arn:aws:sts::123456789012:assumed-role/ConnectAgent/alice"),
        "{}",
        console.body
    );
    assert_secure_headers(&console);

    let tampered = format!("{}x", cookie(&signed_in, "fedgate-console"));
    let refused = get(&server, "/console", &[&tampered]).await;
    assert_eq!(refused.status, 401);
    assert!(refused.body.contains("Session Expired"));
}

#[tokio::test]
async fn session_duration_and_session_not_on_or_after_bound_the_console_session() {
    let server = start().await;
    let duration = r#"<saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/SessionDuration"><saml:AttributeValue>900</saml:AttributeValue></saml:Attribute>"#;
    let short = sign_in(
        &server,
        &response_with(&server, "alice", &[ROLE_ARN], duration, None),
        "",
    )
    .await;
    assert!(set_cookie(&short, "fedgate-console").contains("Max-Age=900"));

    let end = server.state.clock.now() + Duration::minutes(20);
    let capped = sign_in(
        &server,
        &response_with(&server, "alice", &[ROLE_ARN], "", Some(end)),
        "",
    )
    .await;
    assert!(set_cookie(&capped, "fedgate-console").contains("Max-Age=1200"));
}

#[tokio::test]
async fn a_response_is_redeemed_once() {
    let server = start().await;
    let saml = response(&server, "alice");
    assert_eq!(sign_in(&server, &saml, "").await.status, 302);
    let again = sign_in(&server, &saml, "").await;
    assert_eq!(again.status, 400, "{}", again.body);
    let audit = server.state.store.recent_audit(10).await.unwrap();
    let outcomes: Vec<_> = audit
        .iter()
        .filter(|record| record.event.action == "signin:SAML")
        .map(|record| record.event.outcome)
        .collect();
    assert_eq!(
        outcomes,
        [
            fedgate_store::Outcome::Failure,
            fedgate_store::Outcome::Success
        ]
    );
    assert!(
        audit[0].event.detail.contains("Replayed"),
        "{}",
        audit[0].event.detail
    );
    assert!(
        again.body.contains("Service: AWSSecurityTokenService"),
        "{}",
        again.body
    );
    let request_id = again.headers["x-amzn-requestid"].to_str().unwrap();
    assert!(again.body.contains(request_id), "{}", again.body);
    assert!(again.headers.get(header::SET_COOKIE).is_none());
}

#[tokio::test]
async fn invalid_responses_get_aws_text_with_the_request_id_and_no_session() {
    let server = start().await;
    for saml in [
        "not base64!".to_owned(),
        base64::engine::general_purpose::STANDARD.encode("<not-saml/>"),
        response_with(&server, "alice", &[], "", None),
    ] {
        let refused = sign_in(&server, &saml, "").await;
        assert_eq!(refused.status, 400, "{}", refused.body);
        assert!(refused.body.contains(INVALID_RESPONSE), "{}", refused.body);
        assert!(
            refused.body.contains("To logout, click"),
            "{}",
            refused.body
        );
        let request_id = refused.headers["x-amzn-requestid"].to_str().unwrap();
        assert!(refused.body.contains(request_id));
        assert!(refused.headers.get(header::SET_COOKIE).is_none());
        assert_secure_headers(&refused);
    }
    // A tampered signature: the STS message, shaped as the sign-in page shows it.
    let saml = response(&server, "alice");
    let xml = String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(&saml)
            .unwrap(),
    )
    .unwrap()
    .replace(">alice<", ">mallory<");
    let tampered = base64::engine::general_purpose::STANDARD.encode(xml);
    let refused = sign_in(&server, &tampered, "").await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(
        refused.body.contains("Please try again."),
        "{}",
        refused.body
    );
    assert!(!refused.body.contains("mallory"));
}

#[tokio::test]
async fn relay_state_is_followed_only_on_this_server() {
    let server = start().await;
    for (relay, expected) in [
        (
            "/connect/federate/abc?destination=%2Fccp-v2",
            "/connect/federate/abc?destination=%2Fccp-v2",
        ),
        (
            "http://127.0.0.1:4580/console",
            "http://127.0.0.1:4580/console",
        ),
        (
            "https://evil.example/phish",
            "/console?notice=relay-refused",
        ),
        ("//evil.example/phish", "/console?notice=relay-refused"),
        (
            "http://127.0.0.1:4580@evil.example/",
            "/console?notice=relay-refused",
        ),
        ("/\\evil.example", "/console?notice=relay-refused"),
        ("javascript:alert(1)", "/console?notice=relay-refused"),
    ] {
        let signed_in = sign_in(&server, &response(&server, "alice"), relay).await;
        assert_eq!(signed_in.status, 302, "{relay}: {}", signed_in.body);
        assert_eq!(location(&signed_in), expected, "{relay}");
    }
}

#[tokio::test]
async fn several_roles_show_the_role_picker_which_posts_back_with_role_index() {
    let server = start().await;
    let saml = response_with(&server, "alice", &[ROLE_ARN, OTHER_ROLE_ARN], "", None);
    let picker = sign_in(&server, &saml, "/console").await;
    assert_eq!(picker.status, 200, "{}", picker.body);
    assert!(picker.headers.get(header::SET_COOKIE).is_none());
    for needle in [
        "<fieldset>",
        "<div class=\"saml-account\">",
        "<div class=\"saml-account-name\">Account: 123456789012</div>",
        &format!(
            "<input type=\"radio\" name=\"roleIndex\" value=\"{OTHER_ROLE_ARN}\" class=\"saml-radio\" id=\"{OTHER_ROLE_ARN}\">"
        ),
        &format!(
            "<label for=\"{OTHER_ROLE_ARN}\" class=\"saml-role-description\">ConnectAdmin</label>"
        ),
        "<input type=\"hidden\" name=\"RelayState\" value=\"/console\">",
        "name=\"SAMLResponse\"",
        "action=\"/saml\"",
    ] {
        assert!(picker.body.contains(needle), "{needle} in {}", picker.body);
    }
    // A role the IdP did not vouch for is refused.
    let forged = post(
        &server,
        "/saml",
        &form(&[
            ("SAMLResponse", &saml),
            ("roleIndex", "arn:aws:iam::123456789012:role/Other"),
        ]),
        &[],
    )
    .await;
    assert_eq!(forged.status, 400);
    assert!(forged.body.contains(INVALID_RESPONSE));

    let chosen = post(
        &server,
        "/saml",
        &form(&[
            ("SAMLResponse", &saml),
            ("RelayState", "/console"),
            ("roleIndex", OTHER_ROLE_ARN),
        ]),
        &[],
    )
    .await;
    assert_eq!(chosen.status, 302, "{}", chosen.body);
    let console = get(&server, "/console", &[&cookie(&chosen, "fedgate-console")]).await;
    assert!(console.body.contains("assumed-role/ConnectAdmin/alice"));
}

#[tokio::test]
async fn console_logout_needs_the_csrf_token_and_ends_the_session_on_the_server() {
    let server = start().await;
    let signed_in = sign_in(&server, &response(&server, "alice"), "").await;
    let session = cookie(&signed_in, "fedgate-console");
    let console = get(&server, "/console", &[&session]).await;
    let token = csrf(&console.body);

    let forged = post(
        &server,
        "/console/logout",
        &form(&[("csrf", "nope")]),
        &[&session],
    )
    .await;
    assert_eq!(forged.status, 403);
    assert_eq!(get(&server, "/console", &[&session]).await.status, 200);

    let out = post(
        &server,
        "/console/logout",
        &form(&[("csrf", &token)]),
        &[&session],
    )
    .await;
    assert_eq!(out.status, 200);
    assert!(set_cookie(&out, "fedgate-console").contains("Max-Age=0"));
    // The copied cookie no longer works.
    let after = get(&server, "/console", &[&session]).await;
    assert_eq!(after.status, 401);
    assert!(after.body.contains("Session Expired"));
}

#[tokio::test]
async fn sp_metadata_names_the_entity_and_the_acs() {
    let server = start().await;
    let metadata = get(&server, "/static/saml-metadata.xml", &[]).await;
    assert_eq!(metadata.status, 200);
    let document = roxmltree::Document::parse(&metadata.body).unwrap();
    let root = document.root_element();
    assert_eq!(root.attribute("entityID"), Some("urn:amazon:webservices"));
    let acs: Vec<&str> = document
        .descendants()
        .filter(|n| n.tag_name().name() == "AssertionConsumerService")
        .filter_map(|n| n.attribute("Location"))
        .collect();
    assert!(acs.contains(&RECIPIENT), "{acs:?}");
}

// --- federation into an instance -------------------------------------------------------------

async fn connect(server: &TestServer, method: &str, path: &str, body: Option<Value>) -> Value {
    let credentials: Credentials = server.admin();
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, "127.0.0.1:4580")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::empty())
        .unwrap();
    fedgate::testing::sign(
        &mut request,
        body.as_bytes(),
        "connect",
        &credentials,
        server.state.clock.now(),
    );
    *request.body_mut() = Body::from(body);
    let response = server.send(request).await;
    assert_eq!(response.status, 200, "{path}: {}", response.body);
    serde_json::from_str(&response.body).unwrap_or(Value::Null)
}

/// The instance "acme" with alice (Agent) and dave (a profile without agent access); the
/// agent role may federate. Returns the instance id.
async fn instance(server: &TestServer) -> String {
    let created = connect(
        server,
        "PUT",
        "/instance",
        Some(
            json!({"IdentityManagementType": "SAML", "InstanceAlias": "acme",
                    "InboundCallsEnabled": true, "OutboundCallsEnabled": false}),
        ),
    )
    .await;
    let id = created["Id"].as_str().unwrap().to_owned();
    let profiles = connect(
        server,
        "GET",
        &format!("/security-profiles-summary/{id}"),
        None,
    )
    .await;
    let profile = |name: &str| {
        profiles["SecurityProfileSummaryList"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["Name"] == name)
            .unwrap()["Id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let agent = profile("Agent");
    let admin = profile("Admin");
    let metrics = connect(
        server,
        "PUT",
        &format!("/security-profiles/{id}"),
        Some(json!({"SecurityProfileName": "MetricsOnly", "Permissions": ["AccessMetrics"]})),
    )
    .await["SecurityProfileId"]
        .as_str()
        .unwrap()
        .to_owned();
    let routing = connect(
        server,
        "GET",
        &format!("/routing-profiles-summary/{id}"),
        None,
    )
    .await["RoutingProfileSummaryList"][0]["Id"]
        .as_str()
        .unwrap()
        .to_owned();
    for (user, profile) in [("alice", &agent), ("dave", &metrics), ("bob", &admin)] {
        connect(
            server,
            "PUT",
            &format!("/users/{id}"),
            Some(
                json!({"Username": user, "IdentityInfo": {"FirstName": "F", "LastName": "L"},
                        "SecurityProfileIds": [profile], "RoutingProfileId": routing}),
            ),
        )
        .await;
    }
    let policy = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": "connect:GetFederationToken", "Resource": "*",
        "Condition": {"StringEquals": {"connect:InstanceId": id}}}]});
    server
        .state
        .store
        .put_role_policy(
            &RoleName::new("ConnectAgent"),
            &PolicyName::new("federate"),
            &policy.to_string(),
        )
        .await
        .unwrap();
    id
}

/// Signs `user` in with `role` and follows the relay state to the instance; returns the last
/// response and the cookies the browser holds.
async fn federate(
    server: &TestServer,
    user: &str,
    role: &str,
    relay: &str,
) -> (TestResponse, Vec<String>) {
    let signed_in = sign_in(
        server,
        &response_with(server, user, &[role], "", None),
        relay,
    )
    .await;
    assert_eq!(signed_in.status, 302, "{}", signed_in.body);
    let mut cookies = vec![cookie(&signed_in, "fedgate-console")];
    let mut next = location(&signed_in).to_owned();
    loop {
        let path = next
            .strip_prefix("http://127.0.0.1:4580")
            .unwrap_or(&next)
            .to_owned();
        let refs: Vec<&str> = cookies.iter().map(String::as_str).collect();
        let response = get(server, &path, &refs).await;
        if let Some(value) = response
            .headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap())
            .find(|v| v.starts_with("fedgate-instance="))
        {
            cookies.push(value.split(';').next().unwrap().to_owned());
        }
        if response.status != 302 {
            return (response, cookies);
        }
        next = location(&response).to_owned();
    }
}

#[tokio::test]
async fn federation_lands_on_the_destination_in_every_encoding() {
    let server = start().await;
    let id = instance(&server).await;
    for (destination, title) in [
        ("%2Fccp-v2%2Fchat%26new_domain%3Dtrue", "<h1>Chat</h1>"),
        ("%2Fccp-v2%2Fchat&new_domain=true", "<h1>Chat</h1>"),
        ("%2Fconnect%2Fccp-v2", "<h1>Contact Control Panel</h1>"),
        ("%2Fagent-app-v2", "<h1>Agent workspace</h1>"),
    ] {
        let relay = format!("/connect/federate/{id}?destination={destination}");
        let (page, cookies) = federate(&server, "alice", ROLE_ARN, &relay).await;
        assert_eq!(page.status, 200, "{destination}: {}", page.body);
        assert!(page.body.contains(title), "{destination}: {}", page.body);
        assert!(page.body.contains("alice"));
        assert_eq!(cookies.len(), 2);
        assert_secure_headers(&page);
    }
    let (home, _) = federate(
        &server,
        "alice",
        ROLE_ARN,
        &format!("/connect/federate/{id}"),
    )
    .await;
    assert!(home.body.contains("Welcome, alice"), "{}", home.body);
}

#[tokio::test]
async fn a_destination_the_profiles_do_not_allow_lands_on_home_saying_so() {
    let server = start().await;
    let id = instance(&server).await;
    let relay = format!("/connect/federate/{id}?destination=%2Fccp-v2");
    let (page, cookies) = federate(&server, "dave", ROLE_ARN, &relay).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Welcome, dave"));
    assert!(page.body.contains("do not allow"), "{}", page.body);
    let refs: Vec<&str> = cookies.iter().map(String::as_str).collect();
    let direct = get(&server, "/app/acme/ccp-v2", &refs).await;
    assert_eq!(direct.status, 302);
}

#[tokio::test]
async fn not_onboarded_and_iam_denied_users_see_aws_texts() {
    let server = start().await;
    let id = instance(&server).await;
    let relay = format!("/connect/federate/{id}");
    let (carol, _) = federate(&server, "carol", ROLE_ARN, &relay).await;
    assert_eq!(carol.status, 403);
    assert!(carol.body.contains(NOT_ONBOARDED), "{}", carol.body);
    // The admin role has no connect:GetFederationToken.
    let (denied, _) = federate(&server, "alice", OTHER_ROLE_ARN, &relay).await;
    assert_eq!(denied.status, 403);
    assert!(denied.body.contains(IAM_DENIED), "{}", denied.body);
    // DESIGN.md: AWS's texts plus the request id, to find the refusal in the log.
    for page in [&carol, &denied] {
        let request_id = page.headers["x-amzn-requestid"].to_str().unwrap();
        assert!(
            page.body.contains(&format!("Request ID: {request_id}")),
            "{}",
            page.body
        );
    }
}

#[tokio::test]
async fn without_a_session_the_instance_says_session_expired() {
    let server = start().await;
    let id = instance(&server).await;
    for path in [
        "/app/acme/ccp-v2".to_owned(),
        "/app/acme/home".to_owned(),
        "/app/acme/anything/else".to_owned(),
        "/app/acme/auth/sign-in?token=forged".to_owned(),
        format!("/connect/federate/{id}"),
    ] {
        let page = get(&server, &path, &[]).await;
        assert_eq!(page.status, 401, "{path}");
        assert!(page.body.contains("Session Expired"), "{path}");
    }
}

#[tokio::test]
async fn the_sign_in_token_is_used_once_and_sessions_end_after_12_hours() {
    let server = start().await;
    let id = instance(&server).await;
    let signed_in = sign_in(
        &server,
        &response(&server, "alice"),
        &format!("/connect/federate/{id}"),
    )
    .await;
    let console = cookie(&signed_in, "fedgate-console");
    let to_instance = get(&server, location(&signed_in), &[&console]).await;
    assert_eq!(to_instance.status, 302);
    let sign_in_url = location(&to_instance)
        .strip_prefix("http://127.0.0.1:4580")
        .unwrap()
        .to_owned();
    let first = get(&server, &sign_in_url, &[]).await;
    assert_eq!(first.status, 302);
    let instance_cookie = cookie(&first, "fedgate-instance");
    let second = get(&server, &sign_in_url, &[]).await;
    assert_eq!(second.status, 401, "the token is one-time");

    assert_eq!(
        get(&server, "/app/acme/ccp-v2", &[&instance_cookie])
            .await
            .status,
        200
    );
    server.state.clock.advance(Duration::hours(12));
    let expired = get(&server, "/app/acme/ccp-v2", &[&instance_cookie]).await;
    assert_eq!(expired.status, 401);
    assert!(expired.body.contains("Session Expired"));
}

#[tokio::test]
async fn a_session_of_a_deleted_instance_opens_nothing_even_where_its_alias_is_reused() {
    let server = start().await;
    let id = instance(&server).await;
    let (home, cookies) = federate(
        &server,
        "alice",
        ROLE_ARN,
        &format!("/connect/federate/{id}?destination=%2Fhome"),
    )
    .await;
    assert_eq!(home.status, 200, "{}", home.body);
    let refs: Vec<&str> = cookies.iter().map(String::as_str).collect();
    assert_eq!(get(&server, "/app/acme/home", &refs).await.status, 200);

    connect(&server, "DELETE", &format!("/instance/{id}"), None).await;
    let gone = get(&server, "/app/acme/home", &refs).await;
    assert_eq!(gone.status, 401);
    assert!(gone.body.contains("Session Expired"));

    let reused = instance(&server).await;
    assert_ne!(reused, id);
    let elsewhere = get(&server, "/app/acme/home", &refs).await;
    assert_eq!(elsewhere.status, 401, "{}", elsewhere.body);
    assert!(elsewhere.body.contains("Session Expired"));
}

#[tokio::test]
async fn the_ccp_status_is_kept_and_forms_need_the_csrf_token() {
    let server = start().await;
    let id = instance(&server).await;
    let relay = format!("/connect/federate/{id}?destination=%2Fccp-v2");
    let (ccp, cookies) = federate(&server, "alice", ROLE_ARN, &relay).await;
    let refs: Vec<&str> = cookies.iter().map(String::as_str).collect();
    assert!(
        ccp.body.contains("<strong id=\"status\">Offline</strong>"),
        "{}",
        ccp.body
    );
    assert!(ccp.body.contains("session-expires"));
    let token = csrf(&ccp.body);

    let forged = post(
        &server,
        "/app/acme/ccp-v2/status",
        &form(&[("status", "Available")]),
        &refs,
    )
    .await;
    assert_eq!(forged.status, 403);
    let set = post(
        &server,
        "/app/acme/ccp-v2/status",
        &form(&[("status", "Available"), ("csrf", &token)]),
        &refs,
    )
    .await;
    assert_eq!(set.status, 303, "{}", set.body);
    let again = get(&server, "/app/acme/ccp-v2", &refs).await;
    assert!(
        again
            .body
            .contains("<strong id=\"status\">Available</strong>"),
        "{}",
        again.body
    );
}

#[tokio::test]
async fn instance_logout_ends_both_sessions_so_copied_cookies_stop_working() {
    let server = start().await;
    let id = instance(&server).await;
    let relay = format!("/connect/federate/{id}?destination=%2Fccp-v2");
    let (_, cookies) = federate(&server, "alice", ROLE_ARN, &relay).await;
    let refs: Vec<&str> = cookies.iter().map(String::as_str).collect();
    let out = get(&server, "/app/acme/logout", &refs).await;
    assert_eq!(out.status, 200);
    assert!(set_cookie(&out, "fedgate-instance").contains("Max-Age=0"));
    assert_eq!(get(&server, "/app/acme/ccp-v2", &refs).await.status, 401);
    assert_eq!(get(&server, "/console", &refs).await.status, 401);
}

// --- fedgate demo ------------------------------------------------------------------------------

/// Follows redirects from `response`, collecting cookies.
async fn follow(
    server: &TestServer,
    mut response: TestResponse,
    mut cookies: Vec<String>,
) -> TestResponse {
    loop {
        for value in response
            .headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
        {
            cookies.push(value);
        }
        if response.status != 302 {
            return response;
        }
        let next = location(&response).to_owned();
        let path = next
            .strip_prefix("http://127.0.0.1:4580")
            .unwrap_or(&next)
            .to_owned();
        let refs: Vec<&str> = cookies.iter().map(String::as_str).collect();
        response = get(server, &path, &refs).await;
    }
}

#[tokio::test]
async fn the_demo_idp_signs_alice_into_the_ccp_bob_home_and_carol_is_not_onboarded() {
    use fedgate::demo::{self, DevIdp};
    let server = TestServer::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let idp = DevIdp::load_or_create(dir.path(), fedgate::testing::PUBLIC_URL).unwrap();
    let seeded = demo::seed(&server.state, &idp).await.unwrap();
    // Seeding twice changes nothing; the key pair is kept.
    let again = DevIdp::load_or_create(dir.path(), fedgate::testing::PUBLIC_URL).unwrap();
    assert_eq!(again.metadata(), idp.metadata());
    assert_eq!(
        demo::seed(&server.state, &again).await.unwrap().instance_id,
        seeded.instance_id
    );
    let id = &seeded.instance_id;
    let run = |user: &'static str, relay: String| {
        let saml = idp.response(&server.state, user).unwrap();
        let server = &server;
        async move {
            let first = sign_in(server, &saml, &relay).await;
            follow(server, first, Vec::new()).await
        }
    };
    let alice = run(
        "alice",
        format!("/connect/federate/{id}?destination=%2Fccp-v2"),
    )
    .await;
    assert_eq!(alice.status, 200, "{}", alice.body);
    assert!(
        alice.body.contains("<h1>Contact Control Panel</h1>"),
        "{}",
        alice.body
    );
    let bob = run("bob", format!("/connect/federate/{id}")).await;
    assert!(bob.body.contains("Welcome, bob"), "{}", bob.body);
    let carol = run(
        "carol",
        format!("/connect/federate/{id}?destination=%2Fccp-v2"),
    )
    .await;
    assert_eq!(carol.status, 403);
    assert!(carol.body.contains(NOT_ONBOARDED));
}

// --- administration pages -----------------------------------------------------------------------

#[tokio::test]
async fn administrators_manage_users_and_import_csv_all_or_nothing() {
    let server = start().await;
    let id = instance(&server).await;
    let relay = format!("/connect/federate/{id}");
    let (_, cookies) = federate(&server, "bob", ROLE_ARN, &relay).await;
    let refs: Vec<&str> = cookies.iter().map(String::as_str).collect();

    let list = get(&server, "/app/acme/users", &refs).await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert!(list.body.contains("<td>alice</td>"), "{}", list.body);
    let search = get(&server, "/app/acme/users?q=ALI", &refs).await;
    assert!(search.body.contains("<td>alice</td>"));
    assert!(!search.body.contains("<td>dave</td>"));
    let token = csrf(&list.body);

    // The page's form uploads a file, with its CSRF token as a part of the same form.
    assert!(
        list.body.contains("enctype=\"multipart/form-data\""),
        "{}",
        list.body
    );
    assert!(
        list.body
            .contains("<input type=\"file\" id=\"csv\" name=\"csv\" accept=\".csv,text/csv\""),
        "{}",
        list.body
    );

    let header = fedgate::connect::import::SAML_TEMPLATE_HEADER;
    let good = format!(
        "{header}\nErin,E,erin,Basic Routing Profile,Agent,soft,,no,0\nGus,G,gus,Basic Routing Profile,Agent|Admin,desk,+14155550100,yes,30\n"
    );
    let created = upload(&server, &[("csrf", &token)], good.as_bytes(), &refs).await;
    assert_eq!(created.status, 200, "{}", created.body);
    assert!(created.body.contains("Created 2 users"), "{}", created.body);
    assert!(created.body.contains("<td>erin</td>"), "{}", created.body);
    assert!(created.body.contains("<td>gus</td>"), "{}", created.body);
    assert_secure_headers(&created);

    let profiles = get(&server, "/app/acme/security-profiles", &refs).await;
    assert!(profiles.body.contains("MetricsOnly"));
    let settings = get(&server, "/app/acme/settings", &refs).await;
    assert!(
        settings.body.contains("http://127.0.0.1:4580/saml"),
        "{}",
        settings.body
    );
    assert!(settings.body.contains("/connect/federate/"));
}

/// `POST /app/acme/users/import` as `multipart/form-data`: the text `fields`, then the file
/// part `csv` holding `file`.
async fn upload(
    server: &TestServer,
    fields: &[(&str, &str)],
    file: &[u8],
    cookies: &[&str],
) -> TestResponse {
    const BOUNDARY: &str = "----fedgate-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csv\"; filename=\"users.csv\"\r\nContent-Type: text/csv\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    let request = Request::builder()
        .method("POST")
        .uri("/app/acme/users/import")
        .header(header::HOST, "127.0.0.1:4580")
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .header(header::COOKIE, cookies.join("; "))
        .body(Body::from(body))
        .unwrap();
    server.send(request).await
}

/// Bob, signed in to the instance "acme" as an administrator: his cookies and the page's CSRF
/// token.
async fn administrator(server: &TestServer) -> (Vec<String>, String) {
    let id = instance(server).await;
    let (_, cookies) = federate(server, "bob", ROLE_ARN, &format!("/connect/federate/{id}")).await;
    let refs: Vec<&str> = cookies.iter().map(String::as_str).collect();
    let list = get(server, "/app/acme/users", &refs).await;
    assert_eq!(list.status, 200, "{}", list.body);
    let token = csrf(&list.body);
    (cookies, token)
}

/// The logins listed on the user management page.
async fn logins(server: &TestServer, cookies: &[&str]) -> Vec<String> {
    let list = get(server, "/app/acme/users", cookies).await;
    list.body
        .split("<tr><td>")
        .skip(1)
        .map(|row| row.split("</td>").next().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_csv_upload_with_a_bad_row_creates_nobody_and_names_the_row() {
    let server = start().await;
    let (cookies, token) = administrator(&server).await;
    let refs: Vec<&str> = cookies.iter().map(String::as_str).collect();
    let before = logins(&server, &refs).await;
    assert!(before.contains(&"alice".to_owned()), "{before:?}");

    let header = fedgate::connect::import::SAML_TEMPLATE_HEADER;
    let bad = format!(
        "{header}\nErin,E,erin,Basic Routing Profile,Agent,soft,,no,0\nFred,F,fred,Nope,Agent,soft,,no,0\n"
    );
    let refused = upload(&server, &[("csrf", &token)], bad.as_bytes(), &refs).await;
    assert_eq!(refused.status, 200, "{}", refused.body);
    assert!(
        refused.body.contains("No user was created"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("<li>Line 3:"), "{}", refused.body);
    assert!(refused.body.contains("Nope"), "{}", refused.body);
    assert_eq!(logins(&server, &refs).await, before);

    // The CONNECT_MANAGED template (email and password columns) is refused on a SAML instance.
    let managed = "first name,last name,email address,password,user login,routing profile name,security_profile_name_1|security_profile_name_2,phone type (soft/desk),phone number,soft phone auto accept (yes/no),ACW timeout (seconds)\nErin,E,erin@example.com,Secret1!,erin,Basic Routing Profile,Agent,soft,,no,0\n";
    let refused = upload(&server, &[("csrf", &token)], managed.as_bytes(), &refs).await;
    assert!(
        refused.body.contains("No user was created"),
        "{}",
        refused.body
    );
    assert_eq!(logins(&server, &refs).await, before);

    let empty = upload(&server, &[("csrf", &token)], b"", &refs).await;
    assert!(
        empty.body.contains("choose a CSV file to upload"),
        "{}",
        empty.body
    );
}

#[tokio::test]
async fn a_csv_upload_without_the_csrf_token_is_refused() {
    let server = start().await;
    let (cookies, token) = administrator(&server).await;
    let refs: Vec<&str> = cookies.iter().map(String::as_str).collect();
    let before = logins(&server, &refs).await;
    let header = fedgate::connect::import::SAML_TEMPLATE_HEADER;
    let good = format!("{header}\nErin,E,erin,Basic Routing Profile,Agent,soft,,no,0\n");

    let missing = upload(&server, &[], good.as_bytes(), &refs).await;
    assert_eq!(missing.status, 403, "{}", missing.body);
    let wrong = "x".repeat(token.len());
    let forged = upload(&server, &[("csrf", &wrong)], good.as_bytes(), &refs).await;
    assert_eq!(forged.status, 403, "{}", forged.body);
    // The old url-encoded form is not an upload of this page's form.
    let encoded = post(
        &server,
        "/app/acme/users/import",
        &form(&[("csrf", &token), ("csv", &good)]),
        &refs,
    )
    .await;
    assert_eq!(encoded.status, 403, "{}", encoded.body);
    assert_eq!(logins(&server, &refs).await, before);

    // Without a session, the upload is not read at all.
    let anonymous = upload(&server, &[("csrf", &token)], good.as_bytes(), &[]).await;
    assert_eq!(anonymous.status, 401);
    assert!(anonymous.body.contains(fedgate::signin::SESSION_EXPIRED));
    assert_eq!(logins(&server, &refs).await, before);
}

#[tokio::test]
async fn an_oversize_csv_upload_is_refused_with_a_message_and_creates_nobody() {
    use fedgate::web::admin::MAX_CSV_BYTES;
    let server = start().await;
    let (cookies, token) = administrator(&server).await;
    let refs: Vec<&str> = cookies.iter().map(String::as_str).collect();
    let before = logins(&server, &refs).await;
    let header = fedgate::connect::import::SAML_TEMPLATE_HEADER;
    let mut csv = format!("{header}\n");
    let mut row = 0;
    while csv.len() <= MAX_CSV_BYTES {
        csv.push_str(&format!(
            "First,Last,user{row},Basic Routing Profile,Agent,soft,,no,0\n"
        ));
        row += 1;
    }
    // Just over the file's limit (within the body's), and far over the body's limit.
    for file in [csv.clone(), csv.repeat(2)] {
        let refused = upload(&server, &[("csrf", &token)], file.as_bytes(), &refs).await;
        assert_eq!(refused.status, 413, "{}", refused.body);
        assert!(
            refused
                .body
                .contains("No user was created: the file is larger than 2 MiB."),
            "{}",
            refused.body
        );
        assert_secure_headers(&refused);
    }
    assert_eq!(logins(&server, &refs).await, before);
}

#[tokio::test]
async fn agents_cannot_manage_users_and_a_deleted_user_loses_their_session() {
    let server = start().await;
    let id = instance(&server).await;
    let relay = format!("/connect/federate/{id}?destination=%2Fccp-v2");
    let (_, alice) = federate(&server, "alice", ROLE_ARN, &relay).await;
    let alice: Vec<&str> = alice.iter().map(String::as_str).collect();
    assert_eq!(get(&server, "/app/acme/users", &alice).await.status, 403);

    let (_, bob) = federate(&server, "bob", ROLE_ARN, &format!("/connect/federate/{id}")).await;
    let bob: Vec<&str> = bob.iter().map(String::as_str).collect();
    let list = get(&server, "/app/acme/users", &bob).await;
    let token = csrf(&list.body);
    // Alice's delete form, found by its label.
    let label = list.body.find("aria-label=\"Delete alice\"").unwrap();
    let action_start = list.body[..label].rfind("action=\"").unwrap() + "action=\"".len();
    let action_end = list.body[action_start..].find('"').unwrap() + action_start;
    let action = list.body[action_start..action_end].to_owned();
    let deleted = post(&server, &action, &form(&[("csrf", &token)]), &bob).await;
    assert!(
        deleted.body.contains("The user was deleted"),
        "{}",
        deleted.body
    );
    assert_eq!(get(&server, "/app/acme/ccp-v2", &alice).await.status, 401);
}

/// The value of the checkbox labelled `name` on a page.
fn profile_id(body: &str, name: &str) -> String {
    let label = body.find(&format!("> {name}</label>")).unwrap();
    let start = body[..label].rfind("value=\"").unwrap() + "value=\"".len();
    let end = body[start..].find('"').unwrap() + start;
    body[start..end].to_owned()
}

#[tokio::test]
async fn administrators_create_and_edit_users_with_security_profiles() {
    let server = start().await;
    let id = instance(&server).await;
    let (_, bob) = federate(&server, "bob", ROLE_ARN, &format!("/connect/federate/{id}")).await;
    let bob: Vec<&str> = bob.iter().map(String::as_str).collect();
    let list = get(&server, "/app/acme/users", &bob).await;
    let token = csrf(&list.body);
    let agent = profile_id(&list.body, "Agent");
    let metrics = profile_id(&list.body, "MetricsOnly");

    let bad = post(
        &server,
        "/app/acme/users/create",
        &form(&[
            ("csrf", &token),
            ("login", "gina smith"),
            ("first", "Gina"),
            ("last", "S"),
            ("profile", &agent),
        ]),
        &bob,
    )
    .await;
    assert!(bad.body.contains("class=\"error\""), "{}", bad.body);
    assert!(!bad.body.contains("<td>gina smith</td>"));

    let created = post(
        &server,
        "/app/acme/users/create",
        &form(&[
            ("csrf", &token),
            ("login", "gina"),
            ("first", "Gina"),
            ("last", "S"),
            ("profile", &agent),
        ]),
        &bob,
    )
    .await;
    assert!(created.body.contains("Created gina."), "{}", created.body);
    assert!(created.body.contains("<td>gina</td>"));

    // Alice loses agent access when her profile is changed.
    let (_, alice) = federate(
        &server,
        "alice",
        ROLE_ARN,
        &format!("/connect/federate/{id}?destination=%2Fccp-v2"),
    )
    .await;
    let alice: Vec<&str> = alice.iter().map(String::as_str).collect();
    assert_eq!(get(&server, "/app/acme/ccp-v2", &alice).await.status, 200);
    let row = created.body.find("<td>alice</td>").unwrap();
    let href_start = created.body[row..].find("href=\"").unwrap() + row + "href=\"".len();
    let href_end = created.body[href_start..].find('"').unwrap() + href_start;
    let href = &created.body[href_start..href_end];
    let edit = get(&server, href, &bob).await;
    assert_eq!(edit.status, 200, "{}", edit.body);
    let saved = post(
        &server,
        href,
        &form(&[
            ("csrf", &token),
            ("first", "Alice"),
            ("last", "Liddell"),
            ("profile", &metrics),
        ]),
        &bob,
    )
    .await;
    assert!(saved.body.contains("Saved."), "{}", saved.body);
    assert!(saved.body.contains("Alice Liddell"));
    assert_eq!(get(&server, "/app/acme/ccp-v2", &alice).await.status, 302);
}

#[tokio::test]
async fn the_console_session_ends_when_its_duration_has_passed() {
    let server = start().await;
    let signed_in = sign_in(&server, &response(&server, "alice"), "").await;
    let session = cookie(&signed_in, "fedgate-console");
    server.state.clock.advance(Duration::minutes(59));
    assert_eq!(get(&server, "/console", &[&session]).await.status, 200);
    server.state.clock.advance(Duration::minutes(1));
    let expired = get(&server, "/console", &[&session]).await;
    assert_eq!(expired.status, 401);
    assert!(expired.body.contains("Session Expired"));
}

#[tokio::test]
async fn the_role_picker_escapes_the_relay_state_it_carries() {
    let server = start().await;
    let saml = response_with(&server, "alice", &[ROLE_ARN, OTHER_ROLE_ARN], "", None);
    let picker = sign_in(&server, &saml, "\"><script>alert(1)</script>").await;
    assert_eq!(picker.status, 200);
    assert!(!picker.body.contains("<script>"), "{}", picker.body);
    assert!(
        picker
            .body
            .contains("value=\"&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\"")
    );
}

#[tokio::test]
async fn the_dev_idp_lists_the_demo_users_and_posts_a_signed_response_to_saml() {
    use fedgate::demo::{self, DevIdp, DevIdpState};
    use tower::ServiceExt as _;
    let server = TestServer::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let idp = DevIdp::load_or_create(dir.path(), fedgate::testing::PUBLIC_URL).unwrap();
    let seeded = demo::seed(&server.state, &idp).await.unwrap();
    let app = fedgate::http::app_with(
        server.state.clone(),
        demo::routes(DevIdpState {
            idp: std::sync::Arc::new(idp),
            instance_id: seeded.instance_id.clone(),
        }),
    );
    let send = |request: Request<Body>| {
        let app = app.clone();
        async move {
            let response = app.oneshot(request).await.unwrap();
            let status = response.status();
            let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .unwrap();
            (status, String::from_utf8(bytes.to_vec()).unwrap())
        }
    };
    let (status, users) = send(Request::get("/dev-idp").body(Body::empty()).unwrap()).await;
    assert_eq!(status, 200);
    for user in ["alice", "bob", "carol"] {
        assert!(users.contains(&format!("id=\"login-{user}\"")), "{users}");
    }
    let (status, metadata) = send(
        Request::get("/dev-idp/metadata.xml")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert!(metadata.contains("X509Certificate"));
    let (status, posting) = send(
        Request::post("/dev-idp/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from("user=alice"))
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert!(posting.contains("action=\"/saml\""), "{posting}");
    assert!(posting.contains("name=\"SAMLResponse\""));
    assert!(posting.contains(&format!(
        "value=\"/connect/federate/{}?destination=%2Fccp-v2\"",
        seeded.instance_id
    )));
    let (status, _) = send(
        Request::post("/dev-idp/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from("user=mallory"))
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400);
}
