/* SPDX-License-Identifier: MIT */
/* mcpcore.h -- the MCP protocol, transport-free: JSON-RPC, the lifecycle,
 * tools, resources and their schemas, shared by homectl-mcp (stdio and a
 * unix socket) and homectl-api (Streamable HTTP at /mcp).  A transport
 * embeds a struct mcp_sess per session, gives it a send function, and
 * feeds it parsed messages; the core answers through send. */
#ifndef HOMECTL_MCPCORE_H
#define HOMECTL_MCPCORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#include "ops.h"

#define MCP_NAME		"homectl"
#define MCP_MAX_LINE		((size_t)10 << 20)	/* longest message we take */
#define MCP_MAX_SUBS		256			/* subscriptions per session */
#define MCP_PARKED		1	/* a method's "ask me again later" */
#define MCP_DEFERRED		2	/* answered later by the transport, not the caller */
#define MCP_DEFAULT_PAGE	100

/* Protocol revisions we speak, newest first; see protocol.c. */
enum mcp_proto {
	PROTO_2025_11_25,
	PROTO_2025_06_18,
	PROTO_2025_03_26,
	PROTO_2024_11_05,
	PROTO_COUNT
};

/* What a session may do: its token's scope (homectl-mcp's own sessions
 * are full, or read with --read-only).  read changes nothing; control
 * runs devices and modes but opens nothing; full also opens (locks, the
 * garage) and edits the home. */
enum mcp_scope {
	MCP_SCOPE_READ,
	MCP_SCOPE_CONTROL,
	MCP_SCOPE_FULL,
	MCP_SCOPE_COUNT
};

struct mcp_sess;
struct mcp_elicit;

/* The process's side: what every session shares. */
struct mcp_core {
	struct ops_ctx		*ops;		/* borrowed */
	const char		*name;		/* the program, for messages */
	enum mcp_scope		 max_scope;	/* --read-only: MCP_SCOPE_READ */
	bool			 watching;	/* subscriptions get updates */
	unsigned		 page_size;	/* tools/list, resources/list */
	bool			 require_elicitation;	/* open_or_unlock only for clients
						   that can ask the person */
	struct mcp_sess		*sessions;	/* every linked session */
	/* The home's device ids (an object as a set), to tell a device added
	 * from one changed; NULL until the first change. */
	struct json_object	*device_ids;
	/* A tool met a replaced database file (-ESTALE): follow the file at
	 * the path again (0), after which the call is parked and repeated.
	 * NULL: the call fails. */
	int			(*resync)(struct mcp_core *core);
	/* tools/list entries per scope and revision, built on first use. */
	struct json_object	*tool_cache[MCP_SCOPE_COUNT][PROTO_COUNT];
};

/* One session's protocol state, embedded in the transport's session. */
struct mcp_sess {
	struct mcp_sess		*next;		/* in core->sessions */
	struct mcp_core		*core;
	unsigned		 id;		/* for diagnostics */
	enum mcp_scope		 scope;
	bool			 initialized;	/* answered initialize */
	bool			 closed;	/* being torn down: send nothing */
	enum mcp_proto		 proto;
	int			 log_level;	/* lowest RFC 5424 severity sent */
	char			*subs[MCP_MAX_SUBS];
	unsigned		 nsubs;
	char			 client[96];	/* clientInfo name/version */
	struct json_object	*cur_id;	/* the id of the request being handled */
	bool			 can_elicit;	/* the client declared elicitation */
	bool			 async_ok;	/* the transport can answer a request later
						   (MCP_DEFERRED) */
	struct mcp_elicit	*elicits;	/* questions out to the person */
	bool			 consented;	/* running a call the person said yes to */
	unsigned		 next_elicit;
	/* The transport: queue one message (not taken) for the client. */
	void			(*send)(struct mcp_sess *s, struct json_object *msg);
	/* The database was busy for the current message: true when the
	 * transport will hand it in again later; NULL: never. */
	bool			(*park)(struct mcp_sess *s);
	/* A tool's command went to a real device: hold the answer to request
	 * id until the device confirms (out, the tool's structured output, is
	 * taken on success).  0 when deferred; NULL or an error: the answer
	 * goes now, with the command still pending. */
	int			(*defer)(struct mcp_sess *s, struct json_object *id, const char *tool,
				    const char *summary, struct json_object *out);
};

