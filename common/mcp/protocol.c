/* SPDX-License-Identifier: MIT */
/* protocol.c -- the MCP methods: lifecycle (initialize, ping), the method
 * table, logging, the sessions' shared state, and fanning database
 * changes out to subscribers.  No transport here: see mcpcore.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonutil.h"
#include "log.h"
#include "mcpcore.h"
#include "util.h"

static const char *const proto_names[PROTO_COUNT] = {
	[PROTO_2025_11_25] = "2025-11-25",
	[PROTO_2025_06_18] = "2025-06-18",
	[PROTO_2025_03_26] = "2025-03-26",
	[PROTO_2024_11_05] = "2024-11-05",
};

/* RFC 5424 severities, least severe first, as MCP names them. */
static const char *const level_names[] = { "debug", "info", "notice", "warning", "error",
	"critical", "alert", "emergency", NULL };

static const char *const scope_names[MCP_SCOPE_COUNT] = {
	[MCP_SCOPE_READ] = "read",
	[MCP_SCOPE_CONTROL] = "control",
	[MCP_SCOPE_FULL] = "full",
};

const char *
server_proto_name(enum mcp_proto p)
{
	return proto_names[p];
}

int
server_proto_parse(const char *name)
{
	for (int p = 0; p < PROTO_COUNT; p++)
		if (strcmp(proto_names[p], name) == 0)
			return p;
	return -1;
}

const char *
mcp_scope_name(enum mcp_scope sc)
{
	return scope_names[sc];
}

int
mcp_scope_parse(const char *name)
{
	for (int sc = 0; sc < MCP_SCOPE_COUNT; sc++)
		if (strcmp(scope_names[sc], name) == 0)
			return sc;
	return -1;
}

enum mcp_scope
mcp_scope_of(const struct mcp_sess *s)
{
	return s->scope < s->core->max_scope ? s->scope : s->core->max_scope;
}

void
mcp_core_init(struct mcp_core *core, struct ops_ctx *ops, const char *name)
{
	memset(core, 0, sizeof(*core));
	core->ops = ops;
	core->name = name;
	core->max_scope = MCP_SCOPE_FULL;
	core->page_size = MCP_DEFAULT_PAGE;
}

void
mcp_core_free(struct mcp_core *core)
{
	tools_cleanup(core);
	json_object_put(core->device_ids);
	core->device_ids = NULL;
}

void
mcp_sess_init(struct mcp_core *core, struct mcp_sess *s, unsigned id,
    void (*send)(struct mcp_sess *, struct json_object *), bool (*park)(struct mcp_sess *))
{
	memset(s, 0, sizeof(*s));
	s->core = core;
	s->id = id;
	s->scope = MCP_SCOPE_FULL;
	s->proto = PROTO_2025_11_25;
	s->log_level = server_level_parse("info");
	s->send = send;
	s->park = park;
	s->next = core->sessions;
	core->sessions = s;
}

