/* SPDX-License-Identifier: MIT */
/* ops_automation.c -- automations as the interfaces see them: add, replace,
 * remove, enable, list, show, test (which conditions hold now) and run (a
 * request that homectl-automations carries out).  Every write checks the
 * document against the home and every other automation in the same
 * transaction that stores it, so two writers cannot build a loop between
 * them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "automation.h"
#include "ops_internal.h"
#include "util.h"

/* Runs kept per automation. */
#define RUNS_KEEP 50

static int64_t
now_s(void)
{
	return (int64_t)time(NULL);
}

static void
iso(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "?");
}

/* -ENOENT with a "did you mean" when a name is close. */
static int
unknown(const struct ops_ctx *c, const char *name, char *err)
{
	struct json_object *all = NULL;
	const char *best = NULL;
	unsigned bd = 4;

	if (db_automations(c->db, &all) == 0) {
		for (size_t i = 0; i < json_object_array_length(all); i++) {
			const char *n = ops_jstr(json_object_array_get_idx(all, i), "name");
			unsigned d = n ? str_distance(name, n) : 255;

			if (d < bd) {
				bd = d;
				best = n;
			}
		}
	}
	if (best != NULL)
		ops_errf(err, -ENOENT, "no automation is named \"%s\"; did you mean \"%s\"?", name,
		    best);
	else
		ops_errf(err, -ENOENT, "no automation is named \"%s\" (homectl automation list "
		    "shows them)", name);
	json_object_put(all);
	return -ENOENT;
}

/* The stored documents, for the loop check. */
static int
documents(const struct ops_ctx *c, struct json_object **out, char *err)
{
	struct json_object *rows = NULL, *docs;
	int r;

	*out = NULL;
	if ((r = db_automations(c->db, &rows)) < 0)
		return ops_db_err(err, r);
	docs = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(rows); i++) {
		struct json_object *d = json_object_object_get(json_object_array_get_idx(rows, i),
		    "document");

		if (d != NULL)
			json_object_array_add(docs, json_object_get(d));
	}
	json_object_put(rows);
	*out = docs;
	return 0;
}

/* A db row as the interfaces show it: "enabled" lifted out, "next_run",
 * and "last_run" expanded to the run.  Takes over row. */
static struct json_object *
present(const struct ops_ctx *c, struct json_object *row)
{
	struct json_object *doc = json_object_object_get(row, "document"), *lr, *run = NULL;
	int64_t next;
	char buf[32];

	json_object_object_add(row, "enabled", json_object_new_boolean(automation_enabled(doc)));
	if (automation_enabled(doc) && automation_next(doc, c, now_s(), &next, NULL) == 0) {
		iso(next, buf, sizeof(buf));
		json_object_object_add(row, "next_run", json_object_new_string(buf));
	} else {
		json_object_object_add(row, "next_run", NULL);
	}
	lr = json_object_object_get(row, "last_run");
	if (lr != NULL && db_run_get(c->db, json_object_get_int64(lr), &run) == 0)
		json_object_object_add(row, "last_run", run);
	json_object_object_del(row, "last_elapse");
	return row;
}

int
ops_automation_put(const struct ops_ctx *c, struct json_object *doc, bool replace,
    bool confirm, struct json_object **out, char *err)
{
	struct automation_env env = { .ops = c, .have_location = c->have_location };
	struct json_object *others = NULL, *canon = NULL, *row = NULL;
	const char *name;
	int r;

	*out = NULL;
	if ((r = ops_confirm_check(c, confirm, NULL, NULL, NULL, err)) < 0)
		return r;
	if ((r = db_begin(c->db, true)) < 0)
		return ops_db_err(err, r);
	if ((r = documents(c, &others, err)) < 0)
		goto fail;
	if ((r = automation_check(&env, doc, others, &canon, err)) < 0)
		goto fail;
	name = automation_name(canon);
	r = replace ? db_automation_replace(c->db, name, json_object_to_json_string_ext(canon,
	    JSON_C_TO_STRING_PLAIN)) : db_automation_add(c->db, name,
	    json_object_to_json_string_ext(canon, JSON_C_TO_STRING_PLAIN), now_s());
	if (r == -EEXIST) {
		ops_errf(err, r, "an automation named \"%s\" already exists; remove it first or "
		    "replace it", name);
		goto fail;
	}
	if (r == -ENOENT) {
		unknown(c, name, err);
		goto fail;
	}
	if (r < 0 || (r = db_automation_get(c->db, name, &row)) < 0) {
		ops_db_err(err, r);
		goto fail;
	}
	if ((r = db_commit(c->db)) < 0) {
		json_object_put(row);
		ops_db_err(err, r);
		goto done;
	}
	*out = present(c, row);
	goto done;
fail:
	db_rollback(c->db);
done:
	json_object_put(others);
	json_object_put(canon);
	return r;
}

