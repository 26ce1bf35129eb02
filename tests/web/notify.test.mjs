// SPDX-License-Identifier: MIT
// notify.test.mjs -- the dashboard's notifications in chromium against the
// real homectl-api and homectl-automations: a device gone offline (its
// binding's availability, written by a foreign sqlite3 process as
// homectl-mqtt would) and an automation failing (run by the homectl CLI,
// failed by homectl-automations), shown in the page and, when the page is in
// the background with permission, as browser notifications; every rule can
// be turned off. A run's outcome comes with the change feed: the page says
// it without reading the automations again. (The door and garage rules are
// in dashboard.test.mjs.)

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Api, BIN, cli, freePort, launchBrowser, makeHome, sqlite, waitFor,
	watchRequests } from './harness.mjs';

const alert = (k) => `#alerts-list li[data-alert="${k}"]`;
const card = (id) => `article.card[data-id="${id}"]`;

// Before any script of the page: every Notification the page creates is
// recorded (and still made), and the test can say the page is hidden, as a
// browser does for a tab in the background (headless chromium keeps every
// page visible).
function pageHooks() {
	window.__notes = [];
	const Real = window.Notification;
	if (Real) {
		const Wrapped = function Notification(title, options) {
			window.__notes.push({ title, body: options?.body ?? null });
			return new Real(title, options);
		};
		Object.defineProperty(Wrapped, 'permission', { get: () => Real.permission });
		Wrapped.requestPermission = (...a) => Real.requestPermission(...a);
		Wrapped.prototype = Real.prototype;
		window.Notification = Wrapped;
	}
	let hidden = false;
	Object.defineProperty(Document.prototype, 'visibilityState',
		{ configurable: true, get: () => (hidden ? 'hidden' : 'visible') });
	Object.defineProperty(Document.prototype, 'hidden', { configurable: true, get: () => hidden });
	// The automations panel reads the list every 30 s: the test can hold
	// that back, to see what comes by the feed alone.
	const every = window.setInterval;
	window.__holdRefresh = false;
	window.setInterval = (fn, ms, ...args) =>
		every((...a) => (window.__holdRefresh && ms === 30000 ? undefined : fn(...a)), ms, ...args);
	window.__setHidden = (h) => {
		hidden = h;
		document.dispatchEvent(new Event('visibilitychange'));
	};
}

// The error homectl-automations keeps with the run (the device is offline).
const OFFLINE = /^Automation "bath light at dusk" failed: .+ is offline/;

// homectl-automations on the home, until stop().
async function startAutomations(db) {
	const p = spawn(BIN.automations, ['--db', db, '--log-level', 'debug'],
		{ stdio: ['ignore', 'pipe', 'pipe'] });
	let log = '';
	p.stdout.on('data', (d) => { log += d; });
	p.stderr.on('data', (d) => { log += d; });
	await waitFor(() => {
		if (p.exitCode !== null)
			throw new Error(`homectl-automations exited: ${log}`);
		return /running \d+ automation/.test(log);
	}, 'homectl-automations to start');
	return {
		log: () => log,
		stop: () => new Promise((r) => {
			if (p.exitCode !== null)
				return r(p.exitCode);
			p.once('exit', (code) => r(code));
			p.kill('SIGTERM');
		}),
	};
}

// `homectl automation run --wait NAME`: exits 1 when the run failed, as
// these runs must.
function runFailing(db, name) {
	const r = spawnSync(BIN.cli, ['--db', db, 'automation', 'run', '--wait', name], { encoding: 'utf8' });
	assert.equal(r.status, 1, `the run of ${name} fails: ${r.stdout}${r.stderr}`);
	assert.match(r.stdout, /failed.*\n.*is offline/);
}

