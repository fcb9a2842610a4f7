//! Recent reads of what changes rarely — SAML providers, roles and their permissions, instances,
//! users and security profiles — kept in memory, so that a sign-in does not ask the database for
//! them on every call.
//!
//! Consistency (docs/decisions.md, "IAM and Connect reads are cached for two seconds"):
//! - a node sees its own writes at once: every write through this store forgets the whole
//!   cache once it has finished;
//! - it sees other nodes' writes within [`MAX_AGE`]: a timer forgets the whole cache that often.
//!   This is the contract AWS documents for IAM, whose changes are eventually consistent.
//!
//! Only what was found is kept: a "not found" is asked again every time, so that nothing created
//! is ever hidden. An entry is tagged with the generation in force before its read began, and
//! used or kept only while that generation lasts: a read that raced a write can never outlive
//! the write's forgetting, even if it finishes after it.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, Weak};
use std::time::Duration;

use crate::StoreError;
use crate::model::{Instance, Role, RolePermissions, SamlProvider, SecurityProfile, User};

/// How stale a read may be with respect to other nodes' writes.
pub(crate) const MAX_AGE: Duration = Duration::from_secs(2);

/// Most entries of one kind; a full shelf starts over (the working set is a few providers and
/// roles, and the users signing in within two seconds).
const MAX_ENTRIES: usize = 8_192;

/// The cached reads, one shelf per kind.
#[derive(Default)]
pub(crate) struct ReadCache {
    generation: AtomicU64,
    pub(crate) providers: Shelf<SamlProvider>,
    pub(crate) provider_list: Shelf<Vec<SamlProvider>>,
    pub(crate) roles: Shelf<Role>,
    pub(crate) permissions: Shelf<RolePermissions>,
    pub(crate) instances: Shelf<Instance>,
    pub(crate) instances_by_alias: Shelf<Instance>,
    pub(crate) users: Shelf<User>,
    pub(crate) users_by_username: Shelf<User>,
    pub(crate) security_profiles: Shelf<SecurityProfile>,
}

impl ReadCache {
    /// A cache forgotten every [`MAX_AGE`] by a task that ends with the cache. Call it within
    /// the Tokio runtime.
    pub(crate) fn start() -> Arc<Self> {
        let cache = Arc::new(Self::default());
        tokio::spawn(expire(Arc::downgrade(&cache)));
        cache
    }

    /// The value under `key` on `shelf`, read by `load` unless a read of the current generation
    /// is kept.
    pub(crate) async fn through<V: Clone>(
        &self,
        shelf: &Shelf<V>,
        key: String,
        load: impl Future<Output = Result<V, StoreError>>,
    ) -> Result<V, StoreError> {
        let generation = self.generation.load(Ordering::Acquire);
        if let Some(value) = shelf.get(&key, generation) {
            return Ok(value);
        }
        let value = load.await?;
        shelf.put(key, generation, value.clone(), &self.generation);
        Ok(value)
    }

    /// Runs a write, then forgets everything read before it finished.
    pub(crate) async fn changing<T>(
        &self,
        write: impl Future<Output = Result<T, StoreError>>,
    ) -> Result<T, StoreError> {
        let result = write.await;
        self.forget();
        result
    }

    /// Forgets every entry: later reads go to the database.
    pub(crate) fn forget(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.providers.clear();
        self.provider_list.clear();
        self.roles.clear();
        self.permissions.clear();
        self.instances.clear();
        self.instances_by_alias.clear();
        self.users.clear();
        self.users_by_username.clear();
        self.security_profiles.clear();
    }
}

/// The key of an entry named by several parts: each part with its length, so that no two
/// different lists of parts give the same key.
pub(crate) fn key(parts: &[&str]) -> String {
    let mut key = String::new();
    for part in parts {
        key.push_str(&part.len().to_string());
        key.push(':');
        key.push_str(part);
    }
    key
}

