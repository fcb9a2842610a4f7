//! Entry points for fuzz targets and for replaying their corpora in `cargo test`.

use crate::{C14nOptions, Document, Limits, TrustedKeys};

/// Parses, canonicalises (both modes) and verifies arbitrary bytes; must never panic.
pub fn parse_canonicalize_verify(bytes: &[u8], keys: &TrustedKeys) {
    let Ok(doc) = Document::parse(bytes, &Limits::default()) else {
        return;
    };
    let plain = doc.canonicalize(&C14nOptions::default());
    let _ = doc.canonicalize(&C14nOptions {
        with_comments: true,
        inclusive_prefixes: vec!["#default".into()],
    });
    // Canonical form is a fixed point: canonicalising it again changes nothing.
    if let Ok(again) = Document::parse(&plain, &Limits::default()) {
        assert_eq!(
            again.canonicalize(&C14nOptions::default()),
            plain,
            "c14n is not idempotent"
        );
    }
    let _ = crate::verify_all(&doc, keys);
}
