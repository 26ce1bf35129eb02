// SPDX-License-Identifier: MIT
// consent.test.mjs -- a mode whose scene opens the home (unlocks a door,
// opens the garage) asks the person through elicitation/create, over stdio
// (homectl-mcp) and over HTTP (/mcp with its SSE stream), with the official
// SDK client: the form names the mode and each opening action; accept sets
// the mode, decline and cancel change nothing and say so; a client without
// elicitation keeps confirm: true, refused under require_elicitation.  And
// a yes given while another process holds the write lock sticks to the
// parked call: the mode lands once, when the lock goes.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import readline from 'node:readline';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';

import { makeHome, startApi, homectl, sqlite, BUILD } from '../api/helpers.mjs';

const home = makeHome();
const d = await startApi(home);
const servers = [];
after(async () => {
	await d.stop();
	for (const p of servers)
		p.kill();
	home.cleanup();
});
const state = (id) => sqlite(home, `SELECT state FROM devices WHERE id='${id}'`).trim();
const mode = () => sqlite(home, 'SELECT mode FROM home').trim();
// Feed rows that set the mode to name: a change that landed twice shows.
const modeRows = (name) => Number(sqlite(home,
	`SELECT count(*) FROM changes WHERE kind = 'mode' AND mode = '${name}'`).trim());

// A mode that opens the home: unlocks the front door, opens the garage and
// turns a light on (which needs no one's yes).
homectl(home, 'mode', 'add', 'welcome', '--description', 'let the guests in');
homectl(home, 'scene', 'set', 'welcome', 'front_door_lock', 'unlock');
homectl(home, 'scene', 'set', 'welcome', 'garage_door', 'open');
homectl(home, 'scene', 'set', 'welcome', 'living_room_light_main', 'on');

function closeUp() {
	homectl(home, 'mode', 'home');
	homectl(home, 'set', 'front_door_lock', 'lock');
	homectl(home, 'set', 'garage_door', 'close');
}

// A client that answers every question with answer(params) (null: no
// elicitation capability); asked collects the questions.  stderr: the
// server's log (stdio only; homectl-api's is d.log()).
async function client(kind, answer, extra = []) {
	const c = new Client({ name: 'consent', version: '1' },
		{ capabilities: answer ? { elicitation: {} } : {} });
	const asked = [];
	if (answer)
		c.setRequestHandler(ElicitRequestSchema, async (req) => {
			asked.push(req.params);
			return answer(req.params);
		});
	let stderr = '';
	const t = kind === 'http'
		? new StreamableHTTPClientTransport(new URL(`${d.base}/mcp`),
			{ requestInit: { headers: { Authorization: `Bearer ${home.token}` } } })
		: new StdioClientTransport({ command: join(BUILD, 'homectl-mcp'), stderr: 'pipe',
			args: ['--stdio', '--db', home.db, ...extra] });
	t.stderr?.on('data', (b) => { stderr += b; });
	await c.connect(t);
	return { c, asked, log: () => (kind === 'http' ? d.log() : stderr) };
}

for (const kind of ['stdio', 'http']) {
	test(`${kind}: a mode that opens the home asks the person; decline and cancel change nothing`, async () => {
		closeUp();
		for (const action of ['decline', 'cancel']) {
			const no = await client(kind, () => ({ action }));
			// The model's own confirm: true does not count: the person is asked.
			const r = await no.c.callTool({ name: 'set_home_mode', arguments: { mode: 'welcome', confirm: true } });
			assert.equal(no.asked.length, 1);
			const q = no.asked[0];
			assert.match(q.message, /set the home mode to welcome/);
			assert.match(q.message, /unlock front_door_lock/);
			assert.match(q.message, /open garage_door/);
			// Only the opening actions are asked about, not the light.
			assert.doesNotMatch(q.message, /living_room_light_main/);
			assert.equal(q.requestedSchema.properties.confirm.type, 'boolean');
			assert.match(q.requestedSchema.properties.confirm.description, /unlock front_door_lock.*open garage_door/);
			assert.ok(r.isError);
			assert.match(r.content[0].text, new RegExp(`did not allow it \\(${action === 'cancel' ? 'cancelled' : 'declined'}\\): nothing was changed`));
			assert.equal(mode(), 'home');
			assert.equal(state('front_door_lock'), 'locked');
			assert.equal(state('garage_door'), 'closed');
			await no.c.close();
		}
	});

	test(`${kind}: accept sets the mode, opening what it names`, async () => {
		closeUp();
		const yes = await client(kind, () => ({ action: 'accept', content: { confirm: true } }));
		const r = await yes.c.callTool({ name: 'set_home_mode', arguments: { mode: 'welcome' } });
		assert.equal(yes.asked.length, 1);
		assert.ok(!r.isError, JSON.stringify(r));
		assert.equal(r.structuredContent.mode, 'welcome');
		assert.equal(mode(), 'welcome');
		assert.equal(state('front_door_lock'), 'unlocked');
		assert.equal(state('garage_door'), 'open');
		// Whoever set it, the feed says MCP did.
		assert.equal(sqlite(home, "SELECT source FROM changes WHERE kind = 'mode' ORDER BY seq DESC LIMIT 1").trim(), 'mcp');
		// A mode that opens nothing asks nobody.
		const before = yes.asked.length;
		const plain = await yes.c.callTool({ name: 'set_home_mode', arguments: { mode: 'away' } });
		assert.ok(!plain.isError, JSON.stringify(plain));
		assert.equal(yes.asked.length, before);
		await yes.c.close();
	});
}

