// SPDX-License-Identifier: MIT
// mock-server.mjs -- a throwaway stand-in for homectl-api, for looking at the
// dashboard before (or without) the real daemon: static files from web/, a
// few REST routes and /ws, all in memory. The browser tests do NOT use it.
//
//   node tests/web/mock-server.mjs [PORT]      token: "hc_mock"

import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web');
const TOKEN = 'hc_mock';
const now = () => new Date().toISOString();

const rooms = [['living_room', 'Living room'], ['bedroom', 'Bedroom'], ['kitchen', 'Kitchen'],
	['bathroom', 'Bathroom'], ['outdoor', 'Outdoor']];
const raw = [
	['living_room_light_main', 'Living room ceiling light', 'light', 'living_room', 'on', { brightness: 75, color_temp: 2700 }],
	['living_room_light_lamp', 'Reading lamp', 'light', 'living_room', 'off', { brightness: 40, color_temp: 2700 }],
	['living_room_fan', 'Living room fan', 'fan', 'living_room', 'off', { speed: 0 }],
	['living_room_blinds', 'Living room blinds', 'blinds', 'living_room', 'open', { position: 100 }],
	['living_room_temperature_sensor', 'Living room temperature', 'temperature_sensor', 'living_room', 'active', { value: 71.5, unit: '°F' }],
	['living_room_motion_sensor', 'Living room motion', 'motion_sensor', 'living_room', 'no_motion', { last_motion: '2026-11-25T21:14:05.000Z' }],
	['bedroom_light_main', 'Bedroom ceiling light', 'light', 'bedroom', 'off', { brightness: 80, color_temp: 3000 }],
	['bedroom_light_bedside', 'Bedside lamp', 'light', 'bedroom', 'off', { brightness: 30, color_temp: 2200 }],
	['bedroom_fan', 'Bedroom fan', 'fan', 'bedroom', 'off', { speed: 0 }],
	['bedroom_blinds', 'Bedroom blinds', 'blinds', 'bedroom', 'closed', { position: 0 }],
	['bedroom_temperature_sensor', 'Bedroom temperature', 'temperature_sensor', 'bedroom', 'active', { value: 68.9, unit: '°F' }],
	['kitchen_light_main', 'Kitchen ceiling light', 'light', 'kitchen', 'on', { brightness: 100, color_temp: 4000 }],
	['kitchen_light_counter', 'Counter lights', 'light', 'kitchen', 'off', { brightness: 60, color_temp: 3500 }],
	['kitchen_fish_feeder', 'Aquarium feeder', 'fish_feeder', 'kitchen', 'idle', { last_fed: '2026-11-25T08:00:00.000Z' }],
	['kitchen_motion_sensor', 'Kitchen motion', 'motion_sensor', 'kitchen', 'motion', { last_motion: now() }],
	['bathroom_light', 'Bathroom light', 'light', 'bathroom', 'off', { brightness: 100, color_temp: 4000 }],
	['bathroom_fan', 'Bathroom extractor fan', 'fan', 'bathroom', 'off', { speed: 0 }],
	['outdoor_sprinkler_front_yard', 'Front yard sprinkler', 'sprinkler', 'outdoor', 'off', { zone: 'front_yard', duration: 15 }],
	['outdoor_sprinkler_back_yard', 'Back yard sprinkler', 'sprinkler', 'outdoor', 'off', { zone: 'back_yard', duration: 20 }],
	['outdoor_ev_charger', 'EV charger', 'ev_charger', 'outdoor', 'idle', { battery_level: 62, charging: false }],
	['thermostat_main', 'Thermostat', 'thermostat', null, 'auto', { target_temp: 72, mode: 'auto', current_temp: 70.5 }],
	['front_door_lock', 'Front door', 'lock', null, 'locked', {}],
	['back_door_lock', 'Back door', 'lock', null, 'locked', {}],
	['garage_door', 'Garage door', 'garage', null, 'closed', { position: 0 }],
];
const devices = new Map(raw.map(([id, name, type, room, state, properties]) => [id, {
	id, name, type, room, room_name: room ? rooms.find((r) => r[0] === room)[1] : null,
	state, properties, updated_at: now() }]));
const modes = ['home', 'away', 'sleep', 'vacation'].map((name) => ({ name, description: `${name} mode`, scene: [] }));
let mode = 'home';
let seq = 0;
const feed = [];
const clients = new Set();

function publish(list) {
	for (const c of list) {
		c.seq = ++seq;
		c.at = now();
		feed.push(c);
	}
	const frame = JSON.stringify({ type: 'changes', seq, changes: list });
	for (const ws of clients)
		ws.send(frame);
}

