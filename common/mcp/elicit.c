/* SPDX-License-Identifier: MIT */
/* elicit.c -- consent the model cannot give itself.  When a TOOL_ASKS tool
 * (open_or_unlock, set_home_mode) is refused for want of the user's yes
 * and the client declared the elicitation capability, the server asks the
 * person through elicitation/create (a form naming what the call would do
 * and each action that needs the yes: device and action) instead of
 * telling the model to pass confirm: true; the tools/call is answered once
 * the person has answered: the tool runs again with their yes only on
 * accept, and a decline or a cancel changes nothing.  Which actions need
 * the yes is ops' one rule (ops_confirm_check); this file only asks. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonutil.h"
#include "log.h"
#include "mcpcore.h"

#define ELICIT_MAX	8	/* questions out per session */

struct mcp_elicit {
	struct mcp_elicit	*next;
	char			 id[40];	/* our request's id */
	struct json_object	*req_id;	/* the tools/call's id (a reference) */
	struct json_object	*params;	/* its params (a copy) */
};

bool
elicit_possible(const struct mcp_sess *s)
{
	return s->can_elicit && s->async_ok;
}

/* "unlock front_door_lock (Front door lock)" for one {"device", "name",
 * "action"} of the consent list, appended to buf at *off. */
static void
describe(struct json_object *one, char *buf, size_t len, size_t *off, bool first)
{
	const char *dev = NULL, *name = NULL, *action = NULL;
	int n;

	if (*off >= len)
		return;
	json_get_string(one, "device", &dev, true, "?");
	json_get_string(one, "name", &name, true, NULL);
	json_get_string(one, "action", &action, true, "?");
	n = snprintf(buf + *off, len - *off, "%s%s %s%s%s%s", first ? "" : "; ", action, dev,
	    name != NULL ? " (" : "", name != NULL ? name : "", name != NULL ? ")" : "");
	*off += n > 0 ? (size_t)n : 0;
	if (*off >= len)
		*off = len - 1;
}

