//! AWS Signature Version 4 request authentication (`AWS4-HMAC-SHA256`).
//!
//! Two steps, so that the caller can look the secret up (a store read for a long-term key, an
//! AEAD open for a session token) between them, and so that no database lives here:
//!
//! ```text
//! let request = HttpRequest::from_parts(&parts, &body);
//! let unverified = sigv4::parse(&request, "sts", now)?;     // structure, scope, time
//! let secret = lookup(unverified.access_key_id(), unverified.security_token())?;
//! let verified = unverified.verify(secret.expose())?;       // HMAC, constant-time compare
//! ```
//!
//! Both forms are accepted: the `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…,
//! Signature=…` header, and the presigned query (`X-Amz-Algorithm`, `X-Amz-Credential`,
//! `X-Amz-Date`, `X-Amz-Expires`, `X-Amz-SignedHeaders`, `X-Amz-Signature`, optionally
//! `X-Amz-Security-Token`). The canonical request is the one AWS services other than S3 use:
//! the path normalised (dot segments and repeated slashes removed) and then URI-encoded again
//! (so `%2F` on the wire is `%252F` in the canonical URI), the query decoded, re-encoded and
//! sorted, header values trimmed with inner runs of spaces collapsed.
//!
//! Specs: AWS General Reference, "Signature Version 4 signing process" and "Create a
//! canonical request"; checked against AWS's published SigV4 test suite and against requests
//! signed by botocore (`tests/data/sigv4/`).
//!
//! Not here: looking up secrets, unsealing session tokens, expiry of session tokens, deciding
//! which actions may be unsigned (`AssumeRoleWithSAML`): that is the caller's.

use std::fmt;

use aws_lc_rs::{digest, hmac};
use axum::http::{HeaderMap, request};
use time::{Date, Duration, Month, OffsetDateTime, PrimitiveDateTime, Time};

use super::percent;

/// The only algorithm accepted. SigV4a (`AWS4-ECDSA-P256-SHA256`) is not.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// How far the request time may be from `now`, either way.
pub const MAX_SKEW_MINUTES: i64 = 15;

/// The longest `X-Amz-Expires` of a presigned request: seven days, as AWS allows.
pub const MAX_PRESIGNED_EXPIRES_SECONDS: u32 = 604_800;

/// The SHA-256 of the empty payload, in hex.
pub const EMPTY_PAYLOAD_SHA256: &str =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// The `x-amz-content-sha256` value that opts out of payload signing. No operation of STS,
/// IAM or Connect is modelled with an unsigned body, so fedgate refuses it everywhere.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// The credential scope terminator.
const TERMINATOR: &str = "aws4_request";

// SECURITY(resource exhaustion): bound what a request can make us parse and hash.
/// Most headers a signature may cover.
pub const MAX_SIGNED_HEADERS: usize = 64;
/// Most query-string parameters considered.
pub const MAX_QUERY_PARAMETERS: usize = 1_000;
/// Longest `Authorization` header, in bytes.
pub const MAX_AUTHORIZATION_BYTES: usize = 8_192;
/// Longest region name in a credential scope.
pub const MAX_REGION_CHARS: usize = 32;

/// The parts of an HTTP request that SigV4 covers, borrowed from the request.
#[derive(Clone, Copy)]
pub struct HttpRequest<'a> {
    method: &'a str,
    path: &'a str,
    query: &'a str,
    authority: Option<&'a str>,
    headers: &'a HeaderMap,
    body: &'a [u8],
}

impl<'a> HttpRequest<'a> {
    /// A request from its pieces: `path` and `query` as received (still percent-encoded;
    /// `query` without the `?`).
    pub fn new(
        method: &'a str,
        path: &'a str,
        query: &'a str,
        headers: &'a HeaderMap,
        body: &'a [u8],
    ) -> Self {
        Self {
            method,
            path,
            query,
            authority: None,
            headers,
            body,
        }
    }

    /// A request from `http` parts, as axum hands them over. The URI's authority stands in
    /// for a missing `Host` header (HTTP/2 carries `:authority` instead). The URI must be the
    /// one the client sent: under `Router::nest`, which strips the prefix, use `OriginalUri`.
    pub fn from_parts(parts: &'a request::Parts, body: &'a [u8]) -> Self {
        Self {
            method: parts.method.as_str(),
            path: parts.uri.path(),
            query: parts.uri.query().unwrap_or_default(),
            authority: parts.uri.authority().map(|authority| authority.as_str()),
            headers: &parts.headers,
            body,
        }
    }
}

impl fmt::Debug for HttpRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Header values and the body can carry credentials: names and sizes only.
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query_bytes", &self.query.len())
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("body_bytes", &self.body.len())
            .finish_non_exhaustive()
    }
}

