// SPDX-License-Identifier: MIT
// make-icons.mjs -- the installed app's PNG icons, drawn from web/icon.svg
// by Debian's chromium (`make icons`; the PNGs are committed, so building
// and installing need no browser):
//   web/icons/icon-192.png, icon-512.png             purpose "any": the SVG as it is
//   web/icons/icon-maskable-192.png, -512.png        purpose "maskable": full bleed
//   web/icons/apple-touch-icon.png (180x180)         iOS rounds it itself: full bleed
// Full bleed means the rounded corners filled with the background: Android
// and iOS cut their own shape out of the square, and the house stays inside
// the maskable safe zone (the circle of 40% radius) as it is drawn.
//
//   node tests/web/make-icons.mjs

import fs from 'node:fs';
import path from 'node:path';
import { WEB_ROOT, launchBrowser } from './harness.mjs';

const svg = fs.readFileSync(path.join(WEB_ROOT, 'icon.svg'), 'utf8');
// The same drawing with square corners.
const bleed = svg.replace(/ rx="[^"]*"/, '');
if (bleed === svg)
	throw new Error('web/icon.svg: no rounded <rect rx=...> background to square off');

const OUT = path.join(WEB_ROOT, 'icons');
const ICONS = [
	['icon-192.png', 192, svg],
	['icon-512.png', 512, svg],
	['icon-maskable-192.png', 192, bleed],
	['icon-maskable-512.png', 512, bleed],
	['apple-touch-icon.png', 180, bleed],
];

fs.mkdirSync(OUT, { recursive: true });
const browser = await launchBrowser();
try {
	const page = await browser.context.newPage();
	for (const [name, size, src] of ICONS) {
		await page.setViewportSize({ width: size, height: size });
		const url = `data:image/svg+xml;base64,${Buffer.from(src).toString('base64')}`;
		await page.setContent(`<!doctype html><html><body style="margin:0;background:transparent">` +
			`<img src="${url}" width="${size}" height="${size}" style="display:block"></body></html>`);
		await page.waitForFunction(() => document.images[0].complete && document.images[0].naturalWidth > 0);
		await page.screenshot({ path: path.join(OUT, name), omitBackground: true,
			clip: { x: 0, y: 0, width: size, height: size } });
		console.log(`web/icons/${name}: ${size}x${size}, ${fs.statSync(path.join(OUT, name)).size} bytes`);
	}
} finally {
	await browser.close();
}
