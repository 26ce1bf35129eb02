/* SPDX-License-Identifier: MIT */
/* db.h -- the SQLite database: schema and forward migrations, the change
 * feed, and every query homectl makes.  Nothing outside db.c writes SQL.
 *
 * All functions return 0 or a negative errno (-ENOENT: no such row,
 * -EEXIST: duplicate, -EBUSY: locked past busy_timeout, -ENOSPC: the disk
 * (or the quota) is full, -EROFS: the database or its file system is
 * read-only, -EIO: anything else; logged once here).  JSON results are new objects the caller puts.
 *
 * Bad rows: the schema (version 2) forbids what homectl cannot read, and
 * opening an older database moves the rows that break it to a `quarantine`
 * table (reason and row as JSON).  A row can still be written with the
 * checks off, so every reader here skips a row it cannot use (a NULL or
 * non-text id or name, text that is not UTF-8, a type or state the model
 * does not know, properties that are not a JSON object) as if it were not
 * there, and says so in the log at most once a minute.  A property that
 * is null, or of the wrong kind for the model (a string for brightness), is
 * dropped from the properties.
 * So every object these functions return has every field its shape below
 * promises, with the JSON type it promises. */
#ifndef HOMECTL_DB_H
#define HOMECTL_DB_H

#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>

struct db;

#define DB_CREATE	0x1	/* create the file and schema if missing */
#define DB_READONLY	0x2
/* For event loops: once open (migrations may still wait), no statement
 * waits for another process's lock; a locked database is -EBUSY at once
 * and the caller retries from its loop.  Without it a statement waits up
 * to 5 s (busy_timeout), which suits the CLI. */
#define DB_NOWAIT	0x4

/* Opens path in WAL mode with busy_timeout (see DB_NOWAIT), foreign keys
 * on, and migrates the schema forward.  *out is freed with db_close(). */
int db_open(const char *path, int flags, struct db **out);
void db_close(struct db *db);			/* NULL-safe */
const char *db_path(const struct db *db);	/* borrowed */
const char *db_errmsg(struct db *db);		/* borrowed, last SQLite error */
int db_schema_version(struct db *db);
/* The schema version this build migrates to. */
int db_schema_current(void);
/* PRAGMA quick_check: 0 when the file is sound, -EBADMSG with SQLite's
 * first complaint in problem otherwise (-EIO: could not check). */
int db_quick_check(struct db *db, char *problem, size_t len);
/* How many rows this open's migrations moved to the quarantine table. */
int db_quarantined(const struct db *db);

/* What became of the files this connection has open. */
enum db_file {
	DB_FILE_SAME,
	DB_FILE_MOVED,		/* the path names another file now, or none */
	DB_FILE_WAL_GONE,	/* its -wal or -shm was removed or replaced */
};
/* Three stat()s: cheap enough for every write and every watcher wake. */
enum db_file db_file_check(struct db *db);
/* Opens the path again, in place (each db stays valid), for every
 * connection of this process to it (all at once: SQLite shares one -shm
 * mapping among them), after db_file_check() found the files changed; 0
 * when none had.  Old connections close without a checkpoint or removing
 * any file; a moved database's WAL is emptied into it first.  Never
 * creates the file: -ENOENT, and nothing changes, when nothing is at the
 * path.  At most 8 connections. */
int db_reopen(struct db **dbs, size_t n);

/* BEGIN IMMEDIATE (writers) or BEGIN (a consistent read).  A write is
 * refused with -ESTALE when db_file_check() finds the files changed: the
 * caller reopens (db_reopen, and resyncs what it derived) and retries. */
int db_begin(struct db *db, bool write);
int db_commit(struct db *db);
void db_rollback(struct db *db);

/* PRAGMA data_version: changes when another connection commits. */
int db_data_version(struct db *db, int64_t *out);
/* The start of the WAL-index (the -shm file) as SQLite itself has it mapped
 * for this connection, or NULL (not in WAL mode, not read yet).  Borrowed:
 * valid until db_close; only to be read, and racily (a hint). */
