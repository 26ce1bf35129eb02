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
#include "model.h"
#include "ops_internal.h"
#include "util.h"

/* Runs kept per automation. */
#define RUNS_KEEP 50

int
ops_automations_release(const struct ops_ctx *c, const char *id, bool force,
    struct json_object **names, char *err)
{
	struct json_object *all = NULL, *trigger;
	char list[OPS_ERRLEN / 2] = "";
	size_t i, n, off = 0;
	int64_t run;
	int r;

	*names = json_object_new_array();
	if ((r = db_automations(c->db, &all)) < 0)
		return ops_db_err(err, r);
	n = json_object_array_length(all);
	for (i = 0; i < n; i++) {
		struct json_object *a = json_object_array_get_idx(all, i), *doc;
		const char *name = ops_jstr(a, "name");

		if (name == NULL || !json_object_object_get_ex(a, "document", &doc) ||
		    !automation_uses_device(doc, id))
			continue;
		json_object_array_add(*names, json_object_new_string(name));
		if (off < sizeof(list)) {
			int k = snprintf(list + off, sizeof(list) - off, "%s\"%s\"",
			    off > 0 ? ", " : "", name);

			off += k > 0 ? (size_t)k : 0;
		}
	}
	json_object_put(all);
	n = json_object_array_length(*names);
	if (n == 0)
		return 0;
	if (!force)
		return ops_errf(err, -ETXTBSY, "the device %s is used by the automation%s %s%s: "
		    "change or remove %s first, or force the removal, which disables %s", id,
		    n > 1 ? "s" : "", list, off >= sizeof(list) ? "..." : "",
		    n > 1 ? "them" : "it", n > 1 ? "them" : "it");
	for (i = 0; i < n; i++) {
		const char *name = json_object_get_string(json_object_array_get_idx(*names, i));

		trigger = json_object_new_object();
		json_object_object_add(trigger, "device_removed", json_object_new_string(id));
		json_object_object_add(trigger, "by",
		    json_object_new_string(ops_source_name(c->source)));
		r = db_automation_enable(c->db, name, false);
		if (r == 0)
			r = db_run_add(c->db, name, trigger, "disabled", RUNS_KEEP, &run);
		if (r == 0)
			r = db_run_update(c->db, run, "disabled", NULL, NULL, true);
		json_object_put(trigger);
		if (r < 0)
			return ops_db_err(err, r);
	}
	return 0;
}

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

/* Puts one step (action with props on dev, a db device) to the one
 * confirmation rule as if unconfirmed, in every state the device's type
 * has (the automation runs later, when the device may be in any), and
 * appends it to list when some state needs the user's yes.  -EACCES when
 * the caller may not open the home at all. */
static int
consent_step(const struct ops_ctx *c, struct json_object *dev, const char *action,
    struct json_object *props, struct json_object *list, char *err)
{
	const struct model_type *t = model_type_find(ops_jstr(dev, "type"));
	const char *id = ops_jstr(dev, "id");
	struct json_object *as, *one;
	char why[OPS_ERRLEN];
	bool needs = false;
	int r;

	if (t == NULL || action == NULL || id == NULL || !model_has_action(t, action))
		return 0;
	for (size_t i = 0; i < json_object_array_length(list); i++)
		if (ops_is(json_object_array_get_idx(list, i), "device", id) &&
		    ops_is(json_object_array_get_idx(list, i), "action", action))
			return 0;
	as = NULL;
	if (json_object_deep_copy(dev, &as, NULL) < 0 || as == NULL)
		return ops_errf(err, -ENOMEM, "out of memory");
	for (const char *const *st = t->states; *st != NULL && !needs; st++) {
		json_object_object_add(as, "state", json_object_new_string(*st));
		r = ops_confirm_check(c, false, as, action, props, why);
		if (r == -EACCES) {
			json_object_put(as);
			return ops_errf(err, r, "%s", why);
		}
		needs = r == -EPERM;
	}
	json_object_put(as);
	if (!needs)
		return 0;
	one = json_object_new_object();
	json_object_object_add(one, "device", json_object_new_string(id));
	json_object_object_add(one, "name", json_object_get(json_object_object_get(dev, "name")));
	json_object_object_add(one, "action", json_object_new_string(action));
	json_object_array_add(list, one);
	return 0;
}

int
ops_automation_consent(const struct ops_ctx *c, struct json_object *doc,
    struct json_object **out, char *err)
{
	struct json_object *actions = json_object_object_get(doc, "actions"), *list;
	size_t i, k;
	int r = 0;

