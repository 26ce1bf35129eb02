/* SPDX-License-Identifier: MIT */
/* run.c -- running an automation: the conditions, then the actions one
 * after the other, each through ops (one transaction: all of it or none),
 * delays as CLOCK_BOOTTIME timers (so a suspend counts as time passed),
 * and the run modes when it is set off again while running.  Every run is
 * recorded (automation_runs) as it goes; the first action that fails ends
 * it, since what follows may rely on it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "automation.h"
#include "automations.h"
#include "log.h"
#include "util.h"

static void start(struct rule *rule, struct json_object *trigger, bool check, int64_t id);
static bool requeue(struct rule *rule, struct json_object *trigger, bool check);

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
run_free(struct run *run)
{
	if (run == NULL)
		return;
	run->delay = sd_event_source_disable_unref(run->delay);
	json_object_put(run->trigger);
	json_object_put(run->conditions);
	json_object_put(run->results);
	free(run);
}

/* ---- run records, kept until the database takes them ---- */

static int
flush_timer(sd_event_source *s, uint64_t usec, void *arg)
{
	struct daemon *d = arg;

	d->pending_timer = sd_event_source_disable_unref(d->pending_timer);
	run_flush(d);
	return 0;
}

void
run_flush(struct daemon *d)
{
	struct json_object *done = json_object_new_array();

	json_object_object_foreach(d->pending, key, rec) {
		int64_t id = json_object_get_int64(get(rec, "id"));
		int r = db_run_update(d->db, id, get_str(rec, "outcome"), get(rec, "conditions"),
		    get(rec, "actions"), json_object_get_boolean(get(rec, "finished")));

		if (r == -EBUSY || r == -ESTALE)
			continue;
		if (r < 0)
			log_warnx("cannot record run %lld: %s", (long long)id, strerror(-r));
		json_object_array_add(done, json_object_new_string(key));
	}
	for (size_t i = 0; i < json_object_array_length(done); i++)
		json_object_object_del(d->pending, json_object_get_string(
		    json_object_array_get_idx(done, i)));
	json_object_put(done);
	if (json_object_object_length(d->pending) > 0 && d->pending_timer == NULL &&
	    sd_event_add_time_relative(d->ev, &d->pending_timer, CLOCK_MONOTONIC,
	    (uint64_t)BUSY_RETRY_MS * 1000, TIMER_ACCURACY_US, flush_timer, d) < 0)
		log_warnx("cannot arm the record retry timer");
}

void
run_record(struct daemon *d, int64_t id, const char *outcome, struct json_object *conditions,
    struct json_object *results, bool finished)
{
	struct json_object *rec = json_object_new_object();
	char key[32];

	if (id <= 0) {
		json_object_put(rec);
		return;
	}
	/* The newest state of a run replaces an older one still waiting. */
	json_object_object_add(rec, "id", json_object_new_int64(id));
	json_object_object_add(rec, "outcome", json_object_new_string(outcome));
	json_object_object_add(rec, "conditions", json_object_get(conditions));
	json_object_object_add(rec, "actions", json_object_get(results));
	json_object_object_add(rec, "finished", json_object_new_boolean(finished));
	snprintf(key, sizeof(key), "%lld", (long long)id);
	json_object_object_add(d->pending, key, rec);
	run_flush(d);
}

static void
record(struct run *run, const char *outcome, bool finished)
{
	/* The arrays change as the run goes on: record a copy. */
	struct json_object *res = NULL;

	if (json_object_deep_copy(run->results, &res, NULL) != 0)
		res = NULL;
	run_record(run->rule->d, run->id, outcome, run->conditions, res, finished);
	json_object_put(res);
}

static int retry_start(sd_event_source *s, uint64_t usec, void *arg);

/* Ends the rule's run with outcome; what was queued starts from the loop
 * (not from here, which may be deep inside the run that just ended). */
