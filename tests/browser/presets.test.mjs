// Client presets and the page's two builds, in Debian's Chromium against the release build in
// dist/ served under a subpath: a link with a preset loads the full build, whose run plays to a
// conclusion naming the group and suite; the default link loads the lighter one; the menu moves
// from one to the other.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { harness, playAll } from './serve.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const artifacts = path.join(here, 'artifacts');
const h = harness({ before, after });
const open = query => h.open(query, { reducedMotion: 'reduce' });

const presets = [
  {
    query: '?seed=5&client=chrome',
    beats: [
      /The client, as Chrome sends it, says hello: it offers TLS 1\.3, the cipher suites TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256, and fresh public keys for X25519MLKEM768, x25519 \(key shares\)/,
      /The server receives the ClientHello and chooses what both support: TLS 1\.3, TLS_AES_128_GCM_SHA256 and the group X25519MLKEM768.*gets the shared secret from both halves of the hybrid/,
      /The server answers: it picks TLS 1\.3 and the cipher suite TLS_AES_128_GCM_SHA256, and sends its X25519MLKEM768 key share: an ML-KEM-768 ciphertext and its own elliptic-curve public key/,
      /Then it erases both of its ephemeral private keys, for the group the server chose and for what it passed over/,
    ],
    conclusion: ['X25519MLKEM768', 'TLS_AES_128_GCM_SHA256', 'the client sent X25519MLKEM768 (1,216 bytes: a 1,184-byte ML-KEM-768 encapsulation key and a 32-byte x25519 public key) and x25519 (32 bytes)', 'X25519MLKEM768 (1,120 bytes: a 1,088-byte ML-KEM-768 ciphertext'],
  },
  {
    query: '?seed=5&client=firefox&suite=TLS_CHACHA20_POLY1305_SHA256',
    beats: [/The client, as Firefox sends it, says hello: it offers TLS 1\.3, the cipher suite TLS_CHACHA20_POLY1305_SHA256, and fresh public keys for X25519MLKEM768, x25519, secp256r1 \(key shares\)/],
    conclusion: ['X25519MLKEM768', 'TLS_CHACHA20_POLY1305_SHA256'],
  },
  {
    query: '?seed=5&client=curl',
    beats: [
      /The client, as curl with OpenSSL 3\.0 sends it, says hello: it offers TLS 1\.3, the cipher suites TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256, TLS_AES_128_GCM_SHA256, and a fresh public key for x25519 \(a key share\)/,
      /sends its own x25519 public key/,
    ],
    conclusion: ['x25519', 'TLS_AES_128_GCM_SHA256', 'the client sent x25519 (32 bytes)'],
  },
  {
    query: '?seed=5&group=SecP256r1MLKEM768&suite=TLS_AES_256_GCM_SHA384',
    beats: [/TLS_AES_256_GCM_SHA384 and the group SecP256r1MLKEM768/],
    conclusion: ['SecP256r1MLKEM768', 'TLS_AES_256_GCM_SHA384'],
  },
];

test('each client preset loads the full build and plays to a conclusion naming its group and suite', async () => {
  for (const { query, beats, conclusion } of presets) {
    const { page, errors, context } = await open(query);
    assert.equal(await page.evaluate(() => document.documentElement.dataset.build), 'full', query);
    const { told } = await playAll(page);
    for (const b of beats) assert.ok(told.some(t => b.test(t)), `${query}: no beat says ${b}: ${told.join(' | ')}`);
    const c = await page.textContent('.conclusion');
    assert.match(c, /The connection worked/, query);
    for (const w of conclusion) assert.ok(c.includes(w), `${query}: the conclusion lacks "${w}": ${c}`);
    // The footer names what this run agreed on, not the default build's choice.
    const foot = await page.textContent('.foot');
    assert.ok(foot.includes(`${conclusion[1]} · ${conclusion[0]} · `), `${query}: the footer says ${foot}`);
    assert.deepEqual(errors, [], query);
    await page.screenshot({ path: path.join(artifacts, `preset-${query.replace(/[^a-z0-9]+/gi, '-')}-1400.png`), fullPage: true });
    await context.close();
  }
});

