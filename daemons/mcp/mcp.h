/* SPDX-License-Identifier: MIT */
/* mcp.h -- homectl-mcp, the MCP server: the one header its files share,
 * grouped by the file that implements each part (OpenBSD httpd.h style). */
#ifndef HOMECTL_MCP_H
#define HOMECTL_MCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <json-c/json.h>

#include "config.h"
#include "ops.h"
#include "watch.h"

#define MCP_NAME		"homectl"
#define MCP_MAX_LINE		((size_t)10 << 20)	/* longest message we read */
#define MCP_OUT_HIGH		((size_t)4 << 20)	/* stop reading above this */
#define MCP_OUT_MAX		((size_t)64 << 20)	/* drop a client that never reads */
#define MCP_MAX_SUBS		256			/* subscriptions per session */
#define MCP_DEFAULT_SESSIONS	64
#define MCP_DEFAULT_PER_PEER	16	/* socket sessions per peer uid */
#define MCP_DEFAULT_IDLE_SEC	300	/* silence before the server pings */
#define MCP_HELLO_SEC		10	/* initialize must come by then */
#define MCP_BUSY_WAIT_MS	5000	/* a locked database: "busy" after */
#define MCP_BUSY_RETRY_MS	20	/* parked calls are retried this often */
#define MCP_PARKED		1	/* a method's "ask me again later" */
#define MCP_DEFERRED		2	/* answered later (waits.c), not by the caller */
#define MCP_DEFAULT_PAGE	100

/* Protocol revisions we speak, newest first; see server.c. */
enum mcp_proto {
	PROTO_2025_11_25,
	PROTO_2025_06_18,
	PROTO_2025_03_26,
	PROTO_2024_11_05,
	PROTO_COUNT
};

struct session;
struct loop;

/* ---- loop.c ---- */
/* One fd in the loop with its callback.  cb gets the epoll events that
 * fired; it must not free the handle (see loop.c). */
struct loop_fd {
	struct loop		*loop;
	const char		*name;		/* for diagnostics */
	int			 fd;
	uint32_t		 events;	/* what it waits for now */
	bool			 added;
	bool			 always;	/* a file epoll refuses: always ready */
	void			(*cb)(struct loop_fd *h, uint32_t events);
	void			*arg;
};

#define LOOP_ALWAYS_MAX	4	/* stdin and stdout in --stdio mode */

struct loop {
	int			 epfd;
	struct loop_fd		*always[LOOP_ALWAYS_MAX];
};

int loop_init(struct loop *l);
void loop_free(struct loop *l);
/* Registers fd (owned by the caller, who closes it after loop_del) with
 * h->cb and h->arg already set.  0 or -errno. */
int loop_add(struct loop *l, struct loop_fd *h, int fd, uint32_t events, const char *name);
/* Changes what h waits for (EPOLLIN, EPOLLOUT, 0). */
int loop_want(struct loop_fd *h, uint32_t events);
/* Unregisters h; NULL-safe for a handle never added.  Does not close. */
void loop_del(struct loop_fd *h);
/* A new timerfd in h, first due after first_us (0: disarmed), then every
 * interval_us (0: once).  h->cb set by the caller; loop_timer_close() ends it. */
int loop_timer(struct loop *l, struct loop_fd *h, const char *name, uint64_t first_us,
    uint64_t interval_us);
int loop_timer_set(struct loop_fd *h, uint64_t first_us, uint64_t interval_us);
uint64_t loop_timer_drain(struct loop_fd *h);
void loop_timer_close(struct loop_fd *h);
/* Waits up to timeout_ms (-1: until something happens) and runs the
 * callbacks of what fired.  The number of events, or -errno. */
int loop_turn(struct loop *l, int timeout_ms);

/* The process: configuration, the database, the watcher, the sessions. */
struct server {
	struct config		 cfg;
	struct db		*db;
	struct ops_ctx		 ops;
	struct watch		*watch;		/* NULL when it could not start */
	bool			 read_only;	/* only the read tools */
	unsigned		 page_size;	/* tools/list, resources/list */
	unsigned		 max_sessions;
	unsigned		 max_per_peer;	/* socket sessions per peer uid */
	unsigned		 idle_sec;	/* ping after this silence; 0: never */

	bool			 stdio;
	char			*listen_path;	/* bound by us: unlink at exit */
	bool			 quit;
	struct loop		 loop;
	struct loop_fd		 sig_h;		/* signalfd */
	struct loop_fd		 watch_h;	/* the watcher's fd (owned by it) */
	struct loop_fd		 listen_h;	/* the listening socket, fd -1 in --stdio */
	struct loop_fd		 wdog_h;	/* watchdog timer */
	struct loop_fd		 idle_h;	/* the next session deadline (listen.c) */
	struct loop_fd		 retry_h;	/* parked sessions (session.c) */
	bool			 retry_armed;
	struct loop_fd		 wait_h;	/* the next tool call deadline (waits.c) */
	struct mcp_wait		*waits;		/* tool calls waiting for devices */
	uint64_t		 idle_at;	/* when idle_h is due; 0: disarmed */
	uint64_t		 accept_paused;	/* accepting again at (after EMFILE); 0 */

