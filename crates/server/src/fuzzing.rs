//! Entry points for fuzz targets (`fuzz/fuzz_targets/aws_query.rs`) and for replaying their
//! inputs in `cargo test`. Not part of the server's API.

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use time::OffsetDateTime;

use crate::aws::query::QueryRequest;
use crate::aws::sigv4::{self, HttpRequest};
use crate::sts::assume_role_with_saml;

/// The instant the SigV4 checks run at (any fixed time: the input chooses `X-Amz-Date`).
const NOW: OffsetDateTime = time::macros::datetime!(2030-01-01 00:00:00 UTC);

/// Reads arbitrary bytes as an HTTP request and runs the awsQuery and SigV4 parsers over it;
/// must never panic.
///
/// Layout: the query string up to the first `\n`, then `Name: value` header lines up to an
/// empty line, then the body. Lines that are no header are skipped.
pub fn parse_query_request(data: &[u8]) {
    let (query, rest) = split_line(data);
    let query = String::from_utf8_lossy(query);
    let mut headers = HeaderMap::new();
    let mut rest = rest;
    loop {
        let (line, after) = split_line(rest);
        rest = after;
        if line.is_empty() {
            break;
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let (name, value) = line.split_at(colon);
        let value = value.get(1..).unwrap_or_default().trim_ascii();
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.trim_ascii()),
            HeaderValue::from_bytes(value),
        ) {
            headers.append(name, value);
        }
    }
    let body = rest;

    if let Ok(request) = QueryRequest::parse(&query, body) {
        let params = request.params();
        let _ = params.list("Names");
        let _ = params.map("Tags");
        if let Ok(Some(members)) = params.structure_list("PolicyArns") {
            for member in members {
                let _ = member.string("arn");
                let _ = member.structure("Nested").string("Field");
            }
        }
        let _ = request.check_version(crate::aws::query::QueryApi::Sts);
        let _ = assume_role_with_saml::Input::parse(&request);
    }

    for service in ["sts", "iam"] {
        let view = HttpRequest::new("POST", "/", &query, &headers, body);
        if let Ok(unverified) = sigv4::parse(&view, service, NOW) {
            let _ = unverified.access_key_id();
            let _ = unverified.canonical_request();
            let _ = unverified.string_to_sign();
            let _ = unverified.verify("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
        }
    }
}

/// The bytes up to the first `\n` (without it, and without a `\r` before it) and the rest.
fn split_line(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|&b| b == b'\n') {
        Some(end) => {
            let (line, rest) = data.split_at(end);
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            (line, rest.get(1..).unwrap_or_default())
        }
        None => (data, &[]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Inputs the fuzz target starts from, replayed here: each exercises another parser path.
    const SEEDS: &[&[u8]] = &[
        b"",
        b"\n",
        b"Action=AssumeRoleWithSAML&Version=2011-06-15\n\nRoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2FA&PrincipalArn=x&SAMLAssertion=abcd&PolicyArns.member.1.arn=y&PolicyArns.member.0002.arn=z&DurationSeconds=99999999999999999999",
        b"Action=GetCallerIdentity&Version=2011-06-15\nhost: 127.0.0.1:4580\nx-amz-date: 20300101T000000Z\nauthorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20300101/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31\n\n",
        b"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20300101%2Fus-east-1%2Fiam%2Faws4_request&X-Amz-Date=20300101T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=00\nhost: h\n\n",
        b"Action=%zz&Action=x\nauthorization: AWS4-HMAC-SHA256 Credential=/////, SignedHeaders=, Signature=\nx-amz-date: 2030\n\n\xff\xfe",
        b"Tags.entry.1.key=a&Tags.entry.2.value=b&Names.member.1=a&Names.member.1001=b\n\n",
    ];

    #[test]
    fn the_seed_inputs_parse_without_panicking() {
        for seed in SEEDS {
            parse_query_request(seed);
        }
    }

    #[test]
    fn split_line_strips_the_line_ending() {
        assert_eq!(split_line(b"a\r\nb"), (&b"a"[..], &b"b"[..]));
        assert_eq!(split_line(b"ab"), (&b"ab"[..], &b""[..]));
    }
}