/* The scope of the session's effective rights (the lesser of its own and
 * the process's). */
enum mcp_scope mcp_scope_of(const struct mcp_sess *s);
/* "read", "control", "full"; and back (-1 when unknown). */
const char *mcp_scope_name(enum mcp_scope sc);
int mcp_scope_parse(const char *name);

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

/* ---- protocol.c ---- */
/* Sets up core for ops (borrowed; it must outlive core). */
void mcp_core_init(struct mcp_core *core, struct ops_ctx *ops, const char *name);
void mcp_core_free(struct mcp_core *core);
/* Links s into core (its protocol state fresh) with the transport's send
 * and park (park may be NULL: a busy database is answered "busy" at once). */
void mcp_sess_init(struct mcp_core *core, struct mcp_sess *s, unsigned id,
    void (*send)(struct mcp_sess *, struct json_object *),
    bool (*park)(struct mcp_sess *));
/* Unlinks s and frees its subscriptions.  NULL-safe for one never linked. */
void mcp_sess_fini(struct mcp_sess *s);
/* Handles one parsed message from s: answers requests (through s->send),
 * applies notifications. */
void server_handle(struct mcp_sess *s, struct rpc_msg *m);
/* The protocol revision's name, "2025-11-25". */
const char *server_proto_name(enum mcp_proto p);
/* The revision called name, or -1 when we do not speak it. */
int server_proto_parse(const char *name);
/* RFC 5424 level index (0 debug .. 7 emergency) from its name, or -1. */
int server_level_parse(const char *name);
const char *server_level_name(int level);
/* Delivers feed rows from the watcher to every subscribed session, and
 * tells every session when the home changed shape. */
void server_changes(struct mcp_core *core, struct json_object *changes);
/* Tells every subscribed session that each of its resources changed
 * (after a resync, when the feed cannot say what did). */
void server_resynced(struct mcp_core *core);
/* Sends notifications/message when level (RFC 5424 index) passes the
 * session's threshold.  Takes data. */
void session_log(struct mcp_sess *s, int level, struct json_object *data);
/* The session's subscription to uri: true when subscribed. */
bool session_subscribed(const struct mcp_sess *s, const char *uri);

/* ---- tools.c ---- */
/* tools/list and tools/call. */
int tools_list(struct mcp_sess *s, struct json_object *params, struct json_object **result,
    struct rpc_error *err);
int tools_call(struct mcp_sess *s, struct json_object *params, struct json_object **result,
    struct rpc_error *err);
/* The tools/call results: success (takes out) and isError. */
struct json_object *tools_result(struct mcp_sess *s, const char *summary, struct json_object *out);
struct json_object *tools_error_result(const char *text);
/* Drops the cached tool lists. */
void tools_cleanup(struct mcp_core *core);
/* The least scope offered the tool called name (an enum mcp_scope), or
 * -ENOENT when there is no such tool: the HTTP transport answers a call
 * beyond a session's scope with 403 insufficient_scope and that scope. */
int tools_scope(const char *name);

/* What a tool handler works with. */
struct tool_call {
	struct mcp_sess		*s;
	const struct ops_ctx	*ops;
	struct json_object	*args;		/* borrowed, validated against the
						   tool's inputSchema */
	struct json_object	*out;		/* set on success: structuredContent */
	char			 summary[512];	/* one line for the text block */
	char			 err[OPS_ERRLEN];	/* on failure: for the model */
	bool			 wrote;		/* changed the home: log it */
	const struct tool	*tool;		/* the tool being called */
	/* On -EPERM, set by a TOOL_ASKS tool: what the person is asked to
	 * allow, [{"device", "name"?, "action"}] (owned; tools_call puts
	 * it), and what the call would do ("set the home mode to away"). */
	struct json_object	*consent;
	char			 ask[256];
};

