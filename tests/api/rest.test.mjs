// SPDX-License-Identifier: MIT
// rest.test.mjs -- every REST route of docs/protocol.md against the real
// daemon, with the error cases: each bad request changes nothing and leaves
// the daemon serving.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeHome, startApi, api, homectl } from './helpers.mjs';

let home, d;
before(async () => {
	home = makeHome();
	d = await startApi(home);
});
after(async () => {
	await d.stop();
	home.cleanup();
});

function isError(r, status, code) {
	assert.equal(r.status, status, r.text);
	assert.equal(r.headers.get('content-type'), 'application/json');
	assert.equal(typeof r.json.error.message, 'string');
	assert.ok(r.json.error.message.length > 0);
	if (code)
		assert.equal(r.json.error.code, code);
}

const device = (id) => JSON.parse(homectl(home, 'get', id, '--json'));

test('every /api/ route needs a valid token', async () => {
	for (const p of ['/api/devices', '/api/health', '/api/openapi.json', '/api/nope']) {
		isError(await api(d, p, { auth: false }), 401, 'unauthorized');
		isError(await api(d, p, { auth: 'Bearer hc_wrong' }), 401, 'unauthorized');
		isError(await api(d, p, { auth: `Basic ${home.token}` }), 401, 'unauthorized');
	}
	const r = await api(d, '/api/health', { auth: false });
	assert.match(r.headers.get('www-authenticate'), /^Bearer/);
});

test('a revoked token stops working at once', async () => {
	const tok = homectl(home, 'token', 'create', 'shortlived').trim();
	assert.equal((await api(d, '/api/health', { auth: `Bearer ${tok}` })).status, 200);
	homectl(home, 'token', 'revoke', 'shortlived');
	isError(await api(d, '/api/health', { auth: `Bearer ${tok}` }), 401, 'unauthorized');
});

test('GET /api/devices lists and filters', async () => {
	const all = await api(d, '/api/devices');
	assert.equal(all.status, 200);
	assert.equal(all.json.devices.length, 24);
	for (const dev of all.json.devices)
		for (const k of ['id', 'name', 'type', 'room', 'room_name', 'state', 'properties', 'updated_at'])
			assert.ok(k in dev, `${dev.id} lacks ${k}`);
	const kitchen = await api(d, '/api/devices?room=kitchen');
	assert.ok(kitchen.json.devices.length > 0);
	assert.ok(kitchen.json.devices.every((x) => x.room === 'kitchen'));
	const lights = await api(d, '/api/devices?type=light&room=bedroom');
	assert.ok(lights.json.devices.length > 0);
	assert.ok(lights.json.devices.every((x) => x.type === 'light' && x.room === 'bedroom'));
	// An empty parameter is no filter.
	assert.equal((await api(d, '/api/devices?room=')).json.devices.length, 24);
	isError(await api(d, '/api/devices?room=attic'), 404, 'not_found');
	// A well-formed request naming what does not exist: 422, as every
	// front end reports it (common/ops decides the status).
	isError(await api(d, '/api/devices?type=toaster'), 422, 'invalid_value');
	isError(await api(d, '/api/devices?state=sideways'), 422, 'invalid_value');
	homectl(home, 'set', 'bedroom_light_main', 'on');
	homectl(home, 'set', 'bedroom_light_bedside', 'off');
	const on = await api(d, '/api/devices?type=light&room=bedroom&state=on');
	assert.deepEqual(on.json.devices.map((x) => x.id), ['bedroom_light_main']);
	const off = await api(d, '/api/devices?state=off');
	assert.ok(off.json.devices.length > 0);
	assert.ok(off.json.devices.every((x) => x.state === 'off'));
	assert.ok(!off.json.devices.some((x) => x.id === 'bedroom_light_main'));
});

test('GET /api/devices/{id}', async () => {
	const r = await api(d, '/api/devices/living_room_light_main');
	assert.equal(r.status, 200);
	assert.equal(r.json.id, 'living_room_light_main');
	assert.equal(r.json.type, 'light');
	isError(await api(d, '/api/devices/no_such_device'), 404, 'not_found');
});

