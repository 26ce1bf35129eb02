// SPDX-License-Identifier: MIT
// cards.js -- one card per device, built from its type in the model: the
// state, the readings in human terms, and the controls its actions and
// writable properties allow. A card is built once and updated in place,
// so a control in a person's hand is never yanked away by a live update.

import { h, uid, setText } from './dom.js';
import { icon } from './icons.js';
import { stateLabel, stateTone } from './model.js';
import { propValue, relTime, absTime, fanSpeed, choiceLabel } from './format.js';

// A feeder reports "feeding" then "idle" within milliseconds (both rows in
// one frame, often): the card says "Feeding" for this long after last_fed.
const FEEDING_MS = 8000;

// ctx.act(device, action, props) -> Promise (rejections are already shown)
export function buildCard(device, type, ctx) {
	const card = new Card(device, type, ctx);
	card.update(device);
	return card;
}

class Card {
	constructor(device, type, ctx) {
		this.type = type;
		this.ctx = ctx;
		this.current = device;
		this.updaters = [];
		this.busy = 0;
		const nameId = uid('n');
		const moreId = uid('m');

		// The card itself opens the device's details: a click on it (not on
		// one of its controls), or Enter while it has the focus.
		this.el = h('article', { class: 'card', 'data-id': device.id, 'data-type': type.name,
			'aria-labelledby': nameId, tabindex: '0' });
		this.el.addEventListener('click', (e) => {
			if (!e.target.closest('button, input, select, label, a, .card-more'))
				this.ctx.openDetails(this.current.id, this.el);
		});
		this.el.addEventListener('keydown', (e) => {
			if (e.key === 'Enter' && e.target === this.el) {
				e.preventDefault();
				this.ctx.openDetails(this.current.id, this.el);
			}
		});
		this.nameEl = h('h3', { id: nameId, class: 'card-name' });
		this.stateEl = h('span', { class: 'card-state' });
		this.timeEl = h('time', { class: 'card-time', 'data-ts': '' });
		// A real device: offline, or waiting for it to confirm a command.
		this.statusEl = h('span', { class: 'card-status', role: 'status' });
		// The second line: the state, then the readings; when it last
		// changed is in the "more" panel.
		const readings = h('dl', { class: 'readings' });
		const sub = h('div', { class: 'card-sub' }, this.stateEl, readings, this.statusEl);
		const head = h('div', { class: 'card-head' },
			h('span', { class: 'card-icon', html: icon(type.name === 'lock' ? 'lock' : type.name) }),
			h('div', { class: 'card-title' }, this.nameEl, sub));
		this.iconEl = head.firstChild;
		this.el.append(head);

		// One row: the control used every day sits in the head (a switch, a
		// thermostat's target, the action buttons); the rest is one tap away
		// in the card's "more" panel.
		const more = h('div', { class: 'card-more', id: moreId, hidden: true });
		const buttons = h('div', { class: 'buttons' });
		for (const p of type.props) {
			if (p.readOnly || !this.canSet(p))
				this.reading(readings, p);
		}
		const isSwitch = type.can('on') && type.can('off') && type.states.includes('on') &&
		    type.states.includes('off') && !this.wateringType();
		let inHead = isSwitch ? this.switchControl() : null;
		if (this.wateringType()) {
			more.append(this.wateringControl());
		} else {
			for (const p of type.props) {
				if (p.readOnly || !this.canSet(p))
					continue;
				const c = this.propControl(p);
				if (!inHead && c.classList.contains('field-stepper')) {
					c.classList.add('head-control');
					inHead = c;
				} else {
					more.append(c);
				}
			}
		}
		this.actionButtons(buttons);
		if (buttons.childElementCount) {
			if (inHead) {
				more.prepend(buttons);
			} else {
				buttons.classList.add('head-control');
				inHead = buttons;
			}
		}
		if (inHead)
			head.append(inHead);
		this.favBtn = h('button', { type: 'button', class: 'btn btn-small fav', 'aria-pressed': 'false',
			onclick: () => this.ctx.toggleFavourite(this.current.id) }, 'Pin to the top');
		const hist = h('button', { type: 'button', class: 'btn btn-small history-btn',
			onclick: () => this.ctx.openDetails(this.current.id, hist) }, 'History');
		more.append(h('div', { class: 'more-foot' }, h('p', { class: 'card-updated' }, this.timeEl),
			hist, this.favBtn));
		this.moreBtn = h('button', { type: 'button', class: 'more-btn', 'aria-expanded': 'false',
			'aria-controls': moreId, html: '<svg viewBox="0 0 24 24" width="20" height="20" ' +
			'aria-hidden="true" fill="currentColor"><circle cx="5" cy="12" r="1.8"/>' +
			'<circle cx="12" cy="12" r="1.8"/><circle cx="19" cy="12" r="1.8"/></svg>' });
		this.moreBtn.addEventListener('click', () => this.toggleMore());
		this.more = more;
		head.append(this.moreBtn);
		readings.hidden = !readings.childElementCount;
		this.el.append(more);
	}