/// Where the request carried its signature.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum AuthLocation {
    /// The `Authorization` header.
    Header,
    /// The presigned query string.
    Query,
}

/// A signature whose structure, scope and time were checked, and whose HMAC was not yet.
/// Only [`parse`] builds one; only [`Unverified::verify`] turns it into a [`Verified`].
pub struct Unverified<'a> {
    request: &'a HttpRequest<'a>,
    location: AuthLocation,
    access_key_id: String,
    scope: Scope,
    signed_headers: Vec<String>,
    signature: [u8; 32],
    request_time: OffsetDateTime,
    security_token: Option<String>,
    canonical_query: Vec<u8>,
    payload_hash: String,
}

/// A request whose signature was verified with the secret of its access key id.
pub struct Verified {
    location: AuthLocation,
    access_key_id: String,
    region: String,
    security_token: Option<String>,
    request_time: OffsetDateTime,
}

/// Why a request's signature was refused. Precise for the log; `aws/error.rs` maps each to
/// AWS's code and message.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SigV4Error {
    /// Both an `Authorization` header and presigned query parameters.
    #[error("request carries both an authorization header and a presigned query")]
    Ambiguous,
    /// An expected-looking signature failed to be well formed: a date was not `YYYYMMDDTHHMMSSZ`.
    #[error("malformed date `{0}`")]
    MalformedDate(String),
    /// The request time is more than the allowed skew before `now`.
    #[error("request time {signed_at} is more than {MAX_SKEW_MINUTES} minutes before {now}")]
    Expired {
        /// The signed request time.
        signed_at: OffsetDateTime,
        /// The verifier's time.
        now: OffsetDateTime,
    },
    /// `host` is not among the signed headers.
    #[error("the host header is not signed")]
    HostNotSigned,
    /// `X-Amz-Expires` is not a number of seconds from 1 to seven days.
    #[error("invalid X-Amz-Expires `{0}`")]
    InvalidExpires(String),
    /// The credential scope's region is empty or not a region name.
    #[error("invalid region `{0}` in the credential scope")]
    InvalidRegion(String),
    /// The `Authorization` header cannot be split into its components.
    #[error("malformed authorization header")]
    MalformedAuthorization,
    /// The credential is not `keyid/date/region/service/aws4_request`.
    #[error("malformed credential `{0}`")]
    MalformedCredential(String),
    /// The query string has a malformed escape or too many parameters.
    #[error("malformed query string")]
    MalformedQuery,
    /// The signature is not 64 hex digits.
    #[error("malformed signature")]
    MalformedSignature,
    /// The signed headers list is empty, too long or not lowercase names.
    #[error("malformed signed headers list")]
    MalformedSignedHeaders,
    /// No authentication at all.
    #[error("request is not signed")]
    Missing,
    /// Neither `X-Amz-Date` nor `Date` (header form).
    #[error("no X-Amz-Date or Date header")]
    MissingDate,
    /// Components absent from the `Authorization` header.
    #[error("authorization header lacks {0:?}")]
    MissingHeaderComponents(Vec<&'static str>),
    /// Parameters absent from the presigned query.
    #[error("presigned query lacks {0:?}")]
    MissingQueryParameters(Vec<&'static str>),
    /// The request time is more than the allowed skew after `now`.
    #[error("request time {signed_at} is more than {MAX_SKEW_MINUTES} minutes after {now}")]
    NotYetCurrent {
        /// The signed request time.
        signed_at: OffsetDateTime,
        /// The verifier's time.
        now: OffsetDateTime,
    },
    /// `x-amz-content-sha256` does not match the body.
    #[error("x-amz-content-sha256 does not match the body")]
    PayloadHashMismatch,
    /// A header that must appear at most once appears several times.
    #[error("repeated `{0}` header")]
    RepeatedHeader(String),
    /// The path has `.` or `..` segments or empty segments (`//`): the signature would cover
    /// the normalised path while the router sees another.
    #[error("path is not normalised")]
    UnnormalizedPath,
    /// A presigned request past `X-Amz-Date + X-Amz-Expires`.
    #[error("presigned request signed at {signed_at} for {expires_seconds} s expired before {now}")]
    PresignedExpired {
        /// The signed request time.
        signed_at: OffsetDateTime,
        /// `X-Amz-Expires`.
        expires_seconds: u32,
        /// The verifier's time.
        now: OffsetDateTime,
    },
    /// The credential scope's date is not the request time's date.
    #[error("scope date `{scope_date}` is not the date of {request_time}")]
    ScopeDateMismatch {
        /// The date in the scope.
        scope_date: String,
        /// The request time as signed (`YYYYMMDDTHHMMSSZ`).
        request_time: String,
    },
    /// A signed header is not in the request.
    #[error("signed header `{0}` is absent")]
    SignedHeaderAbsent(String),
    /// The signature does not match: wrong secret, or the request was changed.
    #[error("signature mismatch")]
    SignatureMismatch,
    /// The algorithm is not `AWS4-HMAC-SHA256`.
    #[error("unsupported algorithm `{0}`")]
    UnsupportedAlgorithm(String),
    /// `x-amz-content-sha256: UNSIGNED-PAYLOAD`, which none of fedgate's services allow.
    #[error("unsigned payload refused")]
    UnsignedPayload,
    /// The credential scope names another service.
    #[error("scope names service `{found}`, expected `{expected}`")]
    WrongService {
        /// The service this endpoint is.
        expected: String,
        /// The service in the scope.
        found: String,
    },
    /// The credential scope does not end in `aws4_request`.
    #[error("scope terminator `{0}` is not aws4_request")]
    WrongTerminator(String),
}

/// Why the caller refused the credential named by a signature: its lookup's outcome, mapped
/// to `InvalidClientTokenId` or `ExpiredToken` in `aws/error.rs`.
#[derive(Clone, Copy, Debug, Eq, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialRejection {
    /// The session token was valid and is past its expiry.
    #[error("the session token is expired")]
    ExpiredSessionToken,
    /// The access key exists and is deactivated.
    #[error("the access key is inactive")]
    InactiveAccessKey,
    /// The session token does not open under the sealing key, or does not name this key id.
    #[error("the session token is invalid")]
    InvalidSessionToken,
    /// No such access key id.
    #[error("unknown access key id")]
    UnknownAccessKey,
}

