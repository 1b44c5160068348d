// Temporary: a user's walk, screenshots at three widths (not committed).
import path from 'node:path';
import fs from 'node:fs';
import { chromium } from 'playwright-core';
import { serve, chromiumArgs } from './serve.mjs';
const out = process.argv[2] || '/tmp/walk';
const site = await serve('/repo/');
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: chromiumArgs });
const log = [];
for (const [scenario, width] of [['normal', 390], ['early-data', 1400], ['early-data', 390], ['mitm-key-share', 768], ['replay', 768], ['resume', 390]]) {
  const ctx = await browser.newContext({ viewport: { width, height: width < 500 ? 844 : 900 } });
  const page = await ctx.newPage();
  await page.clock.install();
  await page.goto(site.url + `?seed=21&scenario=${scenario}`);
  await page.waitForSelector('.controls');
  await page.click('button[aria-label="Play"]');
  const total = +(await page.textContent('.progress .count')).split('/')[1];
  let last = -1, shots = 0;
  for (let t = 0; t < 30 * 60 * 1000; t += 250) {
    await page.clock.runFor(250);
    const n = +(await page.textContent('.progress .count')).split('/')[0];
    if (n !== last) {
      last = n;
      const intro = await page.textContent('.narration .step-intro').catch(() => '');
      const plain = await page.textContent('.narration .plain').catch(() => '');
      log.push(`${scenario}@${width} ${n}/${total} [${(t / 1000).toFixed(1)}s] ${intro.split(' — ')[0]} | ${plain}`);
      if (n % 9 === 4) await page.screenshot({ path: path.join(out, `${scenario}-${width}-${n}.png`) });
    }
    if (n >= total) break;
  }
  await page.screenshot({ path: path.join(out, `${scenario}-${width}-end.png`), fullPage: true });
  await ctx.close();
}
fs.writeFileSync(path.join(out, 'log.txt'), log.join('\n') + '\n');
await browser.close();
site.close();
