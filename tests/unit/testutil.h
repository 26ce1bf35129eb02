/* SPDX-License-Identifier: MIT */
/* testutil.h -- what the unit tests share: a demo home in a temp directory,
 * a digest of everything a failed operation must leave alone, and a
 * foreign writer (the real sqlite3 shell, in another process). */
#ifndef HOMECTL_TESTUTIL_H
#define HOMECTL_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "db.h"
#include "ops.h"

struct home {
	char dir[64];
	char path[96];
	struct db *db;
	struct ops_ctx ops;
};

/* Creates a demo home in a new temp directory; asserts on failure. */
void home_setup(struct home *h, bool demo);
void home_teardown(struct home *h);
/* cmocka fixtures: *state becomes a struct home with the demo. */
int home_fixture_setup(void **state);
int home_fixture_teardown(void **state);
#define HOME_TEST(f) cmocka_unit_test_setup_teardown(f, home_fixture_setup, home_fixture_teardown)
/* Everything a failed operation must not touch: devices, the mode and the
 * feed, as one string.  Caller frees. */
char *home_digest(struct home *h);
/* Runs sql with the sqlite3 shell in another process; returns its status. */
int foreign_sql(const char *path, const char *sql);
/* The first column of the first row of sql, read by a connection of its
 * own; "" when no row.  Caller frees. */
char *query_text(const char *path, const char *sql);
/* Number of rows in the feed. */
int64_t feed_count(struct home *h);
/* A device's field ("state") or property ("properties.brightness") as text;
 * caller frees. */
char *device_field(struct home *h, const char *id, const char *field);

/* The feed's newest seq in a new demo home: its 24 devices, 5 rooms, 4
 * modes and their scene steps each wrote a row. */
#define DEMO_SEQ 68

#endif
