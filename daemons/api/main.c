/* SPDX-License-Identifier: MIT */
/* main.c -- homectl-api: arguments and configuration, signals as an fd,
 * systemd's sockets, notify and watchdog, and the one event loop.
 *
 * Why libwebsockets owns the loop: Debian 12's libwebsockets 4.1.6 is built
 * without external-poll support, so it cannot be driven from a loop of our
 * own; every other fd is adopted into its loop instead (loop.c).  This was
 * measured against the alternatives: docs/architecture.md, "homectl-api's
 * event loop". */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "api.h"
#include "db.h"
#include "evfd.h"
#include "check.h"
#include "log.h"
#include "refuse.h"
#include "status.h"
#include "util.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: homectl-api [options]\n"
	    "\n"
	    "Serves the homectl REST API, the dashboard and its live WebSocket (/ws)\n"
	    "on one port, and pushes every change of the home to every browser.\n"
	    "\n"
	    "  --listen ADDR:PORT           bind here when systemd passes no socket\n"
	    "                               (default from homectl.conf, %s)\n"
	    "  --db PATH                    the database (default: $HOMECTL_DB, homectl.conf)\n"
	    "  --config PATH                the configuration file (default %s)\n"
	    "  --web-root DIR               the dashboard's files\n"
	    "  --update-check-interval MS   the watcher's fallback timer (0: none)\n"
	    "  --no-inotify                 rely on the fallback timer alone\n"
	    "  --ws-ping-interval SEC       WebSocket ping interval (default %d)\n"
	    "  --log-level LEVEL            err, warning, info or debug\n"
	    "  --check-config               check the configuration, the options and the\n"
	    "                               database, say what is wrong, exit 0 or 1\n"
	    "  -v, --verbose                the same as --log-level debug\n"
	    "  -h, --help, -V, --version\n",
	    CONFIG_DEFAULT_LISTEN, CONFIG_DEFAULT_PATH, API_WS_PING_SEC);
}

static int
sig_rx(struct api_fd *h)
{
	struct signalfd_siginfo si;

	while (read(h->fd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			log_info("signal %d: shutting down", (int)si.ssi_signo);
			h->api->stop = 1;
			break;
		default:
			log_info("signal %d ignored", (int)si.ssi_signo);
			break;
		}
	}
	return 0;
}

static int
wdog_rx(struct api_fd *h)
{
	loop_timer_drain(h);
	status_watchdog();
	return 0;
}

static void
lws_log(int level, const char *line)
{
	char buf[512];
	size_t n;

	snprintf(buf, sizeof(buf), "%s", line);
	n = strlen(buf);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	if (level & LLL_ERR)
		log_warnx("lws: %s", buf);
	else
		log_debug("lws: %s", buf);
}

/* lws sizes its fd table from the soft limit when the context is created:
 * raise it first, so a thousand clients do not run into EMFILE. */
static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	if (rl.rlim_cur < 65536 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max < 65536 ? rl.rlim_max : 65536;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			log_warn("setrlimit(RLIMIT_NOFILE)");
	}
}

static void
set_str(char **field, const char *value)
{
	char *s = strdup(value);

	if (s == NULL)
		fatal("strdup");
	free(*field);
	*field = s;
}

