/* SPDX-License-Identifier: MIT */
/* automations.h -- homectl-automations, the always-on owner of time: it runs
 * the home's automations (triggers, conditions, actions with delays, run
 * modes) and ends what runs for a set time (sprinklers).  One thread, one
 * sd-event loop: the change watcher's fd, one CLOCK_REALTIME timerfd for
 * everything that happens at a wall-clock time (re-armed after every
 * change and cancelled by the kernel when the clock is set), CLOCK_BOOTTIME
 * timers for delays and hold times, signals and the watchdog. */
#ifndef HOMECTL_AUTOMATIONS_H
#define HOMECTL_AUTOMATIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>
#include <systemd/sd-event.h>

#include "config.h"
#include "db.h"
#include "ops.h"
#include "watch.h"

/* Runs kept per automation; triggers queued behind a running "queued" one. */
#define RUNS_KEEP	50
#define QUEUE_MAX	10
/* A run requested by a front end that nobody started within this long
 * is dropped (the person who asked has long given up). */
#define REQUEST_TTL_S	60
/* The daemon's connection never waits for SQLite's write lock (DB_NOWAIT):
 * a write that finds it taken is tried again this often, an action for at
 * most BUSY_MAX_MS before it fails; run records wait as long as it takes. */
#define BUSY_RETRY_MS	20
#define BUSY_MAX_MS	5000
/* The accuracy every sd-event timer of the daemon is armed with.  An
 * accuracy of 0 means sd-event's default, 250 ms: a 20 ms retry would come
 * every 250 ms and a "for": 5 hold or a 2 s delay end up to a quarter of a
 * second late.  1 ms lets the kernel fire them when they are due. */
#define TIMER_ACCURACY_US	1000
/* Runs one automation may start in a minute.  Every interface refuses a
 * loop, but the sqlite3 shell can write one anyway: this stops it from
 * spinning the home (and the feed) flat out. */
#define RUNS_PER_MINUTE	60

struct rule;

/* One run of an automation's actions. */
struct run {
	struct rule		*rule;
	int64_t			 id;		/* automation_runs.id */
	struct json_object	*trigger;	/* what started it (owned) */
	struct json_object	*conditions;	/* the report, or NULL (owned) */
	struct json_object	*results;	/* one per action done (owned) */
	size_t			 step;		/* the next action */
	sd_event_source		*delay;		/* waiting out a delay_s, or a busy retry */
	uint64_t		 busy_since;	/* mono_usec when its action first met the lock */
};

/* A state or numeric trigger waiting out its for_s. */
struct hold {
	struct rule		*rule;
	size_t			 trigger;	/* index in the document */
	sd_event_source		*timer;		/* NULL when not armed */
};

/* One automation as loaded. */
struct rule {
	struct daemon		*d;
	char			*name;
	struct json_object	*doc;		/* the checked document (owned) */
	struct json_object	*consent;	/* the opening actions the person allowed
						   it (db_automation_consent), or NULL */
	size_t			 ntriggers;
	int64_t			*next_at;	/* per trigger: next time/sun elapse (us), or -1 */
	int64_t			*last_at;	/* per trigger: the last elapse fired, or -1 */
	struct hold		*holds;		/* per trigger */
	struct run		*run;		/* the one running, or NULL */
	struct json_object	*queue;		/* queued triggers (mode queued, busy) */
	sd_event_source		*retry;		/* starting what is queued after a busy */
	uint64_t		 minute_start;	/* mono_usec: the RUNS_PER_MINUTE window */
	unsigned		 minute_runs;
	bool			 lock_wait;	/* a run waits for the lock (said once) */
	bool			 seen;		/* mark & sweep on reload */
};

/* The clock everything time-based reads: the real one, or in tests the real
 * one shifted by the number of seconds in a file (--clock-offset-file), so a
 * test can jump it like an NTP step without root. */
struct clock {
	const char		*offset_file;	/* borrowed from argv, or NULL */
	int64_t			 offset_us;
};

struct daemon {
	struct config		 cfg;
	const char		*db_path;
	struct db		*db;		/* the write connection (ops) */
	struct watch		*watch;
	sd_event		*ev;
	struct ops_ctx		 ops;		/* source automation; per run the name */
	struct clock		 clock;
	int			 rt_fd;		/* CLOCK_REALTIME timerfd */
	sd_event_source		*rt_src;
	sd_event_source		*offset_src;	/* inotify on the offset file's dir */
	int			 offset_wd;
	int			 offset_fd;
	int64_t			 generation;	/* automations as loaded */
	struct json_object	*devices;	/* id -> device as last seen */
	char			*mode;		/* the home mode as last seen */
	struct rule		**rules;
	size_t			 nrules;
	int64_t			 sprinkler_end;	/* next timed device end, us; -1 none */
	struct json_object	*pending;	/* run id -> record the database refused (busy) */
	sd_event_source		*pending_timer;
	int64_t			 status_next;	/* what STATUS= says, to send it on change */
	size_t			 status_rules;
	bool			 stopping;
};

/* clock.c */
/* Now, in microseconds since the epoch, on the daemon's clock. */
int64_t clock_now(const struct daemon *d);
/* Reads the offset file (if any); true when the offset changed. */
bool clock_reload(struct daemon *d);
/* Sets up the realtime timerfd and the offset file watch. */
int clock_init(struct daemon *d);
void clock_fini(struct daemon *d);
/* Arms the realtime timer for at (daemon clock, us; <0: disarm). */
void clock_arm(struct daemon *d, int64_t at);

/* engine.c */
/* Loads or reloads the automations when their generation moved. */
int engine_reload(struct daemon *d, bool force);
/* Feeds a batch of change rows (watch_read) to the triggers. */
void engine_changes(struct daemon *d, struct json_object *changes);
/* Fires what is due at now and re-arms the realtime timer.  jumped: the
 * clock was set (every next elapse is computed again from now). */
void engine_tick(struct daemon *d, bool jumped);
/* Starts the runs front ends asked for. */
void engine_requests(struct daemon *d);
/* At start: catch up persistent automations. */
void engine_catch_up(struct daemon *d);
void engine_fini(struct daemon *d);
struct rule *engine_find(struct daemon *d, const char *name);

/* run.c */
/* What a trigger does to a rule: start a run, or queue, restart or ignore
 * by its mode.  trigger is what fired (taken over); check: evaluate the
 * conditions first. */
void run_trigger(struct rule *rule, struct json_object *trigger, bool check);
/* Starts a run a front end asked for (its row exists as "requested"). */
void run_requested(struct rule *rule, int64_t id, struct json_object *trigger);
/* Ends a rule's run and queue (the rule goes away or the daemon stops). */
void run_cancel(struct rule *rule, const char *why);
/* Writes a run's record (id, outcome, conditions, results: borrowed), now
 * or, while another process holds the write lock, later. */
void run_record(struct daemon *d, int64_t id, const char *outcome,
    struct json_object *conditions, struct json_object *results, bool finished);
/* Writes the records still pending (at exit: as far as it can). */
void run_flush(struct daemon *d);

/* timed.c */
/* Ends the sprinklers whose time is up and plans the next end. */
void timed_expire(struct daemon *d);

/* main.c */
/* Logs with the automation's name as the HOMECTL_AUTOMATION journal field. */
void log_rule(int priority, const struct rule *rule, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
