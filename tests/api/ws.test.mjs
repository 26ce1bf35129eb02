// SPDX-License-Identifier: MIT
// ws.test.mjs -- the WebSocket protocol of docs/protocol.md with real
// clients: hello and its timeout, Origin, snapshot, resume, batching,
// bounded queues with resync, pings, and hostile input.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import net from 'node:net';
import { makeHome, startApi, api, homectl, sqlite, Client, connect, sleep } from './helpers.mjs';

let home, d;
before(async () => {
	home = makeHome();
	writeFileSync(join(home.dir, 'homectl.conf'),
		'allowed_origins = https://dash.example http://other.example:9000\nws_queue_max = 4\n');
	d = await startApi(home, ['--config', join(home.dir, 'homectl.conf'), '--ws-ping-interval', '1']);
});
after(async () => {
	await d.stop();
	home.cleanup();
});

const newest = async () => (await api(d, '/api/health')).json.seq;

// Every change after since, paging through /api/changes.
async function allChanges(since) {
	const out = [];
	for (;;) {
		const page = (await api(d, `/api/changes?since=${since}&limit=1000`)).json.changes;
		if (page.length === 0)
			return out;
		out.push(...page);
		since = page.at(-1).seq;
	}
}

test('hello with a token gets a snapshot of the whole home at the current seq', async () => {
	const [c, snap] = await connect(d);
	assert.equal(snap.type, 'snapshot');
	assert.equal(snap.seq, await newest());
	assert.equal(snap.devices.length, 24);
	assert.equal(snap.mode, 'home');
	assert.deepEqual(snap.rooms.map((r) => r.id), ['living_room', 'bedroom', 'kitchen', 'bathroom', 'outdoor']);
	const rest = (await api(d, '/api/devices')).json.devices;
	assert.deepEqual(snap.devices, rest);
	assert.equal((await api(d, '/api/health')).json.clients, 1);
	c.close();
});

test('a bad token, or no hello at all, is refused with 4401', async () => {
	const bad = new Client(d.url);
	const m = await bad.hello('hc_' + 'x'.repeat(44));
	assert.equal(m.type, 'error');
	assert.equal(m.code, 'unauthorized');
	assert.equal((await bad.closedP).code, 4401);

	const rude = new Client(d.url);
	await rude.opened;
	rude.send({ type: 'ping' });
	assert.equal((await rude.next((x) => x.type === 'error')).code, 'unauthorized');
	assert.equal((await rude.closedP).code, 4401);

	const silent = new Client(d.url);
	await silent.opened;
	const e = await silent.next((x) => x.type === 'error', 10000);
	assert.equal(e.code, 'unauthorized');
	assert.equal((await silent.closedP).code, 4401);
	assert.equal(silent.msgs.filter((x) => x.type === 'snapshot').length, 0);
});

test('Origin: same origin, listed origins and none are welcome; others get 403', async () => {
	const tryOrigin = async (origin) => {
		const c = new Client(d.url, origin ? { origin } : {});
		try {
			await c.opened;
		} catch (e) {
			return e.status;
		}
		const m = await c.hello(home.token);
		c.close();
		return m.type;
	};
	assert.equal(await tryOrigin(`http://127.0.0.1:${d.port}`), 'snapshot');
	assert.equal(await tryOrigin('https://dash.example'), 'snapshot');
	assert.equal(await tryOrigin('http://other.example:9000'), 'snapshot');
	assert.equal(await tryOrigin(undefined), 'snapshot');
	assert.equal(await tryOrigin('https://evil.example'), 403);
	assert.equal(await tryOrigin(`http://127.0.0.1:${d.port + 1}`), 403);
	assert.equal(await tryOrigin('http://other.example'), 403);
	assert.equal(await tryOrigin('null'), 403);
});

test('live changes: every client gets the full new state, once, in seq order', async () => {
	const clients = await Promise.all([1, 2, 3].map(() => connect(d)));
	homectl(home, 'set', 'kitchen_light_main', 'set', '--brightness', '33');
	for (const [c, snap] of clients) {
		const m = await c.device('kitchen_light_main', (x) => x.properties.brightness === 33);
		assert.ok(m.seq > snap.seq);
		const ch = m.changes.find((x) => x.device?.id === 'kitchen_light_main');
		assert.equal(ch.source, 'cli');
		assert.equal(ch.kind, 'device');
		assert.equal(ch.device.name, 'Kitchen ceiling light');
		assert.equal(ch.device.room, 'kitchen');
		assert.equal(ch.device.type, 'light');
		assert.equal(m.seq, m.changes.at(-1).seq);
	}
	clients.forEach(([c]) => c.close());
});

