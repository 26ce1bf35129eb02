/* SPDX-License-Identifier: MIT */
/* api.h -- homectl-api: one process, one libwebsockets-owned event loop that
 * serves REST and the dashboard (libmicrohttpd) and the live WebSocket
 * (libwebsockets) on one port, and pushes every change of the database's
 * change feed to every browser.  The design is in docs/architecture.md
 * ("homectl-api's event loop"); the wire protocol in docs/protocol.md. */
#ifndef HOMECTL_API_H
#define HOMECTL_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <json-c/json.h>
#include <libwebsockets.h>
#include <microhttpd.h>

#include "auth.h"
#include "config.h"
#include "log.h"
#include "mcpcore.h"
#include "ops.h"
#include "watch.h"

#define API_BODY_MAX		(64 * 1024)	/* REST bodies; 413 beyond */
#define API_RAW_PATH_MAX	768	/* an /api/ path kept as sent (%2F in names) */
#define API_MCP_BODY_MAX	(1024 * 1024)	/* one MCP message over HTTP */
#define API_WS_MSG_MAX		4096		/* WebSocket messages; error beyond */
#define API_WS_HELLO_SEC	5		/* a client must say hello by then */
#define API_WS_ABUSE_MAX	5		/* bad messages before close 1008 */
#define API_WS_PING_SEC		30		/* default ping interval */
#define API_WS_RESUME_MAX	2000		/* more missed changes: snapshot */
#define API_PEEK_BYTES		8192		/* request line (414 beyond), and a
						 * WebSocket handshake (431 beyond) */
#define API_PEEK_TIMEOUT_SEC	10		/* a silent connection is closed */
#define API_PENDING_MAX		512		/* connections still being peeked */
#define API_DRAIN_SEC		2		/* reading what follows a refusal */
#define API_DRAIN_BYTES		(64 * 1024)	/* ... at most this much */
#define API_DRAIN_MAX		64		/* connections being drained */
#define API_HTTP_TIMEOUT_SEC	60		/* idle keep-alive connections */
#define API_BUSY_WAIT_MS	5000		/* a locked database: 503 busy after */
#define API_BUSY_RETRY_MS	20		/* parked requests are retried this often */
#define API_REQUEST_SEC		10		/* a request, headers and body, must
						 * arrive within this */
#define API_HTTP_UNAUTH_MAX	256		/* HTTP connections that have not yet
						 * carried an authorized request */
#define API_WS_HELLO_MAX	256		/* WebSockets that have not said hello */
#define FETCH_MAX		65536		/* a Client ID Metadata Document, at most */
#define FETCH_SEC		5		/* ... fetched within this */
#define FETCH_JOBS		4		/* ... this many at once */

#define API_STR_(x)		#x
#define API_STR(x)		API_STR_(x)

struct api;

/* A foreign fd adopted into the lws loop as a raw file.  rx runs on every
 * POLLIN (level-triggered: drain the fd); returning < 0 makes lws close the
 * fd.  Once adopted the fd belongs to lws: never close() it, call
 * loop_unadopt(). */
struct api_fd {
	const char *name;
	int (*rx)(struct api_fd *h);
	/* When lws closed it (a POLLHUP without POLLIN closes it without
	 * an rx: a pipe whose writer exited); NULL: nothing to do. */
	void (*closed)(struct api_fd *h);
	struct lws *wsi;
	struct api *api;
	int fd;				/* valid while wsi != NULL */
	void *arg;
};

/* A WebSocket frame shared by every client it is queued to. */
struct frame {
	unsigned refs;
	int64_t last_seq;		/* the seq the frame brings a client up to */
	size_t len;			/* payload bytes after LWS_PRE */
	unsigned char buf[];		/* LWS_PRE bytes of room, then the payload */
};

struct ws_client;
TAILQ_HEAD(ws_client_list, ws_client);
struct pending;
TAILQ_HEAD(pending_list, pending);
struct http_req;
TAILQ_HEAD(http_req_list, http_req);
struct http_wait;
TAILQ_HEAD(http_wait_list, http_wait);
struct mcp_hsess;
TAILQ_HEAD(mcp_hsess_list, mcp_hsess);
struct fetch;
TAILQ_HEAD(fetch_list, fetch);

