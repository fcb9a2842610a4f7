//! `AssumeRoleWithSAML` over the whole application on real SQLite: responses signed at the
//! manual clock's time by the test IdP (`tests/data/sts/generate.sh`), AWS's codes and messages
//! for every check, credentials that work, the replay cache across nodes, the audit trail.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "tests: a failure here is a test failure"
)]

use base64::Engine as _;
use fedgate::auth::{self, Caller};
use fedgate::aws::xml::format_timestamp;
use fedgate::config::File;
use fedgate::sts::credentials::SessionClaims;
use fedgate::testing::{Credentials, START, TestResponse, TestServer};
use fedgate_store::{
    IamPath, NewManagedPolicy, Outcome, PolicyId, PolicyKey, PolicyName, ProviderId, ProviderName,
    Role, RoleId, RoleName, SamlProvider,
};
use fedgate_xmldsig::SigningKey;
use time::{Duration, OffsetDateTime};

mod common;
use common::{
    ACCOUNT, AUDIENCE, ISSUER, PROVIDER_ARN, RECIPIENT, ROLE_ARN, data, metadata, trust_policy,
};

const OTHER_PROVIDER_ARN: &str = "arn:aws:iam::123456789012:saml-provider/OtherIdP";
const ROLE_ID: &str = "AROAEXAMPLEAGENT0001";

/// One assertion to sign: every field a test may change.
#[derive(Clone, Debug)]
struct Assertion {
    id: String,
    issue_instant: OffsetDateTime,
    not_before: OffsetDateTime,
    not_on_or_after: OffsetDateTime,
    recipient: String,
    audience: String,
    roles: Vec<String>,
    session_name: String,
    session_duration: Option<String>,
    session_not_on_or_after: Option<OffsetDateTime>,
    extra_attributes: String,
    signer: &'static str,
}

impl Assertion {
    /// A valid assertion issued now (the manual clock's START plus `elapsed`).
    fn at(server: &TestServer) -> Self {
        let now = server.state.clock.now();
        Self {
            id: format!(
                "_a{}",
                now.unix_timestamp_nanos() ^ i128::from(rand_suffix())
            ),
            issue_instant: now,
            not_before: now - Duration::minutes(1),
            not_on_or_after: now + Duration::minutes(5),
            recipient: RECIPIENT.into(),
            audience: AUDIENCE.into(),
            roles: vec![format!("{ROLE_ARN},{PROVIDER_ARN}")],
            session_name: "alice".into(),
            session_duration: None,
            session_not_on_or_after: None,
            extra_attributes: String::new(),
            signer: "idp",
        }
    }

    fn xml(&self) -> String {
        let t = format_timestamp;
        let roles: String = self
            .roles
            .iter()
            .map(|r| format!("<saml:AttributeValue>{r}</saml:AttributeValue>"))
            .collect();
        let duration = self
            .session_duration
            .as_ref()
            .map(|d| {
                format!(
                    r#"<saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/SessionDuration"><saml:AttributeValue>{d}</saml:AttributeValue></saml:Attribute>"#
                )
            })
            .unwrap_or_default();
        let session_end = self
            .session_not_on_or_after
            .map(|s| format!(r#" SessionNotOnOrAfter="{}""#, t(s)))
            .unwrap_or_default();
        format!(
            r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r{id}" Version="2.0" IssueInstant="{issued}" Destination="{recipient}"><saml:Issuer>{ISSUER}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status><saml:Assertion ID="{id}" Version="2.0" IssueInstant="{issued}"><saml:Issuer>{ISSUER}</saml:Issuer><saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">alice@example.test</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="{not_on_or_after}" Recipient="{recipient}"/></saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore="{not_before}" NotOnOrAfter="{not_on_or_after}"><saml:AudienceRestriction><saml:Audience>{audience}</saml:Audience></saml:AudienceRestriction></saml:Conditions><saml:AuthnStatement AuthnInstant="{issued}"{session_end}><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement><saml:AttributeStatement><saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/Role">{roles}</saml:Attribute><saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/RoleSessionName"><saml:AttributeValue>{session_name}</saml:AttributeValue></saml:Attribute>{duration}{extra}</saml:AttributeStatement></saml:Assertion></samlp:Response>"#,
            id = self.id,
            issued = t(self.issue_instant),
            recipient = self.recipient,
            not_on_or_after = t(self.not_on_or_after),
            not_before = t(self.not_before),
            audience = self.audience,
            session_name = self.session_name,
            extra = self.extra_attributes,
        )
    }

    /// The signed response, as XML.
    fn signed_xml(&self) -> String {
        self.signed_xml_edited(|xml| xml)
    }

    /// The response changed by `edit` before it is signed, as XML.
    fn signed_xml_edited(&self, edit: impl FnOnce(String) -> String) -> String {
        let key = SigningKey::from_pem(
            &data(&format!("{}.key", self.signer)),
            &data(&format!("{}.crt", self.signer)),
        )
        .unwrap();
        fedgate_xmldsig::sign_enveloped(&edit(self.xml()), &self.id, &key).unwrap()
    }

    /// The response changed by `edit` before it is signed, base64.
    fn signed_edited(&self, edit: impl FnOnce(String) -> String) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.signed_xml_edited(edit))
    }

    /// The signed response, base64, as `SAMLAssertion` carries it.
    fn signed(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.signed_xml())
    }
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