typedef int tool_fn(struct tool_call *t);
/* Builds a schema for the home ops reads (enums of the modes, types,
 * zones and sensors it has); caller puts. */
typedef struct json_object *schema_fn(const struct ops_ctx *ops);

#define TOOL_READ		0x1	/* reads only */
#define TOOL_DESTRUCTIVE	0x2	/* may open the home or undo state */
#define TOOL_IDEMPOTENT		0x4
#define TOOL_EDIT		0x8	/* edits the home's shape: full scope */
#define TOOL_OPENS		0x10	/* opens the home (locks, garage): full scope */
/* What needs the user's yes is asked of the person (elicitation) when the
 * client can: then only the person's answer counts, never the model's
 * confirm argument (tool_confirmed). */
#define TOOL_ASKS		0x20

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
/* The user's answer to pass to ops, which decides whether the call needs
 * it: the "confirm" argument (false when absent); for a TOOL_ASKS tool,
 * the person's yes through elicitation when the client can ask, never the
 * model's word then, nor when homectl.conf requires elicitation. */
bool tool_confirmed(struct tool_call *t);
/* Sets t->consent to the one opening action (device dev, a db device
 * object, borrowed; action) and t->ask. */
void tool_consent_one(struct tool_call *t, struct json_object *dev, const char *action);

/* ---- tool_*.c: the handlers and their schemas ---- */
extern const struct tool tool_control_device;
extern const struct tool tool_open_or_unlock;
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
int resources_list(struct mcp_sess *s, struct json_object *params, struct json_object **result,
    struct rpc_error *err);
int resources_templates(struct mcp_sess *s, struct json_object *params,
    struct json_object **result, struct rpc_error *err);
int resources_read(struct mcp_sess *s, struct json_object *params, struct json_object **result,
    struct rpc_error *err);
int resources_subscribe(struct mcp_sess *s, struct json_object *params,
    struct json_object **result, struct rpc_error *err);
int resources_unsubscribe(struct mcp_sess *s, struct json_object *params,
    struct json_object **result, struct rpc_error *err);

/* ---- elicit.c ---- */
/* The session's client can ask its user (elicitation) and the transport
 * can answer a request later. */
bool elicit_possible(const struct mcp_sess *s);
/* A TOOL_ASKS tool was refused for want of the user's yes (-EPERM) and
 * said what to ask (t->consent, t->ask): when the client can ask its user
 * (elicitation), asks through elicitation/create, a form naming what the
 * call would do and each action that needs the yes, and returns true (the
 * call is then MCP_DEFERRED); false otherwise.  t is borrowed. */
bool elicit_start(struct mcp_sess *s, const struct tool_call *t);
/* A response from the client: when it answers one of our questions, runs
 * the tool again with the person's yes on accept, or declines, and sends
 * the result of the original request.  When the database is locked the
 * question stays open and the same answer is handed in again (the
 * transport parks it): the yes sticks to the call until it lands.  true
 * when it was ours. */
bool elicit_answer(struct mcp_sess *s, struct rpc_msg *m);
/* Forgets the questions of a session that ends. */
void elicit_drop(struct mcp_sess *s);

/* ---- prompts.c ---- */
int prompts_list(struct mcp_sess *s, struct json_object *params, struct json_object **result,
    struct rpc_error *err);
int prompts_get(struct mcp_sess *s, struct json_object *params, struct json_object **result,
    struct rpc_error *err);
int completion_complete(struct mcp_sess *s, struct json_object *params,
    struct json_object **result, struct rpc_error *err);

/* ---- util (page.c) ---- */
/* Opaque pagination cursors: "offset N" encoded so that clients treat it
 * as a token.  Returns 0 and *offset, or -EINVAL for a cursor we did not
 * make. */
int page_cursor_parse(const char *cursor, int64_t *offset);
/* Writes the cursor for offset into buf (at least 32 bytes). */
void page_cursor_make(int64_t offset, char *buf, size_t len);

#endif
