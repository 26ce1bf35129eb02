// SPDX-License-Identifier: MIT
// fakes.test.mjs -- the test harness itself: the private broker and the fake
// devices speak each dialect as documented, seen from a plain MQTT client.
// If these drift, every end-to-end test after them proves nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { startBroker } from './broker.mjs';
import { FakeZ2M, Z2M_DEVICES } from '../fakes/z2m.mjs';
import { FakeTasmota } from '../fakes/tasmota.mjs';
import { FakeShelly } from '../fakes/shelly.mjs';

let broker;
before(async () => { broker = await startBroker(); });
after(async () => { await broker.close(); });

// A plain client that records every message on the filters it is given.
async function watcher(filters) {
	const c = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
	const msgs = [];
	const waiters = [];
	c.on('message', (topic, p, pkt) => {
		msgs.push({ topic, text: p.toString(), retain: pkt.retain });
		waiters.splice(0).forEach((f) => f());
	});
	await c.subscribeAsync(filters, { qos: 1 });
	return {
		c, msgs,
		async next(pred, ms = 3000) {
			const deadline = Date.now() + ms;
			for (;;) {
				const m = msgs.find(pred);
				if (m)
					return m;
				if (Date.now() > deadline)
					throw new Error(`no matching message; got ${JSON.stringify(msgs.map((x) => x.topic))}`);
				await new Promise((r) => { waiters.push(r); setTimeout(r, 50); });
			}
		},
		end: () => c.endAsync(true),
	};
}

test('two private brokers get two free ports, and one restarts on its port', async () => {
	const b2 = await startBroker();
	try {
		assert.notEqual(b2.port, broker.port);
		const port = b2.port;
		await b2.restart();
		assert.equal(b2.port, port);
		const c = await mqtt.connectAsync(b2.url, { reconnectPeriod: 0 });
		await c.endAsync();
	} finally {
		await b2.close();
	}
});

test('a broker with a password file refuses the wrong password', async () => {
	const b2 = await startBroker({ users: { homectl: 'right' } });
	try {
		await assert.rejects(mqtt.connectAsync(b2.url, { username: 'homectl', password: 'wrong', reconnectPeriod: 0 }),
			/Not authorized|Bad username/);
		const c = await mqtt.connectAsync(b2.url, { username: 'homectl', password: 'right', reconnectPeriod: 0 });
		await c.endAsync();
	} finally {
		await b2.close();
	}
});

test('z2m: retained bridge state, devices and availability; /set echoed as full state after the delay', async () => {
	const z = await new FakeZ2M({ url: broker.url, base: 'z2m_a', delayMs: 100 }).start();
	const w = await watcher(['z2m_a/#']);
	try {
		const devs = await w.next((m) => m.topic === 'z2m_a/bridge/devices');
		assert.equal(devs.retain, true);
		assert.deepEqual(JSON.parse(devs.text), Z2M_DEVICES);
		const st = await w.next((m) => m.topic === 'z2m_a/bridge/state');
		assert.deepEqual(JSON.parse(st.text), { state: 'online' });
		const av = await w.next((m) => m.topic === 'z2m_a/kitchen/floor_light/availability');
		assert.equal(av.retain, true);
		assert.deepEqual(JSON.parse(av.text), { state: 'online' });

		w.msgs.length = 0;
		const t0 = Date.now();
		await w.c.publishAsync('z2m_a/Hall Lamp/set', JSON.stringify({ state: 'ON', brightness: 102, color_temp: 333 }));
		const s = await w.next((m) => m.topic === 'z2m_a/Hall Lamp');
		assert.ok(Date.now() - t0 >= 90, 'the echo waits for the radio delay');
		const body = JSON.parse(s.text);
		assert.equal(body.state, 'ON');
		assert.equal(body.brightness, 102);
		assert.equal(body.color_temp, 333);
		assert.equal(body.linkquality, 120, 'the whole cached state, as Zigbee2MQTT publishes it');
		assert.equal(z.sets.at(-1).retain, false);

		// A name with '/' is one device, not a path.
		await w.c.publishAsync('z2m_a/kitchen/floor_light/set', '{"state":"TOGGLE"}');
		const k = await w.next((m) => m.topic === 'z2m_a/kitchen/floor_light');
		assert.equal(JSON.parse(k.text).state, 'ON');
	} finally {
		await w.end();
		await z.stop();
	}
});

