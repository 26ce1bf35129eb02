/* SPDX-License-Identifier: MIT */
/* ops_export.c -- the home as one document: export it, and import a
 * document so that the home matches it, in one transaction.
 *
 * The document (format 1, docs/home-document.md):
 *   {"format": 1, "mode": "home",
 *    "rooms":   [{"id", "name", "position"}],
 *    "devices": [{"id", "name", "type", "room", "state", "properties"}],
 *    "modes":   [{"name", "description",
 *                 "scene": [{"device", "action", "properties"}]}],
 *    "automations": [automation documents (automation.h)]}
 * Importing the export of a home into an empty database and exporting
 * again gives the same document: the order of every list is the order the
 * home lists them in, and import keeps it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "automation.h"
#include "jsonutil.h"
#include "model.h"
#include "ops_internal.h"
#include "util.h"

#define HOME_FORMAT 1

static struct json_object *
pick(struct json_object *from, const char *const *keys)
{
	struct json_object *o = json_object_new_object(), *v;

	for (; *keys != NULL; keys++)
		if (json_object_object_get_ex(from, *keys, &v))
			json_object_object_add(o, *keys, json_object_get(v));
	return o;
}

/* A scene as the document writes it: "device", not the database's
 * "device_id". */
static struct json_object *
scene_doc(struct json_object *scene)
{
	struct json_object *a = json_object_new_array(), *step, *s;
	size_t i, n = json_object_array_length(scene);

	for (i = 0; i < n; i++) {
		step = json_object_array_get_idx(scene, i);
		s = json_object_new_object();
		json_object_object_add(s, "device",
		    json_object_get(json_object_object_get(step, "device_id")));
		json_object_object_add(s, "action",
		    json_object_get(json_object_object_get(step, "action")));
		json_object_object_add(s, "properties",
		    json_object_get(json_object_object_get(step, "properties")));
		json_object_array_add(a, s);
	}
	return a;
}

/* A real device's binding (what drives it, where) as its item's "binding":
 * {"driver", "address", "caps"}.  Its availability is not part of the
 * home: it is what the device says now. */
static void
binding_doc(struct json_object *item, struct json_object *bindings)
{
	const char *id = json_object_get_string(json_object_object_get(item, "id"));
	size_t i, n = json_object_array_length(bindings);

	for (i = 0; i < n && id != NULL; i++) {
		struct json_object *b = json_object_array_get_idx(bindings, i), *o;

		if (strcmp(json_object_get_string(json_object_object_get(b, "device_id")), id) != 0)
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "driver", json_object_get(json_object_object_get(b,
		    "driver")));
		json_object_object_add(o, "address", json_object_get(json_object_object_get(b,
		    "address")));
		json_object_object_add(o, "caps", json_object_get(json_object_object_get(b,
		    "caps")));
		json_object_object_add(item, "binding", o);
		return;
	}
}

