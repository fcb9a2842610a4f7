//! IAM ARNs: those fedgate writes (`arn:aws:iam::ACCOUNT:role/PATH/NAME`, `…:policy/…`,
//! `…:saml-provider/NAME`) and those clients send to address a managed policy or a provider.

use fedgate_store::{IamPath, PolicyKey, PolicyName, ProviderName};

use crate::aws::error::{AwsError, AwsErrorCode, truncate};

use super::input::{
    MAX_POLICY_NAME_CHARS, MAX_PROVIDER_NAME_CHARS, is_name_char, is_policy_path,
    is_provider_name_char,
};

/// The partition of every ARN fedgate writes.
const PARTITION: &str = "aws";

/// `arn:aws:iam::ACCOUNT:role{path}{name}`.
pub(super) fn role(account: &str, path: &str, name: &str) -> String {
    format!("arn:{PARTITION}:iam::{account}:role{path}{name}")
}

/// `arn:aws:iam::ACCOUNT:policy{path}{name}`.
pub(super) fn policy(account: &str, key: &PolicyKey) -> String {
    format!(
        "arn:{PARTITION}:iam::{account}:policy{}{}",
        key.path.as_str(),
        key.name.as_str()
    )
}

/// `arn:aws:iam::ACCOUNT:saml-provider/NAME`.
pub(super) fn saml_provider(account: &str, name: &str) -> String {
    format!("arn:{PARTITION}:iam::{account}:saml-provider/{name}")
}

/// A managed policy's ARN as a client sent it.
#[derive(Clone, Debug)]
pub(super) struct PolicyArn<'a> {
    /// The ARN, as sent.
    pub(super) text: &'a str,
    /// The account part (`aws` for AWS managed policies).
    pub(super) account: &'a str,
    /// The path and name.
    pub(super) key: PolicyKey,
}

impl<'a> PolicyArn<'a> {
    /// Parses `arn:aws:iam::ACCOUNT:policy/PATH/NAME`; `ValidationError` ("ARN … is not
    /// valid.") for anything else.
    pub(super) fn parse(text: &'a str) -> Result<Self, AwsError> {
        let invalid = || not_valid(text);
        let (account, resource) = split_iam_arn(text).ok_or_else(invalid)?;
        let rest = resource.strip_prefix("policy").ok_or_else(invalid)?;
        let slash = rest.rfind('/').ok_or_else(invalid)?;
        let (path, name) = rest.split_at(slash.saturating_add(1));
        if name.is_empty()
            || name.chars().count() > MAX_POLICY_NAME_CHARS
            || !name.chars().all(is_name_char)
            || !is_policy_path(path)
        {
            return Err(invalid());
        }
        Ok(Self {
            text,
            account,
            key: PolicyKey {
                path: IamPath::new(path),
                name: PolicyName::new(name),
            },
        })
    }

    /// Whether the policy belongs to `account` (AWS managed policies and other accounts'
    /// policies are never found here).
    pub(super) fn is_in(&self, account: &str) -> bool {
        self.account == account
    }
}

/// A SAML provider's ARN as a client sent it.
#[derive(Clone, Debug)]
pub(super) struct ProviderArn<'a> {
    /// The ARN, as sent.
    pub(super) text: &'a str,
    /// The account part.
    pub(super) account: &'a str,
    /// The provider's name.
    pub(super) name: ProviderName,
}

impl<'a> ProviderArn<'a> {
    /// Parses `arn:aws:iam::ACCOUNT:saml-provider/NAME`; `ValidationError` otherwise.
    pub(super) fn parse(text: &'a str) -> Result<Self, AwsError> {
        let invalid = || not_valid(text);
        let (account, resource) = split_iam_arn(text).ok_or_else(invalid)?;
        let name = resource
            .strip_prefix("saml-provider/")
            .ok_or_else(invalid)?;
        if name.is_empty()
            || name.chars().count() > MAX_PROVIDER_NAME_CHARS
            || !name.chars().all(is_provider_name_char)
        {
            return Err(invalid());
        }
        Ok(Self {
            text,
            account,
            name: ProviderName::new(name),
        })
    }

    /// Whether the provider belongs to `account`.
    pub(super) fn is_in(&self, account: &str) -> bool {
        self.account == account
    }
}

/// `(account, resource)` of `arn:aws:iam::ACCOUNT:RESOURCE` (no region: IAM is global).
fn split_iam_arn(text: &str) -> Option<(&str, &str)> {
    let rest = text.strip_prefix("arn:")?;
    let (partition, rest) = rest.split_once(':')?;
    let (service, rest) = rest.split_once(':')?;
    let (region, rest) = rest.split_once(':')?;
    let (account, resource) = rest.split_once(':')?;
    let account_ok =
        account == "aws" || (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()));
    (partition == PARTITION && service == "iam" && region.is_empty() && account_ok)
        .then_some((account, resource))
}

/// AWS's refusal of an ARN parameter that is not an ARN of the right kind.
fn not_valid(text: &str) -> AwsError {
    AwsError::new(
        AwsErrorCode::ValidationError,
        format!("ARN {} is not valid.", truncate(text)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_arns_split_into_path_and_name() {
        let arn = PolicyArn::parse("arn:aws:iam::123456789012:policy/a/b/Name").unwrap();
        assert_eq!(arn.key.path.as_str(), "/a/b/");
        assert_eq!(arn.key.name.as_str(), "Name");
        assert_eq!(arn.account, "123456789012");
        let aws = PolicyArn::parse("arn:aws:iam::aws:policy/AdministratorAccess").unwrap();
        assert!(!aws.is_in("123456789012"));
        for bad in [
            "Name",
            "arn:aws:iam::123456789012:policy/",
            "arn:aws:iam::123456789012:role/Name",
            "arn:aws:iam:us-east-1:123456789012:policy/Name",
            "arn:aws:s3::123456789012:policy/Name",
            "arn:aws:iam::12345:policy/Name",
            "arn:aws:iam::123456789012:policy/a//Name",
        ] {
            assert!(PolicyArn::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn provider_arns_name_the_provider() {
        let arn = ProviderArn::parse("arn:aws:iam::123456789012:saml-provider/Okta_1.x").unwrap();
        assert_eq!(arn.name.as_str(), "Okta_1.x");
        for bad in [
            "arn:aws:iam::123456789012:saml-provider/",
            "arn:aws:iam::123456789012:saml-provider/a/b",
            "arn:aws:iam::123456789012:oidc-provider/x",
        ] {
            assert!(ProviderArn::parse(bad).is_err(), "{bad}");
        }
    }
}
