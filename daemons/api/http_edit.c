/* SPDX-License-Identifier: MIT */
/* http_edit.c -- describing the home over REST: rooms, devices, modes
 * with their scenes, and the home as one document (GET /api/export, POST
 * /api/import).  Every handler only maps the request onto common/ops
 * (ops_home.c, ops_export.c), which validates and writes in one
 * transaction, so REST refuses exactly what the CLI and MCP refuse.
 *
 * Confirmation (confirm = all): "confirm": true in a body, or ?confirm=1
 * on a DELETE and on an import (whose body is the document itself). */
#include <errno.h>
#include <string.h>

#include "api.h"
#include "jsonutil.h"

/* ?confirm=1 / true. */
static bool
query_confirm(struct http_req *r)
{
	const char *v = http_query(r, "confirm");

	return v != NULL && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0);
}

/* A query flag: absent, 0/false or 1/true; false (reply queued) else. */
static bool
query_flag(struct http_req *r, const char *key, bool *out, enum MHD_Result *ret)
{
	const char *v = http_query(r, key);

	*out = false;
	if (v == NULL || strcmp(v, "0") == 0 || strcmp(v, "false") == 0)
		return true;
	if (strcmp(v, "1") == 0 || strcmp(v, "true") == 0) {
		*out = true;
		return true;
	}
	*ret = http_reply_error(r, 400, "bad_request", "%s must be 0 or 1", key);
	return false;
}

/* The body's "confirm", or false (reply queued) when it is not a boolean. */
static bool
body_confirm(struct http_req *r, bool *confirm, enum MHD_Result *ret)
{
	if (json_get_bool(r->json, "confirm", confirm, true, false) < 0) {
		*ret = http_reply_error(r, 400, "bad_request", "\"confirm\" must be a boolean");
		return false;
	}
	return true;
}

/* A string member that may be absent; false (reply queued) when it is
 * something else. */
static bool
body_string(struct http_req *r, const char *key, const char **out, enum MHD_Result *ret)
{
	if (json_get_string(r->json, key, out, true, NULL) < 0) {
		*ret = http_reply_error(r, 400, "bad_request", "\"%s\" must be a string", key);
		return false;
	}
	return true;
}

/* Answers an edit: the watcher's connection sees the commit at once, so
 * the dashboards hear of it before the caller does. */
static enum MHD_Result
reply_edit(struct http_req *r, int rc, const char *err, unsigned status,
    struct json_object *out)
{
	mirror_poll(r->api);
	if (rc < 0)
		return http_reply_ops(r, rc, err);
	return http_reply_json(r, status, out);
}

enum MHD_Result
http_room_add(struct http_req *r)
{
	static const char *const keys[] = { "id", "name", "confirm", NULL };
	struct json_object *out = NULL;
	const char *id = NULL, *name = NULL;
	char err[OPS_ERRLEN] = "";
	enum MHD_Result ret;
	bool confirm;
	int rc;

	if (!http_body_keys(r, keys, &ret) || !body_string(r, "id", &id, &ret) ||
	    !body_string(r, "name", &name, &ret) || !body_confirm(r, &confirm, &ret))
		return ret;
	rc = ops_room_add(&r->api->ops, id, name, confirm, &out, err);
	return reply_edit(r, rc, err, 201, out);
}

enum MHD_Result
http_room_edit(struct http_req *r)
{
	static const char *const keys[] = { "name", "position", "confirm", NULL };
	struct json_object *out = NULL;
	const char *name = NULL;
	char err[OPS_ERRLEN] = "";
	enum MHD_Result ret;
	int64_t pos = -1;
	int position;
	bool confirm;
	int rc;

	if (!http_body_keys(r, keys, &ret) || !body_string(r, "name", &name, &ret) ||
	    !body_confirm(r, &confirm, &ret))
		return ret;
	if (json_get_int(r->json, "position", &pos, true, -1) < 0 || pos < -1 || pos > 10000)
		return http_reply_error(r, 400, "bad_request",
		    "\"position\" must be an integer from 0 to 10000");
	position = (int)pos;
	rc = ops_room_edit(&r->api->ops, r->arg, name, pos >= 0 ? &position : NULL, confirm,
	    &out, err);
	return reply_edit(r, rc, err, 200, out);
}

enum MHD_Result
http_room_remove(struct http_req *r)
{
	struct json_object *out = NULL;
	char err[OPS_ERRLEN] = "";
	int rc;

	rc = ops_room_remove(&r->api->ops, r->arg, query_confirm(r), &out, err);
	return reply_edit(r, rc, err, 200, out);
}

