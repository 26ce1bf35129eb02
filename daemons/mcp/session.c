/* SPDX-License-Identifier: MIT */
/* session.c -- one MCP session's bytes: a bounded line reader and a write
 * queue, over a socket or over stdin/stdout, driven by the loop.
 *
 * Why a busy call parks instead of waiting: the database connection has
 * no busy timeout (DB_NOWAIT), so a tool that meets another process's
 * write lock fails at once with -EBUSY, having changed nothing (every
 * write starts with BEGIN IMMEDIATE; reads in WAL mode never meet the
 * lock).  The session then parks: its line stays first in its buffer, it
 * reads nothing more (its messages stay in order), and a timerfd runs the
 * line again every MCP_BUSY_RETRY_MS until it gets through or
 * MCP_BUSY_WAIT_MS have passed (then the tool answers that the database
 * is busy).  Every other session is served meanwhile. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>

#include "jsonutil.h"
#include "log.h"
#include "mcp.h"
#include "status.h"
#include "util.h"

#define READ_CHUNK	((size_t)64 << 10)

static void session_in(struct loop_fd *h, uint32_t events);
static void retry_arm(struct server *srv, bool any);
static void session_out(struct loop_fd *h, uint32_t events);

/* The core's defer: a tool call waits for a real device (waits.c). */
static int
session_defer(struct mcp_sess *m, struct json_object *id, const char *tool,
    const char *summary, struct json_object *out)
{
	return waits_defer(SESSION_OF(m), id, tool, summary, out);
}

/* The core's send: queue on this session's socket. */
static void
session_send_m(struct mcp_sess *m, struct json_object *msg)
{
	session_send(SESSION_OF(m), msg);
}

struct session *
session_new(struct server *srv, int in_fd, int out_fd, bool is_stdio)
{
	struct session *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->srv = srv;
	s->in_fd = in_fd;
	s->out_fd = out_fd;
	s->is_stdio = is_stdio;
	s->opened = s->last_input = mono_usec();
	s->in_h.cb = session_in;
	s->in_h.arg = s;
	s->out_h.cb = session_out;
	s->out_h.arg = s;
	if (loop_add(&srv->loop, &s->in_h, in_fd, EPOLLIN, "session") < 0 ||
	    (out_fd != in_fd && loop_add(&srv->loop, &s->out_h, out_fd, 0, "session output") < 0)) {
		loop_del(&s->in_h);
		free(s);
		return NULL;
	}
	mcp_sess_init(&srv->core, &s->m, ++srv->next_id, session_send_m, session_park);
	s->m.defer = session_defer;
	s->m.async_ok = true;	/* a later answer is just another line */
	s->m.scope = srv->read_only ? MCP_SCOPE_READ : MCP_SCOPE_FULL;
	s->next = srv->sessions;
	srv->sessions = s;
	srv->nsessions++;
	status_clients(srv->nsessions);
	log_debug("session %u: open", s->m.id);
	return s;
}

void
session_free(struct session *s)
{
	struct session **pp;

	if (s == NULL)
		return;
	for (pp = &s->srv->sessions; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			s->srv->nsessions--;
			status_clients(s->srv->nsessions);
			break;
		}
	}
	waits_drop_session(s);
	loop_del(&s->in_h);
	loop_del(&s->out_h);
	if (!s->is_stdio) {
		if (s->in_fd >= 0)
			close(s->in_fd);
		if (s->out_fd >= 0 && s->out_fd != s->in_fd)
			close(s->out_fd);
	}
	log_debug("session %u: closed", s->m.id);
	mcp_sess_fini(&s->m);
	free(s->in);
	free(s->out);
	free(s);
}

bool
session_pending(const struct session *s)
{
	return s->out_len > s->out_off;
}

bool
session_wants_input(const struct session *s)
{
	return !s->eof && !s->dead && !s->parked && s->out_len - s->out_off < MCP_OUT_HIGH;
}

/* Appends len bytes to the queue.  A client that lets more than
 * MCP_OUT_MAX pile up is not reading: it is dropped. */