test('POST /api/devices/{id}/actions changes the device, through ops', async () => {
	const r = await api(d, '/api/devices/living_room_light_main/actions',
		{ method: 'POST', body: { action: 'set', properties: { brightness: 40 } } });
	assert.equal(r.status, 200, r.text);
	assert.equal(r.json.changed, 1);
	assert.deepEqual(r.json.skipped, []);
	assert.equal(r.json.devices[0].properties.brightness, 40);
	assert.equal(device('living_room_light_main').properties.brightness, 40);
	const off = await api(d, '/api/devices/living_room_light_main/actions',
		{ method: 'POST', body: { action: 'off' } });
	assert.equal(off.json.devices[0].state, 'off');
	// The feed says who did it.
	const ch = await api(d, '/api/changes?device=living_room_light_main&limit=1000');
	assert.equal(ch.json.changes.at(-1).source, 'api');
});

test('bad action requests are refused and change nothing', async () => {
	const before = device('living_room_light_main');
	const p = '/api/devices/living_room_light_main/actions';
	const post = (body, headers) => api(d, p, { method: 'POST', body, headers });
	isError(await post('{"action": "on"'), 400, 'bad_request');		// malformed
	isError(await post('[1,2]'), 400, 'bad_request');			// not an object
	isError(await post(''), 400, 'bad_request');				// empty
	isError(await post('{"action": "on"} trailing'), 400, 'bad_request');
	isError(await post({}), 400, 'bad_request');				// no action
	isError(await post({ action: 7 }), 400, 'bad_request');		// mistyped
	isError(await post({ action: 'on', properties: 3 }), 400, 'bad_request');
	isError(await post({ action: 'on', confirm: 'yes' }), 400, 'bad_request');
	isError(await post({ action: 'on', bogus: 1 }), 400, 'bad_request');
	isError(await post({ action: 'fly' }), 422, 'invalid_value');
	isError(await post({ action: 'set', properties: { brightness: 101 } }), 422, 'invalid_value');
	isError(await post({ action: 'set', properties: { brightness: 'x' } }), 422, 'invalid_value');
	isError(await post({ action: 'set', properties: { position: 5 } }), 422, 'invalid_value');
	isError(await api(d, '/api/devices/nope/actions', { method: 'POST', body: { action: 'on' } }),
		404, 'not_found');
	assert.deepEqual(device('living_room_light_main'), before);
});

test('oversized bodies get 413, announced or chunked', async () => {
	const big = JSON.stringify({ action: 'on', pad: 'x'.repeat(70 * 1024) });
	isError(await api(d, '/api/devices/living_room_light_main/actions', { method: 'POST', body: big }),
		413, 'payload_too_large');
	// Without a Content-Length (chunked): the cap still holds.
	const stream = new ReadableStream({
		start(c) {
			for (let i = 0; i < 20; i++)
				c.enqueue(new TextEncoder().encode('x'.repeat(8192)));
			c.close();
		},
	});
	const res = await fetch(d.base + '/api/mode', { method: 'PUT', body: stream, duplex: 'half',
		headers: { Authorization: `Bearer ${home.token}`, 'Content-Type': 'application/json' } });
	assert.equal(res.status, 413);
	assert.equal((await res.json()).error.code, 'payload_too_large');
	assert.equal((await api(d, '/api/health')).status, 200);
});

test('unlocking needs confirm: 403 without, 200 with', async () => {
	homectl(home, 'set', 'front_door_lock', 'lock');
	const p = '/api/devices/front_door_lock/actions';
	isError(await api(d, p, { method: 'POST', body: { action: 'unlock' } }), 403, 'confirmation_required');
	assert.equal(device('front_door_lock').state, 'locked');
	const r = await api(d, p, { method: 'POST', body: { action: 'unlock', confirm: true } });
	assert.equal(r.status, 200, r.text);
	assert.equal(device('front_door_lock').state, 'unlocked');
});

test('POST /api/actions works in bulk', async () => {
	const r = await api(d, '/api/actions', { method: 'POST', body: { action: 'on', room: 'kitchen', type: 'light' } });
	assert.equal(r.status, 200, r.text);
	assert.ok(r.json.changed >= 1);
	for (const dev of r.json.devices)
		assert.equal(dev.state, 'on');
	const list = await api(d, '/api/devices?room=kitchen&type=light');
	assert.ok(list.json.devices.every((x) => x.state === 'on'));
	isError(await api(d, '/api/actions', { method: 'POST', body: { action: 'on', room: 'attic' } }), 404);
	isError(await api(d, '/api/actions', { method: 'POST', body: { action: 'on', type: 'toaster' } }), 422, 'invalid_value');
	isError(await api(d, '/api/actions', { method: 'POST', body: { action: 'on', room: 5 } }), 400);
});

