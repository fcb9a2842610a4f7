//! Where every error meets the wire.
//!
//! [`AwsError`] is a boxed `{code, message, source}`: the [`AwsErrorCode`] knows its wire
//! string, its HTTP status and its Sender/Receiver fault for both protocols fedgate speaks, the
//! message is AWS's text, and the source (the precise library error) is for the log, never for
//! the client. Rendering is [`AwsError::to_response`] (testable without a server) and the
//! [`WireError`] wrapper, an axum `IntoResponse`.
//!
//! - awsQuery (STS, IAM): `<ErrorResponse xmlns=…><Error><Type>Sender|Receiver</Type><Code>…`
//!   `</Code><Message>…</Message></Error><RequestId>…</RequestId></ErrorResponse>`, as botocore's
//!   `QueryParser` reads it.
//! - restJson1 (Connect): header `X-Amzn-ErrorType: <Code>` and body `{"Message": "…"}`, as
//!   botocore's `RestJSONParser` reads them.
//!
//! All `From<LibraryError> for AwsError` impls live in this file, so the whole mapping can be
//! read in one place.

use std::borrow::Cow;
use std::error::Error as StdError;
use std::fmt;

use axum::http::{HeaderValue, Response, StatusCode, header};
use axum::response::IntoResponse;

use super::query::QueryApi;
use super::sigv4::{self, CredentialRejection, MAX_SKEW_MINUTES, SigV4Error};
use super::xml::XmlWriter;
use crate::sts::federation::FederationError;
use crate::sts::saml_claims::ClaimError;
use fedgate_policy::PolicyError;

/// The two wire protocols of fedgate's AWS APIs: they spell some codes differently.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum Protocol {
    /// awsQuery, for STS and IAM: XML errors in the API's namespace.
    Query(QueryApi),
    /// restJson1, for Connect: `X-Amzn-ErrorType` and a JSON body.
    RestJson,
}

/// Who is at fault, as the awsQuery `<Type>` element says.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum Fault {
    /// The server failed (5xx).
    Receiver,
    /// The request is wrong (4xx).
    Sender,
}

impl Fault {
    /// The wire string of the `<Type>` element.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Receiver => "Receiver",
            Self::Sender => "Sender",
        }
    }
}

/// Every error code fedgate sends. Variants are named for the condition; the wire string can
/// differ between awsQuery and restJson1 (see [`AwsErrorCode::wire`]).
#[derive(Clone, Copy, Debug, Eq, PartialEq, Hash)]
#[non_exhaustive]
pub enum AwsErrorCode {
    /// Authorization denied the call (`AccessDenied` / `AccessDeniedException`).
    AccessDenied,
    /// IAM: the entity has dependents (`DeleteConflict`).
    DeleteConflict,
    /// Connect: a resource with that name exists (`DuplicateResourceException`).
    DuplicateResource,
    /// IAM: the entity exists (`EntityAlreadyExists`).
    EntityAlreadyExists,
    /// STS: the SAML assertion is expired (`ExpiredTokenException`, 400).
    ExpiredAssertion,
    /// The session token of a signed request is expired (`ExpiredToken`).
    ExpiredToken,
    /// STS: the identity provider rejected the claim (`IDPRejectedClaim`).
    IdpRejectedClaim,
    /// The SigV4 parameters are incomplete or malformed (`IncompleteSignature`).
    IncompleteSignature,
    /// An unexpected server failure (`InternalFailure` / `InternalServiceException`).
    InternalFailure,
    /// Unknown action or version (`InvalidAction`).
    InvalidAction,
    /// Unknown access key id or invalid session token (`InvalidClientTokenId`).
    InvalidClientTokenId,
    /// STS: the SAML response is not acceptable (`InvalidIdentityToken`).
    InvalidIdentityToken,
    /// IAM: invalid input (`InvalidInput`).
    InvalidInput,
    /// Connect: a parameter is invalid (`InvalidParameterException`).
    InvalidParameter,
    /// The query string or form body is malformed (`InvalidQueryParameter`).
    InvalidQueryParameter,
    /// Connect: the request is invalid (`InvalidRequestException`).
    InvalidRequest,
    /// A quota is exceeded (IAM `LimitExceeded`, 409 / Connect `LimitExceededException`, 429).
    LimitExceeded,
    /// A policy document is invalid (`MalformedPolicyDocument`).
    MalformedPolicyDocument,
    /// The request has no `Action` (`MissingAction`).
    MissingAction,
    /// The request is neither signed nor allowed unsigned (`MissingAuthenticationToken`).
    MissingAuthenticationToken,
    /// A required protocol parameter is missing (`MissingParameter`).
    MissingParameter,
    /// IAM: no such entity (`NoSuchEntity`).
    NoSuchEntity,
    /// STS: session policies and tags too large (`PackedPolicyTooLarge`).
    PackedPolicyTooLarge,
    /// STS is not activated in the region (`RegionDisabledException`).
    RegionDisabled,
    /// The request body is over the limit (`RequestEntityTooLarge`, 413).
    RequestEntityTooLarge,
    /// A presigned request is past its `X-Amz-Expires` (`RequestExpired`).
    RequestExpired,
    /// Connect: no such resource (`ResourceNotFoundException`).
    ResourceNotFound,
    /// Connect: a service quota is exceeded (`ServiceQuotaExceededException`).
    ServiceQuotaExceeded,
    /// The signature, its scope or its time is wrong (`SignatureDoesNotMatch`).
    SignatureDoesNotMatch,
    /// Too many requests (`Throttling` / `ThrottlingException`).
    Throttling,
    /// Connect: no operation at this method and path (`UnknownOperationException`).
    UnknownOperation,
    /// IAM: the entity cannot be modified (`UnmodifiableEntity`).
    UnmodifiableEntity,
    /// Connect: no such user (`UserNotFoundException`).
    UserNotFound,
    /// Input constraints not met (`ValidationError` / `ValidationException`).
    ValidationError,
}

