/* SPDX-License-Identifier: MIT */
/* db.c -- the SQLite database: schema, migrations, the change feed and every
 * query homectl makes.  Statements are prepared once per connection and
 * kept (the watcher and the MCP tools run the same few queries thousands of
 * times). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sqlite3.h>

#include "db.h"
#include "jsonutil.h"
#include "log.h"
#include "model.h"
#include "util.h"

#define NOW_SQL "strftime('%Y-%m-%dT%H:%M:%fZ','now')"
/* A new identity for the change feed: 64 random bits, as 16 hex digits. */
#define FEED_ID_SQL "lower(hex(randomblob(8)))"

/* Triggers put every committed change in the feed, in the same transaction,
 * whoever wrote it: homectl or the sqlite3 shell.  A foreign writer does not
 * set updated_at; the update trigger does it for them. */
#define FEED_TRIGGERS \
	"CREATE TRIGGER devices_feed_insert AFTER INSERT ON devices BEGIN" \
	"  INSERT INTO changes(kind, device_id, state, properties)" \
	"  VALUES ('device', NEW.id, NEW.state, NEW.properties);" \
	"END;" \
	"CREATE TRIGGER devices_feed_update AFTER UPDATE ON devices" \
	"  WHEN NEW.state IS NOT OLD.state OR NEW.properties IS NOT OLD.properties" \
	"    OR NEW.name IS NOT OLD.name OR NEW.room IS NOT OLD.room BEGIN" \
	"  INSERT INTO changes(kind, device_id, state, properties)" \
	"  VALUES ('device', NEW.id, NEW.state, NEW.properties);" \
	"  UPDATE devices SET updated_at = " NOW_SQL \
	"  WHERE id = NEW.id AND updated_at IS OLD.updated_at;" \
	"END;" \
	"CREATE TRIGGER devices_feed_delete AFTER DELETE ON devices BEGIN" \
	"  INSERT INTO changes(kind, device_id) VALUES ('device_removed', OLD.id);" \
	"END;" \
	"CREATE TRIGGER home_feed_update AFTER UPDATE OF mode ON home" \
	"  WHEN NEW.mode IS NOT OLD.mode BEGIN" \
	"  INSERT INTO changes(kind, mode) VALUES ('mode', NEW.mode);" \
	"END;"

/* 0 -> 1: the home, the change feed and its triggers, tokens. */
/* The home's structure (rooms, modes, scenes) reaches the feed as "home"
 * rows naming what changed ("room:kitchen", "mode:sleep"), whoever edits
 * it; a reader that sees one takes the home afresh. */
#define HOME_TRIGGERS \
	"CREATE TRIGGER rooms_feed_insert AFTER INSERT ON rooms BEGIN" \
	"  INSERT INTO changes(kind, subject) VALUES ('home', 'room:' || NEW.id);" \
	"END;" \
	"CREATE TRIGGER rooms_feed_update AFTER UPDATE ON rooms" \
	"  WHEN NEW.name IS NOT OLD.name OR NEW.position IS NOT OLD.position BEGIN" \
	"  INSERT INTO changes(kind, subject) VALUES ('home', 'room:' || NEW.id);" \
	"END;" \
	"CREATE TRIGGER rooms_feed_delete AFTER DELETE ON rooms BEGIN" \
	"  INSERT INTO changes(kind, subject) VALUES ('home', 'room:' || OLD.id);" \
	"END;" \
	"CREATE TRIGGER modes_feed_insert AFTER INSERT ON modes BEGIN" \
	"  INSERT INTO changes(kind, subject) VALUES ('home', 'mode:' || NEW.name);" \
	"END;" \
	"CREATE TRIGGER modes_feed_update AFTER UPDATE ON modes" \
	"  WHEN NEW.description IS NOT OLD.description OR NEW.position IS NOT OLD.position" \
	"  BEGIN" \
	"  INSERT INTO changes(kind, subject) VALUES ('home', 'mode:' || NEW.name);" \
	"END;" \
	"CREATE TRIGGER modes_feed_delete AFTER DELETE ON modes BEGIN" \
	"  INSERT INTO changes(kind, subject) VALUES ('home', 'mode:' || OLD.name);" \
	"END;" \
	"CREATE TRIGGER scenes_feed_insert AFTER INSERT ON scenes BEGIN" \
	"  INSERT INTO changes(kind, subject) VALUES ('home', 'mode:' || NEW.mode);" \
	"END;" \
	"CREATE TRIGGER scenes_feed_update AFTER UPDATE ON scenes BEGIN" \
	"  INSERT INTO changes(kind, subject) VALUES ('home', 'mode:' || NEW.mode);" \
	"END;" \
	"CREATE TRIGGER scenes_feed_delete AFTER DELETE ON scenes BEGIN" \
	"  INSERT INTO changes(kind, subject) VALUES ('home', 'mode:' || OLD.mode);" \
	"END;"

static const char SCHEMA_1[] =
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
	FEED_TRIGGERS
	"CREATE TABLE tokens ("
	"  name TEXT PRIMARY KEY,"
	"  hash TEXT NOT NULL UNIQUE,"
	"  created_at TEXT NOT NULL DEFAULT (" NOW_SQL "),"
	"  last_used TEXT);";

/* 1 -> 2: the schema forbids what a reader cannot use.  Version 1 let a
 * foreign writer (the sqlite3 shell) store a NULL id (TEXT PRIMARY KEY
 * allows it), a type no code knows, a number where a name belongs...  Each
 * table gets named CHECK constraints (a refused write says which rule it
 * broke) built from the rules below, and the expression of each rule also
 * picks, during the migration, the old rows that break it: those move to the
 * quarantine table with the reason and the row as JSON, so nothing is lost
 * without a word.  The readers check the same things again: a database can
 * still be written with checks off (PRAGMA ignore_check_constraints) or by a
 * homectl of schema 1.
 *
 * Every expression is wrapped in coalesce(..., 0) where it is used: SQLite
 * lets a CHECK that evaluates to NULL pass.  The type, state and action
 * lists come from the model table (common/model.c) when the migration runs:
 * a new device type, state or action needs a migration that calls
 * schema_rebuild() again (a unit test compares the stored schema with the
 * model, so forgetting it fails the build's tests). */
struct rule {
	const char *name;	/* the CHECK's name, in SQLite's error message */
	const char *expr;	/* true for a row that keeps the rule; NULL: built */
	const char *why;	/* the quarantine's reason for one that does not */
};

#define IS_TEXT(c) "typeof(" c ") = 'text'"
#define IS_ID(c) "typeof(" c ") = 'text' AND length(" c ") > 0"
#define IS_OBJECT(c) \
	"CASE WHEN typeof(" c ") = 'text' AND json_valid(" c ") THEN json_type(" c ") = 'object'" \
	" ELSE 0 END"
/* A column's value as JSON can hold it: json_object() refuses blobs. */
#define AS_JSON(c) "CASE typeof(" c ") WHEN 'blob' THEN 'x''' || hex(" c ") || '''' ELSE " c " END"

struct table {
	const char *name;
	const char *cols;		/* column definitions, rules apart */
	const char *const *names;	/* its columns, NULL-ended */
	const struct rule *rules;	/* ends with name == NULL */
};

static const struct rule ROOM_RULES[] = {
	{ "room_id", IS_ID("id"), "id is not a non-empty string" },
	{ "room_name", IS_TEXT("name"), "name is not a string" },
	{ "room_position", "typeof(position) = 'integer'", "position is not an integer" },
	{ NULL, NULL, NULL }
};
static const struct rule DEVICE_RULES[] = {
	{ "device_id", IS_ID("id"), "id is not a non-empty string" },
	{ "device_name", IS_TEXT("name"), "name is not a string" },
	{ "device_type", NULL, "type is not a device type of the model" },
	{ "device_room", "room IS NULL OR typeof(room) = 'text'", "room is not a string" },
	{ "device_state", NULL, "state is not one of its type's states" },
	{ "device_properties", IS_OBJECT("properties"), "properties is not a JSON object" },
	{ "device_updated_at", IS_TEXT("updated_at"), "updated_at is not a string" },
	{ NULL, NULL, NULL }
};
static const struct rule MODE_RULES[] = {
	{ "mode_name", IS_ID("name"), "name is not a non-empty string" },
	{ "mode_description", IS_TEXT("description"), "description is not a string" },
	{ "mode_position", "typeof(position) = 'integer'", "position is not an integer" },
	{ NULL, NULL, NULL }
};
static const struct rule SCENE_RULES[] = {
	{ "scene_mode", IS_ID("mode"), "mode is not a non-empty string" },
	{ "scene_step", "typeof(step) = 'integer'", "step is not an integer" },
	{ "scene_device", IS_ID("device_id"), "device_id is not a non-empty string" },
	{ "scene_action", NULL, "action is not an action of the model" },
	{ "scene_properties", IS_OBJECT("properties"), "properties is not a JSON object" },
	{ NULL, NULL, NULL }
};
static const struct rule HOME_RULES[] = {
	{ "home_id", "id = 1", "id is not 1" },
	{ "home_mode", IS_ID("mode"), "mode is not a non-empty string" },
	{ "home_updated_at", IS_TEXT("updated_at"), "updated_at is not a string" },
	{ NULL, NULL, NULL }
};
static const struct rule CHANGE_RULES[] = {
	{ "change_at", IS_TEXT("at"), "at is not a string" },
	{ "change_source", IS_TEXT("source"), "source is not a string" },
	{ "change_kind",
	    "CASE kind"
	    " WHEN 'device' THEN " IS_ID("device_id") " AND " IS_TEXT("state") " AND ("
	    IS_OBJECT("properties") ")"
	    " WHEN 'device_removed' THEN " IS_ID("device_id")
	    " WHEN 'mode' THEN " IS_ID("mode")
	    " ELSE 0 END",
	    "kind is not device, device_removed or mode with the fields it needs" },
	{ NULL, NULL, NULL }
};
/* Schema 3 adds "home" rows (subject: what was edited). */
static const struct rule CHANGE_RULES_3[] = {
	{ "change_at", IS_TEXT("at"), "at is not a string" },
	{ "change_source", IS_TEXT("source"), "source is not a string" },
	{ "change_kind",
	    "CASE kind"
	    " WHEN 'device' THEN " IS_ID("device_id") " AND " IS_TEXT("state") " AND ("
	    IS_OBJECT("properties") ")"
	    " WHEN 'device_removed' THEN " IS_ID("device_id")
	    " WHEN 'mode' THEN " IS_ID("mode")
	    " WHEN 'home' THEN " IS_ID("subject")
	    " ELSE 0 END",
	    "kind is not device, device_removed, mode or home with the fields it needs" },
	{ NULL, NULL, NULL }
};
static const struct rule TOKEN_RULES[] = {
	{ "token_name", IS_ID("name"), "name is not a non-empty string" },
	{ "token_hash", IS_TEXT("hash") " AND length(hash) = 64", "hash is not 64 characters" },
	{ "token_created_at", IS_TEXT("created_at"), "created_at is not a string" },
	{ "token_last_used", "last_used IS NULL OR typeof(last_used) = 'text'",
	    "last_used is not a string" },
	{ NULL, NULL, NULL }
};

#define COLS(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* In the order they are rebuilt: a table after those it references. */
static const struct table TABLES_2[] = {
	{ "rooms", "id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL,"
	    " position INTEGER NOT NULL DEFAULT 0",
	    COLS("id", "name", "position"), ROOM_RULES },
	{ "devices", "id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL, type TEXT NOT NULL,"
	    " room TEXT REFERENCES rooms(id) ON DELETE SET NULL, state TEXT NOT NULL,"
	    " properties TEXT NOT NULL DEFAULT '{}',"
	    " updated_at TEXT NOT NULL DEFAULT (" NOW_SQL ")",
	    COLS("id", "name", "type", "room", "state", "properties", "updated_at"),
	    DEVICE_RULES },
	{ "modes", "name TEXT PRIMARY KEY NOT NULL, description TEXT NOT NULL,"
	    " position INTEGER NOT NULL DEFAULT 0",
	    COLS("name", "description", "position"), MODE_RULES },
	{ "scenes", "mode TEXT NOT NULL REFERENCES modes(name) ON DELETE CASCADE,"
	    " step INTEGER NOT NULL,"
	    " device_id TEXT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,"
	    " action TEXT NOT NULL, properties TEXT NOT NULL DEFAULT '{}',"
	    " PRIMARY KEY (mode, step)",
	    COLS("mode", "step", "device_id", "action", "properties"), SCENE_RULES },
	{ "home", "id INTEGER PRIMARY KEY, mode TEXT NOT NULL,"
	    " updated_at TEXT NOT NULL DEFAULT (" NOW_SQL ")",
	    COLS("id", "mode", "updated_at"), HOME_RULES },
	/* AUTOINCREMENT: a seq is never reused (schema_rebuild carries the
	 * counter over to the new table). */
	{ "changes", "seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	    " at TEXT NOT NULL DEFAULT (" NOW_SQL "),"
	    " source TEXT NOT NULL DEFAULT 'unknown', kind TEXT NOT NULL, device_id TEXT,"
	    " state TEXT, properties TEXT, mode TEXT",
	    COLS("seq", "at", "source", "kind", "device_id", "state", "properties", "mode"),
	    CHANGE_RULES },
	{ "tokens", "name TEXT PRIMARY KEY NOT NULL, hash TEXT NOT NULL UNIQUE,"
	    " created_at TEXT NOT NULL DEFAULT (" NOW_SQL "), last_used TEXT",
	    COLS("name", "hash", "created_at", "last_used"), TOKEN_RULES },
};

/* What the rebuilt tables get back after the copy. */
static const char INDEXES_2[] =
	"CREATE INDEX devices_room ON devices(room);"
	"CREATE INDEX changes_device ON changes(device_id, seq);"
	"CREATE INDEX changes_at ON changes(at);"
	FEED_TRIGGERS;

/* 2 -> 3: "home" rows in the feed; the device_type rule takes the model's
 * types as they are now (humidity_sensor). */
static const struct table TABLES_3[] = {
	{ "rooms", "id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL,"
	    " position INTEGER NOT NULL DEFAULT 0",
	    COLS("id", "name", "position"), ROOM_RULES },
	{ "devices", "id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL, type TEXT NOT NULL,"
	    " room TEXT REFERENCES rooms(id) ON DELETE SET NULL, state TEXT NOT NULL,"
	    " properties TEXT NOT NULL DEFAULT '{}',"
	    " updated_at TEXT NOT NULL DEFAULT (" NOW_SQL ")",
	    COLS("id", "name", "type", "room", "state", "properties", "updated_at"),
	    DEVICE_RULES },
	{ "modes", "name TEXT PRIMARY KEY NOT NULL, description TEXT NOT NULL,"
	    " position INTEGER NOT NULL DEFAULT 0",
	    COLS("name", "description", "position"), MODE_RULES },
	{ "scenes", "mode TEXT NOT NULL REFERENCES modes(name) ON DELETE CASCADE,"
	    " step INTEGER NOT NULL,"
	    " device_id TEXT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,"
	    " action TEXT NOT NULL, properties TEXT NOT NULL DEFAULT '{}',"
	    " PRIMARY KEY (mode, step)",
	    COLS("mode", "step", "device_id", "action", "properties"), SCENE_RULES },
	{ "home", "id INTEGER PRIMARY KEY, mode TEXT NOT NULL,"
	    " updated_at TEXT NOT NULL DEFAULT (" NOW_SQL ")",
	    COLS("id", "mode", "updated_at"), HOME_RULES },
	/* AUTOINCREMENT: a seq is never reused (schema_rebuild carries the
	 * counter over to the new table). */
	{ "changes", "seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	    " at TEXT NOT NULL DEFAULT (" NOW_SQL "),"
	    " source TEXT NOT NULL DEFAULT 'unknown', kind TEXT NOT NULL, device_id TEXT,"
	    " state TEXT, properties TEXT, mode TEXT, subject TEXT",
	    COLS("seq", "at", "source", "kind", "device_id", "state", "properties", "mode",
	    "subject"),
	    CHANGE_RULES_3 },
	{ "tokens", "name TEXT PRIMARY KEY NOT NULL, hash TEXT NOT NULL UNIQUE,"
	    " created_at TEXT NOT NULL DEFAULT (" NOW_SQL "), last_used TEXT",
	    COLS("name", "hash", "created_at", "last_used"), TOKEN_RULES },
};

static const char INDEXES_3[] =
	"CREATE INDEX devices_room ON devices(room);"
	"CREATE INDEX changes_device ON changes(device_id, seq);"
	"CREATE INDEX changes_at ON changes(at);"
	FEED_TRIGGERS
	HOME_TRIGGERS;

/* Every statement db.c runs more than once, prepared on first use. */
enum query {
	Q_BEGIN_READ, Q_BEGIN_WRITE, Q_COMMIT, Q_ROLLBACK, Q_DATA_VERSION,
	Q_ROOM_ADD, Q_ROOMS, Q_ROOM_EXISTS,
	Q_DEVICE_ADD, Q_DEVICE_GET, Q_DEVICES, Q_DEVICE_UPDATE, Q_DEVICE_IDS,
	Q_MODE_ADD, Q_SCENE_ADD, Q_MODE_GET, Q_MODE_SET, Q_MODE_INIT, Q_MODES, Q_MODE_ONE,
	Q_SCENE,
	Q_CHANGES, Q_CHANGES_2, Q_CHANGES_3, Q_CHANGES_4, Q_CHANGES_LATEST, Q_CHANGES_LATEST_2,
	Q_CHANGES_LATEST_3, Q_CHANGES_LATEST_4, Q_CHANGES_NEWEST, Q_DEVICE_GET_4, Q_DEVICES_4,
	Q_CHANGES_OLDEST, Q_CHANGE_AT, Q_CHANGES_CLAIM, Q_PRUNE_COUNT, Q_DEVICE_SEQ_BEFORE,
	Q_PRUNE_AGE, Q_FEED_ID, Q_FEED_RENEW,
	Q_TOKEN_ADD, Q_TOKEN_REMOVE, Q_TOKENS, Q_TOKENS_5, Q_TOKEN_FIND, Q_TOKEN_SCOPE,
	/* OAuth */
	Q_OAUTH_CLIENT_ADD, Q_OAUTH_CLIENT_PUT, Q_OAUTH_CLIENT_GET, Q_OAUTH_CLIENTS_EVICT, Q_OAUTH_GRANT_ADD,
	Q_OAUTH_GRANT_REMOVE, Q_OAUTH_GRANT_SCOPE, Q_OAUTH_GRANTS, Q_OAUTH_CODE_ADD,
	Q_OAUTH_CODE_GET, Q_OAUTH_CODE_USE, Q_OAUTH_TOKEN_ADD, Q_OAUTH_TOKEN_GET, Q_OAUTH_TOKEN_USE,
	Q_OAUTH_PRUNE_TOKENS, Q_OAUTH_PRUNE_CODES, Q_OAUTH_PRUNE_GRANTS, Q_OAUTH_PRUNE_CLIENTS,
	/* editing the home */
	Q_ROOM_UPDATE, Q_ROOM_REMOVE, Q_ROOM_NEXT, Q_DEVICE_EDIT, Q_DEVICE_REPLACE,
	Q_DEVICE_REMOVE, Q_DEVICE_SCENES, Q_MODE_UPDATE, Q_MODE_REMOVE, Q_MODE_NEXT,
	Q_SCENE_UPDATE, Q_SCENE_REMOVE, Q_SCENE_CLEAR,
	/* automations */
	Q_AUTO_ADD, Q_AUTO_REPLACE, Q_AUTO_REMOVE, Q_AUTO_ENABLE, Q_AUTO_GET, Q_AUTOS,
	Q_AUTO_GEN, Q_AUTO_MARK, Q_AUTO_CONSENT, Q_AUTO_GET_6, Q_AUTOS_6, Q_RUN_ADD, Q_RUN_PRUNE, Q_RUN_END, Q_RUNS, Q_RUN_GET,
	Q_RUNS_REQUESTED,
	/* real devices */
	Q_BINDING_GET, Q_BINDING_FIND, Q_BINDING_FIND_IEEE, Q_BINDINGS, Q_BINDING_SET,
	Q_BINDING_AVAILABLE, Q_BINDINGS_AVAILABLE,
	Q_COMMAND_ADD, Q_COMMANDS_SUPERSEDE, Q_COMMAND_GET, Q_COMMAND_PENDING,
	Q_COMMAND_SETTLE, Q_COMMANDS_AFTER, Q_COMMANDS_EXPIRE, Q_COMMANDS_NEXT,
	Q_COUNT
};

