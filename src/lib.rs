//! A real TLS 1.3 client and server that run against each other in memory (or against OpenSSL
//! over TCP), recording everything for the handshake visualizer page.
#![forbid(unsafe_code)]

pub mod model;
pub mod sim;
pub mod tls;

/// In WebAssembly, Talc instead of dlmalloc: see Cargo.toml.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static TALC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
