//! The IAM API over the whole application (in-memory SQLite, SigV4-signed calls): each action's
//! happy path with the elements botocore reads, AWS's validation errors, conflicts, pagination,
//! URL-encoded documents, and the authorization of role sessions.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "tests: a failure here is a test failure"
)]

use fedgate::secret::Secret;
use fedgate::sts::credentials::SessionClaims;
use fedgate::testing::{Credentials, TestResponse, TestServer};

const IDP_METADATA: &str = include_str!("../../saml/tests/corpus/metadata/idp.xml");
const AGGREGATE_METADATA: &str = include_str!("../../saml/tests/corpus/metadata/aggregate-10.xml");
const KEY_512_METADATA: &str = include_str!("../../saml/tests/corpus/metadata/key-512.xml");
const NO_KEY_METADATA: &str = include_str!("../../saml/tests/corpus/metadata/no-signing-key.xml");

/// A server and its administrator (the account root).
struct Iam {
    server: TestServer,
    admin: Credentials,
}

impl Iam {
    async fn start() -> Self {
        let server = TestServer::start().await.unwrap();
        let admin = server.admin();
        Self { server, admin }
    }

    fn account(&self) -> String {
        self.server.state.account.id.as_str().to_owned()
    }

    async fn call(&self, params: &[(&str, &str)]) -> TestResponse {
        self.server.query("iam", params, Some(&self.admin)).await
    }

    async fn call_as(&self, credentials: &Credentials, params: &[(&str, &str)]) -> TestResponse {
        self.server.query("iam", params, Some(credentials)).await
    }

    /// A call that must succeed.
    async fn ok(&self, params: &[(&str, &str)]) -> TestResponse {
        let response = self.call(params).await;
        assert_eq!(response.status, 200, "{params:?}: {}", response.body);
        response
    }

    /// A call that must fail with `code`, `status` and exactly `message`.
    async fn fails(&self, params: &[(&str, &str)], status: u16, code: &str, message: &str) {
        let response = self.call(params).await;
        assert_error(&response, status, code, message);
    }

    async fn create_role(&self, name: &str) -> TestResponse {
        let trust = self.trust_policy();
        self.ok(&[
            ("Action", "CreateRole"),
            ("RoleName", name),
            ("AssumeRolePolicyDocument", &trust),
        ])
        .await
    }

    async fn create_policy(&self, name: &str, document: &str) -> TestResponse {
        self.ok(&[
            ("Action", "CreatePolicy"),
            ("PolicyName", name),
            ("PolicyDocument", document),
        ])
        .await
    }

    fn trust_policy(&self) -> String {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Federated":"arn:aws:iam::{}:saml-provider/Okta"}},"Action":"sts:AssumeRoleWithSAML","Condition":{{"StringEquals":{{"SAML:aud":"https://signin.aws.amazon.com/saml"}}}}}}]}}"#,
            self.account()
        )
    }

    fn policy_arn(&self, path_and_name: &str) -> String {
        format!("arn:aws:iam::{}:policy{path_and_name}", self.account())
    }

    fn provider_arn(&self, name: &str) -> String {
        format!("arn:aws:iam::{}:saml-provider/{name}", self.account())
    }

    /// Credentials of a session of `role` named `session`, as AssumeRoleWithSAML mints them.
    fn session(&self, role: &str, role_id: &str, session: &str) -> Credentials {
        let (access_key_id, secret) = SessionClaims::new_key_pair();
        let now = self.server.state.clock.now().unix_timestamp();
        let claims = SessionClaims {
            access_key_id: access_key_id.clone(),
            secret_access_key: Secret::new(secret.expose().clone()),
            account: self.account(),
            role_name: role.to_owned(),
            role_path: "/".to_owned(),
            role_id: role_id.to_owned(),
            session_name: session.to_owned(),
            tags: Vec::new(),
            source_identity: None,
            saml: Vec::new(),
            session_policies: Vec::new(),
            issued: now,
            expires: now + 3600,
        };
        Credentials {
            access_key_id,
            secret_access_key: secret.expose().clone(),
            session_token: Some(claims.seal(&self.server.state.keys)),
        }
    }
}

fn assert_error(response: &TestResponse, status: u16, code: &str, message: &str) {
    assert_eq!(response.status, status, "{}", response.body);
    assert_eq!(
        text(&response.body, "Code").as_deref(),
        Some(code),
        "{}",
        response.body
    );
    assert_eq!(
        text(&response.body, "Message").as_deref(),
        Some(message),
        "{}",
        response.body
    );
    assert_eq!(text(&response.body, "Type").as_deref(), Some("Sender"));
}

/// The text of the first element named `name`.
fn text(body: &str, name: &str) -> Option<String> {
    let doc = roxmltree::Document::parse(body).unwrap();
    doc.descendants()
        .find(|n| n.tag_name().name() == name)
        .map(|n| n.text().unwrap_or_default().to_owned())
}

/// The texts of every element named `name`.
fn texts(body: &str, name: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(body).unwrap();
    doc.descendants()
        .filter(|n| n.tag_name().name() == name)
        .map(|n| n.text().unwrap_or_default().to_owned())
        .collect()
}

fn has(body: &str, name: &str) -> bool {
    let doc = roxmltree::Document::parse(body).unwrap();
    doc.descendants().any(|n| n.tag_name().name() == name)
}

/// What botocore's `unquote` does.
fn unquote(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

const ALLOW_S3: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::example_bucket"}]}"#;

// --- SAML providers ----------------------------------------------------------------------------

#[tokio::test]
async fn saml_provider_lifecycle_returns_what_botocore_reads() {
    let iam = Iam::start().await;
    let arn = iam.provider_arn("Okta");
    let created = iam
        .ok(&[
            ("Action", "CreateSAMLProvider"),
            ("Name", "Okta"),
            ("SAMLMetadataDocument", IDP_METADATA),
            ("Tags.member.1.Key", "team"),
            ("Tags.member.1.Value", "contact-center"),
        ])
        .await;
    assert_eq!(text(&created.body, "SAMLProviderArn"), Some(arn.clone()));
    assert!(created.body.starts_with(
        "<CreateSAMLProviderResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><CreateSAMLProviderResult>"
    ));
    assert_eq!(texts(&created.body, "Key"), ["team"]);

    let got = iam
        .ok(&[("Action", "GetSAMLProvider"), ("SAMLProviderArn", &arn)])
        .await;
    let uuid = text(&got.body, "SAMLProviderUUID").unwrap();
    assert!(
        uuid.len() >= 22
            && uuid
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()),
        "{uuid}"
    );
    assert_eq!(
        text(&got.body, "SAMLMetadataDocument").as_deref(),
        Some(IDP_METADATA)
    );
    assert_eq!(
        text(&got.body, "CreateDate").as_deref(),
        Some("2030-01-01T00:00:00Z")
    );
    // No validUntil in the metadata: a hundred years, as AWS.
    assert_eq!(
        text(&got.body, "ValidUntil").as_deref(),
        Some("2130-01-01T00:00:00Z")
    );
    assert_eq!(texts(&got.body, "Value"), ["contact-center"]);
    assert_eq!(
        text(&got.body, "AssertionEncryptionMode").as_deref(),
        Some("Allowed")
    );
    assert!(has(&got.body, "PrivateKeyList"));

    let listed = iam.ok(&[("Action", "ListSAMLProviders")]).await;
    assert_eq!(texts(&listed.body, "Arn"), std::slice::from_ref(&arn));
    assert_eq!(
        text(&listed.body, "ValidUntil").as_deref(),
        Some("2130-01-01T00:00:00Z")
    );
    assert_eq!(
        text(&listed.body, "CreateDate").as_deref(),
        Some("2030-01-01T00:00:00Z")
    );

    let updated = iam
        .ok(&[
            ("Action", "UpdateSAMLProvider"),
            ("SAMLProviderArn", &arn),
            ("SAMLMetadataDocument", AGGREGATE_METADATA),
        ])
        .await;
    assert_eq!(text(&updated.body, "SAMLProviderArn"), Some(arn.clone()));
    let got = iam
        .ok(&[("Action", "GetSAMLProvider"), ("SAMLProviderArn", &arn)])
        .await;
    assert_eq!(
        text(&got.body, "ValidUntil").as_deref(),
        Some("2040-01-01T00:00:00Z")
    );
    assert_eq!(
        text(&got.body, "SAMLMetadataDocument").as_deref(),
        Some(AGGREGATE_METADATA)
    );
    assert_eq!(text(&got.body, "SAMLProviderUUID"), Some(uuid));

    iam.ok(&[("Action", "DeleteSAMLProvider"), ("SAMLProviderArn", &arn)])
        .await;
    let message = format!("Manifest not found for arn {arn}");
    for action in [
        "GetSAMLProvider",
        "DeleteSAMLProvider",
        "UpdateSAMLProvider",
    ] {
        iam.fails(
            &[("Action", action), ("SAMLProviderArn", &arn)],
            404,
            "NoSuchEntity",
            &message,
        )
        .await;
    }
    let listed = iam.ok(&[("Action", "ListSAMLProviders")]).await;
    assert!(texts(&listed.body, "Arn").is_empty());
    assert!(has(&listed.body, "SAMLProviderList"));
}

