/* SPDX-License-Identifier: MIT */
/* doctor.c -- `homectl doctor`: checks what homectl needs to work (the
 * configuration, the database, its permissions, the sockets and the
 * services) and prints one line per finding, with what to do about each
 * problem.  Exit status 1 when there is one.  It changes nothing. */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>

#include "args.h"
#include "check.h"
#include "cli.h"

struct doctor {
	unsigned problems;
	unsigned checked;
};

static void say(struct doctor *d, int verdict, const char *topic, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

enum { OK, PROBLEM, SKIPPED };

/* One line: the verdict, what was checked, and the finding (for a problem,
 * what to do about it). */
static void
say(struct doctor *d, int verdict, const char *topic, const char *fmt, ...)
{
	static const char *const words[] = { "ok", "PROBLEM", "skipped" };
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("%-8s %-27s %s\n", words[verdict], topic, msg);
	if (verdict == PROBLEM)
		d->problems++;
	if (verdict != SKIPPED)
		d->checked++;
}

static void
check_config_file(struct doctor *d, const struct cli *cli)
{
	if (cli->config_error != NULL)
		say(d, PROBLEM, "config", "%s: fix the line, then systemctl restart "
		    "homectl-api homectl-mcp (each daemon's --check-config says the same)",
		    cli->config_error);
	else if (access(cli->config_file, F_OK) < 0)
		say(d, OK, "config", "no %s: the defaults apply", cli->config_file);
	else
		say(d, OK, "config", "%s is valid", cli->config_file);
}

static void
check_db(struct doctor *d, const struct cli *cli)
{
	char msg[768];

	if (check_database(cli->db_path, false, msg, sizeof(msg)) < 0) {
		say(d, PROBLEM, "database", "%s", msg);
		return;	/* the other checks would repeat it */
	}
	say(d, OK, "database", "%s", msg);
	say(d, check_database_integrity(cli->db_path, msg, sizeof(msg)) < 0 ? PROBLEM : OK,
	    "database integrity", "%s", msg);
	say(d, check_database_owner(cli->db_path, CHECK_USER, msg, sizeof(msg)) < 0 ?
	    PROBLEM : OK, "database access", "%s", msg);
}

extern char **environ;

/* systemctl show's properties of unit into the buffers; false when
 * systemctl cannot be asked.  Run directly, no shell in between. */
static bool
unit_show(const char *unit, char *load, char *active, char *result, char *status, size_t len)
{
	char *argv[] = { "systemctl", "show",
		"--property=LoadState,ActiveState,Result,StatusText", NULL, NULL };
	posix_spawn_file_actions_t fa;
	char line[1024];
	int fds[2], st = -1;
	pid_t pid;
	FILE *p;
	bool ok;

	*load = *active = *result = *status = '\0';
	/* posix_spawn's argv is not const; systemctl only reads it. */
	argv[3] = (char *)(uintptr_t)unit; /* NOLINT(performance-no-int-to-ptr) */
	if (pipe2(fds, O_CLOEXEC) < 0)
		return false;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
	posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
	ok = posix_spawnp(&pid, "systemctl", &fa, NULL, argv, environ) == 0;
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (!ok || (p = fdopen(fds[0], "r")) == NULL) {
		close(fds[0]);
		if (ok)
			waitpid(pid, NULL, 0);
		return false;
	}
	while (fgets(line, sizeof(line), p) != NULL) {
		char *v = strchr(line, '='), *nl = strchr(line, '\n');

		if (nl != NULL)
			*nl = '\0';
		if (v == NULL)
			continue;
		*v++ = '\0';
		if (strcmp(line, "LoadState") == 0)
			snprintf(load, len, "%s", v);
		else if (strcmp(line, "ActiveState") == 0)
			snprintf(active, len, "%s", v);
		else if (strcmp(line, "Result") == 0)
			snprintf(result, len, "%s", v);
		else if (strcmp(line, "StatusText") == 0)
			snprintf(status, len, "%s", v);
	}
	fclose(p);
	if (waitpid(pid, &st, 0) < 0)
		return false;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 && *load != '\0';
}

static void
check_unit(struct doctor *d, const char *unit, bool socket_activated)
{
	char load[64], active[64], result[64], status[512], name[64];
	const char *dot = strrchr(unit, '.');
	bool is_socket = dot != NULL && strcmp(dot, ".socket") == 0;

	snprintf(name, sizeof(name), "%.*s", (int)(dot != NULL ? dot - unit : 63), unit);
	if (!unit_show(unit, load, active, result, status, sizeof(status))) {
		say(d, PROBLEM, unit, "systemctl does not answer: is systemd running?");
		return;
	}
	if (strcmp(load, "loaded") != 0) {
		say(d, SKIPPED, unit, "not installed (%s)", load);
		return;
	}
	if (strcmp(active, "failed") == 0) {
		say(d, PROBLEM, unit, "failed (%s): journalctl -u %s says why; then systemctl "
		    "reset-failed %s and systemctl restart %s", result, unit, unit, unit);
		return;
	}
	if (strncmp(status, "cannot start: ", 14) == 0) {
		say(d, PROBLEM, unit, "%s: fix it, then systemctl restart %s", status, name);
		return;
	}
	if (strcmp(active, "active") == 0) {
		if (status[0] != '\0')
			say(d, OK, unit, "active: %s", status);
		else
			say(d, OK, unit, "active");
		return;
	}
	if (!is_socket && socket_activated) {
		say(d, OK, unit, "%s (started by the first connection to %s.socket)", active,
		    name);
		return;
	}
	say(d, PROBLEM, unit, "%s: systemctl enable --now %s", active, unit);
}

static void
check_mcp_socket(struct doctor *d, const struct cli *cli)
{
	const char *path = cli->cfg.mcp_socket;
	struct stat st;

	if (stat(path, &st) < 0) {
		say(d, errno == ENOENT ? SKIPPED : PROBLEM, "mcp socket", "%s: %s%s", path,
		    strerror(errno), errno == ENOENT ? " (nothing serves MCP here)" : "");
		return;
	}
	if (!S_ISSOCK(st.st_mode)) {
		say(d, PROBLEM, "mcp socket", "%s is not a socket: remove it, then systemctl "
		    "restart homectl-mcp.socket", path);
		return;
	}
	if (st.st_mode & 0007)
		say(d, PROBLEM, "mcp socket", "%s is mode %04o, open to every user: systemctl "
		    "restart homectl-mcp.socket (it makes it 0660)", path,
		    (unsigned)(st.st_mode & 07777));
	else
		say(d, OK, "mcp socket", "%s, mode %04o", path, (unsigned)(st.st_mode & 07777));
}

int
cmd_doctor(struct cli *cli, int argc, char **argv)
{
	static const struct {
		const char *unit;
		bool socket_activated;
	} units[] = {
		{ "homectl-api.socket", false },
		{ "homectl-api.service", true },
		{ "homectl-mcp.socket", false },
		{ "homectl-mcp.service", true },
		{ "homectl-automations.service", false },
	};
	struct doctor d = { 0 };
	struct args a;
	size_t i;

	if (args_parse(&a, argc, argv, NULL, NULL, 0, 0) < 0)
		return 2;
	check_config_file(&d, cli);
	check_db(&d, cli);
	check_mcp_socket(&d, cli);
	if (sd_booted() <= 0)
		say(&d, SKIPPED, "services", "systemd is not running here");
	else
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			check_unit(&d, units[i].unit, units[i].socket_activated);
	if (d.problems > 0)
		printf("%u problem%s found\n", d.problems, d.problems == 1 ? "" : "s");
	else
		printf("no problems found (%u checks)\n", d.checked);
	return d.problems > 0 ? 1 : 0;
}
