//! Evaluations per second of the policies fedgate evaluates on every sign-in, and the cost of
//! parsing. Targets (issue 4): ≥ 2,000,000/s/core for the SAML trust policy and the Connect
//! permission policy, ≥ 200,000/s/core for 100 statements with conditions, cost linear in the
//! number of statements. Criterion prints each as elements per second (`thrpt`).
#![expect(
    clippy::unwrap_used,
    reason = "a benchmark: its set-up either works or it is wrong"
)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use fedgate_policy::{
    Arn, Context, ContextValue, Policy, PolicyKind, PolicySet, Principal, Request, evaluate,
};

const TRUST: &str = r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow",
  "Action": "sts:AssumeRoleWithSAML",
  "Principal": {"Federated": "arn:aws:iam::123456789012:saml-provider/ExampleOrgSSOProvider"},
  "Condition": {"StringEquals": {"SAML:aud": ["https://signin.aws.amazon.com/saml",
    "https://eu-west-2.signin.aws.amazon.com/saml"]}}}}"#;

const CONNECT: &str = r#"{"Version": "2012-10-17", "Statement": [{"Sid": "Statement1",
  "Effect": "Allow", "Action": "connect:GetFederationToken",
  "Resource": ["arn:aws:connect:eu-west-2:123456789012:instance/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111/user/${aws:userid}"]}]}"#;

const USER: &str = "arn:aws:connect:eu-west-2:123456789012:instance/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111/user/AROADBQP57FF2AEXAMPLE:jdoe";

/// How the conditions of the benchmark statements fail.
#[derive(Clone, Copy)]
enum Conditions {
    /// `StringEquals` on a tag fails, so the `IpAddress` after it is not evaluated.
    FirstFails,
    /// `StringLike` on a tag holds (by its second value) and the `IpAddress` after it fails:
    /// both are evaluated.
    LastFails,
}

/// `count` statements, each with an action list, a resource pattern and two conditions. The
/// action of every statement matches the request; the resource of every other statement does
/// too, and then its conditions are evaluated and fail; only the last statement allows. So
/// every statement is evaluated as far as it can be. Identity policies hold at most 10,240
/// characters, so more than about 35 such statements take several policies.
fn statements(count: usize, conditions: Conditions) -> Vec<String> {
    let mut statements: Vec<String> = (0..count.saturating_sub(1))
        .map(|i| {
            let resource = if i % 2 == 0 { "user/*".to_owned() } else { format!("queue/{i}") };
            format!(
                r#"{{"Sid": "S{i}", "Effect": "Allow", "Action": ["s3:Get*", "connect:Get*", "ec2:*"],
                "Resource": "arn:aws:connect:*:123456789012:instance/*/{resource}",
                "Condition": {{"{}": {{"aws:PrincipalTag/team": {}}},
                  "IpAddress": {{"aws:SourceIp": "10.{}.0.0/16"}}}}}}"#,
                match conditions {
                    Conditions::FirstFails => "StringEquals",
                    Conditions::LastFails => "StringLike",
                },
                match conditions {
                    Conditions::FirstFails => format!(r#""team-{i}""#),
                    Conditions::LastFails => format!(r#"["team-{i}", "b*"]"#),
                },
                i % 250
            )
        })
        .collect();
    statements.push(
        r#"{"Sid": "Last", "Effect": "Allow", "Action": "connect:GetFederationToken",
        "Resource": "arn:aws:connect:*:123456789012:instance/*/user/${aws:userid}",
        "Condition": {"StringEquals": {"connect:InstanceId": "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"}}}"#
            .to_owned(),
    );
    statements
}

/// The statements as documents of at most `per_document` statements.
fn documents(count: usize, per_document: usize, conditions: Conditions) -> Vec<String> {
    statements(count, conditions)
        .chunks(per_document)
        .map(|chunk| {
            format!(
                r#"{{"Version": "2012-10-17", "Statement": [{}]}}"#,
                chunk.join(",")
            )
        })
        .collect()
}

fn context() -> Context {
    let mut context = Context::new();
    context.insert(
        "saml:aud",
        ContextValue::string("https://eu-west-2.signin.aws.amazon.com/saml"),
    );
    context.insert(
        "aws:userid",
        ContextValue::string("AROADBQP57FF2AEXAMPLE:jdoe"),
    );
    context.insert(
        "connect:InstanceId",
        ContextValue::string("a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"),
    );
    context.insert("aws:PrincipalTag/team", ContextValue::string("blue"));
    context.insert("aws:SourceIp", ContextValue::Ip([203, 0, 113, 9].into()));
    context
}

fn bench(c: &mut Criterion) {
    let context = context();
    let provider =
        Principal::classify("arn:aws:iam::123456789012:saml-provider/ExampleOrgSSOProvider");
    let user = Arn::parse(USER).unwrap();

    let trust = Policy::parse(TRUST, PolicyKind::Trust).unwrap();
    let connect = [Policy::parse(CONNECT, PolicyKind::Identity).unwrap()];
    let mut group = c.benchmark_group("evaluate");
    group.throughput(Throughput::Elements(1));
    group.bench_function("saml-trust-policy", |b| {
        let set = PolicySet {
            trust: Some(&trust),
            ..PolicySet::default()
        };
        let request = Request {
            principal: Some(&provider),
            action: "sts:AssumeRoleWithSAML",
            resource: None,
            context: &context,
        };
        b.iter(|| evaluate(black_box(&set), black_box(&request)).effect());
    });
    group.bench_function("connect-permission-policy", |b| {
        let set = PolicySet {
            identity: &connect,
            ..PolicySet::default()
        };
        let request = Request {
            principal: None,
            action: "connect:GetFederationToken",
            resource: Some(&user),
            context: &context,
        };
        b.iter(|| evaluate(black_box(&set), black_box(&request)).effect());
    });
    for (name, conditions, counts) in [
        (
            "statements",
            Conditions::FirstFails,
            &[1, 25, 50, 100, 200][..],
        ),
        (
            "statements-all-conditions",
            Conditions::LastFails,
            &[100][..],
        ),
    ] {
        for &count in counts {
            bench_statements(&mut group, name, count, conditions, &context, &user);
        }
    }
    group.finish();

    let mut parsing = c.benchmark_group("parse");
    let [document] = <[String; 1]>::try_from(documents(24, 24, Conditions::FirstFails)).unwrap();
    let size = document.chars().filter(|c| !c.is_whitespace()).count();
    assert!((5_000..=6_144).contains(&size), "{size}");
    parsing.throughput(Throughput::Bytes(document.len() as u64));
    parsing.bench_function("6kb-managed-policy", |b| {
        b.iter(|| Policy::parse(black_box(&document), PolicyKind::Boundary).unwrap());
    });
    parsing.finish();
}

/// Evaluations of `count` statements of the given kind against the Connect request; the
/// last statement allows.
fn bench_statements(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    count: usize,
    conditions: Conditions,
    context: &Context,
    user: &Arn,
) {
    let policies: Vec<Policy> = documents(count, 30, conditions)
        .iter()
        .map(|document| Policy::parse(document, PolicyKind::Identity).unwrap())
        .collect();
    let set = PolicySet {
        identity: &policies,
        ..PolicySet::default()
    };
    let request = Request {
        principal: None,
        action: "connect:GetFederationToken",
        resource: Some(user),
        context,
    };
    assert_eq!(
        evaluate(&set, &request).effect(),
        fedgate_policy::Verdict::Allow
    );
    group.bench_with_input(BenchmarkId::new(name, count), &count, |b, _| {
        b.iter(|| evaluate(black_box(&set), black_box(&request)).effect());
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
