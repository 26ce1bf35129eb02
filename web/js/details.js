// SPDX-License-Identifier: MIT
// details.js -- a device's details: its history over the last 24 hours or
// 7 days from GET /api/devices/{id}/history (downsampled by the server), a
// line chart per number and a timeline of its states, each drawn here as
// SVG with a text alternative, and the list of changes with who made each.

import { h, setText, uid } from './dom.js';
import { stateLabel, stateTone } from './model.js';
import { absTime, propValue } from './format.js';

const RANGES = [['day', 'Last 24 hours', 24 * 3600 * 1000], ['week', 'Last 7 days', 7 * 24 * 3600 * 1000]];
const POINTS = 300;	// what a chart this wide can show
const W = 600;		// the charts' drawing width (viewBox units)
const SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attrs, ...children) {
	const el = document.createElementNS(SVG, tag);
	for (const [k, v] of Object.entries(attrs || {}))
		el.setAttribute(k, String(v));
	el.append(...children);
	return el;
}

const short = (t, range) => new Date(t).toLocaleString([], range === 'day' ?
	{ hour: '2-digit', minute: '2-digit' } : { weekday: 'short', hour: '2-digit' });

// opts: api, sources (key -> label), typeOf(device), device(id) -> the
// device as the feed has it now.
export class DeviceDetails {
	constructor(opts) {
		this.opts = opts;
		this.dialog = document.getElementById('details');
		this.body = document.getElementById('details-body');
		this.title = document.getElementById('details-title');
		this.status = document.getElementById('details-status');
		this.range = 'day';
		this.gen = 0;
		this.returnTo = null;
		document.getElementById('details-close').addEventListener('click', () => this.dialog.close());
		this.dialog.addEventListener('close', () => {
			this.id = null;
			if (this.returnTo && this.returnTo.isConnected)
				this.returnTo.focus();
		});
		this.ranges = document.getElementById('details-range');
		this.ranges.replaceChildren(...RANGES.map(([key, label]) => {
			const b = h('button', { type: 'button', 'data-range': key, 'aria-pressed': 'false' }, label);
			b.addEventListener('click', () => {
				this.range = key;
				this.load();
			});
			return b;
		}));
	}

	get isOpen() {
		return this.dialog.open;
	}

	open(id, from) {
		this.id = id;
		this.returnTo = from || document.activeElement;
		const d = this.opts.device(id);
		setText(this.title, d ? d.name || d.id : id);
		if (!this.dialog.open)
			this.dialog.showModal();
		this.load();
	}

	// A change of this device arrived: draw again (the server has it).
	changed(id) {
		if (this.dialog.open && id === this.id) {
			clearTimeout(this.again);
			this.again = setTimeout(() => this.load(), 250);
		}
	}

	async load() {
		const id = this.id;
		const gen = ++this.gen;
		const span = RANGES.find(([k]) => k === this.range)[2];
		for (const b of this.ranges.children)
			b.setAttribute('aria-pressed', String(b.dataset.range === this.range));
		const to = Date.now();
		const q = new URLSearchParams({ from: new Date(to - span).toISOString(),
			to: new Date(to).toISOString(), points: String(POINTS) });
		setText(this.status, 'Loading…');
		let res;
		try {
			res = await this.opts.api.get(`/api/devices/${encodeURIComponent(id)}/history?${q}`);
		} catch (e) {
			if (gen === this.gen)
				setText(this.status, `The history could not be read: ${e.message}`);
			return;
		}
		if (gen !== this.gen || id !== this.id)
			return;
		setText(this.status, '');
		this.render(res);
	}

