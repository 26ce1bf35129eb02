// SPDX-License-Identifier: MIT
// http.test.mjs -- /mcp on homectl-api: the official SDK client over
// Streamable HTTP (tools, resources, subscriptions pushed on the GET
// stream), and raw fetch for what a client must be refused and why.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';

import { makeHome, startApi, homectl, sqlite, sleep } from '../api/helpers.mjs';

const home = makeHome();
const conf = join(home.dir, 'homectl.conf');
writeFileSync(conf, 'mcp_sessions = 4\nmcp_idle_sec = 2\nmcp_hosts = home.example.org\n');
const d = await startApi(home, ['--config', conf]);
after(async () => {
	await d.stop();
	await new Promise((res) => (d.proc.stderr.readableEnded ? res() : d.proc.stderr.on('end', res)));
	home.cleanup();
	// Under make SANITIZE=1 a report (a leak at exit too) fails the suite.
	assert.doesNotMatch(d.log(), /Sanitizer|runtime error:/);
});

const URL_ = `${d.base}/mcp`;
const INIT = { jsonrpc: '2.0', id: 0, method: 'initialize',
	params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } };
const ACCEPT = 'application/json, text/event-stream';

async function sdk(token = home.token) {
	const c = new Client({ name: 'http-test', version: '1' });
	const t = new StreamableHTTPClientTransport(new URL(URL_),
		{ requestInit: { headers: { Authorization: `Bearer ${token}` } } });
	await c.connect(t);
	return { c, t };
}

async function post(body, headers = {}, token = home.token) {
	const h = { 'Content-Type': 'application/json', Accept: ACCEPT, ...headers };
	if (token)
		h.Authorization = `Bearer ${token}`;
	const res = await fetch(URL_, { method: 'POST', headers: h,
		body: typeof body === 'string' ? body : JSON.stringify(body) });
	const text = await res.text();
	let json;
	try { json = JSON.parse(text); } catch { json = undefined; }
	return { status: res.status, headers: res.headers, text, json };
}

// A raw request with any Host header (fetch may not set one).
function rawPost(headers, body) {
	return new Promise((res, rej) => {
		const req = http.request(URL_, { method: 'POST', headers: { 'Content-Type': 'application/json',
			Accept: ACCEPT, Authorization: `Bearer ${home.token}`, ...headers } }, (resp) => {
			let text = '';
			resp.on('data', (c) => { text += c; });
			resp.on('end', () => res({ status: resp.statusCode, headers: resp.headers, text }));
		});
		req.on('error', rej);
		req.end(JSON.stringify(body));
	});
}

async function open() {
	const r = await post(INIT);
	assert.equal(r.status, 200, r.text);
	const sid = r.headers.get('mcp-session-id');
	assert.match(sid, /^[0-9a-f]{64}$/);
	const n = await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, { 'Mcp-Session-Id': sid });
	assert.equal(n.status, 202);
	assert.equal(n.text, '');
	return sid;
}

// Reads an SSE response until pred(events) holds; returns the events.
async function readEvents(res, pred, ms = 8000) {
	const reader = res.body.getReader();
	const dec = new TextDecoder();
	let buf = '';
	const events = [];
	const deadline = Date.now() + ms;
	while (!pred(events)) {
		const left = deadline - Date.now();
		if (left <= 0)
			throw new Error(`no matching event; got ${JSON.stringify(events)}`);
		const chunk = await Promise.race([reader.read(), sleep(left).then(() => null)]);
		if (chunk === null)
			continue;
		if (chunk.done)
			break;
		buf += dec.decode(chunk.value);
		let i;
		while ((i = buf.indexOf('\n\n')) >= 0) {
			const raw = buf.slice(0, i);
			buf = buf.slice(i + 2);
			const ev = { raw };
			for (const line of raw.split('\n')) {
				const m = /^(\w+): ?(.*)$/.exec(line);
				if (m)
					ev[m[1]] = m[2];
			}
			if (ev.data)
				ev.msg = JSON.parse(ev.data);
			events.push(ev);
		}
	}
	reader.cancel().catch(() => {});
	return events;
}