/// One row of the code table: the awsQuery and restJson1 spellings and statuses.
struct CodeSpec {
    query: &'static str,
    query_status: u16,
    json: &'static str,
    json_status: u16,
}

const fn spec(
    query: &'static str,
    query_status: u16,
    json: &'static str,
    json_status: u16,
) -> CodeSpec {
    CodeSpec {
        query,
        query_status,
        json,
        json_status,
    }
}

impl AwsErrorCode {
    // The table: awsQuery codes and statuses from the botocore models (STS, IAM) and AWS's
    // "Common Errors" page; restJson1 codes from the Connect model and the JSON services'
    // common errors. Choices where AWS is silent: docs/decisions.md.
    fn spec(self) -> CodeSpec {
        match self {
            Self::AccessDenied => spec("AccessDenied", 403, "AccessDeniedException", 403),
            Self::DeleteConflict => spec("DeleteConflict", 409, "ConflictException", 409),
            Self::DuplicateResource => {
                spec("DuplicateResource", 409, "DuplicateResourceException", 409)
            }
            Self::EntityAlreadyExists => spec(
                "EntityAlreadyExists",
                409,
                "DuplicateResourceException",
                409,
            ),
            Self::ExpiredAssertion => {
                spec("ExpiredTokenException", 400, "ExpiredTokenException", 400)
            }
            Self::ExpiredToken => spec("ExpiredToken", 403, "ExpiredTokenException", 403),
            Self::IdpRejectedClaim => spec("IDPRejectedClaim", 403, "IDPRejectedClaim", 403),
            Self::IncompleteSignature => spec(
                "IncompleteSignature",
                400,
                "IncompleteSignatureException",
                403,
            ),
            Self::InternalFailure => spec("InternalFailure", 500, "InternalServiceException", 500),
            Self::InvalidAction => spec("InvalidAction", 400, "InvalidAction", 400),
            Self::InvalidClientTokenId => spec(
                "InvalidClientTokenId",
                403,
                "UnrecognizedClientException",
                403,
            ),
            Self::InvalidIdentityToken => {
                spec("InvalidIdentityToken", 400, "InvalidIdentityToken", 400)
            }
            Self::InvalidInput => spec("InvalidInput", 400, "InvalidParameterException", 400),
            Self::InvalidParameter => spec(
                "InvalidParameterValue",
                400,
                "InvalidParameterException",
                400,
            ),
            Self::InvalidQueryParameter => {
                spec("InvalidQueryParameter", 400, "InvalidRequestException", 400)
            }
            Self::InvalidRequest => spec("InvalidRequest", 400, "InvalidRequestException", 400),
            Self::LimitExceeded => spec("LimitExceeded", 409, "LimitExceededException", 429),
            Self::MalformedPolicyDocument => spec(
                "MalformedPolicyDocument",
                400,
                "MalformedPolicyDocument",
                400,
            ),
            Self::MissingAction => spec("MissingAction", 400, "InvalidRequestException", 400),
            Self::MissingAuthenticationToken => spec(
                "MissingAuthenticationToken",
                403,
                "MissingAuthenticationTokenException",
                403,
            ),
            Self::MissingParameter => {
                spec("MissingParameter", 400, "InvalidParameterException", 400)
            }
            Self::NoSuchEntity => spec("NoSuchEntity", 404, "ResourceNotFoundException", 404),
            Self::PackedPolicyTooLarge => {
                spec("PackedPolicyTooLarge", 400, "PackedPolicyTooLarge", 400)
            }
            Self::RegionDisabled => spec(
                "RegionDisabledException",
                403,
                "RegionDisabledException",
                403,
            ),
            Self::RequestEntityTooLarge => spec(
                "RequestEntityTooLarge",
                413,
                "RequestEntityTooLargeException",
                413,
            ),
            Self::RequestExpired => spec("RequestExpired", 400, "RequestExpired", 400),
            Self::ResourceNotFound => spec("NoSuchEntity", 404, "ResourceNotFoundException", 404),
            Self::ServiceQuotaExceeded => {
                spec("LimitExceeded", 409, "ServiceQuotaExceededException", 402)
            }
            Self::SignatureDoesNotMatch => spec(
                "SignatureDoesNotMatch",
                403,
                "InvalidSignatureException",
                403,
            ),
            Self::Throttling => spec("Throttling", 400, "ThrottlingException", 429),
            Self::UnknownOperation => spec("InvalidAction", 400, "UnknownOperationException", 404),
            Self::UnmodifiableEntity => {
                spec("UnmodifiableEntity", 400, "InvalidRequestException", 400)
            }
            Self::UserNotFound => spec("NoSuchEntity", 404, "UserNotFoundException", 404),
            Self::ValidationError => spec("ValidationError", 400, "ValidationException", 400),
        }
    }

