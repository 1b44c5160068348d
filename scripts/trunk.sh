#!/usr/bin/env bash
# Run trunk for the page (make serve, build, test, bench).
#
# With the nightly toolchain and its rust-src component (scripts/ensure-tools.sh adds rust-src
# where nightly is installed), the standard library is compiled with the page: optimised for
# size, and a panic stops the page at once instead of formatting a message first (the page's
# error banner still says it stopped). That makes the page's WebAssembly smaller, which the
# page's weight budget needs (see README, "Speed and size"). Without nightly, stable builds the
# same page, only bigger. TLSVIZ_PAGE_TOOLCHAIN=stable forces the stable build.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
if [ "${TLSVIZ_PAGE_TOOLCHAIN:-}" != stable ] &&
  rustup component list --toolchain nightly --installed 2>/dev/null | grep -q '^rust-src'; then
  export RUSTUP_TOOLCHAIN=nightly
  export CARGO_UNSTABLE_BUILD_STD=std,panic_abort
  export CARGO_UNSTABLE_BUILD_STD_FEATURES=optimize_for_size
  # -Zshare-generics: the project's package uses the curve crates' own copies of their generic
  # code (compiled at opt-level 2, see Cargo.toml) instead of making copies of its own at "z":
  # 0.8 KB gzipped smaller, and a connection about 5% faster at best (measured with `make bench`).
  export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zshare-generics=y"
  # Its own target directory: the host's build scripts and macros, built by nightly here, would
  # otherwise be rebuilt each time stable's cargo test and this build take turns.
  export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}/page-nightly"
  echo "trunk.sh: building the page with $(rustc --version) and build-std" >&2
else
  echo "trunk.sh: building the page with stable (install nightly with rust-src for a smaller page)" >&2
fi
exec trunk "$@"
