//! `fedgate saml verify`, run as a user runs it: the DESIGN.md contract on the saml corpus.

#![allow(
    clippy::unwrap_used,
    reason = "a test helper that fails is a failed test"
)]

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

const NOW: &str = "2030-01-01T00:01:00Z";

fn corpus(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../saml/tests/corpus")
        .join(path)
}

fn verify(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fedgate"))
        .args(["saml", "verify", "--metadata"])
        .arg(corpus("metadata/idp.xml"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or_default()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

fn file(path: &str) -> String {
    corpus(path).to_string_lossy().into_owned()
}

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn accepts_a_signed_response_and_prints_the_assertion_and_the_aws_view() {
    let output = verify(
        &[
            "--response",
            &file("accept/xmlsec1/session-tags.xml"),
            "--now",
            NOW,
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let summary = json(&output);
    assert_eq!(summary["issuer"], "https://idp.example.test/saml");
    assert_eq!(summary["name_id"], "alice");
    assert_eq!(
        summary["name_id_format"],
        "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
    );
    assert_eq!(summary["recipient"], "https://signin.aws.amazon.com/saml");
    assert_eq!(summary["audiences"][0], "urn:amazon:webservices");
    assert_eq!(summary["not_on_or_after"], "2030-01-01T00:05:00Z");
    assert_eq!(summary["session_not_on_or_after"], "2030-01-01T08:00:00Z");
    let aws = &summary["aws"];
    assert_eq!(
        aws["roles"][0]["role_arn"],
        "arn:aws:iam::123456789012:role/ConnectFederation"
    );
    assert_eq!(aws["role_session_name"], "alice");
    assert_eq!(aws["session_duration"], 3600);
    assert_eq!(aws["tags"][0]["key"], "Department");
    assert_eq!(aws["transitive_tag_keys"][0], "Department");
    assert_eq!(aws["source_identity"], "alice");
    let keys = &aws["condition_keys"];
    assert_eq!(keys["saml:aud"][0], "https://signin.aws.amazon.com/saml");
    assert_eq!(keys["saml:sub_type"][0], "persistent");
    assert_eq!(keys["saml:doc"][0], "123456789012/ExampleIdP");
    assert_eq!(keys["saml:edupersonaffiliation"][1], "staff");
}

#[test]
fn reads_base64_from_standard_input_and_the_full_name_id() {
    let xml = std::fs::read(corpus("accept/xmlsec1/comment-in-name-id.xml")).unwrap();
    let encoded = base64_encode(&xml);
    let output = verify(&["--now", NOW], Some(encoded.as_bytes()));
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(json(&output)["name_id"], "alice@example.com.evil.test");
}

#[test]
fn rejects_signature_wrapping_with_reason_on_stderr_and_exit_1() {
    let output = verify(
        &[
            "--response",
            &file("reject/xsw/xsw4-signed-assertion-inside-evil.xml"),
            "--now",
            NOW,
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.starts_with("rejected: SignatureWrapped: ") && stderr.lines().count() == 1,
        "{stderr}"
    );
}

#[test]
fn now_takes_any_rfc3339_offset() {
    let response = file("accept/xmlsec1/assertion-signed.xml");
    let output = verify(
        &[
            "--response",
            &response,
            "--now",
            "2030-01-01T01:01:00+01:00",
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let output = verify(
        &[
            "--response",
            &response,
            "--now",
            "2030-01-01T00:06:00-00:00",
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(1), "{output:?}");
}

#[test]
fn rejects_an_expired_response() {
    let output = verify(
        &[
            "--response",
            &file("accept/xmlsec1/assertion-signed.xml"),
            "--now",
            "2030-01-01T00:06:00Z",
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).starts_with("rejected: Expired: "));
}

#[test]
fn recipient_and_audience_flags_replace_the_aws_defaults() {
    let response = file("accept/xmlsec1/assertion-signed.xml");
    let ours = ["--recipient", "https://fedgate.example.test/saml"];
    let output = verify(
        &[&["--response", &response, "--now", NOW], &ours[..]].concat(),
        None,
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).starts_with("rejected: DestinationMismatch: "));

    let aws = [
        "--recipient",
        "https://signin.aws.amazon.com/saml",
        "--audience",
        "https://other",
    ];
    let output = verify(
        &[&["--response", &response, "--now", NOW], &aws[..]].concat(),
        None,
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).starts_with("rejected: AudienceMismatch: "));
}

#[test]
fn shows_the_aws_rule_an_accepted_response_breaks() {
    let output = verify(
        &[
            "--response",
            &file("accept/xmlsec1/aws-invalid-session-name.xml"),
            "--now",
            NOW,
        ],
        None,
    );
    // Valid SAML, so exit 0; AWS's attribute rule that fails is reported in the AWS view.
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let error = &json(&output)["aws"]["error"];
    assert_eq!(error["code"], "InvalidIdentityToken");
    assert_eq!(error["rule"], "InvalidRoleSessionName");
    assert_eq!(
        error["message"],
        "RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}"
    );
}

#[test]
fn sub_type_keeps_a_saml_1_1_format_whole() {
    let output = verify(
        &[
            "--response",
            &file("accept/xmlsec1/name-id-unspecified.xml"),
            "--now",
            NOW,
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(
        json(&output)["aws"]["condition_keys"]["saml:sub_type"][0],
        "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
    );
}

#[test]
fn usage_and_input_errors_exit_2() {
    let output = verify(
        &["--response", "/nonexistent/response.xml", "--now", NOW],
        None,
    );
    assert_eq!(output.status.code(), Some(2));
    let output = verify(&["--now", "yesterday"], None);
    assert_eq!(output.status.code(), Some(2));
    let output = Command::new(env!("CARGO_BIN_EXE_fedgate"))
        .args(["saml", "verify", "--metadata"])
        .arg(corpus("metadata/bom.xml"))
        .args(["--response", &file("accept/xmlsec1/assertion-signed.xml")])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("Could not parse metadata"));
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
