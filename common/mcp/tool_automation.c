/* SPDX-License-Identifier: MIT */
/* tool_automation.c -- list_automations, create_automation,
 * update_automation, enable_automation and remove_automation: an assistant
 * asked to "turn the porch light on at sunset" writes an automation
 * document; ops checks it against the home (and for loops) exactly as for
 * `homectl automation add`, and homectl-automations runs it. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "jsonutil.h"
#include "mcpcore.h"

#define DOC_HELP \
	"An automation document: {\"name\": \"porch light at sunset\", \"enabled\": true, " \
	"\"mode\": \"single\"|\"restart\"|\"queued\", \"persistent\": false, " \
	"\"triggers\": [...], \"conditions\": [...], \"actions\": [...]}. " \
	"Triggers: {\"device\": ID, \"property\"?: P, \"from\"?: V, \"to\"?: V, \"for_s\"?: N} " \
	"(a state change, held for_s seconds); {\"device\": ID, \"property\": P, \"above\"?: X, " \
	"\"below\"?: Y} (a number entering a range); {\"at\": \"Mon..Fri 07:00\"} (systemd " \
	"OnCalendar syntax, host time zone unless one is written: \"07:00 Europe/Berlin\"); " \
	"{\"sun\": \"sunrise\"|\"sunset\", \"offset_min\"?: -15}; {\"mode\": NAME, \"from\"?: " \
	"NAME}. Conditions (all must hold): {\"mode\": NAME}; {\"time\": {\"after\": \"17:00\", " \
	"\"before\": \"23:30\"}} (may span midnight); {\"weekday\": \"Mon..Fri\"}; " \
	"{\"device\": ID, \"property\"?: P, \"is\": V} or with \"above\"/\"below\"; " \
	"{\"any\": [...]}, {\"all\": [...]}, {\"not\": {...}}. Actions, in order: {\"device\": " \
	"ID, \"action\": A, \"properties\"?: {...}} as control_device takes them; {\"room\"?: R, " \
	"\"type\"?: T, \"action\": A} for every such device; {\"mode\": NAME}; " \
	"{\"delay_s\": N}. Use the device ids, actions and modes of list_devices and " \
	"get_home_mode."

static struct json_object *
automation_schema(const struct ops_ctx *c)
{
	return schema_parse("{\"type\":\"object\",\"properties\":{"
	    "\"name\":{\"type\":\"string\"},\"enabled\":{\"type\":\"boolean\"},"
	    "\"document\":{\"type\":\"object\",\"description\":\"The automation as stored\"},"
	    "\"next_run\":{\"type\":[\"string\",\"null\"],\"description\":\"UTC time of the "
	    "next time or sun trigger\"},"
	    "\"last_run\":{\"type\":[\"object\",\"null\"],\"description\":\"The newest run: "
	    "started_at, trigger, outcome (done, skipped, failed, ...), actions\"},"
	    "\"created_at\":{\"type\":\"string\"},\"updated_at\":{\"type\":\"string\"}},"
	    "\"required\":[\"name\",\"enabled\",\"document\"]}");
}

/* ---- list_automations ---- */

static struct json_object *
list_output(const struct ops_ctx *c)
{
	struct json_object *s = schema_object();

	schema_add(s, "automations", schema_array(automation_schema(c), NULL), true);
	schema_add(s, "count", schema_type("integer", NULL), true);
	return s;
}

static int
list_call(struct tool_call *t)
{
	struct json_object *list = NULL, *out;
	size_t n;
	int r;

	if ((r = ops_automations(t->ops, &list, t->err)) < 0)
		return r;
	n = json_object_array_length(list);
	out = json_object_new_object();
	json_object_object_add(out, "automations", list);
	json_object_object_add(out, "count", json_object_new_int64((int64_t)n));
	tool_summary(t, "%zu automation%s.", n, n == 1 ? "" : "s");
	t->out = out;
	return 0;
}

const struct tool tool_list_automations = {
	.name = "list_automations",
	.title = "List automations",
	.description = "The home's automations: each document, whether it is enabled, when its "
	    "time or sun trigger next fires, and how its last run went.",
	.flags = TOOL_READ,
	.input = NULL,
	.output = list_output,
	.call = list_call,
};

/* ---- create_automation, update_automation ---- */

static struct json_object *
confirm_schema(void)
{
	return schema_type("boolean", "Set to true only after the user has explicitly said yes: "
	    "needed when the automation's actions unlock a door or open the garage (then it "
	    "may do so on its own when it runs).");
}

static struct json_object *
put_input(const struct ops_ctx *c)
{
	struct json_object *s = schema_object();

	schema_add(s, "automation", schema_type("object", DOC_HELP), true);
	schema_add(s, "confirm", confirm_schema(), false);
	return s;
}