bool
elicit_start(struct mcp_sess *s, const struct tool_call *t)
{
	struct json_object *req, *p, *schema, *props, *c, *req_list;
	struct mcp_elicit *e;
	unsigned n = 0;
	char msg[1024], what[768] = "";
	size_t off = 0, i, steps = json_object_array_length(t->consent);

	if (!elicit_possible(s) || s->cur_id == NULL || t->consent == NULL)
		return false;
	for (e = s->elicits; e != NULL; e = e->next)
		n++;
	if (n >= ELICIT_MAX || (e = calloc(1, sizeof(*e))) == NULL)
		return false;
	snprintf(e->id, sizeof(e->id), "homectl-consent-%u", ++s->next_elicit);
	e->req_id = json_object_get(s->cur_id);
	e->params = json_object_new_object();
	json_object_object_add(e->params, "name", json_object_new_string(t->tool->name));
	c = NULL;	/* json_object_deep_copy wants an empty destination */
	if (json_object_deep_copy(t->args, &c, NULL) < 0 || c == NULL) {
		json_object_put(c);
		json_object_put(e->params);
		json_object_put(e->req_id);
		free(e);
		return false;
	}
	json_object_object_add(e->params, "arguments", c);
	e->next = s->elicits;
	s->elicits = e;

	for (i = 0; i < steps; i++)
		describe(json_object_array_get_idx(t->consent, i), what, sizeof(what), &off, i == 0);
	/* One action: the call is that action ("unlock front_door_lock").
	 * Several, or a mode: what the call is, then each action. */
	if (steps == 1 && t->tool->flags & TOOL_OPENS)
		snprintf(msg, sizeof(msg), "Your assistant asks to %s. Allow it this once?", what);
	else if (steps > 0)
		snprintf(msg, sizeof(msg), "Your assistant asks to %s, which would: %s. Allow it "
		    "this once?", t->ask, what);
	else
		snprintf(msg, sizeof(msg), "Your assistant asks to %s (this home asks you before "
		    "every change). Allow it this once?", t->ask);
	props = json_object_new_object();
	c = json_object_new_object();
	json_object_object_add(c, "type", json_object_new_string("boolean"));
	json_object_object_add(c, "title", json_object_new_string("Allow it"));
	json_object_object_add(c, "description", json_object_new_string(steps > 0 ? what :
	    t->ask));
	json_object_object_add(c, "default", json_object_new_boolean(false));
	json_object_object_add(props, "confirm", c);
	schema = json_object_new_object();
	json_object_object_add(schema, "type", json_object_new_string("object"));
	json_object_object_add(schema, "properties", props);
	req_list = json_object_new_array();
	json_object_array_add(req_list, json_object_new_string("confirm"));
	json_object_object_add(schema, "required", req_list);
	p = json_object_new_object();
	json_object_object_add(p, "message", json_object_new_string(msg));
	json_object_object_add(p, "requestedSchema", schema);
	req = json_object_new_object();
	json_object_object_add(req, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(req, "id", json_object_new_string(e->id));
	json_object_object_add(req, "method", json_object_new_string("elicitation/create"));
	json_object_object_add(req, "params", p);
	log_info("session %u: %s (%s): asking the user (elicitation)", s->id, t->tool->name,
	    t->ask);
	s->send(s, req);
	json_object_put(req);
	return true;
}

/* Takes e out of the session's questions (the call in between may have
 * asked others). */
static void
unlink_elicit(struct mcp_sess *s, struct mcp_elicit *e)
{
	for (struct mcp_elicit **pp = &s->elicits; *pp != NULL; pp = &(*pp)->next)
		if (*pp == e) {
			*pp = e->next;
			return;
		}
}

static void
elicit_free(struct mcp_elicit *e)
{
	json_object_put(e->req_id);
	json_object_put(e->params);
	free(e);
}

bool
elicit_answer(struct mcp_sess *s, struct rpc_msg *m)
{
	struct mcp_elicit *e;
	struct json_object *res = NULL, *content = NULL, *result = NULL, *reply, *saved;
	struct rpc_error err = { 0 };
	const char *action = NULL;
	char text[160];
	bool yes = false;
	int rc;

	if (m->id == NULL || !json_object_is_type(m->id, json_type_string))
		return false;
	for (e = s->elicits; e != NULL; e = e->next)
		if (strcmp(e->id, json_object_get_string(m->id)) == 0)
			break;
	if (e == NULL)
		return false;
	/* Only an explicit accept with the box ticked is a yes. */
	if (json_get_object_borrow(m->root, "result", &res, true) == 0 && res != NULL &&
	    json_get_string(res, "action", &action, true, NULL) == 0 && action != NULL &&
	    strcmp(action, "accept") == 0 &&
	    json_get_object_borrow(res, "content", &content, true) == 0 && content != NULL)
		json_get_bool(content, "confirm", &yes, true, false);
	if (yes) {
		saved = s->cur_id;
		s->cur_id = e->req_id;
		s->consented = true;
		rc = tools_call(s, e->params, &result, &err);
		s->consented = false;
		s->cur_id = saved;
		if (rc == MCP_PARKED) {
			/* The database is locked: this same answer is handed in
			 * again (the transport keeps it), so the question stays
			 * open and the yes is not lost. */
			log_info("session %u: the user allowed it; waiting for the database lock",
			    s->id);
			json_object_put(result);
			return true;
		}
		log_info("session %u: the user allowed it", s->id);
		unlink_elicit(s, e);
		if (rc == MCP_DEFERRED) {
			/* Answered later by the transport (a real device). */
			json_object_put(result);
			elicit_free(e);
			return true;
		}
		if (rc < 0) {
			json_object_put(result);
			reply = rpc_error_msg(e->req_id, &err);
			json_object_put(err.data);
		} else
			reply = rpc_result(e->req_id, result);
	} else {
		unlink_elicit(s, e);
		/* decline, cancel, an accept without the box ticked, or an
		 * error: all are no. */
		log_info("session %u: the user did not allow it (%s)", s->id,
		    action != NULL ? action : "no answer");
		snprintf(text, sizeof(text), "The user did not allow it (%s): nothing was changed. "
		    "Do not ask again unless the user asks you to.",
		    action == NULL ? "no answer" : strcmp(action, "accept") == 0 ? "not ticked" :
		    strcmp(action, "cancel") == 0 ? "cancelled" : strcmp(action, "decline") == 0 ?
		    "declined" : "no answer");
		result = tools_error_result(text);
		reply = rpc_result(e->req_id, result);
	}
	s->send(s, reply);
	json_object_put(reply);
	elicit_free(e);
	return true;
}

void
elicit_drop(struct mcp_sess *s)
{
	struct mcp_elicit *e;

	while ((e = s->elicits) != NULL) {
		s->elicits = e->next;
		elicit_free(e);
	}
}