    /// The code as the protocol spells it on the wire.
    pub fn wire(self, protocol: Protocol) -> &'static str {
        let spec = self.spec();
        match protocol {
            Protocol::Query(_) => spec.query,
            Protocol::RestJson => spec.json,
        }
    }

    /// The HTTP status the protocol answers this code with.
    pub fn status(self, protocol: Protocol) -> StatusCode {
        let spec = self.spec();
        let code = match protocol {
            Protocol::Query(_) => spec.query_status,
            Protocol::RestJson => spec.json_status,
        };
        StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// Sender for 4xx, Receiver for 5xx (the awsQuery `<Type>`).
    pub fn fault(self) -> Fault {
        if self.spec().query_status >= 500 {
            Fault::Receiver
        } else {
            Fault::Sender
        }
    }
}

impl fmt::Display for AwsErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.spec().query)
    }
}

/// An error on its way to the client: AWS's code and message, and the precise cause for the log.
pub struct AwsError(Box<Inner>);

struct Inner {
    code: AwsErrorCode,
    message: Cow<'static, str>,
    source: Option<Box<dyn StdError + Send + Sync + 'static>>,
}

/// The message AWS sends with `InternalFailure`: the cause goes to the log, never to the client.
const INTERNAL_FAILURE_MESSAGE: &str =
    "The request processing has failed because of an unknown error, exception or failure.";

/// AWS's message for an unknown access key id or an invalid session token.
pub const INVALID_TOKEN_MESSAGE: &str = "The security token included in the request is invalid.";

/// AWS's message for an expired session token (no final period, as AWS sends it).
pub const EXPIRED_TOKEN_MESSAGE: &str = "The security token included in the request is expired";

/// AWS's message when the signature does not match.
pub const SIGNATURE_MISMATCH_MESSAGE: &str = "The request signature we calculated does not match \
     the signature you provided. Check your AWS Secret Access Key and signing method. Consult the \
     service documentation for details.";

/// AWS's message for a request that carries no authentication at all.
pub const MISSING_AUTHENTICATION_MESSAGE: &str = "Request is missing Authentication Token";

impl AwsError {
    /// An error with AWS's code and message.
    pub fn new(code: AwsErrorCode, message: impl Into<Cow<'static, str>>) -> Self {
        Self(Box::new(Inner {
            code,
            message: message.into(),
            source: None,
        }))
    }

    /// Attaches the precise cause, for the log.
    #[must_use]
    pub fn with_source(mut self, source: impl StdError + Send + Sync + 'static) -> Self {
        self.0.source = Some(Box::new(source));
        self
    }

    /// An unexpected failure: the client gets AWS's generic text, the cause stays for the log.
    pub fn internal(source: impl StdError + Send + Sync + 'static) -> Self {
        Self::new(AwsErrorCode::InternalFailure, INTERNAL_FAILURE_MESSAGE).with_source(source)
    }

    /// `InvalidAction`: no operation of that name in that version.
    pub fn invalid_action(action: &str, version: &str) -> Self {
        Self::new(
            AwsErrorCode::InvalidAction,
            format!(
                "Could not find operation {} for version {}",
                truncate(action),
                truncate(version)
            ),
        )
    }

    /// `MissingAuthenticationToken`: the action needs a signature and the request has none.
    pub fn missing_authentication_token() -> Self {
        Self::new(
            AwsErrorCode::MissingAuthenticationToken,
            MISSING_AUTHENTICATION_MESSAGE,
        )
    }

    /// `AccessDenied`: authorization denied the call; the message names what was denied.
    pub fn access_denied(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(AwsErrorCode::AccessDenied, message)
    }