	toggleMore(open = this.more.hidden) {
		this.more.hidden = !open;
		this.moreBtn.setAttribute('aria-expanded', String(open));
		this.el.classList.toggle('open', open);
	}

	canSet(p) {
		if (p.name === 'duration' && this.wateringType())
			return true;
		return this.type.can('set');
	}

	wateringType() {
		const d = this.type.prop('duration');
		return Boolean(d && !d.readOnly && this.type.can('on'));
	}

	send(action, props) {
		this.busy++;
		this.el.setAttribute('aria-busy', 'true');
		return this.ctx.act(this.current, action, props).finally(() => {
			if (--this.busy === 0)
				this.el.removeAttribute('aria-busy');
		});
	}

	update(d) {
		const prev = this.current;
		this.current = d;
		setText(this.nameEl, d.name || d.id);
		this.el.dataset.state = d.state ?? '';
		this.timeEl.dataset.ts = d.updated_at || '';
		this.timeEl.dateTime = d.updated_at || '';
		this.timeEl.title = d.updated_at ? `Updated ${absTime(d.updated_at)}` : '';
		setText(this.timeEl, d.updated_at ? `updated ${relTime(d.updated_at)}` : '');
		this.feeding = this.feedingFor(d);
		setText(this.stateEl, stateLabel(this.feeding ? 'feeding' : d.state));
		const name = d.name || d.id;
		this.moreBtn.setAttribute('aria-label', `More for ${name}`);
		this.moreBtn.title = `More for ${name}`;
		const fav = Boolean(this.ctx.isFavourite && this.ctx.isFavourite(d.id));
		this.favBtn.setAttribute('aria-pressed', String(fav));
		setText(this.favBtn, fav ? '★ Pinned to the top' : '☆ Pin to the top');
		this.el.dataset.tone = stateTone(this.feeding ? 'feeding' : d.state, d.type);
		this.el.dataset.available = d.available || 'online';
		this.el.classList.toggle('pending', Boolean(d.pending));
		setText(this.statusEl, d.available === 'offline' ? ' · offline' :
		    d.pending ? ` · asked: ${stateLabel(d.pending.state)}, waiting for the device` :
		    d.available === 'unknown' ? ' · not heard from yet' : '');
		if (this.type.name === 'lock')
			this.iconEl.innerHTML = icon(d.state === 'locked' ? 'lock' : 'unlock');
		for (const u of this.updaters)
			u(d);
		if (prev !== d && prev.updated_at !== d.updated_at)
			this.flash();
	}

	// True while a feeder is feeding or has just fed; calls update again
	// when that ends.
	feedingFor(d) {
		clearTimeout(this.feedTimer);
		if (!this.type.can('feed'))
			return false;
		const fed = Date.parse((d.properties || {}).last_fed || '');
		const left = Number.isFinite(fed) ? fed + FEEDING_MS - Date.now() : 0;
		if (left > 0)
			this.feedTimer = setTimeout(() => this.update(this.current), left);
		return d.state === 'feeding' || left > 0;
	}

