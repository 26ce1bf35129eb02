/* SPDX-License-Identifier: MIT */
/* ops_timed.c -- devices that run for a set time (sprinklers): starting
 * them for a duration, and ending each when its time is up. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jsonutil.h"
#include "model.h"
#include "ops_internal.h"
#include "util.h"

int
ops_water_plants(const struct ops_ctx *c, const char *zone, int64_t duration, bool confirm,
    struct json_object **out, char *err)
{
	struct json_object *props, *list = NULL, *res, *devices, *skipped;
	struct ops_txn t;
	size_t i, n;
	int r, changed = 0;

	*out = NULL;
	if (duration < 1 || duration > 120)
		return ops_errf(err, -ERANGE, "duration %lld is out of range: it must be from 1 to "
		    "120 minutes", (long long)duration);
	if (zone != NULL) {
		const struct model_prop *p = model_prop_find(model_type_find("sprinkler"), "zone");

		if (!str_in(zone, p->choices))
			return ops_errf(err, -EINVAL, "unknown zone '%s': use front_yard, back_yard "
			    "or side_yard", zone);
	}
	if ((r = ops_confirm_check(c, confirm, NULL, NULL, NULL, err)) < 0 ||
	    (r = ops_txn_begin(c, &t, err)) < 0)
		return r;
	if ((r = db_devices(c->db, NULL, "sprinkler", &list)) < 0) {
		ops_db_err(err, r);
		goto fail_nores;
	}
	res = ops_result_new(&devices, &skipped);
	props = json_object_new_object();
	json_object_object_add(props, "duration", json_object_new_int64(duration));
	n = json_object_array_length(list);
	for (i = 0; i < n; i++) {
		struct json_object *d = json_object_array_get_idx(list, i), *one;
		struct ops_control req = { .action = "on", .props = props, .confirm = confirm };

		if (zone != NULL && !ops_is(json_object_object_get(d, "properties"), "zone", zone))
			continue;
		one = json_object_new_array();
		json_object_array_add(one, json_object_get(d));
		r = ops_control_list(c, one, &req, true, devices, skipped, &changed, err);
		json_object_put(one);
		if (r < 0)
			goto fail;
	}
	json_object_put(props);
	props = NULL;
	if (json_object_array_length(devices) == 0) {
		r = ops_errf(err, -ENOENT, "no sprinkler%s%s", zone ? " waters " : "", zone ? zone : "");
		goto fail;
	}
	json_object_object_add(res, "changed", json_object_new_int(changed));
	json_object_object_add(res, "duration", json_object_new_int64(duration));
	if ((r = ops_txn_commit(&t, err)) < 0) {
		json_object_put(res);
		json_object_put(list);
		return r;
	}
	json_object_put(list);
	*out = res;
	return 0;
fail:
	json_object_put(props);
	json_object_put(res);
fail_nores:
	json_object_put(list);
	db_rollback(c->db);
	return r;
}

/* ---- what runs for a set time ---- */

/* "2026-11-26T01:02:03.456Z" as milliseconds since the epoch, or -1. */
static int64_t
parse_utc_ms(const char *s)
{
	struct tm tm = { 0 };
	const char *rest;
	int ms = 0, scale = 100, i;

	if (s == NULL || (rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL)
		return -1;
	/* Milliseconds: the first three digits of the fraction, if any. */
	if (*rest == '.')
		for (i = 1; i <= 3 && rest[i] >= '0' && rest[i] <= '9'; i++, scale /= 10)
			ms += (rest[i] - '0') * scale;
	return (int64_t)timegm(&tm) * 1000 + ms;
}

int
ops_expire(const struct ops_ctx *c, int64_t now_ms, int64_t *next_ms, int *ended, char *err)
{
	struct json_object *list = NULL, *due = json_object_new_array();
	struct timespec now_ts;
	struct ops_txn t;
	int64_t now, end;
	size_t i, n;
	int r;

	*next_ms = -1;
	*ended = 0;
	clock_gettime(CLOCK_REALTIME, &now_ts);
	now = now_ms >= 0 ? now_ms : (int64_t)now_ts.tv_sec * 1000 + now_ts.tv_nsec / 1000000;
	/* A plain read first: the write lock only when something is due, so a
	 * daemon's loop never waits on another writer for nothing. */
	if ((r = db_devices(c->db, NULL, "sprinkler", &list)) < 0) {
		ops_db_err(err, r);
		goto done;
	}
	n = json_object_array_length(list);
	for (i = 0; i < n; i++) {
		struct json_object *d = json_object_array_get_idx(list, i);
		struct json_object *props = json_object_object_get(d, "properties");
		int64_t minutes = 0;

		if (!ops_is(d, "state", "on") ||
		    (end = parse_utc_ms(ops_jstr(props, "started_at"))) < 0 ||
		    json_get_int(props, "duration", &minutes, false, 0) < 0)
			continue;
		end += minutes * 60000;
		if (end <= now)
			json_object_array_add(due, json_object_new_string(ops_jstr(d, "id")));
		else if (*next_ms < 0 || end - now < *next_ms)
			*next_ms = end - now;
	}
	if (json_object_array_length(due) == 0)
		goto done;
	if ((r = ops_txn_begin(c, &t, err)) < 0)
		goto done;
	n = json_object_array_length(due);
	for (i = 0; i < n; i++) {
		struct json_object *d = NULL, *after = NULL;

		/* Read again under the lock: someone may have stopped it. */
		if (db_device_get(c->db, json_object_get_string(json_object_array_get_idx(due, i)),
		    &d) < 0 || !ops_is(d, "state", "on")) {
			json_object_put(d);
			continue;
		}
		/* Its time is up: the user confirmed this end when the run
		 * started, so nobody is asked (ops_control_one asks no one). */
		r = ops_control_one(c, d, "off", NULL, &after, err);
		json_object_put(d);
		json_object_put(after);
		if (r < 0) {
			db_rollback(c->db);
			goto done;
		}
		*ended += r;
	}
	r = ops_txn_commit(&t, err);
done:
	json_object_put(due);
	json_object_put(list);
	return r;
}

bool
ops_changes_timed(struct json_object *changes)
{
	size_t i, n = json_object_array_length(changes);

	for (i = 0; i < n; i++) {
		struct json_object *d = json_object_object_get(json_object_array_get_idx(changes,
		    i), "device");

		if (ops_is(d, "type", "sprinkler"))
			return true;
	}
	return false;
}

