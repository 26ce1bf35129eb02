// SPDX-License-Identifier: MIT
// edit.test.mjs -- describing the home over REST: rooms, devices, modes
// with their scenes, export and import; each error is a clear status that
// changes nothing, and every edit reaches an open dashboard live.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeHome, startApi, api, sqlite, connect } from './helpers.mjs';

let home, d, ws;
before(async () => {
	home = makeHome();
	d = await startApi(home);
	[ws] = await connect(d);
});
after(async () => {
	ws.close();
	await d.stop();
	home.cleanup();
});

const digest = () => sqlite(home, "SELECT group_concat(id||name||type||coalesce(room,'')||state||properties, ';') FROM devices;" +
	"SELECT group_concat(id||name||position, ';') FROM rooms; SELECT group_concat(name||description, ';') FROM modes;" +
	"SELECT group_concat(mode||step||device_id||action, ';') FROM scenes; SELECT max(seq) FROM changes; SELECT mode FROM home");

const call = (method, path, body) => api(d, path, { method, body });

test('rooms: add, edit, remove; a dashboard hears of each', async () => {
	let from = ws.msgs.length;
	let r = await call('POST', '/api/rooms', { id: 'garden', name: 'Garden' });
	assert.equal(r.status, 201, r.text);
	assert.deepEqual([r.json.id, r.json.name, r.json.position], ['garden', 'Garden', 5]);
	await ws.next((m) => m.type === 'changes' && m.changes.some((c) => c.kind === 'home' && c.subject === 'room:garden'), 5000, from);
	r = await call('PATCH', '/api/rooms/garden', { name: 'Back garden', position: 0 });
	assert.equal(r.status, 200, r.text);
	assert.equal((await api(d, '/api/rooms')).json.rooms[0].name, 'Back garden');
	r = await call('POST', '/api/devices', { id: 'garden_lamp', type: 'light', room: 'garden' });
	assert.equal(r.status, 201, r.text);
	assert.equal(r.json.state, 'off');
	from = ws.msgs.length;
	r = await call('DELETE', '/api/rooms/garden');
	assert.equal(r.status, 200, r.text);
	assert.deepEqual(r.json.house_wide, ['garden_lamp']);
	await ws.next((m) => m.type === 'changes' && m.changes.some((c) => c.kind === 'device' && c.device.id === 'garden_lamp' && c.device.room === null), 5000, from);
});

test('devices: add, edit (rename, move, house-wide), remove', async () => {
	let r = await call('POST', '/api/devices', { id: 'hall_lamp', type: 'light', room: 'kitchen', name: 'Hall lamp' });
	assert.equal(r.status, 201, r.text);
	const seen = await ws.device('hall_lamp', (dev) => dev.name === 'Hall lamp');
	assert.ok(seen);
	r = await call('PATCH', '/api/devices/hall_lamp', { name: 'Porch lamp', room: 'outdoor' });
	assert.equal(r.status, 200, r.text);
	assert.deepEqual([r.json.name, r.json.room], ['Porch lamp', 'outdoor']);
	r = await call('PATCH', '/api/devices/hall_lamp', { room: null });
	assert.equal(r.json.room, null);
	r = await call('POST', '/api/devices/hall_lamp/actions', { action: 'on' });
	assert.equal(r.status, 200, 'a new device can be controlled at once');
	r = await call('DELETE', '/api/devices/hall_lamp');
	assert.equal(r.status, 200, r.text);
	await ws.next((m) => m.type === 'changes' && m.changes.some((c) => c.kind === 'device_removed' && c.device_id === 'hall_lamp'));
	assert.equal((await api(d, '/api/devices/hall_lamp')).status, 404);
});

