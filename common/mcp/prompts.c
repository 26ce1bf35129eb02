/* SPDX-License-Identifier: MIT */
/* prompts.c -- the conversations people start most (good night, leaving,
 * what is on and open, a new automation) as MCP prompts with arguments,
 * and completion/complete for their arguments (rooms, modes, automation
 * names) and for the device id of the resource template: the values come
 * from the home as it is now. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonutil.h"
#include "mcpcore.h"
#include "util.h"

#define COMPLETE_MAX	100	/* values per completion (the specification's cap) */

/* Where an argument's completions come from. */
enum arg_source { SRC_NONE, SRC_ROOMS, SRC_MODES, SRC_DEVICES, SRC_AUTOMATIONS };

struct prompt_arg {
	const char	*name;
	const char	*description;
	bool		 required;
	enum arg_source	 source;
};

struct prompt {
	const char		*name;
	const char		*title;
	const char		*description;
	struct prompt_arg	 args[3];	/* ends at name == NULL */
	/* The user's message; %s are the arguments in order ("" when absent). */
	const char		*text;
};

static const struct prompt prompts[] = {
	{ "good_night", "Good night",
	  "Get the home ready for the night: lights off, doors locked, the sleep mode.",
	  { { "keep_on", "A room whose lights stay on (optional)", false, SRC_ROOMS } },
	  "I'm going to bed. Switch the home to the sleep mode, then tell me what is still "
	  "on or unlocked and turn the lights off%s%s. Lock the doors that are unlocked. "
	  "Ask me before anything you are unsure of." },
	{ "leaving", "I'm leaving",
	  "Leave the home: the away (or vacation) mode, and a check of what is open.",
	  { { "mode", "The mode to set, away by default (vacation for a long trip)", false,
	      SRC_MODES } },
	  "I'm leaving the house. Set the mode %s%s, then list every window, door, blind, "
	  "garage and appliance that is still open, unlocked or running, and ask me before "
	  "you close or stop any of them." },
	{ "whats_on", "What is on and open",
	  "Everything that is on, open, unlocked or running, room by room.",
	  { { "room", "Only this room (optional)", false, SRC_ROOMS } },
	  "What is on, open, unlocked or running right now%s%s? Group it by room and say how "
	  "long each has been so. Change nothing." },
	{ "setup_automation", "Set up an automation",
	  "Turn a sentence into an automation, checked before it is saved.",
	  { { "description", "What should happen, and when (\"porch light on at sunset\")",
	      true, SRC_NONE },
	    { "room", "The room it is about (optional)", false, SRC_ROOMS } },
	  "Set up an automation: %s%s%s. Look up the device ids first, show me the automation "
	  "you would save and what it would do today, and save it only once I agree." },
	{ "explain_automation", "Explain an automation",
	  "What an automation does, when it runs, and what it did lately.",
	  { { "name", "The automation (see list_automations)", true, SRC_AUTOMATIONS } },
	  "Explain the automation %s%s in plain words: what sets it off, what it checks, "
	  "what it does, and what its last runs did. Change nothing." },
};

static const struct prompt *
prompt_find(const char *name)
{
	for (size_t i = 0; i < NELEMS(prompts); i++)
		if (strcmp(prompts[i].name, name) == 0)
			return &prompts[i];
	return NULL;
}

int
prompts_list(struct mcp_sess *s, struct json_object *params, struct json_object **result,
    struct rpc_error *err)
{
	struct json_object *list = json_object_new_array(), *r = json_object_new_object();
	const char *cursor = NULL;

