/* SPDX-License-Identifier: MIT */
/* db_test.c -- the schema and the change feed: writes by another process
 * (the sqlite3 shell) land in the feed, rolled-back ones do not, and seq
 * never repeats or goes back. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "log.h"
#include "testutil.h"

/* Token hashes: the schema wants the 64 hex digits of a SHA-256. */
#define HASH_A "ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12"
#define HASH_B "cd34cd34cd34cd34cd34cd34cd34cd34cd34cd34cd34cd34cd34cd34cd34cd34"

static int64_t
newest(struct home *h)
{
	int64_t oldest, n;

	assert_int_equal(db_changes_bounds(h->db, &oldest, &n), 0);
	return n;
}

static void
test_schema(void **state)
{
	struct home *h = *state;
	char *mode;

	assert_int_equal(db_schema_version(h->db), db_schema_latest());
	/* WAL, so readers never block the writer. */
	mode = query_text(h->path, "PRAGMA journal_mode");
	assert_string_equal(mode, "wal");
	free(mode);
	/* Reopening migrates nothing and keeps the data. */
	db_close(h->db);
	assert_int_equal(db_open(h->path, 0, &h->db), 0);
	h->ops.db = h->db;
	assert_int_equal(db_schema_version(h->db), db_schema_latest());
	/* 24 devices, 5 rooms, 4 modes and their scene steps. */
	assert_int_equal(newest(h), 68);
}

static void
test_newer_schema_refused(void **state)
{
	struct home *h = *state;
	struct db *db = NULL;

	assert_int_equal(foreign_sql(h->path, "PRAGMA user_version = 99"), 0);
	assert_int_equal(db_open(h->path, 0, &db), -EPROTO);
	assert_null(db);
	assert_int_equal(foreign_sql(h->path, "PRAGMA user_version = 1"), 0);
}

static void
test_not_a_database(void **state)
{
	struct db *db = NULL;
	FILE *f = fopen("/tmp/homectl-unit-garbage.db", "w");

	assert_non_null(f);
	fputs("this is not a database, just text that is long enough to look at......\n"
	      "0123456789012345678901234567890123456789012345678901234567890123456789\n", f);
	fclose(f);
	assert_true(db_open("/tmp/homectl-unit-garbage.db", 0, &db) < 0);
	assert_null(db);
	unlink("/tmp/homectl-unit-garbage.db");
	assert_int_equal(db_open("/tmp/homectl-unit-missing/x.db", 0, &db), -ENOENT);
}

