//! IAM-style pagination: `Marker` and `MaxItems` in, `IsTruncated` and `Marker` out.

/// Where a listing resumes: opaque to clients, returned by the previous page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker(String);

impl Marker {
    /// A marker as a client sent it back.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The marker as sent to clients.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Which page of a listing to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    /// Resume after the page that returned this marker; `None` starts at the beginning.
    pub marker: Option<Marker>,
    /// At most this many items (the server applies AWS's 1–1000 range; 0 is read as 1).
    pub max_items: u32,
}

impl PageRequest {
    /// The first page of at most `max_items`.
    pub fn first(max_items: u32) -> Self {
        Self {
            marker: None,
            max_items,
        }
    }

    /// The page after the one that returned `marker`.
    pub fn after(marker: Marker, max_items: u32) -> Self {
        Self {
            marker: Some(marker),
            max_items,
        }
    }
}

/// One page of a listing, in a stable order (by name, compared case-insensitively).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Set when more items follow (`IsTruncated`): pass it back to read them.
    pub next: Option<Marker>,
}
