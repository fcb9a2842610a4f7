//! `fedgate saml verify`: says whether a SAML response would be accepted, and what it says.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use fedgate::sts::saml_claims::{self, AwsClaims, ProviderRef};
use fedgate_saml::{IdpMetadata, SamlResponse, ServiceProvider, ValidAssertion};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{read_input, usage_error};

/// `fedgate saml …`
#[derive(Debug, Subcommand)]
pub(crate) enum SamlCommand {
    /// Validates a SAML response against IdP metadata with AWS's rules: prints a JSON summary
    /// and exits 0, or prints `rejected: <Reason>: <message>` and exits 1.
    Verify {
        /// The identity provider's metadata (EntityDescriptor or EntitiesDescriptor).
        #[arg(long, value_name = "FILE")]
        metadata: PathBuf,
        /// The response, as XML or base64 (`-` for standard input, the default).
        #[arg(long, value_name = "FILE", default_value = "-")]
        response: PathBuf,
        /// An accepted Recipient and Destination (repeatable). Default: AWS's sign-in URLs
        /// (https://signin.aws.amazon.com/saml, …/static/saml and every regional form).
        #[arg(long = "recipient", value_name = "URL")]
        recipients: Vec<String>,
        /// An accepted Audience (repeatable). Default: urn:amazon:webservices and the
        /// accepted recipients.
        #[arg(long = "audience", value_name = "URI")]
        audiences: Vec<String>,
        /// The instant to validate at, e.g. 2030-01-01T00:01:00Z. Default: now.
        #[arg(long, value_name = "RFC3339")]
        now: Option<String>,
    },
}

/// Runs one `fedgate saml` subcommand.
pub(crate) fn run(command: SamlCommand) -> ExitCode {
    match command {
        SamlCommand::Verify {
            metadata,
            response,
            recipients,
            audiences,
            now,
        } => verify(&metadata, &response, recipients, audiences, now.as_deref()),
    }
}

fn verify(
    metadata: &std::path::Path,
    response: &std::path::Path,
    recipients: Vec<String>,
    audiences: Vec<String>,
    now: Option<&str>,
) -> ExitCode {
    let now = match now {
        Some(text) => match OffsetDateTime::parse(text, &Rfc3339) {
            Ok(now) => now,
            Err(e) => return usage_error(format_args!("--now `{text}` is not RFC 3339: {e}")),
        },
        None => wall_clock(),
    };
    let metadata = match std::fs::read(metadata)
        .map_err(|e| e.to_string())
        .and_then(|bytes| IdpMetadata::parse(&bytes).map_err(|e| e.to_string()))
    {
        Ok(metadata) => metadata,
        Err(e) => return usage_error(format_args!("{}: {e}", metadata.display())),
    };
    let recipients = if recipients.is_empty() {
        saml_claims::aws_signin_recipients()
    } else {
        recipients
    };
    let sp = ServiceProvider::new(saml_claims::AWS_ENTITY_ID, recipients).and_then(|sp| {
        if audiences.is_empty() {
            Ok(sp)
        } else {
            sp.with_audiences(audiences)
        }
    });
    let sp = match sp {
        Ok(sp) => sp,
        Err(e) => return usage_error(e),
    };
    let bytes = match read_input(response) {
        Ok(bytes) => bytes,
        Err(e) => return usage_error(format_args!("{}: {e}", response.display())),
    };
    let trimmed = bytes.trim_ascii();
    let response = if trimmed.starts_with(b"<") {
        SamlResponse::from_xml(trimmed)
    } else {
        SamlResponse::from_base64(&String::from_utf8_lossy(trimmed))
    };
    match response.and_then(|response| sp.validate(&metadata, &response, now)) {
        Ok(valid) => {
            println!("{:#}", summary(&valid));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("rejected: {}: {e}", e.rejection().code());
            ExitCode::FAILURE
        }
    }
}

/// The command's one reading of the wall clock.
fn wall_clock() -> OffsetDateTime {
    fedgate::clock::Clock::System.now()
}

fn summary(valid: &ValidAssertion) -> Value {
    let attributes: Vec<Value> = valid
        .attributes()
        .iter()
        .map(|a| json!({ "name": a.name(), "values": a.values() }))
        .collect();
    json!({
        "issuer": valid.issuer(),
        "assertion_id": valid.id(),
        "issue_instant": rfc3339(valid.issue_instant()),
        "signature": valid.signature().as_str(),
        "name_id": valid.name_id().value(),
        "name_id_format": valid.name_id().format(),
        "recipient": valid.recipient(),
        "audiences": valid.audiences(),
        "not_on_or_after": rfc3339(valid.not_on_or_after()),
        "session_not_on_or_after": valid.session_not_on_or_after().map(rfc3339),
        "attributes": attributes,
        "aws": aws_view(valid),
    })
}

/// AWS's reading of the attributes, or the AWS rule they break.
fn aws_view(valid: &ValidAssertion) -> Value {
    let claims = match AwsClaims::from_assertion(valid) {
        Ok(claims) => claims,
        Err(e) => {
            return json!({ "error": { "code": e.aws_code(), "rule": e.code(), "message": e.to_string() } });
        }
    };
    // The SAML provider is the one the first Role pair names: the one AWS would redeem it with.
    let provider = claims
        .roles
        .first()
        .and_then(|pair| ProviderRef::from_arn(&pair.provider_arn));
    let keys: serde_json::Map<String, Value> = saml_claims::condition_keys(valid, provider)
        .into_iter()
        .map(|(key, values)| (key.to_owned(), json!(values)))
        .collect();
    json!({
        "roles": claims.roles.iter().map(|r| json!({ "role_arn": r.role_arn, "provider_arn": r.provider_arn })).collect::<Vec<_>>(),
        "role_session_name": claims.role_session_name,
        "session_duration": claims.session_duration,
        "tags": claims.tags.iter().map(|(k, v)| json!({ "key": k, "value": v })).collect::<Vec<_>>(),
        "transitive_tag_keys": claims.transitive_tag_keys,
        "source_identity": claims.source_identity,
        "condition_keys": keys,
    })
}

fn rfc3339(instant: OffsetDateTime) -> String {
    instant
        .format(&Rfc3339)
        .unwrap_or_else(|_| instant.unix_timestamp().to_string())
}
