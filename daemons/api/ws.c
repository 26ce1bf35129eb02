/* SPDX-License-Identifier: MIT */
/* ws.c -- the live WebSocket at /ws (docs/protocol.md): the Origin check,
 * hello with a token, snapshot or resume, and per-client bounded queues of
 * shared frames that turn into a fresh snapshot when a client falls behind,
 * so a slow client never slows the others. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "auth.h"
#include "jsonutil.h"
#include "log.h"
#include "status.h"
#include "util.h"

enum ws_state { WS_HELLO, WS_LIVE, WS_CLOSING };

#define WS_CLOSE_TRY_AGAIN_LATER	1013	/* IANA registry; lws 4.1 has no name */

struct ws_client {
	struct lws *wsi;
	struct api *api;
	TAILQ_ENTRY(ws_client) entry;	/* in api->hello, then in api->clients */
	lws_sorted_usec_list_t hello_sul;
	lws_sorted_usec_list_t unmasked_sul;
	bool unmasked;			/* sent an unmasked frame: closing */
	int fd;				/* for wsguard */
	enum ws_state state;
	bool listed;			/* in api->clients */
	bool waiting;			/* in api->hello */
	int64_t seq;			/* the client is up to date to here */
	struct frame **q;		/* ring of queued frames */
	unsigned qhead, qlen, qcap;
	bool need_snapshot;		/* overflowed: the backlog was dropped */
	bool ping_due, awaiting_pong;
	char *rx;			/* a message arriving in pieces */
	size_t rxlen;
	bool rx_over;
	unsigned abuse;
	int close_code;
	const char *close_reason;
	char token[80];			/* the name of the token it said hello with */
};

/* Asks lws for a write turn; a client without a connection (ws_replay())
 * has none. */
static void
wake(struct ws_client *c)
{
	if (c->wsi != NULL)
		lws_callback_on_writable(c->wsi);
}

static void
queue_drop(struct ws_client *c)
{
	while (c->qlen > 0) {
		frame_put(c->q[c->qhead]);
		c->qhead = (c->qhead + 1) % c->qcap;
		c->qlen--;
	}
	c->qhead = 0;
}

/* Queues a reference to f.  A feed frame that does not fit drops the whole
 * backlog: the client gets one fresh snapshot instead. */
static void
enqueue(struct ws_client *c, struct frame *f)
{
	if (c->state == WS_CLOSING || c->q == NULL)
		return;
	if (f->last_seq >= 0 && c->need_snapshot)
		return;		/* the coming snapshot covers it */
	if (c->qlen == c->qcap) {
		log_debug("ws: client queue overflow, resync with a snapshot");
		queue_drop(c);
		c->need_snapshot = true;
		if (f->last_seq >= 0)
			goto wake;
	}
	c->q[(c->qhead + c->qlen) % c->qcap] = frame_get(f);
	c->qlen++;
wake:
	wake(c);
}

/* Queues a message of our own (error, pong): never skipped by seq. */
static void
send_json(struct ws_client *c, struct json_object *msg)
{
	struct frame *f = frame_new(msg, -1);

	json_object_put(msg);
	if (f == NULL)
		return;
	enqueue(c, f);
	frame_put(f);
}