test('z2m: a silent device never answers, a wall press reports without /set, availability drops', async () => {
	const z = await new FakeZ2M({ url: broker.url, base: 'z2m_b', delayMs: 20, legacyAvailability: true }).start();
	const w = await watcher(['z2m_b/#']);
	try {
		const av = await w.next((m) => m.topic === 'z2m_b/Hall Lamp/availability');
		assert.equal(av.text, 'online', 'legacy availability is the plain word');
		w.msgs.length = 0;
		await w.c.publishAsync('z2m_b/Silent Bulb/set', '{"state":"ON"}');
		await z.waitSet('Silent Bulb');
		await new Promise((r) => setTimeout(r, 300));
		assert.equal(w.msgs.filter((m) => m.topic === 'z2m_b/Silent Bulb').length, 0);

		await z.press('kitchen/floor_light', { state: 'ON' });
		const p = await w.next((m) => m.topic === 'z2m_b/kitchen/floor_light');
		assert.equal(JSON.parse(p.text).state, 'ON');

		await z.setAvailability('Hall Lamp', false);
		await w.next((m) => m.topic === 'z2m_b/Hall Lamp/availability' && m.text === 'offline');
	} finally {
		await w.end();
		await z.stop();
	}
});

test('z2m: rename and removal republish bridge/devices and clear the old availability', async () => {
	const z = await new FakeZ2M({ url: broker.url, base: 'z2m_c' }).start();
	const w = await watcher(['z2m_c/#']);
	try {
		await w.next((m) => m.topic === 'z2m_c/bridge/devices');
		w.msgs.length = 0;
		await z.rename('Hall Lamp', 'Hallway Lamp');
		const d = await w.next((m) => m.topic === 'z2m_c/bridge/devices');
		const names = JSON.parse(d.text).map((x) => x.friendly_name);
		assert.ok(names.includes('Hallway Lamp') && !names.includes('Hall Lamp'));
		await w.next((m) => m.topic === 'z2m_c/Hall Lamp/availability' && m.text === '');
		await z.remove('Desk Plug');
		await w.next((m) => m.topic === 'z2m_c/bridge/devices' && !m.text.includes('Desk Plug'));
	} finally {
		await w.end();
		await z.stop();
	}
});