const volatile unsigned char *db_wal_index(struct db *db);

/* ---- rooms ---- */
int db_room_add(struct db *db, const char *id, const char *name, int position);
/* [{"id","name","devices": N}], in display order. */
int db_rooms(struct db *db, struct json_object **out);
int db_room_exists(struct db *db, const char *id);	/* 1, 0 or -errno */

/* ---- devices ----
 * A device is {"id","name","type","room","room_name","state","properties":{},
 * "updated_at"}; room and room_name are null for house-wide devices. */
int db_device_add(struct db *db, const char *id, const char *name, const char *type,
    const char *room, const char *state, struct json_object *props);
int db_device_get(struct db *db, const char *id, struct json_object **out);
/* Filters may be NULL.  Ordered by room position, then id. */
int db_devices(struct db *db, const char *room, const char *type, struct json_object **out);
/* Writes state and properties.  Returns 1 when the row changed, 0 when it
 * already held them (a no-op writes no feed row), or -errno. */
int db_device_update(struct db *db, const char *id, const char *state,
    struct json_object *props);
/* Every device id, for "did you mean" hints: NULL-ended, caller frees each
 * and the array. */
int db_device_ids(struct db *db, char ***out);

/* ---- the home mode ---- */
int db_mode_add(struct db *db, const char *name, const char *description, int position);
/* Adds one step of a mode's scene: run action with props on device_id. */
int db_scene_add(struct db *db, const char *mode, const char *device_id,
    const char *action, struct json_object *props);
/* The active mode name; caller frees. */
int db_mode_get(struct db *db, char **mode);
int db_mode_set(struct db *db, const char *mode);
/* [{"name","description","scene":[{"device_id","action","properties"}]}] */
int db_modes(struct db *db, struct json_object **out);
/* One mode as in db_modes, -ENOENT when unknown. */
int db_mode_describe(struct db *db, const char *mode, struct json_object **out);

/* ---- the change feed ----
 * A change is {"seq","at","source","kind", ...}: kind "device" carries
 * "device", the device object as of that change (state and properties from
 * the feed row, name and room as they are now); "mode" carries "mode";
 * "device_removed" carries "device_id". */
/* Rows with seq > since, oldest first, at most limit (0: no limit);
 * device_id may be NULL.  A row a reader cannot use (see "Bad rows") is
 * left out of *out but counts against limit: *last (may be NULL) gets the
 * seq of the last row read, good or bad (since when none), where the next
 * read starts.  Returns the number of rows read, or -errno. */
int db_changes(struct db *db, int64_t since, int64_t limit, const char *device_id,
    struct json_object **out, int64_t *last);
/* The newest limit rows (0: every row), of device_id alone unless NULL,
 * oldest first; a bad row is left out (but counts against limit).  0 or
 * -errno. */
int db_changes_latest(struct db *db, int64_t limit, const char *device_id,
    struct json_object **out);
/* The seq of device_id's last "device" row before the time at (the same
 * form as the feed's "at"), 0 when there is none.  0 or -errno. */
int db_device_seq_before(struct db *db, const char *device_id, const char *at, int64_t *seq);
/* The time ("at", as stored, unchecked) of the feed row seq: a new string
 * the caller frees, or -ENOENT.  The watcher's check that the feed still
 * continues what it delivered. */
int db_change_at(struct db *db, int64_t seq, char **at);
/* The change feed's identity (docs/protocol.md, "Resuming"): a random
 * value, made again whenever the feed's history is rewritten, copied into
 * buf (DB_FEED_ID_LEN is enough).  0, -ENOENT (a database of an older
 * schema has none; buf is then ""), or -errno. */
#define DB_FEED_ID_LEN 64
int db_feed_id(struct db *db, char *buf, size_t len);
/* Gives the feed a new identity if it still has seen (the one the caller
 * read before it found the history rewritten): 1 renewed, 0 someone did
 * already, or -errno (-EBUSY: try again later). */
int db_feed_renew(struct db *db, const char *seen);
/* The newest seq ever written (0 for a new database) and the oldest still
 * held (newest + 1 when the feed is empty). */
