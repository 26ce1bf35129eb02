/* SPDX-License-Identifier: MIT */
/* http.c -- libmicrohttpd in the lws loop (its epoll fd adopted, its
 * timeouts on an lws_sul), request bodies with a hard cap, Bearer auth, the
 * static route table that sends each /api/ request to its handler, and
 * requests parked while another process holds SQLite's write lock.
 *
 * Why a busy write parks instead of waiting: the daemon's connection has
 * no busy timeout (DB_NOWAIT), so a write that meets another process's
 * lock fails at once with -EBUSY, having changed nothing (BEGIN IMMEDIATE
 * is the first statement of every write; reads in WAL mode never meet the
 * write lock).  http_reply_ops() then suspends the request's connection
 * (MHD_ALLOW_SUSPEND_RESUME) instead of answering, and one lws_sul resumes
 * every parked request each API_BUSY_RETRY_MS: each runs its handler again
 * from the start, until it gets through or API_BUSY_WAIT_MS have passed
 * (then 503 busy).  The loop serves everything else meanwhile, and pings
 * the watchdog.  A writer thread with a queue would do the same with locks
 * in a daemon that has none; SQLite admits one writer at a time anyway. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "api.h"
#include "auth.h"
#include "jsonutil.h"
#include "log.h"
#include "oauth.h"
#include "util.h"

struct route {
	const char *pattern;	/* "*" matches one path segment: the {id} */
	const char *method;
	http_handler_fn *fn;
	bool body;		/* takes a JSON object body */
	enum auth_scope need;	/* the least token scope that may call it */
};

/* Reads for any token, the home run by control (but an action that opens
 * it, see ops_ctx.no_opening), the home edited by full. */
#define R	AUTH_SCOPE_READ
#define C	AUTH_SCOPE_CONTROL
#define F	AUTH_SCOPE_FULL

static const struct route routes[] = {
	{ "/api/devices", "GET", http_devices, false, R },
	{ "/api/devices/*", "GET", http_device, false, R },
	{ "/api/devices/*/actions", "POST", http_device_action, true, C },
	{ "/api/devices/*/history", "GET", http_device_history, false, R },
	{ "/api/actions", "POST", http_bulk_action, true, C },
	{ "/api/rooms", "GET", http_rooms, false, R },
	{ "/api/rooms", "POST", http_room_add, true, F },
	{ "/api/rooms/*", "PATCH", http_room_edit, true, F },
	{ "/api/rooms/*", "DELETE", http_room_remove, false, F },
	{ "/api/devices", "POST", http_device_add, true, F },
	{ "/api/devices/*", "PATCH", http_device_edit, true, F },
	{ "/api/devices/*", "DELETE", http_device_remove, false, F },
	{ "/api/modes", "POST", http_mode_add, true, F },
	{ "/api/modes/*", "PUT", http_mode_replace, true, F },
	{ "/api/modes/*", "DELETE", http_mode_remove, false, F },
	{ "/api/export", "GET", http_export, false, R },
	{ "/api/import", "POST", http_import, true, F },
	{ "/api/stats", "GET", http_stats, false, R },
	{ "/api/mode", "GET", http_mode_get, false, R },
	{ "/api/mode", "PUT", http_mode_put, true, C },
	{ "/api/modes", "GET", http_modes, false, R },
	{ "/api/changes", "GET", http_changes, false, R },
	{ "/api/types", "GET", http_types, false, R },
	{ "/api/health", "GET", http_health, false, R },
	{ "/api/openapi.json", "GET", http_openapi, false, R },
	{ "/api/automations", "GET", http_automations, false, R },
	{ "/api/automations", "POST", http_automation_create, true, F },
	{ "/api/automations/*", "GET", http_automation, false, R },
	{ "/api/automations/*", "PUT", http_automation_replace, true, F },
	{ "/api/automations/*", "DELETE", http_automation_delete, false, F },
	{ "/api/automations/*/enable", "POST", http_automation_enable, true, C },
	{ "/api/automations/*/run", "POST", http_automation_run, false, C },
	{ "/api/automations/*/test", "GET", http_automation_test, false, R },
	/* The consent page: a person grants at most their own token's scope. */
	{ "/api/oauth/request", "GET", http_oauth_request, false, R },
	{ "/api/oauth/approve", "POST", http_oauth_approve, true, R },
};

#undef R
#undef C
#undef F

