/* SPDX-License-Identifier: MIT */
/* ops_init.c -- creating a home: the schema and, optionally, the seed. */
#include <errno.h>
#include <stdbool.h>

#include "demo.h"
#include "ops_internal.h"

/* An empty home: no room, no device, and modes with empty scenes (what
 * `homectl init` and the package's first install create).  The demo may
 * replace it. */
static bool
empty_home(const struct ops_ctx *c, struct json_object *modes)
{
	struct json_object *rooms = NULL, *devices = NULL;
	size_t i, n = json_object_array_length(modes);
	bool empty;

	for (i = 0; i < n; i++)
		if (json_object_array_length(json_object_object_get(json_object_array_get_idx(
		    modes, i), "scene")) > 0)
			return false;
	empty = db_rooms(c->db, &rooms) == 0 && db_devices(c->db, NULL, NULL, &devices) == 0 &&
	    json_object_array_length(rooms) == 0 && json_object_array_length(devices) == 0;
	json_object_put(rooms);
	json_object_put(devices);
	return empty;
}

int
ops_init_home(const struct ops_ctx *c, bool demo, char *err)
{
	struct json_object *modes = NULL;
	struct ops_txn t;
	int r;

	if ((r = ops_txn_begin(c, &t, err)) < 0)
		return r;
	if ((r = db_modes(c->db, &modes)) < 0) {
		ops_db_err(err, r);
		goto fail;
	}
	if (json_object_array_length(modes) > 0) {
		size_t i, n = json_object_array_length(modes);

		if (!demo || !empty_home(c, modes)) {
			r = ops_errf(err, -EEXIST, "%s already holds a home", db_path(c->db));
			goto fail;
		}
		for (i = 0; i < n; i++)
			if ((r = db_mode_remove(c->db, ops_jstr(json_object_array_get_idx(modes, i),
			    "name"))) < 0) {
				ops_db_err(err, r);
				goto fail;
			}
	}
	if ((r = demo_populate(c->db, demo)) < 0) {
		ops_db_err(err, r);
		goto fail;
	}
	json_object_put(modes);
	return ops_txn_commit(&t, err);
fail:
	json_object_put(modes);
	db_rollback(c->db);
	return r;
}
