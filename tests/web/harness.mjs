// SPDX-License-Identifier: MIT
// harness.mjs -- what the browser tests stand on: a demo home in a temp
// directory, the real homectl-api serving web/ on a free port, the CLI and a
// foreign sqlite3 process as other writers, and Debian's chromium.

import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BUILD = path.resolve(ROOT, process.env.HOMECTL_BUILD || 'build');
export const BIN = {
	cli: path.join(BUILD, 'homectl'),
	api: path.join(BUILD, 'homectl-api'),
	mcp: path.join(BUILD, 'homectl-mcp'),
	automations: path.join(BUILD, 'homectl-automations'),
};
// HOMECTL_WEB_ROOT: another copy of the dashboard (a benchmark's before and after).
export const WEB_ROOT = process.env.HOMECTL_WEB_ROOT ? path.resolve(process.env.HOMECTL_WEB_ROOT) :
	path.join(ROOT, 'web');
export const CHROMIUM = process.env.HOMECTL_CHROMIUM || '/usr/bin/chromium';
export const SCREENSHOTS = path.join(BUILD, 'screenshots');

// Runs the homectl CLI on db; returns its stdout.
export function cli(db, ...args) {
	return execFileSync(BIN.cli, ['--db', db, ...args], { encoding: 'utf8',
		stdio: ['ignore', 'pipe', 'pipe'] });
}

// A foreign writer or reader: the sqlite3 shell, a process of its own.
export function sqlite(db, sql) {
	return execFileSync('sqlite3', ['-cmd', '.timeout 5000', db, sql], { encoding: 'utf8' }).trim();
}

export function dbDevice(db, id) {
	const row = sqlite(db, `SELECT json_object('state', state, 'properties', json(properties)) ` +
		`FROM devices WHERE id = '${id.replace(/'/g, "''")}'`);
	return row ? JSON.parse(row) : null;
}

// A demo home in a fresh temp directory, with a token.
export function makeHome() {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homectl-web-'));
	const db = path.join(dir, 'homectl.db');
	cli(db, 'init', '--demo');
	const token = newToken(db, 'test');
	return { dir, db, token };
}

export function newToken(db, name) {
	const out = cli(db, 'token', 'create', name);
	const m = /hc_[A-Za-z0-9_-]+/.exec(out);
	if (!m)
		throw new Error(`no token in the output of 'homectl token create': ${out}`);
	return m[0];
}

export function freePort() {
	return new Promise((resolve, reject) => {
		const s = net.createServer();
		s.once('error', reject);
		s.listen(0, '127.0.0.1', () => {
			const { port } = s.address();
			s.close(() => resolve(port));
		});
	});
}

export function sleep(ms) {
	return new Promise((r) => setTimeout(r, ms));
}

// Polls fn until it returns a truthy value; throws with what it last saw.
// A generous deadline: this waits for an event, it does not time one.
export async function waitFor(fn, what, timeout = 15000) {
	const end = Date.now() + timeout;
	let last;
	for (;;) {
		try {
			last = await fn();
			if (last)
				return last;
		} catch (e) {
			last = e;
		}
		if (Date.now() > end)
			throw new Error(`timed out waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
		await sleep(50);
	}
}

// The real homectl-api on home.db, serving web/, on 127.0.0.1:port.
export class Api {
	constructor(home, port) {
		this.home = home;
		this.port = port;
		this.base = `http://127.0.0.1:${port}`;
		this.conf = path.join(home.dir, 'homectl.conf');
		fs.writeFileSync(this.conf, [
			`database = ${home.db}`,
			`listen = 127.0.0.1:${port}`,
			`web_root = ${WEB_ROOT}`,
			'update_check_interval = 100',
			'log_level = info',
			'',
		].join('\n'));
		this.proc = null;
		this.log = '';
	}

	async start() {
		this.log = '';
		const p = spawn(BIN.api, ['--config', this.conf, '--db', this.home.db,
			'--listen', `127.0.0.1:${this.port}`, '--web-root', WEB_ROOT], {
			env: { ...process.env, HOMECTL_CONFIG: this.conf, HOMECTL_DB: this.home.db },
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		this.proc = p;
		p.stdout.on('data', (d) => { this.log += d; });
		p.stderr.on('data', (d) => { this.log += d; });
		let exited = null;
		p.once('exit', (code, sig) => { exited = `exited (${code ?? sig})`; });
		await waitFor(async () => {
			if (exited)
				throw new Error(`homectl-api ${exited}: ${this.log}`);
			const r = await fetch(`${this.base}/api/health`,
				{ headers: { Authorization: `Bearer ${this.home.token}` } });
			return r.ok;
		}, 'homectl-api to answer /api/health');
	}

	// SIGTERM, then SIGKILL after 10 s; resolves to how it ended: a clean
	// stop is {code: 0, signal: null}.
	async stop() {
		const p = this.proc;
		if (!p)
			return null;
		this.proc = null;
		if (p.exitCode !== null || p.signalCode !== null)
			return { code: p.exitCode, signal: p.signalCode };
		const done = new Promise((r) => p.once('exit', (code, signal) => r({ code, signal })));
		p.kill('SIGTERM');
		const t = setTimeout(() => p.kill('SIGKILL'), 10000);
		const r = await done;
		clearTimeout(t);
		return r;
	}
}

// chromium with a fresh profile; the caller closes it.
export async function launchBrowser() {
	const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'homectl-chromium-'));
	const context = await chromium.launchPersistentContext(profile, {
		executablePath: CHROMIUM,
		headless: true,
		viewport: { width: 1280, height: 800 },
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
			'--disable-background-networking', '--disable-component-update', '--disable-sync'],
	});
	const close = async () => {
		await context.close();
		fs.rmSync(profile, { recursive: true, force: true });
	};
	return { context, close };
}

// Everything a page asks for must come from our own origin.
export function watchRequests(page, base) {
	const foreign = [];
	const errors = [];
	page.on('request', (r) => {
		const u = r.url();
		if (!u.startsWith(base) && !u.startsWith(base.replace('http', 'ws')) &&
		    !u.startsWith('data:'))
			foreign.push(u);
	});
	page.on('pageerror', (e) => errors.push(e.message));
	return { foreign, errors };
}