	if (params != NULL && json_get_string(params, "cursor", &cursor, true, NULL) < 0)
		cursor = "";
	if (cursor != NULL) {
		json_object_put(list);
		json_object_put(r);
		return rpc_fail(err, RPC_INVALID_PARAMS, "Invalid params: unknown cursor");
	}
	for (size_t i = 0; i < NELEMS(prompts); i++) {
		const struct prompt *p = &prompts[i];
		struct json_object *o = json_object_new_object(), *args = json_object_new_array();

		json_object_object_add(o, "name", json_object_new_string(p->name));
		if (s->proto <= PROTO_2025_06_18)
			json_object_object_add(o, "title", json_object_new_string(p->title));
		json_object_object_add(o, "description", json_object_new_string(p->description));
		for (const struct prompt_arg *a = p->args; a->name != NULL; a++) {
			struct json_object *ao = json_object_new_object();

			json_object_object_add(ao, "name", json_object_new_string(a->name));
			json_object_object_add(ao, "description",
			    json_object_new_string(a->description));
			json_object_object_add(ao, "required", json_object_new_boolean(a->required));
			json_object_array_add(args, ao);
		}
		json_object_object_add(o, "arguments", args);
		json_object_array_add(list, o);
	}
	json_object_object_add(r, "prompts", list);
	*result = r;
	return 0;
}

int
prompts_get(struct mcp_sess *s, struct json_object *params, struct json_object **result,
    struct rpc_error *err)
{
	const char *name = NULL, *v[3] = { "", "", "" }, *pre[3] = { "", "", "" };
	struct json_object *args = NULL, *r, *msgs, *m, *c;
	const struct prompt *p;
	char text[2048];
	size_t n = 0;

	if (params == NULL || json_get_string(params, "name", &name, false, NULL) < 0)
		return rpc_fail(err, RPC_INVALID_PARAMS,
		    "Invalid params: prompts/get needs a string \"name\"");
	if ((p = prompt_find(name)) == NULL)
		return rpc_fail(err, RPC_INVALID_PARAMS, "Invalid params: no prompt %.100s "
		    "(prompts/list has good_night, leaving, whats_on, setup_automation, "
		    "explain_automation)", name);
	if (json_object_object_get_ex(params, "arguments", &args) && args != NULL &&
	    !json_object_is_type(args, json_type_object))
		return rpc_fail(err, RPC_INVALID_PARAMS,
		    "Invalid params: \"arguments\" must be an object of strings");
	if (args != NULL) {
		json_object_object_foreach(args, key, val) {
			const struct prompt_arg *a;

			for (a = p->args; a->name != NULL && strcmp(a->name, key) != 0; a++)
				;
			if (a->name == NULL)
				return rpc_fail(err, RPC_INVALID_PARAMS,
				    "Invalid params: %s takes no argument %.64s", p->name, key);
			if (!json_object_is_type(val, json_type_string))
				return rpc_fail(err, RPC_INVALID_PARAMS,
				    "Invalid params: argument %s must be a string", key);
		}
	}
	for (const struct prompt_arg *a = p->args; a->name != NULL; a++, n++) {
		const char *val = NULL;

		if (args != NULL)
			json_get_string(args, a->name, &val, true, NULL);
		if (val != NULL && *val != '\0') {
			v[n] = val;
			/* How each argument reads inside the sentence. */
			pre[n] = strcmp(a->name, "keep_on") == 0 ? ", except in " :
			    strcmp(a->name, "mode") == 0 ? "to " :
			    strcmp(a->name, "room") == 0 ? (strcmp(p->name, "whats_on") == 0 ?
			    " in " : ", in the room ") : "";
		} else if (a->required) {
			return rpc_fail(err, RPC_INVALID_PARAMS,
			    "Invalid params: %s needs the argument %s", p->name, a->name);
		} else if (strcmp(a->name, "mode") == 0) {
			pre[n] = "to ";
			v[n] = "away";
		}
	}
	/* The formats are the constant texts of the table above. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	if (strcmp(p->name, "setup_automation") == 0)
		snprintf(text, sizeof(text), p->text, v[0], pre[1], v[1]);
	else
		snprintf(text, sizeof(text), p->text, pre[0], v[0]);
#pragma GCC diagnostic pop
	r = json_object_new_object();
	json_object_object_add(r, "description", json_object_new_string(p->description));
	msgs = json_object_new_array();
	m = json_object_new_object();
	json_object_object_add(m, "role", json_object_new_string("user"));
	c = json_object_new_object();
	json_object_object_add(c, "type", json_object_new_string("text"));
	json_object_object_add(c, "text", json_object_new_string(text));
	json_object_object_add(m, "content", c);
	json_object_array_add(msgs, m);
	json_object_object_add(r, "messages", msgs);
	*result = r;
	return 0;
}

/* Adds to values the strings at key of each element of list that start with
 * prefix (case-insensitively); counts them all in *total. */
static void
add_matches(struct json_object *values, struct json_object *list, const char *key,
    const char *prefix, size_t *total)
{
	size_t plen = strlen(prefix);

	for (size_t i = 0, n = json_object_array_length(list); i < n; i++) {
		const char *v = json_object_get_string(json_object_object_get(
		    json_object_array_get_idx(list, i), key));

		if (v == NULL || strncasecmp(v, prefix, plen) != 0)
			continue;
		if (json_object_array_length(values) < COMPLETE_MAX)
			json_object_array_add(values, json_object_new_string(v));
		(*total)++;
	}
}

int
completion_complete(struct mcp_sess *s, struct json_object *params,
    struct json_object **result, struct rpc_error *err)
{
	struct json_object *ref = NULL, *arg = NULL, *list = NULL, *values, *c, *r;
	const char *type = NULL, *name = NULL, *uri = NULL, *argname = NULL, *value = NULL;
	const char *key = "id";
	enum arg_source src = SRC_NONE;
	char ebuf[OPS_ERRLEN];
	size_t total = 0;
	int rc = 0;

