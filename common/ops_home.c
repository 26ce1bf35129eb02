/* SPDX-License-Identifier: MIT */
/* ops_home.c -- editing the home: rooms, devices, modes and their scenes.
 * Each edit is one transaction, validated before anything is written; the
 * feed carries device rows through the devices triggers and structural
 * edits (rooms, modes, scenes) as "home" rows, so every open dashboard and
 * MCP subscriber hears of them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "ops_internal.h"
#include "util.h"

#define NAME_MAX_LEN 128
#define DESCRIPTION_MAX_LEN 512

int
ops_check_id(const char *what, const char *id, char *err)
{
	size_t i, n;

	if (id == NULL || *id == '\0')
		return ops_errf(err, -EINVAL, "a %s id is required", what);
	n = strlen(id);
	for (i = 0; i < n; i++)
		if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= '0' && id[i] <= '9') ||
		    id[i] == '_'))
			break;
	if (i < n || n > OPS_ID_MAX)
		return ops_errf(err, -EINVAL, "'%.80s' is not a valid %s id: use 1 to %d "
		    "lowercase letters, digits and underscores", id, what, OPS_ID_MAX);
	return 0;
}

/* A display name: 1 to NAME_MAX_LEN bytes of text without control
 * characters (they would break one-line output and logs). */
static int
check_text(const char *what, const char *s, size_t max, bool empty_ok, char *err)
{
	const unsigned char *p;

	if (s == NULL || (*s == '\0' && !empty_ok))
		return ops_errf(err, -EINVAL, "a %s is required", what);
	if (strlen(s) > max)
		return ops_errf(err, -EINVAL, "the %s is too long (at most %zu bytes)", what, max);
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return ops_errf(err, -EINVAL, "the %s contains a control character", what);
	return 0;
}

/* "hall_lamp" -> "Hall lamp": the name a device or room gets when none is
 * given. */
static void
name_from_id(const char *id, char *buf, size_t len)
{
	size_t i;

	snprintf(buf, len, "%s", id);
	for (i = 0; buf[i] != '\0'; i++)
		if (buf[i] == '_')
			buf[i] = ' ';
	if (buf[0] >= 'a' && buf[0] <= 'z')
		buf[0] = (char)(buf[0] - 'a' + 'A');
}

/* Finishes a write: commits with *res as the result, or rolls back. */
static int
finish(struct ops_txn *t, int r, struct json_object *res, struct json_object **out, char *err)
{
	if (r < 0) {
		db_rollback(t->c->db);
		json_object_put(res);
		return r;
	}
	if ((r = ops_txn_commit(t, err)) < 0) {
		json_object_put(res);
		return r;
	}
	*out = res;
	return 0;
}

static int
room_describe(const struct ops_ctx *c, const char *id, struct json_object **out)
{
	struct json_object *rooms = NULL, *room;
	size_t i, n;
	int r;

	if ((r = db_rooms(c->db, &rooms)) < 0)
		return r;
	n = json_object_array_length(rooms);
	for (i = 0, r = -ENOENT; i < n; i++) {
		room = json_object_array_get_idx(rooms, i);
		if (ops_is(room, "id", id)) {
			*out = json_object_get(room);
			r = 0;
			break;
		}
	}
	json_object_put(rooms);
	return r;
}

int
ops_room_add(const struct ops_ctx *c, const char *id, const char *name,
    bool confirm, struct json_object **out, char *err)
{
	struct json_object *res = NULL;
	char fallback[OPS_ID_MAX + 1];
	struct ops_txn t;
	int r, position;

	*out = NULL;
	if ((r = ops_confirm_check(c, confirm, NULL, NULL, NULL, err)) < 0)
		return r;
	if ((r = ops_check_id("room", id, err)) < 0)
		return r;
	if (name == NULL) {
		name_from_id(id, fallback, sizeof(fallback));
		name = fallback;
	}
	if ((r = check_text("room name", name, NAME_MAX_LEN, false, err)) < 0 ||
	    (r = ops_txn_begin(c, &t, err)) < 0)
		return r;
	if ((r = db_room_next_position(c->db, &position)) < 0 ||
	    (r = db_room_add(c->db, id, name, position)) < 0 ||
	    (r = room_describe(c, id, &res)) < 0) {
		if (r == -EEXIST)
			ops_errf(err, r, "room '%s' already exists", id);
		else
			ops_db_err(err, r);
	}
	return finish(&t, r, res, out, err);
}

