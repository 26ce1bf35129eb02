/* SPDX-License-Identifier: MIT */
/* listen.c -- who may hold a socket session, and for how long: the
 * listening socket (systemd's or our own), accepting with the peer's uid
 * (SO_PEERCRED), the per-peer and total bounds, and the deadlines that
 * free the sessions nobody uses.
 *
 * Why these rules: a session costs a slot, and the slots are few (64 by
 * default), so silent or dead connections must not be able to take them
 * all and lock every assistant out.
 *  - A connection must finish the MCP handshake (initialize) within
 *    MCP_HELLO_SEC, or it is closed.
 *  - A session silent for --idle-timeout seconds is sent a ping (MCP
 *    allows either side to ping); one that does not answer within the
 *    grace time is closed.  A live client answers by itself, so an
 *    assistant that sits idle for hours keeps its session.
 *  - One peer (uid) holds at most --max-sessions-per-peer sessions, so
 *    one user cannot fill the server for the others.  A new connection
 *    from a peer at its limit, or to a full server, takes the slot of the
 *    oldest connection (of that peer, or of the peer holding the most)
 *    that has not yet sent a single message; if there is none it is
 *    refused with a JSON-RPC error saying why. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>

#include "jsonutil.h"
#include "log.h"
#include "mcp.h"
#include "util.h"

#define ACCEPT_BATCH	64	/* accepts per wake-up */
#define ACCEPT_PAUSE_US	200000	/* after EMFILE: the socket stays readable */

/* Binds a unix stream socket at path, replacing a stale one (a socket
 * file nobody listens on).  Returns the fd or -errno. */
static int
listen_unix(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old;
	int fd, r;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_warnx("%s: socket path too long", path);
		return -ENAMETOOLONG;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
		int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (probe >= 0 && connect(probe, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
			close(probe);
			close(fd);
			log_warnx("%s: another server is listening there", path);
			return -EADDRINUSE;
		}
		if (probe >= 0)
			close(probe);
		unlink(path);
	}
	/* 0660: the homectl group may connect, as with the socket unit. */
	old = umask(0117);
	r = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (r < 0 || listen(fd, 64) < 0) {
		r = -errno;
		log_warn("%s", path);
		close(fd);
		return r;
	}
	return fd;
}

/* The socket systemd passed (Accept=no), or -1. */
static int
listen_systemd(void)
{
	int n = sd_listen_fds(1), fd = SD_LISTEN_FDS_START;

	if (n <= 0)
		return -1;
	if (n > 1)
		log_warnx("systemd passed %d sockets; serving the first", n);
	if (sd_is_socket(fd, AF_UNSPEC, SOCK_STREAM, 1) <= 0)
		fatalx("the socket from systemd is not a listening stream socket (Accept=no?)");
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		fatal("fcntl");
	return fd;
}

/* Tells a connection we will not serve why, then closes it.  One
 * JSON-RPC error (id null) on a fresh socket: its buffer takes it. */
