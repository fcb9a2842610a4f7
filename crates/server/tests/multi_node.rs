//! Two `fedgate serve` processes on one PostgreSQL database with one sealing key (issue 5, item
//! 9): credentials minted by one node work on the other, and a SAML response redeemed on one is
//! refused on the other, also when both receive it at the same moment.
//!
//! Runs when `FEDGATE_TEST_POSTGRES_URL` is set (as `.ci/run` sets it), in a new schema that is
//! dropped afterwards; otherwise it prints that it skipped. The nodes sit behind one public URL,
//! as behind a load balancer, so one response's Recipient is right for both.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests: a failure here is a test failure"
)]

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use base64::Engine as _;
use fedgate::clock::Clock;
use fedgate::testing::{Credentials, query_request};
use fedgate_xmldsig::{SigningKey, sign_enveloped};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

const ACCOUNT: &str = "123456789012";
const PUBLIC_URL: &str = "http://fedgate.multi-node.test";
const ISSUER: &str = "https://idp.multi-node.test/saml";
const KEY: &[u8] = include_bytes!("../../xmldsig/tests/data/keys/rsa2048.key");
const CERT: &[u8] = include_bytes!("../../xmldsig/tests/data/keys/rsa2048.crt");

#[expect(
    clippy::disallowed_methods,
    reason = "the test database is the environment's, as CI sets it"
)]
fn postgres_url() -> Option<String> {
    std::env::var("FEDGATE_TEST_POSTGRES_URL")
        .ok()
        .filter(|url| !url.is_empty())
}

/// A schema of its own for one run, dropped (with everything in it) when this goes out of scope.
struct Schema {
    base: String,
    name: String,
}

impl Schema {
    fn create(base: &str) -> Self {
        let name = format!(
            "fedgate_multinode_{}_{}",
            Clock::System.now().unix_timestamp(),
            fedgate::keys::random_id("", 10).to_lowercase()
        );
        psql(base, &format!("CREATE SCHEMA {name}"));
        Self {
            base: base.to_owned(),
            name,
        }
    }

    /// The database URL whose connections use this schema.
    fn url(&self) -> String {
        let separator = if self.base.contains('?') { '&' } else { '?' };
        format!("{}{separator}options[search_path]={}", self.base, self.name)
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        psql(
            &self.base,
            &format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name),
        );
    }
}