	*out = NULL;
	list = json_object_new_array();
	for (i = 0; i < json_object_array_length(actions) && r == 0; i++) {
		struct json_object *a = json_object_array_get_idx(actions, i), *devs = NULL;
		struct json_object *desc = NULL, *dev = NULL, *props;
		const char *mode = ops_jstr(a, "mode"), *action = ops_jstr(a, "action");

		props = json_object_object_get(a, "properties");
		if (mode != NULL) {
			/* A mode: every step of its scene as it is now (a scene
			 * edited later to open more is not covered). */
			struct json_object *scene;

			if (db_mode_describe(c->db, mode, &desc) < 0)
				continue;
			scene = json_object_object_get(desc, "scene");
			for (k = 0; k < json_object_array_length(scene) && r == 0; k++) {
				struct json_object *step = json_object_array_get_idx(scene, k);
				struct json_object *sp = json_object_object_get(step, "properties");

				if (db_device_get(c->db, ops_jstr(step, "device_id"), &dev) < 0)
					continue;
				r = consent_step(c, dev, ops_jstr(step, "action"),
				    json_object_object_length(sp) ? sp : NULL, list, err);
				json_object_put(dev);
				dev = NULL;
			}
			json_object_put(desc);
		} else if (ops_jstr(a, "device") != NULL) {
			if (db_device_get(c->db, ops_jstr(a, "device"), &dev) == 0)
				r = consent_step(c, dev, action, props, list, err);
			json_object_put(dev);
		} else if (action != NULL) {
			/* Bulk: the devices it names now. */
			if (db_devices(c->db, ops_jstr(a, "room"), ops_jstr(a, "type"), &devs) == 0)
				for (k = 0; k < json_object_array_length(devs) && r == 0; k++)
					r = consent_step(c, json_object_array_get_idx(devs, k), action,
					    props, list, err);
			json_object_put(devs);
		}
	}
	if (r < 0) {
		json_object_put(list);
		return r;
	}
	*out = list;
	return 0;
}

/* true when every action of need is in have (a stored consent, or NULL). */
static bool
consent_covers(struct json_object *have, struct json_object *need)
{
	for (size_t i = 0; i < json_object_array_length(need); i++) {
		struct json_object *one = json_object_array_get_idx(need, i);
		bool found = false;

		for (size_t k = 0; have != NULL && k < json_object_array_length(have) && !found;
		    k++)
			found = ops_is(json_object_array_get_idx(have, k), "device",
			    ops_jstr(one, "device")) && ops_is(json_object_array_get_idx(have, k),
			    "action", ops_jstr(one, "action"));
		if (!found)
			return false;
	}
	return true;
}

/* -EPERM naming what doc's automation would open, for want of a yes. */
static int
consent_needed(const char *name, struct json_object *need, char *err)
{
	char what[300] = "";
	size_t off = 0;

	for (size_t i = 0; i < json_object_array_length(need) && off < sizeof(what); i++) {
		struct json_object *one = json_object_array_get_idx(need, i);
		int n = snprintf(what + off, sizeof(what) - off, "%s%s %s", i ? ", " : "",
		    ops_jstr(one, "action"), ops_jstr(one, "device"));

		off += n > 0 ? (size_t)n : 0;
	}
	return ops_errf(err, -EPERM, "automation \"%s\" would open the home when it runs (%s): "
	    "ask the user to confirm, then repeat the request with confirm: true", name, what);
}

int
ops_automation_put(const struct ops_ctx *c, struct json_object *doc, bool replace,
    bool confirm, struct json_object **out, char *err)
{
	struct automation_env env = { .ops = c, .have_location = c->have_location };
	struct json_object *others = NULL, *canon = NULL, *row = NULL, *need = NULL;
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
	/* Opening actions need the person's yes now, which the automation
	 * keeps (it never confirms for anyone when it runs). */
	if ((r = ops_automation_consent(c, canon, &need, err)) < 0)
		goto fail;
	if (json_object_array_length(need) > 0 && !confirm) {
		r = consent_needed(name, need, err);
		goto fail;
	}
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
	if (r == 0 && json_object_array_length(need) > 0)
		r = db_automation_consent(c->db, name, need);
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
	json_object_put(need);
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
	struct json_object *row = NULL, *need = NULL;
	int r;

	*out = NULL;
	if ((r = ops_confirm_check(c, confirm, NULL, NULL, NULL, err)) < 0)
		return r;
	if ((r = db_begin(c->db, true)) < 0)
		return ops_db_err(err, r);
	if ((r = db_automation_get(c->db, name, &row)) < 0) {
		r = r == -ENOENT ? unknown(c, name, err) : ops_db_err(err, r);
		goto fail;
	}
	/* Turned on, it may open what it names: the person's yes, given
	 * before (its consent) or now. */
	if (enabled) {
		if ((r = ops_automation_consent(c, json_object_object_get(row, "document"), &need,
		    err)) < 0)
			goto fail;
		if (!consent_covers(json_object_object_get(row, "consent"), need)) {
			if (!confirm) {
				r = consent_needed(name, need, err);
				goto fail;
			}
			if ((r = db_automation_consent(c->db, name, need)) < 0) {
				ops_db_err(err, r);
				goto fail;
			}
		}
	}
	if ((r = db_automation_enable(c->db, name, enabled)) < 0 || (r = db_commit(c->db)) < 0) {
		ops_db_err(err, r);
		goto fail;
	}
	json_object_put(row);
	json_object_put(need);
	return ops_automation_get(c, name, 0, out, err);
fail:
	db_rollback(c->db);
	json_object_put(row);
	json_object_put(need);
	return r;
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
