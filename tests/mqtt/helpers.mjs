// SPDX-License-Identifier: MIT
// helpers.mjs -- homectl-mqtt for the end-to-end tests: a demo home, a
// private broker, the daemon started on both, and a plain MQTT client.
import { spawn, execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import mqtt from 'mqtt';
import { makeHome as apiHome } from '../api/helpers.mjs';

export const BUILD = resolve(process.env.HOMECTL_BUILD || 'build');
export const MQTTD = join(BUILD, 'homectl-mqtt');
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const running = new Set();
process.on('exit', () => running.forEach((p) => { try { p.kill('SIGKILL'); } catch { /* gone */ } }));

// A demo home (with a token and a web root, as homectl-api wants) and a
// config file the daemons share: a short command timeout keeps the
// timeout tests short.
export function makeHome(conf = '') {
	const h = apiHome();
	h.conf = join(h.dir, 'homectl.conf');
	writeFileSync(h.conf, `command_timeout_ms = 1500\n${conf}`);
	return h;
}

export function sqlite(home, sql) {
	return execFileSync('sqlite3', [home.db, sql]).toString().trim();
}

// Starts homectl-mqtt on home and broker; resolves once it is connected.
export async function startMqttd(home, broker, extra = [], { waitConnected = true } = {}) {
	const proc = spawn(MQTTD, ['--db', home.db, '--config', home.conf, '--broker', broker.address,
		'--client-id', 'homectl-test', '-v', ...extra], { stdio: ['ignore', 'ignore', 'pipe'] });
	running.add(proc);
	let log = '';
	const waiters = [];
	proc.stderr.on('data', (d) => { log += d; waiters.splice(0).forEach((f) => f()); });
	proc.on('exit', () => { running.delete(proc); waiters.splice(0).forEach((f) => f()); });
	const d = {
		proc,
		log: () => log,
		// Resolves when the log matches re (after index from).
		async waitLog(re, ms = 10000) {
			const deadline = Date.now() + ms;
			while (!re.test(log)) {
				if (proc.exitCode !== null)
					throw new Error(`homectl-mqtt exited ${proc.exitCode}: ${log}`);
				if (Date.now() > deadline)
					throw new Error(`no ${re} in the log within ${ms} ms: ${log}`);
				await new Promise((r) => { waiters.push(r); setTimeout(r, 100); });
			}
		},
		async stop() {
			if (proc.exitCode !== null || proc.signalCode !== null)
				return proc.exitCode;
			const done = new Promise((r) => proc.on('exit', (c, s) => r(c ?? s)));
			proc.kill('SIGTERM');
			return done;
		},
	};
	if (waitConnected)
		await d.waitLog(/connected as homectl-test/);
	return d;
}

// Polls fn until it returns a truthy value (database rows written by
// another process); never a fixed sleep standing in for a condition.
export async function until(fn, ms = 10000, what = 'condition') {
	const deadline = Date.now() + ms;
	for (;;) {
		const v = await fn();
		if (v)
			return v;
		if (Date.now() > deadline)
			throw new Error(`timed out waiting for ${what}`);
		await sleep(25);
	}
}

// A plain MQTT client that records what it sees.
export async function observer(broker, filters) {
	const c = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
	const msgs = [];
	c.on('message', (topic, p, pkt) => msgs.push({ topic, text: p.toString(), retain: pkt.retain }));
	if (filters)
		await c.subscribeAsync(filters, { qos: 1 });
	return {
		c, msgs,
		next: (pred, ms = 5000) => until(() => msgs.find(pred), ms, 'an MQTT message'),
		end: () => c.endAsync(true),
	};
}