async fn start() -> TestServer {
    start_on("sqlite::memory:", None).await
}

/// A server on `database_url`; nodes sharing a database share its sealing key file.
async fn start_on(database_url: &str, sealing_key: Option<std::path::PathBuf>) -> TestServer {
    let file = File {
        account_id: Some(ACCOUNT.into()),
        sealing_key_file: sealing_key,
        ..File::default()
    };
    TestServer::start_with(&file, database_url).await.unwrap()
}

/// The provider `ExampleIdP` and the role `ConnectAgent` trusting it for this server's ACS.
async fn seed(server: &TestServer) {
    add_provider(server, "ExampleIdP").await;
    add_role(
        server,
        "ConnectAgent",
        ROLE_ID,
        &trust_policy(PROVIDER_ARN, RECIPIENT),
        3_600,
    )
    .await;
}

async fn add_provider(server: &TestServer, name: &str) {
    let provider = SamlProvider {
        name: ProviderName::new(name),
        id: ProviderId::new(format!("id-{name}")),
        metadata: metadata(),
        valid_until: START + Duration::days(365),
        created_at: START,
    };
    server
        .state
        .store
        .create_saml_provider(&provider, &[])
        .await
        .unwrap();
}

async fn add_role(server: &TestServer, name: &str, id: &str, trust: &str, max: u32) {
    let role = Role {
        name: RoleName::new(name),
        path: IamPath::new("/"),
        id: RoleId::new(id),
        trust_policy: trust.to_owned(),
        description: None,
        max_session_duration: max,
        created_at: START,
    };
    server.state.store.create_role(&role, &[]).await.unwrap();
}

async fn assume(server: &TestServer, saml: &str, extra: &[(&str, &str)]) -> TestResponse {
    assume_as(server, ROLE_ARN, PROVIDER_ARN, saml, extra).await
}

async fn assume_as(
    server: &TestServer,
    role_arn: &str,
    provider_arn: &str,
    saml: &str,
    extra: &[(&str, &str)],
) -> TestResponse {
    let mut params = vec![
        ("Action", "AssumeRoleWithSAML"),
        ("RoleArn", role_arn),
        ("PrincipalArn", provider_arn),
        ("SAMLAssertion", saml),
    ];
    params.extend_from_slice(extra);
    server.query("sts", &params, None).await
}

/// The text of the first `<name>` element.
fn element<'a>(body: &'a str, name: &str) -> Option<&'a str> {
    let open = format!("<{name}>");
    let start = body.find(&open)? + open.len();
    let end = body[start..].find(&format!("</{name}>"))? + start;
    Some(&body[start..end])
}

#[track_caller]
fn assert_error(response: &TestResponse, status: u16, code: &str, message: &str) {
    assert_eq!(response.status, status, "{}", response.body);
    assert_eq!(
        element(&response.body, "Code"),
        Some(code),
        "{}",
        response.body
    );
    assert_eq!(
        element(&response.body, "Message"),
        Some(message),
        "{}",
        response.body
    );
    assert_eq!(
        element(&response.body, "Type"),
        Some("Sender"),
        "{}",
        response.body
    );
}

fn credentials(body: &str) -> Credentials {
    Credentials {
        access_key_id: element(body, "AccessKeyId").unwrap().to_owned(),
        secret_access_key: element(body, "SecretAccessKey").unwrap().to_owned(),
        session_token: Some(element(body, "SessionToken").unwrap().to_owned()),
    }
}

#[tokio::test]
async fn a_signed_response_becomes_credentials_that_get_caller_identity_accepts() {
    let server = start().await;
    seed(&server).await;
    let response = assume(&server, &Assertion::at(&server).signed(), &[]).await;
    assert_eq!(response.status, 200, "{}", response.body);
    let body = &response.body;
    assert!(body.starts_with(
        r#"<AssumeRoleWithSAMLResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleWithSAMLResult><Credentials>"#
    ));
    assert!(element(body, "AccessKeyId").unwrap().starts_with("ASIA"));
    assert_eq!(element(body, "Expiration"), Some("2030-01-01T01:00:00Z"));
    assert_eq!(
        element(body, "AssumedRoleId"),
        Some("AROAEXAMPLEAGENT0001:alice")
    );
    assert_eq!(
        element(body, "Arn"),
        Some("arn:aws:sts::123456789012:assumed-role/ConnectAgent/alice")
    );
    assert_eq!(element(body, "Subject"), Some("alice@example.test"));
    assert_eq!(element(body, "SubjectType"), Some("persistent"));
    assert_eq!(element(body, "Issuer"), Some(ISSUER));
    assert_eq!(element(body, "Audience"), Some(RECIPIENT));
    assert_eq!(element(body, "PackedPolicySize"), Some("0"));
    assert_eq!(element(body, "SourceIdentity"), None);
    let expected_qualifier = fedgate::sts::saml_claims::name_qualifier(
        ISSUER,
        fedgate::sts::saml_claims::ProviderRef {
            account_id: ACCOUNT,
            provider_name: "ExampleIdP",
        },
    );
    assert_eq!(
        element(body, "NameQualifier"),
        Some(expected_qualifier.as_str())
    );

    let caller = server
        .query(
            "sts",
            &[("Action", "GetCallerIdentity")],
            Some(&credentials(body)),
        )
        .await;
    assert_eq!(caller.status, 200, "{}", caller.body);
    assert_eq!(
        element(&caller.body, "Arn"),
        Some("arn:aws:sts::123456789012:assumed-role/ConnectAgent/alice")
    );
    assert_eq!(
        element(&caller.body, "UserId"),
        Some("AROAEXAMPLEAGENT0001:alice")
    );
    assert_eq!(element(&caller.body, "Account"), Some(ACCOUNT));

    // The credentials end when the session does.
    server.state.clock.advance(Duration::hours(1));
    let expired = server
        .query(
            "sts",
            &[("Action", "GetCallerIdentity")],
            Some(&credentials(body)),
        )
        .await;
    assert_eq!(
        element(&expired.body, "Code"),
        Some("ExpiredToken"),
        "{}",
        expired.body
    );
}

