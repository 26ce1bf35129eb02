// SPDX-License-Identifier: MIT
// edit.js -- the "Edit home" view: rooms, devices and modes with their
// scenes, added, renamed, moved and removed through the REST API. Every rule
// (ids, duplicates, what a type can do) is the server's: this view sends and
// shows the server's sentence when it refuses. Other dashboards follow each
// edit through the change feed.

import { h, setText, uid } from './dom.js';
import { words, VALUE_ACTIONS } from './model.js';
import { byText } from './format.js';

const ID_PATTERN = '[a-z0-9_]{1,64}';
const enc = encodeURIComponent;

export class HomeEditor {
	// host: { api, store, types(), modes(), confirmed(send, title, text, ok),
	//         ask(title, text, ok), toast(msg, kind) }
	constructor(host) {
		this.host = host;
		this.dialog = document.getElementById('edit');
		this.body = document.getElementById('edit-body');
		this.status = document.getElementById('edit-status');
		this.busy = false;
		// #edit-open is app.js's: it loads this module on the first click.
		document.getElementById('edit-close').addEventListener('click', () => this.dialog.close());
	}

	open() {
		this.say('');
		this.render();
		this.dialog.showModal();
	}

	get isOpen() { return this.dialog.open; }

	// Called on every change of the home while the view is open: redraw,
	// keeping the field the person is in and what they typed in it.
	refresh() {
		if (!this.isOpen || this.busy)
			return;
		const f = document.activeElement;
		const key = f && this.body.contains(f) ? f.dataset.key : null;
		const typed = key && 'value' in f ? f.value : null;
		this.render();
		if (key) {
			const again = this.body.querySelector(`[data-key="${CSS.escape(key)}"]`);
			if (again) {
				if (typed != null && again.value !== typed && again.tagName === 'INPUT')
					again.value = typed;
				again.focus();
			}
		}
	}

	say(text, kind = 'error') {
		setText(this.status, text);
		this.status.dataset.kind = kind;
	}

	// Sends one edit; the server's confirmation rule may ask first. A removal
	// is always asked about: it cannot be undone from here.
	async send(label, method, path, body, confirmText) {
		if (method === 'DELETE' && !await this.host.ask(`${label}?`, confirmText || '', 'Remove'))
			return null;
		this.busy = true;
		try {
			const res = await this.host.confirmed((confirm) => {
				if (method === 'DELETE')
					return this.host.api.del(confirm ? `${path}?confirm=1` : path);
				return this.host.api[method.toLowerCase()](path,
					confirm ? { ...(body || {}), confirm: true } : body);
			}, `${label}?`, confirmText || 'This home asks before every change.', label);
			if (res)
				this.say(`${label}: done.`, 'ok');
			return res;
		} catch (e) {
			if (e.status !== 401)
				this.say(`${label}: ${e.message}`);
			return null;
		} finally {
			this.busy = false;
			this.refresh();
		}
	}

	render() {
		const rooms = [...this.host.store.rooms];
		const devices = [...this.host.store.devices.values()]
			.sort((a, b) => byText(String(a.name || a.id), String(b.name || b.id)));
		this.body.replaceChildren(
			this.roomsSection(rooms),
			this.devicesSection(devices, rooms),
			this.modesSection(devices));
	}

	// ---- rooms ----

	roomsSection(rooms) {
		const list = h('ul', { class: 'edit-list' }, rooms.map((r, i) => {
			const name = h('input', { type: 'text', value: r.name, 'aria-label': `Name of ${r.name}`,
				'data-key': `room-name-${r.id}`, maxlength: 128, required: true });
			name.addEventListener('change', () => this.send(`Rename ${r.name}`, 'PATCH',
				`/api/rooms/${enc(r.id)}`, { name: name.value.trim() }));
			const move = (delta) => this.send(`Move ${r.name}`, 'PATCH', `/api/rooms/${enc(r.id)}`,
				{ position: Math.max(0, (r.position ?? i) + delta) });
			return h('li', { class: 'edit-row', 'data-room': r.id },
				h('code', { class: 'edit-id' }, r.id), name,
				h('span', { class: 'edit-note' }, `${r.devices ?? 0} device${r.devices === 1 ? '' : 's'}`),
				h('button', { type: 'button', class: 'btn btn-ghost btn-small', 'aria-label': `Move ${r.name} up`,
					'data-key': `room-up-${r.id}`, disabled: i === 0, onclick: () => move(-1) }, '↑'),
				h('button', { type: 'button', class: 'btn btn-ghost btn-small', 'aria-label': `Move ${r.name} down`,
					'data-key': `room-down-${r.id}`, disabled: i === rooms.length - 1, onclick: () => move(1) }, '↓'),
				h('button', { type: 'button', class: 'btn btn-danger btn-small', 'data-key': `room-rm-${r.id}`,
					onclick: () => this.removeRoom(r) }, 'Remove'));
		}));
		const id = h('input', { type: 'text', name: 'id', required: true, pattern: ID_PATTERN,
			placeholder: 'garden', 'data-key': 'room-new-id', 'aria-label': 'New room id' });
		const name = h('input', { type: 'text', name: 'name', placeholder: 'Garden', maxlength: 128,
			'data-key': 'room-new-name', 'aria-label': 'New room name' });
		const form = h('form', { class: 'edit-add', 'data-form': 'room' }, id, name,
			h('button', { type: 'submit', class: 'btn btn-primary btn-small' }, 'Add room'));
		form.addEventListener('submit', async (e) => {
			e.preventDefault();
			const body = { id: id.value.trim() };
			if (name.value.trim())
				body.name = name.value.trim();
			if (await this.send(`Add room ${body.id}`, 'POST', '/api/rooms', body))
				form.reset();
		});
		return this.section('Rooms', 'edit-rooms', list, form);
	}