/* Reads the home into a document, inside the caller's transaction. */
static int
export_doc(const struct ops_ctx *c, struct json_object **out)
{
	static const char *const room_keys[] = { "id", "name", "position", NULL };
	static const char *const device_keys[] = { "id", "name", "type", "room", "state",
		"properties", NULL };
	struct json_object *rooms = NULL, *devices = NULL, *modes = NULL, *autos = NULL, *doc, *a;
	struct json_object *m, *o, *bindings = NULL;
	char *mode = NULL;
	size_t i, n;
	int r;

	if ((r = db_rooms(c->db, &rooms)) < 0 || (r = db_devices(c->db, NULL, NULL,
	    &devices)) < 0 || (r = db_modes(c->db, &modes)) < 0 ||
	    (r = db_automations(c->db, &autos)) < 0 ||
	    ((r = db_mode_get(c->db, &mode)) < 0 && r != -ENOENT) ||
	    (r = db_bindings(c->db, NULL, &bindings)) < 0)
		goto done;
	r = 0;
	doc = json_object_new_object();
	json_object_object_add(doc, "format", json_object_new_int(HOME_FORMAT));
	json_object_object_add(doc, "mode", mode ? json_object_new_string(mode) : NULL);
	a = json_object_new_array();
	n = json_object_array_length(rooms);
	for (i = 0; i < n; i++)
		json_object_array_add(a, pick(json_object_array_get_idx(rooms, i), room_keys));
	json_object_object_add(doc, "rooms", a);
	a = json_object_new_array();
	n = json_object_array_length(devices);
	for (i = 0; i < n; i++) {
		struct json_object *dev = json_object_array_get_idx(devices, i);

		o = pick(dev, device_keys);
		binding_doc(o, bindings);
		json_object_array_add(a, o);
	}
	json_object_object_add(doc, "devices", a);
	a = json_object_new_array();
	n = json_object_array_length(modes);
	for (i = 0; i < n; i++) {
		m = json_object_array_get_idx(modes, i);
		o = json_object_new_object();
		json_object_object_add(o, "name", json_object_get(json_object_object_get(m,
		    "name")));
		json_object_object_add(o, "description",
		    json_object_get(json_object_object_get(m, "description")));
		json_object_object_add(o, "scene", scene_doc(json_object_object_get(m, "scene")));
		json_object_array_add(a, o);
	}
	json_object_object_add(doc, "modes", a);
	a = json_object_new_array();
	n = json_object_array_length(autos);
	for (i = 0; i < n; i++) {
		o = json_object_object_get(json_object_array_get_idx(autos, i), "document");
		if (o != NULL)
			json_object_array_add(a, json_object_get(o));
	}
	json_object_object_add(doc, "automations", a);
	*out = doc;
done:
	free(mode);
	json_object_put(rooms);
	json_object_put(devices);
	json_object_put(modes);
	json_object_put(autos);
	json_object_put(bindings);
	return r;
}

int
ops_export(const struct ops_ctx *c, struct json_object **out, char *err)
{
	int r;

	*out = NULL;
	if ((r = db_begin(c->db, false)) < 0)
		return ops_db_err(err, r);
	r = export_doc(c, out);
	db_rollback(c->db);
	return r < 0 ? ops_db_err(err, r) : 0;
}

/* ---- import ---- */

struct import {
	const struct ops_ctx *c;
	struct json_object *changes;	/* ["+ room kitchen", ...] */
	int created, updated, removed;
	char *err;
};

static void
note(struct import *im, char sign, const char *what, const char *id)
{
	char line[160];

	snprintf(line, sizeof(line), "%c %s %s", sign, what, id);
	json_object_array_add(im->changes, json_object_new_string(line));
	if (sign == '+')
		im->created++;
	else if (sign == '-')
		im->removed++;
	else
		im->updated++;
}

/* The list member key of doc: an array, or absent (an empty list). */
static int
doc_list(struct json_object *doc, const char *key, struct json_object **out, char *err)
{
	struct json_object *v = NULL;

	*out = NULL;
	if (!json_object_object_get_ex(doc, key, &v) || v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_array))
		return ops_errf(err, -EINVAL, "\"%s\" must be a list", key);
	*out = v;
	return 0;
}

static size_t
list_len(struct json_object *a)
{
	return a ? json_object_array_length(a) : 0;
}