test('a mode change, and a multi-row transaction, arrive as one frame', async () => {
	const [c] = await connect(d);
	const from = c.msgs.length;
	const r = await api(d, '/api/mode', { method: 'PUT', body: { mode: 'away' } });
	assert.equal(r.status, 200);
	const m = await c.next((x) => x.type === 'changes' && x.changes.some((y) => y.kind === 'mode'), 5000, from);
	assert.ok(m.changes.length >= 2, 'scene devices and the mode in one frame');
	assert.equal(m.changes.find((y) => y.kind === 'mode').mode, 'away');
	assert.equal(m.changes.find((y) => y.kind === 'mode').source, 'api');

	const from2 = c.msgs.length;
	sqlite(home, "BEGIN; UPDATE devices SET properties = json_set(properties, '$.brightness', 11) WHERE id='bathroom_light';" +
		" UPDATE devices SET properties = json_set(properties, '$.brightness', 12) WHERE id='bedroom_light_bedside'; COMMIT;");
	const m2 = await c.next((x) => x.type === 'changes' && x.changes.some((y) => y.device?.id === 'bedroom_light_bedside'), 5000, from2);
	assert.deepEqual(m2.changes.map((y) => y.device.id).sort(), ['bathroom_light', 'bedroom_light_bedside']);
	assert.ok(m2.changes.every((y) => y.source === 'unknown'));
	await api(d, '/api/mode', { method: 'PUT', body: { mode: 'home' } });
	c.close();
});

test('resume with since: exactly the missed changes, or a snapshot when they are gone', async () => {
	const [c, snap] = await connect(d);
	c.close();
	homectl(home, 'set', 'living_room_fan', 'on');
	homectl(home, 'set', 'living_room_fan', 'off');
	homectl(home, 'mode', 'sleep');
	const feed = (await api(d, `/api/changes?since=${snap.seq}&limit=1000`)).json.changes;
	assert.ok(feed.length >= 3);
	// Wait until the daemon itself has seen them all.
	for (let i = 0; i < 100 && await newest() < feed.at(-1).seq; i++)
		await sleep(20);

	const [r, first] = await connect(d, { since: snap.seq });
	assert.equal(first.type, 'changes');
	assert.deepEqual(first.changes.map((x) => x.seq), feed.map((x) => x.seq));
	assert.deepEqual(first.changes, feed);
	assert.equal(first.seq, feed.at(-1).seq);
	r.close();

	// Up to date: an empty changes frame.
	const [u, up] = await connect(d, { since: first.seq });
	assert.equal(up.type, 'changes');
	assert.deepEqual(up.changes, []);
	assert.equal(up.seq, first.seq);
	u.close();

	// A seq from the future (another database?): a snapshot.
	const [f, fut] = await connect(d, { since: first.seq + 1000 });
	assert.equal(fut.type, 'snapshot');
	f.close();

	// Pruned: the feed no longer holds what came after since.
	sqlite(home, `DELETE FROM changes WHERE seq <= ${snap.seq + 2}`);
	const [p, pr] = await connect(d, { since: snap.seq });
	assert.equal(pr.type, 'snapshot');
	assert.equal(pr.mode, 'sleep');
	p.close();

	// A bad since is an error, and the client may say hello again.
	const b = new Client(d.url);
	await b.opened;
	b.send({ type: 'hello', token: home.token, since: 'yesterday' });
	assert.equal((await b.next((x) => x.type === 'error')).code, 'bad_request');
	b.send({ type: 'hello', token: home.token });
	assert.equal((await b.next((x) => x.type === 'snapshot')).type, 'snapshot');
	b.close();
	homectl(home, 'mode', 'home');
});