#[tokio::test]
async fn a_tampered_response_is_refused_as_an_invalid_signature() {
    let server = start().await;
    seed(&server).await;
    let xml = Assertion::at(&server).signed_xml();
    let tampered = xml.replace(
        "<saml:AttributeValue>alice</saml:AttributeValue>",
        "<saml:AttributeValue>mallory</saml:AttributeValue>",
    );
    assert_ne!(xml, tampered);
    let saml = base64::engine::general_purpose::STANDARD.encode(tampered);
    let response = assume(&server, &saml, &[]).await;
    assert_error(
        &response,
        400,
        "InvalidIdentityToken",
        "Response signature invalid",
    );

    // Signed by a key the metadata does not hold.
    let mut other = Assertion::at(&server);
    other.signer = "other";
    let response = assume(&server, &other.signed(), &[]).await;
    assert_error(
        &response,
        400,
        "InvalidIdentityToken",
        "Response signature invalid",
    );
}

#[tokio::test]
async fn time_checks_give_aws_expired_token_exception() {
    let server = start().await;
    seed(&server).await;

    // Expired: NotOnOrAfter passed (plus the 60 s skew).
    let mut expired = Assertion::at(&server);
    expired.issue_instant = START - Duration::minutes(4);
    expired.not_on_or_after = START - Duration::minutes(2);
    let response = assume(&server, &expired.signed(), &[]).await;
    assert_error(
        &response,
        400,
        "ExpiredTokenException",
        "Response has expired",
    );

    // Issued more than 5 minutes (plus skew) ago, though still within NotOnOrAfter.
    let mut old = Assertion::at(&server);
    old.issue_instant = START - Duration::minutes(7);
    old.not_on_or_after = START + Duration::minutes(10);
    let response = assume(&server, &old.signed(), &[]).await;
    assert_error(
        &response,
        400,
        "ExpiredTokenException",
        "Token must be redeemed within 5 minutes of issuance",
    );

    // Not yet valid: NotBefore beyond the skew.
    let mut early = Assertion::at(&server);
    early.not_before = START + Duration::minutes(3);
    let response = assume(&server, &early.signed(), &[]).await;
    assert_error(
        &response,
        400,
        "InvalidIdentityToken",
        "Response is not yet valid",
    );

    // The same assertion is accepted once the clock reaches NotBefore.
    server.state.clock.advance(Duration::minutes(3));
    let response = assume(&server, &early.signed(), &[]).await;
    assert_eq!(response.status, 200, "{}", response.body);
}

#[tokio::test]
async fn responses_for_another_audience_or_recipient_are_refused() {
    let server = start().await;
    seed(&server).await;
    let mut audience = Assertion::at(&server);
    audience.audience = "https://sp.elsewhere.test/".into();
    let response = assume(&server, &audience.signed(), &[]).await;
    assert_error(
        &response,
        400,
        "InvalidIdentityToken",
        "Response does not contain the required audience.",
    );

    // AWS's own ACS is not accepted unless `aws_recipients` is set.
    let mut recipient = Assertion::at(&server);
    recipient.recipient = "https://signin.aws.amazon.com/saml".into();
    let response = assume(&server, &recipient.signed(), &[]).await;
    assert_error(
        &response,
        400,
        "InvalidIdentityToken",
        "Response does not contain the required audience.",
    );
}

#[tokio::test]
async fn unknown_provider_and_wrong_arn_types_get_aws_errors() {
    let server = start().await;
    seed(&server).await;
    let saml = Assertion::at(&server).signed();
    let response = assume_as(&server, ROLE_ARN, OTHER_PROVIDER_ARN, &saml, &[]).await;
    assert_error(
        &response,
        400,
        "InvalidIdentityToken",
        "Specified provider doesn't exist",
    );
    let response = assume_as(&server, ROLE_ARN, ROLE_ARN, &saml, &[]).await;
    assert_error(&response, 400, "ValidationError", "Request ARN is invalid");
    let response = assume_as(&server, PROVIDER_ARN, PROVIDER_ARN, &saml, &[]).await;
    assert_error(&response, 400, "ValidationError", "Request ARN is invalid");
}

