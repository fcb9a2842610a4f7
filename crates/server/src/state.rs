//! The state every handler receives: explicit, cloned per request, no globals.

use std::sync::Arc;

use fedgate_store::{AccessKeyId, AccountId, Store};

use crate::clock::Clock;
use crate::config::Config;
use crate::keys::KeyRing;
use crate::metrics::Metrics;
use crate::policy_cache::TrustPolicyCache;
use crate::saml_cache::SamlCache;
use crate::secret::Secret;

/// Shared state of the HTTP application.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The resolved configuration.
    pub config: Arc<Config>,
    /// The database.
    pub store: Arc<dyn Store>,
    /// The sealing key.
    pub keys: Arc<KeyRing>,
    /// The time.
    pub clock: Clock,
    /// The account this server is.
    pub account: Arc<AccountInfo>,
    /// Counters and histograms served at `/metrics`.
    pub metrics: Arc<Metrics>,
    /// The service provider and the parsed metadata of SAML providers.
    pub saml: Arc<SamlCache>,
    /// The parsed trust policies of roles.
    pub trust_policies: Arc<TrustPolicyCache>,
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