/* The string member key of item number i of list what, required or not. */
static int
item_str(struct json_object *item, const char *what, size_t i, const char *key, bool required,
    const char **out, char *err)
{
	struct json_object *v = NULL;

	*out = NULL;
	if (!json_object_is_type(item, json_type_object))
		return ops_errf(err, -EINVAL, "%s %zu is not an object", what, i + 1);
	if (!json_object_object_get_ex(item, key, &v) || v == NULL) {
		if (required)
			return ops_errf(err, -EINVAL, "%s %zu has no \"%s\"", what, i + 1, key);
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return ops_errf(err, -EINVAL, "%s %zu: \"%s\" must be a string", what, i + 1, key);
	*out = json_object_get_string(v);
	return 0;
}

static bool
in_list(struct json_object *list, const char *key, const char *value)
{
	size_t i, n = list_len(list);

	for (i = 0; i < n; i++)
		if (ops_is(json_object_array_get_idx(list, i), key, value))
			return true;
	return false;
}

/* A device's stored properties: every key a property of the type, every
 * value of its kind and range.  Read-only properties are allowed here:
 * they are the device's last report, and a restored home keeps it. */
static int
check_device_props(const struct model_type *mt, const char *id, struct json_object *props,
    char *err)
{
	const struct model_prop *p;
	struct model_prop writable;
	char why[OPS_ERRLEN];
	int r;

	if (!json_object_is_type(props, json_type_object))
		return ops_errf(err, -EINVAL, "device '%s': properties must be an object", id);
	json_object_object_foreach(props, key, val) {
		if ((p = model_prop_find(mt, key)) == NULL)
			return ops_errf(err, -EINVAL, "device '%s': a %s has no property '%s'", id,
			    mt->name, key);
		writable = *p;
		writable.read_only = false;
		if ((r = model_prop_check(&writable, val, why, sizeof(why))) < 0)
			return ops_errf(err, r, "device '%s': %s", id, why);
	}
	return 0;
}

static int
import_rooms(struct import *im, struct json_object *rooms)
{
	struct json_object *have = NULL, *item, *pos;
	const char *id, *name;
	size_t i, n = list_len(rooms);
	int r = 0, position;

	for (i = 0; i < n && r == 0; i++) {
		item = json_object_array_get_idx(rooms, i);
		if ((r = item_str(item, "room", i, "id", true, &id, im->err)) < 0 ||
		    (r = ops_check_id("room", id, im->err)) < 0 ||
		    (r = item_str(item, "room", i, "name", false, &name, im->err)) < 0)
			break;
		if (name == NULL)
			name = id;
		position = (int)i;
		if (json_object_object_get_ex(item, "position", &pos) && pos != NULL) {
			if (!json_object_is_type(pos, json_type_int) ||
			    json_object_get_int64(pos) < 0 || json_object_get_int64(pos) > 10000) {
				r = ops_errf(im->err, -EINVAL, "room '%s': position must be an "
				    "integer from 0 to 10000", id);
				break;
			}
			position = json_object_get_int(pos);
		}
		if ((r = db_rooms(im->c->db, &have)) < 0) {
			ops_db_err(im->err, r);
			break;
		}
		if (!in_list(have, "id", id)) {
			if ((r = db_room_add(im->c->db, id, name, position)) < 0)
				ops_db_err(im->err, r);
			else
				note(im, '+', "room", id);
		} else {
			size_t k, m = json_object_array_length(have);

			for (k = 0; k < m; k++) {
				struct json_object *h = json_object_array_get_idx(have, k);

				if (!ops_is(h, "id", id))
					continue;
				if (!ops_is(h, "name", name) || json_object_get_int(
				    json_object_object_get(h, "position")) != position) {
					if ((r = db_room_update(im->c->db, id, name,
					    &position)) < 0)
						ops_db_err(im->err, r);
					else
						note(im, '~', "room", id);
				}
			}
		}
		json_object_put(have);
		have = NULL;
	}
	return r;
}

/* A device's "binding": it becomes a real device moved by that driver
 * (homectl-mqtt) at that address. */
static int
import_binding(struct import *im, struct json_object *item, const char *id)
{
	static const char *const drivers[] = { "z2m", "tasmota", "shelly", NULL };
	struct json_object *b, *caps = NULL;
	const char *driver = NULL, *address = NULL;
	int r;

	if (!json_object_object_get_ex(item, "binding", &b) || b == NULL)
		return 0;
	if (!json_object_is_type(b, json_type_object) ||
	    json_get_string(b, "driver", &driver, false, NULL) < 0 ||
	    json_get_string(b, "address", &address, false, NULL) < 0 ||
	    !str_in(driver, drivers) || *address == '\0' ||
	    (json_object_object_get_ex(b, "caps", &caps) && caps != NULL &&
	    !json_object_is_type(caps, json_type_object)))
		return ops_errf(im->err, -EINVAL, "device '%s': a binding is {\"driver\": z2m, "
		    "tasmota or shelly, \"address\": its address, \"caps\": {...}}", id);
	if ((r = db_binding_set(im->c->db, id, driver, address, caps)) == -EEXIST)
		return ops_errf(im->err, r, "device '%s': %s %s is bound to another device", id,
		    driver, address);
	if (r < 0)
		return ops_db_err(im->err, r);
	if (r > 0)
		note(im, '~', "binding", id);
	return 0;
}

static int
import_devices(struct import *im, struct json_object *devices)
{
	const struct model_type *mt;
	struct json_object *item, *props, *dev = NULL;
	const char *id, *name, *type, *room, *state;
	char why[OPS_ERRLEN];
	size_t i, n = list_len(devices);
	int r = 0;

	for (i = 0; i < n && r == 0; i++) {
		item = json_object_array_get_idx(devices, i);
		if ((r = item_str(item, "device", i, "id", true, &id, im->err)) < 0 ||
		    (r = ops_check_id("device", id, im->err)) < 0 ||
		    (r = item_str(item, "device", i, "type", true, &type, im->err)) < 0 ||
		    (r = item_str(item, "device", i, "name", false, &name, im->err)) < 0 ||
		    (r = item_str(item, "device", i, "room", false, &room, im->err)) < 0 ||
		    (r = item_str(item, "device", i, "state", false, &state, im->err)) < 0)
			break;
		if ((mt = model_type_find(type)) == NULL) {
			r = ops_errf(im->err, -EINVAL, "device '%s': unknown type '%s'", id, type);
			break;
		}
		if (state == NULL)
			state = mt->initial_state;
		if (!model_has_state(mt, state)) {
			r = ops_errf(im->err, -EINVAL, "device '%s': a %s cannot be '%s'", id,
			    type, state);
			break;
		}
		if (!json_object_object_get_ex(item, "properties", &props) || props == NULL)
			props = NULL;
		if (props != NULL && (r = check_device_props(mt, id, props, im->err)) < 0)
			break;
		if ((r = ops_check_room(im->c, room, why)) < 0) {
			r = ops_errf(im->err, r, "device '%s': %s", id, why);
			break;
		}
		if (name == NULL)
			name = id;
		if ((r = db_device_get(im->c->db, id, &dev)) == -ENOENT) {
			struct json_object *initial = props ? json_object_get(props) :
			    json_tokener_parse(mt->initial_props);

			r = db_device_add(im->c->db, id, name, type, room, state, initial);
			json_object_put(initial);
			if (r == 0)
				note(im, '+', "device", id);
		} else if (r == 0) {
			r = db_device_replace(im->c->db, id, name, type, room, state,
			    props ? props : json_object_object_get(dev, "properties"));
			if (r > 0)
				note(im, '~', "device", id);
			r = r < 0 ? r : 0;
		}
		json_object_put(dev);
		dev = NULL;
		if (r < 0)
			ops_db_err(im->err, r);
		else
			r = import_binding(im, item, id);
	}
	return r;
}

/* Same scene: the same steps in the same order. */
static bool
same_scene(struct json_object *have, struct json_object *want)
{
	struct json_object *a = scene_doc(have);
	bool same;

	/* Steps without properties mean {}. */
	same = json_object_equal(a, want);
	json_object_put(a);
	return same;
}

/* The scene of the document's mode, normalised: every step an object with
 * "device", "action" and "properties" (a new array, caller puts). */
static int
scene_normal(struct import *im, const char *mode, struct json_object *scene,
    struct json_object **out)
{
	struct json_object *a = json_object_new_array(), *step, *props, *s;
	const char *dev, *action;
	size_t i, n = list_len(scene);
	int r = 0;

	for (i = 0; i < n; i++) {
		step = json_object_array_get_idx(scene, i);
		if ((r = item_str(step, "scene step", i, "device", true, &dev, im->err)) < 0 ||
		    (r = item_str(step, "scene step", i, "action", true, &action, im->err)) < 0) {
			char why[OPS_ERRLEN];

			snprintf(why, sizeof(why), "%s", im->err);
			r = ops_errf(im->err, r, "mode '%s': %s", mode, why);
			break;
		}
		if (!json_object_object_get_ex(step, "properties", &props) || props == NULL)
			props = NULL;
		if (props != NULL && !json_object_is_type(props, json_type_object)) {
			r = ops_errf(im->err, -EINVAL, "mode '%s', step %zu: properties must be "
			    "an object", mode, i + 1);
			break;
		}
		s = json_object_new_object();
		json_object_object_add(s, "device", json_object_new_string(dev));
		json_object_object_add(s, "action", json_object_new_string(action));
		json_object_object_add(s, "properties", props ? json_object_get(props) :
		    json_object_new_object());
		json_object_array_add(a, s);
	}
	if (r < 0) {
		json_object_put(a);
		return r;
	}
	*out = a;
	return 0;
}

static int
import_modes(struct import *im, struct json_object *modes)
{
	struct json_object *item, *have = NULL, *scene = NULL, *listed;
	const char *name, *description;
	char why[OPS_ERRLEN];
	size_t i, n = list_len(modes);
	int r = 0, position;

	for (i = 0; i < n && r == 0; i++) {
		item = json_object_array_get_idx(modes, i);
		if ((r = item_str(item, "mode", i, "name", true, &name, im->err)) < 0 ||
		    (r = ops_check_id("mode", name, im->err)) < 0 ||
		    (r = item_str(item, "mode", i, "description", false, &description,
		    im->err)) < 0)
			break;
		if ((r = doc_list(item, "scene", &listed, im->err)) < 0 ||
		    (r = scene_normal(im, name, listed, &scene)) < 0)
			break;
		if ((r = db_mode_describe(im->c->db, name, &have)) == -ENOENT) {
			if ((r = db_mode_next_position(im->c->db, &position)) == 0 &&
			    (r = db_mode_add(im->c->db, name, description ? description : "",
			    position)) == 0)
				note(im, '+', "mode", name);
		} else if (r == 0) {
			bool same = same_scene(json_object_object_get(have, "scene"), scene) &&
			    (description == NULL || ops_is(have, "description", description));

			if (!same) {
				if (description != NULL)
					r = db_mode_update(im->c->db, name, description);
				note(im, '~', "mode", name);
			} else {
				json_object_put(scene);
				scene = NULL;
			}
		}
		json_object_put(have);
		have = NULL;
		if (r < 0) {
			ops_db_err(im->err, r);
			break;
		}
		if (scene != NULL) {
			/* The scene's steps are checked like `homectl scene set`'s. */
			r = ops_mode_steps(im->c, name, scene, why);
			if (r < 0)
				ops_errf(im->err, r, "mode '%s': %s", name, why);
		}
		json_object_put(scene);
		scene = NULL;
	}
	json_object_put(scene);
	return r;
}

/* The stored automation documents, for the loop check (caller puts). */
static int
stored_automations(struct import *im, struct json_object **rows, struct json_object **docs)
{
	int r;

	*docs = NULL;
	if ((r = db_automations(im->c->db, rows)) < 0)
		return ops_db_err(im->err, r);
	*docs = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(*rows); i++) {
		struct json_object *d = json_object_object_get(json_object_array_get_idx(*rows,
		    i), "document");

		if (d != NULL)
			json_object_array_add(*docs, json_object_get(d));
	}
	return 0;
}

