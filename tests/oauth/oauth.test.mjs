// SPDX-License-Identifier: MIT
// oauth.test.mjs -- homectl-api as the OAuth 2.1 authorization server of
// its own /mcp: the official SDK client's OAuth (discovery, dynamic
// registration, PKCE, token exchange, refresh) against the real daemon,
// the consent page driven in Debian's chromium, the grant's scope enforced
// like a `homectl token create` token's, revocation ending the live
// session, and every refusal with its OAuth error and nothing issued.
import { test, before, after } from 'node:test';
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { writeFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { auth, UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';

import { makeHome, startApi, homectl, sqlite, Client as WsClient, sleep, HOMECTL, API } from '../api/helpers.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const home = makeHome();
home.web = resolve(here, '..', '..', 'web');	// the real dashboard: the consent page
const readToken = homectl(home, 'token', 'create', 'reader', '--scope', 'read').trim();
const d = await startApi(home);
const mcpUrl = new URL(`${d.base}/mcp`);

// The client's redirect target: a loopback server that records each visit.
const visits = [];
let visitWaiters = [];
const cb = createServer((req, res) => {
	const u = new URL(req.url, 'http://x');
	if (u.pathname !== '/callback')
		return res.writeHead(404).end();	// chromium's /favicon.ico
	visits.push(u);
	visitWaiters.forEach((f) => f());
	visitWaiters = [];
	res.writeHead(200, { 'Content-Type': 'text/plain' }).end('done, back to the application');
});
await new Promise((res) => cb.listen(0, '127.0.0.1', res));
const redirectUrl = `http://127.0.0.1:${cb.address().port}/callback`;
async function nextVisit(from) {
	for (let i = 0; visits.length <= from; i++) {
		if (i > 300)
			throw new Error('the browser never came back to the redirect URI');
		await new Promise((res) => { visitWaiters.push(res); setTimeout(res, 100); });
	}
	return visits[from];
}

let browser, page;
before(async () => {
	browser = await chromium.launch({ executablePath: process.env.HOMECTL_CHROMIUM || '/usr/bin/chromium',
		headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
			'--disable-background-networking', '--disable-component-update', '--disable-sync'] });
	page = await (await browser.newContext()).newPage();
});
after(async () => {
	await browser?.close();
	cb.close();
	await d.stop();
	await new Promise((res) => (d.proc.stderr.readableEnded ? res() : d.proc.stderr.on('end', res)));
	home.cleanup();
	assert.doesNotMatch(d.log(), /Sanitizer|runtime error:/);
});

// An OAuthClientProvider that keeps everything in memory, as a CLI client
// would in a file.
class Provider {
	constructor(name = 'homectl test client') {
		this.name = name;
		this.state_ = randomBytes(12).toString('base64url');
	}
	get redirectUrl() { return redirectUrl; }
	get clientMetadata() {
		return { client_name: this.name, redirect_uris: [redirectUrl], grant_types: ['authorization_code', 'refresh_token'],
			response_types: ['code'], token_endpoint_auth_method: 'none' };
	}
	state() { return this.state_; }
	clientInformation() { return this.client; }
	saveClientInformation(c) { this.client = c; }
	tokens() { return this.tokens_; }
	saveTokens(t) { this.tokens_ = t; }
	redirectToAuthorization(url) { this.authUrl = url; }
	saveCodeVerifier(v) { this.verifier = v; }
	codeVerifier() { return this.verifier; }
}

// The daemon's stderr arrives through a pipe: wait for a line, not a time.
async function logged(re) {
	for (let i = 0; i < 100 && !re.test(d.log()); i++)
		await sleep(50);
	assert.match(d.log(), re);
}

const tokenCount = () => Number(sqlite(home, 'SELECT count(*) FROM oauth_tokens').trim());

// The consent page in chromium: sign in when asked, read what it shows,
// pick a scope and allow (or deny).  Resolves with the page's facts and
// the URL the browser came back to.
async function consent(authUrl, { grant, deny = false, token = home.token } = {}) {
	const from = visits.length;
	await page.goto(String(authUrl));
	await page.waitForSelector('#signin:not([hidden]), #consent:not([hidden]), #problem:not([hidden])');
	if (await page.isVisible('#signin')) {
		await page.fill('#token-input', token);
		await page.click('#signin button[type=submit]');
		await page.waitForSelector('#consent:not([hidden]), #problem:not([hidden])');
	}
	if (await page.isVisible('#problem'))
		throw new Error(`consent page: ${await page.textContent('#problem-msg')}`);
	const facts = {
		url: page.url(),
		client: await page.textContent('#client-name'),
		host: await page.textContent('#redirect-host'),
		asked: await page.textContent('#scope-asked'),
		scopes: await page.$$eval('#scopes input', (l) => l.map((i) => i.value)),
		checked: await page.$eval('#scopes input:checked', (i) => i.value),
		imgs: await page.$$eval('#consent img', (l) => l.length),
	};
	if (deny) {
		await page.click('#deny');
	} else {
		if (grant)
			await page.check(`#scope-${grant}`);
		await page.click('#approve');
	}
	facts.back = await nextVisit(from);
	await page.waitForURL(/\/callback\?/);
	return facts;
}

// The whole SDK flow: the first connect is refused (401), the SDK
// discovers, registers and sends the person to authUrl; after consent it
// exchanges the code.  Resolves with a connected client.
async function authorize(provider, opts = {}) {
	const t = new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider });
	const c = new Client({ name: 'oauth-test', version: '1' });
	await assert.rejects(c.connect(t), UnauthorizedError);
	assert.ok(provider.authUrl, 'the SDK was sent to the authorization endpoint');
	const facts = await consent(provider.authUrl, opts);
	if (opts.deny)
		return { facts };
	assert.equal(facts.back.searchParams.get('state'), provider.state_, 'state comes back unchanged');
	await t.finishAuth(facts.back.searchParams.get('code'));
	return { facts, ...(await connect(provider)) };
}

