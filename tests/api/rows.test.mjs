// SPDX-License-Identifier: MIT
// rows.test.mjs -- rows homectl cannot use never crash homectl-api: the
// reported NULL token name (a schema-1 database, migrated at start), and
// rows written into schema 2 with the checks off while clients are
// connected: REST, the WebSocket snapshot and its deltas skip them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeHome, startApi, api, sqlite, connect } from './helpers.mjs';

const newToken = () => 'hc_' + randomBytes(32).toString('base64url');
const sha256 = (s) => createHash('sha256').update(s).digest('hex');

test('a token with a NULL name (schema 1) is quarantined at start; its holder gets 401', async () => {
	const dir = mkdtempSync(join(tmpdir(), 'homectl-api-'));
	const db = join(dir, 'home.db');
	const web = join(dir, 'web');
	mkdirSync(web);
	writeFileSync(join(web, 'index.html'), '<!doctype html>\n');
	const bad = newToken(), good = newToken();
	execFileSync('sqlite3', [db, '.read tests/fixtures/schema-1.sql']);
	execFileSync('sqlite3', [db, `INSERT INTO tokens(name, hash) VALUES (NULL, '${sha256(bad)}'),
		('laptop', '${sha256(good)}')`]);
	const home = { dir, db, web, token: good, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
	const d = await startApi(home);
	try {
		assert.match(d.log(), /1 row\(s\) of tokens broke the schema's rules/);
		assert.equal((await api(d, '/api/devices', { auth: `Bearer ${bad}` })).status, 401);
		const r = await api(d, '/api/devices');
		assert.equal(r.status, 200);
		assert.deepEqual(r.json.devices.map((x) => x.id).sort(), ['front_door_lock', 'kitchen_light']);
		assert.equal(execFileSync('sqlite3', [db, 'SELECT count(*) FROM quarantine']).toString().trim(), '1');
	} finally {
		assert.equal(await d.stop(), 0);
		home.cleanup();
	}
});

test('rows written with the checks off: REST and the WebSocket skip them, nobody crashes', async () => {
	const home = makeHome();
	const d = await startApi(home);
	try {
		const [c, snap] = await connect(d);
		assert.equal(snap.type, 'snapshot');
		const other = newToken();
		sqlite(home, `INSERT INTO tokens(name, hash) VALUES ('other', '${sha256(other)}')`);
		assert.equal((await api(d, '/api/devices', { auth: `Bearer ${other}` })).status, 200);
		// The token's name becomes a blob, a device gets an unknown type,
		// a NULL name slips in through a foreign program with checks off.
		sqlite(home, `PRAGMA ignore_check_constraints = ON;
			UPDATE tokens SET name = x'00' WHERE name = 'other';
			INSERT INTO devices(id, name, type, state) VALUES ('toaster', 'T', 'toaster', 'on');
			INSERT INTO devices(id, name, type, state, properties) VALUES ('weird', 'W', 'light', 'on', '[1]');
			INSERT INTO changes(kind) VALUES ('nonsense');
			UPDATE devices SET state = 'on' WHERE id = 'bathroom_light'`);
		// The next good change still reaches the client.
		await c.device('bathroom_light', (x) => x.state === 'on');
		for (const m of c.msgs.filter((x) => x.type === 'changes'))
			for (const ch of m.changes)
				assert.ok(['device', 'mode', 'device_removed'].includes(ch.kind), JSON.stringify(ch));
		assert.equal((await api(d, '/api/devices', { auth: `Bearer ${other}` })).status, 401);
		const list = await api(d, '/api/devices');
		assert.equal(list.status, 200);
		assert.equal(list.json.devices.length, 24);
		assert.equal((await api(d, '/api/devices/toaster')).status, 404);
		assert.equal((await api(d, '/api/devices/kitchen_lite')).status, 404);
		assert.equal((await api(d, '/api/changes?since=0&limit=1000')).status, 200);
		// A new dashboard gets a snapshot without the bad rows.
		const [c2, snap2] = await connect(d);
		assert.equal(snap2.type, 'snapshot');
		assert.equal(snap2.devices.length, 24);
		c.close();
		c2.close();
		assert.match(d.log(), /skipped/);
	} finally {
		assert.equal(await d.stop(), 0);
		home.cleanup();
	}
});

test('an OAuth client whose redirect_uris another writer filled with a null or a number: /oauth/authorize matches only its strings', async () => {
	const home = makeHome();
	const d = await startApi(home);
	// Within the table's checks (an array is all they ask): the sqlite3 shell could.
	sqlite(home, `INSERT INTO oauth_clients(id, name, redirect_uris, created) VALUES
		('hcl_nulls', 'N', '[null]', strftime('%s')),
		('hcl_mixed', 'M', '[null, 7, {"a": 1}, "http://127.0.0.1/cb"]', strftime('%s'))`);
	const authorize = (client, redirect) => fetch(`${d.base}/oauth/authorize?` + new URLSearchParams({
		response_type: 'code', client_id: client, redirect_uri: redirect,
		code_challenge: '90EpwHQr_xi9uDtjYyz5mq9Z4RekugHRqg5ijpXC3FQ', code_challenge_method: 'S256',
	}), { redirect: 'manual' });
	try {
		let r = await authorize('hcl_nulls', 'http://127.0.0.1/cb');
		assert.equal(r.status, 400);
		assert.match(await r.text(), /invalid_client|redirect/);
		r = await authorize('hcl_mixed', '7');
		assert.equal(r.status, 400);
		r = await authorize('hcl_mixed', 'http://127.0.0.1/cb');
		assert.equal(r.status, 302);
		assert.match(r.headers.get('location'), /\/consent\.html\?/);
		assert.equal((await api(d, '/api/health')).status, 200);
	} finally {
		assert.equal(await d.stop(), 0);
		home.cleanup();
	}
});
