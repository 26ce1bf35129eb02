/* SPDX-License-Identifier: MIT */
/* mcp_http.c -- MCP over Streamable HTTP (protocol revision 2025-11-25) at
 * /mcp, on homectl-api's one port, with the same protocol core as
 * homectl-mcp (common/mcp) and the same Bearer tokens as REST.
 *
 * POST carries one JSON-RPC message.  A notification or a response is
 * answered 202; a request is answered with one JSON object, or with a
 * short text/event-stream when the call also produced notifications (a
 * tool's log line) and the client accepts one.  GET opens the session's
 * one server stream: resource updates and list changes arrive there as SSE
 * events whose ids are "SEQ-N", SEQ the change feed's seq when the event
 * was made and N the session's event counter, so that a client that lost
 * the stream sends Last-Event-ID and gets what it missed (from a ring of
 * recent events; when the ring no longer holds them, a resources/updated
 * for every subscription and both list_changed notifications, which tell
 * it to read again).  DELETE ends the session.
 *
 * The stream is an MHD response whose content reader suspends the
 * connection when it has nothing to send (MHD's documented way to avoid
 * busy waiting); a new event resumes it, and MHD runs on the next turn of
 * the loop (MHD_run must not be entered from inside its own callbacks).
 * Sessions are bounded (mcp_sessions, 503 beyond), end after mcp_idle_sec
 * without a request and without an open stream, and are bound to the token
 * that opened them. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "api.h"
#include "jsonutil.h"
#include "log.h"
#include "mcpcore.h"
#include "util.h"

#define MCP_RING		256	/* events kept per session for Last-Event-ID */
#define MCP_KEEPALIVE_SEC	15	/* a comment on every idle stream */
#define MCP_STREAM_MAX		((size_t)4 << 20)	/* a stream that never reads ends */

struct mcp_event {
	uint64_t n;			/* the session's event number */
	char *text;			/* the whole SSE event */
	size_t len;
};

/* An open text/event-stream response (the session's GET stream). */
struct mcp_stream {
	struct mcp_hsess *s;		/* NULL once the session ended */
	struct api *api;
	struct MHD_Connection *conn;
	char *buf;			/* bytes still to send */
	size_t len, off;
	bool suspended;
	bool end;			/* send what is left, then end the response */
};

struct mcp_hsess {
	struct mcp_sess m;		/* the protocol state */
	TAILQ_ENTRY(mcp_hsess) entry;
	struct api *api;
	char sid[65];			/* MCP-Session-Id: 32 random bytes, hex */
	char token[72];			/* the name of the token that opened it */
	uint64_t last_used;		/* mono_usec of the last request */
	struct http_req *cur;		/* the POST being answered, or NULL */
	struct http_req *handling;	/* the POST being handled (a request or the
					   person's answer), which a locked
					   database parks, or NULL */
	struct json_object *collect;	/* its messages while it is answered */
	struct mcp_stream *stream;	/* the GET stream, or NULL */
	struct mcp_stream *waiting;	/* a POST whose answer waits for the
					   person's consent (elicitation), or NULL */
	struct mcp_event ring[MCP_RING];
	unsigned ring_first, ring_n;
	uint64_t next_n;
};

static void sweep(lws_sorted_usec_list_t *sul);

/* ---- the GET stream ---- */

/* The stream has something new: let MHD send it (on the next turn of the
 * loop, outside MHD's callbacks). */
static void
stream_wake(struct mcp_stream *st)
{
	if (!st->suspended)
		return;
	st->suspended = false;
	MHD_resume_connection(st->conn);
	http_kick_soon(st->api);
}

static void
stream_append(struct mcp_stream *st, const char *text, size_t len)
{
	char *nb;

	if (st->end)
		return;
	if (st->len - st->off + len > MCP_STREAM_MAX) {
		log_warnx("mcp: a stream is not read; ending it");
		st->end = true;
		stream_wake(st);
		return;
	}
	if (st->off > 0) {
		memmove(st->buf, st->buf + st->off, st->len - st->off);
		st->len -= st->off;
		st->off = 0;
	}
	if ((nb = realloc(st->buf, st->len + len)) == NULL) {
		st->end = true;
	} else {
		st->buf = nb;
		memcpy(st->buf + st->len, text, len);
		st->len += len;
	}
	stream_wake(st);
}

