// SPDX-License-Identifier: MIT
// store.test.mjs -- the dashboard's state rules and formatting, run in node
// (these modules touch no DOM): a snapshot replaces everything, changes
// apply in seq order, a stale or repeated change is ignored.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../../web/js/store.js';
import { normalizeTypes, stateLabel } from '../../web/js/model.js';
import { propValue, relTime } from '../../web/js/format.js';

const dev = (id, state, extra = {}) => ({ id, name: id, type: 'light', room: 'r', state,
	properties: {}, updated_at: '2026-01-01T00:00:00.000Z', ...extra });

test('a snapshot replaces all state, even with a lower seq', () => {
	const s = new Store();
	s.snapshot({ seq: 50, mode: 'home', devices: [dev('a', 'on'), dev('b', 'off')], rooms: [] });
	assert.equal(s.devices.size, 2);
	s.snapshot({ seq: 7, mode: 'away', devices: [dev('c', 'on')], rooms: [{ id: 'r', name: 'R' }] });
	assert.deepEqual([...s.devices.keys()], ['c']);
	assert.equal(s.seq, 7);
	assert.equal(s.mode, 'away');
});

test('changes apply in order; a seq at or below the current one is ignored', () => {
	const s = new Store();
	s.snapshot({ seq: 10, mode: 'home', devices: [dev('a', 'off')], rooms: [] });
	let applied = s.changes({ seq: 12, changes: [
		{ seq: 9, kind: 'device', device: dev('a', 'stale') },
		{ seq: 10, kind: 'device', device: dev('a', 'stale') },
		{ seq: 11, kind: 'device', device: dev('a', 'on') },
		{ seq: 12, kind: 'mode', mode: 'sleep' },
	] });
	assert.equal(applied.length, 2);
	assert.equal(applied[0].prev.state, 'off');
	assert.equal(s.devices.get('a').state, 'on');
	assert.equal(s.mode, 'sleep');
	assert.equal(s.seq, 12);
	// The same frame again (a duplicate after a resume) changes nothing.
	applied = s.changes({ seq: 12, changes: [{ seq: 11, kind: 'device', device: dev('a', 'off') }] });
	assert.equal(applied.length, 0);
	assert.equal(s.devices.get('a').state, 'on');
	// Removal.
	s.changes({ seq: 13, changes: [{ seq: 13, kind: 'device_removed', device_id: 'a' }] });
	assert.equal(s.devices.size, 0);
	// An empty resume still moves the seq on.
	s.changes({ seq: 20, changes: [] });
	assert.equal(s.seq, 20);
});

test('stats are counted like GET /api/stats', () => {
	const s = new Store();
	s.snapshot({ seq: 1, mode: 'home', devices: [dev('l1', 'on'), dev('l2', 'off'),
		dev('k1', 'locked', { type: 'lock' }), dev('k2', 'unlocked', { type: 'lock' }),
		dev('g', 'partial', { type: 'garage' })] });
	const st = s.stats();
	assert.deepEqual(st.lights, { on: 1, total: 2 });
	assert.deepEqual(st.doors, { locked: 1, total: 2 });
	assert.equal(st.garage_open, 1);
	assert.equal(st.total_devices, 5);
});

test('the model from /api/types drives the controls', () => {
	const types = normalizeTypes({ light: { label: 'Light', states: ['on', 'off'],
		actions: ['on', 'off', 'set'], properties: {
			brightness: { type: 'integer', minimum: 0, maximum: 100, unit: '%', readOnly: false },
			power: { type: 'number', unit: 'W', readOnly: true } } } });
	const l = types.get('light');
	assert.ok(l.can('set'));
	assert.equal(l.prop('brightness').kind, 'int');
	assert.equal(l.prop('brightness').max, 100);
	assert.equal(l.prop('power').readOnly, true);
	assert.ok(!types.has('lock'), 'the server\'s table is the only one: no built-in copy');
	assert.equal(normalizeTypes(null).size, 0);
});

test('values read in human terms', () => {
	const p = (name, kind, unit, extra = {}) => ({ name, kind, unit, ...extra });
	assert.equal(propValue(p('brightness', 'int', '%'), 40), '40%');
	assert.equal(propValue(p('color_temp', 'int', 'K'), 2700), '2700 K');
	assert.equal(propValue(p('target_temp', 'number', '°F'), 71.5), '71.5°F');
	assert.equal(propValue(p('speed', 'int', null, { max: 3 }), 2), 'Medium');
	assert.equal(propValue(p('zone', 'enum', null), 'front_yard'), 'Front yard');
	assert.equal(propValue(p('charging', 'bool', null), true), 'Yes');
	const now = Date.parse('2026-01-01T12:00:00Z');
	assert.equal(relTime('2026-01-01T11:55:00Z', now), '5 min ago');
	assert.equal(relTime('2026-01-01T11:59:58Z', now), 'just now');
	assert.equal(relTime(null, now), 'never');
	assert.equal(relTime('2026-01-01T12:04:30Z', now), 'in 5 min');
	assert.equal(relTime('2026-01-01T14:30:00Z', now), 'in 2 h 30 min');
	assert.equal(relTime('2026-01-03T12:00:00Z', now), 'in 2 days');
	assert.equal(stateLabel('no_motion'), 'No motion');
});