async function connect(provider) {
	const t = new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider });
	const c = new Client({ name: 'oauth-test', version: '1' });
	await c.connect(t);
	return { c, t };
}

const mcpPost = (token, body = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25',
	capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }) => fetch(mcpUrl, { method: 'POST',
	headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
	body: JSON.stringify(body) });

const form = (url, params) => fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
	body: new URLSearchParams(params) });

test('metadata: RFC 9728 (both places), RFC 8414, and the 401 challenge of /mcp', async () => {
	for (const path of ['/.well-known/oauth-protected-resource', '/.well-known/oauth-protected-resource/mcp']) {
		const m = await (await fetch(d.base + path)).json();
		assert.equal(m.resource, `${d.base}/mcp`);
		assert.deepEqual(m.authorization_servers, [d.base]);
		assert.deepEqual(m.scopes_supported, ['read', 'control', 'full']);
	}
	const as = await (await fetch(`${d.base}/.well-known/oauth-authorization-server`)).json();
	assert.equal(as.issuer, d.base);
	assert.deepEqual(as.code_challenge_methods_supported, ['S256']);
	assert.deepEqual(as.grant_types_supported, ['authorization_code', 'refresh_token']);
	assert.ok(as.token_endpoint_auth_methods_supported.includes('none'));
	assert.equal(as.registration_endpoint, `${d.base}/oauth/register`);
	assert.equal(as.revocation_endpoint, `${d.base}/oauth/revoke`);
	assert.deepEqual(as.scopes_supported, ['read', 'control', 'full']);
	let r = await fetch(mcpUrl, { method: 'POST', body: '{}' });
	assert.equal(r.status, 401);
	assert.equal(r.headers.get('www-authenticate'),
		`Bearer resource_metadata="${d.base}/.well-known/oauth-protected-resource/mcp", scope="read control full"`);
	r = await mcpPost('hca_notatoken');
	assert.equal(r.status, 401);
	assert.match(r.headers.get('www-authenticate'), /error="invalid_token"/);
	// A short scope on REST: 403 with the RFC 6750 challenge.
	r = await fetch(`${d.base}/api/mode`, { method: 'PUT', headers: { Authorization: `Bearer ${readToken}`,
		'Content-Type': 'application/json' }, body: '{"mode":"away"}' });
	assert.equal(r.status, 403);
	assert.equal(r.headers.get('www-authenticate'), 'Bearer error="insufficient_scope", scope="control"');
});

