// SPDX-License-Identifier: MIT
// errors.test.mjs -- every refusal says what happened: 414 for a request
// line over the limit, 431 for an oversized WebSocket handshake, 400 for a
// NUL in a URL or a JSON string, close 1002 for an unmasked client frame,
// and only regular files from the web root (a FIFO does not hang anyone).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import net from 'node:net';
import { makeHome, startApi, api, homectl, connect, Client, sleep } from './helpers.mjs';

let home, d;
before(async () => {
	home = makeHome();
	d = await startApi(home);
});
after(async () => {
	await d.stop();
	home.cleanup();
});

// Sends req (a string or Buffer) on a fresh connection and collects the
// answer until the server closes; `reset` says whether it ended in a reset.
function raw(req, { half = false } = {}) {
	return new Promise((res) => {
		const s = net.connect(d.port, '127.0.0.1', () => {
			s.write(req);
			if (half)
				s.end();
		});
		let out = Buffer.alloc(0);
		let reset = false;
		s.on('data', (x) => { out = Buffer.concat([out, x]); });
		s.on('error', () => { reset = true; });
		s.on('close', () => res({ text: out.toString('latin1'), reset }));
	});
}

function jsonError(text, status, code) {
	const [head, body] = text.split('\r\n\r\n');
	assert.match(head, new RegExp(`^HTTP/1\\.1 ${status} `), text.slice(0, 200));
	assert.match(head, /\r\nContent-Type: application\/json/i);
	const j = JSON.parse(body);
	assert.equal(j.error.code, code);
	assert.ok(j.error.message.length > 0);
	return j.error.message;
}

const device = (id) => JSON.parse(homectl(home, 'get', id, '--json'));

test('a request line over 8 KiB gets 414, not a reset', async () => {
	for (const len of [8200, 20000, 60000]) {
		const r = await raw(`GET /${'a'.repeat(len)} HTTP/1.1\r\nHost: x\r\n\r\n`);
		const msg = jsonError(r.text, 414, 'uri_too_long');
		assert.match(msg, /8192/);
	}
	// Also for a client that stops sending without finishing its line.
	const r = await raw(`GET /api/devices?room=${'k'.repeat(9000)}`);
	jsonError(r.text, 414, 'uri_too_long');
	// A long line within the limit is an ordinary request (no such room).
	const ok = await api(d, `/api/devices?room=${'k'.repeat(7000)}`);
	assert.equal(ok.status, 404);
	assert.equal(ok.json.error.code, 'not_found');
});

test('a WebSocket handshake over 8 KiB gets 431', async () => {
	const r = await raw(`GET /ws HTTP/1.1\r\nHost: x\r\nX-Pad: ${'p'.repeat(9000)}\r\n\r\n`);
	jsonError(r.text, 431, 'headers_too_large');
});

test('a NUL in the URL, raw or escaped, is a 400', async () => {
	for (const path of ['/api/devices/kitchen_light_main%00x', '/api/devices?room=kitchen%00x',
		'/api/devices?ro%00om=kitchen', '/index.html%00.js']) {
		const r = await api(d, path);
		assert.equal(r.status, 400, path);
		assert.equal(r.json.error.code, 'bad_request');
		assert.match(r.json.error.message, /NUL/);
	}
	const r = await raw(Buffer.concat([Buffer.from('GET /api/health\0x HTTP/1.1\r\n'),
		Buffer.from('Host: x\r\n\r\n')]));
	const msg = jsonError(r.text, 400, 'bad_request');
	assert.match(msg, /NUL/);
	// The connection that got the 400 is still good for the next request.
	assert.equal((await api(d, '/api/devices/kitchen_light_main')).status, 200);
});

test('a NUL in a JSON string of a body is a 400 and changes nothing', async () => {
	const before = device('kitchen_light_main');
	for (const body of [
		'{"action": "set", "properties": {"brightness": 10}, "confirm": false, "x\\u0000": 1}',
		'{"action": "on\\u0000off"}',
		'{"action": "set", "properties": {"color\\u0000": "#ff0000"}}',
		'{"action": "set", "properties": {"brightness": 11, "scene": "a\\u0000"}}',
	]) {
		const r = await api(d, '/api/devices/kitchen_light_main/actions', { method: 'POST', body });
		assert.equal(r.status, 400, body);
		assert.match(r.json.error.message, /NUL/, body);
	}
	const r = await api(d, '/api/mode', { method: 'PUT', body: '{"mode": "sleep\\u0000"}' });
	assert.equal(r.status, 400);
	assert.deepEqual(device('kitchen_light_main'), before);
	// An escaped backslash followed by "u0000" is no NUL: an ordinary 422/400.
	const o = await api(d, '/api/devices/kitchen_light_main/actions', { method: 'POST',
		body: '{"action": "\\\\u0000"}' });
	assert.ok(o.status === 422 || o.status === 400, o.text);
	assert.doesNotMatch(o.json.error.message, /NUL/);
});

test('a NUL in a WebSocket message is refused', async () => {
	const c = new Client(d.url);
	await c.opened;
	c.send(`{"type": "hello", "token": "${home.token}\\u0000junk"}`);
	const e = await c.next((m) => m.type === 'error');
	assert.equal(e.code, 'bad_request');
	assert.match(e.message, /NUL/);
	assert.equal((await c.closedP).code, 4401);
	const [live] = await connect(d);
	live.send('{"type": "ping\\u0000"}');
	const e2 = await live.next((m) => m.type === 'error');
	assert.match(e2.message, /NUL/);
	live.send({ type: 'ping' });
	await live.next((m) => m.type === 'pong');
	live.close();
});

test('an unmasked client frame closes the WebSocket with 1002', async () => {
	// Before hello: the unmasked hello is not acted on.
	const c = new Client(d.url);
	await c.opened;
	c.ws.send(JSON.stringify({ type: 'hello', token: home.token }), { mask: false });
	const closed = await c.closedP;
	assert.equal(closed.code, 1002);
	assert.equal(c.msgs.filter((m) => m.type === 'snapshot').length, 0);
	// After hello, an unmasked ping (a control frame) too.
	const [live] = await connect(d);
	const [other] = await connect(d);
	live.ws.ping(Buffer.from('hi'), false);
	assert.equal((await live.closedP).code, 1002);
	// Masked frames still work, on other connections.
	other.send({ type: 'ping' });
	await other.next((m) => m.type === 'pong');
	other.close();
});

test('only regular files are served: a FIFO in the web root does not hang the server', async () => {
	execFileSync('mkfifo', [join(home.web, 'pipe.js')]);
	const t0 = Date.now();
	const r = await fetch(`${d.base}/pipe.js`);
	assert.equal(r.status, 404);
	assert.ok(Date.now() - t0 < 5000);
	assert.equal((await api(d, '/api/health')).status, 200);
	assert.equal((await fetch(`${d.base}/js/app.js`)).status, 200);
});

test('still serving after all that', async () => {
	assert.equal((await api(d, '/api/health')).status, 200);
	const [c, snap] = await connect(d);
	assert.equal(snap.type, 'snapshot');
	c.close();
	assert.equal(d.proc.exitCode, null);
});