fn psql(url: &str, sql: &str) {
    let output = Command::new("psql")
        .args([url, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql])
        .output()
        .expect("psql (PostgreSQL's client) must be installed to run this test");
    assert!(
        output.status.success(),
        "psql -c {sql:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// One `fedgate serve` process, killed when dropped.
struct Node {
    name: &'static str,
    child: Child,
    addr: SocketAddr,
    data_dir: PathBuf,
    log: PathBuf,
}

impl Node {
    fn start(name: &'static str, root: &Path, database_url: &str, sealing_key: &Path) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let data_dir = root.join(name);
        let log = root.join(format!("{name}.log"));
        let child = Command::new(env!("CARGO_BIN_EXE_fedgate"))
            .args(["serve", "--listen", &addr.to_string()])
            .arg("--data-dir")
            .arg(&data_dir)
            .args(["--database-url", database_url, "--public-url", PUBLIC_URL])
            .env("FEDGATE_ACCOUNT_ID", ACCOUNT)
            .env("FEDGATE_SEALING_KEY_FILE", sealing_key)
            .env("FEDGATE_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let mut node = Self {
            name,
            child,
            addr,
            data_dir,
            log,
        };
        for _ in 0..300 {
            if let Ok(response) = node.http("GET", "/healthz", &[], "")
                && response.status == 200
            {
                return node;
            }
            if let Ok(Some(status)) = node.child.try_wait() {
                panic!("node {name} exited with {status}: {}", node.log_tail());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("node {name} did not answer /healthz: {}", node.log_tail());
    }

    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// The administrator's key, from the `aws-credentials` file the node wrote.
    fn admin(&self) -> Credentials {
        let text = std::fs::read_to_string(self.data_dir.join("aws-credentials")).unwrap();
        let value = |key: &str| {
            text.lines()
                .find_map(|line| line.strip_prefix(key))
                .and_then(|rest| rest.trim_start().strip_prefix('='))
                .map(|value| value.trim().to_owned())
                .unwrap_or_else(|| panic!("no {key} in aws-credentials"))
        };
        Credentials {
            access_key_id: value("aws_access_key_id"),
            secret_access_key: value("aws_secret_access_key"),
            session_token: None,
        }
    }

    /// One HTTP/1.1 request on a new connection.
    fn http(
        &self,
        method: &str,
        path: &str,
        headers: &[(String, String)],
        body: &str,
    ) -> std::io::Result<Reply> {
        let mut stream = TcpStream::connect_timeout(&self.addr, Duration::from_secs(5))?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        let mut request = format!(
            "{method} {path} HTTP/1.1\r\nhost: {}\r\nconnection: close\r\ncontent-length: {}\r\n",
            self.addr,
            body.len()
        );
        for (name, value) in headers {
            if name != "host" && name != "content-length" {
                request.push_str(&format!("{name}: {value}\r\n"));
            }
        }
        request.push_str("\r\n");
        request.push_str(body);
        stream.write_all(request.as_bytes())?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw)?;
        Reply::parse(&raw)
    }

    /// An awsQuery call to `service`, signed with `credentials` unless `None`.
    fn query(
        &self,
        service: &str,
        params: &[(&str, &str)],
        credentials: Option<&Credentials>,
    ) -> Reply {
        let (request, body) = query_request(
            &self.addr.to_string(),
            service,
            params,
            credentials,
            Clock::System.now(),
        );
        let headers: Vec<(String, String)> = request
            .headers()
            .iter()
            .map(|(name, value)| (name.as_str().to_owned(), value.to_str().unwrap().to_owned()))
            .collect();
        self.http("POST", "/", &headers, &body)
            .unwrap_or_else(|e| panic!("node {}: {e}: {}", self.name, self.log_tail()))
    }

    fn assume_role_with_saml(&self, response_b64: &str) -> Reply {
        self.query(
            "sts",
            &[
                ("Action", "AssumeRoleWithSAML"),
                ("RoleArn", &role_arn()),
                ("PrincipalArn", &provider_arn()),
                ("SAMLAssertion", response_b64),
                ("DurationSeconds", "900"),
            ],
            None,
        )
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug)]
struct Reply {
    status: u16,
    body: String,
}

impl Reply {
    fn parse(raw: &[u8]) -> std::io::Result<Self> {
        let text = String::from_utf8_lossy(raw);
        let (head, body) = text.split_once("\r\n\r\n").ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::InvalidData, "no end of headers")
        })?;
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidData, "no status"))?;
        let chunked = head
            .lines()
            .any(|line| line.eq_ignore_ascii_case("transfer-encoding: chunked"));
        let body = if chunked {
            dechunk(body)
        } else {
            body.to_owned()
        };
        Ok(Self { status, body })
    }

    /// The text of the first `<name>` element of the body.
    fn field(&self, name: &str) -> Option<&str> {
        let open = format!("<{name}>");
        let start = self.body.find(&open)? + open.len();
        let end = start + self.body[start..].find(&format!("</{name}>"))?;
        Some(&self.body[start..end])
    }

    fn credentials(&self) -> Credentials {
        assert_eq!(self.status, 200, "{}", self.body);
        Credentials {
            access_key_id: self.field("AccessKeyId").unwrap().to_owned(),
            secret_access_key: self.field("SecretAccessKey").unwrap().to_owned(),
            session_token: Some(self.field("SessionToken").unwrap().to_owned()),
        }
    }
}

fn dechunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || tail.len() < size {
            break;
        }
        out.push_str(&tail[..size]);
        rest = tail[size..].trim_start_matches("\r\n");
    }
    out
}

fn role_arn() -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/multi-node")
}

fn provider_arn() -> String {
    format!("arn:aws:iam::{ACCOUNT}:saml-provider/multi-node-idp")
}

fn certificate_base64() -> String {
    String::from_utf8_lossy(CERT)
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect()
}

fn metadata() -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{ISSUER}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>{}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>
    </md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.multi-node.test/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
"#,
        certificate_base64()
    )
}

fn trust_policy() -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"sts:AssumeRoleWithSAML","Principal":{{"Federated":"{}"}},"Condition":{{"StringEquals":{{"SAML:aud":"{PUBLIC_URL}/saml"}}}}}}]}}"#,
        provider_arn()
    )
}

fn instant(at: OffsetDateTime) -> String {
    at.replace_nanosecond(0).unwrap().format(&Rfc3339).unwrap()
}

/// A fresh IdP-initiated response for `session`, its assertion signed by the test key; base64.
fn signed_response(session: &str) -> String {
    let now = Clock::System.now();
    let id = fedgate::keys::random_id("_", 24);
    let recipient = format!("{PUBLIC_URL}/saml");
    let xml = format!(
        r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{id}r" Version="2.0" IssueInstant="{issued}" Destination="{recipient}"><saml:Issuer>{ISSUER}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status><saml:Assertion ID="{id}a" Version="2.0" IssueInstant="{issued}"><saml:Issuer>{ISSUER}</saml:Issuer><saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">{session}</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="{until}" Recipient="{recipient}"/></saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore="{before}" NotOnOrAfter="{until}"><saml:AudienceRestriction><saml:Audience>urn:amazon:webservices</saml:Audience></saml:AudienceRestriction></saml:Conditions><saml:AuthnStatement AuthnInstant="{issued}" SessionIndex="{id}s"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement><saml:AttributeStatement><saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/Role"><saml:AttributeValue>{role},{provider}</saml:AttributeValue></saml:Attribute><saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/RoleSessionName"><saml:AttributeValue>{session}</saml:AttributeValue></saml:Attribute></saml:AttributeStatement></saml:Assertion></samlp:Response>"#,
        issued = instant(now),
        before = instant(now - time::Duration::minutes(1)),
        until = instant(now + time::Duration::minutes(5)),
        role = role_arn(),
        provider = provider_arn(),
    );
    let key = SigningKey::from_pem(KEY, CERT).unwrap();
    let signed = sign_enveloped(&xml, &format!("{id}a"), &key).unwrap();
    base64::engine::general_purpose::STANDARD.encode(signed)
}

