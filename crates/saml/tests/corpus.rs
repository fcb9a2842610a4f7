//! Replays `tests/corpus/` against its manifest `cases.toml`: every file must be listed, every
//! listed file must exist, and every [`Rejection`] must have at least one vector.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "a test helper that fails is a failed test"
)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use fedgate_saml::{IdpMetadata, Rejection, SamlResponse, ServiceProvider, parse_timestamp};
use serde::Deserialize;

const DEFAULT_NOW: &str = "2030-01-01T00:01:00Z";
const DEFAULT_METADATA: &str = "metadata/idp.xml";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    reject: Option<String>,
    name_id: Option<String>,
    name_id_format: Option<String>,
    signature: Option<String>,
    roles: Option<usize>,
    recipient: Option<String>,
    now: Option<String>,
    metadata: Option<String>,
    allow_sha1: Option<bool>,
    metadata_error: Option<String>,
    metadata_entities: Option<usize>,
    metadata_keys: Option<usize>,
}

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

fn manifest() -> BTreeMap<String, Case> {
    let text = std::fs::read_to_string(corpus().join("cases.toml")).unwrap();
    toml::from_str(&text).unwrap()
}

/// Every data file of the corpus, relative to it (keys and documentation excluded).
fn files() -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut dirs = vec![corpus()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let rel = path
                .strip_prefix(corpus())
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if path.is_dir() {
                if rel != "keys" {
                    dirs.push(path);
                }
            } else if rel != "cases.toml" && rel != "README.md" {
                found.insert(rel);
            }
        }
    }
    found
}

fn service_provider() -> ServiceProvider {
    ServiceProvider::new(
        "urn:amazon:webservices",
        vec![
            "https://signin.aws.amazon.com/saml".to_owned(),
            "https://eu-west-2.signin.aws.amazon.com/saml".to_owned(),
        ],
    )
    .unwrap()
}

fn metadata(case: &Case) -> IdpMetadata {
    let path = case.metadata.as_deref().unwrap_or(DEFAULT_METADATA);
    let metadata = IdpMetadata::parse(&std::fs::read(corpus().join(path)).unwrap()).unwrap();
    if case.allow_sha1 == Some(true) {
        metadata.allow_sha1()
    } else {
        metadata
    }
}

fn response(path: &str) -> Result<SamlResponse, fedgate_saml::SamlError> {
    let bytes = std::fs::read(corpus().join(path)).unwrap();
    if path.ends_with(".b64") {
        SamlResponse::from_base64(std::str::from_utf8(&bytes).unwrap().trim_end())
    } else {
        SamlResponse::from_xml(&bytes)
    }
}

#[test]
fn every_file_is_in_the_manifest_and_every_entry_exists() {
    let listed: BTreeSet<String> = manifest().into_keys().collect();
    let present = files();
    let unlisted: Vec<_> = present.difference(&listed).collect();
    let missing: Vec<_> = listed.difference(&present).collect();
    assert!(unlisted.is_empty(), "files not in cases.toml: {unlisted:?}");
    assert!(
        missing.is_empty(),
        "cases.toml entries without a file: {missing:?}"
    );
}

