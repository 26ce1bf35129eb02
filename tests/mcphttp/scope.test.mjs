// SPDX-License-Identifier: MIT
// scope.test.mjs -- token scopes (read, control, full) enforced by REST and
// by MCP over HTTP, the migration that gives old tokens full, and a
// revoked token's live WebSocket and MCP session closed at once.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';

import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

import { makeHome, startApi, homectl, sqlite, api, connect, HOMECTL } from '../api/helpers.mjs';

const home = makeHome();
const tok = {
	read: homectl(home, 'token', 'create', 'r', '--scope', 'read').trim(),
	control: homectl(home, 'token', 'create', 'c', '--scope', 'control').trim(),
	full: homectl(home, 'token', 'create', 'f', '--scope', 'full').trim(),
};
const d = await startApi(home);
after(async () => {
	await d.stop();
	await new Promise((res) => (d.proc.stderr.readableEnded ? res() : d.proc.stderr.on('end', res)));
	home.cleanup();
	// Under make SANITIZE=1 a report (a leak at exit too) fails the suite.
	assert.doesNotMatch(d.log(), /Sanitizer|runtime error:/);
});

const state = (id) => sqlite(home, `SELECT state FROM devices WHERE id='${id}'`).trim();
const call = (scope, path, method = 'GET', body) => api(d, path, { method, body, auth: `Bearer ${tok[scope]}` });

async function mcp(scope) {
	const c = new McpClient({ name: `scope-${scope}`, version: '1' });
	const t = new StreamableHTTPClientTransport(new URL(`${d.base}/mcp`),
		{ requestInit: { headers: { Authorization: `Bearer ${tok[scope]}` } } });
	await c.connect(t);
	return { c, t };
}

test('homectl token create --scope, and list shows it; a bad scope is refused', () => {
	const list = homectl(home, 'token', 'list');
	assert.match(list, /^r\s+read\s/m);
	assert.match(list, /^c\s+control\s/m);
	assert.match(list, /^f\s+full\s/m);
	assert.match(list, /^test\s+full\s/m, 'tokens made without --scope are full');
	assert.throws(() => execFileSync(HOMECTL, ['--db', home.db, 'token', 'create', 'x', '--scope', 'admin'],
		{ stdio: 'pipe' }), (e) => e.status === 2 && /read, control or full/.test(e.stderr));
	assert.equal(sqlite(home, "SELECT count(*) FROM tokens WHERE name='x'").trim(), '0');
});

test('REST: read reads, control runs but never opens, full opens and edits', async () => {
	homectl(home, 'set', 'front_door_lock', 'lock');
	homectl(home, 'set', 'kitchen_light_main', 'off');
	assert.equal((await call('read', '/api/devices')).status, 200);
	let r = await call('read', '/api/devices/kitchen_light_main/actions', 'POST', { action: 'on' });
	assert.equal(r.status, 403);
	assert.equal(r.json.error.code, 'insufficient_scope');
	assert.equal(state('kitchen_light_main'), 'off');
	r = await call('control', '/api/devices/kitchen_light_main/actions', 'POST', { action: 'on' });
	assert.equal(r.status, 200, r.text);
	assert.equal(state('kitchen_light_main'), 'on');
	r = await call('control', '/api/devices/front_door_lock/actions', 'POST', { action: 'unlock', confirm: true });
	assert.equal(r.status, 403);
	assert.equal(r.json.error.code, 'insufficient_scope');
	assert.equal(state('front_door_lock'), 'locked');
	r = await call('control', '/api/rooms', 'POST', { id: 'attic', name: 'Attic' });
	assert.equal(r.status, 403);
	assert.equal(sqlite(home, "SELECT count(*) FROM rooms WHERE id='attic'").trim(), '0');
	r = await call('control', '/api/mode', 'PUT', { mode: 'away' });
	assert.equal(r.status, 200, r.text);
	r = await call('full', '/api/devices/front_door_lock/actions', 'POST', { action: 'unlock', confirm: true });
	assert.equal(r.status, 200, r.text);
	assert.equal(state('front_door_lock'), 'unlocked');
	r = await call('full', '/api/rooms', 'POST', { id: 'attic', name: 'Attic' });
	assert.equal(r.status, 201, r.text);
});

