// SPDX-License-Identifier: MIT
// attack.mjs -- a hostile peer without a token, in a process of its own
// (so that its sockets do not slow the measuring client down, and so that
// it can have an RLIMIT_NOFILE of its own).  Keeps COUNT connections of
// one kind open to 127.0.0.1:PORT, opening a new one whenever the server
// closes one (at most RATE new connections a second), until its stdin
// closes.  Prints "ready" once COUNT were opened, then a JSON line of
// counters every second.
//
//   node attack.mjs PORT MODE COUNT [RATE]
//   MODE: silent    connect and say nothing
//         slowloris a request line, then one more header line a second
//         ws        a whole WebSocket handshake, then never a hello
//         body      a POST with Content-Length 65000 and half the body,
//                   then one more byte a second (no token / a bad one)
import net from 'node:net';

const [port, mode, count] = [Number(process.argv[2]), process.argv[3], Number(process.argv[4])];
const rate = Number(process.argv[5] || 1000);
const HEAD = {
	silent: '',
	slowloris: 'GET /index.html HTTP/1.1\r\nHost: x\r\n',
	ws: 'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
		'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
	body: 'POST /api/devices/kitchen_light_main/actions HTTP/1.1\r\nHost: x\r\n' +
		'Content-Type: application/json\r\nContent-Length: 65000\r\n',
}[mode];
if (HEAD === undefined)
	throw new Error(`unknown mode ${mode}`);
const stats = { mode, rate, open: 0, opened: 0, closed: 0, errors: 0, answers: {} };
const socks = new Set();
let stopping = false, ready = false;

function open() {
	const s = net.connect(port, '127.0.0.1');
	let seen = '';
	s.setNoDelay(true);
	s.on('connect', () => {
		stats.open++;
		stats.opened++;
		socks.add(s);
		let head = HEAD;
		if (mode === 'body')	// every other one with a token that is not one
			head += (stats.opened % 2 ? 'Authorization: Bearer hc_not_a_token\r\n' : '') + '\r\n' +
				'{"action": "set", "pad": "' + 'x'.repeat(32000);
		if (head)
			s.write(head);
		if (!ready && stats.opened >= count) {
			ready = true;
			console.log('ready');
		}
	});
	s.on('data', (x) => {
		if (seen.length < 16) {
			seen += x.toString('latin1');
			const m = /^HTTP\/1\.1 (\d+)/.exec(seen);
			if (m && seen.length - x.length < 12)
				stats.answers[m[1]] = (stats.answers[m[1]] || 0) + 1;
		}
	});
	s.on('error', () => { stats.errors++; });
	s.on('close', () => {
		if (socks.delete(s))
			stats.open--;
		stats.closed++;
		if (!stopping)
			pending++;
	});
}

// Opens what is missing, RATE a second, in steps of 10 ms.
let pending = count;
setInterval(() => {
	const n = Math.min(pending, Math.ceil(rate / 100));
	pending -= n;
	for (let i = 0; i < n; i++)
		open();
}, 10);
// One more byte per connection and second, for the modes that trickle.
setInterval(() => {
	if (mode === 'slowloris')
		for (const s of socks)
			s.write(`X-${stats.opened}: y\r\n`);
	else if (mode === 'body')
		for (const s of socks)
			s.write('x');
}, 1000);
setInterval(() => console.log(JSON.stringify(stats)), 1000);
process.stdin.on('end', () => {
	stopping = true;
	for (const s of socks)
		s.destroy();
	process.exit(0);
});
process.stdin.resume();
