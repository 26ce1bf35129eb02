// SPDX-License-Identifier: MIT
// dashboard.test.mjs -- the dashboard in a real browser (Debian's chromium
// driven by playwright-core) against the real homectl-api on a demo home,
// with the CLI, a foreign sqlite3 process and an MCP client as the other
// writers. Run: HOMECTL_BUILD=build node --test tests/web/

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Api, BIN, SCREENSHOTS, cli, dbDevice, freePort, launchBrowser, makeHome, newToken,
	sqlite, waitFor, watchRequests } from './harness.mjs';

const card = (id) => `article.card[data-id="${id}"]`;

// A card's sliders and other seldom used controls are one tap away.
async function openMore(page, id) {
	const btn = `${card(id)} button.more-btn`;
	if (await page.getAttribute(btn, 'aria-expanded') !== 'true')
		await page.click(btn);
	await page.waitForSelector(`${card(id)} .card-more:not([hidden])`);
}

async function waitState(page, id, state) {
	await page.waitForSelector(`${card(id)}[data-state="${state}"]`, { timeout: 15000 });
}

async function waitDb(db, id, pred, what) {
	return waitFor(() => {
		const d = dbDevice(db, id);
		return d && pred(d) ? d : false;
	}, `${id} in the database: ${what}`);
}

async function connText(page) {
	return (await page.textContent('#conn-text')).trim();
}

async function waitConnected(page) {
	await waitFor(async () => (await connText(page)) === 'Connected', 'the page to say Connected', 30000);
}

// Every card shows the state the database holds, and there is no other card.
async function assertMatchesDb(page, db) {
	const rows = sqlite(db, 'SELECT id || \'=\' || state FROM devices ORDER BY id').split('\n');
	await waitFor(async () => {
		const shown = await page.$$eval('article.card', (els) =>
			els.map((e) => `${e.dataset.id}=${e.dataset.state}`).sort());
		return JSON.stringify(shown) === JSON.stringify(rows.slice().sort()) ? true :
			{ shown: shown.length, db: rows.length,
				diff: shown.filter((x) => !rows.includes(x)).concat(rows.filter((x) => !shown.includes(x))) };
	}, 'the cards to match the database');
}