	flash() {
		this.el.classList.remove('flash');
		void this.el.offsetWidth;	// restart the animation
		this.el.classList.add('flash');
	}

	// ---- readings ----

	reading(dl, p) {
		const dd = h('dd', { class: `reading-${p.name}` });
		const item = h('div', { class: 'reading' }, h('dt', {}, p.label), dd);
		let bar = null;
		if (p.unit === '%' && p.name === 'battery_level') {
			bar = h('span', { class: 'bar', 'aria-hidden': 'true' }, h('span', {}));
		}
		if (p.name === 'value' || p.name === 'current_temp')
			item.classList.add('reading-big');
		if (p.name === 'unit' && this.type.prop('value'))
			return;	// shown with the value
		if (p.name === 'charging' && this.type.states.includes('charging'))
			return;	// the state says it
		dl.append(item);
		this.updaters.push((d) => {
			const v = (d.properties || {})[p.name];
			item.hidden = v == null && (p.kind === 'time' && p.name === 'started_at');
			setText(dd, propValue(p, v, d));
			if (bar)
				dd.append(bar);
			if (p.kind === 'time') {
				dd.dataset.ts = v || '';
				dd.title = v ? absTime(v) : '';
			}
			if (bar) {
				bar.firstChild.style.width = `${Math.max(0, Math.min(100, Number(v) || 0))}%`;
				bar.dataset.low = Number(v) < 20 ? 'true' : 'false';
			}
		});
	}

	// ---- controls ----

	switchControl() {
		const btn = h('button', { type: 'button', class: 'switch', role: 'switch',
			'aria-checked': 'false' }, h('span', { class: 'switch-knob' }));
		// aria-checked is always the state the change feed brought: while the
		// request is out the switch only shows that it is busy, so a refused
		// or unsent change (server unreachable, confirmation cancelled)
		// leaves nothing to undo.
		btn.addEventListener('click', () => {
			if (btn.classList.contains('busy'))
				return;
			btn.classList.add('busy');
			this.send(this.current.state === 'on' ? 'off' : 'on')
				.finally(() => btn.classList.remove('busy'));
		});
		this.updaters.push((d) => {
			btn.setAttribute('aria-checked', d.state === 'on' ? 'true' : 'false');
			btn.setAttribute('aria-label', d.name || d.id);
			btn.title = d.state === 'on' ? 'Switch off' : 'Switch on';
		});
		return btn;
	}

	// Sends `set` for one property; while the request is out (or the control
	// is in the user's hand) live updates leave the control alone.
	holder() {
		const st = { hand: false, pending: 0, inflight: false, queued: null };
		st.held = () => st.hand || st.pending > 0 || st.inflight;
		// One request at a time per control, the newest value last: two
		// quick moves must not reach the server in the wrong order.
		const run = (props) => {
			st.inflight = true;
			return this.send('set', props).finally(() => {
				const next = st.queued;
				st.queued = null;
				if (next)
					return run(next);
				st.inflight = false;
				this.update(this.current);
				return undefined;
			});
		};
		st.set = (props) => {
			if (st.inflight) {
				st.queued = props;
				return Promise.resolve();
			}
			return run(props);
		};
		return st;
	}

	propControl(p) {
		if (p.kind === 'enum' || (p.kind === 'int' && p.max != null && p.min != null &&
		    p.max - p.min <= 4))
			return this.segmented(p);
		if ((p.kind === 'int' || p.kind === 'number') && p.unit && p.unit.startsWith('°'))
			return this.stepper(p);
		if ((p.kind === 'int' || p.kind === 'number') && p.min != null && p.max != null)
			return this.slider(p);
		if (p.kind === 'bool')
			return this.checkbox(p);
		const dd = h('span', { class: 'value' });
		this.updaters.push((d) => setText(dd, propValue(p, (d.properties || {})[p.name], d)));
		return h('div', { class: 'field' }, h('span', { class: 'field-label' }, p.label), dd);
	}