	async removeRoom(r) {
		const res = await this.send(`Remove ${r.name}`, 'DELETE', `/api/rooms/${enc(r.id)}`, null,
			'Its devices stay, in no room.');
		if (res && res.house_wide && res.house_wide.length)
			this.say(`Removed ${r.name}; now house-wide: ${res.house_wide.join(', ')}.`, 'ok');
	}

	// ---- devices ----

	roomOptions(selected) {
		return [h('option', { value: '', selected: !selected }, 'Whole house'),
			...this.host.store.rooms.map((r) =>
				h('option', { value: r.id, selected: r.id === selected }, r.name))];
	}

	devicesSection(devices) {
		const list = h('ul', { class: 'edit-list' }, devices.map((d) => {
			const name = h('input', { type: 'text', value: d.name || d.id, maxlength: 128, required: true,
				'aria-label': `Name of ${d.name || d.id}`, 'data-key': `dev-name-${d.id}` });
			name.addEventListener('change', () => this.send(`Rename ${d.name || d.id}`, 'PATCH',
				`/api/devices/${enc(d.id)}`, { name: name.value.trim() }));
			const room = h('select', { 'aria-label': `Room of ${d.name || d.id}`, 'data-key': `dev-room-${d.id}` },
				this.roomOptions(d.room));
			room.addEventListener('change', () => this.send(`Move ${d.name || d.id}`, 'PATCH',
				`/api/devices/${enc(d.id)}`, { room: room.value || null }));
			return h('li', { class: 'edit-row', 'data-device': d.id },
				h('code', { class: 'edit-id' }, d.id), name, room,
				h('span', { class: 'edit-note' }, this.typeLabel(d.type)),
				h('button', { type: 'button', class: 'btn btn-danger btn-small', 'data-key': `dev-rm-${d.id}`,
					onclick: () => this.removeDevice(d) }, 'Remove'));
		}));
		const id = h('input', { type: 'text', required: true, pattern: ID_PATTERN, placeholder: 'hall_lamp',
			'data-key': 'dev-new-id', 'aria-label': 'New device id' });
		const type = h('select', { required: true, 'data-key': 'dev-new-type', 'aria-label': 'New device type' },
			[...this.host.types().values()].map((t) => h('option', { value: t.name }, t.label)));
		const room = h('select', { 'data-key': 'dev-new-room', 'aria-label': 'New device room' },
			this.roomOptions(''));
		const name = h('input', { type: 'text', placeholder: 'Hall lamp', maxlength: 128,
			'data-key': 'dev-new-name', 'aria-label': 'New device name' });
		const form = h('form', { class: 'edit-add', 'data-form': 'device' }, id, type, room, name,
			h('button', { type: 'submit', class: 'btn btn-primary btn-small' }, 'Add device'));
		form.addEventListener('submit', async (e) => {
			e.preventDefault();
			const body = { id: id.value.trim(), type: type.value };
			if (room.value)
				body.room = room.value;
			if (name.value.trim())
				body.name = name.value.trim();
			if (await this.send(`Add device ${body.id}`, 'POST', '/api/devices', body))
				form.reset();
		});
		return this.section('Devices', 'edit-devices', list, form);
	}

	typeLabel(t) {
		const type = this.host.types().get(t);
		return type ? type.label : words(t);
	}

	async removeDevice(d) {
		const res = await this.send(`Remove ${d.name || d.id}`, 'DELETE', `/api/devices/${enc(d.id)}`,
			null, 'The modes whose scene names it lose that step.');
		if (res && res.scenes && res.scenes.length)
			this.say(`Removed ${d.name || d.id}; these modes lost its step: ${res.scenes.join(', ')}.`, 'ok');
	}

	// ---- modes and scenes ----

	modesSection(devices) {
		const list = h('div', { class: 'edit-modes' }, this.host.modes().map((m) => this.modeEditor(m, devices)));
		const name = h('input', { type: 'text', required: true, pattern: ID_PATTERN, placeholder: 'movie',
			'data-key': 'mode-new-name', 'aria-label': 'New mode name' });
		const desc = h('input', { type: 'text', placeholder: 'Lights low, blinds closed',
			'data-key': 'mode-new-desc', 'aria-label': 'New mode description' });
		const form = h('form', { class: 'edit-add', 'data-form': 'mode' }, name, desc,
			h('button', { type: 'submit', class: 'btn btn-primary btn-small' }, 'Add mode'));
		form.addEventListener('submit', async (e) => {
			e.preventDefault();
			const body = { name: name.value.trim(), description: desc.value.trim(), scene: [] };
			if (await this.send(`Add mode ${body.name}`, 'POST', '/api/modes', body))
				form.reset();
		});
		return this.section('Modes and their scenes', 'edit-modes', list, form);
	}

