// SPDX-License-Identifier: MIT
// broker.mjs -- a private mosquitto (Debian's package) for one test file: its
// own directory, its own config, a free port on 127.0.0.1, never the
// system's broker.  It can be stopped and started again on the same port
// (the broker-restart tests), and optionally asks for a password.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export const MOSQUITTO = process.env.MOSQUITTO || '/usr/sbin/mosquitto';

const running = new Set();
process.on('exit', () => running.forEach((p) => { try { p.kill('SIGKILL'); } catch { /* gone */ } }));

// A port the kernel just handed out and took back.  Another process may
// take it before mosquitto binds it; start() then tries a new one.
function freePort() {
	return new Promise((res, rej) => {
		const s = createServer();
		s.once('error', rej);
		s.listen(0, '127.0.0.1', () => {
			const { port } = s.address();
			s.close(() => res(port));
		});
	});
}

function canConnect(port) {
	return new Promise((res) => {
		const c = tcpConnect({ port, host: '127.0.0.1' }, () => { c.destroy(); res(true); });
		c.once('error', () => res(false));
	});
}

export class Broker {
	// opts.users: {name: password} turns anonymous access off; opts.tls:
	// listen with TLS, a certificate for 127.0.0.1 signed by a CA made
	// here (this.caFile).
	constructor(opts = {}) {
		this.dir = mkdtempSync(join(tmpdir(), 'homectl-mosquitto-'));
		this.users = opts.users || null;
		this.tls = !!opts.tls;
		if (this.tls)
			this.makeCerts();
		this.port = 0;
		this.proc = null;
		this.log = '';
	}

	get url() { return `${this.tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${this.port}`; }
	get caFile() { return join(this.dir, 'ca.crt'); }

	makeCerts() {
		const d = this.dir;
		const ssl = (...a) => execFileSync('openssl', a, { cwd: d, stdio: 'ignore' });
		ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt',
			'-days', '2', '-subj', '/CN=homectl test CA');
		ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'srv.key', '-out', 'srv.csr',
			'-subj', '/CN=127.0.0.1');
		writeFileSync(join(d, 'ext'), 'subjectAltName=IP:127.0.0.1\n');
		ssl('x509', '-req', '-in', 'srv.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
			'-out', 'srv.crt', '-days', '2', '-extfile', 'ext');
	}
	get address() { return `127.0.0.1:${this.port}`; }

	writeConfig() {
		const lines = [
			`listener ${this.port} 127.0.0.1`,
			'persistence false',
			'log_dest stderr',
			'log_type error',
			'log_type warning',
			'log_type notice',
			'connection_messages true',
			// As docs/devices.md recommends: no 40 ms Nagle stalls.
			'set_tcp_nodelay true',
			// Started as root, mosquitto would switch to the user
			// "mosquitto", which cannot read our private directory.
			`user ${userInfo().username}`,
		];
		if (this.tls)
			lines.push(`cafile ${join(this.dir, 'ca.crt')}`, `certfile ${join(this.dir, 'srv.crt')}`,
				`keyfile ${join(this.dir, 'srv.key')}`);
		if (this.users) {
			const pw = join(this.dir, 'passwd');
			writeFileSync(pw, '');
			for (const [u, p] of Object.entries(this.users))
				execFileSync('mosquitto_passwd', ['-b', pw, u, p]);
			lines.push('allow_anonymous false', `password_file ${pw}`);
		} else {
			lines.push('allow_anonymous true');
		}
		writeFileSync(join(this.dir, 'mosquitto.conf'), lines.join('\n') + '\n');
	}

	// Starts mosquitto (on a new free port the first time, on the same port
	// after stop()) and resolves once it accepts connections.
	async start() {
		for (let attempt = 0; attempt < 5; attempt++) {
			const fresh = this.port === 0;
			if (fresh)
				this.port = await freePort();
			this.writeConfig();
			const proc = spawn(MOSQUITTO, ['-c', join(this.dir, 'mosquitto.conf')],
				{ stdio: ['ignore', 'ignore', 'pipe'] });
			running.add(proc);
			proc.stderr.on('data', (d) => { this.log += d; });
			const exited = new Promise((r) => proc.on('exit', (c) => { running.delete(proc); r(c); }));
			const deadline = Date.now() + 10000;
			let up = false;
			while (Date.now() < deadline && proc.exitCode === null) {
				if (await canConnect(this.port)) { up = true; break; }
				await new Promise((r) => setTimeout(r, 20));
			}
			if (up) {
				this.proc = proc;
				this.exited = exited;
				return this;
			}
			proc.kill('SIGKILL');
			await exited;
			// Someone else took the port between freePort() and the bind.
			if (fresh)
				this.port = 0;
			else
				await new Promise((r) => setTimeout(r, 200));
		}
		throw new Error(`mosquitto did not start: ${this.log}`);
	}

	// SIGTERM, or SIGKILL with hard: the broker vanishes without closing
	// its clients' sessions cleanly.
	async stop(hard = false) {
		if (!this.proc)
			return;
		const p = this.proc;
		this.proc = null;
		if (p.exitCode === null && p.signalCode === null)
			p.kill(hard ? 'SIGKILL' : 'SIGTERM');
		await this.exited;
	}

	async restart() {
		await this.stop();
		return this.start();
	}

	async close() {
		await this.stop();
		rmSync(this.dir, { recursive: true, force: true });
	}
}

export async function startBroker(opts) {
	return new Broker(opts).start();
}
