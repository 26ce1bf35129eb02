/* SPDX-License-Identifier: MIT */
/* main.c -- homectl-mcp: arguments, configuration, and the fds of the
 * one loop (loop.c) that serves every session (session.c, listen.c), the
 * change watcher and the watchdog.  (Timed devices, such as a sprinkler's
 * end, belong to homectl-automations: this daemon may not be running.) */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
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
#include "check.h"
#include "log.h"
#include "refuse.h"
#include "mcp.h"
#include "status.h"
#include "util.h"
#include "watch.h"

#define WATCH_ROUNDS	16	/* watch_read calls per wake before yielding */

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: homectl-mcp [--stdio | --listen PATH] [options]\n"
	    "\n"
	    "The homectl MCP server.  With --stdio it serves one session on stdin and\n"
	    "stdout (what an AI client spawns); otherwise it serves many sessions on the\n"
	    "unix socket systemd passes it, or on PATH (default: mcp_socket from the\n"
	    "configuration).\n"
	    "\n"
	    "  --stdio                      one session on stdin/stdout\n"
	    "  --listen PATH                bind this unix socket (when not socket-activated)\n"
	    "  --db PATH                    the database (default: $HOMECTL_DB, then config)\n"
	    "  --config PATH                the configuration file (default: %s)\n"
	    "  --read-only                  offer only the tools that read\n"
	    "  --confirm opening|none|all   which actions need confirm: true (default opening)\n"
	    "  --update-check-interval MS   the change watcher's fallback timer (0: none)\n"
	    "  --no-inotify                 rely on the timer alone\n"
	    "  --page-size N                entries per tools/list or resources/list page\n"
	    "  --max-sessions N             concurrent socket sessions (default %d)\n"
	    "  --max-sessions-per-peer N    socket sessions per user (default %d)\n"
	    "  --idle-timeout SEC           ping a session silent this long, close it if it\n"
	    "                               does not answer (default %d; 0: never)\n"
	    "  --log-level LEVEL            err, warning, info or debug\n"
	    "  -v, --verbose                the same as --log-level debug\n"
	    "  --check-config               check the configuration, the options and the\n"
	    "                               database, say what is wrong, exit 0 or 1\n"
	    "  -h, --help                   this text\n"
	    "  -V, --version                the version\n",
	    config_path(), MCP_DEFAULT_SESSIONS, MCP_DEFAULT_PER_PEER, MCP_DEFAULT_IDLE_SEC);
}

static void
sig_rx(struct loop_fd *h, uint32_t events)
{
	struct server *srv = h->arg;
	struct signalfd_siginfo si;

	while (read(h->fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP && !srv->stdio) {
			log_info("SIGHUP: nothing to reload; the configuration is read at start");
			continue;
		}
		log_info("%s: exiting", strsignal((int)si.ssi_signo));
		srv->quit = true;
	}
}

static void
wait_rx(struct loop_fd *h, uint32_t events)
{
	loop_timer_drain(h);
	waits_poll(h->arg, true);
}

static void
wdog_rx(struct loop_fd *h, uint32_t events)
{
	loop_timer_drain(h);
	status_watchdog();
}

int
server_resync(struct server *srv)
{
	struct db *dbs[] = { srv->db, srv->watch != NULL ? watch_db(srv->watch) : NULL };
	enum db_file how = db_file_check(srv->db);
	int64_t oldest, newest;
	int r;

	/* Both our connections at once (db_reopen says why). */
	if ((r = db_reopen(dbs, srv->watch != NULL ? 2 : 1)) < 0) {
		log_warnx("%s: cannot open the file now at this path: %s", db_path(srv->db),
		    strerror(-r));
		return r;
	}
	if ((r = db_changes_bounds(srv->db, &oldest, &newest)) < 0)
		return r;
	if (srv->watch != NULL && (r = watch_resync(srv->watch, newest)) < 0) {
		log_warnx("change watcher: %s", strerror(-r));
		return r;
	}
	log_info("%s: following the database again from seq %lld; subscribers are told",
	    how == DB_FILE_MOVED ? "another file is at the database's path" :
	    how == DB_FILE_WAL_GONE ? "the database's -wal or -shm was removed" :
	    "the change feed went back", (long long)newest);
	server_resynced(&srv->core);
	return 0;
}

