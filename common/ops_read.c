/* SPDX-License-Identifier: MIT */
/* ops_read.c -- reading the home: one device, lists, rooms, the seed's
 * stats, sensor readings and the snapshot a client starts from. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "ops_internal.h"
#include "util.h"

int
ops_device_get(const struct ops_ctx *c, const char *id, struct json_object **out, char *err)
{
	int r;

	if (id == NULL || *id == '\0')
		return ops_errf(err, -EINVAL, "a device id is required");
	if ((r = db_device_get(c->db, id, out)) == -ENOENT)
		return ops_unknown_device(c, id, err);
	return r < 0 ? ops_db_err(err, r) : 0;
}

int
ops_devices(const struct ops_ctx *c, const char *room, const char *type, const char *state,
    struct json_object **out, char *err)
{
	struct json_object *all = NULL, *kept;
	size_t i, n;
	int r;

	*out = NULL;
	if ((type != NULL && (r = ops_check_type(type, err)) < 0) ||
	    (r = ops_check_room(c, room, err)) < 0)
		return r;
	if (state != NULL && !str_in(state, model_states))
		return ops_errf(err, -EINVAL, "unknown state '%s'", state);
	if ((r = db_devices(c->db, room, type, &all)) < 0)
		return ops_db_err(err, r);
	if (state == NULL) {
		*out = all;
		return 0;
	}
	kept = json_object_new_array();
	n = json_object_array_length(all);
	for (i = 0; i < n; i++) {
		struct json_object *d = json_object_array_get_idx(all, i);

		if (ops_is(d, "state", state))
			json_object_array_add(kept, json_object_get(d));
	}
	json_object_put(all);
	*out = kept;
	return 0;
}

int
ops_rooms(const struct ops_ctx *c, struct json_object **out, char *err)
{
	int r;

	return (r = db_rooms(c->db, out)) < 0 ? ops_db_err(err, r) : 0;
}

int
ops_stats(const struct ops_ctx *c, struct json_object **out, char *err)
{
	struct json_object *all = NULL, *o, *lights, *doors;
	char *mode = NULL;
	int r, lights_on = 0, lights_total = 0, locked = 0, locks = 0, garage_open = 0;
	size_t i, n;

	if ((r = db_begin(c->db, false)) < 0)
		return ops_db_err(err, r);
	if ((r = db_devices(c->db, NULL, NULL, &all)) < 0 ||
	    ((r = db_mode_get(c->db, &mode)) < 0 && r != -ENOENT)) {
		db_rollback(c->db);
		json_object_put(all);
		return ops_db_err(err, r);
	}
	db_commit(c->db);
	n = json_object_array_length(all);
	for (i = 0; i < n; i++) {
		struct json_object *d = json_object_array_get_idx(all, i);

		if (ops_is(d, "type", "light")) {
			lights_total++;
			lights_on += ops_is(d, "state", "on");
		} else if (ops_is(d, "type", "lock")) {
			locks++;
			locked += ops_is(d, "state", "locked");
		} else if (ops_is(d, "type", "garage")) {
			garage_open |= !ops_is(d, "state", "closed");
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

int
ops_sensor_reading(const struct ops_ctx *c, const char *sensor_type, const char *room,
    struct json_object **out, char *err)
{
	const struct model_type *t;
	struct json_object *all = NULL, *readings, *o;
	size_t i, n;
	int r;

	if (sensor_type == NULL || !str_in(sensor_type, model_sensor_kinds))
		return ops_errf(err, -EINVAL, "unknown sensor type '%s': homectl has temperature "
		    "and motion sensors", sensor_type ? sensor_type : "");
	if ((r = ops_check_room(c, room, err)) < 0)
		return r;
	for (t = model_types; t->name != NULL; t++)
		if (t->sensor != NULL && strcmp(t->sensor, sensor_type) == 0)
			break;
	if ((r = db_devices(c->db, room, t->name, &all)) < 0)
		return ops_db_err(err, r);
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
		return ops_errf(err, -ENOENT, "no %s sensor%s%s", sensor_type, room ? " in " : "",
		    room ? room : "");
	}
	o = json_object_new_object();
	json_object_object_add(o, "sensor_type", json_object_new_string(sensor_type));
	json_object_object_add(o, "readings", readings);
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
		return ops_db_err(err, r);
	if ((r = db_devices(c->db, NULL, NULL, &devices)) < 0 ||
	    (r = db_rooms(c->db, &rooms)) < 0 ||
	    (r = db_changes_bounds(c->db, &oldest, &newest)) < 0 ||
	    ((r = db_mode_get(c->db, &mode)) < 0 && r != -ENOENT)) {
		db_rollback(c->db);
		json_object_put(devices);
		json_object_put(rooms);
		return ops_db_err(err, r);
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

