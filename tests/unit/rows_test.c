/* SPDX-License-Identifier: MIT */
/* rows_test.c -- no row crashes a reader.  A database of schema 1 with the
 * rows that crashed homectl (a NULL device id, a NULL token name, a feed row
 * of no known kind) is migrated: those rows go to the quarantine table,
 * reported, and the seq counter stays.  Rows written with the checks off
 * into schema 2, or read from schema 1 without migrating (a read-only open),
 * are skipped by every reader, and what the readers return keeps the shape
 * db.h promises (tests/lib/shape.c). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "log.h"
#include "model.h"
#include "shape.h"
#include "testutil.h"
#include "util.h"
#include "watch.h"

#define FIXTURE_1 ".read tests/fixtures/schema-1.sql"
#define HASH "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* Writes rows no reader can use, with the checks off as another program
 * could: every kind of bad field, in every table. */
static const char HOSTILE[] =
	"PRAGMA ignore_check_constraints = ON;"
	"INSERT INTO devices(id, name, type, room, state, properties) VALUES"
	" ('toaster', 'T', 'toaster', NULL, 'on', '{}'),"
	" ('banana', 'B', 'light', NULL, 'banana', '{}'),"
	" ('array', 'A', 'light', NULL, 'on', '[1]'),"
	" ('broken', 'X', 'light', NULL, 'on', '{oops'),"
	" ('blob_name', x'00ff', 'light', NULL, 'on', '{}'),"
	" ('latin1', CAST(x'c328' AS TEXT), 'light', NULL, 'on', '{}'),"
	" ('nul', CAST(x'41004142' AS TEXT), 'light', NULL, 'on', '{}'),"
	" (x'0102', 'blob id', 'light', NULL, 'on', '{}'),"
	" (42, 'number id', 'light', NULL, 'on', '{}'),"
	" ('odd_props', 'P', 'light', NULL, 'on',"
	"   '{\"brightness\":\"max\",\"color_temp\":3000,\"junk\":[1],\"x\":null}');"
	"INSERT INTO changes(kind, device_id, state, properties, mode) VALUES"
	" ('nonsense', NULL, NULL, NULL, NULL), ('mode', NULL, NULL, NULL, NULL),"
	" ('device', 'ghost', NULL, '{}', NULL), ('device', 'ghost', 'on', '[]', NULL),"
	" ('device_removed', x'00', NULL, NULL, NULL),"
	" ('device', 'ghost', 'on', '{\"k\":\"\\u0000\",\"bad\":{\"a\":1}}', NULL);"
	"INSERT INTO scenes(mode, step, device_id, action, properties) VALUES"
	" ('away', 99, 'bathroom_light', 'dance', '{}'),"
	" ('away', 98, x'01', 'on', '{}');"
	"INSERT INTO rooms(id, name, position) VALUES ('attic', x'01', 9), (x'02', 'Cellar', 9);"
	"INSERT INTO modes(name, description, position) VALUES ('party', x'00', 9);"
	"INSERT INTO tokens(name, hash) VALUES (x'01', '" HASH "');";

static void
assert_shape(const char *why)
{
	if (why != NULL)
		fail_msg("%s", why);
}

/* Every read path of ops and db on h, each asserted to keep its shape;
 * returns the number of devices listed. */
static size_t
read_everything(struct home *h)
{
	struct json_object *o = NULL, *a;
	char err[OPS_ERRLEN], *mode = NULL;
	size_t n;

	assert_int_equal(ops_devices(&h->ops, NULL, NULL, NULL, &o, err), 0);
	assert_shape(shape_all(o, shape_device));
	n = json_object_array_length(o);
	json_object_put(o);
	assert_int_equal(ops_snapshot(&h->ops, &o, err), 0);
	assert_shape(shape_all(json_object_object_get(o, "devices"), shape_device));
	assert_shape(shape_all(json_object_object_get(o, "rooms"), shape_room));
	json_object_put(o);
	assert_int_equal(ops_history(&h->ops, 0, 0, NULL, &o, err), 0);
	assert_shape(shape_all(json_object_object_get(o, "changes"), shape_change));
	json_object_put(o);
	assert_int_equal(ops_rooms(&h->ops, &o, err), 0);
	assert_shape(shape_all(o, shape_room));
	json_object_put(o);
	assert_int_equal(ops_modes(&h->ops, &o, err), 0);
	assert_shape(shape_all(o, shape_mode));
	json_object_put(o);
	assert_int_equal(db_tokens(h->db, &a), 0);
	assert_shape(shape_all(a, shape_token));
	json_object_put(a);
	if (db_mode_get(h->db, &mode) == 0)
		free(mode);
	/* A mistyped id walks every id for "did you mean". */
	assert_int_equal(ops_device_get(&h->ops, "kitchen_lite", &o, err), -ENOENT);
	assert_int_equal(ops_stats(&h->ops, &o, err), 0);
	json_object_put(o);
	return n;
}

