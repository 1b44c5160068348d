// The page in a real browser: Debian's Chromium, headless, driven by playwright-core, against the
// release build in dist/ served under a subpath (as on GitHub Pages).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { harness, counter } from './serve.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const artifacts = path.join(here, 'artifacts');
const require = createRequire(import.meta.url);

const h = harness({ before, after });
const open = h.open;


/** Wait until the page has rendered event `n` as the current one. */
async function waitCount(page, n) {
  await page.waitForFunction(n => document.querySelector('.progress .count').textContent.split('/')[0].trim() === String(n), n);
}

/** Press a key `times` times and wait for the page to catch up. */
async function press(page, key, times) {
  const [now] = await counter(page);
  for (let i = 0; i < times; i++) await page.keyboard.press(key);
  await waitCount(page, key === 'ArrowRight' ? now + times : Math.max(0, now - times));
}

/** Step forward until the end. */
async function toEnd(page) {
  const [now, total] = await counter(page);
  await press(page, 'ArrowRight', total - now);
  assert.deepEqual(await counter(page), [total, total]);
}

test('loads under a subpath with no console error and no request outside its own files', async () => {
  const { page, errors, requests, context } = await open();
  await toEnd(page);
  assert.deepEqual(errors, []);
  assert.ok(requests.length >= 3, 'the page fetched its files');
  for (const u of requests) assert.ok(u.startsWith(h.site.url), `request outside the page's own files: ${u}`);
  assert.equal(await page.title(), 'TLS 1.3 handshake, byte by byte');
  await context.close();
});

test('playback plays by itself and reaches the end with every handshake message shown', async () => {
  const { page, context } = await open('?seed=2', { reducedMotion: 'reduce' });
  await page.selectOption('select[aria-label="Playback speed"]', '4');
  await page.click('button[aria-label="Play"]');
  await page.waitForFunction(() => document.querySelector('.progress .count').textContent.split('/')[0].trim() !== '0');
  await page.waitForFunction(() => +document.querySelector('.progress .count').textContent.split('/')[0].trim() >= 3, null, { timeout: 20000 });
  const [moved] = await counter(page);
  assert.ok(moved >= 3, `playing advanced only to ${moved}`);
  await page.click('button[aria-label="Pause"]');
  await toEnd(page);
  const wire = await page.textContent('.wire');
  for (const name of ['ClientHello', 'ServerHello', 'change_cipher_spec', 'EncryptedExtensions', 'Certificate', 'CertificateVerify', 'Finished', 'NewSessionTicket', 'application data', 'close_notify']) {
    assert.ok(wire.includes(name), `the wire never showed ${name}`);
  }
  assert.match(await page.textContent('.panel-client'), /closed/);
  assert.match(await page.textContent('.panel-server'), /closed/);
  assert.match(await page.textContent('.panel-client'), /Keys erased/);
  await context.close();
});

test('stepping back and forward lands on the same states', async () => {
  const { page, context } = await open('?seed=3');
  // The screen-reader announcement is left out: it is rate-limited in time (one every 2 s), so what
  // it says after fast stepping depends on how fast the keys came, not on the beat.
  const snap = () => page.evaluate(() => ['.narration', '.panel-client', '.panel-server', '.wire', '.progress .count'].map(s => {
    const el = document.querySelector(s).cloneNode(true);
    el.querySelectorAll('[aria-live]').forEach(l => l.remove());
    return el.textContent;
  }).join('\n'));
  await press(page, 'ArrowRight', 12);
  const at12 = await snap();
  await press(page, 'ArrowRight', 6);
  const at18 = await snap();
  await press(page, 'ArrowLeft', 6);
  assert.equal(await snap(), at12);
  await press(page, 'ArrowRight', 6);
  assert.equal(await snap(), at18);
  assert.notEqual(at12, at18);
  await context.close();
});

/** Step through every beat from the start, calling `look(i)` at each (0 = before the first). */
async function eachEvent(page, look) {
  const [, total] = await counter(page);
  for (let i = 0; i <= total; i++) {
    if (i > 0) await press(page, 'ArrowRight', 1);
    await look(i);
  }
}

