/* SPDX-License-Identifier: MIT */
/* fuzz_rows.c -- libFuzzer target: any rows, written into the database the
 * way another program could (the sqlite3 shell with the checks off, or a
 * file of schema 1 that was never migrated), and then every read path:
 * the ops reads, the snapshot, the history, the watcher's feed read, the
 * token lookup, a write among the bad rows, the CLI's formatting and
 * homectl-mcp's read tools.  Besides "no crash, no leak" it checks that
 * every object db.h returns keeps its promised shape (tests/lib/shape.c):
 * what the front ends format without checking again.
 *
 * The input is a sequence of writes: [table, verb, column values...], each
 * value a NULL, an integer, a real, text, a blob or one of a dictionary of
 * meaningful strings (type names, states, ids, JSON snippets).  Each input
 * starts from a fresh copy of one of two homes (schema 2 and schema 1). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>

#include "auth.h"
#include "cli.h"
#include "db.h"
#include "log.h"
#include "mcpcore.h"
#include "ops.h"
#include "shape.h"
#include "util.h"
#include "watch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_WRITES 24

/* One home per schema: the template, the copy each input starts from, the
 * sqlite3 connection that writes the hostile rows, homectl's own. */
struct home {
	char tmpl[64], path[64];
	sqlite3 *tmpl_h, *raw;
	struct db *db;
	struct ops_ctx ops;
	int64_t base_seq;
};

static struct home homes[2];
static char dir[64];
static char token[AUTH_TOKEN_LEN + 1];

static const char *const DICT[] = {
	"light", "lock", "thermostat", "sprinkler", "temperature_sensor", "motion_sensor",
	"fish_feeder", "ev_charger", "toaster", "on", "off", "locked", "unlocked", "auto",
	"open", "closed", "banana", "device", "mode", "device_removed", "nonsense",
	"kitchen", "living_room", "attic", "kitchen_light_main", "front_door_lock",
	"thermostat_main", "kitchen_light", "home", "away", "sleep", "toggle", "dance",
	"{}", "[]", "[1]", "{", "null", "\"x\"", "{\"brightness\":50}", "{\"brightness\":\"x\"}",
	"{\"brightness\":null}", "{\"brightness\":1e999}", "{\"mode\":\"turbo\"}",
	"{\"target_temp\":\"hot\",\"mode\":7}", "{\"started_at\":5,\"duration\":\"x\"}",
	"{\"duration\":-1,\"started_at\":\"2026-01-01T00:00:00.000Z\"}",
	"{\"a\":{\"b\":[{}]}}", "room:kitchen", "mode:sleep", "requested", "good",
	"{\"name\":\"good\",\"triggers\":[],\"actions\":[]}", "{\"k\":\"\\u0000\"}", "{\"\\ud800\":1}", "2026-11-30T00:00:00Z",
	"", "mcp", "api", "cli", "unknown",
	NULL /* the token's hash, filled in at start */,
};
static char token_hash[65];

struct table {
	const char *name;
	const char *const cols[8];
	int ncols;
};

static const struct table TABLES[] = {
	{ "devices", { "id", "name", "type", "room", "state", "properties", "updated_at" }, 7 },
	{ "changes", { "at", "source", "kind", "device_id", "state", "properties", "mode" }, 7 },
	{ "rooms", { "id", "name", "position" }, 3 },
	{ "modes", { "name", "description", "position" }, 3 },
	{ "scenes", { "mode", "step", "device_id", "action", "properties" }, 5 },
	{ "tokens", { "name", "hash", "created_at", "last_used" }, 4 },
	{ "home", { "id", "mode", "updated_at" }, 3 },
	/* Not in schema 1 (the write is left out there). */
	{ "automations", { "name", "document", "created_at", "updated_at", "last_elapse" }, 5 },
	{ "automation_runs", { "automation", "started_at", "finished_at", "trigger", "conditions",
	    "outcome", "actions" }, 7 },
};

/* The automation tables came with schema 4. */
static bool
in_schema_1(const struct table *t)
{
	return strncmp(t->name, "automation", 10) != 0;
}

/* A cursor over the input. */
struct in {
	const uint8_t *p;
	size_t n;
};

