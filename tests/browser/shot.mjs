// Pictures of the page for the README and the social card:
//   node shot.mjs   (after `make build`) writes docs/screenshot.png and static/social-card.png
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from './serve.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const site = await serve('/repo/');
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args });
async function at(width, height, steps) {
  const page = await browser.newPage({ viewport: { width, height } });
  await page.emulateMedia({ reducedMotion: 'reduce', colorScheme: 'light' });
  await page.goto(site.url + '?seed=1');
  await page.waitForSelector('.controls');
  for (let i = 0; i < steps; i++) await page.keyboard.press('ArrowRight');
  await page.waitForFunction(n => document.querySelector('.progress .count').textContent.startsWith(n + ' '), steps);
  return page;
}
const card = await at(1200, 630, 14);
await card.screenshot({ path: path.join(root, 'static/social-card.png') });
const full = await at(1400, 1000, 14);
await full.screenshot({ path: path.join(root, 'docs/screenshot.png'), fullPage: true });
await browser.close();
site.close();