/* One per libmicrohttpd connection (its socket context): http_conn.c. */
struct http_conn {
	TAILQ_ENTRY(http_conn) entry;	/* in api->hconns, oldest first */
	struct api *api;
	int fd;				/* MHD's: never closed here */
	uint64_t deadline;		/* mono_usec() for the request to arrive; 0: none */
	unsigned requests;		/* answered so far */
	bool authed;			/* has carried an authorized request */
	bool gone;			/* shut down, MHD is closing it */
	bool nul;			/* the URL or a query argument decodes to a NUL */
	/* The request's path as it came, before MHD decoded it in place at
	 * raw_at (see unescape() in http.c); "" when too long to keep. */
	const char *raw_at;
	char raw[API_RAW_PATH_MAX];
};
TAILQ_HEAD(http_conn_list, http_conn);

/* The device mirror: exactly the state the change feed has delivered up to
 * watch_seq(), so snapshots never race the deltas that follow them. */
struct mirror {
	struct json_object *devices;	/* array, display order */
	struct json_object *index;	/* id -> position in devices */
	struct json_object *rooms;	/* as db_rooms() */
	char *mode;
	struct frame *snapshot;		/* cached snapshot frame, or NULL */
};

struct api {
	struct config cfg;
	const char *db_path;		/* borrowed from cfg or argv */
	char *web_root;			/* realpath of the dashboard root, or NULL */
	unsigned ping_sec;
	struct db *db;			/* REST reads and writes */
	struct ops_ctx ops;
	struct watch *watch;
	struct mirror mirror;

	struct lws_context *lws;
	struct lws_vhost *vh;
	struct MHD_Daemon *mhd;
	lws_sorted_usec_list_t mhd_sul;
	bool mhd_kicked;		/* http_kick_soon: run MHD on the next turn */
	struct http_req_list parked;	/* requests waiting for SQLite's lock */
	lws_sorted_usec_list_t retry_sul;	/* resumes them */
	char *openapi;			/* the generated document, cached */

	struct api_fd sig_fd, watch_fd, mhd_fd, peek_fd, wdog_fd, ping_fd;
	struct api_fd *listeners;
	size_t nlisteners;
	int peek_epfd;
	struct pending_list pending;
	unsigned npending;
	struct pending_list draining;	/* refused: read until the client closes */
	unsigned ndraining;
	lws_sorted_usec_list_t peek_sul;
	lws_sorted_usec_list_t drain_sul;
	lws_sorted_usec_list_t accept_sul;	/* EMFILE back-off */
	struct http_wait_list waits;	/* http_wait.c: calls waiting for devices */
	lws_sorted_usec_list_t wait_sul;	/* the soonest of their deadlines */

	struct http_conn_list hconns;	/* MHD's connections */
	unsigned nunauth;		/* ... without an authorized request yet */
	lws_sorted_usec_list_t hconn_sul;	/* their deadlines */
	uint64_t hconn_at;		/* when hconn_sul fires; 0: not armed */

	struct ws_client_list clients;	/* authenticated, live */
	unsigned nclients;		/* live */
	unsigned nws;			/* every WebSocket connection */
	struct ws_client_list hello;	/* still to say hello, oldest first */
	unsigned nhello;

	struct mcp_core mcp;		/* /mcp: the protocol (common/mcp) */
	struct mcp_hsess_list mcp_sessions;
	unsigned nmcp;
	unsigned mcp_next_id;
	lws_sorted_usec_list_t mcp_sul;	/* idle sessions, keep-alives */
	uint64_t mcp_keepalive_at;
	uint64_t mcp_sweep_at;		/* when mcp_sul fires; 0: not armed */

	struct fetch_list fetches;	/* fetch.c: documents being fetched */
	unsigned nfetches;

	uint64_t watchdog_usec;
	volatile int stop;
};

/* ---- main.c ---- */

