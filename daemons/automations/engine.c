/* SPDX-License-Identifier: MIT */
/* engine.c -- the automations as loaded, and what sets them off: device and
 * mode changes from the feed, hold times (for_s), calendar and sun times,
 * and runs a front end asked for.
 *
 * Time triggers keep, per trigger, the next elapse and the last one fired.
 * The next elapse is always computed from now, but never at or before the
 * last one fired: a clock set back does not fire the same 07:00 twice, and
 * a clock set forward past an elapse fires it once, late rather than never
 * (several skipped elapses fire once, as systemd's timers do). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "automation.h"
#include "automations.h"
#include "log.h"
#include "util.h"

static struct json_object *
get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static const char *
get_str(struct json_object *o, const char *key)
{
	struct json_object *v = get(o, key);

	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static void
iso(int64_t us, char *buf, size_t len)
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "?");
}

static struct json_object *
trigger_of(struct rule *r, size_t i)
{
	return json_object_array_get_idx(get(r->doc, "triggers"), i);
}

struct rule *
engine_find(struct daemon *d, const char *name)
{
	for (size_t i = 0; i < d->nrules; i++)
		if (strcmp(d->rules[i]->name, name) == 0)
			return d->rules[i];
	return NULL;
}

/* ---- time triggers ---- */

/* The next elapse of trigger i strictly after now and after the last one
 * fired (last, us; -1 none), or -1. */
static int64_t
next_elapse(struct rule *r, size_t i, int64_t now, int64_t last)
{
	int64_t s, from = now > last ? now : last;

	if (automation_trigger_next(trigger_of(r, i), &r->d->ops, from / 1000000, &s) < 0)
		return -1;
	return s * 1000000;
}

static void
plan(struct rule *r, int64_t now)
{
	for (size_t i = 0; i < r->ntriggers; i++) {
		enum automation_trigger_kind k = automation_trigger_kind(trigger_of(r, i));

		r->next_at[i] = -1;
		if (k == AUTOMATION_T_TIME || k == AUTOMATION_T_SUN)
			r->next_at[i] = next_elapse(r, i, now, r->last_at[i]);
	}
}

static void
hold_disarm(struct hold *h)
{
	h->timer = sd_event_source_disable_unref(h->timer);
}

static void
rule_free(struct rule *r)
{
	if (r == NULL)
		return;
	run_cancel(r, "the automation was changed or removed");
	r->retry = sd_event_source_disable_unref(r->retry);
	for (size_t i = 0; i < r->ntriggers; i++)
		hold_disarm(&r->holds[i]);
	free(r->name);
	free(r->next_at);
	free(r->last_at);
	free(r->holds);
	json_object_put(r->doc);
	json_object_put(r->consent);
	json_object_put(r->queue);
	free(r);
}

static struct rule *
rule_new(struct daemon *d, const char *name, struct json_object *doc)
{
	struct rule *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->d = d;
	r->ntriggers = json_object_array_length(get(doc, "triggers"));
	if ((r->name = strdup(name)) == NULL ||
	    (r->next_at = calloc(r->ntriggers + 1, sizeof(*r->next_at))) == NULL ||
	    (r->last_at = calloc(r->ntriggers + 1, sizeof(*r->last_at))) == NULL ||
	    (r->holds = calloc(r->ntriggers + 1, sizeof(*r->holds))) == NULL) {
		rule_free(r);
		return NULL;
	}
	r->doc = json_object_get(doc);
	r->queue = json_object_new_array();
	for (size_t i = 0; i < r->ntriggers; i++) {
		r->holds[i].rule = r;
		r->holds[i].trigger = i;
		r->last_at[i] = -1;
	}
	plan(r, clock_now(d));
	return r;
}