/* Each automation is checked against the home as imported so far and the
 * automations stored so far (loops included), then added or replaced. */
static int
import_automations(struct import *im, struct json_object *autos)
{
	struct automation_env env = { .ops = im->c, .have_location = im->c->have_location };
	size_t i, n = list_len(autos);
	int r = 0;

	for (i = 0; i < n && r == 0; i++) {
		struct json_object *rows = NULL, *docs = NULL, *canon = NULL, *have = NULL;
		char why[OPS_ERRLEN];
		const char *name;

		if ((r = stored_automations(im, &rows, &docs)) < 0)
			break;
		if ((r = automation_check(&env, json_object_array_get_idx(autos, i), docs, &canon,
		    why)) < 0) {
			ops_errf(im->err, r, "automation %zu: %s", i + 1, why);
		} else {
			name = automation_name(canon);
			for (size_t k = 0; k < json_object_array_length(docs); k++)
				if (ops_is(json_object_array_get_idx(docs, k), "name", name))
					have = json_object_array_get_idx(docs, k);
			if (have == NULL) {
				if ((r = db_automation_add(im->c->db, name,
				    json_object_to_json_string_ext(canon, JSON_C_TO_STRING_PLAIN),
				    (int64_t)time(NULL))) == 0)
					note(im, '+', "automation", name);
			} else if (!json_object_equal(have, canon)) {
				if ((r = db_automation_replace(im->c->db, name,
				    json_object_to_json_string_ext(canon, JSON_C_TO_STRING_PLAIN))) == 0)
					note(im, '~', "automation", name);
			}
			if (r < 0)
				ops_db_err(im->err, r);
		}
		json_object_put(canon);
		json_object_put(docs);
		json_object_put(rows);
	}
	return r;
}

