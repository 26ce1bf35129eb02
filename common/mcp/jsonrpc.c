/* SPDX-License-Identifier: MIT */
/* jsonrpc.c -- the JSON-RPC 2.0 envelope: what a line is (request,
 * notification, response or garbage) and the response objects we send. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "jsonutil.h"
#include "mcpcore.h"
#include "util.h"

/* An id we can echo: an integer or a string.  json-c calls 1.0 a double,
 * so floats are told apart from integers by their text. */
static bool
id_valid(struct json_object *id)
{
	return id != NULL && (json_object_is_type(id, json_type_int) ||
	    json_object_is_type(id, json_type_string));
}

int
rpc_fail(struct rpc_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	va_start(ap, fmt);
	vfmt(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -1;
}

/* Fills m from one line.  What real MCP clients insist on: an id is an
 * integer (0 included) or a string, echoed exactly; any other id is an
 * invalid request; a message without an id is a notification and is never
 * answered; a reply whose id cannot be known leaves "id" out rather than
 * sending null. */
void
rpc_parse(const char *line, size_t len, struct rpc_msg *m)
{
	struct json_object *v, *id = NULL;
	bool has_id;
	char perr[128];

	memset(m, 0, sizeof(*m));
	m->kind = RPC_INVALID;
	if (!utf8_valid((const unsigned char *)line, len)) {
		rpc_fail(&m->err, RPC_PARSE_ERROR, "Parse error: the message is not valid UTF-8");
		return;
	}
	m->root = json_parse_strict(line, len, perr, sizeof(perr));
	if (m->root == NULL) {
		rpc_fail(&m->err, RPC_PARSE_ERROR, "Parse error: %s", perr);
		return;
	}
	if (json_object_is_type(m->root, json_type_array)) {
		rpc_fail(&m->err, RPC_INVALID_REQUEST,
		    "Invalid Request: batches (JSON arrays) are not part of MCP");
		return;
	}
	if (!json_object_is_type(m->root, json_type_object)) {
		rpc_fail(&m->err, RPC_INVALID_REQUEST,
		    "Invalid Request: a message is a JSON object");
		return;
	}

	has_id = json_object_object_get_ex(m->root, "id", &id);
	if (has_id && !id_valid(id)) {
		rpc_fail(&m->err, RPC_INVALID_REQUEST,
		    "Invalid Request: id must be a string or an integer");
		return;
	}
	m->id = has_id ? id : NULL;
	/* json-c keeps a NUL inside a string, but every C string stops at
	 * it: a device id "kitchen_light_main\u0000x" would act on
	 * kitchen_light_main.  No MCP message needs one. */
	if (json_text_has_nul(line, len)) {
		rpc_fail(&m->err, RPC_INVALID_REQUEST,
		    "Invalid Request: a JSON string holds a NUL character (\\u0000)");
		return;
	}

	if (!json_object_object_get_ex(m->root, "jsonrpc", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), "2.0") != 0) {
		rpc_fail(&m->err, RPC_INVALID_REQUEST,
		    "Invalid Request: \"jsonrpc\" must be \"2.0\"");
		return;
	}

	if (!json_object_object_get_ex(m->root, "method", &v)) {
		/* A response to a request of ours (we send none): ignore it. */
		if (has_id && (json_object_object_get_ex(m->root, "result", NULL) ||
		    json_object_object_get_ex(m->root, "error", NULL))) {
			m->kind = RPC_RESPONSE;
			return;
		}
		rpc_fail(&m->err, RPC_INVALID_REQUEST, "Invalid Request: no \"method\"");
		return;
	}
	if (!json_object_is_type(v, json_type_string)) {
		rpc_fail(&m->err, RPC_INVALID_REQUEST,
		    "Invalid Request: \"method\" must be a string");
		return;
	}
	m->method = json_object_get_string(v);

	m->kind = has_id ? RPC_REQUEST : RPC_NOTIFICATION;
	if (json_object_object_get_ex(m->root, "params", &v) && v != NULL) {
		if (!json_object_is_type(v, json_type_object)) {
			/* A request gets -32602 with its id; a notification
			 * is never answered, so it goes on without params. */
			if (has_id) {
				m->kind = RPC_INVALID;
				rpc_fail(&m->err, RPC_INVALID_PARAMS,
				    "Invalid params: \"params\" must be an object");
			}
			return;
		}
		m->params = v;
	}
}

void
rpc_msg_clear(struct rpc_msg *m)
{
	json_object_put(m->root);
	json_object_put(m->err.data);
	memset(m, 0, sizeof(*m));
}

/* {"jsonrpc":"2.0","id":...,"result":...}; takes result. */
struct json_object *
rpc_result(struct json_object *id, struct json_object *result)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(o, "id", json_object_get(id));
	json_object_object_add(o, "result", result != NULL ? result : json_object_new_object());
	return o;
}

/* {"jsonrpc":"2.0","id":...,"error":{code,message,data}}, id left out when
 * unknown (clients reject "id": null); takes err->data. */
struct json_object *
rpc_error_msg(struct json_object *id, struct rpc_error *err)
{
	struct json_object *o = json_object_new_object(), *e = json_object_new_object();

	json_object_object_add(o, "jsonrpc", json_object_new_string("2.0"));
	if (id != NULL)
		json_object_object_add(o, "id", json_object_get(id));
	json_object_object_add(e, "code", json_object_new_int(err->code));
	json_object_object_add(e, "message", json_object_new_string(err->message));
	if (err->data != NULL) {
		json_object_object_add(e, "data", err->data);
		err->data = NULL;
	}
	json_object_object_add(o, "error", e);
	return o;
}

/* {"jsonrpc":"2.0","method":...,"params":...}; takes params. */
struct json_object *
rpc_notification(const char *method, struct json_object *params)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(o, "method", json_object_new_string(method));
	if (params != NULL)
		json_object_object_add(o, "params", params);
	return o;
}
