// SPDX-License-Identifier: MIT
// remote.test.mjs -- docs/remote.md tested: nginx (the Debian package) with
// a self-signed certificate in front of homectl-api; the dashboard, REST,
// the WebSocket and MCP over HTTP (the official SDK client, a subscription
// pushed through the proxy) all work through it, and so does OAuth: with
// public_url set, the metadata names the https origin, and the SDK client's
// own OAuth gets a token through the proxy.
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
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';

import { makeHome, startApi, homectl, connect, sleep } from '../api/helpers.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const home = makeHome();
const dir = join(home.dir, 'nginx');
mkdirSync(join(dir, 'tmp'), { recursive: true });
chmodSync(home.dir, 0o755);
const freePort = () => new Promise((res) => {
	const s = createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); });
});
const port = await freePort();
// docs/remote.md: behind the proxy, homectl.conf names the public origin.
writeFileSync(join(home.dir, 'homectl.conf'), `public_url = https://localhost:${port}\n`);
const d = await startApi(home, ['--config', join(home.dir, 'homectl.conf')]);
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

test('OAuth through the proxy: the metadata names the https origin, the SDK client gets a token and calls a tool', async () => {
	let r = await fetch(`${base}/mcp`, { method: 'POST', body: '{}' });
	assert.equal(r.status, 401);
	assert.match(r.headers.get('www-authenticate'),
		new RegExp(`resource_metadata="${base}/\\.well-known/oauth-protected-resource/mcp"`));
	const prm = await (await fetch(`${base}/.well-known/oauth-protected-resource/mcp`)).json();
	assert.equal(prm.resource, `${base}/mcp`);
	assert.deepEqual(prm.authorization_servers, [base]);
	const as = await (await fetch(`${base}/.well-known/oauth-authorization-server`)).json();
	assert.equal(as.issuer, base);
	assert.equal(as.token_endpoint, `${base}/oauth/token`);
	// Reached directly, the daemon says the same: public_url, never the Host.
	const direct = await (await fetch(`${d.base}/.well-known/oauth-authorization-server`)).json();
	assert.equal(direct.issuer, base);

	const redirectUrl = 'http://127.0.0.1:9/callback';
	const p = {
		get redirectUrl() { return redirectUrl; },
		get clientMetadata() { return { client_name: 'remote', redirect_uris: [redirectUrl], token_endpoint_auth_method: 'none' }; },
		state: () => 'remote-state',
		clientInformation() { return this.client; }, saveClientInformation(c) { this.client = c; },
		tokens() { return this.tok; }, saveTokens(t) { this.tok = t; },
		redirectToAuthorization(u) { this.authUrl = u; },
		saveCodeVerifier(v) { this.verifier = v; }, codeVerifier() { return this.verifier; },
	};
	let t = new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { authProvider: p });
	await assert.rejects(new Client({ name: 'remote-oauth', version: '1' }).connect(t), UnauthorizedError);
	assert.equal(p.authUrl.origin, base);
	// The consent page's part (tests/oauth drives it in chromium): through
	// the proxy, with the person's token.
	r = await fetch(p.authUrl, { redirect: 'manual' });
	assert.equal(r.status, 302);
	const consent = new URL(r.headers.get('location'));
	assert.equal(consent.origin + consent.pathname, `${base}/consent.html`);
	assert.equal(consent.searchParams.get('resource'), `${base}/mcp`);
	r = await fetch(`${base}/api/oauth/approve`, { method: 'POST', headers: { Authorization: `Bearer ${home.token}`,
		'Content-Type': 'application/json' }, body: JSON.stringify({ ...Object.fromEntries(consent.searchParams), grant: 'control' }) });
	assert.equal(r.status, 200);
	const back = new URL((await r.json()).redirect);
	assert.equal(back.searchParams.get('state'), 'remote-state');
	assert.equal(back.searchParams.get('iss'), base);
	await t.finishAuth(back.searchParams.get('code'));
	assert.equal(p.tok.scope, 'control');
	t = new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { authProvider: p });
	const c = new Client({ name: 'remote-oauth', version: '1' });
	await c.connect(t);
	const res = await c.callTool({ name: 'get_device_status', arguments: { device_id: 'kitchen_light_main' } });
	assert.ok(!res.isError);
	await t.terminateSession();
	await c.close();
	r = await fetch(`${d.base}/api/devices`, { headers: { Authorization: `Bearer ${p.tok.access_token}` } });
	assert.equal(r.status, 401, 'an OAuth token is for /mcp only');
});