/// Checks everything that needs no secret: the form of the signature, its credential scope
/// (`expected_service`, any well-formed region, the date of the request time), that `host` is
/// signed, and the request time against `now`.
pub fn parse<'a>(
    request: &'a HttpRequest<'a>,
    expected_service: &str,
    now: OffsetDateTime,
) -> Result<Unverified<'a>, SigV4Error> {
    let query = decode_query(request.query)?;
    let header = single_header(request.headers, "authorization")?;
    let presigned = query.iter().any(|(name, _)| {
        matches!(
            name.as_slice(),
            b"X-Amz-Algorithm" | b"X-Amz-Credential" | b"X-Amz-Signature"
        )
    });
    let raw = match (header, presigned) {
        (Some(_), true) => return Err(SigV4Error::Ambiguous),
        (None, false) => return Err(SigV4Error::Missing),
        (Some(header), false) => RawAuth::from_header(header, request.headers)?,
        (None, true) => RawAuth::from_query(&query)?,
    };
    // SECURITY(path confusion): AWS signs the normalised path, but the router matches the path
    // as sent; `/users/a/../b` would be signed as `/users/b` and routed elsewhere. SDKs send
    // normalised paths, so anything else is refused rather than reinterpreted.
    if !is_normalized(request.path) {
        return Err(SigV4Error::UnnormalizedPath);
    }

    if raw.algorithm != ALGORITHM {
        return Err(SigV4Error::UnsupportedAlgorithm(raw.algorithm));
    }
    let (access_key_id, scope) = parse_credential(&raw.credential)?;
    let request_time = parse_amz_date(&raw.date)?;
    scope.check(expected_service, &raw.date)?;
    let signed_headers = parse_signed_headers(&raw.signed_headers)?;
    // SECURITY: an unsigned Host lets a signature captured for one endpoint be replayed to
    // another; AWS requires it signed, so do we.
    if !signed_headers.iter().any(|name| name == "host") {
        return Err(SigV4Error::HostNotSigned);
    }
    let signature = parse_signature(&raw.signature)?;
    check_time(request_time, raw.expires, now)?;

    let canonical_query = canonical_query(&query, raw.location);
    let payload_hash = payload_hash(request)?;
    Ok(Unverified {
        request,
        location: raw.location,
        access_key_id,
        scope,
        signed_headers,
        signature,
        request_time,
        security_token: raw.security_token,
        canonical_query,
        payload_hash,
    })
}