test("beat by beat: each side's state follows the handshake, and the narration names what is checked", async () => {
  const { page, context } = await open('?seed=4', { reducedMotion: 'reduce' });
  const seen = { client: [], server: [] };
  const privateKey = { client: [], server: [] };
  const told = [];
  await eachEvent(page, async i => {
    told.push(await page.textContent('.narration .plain'));
    for (const side of ['client', 'server']) {
      const state = await page.textContent(`.panel-${side} .phase strong`);
      if (seen[side].at(-1) !== state) seen[side].push(state);
      // One key each way at a time: a new key replaces the old one in what the side holds.
      const rows = await page.$$eval(`.panel-${side} .hold dt`, dts => dts.map(d => d.textContent));
      for (const key of ['read key', 'write key']) assert.ok(rows.filter(r => r === key).length <= 1, `${side} lists its ${key} twice at ${i}`);
      const own = await page.$$eval(`.panel-${side} .hold`, hs => hs.filter(h => h.querySelector('dt').textContent === 'my private key').map(h => h.querySelector('dd').textContent));
      const mark = own.length === 0 ? 'none' : own[0] === 'erased' ? 'erased' : /^[0-9a-f]{12}…[0-9a-f]{8}$/.test(own[0]) ? 'hex' : own[0];
      if (privateKey[side].at(-1) !== mark) privateKey[side].push(mark);
    }
  });
  // The ephemeral private key is erased in the same beat that computes the shared secret.
  assert.deepEqual(privateKey, { client: ['none', 'hex', 'erased'], server: ['none', 'erased'] });
  assert.ok(told.some(t => /Then it erases its ephemeral private key: nobody can recompute this shared secret later \(forward secrecy\)\./.test(t)));
  for (const side of ['client', 'server']) {
    assert.equal(seen[side].at(-1), 'closed', `${side} ends closed`);
    assert.ok(seen[side].includes('connected: application data may flow'), `${side} was connected`);
  }
  assert.equal(seen.server[0], 'waiting for ClientHello');
  assert.deepEqual(seen.client.slice(0, 2), ['not started', 'waiting for ServerHello']);
  // The certificate is checked (its issuer's signature included), then the CertificateVerify
  // signature over the handshake: two different signatures, and the narration keeps them apart.
  assert.ok(told.some(t => /^The client receives the server's certificate, for example\.com, issued by .+\. It checks the chain: .*each issuer's signature.*the trusted CA.*dates, the name and the leaf's usage\. All pass ✓\.$/.test(t)), 'no beat checks the certificate');
  assert.ok(told.some(t => /^The client verifies the server's CertificateVerify signature with the public key from the certificate: ✓\./.test(t)), 'no beat checks CertificateVerify');
  assert.ok(!told.some(t => /certificate's signature/.test(t)), 'a CertificateVerify check narrated as the certificate\'s signature');
  await context.close();
});

test('with HelloRetryRequest, the narration says the first ClientHello carries no public key and the second does', async () => {
  const { page, context } = await open('?seed=2&scenario=retry', { reducedMotion: 'reduce' });
  const hellos = [];
  await eachEvent(page, async () => {
    const t = await page.textContent('.narration .plain');
    if (t.startsWith('The client says hello') && hellos.at(-1) !== t) hellos.push(t);
  });
  assert.equal(hellos.length, 2, `two ClientHellos narrated: ${hellos}`);
  assert.match(hellos[0], /sends no public key yet/);
  assert.doesNotMatch(hellos[0], /fresh public key/);
  assert.match(hellos[1], /a fresh public key for secp256r1/);
  await context.close();
});

test('the inspector highlights the bytes of a field, and the field of a byte', async () => {
  const { page, context } = await open('?seed=4');
  await press(page, 'ArrowRight', 5);
  await page.click('.rec.to-server .rec-btn');
  // RFC 8446 §4.1.2: the ClientHello body starts with legacy_version 0x0303, after the 5-byte
  // record header and the 4-byte handshake header.
  const field = page.locator('.tree .field:has(.fname:text-is("legacy_version"))').first();
  await page.mouse.move(0, 0); // keep the pointer off the hex dump while focus scrolls the page
  await field.focus();
  await page.waitForSelector('.hex .b.hl');
  const hl = await page.$$eval('.hex .b.hl', els => els.map(e => [+e.dataset.i, e.textContent]));
  assert.deepEqual(hl, [[9, '03'], [10, '03']]);
  assert.equal(await field.getAttribute('data-start'), '9');
  // And the other way round: pointing at byte 0 (the record's content type) highlights `type`.
  await page.hover('.hex .b[data-i="0"]');
  const active = await page.$$eval('.tree .field.hl .fname', els => els.map(e => e.textContent));
  assert.deepEqual(active, ['type']);
  const typeByte = await page.textContent('.hex .b[data-i="0"]');
  assert.equal(typeByte, '16', 'a handshake record starts with content type 22');
  await context.close();
});

test('a key on the page equals the value in the trace of the same seed computed natively', async () => {
  const peer = path.resolve(here, '../../target/release/examples/peer');
  const trace = JSON.parse(execFileSync(peer, ['trace', '--seed', '5'], { maxBuffer: 64 << 20 }).toString());
  const derived = trace.events.filter(e => e.kind === 'derived' && e.output.secret === 'client_handshake_traffic_secret');
  assert.equal(derived.length, 2, 'both sides derive it');
  const expected = derived[0].value;
  const { page, context } = await open('?seed=5');
  await toEnd(page);
  await page.click('#tab-Keys');
  const node = page.locator('.knode[data-name="client_handshake_traffic_secret"]');
  const values = await node.locator('.kval').allTextContents();
  assert.deepEqual(values, [expected, expected], 'client and server both show the trace value');
  assert.match(await node.textContent(), /same on both sides/);
  await context.close();
});

test('the key schedule is drawn as the tree the trace records: each node under the secret it came from', async () => {
  const peer = path.resolve(here, '../../target/release/examples/peer');
  const trace = JSON.parse(execFileSync(peer, ['trace', '--seed', '6'], { maxBuffer: 64 << 20 }).toString());
  // What each derivation came from, as the engine recorded it: the secret for Derive-Secret and
  // HKDF-Expand-Label, the salt for HKDF-Extract (none for the first, whose salt is zeros).
  // A node is named by its output: a secret, or "<secret> key", "<secret> iv", "<secret> finished_key".
  const nameOf = o => o.secret ?? (o.key && `${o.key} key`) ?? (o.iv && `${o.iv} iv`) ?? `${o.finished_key} finished_key`;
  const expected = {};
  for (const e of trace.events.filter(e => e.kind === 'derived' && e.connection === 1)) {
    expected[nameOf(e.output)] = e.function === 'extract' ? (e.salt.secret ?? null) : e.secret;
  }
  assert.ok(Object.keys(expected).length >= 20, 'the trace has a full key schedule');
  const { page, context } = await open('?seed=6');
  await toEnd(page);
  await page.click('#tab-Keys');
  // Where each node sits in the drawing: under the card of the branch or trunk it hangs off, or
  // (for a stage's trunk node and a "derived" step) after the node before it in the trunk.
  const drawn = await page.evaluate(() => {
    const name = el => el?.getAttribute('data-name') ?? null;
    const out = {};
    for (const node of document.querySelectorAll('.keys .knode[data-name]')) {
      const n = name(node);
      if (n in out) { out[n] = 'drawn twice'; continue; }
      const leaves = node.parentElement.closest('.kleaves');
      const branches = node.parentElement.closest('.kbranches');
      const li = node.closest('.schedule > li');
      if (leaves) out[n] = name(leaves.parentElement.querySelector(':scope > .knode'));
      else if (branches) out[n] = name(branches.parentElement.querySelector('.ktrunk > .knode:not(.input)'));
      else {
        const before = li.previousElementSibling;
        out[n] = before ? name(before.matches('.kstep') ? before.querySelector('.knode') : before.querySelector('.ktrunk > .knode:not(.input)')) : null;
      }
    }
    return out;
  });
  assert.deepEqual(drawn, expected);
  assert.equal(await page.locator('.keys .knode.lit').count(), Object.keys(expected).length + 1, 'every node and the shared secret are lit at the end');
  await context.close();
});

test('the decrypted Certificate record shows the certificate field by field, with its key where the trace has it', async () => {
  const peer = path.resolve(here, '../../target/release/examples/peer');
  const trace = JSON.parse(execFileSync(peer, ['trace', '--seed', '3'], { maxBuffer: 64 << 20 }).toString());
  const info = trace.events.find(e => e.kind === 'certificate').info;
  const { page, context } = await open('?seed=3');
  await toEnd(page);
  await page.locator('.rec.to-client.enc .rec-btn', { hasText: 'Certificate' }).first().click();
  await page.click('.segmented button:has-text("Decrypted")');
  const dns = page.locator('.tree .field:has(> .fname:text-is("dNSName"))').first();
  assert.match(await dns.textContent(), new RegExp(info.dns_names[0].replace(/\./g, '\\.')));
  // Focusing subjectPublicKey lights up the BIT STRING whose last 65 bytes are the key.
  const key = page.locator('.tree .field:has(> .fname:text-is("subjectPublicKey"))').first();
  await page.mouse.move(0, 0);
  await key.focus();
  await page.waitForSelector('.hex .b.hl');
  const lit = await page.$$eval('.hex .b.hl', els => els.map(e => e.textContent).join(''));
  assert.equal(lit.length, 2 * (3 + 65), 'tag, length, unused-bits byte and the point');
  assert.equal(lit.slice(6), info.public_key);
  await context.close();
});

test('a typed message is encrypted by the client and answered by the server', async () => {
  const { page, context } = await open('?seed=6');
  await toEnd(page);
  const message = 'Hello from the test ✓ <b>';
  await page.fill('#msg', message);
  await page.click('.message button[type=submit]');
  await page.waitForSelector('button[aria-label="Pause"]');
  await page.click('button[aria-label="Pause"]');
  await toEnd(page);
  const bytes = Buffer.byteLength(message);
  const serverLog = await page.textContent('.panel-server .log');
  assert.ok(await page.locator('.panel-server').textContent().then(t => t.includes(`received ${bytes} bytes of data`)) || serverLog.includes(`received ${bytes} bytes`), 'the server received the message');
  // The client's record that carries it: encrypted on the wire, the message inside when decrypted.
  const recs = page.locator('.rec.to-server.enc .rec-btn', { hasText: 'application data' });
  await recs.last().click();
  await page.click('.segmented button:has-text("Decrypted")');
  const tree = await page.textContent('.tree');
  assert.ok(tree.includes(JSON.stringify(message).slice(1, -1).replace(/\\"/g, '"').split(' <')[0]), 'the decrypted record shows the message');
  await page.click('.segmented button:has-text("As on the wire")');
  assert.ok(!(await page.textContent('.tree')).includes('Hello from the test'), 'the wire view does not show the plaintext');
  await page.click('#tab-Eavesdropper');
  assert.ok(!(await page.textContent('.eavesdropper')).includes('Hello from the test'), 'the eavesdropper cannot read it');
  // The server's answer reached the client.
  assert.match(await page.textContent('.panel-client'), /received \d+ bytes of data/);
  await context.close();
});

test('an empty or 100 KB message gets a clear message and the page keeps working', async () => {
  const { page, errors, context } = await open('?seed=7');
  await toEnd(page);
  await page.fill('#msg', '   ');
  await page.click('.message button[type=submit]');
  assert.match(await page.textContent('.notice'), /nothing to encrypt/);
  await page.fill('#msg', 'x'.repeat(100 * 1024));
  await page.click('.message button[type=submit]');
  assert.match(await page.textContent('.notice'), /at most 16384 bytes/);
  await press(page, 'ArrowLeft', 1);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a bad link parameter gets a clear message and a working page', async () => {
  const { page, errors, context } = await open('?seed=banana&scenario=nope');
  assert.match(await page.textContent('.notice'), /not a whole number/);
  assert.match(await page.textContent('.notice'), /no scenario "nope"/);
  await press(page, 'ArrowRight', 1);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a tampered record is caught: the client sends bad_record_mac', async () => {
  const { page, context } = await open('?seed=8&scenario=tamper');
  await toEnd(page);
  assert.match(await page.textContent('.wire'), /an attacker flips bits \(XOR 0x01\) of byte 60 of record 3/);
  assert.match(await page.textContent('.panel-client'), /sent alert bad_record_mac/);
  assert.match(await page.textContent('.panel-client'), /failed/);
  await context.close();
});

test('a certificate for another name is rejected with bad_certificate, and no attack is claimed', async () => {
  const { page, context } = await open('?seed=3&scenario=wrong-name');
  await toEnd(page);
  assert.match(await page.textContent('.panel-client'), /checked name: ✗/);
  await page.keyboard.press('End');
  assert.match(await page.textContent('.conclusion'), /checks the name: it asked for not-example\.com/);
  assert.match(await page.textContent('.panel-client'), /sent alert bad_certificate/);
  assert.match(await page.textContent('.panel-server'), /received alert bad_certificate/);
  assert.equal(await page.$('.rec.attack'), null, 'nothing on the wire was altered');
  await context.close();
});

test('a panic brings up a visible error banner instead of silence', async () => {
  const { page, context } = await open('?selftest=panic', { ready: null });
  const banner = page.locator('#fatal');
  await banner.waitFor({ state: 'visible' });
  // Built with stable, the panic hook names the panic; built with nightly (scripts/trunk.sh), the
  // panic stops the WebAssembly at once and the page's script says so.
  assert.match(await banner.textContent(), /^(Something went wrong inside the page: .*self-test panic.*Reload to start again\.|The page stopped: something went wrong inside the page\. Reload to try again\.)$/s);
  assert.equal(await banner.getAttribute('role'), 'alert');
  await context.close();
});

test('a page whose WebAssembly cannot load says so', async () => {
  const { page, context } = await open('?seed=1', { beforeGoto: ctx => ctx.route(/_bg\.wasm$/, r => r.fulfill({ status: 404, body: 'not found' })), ready: null });
  const banner = page.locator('#fatal');
  await banner.waitFor({ state: 'visible' });
  assert.match(await banner.textContent(), /^The page stopped: .+\. Reload to try again\.$/);
  await context.close();
});

test('reduced motion replaces movement with instant changes', async () => {
  const { page, context } = await open('?seed=9', { reducedMotion: 'reduce' });
  for (let i = 0; i < 10 && !(await page.$('.rec.flying')); i++) await press(page, 'ArrowRight', 1);
  const styles = await page.evaluate(() => {
    const packet = document.querySelector('.rec.flying .packet') || document.querySelector('.rec .packet');
    const bar = document.querySelector('.progress .bar');
    return [getComputedStyle(packet).animationName, getComputedStyle(bar).transitionDuration];
  });
  assert.deepEqual(styles, ['none', '0s']);
  await context.close();
  const moving = await open('?seed=9');
  // Step to the first record in flight.
  for (let i = 0; i < 10 && !(await moving.page.$('.rec.flying')); i++) await press(moving.page, 'ArrowRight', 1);
  const name = await moving.page.evaluate(() => getComputedStyle(document.querySelector('.rec.flying .packet')).animationName);
  assert.notEqual(name, 'none', 'without the preference the record flies');
  await moving.context.close();
});

test('the keyboard operates the page, with visible focus', async () => {
  const { page, context } = await open('?seed=10', { reducedMotion: 'reduce' });
  await page.keyboard.press('Space');
  assert.ok(await page.locator('button[aria-label="Pause"]').isVisible(), 'space starts playback');
  await page.keyboard.press('Space');
  assert.ok(await page.locator('button[aria-label="Play"]').isVisible(), 'space pauses');
  await press(page, 'ArrowRight', 1);
  // Tab reaches the step chips; Enter on one jumps there.
  let focused = '';
  for (let i = 0; i < 20 && !focused.includes('Authentication'); i++) {
    await page.keyboard.press('Tab');
    focused = await page.evaluate(() => document.activeElement?.textContent || '');
  }
  assert.ok(focused.includes('Authentication'), 'the Authentication chip is reachable by Tab');
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(outline, 'none', 'focus is visible');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('.narration').textContent.includes('Step 3 of 5'));
  await context.close();
});

test('axe-core finds no serious or critical accessibility violation, in both colour schemes and at 390 px', async () => {
  for (const [scheme, width] of [['light', 1400], ['dark', 1400], ['light', 390]]) {
    const { page, context } = await open('?seed=11', { reducedMotion: 'reduce', width, height: width < 500 ? 844 : 1000 });
    await page.emulateMedia({ colorScheme: scheme });
    await press(page, 'ArrowRight', 14);
    await page.click('.narration .detail-toggle');
    await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
    for (const tab of ['#tab-Bytes', '#tab-Keys', '#tab-Eavesdropper', '#tab-Document']) {
      await page.click(tab);
      const result = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ['violations'] }));
      const bad = result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical');
      assert.deepEqual(bad.map(v => `${v.id}: ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')}`), [], `${scheme} ${width} ${tab}`);
      if (width < 500) await page.click('.sheet-close');
    }
    await context.close();
  }
});

test('a build for a known address gives link previews absolute URLs; a bad address is refused', () => {
  const script = path.resolve(here, '../../scripts/site-url.mjs');
  const built = fs.readFileSync(path.resolve(here, '../../dist/index.html'), 'utf8');
  assert.match(built, /<meta property="og:image" content="social-card.png" \/>/, 'the plain build keeps the relative address');
  const copy = path.join(artifacts, 'index-site-url.html');
  fs.writeFileSync(copy, built);
  execFileSync('node', [script, copy, 'https://example.github.io/repo']);
  const html = fs.readFileSync(copy, 'utf8');
  assert.match(html, /<meta property="og:image" content="https:\/\/example\.github\.io\/repo\/social-card\.png" \/>/);
  assert.match(html, /<meta property="og:url" content="https:\/\/example\.github\.io\/repo\/" \/>/);
  execFileSync('node', [script, copy, 'https://example.github.io/repo/']);
  assert.equal((fs.readFileSync(copy, 'utf8').match(/og:url/g) || []).length, 1, 'a second run does not add a second og:url');
  for (const bad of ['ftp://example.com/', 'example.github.io/repo', 'https://example.com/?x=1']) {
    let failed;
    try { execFileSync('node', [script, copy, bad], { stdio: 'pipe' }); } catch (e) { failed = e; }
    assert.ok(failed, `${bad} was accepted`);
    assert.match(failed.stderr.toString(), /SITE_URL must be the http\(s\) address/);
  }
});

test('screenshots at 1400, 768, 390 and 360 px mid-handshake (saved as artifacts)', async () => {
  for (const [name, width] of [['desktop-1400', 1400], ['tablet-768', 768], ['phone-390', 390], ['phone-360', 360]]) {
    const { page, context } = await open('?seed=12', { width, height: width < 500 ? 844 : 900, reducedMotion: 'reduce' });
    await press(page, 'ArrowRight', 13);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `${name}: the page is ${overflow}px wider than the screen`);
    await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
    assert.ok(fs.statSync(path.join(artifacts, `${name}.png`)).size > 10000);
    await context.close();
  }
});

/** Words on screen for the beat shown: the step note and the beat's sentence. */
const beatWords = page => page.evaluate(() => ['.narration .step-note', '.narration .plain']
  .map(s => document.querySelector(s)?.textContent ?? '').join(' ').split(/\s+/).filter(Boolean).length);

test('played once at 1×, every beat stays on screen for its reading time and the step never goes back', async () => {
  const context = await h.browser.newContext({ viewport: { width: 1400, height: 1000 }, reducedMotion: 'reduce' });
  const page = await context.newPage();
  await page.clock.install();
  await page.goto(h.site.url + '?seed=3');
  await page.waitForSelector('.controls');
  await page.click('button[aria-label="Play"]');
  const [, total] = await counter(page);
  let now = 0, shownAt = 0, beat = (await counter(page))[0], words = await beatWords(page);
  let step = 0;
  const short = [];
  while (beat < total && now < 20 * 60 * 1000) {
    await page.clock.runFor(100);
    now += 100;
    const [b] = await counter(page);
    const heading = await page.textContent('.narration .step-intro');
    const n = +heading.match(/Step (\d) of 5/)[1];
    assert.ok(n >= step, `the step went back from ${step} to ${n} at beat ${b}`);
    step = n;
    if (b !== beat) {
      const needed = words * 60000 / 200;
      if (now - shownAt < needed) short.push(`beat ${beat}: ${now - shownAt} ms for ${words} words`);
      beat = b; shownAt = now; words = await beatWords(page);
    }
  }
  assert.equal(beat, total, 'the run played to its end');
  assert.deepEqual(short, [], 'beats replaced before their reading time');
  assert.equal(step, 5, 'a normal run ends in Closing');
  assert.match(await page.textContent('.conclusion'), /The connection worked/);
  await context.close();
});

test('during play, a screen reader hears one announcement per beat, never more than one every 2 s', async () => {
  const context = await h.browser.newContext({ viewport: { width: 1400, height: 1000 }, reducedMotion: 'reduce' });
  const page = await context.newPage();
  await page.clock.install();
  await page.goto(h.site.url + '?seed=3');
  await page.waitForSelector('.controls');
  await page.evaluate(() => {
    window.__announced = [];
    const live = document.querySelector('.narration [aria-live]');
    new MutationObserver(() => window.__announced.push([performance.now(), live.textContent])).observe(live, { childList: true, characterData: true, subtree: true });
  });
  await page.selectOption('select[aria-label="Playback speed"]', '4');
  await page.click('button[aria-label="Play"]');
  for (let i = 0; i < 600; i++) await page.clock.runFor(100);
  const announced = (await page.evaluate(() => window.__announced)).filter(([, t]) => t.trim());
  assert.ok(announced.length >= 10, `only ${announced.length} announcements in 60 s at 4×`);
  for (let i = 1; i < announced.length; i++) {
    assert.ok(announced[i][0] - announced[i - 1][0] >= 1999, `two announcements ${announced[i][0] - announced[i - 1][0]} ms apart`);
  }
  await context.close();
});

test('each failed run ends with a conclusion naming the check, the alerts and what a browser would show', async () => {
  for (const [scenario, check, alert, browserError] of [
    ['wrong-name', /checks the name: it asked for not-example\.com, and the certificate is for example\.com: ✗/, 'bad_certificate', 'NET::ERR_CERT_COMMON_NAME_INVALID'],
    ['expired', /checks the certificate's dates: .*has expired/, 'certificate_expired', 'NET::ERR_CERT_DATE_INVALID'],
    ['untrusted', /the same name as the CA the client trusts, but the signature on it was not made with that CA's key/, 'unknown_ca', 'NET::ERR_CERT_AUTHORITY_INVALID'],
    ['tamper', /cannot decrypt a record/, 'bad_record_mac', 'ERR_SSL_PROTOCOL_ERROR'],
    ['leaf-as-ca', /may issue certificates\. It may not: it is not a CA/, 'bad_certificate', 'NET::ERR_CERT_AUTHORITY_INVALID'],
  ]) {
    const { page, context } = await open(`?seed=8&scenario=${scenario}`, { reducedMotion: 'reduce' });
    await page.keyboard.press('End');
    const c = await page.textContent('.conclusion');
    assert.match(c, check, scenario);
    assert.ok(c.includes(`The client sent the alert ${alert}`) && c.includes(`The server received the alert ${alert}`), `${scenario}: ${c}`);
    assert.ok(c.includes(browserError), `${scenario}: ${c}`);
    assert.ok(!/Step 5 of 5/.test(await page.textContent('.narration .step-intro')), `${scenario} ended under Closing`);
    for (const width of [1400, 768, 390]) {
      await page.setViewportSize({ width, height: width < 500 ? 844 : 900 });
      await page.screenshot({ path: path.join(artifacts, `conclusion-${scenario}-${width}.png`), fullPage: true });
    }
    await context.close();
  }
});

test('a resumption plays both connections: the steps start over, the panels are fresh, the key schedule starts from the PSK, and the conclusion covers them all', async () => {
  for (const [scenario, title, says] of [
    ['resume', /second resumed without a certificate/, [/What proves the server then is possession of the PSK/, /forward secrecy of its own/]],
    ['early-data', /sent its request in 0-RTT/, [/0-RTT data, which the server accepted/, /no forward secrecy/, /it can be replayed/]],
    ['replay', /replay was refused: the request ran once/, [/already used: its tickets are single-use/, /What it could not: read the encrypted request, make the server process the request twice/, /process the request a second time/, /anti-replay window \(RFC 8446 §8\.2\)/]],
    ['bad-binder', /server refused the altered binder/, [/the last byte of the binder/, /alert decrypt_error/]],
  ]) {
    const { page, errors, context } = await open(`?seed=9&scenario=${scenario}`, { reducedMotion: 'reduce' });
    await page.keyboard.press('End');
    assert.match(await page.textContent('.conclusion h2'), title, scenario);
    const c = await page.textContent('.conclusion');
    assert.match(c, /First connection: a full handshake/, scenario);
    for (const re of says) assert.match(c, re, `${scenario}: ${c}`);
    await page.screenshot({ path: path.join(artifacts, `conclusion-${scenario}-1400.png`), fullPage: true });
    // Walk from the start to the first beat of the second connection: its steps start over and
    // the server's panel holds nothing of the first connection.
    await page.keyboard.press('Home');
    await waitCount(page, 0);
    let heading = '';
    for (let i = 0; i < 120 && !heading.startsWith('Connection 2'); i++) {
      await press(page, 'ArrowRight', 1);
      heading = await page.textContent('.narration .step-intro strong');
      if (i === 0) assert.match(heading, /^Connection 1 · Step 1 of 5/, scenario);
    }
    assert.match(heading, /^Connection 2 · Step 1 of 5 · Hello/, scenario);
    assert.match(await page.textContent('.narration'), /Second connection, resuming/, scenario);
    assert.equal(await page.locator('.panel-server .hold').count(), 0, `${scenario}: the server's panel kept the first connection`);
    if (scenario === 'resume') {
      await page.keyboard.press('End');
      await page.click('#tab-Keys');
      assert.match(await page.textContent('.keys'), /PSK from the ticket/);
      const binder = page.locator('.knode[data-name="binder_key"] .kval');
      const values = await binder.allTextContents();
      assert.equal(values.length, 2, 'the binder key on both sides');
      assert.equal(values[0], values[1]);
    }
    assert.deepEqual(errors, [], scenario);
    await context.close();
  }
});

test('at 390 px the inspector opens as a full-width sheet and closes back to the same moment', async () => {
  const { page, context } = await open('?seed=12', { width: 390, height: 844, reducedMotion: 'reduce' });
  await press(page, 'ArrowRight', 4);
  await page.click('.rec.to-server .rec-btn');
  const sheet = await page.$eval('.tabs', el => { const r = el.getBoundingClientRect(); return [getComputedStyle(el).position, Math.round(r.width), Math.round(r.top)]; });
  assert.deepEqual(sheet, ['fixed', 390, 0]);
  await page.click('.sheet-close');
  assert.equal(await page.$eval('.tabs', el => getComputedStyle(el).position), 'static');
  assert.equal((await counter(page))[0], 4, 'back at the same beat');
  await context.close();
});

test('at 390 px the client, the record in flight and the server are on screen together, with no sideways scroll', async () => {
  const { page, context } = await open('?seed=12', { width: 390, height: 844, reducedMotion: 'reduce' });
  await press(page, 'ArrowRight', 3);
  const boxes = await page.evaluate(() => ['.panel-client', '.rec.flying', '.panel-server'].map(s => {
    const r = document.querySelector(s)?.getBoundingClientRect();
    return r && { top: r.top, bottom: r.bottom, left: r.left, right: r.right };
  }));
  for (const [i, b] of boxes.entries()) {
    assert.ok(b, `element ${i} is missing`);
    assert.ok(b.top >= 0 && b.top < 844 && b.left >= 0 && b.right <= 390, `element ${i} is off screen: ${JSON.stringify(b)}`);
  }
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth) <= 1);
  const small = await page.$$eval('.controls button, .controls select, .rec-btn', els => els.filter(e => e.getBoundingClientRect().height < 43.5).map(e => e.textContent));
  assert.deepEqual(small, [], 'touch targets under 44 px');
  await context.close();
});

test('at 390 px the playback buttons stay on screen as the narration grows and as the reader scrolls; in a frame they stay in their row', async () => {
  const { page, context } = await open('?seed=12', { width: 390, height: 844, reducedMotion: 'reduce' });
  const reachable = () => page.evaluate(() => {
    const b = document.getElementById('play');
    const r = b.getBoundingClientRect();
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return r.top >= 0 && r.bottom <= innerHeight && (hit === b || b.contains(hit));
  });
  const [, total] = await counter(page);
  for (let i = 1; i <= total; i++) {
    await press(page, 'ArrowRight', 1);
    assert.ok(await reachable(), `Play is out of reach at beat ${i}`);
  }
  for (const y of [400, 1e6, 0]) {
    await page.evaluate(y => scrollTo(0, y), y);
    assert.ok(await reachable(), `Play is out of reach scrolled to ${y}`);
  }
  // Nothing of the page is left under the bar at the very end.
  await page.evaluate(() => scrollTo(0, 1e6));
  const [foot, bar] = await page.evaluate(() => ['.foot', '.player'].map(s => document.querySelector(s).getBoundingClientRect()));
  assert.ok(foot.bottom <= bar.top, `the footer ends under the bar: ${foot.bottom} > ${bar.top}`);
  await context.close();
  const embedded = await open('?seed=12&embed=1', { width: 390, height: 844, reducedMotion: 'reduce' });
  assert.equal(await embedded.page.$eval('.player', el => getComputedStyle(el).display), 'contents', 'the embed layout keeps the buttons in the controls');
  await embedded.context.close();
});

test('at 390 px names wrap between their words, never inside one, and copy as they are; a record size stays on one line', async () => {
  const { page, context } = await open('?seed=12', { width: 390, height: 844, reducedMotion: 'reduce' });
  const [, total] = await counter(page);
  for (let i = 1; i <= total; i++) {
    await press(page, 'ArrowRight', 1);
    // No record's label spills out of its button (change_cipher_spec was cut off beside its arrow).
    const spilled = await page.$$eval('.rec-btn', els => els.filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent));
    assert.deepEqual(spilled, [], `beat ${i}`);
  }
  await page.keyboard.press('Home');
  await press(page, 'ArrowRight', 9);
  const state = await page.$eval('.panel-client .phase strong', el => [el.textContent, el.querySelectorAll('wbr').length]);
  assert.equal(state[0], 'waiting for EncryptedExtensions', 'the text is whole');
  assert.ok(state[1] >= 1, 'EncryptedExtensions may wrap as Encrypted·Extensions');
  await page.keyboard.press('End');
  assert.match(await page.textContent('.rec.enc .rec-label'), /^encrypted record, \d+\u00a0bytes$/);
  await context.close();
});

test('a failing run does not give its ending away before playback reaches it', async () => {
  const beat0 = async query => {
    const { page, context } = await open(query, { reducedMotion: 'reduce' });
    const seen = await page.evaluate(() => ({
      chips: [...document.querySelectorAll('.chip')].map(c => [c.disabled, c.title]),
      message: [document.querySelector('#msg').disabled, /failed/.test(document.querySelector('.message').textContent)],
      failed: document.querySelectorAll('.failed, .conclusion').length,
    }));
    return { page, context, seen };
  };
  const normal = await beat0('?seed=18');
  await normal.context.close();
  for (const scenario of ['wrong-name', 'tamper', 'no-alpn']) {
    const { page, context, seen } = await beat0(`?seed=18&scenario=${scenario}`);
    assert.deepEqual(seen, normal.seen, `${scenario} at beat 0 looks as a working run does`);
    // A step the run never reaches takes the reader to where it ends, which then says so.
    await page.click('.chip:has-text("Secure connection")');
    await page.waitForSelector('.conclusion');
    const [end, total] = await counter(page);
    assert.equal(end, total, scenario);
    assert.ok(await page.locator('.conclusion.bad').isVisible(), scenario);
    assert.equal(await page.$eval('.chip:has-text("Secure connection")', c => [c.disabled, c.title].join(' ')), 'true This run never got there');
    assert.equal(await page.$eval('#msg', el => el.disabled), true);
    assert.match(await page.textContent('.message'), /handshake failed, so there is no secure connection/);
    // Back at the start, nothing of it shows again.
    await page.keyboard.press('Home');
    await waitCount(page, 0);
    assert.equal(await page.$$eval('.chip:disabled', els => els.length), 0, scenario);
    await context.close();
  }
});

test('Home and End go to the start and the conclusion; choosing a scenario gives the keyboard back to the player', async () => {
  const { page, context } = await open('?seed=13', { reducedMotion: 'reduce' });
  await page.keyboard.press('End');
  const [end, total] = await counter(page);
  assert.equal(end, total);
  assert.ok(await page.locator('.conclusion').isVisible());
  await page.keyboard.press('Home');
  assert.equal((await counter(page))[0], 0);
  await page.selectOption('select[aria-label="Scenario"]', 'expired');
  await page.waitForFunction(() => document.activeElement?.id === 'play');
  await page.click('button[aria-label="Pause"]').catch(() => {});
  await page.focus('#play');
  const [before] = await counter(page);
  await page.keyboard.press('ArrowRight');
  await waitCount(page, before + 1);
  assert.equal(await page.$eval('select[aria-label="Scenario"]', s => s.value), 'expired', 'the arrow key did not change the scenario');
  await context.close();
});

test('the run downloads as a key log, a capture whose embedded secrets Wireshark reads, and its trace as JSON equal to what the command it names prints', async () => {
  const { page, context, requests } = await open('?seed=15&scenario=tamper');
  await toEnd(page);
  assert.ok(!requests.some(u => u.includes('tlsviz-export')), 'the export worker was loaded before it was asked for');
  const get = async label => {
    const [d] = await Promise.all([page.waitForEvent('download'), page.click(`button:has-text("${label}")`)]);
    return fs.readFileSync(await d.path());
  };
  const keys = (await get('Download key log')).toString();
  assert.match(keys, /^CLIENT_HANDSHAKE_TRAFFIC_SECRET [0-9a-f]{64} [0-9a-f]{64}$/m);
  const pcap = await get('Download capture');
  assert.equal(pcap.readUInt32LE(0), 0x0a0d0d0a, 'a pcapng section header');
  assert.ok(pcap.includes(Buffer.from(keys.split('\n')[0])), 'the key log is inside the capture');
  // The command the page names prints this very run.
  const cmd = await page.textContent('.tools code.wrap');
  assert.equal(cmd, 'cargo run --release --example peer -- trace --seed 15 --scenario tamper');
  const peer = path.resolve(here, '../../target/release/examples/peer');
  const trace = JSON.parse(execFileSync(peer, cmd.split(' ').slice(6), { maxBuffer: 64 << 20 }).toString());
  assert.equal(trace.seed, 15);
  assert.ok(keys.includes(trace.connections[0].keylog[0]), 'the JSON is of the same run as the key log');
  // The page's own JSON download is that output, byte for byte.
  const printed = execFileSync(peer, cmd.split(' ').slice(6), { maxBuffer: 64 << 20 }).toString();
  const json = (await get('Download trace (JSON)')).toString();
  assert.ok(requests.some(u => u.includes('tlsviz-export_bg.wasm')), 'the export worker loaded on demand');
  assert.equal(json, printed);
  await context.close();
});

test("with a KeyUpdate and a message of the visitor's, the JSON download and the command named still agree", async () => {
  const { page, context } = await open('?seed=17');
  const get = async label => {
    const [d] = await Promise.all([page.waitForEvent('download'), page.click(`button:has-text("${label}")`)]);
    return fs.readFileSync(await d.path());
  };
  const peer = path.resolve(here, '../../target/release/examples/peer');
  await page.check('input[type="checkbox"]');
  await page.waitForFunction(() => location.search.includes('keyupdate=1'));
  await page.fill('#msg', "it's mine");
  await page.click('button:has-text("Send")');
  await page.waitForFunction(() => document.querySelector('.tools code.wrap').textContent.includes('--message'));
  const cmd2 = await page.textContent('.tools code.wrap');
  assert.match(cmd2, / --key-update/);
  const json2 = (await get('Download trace (JSON)')).toString();
  const args2 = cmd2.split(' -- trace ')[1];
  const printed2 = execFileSync('bash', ['-c', `"$0" trace ${args2}`, peer], { maxBuffer: 64 << 20 }).toString();
  assert.equal(json2, printed2);
  assert.ok(JSON.parse(json2).options.client_messages.includes("it's mine"));
  await context.close();
});

test('a JSON export whose worker cannot load gets a notice, and the page goes on', async () => {
  const { page, context, errors } = await open('?seed=16', {
    beforeGoto: ctx => ctx.route(/tlsviz-export/, r => r.fulfill({ status: 404, body: 'gone' })),
  });
  await page.click('button:has-text("Download trace (JSON)")');
  await page.waitForSelector('.notice');
  assert.match(await page.textContent('.notice'), /could not be exported as JSON: its worker did not load/);
  await press(page, 'ArrowRight', 2);
  assert.equal(await page.isHidden('#fatal'), true, 'no error banner');
  assert.deepEqual(errors.filter(e => !/404|Failed to load/.test(e)), []);
  await context.close();
});