#[tokio::test]
async fn saml_provider_tags_are_added_replaced_listed_and_removed() {
    let iam = Iam::start().await;
    let arn = iam.provider_arn("Okta");
    iam.ok(&[
        ("Action", "CreateSAMLProvider"),
        ("Name", "Okta"),
        ("SAMLMetadataDocument", IDP_METADATA),
    ])
    .await;
    iam.ok(&[
        ("Action", "TagSAMLProvider"),
        ("SAMLProviderArn", &arn),
        ("Tags.member.1.Key", "b"),
        ("Tags.member.1.Value", "1"),
        ("Tags.member.2.Key", "a"),
        ("Tags.member.2.Value", ""),
        ("Tags.member.3.Key", "A"),
        ("Tags.member.3.Value", "upper"),
    ])
    .await;
    iam.ok(&[
        ("Action", "TagSAMLProvider"),
        ("SAMLProviderArn", &arn),
        ("Tags.member.1.Key", "b"),
        ("Tags.member.1.Value", "2"),
    ])
    .await;
    let listed = iam
        .ok(&[
            ("Action", "ListSAMLProviderTags"),
            ("SAMLProviderArn", &arn),
        ])
        .await;
    assert_eq!(texts(&listed.body, "Key"), ["A", "a", "b"]);
    assert_eq!(texts(&listed.body, "Value"), ["upper", "", "2"]);
    assert_eq!(text(&listed.body, "IsTruncated").as_deref(), Some("false"));

    let first = iam
        .ok(&[
            ("Action", "ListSAMLProviderTags"),
            ("SAMLProviderArn", &arn),
            ("MaxItems", "2"),
        ])
        .await;
    assert_eq!(texts(&first.body, "Key"), ["A", "a"]);
    assert_eq!(text(&first.body, "IsTruncated").as_deref(), Some("true"));
    let marker = text(&first.body, "Marker").unwrap();
    let second = iam
        .ok(&[
            ("Action", "ListSAMLProviderTags"),
            ("SAMLProviderArn", &arn),
            ("MaxItems", "2"),
            ("Marker", &marker),
        ])
        .await;
    assert_eq!(texts(&second.body, "Key"), ["b"]);
    assert!(!has(&second.body, "Marker"));

    iam.ok(&[
        ("Action", "UntagSAMLProvider"),
        ("SAMLProviderArn", &arn),
        ("TagKeys.member.1", "a"),
        ("TagKeys.member.2", "missing"),
    ])
    .await;
    let listed = iam
        .ok(&[
            ("Action", "ListSAMLProviderTags"),
            ("SAMLProviderArn", &arn),
        ])
        .await;
    assert_eq!(texts(&listed.body, "Key"), ["A", "b"]);

    iam.fails(
        &[
            ("Action", "TagSAMLProvider"),
            ("SAMLProviderArn", &arn),
            ("Tags.member.1.Key", "x"),
            ("Tags.member.1.Value", "1"),
            ("Tags.member.2.Key", "x"),
            ("Tags.member.2.Value", "2"),
        ],
        400,
        "InvalidInput",
        "Duplicate tag keys found.",
    )
    .await;
    iam.fails(
        &[
            ("Action", "TagSAMLProvider"),
            ("SAMLProviderArn", &arn),
            ("Tags.member.1.Key", "bad#key"),
            ("Tags.member.1.Value", "1"),
        ],
        400,
        "ValidationError",
        r"1 validation error detected: Value at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+",
    )
    .await;
    iam.fails(
        &[("Action", "TagSAMLProvider"), ("SAMLProviderArn", &arn)],
        400,
        "ValidationError",
        "1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null",
    )
    .await;
    // 48 more keys make 50: allowed; one more is over the quota.
    let keys: Vec<String> = (0..48).map(|i| format!("k{i:02}")).collect();
    let mut params = vec![
        ("Action", "TagSAMLProvider"),
        ("SAMLProviderArn", arn.as_str()),
    ];
    let names: Vec<(String, String)> = (1..=48)
        .map(|i| {
            (
                format!("Tags.member.{i}.Key"),
                format!("Tags.member.{i}.Value"),
            )
        })
        .collect();
    for (i, key) in keys.iter().enumerate() {
        params.push((names[i].0.as_str(), key.as_str()));
        params.push((names[i].1.as_str(), "v"));
    }
    iam.ok(&params).await;
    iam.fails(
        &[
            ("Action", "TagSAMLProvider"),
            ("SAMLProviderArn", &arn),
            ("Tags.member.1.Key", "one-too-many"),
            ("Tags.member.1.Value", "v"),
        ],
        409,
        "LimitExceeded",
        "Cannot exceed quota for TagsPerResource: 50",
    )
    .await;
}

#[tokio::test]
async fn saml_provider_input_is_validated_as_aws_does() {
    let iam = Iam::start().await;
    let short = "<md:EntityDescriptor/>";
    iam.fails(
        &[
            ("Action", "CreateSAMLProvider"),
            ("Name", "Okta"),
            ("SAMLMetadataDocument", short),
        ],
        400,
        "ValidationError",
        &format!("1 validation error detected: Value '{short}' at 'sAMLMetadataDocument' failed to satisfy constraint: Member must have length greater than or equal to 1000"),
    )
    .await;
    iam.fails(
        &[
            ("Action", "CreateSAMLProvider"),
            ("Name", "Okta/1"),
            ("SAMLMetadataDocument", IDP_METADATA),
        ],
        400,
        "ValidationError",
        r"1 validation error detected: Value 'Okta/1' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w._-]+",
    )
    .await;
    let missing = iam.call(&[("Action", "CreateSAMLProvider")]).await;
    assert_error(
        &missing,
        400,
        "ValidationError",
        "2 validation errors detected: Value null at 'sAMLMetadataDocument' failed to satisfy constraint: Member must not be null; Value null at 'name' failed to satisfy constraint: Member must not be null",
    );
    let weak = iam
        .call(&[
            ("Action", "CreateSAMLProvider"),
            ("Name", "Weak"),
            ("SAMLMetadataDocument", KEY_512_METADATA),
        ])
        .await;
    assert_eq!(text(&weak.body, "Code").as_deref(), Some("InvalidInput"));
    assert!(
        text(&weak.body, "Message")
            .unwrap()
            .starts_with("Could not parse metadata: "),
        "{}",
        weak.body
    );
    iam.fails(
        &[
            ("Action", "CreateSAMLProvider"),
            ("Name", "NoKey"),
            ("SAMLMetadataDocument", NO_KEY_METADATA),
        ],
        400,
        "InvalidInput",
        "Could not parse metadata: the identity provider `https://idp.example.test/saml` has no signing certificate",
    )
    .await;
    iam.fails(
        &[
            ("Action", "CreateSAMLProvider"),
            ("Name", "Okta"),
            ("SAMLMetadataDocument", IDP_METADATA),
            ("AssertionEncryptionMode", "Required"),
        ],
        400,
        "InvalidInput",
        "AssertionEncryptionMode Required is not supported: fedgate does not decrypt assertions.",
    )
    .await;
    iam.fails(
        &[
            ("Action", "CreateSAMLProvider"),
            ("Name", "Okta"),
            ("SAMLMetadataDocument", IDP_METADATA),
            ("AssertionEncryptionMode", "Sometimes"),
        ],
        400,
        "ValidationError",
        "1 validation error detected: Value 'Sometimes' at 'assertionEncryptionMode' failed to satisfy constraint: Member must satisfy enum value set: [Required, Allowed]",
    )
    .await;
    iam.ok(&[
        ("Action", "CreateSAMLProvider"),
        ("Name", "Okta"),
        ("SAMLMetadataDocument", IDP_METADATA),
        ("AssertionEncryptionMode", "Allowed"),
    ])
    .await;
    iam.fails(
        &[
            ("Action", "CreateSAMLProvider"),
            ("Name", "OKTA"),
            ("SAMLMetadataDocument", IDP_METADATA),
        ],
        409,
        "EntityAlreadyExists",
        "SAMLProvider with name OKTA already exists.",
    )
    .await;
    iam.fails(
        &[
            ("Action", "GetSAMLProvider"),
            ("SAMLProviderArn", "arn:aws:iam::123:saml-provider/x"),
        ],
        400,
        "ValidationError",
        "ARN arn:aws:iam::123:saml-provider/x is not valid.",
    )
    .await;
    let elsewhere = "arn:aws:iam::999999999999:saml-provider/Okta";
    iam.fails(
        &[
            ("Action", "GetSAMLProvider"),
            ("SAMLProviderArn", elsewhere),
        ],
        404,
        "NoSuchEntity",
        &format!("Manifest not found for arn {elsewhere}"),
    )
    .await;
    iam.fails(
        &[("Action", "GetSAMLProvider"), ("SAMLProviderArn", "short")],
        400,
        "ValidationError",
        "1 validation error detected: Value 'short' at 'sAMLProviderArn' failed to satisfy constraint: Member must have length greater than or equal to 20",
    )
    .await;
}

#[tokio::test]
async fn an_account_has_at_most_a_hundred_saml_providers() {
    let iam = Iam::start().await;
    for i in 0..100 {
        let name = format!("p{i:03}");
        iam.ok(&[
            ("Action", "CreateSAMLProvider"),
            ("Name", &name),
            ("SAMLMetadataDocument", IDP_METADATA),
        ])
        .await;
    }
    iam.fails(
        &[
            ("Action", "CreateSAMLProvider"),
            ("Name", "p100"),
            ("SAMLMetadataDocument", IDP_METADATA),
        ],
        409,
        "LimitExceeded",
        "Cannot exceed quota for SAMLProvidersPerAccount: 100",
    )
    .await;
}

// --- roles -------------------------------------------------------------------------------------

