// SPDX-License-Identifier: MIT
// notify.js -- notifications that need no automation: a door left
// unlocked, the garage left open, a device gone offline, an automation
// whose last run failed. Shown in the page while they hold, told once when
// they start (a toast, and a browser notification when the page is in the
// background and the person allowed them); each rule can be turned off.
// The settings stay in this browser (localStorage).

import { h, setText } from './dom.js';

const KEY = 'homectl.notify';
const RULES = [
	['door', 'A door left unlocked'],
	['garage', 'The garage left open'],
	['offline', 'A device gone offline'],
	['automation', 'An automation failing'],
];

function load() {
	let v = {};
	try {
		v = JSON.parse(localStorage.getItem(KEY) || '{}') || {};
	} catch (e) {
		v = {};
	}
	const on = {};
	for (const [k] of RULES)
		on[k] = v.on?.[k] !== false;
	const after = Number.isFinite(v.afterMin) && v.afterMin >= 0 ? v.afterMin : 10;
	return { on, afterMin: after };
}

// opts: devices() -> iterable of devices, automations() -> list, toast(msg, kind).
export class Notifier {
	constructor(opts) {
		this.opts = opts;
		this.settings = load();
		this.active = new Map();	// key -> text
		this.list = document.getElementById('alerts-list');
		this.buildSettings();
	}

	save() {
		localStorage.setItem(KEY, JSON.stringify(this.settings));
	}

	buildSettings() {
		const box = document.getElementById('alerts-settings');
		const rows = RULES.map(([k, label]) => {
			const id = `alert-rule-${k}`;
			const input = h('input', { type: 'checkbox', id, 'data-rule': k });
			input.checked = this.settings.on[k];
			input.addEventListener('change', () => {
				this.settings.on[k] = input.checked;
				this.save();
				this.check();
			});
			return h('li', {}, input, h('label', { for: id }, label));
		});
		const after = h('input', { type: 'number', id: 'alert-after', min: 0, max: 1440, step: 1,
			value: this.settings.afterMin, inputmode: 'numeric' });
		after.addEventListener('change', () => {
			const v = Number(after.value);
			if (Number.isFinite(v) && v >= 0) {
				this.settings.afterMin = v;
				this.save();
				this.check();
			}
		});
		const perm = h('button', { type: 'button', class: 'btn btn-small', id: 'alert-browser' });
		const showPerm = () => {
			const p = 'Notification' in window ? Notification.permission : 'unsupported';
			setText(perm, p === 'granted' ? 'Browser notifications are on' :
				p === 'denied' ? 'Browser notifications are blocked' :
					p === 'unsupported' ? 'No browser notifications here' : 'Allow browser notifications');
			perm.disabled = p !== 'default';
		};
		perm.addEventListener('click', async () => {
			try {
				await Notification.requestPermission();
			} catch (e) {
				// an old browser without the promise form
			}
			showPerm();
		});
		showPerm();
		box.replaceChildren(h('ul', { class: 'alert-rules' }, ...rows),
			h('p', { class: 'alert-after' }, h('label', { for: 'alert-after' }, 'Left for (minutes)'), ' ', after),
			perm);
	}

	// What holds now: [key, text].
	evaluate(now = Date.now()) {
		const out = [];
		const { on, afterMin } = this.settings;
		const left = (d) => {
			const t = Date.parse(d.updated_at || '');
			return !Number.isFinite(t) || now - t >= afterMin * 60000;
		};
		for (const d of this.opts.devices()) {
			const name = d.name || d.id;
			if (on.door && d.type === 'lock' && d.state === 'unlocked' && left(d))
				out.push([`door:${d.id}`, `${name} is unlocked`]);
			if (on.garage && d.type === 'garage' && d.state !== 'closed' && left(d))
				out.push([`garage:${d.id}`, `${name} is open`]);
			if (on.offline && d.available === 'offline')
				out.push([`offline:${d.id}`, `${name} is offline`]);
		}
		if (on.automation) {
			for (const a of this.opts.automations() || []) {
				const run = a.last_run;
				if (a.enabled === false || !run || run.outcome !== 'failed')
					continue;
				// The feed's run has its error; a run read by REST its actions.
				const error = run.error ?? (run.actions || []).find((x) => x.ok === false)?.error;
				out.push([`automation:${a.name}`, `Automation "${a.name}" failed${error ? `: ${error}` : ''}`]);
			}
		}
		return out;
	}

	check() {
		const now = new Map(this.evaluate());
		for (const [k, text] of now) {
			if (!this.active.has(k))
				this.tell(text);
		}
		this.active = now;
		this.render();
	}

	tell(text) {
		this.opts.toast(text, 'warn');
		if (document.visibilityState === 'hidden' && 'Notification' in window &&
		    Notification.permission === 'granted') {
			const opts = { body: text, tag: text, icon: 'icons/icon-192.png' };
			try {
				const n = new Notification('homectl', opts);
				n.onclick = () => window.focus();
			} catch (e) {
				// Android's Chrome has no Notification constructor: only the
				// service worker may show one (sw.js brings the page back on a tap).
				navigator.serviceWorker?.getRegistration().then((r) => r?.showNotification('homectl', opts))
					.catch(() => {});	// the page and its toast say it anyway
			}
		}
	}

	render() {
		const items = [...this.active.entries()];
		this.list.replaceChildren(...items.map(([k, text]) =>
			h('li', { class: 'alert', 'data-alert': k }, text)));
		document.getElementById('alerts-empty').hidden = items.length > 0;
		setText(document.getElementById('alerts-count'), items.length ? String(items.length) : '');
	}
}
