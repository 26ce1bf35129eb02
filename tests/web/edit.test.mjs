// SPDX-License-Identifier: MIT
// edit.test.mjs -- the dashboard's "Edit home" view in a real browser
// (Debian's chromium): a person adds a room and a device, renames and moves
// it, builds a mode's scene and removes what they made; the server's refusals
// are shown as its sentences; a second open dashboard follows every edit live,
// and an edit from the CLI reaches the open view.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Api, BIN, cli, freePort, launchBrowser, makeHome, sqlite, waitFor } from './harness.mjs';

const card = (id) => `article.card[data-id="${id}"]`;

describe('edit home', () => {
	let home, api, browser, page, other;

	before(async () => {
		for (const b of [BIN.cli, BIN.api])
			assert.ok(fs.existsSync(b), `${b} is missing: run make first`);
		home = makeHome();
		api = new Api(home, await freePort());
		await api.start();
		browser = await launchBrowser();
		page = await browser.context.newPage();
		other = await browser.context.newPage();
		for (const p of [page, other]) {
			await p.goto(`${api.base}/#token=${home.token}`);
			await p.waitForSelector(card('kitchen_light_main'));
		}
	});

	after(async () => {
		try {
			if (browser)
				await browser.close();
			if (api)
				assert.deepEqual(await api.stop(), { code: 0, signal: null }, api.log);
		} finally {
			if (home && !process.env.HOMECTL_KEEP)
				fs.rmSync(home.dir, { recursive: true, force: true });
		}
	});

	const status = async () => (await page.textContent('#edit-status')).trim();

	test('adding a room and a device: the other dashboard shows the new card live', async () => {
		await page.click('#edit-open');
		await page.fill('form[data-form="room"] input[data-key="room-new-id"]', 'garden');
		await page.fill('form[data-form="room"] input[data-key="room-new-name"]', 'Garden');
		await page.click('form[data-form="room"] button[type="submit"]');
		await page.waitForSelector('#edit li[data-room="garden"]');
		assert.equal(sqlite(home.db, "SELECT name FROM rooms WHERE id = 'garden'"), 'Garden');

		await page.fill('form[data-form="device"] input[data-key="dev-new-id"]', 'garden_lamp');
		await page.selectOption('form[data-form="device"] select[data-key="dev-new-type"]', 'light');
		await page.selectOption('form[data-form="device"] select[data-key="dev-new-room"]', 'garden');
		await page.fill('form[data-form="device"] input[data-key="dev-new-name"]', 'Garden lamp');
		await page.click('form[data-form="device"] button[type="submit"]');
		await other.waitForSelector(`section.room[data-room="garden"] ${card('garden_lamp')}`);
		await page.waitForSelector('#edit li[data-device="garden_lamp"]');
		assert.equal(sqlite(home.db, "SELECT type || ' ' || room FROM devices WHERE id = 'garden_lamp'"),
			'light garden');
	});

	test('a refused edit shows the server\'s sentence and changes nothing', async () => {
		const before = sqlite(home.db, 'SELECT count(*) FROM rooms');
		await page.fill('form[data-form="room"] input[data-key="room-new-id"]', 'kitchen');
		await page.click('form[data-form="room"] button[type="submit"]');
		await waitFor(async () => /already exists/.test(await status()), 'the duplicate to be refused');
		assert.equal(sqlite(home.db, 'SELECT count(*) FROM rooms'), before);
	});

	test('renaming and moving a device reach the other dashboard', async () => {
		const name = '#edit li[data-device="garden_lamp"] input[data-key="dev-name-garden_lamp"]';
		await page.fill(name, 'Path light');
		await page.press(name, 'Enter');
		await page.locator(name).blur();
		await other.waitForFunction((sel) => document.querySelector(sel)?.textContent.includes('Path light'),
			card('garden_lamp'));
		await page.selectOption('#edit li[data-device="garden_lamp"] select', 'kitchen');
		await other.waitForSelector(`section.room[data-room="kitchen"] ${card('garden_lamp')}`);
	});

	test('a mode built here works; a CLI edit reaches the open view', async () => {
		await page.fill('form[data-form="mode"] input[data-key="mode-new-name"]', 'movie');
		await page.fill('form[data-form="mode"] input[data-key="mode-new-desc"]', 'Lights low');
		await page.click('form[data-form="mode"] button[type="submit"]');
		const mode = '#edit fieldset[data-mode="movie"]';
		await page.waitForSelector(mode);
		await other.waitForSelector('#mode-switch button[data-mode="movie"]');
		await page.click(`${mode} button[data-key="mode-add-movie"]`);
		await page.selectOption(`${mode} select[data-key="step-movie-0-dev"]`, 'garden_lamp');
		await page.selectOption(`${mode} select[data-key="step-movie-0-act"]`, 'set');
		await page.fill(`${mode} input[data-key="step-movie-0-brightness"]`, '15');
		await page.locator(`${mode} input[data-key="step-movie-0-brightness"]`).blur();
		await page.click(`${mode} button[data-key="mode-save-movie"]`);
		await waitFor(() => sqlite(home.db, "SELECT device_id || ' ' || action || ' ' || properties FROM scenes WHERE mode = 'movie'") ===
			'garden_lamp set {"brightness":15}', 'the scene to be saved');
		cli(home.db, 'room', 'add', 'attic', '--name', 'Attic');
		await page.waitForSelector('#edit li[data-room="attic"]');
		await page.click('#edit-close');
		await other.click('#mode-switch button[data-mode="movie"]');
		await waitFor(() => sqlite(home.db, "SELECT state || ' ' || json_extract(properties, '$.brightness') FROM devices WHERE id = 'garden_lamp'") === 'on 15',
			'the new mode to run its scene');
	});

	test('removing the device and the room', async () => {
		await page.click('#edit-open');
		await page.click('#edit li[data-device="garden_lamp"] button[data-key="dev-rm-garden_lamp"]');
		// Asked first: a removal cannot be undone from the page.
		await page.click('#confirm-ok');
		await waitFor(async () => /lost its step: movie/.test(await status()), 'the scene loss to be said');
		await other.waitForSelector(card('garden_lamp'), { state: 'detached' });
		await page.click('#edit li[data-room="garden"] button[data-key="room-rm-garden"]');
		await page.click('#confirm-ok');
		await page.waitForSelector('#edit li[data-room="garden"]', { state: 'detached' });
		assert.equal(sqlite(home.db, "SELECT count(*) FROM rooms WHERE id = 'garden'"), '0');
	});
});