#[tokio::test]
async fn role_lifecycle_returns_what_botocore_reads() {
    let iam = Iam::start().await;
    let account = iam.account();
    let trust = iam.trust_policy();
    let created = iam
        .ok(&[
            ("Action", "CreateRole"),
            ("RoleName", "ConnectAgent"),
            ("Path", "/connect/"),
            ("AssumeRolePolicyDocument", &trust),
            ("Description", "Agents signing in with Okta"),
            ("MaxSessionDuration", "43200"),
            ("Tags.member.1.Key", "team"),
            ("Tags.member.1.Value", "cc"),
        ])
        .await;
    let body = &created.body;
    assert_eq!(text(body, "RoleName").as_deref(), Some("ConnectAgent"));
    assert_eq!(text(body, "Path").as_deref(), Some("/connect/"));
    assert_eq!(
        text(body, "Arn"),
        Some(format!("arn:aws:iam::{account}:role/connect/ConnectAgent"))
    );
    let role_id = text(body, "RoleId").unwrap();
    assert!(
        role_id.starts_with("AROA") && role_id.len() == 21,
        "{role_id}"
    );
    assert_eq!(
        text(body, "CreateDate").as_deref(),
        Some("2030-01-01T00:00:00Z")
    );
    assert_eq!(
        unquote(&text(body, "AssumeRolePolicyDocument").unwrap()),
        trust
    );
    assert_eq!(texts(body, "Key"), ["team"]);
    // As AWS: CreateRole returns neither the description nor MaxSessionDuration.
    assert!(!has(body, "Description") && !has(body, "MaxSessionDuration"));

    let got = iam
        .ok(&[("Action", "GetRole"), ("RoleName", "connectagent")])
        .await;
    let body = &got.body;
    assert_eq!(text(body, "RoleName").as_deref(), Some("ConnectAgent"));
    assert_eq!(text(body, "RoleId"), Some(role_id.clone()));
    assert_eq!(
        text(body, "Description").as_deref(),
        Some("Agents signing in with Okta")
    );
    assert_eq!(text(body, "MaxSessionDuration").as_deref(), Some("43200"));
    assert!(has(body, "RoleLastUsed"));
    assert_eq!(texts(body, "Value"), ["cc"]);

    iam.ok(&[
        ("Action", "UpdateRole"),
        ("RoleName", "ConnectAgent"),
        ("Description", "updated"),
        ("MaxSessionDuration", "3600"),
    ])
    .await;
    let got = iam
        .ok(&[("Action", "GetRole"), ("RoleName", "ConnectAgent")])
        .await;
    assert_eq!(text(&got.body, "Description").as_deref(), Some("updated"));
    assert_eq!(
        text(&got.body, "MaxSessionDuration").as_deref(),
        Some("3600")
    );

    let new_trust = trust.replace("Okta", "Entra");
    iam.ok(&[
        ("Action", "UpdateAssumeRolePolicy"),
        ("RoleName", "ConnectAgent"),
        ("PolicyDocument", &new_trust),
    ])
    .await;
    let got = iam
        .ok(&[("Action", "GetRole"), ("RoleName", "ConnectAgent")])
        .await;
    assert_eq!(
        unquote(&text(&got.body, "AssumeRolePolicyDocument").unwrap()),
        new_trust
    );

    iam.create_role("Other").await;
    let listed = iam
        .ok(&[("Action", "ListRoles"), ("PathPrefix", "/connect/")])
        .await;
    assert_eq!(texts(&listed.body, "RoleName"), ["ConnectAgent"]);
    assert_eq!(text(&listed.body, "IsTruncated").as_deref(), Some("false"));
    assert!(!has(&listed.body, "Tags") && !has(&listed.body, "RoleLastUsed"));
    assert_eq!(
        text(&listed.body, "MaxSessionDuration").as_deref(),
        Some("3600")
    );
    let all = iam.ok(&[("Action", "ListRoles")]).await;
    assert_eq!(texts(&all.body, "RoleName"), ["ConnectAgent", "Other"]);

    let deleted = iam
        .ok(&[("Action", "DeleteRole"), ("RoleName", "ConnectAgent")])
        .await;
    assert!(deleted.body.starts_with("<DeleteRoleResponse"));
    for action in ["GetRole", "DeleteRole", "UpdateRole"] {
        iam.fails(
            &[("Action", action), ("RoleName", "ConnectAgent")],
            404,
            "NoSuchEntity",
            "The role with name ConnectAgent cannot be found.",
        )
        .await;
    }
}

#[tokio::test]
async fn role_input_is_validated_as_aws_does() {
    let iam = Iam::start().await;
    let trust = iam.trust_policy();
    let long = "r".repeat(65);
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (
            vec![("RoleName", &long)],
            "Member must have length less than or equal to 64",
        ),
        (
            vec![("RoleName", "a b")],
            r"Member must satisfy regular expression pattern: [\w+=,.@-]+",
        ),
        (
            vec![("RoleName", "ok"), ("MaxSessionDuration", "3599")],
            "Member must have value greater than or equal to 3600",
        ),
        (
            vec![("RoleName", "ok"), ("MaxSessionDuration", "43201")],
            "Member must have value less than or equal to 43200",
        ),
        (
            vec![("RoleName", "ok"), ("Path", "noslash")],
            r"Member must satisfy regular expression pattern: (\u002F)|(\u002F[\u0021-\u007E]+\u002F)",
        ),
        (
            vec![("RoleName", "ok"), ("Path", "/a b/")],
            r"Member must satisfy regular expression pattern: (\u002F)|(\u002F[\u0021-\u007E]+\u002F)",
        ),
    ];
    for (extra, constraint) in cases {
        let mut params = vec![
            ("Action", "CreateRole"),
            ("AssumeRolePolicyDocument", trust.as_str()),
        ];
        params.extend(extra);
        let response = iam.call(&params).await;
        assert_eq!(response.status, 400, "{}", response.body);
        assert_eq!(
            text(&response.body, "Code").as_deref(),
            Some("ValidationError")
        );
        let message = text(&response.body, "Message").unwrap();
        assert!(
            message.starts_with("1 validation error detected: Value '")
                && message.ends_with(constraint),
            "{message}"
        );
    }
    iam.fails(
        &[
            ("Action", "CreateRole"),
            ("RoleName", "ok"),
            ("AssumeRolePolicyDocument", "{not json"),
        ],
        400,
        "MalformedPolicyDocument",
        "Syntax errors in policy.",
    )
    .await;
    let padded = trust.replace(
        "\"Condition\"",
        &format!("\"Sid\":\"{}\",\"Condition\"", "s".repeat(2048)),
    );
    iam.fails(
        &[
            ("Action", "CreateRole"),
            ("RoleName", "ok"),
            ("AssumeRolePolicyDocument", &padded),
        ],
        409,
        "LimitExceeded",
        "Cannot exceed quota for ACLSizePerRole: 2048",
    )
    .await;
    iam.fails(
        &[
            ("Action", "CreateRole"),
            ("RoleName", "ok"),
            ("AssumeRolePolicyDocument", &trust),
            ("PermissionsBoundary", &iam.policy_arn("/Boundary")),
        ],
        400,
        "InvalidInput",
        "PermissionsBoundary is not supported: fedgate does not evaluate permissions boundaries.",
    )
    .await;
    iam.fails(
        &[
            ("Action", "CreateRole"),
            ("RoleName", "ok"),
            ("AssumeRolePolicyDocument", &trust),
            ("Tags.member.1.Key", "Team"),
            ("Tags.member.1.Value", "a"),
            ("Tags.member.2.Key", "team"),
            ("Tags.member.2.Value", "b"),
        ],
        400,
        "InvalidInput",
        "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
    )
    .await;
    let keys: Vec<(String, String)> = (1..=51)
        .map(|i| (format!("Tags.member.{i}.Key"), format!("k{i}")))
        .collect();
    let mut params = vec![
        ("Action", "CreateRole"),
        ("RoleName", "ok"),
        ("AssumeRolePolicyDocument", trust.as_str()),
    ];
    let values: Vec<String> = (1..=51).map(|i| format!("Tags.member.{i}.Value")).collect();
    for (i, (name, key)) in keys.iter().enumerate() {
        params.push((name.as_str(), key.as_str()));
        params.push((values[i].as_str(), "v"));
    }
    iam.fails(
        &params,
        400,
        "ValidationError",
        "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50",
    )
    .await;
    iam.fails(
        &[
            ("Action", "CreateRole"),
            ("RoleName", "ok"),
            ("AssumeRolePolicyDocument", &trust),
            ("Tags.member.1.Key", "k"),
            ("Tags.member.1.Value", &"v".repeat(257)),
        ],
        400,
        "ValidationError",
        "1 validation error detected: Value at 'tags.1.member.value' failed to satisfy constraint: Member must have length less than or equal to 256",
    )
    .await;

    iam.create_role("Agent").await;
    iam.fails(
        &[
            ("Action", "CreateRole"),
            ("RoleName", "AGENT"),
            ("AssumeRolePolicyDocument", &trust),
        ],
        409,
        "EntityAlreadyExists",
        "Role with name AGENT already exists.",
    )
    .await;
    iam.fails(
        &[
            ("Action", "UpdateAssumeRolePolicy"),
            ("RoleName", "Agent"),
            ("PolicyDocument", ALLOW_S3),
        ],
        400,
        "MalformedPolicyDocument",
        "Trust Policy statement actions can only be sts:AssumeRole, sts:AssumeRoleWithSAML,  and sts:AssumeRoleWithWebIdentity",
    )
    .await;
    iam.fails(
        &[
            ("Action", "UpdateRole"),
            ("RoleName", "Agent"),
            ("MaxSessionDuration", "1e4"),
        ],
        400,
        "ValidationError",
        "1 validation error detected: Value '1e4' at 'maxSessionDuration' failed to satisfy constraint: Member must be an integer",
    )
    .await;
}

#[tokio::test]
async fn a_role_with_policies_cannot_be_deleted() {
    let iam = Iam::start().await;
    iam.create_role("Agent").await;
    iam.ok(&[
        ("Action", "PutRolePolicy"),
        ("RoleName", "Agent"),
        ("PolicyName", "inline"),
        ("PolicyDocument", ALLOW_S3),
    ])
    .await;
    iam.fails(
        &[("Action", "DeleteRole"), ("RoleName", "Agent")],
        409,
        "DeleteConflict",
        "Cannot delete entity, must delete policies first.",
    )
    .await;
    iam.create_policy("managed", ALLOW_S3).await;
    let arn = iam.policy_arn("/managed");
    iam.ok(&[
        ("Action", "AttachRolePolicy"),
        ("RoleName", "Agent"),
        ("PolicyArn", &arn),
    ])
    .await;
    iam.fails(
        &[("Action", "DeleteRole"), ("RoleName", "Agent")],
        409,
        "DeleteConflict",
        "Cannot delete entity, must detach all policies first.",
    )
    .await;
    iam.ok(&[
        ("Action", "DetachRolePolicy"),
        ("RoleName", "Agent"),
        ("PolicyArn", &arn),
    ])
    .await;
    iam.ok(&[
        ("Action", "DeleteRolePolicy"),
        ("RoleName", "Agent"),
        ("PolicyName", "inline"),
    ])
    .await;
    iam.ok(&[("Action", "DeleteRole"), ("RoleName", "Agent")])
        .await;
}

// --- inline policies ---------------------------------------------------------------------------

