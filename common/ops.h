/* SPDX-License-Identifier: MIT */
/* ops.h -- the domain operations: the one path by which MCP tools, REST
 * calls, the dashboard and the CLI read and change the home.  Each write is
 * one transaction, validated against the model table first: all or nothing,
 * and its feed rows carry the caller's source.
 *
 * Every function returns 0 or a negative errno and, on error, writes one
 * sentence a person or a model can act on into err (OPS_ERRLEN bytes).
 * Every front end shows it as is, so it names no MCP tool, REST route or
 * CLI option (only an administrator's remedy, such as homectl init, where
 * there is no other); it lists what exists instead.  ops_status maps the
 * errno to what a REST client sees:
 *   -ENOENT  unknown device, room or mode               404 not_found
 *   -EINVAL  action, type or value not valid             422 invalid_value
 *   -ERANGE  value out of range                          422 invalid_value
 *   -EPERM   needs the user's confirmation               403 confirmation_required
 *   -EACCES  the caller's token may not open the home    403 insufficient_scope
 *   -EEXIST  a room, device or mode of that id exists    409 exists
 *   -ETXTBSY in use (the active mode)                    409 in_use
 *   -ECANCELED a newer command to a real device replaced this one  409 superseded
 *   -EHOSTDOWN a real device that is offline             503 device_unavailable
 *   -ETIMEDOUT a real device that did not confirm in time  504 device_timeout
 *   -EBUSY   the database is busy                        503 busy
 *   -ENOSPC  the disk holding the database is full       507 storage_full
 *   -EROFS   the database is read-only                   503 read_only
 *   -EIO ... database trouble                            500 internal
 * JSON results are new objects the caller puts.
 *
 * Confirmation: every write takes the caller's answer (confirm: did the
 * user say yes to this?) and one rule in ops.c decides whether the write
 * needs it, from the home's setting (ops_ctx.confirm) and the action.
 * Front ends only pass the user's answer on; none has a rule of its own.
 *
 * One header for the whole module; the code is split by job under the
 * banners below (ops.c holds what they share). */
#ifndef HOMECTL_OPS_H
#define HOMECTL_OPS_H

#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>

#include "db.h"

#define OPS_ERRLEN 512

enum ops_source { OPS_SRC_UNKNOWN, OPS_SRC_MCP, OPS_SRC_API, OPS_SRC_CLI, OPS_SRC_AUTOMATION,
	OPS_SRC_DEVICE,		/* a real device reported (homectl-mqtt) */
	OPS_SRC_HASS,		/* Home Assistant asked (through homectl-mqtt) */
};

/* How long a real device has to confirm a command when the context does
 * not say (ops_ctx.command_timeout_ms). */
#define OPS_COMMAND_TIMEOUT_MS 5000

/* Which actions need confirm = true. */
enum ops_confirm {
	OPS_CONFIRM_OPENING,	/* unlocking, opening a garage (default) */
	OPS_CONFIRM_NONE,	/* nothing: the caller asked the user already */
	OPS_CONFIRM_ALL,	/* every write */
};

/* What every operation needs to know about its caller; built by
 * ops_ctx_init. */
struct ops_ctx {
	struct db *db;			/* borrowed */
	enum ops_source source;
	enum ops_confirm confirm;
	int64_t feed_max_rows;		/* pruning; 0 = keep all */
	int64_t feed_max_age_s;
	const char *automation;		/* OPS_SRC_AUTOMATION: which one (borrowed) */
	bool have_location;		/* the home's place, for sun triggers */
	double latitude, longitude;
	int64_t command_timeout_ms;	/* 0: OPS_COMMAND_TIMEOUT_MS */
	/* The caller's token may not open the home (scope control): an
	 * action that would (unlocking, opening the garage, directly or in a
	 * scene) fails with -EACCES, confirmed or not. */
	bool no_opening;
	/* The caller has another way to open the home (MCP's open_or_unlock):
	 * here an opening action fails with -EACCES naming it. */
	bool opening_elsewhere;
	/* The actions on devices the person allowed ahead of time (an
	 * automation's consent: [{"device", "action"}], borrowed, or NULL):
	 * the confirmation rule counts each as confirmed. */
	struct json_object *consented;
};

