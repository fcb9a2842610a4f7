//! Parse and evaluate arbitrary bytes as IAM policies: no panic, evaluation total. `cargo test`
//! replays the same function over the committed cases (crates/policy/tests/).
//!
//! Run: `cargo install cargo-fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run policy`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = fedgate_policy::fuzzing::parse_and_evaluate(data);
});