#[tokio::test]
async fn inline_policies_round_trip_url_encoded() {
    let iam = Iam::start().await;
    iam.create_role("Agent").await;
    // Spaces, newlines, `+`, `/`, `%`, `&`, `<` and Latin-1 text: all survive the round trip.
    let document = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\"Sid\": \"ReadOnly\", \"Effect\": \"Allow\",\n   \"Action\": \"s3:GetObject\",\n   \"Resource\": \"arn:aws:s3:::bucket/a+b c%20/caf\u{e9}&<x>\"}]\n}";
    iam.ok(&[
        ("Action", "PutRolePolicy"),
        ("RoleName", "Agent"),
        ("PolicyName", "read"),
        ("PolicyDocument", document),
    ])
    .await;
    let got = iam
        .ok(&[
            ("Action", "GetRolePolicy"),
            ("RoleName", "agent"),
            ("PolicyName", "read"),
        ])
        .await;
    assert_eq!(text(&got.body, "RoleName").as_deref(), Some("Agent"));
    assert_eq!(text(&got.body, "PolicyName").as_deref(), Some("read"));
    let encoded = text(&got.body, "PolicyDocument").unwrap();
    assert!(
        encoded.starts_with("%7B%0A%20%20%22Version%22%3A%20%222012-10-17%22"),
        "{encoded}"
    );
    assert!(
        !encoded.contains(' ') && !encoded.contains('+'),
        "{encoded}"
    );
    assert_eq!(unquote(&encoded), document);

    // Replacing keeps one policy of that name.
    iam.ok(&[
        ("Action", "PutRolePolicy"),
        ("RoleName", "Agent"),
        ("PolicyName", "read"),
        ("PolicyDocument", ALLOW_S3),
    ])
    .await;
    iam.ok(&[
        ("Action", "PutRolePolicy"),
        ("RoleName", "Agent"),
        ("PolicyName", "another"),
        ("PolicyDocument", ALLOW_S3),
    ])
    .await;
    let listed = iam
        .ok(&[("Action", "ListRolePolicies"), ("RoleName", "Agent")])
        .await;
    assert_eq!(texts(&listed.body, "member"), ["another", "read"]);
    assert_eq!(text(&listed.body, "IsTruncated").as_deref(), Some("false"));

    iam.ok(&[
        ("Action", "DeleteRolePolicy"),
        ("RoleName", "Agent"),
        ("PolicyName", "read"),
    ])
    .await;
    for action in ["GetRolePolicy", "DeleteRolePolicy"] {
        iam.fails(
            &[
                ("Action", action),
                ("RoleName", "Agent"),
                ("PolicyName", "read"),
            ],
            404,
            "NoSuchEntity",
            "The role policy with name read cannot be found.",
        )
        .await;
    }
    for action in ["GetRolePolicy", "DeleteRolePolicy", "PutRolePolicy"] {
        iam.fails(
            &[
                ("Action", action),
                ("RoleName", "Missing"),
                ("PolicyName", "read"),
                ("PolicyDocument", ALLOW_S3),
            ],
            404,
            "NoSuchEntity",
            "The role with name Missing cannot be found.",
        )
        .await;
    }
}

#[tokio::test]
async fn inline_policies_are_validated_and_limited() {
    let iam = Iam::start().await;
    iam.create_role("Agent").await;
    let no_resource =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket"}]}"#;
    iam.fails(
        &[
            ("Action", "PutRolePolicy"),
            ("RoleName", "Agent"),
            ("PolicyName", "p"),
            ("PolicyDocument", no_resource),
        ],
        400,
        "MalformedPolicyDocument",
        "Policy statement must contain resources.",
    )
    .await;
    iam.fails(
        &[
            ("Action", "PutRolePolicy"),
            ("RoleName", "Agent"),
            ("PolicyName", "p"),
            ("PolicyDocument", "{\"Statement\":\"\u{2603}\"}"),
        ],
        400,
        "ValidationError",
        "1 validation error detected: Value '{\"Statement\":\"\u{2603}\"}' at 'policyDocument' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+",
    )
    .await;
    // Two policies of about 6,000 characters each: together over 10,240.
    let big = |sid: &str| {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"{sid}{}","Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}}]}}"#,
            "x".repeat(6000)
        )
    };
    iam.ok(&[
        ("Action", "PutRolePolicy"),
        ("RoleName", "Agent"),
        ("PolicyName", "one"),
        ("PolicyDocument", &big("a")),
    ])
    .await;
    // Replacing the same policy does not count it twice.
    iam.ok(&[
        ("Action", "PutRolePolicy"),
        ("RoleName", "Agent"),
        ("PolicyName", "one"),
        ("PolicyDocument", &big("b")),
    ])
    .await;
    iam.fails(
        &[
            ("Action", "PutRolePolicy"),
            ("RoleName", "agent"),
            ("PolicyName", "two"),
            ("PolicyDocument", &big("c")),
        ],
        409,
        "LimitExceeded",
        "Maximum policy size of 10240 bytes exceeded for role Agent",
    )
    .await;
}

// --- managed policies --------------------------------------------------------------------------

#[tokio::test]
async fn managed_policy_lifecycle_returns_what_botocore_reads() {
    let iam = Iam::start().await;
    let arn = iam.policy_arn("/teams/cc/AgentAccess");
    let created = iam
        .ok(&[
            ("Action", "CreatePolicy"),
            ("PolicyName", "AgentAccess"),
            ("Path", "/teams/cc/"),
            ("PolicyDocument", ALLOW_S3),
            ("Description", "agents"),
            ("Tags.member.1.Key", "a"),
            ("Tags.member.1.Value", "1"),
            ("Tags.member.2.Key", "A"),
            ("Tags.member.2.Value", "2"),
        ])
        .await;
    let body = &created.body;
    assert_eq!(text(body, "Arn"), Some(arn.clone()));
    assert_eq!(text(body, "PolicyName").as_deref(), Some("AgentAccess"));
    assert_eq!(text(body, "Path").as_deref(), Some("/teams/cc/"));
    let id = text(body, "PolicyId").unwrap();
    assert!(id.starts_with("ANPA") && id.len() == 21, "{id}");
    assert_eq!(text(body, "DefaultVersionId").as_deref(), Some("v1"));
    assert_eq!(text(body, "AttachmentCount").as_deref(), Some("0"));
    assert_eq!(
        text(body, "PermissionsBoundaryUsageCount").as_deref(),
        Some("0")
    );
    assert_eq!(text(body, "IsAttachable").as_deref(), Some("true"));
    assert_eq!(
        text(body, "CreateDate").as_deref(),
        Some("2030-01-01T00:00:00Z")
    );
    assert_eq!(
        text(body, "UpdateDate").as_deref(),
        Some("2030-01-01T00:00:00Z")
    );
    assert!(!has(body, "Description"));
    assert_eq!(texts(body, "Key"), ["a", "A"]);

    let got = iam
        .ok(&[("Action", "GetPolicy"), ("PolicyArn", &arn)])
        .await;
    assert_eq!(text(&got.body, "Description").as_deref(), Some("agents"));
    assert_eq!(texts(&got.body, "Key").len(), 2);
    assert_eq!(text(&got.body, "PolicyId"), Some(id));

    let version = iam
        .ok(&[
            ("Action", "GetPolicyVersion"),
            ("PolicyArn", &arn),
            ("VersionId", "v1"),
        ])
        .await;
    assert_eq!(unquote(&text(&version.body, "Document").unwrap()), ALLOW_S3);
    assert_eq!(text(&version.body, "VersionId").as_deref(), Some("v1"));
    assert_eq!(
        text(&version.body, "IsDefaultVersion").as_deref(),
        Some("true")
    );
    assert_eq!(
        text(&version.body, "CreateDate").as_deref(),
        Some("2030-01-01T00:00:00Z")
    );
    iam.fails(
        &[
            ("Action", "GetPolicyVersion"),
            ("PolicyArn", &arn),
            ("VersionId", "v9"),
        ],
        404,
        "NoSuchEntity",
        &format!("Policy {arn} version v9 does not exist or is not attachable."),
    )
    .await;
    let missing = iam.policy_arn("/Missing");
    iam.fails(
        &[
            ("Action", "GetPolicyVersion"),
            ("PolicyArn", &missing),
            ("VersionId", "v1"),
        ],
        404,
        "NoSuchEntity",
        &format!("Policy {missing} version v1 does not exist or is not attachable."),
    )
    .await;
    iam.fails(
        &[
            ("Action", "GetPolicyVersion"),
            ("PolicyArn", &arn),
            ("VersionId", "1"),
        ],
        400,
        "ValidationError",
        r"1 validation error detected: Value '1' at 'versionId' failed to satisfy constraint: Member must satisfy regular expression pattern: v[1-9][0-9]*(\.[A-Za-z0-9-]*)?",
    )
    .await;

    iam.create_policy("Other", ALLOW_S3).await;
    let listed = iam
        .ok(&[("Action", "ListPolicies"), ("Scope", "Local")])
        .await;
    assert_eq!(texts(&listed.body, "PolicyName"), ["AgentAccess", "Other"]);
    assert!(!has(&listed.body, "Description") && !has(&listed.body, "Tags"));
    let prefixed = iam
        .ok(&[("Action", "ListPolicies"), ("PathPrefix", "/teams/")])
        .await;
    assert_eq!(texts(&prefixed.body, "PolicyName"), ["AgentAccess"]);
    let aws = iam
        .ok(&[("Action", "ListPolicies"), ("Scope", "AWS")])
        .await;
    assert!(texts(&aws.body, "PolicyName").is_empty());
    assert!(has(&aws.body, "Policies"));
    let attached = iam
        .ok(&[("Action", "ListPolicies"), ("OnlyAttached", "true")])
        .await;
    assert!(texts(&attached.body, "PolicyName").is_empty());

    iam.create_role("Agent").await;
    iam.ok(&[
        ("Action", "AttachRolePolicy"),
        ("RoleName", "Agent"),
        ("PolicyArn", &arn),
    ])
    .await;
    // Attaching again changes nothing.
    iam.ok(&[
        ("Action", "AttachRolePolicy"),
        ("RoleName", "Agent"),
        ("PolicyArn", &arn),
    ])
    .await;
    let attached = iam
        .ok(&[
            ("Action", "ListAttachedRolePolicies"),
            ("RoleName", "Agent"),
        ])
        .await;
    assert_eq!(texts(&attached.body, "PolicyName"), ["AgentAccess"]);
    assert_eq!(
        texts(&attached.body, "PolicyArn"),
        std::slice::from_ref(&arn)
    );
    assert_eq!(
        text(&attached.body, "IsTruncated").as_deref(),
        Some("false")
    );
    let filtered = iam
        .ok(&[
            ("Action", "ListAttachedRolePolicies"),
            ("RoleName", "Agent"),
            ("PathPrefix", "/other/"),
        ])
        .await;
    assert!(texts(&filtered.body, "PolicyName").is_empty());
    let only = iam
        .ok(&[("Action", "ListPolicies"), ("OnlyAttached", "true")])
        .await;
    assert_eq!(texts(&only.body, "PolicyName"), ["AgentAccess"]);
    assert_eq!(text(&only.body, "AttachmentCount").as_deref(), Some("1"));

    iam.fails(
        &[("Action", "DeletePolicy"), ("PolicyArn", &arn)],
        409,
        "DeleteConflict",
        "Cannot delete a policy attached to entities.",
    )
    .await;
    iam.ok(&[
        ("Action", "DetachRolePolicy"),
        ("RoleName", "Agent"),
        ("PolicyArn", &arn),
    ])
    .await;
    iam.fails(
        &[
            ("Action", "DetachRolePolicy"),
            ("RoleName", "Agent"),
            ("PolicyArn", &arn),
        ],
        404,
        "NoSuchEntity",
        &format!("Policy {arn} was not found."),
    )
    .await;
    iam.ok(&[("Action", "DeletePolicy"), ("PolicyArn", &arn)])
        .await;
    for action in ["GetPolicy", "DeletePolicy"] {
        iam.fails(
            &[("Action", action), ("PolicyArn", &arn)],
            404,
            "NoSuchEntity",
            &format!("Policy {arn} was not found."),
        )
        .await;
    }
}