impl Unverified<'_> {
    /// The access key id the signature claims, to look its secret up.
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// `X-Amz-Security-Token`, present for temporary credentials.
    pub fn security_token(&self) -> Option<&str> {
        self.security_token.as_deref()
    }

    /// The region of the credential scope.
    pub fn region(&self) -> &str {
        &self.scope.region
    }

    /// Where the signature was.
    pub fn location(&self) -> AuthLocation {
        self.location
    }

    /// The signed request time.
    pub fn request_time(&self) -> OffsetDateTime {
        self.request_time
    }

    /// The canonical request this server computes, for a debug log on a mismatch.
    pub fn canonical_request(&self) -> Result<Vec<u8>, SigV4Error> {
        let request = self.request;
        let mut out = Vec::with_capacity(256 + self.canonical_query.len());
        out.extend_from_slice(request.method.as_bytes());
        out.push(b'\n');
        canonical_uri_into(&mut out, request.path);
        out.push(b'\n');
        out.extend_from_slice(&self.canonical_query);
        out.push(b'\n');
        for name in &self.signed_headers {
            out.extend_from_slice(name.as_bytes());
            out.push(b':');
            canonical_header_value_into(&mut out, request, name)?;
            out.push(b'\n');
        }
        out.push(b'\n');
        out.extend_from_slice(self.signed_headers.join(";").as_bytes());
        out.push(b'\n');
        out.extend_from_slice(self.payload_hash.as_bytes());
        Ok(out)
    }

    /// The string to sign: algorithm, request time, scope, hash of the canonical request.
    pub fn string_to_sign(&self) -> Result<String, SigV4Error> {
        let canonical = self.canonical_request()?;
        let hash = digest::digest(&digest::SHA256, &canonical);
        Ok(format!(
            "{ALGORITHM}\n{}\n{}\n{}",
            format_amz_date(self.request_time),
            self.scope,
            hex::encode(hash.as_ref())
        ))
    }

    /// Checks the signature with the secret access key of [`Self::access_key_id`]. The
    /// comparison is constant-time.
    pub fn verify(self, secret_access_key: &str) -> Result<Verified, SigV4Error> {
        let string_to_sign = self.string_to_sign()?;
        let key = signing_key(secret_access_key, &self.scope);
        hmac::verify(&key, string_to_sign.as_bytes(), &self.signature)
            .map_err(|_| SigV4Error::SignatureMismatch)?;
        Ok(Verified {
            location: self.location,
            access_key_id: self.access_key_id,
            region: self.scope.region,
            security_token: self.security_token,
            request_time: self.request_time,
        })
    }
}

impl fmt::Debug for Unverified<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Unverified")
            .field("location", &self.location)
            .field("access_key_id", &self.access_key_id)
            .field("scope", &self.scope)
            .field("signed_headers", &self.signed_headers)
            .field("request_time", &self.request_time)
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| "<redacted>"),
            )
            .finish_non_exhaustive()
    }
}

impl Verified {
    /// The access key id whose secret signed the request.
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// The session token that came with the signature (temporary credentials).
    pub fn security_token(&self) -> Option<&str> {
        self.security_token.as_deref()
    }

    /// The region the client signed for.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// Where the signature was.
    pub fn location(&self) -> AuthLocation {
        self.location
    }

    /// The signed request time.
    pub fn request_time(&self) -> OffsetDateTime {
        self.request_time
    }
}

impl fmt::Debug for Verified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verified")
            .field("location", &self.location)
            .field("access_key_id", &self.access_key_id)
            .field("region", &self.region)
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| "<redacted>"),
            )
            .field("request_time", &self.request_time)
            .finish()
    }
}

/// The signature of `string_to_sign` under the key derived from the secret and the scope
/// (`date/region/service/aws4_request`), in lowercase hex. What a client computes; the server
/// uses [`Unverified::verify`].
pub fn sign(
    secret_access_key: &str,
    date: &str,
    region: &str,
    service: &str,
    string_to_sign: &str,
) -> String {
    let scope = Scope {
        date: date.to_owned(),
        region: region.to_owned(),
        service: service.to_owned(),
        terminator: TERMINATOR.to_owned(),
    };
    let key = signing_key(secret_access_key, &scope);
    hex::encode(hmac::sign(&key, string_to_sign.as_bytes()).as_ref())
}

/// `YYYYMMDDTHHMMSSZ`, SigV4's time format.
pub fn format_amz_date(time: OffsetDateTime) -> String {
    let time = time.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        time.year(),
        u8::from(time.month()),
        time.day(),
        time.hour(),
        time.minute(),
        time.second()
    )
}

