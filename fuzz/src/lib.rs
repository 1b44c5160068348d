//! The fuzz targets' shared code (see `targets.rs`), compiled once for all the cargo-fuzz binaries.

#[path = "guard.rs"]
pub mod guard;
#[path = "targets.rs"]
pub mod targets;

pub use targets::TARGETS;

/// Run target `name` on one input under the limits of [`guard`].
pub fn run(name: &str, data: &[u8]) {
    let (_, f) = TARGETS.iter().find(|(n, _)| *n == name).expect("a target of TARGETS");
    guard::limited(|| f(data));
}