static ssize_t
stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct mcp_stream *st = cls;
	size_t n;

	(void)pos;
	if (st->off < st->len) {
		n = st->len - st->off < max ? st->len - st->off : max;
		memcpy(buf, st->buf + st->off, n);
		st->off += n;
		if (st->off == st->len)
			st->off = st->len = 0;
		return (ssize_t)n;
	}
	if (st->end)
		return MHD_CONTENT_READER_END_OF_STREAM;
	/* Nothing to send: park the connection until an event comes. */
	MHD_suspend_connection(st->conn);
	st->suspended = true;
	return 0;
}

static void
stream_free(void *cls)
{
	struct mcp_stream *st = cls;

	if (st->s != NULL && st->s->stream == st)
		st->s->stream = NULL;
	if (st->s != NULL && st->s->waiting == st)
		st->s->waiting = NULL;
	free(st->buf);
	free(st);
}

/* ---- sessions ---- */

static struct mcp_hsess *
hsess_of(struct mcp_sess *m)
{
	return (struct mcp_hsess *)(void *)((char *)m - offsetof(struct mcp_hsess, m));
}

/* Keeps an SSE event in the ring and sends it on the stream if one is open. */
static void
event_push(struct mcp_hsess *s, struct json_object *msg)
{
	const char *js = json_compact(msg);
	struct mcp_event *e;
	int len;

	if (s->ring_n == MCP_RING) {
		free(s->ring[s->ring_first].text);
		s->ring_first = (s->ring_first + 1) % MCP_RING;
		s->ring_n--;
	}
	e = &s->ring[(s->ring_first + s->ring_n) % MCP_RING];
	e->n = ++s->next_n;
	len = asprintf(&e->text, "id: %" PRId64 "-%" PRIu64 "\nevent: message\ndata: %s\n\n",
	    s->api->watch != NULL ? watch_seq(s->api->watch) : 0, e->n, js);
	if (len < 0) {
		e->text = NULL;
		return;
	}
	e->len = (size_t)len;
	s->ring_n++;
	if (s->stream != NULL)
		stream_append(s->stream, e->text, e->len);
}

/* The core's send: into the answer of the POST being handled, else onto
 * the session's stream. */
static void
hsess_send(struct mcp_sess *m, struct json_object *msg)
{
	struct mcp_hsess *s = hsess_of(m);

	if (s->collect != NULL)
		json_object_array_add(s->collect, json_object_get(msg));
	else if (s->waiting != NULL && json_object_object_get_ex(msg, "id", NULL) &&
	    (json_object_object_get_ex(msg, "result", NULL) ||
	    json_object_object_get_ex(msg, "error", NULL))) {
		/* The answer the waiting POST's stream was kept open for. */
		struct mcp_stream *st = s->waiting;
		char *text = NULL;

		if (asprintf(&text, "event: message\ndata: %s\n\n", json_compact(msg)) >= 0) {
			stream_append(st, text, strlen(text));
			free(text);
		}
		st->end = true;
		st->s = NULL;
		s->waiting = NULL;
		stream_wake(st);
	} else
		event_push(s, msg);
}

/* The core's park: the database is locked; the POST runs again later. */
static bool
hsess_park(struct mcp_sess *m)
{
	struct mcp_hsess *s = hsess_of(m);

	return s->handling != NULL && http_park(s->handling);
}

/* A tools/call held back until a real device confirms (http_wait.c): what
 * the JSON-RPC answer needs, copied, since the session may end first. */
struct mcp_deferred {
	struct json_object *id;
	enum mcp_proto proto;
	char summary[512];
};

static void
deferred_free(void *arg)
{
	struct mcp_deferred *df = arg;

	json_object_put(df->id);
	free(df);
}

static struct MHD_Response *
deferred_answer(void *arg, int rc, struct json_object *out, const char *err, unsigned *status)
{
	struct mcp_deferred *df = arg;
	struct mcp_sess shape = { .proto = df->proto };
	struct json_object *result;

	result = rc > 0 ? tools_result(&shape, df->summary, out) : tools_error_result(err);
	*status = 200;
	return http_json_response(200, rpc_result(df->id, result));
}