/// Parses `YYYYMMDDTHHMMSSZ`.
pub fn parse_amz_date(text: &str) -> Result<OffsetDateTime, SigV4Error> {
    let malformed = || SigV4Error::MalformedDate(text.to_owned());
    let bytes = text.as_bytes();
    if bytes.len() != 16
        || bytes.get(8) != Some(&b'T')
        || bytes.get(15) != Some(&b'Z')
        || !bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 8 || i == 15 || b.is_ascii_digit())
    {
        return Err(malformed());
    }
    let number = |range: std::ops::Range<usize>| -> Result<u32, SigV4Error> {
        text.get(range)
            .and_then(|digits| digits.parse().ok())
            .ok_or_else(malformed)
    };
    let year = i32::try_from(number(0..4)?).map_err(|_| malformed())?;
    let month = u8::try_from(number(4..6)?)
        .ok()
        .and_then(|m| Month::try_from(m).ok());
    let day = u8::try_from(number(6..8)?).map_err(|_| malformed())?;
    let hour = u8::try_from(number(9..11)?).map_err(|_| malformed())?;
    let minute = u8::try_from(number(11..13)?).map_err(|_| malformed())?;
    let second = u8::try_from(number(13..15)?).map_err(|_| malformed())?;
    let date = Date::from_calendar_date(year, month.ok_or_else(malformed)?, day)
        .map_err(|_| malformed())?;
    let time = Time::from_hms(hour, minute, second).map_err(|_| malformed())?;
    Ok(PrimitiveDateTime::new(date, time).assume_utc())
}

// ---------------------------------------------------------------------------------------------

/// The four parts of a credential scope after the access key id.
#[derive(Debug)]
struct Scope {
    date: String,
    region: String,
    service: String,
    terminator: String,
}

impl Scope {
    fn check(&self, expected_service: &str, request_time: &str) -> Result<(), SigV4Error> {
        if self.terminator != TERMINATOR {
            return Err(SigV4Error::WrongTerminator(self.terminator.clone()));
        }
        if self.service != expected_service {
            return Err(SigV4Error::WrongService {
                expected: expected_service.to_owned(),
                found: self.service.clone(),
            });
        }
        let region_ok = !self.region.is_empty()
            && self.region.len() <= MAX_REGION_CHARS
            && self
                .region
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !region_ok {
            return Err(SigV4Error::InvalidRegion(self.region.clone()));
        }
        // SECURITY: the signing key is derived from the scope date; a scope date unrelated to
        // the request time would let a key derived for one day sign requests of another.
        if request_time.get(..8) != Some(self.date.as_str()) {
            return Err(SigV4Error::ScopeDateMismatch {
                scope_date: self.date.clone(),
                request_time: request_time.to_owned(),
            });
        }
        Ok(())
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}/{}/{}",
            self.date, self.region, self.service, self.terminator
        )
    }
}

/// The signature's parameters as the request spelled them, before any checks.
struct RawAuth {
    location: AuthLocation,
    algorithm: String,
    credential: String,
    signed_headers: String,
    signature: String,
    date: String,
    expires: Option<u32>,
    security_token: Option<String>,
}

