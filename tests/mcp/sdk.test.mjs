// SPDX-License-Identifier: MIT
// sdk.test.mjs -- homectl-mcp --stdio driven by the official TypeScript SDK
// client: tools (every one, success and failure), confirmation, read-only
// mode, pagination, resources and subscriptions fed by other processes,
// ping and logging.  The SDK checks every structuredContent against the
// tool's outputSchema, so a shape mismatch fails the call.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { McpError, LoggingMessageNotificationSchema, ResourceUpdatedNotificationSchema }
	from '@modelcontextprotocol/sdk/types.js';

import { makeHome, connect, call, text, homectl, sqlite, stateOf, collect, closeAll }
	from './helpers.mjs';
import { sanitizerReports } from './helpers.mjs';

let home, client;
before(async () => {
	home = makeHome();
	client = await connect(home.db);
	await client.listTools();	// caches the output validators
});
after(async () => {
	await closeAll();
	home.rm();
	assert.deepEqual(sanitizerReports(), []);
});

const READ_TOOLS = ['get_device_status', 'get_sensor_reading', 'get_home_mode', 'list_devices',
	'list_rooms', 'get_history', 'list_automations'];
const AUTOMATION_TOOLS = ['list_automations', 'create_automation', 'update_automation',
	'enable_automation', 'remove_automation'];
const SEED_TOOLS = ['control_device', 'get_device_status', 'get_sensor_reading', 'set_home_mode',
	'get_home_mode', 'feed_fish', 'water_plants', 'start_ev_charging', 'stop_ev_charging'];
const EDIT_TOOLS = ['add_room', 'update_room', 'remove_room', 'add_device', 'update_device',
	'remove_device', 'save_mode', 'remove_mode'];

async function ok(name, args) {
	const r = await call(client, name, args);
	assert.ok(!r.isError, `${name} failed: ${text(r)}`);
	assert.equal(typeof r.structuredContent, 'object');
	assert.equal(r.content[0].type, 'text');
	assert.ok(text(r).length > 0);
	return r.structuredContent;
}

async function fails(name, args, pattern) {
	const r = await call(client, name, args);
	assert.equal(r.isError, true, `${name} ${JSON.stringify(args)} should fail: ${text(r)}`);
	assert.equal(r.structuredContent, undefined);
	if (pattern) assert.match(text(r), pattern);
	return text(r);
}

function rpcError(e, code) {
	assert.ok(e instanceof McpError, String(e));
	assert.equal(e.code, code);
	return true;
}

test('the session: server info, negotiated version, instructions, ping', async () => {
	assert.equal(client.getServerVersion().name, 'homectl');
	const caps = client.getServerCapabilities();
	assert.deepEqual(caps.logging, {});
	assert.equal(caps.resources.subscribe, true);
	assert.ok(caps.tools);
	assert.match(client.getInstructions(), /confirm/);
	assert.deepEqual(await client.ping(), {});
});

test('tools/list: every seed tool and ours, described, schemas from the model', async () => {
	const { tools, nextCursor } = await client.listTools();
	assert.equal(nextCursor, undefined);
	const names = tools.map((t) => t.name);
	for (const n of [...SEED_TOOLS, 'list_devices', 'list_rooms', 'get_history', ...EDIT_TOOLS,
	    ...AUTOMATION_TOOLS])
		assert.ok(names.includes(n), n);
	assert.equal(names.length, 26);
	for (const t of tools) {
		assert.ok(t.description.length > 20, t.name);
		assert.equal(t.inputSchema.type, 'object');
		assert.equal(t.outputSchema.type, 'object');
		assert.equal(typeof t.title, 'string');
		assert.equal(t.annotations.readOnlyHint, READ_TOOLS.includes(t.name), t.name);
	}
	const cd = tools.find((t) => t.name === 'control_device');
	assert.equal(cd.annotations.destructiveHint, false, 'opening the home is another tool');
	const ou = tools.find((t) => t.name === 'open_or_unlock');
	assert.equal(ou.annotations.destructiveHint, true, 'it unlocks doors');
	assert.deepEqual(ou.inputSchema.required, ['device_id']);
	assert.equal(ou.inputSchema.properties.confirm.type, 'boolean');
	const p = cd.inputSchema.properties;
	assert.deepEqual(cd.inputSchema.required, ['action']);
	for (const a of ['on', 'off', 'open', 'close', 'set', 'toggle', 'lock', 'unlock'])
		assert.ok(p.action.enum.includes(a), a);
	assert.ok(p.device_type.enum.includes('garage'));
	assert.deepEqual([p.brightness.minimum, p.brightness.maximum], [0, 100]);
	assert.deepEqual([p.position.minimum, p.position.maximum], [0, 100]);
	assert.deepEqual([p.speed.minimum, p.speed.maximum], [0, 3]);
	assert.deepEqual(p.mode.enum, ['heat', 'cool', 'auto', 'off']);
	for (const k of ['device_id', 'room', 'target_temp', 'color_temp'])
		assert.ok(p[k], k);
	const sm = tools.find((t) => t.name === 'set_home_mode');
	assert.deepEqual(sm.inputSchema.properties.mode.enum, ['home', 'away', 'sleep', 'vacation']);
	const sr = tools.find((t) => t.name === 'get_sensor_reading');
	assert.deepEqual(sr.inputSchema.properties.sensor_type.enum, ['temperature', 'motion'],
		'only what the home can serve: it has no humidity sensor');
	assert.ok(!p.device_type.enum.includes('plug'), 'no type the home has no device of');
	const wp = tools.find((t) => t.name === 'water_plants');
	assert.equal(wp.inputSchema.properties.duration.default, 15);
});

