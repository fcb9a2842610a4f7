//! `AssumeRoleWithSAML`: a signed SAML response exchanged for role credentials. Unsigned: the
//! assertion is the credential.
//!
//! Order (aws-behaviour.md §2.3): parameters → `PrincipalArn` names a provider of this account →
//! the response against its metadata (issuer, signature, times, audience, subject
//! confirmation) → AWS's attributes → the (RoleArn, PrincipalArn) pair among the signed Role
//! values → the role's trust policy → `DurationSeconds` → session policies → replay cache →
//! credentials. Every attempt is audited; see [`super::federation`].

use std::borrow::Cow;

use crate::aws::error::{AwsError, AwsErrorCode};
use crate::aws::query::{Params, QueryApi, QueryRequest, Validator};
use crate::aws::xml::QueryResponse;
use crate::query_api::Call;

use super::credentials::SessionClaims;
use super::federation::{
    self, ASSUME_ROLE_WITH_SAML, AssumeRequest, Assumed, Attempt, FederationError, MAX_POLICY_ARNS,
    SessionLength, Validated,
};

/// The wire name of the action.
pub const ACTION: &str = "AssumeRoleWithSAML";

/// The shortest and longest ARN (`arnType`).
const ARN_CHARS: (usize, usize) = (20, 2_048);
/// The shortest and longest `SAMLAssertion` (`SAMLAssertionType`; IAM's quota).
const ASSERTION_CHARS: (usize, usize) = (4, 100_000);
/// The shortest and longest inline session policy (`sessionPolicyDocumentType`).
const POLICY_CHARS: (usize, usize) = (1, 2_048);
/// `DurationSeconds` (`roleDurationSecondsType`).
const DURATION_SECONDS: (i64, i64) = (900, 43_200);

/// The action's input, checked against the model's constraints.
#[derive(Debug)]
pub struct Input<'a> {
    /// `RoleArn`.
    pub role_arn: &'a str,
    /// `PrincipalArn`.
    pub principal_arn: &'a str,
    /// `SAMLAssertion`: the base64 response.
    pub saml_assertion: &'a str,
    /// `Policy`.
    pub policy: Option<&'a str>,
    /// `PolicyArns.member.N.arn`.
    pub policy_arns: Vec<&'a str>,
    /// `DurationSeconds`.
    pub duration_seconds: Option<u32>,
}

impl<'a> Input<'a> {
    /// Reads and checks the parameters: one `ValidationError` listing every violation, in
    /// AWS's words; then `Request ARN is invalid` for ARNs of the wrong type.
    pub fn parse(request: &'a QueryRequest) -> Result<Self, AwsError> {
        let params = request.params();
        let mut validator = Validator::new();
        let role_arn = arn(&mut validator, &params, "RoleArn");
        let principal_arn = arn(&mut validator, &params, "PrincipalArn");
        let saml_assertion = validator.required("SAMLAssertion", params.string("SAMLAssertion"));
        if let Some(assertion) = saml_assertion {
            let (min, max) = ASSERTION_CHARS;
            // The model marks the assertion `sensitive`: never quoted back.
            validator.sensitive_length("SAMLAssertion", assertion, min, max);
        }
        let policy = params.string("Policy");
        if let Some(policy) = policy {
            let (min, max) = POLICY_CHARS;
            validator.length("Policy", policy, min, max);
            validator.pattern(
                "Policy",
                policy,
                r"[\u0009\u000A\u000D\u0020-\u00FF]+",
                |c| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{ff}'),
            );
        }
        let mut policy_arns = Vec::new();
        if let Some(members) = params.structure_list("PolicyArns")? {
            if members.len() > MAX_POLICY_ARNS {
                validator.violation(
                    "PolicyArns",
                    None,
                    &format!("Member must have length less than or equal to {MAX_POLICY_ARNS}"),
                );
            }
            for (index, member) in members.iter().enumerate() {
                // AWS's path to a list member: `policyArns.1.member.arn` (as `tags.1.member.key`).
                let name = format!("PolicyArns.{}.member.arn", index + 1);
                let value = validator.required(&name, member.string("arn"));
                if let Some(value) = value {
                    check_arn(&mut validator, &name, value);
                    policy_arns.push(value);
                }
            }
        }
        let duration_seconds = params.string("DurationSeconds").and_then(|text| {
            let (min, max) = DURATION_SECONDS;
            validator
                .integer("DurationSeconds", text, min, max)
                .filter(|seconds| (min..=max).contains(seconds))
                .and_then(|seconds| u32::try_from(seconds).ok())
        });
        validator.finish()?;
        let (Some(role_arn), Some(principal_arn), Some(saml_assertion)) =
            (role_arn, principal_arn, saml_assertion)
        else {
            // INVARIANT: `finish` reported every missing required member, so this is
            // unreachable; answer as for a missing member all the same.
            return Err(AwsError::new(
                AwsErrorCode::ValidationError,
                "A required parameter is missing",
            ));
        };
        Ok(Self {
            role_arn,
            principal_arn,
            saml_assertion,
            policy,
            policy_arns,
            duration_seconds,
        })
    }
}