test('tasmota: retained discovery and LWT; POWER, Dimmer and Backlog answered on stat/; LWT Offline on a drop', async () => {
	const t = await new FakeTasmota({ url: broker.url }).start();
	const w = await watcher(['tasmota/discovery/#', 'stat/#', 'tele/#']);
	try {
		const cfg = await w.next((m) => m.topic === 'tasmota/discovery/A4CF12D1D2D3/config');
		assert.equal(cfg.retain, true);
		const c = JSON.parse(cfg.text);
		assert.equal(c.t, 'tasmota_D1D2D3');
		assert.equal(c.ft, '%prefix%/%topic%/');
		assert.deepEqual(c.rl, [2, 0, 0, 0, 0, 0, 0, 0]);
		assert.equal(c.lt_st, 1);
		const lwt = await w.next((m) => m.topic === 'tele/tasmota_A1B2C3/LWT');
		assert.equal(lwt.text, 'Online');
		assert.equal(lwt.retain, true);

		await w.c.publishAsync('cmnd/tasmota_A1B2C3/POWER', 'ON');
		const r = await w.next((m) => m.topic === 'stat/tasmota_A1B2C3/RESULT');
		assert.deepEqual(JSON.parse(r.text), { POWER: 'ON' });
		await w.next((m) => m.topic === 'stat/tasmota_A1B2C3/POWER' && m.text === 'ON');

		await w.c.publishAsync('cmnd/tasmota_E1E2E3/POWER2', 'TOGGLE');
		const r2 = await w.next((m) => m.topic === 'stat/tasmota_E1E2E3/RESULT');
		assert.deepEqual(JSON.parse(r2.text), { POWER2: 'ON' });

		await w.c.publishAsync('cmnd/tasmota_D1D2D3/Dimmer', '40');
		const r3 = await w.next((m) => m.topic === 'stat/tasmota_D1D2D3/RESULT');
		assert.deepEqual(JSON.parse(r3.text), { POWER: 'ON', Dimmer: 40 });

		await w.c.publishAsync('cmnd/tasmota_F1F2F3/ShutterPosition1', '30');
		const r4 = await w.next((m) => m.topic === 'stat/tasmota_F1F2F3/RESULT');
		assert.equal(JSON.parse(r4.text).Shutter1.Position, 30);

		w.msgs.length = 0;
		await w.c.publishAsync('cmnd/tasmota_D1D2D3/Backlog', 'Dimmer 70; POWER OFF');
		await w.next((m) => m.topic === 'stat/tasmota_D1D2D3/RESULT' && JSON.parse(m.text).POWER === 'OFF');
		assert.ok(t.commands.every((x) => x.retain === false));

		await t.disconnect('tasmota_A1B2C3');
		await w.next((m) => m.topic === 'tele/tasmota_A1B2C3/LWT' && m.text === 'Offline', 5000);
	} finally {
		await w.end();
		await t.stop();
	}
});

test('shelly: JSON-RPC answered on <src>/rpc with the id, NotifyStatus on events/rpc, errors, online flag', async () => {
	const s = await new FakeShelly({ url: broker.url }).start();
	const w = await watcher(['homectl-test/rpc', '+/events/rpc', '+/online', '+/status/+']);
	try {
		const on = await w.next((m) => m.topic === 'shellyplus1pm-a8032ab1c2d3/online');
		assert.equal(on.text, 'true');
		assert.equal(on.retain, true);
		await w.c.publishAsync('shellyplus1pm-a8032ab1c2d3/rpc', JSON.stringify({ jsonrpc: '2.0', id: 7, src: 'homectl-test',
			method: 'Switch.Set', params: { id: 0, on: true } }));
		const res = await w.next((m) => m.topic === 'homectl-test/rpc');
		assert.deepEqual(JSON.parse(res.text), { id: 7, src: 'shellyplus1pm-a8032ab1c2d3', dst: 'homectl-test', result: { was_on: false } });
		const n = await w.next((m) => m.topic === 'shellyplus1pm-a8032ab1c2d3/events/rpc');
		const f = JSON.parse(n.text);
		assert.equal(f.method, 'NotifyStatus');
		assert.equal(f.params['switch:0'].output, true);

		w.msgs.length = 0;
		await w.c.publishAsync('shellyplus2pm-b8d61a8b9c0d/rpc', JSON.stringify({ id: 8, src: 'homectl-test',
			method: 'Cover.GoToPosition', params: { id: 0, pos: 40 } }));
		const n2 = await w.next((m) => m.topic === 'shellyplus2pm-b8d61a8b9c0d/events/rpc');
		assert.equal(JSON.parse(n2.text).params['cover:0'].current_pos, 40);

		await w.c.publishAsync('shellyplus1pm-a8032ab1c2d3/rpc', JSON.stringify({ id: 9, src: 'homectl-test', method: 'Nope.Nope' }));
		const e = await w.next((m) => m.topic === 'homectl-test/rpc' && JSON.parse(m.text).id === 9);
		assert.equal(JSON.parse(e.text).error.code, 404);

		await s.goOffline('shellyplus1pm-a8032ab1c2d3');
		await w.next((m) => m.topic === 'shellyplus1pm-a8032ab1c2d3/online' && m.text === 'false', 5000);
	} finally {
		await w.end();
		await s.stop();
	}
});
