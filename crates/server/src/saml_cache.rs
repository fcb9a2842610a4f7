//! What the sign-in path would otherwise rebuild on every call: the service provider of this
//! server's configuration, and each SAML provider's parsed metadata (certificates parsed and
//! keys prepared once per document, not once per sign-in).

use std::sync::Arc;

use fedgate_saml::{IdpMetadata, MetadataError, ServiceProvider};
use fedgate_store::SamlProvider;

use crate::config::Config;
use crate::document_cache::DocumentCache;

/// Most metadata documents kept; when full, the cache starts over (providers are few).
pub const MAX_CACHED_METADATA: usize = 256;

/// The service provider and the parsed metadata of the providers seen so far.
#[derive(Debug)]
pub struct SamlCache {
    service_provider: ServiceProvider,
    /// By provider id; an updated document is parsed anew, never served stale.
    metadata: DocumentCache<IdpMetadata>,
}

impl SamlCache {
    /// The service provider of `config`: its entityID, recipients, audiences and clock skew.
    pub fn new(config: &Config) -> Result<Self, fedgate_saml::ConfigError> {
        let service_provider = ServiceProvider::new(&config.entity_id, config.recipients.clone())
            .and_then(|sp| sp.with_audiences(config.audiences.clone()))
            .and_then(|sp| sp.with_max_skew(config.clock_skew))?;
        Ok(Self {
            service_provider,
            metadata: DocumentCache::new(MAX_CACHED_METADATA),
        })
    }

    /// The service provider.
    pub fn service_provider(&self) -> &ServiceProvider {
        &self.service_provider
    }

    /// The parsed metadata of `provider`, parsed once per document.
    pub fn metadata(&self, provider: &SamlProvider) -> Result<Arc<IdpMetadata>, MetadataError> {
        self.metadata
            .parsed(provider.id.as_str(), &provider.metadata, |text| {
                IdpMetadata::parse(text.as_bytes())
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fedgate_store::{ProviderId, ProviderName};

    fn provider(id: &str, metadata: &str) -> SamlProvider {
        SamlProvider {
            name: ProviderName::new("ExampleIdP"),
            id: ProviderId::new(id),
            metadata: metadata.to_owned(),
            valid_until: time::macros::datetime!(2100-01-01 00:00 UTC),
            created_at: time::macros::datetime!(2030-01-01 00:00 UTC),
        }
    }

    #[test]
    fn a_document_is_parsed_once_and_a_changed_one_again() {
        let config =
            Config::resolve_from(&crate::config::Flags::default(), &Default::default()).unwrap();
        let cache = SamlCache::new(&config).unwrap();
        let document = include_str!("../../saml/tests/corpus/metadata/idp.xml");
        let first = cache.metadata(&provider("p1", document)).unwrap();
        let again = cache.metadata(&provider("p1", document)).unwrap();
        assert!(
            Arc::ptr_eq(&first, &again),
            "the same document is not parsed twice"
        );
        let changed = document.replacen(
            "<md:EntityDescriptor",
            "<!-- rolled -->\n<md:EntityDescriptor",
            1,
        );
        let updated = cache.metadata(&provider("p1", &changed)).unwrap();
        assert!(
            !Arc::ptr_eq(&first, &updated),
            "an updated document is parsed anew"
        );
        assert!(cache.metadata(&provider("p2", "<not metadata")).is_err());
    }
}
