// SPDX-License-Identifier: MIT
// remote.test.mjs -- docs/remote.md tested: nginx (the Debian package) with
// a self-signed certificate in front of homectl-api; the dashboard, REST,
// the WebSocket and MCP over HTTP (the official SDK client, a subscription
// pushed through the proxy) all work through it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Agent, setGlobalDispatcher } from 'undici';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';

import { makeHome, startApi, homectl, connect, sleep } from '../api/helpers.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const home = makeHome();
const dir = join(home.dir, 'nginx');
mkdirSync(join(dir, 'tmp'), { recursive: true });
chmodSync(home.dir, 0o755);
const d = await startApi(home);

const freePort = () => new Promise((res) => {
	const s = createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); });
});
const port = await freePort();
execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
	'-addext', 'subjectAltName=DNS:localhost', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
{ stdio: 'ignore' });
const conf = readFileSync(join(here, 'nginx.conf.in'), 'utf8')
	.replaceAll('@DIR@', dir).replaceAll('@PORT@', String(port)).replaceAll('@API@', `127.0.0.1:${d.port}`)
	.replace(/^@USER@$/m, process.getuid() === 0 ? 'user root;' : '');
writeFileSync(join(dir, 'nginx.conf'), conf);
const nginx = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')],
	{ stdio: ['ignore', 'ignore', 'pipe'] });
let nginxErr = '';
nginx.stderr.on('data', (c) => { nginxErr += c; });
after(async () => {
	nginx.kill('SIGTERM');
	await d.stop();
	await new Promise((res) => (d.proc.stderr.readableEnded ? res() : d.proc.stderr.on('end', res)));
	home.cleanup();
	assert.doesNotMatch(d.log(), /Sanitizer|runtime error:/);
});

const ca = readFileSync(join(dir, 'cert.pem'));
setGlobalDispatcher(new Agent({ connect: { ca } }));
const base = `https://localhost:${port}`;
// nginx is up once it answers.
for (let i = 0; ; i++) {
	try { await fetch(`${base}/`); break; } catch (e) {
		if (i > 100 || nginx.exitCode !== null)
			throw new Error(`nginx did not start: ${nginxErr} ${e.cause?.message ?? e.message}`);
		await sleep(100);
	}
}

test('the dashboard and REST through the proxy, over TLS', async () => {
	let r = await fetch(`${base}/`);
	assert.equal(r.status, 200);
	assert.match(await r.text(), /<title>homectl/);
	r = await fetch(`${base}/api/devices`, { headers: { Authorization: `Bearer ${home.token}` } });
	assert.equal(r.status, 200);
	assert.equal((await r.json()).devices.length, 24);
	r = await fetch(`${base}/api/devices`);
	assert.equal(r.status, 401);
});

test('the WebSocket through the proxy: a snapshot, then a change', async () => {
	const [c, snap] = await connect({ url: `wss://localhost:${port}/ws`, home }, { ws: { ca } });
	assert.equal(snap.type, 'snapshot');
	homectl(home, 'set', 'kitchen_light_main', 'toggle');
	const m = await c.device('kitchen_light_main', () => true, 10000);
	assert.equal(m.type, 'changes');
	c.close();
});

test('MCP over HTTPS through the proxy: the SDK client, and a subscription pushed on its stream', async () => {
	const c = new Client({ name: 'remote', version: '1' });
	const t = new StreamableHTTPClientTransport(new URL(`${base}/mcp`),
		{ requestInit: { headers: { Authorization: `Bearer ${home.token}` } } });
	await c.connect(t);
	const { tools } = await c.listTools();
	assert.ok(tools.some((x) => x.name === 'control_device'));
	const r = await c.callTool({ name: 'get_device_status', arguments: { device_id: 'kitchen_light_main' } });
	assert.ok(!r.isError);
	const got = new Promise((res) => c.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => res(n.params.uri)));
	await c.subscribeResource({ uri: 'homectl://devices/bedroom_fan' });
	for (let i = 0; i < 50 && !/stream open/.test(d.log()); i++)
		await sleep(100);
	homectl(home, 'set', 'bedroom_fan', 'toggle');
	assert.equal(await Promise.race([got, sleep(10000).then(() => 'timeout')]), 'homectl://devices/bedroom_fan');
	await t.terminateSession();
	await c.close();
});
