/* SPDX-License-Identifier: MIT */
/* fuzz_cli.c -- libFuzzer target: any arguments to the homectl command
 * line, run in-process (cli/main.c's main, built as homectl_main) against
 * a demo home of its own: the global options' parser, every subcommand's
 * argument parser and what the subcommands do with what they accept.  The
 * input is the arguments after the command name, separated by NUL bytes
 * (at most 16).  Subcommands that wait forever or touch files other than
 * the home (watch, mcp, backup, restore, import, automation add) are not
 * run.  Besides "no crash, no leak" it checks that homectl exits 0, 1 or
 * 2.
 *
 * Every input meets the same home: when one changed it, it is put back
 * from a copy in memory (an SQLite backup onto the file, a few dozen
 * pages) through a connection of the target's own, so a crash reproduces
 * from its input alone.  homectl's connection to the home is opened once
 * and kept: the target is linked with --wrap=db_open,--wrap=db_close and
 * homectl's read-write open of the home gets that connection, its close
 * leaves it open.  Opening is not what is fuzzed here, and it was most of
 * the cost: SQLite parses the whole schema on every open, and the last
 * connection to close a WAL database checkpoints it and deletes its -wal
 * and -shm (1.4k to 2.5k inputs a second then, 12k now).  Any
 * other open (read-only, another file) is the real one.  The home is on
 * tmpfs (/dev/shm when there is one): a sync costs nothing. */
#include <fcntl.h>
#include <getopt.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "fuzz_reset.h"
#include "db.h"
#include "log.h"
#include "ops.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int homectl_main(int argc, char **argv);
int __real_db_open(const char *path, int flags, struct db **out);
void __real_db_close(struct db *db);
int __wrap_db_open(const char *path, int flags, struct db **out);
void __wrap_db_close(struct db *db);

#define ARGS	16

static const char *path;
static struct db *home;		/* homectl's connection, kept */

/* The demo home, made once as homectl init --demo makes it; the target's
 * own connection to it, and a copy in memory. */
static void
setup(void)
{
	char err[OPS_ERRLEN];
	struct config cfg;
	struct ops_ctx ops;
	struct db *db;
	int nul;

	path = fuzz_home_path("cli");
	config_defaults(&cfg);
	if (__real_db_open(path, DB_CREATE, &db) < 0)
		abort();
	ops_ctx_init(&ops, db, &cfg, OPS_SRC_CLI);
	if (ops_init_home(&ops, true, err) < 0)
		abort();
	config_free(&cfg);
	home = db;
	fuzz_home_keep();
	/* No terminal to wait on, no output to keep (stderr: run with
	 * -close_fd_mask=2, libFuzzer keeps its own). */
	if ((nul = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0 || dup2(nul, 0) < 0 ||
	    dup2(nul, 1) < 0)
		abort();
	close(nul);
}

/* homectl's open of the home: the kept connection (DB_CREATE or not, the
 * file is there). */
int
__wrap_db_open(const char *p, int flags, struct db **out)
{
	if (home != NULL && !(flags & DB_READONLY) && strcmp(p, path) == 0) {
		*out = home;
		return 0;
	}
	return __real_db_open(p, flags, out);
}

void
__wrap_db_close(struct db *db)
{
	if (db != home)
		__real_db_close(db);
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
	static char buf[4097];
	char *argv[ARGS + 8];
	const char *p, *end;
	int argc = 0, r, i;

	if (path == NULL)
		setup();
	if (size > sizeof(buf) - 1)
		size = sizeof(buf) - 1;
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[argc++] = (char *)"homectl";
	argv[argc++] = (char *)"--db";
	argv[argc++] = (char *)path;
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
	fuzz_home_reset();
	return 0;
}
