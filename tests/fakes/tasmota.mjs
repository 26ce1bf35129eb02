// SPDX-License-Identifier: MIT
// tasmota.mjs -- fake Tasmota devices as Tasmota's MQTT and discovery
// documentation describe them: FullTopic `%prefix%/%topic%/`, the LWT
// `tele/<topic>/LWT` Online/Offline (retained), native discovery on
// `tasmota/discovery/<MAC>/config` (retained), `cmnd/<topic>/POWER<n>`,
// `Dimmer`, `ShutterPosition<n>` and `Backlog` answered on
// `stat/<topic>/RESULT` and `stat/<topic>/POWER<n>`, and telemetry on
// `tele/<topic>/STATE`.  An empty command payload is a query.
import mqtt from 'mqtt';

// Three devices in the shapes of the documented discovery examples: a
// plug (one relay), a dimmer (relay as light, lt_st 1), a two-gang
// switch, and a shutter (two relays driving one shutter).
export const TASMOTA_DEVICES = [
	{ mac: 'A4CF12A1B2C3', t: 'tasmota_A1B2C3', dn: 'Kitchen Plug', fn: ['Kitchen Plug'], md: 'Sonoff S26', rl: [1], lt_st: 0 },
	{ mac: 'A4CF12D1D2D3', t: 'tasmota_D1D2D3', dn: 'Porch Dimmer', fn: ['Porch Dimmer'], md: 'Martin Jerry SD01', rl: [2], lt_st: 1 },
	{ mac: 'A4CF12E1E2E3', t: 'tasmota_E1E2E3', dn: 'Hall Switch', fn: ['Hall Left', 'Hall Right'], md: 'Sonoff Dual R2', rl: [1, 1], lt_st: 0 },
	{ mac: 'A4CF12F1F2F3', t: 'tasmota_F1F2F3', dn: 'Study Shutter', fn: ['Study Shutter', null], md: 'Shelly 2.5', rl: [3, 3], lt_st: 0 },
];

function pad8(a, fill) {
	return [...a, ...Array(8 - a.length).fill(fill)];
}

export function discoveryConfig(d) {
	return {
		ip: '127.0.0.1', dn: d.dn, fn: pad8(d.fn, null), hn: `${d.t.replace('_', '-')}`, mac: d.mac, md: d.md,
		ty: 0, if: 0, ofln: 'Offline', onln: 'Online', state: ['OFF', 'ON', 'TOGGLE', 'HOLD'], sw: '13.4.0',
		t: d.t, ft: '%prefix%/%topic%/', tp: ['cmnd', 'stat', 'tele'], rl: pad8(d.rl, 0),
		swc: pad8([], -1), swn: pad8([], null), btn: pad8([], 0),
		so: { 4: 0, 11: 0, 13: 0, 17: 0, 20: 0, 30: 0, 68: 0, 73: 0, 82: 0, 114: 0, 117: 0 },
		lk: 1, lt_st: d.lt_st, sho: d.rl.includes(3) ? [0] : [], sht: d.rl.includes(3) ? [[0, 0, 0]] : [], ver: 1,
	};
}

export class FakeTasmota {
	constructor(opts) {
		this.url = opts.url;
		this.devices = structuredClone(opts.devices || TASMOTA_DEVICES);
		this.delayMs = opts.delayMs ?? 20;
		this.state = new Map();
		for (const d of this.devices) {
			const relays = d.rl.filter((r) => r === 1 || r === 2).length;
			const s = { power: Array(relays).fill('OFF'), dimmer: d.lt_st ? 0 : undefined, shutters: [] };
			for (let i = 0; i < d.rl.filter((r) => r === 3).length / 2; i++)
				s.shutters.push(0);
			this.state.set(d.t, s);
		}
		this.commands = [];	// {topic, cmd, payload, retain}
		this.waiters = [];
		this.clients = [];
	}

	async start() {
		// One MQTT connection per device, each with its own LWT, as the
		// real ones have.
		for (const d of this.devices) {
			const c = mqtt.connect(this.url, {
				clientId: `fake-${d.t}-${Math.random().toString(16).slice(2, 8)}`,
				will: { topic: `tele/${d.t}/LWT`, payload: 'Offline', retain: true, qos: 1 },
				reconnectPeriod: 200,
			});
			c.on('message', (t, p, pkt) => this.onMessage(d, t, p, pkt));
			await new Promise((res, rej) => { c.once('connect', res); c.once('error', rej); });
			await c.subscribeAsync(`cmnd/${d.t}/#`, { qos: 1 });
			d.client = c;
			this.clients.push(c);
			await this.announce(d, c);
			c.on('connect', () => this.announce(d, c).catch(() => {}));
		}
		return this;
	}

	async announce(d, c) {
		await c.publishAsync(`tele/${d.t}/LWT`, 'Online', { retain: true, qos: 1 });
		await c.publishAsync(`tasmota/discovery/${d.mac}/config`, JSON.stringify(discoveryConfig(d)), { retain: true, qos: 1 });
		await c.publishAsync(`tasmota/discovery/${d.mac}/sensors`, JSON.stringify({ sn: { Time: '2026-11-30T12:00:00' }, ver: 1 }), { retain: true, qos: 1 });
		await this.tele(d);
	}

