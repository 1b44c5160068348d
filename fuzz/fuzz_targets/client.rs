//! cargo-fuzz target `client`: see `fuzz/src/targets.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tlsviz_fuzz::run("client", data));