	slider(p) {
		const id = uid('s');
		const st = this.holder();
		const out = h('output', { for: id, class: 'field-value' });
		const input = h('input', { id, type: 'range', min: p.min, max: p.max,
			step: p.kind === 'int' ? 1 : 0.5, class: `range range-${p.name}`,
			'data-prop': p.name });
		let timer = null;
		const show = () => setText(out, propValue(p, Number(input.value)));
		input.addEventListener('pointerdown', () => { st.hand = true; });
		input.addEventListener('pointerup', () => { st.hand = false; });
		input.addEventListener('input', show);
		input.addEventListener('change', () => {
			// Arrow keys fire one change per press: send the last of a quick run.
			st.pending++;
			st.hand = false;
			clearTimeout(timer);
			timer = setTimeout(() => {
				st.pending--;
				st.set({ [p.name]: Number(input.value) });
			}, 200);
		});
		this.updaters.push((d) => {
			if (st.held())
				return;
			const v = (d.properties || {})[p.name];
			if (v != null)
				input.value = v;
			setText(out, propValue(p, v, d));
			input.setAttribute('aria-valuetext', propValue(p, v, d));
		});
		return h('div', { class: 'field' },
			h('label', { for: id, class: 'field-label' }, p.label), out, input);
	}

	stepper(p) {
		const st = this.holder();
		const step = p.kind === 'int' ? 1 : 1;
		const out = h('output', { class: 'stepper-value', 'aria-live': 'polite' });
		let want = null;
		let timer = null;
		const nudge = (delta) => {
			const cur = want ?? Number((this.current.properties || {})[p.name]);
			const base = Number.isFinite(cur) ? cur : (p.min + p.max) / 2;
			want = Math.min(p.max, Math.max(p.min, Math.round(base + delta)));
			setText(out, propValue(p, want));
			st.pending++;
			clearTimeout(timer);
			timer = setTimeout(() => {
				const v = want;
				want = null;
				st.pending--;
				st.set({ [p.name]: v });
			}, 350);
		};
		const down = h('button', { type: 'button', class: 'step', 'aria-label': `Lower ${p.label.toLowerCase()}`,
			onclick: () => nudge(-step) }, '−');
		const up = h('button', { type: 'button', class: 'step', 'aria-label': `Raise ${p.label.toLowerCase()}`,
			onclick: () => nudge(step) }, '+');
		this.updaters.push((d) => {
			if (st.held())
				return;
			const v = (d.properties || {})[p.name];
			setText(out, propValue(p, v, d));
			down.disabled = v != null && v <= p.min;
			up.disabled = v != null && v >= p.max;
		});
		const label = h('span', { class: 'field-label' }, p.label);
		return h('div', { class: 'field field-stepper', 'data-prop': p.name }, label,
			h('div', { class: 'stepper', role: 'group', 'aria-label': p.label }, down, out, up));
	}

	segmented(p) {
		const st = this.holder();
		const values = p.kind === 'enum' ? p.choices :
			Array.from({ length: p.max - p.min + 1 }, (_, i) => p.min + i);
		const name = uid('g');
		const label = h('span', { class: 'field-label', id: name }, p.label);
		const group = h('div', { class: 'segmented', role: 'group', 'aria-labelledby': name,
			'data-prop': p.name });
		const btns = values.map((v) => {
			const text = p.kind === 'enum' ? choiceLabel(p, v) :
				(p.name === 'speed' && p.max === 3 ? fanSpeed(v) : propValue(p, v));
			const b = h('button', { type: 'button', 'aria-pressed': 'false', 'data-value': v },
				text);
			b.addEventListener('click', () => {
				for (const o of btns)
					o.setAttribute('aria-pressed', o === b ? 'true' : 'false');
				st.set({ [p.name]: v });
			});
			group.append(b);
			return b;
		});
		this.updaters.push((d) => {
			if (st.held())
				return;
			const v = (d.properties || {})[p.name];
			for (const b of btns)
				b.setAttribute('aria-pressed', String(b.dataset.value) === String(v) ? 'true' : 'false');
		});
		return h('div', { class: 'field' }, label, group);
	}