static void
queue(struct session *s, const char *buf, size_t len)
{
	if (s->dead)
		return;
	if (s->out_off > 0 && s->out_off == s->out_len)
		s->out_off = s->out_len = 0;
	if (s->out_len - s->out_off + len > MCP_OUT_MAX) {
		log_warnx("session %u: client does not read its replies; closing", s->m.id);
		s->dead = true;
		return;
	}
	if (s->out_len + len > s->out_cap) {
		size_t cap;
		char *p;

		/* Reclaim what was already written before growing. */
		if (s->out_off > 0) {
			memmove(s->out, s->out + s->out_off, s->out_len - s->out_off);
			s->out_len -= s->out_off;
			s->out_off = 0;
		}
		for (cap = s->out_cap ? s->out_cap : 4096; cap < s->out_len + len; cap *= 2)
			;
		if (cap != s->out_cap) {
			if ((p = realloc(s->out, cap)) == NULL) {
				log_warnx("session %u: out of memory; closing", s->m.id);
				s->dead = true;
				return;
			}
			s->out = p;
			s->out_cap = cap;
		}
	}
	memcpy(s->out + s->out_len, buf, len);
	s->out_len += len;
}

void
session_send(struct session *s, struct json_object *msg)
{
	const char *text = json_compact(msg);

	queue(s, text, strlen(text));
	queue(s, "\n", 1);
}

int
session_flush(struct session *s)
{
	while (s->out_off < s->out_len) {
		ssize_t n = write(s->out_fd, s->out + s->out_off, s->out_len - s->out_off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno != EPIPE && errno != ECONNRESET)
				log_warn("session %u: write", s->m.id);
			return -errno;
		}
		s->out_off += (size_t)n;
	}
	s->out_off = s->out_len = 0;
	/* A reply as big as tools/list should not pin megabytes forever. */
	if (s->out_cap > ((size_t)1 << 20)) {
		FREE(s->out);
		s->out_cap = 0;
	}
	return 0;
}

/* Answers a message that could not be handled as a request. */
static void
reply_invalid(struct session *s, struct rpc_msg *m)
{
	struct json_object *r;

	log_debug("session %u: %d %s", s->m.id, m->err.code, m->err.message);
	r = rpc_error_msg(m->id, &m->err);
	session_send(s, r);
	json_object_put(r);
}

/* One complete line (without its newline; a trailing CR is dropped). */
static void
handle_line(struct session *s, char *line, size_t len)
{
	struct rpc_msg m;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t'))
		len--;
	if (len == 0)
		return;
	rpc_parse(line, len, &m);
	if (m.kind == RPC_INVALID)
		reply_invalid(s, &m);
	else
		server_handle(&s->m, &m);
	rpc_msg_clear(&m);
}

/* Says that a message was too long (it is not read). */
static void
refuse_long(struct session *s)
{
	struct rpc_error err = { 0 };
	struct json_object *r;

	log_warnx("session %u: message longer than %zu bytes dropped", s->m.id, MCP_MAX_LINE);
	rpc_fail(&err, RPC_INVALID_REQUEST,
	    "Invalid Request: message longer than %zu bytes", MCP_MAX_LINE);
	r = rpc_error_msg(NULL, &err);
	session_send(s, r);
	json_object_put(r);
}

/* Reports an oversized message once and skips it up to its newline. */
static void
too_long(struct session *s)
{
	refuse_long(s);
	s->discarding = true;
	s->in_len = s->in_scan = 0;
}

/* Handles every complete line in the buffer and keeps the partial tail. */
static void
drain_lines(struct session *s)
{
	size_t start = 0;
	char *nl;

	while (!s->dead && (nl = memchr(s->in + s->in_scan, '\n', s->in_len - s->in_scan))) {
		size_t end = (size_t)(nl - s->in);

		if (s->discarding)
			s->discarding = false;
		else if (end - start > MCP_MAX_LINE)
			/* The limit is exact: a line whose newline came in the
			 * same read as its excess is refused too. */
			refuse_long(s);
		else {
			s->spoke = true;
			handle_line(s, s->in + start, end - start);
			if (s->parked)
				break;	/* this line again, later */
			s->busy_until = 0;
		}
		start = s->in_scan = end + 1;
	}
	if (start > 0) {
		memmove(s->in, s->in + start, s->in_len - start);
		s->in_len -= start;
		s->in_scan = 0;
	}
	if (s->parked) {
		s->in_scan = 0;
		return;
	}
	s->in_scan = s->in_len;
	if (s->discarding) {
		s->in_len = s->in_scan = 0;
	} else if (s->in_len > MCP_MAX_LINE)
		too_long(s);
}