#[tokio::test]
async fn a_role_not_among_the_signed_role_values_is_refused() {
    let server = start().await;
    seed(&server).await;
    add_role(
        &server,
        "Supervisor",
        "AROAEXAMPLESUPER0001",
        &trust_policy(PROVIDER_ARN, RECIPIENT),
        3_600,
    )
    .await;
    let saml = Assertion::at(&server).signed();
    let response = assume_as(
        &server,
        "arn:aws:iam::123456789012:role/Supervisor",
        PROVIDER_ARN,
        &saml,
        &[],
    )
    .await;
    assert_error(
        &response,
        400,
        "InvalidIdentityToken",
        "SAML Assertion doesn't contain the requested Role and Metadata in the attributes",
    );
    // The refusal did not use the response up: the role it names still works.
    let response = assume(&server, &saml, &[]).await;
    assert_eq!(response.status, 200, "{}", response.body);

    // A pair given provider first is the same pair (AWS accepts either order).
    let mut reversed = Assertion::at(&server);
    reversed.roles = vec![format!("{PROVIDER_ARN},{ROLE_ARN}")];
    let response = assume(&server, &reversed.signed(), &[]).await;
    assert_eq!(response.status, 200, "{}", response.body);
}

#[tokio::test]
async fn trust_policies_naming_another_provider_or_audience_deny() {
    let server = start().await;
    add_provider(&server, "ExampleIdP").await;
    add_provider(&server, "OtherIdP").await;
    add_role(
        &server,
        "ConnectAgent",
        ROLE_ID,
        &trust_policy(OTHER_PROVIDER_ARN, RECIPIENT),
        3_600,
    )
    .await;
    let response = assume(&server, &Assertion::at(&server).signed(), &[]).await;
    assert_error(
        &response,
        403,
        "AccessDenied",
        "Not authorized to perform sts:AssumeRoleWithSAML",
    );

    let other_aud = start().await;
    add_provider(&other_aud, "ExampleIdP").await;
    add_role(
        &other_aud,
        "ConnectAgent",
        ROLE_ID,
        &trust_policy(PROVIDER_ARN, "https://signin.aws.amazon.com/saml"),
        3_600,
    )
    .await;
    let response = assume(&other_aud, &Assertion::at(&other_aud).signed(), &[]).await;
    assert_error(
        &response,
        403,
        "AccessDenied",
        "Not authorized to perform sts:AssumeRoleWithSAML",
    );

    // A role that does not exist is refused the same way.
    let response = assume_as(
        &other_aud,
        "arn:aws:iam::123456789012:role/Nobody",
        PROVIDER_ARN,
        &{
            let mut a = Assertion::at(&other_aud);
            a.roles = vec![format!(
                "arn:aws:iam::123456789012:role/Nobody,{PROVIDER_ARN}"
            )];
            a.signed()
        },
        &[],
    )
    .await;
    assert_error(
        &response,
        403,
        "AccessDenied",
        "Not authorized to perform sts:AssumeRoleWithSAML",
    );
}

#[tokio::test]
async fn duration_seconds_is_held_to_max_session_duration_not_to_session_duration() {
    let server = start().await;
    seed(&server).await;
    let response = assume(
        &server,
        &Assertion::at(&server).signed(),
        &[("DurationSeconds", "7200")],
    )
    .await;
    assert_error(
        &response,
        400,
        "ValidationError",
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
    );

    // DurationSeconds is honoured above the SessionDuration attribute, which is the console's
    // (the STS reference: DurationSeconds or SessionNotOnOrAfter, whichever is shorter).
    let mut short = Assertion::at(&server);
    short.session_duration = Some("1800".into());
    let response = assume(&server, &short.signed(), &[("DurationSeconds", "2700")]).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(
        element(&response.body, "Expiration"),
        Some("2030-01-01T00:45:00Z")
    );
    // Without DurationSeconds, SessionDuration shortens the default hour.
    let mut short = Assertion::at(&server);
    short.session_duration = Some("1800".into());
    let response = assume(&server, &short.signed(), &[]).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(
        element(&response.body, "Expiration"),
        Some("2030-01-01T00:30:00Z")
    );

    // Within both: honoured, and SessionNotOnOrAfter caps it.
    let mut capped = Assertion::at(&server);
    capped.session_not_on_or_after = Some(START + Duration::minutes(20));
    let response = assume(&server, &capped.signed(), &[("DurationSeconds", "900")]).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(
        element(&response.body, "Expiration"),
        Some("2030-01-01T00:15:00Z")
    );
    let mut capped = Assertion::at(&server);
    capped.session_not_on_or_after = Some(START + Duration::minutes(20));
    let response = assume(&server, &capped.signed(), &[("DurationSeconds", "3600")]).await;
    assert_eq!(
        element(&response.body, "Expiration"),
        Some("2030-01-01T00:20:00Z"),
        "{}",
        response.body
    );

    let response = assume(
        &server,
        &Assertion::at(&server).signed(),
        &[("DurationSeconds", "899")],
    )
    .await;
    assert_error(
        &response,
        400,
        "ValidationError",
        "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900",
    );
}

#[tokio::test]
async fn bad_role_session_names_are_invalid_identity_tokens() {
    let server = start().await;
    seed(&server).await;
    let mut spaced = Assertion::at(&server);
    spaced.session_name = "alice smith".into();
    let response = assume(&server, &spaced.signed(), &[]).await;
    assert_error(
        &response,
        400,
        "InvalidIdentityToken",
        "RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}",
    );
    let mut long = Assertion::at(&server);
    long.session_name = "a".repeat(65);
    let response = assume(&server, &long.signed(), &[]).await;
    assert_error(
        &response,
        400,
        "InvalidIdentityToken",
        "RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}",
    );
}

#[tokio::test]
async fn a_response_is_accepted_once() {
    let server = start().await;
    seed(&server).await;
    let saml = Assertion::at(&server).signed();
    let first = assume(&server, &saml, &[]).await;
    assert_eq!(first.status, 200, "{}", first.body);
    let second = assume(&server, &saml, &[]).await;
    assert_error(
        &second,
        400,
        "InvalidIdentityToken",
        "Response has already been used",
    );
}