let control;	// the provider of the control grant, for the tests after
test('the SDK client end to end: discovery, registration, consent in chromium (sign-in first), PKCE, tools/call', async () => {
	control = new Provider('Claude (test) <b>&amp;</b>');
	// No scope picked: the page's default, control.
	const { facts, c, t } = await authorize(control);
	assert.match(facts.url, /\/consent\.html\?/);
	assert.equal(facts.client, 'Claude (test) <b>&amp;</b>', 'the name is shown as text');
	assert.equal(facts.host, `127.0.0.1:${cb.address().port}`);
	assert.match(facts.asked, /^full/, 'the SDK asked for scopes_supported: all of them');
	assert.deepEqual(facts.scopes, ['read', 'control', 'full']);
	assert.equal(facts.checked, 'control', 'opening the home is never preselected');
	assert.match(control.client.client_id, /^hcl_/);
	assert.equal(control.tokens_.scope, 'control');
	assert.equal(control.tokens_.token_type.toLowerCase(), 'bearer');
	assert.match(control.tokens_.access_token, /^hca_/);
	assert.match(control.tokens_.refresh_token, /^hcr_/);
	assert.ok(control.tokens_.expires_in > 0);
	// Nothing secret at rest: the tables hold hashes.
	assert.equal(sqlite(home, `SELECT count(*) FROM oauth_tokens WHERE hash LIKE 'hc%'`).trim(), '0');
	const names = (await c.listTools()).tools.map((x) => x.name);
	assert.ok(names.includes('control_device'));
	assert.ok(!names.includes('add_room'), 'control: no editing');
	let r = await c.callTool({ name: 'control_device', arguments: { device_id: 'kitchen_light_main', action: 'on' } });
	assert.ok(!r.isError, JSON.stringify(r));
	assert.equal(sqlite(home, "SELECT state FROM devices WHERE id='kitchen_light_main'").trim(), 'on');
	r = await c.callTool({ name: 'get_device_status', arguments: { device_id: 'kitchen_light_main' } });
	assert.ok(!r.isError);
	await logged(/approved oauth:\S+ \(scope control\)/);
	await t.terminateSession();
	await c.close();
});

test('an OAuth token is for /mcp only: REST and the WebSocket refuse it', async () => {
	const at = control.tokens_.access_token;
	let r = await fetch(`${d.base}/api/devices`, { headers: { Authorization: `Bearer ${at}` } });
	assert.equal(r.status, 401);
	await logged(/an OAuth token is for \/mcp only/);
	const ws = new WsClient(d.url);
	const m = await ws.hello(at);
	assert.equal(m.type, 'error');
	ws.close();
	r = await mcpPost(at);
	assert.equal(r.status, 200, 'still good at /mcp');
});

test('a read grant: the session lists no write tool', async () => {
	const p = new Provider('read only');
	const { facts, c, t } = await authorize(p, { grant: 'read' });
	assert.equal(facts.client, 'read only');
	assert.equal(p.tokens_.scope, 'read');
	const { tools } = await c.listTools();
	assert.ok(tools.length > 0);
	assert.ok(tools.every((x) => x.annotations?.readOnlyHint), tools.map((x) => x.name).join(' '));
	// A call beyond the scope: 403 insufficient_scope naming the scope it
	// takes.  The SDK tries to step up, but with a refresh token it
	// refreshes (which never widens a grant) and gives up on the second 403.
	const before_ = p.tokens_.refresh_token;
	await assert.rejects(c.callTool({ name: 'control_device', arguments: { device_id: 'kitchen_light_main', action: 'off' } }),
		/403 after trying upscoping/);
	assert.notEqual(p.tokens_.refresh_token, before_, 'the SDK refreshed');
	assert.equal(p.tokens_.scope, 'read');
	assert.equal(sqlite(home, "SELECT state FROM devices WHERE id='kitchen_light_main'").trim(), 'on', 'nothing ran');
	// The same call, raw.
	const r = await fetch(mcpUrl, { method: 'POST', headers: { Authorization: `Bearer ${p.tokens_.access_token}`,
		'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', 'Mcp-Session-Id': t.sessionId,
		'MCP-Protocol-Version': '2025-11-25' },
	body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'add_room', arguments: {} } }) });
	assert.equal(r.status, 403);
	assert.equal(r.headers.get('www-authenticate'), `Bearer resource_metadata="${d.base}/.well-known/oauth-protected-resource/mcp",` +
		' scope="full", error="insufficient_scope"');
	const body = await r.json();
	assert.equal(body.id, 7);
	assert.match(body.error.message, /scope read; it takes scope full/);
	await t.terminateSession();
	await c.close();
});

