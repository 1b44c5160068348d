// The page embedded in a blog post: the post is served from one origin, the page (dist/, under a
// subpath) from another. embed.js turns a <div data-tls-handshake> into a frame that fits what
// it shows; a plain <iframe> works at a fixed height; forged height messages change nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve, chromiumArgs } from './serve.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const artifacts = path.join(here, 'artifacts');
let site, blog, browser;

/** A blog-like post on its own origin: a 720 px column of text around two embeds. */
function post(page) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>How HTTPS works</title>
<style>body { margin: 0; font: 18px/1.6 Georgia, serif; background: #fffdf8; } main { max-width: 720px; margin: 0 auto; padding: 1rem; }</style></head>
<body><main>
<h1>How HTTPS works</h1>
<p>When your browser connects to a site, it first runs a TLS handshake. Below, a real TLS 1.3 client and server do just that.</p>
<div id="auto" data-tls-handshake data-seed="7" data-step="4"></div>
<p>And here is what happens when someone on the network changes a single bit.</p>
<iframe id="plain" src="${page}?seed=3&scenario=tamper&embed=1" title="TLS 1.3 handshake" style="width:100%;border:0" height="760" loading="lazy"></iframe>
<p>That is all.</p>
<iframe id="other" src="/forger.html" style="width:1px;height:1px;border:0"></iframe>
<script src="${page}embed.js" async></script>
</main></body></html>`;
}

before(async () => {
  fs.mkdirSync(artifacts, { recursive: true });
  site = await serve('/repo/');
  blog = await new Promise(resolve => {
    const server = http.createServer((req, res) => {
      if (req.url.startsWith('/forger.html')) {
        // Another frame on the post that pretends to be the page.
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(`<script>setInterval(() => parent.postMessage({ type: 'tls-handshake:height', height: 5000 }, '*'), 100)</script>`);
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(post(site.url));
    });
    server.listen(0, '127.0.0.1', () => resolve({ url: `http://localhost:${server.address().port}/`, close: () => server.close() }));
  });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: chromiumArgs });
});

after(async () => {
  await browser?.close();
  site?.close();
  blog?.close();
});

/** The frame element's height on the post, and the height of the page inside it. */
async function fit(page, id) {
  const el = page.locator(`#${id}, iframe[data-tls-handshake]`).first();
  const handle = await page.$(id === 'auto' ? 'iframe[data-tls-handshake]:not(#plain)' : `#${id}`);
  const frame = await handle.contentFrame();
  await frame.waitForSelector('.controls');
  const inner = await frame.evaluate(() => ({
    height: Math.ceil(document.documentElement.getBoundingClientRect().height),
    scrolls: document.documentElement.scrollHeight > window.innerHeight + 1,
    embed: document.getElementById('app').classList.contains('embed'),
  }));
  const outer = await handle.evaluate(f => f.getBoundingClientRect().height);
  void el;
  return { frame, inner, outer };
}

/** Wait until the embed.js frame's height stops changing (and differs from `not`, if given). */
async function settle(page, not = -1) {
  await page.waitForFunction(not => {
    const el = document.querySelector('iframe[data-tls-handshake]:not(#plain)');
    if (!el) return false;
    const h = el.getBoundingClientRect().height;
    const stable = Math.abs(h - (el.__last || 0)) < 1;
    el.__last = h;
    return stable && h !== not;
  }, not, { polling: 400, timeout: 10000 });
}

