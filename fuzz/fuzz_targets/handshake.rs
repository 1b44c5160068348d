//! cargo-fuzz target `handshake`: see `fuzz/src/targets.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tlsviz_fuzz::run("handshake", data));