	render(res) {
		const d = this.opts.device(this.id) || { id: this.id, type: '', properties: {} };
		const type = this.opts.typeOf(d);
		const from = Date.parse(res.from);
		const to = Date.parse(res.to);
		const pts = [];
		if (res.start)
			pts.push({ ...res.start, t: from, before: true });
		for (const c of res.changes)
			pts.push({ ...c, t: Date.parse(c.at) });
		// In time order (seq order but for a clock that went back).
		pts.sort((a, b) => a.t - b.t);
		const parts = [h('p', { class: 'details-sub' },
			`${type.label}${d.room_name ? ` in ${d.room_name}` : ''} · now ${stateLabel(d.state)}`)];

		if (!pts.length) {
			parts.push(h('p', { class: 'empty' }, 'No change in this time, and none before it that the feed still holds.'));
		} else {
			parts.push(this.timeline(pts, from, to));
			for (const p of type.props) {
				if ((p.kind !== 'int' && p.kind !== 'number') || p.choices)
					continue;
				const series = pts.filter((x) => typeof (x.properties || {})[p.name] === 'number');
				if (!series.length)
					continue;
				const first = series[0].properties[p.name];
				if (series.every((x) => x.properties[p.name] === first))
					parts.push(h('p', { class: 'chart-flat', 'data-chart': p.name },
						h('strong', {}, p.label), ` ${propValue(p, first, d)} throughout`));
				else
					parts.push(this.chart(p, series, from, to, d));
			}
			parts.push(this.list(pts, type, d));
		}
		parts.push(this.retention(res));
		this.body.replaceChildren(...parts);
	}

	x(t, from, to) {
		return Math.max(0, Math.min(W, ((t - from) / (to - from)) * W));
	}

	// The states as coloured bands; the text alternative says each span.
	timeline(pts, from, to) {
		const id = uid('tl');
		const g = svg('svg', { viewBox: `0 0 ${W} 28`, class: 'timeline', role: 'img',
			'aria-labelledby': id, preserveAspectRatio: 'none' });
		const spans = [];
		pts.forEach((p, i) => {
			const end = i + 1 < pts.length ? pts[i + 1].t : to;
			if (i > 0 && pts[i - 1].state === p.state && spans.length) {
				spans[spans.length - 1].end = end;
				return;
			}
			spans.push({ state: p.state, start: p.t, end });
		});
		for (const s of spans) {
			const x0 = this.x(s.start, from, to);
			const x1 = this.x(s.end, from, to);
			g.append(svg('rect', { x: x0, y: 0, width: Math.max(1, x1 - x0), height: 28,
				class: `tone-${stateTone(s.state)}` }));
		}
		const desc = spans.map((s) => `${stateLabel(s.state)} from ${absTime(new Date(s.start).toISOString())}` +
			` to ${s.end >= to ? 'now' : absTime(new Date(s.end).toISOString())}`).join('; ');
		const legend = [...new Set(spans.map((s) => s.state))].map((st) =>
			h('span', { class: 'legend-item' }, h('span', { class: `swatch tone-${stateTone(st)}`, 'aria-hidden': 'true' }),
				stateLabel(st)));
		return h('figure', { class: 'chart chart-states', 'data-chart': 'state' },
			h('figcaption', { id }, h('strong', {}, 'State'), h('span', { class: 'visually-hidden' }, `: ${desc}.`)),
			g, this.axis(from, to), h('p', { class: 'legend' }, ...legend));
	}

	axis(from, to) {
		return h('p', { class: 'axis', 'aria-hidden': 'true' },
			h('span', {}, short(from, this.range)), h('span', {}, short(from + (to - from) / 2, this.range)),
			h('span', {}, 'now'));
	}

