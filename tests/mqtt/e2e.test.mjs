// SPDX-License-Identifier: MIT
// e2e.test.mjs -- real devices end to end: a private mosquitto, the fake
// Zigbee2MQTT, Tasmota and Shelly devices, homectl-mqtt, homectl-api (REST
// and WebSocket) and homectl-mcp (the official SDK), all real processes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBroker } from './broker.mjs';
import { makeHome, startMqttd, sqlite, until, observer, sleep } from './helpers.mjs';
import { startApi, api, connect as wsConnect, homectl } from '../api/helpers.mjs';
import { connect as mcpConnect, call, closeAll } from '../mcp/helpers.mjs';
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { FakeZ2M } from '../fakes/z2m.mjs';
import { FakeTasmota } from '../fakes/tasmota.mjs';
import { FakeShelly } from '../fakes/shelly.mjs';

let broker, home, z2m, tasmota, shelly, mqttd, apid;

before(async () => {
	broker = await startBroker();
	home = makeHome();
	z2m = await new FakeZ2M({ url: broker.url, delayMs: 40 }).start();
	tasmota = await new FakeTasmota({ url: broker.url }).start();
	shelly = await new FakeShelly({ url: broker.url }).start();
	mqttd = await startMqttd(home, broker);
	apid = await startApi(home, ['--config', home.conf]);
	// Every catalog bound, and the first states asked for and reported.
	await until(() => sqlite(home, "SELECT count(*) FROM bindings WHERE available = 'online'") >= 21,
		15000, 'the devices to come online');
});

after(async () => {
	await closeAll();
	await apid?.stop();
	await mqttd?.stop();
	await z2m?.stop();
	await tasmota?.stop();
	await shelly?.stop();
	await broker?.close();
	home?.cleanup();
});

const device = async (id) => (await api(apid, `/api/devices/${encodeURIComponent(id)}`)).json;
const digest = () => sqlite(home, "SELECT group_concat(id || '|' || state || '|' || properties, ';')"
	+ ' FROM (SELECT * FROM devices ORDER BY id)');

test('bridge/devices, Tasmota discovery and Shelly components become bound devices', async () => {
	const lamp = await device('hall_lamp');
	assert.equal(lamp.type, 'light');
	assert.equal(lamp.driver, 'z2m');
	assert.equal(lamp.address, 'Hall Lamp');
	assert.equal(lamp.available, 'online');
	assert.equal(lamp.pending, null);
	// A friendly name with '/' is one device.
	assert.equal((await device('kitchen_floor_light')).address, 'kitchen/floor_light');
	// The demo home already has garage_door: the Zigbee one got the next id.
	assert.equal((await device('garage_door')).driver, 'sim');
	assert.equal((await device('garage_door_2')).address, 'Garage Door');
	assert.equal((await device('porch_dimmer')).driver, 'tasmota');
	assert.equal((await device('study_shutter')).type, 'blinds');
	assert.equal((await device('shellyplus1pm_a8032ab1c2d3')).type, 'plug');
	// Simulated devices are as they were.
	const sim = await device('bathroom_light');
	assert.equal(sim.driver, 'sim');
	assert.equal(sim.available, 'online');
	// The coordinator, the disabled and the unsupported device are not devices.
	assert.equal(sqlite(home, "SELECT count(*) FROM bindings WHERE address IN ('Coordinator',"
		+ " 'Disabled Bulb', 'Unknown Gadget', 'Joining Bulb')"), '0');
});

