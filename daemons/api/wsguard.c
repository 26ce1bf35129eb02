/* SPDX-License-Identifier: MIT */
/* wsguard.c -- RFC 6455 section 5.1: a server MUST close the connection
 * when a client sends an unmasked frame (close code 1002).  libwebsockets
 * 4.1.6 reads the mask bit and then ignores it, and offers no hook between
 * its recv() and its frame parser.  So this file defines recv(): the
 * dynamic linker binds libwebsockets' calls (and libmicrohttpd's) to it.
 * It reads with recvfrom() and, on the sockets of WebSockets only, walks
 * the frame headers in what was read before lws parses a byte of it; the
 * first unmasked frame calls the connection's callback.  Every other
 * socket costs one table lookup.
 *
 * Every socket this process receives on was accepted by listen.c, which
 * calls wsguard_watch() or wsguard_forget() for each before anyone reads
 * it, so an entry left by a closed socket never applies to the next one
 * that gets its number. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "api.h"

struct guard {
	bool on;		/* a WebSocket: walk its frames */
	bool bad;		/* an unmasked frame came */
	uint8_t hdr[14];	/* the frame header read so far */
	uint8_t hlen;
	uint64_t skip;		/* handshake or payload bytes to pass over */
	void (*cb)(void *arg);
	void *arg;
};

static struct guard *guards;
static size_t nguards;

static struct guard *
guard_get(int fd, bool create)
{
	struct guard *g;
	size_t n;

	if (fd < 0)
		return NULL;
	if ((size_t)fd < nguards)
		return &guards[fd];
	if (!create)
		return NULL;
	n = nguards ? nguards : 256;
	while (n <= (size_t)fd)
		n *= 2;
	if ((g = realloc(guards, n * sizeof(*g))) == NULL)
		return NULL;
	memset(g + nguards, 0, (n - nguards) * sizeof(*g));
	guards = g;
	nguards = n;
	return &guards[fd];
}

int
wsguard_watch(int fd, size_t handshake)
{
	struct guard *g = guard_get(fd, true);

	if (g == NULL)
		return -ENOMEM;
	memset(g, 0, sizeof(*g));
	g->on = true;
	g->skip = handshake;
	return 0;
}

void
wsguard_forget(int fd)
{
	struct guard *g = guard_get(fd, false);

	if (g != NULL)
		memset(g, 0, sizeof(*g));
}

void
wsguard_attach(int fd, void (*cb)(void *arg), void *arg)
{
	struct guard *g = guard_get(fd, false);

	if (g == NULL || !g->on)
		return;
	g->cb = cb;
	g->arg = arg;
	if (g->bad && cb != NULL)
		cb(arg);	/* it came with the handshake */
}

void
wsguard_detach(int fd)
{
	struct guard *g = guard_get(fd, false);

	if (g != NULL) {
		g->cb = NULL;
		g->arg = NULL;
	}
}

/* Walks n bytes of the client's stream: the rest of the handshake, then
 * frame headers (2 to 14 bytes) and the payloads they announce. */
static void
walk(struct guard *g, const uint8_t *p, size_t n)
{
	size_t need, take, i;
	uint64_t len;

	while (n > 0 && !g->bad) {
		if (g->skip > 0) {
			take = g->skip < n ? (size_t)g->skip : n;
			g->skip -= take;
			p += take;
			n -= take;
			continue;
		}
		g->hdr[g->hlen++] = *p++;
		n--;
		if (g->hlen < 2)
			continue;
		if (!(g->hdr[1] & 0x80)) {
			g->bad = true;
			if (g->cb != NULL)
				g->cb(g->arg);
			return;
		}
		len = g->hdr[1] & 0x7f;
		need = 2 + (len == 126 ? 2 : len == 127 ? 8 : 0) + 4;
		if (g->hlen < need)
			continue;
		if (len == 126)
			len = (uint64_t)g->hdr[2] << 8 | g->hdr[3];
		else if (len == 127)
			for (len = 0, i = 2; i < 10; i++)
				len = len << 8 | g->hdr[i];
		g->skip = len;
		g->hlen = 0;
	}
}

/* Interposes libc's recv() for the whole process (see the top). */
ssize_t
recv(int fd, void *buf, size_t len, int flags)
{
	ssize_t n = recvfrom(fd, buf, len, flags, NULL, NULL);
	struct guard *g;

	if (n > 0 && !(flags & MSG_PEEK) && (g = guard_get(fd, false)) != NULL && g->on)
		walk(g, buf, (size_t)n);
	return n;
}
