// SPDX-License-Identifier: MIT
// history.test.mjs -- GET /api/devices/{id}/history against the real daemon:
// a device's changes between two times, the state at the start, the
// server's downsampling, the feed's retention, and the bad requests (each
// changes nothing).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeHome, startApi, api, sqlite } from './helpers.mjs';

const ID = 'living_room_temperature_sensor';
const T0 = Date.parse('2026-01-01T00:00:00Z');
const HOUR = 3600 * 1000;
const iso = (ms) => new Date(ms).toISOString();
const VALUES = [60, 61, 63, 62, 65, 70, 71, 69, 66, 64];
let home, d;

before(async () => {
	home = makeHome();
	// Ten readings by a foreign writer, then their times set to one an hour
	// from T0 (the feed is the only record of them).
	const first = Number(sqlite(home, 'SELECT max(seq) FROM changes').trim()) + 1;
	for (const v of VALUES)
		sqlite(home, `UPDATE devices SET properties = json_set(properties, '$.value', ${v}) WHERE id = '${ID}'`);
	VALUES.forEach((_, i) => sqlite(home,
		`UPDATE changes SET at = '${iso(T0 + i * HOUR)}' WHERE seq = ${first + i} AND device_id = '${ID}'`));
	d = await startApi(home);
});
after(async () => {
	await d.stop();
	home.cleanup();
});

const url = (q) => `/api/devices/${ID}/history?${new URLSearchParams(q)}`;
const values = (h) => h.changes.map((c) => c.properties.value);

test('every change of the device in the span, oldest first, with its source', async () => {
	const r = await api(d, url({ from: iso(T0), to: iso(T0 + 24 * HOUR) }));
	assert.equal(r.status, 200, r.text);
	const h = r.json;
	assert.equal(h.device_id, ID);
	assert.equal(h.from, '2026-01-01T00:00:00.000Z');
	assert.equal(h.to, '2026-01-02T00:00:00.000Z');
	assert.deepEqual(values(h), VALUES);
	assert.equal(h.count, VALUES.length);
	assert.equal(h.downsampled, false);
	assert.equal(h.start, null, 'nothing before the first reading');
	for (const c of h.changes) {
		assert.equal(c.source, 'unknown');
		assert.equal(c.state, 'active');
		assert.equal(typeof c.seq, 'number');
	}
	assert.deepEqual(h.changes.map((c) => c.at), VALUES.map((_, i) => iso(T0 + i * HOUR)));
	// The feed's retention as configured (the defaults here).
	assert.deepEqual(h.retention, { max_rows: 100000, max_age_days: 90 });
	assert.equal(h.oldest_at.length, 24);
});

test('the state at from is the last change before it', async () => {
	const h = (await api(d, url({ from: iso(T0 + 1.5 * HOUR), to: iso(T0 + 5 * HOUR) }))).json;
	assert.equal(h.start.properties.value, VALUES[1]);
	assert.equal(h.start.at, iso(T0 + HOUR));
	assert.deepEqual(values(h), VALUES.slice(2, 5), 'to is not included');
});

test('more changes than points: the last of each equal slice', async () => {
	const h = (await api(d, url({ from: iso(T0), to: iso(T0 + 24 * HOUR), points: 3 }))).json;
	assert.equal(h.downsampled, true);
	assert.equal(h.count, VALUES.length);
	// Slices of 8 hours: readings 0-7 end with 69, readings 8-9 with 64.
	assert.deepEqual(values(h), [VALUES[7], VALUES[9]]);
	const one = (await api(d, url({ from: iso(T0), to: iso(T0 + 24 * HOUR), points: 1 }))).json;
	assert.deepEqual(values(one), [VALUES[9]]);
});

test('without from and to: the last 24 hours', async () => {
	const h = (await api(d, `/api/devices/${ID}/history`)).json;
	const span = Date.parse(h.to) - Date.parse(h.from);
	assert.equal(span, 24 * HOUR);
	assert.ok(Math.abs(Date.parse(h.to) - Date.now()) < 60000);
	assert.deepEqual(h.changes, [], 'the readings of January are older');
	assert.equal(h.start.properties.value, VALUES[9], 'but the state at from is the last of them');
});

test('bad requests are refused with a reason and change nothing', async () => {
	const seq = sqlite(home, 'SELECT max(seq) FROM changes');
	const cases = [
		[url({ from: '2026-13-01T00:00:00Z' }), 422, 'invalid_value', /from must be a UTC time/],
		[url({ to: 'yesterday' }), 422, 'invalid_value', /to must be a UTC time/],
		[url({ from: '2026-01-01T00:00:00+01:00' }), 422, 'invalid_value', /UTC/],
		[url({ from: iso(T0 + HOUR), to: iso(T0) }), 422, 'invalid_value', /before to/],
		[url({ points: 0 }), 400, 'bad_request', /points/],
		[url({ points: 2001 }), 400, 'bad_request', /points/],
		['/api/devices/no_such_device/history', 404, 'not_found', /unknown device/],
	];
	for (const [u, status, code, msg] of cases) {
		const r = await api(d, u);
		assert.equal(r.status, status, `${u}: ${r.text}`);
		assert.equal(r.json.error.code, code);
		assert.match(r.json.error.message, msg);
	}
	assert.equal((await api(d, url({}), { auth: false })).status, 401);
	assert.equal(sqlite(home, 'SELECT max(seq) FROM changes'), seq);
});