struct config;

/* ops.c */

/* Fills c for a caller of kind source on db (borrowed: it must outlive c)
 * from the configuration cfg (NULL: the defaults). */
void ops_ctx_init(struct ops_ctx *c, struct db *db, const struct config *cfg,
    enum ops_source source);
/* "mcp", "api", "cli", "automation", "unknown". */
const char *ops_source_name(enum ops_source s);
/* Parses "opening", "none", "all"; -EINVAL otherwise. */
int ops_confirm_parse(const char *s, enum ops_confirm *out);
/* The HTTP status for an ops_* return value r < 0, and in *code (static
 * string) the error code REST clients see: the table above. */
unsigned ops_status(int r, const char **code);

/* ops_control.c */

struct ops_control {
	const char *device_id;		/* one device, or NULL for bulk: */
	const char *room;		/*   every device in room and/or */
	const char *type;		/*   of type that supports action */
	const char *action;		/* on off toggle open close set lock unlock ... */
	struct json_object *props;	/* borrowed {"brightness": 40, ...} or NULL */
	bool confirm;			/* the user confirmed this request */
};

/* Controls one device or, in bulk, every matching device that supports the
 * action (others are listed as skipped; none matching is -ENOENT).  *out:
 * {"devices":[device after...], "changed": N, "skipped":[{"id","reason"}],
 *  "commands":[id...]}.
 * A simulated device changes at once.  A real one (with a binding) gets a
 * pending command instead: its device object shows it under "pending" and
 * its state stays what the device last reported; "commands" lists them, for
 * ops_outcome.  A real device that is offline is -EHOSTDOWN (skipped in
 * bulk). */
int ops_control(const struct ops_ctx *c, const struct ops_control *req,
    struct json_object **out, char *err);
/* The seed's special actions that are plain controls: every fish feeder
 * feeds, every EV charger starts or stops. */
int ops_feed_fish(const struct ops_ctx *c, bool confirm, struct json_object **out, char *err);
int ops_ev_charging(const struct ops_ctx *c, bool start, bool confirm, struct json_object **out,
    char *err);

/* ops_device.c: real devices */

/* What a control's commands came to.  result is ops_control's *out
 * (borrowed).  Returns 1 with *out (the devices as they are now) when every
 * command was confirmed (or there were none), 0 while some are pending, or
 * an error: -ETIMEDOUT (a device did not confirm before its deadline; with
 * give_up, the pending ones are failed now), -EHOSTDOWN (it went offline),
 * -ECANCELED (a newer command replaced it), with the sentence in err. */
int ops_outcome(const struct ops_ctx *c, struct json_object *result, bool give_up,
    struct json_object **out, char *err);
/* A device's report, in homectl's terms {"state"?, "properties":{...}}:
 * merges it into the device (source "device") and confirms the device's
 * pending command when the device now is as it asked.  Values the model
 * does not accept are -EINVAL and change nothing.  *out: the device after. */
int ops_report(const struct ops_ctx *c, const char *device_id, struct json_object *report,
    struct json_object **out, char *err);
/* Sets a bound device's availability ("online", "offline", "unknown"); an
 * offline device's pending command fails.  For one device, or (device_id
 * NULL) every device of driver. */
int ops_available(const struct ops_ctx *c, const char *device_id, const char *driver,
    const char *available, char *err);
/* Creates or updates the device a driver found: entry is a catalog entry
 * {"driver","address","id","name","type","caps", "ieee"?}.  The device
 * bound to driver/address keeps its id; a Zigbee device renamed in its
 * bridge is found by its IEEE address and rebound; a new device gets entry's
 * id (or id_2, id_3... when that id is taken).  *device_id: caller frees. */
int ops_bind(const struct ops_ctx *c, struct json_object *entry, char **device_id, char *err);
/* Fails the commands past their deadline; *next_ms: until the next one
 * (-1: none pending). */
