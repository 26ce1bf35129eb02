// SPDX-License-Identifier: MIT
// raw.test.mjs -- what no SDK sends: bad JSON, bad envelopes, odd ids,
// huge lines, EOF in the middle of a message.  Line by line, on the real
// binary, checking every byte it writes is one protocol message.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { makeHome, raw, INIT, stateOf, killAll } from './helpers.mjs';
import { sanitizerReports } from './helpers.mjs';

let home;
before(() => { home = makeHome(); });
after(() => {
	killAll();
	home.rm();
	assert.deepEqual(sanitizerReports(), []);
});

// The envelope rules every reply must keep (common/mcp/jsonrpc.c).
function envelope(msg) {
	assert.equal(msg.jsonrpc, '2.0');
	assert.ok(!('result' in msg && 'error' in msg), 'never both result and error');
	for (const k of Object.keys(msg))
		assert.ok(['jsonrpc', 'id', 'result', 'error', 'method', 'params'].includes(k), `extra key ${k}`);
	if ('id' in msg) assert.ok(typeof msg.id === 'number' || typeof msg.id === 'string', 'id is never null');
	if (msg.error) {
		assert.equal(typeof msg.error.code, 'number');
		assert.equal(typeof msg.error.message, 'string');
	}
}

test('invalid JSON is -32700 without an id, and the session goes on', async () => {
	const s = raw(home.db);
	for (const bad of ['{', 'nonsense', '{"jsonrpc":"2.0","id":1,"method":"ping"', '{"a":1}}', '\xff\xfe']) {
		const r = await s.request(bad);
		envelope(r);
		assert.equal(r.error.code, -32700, bad);
		assert.ok(!('id' in r), 'no id in a parse error');
	}
	const p = await s.request({ jsonrpc: '2.0', id: 1, method: 'ping' });
	assert.deepEqual(p, { jsonrpc: '2.0', id: 1, result: {} });
	assert.deepEqual(await s.close(), { code: 0, signal: null });
});

test('invalid UTF-8 is a parse error', async () => {
	const s = raw(home.db);
	s.child.stdin.write(Buffer.concat([Buffer.from('{"jsonrpc":"2.0","id":1,"method":"ping","x":"'),
		Buffer.from([0xc3, 0x28]), Buffer.from('"}\n')]));
	const r = await s.nextJSON();
	assert.equal(r.error.code, -32700);
	await s.close();
});

test('wrong jsonrpc, arrays, and bad ids are -32600', async () => {
	const s = raw(home.db);
	let r = await s.request({ jsonrpc: '1.0', id: 5, method: 'ping' });
	envelope(r);
	assert.equal(r.error.code, -32600);
	assert.equal(r.id, 5, 'a valid id is echoed');
	r = await s.request({ id: 6, method: 'ping' });
	assert.equal(r.error.code, -32600);
	for (const batch of ['[]', '[{"jsonrpc":"2.0","id":1,"method":"ping"}]']) {
		r = await s.request(batch);
		envelope(r);
		assert.equal(r.error.code, -32600);
		assert.ok(!('id' in r));
	}
	for (const id of ['null', '1.5', '1.0', 'true', '{}', '[1]']) {
		r = await s.request(`{"jsonrpc":"2.0","id":${id},"method":"ping"}`);
		envelope(r);
		assert.equal(r.error.code, -32600, `id ${id}`);
		assert.ok(!('id' in r), `no id echoed for id ${id}`);
	}
	for (const m of ['{"jsonrpc":"2.0","id":7}', '{"jsonrpc":"2.0","id":8,"method":3}', '5', '"ping"']) {
		r = await s.request(m);
		envelope(r);
		assert.equal(r.error.code, -32600, m);
	}
	await s.close();
});

test('ids are echoed exactly: 0, large integers, strings', async () => {
	const s = raw(home.db);
	for (const id of [0, -1, 9007199254740991, 'abc', '', 'ü "quoted"']) {
		const r = await s.request({ jsonrpc: '2.0', id, method: 'ping' });
		assert.deepEqual(r, { jsonrpc: '2.0', id, result: {} });
	}
	s.send('{"jsonrpc":"2.0","id":12345678901234567,"method":"ping"}');
	assert.equal(await s.next(), '{"jsonrpc":"2.0","id":12345678901234567,"result":{}}');
	await s.close();
});

