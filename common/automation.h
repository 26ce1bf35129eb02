/* SPDX-License-Identifier: MIT */
/* automation.h -- the automation document: what starts it (triggers), what
 * must hold (conditions), what it does (actions), checked against the
 * model table and the home before it is stored, and the pure parts of
 * running it (does a change match a trigger, do the conditions hold now).
 *
 *   {"name": "hall light when the door opens", "enabled": true,
 *    "mode": "single", "persistent": false,
 *    "triggers":   [{"device": "front_door_lock", "to": "unlocked"}],
 *    "conditions": [{"mode": "home"}, {"time": {"after": "17:00", "before": "23:30"}}],
 *    "actions":    [{"device": "hall_light", "action": "on", "properties": {"brightness": 60}},
 *                   {"delay_s": 300},
 *                   {"device": "hall_light", "action": "off"}]}
 *
 * Triggers:   state   {"device", "property"?, "from"?, "to"?, "for_s"?}
 *             numeric {"device", "property", "above"? , "below"?, "for_s"?}
 *             time    {"at": "Mon..Fri 07:00"}          (systemd.time(7))
 *             sun     {"sun": "sunrise"|"sunset", "offset_min"?}
 *             mode    {"mode": "away", "from"?}
 * Conditions: {"mode"}, {"time": {"after"?, "before"?}} (may span midnight),
 *             {"weekday": "Mon..Fri" | ["Sat", "Sun"]},
 *             {"device", "property"?, "is"? | "above"?/"below"?},
 *             {"any": [...]}, {"all": [...]}, {"not": {...}}
 * Actions:    {"device", "action", "properties"?}, {"room"?, "type"?, "action",
 *             "properties"?} (bulk), {"mode"}, {"delay_s"}
 * Run modes:  "single" (a trigger while running is ignored), "restart",
 *             "queued".
 *
 * Errors are one sentence in err (OPS_ERRLEN bytes) that names the part of
 * the document at fault ("trigger 1: ..."). */
#ifndef HOMECTL_AUTOMATION_H
#define HOMECTL_AUTOMATION_H

#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>

#include "ops.h"

#define AUTOMATION_NAME_MAX	80
#define AUTOMATION_DELAY_MAX	86400	/* seconds; one day */
#define AUTOMATION_FOR_MAX	604800	/* seconds a state must hold; one week */

enum automation_mode { AUTOMATION_SINGLE, AUTOMATION_RESTART, AUTOMATION_QUEUED };

enum automation_trigger_kind {
	AUTOMATION_T_STATE,
	AUTOMATION_T_NUMERIC,
	AUTOMATION_T_TIME,
	AUTOMATION_T_SUN,
	AUTOMATION_T_MODE,
};

/* What validation may consult. */
struct automation_env {
	const struct ops_ctx *ops;	/* devices, rooms, modes and scenes */
	bool have_location;		/* latitude and longitude are configured */
};

/* Checks doc against the model and the home, and that together with others
 * (the stored documents, an array or NULL; one with doc's name is the
 * version doc replaces) no automation can trigger itself.  *out gets the
 * canonical document, defaults filled in (caller puts).  0, or -EINVAL /
 * -ENOENT / -ERANGE (bad document), -ELOOP (a loop), or a database error,
 * with one sentence in err. */
int automation_check(const struct automation_env *env, struct json_object *doc,
    struct json_object *others, struct json_object **out, char *err);

/* true when doc names the device id anywhere (a trigger, a condition, at
 * any depth of and/or/not, or an action): removing the device breaks it. */
bool automation_uses_device(struct json_object *doc, const char *id);

/* A checked document's fields (borrowed from doc). */
const char *automation_name(struct json_object *doc);
bool automation_enabled(struct json_object *doc);
bool automation_persistent(struct json_object *doc);
enum automation_mode automation_mode(struct json_object *doc);
const char *automation_mode_name(enum automation_mode m);
enum automation_trigger_kind automation_trigger_kind(struct json_object *trigger);

/* true when a device going from before to after (device objects as the db
 * and the feed carry them; before may be NULL when unknown) fires the state
 * or numeric trigger t, ignoring for_s. */
bool automation_trigger_fires(struct json_object *t, struct json_object *before,
    struct json_object *after);
/* true when the device (NULL: gone) still satisfies the state or numeric
 * trigger t's target, for a trigger waiting out its for_s. */
bool automation_trigger_holds(struct json_object *t, struct json_object *device);

/* The earliest time one of doc's time or sun triggers elapses strictly
 * after `after` (seconds since the epoch); sun triggers need a place.
 * *trigger (may be NULL) gets which one (borrowed from doc).  0, or -ENOENT
 * when it has none that will elapse. */
int automation_next(struct json_object *doc, const struct ops_ctx *c, int64_t after,
    int64_t *next, struct json_object **trigger);
/* The same for one trigger. */
int automation_trigger_next(struct json_object *t, const struct ops_ctx *c, int64_t after,
    int64_t *next);

/* Evaluates the conditions of a checked doc against the home now (now:
 * seconds since the epoch; time conditions use the host's time zone).
 * *holds: all of them hold.  *report (may be NULL; caller puts):
 * [{"condition": {...}, "holds": true|false, "detail": "..."}].  0 or a
 * database error with a sentence in err. */
int automation_conditions(const struct ops_ctx *c, struct json_object *doc, int64_t now,
    bool *holds, struct json_object **report, char *err);

#endif