/* The rowid last: bad_data names a row by it. */
#define DEVICE_COLS \
	"d.id, d.name, d.type, d.room, r.name, d.state, d.properties, d.updated_at, d.rowid"
#define DEVICE_FROM \
	" FROM devices d LEFT JOIN rooms r ON r.id = d.room"
/* From schema 5 on: a device's binding and its newest pending command, after
 * the device's own columns (binding_from_row reads them). */
#define BINDING_COLS \
	"b.driver, b.address, b.available, k.id, k.state, k.properties, k.source, " \
	"k.created_at, k.deadline"
#define BINDING_FROM \
	" LEFT JOIN bindings b ON b.device_id = d.id" \
	" LEFT JOIN commands k ON k.id = (SELECT max(id) FROM commands" \
	"   WHERE device_id = d.id AND status = 'pending')"
#define DEVICE_COLS_5 DEVICE_COLS ", " BINDING_COLS
#define CHANGE_EXTRA_5 BINDING_COLS ", c.command, x.status, x.error, x.source, d.state," \
	" d.properties, d.updated_at"
#define DEVICE_FROM_5 DEVICE_FROM BINDING_FROM
#define COMMAND_COLS \
	"c.id, c.device_id, c.state, c.properties, c.source, c.status, c.error, c.created_at," \
	" c.deadline, c.settled_at, b.driver, b.address, b.caps, d.type"
#define COMMAND_FROM \
	" FROM commands c JOIN devices d ON d.id = c.device_id" \
	" LEFT JOIN bindings b ON b.device_id = c.device_id"
#define DEVICE_ORDER " ORDER BY r.position IS NULL, r.position, d.room, d.type, d.id"

#define RUN_COLS \
	"id, automation, started_at, finished_at, trigger, conditions, outcome, actions"
/* An automation and its newest run (the subquery is one index probe). */
#define AUTO_COLS_6 \
	"a.name, a.document, a.created_at, a.updated_at, a.last_elapse," \
	" (SELECT max(id) FROM automation_runs WHERE automation = a.name), a.rowid"
#define AUTO_COLS AUTO_COLS_6 ", a.consent"

static const char *const SQL[Q_COUNT] = {
	[Q_BEGIN_READ] = "BEGIN",
	[Q_BEGIN_WRITE] = "BEGIN IMMEDIATE",
	[Q_COMMIT] = "COMMIT",
	[Q_ROLLBACK] = "ROLLBACK",
	[Q_DATA_VERSION] = "PRAGMA data_version",
	[Q_ROOM_ADD] = "INSERT INTO rooms(id, name, position) VALUES (?1, ?2, ?3)",
	[Q_ROOMS] = "SELECT r.id, r.name, (SELECT count(*) FROM devices d WHERE d.room = r.id),"
		    " r.rowid, r.position FROM rooms r ORDER BY r.position, r.id",
	[Q_ROOM_EXISTS] = "SELECT 1 FROM rooms WHERE id = ?1",
	[Q_DEVICE_ADD] = "INSERT INTO devices(id, name, type, room, state, properties)"
			 " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[Q_DEVICE_GET] = "SELECT " DEVICE_COLS_5 DEVICE_FROM_5 " WHERE d.id = ?1",
	[Q_DEVICES] = "SELECT " DEVICE_COLS_5 DEVICE_FROM_5
		      " WHERE (?1 IS NULL OR d.room = ?1) AND (?2 IS NULL OR d.type = ?2)"
		      DEVICE_ORDER,
	/* The same on a schema before 5 (opened read-only): no bindings. */
	[Q_DEVICE_GET_4] = "SELECT " DEVICE_COLS DEVICE_FROM " WHERE d.id = ?1",
	[Q_DEVICES_4] = "SELECT " DEVICE_COLS DEVICE_FROM
		      " WHERE (?1 IS NULL OR d.room = ?1) AND (?2 IS NULL OR d.type = ?2)"
		      DEVICE_ORDER,
	[Q_DEVICE_UPDATE] = "UPDATE devices SET state = ?2, properties = ?3,"
			    " updated_at = " NOW_SQL " WHERE id = ?1"
			    " AND (state IS NOT ?2 OR properties IS NOT ?3)",
	[Q_DEVICE_IDS] = "SELECT id, rowid FROM devices ORDER BY id",
	[Q_MODE_ADD] = "INSERT INTO modes(name, description, position) VALUES (?1, ?2, ?3)",
	[Q_SCENE_ADD] = "INSERT INTO scenes(mode, step, device_id, action, properties)"
			" VALUES (?1, (SELECT coalesce(max(step) + 1, 0) FROM scenes WHERE mode = ?1),"
			" ?2, ?3, ?4)",
	[Q_MODE_GET] = "SELECT mode, rowid FROM home WHERE id = 1",
	[Q_MODE_SET] = "UPDATE home SET mode = ?1, updated_at = " NOW_SQL " WHERE id = 1",
	[Q_MODE_INIT] = "INSERT OR IGNORE INTO home(id, mode) VALUES (1, ?1)",
	[Q_MODES] = "SELECT name, description, rowid FROM modes ORDER BY position, name",
	[Q_MODE_ONE] = "SELECT name, description, rowid FROM modes WHERE name = ?1",
	[Q_SCENE] = "SELECT device_id, action, properties, rowid FROM scenes WHERE mode = ?1"
		    " ORDER BY step",
	/* Columns 15 on (schema 5): the device's binding and pending command
	 * as they are now, the command a "command" row names and how it
	 * ended, the device's state now (a command row carries the asked
	 * state). */
	[Q_CHANGES] = "SELECT c.seq, c.at, c.source, c.kind, c.device_id, c.state,"
		      " c.properties, c.mode, d.name, d.type, d.room, r.name, d.rowid, c.subject,"
		      " c.automation, " CHANGE_EXTRA_5
		      " FROM changes c LEFT JOIN devices d ON d.id = c.device_id"
		      " LEFT JOIN rooms r ON r.id = d.room" BINDING_FROM
		      " LEFT JOIN commands x ON x.id = c.command"
		      " WHERE c.seq > ?1 AND (?2 IS NULL OR c.device_id = ?2)"
		      " ORDER BY c.seq LIMIT ?3",
	/* The same on schema 4 (opened read-only, not migrated). */
	[Q_CHANGES_4] = "SELECT c.seq, c.at, c.source, c.kind, c.device_id, c.state,"
		      " c.properties, c.mode, d.name, d.type, d.room, r.name, d.rowid, c.subject,"
		      " c.automation"
		      " FROM changes c LEFT JOIN devices d ON d.id = c.device_id"
		      " LEFT JOIN rooms r ON r.id = d.room"
		      " WHERE c.seq > ?1 AND (?2 IS NULL OR c.device_id = ?2)"
		      " ORDER BY c.seq LIMIT ?3",
	/* The same on schema 3 (opened read-only, not migrated): no automation. */
	[Q_CHANGES_3] = "SELECT c.seq, c.at, c.source, c.kind, c.device_id, c.state,"
		      " c.properties, c.mode, d.name, d.type, d.room, r.name, d.rowid, c.subject"
		      " FROM changes c LEFT JOIN devices d ON d.id = c.device_id"
		      " LEFT JOIN rooms r ON r.id = d.room"
		      " WHERE c.seq > ?1 AND (?2 IS NULL OR c.device_id = ?2)"
		      " ORDER BY c.seq LIMIT ?3",
	/* The same on a schema before 3 (opened read-only, not migrated). */
	[Q_CHANGES_2] = "SELECT c.seq, c.at, c.source, c.kind, c.device_id, c.state,"
		      " c.properties, c.mode, d.name, d.type, d.room, r.name, d.rowid, NULL"
		      " FROM changes c LEFT JOIN devices d ON d.id = c.device_id"
		      " LEFT JOIN rooms r ON r.id = d.room"
		      " WHERE c.seq > ?1 AND (?2 IS NULL OR c.device_id = ?2)"
		      " ORDER BY c.seq LIMIT ?3",
	/* The newest ?2 rows (of device ?1), oldest first: the index
	 * changes_device(device_id, seq) walks one device's rows backwards. */
	[Q_CHANGES_LATEST] = "SELECT * FROM ("
			     "SELECT c.seq, c.at, c.source, c.kind, c.device_id, c.state,"
			     " c.properties, c.mode, d.name, d.type, d.room, r.name, d.rowid,"
			     " c.subject, c.automation, " CHANGE_EXTRA_5
			     " FROM changes c LEFT JOIN devices d ON d.id = c.device_id"
			     " LEFT JOIN rooms r ON r.id = d.room" BINDING_FROM
			     " LEFT JOIN commands x ON x.id = c.command"
			     " WHERE ?1 IS NULL OR c.device_id = ?1"
			     " ORDER BY c.seq DESC LIMIT ?2) ORDER BY 1",
	[Q_CHANGES_LATEST_4] = "SELECT * FROM ("
			     "SELECT c.seq, c.at, c.source, c.kind, c.device_id, c.state,"
			     " c.properties, c.mode, d.name, d.type, d.room, r.name, d.rowid,"
			     " c.subject, c.automation"
			     " FROM changes c LEFT JOIN devices d ON d.id = c.device_id"
			     " LEFT JOIN rooms r ON r.id = d.room"
			     " WHERE ?1 IS NULL OR c.device_id = ?1"
			     " ORDER BY c.seq DESC LIMIT ?2) ORDER BY 1",
	[Q_CHANGES_LATEST_3] = "SELECT * FROM ("
			     "SELECT c.seq, c.at, c.source, c.kind, c.device_id, c.state,"
			     " c.properties, c.mode, d.name, d.type, d.room, r.name, d.rowid,"
			     " c.subject"
			     " FROM changes c LEFT JOIN devices d ON d.id = c.device_id"
			     " LEFT JOIN rooms r ON r.id = d.room"
			     " WHERE ?1 IS NULL OR c.device_id = ?1"
			     " ORDER BY c.seq DESC LIMIT ?2) ORDER BY 1",
	[Q_CHANGES_LATEST_2] = "SELECT * FROM ("
			       "SELECT c.seq, c.at, c.source, c.kind, c.device_id, c.state,"
			       " c.properties, c.mode, d.name, d.type, d.room, r.name, d.rowid,"
			       " NULL"
			       " FROM changes c LEFT JOIN devices d ON d.id = c.device_id"
			       " LEFT JOIN rooms r ON r.id = d.room"
			       " WHERE ?1 IS NULL OR c.device_id = ?1"
			       " ORDER BY c.seq DESC LIMIT ?2) ORDER BY 1",
	[Q_CHANGES_NEWEST] = "SELECT seq FROM sqlite_sequence WHERE name = 'changes'",
	[Q_CHANGES_OLDEST] = "SELECT min(seq) FROM changes",
	[Q_CHANGE_AT] = "SELECT coalesce(at, '') FROM changes WHERE seq = ?1",
	[Q_FEED_ID] = "SELECT value FROM meta WHERE key = 'feed_id'",
	/* Only the identity the caller saw: when two watchers find the same
	 * rewrite, the second finds it renewed already. */
	[Q_FEED_RENEW] = "UPDATE meta SET value = " FEED_ID_SQL " WHERE key = 'feed_id'"
			 " AND value = ?1",
	/* The index changes_device(device_id, seq) keeps this to one device's
	 * rows. */
	[Q_DEVICE_SEQ_BEFORE] = "SELECT max(seq) FROM changes WHERE device_id = ?1 AND at < ?2"
				" AND kind = 'device'",
	[Q_CHANGES_CLAIM] = "UPDATE changes SET source = ?2, automation = ?3 WHERE seq > ?1",
	[Q_PRUNE_COUNT] = "DELETE FROM changes WHERE seq <= (SELECT max(seq) FROM changes) - ?1",
	[Q_PRUNE_AGE] = "DELETE FROM changes WHERE at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now',"
			" '-' || ?1 || ' seconds')",
	[Q_TOKEN_ADD] = "INSERT INTO tokens(name, hash, scope) VALUES (?1, ?2, ?3)",
	[Q_TOKEN_REMOVE] = "DELETE FROM tokens WHERE name = ?1",
	[Q_TOKENS] = "SELECT name, created_at, last_used, rowid, scope FROM tokens ORDER BY name",
	[Q_TOKENS_5] = "SELECT name, created_at, last_used, rowid, 'full' FROM tokens ORDER BY name",
	[Q_TOKEN_FIND] = "SELECT name, rowid FROM tokens WHERE hash = ?1",
	[Q_TOKEN_SCOPE] = "SELECT scope FROM tokens WHERE name = ?1",
	[Q_OAUTH_CLIENT_ADD] = "INSERT INTO oauth_clients(id, name, redirect_uris, created)"
			       " VALUES (?1, ?2, ?3, ?4)",
	/* A client known by its metadata document: fetched again, updated in
	 * place (never replaced: REPLACE would delete its grants). */
	[Q_OAUTH_CLIENT_PUT] = "INSERT INTO oauth_clients(id, name, redirect_uris, created)"
			       " VALUES (?1, ?2, ?3, ?4) ON CONFLICT(id) DO UPDATE SET"
			       " name = excluded.name, redirect_uris = excluded.redirect_uris,"
			       " created = excluded.created",
	[Q_OAUTH_CLIENT_GET] = "SELECT name, redirect_uris, rowid FROM oauth_clients WHERE id = ?1",
	/* Clients that never got a grant, beyond the newest ?1 of them. */
	[Q_OAUTH_CLIENTS_EVICT] = "DELETE FROM oauth_clients WHERE id IN (SELECT id FROM"
				  " oauth_clients c WHERE NOT EXISTS (SELECT 1 FROM oauth_grants g"
				  " WHERE g.client_id = c.id) ORDER BY created DESC, rowid DESC"
				  " LIMIT -1 OFFSET ?1)",
	[Q_OAUTH_GRANT_ADD] = "INSERT INTO oauth_grants(id, client_id, granted_by, scope, resource,"
			      " created) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[Q_OAUTH_GRANT_REMOVE] = "DELETE FROM oauth_grants WHERE id = ?1",
	[Q_OAUTH_GRANT_SCOPE] = "SELECT scope FROM oauth_grants WHERE id = ?1",
	[Q_OAUTH_GRANTS] = "SELECT g.id, c.name, g.granted_by, g.scope, g.resource, g.created,"
			   " g.rowid FROM oauth_grants g JOIN oauth_clients c ON c.id = g.client_id"
			   " WHERE EXISTS (SELECT 1 FROM oauth_tokens t WHERE t.grant_id = g.id"
			   " AND t.used = 0) ORDER BY g.created, g.id",
	[Q_OAUTH_CODE_ADD] = "INSERT INTO oauth_codes(hash, grant_id, redirect_uri, challenge,"
			     " expires) VALUES (?1, ?2, ?3, ?4, ?5)",
	[Q_OAUTH_CODE_GET] = "SELECT g.id, g.client_id, g.scope, g.resource, o.redirect_uri,"
			     " o.challenge, o.expires, o.used, o.rowid FROM oauth_codes o"
			     " JOIN oauth_grants g ON g.id = o.grant_id WHERE o.hash = ?1",
	[Q_OAUTH_CODE_USE] = "UPDATE oauth_codes SET used = 1 WHERE hash = ?1 AND used = 0",
	[Q_OAUTH_TOKEN_ADD] = "INSERT INTO oauth_tokens(hash, grant_id, kind, expires)"
			      " VALUES (?1, ?2, ?3, ?4)",
	[Q_OAUTH_TOKEN_GET] = "SELECT g.id, g.client_id, g.scope, g.resource, '', '', t.expires,"
			      " t.used, t.rowid FROM oauth_tokens t"
			      " JOIN oauth_grants g ON g.id = t.grant_id WHERE t.hash = ?1 AND t.kind = ?2",
	[Q_OAUTH_TOKEN_USE] = "UPDATE oauth_tokens SET used = 1 WHERE hash = ?1 AND used = 0",
	[Q_OAUTH_PRUNE_TOKENS] = "DELETE FROM oauth_tokens WHERE expires <= ?1",
	[Q_OAUTH_PRUNE_CODES] = "DELETE FROM oauth_codes WHERE expires <= ?1",
	/* A grant lives while a token or a code of it can still be used. */
	[Q_OAUTH_PRUNE_GRANTS] = "DELETE FROM oauth_grants WHERE created <= ?1 AND NOT EXISTS"
				 " (SELECT 1 FROM oauth_tokens t WHERE t.grant_id = oauth_grants.id)"
				 " AND NOT EXISTS (SELECT 1 FROM oauth_codes o"
				 " WHERE o.grant_id = oauth_grants.id)",
	/* A client registered more than a day ago that holds no grant. */
	[Q_OAUTH_PRUNE_CLIENTS] = "DELETE FROM oauth_clients WHERE created <= ?1 AND NOT EXISTS"
				  " (SELECT 1 FROM oauth_grants g WHERE g.client_id = oauth_clients.id)",
	/* NULL leaves a column as it is. */
	[Q_ROOM_UPDATE] = "UPDATE rooms SET name = coalesce(?2, name),"
			  " position = coalesce(?3, position) WHERE id = ?1",
	/* Its devices become house-wide: devices.room is ON DELETE SET NULL. */
	[Q_ROOM_REMOVE] = "DELETE FROM rooms WHERE id = ?1",
	[Q_ROOM_NEXT] = "SELECT coalesce(max(position) + 1, 0) FROM rooms",
	[Q_DEVICE_EDIT] = "UPDATE devices SET name = ?2, room = ?3 WHERE id = ?1",
	[Q_DEVICE_REPLACE] = "UPDATE devices SET name = ?2, type = ?3, room = ?4, state = ?5,"
			     " properties = ?6, updated_at = " NOW_SQL " WHERE id = ?1"
			     " AND (name IS NOT ?2 OR type IS NOT ?3 OR room IS NOT ?4"
			     " OR state IS NOT ?5 OR properties IS NOT ?6)",
	[Q_DEVICE_REMOVE] = "DELETE FROM devices WHERE id = ?1",
	[Q_DEVICE_SCENES] = "SELECT DISTINCT mode FROM scenes WHERE device_id = ?1 ORDER BY mode",
	[Q_MODE_UPDATE] = "UPDATE modes SET description = ?2 WHERE name = ?1",
	/* Its scene goes with it (ON DELETE CASCADE). */
	[Q_MODE_REMOVE] = "DELETE FROM modes WHERE name = ?1",
	[Q_MODE_NEXT] = "SELECT coalesce(max(position) + 1, 0) FROM modes",
	[Q_SCENE_UPDATE] = "UPDATE scenes SET action = ?3, properties = ?4"
			   " WHERE mode = ?1 AND device_id = ?2",
	[Q_SCENE_REMOVE] = "DELETE FROM scenes WHERE mode = ?1 AND device_id = ?2",
	[Q_SCENE_CLEAR] = "DELETE FROM scenes WHERE mode = ?1",
	[Q_AUTO_ADD] = "INSERT INTO automations(name, document, last_elapse) VALUES (?1, ?2, ?3)",
	/* A new document has no one's consent yet (db_automation_consent). */
	[Q_AUTO_REPLACE] = "UPDATE automations SET document = ?2, consent = NULL, updated_at = "
			   NOW_SQL " WHERE name = ?1",
	[Q_AUTO_CONSENT] = "UPDATE automations SET consent = ?2 WHERE name = ?1",
	[Q_AUTO_GET_6] = "SELECT " AUTO_COLS_6 ", NULL FROM automations a WHERE a.name = ?1",
	[Q_AUTOS_6] = "SELECT " AUTO_COLS_6 ", NULL FROM automations a ORDER BY a.name",
	[Q_AUTO_REMOVE] = "DELETE FROM automations WHERE name = ?1",
	[Q_AUTO_ENABLE] = "UPDATE automations SET document = json_set(document, '$.enabled',"
			  " json(?2)), updated_at = " NOW_SQL " WHERE name = ?1",
	[Q_AUTO_GET] = "SELECT " AUTO_COLS " FROM automations a WHERE a.name = ?1",
	[Q_AUTOS] = "SELECT " AUTO_COLS " FROM automations a ORDER BY a.name",
	[Q_AUTO_GEN] = "SELECT generation FROM automation_generation WHERE id = 1",
	[Q_AUTO_MARK] = "UPDATE automations SET last_elapse = ?2 WHERE name = ?1",
	[Q_RUN_ADD] = "INSERT INTO automation_runs(automation, trigger, outcome)"
		      " VALUES (?1, ?2, ?3)",
	[Q_RUN_PRUNE] = "DELETE FROM automation_runs WHERE automation = ?1 AND id <="
			" (SELECT max(id) FROM automation_runs WHERE automation = ?1) - ?2",
	[Q_RUN_END] = "UPDATE automation_runs SET outcome = ?2, conditions = ?3, actions = ?4,"
		      " finished_at = CASE WHEN ?5 THEN " NOW_SQL " END WHERE id = ?1",
	[Q_RUNS] = "SELECT " RUN_COLS " FROM automation_runs WHERE automation = ?1"
		   " ORDER BY id DESC LIMIT ?2",
	[Q_RUN_GET] = "SELECT " RUN_COLS " FROM automation_runs WHERE id = ?1",
	[Q_RUNS_REQUESTED] = "SELECT " RUN_COLS " FROM automation_runs"
			     " WHERE outcome = 'requested' ORDER BY id",
	[Q_BINDING_GET] = "SELECT device_id, driver, address, caps, available FROM bindings"
			  " WHERE device_id = ?1",
	[Q_BINDING_FIND] = "SELECT device_id FROM bindings WHERE driver = ?1 AND address = ?2",
	/* A Zigbee device keeps its IEEE address through renames. */
	[Q_BINDING_FIND_IEEE] = "SELECT device_id FROM bindings WHERE driver = ?1"
				" AND json_extract(caps, '$.ieee') = ?2"
				" AND json_extract(caps, '$.endpoint') IS ?3",
	[Q_BINDINGS] = "SELECT b.device_id, b.driver, b.address, b.caps, b.available, d.type,"
		       " d.state, d.properties"
		       " FROM bindings b JOIN devices d ON d.id = b.device_id"
		       " WHERE ?1 IS NULL OR b.driver = ?1 ORDER BY b.device_id",
	[Q_BINDING_SET] = "INSERT INTO bindings(device_id, driver, address, caps)"
			  " VALUES (?1, ?2, ?3, ?4)"
			  " ON CONFLICT(device_id) DO UPDATE SET driver = ?2, address = ?3, caps = ?4"
			  " WHERE driver IS NOT ?2 OR address IS NOT ?3 OR caps IS NOT ?4",
	[Q_BINDING_AVAILABLE] = "UPDATE bindings SET available = ?2 WHERE device_id = ?1"
				" AND available IS NOT ?2",
	[Q_BINDINGS_AVAILABLE] = "UPDATE bindings SET available = ?2 WHERE driver = ?1"
				 " AND available IS NOT ?2",
	[Q_COMMAND_ADD] = "INSERT INTO commands(device_id, state, properties, source, deadline)"
			  " VALUES (?1, ?2, ?3, ?4, strftime('%Y-%m-%dT%H:%M:%fZ', 'now',"
			  " (?5 / 1000.0) || ' seconds'))",
	[Q_COMMANDS_SUPERSEDE] = "UPDATE commands SET status = 'superseded',"
				 " settled_at = " NOW_SQL
				 " WHERE device_id = ?1 AND status = 'pending'",
	[Q_COMMAND_GET] = "SELECT " COMMAND_COLS COMMAND_FROM " WHERE c.id = ?1",
	[Q_COMMAND_PENDING] = "SELECT " COMMAND_COLS COMMAND_FROM
			      " WHERE c.device_id = ?1 AND c.status = 'pending' ORDER BY c.id DESC"
			      " LIMIT 1",
	[Q_COMMAND_SETTLE] = "UPDATE commands SET status = ?2, error = ?3, settled_at = " NOW_SQL
			     " WHERE id = ?1 AND status = 'pending'",
	[Q_COMMANDS_AFTER] = "SELECT " COMMAND_COLS COMMAND_FROM
			     " WHERE c.id > ?1 AND c.status = 'pending'"
			     " AND (?2 IS NULL OR b.driver = ?2) ORDER BY c.id",
	[Q_COMMANDS_EXPIRE] = "UPDATE commands SET status = 'failed', error = ?1,"
			      " settled_at = " NOW_SQL
			      " WHERE status = 'pending' AND deadline <= " NOW_SQL,
	[Q_COMMANDS_NEXT] = "SELECT CAST(round((julianday(min(deadline)) - julianday('now'))"
			    " * 86400000) AS INTEGER) FROM commands WHERE status = 'pending'",
};