int
ops_room_edit(const struct ops_ctx *c, const char *id, const char *name, const int *position,
    bool confirm, struct json_object **out, char *err)
{
	struct json_object *res = NULL;
	struct ops_txn t;
	int r;

	*out = NULL;
	if ((r = ops_confirm_check(c, confirm, NULL, NULL, NULL, err)) < 0)
		return r;
	if ((r = ops_check_id("room", id, err)) < 0)
		return r;
	if (name == NULL && position == NULL)
		return ops_errf(err, -EINVAL, "nothing to change: give a name or a position");
	if ((name != NULL && (r = check_text("room name", name, NAME_MAX_LEN, false, err)) < 0))
		return r;
	if (position != NULL && (*position < 0 || *position > 10000))
		return ops_errf(err, -ERANGE, "position %d is out of range: 0 to 10000", *position);
	if ((r = ops_txn_begin(c, &t, err)) < 0)
		return r;
	if ((r = db_room_update(c->db, id, name, position)) < 0 ||
	    (r = room_describe(c, id, &res)) < 0) {
		if (r == -ENOENT)
			ops_unknown_room(c, id, err);
		else
			ops_db_err(err, r);
	}
	return finish(&t, r, res, out, err);
}

/* The ids of the devices in room (or of every device when room is NULL). */
static int
device_ids_in(const struct ops_ctx *c, const char *room, struct json_object **out)
{
	struct json_object *devices = NULL, *ids = json_object_new_array();
	size_t i, n;
	int r;

	if ((r = db_devices(c->db, room, NULL, &devices)) < 0) {
		json_object_put(ids);
		return r;
	}
	n = json_object_array_length(devices);
	for (i = 0; i < n; i++)
		json_object_array_add(ids, json_object_get(json_object_object_get(
		    json_object_array_get_idx(devices, i), "id")));
	json_object_put(devices);
	*out = ids;
	return 0;
}

int
ops_room_remove(const struct ops_ctx *c, const char *id, bool confirm, struct json_object **out, char *err)
{
	struct json_object *res = json_object_new_object(), *moved = NULL;
	struct ops_txn t;
	int r;

	*out = NULL;
	if ((r = ops_confirm_check(c, confirm, NULL, NULL, NULL, err)) < 0)
		return r;
	if ((r = ops_check_id("room", id, err)) < 0 || (r = ops_txn_begin(c, &t, err)) < 0) {
		json_object_put(res);
		return r;
	}
	if ((r = device_ids_in(c, id, &moved)) < 0 || (r = db_room_remove(c->db, id)) < 0) {
		if (r == -ENOENT)
			ops_unknown_room(c, id, err);
		else
			ops_db_err(err, r);
	} else {
		json_object_object_add(res, "removed", json_object_new_string(id));
		/* Said so: these devices are house-wide now. */
		json_object_object_add(res, "house_wide", moved);
		moved = NULL;
	}
	json_object_put(moved);
	return finish(&t, r, res, out, err);
}

int
ops_device_add(const struct ops_ctx *c, const char *id, const char *type, const char *room,
    const char *name, bool confirm, struct json_object **out, char *err)
{
	const struct model_type *mt;
	struct json_object *props = NULL, *res = NULL;
	char fallback[OPS_ID_MAX + 1];
	struct ops_txn t;
	int r;

	*out = NULL;
	if ((r = ops_confirm_check(c, confirm, NULL, NULL, NULL, err)) < 0)
		return r;
	if ((r = ops_check_id("device", id, err)) < 0)
		return r;
	if ((r = ops_check_type(type, err)) < 0)
		return r;
	mt = model_type_find(type);
	if (name == NULL) {
		name_from_id(id, fallback, sizeof(fallback));
		name = fallback;
	}
	if ((r = check_text("device name", name, NAME_MAX_LEN, false, err)) < 0)
		return r;
	if ((r = ops_txn_begin(c, &t, err)) < 0)
		return r;
	if ((r = ops_check_room(c, room, err)) < 0)
		goto done;
	props = json_tokener_parse(mt->initial_props);
	if ((r = db_device_add(c->db, id, name, type, room, mt->initial_state, props)) < 0 ||
	    (r = db_device_get(c->db, id, &res)) < 0) {
		if (r == -EEXIST)
			ops_errf(err, r, "device '%s' already exists", id);
		else
			ops_db_err(err, r);
	}
done:
	json_object_put(props);
	return finish(&t, r, res, out, err);
}