/* The core's defer: the POST waits (suspended) for the device. */
static int
hsess_defer(struct mcp_sess *m, struct json_object *id, const char *tool, const char *summary,
    struct json_object *out)
{
	struct mcp_hsess *s = hsess_of(m);
	struct mcp_deferred *df;

	if (s->cur == NULL || id == NULL || (df = calloc(1, sizeof(*df))) == NULL)
		return -1;
	df->id = json_object_get(id);
	df->proto = m->proto;
	snprintf(df->summary, sizeof(df->summary), "%s", summary);
	if (http_wait_defer(s->cur, out, deferred_answer, df, deferred_free) < 0) {
		deferred_free(df);
		return -1;
	}
	return 0;
}

static void
hsess_free(struct mcp_hsess *s, const char *why)
{
	struct api *api = s->api;

	log_info("mcp session %u: ended (%s)", s->m.id, why);
	TAILQ_REMOVE(&api->mcp_sessions, s, entry);
	api->nmcp--;
	if (s->stream != NULL) {
		s->stream->s = NULL;
		s->stream->end = true;
		stream_wake(s->stream);
	}
	if (s->waiting != NULL) {
		s->waiting->s = NULL;
		s->waiting->end = true;
		stream_wake(s->waiting);
	}
	mcp_sess_fini(&s->m);
	for (unsigned i = 0; i < s->ring_n; i++)
		free(s->ring[(s->ring_first + i) % MCP_RING].text);
	json_object_put(s->collect);
	free(s);
}

/* Makes sure the sweep runs by when (mono_usec), at the latest. */
static void
sweep_at(struct api *api, uint64_t when)
{
	uint64_t now = mono_usec();

	if (api->mcp_sweep_at != 0 && api->mcp_sweep_at <= when)
		return;
	api->mcp_sweep_at = when;
	lws_sul_schedule(api->lws, 0, &api->mcp_sul, sweep,
	    (lws_usec_t)(when > now ? when - now : 1));
}

static struct mcp_hsess *
hsess_new(struct api *api, const char *token)
{
	struct mcp_hsess *s;
	unsigned char rnd[32];

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(s->sid + 2 * i, 3, "%02x", rnd[i]);
	s->api = api;
	snprintf(s->token, sizeof(s->token), "%s", token);
	s->last_used = mono_usec();
	mcp_sess_init(&api->mcp, &s->m, ++api->mcp_next_id, hsess_send, hsess_park);
	s->m.async_ok = true;	/* a POST can wait on an open stream (elicitation) */
	s->m.defer = hsess_defer;
	TAILQ_INSERT_TAIL(&api->mcp_sessions, s, entry);
	api->nmcp++;
	sweep_at(api, s->last_used + (uint64_t)api->cfg.mcp_idle_sec * 1000000 + 1000);
	return s;
}

static struct mcp_hsess *
hsess_find(struct api *api, const char *sid)
{
	struct mcp_hsess *s;

	TAILQ_FOREACH(s, &api->mcp_sessions, entry)
		if (strcmp(s->sid, sid) == 0)
			return s;
	return NULL;
}

/* Sessions idle too long end; open streams get a comment every
 * MCP_KEEPALIVE_SEC (a client gone while its stream was parked is found by
 * the failed write).  Runs when the first of these is due. */
static void
sweep(lws_sorted_usec_list_t *sul)
{
	struct api *api = lws_container_of(sul, struct api, mcp_sul);
	struct mcp_hsess *s, *next;
	uint64_t now = mono_usec(), idle = (uint64_t)api->cfg.mcp_idle_sec * 1000000;
	static const char ka[] = ": keep-alive\n\n";
	uint64_t wake = (uint64_t)MCP_KEEPALIVE_SEC * 1000000, due;
	bool ping = false;

	if (now - api->mcp_keepalive_at >= (uint64_t)MCP_KEEPALIVE_SEC * 1000000) {
		api->mcp_keepalive_at = now;
		ping = true;
	}
	for (s = TAILQ_FIRST(&api->mcp_sessions); s != NULL; s = next) {
		next = TAILQ_NEXT(s, entry);
		if (s->stream == NULL && s->waiting == NULL && s->cur == NULL &&
		    now - s->last_used > idle) {
			hsess_free(s, "idle");
			continue;
		}
		if (ping && s->stream != NULL)
			stream_append(s->stream, ka, sizeof(ka) - 1);
		/* Wake for the first session to expire, not every second. */
		if (s->stream == NULL && (due = s->last_used + idle - now + 1000) < wake)
			wake = due;
	}
	api->mcp_sweep_at = 0;
	if (api->nmcp > 0)
		sweep_at(api, now + wake);
}