	// A number as a step line: the value holds until the next change.
	chart(p, series, from, to, d) {
		const vals = series.map((x) => x.properties[p.name]);
		let lo = Math.min(...vals);
		let hi = Math.max(...vals);
		if (p.min != null && p.max != null && p.max - p.min <= 100) {
			lo = Math.min(lo, p.min);
			hi = Math.max(hi, p.max);
		}
		if (hi === lo) {
			hi += 1;
			lo -= 1;
		}
		const H = 100;
		const y = (v) => 4 + (H - 8) * (1 - (v - lo) / (hi - lo));
		let path = '';
		series.forEach((s, i) => {
			const x0 = this.x(s.t, from, to);
			const x1 = this.x(i + 1 < series.length ? series[i + 1].t : to, from, to);
			const yy = y(s.properties[p.name]).toFixed(1);
			path += `${i ? 'L' : 'M'}${x0.toFixed(1)} ${yy}H${x1.toFixed(1)}`;
		});
		const id = uid('ch');
		const fmt = (v) => propValue(p, v, d);
		const min = Math.min(...vals);
		const max = Math.max(...vals);
		const summary = `${p.label}: ${series.length} value${series.length > 1 ? 's' : ''}, ` +
			`lowest ${fmt(min)}, highest ${fmt(max)}, last ${fmt(vals[vals.length - 1])}`;
		const g = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'line', role: 'img',
			'aria-labelledby': id, preserveAspectRatio: 'none' },
		svg('line', { x1: 0, x2: W, y1: y(hi), y2: y(hi), class: 'grid-line' }),
		svg('line', { x1: 0, x2: W, y1: y(lo), y2: y(lo), class: 'grid-line' }),
		svg('path', { d: path, class: 'series', 'vector-effect': 'non-scaling-stroke' }),
		// A mark at each change: changes close together still show.
		...series.filter((s) => !s.before).map((s) => svg('rect', { class: 'mark',
			x: Math.min(W - 3, this.x(s.t, from, to)) - 1.5, y: y(s.properties[p.name]) - 3, width: 3, height: 6 })));
		return h('figure', { class: 'chart', 'data-chart': p.name },
			h('figcaption', { id }, h('strong', {}, p.label),
				h('span', { class: 'chart-range' }, ` ${fmt(min)} – ${fmt(max)}`),
				h('span', { class: 'visually-hidden' }, `. ${summary}.`)),
			h('div', { class: 'chart-box' },
				h('span', { class: 'y-label y-hi', 'aria-hidden': 'true' }, fmt(hi)),
				h('span', { class: 'y-label y-lo', 'aria-hidden': 'true' }, fmt(lo)), g),
			this.axis(from, to));
	}

	// Every change, newest first, with who made it.
	list(pts, type, d) {
		const rows = pts.filter((x) => !x.before).reverse();
		const src = this.opts.sources;
		return h('section', { class: 'details-changes', 'aria-labelledby': 'details-changes-title' },
			h('h3', { id: 'details-changes-title' }, `Changes (${rows.length})`),
			h('ol', { class: 'details-list' }, ...rows.map((c) => {
				const key = src[c.source] ? c.source : 'unknown';
				const props = type.props.filter((p) => (c.properties || {})[p.name] != null &&
					p.kind !== 'time' && p.name !== 'unit')
					.map((p) => `${p.label.toLowerCase()} ${propValue(p, c.properties[p.name], d)}`);
				return h('li', { 'data-source': key },
					h('time', { datetime: c.at }, absTime(c.at)), ' ',
					h('strong', {}, stateLabel(c.state)), props.length ? ` · ${props.join(', ')}` : '', ' ',
					h('span', { class: `src src-${key}` }, c.automation ? `${src[key]}: ${c.automation}` : src[key]));
			})));
	}

	retention(res) {
		const r = res.retention || {};
		const keep = [r.max_age_days ? `${r.max_age_days} days` : null,
			r.max_rows ? `at most ${Number(r.max_rows).toLocaleString()} changes` : null].filter(Boolean);
		const text = keep.length ? `The change feed keeps ${keep.join(', ')} (feed_max_age_days, feed_max_rows in homectl.conf).` :
			'The change feed keeps every change (no limit in homectl.conf).';
		return h('p', { class: 'retention' }, text,
			res.oldest_at ? ` The oldest change it holds is from ${absTime(res.oldest_at)}.` : '',
			res.downsampled ? ` ${res.count} changes in this time: the chart shows the last of each of ${POINTS} slices.` : '');
	}
}
