/* SPDX-License-Identifier: MIT */
/* db.c -- the SQLite database: schema, migrations, the change feed and every
 * query homectl makes.  Statements are prepared once per connection and
 * kept (the watcher and the MCP tools run the same few queries thousands of
 * times). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>

#include "db.h"
#include "log.h"
#include "util.h"

#define NOW_SQL "strftime('%Y-%m-%dT%H:%M:%fZ','now')"

/* Forward migrations: MIGRATIONS[i] takes the schema from user_version i to
 * i + 1.  Never edit a released step; add one. */
static const char *const MIGRATIONS[] = {
	/* 0 -> 1: the home, the change feed and its triggers, tokens. */
	"CREATE TABLE rooms ("
	"  id TEXT PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  position INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE devices ("
	"  id TEXT PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  type TEXT NOT NULL,"
	"  room TEXT REFERENCES rooms(id) ON DELETE SET NULL,"
	"  state TEXT NOT NULL,"
	"  properties TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(properties)),"
	"  updated_at TEXT NOT NULL DEFAULT (" NOW_SQL "));"
	"CREATE INDEX devices_room ON devices(room);"
	"CREATE TABLE modes ("
	"  name TEXT PRIMARY KEY,"
	"  description TEXT NOT NULL,"
	"  position INTEGER NOT NULL DEFAULT 0);"
	/* A scene names devices and their target states explicitly (the seed
	 * picked devices by substring of their ids). */
	"CREATE TABLE scenes ("
	"  mode TEXT NOT NULL REFERENCES modes(name) ON DELETE CASCADE,"
	"  step INTEGER NOT NULL,"
	"  device_id TEXT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,"
	"  action TEXT NOT NULL,"
	"  properties TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(properties)),"
	"  PRIMARY KEY (mode, step));"
	"CREATE TABLE home ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  mode TEXT NOT NULL,"
	"  updated_at TEXT NOT NULL DEFAULT (" NOW_SQL "));"
	/* The change feed.  AUTOINCREMENT: a seq is never reused, even after
	 * the newest rows were pruned or rolled back. */
	"CREATE TABLE changes ("
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  at TEXT NOT NULL DEFAULT (" NOW_SQL "),"
	"  source TEXT NOT NULL DEFAULT 'unknown',"
	"  kind TEXT NOT NULL,"
	"  device_id TEXT,"
	"  state TEXT,"
	"  properties TEXT,"
	"  mode TEXT);"
	"CREATE INDEX changes_device ON changes(device_id, seq);"
	"CREATE INDEX changes_at ON changes(at);"
	/* Triggers put every committed change in the feed, in the same
	 * transaction, whoever wrote it: homectl or the sqlite3 shell. */
	"CREATE TRIGGER devices_feed_insert AFTER INSERT ON devices BEGIN"
	"  INSERT INTO changes(kind, device_id, state, properties)"
	"  VALUES ('device', NEW.id, NEW.state, NEW.properties);"
	"END;"
	"CREATE TRIGGER devices_feed_update AFTER UPDATE ON devices"
	"  WHEN NEW.state IS NOT OLD.state OR NEW.properties IS NOT OLD.properties"
	"    OR NEW.name IS NOT OLD.name OR NEW.room IS NOT OLD.room BEGIN"
	"  INSERT INTO changes(kind, device_id, state, properties)"
	"  VALUES ('device', NEW.id, NEW.state, NEW.properties);"
	/* A foreign writer does not set updated_at; do it for them. */
	"  UPDATE devices SET updated_at = " NOW_SQL
	"  WHERE id = NEW.id AND updated_at IS OLD.updated_at;"
	"END;"
	"CREATE TRIGGER devices_feed_delete AFTER DELETE ON devices BEGIN"
	"  INSERT INTO changes(kind, device_id) VALUES ('device_removed', OLD.id);"
	"END;"
	"CREATE TRIGGER home_feed_update AFTER UPDATE OF mode ON home"
	"  WHEN NEW.mode IS NOT OLD.mode BEGIN"
	"  INSERT INTO changes(kind, mode) VALUES ('mode', NEW.mode);"
	"END;"
	"CREATE TABLE tokens ("
	"  name TEXT PRIMARY KEY,"
	"  hash TEXT NOT NULL UNIQUE,"
	"  created_at TEXT NOT NULL DEFAULT (" NOW_SQL "),"
	"  last_used TEXT);",
};