	struct session		*sessions;
	unsigned		 nsessions;
	unsigned		 next_id;

	/* The home's device ids (an object as a set), to tell a device added
	 * from one changed; NULL until the first change. */
	struct json_object	*device_ids;
	/* tools/list entries per protocol revision, built on first use. */
	struct json_object	*tool_cache[PROTO_COUNT];
};

/* One MCP session: a line reader, a write queue, and the protocol state. */
struct mcp_wait;

struct session {
	struct session		*next;
	struct server		*srv;
	unsigned		 id;		/* for diagnostics */
	int			 in_fd, out_fd;	/* the same socket, or stdin/stdout */
	bool			 is_stdio;
	struct loop_fd		 in_h;		/* in_fd, and out_fd when the same */
	struct loop_fd		 out_h;		/* out_fd when it is another fd */
	uid_t			 uid;		/* the peer (SO_PEERCRED); sockets only */
	uint64_t		 opened;	/* mono_usec */
	uint64_t		 last_input;	/* mono_usec of the last bytes read */
	bool			 spoke;		/* sent a complete message */
	bool			 parked;	/* its first line waits for the lock */
	uint64_t		 busy_until;	/* mono_usec: when to stop waiting; 0 */
	uint64_t		 pinged_at;	/* idle: when a ping went out; 0: none */

	char			*in;		/* unparsed input */
	size_t			 in_len, in_cap, in_scan;
	bool			 discarding;	/* inside an oversized line */
	bool			 eof;		/* no more input */
	bool			 dead;		/* close at the end of this turn */

	char			*out;		/* queued output */
	size_t			 out_len, out_off, out_cap;

	bool			 initialized;	/* answered initialize */
	enum mcp_proto		 proto;
	int			 log_level;	/* lowest RFC 5424 severity sent */
	char			*subs[MCP_MAX_SUBS];
	unsigned		 nsubs;
	char			 client[96];	/* clientInfo name/version */
	struct json_object	*cur_id;	/* the id of the request being handled */
};

/* ---- session.c ---- */
/* Creates a session reading in_fd and writing out_fd, links it into srv
 * and registers it in the loop.  The session owns the fds (closed by
 * session_free) unless it is stdio.  NULL when out of memory or the fds
 * cannot be polled (the caller still owns them then). */
struct session *session_new(struct server *srv, int in_fd, int out_fd, bool is_stdio);
/* After each turn of the loop: writes what was queued, sets what each
 * session waits for, and frees the finished ones (dead, or at EOF with
 * nothing left to write).  A finished --stdio session ends the process. */
void sessions_tend(struct server *srv);
/* The database was busy for this session's current message: true when it
 * should be handled again later (the session stops reading until then),
 * false once it has waited MCP_BUSY_WAIT_MS (answer "busy" then). */
bool session_park(struct session *s);
/* The retry timer's callback (srv->retry_h): runs every parked session's
 * waiting message again. */
void sessions_retry(struct loop_fd *h, uint32_t events);
/* Unlinks s from its server, closes its fds and frees it.  NULL-safe. */
void session_free(struct session *s);
/* Reads what in_fd has and handles every complete line.  0, or -errno
 * when the session should end. */
int session_read(struct session *s);
/* Writes as much of the queue as the fd takes.  0, or -errno (the peer is
 * gone). */
int session_flush(struct session *s);
/* Queues one message (a compact line).  Does not take msg. */
void session_send(struct session *s, struct json_object *msg);
/* true when output is queued. */
bool session_pending(const struct session *s);
/* true when the session wants to read now (not at EOF, queue not full). */
bool session_wants_input(const struct session *s);
/* Sends notifications/message when level (RFC 5424 index, see server.c)
 * passes the session's threshold.  Takes data. */
void session_log(struct session *s, int level, struct json_object *data);
/* The session's subscription to uri: true when subscribed. */
bool session_subscribed(const struct session *s, const char *uri);

/* ---- listen.c ---- */
/* Takes the socket systemd passed, or binds path (mode 0660) and
 * remembers to unlink it; registers it in the loop.  0 or -errno. */
int listen_start(struct server *srv, const char *path);
void listen_stop(struct server *srv);
/* Re-arms the deadline timer for the session deadlines (an unfinished
 * handshake, an idle session's ping and its answer): call after each turn. */
void listen_arm(struct server *srv);

