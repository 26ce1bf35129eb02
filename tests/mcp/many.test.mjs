// SPDX-License-Identifier: MIT
// many.test.mjs -- the socket server's single loop under load: many
// sessions at once, a client that never reads its replies, and the session
// limit.  Plain unix-socket connections, no bridge in between.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';

import { makeHome, MCP, track, killAll, watchStderr, sanitizerReports } from './helpers.mjs';

let home;
before(() => { home = makeHome(); });
after(() => {
	killAll();
	home.rm();
	assert.deepEqual(sanitizerReports(), []);
});

async function server(sock, extra = []) {
	const child = track(spawn(MCP, ['--listen', sock, '--db', home.db, ...extra],
		{ stdio: ['ignore', 'ignore', 'pipe'] }));
	let err = '';
	watchStderr(() => err);
	await new Promise((resolve, reject) => {
		child.stderr.on('data', (d) => { err += d; if (/listening on/.test(err)) resolve(); });
		child.on('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
	});
	return child;
}

// A connection with a line reader: lines() resolves after n lines.
function conn(sock) {
	const c = net.connect(sock);
	const got = [];
	const waiters = [];
	readline.createInterface({ input: c }).on('line', (l) => {
		got.push(JSON.parse(l));
		for (const w of [...waiters]) if (got.length >= w.n) { waiters.splice(waiters.indexOf(w), 1); w.resolve(got); }
	});
	const closed = new Promise((resolve) => c.on('close', resolve));
	return {
		c, closed,
		send(lines) { c.write(lines.map((m) => JSON.stringify(m) + '\n').join('')); },
		lines(n) { return got.length >= n ? Promise.resolve(got) : new Promise((resolve) => waiters.push({ n, resolve })); },
	};
}

const ping = (id) => ({ jsonrpc: '2.0', id, method: 'ping' });
const INIT = { jsonrpc: '2.0', id: 0, method: 'initialize',
	params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'idle', version: '1' } } };
const INITIALIZED = { jsonrpc: '2.0', method: 'notifications/initialized' };

test('50 sessions at once, each with 20 pipelined requests, all answered in order', async () => {
	const sock = path.join(home.dir, 'many.sock');
	// All 50 come from this one user: lift the per-user bound.
	const srv = await server(sock, ['--max-sessions-per-peer', '50']);
	const conns = Array.from({ length: 50 }, () => conn(sock));
	for (const [i, k] of conns.entries()) {
		k.send(Array.from({ length: 20 }, (_, j) => j % 5 === 4
			? { jsonrpc: '2.0', id: j, method: 'tools/call', params: { name: 'list_devices', arguments: { room: 'kitchen' } } }
			: ping(j)));
		if (i % 10 === 0) k.send([{ jsonrpc: '2.0', id: 99, method: 'tools/call',
			params: { name: 'control_device', arguments: { action: 'toggle', device_id: 'kitchen_light_counter' } } }]);
	}
	for (const [i, k] of conns.entries()) {
		const got = await k.lines(i % 10 === 0 ? 22 : 20);
		const replies = got.filter((m) => 'id' in m);
		assert.deepEqual(replies.slice(0, 20).map((m) => m.id), Array.from({ length: 20 }, (_, j) => j));
		assert.ok(replies.every((m) => m.result && !m.error));
		assert.equal(replies[4].result.structuredContent.total, 4);
		k.c.end();
	}
	await Promise.all(conns.map((k) => k.closed));
	srv.kill('SIGTERM');
});

test('a client that never reads does not stall the others', async () => {
	const sock = path.join(home.dir, 'slow.sock');
	const srv = await server(sock);
	const slow = net.connect(sock);
	slow.pause();	// never read
	await new Promise((resolve) => slow.on('connect', resolve));
	// About 40 MB of replies asked for, none read.
	const big = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }) + '\n';
	slow.write(big.repeat(3000));
	const other = conn(sock);
	for (let i = 0; i < 5; i++) {
		other.send([ping(i)]);
		const got = await other.lines(i + 1);
		assert.deepEqual(got[i], { jsonrpc: '2.0', id: i, result: {} });
	}
	other.c.end();
	slow.destroy();
	srv.kill('SIGTERM');
});