test('the official SDK client: tools, resources, a call that changes the home', async () => {
	const { c, t } = await sdk();
	assert.match(t.sessionId, /^[0-9a-f]{64}$/);
	const { tools } = await c.listTools();
	assert.ok(tools.some((x) => x.name === 'control_device'));
	assert.ok(tools.some((x) => x.name === 'add_room'), 'a full token sees the edit tools');
	let r = await c.callTool({ name: 'control_device', arguments: { device_id: 'kitchen_light_main', action: 'off' } });
	assert.ok(!r.isError, JSON.stringify(r));
	assert.equal(sqlite(home, "SELECT state FROM devices WHERE id='kitchen_light_main'").trim(), 'off');
	assert.equal(sqlite(home, 'SELECT source FROM changes ORDER BY seq DESC LIMIT 1').trim(), 'mcp',
		'the feed says the change came through MCP');
	r = await c.callTool({ name: 'get_device_status', arguments: { device_id: 'kitchen_light_main' } });
	assert.equal(r.structuredContent.rooms[0].devices[0].state, 'off');
	r = await c.callTool({ name: 'control_device', arguments: { device_id: 'nope', action: 'off' } });
	assert.ok(r.isError);
	const res = await c.readResource({ uri: 'homectl://mode' });
	assert.equal(res.contents[0].uri, 'homectl://mode');
	await t.terminateSession();
	await c.close();
});

test('a subscription is pushed on the GET stream when another process changes the device', async () => {
	const { c, t } = await sdk();
	const got = new Promise((res) => c.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => res(n.params.uri)));
	await c.subscribeResource({ uri: 'homectl://devices/living_room_light_main' });
	// The SDK opens its GET stream after initialize; give it a moment.
	await sleep(300);
	homectl(home, 'set', 'living_room_light_main', 'toggle');
	const uri = await Promise.race([got, sleep(8000).then(() => 'timeout')]);
	assert.equal(uri, 'homectl://devices/living_room_light_main');
	await t.terminateSession();
	await c.close();
});

test('GET stream: a priming event, ids made of the feed seq, Last-Event-ID resumes', async () => {
	const sid = await open();
	let r = await post({ jsonrpc: '2.0', id: 1, method: 'resources/subscribe', params: { uri: 'homectl://devices/kitchen_light_main' } },
		{ 'Mcp-Session-Id': sid });
	assert.deepEqual(r.json.result, {});
	const headers = { Authorization: `Bearer ${home.token}`, Accept: 'text/event-stream', 'Mcp-Session-Id': sid };
	let res = await fetch(URL_, { headers });
	assert.equal(res.status, 200);
	assert.match(res.headers.get('content-type'), /^text\/event-stream/);
	const seq0 = Number(sqlite(home, 'SELECT max(seq) FROM changes'));
	setTimeout(() => homectl(home, 'set', 'kitchen_light_main', 'toggle'), 200);
	let ev = await readEvents(res, (e) => e.some((x) => x.msg?.method === 'notifications/resources/updated'));
	assert.equal(ev[0].data, '', 'the priming event has no data');
	assert.match(ev[0].id, /^\d+-\d+$/);
	const upd = ev.find((x) => x.msg?.method === 'notifications/resources/updated');
	assert.equal(upd.msg.params.uri, 'homectl://devices/kitchen_light_main');
	const [seq, n] = upd.id.split('-').map(Number);
	assert.ok(seq > seq0, `the event id names the feed seq (${upd.id} after ${seq0})`);
	// A second stream on the same session is refused while one is open? The
	// first one was cancelled by readEvents: wait for the server to notice.
	// Two more changes while nobody listens, then resume after the first.
	homectl(home, 'set', 'kitchen_light_main', 'toggle');
	homectl(home, 'set', 'kitchen_light_main', 'toggle');
	await sleep(500);
	for (let i = 0; ; i++) {
		res = await fetch(URL_, { headers: { ...headers, 'Last-Event-ID': upd.id } });
		if (res.status === 200 || i > 40)
			break;
		assert.equal(res.status, 409, 'the old stream is still open');
		await res.text();
		await sleep(250);
	}
	assert.equal(res.status, 200);
	ev = await readEvents(res, (e) => e.filter((x) => x.msg?.method === 'notifications/resources/updated').length >= 2);
	const ids = ev.filter((x) => x.msg).map((x) => Number(x.id.split('-')[1]));
	assert.ok(ids.every((k) => k > n), `only events after ${n}: ${ids}`);
	await fetch(URL_, { method: 'DELETE', headers: { Authorization: `Bearer ${home.token}`, 'Mcp-Session-Id': sid } });
});