/* ---- jsonrpc.c ---- */
#define RPC_PARSE_ERROR		-32700
#define RPC_INVALID_REQUEST	-32600
#define RPC_METHOD_NOT_FOUND	-32601
#define RPC_INVALID_PARAMS	-32602
#define RPC_INTERNAL_ERROR	-32603
#define RPC_RESOURCE_NOT_FOUND	-32002

/* A method's failure: filled by handlers, turned into an error response. */
struct rpc_error {
	int			 code;
	char			 message[512];
	struct json_object	*data;		/* owned; may be NULL */
};

/* What a line turned out to be. */
enum rpc_kind {
	RPC_REQUEST,		/* method and id */
	RPC_NOTIFICATION,	/* method, no id */
	RPC_RESPONSE,		/* a reply to us: ignored, we send no requests */
	RPC_INVALID,		/* answer err (with id when it is known) */
};

struct rpc_msg {
	enum rpc_kind		 kind;
	struct json_object	*root;		/* owned: the whole message */
	struct json_object	*id;		/* borrowed from root, or NULL */
	const char		*method;	/* borrowed from root */
	struct json_object	*params;	/* borrowed; NULL when absent */
	struct rpc_error	 err;		/* when RPC_INVALID */
};

/* Parses and validates one line (len bytes, no newline).  Always fills m;
 * release it with rpc_msg_clear(). */
void rpc_parse(const char *line, size_t len, struct rpc_msg *m);
void rpc_msg_clear(struct rpc_msg *m);
/* Sets err's code and printf-formatted message; returns -1 so that
 * handlers can `return rpc_fail(...)`. */
