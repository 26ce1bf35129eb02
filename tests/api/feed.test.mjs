// SPDX-License-Identifier: MIT
// feed.test.mjs -- change detection, proven: a change committed by another
// process (the homectl CLI, the sqlite3 shell, homectl-mcp) reaches every
// client, also after a WAL checkpoint, with the WAL created afresh, and
// with inotify disabled (the fallback timer alone).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { makeHome, startApi, homectl, sqlite, connect, haveMcp, MCP, sleep } from './helpers.mjs';

const N = 5;	// clients per check

let home, d, clients;
before(async () => {
	home = makeHome();
	// Every other process has closed the database: no WAL file now.
	assert.equal(existsSync(`${home.db}-wal`), false, 'the WAL is gone before the daemon starts');
	d = await startApi(home);
	clients = await Promise.all(Array.from({ length: N }, () => connect(d)));
});
after(async () => {
	clients?.forEach(([c]) => c.close());
	await d.stop();
	home.cleanup();
});

let bright = 1;
// Makes a change with write(value) and waits for every client to see it.
async function everyoneSees(write, id = 'living_room_light_lamp', src) {
	const v = bright++;
	await write(v);
	for (const [c] of clients) {
		const m = await c.device(id, (x) => x.properties.brightness === v);
		if (src)
			assert.equal(m.changes.find((x) => x.device?.id === id).source, src);
	}
}

test('a change by the homectl CLI reaches every client', async () => {
	await everyoneSees((v) => homectl(home, 'set', 'living_room_light_lamp', 'set', '--brightness', String(v)),
		'living_room_light_lamp', 'cli');
});

test('a change by the sqlite3 shell reaches every client', async () => {
	await everyoneSees((v) => sqlite(home, `UPDATE devices SET properties = json_set(properties, '$.brightness', ${v}) WHERE id = 'living_room_light_lamp'`),
		'living_room_light_lamp', 'unknown');
});

test('after PRAGMA wal_checkpoint(TRUNCATE), changes still arrive', async () => {
	for (let i = 0; i < 3; i++) {
		sqlite(home, 'PRAGMA wal_checkpoint(TRUNCATE)');
		assert.equal(statSync(`${home.db}-wal`).size, 0, 'the WAL was truncated');
		await everyoneSees((v) => sqlite(home, `UPDATE devices SET properties = json_set(properties, '$.brightness', ${v}) WHERE id = 'living_room_light_lamp'`));
		await everyoneSees((v) => homectl(home, 'set', 'living_room_light_lamp', 'set', '--brightness', String(v)));
	}
});

test('many short-lived writers in a row: nothing missed, in order', async () => {
	const [c, snap] = await connect(d);
	for (let i = 0; i < 20; i++)
		sqlite(home, `UPDATE devices SET properties = json_set(properties, '$.brightness', ${i + 50}) WHERE id = 'bedroom_light_main'`);
	await c.device('bedroom_light_main', (x) => x.properties.brightness === 69);
	const seen = c.msgs.filter((m) => m.type === 'changes').flatMap((m) => m.changes)
		.filter((x) => x.device?.id === 'bedroom_light_main').map((x) => x.device.properties.brightness);
	assert.deepEqual(seen, Array.from({ length: 20 }, (_, i) => i + 50));
	const seqs = c.msgs.filter((m) => m.type === 'changes').flatMap((m) => m.changes.map((x) => x.seq));
	assert.ok(seqs[0] > snap.seq);
	for (let i = 1; i < seqs.length; i++)
		assert.equal(seqs[i], seqs[i - 1] + 1, 'no seq skipped');
	c.close();
});

