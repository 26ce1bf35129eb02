// SPDX-License-Identifier: MIT
// consent.js -- the consent page of homectl's OAuth authorization server
// (docs/remote.md): /oauth/authorize sends the person here with the
// client's request.  The server checks the request again for every call
// (this page's address is anyone's to write), with the person's own token,
// which is kept as the dashboard keeps it; the grant can never exceed it.
// Every text shown comes from the server and goes in as text, never HTML.

import { createApi } from './api.js';
import { h, setText } from './dom.js';

const TOKEN_KEY = 'homectl.token';	// the dashboard's (app.js)
const PARAMS = ['response_type', 'client_id', 'redirect_uri', 'code_challenge',
	'code_challenge_method', 'scope', 'state', 'resource'];
const SCOPE_TEXT = {
	read: 'See the home: devices, modes, history. Change nothing.',
	control: 'Also run devices and modes, but never unlock a door or open the garage.',
	full: 'Everything: also unlock, open the garage and edit the home.',
};

const $ = (id) => document.getElementById(id);
const query = new URLSearchParams(location.search);

function loadToken() {
	return sessionStorage.getItem(TOKEN_KEY) || localStorage.getItem(TOKEN_KEY);
}

function saveToken(tok, remember) {
	const [keep, drop] = remember ? [localStorage, sessionStorage] : [sessionStorage, localStorage];
	drop.removeItem(TOKEN_KEY);
	keep.setItem(TOKEN_KEY, tok);
}

function show(id) {
	for (const v of ['signin', 'consent', 'problem'])
		$(v).hidden = v !== id;
}

function problem(msg) {
	setText($('problem-msg'), msg);
	show('problem');
}

function signIn(msg) {
	setText($('signin-msg'), msg || '');
	show('signin');
	$('token-input').focus();
}

const api = createApi(loadToken, () => {});

// The request's own parameters, as the client sent them (a repeated one
// is kept repeated: the server refuses it).
function requestQuery() {
	const q = new URLSearchParams();
	for (const [k, v] of query)
		if (PARAMS.includes(k))
			q.append(k, v);
	return q;
}

async function load() {
	if (!loadToken()) {
		signIn();
		return;
	}
	let req;
	try {
		req = await api.get(`/api/oauth/request?${requestQuery()}`);
	} catch (e) {
		if (e.status === 401)
			signIn('That token is not valid (any more). Sign in again.');
		else
			problem(e.message);
		return;
	}
	render(req);
}

function render(req) {
	setText($('client-name'), req.client_name);
	setText($('redirect-host'), req.redirect_host);
	// A client known by its metadata document: the site that vouches for
	// the name shown.
	const byUrl = typeof req.client_id === 'string' && req.client_id.startsWith('https://');
	$('client-id-label').hidden = $('client-id-row').hidden = !byUrl;
	if (byUrl)
		setText($('client-id-host'), new URL(req.client_id).host);
	setText($('scope-asked'), `${req.scope}: ${SCOPE_TEXT[req.scope] || ''}`);
	setText($('your-scope'), req.your_scope);
	const box = $('scopes');
	box.replaceChildren();
	// Opening the home is never the default: full must be picked.
	const preset = req.scopes.includes('control') ? 'control' : req.scopes[req.scopes.length - 1];
	req.scopes.forEach((s) => {
		const id = `scope-${s}`;
		box.append(h('div', { class: 'check' },
			h('input', { type: 'radio', name: 'grant', id, value: s, checked: s === preset }),
			h('label', { for: id }, h('strong', {}, s), ` — ${SCOPE_TEXT[s] || ''}`)));
	});
	$('deny').onclick = () => {
		$('deny').disabled = $('approve').disabled = true;
		location.assign(req.deny);
	};
	$('consent').onsubmit = async (ev) => {
		ev.preventDefault();
		const grant = box.querySelector('input[name="grant"]:checked')?.value;
		const body = { grant };
		for (const k of PARAMS)
			if (query.get(k) !== null && query.get(k) !== '')
				body[k] = query.get(k);
		$('deny').disabled = $('approve').disabled = true;
		try {
			const res = await api.post('/api/oauth/approve', body);
			location.assign(res.redirect);
		} catch (e) {
			$('deny').disabled = $('approve').disabled = false;
			problem(e.message);
		}
	};
	show('consent');
	$('approve').focus();
}

$('signin').addEventListener('submit', (ev) => {
	ev.preventDefault();
	const tok = $('token-input').value.trim();
	if (!tok)
		return;
	saveToken(tok, $('remember').checked);
	$('token-input').value = '';
	load();
});

load();