int rpc_fail(struct rpc_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* New response objects.  id is borrowed (a reference is taken) and may be
 * NULL for errors whose id is unknown; result and err->data are taken. */
struct json_object *rpc_result(struct json_object *id, struct json_object *result);
struct json_object *rpc_error_msg(struct json_object *id, struct rpc_error *err);
/* A new notification; params is taken and may be NULL. */
struct json_object *rpc_notification(const char *method, struct json_object *params);

/* ---- server.c ---- */
/* Handles one parsed message from s: answers requests, applies
 * notifications. */
void server_handle(struct session *s, struct rpc_msg *m);
/* The protocol revision's name, "2025-11-25". */
const char *server_proto_name(enum mcp_proto p);
/* RFC 5424 level index (0 debug .. 7 emergency) from its name, or -1. */
int server_level_parse(const char *name);
const char *server_level_name(int level);
/* Delivers feed rows from the watcher to every subscribed session. */
void server_changes(struct server *srv, struct json_object *changes);
/* Tells every subscribed session that each of its resources changed
 * (after a resync, when the feed cannot say what did). */
void server_resynced(struct server *srv);

/* ---- main.c ---- */
/* Starts again from the database as it is now, when the watcher says the
 * feed no longer continues (WATCH_RESYNC) or a write found the file
 * replaced (-ESTALE): reopens the connection if its files changed, follows
 * the feed from its newest seq, and tells every subscriber.  0 or -errno. */
int server_resync(struct server *srv);

/* ---- waits.c ---- */
/* Holds back the answer to request id (a tools/call of tool) until the
 * commands in out (the tool's structured output, consumed) are confirmed
 * or failed.  0 or -ENOMEM. */
int waits_defer(struct session *s, struct json_object *id, const char *tool,
    const char *summary, struct json_object *out);
/* Answers what can be answered: after every batch of changes, and when
 * wait_h fires (timer: deadlines that passed fail). */
void waits_poll(struct server *srv, bool timer);
/* Forgets the waiting calls of a session that ends. */
void waits_drop_session(struct session *s);

/* ---- tools.c ---- */
/* tools/list and tools/call. */
int tools_list(struct session *s, struct json_object *params, struct json_object **result,
    struct rpc_error *err);
int tools_call(struct session *s, struct json_object *params, struct json_object **result,
    struct rpc_error *err);
/* The tools/call results: success (takes out) and isError. */
struct json_object *tools_result(struct session *s, const char *summary, struct json_object *out);
struct json_object *tools_error_result(const char *text);
/* Drops the cached tool lists. */
void tools_cleanup(struct server *srv);

/* What a tool handler works with. */
struct tool_call {
	struct session		*s;
	const struct ops_ctx	*ops;
	struct json_object	*args;		/* borrowed, validated against the
						   tool's inputSchema */
	struct json_object	*out;		/* set on success: structuredContent */
	char			 summary[512];	/* one line for the text block */
	char			 err[OPS_ERRLEN];	/* on failure: for the model */
	bool			 wrote;		/* changed the home: log it */
};

typedef int tool_fn(struct tool_call *t);
/* Builds a schema for the home ops reads (enums of the modes, types,
 * zones and sensors it has); caller puts. */
typedef struct json_object *schema_fn(const struct ops_ctx *ops);

#define TOOL_READ		0x1	/* reads only */
#define TOOL_DESTRUCTIVE	0x2	/* may open the home or undo state */
#define TOOL_IDEMPOTENT		0x4

struct tool {
	const char	*name;
	const char	*title;
	const char	*description;
	unsigned	 flags;
	schema_fn	*input;
	schema_fn	*output;
	tool_fn		*call;
};

/* Printf into t->summary. */
void tool_summary(struct tool_call *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Printf into t->err; returns -EINVAL. */
int tool_error(struct tool_call *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The user's answer as the model passes it: the "confirm" argument (false
 * when absent).  ops decides whether the call needs it. */
bool tool_confirmed(struct tool_call *t);

/* ---- tool_*.c: the handlers and their schemas ---- */
extern const struct tool tool_control_device;
extern const struct tool tool_get_device_status;
extern const struct tool tool_get_sensor_reading;
extern const struct tool tool_set_home_mode;
extern const struct tool tool_get_home_mode;
extern const struct tool tool_feed_fish;
extern const struct tool tool_water_plants;
extern const struct tool tool_start_ev_charging;
extern const struct tool tool_stop_ev_charging;
extern const struct tool tool_list_devices;
extern const struct tool tool_list_rooms;
extern const struct tool tool_get_history;
extern const struct tool tool_add_room;		/* tool_edit.c */
extern const struct tool tool_update_room;
extern const struct tool tool_remove_room;
extern const struct tool tool_add_device;
extern const struct tool tool_update_device;
extern const struct tool tool_remove_device;
extern const struct tool tool_save_mode;
extern const struct tool tool_remove_mode;
extern const struct tool tool_list_automations;		/* tool_automation.c */
extern const struct tool tool_create_automation;
extern const struct tool tool_update_automation;
extern const struct tool tool_enable_automation;
extern const struct tool tool_remove_automation;

/* ---- schema.c ---- */
/* Small builders for the JSON Schemas the tools advertise; each returns a
 * new object the caller puts (or hands to json_object_object_add). */
struct json_object *schema_object(void);	/* {"type":"object","properties":{}} */
/* Adds a property to an object schema, taking prop. */
void schema_add(struct json_object *obj, const char *name, struct json_object *prop,
    bool required);
struct json_object *schema_type(const char *type, const char *description);
struct json_object *schema_enum(const char *const *choices, const char *description);
/* A string enum of what the home has: its modes, the device types it has
 * devices of, its sprinklers' zones, the sensor kinds its sensors report.
 * Without an enum when there are none (or ops is NULL). */
enum home_list { HOME_MODES, HOME_TYPES, HOME_ZONES, HOME_SENSORS };
struct json_object *schema_home_enum(const struct ops_ctx *ops, enum home_list which,
    const char *description);
struct json_object *schema_int(int64_t min, int64_t max, const char *description);
/* The schema of a device property from the model table, with description
 * replaced when description is not NULL; a plain number if unknown. */
struct json_object *schema_prop(const char *name, const char *description);
/* {"type":"array","items":items}; takes items. */
struct json_object *schema_array(struct json_object *items, const char *description);
/* A device as ops returns it (full) and as list_devices returns it compact. */
struct json_object *schema_device(void);
/* Parses a schema written as JSON text (for the fixed output shapes);
 * aborts on a syntax error, which is a bug caught by every test run. */
struct json_object *schema_parse(const char *text);
/* Checks args against an object schema built by the functions above:
 * required keys, no unknown keys, types, enums, ranges.  Integral numbers
 * given as 5.0 are turned into integers in args.  0 or -EINVAL with a
 * sentence in err. */
int schema_check(struct json_object *schema, struct json_object *args, char *err,
    size_t errlen);

/* ---- resources.c ---- */
int resources_list(struct session *s, struct json_object *params, struct json_object **result,
    struct rpc_error *err);
int resources_templates(struct session *s, struct json_object *params,
    struct json_object **result, struct rpc_error *err);
int resources_read(struct session *s, struct json_object *params, struct json_object **result,
    struct rpc_error *err);
int resources_subscribe(struct session *s, struct json_object *params,
    struct json_object **result, struct rpc_error *err);
int resources_unsubscribe(struct session *s, struct json_object *params,
    struct json_object **result, struct rpc_error *err);

/* ---- util (page.c) ---- */
/* Opaque pagination cursors: "offset N" encoded so that clients treat it
 * as a token.  Returns 0 and *offset, or -EINVAL for a cursor we did not
 * make. */
int page_cursor_parse(const char *cursor, int64_t *offset);
/* Writes the cursor for offset into buf (at least 32 bytes). */
void page_cursor_make(int64_t offset, char *buf, size_t len);

#endif
