// SPDX-License-Identifier: MIT
// shot.mjs -- dev helper: screenshots of a running dashboard.
//   node tests/web/shot.mjs URL OUTDIR
import { chromium } from 'playwright-core';
import fs from 'node:fs'; import os from 'node:os'; import path from 'node:path';
const [url, out] = process.argv.slice(2);
fs.mkdirSync(out, { recursive: true });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-'));
const ctx = await chromium.launchPersistentContext(dir, { executablePath: '/usr/bin/chromium', headless: true,
  args: ['--headless','--no-sandbox','--disable-gpu','--disable-quic','--no-first-run','--disable-background-networking','--disable-component-update','--disable-sync'] });
const p = await ctx.newPage();
p.on('console', (m) => console.log('console:', m.text()));
p.on('pageerror', (e) => console.log('pageerror:', e.message));
for (const [name, w, hgt] of [['desktop', 1280, 800], ['phone', 390, 844]]) {
  for (const scheme of ['light', 'dark']) {
    await p.setViewportSize({ width: w, height: hgt });
    await p.emulateMedia({ colorScheme: scheme });
    await p.goto(url);
    await p.waitForSelector('.card', { timeout: 5000 }).catch(() => {});
    await p.waitForTimeout(300);
    await p.screenshot({ path: `${out}/${name}-${scheme}.png`, fullPage: process.env.FULL === '1' });
  }
}
await ctx.close();
fs.rmSync(dir, { recursive: true, force: true });
