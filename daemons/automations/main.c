/* SPDX-License-Identifier: MIT */
/* main.c -- homectl-automations: arguments, configuration, the sd-event
 * loop (the change watcher, the wall-clock timer, signals, the watchdog)
 * and READY=1. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>

#include "automations.h"
#include "log.h"
#include "util.h"

void
log_rule(int priority, const struct rule *rule, const char *fmt, ...)
{
	const char *fields[] = { NULL, NULL };
	char f[160], msg[1024];
	va_list ap;

	if (priority > log_getlevel())
		return;
	va_start(ap, fmt);
	vfmt(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(f, sizeof(f), "HOMECTL_AUTOMATION=%s", rule->name);
	fields[0] = f;
	log_fields(priority, fields, "%s", msg);
}

static int load_home(struct daemon *d);

/* The home as it is now, all of it: the devices and the mode the triggers
 * compare with, the automations (an unchanged one keeps running), the
 * sprinklers' ends. */
static void
reload_home(struct daemon *d)
{
	int r;

	json_object_put(d->devices);
	d->devices = NULL;
	free(d->mode);
	d->mode = NULL;
	if ((r = load_home(d)) < 0 || (r = engine_reload(d, true)) < 0)
		log_warnx("%s: cannot read the home again: %s", d->db_path, strerror(-r));
	timed_expire(d);
}

/* true when rows hold a restore (homectl restore writes one 'home' row,
 * not one per device it put back). */
static bool
restored(struct json_object *rows)
{
	for (size_t i = 0; i < json_object_array_length(rows); i++) {
		struct json_object *c = json_object_array_get_idx(rows, i), *k, *sub;

		if (json_object_object_get_ex(c, "kind", &k) &&
		    strcmp(json_object_get_string(k), "home") == 0 &&
		    json_object_object_get_ex(c, "subject", &sub) &&
		    strcmp(json_object_get_string(sub), "restore") == 0)
			return true;
	}
	return false;
}

/* Another database is at the path now (an online restore, the file
 * replaced) or the feed went back: both connections are opened again, the
 * home and the automations read afresh (an automation whose document did
 * not change keeps running), and the feed followed from its end. */
static void
resync(struct daemon *d)
{
	struct db *dbs[] = { d->db, watch_db(d->watch) };
	int64_t oldest, newest;
	int r;

	if ((r = db_reopen(dbs, 2)) < 0 || (r = db_changes_bounds(d->db, &oldest, &newest)) < 0 ||
	    (r = watch_resync(d->watch, newest)) < 0) {
		log_warnx("%s: cannot follow the database again: %s", d->db_path, strerror(-r));
		return;
	}
	reload_home(d);
	log_info("%s: following the database again from seq %lld", d->db_path,
	    (long long)newest);
}

/* Everything a wake-up of the watcher can mean: feed rows (device and mode
 * triggers, sprinklers started), an edited automation, a run asked for. */
static int
watch_ready(sd_event_source *s, int fd, uint32_t revents, void *arg)
{
	struct daemon *d = arg;
	struct json_object *rows = NULL;
	int r;

	do {
		rows = NULL;
		if ((r = watch_read(d->watch, &rows)) < 0) {
			log_warnx("watch: %s", strerror(-r));
			break;
		}
		if (r == WATCH_RESYNC) {
			resync(d);
			break;
		}
		if (rows != NULL && restored(rows)) {
			log_info("%s: the home was restored from a backup; reading it again",
			    d->db_path);
			reload_home(d);
			json_object_put(rows);
		} else if (rows != NULL) {
			/* Edits first, so a trigger meets the current version. */
			(void)engine_reload(d, false);
			engine_changes(d, rows);
			json_object_put(rows);
		}
	} while (r > 0);
	if ((r = engine_reload(d, false)) < 0)
		log_warnx("cannot load the automations: %s", strerror(-r));
	engine_requests(d);
	engine_tick(d, false);
	return 0;
}

static int
on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *arg)
{
	struct daemon *d = arg;

	if (si->ssi_signo == SIGHUP) {
		log_info("SIGHUP: loading the automations again");
		(void)engine_reload(d, true);
		engine_tick(d, true);
		return 0;
	}
	log_info("stopping (%s)", strsignal((int)si->ssi_signo));
	sd_notify(0, "STOPPING=1");
	return sd_event_exit(sd_event_source_get_event(s), 0);
}

/* The devices and the mode as they are, for the "before" of the first
 * changes. */
static int
load_home(struct daemon *d)
{
	struct json_object *list = NULL;
	int r;

	if ((r = db_devices(d->db, NULL, NULL, &list)) < 0)
		return r;
	d->devices = json_object_new_object();
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		struct json_object *dev = json_object_array_get_idx(list, i), *id;

		if (json_object_object_get_ex(dev, "id", &id))
			json_object_object_add(d->devices, json_object_get_string(id),
			    json_object_get(dev));
	}
	json_object_put(list);
	if (db_mode_get(d->db, &d->mode) < 0)
		d->mode = NULL;	/* an empty home has no mode yet */
	return 0;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: homectl-automations [--db PATH] [--config PATH] [--log-level LEVEL]\n"
	    "                           [--update-check-interval MS] [--no-inotify]\n"
	    "                           [--clock-offset-file PATH]\n\n"
	    "Runs the home's automations and ends what runs for a set time.\n"
	    "See homectl-automations(8).\n");
}