struct db {
	sqlite3 *h;
	char *path;
	sqlite3_stmt *stmt[Q_COUNT];
	int quarantined;		/* rows the migrations moved aside */
	uint64_t bad_logged;		/* mono_usec of the last "bad row" line */
	unsigned long bad_quiet;	/* bad rows skipped since, not logged */
	int64_t change_seq;		/* the last feed row read, good or bad */
	bool feed_without_subject;	/* a schema before 3, opened read-only */
	bool feed_without_automation;	/* a schema before 4, opened read-only */
	int flags;			/* as given to db_open, for db_reopen */
	struct db_id {			/* the files open, to see them replaced */
		dev_t dev;
		ino_t ino, wal, shm;	/* 0: no such file */
	} id;
	bool without_bindings;		/* a schema before 5, opened read-only */
	bool without_scopes;		/* a schema before 6: every token is full */
	bool without_oauth;		/* a schema before 7: no OAuth grant */
	bool without_consent;		/* a schema before 9: no automation may open */
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
	if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
		/* Expected under DB_NOWAIT, where the caller retries: not a
		 * warning each time. */
		log_debug("db: %s: %s", what, sqlite3_errmsg(db->h));
		return -EBUSY;
	}
	log_warnx("db: %s: %s", what, sqlite3_errmsg(db->h));
	/* A full disk and a read-only database are the admin's to fix, not
	 * bugs: they get errnos of their own, so every front end can say
	 * which.  SQLite reports either as such, or as an I/O error whose
	 * errno says it (a write into the -wal on a full disk). */
	if (rc == SQLITE_FULL)
		return -ENOSPC;
	if (rc == SQLITE_READONLY)
		return -EROFS;
	if (rc == SQLITE_IOERR || rc == SQLITE_CANTOPEN) {
		switch (sqlite3_system_errno(db->h)) {
		case ENOSPC:
		case EDQUOT:
			return -ENOSPC;
		case EROFS:
			return -EROFS;
		}
	}
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

/* ---- reading rows someone else may have written ----
 * The schema forbids what the code cannot use, but a row can still come
 * from a homectl of an older schema or a writer with the checks off
 * (PRAGMA ignore_check_constraints, writable_schema).  So every reader takes
 * a column only when it holds what it must: text that is UTF-8 (it goes to
 * browsers and models as JSON), a type the model knows, a state of that
 * type, a JSON object of properties.  A row that does not is skipped, as if
 * it were not there, and said in the log. */

/* At most one line a minute per connection: a bad device row is met on
 * every list, and the log must not become the next problem. */
#define BAD_LOG_USEC (60 * (uint64_t)1000000)

/* Says that a row (by its rowid: its values are whatever someone wrote, not
 * for the log) was skipped, or a value dropped, for why. */
static void
bad_data(struct db *db, const char *table, int64_t rowid, const char *why)
{
	uint64_t now = mono_usec();

	if (db->bad_logged != 0 && now - db->bad_logged < BAD_LOG_USEC) {
		db->bad_quiet++;
		return;
	}
	log_warnx("db: %s: %s rowid %" PRId64 " skipped: %s (%lu more not logged for a minute);"
	    " fix or delete it with sqlite3", db->path, table, rowid, why, db->bad_quiet);
	db->bad_logged = now;
	db->bad_quiet = 0;
}

/* Column i as a string, or NULL when it is NULL.  *bad is set when it holds
 * anything else: a number or blob, a NUL inside, bytes that are not UTF-8.
 * Borrowed: valid until the next step or reset of st. */
static const char *
col_text(sqlite3_stmt *st, int i, bool *bad)
{
	const unsigned char *s;
	size_t n;

	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return NULL;
	if (sqlite3_column_type(st, i) != SQLITE_TEXT ||
	    (s = sqlite3_column_text(st, i)) == NULL) {
		*bad = true;
		return NULL;
	}
	n = (size_t)sqlite3_column_bytes(st, i);
	if (strlen((const char *)s) != n || !utf8_valid(s, n)) {
		*bad = true;
		return NULL;
	}
	return (const char *)s;
}

/* A JSON string or null for s. */
static struct json_object *
jstring(const char *s)
{
	return s == NULL ? NULL : json_object_new_string(s);
}

/* Parses a properties column into a new object (caller puts), or NULL when
 * it is not a JSON object.  A null value is dropped (code printing a
 * property expects one), and so is a property of type t (may be NULL:
 * unknown) with a value of the wrong kind, a string where the model says
 * number; the device stays usable and its next write stores the rest.
 * Other keys are kept: they harm no reader. */
static struct json_object *
props_parse(struct db *db, const char *s, const struct model_type *t, const char *table,
    int64_t rowid)
{
	struct json_object *o, *keep;
	const struct model_prop *p;
	char err[128];
	bool dropped = false;

	if (s == NULL || (o = json_parse_strict(s, strlen(s), err, sizeof(err))) == NULL)
		return NULL;
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return NULL;
	}
	keep = json_object_new_object();
	json_object_object_foreach(o, key, v) {
		p = t != NULL ? model_prop_find(t, key) : NULL;
		if (v == NULL || (p != NULL && !model_value_fits(p, v))) {
			dropped = true;
			continue;
		}
		json_object_object_add(keep, key, json_object_get(v));
	}
	json_object_put(o);
	if (dropped)
		bad_data(db, table, rowid, "a property value of the wrong kind (dropped, row kept)");
	return keep;
}

/* Adds to device d what BINDING_COLS hold from column i on (when the query
 * has them: a schema before 5 has no bindings): "driver" ("sim" when
 * unbound), "address", "available" (a simulated device is always online)
 * and "pending", the command it waits on or null.  A value that is not
 * what it must be reads as absent. */
static void
binding_from_row(struct db *db, sqlite3_stmt *st, int i, struct json_object *d)
{
	const char *driver = NULL, *addr = NULL, *avail = NULL, *f[4] = { NULL };
	struct json_object *k = NULL, *props;
	bool bad = false;

	if (sqlite3_column_count(st) > i + 8) {
		driver = col_text(st, i, &bad);
		addr = col_text(st, i + 1, &bad);
		avail = col_text(st, i + 2, &bad);
	}
	if (bad || driver == NULL)
		driver = NULL, addr = NULL, avail = NULL;
	json_object_object_add(d, "driver", json_object_new_string(driver ? driver : "sim"));
	json_object_object_add(d, "address", jstring(addr));
	json_object_object_add(d, "available", json_object_new_string(avail ? avail :
	    driver ? "unknown" : "online"));
	bad = false;
	if (sqlite3_column_count(st) > i + 8 && sqlite3_column_type(st, i + 3) == SQLITE_INTEGER) {
		f[0] = col_text(st, i + 4, &bad);
		f[1] = col_text(st, i + 6, &bad);
		f[2] = col_text(st, i + 7, &bad);
		f[3] = col_text(st, i + 8, &bad);
		props = bad ? NULL : props_parse(db, col_text(st, i + 5, &bad), NULL, "commands",
		    sqlite3_column_int64(st, i + 3));
		if (props != NULL) {
			k = json_object_new_object();
			json_object_object_add(k, "id",
			    json_object_new_int64(sqlite3_column_int64(st, i + 3)));
			json_object_object_add(k, "state", jstring(f[0]));
			json_object_object_add(k, "properties", props);
			json_object_object_add(k, "source", jstring(f[1]));
			json_object_object_add(k, "created_at", jstring(f[2]));
			json_object_object_add(k, "deadline", jstring(f[3]));
		}
	}
	json_object_object_add(d, "pending", k);
}

/* A device object from a row of DEVICE_COLS starting at column 0, or NULL
 * (logged) when the row is bad. */
static struct json_object *
device_from_row(struct db *db, sqlite3_stmt *st)
{
	const char *f[8], *why = NULL;
	const struct model_type *t = NULL;
	struct json_object *d, *props = NULL;
	int64_t rowid = sqlite3_column_int64(st, 8);
	bool bad = false;
	int i;

	for (i = 0; i < 8; i++)
		f[i] = col_text(st, i, &bad);
	if (bad)
		why = "a field that is not UTF-8 text";
	else if (f[0] == NULL || f[0][0] == '\0')
		why = "no id";
	else if (f[1] == NULL)
		why = "no name";
	else if ((t = model_type_find(f[2])) == NULL)
		why = "a type the model does not know";
	else if (!model_has_state(t, f[5]))
		why = "a state its type does not have";
	else if (f[7] == NULL)
		why = "no updated_at";
	else if ((props = props_parse(db, f[6], t, "devices", rowid)) == NULL)
		why = "properties that are not a JSON object";
	if (why != NULL) {
		bad_data(db, "devices", rowid, why);
		return NULL;
	}
	d = json_object_new_object();
	json_object_object_add(d, "id", jstring(f[0]));
	json_object_object_add(d, "name", jstring(f[1]));
	json_object_object_add(d, "type", jstring(f[2]));
	json_object_object_add(d, "room", jstring(f[3]));
	json_object_object_add(d, "room_name", jstring(f[4]));
	json_object_object_add(d, "state", jstring(f[5]));
	json_object_object_add(d, "properties", props);
	json_object_object_add(d, "updated_at", jstring(f[7]));
	binding_from_row(db, st, 9, d);
	return d;
}

/* Runs st and collects one JSON value per good row, made by row(db, st),
 * into a new array (*out, caller puts).  row returns NULL for a bad row
 * (logged there), which is left out.  *nread (may be NULL) gets the number
 * of rows read, good or bad. */
static int
collect(struct db *db, sqlite3_stmt *st,
    struct json_object *(*row)(struct db *, sqlite3_stmt *), const char *what,
    struct json_object **out, int64_t *nread)
{
	struct json_object *a = json_object_new_array(), *o;
	int64_t n = 0;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		n++;
		if ((o = row(db, st)) != NULL)
			json_object_array_add(a, o);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_object_put(a);
		return fail(db, what, rc);
	}
	*out = a;
	if (nread != NULL)
		*nread = n;
	return 0;
}

/* Runs sql (any number of statements); logs and returns -EIO on error. */
static int
exec_sql(struct db *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db->h, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	log_warnx("db: %s: %s", db->path, msg ? msg : sqlite3_errmsg(db->h));
	sqlite3_free(msg);
	return -EIO;
}

/* "'a', 'b', 'c'" for a NULL-ended list. */
static void
sql_list(sqlite3_str *s, const char *const *list)
{
	for (size_t i = 0; list[i] != NULL; i++)
		sqlite3_str_appendf(s, "%s%Q", i ? ", " : "", list[i]);
}

/* The expression of rule r, as a new string (sqlite3_free), or NULL. */
static char *
rule_expr(const struct rule *r)
{
	sqlite3_str *s = sqlite3_str_new(NULL);
	const struct model_type *t;

	if (r->expr != NULL) {
		sqlite3_str_appendall(s, r->expr);
	} else if (strcmp(r->name, "device_type") == 0) {
		sqlite3_str_appendall(s, "type IN (");
		sql_list(s, model_type_names);
		sqlite3_str_appendall(s, ")");
	} else if (strcmp(r->name, "device_state") == 0) {
		sqlite3_str_appendall(s, "CASE type");
		for (t = model_types; t->name != NULL; t++) {
			sqlite3_str_appendf(s, " WHEN %Q THEN state IN (", t->name);
			sql_list(s, t->states);
			sqlite3_str_appendall(s, ")");
		}
		sqlite3_str_appendall(s, " ELSE 0 END");
	} else if (strcmp(r->name, "scene_action") == 0) {
		sqlite3_str_appendall(s, "action IN (");
		sql_list(s, model_actions);
		sqlite3_str_appendall(s, ")");
	}
	return sqlite3_str_finish(s);
}

/* Rebuilds one table under its rules, the way SQLite documents for a change
 * ALTER TABLE cannot make (create the new table, copy, drop, rename): the
 * rows that break a rule go to the quarantine table instead.  *moved gets
 * how many did.  Runs inside the migration's transaction. */
