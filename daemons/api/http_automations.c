/* SPDX-License-Identifier: MIT */
/* http_automations.c -- /api/automations: list, create, read (with its
 * runs), replace, delete, enable, run and test, through common/ops like
 * the CLI and the MCP tools, so a document is checked the same way
 * everywhere.  The body of a create or replace is the automation document
 * itself; the confirmation, when the confirm policy asks for one, is the
 * query argument confirm=true. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "jsonutil.h"

#define RUNS_SHOWN 20

static bool
confirmed(struct http_req *r)
{
	const char *c = http_query(r, "confirm");

	return c != NULL && (strcmp(c, "true") == 0 || strcmp(c, "1") == 0);
}

/* A write's answer: the daemon's own WebSocket clients hear of it at once. */
static enum MHD_Result
reply_write(struct http_req *r, int rc, const char *err, unsigned status,
    struct json_object *out)
{
	mirror_poll(r->api);
	if (rc < 0)
		return http_reply_ops(r, rc, err);
	return http_reply_json(r, status, out);
}

enum MHD_Result
http_automations(struct http_req *r)
{
	struct json_object *out = NULL;
	char err[OPS_ERRLEN] = "";
	int rc;

	if ((rc = ops_automations(&r->api->ops, &out, err)) < 0)
		return http_reply_ops(r, rc, err);
	return http_reply_list(r, "automations", out);
}

enum MHD_Result
http_automation_create(struct http_req *r)
{
	struct json_object *out = NULL;
	char err[OPS_ERRLEN] = "";
	int rc;

	rc = ops_automation_put(&r->api->ops, r->json, false, confirmed(r), &out, err);
	return reply_write(r, rc, err, 201, out);
}

enum MHD_Result
http_automation(struct http_req *r)
{
	struct json_object *out = NULL;
	char err[OPS_ERRLEN] = "";
	int rc;

	if ((rc = ops_automation_get(&r->api->ops, r->arg, RUNS_SHOWN, &out, err)) < 0)
		return http_reply_ops(r, rc, err);
	return http_reply_json(r, 200, out);
}

enum MHD_Result
http_automation_replace(struct http_req *r)
{
	struct json_object *out = NULL;
	const char *name = NULL;
	char err[OPS_ERRLEN] = "";
	int rc;

	/* The document names itself: the URL must name the same one. */
	if (json_get_string(r->json, "name", &name, true, NULL) < 0 || name == NULL ||
	    strcmp(name, r->arg) != 0)
		return http_reply_error(r, 400, "bad_request", "the document's \"name\" must be "
		    "the automation's name in the URL");
	rc = ops_automation_put(&r->api->ops, r->json, true, confirmed(r), &out, err);
	return reply_write(r, rc, err, 200, out);
}

enum MHD_Result
http_automation_delete(struct http_req *r)
{
	struct json_object *out;
	char err[OPS_ERRLEN] = "";
	int rc;

	rc = ops_automation_remove(&r->api->ops, r->arg, confirmed(r), err);
	out = json_object_new_object();
	json_object_object_add(out, "removed", json_object_new_string(r->arg));
	if (rc < 0)
		json_object_put(out);
	return reply_write(r, rc, err, 200, rc < 0 ? NULL : out);
}

enum MHD_Result
http_automation_enable(struct http_req *r)
{
	static const char *const keys[] = { "enabled", "confirm", NULL };
	struct json_object *out = NULL;
	char err[OPS_ERRLEN] = "";
	enum MHD_Result ret;
	bool on, confirm;
	int rc;

	if (!http_body_keys(r, keys, &ret))
		return ret;
	if (json_get_bool(r->json, "enabled", &on, false, true) < 0)
		return http_reply_error(r, 400, "bad_request", "\"enabled\" must be a boolean");
	if (json_get_bool(r->json, "confirm", &confirm, true, false) < 0)
		return http_reply_error(r, 400, "bad_request", "\"confirm\" must be a boolean");
	rc = ops_automation_enable(&r->api->ops, r->arg, on, confirm || confirmed(r), &out, err);
	return reply_write(r, rc, err, 200, out);
}

enum MHD_Result
http_automation_run(struct http_req *r)
{
	struct json_object *out = NULL;
	char err[OPS_ERRLEN] = "";
	int rc;

	/* 202: homectl-automations carries it out; GET the automation for
	 * how it went. */
	rc = ops_automation_run(&r->api->ops, r->arg, confirmed(r), &out, err);
	return reply_write(r, rc, err, 202, out);
}

enum MHD_Result
http_automation_test(struct http_req *r)
{
	struct json_object *out = NULL;
	char err[OPS_ERRLEN] = "";
	int rc;

	if ((rc = ops_automation_test(&r->api->ops, r->arg, (int64_t)time(NULL), &out, err)) < 0)
		return http_reply_ops(r, rc, err);
	return http_reply_json(r, 200, out);
}