test('tools/list pagination with a small page', async () => {
	const c = await connect(home.db, ['--page-size', '5']);
	const names = [];
	let cursor, pages = 0;
	do {
		const r = await c.listTools(cursor ? { cursor } : {});
		assert.ok(r.tools.length <= 5);
		names.push(...r.tools.map((t) => t.name));
		cursor = r.nextCursor;
		pages++;
	} while (cursor);
	assert.equal(pages, 6);
	assert.equal(new Set(names).size, 26);
	await assert.rejects(c.listTools({ cursor: 'not-a-cursor' }), (e) => rpcError(e, -32602));
	await c.close();
});

test('control_device: one device, values, bulk by room and type', async () => {
	let r = await ok('control_device', { action: 'off', device_id: 'living_room_light_main' });
	assert.equal(r.changed, 1);
	assert.equal(r.devices[0].state, 'off');
	assert.equal(stateOf(home.db, 'living_room_light_main'), 'off');

	r = await ok('control_device', { action: 'set', device_id: 'living_room_light_main', brightness: 40 });
	assert.equal(r.devices[0].properties.brightness, 40);

	r = await ok('control_device', { action: 'set', device_id: 'living_room_blinds', position: 30 });
	assert.equal(r.devices[0].properties.position, 30);
	assert.equal(r.devices[0].state, 'partial');

	r = await ok('control_device', { action: 'close', device_id: 'living_room_blinds' });
	assert.equal(r.devices[0].state, 'closed', 'never "close" (the seed bug)');

	r = await ok('control_device', { action: 'set', device_id: 'thermostat_main', target_temp: 70.5, mode: 'heat' });
	assert.equal(r.devices[0].properties.target_temp, 70.5);
	assert.equal(r.devices[0].properties.mode, 'heat');

	// An integral float is an integer.
	r = await ok('control_device', { action: 'set', device_id: 'living_room_fan', speed: 2.0 });
	assert.equal(r.devices[0].properties.speed, 2);

	r = await ok('control_device', { action: 'off', room: 'living_room' });
	assert.ok(r.devices.length >= 2);
	assert.ok(r.devices.every((d) => d.room === 'living_room' && d.state === 'off'));
	assert.ok(r.skipped.some((s) => s.id === 'living_room_blinds'), 'blinds cannot "off"');

	r = await ok('control_device', { action: 'on', device_type: 'light' });
	assert.ok(r.devices.length >= 5);
	assert.ok(r.devices.every((d) => d.type === 'light' && d.state === 'on'));

	r = await ok('control_device', { action: 'off', room: 'bedroom', device_type: 'light' });
	assert.ok(r.devices.every((d) => d.type === 'light' && d.room === 'bedroom'));
	assert.equal(r.skipped.length, 0);
});

