//! Entry points for fuzz targets and for replaying their corpora in `cargo test`.

use crate::signed::View;
use crate::{C14nOptions, Document, Limits, TrustedKeys};

/// Parses, canonicalises (both modes) and verifies arbitrary bytes. It panics only when an
/// invariant breaks: canonical form is not a fixed point, or the view of a canonicalised element
/// differs from what the parser reads back from its bytes.
#[expect(
    clippy::expect_used,
    reason = "a broken invariant must stop the fuzzer"
)]
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
    // The view built during canonicalisation is what the parser reads back from the bytes.
    for element in doc.root().descendants().filter(|n| n.is_element()) {
        let (bytes, view) =
            crate::c14n::canonicalize_with_view(&doc, element, None, &C14nOptions::default());
        let reread = Document::parse_canonical(&bytes).expect("canonical bytes parse");
        assert_eq!(
            View::of_document(&reread),
            view,
            "the view differs from the canonical bytes"
        );
    }
    let _ = crate::verify_all(&doc, keys);
}