impl RawAuth {
    fn from_header(header: &[u8], headers: &HeaderMap) -> Result<Self, SigV4Error> {
        if header.len() > MAX_AUTHORIZATION_BYTES {
            return Err(SigV4Error::MalformedAuthorization);
        }
        let header = std::str::from_utf8(header).map_err(|_| SigV4Error::MalformedAuthorization)?;
        let (algorithm, components) = header.trim().split_once(' ').unwrap_or((header.trim(), ""));
        if algorithm != ALGORITHM {
            return Err(SigV4Error::UnsupportedAlgorithm(algorithm.to_owned()));
        }
        let (mut credential, mut signed_headers, mut signature) = (None, None, None);
        for component in components
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            let (name, value) = component
                .split_once('=')
                .ok_or(SigV4Error::MalformedAuthorization)?;
            let slot = match name {
                "Credential" => &mut credential,
                "SignedHeaders" => &mut signed_headers,
                "Signature" => &mut signature,
                _ => return Err(SigV4Error::MalformedAuthorization),
            };
            // SECURITY: a repeated component is ambiguous; refuse rather than pick one.
            if slot.replace(value.to_owned()).is_some() {
                return Err(SigV4Error::MalformedAuthorization);
            }
        }
        let mut missing = Vec::new();
        for (value, name) in [
            (&credential, "Credential"),
            (&signature, "Signature"),
            (&signed_headers, "SignedHeaders"),
        ] {
            if value.is_none() {
                missing.push(name);
            }
        }
        let (Some(credential), Some(signed_headers), Some(signature)) =
            (credential, signed_headers, signature)
        else {
            return Err(SigV4Error::MissingHeaderComponents(missing));
        };
        let date = match single_header(headers, "x-amz-date")? {
            Some(date) => String::from_utf8(date.to_vec()).map_err(|_| {
                SigV4Error::MalformedDate(String::from_utf8_lossy(date).into_owned())
            })?,
            None => {
                let date = single_header(headers, "date")?.ok_or(SigV4Error::MissingDate)?;
                format_amz_date(parse_http_date(date)?)
            }
        };
        let security_token = single_header(headers, "x-amz-security-token")?
            .map(|token| String::from_utf8_lossy(token).into_owned());
        Ok(Self {
            location: AuthLocation::Header,
            algorithm: algorithm.to_owned(),
            credential,
            signed_headers,
            signature,
            date,
            expires: None,
            security_token,
        })
    }

    fn from_query(query: &[QueryPair]) -> Result<Self, SigV4Error> {
        let mut found: [Option<String>; 7] = Default::default();
        const NAMES: [&str; 7] = [
            "X-Amz-Algorithm",
            "X-Amz-Credential",
            "X-Amz-Signature",
            "X-Amz-SignedHeaders",
            "X-Amz-Date",
            "X-Amz-Expires",
            "X-Amz-Security-Token",
        ];
        for (name, value) in query {
            let Some(index) = NAMES
                .iter()
                .position(|known| known.as_bytes() == name.as_slice())
            else {
                continue;
            };
            let value = String::from_utf8(value.clone()).map_err(|_| SigV4Error::MalformedQuery)?;
            let Some(slot) = found.get_mut(index) else {
                continue;
            };
            // SECURITY: a repeated auth parameter is ambiguous; refuse rather than pick one.
            if slot.replace(value).is_some() {
                return Err(SigV4Error::MalformedQuery);
            }
        }
        let [
            algorithm,
            credential,
            signature,
            signed_headers,
            date,
            expires,
            security_token,
        ] = found;
        let mut missing = Vec::new();
        for (value, name) in [
            (&algorithm, "X-Amz-Algorithm"),
            (&credential, "X-Amz-Credential"),
            (&signature, "X-Amz-Signature"),
            (&signed_headers, "X-Amz-SignedHeaders"),
            (&date, "X-Amz-Date"),
            (&expires, "X-Amz-Expires"),
        ] {
            if value.is_none() {
                missing.push(name);
            }
        }
        let (
            Some(algorithm),
            Some(credential),
            Some(signature),
            Some(signed_headers),
            Some(date),
            Some(expires),
        ) = (
            algorithm,
            credential,
            signature,
            signed_headers,
            date,
            expires,
        )
        else {
            return Err(SigV4Error::MissingQueryParameters(missing));
        };
        let seconds = expires
            .parse::<u32>()
            .ok()
            .filter(|s| (1..=MAX_PRESIGNED_EXPIRES_SECONDS).contains(s))
            .filter(|_| expires.bytes().all(|b| b.is_ascii_digit()))
            .ok_or(SigV4Error::InvalidExpires(expires))?;
        Ok(Self {
            location: AuthLocation::Query,
            algorithm,
            credential,
            signed_headers,
            signature,
            date,
            expires: Some(seconds),
            security_token,
        })
    }
}

/// The one value of a header, `None` if absent; two values are ambiguous and refused.
fn single_header<'h>(headers: &'h HeaderMap, name: &str) -> Result<Option<&'h [u8]>, SigV4Error> {
    let mut values = headers.get_all(name).iter();
    let first = values.next();
    if values.next().is_some() {
        return Err(SigV4Error::RepeatedHeader(name.to_owned()));
    }
    Ok(first.map(|value| value.as_bytes()))
}

fn parse_credential(credential: &str) -> Result<(String, Scope), SigV4Error> {
    let malformed = || SigV4Error::MalformedCredential(credential.to_owned());
    let mut parts = credential.split('/');
    let (Some(key), Some(date), Some(region), Some(service), Some(terminator), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Err(malformed());
    };
    if key.is_empty() || date.len() != 8 || !date.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed());
    }
    let scope = Scope {
        date: date.to_owned(),
        region: region.to_owned(),
        service: service.to_owned(),
        terminator: terminator.to_owned(),
    };
    Ok((key.to_owned(), scope))
}

fn parse_signed_headers(list: &str) -> Result<Vec<String>, SigV4Error> {
    let names: Vec<String> = list.split(';').map(str::to_owned).collect();
    let well_formed = names.len() <= MAX_SIGNED_HEADERS
        && names.iter().all(|name| {
            !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_graphic() && !b.is_ascii_uppercase() && b != b';')
        });
    if !well_formed {
        return Err(SigV4Error::MalformedSignedHeaders);
    }
    Ok(names)
}

fn parse_signature(signature: &str) -> Result<[u8; 32], SigV4Error> {
    let mut out = [0_u8; 32];
    if signature.len() != 64 || signature.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(SigV4Error::MalformedSignature);
    }
    hex::decode_to_slice(signature, &mut out).map_err(|_| SigV4Error::MalformedSignature)?;
    Ok(out)
}