test('the person cannot grant more than their token: a read token offers read only, and the API refuses more', async () => {
	await page.goto(`${d.base}/consent.html`);
	await page.evaluate(() => { localStorage.clear(); sessionStorage.clear(); });
	const p = new Provider('greedy');
	const t = new StreamableHTTPClientTransport(mcpUrl, { authProvider: p });
	await assert.rejects(new Client({ name: 'x', version: '1' }).connect(t), UnauthorizedError);
	const facts = await consent(p.authUrl, { token: readToken });
	assert.deepEqual(facts.scopes, ['read']);
	assert.equal(facts.back.searchParams.get('state'), p.state_);
	await t.finishAuth(facts.back.searchParams.get('code'));
	assert.equal(p.tokens_.scope, 'read');
	// The approval call itself, asking for more than the token has.
	const q = new URL(facts.url).searchParams;
	const r = await fetch(`${d.base}/api/oauth/approve`, { method: 'POST', headers: { Authorization: `Bearer ${readToken}`,
		'Content-Type': 'application/json' }, body: JSON.stringify({ ...Object.fromEntries(q), grant: 'control' }) });
	assert.equal(r.status, 403);
	assert.equal((await r.json()).error.code, 'insufficient_scope');
	await page.goto(`${d.base}/consent.html`);
	await page.evaluate(() => { localStorage.clear(); sessionStorage.clear(); });
});

test('deny: back to the client with error=access_denied and the state unchanged, nothing issued', async () => {
	const before_ = tokenCount();
	const p = new Provider('denied');
	const { facts } = await authorize(p, { deny: true });
	assert.equal(facts.back.searchParams.get('error'), 'access_denied');
	assert.equal(facts.back.searchParams.get('state'), p.state_);
	assert.equal(facts.back.searchParams.get('code'), null);
	assert.equal(tokenCount(), before_);
});

test('refresh: the SDK refreshes, both tokens rotate, the old refresh token is spent', async () => {
	const old = { ...control.tokens_ };
	assert.equal(await auth(control, { serverUrl: mcpUrl }), 'AUTHORIZED');
	assert.notEqual(control.tokens_.access_token, old.access_token);
	assert.notEqual(control.tokens_.refresh_token, old.refresh_token);
	assert.equal(control.tokens_.scope, 'control');
	const { c, t } = await connect(control);
	const r = await c.callTool({ name: 'get_device_status', arguments: { device_id: 'kitchen_light_main' } });
	assert.ok(!r.isError);
	await t.terminateSession();
	await c.close();
});

test('a spent refresh token presented again ends the grant: the current tokens stop working', async () => {
	const p = new Provider('replayed');
	const { c, t } = await authorize(p, { grant: 'read' });
	await t.terminateSession();
	await c.close();
	const first = p.tokens_.refresh_token;
	assert.equal(await auth(p, { serverUrl: mcpUrl }), 'AUTHORIZED');
	assert.equal((await mcpPost(p.tokens_.access_token)).status, 200);
	const r = await form(`${d.base}/oauth/token`, { grant_type: 'refresh_token', refresh_token: first,
		client_id: p.client.client_id });
	assert.equal(r.status, 400);
	assert.equal((await r.json()).error, 'invalid_grant');
	assert.equal((await mcpPost(p.tokens_.access_token)).status, 401);
	const r2 = await form(`${d.base}/oauth/token`, { grant_type: 'refresh_token', refresh_token: p.tokens_.refresh_token,
		client_id: p.client.client_id });
	assert.equal((await r2.json()).error, 'invalid_grant');
});