#[tokio::test]
async fn managed_policy_errors_are_aws_errors() {
    let iam = Iam::start().await;
    iam.create_policy("Access", ALLOW_S3).await;
    iam.fails(
        &[
            ("Action", "CreatePolicy"),
            ("PolicyName", "ACCESS"),
            ("Path", "/elsewhere/"),
            ("PolicyDocument", ALLOW_S3),
        ],
        409,
        "EntityAlreadyExists",
        "A policy called ACCESS already exists. Duplicate names are not allowed.",
    )
    .await;
    let big = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"{}","Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}}]}}"#,
        "x".repeat(6200)
    );
    iam.fails(
        &[
            ("Action", "CreatePolicy"),
            ("PolicyName", "Big"),
            ("PolicyDocument", &big),
        ],
        409,
        "LimitExceeded",
        "Cannot exceed quota for PolicySize: 6144",
    )
    .await;
    iam.fails(
        &[
            ("Action", "CreatePolicy"),
            ("PolicyName", "p"),
            ("Path", "/no-trailing-slash"),
            ("PolicyDocument", ALLOW_S3),
        ],
        400,
        "ValidationError",
        r"1 validation error detected: Value '/no-trailing-slash' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: ((/[A-Za-z0-9\.,\+@=_-]+)*)/",
    )
    .await;
    iam.fails(
        &[
            ("Action", "GetPolicy"),
            ("PolicyArn", "longpolicynamebutnoarn"),
        ],
        400,
        "ValidationError",
        "ARN longpolicynamebutnoarn is not valid.",
    )
    .await;
    let managed = "arn:aws:iam::aws:policy/AdministratorAccess";
    iam.fails(
        &[("Action", "GetPolicy"), ("PolicyArn", managed)],
        404,
        "NoSuchEntity",
        &format!("Policy {managed} was not found."),
    )
    .await;
    iam.create_role("Agent").await;
    let missing = iam.policy_arn("/nonexistent-policy");
    iam.fails(
        &[
            ("Action", "AttachRolePolicy"),
            ("RoleName", "Agent"),
            ("PolicyArn", &missing),
        ],
        404,
        "NoSuchEntity",
        &format!("Policy {missing} does not exist or is not attachable."),
    )
    .await;
    iam.fails(
        &[
            ("Action", "AttachRolePolicy"),
            ("RoleName", "Nobody"),
            ("PolicyArn", &iam.policy_arn("/Access")),
        ],
        404,
        "NoSuchEntity",
        "The role with name Nobody cannot be found.",
    )
    .await;
    iam.fails(
        &[("Action", "ListPolicies"), ("Scope", "Mine")],
        400,
        "ValidationError",
        "1 validation error detected: Value 'Mine' at 'scope' failed to satisfy constraint: Member must satisfy enum value set: [All, AWS, Local]",
    )
    .await;

    // At most ten managed policies per role.
    for i in 0..10 {
        let name = format!("p{i}");
        iam.create_policy(&name, ALLOW_S3).await;
        iam.ok(&[
            ("Action", "AttachRolePolicy"),
            ("RoleName", "Agent"),
            ("PolicyArn", &iam.policy_arn(&format!("/{name}"))),
        ])
        .await;
    }
    iam.fails(
        &[
            ("Action", "AttachRolePolicy"),
            ("RoleName", "Agent"),
            ("PolicyArn", &iam.policy_arn("/Access")),
        ],
        409,
        "LimitExceeded",
        "Cannot exceed quota for PoliciesPerRole: 10",
    )
    .await;
    // Re-attaching one already attached is still fine at the quota.
    iam.ok(&[
        ("Action", "AttachRolePolicy"),
        ("RoleName", "Agent"),
        ("PolicyArn", &iam.policy_arn("/p0")),
    ])
    .await;
}

// --- pagination --------------------------------------------------------------------------------

/// Follows `Marker` through a listing with `MaxItems`, collecting the `field` of every page.
async fn pages(iam: &Iam, params: &[(&str, &str)], max: &str, field: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let mut call: Vec<(&str, &str)> = params.to_vec();
        call.push(("MaxItems", max));
        if let Some(marker) = &marker {
            call.push(("Marker", marker));
        }
        let response = iam.ok(&call).await;
        out.push(texts(&response.body, field));
        let truncated = text(&response.body, "IsTruncated").unwrap();
        marker = text(&response.body, "Marker");
        assert_eq!(truncated == "true", marker.is_some(), "{}", response.body);
        if marker.is_none() {
            return out;
        }
        assert!(out.len() < 20, "no end");
    }
}

#[tokio::test]
async fn listings_paginate_with_marker_and_max_items() {
    let iam = Iam::start().await;
    for name in ["e", "B", "a", "d", "C"] {
        iam.create_role(name).await;
    }
    for name in ["e", "B", "a", "d", "C"] {
        iam.create_policy(&format!("P{name}"), ALLOW_S3).await;
        iam.ok(&[
            ("Action", "PutRolePolicy"),
            ("RoleName", "a"),
            ("PolicyName", name),
            ("PolicyDocument", ALLOW_S3),
        ])
        .await;
        iam.ok(&[
            ("Action", "AttachRolePolicy"),
            ("RoleName", "a"),
            ("PolicyArn", &iam.policy_arn(&format!("/P{name}"))),
        ])
        .await;
    }
    assert_eq!(
        pages(&iam, &[("Action", "ListRoles")], "2", "RoleName").await,
        [vec!["a", "B"], vec!["C", "d"], vec!["e"]]
    );
    assert_eq!(
        pages(&iam, &[("Action", "ListPolicies")], "3", "PolicyName").await,
        [vec!["Pa", "PB", "PC"], vec!["Pd", "Pe"]]
    );
    assert_eq!(
        pages(
            &iam,
            &[("Action", "ListRolePolicies"), ("RoleName", "a")],
            "4",
            "member"
        )
        .await
        .concat()
        .len(),
        5
    );
    assert_eq!(
        pages(
            &iam,
            &[("Action", "ListAttachedRolePolicies"), ("RoleName", "a")],
            "2",
            "PolicyName"
        )
        .await,
        [vec!["Pa", "PB"], vec!["PC", "Pd"], vec!["Pe"]]
    );
    for (max, constraint) in [
        ("0", "Member must have value greater than or equal to 1"),
        ("1001", "Member must have value less than or equal to 1000"),
    ] {
        iam.fails(
            &[("Action", "ListRoles"), ("MaxItems", max)],
            400,
            "ValidationError",
            &format!("1 validation error detected: Value '{max}' at 'maxItems' failed to satisfy constraint: {constraint}"),
        )
        .await;
    }
}

// --- authorization -----------------------------------------------------------------------------

