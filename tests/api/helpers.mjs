// SPDX-License-Identifier: MIT
// helpers.mjs -- start the real homectl-api on a temporary home and an
// ephemeral port, and talk to it with fetch and real WebSocket clients.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import WebSocket from 'ws';

export const BUILD = resolve(process.env.HOMECTL_BUILD || 'build');
export const HOMECTL = join(BUILD, 'homectl');
export const API = join(BUILD, 'homectl-api');
export const MCP = join(BUILD, 'homectl-mcp');

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Every daemon a test started dies with the test process, even when the
// test failed before stopping it.
const running = new Set();
process.on('exit', () => running.forEach((p) => { try { p.kill('SIGKILL'); } catch { /* gone */ } }));

// A demo home in a fresh directory, with one token.
export function makeHome() {
	const dir = mkdtempSync(join(tmpdir(), 'homectl-api-'));
	const db = join(dir, 'home.db');
	execFileSync(HOMECTL, ['--db', db, 'init', '--demo'], { stdio: 'ignore' });
	const token = execFileSync(HOMECTL, ['--db', db, 'token', 'create', 'test']).toString().trim();
	const web = join(dir, 'web');
	mkdirSync(join(web, 'js'), { recursive: true });
	writeFileSync(join(web, 'index.html'), '<!doctype html><title>homectl</title>\n');
	writeFileSync(join(web, 'js', 'app.js'), 'export const x = 1;\n');
	writeFileSync(join(web, 'style.css'), 'body { color: black; }\n');
	writeFileSync(join(dir, 'secret.txt'), 'outside the web root\n');
	return { dir, db, token, web, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

// Runs the homectl CLI on the home's database; returns stdout.
export function homectl(home, ...args) {
	return execFileSync(HOMECTL, ['--db', home.db, ...args]).toString();
}

export function sqlite(home, sql) {
	return execFileSync('sqlite3', [home.db, sql]).toString();
}

// Starts homectl-api; resolves when it logs the port it listens on.
// spawnOpts: more options for spawn (uid and gid to run it as another user).
export async function startApi(home, extra = [], env = {}, spawnOpts = {}) {
	const args = ['--db', home.db, '--config', '/dev/null', '--listen', '127.0.0.1:0',
		'--web-root', home.web, ...extra];
	const proc = spawn(API, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env },
		...spawnOpts });
	running.add(proc);
	proc.on('exit', () => running.delete(proc));
	let log = '';
	const port = await new Promise((res, rej) => {
		const t = setTimeout(() => rej(new Error(`homectl-api did not start: ${log}`)), 5000);
		proc.stderr.on('data', (d) => {
			log += d;
			const m = /listening on [^\s]*:(\d+)/.exec(log);
			if (m && /serving /.test(log)) {
				clearTimeout(t);
				res(Number(m[1]));
			}
		});
		proc.on('exit', (code) => { clearTimeout(t); rej(new Error(`homectl-api exited ${code}: ${log}`)); });
	});
	proc.stderr.on('data', (d) => { log += d; });
	const d = {
		proc, port, home,
		base: `http://127.0.0.1:${port}`,
		url: `ws://127.0.0.1:${port}/ws`,
		log: () => log,
		async stop() {
			if (proc.exitCode !== null || proc.signalCode !== null)
				return proc.exitCode;
			const done = new Promise((r) => proc.on('exit', (c, s) => r(c ?? s)));
			proc.kill('SIGTERM');
			return done;
		},
	};
	return d;
}

// fetch with the token (unless auth === false) and a parsed body.
export async function api(d, path, { method = 'GET', body, auth = true, headers = {} } = {}) {
	const h = { ...headers };
	if (auth === true)
		h.Authorization = `Bearer ${d.home.token}`;
	else if (typeof auth === 'string')
		h.Authorization = auth;
	if (body !== undefined && typeof body !== 'string')
		body = JSON.stringify(body);
	if (body !== undefined && !h['Content-Type'])
		h['Content-Type'] = 'application/json';
	const res = await fetch(d.base + path, { method, body, headers: h });
	const text = await res.text();
	let json;
	try { json = JSON.parse(text); } catch { json = undefined; }
	return { status: res.status, headers: res.headers, text, json };
}

// A WebSocket client that records every message and can wait for one.
export class Client {
	constructor(url, opts = {}) {
		this.msgs = [];
		this.waiters = [];
		this.closed = null;
		this.ws = new WebSocket(url, opts);
		this.opened = new Promise((res, rej) => {
			this.ws.once('open', res);
			this.ws.once('error', rej);
			this.ws.once('unexpected-response', (req, resp) => rej(Object.assign(
				new Error(`HTTP ${resp.statusCode}`), { status: resp.statusCode })));
		});
		this.closedP = new Promise((res) => this.ws.on('close', (code, reason) => {
			this.closed = { code, reason: reason.toString() };
			res(this.closed);
			this.wake();
		}));
		this.ws.on('error', () => {});
		this.ws.on('message', (data, binary) => {
			let m;
			try { m = JSON.parse(data.toString()); } catch { m = { raw: data.toString() }; }
			m._at = process.hrtime.bigint();
			this.msgs.push(m);
			this.wake();
		});
	}
	wake() {
		const w = this.waiters;
		this.waiters = [];
		w.forEach((f) => f());
	}
	send(obj) { this.ws.send(typeof obj === 'string' ? obj : JSON.stringify(obj)); }
	// Resolves with the first recorded message (from index `from`) that
	// matches pred; rejects after ms.
	async next(pred = () => true, ms = 5000, from = 0) {
		const deadline = Date.now() + ms;
		for (;;) {
			const i = this.msgs.findIndex((m, k) => k >= from && pred(m));
			if (i >= 0)
				return this.msgs[i];
			if (this.closed)
				throw new Error(`closed ${this.closed.code} before a matching message; got ${JSON.stringify(this.msgs.map((m) => m.type))}`);
			const left = deadline - Date.now();
			if (left <= 0)
				throw new Error(`no matching message within ${ms} ms; got ${JSON.stringify(this.msgs.map((m) => m.type))}`);
			await new Promise((r) => { this.waiters.push(r); setTimeout(r, left); });
		}
	}
	async hello(token, since) {
		await this.opened;
		const m = { type: 'hello', token };
		if (since !== undefined)
			m.since = since;
		this.send(m);
		return this.next((x) => x.type === 'snapshot' || x.type === 'changes' || x.type === 'error');
	}
	// Waits until the device with id has state (from any change frame).
	async device(id, pred, ms = 5000) {
		return this.next((m) => m.type === 'changes' && m.changes.some((c) =>
			c.kind === 'device' && c.device.id === id && pred(c.device)), ms);
	}
	close() { try { this.ws.terminate(); } catch { /* closed */ } }
}

// Connects and authenticates a client; resolves with [client, first frame].
export async function connect(d, opts = {}) {
	const c = new Client(d.url, opts.ws || {});
	const first = await c.hello(opts.token ?? d.home.token, opts.since);
	return [c, first];
}

// /proc/PID/stat utime+stime (clock ticks) and voluntary context switches.
export function procStats(pid) {
	const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
	const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	const cpu = Number(f[11]) + Number(f[12]);
	const st = readFileSync(`/proc/${pid}/status`, 'utf8');
	const vcs = Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(st)[1]);
	const nvcs = Number(/nonvoluntary_ctxt_switches:\s+(\d+)/.exec(st)[1]);
	const rss = Number(/VmRSS:\s+(\d+)/.exec(st)[1]);
	return { cpu, vcs, nvcs, rss };
}

export const haveMcp = () => existsSync(MCP);
