// Link previews (Open Graph, Twitter cards) need absolute addresses, which a page built to work
// from any path cannot know. `make build SITE_URL=https://you.github.io/repo/` runs this on
// dist/index.html: the social card's address becomes absolute and og:url is added.
//   node scripts/site-url.mjs FILE URL    (an empty URL leaves the file as it is)
import fs from 'node:fs';

const [file, raw = ''] = process.argv.slice(2);
if (!file) {
  console.error('usage: node scripts/site-url.mjs FILE URL');
  process.exit(2);
}
if (raw.trim() === '') process.exit(0);
let url;
try {
  url = new URL(raw.trim());
} catch {
  url = null;
}
if (!url || !['https:', 'http:'].includes(url.protocol) || url.search || url.hash) {
  console.error(`SITE_URL must be the http(s) address the page is served from, like https://you.github.io/repo/ (got "${raw}")`);
  process.exit(2);
}
if (!url.pathname.endsWith('/')) url.pathname += '/';
const base = url.href;
const attr = s => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
let html = fs.readFileSync(file, 'utf8');
const image = /<meta property="og:image" content="[^"]*" \/>/;
if (!image.test(html)) {
  console.error(`${file} has no og:image meta tag to rewrite`);
  process.exit(1);
}
html = html
  .replace(/\s*<meta property="og:url" content="[^"]*" \/>/, '')
  .replace(image, `<meta property="og:image" content="${attr(base)}social-card.png" />\n  <meta property="og:url" content="${attr(base)}" />`);
fs.writeFileSync(file, html);
console.log(`${file}: link previews point at ${base}`);