#[tokio::test]
async fn a_response_used_on_one_node_is_refused_on_another_sharing_the_database_file() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("shared.db").display().to_string();
    let key = Some(dir.path().join("sealing-key"));
    let one = start_on(&database, key.clone()).await;
    let two = start_on(&database, key).await;
    seed(&one).await;
    let saml = Assertion::at(&one).signed();
    let first = assume(&one, &saml, &[]).await;
    assert_eq!(first.status, 200, "{}", first.body);
    // Credentials minted by one node work on the other.
    let caller = two
        .query(
            "sts",
            &[("Action", "GetCallerIdentity")],
            Some(&credentials(&first.body)),
        )
        .await;
    assert_eq!(
        element(&caller.body, "Arn"),
        Some("arn:aws:sts::123456789012:assumed-role/ConnectAgent/alice"),
        "{}",
        caller.body
    );
    let second = assume(&two, &saml, &[]).await;
    assert_error(
        &second,
        400,
        "InvalidIdentityToken",
        "Response has already been used",
    );
    // The other node does accept a fresh response: it is the replay it refused.
    let fresh = assume(&two, &Assertion::at(&two).signed(), &[]).await;
    assert_eq!(fresh.status, 200, "{}", fresh.body);
}

#[tokio::test]
async fn session_policies_intersect_with_the_role_permissions() {
    let server = start().await;
    seed(&server).await;
    let role = RoleName::new("ConnectAgent");
    server
        .state
        .store
        .put_role_policy(
            &role,
            &PolicyName::new("iam-read"),
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["iam:GetRole","iam:ListRoles"],"Resource":"*"}}"#,
        )
        .await
        .unwrap();
    let session_policy = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:GetRole","Resource":"*"}}"#;
    let response = assume(
        &server,
        &Assertion::at(&server).signed(),
        &[("Policy", session_policy)],
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.body);
    let packed: u32 = element(&response.body, "PackedPolicySize")
        .unwrap()
        .parse()
        .unwrap();
    assert!(packed > 0 && packed <= 100, "{packed}");

    let token = element(&response.body, "SessionToken").unwrap();
    let claims = SessionClaims::open(&server.state.keys, token).unwrap();
    assert_eq!(claims.session_policies, vec![session_policy.to_owned()]);
    assert!(
        claims
            .saml
            .iter()
            .any(|(key, values)| key == "saml:sub" && values == &["alice@example.test"])
    );
    let caller = Caller::Role(Box::new(claims));
    let role_arn = Some(ROLE_ARN);
    auth::authorize(&server.state, &caller, "iam:GetRole", role_arn, &[])
        .await
        .unwrap();
    let denied = auth::authorize(&server.state, &caller, "iam:ListRoles", None, &[])
        .await
        .unwrap_err();
    assert_eq!(denied.code().to_string(), "AccessDenied");

    // Without a session policy, the role's own permissions apply.
    let response = assume(&server, &Assertion::at(&server).signed(), &[]).await;
    let token = element(&response.body, "SessionToken").unwrap();
    let caller = Caller::Role(Box::new(
        SessionClaims::open(&server.state.keys, token).unwrap(),
    ));
    auth::authorize(&server.state, &caller, "iam:ListRoles", None, &[])
        .await
        .unwrap();
}

#[tokio::test]
async fn managed_session_policies_are_read_from_the_store() {
    let server = start().await;
    seed(&server).await;
    let document =
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*"}}"#;
    server
        .state
        .store
        .create_managed_policy(
            &NewManagedPolicy {
                key: PolicyKey {
                    path: IamPath::new("/"),
                    name: PolicyName::new("DenyAll"),
                },
                id: PolicyId::new("ANPAEXAMPLEDENYALL01"),
                description: None,
                document: document.to_owned(),
                created_at: START,
            },
            &[],
        )
        .await
        .unwrap();
    let response = assume(
        &server,
        &Assertion::at(&server).signed(),
        &[(
            "PolicyArns.member.1.arn",
            "arn:aws:iam::123456789012:policy/DenyAll",
        )],
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.body);
    let token = element(&response.body, "SessionToken").unwrap();
    let claims = SessionClaims::open(&server.state.keys, token).unwrap();
    assert_eq!(claims.session_policies, vec![document.to_owned()]);

    let response = assume(
        &server,
        &Assertion::at(&server).signed(),
        &[(
            "PolicyArns.member.1.arn",
            "arn:aws:iam::123456789012:policy/Missing",
        )],
    )
    .await;
    assert_error(
        &response,
        400,
        "MalformedPolicyDocument",
        "Policy arn:aws:iam::123456789012:policy/Missing does not exist or is not attachable.",
    );

    let response = assume(
        &server,
        &Assertion::at(&server).signed(),
        &[(
            "Policy",
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow"}}"#,
        )],
    )
    .await;
    assert_eq!(response.status, 400, "{}", response.body);
    assert_eq!(
        element(&response.body, "Code"),
        Some("MalformedPolicyDocument"),
        "{}",
        response.body
    );
}