test('MCP: a read session lists no write tool, control no edit tool and cannot unlock', async () => {
	homectl(home, 'set', 'front_door_lock', 'lock');
	const ro = await mcp('read');
	let { tools } = await ro.c.listTools();
	assert.ok(tools.length > 0);
	assert.ok(tools.every((t) => t.annotations.readOnlyHint), tools.map((t) => t.name).join(' '));
	await assert.rejects(ro.c.callTool({ name: 'control_device', arguments: { device_id: 'kitchen_light_main', action: 'off' } }),
		/scope read/);
	await ro.t.terminateSession();

	const ctl = await mcp('control');
	({ tools } = await ctl.c.listTools());
	const names = tools.map((t) => t.name);
	assert.ok(names.includes('control_device') && names.includes('set_home_mode'));
	assert.ok(!names.includes('add_room') && !names.includes('remove_device') && !names.includes('create_automation'));
	assert.ok(!names.includes('open_or_unlock'), 'a control token never opens the home');
	await assert.rejects(ctl.c.callTool({ name: 'open_or_unlock', arguments: { device_id: 'front_door_lock', confirm: true } }),
		/scope control/);
	let r = await ctl.c.callTool({ name: 'control_device', arguments: { device_id: 'front_door_lock', action: 'unlock' } });
	assert.ok(r.isError);
	assert.match(r.content[0].text, /open_or_unlock/);
	assert.equal(state('front_door_lock'), 'locked');
	r = await ctl.c.callTool({ name: 'control_device', arguments: { device_id: 'kitchen_light_main', action: 'off' } });
	assert.ok(!r.isError, JSON.stringify(r));
	await ctl.t.terminateSession();

	const full = await mcp('full');
	({ tools } = await full.c.listTools());
	assert.ok(tools.some((t) => t.name === 'add_room'));
	r = await full.c.callTool({ name: 'open_or_unlock', arguments: { device_id: 'front_door_lock', confirm: true } });
	assert.ok(!r.isError, JSON.stringify(r));
	assert.equal(state('front_door_lock'), 'unlocked');
	await full.t.terminateSession();
});

test('revoking a token closes its WebSocket and its MCP session and stream', async () => {
	const name = 'gone';
	tok.gone = homectl(home, 'token', 'create', name, '--scope', 'read').trim();
	const [ws, first] = await connect(d, { token: tok.gone });
	assert.equal(first.type, 'snapshot');
	const m = await mcp('gone');
	await m.c.listTools();
	// The SDK's GET stream is open: wait until the server has it.
	for (let i = 0; i < 50 && !/stream open/.test(d.log()); i++)
		await new Promise((res) => setTimeout(res, 100));
	const t0 = Date.now();
	homectl(home, 'token', 'revoke', name);
	const closed = await ws.closedP;
	const wsMs = Date.now() - t0;
	assert.equal(closed.code, 4401);
	for (let i = 0; i < 100 && !/ended \(its token was revoked\)/.test(d.log()); i++)
		await new Promise((res) => setTimeout(res, 50));
	const mcpMs = Date.now() - t0;
	assert.match(d.log(), /ended \(its token was revoked\)/);
	console.log(`revocation: WebSocket closed after ${wsMs} ms, MCP session after ${mcpMs} ms`);
	const sid = m.t.sessionId;
	const r = await fetch(`${d.base}/mcp`, { method: 'POST', headers: { 'Content-Type': 'application/json',
		Accept: 'application/json, text/event-stream', Authorization: `Bearer ${tok.full}`, 'Mcp-Session-Id': sid },
	body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'ping' }) });
	assert.equal(r.status, 404);
	await m.c.close().catch(() => {});
});

// No schema before 6 had a narrower token: the tokens table was name, hash,
// created_at, last_used, and every token passed every route (read_only in
// homectl.conf only ever limited homectl-mcp, which takes no token).  So
// the migration gives them full, the scope they had; built here from a
// real schema-1 file with a token of a known hash.
test('migration: a database from before scopes keeps its tokens, as full', async () => {
	const old = home.db.replace(/home\.db$/, 'old.db');
	const token = 'hc_' + 'A'.repeat(43);
	const hash = createHash('sha256').update(token).digest('hex');
	execFileSync('sqlite3', [old, '.read tests/fixtures/schema-1.sql']);
	execFileSync('sqlite3', [old, `INSERT INTO tokens(name, hash) VALUES ('old', '${hash}')`]);
	assert.equal(execFileSync('sqlite3', [old, 'PRAGMA user_version']).toString().trim(), '1');
	const list = execFileSync(HOMECTL, ['--db', old, 'token', 'list']).toString();
	assert.match(list, /^old\s+full\s/m, 'a token made before scopes is full');
	assert.equal(execFileSync('sqlite3', [old, 'PRAGMA user_version']).toString().trim(), '10');
	// And homectl-api lets it do what only full may: edit the home.
	const oldHome = { ...home, db: old, token };
	const od = await startApi(oldHome);
	try {
		const r = await api(od, '/api/rooms', { method: 'POST', body: { id: 'cellar', name: 'Cellar' } });
		assert.equal(r.status, 201, r.text);
	} finally {
		await od.stop();
	}
});