static void
refuse(int fd, const char *why)
{
	struct json_object *msg, *err;
	const char *text;
	ssize_t n;

	err = json_object_new_object();
	json_object_object_add(err, "code", json_object_new_int(-32000));
	json_object_object_add(err, "message", json_object_new_string(why));
	msg = json_object_new_object();
	json_object_object_add(msg, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(msg, "id", NULL);
	json_object_object_add(msg, "error", err);
	text = json_compact(msg);
	n = send(fd, text, strlen(text), MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n == (ssize_t)strlen(text))
		send(fd, "\n", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	json_object_put(msg);
	close(fd);
}

static unsigned
peer_sessions(struct server *srv, uid_t uid)
{
	unsigned n = 0;

	for (struct session *s = srv->sessions; s != NULL; s = s->next)
		if (!s->is_stdio && !s->dead && s->uid == uid)
			n++;
	return n;
}

/* The oldest live socket session of uid (any uid when all) that has not
 * sent a message yet, or NULL. */
static struct session *
oldest_silent(struct server *srv, uid_t uid, bool all)
{
	struct session *best = NULL;

	for (struct session *s = srv->sessions; s != NULL; s = s->next)
		if (!s->is_stdio && !s->dead && !s->spoke && (all || s->uid == uid) &&
		    (best == NULL || s->opened < best->opened))
			best = s;
	return best;
}

/* The uid holding the most live socket sessions. */
static uid_t
busiest_peer(struct server *srv)
{
	uid_t best = 0;
	unsigned most = 0;

	for (struct session *s = srv->sessions; s != NULL; s = s->next) {
		unsigned n;

		if (s->is_stdio || s->dead)
			continue;
		if ((n = peer_sessions(srv, s->uid)) > most) {
			most = n;
			best = s->uid;
		}
	}
	return best;
}

static void
evict(struct session *s, const char *why)
{
	log_info("session %u (uid %u): closed to make room: %s", s->m.id, (unsigned)s->uid, why);
	s->dead = true;
}

/* Live sessions: the dead ones are freed only after this turn. */
static unsigned
live_sessions(struct server *srv)
{
	unsigned n = 0;

	for (struct session *s = srv->sessions; s != NULL; s = s->next)
		if (!s->dead)
			n++;
	return n;
}

/* Decides whether a new connection from uid gets a slot, making room
 * when a silent connection can give one up.  NULL, or why not. */
static const char *
admit(struct server *srv, uid_t uid)
{
	struct session *victim;

	if (peer_sessions(srv, uid) >= srv->max_per_peer) {
		if ((victim = oldest_silent(srv, uid, false)) == NULL)
			return "too many sessions for this user; close one and retry";
		evict(victim, "its peer is at --max-sessions-per-peer");
	}
	if (live_sessions(srv) >= srv->max_sessions) {
		if ((victim = oldest_silent(srv, busiest_peer(srv), false)) == NULL &&
		    (victim = oldest_silent(srv, 0, true)) == NULL)
			return "the server is full (--max-sessions); retry later";
		evict(victim, "the server is at --max-sessions");
	}
	return NULL;
}

static void
accept_one(struct server *srv, int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct session *s;
	const char *why;

	/* A unix socket always knows its peer; anything else counts as
	 * one peer, uid -1. */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		cred.uid = (uid_t)-1;
	if ((why = admit(srv, cred.uid)) != NULL) {
		log_warnx("connection from uid %u refused: %s", (unsigned)cred.uid, why);
		refuse(fd, why);
		return;
	}
	if ((s = session_new(srv, fd, fd, false)) == NULL) {
		log_warnx("out of memory: connection refused");
		close(fd);
		return;
	}
	s->uid = cred.uid;
	log_debug("session %u: uid %u", s->m.id, (unsigned)s->uid);
}

static void
listen_rx(struct loop_fd *h, uint32_t events)
{
	struct server *srv = h->arg;
	struct session *victim;

	for (int n = 0; n < ACCEPT_BATCH; n++) {
		int fd = accept4(h->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd >= 0) {
			accept_one(srv, fd);
			continue;
		}
		switch (errno) {
		case EINTR:
		case ECONNABORTED:
		case EPROTO:
			continue;
		case EAGAIN:
			return;
		case EMFILE:
		case ENFILE:
		case ENOBUFS:
		case ENOMEM:
			/* The socket stays readable: without a pause the loop
			 * would spin.  Free a silent slot if there is one. */
			log_warn("accept");
			if ((victim = oldest_silent(srv, 0, true)) != NULL)
				evict(victim, "out of file descriptors");
			loop_want(h, 0);
			srv->accept_paused = mono_usec() + ACCEPT_PAUSE_US;
			return;
		default:
			log_warn("accept");
			return;
		}
	}
}

/* When s must be looked at next, or 0 for never. */
static uint64_t
deadline(const struct server *srv, const struct session *s)
{
	uint64_t hello = MCP_HELLO_SEC, grace;

	if (s->is_stdio || s->dead)
		return 0;
	if (srv->idle_sec > 0 && srv->idle_sec < hello)
		hello = srv->idle_sec;
	if (!s->m.initialized)
		return s->opened + hello * 1000000;
	if (srv->idle_sec == 0)
		return 0;
	grace = hello;
	if (s->pinged_at != 0)
		return s->pinged_at + grace * 1000000;
	return s->last_input + (uint64_t)srv->idle_sec * 1000000;
}

/* Asks an idle session whether anyone is there. */
static void
ping(struct session *s)
{
	struct json_object *msg = json_object_new_object();
	char id[48];

	snprintf(id, sizeof(id), "homectl-ping-%u", s->m.id);
	json_object_object_add(msg, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(msg, "id", json_object_new_string(id));
	json_object_object_add(msg, "method", json_object_new_string("ping"));
	session_send(s, msg);
	json_object_put(msg);
	s->pinged_at = mono_usec();
	log_debug("session %u: idle for %u s: ping", s->m.id, s->srv->idle_sec);
}

static void
idle_rx(struct loop_fd *h, uint32_t events)
{
	struct server *srv = h->arg;
	uint64_t now = mono_usec(), due;

	loop_timer_drain(h);
	srv->idle_at = 0;
	if (srv->accept_paused != 0 && now >= srv->accept_paused) {
		srv->accept_paused = 0;
		loop_want(&srv->listen_h, EPOLLIN);
	}
	for (struct session *s = srv->sessions; s != NULL; s = s->next) {
		if ((due = deadline(srv, s)) == 0 || due > now)
			continue;
		if (!s->m.initialized) {
			log_info("session %u (uid %u): no initialize within %llu s: closed", s->m.id,
			    (unsigned)s->uid, (unsigned long long)((now - s->opened) / 1000000));
			s->dead = true;
		} else if (s->pinged_at == 0) {
			ping(s);
		} else {
			log_info("session %u (uid %u): silent, and no answer to a ping: closed",
			    s->m.id, (unsigned)s->uid);
			s->dead = true;
		}
	}
}

void
listen_arm(struct server *srv)
{
	uint64_t next = srv->accept_paused, due, now;

	if (!srv->idle_h.added)
		return;
	for (struct session *s = srv->sessions; s != NULL; s = s->next)
		if ((due = deadline(srv, s)) != 0 && (next == 0 || due < next))
			next = due;
	if (next == srv->idle_at)
		return;
	srv->idle_at = next;
	now = mono_usec();
	/* A timerfd value of 0 disarms it: a due deadline gets 1 us. */
	loop_timer_set(&srv->idle_h, next == 0 ? 0 : next > now ? next - now : 1, 0);
}

int
listen_start(struct server *srv, const char *path)
{
	int fd, r;

	if ((fd = listen_systemd()) < 0) {
		if ((fd = listen_unix(path)) < 0)
			return fd;
		if ((srv->listen_path = strdup(path)) == NULL) {
			close(fd);
			return -ENOMEM;
		}
		log_info("listening on %s", path);
	} else
		log_info("listening on the socket from systemd");
	srv->listen_h.cb = listen_rx;
	srv->listen_h.arg = srv;
	if ((r = loop_add(&srv->loop, &srv->listen_h, fd, EPOLLIN, "listener")) < 0) {
		close(fd);
		return r;
	}
	srv->idle_h.cb = idle_rx;
	srv->idle_h.arg = srv;
	if ((r = loop_timer(&srv->loop, &srv->idle_h, "session deadlines", 0, 0)) < 0)
		return r;
	return 0;
}

void
listen_stop(struct server *srv)
{
	if (srv->listen_h.added) {
		loop_del(&srv->listen_h);
		close(srv->listen_h.fd);
	}
	loop_timer_close(&srv->idle_h);
	if (srv->listen_path != NULL) {
		unlink(srv->listen_path);
		FREE(srv->listen_path);
	}
}