/* ---- loop.c ---- */
/* The raw-file protocol entry for the lws protocol table. */
extern const struct lws_protocols loop_raw_protocol;
/* Adopts fd into the loop with handler h (h->rx set by the caller; h must
 * outlive the adoption).  On failure lws has closed fd.  0 or -errno. */
int loop_adopt(struct api *api, int fd, struct api_fd *h, const char *name);
/* Asks lws to close an adopted fd at the next loop iteration. */
void loop_unadopt(struct api_fd *h);
/* Creates a CLOCK_MONOTONIC timerfd firing every interval_us and adopts it. */
int loop_timer(struct api *api, struct api_fd *h, const char *name, uint64_t interval_us);
/* Reads a timerfd's expiration count (drains it).  Returns the count. */
uint64_t loop_timer_drain(struct api_fd *h);

/* ---- listen.c ---- */
enum peek_verdict { PEEK_WAIT, PEEK_WS, PEEK_HTTP, PEEK_CLOSE, PEEK_REFUSE };

/* What the router saw: where the connection goes, the length of a
 * WebSocket handshake, or why it is refused. */
struct peek_result {
	enum peek_verdict v;
	size_t head;		/* PEEK_WS: bytes up to the end of the headers */
	unsigned status;	/* PEEK_REFUSE: 400, 414 or 431 */
	const char *code, *msg;	/* PEEK_REFUSE: static strings */
};

/* Classifies the n bytes a client sent so far (n <= API_PEEK_BYTES; a
 * buffer that holds API_PEEK_BYTES is full): the router's whole decision,
 * without a socket. */
void peek_classify(const char *buf, size_t n, struct peek_result *res);
/* Takes the systemd sockets or binds addr ("ADDR:PORT", "[v6]:PORT"),
 * adopts every listening socket and the peek set.  0 or -errno. */
int listen_start(struct api *api, const char *addr);
/* Closes every connection still being peeked (at shutdown). */
void listen_stop(struct api *api);
/* The port the first listening socket is bound to (for logs), or -1. */
int listen_port(struct api *api);

/* ---- wsguard.c ---- */
/* Walks the frames of the WebSocket on fd, after its handshake bytes.  0 or
 * -ENOMEM. */
int wsguard_watch(int fd, size_t handshake);
/* fd is not a WebSocket (any more). */
void wsguard_forget(int fd);
/* cb(arg) runs (once) when the client on fd sends an unmasked frame; at
 * once when it already has. */
void wsguard_attach(int fd, void (*cb)(void *arg), void *arg);
void wsguard_detach(int fd);

/* ---- http.c ---- */
struct http_req;
typedef enum MHD_Result http_handler_fn(struct http_req *r);

struct http_req {
	struct api *api;
	struct MHD_Connection *conn;
	const char *method;
	const char *url;
	char *body;			/* NUL-terminated, or NULL */
	size_t len;
	bool too_large;
	bool started;
	const char *arg;		/* the {id} of a route, decoded, in argbuf */
	char argbuf[128];
	char raw[API_RAW_PATH_MAX];	/* the path still percent-encoded, or "" */
	struct json_object *json;	/* the parsed body, when the route has one */
	char token[72];			/* the name of the request's token, or "" */
	struct log_kv changed;		/* HOMECTL_DEVICE= of what the request changed */
	uint64_t busy_until;		/* mono_usec: parked since a busy write; 0 */
	bool parked;			/* suspended, in api->parked */
	bool resumed;			/* run the handler again */
	TAILQ_ENTRY(http_req) park_entry;
	struct http_conn *hc;		/* NULL when untracked */
	bool authorized;		/* a valid token (checked before any body) */
	bool bad_token;			/* a token was presented and refused */
	enum auth_scope scope;		/* what its token may do */
	size_t body_max;		/* API_BODY_MAX, or API_MCP_BODY_MAX at /mcp */
	bool want_body;			/* an authorized route that takes one */
	struct http_wait *wait;		/* suspended until its devices confirm */
	struct MHD_Response *reply;	/* queued when MHD resumes the request */
	unsigned reply_status;
	struct fetch *fetch;		/* suspended until a document arrives */
};