int
engine_reload(struct daemon *d, bool force)
{
	struct json_object *rows = NULL;
	struct rule **keep;
	size_t i, n, nkeep = 0;
	int64_t gen;
	int r;

	if ((r = db_automation_generation(d->db, &gen)) < 0)
		return r;
	if (!force && gen == d->generation)
		return 0;
	if ((r = db_automations(d->db, &rows)) < 0)
		return r;
	n = json_object_array_length(rows);
	if ((keep = calloc(n + 1, sizeof(struct rule *))) == NULL) {
		json_object_put(rows);
		return -ENOMEM;
	}
	for (i = 0; i < d->nrules; i++)
		d->rules[i]->seen = false;
	/* Mark: unchanged rules carry on (their runs and timers too). */
	for (i = 0; i < n; i++) {
		struct json_object *row = json_object_array_get_idx(rows, i);
		struct json_object *doc = get(row, "document");
		const char *name = get_str(row, "name");
		struct rule *rule;

		if (name == NULL || !json_object_is_type(doc, json_type_object) ||
		    !json_object_is_type(get(doc, "triggers"), json_type_array) ||
		    !json_object_is_type(get(doc, "actions"), json_type_array))
			continue;	/* a foreign writer's mistake: nothing we can run */
		rule = engine_find(d, name);
		if (rule != NULL && json_object_equal(rule->doc, doc)) {
			/* The consent may change alone (enabled again with a yes). */
			json_object_put(rule->consent);
			rule->consent = json_object_get(get(row, "consent"));
			rule->seen = true;
			keep[nkeep++] = rule;
			continue;
		}
		if ((rule = rule_new(d, name, doc)) == NULL)
			continue;
		rule->consent = json_object_get(get(row, "consent"));
		rule->seen = true;
		keep[nkeep++] = rule;
		log_rule(LOG_INFO, rule, "loaded \"%s\" (%s)", name, automation_enabled(doc) ?
		    "enabled" : "disabled");
	}
	/* Sweep: the old versions of changed rules and the removed ones. */
	for (i = 0; i < d->nrules; i++) {
		struct rule *old = d->rules[i];
		bool kept = false;

		for (size_t k = 0; k < nkeep; k++)
			kept = kept || keep[k] == old;
		if (!kept)
			rule_free(old);
	}
	free(d->rules);
	d->rules = keep;
	d->nrules = nkeep;
	d->generation = gen;
	json_object_put(rows);
	return 0;
}

void
engine_fini(struct daemon *d)
{
	for (size_t i = 0; i < d->nrules; i++)
		rule_free(d->rules[i]);
	free(d->rules);
	d->rules = NULL;
	d->nrules = 0;
}

/* ---- device and mode triggers ---- */

static struct json_object *
context(size_t i, const char *key, const char *value)
{
	struct json_object *t = json_object_new_object();

	json_object_object_add(t, "trigger", json_object_new_int64((int64_t)i + 1));
	if (key != NULL)
		json_object_object_add(t, key, json_object_new_string(value));
	return t;
}

static int
hold_done(sd_event_source *s, uint64_t usec, void *arg)
{
	struct hold *h = arg;
	struct rule *r = h->rule;
	struct json_object *t = trigger_of(r, h->trigger), *dev;

	hold_disarm(h);
	dev = get(r->d->devices, get_str(t, "device"));
	if (automation_trigger_holds(t, dev)) {
		struct json_object *ctx = context(h->trigger, "device", get_str(t, "device"));

		json_object_object_add(ctx, "held_s", json_object_get(get(t, "for_s")));
		run_trigger(r, ctx, true);
	}
	return 0;
}

/* A device changed from before (may be NULL) to after. */
static void
device_changed(struct daemon *d, struct json_object *before, struct json_object *after,
    int64_t seq)
{
	const char *id = get_str(after, "id");

	for (size_t i = 0; i < d->nrules; i++) {
		struct rule *r = d->rules[i];

		if (!automation_enabled(r->doc))
			continue;
		for (size_t k = 0; k < r->ntriggers; k++) {
			struct json_object *t = trigger_of(r, k), *ctx;
			enum automation_trigger_kind kind = automation_trigger_kind(t);
			int64_t for_s = json_object_get_int64(get(t, "for_s"));

			if ((kind != AUTOMATION_T_STATE && kind != AUTOMATION_T_NUMERIC) ||
			    get_str(t, "device") == NULL || strcmp(get_str(t, "device"), id) != 0)
				continue;
			if (r->holds[k].timer != NULL && !automation_trigger_holds(t, after))
				hold_disarm(&r->holds[k]);
			if (!automation_trigger_fires(t, before, after))
				continue;
			if (for_s > 0) {
				if (r->holds[k].timer == NULL &&
				    sd_event_add_time_relative(d->ev, &r->holds[k].timer,
				    CLOCK_BOOTTIME, (uint64_t)for_s * 1000000, TIMER_ACCURACY_US,
				    hold_done, &r->holds[k]) < 0)
					log_rule(LOG_WARNING, r, "cannot arm a hold timer");
				continue;
			}
			ctx = context(k, "device", id);
			json_object_object_add(ctx, "seq", json_object_new_int64(seq));
			json_object_object_add(ctx, "to", json_object_get(
			    get_str(t, "property") ? get(get(after, "properties"),
			    get_str(t, "property")) : get(after, "state")));
			run_trigger(r, ctx, true);
		}
	}
}

