// SPDX-License-Identifier: MIT
// daemon.test.mjs -- the process: an idle daemon sleeps, silent and idle
// connections stall no one, systemd's socket and notify protocol work, and
// SIGTERM ends it cleanly.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { makeHome, startApi, api, connect, procStats, sleep, API } from './helpers.mjs';

let home, d;
before(async () => {
	home = makeHome();
	d = await startApi(home);
});
after(async () => {
	await d.stop();
	home.cleanup();
});

// How long the daemon is watched idling: HOMECTL_TEST_IDLE_MS (5 s by
// default; longer makes the numbers steadier, e.g. for a benchmark run).
const IDLE_MS = Number(process.env.HOMECTL_TEST_IDLE_MS) || 5000;

test('an idle daemon does no busy work', async () => {
	// One connected, authenticated client, as with a dashboard open.
	const [c] = await connect(d);
	await sleep(500);
	const a = procStats(d.proc.pid);
	await sleep(IDLE_MS);
	const b = procStats(d.proc.pid);
	const secs = IDLE_MS / 1000;
	const wakeups = (b.vcs - a.vcs) + (b.nvcs - a.nvcs);
	const cpuTicks = b.cpu - a.cpu;	// clock ticks, normally 10 ms each
	console.log(`# idle ${secs} s: ${wakeups} context switches, ${cpuTicks} CPU ticks, RSS ${b.rss} kB`);
	// The 100 ms fallback timer is 10 wake-ups a second; a busy loop would
	// be thousands.
	assert.ok(wakeups < 15 * secs, `${wakeups} wake-ups in ${secs} s`);
	// Well below a percent of a core (1 % is one 10 ms tick a second).
	assert.ok(cpuTicks <= Math.max(2, secs / 2), `${cpuTicks} CPU ticks in ${secs} s`);
	assert.equal(c.closed, null);
	c.close();
});

const connectRaw = () => new Promise((res, rej) => {
	const s = net.connect(d.port, '127.0.0.1', () => res(s));
	s.on('error', rej);
});

test('a silent client, and one that sends half a request line, stall no one', async () => {
	const silent = await connectRaw();
	const half = await connectRaw();
	half.write('GET /ws HT');
	await sleep(100);
	const t0 = Date.now();
	for (let i = 0; i < 5; i++)
		assert.equal((await api(d, '/api/health')).status, 200);
	const [c, snap] = await connect(d);
	assert.equal(snap.type, 'snapshot');
	c.close();
	// The half request completes late and is still served.
	half.write('TP/1.1\r\nHost: x\r\n\r\n');
	const got = await new Promise((res) => { let o = ''; half.on('data', (x) => { o += x; if (o.includes('\r\n\r\n')) res(o); }); });
	assert.match(got, /^HTTP\/1\.1 426/);
	assert.ok(Date.now() - t0 < 60000);
	silent.destroy();
	half.destroy();
});

test('a thousand idle connections do not block a request or a WebSocket', async () => {
	const socks = [];
	for (let i = 0; i < 1000; i++)
		socks.push(await connectRaw());
	await sleep(200);
	const r = await api(d, '/api/devices');
	assert.equal(r.status, 200);
	assert.equal(r.json.devices.length, 24);
	const [c, snap] = await connect(d);
	assert.equal(snap.type, 'snapshot');
	c.close();
	socks.forEach((s) => s.destroy());
	assert.equal(d.proc.exitCode, null);
});

// Runs the daemon the way systemd does: a listening socket as fd 3 with
// LISTEN_FDS/LISTEN_PID, and a NOTIFY_SOCKET that records every message.
const SYSTEMD = String.raw`
import os, socket, sys, time, signal
api, db, web, notify_path = sys.argv[1:5]
config = sys.argv[5] if len(sys.argv) > 5 else '/dev/null'
lsock = socket.socket(); lsock.bind(('127.0.0.1', 0)); lsock.listen(128)
nsock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); nsock.bind(notify_path)
print('port', lsock.getsockname()[1], flush=True)
pid = os.fork()
if pid == 0:
    os.dup2(lsock.fileno(), 3); os.set_inheritable(3, True)
    env = dict(os.environ, LISTEN_FDS='1', LISTEN_PID=str(os.getpid()), NOTIFY_SOCKET=notify_path,
        WATCHDOG_USEC='400000')
    os.execve(api, [api, '--db', db, '--config', config, '--web-root', web, '--listen', '127.0.0.1:1'], env)
lsock.close()
print('pid', pid, flush=True)
nsock.settimeout(0.2)
end = None
while True:
    try:
        msg = nsock.recv(4096).decode()
        print('notify', msg.replace('\n', ' '), flush=True)
    except socket.timeout:
        pass
    r = os.waitpid(pid, os.WNOHANG)
    if r[0] == pid:
        print('exit', os.waitstatus_to_exitcode(r[1]), flush=True)
        break
`;