int
ops_device_edit(const struct ops_ctx *c, const char *id, const struct ops_device_edit *e,
    bool confirm, struct json_object **out, char *err)
{
	struct json_object *dev = NULL, *res = NULL;
	const char *name, *room;
	struct ops_txn t;
	int r;

	*out = NULL;
	if ((r = ops_confirm_check(c, confirm, NULL, NULL, NULL, err)) < 0)
		return r;
	if ((r = ops_check_id("device", id, err)) < 0)
		return r;
	if (e->name == NULL && e->room == NULL && !e->no_room)
		return ops_errf(err, -EINVAL, "nothing to change: give a name, a room or no room");
	if (e->room != NULL && e->no_room)
		return ops_errf(err, -EINVAL, "give a room or no room, not both");
	if (e->name != NULL && (r = check_text("device name", e->name, NAME_MAX_LEN, false,
	    err)) < 0)
		return r;
	if ((r = ops_txn_begin(c, &t, err)) < 0)
		return r;
	if ((r = db_device_get(c->db, id, &dev)) < 0) {
		if (r == -ENOENT)
			ops_unknown_device(c, id, err);
		else
			ops_db_err(err, r);
		goto done;
	}
	if ((r = ops_check_room(c, e->room, err)) < 0)
		goto done;
	name = e->name ? e->name : ops_jstr(dev, "name");
	room = e->no_room ? NULL : e->room ? e->room : ops_jstr(dev, "room");
	if ((r = db_device_edit(c->db, id, name, room)) < 0 ||
	    (r = db_device_get(c->db, id, &res)) < 0)
		ops_db_err(err, r);
done:
	json_object_put(dev);
	return finish(&t, r, res, out, err);
}

int
ops_device_remove(const struct ops_ctx *c, const char *id, bool confirm, bool force,
    struct json_object **out, char *err)
{
	struct json_object *res = json_object_new_object(), *scenes = NULL, *autos = NULL;
	struct ops_txn t;
	int r;

	*out = NULL;
	if ((r = ops_confirm_check(c, confirm, NULL, NULL, NULL, err)) < 0)
		return r;
	if ((r = ops_check_id("device", id, err)) < 0 || (r = ops_txn_begin(c, &t, err)) < 0) {
		json_object_put(res);
		return r;
	}
	/* The scenes that lose their step for it, to say so. */
	if ((r = db_device_scenes(c->db, id, &scenes)) < 0 ||
	    (r = db_device_remove(c->db, id)) < 0) {
		if (r == -ENOENT)
			ops_unknown_device(c, id, err);
		else
			ops_db_err(err, r);
	} else if ((r = ops_automations_release(c, id, force, &autos, err)) == 0) {
		json_object_object_add(res, "removed", json_object_new_string(id));
		json_object_object_add(res, "scenes", scenes);
		json_object_object_add(res, "disabled", autos);
		scenes = autos = NULL;
	}
	json_object_put(scenes);
	json_object_put(autos);
	return finish(&t, r, res, out, err);
}

static int
unknown_mode(const struct ops_ctx *c, const char *name, char *err)
{
	struct json_object *all = NULL;
	char names[256] = "";
	size_t i, n, off = 0;

	if (db_modes(c->db, &all) == 0) {
		n = json_object_array_length(all);
		for (i = 0; i < n && off < sizeof(names); i++) {
			int k = snprintf(names + off, sizeof(names) - off, "%s%s", i ? ", " : "",
			    ops_jstr(json_object_array_get_idx(all, i), "name"));

			off += k > 0 ? (size_t)k : 0;
		}
		json_object_put(all);
	}
	return ops_errf(err, -ENOENT, "unknown mode '%s'%s%s", name,
	    names[0] ? ": the modes are " : " (this home has no modes)", names);
}

/* 0 when mode exists; -ENOENT naming the modes there are, or a database
 * error, with the sentence in err. */
static int
check_mode(const struct ops_ctx *c, const char *mode, char *err)
{
	struct json_object *m = NULL;
	int r;

	if ((r = db_mode_describe(c->db, mode, &m)) == 0) {
		json_object_put(m);
		return 0;
	}
	return r == -ENOENT ? unknown_mode(c, mode, err) : ops_db_err(err, r);
}