/* The crash of the report: a schema-1 home with a NULL device id and a
 * NULL token name.  Migrating quarantines both, says so, and keeps the feed
 * counter; the next write of such a row is refused. */
static void
test_migration_quarantines(void **state)
{
	struct home h = { 0 };
	char err[OPS_ERRLEN], *s;
	struct json_object *o = NULL;

	(void)state;
	snprintf(h.dir, sizeof(h.dir), "/tmp/homectl-unit-XXXXXX");
	assert_non_null(mkdtemp(h.dir));
	snprintf(h.path, sizeof(h.path), "%s/home.db", h.dir);
	assert_int_equal(foreign_sql(h.path, FIXTURE_1), 0);
	assert_int_equal(foreign_sql(h.path,
	    "INSERT INTO devices(id, name, type, state) VALUES (NULL, 'ghost', 'light', 'on');"
	    "INSERT INTO devices(id, name, type, state) VALUES ('t', 'T', 'toaster', 'on');"
	    "INSERT INTO tokens(name, hash) VALUES (NULL, '" HASH "');"
	    "INSERT INTO changes(kind) VALUES ('nonsense');"
	    "INSERT INTO scenes(mode, step, device_id, action) VALUES"
	    "  ('home', 1, 'front_door_lock', 'dance');"), 0);
	s = query_text(h.path, "SELECT seq FROM sqlite_sequence WHERE name = 'changes'");
	assert_string_equal(s, "5");
	free(s);

	assert_int_equal(db_open(h.path, 0, &h.db), 0);
	ops_ctx_init(&h.ops, h.db, NULL, OPS_SRC_API);
	assert_int_equal(db_schema_version(h.db), db_schema_latest());
	/* Two devices, the feed rows of the NULL id and of the unknown kind,
	 * the token, the scene step. */
	assert_int_equal(db_quarantined(h.db), 6);
	s = query_text(h.path, "SELECT group_concat(from_table || ': ' || reason, '; ')"
	    " FROM quarantine");
	assert_string_equal(s, "devices: id is not a non-empty string; "
	    "devices: type is not a device type of the model; "
	    "scenes: action is not an action of the model; "
	    "changes: kind is not device, device_removed or mode with the fields it needs; "
	    "changes: kind is not device, device_removed or mode with the fields it needs; "
	    "tokens: name is not a non-empty string");
	free(s);
	/* The row itself, as JSON. */
	s = query_text(h.path, "SELECT row FROM quarantine WHERE from_table = 'tokens'");
	assert_non_null(strstr(s, "\"name\":null"));
	assert_non_null(strstr(s, HASH));
	free(s);
	/* The seq of the quarantined newest row is not handed out again. */
	s = query_text(h.path, "SELECT seq FROM sqlite_sequence WHERE name = 'changes'");
	assert_string_equal(s, "5");
	free(s);

	assert_int_equal(read_everything(&h), 2);
	assert_int_equal(ops_device_get(&h.ops, "kitchen_lite", &o, err), -ENOENT);
	assert_non_null(strstr(err, "kitchen_light"));
	/* The schema now refuses what was quarantined. */
	assert_int_not_equal(foreign_sql(h.path, "INSERT INTO devices(id, name, type, state)"
	    " VALUES (NULL, 'ghost', 'light', 'on')"), 0);
	assert_int_not_equal(foreign_sql(h.path, "INSERT INTO tokens(name, hash)"
	    " VALUES (NULL, '" HASH "')"), 0);
	assert_int_not_equal(foreign_sql(h.path, "UPDATE devices SET state = 'open'"
	    " WHERE id = 'kitchen_light'"), 0);
	/* Reopening migrates nothing more. */
	db_close(h.db);
	assert_int_equal(db_open(h.path, 0, &h.db), 0);
	assert_int_equal(db_quarantined(h.db), 0);
	h.ops.db = h.db;
	assert_int_equal(read_everything(&h), 2);
	home_teardown(&h);
}