static void
mode_changed(struct daemon *d, const char *from, const char *to)
{
	for (size_t i = 0; i < d->nrules; i++) {
		struct rule *r = d->rules[i];

		if (!automation_enabled(r->doc))
			continue;
		for (size_t k = 0; k < r->ntriggers; k++) {
			struct json_object *t = trigger_of(r, k), *ctx;

			if (automation_trigger_kind(t) != AUTOMATION_T_MODE ||
			    strcmp(get_str(t, "mode"), to) != 0 ||
			    (get_str(t, "from") != NULL && (from == NULL ||
			    strcmp(get_str(t, "from"), from) != 0)))
				continue;
			ctx = context(k, "mode", to);
			if (from != NULL)
				json_object_object_add(ctx, "from", json_object_new_string(from));
			run_trigger(r, ctx, true);
		}
	}
}

void
engine_changes(struct daemon *d, struct json_object *changes)
{
	size_t n = json_object_array_length(changes);

	for (size_t i = 0; i < n; i++) {
		struct json_object *c = json_object_array_get_idx(changes, i);
		const char *kind = get_str(c, "kind");
		int64_t seq = json_object_get_int64(get(c, "seq"));

		if (kind == NULL)
			continue;
		if (strcmp(kind, "device") == 0 && get_str(get(c, "device"), "id") != NULL) {
			struct json_object *after = get(c, "device");
			const char *id = get_str(after, "id");
			struct json_object *before = json_object_get(get(d->devices, id));

			/* The cache first: what a run started here reads is current. */
			json_object_object_add(d->devices, id, json_object_get(after));
			device_changed(d, before, after, seq);
			json_object_put(before);
		} else if (strcmp(kind, "device_removed") == 0 && get_str(c, "device_id")) {
			json_object_object_del(d->devices, get_str(c, "device_id"));
		} else if (strcmp(kind, "mode") == 0 && get_str(c, "mode") != NULL) {
			char *from = d->mode, *to = strdup(get_str(c, "mode"));

			if (to == NULL)
				continue;
			d->mode = to;
			if (from == NULL || strcmp(from, to) != 0)
				mode_changed(d, from, to);
			free(from);
		}
	}
	if (ops_changes_timed(changes))
		timed_expire(d);
}

/* ---- time ---- */

