// SPDX-License-Identifier: MIT
// sw.js -- the service worker: the dashboard's shell (its own files) comes
// from the network when it answers and from the cache when it does not, so
// the installed app opens offline and shows the last state it saw, marked
// stale (the modules app.js loads on demand are in it too: a view opened
// offline for the first time still comes). /api and /ws are never cached:
// the state comes from the feed; nor is OAuth (/oauth/, /.well-known/).

const CACHE = 'homectl-shell-v3';
const SHELL = ['./', 'index.html', 'style.css', 'icon.svg', 'manifest.webmanifest',
	'js/app.js', 'js/api.js', 'js/automations.js', 'js/cards.js', 'js/details.js', 'js/dom.js',
	'js/edit.js', 'js/format.js', 'js/icons.js', 'js/live.js', 'js/model.js', 'js/notify.js',
	'js/store.js', 'icons/icon-192.png', 'icons/icon-512.png', 'icons/icon-maskable-192.png',
	'icons/icon-maskable-512.png', 'icons/apple-touch-icon.png'];

self.addEventListener('install', (e) => {
	e.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (e) => {
	e.waitUntil(caches.keys().then((keys) => Promise.all(keys.filter((k) => k !== CACHE)
		.map((k) => caches.delete(k)))).then(() => self.clients.claim()));
});

self.addEventListener('fetch', (e) => {
	const url = new URL(e.request.url);
	if (e.request.method !== 'GET' || url.origin !== location.origin ||
	    url.pathname.startsWith('/api/') || url.pathname === '/ws' || url.pathname === '/mcp' ||
	    url.pathname.startsWith('/oauth/') || url.pathname.startsWith('/.well-known/'))
		return;
	// Network first: the files keep their names across versions, so the
	// cache is only for when the server cannot be reached.
	e.respondWith(fetch(e.request).then((res) => {
		if (res.ok) {
			const copy = res.clone();
			caches.open(CACHE).then((c) => c.put(e.request, copy));
		}
		return res;
	}).catch(() => caches.match(e.request, { ignoreSearch: true })
		.then((hit) => hit || caches.match('index.html'))));
});

// A tap on a notification the page showed through this worker (Android):
// back to the dashboard, in its open window if there is one.
self.addEventListener('notificationclick', (e) => {
	e.notification.close();
	e.waitUntil(self.clients.matchAll({ type: 'window' }).then((list) =>
		(list.length ? list[0].focus() : self.clients.openWindow('./'))));
});
