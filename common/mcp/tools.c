/* SPDX-License-Identifier: MIT */
/* tools.c -- the tool table, tools/list generated from it, and tools/call:
 * argument checking against the advertised schema, the call, and the
 * result (structuredContent, a short text, isError for the model). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonutil.h"
#include "log.h"
#include "mcpcore.h"
#include "util.h"

/* The order of tools/list: the seed's nine first, then ours. */
static const struct tool *const tools[] = {
	&tool_control_device,
	&tool_open_or_unlock,
	&tool_get_device_status,
	&tool_get_sensor_reading,
	&tool_set_home_mode,
	&tool_get_home_mode,
	&tool_feed_fish,
	&tool_water_plants,
	&tool_start_ev_charging,
	&tool_stop_ev_charging,
	&tool_list_devices,
	&tool_list_rooms,
	&tool_get_history,
	&tool_add_room,
	&tool_update_room,
	&tool_remove_room,
	&tool_add_device,
	&tool_update_device,
	&tool_remove_device,
	&tool_save_mode,
	&tool_remove_mode,
	&tool_list_automations,
	&tool_create_automation,
	&tool_update_automation,
	&tool_enable_automation,
	&tool_remove_automation,
};

void
tool_summary(struct tool_call *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfmt(t->summary, sizeof(t->summary), fmt, ap);
	va_end(ap);
}