void
mcp_http_check_tokens(struct api *api)
{
	struct mcp_hsess *s, *next;
	enum auth_scope sc;

	for (s = TAILQ_FIRST(&api->mcp_sessions); s != NULL; s = next) {
		next = TAILQ_NEXT(s, entry);
		if (s->cur == NULL && auth_token_scope(api->db, s->token, &sc) == -EACCES)
			hsess_free(s, "its token was revoked");
	}
}

/* ---- requests ---- */

static const char *
header(struct http_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

/* Does the Accept header take type (or anything)?  No header takes all. */
static bool
accepts(struct http_req *r, const char *type)
{
	const char *a = header(r, MHD_HTTP_HEADER_ACCEPT);

	return a == NULL || strcasestr(a, type) != NULL || strstr(a, "*/*") != NULL;
}

/* An HTTP-level refusal, with a JSON-RPC error body (no id: none is known). */
static enum MHD_Result
refuse(struct http_req *r, unsigned status, int code, const char *msg)
{
	struct json_object *o = json_object_new_object(), *e = json_object_new_object();
	struct MHD_Response *resp;

	json_object_object_add(o, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(e, "code", json_object_new_int(code));
	json_object_object_add(e, "message", json_object_new_string(msg));
	json_object_object_add(o, "error", e);
	resp = http_json_response(status, o);
	if (resp != NULL && status == 405)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, POST, DELETE");
	return http_queue(r, status, resp);
}

/* The host part of a Host header or of an origin's authority: "name",
 * "name:port", "[v6]:port" into buf without the port. */
static void
host_part(const char *h, size_t n, char *buf, size_t len)
{
	const char *end;

	if (n > 0 && h[0] == '[') {
		end = memchr(h, ']', n);
		n = end != NULL ? (size_t)(end - h) - 1 : 0;
		h++;
	} else if ((end = memchr(h, ':', n)) != NULL)
		n = (size_t)(end - h);
	if (n >= len)
		n = 0;
	memcpy(buf, h, n);
	buf[n] = '\0';
}

static bool
in_list(const char *list, const char *s)
{
	size_t n, len = strlen(s);

	for (const char *p = list; p != NULL && *p != '\0'; p += n) {
		p += strspn(p, " \t,");
		n = strcspn(p, " \t,");
		if (n == len && n > 0 && strncasecmp(p, s, n) == 0)
			return true;
	}
	return false;
}

/* DNS rebinding: a page of another site that resolves its own name to
 * this address reaches us with its Host and its Origin.  The Host must be
 * a loopback name, the listening address, or in mcp_hosts; an Origin must
 * be this Host's or in allowed_origins. */
bool
mcp_http_origin_ok(struct http_req *r)
{
	const char *host = header(r, MHD_HTTP_HEADER_HOST), *origin = header(r, "Origin");
	const char *pub = r->api->cfg.public_url, *ph;
	char h[256], l[256], p[256] = "";
	const char *o;

	/* The public origin's host is ours too (homectl.conf's public_url). */
	if (pub != NULL && (ph = strstr(pub, "://")) != NULL)
		host_part(ph + 3, strlen(ph + 3), p, sizeof(p));
	if (host != NULL) {
		host_part(host, strlen(host), h, sizeof(h));
		host_part(r->api->cfg.listen ? r->api->cfg.listen : "", r->api->cfg.listen ?
		    strlen(r->api->cfg.listen) : 0, l, sizeof(l));
		if (strcasecmp(h, "localhost") != 0 && strcmp(h, "127.0.0.1") != 0 &&
		    strcmp(h, "::1") != 0 && (l[0] == '\0' || strcasecmp(h, l) != 0) &&
		    (p[0] == '\0' || strcasecmp(h, p) != 0) && !in_list(r->api->cfg.mcp_hosts, h))
			return false;
	}
	if (origin == NULL)
		return true;
	if (in_list(r->api->cfg.allowed_origins, origin) ||
	    (pub != NULL && strcasecmp(origin, pub) == 0))
		return true;
	o = strncasecmp(origin, "http://", 7) == 0 ? origin + 7 :
	    strncasecmp(origin, "https://", 8) == 0 ? origin + 8 : NULL;
	return o != NULL && host != NULL && strcasecmp(o, host) == 0;
}

/* The session the request names, or NULL after answering (400 without
 * one, 404 unknown or not this token's, 400 for a revision we do not
 * speak). */
static struct mcp_hsess *
request_session(struct http_req *r, enum MHD_Result *ret)
{
	const char *sid = header(r, "Mcp-Session-Id"), *ver = header(r, "Mcp-Protocol-Version");
	struct mcp_hsess *s;

	if (sid == NULL) {
		*ret = refuse(r, 400, -32000, "Bad Request: Mcp-Session-Id header is required");
		return NULL;
	}
	if ((s = hsess_find(r->api, sid)) == NULL || strcmp(s->token, r->token) != 0) {
		*ret = refuse(r, 404, -32001, "Session not found: initialize a new one");
		return NULL;
	}
	if (ver != NULL && server_proto_parse(ver) < 0) {
		*ret = refuse(r, 400, -32000, "Bad Request: unsupported MCP-Protocol-Version");
		return NULL;
	}
	return s;
}

/* Answers what the call produced: the response alone as JSON, or every
 * message as a short event stream when there is more and the client takes
 * one (otherwise the others go to the session's stream). */
static enum MHD_Result
answer(struct http_req *r, struct mcp_hsess *s, struct json_object *msgs, bool init)
{
	size_t n = json_object_array_length(msgs);
	struct MHD_Response *resp;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	if (n > 1 && accepts(r, "text/event-stream") && (f = open_memstream(&text, &len)) != NULL) {
		for (size_t i = 0; i < n; i++)
			fprintf(f, "event: message\ndata: %s\n\n",
			    json_compact(json_object_array_get_idx(msgs, i)));
		fclose(f);
		resp = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
		if (resp == NULL)
			free(text);
		else {
			MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
			    "text/event-stream");
			MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
		}
	} else {
		for (size_t i = 0; i + 1 < n; i++)
			event_push(s, json_object_array_get_idx(msgs, i));
		resp = http_json_response(200, json_object_get(json_object_array_get_idx(msgs,
		    n - 1)));
	}
	if (resp != NULL && init)
		MHD_add_response_header(resp, "Mcp-Session-Id", s->sid);
	return http_queue(r, 200, resp);
}

/* Does msgs hold a response (the answer to the POST's request)? */
static bool
has_response(struct json_object *msgs)
{
	for (size_t i = 0, n = json_object_array_length(msgs); i < n; i++) {
		struct json_object *m = json_object_array_get_idx(msgs, i);

		if (json_object_object_get_ex(m, "id", NULL) &&
		    (json_object_object_get_ex(m, "result", NULL) ||
		    json_object_object_get_ex(m, "error", NULL)))
			return true;
	}
	return false;
}

/* The call waits for the person (elicitation): the POST is answered with
 * an event stream that carries the question now and the call's result
 * when it comes (hsess_send), then ends.  Takes msgs. */
static enum MHD_Result
wait_answer(struct http_req *r, struct mcp_hsess *s, struct json_object *msgs)
{
	struct MHD_Response *resp;
	struct mcp_stream *st;
	char *text;

	if (s->waiting != NULL || (st = calloc(1, sizeof(*st))) == NULL) {
		json_object_put(msgs);
		return refuse(r, 409, -32000, "Conflict: another call already waits for an answer");
	}
	st->api = r->api;
	st->conn = r->conn;
	st->s = s;
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, (size_t)16 * 1024,
	    stream_read, st, stream_free);
	if (resp == NULL) {
		free(st);
		json_object_put(msgs);
		return refuse(r, 500, RPC_INTERNAL_ERROR, "Internal error");
	}
	s->waiting = st;
	for (size_t i = 0, n = json_object_array_length(msgs); i < n; i++)
		if (asprintf(&text, "event: message\ndata: %s\n\n",
		    json_compact(json_object_array_get_idx(msgs, i))) >= 0) {
			stream_append(st, text, strlen(text));
			free(text);
		}
	json_object_put(msgs);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	MHD_set_connection_option(r->conn, MHD_CONNECTION_OPTION_TIMEOUT, 0);
	return http_queue(r, 200, resp);
}