/* Checks one scene step against the device it names and the model; the
 * device's type decides which actions and values are valid. */
static int
check_step(const struct ops_ctx *c, const char *device_id, const char *action,
    struct json_object *props, char *err)
{
	const struct model_type *mt;
	struct json_object *dev = NULL;
	char why[OPS_ERRLEN];
	int r;

	if ((r = db_device_get(c->db, device_id, &dev)) < 0)
		return r == -ENOENT ? ops_unknown_device(c, device_id, err) : ops_db_err(err, r);
	mt = model_type_find(ops_jstr(dev, "type"));
	if (mt == NULL)
		r = ops_errf(err, -EINVAL, "device '%s' has an unknown type", device_id);
	else if ((r = model_check_request(mt, action, props && json_object_object_length(props) ?
	    props : NULL, why, sizeof(why))) < 0)
		ops_errf(err, r, "%s: %s", device_id, why);
	json_object_put(dev);
	return r;
}

int
ops_mode_add(const struct ops_ctx *c, const char *name, const char *description,
    bool confirm, struct json_object **out, char *err)
{
	struct json_object *res = NULL;
	struct ops_txn t;
	int r, position;

	*out = NULL;
	if ((r = ops_confirm_check(c, confirm, NULL, NULL, NULL, err)) < 0)
		return r;
	if ((r = ops_check_id("mode", name, err)) < 0 ||
	    (r = check_text("description", description ? description : "",
	    DESCRIPTION_MAX_LEN, true, err)) < 0 || (r = ops_txn_begin(c, &t, err)) < 0)
		return r;
	if ((r = db_mode_next_position(c->db, &position)) < 0 ||
	    (r = db_mode_add(c->db, name, description ? description : "", position)) < 0 ||
	    (r = db_mode_describe(c->db, name, &res)) < 0) {
		if (r == -EEXIST)
			ops_errf(err, r, "mode '%s' already exists", name);
		else
			ops_db_err(err, r);
	}
	return finish(&t, r, res, out, err);
}

int
ops_mode_steps(const struct ops_ctx *c, const char *mode, struct json_object *scene, char *err)
{
	struct json_object *step, *props;
	const char *dev, *action;
	size_t i, n;
	int r;

	if ((r = db_scene_clear(c->db, mode)) < 0)
		return ops_db_err(err, r);
	n = json_object_array_length(scene);
	for (i = 0; i < n; i++) {
		step = json_object_array_get_idx(scene, i);
		dev = ops_jstr(step, "device");
		if (dev == NULL)
			dev = ops_jstr(step, "device_id");
		action = ops_jstr(step, "action");
		if (!json_object_is_type(step, json_type_object) || dev == NULL || action == NULL)
			return ops_errf(err, -EINVAL, "scene step %zu needs a device and an action",
			    i + 1);
		props = NULL;
		json_object_object_get_ex(step, "properties", &props);
		if (props != NULL && !json_object_is_type(props, json_type_object))
			return ops_errf(err, -EINVAL, "scene step %zu: properties must be an object",
			    i + 1);
		if ((r = check_step(c, dev, action, props, err)) < 0)
			return r;
		if ((r = db_scene_set(c->db, mode, dev, action, props)) < 0)
			return r == -EEXIST ? ops_errf(err, -EINVAL, "scene step %zu: '%s' has "
			    "a step already", i + 1, dev) : ops_db_err(err, r);
	}
	return 0;
}

int
ops_mode_put(const struct ops_ctx *c, const char *name, const char *description,
    struct json_object *scene, bool create, bool confirm, struct json_object **out, char *err)
{
	struct json_object *res = NULL;
	struct ops_txn t;
	int r, position;