static unsigned
byte(struct in *in)
{
	if (in->n == 0)
		return 0;
	in->n--;
	return *in->p++;
}

/* Binds the next value of the input to parameter i of st. */
static void
bind_value(sqlite3_stmt *st, int i, struct in *in)
{
	unsigned kind = byte(in) % 6, len;
	uint64_t v = 0;

	switch (kind) {
	case 0:
		sqlite3_bind_null(st, i);
		return;
	case 1:
		/* Any 64 bits, or (mostly) a small number: a step or seq. */
		for (int k = 0; k < 8; k++)
			v = (v << 8) | byte(in);
		sqlite3_bind_int64(st, i, byte(in) == 0 ? (int64_t)v : (int64_t)(v % 1000));
		return;
	case 2:
		sqlite3_bind_double(st, i, (double)(int8_t)byte(in) / 3.0);
		return;
	case 3:
	case 4:
		len = byte(in);
		if (len > in->n)
			len = (unsigned)in->n;
		if (kind == 3)
			sqlite3_bind_text(st, i, (const char *)in->p, (int)len, SQLITE_TRANSIENT);
		else
			sqlite3_bind_blob(st, i, in->p, (int)len, SQLITE_TRANSIENT);
		in->p += len;
		in->n -= len;
		return;
	default:
		len = byte(in) % (unsigned)NELEMS(DICT);
		sqlite3_bind_text(st, i, DICT[len] ? DICT[len] : token_hash, -1, SQLITE_STATIC);
		return;
	}
}

/* One write: insert a row, update one column of a row, or delete a row.
 * old: the home is of schema 1. */
static void
write_one(sqlite3 *raw, struct in *in, bool old)
{
	const struct table *t = &TABLES[byte(in) % NELEMS(TABLES)];
	unsigned verb = byte(in) % 4, col;
	sqlite3_stmt *st = NULL;
	char sql[256];
	int i, off, ncols = t->ncols;

	if (old && strcmp(t->name, "changes") == 0)
		ncols--;
	if (old && !in_schema_1(t))
		return;

	if (verb <= 1) {
		off = snprintf(sql, sizeof(sql), "INSERT INTO %s(", t->name);
		for (i = 0; i < ncols; i++)
			off += snprintf(sql + off, sizeof(sql) - (size_t)off, "%s%s", i ? "," : "",
			    t->cols[i]);
		off += snprintf(sql + off, sizeof(sql) - (size_t)off, ") VALUES (");
		for (i = 0; i < ncols; i++)
			off += snprintf(sql + off, sizeof(sql) - (size_t)off, "%s?", i ? "," : "");
		snprintf(sql + off, sizeof(sql) - (size_t)off, ")");
		if (sqlite3_prepare_v2(raw, sql, -1, &st, NULL) != SQLITE_OK)
			abort();
		for (i = 0; i < ncols; i++)
			bind_value(st, i + 1, in);
	} else if (verb == 2) {
		col = byte(in) % (unsigned)ncols;
		snprintf(sql, sizeof(sql), "UPDATE %s SET %s = ?1 WHERE rowid = ?2", t->name,
		    t->cols[col]);
		if (sqlite3_prepare_v2(raw, sql, -1, &st, NULL) != SQLITE_OK)
			abort();
		bind_value(st, 1, in);
		sqlite3_bind_int(st, 2, (int)byte(in) % 40);
	} else {
		snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE rowid = ?1", t->name);
		if (sqlite3_prepare_v2(raw, sql, -1, &st, NULL) != SQLITE_OK)
			abort();
		sqlite3_bind_int(st, 1, (int)byte(in) % 40);
	}
	/* NOT NULL, UNIQUE and PRIMARY KEY still hold with the checks off:
	 * a refused write is simply not there. */
	sqlite3_step(st);
	sqlite3_finalize(st);
}

static void
must(const char *why, const char *what)
{
	if (why != NULL) {
		fprintf(stderr, "fuzz_rows: %s: %s\n", what, why);
		abort();
	}
}

/* Runs a homectl-mcp read tool with args (JSON text) as a tools/call does
 * once the arguments passed the schema. */