test('client ping gets a pong with the seq; protocol pings keep clients, drop the dead', async () => {
	const [c] = await connect(d);
	c.send({ type: 'ping' });
	const p = await c.next((x) => x.type === 'pong');
	assert.equal(p.seq, await newest());
	let pings = 0;
	c.ws.on('ping', () => pings++);
	// Interval is 1 s here; a dead client (no pongs) goes within ~2 s.
	const dead = new Client(d.url, { autoPong: false });
	await dead.hello(home.token);
	const closed = await Promise.race([dead.closedP, sleep(8000).then(() => null)]);
	assert.ok(closed, 'a client that never answers pings is dropped');
	assert.ok(pings >= 1);
	assert.equal(c.closed, null, 'a client that answers stays');
	c.close();
});

test('garbage, binary, oversized and unknown messages: errors, then 1008; others unaffected', async () => {
	const [other] = await connect(d);
	const [c] = await connect(d);
	const errs = () => c.msgs.filter((x) => x.type === 'error');
	c.send('this is not json');
	await c.next((x) => x.type === 'error');
	c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
	await c.next(() => errs().length >= 2);
	c.send({ type: 'launch_rockets' });
	await c.next(() => errs().length >= 3);
	c.send(JSON.stringify({ type: 'ping', pad: 'x'.repeat(5000) }));
	await c.next(() => errs().length >= 4);
	assert.ok(errs().every((x) => x.code === 'bad_request'));
	// A fragmented message within the limit is fine.
	c.ws._sender.send(Buffer.from('{"type":'), { fin: false, opcode: 1, mask: true, readOnly: false });
	c.ws._sender.send(Buffer.from('"ping"}'), { fin: true, opcode: 0, mask: true, readOnly: false });
	await c.next((x) => x.type === 'pong');
	// A megabyte in one message.
	c.send(JSON.stringify({ type: 'ping', pad: 'y'.repeat(1 << 20) }));
	const closed = await c.closedP;
	assert.equal(closed.code, 1008);
	assert.equal(errs().length, 5);
	// The other client saw none of it and still gets changes.
	assert.equal(other.msgs.filter((x) => x.type === 'error').length, 0);
	homectl(home, 'set', 'bathroom_fan', 'on');
	await other.device('bathroom_fan', (x) => x.state === 'on');
	other.close();
});

function rawHttp(port, req) {
	return new Promise((res) => {
		const s = net.connect(port, '127.0.0.1', () => s.write(req));
		let out = '';
		s.on('data', (x) => { out += x; });
		s.on('end', () => res(out));
		s.on('error', () => res(out));
	});
}

