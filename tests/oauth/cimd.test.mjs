// SPDX-License-Identifier: MIT
// cimd.test.mjs -- OAuth Client ID Metadata Documents: a client_id that is
// the https URL of its metadata, fetched by homectl-api from a local https
// server (a self-signed certificate the daemon is told to trust through
// SSL_CERT_FILE).  The official SDK client uses it when the metadata says
// it may; the fetch is https only, from public addresses only unless
// oauth_fetch_private is set, never follows a redirect, and is bounded in
// size and time; a document that does not speak for its own URL, or lists
// other redirect URIs, is refused with a page and no redirect.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash, randomBytes } from 'node:crypto';

import { chromium } from 'playwright-core';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';

import { makeHome, startApi, sleep } from '../api/helpers.mjs';

const home = makeHome();
home.web = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'web');	// the consent page
execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
	'-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', join(home.dir, 'key.pem'),
	'-out', join(home.dir, 'cert.pem')], { stdio: 'ignore' });
const cert = join(home.dir, 'cert.pem');

// The client's site: its metadata documents, good and bad.
const hits = [];
let site;
const docs = {};
const server = createServer({ key: readFileSync(join(home.dir, 'key.pem')), cert: readFileSync(cert) }, (req, res) => {
	hits.push(req.url);
	const d = docs[req.url];
	if (d === 'slow')
		return;	// never answers
	if (d === undefined)
		return res.writeHead(404).end();
	if (d.redirect)
		return res.writeHead(302, { Location: d.redirect }).end();
	res.writeHead(200, { 'Content-Type': d.type ?? 'application/json' }).end(typeof d.body === 'string' ? d.body : JSON.stringify(d.body));
});
await new Promise((res) => server.listen(0, '127.0.0.1', res));
site = `https://localhost:${server.address().port}`;
const redirectUrl = 'http://127.0.0.1:9/callback';
const doc = (path, extra = {}) => ({ client_id: `${site}${path}`, client_name: 'Metadata Client', redirect_uris: [redirectUrl],
	grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none', ...extra });
docs['/client.json'] = { body: doc('/client.json') };
docs['/other-id.json'] = { body: doc('/client.json') };
docs['/moved.json'] = { redirect: `${site}/client.json` };
docs['/big.json'] = { body: { ...doc('/big.json'), pad: 'x'.repeat(70 * 1024) } };
docs['/text.json'] = { body: doc('/text.json'), type: 'text/html' };
docs['/slow.json'] = 'slow';
docs['/jwt.json'] = { body: doc('/jwt.json', { token_endpoint_auth_method: 'private_key_jwt' }) };
docs['/evil-redirect.json'] = { body: doc('/evil-redirect.json', { redirect_uris: ['http://192.168.1.5/cb'] }) };
docs['/noname.json'] = { body: doc('/noname.json', { client_name: undefined }) };

const conf = join(home.dir, 'homectl.conf');
writeFileSync(conf, 'oauth_client_metadata = yes\noauth_fetch_private = yes\n');
const confPublic = join(home.dir, 'public.conf');
writeFileSync(confPublic, 'oauth_client_metadata = yes\n');
const d = await startApi(home, ['--config', conf], { SSL_CERT_FILE: cert });
after(async () => {
	server.closeAllConnections?.();
	server.close();
	await d.stop();
	await new Promise((res) => (d.proc.stderr.readableEnded ? res() : d.proc.stderr.on('end', res)));
	home.cleanup();
	assert.doesNotMatch(d.log(), /Sanitizer|runtime error:/);
});

function pkce() {
	const verifier = randomBytes(32).toString('base64url');
	return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

const authorize = (daemon, clientId, extra = {}) => fetch(`${daemon.base}/oauth/authorize?${new URLSearchParams({
	response_type: 'code', client_id: clientId, redirect_uri: redirectUrl, code_challenge: pkce().challenge,
	code_challenge_method: 'S256', state: 's', ...extra })}`, { redirect: 'manual' });

test('the metadata offers Client ID Metadata Documents', async () => {
	const as = await (await fetch(`${d.base}/.well-known/oauth-authorization-server`)).json();
	assert.equal(as.client_id_metadata_document_supported, true);
});

test('the SDK client with a URL client_id: fetched, approved, tokens, a tool call', async () => {
	const p = {
		clientMetadataUrl: `${site}/client.json`,
		get redirectUrl() { return redirectUrl; },
		get clientMetadata() { return { client_name: 'Metadata Client', redirect_uris: [redirectUrl] }; },
		state: () => 'cimd-state',
		clientInformation() { return this.client; }, saveClientInformation(c) { this.client = c; },
		tokens() { return this.tok; }, saveTokens(t) { this.tok = t; },
		redirectToAuthorization(u) { this.authUrl = u; },
		saveCodeVerifier(v) { this.verifier = v; }, codeVerifier() { return this.verifier; },
	};
	let t = new StreamableHTTPClientTransport(new URL(`${d.base}/mcp`), { authProvider: p });
	await assert.rejects(new Client({ name: 'cimd', version: '1' }).connect(t), UnauthorizedError);
	assert.equal(p.client.client_id, `${site}/client.json`, 'no registration: the URL is the client_id');
	assert.equal(p.authUrl.searchParams.get('client_id'), `${site}/client.json`);
	const before = hits.length;
	const r = await fetch(p.authUrl, { redirect: 'manual' });
	assert.equal(r.status, 302, await r.clone().text());
	assert.deepEqual(hits.slice(before), ['/client.json'], 'the daemon fetched the document');
	const consent = new URL(r.headers.get('location'));
	assert.equal(consent.pathname, '/consent.html');
	const info = await (await fetch(`${d.base}/api/oauth/request?${consent.searchParams}`,
		{ headers: { Authorization: `Bearer ${home.token}` } })).json();
	assert.equal(info.client_name, 'Metadata Client');
	assert.equal(info.client_id, `${site}/client.json`);
	const ok = await fetch(`${d.base}/api/oauth/approve`, { method: 'POST', headers: { Authorization: `Bearer ${home.token}`,
		'Content-Type': 'application/json' }, body: JSON.stringify({ ...Object.fromEntries(consent.searchParams), grant: 'read' }) });
	assert.equal(ok.status, 200);
	const back = new URL((await ok.json()).redirect);
	assert.equal(back.searchParams.get('state'), 'cimd-state');
	await t.finishAuth(back.searchParams.get('code'));
	assert.equal(p.tok.scope, 'read');
	t = new StreamableHTTPClientTransport(new URL(`${d.base}/mcp`), { authProvider: p });
	const c = new Client({ name: 'cimd', version: '1' });
	await c.connect(t);
	assert.ok(!(await c.callTool({ name: 'get_device_status', arguments: { device_id: 'kitchen_light_main' } })).isError);
	await t.terminateSession();
	await c.close();
	assert.match(d.log(), /fetched the metadata document of client https:\/\/localhost/);
});

test('the consent page names the site that vouches for the client (in chromium)', async () => {
	const r = await authorize(d, `${site}/client.json`);
	assert.equal(r.status, 302);
	const browser = await chromium.launch({ executablePath: process.env.HOMECTL_CHROMIUM || '/usr/bin/chromium',
		headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
	try {
		const page = await browser.newPage();
		await page.goto(r.headers.get('location'));
		await page.fill('#token-input', home.token);
		await page.click('#signin button[type=submit]');
		await page.waitForSelector('#consent:not([hidden])');
		assert.equal(await page.textContent('#client-name'), 'Metadata Client');
		assert.ok(await page.isVisible('#client-id-host'));
		assert.equal(await page.textContent('#client-id-host'), `localhost:${server.address().port}`);
		assert.equal(await page.textContent('#redirect-host'), '127.0.0.1:9');
	} finally {
		await browser.close();
	}
});

test('refused documents: another client_id, a redirect, too large, not JSON, private_key_jwt, no name, bad redirect URIs', async () => {
	const cases = [['/other-id.json', /client_id is not its own URL/], ['/moved.json', /redirect \(not followed\)/],
		['/big.json', /larger than|too large/], ['/text.json', /not JSON/], ['/jwt.json', /public clients \(none\) only/],
		['/noname.json', /no client_name/], ['/evil-redirect.json', /redirect_uris\[0\]/], ['/missing.json', /did not answer 200/]];
	for (const [path, why] of cases) {
		const r = await authorize(d, `${site}${path}`);
		assert.equal(r.status, 400, path);
		assert.equal(r.headers.get('location'), null, `${path}: never a redirect`);
		assert.match(await r.text(), why, path);
	}
});

test('a redirect_uri the document does not list gets a page, never a redirect', async () => {
	const r = await authorize(d, `${site}/client.json`, { redirect_uri: 'https://evil.example/cb' });
	assert.equal(r.status, 400);
	assert.equal(r.headers.get('location'), null);
});

test('URLs that are not fetched at all: a fragment, dot segments, user info, no path', async () => {
	const before = hits.length;
	for (const id of [`${site}/client.json#x`, `${site}/a/../client.json`, `https://user@localhost:${server.address().port}/client.json`,
		`${site}/`, `${site}`]) {
		const r = await authorize(d, id);
		assert.equal(r.status, 400, id);
		assert.equal(r.headers.get('location'), null);
	}
	assert.equal(hits.length, before, 'nothing was fetched');
});

test('a server that never answers: refused after the time limit', async () => {
	const t0 = Date.now();
	const r = await authorize(d, `${site}/slow.json`);
	assert.equal(r.status, 400);
	assert.match(await r.text(), /no answer in time/);
	console.log(`a silent metadata server: refused after ${Date.now() - t0} ms`);
	// The daemon served others meanwhile and still does.
	assert.equal((await fetch(`${d.base}/.well-known/oauth-authorization-server`)).status, 200);
});

test('off by default (the unit has no network): not offered, and a URL client_id is an unknown client, never fetched', async () => {
	const d0 = await startApi(home, [], { SSL_CERT_FILE: cert });
	try {
		const as = await (await fetch(`${d0.base}/.well-known/oauth-authorization-server`)).json();
		assert.equal(as.client_id_metadata_document_supported, false);
		const before = hits.length;
		const r = await authorize(d0, `${site}/client.json`);
		assert.equal(r.status, 400);
		assert.equal(r.headers.get('location'), null);
		assert.match(await r.text(), /no client is registered/);
		assert.equal(hits.length, before);
	} finally {
		await d0.stop();
	}
});

test('without oauth_fetch_private, a loopback address is never contacted; an untrusted certificate is refused', async () => {
	const d2 = await startApi(home, ['--config', confPublic], { SSL_CERT_FILE: cert });
	try {
		const before = hits.length;
		const r = await authorize(d2, `${site}/client.json`);
		assert.equal(r.status, 400);
		assert.match(await r.text(), /loopback, private or reserved address/);
		assert.equal(hits.length, before, 'no connection reached the server');
	} finally {
		await d2.stop();
	}
	// Private addresses allowed, but the certificate not trusted.
	const d3 = await startApi(home, ['--config', conf], { SSL_CERT_FILE: '/dev/null' });
	try {
		const r = await authorize(d3, `${site}/client.json`);
		assert.equal(r.status, 400);
		assert.match(await r.text(), /TLS with localhost failed/);
	} finally {
		await d3.stop();
	}
});

test('no more than four fetches at once; the rest are told to try again', async () => {
	const all = await Promise.all(Array.from({ length: 6 }, () => authorize(d, `${site}/slow.json`)));
	const codes = all.map((r) => r.status).sort();
	assert.deepEqual(codes, [400, 400, 400, 400, 503, 503]);
	await sleep(10);
});