	if (params == NULL || json_get_object_borrow(params, "ref", &ref, false) < 0 ||
	    json_get_object_borrow(params, "argument", &arg, false) < 0 ||
	    json_get_string(ref, "type", &type, false, NULL) < 0 ||
	    json_get_string(arg, "name", &argname, false, NULL) < 0 ||
	    json_get_string(arg, "value", &value, false, NULL) < 0)
		return rpc_fail(err, RPC_INVALID_PARAMS, "Invalid params: completion/complete "
		    "needs ref {type, name|uri} and argument {name, value}");
	if (strcmp(type, "ref/prompt") == 0 &&
	    json_get_string(ref, "name", &name, false, NULL) == 0) {
		const struct prompt *p = prompt_find(name);
		const struct prompt_arg *a;

		if (p == NULL)
			return rpc_fail(err, RPC_INVALID_PARAMS, "Invalid params: no prompt %.100s",
			    name);
		for (a = p->args; a->name != NULL && strcmp(a->name, argname) != 0; a++)
			;
		if (a->name == NULL)
			return rpc_fail(err, RPC_INVALID_PARAMS,
			    "Invalid params: %s has no argument %.64s", name, argname);
		src = a->source;
	} else if (strcmp(type, "ref/resource") == 0 &&
	    json_get_string(ref, "uri", &uri, false, NULL) == 0) {
		if (strcmp(uri, "homectl://devices/{id}") != 0 || strcmp(argname, "id") != 0)
			return rpc_fail(err, RPC_INVALID_PARAMS, "Invalid params: no template "
			    "argument %.64s in %.200s", argname, uri);
		src = SRC_DEVICES;
	} else
		return rpc_fail(err, RPC_INVALID_PARAMS,
		    "Invalid params: ref.type must be ref/prompt (with name) or ref/resource "
		    "(with uri)");

	values = json_object_new_array();
	if (src == SRC_ROOMS)
		rc = ops_rooms(s->core->ops, &list, ebuf);
	else if (src == SRC_MODES) {
		rc = ops_modes(s->core->ops, &list, ebuf);
		key = "name";
	} else if (src == SRC_DEVICES)
		rc = ops_devices(s->core->ops, NULL, NULL, NULL, &list, ebuf);
	else if (src == SRC_AUTOMATIONS) {
		rc = ops_automations(s->core->ops, &list, ebuf);
		key = "name";
	}
	if (rc == 0 && list != NULL)
		add_matches(values, list, key, value, &total);
	json_object_put(list);
	if (rc < 0) {
		json_object_put(values);
		return rpc_fail(err, RPC_INTERNAL_ERROR, "Internal error: %s", ebuf);
	}
	c = json_object_new_object();
	json_object_object_add(c, "values", values);
	json_object_object_add(c, "total", json_object_new_int64((int64_t)total));
	json_object_object_add(c, "hasMore", json_object_new_boolean(total >
	    json_object_array_length(values)));
	r = json_object_new_object();
	json_object_object_add(r, "completion", c);
	*result = r;
	return 0;
}
