// SPDX-License-Identifier: MIT
// a11y.test.mjs -- axe-core (pinned in tests/package.json) on the dashboard
// in chromium against the real homectl-api: no serious or critical WCAG 2.1
// A/AA violation in light and dark, at desktop and phone sizes, on the
// devices view, with a card's panel open, and in a device's details; and
// the keyboard reaches every control with a visible focus.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { Api, freePort, launchBrowser, makeHome, waitFor } from './harness.mjs';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

async function audit(page) {
	await page.addScriptTag({ path: AXE });
	const r = await page.evaluate((tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags } }), TAGS);
	return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
		.map((v) => `${v.impact} ${v.id} (${v.nodes.length}): ${v.help} -- ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
}

describe('accessibility', () => {
	let home, api, browser;

	before(async () => {
		home = makeHome();
		api = new Api(home, await freePort());
		await api.start();
		browser = await launchBrowser();
	});

	after(async () => {
		if (browser)
			await browser.close();
		if (api)
			await api.stop();
		if (home)
			fs.rmSync(home.dir, { recursive: true, force: true });
	});

	for (const [name, width, height] of [['desktop', 1280, 800], ['phone', 390, 844]]) {
		for (const scheme of ['light', 'dark']) {
			test(`axe: no serious or critical violation, ${name} ${scheme}`, async () => {
				const page = await browser.context.newPage();
				try {
					await page.setViewportSize({ width, height });
					await page.emulateMedia({ colorScheme: scheme, reducedMotion: 'reduce' });
					await page.goto(`${api.base}/#token=${home.token}`);
					await waitFor(async () => (await page.textContent('#conn-text')).trim() === 'Connected', 'Connected');
					await page.waitForSelector('#activity-list li.activity-item');
					const found = [];
					found.push(...(await audit(page)).map((v) => `devices: ${v}`));
					// A card's panel open, then a device's details.
					await page.click('article.card[data-id="living_room_light_main"] button.more-btn');
					found.push(...(await audit(page)).map((v) => `panel: ${v}`));
					await page.click('article.card[data-id="living_room_light_main"] .card-name');
					await page.waitForSelector('#details-body figure');
					found.push(...(await audit(page)).map((v) => `details: ${v}`));
					assert.deepEqual(found, []);
				} finally {
					await page.close();
				}
			});
		}
	}

	test('the keyboard reaches the search, a switch, a card and its panel, each with a visible focus', async () => {
		const page = await browser.context.newPage();
		try {
			await page.goto(`${api.base}/#token=${home.token}`);
			await page.waitForSelector('article.card');
			const seen = new Set();
			let noRing = [];
			for (let i = 0; i < 80; i++) {
				await page.keyboard.press('Tab');
				const f = await page.evaluate(() => {
					const el = document.activeElement;
					const cs = getComputedStyle(el);
					const ring = cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2;
					return { what: el.id || el.className || el.tagName, ring,
						kind: el.matches('article.card') ? 'card' : el.matches('button.switch') ? 'switch' :
							el.id === 'search' ? 'search' : el.matches('button.more-btn') ? 'more' : el.tagName };
				});
				seen.add(f.kind);
				if (!f.ring)
					noRing.push(f.what);
			}
			for (const k of ['search', 'switch', 'card', 'more'])
				assert.ok(seen.has(k), `Tab reaches a ${k}: ${[...seen]}`);
			noRing = [...new Set(noRing)];
			assert.deepEqual(noRing, [], 'every focused control shows a focus ring');
		} finally {
			await page.close();
		}
	});
});