int http_start(struct api *api);
void http_stop(struct api *api);
/* Hands an accepted connection to MHD (which owns fd from then on). */
void http_add_connection(struct api *api, int fd, const struct sockaddr *sa, socklen_t salen);
/* Replies with obj (consumed) as JSON. */
enum MHD_Result http_reply_json(struct http_req *r, unsigned status, struct json_object *obj);
/* Replies {key: list} when list (consumed) is an array, list itself when
 * it is already an object. */
enum MHD_Result http_reply_list(struct http_req *r, const char *key, struct json_object *list);
/* Replies {"error": {"code", "message"}}; code NULL picks one from status. */
enum MHD_Result http_reply_error(struct http_req *r, unsigned status, const char *code,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Replies to an ops_* failure: -ENOENT 404, -EINVAL/-ERANGE 422, -EPERM 403,
 * -EBUSY parks the request (http_park) and, once API_BUSY_WAIT_MS have
 * passed, 503 busy; else 500; err is the ops sentence. */
enum MHD_Result http_reply_ops(struct http_req *r, int rc, const char *err);
/* A query-string argument, or NULL when absent or empty.  Borrowed. */
const char *http_query(struct http_req *r, const char *key);
/* Parses the body as a JSON object into r->json; replies 400 and returns
 * false when it is not one. */
bool http_body_object(struct http_req *r, enum MHD_Result *ret);
/* Checks that obj has no keys outside allowed (NULL-ended); replies 400
 * and returns false otherwise. */
bool http_body_keys(struct http_req *r, const char *const *allowed, enum MHD_Result *ret);

/* Runs MHD at once (after connections were shut down under it). */
void http_kick(struct api *api);
/* Runs MHD on the next loop iteration (after a resume from inside an MHD
 * callback, where MHD_run may not be called). */
void http_kick_soon(struct api *api);
/* Builds the reply to an ops_* failure without queueing it (for a
 * suspended request).  The status goes to *status. */
struct MHD_Response *http_ops_response(int rc, const char *err, unsigned *status);
/* A JSON response (obj consumed; NULL when out of memory), and queueing
 * one with the request's log line (resp destroyed; NULL answers MHD_NO). */
struct MHD_Response *http_json_response(unsigned status, struct json_object *obj);
enum MHD_Result http_queue(struct http_req *r, unsigned status, struct MHD_Response *resp);
/* Suspends r to run its handler again in API_BUSY_RETRY_MS; false once
 * it has waited API_BUSY_WAIT_MS. */
bool http_park(struct http_req *r);

/* ---- mcp_http.c ---- */
/* MCP's Streamable HTTP transport at /mcp (POST, GET, DELETE). */
enum MHD_Result mcp_http(struct http_req *r);
/* Host and Origin are ours (DNS rebinding protection); else answer 403. */
bool mcp_http_origin_ok(struct http_req *r);
void mcp_http_start(struct api *api);
/* Feed rows for the sessions' subscriptions and list changes. */
void mcp_http_changes(struct api *api, struct json_object *changes);
/* Ends the sessions whose token was revoked (after any commit). */
void mcp_http_check_tokens(struct api *api);
/* Ends every session (their streams too); before MHD stops. */
void mcp_http_stop(struct api *api);

/* ---- fetch.c ---- */
/* The result: rc 0 with the body of a 200 JSON answer (borrowed, valid
 * during the call), or -errno and a sentence. */
typedef void fetch_done_fn(void *arg, int rc, const char *body, size_t len, const char *err);
/* Fetches url (oauth_client_id_url_ok) in a child process, from a public address
 * only unless private_ok; done runs from the loop, once, unless
 * fetch_cancel() comes first.  -EINVAL for a bad URL, -EAGAIN when
 * FETCH_JOBS are running. */
int fetch_start(struct api *api, const char *url, bool private_ok, fetch_done_fn *done,
    void *arg, struct fetch **out);
/* Forgets f without calling done (its request ended). */
void fetch_cancel(struct fetch *f);
/* Ends every fetch (done gets -ECANCELED): before MHD stops. */
void fetch_stop(struct api *api);

/* ---- http_oauth.c ---- */
/* The origin clients reach us at: public_url, else http:// and Host. */
void http_oauth_base(struct http_req *r, char *buf, size_t len);
/* Is url one of the OAuth endpoints (/.well-known/oauth-*, /oauth/...)? */
bool http_oauth_path(const char *url);
/* ... and one that takes a body? */
bool http_oauth_wants_body(const struct http_req *r);
/* Serves the OAuth endpoints (no token needed). */
enum MHD_Result http_oauth(struct http_req *r);
/* An OAuth access token at /mcp: 0 with r->token (the grant) and
 * r->scope set; -EACCES, -EXDEV (another audience) as oauth_access_check. */
int http_oauth_access(struct http_req *r, const char *token);
/* 401 or 403 from /mcp with the RFC 9728 / RFC 6750 challenge: where the
 * resource metadata is, the scope needed, error (NULL: none). */
enum MHD_Result http_oauth_challenge(struct http_req *r, unsigned status, const char *error,
    const char *scope, const char *msg);
/* The WWW-Authenticate value of that challenge into h. */
void http_oauth_challenge_header(struct http_req *r, const char *error, const char *scope, char *h,
    size_t len);
/* A request suspended for a fetch ends (the client went away). */
void http_oauth_drop(struct http_req *r);
/* The consent page's calls, with the person's token. */
enum MHD_Result http_oauth_request(struct http_req *r);
enum MHD_Result http_oauth_approve(struct http_req *r);

/* ---- http_conn.c ---- */
/* MHD_OPTION_NOTIFY_CONNECTION: tracks each connection (cls is the api). */
void hconn_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
    enum MHD_ConnectionNotificationCode toe);