static void
tool(const struct tool *tl, struct ops_ctx *ops, const char *args)
{
	struct tool_call t = { .ops = ops };

	t.args = json_tokener_parse(args);
	if (tl->call(&t) == 0) {
		if (t.out == NULL)
			abort();
		(void)json_object_to_json_string(t.out);
	}
	json_object_put(t.out);
	json_object_put(t.args);
}

/* Every read path through ops (h's connection, or a migrated one), and
 * with watch the watcher (it opens the file read-write, so a schema-1 file
 * is read through it only once migrated). */
static void
read_everything(struct home *h, struct ops_ctx *ops, bool watch, bool writable)
{
	static const char *const ids[] = { "kitchen_light_main", "front_door_lock",
		"thermostat_main", "kitchen_light", "kitchen_lite", NULL };
	struct ops_control c = { .device_id = "kitchen_light_main", .action = "toggle" };
	struct watch_options wo = { .interval_ms = 0, .batch = 4 };
	struct json_object *o = NULL, *a;
	struct watch *w = NULL;
	char err[OPS_ERRLEN], props[512], name[65];
	size_t i, n, rounds;

	if (ops_devices(ops, NULL, NULL, NULL, &o, err) == 0) {
		must(shape_all(o, shape_device), "ops_devices");
		cli_print_devices(o);
		json_object_put(o);
	}
	for (i = 0; ids[i] != NULL; i++)
		if (ops_device_get(ops, ids[i], &o, err) == 0) {
			must(shape_device(o), "ops_device_get");
			cli_describe_props(o, props, sizeof(props));
			json_object_put(o);
		}
	if (ops_rooms(ops, &o, err) == 0) {
		must(shape_all(o, shape_room), "ops_rooms");
		json_object_put(o);
	}
	if (ops_modes(ops, &o, err) == 0) {
		must(shape_all(o, shape_mode), "ops_modes");
		json_object_put(o);
	}
	if (ops_mode_get(ops, &o, err) == 0)
		json_object_put(o);
	if (ops_stats(ops, &o, err) == 0)
		json_object_put(o);
	if (ops_sensor_reading(ops, "temperature", NULL, &o, err) == 0)
		json_object_put(o);
	if (ops_sensor_reading(ops, "motion", NULL, &o, err) == 0)
		json_object_put(o);
	if (ops_snapshot(ops, &o, err) == 0) {
		must(shape_all(json_object_object_get(o, "devices"), shape_device), "snapshot");
		must(shape_all(json_object_object_get(o, "rooms"), shape_room), "snapshot rooms");
		json_object_put(o);
	}
	if (ops_history(ops, 0, 0, NULL, &o, err) == 0) {
		a = json_object_object_get(o, "changes");
		must(shape_all(a, shape_change), "ops_history");
		n = json_object_array_length(a);
		for (i = 0; i < n; i++)
			cli_print_change(json_object_array_get_idx(a, i));
		json_object_put(o);
	}
	if (ops_history(ops, 0, 3, "kitchen_light_main", &o, err) == 0)
		json_object_put(o);
	if (db_automations(ops->db, &o) == 0) {
		must(shape_all(o, shape_automation), "db_automations");
		json_object_put(o);
	}
	if (db_runs_requested(ops->db, &o) == 0) {
		must(shape_all(o, shape_run), "db_runs_requested");
		json_object_put(o);
	}
	if (db_tokens(ops->db, &o) == 0) {
		must(shape_all(o, shape_token), "db_tokens");
		json_object_put(o);
	}
	(void)auth_token_check(ops->db, token, name, sizeof(name));
	/* The watcher, from where the template's feed ends. */
	if (watch && watch_open(h->path, &wo, h->base_seq, &w) == 0) {
		for (rounds = 0; rounds < 64; rounds++) {
			int r = watch_read(w, &o);

			if (o != NULL) {
				must(shape_all(o, shape_change), "watch_read");
				json_object_put(o);
				o = NULL;
			}
			if (r <= 0)
				break;
		}
		watch_close(w);
	}
	tool(&tool_list_devices, ops, "{\"compact\": false}");
	tool(&tool_get_device_status, ops, "{\"device_id\": \"kitchen_lite\"}");
	tool(&tool_get_device_status, ops, "{}");
	tool(&tool_list_rooms, ops, "{}");
	tool(&tool_get_home_mode, ops, "{}");
	tool(&tool_get_history, ops, "{\"since\": 0}");
	tool(&tool_get_sensor_reading, ops, "{\"sensor_type\": \"temperature\"}");
	/* A write among the bad rows: done or refused, never a crash. */
	if (writable && ops_control(ops, &c, &o, err) == 0)
		json_object_put(o);
}

