// SPDX-License-Identifier: MIT
// timed.test.mjs -- a sprinkler runs for its duration, then homectl-mcp
// (like homectl-api) turns it off, whoever started it; one already overdue
// when the server starts is turned off at once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { makeHome, raw, INIT, sqlite, stateOf, killAll, sanitizerReports } from './helpers.mjs';

let home;
before(() => { home = makeHome(); });
after(() => {
	killAll();
	home.rm();
	assert.deepEqual(sanitizerReports(), []);
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Sets a sprinkler running for one minute, started `ago` seconds ago.
function running(id, ago) {
	sqlite(home.db, `UPDATE devices SET state = 'on', properties = json_set(properties, '$.duration', 1, '$.started_at', strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-${ago} seconds')) WHERE id = '${id}'`);
}

async function until(pred, ms) {
	for (const end = Date.now() + ms; Date.now() < end; await sleep(50))
		if (pred())
			return true;
	return false;
}

test('overdue at start, due while running: both turned off, source mcp', async () => {
	running('outdoor_sprinkler_front_yard', 90);	// overdue
	const s = raw(home.db);
	await s.request(INIT);
	assert.ok(await until(() => stateOf(home.db, 'outdoor_sprinkler_front_yard') === 'off', 5000),
		'an overdue sprinkler is stopped when the server starts');
	// Started by someone else while the server idles: due in about 2 s.
	running('outdoor_sprinkler_back_yard', 58);
	assert.equal(stateOf(home.db, 'outdoor_sprinkler_back_yard'), 'on');
	assert.ok(await until(() => stateOf(home.db, 'outdoor_sprinkler_back_yard') === 'off', 8000),
		'the server stops it when its minute is up');
	assert.equal(sqlite(home.db, "SELECT source FROM changes WHERE device_id = 'outdoor_sprinkler_back_yard' ORDER BY seq DESC LIMIT 1").trim(), 'mcp');
	s.close?.();
});
