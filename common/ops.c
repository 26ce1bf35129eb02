/* SPDX-License-Identifier: MIT */
/* ops.c -- the domain operations: every read and write of the home, for
 * every interface.  Writes are one IMMEDIATE transaction each: validate
 * everything, apply, claim the feed rows for the caller's source, commit;
 * any failure rolls the whole operation back. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "demo.h"
#include "jsonutil.h"
#include "log.h"
#include "model.h"
#include "ops.h"
#include "util.h"

/* Prune the feed once every this many writes (cheap: two indexed DELETEs). */
#define PRUNE_EVERY 64

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

static int
errf(char *err, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Writes the message and returns r, so errors read "return errf(...)". */
static int
errf(char *err, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	/* clang 14's analyzer misses the va_start above. */
	vsnprintf(err, OPS_ERRLEN, fmt, ap); /* NOLINT(clang-analyzer-valist.Uninitialized) */
	va_end(ap);
	return r;
}

static int
db_err(char *err, int r)
{
	if (r == -EBUSY)
		return errf(err, r, "the database is busy; try again");
	if (r == -EROFS)
		return errf(err, r, "the database is read-only");
	return errf(err, r, "database error");
}

static const char *
jstr(struct json_object *o, const char *key)
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
static int
unknown_device(const struct ops_ctx *c, const char *id, char *err)
{
	const char *best[3] = { NULL, NULL, NULL };
	unsigned score[3] = { 256, 256, 256 }, limit = strlen(id) / 4 + 1, d;
	char **ids = NULL;
	size_t i;
	int k, shown = 0;

	if (db_device_ids(c->db, &ids) < 0)
		ids = NULL;
	for (i = 0; ids != NULL && ids[i] != NULL; i++) {
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
	errf(err, -ENOENT, "unknown device '%s'%s%s%s%s%s%s%s", id,
	    shown ? "; did you mean " : " (list_devices shows every id)",
	    best[0] ? best[0] : "", best[1] ? ", " : "", best[1] ? best[1] : "",
	    best[2] ? ", " : "", best[2] ? best[2] : "", shown ? "?" : "");
	for (i = 0; ids != NULL && ids[i] != NULL; i++)
		free(ids[i]);
	free(ids);
	return -ENOENT;
}

static int
check_room(const struct ops_ctx *c, const char *room, char *err)
{
	int r;

	if (room == NULL)
		return 0;
	if ((r = db_room_exists(c->db, room)) < 0)
		return db_err(err, r);
	return r ? 0 : errf(err, -ENOENT, "unknown room '%s' (list_rooms shows every room)", room);
}

static int
check_type(const char *type, char *err)
{
	if (type == NULL || model_type_find(type) != NULL)
		return 0;
	return errf(err, -EINVAL, "unknown device type '%s'", type);
}

/* ---- the write transaction ---- */

struct txn {
	const struct ops_ctx *c;
	int64_t first_seq;	/* feed rows after this one are ours */
};

static int
txn_begin(const struct ops_ctx *c, struct txn *t, char *err)
{
	int64_t oldest;
	int r;

	t->c = c;
	t->first_seq = 0;
	if ((r = db_begin(c->db, true)) < 0)
		return db_err(err, r);
	if ((r = db_changes_bounds(c->db, &oldest, &t->first_seq)) < 0) {
		db_rollback(c->db);
		return db_err(err, r);
	}
	return 0;
}

static int
txn_commit(struct txn *t, char *err)
{
	const struct ops_ctx *c = t->c;
	int64_t oldest, newest;
	int r;

	if ((r = db_changes_claim(c->db, t->first_seq, ops_source_name(c->source))) < 0)
		goto fail;
	if ((r = db_changes_bounds(c->db, &oldest, &newest)) < 0)
		goto fail;
	if ((c->feed_max_rows > 0 || c->feed_max_age_s > 0) &&
	    newest / PRUNE_EVERY != t->first_seq / PRUNE_EVERY &&
	    (r = db_changes_prune(c->db, c->feed_max_rows, c->feed_max_age_s, NULL)) < 0)
		goto fail;
	if ((r = db_commit(c->db)) < 0)
		return db_err(err, r);
	return 0;
fail:
	db_rollback(c->db);
	return db_err(err, r);
}

/* ---- controlling devices ---- */

/* Applies action with the client's values req (validated for this type) to
 * device dev (a db device object) and writes it.  *after gets the device as
 * stored.  Runs inside the caller's transaction.  Returns 1 when the device
 * changed, 0 when it already was so, or -errno. */
static int
control_one(const struct ops_ctx *c, struct json_object *dev, const char *action,
    struct json_object *req, bool confirm, struct json_object **after, char *err)
{
	const struct model_type *t = model_type_find(jstr(dev, "type"));
	const char *id = jstr(dev, "id"), *state = jstr(dev, "state");
	struct json_object *props = NULL, *cur;
	int r, changed;

	if (t == NULL)
		return errf(err, -EINVAL, "device '%s' has an unknown type '%s'", id,
		    jstr(dev, "type"));
	if ((r = model_check_request(t, action, req, err, OPS_ERRLEN)) < 0)
		return r;
	if (!confirm && c->confirm == OPS_CONFIRM_ALL)
		return errf(err, -EPERM, "every change needs the user's confirmation here: ask, "
		    "then repeat the request with confirm: true");
	if (!confirm && c->confirm == OPS_CONFIRM_OPENING &&
	    model_opens_home(t, action, state, req))
		return errf(err, -EPERM,
		    "'%s' on %s opens the home: ask the user to confirm, then repeat the "
		    "request with confirm: true", action, id);
	/* A deep copy: the device object keeps its own properties. */
	if (!json_object_object_get_ex(dev, "properties", &cur) ||
	    json_object_deep_copy(cur, &props, NULL) != 0)
		return errf(err, -ENOMEM, "out of memory");
	if (req != NULL) {
		json_object_object_foreach(req, key, val)
			json_object_object_add(props, key, json_object_get(val));
	}
	/* state may point into dev, which outlives this call. */
	if ((r = t->apply(action, req, props, &state, err, OPS_ERRLEN)) < 0)
		goto done;
	if ((changed = db_device_update(c->db, id, state, props)) < 0) {
		r = db_err(err, changed);
		goto done;
	}
	if (t->settles_in != NULL && strcmp(state, t->settles_in) != 0 &&
	    (r = db_device_update(c->db, id, t->settles_in, props)) < 0) {
		db_err(err, r);
		goto done;
	}
	if ((r = db_device_get(c->db, id, after)) < 0)
		db_err(err, r);
	else
		r = changed;
done:
	json_object_put(props);
	return r;
}

/* Adds a skipped device with its reason. */
static void
skip(struct json_object *skipped, const char *id, const char *reason)
{
	struct json_object *s = json_object_new_object();

	json_object_object_add(s, "id", json_object_new_string(id));
	json_object_object_add(s, "reason", json_object_new_string(reason));
	json_object_array_add(skipped, s);
}

/* For bulk requests: reject values that no type would accept (out of range
 * for everyone), so "brightness 500 in the kitchen" is an error, not a
 * list of skipped devices. */
static int
check_values_anywhere(struct json_object *req, char *err)
{
	const struct model_prop *p;
	int r;

	if (req == NULL)
		return 0;
	json_object_object_foreach(req, key, val) {
		if ((p = model_prop_any(key)) == NULL)
			return errf(err, -EINVAL, "no device has a property '%s'", key);
		if ((r = model_prop_check(p, val, err, OPS_ERRLEN)) < 0)
			return r;
	}
	return 0;
}

static struct json_object *
result_new(struct json_object **devices, struct json_object **skipped)
{
	struct json_object *o = json_object_new_object();

	*devices = json_object_new_array();
	*skipped = json_object_new_array();
	json_object_object_add(o, "devices", *devices);
	json_object_object_add(o, "changed", json_object_new_int(0));
	json_object_object_add(o, "skipped", *skipped);
	return o;
}

/* Runs req against every device in list (a db array), within a transaction.
 * single: one named device, so its failure is the operation's failure. */
static int
control_list(const struct ops_ctx *c, struct json_object *list, const struct ops_control *req,
    bool single, struct json_object *devices, struct json_object *skipped, int *changed,
    char *err)
{
	char why[OPS_ERRLEN];
	size_t i, n = json_object_array_length(list);
	int r;

	for (i = 0; i < n; i++) {
		struct json_object *dev = json_object_array_get_idx(list, i), *after = NULL;
		const struct model_type *t = model_type_find(jstr(dev, "type"));

		if (!single && (t == NULL || model_check_request(t, req->action, req->props, why,
		    sizeof(why)) < 0)) {
			skip(skipped, jstr(dev, "id"), t ? why : "unknown type");
			continue;
		}
		r = control_one(c, dev, req->action, req->props, req->confirm, &after, err);
		/* In bulk, a device that needs confirmation stops the whole
		 * request: half a house unlocked is worse. */
		if (r < 0)
			return r;
		*changed += r;
		json_object_array_add(devices, after);
	}
	return 0;
}

/* The body of ops_control, inside the caller's transaction; on failure the
 * caller rolls back. */
static int
control_in_txn(const struct ops_ctx *c, const struct ops_control *req, struct json_object **out,
    char *err)
{
	struct json_object *list = NULL, *dev = NULL, *res = NULL, *devices, *skipped;
	int r, changed = 0;

	if (req->device_id != NULL) {
		if ((r = db_device_get(c->db, req->device_id, &dev)) < 0) {
			r = r == -ENOENT ? unknown_device(c, req->device_id, err) : db_err(err, r);
			goto done;
		}
		list = json_object_new_array();
		json_object_array_add(list, dev);
	} else {
		if ((r = check_room(c, req->room, err)) < 0)
			goto done;
		if ((r = db_devices(c->db, req->room, req->type, &list)) < 0) {
			db_err(err, r);
			goto done;
		}
	}
	res = result_new(&devices, &skipped);
	if ((r = control_list(c, list, req, req->device_id != NULL, devices, skipped, &changed,
	    err)) < 0)
		goto done;
	if (json_object_array_length(devices) == 0) {
		r = errf(err, -ENOENT, "no device%s%s%s%s supports '%s'",
		    req->room ? " in " : "", req->room ? req->room : "",
		    req->type ? " of type " : "", req->type ? req->type : "", req->action);
		goto done;
	}
	json_object_object_add(res, "changed", json_object_new_int(changed));
	*out = res;
	res = NULL;
done:
	json_object_put(list);
	json_object_put(res);
	return r;
}

/* Checks what can be checked before touching the database. */
static int
control_precheck(const struct ops_control *req, char *err)
{
	int r;

	if (req->action == NULL)
		return errf(err, -EINVAL, "an action is required");
	if (req->props != NULL && !json_object_is_type(req->props, json_type_object))
		return errf(err, -EINVAL, "properties must be an object");
	if (req->device_id == NULL && req->room == NULL && req->type == NULL)
		return errf(err, -EINVAL, "name a device_id, or a room and/or device_type for "
		    "a bulk action");
	if (req->device_id == NULL) {
		if (!str_in(req->action, model_actions))
			return model_check_request(&model_types[0], req->action, NULL, err,
			    OPS_ERRLEN);
		if ((r = check_values_anywhere(req->props, err)) < 0 ||
		    (r = check_type(req->type, err)) < 0)
			return r;
	}
	return 0;
}

int
ops_control(const struct ops_ctx *c, const struct ops_control *req, struct json_object **out,
    char *err)
{
	struct txn t;
	int r;

	*out = NULL;
	if ((r = control_precheck(req, err)) < 0 || (r = txn_begin(c, &t, err)) < 0)
		return r;
	if ((r = control_in_txn(c, req, out, err)) < 0) {
		db_rollback(c->db);
		return r;
	}
	if ((r = txn_commit(&t, err)) < 0) {
		json_object_put(*out);
		*out = NULL;
	}
	return r;
}

/* ---- reads ---- */

int
ops_device_get(const struct ops_ctx *c, const char *id, struct json_object **out, char *err)
{
	int r;

	if (id == NULL || *id == '\0')
		return errf(err, -EINVAL, "a device id is required");
	if ((r = db_device_get(c->db, id, out)) == -ENOENT)
		return unknown_device(c, id, err);
	return r < 0 ? db_err(err, r) : 0;
}

int
ops_devices(const struct ops_ctx *c, const char *room, const char *type,
    struct json_object **out, char *err)
{
	int r;

	if ((r = check_type(type, err)) < 0 || (r = check_room(c, room, err)) < 0)
		return r;
	return (r = db_devices(c->db, room, type, out)) < 0 ? db_err(err, r) : 0;
}

int
ops_rooms(const struct ops_ctx *c, struct json_object **out, char *err)
{
	int r;

	return (r = db_rooms(c->db, out)) < 0 ? db_err(err, r) : 0;
}

static bool
is(struct json_object *dev, const char *key, const char *value)
{
	const char *v = jstr(dev, key);

	return v != NULL && strcmp(v, value) == 0;
}

int
ops_stats(const struct ops_ctx *c, struct json_object **out, char *err)
{
	struct json_object *all = NULL, *o, *lights, *doors;
	char *mode = NULL;
	int r, lights_on = 0, lights_total = 0, locked = 0, locks = 0, garage_open = 0;
	size_t i, n;

	if ((r = db_begin(c->db, false)) < 0)
		return db_err(err, r);
	if ((r = db_devices(c->db, NULL, NULL, &all)) < 0 ||
	    ((r = db_mode_get(c->db, &mode)) < 0 && r != -ENOENT)) {
		db_rollback(c->db);
		json_object_put(all);
		return db_err(err, r);
	}
	db_commit(c->db);
	n = json_object_array_length(all);
	for (i = 0; i < n; i++) {
		struct json_object *d = json_object_array_get_idx(all, i);

		if (is(d, "type", "light")) {
			lights_total++;
			lights_on += is(d, "state", "on");
		} else if (is(d, "type", "lock")) {
			locks++;
			locked += is(d, "state", "locked");
		} else if (is(d, "type", "garage")) {
			garage_open |= !is(d, "state", "closed");
		}
	}
	o = json_object_new_object();
	lights = json_object_new_object();
	json_object_object_add(lights, "on", json_object_new_int(lights_on));
	json_object_object_add(lights, "total", json_object_new_int(lights_total));
	doors = json_object_new_object();
	json_object_object_add(doors, "locked", json_object_new_int(locked));
	json_object_object_add(doors, "total", json_object_new_int(locks));
	json_object_object_add(o, "lights", lights);
	json_object_object_add(o, "doors", doors);
	json_object_object_add(o, "total_devices", json_object_new_int((int)n));
	json_object_object_add(o, "garage_open", json_object_new_boolean(garage_open));
	json_object_object_add(o, "active_mode", mode ? json_object_new_string(mode) : NULL);
	free(mode);
	json_object_put(all);
	*out = o;
	return 0;
}

/* ---- modes ---- */

int
ops_mode_get(const struct ops_ctx *c, struct json_object **out, char *err)
{
	char *mode = NULL;
	int r;

	if ((r = db_mode_get(c->db, &mode)) < 0)
		return r == -ENOENT ? errf(err, r, "this home has no modes yet (homectl init)") :
		    db_err(err, r);
	r = db_mode_describe(c->db, mode, out);
	if (r == -ENOENT) {
		/* Someone set a mode with no scene by hand; still report it. */
		*out = json_object_new_object();
		json_object_object_add(*out, "name", json_object_new_string(mode));
		json_object_object_add(*out, "description", json_object_new_string(""));
		json_object_object_add(*out, "scene", json_object_new_array());
		r = 0;
	}
	free(mode);
	if (r < 0)
		return db_err(err, r);
	/* "mode" is what the seed's get_home_mode answered. */
	json_object_object_add(*out, "mode",
	    json_object_get(json_object_object_get(*out, "name")));
	return 0;
}

int
ops_modes(const struct ops_ctx *c, struct json_object **out, char *err)
{
	int r;

	return (r = db_modes(c->db, out)) < 0 ? db_err(err, r) : 0;
}

int
ops_mode_set(const struct ops_ctx *c, const char *mode, struct json_object **out, char *err)
{
	struct json_object *desc = NULL, *scene, *res = NULL, *devices, *skipped, *list = NULL;
	char *previous = NULL;
	struct txn t;
	int r, changed = 0;
	size_t i, n;

	*out = NULL;
	if (mode == NULL)
		return errf(err, -EINVAL, "a mode is required");
	if ((r = txn_begin(c, &t, err)) < 0)
		return r;
	if ((r = db_mode_describe(c->db, mode, &desc)) < 0) {
		if (r == -ENOENT) {
			struct json_object *all = NULL;
			char names[256] = "";
			size_t off = 0;

			if (db_modes(c->db, &all) == 0) {
				n = json_object_array_length(all);
				for (i = 0; i < n && off < sizeof(names); i++) {
					int k = snprintf(names + off, sizeof(names) - off, "%s%s",
					    i ? ", " : "", jstr(json_object_array_get_idx(all, i),
						"name"));
					off += k > 0 ? (size_t)k : 0;
				}
				json_object_put(all);
			}
			r = errf(err, -ENOENT, "unknown mode '%s': use one of %s", mode, names);
		} else {
			db_err(err, r);
		}
		goto fail;
	}
	if ((r = db_mode_get(c->db, &previous)) < 0 && r != -ENOENT) {
		db_err(err, r);
		goto fail;
	}
	res = result_new(&devices, &skipped);
	scene = json_object_object_get(desc, "scene");
	n = json_object_array_length(scene);
	for (i = 0; i < n; i++) {
		struct json_object *step = json_object_array_get_idx(scene, i), *dev = NULL;
		struct json_object *props = json_object_object_get(step, "properties");
		struct ops_control one = {
			.device_id = jstr(step, "device_id"),
			.action = jstr(step, "action"),
			.props = json_object_object_length(props) ? props : NULL,
			.confirm = true,	/* a mode is the user's own plan */
		};

		if (db_device_get(c->db, one.device_id, &dev) < 0) {
			skip(skipped, one.device_id, "no such device any more");
			continue;
		}
		list = json_object_new_array();
		json_object_array_add(list, dev);
		r = control_list(c, list, &one, true, devices, skipped, &changed, err);
		json_object_put(list);
		list = NULL;
		if (r < 0) {
			char why[OPS_ERRLEN];

			/* A scene step the model rejects is a broken scene:
			 * report it instead of half-applying the mode. */
			snprintf(why, sizeof(why), "mode '%s', step %zu (%s %s): %s", mode, i + 1,
			    one.action, one.device_id, err);
			r = errf(err, r, "%s", why);
			goto fail;
		}
	}
	if ((r = db_mode_set(c->db, mode)) < 0) {
		db_err(err, r);
		goto fail;
	}
	json_object_object_add(res, "mode", json_object_new_string(mode));
	json_object_object_add(res, "previous", previous ? json_object_new_string(previous) : NULL);
	json_object_object_add(res, "description",
	    json_object_get(json_object_object_get(desc, "description")));
	json_object_object_add(res, "changed", json_object_new_int(changed));
	if ((r = txn_commit(&t, err)) < 0)
		goto done;
	*out = res;
	res = NULL;
	goto done;
fail:
	db_rollback(c->db);
done:
	free(previous);
	json_object_put(desc);
	json_object_put(res);
	return r;
}

/* ---- sensors and the seed's special actions ---- */

int
ops_sensor_reading(const struct ops_ctx *c, const char *sensor_type, const char *room,
    struct json_object **out, char *err)
{
	const struct model_type *t;
	struct json_object *all = NULL, *readings, *o;
	size_t i, n;
	int r;

	if (sensor_type == NULL || !str_in(sensor_type, model_sensor_kinds))
		return errf(err, -EINVAL, "unknown sensor type '%s': homectl has temperature "
		    "and motion sensors", sensor_type ? sensor_type : "");
	if ((r = check_room(c, room, err)) < 0)
		return r;
	for (t = model_types; t->name != NULL; t++)
		if (t->sensor != NULL && strcmp(t->sensor, sensor_type) == 0)
			break;
	if ((r = db_devices(c->db, room, t->name, &all)) < 0)
		return db_err(err, r);
	readings = json_object_new_array();
	n = json_object_array_length(all);
	for (i = 0; i < n; i++) {
		struct json_object *d = json_object_array_get_idx(all, i), *rd;

		rd = json_object_new_object();
		json_object_object_add(rd, "device_id", json_object_get(json_object_object_get(d,
		    "id")));
		json_object_object_add(rd, "name", json_object_get(json_object_object_get(d,
		    "name")));
		json_object_object_add(rd, "room", json_object_get(json_object_object_get(d,
		    "room")));
		json_object_object_add(rd, "state", json_object_get(json_object_object_get(d,
		    "state")));
		json_object_object_add(rd, "properties",
		    json_object_get(json_object_object_get(d, "properties")));
		json_object_object_add(rd, "updated_at",
		    json_object_get(json_object_object_get(d, "updated_at")));
		json_object_array_add(readings, rd);
	}
	json_object_put(all);
	if (json_object_array_length(readings) == 0) {
		json_object_put(readings);
		return errf(err, -ENOENT, "no %s sensor%s%s", sensor_type, room ? " in " : "",
		    room ? room : "");
	}
	o = json_object_new_object();
	json_object_object_add(o, "sensor_type", json_object_new_string(sensor_type));
	json_object_object_add(o, "readings", readings);
	*out = o;
	return 0;
}

int
ops_feed_fish(const struct ops_ctx *c, struct json_object **out, char *err)
{
	struct ops_control req = { .type = "fish_feeder", .action = "feed", .confirm = true };

	return ops_control(c, &req, out, err);
}

int
ops_water_plants(const struct ops_ctx *c, const char *zone, int64_t duration,
    struct json_object **out, char *err)
{
	struct json_object *props, *list = NULL, *res, *devices, *skipped;
	struct txn t;
	size_t i, n;
	int r, changed = 0;

	*out = NULL;
	if (duration < 1 || duration > 120)
		return errf(err, -ERANGE, "duration %lld is out of range: it must be from 1 to "
		    "120 minutes", (long long)duration);
	if (zone != NULL) {
		const struct model_prop *p = model_prop_find(model_type_find("sprinkler"), "zone");

		if (!str_in(zone, p->choices))
			return errf(err, -EINVAL, "unknown zone '%s': use front_yard, back_yard "
			    "or side_yard", zone);
	}
	if ((r = txn_begin(c, &t, err)) < 0)
		return r;
	if ((r = db_devices(c->db, NULL, "sprinkler", &list)) < 0) {
		db_err(err, r);
		goto fail_nores;
	}
	res = result_new(&devices, &skipped);
	props = json_object_new_object();
	json_object_object_add(props, "duration", json_object_new_int64(duration));
	n = json_object_array_length(list);
	for (i = 0; i < n; i++) {
		struct json_object *d = json_object_array_get_idx(list, i), *one;
		struct ops_control req = { .action = "on", .props = props, .confirm = true };

		if (zone != NULL && !is(json_object_object_get(d, "properties"), "zone", zone))
			continue;
		one = json_object_new_array();
		json_object_array_add(one, json_object_get(d));
		r = control_list(c, one, &req, true, devices, skipped, &changed, err);
		json_object_put(one);
		if (r < 0)
			goto fail;
	}
	json_object_put(props);
	props = NULL;
	if (json_object_array_length(devices) == 0) {
		r = errf(err, -ENOENT, "no sprinkler%s%s", zone ? " waters " : "", zone ? zone : "");
		goto fail;
	}
	json_object_object_add(res, "changed", json_object_new_int(changed));
	json_object_object_add(res, "duration", json_object_new_int64(duration));
	if ((r = txn_commit(&t, err)) < 0) {
		json_object_put(res);
		json_object_put(list);
		return r;
	}
	json_object_put(list);
	*out = res;
	return 0;
fail:
	json_object_put(props);
	json_object_put(res);
fail_nores:
	json_object_put(list);
	db_rollback(c->db);
	return r;
}

int
ops_ev_charging(const struct ops_ctx *c, bool start, struct json_object **out, char *err)
{
	struct ops_control req = { .type = "ev_charger", .action = start ? "start" : "stop",
		.confirm = true };

	return ops_control(c, &req, out, err);
}

/* ---- what runs for a set time ---- */

/* "2026-11-26T01:02:03.456Z" as milliseconds since the epoch, or -1. */
static int64_t
parse_utc_ms(const char *s)
{
	struct tm tm = { 0 };
	const char *rest;
	int ms = 0, scale = 100, i;

	if (s == NULL || (rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL)
		return -1;
	/* Milliseconds: the first three digits of the fraction, if any. */
	if (*rest == '.')
		for (i = 1; i <= 3 && rest[i] >= '0' && rest[i] <= '9'; i++, scale /= 10)
			ms += (rest[i] - '0') * scale;
	return (int64_t)timegm(&tm) * 1000 + ms;
}

int
ops_expire(const struct ops_ctx *c, int64_t *next_ms, int *ended, char *err)
{
	struct json_object *list = NULL, *due = json_object_new_array();
	struct timespec now_ts;
	struct txn t;
	int64_t now, end;
	size_t i, n;
	int r;

	*next_ms = -1;
	*ended = 0;
	clock_gettime(CLOCK_REALTIME, &now_ts);
	now = (int64_t)now_ts.tv_sec * 1000 + now_ts.tv_nsec / 1000000;
	/* A plain read first: the write lock only when something is due, so a
	 * daemon's loop never waits on another writer for nothing. */
	if ((r = db_devices(c->db, NULL, "sprinkler", &list)) < 0) {
		db_err(err, r);
		goto done;
	}
	n = json_object_array_length(list);
	for (i = 0; i < n; i++) {
		struct json_object *d = json_object_array_get_idx(list, i);
		struct json_object *props = json_object_object_get(d, "properties");
		int64_t minutes = 0;

		if (!is(d, "state", "on") ||
		    (end = parse_utc_ms(jstr(props, "started_at"))) < 0 ||
		    json_get_int(props, "duration", &minutes, false, 0) < 0)
			continue;
		end += minutes * 60000;
		if (end <= now)
			json_object_array_add(due, json_object_new_string(jstr(d, "id")));
		else if (*next_ms < 0 || end - now < *next_ms)
			*next_ms = end - now;
	}
	if (json_object_array_length(due) == 0)
		goto done;
	if ((r = txn_begin(c, &t, err)) < 0)
		goto done;
	n = json_object_array_length(due);
	for (i = 0; i < n; i++) {
		struct json_object *d = NULL, *after = NULL;

		/* Read again under the lock: someone may have stopped it. */
		if (db_device_get(c->db, json_object_get_string(json_object_array_get_idx(due, i)),
		    &d) < 0 || !is(d, "state", "on")) {
			json_object_put(d);
			continue;
		}
		/* Its time is up: no confirmation to turn water off. */
		r = control_one(c, d, "off", NULL, true, &after, err);
		json_object_put(d);
		json_object_put(after);
		if (r < 0) {
			db_rollback(c->db);
			goto done;
		}
		*ended += r;
	}
	r = txn_commit(&t, err);
done:
	json_object_put(due);
	json_object_put(list);
	return r;
}

bool
ops_changes_timed(struct json_object *changes)
{
	size_t i, n = json_object_array_length(changes);

	for (i = 0; i < n; i++) {
		struct json_object *d = json_object_object_get(json_object_array_get_idx(changes,
		    i), "device");

		if (is(d, "type", "sprinkler"))
			return true;
	}
	return false;
}

/* ---- the feed ---- */

int
ops_history(const struct ops_ctx *c, int64_t since, int64_t limit, const char *device_id,
    struct json_object **out, char *err)
{
	struct json_object *changes = NULL, *o;
	int64_t oldest, newest;
	int r;

	if (limit < 0 || since < 0)
		return errf(err, -EINVAL, "since and limit must not be negative");
	if ((r = db_begin(c->db, false)) < 0)
		return db_err(err, r);
	if ((r = db_changes(c->db, since, limit, device_id, &changes)) < 0 ||
	    (r = db_changes_bounds(c->db, &oldest, &newest)) < 0) {
		db_rollback(c->db);
		json_object_put(changes);
		return db_err(err, r);
	}
	db_commit(c->db);
	o = json_object_new_object();
	json_object_object_add(o, "changes", changes);
	json_object_object_add(o, "oldest", json_object_new_int64(oldest));
	json_object_object_add(o, "newest", json_object_new_int64(newest));
	*out = o;
	return 0;
}

int
ops_snapshot(const struct ops_ctx *c, struct json_object **out, char *err)
{
	struct json_object *devices = NULL, *rooms = NULL, *o;
	int64_t oldest, newest;
	char *mode = NULL;
	int r;

	if ((r = db_begin(c->db, false)) < 0)
		return db_err(err, r);
	if ((r = db_devices(c->db, NULL, NULL, &devices)) < 0 ||
	    (r = db_rooms(c->db, &rooms)) < 0 ||
	    (r = db_changes_bounds(c->db, &oldest, &newest)) < 0 ||
	    ((r = db_mode_get(c->db, &mode)) < 0 && r != -ENOENT)) {
		db_rollback(c->db);
		json_object_put(devices);
		json_object_put(rooms);
		return db_err(err, r);
	}
	db_commit(c->db);
	o = json_object_new_object();
	json_object_object_add(o, "seq", json_object_new_int64(newest));
	json_object_object_add(o, "mode", mode ? json_object_new_string(mode) : NULL);
	json_object_object_add(o, "devices", devices);
	json_object_object_add(o, "rooms", rooms);
	free(mode);
	*out = o;
	return 0;
}

int
ops_init_home(const struct ops_ctx *c, bool demo, char *err)
{
	struct json_object *modes = NULL;
	struct txn t;
	int r;

	if ((r = txn_begin(c, &t, err)) < 0)
		return r;
	if ((r = db_modes(c->db, &modes)) < 0) {
		db_err(err, r);
		goto fail;
	}
	if (json_object_array_length(modes) > 0) {
		r = errf(err, -EEXIST, "%s already holds a home", db_path(c->db));
		goto fail;
	}
	if ((r = demo_populate(c->db, demo)) < 0) {
		db_err(err, r);
		goto fail;
	}
	json_object_put(modes);
	return txn_commit(&t, err);
fail:
	json_object_put(modes);
	db_rollback(c->db);
	return r;
}
