// SPDX-License-Identifier: MIT
// resume.test.mjs -- resuming a WebSocket with since across a rewritten
// feed (docs/protocol.md, "Resuming"): after a restore from an older copy
// and enough writes to number new changes past the client's old seq, a
// client naming the feed it knew gets a snapshot, never a delta that skips
// what the restore changed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { makeHome, startApi, api, homectl, sqlite, Client, connect, sleep } from './helpers.mjs';

let home, d;
before(async () => {
	home = makeHome();
	d = await startApi(home);
});
after(async () => {
	await d.stop();
	home.cleanup();
});

const health = async () => (await api(d, '/api/health')).json;
const state = (id) => sqlite(home, `SELECT state FROM devices WHERE id = '${id}'`).trim();
const feedInDb = () => sqlite(home, "SELECT value FROM meta WHERE key = 'feed_id'").trim();

// Resolves when pred(health) holds (the daemon has seen what was written).
async function until(pred, what) {
	for (let i = 0; i < 250; i++) {
		const h = await health();
		if (pred(h))
			return h;
		await sleep(20);
	}
	throw new Error(`the daemon never got there: ${what}`);
}

async function hello(msg) {
	const c = new Client(d.url);
	await c.opened;
	c.send({ type: 'hello', token: home.token, ...msg });
	return [c, await c.next((x) => x.type === 'snapshot' || x.type === 'changes' || x.type === 'error')];
}

test('every first frame and /api/health name the feed', async () => {
	const [c, snap] = await connect(d);
	assert.match(snap.feed, /^[0-9a-f]{16}$/);
	assert.equal(snap.feed, feedInDb());
	assert.equal((await health()).feed, snap.feed);
	c.close();
	const [r, first] = await hello({ since: snap.seq, feed: snap.feed });
	assert.equal(first.type, 'changes');
	assert.equal(first.feed, snap.feed);
	r.close();
	// Not a string: an error, and the client may say hello again.
	const [b, err] = await hello({ since: 0, feed: 7 });
	assert.equal(err.type, 'error');
	assert.equal(err.code, 'bad_request');
	b.close();
});

test('a restore from an older copy while the client was away: its old seq gets a snapshot', async () => {
	homectl(home, 'set', 'living_room_fan', 'off');
	const older = join(home.dir, 'older.db');
	sqlite(home, `.backup '${older}'`);

	const [c, snap] = await connect(d);
	const feed = snap.feed;
	homectl(home, 'set', 'living_room_fan', 'on');
	homectl(home, 'set', 'bedroom_fan', 'on');
	homectl(home, 'set', 'bedroom_fan', 'off');
	const last = await c.device('bedroom_fan', (x) => x.state === 'off');
	const oldSeq = last.seq;
	c.close();

	// The older copy: the living room fan is off again, and the feed ends
	// below oldSeq.
	sqlite(home, `.restore '${older}'`);
	const h = await until((x) => x.feed !== feed, 'a new feed identity after .restore');
	assert.ok(h.seq < oldSeq, `the feed went back (${h.seq} < ${oldSeq})`);
	assert.equal(feedInDb(), h.feed);
	assert.equal(state('living_room_fan'), 'off');
	// Enough changes of another device to number the new history past
	// the client's seq: the seq alone now names a change it never saw.
	for (let s = h.seq; s <= oldSeq + 1; s++)
		homectl(home, 'set', 'kitchen_light_main', 'toggle');
	const now = await until((x) => x.seq > oldSeq + 1, 'the writes after the restore');

	// The client that knew the old feed: a snapshot of the home as it is.
	const [r, first] = await hello({ since: oldSeq, feed });
	assert.equal(first.type, 'snapshot');
	assert.equal(first.feed, now.feed);
	assert.ok(first.seq > oldSeq);
	assert.equal(first.devices.find((x) => x.id === 'living_room_fan').state, 'off');
	assert.deepEqual(first.devices, (await api(d, '/api/devices')).json.devices);
	r.close();

	// With the new identity it resumes with the changes after its seq.
	const [n, delta] = await hello({ since: first.seq - 1, feed: first.feed });
	assert.equal(delta.type, 'changes');
	assert.deepEqual(delta.changes.map((x) => x.seq), [first.seq]);
	n.close();

	// A client that names no feed keeps the old behaviour: a delta.
	const [o, old] = await hello({ since: oldSeq });
	assert.equal(old.type, 'changes');
	o.close();
});

test('homectl restore and a deleted newest feed row give the feed a new identity', async () => {
	const older = join(home.dir, 'older2.db');
	homectl(home, 'backup', older);
	let feed = (await health()).feed;
	homectl(home, 'restore', older);
	assert.notEqual(feedInDb(), feed);
	feed = (await until((x) => x.feed === feedInDb(), 'the new identity after homectl restore')).feed;

	// Pruning the oldest rows keeps it; removing the newest ones does not
	// (the next changes would reuse nothing, but clients between them
	// would miss what was removed).
	const newest = (await health()).seq;
	sqlite(home, `DELETE FROM changes WHERE seq < ${newest}`);
	assert.equal(feedInDb(), feed);
	homectl(home, 'set', 'bedroom_fan', 'toggle');
	homectl(home, 'set', 'bedroom_fan', 'toggle');
	sqlite(home, `DELETE FROM changes WHERE seq > ${newest}`);
	assert.notEqual(feedInDb(), feed);
	const h = await until((x) => x.feed === feedInDb(), 'the new identity after DELETE');
	const [c, first] = await hello({ since: newest + 1, feed });
	assert.equal(first.type, 'snapshot');
	assert.equal(first.feed, h.feed);
	c.close();
});