static int
table_rebuild(struct db *db, const struct table *t, int *moved)
{
	sqlite3_str *create = sqlite3_str_new(db->h), *good = sqlite3_str_new(db->h);
	sqlite3_str *why = sqlite3_str_new(db->h), *row = sqlite3_str_new(db->h);
	sqlite3_str *names = sqlite3_str_new(db->h);
	char *sql = NULL, *e, *c = NULL, *g = NULL, *w = NULL, *j = NULL, *n = NULL;
	const struct rule *ru;
	size_t i;
	int r = -EIO;

	*moved = 0;
	sqlite3_str_appendf(create, "CREATE TABLE \"%w_new\" (%s", t->name, t->cols);
	sqlite3_str_appendall(why, "CASE");
	for (ru = t->rules; ru->name != NULL; ru++) {
		if ((e = rule_expr(ru)) == NULL)
			goto done;
		sqlite3_str_appendf(create, ", CONSTRAINT %s CHECK (coalesce((%s), 0))", ru->name,
		    e);
		sqlite3_str_appendf(good, "%scoalesce((%s), 0)", ru == t->rules ? "" : " AND ",
		    e);
		sqlite3_str_appendf(why, " WHEN NOT coalesce((%s), 0) THEN %Q", e, ru->why);
		sqlite3_free(e);
	}
	sqlite3_str_appendall(create, ")");
	sqlite3_str_appendall(why, " END");
	for (i = 0; t->names[i] != NULL; i++) {
		sqlite3_str_appendf(names, "%s\"%w\"", i ? ", " : "", t->names[i]);
		sqlite3_str_appendf(row, "%s%Q, ", i ? ", " : "", t->names[i]);
		sqlite3_str_appendf(row, AS_JSON("\"%w\""), t->names[i], t->names[i],
		    t->names[i]);
	}
	if ((c = sqlite3_str_finish(create)) == NULL || (g = sqlite3_str_finish(good)) == NULL ||
	    (w = sqlite3_str_finish(why)) == NULL || (j = sqlite3_str_finish(row)) == NULL ||
	    (n = sqlite3_str_finish(names)) == NULL) {
		create = good = why = row = names = NULL;
		r = -ENOMEM;
		goto done;
	}
	create = good = why = row = names = NULL;
	if (exec_sql(db, c) < 0)
		goto done;
	sql = sqlite3_mprintf("INSERT INTO quarantine(from_table, reason, row)"
	    " SELECT %Q, %s, json_object(%s) FROM \"%w\" WHERE NOT (%s)", t->name, w, j, t->name,
	    g);
	if (sql == NULL || exec_sql(db, sql) < 0)
		goto done;
	*moved = sqlite3_changes(db->h);
	sqlite3_free(sql);
	sql = sqlite3_mprintf("INSERT INTO \"%w_new\"(%s) SELECT %s FROM \"%w\" WHERE %s;"
	    /* An AUTOINCREMENT table's counter: the copy only raised it to
	     * the largest seq left, a pruned or quarantined newer seq would
	     * be handed out again. */
	    "UPDATE sqlite_sequence SET seq = max(seq,"
	    " (SELECT seq FROM sqlite_sequence WHERE name = %Q)) WHERE name = '%q_new';"
	    "INSERT INTO sqlite_sequence(name, seq) SELECT '%q_new', seq FROM sqlite_sequence"
	    " WHERE name = %Q AND NOT EXISTS"
	    " (SELECT 1 FROM sqlite_sequence WHERE name = '%q_new');"
	    "DROP TABLE \"%w\";"
	    "ALTER TABLE \"%w_new\" RENAME TO \"%w\"",
	    t->name, n, n, t->name, g, t->name, t->name, t->name, t->name, t->name, t->name,
	    t->name, t->name, t->name);
	if (sql == NULL || exec_sql(db, sql) < 0)
		goto done;
	r = 0;
done:
	sqlite3_free(sqlite3_str_finish(create));
	sqlite3_free(sqlite3_str_finish(good));
	sqlite3_free(sqlite3_str_finish(why));
	sqlite3_free(sqlite3_str_finish(row));
	sqlite3_free(sqlite3_str_finish(names));
	sqlite3_free(sql);
	sqlite3_free(c);
	sqlite3_free(g);
	sqlite3_free(w);
	sqlite3_free(j);
	sqlite3_free(n);
	return r;
}

/* Rebuilds every table of tables (n of them) under its rules, then runs
 * after (indexes and triggers: they went with the old tables).  Reports
 * each table that lost rows to the quarantine, and the total. */
static int
schema_rebuild(struct db *db, const struct table *tables, size_t n, const char *after)
{
	int moved, total = 0, r;

	/* The triggers first: renaming a table checks every trigger, and
	 * these name tables that are dropped on the way. */
	if ((r = exec_sql(db, "CREATE TABLE IF NOT EXISTS quarantine ("
	    "  id INTEGER PRIMARY KEY,"
	    "  at TEXT NOT NULL DEFAULT (" NOW_SQL "),"
	    "  from_table TEXT NOT NULL,"
	    "  reason TEXT NOT NULL,"
	    "  row TEXT NOT NULL);"
	    "DROP TRIGGER IF EXISTS devices_feed_insert;"
	    "DROP TRIGGER IF EXISTS devices_feed_update;"
	    "DROP TRIGGER IF EXISTS devices_feed_delete;"
	    "DROP TRIGGER IF EXISTS home_feed_update;"
	    "DROP TRIGGER IF EXISTS rooms_feed_insert;"
	    "DROP TRIGGER IF EXISTS rooms_feed_update;"
	    "DROP TRIGGER IF EXISTS rooms_feed_delete;"
	    "DROP TRIGGER IF EXISTS modes_feed_insert;"
	    "DROP TRIGGER IF EXISTS modes_feed_update;"
	    "DROP TRIGGER IF EXISTS modes_feed_delete;"
	    "DROP TRIGGER IF EXISTS scenes_feed_insert;"
	    "DROP TRIGGER IF EXISTS scenes_feed_update;"
	    "DROP TRIGGER IF EXISTS scenes_feed_delete")) < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		if ((r = table_rebuild(db, &tables[i], &moved)) < 0)
			return r;
		if (moved > 0)
			log_warnx("db: %s: %d row(s) of %s broke the schema's rules: moved to"
			    " the quarantine table", db->path, moved, tables[i].name);
		total += moved;
	}
	if ((r = exec_sql(db, after)) < 0)
		return r;
	if (total > 0)
		log_warnx("db: %s: %d row(s) quarantined in all (SELECT * FROM quarantine)",
		    db->path, total);
	db->quarantined += total;
	return 0;
}

static int
migrate_1(struct db *db)
{
	return exec_sql(db, SCHEMA_1);
}

static int
migrate_2(struct db *db)
{
	return schema_rebuild(db, TABLES_2, NELEMS(TABLES_2), INDEXES_2);
}

static int
migrate_3(struct db *db)
{
	int r;

	/* The copy reads every column of the new table from the old one. */
	if ((r = exec_sql(db, "ALTER TABLE changes ADD COLUMN subject TEXT")) < 0)
		return r;
	return schema_rebuild(db, TABLES_3, NELEMS(TABLES_3), INDEXES_3);
}

/* 3 -> 4: automations, their runs, and which automation made a change.  (A
 * later rebuild of changes must carry the automation column along.) */
static const char SCHEMA_4[] =
	"ALTER TABLE changes ADD COLUMN automation TEXT;"
	"CREATE TABLE automations ("
	"  name TEXT PRIMARY KEY NOT NULL CHECK (typeof(name) = 'text' AND length(name) > 0),"
	"  document TEXT NOT NULL CHECK (json_valid(document)"
	"    AND json_type(document) = 'object'),"
	"  created_at TEXT NOT NULL DEFAULT (" NOW_SQL "),"
	"  updated_at TEXT NOT NULL DEFAULT (" NOW_SQL "),"
	/* Seconds since the epoch of the last time or sun event handled: what
	 * a persistent automation catches up from after the host was off. */
	"  last_elapse INTEGER);"
	/* Bumped by every change of a document, so homectl-automations learns
	 * of edits from any writer with one cheap read per wake-up. */
	"CREATE TABLE automation_generation ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  generation INTEGER NOT NULL);"
	"INSERT INTO automation_generation(id, generation) VALUES (1, 0);"
	"CREATE TRIGGER automations_gen_insert AFTER INSERT ON automations BEGIN"
	"  UPDATE automation_generation SET generation = generation + 1;"
	"END;"
	"CREATE TRIGGER automations_gen_update AFTER UPDATE OF name, document ON automations"
	"  BEGIN UPDATE automation_generation SET generation = generation + 1;"
	"END;"
	"CREATE TRIGGER automations_gen_delete AFTER DELETE ON automations BEGIN"
	"  UPDATE automation_generation SET generation = generation + 1;"
	"END;"
	"CREATE TABLE automation_runs ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  automation TEXT NOT NULL REFERENCES automations(name)"
	"    ON DELETE CASCADE ON UPDATE CASCADE,"
	"  started_at TEXT NOT NULL DEFAULT (" NOW_SQL "),"
	"  finished_at TEXT,"
	"  trigger TEXT NOT NULL CHECK (json_valid(trigger)),"
	"  conditions TEXT CHECK (conditions IS NULL OR json_valid(conditions)),"
	"  outcome TEXT NOT NULL,"
	"  actions TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(actions)));"
	"CREATE INDEX automation_runs_by ON automation_runs(automation, id);"
	"CREATE INDEX automation_runs_requested ON automation_runs(outcome)"
	"  WHERE outcome = 'requested';";

static int
migrate_4(struct db *db)
{
	return exec_sql(db, SCHEMA_4);
}

/* 4 -> 5: real devices.  A device with a binding is moved by a driver
 * (homectl-mqtt) at an address, and is available or not; one without is
 * simulated (driver "sim", always online).  A command to a bound device is
 * a row of commands, pending until the device reports the state it asked
 * for or until it fails; its feed rows (kind "command", changes.command
 * naming it) tell homectl-mqtt to send it and every client that it is
 * pending.  Whoever writes the row (the sqlite3 shell too) commands the
 * device.  (A later rebuild of changes must carry the command column.) */
static const char SCHEMA_5[] =
	"CREATE TABLE bindings ("
	"  device_id TEXT PRIMARY KEY NOT NULL"
	"    REFERENCES devices(id) ON DELETE CASCADE ON UPDATE CASCADE,"
	"  driver TEXT NOT NULL CHECK (driver IN ('z2m', 'tasmota', 'shelly')),"
	"  address TEXT NOT NULL CHECK (typeof(address) = 'text' AND length(address) > 0),"
	"  caps TEXT NOT NULL DEFAULT '{}'"
	"    CHECK (json_valid(caps) AND json_type(caps) = 'object'),"
	"  available TEXT NOT NULL DEFAULT 'unknown'"
	"    CHECK (available IN ('online', 'offline', 'unknown')),"
	"  UNIQUE (driver, address));"
	"CREATE TABLE commands ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  device_id TEXT NOT NULL REFERENCES devices(id) ON DELETE CASCADE ON UPDATE CASCADE,"
	"  state TEXT NOT NULL CHECK (typeof(state) = 'text'),"
	"  properties TEXT NOT NULL DEFAULT '{}'"
	"    CHECK (json_valid(properties) AND json_type(properties) = 'object'),"
	"  source TEXT NOT NULL DEFAULT 'unknown',"
	"  status TEXT NOT NULL DEFAULT 'pending'"
	"    CHECK (status IN ('pending', 'confirmed', 'failed', 'superseded')),"
	"  error TEXT,"
	"  created_at TEXT NOT NULL DEFAULT (" NOW_SQL "),"
	"  deadline TEXT NOT NULL,"
	"  settled_at TEXT);"
	"CREATE INDEX commands_pending ON commands(device_id, id) WHERE status = 'pending';"
	"CREATE TRIGGER commands_feed_insert AFTER INSERT ON commands BEGIN"
	"  INSERT INTO changes(kind, device_id, state, properties, command)"
	"  VALUES ('command', NEW.device_id, NEW.state, NEW.properties, NEW.id);"
	"END;"
	"CREATE TRIGGER commands_feed_update AFTER UPDATE OF status ON commands"
	"  WHEN NEW.status IS NOT OLD.status BEGIN"
	"  INSERT INTO changes(kind, device_id, state, properties, command)"
	"  VALUES ('command', NEW.device_id, NEW.state, NEW.properties, NEW.id);"
	"END;"
	/* A device's availability and binding are part of the device: their
	 * changes reach every client as a device change. */
	"CREATE TRIGGER bindings_feed_insert AFTER INSERT ON bindings BEGIN"
	"  INSERT INTO changes(kind, device_id, state, properties)"
	"  SELECT 'device', id, state, properties FROM devices WHERE id = NEW.device_id;"
	"END;"
	"CREATE TRIGGER bindings_feed_update AFTER UPDATE ON bindings"
	"  WHEN NEW.available IS NOT OLD.available OR NEW.address IS NOT OLD.address"
	"    OR NEW.driver IS NOT OLD.driver BEGIN"
	"  INSERT INTO changes(kind, device_id, state, properties)"
	"  SELECT 'device', id, state, properties FROM devices WHERE id = NEW.device_id;"
	"END;";

/* Schema 5 adds "command" rows (command: which one). */
static const struct rule CHANGE_RULES_5[] = {
	{ "change_at", IS_TEXT("at"), "at is not a string" },
	{ "change_source", IS_TEXT("source"), "source is not a string" },
	{ "change_kind",
	    "CASE kind"
	    " WHEN 'device' THEN " IS_ID("device_id") " AND " IS_TEXT("state") " AND ("
	    IS_OBJECT("properties") ")"
	    " WHEN 'device_removed' THEN " IS_ID("device_id")
	    " WHEN 'mode' THEN " IS_ID("mode")
	    " WHEN 'home' THEN " IS_ID("subject")
	    " WHEN 'command' THEN " IS_ID("device_id") " AND " IS_TEXT("state") " AND ("
	    IS_OBJECT("properties") ") AND typeof(command) = 'integer'"
	    " ELSE 0 END",
	    "kind is not device, device_removed, mode, home or command with the fields it needs" },
	{ NULL, NULL, NULL }
};

static const struct table TABLES_5[] = {
	{ "changes", "seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	    " at TEXT NOT NULL DEFAULT (" NOW_SQL "),"
	    " source TEXT NOT NULL DEFAULT 'unknown', kind TEXT NOT NULL, device_id TEXT,"
	    " state TEXT, properties TEXT, mode TEXT, subject TEXT, automation TEXT,"
	    " command INTEGER",
	    COLS("seq", "at", "source", "kind", "device_id", "state", "properties", "mode",
	    "subject", "automation", "command"),
	    CHANGE_RULES_5 },
};

static const char INDEXES_5[] =
	"CREATE INDEX changes_device ON changes(device_id, seq);"
	"CREATE INDEX changes_at ON changes(at);"
	FEED_TRIGGERS
	HOME_TRIGGERS;

static int
migrate_5(struct db *db)
{
	int r;

	/* The copy reads every column of the new table from the old one. */
	if ((r = exec_sql(db, "ALTER TABLE changes ADD COLUMN command INTEGER")) < 0 ||
	    (r = schema_rebuild(db, TABLES_5, NELEMS(TABLES_5), INDEXES_5)) < 0)
		return r;
	return exec_sql(db, SCHEMA_5);
}

/* Forward migrations: MIGRATIONS[i] takes the schema from user_version i to
 * i + 1, in the transaction that also sets user_version.  Never edit a
 * released step; add one. */
/* Forward migrations: MIGRATIONS[i] takes the schema from user_version i to
 * i + 1, in the transaction that also sets user_version.  Never edit a
 * released step; add one. */
/* 5 -> 6: every token has a scope (read, control, full); the tokens made
 * before scopes existed could do everything, and still can.  (No schema
 * before 6 had a narrower token: the tokens table was name, hash,
 * created_at, last_used, and every token passed every REST route, the
 * WebSocket and /mcp alike; `read_only` in homectl.conf only ever limited
 * homectl-mcp, which takes no token.  full is the scope they had.) */
static int
migrate_6(struct db *db)
{
	return exec_sql(db, "ALTER TABLE tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'full'"
	    " CHECK (scope IN ('read', 'control', 'full'))");
}

/* 6 -> 7: homectl-api as an OAuth 2.1 authorization server (common/oauth.h).
 * A client registered itself (RFC 7591); a grant is what a person approved
 * for a client (its scope, the resource its tokens are for, the token of
 * the person who approved it: revoking that token ends the grant); codes
 * and tokens belong to a grant, and ending the grant ends them.  Like the
 * tokens table, only SHA-256 hashes of codes and tokens are stored; times
 * are Unix seconds.  "IF NOT EXISTS": a copy of a newer file whose
 * user_version was lowered has them. */
static const char SCHEMA_7[] =
	"CREATE TABLE IF NOT EXISTS oauth_clients ("
	"  id TEXT PRIMARY KEY NOT NULL"
	"    CONSTRAINT oauth_client_id CHECK (typeof(id) = 'text' AND length(id) > 0),"
	"  name TEXT NOT NULL CONSTRAINT oauth_client_name CHECK (typeof(name) = 'text'),"
	"  redirect_uris TEXT NOT NULL CONSTRAINT oauth_client_redirect_uris"
	"    CHECK (CASE WHEN typeof(redirect_uris) = 'text' AND json_valid(redirect_uris)"
	"      THEN json_type(redirect_uris) = 'array' ELSE 0 END),"
	"  created INTEGER NOT NULL CONSTRAINT oauth_client_created"
	"    CHECK (typeof(created) = 'integer'));"
	"CREATE TABLE IF NOT EXISTS oauth_grants ("
	"  id TEXT PRIMARY KEY NOT NULL"
	"    CONSTRAINT oauth_grant_id CHECK (typeof(id) = 'text' AND id LIKE 'oauth:%'),"
	"  client_id TEXT NOT NULL REFERENCES oauth_clients(id) ON DELETE CASCADE,"
	"  granted_by TEXT NOT NULL REFERENCES tokens(name) ON DELETE CASCADE,"
	"  scope TEXT NOT NULL CONSTRAINT oauth_grant_scope"
	"    CHECK (scope IN ('read', 'control', 'full')),"
	"  resource TEXT NOT NULL CONSTRAINT oauth_grant_resource CHECK (typeof(resource) = 'text'),"
	"  created INTEGER NOT NULL CONSTRAINT oauth_grant_created"
	"    CHECK (typeof(created) = 'integer'));"
	"CREATE INDEX IF NOT EXISTS oauth_grants_client ON oauth_grants(client_id);"
	"CREATE INDEX IF NOT EXISTS oauth_grants_granted_by ON oauth_grants(granted_by);"
	"CREATE TABLE IF NOT EXISTS oauth_codes ("
	"  hash TEXT PRIMARY KEY NOT NULL"
	"    CONSTRAINT oauth_code_hash CHECK (typeof(hash) = 'text' AND length(hash) = 64),"
	"  grant_id TEXT NOT NULL REFERENCES oauth_grants(id) ON DELETE CASCADE,"
	"  redirect_uri TEXT NOT NULL,"
	"  challenge TEXT NOT NULL,"
	"  expires INTEGER NOT NULL CONSTRAINT oauth_code_expires"
	"    CHECK (typeof(expires) = 'integer'),"
	"  used INTEGER NOT NULL DEFAULT 0 CONSTRAINT oauth_code_used CHECK (used IN (0, 1)));"
	"CREATE INDEX IF NOT EXISTS oauth_codes_grant ON oauth_codes(grant_id);"
	"CREATE TABLE IF NOT EXISTS oauth_tokens ("
	"  hash TEXT PRIMARY KEY NOT NULL"
	"    CONSTRAINT oauth_token_hash CHECK (typeof(hash) = 'text' AND length(hash) = 64),"
	"  grant_id TEXT NOT NULL REFERENCES oauth_grants(id) ON DELETE CASCADE,"
	"  kind TEXT NOT NULL CONSTRAINT oauth_token_kind CHECK (kind IN ('access', 'refresh')),"
	"  expires INTEGER NOT NULL CONSTRAINT oauth_token_expires"
	"    CHECK (typeof(expires) = 'integer'),"
	"  used INTEGER NOT NULL DEFAULT 0 CONSTRAINT oauth_token_used CHECK (used IN (0, 1)));"
	"CREATE INDEX IF NOT EXISTS oauth_tokens_grant ON oauth_tokens(grant_id);";

static int
migrate_7(struct db *db)
{
	return exec_sql(db, SCHEMA_7);
}

/* 7 -> 8: the change feed has an identity (docs/protocol.md, "Resuming"):
 * a random value made with the database and made again whenever the
 * feed's history is rewritten, so that a client resuming with a seq of an
 * older history gets a snapshot instead of a delta.  Made again by
 * db_restore, by the trigger below when the newest rows are deleted
 * (`DELETE FROM changes`: pruning removes the oldest), and by the watcher
 * when it finds that the feed went back under it (common/watch.c).  "IF NOT
 * EXISTS": a copy of a newer file whose user_version was lowered has them. */
static const char SCHEMA_8[] =
	"CREATE TABLE IF NOT EXISTS meta ("
	"  key TEXT PRIMARY KEY NOT NULL,"
	"  value TEXT NOT NULL) WITHOUT ROWID;"
	"INSERT OR REPLACE INTO meta(key, value) VALUES ('feed_id', " FEED_ID_SQL ");"
	"CREATE TRIGGER IF NOT EXISTS changes_rewritten AFTER DELETE ON changes"
	"  WHEN NOT EXISTS (SELECT 1 FROM changes WHERE seq > OLD.seq) BEGIN"
	"  UPDATE meta SET value = " FEED_ID_SQL " WHERE key = 'feed_id';"
	"END;";