/* "127.0.0.1:9123", "[::1]:80", "localhost:8080", ":9123": what someone
 * who wants TCP would type.  A socket path has a slash, or no ":PORT" at
 * its end; refusing beats creating a socket file of that name. */
static bool
address_like(const char *s)
{
	const char *colon = strrchr(s, ':');

	if (strchr(s, '/') != NULL)
		return false;
	if (s[0] == '[')
		return true;
	return colon != NULL && colon[1] != '\0' && strspn(colon + 1, "0123456789") ==
	    strlen(colon + 1);
}

/* The core's resync (a tool met a replaced file). */
static int
core_resync(struct mcp_core *core)
{
	return server_resync((struct server *)(void *)((char *)core - offsetof(struct server,
	    core)));
}

/* The watcher's fd: inotify, its fallback timer and quick rechecks
 * (common/watch.c).  Reads a bounded number of batches per wake so that a
 * flood of changes does not starve the sessions; the fallback timer
 * brings the rest. */
static void
watch_rx(struct loop_fd *h, uint32_t events)
{
	struct server *srv = h->arg;

	for (int i = 0; i < WATCH_ROUNDS; i++) {
		struct json_object *changes = NULL;
		int r = watch_read(srv->watch, &changes);

		if (r == WATCH_RESYNC) {
			server_resync(srv);
			return;
		}
		if (changes != NULL) {
			log_debug("watcher: %zu change(s), up to seq %lld",
			    json_object_array_length(changes), (long long)watch_seq(srv->watch));
			status_changes(changes);
			server_changes(&srv->core, changes);
			if (srv->waits != NULL)
				waits_poll(srv, false);
			json_object_put(changes);
		}
		if (r <= 0) {
			if (r < 0)
				log_warnx("change watcher: %s", strerror(-r));
			return;
		}
	}
}

/* The loop: every fd was registered once with its callback; between
 * turns the sessions write what they queued and the deadlines move. */
static void
serve(struct server *srv)
{
	int r;

	while (!srv->quit) {
		if ((r = loop_turn(&srv->loop, -1)) < 0)
			fatalx("epoll_wait: %s", strerror(-r));
		sessions_tend(srv);
		listen_arm(srv);
		status_tick();
	}
}

static unsigned
uint_arg(const char *opt, const char *s, unsigned min, unsigned max)
{
	int64_t v;

	if (parse_int64(s, min, max, &v) < 0)
		fatalx("%s: expected a number from %u to %u, not '%s'", opt, min, max, s);
	return (unsigned)v;
}

