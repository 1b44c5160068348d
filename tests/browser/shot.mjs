// Ad-hoc: serve dist/ under a subpath and take screenshots (used while developing).
import { chromium } from 'playwright-core';
import { serve } from './serve.mjs';
const { url, close } = await serve('/repo/');
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
const page = await browser.newPage({ viewport: { width: +(process.argv[3] || 1400), height: 1000 } });
page.on('console', m => console.log('console:', m.type(), m.text()));
page.on('pageerror', e => console.log('pageerror:', e.message));
await page.goto(url + (process.argv[4] || '?seed=1'));
await page.waitForSelector('.controls');
for (let i = 0; i < +(process.argv[5] || 40); i++) await page.keyboard.press('ArrowRight');
await page.waitForTimeout(300);
await page.screenshot({ path: process.argv[2] || '/tmp/shot.png', fullPage: true });
await browser.close(); close();
