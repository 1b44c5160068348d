// The man in the middle's four scenarios and the KeyUpdate choice, in Debian's Chromium against
// the release build in dist/ served under a subpath (page.test.mjs has the page's other tests).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { harness, counter, playAll } from './serve.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const artifacts = path.join(here, 'artifacts');
const h = harness({ before, after });
const open = query => h.open(query, { reducedMotion: 'reduce' });

test('each man-in-the-middle scenario plays to a conclusion naming the failed check, the alert and what the attacker could and could not do', async () => {
  for (const [scenario, acts, check, alert, browserError] of [
    ['mitm-own-cert', /the attacker keeps the ClientHello from the server and answers the client itself: .*CN=Attacker CA/, /which is not the CA it trusts/, 'The client sent the alert unknown_ca', 'NET::ERR_CERT_AUTHORITY_INVALID'],
    ['mitm-key-share', /the attacker rewrites the ClientHello on its way to the server: it swaps the client's secp256r1 key share \(65 bytes\) for one of its own/, /CertificateVerify signature .* does not verify/, 'The server received the alert decrypt_error', 'ERR_SSL_PROTOCOL_ERROR'],
    ['mitm-force-retry', /keeps record 1 \(HelloRetryRequest\) from the client/, /cannot decrypt a record/, 'The client sent the alert bad_record_mac', 'ERR_SSL_PROTOCOL_ERROR'],
    ['mitm-strip-versions', /deletes supported_versions/, /must then abort with protocol_version/, 'The server sent the alert protocol_version', 'ERR_SSL_VERSION_OR_CIPHER_MISMATCH'],
  ]) {
    const { page, errors, context } = await open(`?seed=8&scenario=${scenario}`);
    assert.equal(await page.$eval('select[aria-label="Scenario"]', s => s.value), scenario);
    const { told } = await playAll(page);
    assert.ok(told.some(t => acts.test(t)), `${scenario}: no beat tells what the attacker did: ${told.join(' | ')}`);
    // The network lane keeps what the attacker did, in words and with its bytes.
    const lane = await page.$$eval('.wire .network-note.attack', els => els.map(e => e.textContent));
    assert.ok(lane.some(t => acts.test(t)) && lane.some(t => /[0-9a-f]{14}/.test(t)), `${scenario}: ${lane.join(' | ')}`);
    const c = await page.textContent('.conclusion');
    assert.match(c, check, scenario);
    assert.ok(c.includes(alert) && c.includes(browserError), `${scenario}: ${c}`);
    assert.ok(c.includes('What the attacker could do') || c.includes('What it could do'), `${scenario}: ${c}`);
    assert.ok(c.includes('could not do'), `${scenario}: ${c}`);
    assert.ok(!/Step 5 of 5/.test(await page.textContent('.narration .step-intro')), `${scenario} ended under Closing`);
    assert.deepEqual(errors, [], scenario);
    await page.screenshot({ path: path.join(artifacts, `conclusion-${scenario}-1400.png`), fullPage: true });
    await context.close();
  }
});

test('with its own key shares the attacker is told apart from the server, and the two transcripts differ in the conclusion', async () => {
  const { page, context } = await open('?seed=8&scenario=mitm-key-share');
  const { told } = await playAll(page);
  assert.ok(told.some(t => t.includes('receives a ServerHello it takes for the server\'s; the public key in it is the attacker\'s')), told.join(' | '));
  assert.ok(told.some(t => /decrypts record 3 with its keys for the server, reads EncryptedExtensions, Certificate, CertificateVerify, Finished/.test(t)), told.join(' | '));
  const c = await page.textContent('.conclusion');
  const m = c.match(/signed the hash of the handshake it saw, ([0-9a-f]{16})….*the one it saw, ([0-9a-f]{16})…/);
  assert.ok(m && m[1] !== m[2], c);
  assert.ok(c.includes('before sending any application data'), c);
  await context.close();
});

test('the strip-versions conclusion explains the downgrade sentinel that would protect a client that also spoke TLS 1.2', async () => {
  const { page, context } = await open('?seed=8&scenario=mitm-strip-versions');
  await page.keyboard.press('End');
  const c = await page.textContent('.conclusion');
  assert.ok(c.includes('44 4F 57 4E 47 52 44 01') && c.includes('illegal_parameter') && c.includes('ServerKeyExchange') && c.includes('§4.1.3'), c);
  await context.close();
});

test('KeyUpdate is a choice on the page: its beats play, and the address keeps it', async () => {
  const { page, errors, context } = await open('?seed=3');
  const [, without] = await counter(page);
  assert.equal(await page.isChecked('.keyupdate input'), false);
  await page.check('.keyupdate input');
  await page.waitForFunction(() => location.search.includes('keyupdate=1'));
  await page.waitForFunction(n => document.querySelector('.progress .count').textContent.split('/')[1].trim() === String(n), without + 4);
  assert.match(page.url(), /seed=3/, 'the same run, with a KeyUpdate');
  assert.deepEqual(errors, []);
  await context.close();
  // The link opens that run with the box ticked; its beats play in order, before the close.
  const again = await open('?seed=3&keyupdate=1');
  assert.equal(await again.page.isChecked('.keyupdate input'), true);
  const { told } = await playAll(again.page);
  assert.equal(told.length, without + 4, 'a KeyUpdate each way, each sent and received');
  const updates = told.map((t, i) => [t, i]).filter(([t]) => t.includes('sends KeyUpdate: from now on it encrypts under a fresh key'));
  assert.equal(updates.length, 2, told.join(' | '));
  assert.ok(told.slice(updates[0][1]).some(t => t.includes('receives and decodes the KeyUpdate')));
  assert.ok(updates[1][1] < told.findIndex(t => t.includes('sends close_notify')), 'the KeyUpdate comes before the close');
  await again.context.close();
});