#[tokio::test]
async fn missing_parameters_are_one_validation_error() {
    let server = start().await;
    let response = server
        .query("sts", &[("Action", "AssumeRoleWithSAML")], None)
        .await;
    assert_error(
        &response,
        400,
        "ValidationError",
        "3 validation errors detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null; Value null at 'principalArn' failed to satisfy constraint: Member must not be null; Value null at 'sAMLAssertion' failed to satisfy constraint: Member must not be null",
    );
    let response = assume(&server, "!!!!not base64", &[]).await;
    assert_eq!(response.status, 400, "{}", response.body);
}

/// The model marks `SAMLAssertion` sensitive: a violation names the member without quoting
/// the assertion (AWS: `Value at 'password' failed to satisfy constraint: …`), and a list
/// member is addressed as `policyArns.1.member.arn`, AWS's path (as `tags.1.member.key`).
#[tokio::test]
async fn violations_do_not_quote_the_assertion_and_address_list_members_as_aws() {
    let server = start().await;
    let response = assume(
        &server,
        "abc",
        &[
            ("PolicyArns.member.1.arn", "short"),
            ("DurationSeconds", "10"),
        ],
    )
    .await;
    assert_error(
        &response,
        400,
        "ValidationError",
        "3 validation errors detected: Value at 'sAMLAssertion' failed to satisfy constraint: Member must have length greater than or equal to 4; Value 'short' at 'policyArns.1.member.arn' failed to satisfy constraint: Member must have length greater than or equal to 20; Value '10' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900",
    );
    assert!(!response.body.contains("'abc'"), "{}", response.body);
}

#[tokio::test]
async fn every_attempt_is_audited_and_rejections_are_counted_by_reason() {
    let server = start().await;
    seed(&server).await;
    let saml = Assertion::at(&server).signed();
    assert_eq!(assume(&server, &saml, &[]).await.status, 200);
    assert_eq!(assume(&server, &saml, &[]).await.status, 400);

    let events = server.state.store.recent_audit(10).await.unwrap();
    assert_eq!(events.len(), 2);
    let (replayed, accepted) = (&events[0].event, &events[1].event);
    assert_eq!(accepted.outcome, Outcome::Success);
    assert_eq!(accepted.action, "sts:AssumeRoleWithSAML");
    assert_eq!(
        accepted.actor,
        "arn:aws:sts::123456789012:assumed-role/ConnectAgent/alice"
    );
    let detail: serde_json::Value = serde_json::from_str(&accepted.detail).unwrap();
    assert_eq!(detail["idp"], ISSUER);
    assert_eq!(detail["role"], ROLE_ARN);
    assert_eq!(detail["session_name"], "alice");
    assert_eq!(replayed.outcome, Outcome::Failure);
    let detail: serde_json::Value = serde_json::from_str(&replayed.detail).unwrap();
    assert_eq!(detail["reason"], "Replayed");
    assert_ne!(replayed.request_id, accepted.request_id);

    let metrics = server.state.metrics.render();
    assert!(
        metrics.contains(r#"fedgate_signin_rejections_total{reason="Replayed"} 1"#),
        "{metrics}"
    );
}

const TAG_ATTRIBUTES: &str = r#"<saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/PrincipalTag:Department"><saml:AttributeValue>Sales</saml:AttributeValue></saml:Attribute><saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/SourceIdentity"><saml:AttributeValue>alice.source</saml:AttributeValue></saml:Attribute>"#;

#[tokio::test]
async fn session_tags_and_source_identity_need_the_trust_policy_to_allow_them() {
    let server = start().await;
    seed(&server).await;
    let mut tagged = Assertion::at(&server);
    tagged.extra_attributes = TAG_ATTRIBUTES.into();
    // The standard trust policy allows only sts:AssumeRoleWithSAML.
    let response = assume(&server, &tagged.signed(), &[]).await;
    assert_error(
        &response,
        403,
        "AccessDenied",
        "Not authorized to perform sts:AssumeRoleWithSAML",
    );

    let allowing = start().await;
    add_provider(&allowing, "ExampleIdP").await;
    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":["sts:AssumeRoleWithSAML","sts:TagSession","sts:SetSourceIdentity"],"Principal":{{"Federated":"{PROVIDER_ARN}"}},"Condition":{{"StringEquals":{{"SAML:aud":"{RECIPIENT}","aws:RequestTag/Department":"Sales"}}}}}}}}"#
    );
    add_role(&allowing, "ConnectAgent", ROLE_ID, &trust, 3_600).await;
    let mut tagged = Assertion::at(&allowing);
    tagged.extra_attributes = TAG_ATTRIBUTES.into();
    let response = assume(&allowing, &tagged.signed(), &[]).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(
        element(&response.body, "SourceIdentity"),
        Some("alice.source")
    );
    let packed: u32 = element(&response.body, "PackedPolicySize")
        .unwrap()
        .parse()
        .unwrap();
    assert!(packed > 0, "tags take packed space");
    let token = element(&response.body, "SessionToken").unwrap();
    let claims = SessionClaims::open(&allowing.state.keys, token).unwrap();
    assert_eq!(
        claims.tags,
        vec![("Department".to_owned(), "Sales".to_owned())]
    );
    assert_eq!(claims.source_identity.as_deref(), Some("alice.source"));
}

