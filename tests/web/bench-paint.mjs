// SPDX-License-Identifier: MIT
// bench-paint.mjs -- how soon the dashboard shows something, and the demo
// home's devices, on a slow phone on a slow network: real chromium against
// the real homectl-api, 4x CPU slowdown (Emulation.setCPUThrottlingRate) and
// 150 ms RTT, 1.6 Mbit/s down, 750 kbit/s up (Network.emulateNetworkConditions),
// a cold cache (a fresh browser context: no HTTP cache, no service worker,
// no last state) each run. Prints the median and the spread of
//   FCP          the first-contentful-paint entry;
//   cards shown  from navigation start until every device card of the demo
//                home is in the DOM and a frame with them has been painted
//                (a MutationObserver, then two animation frames);
// and the bytes transferred (HTTP, and the WebSocket's frames). The goal
// (cards shown under 1.5 s) is said, not asserted: the machine may be loaded,
// and its load average is printed with the figures (on a busy machine the
// browser waits for a CPU, and the 4x slowdown multiplies that).  CPU and
// RTT change the profile to tell the two apart: CPU 1 leaves the processor
// alone, RTT 0 the network.
//
//   HOMECTL_BUILD=build node tests/web/bench-paint.mjs [RUNS [CPU [RTT]]]

import fs from 'node:fs';
import os from 'node:os';
import { chromium } from 'playwright-core';
import { Api, CHROMIUM, freePort, makeHome, sqlite } from './harness.mjs';

const RUNS = Number(process.argv[2] || 7);
const CPU = Number(process.argv[3] || 4);
const RTT = Number(process.argv[4] ?? 150);
const GOAL_MS = 1500;
const PROFILE = {
	cpu: CPU,
	net: RTT > 0 ? { offline: false, latency: RTT, downloadThroughput: 1.6e6 / 8, uploadThroughput: 750e3 / 8 } :
		null,
};