fn check_time(
    signed_at: OffsetDateTime,
    expires: Option<u32>,
    now: OffsetDateTime,
) -> Result<(), SigV4Error> {
    let skew = Duration::minutes(MAX_SKEW_MINUTES);
    if signed_at > now + skew {
        return Err(SigV4Error::NotYetCurrent { signed_at, now });
    }
    match expires {
        None if signed_at < now - skew => Err(SigV4Error::Expired { signed_at, now }),
        Some(expires_seconds) if signed_at + Duration::seconds(expires_seconds.into()) < now => {
            Err(SigV4Error::PresignedExpired {
                signed_at,
                expires_seconds,
                now,
            })
        }
        _ => Ok(()),
    }
}

/// Parses the `Date` header (IMF-fixdate, `Sun, 30 Aug 2015 12:36:00 GMT`).
fn parse_http_date(value: &[u8]) -> Result<OffsetDateTime, SigV4Error> {
    let text = String::from_utf8_lossy(value);
    let malformed = || SigV4Error::MalformedDate(text.clone().into_owned());
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    PrimitiveDateTime::parse(&text, format)
        .map(PrimitiveDateTime::assume_utc)
        .map_err(|_| malformed())
}

/// A decoded query parameter: name and value bytes.
type QueryPair = (Vec<u8>, Vec<u8>);

/// Splits and decodes the query string. Empty segments (`a=1&&b=2`) are skipped.
fn decode_query(query: &str) -> Result<Vec<QueryPair>, SigV4Error> {
    let mut pairs = Vec::new();
    for segment in query.split('&').filter(|segment| !segment.is_empty()) {
        if pairs.len() == MAX_QUERY_PARAMETERS {
            return Err(SigV4Error::MalformedQuery);
        }
        let (name, value) = segment.split_once('=').unwrap_or((segment, ""));
        let name = percent::decode(name).ok_or(SigV4Error::MalformedQuery)?;
        let value = percent::decode(value).ok_or(SigV4Error::MalformedQuery)?;
        pairs.push((name, value));
    }
    Ok(pairs)
}

/// Re-encodes and sorts the decoded query, without `X-Amz-Signature` for a presigned request.
fn canonical_query(pairs: &[QueryPair], location: AuthLocation) -> Vec<u8> {
    let mut encoded: Vec<QueryPair> = pairs
        .iter()
        .filter(|(name, _)| location == AuthLocation::Header || name != b"X-Amz-Signature")
        .map(|(name, value)| {
            let (mut n, mut v) = (Vec::new(), Vec::new());
            percent::encode_into(&mut n, name, false);
            percent::encode_into(&mut v, value, false);
            (n, v)
        })
        .collect();
    encoded.sort();
    let mut out = Vec::new();
    for (i, (name, value)) in encoded.iter().enumerate() {
        if i > 0 {
            out.push(b'&');
        }
        out.extend_from_slice(name);
        out.push(b'=');
        out.extend_from_slice(value);
    }
    out
}

/// The canonical URI of services other than S3: the path with dot segments and empty segments
/// removed (a trailing slash kept), then every byte but unreserved ones and `/` percent-encoded.
/// The path arrives percent-encoded, so its escapes are encoded once more (`%20` → `%2520`),
/// as AWS's signers do. ([`parse`] refuses paths that normalisation would change.)
pub fn canonical_uri(path: &str) -> String {
    let mut out = Vec::with_capacity(path.len() + 8);
    canonical_uri_into(&mut out, path);
    String::from_utf8_lossy(&out).into_owned()
}

/// No `.`, `..` or empty segments, except the empty path, `/` and one trailing slash.
fn is_normalized(path: &str) -> bool {
    if path.is_empty() || path == "/" {
        return true;
    }
    let inner = path.strip_prefix('/').unwrap_or(path);
    let inner = inner.strip_suffix('/').unwrap_or(inner);
    inner
        .split('/')
        .all(|segment| !matches!(segment, "" | "." | ".."))
}

fn canonical_uri_into(out: &mut Vec<u8>, path: &str) {
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            _ => segments.push(segment),
        }
    }
    out.push(b'/');
    for (i, segment) in segments.iter().enumerate() {
        if i > 0 {
            out.push(b'/');
        }
        percent::encode_into(out, segment.as_bytes(), false);
    }
    if !segments.is_empty() && path.ends_with('/') {
        out.push(b'/');
    }
}

/// All values of a signed header, each trimmed with inner whitespace runs collapsed to one
/// space, joined by commas.
fn canonical_header_value_into(
    out: &mut Vec<u8>,
    request: &HttpRequest<'_>,
    name: &str,
) -> Result<(), SigV4Error> {
    let mut values = request
        .headers
        .get_all(name)
        .iter()
        .map(|value| value.as_bytes())
        .peekable();
    if values.peek().is_none() {
        return match (name, request.authority) {
            ("host", Some(authority)) => {
                trimmed_into(out, authority.as_bytes());
                Ok(())
            }
            _ => Err(SigV4Error::SignedHeaderAbsent(name.to_owned())),
        };
    }
    for (i, value) in values.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        trimmed_into(out, value);
    }
    Ok(())
}

