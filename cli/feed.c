/* SPDX-License-Identifier: MIT */
/* feed.c -- the change feed for people: history, and watch, which prints
 * every change live, whoever made it, using the same watcher as the
 * daemons. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/signalfd.h>

#include "args.h"
#include "cli.h"
#include "util.h"
#include "watch.h"

static int
parse_seq(const char *s, const char *what, int64_t *out)
{
	if (s != NULL && parse_int64(s, 0, INT64_MAX, out) < 0) {
		fprintf(stderr, "homectl: %s must be a whole number, not '%s'\n", what, s);
		return -EINVAL;
	}
	return 0;
}

int
cmd_history(struct cli *cli, int argc, char **argv)
{
	static const char *const opts[] = { "since", "limit", "device", NULL };
	struct json_object *res = NULL, *changes;
	int64_t since = 0, limit = 50;
	struct args a;
	char err[OPS_ERRLEN];
	size_t i, n;
	int r;

	if (args_parse(&a, argc, argv, opts, NULL, 0, 0) < 0 ||
	    parse_seq(args_get(&a, "since"), "--since", &since) < 0 ||
	    parse_seq(args_get(&a, "limit"), "--limit", &limit) < 0)
		return 2;
	if (cli_open(cli, false) < 0)
		return 1;
	/* Without --since, the newest `limit` changes (of --device alone). */
	if (args_get(&a, "since") == NULL && limit > 0)
		r = ops_history_latest(&cli->ops, limit, args_get(&a, "device"), &res, err);
	else
		r = ops_history(&cli->ops, since, limit, args_get(&a, "device"), &res, err);
	if (r < 0)
		return cli_fail(err);
	if (cli->json) {
		cli_print_json(res);
	} else {
		changes = json_object_object_get(res, "changes");
		n = json_object_array_length(changes);
		printf("%6s  %-8s  %-7s  %s\n", "SEQ", "TIME", "SOURCE", "CHANGE");
		for (i = 0; i < n; i++)
			cli_print_change(json_object_array_get_idx(changes, i));
	}
	json_object_put(res);
	return 0;
}

int
cmd_watch(struct cli *cli, int argc, char **argv)
{
	static const char *const opts[] = { "since", "interval", NULL };
	static const char *const flags[] = { "no-inotify", NULL };
	struct watch_options wo = { .interval_ms = cli->cfg.update_check_interval };
	struct watch *w = NULL;
	struct pollfd pfd[2];
	sigset_t mask;
	int64_t since = -1, interval;
	struct args a;
	int r, status = 0;

	if (args_parse(&a, argc, argv, opts, flags, 0, 0) < 0 ||
	    parse_seq(args_get(&a, "since"), "--since", &since) < 0)
		return 2;
	if (args_get(&a, "interval") != NULL) {
		if (parse_int64(args_get(&a, "interval"), 0, 60000, &interval) < 0) {
			fprintf(stderr, "homectl: --interval must be 0 to 60000 ms\n");
			return 2;
		}
		wo.interval_ms = (unsigned)interval;
	}
	wo.no_inotify = args_flag(&a, "no-inotify") || !cli->cfg.inotify;
	if ((r = watch_open(cli->db_path, &wo, since, &w)) < 0) {
		fprintf(stderr, "homectl: cannot watch %s: %s\n", cli->db_path, strerror(-r));
		return 1;
	}
	/* SIGINT and SIGTERM arrive as a readable fd: a clean exit, never an
	 * interrupted write. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	/* A shell starts background jobs with SIGINT ignored, and an ignored
	 * signal never reaches the signalfd. */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	pfd[0] = (struct pollfd){ .fd = watch_fd(w), .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = signalfd(-1, &mask, SFD_CLOEXEC), .events = POLLIN };
	if (!cli->json)
		fprintf(stderr, "watching %s (Ctrl-C to stop)\n", cli->db_path);
	for (;;) {
		struct json_object *changes = NULL;
		size_t i, n;

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			status = 1;
			break;
		}
		if (pfd[1].revents)
			break;
		do {
			if ((r = watch_read(w, &changes)) < 0) {
				fprintf(stderr, "homectl: reading the feed: %s\n", strerror(-r));
				status = 1;
				goto done;
			}
			n = changes ? json_object_array_length(changes) : 0;
			for (i = 0; i < n; i++) {
				if (cli->json)
					cli_print_json(json_object_array_get_idx(changes, i));
				else
					cli_print_change(json_object_array_get_idx(changes, i));
			}
			fflush(stdout);
			json_object_put(changes);
		} while (r == 1);
	}
done:
	if (pfd[1].fd >= 0)
		close(pfd[1].fd);
	watch_close(w);
	return status;
}
