//! The service provider's side of the contract: who we are, where responses may be sent.

use time::Duration;

use crate::error::ConfigError;

/// The clock skew allowed when none is configured.
pub const DEFAULT_MAX_SKEW: Duration = Duration::seconds(60);
/// The largest clock skew that can be configured.
pub const MAX_SKEW: Duration = Duration::minutes(5);
/// How long after its `IssueInstant` an assertion may be redeemed, as at AWS ("Token must be
/// redeemed within 5 minutes of issuance").
pub const MAX_ASSERTION_AGE: Duration = Duration::minutes(5);

/// This service provider: its entityID, the endpoints responses may be addressed to
/// (`Destination`, `Recipient`), the audiences it answers to, and the clock skew it tolerates.
///
/// Nothing is optional: every check runs for every response.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct ServiceProvider {
    entity_id: String,
    recipients: Vec<String>,
    audiences: Vec<String>,
    max_skew: Duration,
}

impl ServiceProvider {
    /// A service provider whose accepted audiences are its entityID and its recipients (as at
    /// AWS, where `urn:amazon:webservices` and the sign-in URLs are all valid audiences), with
    /// [`DEFAULT_MAX_SKEW`].
    pub fn new(entity_id: &str, recipients: Vec<String>) -> Result<Self, ConfigError> {
        if recipients.is_empty() {
            return Err(ConfigError::NoRecipient);
        }
        let mut audiences = vec![entity_id.to_owned()];
        audiences.extend(recipients.iter().cloned());
        Ok(Self {
            entity_id: entity_id.to_owned(),
            recipients,
            audiences,
            max_skew: DEFAULT_MAX_SKEW,
        })
    }

    /// Replaces the accepted audiences.
    pub fn with_audiences(mut self, audiences: Vec<String>) -> Result<Self, ConfigError> {
        if audiences.is_empty() {
            return Err(ConfigError::NoAudience);
        }
        self.audiences = audiences;
        Ok(self)
    }

    /// Sets the clock skew, from zero to [`MAX_SKEW`].
    pub fn with_max_skew(mut self, max_skew: Duration) -> Result<Self, ConfigError> {
        if max_skew.is_negative() || max_skew > MAX_SKEW {
            return Err(ConfigError::SkewOutOfRange);
        }
        self.max_skew = max_skew;
        Ok(self)
    }

    /// The entityID.
    pub fn entity_id(&self) -> &str {
        &self.entity_id
    }

    /// The accepted `Destination` and `Recipient` values.
    pub fn recipients(&self) -> &[String] {
        &self.recipients
    }

    /// The accepted `Audience` values.
    pub fn audiences(&self) -> &[String] {
        &self.audiences
    }

    /// The clock skew.
    pub fn max_skew(&self) -> Duration {
        self.max_skew
    }

    pub(crate) fn accepts_recipient(&self, url: &str) -> bool {
        self.recipients.iter().any(|r| r == url)
    }

    pub(crate) fn accepts_audience(&self, uri: &str) -> bool {
        self.audiences.iter().any(|a| a == uri)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audiences_default_to_entity_id_and_recipients() {
        let sp =
            ServiceProvider::new("urn:amazon:webservices", vec!["https://a/saml".into()]).unwrap();
        assert_eq!(sp.audiences(), ["urn:amazon:webservices", "https://a/saml"]);
        assert_eq!(sp.max_skew(), DEFAULT_MAX_SKEW);
    }

    #[test]
    fn refuses_empty_lists_and_skew_out_of_range() {
        assert_eq!(
            ServiceProvider::new("urn:x", vec![]),
            Err(ConfigError::NoRecipient)
        );
        let sp = ServiceProvider::new("urn:x", vec!["https://a/saml".into()]).unwrap();
        assert_eq!(
            sp.clone().with_audiences(vec![]),
            Err(ConfigError::NoAudience)
        );
        assert_eq!(
            sp.clone().with_max_skew(Duration::seconds(301)),
            Err(ConfigError::SkewOutOfRange)
        );
        assert_eq!(
            sp.clone().with_max_skew(Duration::seconds(-1)),
            Err(ConfigError::SkewOutOfRange)
        );
        assert!(sp.with_max_skew(MAX_SKEW).is_ok());
    }
}
