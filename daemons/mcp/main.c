/* SPDX-License-Identifier: MIT */
/* main.c -- homectl-mcp: arguments, configuration, sockets (systemd's or
 * our own), signals, and the single-threaded poll loop that serves every
 * session, the change watcher and the watchdog. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>

#include "config.h"
#include "db.h"
#include "log.h"
#include "mcp.h"
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
	    "  -v, --verbose                debug diagnostics on stderr\n"
	    "  -h, --help                   this text\n"
	    "  -V, --version                the version\n",
	    config_path(), MCP_DEFAULT_SESSIONS);
}

/* Binds a unix stream socket at path, replacing a stale one (a socket
 * file nobody listens on).  Returns the fd or -errno. */
static int
listen_unix(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old;
	int fd, r;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_warnx("%s: socket path too long", path);
		return -ENAMETOOLONG;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
		int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (probe >= 0 && connect(probe, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
			close(probe);
			close(fd);
			log_warnx("%s: another server is listening there", path);
			return -EADDRINUSE;
		}
		if (probe >= 0)
			close(probe);
		unlink(path);
	}
	/* 0660: the homectl group may connect, as with the socket unit. */
	old = umask(0117);
	r = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (r < 0 || listen(fd, 64) < 0) {
		r = -errno;
		log_warn("%s", path);
		close(fd);
		return r;
	}
	return fd;
}

/* The socket systemd passed (Accept=no), or -1. */
static int
listen_systemd(void)
{
	int n = sd_listen_fds(1), fd = SD_LISTEN_FDS_START;

	if (n <= 0)
		return -1;
	if (n > 1)
		log_warnx("systemd passed %d sockets; serving the first", n);
	if (sd_is_socket(fd, AF_UNSPEC, SOCK_STREAM, 1) <= 0)
		fatalx("the socket from systemd is not a listening stream socket (Accept=no?)");
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		fatal("fcntl");
	return fd;
}

static void
accept_all(struct server *srv)
{
	for (;;) {
		int fd = accept4(srv->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
			    errno != ECONNABORTED)
				log_warn("accept");
			return;
		}
		if (srv->nsessions >= srv->max_sessions) {
			log_warnx("%u sessions already: connection refused", srv->nsessions);
			close(fd);
			continue;
		}
		if (session_new(srv, fd, fd, false) == NULL) {
			log_warnx("out of memory: connection refused");
			close(fd);
		}
	}
}

static void
read_signals(struct server *srv)
{
	struct signalfd_siginfo si;

	while (read(srv->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP && !srv->stdio) {
			log_info("SIGHUP: nothing to reload; the configuration is read at start");
			continue;
		}
		log_info("%s: exiting", strsignal((int)si.ssi_signo));
		srv->quit = true;
	}
}

/* Sprinklers run for a set time, whoever started them: stop those whose
 * time is up and note when the next one is due (homectl-api does the same;
 * ops_expire re-reads under the write lock, so the two never clash). */
static void
expire(struct server *srv)
{
	char err[OPS_ERRLEN];
	int64_t next;
	int ended;

	srv->expire_at = 0;
	if (srv->read_only)
		return;
	if (ops_expire(&srv->ops, &next, &ended, err) < 0) {
		log_warnx("ending timed devices: %s", err);
		next = 5000;	/* busy, or not ours to write: try again later */
	}
	if (ended > 0)
		log_info("stopped %d sprinkler%s whose time was up", ended, ended == 1 ? "" : "s");
	if (next >= 0)
		srv->expire_at = mono_usec() + (uint64_t)(next + 1) * 1000;
}

static void
read_changes(struct server *srv)
{
	for (int i = 0; i < WATCH_ROUNDS; i++) {
		struct json_object *changes = NULL;
		int r = watch_read(srv->watch, &changes);

		if (changes != NULL) {
			log_debug("watcher: %zu change(s), up to seq %lld",
			    json_object_array_length(changes), (long long)watch_seq(srv->watch));
			server_changes(srv, changes);
			if (ops_changes_timed(changes))
				expire(srv);
			json_object_put(changes);
		}
		if (r <= 0) {
			if (r < 0)
				log_warnx("change watcher: %s", strerror(-r));
			return;
		}
	}
}

/* Ends sessions that are finished: dead, or at EOF with nothing left to
 * write.  In --stdio mode the end of the session is the end of the
 * process. */
static void
reap(struct server *srv)
{
	struct session *s, *next;

	for (s = srv->sessions; s != NULL; s = next) {
		next = s->next;
		if (!s->dead && !(s->eof && !session_pending(s)))
			continue;
		if (s->is_stdio)
			srv->quit = true;
		session_free(s);
	}
}

