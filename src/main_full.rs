//! The page with every algorithm of the engine: X25519, the post-quantum hybrids, AES-256-GCM
//! and ChaCha20-Poly1305. The same app as `main.rs`, built with the engine's default features;
//! index.html loads it instead of the lighter build only for a link that asks for a client
//! preset or a group or suite the lighter build lacks, so the default page stays within its
//! weight budget.
#![forbid(unsafe_code)]

#[cfg(target_arch = "wasm32")]
mod ui;

#[cfg(target_arch = "wasm32")]
fn main() {
    ui::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("This binary is the web page: build and serve it with `make serve`.");
}