static int
migrate_8(struct db *db)
{
	return exec_sql(db, SCHEMA_8);
}

/* 8 -> 9: the person's consent that an automation may open the home: the
 * opening actions (unlocking a door, opening the garage) they allowed it,
 * [{"device", "action"}], or NULL (none: such an action fails when the
 * automation runs, as before).  Set only with a yes (ops_automation_put,
 * ops_automation_enable), cleared by every new document; its changes
 * reach homectl-automations like the document's. */
static int
migrate_9(struct db *db)
{
	sqlite3_stmt *st = NULL;
	bool have = false;
	int r;

	/* A copy of a newer file whose user_version was lowered has it. */
	if (sqlite3_prepare_v2(db->h, "SELECT 1 FROM pragma_table_info('automations')"
	    " WHERE name = 'consent'", -1, &st, NULL) != SQLITE_OK)
		return fail(db, "migrate 9", sqlite3_errcode(db->h));
	have = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	if (!have && (r = exec_sql(db, "ALTER TABLE automations ADD COLUMN consent TEXT"
	    " CHECK (consent IS NULL OR (json_valid(consent) AND json_type(consent) = 'array'))"))
	    < 0)
		return r;
	return exec_sql(db, "DROP TRIGGER IF EXISTS automations_gen_update;"
	    "CREATE TRIGGER automations_gen_update AFTER UPDATE OF name, document, consent"
	    "  ON automations BEGIN"
	    "  UPDATE automation_generation SET generation = generation + 1;"
	    "END;");
}

/* 9 -> 10: how a run ended, in the feed.  When a run of an automation
 * ends (homectl-automations records it; a forced device removal disables
 * one with a run), an "automation" row names the automation (subject),
 * says how the run ended (state: done, failed, disabled, ...) and carries
 * {"run": id, "error": the first action's error or null, "trigger",
 * "started_at", "finished_at"} (properties), so that every dashboard and
 * assistant learns at once that an automation failed, and why, like any
 * other change, whoever wrote the run.  A run whose conditions kept it from
 * starting (skipped) is no change of the home and is left out.  The feed's
 * rule on kinds takes the new kind: the changes table is rebuilt (its
 * rows kept) and with it the triggers that name it. */
static const struct rule CHANGE_RULES_10[] = {
	{ "change_at", IS_TEXT("at"), "at is not a string" },
	{ "change_source", IS_TEXT("source"), "source is not a string" },
	{ "change_kind",
	    "CASE kind"
	    " WHEN 'device' THEN " IS_ID("device_id") " AND " IS_TEXT("state") " AND ("
	    IS_OBJECT("properties") ")"
	    " WHEN 'device_removed' THEN " IS_ID("device_id")
	    " WHEN 'mode' THEN " IS_ID("mode")
	    " WHEN 'home' THEN " IS_ID("subject")
	    " WHEN 'command' THEN " IS_ID("device_id") " AND " IS_TEXT("state") " AND ("
	    IS_OBJECT("properties") ") AND typeof(command) = 'integer'"
	    " WHEN 'automation' THEN " IS_ID("subject") " AND " IS_ID("state") " AND ("
	    IS_OBJECT("properties") ")"
	    " ELSE 0 END",
	    "kind is not device, device_removed, mode, home, command or automation with the fields"
	    " it needs" },
	{ NULL, NULL, NULL }
};

static const struct table TABLES_10[] = {
	{ "changes", "seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	    " at TEXT NOT NULL DEFAULT (" NOW_SQL "),"
	    " source TEXT NOT NULL DEFAULT 'unknown', kind TEXT NOT NULL, device_id TEXT,"
	    " state TEXT, properties TEXT, mode TEXT, subject TEXT, automation TEXT,"
	    " command INTEGER",
	    COLS("seq", "at", "source", "kind", "device_id", "state", "properties", "mode",
	    "subject", "automation", "command"),
	    CHANGE_RULES_10 },
};

/* The run's row of the feed.  The source is "automation" (the daemon
 * records runs itself); ops claims the rows of its own writes (a forced
 * removal: the person's source). */
#define RUN_FEED_ROW \
	"  INSERT INTO changes(source, kind, subject, state, properties)" \
	"  VALUES ('automation', 'automation', NEW.automation, NEW.outcome," \
	"    json_object('run', NEW.id, 'error', (SELECT json_extract(value, '$.error')" \
	"      FROM json_each(CASE WHEN json_valid(NEW.actions) THEN NEW.actions ELSE '[]' END)" \
	"      WHERE json_type(value, '$.error') = 'text' LIMIT 1)," \
	"      'trigger', CASE WHEN json_valid(NEW.trigger) THEN json(NEW.trigger) END," \
	"      'started_at', NEW.started_at, 'finished_at', NEW.finished_at));"

static const char INDEXES_10[] =
	"CREATE INDEX changes_device ON changes(device_id, seq);"
	"CREATE INDEX changes_at ON changes(at);"
	FEED_TRIGGERS
	HOME_TRIGGERS
	/* Those of schema 5 and 8, as they were: dropped with the old table. */
	"CREATE TRIGGER commands_feed_insert AFTER INSERT ON commands BEGIN"
	"  INSERT INTO changes(kind, device_id, state, properties, command)"
	"  VALUES ('command', NEW.device_id, NEW.state, NEW.properties, NEW.id);"
	"END;"
	"CREATE TRIGGER commands_feed_update AFTER UPDATE OF status ON commands"
	"  WHEN NEW.status IS NOT OLD.status BEGIN"
	"  INSERT INTO changes(kind, device_id, state, properties, command)"
	"  VALUES ('command', NEW.device_id, NEW.state, NEW.properties, NEW.id);"
	"END;"
	"CREATE TRIGGER bindings_feed_insert AFTER INSERT ON bindings BEGIN"
	"  INSERT INTO changes(kind, device_id, state, properties)"
	"  SELECT 'device', id, state, properties FROM devices WHERE id = NEW.device_id;"
	"END;"
	"CREATE TRIGGER bindings_feed_update AFTER UPDATE ON bindings"
	"  WHEN NEW.available IS NOT OLD.available OR NEW.address IS NOT OLD.address"
	"    OR NEW.driver IS NOT OLD.driver BEGIN"
	"  INSERT INTO changes(kind, device_id, state, properties)"
	"  SELECT 'device', id, state, properties FROM devices WHERE id = NEW.device_id;"
	"END;"
	"CREATE TRIGGER changes_rewritten AFTER DELETE ON changes"
	"  WHEN NOT EXISTS (SELECT 1 FROM changes WHERE seq > OLD.seq) BEGIN"
	"  UPDATE meta SET value = " FEED_ID_SQL " WHERE key = 'feed_id';"
	"END;"
	/* A run ends when it gets its finished_at (db_run_update), or is
	 * written finished (the sqlite3 shell). */
	"CREATE TRIGGER runs_feed_update AFTER UPDATE OF finished_at ON automation_runs"
	"  WHEN OLD.finished_at IS NULL AND NEW.finished_at IS NOT NULL"
	"    AND NEW.outcome IS NOT 'skipped' AND length(NEW.outcome) > 0 BEGIN"
	RUN_FEED_ROW
	"END;"
	"CREATE TRIGGER runs_feed_insert AFTER INSERT ON automation_runs"
	"  WHEN NEW.finished_at IS NOT NULL AND NEW.outcome IS NOT 'skipped'"
	"    AND length(NEW.outcome) > 0 BEGIN"
	RUN_FEED_ROW
	"END;";

static int
migrate_10(struct db *db)
{
	int r;

	/* The triggers on other tables that name changes: renaming the new
	 * table checks them, and the old one is gone by then. */
	if ((r = exec_sql(db, "DROP TRIGGER IF EXISTS commands_feed_insert;"
	    "DROP TRIGGER IF EXISTS commands_feed_update;"
	    "DROP TRIGGER IF EXISTS bindings_feed_insert;"
	    "DROP TRIGGER IF EXISTS bindings_feed_update;"
	    "DROP TRIGGER IF EXISTS runs_feed_update;"
	    "DROP TRIGGER IF EXISTS runs_feed_insert")) < 0)
		return r;
	return schema_rebuild(db, TABLES_10, NELEMS(TABLES_10), INDEXES_10);
}

static int (*const MIGRATIONS[])(struct db *) = { migrate_1, migrate_2, migrate_3, migrate_4,
	migrate_5, migrate_6, migrate_7, migrate_8, migrate_9,
	migrate_10 };

static int
migrate(struct db *db)
{
	sqlite3_stmt *st = NULL;
	int version, rc, r = 0;
	size_t i;

	if ((rc = sqlite3_prepare_v2(db->h, "PRAGMA user_version", -1, &st, NULL)) !=
	    SQLITE_OK || (rc = sqlite3_step(st)) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return fail(db, "user_version", rc);
	}
	version = sqlite3_column_int(st, 0);
	/* An unfinished statement would keep DROP TABLE from running. */
	sqlite3_finalize(st);
	if (version > (int)NELEMS(MIGRATIONS)) {
		log_warnx("db: %s: schema version %d is newer than this homectl (%zu)", db->path,
		    version, NELEMS(MIGRATIONS));
		return -EPROTO;
	}
	if ((size_t)version == NELEMS(MIGRATIONS))
		return 0;
	/* A table rebuild drops tables others reference: foreign keys stay
	 * off until it is done (a no-op inside a transaction, so here). */
	if ((r = exec_sql(db, "PRAGMA foreign_keys = OFF")) < 0)
		return r;
	for (i = (size_t)version; i < NELEMS(MIGRATIONS); i++) {
		char sql[64];

		snprintf(sql, sizeof(sql), "PRAGMA user_version = %zu", i + 1);
		/* Each step and its version bump commit together. */
		if ((r = exec_sql(db, "BEGIN IMMEDIATE")) < 0)
			break;
		if ((r = MIGRATIONS[i](db)) < 0 || (r = exec_sql(db, sql)) < 0 ||
		    (r = exec_sql(db, "COMMIT")) < 0) {
			log_warnx("db: %s: migration to schema %zu failed, nothing changed",
			    db->path, i + 1);
			sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
			break;
		}
		log_debug("db: %s: migrated to schema %zu", db->path, i + 1);
	}
	if (exec_sql(db, "PRAGMA foreign_keys = ON") < 0 && r == 0)
		r = -EIO;
	return r;
}

/* A database root creates (`sudo homectl init` in /var/lib/homectl) belongs
 * to whoever owns its directory, the service's user, not to root: the
 * daemons must write it.  SQLite itself gives the -wal and -shm files the
 * database's owner when it runs as root. */
static void
give_to_directory_owner(int fd, const char *path)
{
	struct stat dir;
	char *copy;

	if (geteuid() != 0 || (copy = strdup(path)) == NULL)
		return;
	if (stat(dirname(copy), &dir) == 0 && dir.st_uid != 0 &&
	    fchown(fd, dir.st_uid, dir.st_gid) < 0)
		log_warn("db: %s: chown", path);
	free(copy);
}

static ino_t
ino_of(const char *path, const char *suffix, dev_t *dev)
{
	char name[PATH_MAX];
	struct stat st;

	if ((size_t)snprintf(name, sizeof(name), "%s%s", path, suffix) >= sizeof(name) ||
	    stat(name, &st) < 0)
		return 0;
	if (dev != NULL)
		*dev = st.st_dev;
	return st.st_ino;
}

/* What the path and its -wal and -shm name now. */
static void
id_read(const char *path, struct db_id *id)
{
	memset(id, 0, sizeof(*id));
	id->ino = ino_of(path, "", &id->dev);
	id->wal = ino_of(path, "-wal", NULL);
	id->shm = ino_of(path, "-shm", NULL);
}

