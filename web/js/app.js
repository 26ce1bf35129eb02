// SPDX-License-Identifier: MIT
// app.js -- the dashboard: sign-in, the live connection, devices by room,
// the mode switcher, the stats, the activity list and the automations.

//
// Only what the first cards need is imported here (and preloaded by
// index.html): the views opened later (the editor, a device's details) are
// loaded when first opened, and the side panels (automations,
// notifications) once the first snapshot has been drawn, each with a
// dynamic import() of a file in the service worker's shell.  On a slow
// phone the browser then fetches, compiles and runs four modules fewer
// before the cards (make bench-web-paint).

import { createApi } from './api.js';
import { Live } from './live.js';
import { Store } from './store.js';
import { buildCard } from './cards.js';
import { h, setText } from './dom.js';
import { icon } from './icons.js';
import { normalizeTypes, unknownType, roomKey, roomName, ROOM_HOUSE,
	stateLabel, words } from './model.js';
import { relTime, absTime, clock, propValue, byText } from './format.js';

const TOKEN_KEY = 'homectl.token';
const FAV_KEY = 'homectl.favourites';	// device ids pinned on top, this browser only
const ROOM_FAV = '_fav';
const LAST_KEY = 'homectl.last';	// the last state seen, for a start without the server
const ACTIVITY_MAX = 60;
const SOURCES = { mcp: 'MCP', api: 'API', cli: 'CLI', automation: 'Automation', device: 'Device',
	hass: 'Home Assistant', unknown: 'unknown' };
const SOURCE_TITLES = {
	mcp: 'Made by an AI assistant through MCP',
	api: 'Made through the REST API or a dashboard',
	cli: 'Made with the homectl command',
	automation: 'Made by an automation (homectl-automations)',
	device: 'Reported by the device itself (homectl-mqtt)',
	hass: 'Asked for in Home Assistant (through homectl-mqtt)',
	unknown: 'Made outside homectl (for example with the sqlite3 shell)',
};

// Cards in a room: climate and doors first, then lights, then the rest.
const DISPLAY_ORDER = ['thermostat', 'lock', 'garage', 'light', 'switch', 'plug', 'fan', 'blinds',
	'temperature_sensor', 'motion_sensor'];

const $ = (id) => document.getElementById(id);

// ---- the token ----------------------------------------------------------

function tokenFromFragment() {
	const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
	if (!m)
		return null;
	let tok = null;
	try {
		tok = decodeURIComponent(m[1]);
	} catch (e) {
		tok = null;
	}
	// Out of the address bar (and so out of history and bookmarks) at once.
	history.replaceState(history.state, '', location.pathname + location.search);
	return tok;
}

function loadToken() {
	return sessionStorage.getItem(TOKEN_KEY) || localStorage.getItem(TOKEN_KEY);
}

// Writes only what changes: other tabs see each write as a storage event.
function saveToken(tok, remember) {
	const [keep, drop] = remember ? [localStorage, sessionStorage] : [sessionStorage, localStorage];
	if (drop.getItem(TOKEN_KEY) !== null)
		drop.removeItem(TOKEN_KEY);
	if (keep.getItem(TOKEN_KEY) !== tok)
		keep.setItem(TOKEN_KEY, tok);
}

function loadFavourites() {
	try {
		const v = JSON.parse(localStorage.getItem(FAV_KEY) || '[]');
		return new Set(Array.isArray(v) ? v.filter((x) => typeof x === 'string') : []);
	} catch (e) {
		return new Set();
	}
}

function saveFavourites(set) {
	localStorage.setItem(FAV_KEY, JSON.stringify([...set]));
}

function clearToken() {
	sessionStorage.removeItem(TOKEN_KEY);
	localStorage.removeItem(TOKEN_KEY);
	localStorage.removeItem(LAST_KEY);
}

// ---- toasts and confirmation -------------------------------------------

function toast(message, kind = 'info') {
	const box = $('toasts');
	const close = h('button', { type: 'button', class: 'toast-close', 'aria-label': 'Dismiss' }, '×');
	const t = h('div', { class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : 'status' },
		h('span', { class: 'toast-text' }, message), close);
	const remove = () => t.remove();
	close.addEventListener('click', remove);
	box.append(t);
	while (box.childElementCount > 4)
		box.firstElementChild.remove();
	setTimeout(remove, kind === 'error' ? 8000 : 4000);
}

function confirmDialog(title, text, okText) {
	const dlg = $('confirm');
	setText($('confirm-title'), title);
	setText($('confirm-text'), text);
	setText($('confirm-ok'), okText);
	return new Promise((resolve) => {
		dlg.returnValue = '';
		dlg.addEventListener('close', () => resolve(dlg.returnValue === 'ok'), { once: true });
		dlg.showModal();
	});
}

// ---- the dashboard -------------------------------------------------------