static void
finish(struct run *run, const char *outcome)
{
	struct rule *rule = run->rule;

	record(run, outcome, true);
	log_rule(strcmp(outcome, "done") == 0 ? LOG_INFO : LOG_WARNING, rule,
	    "\"%s\": run %lld %s", rule->name, (long long)run->id, outcome);
	rule->run = NULL;
	run_free(run);
	if (json_object_array_length(rule->queue) > 0 && rule->retry == NULL &&
	    sd_event_add_time_relative(rule->d->ev, &rule->retry, CLOCK_MONOTONIC, 0,
	    TIMER_ACCURACY_US, retry_start, rule) < 0)
		log_rule(LOG_WARNING, rule, "\"%s\": cannot start what is queued", rule->name);
}

/* Runs one device, bulk or mode action; 0 or -errno with err. */
static int
act(struct run *run, struct json_object *a, struct json_object *result, char *err)
{
	struct daemon *d = run->rule->d;
	struct ops_ctx c = d->ops;
	struct json_object *out = NULL;
	int r;

	c.automation = run->rule->name;
	/* What the person allowed this automation to open, ahead of time:
	 * ops' rule lets those actions through and no others. */
	c.consented = run->rule->consent;
	if (get_str(a, "mode") != NULL) {
		r = ops_mode_set(&c, get_str(a, "mode"), false, &out, err);
	} else {
		struct ops_control req = {
			.device_id = get_str(a, "device"),
			.room = get_str(a, "room"),
			.type = get_str(a, "type"),
			.action = get_str(a, "action"),
			.props = get(a, "properties"),
			/* Never confirmed: an automation cannot say yes for a person,
			 * so what the confirm policy gates fails here, but for the
			 * opening actions the person allowed it (c.consented). */
			.confirm = false,
		};

		r = ops_control(&c, &req, &out, err);
	}
	if (r == 0)
		json_object_object_add(result, "changed", json_object_get(get(out, "changed")));
	json_object_put(out);
	return r;
}

static int delay_done(sd_event_source *s, uint64_t usec, void *arg);

/* Runs the action at run->step again in BUSY_RETRY_MS; false when it has
 * met the lock for BUSY_MAX_MS already. */
static bool
retry_busy(struct run *run)
{
	uint64_t now = mono_usec();

	if (run->busy_since == 0)
		run->busy_since = now;
	if (now - run->busy_since > (uint64_t)BUSY_MAX_MS * 1000)
		return false;
	run->step--;
	return sd_event_add_time_relative(run->rule->d->ev, &run->delay, CLOCK_MONOTONIC,
	    (uint64_t)BUSY_RETRY_MS * 1000, TIMER_ACCURACY_US, delay_done, run) >= 0;
}

/* Runs actions from run->step until a delay, a failure or the end. */
static void
step(struct run *run)
{
	struct rule *rule = run->rule;
	struct json_object *actions = get(rule->doc, "actions");
	size_t n = json_object_array_length(actions);

	while (run->step < n) {
		struct json_object *a = json_object_array_get_idx(actions, run->step);
		struct json_object *result = json_object_new_object();
		char err[OPS_ERRLEN];
		int64_t delay = json_object_get_int64(get(a, "delay_s"));
		int r;

		run->step++;
		json_object_object_add(result, "action", json_object_get(a));
		if (delay > 0) {
			json_object_object_add(result, "ok", json_object_new_boolean(true));
			json_object_array_add(run->results, result);
			if (sd_event_add_time_relative(rule->d->ev, &run->delay, CLOCK_BOOTTIME,
			    (uint64_t)delay * 1000000, TIMER_ACCURACY_US, delay_done, run) < 0) {
				log_rule(LOG_WARNING, rule, "\"%s\": cannot wait %lld s",
				    rule->name, (long long)delay);
				finish(run, "failed");
				return;
			}
			record(run, "waiting", false);
			return;
		}
		/* Busy: another process writes.  Stale: the database file was
		 * replaced, the watcher is about to say so and reopen it. */
		if (((r = act(run, a, result, err)) == -EBUSY || r == -ESTALE) &&
		    retry_busy(run)) {
			json_object_put(result);
			return;
		}
		if (r < 0) {
			const char *fields[] = { NULL, NULL };
			char f[128];

			json_object_object_add(result, "ok", json_object_new_boolean(false));
			json_object_object_add(result, "error", json_object_new_string(err));
			json_object_array_add(run->results, result);
			snprintf(f, sizeof(f), "HOMECTL_AUTOMATION=%s", rule->name);
			fields[0] = f;
			log_fields(LOG_WARNING, fields, "\"%s\": action %zu failed: %s", rule->name,
			    run->step, err);
			finish(run, "failed");
			return;
		}
		run->busy_since = 0;
		json_object_object_add(result, "ok", json_object_new_boolean(true));
		json_object_array_add(run->results, result);
	}
	finish(run, "done");
}