test('socket activation, READY=1, WATCHDOG=1, STOPPING=1 and a clean SIGTERM exit', async (t) => {
	const py = spawn('python3', ['-c', SYSTEMD, API, home.db, home.web, join(home.dir, 'notify.sock')],
		{ stdio: ['ignore', 'pipe', 'inherit'] });
	let out = '';
	py.stdout.on('data', (x) => { out += x; });
	const waitFor = async (re, ms = 5000) => {
		for (const end = Date.now() + ms; Date.now() < end; await sleep(20)) {
			const m = re.exec(out);
			if (m)
				return m;
		}
		throw new Error(`no ${re} in ${out}`);
	};
	const port = Number((await waitFor(/port (\d+)/))[1]);
	const pid = Number((await waitFor(/pid (\d+)/))[1]);
	// A failed assertion must not leave the daemon (and the harness) behind.
	t.after(() => { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } });
	await waitFor(/notify READY=1/);
	// Served on the socket systemd passed (it did not bind 127.0.0.1:1).
	const res = await fetch(`http://127.0.0.1:${port}/api/health`, { headers: { Authorization: `Bearer ${home.token}` } });
	assert.equal(res.status, 200);
	const ws = { url: `ws://127.0.0.1:${port}/ws`, home };
	const [c, snap] = await connect(ws);
	assert.equal(snap.type, 'snapshot');
	// Watchdog every WATCHDOG_USEC / 2: two of them (waited for, however
	// slow the machine; a daemon that never pings fails after 10 s).
	await waitFor(/notify WATCHDOG=1[^]*notify WATCHDOG=1/, 10000);
	// systemctl status: the dashboards, the seq and the last change, sent
	// within a watchdog interval however soon after the previous line.
	const seq = Number((/notify READY=1 STATUS=0 dashboards, seq (\d+)$/m.exec(out) || assert.fail(out))[1]);
	const post = await fetch(`http://127.0.0.1:${port}/api/devices/kitchen_light_main/actions`, {
		method: 'POST', headers: { Authorization: `Bearer ${home.token}`, 'Content-Type': 'application/json' },
		body: JSON.stringify({ action: 'toggle' }),
	});
	assert.equal(post.status, 200);
	await waitFor(new RegExp(`STATUS=1 dashboard, seq ${seq + 1}, last change \\d\\d:\\d\\d:\\d\\d kitchen_light_main by api$`, 'm'));
	process.kill(pid, 'SIGTERM');
	const code = Number((await waitFor(/exit (-?\d+)/, 5000))[1]);
	assert.equal(code, 0);
	assert.match(out, /notify STOPPING=1/);
	assert.ok(out.indexOf('READY=1') < out.indexOf('STOPPING=1'));
	assert.notEqual(await c.closedP, null);
});

test('SIGTERM with clients connected: a clean exit', async () => {
	const cs = await Promise.all([1, 2, 3].map(() => connect(d)));
	const held = await connectRaw();
	const code = await d.stop();
	assert.equal(code, 0);
	assert.match(d.log(), /stopped/);
	for (const [c] of cs)
		assert.notEqual(await c.closedP, null);
	held.destroy();
});

test('--check-config: 0 when the configuration, options and database are good, 1 and the reason when not', () => {
	const run = (...args) => spawnSync(API, args, { encoding: 'utf8' });
	let r = run('--db', home.db, '--config', '/dev/null', '--check-config');
	assert.equal(r.status, 0, r.stdout + r.stderr);
	assert.match(r.stdout, /^ok: .*home\.db opens \(schema \d+\)$/m);
	const bad = join(home.dir, 'bad.conf');
	writeFileSync(bad, '# fine\nupdate_check_interval = soon\n');
	r = run('--db', home.db, '--config', bad, '--check-config');
	assert.equal(r.status, 1);
	assert.match(r.stderr, /^homectl-api: .*bad\.conf:2: /m);
	r = run('--db', home.db, '--config', '/dev/null', '--ws-ping-interval', '0', '--check-config');
	assert.equal(r.status, 1);
	assert.match(r.stderr, /--ws-ping-interval: expected seconds/);
	writeFileSync(join(home.dir, 'junk.db'), 'not a database at all, not even close, no no no\n'.repeat(3));
	r = run('--db', join(home.dir, 'junk.db'), '--config', '/dev/null', '--check-config');
	assert.equal(r.status, 1);
	assert.match(r.stdout, /^problem: .*junk\.db is not an SQLite database$/m);
});

test('socket-activated with a bad configuration: up, every request answered 503 with the reason', async (t) => {
	const bad = join(home.dir, 'bad2.conf');
	writeFileSync(bad, 'colour = blue\n');
	const py = spawn('python3', ['-c', SYSTEMD, API, home.db, home.web, join(home.dir, 'notify2.sock'), bad],
		{ stdio: ['ignore', 'pipe', 'inherit'] });
	let out = '';
	py.stdout.on('data', (x) => { out += x; });
	const waitFor = async (re, ms = 5000) => {
		for (const end = Date.now() + ms; Date.now() < end; await sleep(20)) {
			const m = re.exec(out);
			if (m)
				return m;
		}
		throw new Error(`no ${re} in ${out}`);
	};
	const port = Number((await waitFor(/port (\d+)/))[1]);
	const pid = Number((await waitFor(/pid (\d+)/))[1]);
	// A failed assertion must not leave the daemon (and the harness) behind.
	t.after(() => { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } });
	await waitFor(/notify READY=1 STATUS=cannot start: .*bad2\.conf:1: unknown setting 'colour'/);
	for (let i = 0; i < 10; i++) {
		const res = await fetch(`http://127.0.0.1:${port}/api/devices`, { method: i % 2 ? 'POST' : 'GET',
			body: i % 2 ? '{"action": "on"}' : undefined });
		assert.equal(res.status, 503);
		const j = await res.json();
		assert.equal(j.error.code, 'unavailable');
		assert.match(j.error.message, /^homectl-api cannot start: .*bad2\.conf:1: unknown setting 'colour'\. Fix it, then: systemctl restart homectl-api$/);
	}
	// Still the same process: no exit for systemd to restart, no start limit.
	process.kill(pid, 0);
	await waitFor(/notify WATCHDOG=1[^]*notify WATCHDOG=1/, 10000);
	assert.doesNotMatch(out, /exit /);
	process.kill(pid, 'SIGTERM');
	await waitFor(/exit /);
});