int
session_read(struct session *s)
{
	ssize_t n;

	if (s->in_cap - s->in_len < READ_CHUNK) {
		size_t cap = s->in_cap ? s->in_cap * 2 : READ_CHUNK * 2;
		char *p;

		while (cap - s->in_len < READ_CHUNK)
			cap *= 2;
		if ((p = realloc(s->in, cap)) == NULL) {
			log_warnx("session %u: out of memory", s->m.id);
			return -ENOMEM;
		}
		s->in = p;
		s->in_cap = cap;
	}
	n = read(s->in_fd, s->in + s->in_len, s->in_cap - s->in_len);
	if (n < 0) {
		if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		if (errno != ECONNRESET)
			log_warn("session %u: read", s->m.id);
		s->eof = true;
		return -errno;
	}
	if (n == 0) {
		/* An unterminated message at EOF is incomplete: never act on
		 * half a request. */
		if (s->in_len > 0 && !s->discarding)
			log_warnx("session %u: %zu bytes of an unfinished message dropped at EOF",
			    s->m.id, s->in_len);
		s->eof = true;
		s->in_len = s->in_scan = 0;
		return 0;
	}
	s->in_len += (size_t)n;
	s->last_input = mono_usec();
	s->pinged_at = 0;
	drain_lines(s);
	/* Give back the memory of a huge message once it is handled. */
	if (s->in_len == 0 && s->in_cap > 4 * READ_CHUNK) {
		FREE(s->in);
		s->in_cap = 0;
	}
	return 0;
}

/* The session's input fd (and its output, when it is the same socket). */
static void
session_in(struct loop_fd *h, uint32_t events)
{
	struct session *s = h->arg;

	if (s->dead)
		return;
	if (s->out_fd == s->in_fd && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) &&
	    session_pending(s) && session_flush(s) < 0) {
		s->dead = true;
		return;
	}
	if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && session_wants_input(s)) {
		if (session_read(s) < 0)
			s->eof = true;
	} else if (events & EPOLLERR)
		s->dead = true;
}

/* stdout, in --stdio mode. */
static void
session_out(struct loop_fd *h, uint32_t events)
{
	struct session *s = h->arg;

	if (!s->dead && session_pending(s) && session_flush(s) < 0)
		s->dead = true;
}

/* What s waits for now: input while it wants it, output while some is
 * queued (only after a write found the fd full). */
static void
session_interest(struct session *s)
{
	uint32_t in = session_wants_input(s) ? EPOLLIN : 0;
	uint32_t out = session_pending(s) ? EPOLLOUT : 0;

	if (s->in_fd == s->out_fd) {
		loop_want(&s->in_h, in | out);
	} else {
		loop_want(&s->in_h, in);
		loop_want(&s->out_h, out);
	}
}

void
sessions_tend(struct server *srv)
{
	struct session *s, *next;
	bool parked = false;

	for (s = srv->sessions; s != NULL; s = next) {
		next = s->next;
		/* Answer now, not on the next EPOLLOUT. */
		if (!s->dead && session_pending(s) && session_flush(s) < 0)
			s->dead = true;
		if (s->dead || (s->eof && !session_pending(s))) {
			if (s->is_stdio)
				srv->quit = true;
			session_free(s);
			continue;
		}
		session_interest(s);
		parked = parked || s->parked;
	}
	retry_arm(srv, parked);
}

bool
session_park(struct mcp_sess *m)
{
	struct session *s = SESSION_OF(m);
	uint64_t now = mono_usec();

	if (s->busy_until == 0) {
		s->busy_until = now + (uint64_t)MCP_BUSY_WAIT_MS * 1000;
		log_debug("session %u: the database is locked: waiting", s->m.id);
	}
	if (now >= s->busy_until || s->srv->quit) {
		s->busy_until = 0;
		return false;
	}
	s->parked = true;
	return true;
}

void
sessions_retry(struct loop_fd *h, uint32_t events)
{
	struct server *srv = h->arg;

	loop_timer_drain(h);
	for (struct session *s = srv->sessions; s != NULL; s = s->next) {
		if (!s->parked || s->dead)
			continue;
		s->parked = false;
		drain_lines(s);
	}
}

/* Keeps the retry timer running while a session is parked. */
static void
retry_arm(struct server *srv, bool any)
{
	uint64_t us = (uint64_t)MCP_BUSY_RETRY_MS * 1000;

	if (any == srv->retry_armed || !srv->retry_h.added)
		return;
	loop_timer_set(&srv->retry_h, any ? us : 0, any ? us : 0);
	srv->retry_armed = any;
}
