/* SPDX-License-Identifier: MIT */
/* ops.c -- what every domain operation shares: source names, the
 * confirmation setting, error sentences, id and room lookups and the write
 * transaction.  The operations themselves live in ops_<job>.c; ops.h is
 * their one public header, ops_internal.h what the ops_*.c files share.
 *
 * Writes are one IMMEDIATE transaction each: validate everything, apply,
 * claim the feed rows for the caller's source, commit; any failure rolls
 * the whole operation back. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "model.h"
#include "ops_internal.h"
#include "util.h"

/* Prune the feed once every this many writes (cheap: two indexed DELETEs). */
#define PRUNE_EVERY 64

void
ops_ctx_init(struct ops_ctx *c, struct db *db, const struct config *cfg, enum ops_source source)
{
	struct config def;

	if (cfg == NULL) {
		config_defaults(&def);
		cfg = &def;
	}
	*c = (struct ops_ctx){
		.db = db,
		.source = source,
		.confirm = cfg->confirm,
		.feed_max_rows = cfg->feed_max_rows,
		.feed_max_age_s = cfg->feed_max_age_days * 86400,
		.have_location = cfg->have_location,
		.latitude = cfg->latitude,
		.longitude = cfg->longitude,
		.command_timeout_ms = cfg->command_timeout_ms,
	};
	if (cfg == &def)
		config_free(&def);
}

const char *
ops_source_name(enum ops_source s)
{
	switch (s) {
	case OPS_SRC_MCP:
		return "mcp";
	case OPS_SRC_API:
		return "api";
	case OPS_SRC_CLI:
		return "cli";
	case OPS_SRC_AUTOMATION:
		return "automation";
	case OPS_SRC_DEVICE:
		return "device";
	case OPS_SRC_HASS:
		return "hass";
	case OPS_SRC_UNKNOWN:
		break;
	}
	return "unknown";
}

int
ops_confirm_parse(const char *s, enum ops_confirm *out)
{
	if (strcmp(s, "opening") == 0)
		*out = OPS_CONFIRM_OPENING;
	else if (strcmp(s, "none") == 0)
		*out = OPS_CONFIRM_NONE;
	else if (strcmp(s, "all") == 0)
		*out = OPS_CONFIRM_ALL;
	else
		return -EINVAL;
	return 0;
}

unsigned
ops_status(int r, const char **code)
{
	switch (r) {
	case -ENOENT:
		*code = "not_found";
		return 404;
	case -EINVAL:
	case -ERANGE:
		*code = "invalid_value";
		return 422;
	case -EPERM:
		*code = "confirmation_required";
		return 403;
	case -EACCES:
		*code = "insufficient_scope";
		return 403;
	case -EEXIST:
		*code = "exists";
		return 409;
	case -ETXTBSY:
		*code = "in_use";
		return 409;
	case -ELOOP:
		*code = "loop";	/* an automation that would set itself off */
		return 422;
	case -ECANCELED:
		*code = "superseded";
		return 409;
	case -EHOSTDOWN:
		*code = "device_unavailable";
		return 503;
	case -ETIMEDOUT:
		*code = "device_timeout";
		return 504;
	case -EBUSY:
		*code = "busy";
		return 503;
	case -ENOSPC:
		*code = "storage_full";
		return 507;
	case -EROFS:
		*code = "read_only";
		return 503;
	case -ESTALE:
		*code = "unavailable";
		return 503;
	default:
		*code = "internal";
		return 500;
	}
}

/* true when list ([{"device", "action"}] or NULL) holds device's action. */
static bool
consented(struct json_object *list, const char *device, const char *action)
{
	size_t i, n = list != NULL && json_object_is_type(list, json_type_array) ?
	    json_object_array_length(list) : 0;

	for (i = 0; i < n && device != NULL; i++) {
		struct json_object *one = json_object_array_get_idx(list, i);

		if (ops_is(one, "device", device) && ops_is(one, "action", action))
			return true;
	}
	return false;
}

