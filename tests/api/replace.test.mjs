// SPDX-License-Identifier: MIT
// replace.test.mjs -- the daemon follows the database whatever happens to
// the file, with dashboards connected: an online restore and an emptied
// feed (seq goes back), another file moved to the path (mv, after VACUUM
// INTO), a removed -wal and -shm.  Each time every client gets a fresh
// snapshot of the file now at the path, later changes from the CLI reach
// them, and a REST write lands in that file, not in a deleted one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renameSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { makeHome, startApi, api, connect, homectl, sqlite } from './helpers.mjs';

const stateIn = (home, id) => sqlite(home, `SELECT state FROM devices WHERE id = '${id}'`).trim();
const flip = (s) => (s === 'on' ? 'off' : 'on');

// Runs before(home) first, then what(home) with two dashboards connected,
// and checks that both start again from the file at the path: what returns
// {id: state} the new snapshot must show.
async function follows(before, what) {
	const home = makeHome();
	const d = await startApi(home);
	try {
		before(home);
		const clients = [await connect(d), await connect(d)].map(([c]) => c);
		// A change everyone has seen, so the feed has an anchor.
		const id = 'kitchen_light_counter';
		const r = await api(d, `/api/devices/${id}/actions`, { method: 'POST', body: { action: 'toggle' } });
		assert.equal(r.status, 200, r.text);
		for (const c of clients) await c.device(id, () => true);
		const from = clients.map((c) => c.msgs.length);
		const t0 = Date.now();

		const want = what(home);
		// A write at once, before the daemon may have noticed: it must
		// not go into the file that was there.
		const early = api(d, '/api/devices/bathroom_fan/actions', { method: 'POST', body: { action: 'on' } });
		for (const [i, c] of clients.entries()) {
			const snap = await c.next((m) => m.type === 'snapshot', 10000, from[i]);
			for (const [dev, state] of Object.entries(want))
				assert.equal(snap.devices.find((x) => x.id === dev).state, state, `${dev} in the new snapshot`);
		}
		console.log(`# fresh snapshot to both clients ${Date.now() - t0} ms after the file changed`);
		const e = await early;
		assert.equal(e.status, 200, e.text);
		assert.equal(stateIn(home, 'bathroom_fan'), 'on', 'the early write is in the file at the path');
		assert.match(d.log(), /fresh snapshot/);

		// The CLI, on the file at the path, reaches the dashboards.
		const fan = 'bedroom_fan';
		const fanTo = flip(stateIn(home, fan));
		homectl(home, 'set', fan, fanTo);
		for (const c of clients) await c.device(fan, (x) => x.state === fanTo);
		// A REST write lands in that file, and reaches them too.
		const lamp = 'living_room_light_lamp';
		const lampTo = flip(stateIn(home, lamp));
		const w = await api(d, `/api/devices/${lamp}/actions`, { method: 'POST', body: { action: lampTo } });
		assert.equal(w.status, 200, w.text);
		assert.equal(stateIn(home, lamp), lampTo);
		for (const c of clients) await c.device(lamp, (x) => x.state === lampTo);
		assert.equal(sqlite(home, 'PRAGMA integrity_check').trim(), 'ok');
		for (const c of clients) c.close();
	} finally {
		await d.stop();
		home.cleanup();
	}
}

test('an online restore (.restore older.db): seq goes back, every client starts again', async () => {
	let was;
	await follows((home) => {
		was = stateIn(home, 'kitchen_light_counter');
		sqlite(home, `VACUUM INTO '${join(home.dir, 'older.db')}'`);
	}, (home) => {
		// The toggle made after the copy is undone by the restore.
		sqlite(home, `.restore '${join(home.dir, 'older.db')}'`);
		return { kitchen_light_counter: was };
	});
});

test('the feed emptied from the shell: every client starts again', async () => {
	await follows(() => {}, (home) => {
		const now = stateIn(home, 'kitchen_light_counter');
		sqlite(home, 'DELETE FROM changes');
		return { kitchen_light_counter: now };
	});
});

test('another file moved to the path (VACUUM INTO, then mv): clients follow it, writes go into it', async () => {
	await follows(() => {}, (home) => {
		const copy = join(home.dir, 'copy.db');
		sqlite(home, `VACUUM INTO '${copy}'`);
		const to = flip(sqlite({ db: copy }, "SELECT state FROM devices WHERE id = 'bathroom_light'").trim());
		sqlite({ db: copy }, `UPDATE devices SET state = '${to}' WHERE id = 'bathroom_light'`);
		renameSync(copy, home.db);
		return { bathroom_light: to };
	});
});

test('the -wal and -shm removed under the daemon: it reopens, clients follow', async () => {
	await follows(() => {}, (home) => {
		const now = stateIn(home, 'kitchen_light_counter');
		// What is only in the WAL goes with it: keep the home in the file.
		sqlite(home, 'PRAGMA wal_checkpoint(TRUNCATE)');
		unlinkSync(`${home.db}-wal`);
		unlinkSync(`${home.db}-shm`);
		return { kitchen_light_counter: now };
	});
});
