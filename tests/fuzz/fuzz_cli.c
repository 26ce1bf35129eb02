/* SPDX-License-Identifier: MIT */
/* fuzz_cli.c -- libFuzzer target: any arguments to the homectl command
 * line, run in-process (cli/main.c's main, built as homectl_main) against
 * a demo home of its own: the global options' parser, every subcommand's
 * argument parser and what the subcommands do with what they accept.  The
 * input is the arguments after the command name, separated by NUL bytes
 * (at most 16).  Subcommands that wait forever or touch files other than
 * the home (watch, mcp, backup, restore, import, automation add) are not
 * run.  Besides "no crash, no leak" it checks that homectl exits 0, 1 or
 * 2. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <getopt.h>
#include <unistd.h>

#include "config.h"
#include "db.h"
#include "log.h"
#include "ops.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int homectl_main(int argc, char **argv);

#define ARGS	16
#define RESET	4096	/* runs between fresh copies of the home */

static char path[64];

static void
fresh_home(void)
{
	struct config cfg;
	struct ops_ctx ops;
	struct db *db;
	char err[OPS_ERRLEN];

	unlink(path);
	config_defaults(&cfg);
	if (db_open(path, DB_CREATE, &db) < 0)
		abort();
	ops_ctx_init(&ops, db, &cfg, OPS_SRC_CLI);
	if (ops_init_home(&ops, true, err) < 0)
		abort();
	db_close(db);
	config_free(&cfg);
}

static bool
unsafe(const char *cmd, const char *arg)
{
	static const char *const no[] = { "watch", "mcp", "backup", "restore", "import", NULL };

	for (size_t i = 0; no[i] != NULL; i++)
		if (strcmp(cmd, no[i]) == 0)
			return true;
	return strcmp(cmd, "automation") == 0 && arg != NULL && strcmp(arg, "add") == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned runs;
	static char buf[4097];
	char *argv[ARGS + 8];
	const char *p, *end;
	int argc = 0, nul, r, i;

	if (runs++ % RESET == 0) {
		if (runs == 1) {
			char dir[] = "/tmp/homectl-fuzz-cli-XXXXXX";

			if (mkdtemp(dir) == NULL)
				abort();
			snprintf(path, sizeof(path), "%s/home.db", dir);
			/* No terminal to wait on, no output to keep (stderr:
			 * run with -close_fd_mask=2, libFuzzer keeps its own). */
			if ((nul = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0 ||
			    dup2(nul, 0) < 0 || dup2(nul, 1) < 0)
				abort();
			close(nul);
		}
		fresh_home();
	}
	if (size > sizeof(buf) - 1)
		size = sizeof(buf) - 1;
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[argc++] = (char *)"homectl";
	argv[argc++] = (char *)"--db";
	argv[argc++] = path;
	argv[argc++] = (char *)"--config";
	argv[argc++] = (char *)"/dev/null";
	for (p = buf, end = buf + size; p < end && argc < ARGS + 5; p += strlen(p) + 1)
		argv[argc++] = (char *)p;
	argv[argc] = NULL;
	/* Global options are ours (the home, no config): only --json may come
	 * before the command (getopt would take "--d FILE" for --db FILE). */
	for (i = 5; i < argc && argv[i][0] == '-'; i++)
		if (strcmp(argv[i], "--json") != 0)
			return 0;
	if (i < argc && unsafe(argv[i], i + 1 < argc ? argv[i + 1] : NULL))
		return 0;
	optind = 0;	/* getopt starts afresh */
	r = homectl_main(argc, argv);
	fflush(stdout);
	if (r < 0 || r > 2)
		abort();
	return 0;
}