/* The loop: everything is an fd (signals, the watcher, the listening
 * socket, the sessions); replies are written in the turn that made them. */
static int
serve(struct server *srv)
{
	struct pollfd *pfd;
	struct session **who;
	bool *is_out;
	size_t cap = 16;
	uint64_t next_ping = 0;

	pfd = calloc(cap, sizeof(struct pollfd));
	who = calloc(cap, sizeof(struct session *));
	is_out = calloc(cap, sizeof(bool));
	if (pfd == NULL || who == NULL || is_out == NULL)
		fatalx("out of memory");
	if (srv->watchdog_usec > 0)
		next_ping = mono_usec();
	while (!srv->quit) {
		struct session *s;
		size_t n = 0, need = 3 + 2 * (size_t)srv->nsessions;
		int timeout = -1, r;

		if (need > cap) {
			/* Failing here is fatal, so the old arrays need no care. */
			cap = need * 2;
			free(pfd);
			free(who);
			free(is_out);
			pfd = calloc(cap, sizeof(struct pollfd));
			who = calloc(cap, sizeof(struct session *));
			is_out = calloc(cap, sizeof(bool));
			if (pfd == NULL || who == NULL || is_out == NULL)
				fatalx("out of memory");
		}
		pfd[n] = (struct pollfd){ .fd = srv->sig_fd, .events = POLLIN };
		who[n++] = NULL;
		if (srv->watch != NULL) {
			pfd[n] = (struct pollfd){ .fd = watch_fd(srv->watch), .events = POLLIN };
			who[n++] = NULL;
		}
		if (srv->listen_fd >= 0) {
			pfd[n] = (struct pollfd){ .fd = srv->listen_fd, .events = POLLIN };
			who[n++] = NULL;
		}
		for (s = srv->sessions; s != NULL; s = s->next) {
			short in = (short)(session_wants_input(s) ? POLLIN : 0);
			short out = (short)(session_pending(s) ? POLLOUT : 0);

			if (s->in_fd == s->out_fd) {
				pfd[n] = (struct pollfd){ .fd = s->in_fd, .events = (short)(in | out) };
				who[n] = s;
				is_out[n++] = false;
				continue;
			}
			if (in) {
				pfd[n] = (struct pollfd){ .fd = s->in_fd, .events = in };
				who[n] = s;
				is_out[n++] = false;
			}
			if (out) {
				pfd[n] = (struct pollfd){ .fd = s->out_fd, .events = out };
				who[n] = s;
				is_out[n++] = true;
			}
		}
		if (srv->watchdog_usec > 0) {
			uint64_t now = mono_usec();

			timeout = next_ping > now ? (int)((next_ping - now) / 1000) + 1 : 0;
		}
		if (srv->expire_at > 0) {
			uint64_t now = mono_usec();
			int t = srv->expire_at > now ?
			    (int)((srv->expire_at - now) / 1000 > 86400000 ? 86400000 :
				(srv->expire_at - now) / 1000) + 1 : 0;

			if (timeout < 0 || t < timeout)
				timeout = t;
		}

		r = poll(pfd, n, timeout);
		if (srv->expire_at > 0 && mono_usec() >= srv->expire_at)
			expire(srv);
		if (r < 0 && errno != EINTR)
			fatal("poll");
		if (srv->watchdog_usec > 0 && mono_usec() >= next_ping) {
			sd_notify(0, "WATCHDOG=1");
			next_ping = mono_usec() + srv->watchdog_usec / 2;
		}
		if (r <= 0)
			continue;

		for (size_t i = 0; i < n; i++) {
			short ev = pfd[i].revents;

			if (ev == 0)
				continue;
			if (who[i] == NULL) {
				if (pfd[i].fd == srv->sig_fd)
					read_signals(srv);
				else if (srv->watch != NULL && pfd[i].fd == watch_fd(srv->watch))
					read_changes(srv);
				else
					accept_all(srv);
				continue;
			}
			s = who[i];
			if (s->dead)
				continue;
			if (ev & POLLNVAL) {
				/* e.g. --stdio started with stdin closed */
				log_warnx("session %u: fd %d is not open", s->id, pfd[i].fd);
				s->dead = true;
				continue;
			}
			if ((ev & POLLOUT) || (is_out[i] && (ev & (POLLERR | POLLHUP)))) {
				if (session_flush(s) < 0)
					s->dead = true;
			}
			if (!is_out[i] && (ev & (POLLIN | POLLHUP | POLLERR)) &&
			    session_wants_input(s)) {
				if (session_read(s) < 0)
					s->eof = true;
			} else if (!is_out[i] && (ev & POLLERR))
				s->dead = true;
		}
		/* Answer now, not on the next POLLOUT. */
		for (s = srv->sessions; s != NULL; s = s->next)
			if (!s->dead && session_pending(s) && session_flush(s) < 0)
				s->dead = true;
		reap(srv);
	}
	free(pfd);
	free(who);
	free(is_out);
	return 0;
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
		O_NOINOTIFY, O_PAGE, O_MAXSESS };
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
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct server srv = { .listen_fd = -1, .sig_fd = -1, .page_size = MCP_DEFAULT_PAGE,
		.max_sessions = MCP_DEFAULT_SESSIONS };
	const char *db_opt = NULL, *config_opt = NULL, *listen_opt = NULL, *confirm_opt = NULL;
	const char *interval_opt = NULL, *dbpath;
	bool ro = false, no_inotify = false, verbose = false;
	struct watch_options wo = { 0 };
	char err[512];
	sigset_t mask;
	int c, r;

	/* A closed stdin, stdout or stderr would be reused by the next
	 * open(): the database must never become "stdout". */
	for (int fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF &&
		    open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) != fd)
			return 1;
	log_init("homectl-mcp", LOG_INFO);
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
			srv.page_size = uint_arg("--page-size", optarg, 1, 10000);
			break;
		case O_MAXSESS:
			srv.max_sessions = uint_arg("--max-sessions", optarg, 1, 100000);
			break;
		case 'v':
			verbose = true;
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
	if (srv.stdio && listen_opt != NULL)
		fatalx("--stdio and --listen exclude each other");

	config_defaults(&srv.cfg);
	if (config_load(&srv.cfg, config_opt ? config_opt : config_path(), config_opt != NULL,
	    err, sizeof(err)) < 0)
		fatalx("%s", err);
	log_setlevel(verbose ? LOG_DEBUG : srv.cfg.log_level);
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
	if ((r = db_open(dbpath, srv.read_only ? DB_READONLY : 0, &srv.db)) < 0)
		fatalx("%s: cannot open the database (%s)%s", dbpath, strerror(-r),
		    r == -ENOENT ? "; create it with `homectl init`" : "");
	srv.ops = (struct ops_ctx){
		.db = srv.db,
		.source = OPS_SRC_MCP,
		.confirm = srv.cfg.confirm,
		.feed_max_rows = srv.cfg.feed_max_rows,
		.feed_max_age_s = srv.cfg.feed_max_age_days * 86400,
	};

	/* Signals become readable events; the loop does the work. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ||
	    (srv.sig_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) < 0)
		fatal("signalfd");

	wo.interval_ms = srv.cfg.update_check_interval;
	wo.no_inotify = !srv.cfg.inotify;
	if ((r = watch_open(dbpath, &wo, -1, &srv.watch)) < 0) {
		log_warnx("%s: change watcher not started (%s): resource subscriptions will "
		    "not be notified", dbpath, strerror(-r));
		srv.watch = NULL;
	}
	expire(&srv);

	if (srv.stdio) {
		if (session_new(&srv, STDIN_FILENO, STDOUT_FILENO, true) == NULL)
			fatalx("out of memory");
	} else if ((srv.listen_fd = listen_systemd()) < 0) {
		const char *path = listen_opt ? listen_opt : srv.cfg.mcp_socket;

		if ((srv.listen_fd = listen_unix(path)) < 0)
			fatalx("%s: cannot listen (%s)", path, strerror(-srv.listen_fd));
		if ((srv.listen_path = strdup(path)) == NULL)
			fatalx("out of memory");
		log_info("listening on %s", path);
	} else
		log_info("listening on the socket from systemd");

	if (sd_watchdog_enabled(0, &srv.watchdog_usec) <= 0)
		srv.watchdog_usec = 0;
	log_debug("database %s, confirm %d, %s", dbpath, srv.cfg.confirm,
	    srv.read_only ? "read-only" : "read-write");
	sd_notifyf(0, "READY=1\nSTATUS=serving MCP %s", srv.stdio ? "on stdio" : "sessions");

	serve(&srv);

	sd_notify(0, "STOPPING=1");
	while (srv.sessions != NULL) {
		if (!srv.sessions->dead)
			session_flush(srv.sessions);
		session_free(srv.sessions);
	}
	if (srv.listen_fd >= 0)
		close(srv.listen_fd);
	if (srv.listen_path != NULL) {
		unlink(srv.listen_path);
		free(srv.listen_path);
	}
	tools_cleanup(&srv);
	watch_close(srv.watch);
	db_close(srv.db);
	close(srv.sig_fd);
	config_free(&srv.cfg);
	return 0;
}