test('control_device: failures a model can act on', async () => {
	let t = await fails('control_device', { action: 'off', device_id: 'living_room_lite_main' }, /living_room_light_main/);
	assert.match(t, /unknown|no device/i);
	await fails('control_device', { action: 'set', device_id: 'living_room_light_main', brightness: 500 }, /brightness/);
	await fails('control_device', { action: 'set', device_id: 'living_room_light_main', brightness: 'high' }, /brightness must be an integer/);
	await fails('control_device', { action: 'set', device_id: 'living_room_light_main', brightnes: 5 }, /unknown argument "brightnes"/);
	await fails('control_device', { device_id: 'living_room_light_main' }, /action/);
	await fails('control_device', { action: 'explode', device_id: 'living_room_light_main' }, /action must be one of/);
	await fails('control_device', { action: 'lock', device_id: 'living_room_light_main' }, /lock/);
	await fails('control_device', { action: 'off' }, /device_id/);
	await fails('control_device', { action: 'off', room: 'attic' }, /attic/);
	await fails('control_device', { action: 'set', room: 'kitchen', brightness: 500 }, /brightness/);
	await fails('control_device', { action: 'set', device_id: 'thermostat_main', mode: 'turbo' }, /mode must be one of/);
	await fails('control_device', { action: 'set', device_id: 'front_door_lock', speed: 1.5 }, /speed must be an integer/);
	// A model that says null means "not given".
	const r = await ok('control_device', { action: 'on', device_id: 'kitchen_light_main', room: null });
	assert.equal(r.devices[0].id, 'kitchen_light_main');
});

test('unknown tool is a JSON-RPC error, -32602', async () => {
	await assert.rejects(call(client, 'open_pod_bay_doors', {}), (e) => rpcError(e, -32602));
});

test('opening the home is open_or_unlock alone, and it needs confirm: true', async () => {
	homectl(home.db, 'set', 'front_door_lock', 'lock');
	const t = await fails('open_or_unlock', { device_id: 'front_door_lock' }, /confirm: true/);
	assert.match(t, /ask the user/i);
	assert.equal(stateOf(home.db, 'front_door_lock'), 'locked', 'nothing happened');
	await fails('control_device', { action: 'unlock', device_id: 'front_door_lock' }, /open_or_unlock/);
	await fails('control_device', { action: 'unlock', device_type: 'lock' }, /open_or_unlock/);
	assert.equal(stateOf(home.db, 'back_door_lock'), 'locked', 'bulk unlock: all or nothing');
	await fails('control_device', { action: 'open', device_id: 'garage_door' }, /open_or_unlock/);
	await fails('open_or_unlock', { device_id: 'garage_door' }, /confirm/);
	await fails('open_or_unlock', { device_id: 'front_door_lock', confirm: false }, /confirm/);
	await fails('open_or_unlock', { device_id: 'kitchen_light_main', confirm: true }, /not a door lock or a garage/);
	assert.equal(stateOf(home.db, 'garage_door'), 'closed');

	let r = await ok('open_or_unlock', { device_id: 'front_door_lock', confirm: true });
	assert.equal(r.devices[0].state, 'unlocked');
	r = await ok('open_or_unlock', { device_id: 'garage_door', confirm: true });
	assert.equal(r.devices[0].state, 'open');
	// Closing and locking never ask.
	await ok('control_device', { action: 'close', device_id: 'garage_door' });
	await ok('control_device', { action: 'lock', device_type: 'lock' });
	assert.equal(stateOf(home.db, 'front_door_lock'), 'locked');
});

test('--confirm none lifts confirmation; --confirm all asks for every change', async () => {
	const none = await connect(home.db, ['--confirm', 'none']);
	let r = await none.callTool({ name: 'open_or_unlock', arguments: { device_id: 'back_door_lock' } });
	assert.ok(!r.isError, text(r));
	assert.equal(stateOf(home.db, 'back_door_lock'), 'unlocked');
	await none.callTool({ name: 'control_device', arguments: { action: 'lock', device_id: 'back_door_lock' } });
	await none.close();

	const all = await connect(home.db, ['--confirm', 'all']);
	const { tools } = await all.listTools();
	assert.equal(tools.find((t) => t.name === 'feed_fish').inputSchema.properties.confirm.type, 'boolean');
	for (const [name, args] of [['control_device', { action: 'toggle', device_id: 'kitchen_light_main' }],
		['feed_fish', {}], ['set_home_mode', { mode: 'home' }], ['start_ev_charging', {}],
		['water_plants', {}]]) {
		r = await all.callTool({ name, arguments: args });
		assert.equal(r.isError, true, name);
		assert.match(text(r), /confirm/);
	}
	r = await all.callTool({ name: 'feed_fish', arguments: { confirm: true } });
	assert.ok(!r.isError, text(r));
	r = await all.callTool({ name: 'get_home_mode', arguments: {} });
	assert.ok(!r.isError, 'reads never ask');
	await all.close();
});

