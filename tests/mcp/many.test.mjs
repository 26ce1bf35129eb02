// SPDX-License-Identifier: MIT
// many.test.mjs -- the socket server's single loop under load: many
// sessions at once, a client that never reads its replies, and the session
// limit.  Plain unix-socket connections, no bridge in between.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
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

test('50 sessions at once, each with 20 pipelined requests, all answered in order', async () => {
	const sock = path.join(home.dir, 'many.sock');
	const srv = await server(sock);
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