for (const width of [1280, 390]) {
  test(`at ${width} px the embedded page fits its frame, starts at its step, and ignores forged messages`, async () => {
    const context = await browser.newContext({ viewport: { width, height: 900 }, reducedMotion: 'reduce' });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', e => errors.push(e.message));
    await page.goto(blog.url);
    await page.waitForSelector('iframe[data-tls-handshake]:not(#plain)');
    const auto = await page.$('iframe[data-tls-handshake]:not(#plain)');
    await auto.scrollIntoViewIfNeeded();
    let f = await fit(page, 'auto');
    assert.ok(f.inner.embed, 'the frame shows the embed layout');
    // The frame follows its content: wait for the height message to arrive and settle.
    await settle(page, 760);
    f = await fit(page, 'auto');
    assert.ok(Math.abs(f.outer - f.inner.height) <= 2, `frame ${f.outer} px, content ${f.inner.height} px`);
    assert.ok(!f.inner.scrolls, 'the page scrolls inside its frame');
    assert.match(await f.frame.textContent('.narration .step-intro'), /Step 4 of 5/, 'data-step lands on that step');
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(artifacts, `post-${width}.png`) });
    await auto.screenshot({ path: path.join(artifacts, `post-${width}-frame.png`) });
    // Opening a detail view grows the frame instead of scrolling inside it.
    await f.frame.click('#tab-Keys');
    await page.waitForFunction(h => document.querySelector('iframe[data-tls-handshake]:not(#plain)').getBoundingClientRect().height > h + 100, f.outer);
    await settle(page);
    const grown = await fit(page, 'auto');
    assert.ok(Math.abs(grown.outer - grown.inner.height) <= 2 && !grown.inner.scrolls, `the frame grew to its new content: ${JSON.stringify(grown.inner)} in ${grown.outer}`);
    // Forged messages: from the post itself, and from another frame (running all along).
    const before = grown.outer;
    await page.evaluate(() => window.postMessage({ type: 'tls-handshake:height', height: 4000 }, '*'));
    await page.waitForTimeout(600);
    assert.equal(await auto.evaluate(el => el.getBoundingClientRect().height), before, 'a forged message changed the frame');
    // The plain iframe, without the script's help, keeps its fixed height and nothing scrolls in it.
    const plain = await page.$('#plain');
    await plain.scrollIntoViewIfNeeded();
    const pf = await plain.contentFrame();
    await pf.waitForSelector('.controls');
    assert.equal(await plain.evaluate(el => el.getBoundingClientRect().height), 760);
    // The document in it does not scroll (the wheel scrolls the post), and the controls and the
    // lane are in view.
    assert.equal(await pf.evaluate(() => getComputedStyle(document.documentElement).overflowY), 'hidden');
    const box = await plain.boundingBox();
    await page.mouse.move(box.x + box.width / 2, Math.min(box.y + 200, 880));
    const postBefore = await page.evaluate(() => scrollY);
    await page.mouse.wheel(0, 300);
    await page.waitForTimeout(400);
    assert.equal(await pf.evaluate(() => document.scrollingElement.scrollTop), 0, 'the wheel scrolled inside the plain frame');
    assert.ok((await page.evaluate(() => scrollY)) > postBefore, 'the wheel over the frame did not scroll the post');
    for (const sel of ['.controls', '.wire']) {
      const top = await pf.$eval(sel, el => el.getBoundingClientRect().top);
      assert.ok(top >= 0 && top < 760, `${sel} is not in the plain frame's view (${top})`);
    }
    // A link opens the full page at the same moment.
    const href = await f.frame.getAttribute('a.open-full', 'href');
    assert.match(href, /seed=7/);
    assert.doesNotMatch(href, /embed=1/);
    assert.deepEqual(errors, []);
    await context.close();
  });
}

test('a bad embed parameter gets a notice and a sensible default, never a broken page', async () => {
  const context = await browser.newContext({ viewport: { width: 720, height: 900 } });
  const page = await context.newPage();
  await page.goto(site.url + '?seed=2&step=9&tab=nope&embed=1');
  await page.waitForSelector('.controls');
  const notice = await page.textContent('.notice');
  assert.match(notice, /not a step from 1 to 5/);
  assert.match(notice, /there is no tab "nope"/);
  assert.equal((await page.textContent('.progress .count')).split('/')[0].trim(), '0');
  await context.close();
});

test('a link to a moment restores the beat, the tab and the selected record', async () => {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  await page.goto(site.url + '?seed=5&beat=12&tab=keys');
  await page.waitForSelector('.controls');
  assert.equal((await page.textContent('.progress .count')).split('/')[0].trim(), '12');
  assert.equal(await page.getAttribute('#tab-Keys', 'aria-selected'), 'true');
  await page.goto(site.url + '?seed=5&record=4');
  await page.waitForSelector('.controls');
  assert.equal(await page.locator('.rec.selected').count(), 1);
  assert.equal(await page.evaluate(() => [...document.querySelectorAll('.rec:not(.network-note)')].findIndex(r => r.classList.contains('selected'))), 3);
  // The address keeps the moment as the visitor moves on.
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction(() => /beat=\d+/.test(location.search));
  assert.match(await page.evaluate(() => location.search), /seed=5/);
  await context.close();
});