int ops_commands_expire(const struct ops_ctx *c, int64_t *next_ms, char *err);
/* Fails one pending command with why (the driver could not send it, the
 * device refused it). */
int ops_command_fail(const struct ops_ctx *c, int64_t id, const char *why, char *err);

/* ops_read.c */

/* Device and list reads.  Unknown ids get an error naming close matches.
 * ops_devices: room, type and state (e.g. "on") each NULL or a filter. */
int ops_device_get(const struct ops_ctx *c, const char *id, struct json_object **out,
    char *err);
int ops_devices(const struct ops_ctx *c, const char *room, const char *type, const char *state,
    struct json_object **out, char *err);
int ops_rooms(const struct ops_ctx *c, struct json_object **out, char *err);
/* The seed's shape: {"lights":{"on","total"},"doors":{"locked","total"},
 * "total_devices","garage_open","active_mode"} */
int ops_stats(const struct ops_ctx *c, struct json_object **out, char *err);

/* sensor_type: "temperature" or "motion" (model_sensor_kinds); room may be
 * NULL.  *out: {"sensor_type","readings":[{"device_id","room","state",...}]} */
int ops_sensor_reading(const struct ops_ctx *c, const char *sensor_type, const char *room,
    struct json_object **out, char *err);

/* Everything a client needs to start from, read in one transaction:
 * {"seq", "mode", "devices":[...], "rooms":[...]} */
int ops_snapshot(const struct ops_ctx *c, struct json_object **out, char *err);

/* ops_mode.c */

/* {"mode","description","scene":[...]} */
int ops_mode_get(const struct ops_ctx *c, struct json_object **out, char *err);
/* Applies the mode's scene and records it, in one transaction.
 * *out: {"mode","previous","devices":[...],"changed":N} */
int ops_mode_set(const struct ops_ctx *c, const char *mode, bool confirm,
    struct json_object **out, char *err);
int ops_modes(const struct ops_ctx *c, struct json_object **out, char *err);
/* What setting mode now would do that needs the user's yes: each step of
 * its scene put to the one confirmation rule (ops_confirm_check) as if
 * unconfirmed.  *out: [{"device", "name", "action"}] in scene order, empty
 * when no step needs it.  For a front end that asks the person itself (MCP
 * elicitation) and must name every opening action in its question. */
int ops_mode_consent(const struct ops_ctx *c, const char *mode, struct json_object **out,
    char *err);

/* ops_timed.c */

/* Starts the sprinklers of zone (NULL: every sprinkler) for duration
 * minutes (1-120); ops_expire turns them off. */
int ops_water_plants(const struct ops_ctx *c, const char *zone, int64_t duration, bool confirm,
    struct json_object **out, char *err);

/* Ends what runs for a set time: every sprinkler that is on and whose
 * started_at + duration has passed at now_ms (milliseconds since the epoch;
 * negative: the real clock) is turned off, in one transaction.  *next_ms
 * gets the milliseconds from now_ms until the next such end (-1: nothing
 * is running), *ended how many were turned off.  homectl-automations calls
 * it at start, after every change and when its timer for *next_ms fires. */
int ops_expire(const struct ops_ctx *c, int64_t now_ms, int64_t *next_ms, int *ended,
    char *err);
/* true when a batch of feed rows (watch_read) changed a device that runs
 * for a set time, so ops_expire has something new to plan. */
bool ops_changes_timed(struct json_object *changes);

/* ops_history.c */

/* The change feed: {"changes":[...], "oldest", "newest"}, changes oldest
 * first; device_id NULL or one device's changes only.  ops_history: after
 * seq since, at most limit (0: all).  ops_history_latest: the newest limit
 * (at least 1). */
int ops_history(const struct ops_ctx *c, int64_t since, int64_t limit, const char *device_id,
    struct json_object **out, char *err);
int ops_history_latest(const struct ops_ctx *c, int64_t limit, const char *device_id,
    struct json_object **out, char *err);