test('GET /ws without an upgrade is answered and closed', async () => {
	const out = await rawHttp(d.port, 'GET /ws HTTP/1.1\r\nHost: x\r\n\r\n');
	assert.match(out, /^HTTP\/1\.1 426/);
	// An upgrade on a connection that already carried a REST request (so
	// MHD holds it) is refused: browsers open a fresh connection.
	const out2 = await rawHttp(d.port, `GET /api/health HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${home.token}\r\n\r\n` +
		'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
		'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
	assert.match(out2, /^HTTP\/1\.1 200[^]*HTTP\/1\.1 400/);
	assert.equal((await api(d, '/api/health')).status, 200);
});

// A reader that does not read: python sets a tiny receive buffer, says
// hello, waits for a line on its stdin (the test's word that the fast client
// has everything), then reads everything.  ws_queue_max is 16 here.
const SLOW = String.raw`
import socket, sys, os, base64, json, struct
port, token = int(sys.argv[1]), sys.argv[2]
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
s.connect(('127.0.0.1', port))
key = base64.b64encode(os.urandom(16)).decode()
s.sendall(('GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
    'Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n' % key).encode())
buf = b''
while b'\r\n\r\n' not in buf:
    buf += s.recv(1)
payload = json.dumps({'type': 'hello', 'token': token}).encode()
mask = os.urandom(4)
s.sendall(bytes([0x81, 0x80 | len(payload)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))
# The snapshot's first byte, left unread: the hello was taken, the feed
# comes to this client from here on.
s.recv(1, socket.MSG_PEEK)
print('ready', flush=True)
# The line is the seq of the last change: read until a frame reaches it (or
# nothing comes for 20 s).
until = int(sys.stdin.readline())
print('reading', flush=True)
s.settimeout(20.0)
buf = b''
seen = -1
try:
    while seen < until:
        d = s.recv(65536)
        if not d:
            break
        buf += d
        while len(buf) >= 2:
            n = buf[1] & 0x7f; h = {126: 4, 127: 10}.get(n, 2)
            if len(buf) < h: break
            if n == 126: n = struct.unpack('>H', buf[2:4])[0]
            elif n == 127: n = struct.unpack('>Q', buf[2:10])[0]
            if len(buf) < h + n: break
            if buf[0] & 0x0f == 1:
                m = json.loads(buf[h:h + n])
                seen = max(seen, m.get('seq') or -1)
                print(json.dumps({'type': m['type'], 'seq': m.get('seq'), 'n': len(m.get('changes', [])),
                    'devices': m.get('devices')}), flush=True)
            buf = buf[h + n:]
except socket.timeout:
    pass
`;

test('a client that does not read overflows only its own queue, then resyncs with a snapshot', async () => {
	// A daemon of its own: with 1 s pings the silent reader would be
	// dropped as dead before it overflows.
	const outer = d;
	writeFileSync(join(home.dir, 'slow.conf'), 'ws_queue_max = 16\n');
	d = await startApi(home, ['--config', join(home.dir, 'slow.conf')]);
	try {
		await slowReader();
	} finally {
		await d.stop();
		d = outer;
	}
});

async function slowReader() {
	const [fast, fsnap] = await connect(d);
	const py = spawn('python3', ['-c', SLOW, String(d.port), home.token]);
	const exited = new Promise((r) => py.on('exit', r));
	try {
		await slowReaderWith(fast, fsnap, py, exited);
	} finally {
		// Waiting on its stdin otherwise, it would outlive a failed test.
		py.kill();
		fast.close();
	}
}

async function slowReaderWith(fast, fsnap, py, exited) {
	let out = '';
	py.stdout.on('data', (x) => { out += x; });
	while (!out.includes('ready'))
		await sleep(20);
	// 600 separate commits of a 20 KB property: far more than the socket
	// buffers hold (up to 4 MB).  In 40 batches, each one seen by the fast
	// client before the next is written: at least 40 frames, whatever the
	// machine's speed, so the slow client's queue (16) certainly
	// overflows, and a reading client certainly keeps up.
	let last;
	for (let b = 0; b < 40; b++) {
		let script = '';
		for (let i = b * 15; i < (b + 1) * 15; i++)
			script += `UPDATE devices SET properties = json_set(properties, '$.pad', printf('%.20000c', 'x') || ${i}) WHERE id = 'living_room_light_lamp';\n`;
		const sq = spawn('sqlite3', [home.db], { stdio: ['pipe', 'ignore', 'inherit'] });
		const done = new Promise((r) => sq.on('exit', r));
		sq.stdin.end(script);
		assert.equal(await done, 0);
		last = (await api(d, '/api/changes?since=0&limit=1')).json;
		const newest = last.newest;
		// The fast client gets everything while the slow one is still not
		// reading (it reads only when told, below): it is not held up.
		await fast.next((x) => x.type === 'changes' && x.seq >= newest, 30000).catch((e) => {
			assert.fail(`the fast client did not get change ${newest} while the slow one was not reading: ${e.message}`);
		});
	}
	py.stdin.end(`${last.newest}\n`);
	// In order, and (unless it fell behind itself) every change exactly once.
	const seqs = fast.msgs.filter((x) => x.type === 'changes').flatMap((x) => x.changes.map((y) => y.seq));
	for (let i = 1; i < seqs.length; i++)
		assert.ok(seqs[i] > seqs[i - 1]);
	if (fast.msgs.filter((x) => x.type === 'snapshot').length === 1)
		assert.deepEqual(seqs, (await allChanges(fsnap.seq)).map((x) => x.seq));
	else
		console.log('# the fast client fell behind too on this busy machine and was resynced');
	await exited;
	const frames = out.trim().split('\n').slice(2).map((l) => JSON.parse(l));
	const types = frames.map((f) => f.type);
	assert.equal(types[0], 'snapshot');
	assert.ok(types.indexOf('snapshot', 1) > 0, `a resync snapshot: ${types.join(' ')}`);
	assert.ok(frames.length < 500, 'the backlog was dropped, not delivered');
	// After the last snapshot, state plus later deltas equals the database.
	const lastSnap = frames.filter((f) => f.type === 'snapshot').at(-1);
	const tail = frames.slice(frames.lastIndexOf(lastSnap) + 1);
	const finalSeq = tail.length ? tail.at(-1).seq : lastSnap.seq;
	assert.equal(finalSeq, last.newest);
}