class Dashboard {
	constructor(token, onUnauthorized) {
		this.token = token;
		this.onUnauthorizedCb = onUnauthorized;
		this.api = createApi(() => this.token, (e) => this.unauthorized(e.message));
		this.store = new Store();
		this.types = normalizeTypes(null);
		this.typesLoaded = false;
		this.modes = [];
		this.cards = new Map();		// id -> Card
		this.sections = new Map();	// room key -> {el, grid, count}
		this.activity = [];		// entries, newest first
		this.activitySeqs = new Set();
		this.activityGen = 0;
		this.activityCap = ACTIVITY_MAX;	// grows by a page at each "Show older"
		this.logFilter = { room: '', device: '', source: '' };
		this.lastUpdate = null;
		this.status = 'connecting';
		this.live = null;
		this.filters = { q: '', type: '' };
		this.favourites = loadFavourites();
		this.stopped = false;
		this.tick = setInterval(() => this.refreshTimes(), 10000);
		this.ctx = {
			act: (d, action, props) => this.act(d, action, props),
			isFavourite: (id) => this.favourites.has(id),
			toggleFavourite: (id) => this.toggleFavourite(id),
			openDetails: (id, from) => this.openDetails(id, from),
			toast,
		};
		// Loaded on demand (see the top of this file): null until then.
		this.automations = null;
		this.notifier = null;
		this.details = null;
		this.editor = null;
		this.panels = null;	// the promise of the side panels
		this.panelsAsked = false;
		this.bindFilters();
		this.bindLog();
		this.onEditOpen = () => this.openEditor();
		$('edit-open').addEventListener('click', this.onEditOpen);
	}

	// The side panels: after the first cards, or at once when asked for.
	loadPanels() {
		this.panels ??= Promise.all([import('./automations.js'), import('./notify.js')])
			.then(([{ AutomationsPanel }, { Notifier }]) => {
				if (this.stopped)
					return;
				this.automations = new AutomationsPanel(this.api, toast,
					(send, title, text, ok) => this.confirmed(send, title, text, ok));
				this.notifier = new Notifier({
					devices: () => this.store.devices.values(),
					automations: () => this.automations.list,
					toast,
				});
				this.automations.onload = () => this.notifier.check();
				this.notifier.check();
				this.automations.load();
			});
		return this.panels;
	}

	async openDetails(id, from) {
		if (!this.details) {
			const { DeviceDetails } = await import('./details.js');
			if (this.stopped)
				return;
			this.details ??= new DeviceDetails({
				api: this.api,
				sources: SOURCES,
				typeOf: (d) => this.typeOf(d),
				device: (did) => this.store.devices.get(did),
			});
		}
		this.details.open(id, from);
	}

	async openEditor() {
		if (!this.editor) {
			const { HomeEditor } = await import('./edit.js');
			if (this.stopped)
				return;
			this.editor ??= new HomeEditor({
				api: this.api,
				store: this.store,
				types: () => this.types,
				modes: () => this.modes,
				confirmed: (send, title, text, ok) => this.confirmed(send, title, text, ok),
				ask: confirmDialog,
				toast,
			});
		}
		this.editor.open();
	}

	// Offline (the installed app, the server down): the last state this
	// browser saw, marked stale until the first snapshot replaces it.
	restoreLast() {
		let last = null;
		try {
			last = JSON.parse(localStorage.getItem(LAST_KEY) || 'null');
		} catch (e) {
			last = null;
		}
		if (!last || !last.snapshot || !last.types)
			return;
		this.typesBody = last.types;
		this.types = normalizeTypes(last.types);
		this.store.snapshot({ ...last.snapshot, seq: null });
		this.lastUpdate = last.at;
		this.renderDevices();
		this.renderMode();
		this.renderStats(this.store.stats());
		this.setStatus(this.status);
	}

	saveLast() {
		if (this.saveTimer || !this.typesBody)
			return;
		this.saveTimer = setTimeout(() => {
			this.saveTimer = null;
			if (this.stopped)
				return;
			try {
				localStorage.setItem(LAST_KEY, JSON.stringify({ at: this.lastUpdate, types: this.typesBody,
					snapshot: { devices: [...this.store.devices.values()], rooms: this.store.rooms,
						mode: this.store.mode } }));
			} catch (e) {
				// storage full or off: the app still works online
			}
		}, 1000);
	}

	// The model, the modes and the WebSocket are asked for at once; frames
	// that arrive before the model wait for it.
	async start() {
		this.restoreLast();
		const pre = takeEarly(this.token);
		const early = [];
		let ready = false;
		// What index.html's first script has read already, while the
		// modules came: then the frames it kept (the snapshot) are drawn
		// right here, in the task that runs the modules, so that the page
		// is laid out once, with its cards, not first empty and then again.
		const done = (path) => {
			const r = pre?.done[path];
			if (!r || r.status !== 200)
				return null;	// not yet, or an error: api.get below says
			try {
				return JSON.parse(r.text);
			} catch (e) {
				return null;
			}
		};
		const types0 = done('/api/types'), modes0 = done('/api/modes');
		if (types0 && modes0) {
			this.setTypes(types0);
			this.setModes(modes0);
			ready = true;
		}
		this.live = new Live({
			early: pre,
			token: this.token,
			getSeq: () => this.store.seq,
			onFrame: (m) => (ready ? this.frame(m) : early.push(m)),
			onStatus: (s) => this.setStatus(s),
			onUnauthorized: (msg) => this.unauthorized(msg),
		});
		if (!ready) {
			const [types, modes] = await Promise.allSettled([
				this.api.get('/api/types', pre?.requests['/api/types']),
				this.api.get('/api/modes', pre?.requests['/api/modes'])]);
			if (this.stopped)
				return;
			if (types.status === 'fulfilled')
				this.setTypes(types.value);
			if (modes.status === 'fulfilled')
				this.setModes(modes.value);
			ready = true;
			for (const m of early.splice(0))
				this.frame(m);
		}
		// Without a snapshot yet (the server down), the panels come now.
		this.askPanels(() => setTimeout(() => this.loadPanels(), 0));
	}