test('--read-only offers only the read tools', async () => {
	const before = sqlite(home.db, 'SELECT count(*) FROM changes');
	const ro = await connect(home.db, ['--read-only']);
	const { tools } = await ro.listTools();
	assert.deepEqual(tools.map((t) => t.name).sort(), [...READ_TOOLS].sort());
	assert.ok(tools.every((t) => t.annotations.readOnlyHint));
	await assert.rejects(ro.callTool({ name: 'control_device', arguments: { action: 'off', device_id: 'kitchen_light_main' } }),
		(e) => rpcError(e, -32602));
	const r = await ro.callTool({ name: 'list_devices', arguments: {} });
	assert.equal(r.structuredContent.total, 24);
	await ro.close();
	assert.equal(sqlite(home.db, 'SELECT count(*) FROM changes'), before);
});

test('get_device_status: one device, a room, the home', async () => {
	let r = await ok('get_device_status', { device_id: 'thermostat_main' });
	assert.equal(r.count, 1);
	assert.equal(r.rooms[0].room, null);
	assert.equal(r.rooms[0].devices[0].id, 'thermostat_main');
	r = await ok('get_device_status', { room: 'kitchen' });
	assert.equal(r.rooms.length, 1);
	assert.equal(r.rooms[0].room, 'kitchen');
	assert.equal(r.count, r.rooms[0].devices.length);
	r = await ok('get_device_status', {});
	assert.equal(r.count, 24);
	assert.equal(r.rooms.reduce((n, g) => n + g.devices.length, 0), 24);
	r = await ok('get_device_status', { device_type: 'lock' });
	assert.equal(r.count, 2);
	await fails('get_device_status', { device_id: 'nope' }, /nope/);
	await fails('get_device_status', { room: 'attic' }, /attic/);
	await fails('get_device_status', { device_type: 'toaster' }, /device_type must be one of/);
});

test('get_sensor_reading: temperature and motion, by room', async () => {
	let r = await ok('get_sensor_reading', { sensor_type: 'temperature' });
	assert.equal(r.sensor_type, 'temperature');
	assert.ok(r.count >= 1);
	assert.ok(r.readings.every((x) => typeof x.properties.value === 'number'));
	r = await ok('get_sensor_reading', { sensor_type: 'motion', room: 'living_room' });
	assert.ok(r.readings.every((x) => x.room === 'living_room'));
	await fails('get_sensor_reading', { sensor_type: 'air_quality' }, /sensor_type must be one of: temperature, motion/);
	await fails('get_sensor_reading', {}, /sensor_type/);
	await fails('get_sensor_reading', { sensor_type: 'motion', room: 'garage' }, /garage/);
});

test('set_home_mode and get_home_mode', async () => {
	let r = await ok('get_home_mode', {});
	assert.deepEqual(r.available, ['home', 'away', 'sleep', 'vacation']);
	r = await ok('set_home_mode', { mode: 'away' });
	assert.equal(r.mode, 'away');
	assert.equal(typeof r.previous, 'string');
	assert.ok(r.devices.length > 0);
	assert.equal(stateOf(home.db, 'front_door_lock'), 'locked');
	r = await ok('get_home_mode', {});
	assert.equal(r.mode, 'away');
	assert.ok(r.scene.length > 0);
	r = await ok('set_home_mode', { mode: 'home' });
	assert.equal(r.previous, 'away');
	await fails('set_home_mode', { mode: 'party' }, /mode must be one of/);
	await fails('set_home_mode', {}, /mode/);
	// A scene edited to unlock a door asks, like control_device does, and
	// the tool takes the user's answer.
	homectl(home.db, 'set', 'front_door_lock', 'lock');
	sqlite(home.db, "INSERT INTO scenes(mode, step, device_id, action, properties) VALUES ('home', 99, 'front_door_lock', 'unlock', '{}')");
	try {
		const t = await fails('set_home_mode', { mode: 'home' }, /confirm: true/);
		assert.match(t, /opens the home/);
		assert.equal(stateOf(home.db, 'front_door_lock'), 'locked', 'nothing happened');
		r = await ok('set_home_mode', { mode: 'home', confirm: true });
		assert.equal(stateOf(home.db, 'front_door_lock'), 'unlocked');
	} finally {
		sqlite(home.db, "DELETE FROM scenes WHERE mode = 'home' AND step = 99");
		homectl(home.db, 'set', 'front_door_lock', 'lock');
	}
});

