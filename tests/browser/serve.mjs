// A static file server for dist/ mounted under a subpath, recording every request it gets.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const dist = path.resolve(here, '../../dist');
/** How the tests start Debian's Chromium here (no network beyond loopback, no background traffic). */
export const chromiumArgs = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json' };

export function serve(prefix = '/repo/') {
  const requests = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url);
    const u = new URL(req.url, 'http://x');
    if (!u.pathname.startsWith(prefix)) { res.writeHead(404); res.end('outside the subpath'); return; }
    let rel = decodeURIComponent(u.pathname.slice(prefix.length)) || 'index.html';
    const file = path.join(dist, rel);
    if (!file.startsWith(dist) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) { res.writeHead(404); res.end('not found'); return; }
    res.writeHead(200, { 'content-type': types[path.extname(file)] || 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise(resolve => server.listen(0, '127.0.0.1', () => {
    const { port } = server.address();
    resolve({ url: `http://127.0.0.1:${port}${prefix}`, origin: `http://127.0.0.1:${port}`, requests, close: () => server.close() });
  }));
}

/**
 * What a test file needs: `dist/` served under /repo/ and one Chromium, started before its tests
 * and stopped after them (pass node:test's `before` and `after`), and `open`, a fresh page at a
 * query with its console errors and requests recorded.
 */
export function harness({ before, after }) {
  const h = { site: null, browser: null };
  before(async () => {
    fs.mkdirSync(path.join(here, 'artifacts'), { recursive: true });
    h.site = await serve('/repo/');
    h.browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: chromiumArgs });
  });
  after(async () => {
    await h.browser?.close();
    h.site?.close();
  });
  h.open = async (query = '?seed=1', { width = 1400, height = 1000, reducedMotion = 'no-preference', beforeGoto, ready = '.controls' } = {}) => {
    const context = await h.browser.newContext({ viewport: { width, height }, reducedMotion });
    if (beforeGoto) await beforeGoto(context);
    const page = await context.newPage();
    const errors = [];
    const requests = [];
    page.on('console', m => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', e => errors.push(e.message));
    page.on('request', r => requests.push(r.url()));
    await page.goto(h.site.url + query);
    if (ready) await page.waitForSelector(ready);
    return { page, errors, requests, context };
  };
  return h;
}

/** The beat on screen and the number of beats: `[n, total]`. */
export const counter = async page => (await page.textContent('.progress .count')).split('/').map(s => +s.trim());

/** Step beat by beat to the end: the narration of every beat, and the step each was under. */
export async function playAll(page) {
  const [, total] = await counter(page);
  const told = [];
  const steps = [];
  for (let i = 1; i <= total; i++) {
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction(n => document.querySelector('.progress .count').textContent.split('/')[0].trim() === String(n), i);
    told.push(await page.textContent('.narration .plain'));
    const m = (await page.textContent('.narration .step-intro')).match(/Step (\d) of 5/);
    steps.push(m ? +m[1] : 0);
  }
  return { told, steps };
}