static void
home_init(struct home *h, int v)
{
	char err[OPS_ERRLEN], *sql = NULL;
	int64_t oldest;
	FILE *f;
	long len;

	/* A directory of its own: the watcher's inotify watch on a directory
	 * as full as /tmp costs milliseconds per input. */
	snprintf(h->tmpl, sizeof(h->tmpl), "%s/tmpl-%d.db", dir, v);
	snprintf(h->path, sizeof(h->path), "%s/home-%d.db", dir, v);
	if (v == 2) {
		if (db_open(h->tmpl, DB_CREATE, &h->db) < 0)
			abort();
		ops_ctx_init(&h->ops, h->db, NULL, OPS_SRC_CLI);
		if (ops_init_home(&h->ops, true, err) < 0 ||
		    auth_token_create(h->db, "fuzz", token, sizeof(token)) < 0)
			abort();
		db_close(h->db);
	} else {
		/* Schema 1, as the fixture of the unit tests has it. */
		if ((f = fopen("tests/fixtures/schema-1.sql", "r")) == NULL) {
			fprintf(stderr, "fuzz_rows: run me from the source tree\n");
			abort();
		}
		fseek(f, 0, SEEK_END);
		len = ftell(f);
		rewind(f);
		if (len <= 0 || (sql = calloc(1, (size_t)len + 1)) == NULL ||
		    fread(sql, 1, (size_t)len, f) != (size_t)len)
			abort();
		fclose(f);
		if (sqlite3_open(h->tmpl, &h->tmpl_h) != SQLITE_OK ||
		    sqlite3_exec(h->tmpl_h, "PRAGMA journal_mode = WAL", NULL, NULL, NULL) !=
		    SQLITE_OK || sqlite3_exec(h->tmpl_h, sql, NULL, NULL, NULL) != SQLITE_OK)
			abort();
		free(sql);
		sqlite3_close(h->tmpl_h);
	}
	if (sqlite3_open(h->tmpl, &h->tmpl_h) != SQLITE_OK ||
	    sqlite3_open(h->path, &h->raw) != SQLITE_OK ||
	    sqlite3_exec(h->raw, "PRAGMA journal_mode = WAL; PRAGMA ignore_check_constraints = ON;"
	    " PRAGMA foreign_keys = OFF", NULL, NULL, NULL) != SQLITE_OK)
		abort();
	sqlite3_busy_timeout(h->raw, 5000);
	/* The copy exists before homectl opens it: a schema-1 copy is opened
	 * read-only and so never migrated. */
	{
		sqlite3_backup *b = sqlite3_backup_init(h->raw, "main", h->tmpl_h, "main");

		if (b == NULL || sqlite3_backup_step(b, -1) != SQLITE_DONE)
			abort();
		sqlite3_backup_finish(b);
	}
	if (db_open(h->path, v == 2 ? 0 : DB_READONLY, &h->db) < 0)
		abort();
	ops_ctx_init(&h->ops, h->db, NULL, OPS_SRC_CLI);
	h->ops.feed_max_rows = 1000;
	h->ops.feed_max_age_s = 0;	/* rows may carry any time */
	if (db_changes_bounds(h->db, &oldest, &h->base_seq) < 0)
		abort();
}

