/* SPDX-License-Identifier: MIT */
/* tool_edit.c -- the tools that describe the home: add, update and remove
 * rooms and devices, save (create or replace) and remove modes with their
 * scenes.  Each maps its arguments onto common/ops (ops_home.c), which
 * checks and writes in one transaction; the confirm policy applies as to
 * every write, and --read-only leaves them out (they are not TOOL_READ). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "jsonutil.h"
#include "mcpcore.h"
#include "model.h"
#include "util.h"

static struct json_object *
id_schema(const char *what)
{
	char d[128];
	struct json_object *s;

	snprintf(d, sizeof(d), "The %s's id: 1 to 64 lowercase letters, digits and underscores",
	    what);
	s = schema_type("string", d);
	json_object_object_add(s, "pattern", json_object_new_string("^[a-z0-9_]{1,64}$"));
	return s;
}

static struct json_object *
name_schema(const char *description)
{
	struct json_object *s = schema_type("string", description);

	json_object_object_add(s, "minLength", json_object_new_int(1));
	json_object_object_add(s, "maxLength", json_object_new_int(128));
	return s;
}

/* The answer of every edit: what ops returned, as is. */
static struct json_object *
any_output(const struct ops_ctx *ops)
{
	return schema_type("object", NULL);
}

/* Takes ops' answer: on success its result, and the summary for people. */
static int done(struct tool_call *t, int r, struct json_object *out, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
done(struct tool_call *t, int r, struct json_object *out, const char *fmt, ...)
{
	va_list ap;

	if (r < 0)
		return r;
	t->out = out;
	t->wrote = true;
	va_start(ap, fmt);
	vfmt(t->summary, sizeof(t->summary), fmt, ap);
	va_end(ap);
	return 0;
}

static const char *
arg(struct tool_call *t, const char *key)
{
	const char *v = NULL;

	json_get_string(t->args, key, &v, true, NULL);
	return v;
}

/* ---- rooms ---- */

static struct json_object *
room_add_input(const struct ops_ctx *ops)
{
	struct json_object *s = schema_object();

	schema_add(s, "id", id_schema("room"), true);
	schema_add(s, "name", name_schema("Display name (default: made from the id)"), false);
	return s;
}

static int
room_add_call(struct tool_call *t)
{
	int r;
	struct json_object *out = NULL;
	const char *id = arg(t, "id");

	r = ops_room_add(t->ops, id, arg(t, "name"), tool_confirmed(t), &out, t->err);
	return done(t, r, out, "Added the room %s.", id);
}

const struct tool tool_add_room = {
	.name = "add_room",
	.title = "Add a room",
	.description = "Add a room to the home (it goes last in display order). Devices are put "
	    "in it with add_device or update_device.",
	.flags = TOOL_EDIT,
	.input = room_add_input,
	.output = any_output,
	.call = room_add_call,
};

static struct json_object *
room_update_input(const struct ops_ctx *ops)
{
	struct json_object *s = schema_object();

	schema_add(s, "id", id_schema("room"), true);
	schema_add(s, "name", name_schema("The new display name"), false);
	schema_add(s, "position", schema_int(0, 10000, "Display order: smaller comes first"),
	    false);
	return s;
}

static int
room_update_call(struct tool_call *t)
{
	int r;
	struct json_object *out = NULL;
	const char *id = arg(t, "id");
	int64_t pos = -1;
	int position;

	json_get_int(t->args, "position", &pos, true, -1);
	position = (int)pos;
	r = ops_room_edit(t->ops, id, arg(t, "name"), pos >= 0 ? &position : NULL,
	    tool_confirmed(t), &out, t->err);
	return done(t, r, out, "Updated the room %s.", id);
}

const struct tool tool_update_room = {
	.name = "update_room",
	.title = "Rename or reorder a room",
	.description = "Rename a room, or move it in the display order.",
	.flags = TOOL_IDEMPOTENT | TOOL_EDIT,
	.input = room_update_input,
	.output = any_output,
	.call = room_update_call,
};

static struct json_object *
id_only_input(const char *what)
{
	struct json_object *s = schema_object();

	schema_add(s, "id", id_schema(what), true);
	return s;
}

static struct json_object *
room_remove_input(const struct ops_ctx *ops)
{
	return id_only_input("room");
}

static int
room_remove_call(struct tool_call *t)
{
	int r;
	struct json_object *out = NULL;
	const char *id = arg(t, "id");

	r = ops_room_remove(t->ops, id, tool_confirmed(t), &out, t->err);
	return done(t, r, out,
	    "Removed the room %s; its devices (house_wide) now belong to no room.", id);
}

const struct tool tool_remove_room = {
	.name = "remove_room",
	.title = "Remove a room",
	.description = "Remove a room. Its devices stay, house-wide (the answer lists them).",
	.flags = TOOL_DESTRUCTIVE | TOOL_EDIT,
	.input = room_remove_input,
	.output = any_output,
	.call = room_remove_call,
};

/* ---- devices ---- */

static struct json_object *
device_add_input(const struct ops_ctx *ops)
{
	struct json_object *s = schema_object();

	schema_add(s, "id", id_schema("device"), true);
	/* Every type of the model: a new device may be of a type the home
	 * does not have yet. */
	schema_add(s, "type", schema_enum(model_type_names,
	    "What it is; it starts in the type's initial state"), true);
	schema_add(s, "room", schema_type("string", "A room's id (list_rooms); leave out for "
	    "a house-wide device"), false);
	schema_add(s, "name", name_schema("Display name (default: made from the id)"), false);
	return s;
}

static int
device_add_call(struct tool_call *t)
{
	int r;
	struct json_object *out = NULL;
	const char *id = arg(t, "id");

	r = ops_device_add(t->ops, id, arg(t, "type"), arg(t, "room"), arg(t, "name"),
	    tool_confirmed(t), &out, t->err);
	return done(t, r, out, "Added the device %s.", id);
}

const struct tool tool_add_device = {
	.name = "add_device",
	.title = "Add a device",
	.description = "Add a device to the home, of one of the model's types, in a room or "
	    "house-wide. It can be controlled at once.",
	.flags = TOOL_EDIT,
	.input = device_add_input,
	.output = any_output,
	.call = device_add_call,
};

static struct json_object *
device_update_input(const struct ops_ctx *ops)
{
	struct json_object *s = schema_object();

	schema_add(s, "id", id_schema("device"), true);
	schema_add(s, "name", name_schema("The new display name"), false);
	schema_add(s, "room", schema_type("string", "Move it to this room (a room's id)"),
	    false);
	schema_add(s, "house_wide", schema_type("boolean", "true: take it out of its room"),
	    false);
	return s;
}

static int
device_update_call(struct tool_call *t)
{
	int r;
	struct ops_device_edit e = { .name = arg(t, "name"), .room = arg(t, "room") };
	struct json_object *out = NULL;
	const char *id = arg(t, "id");

	json_get_bool(t->args, "house_wide", &e.no_room, true, false);
	r = ops_device_edit(t->ops, id, &e, tool_confirmed(t), &out, t->err);
	return done(t, r, out,
	    "Updated the device %s.", id);
}

const struct tool tool_update_device = {
	.name = "update_device",
	.title = "Rename or move a device",
	.description = "Rename a device, move it to another room, or make it house-wide. Its "
	    "type cannot change: remove it and add it again.",
	.flags = TOOL_IDEMPOTENT | TOOL_EDIT,
	.input = device_update_input,
	.output = any_output,
	.call = device_update_call,
};

static struct json_object *
device_remove_input(const struct ops_ctx *ops)
{
	struct json_object *s = id_only_input("device");

	schema_add(s, "force", schema_type("boolean", "true: remove it even when automations "
	    "use it, and disable them (default false: refused, naming them)"), false);
	return s;
}

static int
device_remove_call(struct tool_call *t)
{
	int r;
	struct json_object *out = NULL;
	const char *id = arg(t, "id");
	bool force = false;

	json_get_bool(t->args, "force", &force, true, false);
	r = ops_device_remove(t->ops, id, tool_confirmed(t), force, &out, t->err);
	return done(t, r, out,
	    "Removed the device %s (the scenes that named it lost that step).", id);
}

const struct tool tool_remove_device = {
	.name = "remove_device",
	.title = "Remove a device",
	.description = "Remove a device from the home. The modes whose scene named it lose "
	    "that step (the answer lists them). When automations use it, the removal is refused "
	    "naming them, unless force is true: they are then disabled (the answer lists them).",
	.flags = TOOL_DESTRUCTIVE | TOOL_EDIT,
	.input = device_remove_input,
	.output = any_output,
	.call = device_remove_call,
};

/* ---- modes ---- */

static struct json_object *
mode_save_input(const struct ops_ctx *ops)
{
	struct json_object *s = schema_object();

	schema_add(s, "name", id_schema("mode"), true);
	schema_add(s, "description", schema_type("string", "What the mode is for"), false);
	schema_add(s, "scene", schema_parse("{\"type\":\"array\",\"description\":\"The steps "
	    "run in order when the home switches to this mode; replaces the mode's scene\","
	    "\"items\":{\"type\":\"object\",\"required\":[\"device\",\"action\"],"
	    "\"properties\":{\"device\":{\"type\":\"string\",\"description\":\"A device id\"},"
	    "\"action\":{\"type\":\"string\",\"description\":\"One of the device's actions\"},"
	    "\"properties\":{\"type\":\"object\",\"description\":\"Values for the action, e.g. "
	    "{\\\"brightness\\\": 20}\"}}}}"), false);
	return s;
}

static int
mode_save_call(struct tool_call *t)
{
	int r;
	struct json_object *out = NULL, *scene = NULL;
	const char *name = arg(t, "name");

	json_object_object_get_ex(t->args, "scene", &scene);
	r = ops_mode_put(t->ops, name, arg(t, "description"), scene, false,
	    tool_confirmed(t), &out, t->err);
	return done(t, r, out, "Saved the mode %s.", name);
}

const struct tool tool_save_mode = {
	.name = "save_mode",
	.title = "Create or change a mode",
	.description = "Create a home mode, or change one: its description and its scene (the "
	    "device actions set_home_mode runs). What is left out is kept. Each step is "
	    "checked against its device's type.",
	.flags = TOOL_IDEMPOTENT | TOOL_EDIT,
	.input = mode_save_input,
	.output = any_output,
	.call = mode_save_call,
};

static struct json_object *
mode_remove_input(const struct ops_ctx *ops)
{
	struct json_object *s = schema_object();

	schema_add(s, "name", schema_home_enum(ops, HOME_MODES, "The mode to remove"), true);
	return s;
}

static int
mode_remove_call(struct tool_call *t)
{
	int r;
	struct json_object *out = NULL;
	const char *name = arg(t, "name");

	r = ops_mode_remove(t->ops, name, tool_confirmed(t), &out, t->err);
	return done(t, r, out,
	    "Removed the mode %s.", name);
}

const struct tool tool_remove_mode = {
	.name = "remove_mode",
	.title = "Remove a mode",
	.description = "Remove a home mode and its scene. The active mode cannot be removed: "
	    "switch to another first.",
	.flags = TOOL_DESTRUCTIVE | TOOL_EDIT,
	.input = mode_remove_input,
	.output = any_output,
	.call = mode_remove_call,
};
