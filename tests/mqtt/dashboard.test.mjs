// SPDX-License-Identifier: MIT
// dashboard.test.mjs -- real devices on the dashboard (Debian's chromium):
// a Zigbee light the fake reports on, a command that stays pending on a
// device that never answers, a device that goes offline.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startBroker } from './broker.mjs';
import { makeHome, startMqttd, sqlite, until } from './helpers.mjs';
import { startApi } from '../api/helpers.mjs';
import { launchBrowser, WEB_ROOT, SCREENSHOTS, CHROMIUM } from '../web/harness.mjs';
import { FakeZ2M } from '../fakes/z2m.mjs';

const card = (id) => `article.card[data-id="${id}"]`;
let broker, home, z2m, mqttd, apid, browser, page;

before(async () => {
	broker = await startBroker();
	// A long timeout: the pending state must stay on screen while we look.
	home = makeHome('command_timeout_ms = 20000\n');
	z2m = await new FakeZ2M({ url: broker.url, delayMs: 40 }).start();
	mqttd = await startMqttd(home, broker);
	apid = await startApi(home, ['--config', home.conf, '--web-root', WEB_ROOT]);
	await until(() => sqlite(home, "SELECT available FROM bindings WHERE device_id = 'hall_lamp'") === 'online',
		15000, 'hall_lamp online');
	browser = await launchBrowser();
	page = await browser.context.newPage();
	await page.goto(`${apid.base}/#token=${home.token}`);
	await page.waitForSelector(card('hall_lamp'), { timeout: 15000 });
});

after(async () => {
	await browser?.close();
	await apid?.stop();
	await mqttd?.stop();
	await z2m?.stop();
	await broker?.close();
	home?.cleanup();
});

test('a wall press on a Zigbee light reaches the dashboard', { skip: !fs.existsSync(CHROMIUM) }, async () => {
	await z2m.press('Hall Lamp', { state: 'ON', brightness: 127 });
	await page.waitForSelector(`${card('hall_lamp')}[data-state="on"]`, { timeout: 15000 });
});

test('a command the device has not confirmed is shown pending; an offline device as offline', { skip: !fs.existsSync(CHROMIUM) }, async () => {
	// The silent bulb never answers: its card says it waits for it.
	const call = fetch(`${apid.base}/api/devices/silent_bulb/actions`, { method: 'POST',
		headers: { Authorization: `Bearer ${home.token}`, 'Content-Type': 'application/json' },
		body: JSON.stringify({ action: 'on' }) });
	await page.waitForSelector(`${card('silent_bulb')}.pending`, { timeout: 15000 });
	const text = await page.textContent(`${card('silent_bulb')} .card-status`);
	assert.match(text, /waiting for the device/);
	assert.equal(await page.getAttribute(card('silent_bulb'), 'data-state'), 'off',
		'the card shows what the device reported, not what was asked');
	// Offline.
	await z2m.setAvailability('Desk Plug', false);
	await page.waitForSelector(`${card('desk_plug')}[data-available="offline"]`, { timeout: 15000 });
	assert.match(await page.textContent(`${card('desk_plug')} .card-status`), /offline/);
	fs.mkdirSync(SCREENSHOTS, { recursive: true });
	await page.screenshot({ path: path.join(SCREENSHOTS, 'real-devices.png'), fullPage: true });
	// The pending call ends with the device's silence (after the timeout).
	const res = await call;
	assert.equal(res.status, 504);
	await page.waitForSelector(`${card('silent_bulb')}:not(.pending)`, { timeout: 15000 });
});
