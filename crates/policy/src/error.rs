//! `PolicyError`: why a policy document was refused.

use crate::PolicyKind;

/// Why [`Policy::parse`](crate::Policy::parse) refused a document.
///
/// Every variant carries AWS's own text, so the server can put it on the wire unchanged:
/// [`PolicyError::aws_message`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// The document breaks the policy grammar: IAM's `MalformedPolicyDocument`.
    #[error("malformed policy document: {0}")]
    Malformed(Malformed),
    /// The document is larger than the quota for its kind: IAM's `LimitExceeded`.
    #[error("{} policy too large: {size} characters without whitespace, over the quota of {limit}", .kind.name())]
    LimitExceeded {
        /// The kind whose quota was exceeded ([`PolicyKind::size_limit`]).
        kind: PolicyKind,
        /// The quota, in characters without whitespace.
        limit: usize,
        /// The document's size, in characters without whitespace (or bytes, for a document
        /// over [`MAX_DOCUMENT_BYTES`](crate::MAX_DOCUMENT_BYTES)).
        size: usize,
    },
}

impl PolicyError {
    /// The message AWS returns for this error, e.g. `Syntax errors in policy.` or
    /// `Cannot exceed quota for ACLSizePerRole: 2048`.
    pub fn aws_message(&self) -> String {
        match self {
            PolicyError::Malformed(malformed) => malformed.message().to_owned(),
            // https://github.com/aws/aws-cdk/issues/12403 (the server adds ` for role <name>`)
            PolicyError::LimitExceeded {
                kind: PolicyKind::Identity,
                limit,
                ..
            } => format!("Maximum policy size of {limit} bytes exceeded"),
            PolicyError::LimitExceeded { kind, limit, .. } => {
                format!("Cannot exceed quota for {}: {limit}", kind.size_limit().0)
            }
        }
    }
}

/// A `MalformedPolicyDocument` refusal: AWS's message, and where in the document it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    message: String,
    location: String,
}

impl Malformed {
    /// A refusal with AWS's `message`, found at `location` (a JSON pointer, for logs).
    pub(crate) fn new(message: impl Into<String>, location: impl Into<String>) -> Self {
        Malformed {
            message: message.into(),
            location: location.into(),
        }
    }

    /// AWS's message, exactly as IAM returns it (`Syntax errors in policy.`, …).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Where the problem is: a JSON pointer such as `/Statement/1/Resource/0` (empty for the
    /// whole document). For logs and `fedgate policy eval`; AWS does not return it.
    pub fn location(&self) -> &str {
        &self.location
    }
}

impl std::fmt::Display for Malformed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.location.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{} (at `{}`)", self.message, self.location)
        }
    }
}

/// AWS's `MalformedPolicyDocument` messages (aws-behaviour.md §3.9; real IAM strings quoted in
/// public issue threads where moto does not reproduce them).
pub(crate) mod messages {
    pub(crate) const SYNTAX: &str = "Syntax errors in policy.";
    pub(crate) const VERSION: &str = "Policy document must be version 2012-10-17 or greater.";
    pub(crate) const LEGACY: &str = "The policy failed legacy parsing";
    pub(crate) const DUPLICATE_SID: &str = "Statement IDs (SID) in a single policy must be unique.";
    pub(crate) const NO_ACTIONS: &str = "Policy statement must contain actions.";
    pub(crate) const NO_RESOURCES: &str = "Policy statement must contain resources.";
    pub(crate) const NO_VENDOR: &str =
        "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.";
    pub(crate) const ONE_COLON: &str = "Actions/Condition can contain only one colon.";
    pub(crate) const VENDOR_REGEX: &str =
        "Resource vendor must be fully qualified and cannot contain regexes.";
    pub(crate) const IAM_RESOURCE_PATH: &str = "IAM resource path must either be \"*\" or start with user/, federated-user/, role/, group/, instance-profile/, mfa/, server-certificate/, policy/, sms-mfa/, saml-provider/, oidc-provider/, report/, access-report/.";
    /// <https://github.com/hashicorp/terraform/issues/13449>
    pub(crate) const PRINCIPAL_FORBIDDEN: &str = "Policy document should not specify a principal.";
    /// <https://github.com/terraform-aws-modules/terraform-aws-iam/issues/47>
    pub(crate) const NO_PRINCIPALS: &str = "Invalid principal in policy: com.amazon.balsa.error.InvalidPolicyException: The passed in policy has a statement with no principals!";
    pub(crate) const TRUST_RESOURCE: &str = "Has prohibited field Resource.";
    /// fedgate's choice, by analogy with the line above (docs/decisions.md).
    pub(crate) const TRUST_NOT_PRINCIPAL: &str = "Has prohibited field NotPrincipal.";
    pub(crate) const TRUST_ACTIONS: &str = "Trust Policy statement actions can only be sts:AssumeRole, sts:AssumeRoleWithSAML,  and sts:AssumeRoleWithWebIdentity";
}