    /// The code.
    pub fn code(&self) -> AwsErrorCode {
        self.0.code
    }

    /// The message sent to the client.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// Renders the error as the protocol's HTTP response. The body is text (XML or JSON).
    pub fn to_response(&self, protocol: Protocol, request_id: &str) -> Response<String> {
        let code = self.code();
        let (content_type, body) = match protocol {
            Protocol::Query(api) => ("text/xml", self.query_body(api, request_id)),
            Protocol::RestJson => ("application/json", self.json_body()),
        };
        let mut response = Response::new(body);
        *response.status_mut() = code.status(protocol);
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        if let Ok(id) = HeaderValue::from_str(request_id) {
            headers.insert(REQUEST_ID_HEADER, id);
        }
        if protocol == Protocol::RestJson {
            headers.insert(
                ERROR_TYPE_HEADER,
                HeaderValue::from_static(code.wire(protocol)),
            );
        }
        response
    }

    fn query_body(&self, api: QueryApi, request_id: &str) -> String {
        let protocol = Protocol::Query(api);
        let mut xml = XmlWriter::new();
        xml.open_with_namespace(&["ErrorResponse"], api.xml_namespace());
        xml.open("Error");
        xml.text_element("Type", self.code().fault().as_str());
        xml.text_element("Code", self.code().wire(protocol));
        xml.text_element("Message", self.message());
        xml.close("Error");
        xml.text_element("RequestId", request_id);
        xml.close("ErrorResponse");
        xml.finish()
    }

    fn json_body(&self) -> String {
        let mut body = serde_json::Map::new();
        body.insert("Message".to_owned(), self.message().into());
        serde_json::Value::Object(body).to_string()
    }
}

/// The header that carries the request id on every response, as AWS's front ends send it.
pub const REQUEST_ID_HEADER: &str = "x-amzn-requestid";

/// The restJson1 header that names the error code.
pub const ERROR_TYPE_HEADER: &str = "x-amzn-errortype";

impl fmt::Debug for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwsError")
            .field("code", &self.0.code)
            .field("message", &self.0.message)
            .field("source", &self.0.source)
            .finish()
    }
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.0.code, self.0.message)
    }
}

impl StdError for AwsError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.0
            .source
            .as_deref()
            .map(|source| source as &(dyn StdError + 'static))
    }
}

/// An [`AwsError`] with what it needs to be rendered: an axum response.
#[derive(Debug)]
pub struct WireError {
    /// The error.
    pub error: AwsError,
    /// The protocol of the API that was called.
    pub protocol: Protocol,
    /// The request id, also logged with the error's source.
    pub request_id: String,
}

impl IntoResponse for WireError {
    fn into_response(self) -> axum::response::Response {
        self.error
            .to_response(self.protocol, &self.request_id)
            .map(axum::body::Body::from)
            .into_response()
    }
}

/// Longest piece of client input echoed in a message.
pub const MAX_ECHOED_INPUT_CHARS: usize = 256;

/// Cuts client input for an error message, at a character boundary.
pub(crate) fn truncate(input: &str) -> Cow<'_, str> {
    match input.char_indices().nth(MAX_ECHOED_INPUT_CHARS) {
        Some((end, _)) => Cow::Owned(format!("{}...", input.get(..end).unwrap_or_default())),
        None => Cow::Borrowed(input),
    }
}

impl From<CredentialRejection> for AwsError {
    fn from(rejection: CredentialRejection) -> Self {
        let error = match rejection {
            CredentialRejection::ExpiredSessionToken => {
                Self::new(AwsErrorCode::ExpiredToken, EXPIRED_TOKEN_MESSAGE)
            }
            CredentialRejection::InvalidSessionToken
            | CredentialRejection::UnknownAccessKey
            | CredentialRejection::InactiveAccessKey => {
                Self::new(AwsErrorCode::InvalidClientTokenId, INVALID_TOKEN_MESSAGE)
            }
        };
        error.with_source(rejection)
    }
}