	// The side panels are asked for once: after the first snapshot's cards
	// (frame), or at the end of start() when none came.
	askPanels(when) {
		if (!this.panelsAsked) {
			this.panelsAsked = true;
			when();
		}
	}

	setTypes(body) {
		this.typesBody = body;
		this.types = normalizeTypes(body);
		this.typesLoaded = true;
	}

	setModes(body) {
		this.modes = Array.isArray(body) ? body : (body.modes || []);
		this.renderModes();
	}

	// When the server was down as the page loaded, ask again once it is up.
	async loadModes() {
		try {
			const body = await this.api.get('/api/modes');
			if (!this.stopped)
				this.setModes(body);
		} catch (e) {
			// the next snapshot tries again
		}
	}

	// Likewise the model: the cards are rebuilt from the server's table.
	async loadTypes() {
		try {
			const body = await this.api.get('/api/types');
			if (this.stopped)
				return;
			this.setTypes(body);
			this.cards.clear();
			this.renderDevices();
		} catch (e) {
			// no types yet: the cards show what each device has, read-only,
			// until the next snapshot asks again
		}
	}

	// A room, mode or scene was edited (by anyone): the rooms and the modes
	// are read again; the devices already came with the feed.
	async reloadHome() {
		const [rooms, modes] = await Promise.allSettled([
			this.api.get('/api/rooms'), this.api.get('/api/modes')]);
		if (this.stopped)
			return;
		if (rooms.status === 'fulfilled') {
			this.store.setRooms(rooms.value.rooms);
			this.renderDevices();
		}
		if (modes.status === 'fulfilled')
			this.setModes(modes.value);
		this.editor?.refresh();
	}

	stop() {
		this.stopped = true;
		$('edit-open').removeEventListener('click', this.onEditOpen);
		if (this.editor?.isOpen)
			this.editor.dialog.close();
		if (this.details?.isOpen)
			this.details.dialog.close();
		clearInterval(this.tick);
		this.automations?.stop();
		if (this.live)
			this.live.stop();
	}

	unauthorized(message) {
		if (this.stopped)
			return;
		this.stop();
		this.onUnauthorizedCb(message, this.lastUpdate != null);
	}

	// ---- connection ----

	setStatus(s) {
		this.status = s;
		const text = {
			connecting: 'Connecting…', connected: 'Connected', reconnecting: 'Reconnecting…',
			offline: 'Offline', unauthorized: 'Signed out',
		}[s] || s;
		$('conn').dataset.status = s;
		setText($('conn-text'), text);
		const stale = s !== 'connected' && this.lastUpdate != null;
		document.body.classList.toggle('stale', stale);
		$('stale-note').hidden = !stale;
		this.renderUpdated();
	}

	renderUpdated() {
		const el = $('conn-time');
		if (this.lastUpdate == null) {
			setText(el, '');
			return;
		}
		setText(el, `updated ${clock(this.lastUpdate)}`);
		el.title = `Last update from the server: ${absTime(this.lastUpdate)}`;
	}

	frame(msg) {
		this.lastUpdate = Date.now();
		if (msg.type === 'snapshot') {
			this.store.snapshot(msg);
			this.renderDevices();
			this.renderMode();
			this.renderStats(this.store.stats());
			this.loadActivity();
			// The side panels once these cards are on the screen.
			this.askPanels(() => requestAnimationFrame(() => setTimeout(() => this.loadPanels(), 0)));
			if (!this.modes.length)
				this.loadModes();
			if (!this.typesLoaded)
				this.loadTypes();
		} else {
			const applied = this.store.changes(msg);
			let layout = false, home = false;
			for (const { change, prev } of applied) {
				if (change.kind === 'command') {
					// A real device's command: the card shows it pending.
					const d = change.device && this.store.devices.get(change.device.id);
					const card = d && this.cards.get(d.id);
					if (card)
						card.update(d);
					continue;
				}
				if (change.kind === 'device') {
					const d = change.device && this.store.devices.get(change.device.id);
					if (!d)
						continue;
					this.details?.changed(d.id);
					const card = this.cards.get(d.id);
					if (!card || !prev || prev.room !== d.room || prev.type !== d.type ||
					    prev.name !== d.name)
						layout = true;
					else
						card.update(d);
				} else if (change.kind === 'device_removed') {
					layout = true;
				} else if (change.kind === 'mode') {
					this.renderMode();
				} else if (change.kind === 'home') {
					home = true;
				} else if (change.kind === 'automation' && change.run) {
					// How a run ended: the panel's "last run" and, when
					// it failed, the notification, from the frame itself.
					this.automations?.ran(change.run);
				}
				this.addActivity(change, prev);
			}
			if (layout)
				this.renderDevices();
			if (home)
				this.reloadHome();
			else if (layout)
				this.editor?.refresh();
			if (applied.length) {
				this.renderActivity();
				this.renderStats(this.store.stats());
			}
		}
		this.renderUpdated();
		this.notifier?.check();
		this.saveLast();
	}

