// SPDX-License-Identifier: MIT
// install.test.mjs -- the dashboard as an installable app, in chromium
// against the real homectl-api: the manifest parses, every icon it names
// (and the apple-touch-icon) is served with its declared type and, for a
// PNG, the size its header says; chromium finds nothing that keeps the page
// from being installed (CDP Page.getInstallabilityErrors; http://127.0.0.1
// counts as a secure origin); the service worker keeps every icon in its
// cache.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Api, freePort, launchBrowser, makeHome, waitFor } from './harness.mjs';

// A PNG's width and height from its IHDR chunk; throws if it is no PNG.
function pngSize(buf) {
	const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
	assert.ok(buf.length > 24 && buf.subarray(0, 8).equals(sig), 'a PNG signature');
	assert.equal(buf.toString('latin1', 12, 16), 'IHDR', 'the IHDR chunk first');
	return `${buf.readUInt32BE(16)}x${buf.readUInt32BE(20)}`;
}

describe('installable app', () => {
	let home, api, browser, page;

	before(async () => {
		home = makeHome();
		api = new Api(home, await freePort());
		await api.start();
		browser = await launchBrowser();
		page = await browser.context.newPage();
		await page.goto(`${api.base}/#token=${home.token}`);
		await waitFor(async () => (await page.textContent('#conn-text')).trim() === 'Connected',
			'the page to say Connected', 30000);
	});

	after(async () => {
		try {
			if (browser)
				await browser.close();
			if (api)
				assert.deepEqual(await api.stop(), { code: 0, signal: null }, api.log);
		} finally {
			if (home && !process.env.HOMECTL_KEEP)
				fs.rmSync(home.dir, { recursive: true, force: true });
		}
	});

	// The manifest's icons and the apple-touch-icon, as [url, type, sizes, purpose].
	async function icons() {
		const href = await page.getAttribute('link[rel="manifest"]', 'href');
		const murl = new URL(href, page.url());
		const res = await fetch(murl);
		assert.equal(res.status, 200);
		assert.equal(res.headers.get('content-type').split(';')[0], 'application/manifest+json');
		const m = JSON.parse(await res.text());
		const out = m.icons.map((i) => [new URL(i.src, murl).href, i.type, i.sizes, i.purpose || 'any']);
		const apple = await page.$eval('link[rel="apple-touch-icon"]', (l) => [l.href, l.getAttribute('sizes')]);
		out.push([apple[0], 'image/png', apple[1], 'apple-touch-icon']);
		return { m, icons: out };
	}

	test('the manifest parses and every icon is served as declared', async () => {
		const { m, icons: list } = await icons();
		assert.equal(m.display, 'standalone');
		assert.ok(m.name && m.start_url, 'a name and a start URL');
		for (const size of ['192x192', '512x512'])
			for (const purpose of ['any', 'maskable'])
				assert.ok(list.some(([, type, s, p]) => type === 'image/png' && s === size && p === purpose),
					`a ${size} PNG for purpose ${purpose}`);
		assert.ok(list.some(([, , s, p]) => p === 'apple-touch-icon' && s === '180x180'), 'a 180x180 apple-touch-icon');
		for (const [url, type, sizes] of list) {
			const res = await fetch(url);
			assert.equal(res.status, 200, url);
			assert.equal(res.headers.get('content-type').split(';')[0], type, url);
			const body = Buffer.from(await res.arrayBuffer());
			if (type === 'image/png')
				assert.equal(pngSize(body), sizes, `${url}: the PNG's own size`);
			else
				assert.match(body.toString('utf8', 0, 200), /<svg/, url);
		}
	});

	test('chromium finds nothing that keeps it from being installed', async () => {
		const cdp = await browser.context.newCDPSession(page);
		// The manifest and its icons are fetched by chromium itself: wait for them.
		let errors;
		await waitFor(async () => {
			({ installabilityErrors: errors } = await cdp.send('Page.getInstallabilityErrors'));
			return errors.length === 0;
		}, 'no installability errors').catch((e) => {
			throw new Error(`${e.message}: ${JSON.stringify(errors)}`);
		});
		const { url, errors: merr } = await cdp.send('Page.getAppManifest');
		assert.match(url, /manifest\.webmanifest$/);
		assert.deepEqual(merr, []);
		await cdp.detach();
	});

	test('the service worker keeps every icon for when the server cannot be reached', async () => {
		const { icons: list } = await icons();
		await page.evaluate(() => navigator.serviceWorker.ready);
		const missing = await waitFor(() => page.evaluate(async (urls) => {
			const miss = [];
			for (const u of urls)
				if (!(await caches.match(u)))
					miss.push(u);
			return miss.length ? false : miss;
		}, list.map(([u]) => u)), 'every icon in the cache');
		assert.deepEqual(missing, []);
	});
});
