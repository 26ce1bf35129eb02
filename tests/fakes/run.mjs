// SPDX-License-Identifier: MIT
// run.mjs -- run the fake devices against a broker by hand, to try
// homectl-mqtt without hardware:
//   node tests/fakes/run.mjs --broker 127.0.0.1:1883 [z2m] [tasmota] [shelly]
// With no dialect named, all three run.  Ctrl-C stops them (their last
// wills mark them offline).
import { FakeZ2M } from './z2m.mjs';
import { FakeTasmota } from './tasmota.mjs';
import { FakeShelly } from './shelly.mjs';

const args = process.argv.slice(2);
let broker = '127.0.0.1:1883';
const which = [];
for (let i = 0; i < args.length; i++) {
	if (args[i] === '--broker')
		broker = args[++i];
	else if (['z2m', 'tasmota', 'shelly'].includes(args[i]))
		which.push(args[i]);
	else {
		console.error('usage: run.mjs [--broker HOST:PORT] [z2m] [tasmota] [shelly]');
		process.exit(2);
	}
}
const url = `mqtt://${broker}`;
const kinds = { z2m: FakeZ2M, tasmota: FakeTasmota, shelly: FakeShelly };
const fakes = [];
for (const k of which.length ? which : Object.keys(kinds)) {
	fakes.push(await new kinds[k]({ url }).start());
	console.error(`fake ${k} on ${url}`);
}
process.on('SIGINT', async () => {
	for (const f of fakes)
		await f.stop();
	process.exit(0);
});
