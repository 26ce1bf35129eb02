// SPDX-License-Identifier: MIT
// auth.mjs -- preloaded (node --import) into the conformance suite, whose
// clients send no credentials: every HTTP request this process makes to
// the homectl-api under test carries the token in
// HOMECTL_CONFORMANCE_TOKEN.  Done in undici's global dispatcher, which
// both fetch and the suite's own raw requests go through.
import { Agent, setGlobalDispatcher } from 'undici';

const token = process.env.HOMECTL_CONFORMANCE_TOKEN;
const origin = process.env.HOMECTL_CONFORMANCE_ORIGIN;

function withAuth(headers) {
	const h = `Bearer ${token}`;
	if (headers == null)
		return { authorization: h };
	if (Array.isArray(headers)) {
		for (let i = 0; i < headers.length; i += 2)
			if (String(headers[i]).toLowerCase() === 'authorization')
				return headers;
		return [...headers, 'authorization', h];
	}
	if (typeof headers[Symbol.iterator] === 'function' && !(headers instanceof Object.getPrototypeOf(Object))) {
		const o = {};
		for (const [k, v] of headers)
			o[k] = v;
		headers = o;
	}
	if (Object.keys(headers).some((k) => k.toLowerCase() === 'authorization'))
		return headers;
	return { ...headers, authorization: h };
}

class AuthAgent extends Agent {
	dispatch(opts, handler) {
		if (token && (!origin || String(opts.origin).startsWith(origin)))
			opts = { ...opts, headers: withAuth(opts.headers) };
		return super.dispatch(opts, handler);
	}
}

setGlobalDispatcher(new AuthAgent());
