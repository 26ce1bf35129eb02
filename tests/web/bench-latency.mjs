// SPDX-License-Identifier: MIT
// bench-latency.mjs -- how long from a write to the card changing in a real
// browser: a foreign sqlite3 process, a REST call (what another tab does),
// and the homectl CLI, each toggling a light RUNS times. Prints medians and
// 95th percentiles; the clock is the one machine's wall clock, read by node
// before the write starts and by the page when the card's state changes.
//
//   HOMECTL_BUILD=build node tests/web/bench-latency.mjs [RUNS]

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import { Api, BIN, freePort, launchBrowser, makeHome, waitFor } from './harness.mjs';

const run = promisify(execFile);
const RUNS = Number(process.argv[2] || 30);
const ID = 'living_room_light_lamp';

function stats(xs) {
	const s = xs.slice().sort((a, b) => a - b);
	const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
	return `median ${q(0.5).toFixed(1)} ms, p95 ${q(0.95).toFixed(1)} ms, min ${s[0].toFixed(1)} ms (n=${s.length})`;
}

const home = makeHome();
const api = new Api(home, await freePort());
await api.start();
const browser = await launchBrowser();
try {
	const page = await browser.context.newPage();
	await page.goto(`${api.base}/#token=${home.token}`);
	await waitFor(async () => (await page.textContent('#conn-text')).trim() === 'Connected', 'Connected');
	await page.waitForSelector(`article.card[data-id="${ID}"]`);
	// The page notes the wall-clock time of every state change of the card.
	await page.evaluate((id) => {
		window.__seen = [];
		const el = document.querySelector(`article.card[data-id="${id}"]`);
		new MutationObserver(() => window.__seen.push({ state: el.dataset.state, t: Date.now() }))
			.observe(el, { attributes: true, attributeFilter: ['data-state'] });
	}, ID);

	const writers = {
		sqlite3: (state) => run('sqlite3', ['-cmd', '.timeout 5000', home.db,
			`UPDATE devices SET state = '${state}' WHERE id = '${ID}'`]),
		rest: (state) => fetch(`${api.base}/api/devices/${ID}/actions`, { method: 'POST',
			headers: { Authorization: `Bearer ${home.token}`, 'Content-Type': 'application/json' },
			body: JSON.stringify({ action: state }) }).then((r) => { if (!r.ok) throw new Error(r.status); }),
		cli: (state) => run(BIN.cli, ['--db', home.db, 'set', ID, state]),
	};
	let state = (await page.getAttribute(`article.card[data-id="${ID}"]`, 'data-state')) || 'off';
	for (const [name, write] of Object.entries(writers)) {
		const lat = [];
		for (let i = 0; i < RUNS; i++) {
			state = state === 'on' ? 'off' : 'on';
			const n = await page.evaluate(() => window.__seen.length);
			const t0 = Date.now();
			await write(state);
			const seen = await waitFor(() => page.evaluate(([k, want]) =>
				window.__seen.slice(k).find((e) => e.state === want), [n, state]), `${name} run ${i}`);
			lat.push(seen.t - t0);
		}
		console.log(`write -> card, ${name.padEnd(7)}: ${stats(lat)}`);
	}
} finally {
	await browser.close();
	await api.stop();
	fs.rmSync(home.dir, { recursive: true, force: true });
}