int
db_open(const char *path, int flags, struct db **out)
{
	struct db_id before;
	struct db *db = NULL;
	int oflags = SQLITE_OPEN_NOMUTEX, r = -EIO;
	char *msg = NULL;

	*out = NULL;
	id_read(path, &before);
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
	 * files the database's mode.  An existing file keeps its mode.  ":memory:"
	 * and "" (a temporary database) are no files at all. */
	if ((flags & DB_CREATE) && !(flags & DB_READONLY) && strcmp(path, ":memory:") != 0 &&
	    path[0] != '\0') {
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

		if (fd >= 0) {
			give_to_directory_owner(fd, path);
			close(fd);
		} else if (errno != EEXIST) {
			log_debug("db: %s: %s", path, strerror(errno));
		}
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
	if (flags & DB_NOWAIT)
		sqlite3_busy_timeout(db->h, 0);
	db->feed_without_subject = db_schema_version(db) < 3;
	db->feed_without_automation = db_schema_version(db) < 4;
	/* A read opens the -wal and -shm; then note which files are ours. */
	if (sqlite3_exec(db->h, "PRAGMA schema_version", NULL, NULL, &msg) != SQLITE_OK)
		goto fail_msg;
	db->flags = flags;
	id_read(path, &db->id);
	/* A file replaced while we opened: which one SQLite holds is not
	 * known, so the next db_file_check says "changed" and a daemon opens
	 * again (a -wal removed between SQLite's open and our look would
	 * otherwise pass for one that never was).  Short-lived commands skip
	 * this: two of them starting and ending at once replace the -wal
	 * legitimately. */
	if ((flags & DB_NOWAIT) && before.ino != 0 && (before.ino != db->id.ino ||
	    (before.wal != 0 && before.wal != db->id.wal) ||
	    (before.shm != 0 && before.shm != db->id.shm)))
		db->id.shm = (ino_t)-1;
	db->without_bindings = db_schema_version(db) < 5;
	db->without_scopes = db_schema_version(db) < 6;
	db->without_oauth = db_schema_version(db) < 7;
	db->without_consent = db_schema_version(db) < 9;
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
db_quarantined(const struct db *db)
{
	return db->quarantined;
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

enum db_file
db_file_check(struct db *db)
{
	struct db_id now;

	id_read(db->path, &now);
	if (now.ino != db->id.ino || now.dev != db->id.dev)
		return DB_FILE_MOVED;
	/* One that appeared where there was none is only SQLite at work:
	 * it is ours from now on. */
	if ((db->id.wal != 0 && now.wal != db->id.wal) ||
	    (db->id.shm != 0 && now.shm != db->id.shm))
		return DB_FILE_WAL_GONE;
	db->id.wal = now.wal;
	db->id.shm = now.shm;
	return DB_FILE_SAME;
}

int
db_reopen(struct db **dbs, size_t n)
{
	enum db_file how[8];
	bool moved = false, any = false;
	struct db *nw = NULL;
	size_t i, q;
	int r = 0, rr;

	if (n > NELEMS(how))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		how[i] = db_file_check(dbs[i]);
		moved = moved || how[i] == DB_FILE_MOVED;
		any = any || how[i] != DB_FILE_SAME;
	}
	if (!any)
		return 0;
	/* Nothing at the path: keep what is open (reads go on, writes are
	 * refused by db_begin) rather than create an empty home. */
	if (access(dbs[0]->path, F_OK) < 0)
		return -errno;
	/* The database itself was moved away: empty its WAL into it first.
	 * The -wal keeps its name, and the file now at the path would take
	 * the old file's frames in it for its own. */
	for (i = 0; moved && i < n; i++)
		if (how[i] == DB_FILE_MOVED && dbs[i]->id.ino != (ino_t)-1) {
			if (sqlite3_exec(dbs[i]->h, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL,
			    NULL) != SQLITE_OK)
				log_warnx("db: %s was replaced; its old WAL could not be emptied: %s",
				    dbs[i]->path, sqlite3_errmsg(dbs[i]->h));
			break;
		}
	/* Every old connection closes before any new one opens, even one that
	 * looks unchanged: SQLite shares one -shm mapping among a process's
	 * connections to a file, so a new connection beside an old one would
	 * use the old, removed -shm.  They
	 * close without a checkpoint and without removing anything: the
	 * -wal and -shm names may belong to the new file now. */
	for (i = 0; i < n; i++) {
		for (q = 0; q < Q_COUNT; q++) {
			sqlite3_finalize(dbs[i]->stmt[q]);
			dbs[i]->stmt[q] = NULL;
		}
		sqlite3_db_config(dbs[i]->h, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
		sqlite3_close(dbs[i]->h);
		dbs[i]->h = NULL;
	}
	for (i = 0; i < n; i++) {
		if (dbs[i]->h != NULL)
			continue;
		/* Never create: a removed database is not replaced by an empty one. */
		if ((rr = db_open(dbs[i]->path, dbs[i]->flags & ~DB_CREATE, &nw)) < 0) {
			/* A connection that fails every query and refuses every
			 * write (its id matches no file) until the next try. */
			log_warnx("db: %s: cannot open the file now at this path: %s", dbs[i]->path,
			    strerror(-rr));
			sqlite3_open_v2(":memory:", &dbs[i]->h, SQLITE_OPEN_READWRITE, NULL);
			memset(&dbs[i]->id, 0, sizeof(dbs[i]->id));
			dbs[i]->id.ino = (ino_t)-1;
			r = rr;
			continue;
		}
		dbs[i]->h = nw->h;
		dbs[i]->id = nw->id;
		dbs[i]->feed_without_subject = nw->feed_without_subject;
		dbs[i]->feed_without_automation = nw->feed_without_automation;
		dbs[i]->without_bindings = nw->without_bindings;
		dbs[i]->without_scopes = nw->without_scopes;
		dbs[i]->without_consent = nw->without_consent;
		nw->h = NULL;
		db_close(nw);
	}
	/* They share the first one's -shm mapping, whatever the names said
	 * when the others looked. */
	for (i = 1; r == 0 && i < n; i++)
		dbs[i]->id = dbs[0]->id;
	if (r == 0)
		log_info("db: %s: reopened (%s)", dbs[0]->path, moved ?
		    "another file is at this path" : "its -wal or -shm file was removed");
	return r;
}

int
db_schema_current(void)
{
	return (int)NELEMS(MIGRATIONS);
}

int
db_quick_check(struct db *db, char *problem, size_t len)
{
	sqlite3_stmt *st = NULL;
	const char *msg;
	int rc, r = -EIO;

	/* quick_check: the structure of every page and index, without the
	 * index-against-table comparison that makes integrity_check slow. */
	snprintf(problem, len, "%s", "cannot run PRAGMA quick_check");
	if (sqlite3_prepare_v2(db->h, "PRAGMA quick_check(1)", -1, &st, NULL) != SQLITE_OK) {
		snprintf(problem, len, "%s", sqlite3_errmsg(db->h));
		goto done;
	}
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		snprintf(problem, len, "%s", sqlite3_errmsg(db->h));
		goto done;
	}
	msg = (const char *)sqlite3_column_text(st, 0);
	if (msg != NULL && strcmp(msg, "ok") == 0) {
		problem[0] = '\0';
		r = 0;
	} else {
		snprintf(problem, len, "%s", msg != NULL ? msg : "no answer");
		/* SQLite's report spans lines; the caller prints one. */
		for (char *p = problem; *p != '\0'; p++)
			if (*p == '\n')
				*p = ' ';
		r = -EBADMSG;
	}
done:
	sqlite3_finalize(st);
	return r;
}

int
db_begin(struct db *db, bool write)
{
	sqlite3_stmt *st;

	/* No write goes into a file that is no longer the database. */
	if (write && db_file_check(db) != DB_FILE_SAME)
		return -ESTALE;
	if ((st = prep(db, write ? Q_BEGIN_WRITE : Q_BEGIN_READ)) == NULL)
		return -EIO;
	return exec_done(db, st, "begin");
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
room_from_row(struct db *db, sqlite3_stmt *st)
{
	struct json_object *r;
	bool bad = false;
	const char *id = col_text(st, 0, &bad), *name = col_text(st, 1, &bad);

	if (bad || id == NULL || id[0] == '\0' || name == NULL) {
		bad_data(db, "rooms", sqlite3_column_int64(st, 3),
		    "an id or name that is not UTF-8 text");
		return NULL;
	}
	r = json_object_new_object();
	json_object_object_add(r, "id", jstring(id));
	json_object_object_add(r, "name", jstring(name));
	json_object_object_add(r, "devices", json_object_new_int64(sqlite3_column_int64(st, 2)));
	json_object_object_add(r, "position", json_object_new_int64(sqlite3_column_int64(st, 4)));
	return r;
}

int
db_rooms(struct db *db, struct json_object **out)
{
	sqlite3_stmt *st = prep(db, Q_ROOMS);

	return st ? collect(db, st, room_from_row, "rooms", out, NULL) : -EIO;
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
	sqlite3_stmt *st = prep(db, db->without_bindings ? Q_DEVICE_GET_4 : Q_DEVICE_GET);
	struct json_object *d = NULL;
	int rc;

	if (st == NULL || bind_text(st, 1, id))
		return -EIO;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		d = device_from_row(db, st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW) {
		/* A bad row is not there, for a lookup as for a list. */
		if (d == NULL)
			return -ENOENT;
		*out = d;
		return 0;
	}
	return rc == SQLITE_DONE ? -ENOENT : fail(db, "device get", rc);
}

int
db_devices(struct db *db, const char *room, const char *type, struct json_object **out)
{
	sqlite3_stmt *st = prep(db, db->without_bindings ? Q_DEVICES_4 : Q_DEVICES);

	if (st == NULL || bind_text(st, 1, room) || bind_text(st, 2, type))
		return -EIO;
	return collect(db, st, device_from_row, "devices", out, NULL);
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
	const char *id;
	size_t n = 0;
	bool bad;
	int rc;

	if (st == NULL)
		return -EIO;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		bad = false;
		if ((id = col_text(st, 0, &bad)) == NULL || bad) {
			bad_data(db, "devices", sqlite3_column_int64(st, 1), "an id that is not text");
			continue;
		}
		if ((tmp = realloc(ids, (n + 2) * sizeof(*ids))) == NULL)
			break;
		ids = tmp;
		if ((ids[n] = strdup(id)) == NULL)
			break;
		ids[++n] = NULL;
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
	const char *m;
	bool bad = false;
	int rc, r;

	if (st == NULL)
		return -EIO;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return rc == SQLITE_DONE ? -ENOENT : fail(db, "mode get", rc);
	}
	/* A home row without a usable mode has none. */
	if ((m = col_text(st, 0, &bad)) == NULL || bad || m[0] == '\0') {
		bad_data(db, "home", sqlite3_column_int64(st, 1), "a mode that is not text");
		r = -ENOENT;
	} else {
		r = (*mode = strdup(m)) != NULL ? 0 : -ENOMEM;
	}
	sqlite3_reset(st);
	return r;
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
step_from_row(struct db *db, sqlite3_stmt *st)
{
	struct json_object *s, *props = NULL;
	int64_t rowid = sqlite3_column_int64(st, 3);
	bool bad = false;
	const char *dev = col_text(st, 0, &bad), *action = col_text(st, 1, &bad);
	const char *p = col_text(st, 2, &bad);

	if (bad || dev == NULL || dev[0] == '\0' || !str_in(action, model_actions) ||
	    (props = props_parse(db, p, NULL, "scenes", rowid)) == NULL) {
		bad_data(db, "scenes", rowid, "a device, action or properties it cannot have");
		return NULL;
	}
	s = json_object_new_object();
	json_object_object_add(s, "device_id", jstring(dev));
	json_object_object_add(s, "action", jstring(action));
	json_object_object_add(s, "properties", props);
	return s;
}

/* The scene of one mode as [{"device_id","action","properties"}]. */
static int
scene_of(struct db *db, const char *mode, struct json_object **out)
{
	sqlite3_stmt *st = prep(db, Q_SCENE);

	if (st == NULL || bind_text(st, 1, mode))
		return -EIO;
	return collect(db, st, step_from_row, "scene", out, NULL);
}

static struct json_object *
mode_from_row(struct db *db, sqlite3_stmt *st)
{
	struct json_object *m;
	bool bad = false;
	const char *name = col_text(st, 0, &bad), *desc = col_text(st, 1, &bad);

	if (bad || name == NULL || name[0] == '\0' || desc == NULL) {
		bad_data(db, "modes", sqlite3_column_int64(st, 2),
		    "a name or description that is not UTF-8 text");
		return NULL;
	}
	m = json_object_new_object();
	json_object_object_add(m, "name", jstring(name));
	json_object_object_add(m, "description", jstring(desc));
	return m;
}

/* The modes a Q_MODES or Q_MODE_ONE statement selects, scenes included. */
static int
modes_collect(struct db *db, sqlite3_stmt *st, struct json_object **out)
{
	struct json_object *a = NULL, *m, *scene = NULL;
	size_t i, n;
	int r;

	if ((r = collect(db, st, mode_from_row, "modes", &a, NULL)) < 0)
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

/* The details of an "automation" row (schema 10): a JSON object, or NULL.
 * Caller puts. */
static struct json_object *
run_parse(const char *s)
{
	struct json_object *o;
	char err[128];

	if (s == NULL || (o = json_parse_strict(s, strlen(s), err, sizeof(err))) == NULL)
		return NULL;
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* A change from a row of Q_CHANGES, or NULL (logged) when the row is bad:
 * no kind homectl knows, or not the fields its kind needs. */
static struct json_object *
change_from_row(struct db *db, sqlite3_stmt *st)
{
	struct json_object *c, *d, *props = NULL;
	int64_t seq = sqlite3_column_int64(st, 0);
	const char *f[12], *subject, *automation = NULL, *kind, *why = NULL;
	const struct model_type *t = NULL;
	bool bad = false, gone = sqlite3_column_type(st, 12) == SQLITE_NULL;
	int i;

	db->change_seq = seq;
	for (i = 1; i < 12; i++)
		f[i] = col_text(st, i, &bad);
	subject = col_text(st, 13, &bad);
	/* Only the queries of schema 4 on have the column. */
	if (sqlite3_column_count(st) > 14)
		automation = col_text(st, 14, &bad);
	kind = f[3];
	if (bad)
		why = "a field that is not UTF-8 text";
	else if (f[1] == NULL || f[2] == NULL)
		why = "no time or source";
	else if (kind == NULL)
		why = "no kind";
	else if (strcmp(kind, "mode") == 0)
		why = f[7] == NULL || f[7][0] == '\0' ? "a mode change without a mode" : NULL;
	else if (strcmp(kind, "device_removed") == 0)
		why = f[4] == NULL || f[4][0] == '\0' ? "a removal without a device" : NULL;
	else if (strcmp(kind, "home") == 0)
		why = subject == NULL || subject[0] == '\0' ? "a home edit without a subject" :
		    NULL;
	else if (strcmp(kind, "automation") == 0)
		why = subject == NULL || subject[0] == '\0' || f[5] == NULL || f[5][0] == '\0' ?
		    "a run without an automation or an outcome" :
		    (props = run_parse(f[6])) == NULL ? "a run whose details are not a JSON object" :
		    NULL;
	else if (strcmp(kind, "device") != 0 && strcmp(kind, "command") != 0)
		why = "a kind homectl does not know";
	else if (f[4] == NULL || f[4][0] == '\0' || f[5] == NULL)
		why = "a device change without a device or state";
	/* The device as it is now: checked like any device row, unless it
	 * is gone (its name, type and room are then null). */
	else if (!gone && (f[8] == NULL || (t = model_type_find(f[9])) == NULL ||
	    !model_has_state(t, f[5])))
		why = "a device with no name, an unknown type or a state it does not have";
	else if ((props = props_parse(db, f[6], t, "changes", seq)) == NULL)
		why = "properties that are not a JSON object";
	if (why != NULL) {
		bad_data(db, "changes", seq, why);
		return NULL;
	}
	c = json_object_new_object();
	json_object_object_add(c, "seq", json_object_new_int64(seq));
	json_object_object_add(c, "at", jstring(f[1]));
	json_object_object_add(c, "source", jstring(f[2]));
	json_object_object_add(c, "kind", jstring(kind));
	if (automation != NULL)
		json_object_object_add(c, "automation", jstring(automation));
	if (strcmp(kind, "mode") == 0) {
		json_object_object_add(c, "mode", jstring(f[7]));
	} else if (strcmp(kind, "home") == 0) {
		json_object_object_add(c, "subject", jstring(subject));
	} else if (strcmp(kind, "automation") == 0) {
		/* {"automation", "id", "outcome", "error", "trigger",
		 * "started_at", "finished_at"}: the details the trigger kept,
		 * and what the row's columns say. */
		struct json_object *id = NULL;

		json_object_object_get_ex(props, "run", &id);
		json_object_object_add(props, "id", json_object_get(id));
		json_object_object_del(props, "run");
		json_object_object_add(props, "automation", jstring(subject));
		json_object_object_add(props, "outcome", jstring(f[5]));
		json_object_object_add(c, "run", props);
	} else if (strcmp(kind, "device") == 0) {
		/* The state and properties as of this change; name, type and
		 * room as the device has them now. */
		d = json_object_new_object();
		json_object_object_add(d, "id", jstring(f[4]));
		json_object_object_add(d, "name", jstring(f[8]));
		json_object_object_add(d, "type", jstring(f[9]));
		json_object_object_add(d, "room", jstring(f[10]));
		json_object_object_add(d, "room_name", jstring(f[11]));
		json_object_object_add(d, "state", jstring(f[5]));
		json_object_object_add(d, "properties", props);
		json_object_object_add(d, "updated_at", jstring(f[1]));
		binding_from_row(db, st, 15, d);
		json_object_object_add(c, "device", d);
	} else if (strcmp(kind, "command") == 0) {
		/* What was asked (as of this change) and how it ended (as now). */
		struct json_object *k = json_object_new_object(), *now;
		bool extra = sqlite3_column_count(st) > 30;

		json_object_object_add(k, "id", extra && sqlite3_column_type(st, 24) ==
		    SQLITE_INTEGER ? json_object_new_int64(sqlite3_column_int64(st, 24)) : NULL);
		json_object_object_add(k, "device_id", jstring(f[4]));
		json_object_object_add(k, "state", jstring(f[5]));
		json_object_object_add(k, "properties", props);
		json_object_object_add(k, "status", extra ? jstring(col_text(st, 25, &bad)) : NULL);
		json_object_object_add(k, "error", extra ? jstring(col_text(st, 26, &bad)) : NULL);
		json_object_object_add(k, "requested_by", extra ? jstring(col_text(st, 27, &bad)) :
		    NULL);
		json_object_object_add(c, "command", k);
		/* The device as it is now: its reported state and its pending
		 * command, so a client can show both. */
		const char *state_now = extra ? col_text(st, 28, &bad) : NULL;

		if (state_now != NULL && !gone && model_has_state(t, state_now) &&
		    (now = props_parse(db, col_text(st, 29, &bad), t, "devices",
			sqlite3_column_int64(st, 12))) != NULL) {
			d = json_object_new_object();
			json_object_object_add(d, "id", jstring(f[4]));
			json_object_object_add(d, "name", jstring(f[8]));
			json_object_object_add(d, "type", jstring(f[9]));
			json_object_object_add(d, "room", jstring(f[10]));
			json_object_object_add(d, "room_name", jstring(f[11]));
			json_object_object_add(d, "state", jstring(state_now));
			json_object_object_add(d, "properties", now);
			json_object_object_add(d, "updated_at", jstring(col_text(st, 30, &bad)));
			binding_from_row(db, st, 15, d);
			json_object_object_add(c, "device", d);
		}
	} else {
		json_object_object_add(c, "device_id", jstring(f[4]));
	}
	return c;
}

int
db_changes(struct db *db, int64_t since, int64_t limit, const char *device_id,
    struct json_object **out, int64_t *last)
{
	sqlite3_stmt *st = prep(db, db->feed_without_subject ? Q_CHANGES_2 :
	    db->feed_without_automation ? Q_CHANGES_3 : db->without_bindings ? Q_CHANGES_4 :
	    Q_CHANGES);
	int64_t n = 0;
	int r;

	if (st == NULL || sqlite3_bind_int64(st, 1, since) || bind_text(st, 2, device_id) ||
	    sqlite3_bind_int64(st, 3, limit > 0 ? limit : -1))
		return -EIO;
	db->change_seq = since;
	if ((r = collect(db, st, change_from_row, "changes", out, &n)) < 0)
		return r;
	/* Rows come in seq order: the last one read, good or bad, is where
	 * the next read starts, so a skipped row never stops a reader. */
	if (last != NULL)
		*last = db->change_seq;
	return n > INT_MAX ? INT_MAX : (int)n;
}

int
db_changes_latest(struct db *db, int64_t limit, const char *device_id, struct json_object **out)
{
	sqlite3_stmt *st = prep(db, db->feed_without_subject ? Q_CHANGES_LATEST_2 :
	    db->feed_without_automation ? Q_CHANGES_LATEST_3 : db->without_bindings ?
	    Q_CHANGES_LATEST_4 : Q_CHANGES_LATEST);
	int r;

	if (st == NULL || bind_text(st, 1, device_id) ||
	    sqlite3_bind_int64(st, 2, limit > 0 ? limit : -1))
		return -EIO;
	db->change_seq = 0;
	/* A bad row is left out, as in db_changes. */
	return (r = collect(db, st, change_from_row, "changes", out, NULL)) < 0 ? r : 0;
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
db_device_seq_before(struct db *db, const char *device_id, const char *at, int64_t *seq)
{
	sqlite3_stmt *st = prep(db, Q_DEVICE_SEQ_BEFORE);
	int rc;

	*seq = 0;
	if (st == NULL || bind_text(st, 1, device_id) || bind_text(st, 2, at))
		return -EIO;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_INTEGER)
		*seq = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : fail(db, "device seq before", rc);
}

int
db_change_at(struct db *db, int64_t seq, char **at)
{
	sqlite3_stmt *st = prep(db, Q_CHANGE_AT);
	int rc;

	*at = NULL;
	if (st == NULL || sqlite3_bind_int64(st, 1, seq) != SQLITE_OK)
		return -EIO;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && (*at = strdup((const char *)sqlite3_column_text(st, 0))) == NULL)
		rc = SQLITE_NOMEM;
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? -ENOENT : fail(db, "change at", rc);
}

int
db_feed_id(struct db *db, char *buf, size_t len)
{
	sqlite3_stmt *st = prep(db, Q_FEED_ID);
	const char *v;
	int rc, r;

	buf[0] = '\0';
	if (st == NULL)
		return -EIO;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && (v = (const char *)sqlite3_column_text(st, 0)) != NULL)
		r = snprintf(buf, len, "%s", v) >= (int)len ? -ERANGE : 0;
	else
		r = rc == SQLITE_ROW || rc == SQLITE_DONE ? -ENOENT : fail(db, "feed id", rc);
	sqlite3_reset(st);
	if (r < 0)
		buf[0] = '\0';
	return r;
}

int
db_feed_renew(struct db *db, const char *seen)
{
	sqlite3_stmt *st = prep(db, Q_FEED_RENEW);
	int r;

	if (st == NULL || bind_text(st, 1, seen))
		return -EIO;
	if ((r = exec_done(db, st, "feed renew")) < 0)
		return r;
	return sqlite3_changes(db->h) > 0 ? 1 : 0;
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
db_changes_claim(struct db *db, int64_t after_seq, const char *source, const char *automation)
{
	sqlite3_stmt *st = prep(db, Q_CHANGES_CLAIM);

	if (st == NULL || sqlite3_bind_int64(st, 1, after_seq) || bind_text(st, 2, source) ||
	    bind_text(st, 3, automation))
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
	return db_token_add_scoped(db, name, hash_hex, "full");
}

int
db_token_add_scoped(struct db *db, const char *name, const char *hash_hex, const char *scope)
{
	sqlite3_stmt *st = prep(db, Q_TOKEN_ADD);

	if (st == NULL || bind_text(st, 1, name) || bind_text(st, 2, hash_hex) ||
	    bind_text(st, 3, scope))
		return -EIO;
	return exec_done(db, st, "token add");
}

int
db_token_scope(struct db *db, const char *name, char *scope, size_t len)
{
	sqlite3_stmt *st;
	const char *s;
	bool bad = false;
	int rc, r = 0;

	/* An old schema opened read-only: the token exists (it was found by
	 * its hash), and tokens before scopes could do everything. */
	if (db->without_scopes) {
		snprintf(scope, len, "full");
		return 0;
	}
	st = prep(db, Q_TOKEN_SCOPE);
	if (st == NULL || bind_text(st, 1, name))
		return -EIO;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return rc == SQLITE_DONE ? -ENOENT : fail(db, "token scope", rc);
	}
	if ((s = col_text(st, 0, &bad)) == NULL || bad)
		r = -ENOENT;
	else
		snprintf(scope, len, "%s", s);
	sqlite3_reset(st);
	return r;
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
token_from_row(struct db *db, sqlite3_stmt *st)
{
	struct json_object *t;
	bool bad = false;
	const char *name = col_text(st, 0, &bad), *created = col_text(st, 1, &bad);
	const char *used = col_text(st, 2, &bad), *scope = col_text(st, 4, &bad);

	if (bad || name == NULL || name[0] == '\0' || created == NULL) {
		bad_data(db, "tokens", sqlite3_column_int64(st, 3),
		    "a name or date that is not UTF-8 text");
		return NULL;
	}
	t = json_object_new_object();
	json_object_object_add(t, "name", jstring(name));
	json_object_object_add(t, "created_at", jstring(created));
	json_object_object_add(t, "last_used", jstring(used));
	json_object_object_add(t, "scope", jstring(scope != NULL ? scope : "full"));
	return t;
}

int
db_tokens(struct db *db, struct json_object **out)
{
	sqlite3_stmt *st = prep(db, db->without_scopes ? Q_TOKENS_5 : Q_TOKENS);

	return st ? collect(db, st, token_from_row, "tokens", out, NULL) : -EIO;
}

int
db_token_find(struct db *db, const char *hash_hex, char **name)
{
	sqlite3_stmt *st = prep(db, Q_TOKEN_FIND);
	const char *n;
	bool bad = false;
	int rc, r;

	if (st == NULL || bind_text(st, 1, hash_hex))
		return -EIO;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return rc == SQLITE_DONE ? -ENOENT : fail(db, "token find", rc);
	}
	/* A token without a usable name is no token: whoever holds it is
	 * refused, and the admin told. */
	if ((n = col_text(st, 0, &bad)) == NULL || bad || n[0] == '\0') {
		bad_data(db, "tokens", sqlite3_column_int64(st, 1), "a name that is not text");
		r = -ENOENT;
	} else {
		r = (*name = strdup(n)) != NULL ? 0 : -ENOMEM;
	}
	sqlite3_reset(st);
	return r;
}

/* ---- OAuth (common/oauth.c decides; these only store) ---- */

int
db_oauth_client_add(struct db *db, const char *id, const char *name, const char *uris_json,
    int64_t now, int keep_unused)
{
	sqlite3_stmt *st;
	int r;

	/* An https client_id is a metadata document's URL (updated when
	 * fetched again); the others are registered once. */
	if ((st = prep(db, strncmp(id, "https://", 8) == 0 ? Q_OAUTH_CLIENT_PUT :
	    Q_OAUTH_CLIENT_ADD)) == NULL || bind_text(st, 1, id) ||
	    bind_text(st, 2, name) || bind_text(st, 3, uris_json) ||
	    sqlite3_bind_int64(st, 4, now) != SQLITE_OK)
		return -EIO;
	if ((r = exec_done(db, st, "oauth client add")) < 0)
		return r;
	if ((st = prep(db, Q_OAUTH_CLIENTS_EVICT)) == NULL ||
	    sqlite3_bind_int(st, 1, keep_unused) != SQLITE_OK)
		return -EIO;
	return exec_done(db, st, "oauth client evict");
}

int
db_oauth_client_get(struct db *db, const char *id, char **name, char **uris_json)
{
	sqlite3_stmt *st = prep(db, Q_OAUTH_CLIENT_GET);
	const char *n, *u;
	bool bad = false;
	int rc, r = 0;

	*name = *uris_json = NULL;
	if (st == NULL || bind_text(st, 1, id))
		return -EIO;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return rc == SQLITE_DONE ? -ENOENT : fail(db, "oauth client", rc);
	}
	n = col_text(st, 0, &bad);
	u = col_text(st, 1, &bad);
	if (bad || n == NULL || u == NULL) {
		bad_data(db, "oauth_clients", sqlite3_column_int64(st, 2), "a name or redirect_uris"
		    " that is not UTF-8 text");
		r = -ENOENT;
	} else if ((*name = strdup(n)) == NULL || (*uris_json = strdup(u)) == NULL) {
		FREE(*name);
		r = -ENOMEM;
	}
	sqlite3_reset(st);
	return r;
}

int
db_oauth_grant_add(struct db *db, const struct db_oauth_row *g, const char *granted_by,
    int64_t now)
{
	sqlite3_stmt *st = prep(db, Q_OAUTH_GRANT_ADD);

	if (st == NULL || bind_text(st, 1, g->grant) || bind_text(st, 2, g->client) ||
	    bind_text(st, 3, granted_by) || bind_text(st, 4, g->scope) ||
	    bind_text(st, 5, g->resource) || sqlite3_bind_int64(st, 6, now) != SQLITE_OK)
		return -EIO;
	return exec_done(db, st, "oauth grant add");
}

int
db_oauth_grant_remove(struct db *db, const char *grant)
{
	sqlite3_stmt *st = prep(db, Q_OAUTH_GRANT_REMOVE);
	int r;

	if (st == NULL || bind_text(st, 1, grant))
		return -EIO;
	if ((r = exec_done(db, st, "oauth grant remove")) < 0)
		return r;
	return sqlite3_changes(db->h) > 0 ? 0 : -ENOENT;
}

int
db_oauth_grant_scope(struct db *db, const char *grant, char *scope, size_t len)
{
	sqlite3_stmt *st;
	const char *s;
	bool bad = false;
	int rc, r = 0;

	/* Before schema 7 there is no grant: it is as revoked. */
	if (db->without_oauth)
		return -ENOENT;
	if ((st = prep(db, Q_OAUTH_GRANT_SCOPE)) == NULL || bind_text(st, 1, grant))
		return -EIO;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return rc == SQLITE_DONE ? -ENOENT : fail(db, "oauth grant scope", rc);
	}
	if ((s = col_text(st, 0, &bad)) == NULL || bad)
		r = -ENOENT;
	else
		snprintf(scope, len, "%s", s);
	sqlite3_reset(st);
	return r;
}

static struct json_object *
grant_from_row(struct db *db, sqlite3_stmt *st)
{
	struct json_object *g;
	bool bad = false;
	const char *id = col_text(st, 0, &bad), *client = col_text(st, 1, &bad);
	const char *by = col_text(st, 2, &bad), *scope = col_text(st, 3, &bad);
	const char *res = col_text(st, 4, &bad);

	if (bad || id == NULL || client == NULL || by == NULL || scope == NULL || res == NULL) {
		bad_data(db, "oauth_grants", sqlite3_column_int64(st, 6), "a value that is not text");
		return NULL;
	}
	g = json_object_new_object();
	json_object_object_add(g, "name", jstring(id));
	json_object_object_add(g, "client_name", jstring(client));
	json_object_object_add(g, "granted_by", jstring(by));
	json_object_object_add(g, "scope", jstring(scope));
	json_object_object_add(g, "resource", jstring(res));
	json_object_object_add(g, "created", json_object_new_int64(sqlite3_column_int64(st, 5)));
	return g;
}

int
db_oauth_grants(struct db *db, struct json_object **out)
{
	sqlite3_stmt *st;

	if (db->without_oauth) {
		*out = json_object_new_array();
		return 0;
	}
	st = prep(db, Q_OAUTH_GRANTS);
	return st ? collect(db, st, grant_from_row, "oauth grants", out, NULL) : -EIO;
}

int
db_oauth_code_add(struct db *db, const char *hash, const struct db_oauth_row *c)
{
	sqlite3_stmt *st = prep(db, Q_OAUTH_CODE_ADD);

	if (st == NULL || bind_text(st, 1, hash) || bind_text(st, 2, c->grant) ||
	    bind_text(st, 3, c->redirect_uri) || bind_text(st, 4, c->challenge) ||
	    sqlite3_bind_int64(st, 5, c->expires) != SQLITE_OK)
		return -EIO;
	return exec_done(db, st, "oauth code add");
}

/* Fills out from a row of Q_OAUTH_CODE_GET or Q_OAUTH_TOKEN_GET. */
static int
oauth_row(struct db *db, sqlite3_stmt *st, const char *table, struct db_oauth_row *out)
{
	bool bad = false;
	const char *v[6];
	struct { char *buf; size_t len; } dst[6] = {
		{ out->grant, sizeof(out->grant) }, { out->client, sizeof(out->client) },
		{ out->scope, sizeof(out->scope) }, { out->resource, sizeof(out->resource) },
		{ out->redirect_uri, sizeof(out->redirect_uri) },
		{ out->challenge, sizeof(out->challenge) },
	};

	for (int i = 0; i < 6; i++) {
		v[i] = col_text(st, i, &bad);
		if (v[i] == NULL || strlen(v[i]) >= dst[i].len)
			bad = true;
	}
	if (bad || sqlite3_column_type(st, 6) != SQLITE_INTEGER) {
		bad_data(db, table, sqlite3_column_int64(st, 8), "a value of the wrong kind");
		return -ENOENT;
	}
	for (int i = 0; i < 6; i++)
		memcpy(dst[i].buf, v[i], strlen(v[i]) + 1);
	out->expires = sqlite3_column_int64(st, 6);
	out->used = sqlite3_column_int64(st, 7) != 0;
	return 0;
}

int
db_oauth_code_get(struct db *db, const char *hash, struct db_oauth_row *out)
{
	sqlite3_stmt *st = prep(db, Q_OAUTH_CODE_GET);
	int rc, r;

	if (st == NULL || bind_text(st, 1, hash))
		return -EIO;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return rc == SQLITE_DONE ? -ENOENT : fail(db, "oauth code", rc);
	}
	r = oauth_row(db, st, "oauth_codes", out);
	sqlite3_reset(st);
	return r;
}