test('a client without elicitation keeps confirm: true', async () => {
	closeUp();
	const plain = await client('http', null);
	let r = await plain.c.callTool({ name: 'set_home_mode', arguments: { mode: 'welcome' } });
	assert.ok(r.isError);
	assert.match(r.content[0].text, /confirm: true/);
	assert.equal(mode(), 'home');
	assert.equal(state('front_door_lock'), 'locked');
	r = await plain.c.callTool({ name: 'set_home_mode', arguments: { mode: 'welcome', confirm: true } });
	assert.ok(!r.isError, JSON.stringify(r));
	assert.equal(mode(), 'welcome');
	assert.equal(state('garage_door'), 'open');
	await plain.c.close();
});

test('require_elicitation: a client that cannot ask sets no mode that opens, even with confirm', async () => {
	closeUp();
	const conf = join(home.dir, 'strict.conf');
	writeFileSync(conf, 'require_elicitation = yes\n');
	const plain = await client('stdio', null, ['--config', conf]);
	let r = await plain.c.callTool({ name: 'set_home_mode', arguments: { mode: 'welcome', confirm: true } });
	assert.ok(r.isError);
	assert.match(r.content[0].text, /can ask the user directly/);
	assert.match(r.content[0].text, /set the home mode to welcome/);
	assert.equal(mode(), 'home');
	assert.equal(state('front_door_lock'), 'locked');
	// Modes that open nothing still work.
	r = await plain.c.callTool({ name: 'set_home_mode', arguments: { mode: 'away' } });
	assert.ok(!r.isError, JSON.stringify(r));
	await plain.c.close();
	const asks = await client('stdio', () => ({ action: 'accept', content: { confirm: true } }), ['--config', conf]);
	r = await asks.c.callTool({ name: 'set_home_mode', arguments: { mode: 'welcome' } });
	assert.ok(!r.isError, JSON.stringify(r));
	assert.equal(mode(), 'welcome');
	await asks.c.close();
});

// A process that takes SQLite's write lock (BEGIN IMMEDIATE and an
// uncommitted write, as a shell user would) and commits when told to.
function holdLock() {
	const p = spawn('python3', ['-c', `
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
c.execute('BEGIN IMMEDIATE')
c.execute("UPDATE devices SET name = name || '' WHERE id = (SELECT min(id) FROM devices)")
print('locked', flush=True)
sys.stdin.readline()
c.execute('COMMIT')
print('released', flush=True)
`, home.db], { stdio: ['pipe', 'pipe', 'inherit'] });
	servers.push(p);
	const lines = readline.createInterface({ input: p.stdout });
	const seen = [];
	const waiters = [];
	lines.on('line', (l) => {
		seen.push(l);
		for (const w of waiters.splice(0))
			w();
	});
	const until = (line) => new Promise((res) => {
		const check = () => (seen.includes(line) ? res() : waiters.push(check));
		check();
	});
	return { locked: until('locked'), release: () => { p.stdin.write('\n'); return until('released'); } };
}

// Resolves when the server's log (get()) matches re.
async function logSays(get, re) {
	while (!re.test(get()))
		await new Promise((r) => setTimeout(r, 20));
}

for (const kind of ['stdio', 'http']) {
	test(`${kind}: a yes given while another process holds the write lock lands once, when it goes`, async () => {
		closeUp();
		const rowsBefore = modeRows('welcome');
		let lock = null;
		// The person answers only once the lock is held: the call they
		// allow meets it.
		const yes = await client(kind, async () => {
			lock = holdLock();
			await lock.locked;
			return { action: 'accept', content: { confirm: true } };
		});
		const pending = yes.c.callTool({ name: 'set_home_mode', arguments: { mode: 'welcome' } });
		// The server has the yes and waits for the lock: nothing landed.
		await logSays(yes.log, /the user allowed it; waiting for the database lock/);
		assert.equal(mode(), 'home');
		assert.equal(state('front_door_lock'), 'locked');
		await lock.release();
		const r = await pending;
		assert.ok(!r.isError, JSON.stringify(r));
		assert.equal(yes.asked.length, 1, 'the person is asked once');
		assert.equal(mode(), 'welcome');
		assert.equal(state('front_door_lock'), 'unlocked');
		assert.equal(modeRows('welcome'), rowsBefore + 1, 'the mode was set once');
		await yes.c.close();
	});
}

