//! Runs every case file under `tests/cases/` (see its README). A file that does not load, a
//! case that is neither an evaluation nor a parse case, and a named policy no case uses all
//! fail the test.
#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test harness: a failed expectation is a failed test"
)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use fedgate_policy::{
    Arn, Context, Decision, Policy, PolicyError, PolicyKind, PolicySet, Principal, Request,
    parse_context_entry,
};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    /// The AWS page that decides the cases of this file.
    source: String,
    /// Policy documents by name, for `identity`, `trust`, `boundary` and `session`.
    #[serde(default)]
    policy: BTreeMap<String, String>,
    case: Vec<Case>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    /// A more precise page than the file's `source`.
    source: Option<String>,
    // An evaluation case: policies by name, the request, and the expected decision.
    #[serde(default)]
    identity: Vec<String>,
    trust: Option<String>,
    boundary: Option<String>,
    #[serde(default)]
    session: Vec<String>,
    action: Option<String>,
    resource: Option<String>,
    principal: Option<String>,
    #[serde(default)]
    context: Vec<String>,
    expect: Option<String>,
    /// `layer/policy/statement` of each deciding statement, in order.
    deciding: Option<Vec<String>>,
    /// For `ImplicitDeny`: the layer that did not allow.
    missing: Option<String>,
    // A parse case: a document of a kind, and what parsing it gives.
    kind: Option<String>,
    document: Option<String>,
    /// IAM's MalformedPolicyDocument message.
    malformed: Option<String>,
    /// The document parses.
    parses: Option<bool>,
}

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases")
}

fn load_all() -> Vec<(String, CaseFile)> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(cases_dir()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name == "README.md" {
            continue;
        }
        assert!(name.ends_with(".toml"), "{name}: case files are .toml");
        let text = std::fs::read_to_string(&path).unwrap();
        let file: CaseFile =
            toml::from_str(&text).unwrap_or_else(|error| panic!("{name} does not load: {error}"));
        assert!(
            file.source.starts_with("https://"),
            "{name}: source must be a URL"
        );
        assert!(!file.case.is_empty(), "{name}: no cases");
        files.push((name, file));
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files
}

fn kind(name: &str) -> PolicyKind {
    match name {
        "identity" => PolicyKind::Identity,
        "trust" => PolicyKind::Trust,
        "session" => PolicyKind::Session,
        "boundary" => PolicyKind::Boundary,
        other => panic!("unknown kind {other}"),
    }
}

fn parse_named(file: &CaseFile, name: &str, kind: PolicyKind, label: &str) -> Policy {
    let text = file
        .policy
        .get(name)
        .unwrap_or_else(|| panic!("{label}: no policy named {name}"));
    Policy::parse(text, kind).unwrap_or_else(|error| panic!("{label}: policy {name}: {error}"))
}

fn describe(decision: &Decision<'_>) -> Vec<String> {
    decision
        .deciding()
        .iter()
        .map(|r| format!("{}/{}/{}", r.layer.name(), r.policy, r.statement))
        .collect()
}

fn run_evaluation(file: &CaseFile, case: &Case, label: &str, used: &mut BTreeSet<String>) {
    let named = |names: &[String], kind: PolicyKind, used: &mut BTreeSet<String>| -> Vec<Policy> {
        names
            .iter()
            .map(|name| {
                used.insert(name.clone());
                parse_named(file, name, kind, label)
            })
            .collect()
    };
    let identity = named(&case.identity, PolicyKind::Identity, used);
    let trust = named(case.trust.as_slice(), PolicyKind::Trust, used);
    let boundary = named(case.boundary.as_slice(), PolicyKind::Boundary, used);
    let session = named(&case.session, PolicyKind::Session, used);
    let mut context = Context::new();
    for entry in &case.context {
        let (key, values) =
            parse_context_entry(entry).unwrap_or_else(|e| panic!("{label}: context {entry}: {e}"));
        context.insert_all(&key, values);
    }
    let resource = case
        .resource
        .as_deref()
        .map(|text| Arn::parse(text).unwrap_or_else(|e| panic!("{label}: resource: {e}")));
    let principal = case.principal.as_deref().map(Principal::classify);
    let request = Request {
        principal: principal.as_ref(),
        action: case.action.as_deref().expect("action"),
        resource: resource.as_ref(),
        context: &context,
    };
    let set = PolicySet {
        identity: &identity,
        trust: trust.first(),
        boundary: boundary.first(),
        session: &session,
    };
    let decision = fedgate_policy::evaluate(&set, &request);
    let expected = case.expect.as_deref().unwrap();
    assert_eq!(
        decision.effect().to_string(),
        expected,
        "{label}: {decision:?}"
    );
    if let Some(deciding) = &case.deciding {
        assert_eq!(&describe(&decision), deciding, "{label}");
    }
    assert_eq!(
        decision.missing_allow().map(|layer| layer.name()),
        case.missing.as_deref(),
        "{label}"
    );
}

fn run_parse(case: &Case, label: &str) {
    let kind = kind(
        case.kind
            .as_deref()
            .unwrap_or_else(|| panic!("{label}: kind")),
    );
    let document = case.document.as_deref().unwrap();
    let result = Policy::parse(document, kind);
    match (&case.malformed, case.parses) {
        (Some(message), None) => match result {
            Err(PolicyError::Malformed(malformed)) => {
                assert_eq!(malformed.message(), message, "{label} ({malformed})");
            }
            other => panic!("{label}: expected MalformedPolicyDocument, got {other:?}"),
        },
        (None, Some(true)) => {
            result.unwrap_or_else(|error| panic!("{label}: {error}"));
        }
        _ => panic!("{label}: a parse case has exactly one of `malformed` or `parses = true`"),
    }
}

#[test]
fn every_case_file_holds() {
    let files = load_all();
    let mut total = 0;
    for (name, file) in &files {
        let mut used = BTreeSet::new();
        for case in &file.case {
            let label = format!("{name}: {}", case.name);
            if let Some(source) = &case.source {
                assert!(source.starts_with("https://"), "{label}: source is a URL");
            }
            match (&case.document, &case.expect) {
                (Some(_), None) => run_parse(case, &label),
                (None, Some(_)) => run_evaluation(file, case, &label, &mut used),
                _ => panic!("{label}: a case has either `document` or `expect`"),
            }
            total += 1;
        }
        let unused: Vec<_> = file.policy.keys().filter(|k| !used.contains(*k)).collect();
        assert!(
            unused.is_empty(),
            "{name}: policies no case uses: {unused:?}"
        );
    }
    assert!(total >= 100, "only {total} cases");
    eprintln!("{} case files, {total} cases", files.len());
}

#[test]
fn every_case_document_survives_the_fuzz_target() {
    let mut documents = 0;
    for (_, file) in load_all() {
        for text in file.policy.values() {
            assert!(fedgate_policy::fuzzing::parse_and_evaluate(text.as_bytes()) > 0);
            documents += 1;
        }
        for case in &file.case {
            if let Some(document) = &case.document {
                let parsed = fedgate_policy::fuzzing::parse_and_evaluate(document.as_bytes());
                if case.parses == Some(true) {
                    assert!(parsed > 0, "{}", case.name);
                }
                documents += 1;
            }
        }
    }
    assert!(documents > 0);
}