#[tokio::test]
async fn a_response_the_idp_marked_failed_or_left_unsigned_is_refused() {
    let server = start().await;
    seed(&server).await;
    let assertion = Assertion::at(&server);
    let failed = assertion.signed_xml().replace(
        "urn:oasis:names:tc:SAML:2.0:status:Success",
        "urn:oasis:names:tc:SAML:2.0:status:Responder",
    );
    let saml = base64::engine::general_purpose::STANDARD.encode(failed);
    let response = assume(&server, &saml, &[]).await;
    assert_error(
        &response,
        403,
        "IDPRejectedClaim",
        "The identity provider reported that authentication failed",
    );

    let unsigned = base64::engine::general_purpose::STANDARD.encode(assertion.xml());
    let response = assume(&server, &unsigned, &[]).await;
    assert_error(
        &response,
        400,
        "InvalidIdentityToken",
        "Response signature invalid",
    );

    let response = assume(&server, "not*base64", &[]).await;
    assert_error(
        &response,
        400,
        "InvalidIdentityToken",
        "Invalid base64 SAMLResponse",
    );
}

#[tokio::test]
async fn bodies_over_one_mebibyte_and_unknown_actions_get_aws_shaped_errors() {
    use axum::body::Body;
    use axum::http::Request;

    let server = start().await;
    let body = format!(
        "Action=AssumeRoleWithSAML&Version=2011-06-15&SAMLAssertion={}",
        "A".repeat(1024 * 1024)
    );
    let request = Request::builder()
        .method("POST")
        .uri("/")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap();
    let response = server.send(request).await;
    assert_eq!(response.status, 413, "{}", response.body);
    assert_eq!(
        element(&response.body, "Code"),
        Some("RequestEntityTooLarge")
    );

    let response = server
        .query("sts", &[("Action", "AssumeRoleWithSAMLX")], None)
        .await;
    assert_error(
        &response,
        400,
        "InvalidAction",
        "Could not find operation AssumeRoleWithSAMLX for version 2011-06-15",
    );

    // A SAMLAssertion over IAM's quota is a parameter error, its value not echoed in full.
    let response = assume(&server, &"A".repeat(100_001), &[]).await;
    assert_eq!(response.status, 400, "{}", response.body);
    let message = element(&response.body, "Message").unwrap();
    assert!(
        message.ends_with(
            "at 'sAMLAssertion' failed to satisfy constraint: Member must have length less than or equal to 100000"
        ),
        "{message}"
    );
    assert!(message.len() < 600, "{message}");
}