static void
send_error(struct ws_client *c, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
send_error(struct ws_client *c, const char *code, const char *fmt, ...)
{
	struct json_object *msg;
	char text[256];
	va_list ap;

	va_start(ap, fmt);
	vfmt(text, sizeof(text), fmt, ap);
	va_end(ap);
	msg = json_object_new_object();
	json_object_object_add(msg, "type", json_object_new_string("error"));
	json_object_object_add(msg, "code", json_object_new_string(code));
	json_object_object_add(msg, "message", json_object_new_string(text));
	send_json(c, msg);
}

static void
unwait(struct ws_client *c)
{
	if (!c->waiting)
		return;
	TAILQ_REMOVE(&c->api->hello, c, entry);
	c->api->nhello--;
	c->waiting = false;
}

/* Closes after whatever is queued (the error saying why) has been sent. */
static void
ws_close(struct ws_client *c, int code, const char *reason)
{
	unwait(c);
	if (c->state == WS_CLOSING)
		return;
	c->state = WS_CLOSING;
	c->close_code = code;
	c->close_reason = reason;
	wake(c);
}

/* After a commit by anyone (mirror.c): a client whose token was revoked
 * is told and closed (4401), so a revoked token stops receiving the home
 * at once. */
void
ws_check_tokens(struct api *api)
{
	struct ws_client *c;
	enum auth_scope sc;

	TAILQ_FOREACH(c, &api->clients, entry) {
		if (c->state != WS_LIVE || auth_token_scope(api->db, c->token, &sc) != -EACCES)
			continue;
		log_info("ws: token %s was revoked: closing its connection", c->token);
		send_error(c, "unauthorized", "the token was revoked");
		ws_close(c, 4401, "token revoked");
	}
}

static void
hello_timeout(lws_sorted_usec_list_t *sul)
{
	struct ws_client *c = lws_container_of(sul, struct ws_client, hello_sul);

	if (c->state != WS_HELLO)
		return;
	send_error(c, "unauthorized", "no hello with a token within %d seconds",
	    API_WS_HELLO_SEC);
	ws_close(c, 4401, "unauthorized");
}

/* RFC 6455 5.1: the server must close on an unmasked client frame.  Runs
 * from the loop, after wsguard saw the frame inside lws's read. */
static void
unmasked_close(lws_sorted_usec_list_t *sul)
{
	struct ws_client *c = lws_container_of(sul, struct ws_client, unmasked_sul);

	log_debug("ws: closing a client that sent an unmasked frame");
	queue_drop(c);
	c->need_snapshot = false;
	ws_close(c, LWS_CLOSE_STATUS_PROTOCOL_ERR, "unmasked frame");
}

/* wsguard's callback: may run inside lws's recv(), so it only marks the
 * client (its frames are ignored from now on) and defers the close. */
static void
unmasked(void *arg)
{
	struct ws_client *c = arg;

	c->unmasked = true;
	lws_sul_schedule(c->api->lws, 0, &c->unmasked_sul, unmasked_close, 1);
}

static void
abuse(struct ws_client *c)
{
	if (++c->abuse >= API_WS_ABUSE_MAX)
		ws_close(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, "too many bad messages");
}

static void
on_hello(struct ws_client *c, struct json_object *msg)
{
	struct api *api = c->api;
	const char *token = NULL, *feed = NULL;
	struct json_object *v;
	struct frame *f = NULL;
	int64_t since = -1;
	char name[80];
	const char *fields[2] = { NULL, NULL };
	char field[100];

	if (json_get_string(msg, "token", &token, false, NULL) < 0 ||
	    auth_token_check(api->db, token, name, sizeof(name)) < 0) {
		/* As for REST: a warning, and never the secret. */
		log_warnx("ws: refused a %s", token != NULL ? "token (unknown or revoked)" :
		    "hello without a token");
		send_error(c, "unauthorized", "a valid token is required");
		ws_close(c, 4401, "unauthorized");
		return;
	}
	if (json_object_object_get_ex(msg, "since", &v) && v != NULL) {
		if (json_get_int(msg, "since", &since, false, -1) < 0 || since < 0) {
			send_error(c, "bad_request", "since must be a non-negative integer");
			abuse(c);
			return;
		}
	}
	if (json_object_object_get_ex(msg, "feed", &v) && v != NULL &&
	    json_get_string(msg, "feed", &feed, false, NULL) < 0) {
		send_error(c, "bad_request", "feed must be a string");
		abuse(c);
		return;
	}
	/* A rewrite of the feed the watcher has not been woken for yet is
	 * found now, before this client is listed for what it broadcasts. */
	if (since >= 0)
		mirror_poll(api);
	lws_sul_cancel(&c->hello_sul);
	unwait(c);
	c->state = WS_LIVE;
	TAILQ_INSERT_TAIL(&api->clients, c, entry);
	c->listed = true;
	api->nclients++;
	status_clients(api->nclients);
	snprintf(c->token, sizeof(c->token), "%s", name);
	snprintf(field, sizeof(field), "HOMECTL_TOKEN_NAME=%s", name);
	fields[0] = field;
	log_fields(LOG_DEBUG, fields, "ws: client authenticated as %s", name);
	/* The client is subscribed now; the first frame is taken at exactly
	 * the seq the feed has delivered, so nothing falls in between. */
	if (since >= 0)
		f = mirror_resume(api, since, feed);
	if (f == NULL)
		f = mirror_snapshot(api);
	if (f == NULL) {
		send_error(c, "internal", "cannot read the home");
		ws_close(c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "internal error");
		return;
	}
	enqueue(c, f);
	frame_put(f);
}

/* A new connection joins those that have not said hello yet.  They are
 * few (hello is the first thing a client sends), so their number is capped
 * apart from the authenticated ones: past the cap the oldest is closed
 * (1013, try again later), and a flood of silent connections never keeps
 * a dashboard from connecting. */
static void
wait_for_hello(struct ws_client *c)
{
	struct api *api = c->api;
	unsigned max = api->cfg.max_clients > 0 && api->cfg.max_clients / 2 < API_WS_HELLO_MAX ?
	    api->cfg.max_clients / 2 : API_WS_HELLO_MAX;
	struct ws_client *old;

	if (max < 1)
		max = 1;
	if (api->nhello >= max && (old = TAILQ_FIRST(&api->hello)) != NULL) {
		log_debug("ws: too many connections without hello, closing the oldest");
		send_error(old, "unavailable", "too many connections waiting to say hello");
		ws_close(old, WS_CLOSE_TRY_AGAIN_LATER, "try again later");
	}
	TAILQ_INSERT_TAIL(&api->hello, c, entry);
	api->nhello++;
	c->waiting = true;
}

static void
on_message(struct ws_client *c, const char *buf, size_t len, bool binary)
{
	struct json_object *msg = NULL, *pong;
	const char *type = NULL;
	char err[128];

	if (binary) {
		send_error(c, "bad_request", "binary frames are not accepted");
		goto bad;
	}
	if (len > API_WS_MSG_MAX) {
		send_error(c, "bad_request", "message over %d bytes", API_WS_MSG_MAX);
		goto bad;
	}
	msg = json_parse_strict(buf, len, err, sizeof(err));
	if (msg != NULL && json_text_has_nul(buf, len)) {
		send_error(c, "bad_request", "a JSON string holds a NUL character (\\u0000)");
		goto bad;
	}
	if (msg == NULL || !json_object_is_type(msg, json_type_object) ||
	    json_get_string(msg, "type", &type, false, NULL) < 0) {
		send_error(c, "bad_request", "expected a JSON object with a \"type\"");
		goto bad;
	}
	if (c->state == WS_HELLO) {
		if (strcmp(type, "hello") == 0) {
			on_hello(c, msg);
		} else {
			send_error(c, "unauthorized", "say hello with a token first");
			ws_close(c, 4401, "unauthorized");
		}
	} else if (strcmp(type, "ping") == 0) {
		pong = json_object_new_object();
		json_object_object_add(pong, "type", json_object_new_string("pong"));
		json_object_object_add(pong, "seq", json_object_new_int64(watch_seq(c->api->watch)));
		send_json(c, pong);
	} else if (strcmp(type, "hello") == 0) {
		send_error(c, "bad_request", "already authenticated");
		abuse(c);
	} else {
		send_error(c, "bad_request", "unknown message type");
		abuse(c);
	}
	json_object_put(msg);
	return;
bad:
	json_object_put(msg);
	if (c->state == WS_HELLO)
		ws_close(c, 4401, "unauthorized");
	else
		abuse(c);
}

static int
on_receive(struct ws_client *c, const char *in, size_t len)
{
	bool first = lws_is_first_fragment(c->wsi), final = lws_is_final_fragment(c->wsi);
	bool binary = lws_frame_is_binary(c->wsi);

	if (c->state == WS_CLOSING || c->unmasked)
		return 0;
	if (first && final) {
		on_message(c, in, len, binary);
		return 0;
	}
	/* A message in pieces: keep at most API_WS_MSG_MAX bytes of it. */
	if (first) {
		c->rxlen = 0;
		c->rx_over = false;
	}
	if (!c->rx_over) {
		if (c->rxlen + len > API_WS_MSG_MAX) {
			c->rx_over = true;
		} else {
			if (c->rx == NULL && (c->rx = malloc(API_WS_MSG_MAX)) == NULL)
				return -1;
			memcpy(c->rx + c->rxlen, in, len);
			c->rxlen += len;
		}
	}
	if (final) {
		on_message(c, c->rx, c->rx_over ? API_WS_MSG_MAX + 1 : c->rxlen, binary);
		c->rxlen = 0;
		c->rx_over = false;
		FREE(c->rx);
	}
	return 0;
}

static int
write_frame(struct ws_client *c, struct frame *f)
{
	int n = lws_write(c->wsi, f->buf + LWS_PRE, f->len, LWS_WRITE_TEXT);

	if (n < (int)f->len) {
		log_debug("ws: write failed");
		return -1;
	}
	if (f->last_seq >= 0)
		c->seq = f->last_seq;
	return 0;
}

/* One lws_write per SERVER_WRITEABLE, as lws requires; ask again while
 * there is more. */
static int
on_writeable(struct ws_client *c)
{
	unsigned char ping[LWS_PRE + 4] = { 0 };
	struct frame *f;
	int r = 0;

	if (c->ping_due) {
		c->ping_due = false;
		if (lws_write(c->wsi, ping + LWS_PRE, 4, LWS_WRITE_PING) < 0)
			return -1;
		goto more;
	}
	if (c->need_snapshot && c->state != WS_CLOSING) {
		c->need_snapshot = false;
		if ((f = mirror_snapshot(c->api)) == NULL)
			return -1;
		r = write_frame(c, f);
		frame_put(f);
		if (r < 0)
			return -1;
		goto more;
	}
	while (c->qlen > 0) {
		f = c->q[c->qhead];
		c->qhead = (c->qhead + 1) % c->qcap;
		c->qlen--;
		if (f->last_seq >= 0 && f->last_seq <= c->seq) {
			frame_put(f);	/* already covered by a snapshot */
			continue;
		}
		r = write_frame(c, f);
		frame_put(f);
		if (r < 0)
			return -1;
		goto more;
	}
	if (c->state == WS_CLOSING) {
		/* lws takes a non-const pointer but only copies from it. */
		lws_close_reason(c->wsi, (enum lws_close_status)c->close_code,
		    /* NOLINTNEXTLINE(performance-no-int-to-ptr) */
		    (unsigned char *)(uintptr_t)c->close_reason, strlen(c->close_reason));
		return -1;
	}
	return 0;
more:
	if (c->qlen > 0 || c->need_snapshot || c->ping_due || c->state == WS_CLOSING)
		wake(c);
	return 0;
}

/* Is this Origin ours (the Host the browser connected to) or listed in
 * allowed_origins?  No Origin at all (not a browser) is fine. */
static bool
origin_ok(struct api *api, struct lws *wsi)
{
	char origin[256], host[256];
	const char *o, *list, *p;
	size_t olen, n;

	if (lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN) <= 0)
		return true;
	if (lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN) >= (int)sizeof(origin) ||
	    lws_hdr_copy(wsi, origin, sizeof(origin), WSI_TOKEN_ORIGIN) < 0)
		return false;
	if (lws_hdr_total_length(wsi, WSI_TOKEN_HOST) > 0 &&
	    lws_hdr_total_length(wsi, WSI_TOKEN_HOST) < (int)sizeof(host) &&
	    lws_hdr_copy(wsi, host, sizeof(host), WSI_TOKEN_HOST) > 0) {
		o = NULL;
		if (strncasecmp(origin, "http://", 7) == 0)
			o = origin + 7;
		else if (strncasecmp(origin, "https://", 8) == 0)
			o = origin + 8;
		if (o != NULL && strcasecmp(o, host) == 0)
			return true;
	}
	olen = strlen(origin);
	list = api->cfg.allowed_origins;
	for (p = list; p != NULL && *p != '\0'; p += n) {
		p += strspn(p, " \t,");
		n = strcspn(p, " \t,");
		if (n == olen && n > 0 && strncasecmp(p, origin, n) == 0)
			return true;
	}
	return false;
}

