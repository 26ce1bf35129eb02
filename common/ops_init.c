/* SPDX-License-Identifier: MIT */
/* ops_init.c -- creating a home: the schema and, optionally, the seed. */
#include <errno.h>

#include "demo.h"
#include "ops_internal.h"

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
		r = ops_errf(err, -EEXIST, "%s already holds a home", db_path(c->db));
		goto fail;
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