test('revocation (RFC 7009) ends the live MCP session and its stream', async () => {
	const p = new Provider('revoked');
	const { c, t } = await authorize(p, { grant: 'read' });
	await c.listTools();
	const grant = /approved (oauth:\S+) \(scope read\) for client \S+\n(?![\s\S]*approved)/.exec(d.log())?.[1];
	for (let i = 0; i < 50 && !/stream open/.test(d.log()); i++)
		await sleep(100);
	const t0 = Date.now();
	const r = await form(`${d.base}/oauth/revoke`, { token: p.tokens_.refresh_token, client_id: p.client.client_id });
	assert.equal(r.status, 200);
	const ended = new RegExp(`${grant ?? 'oauth:'}.*ended \\(its token was revoked\\)|ended \\(its token was revoked\\)`);
	for (let i = 0; i < 100 && !ended.test(d.log()); i++)
		await sleep(50);
	assert.match(d.log(), /ended \(its token was revoked\)/);
	console.log(`revocation: the MCP session ended after ${Date.now() - t0} ms`);
	const r2 = await mcpPost(p.tokens_.access_token);
	assert.equal(r2.status, 401);
	assert.match(r2.headers.get('www-authenticate'), /invalid_token/);
	await c.close().catch(() => {});
	// Revoking what is unknown is fine (200), and changes nothing.
	assert.equal((await form(`${d.base}/oauth/revoke`, { token: 'hcr_unknown' })).status, 200);
});

// ---- refusals, with raw requests ----

function pkce() {
	const verifier = randomBytes(32).toString('base64url');
	return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

async function register(meta = {}) {
	const r = await fetch(`${d.base}/oauth/register`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
		body: JSON.stringify({ client_name: 'raw', redirect_uris: [redirectUrl], ...meta }) });
	return { status: r.status, body: await r.json() };
}

// An authorization request approved through the consent page's API call
// (the browser part is tested above); resolves with the code.
async function approved(client, p, extra = {}) {
	const q = { response_type: 'code', client_id: client, redirect_uri: redirectUrl, code_challenge: p.challenge,
		code_challenge_method: 'S256', state: 's1', resource: `${d.base}/mcp`, ...extra };
	const r = await fetch(`${d.base}/api/oauth/approve`, { method: 'POST', headers: { Authorization: `Bearer ${home.token}`,
		'Content-Type': 'application/json' }, body: JSON.stringify({ ...q, grant: 'read' }) });
	assert.equal(r.status, 200, await r.clone().text());
	return new URL((await r.json()).redirect).searchParams.get('code');
}

const exchange = (client, code, verifier, extra = {}) => form(`${d.base}/oauth/token`, { grant_type: 'authorization_code',
	client_id: client, code, code_verifier: verifier, redirect_uri: redirectUrl, resource: `${d.base}/mcp`, ...extra });

test('registration: https or loopback http redirect URIs only, and a name kept', async () => {
	let r = await register({ redirect_uris: ['http://192.168.1.9/cb'] });
	assert.equal(r.status, 400);
	assert.equal(r.body.error, 'invalid_redirect_uri');
	for (const bad of ['https://a.example/cb#frag', 'javascript:alert(1)', 'https://good.example@evil.example/',
		'ftp://a.example/', 'http://localhost.evil.example/cb'])
		assert.equal((await register({ redirect_uris: [bad] })).body.error, 'invalid_redirect_uri', bad);
	r = await register({ redirect_uris: [] });
	assert.equal(r.body.error, 'invalid_redirect_uri');
	r = await register({ grant_types: ['client_credentials'] });
	assert.equal(r.body.error, 'invalid_client_metadata');
	r = await register({ redirect_uris: ['https://claude.ai/api/mcp/auth_callback', 'http://[::1]:3/cb'],
		client_name: 'Claude', token_endpoint_auth_method: 'client_secret_post' });
	assert.equal(r.status, 201);
	assert.equal(r.body.client_name, 'Claude');
	assert.equal(r.body.token_endpoint_auth_method, 'none', 'public clients only: no secret');
	assert.equal(r.body.client_secret, undefined);
});