static int
ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
    size_t len)
{
	struct ws_client *c = user;
	struct api *api = lws_context_user(lws_get_context(wsi));

	switch (reason) {
	case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
		if (!origin_ok(api, wsi)) {
			log_info("ws: refused an upgrade from a foreign Origin");
			lws_return_http_status(wsi, HTTP_STATUS_FORBIDDEN, "origin not allowed");
			return 1;
		}
		/* Connections still to say hello do not count: they are
		 * capped on their own (wait_for_hello()). */
		if (api->cfg.max_clients > 0 && api->nclients >= api->cfg.max_clients) {
			log_warnx("ws: max_clients (%u) reached", api->cfg.max_clients);
			lws_return_http_status(wsi, HTTP_STATUS_SERVICE_UNAVAILABLE,
			    "too many clients");
			return 1;
		}
		return 0;
	case LWS_CALLBACK_HTTP:
		/* /ws without an Upgrade: answer and close rather than keep an
		 * HTTP keep-alive connection in lws. */
		lws_return_http_status(wsi, 426, "WebSocket upgrade required");
		return -1;
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		return origin_ok(api, wsi) ? 0 : -1;
	case LWS_CALLBACK_ESTABLISHED:
		memset(c, 0, sizeof(*c));
		c->wsi = wsi;
		c->api = api;
		c->seq = -1;
		c->qcap = api->cfg.ws_queue_max > 0 ? api->cfg.ws_queue_max : 256;
		/* q is an array of frame pointers, so sizeof(a pointer) is right. */
		/* NOLINTNEXTLINE(bugprone-sizeof-expression) */
		if ((c->q = calloc(c->qcap, sizeof(*c->q))) == NULL)
			return -1;
		api->nws++;
		lws_sul_schedule(api->lws, 0, &c->hello_sul, hello_timeout,
		    (lws_usec_t)API_WS_HELLO_SEC * LWS_US_PER_SEC);
		c->fd = lws_get_socket_fd(wsi);
		wait_for_hello(c);
		wsguard_attach(c->fd, unmasked, c);
		return 0;
	case LWS_CALLBACK_RECEIVE:
		return on_receive(c, in, len);
	case LWS_CALLBACK_RECEIVE_PONG:
		c->awaiting_pong = false;
		return 0;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return on_writeable(c);
	case LWS_CALLBACK_CLOSED:
		if (c->q != NULL)
			wsguard_detach(c->fd);
		lws_sul_cancel(&c->hello_sul);
		lws_sul_cancel(&c->unmasked_sul);
		unwait(c);
		if (c->listed) {
			TAILQ_REMOVE(&api->clients, c, entry);
			api->nclients--;
			status_clients(api->nclients);
			c->listed = false;
		}
		if (c->q != NULL) {
			queue_drop(c);
			FREE(c->q);
			api->nws--;
		}
		FREE(c->rx);
		return 0;
	default:
		return 0;
	}
}