/* A tools/call of a tool the session's scope does not offer, when a token
 * of a larger scope could call it: 403 with the RFC 6750 challenge naming
 * that scope (an OAuth client steps up: it asks the person for more), and
 * the JSON-RPC error in the body for the others.  False when the call may
 * go on (the core answers an unknown tool, or one the server's read_only
 * mode withholds, as before). */
static bool
beyond_scope(struct http_req *r, struct mcp_hsess *s, const struct rpc_msg *m,
    enum MHD_Result *ret)
{
	struct json_object *name, *o, *e;
	struct MHD_Response *resp;
	char h[700], msg[200];
	int need;

	if (m->params == NULL || !json_object_object_get_ex(m->params, "name", &name) ||
	    !json_object_is_type(name, json_type_string) ||
	    (need = tools_scope(json_object_get_string(name))) < 0 ||
	    need <= (int)s->m.scope || need > (int)r->api->mcp.max_scope)
		return false;
	snprintf(msg, sizeof(msg), "Unknown tool: %.100s (not offered to a token of scope %s;"
	    " it takes scope %s)", json_object_get_string(name), mcp_scope_name(s->m.scope),
	    mcp_scope_name((enum mcp_scope)need));
	o = json_object_new_object();
	e = json_object_new_object();
	json_object_object_add(o, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(o, "id", json_object_get(m->id));
	json_object_object_add(e, "code", json_object_new_int(RPC_INVALID_PARAMS));
	json_object_object_add(e, "message", json_object_new_string(msg));
	json_object_object_add(o, "error", e);
	resp = http_json_response(403, o);
	http_oauth_challenge_header(r, "insufficient_scope", mcp_scope_name((enum mcp_scope)need),
	    h, sizeof(h));
	if (resp != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, h);
	*ret = http_queue(r, 403, resp);
	return true;
}

static enum MHD_Result
post(struct http_req *r)
{
	const char *ct = header(r, MHD_HTTP_HEADER_CONTENT_TYPE);
	struct mcp_hsess *s = NULL;
	struct json_object *msgs, *reply;
	struct rpc_msg m;
	enum MHD_Result ret;
	bool init, failed;

	if (ct == NULL || strncasecmp(ct, "application/json", 16) != 0)
		return refuse(r, 415, -32000, "Unsupported Media Type: send application/json");
	if (!accepts(r, "application/json") && !accepts(r, "text/event-stream"))
		return refuse(r, 406, -32000,
		    "Not Acceptable: accept application/json and text/event-stream");
	if (r->body == NULL || r->len == 0)
		return refuse(r, 400, RPC_PARSE_ERROR, "Parse error: empty body");
	rpc_parse(r->body, r->len, &m);
	if (m.kind == RPC_INVALID) {
		reply = rpc_error_msg(m.id, &m.err);
		rpc_msg_clear(&m);
		return http_queue(r, 400, http_json_response(400, reply));
	}
	init = m.kind == RPC_REQUEST && strcmp(m.method, "initialize") == 0 &&
	    header(r, "Mcp-Session-Id") == NULL;
	if (init) {
		if (r->api->nmcp >= r->api->cfg.mcp_sessions) {
			rpc_msg_clear(&m);
			log_warnx("mcp: %u sessions open: refused a new one", r->api->nmcp);
			return refuse(r, 503, -32000, "Service Unavailable: too many MCP sessions");
		}
		if ((s = hsess_new(r->api, r->token)) == NULL) {
			rpc_msg_clear(&m);
			return refuse(r, 500, RPC_INTERNAL_ERROR, "Internal error");
		}
		/* The token's scope picks the tools the session is offered. */
		s->m.scope = (enum mcp_scope)r->scope;
	} else if ((s = request_session(r, &ret)) == NULL) {
		rpc_msg_clear(&m);
		return ret;
	}
	if (m.kind == RPC_REQUEST && strcmp(m.method, "tools/call") == 0 &&
	    beyond_scope(r, s, &m, &ret)) {
		rpc_msg_clear(&m);
		return ret;
	}
	s->last_used = mono_usec();
	/* A control token runs the home but never opens it (ops.c); the
	 * feed and the journal say the change came through MCP, as from
	 * homectl-mcp.  The person's answer to a question runs the call it
	 * was asked for, so it is handled alike. */
	r->api->ops.no_opening = s->m.scope < MCP_SCOPE_FULL;
	r->api->ops.source = OPS_SRC_MCP;
	s->handling = r;
	if (m.kind != RPC_REQUEST) {
		server_handle(&s->m, &m);
		s->handling = NULL;
		r->api->ops.no_opening = false;
		r->api->ops.source = OPS_SRC_API;
		rpc_msg_clear(&m);
		/* Parked (the person said yes, the database is locked): this
		 * POST is handled again, whole, later; 202 then. */
		if (r->parked)
			return MHD_YES;
		mirror_poll(r->api);	/* a call the person allowed may have written */
		return http_queue(r, 202, MHD_create_response_from_buffer(0, NULL,
		    MHD_RESPMEM_PERSISTENT));
	}
	s->cur = r;
	s->collect = json_object_new_array();
	server_handle(&s->m, &m);
	r->api->ops.no_opening = false;
	r->api->ops.source = OPS_SRC_API;
	rpc_msg_clear(&m);
	msgs = s->collect;
	s->collect = NULL;
	s->cur = NULL;
	s->handling = NULL;
	if (r->wait != NULL) {
		/* Deferred until a real device confirms (http_wait.c answers
		 * then); what the call said meanwhile goes on the stream. */
		for (size_t i = 0; i < json_object_array_length(msgs); i++)
			event_push(s, json_object_array_get_idx(msgs, i));
		json_object_put(msgs);
		mirror_poll(r->api);
		return MHD_YES;
	}
	if (json_object_array_length(msgs) == 0) {
		/* Parked (the database is locked): dispatched again later; or
		 * deferred (a real device's confirmation): answered then. */
		json_object_put(msgs);
		return MHD_YES;
	}
	if (!has_response(msgs))
		return wait_answer(r, s, msgs);
	failed = init && json_object_object_get_ex(json_object_array_get_idx(msgs,
	    json_object_array_length(msgs) - 1), "error", NULL);
	if (init && !failed)
		log_info("mcp session %u: %s, token %s", s->m.id, s->m.client, s->token);
	ret = answer(r, s, msgs, init && !failed);
	json_object_put(msgs);
	if (failed)
		hsess_free(s, "initialize failed");
	/* A tool that wrote: every client (this one's stream too) hears now. */
	mirror_poll(r->api);
	return ret;
}

/* Last-Event-ID "SEQ-N": what the ring still holds after N; when it lost
 * some, notices that make the client read again. */
static void
resume(struct mcp_hsess *s, const char *last)
{
	const char *dash = strchr(last, '-');
	int64_t n;
	uint64_t oldest;

	if (dash == NULL || parse_int64(dash + 1, 0, INT64_MAX, &n) < 0)
		return;
	oldest = s->ring_n > 0 ? s->ring[s->ring_first].n : s->next_n + 1;
	if (oldest <= (uint64_t)n + 1) {
		for (unsigned i = 0; i < s->ring_n; i++) {
			struct mcp_event *e = &s->ring[(s->ring_first + i) % MCP_RING];

			if (e->n > (uint64_t)n)
				stream_append(s->stream, e->text, e->len);
		}
		return;
	}
	log_info("mcp session %u: events after %s are gone: telling the client to read "
	    "again", s->m.id, last);
	for (unsigned i = 0; i < s->m.nsubs; i++) {
		struct json_object *p = json_object_new_object(), *note;

		json_object_object_add(p, "uri", json_object_new_string(s->m.subs[i]));
		note = rpc_notification("notifications/resources/updated", p);
		event_push(s, note);
		json_object_put(note);
	}
	for (int i = 0; i < 2; i++) {
		struct json_object *note = rpc_notification(i == 0 ?
		    "notifications/tools/list_changed" : "notifications/resources/list_changed",
		    NULL);

		event_push(s, note);
		json_object_put(note);
	}
}

static enum MHD_Result
get(struct http_req *r)
{
	struct MHD_Response *resp;
	struct mcp_stream *st;
	struct mcp_hsess *s;
	enum MHD_Result ret;
	const char *last;
	char prime[64];

	if (!accepts(r, "text/event-stream"))
		return refuse(r, 406, -32000, "Not Acceptable: accept text/event-stream");
	if ((s = request_session(r, &ret)) == NULL)
		return ret;
	if (s->stream != NULL)
		return refuse(r, 409, -32000, "Conflict: this session's stream is already open");
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return refuse(r, 500, RPC_INTERNAL_ERROR, "Internal error");
	st->api = r->api;
	st->conn = r->conn;
	st->s = s;
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, (size_t)16 * 1024, stream_read, st,
	    stream_free);
	if (resp == NULL) {
		free(st);
		return refuse(r, 500, RPC_INTERNAL_ERROR, "Internal error");
	}
	s->stream = st;
	s->last_used = mono_usec();
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	/* The stream outlives MHD's idle timeout between events. */
	MHD_set_connection_option(r->conn, MHD_CONNECTION_OPTION_TIMEOUT, 0);
	/* The priming event (2025-11-25): an id to resume from at once. */
	snprintf(prime, sizeof(prime), "id: %" PRId64 "-%" PRIu64 "\ndata: \n\n",
	    r->api->watch != NULL ? watch_seq(r->api->watch) : 0, s->next_n);
	stream_append(st, prime, strlen(prime));
	if ((last = header(r, "Last-Event-ID")) != NULL)
		resume(s, last);
	log_debug("mcp session %u: stream open%s%s", s->m.id, last ? " after " : "",
	    last ? last : "");
	return http_queue(r, 200, resp);
}