int
main(int argc, char **argv)
{
	enum { O_STDIO = 256, O_LISTEN, O_DB, O_CONFIG, O_RO, O_CONFIRM, O_INTERVAL,
		O_NOINOTIFY, O_PAGE, O_MAXSESS, O_PERPEER, O_IDLE, O_LEVEL, O_CHECK };
	static const struct option opts[] = {
		{ "stdio", no_argument, NULL, O_STDIO },
		{ "listen", required_argument, NULL, O_LISTEN },
		{ "db", required_argument, NULL, O_DB },
		{ "config", required_argument, NULL, O_CONFIG },
		{ "read-only", no_argument, NULL, O_RO },
		{ "confirm", required_argument, NULL, O_CONFIRM },
		{ "update-check-interval", required_argument, NULL, O_INTERVAL },
		{ "no-inotify", no_argument, NULL, O_NOINOTIFY },
		{ "page-size", required_argument, NULL, O_PAGE },
		{ "max-sessions", required_argument, NULL, O_MAXSESS },
		{ "max-sessions-per-peer", required_argument, NULL, O_PERPEER },
		{ "idle-timeout", required_argument, NULL, O_IDLE },
		{ "log-level", required_argument, NULL, O_LEVEL },
		{ "verbose", no_argument, NULL, 'v' },
		{ "check-config", no_argument, NULL, O_CHECK },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned page_size = MCP_DEFAULT_PAGE;
	struct server srv = {
		.max_sessions = MCP_DEFAULT_SESSIONS, .max_per_peer = MCP_DEFAULT_PER_PEER,
		.idle_sec = MCP_DEFAULT_IDLE_SEC };
	const char *db_opt = NULL, *config_opt = NULL, *listen_opt = NULL, *confirm_opt = NULL;
	const char *interval_opt = NULL, *level_opt = NULL, *dbpath;
	bool ro = false, no_inotify = false, check = false;
	struct watch_options wo = { 0 };
	uint64_t wd_usec;
	char err[512];
	int c, r, sfd, lvl;

	/* A closed stdin, stdout or stderr would be reused by the next
	 * open(): the database must never become "stdout". */
	for (int fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF &&
		    open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) != fd)
			return 1;
	log_init("homectl-mcp", LOG_INFO);
	/* Until it serves, a failure under systemd is answered, not exited
	 * (common/refuse.h says why). */
	refuse_arm("homectl-mcp", REFUSE_JSONRPC);
	while ((c = getopt_long(argc, argv, "vhV", opts, NULL)) != -1) {
		switch (c) {
		case O_STDIO:
			srv.stdio = true;
			break;
		case O_LISTEN:
			listen_opt = optarg;
			break;
		case O_DB:
			db_opt = optarg;
			break;
		case O_CONFIG:
			config_opt = optarg;
			break;
		case O_RO:
			ro = true;
			break;
		case O_CONFIRM:
			confirm_opt = optarg;
			break;
		case O_INTERVAL:
			interval_opt = optarg;
			break;
		case O_NOINOTIFY:
			no_inotify = true;
			break;
		case O_PAGE:
			page_size = uint_arg("--page-size", optarg, 1, 10000);
			break;
		case O_MAXSESS:
			srv.max_sessions = uint_arg("--max-sessions", optarg, 1, 100000);
			break;
		case O_PERPEER:
			srv.max_per_peer = uint_arg("--max-sessions-per-peer", optarg, 1, 100000);
			break;
		case O_IDLE:
			srv.idle_sec = uint_arg("--idle-timeout", optarg, 0, 86400);
			break;
		case O_LEVEL:
			level_opt = optarg;
			break;
		case O_CHECK:
			check = true;
			break;
		case 'v':
			/* The old spelling of --log-level debug. */
			level_opt = "debug";
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("homectl-mcp %s\n", HOMECTL_VERSION);
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
	if (check)	/* a person reads this: no <N> prefixes */
		log_init_command("homectl-mcp", LOG_INFO);
	if (srv.stdio && listen_opt != NULL)
		fatalx("--stdio and --listen exclude each other");

	config_defaults(&srv.cfg);
	if (config_load(&srv.cfg, config_opt ? config_opt : config_path(), config_opt != NULL,
	    err, sizeof(err)) < 0)
		fatalx("%s", err);
	lvl = level_opt != NULL ? log_level_parse(level_opt) : srv.cfg.log_level;
	if (lvl < 0)
		fatalx("--log-level: expected err, warning, info or debug, not '%s'", level_opt);
	log_setlevel(lvl);
	if (ro)
		srv.cfg.read_only = true;
	if (no_inotify)
		srv.cfg.inotify = false;
	if (confirm_opt != NULL && ops_confirm_parse(confirm_opt, &srv.cfg.confirm) < 0)
		fatalx("--confirm: expected opening, none or all, not '%s'", confirm_opt);
	if (interval_opt != NULL)
		srv.cfg.update_check_interval = uint_arg("--update-check-interval", interval_opt,
		    0, 3600000);
	srv.read_only = srv.cfg.read_only;

	dbpath = config_database(&srv.cfg, db_opt);
	/* --check-config: the configuration and the options were read above
	 * (a mistake there is fatal and named); the database is left. */
	if (check)
		return check_daemon_config(config_opt ? config_opt : config_path(), dbpath, false);
	/* DB_NOWAIT: the loop never waits for a lock; a busy tool call is
	 * retried from the loop (session.c, session_park). */
	if ((r = db_open(dbpath, (srv.read_only ? DB_READONLY : 0) | DB_NOWAIT, &srv.db)) < 0)
		fatalx("%s: cannot open the database (%s)%s", dbpath, strerror(-r),
		    r == -ENOENT ? "; create it with `homectl init`" : "");
	ops_ctx_init(&srv.ops, srv.db, &srv.cfg, OPS_SRC_MCP);
	mcp_core_init(&srv.core, &srv.ops, "homectl-mcp");
	srv.core.resync = core_resync;
	srv.core.require_elicitation = srv.cfg.require_elicitation;
	srv.core.page_size = page_size;
	if (srv.read_only)
		srv.core.max_scope = MCP_SCOPE_READ;

	/* Everything is an fd in one loop (loop.c); signals too. */
	signal(SIGPIPE, SIG_IGN);
	if ((r = loop_init(&srv.loop)) < 0)
		fatalx("epoll: %s", strerror(-r));
	if ((sfd = evfd_signals()) < 0)
		fatalx("signalfd: %s", strerror(-sfd));
	srv.sig_h.cb = sig_rx;
	srv.sig_h.arg = &srv;
	if (loop_add(&srv.loop, &srv.sig_h, sfd, EPOLLIN, "signals") < 0)
		fatalx("cannot watch signals");

	wo.interval_ms = srv.cfg.update_check_interval;
	wo.no_inotify = !srv.cfg.inotify;
	if ((r = watch_open(dbpath, &wo, -1, &srv.watch)) < 0) {
		log_warnx("%s: change watcher not started (%s): resource subscriptions will "
		    "not be notified", dbpath, strerror(-r));
		srv.watch = NULL;
	} else {
		srv.core.watching = true;
		srv.watch_h.cb = watch_rx;
		srv.watch_h.arg = &srv;
		if (loop_add(&srv.loop, &srv.watch_h, watch_fd(srv.watch), EPOLLIN, "watcher") < 0)
			fatalx("cannot poll the change watcher");
	}
	srv.wait_h.cb = wait_rx;
	srv.wait_h.arg = &srv;
	if (loop_timer(&srv.loop, &srv.wait_h, "device confirmations", 0, 0) < 0)
		fatalx("cannot create a timer");
	srv.retry_h.cb = sessions_retry;
	srv.retry_h.arg = &srv;
	if (loop_timer(&srv.loop, &srv.retry_h, "busy retry", 0, 0) < 0)
		fatalx("cannot arm a timer");

	if (srv.stdio) {
		if (session_new(&srv, STDIN_FILENO, STDOUT_FILENO, true) == NULL)
			fatalx("cannot serve stdin and stdout");
	} else if (address_like(listen_opt ? listen_opt : srv.cfg.mcp_socket))
		fatalx("%s looks like a TCP address: homectl-mcp listens on a unix socket (a "
		    "path such as %s); MCP over the network is homectl-api's /mcp",
		    listen_opt ? listen_opt : srv.cfg.mcp_socket, CONFIG_DEFAULT_MCP_SOCKET);
	else if ((r = listen_start(&srv, listen_opt ? listen_opt : srv.cfg.mcp_socket)) < 0)
		fatalx("%s: cannot listen (%s)", listen_opt ? listen_opt : srv.cfg.mcp_socket,
		    strerror(-r));

	if (sd_watchdog_enabled(0, &wd_usec) > 0) {
		srv.wdog_h.cb = wdog_rx;
		srv.wdog_h.arg = &srv;
		if (loop_timer(&srv.loop, &srv.wdog_h, "watchdog", wd_usec / 2, wd_usec / 2) < 0)
			fatalx("cannot arm the watchdog timer");
	}
	log_debug("database %s, confirm %d, %s", dbpath, srv.cfg.confirm,
	    srv.read_only ? "read-only" : "read-write");
	refuse_disarm();
	status_init("session");
	if (srv.watch != NULL)
		status_seq(watch_seq(srv.watch));
	status_ready();

	serve(&srv);

	sd_notify(0, "STOPPING=1");
	while (srv.sessions != NULL) {
		if (!srv.sessions->dead)
			session_flush(srv.sessions);
		session_free(srv.sessions);
	}
	listen_stop(&srv);
	loop_timer_close(&srv.wdog_h);
	loop_timer_close(&srv.retry_h);
	loop_timer_close(&srv.wait_h);
	loop_del(&srv.watch_h);
	loop_del(&srv.sig_h);
	close(srv.sig_h.fd);
	loop_free(&srv.loop);
	mcp_core_free(&srv.core);
	watch_close(srv.watch);
	db_close(srv.db);
	config_free(&srv.cfg);
	return 0;
}