test('the default page loads the lighter build, and choosing a preset moves to the full one', async () => {
  const { page, errors, context } = await open('?seed=5');
  assert.equal(await page.evaluate(() => document.documentElement.dataset.build), 'default');
  const loaded = [];
  page.on('request', r => loaded.push(new URL(r.url()).pathname));
  await Promise.all([page.waitForURL(/client=chrome/), page.selectOption('select[aria-label="Whose ClientHello the client sends"]', 'chrome')]);
  await page.waitForSelector('.controls');
  assert.equal(await page.evaluate(() => document.documentElement.dataset.build), 'full');
  assert.ok(loaded.some(p => p.endsWith('tlsviz-page-full_bg.wasm')), `the full build was loaded: ${loaded.join(', ')}`);
  assert.equal(await page.$eval('select[aria-label="Whose ClientHello the client sends"]', s => s.value), 'chrome');
  // Back to the page's own client: the full build runs it in place.
  await page.selectOption('select[aria-label="Whose ClientHello the client sends"]', 'page');
  await page.waitForFunction(() => !location.search.includes('client='));
  assert.deepEqual(errors, []);
  await context.close();
});

test('a link with an unknown client, group or suite says so and runs the page\'s own client', async () => {
  const { page, context } = await open('?seed=5&client=netscape&group=ffdhe2048');
  const notice = await page.textContent('.notice');
  assert.match(notice, /there is no client "netscape"/);
  assert.match(notice, /there is no group "ffdhe2048" to choose/);
  await page.keyboard.press('End');
  assert.match(await page.textContent('.conclusion'), /secp256r1/);
  await context.close();
});

test('the conclusion weighs the key shares and says how long each side computed in this browser', async () => {
  const { page, errors, context } = await open('?seed=5');
  await page.keyboard.press('End');
  const c = await page.textContent('.conclusion');
  assert.match(c, /Key shares on the wire: the client sent secp256r1 \(65 bytes\); the server answered with secp256r1 \(65 bytes\)/);
  const m = c.match(/measured in this run: the client (\d+)\.(\d) ms, the server (\d+)\.(\d) ms/);
  assert.ok(m, `no time line: ${c}`);
  // A handshake's signatures and key exchanges take the server a measurable while in WebAssembly.
  assert.ok(Number(m[3]) * 10 + Number(m[4]) > 0, c);
  assert.deepEqual(errors, []);
  await context.close();
});

test('the scenarios the default build leaves out load the full build, by link and from the menu', async () => {
  const { page, errors, context } = await open('?seed=5&scenario=resume');
  assert.equal(await page.evaluate(() => document.documentElement.dataset.build), 'full');
  await page.keyboard.press('End');
  assert.match(await page.textContent('.conclusion'), /resum/i);
  await context.close();
  const d = await open('?seed=5');
  assert.equal(await d.page.evaluate(() => document.documentElement.dataset.build), 'default');
  await Promise.all([d.page.waitForURL(/scenario=mitm-key-share/), d.page.selectOption('select[aria-label="Scenario"]', 'mitm-key-share')]);
  await d.page.waitForSelector('.controls');
  assert.equal(await d.page.evaluate(() => document.documentElement.dataset.build), 'full');
  assert.equal(await d.page.$eval('select[aria-label="Scenario"]', s => s.value), 'mitm-key-share');
  // It plays at once, as a choice made in place does, and the address keeps no `play`.
  await d.page.waitForFunction(() => document.querySelector('#play').textContent.includes('Pause'));
  assert.ok(!(await d.page.evaluate(() => location.search)).includes('play='));
  await d.page.keyboard.press('End');
  assert.match(await d.page.textContent('.conclusion'), /attacker/);
  // A scenario both builds run stays in place, in the full build.
  await d.page.selectOption('select[aria-label="Scenario"]', 'expired');
  await d.page.waitForFunction(() => location.search.includes('scenario=expired'));
  assert.equal(await d.page.evaluate(() => document.documentElement.dataset.build), 'full');
  assert.deepEqual(errors, []);
  assert.deepEqual(d.errors, []);
  await d.context.close();
});