static struct lws_context *
lws_start(struct api *api)
{
	static struct lws_protocols table[3];	/* lws keeps a pointer */
	struct lws_context_creation_info info;

	/* protocols[0] is the WebSocket protocol: a client that names no
	 * subprotocol (browsers do not) is bound to it. */
	table[0] = ws_protocol;
	table[1] = loop_raw_protocol;
	memset(&table[2], 0, sizeof(table[2]));
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN_SERVER;
	info.protocols = table;
	info.user = api;
	info.gid = -1;	/* int in lws 4.3; -1 = do not change */
	info.uid = -1;
	info.timeout_secs = API_PEEK_TIMEOUT_SEC;
	return lws_create_context(&info);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "db", required_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'c' },
		{ "web-root", required_argument, NULL, 'w' },
		{ "update-check-interval", required_argument, NULL, 'u' },
		{ "no-inotify", no_argument, NULL, 'n' },
		{ "ws-ping-interval", required_argument, NULL, 'p' },
		{ "log-level", required_argument, NULL, 'L' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static struct api api;
	const char *cfg_path = NULL, *cli_db = NULL, *listen_arg = NULL, *web_root = NULL;
	const char *interval = NULL, *ping = NULL, *level = NULL;
	bool no_inotify = false, check = false;
	char err[256], real[PATH_MAX];
	int64_t v;
	uint64_t wd_usec;
	int ch, fd, r, lvl;

	log_init("homectl-api", LOG_INFO);
	/* Until it serves, a failure under systemd is answered, not exited
	 * (common/refuse.h says why). */
	refuse_arm("homectl-api", REFUSE_HTTP);
	while ((ch = getopt_long(argc, argv, "vhV", opts, NULL)) != -1) {
		switch (ch) {
		case 'l': listen_arg = optarg; break;
		case 'd': cli_db = optarg; break;
		case 'c': cfg_path = optarg; break;
		case 'w': web_root = optarg; break;
		case 'u': interval = optarg; break;
		case 'n': no_inotify = true; break;
		case 'p': ping = optarg; break;
		case 'L': level = optarg; break;
		case 'C': check = true; break;
		case 'v': level = "debug"; break;	/* as homectl-mcp */
		case 'h': usage(stdout); return 0;
		case 'V': printf("homectl-api %s\n", HOMECTL_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (check)	/* a person reads this: no <N> prefixes */
		log_init_command("homectl-api", LOG_INFO);

	config_defaults(&api.cfg);
	if (config_load(&api.cfg, cfg_path ? cfg_path : config_path(), cfg_path != NULL,
	    err, sizeof(err)) < 0)
		fatalx("%s", err);
	if (listen_arg != NULL)
		set_str(&api.cfg.listen, listen_arg);
	if (web_root != NULL)
		set_str(&api.cfg.web_root, web_root);
	if (interval != NULL) {
		if (parse_int64(interval, 0, 3600000, &v) < 0)
			fatalx("--update-check-interval: expected milliseconds, 0-3600000");
		api.cfg.update_check_interval = (unsigned)v;
	}
	if (no_inotify)
		api.cfg.inotify = false;
	api.ping_sec = API_WS_PING_SEC;
	if (ping != NULL) {
		if (parse_int64(ping, 1, 3600, &v) < 0)
			fatalx("--ws-ping-interval: expected seconds, 1-3600");
		api.ping_sec = (unsigned)v;
	}
	lvl = level != NULL ? log_level_parse(level) : api.cfg.log_level;
	if (lvl < 0)
		fatalx("--log-level: expected err, warning, info or debug");
	log_setlevel(lvl);
	api.db_path = config_database(&api.cfg, cli_db);
	if (api.db_path == NULL)
		fatalx("no database configured");
	/* --check-config: the configuration and the options were read above
	 * (a mistake there is fatal and named); the database is left, and a
	 * check changes nothing. */
	if (check)
		return check_daemon_config(cfg_path ? cfg_path : config_path(), api.db_path,
		    true);

	/* Signals become events on an fd (common/evfd.c). */
	if ((fd = evfd_signals()) < 0)
		fatalx("signalfd: %s", strerror(-fd));
	raise_nofile();

	/* DB_NOWAIT: the loop never waits for a lock; http.c retries a busy
	 * request from the loop (see http_park). */
	if ((r = db_open(api.db_path, DB_CREATE | DB_NOWAIT, &api.db)) < 0)
		fatalx("cannot open %s: %s", api.db_path, strerror(-r));
	ops_ctx_init(&api.ops, api.db, &api.cfg, OPS_SRC_API);
	mcp_http_start(&api);
	if (api.cfg.web_root != NULL && realpath(api.cfg.web_root, real) != NULL)
		api.web_root = strdup(real);
	else
		log_warnx("web root %s: %s; serving no dashboard",
		    api.cfg.web_root ? api.cfg.web_root : "(none)", strerror(errno));

	lws_set_log_level(LLL_ERR | LLL_WARN, lws_log);
	if ((api.lws = lws_start(&api)) == NULL)
		fatalx("cannot create the libwebsockets context");
	if ((api.vh = lws_get_vhost_by_name(api.lws, "default")) == NULL)
		fatalx("libwebsockets has no default vhost");
	api.peek_epfd = -1;
	api.sig_fd.rx = sig_rx;
	if (loop_adopt(&api, fd, &api.sig_fd, "signals") < 0)
		fatalx("cannot watch signals");
	if (http_start(&api) < 0)
		fatalx("cannot start HTTP");
	if (ws_start(&api) < 0)
		fatalx("cannot start the WebSocket pinger");
	if (mirror_start(&api) < 0)
		fatalx("cannot watch the database %s", api.db_path);
	if ((r = listen_start(&api, api.cfg.listen ? api.cfg.listen :
	    CONFIG_DEFAULT_LISTEN)) < 0)
		fatalx("cannot listen: %s", strerror(-r));
	if (sd_watchdog_enabled(0, &wd_usec) > 0) {
		api.wdog_fd.rx = wdog_rx;
		if (loop_timer(&api, &api.wdog_fd, "watchdog", wd_usec / 2) < 0)
			fatalx("cannot arm the watchdog timer");
	}

	log_info("serving %s (seq %lld, %s%u ms fallback)", api.db_path,
	    (long long)watch_seq(api.watch), api.cfg.inotify ? "inotify + " : "",
	    api.cfg.update_check_interval);
	refuse_disarm();
	status_init("dashboard");
	status_seq(watch_seq(api.watch));
	status_ready();

	while (!api.stop) {
		if (lws_service(api.lws, 0) < 0)
			break;
		status_tick();
	}

	sd_notify(0, "STOPPING=1");
	http_stop(&api);
	lws_context_destroy(api.lws);
	api.lws = NULL;
	listen_stop(&api);
	mirror_stop(&api);
	db_close(api.db);
	free(api.web_root);
	config_free(&api.cfg);
	log_info("stopped");
	return 0;
}