/* The connection's http_conn, or NULL when it is not tracked. */
struct http_conn *hconn_of(struct MHD_Connection *conn);
/* A request on hc carried a valid token: hc leaves the capped class. */
void hconn_authorized(struct http_conn *hc);
/* hc's request is all here (or answered early): no deadline while the
 * answer goes out. */
void hconn_received(struct http_conn *hc);
/* hc's answer is sent: the next request must come within the keep-alive
 * time. */
void hconn_completed(struct http_conn *hc);
void hconn_stop(struct api *api);

/* ---- http_wait.c ---- */
/* Answers r once the commands of result (ops_control's, consumed) are
 * settled: now when they are (or there are none), else by suspending the
 * request until a report confirms them, one fails, or the command timeout
 * passes.  The loop never waits. */
enum MHD_Result http_wait_start(struct http_req *r, struct json_object *result);
/* Builds the answer when a deferred call's commands settled: rc > 0 with
 * out (the devices now, taken), or an error with its sentence.  Sets
 * *status. */
typedef struct MHD_Response *http_wait_fn(void *arg, int rc, struct json_object *out,
    const char *err, unsigned *status);
/* The same for another protocol on the same request (MCP over HTTP):
 * suspends r until the commands of result settle, then answers with fn's
 * response.  Takes result and arg (free_arg frees it, may be NULL) on
 * success; 0 or -ENOMEM. */
int http_wait_defer(struct http_req *r, struct json_object *result, http_wait_fn *fn, void *arg,
    void (*free_arg)(void *));
/* Settles what it can: after every batch of changes, and at deadlines. */
void http_wait_poll(struct api *api, bool deadline);
/* A request that ends while suspended (at shutdown). */
void http_wait_drop(struct http_req *r);
/* Resumes every suspended request with 503 (before MHD stops). */
void http_wait_stop(struct api *api);

/* ---- http_devices.c ---- */
enum MHD_Result http_devices(struct http_req *r);
enum MHD_Result http_device(struct http_req *r);
enum MHD_Result http_device_action(struct http_req *r);
enum MHD_Result http_bulk_action(struct http_req *r);
/* http_history.c */
enum MHD_Result http_device_history(struct http_req *r);