#[tokio::test]
async fn a_role_session_has_exactly_its_roles_permissions() {
    let iam = Iam::start().await;
    let account = iam.account();
    let created = iam.create_role("Operator").await;
    let role_id = text(&created.body, "RoleId").unwrap();
    iam.create_role("Secret").await;
    let session = iam.session("Operator", &role_id, "alice");
    let operator = format!("arn:aws:sts::{account}:assumed-role/Operator/alice");

    // No policy yet: everything is denied, and a missing role is not revealed.
    let denied = iam
        .call_as(&session, &[("Action", "GetRole"), ("RoleName", "Secret")])
        .await;
    assert_error(
        &denied,
        403,
        "AccessDenied",
        &format!(
            "User: {operator} is not authorized to perform: iam:GetRole on resource: arn:aws:iam::{account}:role/Secret because no identity-based policy allows the iam:GetRole action"
        ),
    );
    let denied = iam
        .call_as(&session, &[("Action", "GetRole"), ("RoleName", "Nobody")])
        .await;
    assert_eq!(text(&denied.body, "Code").as_deref(), Some("AccessDenied"));
    let denied = iam.call_as(&session, &[("Action", "ListRoles")]).await;
    assert_error(
        &denied,
        403,
        "AccessDenied",
        &format!(
            "User: {operator} is not authorized to perform: iam:ListRoles on resource: arn:aws:iam::{account}:role/ because no identity-based policy allows the iam:ListRoles action"
        ),
    );
    // AWS names the listings' resources so in its text (public AccessDenied traces), while
    // the actions have no resource type.
    let denied = iam.call_as(&session, &[("Action", "ListPolicies")]).await;
    assert_error(
        &denied,
        403,
        "AccessDenied",
        &format!(
            "User: {operator} is not authorized to perform: iam:ListPolicies on resource: policy path / because no identity-based policy allows the iam:ListPolicies action"
        ),
    );

    // An inline policy allows reading roles; an explicit deny on one role wins.
    let read_roles = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":["iam:GetRole","iam:ListRoles"],"Resource":"*"}},{{"Effect":"Deny","Action":"iam:GetRole","Resource":"arn:aws:iam::{account}:role/Secret"}}]}}"#
    );
    iam.ok(&[
        ("Action", "PutRolePolicy"),
        ("RoleName", "Operator"),
        ("PolicyName", "read-roles"),
        ("PolicyDocument", &read_roles),
    ])
    .await;
    let allowed = iam
        .call_as(&session, &[("Action", "GetRole"), ("RoleName", "Operator")])
        .await;
    assert_eq!(allowed.status, 200, "{}", allowed.body);
    let listed = iam.call_as(&session, &[("Action", "ListRoles")]).await;
    assert_eq!(texts(&listed.body, "RoleName"), ["Operator", "Secret"]);
    let missing = iam
        .call_as(&session, &[("Action", "GetRole"), ("RoleName", "Nobody")])
        .await;
    assert_error(
        &missing,
        404,
        "NoSuchEntity",
        "The role with name Nobody cannot be found.",
    );
    let denied = iam
        .call_as(&session, &[("Action", "GetRole"), ("RoleName", "Secret")])
        .await;
    assert_error(
        &denied,
        403,
        "AccessDenied",
        &format!(
            "User: {operator} is not authorized to perform: iam:GetRole on resource: arn:aws:iam::{account}:role/Secret with an explicit deny in an identity-based policy"
        ),
    );
    // Nothing else is allowed: not creating, not the other resource types.
    let trust = iam.trust_policy();
    let denied = iam
        .call_as(
            &session,
            &[
                ("Action", "CreateRole"),
                ("RoleName", "New"),
                ("Path", "/made/"),
                ("AssumeRolePolicyDocument", &trust),
            ],
        )
        .await;
    assert_error(
        &denied,
        403,
        "AccessDenied",
        &format!(
            "User: {operator} is not authorized to perform: iam:CreateRole on resource: arn:aws:iam::{account}:role/made/New because no identity-based policy allows the iam:CreateRole action"
        ),
    );
    let provider = iam.provider_arn("Okta");
    let denied = iam
        .call_as(
            &session,
            &[
                ("Action", "GetSAMLProvider"),
                ("SAMLProviderArn", &provider),
            ],
        )
        .await;
    assert_eq!(text(&denied.body, "Code").as_deref(), Some("AccessDenied"));
    // Validation comes first, as at AWS.
    let invalid = iam
        .call_as(&session, &[("Action", "CreateRole"), ("RoleName", "a b")])
        .await;
    assert_eq!(
        text(&invalid.body, "Code").as_deref(),
        Some("ValidationError")
    );
}

