// SPDX-License-Identifier: MIT
// socket.test.mjs -- homectl-mcp serving many sessions on a unix socket
// (--listen, and systemd's socket passing via systemd-socket-activate),
// reached the way an assistant reaches it: `homectl mcp`, the stdio bridge.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';

import { makeHome, connect, text, raw, stateOf, collect, closeAll, track, killAll, HOMECTL, MCP }
	from './helpers.mjs';
import { sanitizerReports, watchStderr } from './helpers.mjs';

let home, server, sock;

// Starts a server and resolves once it says it listens (its own words on
// stderr, not a timer).
function startServer(args) {
	const child = track(spawn(args[0], args.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] }));
	let err = '';
	watchStderr(() => err);
	const ready = new Promise((resolve, reject) => {
		child.stderr.on('data', (d) => {
			err += d;
			if (/listening on/.test(err)) resolve();
		});
		child.on('exit', (code) => reject(new Error(`server exited ${code}: ${err}`)));
	});
	const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
	return { child, ready, exited, stderr: () => err };
}

function bridge(db, socket) {
	return { command: HOMECTL, args: ['--db', db, 'mcp', '--socket', socket], stderr: 'pipe' };
}

before(async () => {
	home = makeHome();
	sock = path.join(home.dir, 'mcp.sock');
	server = startServer([MCP, '--listen', sock, '--db', home.db]);
	await server.ready;
});
after(async () => {
	await closeAll();
	killAll();
	home.rm();
	assert.deepEqual(sanitizerReports(), []);
});

test('two sessions at once through `homectl mcp`, each sees the other\'s change', async () => {
	const a = await connect(home.db, [], bridge(home.db, sock));
	const b = await connect(home.db, [], bridge(home.db, sock));
	await a.listTools();
	await b.listTools();
	const ua = collect(a, ResourceUpdatedNotificationSchema);
	const ub = collect(b, ResourceUpdatedNotificationSchema);
	const uri = 'homectl://devices/bedroom_fan';
	await a.subscribeResource({ uri });
	await b.subscribeResource({ uri });

	// Interleaved requests on both sessions.
	const [ra, rb] = await Promise.all([
		a.callTool({ name: 'control_device', arguments: { action: 'set', device_id: 'bedroom_fan', speed: 3 } }),
		b.callTool({ name: 'list_devices', arguments: { room: 'bedroom' } }),
	]);
	assert.ok(!ra.isError, text(ra));
	assert.equal(ra.structuredContent.devices[0].properties.speed, 3);
	assert.equal(rb.structuredContent.total, 5);
	await ua.wait((n) => n.params.uri === uri);
	await ub.wait((n) => n.params.uri === uri);

	const rs = await b.callTool({ name: 'get_device_status', arguments: { device_id: 'bedroom_fan' } });
	assert.equal(rs.structuredContent.rooms[0].devices[0].properties.speed, 3);

	// One session leaving does not disturb the other.
	await a.close();
	assert.deepEqual(await b.ping(), {});
	const rc = await b.callTool({ name: 'control_device', arguments: { action: 'off', device_id: 'bedroom_fan' } });
	assert.ok(!rc.isError);
	assert.equal(stateOf(home.db, 'bedroom_fan'), 'off');
	await b.close();
});

test('confirmation works the same over the socket', async () => {
	const c = await connect(home.db, [], bridge(home.db, sock));
	const r = await c.callTool({ name: 'open_or_unlock', arguments: { device_id: 'garage_door' } });
	assert.equal(r.isError, true);
	assert.match(text(r), /confirm: true/);
	assert.equal(stateOf(home.db, 'garage_door'), 'closed');
	await c.close();
});

test('the bridge half-closes: replies to the last requests still arrive, then it exits 0', async () => {
	const s = raw(home.db, [], HOMECTL, ['--db', home.db, 'mcp', '--socket', sock]);
	s.child.stdin.end('{"jsonrpc":"2.0","id":1,"method":"ping"}\n' +
		'{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"list_rooms"}}\n');
	assert.deepEqual(await s.nextJSON(), { jsonrpc: '2.0', id: 1, result: {} });
	const r = await s.nextJSON();
	assert.equal(r.id, 2);
	assert.equal(r.result.structuredContent.count, 5);
	assert.deepEqual(await s.exited, { code: 0, signal: null });
});

test('raw lines over the socket: errors, a 20 MiB line, EOF mid-message', async () => {
	const s = raw(home.db, [], HOMECTL, ['--db', home.db, 'mcp', '--socket', sock]);
	let r = await s.request('{oops');
	assert.equal(r.error.code, -32700);
	assert.ok(!('id' in r));
	s.send('{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":"' + 'z'.repeat(20 * 1024 * 1024) + '"}}');
	r = await s.nextJSON();
	assert.equal(r.error.code, -32600);
	r = await s.request({ jsonrpc: '2.0', id: 2, method: 'ping' });
	assert.deepEqual(r, { jsonrpc: '2.0', id: 2, result: {} });
	const before = stateOf(home.db, 'kitchen_light_counter');
	s.child.stdin.end('{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"control_device",' +
		'"arguments":{"action":"toggle","device_id":"kitchen_light_counter"}}}');
	assert.deepEqual(await s.exited, { code: 0, signal: null });
	assert.equal(s.pending(), 0, 'nothing answered');
	assert.equal(stateOf(home.db, 'kitchen_light_counter'), before, 'nothing done');
	// The server is unharmed.
	const c = await connect(home.db, [], bridge(home.db, sock));
	assert.deepEqual(await c.ping(), {});
	await c.close();
});

test('`homectl mcp` without a server says what to do and exits 1', () => {
	const r = spawnSync(HOMECTL, ['--db', home.db, 'mcp', '--socket', path.join(home.dir, 'none.sock')],
		{ input: '', encoding: 'utf8' });
	assert.equal(r.status, 1);
	assert.equal(r.stdout, '');
	assert.match(r.stderr, /homectl-mcp/);
});

test('a second server on the same socket refuses; SIGTERM ends the first cleanly', async () => {
	const second = spawnSync(MCP, ['--listen', sock, '--db', home.db], { encoding: 'utf8' });
	assert.notEqual(second.status, 0);
	assert.match(second.stderr, /listening there|in use/);
	server.child.kill('SIGTERM');
	assert.deepEqual(await server.exited, { code: 0, signal: null });
	assert.ok(!existsSync(sock), 'the socket it bound is removed');
});

test('socket activation: the listening socket from systemd (sd_listen_fds)', { skip: !existsSync('/usr/bin/systemd-socket-activate') }, async () => {
	const asock = path.join(home.dir, 'activated.sock');
	const act = track(spawn('systemd-socket-activate', ['-l', asock, MCP, '--db', home.db],
		{ stdio: ['ignore', 'ignore', 'pipe'] }));
	let err = '';
	await new Promise((resolve, reject) => {
		act.stderr.on('data', (d) => { err += d; if (/Listening on/i.test(err)) resolve(); });
		act.on('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
	});
	const a = await connect(home.db, [], bridge(home.db, asock));
	const b = await connect(home.db, [], bridge(home.db, asock));
	assert.deepEqual(await a.ping(), {});
	const r = await b.callTool({ name: 'get_home_mode', arguments: {} });
	assert.ok(!r.isError);
	await a.close();
	await b.close();
	act.kill('SIGTERM');
});
