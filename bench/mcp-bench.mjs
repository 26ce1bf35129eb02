// SPDX-License-Identifier: MIT
// mcp-bench.mjs -- tools/call throughput and latency on one stdio session of
// homectl-mcp: sequential calls (one in flight, p50/p99 per call) and
// pipelined calls (everything written at once), for a read
// (get_device_status) and a write (control_device toggle, one transaction
// and one feed row each).  Several runs; medians printed.  Then the same
// calls over Streamable HTTP at homectl-api's /mcp, in the same run: one
// session (sequential), and 100 sessions at once (each sequential).
//
//   node bench/mcp-bench.mjs [BUILD_DIR] [CALLS] [RUNS]
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const build = path.resolve(process.argv[2] || 'build');
const CALLS = Number(process.argv[3] || 5000);
const RUNS = Number(process.argv[4] || 5);
const dir = mkdtempSync(path.join(tmpdir(), 'homectl-mcp-bench-'));
const db = path.join(dir, 'homectl.db');
execFileSync(path.join(build, 'homectl'), ['--db', db, 'init', '--demo'], { stdio: 'ignore' });

function session() {
	const child = spawn(path.join(build, 'homectl-mcp'), ['--stdio', '--db', db, '--config', '/dev/null'],
		{ stdio: ['pipe', 'pipe', 'ignore'] });
	let buf = '';
	let waiting = null;
	const queue = [];
	child.stdout.setEncoding('utf8');
	child.stdout.on('data', (d) => {
		buf += d;
		let i;
		while ((i = buf.indexOf('\n')) >= 0) {
			const line = buf.slice(0, i);
			buf = buf.slice(i + 1);
			if (line.includes('"method":"notifications/')) continue;
			if (waiting) { const w = waiting; waiting = null; w(line); } else queue.push(line);
		}
	});
	const next = () => queue.length ? Promise.resolve(queue.shift())
		: new Promise((resolve) => { waiting = resolve; });
	return {
		child, next,
		send(s) { child.stdin.write(s); },
		async close() { child.stdin.end(); await new Promise((r) => child.on('exit', r)); },
	};
}

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

async function run(tool, args) {
	const s = session();
	s.send(JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: {
		protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1' } } }) + '\n');
	await s.next();
	s.send('{"jsonrpc":"2.0","method":"notifications/initialized"}\n');
	s.send('{"jsonrpc":"2.0","id":1,"method":"logging/setLevel","params":{"level":"error"}}\n');
	await s.next();
	const req = (id) => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call',
		params: { name: tool, arguments: args } }) + '\n';
	for (let i = 0; i < 200; i++) {	// warm up
		s.send(req(10 + i));
		const r = await s.next();
		if (r.includes('"isError":true') || r.includes('"error"')) throw new Error(r);
	}
	const lat = new Float64Array(CALLS);
	const t0 = process.hrtime.bigint();
	for (let i = 0; i < CALLS; i++) {
		const a = process.hrtime.bigint();
		s.send(req(1000 + i));
		await s.next();
		lat[i] = Number(process.hrtime.bigint() - a) / 1000;
	}
	const seqSec = Number(process.hrtime.bigint() - t0) / 1e9;
	// Pipelined: every request written at once, then every reply read.
	const t1 = process.hrtime.bigint();
	let all = '';
	for (let i = 0; i < CALLS; i++) all += req(100000 + i);
	s.send(all);
	for (let i = 0; i < CALLS; i++) await s.next();
	const pipeSec = Number(process.hrtime.bigint() - t1) / 1e9;
	await s.close();
	const sorted = [...lat].sort((x, y) => x - y);
	return { rate: CALLS / seqSec, p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99),
		pipelined: CALLS / pipeSec };
}

const cases = [
	['get_device_status', { device_id: 'living_room_light_main' }],
	['control_device', { action: 'toggle', device_id: 'living_room_light_main' }],
];
console.log(`homectl-mcp --stdio: ${CALLS} tools/call per run, ${RUNS} runs, medians`);
for (const [tool, args] of cases) {
	const rs = [];
	for (let i = 0; i < RUNS; i++) rs.push(await run(tool, args));
	const m = (k) => median(rs.map((r) => r[k]));
	console.log(`  ${tool.padEnd(18)} sequential ${m('rate').toFixed(0).padStart(6)} calls/s` +
		`  p50 ${m('p50').toFixed(0).padStart(4)} us  p99 ${m('p99').toFixed(0).padStart(5)} us` +
		`  | pipelined ${m('pipelined').toFixed(0).padStart(6)} calls/s`);
}

