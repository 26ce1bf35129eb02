// SPDX-License-Identifier: MIT
// elicit.test.mjs -- consent the model cannot give itself: a client that
// declares elicitation is asked through elicitation/create before
// open_or_unlock opens anything, over stdio (homectl-mcp) and over HTTP
// (/mcp); accept opens, decline opens nothing; a client without the
// capability still gets the confirm: true rule.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';

import { makeHome, startApi, homectl, sqlite, BUILD } from '../api/helpers.mjs';

const home = makeHome();
const d = await startApi(home);
after(async () => { await d.stop(); home.cleanup(); });
const state = (id) => sqlite(home, `SELECT state FROM devices WHERE id='${id}'`).trim();

// A client that answers every question with answer(params); asked collects them.
async function client(kind, answer, extra = []) {
	const c = new Client({ name: 'consent', version: '1' }, { capabilities: answer ? { elicitation: {} } : {} });
	const asked = [];
	if (answer)
		c.setRequestHandler(ElicitRequestSchema, async (req) => { asked.push(req.params); return answer(req.params); });
	const t = kind === 'http'
		? new StreamableHTTPClientTransport(new URL(`${d.base}/mcp`),
			{ requestInit: { headers: { Authorization: `Bearer ${home.token}` } } })
		: new StdioClientTransport({ command: join(BUILD, 'homectl-mcp'), args: ['--stdio', '--db', home.db, ...extra] });
	await c.connect(t);
	return { c, asked };
}

for (const kind of ['stdio', 'http']) {
	test(`${kind}: the person is asked; yes opens, no opens nothing`, async () => {
		homectl(home, 'set', 'front_door_lock', 'lock');
		const no = await client(kind, () => ({ action: 'decline' }));
		let r = await no.c.callTool({ name: 'open_or_unlock', arguments: { device_id: 'front_door_lock' } });
		assert.equal(no.asked.length, 1);
		assert.match(no.asked[0].message, /front_door_lock/);
		assert.equal(no.asked[0].requestedSchema.properties.confirm.type, 'boolean');
		assert.ok(r.isError);
		assert.match(r.content[0].text, /did not allow/);
		assert.equal(state('front_door_lock'), 'locked');
		// The model passing confirm: true itself changes nothing: the
		// person is still asked.
		r = await no.c.callTool({ name: 'open_or_unlock', arguments: { device_id: 'front_door_lock', confirm: true } });
		assert.equal(no.asked.length, 2);
		assert.equal(state('front_door_lock'), 'locked');
		await no.c.close();

		const yes = await client(kind, () => ({ action: 'accept', content: { confirm: true } }));
		r = await yes.c.callTool({ name: 'open_or_unlock', arguments: { device_id: 'front_door_lock' } });
		assert.equal(yes.asked.length, 1);
		assert.ok(!r.isError, JSON.stringify(r));
		assert.equal(r.structuredContent.devices[0].state, 'unlocked');
		assert.equal(state('front_door_lock'), 'unlocked');
		// Accepting with the box left unticked is no.
		homectl(home, 'set', 'front_door_lock', 'lock');
		const unticked = await client(kind, () => ({ action: 'accept', content: { confirm: false } }));
		r = await unticked.c.callTool({ name: 'open_or_unlock', arguments: { device_id: 'front_door_lock' } });
		assert.ok(r.isError);
		assert.equal(state('front_door_lock'), 'locked');
		await yes.c.close();
		await unticked.c.close();
	});
}

test('a client without elicitation keeps the confirm: true rule', async () => {
	homectl(home, 'set', 'garage_door', 'close');
	const plain = await client('http', null);
	let r = await plain.c.callTool({ name: 'open_or_unlock', arguments: { device_id: 'garage_door' } });
	assert.ok(r.isError);
	assert.match(r.content[0].text, /confirm: true/);
	assert.equal(state('garage_door'), 'closed');
	r = await plain.c.callTool({ name: 'open_or_unlock', arguments: { device_id: 'garage_door', confirm: true } });
	assert.ok(!r.isError);
	assert.equal(state('garage_door'), 'open');
	await plain.c.close();
});

test('require_elicitation: a client that cannot ask the person opens nothing, even with confirm', async () => {
	const conf = join(home.dir, 'strict.conf');
	writeFileSync(conf, 'require_elicitation = yes\n');
	homectl(home, 'set', 'front_door_lock', 'lock');
	const plain = await client('stdio', null, ['--config', conf]);
	let r = await plain.c.callTool({ name: 'open_or_unlock', arguments: { device_id: 'front_door_lock', confirm: true } });
	assert.ok(r.isError);
	assert.match(r.content[0].text, /can ask the user directly/);
	assert.equal(state('front_door_lock'), 'locked');
	await plain.c.close();
	const asks = await client('stdio', () => ({ action: 'accept', content: { confirm: true } }), ['--config', conf]);
	r = await asks.c.callTool({ name: 'open_or_unlock', arguments: { device_id: 'front_door_lock' } });
	assert.ok(!r.isError, JSON.stringify(r));
	assert.equal(state('front_door_lock'), 'unlocked');
	await asks.c.close();
});
