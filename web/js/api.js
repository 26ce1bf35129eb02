// SPDX-License-Identifier: MIT
// api.js -- the REST client: bearer token, JSON bodies, and errors that
// carry the server's own message ({"error": {"code", "message"}}).

export class ApiError extends Error {
	constructor(status, code, message) {
		super(message);
		this.status = status;
		this.code = code;
	}
}

// getToken() returns the current token; onUnauthorized(err) is called on
// every 401 (an unknown or revoked token) before the promise rejects.
export function createApi(getToken, onUnauthorized) {
	// pending: the fetch of this GET already under way (index.html's first script), if any.
	async function call(method, path, body, pending) {
		const headers = { Accept: 'application/json' };
		const token = getToken();
		if (token)
			headers.Authorization = `Bearer ${token}`;
		const init = { method, headers, cache: 'no-store' };
		if (body !== undefined) {
			headers['Content-Type'] = 'application/json';
			init.body = JSON.stringify(body);
		}
		let res;
		try {
			res = await (pending || fetch(path, init));
		} catch (e) {
			throw new ApiError(0, 'network', 'The server cannot be reached.');
		}
		let data = null;
		const text = await res.text();
		if (text) {
			try {
				data = JSON.parse(text);
			} catch (e) {
				data = null;
			}
		}
		if (!res.ok) {
			const e = data && data.error;
			const err = new ApiError(res.status, (e && e.code) || `http_${res.status}`,
				(e && e.message) || `The server answered ${res.status} ${res.statusText}.`);
			if (res.status === 401 && onUnauthorized)
				onUnauthorized(err);
			throw err;
		}
		if (data === null)
			throw new ApiError(res.status, 'bad_response', 'The server sent an unreadable answer.');
		return data;
	}
	return {
		get: (path, pending) => call('GET', path, undefined, pending),
		post: (path, body) => call('POST', path, body),
		put: (path, body) => call('PUT', path, body),
		patch: (path, body) => call('PATCH', path, body),
		del: (path) => call('DELETE', path),
	};
}