int
ops_confirm_check(const struct ops_ctx *c, bool confirmed, struct json_object *dev,
    const char *action, struct json_object *req, char *err)
{
	const struct model_type *t;

	if ((c->no_opening || c->opening_elsewhere) && dev != NULL &&
	    (t = model_type_find(ops_jstr(dev, "type"))) != NULL &&
	    model_opens_home(t, action, ops_jstr(dev, "state"), req)) {
		if (c->opening_elsewhere)
			return ops_errf(err, -EACCES, "'%s' on %s opens the home: that has its "
			    "own tool, open_or_unlock (one device at a time, with the user's "
			    "consent)", action, ops_jstr(dev, "id"));
		return ops_errf(err, -EACCES, "'%s' on %s opens the home, which this token "
		    "(scope control) may not do: it takes a token of scope full", action,
		    ops_jstr(dev, "id"));
	}
	if (confirmed || c->confirm == OPS_CONFIRM_NONE)
		return 0;
	/* Allowed ahead of time by the person (an automation's consent). */
	if (dev != NULL && action != NULL && consented(c->consented, ops_jstr(dev, "id"), action))
		return 0;
	if (c->confirm == OPS_CONFIRM_ALL)
		return ops_errf(err, -EPERM, "every change needs the user's confirmation here: "
		    "ask, then repeat the request with confirm: true");
	if (dev != NULL && (t = model_type_find(ops_jstr(dev, "type"))) != NULL &&
	    model_opens_home(t, action, ops_jstr(dev, "state"), req))
		return ops_errf(err, -EPERM, "'%s' on %s opens the home: ask the user to "
		    "confirm, then repeat the request with confirm: true", action,
		    ops_jstr(dev, "id"));
	return 0;
}

int
ops_errf(char *err, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfmt(err, OPS_ERRLEN, fmt, ap);
	va_end(ap);
	return r;
}

int
ops_db_err(char *err, int r)
{
	if (r == -EBUSY)
		return ops_errf(err, r, "the database is busy; try again");
	if (r == -EROFS)
		return ops_errf(err, r, "the database is read-only (its file or file system); "
		    "nothing was changed");
	if (r == -ENOSPC)
		return ops_errf(err, r, "the disk holding the database is full; nothing was "
		    "changed: free some space and try again");
	if (r == -ESTALE)
		return ops_errf(err, r, "the database file was replaced or removed while in "
		    "use; nothing was written: try again");
	return ops_errf(err, r, "database error");
}

const char *
ops_jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* How far a typed id is from a real one: the better of the whole id and
 * its first strlen(typed) characters, so a typo in a prefix ("kitchen_lite")
 * still finds the ids it begins (kitchen_light_main). */
static unsigned
id_distance(const char *typed, const char *id)
{
	char prefix[65];
	unsigned whole = str_distance(typed, id), head;

	snprintf(prefix, sizeof(prefix), "%.*s", (int)strlen(typed), id);
	head = str_distance(typed, prefix);
	return head < whole ? head : whole;
}

/* "unknown device 'kitchen_lite'; did you mean kitchen_light_main, ...?" */
int
ops_unknown_device(const struct ops_ctx *c, const char *id, char *err)
{
	const char *best[3] = { NULL, NULL, NULL };
	unsigned score[3] = { 256, 256, 256 }, limit = strlen(id) / 4 + 1, d;
	char **ids = NULL;
	size_t i;
	int k, shown = 0, total = 0;

	if (db_device_ids(c->db, &ids) < 0)
		ids = NULL;
	for (i = 0; ids != NULL && ids[i] != NULL; i++) {
		total++;
		if ((d = id_distance(id, ids[i])) > limit)
			continue;
		/* Insert into the three best, ordered by distance. */
		for (k = 2; k >= 0 && d < score[k]; k--) {
			if (k < 2) {
				score[k + 1] = score[k];
				best[k + 1] = best[k];
			}
			score[k] = d;
			best[k] = ids[i];
		}
	}
	for (k = 0; k < 3; k++)
		shown += best[k] != NULL;
	if (shown)
		ops_errf(err, -ENOENT, "unknown device '%s'; did you mean %s%s%s%s%s?", id,
		    best[0], best[1] ? ", " : "", best[1] ? best[1] : "", best[2] ? ", " : "",
		    best[2] ? best[2] : "");
	else
		ops_errf(err, -ENOENT, "unknown device '%s': none of the home's %d device ids is "
		    "close to it", id, total);
	for (i = 0; ids != NULL && ids[i] != NULL; i++)
		free(ids[i]);
	free(ids);
	return -ENOENT;
}