static int
delay_done(sd_event_source *s, uint64_t usec, void *arg)
{
	struct run *run = arg;

	run->delay = sd_event_source_disable_unref(run->delay);
	record(run, "running", false);
	step(run);
	return 0;
}

static int
retry_start(sd_event_source *s, uint64_t usec, void *arg)
{
	struct rule *rule = arg;
	struct json_object *next;

	rule->retry = sd_event_source_disable_unref(rule->retry);
	if (rule->run != NULL || json_object_array_length(rule->queue) == 0)
		return 0;
	next = json_object_get(json_object_array_get_idx(rule->queue, 0));
	json_object_array_del_idx(rule->queue, 0, 1);
	start(rule, json_object_get(get(next, "trigger")),
	    json_object_get_boolean(get(next, "check")), get(next, "id") ?
	    json_object_get_int64(get(next, "id")) : -1);
	json_object_put(next);
	return 0;
}

/* The run could not be recorded for the lock: it goes first in the queue
 * and starts again in BUSY_RETRY_MS.  Takes over trigger when it returns
 * true. */
static bool
requeue(struct rule *rule, struct json_object *trigger, bool check)
{
	struct json_object *q;

	if (rule->retry == NULL && sd_event_add_time_relative(rule->d->ev, &rule->retry,
	    CLOCK_MONOTONIC, (uint64_t)BUSY_RETRY_MS * 1000, TIMER_ACCURACY_US, retry_start,
	    rule) < 0)
		return false;
	q = json_object_new_object();
	json_object_object_add(q, "trigger", trigger);
	json_object_object_add(q, "check", json_object_new_boolean(check));
	json_object_array_put_idx(rule->queue, json_object_array_length(rule->queue), NULL);
	/* Shift the queue by one and put this run first. */
	for (size_t i = json_object_array_length(rule->queue) - 1; i > 0; i--)
		json_object_array_put_idx(rule->queue, i, json_object_get(
		    json_object_array_get_idx(rule->queue, i - 1)));
	json_object_array_put_idx(rule->queue, 0, q);
	return true;
}

/* Starts a run (id >= 0: the row a front end made).  Takes over trigger. */
static void
start(struct rule *rule, struct json_object *trigger, bool check, int64_t id)
{
	struct daemon *d = rule->d;
	struct json_object *report = NULL;
	struct run *run;
	char err[OPS_ERRLEN];
	bool holds = true;
	int r;

	if (mono_usec() - rule->minute_start > 60000000ULL) {
		rule->minute_start = mono_usec();
		rule->minute_runs = 0;
	}
	if (++rule->minute_runs > RUNS_PER_MINUTE) {
		if (rule->minute_runs == RUNS_PER_MINUTE + 1)
			log_rule(LOG_WARNING, rule, "\"%s\" started %d times within a minute: a loop "
			    "written around homectl's checks? Its triggers are ignored for the rest "
			    "of the minute", rule->name, RUNS_PER_MINUTE);
		if (id > 0)
			run_record(d, id, "cancelled", NULL, NULL, true);
		json_object_put(trigger);
		return;
	}
	if (check) {
		if (automation_conditions(&d->ops, rule->doc, clock_now(d) / 1000000, &holds,
		    &report, err) < 0) {
			log_rule(LOG_WARNING, rule, "\"%s\": cannot check its conditions: %s",
			    rule->name, err);
			report = NULL;
			holds = false;
		}
	}
	if ((run = calloc(1, sizeof(*run))) == NULL) {
		json_object_put(trigger);
		json_object_put(report);
		return;
	}
	run->rule = rule;
	run->trigger = trigger;
	run->conditions = report;
	run->results = json_object_new_array();
	if (id < 0 && (r = db_run_add(d->db, rule->name, trigger, holds ? "running" : "skipped",
	    RUNS_KEEP, &id)) < 0) {
		if (r == -EBUSY && requeue(rule, trigger, check)) {
			/* Once per wait, not every BUSY_RETRY_MS: why it is late. */
			if (!rule->lock_wait)
				log_rule(LOG_INFO, rule, "\"%s\": the database is locked by another "
				    "process; the run starts when it is free", rule->name);
			rule->lock_wait = true;
			/* It did not start: its retries are not runs, or a lock
			 * held for long would look like a loop and drop it. */
			rule->minute_runs--;
			run->trigger = NULL;	/* the queue has it */
			run_free(run);
			return;
		}
		log_rule(LOG_WARNING, rule, "\"%s\": cannot record a run", rule->name);
		id = 0;
	}
	rule->lock_wait = false;
	run->id = id;
	if (!holds) {
		record(run, "skipped", true);
		log_rule(LOG_INFO, rule, "\"%s\": its conditions do not hold; not run",
		    rule->name);
		run_free(run);
		return;
	}
	log_rule(LOG_INFO, rule, "\"%s\": run %lld starts (%s)", rule->name, (long long)id,
	    json_object_to_json_string_ext(trigger, JSON_C_TO_STRING_PLAIN));
	rule->run = run;
	record(run, "running", false);
	step(run);
}