/// No input reaches a 500: arbitrary parameter values and arbitrary (signed or not) XML.
#[test]
fn arbitrary_assume_role_with_saml_input_never_gets_a_server_error() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let server = runtime.block_on(async {
        let server = start().await;
        seed(&server).await;
        server
    });
    let valid_xml = Assertion::at(&server).signed_xml();
    let text = || proptest::string::string_regex("[ -~\\t\\n\\u{a0}-\\u{ff}]{0,80}").unwrap();
    let strategy = (
        prop_oneof![Just(ROLE_ARN.to_owned()), text()],
        prop_oneof![Just(PROVIDER_ARN.to_owned()), text()],
        prop_oneof![
            text(),
            // The valid response with one byte changed somewhere.
            (0..valid_xml.len(), any::<u8>()).prop_map({
                let valid_xml = valid_xml.clone();
                move |(at, byte)| {
                    let mut bytes = valid_xml.clone().into_bytes();
                    bytes[at] = byte;
                    base64::engine::general_purpose::STANDARD.encode(bytes)
                }
            }),
        ],
        proptest::option::of(text()),
        proptest::option::of(prop_oneof![
            Just("900".to_owned()),
            Just("43201".to_owned()),
            text()
        ]),
        proptest::option::of(text()),
    );
    let mut runner = TestRunner::new(Config {
        cases: 64,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(
            &strategy,
            |(role, provider, saml, policy, duration, policy_arn)| {
                let mut extra: Vec<(&str, &str)> = Vec::new();
                if let Some(policy) = &policy {
                    extra.push(("Policy", policy));
                }
                if let Some(duration) = &duration {
                    extra.push(("DurationSeconds", duration));
                }
                if let Some(arn) = &policy_arn {
                    extra.push(("PolicyArns.member.1.arn", arn));
                }
                let response =
                    runtime.block_on(assume_as(&server, &role, &provider, &saml, &extra));
                prop_assert!(
                    response.status.is_client_error() || response.status.is_success(),
                    "{}: {}",
                    response.status,
                    response.body
                );
                Ok(())
            },
        )
        .unwrap();
}

#[tokio::test]
async fn another_issuer_or_no_name_id_is_refused_with_aws_texts() {
    let server = start().await;
    seed(&server).await;
    let assertion = Assertion::at(&server);
    let other_issuer =
        assertion.signed_edited(|xml| xml.replace(ISSUER, "https://idp.elsewhere.test/saml"));
    let response = assume(&server, &other_issuer, &[]).await;
    assert_error(
        &response,
        400,
        "InvalidIdentityToken",
        "Issuer not present in specified provider",
    );

    let no_name_id = assertion.signed_edited(|xml| {
        xml.replace(
            r#"<saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">alice@example.test</saml:NameID>"#,
            "",
        )
    });
    let response = assume(&server, &no_name_id, &[]).await;
    assert_error(
        &response,
        403,
        "AccessDenied",
        "Not authorized to perform sts:AssumeRoleWithSAML",
    );

    let no_recipient =
        assertion.signed_edited(|xml| xml.replace(&format!(r#" Recipient="{RECIPIENT}"/>"#), "/>"));
    let response = assume(&server, &no_recipient, &[]).await;
    assert_error(
        &response,
        400,
        "InvalidIdentityToken",
        "Responses must contain SubjectConfirmatonData with a Recipient and NotOnOrAfter",
    );
}

#[tokio::test]
async fn session_policies_and_tags_over_the_packed_space_are_refused() {
    let server = start().await;
    add_provider(&server, "ExampleIdP").await;
    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":["sts:AssumeRoleWithSAML","sts:TagSession"],"Principal":{{"Federated":"{PROVIDER_ARN}"}}}}}}"#
    );
    add_role(&server, "ConnectAgent", ROLE_ID, &trust, 3_600).await;
    // A session policy of nearly 2,048 characters, plus a tag: over 100 %.
    let actions: Vec<String> = (0..105)
        .map(|i| format!(r#""iam:GetRole{i:04}""#))
        .collect();
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":[{}],"Resource":"*"}}}}"#,
        actions.join(",")
    );
    assert!(
        policy.len() <= 2_048 && policy.len() > 1_900,
        "{}",
        policy.len()
    );
    let mut tagged = Assertion::at(&server);
    tagged.extra_attributes = format!(
        r#"<saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/PrincipalTag:Team"><saml:AttributeValue>{}</saml:AttributeValue></saml:Attribute>"#,
        "x".repeat(200)
    );
    let response = assume(&server, &tagged.signed(), &[("Policy", &policy)]).await;
    assert_eq!(response.status, 400, "{}", response.body);
    assert_eq!(
        element(&response.body, "Code"),
        Some("PackedPolicyTooLarge"),
        "{}",
        response.body
    );
    let message = element(&response.body, "Message").unwrap();
    assert!(
        message.starts_with("Packed policy consumes 10")
            && message.ends_with("% of allotted space, please use smaller policy."),
        "{message}"
    );
    // The same policy without the tag fits.
    let response = assume(
        &server,
        &Assertion::at(&server).signed(),
        &[("Policy", &policy)],
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.body);
}

#[tokio::test]
async fn with_aws_recipients_a_response_addressed_to_aws_is_accepted_under_the_standard_trust_policy()
 {
    let file = File {
        account_id: Some(ACCOUNT.into()),
        aws_recipients: Some(true),
        ..File::default()
    };
    let server = TestServer::start_with(&file, "sqlite::memory:")
        .await
        .unwrap();
    add_provider(&server, "ExampleIdP").await;
    // The trust policy the IAM console writes for "programmatic and console access".
    add_role(
        &server,
        "ConnectAgent",
        ROLE_ID,
        &trust_policy(PROVIDER_ARN, "https://signin.aws.amazon.com/saml"),
        3_600,
    )
    .await;
    let mut aws = Assertion::at(&server);
    aws.recipient = "https://signin.aws.amazon.com/saml".into();
    let response = assume(&server, &aws.signed(), &[]).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(
        element(&response.body, "Audience"),
        Some("https://signin.aws.amazon.com/saml")
    );
    // The regional ACS is accepted as a recipient, but `SAML:aud` is the Recipient: the
    // single-valued condition above refuses it (regional isolation, as on AWS).
    let mut regional = Assertion::at(&server);
    regional.recipient = "https://eu-west-2.signin.aws.amazon.com/saml".into();
    let response = assume(&server, &regional.signed(), &[]).await;
    assert_error(
        &response,
        403,
        "AccessDenied",
        "Not authorized to perform sts:AssumeRoleWithSAML",
    );
}

#[tokio::test]
async fn two_concurrent_redemptions_of_one_response_yield_one_session() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("shared.db").display().to_string();
    let key = Some(dir.path().join("sealing-key"));
    let one = start_on(&database, key.clone()).await;
    let two = start_on(&database, key).await;
    seed(&one).await;
    let saml = Assertion::at(&one).signed();
    let (a, b) = tokio::join!(assume(&one, &saml, &[]), assume(&two, &saml, &[]));
    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 400], "{}\n{}", a.body, b.body);
}

#[tokio::test]
async fn the_audit_event_records_the_source_address() {
    use axum::body::Body;
    use axum::extract::ConnectInfo;
    use axum::http::Request;

    let server = start().await;
    seed(&server).await;
    let saml = Assertion::at(&server).signed();
    let body = fedgate::testing::form([
        ("Action", "AssumeRoleWithSAML"),
        ("Version", "2011-06-15"),
        ("RoleArn", ROLE_ARN),
        ("PrincipalArn", PROVIDER_ARN),
        ("SAMLAssertion", saml.as_str()),
    ]);
    let address: std::net::SocketAddr = "192.0.2.7:50123".parse().unwrap();
    let request = Request::builder()
        .method("POST")
        .uri("/")
        .header("content-type", "application/x-www-form-urlencoded")
        .extension(ConnectInfo(address))
        .body(Body::from(body))
        .unwrap();
    let response = server.send(request).await;
    assert_eq!(response.status, 200, "{}", response.body);
    let events = server.state.store.recent_audit(1).await.unwrap();
    let detail: serde_json::Value = serde_json::from_str(&events[0].event.detail).unwrap();
    assert_eq!(detail["source"], "192.0.2.7:50123");
    assert_eq!(detail["subject"], "alice@example.test");
    assert_eq!(
        events[0].event.request_id,
        response.headers["x-amzn-requestid"].to_str().unwrap()
    );
}
