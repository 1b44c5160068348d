#!/usr/bin/env bash
# Trunk post-build hook: shrink the page's WebAssembly with binaryen's wasm-opt, its JavaScript
# glue with terser (from npm, see tests/browser/package.json), and its stylesheet by taking the
# comments out. Trunk's own wasm-opt step would download a binary, which the machines here cannot
# do; these files change after Trunk hashed them, so integrity hashes are off (index.html:
# data-integrity="none").
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
opt="$root/tests/browser/node_modules/.bin/wasm-opt"
dir="${TRUNK_STAGING_DIR:-$root/dist}"
if [ ! -x "$opt" ]; then
  echo "optimize-wasm: $opt is missing (run scripts/ensure-tools.sh build); leaving the wasm unoptimized" >&2
  exit 0
fi
for f in "$dir"/*_bg.wasm; do
  [ -e "$f" ] || continue
  "$opt" -Oz --converge --strip-debug --strip-producers \
    --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
    --enable-reference-types --enable-multivalue -o "$f.opt" "$f"
  mv "$f.opt" "$f"
done

# The JavaScript glue, minified with terser (npm): its module exports stay as they are.
terser="$root/tests/browser/node_modules/.bin/terser"
if [ -x "$terser" ]; then
  for f in "$dir"/*.js; do
    [ -e "$f" ] || continue
    case "$(basename "$f")" in embed.js) continue ;; esac
    "$terser" "$f" --module --compress --mangle -o "$f.min"
    mv "$f.min" "$f"
  done
fi

# The stylesheet without its comments, which are for whoever reads static/style.css (about 0.7 KB
# of the page's weight, gzipped). No string in it holds "/*", so a comment is all that matches.
for f in "$dir"/*.css; do
  [ -e "$f" ] || continue
  perl -0777 -pi -e 's{/\*.*?\*/\n?}{}gs' "$f"
done