static unsigned
file_mode(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

/* A new home is its owner's alone, whatever the umask: the database, its
 * -wal and its -shm are 0600.  An existing file keeps the mode it has. */
static void
test_new_database_private(void **state)
{
	char dir[] = "/tmp/homectl-unit-mode-XXXXXX", path[96], wal[104], shm[104];
	struct db *db = NULL;
	mode_t old;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/home.db", dir);
	snprintf(wal, sizeof(wal), "%s-wal", path);
	snprintf(shm, sizeof(shm), "%s-shm", path);
	old = umask(0);
	assert_int_equal(db_open(path, DB_CREATE, &db), 0);
	assert_int_equal(db_token_add(db, "t", HASH_A), 0);
	assert_int_equal(file_mode(path), 0600);
	assert_int_equal(file_mode(wal), 0600);
	assert_int_equal(file_mode(shm), 0600);
	db_close(db);
	db = NULL;
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(db_open(path, DB_CREATE, &db), 0);
	assert_int_equal(file_mode(path), 0640);
	db_close(db);
	umask(old);
	unlink(wal);
	unlink(shm);
	unlink(path);
	rmdir(dir);
}

static void
test_foreign_update_lands_in_feed(void **state)
{
	struct home *h = *state;
	struct json_object *rows, *c, *d;
	int64_t before = newest(h);

	assert_int_equal(foreign_sql(h->path, "UPDATE devices SET state = 'off' WHERE id ="
	    " 'kitchen_light_main'"), 0);
	assert_true(db_changes(h->db, before, 0, NULL, &rows, NULL) >= 0);
	assert_int_equal(json_object_array_length(rows), 1);
	c = json_object_array_get_idx(rows, 0);
	assert_int_equal(json_object_get_int64(json_object_object_get(c, "seq")), before + 1);
	assert_string_equal(json_object_get_string(json_object_object_get(c, "source")),
	    "unknown");
	assert_string_equal(json_object_get_string(json_object_object_get(c, "kind")), "device");
	/* The device's full new state, name and room included. */
	d = json_object_object_get(c, "device");
	assert_string_equal(json_object_get_string(json_object_object_get(d, "state")), "off");
	assert_string_equal(json_object_get_string(json_object_object_get(d, "room")), "kitchen");
	assert_int_equal(json_object_get_int(json_object_object_get(json_object_object_get(d,
	    "properties"), "brightness")), 100);
	json_object_put(rows);
	/* The trigger also moved updated_at for the foreign writer. */
	{
		char *u = device_field(h, "kitchen_light_main", "updated_at > '2026-01-01' AND "
		    "updated_at = (SELECT max(updated_at) FROM devices)");

		assert_string_equal(u, "1");
		free(u);
	}
	/* A mode change by hand, too. */
	assert_int_equal(foreign_sql(h->path, "UPDATE home SET mode = 'away'"), 0);
	assert_true(db_changes(h->db, before + 1, 0, NULL, &rows, NULL) >= 0);
	assert_int_equal(json_object_array_length(rows), 1);
	c = json_object_array_get_idx(rows, 0);
	assert_string_equal(json_object_get_string(json_object_object_get(c, "mode")), "away");
	json_object_put(rows);
	/* Writes that change nothing add nothing. */
	assert_int_equal(foreign_sql(h->path, "UPDATE devices SET state = state"), 0);
	assert_int_equal(newest(h), before + 2);
	/* A foreign insert and delete are in the feed as well. */
	assert_int_equal(foreign_sql(h->path, "INSERT INTO devices(id, name, type, state)"
	    " VALUES ('hall_switch', 'Hall', 'switch', 'off'); DELETE FROM devices WHERE"
	    " id = 'hall_switch'"), 0);
	assert_true(db_changes(h->db, before + 2, 0, NULL, &rows, NULL) >= 0);
	assert_int_equal(json_object_array_length(rows), 2);
	assert_string_equal(json_object_get_string(json_object_object_get(
	    json_object_array_get_idx(rows, 1), "kind")), "device_removed");
	json_object_put(rows);
}

static void
test_foreign_garbage_refused(void **state)
{
	struct home *h = *state;
	char *before = home_digest(h), *after;

	/* The CHECK keeps what the daemons parse parseable. */
	assert_int_not_equal(foreign_sql(h->path, "UPDATE devices SET properties = '{oops'"
	    " WHERE id = 'kitchen_light_main'"), 0);
	after = home_digest(h);
	assert_string_equal(before, after);
	free(before);
	free(after);
}

static void
test_rollback_leaves_no_row(void **state)
{
	struct home *h = *state;
	int64_t before = newest(h);
	struct json_object *props = json_tokener_parse("{\"brightness\": 3}");

	assert_int_equal(foreign_sql(h->path, "BEGIN; UPDATE devices SET state = 'off'"
	    " WHERE type = 'light';"
	    " ROLLBACK;"), 0);
	assert_int_equal(newest(h), before);
	assert_int_equal(db_begin(h->db, true), 0);
	assert_int_equal(db_device_update(h->db, "bathroom_light", "on", props), 1);
	db_rollback(h->db);
	json_object_put(props);
	assert_int_equal(newest(h), before);
	/* seq goes on from where it was, not past the rolled-back rows. */
	assert_int_equal(foreign_sql(h->path, "UPDATE devices SET state = 'on' WHERE id ="
	    " 'bathroom_light'"), 0);
	assert_int_equal(newest(h), before + 1);
}

static void
test_seq_never_repeats(void **state)
{
	struct home *h = *state;
	struct json_object *rows;
	int64_t top, removed, oldest, n;

	/* Prune everything but one row; new rows still come after the old
	 * newest (AUTOINCREMENT), even after the newest rows are deleted. */
	top = newest(h);
	assert_int_equal(db_changes_prune(h->db, 1, 0, &removed), 0);
	assert_int_equal(removed, top - 1);
	assert_int_equal(foreign_sql(h->path, "DELETE FROM changes"), 0);
	assert_int_equal(db_changes_bounds(h->db, &oldest, &n), 0);
	assert_int_equal(n, top);
	assert_int_equal(oldest, top + 1);
	assert_int_equal(foreign_sql(h->path, "UPDATE devices SET state = 'off' WHERE id ="
	    " 'kitchen_light_main'"), 0);
	assert_true(db_changes(h->db, 0, 0, NULL, &rows, NULL) >= 0);
	assert_int_equal(json_object_array_length(rows), 1);
	assert_int_equal(json_object_get_int64(json_object_object_get(json_object_array_get_idx(
	    rows, 0), "seq")), top + 1);
	json_object_put(rows);
}

static void
test_claim_and_filters(void **state)
{
	struct home *h = *state;
	struct json_object *rows;
	int64_t oldest, top;

	assert_int_equal(db_changes_bounds(h->db, &oldest, &top), 0);
	assert_int_equal(db_changes_claim(h->db, top - 4, "mcp", NULL), 0);
	assert_int_equal(foreign_sql(h->path, "UPDATE devices SET state = 'off' WHERE id ="
	    " 'kitchen_light_main'"), 0);
	assert_true(db_changes(h->db, top, 0, NULL, &rows, NULL) >= 0);
	assert_string_equal(json_object_get_string(json_object_object_get(
	    json_object_array_get_idx(rows, 0), "source")), "unknown");
	json_object_put(rows);
	assert_true(db_changes(h->db, 0, 3, NULL, &rows, NULL) >= 0);
	assert_int_equal(json_object_array_length(rows), 3);
	/* The demo home was created through ops with source "api". */
	assert_string_equal(json_object_get_string(json_object_object_get(
	    json_object_array_get_idx(rows, 0), "source")), "api");
	json_object_put(rows);
	assert_true(db_changes(h->db, top - 4, 0, NULL, &rows, NULL) >= 0);
	assert_string_equal(json_object_get_string(json_object_object_get(
	    json_object_array_get_idx(rows, 0), "source")), "mcp");
	json_object_put(rows);
	assert_true(db_changes(h->db, 0, 0, "garage_door", &rows, NULL) >= 0);
	assert_int_equal(json_object_array_length(rows), 1);
	json_object_put(rows);
}

static void
test_tokens(void **state)
{
	struct home *h = *state;
	struct json_object *list;
	char *name = NULL;

	assert_int_equal(db_token_add(h->db, "phone", HASH_A), 0);
	assert_int_equal(db_token_add(h->db, "phone", HASH_B), -EEXIST);
	assert_int_equal(db_token_find(h->db, HASH_A, &name), 0);
	assert_string_equal(name, "phone");
	free(name);
	assert_int_equal(db_token_find(h->db, "zz", &name), -ENOENT);
	assert_int_equal(db_tokens(h->db, &list), 0);
	assert_int_equal(json_object_array_length(list), 1);
	json_object_put(list);
	assert_int_equal(db_token_remove(h->db, "phone"), 0);
	assert_int_equal(db_token_remove(h->db, "phone"), -ENOENT);
}

/* A write through a read-only connection says so (-EROFS), rather than
 * "database error". */
static void
test_read_only_write(void **state)
{
	struct home *h = *state;
	struct json_object *props = json_tokener_parse("{\"brightness\": 3}");
	struct db *ro = NULL;

	assert_int_equal(db_open(h->path, DB_READONLY, &ro), 0);
	assert_int_equal(db_device_update(ro, "bathroom_light", "on", props), -EROFS);
	db_close(ro);
	json_object_put(props);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		HOME_TEST(test_schema),
		HOME_TEST(test_newer_schema_refused),
		cmocka_unit_test(test_not_a_database),
		cmocka_unit_test(test_new_database_private),
		HOME_TEST(test_foreign_update_lands_in_feed),
		HOME_TEST(test_foreign_garbage_refused),
		HOME_TEST(test_rollback_leaves_no_row),
		HOME_TEST(test_seq_never_repeats),
		HOME_TEST(test_claim_and_filters),
		HOME_TEST(test_tokens),
		HOME_TEST(test_read_only_write),
	};

	log_init("db_test", LOG_CRIT);
	return cmocka_run_group_tests_name("db", tests, NULL, NULL);
}
