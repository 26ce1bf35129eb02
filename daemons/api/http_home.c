/* SPDX-License-Identifier: MIT */
/* http_home.c -- the home as a whole: rooms, stats, the mode, the change
 * feed, the model table and the daemon's health. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "api.h"
#include "jsonutil.h"
#include "model.h"
#include "util.h"

#define CHANGES_LIMIT_DEFAULT	100
#define CHANGES_LIMIT_MAX	1000

/* Answers a read-only operation: its object as is (key NULL), or its array
 * wrapped as {key: [...]}. */
static enum MHD_Result
reply_read(struct http_req *r, const char *key,
    int (*op)(const struct ops_ctx *, struct json_object **, char *))
{
	struct json_object *out = NULL;
	char err[OPS_ERRLEN] = "";
	int rc = op(&r->api->ops, &out, err);

	if (rc < 0)
		return http_reply_ops(r, rc, err);
	return key != NULL ? http_reply_list(r, key, out) : http_reply_json(r, 200, out);
}

enum MHD_Result
http_rooms(struct http_req *r)
{
	return reply_read(r, "rooms", ops_rooms);
}

enum MHD_Result
http_stats(struct http_req *r)
{
	return reply_read(r, NULL, ops_stats);
}

enum MHD_Result
http_mode_get(struct http_req *r)
{
	return reply_read(r, NULL, ops_mode_get);
}

enum MHD_Result
http_modes(struct http_req *r)
{
	return reply_read(r, "modes", ops_modes);
}

enum MHD_Result
http_mode_put(struct http_req *r)
{
	static const char *const keys[] = { "mode", "confirm", NULL };
	struct json_object *out = NULL;
	const char *mode;
	char err[OPS_ERRLEN] = "";
	enum MHD_Result ret;
	bool confirm;
	int rc;

	if (!http_body_keys(r, keys, &ret))
		return ret;
	if (json_get_string(r->json, "mode", &mode, false, NULL) < 0)
		return http_reply_error(r, 400, "bad_request", "\"mode\" must be a string");
	if (json_get_bool(r->json, "confirm", &confirm, true, false) < 0)
		return http_reply_error(r, 400, "bad_request", "\"confirm\" must be a boolean");
	rc = ops_mode_set(&r->api->ops, mode, confirm, &out, err);
	mirror_poll(r->api);
	if (rc < 0)
		return http_reply_ops(r, rc, err);
	return http_wait_start(r, out);
}

enum MHD_Result
http_changes(struct http_req *r)
{
	struct json_object *out = NULL;
	const char *s;
	char err[OPS_ERRLEN] = "";
	int64_t since = 0, limit = CHANGES_LIMIT_DEFAULT;
	int rc;

	if ((s = http_query(r, "since")) != NULL && parse_int64(s, 0, INT64_MAX, &since) < 0)
		return http_reply_error(r, 400, "bad_request",
		    "since must be a non-negative integer");
	if ((s = http_query(r, "limit")) != NULL &&
	    parse_int64(s, 1, CHANGES_LIMIT_MAX, &limit) < 0)
		return http_reply_error(r, 400, "bad_request",
		    "limit must be an integer from 1 to %d", CHANGES_LIMIT_MAX);
	rc = ops_history(&r->api->ops, since, limit, http_query(r, "device"), &out, err);
	if (rc < 0)
		return http_reply_ops(r, rc, err);
	return http_reply_json(r, 200, out);
}

enum MHD_Result
http_types(struct http_req *r)
{
	struct json_object *out = model_describe();

	if (out == NULL)
		return http_reply_error(r, 500, "internal", "internal error");
	return http_reply_json(r, 200, out);
}

enum MHD_Result
http_health(struct http_req *r)
{
	struct json_object *out = json_object_new_object();

	json_object_object_add(out, "status", json_object_new_string("ok"));
	json_object_object_add(out, "version", json_object_new_string(HOMECTL_VERSION));
	json_object_object_add(out, "seq", json_object_new_int64(watch_seq(r->api->watch)));
	json_object_object_add(out, "feed", json_object_new_string(watch_feed(r->api->watch)));
	json_object_object_add(out, "clients", json_object_new_int64(r->api->nclients));
	return http_reply_json(r, 200, out);
}