test('rooms, stats, modes', async () => {
	const rooms = await api(d, '/api/rooms');
	assert.equal(rooms.status, 200);
	assert.deepEqual(rooms.json.rooms.map((r) => r.id),
		['living_room', 'bedroom', 'kitchen', 'bathroom', 'outdoor']);
	assert.equal(rooms.json.rooms.reduce((n, r) => n + r.devices, 0), 20);
	const stats = await api(d, '/api/stats');
	assert.equal(stats.json.total_devices, 24);
	for (const k of ['lights', 'doors', 'garage_open', 'active_mode'])
		assert.ok(k in stats.json);
	assert.ok('on' in stats.json.lights && 'total' in stats.json.lights);
	assert.ok('locked' in stats.json.doors && 'total' in stats.json.doors);
	const modes = await api(d, '/api/modes');
	assert.deepEqual(modes.json.modes.map((m) => m.name).sort(), ['away', 'home', 'sleep', 'vacation']);
});

test('GET and PUT /api/mode', async () => {
	const r = await api(d, '/api/mode', { method: 'PUT', body: { mode: 'sleep' } });
	assert.equal(r.status, 200, r.text);
	assert.equal(r.json.mode, 'sleep');
	assert.ok('previous' in r.json && 'changed' in r.json && Array.isArray(r.json.devices));
	const g = await api(d, '/api/mode');
	assert.equal(g.json.mode, 'sleep');
	assert.ok(Array.isArray(g.json.scene));
	assert.equal((await api(d, '/api/stats')).json.active_mode, 'sleep');
	isError(await api(d, '/api/mode', { method: 'PUT', body: { mode: 'party' } }), 404, 'not_found');
	isError(await api(d, '/api/mode', { method: 'PUT', body: { mode: 1 } }), 400, 'bad_request');
	isError(await api(d, '/api/mode', { method: 'PUT', body: { mode: 'home', x: 1 } }), 400, 'bad_request');
	assert.equal((await api(d, '/api/mode')).json.mode, 'sleep');
});

test('GET /api/changes pages through the feed', async () => {
	const all = await api(d, '/api/changes?since=0&limit=1000');
	assert.equal(all.status, 200);
	const { changes, oldest, newest } = all.json;
	assert.ok(changes.length > 0);
	assert.equal(changes.at(-1).seq, newest);
	assert.ok(oldest <= changes[0].seq);
	for (let i = 1; i < changes.length; i++)
		assert.ok(changes[i].seq > changes[i - 1].seq);
	const dev = changes.find((c) => c.kind === 'device');
	assert.equal(typeof dev.device.id, 'string');
	assert.ok('state' in dev.device && 'properties' in dev.device && 'name' in dev.device);
	const page = await api(d, `/api/changes?since=${changes[0].seq}&limit=2`);
	assert.deepEqual(page.json.changes.map((c) => c.seq), changes.slice(1, 3).map((c) => c.seq));
	for (const q of ['since=-1', 'since=abc', 'limit=0', 'limit=100000', 'limit=2x'])
		isError(await api(d, `/api/changes?${q}`), 400, 'bad_request');
});

test('GET /api/types and /api/health', async () => {
	const t = await api(d, '/api/types');
	assert.ok(t.json.light.actions.includes('set'));
	assert.ok('brightness' in t.json.light.properties);
	const h = await api(d, '/api/health');
	assert.equal(h.json.status, 'ok');
	assert.equal(typeof h.json.version, 'string');
	assert.equal(typeof h.json.seq, 'number');
	assert.equal(typeof h.json.clients, 'number');
});

