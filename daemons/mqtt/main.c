/* SPDX-License-Identifier: MIT */
/* main.c -- homectl-mqtt: real devices over MQTT.  Arguments and
 * homectl.conf's [mqtt] part, one epoll loop (signals, the change watcher,
 * the broker's socket, timers), READY=1 and the watchdog.  The daemon never
 * waits on the broker: it is READY as soon as the database is open, and
 * connects (and reconnects) in the background. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <systemd/sd-daemon.h>

#include "config.h"
#include "db.h"
#include "evfd.h"
#include "log.h"
#include "mqtt.h"
#include "util.h"
#include "watch.h"

#define WATCH_ROUNDS 16	/* watch_read calls per wake before serving the broker */

static void
usage(FILE *f)
{
	fprintf(f, "usage: homectl-mqtt [--db PATH] [--broker HOST:PORT] [--config PATH]\n"
	    "                    [--client-id ID] [--log-level LEVEL] [-v]\n"
	    "Drives real devices (Zigbee2MQTT, Tasmota, Shelly Gen2+) through an MQTT\n"
	    "broker and shows the home in Home Assistant.  See homectl-mqtt(8).\n");
}

static int
watch_add(struct mqttd *d, int fd, uint32_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = tag };

	return epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

static void
on_signal(struct mqttd *d)
{
	struct signalfd_siginfo si;

	while (read(d->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP)
			continue;	/* nothing to reload without a restart */
		log_info("%s: exiting", strsignal((int)si.ssi_signo));
		d->quit = true;
	}
}

/* The database was restored or replaced under us: reopen both our
 * connections, follow the feed from now, and send again whatever is
 * pending there (and the whole home to Home Assistant). */
static void
resync(struct mqttd *d)
{
	struct db *dbs[] = { d->db, watch_db(d->watch) };
	int64_t oldest, newest;
	int r;

	if ((r = db_reopen(dbs, 2)) < 0 || (r = db_changes_bounds(d->db, &oldest, &newest)) < 0 ||
	    (r = watch_resync(d->watch, newest)) < 0) {
		log_warnx("%s: cannot follow the database again: %s", d->db_path, strerror(-r));
		return;
	}
	log_info("%s: following the database again from seq %lld", d->db_path,
	    (long long)newest);
	d->last_command = 0;
	outbox_hass_all(d);
	outbox_run(d, NULL, true);
}

/* The feed moved: new commands to send, devices Home Assistant shows. */
static void
on_watch(struct mqttd *d)
{
	for (int i = 0; i < WATCH_ROUNDS; i++) {
		struct json_object *changes = NULL;
		int r = watch_read(d->watch, &changes);

		if (r == WATCH_RESYNC) {
			resync(d);
			return;
		}

		if (changes != NULL) {
			outbox_run(d, changes, false);
			json_object_put(changes);
		}
		if (r <= 0) {
			if (r < 0)
				log_warnx("change watcher: %s", strerror(-r));
			return;
		}
	}
}

static void
serve(struct mqttd *d)
{
	struct epoll_event evs[16];
	int n;

	while (!d->quit) {
		n = epoll_wait(d->epfd, evs, (int)NELEMS(evs), -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fatal("epoll_wait");
		}
		for (int i = 0; i < n && !d->quit; i++) {
			switch (evs[i].data.u32) {
			case EV_SIG:
				on_signal(d);
				break;
			case EV_WATCH:
				on_watch(d);
				break;
			case EV_BROKER:
				broker_io(d, evs[i].events);
				break;
			case EV_MISC:
				evfd_timer_drain(d->misc_tfd);
				broker_misc(d);
				break;
			case EV_RETRY:
				broker_retry(d);
				break;
			case EV_EXPIRE:
				outbox_expire(d);
				break;
			case EV_WDOG:
				evfd_timer_drain(d->wdog_tfd);
				sd_notify(0, "WATCHDOG=1");
				break;
			}
		}
		/* Whatever ran may have queued output for the broker. */
		if (d->mosq != NULL)
			broker_sync(d);
	}
}