/* "kitchen, living_room, ..." in buf, for error sentences. */
static const char *
room_list(const struct ops_ctx *c, char *buf, size_t len)
{
	struct json_object *rooms = NULL;
	size_t i, n, off = 0;

	buf[0] = '\0';
	if (db_rooms(c->db, &rooms) < 0)
		return buf;
	n = json_object_array_length(rooms);
	for (i = 0; i < n && off < len; i++) {
		int k = snprintf(buf + off, len - off, "%s%s", i ? ", " : "",
		    ops_jstr(json_object_array_get_idx(rooms, i), "id"));

		off += k > 0 ? (size_t)k : 0;
	}
	json_object_put(rooms);
	return buf;
}

int
ops_unknown_room(const struct ops_ctx *c, const char *room, char *err)
{
	char names[256];

	return ops_errf(err, -ENOENT, "unknown room '%s': the rooms are %s", room,
	    room_list(c, names, sizeof(names)));
}

int
ops_check_room(const struct ops_ctx *c, const char *room, char *err)
{
	int r;

	if (room == NULL)
		return 0;
	if ((r = db_room_exists(c->db, room)) < 0)
		return ops_db_err(err, r);
	return r ? 0 : ops_unknown_room(c, room, err);
}

int
ops_check_type(const char *type, char *err)
{
	char names[512];
	size_t i, off = 0;

	if (type != NULL && model_type_find(type) != NULL)
		return 0;
	names[0] = '\0';
	for (i = 0; model_type_names[i] != NULL && off < sizeof(names); i++) {
		int k = snprintf(names + off, sizeof(names) - off, "%s%s", i ? ", " : "",
		    model_type_names[i]);

		off += k > 0 ? (size_t)k : 0;
	}
	if (type == NULL)
		return ops_errf(err, -EINVAL, "a device type is required: one of %s", names);
	return ops_errf(err, -EINVAL, "unknown device type '%s': the types are %s", type, names);
}


bool
ops_is(struct json_object *dev, const char *key, const char *value)
{
	const char *v = ops_jstr(dev, key);

	return v != NULL && strcmp(v, value) == 0;
}

/* ---- the write transaction ---- */

int
ops_txn_begin(const struct ops_ctx *c, struct ops_txn *t, char *err)
{
	int64_t oldest;
	int r;

	t->c = c;
	t->first_seq = 0;
	if ((r = db_begin(c->db, true)) < 0)
		return ops_db_err(err, r);
	if ((r = db_changes_bounds(c->db, &oldest, &t->first_seq)) < 0) {
		db_rollback(c->db);
		return ops_db_err(err, r);
	}
	return 0;
}

int
ops_txn_commit(struct ops_txn *t, char *err)
{
	const struct ops_ctx *c = t->c;
	int64_t oldest, newest;
	int r;

	if ((r = db_changes_claim(c->db, t->first_seq, ops_source_name(c->source),
	    c->source == OPS_SRC_AUTOMATION ? c->automation : NULL)) < 0)
		goto fail;
	if ((r = db_changes_bounds(c->db, &oldest, &newest)) < 0)
		goto fail;
	if ((c->feed_max_rows > 0 || c->feed_max_age_s > 0) &&
	    newest / PRUNE_EVERY != t->first_seq / PRUNE_EVERY &&
	    (r = db_changes_prune(c->db, c->feed_max_rows, c->feed_max_age_s, NULL)) < 0)
		goto fail;
	if ((r = db_commit(c->db)) < 0)
		return ops_db_err(err, r);
	return 0;
fail:
	db_rollback(c->db);
	return ops_db_err(err, r);
}

