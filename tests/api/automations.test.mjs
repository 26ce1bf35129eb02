// SPDX-License-Identifier: MIT
// automations.test.mjs -- /api/automations against the real daemons:
// homectl-api stores and checks (like the CLI and MCP: one sentence, 422,
// nothing stored), homectl-automations (started here too) runs a run the
// API asked for; the confirm policy gates the writes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeHome, startApi, api, sqlite, sleep, BUILD } from './helpers.mjs';

let home, d, auto;
before(async () => {
	home = makeHome();
	d = await startApi(home);
	auto = spawn(join(BUILD, 'homectl-automations'), ['--db', home.db, '--config', '/dev/null'],
		{ stdio: ['ignore', 'ignore', 'pipe'] });
	let log = '';
	auto.stderr.on('data', (x) => { log += x; });
	for (let i = 0; i < 100 && !/running \d+ automation/.test(log); i++)
		await sleep(50);
	assert.match(log, /running \d+ automation/);
});
after(async () => {
	auto.kill('SIGTERM');
	await d.stop();
	home.cleanup();
});

const doc = {
	name: 'fan with the bath light',
	triggers: [{ device: 'bathroom_light', to: 'on', for_s: 60 }],
	actions: [{ device: 'bathroom_fan', action: 'on' }, { delay_s: 600 }, { device: 'bathroom_fan', action: 'off' }],
};
const enc = encodeURIComponent(doc.name);
const count = () => Number(sqlite(home, 'SELECT count(*) FROM automations').trim());

test('POST creates (201), GET lists and reads it, with its defaults', async () => {
	let r = await api(d, '/api/automations', { method: 'POST', body: doc });
	assert.equal(r.status, 201, r.text);
	assert.equal(r.json.name, doc.name);
	assert.equal(r.json.document.mode, 'single');
	r = await api(d, '/api/automations');
	assert.equal(r.status, 200);
	assert.equal(r.json.automations.length, 1);
	r = await api(d, `/api/automations/${enc}`);
	assert.equal(r.status, 200);
	assert.deepEqual(r.json.runs, []);
	r = await api(d, '/api/automations', { method: 'POST', body: doc });
	assert.equal(r.status, 409);
	assert.equal(r.json.error.code, 'exists');
});

test('mistakes: 422 with the reason, a loop says loop, nothing stored', async () => {
	const before = count();
	let r = await api(d, '/api/automations', { method: 'POST', body: { ...doc, name: 'x', triggers: [{ at: '25:00' }] } });
	assert.equal(r.status, 422);
	assert.match(r.json.error.message, /trigger 1: "25:00" is not a calendar expression/);
	r = await api(d, '/api/automations', { method: 'POST', body: { name: 'flicker', triggers: [{ device: 'bathroom_light' }], actions: [{ device: 'bathroom_light', action: 'toggle' }] } });
	assert.equal(r.status, 422);
	assert.equal(r.json.error.code, 'loop');
	r = await api(d, '/api/automations', { method: 'POST', body: '[1]' });
	assert.equal(r.status, 400);
	r = await api(d, `/api/automations/${enc}`, { method: 'PUT', body: { ...doc, name: 'other' } });
	assert.equal(r.status, 400);
	r = await api(d, '/api/automations/nope');
	assert.equal(r.status, 404);
	assert.equal(count(), before);
});

test('run: homectl-automations carries it out; test: the conditions now', async () => {
	let r = await api(d, `/api/automations/${enc}/run`, { method: 'POST' });
	assert.equal(r.status, 202, r.text);
	const id = r.json.run;
	let run;
	for (let i = 0; i < 100; i++) {
		r = await api(d, `/api/automations/${enc}`);
		run = r.json.runs.find((x) => x.id === id);
		if (run && run.outcome === 'waiting')
			break;
		await sleep(50);
	}
	assert.equal(run.outcome, 'waiting', JSON.stringify(run));	// in its 600 s delay
	assert.deepEqual(run.trigger, { run: 'api' });
	assert.equal(sqlite(home, "SELECT state FROM devices WHERE id = 'bathroom_fan'").trim(), 'on');
	r = await api(d, `/api/automations/${enc}/test`);
	assert.equal(r.status, 200);
	assert.equal(r.json.holds, true);
});

test('enable, replace, delete', async () => {
	let r = await api(d, `/api/automations/${enc}/enable`, { method: 'POST', body: { enabled: false } });
	assert.equal(r.status, 200, r.text);
	assert.equal(r.json.enabled, false);
	r = await api(d, `/api/automations/${enc}`, { method: 'PUT', body: { ...doc, mode: 'queued' } });
	assert.equal(r.status, 200, r.text);
	assert.equal(r.json.document.mode, 'queued');
	r = await api(d, `/api/automations/${enc}`, { method: 'DELETE' });
	assert.equal(r.status, 200);
	assert.deepEqual(r.json, { removed: doc.name });
	assert.equal(count(), 0);
	r = await api(d, `/api/automations/${enc}`, { method: 'DELETE' });
	assert.equal(r.status, 404);
});

test('a name with "/" or "%" is addressed percent-encoded, and decoded exactly once', async () => {
	// The second holds the text "%2F": decoded twice it would name "50/".
	for (const name of ['bath fan on/off', 'fan at 50%2F then off', 'a/b/enable']) {
		const e = encodeURIComponent(name);
		let r = await api(d, '/api/automations', { method: 'POST', body: { ...doc, name } });
		assert.equal(r.status, 201, r.text);
		r = await api(d, `/api/automations/${e}`);
		assert.equal(r.status, 200, `GET ${e}: ${r.text}`);
		assert.equal(r.json.name, name);
		r = await api(d, `/api/automations/${e}/enable`, { method: 'POST', body: { enabled: false } });
		assert.equal(r.status, 200, r.text);
		assert.equal(r.json.name, name);
		assert.equal(r.json.enabled, false);
		r = await api(d, `/api/automations/${e}/test`);
		assert.equal(r.status, 200, r.text);
		assert.equal(r.json.name, name);
		r = await api(d, `/api/automations/${e}`, { method: 'PUT', body: { ...doc, name, mode: 'queued' } });
		assert.equal(r.status, 200, r.text);
		assert.equal(r.json.document.mode, 'queued');
		r = await api(d, `/api/automations/${e}`, { method: 'DELETE' });
		assert.equal(r.status, 200, r.text);
		assert.deepEqual(r.json, { removed: name });
	}
	assert.equal(count(), 0);
	// A "/" that is not encoded still separates segments: no such route.
	const r = await api(d, '/api/automations/bath%20fan%20on/off');
	assert.equal(r.status, 404);
});

test('confirm = all: a write without confirm=true is 403, with it 201', async () => {
	const conf = join(home.dir, 'confirm-all.conf');
	writeFileSync(conf, 'confirm = all\n');
	const d2 = await startApi(home, ['--config', conf]);
	try {
		let r = await api(d2, '/api/automations', { method: 'POST', body: doc });
		assert.equal(r.status, 403);
		assert.equal(r.json.error.code, 'confirmation_required');
		r = await api(d2, '/api/automations?confirm=true', { method: 'POST', body: doc });
		assert.equal(r.status, 201, r.text);
	} finally {
		await d2.stop();
	}
});