test('a device that automations use: 409 in_use naming them, or force=true disables them', async () => {
	let r = await call('POST', '/api/devices', { id: 'porch_lamp', type: 'light', room: 'outdoor' });
	assert.equal(r.status, 201, r.text);
	const autos = [
		{ name: 'porch by trigger', triggers: [{ device: 'porch_lamp', to: 'on' }], actions: [{ mode: 'home' }] },
		{ name: 'porch by condition', triggers: [{ at: 'daily' }],
			conditions: [{ any: [{ device: 'porch_lamp', is: 'on' }, { mode: 'away' }] }], actions: [{ mode: 'home' }] },
		{ name: 'porch by action', triggers: [{ at: 'daily' }], actions: [{ device: 'porch_lamp', action: 'on' }] },
		{ name: 'not the porch', triggers: [{ at: 'daily' }], actions: [{ device: 'bedroom_fan', action: 'on' }] },
	];
	for (const a of autos) {
		r = await call('POST', '/api/automations', a);
		assert.equal(r.status, 201, r.text);
	}
	const before = digest();
	const docs = () => sqlite(home, 'SELECT group_concat(name || document) FROM automations');
	const docsBefore = docs();
	r = await call('DELETE', '/api/devices/porch_lamp');
	assert.equal(r.status, 409, r.text);
	assert.equal(r.json.error.code, 'in_use');
	assert.match(r.json.error.message, /"porch by action", "porch by condition", "porch by trigger".*force/);
	assert.doesNotMatch(r.json.error.message, /not the porch/);
	assert.equal(digest(), before, 'nothing changed');
	assert.equal(docs(), docsBefore);
	r = await call('DELETE', '/api/devices/porch_lamp?force=perhaps');
	assert.equal(r.status, 400, r.text);
	r = await call('DELETE', '/api/devices/porch_lamp?force=true');
	assert.equal(r.status, 200, r.text);
	assert.deepEqual(r.json, { removed: 'porch_lamp', scenes: [],
		disabled: ['porch by action', 'porch by condition', 'porch by trigger'] });
	for (const a of autos) {
		const g = await api(d, `/api/automations/${encodeURIComponent(a.name)}`);
		assert.equal(g.json.enabled, a.name === 'not the porch', a.name);
		if (a.name !== 'not the porch') {
			assert.equal(g.json.runs[0].outcome, 'disabled');
			assert.deepEqual(g.json.runs[0].trigger, { device_removed: 'porch_lamp', by: 'api' });
		}
		await call('DELETE', `/api/automations/${encodeURIComponent(a.name)}`);
	}
});

test('modes: create with a scene, replace it, switch to it, remove it', async () => {
	let r = await call('POST', '/api/modes', { name: 'party', description: 'Lights up',
		scene: [{ device: 'living_room_light_main', action: 'set', properties: { brightness: 90 } }] });
	assert.equal(r.status, 201, r.text);
	assert.equal(r.json.scene.length, 1);
	r = await call('POST', '/api/modes', { name: 'party' });
	assert.equal(r.status, 409, r.text);
	assert.equal(r.json.error.code, 'exists');
	r = await call('PUT', '/api/modes/party', { scene: [
		{ device: 'kitchen_light_main', action: 'off' },
		{ device: 'living_room_light_main', action: 'on' }] });
	assert.equal(r.status, 200, r.text);
	assert.deepEqual(r.json.scene.map((s) => s.device_id), ['kitchen_light_main', 'living_room_light_main']);
	assert.equal(r.json.description, 'Lights up', 'PUT without a description keeps it');
	r = await call('PUT', '/api/mode', { mode: 'party' });
	assert.equal(r.status, 200, 'a new mode works at once: ' + r.text);
	r = await call('DELETE', '/api/modes/party');
	assert.equal(r.status, 409, 'the active mode cannot go: ' + r.text);
	assert.equal(r.json.error.code, 'in_use');
	await call('PUT', '/api/mode', { mode: 'home' });
	r = await call('DELETE', '/api/modes/party');
	assert.equal(r.status, 200, r.text);
	r = await call('PUT', '/api/mode', { mode: 'party' });
	assert.equal(r.status, 404);
	assert.match(r.json.error.message, /home, away, sleep, vacation/);
});

