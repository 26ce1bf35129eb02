/* SPDX-License-Identifier: MIT */
/* testutil.c -- shared fixtures of the unit tests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sqlite3.h>

#include "log.h"
#include "testutil.h"

void
home_setup(struct home *h, bool demo)
{
	char err[OPS_ERRLEN];

	memset(h, 0, sizeof(*h));
	snprintf(h->dir, sizeof(h->dir), "/tmp/homectl-unit-XXXXXX");
	assert_non_null(mkdtemp(h->dir));
	snprintf(h->path, sizeof(h->path), "%s/home.db", h->dir);
	assert_int_equal(db_open(h->path, DB_CREATE, &h->db), 0);
	ops_ctx_init(&h->ops, h->db, NULL, OPS_SRC_API);
	if (ops_init_home(&h->ops, demo, err) != 0)
		fail_msg("init: %s", err);
}

void
home_teardown(struct home *h)
{
	char cmd[128];

	db_close(h->db);
	h->db = NULL;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", h->dir);
	assert_int_equal(system(cmd), 0);
}

char *
query_text(const char *path, const char *sql)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	char *out = NULL;

	assert_int_equal(sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
		out = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(h);
	return out ? out : strdup("");
}

int
home_fixture_setup(void **state)
{
	struct home *h = calloc(1, sizeof(*h));

	assert_non_null(h);
	home_setup(h, true);
	*state = h;
	return 0;
}

int
home_fixture_teardown(void **state)
{
	home_teardown(*state);
	free(*state);
	return 0;
}

char *
home_digest(struct home *h)
{
	/* Read through a connection of its own, as any other process would. */
	return query_text(h->path,
	    "SELECT (SELECT group_concat(id || '|' || state || '|' || properties || '|' ||"
	    "   updated_at, ';') FROM (SELECT * FROM devices ORDER BY id))"
	    " || '#' || (SELECT group_concat(seq || '|' || source || '|' || kind, ';')"
	    "   FROM changes)"
	    " || '#' || (SELECT mode FROM home)"
	    " || '#' || (SELECT coalesce(max(seq), 0) FROM sqlite_sequence)");
}

int
foreign_sql(const char *path, const char *sql)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		/* Query output (a checkpoint's "0|0|0") is not the test's. */
		if (freopen("/dev/null", "w", stdout) == NULL)
			_exit(126);
		execlp("sqlite3", "sqlite3", "-bail", path, sql, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

int64_t
feed_count(struct home *h)
{
	char *s = query_text(h->path, "SELECT count(*) FROM changes");
	int64_t n = atoll(s);

	free(s);
	return n;
}

char *
device_field(struct home *h, const char *id, const char *field)
{
	char sql[256];

	if (strncmp(field, "properties.", 11) == 0)
		snprintf(sql, sizeof(sql), "SELECT json_extract(properties, '$.%s') FROM devices"
		    " WHERE id = '%s'", field + 11, id);
	else
		snprintf(sql, sizeof(sql), "SELECT %s FROM devices WHERE id = '%s'", field, id);
	return query_text(h->path, sql);
}