describe('dashboard', () => {
	let home, api, browser, page, watch;
	const frames = [];
	const requests = [];	// paths the page asked for
	const hellos = () => frames.filter((f) => f.dir === 'out' && f.msg.type === 'hello').map((f) => f.msg);
	// The first snapshot or changes frame after the last hello.
	const startFrame = () => {
		const i = frames.map((f) => f.dir === 'out' && f.msg.type === 'hello').lastIndexOf(true);
		return frames.slice(i).find((f) => f.dir === 'in' && ['snapshot', 'changes'].includes(f.msg.type));
	};

	before(async () => {
		for (const b of [BIN.cli, BIN.api])
			assert.ok(fs.existsSync(b), `${b} is missing: run make first`);
		home = makeHome();
		api = new Api(home, await freePort());
		await api.start();
		// A copy of the home as it starts, to put back while the server is down.
		sqlite(home.db, `.backup '${path.join(home.dir, 'start.db')}'`);
		browser = await launchBrowser();
		page = await browser.context.newPage();
		watch = watchRequests(page, api.base);
		page.on('request', (r) => requests.push(new URL(r.url()).pathname));
		// What the page says on its WebSockets, and the kind of each frame it gets.
		page.on('websocket', (ws) => {
			ws.on('framesent', (f) => frames.push({ dir: 'out', msg: JSON.parse(f.payload) }));
			ws.on('framereceived', (f) => frames.push({ dir: 'in', msg: JSON.parse(f.payload) }));
		});
	});

	after(async () => {
		try {
			if (browser)
				await browser.close();
			// A crash or a sanitizer report at exit fails the suite.
			if (api)
				assert.deepEqual(await api.stop(), { code: 0, signal: null }, api.log);
		} finally {
			if (home && !process.env.HOMECTL_KEEP)
				fs.rmSync(home.dir, { recursive: true, force: true });
		}
	});

	test('signs in with the token from the fragment, then removes it from the address bar', async () => {
		await page.goto(`${api.base}/#token=${home.token}`);
		await waitConnected(page);
		assert.equal(new URL(page.url()).hash, '', 'the token is gone from the URL');
		const stored = await page.evaluate(() => localStorage.getItem('homectl.token'));
		assert.equal(stored, home.token);
		assert.equal(await page.getAttribute('#conn-text', 'role'), 'status');
	});

	test('shows all the demo devices, grouped by room, as the database has them', async () => {
		const n = Number(sqlite(home.db, 'SELECT count(*) FROM devices'));
		assert.equal(n, 24);
		await assertMatchesDb(page, home.db);
		// House-wide devices have their own group.
		const house = await page.$$eval('section.room[data-room="_house"] article.card',
			(els) => els.map((e) => e.dataset.id).sort());
		const want = sqlite(home.db, 'SELECT id FROM devices WHERE room IS NULL ORDER BY id').split('\n');
		assert.deepEqual(house, want);
		// Human terms: brightness in %, colour temperature in K, °F, fan speed.
		const main = await page.textContent(card('living_room_light_main'));
		assert.match(main, /75%/);
		assert.match(main, /2700 K/);
		assert.match(await page.textContent(card('thermostat_main')), /72°F/);
		assert.match(await page.textContent(card('outdoor_ev_charger')), /62%/);
		assert.match(await page.textContent(card('living_room_motion_sensor')), /ago/);
		// Stats agree with the database.
		const lightsOn = sqlite(home.db, "SELECT count(*) FROM devices WHERE type = 'light' AND state = 'on'");
		assert.equal((await page.textContent('[data-stat="lights"] .stat-value')).trim(), lightsOn);
		assert.deepEqual(watch.foreign, [], 'nothing is fetched from elsewhere');
	});

	test('the activity list is filled from the change feed', async () => {
		await page.waitForSelector('#activity-list li.activity-item');
		const newest = Number(sqlite(home.db, 'SELECT max(seq) FROM changes'));
		const top = Number(await page.getAttribute('#activity-list li.activity-item', 'data-seq'));
		assert.equal(top, newest);
	});

	test('a light switched on in the page is on in the database', async () => {
		const id = 'living_room_light_lamp';
		assert.equal(dbDevice(home.db, id).state, 'off');
		// By keyboard: focus the switch and press Space.
		await page.focus(`${card(id)} button.switch`);
		await page.keyboard.press('Space');
		await waitDb(home.db, id, (d) => d.state === 'on', 'on');
		await waitState(page, id, 'on');
		assert.equal(await page.getAttribute(`${card(id)} button.switch`, 'aria-checked'), 'true');

		// The brightness slider, by keyboard too.
		await openMore(page, id);
		const slider = `${card(id)} input[data-prop="brightness"]`;
		await page.focus(slider);
		await page.keyboard.press('End');
		for (let i = 0; i < 3; i++)
			await page.keyboard.press('ArrowLeft');
		await waitDb(home.db, id, (d) => d.properties.brightness === 97, 'brightness 97');
		await waitFor(async () => (await page.textContent(`${card(id)} output`)).trim() === '97%',
			'the card to show 97%');

		// The activity list names the change and where it came from.
		await waitFor(() => page.$eval('#activity-list li.activity-item', (li) =>
			li.dataset.source === 'api' && /Reading lamp/.test(li.textContent)),
		'an api entry for the lamp at the top of the activity list');
	});

	test('every kind of control reaches the database', async () => {
		// Fan speed: a segmented control.
		for (const id of ['bedroom_fan', 'thermostat_main', 'living_room_blinds', 'living_room_light_main'])
			await openMore(page, id);
		await page.click(`${card('bedroom_fan')} [data-prop="speed"] button[data-value="3"]`);
		await waitDb(home.db, 'bedroom_fan', (d) => d.properties.speed === 3 && d.state === 'on', 'speed 3');
		await waitState(page, 'bedroom_fan', 'on');

		// Thermostat: target up by two, then the mode.
		const t0 = dbDevice(home.db, 'thermostat_main').properties.target_temp;
		await page.click(`${card('thermostat_main')} button[aria-label^="Raise"]`);
		await page.click(`${card('thermostat_main')} button[aria-label^="Raise"]`);
		await waitDb(home.db, 'thermostat_main', (d) => d.properties.target_temp === t0 + 2, `target ${t0 + 2}`);
		await waitFor(async () => (await page.textContent(`${card('thermostat_main')} .stepper-value`)).trim() ===
			`${t0 + 2}°F`, 'the new target on the card');
		await page.click(`${card('thermostat_main')} [data-prop="mode"] button[data-value="heat"]`);
		await waitDb(home.db, 'thermostat_main', (d) => d.properties.mode === 'heat', 'mode heat');
		await waitState(page, 'thermostat_main', 'heat');

		// Blinds: close, then half open with the slider by keyboard.
		await page.click(`${card('living_room_blinds')} button[data-action="close"]`);
		await waitDb(home.db, 'living_room_blinds', (d) => d.state === 'closed' && d.properties.position === 0, 'closed');
		await page.focus(`${card('living_room_blinds')} input[data-prop="position"]`);
		for (let i = 0; i < 5; i++)
			await page.keyboard.press('ArrowRight');
		await waitDb(home.db, 'living_room_blinds', (d) => d.properties.position === 5 && d.state === 'partial',
			'position 5');

		// Colour temperature.
		await page.focus(`${card('living_room_light_main')} input[data-prop="color_temp"]`);
		await page.keyboard.press('End');
		await waitDb(home.db, 'living_room_light_main', (d) => d.properties.color_temp === 6500, '6500 K');

		// EV charger and fish feeder.
		await page.click(`${card('outdoor_ev_charger')} button[data-action="start"]`);
		await waitDb(home.db, 'outdoor_ev_charger', (d) => d.state === 'charging', 'charging');
		await waitFor(() => page.$(`${card('outdoor_ev_charger')} button[data-action="stop"]`), 'a Stop button');
		await page.click(`${card('outdoor_ev_charger')} button[data-action="stop"]`);
		await waitDb(home.db, 'outdoor_ev_charger', (d) => d.state === 'idle', 'idle');
		const fed = dbDevice(home.db, 'kitchen_fish_feeder').properties.last_fed;
		await page.click(`${card('kitchen_fish_feeder')} button[data-action="feed"]`);
		await waitDb(home.db, 'kitchen_fish_feeder', (d) => d.properties.last_fed !== fed, 'fed');
		await waitFor(async () => /just now|s ago/.test(await page.textContent(`${card('kitchen_fish_feeder')} dd`)),
			'last fed: just now');
		// The feeder reports feeding then idle at once: the card says it
		// is feeding for a moment, in words and in its button.
		await waitFor(async () => (await page.textContent(`${card('kitchen_fish_feeder')} .card-state`)).trim() === 'Feeding',
			'the feeder\'s state to say Feeding');
		assert.match(await page.textContent(`${card('kitchen_fish_feeder')} button[data-action="feed"]`), /Feeding/);
	});

	test('a device\'s details: its history as a chart and a timeline, with sources, a text alternative and the retention', async () => {
		const id = 'living_room_light_lamp';
		const asked = [];
		const onReq = (r) => {
			const u = new URL(r.url());
			if (u.pathname === `/api/devices/${id}/history`)
				asked.push(u.searchParams);
		};
		page.on('request', onReq);
		try {
			// A click on the card (not on a control) opens it.
			await page.click(`${card(id)} .card-name`);
			await page.waitForSelector('dialog#details[open]');
			assert.equal((await page.textContent('#details-title')).trim(), 'Reading lamp');
			const fig = '#details-body figure[data-chart="brightness"]';
			await page.waitForSelector(`${fig} svg path.series`, { state: 'attached' });
			// The text alternative says what the chart shows: the lamp went to 97% in the page.
			assert.match(await page.textContent(`${fig} figcaption`), /highest 97%/);
			assert.equal(await page.getAttribute(`${fig} svg`, 'role'), 'img');
			assert.ok(await page.$eval(`${fig} svg`, (s) => document.getElementById(s.getAttribute('aria-labelledby'))));
			const states = await page.textContent('#details-body figure[data-chart="state"] figcaption');
			assert.match(states, /On from .* to now/);
			assert.ok(await page.$$eval('#details-body figure[data-chart="state"] rect', (r) => r.length) >= 1);
			// Each change says who made it: the page's own are "api".
			const srcs = await page.$$eval('#details-body .details-list li', (lis) => lis.map((li) => li.dataset.source));
			assert.ok(srcs.length >= 2 && srcs.includes('api'), JSON.stringify(srcs));
			assert.match(await page.textContent('#details-body .retention'), /keeps 90 days, at most 100,?000 changes/);
			const q = asked[asked.length - 1];
			assert.equal(Date.parse(q.get('to')) - Date.parse(q.get('from')), 24 * 3600 * 1000);
			// The last 7 days.
			await page.click('#details-range button[data-range="week"]');
			await waitFor(() => asked.length >= 2 &&
				Date.parse(asked[asked.length - 1].get('to')) - Date.parse(asked[asked.length - 1].get('from')) ===
				7 * 24 * 3600 * 1000, 'a request for 7 days');
			assert.equal(await page.getAttribute('#details-range button[data-range="week"]', 'aria-pressed'), 'true');
			// A change while it is open is drawn.
			cli(home.db, 'set', id, 'on', '--brightness', '12');
			await waitFor(async () => /last 12%/.test(await page.textContent(`${fig} figcaption`)),
				'the chart to show the new brightness');
			// Escape closes it and gives the focus back to the card.
			await page.keyboard.press('Escape');
			await page.waitForSelector('dialog#details:not([open])', { state: 'attached' });
			assert.equal(await page.evaluate(() => document.activeElement.dataset.id), id);
			// By keyboard: Enter on the focused card.
			await page.keyboard.press('Enter');
			await page.waitForSelector('dialog#details[open]');
			await page.click('#details-close');
			await page.waitForSelector('dialog#details:not([open])', { state: 'attached' });
		} finally {
			page.off('request', onReq);
		}
	});

	test('changes from the CLI and the sqlite3 shell appear without a reload', async () => {
		const marker = await page.evaluate(() => { window.__noReload = 1; return 1; });
		assert.equal(marker, 1);

		cli(home.db, 'set', 'living_room_light_main', 'off');
		await waitState(page, 'living_room_light_main', 'off');
		await waitFor(() => page.$eval('#activity-list li.activity-item', (li) => li.dataset.source === 'cli' &&
			/Living room ceiling light/.test(li.textContent)), 'a cli entry in the activity list');

		sqlite(home.db, "UPDATE devices SET state = 'on', properties = json_set(properties, " +
			"'$.brightness', 55) WHERE id = 'bathroom_light'");
		await waitState(page, 'bathroom_light', 'on');
		await waitFor(async () => (await page.textContent(`${card('bathroom_light')} output`)).trim() === '55%',
			'the bathroom light to show 55%');
		await waitFor(() => page.$eval('#activity-list li.activity-item', (li) => li.dataset.source === 'unknown'),
			'an unknown-source entry in the activity list');

		cli(home.db, 'mode', 'sleep');
		await waitFor(async () => (await page.textContent('#mode-badge')).includes('Sleep'),
			'the mode badge to say Sleep');
		assert.equal(await page.getAttribute('.mode-btn[data-mode="sleep"]', 'aria-pressed'), 'true');
		const lightsOn = sqlite(home.db, "SELECT count(*) FROM devices WHERE type = 'light' AND state = 'on'");
		await waitFor(async () =>
			(await page.textContent('[data-stat="lights"] .stat-value')).trim() === lightsOn,
		`the lights-on stat to read ${lightsOn}`);
		await assertMatchesDb(page, home.db);
		assert.equal(await page.evaluate(() => window.__noReload), 1, 'the page was not reloaded');
	});

	test('changes made through MCP appear', async (t) => {
		if (!fs.existsSync(BIN.mcp)) {
			t.skip(`${BIN.mcp} is not built: the MCP subtest needs homectl-mcp`);
			return;
		}
		const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
		const { StdioClientTransport } = await import('@modelcontextprotocol/sdk/client/stdio.js');
		const client = new Client({ name: 'homectl-web-test', version: '1.0.0' });
		const transport = new StdioClientTransport({ command: BIN.mcp,
			args: ['--stdio', '--db', home.db], stderr: 'pipe' });
		let stderr = '';
		transport.stderr.on('data', (d) => { stderr += d; });
		try {
			await client.connect(transport);
			const r = await client.callTool({ name: 'control_device',
				arguments: { action: 'on', device_id: 'kitchen_light_counter', brightness: 30 } });
			assert.ok(!r.isError, JSON.stringify(r.content));
			await waitState(page, 'kitchen_light_counter', 'on');
			await waitFor(async () =>
				(await page.textContent(`${card('kitchen_light_counter')} output`)).trim() === '30%',
			'the counter lights to show 30%');
			await waitFor(() => page.$eval('#activity-list li.activity-item', (li) => li.dataset.source === 'mcp'),
				'an mcp entry in the activity list');
			const f = await client.callTool({ name: 'set_home_mode', arguments: { mode: 'home' } });
			assert.ok(!f.isError, JSON.stringify(f.content));
			await waitFor(async () => (await page.textContent('#mode-badge')).includes('Home'),
				'the mode badge to say Home');
			await waitFor(() => page.$eval('#activity-list li.activity-item', (li) => li.dataset.source === 'mcp'),
				'an mcp entry for the mode in the activity list');
			const fish = await client.callTool({ name: 'feed_fish', arguments: {} });
			assert.ok(!fish.isError, JSON.stringify(fish.content));
			const fed = dbDevice(home.db, 'kitchen_fish_feeder').properties.last_fed;
			await page.waitForSelector(`${card('kitchen_fish_feeder')} dd[data-ts="${fed}"]`);
			await assertMatchesDb(page, home.db);
		} catch (e) {
			e.message += `\nhomectl-mcp stderr: ${stderr}`;
			throw e;
		} finally {
			await client.close();
		}
	});

	test('a server restart: Reconnecting, then Connected with fresh state', async () => {
		const seqBefore = Number(sqlite(home.db, 'SELECT max(seq) FROM changes'));
		const nHello = hellos().length;
		assert.deepEqual(await api.stop(), { code: 0, signal: null }, api.log);
		await waitFor(async () => /^(Reconnecting…|Offline)$/.test(await connText(page)),
			'the page to say Reconnecting');
		assert.ok(await page.evaluate(() => document.body.classList.contains('stale')));
		// The home changes while the server is down.
		cli(home.db, 'set', 'bedroom_blinds', 'open');
		sqlite(home.db, "DELETE FROM devices WHERE id = 'living_room_motion_sensor'");
		sqlite(home.db, "UPDATE devices SET state = 'unlocked' WHERE id = 'back_door_lock'");
		await api.start();
		await waitConnected(page);
		await waitState(page, 'bedroom_blinds', 'open');
		await page.waitForSelector(card('living_room_motion_sensor'), { state: 'detached' });
		// It resumed: the hello carried the seq it had, and got the missed changes.
		const h = hellos().slice(nHello);
		assert.ok(h.length >= 1, 'the page said hello again');
		assert.equal(h[h.length - 1].since, seqBefore);
		assert.equal(h[h.length - 1].token, home.token);
		assert.equal(startFrame().msg.type, 'changes');
		await assertMatchesDb(page, home.db);
		assert.equal(await page.evaluate(() => document.body.classList.contains('stale')), false);
		cli(home.db, 'set', 'back_door_lock', 'lock');
		await waitState(page, 'back_door_lock', 'locked');
	});

	test('a restart on an older copy of the database: the snapshot replaces everything', async () => {
		const before = await page.evaluate(() => document.querySelectorAll('article.card').length);
		assert.equal(before, 23);
		assert.deepEqual(await api.stop(), { code: 0, signal: null }, api.log);
		await waitFor(async () => /^(Reconnecting…|Offline)$/.test(await connText(page)),
			'the page to say Reconnecting');
		// The activity list's seq goes back: the page asks for changes after a seq this
		// database never reached, and must get a snapshot, not an empty resume.
		for (const f of ['homectl.db-wal', 'homectl.db-shm'])
			fs.rmSync(path.join(home.dir, f), { force: true });
		fs.copyFileSync(path.join(home.dir, 'start.db'), home.db);
		await api.start();
		await waitConnected(page);
		await page.waitForSelector(card('living_room_motion_sensor'));
		await assertMatchesDb(page, home.db);
		assert.equal(startFrame().msg.type, 'snapshot');
		const top = Number(await page.getAttribute('#activity-list li.activity-item', 'data-seq'));
		assert.equal(top, Number(sqlite(home.db, 'SELECT max(seq) FROM changes')));
	});

	test('Offline while the network is gone, Connected as soon as it is back', async () => {
		await browser.context.setOffline(true);
		try {
			assert.deepEqual(await api.stop(), { code: 0, signal: null }, api.log);
			await waitFor(async () => (await connText(page)) === 'Offline', 'the page to say Offline');
			await api.start();
		} finally {
			await browser.context.setOffline(false);
		}
		await waitConnected(page);
		await assertMatchesDb(page, home.db);
	});

	test('a switch pressed while the server is unreachable shows the true state, before and after reconnecting', async () => {
		const id = 'living_room_light_lamp';
		const sw = `${card(id)} button.switch`;
		const truth = async () => (dbDevice(home.db, id).state === 'on' ? 'true' : 'false');
		const was = await truth();
		assert.equal(await page.getAttribute(sw, 'aria-checked'), was);
		assert.deepEqual(await api.stop(), { code: 0, signal: null }, api.log);
		await waitFor(async () => /^(Reconnecting…|Offline)$/.test(await connText(page)),
			'the page to say Reconnecting');
		const errors = await page.$$eval('.toast-error', (els) => els.length);
		await page.click(sw);
		await waitFor(async () => (await page.$$eval('.toast-error', (els) => els.length)) > errors,
			'an error toast for the unsent change');
		await page.waitForSelector(`${sw}:not(.busy)`);
		assert.equal(await page.getAttribute(sw, 'aria-checked'), was, 'the switch shows the true state after the error');
		for (const b of await page.$$('.toast-error .toast-close'))
			await b.click();
		await api.start();
		await waitConnected(page);
		assert.equal(await truth(), was, 'nothing was changed');
		assert.equal(await page.getAttribute(sw, 'aria-checked'), was, 'and after reconnecting');
		// It still works once the server is back.
		await page.click(sw);
		await waitFor(async () => (await truth()) !== was, 'the lamp to change in the database');
		await waitFor(async () => (await page.getAttribute(sw, 'aria-checked')) === await truth(),
			'the switch to follow the database');
	});

	test('a REST reply does not set a card: the state comes from the change feed alone', async () => {
		const id = 'bedroom_light_main';
		const was = dbDevice(home.db, id).state;
		const fake = was === 'on' ? 'off' : 'on';
		let hit = 0;
		// The server "answers" with a device in the future; nothing is changed.
		await page.route('**/api/devices/*/actions', (route) => {
			hit++;
			route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({
				devices: [{ id, name: 'Bedroom light', type: 'light', room: 'bedroom', state: fake,
					properties: { brightness: 1 }, updated_at: '2999-01-01T00:00:00.000Z' }] }) });
		});
		try {
			await page.click(`${card(id)} button.switch`);
			await waitFor(() => hit > 0, 'the faked reply');
			await page.waitForSelector(`${card(id)} button.switch:not(.busy)`);
		} finally {
			await page.unroute('**/api/devices/*/actions');
		}
		// A later change through the feed arrives, the faked one never did.
		cli(home.db, 'set', 'kitchen_light_main', 'toggle');
		const k = dbDevice(home.db, 'kitchen_light_main').state;
		await waitState(page, 'kitchen_light_main', k);
		assert.equal(await page.getAttribute(card(id), 'data-state'), was);
		assert.equal(await page.getAttribute(`${card(id)} button.switch`, 'aria-checked'), was === 'on' ? 'true' : 'false');
		assert.equal(requests.filter((u) => u.startsWith('/api/stats')).length, 0,
			'the stats are counted from the feed, never asked for');
	});

	test('two pages stay in sync', async () => {
		const page2 = await browser.context.newPage();
		try {
			// A card element of the first page, to see that it is not rebuilt.
			await page.evaluate(() => { document.querySelector('article.card').__kept = true; });
			await page2.goto(api.base);	// the token is remembered
			await waitConnected(page2);
			// A sign-in link with the same token in a second tab leaves the first alone.
			await page2.goto(`${api.base}/#token=${home.token}`);
			await waitConnected(page2);
			assert.equal(await page.evaluate(() => document.querySelector('article.card').__kept), true,
				'the first page kept its dashboard');
			assert.equal(await connText(page), 'Connected');
			await assertMatchesDb(page2, home.db);
			const id = 'kitchen_light_main';
			const was = dbDevice(home.db, id).state;
			const want = was === 'on' ? 'off' : 'on';
			await page.click(`${card(id)} button.switch`);
			await waitState(page2, id, want);
			await waitDb(home.db, id, (d) => d.state === want, want);
			await page2.click('.mode-btn[data-mode="away"]');
			await waitFor(async () => (await page.textContent('#mode-badge')).includes('Away'),
				'the first page to show Away');
			assert.equal(sqlite(home.db, 'SELECT mode FROM home'), 'away');
			await assertMatchesDb(page, home.db);
			await assertMatchesDb(page2, home.db);
		} finally {
			await page2.close();
		}
	});

	test('unlocking and opening the garage ask for confirmation first', async () => {
		const lock = 'front_door_lock';
		assert.equal(dbDevice(home.db, lock).state, 'locked');
		await page.click(`${card(lock)} button[data-action="unlock"]`);
		await page.waitForSelector('dialog#confirm[open]');
		assert.match(await page.textContent('#confirm-title'), /Front door/);
		await page.click('dialog#confirm button[value="cancel"]');
		await page.waitForSelector('dialog#confirm:not([open])', { state: 'attached' });
		// Cancelled: nothing was sent. Lock the other door and see only that change.
		await page.click(`${card('back_door_lock')} button[data-action="unlock"]`);
		await page.click('dialog#confirm button[value="ok"]');
		await waitDb(home.db, 'back_door_lock', (d) => d.state === 'unlocked', 'unlocked');
		assert.equal(dbDevice(home.db, lock).state, 'locked', 'the cancelled unlock was not sent');

		await page.click(`${card(lock)} button[data-action="unlock"]`);
		await page.click('dialog#confirm button[value="ok"]');
		await waitDb(home.db, lock, (d) => d.state === 'unlocked', 'unlocked');
		await waitState(page, lock, 'unlocked');
		// Locking again needs no confirmation.
		await page.click(`${card(lock)} button[data-action="lock"]`);
		await waitDb(home.db, lock, (d) => d.state === 'locked', 'locked');
		assert.equal(await page.$('dialog#confirm[open]'), null);

		await page.click(`${card('garage_door')} button[data-action="open"]`);
		await page.waitForSelector('dialog#confirm[open]');
		assert.match(await page.textContent('#confirm-title'), /Garage/);
		await page.click('dialog#confirm button[value="ok"]');
		await waitDb(home.db, 'garage_door', (d) => d.state === 'open', 'open');
		await waitFor(async () => (await page.textContent('[data-stat="garage"] .stat-value')).trim() === 'Open',
			'the garage stat to say Open');
		await page.click(`${card('garage_door')} button[data-action="close"]`);
		await waitDb(home.db, 'garage_door', (d) => d.state === 'closed', 'closed');
	});

	test('an invalid value shows the server\'s message', async () => {
		const id = 'outdoor_sprinkler_front_yard';
		await openMore(page, id);
		await page.fill(`${card(id)} input.duration`, '500');
		await page.click(`${card(id)} button[data-action="on"]`);
		const toast = await page.waitForSelector('.toast-error');
		assert.match(await toast.textContent(), /duration/i);
		assert.equal(dbDevice(home.db, id).state, 'off');
		await page.fill(`${card(id)} input.duration`, '5');
		await page.click(`${card(id)} button[data-action="on"]`);
		await waitDb(home.db, id, (d) => d.state === 'on' && d.properties.duration === 5, 'watering 5 min');
		await page.click(`${card(id)} button[data-action="off"]`);
		await waitDb(home.db, id, (d) => d.state === 'off', 'off');
	});

	test('automations: the panel shows them and their runs, the activity says which ran, the switch turns one off', async (t) => {
		const bin = path.join(path.dirname(BIN.cli), 'homectl-automations');
		if (!fs.existsSync(bin)) {
			t.skip(`${bin} is missing`);
			return;
		}
		const add = (name, doc) => {
			const f = path.join(home.dir, `${name}.json`);
			fs.writeFileSync(f, JSON.stringify(doc));
			cli(home.db, 'automation', 'add', f);
		};
		add('fan', { name: 'fan with the counter lights',
			triggers: [{ device: 'kitchen_light_counter', to: 'on' }],
			actions: [{ device: 'bathroom_fan', action: 'on' }] });
		add('yearly', { name: 'new year', triggers: [{ at: 'yearly' }],
			actions: [{ device: 'garage_door', action: 'close' }] });
		const proc = spawn(bin, ['--db', home.db, '--config', '/dev/null'], { stdio: ['ignore', 'ignore', 'pipe'] });
		let log = '';
		proc.stderr.on('data', (d) => { log += d; });
		try {
			await waitFor(() => /running 2 automations/.test(log), 'homectl-automations to start');
			cli(home.db, 'set', 'kitchen_light_counter', 'off');
			cli(home.db, 'set', 'kitchen_light_counter', 'on');
			await waitFor(() => page.$$eval('#activity-list li.activity-item', (lis) => lis.some((li) =>
				li.dataset.source === 'automation' && /Automation: fan with the counter lights/.test(li.textContent))),
			'an automation entry in the activity list, with its name');
			const li = (name) => `li.automation[data-name="${name}"]`;
			await page.waitForSelector(`${li('fan with the counter lights')} .outcome-done`, { timeout: 15000 });
			await page.waitForSelector(`${li('new year')} .automation-next time`);
			assert.match(await page.textContent(`${li('new year')} .automation-last`), /never run/);
			// Its runs, opened: what started it and each action's result.
			await page.click(`${li('fan with the counter lights')} summary`);
			await page.waitForSelector(`${li('fan with the counter lights')} .run.outcome-done`);
			const run = await page.textContent(`${li('fan with the counter lights')} .run`);
			assert.match(run, /kitchen_light_counter/);
			assert.match(run, /1 of 1 actions ok/);
			await page.click(`${li('new year')} input[type="checkbox"]`);
			await waitFor(() => sqlite(home.db,
				"SELECT json_extract(document, '$.enabled') FROM automations WHERE name = 'new year'") === '0',
			'the switch to disable the automation in the database');
			await page.waitForSelector(`${li('new year')}[data-enabled="false"]`);
			assert.equal(await page.$(`${li('new year')} .automation-next`), null, 'no next run when off');
			// Turning on one that would unlock a door asks the person first
			// (written by the sqlite3 shell: nobody's yes yet).
			sqlite(home.db, `INSERT INTO automations(name, document) VALUES ('let in', json('{"name":"let in",
				"enabled":false,"mode":"single","persistent":false,"triggers":[{"device":"garage_door","to":"open"}],
				"conditions":[],"actions":[{"device":"back_door_lock","action":"unlock"}]}'))`);
			await page.reload();
			await page.waitForSelector(`${li('let in')}[data-enabled="false"]`);
			await page.click(`${li('let in')} input[type="checkbox"]`);
			await page.waitForSelector('dialog#confirm[open]');
			assert.match(await page.textContent('#confirm-title'), /let in/);
			await page.click('dialog#confirm button[value="cancel"]');
			await page.waitForSelector(`${li('let in')} input[type="checkbox"]:not(:checked)`);
			assert.equal(sqlite(home.db, "SELECT json_extract(document, '$.enabled') FROM automations WHERE name = 'let in'"), '0');
			await page.click(`${li('let in')} input[type="checkbox"]`);
			await page.waitForSelector('dialog#confirm[open]');
			await page.click('dialog#confirm button[value="ok"]');
			await waitFor(() => sqlite(home.db,
				"SELECT json_extract(document, '$.enabled') FROM automations WHERE name = 'let in'") === '1',
			'the yes to turn it on');
			assert.match(sqlite(home.db, "SELECT consent FROM automations WHERE name = 'let in'"), /back_door_lock/);
		} finally {
			proc.kill('SIGTERM');
		}
	});

	test('the search finds devices by name, room or type as you type; the type filter narrows it', async () => {
		const visible = () => page.$$eval('article.card', (els) =>
			els.filter((e) => e.offsetParent !== null).map((e) => e.dataset.id).sort());
		const ids = (where) => sqlite(home.db, `SELECT id FROM devices WHERE ${where} ORDER BY id`).split('\n');
		// A room, one key at a time.
		await page.focus('#search');
		await page.keyboard.type('kitch');
		await waitFor(async () => JSON.stringify(await visible()) ===
			JSON.stringify(ids("room = 'kitchen' OR name LIKE '%kitch%'")), 'the kitchen devices');
		await page.selectOption('#filter-type', 'light');
		assert.deepEqual(await visible(), ids("(room = 'kitchen' OR name LIKE '%kitch%') AND type = 'light'"));
		await page.selectOption('#filter-type', '');
		// A name, and a type by its label.
		await page.fill('#search', 'reading lamp');
		assert.deepEqual(await visible(), ['living_room_light_lamp']);
		await page.fill('#search', 'door lock');
		assert.deepEqual(await visible(), ids("type = 'lock'"));
		// A room with nothing found is hidden, and so is its link in the jump bar.
		assert.equal(await page.isVisible('section.room[data-room="kitchen"]'), false);
		assert.equal(await page.isVisible('#jump-list a[data-target="room-kitchen"]'), false);
		await page.fill('#search', 'no such thing');
		assert.deepEqual(await visible(), []);
		assert.match(await page.textContent('#devices-empty'), /No device matches/);
		await page.fill('#search', '');
		assert.equal((await visible()).length, Number(sqlite(home.db, 'SELECT count(*) FROM devices')));
	});

	test('favourites are pinned on top and remembered in this browser', async () => {
		const id = 'bathroom_fan';
		await openMore(page, id);
		await page.click(`${card(id)} button.fav`);
		await page.waitForSelector(`section.room[data-room="_fav"] ${card(id)}`);
		assert.equal(await page.getAttribute(`${card(id)} button.fav`, 'aria-pressed'), 'true');
		const first = await page.$eval('#devices section.room:not([hidden])', (s) => s.dataset.room);
		assert.equal(first, '_fav', 'the favourites come first');
		assert.deepEqual(JSON.parse(await page.evaluate(() => localStorage.getItem('homectl.favourites'))), [id]);
		await page.reload();
		await waitConnected(page);
		await page.waitForSelector(`section.room[data-room="_fav"] ${card(id)}`);
		await openMore(page, id);
		await page.click(`${card(id)} button.fav`);
		await page.waitForSelector(`section.room[data-room="bathroom"] ${card(id)}`);
		assert.equal(await page.$('section.room[data-room="_fav"]'), null);
	});

	test('the jump bar scrolls to a room and stays in reach; one card per device is a row', async () => {
		await page.evaluate(() => scrollTo(0, 0));
		await page.click('#jump-list a[data-target="room-bathroom"]');
		// Scrolled to it, and not hidden under the sticky bar.
		await waitFor(() => page.evaluate(() => {
			const r = document.getElementById('room-bathroom').getBoundingClientRect();
			const bar = document.getElementById('toolbar').getBoundingClientRect();
			return scrollY > 0 && r.top >= bar.bottom - 1 && r.top < innerHeight - 60;
		}), 'the bathroom in view, not under the bar');
		assert.ok(await page.$eval('#jump-list', (el) => {
			const r = el.getBoundingClientRect();
			return r.top >= 0 && r.bottom <= innerHeight;
		}), 'the jump bar is still on screen');
		assert.equal(await page.evaluate(() => document.activeElement.id), 'room-bathroom');
		// A light is one row: its head is the whole card.
		const [headH, cardH] = await page.$eval(card('bathroom_light'), (c) =>
			[c.querySelector('.card-head').offsetHeight, c.offsetHeight]);
		assert.ok(cardH - headH <= 20, `a light card is ${cardH}px for a ${headH}px row`);
		await page.evaluate(() => scrollTo(0, 0));
	});

	test('density: demo devices fully visible without scrolling, desktop and phone', async () => {
		const p = await browser.context.newPage();
		const counted = {};
		try {
			for (const [name, width, height, min] of [['desktop', 1280, 800, 16], ['phone', 390, 844, 8]]) {
				await p.setViewportSize({ width, height });
				await p.goto(api.base);
				await waitConnected(p);
				await p.waitForSelector('article.card');
				counted[name] = await p.$$eval('article.card', (els) => els.filter((e) => {
					const r = e.getBoundingClientRect();
					return r.height > 0 && r.top >= 0 && r.bottom <= innerHeight && r.left >= 0 && r.right <= innerWidth;
				}).length);
				assert.ok(counted[name] >= min, `${name} ${width}x${height}: ${counted[name]} devices in view, want ${min}`);
			}
		} finally {
			await p.close();
		}
		console.log(`# devices in view without scrolling: desktop 1280x800 ${counted.desktop}, phone 390x844 ${counted.phone}`);
	});

	test('the logbook: filtered by room, device and source, and paged back', async () => {
		const items = () => page.$$eval('#activity-list li.activity-item', (lis) =>
			lis.map((li) => ({ seq: Number(li.dataset.seq), source: li.dataset.source, room: li.dataset.room,
				device: li.dataset.device })));
		const all = await items();
		assert.ok(all.length >= 20, `${all.length} entries`);
		await page.selectOption('#log-source', 'cli');
		let got = await items();
		assert.ok(got.length > 0 && got.every((e) => e.source === 'cli'), JSON.stringify(got.slice(0, 3)));
		await page.selectOption('#log-source', '');
		await page.selectOption('#log-room', 'kitchen');
		got = await items();
		assert.ok(got.length > 0 && got.every((e) => e.room === 'kitchen'));
		// The device list follows the room.
		const devs = await page.$$eval('#log-device option', (os) => os.map((o) => o.value).filter(Boolean));
		assert.deepEqual(devs.sort(), sqlite(home.db, "SELECT id FROM devices WHERE room = 'kitchen' ORDER BY id").split('\n'));
		await page.selectOption('#log-device', 'kitchen_light_main');
		got = await items();
		assert.ok(got.length > 0 && got.every((e) => e.device === 'kitchen_light_main'));
		await page.selectOption('#log-room', '');
		await page.selectOption('#log-device', '');
		// A page back: older entries below, none twice.
		const before = await items();
		const min = Math.min(...before.map((e) => e.seq));
		await page.click('#activity-older');
		await waitFor(async () => Math.min(...(await items()).map((e) => e.seq)) < min, 'older entries');
		const after = await items();
		assert.equal(new Set(after.map((e) => e.seq)).size, after.length);
		assert.ok(after.length > before.length);
		// One tap from anywhere: the jump bar's Activity link.
		await page.click('#jump-list a[data-target="activity"]');
		await waitFor(() => page.evaluate(() => document.activeElement.id === 'activity'), 'the activity focused');
		await page.evaluate(() => scrollTo(0, 0));
	});

	test('notifications: a door left unlocked, the garage left open; each rule can be turned off', async () => {
		const alert = (k) => `#alerts-list li[data-alert="${k}"]`;
		await page.click('#alerts summary');
		cli(home.db, 'set', 'back_door_lock', 'lock');
		await waitState(page, 'back_door_lock', 'locked');
		// "Left for 0 minutes": at once, so the test does not wait ten.
		await page.fill('#alert-after', '0');
		await page.press('#alert-after', 'Tab');
		const toasts = await page.$$eval('.toast-warn', (t) => t.length);
		sqlite(home.db, "UPDATE devices SET state = 'unlocked' WHERE id = 'back_door_lock'");
		await page.waitForSelector(alert('door:back_door_lock'));
		assert.match(await page.textContent(alert('door:back_door_lock')), /Back door is unlocked/);
		await waitFor(async () => (await page.$$eval('.toast-warn', (t) => t.length)) > toasts, 'a toast when it starts');
		assert.equal((await page.textContent('#alerts-count')).trim(), '1');
		// Turned off: gone, and remembered.
		await page.uncheck('#alert-rule-door');
		await page.waitForSelector(alert('door:back_door_lock'), { state: 'detached' });
		assert.equal(JSON.parse(await page.evaluate(() => localStorage.getItem('homectl.notify'))).on.door, false);
		await page.check('#alert-rule-door');
		await page.waitForSelector(alert('door:back_door_lock'));
		cli(home.db, 'set', 'back_door_lock', 'lock');
		await page.waitForSelector(alert('door:back_door_lock'), { state: 'detached' });
		// The garage.
		sqlite(home.db, "UPDATE devices SET state = 'open', properties = json_set(properties, '$.position', 100) WHERE id = 'garage_door'");
		await page.waitForSelector(alert('garage:garage_door'));
		cli(home.db, 'set', 'garage_door', 'close');
		await page.waitForSelector(alert('garage:garage_door'), { state: 'detached' });
		assert.ok(await page.isVisible('#alerts-empty'));
		await page.fill('#alert-after', '10');
		await page.press('#alert-after', 'Tab');
	});

	test('screenshots at desktop and phone sizes, light and dark', async () => {
		fs.mkdirSync(SCREENSHOTS, { recursive: true });
		const shot = await browser.context.newPage();
		const bg = {};
		try {
			for (const [name, width, height] of [['desktop', 1280, 800], ['phone', 390, 844]]) {
				for (const scheme of ['light', 'dark']) {
					await shot.setViewportSize({ width, height });
					await shot.emulateMedia({ colorScheme: scheme });
					await shot.goto(api.base);
					await waitConnected(shot);
					await shot.waitForSelector('#activity-list li.activity-item');
					bg[scheme] = await shot.evaluate(() => getComputedStyle(document.body).backgroundColor);
					const overflow = await shot.evaluate(() =>
						document.documentElement.scrollWidth - document.documentElement.clientWidth);
					assert.ok(overflow <= 0, `${name} ${scheme}: the page is ${overflow}px too wide`);
					await shot.screenshot({ path: path.join(SCREENSHOTS, `${name}-${scheme}.png`) });
					// make screenshots: the README's pictures, from this very run.
					if (process.env.HOMECTL_README_SHOTS)
						fs.copyFileSync(path.join(SCREENSHOTS, `${name}-${scheme}.png`),
							path.join(process.env.HOMECTL_README_SHOTS, `${name}-${scheme}.png`));
					await shot.screenshot({ path: path.join(SCREENSHOTS, `${name}-${scheme}-full.png`),
						fullPage: true });
				}
			}
		} finally {
			await shot.close();
		}
		assert.notEqual(bg.light, bg.dark, 'light and dark schemes differ');
	});

	test('confirm = all: the dashboard asks when the server says so, for a device and for a mode', async () => {
		const conf = fs.readFileSync(api.conf, 'utf8');
		assert.deepEqual(await api.stop(), { code: 0, signal: null }, api.log);
		fs.writeFileSync(api.conf, `${conf}confirm = all\n`);
		try {
			await api.start();
			await waitConnected(page);
			const mode = sqlite(home.db, 'SELECT mode FROM home') === 'sleep' ? 'home' : 'sleep';
			const was = sqlite(home.db, 'SELECT mode FROM home');
			await page.click(`.mode-btn[data-mode="${mode}"]`);
			await page.waitForSelector('dialog#confirm[open]');
			await page.click('dialog#confirm button[value="cancel"]');
			await page.waitForSelector('dialog#confirm:not([open])', { state: 'attached' });
			assert.equal(sqlite(home.db, 'SELECT mode FROM home'), was, 'the cancelled mode was not set');
			await page.click(`.mode-btn[data-mode="${mode}"]`);
			await page.click('dialog#confirm button[value="ok"]');
			await waitFor(async () => sqlite(home.db, 'SELECT mode FROM home') === mode, `the mode ${mode}`);

			const id = 'kitchen_light_main';
			const want = dbDevice(home.db, id).state === 'on' ? 'off' : 'on';
			await page.click(`${card(id)} button.switch`);
			await page.waitForSelector('dialog#confirm[open]');
			await page.click('dialog#confirm button[value="ok"]');
			await waitDb(home.db, id, (d) => d.state === want, want);
		} finally {
			assert.deepEqual(await api.stop(), { code: 0, signal: null }, api.log);
			fs.writeFileSync(api.conf, conf);
			await api.start();
			await waitConnected(page);
		}
	});

	test('installable: a manifest, and offline the shell from the service worker with the last state, marked stale', async () => {
		const m = await (await fetch(`${api.base}/manifest.webmanifest`)).json();
		assert.equal(m.name, 'homectl');
		assert.equal(m.display, 'standalone');
		assert.ok(m.icons.length >= 1);
		assert.equal(await page.getAttribute('link[rel="manifest"]', 'href'), 'manifest.webmanifest');
		// It claims the open page as soon as it is active.
		await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
		await waitFor(() => page.evaluate(() => Boolean(navigator.serviceWorker.controller)),
			'the service worker to control the page');
		await waitConnected(page);
		const id = 'kitchen_light_main';
		const state = dbDevice(home.db, id).state;
		await waitState(page, id, state);
		// The last state is written (at most once a second) with the lamp as it is.
		await waitFor(() => page.evaluate(([i, st]) => {
			const last = JSON.parse(localStorage.getItem('homectl.last') || 'null');
			return Boolean(last && last.snapshot.devices.some((d) => d.id === i && d.state === st));
		}, [id, state]), 'the last state in the browser');
		assert.deepEqual(await api.stop(), { code: 0, signal: null }, api.log);
		try {
			await page.reload();
			await waitState(page, id, state);
			assert.ok(await page.evaluate(() => document.body.classList.contains('stale')));
			assert.equal(await page.isVisible('#stale-note'), true);
		} finally {
			await api.start();
		}
		await waitConnected(page);
		assert.equal(await page.evaluate(() => document.body.classList.contains('stale')), false);
		await assertMatchesDb(page, home.db);
	});

	test('a revoked token gets a clear message and the sign-in form', async () => {
		cli(home.db, 'token', 'revoke', 'test');
		// homectl-api sees the revocation (a commit like any other) and ends
		// the page's WebSocket with 4401: the sign-in form comes by itself,
		// without a request of the page's.
		await page.waitForSelector('#login-view:not([hidden])');
		assert.match(await page.textContent('#login-msg'), /revoked/);
		assert.equal(await page.evaluate(() => localStorage.getItem('homectl.token')), null);

		// A fresh page with the revoked token in its fragment is refused too.
		const p2 = await browser.context.newPage();
		try {
			await p2.goto(`${api.base}/#token=${home.token}`);
			await p2.waitForSelector('#login-view:not([hidden])');
			assert.match(await p2.textContent('#login-msg'), /not accepted|revoked/);
		} finally {
			await p2.close();
		}

		// Signing in through the form with a new token works.
		const fresh = newToken(home.db, 'test2');
		await page.fill('#token-input', fresh);
		await page.click('#login-form button[type="submit"]');
		await waitConnected(page);
		await assertMatchesDb(page, home.db);
		assert.deepEqual(watch.errors, [], 'no script errors');
		assert.deepEqual(watch.foreign, [], 'nothing is fetched from elsewhere');
	});
});