static void mhd_timer(lws_sorted_usec_list_t *sul);
static void retry_timer(lws_sorted_usec_list_t *sul);

/* After every MHD_run, MHD_add_connection and MHD_resume_connection: MHD
 * has no thread of its own, so its next timeout lives on an lws_sul. */
static void
http_arm(struct api *api)
{
	MHD_UNSIGNED_LONG_LONG ms;

	/* A kick from inside a callback (a resumed stream) must not be
	 * pushed back to MHD's next timeout by the MHD_run it ran in. */
	if (api->mhd_kicked)
		lws_sul_schedule(api->lws, 0, &api->mhd_sul, mhd_timer, 1);
	else if (MHD_get_timeout(api->mhd, &ms) == MHD_YES)
		lws_sul_schedule(api->lws, 0, &api->mhd_sul, mhd_timer,
		    (lws_usec_t)ms * LWS_US_PER_MS);
	else
		lws_sul_cancel(&api->mhd_sul);
}

static void
mhd_timer(lws_sorted_usec_list_t *sul)
{
	struct api *api = lws_container_of(sul, struct api, mhd_sul);

	api->mhd_kicked = false;
	MHD_run(api->mhd);
	http_arm(api);
}

void
http_kick_soon(struct api *api)
{
	/* Not MHD_run here: this may run inside an MHD callback. */
	api->mhd_kicked = true;
	lws_sul_schedule(api->lws, 0, &api->mhd_sul, mhd_timer, 1);
}

static int
mhd_rx(struct api_fd *h)
{
	MHD_run(h->api->mhd);
	http_arm(h->api);
	return 0;
}

void
http_kick(struct api *api)
{
	if (api->mhd == NULL)
		return;
	MHD_run(api->mhd);
	http_arm(api);
}

void
http_add_connection(struct api *api, int fd, const struct sockaddr *sa, socklen_t salen)
{
	/* MHD owns fd now, even when this fails. */
	if (MHD_add_connection(api->mhd, fd, sa, salen) != MHD_YES)
		log_debug("http: connection refused (limit reached?)");
	http_arm(api);
}

static const char *
status_code(unsigned status)
{
	switch (status) {
	case 400: return "bad_request";
	case 401: return "unauthorized";
	case 403: return "forbidden";
	case 404: return "not_found";
	case 405: return "method_not_allowed";
	case 413: return "payload_too_large";
	case 409: return "superseded";
	case 422: return "invalid_value";
	case 503: return "unavailable";
	case 504: return "device_timeout";
	case 507: return "storage_full";
	default: return "internal";
	}
}

/* The peer's address as text, for the log ("?" when unknown). */
static const char *
peer(struct http_req *r, char *buf, size_t len)
{
	const union MHD_ConnectionInfo *ci;

	ci = MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || ci->client_addr == NULL ||
	    getnameinfo(ci->client_addr, ci->client_addr->sa_family == AF_INET6 ?
	    sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in), buf, (socklen_t)len,
	    NULL, 0, NI_NUMERICHOST) != 0)
		snprintf(buf, len, "?");
	return buf;
}

/* Requests that may change the home are an admin's business: one line per
 * request at info, with the token's name and, in HOMECTL_DEVICE=, every
 * device it changed (journalctl HOMECTL_DEVICE=ID finds them).  Reads stay
 * at debug: a dashboard makes many. */
static void
log_request(struct http_req *r, unsigned status)
{
	char addr[64];

	if (strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0 ||
	    strcmp(r->method, "OPTIONS") == 0) {
		log_debug("%s %s %u", r->method, r->url, status);
		return;
	}
	log_kv_add(&r->changed, "HOMECTL_SOURCE", "api");
	log_kv_add(&r->changed, "HOMECTL_METHOD", r->method);
	log_kv_add(&r->changed, "HOMECTL_PATH", r->url);
	if (r->token[0] != '\0')
		log_kv_add(&r->changed, "HOMECTL_TOKEN_NAME", r->token);
	log_fields(LOG_INFO, log_kv_fields(&r->changed), "%s %s %u (token %s, from %s)",
	    r->method, r->url, status, r->token[0] != '\0' ? r->token : "none",
	    peer(r, addr, sizeof(addr)));
}