static int
put(struct tool_call *t, bool replace)
{
	struct json_object *doc = NULL, *out = NULL;
	int r;

	if (json_get_object_borrow(t->args, "automation", &doc, false) < 0)
		return tool_error(t, "\"automation\" must be an automation document (an object)");
	if ((r = ops_automation_put(t->ops, doc, replace, tool_confirmed(t), &out, t->err)) < 0) {
		char why[OPS_ERRLEN];

		/* What the person is asked to allow it (elicit.c). */
		if (r == -EPERM && ops_automation_consent(t->ops, doc, &t->consent, why) == 0)
			snprintf(t->ask, sizeof(t->ask), "%s the automation \"%.80s\"",
			    replace ? "update" : "create", json_object_get_string(
			    json_object_object_get(doc, "name")));
		return r;
	}
	tool_summary(t, "%s automation \"%s\"%s%s%s.", replace ? "Updated" : "Created",
	    json_object_get_string(json_object_object_get(out, "name")),
	    json_object_get_boolean(json_object_object_get(out, "enabled")) ? "" : " (disabled)",
	    json_object_object_get(out, "next_run") ? "; next run " : "",
	    json_object_object_get(out, "next_run") ?
	    json_object_get_string(json_object_object_get(out, "next_run")) : "");
	t->out = out;
	t->wrote = true;
	return 0;
}

static int
create_call(struct tool_call *t)
{
	return put(t, false);
}

static int
update_call(struct tool_call *t)
{
	return put(t, true);
}

const struct tool tool_create_automation = {
	.name = "create_automation",
	.title = "Create an automation",
	.description = "Make the home act on its own (\"turn the porch light on at sunset\"): "
	    "store a new automation. It is checked against the home first: an unknown device, "
	    "property, action or mode, a bad calendar expression, or an automation that would "
	    "set itself off forever is refused with the reason. homectl-automations runs it. "
	    "One that would unlock a door or open the garage needs the user's yes, given now "
	    "for those actions (their client asks them, or you ask and pass confirm: true); "
	    "it may then do them on its own.",
	.flags = TOOL_EDIT | TOOL_ASKS,
	.input = put_input,
	.output = automation_schema,
	.call = create_call,
};

const struct tool tool_update_automation = {
	.name = "update_automation",
	.title = "Update an automation",
	.description = "Replace the automation of the document's name with this document "
	    "(checked like create_automation; the user's yes to opening actions is asked "
	    "again).",
	.flags = TOOL_IDEMPOTENT | TOOL_EDIT | TOOL_ASKS,
	.input = put_input,
	.output = automation_schema,
	.call = update_call,
};

/* ---- enable_automation, remove_automation ---- */

static struct json_object *
enable_input(const struct ops_ctx *c)
{
	struct json_object *s = schema_object();

	schema_add(s, "name", schema_type("string", "The automation's name"), true);
	schema_add(s, "enabled", schema_type("boolean", "true: on, false: off"), true);
	schema_add(s, "confirm", confirm_schema(), false);
	return s;
}

static int
enable_call(struct tool_call *t)
{
	struct json_object *out = NULL;
	const char *name = NULL;
	bool on = true;
	int r;

	json_get_string(t->args, "name", &name, false, NULL);
	json_get_bool(t->args, "enabled", &on, false, true);
	if ((r = ops_automation_enable(t->ops, name, on, tool_confirmed(t), &out, t->err)) < 0) {
		struct json_object *a = NULL;
		char why[OPS_ERRLEN];

		/* What the person is asked to allow it (elicit.c). */
		if (r == -EPERM && ops_automation_get(t->ops, name, 0, &a, why) == 0 &&
		    ops_automation_consent(t->ops, json_object_object_get(a, "document"),
		    &t->consent, why) == 0)
			snprintf(t->ask, sizeof(t->ask), "turn on the automation \"%.80s\"", name);
		json_object_put(a);
		return r;
	}
	tool_summary(t, "Automation \"%s\" is %s.", name, on ? "on" : "off");
	t->out = out;
	t->wrote = true;
	return 0;
}

const struct tool tool_enable_automation = {
	.name = "enable_automation",
	.title = "Turn an automation on or off",
	.description = "Enable or disable an automation; a disabled one keeps its document and "
	    "runs but does nothing until enabled again. Turning on one that would unlock a "
	    "door or open the garage needs the user's yes, as create_automation.",
	.flags = TOOL_IDEMPOTENT | TOOL_ASKS,
	.input = enable_input,
	.output = automation_schema,
	.call = enable_call,
};

static struct json_object *
remove_input(const struct ops_ctx *c)
{
	struct json_object *s = schema_object();

	schema_add(s, "name", schema_type("string", "The automation's name"), true);
	return s;
}

static struct json_object *
remove_output(const struct ops_ctx *c)
{
	struct json_object *s = schema_object();

	schema_add(s, "removed", schema_type("string", "The automation's name"), true);
	return s;
}

static int
remove_call(struct tool_call *t)
{
	const char *name = NULL;
	int r;

	json_get_string(t->args, "name", &name, false, NULL);
	if ((r = ops_automation_remove(t->ops, name, tool_confirmed(t), t->err)) < 0)
		return r;
	t->out = json_object_new_object();
	json_object_object_add(t->out, "removed", json_object_new_string(name));
	tool_summary(t, "Removed automation \"%s\" and its runs.", name);
	t->wrote = true;
	return 0;
}

const struct tool tool_remove_automation = {
	.name = "remove_automation",
	.title = "Remove an automation",
	.description = "Delete an automation and the record of its runs.",
	.flags = TOOL_DESTRUCTIVE | TOOL_IDEMPOTENT | TOOL_EDIT,
	.input = remove_input,
	.output = remove_output,
	.call = remove_call,
};
