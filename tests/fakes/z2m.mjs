// SPDX-License-Identifier: MIT
// z2m.mjs -- a fake Zigbee2MQTT bridge that speaks its MQTT API as the
// Zigbee2MQTT documentation describes it (guide/usage/mqtt_topics_and_messages):
// retained `bridge/state`, `bridge/info` and `bridge/devices`, retained
// `<name>/availability`, the device state as JSON on `<name>` after every
// change, `<name>/set` and `<name>/get`.  The radio is replaced by a delay.
// Tests drive the "physical world" through its methods: press a wall
// switch, drop a device off the network, rename or remove it.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';

const here = dirname(fileURLToPath(import.meta.url));
export const Z2M_DEVICES = JSON.parse(readFileSync(join(here, 'z2m', 'bridge-devices.json'), 'utf8'));

// The state a device reports before anyone touched it, from its exposes.
function initialState(dev) {
	const s = {};
	const walk = (e) => {
		if (e.features)
			return e.features.forEach(walk);
		if (!e.property || !(e.access & 1))
			return;
		if (e.type === 'binary')
			s[e.property] = e.value_off;
		else if (e.type === 'numeric')
			s[e.property] = e.property === 'local_temperature' || e.property === 'temperature' ? 20.5
				: e.property.endsWith('setpoint') ? 20 : e.value_min ?? 0;
		else if (e.type === 'enum')
			s[e.property] = e.values[0];
	};
	(dev.definition?.exposes || []).forEach(walk);
	if ('lock_state' in s)
		s.lock_state = s.state === 'LOCK' ? 'locked' : 'unlocked';
	if ('position' in s)
		s.state = s.position > 0 ? 'OPEN' : 'CLOSE';
	if ('linkquality' in s)
		s.linkquality = 120;
	return s;
}

export class FakeZ2M {
	// opts: url, base ('zigbee2mqtt'), delayMs (echo delay, default 30),
	// legacyAvailability (plain online/offline instead of JSON), silent
	// (friendly names that never answer), devices (bridge/devices array).
	constructor(opts) {
		this.url = opts.url;
		this.base = opts.base || 'zigbee2mqtt';
		this.delayMs = opts.delayMs ?? 30;
		this.legacy = !!opts.legacyAvailability;
		this.silent = new Set(opts.silent || ['Silent Bulb']);
		this.devices = structuredClone(opts.devices || Z2M_DEVICES);
		this.state = new Map();
		for (const d of this.devices)
			if (d.definition && d.type !== 'Coordinator')
				this.state.set(d.friendly_name, initialState(d));
		this.sets = [];		// every /set received: {name, payload, retain, at}
		this.waiters = [];
	}

	async start() {
		this.client = mqtt.connect(this.url, {
			clientId: `fake-z2m-${process.pid}-${Math.random().toString(16).slice(2, 8)}`,
			will: { topic: `${this.base}/bridge/state`, payload: '{"state":"offline"}', retain: true, qos: 1 },
			reconnectPeriod: 200,
		});
		this.client.on('message', (t, p, pkt) => this.onMessage(t, p, pkt));
		await new Promise((res, rej) => {
			this.client.once('connect', res);
			this.client.once('error', rej);
		});
		await this.client.subscribeAsync(`${this.base}/#`, { qos: 1 });
		await this.announce();
		// After a broker restart, announce again as Zigbee2MQTT does.
		this.client.on('connect', () => this.announce().catch(() => {}));
		return this;
	}