test('unknown methods are -32601, even before initialize; notifications get no answer', async () => {
	const s = raw(home.db);
	let r = await s.request({ jsonrpc: '2.0', id: 'd', method: 'server/discover', params: {} });
	assert.deepEqual(r, r.error && { jsonrpc: '2.0', id: 'd', error: r.error });
	assert.equal(r.error.code, -32601);
	r = await s.request({ jsonrpc: '2.0', id: 2, method: 'tools/frobnicate' });
	assert.equal(r.error.code, -32601);
	// A notification, known or not, is never answered: the next line
	// is the ping's reply.
	s.send({ jsonrpc: '2.0', method: 'notifications/whatever', params: { x: 1 } });
	s.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1 } });
	s.send({ jsonrpc: '2.0', method: 'ping' });
	s.send({ jsonrpc: '2.0', id: 1, result: {} });	// a "response": ignored
	r = await s.request({ jsonrpc: '2.0', id: 3, method: 'ping' });
	assert.deepEqual(r, { jsonrpc: '2.0', id: 3, result: {} });
	await s.close();
});

test('version negotiation: each revision echoed, others get the newest', async () => {
	for (const v of ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05', '1999-01-01', '2026-07-01']) {
		const s = raw(home.db);
		const r = await s.request({ ...INIT, params: { ...INIT.params, protocolVersion: v } });
		envelope(r);
		const want = v.startsWith('20') && !['1999-01-01', '2026-07-01'].includes(v) ? v : '2025-11-25';
		assert.equal(r.result.protocolVersion, want);
		assert.equal(r.result.serverInfo.name, 'homectl');
		assert.equal(typeof r.result.serverInfo.version, 'string');
		assert.deepEqual(r.result.capabilities.logging, {});
		assert.equal(r.result.capabilities.resources.subscribe, true);
		// What older revisions do not know is left out for them.
		s.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
		const tl = await s.request({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
		const cd = tl.result.tools.find((t) => t.name === 'control_device');
		assert.equal('outputSchema' in cd, want === '2025-11-25' || want === '2025-06-18');
		assert.equal('annotations' in cd, want !== '2024-11-05');
		const c = await s.request({ jsonrpc: '2.0', id: 2, method: 'tools/call',
			params: { name: 'get_home_mode' } });
		assert.equal('structuredContent' in c.result, 'outputSchema' in cd);
		assert.match(c.result.content[0].text, /"mode":"home"/);
		await s.close();
	}
});

test('initialize twice is -32600; bad initialize params are -32602', async () => {
	const s = raw(home.db);
	let r = await s.request({ jsonrpc: '2.0', id: 1, method: 'initialize', params: {} });
	assert.equal(r.error.code, -32602);
	r = await s.request(INIT);
	assert.equal(r.result.protocolVersion, '2025-11-25');
	r = await s.request({ ...INIT, id: 9 });
	assert.equal(r.error.code, -32600);
	assert.equal(r.id, 9);
	await s.close();
});

test('params of the wrong type are -32602 with the id', async () => {
	const s = raw(home.db);
	await s.request(INIT);
	const cases = [
		{ method: 'ping', params: [1] },
		{ method: 'tools/list', params: 'x' },
		{ method: 'tools/call', params: 7 },
		{ method: 'tools/call', params: {} },
		{ method: 'tools/call', params: { name: 5 } },
		{ method: 'tools/call', params: { name: 'get_home_mode', arguments: 'x' } },
		{ method: 'tools/call', params: { name: 'get_home_mode', arguments: [1] } },
		{ method: 'tools/call', params: { name: 'no_such_tool' } },
		{ method: 'tools/list', params: { cursor: 'bogus' } },
		{ method: 'tools/list', params: { cursor: 3 } },
		{ method: 'resources/read', params: {} },
		{ method: 'resources/read', params: { uri: 4 } },
		{ method: 'logging/setLevel', params: { level: 'loud' } },
		{ method: 'logging/setLevel', params: {} },
	];
	let id = 100;
	for (const c of cases) {
		const r = await s.request({ jsonrpc: '2.0', id: ++id, ...c });
		envelope(r);
		assert.equal(r.id, id);
		assert.equal(r.error?.code, -32602, JSON.stringify(c));
	}
	await s.close();
});

test('results that must be exactly {}', async () => {
	const s = raw(home.db);
	await s.request(INIT);
	const exact = [
		{ method: 'ping' },
		{ method: 'logging/setLevel', params: { level: 'warning' } },
		{ method: 'resources/subscribe', params: { uri: 'homectl://mode' } },
		{ method: 'resources/unsubscribe', params: { uri: 'homectl://mode' } },
	];
	for (const [i, m] of exact.entries()) {
		s.send({ jsonrpc: '2.0', id: i, ...m });
		assert.equal(await s.next(), `{"jsonrpc":"2.0","id":${i},"result":{}}`);
	}
	await s.close();
});

test('CRLF and blank lines are fine; params may be null or missing', async () => {
	const s = raw(home.db);
	s.child.stdin.write('\n\r\n   \n{"jsonrpc":"2.0","id":1,"method":"ping"}\r\n');
	assert.deepEqual(await s.nextJSON(), { jsonrpc: '2.0', id: 1, result: {} });
	let r = await s.request({ jsonrpc: '2.0', id: 2, method: 'ping', params: null });
	assert.deepEqual(r.result, {});
	r = await s.request({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'list_rooms' } });
	assert.equal(r.result.isError, undefined);
	assert.equal(r.result.structuredContent.count, 5);
	await s.close();
});

test('a 20 MiB line is refused without a crash and the session goes on', async () => {
	const s = raw(home.db);
	const big = '{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":"' + 'x'.repeat(20 * 1024 * 1024) + '"}}';
	s.send(big);
	const r = await s.nextJSON();
	envelope(r);
	assert.equal(r.error.code, -32600);
	assert.ok(!('id' in r));
	assert.match(r.error.message, /longer than/);
	const p = await s.request({ jsonrpc: '2.0', id: 2, method: 'ping' });
	assert.deepEqual(p, { jsonrpc: '2.0', id: 2, result: {} });
	assert.equal(s.pending(), 0, 'one error for one oversized message');
	// A message just under the limit is still read.
	const ok = '{"jsonrpc":"2.0","id":3,"method":"ping","params":{"pad":"' + 'y'.repeat(9 * 1024 * 1024) + '"}}';
	s.send(ok);
	assert.deepEqual(await s.nextJSON(), { jsonrpc: '2.0', id: 3, result: {} });
	assert.deepEqual(await s.close(), { code: 0, signal: null });
});

test('EOF in the middle of a message: clean exit, nothing written, nothing done', async () => {
	const before = stateOf(home.db, 'living_room_light_main');
	assert.equal(before, 'on');
	const s = raw(home.db);
	await s.request(INIT);
	s.child.stdin.write('{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"control_device",' +
		'"arguments":{"action":"off","device_id":"living_room_light_main"}}}');	// no newline
	const out = [];
	s.child.stdout.on('data', (d) => out.push(d));
	const exit = await s.close();
	assert.deepEqual(exit, { code: 0, signal: null });
	assert.equal(s.pending(), 0);
	assert.equal(Buffer.concat(out).length, 0, 'no partial write');
	assert.equal(stateOf(home.db, 'living_room_light_main'), 'on', 'the database is unchanged');
});

test('EOF right after a request: the reply is written before the exit', async () => {
	const s = raw(home.db);
	s.child.stdin.end('{"jsonrpc":"2.0","id":1,"method":"ping"}\n{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"list_rooms"}}\n');
	assert.deepEqual(await s.nextJSON(), { jsonrpc: '2.0', id: 1, result: {} });
	const r = await s.nextJSON();
	assert.equal(r.id, 2);
	assert.equal(r.result.structuredContent.count, 5);
	assert.deepEqual(await s.exited, { code: 0, signal: null });
});

test('SIGTERM: clean exit', async () => {
	const s = raw(home.db);
	await s.request(INIT);
	s.child.kill('SIGTERM');
	assert.deepEqual(await s.exited, { code: 0, signal: null });
});

test('stdout carries only protocol: diagnostics go to stderr', async () => {
	const s = raw(home.db, ['--verbose']);
	await s.request(INIT);
	await s.request({ jsonrpc: '2.0', id: 1, method: 'tools/call',
		params: { name: 'control_device', arguments: { action: 'on', device_id: 'kitchen_light' } } })
		.then(envelope);
	await s.request('{bad');
	await s.close();
	assert.match(s.stderr(), /session 1/);
});