int
db_oauth_code_use(struct db *db, const char *hash)
{
	sqlite3_stmt *st = prep(db, Q_OAUTH_CODE_USE);
	int r;

	if (st == NULL || bind_text(st, 1, hash))
		return -EIO;
	if ((r = exec_done(db, st, "oauth code use")) < 0)
		return r;
	return sqlite3_changes(db->h) > 0 ? 0 : -ENOENT;
}

int
db_oauth_token_add(struct db *db, const char *hash, const char *grant, const char *kind,
    int64_t expires)
{
	sqlite3_stmt *st = prep(db, Q_OAUTH_TOKEN_ADD);

	if (st == NULL || bind_text(st, 1, hash) || bind_text(st, 2, grant) ||
	    bind_text(st, 3, kind) || sqlite3_bind_int64(st, 4, expires) != SQLITE_OK)
		return -EIO;
	return exec_done(db, st, "oauth token add");
}

int
db_oauth_token_get(struct db *db, const char *hash, const char *kind, struct db_oauth_row *out)
{
	sqlite3_stmt *st;
	int rc, r;

	if (db->without_oauth)
		return -ENOENT;
	if ((st = prep(db, Q_OAUTH_TOKEN_GET)) == NULL || bind_text(st, 1, hash) ||
	    bind_text(st, 2, kind))
		return -EIO;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return rc == SQLITE_DONE ? -ENOENT : fail(db, "oauth token", rc);
	}
	r = oauth_row(db, st, "oauth_tokens", out);
	sqlite3_reset(st);
	return r;
}

int
db_oauth_token_use(struct db *db, const char *hash)
{
	sqlite3_stmt *st = prep(db, Q_OAUTH_TOKEN_USE);
	int r;

	if (st == NULL || bind_text(st, 1, hash))
		return -EIO;
	if ((r = exec_done(db, st, "oauth token use")) < 0)
		return r;
	return sqlite3_changes(db->h) > 0 ? 0 : -ENOENT;
}

int
db_oauth_prune(struct db *db, int64_t now, int64_t client_age)
{
	static const enum query q[] = { Q_OAUTH_PRUNE_TOKENS, Q_OAUTH_PRUNE_CODES,
		Q_OAUTH_PRUNE_GRANTS, Q_OAUTH_PRUNE_CLIENTS };
	sqlite3_stmt *st;
	int r;

	for (size_t i = 0; i < NELEMS(q); i++) {
		/* A grant just approved has its code: only older ones go. */
		int64_t at = q[i] == Q_OAUTH_PRUNE_CLIENTS ? now - client_age : now;

		if ((st = prep(db, q[i])) == NULL || sqlite3_bind_int64(st, 1, at) != SQLITE_OK)
			return -EIO;
		if ((r = exec_done(db, st, "oauth prune")) < 0)
			return r;
	}
	return 0;
}

/* ---- editing the home ---- */

/* Runs a write statement and returns -ENOENT when it touched no row. */
static int
exec_one(struct db *db, sqlite3_stmt *st, const char *what)
{
	int r;

	if ((r = exec_done(db, st, what)) < 0)
		return r;
	return sqlite3_changes(db->h) > 0 ? 0 : -ENOENT;
}

static int
next_position(struct db *db, enum query q, int *out)
{
	int64_t v;
	int r;

	if ((r = query_int64(db, q, &v, 0)) < 0)
		return r;
	*out = (int)v;
	return 0;
}

int
db_room_next_position(struct db *db, int *out)
{
	return next_position(db, Q_ROOM_NEXT, out);
}

int
db_room_update(struct db *db, const char *id, const char *name, const int *position)
{
	sqlite3_stmt *st = prep(db, Q_ROOM_UPDATE);

	if (st == NULL || bind_text(st, 1, id) || bind_text(st, 2, name) ||
	    (position ? sqlite3_bind_int(st, 3, *position) : sqlite3_bind_null(st, 3)))
		return -EIO;
	return exec_one(db, st, "room update");
}

int
db_room_remove(struct db *db, const char *id)
{
	sqlite3_stmt *st = prep(db, Q_ROOM_REMOVE);

	if (st == NULL || bind_text(st, 1, id))
		return -EIO;
	return exec_one(db, st, "room remove");
}

int
db_device_edit(struct db *db, const char *id, const char *name, const char *room)
{
	sqlite3_stmt *st = prep(db, Q_DEVICE_EDIT);

	if (st == NULL || bind_text(st, 1, id) || bind_text(st, 2, name) ||
	    bind_text(st, 3, room))
		return -EIO;
	return exec_one(db, st, "device edit");
}

int
db_device_replace(struct db *db, const char *id, const char *name, const char *type,
    const char *room, const char *state, struct json_object *props)
{
	sqlite3_stmt *st = prep(db, Q_DEVICE_REPLACE);
	int r;

	if (st == NULL || bind_text(st, 1, id) || bind_text(st, 2, name) ||
	    bind_text(st, 3, type) || bind_text(st, 4, room) || bind_text(st, 5, state) ||
	    bind_text(st, 6, json_object_to_json_string_ext(props, JSON_C_TO_STRING_PLAIN)))
		return -EIO;
	if ((r = exec_done(db, st, "device replace")) < 0)
		return r;
	return sqlite3_changes(db->h) > 0;
}

int
db_device_remove(struct db *db, const char *id)
{
	sqlite3_stmt *st = prep(db, Q_DEVICE_REMOVE);

	if (st == NULL || bind_text(st, 1, id))
		return -EIO;
	return exec_one(db, st, "device remove");
}

static struct json_object *
first_column(struct db *db, sqlite3_stmt *st)
{
	bool bad = false;
	const char *v = col_text(st, 0, &bad);

	return bad || v == NULL ? NULL : json_object_new_string(v);
}

int
db_device_scenes(struct db *db, const char *id, struct json_object **out)
{
	sqlite3_stmt *st = prep(db, Q_DEVICE_SCENES);

	if (st == NULL || bind_text(st, 1, id))
		return -EIO;
	return collect(db, st, first_column, "device scenes", out, NULL);
}

int
db_mode_next_position(struct db *db, int *out)
{
	return next_position(db, Q_MODE_NEXT, out);
}

int
db_mode_update(struct db *db, const char *name, const char *description)
{
	sqlite3_stmt *st = prep(db, Q_MODE_UPDATE);

	if (st == NULL || bind_text(st, 1, name) || bind_text(st, 2, description))
		return -EIO;
	return exec_one(db, st, "mode update");
}

int
db_mode_remove(struct db *db, const char *name)
{
	sqlite3_stmt *st = prep(db, Q_MODE_REMOVE);

	if (st == NULL || bind_text(st, 1, name))
		return -EIO;
	return exec_one(db, st, "mode remove");
}

int
db_scene_set(struct db *db, const char *mode, const char *device_id, const char *action,
    struct json_object *props)
{
	sqlite3_stmt *st = prep(db, Q_SCENE_UPDATE);
	const char *text = props ? json_object_to_json_string_ext(props,
	    JSON_C_TO_STRING_PLAIN) : "{}";
	int r;

	if (st == NULL || bind_text(st, 1, mode) || bind_text(st, 2, device_id) ||
	    bind_text(st, 3, action) || bind_text(st, 4, text))
		return -EIO;
	/* The device keeps its place in the scene; a new one goes last. */
	if ((r = exec_one(db, st, "scene update")) != -ENOENT)
		return r;
	return db_scene_add(db, mode, device_id, action, props);
}

int
db_scene_remove(struct db *db, const char *mode, const char *device_id)
{
	sqlite3_stmt *st = prep(db, Q_SCENE_REMOVE);

	if (st == NULL || bind_text(st, 1, mode) || bind_text(st, 2, device_id))
		return -EIO;
	return exec_one(db, st, "scene remove");
}

int
db_scene_clear(struct db *db, const char *mode)
{
	sqlite3_stmt *st = prep(db, Q_SCENE_CLEAR);

	if (st == NULL || bind_text(st, 1, mode))
		return -EIO;
	return exec_done(db, st, "scene clear");
}

/* ---- backup and restore ---- */

/* Copies every page of src's main database into dst's, in one step: the
 * source is read in one read transaction, so the copy is consistent while
 * other processes go on writing (WAL readers do not block writers). */
static int
copy_pages(sqlite3 *dst, sqlite3 *src)
{
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
	int rc;

	if (b == NULL)
		return sqlite3_errcode(dst);
	rc = sqlite3_backup_step(b, -1);
	sqlite3_backup_finish(b);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int
db_backup(struct db *db, const char *path)
{
	sqlite3 *dst = NULL;
	int fd, rc, r;

	/* A new file only, never overwriting what the user may still need;
	 * readable by its owner only (it holds the token hashes). */
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0)
		return -errno;
	close(fd);
	rc = sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE, NULL);
	if (rc != SQLITE_OK) {
		log_warnx("db: backup to %s: %s", path, sqlite3_errmsg(dst));
		r = rc == SQLITE_CANTOPEN ? -EACCES : -EIO;
		goto done;
	}
	if ((rc = copy_pages(dst, db->h)) != SQLITE_OK) {
		log_warnx("db: backup to %s: %s", path, sqlite3_errstr(rc));
		r = (rc & 0xff) == SQLITE_FULL ? -ENOSPC : (rc & 0xff) == SQLITE_BUSY ? -EBUSY :
		    -EIO;
		goto done;
	}
	/* The copy stands alone: fold its WAL into the file before closing. */
	sqlite3_exec(dst, "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE",
	    NULL, NULL, NULL);
	r = 0;
done:
	sqlite3_close(dst);
	return r;
}

