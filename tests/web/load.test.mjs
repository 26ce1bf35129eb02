// SPDX-License-Identifier: MIT
// load.test.mjs -- how the dashboard loads, in chromium against the real
// homectl-api: index.html's first script opens the WebSocket and asks for
// the model and the modes before the modules arrive, and app.js takes them
// over (one socket, one request each, not two); every module the first
// cards need was preloaded, the others (the views, the side panels) are
// loaded on demand, and all are in the service worker's shell; with a refused token
// the early socket ends and the sign-in form comes as before.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { Api, CHROMIUM, WEB_ROOT, cli, freePort, launchBrowser, makeHome, newToken, sqlite, waitFor } from './harness.mjs';

describe('loading', () => {
	let home, api, browser;

	before(async () => {
		home = makeHome();
		api = new Api(home, await freePort());
		await api.start();
		browser = await launchBrowser();
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

	test('one socket and one request each for the model and the modes; the modules the cards need preloaded, the others on demand', async () => {
		const page = await browser.context.newPage();
		const sockets = [];
		const paths = [];
		page.on('websocket', (ws) => sockets.push(ws.url()));
		page.on('request', (r) => paths.push(new URL(r.url()).pathname));
		try {
			await page.goto(`${api.base}/#token=${home.token}`);
			await waitFor(async () => (await page.textContent('#conn-text')).trim() === 'Connected', 'Connected', 30000);
			await page.waitForSelector('article.card');
			await page.waitForSelector('#mode-switch button');
			assert.deepEqual(sockets, [`${api.base.replace('http', 'ws')}/ws`]);
			assert.equal(paths.filter((p) => p === '/api/types').length, 1);
			assert.equal(paths.filter((p) => p === '/api/modes').length, 1);
			// Nothing is left behind for later.
			assert.equal(await page.evaluate(() => window.homectlEarly), null);
			// Every module asked for before the cards was preloaded; every
			// module is in the shell's cache list.
			const sw = fs.readFileSync(path.join(WEB_ROOT, 'sw.js'), 'utf8');
			const preloaded = await page.$$eval('link[rel="modulepreload"]', (ls) => ls.map((l) => new URL(l.href).pathname));
			// What app.js imports (statically: before it runs; with import(): on
			// demand), read from the files.
			const graph = new Set(), lazy = new Set();
			const visit = (f) => {
				if (graph.has(f))
					return;
				graph.add(f);
				const src = fs.readFileSync(path.join(WEB_ROOT, f), 'utf8');
				for (const m of src.matchAll(/\bimport\s*(?:[^'"()]*?\bfrom\s*)?['"]\.\/([\w.-]+\.js)['"]/g))
					visit(`js/${m[1]}`);
				for (const m of src.matchAll(/\bimport\(\s*['"]\.\/([\w.-]+\.js)['"]\s*\)/g))
					lazy.add(`js/${m[1]}`);
			};
			visit('js/app.js');
			for (const f of lazy)
				visit(f);
			const eager = new Set([...graph].filter((f) => !lazy.has(f)));
			assert.ok(eager.size >= 8 && lazy.size >= 4, `eager ${[...eager]}, lazy ${[...lazy]}`);
			assert.deepEqual([...eager].map((f) => `/${f}`).filter((p) => !preloaded.includes(p)), [],
				'modules app.js imports that are not preloaded');
			assert.deepEqual([...lazy].map((f) => `/${f}`).filter((p) => preloaded.includes(p)), [],
				'modules loaded on demand that are preloaded all the same');
			assert.deepEqual([...graph].filter((f) => !sw.includes(`'${f}'`)), [], 'modules not in sw.js');
			// The side panels came after the cards, by themselves.
			await page.waitForSelector('#alerts-settings input', { state: 'attached' });
			const loaded = await page.evaluate(() => performance.getEntriesByType('resource')
				.map((e) => new URL(e.name).pathname).filter((p) => p.endsWith('.js') && p !== '/sw.js'));
			assert.deepEqual(loaded.filter((p) => !preloaded.includes(p)).sort(), ['/js/automations.js', '/js/notify.js']);
			assert.deepEqual(loaded.filter((p) => !sw.includes(`'${p.slice(1)}'`)), [], 'modules not in sw.js');
		} finally {
			await page.close();
		}
	});

	// On a slow network the model, the modes and the snapshot are in before
	// the modules: app.js then draws the cards as it runs (one layout of
	// the page, with them), not in a later task. Here app.js is held back
	// until index.html's first script has both answers and the snapshot
	// (in a browser of its own without service workers: the one above has
	// installed sw.js, whose fetches no route sees).
	test('answers in before the modules: the cards are drawn as the modules run', async () => {
		const own = await chromium.launch({ executablePath: CHROMIUM, headless: true,
			args: ['--no-sandbox', '--disable-gpu'] });
		const page = await (await own.newContext({ serviceWorkers: 'block' })).newPage();
		await page.addInitScript(() => {
			document.addEventListener('DOMContentLoaded', () => {
				window.__cardsAtDcl = document.querySelectorAll('article.card').length;
			});
		});
		await page.route('**/js/app.js', async (route) => {
			await page.waitForFunction(() => window.homectlEarly && window.homectlEarly.frames.length > 0 &&
				Object.keys(window.homectlEarly.done).length === 2);
			await route.continue();
		});
		try {
			await page.goto(`${api.base}/#token=${home.token}`);
			await page.waitForSelector('article.card');
			const n = Number(sqlite(home.db, 'SELECT count(*) FROM devices'));
			assert.equal(await page.evaluate(() => window.__cardsAtDcl), n);
			assert.ok(await page.locator('#mode-switch button').count() > 0, 'the modes');
			await waitFor(async () => (await page.textContent('#conn-text')).trim() === 'Connected', 'Connected', 30000);
		} finally {
			await own.close();
		}
	});

	test('a refused token: the early socket ends and the sign-in form comes', async () => {
		const tok = newToken(home.db, 'gone');
		cli(home.db, 'token', 'revoke', 'gone');
		const page = await browser.context.newPage();
		try {
			await page.goto(`${api.base}/#token=${tok}`);
			await page.waitForSelector('#login-view:not([hidden])');
			assert.match(await page.textContent('#login-msg'), /not accepted|revoked/);
			assert.equal(await page.evaluate(() => window.homectlEarly), null);
		} finally {
			await page.close();
		}
	});
});