/// Handles one `AssumeRoleWithSAML` call, auditing it whatever its outcome.
pub async fn handle(call: &Call<'_>) -> Result<QueryResponse, AwsError> {
    let state = call.state;
    let mut attempt = Attempt::new(state, call.request_id, ASSUME_ROLE_WITH_SAML, call.source);
    let result = redeem(call, &mut attempt).await;
    let audited = attempt
        .finish(result.as_ref().map(|(_, assumed)| assumed))
        .await;
    let (validated, assumed) = result.map_err(AwsError::from)?;
    audited.map_err(AwsError::from)?;
    Ok(respond(call.request_id, &validated, &assumed))
}

async fn redeem(
    call: &Call<'_>,
    attempt: &mut Attempt<'_>,
) -> Result<(Validated, Assumed), FederationError> {
    let input = Input::parse(call.request).map_err(FederationError::InvalidParameters)?;
    attempt.asked(input.principal_arn, input.role_arn);
    // "Request ARN is invalid": a RoleArn that is not a role's.
    if federation::parse_role_arn(input.role_arn).is_none() {
        return Err(FederationError::InvalidArn(input.role_arn.to_owned()));
    }
    let provider = federation::provider_by_arn(call.state, input.principal_arn).await?;
    let validated = federation::validate(call.state, &provider, input.saml_assertion)?;
    attempt.validated(&validated);
    let request = AssumeRequest {
        role_arn: input.role_arn,
        length: SessionLength::Api(input.duration_seconds),
        policy: input.policy,
        policy_arns: &input.policy_arns,
    };
    let assumed = federation::assume(call.state, &validated, &request, attempt).await?;
    Ok((validated, assumed))
}

/// The `<AssumeRoleWithSAMLResult>` of aws-behaviour.md §2.4, members in the model's order.
fn respond(request_id: &str, validated: &Validated, assumed: &Assumed) -> QueryResponse {
    let claims = &assumed.claims;
    let assertion = &validated.assertion;
    QueryResponse::new(QueryApi::Sts, ACTION, request_id, |xml| {
        xml.element("Credentials", |xml| {
            xml.text_element("AccessKeyId", &claims.access_key_id);
            xml.text_element("SecretAccessKey", claims.secret_access_key.expose());
            xml.text_element("SessionToken", &assumed.session_token);
            xml.timestamp_element("Expiration", claims.expiration());
        });
        xml.element("AssumedRoleUser", |xml| {
            xml.text_element("AssumedRoleId", &claims.user_id());
            xml.text_element("Arn", &claims.assumed_role_arn());
        });
        xml.integer_element("PackedPolicySize", i64::from(assumed.packed_policy_size));
        xml.text_element("Subject", assertion.name_id().value());
        xml.text_element(
            "SubjectType",
            super::saml_claims::subject_type(
                assertion
                    .name_id()
                    .format()
                    .unwrap_or("urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"),
            ),
        );
        xml.text_element("Issuer", assertion.issuer());
        xml.text_element("Audience", assertion.recipient());
        xml.text_element("NameQualifier", &name_qualifier(validated, claims));
        xml.optional_element("SourceIdentity", claims.source_identity.as_deref());
    })
}

/// `NameQualifier`: the session's `saml:namequalifier`, which the trust policy's context
/// computed from the same issuer and provider, rather than a second SHA-1 of them.
fn name_qualifier<'a>(validated: &Validated, claims: &'a SessionClaims) -> Cow<'a, str> {
    let carried = claims
        .saml
        .iter()
        .find(|(key, _)| key == "saml:namequalifier")
        .map(|(_, values)| values.as_slice());
    match carried {
        Some([value]) => Cow::Borrowed(value),
        _ => Cow::Owned(validated.name_qualifier()),
    }
}

/// A required ARN member: present, 20–2048 characters of `arnType`'s pattern.
fn arn<'a>(validator: &mut Validator, params: &Params<'a>, member: &str) -> Option<&'a str> {
    let value = validator.required(member, params.string(member));
    if let Some(value) = value {
        check_arn(validator, member, value);
    }
    value
}

fn check_arn(validator: &mut Validator, member: &str, value: &str) {
    let (min, max) = ARN_CHARS;
    validator.length(member, value, min, max);
    validator.pattern(
        member,
        value,
        r"[\u0009\u000A\u000D\u0020-\u007E\u0085\u00A0-\uD7FF\uE000-\uFFFD\u10000-\u10FFFF]+",
        |c| {
            matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{7e}' | '\u{85}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..='\u{10ffff}')
        },
    );
}
