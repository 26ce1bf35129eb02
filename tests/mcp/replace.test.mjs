// SPDX-License-Identifier: MIT
// replace.test.mjs -- homectl-mcp follows the database whatever happens to
// the file: after an online restore, or another file moved to the path,
// every subscriber hears that its resources changed, reads come from the
// file at the path, and a tool's write goes into that file.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { renameSync } from 'node:fs';
import path from 'node:path';

import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';

import { makeHome, connect, call, collect, closeAll, sqlite, stateOf, sanitizerReports } from './helpers.mjs';

after(async () => {
	await closeAll();
	assert.deepEqual(sanitizerReports(), []);
});

const flip = (s) => (s === 'on' ? 'off' : 'on');
const URI = 'homectl://devices/bathroom_light';

async function follows(before, what) {
	const home = makeHome();
	try {
		before(home);
		const c = await connect(home.db);
		await c.subscribeResource({ uri: URI });
		const updates = collect(c, ResourceUpdatedNotificationSchema);
		// A change the watcher delivers, so the feed has an anchor.
		const r = await call(c, 'control_device', { action: 'toggle', device_id: 'kitchen_light_counter' });
		assert.ok(!r.isError, JSON.stringify(r));
		await new Promise((res) => setTimeout(res, 300));
		updates.clear();

		const want = what(home);
		const n = await updates.wait((x) => x.params.uri === URI);
		assert.ok(n);
		const read = await c.readResource({ uri: URI });
		assert.equal(JSON.parse(read.contents[0].text).state, want, 'read from the file at the path');
		// A write goes into that file.
		const to = flip(stateOf(home.db, 'bedroom_fan'));
		const w = await call(c, 'control_device', { action: to, device_id: 'bedroom_fan' });
		assert.ok(!w.isError, JSON.stringify(w));
		assert.equal(stateOf(home.db, 'bedroom_fan'), to);
		assert.equal(sqlite(home.db, 'PRAGMA integrity_check'), 'ok');
		await c.close();
	} finally {
		home.rm();
	}
}

test('an online restore: subscribers are told, reads and writes follow', async () => {
	let older, was;
	await follows((home) => {
		// A copy from before the change below, with bathroom_light flipped.
		older = path.join(home.dir, 'older.db');
		was = flip(stateOf(home.db, 'bathroom_light'));
		sqlite(home.db, `VACUUM INTO '${older}'`);
		sqlite(older, `UPDATE devices SET state = '${was}' WHERE id = 'bathroom_light'`);
	}, (home) => {
		sqlite(home.db, `.restore '${older}'`);
		return was;
	});
});

test('another file moved to the path: subscribers are told, reads and writes follow', async () => {
	await follows(() => {}, (home) => {
		const copy = path.join(home.dir, 'copy.db');
		sqlite(home.db, `VACUUM INTO '${copy}'`);
		const to = flip(stateOf(copy, 'bathroom_light'));
		sqlite(copy, `UPDATE devices SET state = '${to}' WHERE id = 'bathroom_light'`);
		renameSync(copy, home.db);
		return to;
	});
});