test('GET /api/openapi.json describes every route, generated from the model', async () => {
	const r = await api(d, '/api/openapi.json');
	assert.equal(r.status, 200);
	const doc = r.json;
	assert.match(doc.openapi, /^3\.1/);
	const want = {
		'/api/devices': ['get', 'post'], '/api/devices/{id}': ['get', 'patch', 'delete'],
		'/api/devices/{id}/actions': ['post'], '/api/devices/{id}/history': ['get'], '/api/actions': ['post'],
		'/api/rooms': ['get', 'post'], '/api/rooms/{id}': ['patch', 'delete'], '/api/stats': ['get'],
		'/api/mode': ['get', 'put'], '/api/modes': ['get', 'post'], '/api/modes/{name}': ['put', 'delete'],
		'/api/changes': ['get'], '/api/export': ['get'], '/api/import': ['post'],
		'/api/types': ['get'], '/api/health': ['get'], '/api/openapi.json': ['get'],
		'/api/automations': ['get', 'post'], '/api/automations/{name}': ['parameters', 'get', 'put', 'delete'],
		'/api/automations/{name}/enable': ['post'], '/api/automations/{name}/run': ['post'],
		'/api/automations/{name}/test': ['get'],
		'/api/oauth/request': ['get'], '/api/oauth/approve': ['post'],
	};
	assert.deepEqual(Object.keys(doc.paths).sort(), Object.keys(want).sort());
	for (const [p, ms] of Object.entries(want))
		assert.deepEqual(Object.keys(doc.paths[p]).sort(), ms.sort());
	const s = doc.components.schemas;
	assert.ok(s.Action.enum.includes('unlock'));
	assert.ok(s.DeviceType.enum.includes('ev_charger'));
	assert.equal(s.DeviceProperties.properties.brightness.maximum, 100);
	// Modes are the home's own: no fixed list.
	assert.equal(s.ModeName.enum, undefined);
	// Every $ref resolves.
	const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g);
	for (const ref of refs) {
		const path = ref.slice(8, -1).replace(/^#\//, '').split('/');
		let o = doc;
		for (const k of path)
			o = o?.[k];
		assert.ok(o, `dangling ${ref}`);
	}
});

test('unknown routes 404, wrong methods 405 with Allow', async () => {
	isError(await api(d, '/api/nope'), 404, 'not_found');
	isError(await api(d, '/api/devices/x/y/z'), 404, 'not_found');
	isError(await api(d, '/api'), 404, 'not_found');
	let r = await api(d, '/api/devices', { method: 'DELETE' });
	isError(r, 405, 'method_not_allowed');
	assert.match(r.headers.get('allow'), /GET/);
	r = await api(d, '/api/mode', { method: 'POST', body: {} });
	isError(r, 405, 'method_not_allowed');
	assert.match(r.headers.get('allow'), /PUT/);
	r = await api(d, '/api/devices/living_room_light_main/actions');
	isError(r, 405, 'method_not_allowed');
	assert.equal(r.headers.get('allow'), 'POST');
	const head = await fetch(d.base + '/api/health', { method: 'HEAD',
		headers: { Authorization: `Bearer ${home.token}` } });
	assert.equal(head.status, 200);
});

test('static files: types, cache headers, revalidation', async () => {
	let r = await fetch(d.base + '/');
	assert.equal(r.status, 200);
	assert.match(r.headers.get('content-type'), /^text\/html/);
	assert.equal(r.headers.get('cache-control'), 'no-cache');
	const etag = r.headers.get('etag');
	assert.ok(etag);
	assert.match(await r.text(), /homectl/);
	r = await fetch(d.base + '/', { headers: { 'If-None-Match': etag } });
	assert.equal(r.status, 304);
	r = await fetch(d.base + '/js/app.js');
	assert.match(r.headers.get('content-type'), /^text\/javascript/);
	assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
	r = await fetch(d.base + '/style.css');
	assert.match(r.headers.get('content-type'), /^text\/css/);
	r = await fetch(d.base + '/js', { redirect: 'manual' });
	assert.equal(r.status, 301);
	assert.equal(r.headers.get('location'), '/js/');
	assert.equal((await fetch(d.base + '/nope.html')).status, 404);
	r = await fetch(d.base + '/', { method: 'POST', body: 'x' });
	assert.equal(r.status, 405);
});