int
main(int argc, char **argv)
{
	enum { O_DB = 256, O_BROKER, O_CONFIG, O_CLIENT, O_LEVEL };
	static const struct option opts[] = {
		{ "db", required_argument, NULL, O_DB },
		{ "broker", required_argument, NULL, O_BROKER },
		{ "config", required_argument, NULL, O_CONFIG },
		{ "client-id", required_argument, NULL, O_CLIENT },
		{ "log-level", required_argument, NULL, O_LEVEL },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct mqttd d = { .epfd = -1, .sigfd = -1, .sock = -1 };
	const char *db_opt = NULL, *broker_opt = NULL, *config_opt = NULL, *client_opt = NULL;
	const char *level_opt = NULL;
	struct watch_options wo = { 0 };
	char err[512], host[64];
	uint64_t wd_usec = 0;
	int c, r, lvl, verbose = 0;

	log_init("homectl-mqtt", LOG_INFO);
	while ((c = getopt_long(argc, argv, "vhV", opts, NULL)) != -1) {
		switch (c) {
		case O_DB: db_opt = optarg; break;
		case O_BROKER: broker_opt = optarg; break;
		case O_CONFIG: config_opt = optarg; break;
		case O_CLIENT: client_opt = optarg; break;
		case O_LEVEL: level_opt = optarg; break;
		case 'v': verbose++; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("homectl-mqtt %s\n", HOMECTL_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	config_defaults(&d.cfg);
	if (config_load(&d.cfg, config_opt ? config_opt : config_path(), config_opt != NULL,
	    err, sizeof(err)) < 0)
		fatalx("%s", err);
	if (broker_opt != NULL && config_set(&d.cfg, "mqtt.broker", broker_opt, err,
	    sizeof(err)) < 0)
		fatalx("--broker: %s (expected HOST:PORT)", err);
	lvl = level_opt != NULL ? log_level_parse(level_opt) : d.cfg.log_level;
	if (lvl < 0)
		fatalx("--log-level: expected err, warning, notice, info or debug");
	if (verbose)
		lvl = LOG_DEBUG;
	log_setlevel(lvl);
	if (client_opt == NULL)
		client_opt = d.cfg.mqtt.client_id;
	if (client_opt == NULL) {
		if (gethostname(host, sizeof(host)) < 0)
			snprintf(host, sizeof(host), "host");
		host[sizeof(host) - 1] = '\0';
		/* Also our Shelly RPC src, so a topic level: no '/', '+', '#'. */
		for (char *p = host; *p; p++)
			if (*p == '/' || *p == '+' || *p == '#' || *p == ' ')
				*p = '_';
		snprintf(d.client_id, sizeof(d.client_id), "homectl-%s", host);
	} else {
		if (strpbrk(client_opt, "/+# ") != NULL || *client_opt == '\0')
			fatalx("client id '%s': no '/', '+', '#' or spaces (it is a topic level)",
			    client_opt);
		snprintf(d.client_id, sizeof(d.client_id), "%s", client_opt);
	}
	snprintf(d.hass_base, sizeof(d.hass_base), "%s/%s", d.cfg.mqtt.base_topic,
	    d.cfg.mqtt.home_id);
	snprintf(d.hass_node, sizeof(d.hass_node), "homectl_%s", d.cfg.mqtt.home_id);
	d.z2m_avail = json_object_new_object();
	d.hass_topics = json_object_new_object();

	d.db_path = config_database(&d.cfg, db_opt);
	if ((r = db_open(d.db_path, 0, &d.db)) < 0)
		fatalx("%s: cannot open the database (%s)%s", d.db_path, strerror(-r),
		    r == -ENOENT ? "; create it with `homectl init`" : "");
	d.ops = (struct ops_ctx){
		.db = d.db,
		.source = OPS_SRC_DEVICE,
		.confirm = OPS_CONFIRM_NONE,
		.feed_max_rows = d.cfg.feed_max_rows,
		.feed_max_age_s = d.cfg.feed_max_age_days * 86400,
		.command_timeout_ms = d.cfg.command_timeout_ms,
	};
	d.hass_ops = d.ops;
	d.hass_ops.source = OPS_SRC_HASS;

	if ((d.epfd = epoll_create1(EPOLL_CLOEXEC)) < 0)
		fatal("epoll_create1");
	if ((d.sigfd = evfd_signals()) < 0 || watch_add(&d, d.sigfd, EV_SIG) < 0)
		fatalx("cannot watch signals");
	wo.interval_ms = d.cfg.update_check_interval;
	wo.no_inotify = !d.cfg.inotify;
	if ((r = watch_open(d.db_path, &wo, -1, &d.watch)) < 0)
		fatalx("%s: cannot watch the database: %s", d.db_path, strerror(-r));
	if (watch_add(&d, watch_fd(d.watch), EV_WATCH) < 0)
		fatalx("cannot poll the change watcher");
	if ((d.misc_tfd = evfd_timer(1000000, 1000000)) < 0 ||
	    watch_add(&d, d.misc_tfd, EV_MISC) < 0 ||
	    (d.retry_tfd = evfd_timer(0, 0)) < 0 || watch_add(&d, d.retry_tfd, EV_RETRY) < 0 ||
	    (d.expire_tfd = evfd_timer(0, 0)) < 0 || watch_add(&d, d.expire_tfd, EV_EXPIRE) < 0)
		fatalx("cannot create timers");
	if (sd_watchdog_enabled(0, &wd_usec) > 0 && wd_usec > 0) {
		if ((d.wdog_tfd = evfd_timer(wd_usec / 2, wd_usec / 2)) < 0 ||
		    watch_add(&d, d.wdog_tfd, EV_WDOG) < 0)
			fatalx("cannot create the watchdog timer");
	} else {
		d.wdog_tfd = -1;
	}
	/* Commands whose time ran out while nobody was here. */
	outbox_expire(&d);
	if ((r = broker_start(&d)) < 0)
		fatalx("cannot set up the MQTT client: %s", strerror(-r));
	log_info("serving %s; broker %s:%d", d.db_path, d.host, d.port);
	sd_notify(0, "READY=1");

	serve(&d);

	sd_notify(0, "STOPPING=1");
	broker_stop(&d);
	route_free(&d);
	outbox_free(&d);
	watch_close(d.watch);
	db_close(d.db);
	config_free(&d.cfg);
	return 0;
}
