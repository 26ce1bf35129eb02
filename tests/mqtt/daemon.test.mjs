// SPDX-License-Identifier: MIT
// daemon.test.mjs -- homectl-mqtt as a process: a broker that is down,
// that refuses our credentials, or that comes later never stops it; it
// says so once and keeps its devices offline meanwhile; its arguments and
// its [mqtt] configuration are checked.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Broker } from './broker.mjs';
import { makeHome, startMqttd, sqlite, until, MQTTD } from './helpers.mjs';
import { FakeZ2M } from '../fakes/z2m.mjs';

const cleanups = [];
after(async () => { for (const f of cleanups.reverse()) await f(); });

test('a broker that is not there yet: the daemon is up, says it once, and connects when the broker comes', async () => {
	const home = makeHome();
	const broker = new Broker();
	cleanups.push(() => broker.close(), () => home.cleanup());
	// Pick the port without starting: start() and stop() once.
	await broker.start();
	await broker.stop();
	const d = await startMqttd(home, broker, [], { waitConnected: false });
	cleanups.push(() => d.stop());
	await d.waitLog(/serving /);
	await d.waitLog(/cannot connect/);
	// Three retries later (0.5 s, 1 s, 2 s back-off) it is still one line.
	await new Promise((r) => setTimeout(r, 3800));
	assert.equal(d.log().match(/cannot connect/g).length, 1, d.log());
	assert.equal(d.proc.exitCode, null);
	await broker.start();
	const z = await new FakeZ2M({ url: broker.url }).start();
	cleanups.push(() => z.stop());
	await d.waitLog(/connected as homectl-test/, 40000);
	await until(() => sqlite(home, "SELECT available FROM bindings WHERE device_id = 'hall_lamp'") === 'online',
		10000, 'hall_lamp online');
	// SIGTERM: a clean exit.
	assert.equal(await d.stop(), 0);
});

test('credentials refused: said once, the devices stay offline, the daemon keeps trying', async () => {
	const home = makeHome('[mqtt]\nusername = homectl\npassword = wrong\n');
	const broker = new Broker({ users: { homectl: 'right', z2m: 'z2m' } });
	await broker.start();
	cleanups.push(() => broker.close(), () => home.cleanup());
	const z = await new FakeZ2M({ url: `mqtt://z2m:z2m@127.0.0.1:${broker.port}` }).start();
	cleanups.push(() => z.stop());
	// Bind a device by hand so there is something to keep offline.
	sqlite(home, "INSERT INTO devices(id, name, type, state) VALUES ('lamp', 'Lamp', 'light', 'off');"
		+ "INSERT INTO bindings(device_id, driver, address, available) VALUES ('lamp', 'z2m', 'Hall Lamp', 'online')");
	const d = await startMqttd(home, broker, [], { waitConnected: false });
	cleanups.push(() => d.stop());
	await d.waitLog(/refused the connection: .*(not authori[sz]ed|password)/i);
	await until(() => sqlite(home, "SELECT available FROM bindings WHERE device_id = 'lamp'") === 'offline',
		5000, 'lamp offline');
	await new Promise((r) => setTimeout(r, 2000));
	assert.equal(d.log().match(/refused the connection/g).length, 1, d.log());
	assert.equal(d.proc.exitCode, null);
});

test('TLS: the broker\'s certificate is checked against ca_file; a wrong CA is refused, said once', async () => {
	const broker = new Broker({ tls: true });
	await broker.start();
	const other = new Broker({ tls: true });	// another CA, never started
	const good = makeHome(`[mqtt]\nca_file = ${broker.caFile}\n`);
	const bad = makeHome(`[mqtt]\nca_file = ${other.caFile}\n`);
	cleanups.push(() => broker.close(), () => other.close(), () => good.cleanup(), () => bad.cleanup());
	const d = await startMqttd(good, broker);
	cleanups.push(() => d.stop());
	const e = await startMqttd(bad, broker, [], { waitConnected: false });
	cleanups.push(() => e.stop());
	await e.waitLog(/cannot connect/);
	await new Promise((r) => setTimeout(r, 2000));
	assert.equal(e.log().match(/cannot connect/g).length, 1, e.log());
	assert.doesNotMatch(e.log(), /connected as/);
	assert.equal(e.proc.exitCode, null);
	assert.equal(await d.stop(), 0);
});

test('arguments and the [mqtt] part of homectl.conf are checked', () => {
	const home = makeHome();
	cleanups.push(() => home.cleanup());
	const run = (args) => spawnSync(MQTTD, args, { encoding: 'utf8', timeout: 5000 });
	let r = run(['--help']);
	assert.equal(r.status, 0);
	assert.match(r.stdout, /--broker HOST:PORT/);
	r = run(['--bogus']);
	assert.equal(r.status, 2);
	r = run(['--db', home.db, '--config', home.conf, '--broker', 'nocolon']);
	assert.notEqual(r.status, 0);
	assert.match(r.stderr, /--broker/);
	const bad = join(home.dir, 'bad.conf');
	writeFileSync(bad, '[mqtt]\nbroker = 127.0.0.1:1883\nbase_topic = a/#\n');
	r = run(['--db', home.db, '--config', bad]);
	assert.notEqual(r.status, 0);
	assert.match(r.stderr, /bad\.conf:3: bad value 'a\/#' for mqtt\.base_topic/);
	writeFileSync(bad, '[mqtt]\nnope = 1\n');
	r = run(['--db', home.db, '--config', bad]);
	assert.match(r.stderr, /bad\.conf:2: unknown setting 'nope' in \[mqtt\]/);
	writeFileSync(bad, '[zigbee]\n');
	r = run(['--db', home.db, '--config', bad]);
	assert.match(r.stderr, /unknown part \[zigbee\]/);
	r = run(['--db', join(home.dir, 'missing.db'), '--config', home.conf]);
	assert.notEqual(r.status, 0);
	assert.match(r.stderr, /homectl init/);
});