test('authorize: an unregistered redirect_uri or client gets a page, never a redirect', async () => {
	const { body } = await register();
	const p = pkce();
	for (const q of [{ client_id: body.client_id, redirect_uri: 'https://evil.example/cb' },
		{ client_id: 'hcl_nosuchclient', redirect_uri: redirectUrl }, { redirect_uri: redirectUrl }]) {
		const r = await fetch(`${d.base}/oauth/authorize?${new URLSearchParams({ response_type: 'code',
			code_challenge: p.challenge, code_challenge_method: 'S256', state: 'x', ...q })}`, { redirect: 'manual' });
		assert.equal(r.status, 400, JSON.stringify(q));
		assert.equal(r.headers.get('location'), null);
	}
	// The consent page's API checks the same (its address is anyone's to write).
	const r = await fetch(`${d.base}/api/oauth/request?${new URLSearchParams({ response_type: 'code', client_id: body.client_id,
		redirect_uri: 'https://evil.example/cb', code_challenge: p.challenge, code_challenge_method: 'S256' })}`,
	{ headers: { Authorization: `Bearer ${home.token}` } });
	assert.equal(r.status, 400);
});

test('authorize: plain PKCE, no PKCE, a wrong resource or scope go back as errors with the state, and no code', async () => {
	const { body } = await register();
	const p = pkce();
	const cases = [
		[{ code_challenge_method: 'plain', code_challenge: p.verifier }, 'invalid_request'],
		[{ code_challenge_method: undefined, code_challenge: undefined }, 'invalid_request'],
		[{ resource: 'https://other.example/mcp' }, 'invalid_target'],
		[{ scope: 'admin' }, 'invalid_scope'],
		[{ response_type: 'token' }, 'unsupported_response_type'],
	];
	for (const [extra, error] of cases) {
		const q = { response_type: 'code', client_id: body.client_id, redirect_uri: redirectUrl, code_challenge: p.challenge,
			code_challenge_method: 'S256', state: 'st&=ü', resource: `${d.base}/mcp`, ...extra };
		Object.keys(q).forEach((k) => q[k] === undefined && delete q[k]);
		const r = await fetch(`${d.base}/oauth/authorize?${new URLSearchParams(q)}`, { redirect: 'manual' });
		assert.equal(r.status, 302, JSON.stringify(extra));
		const back = new URL(r.headers.get('location'));
		assert.equal(back.origin + back.pathname, redirectUrl);
		assert.equal(back.searchParams.get('error'), error, JSON.stringify(extra));
		assert.equal(back.searchParams.get('state'), 'st&=ü');
		assert.equal(back.searchParams.get('code'), null);
	}
	// A good request goes to the consent page, parameters intact.
	const q = { response_type: 'code', client_id: body.client_id, redirect_uri: redirectUrl, code_challenge: p.challenge,
		code_challenge_method: 'S256', state: 'st&=ü', resource: `${d.base}/mcp` };
	const r = await fetch(`${d.base}/oauth/authorize?${new URLSearchParams(q)}`, { redirect: 'manual' });
	const to = new URL(r.headers.get('location'));
	assert.equal(to.pathname, '/consent.html');
	assert.equal(to.searchParams.get('state'), 'st&=ü');
	// A parameter given twice is refused.
	const r2 = await fetch(`${d.base}/oauth/authorize?${new URLSearchParams(q)}&state=again`, { redirect: 'manual' });
	assert.equal(r2.status, 400);
});

