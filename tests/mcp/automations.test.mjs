// SPDX-License-Identifier: MIT
// automations.test.mjs -- the automation tools through the official SDK
// client: an assistant creates "porch light at sunset", lists, updates,
// disables and removes it; every mistake is an isError result with the
// reason and nothing stored; the confirm policy gates the writes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

import { makeHome, connect, call, closeAll, sqlite, sanitizerReports } from './helpers.mjs';

let home, client, conf;
before(async () => {
	home = makeHome();
	conf = path.join(home.dir, 'homectl.conf');
	writeFileSync(conf, 'latitude = 52.52\nlongitude = 13.405\n');
	client = await connect(home.db, ['--config', conf]);
	await client.listTools();	// the SDK checks structuredContent from now on
});
after(async () => {
	await closeAll();
	home.rm();
	assert.deepEqual(sanitizerReports(), []);
});

const count = () => Number(sqlite(home.db, 'SELECT count(*) FROM automations'));
const porch = {
	name: 'porch light at sunset',
	triggers: [{ sun: 'sunset', offset_min: -15 }],
	conditions: [{ mode: 'home' }],
	actions: [{ device: 'living_room_light_lamp', action: 'on', properties: { brightness: 80 } }],
};

test('create_automation stores it; list_automations shows it with its next run', async () => {
	const r = await call(client, 'create_automation', { automation: porch });
	assert.notEqual(r.isError, true, JSON.stringify(r.content));
	assert.equal(r.structuredContent.name, porch.name);
	assert.equal(r.structuredContent.enabled, true);
	assert.match(r.structuredContent.next_run, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
	assert.equal(r.structuredContent.document.mode, 'single', 'defaults filled in');
	const l = await call(client, 'list_automations');
	assert.equal(l.structuredContent.count, 1);
	assert.equal(l.structuredContent.automations[0].name, porch.name);
	assert.match(l.content[0].text, /^1 automation\./);
});

test('mistakes are refused with the reason, nothing stored', async () => {
	const before = count();
	for (const [doc, why] of [
		[{ ...porch, name: 'x', actions: [{ device: 'porch_lite', action: 'on' }] }, /unknown device 'porch_lite'/],
		[{ ...porch, name: 'x', triggers: [{ at: 'Mon..Fry 07:00' }] }, /not a calendar expression/],
		[{ ...porch, name: 'x', conditions: [{ mode: 'party' }] }, /unknown mode "party"/],
		[{ ...porch, name: 'x', actions: [{ device: 'front_door_lock', action: 'dance' }] }, /action 1: front_door_lock/],
		[{ name: 'flicker', triggers: [{ device: 'bathroom_light' }], actions: [{ device: 'bathroom_light', action: 'toggle' }] }, /would trigger itself forever/],
		[porch, /already exists/],
	]) {
		const r = await call(client, 'create_automation', { automation: doc });
		assert.equal(r.isError, true, JSON.stringify(doc));
		assert.match(r.content[0].text, why);
	}
	const r = await call(client, 'create_automation', { automation: 'at sunset' });
	assert.equal(r.isError, true);
	assert.equal(count(), before);
});

test('update, enable, remove', async () => {
	let r = await call(client, 'update_automation', { automation: { ...porch, mode: 'restart' } });
	assert.notEqual(r.isError, true, JSON.stringify(r.content));
	assert.equal(r.structuredContent.document.mode, 'restart');
	r = await call(client, 'update_automation', { automation: { ...porch, name: 'nope' } });
	assert.equal(r.isError, true);
	assert.match(r.content[0].text, /no automation is named "nope"/);
	r = await call(client, 'enable_automation', { name: porch.name, enabled: false });
	assert.equal(r.structuredContent.enabled, false);
	assert.equal(r.structuredContent.next_run, null);
	r = await call(client, 'remove_automation', { name: porch.name });
	assert.deepEqual(r.structuredContent, { removed: porch.name });
	assert.equal(count(), 0);
	r = await call(client, 'remove_automation', { name: porch.name });
	assert.equal(r.isError, true);
});

test('confirm = all: the writes need the user\'s confirmation', async () => {
	const c = await connect(home.db, ['--config', conf, '--confirm', 'all']);
	await c.listTools();
	let r = await call(c, 'create_automation', { automation: porch });
	assert.equal(r.isError, true);
	assert.match(r.content[0].text, /Confirmation required/);
	assert.equal(count(), 0);
	r = await call(c, 'create_automation', { automation: porch, confirm: true });
	assert.notEqual(r.isError, true, JSON.stringify(r.content));
	assert.equal(count(), 1);
	r = await call(c, 'list_automations');
	assert.notEqual(r.isError, true, 'reading needs no confirmation');
});