/* --prune: removes what the document lacks (devices, then modes, then
 * automations, then rooms, so nothing is left pointing at what goes). */
static int
import_prune(struct import *im, struct json_object *doc_rooms, struct json_object *doc_devices,
    struct json_object *doc_modes, struct json_object *doc_autos)
{
	struct json_object *have = NULL, *item;
	char *active = NULL;
	const char *id;
	size_t i, n;
	int r;

	if ((r = db_devices(im->c->db, NULL, NULL, &have)) < 0)
		goto fail;
	n = json_object_array_length(have);
	for (i = 0; i < n; i++) {
		id = ops_jstr(json_object_array_get_idx(have, i), "id");
		if (id != NULL && !in_list(doc_devices, "id", id)) {
			if ((r = db_device_remove(im->c->db, id)) < 0)
				goto fail;
			note(im, '-', "device", id);
		}
	}
	json_object_put(have);
	have = NULL;
	if ((r = db_modes(im->c->db, &have)) < 0 ||
	    ((r = db_mode_get(im->c->db, &active)) < 0 && r != -ENOENT))
		goto fail;
	n = json_object_array_length(have);
	for (i = 0; i < n; i++) {
		item = json_object_array_get_idx(have, i);
		id = ops_jstr(item, "name");
		if (id == NULL || in_list(doc_modes, "name", id))
			continue;
		if (active != NULL && strcmp(active, id) == 0) {
			r = ops_errf(im->err, -ETXTBSY, "mode '%s' is active and not in the "
			    "document: name another active mode in \"mode\"", id);
			goto done;
		}
		if ((r = db_mode_remove(im->c->db, id)) < 0)
			goto fail;
		note(im, '-', "mode", id);
	}
	json_object_put(have);
	have = NULL;
	if ((r = db_automations(im->c->db, &have)) < 0)
		goto fail;
	n = json_object_array_length(have);
	for (i = 0; i < n; i++) {
		id = ops_jstr(json_object_array_get_idx(have, i), "name");
		if (id != NULL && !in_list(doc_autos, "name", id)) {
			if ((r = db_automation_remove(im->c->db, id)) < 0)
				goto fail;
			note(im, '-', "automation", id);
		}
	}
	json_object_put(have);
	have = NULL;
	if ((r = db_rooms(im->c->db, &have)) < 0)
		goto fail;
	n = json_object_array_length(have);
	for (i = 0; i < n; i++) {
		id = ops_jstr(json_object_array_get_idx(have, i), "id");
		if (id != NULL && !in_list(doc_rooms, "id", id)) {
			if ((r = db_room_remove(im->c->db, id)) < 0)
				goto fail;
			note(im, '-', "room", id);
		}
	}
	r = 0;
	goto done;
fail:
	ops_db_err(im->err, r);
done:
	free(active);
	json_object_put(have);
	return r;
}