/* A schema-1 file opened read-only is not migrated: the readers meet the
 * NULL id themselves. */
static void
test_read_only_old_schema(void **state)
{
	struct home h = { 0 };
	char err[OPS_ERRLEN];
	struct json_object *o = NULL;

	(void)state;
	snprintf(h.dir, sizeof(h.dir), "/tmp/homectl-unit-XXXXXX");
	assert_non_null(mkdtemp(h.dir));
	snprintf(h.path, sizeof(h.path), "%s/home.db", h.dir);
	assert_int_equal(foreign_sql(h.path, FIXTURE_1), 0);
	assert_int_equal(foreign_sql(h.path,
	    "INSERT INTO devices(id, name, type, state) VALUES (NULL, 'ghost', 'light', 'on');"
	    "INSERT INTO devices(id, name, type, state) VALUES ('nameless', x'00', 'light', 'on');"
	    "INSERT INTO tokens(name, hash) VALUES (NULL, '" HASH "');"), 0);
	assert_int_equal(db_open(h.path, DB_READONLY, &h.db), 0);
	ops_ctx_init(&h.ops, h.db, NULL, OPS_SRC_API);
	assert_int_equal(db_schema_version(h.db), 1);
	assert_int_equal(read_everything(&h), 2);
	assert_int_equal(ops_device_get(&h.ops, "nameless", &o, err), -ENOENT);
	assert_int_equal(db_token_find(h.db, HASH, &(char *){ NULL }), -ENOENT);
	home_teardown(&h);
}

/* Rows written into schema 2 with the checks off. */
static void
test_readers_skip_bypassed_rows(void **state)
{
	struct home *h = *state;
	struct json_object *o = NULL, *props;
	char err[OPS_ERRLEN], token[AUTH_TOKEN_LEN + 1], name[65];
	static const char *const bad[] = { "toaster", "banana", "array", "broken", "blob_name",
		"latin1", "nul", NULL };
	size_t i;

	assert_int_equal(auth_token_create(h->db, "phone", token, sizeof(token)), 0);
	assert_int_equal(auth_token_check(h->db, token, name, sizeof(name)), 0);
	assert_int_equal(foreign_sql(h->path, HOSTILE), 0);
	assert_int_equal(foreign_sql(h->path, "PRAGMA ignore_check_constraints = ON;"
	    "UPDATE tokens SET name = x'02' WHERE name = 'phone';"
	    "UPDATE home SET mode = x'01'"), 0);
	/* The 24 of the demo, the one whose bad properties are dropped and
	 * 42 (a number stored in a TEXT column becomes the text "42"). */
	assert_int_equal(read_everything(h), 26);
	for (i = 0; bad[i] != NULL; i++)
		assert_int_equal(ops_device_get(&h->ops, bad[i], &o, err), -ENOENT);
	assert_int_equal(ops_device_get(&h->ops, "odd_props", &o, err), 0);
	props = json_object_object_get(o, "properties");
	assert_string_equal(json_object_to_json_string_ext(props, JSON_C_TO_STRING_PLAIN),
	    "{\"color_temp\":3000,\"junk\":[1]}");
	json_object_put(o);
	/* A token without a usable name lets no one in. */
	assert_int_equal(auth_token_check(h->db, token, name, sizeof(name)), -EACCES);
	/* Writes still work around the bad rows, and the good device can be
	 * controlled (its properties are repaired by the write). */
	struct ops_control c = { .device_id = "odd_props", .action = "off" };
	assert_int_equal(ops_control(&h->ops, &c, &o, err), 0);
	json_object_put(o);
	assert_int_equal(read_everything(h), 26);
}

/* Automations and their runs written with the checks off: the readers
 * skip them too. */
