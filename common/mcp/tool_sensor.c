/* SPDX-License-Identifier: MIT */
/* tool_sensor.c -- get_sensor_reading: what the temperature and motion
 * sensors report (only the kinds the model can really serve). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "jsonutil.h"
#include "mcpcore.h"
#include "model.h"

static struct json_object *
input(const struct ops_ctx *ops)
{
	struct json_object *s = schema_object();

	schema_add(s, "sensor_type", schema_home_enum(ops, HOME_SENSORS, "Which sensors to read"),
	    true);
	schema_add(s, "room", schema_type("string", "Only sensors in this room"), false);
	return s;
}

static struct json_object *
output(const struct ops_ctx *ops)
{
	struct json_object *s = schema_object(), *rd;

	rd = schema_parse("{\"type\":\"object\",\"required\":[\"device_id\",\"state\"],"
	    "\"properties\":{\"device_id\":{\"type\":\"string\"},\"name\":{\"type\":\"string\"},"
	    "\"room\":{\"type\":[\"string\",\"null\"]},\"state\":{\"type\":\"string\"},"
	    "\"properties\":{\"type\":\"object\",\"description\":"
	    "\"value and unit for temperature, last_motion for motion\"},"
	    "\"updated_at\":{\"type\":\"string\"}}}");
	schema_add(s, "sensor_type", schema_home_enum(ops, HOME_SENSORS, NULL), true);
	schema_add(s, "count", schema_type("integer", NULL), true);
	schema_add(s, "readings", schema_array(rd, NULL), true);
	return s;
}

static int
call(struct tool_call *t)
{
	const char *kind = NULL, *room = NULL;
	struct json_object *out = NULL;
	size_t n;
	int r;

	json_get_string(t->args, "sensor_type", &kind, false, NULL);
	json_get_string(t->args, "room", &room, true, NULL);
	if ((r = ops_sensor_reading(t->ops, kind, room, &out, t->err)) < 0)
		return r;
	n = json_object_array_length(json_object_object_get(out, "readings"));
	json_object_object_add(out, "count", json_object_new_int((int)n));
	t->out = out;
	tool_summary(t, "%zu %s sensor%s%s%s.", n, kind, n == 1 ? "" : "s", room ? " in " : "",
	    room ? room : "");
	return 0;
}

const struct tool tool_get_sensor_reading = {
	.name = "get_sensor_reading",
	.title = "Sensor readings",
	.description = "Read the home's sensors of one kind: temperature (value in °F) or "
	    "motion (state motion/no_motion and when motion was last seen), optionally in "
	    "one room.",
	.flags = TOOL_READ,
	.input = input,
	.output = output,
	.call = call,
};