test('REST on a Zigbee light: /set reaches the fake (not retained), the answer is the confirmed state, WebSocket sees pending then the report', async () => {
	const [ws] = await wsConnect(apid);
	const from = ws.msgs.length;
	const n = z2m.sets.length;
	const t0 = Date.now();
	const res = await api(apid, '/api/devices/hall_lamp/actions',
		{ method: 'POST', body: { action: 'set', properties: { brightness: 40 } } });
	assert.equal(res.status, 200, res.text);
	const d = res.json.devices[0];
	assert.equal(d.state, 'on');
	assert.equal(d.properties.brightness, 40);
	assert.equal(d.pending, null);
	assert.ok(Date.now() - t0 >= 40, 'answered after the device did');
	const set = await z2m.waitSet('Hall Lamp', () => true, 3000, n);
	assert.deepEqual(set.payload, { state: 'ON', brightness: 102 });
	assert.equal(set.retain, false);
	// The WebSocket saw the command (by api), then the device's report.
	const cmd = await ws.next((m) => m.type === 'changes' && m.changes.some((c) => c.kind === 'command'
		&& c.command.device_id === 'hall_lamp'), 3000, from);
	const row = cmd.changes.find((c) => c.kind === 'command');
	assert.equal(row.source, 'api');
	assert.equal(row.command.state, 'on');
	const rep = await ws.device('hall_lamp', (x) => x.state === 'on' && x.properties.brightness === 40);
	const change = rep.changes.find((c) => c.kind === 'device' && c.device.id === 'hall_lamp'
		&& c.device.state === 'on');
	assert.equal(change.source, 'device');
	ws.close();
});

test('MCP control_device on a Zigbee light answers with the confirmed state', async () => {
	const client = await mcpConnect(home.db, ['--config', home.conf]);
	const n = z2m.sets.length;
	const r = await call(client, 'control_device', { device_id: 'hall_lamp', action: 'set',
		brightness: 75, color_temp: 3000 });
	assert.ok(!r.isError, JSON.stringify(r));
	const d = r.structuredContent.devices[0];
	assert.equal(d.state, 'on');
	assert.equal(d.properties.brightness, 75);
	assert.equal(d.properties.color_temp, 3003, 'what the bulb reports: 333 mired');
	const set = await z2m.waitSet('Hall Lamp', () => true, 3000, n);
	assert.deepEqual(set.payload, { state: 'ON', brightness: 191, color_temp: 333 });
	assert.equal(z2m.state.get('Hall Lamp').brightness, 191);
});

test('MCP over HTTP (/mcp on homectl-api): the answer waits for the device too', async () => {
	const c = new McpClient({ name: 'mqtt-e2e', version: '1' });
	const t = new StreamableHTTPClientTransport(new URL(`${apid.base}/mcp`),
		{ requestInit: { headers: { Authorization: `Bearer ${home.token}` } } });
	await c.connect(t);
	try {
		const n = z2m.sets.length;
		const r = await c.callTool({ name: 'control_device', arguments: { device_id: 'hall_lamp',
			action: 'set', brightness: 20 } });
		assert.ok(!r.isError, JSON.stringify(r));
		assert.equal(r.structuredContent.devices[0].properties.brightness, 20);
		assert.equal(r.structuredContent.devices[0].pending, null, 'confirmed, not pending');
		await z2m.waitSet('Hall Lamp', (p) => p.brightness === 51, 3000, n);
		const t0 = Date.now();
		const s = await c.callTool({ name: 'control_device', arguments: { device_id: 'silent_bulb',
			action: 'on' } });
		assert.equal(s.isError, true);
		assert.match(s.content[0].text, /silent_bulb did not respond/);
		assert.ok(Date.now() - t0 >= 1400);
	} finally {
		await c.close();
	}
});

test('a device that never answers: 504 device_timeout, MCP isError, and it keeps its reported state', async () => {
	const before = await device('silent_bulb');
	const t0 = Date.now();
	const res = await api(apid, '/api/devices/silent_bulb/actions', { method: 'POST', body: { action: 'on' } });
	assert.equal(res.status, 504, res.text);
	assert.equal(res.json.error.code, 'device_timeout');
	assert.match(res.json.error.message, /silent_bulb did not respond within 1\.5 s \(Zigbee2MQTT\); it keeps its reported state \(off\)/);
	assert.ok(Date.now() - t0 >= 1400);
	const after = await device('silent_bulb');
	assert.equal(after.state, before.state);
	assert.equal(after.pending, null);
	// The request reached the device; it just never answered.
	assert.ok(z2m.sets.some((s) => s.name === 'Silent Bulb'));
	const client = await mcpConnect(home.db, ['--config', home.conf]);
	const r = await call(client, 'control_device', { device_id: 'silent_bulb', action: 'on' });
	assert.equal(r.isError, true);
	assert.match(r.content[0].text, /did not respond/);
	// The CLI says so too, with a non-zero status.
	assert.throws(() => homectl(home, '--config', home.conf, 'set', 'silent_bulb', 'on'), /did not respond/);
});