enum MHD_Result
http_queue(struct http_req *r, unsigned status, struct MHD_Response *resp)
{
	enum MHD_Result ret;

	log_request(r, status);
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	ret = MHD_queue_response(r->conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

struct MHD_Response *
http_json_response(unsigned status, struct json_object *obj)
{
	struct MHD_Response *resp;
	const char *s = json_compact(obj);

	/* MHD takes a non-const pointer even though MUST_COPY only reads it;
	 * 0.9.75 has no MHD_create_response_from_buffer_copy(). */
	resp = MHD_create_response_from_buffer(strlen(s),
	    (void *)(uintptr_t)s, /* NOLINT(performance-no-int-to-ptr) */
	    MHD_RESPMEM_MUST_COPY);
	json_object_put(obj);
	if (resp == NULL)
		return NULL;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (status == 401)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
		    "Bearer realm=\"homectl\"");
	return resp;
}

static struct MHD_Response *
error_response(unsigned status, const char *code, const char *msg)
{
	struct json_object *obj, *err;

	err = json_object_new_object();
	json_object_object_add(err, "code", json_object_new_string(code ? code :
	    status_code(status)));
	json_object_object_add(err, "message", json_object_new_string(msg));
	obj = json_object_new_object();
	json_object_object_add(obj, "error", err);
	return http_json_response(status, obj);
}

enum MHD_Result
http_reply_json(struct http_req *r, unsigned status, struct json_object *obj)
{
	/* A write answers with the devices it changed. */
	if (status < 300 && strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0)
		log_kv_devices(&r->changed, obj);
	return http_queue(r, status, http_json_response(status, obj));
}

enum MHD_Result
http_reply_list(struct http_req *r, const char *key, struct json_object *list)
{
	struct json_object *obj;

	if (!json_object_is_type(list, json_type_array))
		return http_reply_json(r, 200, list);
	obj = json_object_new_object();
	json_object_object_add(obj, key, list);
	return http_reply_json(r, 200, obj);
}

enum MHD_Result
http_reply_error(struct http_req *r, unsigned status, const char *code, const char *fmt, ...)
{
	char msg[OPS_ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	vfmt(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return http_queue(r, status, error_response(status, code, msg));
}

/* Suspends r to run its handler again in API_BUSY_RETRY_MS; false once
 * it has waited API_BUSY_WAIT_MS (answer 503 then). */
bool
http_park(struct http_req *r)
{
	struct api *api = r->api;
	uint64_t now = mono_usec();

	if (r->busy_until == 0)
		r->busy_until = now + (uint64_t)API_BUSY_WAIT_MS * 1000;
	if (now >= r->busy_until || api->stop)
		return false;
	MHD_suspend_connection(r->conn);
	r->parked = true;
	TAILQ_INSERT_TAIL(&api->parked, r, park_entry);
	if (TAILQ_FIRST(&api->parked) == r)
		lws_sul_schedule(api->lws, 0, &api->retry_sul, retry_timer,
		    (lws_usec_t)API_BUSY_RETRY_MS * LWS_US_PER_MS);
	return true;
}

/* Resumes every parked request; those still busy park again. */
static void
retry_all(struct api *api)
{
	struct http_req *r;

	if (TAILQ_EMPTY(&api->parked))
		return;
	while ((r = TAILQ_FIRST(&api->parked)) != NULL) {
		TAILQ_REMOVE(&api->parked, r, park_entry);
		r->parked = false;
		r->resumed = true;
		MHD_resume_connection(r->conn);
	}
	/* No wake-up reaches MHD in this mode: run it now (see loop.c). */
	MHD_run(api->mhd);
	http_arm(api);
}

static void
retry_timer(lws_sorted_usec_list_t *sul)
{
	retry_all(lws_container_of(sul, struct api, retry_sul));
}

struct MHD_Response *
http_ops_response(int rc, const char *err, unsigned *status)
{
	const char *code;

	*status = ops_status(rc, &code);
	/* A 500 is ours; a device that did not answer is news for the caller. */
	if (*status == 500)
		err = "internal error";
	return error_response(*status, code, err);
}

enum MHD_Result
http_reply_ops(struct http_req *r, int rc, const char *err)
{
	const char *code;
	unsigned status;

	if (rc == -EBUSY && http_park(r))
		return MHD_YES;
	/* The file at the path is not the one open (common/db.h): follow it,
	 * then write again, into the right file. */
	if (rc == -ESTALE && mirror_resync(r->api) == 0 && http_park(r))
		return MHD_YES;
	status = ops_status(rc, &code);
	if (status == 503 && *err == '\0')
		err = "the database is busy, try again";
	/* A 500 is ours: its details go to the log.  503, 504 and 507 say
	 * what the caller or the admin can act on. */
	if (status == 500) {
		log_warnx("http: %s %s: %s", r->method, r->url, *err ? err : strerror(-rc));
		err = "internal error";
	}
	return http_reply_error(r, status, code, "%s", err);
}

const char *
http_query(struct http_req *r, const char *key)
{
	const char *v = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);

	return v != NULL && *v != '\0' ? v : NULL;
}

bool
http_body_object(struct http_req *r, enum MHD_Result *ret)
{
	char err[128];

	if (r->body == NULL || r->len == 0) {
		*ret = http_reply_error(r, 400, "bad_request", "a JSON object body is required");
		return false;
	}
	json_object_put(r->json);	/* run again after http_park() */
	r->json = json_parse_strict(r->body, r->len, err, sizeof(err));
	if (r->json == NULL) {
		*ret = http_reply_error(r, 400, "bad_request", "malformed JSON: %s", err);
		return false;
	}
	if (json_text_has_nul(r->body, r->len)) {
		*ret = http_reply_error(r, 400, "bad_request",
		    "a JSON string holds a NUL character (\\u0000)");
		return false;
	}
	if (!json_object_is_type(r->json, json_type_object)) {
		*ret = http_reply_error(r, 400, "bad_request", "the body must be a JSON object");
		return false;
	}
	return true;
}

bool
http_body_keys(struct http_req *r, const char *const *allowed, enum MHD_Result *ret)
{
	json_object_object_foreach(r->json, key, val) {
		(void)val;
		if (!str_in(key, allowed)) {
			*ret = http_reply_error(r, 400, "bad_request", "unknown field \"%s\"", key);
			return false;
		}
	}
	return true;
}

/* Matches url against pattern segment by segment; the "*" segment is
 * copied to r->argbuf.  The segments are those of the path as it came
 * (r->raw): a name may hold "/", sent as %2F, and only the "*" segment is
 * then decoded, exactly once ("%252F" is the text "%2F"), after the split.
 * Without r->raw (a path too long to keep), MHD's decoded url is split. */
static bool
route_match(struct http_req *r, const char *pattern, const char *url)
{
	const char *p = pattern, *u = r->raw[0] != '\0' ? r->raw : url, *pe, *ue;
	char seg[API_RAW_PATH_MAX];
	size_t pl, ul, sl;

	r->arg = NULL;
	while (*p == '/' && *u == '/') {
		p++, u++;
		pe = strchr(p, '/');
		ue = strchr(u, '/');
		pl = pe ? (size_t)(pe - p) : strlen(p);
		ul = ue ? (size_t)(ue - u) : strlen(u);
		if (pl == 1 && *p == '*') {
			if (ul == 0 || ul >= sizeof(seg))
				return false;
			memcpy(seg, u, ul);
			seg[ul] = '\0';
			sl = r->raw[0] != '\0' ? MHD_http_unescape(seg) : ul;
			if (sl == 0 || sl >= sizeof(r->argbuf))
				return false;
			memcpy(r->argbuf, seg, sl + 1);
			r->arg = r->argbuf;
		} else if (pl != ul || memcmp(p, u, pl) != 0) {
			return false;
		}
		p += pl, u += ul;
	}
	return *p == '\0' && *u == '\0';
}

static bool
is_mcp(const char *url)
{
	return strcmp(url, "/mcp") == 0;
}

/* Checks the Bearer token and notes its name in r->token.  A refused
 * token is a warning (someone holds a wrong, old or revoked token, or is
 * guessing); the secret itself never reaches the log. */
static bool
authorized(struct http_req *r)
{
	const char *h = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_AUTHORIZATION);
	char addr[64];
	int rc;

	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0) {
		log_debug("%s %s: no token", r->method, r->url);
		return false;
	}
	h += 7;
	h += strspn(h, " ");
	/* An OAuth access token is for /mcp alone (its audience, RFC 8707):
	 * REST and the WebSocket take `homectl token create` tokens. */
	if (oauth_is_access_token(h))
		rc = is_mcp(r->url) ? http_oauth_access(r, h) : -EPERM;
	else if ((rc = auth_token_check(r->api->db, h, r->token, sizeof(r->token))) == 0)
		rc = auth_token_scope(r->api->db, r->token, &r->scope);
	if (rc == 0)
		return true;
	r->token[0] = '\0';
	r->bad_token = true;
	log_warnx("%s %s: refused a token from %s: %s", r->method, r->url,
	    peer(r, addr, sizeof(addr)), rc == -EACCES && oauth_is_access_token(h) ?
	    "an OAuth token unknown, expired or revoked" : rc == -EACCES ? "unknown or revoked" :
	    rc == -EXDEV ? "an OAuth token issued for another resource" :
	    rc == -EPERM ? "an OAuth token is for /mcp only" : strerror(-rc));
	return false;
}