describe('notifications', () => {
	let home, api, auto, browser, page, watch;
	const notes = () => page.evaluate(() => window.__notes);
	const warnToasts = () => page.$$eval('.toast-warn', (t) => t.map((e) => e.textContent));
	// What homectl-mqtt writes when a bridge says a device came or went.
	const bind = (id) => sqlite(home.db, `INSERT INTO bindings(device_id, driver, address, available) ` +
		`VALUES ('${id}', 'z2m', '${id}', 'online')`);
	const avail = (id, a) => sqlite(home.db, `UPDATE bindings SET available = '${a}' WHERE device_id = '${id}'`);
	const waitAvail = (id, a) => page.waitForSelector(`${card(id)}[data-available="${a}"]`);
	const rule = (k, on) => (on ? page.check(`#alert-rule-${k}`) : page.uncheck(`#alert-rule-${k}`));

	before(async () => {
		for (const b of [BIN.cli, BIN.api, BIN.automations])
			assert.ok(fs.existsSync(b), `${b} is missing: run make first`);
		home = makeHome();
		for (const id of ['bathroom_light', 'bedroom_fan', 'kitchen_light_counter', 'bathroom_fan'])
			bind(id);
		api = new Api(home, await freePort());
		await api.start();
		auto = await startAutomations(home.db);
		browser = await launchBrowser();
		await browser.context.grantPermissions(['notifications'], { origin: api.base });
		await browser.context.addInitScript(pageHooks);
		page = await browser.context.newPage();
		watch = watchRequests(page, api.base);
		await page.goto(`${api.base}/#token=${home.token}`);
		await waitFor(async () => (await page.textContent('#conn-text')).trim() === 'Connected',
			'the page to say Connected', 30000);
		await page.click('#alerts summary');
		assert.equal(await page.evaluate(() => Notification.permission), 'granted');
		assert.equal((await page.textContent('#alert-browser')).trim(), 'Browser notifications are on');
	});

	after(async () => {
		try {
			if (browser)
				await browser.close();
			if (auto)
				assert.equal(await auto.stop(), 0, auto.log());
			if (api)
				assert.deepEqual(await api.stop(), { code: 0, signal: null }, api.log);
		} finally {
			if (home && !process.env.HOMECTL_KEEP)
				fs.rmSync(home.dir, { recursive: true, force: true });
		}
	});

	test('a device gone offline is shown, told once, and gone when it is back', async () => {
		await waitAvail('bathroom_light', 'online');
		assert.equal(await page.$(alert('offline:bathroom_light')), null);
		const toasts = (await warnToasts()).length;
		avail('bathroom_light', 'offline');
		await page.waitForSelector(alert('offline:bathroom_light'));
		assert.match(await page.textContent(alert('offline:bathroom_light')), /Bathroom light is offline/);
		assert.equal((await page.textContent('#alerts-count')).trim(), '1');
		await waitFor(async () => (await warnToasts()).length > toasts, 'a toast when it starts');
		assert.match((await warnToasts()).at(-1), /Bathroom light is offline/);
		// Visible: the page says it, the browser does not.
		assert.deepEqual(await notes(), []);
		avail('bathroom_light', 'online');
		await page.waitForSelector(alert('offline:bathroom_light'), { state: 'detached' });
		assert.ok(await page.isVisible('#alerts-empty'));
	});

	test('the offline rule turned off: no notification', async () => {
		await rule('offline', false);
		const toasts = (await warnToasts()).length;
		avail('bedroom_fan', 'offline');
		await waitAvail('bedroom_fan', 'offline');	// the page has it
		assert.equal(await page.$(alert('offline:bedroom_fan')), null);
		assert.equal((await warnToasts()).length, toasts);
		assert.equal(JSON.parse(await page.evaluate(() => localStorage.getItem('homectl.notify'))).on.offline, false);
		// On again: it holds, so it shows.
		await rule('offline', true);
		await page.waitForSelector(alert('offline:bedroom_fan'));
		avail('bedroom_fan', 'online');
		await page.waitForSelector(alert('offline:bedroom_fan'), { state: 'detached' });
	});

	test('in the background: a browser notification, none while the rule is off', async () => {
		await page.evaluate(() => window.__setHidden(true));
		avail('kitchen_light_counter', 'offline');
		await waitFor(async () => (await notes()).length === 1, 'a browser notification');
		assert.deepEqual(await notes(), [{ title: 'homectl', body: 'Counter lights is offline' }]);
		await page.waitForSelector(alert('offline:kitchen_light_counter'));
		// Rule off, in the background: nothing.
		await rule('offline', false);
		avail('bathroom_fan', 'offline');
		await waitAvail('bathroom_fan', 'offline');
		assert.equal(await page.$(alert('offline:bathroom_fan')), null);
		assert.equal((await notes()).length, 1);
		avail('bathroom_fan', 'online');
		avail('kitchen_light_counter', 'online');
		await waitAvail('bathroom_fan', 'online');
		await waitAvail('kitchen_light_counter', 'online');
		await rule('offline', true);
		// Back in front: a new one is told in the page only.
		await page.evaluate(() => window.__setHidden(false));
		avail('kitchen_light_counter', 'offline');
		await page.waitForSelector(alert('offline:kitchen_light_counter'));
		assert.equal((await notes()).length, 1);
		avail('kitchen_light_counter', 'online');
		await page.waitForSelector(alert('offline:kitchen_light_counter'), { state: 'detached' });
	});

	test('an automation failing: shown, a browser notification in the background, off means none', async () => {
		// Its action needs a device that is offline: homectl-automations fails the run.
		avail('bathroom_light', 'offline');
		await waitAvail('bathroom_light', 'offline');
		await rule('offline', false);	// only the automation's notification from here
		const doc = path.join(home.dir, 'dusk.json');
		fs.writeFileSync(doc, JSON.stringify({ name: 'bath light at dusk', triggers: [{ at: '*-*-* 18:00' }],
			actions: [{ device: 'bathroom_light', action: 'on' }] }));
		cli(home.db, 'automation', 'add', doc);
		// The panel has it (read once), and reads the list no more: the
		// outcome must come with the feed.
		await page.waitForSelector('#automations-list li[data-name="bath light at dusk"]');
		let reads = 0;
		const count = (r) => {
			if (new URL(r.url()).pathname.startsWith('/api/automations'))
				reads++;
		};
		page.on('request', count);
		await page.evaluate(() => { window.__holdRefresh = true; });
		await page.evaluate(() => window.__setHidden(true));
		const before = (await notes()).length;
		runFailing(home.db, 'bath light at dusk');
		assert.equal(sqlite(home.db, "SELECT outcome FROM automation_runs WHERE automation = 'bath light at dusk'"),
			'failed');
		const key = 'automation:bath light at dusk';
		await page.waitForSelector(alert(key));
		const first = sqlite(home.db, "SELECT max(id) FROM automation_runs WHERE automation = 'bath light at dusk'");
		assert.ok(await page.$(`#automations-list li[data-name="bath light at dusk"][data-last-run="${first}"]` +
			' .outcome-failed'), 'the panel shows the failed run');
		page.off('request', count);
		await page.evaluate(() => { window.__holdRefresh = false; });
		assert.equal(reads, 0, 'the page read the automations again instead of taking the frame');
		assert.match(await page.textContent(alert(key)), OFFLINE);
		const told = (await notes()).slice(before);
		assert.equal(told.length, 1);
		assert.equal(told[0].title, 'homectl');
		assert.match(told[0].body, OFFLINE);
		// Off: gone from the page; a second failure tells nothing.
		await rule('automation', false);
		await page.waitForSelector(alert(key), { state: 'detached' });
		const n = (await notes()).length;
		const toasts = (await warnToasts()).length;
		runFailing(home.db, 'bath light at dusk');
		const last = sqlite(home.db, "SELECT max(id) FROM automation_runs WHERE automation = 'bath light at dusk'");
		// Back in front, the page reads the automations again at once: it
		// has the second run (failed too), and says nothing of it.
		await page.evaluate(() => window.__setHidden(false));
		await page.waitForSelector(`#automations-list li[data-name="bath light at dusk"][data-last-run="${last}"]`);
		assert.equal(await page.$(alert(key)), null);
		assert.equal((await warnToasts()).length, toasts);
		assert.equal((await notes()).length, n);
		// On again, in the background: it still holds, so it is told.
		await page.evaluate(() => window.__setHidden(true));
		await rule('automation', true);
		await page.waitForSelector(alert(key));
		await waitFor(async () => (await notes()).length === n + 1, 'a browser notification');
		await page.evaluate(() => window.__setHidden(false));
		assert.deepEqual(watch.errors, []);
	});
});