	// ---- controls ----

	// Which changes need the user's yes is the server's rule (common/ops):
	// the dashboard sends, and when the answer is confirmation_required it
	// asks and sends again with confirm: true.
	async confirmed(send, title, text, okText) {
		try {
			return await send(false);
		} catch (e) {
			if (e.code !== 'confirmation_required')
				throw e;
			if (!await confirmDialog(title, text, okText))
				return null;
			return send(true);
		}
	}

	async act(device, action, props) {
		const type = device.type;
		const name = device.name || device.id;
		const body = { action };
		if (props)
			body.properties = props;
		// Words for the person; whether to ask at all is the server's answer.
		const text = type === 'lock' && device.state === 'locked' && action !== 'lock' ?
			'This unlocks the door: anyone can open it.' :
			type === 'garage' && device.state === 'closed' && action !== 'close' ?
				'This opens the garage door to the outside.' : 'This home asks before every change.';
		try {
			const res = await this.confirmed((confirm) =>
				this.api.post(`/api/devices/${encodeURIComponent(device.id)}/actions`,
					confirm ? { ...body, confirm: true } : body),
			`${words(action)} ${name}?`, text, words(action));
			// The reply's devices are not taken: the change feed brings the
			// state, in order, for this page and every other.
			return;
		} catch (e) {
			if (e.status !== 401)
				toast(`${device.name || device.id}: ${e.message}`, 'error');
		}
	}

	async setMode(name) {
		try {
			const res = await this.confirmed((confirm) =>
				this.api.put('/api/mode', confirm ? { mode: name, confirm: true } : { mode: name }),
			`Switch to ${words(name)}?`, 'This home asks before every change.', 'Switch');
			if (!res) {
				this.renderMode();
				return;
			}
			toast(`Mode set to ${words(res.mode || name)}.`);
		} catch (e) {
			if (e.status !== 401)
				toast(`Mode: ${e.message}`, 'error');
			this.renderMode();
		}
	}

	// ---- modes and stats ----

	renderModes() {
		const box = $('mode-switch');
		box.replaceChildren(...this.modes.map((m) => {
			const b = h('button', { type: 'button', class: 'mode-btn', 'data-mode': m.name,
				'aria-pressed': 'false', title: m.description || '' }, words(m.name));
			b.addEventListener('click', () => {
				if (b.getAttribute('aria-pressed') === 'true')
					return;
				for (const o of box.children)
					o.setAttribute('aria-pressed', o === b ? 'true' : 'false');
				this.setMode(m.name);
			});
			return b;
		}));
		this.renderMode();
	}

	renderMode() {
		const mode = this.store.mode;
		for (const b of $('mode-switch').children)
			b.setAttribute('aria-pressed', b.dataset.mode === mode ? 'true' : 'false');
		const badge = $('mode-badge');
		badge.hidden = !mode;
		badge.dataset.mode = mode || '';
		setText(badge, mode ? `${words(mode)} mode` : '');
	}

	renderStats(s) {
		const garage = typeof s.garage_open === 'boolean' ? (s.garage_open ? 'Open' : 'Closed') :
			(Number(s.garage_open) > 0 ? (Number(s.garage_open) > 1 ? `${s.garage_open} open` : 'Open') : 'Closed');
		const items = [
			['light', 'Lights on', `${s.lights?.on ?? 0}`, `/ ${s.lights?.total ?? 0}`, 'lights'],
			['lock', 'Doors locked', `${s.doors?.locked ?? 0}`, `/ ${s.doors?.total ?? 0}`, 'doors'],
			['garage', 'Garage', garage, '', 'garage'],
			['house', 'Devices', `${s.total_devices ?? 0}`, '', 'devices'],
		];
		const box = $('stats');
		if (box.childElementCount !== items.length) {
			box.replaceChildren(...items.map(([ic, label, , , key]) =>
				h('li', { class: 'stat', 'data-stat': key },
					h('span', { class: 'stat-icon', html: icon(ic) }),
					h('span', { class: 'stat-label' }, label),
					h('span', { class: 'stat-num' }, h('span', { class: 'stat-value' }),
						h('span', { class: 'stat-of' })))));
		}
		items.forEach(([, , value, of, key], i) => {
			const el = box.children[i];
			setText(el.querySelector('.stat-value'), value);
			setText(el.querySelector('.stat-of'), of);
			if (key === 'doors')
				el.dataset.alert = String((s.doors?.locked ?? 0) < (s.doors?.total ?? 0));
			if (key === 'garage')
				el.dataset.alert = String(garage !== 'Closed');
		});
	}