int db_changes_bounds(struct db *db, int64_t *oldest, int64_t *newest);
/* Marks the rows after seq as written by source (triggers write "unknown";
 * homectl's own writers claim their rows before committing) and, for
 * source "automation", by which automation (else NULL).  Rows carrying one
 * have "automation": name. */
int db_changes_claim(struct db *db, int64_t after_seq, const char *source,
    const char *automation);
/* Keeps at most max_rows rows and none older than max_age_s seconds (0:
 * no limit).  *removed may be NULL. */
int db_changes_prune(struct db *db, int64_t max_rows, int64_t max_age_s, int64_t *removed);

/* ---- editing the home ----
 * Each returns -ENOENT when the row it edits does not exist.  The caller
 * validates ids and values (ops_home.c) and holds the write transaction. */
int db_room_next_position(struct db *db, int *out);	/* after the last room */
/* name or position NULL: unchanged. */
int db_room_update(struct db *db, const char *id, const char *name, const int *position);
/* Its devices become house-wide. */
int db_room_remove(struct db *db, const char *id);
/* name and room as given (room NULL: house-wide). */
int db_device_edit(struct db *db, const char *id, const char *name, const char *room);
/* Writes every column; 1 when the row changed, 0 when it already held them. */
int db_device_replace(struct db *db, const char *id, const char *name, const char *type,
    const char *room, const char *state, struct json_object *props);
/* Its scene steps go with it. */
int db_device_remove(struct db *db, const char *id);
/* The names of the modes whose scene names the device: ["sleep", ...]. */
int db_device_scenes(struct db *db, const char *id, struct json_object **out);
int db_mode_next_position(struct db *db, int *out);
int db_mode_update(struct db *db, const char *name, const char *description);
/* Its scene goes with it. */
int db_mode_remove(struct db *db, const char *name);
/* Sets the device's step of the mode's scene (in place, or appended). */
int db_scene_set(struct db *db, const char *mode, const char *device_id, const char *action,
    struct json_object *props);
int db_scene_remove(struct db *db, const char *mode, const char *device_id);
int db_scene_clear(struct db *db, const char *mode);

/* ---- backup and restore ---- */
/* Writes a consistent copy of the database into path, a new file (-EEXIST
 * when it exists), while others go on writing. */
int db_backup(struct db *db, const char *path);
/* 0 when path is a homectl database this homectl can use, with *version its
 * schema; -ENOENT no such file, -EPROTO not a homectl database, -ERANGE a
 * newer schema than this homectl's (db_schema_latest). */
int db_check_file(const char *path, int *version);
int db_schema_latest(void);
/* Replaces the home with path's (checked as by db_check_file), migrates it,
 * keeps the feed's seq from going back and adds a "home" row. */
int db_restore(struct db *db, const char *path);
/* ---- bindings and commands: real devices ----
 * A device with a binding is moved by a driver ("z2m", "tasmota",
 * "shelly") at an address; one without is simulated.  Device objects carry
 * "driver" ("sim" when unbound), "address", "available" (online, offline,
 * unknown; a simulated device is online) and "pending" (the command it
 * waits on: {"id","state","properties","source","created_at","deadline"},
 * or null).  A binding is {"device_id","driver","address","caps",
 * "available"} (db_bindings adds "type", "state", "properties"). */
int db_binding_get(struct db *db, const char *device_id, struct json_object **out);
/* The device bound to driver/address (caller frees), or -ENOENT. */
int db_binding_find(struct db *db, const char *driver, const char *address, char **device_id);
/* The device bound to the Zigbee IEEE address and endpoint (may be NULL)
 * kept in caps, whatever its friendly name now (caller frees). */
int db_binding_find_ieee(struct db *db, const char *driver, const char *ieee,
    const char *endpoint, char **device_id);
/* Every binding, or those of driver (may be NULL). */
int db_bindings(struct db *db, const char *driver, struct json_object **out);
/* Binds or rebinds a device.  1 when the row changed, 0 when it held these
 * already, -EEXIST when another device has driver/address. */