int
tool_error(struct tool_call *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfmt(t->err, sizeof(t->err), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

bool
tool_confirmed(struct tool_call *t)
{
	bool confirm = false;

	json_get_bool(t->args, "confirm", &confirm, true, false);
	if (t->s == NULL || t->tool == NULL || !(t->tool->flags & TOOL_ASKS))
		return confirm;
	/* The person answered the question we asked: that is the yes. */
	if (t->s->consented)
		return true;
	/* The person can be asked, or must be: the model's word is not
	 * theirs. */
	if (elicit_possible(t->s) || t->s->core->require_elicitation)
		return false;
	return confirm;
}

void
tool_consent_one(struct tool_call *t, struct json_object *dev, const char *action)
{
	struct json_object *one = json_object_new_object();
	const char *id = json_object_get_string(json_object_object_get(dev, "id"));

	json_object_object_add(one, "device", json_object_new_string(id != NULL ? id : "?"));
	json_object_object_add(one, "name", json_object_get(json_object_object_get(dev, "name")));
	json_object_object_add(one, "action", json_object_new_string(action));
	json_object_put(t->consent);
	t->consent = json_object_new_array();
	json_object_array_add(t->consent, one);
	snprintf(t->ask, sizeof(t->ask), "%s %s", action, id != NULL ? id : "?");
}

/* The tool's entry for tools/list as the session's protocol revision
 * knows it: titles and output schemas came in 2025-06-18, annotations in
 * 2025-03-26. */
static struct json_object *
tool_entry(const struct mcp_core *core, const struct tool *t, enum mcp_proto p)
{
	struct json_object *o = json_object_new_object(), *in, *props;
	bool ro = (t->flags & TOOL_READ) != 0;

	json_object_object_add(o, "name", json_object_new_string(t->name));
	if (p <= PROTO_2025_06_18)
		json_object_object_add(o, "title", json_object_new_string(t->title));
	json_object_object_add(o, "description", json_object_new_string(t->description));

	in = t->input ? t->input(core->ops) : schema_object();
	json_object_object_get_ex(in, "properties", &props);
	if (!ro && core->ops->confirm == OPS_CONFIRM_ALL &&
	    !json_object_object_get_ex(props, "confirm", NULL))
		schema_add(in, "confirm", schema_type("boolean",
		    "true once the user has confirmed this change (required by this "
		    "home's configuration)"), false);
	json_object_object_add(in, "additionalProperties", json_object_new_boolean(false));
	json_object_object_add(o, "inputSchema", in);
	if (p <= PROTO_2025_06_18 && t->output != NULL)
		json_object_object_add(o, "outputSchema", t->output(core->ops));

	if (p <= PROTO_2025_03_26) {
		struct json_object *a = json_object_new_object();

		json_object_object_add(a, "title", json_object_new_string(t->title));
		json_object_object_add(a, "readOnlyHint", json_object_new_boolean(ro));
		if (!ro) {
			json_object_object_add(a, "destructiveHint",
			    json_object_new_boolean((t->flags & TOOL_DESTRUCTIVE) != 0));
			json_object_object_add(a, "idempotentHint",
			    json_object_new_boolean((t->flags & TOOL_IDEMPOTENT) != 0));
		}
		json_object_object_add(a, "openWorldHint", json_object_new_boolean(false));
		json_object_object_add(o, "annotations", a);
	}
	return o;
}

/* Whether a session of scope sc is offered t: read sees the read tools,
 * control also the ones that run the home, full also the edits and
 * open_or_unlock. */
static bool
tool_allowed(const struct tool *t, enum mcp_scope sc)
{
	if (t->flags & TOOL_READ)
		return true;
	if (sc == MCP_SCOPE_READ)
		return false;
	return !(t->flags & (TOOL_EDIT | TOOL_OPENS)) || sc == MCP_SCOPE_FULL;
}

int
tools_scope(const char *name)
{
	for (size_t i = 0; name != NULL && i < NELEMS(tools); i++) {
		if (strcmp(tools[i]->name, name) != 0)
			continue;
		for (int sc = MCP_SCOPE_READ; sc < MCP_SCOPE_COUNT; sc++)
			if (tool_allowed(tools[i], (enum mcp_scope)sc))
				return sc;
	}
	return -ENOENT;
}

/* The tools the session is offered, as an array of tools/list entries
 * (index i of the array is the i-th offered tool).  Borrowed; built once
 * per scope and revision. */
static struct json_object *
tool_entries(struct mcp_sess *s, const struct tool **offered)
{
	struct mcp_core *core = s->core;
	enum mcp_scope sc = mcp_scope_of(s);
	enum mcp_proto p = s->proto;
	size_t n = 0;

	for (size_t i = 0; i < NELEMS(tools); i++) {
		if (!tool_allowed(tools[i], sc))
			continue;
		if (offered != NULL)
			offered[n] = tools[i];
		n++;
	}
	if (core->tool_cache[sc][p] == NULL) {
		core->tool_cache[sc][p] = json_object_new_array();
		for (size_t i = 0; i < NELEMS(tools); i++) {
			if (!tool_allowed(tools[i], sc))
				continue;
			json_object_array_add(core->tool_cache[sc][p], tool_entry(core, tools[i], p));
		}
	}
	return core->tool_cache[sc][p];
}

void
tools_cleanup(struct mcp_core *core)
{
	for (int sc = 0; sc < MCP_SCOPE_COUNT; sc++)
		for (int p = 0; p < PROTO_COUNT; p++) {
			json_object_put(core->tool_cache[sc][p]);
			core->tool_cache[sc][p] = NULL;
		}
}

int
tools_list(struct mcp_sess *s, struct json_object *params, struct json_object **result,
    struct rpc_error *err)
{
	struct json_object *all = tool_entries(s, NULL), *page, *r;
	const char *cursor = NULL;
	int64_t off = 0;
	size_t n = json_object_array_length(all), end;

	if (params != NULL && json_get_string(params, "cursor", &cursor, true, NULL) < 0)
		return rpc_fail(err, RPC_INVALID_PARAMS, "Invalid params: cursor must be a string");
	if (cursor != NULL && (page_cursor_parse(cursor, &off) < 0 || (size_t)off >= n))
		return rpc_fail(err, RPC_INVALID_PARAMS, "Invalid params: unknown cursor");
	end = (size_t)off + s->core->page_size;
	if (end > n)
		end = n;
	page = json_object_new_array_ext((int)(end - (size_t)off));
	for (size_t i = (size_t)off; i < end; i++)
		json_object_array_add(page, json_object_get(json_object_array_get_idx(all, i)));
	r = json_object_new_object();
	json_object_object_add(r, "tools", page);
	if (end < n) {
		char next[32];

		page_cursor_make((int64_t)end, next, sizeof(next));
		json_object_object_add(r, "nextCursor", json_object_new_string(next));
	}
	*result = r;
	return 0;
}

/* {"content":[{"type":"text","text":...}], "isError": true} */
static struct json_object *
error_result(const char *text)
{
	struct json_object *r = json_object_new_object(), *c = json_object_new_array(),
	    *b = json_object_new_object();

	json_object_object_add(b, "type", json_object_new_string("text"));
	json_object_object_add(b, "text", json_object_new_string(text));
	json_object_array_add(c, b);
	json_object_object_add(r, "content", c);
	json_object_object_add(r, "isError", json_object_new_boolean(true));
	return r;
}

/* The success result: a text block with the summary and the JSON (older
 * clients see only this), and structuredContent where the revision has
 * it.  Takes out. */
static struct json_object *
ok_result(struct mcp_sess *s, const char *summary, struct json_object *out)
{
	struct json_object *r = json_object_new_object(), *c = json_object_new_array(),
	    *b = json_object_new_object();
	const char *js = json_compact(out);
	size_t len = strlen(summary) + strlen(js) + 2;
	char *text = malloc(len);

	json_object_object_add(b, "type", json_object_new_string("text"));
	if (text != NULL) {
		snprintf(text, len, "%s\n%s", summary, js);
		json_object_object_add(b, "text", json_object_new_string(text));
		free(text);
	} else
		json_object_object_add(b, "text", json_object_new_string(summary));
	json_object_array_add(c, b);
	json_object_object_add(r, "content", c);
	if (s->proto <= PROTO_2025_06_18)
		json_object_object_add(r, "structuredContent", out);
	else
		json_object_put(out);
	return r;
}

int
tools_call(struct mcp_sess *s, struct json_object *params, struct json_object **result,
    struct rpc_error *err)
{
	const struct tool *offered[NELEMS(tools)], *tool = NULL;
	struct json_object *all = tool_entries(s, offered), *args = NULL, *schema;
	struct tool_call t = { 0 };
	const char *name = NULL;
	size_t n = json_object_array_length(all), idx = 0;
	uint64_t t0;
	int r;

	if (params == NULL || json_get_string(params, "name", &name, false, NULL) < 0)
		return rpc_fail(err, RPC_INVALID_PARAMS,
		    "Invalid params: tools/call needs a string \"name\"");
	if (json_object_object_get_ex(params, "arguments", &args) && args != NULL &&
	    !json_object_is_type(args, json_type_object))
		return rpc_fail(err, RPC_INVALID_PARAMS,
		    "Invalid params: \"arguments\" must be an object");
	for (size_t i = 0; i < n; i++)
		if (strcmp(offered[i]->name, name) == 0) {
			tool = offered[i];
			idx = i;
		}
	if (tool == NULL && s->core->max_scope == MCP_SCOPE_READ)
		return rpc_fail(err, RPC_INVALID_PARAMS, "Unknown tool: %.100s (%s is read-only)",
		    name, s->core->name);
	if (tool == NULL && s->scope < MCP_SCOPE_FULL)
		return rpc_fail(err, RPC_INVALID_PARAMS, "Unknown tool: %.100s (not offered to "
		    "a token of scope %s)", name, mcp_scope_name(s->scope));
	if (tool == NULL)
		return rpc_fail(err, RPC_INVALID_PARAMS, "Unknown tool: %.100s", name);
	if (args == NULL) {
		args = json_object_new_object();
		json_object_object_add(params, "arguments", args);
	}

	t.s = s;
	t.ops = s->core->ops;
	t.args = args;
	t.tool = tool;
	json_object_object_get_ex(json_object_array_get_idx(all, idx), "inputSchema", &schema);
	if (schema_check(schema, args, t.err, sizeof(t.err)) < 0) {
		*result = error_result(t.err);
		return 0;
	}
	t0 = mono_usec();
	r = tool->call(&t);
	/* Another process holds the write lock: nothing was done (see
	 * session.c), so the whole call runs again later. */
	if (r == -EBUSY && s->park != NULL && s->park(s)) {
		json_object_put(t.out);
		json_object_put(t.consent);
		return MCP_PARKED;
	}
	/* The file at the path is not the one open (common/db.h): follow it,
	 * then call again, into the right file. */
	if (r == -ESTALE && s->core->resync != NULL && s->core->resync(s->core) == 0 &&
	    s->park != NULL && s->park(s)) {
		json_object_put(t.out);
		json_object_put(t.consent);
		return MCP_PARKED;
	}
	/* The person can be asked directly: no confirm argument to trust. */
	if (r == -EPERM && t.consent != NULL && elicit_start(s, &t)) {
		json_object_put(t.out);
		json_object_put(t.consent);
		return MCP_DEFERRED;
	}
	if (r == -EPERM && t.consent != NULL && json_object_array_length(t.consent) > 0 &&
	    s->core->require_elicitation && !s->consented)
		/* Nobody can be asked, and the model's confirm is not enough. */
		snprintf(t.err, sizeof(t.err), "This home opens its doors and the garage only "
		    "for assistants whose client can ask the user directly (MCP elicitation); "
		    "this one cannot %.200s: the user can do it from the dashboard or the "
		    "command line", t.ask);
	else if (r == -EPERM) {
		char why[OPS_ERRLEN];

		/* ops decided; a model is told who may say yes. */
		snprintf(why, sizeof(why), "%s", t.err);
		snprintf(t.err, sizeof(t.err), "Confirmation required: %.300s. Never set "
		    "confirm: true on your own: only after the user has said yes to this "
		    "action.", why);
	}
	json_object_put(t.consent);
	t.consent = NULL;
	if (r < 0) {
		if (t.err[0] == '\0')
			snprintf(t.err, sizeof(t.err), "%s failed: %s", tool->name, strerror(-r));
		log_debug("session %u: %s: %s", s->id, tool->name, t.err);
		json_object_put(t.out);
		*result = error_result(t.err);
		return 0;
	}
	if (t.out == NULL)
		t.out = json_object_new_object();
	if (t.wrote) {
		struct json_object *d = json_object_new_object();
		struct log_kv kv;

		/* HOMECTL_DEVICE= for each device changed: journalctl
		 * HOMECTL_DEVICE=ID shows who changed it and how. */
		log_kv_init(&kv);
		log_kv_add(&kv, "HOMECTL_SOURCE", "mcp");
		log_kv_add(&kv, "HOMECTL_TOOL", tool->name);
		log_kv_devices(&kv, t.out);
		log_fields(LOG_INFO, log_kv_fields(&kv), "session %u: %s: %s", s->id, tool->name,
		    t.summary);
		json_object_object_add(d, "tool", json_object_new_string(tool->name));
		json_object_object_add(d, "message", json_object_new_string(t.summary));
		session_log(s, 1 /* info */, d);
	} else
		log_debug("session %u: %s in %llu us", s->id, tool->name,
		    (unsigned long long)(mono_usec() - t0));
	/* A real device confirms later: answer then (see waits.c). */
	if (json_object_is_type(t.out, json_type_object) &&
	    json_object_is_type(json_object_object_get(t.out, "commands"), json_type_array) &&
	    json_object_array_length(json_object_object_get(t.out, "commands")) > 0) {
		struct json_object *fin = NULL;
		char why[OPS_ERRLEN] = "";

		r = ops_outcome(t.ops, t.out, false, &fin, why);
		if (r == 0 && s->defer != NULL &&
		    s->defer(s, s->cur_id, tool->name, t.summary, t.out) == 0)
			return MCP_DEFERRED;
		if (r < 0) {
			json_object_put(t.out);
			*result = error_result(why);
			return 0;
		}
		/* Confirmed already; or no way to wait: the command is pending. */
		if (r > 0) {
			json_object_put(t.out);
			t.out = fin;
		}
	}
	*result = ok_result(s, t.summary, t.out);
	return 0;
}

struct json_object *
tools_result(struct mcp_sess *s, const char *summary, struct json_object *out)
{
	return ok_result(s, summary, out);
}

struct json_object *
tools_error_result(const char *text)
{
	return error_result(text);
}