	// ---- devices ----

	typeOf(d) {
		return this.types.get(d.type) || unknownType(d.type, d);
	}

	groups() {
		const order = new Map();
		order.set(ROOM_HOUSE, { key: ROOM_HOUSE, name: 'Whole house', devices: [] });
		for (const r of this.store.rooms)
			order.set(r.id, { key: r.id, name: r.name || words(r.id), devices: [] });
		const extra = [];
		for (const d of this.store.devices.values()) {
			const k = roomKey(d);
			if (!order.has(k)) {
				const g = { key: k, name: roomName(d), devices: [] };
				order.set(k, g);
				extra.push(g);
			}
			order.get(k).devices.push(d);
		}
		const typeRank = [...new Set([...DISPLAY_ORDER, ...this.types.keys()])];
		const rank = (t) => {
			const i = typeRank.indexOf(t);
			return i < 0 ? typeRank.length : i;
		};
		for (const g of order.values())
			g.devices.sort((a, b) => rank(a.type) - rank(b.type) ||
				byText(String(a.name || a.id), String(b.name || b.id)));
		// Favourites move out of their room to the top, in the rooms' order.
		const fav = { key: ROOM_FAV, name: 'Favourites', devices: [] };
		for (const g of order.values()) {
			for (const d of g.devices)
				if (this.favourites.has(d.id))
					fav.devices.push(d);
			g.devices = g.devices.filter((d) => !this.favourites.has(d.id));
		}
		return [fav, ...order.values()].filter((g) => g.devices.length);
	}

	toggleFavourite(id) {
		if (this.favourites.has(id))
			this.favourites.delete(id);
		else
			this.favourites.add(id);
		saveFavourites(this.favourites);
		const card = this.cards.get(id);
		this.renderDevices();
		if (card) {
			card.update(card.current);
			card.favBtn.focus();
		}
	}

	renderDevices() {
		const root = $('devices');
		const groups = this.groups();
		const seen = new Set();
		const wantSections = [];
		for (const g of groups) {
			let sec = this.sections.get(g.key);
			if (!sec) {
				const title = h('h2', { class: 'room-title' },
					h('span', { class: 'room-name' }), h('span', { class: 'room-count' }));
				const grid = h('div', { class: 'grid' });
				sec = { el: h('section', { class: 'room', 'data-room': g.key, id: `room-${g.key}`,
					tabindex: '-1' }, title, grid), title, grid };
				this.sections.set(g.key, sec);
			}
			setText(sec.title.firstChild, g.name);
			sec.el.setAttribute('aria-label', g.name);
			const els = g.devices.map((d) => {
				seen.add(d.id);
				let card = this.cards.get(d.id);
				if (!card || card.type.name !== d.type) {
					card = buildCard(d, this.typeOf(d), this.ctx);
					this.cards.set(d.id, card);
				} else {
					card.update(d);
				}
				return card.el;
			});
			const cur = [...sec.grid.children];
			if (cur.length !== els.length || cur.some((e, i) => e !== els[i]))
				sec.grid.replaceChildren(...els);
			wantSections.push(sec.el);
		}
		for (const [id] of this.cards)
			if (!seen.has(id))
				this.cards.delete(id);
		for (const [k, sec] of this.sections)
			if (!groups.some((g) => g.key === k))
				this.sections.delete(k);
		const curSecs = [...root.querySelectorAll(':scope > section.room')];
		if (curSecs.length !== wantSections.length || curSecs.some((e, i) => e !== wantSections[i])) {
			for (const s of curSecs)
				if (!wantSections.includes(s))
					s.remove();
			const empty = $('devices-empty');
			root.append(...wantSections, empty);
		}
		this.renderFilterOptions(groups);
		this.applyFilters();
	}

	bindFilters() {
		$('search').addEventListener('input', (e) => {
			if (this.stopped)
				return;
			this.filters.q = e.target.value;
			this.applyFilters();
		});
		$('filter-type').addEventListener('change', (e) => {
			if (this.stopped)
				return;
			this.filters.type = e.target.value;
			this.applyFilters();
		});
	}

	renderFilterOptions(groups) {
		const fill = (sel, first, opts, cur) => {
			const want = [['', first], ...opts];
			const have = [...sel.options].map((o) => [o.value, o.textContent]);
			if (JSON.stringify(want) !== JSON.stringify(have))
				sel.replaceChildren(...want.map(([v, t]) => h('option', { value: v }, t)));
			sel.value = want.some(([v]) => v === cur) ? cur : '';
			return sel.value;
		};
		const present = new Set([...this.store.devices.values()].map((d) => d.type));
		const types = [...present].map((t) => [t, this.typeOf({ type: t, properties: {} }).label])
			.sort((a, b) => byText(a[1], b[1]));
		this.filters.type = fill($('filter-type'), 'All types', types, this.filters.type);
		this.renderJump(groups);
		this.renderLogFilters();
	}