int db_binding_set(struct db *db, const char *device_id, const char *driver, const char *address,
    struct json_object *caps);
/* 1 when the availability changed, 0 when it already was so. */
int db_binding_available(struct db *db, const char *device_id, const char *available);
/* Every device of a driver at once; returns how many changed. */
int db_bindings_available(struct db *db, const char *driver, const char *available);

/* A command is {"id","device_id","state","properties","source","status"
 * (pending, confirmed, failed, superseded),"error","created_at","deadline",
 * "settled_at","driver","address","caps","type"}. */
/* Records a pending command; its deadline is timeout_ms from now. */
int db_command_add(struct db *db, const char *device_id, const char *state,
    struct json_object *props, const char *source, int64_t timeout_ms, int64_t *id);
/* Marks the device's pending commands superseded (a newer one replaces them). */
int db_commands_supersede(struct db *db, const char *device_id);
int db_command_get(struct db *db, int64_t id, struct json_object **out);
/* The device's newest pending command, or -ENOENT. */
int db_command_pending(struct db *db, const char *device_id, struct json_object **out);
/* Ends a pending command (status confirmed or failed, error may be NULL):
 * 1 when it was pending, 0 when it had ended already. */
int db_command_settle(struct db *db, int64_t id, const char *status, const char *error);
/* Pending commands with id > after_id, of driver (may be NULL), oldest first. */
int db_commands_after(struct db *db, int64_t after_id, const char *driver,
    struct json_object **out);
/* Fails every pending command past its deadline with error; *expired gets
 * how many, *next_ms the milliseconds to the next deadline (-1: none). */
int db_commands_expire(struct db *db, const char *error, int64_t *expired, int64_t *next_ms);

/* ---- API tokens (only their SHA-256 is stored) ---- */
int db_token_add(struct db *db, const char *name, const char *hash_hex);
/* scope: "read", "control" or "full" (the table's CHECK refuses others). */
int db_token_add_scoped(struct db *db, const char *name, const char *hash_hex,
    const char *scope);
/* The scope of the token called name into scope; -ENOENT when there is no
 * such token (revoked). */
int db_token_scope(struct db *db, const char *name, char *scope, size_t len);
int db_token_remove(struct db *db, const char *name);
/* [{"name","created_at","last_used"}] */
int db_tokens(struct db *db, struct json_object **out);
/* The token name for hash_hex (caller frees), or -ENOENT. */
int db_token_find(struct db *db, const char *hash_hex, char **name);

/* ---- OAuth 2.1 (common/oauth.c): clients, grants, codes, tokens ----
 * Codes and tokens are stored as the hex SHA-256 of the secret; times are
 * Unix seconds.  Ending a grant ends its codes and tokens (ON DELETE
 * CASCADE), and removing the token of the person who approved it ends the
 * grant. */
struct db_oauth_row {
	char grant[64];		/* "oauth:..." */
	char client[2048];	/* a registered id, or a metadata document's URL */
	char scope[16];
	char resource[512];
	char redirect_uri[2048];	/* codes only */
	char challenge[64];		/* codes only */
	int64_t expires;
	bool used;
};
/* Registers a client (uris_json: a JSON array), or updates the one whose
 * id is an https URL (a Client ID Metadata Document fetched again), then
 * removes the clients without a grant beyond the newest keep_unused. */
int db_oauth_client_add(struct db *db, const char *id, const char *name, const char *uris_json,
    int64_t now, int keep_unused);
/* The client's name and redirect_uris (JSON array text); caller frees both.
 * -ENOENT when there is none. */
int db_oauth_client_get(struct db *db, const char *id, char **name, char **uris_json);
/* A grant from g's grant, client, scope and resource. */
int db_oauth_grant_add(struct db *db, const struct db_oauth_row *g, const char *granted_by,
    int64_t now);
/* -ENOENT when there was none. */
int db_oauth_grant_remove(struct db *db, const char *grant);
/* The grant's scope; -ENOENT once it has ended. */
int db_oauth_grant_scope(struct db *db, const char *grant, char *scope, size_t len);
/* The grants with a live token: [{"name", "client_name", "granted_by",
 * "scope", "resource", "created"}]. */