test('token: a wrong verifier, a wrong resource, a wrong redirect_uri issue nothing; a code is good for one attempt', async () => {
	const { body } = await register();
	const client = body.client_id;
	const before_ = tokenCount();
	let p = pkce();
	let code = await approved(client, p);
	let r = await exchange(client, code, p.verifier, { resource: 'https://other.example/mcp' });
	assert.equal(r.status, 400);
	assert.equal((await r.json()).error, 'invalid_target');
	r = await exchange(client, code, pkce().verifier);
	assert.equal((await r.json()).error, 'invalid_grant');
	r = await exchange(client, code, p.verifier);
	assert.equal((await r.json()).error, 'invalid_grant', 'the code died with the failed attempt');
	p = pkce();
	code = await approved(client, p);
	r = await exchange(client, code, p.verifier, { redirect_uri: `${redirectUrl}x` });
	assert.equal((await r.json()).error, 'invalid_grant');
	p = pkce();
	code = await approved(client, p);
	r = await exchange('hcl_other', code, p.verifier);
	assert.equal((await r.json()).error, 'invalid_grant');
	r = await form(`${d.base}/oauth/token`, { grant_type: 'password', username: 'a', password: 'b' });
	assert.equal((await r.json()).error, 'unsupported_grant_type');
	r = await form(`${d.base}/oauth/token`, { grant_type: 'authorization_code' });
	assert.equal((await r.json()).error, 'invalid_request');
	assert.equal(tokenCount(), before_, 'nothing was issued');
});

test('token: a code used twice revokes what the first use issued', async () => {
	const { body } = await register();
	const p = pkce();
	const code = await approved(body.client_id, p);
	let r = await exchange(body.client_id, code, p.verifier);
	assert.equal(r.status, 200);
	const tok = await r.json();
	assert.equal(r.headers.get('cache-control'), 'no-store');
	assert.equal((await mcpPost(tok.access_token)).status, 200);
	r = await exchange(body.client_id, code, p.verifier);
	assert.equal(r.status, 400);
	assert.equal((await r.json()).error, 'invalid_grant');
	assert.equal((await mcpPost(tok.access_token)).status, 401);
	r = await form(`${d.base}/oauth/token`, { grant_type: 'refresh_token', refresh_token: tok.refresh_token,
		client_id: body.client_id });
	assert.equal((await r.json()).error, 'invalid_grant');
});

test('the audience: a token issued for this server under one name is refused under another', async () => {
	const { body } = await register();
	const p = pkce();
	const code = await approved(body.client_id, p);
	const tok = await (await exchange(body.client_id, code, p.verifier)).json();
	assert.equal((await mcpPost(tok.access_token)).status, 200);
	// The same daemon reached as localhost: another origin, another resource.
	const r = await fetch(`http://localhost:${d.port}/mcp`, { method: 'POST', headers: { Authorization: `Bearer ${tok.access_token}`,
		'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' }, body: '{}' });
	assert.equal(r.status, 401);
	await logged(/issued for another resource/);
});

test('homectl token revoke oauth:NAME ends a grant (the name sessions and logs use)', async () => {
	const { body } = await register();
	const p = pkce();
	const code = await approved(body.client_id, p);
	const tok = await (await exchange(body.client_id, code, p.verifier)).json();
	const grant = sqlite(home, `SELECT g.id FROM oauth_grants g WHERE g.client_id = '${body.client_id}'`).trim();
	assert.match(grant, /^oauth:/);
	const list = homectl(home, 'token', 'list');
	assert.match(list, new RegExp(`^${grant}\\s+read\\s+\\S+\\s+raw \\(test\\)$`, 'm'));
	const json = JSON.parse(homectl(home, '--json', 'token', 'list'));
	assert.equal(json.find((t) => t.name === grant)?.client_name, 'raw');
	homectl(home, 'token', 'revoke', grant);
	assert.doesNotMatch(homectl(home, 'token', 'list'), new RegExp(grant));
	assert.equal((await mcpPost(tok.access_token)).status, 401);
	// Revoking the person's token ends the grants they approved.
	const p2 = pkce();
	const mine = homectl(home, 'token', 'create', 'approver').trim();
	const q = { response_type: 'code', client_id: body.client_id, redirect_uri: redirectUrl, code_challenge: p2.challenge,
		code_challenge_method: 'S256', grant: 'read' };
	const r = await fetch(`${d.base}/api/oauth/approve`, { method: 'POST', headers: { Authorization: `Bearer ${mine}`,
		'Content-Type': 'application/json' }, body: JSON.stringify(q) });
	const code2 = new URL((await r.json()).redirect).searchParams.get('code');
	const tok2 = await (await exchange(body.client_id, code2, p2.verifier)).json();
	assert.equal((await mcpPost(tok2.access_token)).status, 200);
	homectl(home, 'token', 'revoke', 'approver');
	assert.equal((await mcpPost(tok2.access_token)).status, 401);
});