void
mcp_sess_fini(struct mcp_sess *s)
{
	struct mcp_sess **pp;

	if (s == NULL || s->core == NULL)
		return;
	for (pp = &s->core->sessions; *pp != NULL; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	for (unsigned i = 0; i < s->nsubs; i++)
		free(s->subs[i]);
	s->nsubs = 0;
	elicit_drop(s);
	s->core = NULL;
}

void
session_log(struct mcp_sess *s, int level, struct json_object *data)
{
	struct json_object *p, *note;

	if (level < s->log_level || s->closed) {
		json_object_put(data);
		return;
	}
	p = json_object_new_object();
	json_object_object_add(p, "level", json_object_new_string(level_names[level]));
	json_object_object_add(p, "logger", json_object_new_string(MCP_NAME));
	json_object_object_add(p, "data", data);
	note = rpc_notification("notifications/message", p);
	s->send(s, note);
	json_object_put(note);
}

bool
session_subscribed(const struct mcp_sess *s, const char *uri)
{
	for (unsigned i = 0; i < s->nsubs; i++)
		if (strcmp(s->subs[i], uri) == 0)
			return true;
	return false;
}

int
server_level_parse(const char *name)
{
	for (int i = 0; level_names[i] != NULL; i++)
		if (strcmp(level_names[i], name) == 0)
			return i;
	return -1;
}

const char *
server_level_name(int level)
{
	return level_names[level];
}

static const char instructions[] =
    "homectl controls a smart home. Use list_rooms and list_devices (or "
    "get_device_status) to find device ids, which read <room>_<type>[_<qualifier>]; "
    "control_device acts on one device by id or on every matching device by room "
    "and/or device_type. Unlocking a door or opening the garage needs the user's "
    "explicit consent: when a tool says confirmation is required, ask the user, "
    "then repeat the call with confirm: true. set_home_mode applies a whole scene "
    "(home, away, sleep, vacation). Resources homectl://devices, "
    "homectl://devices/{id} and homectl://mode can be subscribed to.";

static int
m_initialize(struct mcp_sess *s, struct json_object *params, struct json_object **result,
    struct rpc_error *err)
{
	struct json_object *r, *caps, *o, *info;
	const char *want = NULL, *name = NULL, *ver = NULL;
	enum mcp_proto p;

	if (s->initialized)
		return rpc_fail(err, RPC_INVALID_REQUEST,
		    "Invalid Request: the session is already initialized");
	if (params == NULL ||
	    json_get_string(params, "protocolVersion", &want, false, NULL) < 0)
		return rpc_fail(err, RPC_INVALID_PARAMS,
		    "Invalid params: initialize needs a string \"protocolVersion\"");
	if (json_get_object_borrow(params, "clientInfo", &info, true) == 0 && info != NULL) {
		json_get_string(info, "name", &name, true, "?");
		json_get_string(info, "version", &ver, true, "?");
	}
	snprintf(s->client, sizeof(s->client), "%s %s", name ? name : "?", ver ? ver : "?");
	{
		struct json_object *ccaps = NULL;

		s->can_elicit = json_get_object_borrow(params, "capabilities", &ccaps, true) == 0 &&
		    ccaps != NULL && json_object_object_get_ex(ccaps, "elicitation", NULL);
	}

	/* Echo the client's revision when we speak it, else offer ours. */
	s->proto = PROTO_2025_11_25;
	for (p = 0; p < PROTO_COUNT; p++)
		if (strcmp(want, proto_names[p]) == 0)
			s->proto = p;
	s->initialized = true;
	log_info("session %u: %s, protocol %s (asked %.32s)", s->id, s->client,
	    proto_names[s->proto], want);

	r = json_object_new_object();
	json_object_object_add(r, "protocolVersion",
	    json_object_new_string(proto_names[s->proto]));
	caps = json_object_new_object();
	o = json_object_new_object();
	/* The tools' enums follow the home (its modes, types, zones), and
	 * each device is a resource: both lists change when the home does. */
	json_object_object_add(o, "listChanged", json_object_new_boolean(true));
	json_object_object_add(caps, "tools", o);
	o = json_object_new_object();
	json_object_object_add(o, "subscribe", json_object_new_boolean(true));
	json_object_object_add(o, "listChanged", json_object_new_boolean(true));
	json_object_object_add(caps, "resources", o);
	json_object_object_add(caps, "logging", json_object_new_object());
	json_object_object_add(caps, "prompts", json_object_new_object());
	json_object_object_add(caps, "completions", json_object_new_object());
	json_object_object_add(r, "capabilities", caps);
	info = json_object_new_object();
	json_object_object_add(info, "name", json_object_new_string(MCP_NAME));
	if (s->proto <= PROTO_2025_06_18)
		json_object_object_add(info, "title", json_object_new_string("homectl smart home"));
	json_object_object_add(info, "version", json_object_new_string(HOMECTL_VERSION));
	json_object_object_add(r, "serverInfo", info);
	json_object_object_add(r, "instructions", json_object_new_string(
	    mcp_scope_of(s) == MCP_SCOPE_READ ? "homectl is in read-only mode: it can report on the home "
	    "but change nothing." : instructions));
	*result = r;
	return 0;
}

static int
m_ping(struct mcp_sess *s, struct json_object *params, struct json_object **result,
    struct rpc_error *err)
{
	*result = json_object_new_object();
	return 0;
}

static int
m_set_level(struct mcp_sess *s, struct json_object *params, struct json_object **result,
    struct rpc_error *err)
{
	const char *level = NULL;
	int l;

	if (params == NULL || json_get_string(params, "level", &level, false, NULL) < 0)
		return rpc_fail(err, RPC_INVALID_PARAMS,
		    "Invalid params: logging/setLevel needs a string \"level\"");
	if ((l = server_level_parse(level)) < 0)
		return rpc_fail(err, RPC_INVALID_PARAMS,
		    "Invalid params: level must be one of debug, info, notice, warning, "
		    "error, critical, alert, emergency");
	s->log_level = l;
	*result = json_object_new_object();
	return 0;
}

typedef int method_fn(struct mcp_sess *, struct json_object *, struct json_object **,
    struct rpc_error *);

static const struct method {
	const char	*name;
	method_fn	*fn;
} methods[] = {
	{ "initialize",			m_initialize },
	{ "ping",			m_ping },
	{ "tools/list",			tools_list },
	{ "tools/call",			tools_call },
	{ "resources/list",		resources_list },
	{ "resources/templates/list",	resources_templates },
	{ "resources/read",		resources_read },
	{ "resources/subscribe",	resources_subscribe },
	{ "resources/unsubscribe",	resources_unsubscribe },
	{ "logging/setLevel",		m_set_level },
	{ "prompts/list",		prompts_list },
	{ "prompts/get",		prompts_get },
	{ "completion/complete",	completion_complete },
};

static void
handle_notification(struct mcp_sess *s, struct rpc_msg *m)
{
	/* notifications/initialized, notifications/cancelled (every request
	 * is answered before the next line is read, so there is nothing to
	 * cancel), roots/list_changed and anything newer: nothing to do. */
	log_debug("session %u: notification %s", s->id, m->method);
}

void
server_handle(struct mcp_sess *s, struct rpc_msg *m)
{
	struct json_object *result = NULL, *reply;
	const struct method *md = NULL;
	struct rpc_error err = { 0 };
	int rc;

	if (m->kind == RPC_RESPONSE) {
		/* The answer to a question we asked (elicitation); any other
		 * response is ignored. */
		elicit_answer(s, m);
		return;
	}
	if (m->kind == RPC_NOTIFICATION) {
		handle_notification(s, m);
		return;
	}
	for (size_t i = 0; i < NELEMS(methods); i++)
		if (strcmp(methods[i].name, m->method) == 0)
			md = &methods[i];
	if (md == NULL)
		rpc_fail(&err, RPC_METHOD_NOT_FOUND, "Method not found: %.100s", m->method);
	else if ((s->cur_id = m->id, rc = md->fn(s, m->params, &result, &err)) < 0)
		json_object_put(result);
	else if (rc == MCP_PARKED) {
		json_object_put(result);	/* handled again, whole, later */
		s->cur_id = NULL;
		return;
	} else if (rc == MCP_DEFERRED) {
		/* Answered later (a tool call waiting for a real device). */
		s->cur_id = NULL;
		return;
	} else {
		reply = rpc_result(m->id, result);
		s->send(s, reply);
		json_object_put(reply);
		return;
	}
	log_debug("session %u: %s: %d %s", s->id, m->method, err.code, err.message);
	reply = rpc_error_msg(m->id, &err);
	s->send(s, reply);
	json_object_put(reply);
	json_object_put(err.data);
}

/* Adds uri to the set (a small array: a batch touches few resources). */
static void
uri_add(struct json_object *set, const char *uri)
{
	size_t n = json_object_array_length(set);

	for (size_t i = 0; i < n; i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(set, i)), uri) == 0)
			return;
	json_object_array_add(set, json_object_new_string(uri));
}

