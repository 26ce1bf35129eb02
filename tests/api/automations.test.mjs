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
import { makeHome, startApi, api, sqlite, sleep, connect, BUILD } from './helpers.mjs';

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

// How a run ends is a change of the feed (kind "automation"): every
// WebSocket client has it at once, with the error, and so has
// GET /api/changes; a run its conditions skipped is none.
test('a run that fails, one that is done: each a live "automation" change with its outcome', async () => {
	const [c] = await connect(d);
	try {
		// A real device that is offline: the action fails (as homectl-mqtt
		// would have it, written by a foreign sqlite3 process).
		sqlite(home, "INSERT INTO bindings(device_id, driver, address, available) " +
			"VALUES ('kitchen_light_main', 'z2m', 'kitchen_light_main', 'offline')");
		const fails = { name: 'kitchen at dusk', triggers: [{ at: '*-*-* 18:00' }],
			actions: [{ device: 'kitchen_light_main', action: 'on' }] };
		let r = await api(d, '/api/automations', { method: 'POST', body: fails });
		assert.equal(r.status, 201, r.text);
		r = await api(d, `/api/automations/${encodeURIComponent(fails.name)}/run`, { method: 'POST' });
		assert.equal(r.status, 202, r.text);
		const id = r.json.run;
		const isRun = (rid) => (m) => m.type === 'changes' &&
			m.changes.some((x) => x.kind === 'automation' && x.run.id === rid);
		const runOf = (msg, rid) => msg.changes.find((x) => x.kind === 'automation' && x.run.id === rid);
		let m = await c.next(isRun(id), 15000);
		let ch = runOf(m, id);
		assert.equal(ch.source, 'automation');
		assert.equal(ch.run.automation, fails.name);
		assert.equal(ch.run.outcome, 'failed');
		assert.match(ch.run.error, /is offline/);
		assert.deepEqual(ch.run.trigger, { run: 'api' });
		assert.equal(typeof ch.run.started_at, 'string');
		assert.equal(typeof ch.run.finished_at, 'string');
		// The same row through REST, and the run as GET /api/automations/{name} has it.
		r = await api(d, `/api/changes?since=${ch.seq - 1}&limit=1`);
		assert.deepEqual(r.json.changes[0], ch);
		r = await api(d, `/api/automations/${encodeURIComponent(fails.name)}`);
		assert.equal(r.json.runs.find((x) => x.id === id).outcome, 'failed');

		const works = { name: 'fan at dusk', triggers: [{ at: '*-*-* 18:00' }],
			actions: [{ device: 'bedroom_fan', action: 'on' }] };
		r = await api(d, '/api/automations', { method: 'POST', body: works });
		assert.equal(r.status, 201, r.text);
		r = await api(d, `/api/automations/${encodeURIComponent(works.name)}/run`, { method: 'POST' });
		const done = r.json.run;
		m = await c.next(isRun(done), 15000);
		ch = runOf(m, done);
		assert.deepEqual([ch.run.automation, ch.run.outcome, ch.run.error], [works.name, 'done', null]);
		// Its action came first, in the same order as it was made.
		const fan = c.msgs.flatMap((x) => x.changes || []).find((x) => x.kind === 'device' &&
			x.device.id === 'bedroom_fan' && x.device.state === 'on');
		assert.ok(fan && fan.seq < ch.seq, 'the fan change before the run change');

		// Written by a foreign writer: a skipped run is no change, a
		// finished one is (and the frames keep their order).
		const from = c.msgs.length;
		sqlite(home, `INSERT INTO automation_runs(automation, trigger, outcome, finished_at) VALUES ` +
			`('fan at dusk', '{"shell":1}', 'skipped', '2026-01-01T00:00:00Z');` +
			`INSERT INTO automation_runs(automation, trigger, outcome, finished_at) VALUES ` +
			`('fan at dusk', '{"shell":2}', 'failed', '2026-01-01T00:00:01Z');`);
		m = await c.next((x) => x.type === 'changes' && x.changes.some((y) => y.kind === 'automation'),
			15000, from);
		const runs = c.msgs.slice(from).flatMap((x) => x.changes || []).filter((x) => x.kind === 'automation');
		assert.deepEqual(runs.map((x) => [x.run.outcome, x.run.trigger]), [['failed', { shell: 2 }]]);
		assert.equal(runs[0].run.error, null);
		// A row of that kind without what it needs is refused by the feed's rule.
		assert.throws(() => sqlite(home, "INSERT INTO changes(kind, subject) VALUES ('automation', 'x')"),
			/change_kind/);
	} finally {
		c.close();
	}
});