test('an offline device is refused: REST 503 device_unavailable, MCP isError; WebSocket shows it offline', async () => {
	const [ws] = await wsConnect(apid);
	await z2m.setAvailability('Desk Plug', false);
	await ws.device('desk_plug', (x) => x.available === 'offline');
	const res = await api(apid, '/api/devices/desk_plug/actions', { method: 'POST', body: { action: 'on' } });
	assert.equal(res.status, 503);
	assert.equal(res.json.error.code, 'device_unavailable');
	assert.match(res.json.error.message, /desk_plug is offline/);
	const client = await mcpConnect(home.db, ['--config', home.conf]);
	const r = await call(client, 'control_device', { device_id: 'desk_plug', action: 'on' });
	assert.equal(r.isError, true);
	assert.match(r.content[0].text, /offline/);
	// Both availability forms: Zigbee2MQTT 1.x plain words too.
	await z2m.pub('zigbee2mqtt/Desk Plug/availability', 'online', { retain: true });
	await ws.device('desk_plug', (x) => x.available === 'online');
	ws.close();
});

test('a wall-switch press reaches WebSocket clients with source device', async () => {
	const [ws] = await wsConnect(apid);
	const from = ws.msgs.length;
	await z2m.press('kitchen/floor_light', { state: 'ON' });
	const m = await ws.device('kitchen_floor_light', (x) => x.state === 'on', 5000);
	assert.equal(m.changes.find((c) => c.device?.id === 'kitchen_floor_light').source, 'device');
	assert.ok(ws.msgs.length > from);
	// And a Tasmota button.
	await tasmota.press('tasmota_E1E2E3', 2);
	await ws.device('hall_right', (x) => x.state === 'on', 5000);
	// And a Shelly's own change, reported as NotifyStatus.
	await shelly.change('shellyplus1pm-a8032ab1c2d3', 'switch:0', { output: true, apower: 12.5 });
	await ws.device('shellyplus1pm_a8032ab1c2d3', (x) => x.state === 'on' && x.properties.power === 12.5);
	ws.close();
});

test('Tasmota and Shelly relays, dimmers and covers through REST', async () => {
	let r = await api(apid, '/api/devices/porch_dimmer/actions',
		{ method: 'POST', body: { action: 'set', properties: { brightness: 30 } } });
	assert.equal(r.status, 200, r.text);
	assert.equal(r.json.devices[0].properties.brightness, 30);
	assert.ok(tasmota.commands.some((c) => c.cmd === 'Dimmer' && c.payload === '30' && !c.retain));
	r = await api(apid, '/api/devices/study_shutter/actions',
		{ method: 'POST', body: { action: 'set', properties: { position: 60 } } });
	assert.equal(r.status, 200, r.text);
	assert.equal(r.json.devices[0].state, 'partial');
	r = await api(apid, '/api/devices/kitchen_plug/actions', { method: 'POST', body: { action: 'on' } });
	assert.equal(r.status, 200, r.text);
	assert.ok(tasmota.commands.some((c) => c.cmd === 'POWER1' && c.payload === 'ON'));
	r = await api(apid, '/api/devices/shellyplus2pm_b8d61a8b9c0d/actions',
		{ method: 'POST', body: { action: 'set', properties: { position: 40 } } });
	assert.equal(r.status, 200, r.text);
	assert.equal(r.json.devices[0].properties.position, 40);
	const req = await shelly.waitRequest('shellyplus2pm-b8d61a8b9c0d', (f) => f.method === 'Cover.GoToPosition');
	assert.equal(req.frame.src, 'homectl-test');
	assert.equal(req.retain, false);
	r = await api(apid, '/api/devices/shellyprodm1pm_34987a112233/actions',
		{ method: 'POST', body: { action: 'set', properties: { brightness: 70 } } });
	assert.equal(r.status, 200, r.text);
	assert.equal(r.json.devices[0].state, 'on');
	assert.equal(r.json.devices[0].properties.brightness, 70);
});

