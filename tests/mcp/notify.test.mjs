// SPDX-License-Identifier: MIT
// notify.test.mjs -- Type=notify: READY=1 once serving, WATCHDOG=1 from the
// loop when the unit has a watchdog, STOPPING=1 and exit 0 on SIGTERM.
// tests/mcp/notify.py plays systemd's side of the notify socket.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';

import { makeHome, MCP, HOMECTL } from './helpers.mjs';

const NOTIFY = path.resolve('tests/mcp/notify.py');
let home;
before(() => { home = makeHome(); });
after(() => home.rm());

function run(args, env = {}) {
	return JSON.parse(execFileSync('python3', [NOTIFY, '100000', MCP, ...args],
		{ encoding: 'utf8', env: { ...process.env, ...env } }));
}

test('--stdio: READY=1, then watchdog pings, then STOPPING=1', () => {
	const r = run(['--stdio', '--db', home.db]);
	assert.equal(r.rc, 0);
	assert.match(r.messages[0], /^READY=1/m);
	assert.ok(r.messages.filter((m) => m === 'WATCHDOG=1').length >= 2);
	assert.ok(r.messages.some((m) => m.startsWith('STOPPING=1')));
});

test('STATUS= (systemctl status): sessions, seq and the last change, by any writer', () => {
	const r = run(['--stdio', '--db', home.db], {
		NOTIFY_THEN: JSON.stringify([HOMECTL, '--db', home.db, 'set', 'kitchen_light_main', 'toggle']),
	});
	assert.equal(r.rc, 0);
	const seq = Number((/^READY=1\nSTATUS=1 session, seq (\d+)$/.exec(r.messages[0]) || assert.fail(r.messages[0]))[1]);
	// The watcher saw the CLI's change; the line went out at once or with
	// a watchdog ping.
	assert.ok(r.messages.some((m) =>
		new RegExp(`^(WATCHDOG=1\\n)?STATUS=1 session, seq ${seq + 1}, last change \\d\\d:\\d\\d:\\d\\d kitchen_light_main by cli$`).test(m)),
	r.messages.join(' | '));
});

test('--listen: READY=1 once listening', () => {
	const r = run(['--listen', path.join(home.dir, 'n.sock'), '--db', home.db]);
	assert.equal(r.rc, 0);
	assert.match(r.messages[0], /^READY=1/m);
	assert.ok(r.messages.filter((m) => m === 'WATCHDOG=1').length >= 2);
});