// Runs in the page before its own scripts: notes when all n cards are shown.
function watchCards(n) {
	window.__cardsShown = null;
	// Awaited by the benchmark: no polling, which would cost the page CPU.
	let done;
	window.__cardsShownP = new Promise((r) => { done = r; });
	window.__snapshotAt = null;
	// When the first frame (the snapshot) arrives, whoever opened the socket.
	const WS = window.WebSocket;
	window.WebSocket = function WebSocket(...a) {
		const ws = new WS(...a);
		ws.addEventListener('message', () => { window.__snapshotAt ??= performance.now(); });
		return ws;
	};
	window.WebSocket.prototype = WS.prototype;
	Object.assign(window.WebSocket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
	const seen = () => document.querySelectorAll('article.card').length >= n;
	const mo = new MutationObserver(() => {
		if (!seen())
			return;
		mo.disconnect();
		// The frame that has them, then the next: the first has been painted.
		requestAnimationFrame(() => requestAnimationFrame(() => {
			window.__cardsShown = performance.now();
			done();
		}));
	});
	mo.observe(document, { childList: true, subtree: true });
}

function summary(xs, unit = 'ms', digits = 0) {
	const s = xs.slice().sort((a, b) => a - b);
	const med = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
	const f = (x) => `${x.toFixed(digits)}${unit === 'ms' ? ' ms' : ` ${unit}`}`;
	return { med, text: `median ${f(med)}, min ${f(s[0])}, max ${f(s[s.length - 1])} (n=${s.length})` };
}

const load0 = os.loadavg().map((x) => x.toFixed(1)).join(' ');
const home = makeHome();
const api = new Api(home, await freePort());
await api.start();
const devices = Number(sqlite(home.db, 'SELECT count(*) FROM devices'));
const browser = await chromium.launch({
	executablePath: CHROMIUM,
	headless: true,
	args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
		'--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const fcp = [], cards = [], http = [], ws = [], requests = [];
const phases = { modules: [], types: [], snapshot: [], dcl: [] };
try {
	for (let i = 0; i < RUNS; i++) {
		const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
		await context.addInitScript(watchCards, devices);
		const page = await context.newPage();
		const cdp = await context.newCDPSession(page);
		let bytes = 0, wsBytes = 0, nreq = 0;
		await cdp.send('Network.enable');
		if (PROFILE.net)
			await cdp.send('Network.emulateNetworkConditions', PROFILE.net);
		await cdp.send('Emulation.setCPUThrottlingRate', { rate: PROFILE.cpu });
		cdp.on('Network.loadingFinished', (e) => { bytes += e.encodedDataLength; nreq++; });
		cdp.on('Network.webSocketFrameReceived', (e) => { wsBytes += Buffer.byteLength(e.response.payloadData); });
		await page.goto(`${api.base}/#token=${home.token}`, { waitUntil: 'commit' });
		await page.evaluate(() => window.__cardsShownP);
		await page.waitForLoadState('load');
		const r = await page.evaluate(() => {
			const res = performance.getEntriesByType('resource');
			const end = (f) => Math.max(...res.filter((e) => f(new URL(e.name).pathname)).map((e) => e.responseEnd));
			const first = new Set([...document.querySelectorAll('link[rel="modulepreload"]')]
				.map((l) => new URL(l.href).pathname));
			return {
				cards: window.__cardsShown,
				fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN,
				// What the cards wait for: the modules (those index.html
				// preloads: not those app.js loads on demand), the model, the
				// snapshot, the scripts run.
				modules: end((p) => first.has(p)),
				types: end((p) => p === '/api/types'),
				snapshot: window.__snapshotAt,
				dcl: performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd,
			};
		});
		for (const k of Object.keys(phases))
			phases[k].push(r[k]);
		fcp.push(r.fcp);
		cards.push(r.cards);
		http.push(bytes / 1024);
		ws.push(wsBytes / 1024);
		requests.push(nreq);
		console.log(`run ${i + 1}: FCP ${r.fcp.toFixed(0)} ms, cards shown ${r.cards.toFixed(0)} ms, ` +
			`${(bytes / 1024).toFixed(1)} KiB in ${nreq} HTTP responses, ${(wsBytes / 1024).toFixed(1)} KiB by WebSocket`);
		await context.close();
	}
} finally {
	await browser.close();
	await api.stop();
	if (!process.env.HOMECTL_KEEP)
		fs.rmSync(home.dir, { recursive: true, force: true });
}
const c = summary(cards);
const net = PROFILE.net ? `${PROFILE.net.latency} ms RTT, ${PROFILE.net.downloadThroughput * 8 / 1e6} Mbit/s down, ` +
	`${PROFILE.net.uploadThroughput * 8 / 1e3} kbit/s up` : 'no network throttling';
console.log(`profile: ${PROFILE.cpu}x CPU slowdown, ${net}, cold cache, ${devices} devices, 390x844; ` +
	`load average ${load0} before, ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} after (${os.cpus().length} CPUs)`);
console.log(`first contentful paint: ${summary(fcp).text}`);
console.log(`cards shown:            ${c.text}`);
console.log(`  waiting for (medians): modules in ${summary(phases.modules).med.toFixed(0)} ms, ` +
	`/api/types ${summary(phases.types).med.toFixed(0)} ms, snapshot ${summary(phases.snapshot).med.toFixed(0)} ms, ` +
	`modules run (DOMContentLoaded) ${summary(phases.dcl).med.toFixed(0)} ms`);
console.log(`transferred:            HTTP ${summary(http, 'KiB', 1).text}, WebSocket ${summary(ws, 'KiB', 1).text}, ` +
	`${summary(requests, 'responses').text}`);
console.log(`goal: cards shown under ${GOAL_MS} ms: ${c.med < GOAL_MS ? 'met' : 'MISSED'} ` +
	`(median ${c.med.toFixed(0)} ms)`);