static enum MHD_Result
delete(struct http_req *r)
{
	struct mcp_hsess *s;
	enum MHD_Result ret;

	if ((s = request_session(r, &ret)) == NULL)
		return ret;
	hsess_free(s, "deleted by the client");
	return http_queue(r, 200, MHD_create_response_from_buffer(0, NULL,
	    MHD_RESPMEM_PERSISTENT));
}

enum MHD_Result
mcp_http(struct http_req *r)
{
	if (strcmp(r->method, "POST") == 0)
		return post(r);
	if (strcmp(r->method, "GET") == 0)
		return get(r);
	if (strcmp(r->method, "DELETE") == 0)
		return delete(r);
	return refuse(r, 405, -32000, "Method Not Allowed");
}

/* The core's resync: a tool met a replaced database file. */
static int
core_resync(struct mcp_core *core)
{
	return mirror_resync((struct api *)(void *)((char *)core - offsetof(struct api, mcp)));
}

void
mcp_http_start(struct api *api)
{
	TAILQ_INIT(&api->mcp_sessions);
	mcp_core_init(&api->mcp, &api->ops, "homectl-api");
	api->mcp.watching = true;
	api->mcp.resync = core_resync;
	api->mcp.require_elicitation = api->cfg.require_elicitation;
}

void
mcp_http_changes(struct api *api, struct json_object *changes)
{
	/* Nobody to tell: forget what the core remembers of the home, so that
	 * the next session starts from the home as it is then. */
	if (api->mcp.sessions == NULL) {
		mcp_core_free(&api->mcp);
		return;
	}
	server_changes(&api->mcp, changes);
}

void
mcp_http_stop(struct api *api)
{
	struct mcp_hsess *s, *next;

	if (api->lws != NULL)
		lws_sul_cancel(&api->mcp_sul);
	if (api->mcp.ops == NULL)
		return;
	for (s = TAILQ_FIRST(&api->mcp_sessions); s != NULL; s = next) {
		next = TAILQ_NEXT(s, entry);
		hsess_free(s, "homectl-api is stopping");
	}
	mcp_core_free(&api->mcp);
}
