// SPDX-License-Identifier: MIT
// live.js -- the /ws connection: hello with the token, snapshot and change
// frames handed to the caller, reconnect with exponential backoff and
// jitter, resume with `since`, and a ping when the line goes quiet.

const BACKOFF_BASE = 500;	// ms, first retry
const BACKOFF_CAP = 15000;	// ms
const OFFLINE_AFTER = 5;	// failed attempts before "Reconnecting" becomes "Offline"
const QUIET_PING = 20000;	// ms without a frame before we ping
const QUIET_DEAD = 45000;	// ms without a frame before we give the socket up

// opts: token, getSeq() -> number|null, onFrame(msg), onStatus(status, detail),
// onUnauthorized(message), early (what index.html's first script started for this token, or
// null: its socket is taken over, its frames handed on first). status: connecting, connected, reconnecting,
// offline, unauthorized, stopped.
export class Live {
	constructor(opts) {
		this.opts = opts;
		this.ws = null;
		this.attempts = 0;
		this.timer = null;
		this.stopped = false;
		this.ready = false;
		this.lastRx = 0;
		this.everConnected = false;
		this.heartbeat = setInterval(() => this.beat(), 5000);
		this.onOnline = () => this.retryNow();
		this.onVisible = () => {
			if (document.visibilityState === 'visible')
				this.retryNow();
		};
		this.onOffline = () => {
			if (!this.ready && !this.stopped)
				this.status('offline');
		};
		window.addEventListener('online', this.onOnline);
		window.addEventListener('offline', this.onOffline);
		document.addEventListener('visibilitychange', this.onVisible);
		this.connect();
	}

	url() {
		const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
		return `${proto}//${location.host}/ws`;
	}

	status(s, detail) {
		this.current = s;
		this.opts.onStatus(s, detail);
	}

	connect() {
		if (this.stopped)
			return;
		clearTimeout(this.timer);
		this.timer = null;
		this.ready = false;
		if (!this.everConnected && this.attempts === 0)
			this.status('connecting');
		let ws;
		const early = this.opts.early;
		this.opts.early = null;
		if (early && early.ws && early.ws.readyState <= WebSocket.OPEN) {
			// Still connecting: the onopen below says hello.  Open: that script has.
			ws = early.ws;
		} else {
			try {
				ws = new WebSocket(this.url());
			} catch (e) {
				this.schedule();
				return;
			}
		}
		this.ws = ws;
		ws.onopen = () => {
			const hello = { type: 'hello', token: this.opts.token };
			const seq = this.opts.getSeq();
			if (this.everConnected && seq != null) {
				hello.since = seq;
				// The feed's identity: a seq of another history (the
				// database restored meanwhile) gets a snapshot.
				if (this.feed)
					hello.feed = this.feed;
			}
			ws.send(JSON.stringify(hello));
			this.lastRx = Date.now();
		};
		ws.onmessage = (ev) => {
			if (ws !== this.ws)
				return;
			this.lastRx = Date.now();
			let msg;
			try {
				msg = JSON.parse(ev.data);
			} catch (e) {
				return;
			}
			if (msg.type === 'error') {
				if (msg.code === 'unauthorized')
					this.unauthorized(msg.message);
				return;
			}
			if (msg.type === 'snapshot' || msg.type === 'changes') {
				if (typeof msg.feed === 'string')
					this.feed = msg.feed;
				if (!this.ready) {
					this.ready = true;
					this.attempts = 0;
					this.everConnected = true;
					this.status('connected');
				}
				this.opts.onFrame(msg);
			}
		};
		ws.onclose = (ev) => {
			if (ws !== this.ws)
				return;
			this.ws = null;
			if (ev.code === 4401) {
				this.unauthorized(ev.reason);
				return;
			}
			this.schedule();
		};
		ws.onerror = () => {
			// onclose follows and does the work.
		};
		if (early && ws === early.ws) {
			if (ws.readyState === WebSocket.OPEN)
				this.lastRx = Date.now();
			for (const data of early.frames.splice(0))
				ws.onmessage({ data });
		}
	}

	unauthorized(message) {
		if (this.stopped)
			return;
		this.stop();
		this.status('unauthorized');
		this.opts.onUnauthorized(message || 'The token was refused.');
	}

	schedule() {
		if (this.stopped || this.timer)
			return;
		this.ready = false;
		const n = this.attempts++;
		// Exponential backoff with jitter: half fixed, half random, so that
		// many dashboards do not all come back in the same millisecond.
		const ceil = Math.min(BACKOFF_CAP, BACKOFF_BASE * 2 ** n);
		const delay = ceil / 2 + Math.random() * ceil / 2;
		const offline = !navigator.onLine || n >= OFFLINE_AFTER;
		this.status(offline ? 'offline' : 'reconnecting', { retryIn: delay });
		this.timer = setTimeout(() => {
			this.timer = null;
			this.connect();
		}, delay);
	}

	retryNow() {
		if (this.stopped || this.ready)
			return;
		if (this.timer) {
			clearTimeout(this.timer);
			this.timer = null;
			this.connect();
		}
	}

	beat() {
		const ws = this.ws;
		if (!ws || ws.readyState !== WebSocket.OPEN || !this.ready)
			return;
		const quiet = Date.now() - this.lastRx;
		if (quiet > QUIET_DEAD) {
			this.ws = null;
			ws.close();
			this.schedule();
		} else if (quiet > QUIET_PING) {
			ws.send('{"type":"ping"}');
		}
	}

	stop() {
		this.stopped = true;
		clearTimeout(this.timer);
		clearInterval(this.heartbeat);
		window.removeEventListener('online', this.onOnline);
		window.removeEventListener('offline', this.onOffline);
		document.removeEventListener('visibilitychange', this.onVisible);
		if (this.ws) {
			const ws = this.ws;
			this.ws = null;
			ws.close();
		}
	}
}