	// The jump bar: a link per room, then the activity and the automations.
	renderJump(groups) {
		const nav = $('jump-list');
		const want = [...groups.map((g) => [`room-${g.key}`, g.name]),
			['activity', 'Activity'], ['alerts', 'Notifications'], ['automations', 'Automations']];
		const have = [...nav.children].map((li) => [li.firstChild.dataset.target, li.firstChild.textContent]);
		if (JSON.stringify(want) === JSON.stringify(have))
			return;
		nav.replaceChildren(...want.map(([id, name]) => {
			const a = h('a', { href: `#${id}`, 'data-target': id }, name);
			a.addEventListener('click', (e) => {
				e.preventDefault();
				const el = $(id);
				if (!el)
					return;
				el.scrollIntoView({ block: 'start' });
				el.focus({ preventScroll: true });
			});
			return h('li', {}, a);
		}));
	}

	// A device matches when every word typed is in its name, its room, its
	// type or its id.
	matches(el, words) {
		if (!words.length)
			return true;
		const card = this.cards.get(el.dataset.id);
		const d = card && card.current;
		if (!d)
			return false;
		const hay = [d.name, d.id, roomName(d), card.type.label, d.type].join(' ').toLowerCase();
		return words.every((w) => hay.includes(w));
	}

	applyFilters() {
		const { type } = this.filters;
		const words = this.filters.q.toLowerCase().split(/\s+/).filter(Boolean);
		let shown = 0;
		for (const [, sec] of this.sections) {
			let n = 0;
			for (const el of sec.grid.children) {
				const ok = (!type || el.dataset.type === type) && this.matches(el, words);
				el.hidden = !ok;
				if (ok)
					n++;
			}
			sec.el.hidden = n === 0;
			setText(sec.title.lastChild, String(n));
			shown += n;
		}
		for (const li of $('jump-list').children) {
			const sec = $(li.firstChild.dataset.target);
			li.hidden = Boolean(sec && sec.classList.contains('room') && sec.hidden);
		}
		const empty = $('devices-empty');
		empty.hidden = shown > 0;
		setText(empty, this.store.devices.size ? 'No device matches this search.' :
			(this.lastUpdate ? 'This home has no devices yet.' : 'Waiting for the first snapshot…'));
	}

	// ---- activity ----

	// After a snapshot: the list starts again from the server's history up to
	// the snapshot's seq, plus whatever arrived live since.
	async loadActivity() {
		const seq = this.store.seq ?? 0;
		const gen = ++this.activityGen;
		this.activity = [];
		this.activitySeqs = new Set();
		this.activityCap = ACTIVITY_MAX;
		this.olderDone = false;
		this.renderActivity();
		let res;
		try {
			res = await this.api.get(`/api/changes?since=${Math.max(0, seq - ACTIVITY_MAX)}&limit=${ACTIVITY_MAX}`);
		} catch (e) {
			return;
		}
		if (gen !== this.activityGen || this.stopped)
			return;
		const list = (res.changes || []).filter((c) => c.seq <= seq).sort((a, b) => a.seq - b.seq);
		const last = new Map();
		for (const c of list) {
			let prev = null;
			if (c.kind === 'device' && c.device) {
				prev = last.get(c.device.id) || null;
				last.set(c.device.id, c.device);
			}
			this.addActivity(c, prev);
		}
		this.renderActivity();
	}

	addActivity(c, prev) {
		if (this.activitySeqs.has(c.seq))
			return;
		const dev = c.device || (prev && typeof prev === 'object' ? prev : null);
		this.pushActivity({ seq: c.seq, at: c.at, source: c.source || 'unknown',
			automation: c.automation, device: dev ? dev.id : c.device_id || null,
			room: dev ? roomKey(dev) : null, ...this.describe(c, prev) });
	}

	pushActivity(e) {
		if (this.activitySeqs.has(e.seq))
			return;
		this.activitySeqs.add(e.seq);
		let i = 0;
		while (i < this.activity.length && this.activity[i].seq > e.seq)
			i++;
		this.activity.splice(i, 0, e);
		while (this.activity.length > this.activityCap)
			this.activitySeqs.delete(this.activity.pop().seq);
	}