test('migration 6 -> 7: the OAuth tables appear, the tokens stay; the tables refuse what the code cannot use', () => {
	const old = home.db.replace(/home\.db$/, 'six.db');
	sqlite(home, `VACUUM INTO '${old}'`);
	execFileSync('sqlite3', [old, 'DROP TABLE oauth_tokens; DROP TABLE oauth_codes; DROP TABLE oauth_grants;' +
		' DROP TABLE oauth_clients; PRAGMA user_version = 6;']);
	const list = execFileSync(HOMECTL, ['--db', old, 'token', 'list']).toString();
	assert.match(list, /^reader\s+read\s/m);
	assert.equal(execFileSync('sqlite3', [old, 'PRAGMA user_version']).toString().trim(), '10');
	assert.equal(execFileSync('sqlite3', [old, 'SELECT count(*) FROM oauth_clients']).toString().trim(), '0');
	assert.throws(() => execFileSync('sqlite3', [old, "INSERT INTO oauth_clients VALUES ('c', 'n', 'not json', 1)"],
		{ stdio: 'pipe' }), /oauth_client_redirect_uris/);
	assert.throws(() => execFileSync('sqlite3', [old, "INSERT INTO oauth_clients VALUES ('c', 'n', '[]', 1);" +
		" INSERT INTO oauth_grants VALUES ('oauth:x', 'c', 'reader', 'admin', 'r', 1)"], { stdio: 'pipe' }),
	/oauth_grant_scope/);
});

test('public_url: an origin (http or https, a host, a port), never a path; the metadata follows it', async () => {
	const conf = join(home.dir, 'public.conf');
	for (const [v, ok] of [['https://Home.Example.org/', true], ['http://[::1]:8080', true], ['https://a.example/path', false],
		['ftp://a.example', false], ['https://', false], ['https://a.example?x', false]]) {
		writeFileSync(conf, `public_url = ${v}\n`);
		let status = 0;
		try {
			execFileSync(API, ['--config', conf, '--db', home.db, '--check-config'], { stdio: 'pipe' });
		} catch (e) {
			status = e.status;
			assert.match(e.stderr.toString(), /public_url/);
		}
		assert.equal(status === 0, ok, v);
	}
	writeFileSync(conf, 'public_url = https://Home.Example.org/\n');
	const d2 = await startApi(home, ['--config', conf]);
	try {
		const as = await (await fetch(`${d2.base}/.well-known/oauth-authorization-server`)).json();
		assert.equal(as.issuer, 'https://home.example.org');
		const prm = await (await fetch(`${d2.base}/.well-known/oauth-protected-resource`)).json();
		assert.equal(prm.resource, 'https://home.example.org/mcp');
		// A forwarded header changes nothing.
		const r = await fetch(`${d2.base}/.well-known/oauth-authorization-server`,
			{ headers: { 'X-Forwarded-Proto': 'http', 'X-Forwarded-Host': 'evil.example', Forwarded: 'host=evil.example' } });
		assert.equal((await r.json()).issuer, 'https://home.example.org');
	} finally {
		await d2.stop();
	}
	// Without public_url, the Host the client used (forwarded headers ignored).
	const r = await fetch(`${d.base}/.well-known/oauth-authorization-server`, { headers: { 'X-Forwarded-Host': 'evil.example' } });
	assert.equal((await r.json()).issuer, d.base);
});
