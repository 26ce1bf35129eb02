/* SPDX-License-Identifier: MIT */
/* http_history.c -- GET /api/devices/{id}/history?from=&to=&points=: one
 * device's changes from the feed between two times, downsampled by
 * common/ops so that a chart gets at most points of them. */
#include <stdint.h>

#include "api.h"
#include "util.h"

#define HISTORY_POINTS_DEFAULT 300

enum MHD_Result
http_device_history(struct http_req *r)
{
	struct json_object *out = NULL;
	const char *s;
	char err[OPS_ERRLEN] = "";
	int64_t points = HISTORY_POINTS_DEFAULT;
	int rc;

	if ((s = http_query(r, "points")) != NULL &&
	    parse_int64(s, 1, OPS_HISTORY_POINTS_MAX, &points) < 0)
		return http_reply_error(r, 400, "bad_request",
		    "points must be an integer from 1 to %d", OPS_HISTORY_POINTS_MAX);
	rc = ops_device_history(&r->api->ops, r->arg, http_query(r, "from"), http_query(r, "to"),
	    points, &out, err);
	if (rc < 0)
		return http_reply_ops(r, rc, err);
	return http_reply_json(r, 200, out);
}