	describe(c, prev) {
		if (c.kind === 'mode')
			return { icon: 'house', who: 'Home mode', what: `${words(c.mode)}` };
		if (c.kind === 'home') {
			// The structure was edited: room:ID, mode:NAME, or the whole home.
			const [what, name] = String(c.subject || '').split(/:(.*)/s);
			const who = what === 'room' ? `Room ${name}` : what === 'mode' ? `${words(name)} mode` : 'The home';
			return { icon: 'house', who, what: 'edited' };
		}
		if (c.kind === 'automation') {
			const r = c.run || {};
			return { icon: 'activity', who: `Automation "${r.automation}"`,
				what: r.error ? `${r.outcome}: ${r.error}` : String(r.outcome) };
		}
		if (c.kind === 'device_removed') {
			const name = (prev && prev.name) || c.device_id;
			return { icon: prev ? prev.type : 'device', who: name, what: 'removed' };
		}
		const d = c.device || {};
		const type = this.typeOf(d);
		const parts = [];
		if (!prev || prev.state !== d.state)
			parts.push(stateLabel(d.state));
		for (const p of type.props) {
			const v = (d.properties || {})[p.name];
			const was = prev ? (prev.properties || {})[p.name] : undefined;
			if (v == null || p.name === 'unit' || p.name === 'started_at' ||
			    (p.kind === 'bool' && type.states.includes(p.name)))
				continue;
			if (prev && JSON.stringify(v) === JSON.stringify(was))
				continue;
			if (!prev && p.kind === 'time')
				continue;
			const text = p.kind === 'time' ? `${p.label.toLowerCase()} just now` :
				`${p.label.toLowerCase()} ${propValue(p, v, d)}`;
			parts.push(prev && was != null && p.kind !== 'time' ?
				`${p.label.toLowerCase()} ${propValue(p, was, prev)} → ${propValue(p, v, d)}` : text);
		}
		return { icon: d.type, who: d.name || d.id, what: parts.join(', ') || 'updated' };
	}

	// The logbook's pages: the changes before the oldest one shown.
	async loadOlder() {
		const oldest = this.activity.length ? this.activity[this.activity.length - 1].seq : (this.store.seq ?? 0) + 1;
		const since = Math.max(0, oldest - 1 - ACTIVITY_MAX);
		const btn = $('activity-older');
		btn.disabled = true;
		let res;
		try {
			res = await this.api.get(`/api/changes?since=${since}&limit=${ACTIVITY_MAX}`);
		} catch (e) {
			toast(`Activity: ${e.message}`, 'error');
			btn.disabled = false;
			return;
		}
		if (this.stopped)
			return;
		this.activityCap += ACTIVITY_MAX;
		for (const c of (res.changes || []).filter((x) => x.seq < oldest))
			this.addActivity(c, null);
		btn.disabled = false;
		this.olderDone = since <= Math.max(0, (res.oldest ?? 1) - 1);
		this.renderActivity();
	}

	bindLog() {
		for (const [key, id] of [['room', 'log-room'], ['device', 'log-device'], ['source', 'log-source']]) {
			$(id).addEventListener('change', (e) => {
				this.logFilter[key] = e.target.value;
				if (key === 'room')
					this.renderLogFilters();
				this.renderActivity();
			});
		}
		$('activity-older').addEventListener('click', () => this.loadOlder());
	}

	renderLogFilters() {
		const fill = (sel, first, opts, cur) => {
			const want = [['', first], ...opts];
			const have = [...sel.options].map((o) => [o.value, o.textContent]);
			if (JSON.stringify(want) !== JSON.stringify(have))
				sel.replaceChildren(...want.map(([v, t]) => h('option', { value: v }, t)));
			sel.value = want.some(([v]) => v === cur) ? cur : '';
			return sel.value;
		};
		const rooms = [{ key: ROOM_HOUSE, name: 'Whole house' },
			...this.store.rooms.map((r) => ({ key: r.id, name: r.name || words(r.id) }))];
		const f = this.logFilter;
		f.room = fill($('log-room'), 'All rooms', rooms.map((r) => [r.key, r.name]), f.room);
		const devs = [...this.store.devices.values()].filter((d) => !f.room || roomKey(d) === f.room)
			.map((d) => [d.id, d.name || d.id]).sort((a, b) => byText(a[1], b[1]));
		f.device = fill($('log-device'), 'All devices', devs, f.device);
		f.source = fill($('log-source'), 'All sources',
			Object.keys(SOURCES).map((k) => [k, SOURCES[k]]), f.source);
	}

	renderActivity() {
		const ol = $('activity-list');
		const f = this.logFilter;
		const shown = this.activity.filter((e) => (!f.room || e.room === f.room) &&
			(!f.device || e.device === f.device) && (!f.source || e.source === f.source));
		ol.replaceChildren(...shown.map((e) => {
			const src = SOURCES[e.source] ? e.source : 'unknown';
			const t = h('time', { 'data-ts': e.at || '', datetime: e.at || '', title: absTime(e.at) },
				relTime(e.at));
			return h('li', { class: 'activity-item', 'data-seq': e.seq, 'data-source': src,
				'data-device': e.device || '', 'data-room': e.room || '' },
				h('span', { class: 'activity-icon', html: icon(e.icon) }),
				h('div', { class: 'activity-body' },
					h('p', { class: 'activity-what' }, h('strong', {}, e.who), ' ', e.what),
					h('p', { class: 'activity-meta' }, t,
						h('span', { class: `src src-${src}`, title: e.automation ?
							`${SOURCE_TITLES[src]}: ${e.automation}` : SOURCE_TITLES[src] },
						e.automation ? `${SOURCES[src]}: ${e.automation}` : SOURCES[src]))));
		}));
		$('activity-empty').hidden = shown.length > 0;
		setText($('activity-empty'), this.activity.length ? 'No change matches these filters: show older ones, or change them.' :
			'No changes yet.');
		$('activity-older').hidden = Boolean(this.olderDone);
	}

