/* SPDX-License-Identifier: MIT */
/* tool_mode.c -- set_home_mode and get_home_mode: the active mode and the
 * scene each mode applies. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "jsonutil.h"
#include "mcpcore.h"
#include "model.h"

static struct json_object *
scene_schema(void)
{
	return schema_parse("{\"type\":\"array\",\"description\":\"What the mode does\","
	    "\"items\":{\"type\":\"object\",\"required\":[\"device_id\",\"action\"],"
	    "\"properties\":{\"device_id\":{\"type\":\"string\"},\"action\":{\"type\":"
	    "\"string\"},\"properties\":{\"type\":\"object\"}}}}");
}

static struct json_object *
set_input(const struct ops_ctx *ops)
{
	struct json_object *s = schema_object();

	/* The home's own modes: get_home_mode describes each. */
	schema_add(s, "mode", schema_home_enum(ops, HOME_MODES,
	    "One of the home's modes (get_home_mode says what each does)"), true);
	/* Always offered: a scene edited to open the home asks, whatever the
	 * confirm setting. */
	schema_add(s, "confirm", schema_type("boolean",
	    "Set to true only after the user has explicitly confirmed: needed when the mode's "
	    "scene opens the home (unlocks a door, opens the garage)."), false);
	return s;
}

static struct json_object *
set_output(const struct ops_ctx *ops)
{
	struct json_object *s = schema_object();

	schema_add(s, "mode", schema_type("string", "The mode now active"), true);
	schema_add(s, "previous", schema_parse("{\"type\":[\"string\",\"null\"]}"), true);
	schema_add(s, "description", schema_type("string", NULL), false);
	schema_add(s, "changed", schema_type("integer", "Devices whose state changed"), true);
	schema_add(s, "devices", schema_array(schema_device(), "Devices the scene touched"),
	    true);
	schema_add(s, "skipped", schema_array(schema_type("object", NULL), NULL), false);
	return s;
}

static int
set_call(struct tool_call *t)
{
	const char *mode = NULL, *previous;
	struct json_object *out = NULL;
	int r;

	json_get_string(t->args, "mode", &mode, false, NULL);
	if ((r = ops_mode_set(t->ops, mode, tool_confirmed(t), &out, t->err)) < 0) {
		/* What the person is asked to allow: every step of the scene
		 * the same rule refuses without a yes (elicit.c). */
		char why[OPS_ERRLEN];

		if (r == -EPERM && ops_mode_consent(t->ops, mode, &t->consent, why) == 0)
			snprintf(t->ask, sizeof(t->ask), "set the home mode to %s", mode);
		return r;
	}
	t->out = out;
	t->wrote = true;
	previous = json_object_get_string(json_object_object_get(out, "previous"));

	tool_summary(t, "Home mode is now %s (was %s); %d device%s changed.", mode,
	    previous != NULL ? previous : "unset",
	    json_object_get_int(json_object_object_get(out, "changed")),
	    json_object_get_int(json_object_object_get(out, "changed")) == 1 ? "" : "s");
	return 0;
}

const struct tool tool_set_home_mode = {
	.name = "set_home_mode",
	.title = "Set the home mode",
	.description = "Switch the home to one of its modes (e.g. home, away, sleep): applies the "
	    "mode's scene to lights, locks, thermostat and garage in one step and records the "
	    "active mode. A mode whose scene unlocks a door or opens the garage needs the "
	    "user's yes: their client asks them, or you ask and pass confirm: true.",
	.flags = TOOL_IDEMPOTENT | TOOL_ASKS,
	.input = set_input,
	.output = set_output,
	.call = set_call,
};

static struct json_object *
get_output(const struct ops_ctx *ops)
{
	struct json_object *s = schema_object();

	schema_add(s, "mode", schema_type("string", "The active mode"), true);
	schema_add(s, "description", schema_type("string", NULL), true);
	schema_add(s, "scene", scene_schema(), true);
	schema_add(s, "available", schema_array(schema_type("string", NULL),
	    "Every mode set_home_mode accepts"), true);
	return s;
}

static int
get_call(struct tool_call *t)
{
	struct json_object *out = NULL, *modes = NULL, *avail, *clean;
	int r;

	if ((r = ops_mode_get(t->ops, &out, t->err)) < 0)
		return r;
	if ((r = ops_modes(t->ops, &modes, t->err)) < 0) {
		json_object_put(out);
		return r;
	}
	avail = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(modes); i++)
		json_object_array_add(avail, json_object_get(json_object_object_get(
		    json_object_array_get_idx(modes, i), "name")));
	json_object_put(modes);
	clean = json_object_new_object();
	json_object_object_add(clean, "mode", json_object_get(json_object_object_get(out,
	    "mode")));
	json_object_object_add(clean, "description",
	    json_object_object_get(out, "description") ?
	    json_object_get(json_object_object_get(out, "description")) :
	    json_object_new_string(""));
	json_object_object_add(clean, "scene", json_object_get(json_object_object_get(out,
	    "scene")));
	json_object_object_add(clean, "available", avail);
	tool_summary(t, "The home is in %s mode.",
	    json_object_get_string(json_object_object_get(out, "mode")));
	json_object_put(out);
	t->out = clean;
	return 0;
}

const struct tool tool_get_home_mode = {
	.name = "get_home_mode",
	.title = "Current home mode",
	.description = "Get the active home mode, what its scene does to each device, and the "
	    "modes available.",
	.flags = TOOL_READ,
	.input = NULL,
	.output = get_output,
	.call = get_call,
};