	*out = NULL;
	if ((r = ops_confirm_check(c, confirm, NULL, NULL, NULL, err)) < 0)
		return r;
	if ((r = ops_check_id("mode", name, err)) < 0 ||
	    (description != NULL && (r = check_text("description", description,
	    DESCRIPTION_MAX_LEN, true, err)) < 0))
		return r;
	if (scene != NULL && !json_object_is_type(scene, json_type_array))
		return ops_errf(err, -EINVAL, "scene must be a list of steps");
	if ((r = ops_txn_begin(c, &t, err)) < 0)
		return r;
	if ((r = db_mode_describe(c->db, name, &res)) == -ENOENT) {
		if ((r = db_mode_next_position(c->db, &position)) == 0)
			r = db_mode_add(c->db, name, description ? description : "", position);
	} else if (r == 0 && create) {
		r = -EEXIST;
	} else if (r == 0 && description != NULL) {
		r = db_mode_update(c->db, name, description);
	}
	json_object_put(res);
	res = NULL;
	if (r < 0) {
		if (r == -EEXIST)
			ops_errf(err, r, "mode '%s' already exists", name);
		else
			ops_db_err(err, r);
		goto done;
	}
	if (scene != NULL && (r = ops_mode_steps(c, name, scene, err)) < 0)
		goto done;
	if ((r = db_mode_describe(c->db, name, &res)) < 0)
		ops_db_err(err, r);
done:
	return finish(&t, r, res, out, err);
}

int
ops_mode_remove(const struct ops_ctx *c, const char *name, bool confirm, struct json_object **out, char *err)
{
	struct json_object *res = json_object_new_object();
	char *active = NULL;
	struct ops_txn t;
	int r;

	*out = NULL;
	if ((r = ops_confirm_check(c, confirm, NULL, NULL, NULL, err)) < 0)
		return r;
	if ((r = ops_check_id("mode", name, err)) < 0 || (r = ops_txn_begin(c, &t, err)) < 0) {
		json_object_put(res);
		return r;
	}
	if ((r = db_mode_get(c->db, &active)) < 0 && r != -ENOENT) {
		ops_db_err(err, r);
		goto done;
	}
	if (active != NULL && strcmp(active, name) == 0) {
		r = ops_errf(err, -ETXTBSY, "mode '%s' is the active one: switch to another "
		    "mode first", name);
		goto done;
	}
	if ((r = db_mode_remove(c->db, name)) < 0) {
		if (r == -ENOENT)
			unknown_mode(c, name, err);
		else
			ops_db_err(err, r);
		goto done;
	}
	json_object_object_add(res, "removed", json_object_new_string(name));
done:
	free(active);
	return finish(&t, r, res, out, err);
}

int
ops_scene_set(const struct ops_ctx *c, const char *mode, const char *device_id,
    const char *action, struct json_object *props, bool confirm, struct json_object **out, char *err)
{
	struct json_object *res = NULL;
	struct ops_txn t;
	int r;

	*out = NULL;
	if ((r = ops_confirm_check(c, confirm, NULL, NULL, NULL, err)) < 0)
		return r;
	if ((r = ops_check_id("mode", mode, err)) < 0 ||
	    (r = ops_check_id("device", device_id, err)) < 0 ||
	    (r = ops_txn_begin(c, &t, err)) < 0)
		return r;
	if ((r = check_mode(c, mode, err)) < 0)
		goto done;
	if ((r = check_step(c, device_id, action, props, err)) < 0)
		goto done;
	if ((r = db_scene_set(c->db, mode, device_id, action, props)) < 0 ||
	    (r = db_mode_describe(c->db, mode, &res)) < 0)
		ops_db_err(err, r);
done:
	return finish(&t, r, res, out, err);
}

int
ops_scene_remove(const struct ops_ctx *c, const char *mode, const char *device_id,
    bool confirm, struct json_object **out, char *err)
{
	struct json_object *res = NULL;
	struct ops_txn t;
	int r;

	*out = NULL;
	if ((r = ops_confirm_check(c, confirm, NULL, NULL, NULL, err)) < 0)
		return r;
	if ((r = ops_check_id("mode", mode, err)) < 0 ||
	    (r = ops_check_id("device", device_id, err)) < 0 ||
	    (r = ops_txn_begin(c, &t, err)) < 0)
		return r;
	if ((r = check_mode(c, mode, err)) < 0)
		goto done;
	if ((r = db_scene_remove(c->db, mode, device_id)) < 0) {
		if (r == -ENOENT)
			ops_errf(err, r, "mode '%s' has no step for '%s'", mode, device_id);
		else
			ops_db_err(err, r);
		goto done;
	}
	if ((r = db_mode_describe(c->db, mode, &res)) < 0)
		ops_db_err(err, r);
done:
	return finish(&t, r, res, out, err);
}