/* The route for r's URL and method, or NULL; allow then lists the
 * methods the URL takes ("" when none). */
static const struct route *
route_find(struct http_req *r, char *allow, size_t allowlen)
{
	const struct route *rt;
	const char *method = strcmp(r->method, "HEAD") == 0 ? "GET" : r->method;
	size_t i, al;

	allow[0] = '\0';
	for (i = 0; i < NELEMS(routes); i++) {
		rt = &routes[i];
		if (!route_match(r, rt->pattern, r->url))
			continue;
		if (strcmp(rt->method, method) == 0) {
			/* Route the {id} again: a later non-matching
			 * pattern may have clobbered it. */
			route_match(r, rt->pattern, r->url);
			return rt;
		}
		al = strlen(allow);
		snprintf(allow + al, allowlen - al, "%s%s%s", al > 0 ? ", " : "",
		    rt->method, strcmp(rt->method, "GET") == 0 ? ", HEAD" : "");
	}
	return NULL;
}

static enum MHD_Result
dispatch_api(struct http_req *r)
{
	const struct route *found;
	char allow[64];
	struct MHD_Response *resp;
	enum MHD_Result ret;

	if (!r->authorized)
		return http_reply_error(r, 401, "unauthorized",
		    "a valid token is required: Authorization: Bearer TOKEN");
	found = route_find(r, allow, sizeof(allow));
	if (found == NULL && allow[0] == '\0')
		return http_reply_error(r, 404, "not_found", "no such resource: %s", r->url);
	if (found == NULL) {
		resp = error_response(405, "method_not_allowed",
		    "method not allowed on this resource");
		if (resp != NULL)
			MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
		return http_queue(r, 405, resp);
	}
	if (found->need > r->scope) {
		char msg[256], h[96];

		snprintf(msg, sizeof(msg), "this token's scope is %s; %s %s takes a token of scope"
		    " %s", auth_scope_name(r->scope), r->method, r->url,
		    auth_scope_name(found->need));
		resp = error_response(403, "insufficient_scope", msg);
		/* RFC 6750 section 3.1. */
		snprintf(h, sizeof(h), "Bearer error=\"insufficient_scope\", scope=\"%s\"",
		    auth_scope_name(found->need));
		if (resp != NULL)
			MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, h);
		return http_queue(r, 403, resp);
	}
	if (found->body && !http_body_object(r, &ret))
		return ret;
	/* A control token runs the home but never opens it (ops.c). */
	r->api->ops.no_opening = r->scope < AUTH_SCOPE_FULL;
	ret = found->fn(r);
	r->api->ops.no_opening = false;
	return ret;
}