test('malformed payloads on every topic are logged and ignored, and the home is untouched', async () => {
	const obs = await observer(broker);
	const before = digest();
	const garbage = ['', 'ON', '{', '[1,2]', 'null', '{"state":42}', '{"brightness":"x"}', '\u00ff\u00fe',
		'{"state":"ON"} trailing', 'x'.repeat(70000)];
	const topics = ['zigbee2mqtt/Hall Lamp', 'zigbee2mqtt/Hall Lamp/availability', 'zigbee2mqtt/bridge/state',
		'zigbee2mqtt/kitchen/floor_light', 'stat/tasmota_A1B2C3/RESULT', 'tele/tasmota_D1D2D3/STATE',
		'tele/tasmota_A1B2C3/LWT', 'shellyplus1pm-a8032ab1c2d3/events/rpc',
		'shellyplus1pm-a8032ab1c2d3/status/switch:0', 'homectl-test/rpc',
		'homectl/home/hall_lamp/set', 'homectl/home/bathroom_light/set_position', 'homectl/home/nope/set'];
	for (const t of topics)
		for (const g of garbage)
			await obs.c.publishAsync(t, g, { qos: 1 });
	// Retained catalogs too, then put the real ones back.
	await obs.c.publishAsync('zigbee2mqtt/bridge/devices', '{"not":"an array"}', { qos: 1 });
	await obs.c.publishAsync('tasmota/discovery/A4CF12000000/config', 'garbage', { qos: 1 });
	// A marker the daemon handles after all of the above (one connection,
	// QoS 1, in order): a real report.
	await z2m.press('Stairs Double Switch', { state_left: 'ON' });
	await until(() => sqlite(home, "SELECT state FROM devices WHERE id = 'stairs_double_switch_left'") === 'on',
		10000, 'the marker report');
	const after = digest().replace(/stairs_double_switch_left\|on/, 'stairs_double_switch_left|off');
	assert.equal(after, before);
	assert.match(mqttd.log(), /ignored a message on/);
	assert.equal(mqttd.proc.exitCode, null);
	await obs.end();
});

test('a rename in Zigbee2MQTT keeps the device, its id and its history', async () => {
	const seqBefore = Number(sqlite(home, "SELECT count(*) FROM changes WHERE device_id = 'ceiling_fan'"));
	await z2m.rename('Ceiling Fan', 'Bedroom/Ceiling Fan');
	await until(async () => (await device('ceiling_fan')).address === 'Bedroom/Ceiling Fan', 10000, 'the rename');
	assert.equal(sqlite(home, "SELECT count(*) FROM devices WHERE id LIKE 'bedroom_ceiling_fan%'"), '0');
	const r = await api(apid, '/api/devices/ceiling_fan/actions',
		{ method: 'POST', body: { action: 'set', properties: { speed: 2 } } });
	assert.equal(r.status, 200, r.text);
	assert.equal(r.json.devices[0].properties.speed, 2);
	assert.ok(Number(sqlite(home, "SELECT count(*) FROM changes WHERE device_id = 'ceiling_fan'")) > seqBefore);
	// A removal: the device goes offline, its history stays.
	await z2m.remove('Hall Motion');
	await until(async () => (await device('hall_motion')).available === 'offline', 10000, 'the removal');
});

test('Home Assistant: retained discovery configs, commands through the same path, re-sent when HA comes online', async () => {
	const obs = await observer(broker, ['homeassistant/#', 'homectl/home/+/state']);
	const cfg = await obs.next((m) => m.topic === 'homeassistant/light/homectl_home/hall_lamp/config');
	assert.equal(cfg.retain, true, JSON.stringify(obs.msgs.filter((m) => m.topic.includes('hall_lamp')).map((m) => [m.topic, m.retain])));
	const c = JSON.parse(cfg.text);
	assert.equal(c.unique_id, 'homectl_home_hall_lamp');
	assert.equal(c.origin.name, 'homectl');
	assert.equal(c.device.identifiers[0], 'homectl_home_hall_lamp');
	assert.equal(c.availability[0].topic, 'homectl/home/status');
	// A command from Home Assistant on a simulated device: changed by ops, source hass.
	await obs.c.publishAsync('homectl/home/bathroom_fan/set', 'ON', { qos: 1 });
	await until(() => sqlite(home, "SELECT state FROM devices WHERE id = 'bathroom_fan'") === 'on', 5000, 'HA command');
	assert.equal(sqlite(home, "SELECT source FROM changes WHERE device_id = 'bathroom_fan' ORDER BY seq DESC LIMIT 1"), 'hass');
	await obs.next((m) => m.topic === 'homectl/home/bathroom_fan/state' && JSON.parse(m.text).state === 'ON');
	// Retained: a Home Assistant that connects later has it at once.
	const late = await observer(broker, ['homectl/home/bathroom_fan/state']);
	const st = await late.next(() => true);
	assert.equal(st.retain, true);
	assert.equal(JSON.parse(st.text).state, 'ON');
	await late.end();
	// On a real one: the command goes to the device, like any other.
	const n = z2m.sets.length;
	await obs.c.publishAsync('homectl/home/hall_lamp/set', JSON.stringify({ state: 'OFF' }), { qos: 1 });
	await z2m.waitSet('Hall Lamp', (p) => p.state === 'OFF', 5000, n);
	// Home Assistant restarted: everything again.
	obs.msgs.length = 0;
	await obs.c.publishAsync('homeassistant/status', 'online', { qos: 1 });
	await obs.next((m) => m.topic === 'homeassistant/lock/homectl_home/front_door_lock/config');
	await obs.end();
});