impl From<SigV4Error> for AwsError {
    fn from(error: SigV4Error) -> Self {
        use AwsErrorCode::{
            IncompleteSignature, InvalidQueryParameter, MissingAuthenticationToken, RequestExpired,
            SignatureDoesNotMatch,
        };
        let (code, message): (AwsErrorCode, Cow<'static, str>) = match &error {
            SigV4Error::Missing => (
                MissingAuthenticationToken,
                MISSING_AUTHENTICATION_MESSAGE.into(),
            ),
            SigV4Error::Ambiguous => (
                IncompleteSignature,
                "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or \
                 the Authorization header should be specified"
                    .into(),
            ),
            SigV4Error::UnsupportedAlgorithm(algorithm) => (
                IncompleteSignature,
                format!("Unsupported AWS 'algorithm': '{}'.", truncate(algorithm)).into(),
            ),
            SigV4Error::MalformedAuthorization => (
                IncompleteSignature,
                "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' \
                 parameters, each once, separated by commas."
                    .into(),
            ),
            SigV4Error::RepeatedHeader(name) => (
                IncompleteSignature,
                format!("The '{}' header must appear at most once.", truncate(name)).into(),
            ),
            SigV4Error::UnnormalizedPath => (
                IncompleteSignature,
                "The request path must be normalized: no '.', '..' or empty segments.".into(),
            ),
            SigV4Error::MissingHeaderComponents(missing) => {
                let mut message = String::new();
                for component in missing {
                    message.push_str(&format!(
                        "Authorization header requires '{component}' parameter. "
                    ));
                }
                (IncompleteSignature, message.trim_end().to_owned().into())
            }
            SigV4Error::MissingDate => (
                IncompleteSignature,
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' \
                 header."
                    .into(),
            ),
            SigV4Error::MissingQueryParameters(missing) => {
                let mut message = String::new();
                for parameter in missing {
                    message.push_str(&format!(
                        "AWS query-string parameters must include '{parameter}'. "
                    ));
                }
                message.push_str("Re-examine the query-string parameters.");
                (IncompleteSignature, message.into())
            }
            SigV4Error::MalformedCredential(credential) => (
                IncompleteSignature,
                format!(
                    "Credential must have exactly 5 slash-delimited elements, e.g. \
                     keyid/date/region/service/term, got '{}'",
                    truncate(credential)
                )
                .into(),
            ),
            SigV4Error::MalformedDate(date) => (
                IncompleteSignature,
                format!(
                    "Date must be in ISO-8601 'basic format'. Got '{}'. See \
                     http://en.wikipedia.org/wiki/ISO_8601",
                    truncate(date)
                )
                .into(),
            ),
            SigV4Error::MalformedSignature => (
                IncompleteSignature,
                "Signature must be 64 lowercase hexadecimal characters.".into(),
            ),
            SigV4Error::MalformedSignedHeaders => (
                IncompleteSignature,
                "SignedHeaders must be a non-empty, semicolon-separated list of lowercase header \
                 names."
                    .into(),
            ),
            SigV4Error::HostNotSigned => (
                IncompleteSignature,
                "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.".into(),
            ),
            SigV4Error::InvalidExpires(value) => (
                IncompleteSignature,
                format!(
                    "X-Amz-Expires must be a whole number of seconds from 1 to {}, got '{}'.",
                    sigv4::MAX_PRESIGNED_EXPIRES_SECONDS,
                    truncate(value)
                )
                .into(),
            ),
            SigV4Error::MalformedQuery => (
                InvalidQueryParameter,
                "The AWS query string is malformed or does not adhere to AWS standards.".into(),
            ),
            SigV4Error::WrongTerminator(terminator) => (
                SignatureDoesNotMatch,
                format!(
                    "Credential should be scoped with a valid terminator: 'aws4_request', not \
                     '{}'.",
                    truncate(terminator)
                )
                .into(),
            ),
            SigV4Error::WrongService { expected, .. } => (
                SignatureDoesNotMatch,
                format!("Credential should be scoped to correct service: '{expected}'.").into(),
            ),
            SigV4Error::InvalidRegion(region) => (
                SignatureDoesNotMatch,
                format!(
                    "Credential should be scoped to a valid region, not '{}'.",
                    truncate(region)
                )
                .into(),
            ),
            SigV4Error::ScopeDateMismatch {
                scope_date,
                request_time,
            } => (
                SignatureDoesNotMatch,
                format!(
                    "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of \
                     date from HTTP: '{}' != '{}', from '{}'.",
                    truncate(scope_date),
                    request_time.get(..8).unwrap_or_default(),
                    request_time
                )
                .into(),
            ),
            SigV4Error::Expired { signed_at, now } => {
                let earliest = *now - time::Duration::minutes(MAX_SKEW_MINUTES);
                (
                    SignatureDoesNotMatch,
                    format!(
                        "Signature expired: {} is now earlier than {} ({} - {MAX_SKEW_MINUTES} min.)",
                        sigv4::format_amz_date(*signed_at),
                        sigv4::format_amz_date(earliest),
                        sigv4::format_amz_date(*now),
                    )
                    .into(),
                )
            }
            SigV4Error::NotYetCurrent { signed_at, now } => {
                let latest = *now + time::Duration::minutes(MAX_SKEW_MINUTES);
                (
                    SignatureDoesNotMatch,
                    format!(
                        "Signature not yet current: {} is still later than {} ({} + \
                         {MAX_SKEW_MINUTES} min.)",
                        sigv4::format_amz_date(*signed_at),
                        sigv4::format_amz_date(latest),
                        sigv4::format_amz_date(*now),
                    )
                    .into(),
                )
            }
            SigV4Error::PresignedExpired { .. } => (RequestExpired, "Request has expired.".into()),
            SigV4Error::SignedHeaderAbsent(_)
            | SigV4Error::UnsignedPayload
            | SigV4Error::PayloadHashMismatch
            | SigV4Error::SignatureMismatch => {
                (SignatureDoesNotMatch, SIGNATURE_MISMATCH_MESSAGE.into())
            }
        };
        Self::new(code, message).with_source(error)
    }
}