int
main(int argc, char **argv)
{
	enum { O_DB = 256, O_CONFIG, O_LEVEL, O_INTERVAL, O_NOINOTIFY, O_OFFSET };
	static const struct option opts[] = {
		{ "db", required_argument, NULL, O_DB },
		{ "config", required_argument, NULL, O_CONFIG },
		{ "log-level", required_argument, NULL, O_LEVEL },
		{ "update-check-interval", required_argument, NULL, O_INTERVAL },
		{ "no-inotify", no_argument, NULL, O_NOINOTIFY },
		{ "clock-offset-file", required_argument, NULL, O_OFFSET },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct daemon d = { .rt_fd = -1, .offset_fd = -1, .sprinkler_end = -1,
		.status_next = -2, .pending = json_object_new_object() };
	const char *db_opt = NULL, *config_opt = NULL, *level_opt = NULL, *interval_opt = NULL;
	struct watch_options wo = { 0 };
	bool no_inotify = false;
	sigset_t ss;
	char err[512];
	int64_t n;
	int c, r, lvl;

	for (int fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF &&
		    open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) != fd)
			return 1;
	log_init("homectl-automations", LOG_INFO);
	while ((c = getopt_long(argc, argv, "hV", opts, NULL)) != -1) {
		switch (c) {
		case O_DB:
			db_opt = optarg;
			break;
		case O_CONFIG:
			config_opt = optarg;
			break;
		case O_LEVEL:
			level_opt = optarg;
			break;
		case O_INTERVAL:
			interval_opt = optarg;
			break;
		case O_NOINOTIFY:
			no_inotify = true;
			break;
		case O_OFFSET:
			d.clock.offset_file = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("homectl-automations %s\n", HOMECTL_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	config_defaults(&d.cfg);
	if (config_load(&d.cfg, config_opt ? config_opt : config_path(), config_opt != NULL, err,
	    sizeof(err)) < 0)
		fatalx("%s", err);
	lvl = level_opt != NULL ? log_level_parse(level_opt) : d.cfg.log_level;
	if (lvl < 0)
		fatalx("--log-level: expected err, warning, info or debug, not '%s'", level_opt);
	log_setlevel(lvl);
	if (no_inotify)
		d.cfg.inotify = false;
	if (interval_opt != NULL) {
		if (parse_int64(interval_opt, 0, 3600000, &n) < 0)
			fatalx("--update-check-interval: expected milliseconds, not '%s'",
			    interval_opt);
		d.cfg.update_check_interval = (unsigned)n;
	}

	d.db_path = config_database(&d.cfg, db_opt);
	/* The loop never waits on SQLite's lock: busy writes are retried. */
	if ((r = db_open(d.db_path, DB_NOWAIT, &d.db)) < 0)
		fatalx("%s: cannot open the database (%s)%s", d.db_path, strerror(-r),
		    r == -ENOENT ? "; create it with `homectl init`" : "");
	ops_ctx_init(&d.ops, d.db, &d.cfg, OPS_SRC_AUTOMATION);
	wo.interval_ms = d.cfg.update_check_interval;
	wo.no_inotify = !d.cfg.inotify;
	/* The watcher first, then the home: a change in between is seen twice,
	 * which is harmless (a trigger needs a difference), never missed. */
	if ((r = watch_open(d.db_path, &wo, -1, &d.watch)) < 0)
		fatalx("%s: cannot watch the database (%s)", d.db_path, strerror(-r));
	if ((r = load_home(&d)) < 0)
		fatalx("%s: cannot read the home (%s)", d.db_path, strerror(-r));

	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGHUP);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	if ((r = sd_event_default(&d.ev)) < 0 ||
	    (r = sd_event_add_signal(d.ev, NULL, SIGTERM, on_signal, &d)) < 0 ||
	    (r = sd_event_add_signal(d.ev, NULL, SIGINT, on_signal, &d)) < 0 ||
	    (r = sd_event_add_signal(d.ev, NULL, SIGHUP, on_signal, &d)) < 0 ||
	    (r = sd_event_add_io(d.ev, NULL, watch_fd(d.watch), EPOLLIN, watch_ready, &d)) < 0 ||
	    (r = sd_event_set_watchdog(d.ev, 1)) < 0 || (r = clock_init(&d)) < 0)
		fatalx("event loop: %s", strerror(-r));

	if ((r = engine_reload(&d, true)) < 0)
		fatalx("%s: cannot load the automations (%s)", d.db_path, strerror(-r));
	engine_catch_up(&d);
	timed_expire(&d);
	engine_requests(&d);
	engine_tick(&d, false);
	log_info("running %zu automation%s from %s", d.nrules, d.nrules == 1 ? "" : "s",
	    d.db_path);
	sd_notify(0, "READY=1");

	r = sd_event_loop(d.ev);

	engine_fini(&d);
	run_flush(&d);
	d.pending_timer = sd_event_source_disable_unref(d.pending_timer);
	json_object_put(d.pending);
	clock_fini(&d);
	d.ev = sd_event_unref(d.ev);
	watch_close(d.watch);
	json_object_put(d.devices);
	free(d.mode);
	db_close(d.db);
	config_free(&d.cfg);
	return r < 0 ? 1 : 0;
}