/* One device's feed between from and to (UTC, "2026-11-26T01:02:03Z" or
 * with milliseconds; NULL: to is now, from a day before to), at most
 * points (1 to OPS_HISTORY_POINTS_MAX) changes: when more happened, the
 * span is cut into points equal slices and each keeps its last change.
 * *out {"device_id", "from", "to", "count" (changes in the span),
 * "downsampled", "start" (the state at from: the last change before it,
 * or null when the feed no longer has one), "changes": [{"seq", "at",
 * "source", "automation"?, "state", "properties"}], "retention":
 * {"max_rows", "max_age_days"} (null: no limit), "oldest_at"}.  -ENOENT
 * for an unknown device, -EINVAL for a bad time or span. */
#define OPS_HISTORY_POINTS_MAX 2000
int ops_device_history(const struct ops_ctx *c, const char *device_id, const char *from,
    const char *to, int64_t points, struct json_object **out, char *err);

/* ops_init.c */

/* ---- automations (ops_automation.c) ----
 * As the interfaces show one: {"name", "enabled", "document": {...} (see
 * automation.h), "created_at", "updated_at", "next_run": UTC time of the
 * next time or sun trigger or null, "last_run": the newest run (db.h) or
 * null}. */
/* The writes take the caller's confirmation like every write.  An
 * automation never confirms for a person: an action the confirmation rule
 * gates fails when it runs, unless the person allowed it ahead of time.
 * That is the automation's consent: storing or enabling one whose actions
 * could open the home (unlock a door, open the garage: the rule asked of
 * every state the device can be in, a mode's scene and a bulk action's
 * devices included) needs the caller's confirm, -EPERM without, and
 * records those actions as allowed; a new document starts without.
 * ops_automation_consent lists them, for a front end that asks the person
 * itself. */
/* What doc's actions could do that needs the user's yes:
 * [{"device", "name", "action"}], empty when nothing.  -EACCES when one
 * opens the home and the caller may not (scope control). */
int ops_automation_consent(const struct ops_ctx *c, struct json_object *doc,
    struct json_object **out, char *err);
/* Checks doc (automation_check: the model, the home, loops) and stores it,
 * as a new automation or (replace) in place of the one of its name.
 * -EEXIST / -ENOENT when that is not so; *out: the stored automation, with
 * "consent" when the person allowed it opening actions. */
int ops_automation_put(const struct ops_ctx *c, struct json_object *doc, bool replace,
    bool confirm, struct json_object **out, char *err);
int ops_automation_remove(const struct ops_ctx *c, const char *name, bool confirm, char *err);
int ops_automation_enable(const struct ops_ctx *c, const char *name, bool enabled,
    bool confirm, struct json_object **out, char *err);
/* One automation with its runs newest first (at most runs of them; 0:
 * none) under "runs". */
int ops_automation_get(const struct ops_ctx *c, const char *name, int64_t runs,
    struct json_object **out, char *err);
int ops_automations(const struct ops_ctx *c, struct json_object **out, char *err);
/* Which conditions hold at now (seconds since the epoch), changing nothing:
 * {"name", "enabled", "holds", "conditions": [{"condition", "holds",
 * "detail"}]}. */
int ops_automation_test(const struct ops_ctx *c, const char *name, int64_t now,
    struct json_object **out, char *err);
/* Asks homectl-automations to run the actions now, whatever the triggers
 * and conditions say: {"name", "run": id}; the run's row tells how it went. */
int ops_automation_run(const struct ops_ctx *c, const char *name, bool confirm,
    struct json_object **out, char *err);

/* Creates the schema and, with demo, the seed's 24 devices, rooms and the
 * four mode scenes.  -EEXIST when the home holds anything; the demo may
 * replace an empty home (modes with empty scenes, no room, no device). */
int ops_init_home(const struct ops_ctx *c, bool demo, char *err);

