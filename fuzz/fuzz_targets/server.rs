//! cargo-fuzz target `server`: see `fuzz/src/targets.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tlsviz_fuzz::run("server", data));
