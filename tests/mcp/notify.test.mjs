// SPDX-License-Identifier: MIT
// notify.test.mjs -- Type=notify: READY=1 once serving, WATCHDOG=1 from the
// loop when the unit has a watchdog, STOPPING=1 and exit 0 on SIGTERM.
// tests/mcp/notify.py plays systemd's side of the notify socket.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';

import { makeHome, MCP } from './helpers.mjs';

const NOTIFY = path.resolve('tests/mcp/notify.py');
let home;
before(() => { home = makeHome(); });
after(() => home.rm());

function run(args) {
	return JSON.parse(execFileSync('python3', [NOTIFY, '100000', MCP, ...args], { encoding: 'utf8' }));
}

test('--stdio: READY=1, then watchdog pings, then STOPPING=1', () => {
	const r = run(['--stdio', '--db', home.db]);
	assert.equal(r.rc, 0);
	assert.match(r.messages[0], /^READY=1/m);
	assert.ok(r.messages.filter((m) => m === 'WATCHDOG=1').length >= 2);
	assert.ok(r.messages.some((m) => m.startsWith('STOPPING=1')));
});

test('--listen: READY=1 once listening', () => {
	const r = run(['--listen', path.join(home.dir, 'n.sock'), '--db', home.db]);
	assert.equal(r.rc, 0);
	assert.match(r.messages[0], /^READY=1/m);
	assert.ok(r.messages.filter((m) => m === 'WATCHDOG=1').length >= 2);
});
