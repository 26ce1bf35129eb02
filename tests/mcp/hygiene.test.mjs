// SPDX-License-Identifier: MIT
// hygiene.test.mjs -- what an outside check found: an address given to
// --listen, a NUL inside a JSON string, the exact 10 MiB limit, and
// HOMECTL_MCP_SOCKET for `homectl mcp`.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

import { makeHome, raw, INIT, stateOf, homectl, track, killAll, closeAll, HOMECTL, MCP } from './helpers.mjs';

const home = makeHome();
after(async () => { await closeAll(); killAll(); home.rm(); });

const LIMIT = 10 * 1024 * 1024;

test('--listen with a host:port is refused, and no socket file of that name appears', () => {
	for (const addr of ['127.0.0.1:9123', '[::1]:9123', 'localhost:9123']) {
		const r = spawnSync(MCP, ['--listen', addr, '--db', home.db], { cwd: home.dir, encoding: 'utf8' });
		assert.notEqual(r.status, 0, addr);
		assert.match(r.stderr, /looks like a TCP address.*homectl-api's \/mcp/, r.stderr);
	}
	assert.ok(!readdirSync(home.dir).some((f) => f.includes(':')), readdirSync(home.dir).join(' '));
});

test('a NUL inside a JSON string is refused and nothing is done', async () => {
	homectl(home.db, 'set', 'kitchen_light_main', 'off');
	const s = raw(home.db);
	await s.request(INIT);
	s.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
	let r = await s.request('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"control_device",' +
		'"arguments":{"device_id":"kitchen_light_main\\u0000x","action":"on"}}}');
	assert.equal(r.id, 1);
	assert.equal(r.error.code, -32600);
	assert.match(r.error.message, /NUL/);
	r = await s.request('{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"control_device\\u0000","arguments":{"device_id":"kitchen_light_main","action":"on"}}}');
	assert.equal(r.error.code, -32600);
	assert.equal(stateOf(home.db, 'kitchen_light_main'), 'off');
	r = await s.request({ jsonrpc: '2.0', id: 3, method: 'ping' });
	assert.deepEqual(r.result, {}, 'the session goes on');
	await s.close();
});

// A ping whose padding makes the line exactly len bytes (without "\n").
function pingOfLength(id, len) {
	const head = `{"jsonrpc":"2.0","id":${id},"method":"ping","params":{"_meta":{"pad":"`;
	const tail = '"}}}';
	return head + 'x'.repeat(len - head.length - tail.length) + tail;
}

test('the 10 MiB limit is exact: 10 MiB answered, one byte more refused, even in one write', async () => {
	const s = raw(home.db);
	await s.request(INIT);
	// Both lines, and what follows, in one write: the excess arrives with
	// its newline in the same read.
	s.child.stdin.write(pingOfLength(1, LIMIT) + '\n' + pingOfLength(2, LIMIT + 1) + '\n' +
		pingOfLength(3, LIMIT + 60000) + '\n' + '{"jsonrpc":"2.0","id":4,"method":"ping"}\n');
	const got = [];
	for (let i = 0; i < 4; i++)
		got.push(await s.nextJSON());
	assert.deepEqual(got[0], { jsonrpc: '2.0', id: 1, result: {} });
	assert.equal(got[1].error.code, -32600);
	assert.match(got[1].error.message, /longer than 10485760 bytes/);
	assert.equal(got[2].error.code, -32600);
	assert.deepEqual(got[3], { jsonrpc: '2.0', id: 4, result: {} });
	await s.close();
});

test('`homectl mcp` finds the socket through HOMECTL_MCP_SOCKET', async () => {
	const sock = path.join(home.dir, 'env.sock');
	const server = track(spawn(MCP, ['--listen', sock, '--db', home.db], { stdio: ['ignore', 'ignore', 'pipe'] }));
	await new Promise((res, rej) => {
		let err = '';
		server.stderr.on('data', (d) => { err += d; if (/listening on/.test(err)) res(); });
		server.on('exit', (c) => rej(new Error(`exited ${c}: ${err}`)));
	});
	assert.ok(existsSync(sock));
	const r = await new Promise((res) => {
		const b = track(spawn(HOMECTL, ['--config', '/dev/null', 'mcp'],
			{ env: { ...process.env, HOMECTL_MCP_SOCKET: sock }, stdio: ['pipe', 'pipe', 'pipe'] }));
		let out = '';
		b.stdout.on('data', (d) => { out += d; });
		b.on('exit', (code) => res({ code, out }));
		b.stdin.end('{"jsonrpc":"2.0","id":7,"method":"ping"}\n');
	});
	assert.equal(r.code, 0);
	assert.deepEqual(JSON.parse(r.out.trim()), { jsonrpc: '2.0', id: 7, result: {} });
	// --socket still wins over the environment.
	const w = spawnSync(HOMECTL, ['--config', '/dev/null', 'mcp', '--socket', path.join(home.dir, 'none.sock')],
		{ env: { ...process.env, HOMECTL_MCP_SOCKET: sock }, input: '', encoding: 'utf8' });
	assert.equal(w.status, 1);
	assert.match(w.stderr, /none\.sock/);
	server.kill('SIGTERM');
});