static bool
is_api(const char *url)
{
	return strcmp(url, "/api") == 0 || strncmp(url, "/api/", 5) == 0;
}

static enum MHD_Result
dispatch(struct http_req *r)
{
	if (is_api(r->url))
		return dispatch_api(r);
	if (is_mcp(r->url)) {
		/* RFC 9728: the challenge says where to find out how to get a
		 * token; the scopes nest, the list names them all. */
		if (!r->authorized)
			return http_oauth_challenge(r, 401, r->bad_token ? "invalid_token" : NULL,
			    "read control full",
			    "a valid token is required: Authorization: Bearer TOKEN");
		return mcp_http(r);
	}
	if (http_oauth_path(r->url))
		return http_oauth(r);
	if (strcmp(r->url, "/ws") == 0 || strncmp(r->url, "/ws/", 4) == 0) {
		/* A WebSocket upgrade on a keep-alive connection MHD already
		 * holds: the client must open a fresh connection. */
		struct MHD_Response *resp;

		resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
		if (resp != NULL)
			MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
		return http_queue(r, 400, resp);
	}
	return http_static(r);
}

/* MHD's own percent-decoding, plus a note when it yields a NUL: handlers
 * see C strings, and "/api/devices/a%00b" would reach them as
 * "/api/devices/a".  The request is refused with 400 instead.
 *
 * MHD decodes the path in place before anyone sees it, so "%2F" in a name
 * would become a "/" that splits it.  A path (it starts with "/"; query
 * arguments come here too) is first kept as it came, with the place it is
 * decoded at: first_call takes it when that is the request's url, and the
 * routes split it before decoding (route_match). */
