//! `fedgate policy eval`, run as a process: output, exit codes, the DESIGN.md command line.
#![expect(
    clippy::unwrap_used,
    reason = "a test: a failed unwrap is a failed test"
)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const PROVIDER: &str = "arn:aws:iam::123456789012:saml-provider/ExampleOrgSSOProvider";

const TRUST: &str = r#"{
  "Version": "2012-10-17",
  "Statement": {
    "Effect": "Allow",
    "Action": "sts:AssumeRoleWithSAML",
    "Principal": {"Federated": "arn:aws:iam::123456789012:saml-provider/ExampleOrgSSOProvider"},
    "Condition": {"StringEquals": {"SAML:aud": [
      "https://signin.aws.amazon.com/saml",
      "https://eu-west-2.signin.aws.amazon.com/saml"
    ]}}
  }
}"#;

const CONNECT: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "Federate", "Effect": "Allow", "Action": "connect:GetFederationToken",
     "Resource": "arn:aws:connect:eu-west-2:123456789012:instance/ID/user/${aws:userid}"},
    {"Sid": "NoOtherInstance", "Effect": "Deny", "Action": "connect:*", "Resource": "*",
     "Condition": {"StringNotEquals": {"connect:InstanceId": "ID"}}}
  ]
}"#;

const USER_RESOURCE: &str =
    "arn:aws:connect:eu-west-2:123456789012:instance/ID/user/AROAEXAMPLE:jdoe";

struct Files {
    dir: tempfile::TempDir,
}