int db_oauth_grants(struct db *db, struct json_object **out);
/* A code for c's grant, redirect_uri, challenge and expires. */
int db_oauth_code_add(struct db *db, const char *hash, const struct db_oauth_row *c);
/* The code with its grant (used ones too); -ENOENT when unknown. */
int db_oauth_code_get(struct db *db, const char *hash, struct db_oauth_row *out);
/* Marks it used; -ENOENT when it already was. */
int db_oauth_code_use(struct db *db, const char *hash);
/* kind: "access" or "refresh". */
int db_oauth_token_add(struct db *db, const char *hash, const char *grant, const char *kind,
    int64_t expires);
/* The token of that kind with its grant (redirect_uri and challenge
 * empty); -ENOENT when unknown. */
int db_oauth_token_get(struct db *db, const char *hash, const char *kind,
    struct db_oauth_row *out);
/* Marks a refresh token used; -ENOENT when it already was. */
int db_oauth_token_use(struct db *db, const char *hash);
/* Removes expired codes and tokens, the grants left with neither, and
 * the clients registered client_age seconds ago or more without a grant. */
int db_oauth_prune(struct db *db, int64_t now, int64_t client_age);

/* ---- automations ----
 * An automation is {"name", "document": {...} (as automation_check made
 * it), "created_at", "updated_at", "last_elapse": seconds or null,
 * "last_run": run id or null}.  Documents are stored as given: callers
 * check them first (ops_automation_*). */
/* -EEXIST when the name is taken.  now (seconds since the epoch) starts
 * last_elapse, so a persistent automation does not catch up on times
 * before it existed. */
int db_automation_add(struct db *db, const char *name, const char *document, int64_t now);
/* -ENOENT when there is no such automation. */
int db_automation_replace(struct db *db, const char *name, const char *document);
int db_automation_remove(struct db *db, const char *name);
/* Sets the document's "enabled". */
int db_automation_enable(struct db *db, const char *name, bool enabled);
int db_automation_get(struct db *db, const char *name, struct json_object **out);
/* All of them, by name. */
int db_automations(struct db *db, struct json_object **out);
/* Records the opening actions the person allowed the automation
 * ([{"device", "action"}], borrowed; NULL: none), shown as "consent" in
 * the automation (absent when none).  A replaced document loses it. */
int db_automation_consent(struct db *db, const char *name, struct json_object *consent);
/* A number that changes whenever any automation's document or consent does. */
int db_automation_generation(struct db *db, int64_t *out);
/* Records the last time or sun event handled (seconds since the epoch). */
int db_automation_mark(struct db *db, const char *name, int64_t last_elapse);

/* A run is {"id", "automation", "started_at", "finished_at" (null while
 * running), "trigger": {...}, "conditions": [report] or null, "outcome":
 * "requested" | "queued" | "waiting" (a delay) | "running" | "done" | "skipped" | "failed" |
 * "cancelled" | "expired", "actions": [{"action": {...}, "ok": bool,
 * "error"?: "...", "changed"?: N}]}. */
/* Adds a run with outcome ("requested" by a front end, "running" by
 * homectl-automations), keeping only the keep newest runs of that
 * automation; *id gets its id. */
int db_run_add(struct db *db, const char *name, struct json_object *trigger, const char *outcome,
    int64_t keep, int64_t *id);
int db_run_get(struct db *db, int64_t id, struct json_object **out);
/* Runs a front end asked for and homectl-automations has not started, oldest
 * first. */
int db_runs_requested(struct db *db, struct json_object **out);
/* conditions and actions may be NULL; finished sets finished_at. */
int db_run_update(struct db *db, int64_t id, const char *outcome, struct json_object *conditions,
    struct json_object *actions, bool finished);
/* Newest first, at most limit (0: all). */
int db_runs(struct db *db, const char *name, int64_t limit, struct json_object **out);

#endif