void
engine_tick(struct daemon *d, bool jumped)
{
	int64_t now = clock_now(d), earliest = -1;
	char buf[32];

	if (jumped || (d->sprinkler_end >= 0 && d->sprinkler_end <= now))
		timed_expire(d);
	for (size_t i = 0; i < d->nrules; i++) {
		struct rule *r = d->rules[i];

		for (size_t k = 0; k < r->ntriggers; k++) {
			struct json_object *t = trigger_of(r, k), *ctx;
			int64_t due = r->next_at[k];

			if (due < 0)
				continue;
			if (due > now) {
				/* Set back: an earlier elapse may now come first. */
				if (jumped)
					r->next_at[k] = next_elapse(r, k, now, r->last_at[k]);
				continue;
			}
			r->last_at[k] = due;
			r->next_at[k] = next_elapse(r, k, now, due);
			if (!automation_enabled(r->doc))
				continue;
			iso(due, buf, sizeof(buf));
			ctx = context(k, get_str(t, "at") ? "at" : "sun",
			    get_str(t, "at") ? get_str(t, "at") : get_str(t, "sun"));
			json_object_object_add(ctx, "scheduled", json_object_new_string(buf));
			if (automation_persistent(r->doc) &&
			    db_automation_mark(d->db, r->name, due / 1000000) < 0)
				log_rule(LOG_WARNING, r, "cannot record the time it ran");
			run_trigger(r, ctx, true);
		}
	}
	/* run_trigger may have reloaded nothing, but rules may differ now;
	 * find the earliest of what is left. */
	for (size_t i = 0; i < d->nrules; i++) {
		struct rule *r = d->rules[i];

		if (!automation_enabled(r->doc))
			continue;
		for (size_t k = 0; k < r->ntriggers; k++)
			if (r->next_at[k] >= 0 && (earliest < 0 || r->next_at[k] < earliest))
				earliest = r->next_at[k];
	}
	if (d->sprinkler_end >= 0 && (earliest < 0 || d->sprinkler_end < earliest))
		earliest = d->sprinkler_end;
	clock_arm(d, earliest);
	/* systemctl status shows what is next; only when it changes. */
	if (earliest != d->status_next || d->nrules != d->status_rules) {
		char when[48] = "nothing timed";

		if (earliest >= 0) {
			char at[32];

			iso(earliest, at, sizeof(at));
			snprintf(when, sizeof(when), "next at %s", at);
		}
		sd_notifyf(0, "STATUS=%zu automation%s, %s", d->nrules, d->nrules == 1 ? "" : "s",
		    when);
		d->status_next = earliest;
		d->status_rules = d->nrules;
	}
}

void
engine_catch_up(struct daemon *d)
{
	struct json_object *rows = NULL;
	int64_t now = clock_now(d);

	if (db_automations(d->db, &rows) < 0)
		return;
	for (size_t i = 0; i < json_object_array_length(rows); i++) {
		struct json_object *row = json_object_array_get_idx(rows, i), *ctx, *t = NULL;
		struct rule *r = engine_find(d, get_str(row, "name") ? get_str(row, "name") : "");
		int64_t last, missed;
		char buf[32];

		if (r == NULL || !automation_enabled(r->doc) || !automation_persistent(r->doc) ||
		    get(row, "last_elapse") == NULL)
			continue;
		last = json_object_get_int64(get(row, "last_elapse"));
		if (automation_next(r->doc, &d->ops, last, &missed, &t) < 0 ||
		    missed * 1000000 > now)
			continue;
		iso(missed * 1000000, buf, sizeof(buf));
		log_rule(LOG_INFO, r, "\"%s\" missed its run at %s while homectl-automations was "
		    "not running; catching up", r->name, buf);
		ctx = json_object_new_object();
		json_object_object_add(ctx, "catch_up", json_object_new_string(buf));
		if (db_automation_mark(d->db, r->name, now / 1000000) < 0)
			log_rule(LOG_WARNING, r, "cannot record the time it ran");
		run_trigger(r, ctx, true);
	}
	json_object_put(rows);
}

void
engine_requests(struct daemon *d)
{
	struct json_object *rows = NULL;
	/* The row's time is SQLite's, the real clock's (not the test offset). */
	time_t now = time(NULL);

	if (db_runs_requested(d->db, &rows) < 0)
		return;
	for (size_t i = 0; i < json_object_array_length(rows); i++) {
		struct json_object *run = json_object_array_get_idx(rows, i);
		int64_t id = json_object_get_int64(get(run, "id"));
		struct rule *r = engine_find(d, get_str(run, "automation") ?
		    get_str(run, "automation") : "");
		struct tm tm = { 0 };
		const char *at = get_str(run, "started_at");

		/* Asked for long ago (homectl-automations was down): too late. */
		if (r == NULL || at == NULL || strptime(at, "%Y-%m-%dT%H:%M:%S", &tm) == NULL ||
		    timegm(&tm) + REQUEST_TTL_S < now) {
			run_record(d, id, "expired", NULL, NULL, true);
			continue;
		}
		run_requested(r, id, json_object_get(get(run, "trigger")));
	}
	json_object_put(rows);
}
