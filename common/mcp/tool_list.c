/* SPDX-License-Identifier: MIT */
/* tool_list.c -- list_devices (filtered, compact, paginated) and
 * list_rooms: how a model finds the ids the other tools take. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "jsonutil.h"
#include "mcpcore.h"
#include "model.h"

#define LIST_DEFAULT	50
#define LIST_MAX	200

static struct json_object *
devices_input(const struct ops_ctx *ops)
{
	struct json_object *s = schema_object(), *v;

	schema_add(s, "room", schema_type("string", "Only devices in this room"), false);
	schema_add(s, "device_type", schema_home_enum(ops, HOME_TYPES, "Only devices of this type"),
	    false);
	schema_add(s, "state", schema_enum(model_states, "Only devices in this state"), false);
	v = schema_type("boolean", "true (default): id, name, type, room and state only; "
	    "false: every property too");
	json_object_object_add(v, "default", json_object_new_boolean(true));
	schema_add(s, "compact", v, false);
	v = schema_int(1, LIST_MAX, "Most devices per page (default 50)");
	json_object_object_add(v, "default", json_object_new_int(LIST_DEFAULT));
	schema_add(s, "limit", v, false);
	schema_add(s, "cursor", schema_type("string",
	    "next_cursor from the previous page, to continue"), false);
	return s;
}

static struct json_object *
devices_output(const struct ops_ctx *ops)
{
	struct json_object *s = schema_object();

	schema_add(s, "devices", schema_array(schema_device(), NULL), true);
	schema_add(s, "count", schema_type("integer", "Devices on this page"), true);
	schema_add(s, "total", schema_type("integer", "Devices matching the filters"), true);
	schema_add(s, "next_cursor", schema_type("string",
	    "Present when more devices follow: pass it as cursor"), false);
	return s;
}

static struct json_object *
compact_device(struct json_object *d)
{
	static const char *const keys[] = { "id", "name", "type", "room", "state", NULL };
	struct json_object *c = json_object_new_object(), *v;

	for (const char *const *k = keys; *k != NULL; k++)
		if (json_object_object_get_ex(d, *k, &v))
			json_object_object_add(c, *k, json_object_get(v));
	return c;
}

static int
devices_call(struct tool_call *t)
{
	const char *room = NULL, *type = NULL, *state = NULL, *cursor = NULL;
	struct json_object *all = NULL, *page;
	int64_t limit = LIST_DEFAULT, off = 0, total = 0, shown = 0;
	bool compact = true;
	size_t n;
	int r;

	json_get_string(t->args, "room", &room, true, NULL);
	json_get_string(t->args, "device_type", &type, true, NULL);
	json_get_string(t->args, "state", &state, true, NULL);
	json_get_bool(t->args, "compact", &compact, true, true);
	json_get_int(t->args, "limit", &limit, true, LIST_DEFAULT);
	json_get_string(t->args, "cursor", &cursor, true, NULL);
	if (cursor != NULL && page_cursor_parse(cursor, &off) < 0)
		return tool_error(t, "cursor \"%.64s\" is not one list_devices returned: leave it "
		    "out to start from the first page", cursor);
	if ((r = ops_devices(t->ops, room, type, state, &all, t->err)) < 0)
		return r;
	page = json_object_new_array();
	n = json_object_array_length(all);
	for (size_t i = 0; i < n; i++) {
		struct json_object *d = json_object_array_get_idx(all, i);

		if (total++ < off || shown >= limit)
			continue;
		json_object_array_add(page, compact ? compact_device(d) : json_object_get(d));
		shown++;
	}
	json_object_put(all);
	t->out = json_object_new_object();
	json_object_object_add(t->out, "devices", page);
	json_object_object_add(t->out, "count", json_object_new_int64(shown));
	json_object_object_add(t->out, "total", json_object_new_int64(total));
	if (off + shown < total) {
		char next[32];

		page_cursor_make(off + shown, next, sizeof(next));
		json_object_object_add(t->out, "next_cursor", json_object_new_string(next));
		tool_summary(t, "Devices %lld-%lld of %lld; more with cursor \"%s\".",
		    (long long)off + 1, (long long)off + (long long)shown, (long long)total, next);
	} else
		tool_summary(t, "%lld device%s%s.", (long long)shown, shown == 1 ? "" : "s",
		    off > 0 ? " (last page)" : "");
	return 0;
}

const struct tool tool_list_devices = {
	.name = "list_devices",
	.title = "List devices",
	.description = "List the home's devices with their ids, filtered by room, device_type "
	    "and/or state; compact by default, at most 50 per page (limit up to 200), with "
	    "next_cursor to fetch the next page.",
	.flags = TOOL_READ,
	.input = devices_input,
	.output = devices_output,
	.call = devices_call,
};

static struct json_object *
rooms_output(const struct ops_ctx *ops)
{
	struct json_object *s = schema_object();

	schema_add(s, "rooms", schema_parse("{\"type\":\"array\",\"items\":{\"type\":\"object\","
	    "\"required\":[\"id\",\"name\"],\"properties\":{\"id\":{\"type\":\"string\"},"
	    "\"name\":{\"type\":\"string\"},\"devices\":{\"type\":\"integer\"}}}}"), true);
	schema_add(s, "count", schema_type("integer", NULL), true);
	return s;
}

static int
rooms_call(struct tool_call *t)
{
	struct json_object *rooms = NULL;
	size_t n;
	int r;

	if ((r = ops_rooms(t->ops, &rooms, t->err)) < 0)
		return r;
	n = json_object_array_length(rooms);
	t->out = json_object_new_object();
	json_object_object_add(t->out, "rooms", rooms);
	json_object_object_add(t->out, "count", json_object_new_int((int)n));
	tool_summary(t, "%zu room%s.", n, n == 1 ? "" : "s");
	return 0;
}

const struct tool tool_list_rooms = {
	.name = "list_rooms",
	.title = "List rooms",
	.description = "List the rooms (ids and names) and how many devices each has. Devices "
	    "that belong to the whole house (thermostat, door locks, garage) have no room.",
	.flags = TOOL_READ,
	.output = rooms_output,
	.call = rooms_call,
};