const struct lws_protocols ws_protocol = {
	.name = "homectl",
	.callback = ws_callback,
	.per_session_data_size = sizeof(struct ws_client),
	.rx_buffer_size = API_WS_MSG_MAX,
};

void
ws_broadcast(struct api *api, struct frame *f)
{
	struct ws_client *c;

	TAILQ_FOREACH(c, &api->clients, entry)
		enqueue(c, f);
}

void
ws_resync(struct api *api)
{
	struct ws_client *c;

	TAILQ_FOREACH(c, &api->clients, entry) {
		if (c->state == WS_CLOSING)
			continue;
		queue_drop(c);
		c->need_snapshot = true;
		lws_callback_on_writable(c->wsi);
	}
}

/* Every ping_sec: ping each live client, and drop the ones that did not
 * answer the previous ping. */
static int
ping_rx(struct api_fd *h)
{
	struct api *api = h->api;
	struct ws_client *c;

	loop_timer_drain(h);
	TAILQ_FOREACH(c, &api->clients, entry) {
		if (c->state != WS_LIVE)
			continue;
		if (c->awaiting_pong) {
			log_debug("ws: dropping a client that did not answer a ping");
			lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
			continue;
		}
		c->awaiting_pong = true;
		c->ping_due = true;
		wake(c);
	}
	return 0;
}

