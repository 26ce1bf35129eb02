/* SPDX-License-Identifier: MIT */
/* ops_internal.h -- what the ops_*.c files share and nobody else uses: the
 * error sentences, lookups, the write transaction and the control steps
 * that modes and timed devices reuse.  Front ends include ops.h only. */
#ifndef HOMECTL_OPS_INTERNAL_H
#define HOMECTL_OPS_INTERNAL_H

#include "ops.h"

/* ops.c */

/* Writes the sentence into err (OPS_ERRLEN bytes) and returns r, so errors
 * read "return ops_errf(err, -EINVAL, ...)". */
int ops_errf(char *err, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The sentence for a database failure r; returns r. */
int ops_db_err(char *err, int r);
/* o's string member key, borrowed from o; NULL when absent or not a string. */
const char *ops_jstr(struct json_object *o, const char *key);
/* true when o's string member key equals value. */
bool ops_is(struct json_object *o, const char *key, const char *value);
/* -ENOENT with "unknown device 'x'; did you mean ...?" in err. */
int ops_unknown_device(const struct ops_ctx *c, const char *id, char *err);
/* -ENOENT with "unknown room 'x': the rooms are ..." in err. */
int ops_unknown_room(const struct ops_ctx *c, const char *room, char *err);
/* 0 when room is NULL or exists, -ENOENT (or a database error) otherwise. */
int ops_check_room(const struct ops_ctx *c, const char *room, char *err);
/* The one confirmation rule.  confirmed: the caller's answer.  dev NULL
 * asks about a write as a whole; a db device object with action and the
 * request's values req (NULL-able) asks about that device's action.
 * Returns 0 when the write may go ahead, else -EPERM with the sentence. */
int ops_confirm_check(const struct ops_ctx *c, bool confirmed, struct json_object *dev,
    const char *action, struct json_object *req, char *err);
/* 0 when type is a model type, -EINVAL naming the types otherwise (type
 * NULL: "a device type is required"); callers with an optional type test
 * NULL first. */
int ops_check_type(const char *type, char *err);

/* One write: ops_txn_begin takes the write lock; ops_txn_commit claims the
 * feed rows written since for c->source, prunes now and then, and commits
 * (rolling back on failure).  On any other failure the caller calls
 * db_rollback. */
struct ops_txn {
	const struct ops_ctx *c;
	int64_t first_seq;	/* feed rows after this one are ours */
};
int ops_txn_begin(const struct ops_ctx *c, struct ops_txn *t, char *err);
int ops_txn_commit(struct ops_txn *t, char *err);

/* ops_device.c */

/* The command that moves bound device dev (its binding bind, borrowed) to
 * state/props, inside the caller's transaction; *after: the device with it
 * pending (caller puts).  1 when a command was recorded, 0 when the device
 * already is so and nothing is pending, -EHOSTDOWN when it is offline. */
int ops_command_issue(const struct ops_ctx *c, struct json_object *dev,
    struct json_object *bind, const char *state, struct json_object *props,
    struct json_object **after, char *err);
int64_t ops_command_timeout(const struct ops_ctx *c);

/* ops_control.c */

/* Applies action with values req to one db device object inside the
 * caller's transaction; *after gets the device as stored (caller puts).
 * Asks no one: callers acting for a user go through ops_control_list,
 * which applies the confirmation rule first.  Returns 1 when it changed, 0
 * when it already was so, or -errno. */
int ops_control_one(const struct ops_ctx *c, struct json_object *dev, const char *action,
    struct json_object *req, struct json_object **after, char *err);
/* Runs req (with the caller's req->confirm) against every device in list
 * (borrowed db array) inside the caller's transaction: validates, applies
 * the confirmation rule, then ops_control_one; appends to devices/skipped
 * (borrowed, from ops_result_new) and adds to *changed.  single: one named
 * device, whose failure is the operation's failure; in bulk a device the
 * model rejects is skipped, one that needs confirmation fails the whole. */
int ops_control_list(const struct ops_ctx *c, struct json_object *list,
    const struct ops_control *req, bool single, struct json_object *devices,
    struct json_object *skipped, int *changed, char *err);
/* Adds "commands": the ids of the commands the result's devices wait on. */
void ops_result_commands(struct json_object *result);
/* Appends {"id","reason"} to skipped. */
void ops_skip(struct json_object *skipped, const char *id, const char *reason);
/* A new {"devices":[],"changed":0,"skipped":[]} (caller puts); *devices and
 * *skipped are borrowed from it. */
struct json_object *ops_result_new(struct json_object **devices, struct json_object **skipped);

/* ops_automation.c */

/* Inside the caller's write transaction, before the device id is removed:
 * the automations that name it (automation_uses_device) would be left
 * broken.  Without force: -ETXTBSY (in_use) naming them in err.  With
 * force: each is disabled and gets a finished run, outcome "disabled",
 * trigger {"device_removed": id, "by": source}, which says why.  *names:
 * a new array of their names (caller puts; empty when none).  0 or -errno. */
int ops_automations_release(const struct ops_ctx *c, const char *id, bool force,
    struct json_object **names, char *err);

/* ops_home.c */

/* Replaces the scene of mode (which exists) with scene (borrowed array of
 * {"device" or "device_id", "action", "properties"}), each step checked
 * against its device's type, inside the caller's transaction. */
int ops_mode_steps(const struct ops_ctx *c, const char *mode, struct json_object *scene,
    char *err);

#endif