/* Rows in table t of the copy. */
static int64_t
count(struct home *h, const char *t)
{
	sqlite3_stmt *st = NULL;
	char sql[128];
	int64_t n;

	/* A table name, or a table and its WHERE. */
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", t);
	if (sqlite3_prepare_v2(h->raw, sql, -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW)
		abort();
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* Opening the schema-1 copy read-write migrates it: that must work
 * whatever the rows, and every row must be either kept or quarantined.
 * Then the migrated home gets every read, the watcher's included. */
static void
migrate_check(struct home *h)
{
	struct ops_ctx ops;
	struct db *db = NULL;
	int64_t before[NELEMS(TABLES)], moved = 0, q;
	char where[96];
	size_t i;

	for (i = 0; i < NELEMS(TABLES); i++)
		before[i] = in_schema_1(&TABLES[i]) ? count(h, TABLES[i].name) : 0;
	if (db_open(h->path, 0, &db) < 0 ||
	    db_schema_version(db) != db_schema_version(homes[0].db)) {
		fprintf(stderr, "fuzz_rows: the migration failed\n");
		abort();
	}
	for (i = 0; i < NELEMS(TABLES) && in_schema_1(&TABLES[i]); i++) {
		snprintf(where, sizeof(where), "quarantine WHERE from_table = '%s'",
		    TABLES[i].name);
		q = count(h, where);
		if (count(h, TABLES[i].name) + q != before[i]) {
			fprintf(stderr, "fuzz_rows: the migration lost rows of %s\n",
			    TABLES[i].name);
			abort();
		}
		moved += q;
	}
	if (moved != db_quarantined(db))
		abort();
	ops_ctx_init(&ops, db, NULL, OPS_SRC_CLI);
	ops.feed_max_rows = 1000;
	ops.feed_max_age_s = 0;
	read_everything(h, &ops, true, true);
	db_close(db);
}

/* At exit (libFuzzer's end of a timed run): the files of both homes and
 * their directory go. */
static void
cleanup(void)
{
	static const char *const ext[] = { "", "-wal", "-shm", "-journal" };
	char path[128];
	size_t i, k;

	for (i = 0; i < NELEMS(homes); i++) {
		db_close(homes[i].db);
		sqlite3_close(homes[i].raw);
		sqlite3_close(homes[i].tmpl_h);
		for (k = 0; k < NELEMS(ext); k++) {
			snprintf(path, sizeof(path), "%s%s", homes[i].path, ext[k]);
			unlink(path);
			snprintf(path, sizeof(path), "%s%s", homes[i].tmpl, ext[k]);
			unlink(path);
		}
	}
	rmdir(dir);
}

/* The stored hash of the template's token, for writes that pick it (a row
 * the token lookup then finds). */
static void
token_hash_read(struct home *h)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(h->raw, "SELECT hash FROM tokens", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW)
		abort();
	snprintf(token_hash, sizeof(token_hash), "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = { data, size };
	struct home *h;
	sqlite3_backup *b;
	unsigned flags;
	int k;

	if (homes[0].db == NULL) {
		/* FUZZ_ROWS_LOG=1 shows homectl's log, to read a crash. */
		log_init("fuzz", getenv("FUZZ_ROWS_LOG") ? LOG_DEBUG : LOG_CRIT);
		/* The CLI's formatting prints; nobody reads it. */
		if (freopen("/dev/null", "w", stdout) == NULL)
			abort();
		/* In memory when it can: the migration's commits are fsynced. */
		snprintf(dir, sizeof(dir), "%s/fuzz_rows-XXXXXX",
		    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
		if (mkdtemp(dir) == NULL)
			abort();
		atexit(cleanup);
		home_init(&homes[0], 2);
		home_init(&homes[1], 1);
		token_hash_read(&homes[0]);
	}
	/* The first byte picks the home and the costlier read paths (the
	 * watcher opens a connection of its own, the migration rebuilds every
	 * table), so that an input runs in milliseconds on average. */
	flags = byte(&in);
	h = &homes[flags & 1];
	b = sqlite3_backup_init(h->raw, "main", h->tmpl_h, "main");
	if (b == NULL || sqlite3_backup_step(b, -1) != SQLITE_DONE)
		abort();
	sqlite3_backup_finish(b);
	sqlite3_exec(h->raw, "BEGIN", NULL, NULL, NULL);
	for (k = 0; k < MAX_WRITES && in.n > 0; k++)
		write_one(h->raw, &in, h == &homes[1]);
	if (sqlite3_exec(h->raw, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		abort();
	if (h == &homes[0]) {
		read_everything(h, &h->ops, flags & 2, true);
		return 0;
	}
	read_everything(h, &h->ops, false, false);
	if (flags & 2)
		migrate_check(h);
	return 0;
}
