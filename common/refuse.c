/* SPDX-License-Identifier: MIT */
/* refuse.c -- a daemon that cannot start answers its sockets with the
 * reason until systemd stops it (refuse.h says why).  A small poll loop of
 * its own: the daemon's loop was never built. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <json-c/json.h>
#include <systemd/sd-daemon.h>

#include "log.h"
#include "refuse.h"
#include "util.h"

#define REFUSE_CONN_MAX		64	/* connections at once; more wait in the backlog */
#define REFUSE_REQ_MAX		8192	/* bytes read before answering anyway */
#define REFUSE_WAIT_USEC	5000000	/* a silent client is answered after this */
#define REFUSE_LINGER_USEC	2000000	/* after the answer, until the client closes */

struct conn {
	int fd;
	bool answered;
	uint64_t deadline;
	size_t len;
	char buf[REFUSE_REQ_MAX + 1];
};

static const char *refuse_ident = "homectl";
static enum refuse_proto refuse_proto;

static void
refuse_fatal(const char *msg)
{
	refuse_serve(msg);
}

void
refuse_arm(const char *ident, enum refuse_proto proto)
{
	refuse_ident = ident;
	refuse_proto = proto;
	log_fatal_hook(refuse_fatal);
}

void
refuse_disarm(void)
{
	log_fatal_hook(NULL);
}

/* The answer to what the client sent so far (c->buf).  Caller frees. */
static char *
answer(const struct conn *c, const char *why)
{
	struct json_object *o = json_object_new_object(), *e = json_object_new_object();
	struct json_object *req = NULL, *id = NULL;
	char msg[1024], *out = NULL;
	const char *body;
	size_t n;

	snprintf(msg, sizeof(msg), "%s cannot start: %s. Fix it, then: systemctl restart %s",
	    refuse_ident, why, refuse_ident);
	if (refuse_proto == REFUSE_JSONRPC) {
		/* Answer the first request by its id, so that the client shows
		 * the message rather than waiting for an answer. */
		req = json_tokener_parse(c->buf);
		if (req != NULL && json_object_object_get_ex(req, "id", &id))
			id = json_object_get(id);
		json_object_object_add(e, "code", json_object_new_int(-32000));
		json_object_object_add(e, "message", json_object_new_string(msg));
		json_object_object_add(o, "jsonrpc", json_object_new_string("2.0"));
		json_object_object_add(o, "id", id);
		json_object_object_add(o, "error", e);
		body = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
		n = strlen(body) + 2;
		if ((out = malloc(n)) != NULL)
			snprintf(out, n, "%s\n", body);
	} else {
		json_object_object_add(e, "code", json_object_new_string("unavailable"));
		json_object_object_add(e, "message", json_object_new_string(msg));
		json_object_object_add(o, "error", e);
		body = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
		n = strlen(body) + 256;
		if ((out = malloc(n)) != NULL)
			snprintf(out, n, "HTTP/1.1 503 Service Unavailable\r\n"
			    "Content-Type: application/json\r\nCache-Control: no-store\r\n"
			    "Retry-After: 10\r\nConnection: close\r\nContent-Length: %zu\r\n\r\n%s",
			    strlen(body), body);
	}
	json_object_put(req);
	json_object_put(o);
	return out;
}

/* true once the client has said enough to be answered: the end of the
 * request head, or a whole JSON-RPC line. */
static bool
complete(const struct conn *c)
{
	if (refuse_proto == REFUSE_JSONRPC)
		return memchr(c->buf, '\n', c->len) != NULL;
	return strstr(c->buf, "\r\n\r\n") != NULL;
}

static void
conn_answer(struct conn *c, const char *why)
{
	char *a = answer(c, why);

	/* A few hundred bytes into a fresh socket's buffer: one write. */
	if (a != NULL && write(c->fd, a, strlen(a)) < 0)
		log_debug("refuse: write: %s", strerror(errno));
	free(a);
	/* Then wait for the client to close, so that closing with its data
	 * unread does not reset the connection before it read the answer. */
	shutdown(c->fd, SHUT_WR);
	c->answered = true;
	c->deadline = mono_usec() + REFUSE_LINGER_USEC;
}