test('refusals: 401, 400, 404, 405, 406, 415, 403 for a foreign Host or Origin', async () => {
	let r = await post(INIT, {}, null);
	assert.equal(r.status, 401);
	assert.match(r.headers.get('www-authenticate'), /^Bearer/);
	r = await post(INIT, {}, 'hc_wrong');
	assert.equal(r.status, 401);
	const sid = await open();
	r = await post({ jsonrpc: '2.0', id: 1, method: 'ping' });
	assert.equal(r.status, 400, 'no session id');
	r = await post({ jsonrpc: '2.0', id: 1, method: 'ping' }, { 'Mcp-Session-Id': 'f'.repeat(64) });
	assert.equal(r.status, 404);
	r = await post({ jsonrpc: '2.0', id: 1, method: 'ping' }, { 'Mcp-Session-Id': sid, 'MCP-Protocol-Version': '1999-01-01' });
	assert.equal(r.status, 400);
	assert.match(r.json.error.message, /Protocol-Version/);
	r = await post({ jsonrpc: '2.0', id: 1, method: 'ping' }, { 'Mcp-Session-Id': sid, 'MCP-Protocol-Version': '2025-06-18' });
	assert.equal(r.status, 200);
	assert.deepEqual(r.json, { jsonrpc: '2.0', id: 1, result: {} });
	r = await post({ jsonrpc: '2.0', id: 2, result: {} }, { 'Mcp-Session-Id': sid });
	assert.equal(r.status, 202, 'a response is accepted');
	r = await post('{"jsonrpc":"2.0","id":3,', { 'Mcp-Session-Id': sid });
	assert.equal(r.status, 400);
	assert.equal(r.json.error.code, -32700);
	r = await post({ jsonrpc: '2.0', id: 1, method: 'ping' }, { 'Mcp-Session-Id': sid, 'Content-Type': 'text/plain' });
	assert.equal(r.status, 415);
	r = await post({ jsonrpc: '2.0', id: 1, method: 'ping' }, { 'Mcp-Session-Id': sid, Accept: 'text/html' });
	assert.equal(r.status, 406);
	let res = await fetch(URL_, { method: 'PUT', headers: { Authorization: `Bearer ${home.token}` } });
	assert.equal(res.status, 405);
	assert.match(res.headers.get('allow'), /POST/);
	r = await rawPost({ Host: 'evil.example.com' }, INIT);
	assert.equal(r.status, 403);
	r = await rawPost({ Host: `evil.example.com:${d.port}` }, INIT);
	assert.equal(r.status, 403);
	r = await post(INIT, { Origin: 'http://evil.example.com' });
	assert.equal(r.status, 403);
	r = await rawPost({ Host: 'home.example.org', Origin: 'https://home.example.org' }, INIT);
	assert.equal(r.status, 200, 'mcp_hosts lists it');
	await fetch(URL_, { method: 'DELETE', headers: { Authorization: `Bearer ${home.token}`, 'Mcp-Session-Id': r.headers['mcp-session-id'] } });
	// Another token cannot use this session.
	const other = homectl(home, 'token', 'create', 'other').trim();
	r = await post({ jsonrpc: '2.0', id: 1, method: 'ping' }, { 'Mcp-Session-Id': sid }, other);
	assert.equal(r.status, 404);
	// DELETE ends it: then 404.
	res = await fetch(URL_, { method: 'DELETE', headers: { Authorization: `Bearer ${home.token}`, 'Mcp-Session-Id': sid } });
	assert.equal(res.status, 200);
	r = await post({ jsonrpc: '2.0', id: 1, method: 'ping' }, { 'Mcp-Session-Id': sid });
	assert.equal(r.status, 404);
});

test('sessions are bounded (503) and idle ones expire', async () => {
	// mcp_idle_sec = 2: whatever earlier tests left ends first.
	await sleep(3500);
	const sids = [];
	for (let i = 0; i < 4; i++)
		sids.push(await open());
	const r = await post(INIT);
	assert.equal(r.status, 503);
	// Idle for longer than mcp_idle_sec: gone (404), and room again.
	await sleep(3500);
	const p = await post({ jsonrpc: '2.0', id: 1, method: 'ping' }, { 'Mcp-Session-Id': sids[0] });
	assert.equal(p.status, 404);
	const again = await open();
	await fetch(URL_, { method: 'DELETE', headers: { Authorization: `Bearer ${home.token}`, 'Mcp-Session-Id': again } });
	assert.match(d.log(), /ended \(idle\)/);
});