/* ---- http_home.c ---- */
enum MHD_Result http_rooms(struct http_req *r);
enum MHD_Result http_stats(struct http_req *r);
enum MHD_Result http_mode_get(struct http_req *r);
enum MHD_Result http_mode_put(struct http_req *r);
enum MHD_Result http_modes(struct http_req *r);
enum MHD_Result http_changes(struct http_req *r);
enum MHD_Result http_types(struct http_req *r);
enum MHD_Result http_health(struct http_req *r);

/* ---- http_edit.c ---- */
enum MHD_Result http_room_add(struct http_req *r);
enum MHD_Result http_room_edit(struct http_req *r);
enum MHD_Result http_room_remove(struct http_req *r);
enum MHD_Result http_device_add(struct http_req *r);
enum MHD_Result http_device_edit(struct http_req *r);
enum MHD_Result http_device_remove(struct http_req *r);
enum MHD_Result http_mode_add(struct http_req *r);
enum MHD_Result http_mode_replace(struct http_req *r);
enum MHD_Result http_mode_remove(struct http_req *r);
enum MHD_Result http_export(struct http_req *r);
enum MHD_Result http_import(struct http_req *r);

/* ---- http_automations.c ---- */
enum MHD_Result http_automations(struct http_req *r);
enum MHD_Result http_automation_create(struct http_req *r);
enum MHD_Result http_automation(struct http_req *r);
enum MHD_Result http_automation_replace(struct http_req *r);
enum MHD_Result http_automation_delete(struct http_req *r);
enum MHD_Result http_automation_enable(struct http_req *r);
enum MHD_Result http_automation_run(struct http_req *r);
enum MHD_Result http_automation_test(struct http_req *r);

/* ---- http_openapi.c ---- */
enum MHD_Result http_openapi(struct http_req *r);
/* The OpenAPI 3.1 document; caller puts. */
struct json_object *openapi_document(void);

/* ---- http_static.c ---- */
/* Serves a file of the web root for GET/HEAD url. */
enum MHD_Result http_static(struct http_req *r);

/* ---- mirror.c ---- */
/* Reads the first snapshot, opens the watcher after its seq and adopts the
 * watcher's fd.  0 or -errno. */
int mirror_start(struct api *api);
void mirror_stop(struct api *api);
/* Delivers everything the watcher has: call after a local write too.
 * Returns the number of changes delivered. */
size_t mirror_poll(struct api *api);
/* The current snapshot frame (a new reference: frame_put() it). */
struct frame *mirror_snapshot(struct api *api);
/* Starts again from the database as it is now, when the watcher says the
 * feed no longer continues (WATCH_RESYNC) or a write found the file
 * replaced (-ESTALE): reopens our connection if the files changed, reloads
 * the mirror, and sends every client a fresh snapshot.  0 or -errno. */
int mirror_resync(struct api *api);
/* The changes after since as one "changes" frame (new reference), or NULL
 * when the feed no longer holds them all, or feed (the identity the client
 * had, NULL when it named none) is not the feed's (send a snapshot then). */
struct frame *mirror_resume(struct api *api, int64_t since, const char *feed);

/* ---- frame.c ---- */
/* A frame holding the compact serialisation of obj.  Caller frame_put()s. */
struct frame *frame_new(struct json_object *obj, int64_t last_seq);
struct frame *frame_get(struct frame *f);
void frame_put(struct frame *f);	/* NULL-safe */

/* ---- ws.c ---- */
extern const struct lws_protocols ws_protocol;
int ws_start(struct api *api);
/* Runs the message handler on n whole messages from a client that has no
 * connection: what the server would answer is queued and dropped (tests
 * and the fuzzer drive the handler this way).  Returns the number of
 * frames the client would have been sent last. */
unsigned ws_replay(struct api *api, const char *const *msg, const size_t *len,
    const bool *binary, size_t n);
/* Closes the clients whose token was revoked (after any commit). */
void ws_check_tokens(struct api *api);
/* Queues f to every live client (each takes a reference). */
void ws_broadcast(struct api *api, struct frame *f);
/* Drops every client's queue and sends each a fresh snapshot instead. */
void ws_resync(struct api *api);

#endif