int
ws_start(struct api *api)
{
	TAILQ_INIT(&api->clients);
	TAILQ_INIT(&api->hello);
	api->ping_fd.rx = ping_rx;
	return loop_timer(api, &api->ping_fd, "ping", (uint64_t)api->ping_sec * 1000000);
}

unsigned
ws_replay(struct api *api, const char *const *msg, const size_t *len, const bool *binary,
    size_t n)
{
	struct ws_client *c;
	unsigned queued;
	size_t i;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return 0;
	c->api = api;
	c->seq = -1;
	c->fd = -1;
	c->qcap = api->cfg.ws_queue_max > 0 ? api->cfg.ws_queue_max : 256;
	/* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers */
	if ((c->q = calloc(c->qcap, sizeof(*c->q))) == NULL) {
		free(c);
		return 0;
	}
	api->nws++;
	wait_for_hello(c);
	for (i = 0; i < n && c->state != WS_CLOSING; i++)
		on_message(c, msg[i], len[i], binary[i]);
	queued = c->qlen + (c->need_snapshot ? 1 : 0);
	unwait(c);
	if (c->listed) {
		TAILQ_REMOVE(&api->clients, c, entry);
		api->nclients--;
	}
	queue_drop(c);
	free(c->q);
	free(c->rx);
	api->nws--;
	free(c);
	return queued;
}