static size_t
unescape(void *cls, struct MHD_Connection *conn, char *s)
{
	struct http_conn *hc = hconn_of(conn);
	size_t len = strlen(s), n;

	(void)cls;
	if (hc != NULL && s[0] == '/') {
		hc->raw_at = s;
		if (len < sizeof(hc->raw))
			memcpy(hc->raw, s, len + 1);
		else
			hc->raw[0] = '\0';
	}
	n = MHD_http_unescape(s);
	if (memchr(s, '\0', n) != NULL && hc != NULL)
		hc->nul = true;
	return n;
}

/* Answers on MHD's first call, before any body is read.  MHD then reads
 * no body and closes the connection after the answer. */
static enum MHD_Result
early(struct http_req *r, enum MHD_Result ret)
{
	r->started = true;
	hconn_received(r->hc);
	return ret;
}

/* Does the request announce a body? */
static bool
has_body(struct http_req *r)
{
	const char *cl, *te;

	cl = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	te = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_TRANSFER_ENCODING);
	return te != NULL || (cl != NULL && strspn(cl, "0") != strlen(cl));
}

/* MHD's first call, with the headers and before the body: everything that
 * can be decided without the body is decided here, the token first, so
 * that nobody without one gets a byte of body buffered.  Only an
 * authorized route that takes a body goes on to read it; the others are
 * answered on the last call (bodiless, to keep the connection alive) or at
 * once (when a body they do not take is coming). */
static enum MHD_Result
first_call(struct http_req *r)
{
	const struct route *rt;
	const char *cl;
	char allow[64];
	int64_t clen;

	if (r->hc != NULL && r->hc->nul) {
		r->hc->nul = false;
		return early(r, http_reply_error(r, 400, "bad_request",
		    "the URL holds a NUL character (%%00)"));
	}
	if (r->hc != NULL && r->hc->raw_at == r->url && is_api(r->url))
		memcpy(r->raw, r->hc->raw, sizeof(r->raw));
	if (r->hc != NULL)
		r->hc->raw_at = NULL;
	r->body_max = is_mcp(r->url) ? API_MCP_BODY_MAX : API_BODY_MAX;
	cl = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl != NULL && (parse_int64(cl, 0, INT64_MAX, &clen) < 0 ||
	    clen > (int64_t)r->body_max))
		return early(r, http_reply_error(r, 413, "payload_too_large",
		    "bodies are limited to %zu bytes", r->body_max));
	if (is_mcp(r->url)) {
		/* Before the token: a foreign page gets nothing, not even 401. */
		if (!mcp_http_origin_ok(r))
			return early(r, http_reply_error(r, 403, "forbidden",
			    "this Host or Origin may not use /mcp"));
		r->authorized = authorized(r);
		if (!r->authorized)
			return early(r, dispatch(r));
		hconn_authorized(r->hc);
		if (strcmp(r->method, "POST") == 0) {
			r->want_body = true;
			return MHD_YES;
		}
	} else if (http_oauth_wants_body(r)) {
		r->want_body = true;
		return MHD_YES;
	} else if (is_api(r->url)) {
		r->authorized = authorized(r);
		if (!r->authorized)
			return early(r, dispatch_api(r));
		hconn_authorized(r->hc);
		rt = route_find(r, allow, sizeof(allow));
		if (rt != NULL && rt->need > r->scope)
			return early(r, dispatch_api(r));
		if (rt != NULL && rt->body) {
			r->want_body = true;
			return MHD_YES;
		}
	}
	if (has_body(r))
		return early(r, dispatch(r));
	return MHD_YES;
}