/// Forgets the cache every [`MAX_AGE`] until it is dropped.
async fn expire(cache: Weak<ReadCache>) {
    let mut ticks = tokio::time::interval(MAX_AGE);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // The first tick is immediate.
    ticks.tick().await;
    loop {
        ticks.tick().await;
        match cache.upgrade() {
            Some(cache) => cache.forget(),
            None => return,
        }
    }
}

/// The entries of one kind, each with the generation it was read in.
pub(crate) struct Shelf<V> {
    entries: RwLock<HashMap<String, (u64, V)>>,
}

impl<V> Default for Shelf<V> {
    fn default() -> Self {
        Self {
            entries: RwLock::new(HashMap::new()),
        }
    }
}

impl<V: Clone> Shelf<V> {
    fn get(&self, key: &str, generation: u64) -> Option<V> {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        match entries.get(key) {
            Some((read_in, value)) if *read_in == generation => Some(value.clone()),
            _ => None,
        }
    }

    /// Keeps `value`, read in `generation`, unless that generation has already ended. Checked
    /// under the lock that [`clear`](Self::clear) takes, so an entry kept after a write's
    /// forgetting began is cleared by it.
    fn put(&self, key: String, generation: u64, value: V, current: &AtomicU64) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if current.load(Ordering::Acquire) != generation {
            return;
        }
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(key, (generation, value));
    }

    fn clear(&self) {
        self.entries
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use super::*;
    use crate::Entity;
    use crate::model::InstanceId;

    async fn load_counted(loads: &AtomicUsize, value: &str) -> Result<String, StoreError> {
        loads.fetch_add(1, Ordering::Relaxed);
        Ok(value.to_owned())
    }

    #[tokio::test]
    async fn a_read_is_kept_until_a_write_or_the_timer_forgets_it() {
        tokio::time::pause();
        let cache = ReadCache::start();
        let shelf = Shelf::<String>::default();
        let loads = AtomicUsize::new(0);
        let read = |value| cache.through(&shelf, "k".to_owned(), load_counted(&loads, value));
        assert_eq!(read("v1").await.unwrap(), "v1");
        assert_eq!(read("v2").await.unwrap(), "v1", "kept");
        assert_eq!(loads.load(Ordering::Relaxed), 1);

        cache.changing(async { Ok(()) }).await.unwrap();
        assert_eq!(read("v2").await.unwrap(), "v2", "a write forgets");

        tokio::time::sleep(MAX_AGE + Duration::from_millis(10)).await;
        assert_eq!(read("v3").await.unwrap(), "v3", "the timer forgets");
        assert_eq!(loads.load(Ordering::Relaxed), 3);
    }

    #[tokio::test]
    async fn a_read_that_raced_a_write_is_not_kept() {
        let cache = ReadCache::start();
        let shelf = Shelf::<String>::default();
        // The read starts, a write finishes during it, then the read returns the old value.
        let old = cache
            .through(&shelf, "k".to_owned(), async {
                cache.forget();
                Ok("old".to_owned())
            })
            .await
            .unwrap();
        assert_eq!(old, "old");
        let fresh = cache
            .through(&shelf, "k".to_owned(), async { Ok("new".to_owned()) })
            .await
            .unwrap();
        assert_eq!(fresh, "new", "the raced read was not kept");
    }

    #[test]
    fn keys_of_different_parts_differ() {
        assert_ne!(key(&["a:b", "c"]), key(&["a", "b:c"]));
        assert_ne!(key(&["ab", ""]), key(&["a", "b"]));
    }

    #[tokio::test]
    async fn not_found_is_never_kept() {
        let cache = ReadCache::start();
        let shelf = Shelf::<InstanceId>::default();
        let missing = cache
            .through(&shelf, "k".to_owned(), async {
                Err(StoreError::NotFound(Entity::Instance))
            })
            .await;
        assert!(matches!(missing, Err(StoreError::NotFound(_))));
        let found = cache
            .through(&shelf, "k".to_owned(), async { Ok(InstanceId::new("i")) })
            .await
            .unwrap();
        assert_eq!(found, InstanceId::new("i"));
    }
}