/* Reads what the client sent; false when the connection is done. */
static bool
conn_read(struct conn *c, const char *why)
{
	char scratch[4096];
	ssize_t n;

	if (c->answered) {
		n = read(c->fd, scratch, sizeof(scratch));
		return n > 0 || (n < 0 && errno == EAGAIN);
	}
	n = read(c->fd, c->buf + c->len, REFUSE_REQ_MAX - c->len);
	if (n < 0 && errno == EAGAIN)
		return true;
	if (n > 0) {
		c->len += (size_t)n;
		c->buf[c->len] = '\0';
	}
	if (n <= 0 || complete(c) || c->len >= REFUSE_REQ_MAX)
		conn_answer(c, why);
	return n > 0;
}

void
refuse_serve(const char *why)
{
	struct pollfd pfd[REFUSE_CONN_MAX + 8];
	struct conn *conns[REFUSE_CONN_MAX] = { NULL };
	uint64_t wd_usec = 0, next_ping = 0, now;
	sigset_t mask;
	int nlisten, timeout, i, fd;
	size_t n, j;

	nlisten = sd_listen_fds(0);
	if (nlisten <= 0)
		return;
	if (nlisten > 8)
		nlisten = 8;
	log_fatal_hook(NULL);
	/* SIGTERM ends us as it ends any process: nothing to clean up. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_UNBLOCK, &mask, NULL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < nlisten; i++)
		fcntl(SD_LISTEN_FDS_START + i, F_SETFL,
		    fcntl(SD_LISTEN_FDS_START + i, F_GETFL) | O_NONBLOCK);
	if (sd_watchdog_enabled(0, &wd_usec) <= 0)
		wd_usec = 0;
	log_warnx("answering every connection with the reason until restarted");
	sd_notifyf(0, "READY=1\nSTATUS=cannot start: %s", why);
	next_ping = mono_usec() + wd_usec / 2;

	for (;;) {
		n = 0;
		for (i = 0; i < nlisten; i++)
			pfd[n++] = (struct pollfd){ .fd = SD_LISTEN_FDS_START + i, .events = POLLIN };
		for (j = 0; j < REFUSE_CONN_MAX; j++)
			if (conns[j] != NULL)
				pfd[n++] = (struct pollfd){ .fd = conns[j]->fd, .events = POLLIN };
		now = mono_usec();
		timeout = -1;
		if (wd_usec > 0)
			timeout = next_ping > now ? (int)((next_ping - now) / 1000) + 1 : 0;
		for (j = 0; j < REFUSE_CONN_MAX; j++) {
			int t;

			if (conns[j] == NULL)
				continue;
			t = conns[j]->deadline > now ? (int)((conns[j]->deadline - now) / 1000) + 1 : 0;
			if (timeout < 0 || t < timeout)
				timeout = t;
		}
		if (poll(pfd, n, timeout) < 0 && errno != EINTR)
			break;
		now = mono_usec();
		if (wd_usec > 0 && now >= next_ping) {
			sd_notify(0, "WATCHDOG=1");
			next_ping = now + wd_usec / 2;
		}
		/* The connections first, then the listeners (the indices in
		 * pfd follow the order they were added). */
		for (j = 0, i = nlisten; j < REFUSE_CONN_MAX; j++) {
			struct conn *c = conns[j];
			bool keep = true;

			if (c == NULL)
				continue;
			if (pfd[i++].revents != 0)
				keep = conn_read(c, why);
			if (keep && now >= c->deadline) {
				if (c->answered)
					keep = false;
				else
					conn_answer(c, why);
			}
			if (!keep) {
				close(c->fd);
				FREE(conns[j]);
			}
		}
		for (i = 0; i < nlisten; i++) {
			if (!(pfd[i].revents & POLLIN))
				continue;
			for (j = 0; j < REFUSE_CONN_MAX && conns[j] != NULL; j++)
				;
			if (j == REFUSE_CONN_MAX)
				break;	/* full: the rest wait in the backlog */
			fd = accept4(pfd[i].fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
			if (fd < 0)
				continue;
			if ((conns[j] = calloc(1, sizeof(*conns[j]))) == NULL) {
				close(fd);
				continue;
			}
			conns[j]->fd = fd;
			conns[j]->deadline = now + REFUSE_WAIT_USEC;
		}
	}
	log_warn("refuse: poll");
	exit(1);
}