static enum MHD_Result
access_handler(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct api *api = cls;
	struct http_req *r = *con_cls;
	char *nb;

	if (r == NULL) {
		if ((r = calloc(1, sizeof(*r))) == NULL)
			return MHD_NO;
		r->api = api;
		r->conn = conn;
		r->method = method;
		r->url = url;
		log_kv_init(&r->changed);
		r->hc = hconn_of(conn);
		*con_cls = r;
		return first_call(r);
	}
	if (*upload_size > 0) {
		if (!r->want_body) {
			*upload_size = 0;	/* not reached: such requests were answered early */
			return MHD_YES;
		}
		if (!r->too_large && r->len + *upload_size > r->body_max) {
			r->too_large = true;
			FREE(r->body);
			r->len = 0;
		}
		if (!r->too_large) {
			if ((nb = realloc(r->body, r->len + *upload_size + 1)) == NULL)
				return MHD_NO;
			r->body = nb;
			memcpy(r->body + r->len, upload, *upload_size);
			r->len += *upload_size;
			r->body[r->len] = '\0';
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (r->started && r->resumed) {
		/* Back from http_park(): the handler runs again. */
		r->resumed = false;
		if (api->stop)
			return http_reply_error(r, 503, "unavailable", "homectl-api is stopping");
		return dispatch(r);
	}
	if (r->started) {
		/* Resumed after waiting for a device: the answer is ready. */
		if (r->reply != NULL) {
			struct MHD_Response *resp = r->reply;

			r->reply = NULL;
			return http_queue(r, r->reply_status, resp);
		}
		return MHD_YES;
	}
	r->started = true;
	hconn_received(r->hc);
	if (r->too_large)
		return http_reply_error(r, 413, "payload_too_large",
		    "bodies are limited to %zu bytes", r->body_max);
	return dispatch(r);
}

static void
request_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct http_req *r = *con_cls;

	(void)cls;
	(void)toe;
	hconn_completed(hconn_of(conn));
	if (r == NULL)
		return;
	if (r->parked)
		TAILQ_REMOVE(&r->api->parked, r, park_entry);
	http_wait_drop(r);
	http_oauth_drop(r);
	if (r->reply != NULL)
		MHD_destroy_response(r->reply);
	json_object_put(r->json);
	free(r->body);
	free(r);
	*con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	vfmt(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	log_debug("mhd: %s", msg);
}

int
http_start(struct api *api)
{
	const union MHD_DaemonInfo *info;
	unsigned limit = api->cfg.max_clients > 0 ? api->cfg.max_clients : 1024;
	int fd;

	TAILQ_INIT(&api->parked);
	TAILQ_INIT(&api->hconns);
	TAILQ_INIT(&api->waits);
	TAILQ_INIT(&api->fetches);
	api->mhd = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_NO_LISTEN_SOCKET |
	    MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME, 0, NULL, NULL, access_handler, api,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, api,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)API_HTTP_TIMEOUT_SEC,
	    MHD_OPTION_CONNECTION_LIMIT, limit,
	    MHD_OPTION_NOTIFY_COMPLETED, request_completed, api,
	    MHD_OPTION_NOTIFY_CONNECTION, hconn_notify, api,
	    MHD_OPTION_UNESCAPE_CALLBACK, unescape, api,
	    MHD_OPTION_END);
	if (api->mhd == NULL) {
		log_warnx("http: cannot start libmicrohttpd");
		return -EIO;
	}
	info = MHD_get_daemon_info(api->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (info == NULL) {
		log_warnx("http: libmicrohttpd has no epoll fd");
		return -EIO;
	}
	/* lws closes what it adopts; MHD must keep its own fd. */
	fd = fcntl(info->epoll_fd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0) {
		log_warn("http: dup");
		return -errno;
	}
	api->mhd_fd.rx = mhd_rx;
	return loop_adopt(api, fd, &api->mhd_fd, "mhd");
}

void
http_stop(struct api *api)
{
	if (api->lws != NULL) {
		lws_sul_cancel(&api->mhd_sul);
		lws_sul_cancel(&api->retry_sul);
	}
	hconn_stop(api);
	/* MHD aborts when stopped with a connection still suspended: end the
	 * MCP streams and answer the parked requests first (api->stop is set:
	 * 503). */
	http_wait_stop(api);
	fetch_stop(api);
	mcp_http_stop(api);
	if (api->mhd != NULL) {
		MHD_run(api->mhd);
		retry_all(api);
		MHD_stop_daemon(api->mhd);
	}
	api->mhd = NULL;
	FREE(api->openapi);
}