/* Every statement db.c runs more than once, prepared on first use. */
enum query {
	Q_BEGIN_READ, Q_BEGIN_WRITE, Q_COMMIT, Q_ROLLBACK, Q_DATA_VERSION,
	Q_ROOM_ADD, Q_ROOMS, Q_ROOM_EXISTS,
	Q_DEVICE_ADD, Q_DEVICE_GET, Q_DEVICES, Q_DEVICE_UPDATE, Q_DEVICE_IDS,
	Q_MODE_ADD, Q_SCENE_ADD, Q_MODE_GET, Q_MODE_SET, Q_MODE_INIT, Q_MODES, Q_MODE_ONE,
	Q_SCENE,
	Q_CHANGES, Q_CHANGES_NEWEST, Q_CHANGES_OLDEST, Q_CHANGES_CLAIM, Q_PRUNE_COUNT,
	Q_PRUNE_AGE,
	Q_TOKEN_ADD, Q_TOKEN_REMOVE, Q_TOKENS, Q_TOKEN_FIND,
	Q_COUNT
};

#define DEVICE_COLS \
	"d.id, d.name, d.type, d.room, r.name, d.state, d.properties, d.updated_at"
#define DEVICE_FROM \
	" FROM devices d LEFT JOIN rooms r ON r.id = d.room"
#define DEVICE_ORDER " ORDER BY r.position IS NULL, r.position, d.room, d.type, d.id"

static const char *const SQL[Q_COUNT] = {
	[Q_BEGIN_READ] = "BEGIN",
	[Q_BEGIN_WRITE] = "BEGIN IMMEDIATE",
	[Q_COMMIT] = "COMMIT",
	[Q_ROLLBACK] = "ROLLBACK",
	[Q_DATA_VERSION] = "PRAGMA data_version",
	[Q_ROOM_ADD] = "INSERT INTO rooms(id, name, position) VALUES (?1, ?2, ?3)",
	[Q_ROOMS] = "SELECT r.id, r.name, (SELECT count(*) FROM devices d WHERE d.room = r.id)"
		    " FROM rooms r ORDER BY r.position, r.id",
	[Q_ROOM_EXISTS] = "SELECT 1 FROM rooms WHERE id = ?1",
	[Q_DEVICE_ADD] = "INSERT INTO devices(id, name, type, room, state, properties)"
			 " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[Q_DEVICE_GET] = "SELECT " DEVICE_COLS DEVICE_FROM " WHERE d.id = ?1",
	[Q_DEVICES] = "SELECT " DEVICE_COLS DEVICE_FROM
		      " WHERE (?1 IS NULL OR d.room = ?1) AND (?2 IS NULL OR d.type = ?2)"
		      DEVICE_ORDER,
	[Q_DEVICE_UPDATE] = "UPDATE devices SET state = ?2, properties = ?3,"
			    " updated_at = " NOW_SQL " WHERE id = ?1"
			    " AND (state IS NOT ?2 OR properties IS NOT ?3)",
	[Q_DEVICE_IDS] = "SELECT id FROM devices ORDER BY id",
	[Q_MODE_ADD] = "INSERT INTO modes(name, description, position) VALUES (?1, ?2, ?3)",
	[Q_SCENE_ADD] = "INSERT INTO scenes(mode, step, device_id, action, properties)"
			" VALUES (?1, (SELECT count(*) FROM scenes WHERE mode = ?1), ?2, ?3, ?4)",
	[Q_MODE_GET] = "SELECT mode FROM home WHERE id = 1",
	[Q_MODE_SET] = "UPDATE home SET mode = ?1, updated_at = " NOW_SQL " WHERE id = 1",
	[Q_MODE_INIT] = "INSERT OR IGNORE INTO home(id, mode) VALUES (1, ?1)",
	[Q_MODES] = "SELECT name, description FROM modes ORDER BY position, name",
	[Q_MODE_ONE] = "SELECT name, description FROM modes WHERE name = ?1",
	[Q_SCENE] = "SELECT device_id, action, properties FROM scenes WHERE mode = ?1"
		    " ORDER BY step",
	[Q_CHANGES] = "SELECT c.seq, c.at, c.source, c.kind, c.device_id, c.state,"
		      " c.properties, c.mode, d.name, d.type, d.room, r.name"
		      " FROM changes c LEFT JOIN devices d ON d.id = c.device_id"
		      " LEFT JOIN rooms r ON r.id = d.room"
		      " WHERE c.seq > ?1 AND (?2 IS NULL OR c.device_id = ?2)"
		      " ORDER BY c.seq LIMIT ?3",
	[Q_CHANGES_NEWEST] = "SELECT seq FROM sqlite_sequence WHERE name = 'changes'",
	[Q_CHANGES_OLDEST] = "SELECT min(seq) FROM changes",
	[Q_CHANGES_CLAIM] = "UPDATE changes SET source = ?2 WHERE seq > ?1",
	[Q_PRUNE_COUNT] = "DELETE FROM changes WHERE seq <= (SELECT max(seq) FROM changes) - ?1",
	[Q_PRUNE_AGE] = "DELETE FROM changes WHERE at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now',"
			" '-' || ?1 || ' seconds')",
	[Q_TOKEN_ADD] = "INSERT INTO tokens(name, hash) VALUES (?1, ?2)",
	[Q_TOKEN_REMOVE] = "DELETE FROM tokens WHERE name = ?1",
	[Q_TOKENS] = "SELECT name, created_at, last_used FROM tokens ORDER BY name",
	[Q_TOKEN_FIND] = "SELECT name FROM tokens WHERE hash = ?1",
};