test('a broker restart in the middle of a burst loses nothing that was committed', async () => {
	const [ws] = await wsConnect(apid);
	const first = ws.msgs.length;
	const results = [];
	let restarted = false;
	// 30 commands, a broker restart after the tenth, and on until five in a
	// row succeed again (bounded: a loaded machine reconnects slowly).
	const deadline = Date.now() + 30000;
	for (let i = 0; i < 30 || (results.slice(-5).some((r) => r.status !== 200) && Date.now() < deadline); i++) {
		if (i === 10) {
			await broker.restart();
			restarted = true;
		}
		const b = 10 + (i * 3) % 90;
		const r = await api(apid, '/api/devices/porch_dimmer/actions',
			{ method: 'POST', body: { action: 'set', properties: { brightness: b } } });
		results.push({ b, status: r.status, got: r.json?.devices?.[0]?.properties?.brightness, err: r.json?.error });
		if (r.status === 503)
			await sleep(100);	// offline while the broker is away
	}
	assert.ok(restarted);
	// Every answer is either the confirmed value or a clear refusal.
	for (const r of results)
		assert.ok((r.status === 200 && r.got === r.b) || [503, 504].includes(r.status), JSON.stringify(r));
	assert.ok(results.slice(-5).every((r) => r.status === 200), JSON.stringify(results.slice(-5)));
	// The devices went offline (the clients saw it) and came back.
	assert.ok(ws.msgs.some((m) => m.type === 'changes' && m.changes.some((c) =>
		c.device?.id === 'porch_dimmer' && c.device.available === 'offline')), 'offline while the broker was away');
	await until(async () => (await device('porch_dimmer')).available === 'online', 10000, 'back online');
	// Said once, not once per retry.
	assert.equal(mqttd.log().match(/connection lost/g).length, 1, mqttd.log());
	// The WebSocket client saw every committed change: no gap in seq.
	const newest = Number(sqlite(home, "SELECT seq FROM sqlite_sequence WHERE name = 'changes'"));
	await until(() => ws.msgs.some((m) => m.seq >= newest), 5000, 'the newest seq on the WebSocket');
	const seqs = ws.msgs.slice(first).filter((m) => m.type === 'changes').flatMap((m) => m.changes.map((c) => c.seq));
	for (let i = 1; i < seqs.length; i++)
		assert.equal(seqs[i], seqs[i - 1] + 1, `gap after seq ${seqs[i - 1]}`);
	// What homectl shows is what the device has.
	const last = results.filter((r) => r.status === 200).at(-1);
	assert.equal((await device('porch_dimmer')).properties.brightness, last.b);
	assert.equal(tasmota.state.get('tasmota_D1D2D3').dimmer, last.b);
	ws.close();
});

test('homectl-mqtt ends cleanly on SIGTERM (under make SANITIZE=1: no leak, no report)', async () => {
	const code = await mqttd.stop();
	assert.equal(code, 0, mqttd.log().split('\n').filter((l) => /Sanitizer|runtime error/.test(l)).join('\n'));
	assert.doesNotMatch(mqttd.log(), /Sanitizer|runtime error:/);
});