// --- IAM: the store's, the policy parser's and the metadata parser's errors ------------------

/// What an IAM action addressed, so that a store error names it as AWS does
/// (`The role with name X cannot be found.`). Fields the action does not address stay `None`.
#[derive(Clone, Copy, Debug, Default)]
pub struct IamSubject<'a> {
    /// The role (`RoleName`).
    pub role: Option<&'a str>,
    /// The inline policy (`PolicyName` of a role policy).
    pub role_policy: Option<&'a str>,
    /// The managed policy's name (`PolicyName` of `CreatePolicy`).
    pub policy_name: Option<&'a str>,
    /// The managed policy's ARN (`PolicyArn`).
    pub policy_arn: Option<&'a str>,
    /// The policy version (`VersionId`).
    pub version: Option<&'a str>,
    /// The SAML provider's name (`Name` of `CreateSAMLProvider`).
    pub provider_name: Option<&'a str>,
    /// The SAML provider's ARN (`SAMLProviderArn`).
    pub provider_arn: Option<&'a str>,
    /// The action attaches the managed policy (`AttachRolePolicy`): a missing policy "does not
    /// exist or is not attachable".
    pub attaching: bool,
}

impl AwsError {
    /// IAM's answer to a store error about `subject`: `NoSuchEntity`, `EntityAlreadyExists`,
    /// `DeleteConflict` and `LimitExceeded` with AWS's messages; anything else is an
    /// `InternalFailure` whose cause is logged.
    pub fn iam_store(error: fedgate_store::StoreError, subject: IamSubject<'_>) -> Self {
        use fedgate_store::{Conflict, Entity, StoreError};
        let name = |value: Option<&str>| truncate(value.unwrap_or_default()).into_owned();
        let (code, message) = match &error {
            StoreError::NotFound(entity) => {
                let message = match entity {
                    Entity::Role => {
                        format!("The role with name {} cannot be found.", name(subject.role))
                    }
                    Entity::RolePolicy => format!(
                        "The role policy with name {} cannot be found.",
                        name(subject.role_policy)
                    ),
                    Entity::ManagedPolicy | Entity::PolicyVersion if subject.version.is_some() => {
                        format!(
                            "Policy {} version {} does not exist or is not attachable.",
                            name(subject.policy_arn),
                            name(subject.version)
                        )
                    }
                    Entity::ManagedPolicy if subject.attaching => format!(
                        "Policy {} does not exist or is not attachable.",
                        name(subject.policy_arn)
                    ),
                    Entity::ManagedPolicy | Entity::Attachment => {
                        format!("Policy {} was not found.", name(subject.policy_arn))
                    }
                    Entity::SamlProvider => {
                        format!("Manifest not found for arn {}", name(subject.provider_arn))
                    }
                    _ => return Self::internal(error),
                };
                (AwsErrorCode::NoSuchEntity, message)
            }
            StoreError::Conflict(Conflict::AlreadyExists(entity)) => {
                let message = match entity {
                    Entity::Role => {
                        format!("Role with name {} already exists.", name(subject.role))
                    }
                    Entity::ManagedPolicy => format!(
                        "A policy called {} already exists. Duplicate names are not allowed.",
                        name(subject.policy_name)
                    ),
                    // fedgate's wording (docs/decisions.md): AWS's is not published.
                    Entity::SamlProvider => format!(
                        "SAMLProvider with name {} already exists.",
                        name(subject.provider_name)
                    ),
                    _ => return Self::internal(error),
                };
                (AwsErrorCode::EntityAlreadyExists, message)
            }
            StoreError::Conflict(Conflict::InUse(entity)) => {
                let message = match entity {
                    Entity::Role => "Cannot delete entity, must delete policies first.",
                    Entity::ManagedPolicy => "Cannot delete a policy attached to entities.",
                    _ => return Self::internal(error),
                };
                (AwsErrorCode::DeleteConflict, message.to_owned())
            }
            StoreError::LimitExceeded(what) => (
                AwsErrorCode::LimitExceeded,
                format!("Cannot exceed quota for {what}"),
            ),
            _ => return Self::internal(error),
        };
        Self::new(code, message).with_source(error)
    }

