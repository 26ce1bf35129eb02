/* SPDX-License-Identifier: MIT */
/* A fuzz target's home, put back after every input: fuzz_reset.h. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuzz_reset.h"

static char dir[64], path[96];
static sqlite3 *keep;		/* our connection to the home */
static sqlite3 *tmpl;		/* the home as it was kept, in memory */
static int version;		/* keep's PRAGMA data_version after the last reset */

static int
data_version(void)
{
	sqlite3_stmt *st;
	int v = -1;

	if (sqlite3_prepare_v2(keep, "PRAGMA data_version", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (v < 0)
		abort();
	return v;
}

static void
remove_home(void)
{
	char p[128];

	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
	unlink(path);
	rmdir(dir);
}

/* from -> to, every page. */
static void
copy_db(sqlite3 *to, sqlite3 *from)
{
	sqlite3_backup *b;

	if ((b = sqlite3_backup_init(to, "main", from, "main")) == NULL ||
	    sqlite3_backup_step(b, -1) != SQLITE_DONE || sqlite3_backup_finish(b) != SQLITE_OK)
		abort();
}

const char *
fuzz_home_path(const char *name)
{
	/* On tmpfs when there is one: a sync costs nothing. */
	snprintf(dir, sizeof(dir), "%s/homectl-fuzz-%s-XXXXXX",
	    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp", name);
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/home.db", dir);
	atexit(remove_home);
	return path;
}

void
fuzz_home_keep(void)
{
	if (sqlite3_open_v2(path, &keep, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
	    sqlite3_open(":memory:", &tmpl) != SQLITE_OK)
		abort();
	/* The code under test may hold the lock a moment longer than its
	 * commit, but a reset must not fail. */
	sqlite3_busy_timeout(keep, 5000);
	copy_db(tmpl, keep);
	version = data_version();
}

void
fuzz_home_reset(void)
{
	/* Another connection's commit moves data_version: someone wrote. */
	if (data_version() != version) {
		copy_db(keep, tmpl);
		version = data_version();
	}
}