/* ---- editing the home (ops_home.c) ----
 * Ids of rooms, devices and modes are [a-z0-9_]{1,OPS_ID_MAX}; names are
 * text without control characters.  Each edit is one transaction.  Errors:
 * -EINVAL a bad id, name or value; -ENOENT an unknown room, device, type or
 * mode; -EEXIST a duplicate; -ETXTBSY removing the active mode.  Every
 * edit takes the caller's confirmation like any write (confirm = all). */
#define OPS_ID_MAX 64

/* 0 when id is a valid id; what ("room", "device", "mode") names it in err. */
int ops_check_id(const char *what, const char *id, char *err);
/* name NULL: made from the id ("hall_lamp" -> "Hall lamp").  *out: the room
 * {"id","name","devices","position"}. */
int ops_room_add(const struct ops_ctx *c, const char *id, const char *name,
    bool confirm, struct json_object **out, char *err);
/* name or position NULL: unchanged. */
int ops_room_edit(const struct ops_ctx *c, const char *id, const char *name,
    const int *position, bool confirm, struct json_object **out, char *err);
/* Its devices become house-wide: *out {"removed": id, "house_wide": [ids]}. */
int ops_room_remove(const struct ops_ctx *c, const char *id, bool confirm, struct json_object **out,
    char *err);
/* The device starts in the type's initial state and properties (model.c).
 * room and name may be NULL.  *out: the device. */
int ops_device_add(const struct ops_ctx *c, const char *id, const char *type,
    const char *room, const char *name, bool confirm, struct json_object **out, char *err);
struct ops_device_edit {
	const char *name;	/* NULL: unchanged */
	const char *room;	/* NULL: unchanged */
	bool no_room;		/* make it house-wide */
};
int ops_device_edit(const struct ops_ctx *c, const char *id, const struct ops_device_edit *e,
    bool confirm, struct json_object **out, char *err);
/* The scenes that named it lose that step.  An automation that names it
 * (trigger, condition or action) makes it -ETXTBSY (in_use) naming them,
 * unless force, which disables them with the reason recorded as a run
 * (ops_automations_release).  *out {"removed": id, "scenes": [mode names],
 * "disabled": [automation names]}. */
int ops_device_remove(const struct ops_ctx *c, const char *id, bool confirm, bool force,
    struct json_object **out, char *err);
/* *out: the mode as ops_modes lists it. */
int ops_mode_add(const struct ops_ctx *c, const char *name, const char *description,
    bool confirm, struct json_object **out, char *err);
/* Creates or updates a mode (create: only creates, -EEXIST when it exists);
 * description NULL keeps it; scene (borrowed, may be NULL to keep it)
 * replaces the scene: [{"device","action","properties"}]. */
int ops_mode_put(const struct ops_ctx *c, const char *name, const char *description,
    struct json_object *scene, bool create, bool confirm, struct json_object **out, char *err);
/* Not the active mode (-ETXTBSY).  *out {"removed": name}. */
int ops_mode_remove(const struct ops_ctx *c, const char *name, bool confirm, struct json_object **out,
    char *err);
/* Sets the device's step in the mode's scene, checked against the device's
 * type; props borrowed, may be NULL.  *out: the mode. */
int ops_scene_set(const struct ops_ctx *c, const char *mode, const char *device_id,
    const char *action, struct json_object *props, bool confirm, struct json_object **out, char *err);
int ops_scene_remove(const struct ops_ctx *c, const char *mode, const char *device_id,
    bool confirm, struct json_object **out, char *err);

/* ---- the home as one document (ops_export.c, docs/home-document.md) ---- */
/* {"format": 1, "mode", "rooms", "devices", "modes"}. */
int ops_export(const struct ops_ctx *c, struct json_object **out, char *err);
/* Makes the home match doc (borrowed) in one transaction: creates and
 * updates; prune also removes what doc lacks; dry_run rolls back.
 * *out {"changes": ["+ room kitchen", "~ device x", "- mode y"], "created",
 * "updated", "removed", "dry_run"}. */
int ops_import(const struct ops_ctx *c, struct json_object *doc, bool prune, bool dry_run,
    bool confirm, struct json_object **out, char *err);

#endif
