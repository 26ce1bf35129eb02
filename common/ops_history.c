/* SPDX-License-Identifier: MIT */
/* ops_history.c -- the change feed as clients read it: onwards from a seq,
 * or the newest changes (of the house or of one device). */
#include <errno.h>

#include "ops_internal.h"

/* Reads the rows (latest, or after since) and the feed's bounds in one
 * read transaction, so they agree. */
static int
history(const struct ops_ctx *c, bool latest, int64_t since, int64_t limit,
    const char *device_id, struct json_object **out, char *err)
{
	struct json_object *changes = NULL, *o;
	int64_t oldest, newest;
	int r;

	if ((r = db_begin(c->db, false)) < 0)
		return ops_db_err(err, r);
	if ((r = latest ? db_changes_latest(c->db, limit, device_id, &changes) :
	    db_changes(c->db, since, limit, device_id, &changes, NULL)) < 0 ||
	    (r = db_changes_bounds(c->db, &oldest, &newest)) < 0) {
		db_rollback(c->db);
		json_object_put(changes);
		return ops_db_err(err, r);
	}
	db_commit(c->db);
	o = json_object_new_object();
	json_object_object_add(o, "changes", changes);
	json_object_object_add(o, "oldest", json_object_new_int64(oldest));
	json_object_object_add(o, "newest", json_object_new_int64(newest));
	*out = o;
	return 0;
}

int
ops_history(const struct ops_ctx *c, int64_t since, int64_t limit, const char *device_id,
    struct json_object **out, char *err)
{
	if (limit < 0 || since < 0)
		return ops_errf(err, -EINVAL, "since and limit must not be negative");
	return history(c, false, since, limit, device_id, out, err);
}

int
ops_history_latest(const struct ops_ctx *c, int64_t limit, const char *device_id,
    struct json_object **out, char *err)
{
	if (limit < 1)
		return ops_errf(err, -EINVAL, "limit must be at least 1");
	return history(c, true, 0, limit, device_id, out, err);
}
