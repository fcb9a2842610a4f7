//! Roles' parsed trust policies, kept between calls: `AssumeRoleWithSAML` and the browser
//! sign-in evaluate the chosen role's trust policy on every call, and parsing the same stored
//! document again each time was a measurable share of a call's CPU.
//!
//! Only documents read from the store are cached; what a request carries (session policies) is
//! parsed per call. A document that does not parse is not cached: its error is the parse's.

use std::sync::Arc;

use fedgate_policy::{Policy, PolicyError, PolicyKind};
use fedgate_store::Role;

use crate::document_cache::DocumentCache;

/// Most roles whose trust policy is kept; when full, the cache starts over (a sign-in's roles
/// are few).
pub const MAX_CACHED_TRUST_POLICIES: usize = 1_024;

/// The parsed trust policies of the roles assumed so far, by role id.
#[derive(Debug)]
pub struct TrustPolicyCache {
    policies: DocumentCache<Policy>,
}

impl Default for TrustPolicyCache {
    fn default() -> Self {
        Self::new()
    }
}

impl TrustPolicyCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self {
            policies: DocumentCache::new(MAX_CACHED_TRUST_POLICIES),
        }
    }

    /// The parsed trust policy of `role`, parsed once per document: an updated trust policy
    /// (or a role deleted and created again, a new id) is parsed anew, never served stale.
    pub fn trust_policy(&self, role: &Role) -> Result<Arc<Policy>, PolicyError> {
        self.policies
            .parsed(role.id.as_str(), &role.trust_policy, |text| {
                Policy::parse(text, PolicyKind::Trust)
            })
    }
}

#[cfg(test)]
mod tests {
    use fedgate_store::{IamPath, RoleId, RoleName};

    use super::*;

    fn role(id: &str, trust_policy: &str) -> Role {
        Role {
            name: RoleName::new("Agent"),
            path: IamPath::new("/"),
            id: RoleId::new(id),
            trust_policy: trust_policy.to_owned(),
            description: None,
            max_session_duration: 3_600,
            created_at: time::OffsetDateTime::UNIX_EPOCH,
        }
    }

    fn trust(provider: &str) -> String {
        format!(
            r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"sts:AssumeRoleWithSAML","Principal":{{"Federated":"arn:aws:iam::123456789012:saml-provider/{provider}"}}}}}}"#
        )
    }

    #[test]
    fn a_document_is_parsed_once_and_an_updated_one_again() {
        let cache = TrustPolicyCache::new();
        let first = cache.trust_policy(&role("AROA1", &trust("Old"))).unwrap();
        let again = cache.trust_policy(&role("AROA1", &trust("Old"))).unwrap();
        assert!(
            Arc::ptr_eq(&first, &again),
            "the same document is not parsed twice"
        );
        let updated = cache.trust_policy(&role("AROA1", &trust("New"))).unwrap();
        assert!(
            !Arc::ptr_eq(&first, &updated),
            "an updated document is parsed anew"
        );
        assert_eq!(
            *updated,
            Policy::parse(&trust("New"), PolicyKind::Trust).unwrap(),
            "the updated document's policy is served, not the old one"
        );
        assert_ne!(*updated, *first);
        let other_role = cache.trust_policy(&role("AROA2", &trust("Old"))).unwrap();
        assert_eq!(*other_role, *first);
    }

    #[test]
    fn a_document_that_does_not_parse_fails_every_time() {
        let cache = TrustPolicyCache::new();
        assert!(cache.trust_policy(&role("AROA1", "{not json")).is_err());
        assert!(cache.trust_policy(&role("AROA1", "{not json")).is_err());
    }

    #[test]
    fn the_cache_is_bounded() {
        let cache = TrustPolicyCache::new();
        for index in 0..=MAX_CACHED_TRUST_POLICIES {
            cache
                .trust_policy(&role(&format!("AROA{index}"), &trust("P")))
                .unwrap();
        }
        let held = cache.policies.len();
        assert!(held <= MAX_CACHED_TRUST_POLICIES, "{held}");
    }
}