fn trimmed_into(out: &mut Vec<u8>, value: &[u8]) {
    for (i, word) in value
        .split(|b| b.is_ascii_whitespace())
        .filter(|w| !w.is_empty())
        .enumerate()
    {
        if i > 0 {
            out.push(b' ');
        }
        out.extend_from_slice(word);
    }
}

/// The payload hash the client signed: `x-amz-content-sha256` when sent (it must then match the
/// body), else the SHA-256 of the body.
fn payload_hash(request: &HttpRequest<'_>) -> Result<String, SigV4Error> {
    let body_hash = hex::encode(digest::digest(&digest::SHA256, request.body).as_ref());
    match single_header(request.headers, "x-amz-content-sha256")? {
        None => Ok(body_hash),
        // SECURITY: the body carries the action and its parameters; a signature that does not
        // cover it would let anyone on the path rewrite a signed request.
        Some(claimed) if claimed == UNSIGNED_PAYLOAD.as_bytes() => Err(SigV4Error::UnsignedPayload),
        Some(claimed) if claimed == body_hash.as_bytes() => Ok(body_hash),
        Some(_) => Err(SigV4Error::PayloadHashMismatch),
    }
}

fn signing_key(secret_access_key: &str, scope: &Scope) -> hmac::Key {
    let secret = format!("AWS4{secret_access_key}");
    let mut key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    for part in [
        &scope.date,
        &scope.region,
        &scope.service,
        &scope.terminator,
    ] {
        let tag = hmac::sign(&key, part.as_bytes());
        key = hmac::Key::new(hmac::HMAC_SHA256, tag.as_ref());
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats_amz_dates() {
        let t = parse_amz_date("20150830T123600Z").unwrap();
        assert_eq!(format_amz_date(t), "20150830T123600Z");
        for bad in [
            "20150830T123600",
            "2015-08-30T12:36:00Z",
            "20151330T123600Z",
            "20150830T253600Z",
            "2015083aT123600Z",
            "20150830t123600Z",
        ] {
            assert!(
                matches!(parse_amz_date(bad), Err(SigV4Error::MalformedDate(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn canonical_uri_normalises_then_double_encodes() {
        let cases = [
            ("", "/"),
            ("/", "/"),
            ("//example//", "/example/"),
            ("/example1/example2/../..", "/"),
            ("/example/./a/", "/example/a/"),
            ("/a%20b/%2F", "/a%2520b/%252F"),
            ("/../..", "/"),
            ("/users/i-1/u:2", "/users/i-1/u%3A2"),
        ];
        for (path, expected) in cases {
            let mut out = Vec::new();
            canonical_uri_into(&mut out, path);
            assert_eq!(String::from_utf8(out).unwrap(), expected, "{path}");
        }
    }

    #[test]
    fn only_normalised_paths_are_accepted() {
        for path in ["", "/", "/a", "/a/", "/a/b%2F..", "/a/.b/..c", "/%2E%2E"] {
            assert!(is_normalized(path), "{path}");
        }
        for path in [
            "//", "/a//b", "/./a", "/a/..", "/a/../b", "/a/.", "//a", "/a//",
        ] {
            assert!(!is_normalized(path), "{path}");
        }
    }

    #[test]
    fn header_values_are_trimmed_and_collapsed() {
        let mut out = Vec::new();
        trimmed_into(&mut out, b"  a   b \t c  ");
        assert_eq!(out, b"a b c");
    }

    #[test]
    fn canonical_query_sorts_encoded_pairs_and_drops_presigned_signature() {
        let pairs = decode_query("b=2&a=2&a=1&X-Amz-Signature=x&c=%7e+").unwrap();
        let header = canonical_query(&pairs, AuthLocation::Header);
        assert_eq!(header, b"X-Amz-Signature=x&a=1&a=2&b=2&c=~%20");
        let query = canonical_query(&pairs, AuthLocation::Query);
        assert_eq!(query, b"a=1&a=2&b=2&c=~%20");
    }

    #[test]
    fn too_many_query_parameters_are_refused() {
        let query = vec!["a=1"; MAX_QUERY_PARAMETERS + 1].join("&");
        assert!(matches!(
            decode_query(&query),
            Err(SigV4Error::MalformedQuery)
        ));
        let query = vec!["a=1"; MAX_QUERY_PARAMETERS].join("&");
        assert!(decode_query(&query).is_ok());
    }
}
