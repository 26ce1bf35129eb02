// SPDX-License-Identifier: MIT
// automations.js -- the dashboard's automations panel: each automation with
// its next run and how its last run went, and a switch to turn it on or
// off (POST /api/automations/{name}/enable).  How each run ends comes with
// the change feed (kind "automation": ran()); the list itself (documents,
// next runs, runs its conditions skipped) is read again now and then.
// Opening one shows its newest runs:
// what started each, whether the conditions held, each action's result.

import { h, setText } from './dom.js';
import { relTime, absTime } from './format.js';

const REFRESH_MS = 30000;
const OUTCOMES = {
	done: 'done', skipped: 'skipped (conditions)', failed: 'failed', cancelled: 'cancelled',
	running: 'running', waiting: 'waiting (delay)', queued: 'queued', requested: 'requested',
	expired: 'expired',
};

const $ = (id) => document.getElementById(id);

export class AutomationsPanel {
	// api: the REST client; toast(message, kind) tells the person;
	// confirmed(send, title, text, ok): the dashboard's ask-and-send-again
	// for an answer of confirmation_required (app.js).
	constructor(api, toast, confirmed) {
		this.confirmed = confirmed;
		this.api = api;
		this.toast = toast;
		this.list = [];
		this.loading = null;
		this.stopped = false;
		this.onload = null;	// called after each read (the notifications look at it)
		this.timer = setInterval(() => this.load(), REFRESH_MS);
		// Back in front: what ran while the page was away, at once.
		document.addEventListener('visibilitychange', () => {
			if (document.visibilityState === 'visible' && !this.stopped)
				this.load();
		});
	}

	// A run of an automation ended (the feed's "automation" change, run:
	// {automation, id, outcome, error, started_at, finished_at}): its last
	// run is this one, at once; an automation not known yet is read.
	ran(run) {
		const a = this.list.find((x) => x.name === run.automation);
		if (!a) {
			this.load();
			return;
		}
		if (a.last_run && typeof a.last_run.id === 'number' && typeof run.id === 'number' &&
		    a.last_run.id > run.id)
			return;	// an older run, read after a newer one
		a.last_run = { ...(a.last_run || {}), id: run.id, outcome: run.outcome,
			started_at: run.started_at, finished_at: run.finished_at, error: run.error ?? null };
		if (run.outcome === 'disabled')
			a.enabled = false;
		this.render();
		this.onload?.();
	}

	stop() {
		this.stopped = true;
		clearInterval(this.timer);
	}

	// Reads the list (one request at a time; a call while one is out waits
	// for it and reads again once).
	async load() {
		if (this.loading) {
			this.again = true;
			return this.loading;
		}
		this.loading = (async () => {
			try {
				const body = await this.api.get('/api/automations');
				if (!this.stopped) {
					this.list = body.automations || [];
					this.render();
					this.onload?.();
				}
			} catch (e) {
				// an older homectl-api, or the server is away: keep what is shown
			}
		})();
		await this.loading;
		this.loading = null;
		if (this.again && !this.stopped) {
			this.again = false;
			await this.load();
		}
	}

	async toggle(a, input) {
		input.disabled = true;
		try {
			// Turning on one that unlocks or opens asks the person (the
			// server's rule; its sentence names what it would open).
			const on = input.checked;
			const send = (confirm) => this.api.post(
				`/api/automations/${encodeURIComponent(a.name)}/enable`, { enabled: on, confirm });
			const done = this.confirmed ?
				await this.confirmed(send, `Turn on "${a.name}"?`,
					'It may then unlock a door or open the garage on its own when it runs.', 'Turn on') :
				await send(false);
			if (done === null)
				input.checked = !on;
			else
				this.toast(`${a.name}: ${on ? 'on' : 'off'}`);
		} catch (e) {
			input.checked = !input.checked;
			this.toast(e.message, 'error');
		}
		input.disabled = false;
		this.load();
	}

	// The runs of a, into box (the open details of its entry).
	async showRuns(a, box) {
		let body;
		try {
			body = await this.api.get(`/api/automations/${encodeURIComponent(a.name)}`);
		} catch (e) {
			box.replaceChildren(h('p', { class: 'automation-error' }, e.message));
			return;
		}
		const runs = body.runs || [];
		if (!runs.length) {
			box.replaceChildren(h('p', { class: 'empty' }, 'No runs yet.'));
			return;
		}
		box.replaceChildren(h('ol', { class: 'runs' }, ...runs.map((r) => {
			const failed = (r.actions || []).filter((x) => x.ok === false);
			const conds = Array.isArray(r.conditions) ? r.conditions : [];
			return h('li', { class: `run outcome-${r.outcome}`, 'data-run': r.id },
				h('p', { class: 'run-head' },
					h('time', { 'data-ts': r.started_at, datetime: r.started_at,
						title: absTime(r.started_at) }, relTime(r.started_at)),
					` ${OUTCOMES[r.outcome] || r.outcome}`),
				h('p', { class: 'run-trigger' }, `started by ${JSON.stringify(r.trigger)}`),
				conds.length ? h('p', { class: 'run-conditions' }, conds.map((c) =>
					`${c.holds ? '✓' : '✗'} ${c.detail}`).join(' · ')) : null,
				h('p', { class: 'run-actions' }, `${(r.actions || []).length - failed.length} of ` +
					`${(r.actions || []).length} actions ok`),
				...failed.map((x) => h('p', { class: 'run-error' }, x.error || 'failed')));
		})));
	}

	render() {
		const open = new Set([...document.querySelectorAll('#automations-list details[open]')]
			.map((d) => d.closest('li').dataset.name));
		const ul = $('automations-list');
		ul.replaceChildren(...this.list.map((a) => {
			const input = h('input', { type: 'checkbox', role: 'switch',
				'aria-label': `${a.name}: on or off` });
			input.checked = Boolean(a.enabled);
			input.addEventListener('change', () => this.toggle(a, input));
			const run = a.last_run;
			const outcome = run ? (OUTCOMES[run.outcome] || run.outcome) : 'never run';
			const next = a.enabled && a.next_run ?
				h('time', { 'data-ts': a.next_run, datetime: a.next_run, title: absTime(a.next_run) },
					relTime(a.next_run)) : null;
			const box = h('div', { class: 'automation-runs' });
			const details = h('details', {}, h('summary', {}, 'Runs'), box);
			details.addEventListener('toggle', () => {
				if (details.open)
					this.showRuns(a, box);
			});
			if (open.has(a.name)) {
				details.open = true;
				this.showRuns(a, box);
			}
			return h('li', { class: 'automation', 'data-name': a.name,
				'data-enabled': String(Boolean(a.enabled)), 'data-last-run': run ? String(run.id) : '' },
			h('label', { class: 'automation-switch' }, input,
				h('span', { class: 'automation-name' }, a.name)),
			h('p', { class: 'automation-meta' },
				next ? h('span', { class: 'automation-next' }, 'next ', next) : null,
				h('span', { class: `automation-last outcome-${run ? run.outcome : 'none'}`,
					title: run && run.started_at ? absTime(run.started_at) : '' },
				`last: ${outcome}`)),
			details);
		}));
		setText($('automations-count'), this.list.length ? String(this.list.length) : '');
		$('automations-empty').hidden = this.list.length > 0;
	}
}