void
run_trigger(struct rule *rule, struct json_object *trigger, bool check)
{
	struct json_object *q;

	if (!automation_enabled(rule->doc)) {
		json_object_put(trigger);
		return;
	}
	if (rule->run != NULL) {
		switch (automation_mode(rule->doc)) {
		case AUTOMATION_SINGLE:
			log_rule(LOG_INFO, rule, "\"%s\" is still running; this trigger is "
			    "ignored (mode single)", rule->name);
			json_object_put(trigger);
			return;
		case AUTOMATION_QUEUED:
			if (json_object_array_length(rule->queue) >= QUEUE_MAX) {
				log_rule(LOG_WARNING, rule, "\"%s\": %d runs are queued already; "
				    "this trigger is dropped", rule->name, QUEUE_MAX);
				json_object_put(trigger);
				return;
			}
			q = json_object_new_object();
			json_object_object_add(q, "trigger", trigger);
			json_object_object_add(q, "check", json_object_new_boolean(check));
			json_object_array_add(rule->queue, q);
			return;
		case AUTOMATION_RESTART:
			break;
		}
		/* restart: the running one ends here, the new one starts. */
		rule->run->delay = sd_event_source_disable_unref(rule->run->delay);
		record(rule->run, "cancelled", true);
		log_rule(LOG_INFO, rule, "\"%s\": run %lld restarted", rule->name,
		    (long long)rule->run->id);
		run_free(rule->run);
		rule->run = NULL;
	}
	start(rule, trigger, check, -1);
}

void
run_requested(struct rule *rule, int64_t id, struct json_object *trigger)
{
	if (rule->run != NULL) {
		/* A person asked: it runs after the current one, whatever the mode. */
		struct json_object *q = json_object_new_object();

		json_object_object_add(q, "trigger", trigger);
		json_object_object_add(q, "check", json_object_new_boolean(false));
		json_object_object_add(q, "id", json_object_new_int64(id));
		json_object_array_add(rule->queue, q);
		run_record(rule->d, id, "queued", NULL, NULL, false);
		return;
	}
	start(rule, trigger, false, id);
}

void
run_cancel(struct rule *rule, const char *why)
{
	if (rule->run != NULL) {
		log_rule(LOG_INFO, rule, "\"%s\": run %lld cancelled: %s", rule->name,
		    (long long)rule->run->id, why);
		record(rule->run, "cancelled", true);
		run_free(rule->run);
		rule->run = NULL;
	}
	while (json_object_array_length(rule->queue) > 0) {
		struct json_object *q = json_object_array_get_idx(rule->queue, 0);

		/* A person's queued request gets an answer too. */
		if (get(q, "id") != NULL)
			run_record(rule->d, json_object_get_int64(get(q, "id")), "cancelled", NULL,
			    NULL, true);
		json_object_array_del_idx(rule->queue, 0, 1);
	}
}