	refreshTimes() {
		this.notifier?.check();	// "left open for N minutes" comes with time
		for (const el of document.querySelectorAll('[data-ts]')) {
			const ts = el.dataset.ts;
			if (!ts)
				continue;
			if (el.classList.contains('card-time'))
				setText(el, `updated ${relTime(ts)}`);
			else if (el.tagName === 'DD')
				setText(el, relTime(ts));
			else
				setText(el, relTime(ts));
		}
	}
}

// ---- views ----------------------------------------------------------------

let dash = null;
let refused = null;	// the last token the server refused

// message: what to tell the person; detail: what the server said, if other.
function showLogin(message, detail) {
	takeEarly(null);	// nobody will take it now
	if (dash) {
		dash.stop();
		dash = null;
	}
	$('app-view').hidden = true;
	$('logout').hidden = true;
	$('login-view').hidden = false;
	$('conn').dataset.status = 'unauthorized';
	setText($('conn-text'), 'Signed out');
	setText($('conn-time'), '');
	$('mode-badge').hidden = true;
	const msg = $('login-msg');
	setText(msg, message || '');
	msg.hidden = !message;
	const det = $('login-detail');
	setText(det, detail ? `The server said: ${detail}` : '');
	det.hidden = !detail || !message;
	document.body.classList.remove('stale');
	document.body.dataset.view = 'login';
	$('token-input').focus();
}

// What index.html's first script started for this token (once; null when it
// started nothing, or for another token, whose socket is closed then).
function takeEarly(token) {
	const early = window.homectlEarly;
	window.homectlEarly = null;
	if (early && early.token === token)
		return early;
	early?.ws?.close();
	return null;
}

function showApp(token, fresh) {
	if (dash)
		dash.stop();
	$('login-view').hidden = true;
	$('app-view').hidden = false;
	$('logout').hidden = false;
	document.body.dataset.view = 'app';
	// Start from a clean slate: nothing of an earlier session survives.
	$('devices').querySelectorAll('section.room').forEach((s) => s.remove());
	$('activity-list').replaceChildren();
	$('stats').replaceChildren();
	$('mode-switch').replaceChildren();
	const d = new Dashboard(token, (message, accepted) => {
		const stored = loadToken();
		refused = token;
		if (stored === token)
			clearToken();
		showLogin(fresh && !accepted ?
			'That token was not accepted: it is unknown or has been revoked.' :
			'Your access token is no longer accepted: it has been revoked or is unknown. Sign in with a new token.',
		message);
	});
	dash = d;
	d.start();
}

// The sticky bars' heights, for scroll-margin and the toolbar's place.
// The sizes come with the observers' reports (no layout forced to read
// them), the top bar's stickiness from the width style.css makes it static
// at, and a property is written only when it changes: each write makes the
// whole page's style and layout be worked out again.
function trackBars() {
	const top = document.querySelector('.topbar');
	const bar = $('toolbar');
	const phone = matchMedia('(max-width: 640px)');	// .topbar { position: static }
	const size = new Map([[top, 0], [bar, 0]]);
	const written = new Map();
	const put = (name, px) => {
		const v = `${Math.round(px)}px`;
		if (written.get(name) !== v) {
			written.set(name, v);
			document.documentElement.style.setProperty(name, v);
		}
	};
	const set = () => {
		put('--topbar-h', phone.matches ? 0 : size.get(top));
		put('--toolbar-h', size.get(bar));
	};
	const ro = new ResizeObserver((entries) => {
		for (const e of entries)
			size.set(e.target, e.borderBoxSize?.[0]?.blockSize ?? e.target.offsetHeight);
		set();
	});
	ro.observe(top);
	ro.observe(bar);
	phone.addEventListener('change', set);
}

function boot() {
	trackBars();
	// The installed app's shell, offline too (sw.js).
	if ('serviceWorker' in navigator)
		navigator.serviceWorker.register('sw.js').catch(() => {});
	const frag = tokenFromFragment();
	if (frag)
		saveToken(frag, true);
	const tok = loadToken();
	if (tok)
		showApp(tok, Boolean(frag));
	else
		showLogin('');

	$('login-form').addEventListener('submit', (e) => {
		e.preventDefault();
		const tok2 = $('token-input').value.trim();
		if (!tok2)
			return;
		saveToken(tok2, $('remember').checked);
		$('token-input').value = '';
		showApp(tok2, true);
	});
	$('logout').addEventListener('click', () => {
		clearToken();
		showLogin('Signed out.');
	});
	// A sign-in link opened in a tab that is already open.
	window.addEventListener('hashchange', () => {
		const t = tokenFromFragment();
		if (t) {
			saveToken(t, true);
			refused = null;
			showApp(t, true);
		}
	});
	// Several tabs share a remembered token: follow sign-in and sign-out.
	window.addEventListener('storage', (e) => {
		if (e.key !== TOKEN_KEY && e.key !== null)
			return;
		const now = loadToken();
		if (!now && dash)
			showLogin('Signed out in another tab.');
		else if (now && now !== refused && (!dash || dash.token !== now))
			showApp(now, false);
	});
}

boot();
