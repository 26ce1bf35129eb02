/* SPDX-License-Identifier: MIT */
/* tool_history.c -- get_history: the change feed (who changed what, when),
 * newest first by default, or onwards from a seq. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "jsonutil.h"
#include "mcpcore.h"

#define HISTORY_DEFAULT	20
#define HISTORY_MAX	200

static struct json_object *
input(const struct ops_ctx *ops)
{
	struct json_object *s = schema_object(), *v;

	schema_add(s, "since", schema_int(0, INT64_MAX / 2,
	    "Only changes after this seq, oldest first (to continue, pass next_since). "
	    "Leave out for the most recent changes."), false);
	v = schema_int(1, HISTORY_MAX, "Most changes returned (default 20)");
	json_object_object_add(v, "default", json_object_new_int(HISTORY_DEFAULT));
	schema_add(s, "limit", v, false);
	schema_add(s, "device_id", schema_type("string", "Only changes of this device"), false);
	return s;
}

static struct json_object *
output(const struct ops_ctx *ops)
{
	struct json_object *s = schema_object(), *change;

	change = schema_parse("{\"type\":\"object\",\"required\":[\"seq\",\"at\",\"source\","
	    "\"kind\"],\"properties\":{"
	    "\"seq\":{\"type\":\"integer\"},\"at\":{\"type\":\"string\"},"
	    "\"source\":{\"type\":\"string\",\"description\":\"mcp, api, cli or unknown "
	    "(someone outside homectl)\"},"
	    "\"kind\":{\"type\":\"string\",\"enum\":[\"device\",\"device_removed\",\"mode\","
	    "\"home\",\"command\",\"automation\"]},"
	    "\"run\":{\"type\":\"object\",\"description\":\"automation: how a run of it ended, "
	    "{automation, id, outcome (done, failed, disabled...), error, trigger, started_at, "
	    "finished_at}\"},"
	    "\"device_id\":{\"type\":\"string\",\"description\":\"device_removed: which\"},"
	    "\"subject\":{\"type\":\"string\",\"description\":\"home: what was edited, "
	    "room:ID or mode:NAME (restore: the whole home)\"},"
	    "\"mode\":{\"type\":\"string\",\"description\":\"mode: the new mode\"}}}");
	schema_add(change, "device", schema_device(), false);
	schema_add(s, "changes", schema_array(change, NULL), true);
	schema_add(s, "count", schema_type("integer", NULL), true);
	schema_add(s, "oldest", schema_type("integer", "Oldest seq still kept"), true);
	schema_add(s, "newest", schema_type("integer", "Newest seq"), true);
	schema_add(s, "next_since", schema_type("integer",
	    "Present when more changes may follow: pass it as since"), false);
	return s;
}

/* Drops null members of each change, which the schema does not allow and
 * a model does not need; returns at most limit rows as a new array. */
static struct json_object *
clean(struct json_object *rows, size_t limit)
{
	struct json_object *a = json_object_new_array();
	size_t n = json_object_array_length(rows);

	for (size_t i = 0; i < n && i < limit; i++) {
		struct json_object *c = json_object_array_get_idx(rows, i), *o;

		o = json_object_new_object();
		json_object_object_foreach(c, k, v) {
			if (v != NULL)
				json_object_object_add(o, k, json_object_get(v));
		}
		json_object_array_add(a, o);
	}
	return a;
}

static int
call(struct tool_call *t)
{
	struct json_object *out = NULL, *rows, *changes;
	const char *dev = NULL;
	int64_t since = -1, limit = HISTORY_DEFAULT, oldest, newest;
	bool latest;
	size_t count;
	int r;

	json_get_int(t->args, "since", &since, true, -1);
	json_get_int(t->args, "limit", &limit, true, HISTORY_DEFAULT);
	json_get_string(t->args, "device_id", &dev, true, NULL);
	latest = since < 0;
	if (dev != NULL) {
		struct json_object *d = NULL;

		if ((r = ops_device_get(t->ops, dev, &d, t->err)) < 0)
			return r;
		json_object_put(d);
	}
	if (latest)
		r = ops_history_latest(t->ops, limit, dev, &out, t->err);
	else
		r = ops_history(t->ops, since, limit, dev, &out, t->err);
	if (r < 0)
		return r;
	rows = json_object_object_get(out, "changes");
	changes = clean(rows, (size_t)limit);
	count = json_object_array_length(changes);
	json_get_int(out, "oldest", &oldest, true, 0);
	json_get_int(out, "newest", &newest, true, 0);
	json_object_put(out);

	t->out = json_object_new_object();
	json_object_object_add(t->out, "changes", changes);
	json_object_object_add(t->out, "count", json_object_new_int((int)count));
	json_object_object_add(t->out, "oldest", json_object_new_int64(oldest));
	json_object_object_add(t->out, "newest", json_object_new_int64(newest));
	if (!latest && count == (size_t)limit) {
		int64_t last = 0;

		json_get_int(json_object_array_get_idx(changes, count - 1), "seq", &last, true, 0);
		json_object_object_add(t->out, "next_since", json_object_new_int64(last));
	}
	if (!latest && since > 0 && since + 1 < oldest)
		tool_summary(t, "%zu change%s; changes %lld-%lld were pruned and are gone.", count,
		    count == 1 ? "" : "s", (long long)since + 1, (long long)oldest - 1);
	else
		tool_summary(t, "%zu change%s%s%s (newest seq %lld).", count,
		    count == 1 ? "" : "s", dev ? " of " : "", dev ? dev : "", (long long)newest);
	return 0;
}

const struct tool tool_get_history = {
	.name = "get_history",
	.title = "Change history",
	.description = "Who changed what and when: the home's change feed (device changes "
	    "and mode switches, with source mcp, api, cli or unknown). Without since: the most "
	    "recent changes; with since: the changes after that seq, oldest first.",
	.flags = TOOL_READ,
	.input = input,
	.output = output,
	.call = call,
};
