// SPDX-License-Identifier: MIT
// prompts.test.mjs -- prompts (good night, leaving, what is on, a new
// automation) and completion/complete, through the official SDK client.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';

import { makeHome, connect, closeAll } from './helpers.mjs';

const home = makeHome();
after(async () => { await closeAll(); home.rm(); });

test('prompts: listed with their arguments, filled in, refused when wrong', async () => {
	const c = await connect(home.db);
	assert.deepEqual(c.getServerCapabilities().prompts, {});
	const { prompts } = await c.listPrompts();
	assert.deepEqual(prompts.map((p) => p.name), ['good_night', 'leaving', 'whats_on', 'setup_automation',
		'explain_automation']);
	assert.ok(prompts.every((p) => p.description && Array.isArray(p.arguments)));
	let r = await c.getPrompt({ name: 'whats_on', arguments: { room: 'kitchen' } });
	assert.equal(r.messages[0].role, 'user');
	assert.match(r.messages[0].content.text, /right now in kitchen\?/);
	r = await c.getPrompt({ name: 'leaving', arguments: {} });
	assert.match(r.messages[0].content.text, /Set the mode to away/);
	r = await c.getPrompt({ name: 'setup_automation', arguments: { description: 'porch light on at sunset' } });
	assert.match(r.messages[0].content.text, /porch light on at sunset\./);
	await assert.rejects(c.getPrompt({ name: 'setup_automation', arguments: {} }), /needs the argument description/);
	await assert.rejects(c.getPrompt({ name: 'nope' }), /no prompt nope/);
	await assert.rejects(c.getPrompt({ name: 'whats_on', arguments: { floor: '1' } }), /no argument floor/);
});

test('completion/complete: rooms, modes and device ids from the home as it is', async () => {
	const c = await connect(home.db);
	let r = await c.complete({ ref: { type: 'ref/prompt', name: 'whats_on' }, argument: { name: 'room', value: 'b' } });
	assert.deepEqual(r.completion.values.sort(), ['bathroom', 'bedroom']);
	assert.equal(r.completion.total, 2);
	assert.equal(r.completion.hasMore, false);
	r = await c.complete({ ref: { type: 'ref/prompt', name: 'leaving' }, argument: { name: 'mode', value: 'va' } });
	assert.deepEqual(r.completion.values, ['vacation']);
	r = await c.complete({ ref: { type: 'ref/resource', uri: 'homectl://devices/{id}' }, argument: { name: 'id', value: 'front' } });
	assert.deepEqual(r.completion.values, ['front_door_lock']);
	await assert.rejects(c.complete({ ref: { type: 'ref/prompt', name: 'nope' }, argument: { name: 'x', value: '' } }), /no prompt/);
	const made = await c.callTool({ name: 'create_automation', arguments: { automation: {
		name: 'bathroom fan with the light', triggers: [{ device: 'bathroom_light' }],
		actions: [{ device: 'bathroom_fan', action: 'on' }] } } });
	assert.ok(!made.isError, JSON.stringify(made.content));
	r = await c.complete({ ref: { type: 'ref/prompt', name: 'explain_automation' }, argument: { name: 'name', value: 'bath' } });
	assert.deepEqual(r.completion.values, ['bathroom fan with the light']);
	const p = await c.getPrompt({ name: 'explain_automation', arguments: { name: 'bathroom fan with the light' } });
	assert.match(p.messages[0].content.text, /automation bathroom fan with the light in plain words/);
});
