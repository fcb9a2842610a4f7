//! Parsed forms of stored documents (a SAML provider's metadata, a role's trust policy), kept
//! between calls so that the sign-in path does not parse the same text on every call.
//!
//! An entry holds the text it was parsed from and is used only for that exact text: an updated
//! document misses and is parsed anew, so a parse is never served for a document it was not
//! made from. Comparing the text costs a `memcmp`; hashing it (as this cache first did) cost
//! more than some of the parses it saved.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

/// The parsed documents of up to `capacity` owners (a provider, a role), one per owner.
#[derive(Debug)]
pub struct DocumentCache<T> {
    capacity: usize,
    entries: RwLock<HashMap<String, Entry<T>>>,
}

/// A parse and the exact text it was made from.
#[derive(Debug)]
struct Entry<T> {
    document: String,
    parsed: Arc<T>,
}

impl<T> DocumentCache<T> {
    /// An empty cache of at most `capacity` owners; when full, it starts over (owners are few).
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            entries: RwLock::new(HashMap::new()),
        }
    }

    /// `owner`'s `document`, parsed by `parse` unless this exact text was parsed before. A
    /// document that does not parse is not kept: the next call parses it again.
    pub fn parsed<E>(
        &self,
        owner: &str,
        document: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<Arc<T>, E> {
        if let Some(parsed) = self.cached(owner, document) {
            return Ok(parsed);
        }
        let parsed = Arc::new(parse(document)?);
        let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= self.capacity && !entries.contains_key(owner) {
            entries.clear();
        }
        entries.insert(
            owner.to_owned(),
            Entry {
                document: document.to_owned(),
                parsed: Arc::clone(&parsed),
            },
        );
        Ok(parsed)
    }

    /// The parse of `owner`'s document if it was made from exactly `document`.
    fn cached(&self, owner: &str, document: &str) -> Option<Arc<T>> {
        let entries = self.entries.read().ok()?;
        let entry = entries.get(owner)?;
        // SECURITY(stale policy): the cached parse is used only for the very text it came from.
        (entry.document == document).then(|| Arc::clone(&entry.parsed))
    }

    /// How many owners have a parse kept.
    pub fn len(&self) -> usize {
        self.entries
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Whether nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn length(text: &str) -> Result<usize, ()> {
        if text.starts_with('!') {
            Err(())
        } else {
            Ok(text.len())
        }
    }

    #[test]
    fn a_document_is_parsed_once_and_a_changed_one_again() {
        let cache = DocumentCache::new(8);
        let mut parses = 0;
        let mut parse = |text: &str| {
            parses += 1;
            length(text)
        };
        let first = cache.parsed("a", "one", &mut parse).unwrap();
        let again = cache.parsed("a", "one", &mut parse).unwrap();
        assert!(Arc::ptr_eq(&first, &again));
        let changed = cache.parsed("a", "three", &mut parse).unwrap();
        assert_eq!(
            *changed, 5,
            "the changed document's parse, never the old one"
        );
        let other = cache.parsed("b", "one", &mut parse).unwrap();
        assert!(!Arc::ptr_eq(&first, &other), "each owner has its own parse");
        assert_eq!(parses, 3);
        assert_eq!(cache.len(), 2);
    }

    #[test]
    fn a_failed_parse_is_not_kept() {
        let cache = DocumentCache::new(8);
        assert!(cache.parsed("a", "!bad", length).is_err());
        assert!(cache.parsed("a", "!bad", length).is_err());
        assert!(cache.is_empty());
    }

    #[test]
    fn the_cache_holds_at_most_its_capacity() {
        let cache = DocumentCache::new(4);
        for owner in 0..10 {
            cache.parsed(&owner.to_string(), "doc", length).unwrap();
            assert!(cache.len() <= 4);
        }
    }
}
