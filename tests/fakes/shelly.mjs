// SPDX-License-Identifier: MIT
// shelly.mjs -- fake Shelly Gen2+ devices speaking JSON-RPC 2.0 over MQTT as
// Shelly's Gen2 API documentation describes it (RPCProtocol, RPCChannels,
// Notifications, Components/Mqtt): requests on `<prefix>/rpc`, each answered
// on `<src>/rpc` with the request's id; NotifyStatus with the changed part
// of a component's status on `<prefix>/events/rpc`; the full status of a
// component on `<prefix>/status/<component:id>`; `<prefix>/online`
// true/false (retained, with a last will).
import mqtt from 'mqtt';

export const SHELLY_DEVICES = [
	{ id: 'shellyplus1pm-a8032ab1c2d3', model: 'SNSW-001P16EU', app: 'Plus1PM', components: ['switch:0'] },
	{ id: 'shellyplus2pm-b8d61a8b9c0d', model: 'SNSW-102P16EU', app: 'Plus2PM', components: ['cover:0'] },
	{ id: 'shellyprodm1pm-34987a112233', model: 'SPDM-001PE16EU', app: 'ProDimmerx', components: ['light:0'] },
];

function status(comp, id) {
	if (comp === 'switch')
		return { id, source: 'init', output: false, apower: 0, voltage: 230.1, current: 0, temperature: { tC: 40.2, tF: 104.4 } };
	if (comp === 'cover')
		return { id, source: 'init', state: 'closed', apower: 0, voltage: 230.1, current: 0, current_pos: 0, pos_control: true };
	return { id, source: 'init', output: false, brightness: 50, temperature: { tC: 38.1, tF: 100.6 } };
}

export class FakeShelly {
	constructor(opts) {
		this.url = opts.url;
		this.delayMs = opts.delayMs ?? 20;
		this.devices = structuredClone(opts.devices || SHELLY_DEVICES);
		this.requests = [];	// {id (device), frame, retain}
		this.waiters = [];
		for (const d of this.devices) {
			d.status = {};
			for (const c of d.components) {
				const [comp, n] = c.split(':');
				d.status[c] = status(comp, Number(n));
			}
		}
	}

	async start() {
		for (const d of this.devices) {
			const c = mqtt.connect(this.url, {
				clientId: d.id,
				will: { topic: `${d.id}/online`, payload: 'false', retain: true, qos: 1 },
				reconnectPeriod: 200,
			});
			c.on('message', (t, p, pkt) => this.onMessage(d, t, p, pkt));
			d.client = c;
			await new Promise((res, rej) => { c.once('connect', res); c.once('error', rej); });
			await c.subscribeAsync(`${d.id}/rpc`, { qos: 1 });
			await this.announce(d);
			c.on('connect', () => this.announce(d).catch(() => {}));
		}
		return this;
	}

	async announce(d) {
		await d.client.publishAsync(`${d.id}/online`, 'true', { retain: true, qos: 1 });
		for (const c of d.components)
			await d.client.publishAsync(`${d.id}/status/${c}`, JSON.stringify(d.status[c]), { qos: 1 });
	}

	notify(d, changes) {
		const frame = { src: d.id, dst: `${d.id}/events`, method: 'NotifyStatus', params: { ts: Date.now() / 1000, ...changes } };
		return d.client.publishAsync(`${d.id}/events/rpc`, JSON.stringify(frame), { qos: 1 });
	}

	// The device changes by itself (its button, its own schedule): a
	// NotifyStatus with only what changed, then the full status.
	async change(id, comp, patch) {
		const d = this.devices.find((x) => x.id === id);
		Object.assign(d.status[comp], patch);
		await this.notify(d, { [comp]: { id: d.status[comp].id, ...patch } });
		await d.client.publishAsync(`${d.id}/status/${comp}`, JSON.stringify(d.status[comp]), { qos: 1 });
	}

	waitRequest(id, pred = () => true, ms = 5000) {
		const find = () => this.requests.find((r) => r.id === id && pred(r.frame));
		const hit = find();
		if (hit)
			return Promise.resolve(hit);
		return new Promise((res, rej) => {
			const timer = setTimeout(() => rej(new Error(`no request for ${id}: ${JSON.stringify(this.requests)}`)), ms);
			this.waiters.push(() => {
				const h = find();
				if (h) { clearTimeout(timer); res(h); return true; }
				return false;
			});
		});
	}

	onMessage(d, topic, payload, pkt) {
		let f;
		try {
			f = JSON.parse(payload.toString());
		} catch {
			return;
		}
		this.requests.push({ id: d.id, frame: f, retain: pkt.retain });
		this.waiters = this.waiters.filter((w) => !w());
		if (typeof f.src !== 'string' || !f.src)
			return;	// nowhere to answer
		setTimeout(() => this.answer(d, f).catch(() => {}), this.delayMs);
	}

	async answer(d, f) {
		const reply = (body) => d.client.publishAsync(`${f.src}/rpc`,
			JSON.stringify({ id: f.id, src: d.id, dst: f.src, ...body }), { qos: 1 });
		const p = f.params || {};
		const key = (comp) => `${comp}:${p.id ?? 0}`;
		const has = (comp) => key(comp) in d.status;
		switch (f.method) {
		case 'Shelly.GetDeviceInfo':
			return reply({ result: { name: null, id: d.id, mac: d.id.split('-')[1].toUpperCase(), slot: 0, model: d.model,
				gen: 2, fw_id: '20241011-114455/1.4.4-g6d2a586', ver: '1.4.4', app: d.app, auth_en: false, auth_domain: null } });
		case 'Shelly.GetStatus':
			return reply({ result: { ...structuredClone(d.status), sys: { mac: d.id.split('-')[1].toUpperCase(), uptime: 600 } } });
		case 'Switch.Set':
		case 'Light.Set': {
			const comp = f.method === 'Switch.Set' ? 'switch' : 'light';
			if (!has(comp) || typeof p.on !== 'boolean' && p.brightness === undefined)
				return reply({ error: { code: -103, message: `Invalid argument 'id'!` } });
			const s = d.status[key(comp)];
			const was = s.output;
			const patch = {};
			if (typeof p.on === 'boolean')
				patch.output = p.on;
			if (comp === 'light' && Number.isInteger(p.brightness))
				patch.brightness = p.brightness;
			await reply({ result: comp === 'switch' ? { was_on: was } : null });
			patch.source = 'MQTT';
			return this.change(d.id, key(comp), patch);
		}
		case 'Cover.GoToPosition':
		case 'Cover.Open':
		case 'Cover.Close': {
			if (!has('cover'))
				return reply({ error: { code: -103, message: `Invalid argument 'id'!` } });
			const pos = f.method === 'Cover.Open' ? 100 : f.method === 'Cover.Close' ? 0 : p.pos;
			if (!Number.isInteger(pos) || pos < 0 || pos > 100)
				return reply({ error: { code: -103, message: `Invalid argument 'pos'!` } });
			await reply({ result: null });
			return this.change(d.id, key('cover'), { state: pos === 0 ? 'closed' : pos === 100 ? 'open' : 'stopped',
				current_pos: pos, source: 'MQTT' });
		}
		default:
			return reply({ error: { code: 404, message: `No handler for ${f.method}` } });
		}
	}

	async goOffline(id) {
		const d = this.devices.find((x) => x.id === id);
		d.client.options.reconnectPeriod = 0;
		d.client.stream.destroy();
	}

	async stop() {
		for (const d of this.devices)
			await d.client.endAsync(true).catch(() => {});
	}
}
