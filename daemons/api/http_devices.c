/* SPDX-License-Identifier: MIT */
/* http_devices.c -- GET /api/devices[/{id}], POST /api/devices/{id}/actions
 * and the bulk POST /api/actions: reads and writes through common/ops, so
 * REST validates exactly as MCP does. */
#include <errno.h>
#include <string.h>

#include "api.h"
#include "jsonutil.h"
#include "model.h"

enum MHD_Result
http_devices(struct http_req *r)
{
	struct json_object *out = NULL;
	char err[OPS_ERRLEN] = "";
	int rc;

	rc = ops_devices(&r->api->ops, http_query(r, "room"), http_query(r, "type"),
	    http_query(r, "state"), &out, err);
	if (rc < 0)
		return http_reply_ops(r, rc, err);
	return http_reply_list(r, "devices", out);
}

enum MHD_Result
http_device(struct http_req *r)
{
	struct json_object *out = NULL;
	char err[OPS_ERRLEN] = "";
	int rc;

	if ((rc = ops_device_get(&r->api->ops, r->arg, &out, err)) < 0)
		return http_reply_ops(r, rc, err);
	return http_reply_json(r, 200, out);
}

/* The fields every action body shares: action (required), properties and
 * confirm.  false (with the reply queued in *ret) on a bad field. */
static bool
action_fields(struct http_req *r, struct ops_control *req, enum MHD_Result *ret)
{
	if (json_get_string(r->json, "action", &req->action, false, NULL) < 0) {
		*ret = http_reply_error(r, 400, "bad_request",
		    "\"action\" must be a string, one of the device's actions");
		return false;
	}
	if (json_get_object_borrow(r->json, "properties", &req->props, true) < 0) {
		*ret = http_reply_error(r, 400, "bad_request", "\"properties\" must be an object");
		return false;
	}
	if (json_get_bool(r->json, "confirm", &req->confirm, true, false) < 0) {
		*ret = http_reply_error(r, 400, "bad_request", "\"confirm\" must be a boolean");
		return false;
	}
	return true;
}

static enum MHD_Result
control(struct http_req *r, struct ops_control *req)
{
	struct json_object *out = NULL;
	char err[OPS_ERRLEN] = "";
	int rc;

	rc = ops_control(&r->api->ops, req, &out, err);
	/* Deliver to the WebSocket clients now rather than on the watcher's
	 * next wake-up: the watcher's own connection sees our commit. */
	mirror_poll(r->api);
	if (rc < 0)
		return http_reply_ops(r, rc, err);
	/* A real device answers when it reports its new state. */
	return http_wait_start(r, out);
}

enum MHD_Result
http_device_action(struct http_req *r)
{
	static const char *const keys[] = { "action", "properties", "confirm", NULL };
	struct ops_control req;
	enum MHD_Result ret;

	memset(&req, 0, sizeof(req));
	if (!http_body_keys(r, keys, &ret) || !action_fields(r, &req, &ret))
		return ret;
	req.device_id = r->arg;
	return control(r, &req);
}

enum MHD_Result
http_bulk_action(struct http_req *r)
{
	static const char *const keys[] = { "action", "properties", "confirm", "room", "type",
		NULL };
	struct ops_control req;
	enum MHD_Result ret;

	memset(&req, 0, sizeof(req));
	if (!http_body_keys(r, keys, &ret) || !action_fields(r, &req, &ret))
		return ret;
	if (json_get_string(r->json, "room", &req.room, true, NULL) < 0 ||
	    json_get_string(r->json, "type", &req.type, true, NULL) < 0)
		return http_reply_error(r, 400, "bad_request",
		    "\"room\" and \"type\" must be strings");
	return control(r, &req);
}