/* The ids of the home's devices, as an object used as a set (new). */
static struct json_object *
device_set(struct mcp_core *core)
{
	struct json_object *set = json_object_new_object(), *devices = NULL;
	char err[OPS_ERRLEN];
	size_t i, n;

	if (ops_devices(core->ops, NULL, NULL, NULL, &devices, err) == 0)
		for (i = 0, n = json_object_array_length(devices); i < n; i++)
			json_object_object_add(set, json_object_get_string(json_object_object_get(
			    json_object_array_get_idx(devices, i), "id")), NULL);
	json_object_put(devices);
	return set;
}

/* true when changes reshape the home: a device added or removed, a room,
 * mode or scene edited.  Then the tools' enums and the resource list are
 * rebuilt and every session is told (notifications/.../list_changed). */
static bool
reshaped(struct mcp_core *core, struct json_object *changes)
{
	size_t i, n = json_object_array_length(changes);
	const char *kind, *id;
	struct json_object *d;

	if (core->device_ids == NULL)
		core->device_ids = device_set(core);
	for (i = 0; i < n; i++) {
		struct json_object *c = json_object_array_get_idx(changes, i);

		kind = NULL;
		json_get_string(c, "kind", &kind, true, "");
		if (strcmp(kind, "home") == 0 || strcmp(kind, "device_removed") == 0)
			return true;
		id = NULL;
		if (strcmp(kind, "device") == 0 &&
		    json_get_object_borrow(c, "device", &d, true) == 0 && d != NULL &&
		    json_get_string(d, "id", &id, true, NULL) == 0 && id != NULL &&
		    !json_object_object_get_ex(core->device_ids, id, NULL))
			return true;
	}
	return false;
}