test('bad input: a clear status, nothing changed', async () => {
	const before = digest();
	const cases = [
		['POST', '/api/rooms', { id: 'Bad Id' }, 422, /not a valid room id/],
		['POST', '/api/rooms', { id: 'kitchen' }, 409, /already exists/],
		['POST', '/api/rooms', { id: 'x', colour: 'red' }, 400, /unknown field/],
		['POST', '/api/rooms', { id: 7 }, 400, /"id" must be a string/],
		['PATCH', '/api/rooms/attic', { name: 'A' }, 404, /unknown room/],
		['PATCH', '/api/rooms/kitchen', { position: 'top' }, 400, /position/],
		['POST', '/api/devices', { id: 'x1', type: 'toaster' }, 422, /unknown device type/],
		['POST', '/api/devices', { id: 'x1', type: 'light', room: 'attic' }, 404, /unknown room/],
		['POST', '/api/devices', { id: 'kitchen_light_main', type: 'light' }, 409, /already exists/],
		['PATCH', '/api/devices/kitchen_light_main', { room: 5 }, 400, /room/],
		['PATCH', '/api/devices/kitchen_light_main', {}, 422, /nothing to change/],
		['DELETE', '/api/devices/nope', undefined, 404, /unknown device/],
		['POST', '/api/modes', { name: 'm1', scene: [{ device: 'front_door_lock', action: 'on' }] }, 422, /cannot 'on'/],
		['POST', '/api/modes', { name: 'm1', scene: [{ device: 'ghost', action: 'on' }] }, 404, /unknown device/],
		['POST', '/api/modes', { name: 'm1', scene: 'all off' }, 400, /scene/],
		['PUT', '/api/modes/m1', { scene: [{ device: 'kitchen_light_main', action: 'set', properties: { brightness: 900 } }] }, 422, /out of range/],
		['DELETE', '/api/modes/home', undefined, 409, /active/],
		['POST', '/api/import', { format: 9 }, 422, /format 9/],
		['POST', '/api/import?dry_run=maybe', { format: 1 }, 400, /dry_run/],
	];
	for (const [method, path, body, status, re] of cases) {
		const r = await call(method, path, body);
		assert.equal(r.status, status, `${method} ${path} ${JSON.stringify(body)}: ${r.text}`);
		assert.match(r.json.error.message, re, `${method} ${path}`);
	}
	assert.equal(digest(), before);
});

test('export and import: the same document round-trips; dry run writes nothing; prune removes', async () => {
	const doc = (await api(d, '/api/export')).json;
	assert.equal(doc.format, 1);
	assert.ok(doc.devices.length >= 24 && doc.rooms.length >= 5 && doc.modes.length === 4);
	const edited = structuredClone(doc);
	edited.devices = edited.devices.filter((x) => x.id !== 'bathroom_fan');
	edited.devices.push({ id: 'new_plug', type: 'plug', room: 'kitchen', name: 'Kettle' });
	const before = digest();
	let r = await api(d, '/api/import?dry_run=1&prune=1', { method: 'POST', body: edited });
	assert.equal(r.status, 200, r.text);
	assert.equal(r.json.dry_run, true);
	assert.deepEqual(r.json.changes.sort(), ['+ device new_plug', '- device bathroom_fan']);
	assert.equal(digest(), before, 'a dry run writes nothing');
	const from = ws.msgs.length;
	r = await api(d, '/api/import?prune=1', { method: 'POST', body: edited });
	assert.equal(r.status, 200, r.text);
	assert.deepEqual([r.json.created, r.json.removed], [1, 1]);
	await ws.next((m) => m.type === 'changes' && m.changes.some((c) => c.kind === 'device_removed' && c.device_id === 'bathroom_fan'), 5000, from);
	assert.equal((await api(d, '/api/devices/new_plug')).status, 200);
	r = await api(d, '/api/import?prune=1', { method: 'POST', body: doc });
	assert.equal(r.status, 200, r.text);
	assert.deepEqual((await api(d, '/api/export')).json, doc, 'importing the export gives the same home');
});

test('openapi lists every edit route', async () => {
	const o = (await api(d, '/api/openapi.json')).json;
	for (const [p, m] of [['/api/rooms', 'post'], ['/api/rooms/{id}', 'patch'], ['/api/rooms/{id}', 'delete'],
		['/api/devices', 'post'], ['/api/devices/{id}', 'patch'], ['/api/devices/{id}', 'delete'],
		['/api/modes', 'post'], ['/api/modes/{name}', 'put'], ['/api/modes/{name}', 'delete'],
		['/api/export', 'get'], ['/api/import', 'post']])
		assert.ok(o.paths[p]?.[m], `${m.toUpperCase()} ${p} in openapi.json`);
});

test('a new dashboard sees edited rooms in its snapshot', async () => {
	await call('POST', '/api/rooms', { id: 'loft', name: 'Loft' });
	const [c, first] = await connect(d);
	c.close();
	assert.equal(first.type, 'snapshot');
	assert.ok(first.rooms.some((r) => r.id === 'loft' && r.name === 'Loft'), JSON.stringify(first.rooms));
	await call('DELETE', '/api/rooms/loft');
});