// ---- over HTTP ----
const token = execFileSync(path.join(build, 'homectl'), ['--db', db, 'token', 'create', 'bench'])
	.toString().trim();
const conf = path.join(dir, 'homectl.conf');
writeFileSync(conf, 'mcp_sessions = 200\nlog_level = warning\n');
const apiProc = spawn(path.join(build, 'homectl-api'), ['--db', db, '--config', conf, '--listen',
	'127.0.0.1:0', '--log-level', 'info'], { stdio: ['ignore', 'ignore', 'pipe'] });
const port = await new Promise((resolve, reject) => {
	let log = '';
	apiProc.stderr.on('data', (d) => {
		log += d;
		const m = /listening on [^\s]*:(\d+)/.exec(log);
		if (m && /serving /.test(log))
			resolve(Number(m[1]));
	});
	apiProc.on('exit', (c) => reject(new Error(`homectl-api exited ${c}: ${log}`)));
});
const url = `http://127.0.0.1:${port}/mcp`;
const headers = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream',
	Authorization: `Bearer ${token}` };

async function httpSession() {
	let res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id: 0,
		method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {},
			clientInfo: { name: 'bench', version: '1' } } }) });
	await res.text();
	const sid = res.headers.get('mcp-session-id');
	const h = { ...headers, 'Mcp-Session-Id': sid, 'MCP-Protocol-Version': '2025-11-25' };
	res = await fetch(url, { method: 'POST', headers: h,
		body: '{"jsonrpc":"2.0","method":"notifications/initialized"}' });
	await res.text();
	res = await fetch(url, { method: 'POST', headers: h,
		body: '{"jsonrpc":"2.0","id":1,"method":"logging/setLevel","params":{"level":"error"}}' });
	await res.text();
	return {
		async call(id, tool, args) {
			const r = await fetch(url, { method: 'POST', headers: h, body: JSON.stringify({
				jsonrpc: '2.0', id, method: 'tools/call', params: { name: tool, arguments: args } }) });
			const text = await r.text();
			if (r.status !== 200 || text.includes('"isError":true'))
				throw new Error(`${r.status} ${text.slice(0, 200)}`);
		},
		async close() { await (await fetch(url, { method: 'DELETE', headers: h })).text(); },
	};
}

// n sessions, each making calls sequentially; all latencies and the rate.
async function httpRun(n, calls, tool, args) {
	const sessions = await Promise.all(Array.from({ length: n }, () => httpSession()));
	for (const s of sessions)
		for (let i = 0; i < 20; i++) await s.call(10 + i, tool, args);	// warm up
	const per = Math.ceil(calls / n);
	const lat = [];
	const t0 = process.hrtime.bigint();
	await Promise.all(sessions.map(async (s) => {
		for (let i = 0; i < per; i++) {
			const a = process.hrtime.bigint();
			await s.call(1000 + i, tool, args);
			lat.push(Number(process.hrtime.bigint() - a) / 1000);
		}
	}));
	const sec = Number(process.hrtime.bigint() - t0) / 1e9;
	await Promise.all(sessions.map((s) => s.close()));
	lat.sort((x, y) => x - y);
	return { rate: lat.length / sec, p50: quantile(lat, 0.5), p99: quantile(lat, 0.99) };
}

const HTTP_CALLS = Math.max(100, Math.floor(CALLS / 2));
console.log(`homectl-api /mcp (Streamable HTTP, JSON answers): ${HTTP_CALLS} tools/call per run, ` +
	`${RUNS} runs, medians`);
for (const [n, tool, args] of [[1, ...cases[0]], [1, ...cases[1]], [100, ...cases[0]]]) {
	const rs = [];
	for (let i = 0; i < RUNS; i++) rs.push(await httpRun(n, HTTP_CALLS, tool, args));
	const m = (k) => median(rs.map((r) => r[k]));
	console.log(`  ${tool.padEnd(18)} ${String(n).padStart(3)} session${n > 1 ? 's' : ' '}` +
		` ${m('rate').toFixed(0).padStart(6)} calls/s  p50 ${m('p50').toFixed(0).padStart(5)} us` +
		`  p99 ${m('p99').toFixed(0).padStart(6)} us`);
}
apiProc.kill('SIGTERM');
await new Promise((r) => apiProc.on('exit', r));
rmSync(dir, { recursive: true, force: true });
