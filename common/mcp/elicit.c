/* SPDX-License-Identifier: MIT */
/* elicit.c -- consent the model cannot give itself.  When open_or_unlock
 * is refused for want of the user's yes and the client declared the
 * elicitation capability, the server asks the person through
 * elicitation/create (a form naming the device and the action) instead of
 * telling the model to pass confirm: true; the tools/call is answered once
 * the person has answered: the tool runs again with confirm only on
 * accept, and a decline or a cancel opens nothing. */
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
	struct json_object	*params;	/* its params, confirm: true added */
};

bool
elicit_start(struct mcp_sess *s, const char *tool, struct json_object *args, const char *why)
{
	struct json_object *req, *p, *schema, *props, *c, *req_list;
	struct mcp_elicit *e;
	unsigned n = 0;
	char msg[OPS_ERRLEN + 128];
	const char *dev = NULL;

	if (!s->can_elicit || !s->async_ok || s->cur_id == NULL)
		return false;
	for (e = s->elicits; e != NULL; e = e->next)
		n++;
	if (n >= ELICIT_MAX || (e = calloc(1, sizeof(*e))) == NULL)
		return false;
	snprintf(e->id, sizeof(e->id), "homectl-consent-%u", ++s->next_elicit);
	e->req_id = json_object_get(s->cur_id);
	e->params = json_object_new_object();
	json_object_object_add(e->params, "name", json_object_new_string(tool));
	c = NULL;	/* json_object_deep_copy wants an empty destination */
	if (json_object_deep_copy(args, &c, NULL) < 0 || c == NULL) {
		json_object_put(c);
		c = json_object_new_object();
		json_object_object_add(c, "device_id", json_object_get(json_object_object_get(args,
		    "device_id")));
	}
	json_object_object_add(c, "confirm", json_object_new_boolean(true));
	json_object_object_add(e->params, "arguments", c);
	e->next = s->elicits;
	s->elicits = e;

	json_get_string(args, "device_id", &dev, true, "?");
	/* ops says "'unlock' on front_door_lock opens the home: ask the
	 * user..."; the person reads only the part before the advice. */
	snprintf(msg, sizeof(msg), "Your assistant asks for this: %.*s. Allow it this once?",
	    (int)strcspn(why, ":"), why);
	props = json_object_new_object();
	c = json_object_new_object();
	json_object_object_add(c, "type", json_object_new_string("boolean"));
	json_object_object_add(c, "title", json_object_new_string("Open it"));
	json_object_object_add(c, "description", json_object_new_string(dev));
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
	log_info("session %u: %s on %s: asking the user (elicitation)", s->id, tool, dev);
	s->send(s, req);
	json_object_put(req);
	return true;
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
	struct mcp_elicit **pp, *e = NULL;
	struct json_object *res = NULL, *content = NULL, *result = NULL, *reply, *saved;
	struct rpc_error err = { 0 };
	const char *action = NULL;
	bool yes = false;
	int rc;

	if (m->id == NULL || !json_object_is_type(m->id, json_type_string))
		return false;
	for (pp = &s->elicits; *pp != NULL; pp = &(*pp)->next)
		if (strcmp((*pp)->id, json_object_get_string(m->id)) == 0) {
			e = *pp;
			*pp = e->next;
			break;
		}
	if (e == NULL)
		return false;
	/* Only an explicit accept with the box ticked is a yes. */
	if (json_get_object_borrow(m->root, "result", &res, true) == 0 && res != NULL &&
	    json_get_string(res, "action", &action, true, NULL) == 0 && action != NULL &&
	    strcmp(action, "accept") == 0 &&
	    json_get_object_borrow(res, "content", &content, true) == 0 && content != NULL)
		json_get_bool(content, "confirm", &yes, true, false);
	log_info("session %u: the user %s", s->id, yes ? "allowed it" : action != NULL &&
	    strcmp(action, "accept") != 0 ? action : "did not allow it");
	if (yes) {
		saved = s->cur_id;
		s->cur_id = e->req_id;
		s->consented = true;
		rc = tools_call(s, e->params, &result, &err);
		s->consented = false;
		s->cur_id = saved;
		if (rc == MCP_DEFERRED || rc == MCP_PARKED) {
			/* Answered later by the transport (a real device), or
			 * busy: the call's own path answers. */
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
		result = tools_error_result("The user did not allow it: nothing was opened. "
		    "Do not ask again unless the user asks you to.");
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