test('feed_fish, water_plants, EV charging', async () => {
	let r = await ok('feed_fish', {});
	assert.equal(r.devices[0].type, 'fish_feeder');
	assert.match(r.devices[0].properties.last_fed, /^\d{4}-\d\d-\d\dT/);
	r = await ok('water_plants', {});
	assert.ok(r.devices.length >= 1);
	assert.ok(r.devices.every((d) => d.type === 'sprinkler' && d.properties.duration === 15));
	r = await ok('water_plants', { zone: 'front_yard', duration: 5 });
	assert.ok(r.devices.every((d) => d.properties.zone === 'front_yard' && d.properties.duration === 5));
	await fails('water_plants', { zone: 'moon' }, /zone must be one of/);
	await fails('water_plants', { duration: 0 }, /duration/);
	await fails('water_plants', { duration: 121 }, /duration/);
	r = await ok('start_ev_charging', {});
	assert.equal(r.devices[0].state, 'charging');
	r = await ok('stop_ev_charging', {});
	assert.notEqual(r.devices[0].state, 'charging');
	await fails('feed_fish', { fish: 'goldie' }, /unknown argument/);
});

test('list_devices: filters, compact, pages', async () => {
	let r = await ok('list_devices', {});
	assert.equal(r.total, 24);
	assert.equal(r.count, 24);
	assert.equal(r.next_cursor, undefined);
	assert.ok(r.devices.every((d) => !('properties' in d)), 'compact by default');
	r = await ok('list_devices', { compact: false, device_type: 'light' });
	assert.ok(r.devices.every((d) => d.type === 'light' && 'properties' in d));
	r = await ok('list_devices', { state: 'locked' });
	assert.ok(r.devices.every((d) => d.state === 'locked'));
	r = await ok('list_devices', { room: 'bedroom' });
	assert.ok(r.devices.every((d) => d.room === 'bedroom'));

	const ids = [];
	let cursor, pages = 0;
	do {
		r = await ok('list_devices', cursor ? { limit: 5, cursor } : { limit: 5 });
		assert.ok(r.count <= 5);
		ids.push(...r.devices.map((d) => d.id));
		cursor = r.next_cursor;
		pages++;
	} while (cursor);
	assert.equal(pages, 5);
	assert.equal(new Set(ids).size, 24);
	await fails('list_devices', { cursor: 'xyz' }, /cursor/);
	await fails('list_devices', { limit: 1000 }, /limit/);
	await fails('list_devices', { room: 'attic' }, /attic/);
});

test('list_rooms', async () => {
	const r = await ok('list_rooms', {});
	assert.equal(r.count, r.rooms.length);
	assert.deepEqual(r.rooms.map((x) => x.id).sort(),
		['bathroom', 'bedroom', 'kitchen', 'living_room', 'outdoor']);
	assert.equal(r.rooms.find((x) => x.id === 'living_room').devices, 6);
});

test('get_history: recent changes with their source, paging by seq', async () => {
	await ok('control_device', { action: 'toggle', device_id: 'bathroom_light' });
	homectl(home.db, 'set', 'bathroom_light', 'toggle');
	let r = await ok('get_history', { limit: 2 });
	assert.equal(r.count, 2);
	assert.deepEqual(r.changes.map((c) => c.source), ['mcp', 'cli']);
	assert.ok(r.changes.every((c) => c.kind === 'device' && c.device.id === 'bathroom_light'));
	assert.equal(r.changes[1].seq, r.newest);
	r = await ok('get_history', { device_id: 'bathroom_light', limit: 1 });
	assert.equal(r.changes[0].source, 'cli');
	r = await ok('get_history', { since: 0, limit: 3 });
	assert.equal(r.count, 3);
	assert.equal(typeof r.next_since, 'number');
	const next = await ok('get_history', { since: r.next_since, limit: 3 });
	assert.ok(next.changes[0].seq > r.changes[2].seq);
	await fails('get_history', { device_id: 'nope' }, /nope/);
	await fails('get_history', { since: -1 }, /since/);
});