function apply(d, action, props) {
	const p = { ...d.properties, ...(props || {}) };
	let s = d.state;
	const cover = d.type === 'blinds' || d.type === 'garage';
	if (action === 'toggle')
		action = cover ? (s === 'closed' ? 'open' : 'close') : (s === 'on' ? 'off' : 'on');
	if (action === 'on') s = 'on';
	if (action === 'off') s = d.type === 'thermostat' ? 'off' : 'off';
	if (action === 'open') p.position = 100;
	if (action === 'close') p.position = 0;
	if (action === 'lock') s = 'locked';
	if (action === 'unlock') s = 'unlocked';
	if (action === 'feed') { s = 'feeding'; p.last_fed = now(); }
	if (action === 'start') { s = 'charging'; p.charging = true; }
	if (action === 'stop') { s = 'idle'; p.charging = false; }
	if (cover) s = p.position === 0 ? 'closed' : p.position === 100 ? 'open' : 'partial';
	if (d.type === 'light' && action === 'set' && 'brightness' in (props || {})) s = p.brightness > 0 ? 'on' : 'off';
	if (d.type === 'fan' && action === 'set') s = p.speed > 0 ? 'on' : 'off';
	if (d.type === 'thermostat') s = action === 'off' ? 'off' : p.mode;
	return { ...d, state: s, properties: p, updated_at: now() };
}

function send(res, status, body) {
	res.writeHead(status, { 'Content-Type': 'application/json' });
	res.end(JSON.stringify(body));
}
const err = (res, status, code, message) => send(res, status, { error: { code, message } });

const server = http.createServer((req, res) => {
	const url = new URL(req.url, 'http://x');
	if (!url.pathname.startsWith('/api/')) {
		const f = path.join(root, url.pathname === '/' ? 'index.html' : url.pathname);
		if (!f.startsWith(root) || !fs.existsSync(f) || fs.statSync(f).isDirectory())
			return err(res, 404, 'not_found', 'no such file');
		const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };
		res.writeHead(200, { 'Content-Type': types[path.extname(f)] || 'application/octet-stream' });
		return fs.createReadStream(f).pipe(res);
	}
	if (req.headers.authorization !== `Bearer ${TOKEN}`)
		return err(res, 401, 'unauthorized', 'unknown or revoked token');
	let body = '';
	req.on('data', (c) => { body += c; });
	req.on('end', () => {
		const b = body ? JSON.parse(body) : {};
		const m = /^\/api\/devices\/([^/]+)\/actions$/.exec(url.pathname);
		if (m && req.method === 'POST') {
			const d = devices.get(m[1]);
			if (!d)
				return err(res, 404, 'not_found', `no device '${m[1]}'`);
			if ((b.action === 'unlock' || (d.type === 'garage' && b.action === 'open')) && !b.confirm)
				return err(res, 403, 'confirmation_required', 'unlocking needs confirm: true');
			if (b.properties && b.properties.brightness > 100)
				return err(res, 422, 'invalid_value', 'brightness 101 is out of range: it must be from 0 to 100 %');
			const nd = apply(d, b.action, b.properties);
			devices.set(nd.id, nd);
			publish([{ source: 'api', kind: 'device', device: nd }]);
			return send(res, 200, { devices: [nd], changed: 1, skipped: [] });
		}
		if (url.pathname === '/api/mode' && req.method === 'PUT') {
			const prev = mode;
			mode = b.mode;
			publish([{ source: 'api', kind: 'mode', mode }]);
			return send(res, 200, { mode, previous: prev, devices: [], changed: 0 });
		}
		if (url.pathname === '/api/modes')
			return send(res, 200, { modes });
		if (url.pathname === '/api/types')
			return send(res, 200, {});	// the dashboard falls back to its copy
		if (url.pathname === '/api/changes') {
			const since = Number(url.searchParams.get('since') || 0);
			return send(res, 200, { changes: feed.filter((c) => c.seq > since).slice(0, 60), oldest: 1, newest: seq });
		}
		if (url.pathname === '/api/stats')
			return send(res, 200, { lights: { on: 2, total: 7 }, doors: { locked: 2, total: 2 }, total_devices: 24, garage_open: false, active_mode: mode });
		return err(res, 404, 'not_found', 'unknown route');
	});
});

const wss = new WebSocketServer({ noServer: true });
server.on('upgrade', (req, sock, head) => {
	if (req.url !== '/ws')
		return sock.destroy();
	wss.handleUpgrade(req, sock, head, (ws) => {
		ws.once('message', (data) => {
			const m = JSON.parse(String(data));
			if (m.token !== TOKEN) {
				ws.send(JSON.stringify({ type: 'error', code: 'unauthorized', message: 'unknown or revoked token' }));
				return ws.close(4401, 'unauthorized');
			}
			clients.add(ws);
			ws.on('close', () => clients.delete(ws));
			ws.on('message', () => ws.send(JSON.stringify({ type: 'pong', seq })));
			ws.send(JSON.stringify({ type: 'snapshot', seq, mode, devices: [...devices.values()],
				rooms: rooms.map(([id, name]) => ({ id, name })) }));
		});
	});
});

server.listen(Number(process.argv[2] || 0), '127.0.0.1', () => {
	console.log(`mock homectl-api on http://127.0.0.1:${server.address().port}/#token=${TOKEN}`);
});
