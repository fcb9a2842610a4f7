//! Parse, canonicalise and verify arbitrary bytes: no panic, canonical form a fixed point, and
//! the signed view equal to what the parser reads back. `cargo test` replays the same function
//! over every committed vector (crates/xmldsig/tests/vectors.rs).
//!
//! Run: `cargo install cargo-fuzz && cargo fuzz run xmldsig -- -max_len=65536`
//! (on stable: `RUSTC_BOOTSTRAP=1 cargo fuzz run xmldsig`).

#![no_main]

use std::sync::OnceLock;

use fedgate_xmldsig::TrustedKeys;
use libfuzzer_sys::fuzz_target;

static KEYS: OnceLock<TrustedKeys> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let keys = KEYS.get_or_init(|| {
        TrustedKeys::from_pem(include_bytes!("../../crates/xmldsig/tests/data/keys/rsa2048.crt"))
            .expect("the test key parses")
    });
    fedgate_xmldsig::fuzzing::parse_canonicalize_verify(data, keys);
});
