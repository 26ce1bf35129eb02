// SPDX-License-Identifier: MIT
// model.js -- the device model as served by GET /api/types, normalised into
// one shape the cards are built from, plus the labels people read.

const STATE_LABELS = {
	on: 'On', off: 'Off', open: 'Open', closed: 'Closed', partial: 'Partly open',
	locked: 'Locked', unlocked: 'Unlocked', active: 'Active', idle: 'Idle',
	motion: 'Motion', no_motion: 'No motion', charging: 'Charging', feeding: 'Feeding',
	heat: 'Heating', cool: 'Cooling', auto: 'Auto',
};

// How a state reads at a glance: on (lit, running), ok (safe), warn (open
// to the outside), off (at rest).
const STATE_TONES = {
	on: 'on', active: 'on', motion: 'on', charging: 'on', feeding: 'on', heat: 'on',
	cool: 'on', auto: 'on', locked: 'ok', closed: 'ok', unlocked: 'warn', open: 'warn',
	partial: 'warn', off: 'off', idle: 'off', no_motion: 'off',
};

const PROP_LABELS = {
	brightness: 'Brightness', color_temp: 'Colour temperature', speed: 'Speed',
	position: 'Position', target_temp: 'Target', current_temp: 'Now', mode: 'Mode',
	value: 'Temperature', unit: 'Unit', last_motion: 'Last motion', zone: 'Zone',
	duration: 'Duration', started_at: 'Started', battery_level: 'Battery',
	charging: 'Charging', last_fed: 'Last fed', power: 'Power',
};

const ROOM_HOUSE = '_house';

// Actions that carry property values (model.c: value_actions).
export const VALUE_ACTIONS = ['set', 'on'];

function words(id) {
	const s = String(id).replace(/_/g, ' ');
	return s.charAt(0).toUpperCase() + s.slice(1);
}

function normProp(name, s) {
	let kind = 'string';
	if (Array.isArray(s.enum) || Array.isArray(s.choices))
		kind = 'enum';
	else if (s.type === 'integer')
		kind = 'int';
	else if (s.type === 'number')
		kind = 'number';
	else if (s.type === 'boolean')
		kind = 'bool';
	else if (s.format === 'date-time' || s.kind === 'time')
		kind = 'time';
	return {
		name,
		label: PROP_LABELS[name] || words(name),
		kind,
		min: s.minimum ?? s.min ?? null,
		max: s.maximum ?? s.max ?? null,
		choices: s.enum || s.choices || null,
		unit: s.unit ?? null,
		readOnly: Boolean(s.readOnly ?? s.read_only ?? false),
		description: s.description || '',
	};
}

function normType(name, t) {
	const props = [];
	const raw = t.properties || t.props || {};
	if (Array.isArray(raw))
		for (const p of raw)
			props.push(normProp(p.name, p));
	else
		for (const [k, v] of Object.entries(raw))
			props.push(normProp(k, v || {}));
	const actions = (t.actions || []).map((a) => (typeof a === 'string' ? a : a.name));
	return {
		name,
		label: t.label || words(name),
		states: t.states || [],
		actions,
		sensor: t.sensor || null,
		props,
		prop(n) { return props.find((p) => p.name === n) || null; },
		can(a) { return actions.includes(a); },
	};
}

// Turns the body of GET /api/types into a Map name -> type. The server's
// table (common/model.c) is the only one: before it answers there are no
// types, and cards show what a device has, read-only.
export function normalizeTypes(body) {
	let src = body && typeof body === 'object' ? body : {};
	if (src.types && typeof src.types === 'object')
		src = src.types;
	const out = new Map();
	if (Array.isArray(src)) {
		for (const t of src)
			out.set(t.name, normType(t.name, t));
	} else {
		for (const [k, v] of Object.entries(src))
			out.set(k, normType(k, v || {}));
	}
	return out;
}

// A type that the model does not know: read-only, shows what it has.
export function unknownType(name, device) {
	const props = {};
	for (const [k, v] of Object.entries(device.properties || {}))
		props[k] = { type: typeof v === 'number' ? 'number' : 'string', readOnly: true };
	return normType(name, { states: [], actions: [], properties: props });
}

export function stateLabel(s) {
	if (s == null)
		return 'Unknown';
	return STATE_LABELS[s] || words(s);
}

// Open blinds are daylight, an open garage is a way in.
export function stateTone(s, type) {
	if (type === 'blinds' && (s === 'open' || s === 'partial'))
		return 'on';
	if (s === 'active' && type && type.endsWith('_sensor'))
		return 'ok';
	return STATE_TONES[s] || 'off';
}

export function roomKey(device) {
	return device.room == null ? ROOM_HOUSE : device.room;
}

export function roomName(device) {
	if (device.room == null)
		return 'Whole house';
	return device.room_name || words(device.room);
}

export { ROOM_HOUSE, words };