// An automation that would unlock the front door when the garage opens.
const letIn = (name) => ({ name, triggers: [{ device: 'garage_door', to: 'open' }],
	actions: [{ device: 'front_door_lock', action: 'unlock' }, { device: 'bedroom_light_main', action: 'on' }] });
const stored = (name) => sqlite(home, `SELECT count(*) FROM automations WHERE name = '${name}'`).trim() === '1';
const consentOf = (name) => sqlite(home, `SELECT consent FROM automations WHERE name = '${name}'`).trim();

for (const kind of ['stdio', 'http']) {
	test(`${kind}: creating or turning on an automation that opens the home asks the person`, async () => {
		const name = `let in ${kind}`;
		const no = await client(kind, () => ({ action: 'decline' }));
		let r = await no.c.callTool({ name: 'create_automation', arguments: { automation: letIn(name), confirm: true } });
		assert.equal(no.asked.length, 1);
		assert.match(no.asked[0].message, new RegExp(`create the automation "${name}", which would: unlock front_door_lock`));
		assert.doesNotMatch(no.asked[0].message, /bedroom_light_main/);
		assert.ok(r.isError);
		assert.match(r.content[0].text, /did not allow it \(declined\): nothing was changed/);
		assert.ok(!stored(name));
		await no.c.close();

		const yes = await client(kind, () => ({ action: 'accept', content: { confirm: true } }));
		r = await yes.c.callTool({ name: 'create_automation', arguments: { automation: letIn(name) } });
		assert.ok(!r.isError, JSON.stringify(r));
		assert.equal(yes.asked.length, 1);
		assert.deepEqual(JSON.parse(consentOf(name)).map((c) => `${c.action} ${c.device}`), ['unlock front_door_lock']);
		// Off and on again: the yes it has covers what it opens.
		r = await yes.c.callTool({ name: 'enable_automation', arguments: { name, enabled: false } });
		assert.ok(!r.isError, JSON.stringify(r));
		r = await yes.c.callTool({ name: 'enable_automation', arguments: { name, enabled: true } });
		assert.ok(!r.isError, JSON.stringify(r));
		assert.equal(yes.asked.length, 1);
		await yes.c.close();
		// A new document has nobody's yes: turning it on asks again.
		sqlite(home, `UPDATE automations SET consent = NULL, document = json_set(document, '$.enabled', json('false')) WHERE name = '${name}'`);
		const cancel = await client(kind, () => ({ action: 'cancel' }));
		r = await cancel.c.callTool({ name: 'enable_automation', arguments: { name, enabled: true } });
		assert.equal(cancel.asked.length, 1);
		assert.match(cancel.asked[0].message, new RegExp(`turn on the automation "${name}"`));
		assert.ok(r.isError);
		assert.match(r.content[0].text, /cancelled/);
		assert.equal(sqlite(home, `SELECT json_extract(document, '$.enabled') FROM automations WHERE name = '${name}'`).trim(), '0');
		await cancel.c.close();
		sqlite(home, `DELETE FROM automations WHERE name = '${name}'`);
	});
}

test('automations: a client without elicitation passes confirm: true', async () => {
	const plain = await client('http', null);
	let r = await plain.c.callTool({ name: 'create_automation', arguments: { automation: letIn('plain') } });
	assert.ok(r.isError);
	assert.match(r.content[0].text, /would open the home when it runs \(unlock front_door_lock\).*confirm: true/);
	assert.ok(!stored('plain'));
	r = await plain.c.callTool({ name: 'create_automation', arguments: { automation: letIn('plain'), confirm: true } });
	assert.ok(!r.isError, JSON.stringify(r));
	assert.match(consentOf('plain'), /front_door_lock/);
	// One that opens nothing needs no one's yes and keeps none.
	r = await plain.c.callTool({ name: 'create_automation', arguments: { automation: {
		name: 'lights', triggers: [{ device: 'garage_door', to: 'open' }], actions: [{ device: 'bedroom_light_main', action: 'on' }] } } });
	assert.ok(!r.isError, JSON.stringify(r));
	assert.equal(consentOf('lights'), '');
	await plain.c.close();
});
