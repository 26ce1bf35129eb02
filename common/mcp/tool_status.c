/* SPDX-License-Identifier: MIT */
/* tool_status.c -- get_device_status: one device, or a filtered set
 * grouped by room, as the seed's tool answered. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "jsonutil.h"
#include "mcpcore.h"
#include "model.h"

#define STATUS_MAX 200	/* more than any home we know; list_devices pages */

static struct json_object *
input(const struct ops_ctx *ops)
{
	struct json_object *s = schema_object();

	schema_add(s, "device_id", schema_type("string",
	    "One device, e.g. kitchen_light. Leave out to get a filtered set."), false);
	schema_add(s, "room", schema_type("string", "Only devices in this room"), false);
	schema_add(s, "device_type", schema_home_enum(ops, HOME_TYPES, "Only devices of this type"),
	    false);
	return s;
}

static struct json_object *
output(const struct ops_ctx *ops)
{
	struct json_object *s = schema_object(), *g = schema_object();

	schema_add(g, "room", schema_parse("{\"type\":[\"string\",\"null\"],\"description\":"
	    "\"null for house-wide devices\"}"), true);
	schema_add(g, "room_name", schema_type("string", NULL), true);
	schema_add(g, "devices", schema_array(schema_device(), NULL), true);
	schema_add(s, "count", schema_type("integer", "How many devices matched"), true);
	schema_add(s, "rooms", schema_array(g, "The devices, grouped by room"), true);
	schema_add(s, "truncated", schema_type("boolean",
	    "true when more devices matched than were returned: use list_devices"), false);
	return s;
}

/* Groups devices (ordered by room already) into [{room, room_name,
 * devices}]; takes nothing, returns a new array. */
static struct json_object *
group(struct json_object *devs, size_t max)
{
	struct json_object *groups = json_object_new_array(), *cur = NULL;
	const char *cur_room = "";
	size_t n = json_object_array_length(devs);

	for (size_t i = 0; i < n && i < max; i++) {
		struct json_object *d = json_object_array_get_idx(devs, i);
		const char *room = NULL;

		json_get_string(d, "room", &room, true, NULL);
		if (cur == NULL || (room == NULL) != (cur_room == NULL) ||
		    (room != NULL && strcmp(room, cur_room) != 0)) {
			struct json_object *g = json_object_new_object(), *rn;

			json_object_object_add(g, "room", room ? json_object_new_string(room) : NULL);
			rn = json_object_object_get(d, "room_name");
			json_object_object_add(g, "room_name", rn != NULL ? json_object_get(rn) :
			    json_object_new_string(room ? room : "House-wide"));
			cur = json_object_new_array();
			json_object_object_add(g, "devices", cur);
			json_object_array_add(groups, g);
			cur_room = room;
		}
		json_object_array_add(cur, json_object_get(d));
	}
	return groups;
}

static int
call(struct tool_call *t)
{
	const char *id = NULL, *room = NULL, *type = NULL;
	struct json_object *devs = NULL, *one = NULL;
	size_t n;
	int r;

	json_get_string(t->args, "device_id", &id, true, NULL);
	json_get_string(t->args, "room", &room, true, NULL);
	json_get_string(t->args, "device_type", &type, true, NULL);
	if (id != NULL) {
		if ((r = ops_device_get(t->ops, id, &one, t->err)) < 0)
			return r;
		devs = json_object_new_array();
		json_object_array_add(devs, one);
	} else if ((r = ops_devices(t->ops, room, type, NULL, &devs, t->err)) < 0)
		return r;
	n = json_object_array_length(devs);
	if (n == 0) {
		json_object_put(devs);
		return tool_error(t, "no devices match%s%s%s%s", room ? " room " : "",
		    room ? room : "", type ? " type " : "", type ? type : "");
	}
	t->out = json_object_new_object();
	json_object_object_add(t->out, "count", json_object_new_int((int)n));
	json_object_object_add(t->out, "rooms", group(devs, STATUS_MAX));
	if (n > STATUS_MAX)
		json_object_object_add(t->out, "truncated", json_object_new_boolean(true));
	if (id != NULL)
		tool_summary(t, "%s is %s.", id,
		    json_object_get_string(json_object_object_get(one, "state")));
	else
		tool_summary(t, "%zu device%s%s%s.", n, n == 1 ? "" : "s",
		    room ? " in " : "", room ? room : "");
	json_object_put(devs);
	return 0;
}

const struct tool tool_get_device_status = {
	.name = "get_device_status",
	.title = "Device status",
	.description = "Get the current state and values of one device (device_id), or of "
	    "every device matching room and/or device_type, grouped by room. With no "
	    "arguments: the whole home.",
	.flags = TOOL_READ,
	.input = input,
	.output = output,
	.call = call,
};
