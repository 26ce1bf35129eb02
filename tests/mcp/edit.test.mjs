// SPDX-License-Identifier: MIT
// edit.test.mjs -- an assistant describes the home through the official
// SDK: rooms, devices and modes created, changed and removed by tools; the
// schemas follow the home (a new mode works at once, a removed one is
// refused with the list); tools/list_changed and resources/list_changed
// reach a connected session whoever edits; --read-only has no edit tool;
// confirm = all gates every edit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { ToolListChangedNotificationSchema, ResourceListChangedNotificationSchema }
	from '@modelcontextprotocol/sdk/types.js';

import { makeHome, connect, call, text, homectl, sqlite, collect, closeAll, sanitizerReports }
	from './helpers.mjs';

let home, client;
before(async () => {
	home = makeHome();
	client = await connect(home.db);
	await client.listTools();
});
after(async () => {
	await closeAll();
	home.rm();
	assert.deepEqual(sanitizerReports(), []);
});

const ok = async (name, args) => {
	const r = await call(client, name, args);
	assert.ok(!r.isError, `${name}: ${text(r)}`);
	return r.structuredContent;
};
const fails = async (name, args, re) => {
	const r = await call(client, name, args);
	assert.equal(r.isError, true, `${name} should fail`);
	assert.match(text(r), re);
};

test('rooms and devices: add, update, remove; list_devices sees them', async () => {
	let r = await ok('add_room', { id: 'garden', name: 'Garden' });
	assert.equal(r.id, 'garden');
	r = await ok('add_device', { id: 'garden_lamp', type: 'light', room: 'garden' });
	assert.equal(r.state, 'off');
	r = await ok('control_device', { device_id: 'garden_lamp', action: 'on' });
	assert.equal(r.devices[0].state, 'on');
	r = await ok('update_device', { id: 'garden_lamp', name: 'Path light' });
	assert.equal(r.name, 'Path light');
	r = await ok('update_room', { id: 'garden', position: 0 });
	r = await ok('remove_room', { id: 'garden' });
	assert.deepEqual(r.house_wide, ['garden_lamp']);
	r = await ok('update_device', { id: 'garden_lamp', house_wide: true });
	assert.equal(r.room, null);
	r = await ok('remove_device', { id: 'garden_lamp' });
	assert.equal(r.removed, 'garden_lamp');
	await fails('add_device', { id: 'x1', type: 'light', room: 'attic' }, /unknown room 'attic'/);
	await fails('add_device', { id: 'kitchen_light_main', type: 'light' }, /already exists/);
	await fails('add_room', { id: 'Big Room' }, /pattern|not a valid room id/);
	await fails('remove_device', { id: 'nope' }, /unknown device 'nope'/);
	// Used by an automation: refused naming it, then forced.
	await ok('add_device', { id: 'porch_lamp', type: 'light', room: 'outdoor' });
	writeFileSync(`${home.db}.porch.json`,
		'{"name":"porch on/off","triggers":[{"device":"porch_lamp","to":"on"}],"actions":[{"mode":"home"}]}');
	homectl(home.db, 'automation', 'add', `${home.db}.porch.json`);
	await fails('remove_device', { id: 'porch_lamp' }, /used by the automation "porch on\/off".*force/);
	r = await ok('remove_device', { id: 'porch_lamp', force: true });
	assert.deepEqual(r.disabled, ['porch on/off']);
	assert.equal(sqlite(home.db, "SELECT json_extract(document, '$.enabled') FROM automations WHERE name = 'porch on/off'").trim(), '0');
	homectl(home.db, 'automation', 'remove', 'porch on/off');
});

test('modes: a saved mode works at once; a removed one is refused with the modes there are', async () => {
	const changed = collect(client, ToolListChangedNotificationSchema);
	let r = await ok('save_mode', { name: 'movie', description: 'Lights low',
		scene: [{ device: 'living_room_light_main', action: 'set', properties: { brightness: 10 } }] });
	assert.equal(r.scene.length, 1);
	await changed.wait();
	const { tools } = await client.listTools();
	const sm = tools.find((t) => t.name === 'set_home_mode');
	assert.ok(sm.inputSchema.properties.mode.enum.includes('movie'), 'the schema follows the home');
	r = await ok('set_home_mode', { mode: 'movie' });
	assert.equal(r.mode, 'movie');
	await fails('remove_mode', { name: 'movie' }, /active/);
	await ok('set_home_mode', { mode: 'home' });
	await fails('save_mode', { name: 'bad', scene: [{ device: 'front_door_lock', action: 'on' }] }, /a lock cannot 'on'/);
	r = await ok('remove_mode', { name: 'movie' });
	await client.listTools();
	await fails('set_home_mode', { mode: 'movie' }, /home, away, sleep, vacation/);
});

test('list_changed reaches a session when someone else adds a device', async () => {
	const tools = collect(client, ToolListChangedNotificationSchema);
	const res = collect(client, ResourceListChangedNotificationSchema);
	tools.clear();
	res.clear();
	homectl(home.db, 'device', 'add', 'hall_plug', '--type', 'plug');
	await res.wait();
	await tools.wait();
	const { tools: list } = await client.listTools();
	const cd = list.find((t) => t.name === 'control_device');
	assert.ok(cd.inputSchema.properties.device_type.enum.includes('plug'), 'a type the home now has');
	res.clear();
	sqlite(home.db, "DELETE FROM devices WHERE id = 'hall_plug'");
	await res.wait();
});

test('--read-only offers no edit tool; confirm = all gates every edit', async () => {
	const ro = await connect(home.db, ['--read-only']);
	const names = (await ro.listTools()).tools.map((t) => t.name);
	for (const n of ['add_room', 'add_device', 'save_mode', 'remove_mode'])
		assert.ok(!names.includes(n), n);
	writeFileSync(join(home.dir, 'all.conf'), 'confirm = all\n');
	const c = await connect(home.db, ['--config', join(home.dir, 'all.conf')]);
	await c.listTools();
	let r = await call(c, 'add_room', { id: 'attic' });
	assert.equal(r.isError, true);
	assert.match(text(r), /confirm/);
	assert.equal(sqlite(home.db, "SELECT count(*) FROM rooms WHERE id = 'attic'"), '0');
	r = await call(c, 'add_room', { id: 'attic', confirm: true });
	assert.ok(!r.isError, text(r));
});