test('static files: a precompressed NAME.gz when the client accepts gzip and it is not older', async () => {
	const fs = await import('node:fs');
	const zlib = await import('node:zlib');
	const http = await import('node:http');
	const get = (path, headers = {}) => new Promise((res, rej) => {
		http.get(`${d.base}${path}`, { headers }, (r) => {
			const chunks = [];
			r.on('data', (c) => chunks.push(c));
			r.on('end', () => res({ status: r.statusCode, headers: r.headers, body: Buffer.concat(chunks) }));
		}).on('error', rej);
	});
	// The .gz says something else, to tell which one came.
	fs.writeFileSync(`${home.web}/gz.css`, 'body { color: red; }\n');
	fs.writeFileSync(`${home.web}/gz.css.gz`, zlib.gzipSync('body { color: blue; }\n'));
	let r = await get('/gz.css', { 'Accept-Encoding': 'gzip, deflate, br' });
	assert.equal(r.status, 200);
	assert.equal(r.headers['content-encoding'], 'gzip');
	assert.match(r.headers['content-type'], /^text\/css/);
	assert.equal(r.headers.vary, 'Accept-Encoding');
	assert.equal(zlib.gunzipSync(r.body).toString(), 'body { color: blue; }\n');
	const gzEtag = r.headers.etag;
	for (const ae of [undefined, 'identity', 'gzip;q=0', 'br']) {
		r = await get('/gz.css', ae ? { 'Accept-Encoding': ae } : {});
		assert.equal(r.headers['content-encoding'], undefined, String(ae));
		assert.equal(r.body.toString(), 'body { color: red; }\n', String(ae));
		assert.notEqual(r.headers.etag, gzEtag, 'each form has its own ETag');
	}
	// A .gz older than its file is stale: the file itself.
	const past = new Date(Date.now() - 3600e3);
	fs.utimesSync(`${home.web}/gz.css.gz`, past, past);
	r = await get('/gz.css', { 'Accept-Encoding': 'gzip' });
	assert.equal(r.headers['content-encoding'], undefined);
	assert.equal(r.body.toString(), 'body { color: red; }\n');
	// A .gz that leads out of the root is not used.
	fs.rmSync(`${home.web}/gz.css.gz`);
	fs.writeFileSync(`${home.dir}/out.gz`, zlib.gzipSync('secret\n'));
	fs.symlinkSync('../out.gz', `${home.web}/gz.css.gz`);
	r = await get('/gz.css', { 'Accept-Encoding': 'gzip' });
	assert.equal(r.headers['content-encoding'], undefined);
	assert.equal(r.body.toString(), 'body { color: red; }\n');
});

test('no way out of the web root', async () => {
	const net = await import('node:net');
	// fetch normalises "..", so speak HTTP by hand.
	const raw = (path) => new Promise((res) => {
		const s = net.connect(d.port, '127.0.0.1', () => s.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
		let out = '';
		s.on('data', (x) => { out += x; });
		s.on('end', () => res(out));
		s.on('error', () => res(out));
	});
	for (const p of ['/../secret.txt', '/js/../../secret.txt', '/%2e%2e/secret.txt', '/js/%2e%2e/%2e%2e/secret.txt',
		'/..%2fsecret.txt', '/..\\secret.txt', '//etc/passwd']) {
		const out = await raw(p);
		assert.doesNotMatch(out, /outside the web root/, p);
		assert.match(out, /^HTTP\/1\.1 (400|404)/, p);
	}
	// A symlink pointing out of the root is not followed out.
	const { symlinkSync } = await import('node:fs');
	symlinkSync('../secret.txt', `${home.web}/leak.txt`);
	assert.equal((await fetch(d.base + '/leak.txt')).status, 404);
});

// Waits (bounded) until the daemon's stderr matches re.
async function logged(re) {
	for (const end = Date.now() + 5000; Date.now() < end; await new Promise((r) => setTimeout(r, 20)))
		if (re.test(d.log()))
			return;
	assert.fail(`no ${re} in the log:\n${d.log()}`);
}

test('writes are logged with the token name, refused tokens as warnings without the secret', async () => {
	const r = await api(d, '/api/devices/kitchen_light_main/actions', { method: 'POST', body: { action: 'toggle' } });
	assert.equal(r.status, 200);
	await logged(/^<6>homectl-api: POST \/api\/devices\/kitchen_light_main\/actions 200 \(token test, from 127\.0\.0\.1\)$/m);
	assert.equal((await api(d, '/api/mode', { method: 'PUT', body: { mode: 'nope' } })).status, 404);
	await logged(/^<6>homectl-api: PUT \/api\/mode 404 \(token test, from 127\.0\.0\.1\)$/m);
	// Reads are not an admin's business at info.
	assert.equal((await api(d, '/api/devices')).status, 200);
	assert.doesNotMatch(d.log(), /^<6>homectl-api: GET /m);
	const secret = `hc_${'Zz9'.repeat(14)}x`;
	assert.equal(secret.length, 46);
	assert.equal((await api(d, '/api/devices', { auth: `Bearer ${secret}` })).status, 401);
	await logged(/^<4>homectl-api: GET \/api\/devices: refused a token from 127\.0\.0\.1: unknown or revoked$/m);
	assert.ok(!d.log().includes(secret.slice(3, 20)), 'the secret is not in the log');
});

test('still serving after all that', async () => {
	assert.equal((await api(d, '/api/health')).status, 200);
	assert.equal(d.proc.exitCode, null);
});