test('resources: list, templates, read', async () => {
	const { resources } = await client.listResources();
	const uris = resources.map((r) => r.uri);
	assert.ok(uris.includes('homectl://devices'));
	assert.ok(uris.includes('homectl://mode'));
	assert.ok(uris.includes('homectl://devices/front_door_lock'));
	const { resourceTemplates } = await client.listResourceTemplates();
	assert.equal(resourceTemplates[0].uriTemplate, 'homectl://devices/{id}');

	let r = await client.readResource({ uri: 'homectl://devices/front_door_lock' });
	assert.equal(r.contents[0].mimeType, 'application/json');
	assert.equal(JSON.parse(r.contents[0].text).id, 'front_door_lock');
	r = await client.readResource({ uri: 'homectl://devices' });
	assert.equal(JSON.parse(r.contents[0].text).devices.length, 24);
	r = await client.readResource({ uri: 'homectl://mode' });
	assert.equal(typeof JSON.parse(r.contents[0].text).mode, 'string');
	for (const uri of ['homectl://devices/nope', 'homectl://nothing', 'http://example.com/'])
		await assert.rejects(client.readResource({ uri }), (e) => rpcError(e, -32002));
	await assert.rejects(client.subscribeResource({ uri: 'homectl://devices/nope' }), (e) => rpcError(e, -32002));
});

test('resources/list pages', async () => {
	const c = await connect(home.db, ['--page-size', '10']);
	const uris = [];
	let cursor;
	do {
		const r = await c.listResources(cursor ? { cursor } : {});
		uris.push(...r.resources.map((x) => x.uri));
		cursor = r.nextCursor;
	} while (cursor);
	assert.equal(new Set(uris).size, 26);
	await c.close();
});

test('subscriptions: changes by sqlite3, the CLI and another session arrive as notifications', async () => {
	const c = await connect(home.db);
	const updates = collect(c, ResourceUpdatedNotificationSchema);
	const dev = 'homectl://devices/kitchen_light_main';
	await c.subscribeResource({ uri: dev });
	await c.subscribeResource({ uri: 'homectl://mode' });
	await c.subscribeResource({ uri: 'homectl://devices' });

	// A foreign writer: the sqlite3 shell.
	sqlite(home.db, "UPDATE devices SET state='off' WHERE id='kitchen_light_main'");
	await updates.wait((n) => n.params.uri === dev);
	await updates.wait((n) => n.params.uri === 'homectl://devices');
	updates.clear();

	// The homectl CLI, another process.
	homectl(home.db, 'mode', 'sleep');
	await updates.wait((n) => n.params.uri === 'homectl://mode');
	updates.clear();

	// Another MCP session.
	await ok('control_device', { action: 'on', device_id: 'kitchen_light_main' });
	await updates.wait((n) => n.params.uri === dev);

	// After unsubscribing, no more: a later change to a still-subscribed
	// resource arrives, and nothing for the unsubscribed one before it.
	await c.unsubscribeResource({ uri: dev });
	await c.unsubscribeResource({ uri: 'homectl://devices' });
	updates.clear();
	sqlite(home.db, "UPDATE devices SET state='off' WHERE id='kitchen_light_main'");
	homectl(home.db, 'mode', 'home');
	await updates.wait((n) => n.params.uri === 'homectl://mode');
	assert.deepEqual(updates.seen.map((n) => n.params.uri), ['homectl://mode']);
	await c.close();
});

test('logging: setLevel and a message for each action taken', async () => {
	const c = await connect(home.db);
	await c.listTools();
	const logs = collect(c, LoggingMessageNotificationSchema);
	assert.deepEqual(await c.setLoggingLevel('info'), {});
	await c.callTool({ name: 'control_device', arguments: { action: 'toggle', device_id: 'bedroom_light_main' } });
	// The message is sent before the result, so it is already here.
	assert.equal(logs.seen.length, 1);
	assert.equal(logs.seen[0].params.level, 'info');
	assert.equal(logs.seen[0].params.data.tool, 'control_device');
	await c.callTool({ name: 'list_rooms', arguments: {} });
	assert.equal(logs.seen.length, 1, 'reads are not logged at info');

	await c.setLoggingLevel('error');
	await c.callTool({ name: 'control_device', arguments: { action: 'toggle', device_id: 'bedroom_light_main' } });
	assert.equal(logs.seen.length, 1, 'below the level: not sent');
	await assert.rejects(c.setLoggingLevel('chatty'), (e) => rpcError(e, -32602));
	await c.close();
});
