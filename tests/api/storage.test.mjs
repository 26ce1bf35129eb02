// SPDX-License-Identifier: MIT
// storage.test.mjs -- a full disk and a read-only database say so: 507
// storage_full and 503 read_only from REST, the same sentence as an MCP
// isError result and as the CLI's error, nothing changed; homectl-api stays
// up and the next write after space returns succeeds and reaches a
// WebSocket client.  The disk is a 1 MiB tmpfs, so the test needs root (it
// says "skipped" otherwise); the read-only database is a file homectl-api's
// user (nobody) may read but not write.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, chmodSync, chownSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import readline from 'node:readline';
import { HOMECTL, MCP, startApi, api, connect } from './helpers.mjs';

const root = process.getuid() === 0;
const FULL = 'the disk holding the database is full';
const RO = 'the database is read-only';

// A home in dir (the tmpfs), its web root outside it.
function homeIn(dir) {
	const db = join(dir, 'home.db');
	execFileSync(HOMECTL, ['--db', db, 'init', '--demo'], { stdio: 'ignore' });
	const token = execFileSync(HOMECTL, ['--db', db, 'token', 'create', 'test']).toString().trim();
	const web = mkdtempSync(join(tmpdir(), 'homectl-web-'));
	writeFileSync(join(web, 'index.html'), '<!doctype html>\n');
	return { dir, db, web, token, cleanup: () => rmSync(web, { recursive: true, force: true }) };
}

// One tools/call of homectl-mcp --stdio on db (as the user of opts, if
// any); resolves with its result.
async function mcpCall(db, name, args, opts = {}) {
	const child = spawn(MCP, ['--stdio', '--db', db], { stdio: ['pipe', 'pipe', 'pipe'], ...opts });
	const lines = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
	const send = (o) => child.stdin.write(JSON.stringify(o) + '\n');
	send({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25',
		capabilities: {}, clientInfo: { name: 'storage', version: '1' } } });
	await lines.next();
	send({ jsonrpc: '2.0', method: 'notifications/initialized' });
	send({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } });
	const r = JSON.parse((await lines.next()).value);
	child.stdin.end();
	await new Promise((res) => child.on('exit', res));
	return r.result;
}

// The CLI's answer (as the user of opts, if any): exit status and stderr.
function cli(opts, db, ...args) {
	try {
		execFileSync(HOMECTL, ['--db', db, ...args], { stdio: ['ignore', 'ignore', 'pipe'], ...opts });
		return { status: 0, stderr: '' };
	} catch (e) {
		return { status: e.status, stderr: e.stderr.toString() };
	}
}

const lamp = (on) => ({ method: 'POST', body: { action: on ? 'on' : 'off' } });
const LAMP = '/api/devices/living_room_light_lamp/actions';

test('a full disk: 507 storage_full, the daemon stays up, and recovers when space returns',
	{ skip: !root && 'skipped: mounting a tmpfs needs root' }, async () => {
	const dir = mkdtempSync(join(tmpdir(), 'homectl-full-'));
	execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]);
	const home = homeIn(dir);
	const d = await startApi(home);
	try {
		const [c] = await connect(d);
		// Fill the disk (dd stops at ENOSPC).
		try {
			execFileSync('dd', ['if=/dev/zero', `of=${join(dir, 'filler')}`, 'bs=4k'],
				{ stdio: 'ignore' });
		} catch { /* no space left: what we want */ }
		const r = await api(d, LAMP, lamp(true));
		assert.equal(r.status, 507, r.text);
		assert.equal(r.json.error.code, 'storage_full');
		assert.match(r.json.error.message, new RegExp(FULL));
		assert.equal((await api(d, '/api/health')).status, 200, 'still serving');
		assert.equal((await api(d, '/api/devices/living_room_light_lamp')).json.state, 'off',
			'nothing changed');
		// The CLI and homectl-mcp say the same.
		const out = cli({}, home.db, 'set', 'living_room_light_lamp', 'on');
		assert.equal(out.status, 1);
		assert.match(out.stderr, new RegExp(FULL));
		const m = await mcpCall(home.db, 'control_device',
			{ device_id: 'living_room_light_lamp', action: 'on' });
		assert.equal(m.isError, true);
		assert.match(m.content[0].text, new RegExp(FULL));
		// Space again: the same request goes through and reaches the client.
		rmSync(join(dir, 'filler'));
		const ok = await api(d, LAMP, lamp(true));
		assert.equal(ok.status, 200, ok.text);
		await c.device('living_room_light_lamp', (x) => x.state === 'on');
		c.close();
	} finally {
		assert.equal(await d.stop(), 0);
		home.cleanup();
		execFileSync('umount', [dir]);
		rmSync(dir, { recursive: true, force: true });
	}
});

test('a read-only database: 503 read_only, and the same from homectl-mcp and the CLI',
	{ skip: !root && 'skipped: running homectl as another user needs root' }, async () => {
	const dir = mkdtempSync(join(tmpdir(), 'homectl-ro-'));
	const home = homeIn(dir);
	// nobody may read the database (and make its -wal and -shm) but not
	// write it: SQLite opens it read-only.
	chownSync(dir, 65534, 65534);
	chmodSync(home.db, 0o644);
	chmodSync(home.web, 0o755);
	const d = await startApi(home, [], {}, { uid: 65534, gid: 65534 });
	try {
		const r = await api(d, LAMP, lamp(true));
		assert.equal(r.status, 503, r.text);
		assert.equal(r.json.error.code, 'read_only');
		assert.match(r.json.error.message, new RegExp(RO));
		assert.equal((await api(d, '/api/health')).status, 200, 'still serving');
		assert.equal((await api(d, '/api/devices')).json.devices.length, 24, 'reads work');
		const nobody = { uid: 65534, gid: 65534 };
		const out = cli(nobody, home.db, 'set', 'living_room_light_lamp', 'on');
		assert.equal(out.status, 1);
		assert.match(out.stderr, new RegExp(RO));
		const m = await mcpCall(home.db, 'control_device',
			{ device_id: 'living_room_light_lamp', action: 'on' }, nobody);
		assert.equal(m.isError, true);
		assert.match(m.content[0].text, new RegExp(RO));
		assert.equal(execFileSync('sqlite3', [home.db,
			"SELECT state FROM devices WHERE id = 'living_room_light_lamp'"]).toString().trim(), 'off');
	} finally {
		assert.equal(await d.stop(), 0);
		home.cleanup();
		rmSync(dir, { recursive: true, force: true });
	}
});
