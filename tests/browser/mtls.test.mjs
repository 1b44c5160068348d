// Mutual TLS and ALPN scenarios, in Debian's Chromium against the release build in dist/ served
// under a subpath: each plays beat by beat to its conclusion, the step heading never going back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { harness, counter, playAll } from './serve.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const artifacts = path.join(here, 'artifacts');
const h = harness({ before, after });
const open = query => h.open(query, { reducedMotion: 'reduce' });

const scenarios = [
  {
    scenario: 'client-cert',
    beats: [
      /The server asks the client who it is: a certificate from a CA the server trusts.*It will not go on without one/,
      /The client is asked for a certificate from CN=Handshake Visualizer Demo CA/,
      /The client answers with its own certificate, and the intermediate CA certificate that issued it/,
      /The client sends CertificateVerify: a signature over the handshake so far, made with the certificate's private key. It proves the client holds that key/,
      /The server receives the client's certificate, for CN=Handshake Visualizer Demo Client.*All pass ✓/,
      /The server verifies the client's CertificateVerify signature .*✓/,
    ],
    conclusion: ['The connection worked', 'The client proved who it is too', 'http/1.1 as the application protocol'],
    lastStep: 5,
  },
  {
    scenario: 'no-client-cert',
    beats: [
      /The server asks the client who it is/,
      /The client has no certificate, so it answers with an empty Certificate, and sends no CertificateVerify/,
      /The server requires a client certificate, and the client's Certificate is empty: ✗\. It ends the handshake with the alert certificate_required/,
    ],
    conclusion: ['the server refused it', 'The server sent the alert certificate_required', 'ERR_BAD_SSL_CLIENT_AUTH_CERT'],
    lastStep: 3,
  },
  {
    scenario: 'no-alpn',
    beats: [/The server speaks imap, and the client offers h2, http\/1\.1: no application protocol in common: ✗/],
    conclusion: ['the server refused it', 'The server sent the alert no_application_protocol', 'The client received the alert no_application_protocol'],
    lastStep: 1,
  },
];

test('each mutual-TLS and ALPN scenario plays beat by beat to its conclusion', async () => {
  for (const { scenario, beats, conclusion, lastStep } of scenarios) {
    const { page, errors, context } = await open(`?seed=5&scenario=${scenario}`);
    assert.equal(await page.$eval('select[aria-label="Scenario"]', s => s.value), scenario);
    const { told, steps } = await playAll(page);
    for (const b of beats) assert.ok(told.some(t => b.test(t)), `${scenario}: no beat says ${b}: ${told.join(' | ')}`);
    // In the order the handshake goes.
    const at = beats.map(b => told.findIndex(t => b.test(t)));
    assert.deepEqual([...at].sort((a, b) => a - b), at, `${scenario}: beats out of order ${at}`);
    assert.ok(steps.every((s, i) => i === 0 || s >= steps[i - 1]), `${scenario}: the step went back: ${steps}`);
    assert.equal(steps[steps.length - 1], lastStep, `${scenario}: ends under step ${steps[steps.length - 1]}`);
    const c = await page.textContent('.conclusion');
    for (const line of conclusion) assert.ok(c.includes(line), `${scenario}: the conclusion lacks "${line}": ${c}`);
    assert.deepEqual(errors, [], scenario);
    await page.screenshot({ path: path.join(artifacts, `conclusion-${scenario}-1400.png`), fullPage: true });
    await context.close();
  }
});

test('the normal run offers h2 and http/1.1 and the server picks http/1.1, said where it chooses', async () => {
  const { page, errors, context } = await open('?seed=5');
  const { told } = await playAll(page);
  assert.ok(told.some(t => t.includes('and the application protocol http/1.1')), told.join(' | '));
  assert.ok(told.every(t => !t.includes('asks the client who it is')), 'no CertificateRequest in a normal run');
  assert.ok((await page.textContent('.conclusion')).includes('The client did not prove who it is: the server did not ask'));
  assert.deepEqual(errors, []);
  await context.close();
});