	pub(topic, payload, opts = {}) {
		const p = typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload);
		return this.client.publishAsync(topic, p, { qos: 1, ...opts });
	}

	// What Zigbee2MQTT publishes when it starts (and after a reconnect).
	async announce() {
		await this.pub(`${this.base}/bridge/state`, { state: 'online' }, { retain: true });
		await this.pub(`${this.base}/bridge/info`, { version: '2.1.0', commit: 'fake', coordinator: { type: 'zStack3x0' },
			config: { advanced: { legacy_availability_payload: this.legacy } } }, { retain: true });
		await this.publishDevices();
		for (const name of this.state.keys()) {
			await this.setAvailability(name, true);
			await this.report(name);
		}
	}

	publishDevices() {
		return this.pub(`${this.base}/bridge/devices`, this.devices, { retain: true });
	}

	report(name) {
		return this.pub(`${this.base}/${name}`, this.state.get(name));
	}

	setAvailability(name, online) {
		const v = online ? 'online' : 'offline';
		return this.pub(`${this.base}/${name}/availability`, this.legacy ? v : { state: v }, { retain: true });
	}

	// A person at the wall: the device changes without any /set.
	async press(name, patch) {
		Object.assign(this.state.get(name), patch);
		await this.report(name);
	}

	// Renames a device the way `bridge/request/device/rename` does: new
	// topics, the old retained availability cleared, bridge/devices again.
	async rename(from, to) {
		const d = this.devices.find((x) => x.friendly_name === from);
		d.friendly_name = to;
		this.state.set(to, this.state.get(from));
		this.state.delete(from);
		await this.pub(`${this.base}/${from}/availability`, '', { retain: true });
		await this.publishDevices();
		await this.pub(`${this.base}/bridge/event`, { type: 'device_renamed', data: { from, to, homeassistant_rename: false } });
		await this.setAvailability(to, true);
		await this.report(to);
	}

	async remove(name) {
		const d = this.devices.find((x) => x.friendly_name === name);
		this.devices = this.devices.filter((x) => x !== d);
		this.state.delete(name);
		await this.pub(`${this.base}/${name}/availability`, '', { retain: true });
		await this.publishDevices();
		await this.pub(`${this.base}/bridge/event`, { type: 'device_leave', data: { ieee_address: d.ieee_address, friendly_name: name } });
	}

	// Resolves with the first /set (from index `from`) for name matching pred.
	waitSet(name, pred = () => true, ms = 5000, from = 0) {
		const find = () => this.sets.find((s, i) => i >= from && s.name === name && pred(s.payload));
		const hit = find();
		if (hit)
			return Promise.resolve(hit);
		return new Promise((res, rej) => {
			const t = setTimeout(() => rej(new Error(`no /set for ${name} within ${ms} ms; got ${JSON.stringify(this.sets)}`)), ms);
			this.waiters.push(() => {
				const h = find();
				if (h) { clearTimeout(t); res(h); return true; }
				return false;
			});
		});
	}

	// The device part of a topic under base and what it asks for.  Friendly
	// names may hold '/', so the suffix is matched, never split on.
	parse(topic) {
		if (!topic.startsWith(this.base + '/'))
			return null;
		const rest = topic.slice(this.base.length + 1);
		let m;
		if ((m = /^(.+)\/set(?:\/([^/]+))?$/.exec(rest)))
			return { name: m[1], op: 'set', attr: m[2] };
		if ((m = /^(.+)\/get(?:\/([^/]+))?$/.exec(rest)))
			return { name: m[1], op: 'get', attr: m[2] };
		return null;
	}

	onMessage(topic, payload, pkt) {
		const t = this.parse(topic);
		if (!t || t.name.startsWith('bridge') || !this.state.has(t.name))
			return;
		let body;
		try {
			body = t.attr ? { [t.attr]: payload.toString() } : JSON.parse(payload.toString());
		} catch {
			return;	// Zigbee2MQTT logs "Invalid JSON" and moves on
		}
		if (t.op === 'get') {
			if (!this.silent.has(t.name))
				setTimeout(() => this.report(t.name).catch(() => {}), this.delayMs);
			return;
		}
		this.sets.push({ name: t.name, payload: body, retain: pkt.retain, at: Date.now() });
		this.waiters = this.waiters.filter((w) => !w());
		if (this.silent.has(t.name))
			return;
		setTimeout(() => {
			if (!this.state.has(t.name))
				return;
			this.apply(this.state.get(t.name), body);
			this.report(t.name).catch(() => {});
		}, this.delayMs);
	}

	// What the device does with a /set payload.
	apply(s, body) {
		for (const [k, v] of Object.entries(body)) {
			if (/^state(_|$)/.test(k) && 'lock_state' in s) {
				s.state = v === 'LOCK' ? 'LOCK' : 'UNLOCK';
				s.lock_state = v === 'LOCK' ? 'locked' : 'unlocked';
			} else if (k === 'state' && 'position' in s) {
				if (v === 'OPEN')
					s.position = 100;
				else if (v === 'CLOSE')
					s.position = 0;
				s.state = s.position > 0 ? 'OPEN' : 'CLOSE';
			} else if (k === 'position') {
				s.position = Math.max(0, Math.min(100, Number(v)));
				s.state = s.position > 0 ? 'OPEN' : 'CLOSE';
			} else if (/^(fan_)?state(_|$)/.test(k)) {
				s[k] = v === 'TOGGLE' ? (s[k] === 'ON' ? 'OFF' : 'ON') : v;
				if (k === 'fan_state' && 'fan_mode' in s)
					s.fan_mode = v === 'OFF' ? 'off' : s.fan_mode === 'off' ? 'on' : s.fan_mode;
			} else if (k === 'brightness') {
				s.brightness = Math.max(0, Math.min(254, Math.round(Number(v))));
				if ('state' in s)
					s.state = s.brightness > 0 ? 'ON' : 'OFF';
			} else if (k === 'fan_mode') {
				s.fan_mode = v;
				s.fan_state = v === 'off' ? 'OFF' : 'ON';
			} else if (k in s) {
				s[k] = v;
			}
		}
	}

	async stop() {
		if (this.client)
			await this.client.endAsync(true).catch(() => {});
	}
}