    /// IAM's answer to a policy document the parser refused: `MalformedPolicyDocument`, or
    /// `LimitExceeded` over its kind's quota, with AWS's message (an inline policy's names the
    /// role it is for).
    pub fn iam_policy(error: PolicyError, role: Option<&str>) -> Self {
        use fedgate_policy::PolicyKind;
        let (code, message) = match &error {
            PolicyError::Malformed(malformed) => (
                AwsErrorCode::MalformedPolicyDocument,
                malformed.message().to_owned(),
            ),
            PolicyError::LimitExceeded {
                kind: PolicyKind::Identity,
                ..
            } => match role {
                Some(role) => (
                    AwsErrorCode::LimitExceeded,
                    format!("{} for role {}", error.aws_message(), truncate(role)),
                ),
                None => (AwsErrorCode::LimitExceeded, error.aws_message()),
            },
            _ => (AwsErrorCode::LimitExceeded, error.aws_message()),
        };
        Self::new(code, message).with_source(error)
    }

    /// IAM's answer to SAML metadata the parser refused: `InvalidInput` with its message
    /// (`Could not parse metadata: …`).
    pub fn iam_metadata(error: fedgate_saml::MetadataError) -> Self {
        Self::new(AwsErrorCode::InvalidInput, error.to_string()).with_source(error)
    }
}

/// AWS's message when the trust policy (or anything that makes the role unusable) refuses.
pub const NOT_AUTHORIZED_TO_ASSUME_MESSAGE: &str =
    "Not authorized to perform sts:AssumeRoleWithSAML";

/// AWS's message when the (RoleArn, PrincipalArn) pair is not among the assertion's Role values.
pub const ROLE_NOT_IN_ASSERTION_MESSAGE: &str =
    "SAML Assertion doesn't contain the requested Role and Metadata in the attributes";

/// AWS's message for a signature that does not verify (and for every other signature check:
/// one answer, so that wrapping attempts learn nothing, saml-security.md R17).
pub const SIGNATURE_INVALID_MESSAGE: &str = "Response signature invalid";

/// AWS's message for an audience (or Recipient, or Destination) that is not this server's.
pub const AUDIENCE_MESSAGE: &str = "Response does not contain the required audience.";

/// The `AssumeRoleWithSAML` code and message for a SAML check that failed (aws-behaviour.md
/// §1.3, §2.5; choices where AWS is silent in docs/decisions.md).
fn saml_rejection(rejection: fedgate_saml::Rejection) -> (AwsErrorCode, &'static str) {
    use AwsErrorCode::{AccessDenied, ExpiredAssertion, IdpRejectedClaim, InvalidIdentityToken};
    use fedgate_saml::Rejection as R;
    match rejection {
        R::NotBase64 => (InvalidIdentityToken, "Invalid base64 SAMLResponse"),
        R::StatusNotSuccess => (
            IdpRejectedClaim,
            "The identity provider reported that authentication failed",
        ),
        R::IssuerMismatch => (
            InvalidIdentityToken,
            "Issuer not present in specified provider",
        ),
        R::SignatureWrapped
        | R::Unsigned
        | R::MalformedSignature
        | R::UnsupportedAlgorithm
        | R::UnsupportedTransform
        | R::WeakAlgorithm
        | R::ReferenceMismatch
        | R::DigestMismatch
        | R::SignatureInvalid
        | R::UntrustedKey => (InvalidIdentityToken, SIGNATURE_INVALID_MESSAGE),
        // AWS: a response without Subject/NameID is AccessDenied (IAM-TS).
        R::MissingNameId => (AccessDenied, NOT_AUTHORIZED_TO_ASSUME_MESSAGE),
        // AWS's text, its typo included ("Confirmaton"): clients match on it.
        R::MissingSubjectConfirmation | R::MultipleSubjectConfirmations => (
            InvalidIdentityToken,
            "Responses must contain SubjectConfirmatonData with a Recipient and NotOnOrAfter",
        ),
        R::AudienceMismatch | R::RecipientMismatch | R::DestinationMismatch => {
            (InvalidIdentityToken, AUDIENCE_MESSAGE)
        }
        R::NotYetValid | R::IssuedInFuture => (InvalidIdentityToken, "Response is not yet valid"),
        R::Expired | R::SubjectConfirmationExpired => (ExpiredAssertion, "Response has expired"),
        R::TooOld => (
            ExpiredAssertion,
            "Token must be redeemed within 5 minutes of issuance",
        ),
        R::MetadataExpired => (
            InvalidIdentityToken,
            "The metadata of the specified provider has expired",
        ),
        _ => (InvalidIdentityToken, "Invalid SAML response"),
    }
}

