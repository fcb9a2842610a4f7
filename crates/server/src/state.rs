//! The state every handler receives: explicit, cloned per request, no globals.

use std::ops::Deref;
use std::sync::Arc;

use fedgate_store::{AccessKeyId, AccountId, Store};

use crate::clock::Clock;
use crate::config::Config;
use crate::keys::KeyRing;
use crate::metrics::Metrics;
use crate::policy_cache::TrustPolicyCache;
use crate::saml_cache::SamlCache;
use crate::secret::Secret;

/// Shared state of the HTTP application, behind one `Arc`: axum clones it for every request,
/// and one reference count costs less than one per part, which both cores would otherwise
/// pass back and forth under load.
#[derive(Clone, Debug)]
pub struct AppState(Arc<Parts>);

impl AppState {
    /// The state made of `parts`.
    pub fn new(parts: Parts) -> Self {
        Self(Arc::new(parts))
    }
}

impl Deref for AppState {
    type Target = Parts;

    fn deref(&self) -> &Parts {
        &self.0
    }
}

/// What [`AppState`] holds.
#[derive(Debug)]
pub struct Parts {
    /// The resolved configuration.
    pub config: Config,
    /// The database.
    pub store: Arc<dyn Store>,
    /// The sealing key.
    pub keys: KeyRing,
    /// The time.
    pub clock: Clock,
    /// The account this server is.
    pub account: AccountInfo,
    /// Counters and histograms served at `/metrics`.
    pub metrics: Metrics,
    /// The service provider and the parsed metadata of SAML providers.
    pub saml: SamlCache,
    /// The parsed trust policies of roles.
    pub trust_policies: TrustPolicyCache,
}

/// The account, with the administrator's secret opened.
#[derive(Clone, Debug)]
pub struct AccountInfo {
    /// The 12-digit account id.
    pub id: AccountId,
    /// The region.
    pub region: String,
    /// The administrator's access key id.
    pub admin_key_id: AccessKeyId,
    /// The administrator's secret access key.
    pub admin_secret: Secret<String>,
}