static void
list_changed(struct mcp_core *core)
{
	static const char *const notes[] = { "notifications/tools/list_changed",
		"notifications/resources/list_changed" };
	struct json_object *note;
	struct mcp_sess *s;

	tools_cleanup(core);
	json_object_put(core->device_ids);
	core->device_ids = device_set(core);
	for (s = core->sessions; s != NULL; s = s->next) {
		if (!s->initialized || s->closed)
			continue;
		for (size_t i = 0; i < NELEMS(notes); i++) {
			note = rpc_notification(notes[i], NULL);
			s->send(s, note);
			json_object_put(note);
		}
	}
}

void
server_changes(struct mcp_core *core, struct json_object *changes)
{
	struct json_object *set = json_object_new_array();
	size_t n = json_object_array_length(changes), nuris;
	struct mcp_sess *s;

	if (reshaped(core, changes))
		list_changed(core);
	for (size_t i = 0; i < n; i++) {
		struct json_object *c = json_object_array_get_idx(changes, i), *d = NULL;
		const char *kind = NULL, *dev = NULL;
		char uri[512];

		json_get_string(c, "kind", &kind, true, "");
		/* A device change carries the device; a removal its id. */
		if (json_get_object_borrow(c, "device", &d, true) == 0 && d != NULL)
			json_get_string(d, "id", &dev, true, NULL);
		else
			json_get_string(c, "device_id", &dev, true, NULL);
		if (strcmp(kind, "mode") == 0) {
			uri_add(set, "homectl://mode");
			continue;
		}
		/* How a run ended: no resource shows automations. */
		if (strcmp(kind, "automation") == 0)
			continue;
		uri_add(set, "homectl://devices");
		if (dev != NULL && snprintf(uri, sizeof(uri), "homectl://devices/%s", dev) <
		    (int)sizeof(uri))
			uri_add(set, uri);
	}
	nuris = json_object_array_length(set);
	for (s = core->sessions; s != NULL; s = s->next) {
		if (s->nsubs == 0 || s->closed)
			continue;
		for (size_t i = 0; i < nuris; i++) {
			const char *uri = json_object_get_string(json_object_array_get_idx(set, i));
			struct json_object *p, *note;

			if (!session_subscribed(s, uri))
				continue;
			p = json_object_new_object();
			json_object_object_add(p, "uri", json_object_new_string(uri));
			note = rpc_notification("notifications/resources/updated", p);
			s->send(s, note);
			json_object_put(note);
		}
	}
	json_object_put(set);
}

void
server_resynced(struct mcp_core *core)
{
	/* Anything may have changed: every subscription hears of it. */
	for (struct mcp_sess *s = core->sessions; s != NULL; s = s->next) {
		if (s->closed)
			continue;
		for (unsigned i = 0; i < s->nsubs; i++) {
			struct json_object *p = json_object_new_object(), *note;

			json_object_object_add(p, "uri", json_object_new_string(s->subs[i]));
			note = rpc_notification("notifications/resources/updated", p);
			s->send(s, note);
			json_object_put(note);
		}
	}
}