struct db {
	sqlite3 *h;
	char *path;
	sqlite3_stmt *stmt[Q_COUNT];
};

/* Returns the cached statement for q, reset and with its bindings cleared,
 * or NULL (logged).  Borrowed: never finalize it. */
static sqlite3_stmt *
prep(struct db *db, enum query q)
{
	sqlite3_stmt *st = db->stmt[q];

	if (st != NULL) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		return st;
	}
	if (sqlite3_prepare_v3(db->h, SQL[q], -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) !=
	    SQLITE_OK) {
		log_warnx("db: prepare: %s", sqlite3_errmsg(db->h));
		return NULL;
	}
	db->stmt[q] = st;
	return st;
}

/* Maps a failed step or bind to an errno and logs it once. */
static int
fail(struct db *db, const char *what, int rc)
{
	int ext = sqlite3_extended_errcode(db->h);

	/* Extended result codes are on: compare the primary code. */
	rc &= 0xff;
	if (rc == SQLITE_CONSTRAINT) {
		if (ext == SQLITE_CONSTRAINT_PRIMARYKEY || ext == SQLITE_CONSTRAINT_UNIQUE)
			return -EEXIST;
		log_warnx("db: %s: %s", what, sqlite3_errmsg(db->h));
		return -EINVAL;
	}
	log_warnx("db: %s: %s", what, sqlite3_errmsg(db->h));
	if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		return -EBUSY;
	if (rc == SQLITE_READONLY)
		return -EROFS;
	return -EIO;
}

static int
bind_text(sqlite3_stmt *st, int i, const char *s)
{
	return s == NULL ? sqlite3_bind_null(st, i) :
	    sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

/* Runs a statement that returns no rows. */
static int
exec_done(struct db *db, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : fail(db, what, rc);
}

static struct json_object *
col_string(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s == NULL ? NULL : json_object_new_string((const char *)s);
}

/* Parses a properties column; a foreign writer may have stored anything the
 * CHECK allowed (any valid JSON), so a non-object becomes {}. */
static struct json_object *
col_props(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	struct json_object *o = s ? json_tokener_parse(s) : NULL;

	if (o == NULL || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = json_object_new_object();
	}
	return o;
}

/* A device object from a row of DEVICE_COLS starting at column 0. */
static struct json_object *
device_from_row(sqlite3_stmt *st)
{
	struct json_object *d = json_object_new_object();

	json_object_object_add(d, "id", col_string(st, 0));
	json_object_object_add(d, "name", col_string(st, 1));
	json_object_object_add(d, "type", col_string(st, 2));
	json_object_object_add(d, "room", col_string(st, 3));
	json_object_object_add(d, "room_name", col_string(st, 4));
	json_object_object_add(d, "state", col_string(st, 5));
	json_object_object_add(d, "properties", col_props(st, 6));
	json_object_object_add(d, "updated_at", col_string(st, 7));
	return d;
}

/* Runs st and collects one JSON value per row, made by row(st), into a new
 * array (*out, caller puts). */
static int
collect(struct db *db, sqlite3_stmt *st, struct json_object *(*row)(sqlite3_stmt *),
    const char *what, struct json_object **out)
{
	struct json_object *a = json_object_new_array();
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_object_array_add(a, row(st));
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_object_put(a);
		return fail(db, what, rc);
	}
	*out = a;
	return 0;
}