	// One mode: its description and its steps, edited here and saved whole
	// (PUT /api/modes/{name}: one transaction, checked step by step).
	modeEditor(m, devices) {
		const steps = (m.scene || []).map((s) => ({ device: s.device_id || s.device, action: s.action,
			properties: { ...(s.properties || {}) } }));
		const box = h('fieldset', { class: 'edit-mode', 'data-mode': m.name });
		const desc = h('input', { type: 'text', value: m.description || '', 'aria-label': `Description of ${m.name}`,
			'data-key': `mode-desc-${m.name}` });
		const stepList = h('ol', { class: 'edit-steps' });
		const draw = () => stepList.replaceChildren(...steps.map((s, i) => this.stepEditor(m, s, i, steps, devices, draw)));
		draw();
		const add = h('button', { type: 'button', class: 'btn btn-ghost btn-small', 'data-key': `mode-add-${m.name}` },
			'Add a step');
		add.addEventListener('click', () => {
			const first = devices.find((d) => this.actionsOf(d).length);
			if (!first)
				return;
			steps.push({ device: first.id, action: this.actionsOf(first)[0], properties: {} });
			draw();
		});
		const save = h('button', { type: 'button', class: 'btn btn-primary btn-small', 'data-key': `mode-save-${m.name}` },
			'Save mode');
		save.addEventListener('click', () => this.send(`Save ${words(m.name)}`, 'PUT', `/api/modes/${enc(m.name)}`,
			{ description: desc.value, scene: steps }));
		const rm = h('button', { type: 'button', class: 'btn btn-danger btn-small', 'data-key': `mode-rm-${m.name}` },
			'Remove mode');
		rm.addEventListener('click', () => this.send(`Remove ${words(m.name)}`, 'DELETE',
			`/api/modes/${enc(m.name)}`, null, 'Its scene goes with it.'));
		box.append(h('legend', {}, words(m.name)), desc, stepList, h('div', { class: 'edit-actions' }, add, save, rm));
		return box;
	}

	actionsOf(d) {
		const t = this.host.types().get(d.type);
		return t ? t.actions : [];
	}

	stepEditor(m, s, i, steps, devices, redraw) {
		const key = `step-${m.name}-${i}`;
		const dev = h('select', { 'aria-label': `Step ${i + 1} device`, 'data-key': `${key}-dev` },
			devices.filter((d) => this.actionsOf(d).length).map((d) =>
				h('option', { value: d.id, selected: d.id === s.device }, d.name || d.id)));
		const current = devices.find((d) => d.id === s.device);
		const actions = current ? this.actionsOf(current) : [s.action];
		const act = h('select', { 'aria-label': `Step ${i + 1} action`, 'data-key': `${key}-act` },
			actions.map((a) => h('option', { value: a, selected: a === s.action }, words(a))));
		dev.addEventListener('change', () => {
			s.device = dev.value;
			const d = devices.find((x) => x.id === s.device);
			const acts = d ? this.actionsOf(d) : [];
			if (!acts.includes(s.action))
				s.action = acts[0];
			s.properties = {};
			redraw();
		});
		act.addEventListener('change', () => {
			s.action = act.value;
			if (!VALUE_ACTIONS.includes(s.action))
				s.properties = {};
			redraw();
		});
		const values = [];
		const type = current && this.host.types().get(current.type);
		if (type && VALUE_ACTIONS.includes(s.action)) {
			for (const p of type.props.filter((x) => !x.readOnly && (x.kind === 'int' || x.kind === 'number'))) {
				const id = uid('v');
				const input = h('input', { id, type: 'number', min: p.min ?? undefined, max: p.max ?? undefined,
					value: s.properties[p.name] ?? '', 'data-key': `${key}-${p.name}`, class: 'edit-num' });
				input.addEventListener('change', () => {
					if (input.value === '')
						delete s.properties[p.name];
					else
						s.properties[p.name] = Number(input.value);
				});
				values.push(h('label', { for: id, class: 'edit-val' }, p.label, input));
			}
		}
		const rm = h('button', { type: 'button', class: 'btn btn-ghost btn-small', 'aria-label': `Remove step ${i + 1}`,
			'data-key': `${key}-rm` }, '×');
		rm.addEventListener('click', () => {
			steps.splice(i, 1);
			redraw();
		});
		return h('li', { class: 'edit-step' }, dev, act, values, rm);
	}

	section(title, id, ...content) {
		return h('section', { class: 'edit-section', 'aria-labelledby': id },
			h('h3', { id }, title), ...content);
	}
}