int
db_check_file(const char *path, int *version)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	int r = -EPROTO, tables = 0;

	*version = 0;
	if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		r = sqlite3_errcode(h) == SQLITE_CANTOPEN ? -ENOENT : -EIO;
		goto done;
	}
	/* A file that is not SQLite fails here (SQLITE_NOTADB). */
	if (sqlite3_prepare_v2(h, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND"
	    " name IN ('rooms', 'devices', 'modes', 'scenes', 'home', 'changes')", -1, &st,
	    NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW)
		goto done;
	tables = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if (tables != 6)
		goto done;
	if (sqlite3_prepare_v2(h, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW)
		goto done;
	*version = sqlite3_column_int(st, 0);
	r = *version < 1 ? -EPROTO : *version > (int)NELEMS(MIGRATIONS) ? -ERANGE : 0;
done:
	sqlite3_finalize(st);
	sqlite3_close(h);
	return r;
}

int
db_schema_latest(void)
{
	return (int)NELEMS(MIGRATIONS);
}

int
db_restore(struct db *db, const char *path)
{
	sqlite3 *src = NULL;
	int64_t oldest, newest = 0, now_newest;
	char sql[192];
	int rc, r, version;

	if ((r = db_check_file(path, &version)) < 0)
		return r;
	if ((r = db_changes_bounds(db, &oldest, &newest)) < 0)
		return r;
	if (sqlite3_open_v2(path, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		sqlite3_close(src);
		return -EIO;
	}
	/* Statements of this connection must not hold the file while its
	 * pages are replaced. */
	for (size_t i = 0; i < Q_COUNT; i++)
		if (db->stmt[i] != NULL)
			sqlite3_reset(db->stmt[i]);
	rc = copy_pages(db->h, src);
	sqlite3_close(src);
	if (rc != SQLITE_OK) {
		log_warnx("db: restore from %s: %s", path, sqlite3_errstr(rc));
		return (rc & 0xff) == SQLITE_BUSY ? -EBUSY : (rc & 0xff) == SQLITE_FULL ? -ENOSPC :
		    -EIO;
	}
	/* An older file's schema is brought forward like any other. */
	if ((r = migrate(db)) < 0)
		return r;
	/* The feed never goes back: a restored counter below the one clients
	 * have seen would hide every later change from them.  One "home" row
	 * past it tells every reader to take the home afresh. */
	if ((r = db_begin(db, true)) < 0)
		return r;
	if ((r = db_changes_bounds(db, &oldest, &now_newest)) < 0)
		goto fail;
	snprintf(sql, sizeof(sql), "UPDATE sqlite_sequence SET seq = %lld WHERE name = 'changes'"
	    " AND seq < %lld", (long long)newest, (long long)newest);
	if (sqlite3_exec(db->h, sql, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(db->h, "INSERT INTO changes(kind, subject) VALUES ('home', 'restore')",
	    NULL, NULL, NULL) != SQLITE_OK ||
	    /* Another history (docs/protocol.md, "Resuming"). */
	    sqlite3_exec(db->h, "INSERT OR REPLACE INTO meta(key, value) VALUES ('feed_id', "
	    FEED_ID_SQL ")", NULL, NULL, NULL) != SQLITE_OK) {
		r = fail(db, "restore", sqlite3_errcode(db->h));
		goto fail;
	}
	return db_commit(db);
fail:
	db_rollback(db);
	return r;
}

/* ---- automations ---- */

/* A JSON column, or NULL for SQL NULL; *bad is set when it holds anything
 * but UTF-8 text of one JSON value (a foreign writer's). */
static struct json_object *
col_json(sqlite3_stmt *st, int i, bool *bad)
{
	const char *s = col_text(st, i, bad);
	struct json_object *o;
	char err[64];

	if (s == NULL)
		return NULL;
	if ((o = json_parse_strict(s, strlen(s), err, sizeof(err))) == NULL)
		*bad = true;
	return o;
}

/* An automation, or NULL (logged) for a row without a name, a document
 * that is not a JSON object, or dates that are not text. */
static struct json_object *
automation_from_row(struct db *db, sqlite3_stmt *st)
{
	struct json_object *a, *doc, *consent;
	bool bad = false, bad_consent = false;
	const char *name = col_text(st, 0, &bad), *created = col_text(st, 2, &bad);
	const char *updated = col_text(st, 3, &bad);

	doc = col_json(st, 1, &bad);
	if (bad || name == NULL || name[0] == '\0' || created == NULL || updated == NULL ||
	    !json_object_is_type(doc, json_type_object)) {
		json_object_put(doc);
		bad_data(db, "automations", sqlite3_column_int64(st, 6),
		    "a name, document or date it cannot have");
		return NULL;
	}
	a = json_object_new_object();
	json_object_object_add(a, "name", jstring(name));
	json_object_object_add(a, "document", doc);
	json_object_object_add(a, "created_at", jstring(created));
	json_object_object_add(a, "updated_at", jstring(updated));
	json_object_object_add(a, "last_elapse", sqlite3_column_type(st, 4) == SQLITE_NULL ?
	    NULL : json_object_new_int64(sqlite3_column_int64(st, 4)));
	json_object_object_add(a, "last_run", sqlite3_column_type(st, 5) == SQLITE_NULL ?
	    NULL : json_object_new_int64(sqlite3_column_int64(st, 5)));
	/* A consent that is not a JSON array (a foreign writer's) is none. */
	consent = col_json(st, 7, &bad_consent);
	if (consent != NULL && (bad_consent || !json_object_is_type(consent, json_type_array))) {
		json_object_put(consent);
		consent = NULL;
	}
	if (consent != NULL)
		json_object_object_add(a, "consent", consent);
	return a;
}

static int
automation_write(struct db *db, enum query q, const char *name, const char *document,
    int64_t last_elapse, const char *what)
{
	sqlite3_stmt *st = prep(db, q);
	int r;

	if (st == NULL || bind_text(st, 1, name) ||
	    (q != Q_AUTO_REMOVE && bind_text(st, 2, document)) ||
	    (q == Q_AUTO_ADD && sqlite3_bind_int64(st, 3, last_elapse)))
		return -EIO;
	if ((r = exec_done(db, st, what)) < 0)
		return r;
	return q != Q_AUTO_ADD && sqlite3_changes(db->h) == 0 ? -ENOENT : 0;
}

int
db_automation_add(struct db *db, const char *name, const char *document, int64_t now)
{
	return automation_write(db, Q_AUTO_ADD, name, document, now, "automation add");
}

int
db_automation_replace(struct db *db, const char *name, const char *document)
{
	return automation_write(db, Q_AUTO_REPLACE, name, document, 0, "automation replace");
}

int
db_automation_remove(struct db *db, const char *name)
{
	return automation_write(db, Q_AUTO_REMOVE, name, NULL, 0, "automation remove");
}

int
db_automation_enable(struct db *db, const char *name, bool enabled)
{
	return automation_write(db, Q_AUTO_ENABLE, name, enabled ? "true" : "false", 0,
	    "automation enable");
}

/* One row of a query that returns at most one, by row(); -ENOENT when none. */
static int
one_row(struct db *db, sqlite3_stmt *st, struct json_object *(*row)(struct db *,
    sqlite3_stmt *), const char *what, struct json_object **out)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		*out = row(db, st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return *out != NULL ? 0 : -ENOENT;	/* a bad row is not there */
	return rc == SQLITE_DONE ? -ENOENT : fail(db, what, rc);
}

int
db_automation_get(struct db *db, const char *name, struct json_object **out)
{
	sqlite3_stmt *st = prep(db, db->without_consent ? Q_AUTO_GET_6 : Q_AUTO_GET);

	if (st == NULL || bind_text(st, 1, name))
		return -EIO;
	return one_row(db, st, automation_from_row, "automation get", out);
}

int
db_automations(struct db *db, struct json_object **out)
{
	sqlite3_stmt *st = prep(db, db->without_consent ? Q_AUTOS_6 : Q_AUTOS);

	return st ? collect(db, st, automation_from_row, "automations", out, NULL) : -EIO;
}

int
db_automation_consent(struct db *db, const char *name, struct json_object *consent)
{
	sqlite3_stmt *st = prep(db, Q_AUTO_CONSENT);
	int r;

	if (st == NULL || bind_text(st, 1, name) || bind_text(st, 2, consent != NULL ?
	    json_object_to_json_string_ext(consent, JSON_C_TO_STRING_PLAIN) : NULL))
		return -EIO;
	if ((r = exec_done(db, st, "automation consent")) < 0)
		return r;
	return sqlite3_changes(db->h) == 0 ? -ENOENT : 0;
}

int
db_automation_generation(struct db *db, int64_t *out)
{
	return query_int64(db, Q_AUTO_GEN, out, 0);
}

int
db_automation_mark(struct db *db, const char *name, int64_t last_elapse)
{
	sqlite3_stmt *st = prep(db, Q_AUTO_MARK);

	if (st == NULL || bind_text(st, 1, name) || sqlite3_bind_int64(st, 2, last_elapse))
		return -EIO;
	return exec_done(db, st, "automation mark");
}

int
db_run_add(struct db *db, const char *name, struct json_object *trigger, const char *outcome,
    int64_t keep, int64_t *id)
{
	sqlite3_stmt *st = prep(db, Q_RUN_ADD);
	int r;

	if (st == NULL || bind_text(st, 1, name) || bind_text(st, 2, json_object_to_json_string_ext(
	    trigger, JSON_C_TO_STRING_PLAIN)) || bind_text(st, 3, outcome))
		return -EIO;
	if ((r = exec_done(db, st, "run add")) < 0)
		return r;
	*id = sqlite3_last_insert_rowid(db->h);
	if ((st = prep(db, Q_RUN_PRUNE)) == NULL || bind_text(st, 1, name) ||
	    sqlite3_bind_int64(st, 2, keep))
		return -EIO;
	return exec_done(db, st, "run prune");
}

int
db_run_update(struct db *db, int64_t id, const char *outcome, struct json_object *conditions,
    struct json_object *actions, bool finished)
{
	sqlite3_stmt *st = prep(db, Q_RUN_END);

	if (st == NULL || sqlite3_bind_int64(st, 1, id) || bind_text(st, 2, outcome) ||
	    bind_text(st, 3, conditions ? json_object_to_json_string_ext(conditions,
	    JSON_C_TO_STRING_PLAIN) : NULL) ||
	    bind_text(st, 4, actions ? json_object_to_json_string_ext(actions,
	    JSON_C_TO_STRING_PLAIN) : "[]") ||
	    sqlite3_bind_int(st, 5, finished))
		return -EIO;
	return exec_done(db, st, "run update");
}

/* A run, or NULL (logged) for a row whose texts or JSON are not what the
 * schema says. */
static struct json_object *
run_from_row(struct db *db, sqlite3_stmt *st)
{
	struct json_object *r, *trigger, *conditions, *actions;
	bool bad = false;
	const char *automation = col_text(st, 1, &bad), *started = col_text(st, 2, &bad);
	const char *finished = col_text(st, 3, &bad), *outcome = col_text(st, 6, &bad);

	trigger = col_json(st, 4, &bad);
	conditions = col_json(st, 5, &bad);
	actions = col_json(st, 7, &bad);
	if (bad || automation == NULL || started == NULL || outcome == NULL || trigger == NULL ||
	    actions == NULL) {
		json_object_put(trigger);
		json_object_put(conditions);
		json_object_put(actions);
		bad_data(db, "automation_runs", sqlite3_column_int64(st, 0),
		    "a field that is missing or not what the schema says");
		return NULL;
	}
	r = json_object_new_object();
	json_object_object_add(r, "id", json_object_new_int64(sqlite3_column_int64(st, 0)));
	json_object_object_add(r, "automation", jstring(automation));
	json_object_object_add(r, "started_at", jstring(started));
	json_object_object_add(r, "finished_at", jstring(finished));
	json_object_object_add(r, "trigger", trigger);
	json_object_object_add(r, "conditions", conditions);
	json_object_object_add(r, "outcome", jstring(outcome));
	json_object_object_add(r, "actions", actions);
	return r;
}

int
db_runs(struct db *db, const char *name, int64_t limit, struct json_object **out)
{
	sqlite3_stmt *st = prep(db, Q_RUNS);

	if (st == NULL || bind_text(st, 1, name) || sqlite3_bind_int64(st, 2, limit > 0 ? limit :
	    -1))
		return -EIO;
	return collect(db, st, run_from_row, "runs", out, NULL);
}

int
db_run_get(struct db *db, int64_t id, struct json_object **out)
{
	sqlite3_stmt *st = prep(db, Q_RUN_GET);

	if (st == NULL || sqlite3_bind_int64(st, 1, id))
		return -EIO;
	return one_row(db, st, run_from_row, "run get", out);
}

int
db_runs_requested(struct db *db, struct json_object **out)
{
	sqlite3_stmt *st = prep(db, Q_RUNS_REQUESTED);

	return st ? collect(db, st, run_from_row, "runs requested", out, NULL) : -EIO;
}

/* ---- bindings and commands (real devices) ---- */

/* A binding, or NULL (logged) when a foreign writer left it unusable. */
static struct json_object *
binding_row(struct db *db, sqlite3_stmt *st)
{
	const char *f[8] = { NULL };
	struct json_object *b, *caps, *props = NULL;
	bool bad = false, more = sqlite3_column_count(st) > 5;
	int n = more ? 8 : 5;

	for (int i = 0; i < n; i++)
		f[i] = col_text(st, i, &bad);
	if (bad || f[0] == NULL || f[1] == NULL || f[2] == NULL || f[4] == NULL ||
	    (caps = props_parse(db, f[3], NULL, "bindings", 0)) == NULL) {
		bad_data(db, "bindings", 0, "a binding without a device, driver, address or caps");
		return NULL;
	}
	if (more && (f[5] == NULL || (props = props_parse(db, f[7], model_type_find(f[5]),
	    "devices", 0)) == NULL)) {
		json_object_put(caps);
		bad_data(db, "bindings", 0, "a bound device without a type or properties");
		return NULL;
	}
	b = json_object_new_object();
	json_object_object_add(b, "device_id", jstring(f[0]));
	json_object_object_add(b, "driver", jstring(f[1]));
	json_object_object_add(b, "address", jstring(f[2]));
	json_object_object_add(b, "caps", caps);
	json_object_object_add(b, "available", jstring(f[4]));
	if (more) {
		json_object_object_add(b, "type", jstring(f[5]));
		json_object_object_add(b, "state", jstring(f[6]));
		json_object_object_add(b, "properties", props);
	}
	return b;
}

int
db_binding_get(struct db *db, const char *device_id, struct json_object **out)
{
	sqlite3_stmt *st = prep(db, Q_BINDING_GET);
	int rc;

	if (st == NULL || bind_text(st, 1, device_id))
		return -EIO;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && (*out = binding_row(db, st)) == NULL)
		rc = SQLITE_DONE;	/* unusable: as if not there */
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? -ENOENT : fail(db, "binding get", rc);
}

/* The device id of the first row of st (bound), -ENOENT when none. */
static int
first_id(struct db *db, sqlite3_stmt *st, char **device_id, const char *what)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW && (*device_id = strdup((const char *)sqlite3_column_text(st, 0))) ==
	    NULL) {
		sqlite3_reset(st);
		return -ENOMEM;
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? -ENOENT : fail(db, what, rc);
}

int
db_binding_find(struct db *db, const char *driver, const char *address, char **device_id)
{
	sqlite3_stmt *st = prep(db, Q_BINDING_FIND);

	if (st == NULL || bind_text(st, 1, driver) || bind_text(st, 2, address))
		return -EIO;
	return first_id(db, st, device_id, "binding find");
}

int
db_binding_find_ieee(struct db *db, const char *driver, const char *ieee, const char *endpoint,
    char **device_id)
{
	sqlite3_stmt *st = prep(db, Q_BINDING_FIND_IEEE);

	if (st == NULL || bind_text(st, 1, driver) || bind_text(st, 2, ieee) ||
	    bind_text(st, 3, endpoint))
		return -EIO;
	return first_id(db, st, device_id, "binding find");
}

int
db_bindings(struct db *db, const char *driver, struct json_object **out)
{
	sqlite3_stmt *st = prep(db, Q_BINDINGS);

	if (st == NULL || bind_text(st, 1, driver))
		return -EIO;
	return collect(db, st, binding_row, "bindings", out, NULL);
}

int
db_binding_set(struct db *db, const char *device_id, const char *driver, const char *address,
    struct json_object *caps)
{
	sqlite3_stmt *st = prep(db, Q_BINDING_SET);
	int r;

	if (st == NULL || bind_text(st, 1, device_id) || bind_text(st, 2, driver) ||
	    bind_text(st, 3, address) || bind_text(st, 4, caps ?
		json_object_to_json_string_ext(caps, JSON_C_TO_STRING_PLAIN) : "{}"))
		return -EIO;
	if ((r = exec_done(db, st, "binding set")) < 0)
		return r;
	return sqlite3_changes(db->h) > 0;
}

int
db_binding_available(struct db *db, const char *device_id, const char *available)
{
	sqlite3_stmt *st = prep(db, Q_BINDING_AVAILABLE);
	int r;

	if (st == NULL || bind_text(st, 1, device_id) || bind_text(st, 2, available))
		return -EIO;
	if ((r = exec_done(db, st, "binding available")) < 0)
		return r;
	return sqlite3_changes(db->h) > 0;
}

int
db_bindings_available(struct db *db, const char *driver, const char *available)
{
	sqlite3_stmt *st = prep(db, Q_BINDINGS_AVAILABLE);
	int r;

	if (st == NULL || bind_text(st, 1, driver) || bind_text(st, 2, available))
		return -EIO;
	if ((r = exec_done(db, st, "bindings available")) < 0)
		return r;
	return sqlite3_changes(db->h);
}

/* A command, or NULL (logged) when a foreign writer left it unusable. */
static struct json_object *
command_row(struct db *db, sqlite3_stmt *st)
{
	const char *f[14] = { NULL };
	struct json_object *k, *props, *caps;
	int64_t id = sqlite3_column_int64(st, 0);
	bool bad = false;

	for (int i = 1; i < 14; i++)
		f[i] = col_text(st, i, &bad);
	if (bad || f[1] == NULL || f[2] == NULL || f[5] == NULL ||
	    (props = props_parse(db, f[3], model_type_find(f[13]), "commands", id)) == NULL) {
		bad_data(db, "commands", id, "a command without a device, state or properties");
		return NULL;
	}
	caps = f[12] != NULL ? props_parse(db, f[12], NULL, "bindings", 0) : NULL;
	k = json_object_new_object();
	json_object_object_add(k, "id", json_object_new_int64(id));
	json_object_object_add(k, "device_id", jstring(f[1]));
	json_object_object_add(k, "state", jstring(f[2]));
	json_object_object_add(k, "properties", props);
	json_object_object_add(k, "source", jstring(f[4]));
	json_object_object_add(k, "status", jstring(f[5]));
	json_object_object_add(k, "error", jstring(f[6]));
	json_object_object_add(k, "created_at", jstring(f[7]));
	json_object_object_add(k, "deadline", jstring(f[8]));
	json_object_object_add(k, "settled_at", jstring(f[9]));
	json_object_object_add(k, "driver", json_object_new_string(f[10] ? f[10] : "sim"));
	json_object_object_add(k, "address", jstring(f[11]));
	json_object_object_add(k, "caps", caps ? caps : json_object_new_object());
	json_object_object_add(k, "type", jstring(f[13]));
	return k;
}

int
db_command_add(struct db *db, const char *device_id, const char *state, struct json_object *props,
    const char *source, int64_t timeout_ms, int64_t *id)
{
	sqlite3_stmt *st = prep(db, Q_COMMAND_ADD);
	int r;

	if (st == NULL || bind_text(st, 1, device_id) || bind_text(st, 2, state) ||
	    bind_text(st, 3, props ? json_object_to_json_string_ext(props,
		JSON_C_TO_STRING_PLAIN) : "{}") || bind_text(st, 4, source) ||
	    sqlite3_bind_int64(st, 5, timeout_ms))
		return -EIO;
	if ((r = exec_done(db, st, "command add")) < 0)
		return r;
	*id = sqlite3_last_insert_rowid(db->h);
	return 0;
}

int
db_commands_supersede(struct db *db, const char *device_id)
{
	sqlite3_stmt *st = prep(db, Q_COMMANDS_SUPERSEDE);

	if (st == NULL || bind_text(st, 1, device_id))
		return -EIO;
	return exec_done(db, st, "commands supersede");
}

static int
command_one(struct db *db, sqlite3_stmt *st, struct json_object **out, const char *what)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW && (*out = command_row(db, st)) == NULL)
		rc = SQLITE_DONE;	/* unusable: as if not there */
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? -ENOENT : fail(db, what, rc);
}

int
db_command_get(struct db *db, int64_t id, struct json_object **out)
{
	sqlite3_stmt *st = prep(db, Q_COMMAND_GET);

	if (st == NULL || sqlite3_bind_int64(st, 1, id))
		return -EIO;
	return command_one(db, st, out, "command get");
}

int
db_command_pending(struct db *db, const char *device_id, struct json_object **out)
{
	sqlite3_stmt *st = prep(db, Q_COMMAND_PENDING);

	if (st == NULL || bind_text(st, 1, device_id))
		return -EIO;
	return command_one(db, st, out, "command pending");
}

int
db_command_settle(struct db *db, int64_t id, const char *status, const char *error)
{
	sqlite3_stmt *st = prep(db, Q_COMMAND_SETTLE);
	int r;

	if (st == NULL || sqlite3_bind_int64(st, 1, id) || bind_text(st, 2, status) ||
	    bind_text(st, 3, error))
		return -EIO;
	if ((r = exec_done(db, st, "command settle")) < 0)
		return r;
	return sqlite3_changes(db->h) > 0;
}

int
db_commands_after(struct db *db, int64_t after_id, const char *driver, struct json_object **out)
{
	sqlite3_stmt *st = prep(db, Q_COMMANDS_AFTER);

	if (st == NULL || sqlite3_bind_int64(st, 1, after_id) || bind_text(st, 2, driver))
		return -EIO;
	return collect(db, st, command_row, "commands after", out, NULL);
}

int
db_commands_expire(struct db *db, const char *error, int64_t *expired, int64_t *next_ms)
{
	sqlite3_stmt *st = prep(db, Q_COMMANDS_EXPIRE);
	int r;

	if (st == NULL || bind_text(st, 1, error))
		return -EIO;
	if ((r = exec_done(db, st, "commands expire")) < 0)
		return r;
	*expired = sqlite3_changes(db->h);
	if ((r = query_int64(db, Q_COMMANDS_NEXT, next_ms, -1)) < 0)
		return r;
	if (*next_ms != -1 && *next_ms < 0)
		*next_ms = 0;
	return 0;
}