/// The `AssumeRoleWithSAML` code and message for an AWS attribute rule that failed.
fn claim_rejection(error: &ClaimError) -> (AwsErrorCode, Cow<'static, str>) {
    match error {
        ClaimError::MissingRole | ClaimError::InvalidRole(_) | ClaimError::TooManyRoles => (
            AwsErrorCode::InvalidIdentityToken,
            ROLE_NOT_IN_ASSERTION_MESSAGE.into(),
        ),
        ClaimError::TooManyTags => (
            AwsErrorCode::PackedPolicyTooLarge,
            format!(
                "Cannot exceed quota for TagsPerSession: {}",
                crate::sts::saml_claims::MAX_SESSION_TAGS
            )
            .into(),
        ),
        other => (AwsErrorCode::InvalidIdentityToken, other.to_string().into()),
    }
}

impl From<FederationError> for AwsError {
    fn from(error: FederationError) -> Self {
        use AwsErrorCode::{
            AccessDenied, ExpiredAssertion, InvalidIdentityToken, MalformedPolicyDocument,
            PackedPolicyTooLarge, ValidationError,
        };
        let (code, message): (AwsErrorCode, Cow<'static, str>) = match &error {
            FederationError::InvalidParameters(_) => {
                let FederationError::InvalidParameters(inner) = error else {
                    return Self::internal(error);
                };
                return inner;
            }
            FederationError::ProviderMetadata(_) | FederationError::Store(_) => {
                return Self::internal(error);
            }
            FederationError::InvalidArn(_) => (ValidationError, "Request ARN is invalid".into()),
            FederationError::UnknownProvider(_) => (
                InvalidIdentityToken,
                "Specified provider doesn't exist".into(),
            ),
            FederationError::Saml(saml) => {
                let (code, message) = saml_rejection(saml.rejection());
                (code, message.into())
            }
            FederationError::Claim(claim) => claim_rejection(claim),
            FederationError::RoleNotInAssertion { .. } => {
                (InvalidIdentityToken, ROLE_NOT_IN_ASSERTION_MESSAGE.into())
            }
            FederationError::UnknownRole(_)
            | FederationError::TrustPolicyInvalid(_)
            | FederationError::TrustPolicyDenied { .. } => {
                (AccessDenied, NOT_AUTHORIZED_TO_ASSUME_MESSAGE.into())
            }
            FederationError::DurationExceedsMaxSessionDuration { .. } => (
                ValidationError,
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
                    .into(),
            ),
            FederationError::SessionExpired => (ExpiredAssertion, "Response has expired".into()),
            FederationError::SessionPolicyMalformed(PolicyError::LimitExceeded { .. }) => (
                PackedPolicyTooLarge,
                "Packed policy consumes more than 100% of allotted space, please use smaller \
                 policy."
                    .into(),
            ),
            FederationError::SessionPolicyMalformed(policy) => {
                (MalformedPolicyDocument, policy.aws_message().into())
            }
            FederationError::SessionPolicyNotFound(arn) => (
                MalformedPolicyDocument,
                format!(
                    "Policy {} does not exist or is not attachable.",
                    truncate(arn)
                )
                .into(),
            ),
            FederationError::PackedPolicyTooLarge { percent } => (
                PackedPolicyTooLarge,
                format!(
                    "Packed policy consumes {percent}% of allotted space, please use smaller \
                     policy."
                )
                .into(),
            ),
            FederationError::Replayed { .. } => (
                InvalidIdentityToken,
                "Response has already been used".into(),
            ),
        };
        Self::new(code, message).with_source(error)
    }
}

impl AwsError {
    /// Connect's answer to a store failure: the entity named, in Connect's error codes (IAM
    /// answers the same failures with its own codes and messages).
    pub fn connect_store(error: fedgate_store::StoreError) -> Self {
        use fedgate_store::{Conflict, Entity, StoreError};
        let (code, message): (AwsErrorCode, Cow<'static, str>) = match &error {
            StoreError::NotFound(entity) => (
                AwsErrorCode::ResourceNotFound,
                match entity {
                    Entity::Instance => "Instance not found".into(),
                    Entity::User => "User not found".into(),
                    Entity::SecurityProfile => "Security profile not found".into(),
                    Entity::RoutingProfile => "Routing profile not found".into(),
                    other => format!("{other} not found").into(),
                },
            ),
            StoreError::Conflict(Conflict::AlreadyExists(entity)) => (
                AwsErrorCode::DuplicateResource,
                match entity {
                    Entity::Instance => "An instance with this alias already exists".into(),
                    Entity::User => "A user with this username already exists".into(),
                    Entity::SecurityProfile => {
                        "A security profile with this name already exists".into()
                    }
                    other => format!("the {other} already exists").into(),
                },
            ),
            StoreError::Conflict(Conflict::InUse(entity)) => (
                AwsErrorCode::InvalidRequest,
                format!("the {entity} is in use").into(),
            ),
            StoreError::LimitExceeded(what) => (
                AwsErrorCode::LimitExceeded,
                format!("the request exceeds the limit on {what}").into(),
            ),
            _ => return Self::internal(error),
        };
        Self::new(code, message).with_source(error)
    }
}