fn assert_caller_is_the_session(node: &Node, credentials: &Credentials, session: &str) {
    let reply = node.query("sts", &[("Action", "GetCallerIdentity")], Some(credentials));
    assert_eq!(
        reply.status, 200,
        "GetCallerIdentity on node {}: {}",
        node.name, reply.body
    );
    assert_eq!(
        reply.field("Arn"),
        Some(format!("arn:aws:sts::{ACCOUNT}:assumed-role/multi-node/{session}").as_str()),
        "{}",
        reply.body
    );
}

/// A refusal as a replay: `InvalidIdentityToken`, "Response has already been used" (the STS
/// decision in docs/decisions.md), so that no other refusal passes for one.
fn assert_replay_refused(reply: &Reply, what: &str) {
    assert_eq!(
        (reply.status, reply.field("Code")),
        (400, Some("InvalidIdentityToken")),
        "{what}: {}",
        reply.body
    );
    assert!(
        reply
            .field("Message")
            .is_some_and(|message| message.contains("already been used")),
        "{what}: {}",
        reply.body
    );
}

#[test]
fn two_nodes_on_one_postgres_database_share_sessions_and_the_replay_cache() {
    let Some(base) = postgres_url() else {
        eprintln!("skipped: FEDGATE_TEST_POSTGRES_URL is not set");
        return;
    };
    let schema = Schema::create(&base);
    let root = tempfile::tempdir().unwrap();
    let sealing_key = root.path().join("sealing-key");

    // The first node creates the account and the sealing key; the second uses both.
    let a = Node::start("a", root.path(), &schema.url(), &sealing_key);
    let b = Node::start("b", root.path(), &schema.url(), &sealing_key);
    let admin = a.admin();
    assert_eq!(
        b.admin().access_key_id,
        admin.access_key_id,
        "both nodes must load the one account"
    );

    // IAM on either node: the provider through a, the role through b.
    let created = a.query(
        "iam",
        &[
            ("Action", "CreateSAMLProvider"),
            ("Name", "multi-node-idp"),
            ("SAMLMetadataDocument", &metadata()),
        ],
        Some(&admin),
    );
    assert_eq!(created.status, 200, "CreateSAMLProvider: {}", created.body);
    let created = b.query(
        "iam",
        &[
            ("Action", "CreateRole"),
            ("RoleName", "multi-node"),
            ("AssumeRolePolicyDocument", &trust_policy()),
        ],
        Some(&admin),
    );
    assert_eq!(created.status, 200, "CreateRole: {}", created.body);

    // Credentials minted by a work on b (and on a), and the other way round.
    let first = signed_response("alice");
    let minted_by_a = a.assume_role_with_saml(&first).credentials();
    assert_caller_is_the_session(&b, &minted_by_a, "alice");
    assert_caller_is_the_session(&a, &minted_by_a, "alice");

    // The response a accepted is refused by b, and by a itself.
    assert_replay_refused(
        &b.assume_role_with_saml(&first),
        "replay on b of a response used on a",
    );
    assert_replay_refused(
        &a.assume_role_with_saml(&first),
        "replay on a of a response used on a",
    );

    let second = signed_response("bob");
    let minted_by_b = b.assume_role_with_saml(&second).credentials();
    assert_caller_is_the_session(&a, &minted_by_b, "bob");
    assert_replay_refused(
        &a.assume_role_with_saml(&second),
        "replay on a of a response used on b",
    );

    // Both nodes receive one response at the same moment: exactly one accepts it.
    let nodes = Arc::new([a, b]);
    for round in 0..5 {
        let response = Arc::new(signed_response(&format!("carol{round}")));
        let barrier = Arc::new(Barrier::new(2));
        let replies: Vec<Reply> = (0..2)
            .map(|i| {
                let (nodes, response, barrier) = (
                    Arc::clone(&nodes),
                    Arc::clone(&response),
                    Arc::clone(&barrier),
                );
                std::thread::spawn(move || {
                    barrier.wait();
                    nodes[i].assume_role_with_saml(&response)
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|handle| handle.join().unwrap())
            .collect();
        let accepted = replies.iter().filter(|reply| reply.status == 200).count();
        assert_eq!(
            accepted, 1,
            "round {round}: one response sent to both nodes at once was accepted {accepted} times: {replies:?}"
        );
        for reply in replies.iter().filter(|reply| reply.status != 200) {
            assert_replay_refused(reply, "the concurrent replay");
        }
    }
    drop(nodes);
    drop(schema);
}
