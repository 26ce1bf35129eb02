/* SPDX-License-Identifier: MIT */
/* fuzz_control.c -- libFuzzer target: any JSON request handed to
 * ops_control, on a demo home in memory.  Besides "no crash, no leak" it
 * checks the all-or-nothing rule: a refused request adds nothing to the
 * change feed, an accepted one returns devices. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "jsonutil.h"
#include "log.h"
#include "ops.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct db *db;
static struct ops_ctx ops;

static int64_t
newest(void)
{
	int64_t oldest, n = -1;

	if (db_changes_bounds(db, &oldest, &n) < 0)
		abort();
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object *req, *props = NULL, *out = NULL;
	struct ops_control c = { 0 };
	char err[OPS_ERRLEN], perr[128];
	int64_t before;
	int r;

	if (db == NULL) {
		log_init("fuzz", LOG_CRIT);
		if (db_open(":memory:", DB_CREATE, &db) < 0)
			abort();
		ops_ctx_init(&ops, db, NULL, OPS_SRC_API);
		ops.feed_max_rows = 1000;
		if (ops_init_home(&ops, true, err) < 0)
			abort();
	}
	if ((req = json_parse_strict((const char *)data, size, perr, sizeof(perr))) == NULL)
		return 0;
	if (json_get_string(req, "device_id", &c.device_id, true, NULL) < 0 ||
	    json_get_string(req, "room", &c.room, true, NULL) < 0 ||
	    json_get_string(req, "type", &c.type, true, NULL) < 0 ||
	    json_get_string(req, "action", &c.action, true, NULL) < 0 ||
	    json_get_bool(req, "confirm", &c.confirm, true, false) < 0 ||
	    !json_object_object_get_ex(req, "properties", &props))
		props = NULL;
	c.props = props;
	before = newest();
	r = ops_control(&ops, &c, &out, err);
	if (r < 0 && (out != NULL || newest() != before || err[0] == '\0'))
		abort();	/* a refusal changed something, or said nothing */
	if (r == 0 && (out == NULL || json_object_array_length(json_object_object_get(out,
	    "devices")) == 0))
		abort();
	json_object_put(out);
	json_object_put(req);
	return 0;
}
