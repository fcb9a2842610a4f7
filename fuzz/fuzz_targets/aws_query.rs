//! The awsQuery form decoder, its typed accessors, `AssumeRoleWithSAML`'s input checks and SigV4
//! parsing over arbitrary bytes: no panic. `cargo test -p fedgate` replays the same function
//! over its seed inputs (crates/server/src/fuzzing.rs).
//!
//! Run: `cargo install cargo-fuzz && cargo fuzz run aws_query -- -max_len=65536`
//! (on stable: `RUSTC_BOOTSTRAP=1 cargo fuzz run aws_query`).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    fedgate::fuzzing::parse_query_request(data);
});