impl Files {
    fn new() -> Files {
        Files {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

fn fedgate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fedgate"))
        .args(args)
        .output()
        .unwrap()
}

/// `fedgate policy eval ARGS…`
fn eval(args: &[&str]) -> Output {
    fedgate(&[&["policy", "eval"], args].concat())
}

/// Evaluates `sts:AssumeRoleWithSAML` by the example provider against a trust policy file.
fn eval_trust(trust: &Path, audience: &str, extra: &[&str]) -> Output {
    let audience = format!("saml:aud=string:{audience}");
    let args = [
        "--trust",
        "--policy",
        trust.to_str().unwrap(),
        "--action",
        "sts:AssumeRoleWithSAML",
        "--principal",
        PROVIDER,
        "--context",
        &audience,
    ];
    eval(&[args.as_slice(), extra].concat())
}

/// Evaluates `connect:GetFederationToken` by the session `AROAEXAMPLE:jdoe` on its own user.
fn eval_connect(policy: &Path, instance_id: &str, extra: &[&str]) -> Output {
    let instance = format!("connect:InstanceId=string:{instance_id}");
    let args = [
        "--policy",
        policy.to_str().unwrap(),
        "--action",
        "connect:GetFederationToken",
        "--resource",
        USER_RESOURCE,
        "--context",
        "aws:userid=string:AROAEXAMPLE:jdoe",
        "--context",
        &instance,
    ];
    eval(&[args.as_slice(), extra].concat())
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn first_word(output: &Output) -> String {
    stdout(output)
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn trust_policy_allows_a_listed_regional_audience_with_exit_0() {
    let files = Files::new();
    let trust = files.write("trust.json", TRUST);
    let output = eval_trust(&trust, "https://eu-west-2.signin.aws.amazon.com/saml", &[]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(first_word(&output), "Allow");
    assert!(
        stdout(&output).contains("trust policy"),
        "{}",
        stdout(&output)
    );
    assert!(stdout(&output).contains("statement 0"));
}

#[test]
fn trust_policy_refuses_an_unlisted_audience_with_exit_1() {
    let files = Files::new();
    let trust = files.write("trust.json", TRUST);
    // --resource is accepted and ignored with --trust.
    let resource = ["--resource", "arn:aws:iam::123456789012:role/Ignored"];
    let output = eval_trust(
        &trust,
        "https://us-east-1.signin.aws.amazon.com/saml",
        &resource,
    );
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(first_word(&output), "ImplicitDeny");
    assert!(stdout(&output).contains("no statement of the trust policies allows"));
}

#[test]
fn connect_policy_allows_the_sessions_own_user_and_names_the_statement() {
    let files = Files::new();
    let connect = files.write("connect.json", CONNECT);
    let output = eval_connect(&connect, "ID", &[]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(
        stdout(&output),
        format!(
            "Allow\n  Allow by identity policy {} statement 0 (Sid \"Federate\")\n",
            connect.display()
        )
    );
}

#[test]
fn explicit_deny_names_the_deny_statement_with_exit_1() {
    let files = Files::new();
    let connect = files.write("connect.json", CONNECT);
    let output = eval_connect(&connect, "OTHER", &[]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(first_word(&output), "ExplicitDeny");
    assert!(stdout(&output).contains("statement 1 (Sid \"NoOtherInstance\")"));
}

#[test]
fn json_output_carries_the_decision_and_statements() {
    let files = Files::new();
    let connect = files.write("connect.json", CONNECT);
    let boundary = files.write(
        "boundary.json",
        r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}"#,
    );
    let output = eval_connect(
        &connect,
        "ID",
        &["--json", "--boundary", boundary.to_str().unwrap()],
    );
    assert_eq!(output.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(json["decision"], "ImplicitDeny");
    assert_eq!(json["missing_allow"], "boundary");
    assert_eq!(json["deciding"], serde_json::json!([]));
    let allowed = eval_connect(&connect, "ID", &["--json"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&allowed)).unwrap();
    assert_eq!(json["decision"], "Allow");
    assert_eq!(json["deciding"][0]["sid"], "Federate");
    assert_eq!(json["deciding"][0]["layer"], "identity");
}

#[test]
fn session_policy_narrows_the_permissions() {
    let files = Files::new();
    let identity = files.write(
        "identity.json",
        r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}"#,
    );
    let session = files.write(
        "session.json",
        r#"{"Version": "2012-10-17", "Statement": {"Sid": "ReadOnly", "Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}}"#,
    );
    let run = |action: &str| {
        eval(&[
            "--policy",
            identity.to_str().unwrap(),
            "--session-policy",
            session.to_str().unwrap(),
            "--action",
            action,
            "--resource",
            "arn:aws:s3:::bucket/key",
        ])
    };
    let get = run("s3:GetObject");
    assert_eq!(get.status.code(), Some(0));
    assert!(stdout(&get).contains("session policy"));
    let put = run("s3:PutObject");
    assert_eq!(put.status.code(), Some(1));
    assert!(stdout(&put).contains("no statement of the session policies allows s3:PutObject"));
}

#[test]
fn malformed_policy_prints_iams_message_with_exit_2() {
    let files = Files::new();
    let cases = [
        (
            r#"{"Version": "2012-10-17", "Statement": []}"#,
            "MalformedPolicyDocument: Syntax errors in policy.\n",
        ),
        // A trust policy given as an identity policy.
        (
            TRUST,
            "MalformedPolicyDocument: Policy statement must contain resources.\n",
        ),
    ];
    for (document, expected) in cases {
        let policy = files.write("policy.json", document);
        let output = eval(&[
            "--policy",
            policy.to_str().unwrap(),
            "--action",
            "sts:AssumeRoleWithSAML",
            "--resource",
            "arn:aws:iam::123456789012:role/R",
        ]);
        assert_eq!(output.status.code(), Some(2));
        assert_eq!(stdout(&output), expected);
    }
}

#[test]
fn reads_the_policy_from_standard_input() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fedgate"))
        .args([
            "policy",
            "eval",
            "--trust",
            "--policy",
            "-",
            "--action",
            "sts:AssumeRoleWithSAML",
            "--principal",
            PROVIDER,
            "--context",
            "SAML:aud=string:https://signin.aws.amazon.com/saml",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(TRUST.as_bytes()).unwrap();
    drop(stdin);
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(first_word(&output), "Allow");
}

#[test]
fn usage_errors_exit_2_with_nothing_on_standard_output() {
    let files = Files::new();
    let connect = files.write("connect.json", CONNECT);
    let connect = connect.to_str().unwrap();
    let policy = ["--policy", connect, "--action", "a:b"];
    let cases: [&[&str]; 5] = [
        // --resource is required without --trust.
        &[],
        &["--resource", "not-an-arn"],
        &[
            "--resource",
            USER_RESOURCE,
            "--context",
            "aws:userid=uuid:x",
        ],
        // A role has one trust policy.
        &["--trust", "--policy", connect],
        &[
            "--resource",
            USER_RESOURCE,
            "--policy",
            "/nonexistent/policy.json",
        ],
    ];
    for extra in cases {
        let output = eval(&[policy.as_slice(), extra].concat());
        assert_eq!(output.status.code(), Some(2), "{extra:?}: {output:?}");
        assert!(output.stdout.is_empty(), "{extra:?}");
    }
}

#[test]
fn oversized_trust_policy_prints_the_quota_with_exit_2() {
    let files = Files::new();
    let audiences: Vec<String> = (0..60)
        .map(|i| format!("\"https://r{i}.signin.aws.amazon.com/saml\""))
        .collect();
    let trust = files.write(
        "trust.json",
        &TRUST.replace(
            "\"https://signin.aws.amazon.com/saml\",",
            &format!("{},", audiences.join(",")),
        ),
    );
    let output = eval_trust(&trust, "https://signin.aws.amazon.com/saml", &[]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stdout(&output),
        "LimitExceeded: Cannot exceed quota for ACLSizePerRole: 2048\n"
    );
}