int
ops_automation_remove(const struct ops_ctx *c, const char *name, bool confirm, char *err)
{
	int r;

	if ((r = ops_confirm_check(c, confirm, NULL, NULL, NULL, err)) < 0)
		return r;
	r = db_automation_remove(c->db, name);

	if (r == -ENOENT)
		return unknown(c, name, err);
	return r < 0 ? ops_db_err(err, r) : 0;
}

int
ops_automation_enable(const struct ops_ctx *c, const char *name, bool enabled, bool confirm,
    struct json_object **out, char *err)
{
	int r;

	*out = NULL;
	if ((r = ops_confirm_check(c, confirm, NULL, NULL, NULL, err)) < 0)
		return r;
	r = db_automation_enable(c->db, name, enabled);
	if (r == -ENOENT)
		return unknown(c, name, err);
	if (r < 0)
		return ops_db_err(err, r);
	return ops_automation_get(c, name, 0, out, err);
}

int
ops_automation_get(const struct ops_ctx *c, const char *name, int64_t runs,
    struct json_object **out, char *err)
{
	struct json_object *row = NULL, *list = NULL;
	int r;

	*out = NULL;
	if ((r = db_begin(c->db, false)) < 0)
		return ops_db_err(err, r);
	r = db_automation_get(c->db, name, &row);
	if (r == 0 && runs > 0 && (r = db_runs(c->db, name, runs, &list)) == 0)
		json_object_object_add(row, "runs", list);
	if (r == 0)
		row = present(c, row);
	db_rollback(c->db);
	if (r == -ENOENT)
		return unknown(c, name, err);
	if (r < 0) {
		json_object_put(row);
		return ops_db_err(err, r);
	}
	*out = row;
	return 0;
}

int
ops_automations(const struct ops_ctx *c, struct json_object **out, char *err)
{
	struct json_object *rows = NULL;
	int r;

	*out = NULL;
	if ((r = db_begin(c->db, false)) < 0)
		return ops_db_err(err, r);
	if ((r = db_automations(c->db, &rows)) == 0)
		for (size_t i = 0; i < json_object_array_length(rows); i++)
			present(c, json_object_array_get_idx(rows, i));
	db_rollback(c->db);
	if (r < 0)
		return ops_db_err(err, r);
	*out = rows;
	return 0;
}

int
ops_automation_test(const struct ops_ctx *c, const char *name, int64_t now,
    struct json_object **out, char *err)
{
	struct json_object *row = NULL, *report = NULL, *res;
	bool holds;
	int r;

	*out = NULL;
	if ((r = db_begin(c->db, false)) < 0)
		return ops_db_err(err, r);
	if ((r = db_automation_get(c->db, name, &row)) < 0) {
		db_rollback(c->db);
		return r == -ENOENT ? unknown(c, name, err) : ops_db_err(err, r);
	}
	r = automation_conditions(c, json_object_object_get(row, "document"), now, &holds,
	    &report, err);
	db_rollback(c->db);
	if (r < 0) {
		json_object_put(row);
		return r;
	}
	res = json_object_new_object();
	json_object_object_add(res, "name", json_object_new_string(name));
	json_object_object_add(res, "enabled", json_object_new_boolean(automation_enabled(
	    json_object_object_get(row, "document"))));
	json_object_object_add(res, "holds", json_object_new_boolean(holds));
	json_object_object_add(res, "conditions", report);
	json_object_put(row);
	*out = res;
	return 0;
}

int
ops_automation_run(const struct ops_ctx *c, const char *name, bool confirm,
    struct json_object **out, char *err)
{
	struct json_object *row = NULL, *trigger;
	int64_t id;
	int r;

	*out = NULL;
	if ((r = ops_confirm_check(c, confirm, NULL, NULL, NULL, err)) < 0)
		return r;
	if ((r = db_begin(c->db, true)) < 0)
		return ops_db_err(err, r);
	if ((r = db_automation_get(c->db, name, &row)) < 0) {
		db_rollback(c->db);
		return r == -ENOENT ? unknown(c, name, err) : ops_db_err(err, r);
	}
	json_object_put(row);
	trigger = json_object_new_object();
	json_object_object_add(trigger, "run", json_object_new_string(ops_source_name(c->source)));
	r = db_run_add(c->db, name, trigger, "requested", RUNS_KEEP, &id);
	json_object_put(trigger);
	if (r < 0 || (r = db_commit(c->db)) < 0) {
		db_rollback(c->db);
		return ops_db_err(err, r);
	}
	*out = json_object_new_object();
	json_object_object_add(*out, "name", json_object_new_string(name));
	json_object_object_add(*out, "run", json_object_new_int64(id));
	return 0;
}
