/* SPDX-License-Identifier: MIT */
/* ops_history.c -- the change feed as clients read it: onwards from a seq,
 * or the newest changes (of the house or of one device), or one device
 * between two times, downsampled for a chart. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ops_internal.h"
#include "util.h"

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

/* ---- one device over a span of time ---- */

#define DAY_MS (86400 * (int64_t)1000)

/* "2026-11-26T01:02:03Z", with an optional fraction of up to nine digits:
 * milliseconds since the epoch, or -1 for anything else. */
static int64_t
utc_parse_ms(const char *s)
{
	struct tm tm = { 0 };
	const char *rest;
	int64_t ms = 0;
	int scale = 100, i;

	if (s == NULL || strlen(s) < 20 || (rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL)
		return -1;
	if (*rest == '.') {
		for (i = 1; rest[i] >= '0' && rest[i] <= '9'; i++) {
			if (i > 9)
				return -1;
			ms += (int64_t)(rest[i] - '0') * scale;
			scale /= 10;
		}
		if (i == 1)
			return -1;
		rest += i;
	}
	if (strcmp(rest, "Z") != 0 || tm.tm_year < 70)
		return -1;
	return (int64_t)timegm(&tm) * 1000 + ms;
}

/* The feed's own form, so that times compare as strings. */
static void
utc_format_ms(int64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

/* What a point of the history says: the change without the device's
 * name and room (the caller knows the device). */
static struct json_object *
point(struct json_object *change)
{
	struct json_object *p = json_object_new_object(), *d, *v;
	static const char *const keys[] = { "seq", "at", "source", "automation", NULL };

	for (const char *const *k = keys; *k != NULL; k++)
		if (json_object_object_get_ex(change, *k, &v))
			json_object_object_add(p, *k, json_object_get(v));
	if (json_object_object_get_ex(change, "device", &d)) {
		if (json_object_object_get_ex(d, "state", &v))
			json_object_object_add(p, "state", json_object_get(v));
		if (json_object_object_get_ex(d, "properties", &v))
			json_object_object_add(p, "properties", json_object_get(v));
	}
	return p;
}

static bool
is_device_change(struct json_object *c)
{
	const char *kind = ops_jstr(c, "kind");

	return kind != NULL && strcmp(kind, "device") == 0;
}

int
ops_device_history(const struct ops_ctx *c, const char *device_id, const char *from,
    const char *to, int64_t points, struct json_object **out, char *err)
{
	struct json_object *dev = NULL, *rows = NULL, *first = NULL, *kept, *o, *ret, *row;
	char from_s[64], to_s[64], now_s[64];
	int64_t from_ms, to_ms, before, oldest, newest, count = 0, slice, last_slice = -1;
	char *oldest_at = NULL;
	size_t i, n;
	int r;

	*out = NULL;
	if (points < 1 || points > OPS_HISTORY_POINTS_MAX)
		return ops_errf(err, -EINVAL, "points must be from 1 to %d", OPS_HISTORY_POINTS_MAX);
	to_ms = to != NULL ? utc_parse_ms(to) : utc_parse_ms(utc_now(now_s, sizeof(now_s)));
	if (to_ms < 0)
		return ops_errf(err, -EINVAL, "to must be a UTC time like 2026-11-26T01:02:03Z");
	from_ms = from != NULL ? utc_parse_ms(from) : to_ms - DAY_MS;
	if (from_ms < 0)
		return ops_errf(err, -EINVAL, "from must be a UTC time like 2026-11-26T01:02:03Z");
	if (from_ms >= to_ms)
		return ops_errf(err, -EINVAL, "from must be before to");
	utc_format_ms(from_ms, from_s, sizeof(from_s));
	utc_format_ms(to_ms, to_s, sizeof(to_s));
	if ((r = ops_device_get(c, device_id, &dev, err)) < 0)
		return r;
	json_object_put(dev);

	/* The state at from, then every change after it, in one read. */
	if ((r = db_begin(c->db, false)) < 0)
		return ops_db_err(err, r);
	if ((r = db_device_seq_before(c->db, device_id, from_s, &before)) < 0 ||
	    (before > 0 && (r = db_changes(c->db, before - 1, 1, device_id, &first, NULL)) < 0) ||
	    (r = db_changes(c->db, before, 0, device_id, &rows, NULL)) < 0 ||
	    (r = db_changes_bounds(c->db, &oldest, &newest)) < 0 ||
	    (oldest <= newest && (r = db_change_at(c->db, oldest, &oldest_at)) < 0 && r != -ENOENT)) {
		db_rollback(c->db);
		json_object_put(first);
		json_object_put(rows);
		free(oldest_at);
		return ops_db_err(err, r);
	}
	db_commit(c->db);

	/* The changes in [from, to): all of them, or the last of each slice. */
	kept = json_object_new_array();
	n = json_object_array_length(rows);
	for (i = 0; i < n; i++) {
		const char *at;

		row = json_object_array_get_idx(rows, i);
		if (!is_device_change(row) || (at = ops_jstr(row, "at")) == NULL ||
		    strcmp(at, from_s) < 0 || strcmp(at, to_s) >= 0)
			continue;
		count++;
	}
	for (i = 0; i < n; i++) {
		const char *at;
		int64_t ms;

		row = json_object_array_get_idx(rows, i);
		if (!is_device_change(row) || (at = ops_jstr(row, "at")) == NULL ||
		    strcmp(at, from_s) < 0 || strcmp(at, to_s) >= 0)
			continue;
		if (count <= points) {
			json_object_array_add(kept, point(row));
			continue;
		}
		ms = utc_parse_ms(at);
		slice = ms < 0 ? last_slice : (ms - from_ms) * points / (to_ms - from_ms);
		/* Rows come in seq order: a later row of the same slice
		 * replaces the one kept for it. */
		if (slice == last_slice && json_object_array_length(kept) > 0)
			json_object_array_del_idx(kept, json_object_array_length(kept) - 1, 1);
		json_object_array_add(kept, point(row));
		last_slice = slice;
	}

	ret = json_object_new_object();
	json_object_object_add(ret, "device_id", json_object_new_string(device_id));
	json_object_object_add(ret, "from", json_object_new_string(from_s));
	json_object_object_add(ret, "to", json_object_new_string(to_s));
	json_object_object_add(ret, "count", json_object_new_int64(count));
	json_object_object_add(ret, "downsampled", json_object_new_boolean(count > points));
	json_object_object_add(ret, "start", first != NULL &&
	    json_object_array_length(first) == 1 &&
	    is_device_change(json_object_array_get_idx(first, 0)) ?
	    point(json_object_array_get_idx(first, 0)) : NULL);
	json_object_object_add(ret, "changes", kept);
	o = json_object_new_object();
	json_object_object_add(o, "max_rows", c->feed_max_rows > 0 ?
	    json_object_new_int64(c->feed_max_rows) : NULL);
	json_object_object_add(o, "max_age_days", c->feed_max_age_s > 0 ?
	    json_object_new_int64(c->feed_max_age_s / 86400) : NULL);
	json_object_object_add(ret, "retention", o);
	json_object_object_add(ret, "oldest_at", oldest_at != NULL ?
	    json_object_new_string(oldest_at) : NULL);
	free(oldest_at);
	json_object_put(first);
	json_object_put(rows);
	*out = ret;
	return 0;
}