#[tokio::test]
async fn managed_policies_and_conditions_authorize_a_session() {
    let iam = Iam::start().await;
    let account = iam.account();
    let created = iam.create_role("Operator").await;
    let role_id = text(&created.body, "RoleId").unwrap();
    iam.create_role("Agent").await;
    iam.create_policy("Allowed", ALLOW_S3).await;
    iam.create_policy("Forbidden", ALLOW_S3).await;
    // Attach only one named policy, to roles only (iam:PolicyARN), and read providers.
    let admin_policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"iam:AttachRolePolicy","Resource":"arn:aws:iam::{account}:role/*","Condition":{{"ArnEquals":{{"iam:PolicyARN":"arn:aws:iam::{account}:policy/Allowed"}}}}}},{{"Effect":"Allow","Action":["iam:CreateSAMLProvider","iam:GetSAMLProvider"],"Resource":"arn:aws:iam::{account}:saml-provider/*"}}]}}"#
    );
    iam.create_policy("OperatorAccess", &admin_policy).await;
    iam.ok(&[
        ("Action", "AttachRolePolicy"),
        ("RoleName", "Operator"),
        ("PolicyArn", &iam.policy_arn("/OperatorAccess")),
    ])
    .await;
    let session = iam.session("Operator", &role_id, "bob");
    let ok = iam
        .call_as(
            &session,
            &[
                ("Action", "AttachRolePolicy"),
                ("RoleName", "Agent"),
                ("PolicyArn", &iam.policy_arn("/Allowed")),
            ],
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let denied = iam
        .call_as(
            &session,
            &[
                ("Action", "AttachRolePolicy"),
                ("RoleName", "Agent"),
                ("PolicyArn", &iam.policy_arn("/Forbidden")),
            ],
        )
        .await;
    assert_eq!(
        text(&denied.body, "Code").as_deref(),
        Some("AccessDenied"),
        "{}",
        denied.body
    );
    let created = iam
        .call_as(
            &session,
            &[
                ("Action", "CreateSAMLProvider"),
                ("Name", "Okta"),
                ("SAMLMetadataDocument", IDP_METADATA),
            ],
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let got = iam
        .call_as(
            &session,
            &[
                ("Action", "GetSAMLProvider"),
                ("SAMLProviderArn", &iam.provider_arn("Okta")),
            ],
        )
        .await;
    assert_eq!(got.status, 200, "{}", got.body);
    let denied = iam
        .call_as(
            &session,
            &[
                ("Action", "DeleteSAMLProvider"),
                ("SAMLProviderArn", &iam.provider_arn("Okta")),
            ],
        )
        .await;
    assert_eq!(denied.status, 403, "{}", denied.body);
}

#[tokio::test]
async fn a_roles_path_is_part_of_the_resource_it_is_authorized_on() {
    let iam = Iam::start().await;
    let account = iam.account();
    let created = iam.create_role("Operator").await;
    let role_id = text(&created.body, "RoleId").unwrap();
    let trust = iam.trust_policy();
    for (name, path) in [("Inside", "/ops/"), ("Outside", "/")] {
        iam.ok(&[
            ("Action", "CreateRole"),
            ("RoleName", name),
            ("Path", path),
            ("AssumeRolePolicyDocument", &trust),
        ])
        .await;
    }
    let ops_only = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":["iam:GetRole","iam:PutRolePolicy","iam:GetRolePolicy"],"Resource":"arn:aws:iam::{account}:role/ops/*"}}]}}"#
    );
    iam.ok(&[
        ("Action", "PutRolePolicy"),
        ("RoleName", "Operator"),
        ("PolicyName", "ops"),
        ("PolicyDocument", &ops_only),
    ])
    .await;
    let session = iam.session("Operator", &role_id, "carol");
    let inside = iam
        .call_as(&session, &[("Action", "GetRole"), ("RoleName", "inside")])
        .await;
    assert_eq!(inside.status, 200, "{}", inside.body);
    let put = iam
        .call_as(
            &session,
            &[
                ("Action", "PutRolePolicy"),
                ("RoleName", "Inside"),
                ("PolicyName", "p"),
                ("PolicyDocument", ALLOW_S3),
            ],
        )
        .await;
    assert_eq!(put.status, 200, "{}", put.body);
    let outside = iam
        .call_as(&session, &[("Action", "GetRole"), ("RoleName", "Outside")])
        .await;
    assert_error(
        &outside,
        403,
        "AccessDenied",
        &format!(
            "User: arn:aws:sts::{account}:assumed-role/Operator/carol is not authorized to perform: iam:GetRole on resource: arn:aws:iam::{account}:role/Outside because no identity-based policy allows the iam:GetRole action"
        ),
    );
    // The session's permissions are read at each call: removing the policy takes effect at once.
    iam.ok(&[
        ("Action", "DeleteRolePolicy"),
        ("RoleName", "Operator"),
        ("PolicyName", "ops"),
    ])
    .await;
    let revoked = iam
        .call_as(&session, &[("Action", "GetRole"), ("RoleName", "Inside")])
        .await;
    assert_eq!(revoked.status, 403, "{}", revoked.body);
}

#[tokio::test]
async fn a_deny_cannot_be_escaped_by_changing_the_case_of_a_name() {
    let iam = Iam::start().await;
    let account = iam.account();
    let created = iam.create_role("Operator").await;
    let role_id = text(&created.body, "RoleId").unwrap();
    iam.create_role("Secret").await;
    iam.create_policy("Secret", ALLOW_S3).await;
    iam.ok(&[
        ("Action", "CreateSAMLProvider"),
        ("Name", "Okta"),
        ("SAMLMetadataDocument", IDP_METADATA),
    ])
    .await;
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":["iam:Get*","iam:AttachRolePolicy"],"Resource":"*"}},{{"Effect":"Deny","Action":"iam:*","Resource":["arn:aws:iam::{account}:role/Secret","arn:aws:iam::{account}:policy/Secret","arn:aws:iam::{account}:saml-provider/Okta"]}},{{"Effect":"Deny","Action":"iam:AttachRolePolicy","Resource":"*","Condition":{{"ArnEquals":{{"iam:PolicyARN":"arn:aws:iam::{account}:policy/Secret"}}}}}}]}}"#
    );
    iam.ok(&[
        ("Action", "PutRolePolicy"),
        ("RoleName", "Operator"),
        ("PolicyName", "p"),
        ("PolicyDocument", &policy),
    ])
    .await;
    let session = iam.session("Operator", &role_id, "mallory");
    let attempts: Vec<Vec<(&str, String)>> = vec![
        vec![("Action", "GetRole".into()), ("RoleName", "SECRET".into())],
        vec![
            ("Action", "GetPolicy".into()),
            ("PolicyArn", iam.policy_arn("/SECRET")),
        ],
        vec![
            ("Action", "GetPolicyVersion".into()),
            ("PolicyArn", iam.policy_arn("/secret")),
            ("VersionId", "v1".into()),
        ],
        vec![
            ("Action", "GetSAMLProvider".into()),
            ("SAMLProviderArn", iam.provider_arn("OKTA")),
        ],
        vec![
            ("Action", "AttachRolePolicy".into()),
            ("RoleName", "Operator".into()),
            ("PolicyArn", iam.policy_arn("/SeCrEt")),
        ],
    ];
    for attempt in attempts {
        let params: Vec<(&str, &str)> = attempt.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let response = iam.call_as(&session, &params).await;
        assert_eq!(response.status, 403, "{params:?}: {}", response.body);
        let message = text(&response.body, "Message").unwrap();
        assert!(
            message.ends_with("with an explicit deny in an identity-based policy"),
            "{message}"
        );
    }
    // The same names in their own case are denied too, and others are allowed.
    let allowed = iam
        .call_as(&session, &[("Action", "GetRole"), ("RoleName", "OPERATOR")])
        .await;
    assert_eq!(allowed.status, 200, "{}", allowed.body);
}

#[tokio::test]
async fn a_session_of_a_deleted_role_is_denied_not_failed() {
    let iam = Iam::start().await;
    let created = iam.create_role("Gone").await;
    let role_id = text(&created.body, "RoleId").unwrap();
    let session = iam.session("Gone", &role_id, "dave");
    iam.ok(&[("Action", "DeleteRole"), ("RoleName", "Gone")])
        .await;
    let response = iam.call_as(&session, &[("Action", "ListRoles")]).await;
    assert_eq!(
        text(&response.body, "Code").as_deref(),
        Some("AccessDenied"),
        "{}",
        response.body
    );
    assert_eq!(response.status, 403);
}

#[tokio::test]
async fn a_session_of_a_role_deleted_and_created_again_gets_nothing_of_the_new_one() {
    let iam = Iam::start().await;
    let allow_all = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}"#;
    let created = iam.create_role("Again").await;
    let old_id = text(&created.body, "RoleId").unwrap();
    let old_session = iam.session("Again", &old_id, "erin");
    iam.ok(&[("Action", "DeleteRole"), ("RoleName", "Again")])
        .await;
    let created = iam.create_role("Again").await;
    let new_id = text(&created.body, "RoleId").unwrap();
    assert_ne!(old_id, new_id);
    iam.ok(&[
        ("Action", "PutRolePolicy"),
        ("RoleName", "Again"),
        ("PolicyName", "all"),
        ("PolicyDocument", allow_all),
    ])
    .await;
    let denied = iam.call_as(&old_session, &[("Action", "ListRoles")]).await;
    assert_eq!(
        text(&denied.body, "Code").as_deref(),
        Some("AccessDenied"),
        "{}",
        denied.body
    );
    let new_session = iam.session("Again", &new_id, "erin");
    let allowed = iam.call_as(&new_session, &[("Action", "ListRoles")]).await;
    assert_eq!(allowed.status, 200, "{}", allowed.body);
}

#[tokio::test]
async fn decryption_keys_and_boundaries_are_refused_rather_than_ignored() {
    let iam = Iam::start().await;
    let arn = iam.provider_arn("Okta");
    iam.ok(&[
        ("Action", "CreateSAMLProvider"),
        ("Name", "Okta"),
        ("SAMLMetadataDocument", IDP_METADATA),
    ])
    .await;
    let message = "Private keys for assertion decryption are not supported: fedgate does not decrypt assertions.";
    iam.fails(
        &[
            ("Action", "UpdateSAMLProvider"),
            ("SAMLProviderArn", &arn),
            ("AddPrivateKey", "-----BEGIN PRIVATE KEY-----"),
        ],
        400,
        "InvalidInput",
        message,
    )
    .await;
    iam.fails(
        &[
            ("Action", "UpdateSAMLProvider"),
            ("SAMLProviderArn", &arn),
            ("RemovePrivateKey", "ABCDEFGHIJKLMNOPQRSTUVWX"),
        ],
        400,
        "InvalidInput",
        message,
    )
    .await;
    iam.fails(
        &[
            ("Action", "UpdateSAMLProvider"),
            ("SAMLProviderArn", &arn),
            ("RemovePrivateKey", "SHORT"),
        ],
        400,
        "ValidationError",
        "1 validation error detected: Value 'SHORT' at 'removePrivateKey' failed to satisfy constraint: Member must have length greater than or equal to 22",
    )
    .await;
    // `privateKeyType` is sensitive: a key that breaks a constraint is not quoted back.
    let long_key = format!("-----BEGIN PRIVATE KEY-----{}", "k".repeat(16_384));
    iam.fails(
        &[
            ("Action", "UpdateSAMLProvider"),
            ("SAMLProviderArn", &arn),
            ("AddPrivateKey", &long_key),
        ],
        400,
        "ValidationError",
        "1 validation error detected: Value at 'addPrivateKey' failed to satisfy constraint: Member must have length less than or equal to 16384",
    )
    .await;
    // Without a document, an update changes nothing and names the provider.
    let unchanged = iam
        .ok(&[
            ("Action", "UpdateSAMLProvider"),
            ("SAMLProviderArn", &iam.provider_arn("okta")),
        ])
        .await;
    assert_eq!(text(&unchanged.body, "SAMLProviderArn"), Some(arn.clone()));
    let trust = iam.trust_policy();
    iam.fails(
        &[
            ("Action", "CreateRole"),
            ("RoleName", "r"),
            ("AssumeRolePolicyDocument", &trust),
            (
                "PermissionsBoundary",
                "arn:aws:iam::123456789012:not_a_policy/invalid",
            ),
        ],
        400,
        "InvalidInput",
        "ARN arn:aws:iam::123456789012:not_a_policy/invalid is not valid.",
    )
    .await;
    iam.create_policy("Used", ALLOW_S3).await;
    let boundaries = iam
        .ok(&[
            ("Action", "ListPolicies"),
            ("PolicyUsageFilter", "PermissionsBoundary"),
        ])
        .await;
    assert!(texts(&boundaries.body, "PolicyName").is_empty());
    let permissions = iam
        .ok(&[
            ("Action", "ListPolicies"),
            ("PolicyUsageFilter", "PermissionsPolicy"),
        ])
        .await;
    assert_eq!(texts(&permissions.body, "PolicyName"), ["Used"]);
}

#[tokio::test]
async fn resource_tags_are_condition_keys_of_a_session() {
    let iam = Iam::start().await;
    let created = iam.create_role("Operator").await;
    let role_id = text(&created.body, "RoleId").unwrap();
    let trust = iam.trust_policy();
    iam.ok(&[
        ("Action", "CreateRole"),
        ("RoleName", "Tagged"),
        ("AssumeRolePolicyDocument", &trust),
        ("Tags.member.1.Key", "team"),
        ("Tags.member.1.Value", "cc"),
    ])
    .await;
    iam.create_role("Untagged").await;
    iam.ok(&[
        ("Action", "CreatePolicy"),
        ("PolicyName", "TaggedPolicy"),
        ("PolicyDocument", ALLOW_S3),
        ("Tags.member.1.Key", "team"),
        ("Tags.member.1.Value", "cc"),
    ])
    .await;
    iam.create_policy("UntaggedPolicy", ALLOW_S3).await;
    iam.ok(&[
        ("Action", "CreateSAMLProvider"),
        ("Name", "TaggedIdp"),
        ("SAMLMetadataDocument", IDP_METADATA),
        ("Tags.member.1.Key", "team"),
        ("Tags.member.1.Value", "cc"),
    ])
    .await;
    let abac = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:GetRole","iam:GetPolicy","iam:GetSAMLProvider"],"Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/team":"cc"}}}]}"#;
    iam.ok(&[
        ("Action", "PutRolePolicy"),
        ("RoleName", "Operator"),
        ("PolicyName", "abac"),
        ("PolicyDocument", abac),
    ])
    .await;
    let session = iam.session("Operator", &role_id, "erin");
    let cases: Vec<(Vec<(&str, String)>, u16)> = vec![
        (
            vec![("Action", "GetRole".into()), ("RoleName", "Tagged".into())],
            200,
        ),
        (
            vec![
                ("Action", "GetRole".into()),
                ("RoleName", "Untagged".into()),
            ],
            403,
        ),
        (
            vec![
                ("Action", "GetPolicy".into()),
                ("PolicyArn", iam.policy_arn("/TaggedPolicy")),
            ],
            200,
        ),
        (
            vec![
                ("Action", "GetPolicy".into()),
                ("PolicyArn", iam.policy_arn("/UntaggedPolicy")),
            ],
            403,
        ),
        (
            vec![
                ("Action", "GetSAMLProvider".into()),
                ("SAMLProviderArn", iam.provider_arn("TaggedIdp")),
            ],
            200,
        ),
    ];
    for (attempt, status) in cases {
        let params: Vec<(&str, &str)> = attempt.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let response = iam.call_as(&session, &params).await;
        assert_eq!(response.status, status, "{params:?}: {}", response.body);
    }
}

/// `TagRole`, `UntagRole` and `ListRoleTags`: a role's tag keys are case-insensitive (a key in
/// another case replaces the one the role has), at most 50, listed by key with markers.
#[tokio::test]
async fn role_tags_are_added_replaced_listed_and_removed() {
    let iam = Iam::start().await;
    iam.create_role("Tagged").await;
    iam.ok(&[
        ("Action", "TagRole"),
        ("RoleName", "Tagged"),
        ("Tags.member.1.Key", "env"),
        ("Tags.member.1.Value", "dev"),
        ("Tags.member.2.Key", "Team"),
        ("Tags.member.2.Value", "a"),
    ])
    .await;
    iam.ok(&[
        ("Action", "TagRole"),
        ("RoleName", "tagged"),
        ("Tags.member.1.Key", "ENV"),
        ("Tags.member.1.Value", "prod"),
    ])
    .await;
    let listed = iam
        .ok(&[("Action", "ListRoleTags"), ("RoleName", "Tagged")])
        .await;
    assert!(
        listed.body.contains(
            "<Tags><member><Key>ENV</Key><Value>prod</Value></member><member><Key>Team</Key><Value>a</Value></member></Tags><IsTruncated>false</IsTruncated>"
        ),
        "{}",
        listed.body
    );
    let first = iam
        .ok(&[
            ("Action", "ListRoleTags"),
            ("RoleName", "Tagged"),
            ("MaxItems", "1"),
        ])
        .await;
    assert!(first.body.contains("<Key>ENV</Key>"), "{}", first.body);
    assert!(
        first
            .body
            .contains("<IsTruncated>true</IsTruncated><Marker>env</Marker>"),
        "{}",
        first.body
    );
    let second = iam
        .ok(&[
            ("Action", "ListRoleTags"),
            ("RoleName", "Tagged"),
            ("MaxItems", "1"),
            ("Marker", "env"),
        ])
        .await;
    assert!(second.body.contains("<Key>Team</Key>"), "{}", second.body);
    assert!(
        second.body.contains("<IsTruncated>false</IsTruncated>"),
        "{}",
        second.body
    );

    iam.ok(&[
        ("Action", "UntagRole"),
        ("RoleName", "Tagged"),
        ("TagKeys.member.1", "team"),
        ("TagKeys.member.2", "absent"),
    ])
    .await;
    let role = iam
        .ok(&[("Action", "GetRole"), ("RoleName", "Tagged")])
        .await;
    assert!(
        role.body
            .contains("<Tags><member><Key>ENV</Key><Value>prod</Value></member></Tags>"),
        "{}",
        role.body
    );

    let mut many: Vec<(String, String)> = Vec::new();
    for i in 1..=50 {
        many.push((format!("Tags.member.{i}.Key"), format!("k{i}")));
        many.push((format!("Tags.member.{i}.Value"), "v".to_owned()));
    }
    let mut params: Vec<(&str, &str)> = vec![("Action", "TagRole"), ("RoleName", "Tagged")];
    params.extend(many.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    iam.fails(
        &params,
        409,
        "LimitExceeded",
        "Cannot exceed quota for TagsPerResource: 50",
    )
    .await;
    iam.fails(
        &[
            ("Action", "TagRole"),
            ("RoleName", "Tagged"),
            ("Tags.member.1.Key", "a"),
            ("Tags.member.1.Value", "1"),
            ("Tags.member.2.Key", "A"),
            ("Tags.member.2.Value", "2"),
        ],
        400,
        "InvalidInput",
        "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
    )
    .await;
    iam.fails(
        &[("Action", "TagRole"), ("RoleName", "Tagged")],
        400,
        "ValidationError",
        "1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null",
    )
    .await;
    for action in ["TagRole", "UntagRole", "ListRoleTags"] {
        iam.fails(
            &[
                ("Action", action),
                ("RoleName", "Missing"),
                ("Tags.member.1.Key", "a"),
                ("Tags.member.1.Value", "1"),
                ("TagKeys.member.1", "a"),
            ],
            404,
            "NoSuchEntity",
            "The role with name Missing cannot be found.",
        )
        .await;
    }
}

/// `TagPolicy`, `UntagPolicy` and `ListPolicyTags`: a managed policy's tag keys are
/// case-sensitive, at most 50, listed by key with markers; a missing policy is `NoSuchEntity`.
#[tokio::test]
async fn managed_policy_tags_are_added_listed_and_removed() {
    let iam = Iam::start().await;
    iam.create_policy("Tagged", ALLOW_S3).await;
    let arn = iam.policy_arn("/Tagged");
    iam.ok(&[
        ("Action", "TagPolicy"),
        ("PolicyArn", &arn),
        ("Tags.member.1.Key", "env"),
        ("Tags.member.1.Value", "dev"),
        ("Tags.member.2.Key", "Env"),
        ("Tags.member.2.Value", "x"),
    ])
    .await;
    iam.ok(&[
        ("Action", "TagPolicy"),
        ("PolicyArn", &arn),
        ("Tags.member.1.Key", "env"),
        ("Tags.member.1.Value", "prod"),
    ])
    .await;
    let listed = iam
        .ok(&[("Action", "ListPolicyTags"), ("PolicyArn", &arn)])
        .await;
    assert!(
        listed.body.contains(
            "<Tags><member><Key>Env</Key><Value>x</Value></member><member><Key>env</Key><Value>prod</Value></member></Tags><IsTruncated>false</IsTruncated>"
        ),
        "{}",
        listed.body
    );
    let first = iam
        .ok(&[
            ("Action", "ListPolicyTags"),
            ("PolicyArn", &arn),
            ("MaxItems", "1"),
        ])
        .await;
    assert!(
        first
            .body
            .contains("<IsTruncated>true</IsTruncated><Marker>Env</Marker>"),
        "{}",
        first.body
    );
    let second = iam
        .ok(&[
            ("Action", "ListPolicyTags"),
            ("PolicyArn", &arn),
            ("Marker", "Env"),
        ])
        .await;
    assert!(second.body.contains("<Key>env</Key>"), "{}", second.body);
    assert!(!second.body.contains("<Key>Env</Key>"), "{}", second.body);

    iam.ok(&[
        ("Action", "UntagPolicy"),
        ("PolicyArn", &arn),
        ("TagKeys.member.1", "Env"),
    ])
    .await;
    let policy = iam
        .ok(&[("Action", "GetPolicy"), ("PolicyArn", &arn)])
        .await;
    assert!(
        policy
            .body
            .contains("<Tags><member><Key>env</Key><Value>prod</Value></member></Tags>"),
        "{}",
        policy.body
    );

    let mut many: Vec<(String, String)> = Vec::new();
    for i in 1..=50 {
        many.push((format!("Tags.member.{i}.Key"), format!("k{i}")));
        many.push((format!("Tags.member.{i}.Value"), "v".to_owned()));
    }
    let mut params: Vec<(&str, &str)> = vec![("Action", "TagPolicy"), ("PolicyArn", &arn)];
    params.extend(many.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    iam.fails(
        &params,
        409,
        "LimitExceeded",
        "Cannot exceed quota for TagsPerResource: 50",
    )
    .await;
    let missing = iam.policy_arn("/Missing");
    for action in ["TagPolicy", "UntagPolicy", "ListPolicyTags"] {
        iam.fails(
            &[
                ("Action", action),
                ("PolicyArn", &missing),
                ("Tags.member.1.Key", "a"),
                ("Tags.member.1.Value", "1"),
                ("TagKeys.member.1", "a"),
            ],
            404,
            "NoSuchEntity",
            &format!("Policy {missing} was not found."),
        )
        .await;
    }
}

/// `UpdateRoleDescription` sets the description and answers with the role, as `GetRole` does.
#[tokio::test]
async fn update_role_description_answers_with_the_role() {
    let iam = Iam::start().await;
    iam.create_role("Described").await;
    let response = iam
        .ok(&[
            ("Action", "UpdateRoleDescription"),
            ("RoleName", "Described"),
            ("Description", "agents of the day shift"),
        ])
        .await;
    assert!(
        response
            .body
            .contains("<UpdateRoleDescriptionResult><Role>"),
        "{}",
        response.body
    );
    assert!(
        response
            .body
            .contains("<Description>agents of the day shift</Description>"),
        "{}",
        response.body
    );
    assert!(
        response.body.contains("<RoleName>Described</RoleName>"),
        "{}",
        response.body
    );
    let role = iam
        .ok(&[("Action", "GetRole"), ("RoleName", "Described")])
        .await;
    assert!(
        role.body
            .contains("<Description>agents of the day shift</Description>"),
        "{}",
        role.body
    );
    iam.fails(
        &[("Action", "UpdateRoleDescription"), ("RoleName", "Described")],
        400,
        "ValidationError",
        "1 validation error detected: Value null at 'description' failed to satisfy constraint: Member must not be null",
    )
    .await;
    iam.fails(
        &[
            ("Action", "UpdateRoleDescription"),
            ("RoleName", "Missing"),
            ("Description", "x"),
        ],
        404,
        "NoSuchEntity",
        "The role with name Missing cannot be found.",
    )
    .await;
}

/// `ListPolicyVersions`: the one version a fedgate policy has, its default, without its
/// document (as AWS lists versions); a missing policy is `NoSuchEntity`.
#[tokio::test]
async fn policy_versions_list_the_default_version() {
    let iam = Iam::start().await;
    iam.create_policy("Versioned", ALLOW_S3).await;
    let arn = iam.policy_arn("/Versioned");
    let listed = iam
        .ok(&[("Action", "ListPolicyVersions"), ("PolicyArn", &arn)])
        .await;
    assert!(
        listed.body.contains(
            "<ListPolicyVersionsResult><Versions><member><VersionId>v1</VersionId><IsDefaultVersion>true</IsDefaultVersion><CreateDate>"
        ),
        "{}",
        listed.body
    );
    assert!(
        listed.body.contains("<IsTruncated>false</IsTruncated>"),
        "{}",
        listed.body
    );
    assert!(!listed.body.contains("<Document>"), "{}", listed.body);
    let missing = iam.policy_arn("/Missing");
    iam.fails(
        &[("Action", "ListPolicyVersions"), ("PolicyArn", &missing)],
        404,
        "NoSuchEntity",
        &format!("Policy {missing} was not found."),
    )
    .await;
}

/// A role session has no `aws:username` (IAM: requests made with role credentials do not
/// include the key): `${aws:username}` matches nothing and `Null` sees the key absent.
#[tokio::test]
async fn a_role_session_has_no_aws_username() {
    let iam = Iam::start().await;
    let created = iam.create_role("Agents").await;
    let role_id = text(&created.body, "RoleId").unwrap();
    iam.create_role("erin").await;
    let by_name = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetRole","Resource":"arn:aws:iam::*:role/${aws:username}"},{"Effect":"Allow","Action":"iam:ListRoles","Resource":"*","Condition":{"StringEquals":{"aws:username":"erin"}}},{"Effect":"Allow","Action":"iam:ListPolicies","Resource":"*","Condition":{"Null":{"aws:username":"true"}}}]}"#;
    iam.ok(&[
        ("Action", "PutRolePolicy"),
        ("RoleName", "Agents"),
        ("PolicyName", "by-name"),
        ("PolicyDocument", by_name),
    ])
    .await;
    let session = iam.session("Agents", &role_id, "erin");
    let get = iam
        .call_as(&session, &[("Action", "GetRole"), ("RoleName", "erin")])
        .await;
    assert_eq!(get.status, 403, "{}", get.body);
    let list = iam.call_as(&session, &[("Action", "ListRoles")]).await;
    assert_eq!(list.status, 403, "{}", list.body);
    let absent = iam.call_as(&session, &[("Action", "ListPolicies")]).await;
    assert_eq!(absent.status, 200, "{}", absent.body);
}