	device(t) { return this.devices.find((d) => d.t === t); }

	powerKey(d, i) {
		return this.state.get(d.t).power.length === 1 ? 'POWER' : `POWER${i + 1}`;
	}

	statusJson(d) {
		const s = this.state.get(d.t);
		const o = { Time: new Date().toISOString().slice(0, 19), Uptime: '0T00:10:00', UptimeSec: 600 };
		s.power.forEach((p, i) => { o[this.powerKey(d, i)] = p; });
		if (s.dimmer !== undefined)
			o.Dimmer = s.dimmer;
		o.Wifi = { AP: 1, SSId: 'home', RSSI: 80, Signal: -60 };
		return o;
	}

	tele(d) {
		return d.client.publishAsync(`tele/${d.t}/STATE`, JSON.stringify(this.statusJson(d)), { qos: 1 });
	}

	// A person pressing the button on the device.
	async press(t, relay = 1) {
		const d = this.device(t);
		const s = this.state.get(t);
		s.power[relay - 1] = s.power[relay - 1] === 'ON' ? 'OFF' : 'ON';
		const key = this.powerKey(d, relay - 1);
		await d.client.publishAsync(`stat/${t}/RESULT`, JSON.stringify({ [key]: s.power[relay - 1] }), { qos: 1 });
		await d.client.publishAsync(`stat/${t}/${key}`, s.power[relay - 1], { qos: 1 });
	}

	// The device drops off Wi-Fi: the broker publishes its LWT.
	async disconnect(t) {
		const d = this.device(t);
		d.client.options.reconnectPeriod = 0;
		d.client.stream.destroy();
	}

	waitCommand(t, pred = () => true, ms = 5000) {
		const find = () => this.commands.find((c) => c.t === t && pred(c));
		const hit = find();
		if (hit)
			return Promise.resolve(hit);
		return new Promise((res, rej) => {
			const timer = setTimeout(() => rej(new Error(`no command for ${t}: ${JSON.stringify(this.commands)}`)), ms);
			this.waiters.push(() => {
				const h = find();
				if (h) { clearTimeout(timer); res(h); return true; }
				return false;
			});
		});
	}

	onMessage(d, topic, payload, pkt) {
		const cmd = topic.slice(`cmnd/${d.t}/`.length);
		const arg = payload.toString().trim();
		this.commands.push({ t: d.t, cmd, payload: arg, retain: pkt.retain });
		this.waiters = this.waiters.filter((w) => !w());
		setTimeout(() => {
			const list = /^backlog$/i.test(cmd) ? arg.split(';').map((x) => x.trim()).filter(Boolean)
				.map((x) => { const i = x.indexOf(' '); return i < 0 ? [x, ''] : [x.slice(0, i), x.slice(i + 1)]; })
				: [[cmd, arg]];
			for (const [c, a] of list)
				this.run(d, c, a);
		}, this.delayMs);
	}

	run(d, cmd, arg) {
		const s = this.state.get(d.t);
		const result = {};
		let m;
		if ((m = /^power(\d?)$/i.exec(cmd))) {
			const i = (m[1] ? Number(m[1]) : 1) - 1;
			if (i >= s.power.length) {
				result.Command = 'Unknown';
			} else {
				const a = arg.toUpperCase();
				if (a === 'ON' || a === '1')
					s.power[i] = 'ON';
				else if (a === 'OFF' || a === '0')
					s.power[i] = 'OFF';
				else if (a === 'TOGGLE' || a === '2')
					s.power[i] = s.power[i] === 'ON' ? 'OFF' : 'ON';
				result[this.powerKey(d, i)] = s.power[i];
				d.client.publishAsync(`stat/${d.t}/${this.powerKey(d, i)}`, s.power[i], { qos: 1 }).catch(() => {});
			}
		} else if (/^dimmer$/i.test(cmd) && s.dimmer !== undefined) {
			if (arg !== '') {
				const v = Number(arg);
				if (Number.isInteger(v) && v >= 0 && v <= 100) {
					s.dimmer = v;
					s.power[0] = v > 0 ? 'ON' : 'OFF';
				}
			}
			result.POWER = s.power[0];
			result.Dimmer = s.dimmer;
		} else if ((m = /^shutterposition(\d?)$/i.exec(cmd)) && s.shutters.length) {
			const i = (m[1] ? Number(m[1]) : 1) - 1;
			const a = arg.toUpperCase();
			if (a === 'UP' || a === 'OPEN')
				s.shutters[i] = 100;
			else if (a === 'DOWN' || a === 'CLOSE')
				s.shutters[i] = 0;
			else if (arg !== '')
				s.shutters[i] = Math.max(0, Math.min(100, Number(arg)));
			result[`Shutter${i + 1}`] = { Position: s.shutters[i], Direction: 0, Target: s.shutters[i], Tilt: 0 };
		} else if (/^state$/i.test(cmd)) {
			Object.assign(result, this.statusJson(d));
		} else {
			result.Command = 'Unknown';
		}
		d.client.publishAsync(`stat/${d.t}/RESULT`, JSON.stringify(result), { qos: 1 }).catch(() => {});
	}

	async stop() {
		for (const c of this.clients)
			await c.endAsync(true).catch(() => {});
	}
}
