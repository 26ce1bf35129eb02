// SPDX-License-Identifier: MIT
// golden.test.mjs -- transcripts: each tests/mcp/golden/NN-name.in is piped
// to a fresh `homectl-mcp --stdio` on the demo home and its stdout must
// equal NN-name.out byte for byte (the version is written @VERSION@).
// To update after an intended change: HOMECTL_GOLDEN_UPDATE=1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { makeHome, MCP } from './helpers.mjs';

const dir = path.resolve('tests/mcp/golden');
const version = readFileSync('VERSION', 'utf8').trim();

for (const f of readdirSync(dir).filter((n) => n.endsWith('.in')).sort()) {
	test(`transcript ${f}`, () => {
		const home = makeHome();
		try {
			const out = execFileSync(MCP, ['--stdio', '--db', home.db, '--config', '/dev/null'], {
				input: readFileSync(path.join(dir, f)), encoding: 'utf8', stdio: ['pipe', 'pipe', 'ignore'],
			}).split(`"version":"${version}"`).join('"version":"@VERSION@"');
			const want = path.join(dir, f.replace(/\.in$/, '.out'));
			if (process.env.HOMECTL_GOLDEN_UPDATE) writeFileSync(want, out);
			assert.equal(out, readFileSync(want, 'utf8'));
		} finally {
			home.rm();
		}
	});
}
