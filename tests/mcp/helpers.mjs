// SPDX-License-Identifier: MIT
// helpers.mjs -- what the MCP tests share: a demo home in a temp directory,
// an SDK client on homectl-mcp --stdio, and a raw line-level session.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const build = path.resolve(process.env.HOMECTL_BUILD || 'build');
export const HOMECTL = path.join(build, 'homectl');
export const MCP = path.join(build, 'homectl-mcp');

// A demo home (24 devices) in a new temp directory; rm() removes it.
export function makeHome() {
	const dir = mkdtempSync(path.join(tmpdir(), 'homectl-mcp-'));
	const db = path.join(dir, 'homectl.db');
	execFileSync(HOMECTL, ['--db', db, 'init', '--demo'], { stdio: 'ignore' });
	return { dir, db, rm: () => rmSync(dir, { recursive: true, force: true }) };
}

// `homectl --db DB args...`, its stdout.
export function homectl(db, ...args) {
	return execFileSync(HOMECTL, ['--db', db, ...args], { encoding: 'utf8' });
}

// `sqlite3 DB SQL`: a writer that is not homectl at all.
export function sqlite(db, sql) {
	return execFileSync('sqlite3', [db, sql], { encoding: 'utf8' }).trim();
}

// Where a device stands, read straight from the database.
export function stateOf(db, id) {
	return sqlite(db, `SELECT state FROM devices WHERE id='${id}'`);
}

const clients = new Set();

// The stderr of every server a test started.  Under `make SANITIZE=1` a
// sanitizer report there fails the suite even when the protocol looked fine.
const diagnostics = [];
export function watchStderr(get) { diagnostics.push(get); }
export function sanitizerReports() {
	return diagnostics.map((get) => get()).filter((t) => /Sanitizer|runtime error:/.test(t));
}

// Closes every SDK client still open (after a failed test).
export async function closeAll() {
	killAll();
	await Promise.all([...clients].map((c) => c.close().catch(() => {})));
	clients.clear();
}

// An SDK client on `homectl-mcp --stdio --db DB extra...` (or on any
// command line given as {command, args}).  Diagnostics are collected.
export async function connect(db, extra = [], how = null) {
	const transport = new StdioClientTransport(how ?? {
		command: MCP,
		args: ['--stdio', '--db', db, ...extra],
		stderr: 'pipe',
	});
	const client = new Client({ name: 'homectl-test', version: '1.0.0' }, { capabilities: {} });
	let stderr = '';
	transport.stderr?.on('data', (d) => { stderr += d; });
	watchStderr(() => stderr);
	await client.connect(transport);
	clients.add(client);
	client.stderrText = () => stderr;
	return client;
}

// Calls a tool and returns the result (the SDK has already checked
// structuredContent against the tool's outputSchema, when listTools ran).
export async function call(client, name, args = {}) {
	return client.callTool({ name, arguments: args });
}

// Text of a result's first content block.
export function text(result) {
	return result.content?.[0]?.text ?? '';
}

// Every child a test started, so that a failed test does not leave the
// runner waiting on a live process.
const children = new Set();
export function track(child) {
	children.add(child);
	child.on('exit', () => children.delete(child));
	return child;
}
export function killAll() {
	for (const c of children) c.kill('SIGKILL');
}

// A raw session: write lines, read lines, see the exit.
export function raw(db, extra = [], command = MCP, args = null) {
	const child = track(spawn(command, args ?? ['--stdio', '--db', db, ...extra],
		{ stdio: ['pipe', 'pipe', 'pipe'] }));
	const lines = [];
	const waiters = [];
	let stderr = '';
	child.stderr.on('data', (d) => { stderr += d; });
	watchStderr(() => stderr);
	readline.createInterface({ input: child.stdout }).on('line', (l) => {
		const w = waiters.shift();
		if (w) w(l); else lines.push(l);
	});
	const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
	return {
		child,
		exited,
		stderr: () => stderr,
		send(obj) { child.stdin.write((typeof obj === 'string' ? obj : JSON.stringify(obj)) + '\n'); },
		// The next line from the server, as text.
		next() {
			if (lines.length) return Promise.resolve(lines.shift());
			return new Promise((resolve) => waiters.push(resolve));
		},
		async nextJSON() { return JSON.parse(await this.next()); },
		// Sends a request and returns the next line, parsed.
		async request(obj) { this.send(obj); return this.nextJSON(); },
		pending() { return lines.length; },
		async close() { child.stdin.end(); return exited; },
	};
}

export const INIT = {
	jsonrpc: '2.0', id: 0, method: 'initialize',
	params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};

// Collects notifications of one schema; wait(pred) resolves with the first
// (already received or future) one that matches.
export function collect(client, schema) {
	const seen = [];
	const waiters = [];
	client.setNotificationHandler(schema, (n) => {
		seen.push(n);
		for (const w of [...waiters]) {
			if (w.pred(n)) {
				waiters.splice(waiters.indexOf(w), 1);
				w.resolve(n);
			}
		}
	});
	return {
		seen,
		wait(pred = () => true) {
			const hit = seen.find(pred);
			if (hit) return Promise.resolve(hit);
			return new Promise((resolve) => waiters.push({ pred, resolve }));
		},
		clear() { seen.length = 0; },
	};
}