	checkbox(p) {
		const st = this.holder();
		const id = uid('c');
		const input = h('input', { id, type: 'checkbox' });
		input.addEventListener('change', () => st.set({ [p.name]: input.checked }));
		this.updaters.push((d) => {
			if (!st.held())
				input.checked = Boolean((d.properties || {})[p.name]);
		});
		return h('div', { class: 'field field-check' }, input, h('label', { for: id }, p.label));
	}

	wateringControl() {
		const p = this.type.prop('duration');
		const id = uid('d');
		const input = h('input', { id, type: 'number', min: p.min, max: p.max, step: 1,
			class: 'duration', inputmode: 'numeric' });
		let edited = false;
		input.addEventListener('input', () => { edited = true; });
		const go = h('button', { type: 'button', class: 'btn btn-primary', 'data-action': 'on' },
			'Water');
		const stop = h('button', { type: 'button', class: 'btn', 'data-action': 'off' }, 'Stop');
		go.addEventListener('click', () => {
			// The server checks the range and says what is wrong.
			const v = input.value.trim() === '' ? null : Number(input.value);
			this.send('on', { duration: Number.isFinite(v) ? v : input.value })
				.finally(() => { edited = false; });
		});
		stop.addEventListener('click', () => this.send('off'));
		const label = h('label', { for: id, class: 'field-label' }, 'Water for');
		this.updaters.push((d) => {
			const v = (d.properties || {}).duration;
			const on = d.state === 'on';
			if ((on || !edited) && document.activeElement !== input && v != null)
				input.value = v;
			input.disabled = on;
			setText(label, on ? 'Watering for' : 'Water for');
			go.hidden = on;
			stop.hidden = !on;
		});
		return h('div', { class: 'field field-water' }, label,
			h('div', { class: 'water-row' },
				h('span', { class: 'duration-wrap' }, input, h('span', { class: 'suffix' }, 'min')),
				go, stop));
	}

	actionButtons(box) {
		const t = this.type;
		const mk = (action, text, cls = 'btn') => {
			const b = h('button', { type: 'button', class: cls, 'data-action': action }, text);
			b.addEventListener('click', () => this.send(b.dataset.action));
			box.append(b);
			return b;
		};
		if (t.can('open') && t.can('close')) {
			// One button, the way it can go: open when closed, else close.
			const b = mk('open', 'Open');
			this.updaters.push((d) => {
				const closed = d.state === 'closed';
				b.dataset.action = closed ? 'open' : 'close';
				setText(b, closed ? 'Open' : 'Close');
			});
		}
		if (t.can('lock') && t.can('unlock')) {
			const b = mk('unlock', 'Unlock');
			this.updaters.push((d) => {
				const locked = d.state === 'locked';
				b.dataset.action = locked ? 'unlock' : 'lock';
				setText(b, locked ? 'Unlock…' : 'Lock');
				b.classList.toggle('btn-primary', !locked);
			});
		}
		if (t.can('start') && t.can('stop')) {
			const b = mk('start', 'Start charging', 'btn btn-primary');
			this.updaters.push((d) => {
				const charging = d.state === 'charging';
				b.dataset.action = charging ? 'stop' : 'start';
				setText(b, charging ? 'Stop charging' : 'Start charging');
			});
		}
		if (t.can('feed')) {
			const b = mk('feed', 'Feed now', 'btn btn-primary');
			this.updaters.push(() => {
				setText(b, this.feeding ? 'Feeding…' : 'Feed now');
				b.disabled = this.feeding;
			});
		}
	}
}
