// SPDX-License-Identifier: MIT
// confirm.test.mjs -- `confirm = all` in homectl.conf: every REST write
// (one device, bulk, the mode) answers 403 confirmation_required without
// "confirm": true and changes nothing; with it, each goes ahead; reads never
// ask.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeHome, startApi, api, sqlite } from './helpers.mjs';

let home, d;
before(async () => {
	home = makeHome();
	writeFileSync(join(home.dir, 'all.conf'), 'confirm = all\n');
	d = await startApi(home, ['--config', join(home.dir, 'all.conf')]);
});
after(async () => {
	await d.stop();
	home.cleanup();
});

// Everything a refused write must leave alone: devices, mode and feed.
const digest = () => sqlite(home, "SELECT group_concat(id || state || properties, ';') FROM devices;" +
	"SELECT mode FROM home; SELECT max(seq) FROM changes");

const writes = [
	['POST', '/api/devices/kitchen_light_main/actions', { action: 'toggle' }],
	['POST', '/api/actions', { action: 'off', room: 'kitchen' }],
	['PUT', '/api/mode', { mode: 'away' }],
];

test('confirm = all: every write needs "confirm": true, and a refused one changes nothing', async () => {
	const before = digest();
	for (const [method, path, body] of writes) {
		const r = await api(d, path, { method, body });
		assert.equal(r.status, 403, `${method} ${path}: ${r.text}`);
		assert.equal(r.json.error.code, 'confirmation_required');
		assert.match(r.json.error.message, /confirm/);
		assert.doesNotMatch(r.json.error.message, /list_|set_home_mode|control_device/);
	}
	assert.equal(digest(), before);
	for (const [method, path, body] of writes) {
		const r = await api(d, path, { method, body: { ...body, confirm: true } });
		assert.equal(r.status, 200, `${method} ${path}: ${r.text}`);
	}
	assert.equal((await api(d, '/api/mode')).json.mode, 'away');
	assert.notEqual(digest(), before);
});

test('confirm = all: reads never ask, and mistakes are mistakes before anything is asked', async () => {
	for (const p of ['/api/devices', '/api/mode', '/api/stats', '/api/changes'])
		assert.equal((await api(d, p)).status, 200, p);
	const r = await api(d, '/api/mode', { method: 'PUT', body: { mode: 'party' } });
	assert.equal(r.status, 404, r.text);
	const v = await api(d, '/api/devices/kitchen_light_main/actions', { method: 'POST', body: { action: 'fly' } });
	assert.equal(v.status, 422, v.text);
	const c = await api(d, '/api/mode', { method: 'PUT', body: { mode: 'home', confirm: 'yes' } });
	assert.equal(c.status, 400, c.text);
});
