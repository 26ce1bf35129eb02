/* SPDX-License-Identifier: MIT */
/* tool_control.c -- control_device: one device by id, or every matching
 * device by room and/or type, with confirmation for opening the home. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "jsonutil.h"
#include "mcpcore.h"
#include "model.h"

/* The device values control_device passes through to the model. */
static const char *const values[] = { "brightness", "position", "speed", "target_temp",
	"mode", "color_temp", "duration", NULL };

static struct json_object *
input(const struct ops_ctx *ops)
{
	struct json_object *s = schema_object();

	schema_add(s, "action", schema_enum(model_actions,
	    "What to do. on/off/toggle: lights, switches, plugs, fans, sprinklers; "
	    "open/close: blinds and the garage; set: change values such as brightness, "
	    "position, speed or target_temp; lock/unlock: door locks; feed: fish feeder; "
	    "start/stop: EV charger."), true);
	schema_add(s, "device_id", schema_type("string",
	    "One device, e.g. living_room_light_main (see list_devices). Leave out to act "
	    "on every device matching room and/or device_type."), false);
	schema_add(s, "room", schema_type("string",
	    "Bulk: every device in this room that supports the action (see list_rooms)."),
	    false);
	schema_add(s, "device_type", schema_home_enum(ops, HOME_TYPES,
	    "Bulk: every device of this type (within room, if given)."), false);
	schema_add(s, "brightness", schema_prop("brightness", NULL), false);
	schema_add(s, "position", schema_prop("position", NULL), false);
	schema_add(s, "speed", schema_prop("speed", NULL), false);
	schema_add(s, "target_temp", schema_prop("target_temp", NULL), false);
	schema_add(s, "mode", schema_prop("mode", "Thermostat mode: heat, cool, auto or off"),
	    false);
	schema_add(s, "color_temp", schema_prop("color_temp", NULL), false);
	schema_add(s, "duration", schema_prop("duration", NULL), false);
	schema_add(s, "confirm", schema_type("boolean",
	    "Set to true only after the user has explicitly confirmed an action that opens "
	    "the home (unlocking a door, opening the garage)."), false);
	return s;
}

static struct json_object *
output(const struct ops_ctx *ops)
{
	struct json_object *s = schema_object();

	schema_add(s, "action", schema_type("string", NULL), true);
	schema_add(s, "changed", schema_type("integer",
	    "How many devices actually changed state"), true);
	schema_add(s, "devices", schema_array(schema_device(),
	    "Every device acted on, as it is now"), true);
	schema_add(s, "skipped", schema_parse("{\"type\":\"array\",\"items\":{\"type\":"
	    "\"object\",\"required\":[\"id\",\"reason\"],\"properties\":{\"id\":{\"type\":"
	    "\"string\"},\"reason\":{\"type\":\"string\"}}},\"description\":"
	    "\"Devices that matched but do not support the action\"}"), true);
	return s;
}

static int
call(struct tool_call *t)
{
	struct ops_control req = { 0 };
	struct json_object *props = json_object_new_object(), *v, *out = NULL;
	size_t nskip;
	int r;

	json_get_string(t->args, "action", &req.action, false, NULL);
	json_get_string(t->args, "device_id", &req.device_id, true, NULL);
	json_get_string(t->args, "room", &req.room, true, NULL);
	json_get_string(t->args, "device_type", &req.type, true, NULL);
	req.confirm = tool_confirmed(t);
	for (const char *const *k = values; *k != NULL; k++)
		if (json_object_object_get_ex(t->args, *k, &v))
			json_object_object_add(props, *k, json_object_get(v));
	req.props = json_object_object_length(props) > 0 ? props : NULL;

	r = ops_control(t->ops, &req, &out, t->err);
	json_object_put(props);
	if (r < 0)
		return r;
	json_object_object_add(out, "action", json_object_new_string(req.action));
	t->out = out;
	t->wrote = true;
	nskip = json_object_array_length(json_object_object_get(out, "skipped"));
	if (req.device_id != NULL)
		tool_summary(t, "%s %s: %s.", req.action, req.device_id,
		    json_object_get_int(json_object_object_get(out, "changed")) ?
		    "done" : "no change (already so)");
	else
		tool_summary(t, "%s on %s%s%s: %d of %zu devices changed, %zu skipped.",
		    req.action, req.type ? req.type : "devices", req.room ? " in " : "",
		    req.room ? req.room : "",
		    json_object_get_int(json_object_object_get(out, "changed")),
		    json_object_array_length(json_object_object_get(out, "devices")), nskip);
	return 0;
}

const struct tool tool_control_device = {
	.name = "control_device",
	.title = "Control devices",
	.description = "Control one device (device_id) or, in bulk, every device in a room "
	    "and/or of a type (room, device_type): turn on/off, toggle, open/close, set values "
	    "(brightness 0-100, position 0-100, fan speed 0-3, thermostat target_temp and "
	    "mode, color_temp), lock/unlock. Unlocking a door or opening the garage requires "
	    "the user's explicit confirmation and confirm: true. Returns every device acted "
	    "on with its new state.",
	.flags = TOOL_DESTRUCTIVE,
	.input = input,
	.output = output,
	.call = call,
};