static void
test_automation_rows(void **state)
{
	struct home *h = *state;
	struct json_object *o = NULL;
	size_t n;

	assert_int_equal(db_automation_add(h->db, "good", "{\"name\":\"good\"}", 0), 0);
	assert_int_equal(foreign_sql(h->path, "PRAGMA ignore_check_constraints = ON;"
	    "INSERT INTO automations(name, document) VALUES ('array', '[1]'),"
	    "  ('broken', '{'), (x'01', '{}'), ('latin1', CAST(x'7bc3287d' AS TEXT));"
	    "INSERT INTO automation_runs(automation, trigger, outcome) VALUES"
	    "  ('good', '{', 'done'), ('good', '{}', x'00'), ('good', '{}', 'requested');"), 0);
	assert_int_equal(db_automations(h->db, &o), 0);
	assert_int_equal(json_object_array_length(o), 1);
	json_object_put(o);
	assert_int_equal(db_automation_get(h->db, "array", &o), -ENOENT);
	assert_int_equal(db_automation_get(h->db, "broken", &o), -ENOENT);
	assert_int_equal(db_runs(h->db, "good", 10, &o), 0);
	n = json_object_array_length(o);
	json_object_put(o);
	assert_int_equal(n, 1);
	assert_int_equal(db_run_get(h->db, 1, &o), -ENOENT);
	assert_int_equal(db_runs_requested(h->db, &o), 0);
	assert_int_equal(json_object_array_length(o), 1);
	json_object_put(o);
}

/* More bad feed rows in a row than a watcher's batch: it goes past them and
 * delivers the good change after. */
static void
test_watcher_passes_bad_rows(void **state)
{
	struct home *h = *state;
	struct watch_options wo = { .interval_ms = 20, .batch = 2 };
	struct watch *w = NULL;
	struct json_object *rows = NULL, *all = json_object_new_array();
	struct pollfd pfd;
	uint64_t end;
	size_t i;

	assert_int_equal(watch_open(h->path, &wo, -1, &w), 0);
	assert_int_equal(foreign_sql(h->path, "PRAGMA ignore_check_constraints = ON;"
	    "INSERT INTO changes(kind) VALUES ('a'), ('b'), ('c'), ('d'), ('e');"
	    "UPDATE devices SET state = 'on' WHERE id = 'bathroom_light'"), 0);
	pfd = (struct pollfd){ .fd = watch_fd(w), .events = POLLIN };
	end = mono_usec() + 10 * 1000000;
	while (json_object_array_length(all) == 0 && mono_usec() < end) {
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		while (watch_read(w, &rows) > 0 || rows != NULL) {
			for (i = 0; rows != NULL && i < json_object_array_length(rows); i++)
				json_object_array_add(all,
				    json_object_get(json_object_array_get_idx(rows, i)));
			json_object_put(rows);
			rows = NULL;
		}
	}
	assert_int_equal(json_object_array_length(all), 1);
	assert_shape(shape_all(all, shape_change));
	assert_string_equal(json_object_get_string(json_object_object_get(json_object_object_get(
	    json_object_array_get_idx(all, 0), "device"), "id")), "bathroom_light");
	json_object_put(all);
	watch_close(w);
}

/* The rules of the schema are the model's: every type with each of its
 * states and every action is accepted, anything else refused. */
static void
test_schema_follows_model(void **state)
{
	struct home *h = *state;
	const struct model_type *t;
	const char *const *s;
	char id[64];
	int n = 0;

	assert_int_equal(db_begin(h->db, true), 0);
	for (t = model_types; t->name != NULL; t++)
		for (s = t->states; *s != NULL; s++) {
			snprintf(id, sizeof(id), "x%d", n++);
			assert_int_equal(db_device_add(h->db, id, id, t->name, NULL, *s, NULL), 0);
		}
	for (s = model_actions; *s != NULL; s++)
		assert_int_equal(db_scene_add(h->db, "home", "x0", *s, NULL), 0);
	assert_int_equal(db_device_add(h->db, "y", "y", "toaster", NULL, "on", NULL), -EINVAL);
	assert_int_equal(db_device_add(h->db, "y", "y", "light", NULL, "open", NULL), -EINVAL);
	assert_int_equal(db_device_add(h->db, "", "y", "light", NULL, "on", NULL), -EINVAL);
	assert_int_equal(db_scene_add(h->db, "home", "x0", "dance", NULL), -EINVAL);
	db_rollback(h->db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_migration_quarantines),
		cmocka_unit_test(test_read_only_old_schema),
		HOME_TEST(test_readers_skip_bypassed_rows),
		HOME_TEST(test_automation_rows),
		HOME_TEST(test_watcher_passes_bad_rows),
		HOME_TEST(test_schema_follows_model),
	};

	log_init("rows_test", LOG_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
