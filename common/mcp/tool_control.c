/* SPDX-License-Identifier: MIT */
/* tool_control.c -- control_device: one device by id, or every matching
 * device by room and/or type; and open_or_unlock, the one tool that opens
 * the home (a door lock, the garage), so that a client's "always allow"
 * for control_device never covers the front door. */
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
	    "position, speed or target_temp; lock: door locks (unlocking, and opening the "
	    "garage, are open_or_unlock's); feed: fish feeder; start/stop: EV charger."), true);
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
	struct ops_ctx ctx;
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

	/* Opening the home is open_or_unlock's alone. */
	ctx = *t->ops;
	ctx.opening_elsewhere = true;
	r = ops_control(&ctx, &req, &out, t->err);
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
	    "and/or of a type (room, device_type): turn on/off, toggle, open/close blinds, "
	    "close the garage, set values (brightness 0-100, position 0-100, fan speed 0-3, "
	    "thermostat target_temp and mode, color_temp), lock. It never opens the home: "
	    "unlocking a door or opening the garage is open_or_unlock. Returns every device "
	    "acted on with its new state.",
	.flags = 0,
	.input = input,
	.output = output,
	.call = call,
};

static struct json_object *
open_input(const struct ops_ctx *ops)
{
	struct json_object *s = schema_object();

	schema_add(s, "device_id", schema_type("string",
	    "The door lock to unlock or the garage to open, e.g. front_door_lock, "
	    "garage_door (see list_devices with device_type lock or garage)."), true);
	schema_add(s, "confirm", schema_type("boolean",
	    "Set to true only after the user has explicitly said yes to opening this "
	    "device; never on your own."), false);
	return s;
}

static int
open_call(struct tool_call *t)
{
	struct ops_control req = { 0 };
	struct json_object *dev = NULL, *out = NULL;
	const char *type;
	int r;

	json_get_string(t->args, "device_id", &req.device_id, false, NULL);
	if ((r = ops_device_get(t->ops, req.device_id, &dev, t->err)) < 0)
		return r;
	type = json_object_get_string(json_object_object_get(dev, "type"));
	req.action = type != NULL && strcmp(type, "lock") == 0 ? "unlock" :
	    type != NULL && strcmp(type, "garage") == 0 ? "open" : NULL;
	if (req.action == NULL) {
		json_object_put(dev);
		return tool_error(t, "%s is not a door lock or a garage: open_or_unlock opens "
		    "only those; control_device does the rest", req.device_id);
	}
	if (t->s != NULL && t->s->core->require_elicitation && !elicit_possible(t->s)) {
		json_object_put(dev);
		return tool_error(t, "This home opens its doors and the garage only for "
		    "assistants whose client can ask the user directly (MCP elicitation); "
		    "this one cannot: the user can open %s from the dashboard or the "
		    "command line", req.device_id);
	}
	/* With a client that can ask the person, only the person's yes
	 * counts (tool_confirmed). */
	req.confirm = tool_confirmed(t);
	if ((r = ops_control(t->ops, &req, &out, t->err)) < 0) {
		/* What the person is asked to allow (elicit.c). */
		if (r == -EPERM)
			tool_consent_one(t, dev, req.action);
		json_object_put(dev);
		return r;
	}
	json_object_put(dev);
	json_object_object_add(out, "action", json_object_new_string(req.action));
	t->out = out;
	t->wrote = true;
	tool_summary(t, "%s %s: %s.", req.action, req.device_id,
	    json_object_get_int(json_object_object_get(out, "changed")) ? "done" :
	    "no change (already so)");
	return 0;
}

const struct tool tool_open_or_unlock = {
	.name = "open_or_unlock",
	.title = "Unlock a door or open the garage",
	.description = "Unlock one door lock or open the garage: the only tool that opens "
	    "the home. It needs the user's explicit consent for this device: ask, and call "
	    "again with confirm: true once they said yes. Returns the device as it is now.",
	.flags = TOOL_DESTRUCTIVE | TOOL_IDEMPOTENT | TOOL_OPENS | TOOL_ASKS,
	.input = open_input,
	.output = output,
	.call = open_call,
};