// One MCP session over stdio: initialize, then a tools/call.
async function mcpCall(db, name, args) {
	const p = spawn(MCP, ['--stdio', '--db', db, '--config', '/dev/null'], { stdio: ['pipe', 'pipe', 'ignore'] });
	let buf = '';
	const waitId = (id) => new Promise((res, rej) => {
		const t = setTimeout(() => rej(new Error('no MCP answer')), 5000);
		const on = (x) => {
			buf += x;
			for (const line of buf.split('\n')) {
				try {
					const m = JSON.parse(line);
					if (m.id === id) {
						clearTimeout(t);
						p.stdout.off('data', on);
						res(m);
						return;
					}
				} catch { /* partial */ }
			}
		};
		p.stdout.on('data', on);
	});
	const send = (m) => p.stdin.write(JSON.stringify(m) + '\n');
	send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'api-test', version: '1' } } });
	await waitId(1);
	send({ jsonrpc: '2.0', method: 'notifications/initialized' });
	send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name, arguments: args } });
	const r = await waitId(2);
	// Wait for it to go before the next test starts its own daemons.
	const gone = new Promise((res) => p.on('exit', res));
	p.stdin.end();
	if (p.exitCode === null && p.signalCode === null)
		await gone;
	return r;
}

test('a change by homectl-mcp reaches every client', { skip: !haveMcp() && 'build/homectl-mcp is missing' }, async () => {
	await everyoneSees(async (v) => {
		const r = await mcpCall(home.db, 'control_device', { action: 'set', device_id: 'living_room_light_lamp', brightness: v });
		assert.notEqual(r.result?.isError, true, JSON.stringify(r));
	}, 'living_room_light_lamp', 'mcp');
});

test('homectl-api leaves the end of a sprinkler to homectl-automations', async () => {
	// Started 3 minutes ago for 2 minutes, by hand: overdue, but time is not
	// this socket-activated daemon's to keep (it may not be running).
	sqlite(home, "UPDATE devices SET state = 'on', properties = json_set(properties, '$.duration', 2, '$.started_at', strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-3 minutes')) WHERE id = 'outdoor_sprinkler_front_yard'");
	for (const [c] of clients)
		await c.device('outdoor_sprinkler_front_yard', (x) => x.state === 'on');
	await sleep(1500);
	assert.equal(sqlite(home, "SELECT state FROM devices WHERE id = 'outdoor_sprinkler_front_yard'").trim(), 'on');
	homectl(home, 'set', 'outdoor_sprinkler_front_yard', 'off');
});

test('with --no-inotify the fallback timer alone delivers', async () => {
	const d2 = await startApi(home, ['--no-inotify', '--update-check-interval', '50']);
	try {
		const [c] = await connect(d2);
		sqlite(home, "UPDATE devices SET properties = json_set(properties, '$.brightness', 77) WHERE id = 'kitchen_light_counter'");
		await c.device('kitchen_light_counter', (x) => x.properties.brightness === 77);
		homectl(home, 'set', 'kitchen_light_counter', 'set', '--brightness', '78');
		await c.device('kitchen_light_counter', (x) => x.properties.brightness === 78);
		c.close();
	} finally {
		await d2.stop();
	}
	// With neither inotify nor a timer nothing foreign would arrive: the
	// timer above is what delivered.
	const d3 = await startApi(home, ['--no-inotify', '--update-check-interval', '0']);
	try {
		const [c] = await connect(d3);
		sqlite(home, "UPDATE devices SET properties = json_set(properties, '$.brightness', 79) WHERE id = 'kitchen_light_counter'");
		await assert.rejects(c.device('kitchen_light_counter', (x) => x.properties.brightness === 79, 1500));
		c.close();
	} finally {
		await d3.stop();
	}
});

test('the WAL deleted and created afresh while the daemon is down, then changes', async () => {
	// Stop everything that holds the database: the WAL goes away.
	clients.forEach(([c]) => c.close());
	await d.stop();
	assert.equal(existsSync(`${home.db}-wal`), false, 'the last connection removed the WAL');
	// A writer while nobody watches, then the daemon again: it starts from
	// the feed, and a fresh WAL carries the next changes.
	homectl(home, 'set', 'living_room_light_lamp', 'set', '--brightness', '99');
	d = await startApi(home);
	clients = await Promise.all(Array.from({ length: N }, () => connect(d)));
	for (const [, snap] of clients)
		assert.equal(snap.devices.find((x) => x.id === 'living_room_light_lamp').properties.brightness, 99);
	await everyoneSees((v) => sqlite(home, `UPDATE devices SET properties = json_set(properties, '$.brightness', ${v}) WHERE id = 'living_room_light_lamp'`));
	await everyoneSees((v) => homectl(home, 'set', 'living_room_light_lamp', 'set', '--brightness', String(v)));
	await sleep(10);
});
