//! Validate arbitrary bytes (as XML and as base64) as a SAML response against the corpus IdP's
//! metadata: no panic, and nothing validates unless signed by a key of the metadata. `cargo test`
//! replays the same function over the committed corpus (crates/saml/tests/corpus.rs).
//!
//! Run: `cargo install cargo-fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run saml_response`.

#![no_main]

use std::sync::OnceLock;

use fedgate_saml::{IdpMetadata, ServiceProvider};
use libfuzzer_sys::fuzz_target;

static SETUP: OnceLock<(ServiceProvider, IdpMetadata)> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let (sp, metadata) = SETUP.get_or_init(|| {
        let metadata = IdpMetadata::parse(include_bytes!("../../crates/saml/tests/corpus/metadata/idp.xml"))
            .expect("the corpus metadata parses");
        let sp = ServiceProvider::new("urn:amazon:webservices", vec!["https://signin.aws.amazon.com/saml".into()])
            .expect("a service provider");
        (sp, metadata)
    });
    let now = time::macros::datetime!(2030-01-01 00:00:30 UTC);
    fedgate_saml::fuzzing::validate_response(data, sp, metadata, now);
});