enum MHD_Result
http_device_add(struct http_req *r)
{
	static const char *const keys[] = { "id", "type", "room", "name", "confirm", NULL };
	struct json_object *out = NULL;
	const char *id = NULL, *type = NULL, *room = NULL, *name = NULL;
	char err[OPS_ERRLEN] = "";
	enum MHD_Result ret;
	bool confirm;
	int rc;

	if (!http_body_keys(r, keys, &ret) || !body_string(r, "id", &id, &ret) ||
	    !body_string(r, "type", &type, &ret) || !body_string(r, "room", &room, &ret) ||
	    !body_string(r, "name", &name, &ret) || !body_confirm(r, &confirm, &ret))
		return ret;
	rc = ops_device_add(&r->api->ops, id, type, room, name, confirm, &out, err);
	return reply_edit(r, rc, err, 201, out);
}

enum MHD_Result
http_device_edit(struct http_req *r)
{
	static const char *const keys[] = { "name", "room", "confirm", NULL };
	struct ops_device_edit e = { 0 };
	struct json_object *out = NULL, *room = NULL;
	char err[OPS_ERRLEN] = "";
	enum MHD_Result ret;
	bool confirm;
	int rc;

	if (!http_body_keys(r, keys, &ret) || !body_string(r, "name", &e.name, &ret) ||
	    !body_confirm(r, &confirm, &ret))
		return ret;
	/* "room": "kitchen" moves it, "room": null makes it house-wide. */
	if (json_object_object_get_ex(r->json, "room", &room)) {
		if (room == NULL)
			e.no_room = true;
		else if (json_object_is_type(room, json_type_string))
			e.room = json_object_get_string(room);
		else
			return http_reply_error(r, 400, "bad_request",
			    "\"room\" must be a room's id, or null for house-wide");
	}
	rc = ops_device_edit(&r->api->ops, r->arg, &e, confirm, &out, err);
	return reply_edit(r, rc, err, 200, out);
}

enum MHD_Result
http_device_remove(struct http_req *r)
{
	struct json_object *out = NULL;
	char err[OPS_ERRLEN] = "";
	enum MHD_Result ret;
	bool force;
	int rc;

	if (!query_flag(r, "force", &force, &ret))
		return ret;
	rc = ops_device_remove(&r->api->ops, r->arg, query_confirm(r), force, &out, err);
	return reply_edit(r, rc, err, 200, out);
}

/* POST /api/modes {"name", "description", "scene"} creates a mode (409 when
 * it exists); PUT /api/modes/{name} {"description", "scene"} creates or
 * replaces one.  The scene is [{"device","action","properties"}]. */
static enum MHD_Result
mode_write(struct http_req *r, const char *name, bool create)
{
	static const char *const post_keys[] = { "name", "description", "scene", "confirm",
		NULL };
	static const char *const put_keys[] = { "description", "scene", "confirm", NULL };
	struct json_object *out = NULL, *scene = NULL;
	const char *description = NULL;
	char err[OPS_ERRLEN] = "";
	enum MHD_Result ret;
	bool confirm;
	int rc;

	if (!http_body_keys(r, create ? post_keys : put_keys, &ret) ||
	    (create && !body_string(r, "name", &name, &ret)) ||
	    !body_string(r, "description", &description, &ret) ||
	    !body_confirm(r, &confirm, &ret))
		return ret;
	if (json_object_object_get_ex(r->json, "scene", &scene) &&
	    !json_object_is_type(scene, json_type_array))
		return http_reply_error(r, 400, "bad_request",
		    "\"scene\" must be a list of {\"device\", \"action\", \"properties\"}");
	rc = ops_mode_put(&r->api->ops, name, description, scene, create, confirm, &out, err);
	return reply_edit(r, rc, err, create ? 201 : 200, out);
}

enum MHD_Result
http_mode_add(struct http_req *r)
{
	return mode_write(r, NULL, true);
}

enum MHD_Result
http_mode_replace(struct http_req *r)
{
	return mode_write(r, r->arg, false);
}

enum MHD_Result
http_mode_remove(struct http_req *r)
{
	struct json_object *out = NULL;
	char err[OPS_ERRLEN] = "";
	int rc;

	rc = ops_mode_remove(&r->api->ops, r->arg, query_confirm(r), &out, err);
	return reply_edit(r, rc, err, 200, out);
}

enum MHD_Result
http_export(struct http_req *r)
{
	struct json_object *out = NULL;
	char err[OPS_ERRLEN] = "";
	int rc;

	if ((rc = ops_export(&r->api->ops, &out, err)) < 0)
		return http_reply_ops(r, rc, err);
	return http_reply_json(r, 200, out);
}

/* The body is the document itself; ?dry_run=1, ?prune=1, ?confirm=1. */
enum MHD_Result
http_import(struct http_req *r)
{
	struct json_object *out = NULL;
	char err[OPS_ERRLEN] = "";
	enum MHD_Result ret;
	bool dry_run, prune;
	int rc;

	if (!query_flag(r, "dry_run", &dry_run, &ret) || !query_flag(r, "prune", &prune, &ret))
		return ret;
	rc = ops_import(&r->api->ops, r->json, prune, dry_run, query_confirm(r), &out, err);
	return reply_edit(r, rc, err, 200, out);
}