#[test]
fn metadata_vectors_parse_or_fail_as_listed() {
    let mut failures = Vec::new();
    for (path, case) in manifest()
        .iter()
        .filter(|(p, _)| p.starts_with("metadata/"))
    {
        let bytes = std::fs::read(corpus().join(path)).unwrap();
        match (IdpMetadata::parse(&bytes), &case.metadata_error) {
            (Ok(metadata), None) => {
                let keys = metadata.providers()[0].keys().keys().len();
                if Some(metadata.providers().len()) != case.metadata_entities
                    || Some(keys) != case.metadata_keys
                {
                    failures.push(format!(
                        "{path}: {} entities, {keys} keys",
                        metadata.providers().len()
                    ));
                }
            }
            (Err(error), Some(expected)) => {
                let variant = format!("{error:?}");
                if !variant.starts_with(expected.as_str()) {
                    failures.push(format!("{path}: expected {expected}, got {variant}"));
                }
            }
            (Ok(_), Some(expected)) => {
                failures.push(format!("{path}: accepted, expected {expected}"))
            }
            (Err(error), None) => failures.push(format!("{path}: refused: {error}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn response_vectors_are_accepted_or_rejected_as_listed() {
    let sp = service_provider();
    let mut failures = Vec::new();
    let mut checked = 0;
    for (path, case) in manifest()
        .iter()
        .filter(|(p, _)| !p.starts_with("metadata/"))
    {
        checked += 1;
        let now = parse_timestamp(case.now.as_deref().unwrap_or(DEFAULT_NOW)).unwrap();
        let result = response(path).and_then(|r| sp.validate(&metadata(case), &r, now));
        match (result, &case.reject) {
            (Ok(valid), None) => {
                let mut wrong = Vec::new();
                if Some(valid.name_id().value()) != case.name_id.as_deref() {
                    wrong.push(format!("name_id {:?}", valid.name_id().value()));
                }
                if let Some(format) = &case.name_id_format
                    && valid.name_id().format() != Some(format.as_str())
                {
                    wrong.push(format!("format {:?}", valid.name_id().format()));
                }
                if let Some(signature) = &case.signature
                    && valid.signature().as_str() != signature
                {
                    wrong.push(format!("signature {}", valid.signature().as_str()));
                }
                if let Some(roles) = case.roles {
                    let found = valid
                        .attributes()
                        .values("https://aws.amazon.com/SAML/Attributes/Role")
                        .count();
                    if found != roles {
                        wrong.push(format!("{found} roles"));
                    }
                }
                let recipient = case
                    .recipient
                    .as_deref()
                    .unwrap_or("https://signin.aws.amazon.com/saml");
                if valid.recipient() != recipient {
                    wrong.push(format!("recipient {}", valid.recipient()));
                }
                if !wrong.is_empty() {
                    failures.push(format!("{path}: accepted with {}", wrong.join(", ")));
                }
            }
            (Err(error), Some(expected)) => {
                if error.rejection().code() != expected {
                    failures.push(format!("{path}: expected {expected}, got {error:?}"));
                }
            }
            (Ok(valid), Some(expected)) => failures.push(format!(
                "{path}: ACCEPTED (name_id {:?}), expected {expected}",
                valid.name_id().value()
            )),
            (Err(error), None) => failures.push(format!("{path}: rejected: {error:?}")),
        }
    }
    assert!(checked >= 90, "only {checked} response vectors");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_rejection_has_a_vector() {
    let covered: BTreeSet<String> = manifest().into_values().filter_map(|c| c.reject).collect();
    let missing: Vec<&str> = Rejection::ALL
        .iter()
        .map(|r| r.code())
        .filter(|code| !covered.contains(*code))
        .collect();
    assert!(missing.is_empty(), "no vector for {missing:?}");
}

#[test]
fn fuzz_target_replays_the_corpus_without_panicking() {
    let sp = service_provider();
    let metadata = metadata(&Case::default());
    let now = parse_timestamp(DEFAULT_NOW).unwrap();
    for path in files() {
        let bytes = std::fs::read(corpus().join(&path)).unwrap();
        fedgate_saml::fuzzing::validate_response(&bytes, &sp, &metadata, now);
        fedgate_saml::fuzzing::parse_metadata(&bytes);
        // Truncations and single-byte flips of every file, too.
        for cut in [
            bytes.len() / 3,
            bytes.len() / 2,
            bytes.len().saturating_sub(1),
        ] {
            fedgate_saml::fuzzing::validate_response(&bytes[..cut], &sp, &metadata, now);
        }
        let mut flipped = bytes.clone();
        if let Some(b) = flipped.get_mut(bytes.len() / 2) {
            *b ^= 0x20;
        }
        fedgate_saml::fuzzing::validate_response(&flipped, &sp, &metadata, now);
    }
}