test('--max-sessions: a connection over the limit is closed, the others go on', async () => {
	const sock = path.join(home.dir, 'limit.sock');
	const srv = await server(sock, ['--max-sessions', '2']);
	const a = conn(sock);
	const b = conn(sock);
	a.send([ping(1)]);
	b.send([ping(1)]);
	await a.lines(1);
	await b.lines(1);
	const c = conn(sock);
	await c.closed;
	a.send([ping(2)]);
	assert.equal((await a.lines(2))[1].id, 2);
	a.c.end();
	await a.closed;
	// A freed slot is usable again.
	const d = conn(sock);
	d.send([ping(3)]);
	assert.equal((await d.lines(1))[0].id, 3);
	b.c.end();
	d.c.end();
	srv.kill('SIGTERM');
});

test('64 silent connections from one user do not lock out an assistant of that user', async () => {
	const sock = path.join(home.dir, 'silent.sock');
	const srv = await server(sock);	// the defaults: 64 sessions, 16 per user
	const silent = Array.from({ length: 64 }, () => conn(sock));
	await Promise.all(silent.map((k) => new Promise((resolve) => k.c.on('connect', resolve))));
	const t0 = Date.now();
	const a = conn(sock);
	a.send([INIT, INITIALIZED, { jsonrpc: '2.0', id: 1, method: 'tools/call',
		params: { name: 'list_devices', arguments: { room: 'kitchen' } } }]);
	const got = await a.lines(2);
	console.log(`# assistant served ${Date.now() - t0} ms after 64 silent connections`);
	assert.equal(got[0].result.serverInfo.name, 'homectl');
	assert.equal(got[1].result.structuredContent.total, 4);
	// The silent ones beyond 16 gave up their place, oldest first.
	let closed = 0;
	await Promise.all(silent.map((k) => Promise.race([k.closed.then(() => { closed++; }),
		new Promise((resolve) => setTimeout(resolve, 200))])));
	assert.ok(closed >= 64 - 16, `${closed} of 64 silent connections closed`);
	a.c.end();
	for (const k of silent) k.c.destroy();
	srv.kill('SIGTERM');
});

test('--idle-timeout: no initialize, or no answer to a ping, closes; a live client stays', async () => {
	const sock = path.join(home.dir, 'idle.sock');
	const srv = await server(sock, ['--idle-timeout', '2']);
	const mute = conn(sock);		// never says a word
	const deaf = conn(sock);		// initializes, then ignores pings
	const live = conn(sock);		// answers pings, as MCP clients do
	deaf.send([INIT, INITIALIZED]);
	live.send([INIT, INITIALIZED]);
	let livePings = 0;
	readline.createInterface({ input: live.c }).on('line', (l) => {
		const m = JSON.parse(l);
		if (m.method === 'ping') {
			livePings++;
			live.send([{ jsonrpc: '2.0', id: m.id, result: {} }]);
		}
	});
	await mute.closed;
	const deafLines = await Promise.race([deaf.closed.then(() => null), deaf.lines(2)]);
	assert.ok(deafLines, 'the server pinged before closing');
	assert.equal(deafLines[1].method, 'ping');
	assert.equal(typeof deafLines[1].id, 'string');
	await deaf.closed;
	// The live client has been idle as long as the deaf one, and more.
	while (livePings < 2) await new Promise((resolve) => setTimeout(resolve, 100));
	live.send([ping(7)]);
	const got = await live.lines(4);	// initialize, 2 pings, our answer
	assert.ok(got.some((m) => m.id === 7 && m.result), JSON.stringify(got));
	live.c.end();
	await live.closed;
	srv.kill('SIGTERM');
});

test('--max-sessions-per-peer: one user at the limit is refused with a reason, another user is served', async () => {
	const sock = path.join(home.dir, 'peer.sock');
	const srv = await server(sock, ['--max-sessions-per-peer', '2']);
	const a = conn(sock);
	const b = conn(sock);
	a.send([ping(1)]);
	b.send([ping(1)]);
	await a.lines(1);
	await b.lines(1);
	const c = conn(sock);
	const [refusal] = await c.lines(1);
	assert.equal(refusal.id, null);
	assert.match(refusal.error.message, /too many sessions for this user/);
	await c.closed;
	// Another uid (nobody) still gets in.
	chmodSync(home.dir, 0o711);
	chmodSync(sock, 0o666);
	const other = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups',
		'/usr/bin/python3', '-c', `
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b'{"jsonrpc":"2.0","id":5,"method":"ping"}\\n')
print(s.makefile().readline(), end='')
`, sock], { encoding: 'utf8', timeout: 20000 });
	chmodSync(home.dir, 0o700);
	assert.equal(other.status, 0, other.stderr);
	assert.deepEqual(JSON.parse(other.stdout), { jsonrpc: '2.0', id: 5, result: {} });
	a.c.end();
	b.c.end();
	srv.kill('SIGTERM');
});
