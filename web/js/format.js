// SPDX-License-Identifier: MIT
// format.js -- values in human terms: units, relative times, fan speeds.

const FAN_SPEEDS = ['Off', 'Low', 'Medium', 'High'];
const ZONES = { front_yard: 'Front yard', back_yard: 'Back yard', side_yard: 'Side yard' };
const MODES = { heat: 'Heat', cool: 'Cool', auto: 'Auto', off: 'Off' };

// One formatter each, made once: toLocaleString() and localeCompare() make
// a new ICU formatter or collator on every call, which a page of cards with
// times and sorted names pays for many times at start (make bench-web-paint).
const DATE = new Intl.DateTimeFormat();
const DATE_TIME = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'numeric',
	day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
const CLOCK = new Intl.DateTimeFormat([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });

// Compares two strings as a person sorts them (for Array.prototype.sort).
export const byText = new Intl.Collator().compare;

export function parseTime(s) {
	if (!s)
		return null;
	const t = Date.parse(s);
	return Number.isNaN(t) ? null : t;
}

// "just now", "12 s ago", "5 min ago", "3 h ago", "2 days ago", or a date.
export function relTime(s, now = Date.now()) {
	const t = typeof s === 'number' ? s : parseTime(s);
	if (t == null)
		return 'never';
	const d = Math.round((now - t) / 1000);
	if (d < 5 && d > -5)
		return 'just now';
	if (d < 0) {
		// An automation's next run; a device's clock that runs ahead.
		const f = -d;
		if (f < 60)
			return `in ${f} s`;
		if (f < 3600)
			return `in ${Math.ceil(f / 60)} min`;
		if (f < 86400)
			return `in ${Math.floor(f / 3600)} h ${Math.floor(f % 3600 / 60)} min`;
		if (f < 86400 * 7) {
			const n = Math.floor(f / 86400);
			return `in ${n} day${n === 1 ? '' : 's'}`;
		}
		return DATE.format(t);
	}
	if (d < 60)
		return `${d} s ago`;
	if (d < 3600)
		return `${Math.floor(d / 60)} min ago`;
	if (d < 86400)
		return `${Math.floor(d / 3600)} h ago`;
	if (d < 86400 * 7) {
		const n = Math.floor(d / 86400);
		return `${n} day${n === 1 ? '' : 's'} ago`;
	}
	return DATE.format(t);
}

export function clock(t) {
	return CLOCK.format(t);
}

export function absTime(s) {
	const t = typeof s === 'number' ? s : parseTime(s);
	return t == null ? '' : DATE_TIME.format(t);
}

function num(v) {
	if (typeof v !== 'number')
		return String(v);
	return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

export function fanSpeed(v) {
	return FAN_SPEEDS[v] ?? String(v);
}

export function choiceLabel(prop, v) {
	if (prop.name === 'zone')
		return ZONES[v] || String(v).replace(/_/g, ' ');
	if (prop.name === 'mode')
		return MODES[v] || String(v);
	return String(v).replace(/_/g, ' ');
}

// One property value as a person reads it. device gives context (a
// temperature sensor's unit is a property of its own).
export function propValue(prop, v, device) {
	if (v == null)
		return '–';
	switch (prop.kind) {
	case 'time':
		return relTime(v);
	case 'bool':
		return v ? 'Yes' : 'No';
	case 'enum':
		return choiceLabel(prop, v);
	case 'string':
		return prop.name === 'zone' ? choiceLabel(prop, v) : String(v);
	}
	if (prop.name === 'speed' && prop.max === 3)
		return fanSpeed(v);
	let unit = prop.unit;
	if (prop.name === 'value' && device && device.properties && device.properties.unit) {
		const u = String(device.properties.unit);
		unit = /^°/.test(u) ? u : (u.length <= 2 ? `°${u}` : u);
	}
	if (!unit)
		return num(v);
	if (unit === '%' || unit.startsWith('°'))
		return `${num(v)}${unit}`;
	return `${num(v)} ${unit}`;
}