static int
import_active_mode(struct import *im, struct json_object *doc)
{
	struct json_object *v = NULL;
	char *active = NULL;
	const char *mode;
	int r;

	if (!json_object_object_get_ex(doc, "mode", &v) || v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return ops_errf(im->err, -EINVAL, "\"mode\" must be a mode's name");
	mode = json_object_get_string(v);
	if ((r = db_mode_describe(im->c->db, mode, &v)) < 0)
		return r == -ENOENT ? ops_errf(im->err, r, "\"mode\": there is no mode '%s'",
		    mode) : ops_db_err(im->err, r);
	json_object_put(v);
	if ((r = db_mode_get(im->c->db, &active)) < 0 && r != -ENOENT)
		return ops_db_err(im->err, r);
	/* The mode is restored as a fact: its scene is not run, the devices
	 * are as the document has them. */
	if (active == NULL || strcmp(active, mode) != 0) {
		if ((r = db_mode_set(im->c->db, mode)) < 0) {
			free(active);
			return ops_db_err(im->err, r);
		}
		note(im, '~', "active mode", mode);
	}
	free(active);
	return 0;
}

int
ops_import(const struct ops_ctx *c, struct json_object *doc, bool prune, bool dry_run,
    bool confirm, struct json_object **out, char *err)
{
	struct json_object *rooms, *devices, *modes, *autos, *v, *res;
	struct import im = { .c = c, .err = err };
	struct ops_txn t;
	int r;

	*out = NULL;
	if (doc == NULL || !json_object_is_type(doc, json_type_object))
		return ops_errf(err, -EINVAL, "the home document must be a JSON object");
	if (!json_object_object_get_ex(doc, "format", &v) ||
	    !json_object_is_type(v, json_type_int))
		return ops_errf(err, -EINVAL, "the document has no \"format\": is it a homectl "
		    "export?");
	if (json_object_get_int64(v) != HOME_FORMAT)
		return ops_errf(err, -EINVAL, "document format %s is not one this homectl reads "
		    "(%d)", json_object_to_json_string(v), HOME_FORMAT);
	/* A typo ("device") would otherwise import nothing without a word. */
	json_object_object_foreach(doc, key, val) {
		static const char *const known[] = { "format", "mode", "rooms", "devices", "modes",
			"automations", NULL };

		(void)val;
		if (!str_in(key, known))
			return ops_errf(err, -EINVAL, "the document has an unknown member \"%.64s\"; "
			    "format 1 has format, mode, rooms, devices, modes and automations", key);
	}
	/* A dry run changes nothing: nothing to confirm. */
	if (!dry_run && (r = ops_confirm_check(c, confirm, NULL, NULL, NULL, err)) < 0)
		return r;
	if ((r = doc_list(doc, "rooms", &rooms, err)) < 0 ||
	    (r = doc_list(doc, "devices", &devices, err)) < 0 ||
	    (r = doc_list(doc, "modes", &modes, err)) < 0 ||
	    (r = doc_list(doc, "automations", &autos, err)) < 0)
		return r;
	if ((r = ops_txn_begin(c, &t, err)) < 0)
		return r;
	im.changes = json_object_new_array();
	if ((r = import_rooms(&im, rooms)) < 0 || (r = import_devices(&im, devices)) < 0 ||
	    (r = import_modes(&im, modes)) < 0 || (r = import_active_mode(&im, doc)) < 0 ||
	    (prune && (r = import_prune(&im, rooms, devices, modes, autos)) < 0) ||
	    (r = import_automations(&im, autos)) < 0) {
		db_rollback(c->db);
		json_object_put(im.changes);
		return r;
	}
	res = json_object_new_object();
	json_object_object_add(res, "changes", im.changes);
	json_object_object_add(res, "created", json_object_new_int(im.created));
	json_object_object_add(res, "updated", json_object_new_int(im.updated));
	json_object_object_add(res, "removed", json_object_new_int(im.removed));
	json_object_object_add(res, "dry_run", json_object_new_boolean(dry_run));
	if (dry_run) {
		/* The same code path as a real import, then nothing kept. */
		db_rollback(c->db);
	} else if ((r = ops_txn_commit(&t, err)) < 0) {
		json_object_put(res);
		return r;
	}
	*out = res;
	return 0;
}