static int
migrate(struct db *db)
{
	sqlite3_stmt *st = NULL;
	int version = 0, r = -EIO;
	size_t i;
	char *msg = NULL;

	if (sqlite3_prepare_v2(db->h, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		log_warnx("db: %s: user_version: %s", db->path, sqlite3_errmsg(db->h));
		goto done;
	}
	version = sqlite3_column_int(st, 0);
	if (version > (int)NELEMS(MIGRATIONS)) {
		log_warnx("db: %s: schema version %d is newer than this homectl (%zu)", db->path,
		    version, NELEMS(MIGRATIONS));
		r = -EPROTO;
		goto done;
	}
	for (i = (size_t)version; i < NELEMS(MIGRATIONS); i++) {
		char sql[64];

		snprintf(sql, sizeof(sql), "PRAGMA user_version = %zu", i + 1);
		/* Each step and its version bump commit together. */
		if (sqlite3_exec(db->h, "BEGIN IMMEDIATE", NULL, NULL, &msg) != SQLITE_OK ||
		    sqlite3_exec(db->h, MIGRATIONS[i], NULL, NULL, &msg) != SQLITE_OK ||
		    sqlite3_exec(db->h, sql, NULL, NULL, &msg) != SQLITE_OK ||
		    sqlite3_exec(db->h, "COMMIT", NULL, NULL, &msg) != SQLITE_OK) {
			log_warnx("db: %s: migration to %zu: %s", db->path, i + 1,
			    msg ? msg : "?");
			sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
			goto done;
		}
		log_debug("db: %s: migrated to schema %zu", db->path, i + 1);
	}
	r = 0;
done:
	sqlite3_free(msg);
	sqlite3_finalize(st);
	return r;
}

int
db_open(const char *path, int flags, struct db **out)
{
	struct db *db = NULL;
	int oflags = SQLITE_OPEN_NOMUTEX, r = -EIO;
	char *msg = NULL;

	*out = NULL;
	if ((db = calloc(1, sizeof(*db))) == NULL || (db->path = strdup(path)) == NULL) {
		r = -ENOMEM;
		goto fail;
	}
	if (flags & DB_READONLY)
		oflags |= SQLITE_OPEN_READONLY;
	else
		oflags |= SQLITE_OPEN_READWRITE | ((flags & DB_CREATE) ? SQLITE_OPEN_CREATE : 0);
	/* The home (tokens included) is its owner's alone: a new database is
	 * created 0600 whatever the umask, and SQLite gives the -wal and -shm
	 * files the database's mode.  An existing file keeps its mode. */
	if ((flags & DB_CREATE) && !(flags & DB_READONLY)) {
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

		if (fd >= 0)
			close(fd);
		else if (errno != EEXIST)
			log_debug("db: %s: %s", path, strerror(errno));
	}
	if (sqlite3_open_v2(path, &db->h, oflags, NULL) != SQLITE_OK) {
		r = -EIO;
		/* Not there, or there and not ours to read: the caller says
		 * which (create it, or run as its owner). */
		if (sqlite3_errcode(db->h) == SQLITE_CANTOPEN)
			r = access(path, F_OK) == 0 || errno == EACCES ? -EACCES : -ENOENT;
		if (r == -EIO)
			log_warnx("db: %s: %s", path, sqlite3_errmsg(db->h));
		goto fail;
	}
	sqlite3_extended_result_codes(db->h, 1);
	sqlite3_busy_timeout(db->h, 5000);
	if (sqlite3_exec(db->h, "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL",
	    NULL, NULL, &msg) != SQLITE_OK)
		goto fail_msg;
	if (!(flags & DB_READONLY)) {
		if (sqlite3_exec(db->h, "PRAGMA journal_mode = WAL", NULL, NULL, &msg) !=
		    SQLITE_OK)
			goto fail_msg;
		if ((r = migrate(db)) < 0)
			goto fail;
	}
	*out = db;
	return 0;
fail_msg:
	log_warnx("db: %s: %s", path, msg ? msg : sqlite3_errmsg(db->h));
	/* A file that is not a database at all. */
	r = sqlite3_errcode(db->h) == SQLITE_NOTADB ? -EPROTO : -EIO;
	sqlite3_free(msg);
fail:
	db_close(db);
	return r;
}

void
db_close(struct db *db)
{
	size_t i;

	if (db == NULL)
		return;
	for (i = 0; i < Q_COUNT; i++)
		sqlite3_finalize(db->stmt[i]);
	sqlite3_close(db->h);
	free(db->path);
	free(db);
}

const char *
db_path(const struct db *db)
{
	return db->path;
}

const char *
db_errmsg(struct db *db)
{
	return sqlite3_errmsg(db->h);
}

int
db_schema_version(struct db *db)
{
	sqlite3_stmt *st = NULL;
	int v = -EIO;

	if (sqlite3_prepare_v2(db->h, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

int
db_begin(struct db *db, bool write)
{
	sqlite3_stmt *st = prep(db, write ? Q_BEGIN_WRITE : Q_BEGIN_READ);

	return st ? exec_done(db, st, "begin") : -EIO;
}

int
db_commit(struct db *db)
{
	sqlite3_stmt *st = prep(db, Q_COMMIT);
	int r;

	if (st == NULL)
		return -EIO;
	if ((r = exec_done(db, st, "commit")) < 0)
		db_rollback(db);
	return r;
}

void
db_rollback(struct db *db)
{
	sqlite3_stmt *st;

	if (sqlite3_get_autocommit(db->h))
		return;
	if ((st = prep(db, Q_ROLLBACK)) != NULL)
		exec_done(db, st, "rollback");
}

int
db_data_version(struct db *db, int64_t *out)
{
	sqlite3_stmt *st = prep(db, Q_DATA_VERSION);
	int rc;

	if (st == NULL)
		return -EIO;
	if ((rc = sqlite3_step(st)) != SQLITE_ROW)
		return fail(db, "data_version", rc);
	*out = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return 0;
}

const volatile unsigned char *
db_wal_index(struct db *db)
{
	sqlite3_file *f = NULL;
	volatile void *p = NULL;

	/* Through the VFS's own xShmMap: opening the -shm file ourselves and
	 * closing it would drop this process's POSIX locks on it, and other
	 * connections would then take us for gone. */
	if (sqlite3_file_control(db->h, "main", SQLITE_FCNTL_FILE_POINTER, &f) != SQLITE_OK ||
	    f == NULL || f->pMethods == NULL || f->pMethods->iVersion < 2 ||
	    f->pMethods->xShmMap == NULL || f->pMethods->xShmMap(f, 0, 32768, 0, &p) != SQLITE_OK)
		return NULL;
	return p;
}

/* ---- rooms ---- */

int
db_room_add(struct db *db, const char *id, const char *name, int position)
{
	sqlite3_stmt *st = prep(db, Q_ROOM_ADD);

	if (st == NULL || bind_text(st, 1, id) || bind_text(st, 2, name) ||
	    sqlite3_bind_int(st, 3, position))
		return -EIO;
	return exec_done(db, st, "room add");
}

static struct json_object *
room_from_row(sqlite3_stmt *st)
{
	struct json_object *r = json_object_new_object();

	json_object_object_add(r, "id", col_string(st, 0));
	json_object_object_add(r, "name", col_string(st, 1));
	json_object_object_add(r, "devices", json_object_new_int64(sqlite3_column_int64(st, 2)));
	return r;
}

int
db_rooms(struct db *db, struct json_object **out)
{
	sqlite3_stmt *st = prep(db, Q_ROOMS);

	return st ? collect(db, st, room_from_row, "rooms", out) : -EIO;
}

int
db_room_exists(struct db *db, const char *id)
{
	sqlite3_stmt *st = prep(db, Q_ROOM_EXISTS);
	int rc;

	if (st == NULL || bind_text(st, 1, id))
		return -EIO;
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : fail(db, "room exists", rc);
}

/* ---- devices ---- */

int
db_device_add(struct db *db, const char *id, const char *name, const char *type,
    const char *room, const char *state, struct json_object *props)
{
	sqlite3_stmt *st = prep(db, Q_DEVICE_ADD);

	if (st == NULL || bind_text(st, 1, id) || bind_text(st, 2, name) ||
	    bind_text(st, 3, type) || bind_text(st, 4, room) || bind_text(st, 5, state) ||
	    bind_text(st, 6, props ? json_object_to_json_string_ext(props,
		JSON_C_TO_STRING_PLAIN) : "{}"))
		return -EIO;
	return exec_done(db, st, "device add");
}

int
db_device_get(struct db *db, const char *id, struct json_object **out)
{
	sqlite3_stmt *st = prep(db, Q_DEVICE_GET);
	int rc;

	if (st == NULL || bind_text(st, 1, id))
		return -EIO;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = device_from_row(st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? -ENOENT : fail(db, "device get", rc);
}

int
db_devices(struct db *db, const char *room, const char *type, struct json_object **out)
{
	sqlite3_stmt *st = prep(db, Q_DEVICES);

	if (st == NULL || bind_text(st, 1, room) || bind_text(st, 2, type))
		return -EIO;
	return collect(db, st, device_from_row, "devices", out);
}

int
db_device_update(struct db *db, const char *id, const char *state, struct json_object *props)
{
	sqlite3_stmt *st = prep(db, Q_DEVICE_UPDATE);
	int r;

	if (st == NULL || bind_text(st, 1, id) || bind_text(st, 2, state) ||
	    bind_text(st, 3, json_object_to_json_string_ext(props, JSON_C_TO_STRING_PLAIN)))
		return -EIO;
	if ((r = exec_done(db, st, "device update")) < 0)
		return r;
	return sqlite3_changes(db->h) > 0;
}

int
db_device_ids(struct db *db, char ***out)
{
	sqlite3_stmt *st = prep(db, Q_DEVICE_IDS);
	char **ids = NULL, **tmp;
	size_t n = 0;
	int rc;

	if (st == NULL)
		return -EIO;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((tmp = realloc(ids, (n + 2) * sizeof(*ids))) == NULL)
			break;
		ids = tmp;
		ids[n++] = strdup((const char *)sqlite3_column_text(st, 0));
		ids[n] = NULL;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		for (size_t i = 0; i < n; i++)
			free(ids[i]);
		free(ids);
		return rc == SQLITE_ROW ? -ENOMEM : fail(db, "device ids", rc);
	}
	if (ids == NULL && (ids = calloc(1, sizeof(*ids))) == NULL)
		return -ENOMEM;
	*out = ids;
	return 0;
}

/* ---- modes ---- */

int
db_mode_add(struct db *db, const char *name, const char *description, int position)
{
	sqlite3_stmt *st = prep(db, Q_MODE_ADD);
	int r;

	if (st == NULL || bind_text(st, 1, name) || bind_text(st, 2, description) ||
	    sqlite3_bind_int(st, 3, position))
		return -EIO;
	if ((r = exec_done(db, st, "mode add")) < 0)
		return r;
	/* The first mode added becomes the active one. */
	if ((st = prep(db, Q_MODE_INIT)) == NULL || bind_text(st, 1, name))
		return -EIO;
	return exec_done(db, st, "mode init");
}

int
db_scene_add(struct db *db, const char *mode, const char *device_id, const char *action,
    struct json_object *props)
{
	sqlite3_stmt *st = prep(db, Q_SCENE_ADD);

	if (st == NULL || bind_text(st, 1, mode) || bind_text(st, 2, device_id) ||
	    bind_text(st, 3, action) ||
	    bind_text(st, 4, props ? json_object_to_json_string_ext(props,
		JSON_C_TO_STRING_PLAIN) : "{}"))
		return -EIO;
	return exec_done(db, st, "scene add");
}

int
db_mode_get(struct db *db, char **mode)
{
	sqlite3_stmt *st = prep(db, Q_MODE_GET);
	int rc;

	if (st == NULL)
		return -EIO;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*mode = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return *mode ? 0 : -ENOMEM;
	return rc == SQLITE_DONE ? -ENOENT : fail(db, "mode get", rc);
}

int
db_mode_set(struct db *db, const char *mode)
{
	sqlite3_stmt *st = prep(db, Q_MODE_SET);

	if (st == NULL || bind_text(st, 1, mode))
		return -EIO;
	return exec_done(db, st, "mode set");
}

static struct json_object *
step_from_row(sqlite3_stmt *st)
{
	struct json_object *s = json_object_new_object();

	json_object_object_add(s, "device_id", col_string(st, 0));
	json_object_object_add(s, "action", col_string(st, 1));
	json_object_object_add(s, "properties", col_props(st, 2));
	return s;
}

/* The scene of one mode as [{"device_id","action","properties"}]. */
static int
scene_of(struct db *db, const char *mode, struct json_object **out)
{
	sqlite3_stmt *st = prep(db, Q_SCENE);

	if (st == NULL || bind_text(st, 1, mode))
		return -EIO;
	return collect(db, st, step_from_row, "scene", out);
}

static struct json_object *
mode_from_row(sqlite3_stmt *st)
{
	struct json_object *m = json_object_new_object();

	json_object_object_add(m, "name", col_string(st, 0));
	json_object_object_add(m, "description", col_string(st, 1));
	return m;
}

/* The modes a Q_MODES or Q_MODE_ONE statement selects, scenes included. */
static int
modes_collect(struct db *db, sqlite3_stmt *st, struct json_object **out)
{
	struct json_object *a = NULL, *m, *scene = NULL;
	size_t i, n;
	int r;

	if ((r = collect(db, st, mode_from_row, "modes", &a)) < 0)
		return r;
	/* Scenes are read after the cursor is done: both use prepared
	 * statements of this connection. */
	n = json_object_array_length(a);
	for (i = 0; i < n; i++) {
		m = json_object_array_get_idx(a, i);
		if ((r = scene_of(db, json_object_get_string(json_object_object_get(m, "name")),
		    &scene)) < 0) {
			json_object_put(a);
			return r;
		}
		json_object_object_add(m, "scene", scene);
	}
	*out = a;
	return 0;
}

int
db_modes(struct db *db, struct json_object **out)
{
	sqlite3_stmt *st = prep(db, Q_MODES);

	return st ? modes_collect(db, st, out) : -EIO;
}

int
db_mode_describe(struct db *db, const char *mode, struct json_object **out)
{
	sqlite3_stmt *st = prep(db, Q_MODE_ONE);
	struct json_object *a = NULL;
	int r;

	if (st == NULL || bind_text(st, 1, mode))
		return -EIO;
	if ((r = modes_collect(db, st, &a)) < 0)
		return r;
	if (json_object_array_length(a) == 0) {
		json_object_put(a);
		return -ENOENT;
	}
	*out = json_object_get(json_object_array_get_idx(a, 0));
	json_object_put(a);
	return 0;
}

/* ---- the change feed ---- */

static struct json_object *
change_from_row(sqlite3_stmt *st)
{
	struct json_object *c = json_object_new_object(), *d;
	const char *kind = (const char *)sqlite3_column_text(st, 3);

	json_object_object_add(c, "seq", json_object_new_int64(sqlite3_column_int64(st, 0)));
	json_object_object_add(c, "at", col_string(st, 1));
	json_object_object_add(c, "source", col_string(st, 2));
	json_object_object_add(c, "kind", col_string(st, 3));
	if (kind != NULL && strcmp(kind, "mode") == 0) {
		json_object_object_add(c, "mode", col_string(st, 7));
	} else if (kind != NULL && strcmp(kind, "device") == 0) {
		/* The state and properties as of this change; name, type and
		 * room as the device has them now. */
		d = json_object_new_object();
		json_object_object_add(d, "id", col_string(st, 4));
		json_object_object_add(d, "name", col_string(st, 8));
		json_object_object_add(d, "type", col_string(st, 9));
		json_object_object_add(d, "room", col_string(st, 10));
		json_object_object_add(d, "room_name", col_string(st, 11));
		json_object_object_add(d, "state", col_string(st, 5));
		json_object_object_add(d, "properties", col_props(st, 6));
		json_object_object_add(d, "updated_at", col_string(st, 1));
		json_object_object_add(c, "device", d);
	} else {
		json_object_object_add(c, "device_id", col_string(st, 4));
	}
	return c;
}

int
db_changes(struct db *db, int64_t since, int64_t limit, const char *device_id,
    struct json_object **out)
{
	sqlite3_stmt *st = prep(db, Q_CHANGES);

	if (st == NULL || sqlite3_bind_int64(st, 1, since) || bind_text(st, 2, device_id) ||
	    sqlite3_bind_int64(st, 3, limit > 0 ? limit : -1))
		return -EIO;
	return collect(db, st, change_from_row, "changes", out);
}

static int
query_int64(struct db *db, enum query q, int64_t *out, int64_t def)
{
	sqlite3_stmt *st = prep(db, q);
	int rc;

	if (st == NULL)
		return -EIO;
	rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL ?
	    sqlite3_column_int64(st, 0) : def;
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : fail(db, "feed bounds", rc);
}

int
db_changes_bounds(struct db *db, int64_t *oldest, int64_t *newest)
{
	int r;

	if ((r = query_int64(db, Q_CHANGES_NEWEST, newest, 0)) < 0)
		return r;
	return query_int64(db, Q_CHANGES_OLDEST, oldest, *newest + 1);
}

int
db_changes_claim(struct db *db, int64_t after_seq, const char *source)
{
	sqlite3_stmt *st = prep(db, Q_CHANGES_CLAIM);

	if (st == NULL || sqlite3_bind_int64(st, 1, after_seq) || bind_text(st, 2, source))
		return -EIO;
	return exec_done(db, st, "feed claim");
}

int
db_changes_prune(struct db *db, int64_t max_rows, int64_t max_age_s, int64_t *removed)
{
	sqlite3_stmt *st;
	int64_t n = 0;
	int r;

	if (max_rows > 0) {
		if ((st = prep(db, Q_PRUNE_COUNT)) == NULL || sqlite3_bind_int64(st, 1, max_rows))
			return -EIO;
		if ((r = exec_done(db, st, "prune")) < 0)
			return r;
		n += sqlite3_changes(db->h);
	}
	if (max_age_s > 0) {
		if ((st = prep(db, Q_PRUNE_AGE)) == NULL || sqlite3_bind_int64(st, 1, max_age_s))
			return -EIO;
		if ((r = exec_done(db, st, "prune")) < 0)
			return r;
		n += sqlite3_changes(db->h);
	}
	if (removed != NULL)
		*removed = n;
	return 0;
}

/* ---- tokens ---- */

int
db_token_add(struct db *db, const char *name, const char *hash_hex)
{
	sqlite3_stmt *st = prep(db, Q_TOKEN_ADD);

	if (st == NULL || bind_text(st, 1, name) || bind_text(st, 2, hash_hex))
		return -EIO;
	return exec_done(db, st, "token add");
}

int
db_token_remove(struct db *db, const char *name)
{
	sqlite3_stmt *st = prep(db, Q_TOKEN_REMOVE);
	int r;

	if (st == NULL || bind_text(st, 1, name))
		return -EIO;
	if ((r = exec_done(db, st, "token remove")) < 0)
		return r;
	return sqlite3_changes(db->h) > 0 ? 0 : -ENOENT;
}

static struct json_object *
token_from_row(sqlite3_stmt *st)
{
	struct json_object *t = json_object_new_object();

	json_object_object_add(t, "name", col_string(st, 0));
	json_object_object_add(t, "created_at", col_string(st, 1));
	json_object_object_add(t, "last_used", col_string(st, 2));
	return t;
}

int
db_tokens(struct db *db, struct json_object **out)
{
	sqlite3_stmt *st = prep(db, Q_TOKENS);

	return st ? collect(db, st, token_from_row, "tokens", out) : -EIO;
}

int
db_token_find(struct db *db, const char *hash_hex, char **name)
{
	sqlite3_stmt *st = prep(db, Q_TOKEN_FIND);
	int rc;

	if (st == NULL || bind_text(st, 1, hash_hex))
		return -EIO;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*name = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return *name ? 0 : -ENOMEM;
	return rc == SQLITE_DONE ? -ENOENT : fail(db, "token find", rc);
}
