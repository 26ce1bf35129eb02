/* SPDX-License-Identifier: MIT */
/* shape.c -- checks of the objects db.h returns (see shape.h). */
#include <string.h>

#include "model.h"
#include "shape.h"
#include "util.h"

/* The string at key, or NULL when it is missing, not a string or not
 * UTF-8; *null is set when the key holds JSON null. */
static const char *
str(struct json_object *o, const char *key, bool *null)
{
	struct json_object *v;
	const char *s;

	*null = false;
	if (!json_object_object_get_ex(o, key, &v))
		return NULL;
	if (v == NULL) {
		*null = true;
		return NULL;
	}
	if (!json_object_is_type(v, json_type_string))
		return NULL;
	s = json_object_get_string(v);
	if (!utf8_valid((const unsigned char *)s, (size_t)json_object_get_string_len(v)) ||
	    strlen(s) != (size_t)json_object_get_string_len(v))
		return NULL;
	return s;
}

static bool
text(struct json_object *o, const char *key)
{
	bool null;

	return str(o, key, &null) != NULL;
}

static bool
text_or_null(struct json_object *o, const char *key)
{
	bool null;

	return str(o, key, &null) != NULL || null;
}

/* properties: an object without nulls, whose values of the properties of t
 * (NULL: unknown) have the kind the model says. */
static const char *
props(struct json_object *o, const struct model_type *t)
{
	struct json_object *p;
	const struct model_prop *mp;

	if (!json_object_object_get_ex(o, "properties", &p) ||
	    !json_object_is_type(p, json_type_object))
		return "properties is not an object";
	json_object_object_foreach(p, key, v) {
		if (!utf8_valid((const unsigned char *)key, strlen(key)))
			return "a property name is not UTF-8";
		if (v == NULL)
			return "a property is null";
		if (t != NULL && (mp = model_prop_find(t, key)) != NULL && !model_value_fits(mp, v))
			return "a property value of the wrong kind";
	}
	return NULL;
}

const char *
shape_device(struct json_object *d)
{
	const struct model_type *t;
	const char *type, *state;
	bool null;

	if (!json_object_is_type(d, json_type_object))
		return "device is not an object";
	if (!text(d, "id") || !text(d, "name") || !text(d, "updated_at"))
		return "device id, name or updated_at is not a string";
	if (!text_or_null(d, "room") || !text_or_null(d, "room_name"))
		return "device room is not a string or null";
	if ((type = str(d, "type", &null)) == NULL || (t = model_type_find(type)) == NULL)
		return "device type is unknown";
	if ((state = str(d, "state", &null)) == NULL || !model_has_state(t, state))
		return "device state is not one of its type";
	return props(d, t);
}

const char *
shape_change(struct json_object *c)
{
	struct json_object *d, *seq;
	const struct model_type *t = NULL;
	const char *kind, *type, *state;
	bool null;

	if (!json_object_is_type(c, json_type_object))
		return "change is not an object";
	if (!json_object_object_get_ex(c, "seq", &seq) || !json_object_is_type(seq, json_type_int))
		return "change seq is not an integer";
	if (!text(c, "at") || !text(c, "source"))
		return "change at or source is not a string";
	if ((kind = str(c, "kind", &null)) == NULL)
		return "change kind is not a string";
	if (strcmp(kind, "mode") == 0)
		return text(c, "mode") ? NULL : "mode change without a mode";
	if (strcmp(kind, "device_removed") == 0)
		return text(c, "device_id") ? NULL : "removal without a device_id";
	if (strcmp(kind, "home") == 0)
		return text(c, "subject") ? NULL : "home edit without a subject";
	if (strcmp(kind, "device") != 0)
		return "change kind is unknown";
	if (!json_object_object_get_ex(c, "device", &d) || !json_object_is_type(d, json_type_object))
		return "device change without a device";
	if (!text(d, "id") || !text(d, "updated_at") || !text_or_null(d, "name") ||
	    !text_or_null(d, "room") || !text_or_null(d, "room_name"))
		return "device change with a field of the wrong type";
	if ((state = str(d, "state", &null)) == NULL)
		return "device change without a state";
	if ((type = str(d, "type", &null)) != NULL) {
		if ((t = model_type_find(type)) == NULL || !model_has_state(t, state))
			return "device change with an unknown type or state";
	} else if (!null) {
		return "device change type is not a string or null";
	}
	return props(d, t);
}

const char *
shape_room(struct json_object *r)
{
	struct json_object *n;

	if (!text(r, "id") || !text(r, "name"))
		return "room id or name is not a string";
	if (!json_object_object_get_ex(r, "devices", &n) || !json_object_is_type(n, json_type_int))
		return "room devices is not an integer";
	return NULL;
}

static const char *
shape_step(struct json_object *s)
{
	bool null;

	if (!text(s, "device_id"))
		return "scene step device_id is not a string";
	if (!str_in(str(s, "action", &null), model_actions))
		return "scene step action is unknown";
	return props(s, NULL);
}

const char *
shape_mode(struct json_object *m)
{
	struct json_object *scene;

	if (!text(m, "name") || !text(m, "description"))
		return "mode name or description is not a string";
	if (!json_object_object_get_ex(m, "scene", &scene))
		return "mode without a scene";
	return shape_all(scene, shape_step);
}

const char *
shape_token(struct json_object *t)
{
	if (!text(t, "name") || !text(t, "created_at") || !text_or_null(t, "last_used"))
		return "token name or dates are not strings";
	if (!text(t, "scope"))
		return "token scope is not a string";
	return NULL;
}

const char *
shape_automation(struct json_object *a)
{
	struct json_object *doc;

	if (!text(a, "name") || !text(a, "created_at") || !text(a, "updated_at"))
		return "automation name or dates are not strings";
	if (!json_object_object_get_ex(a, "document", &doc) ||
	    !json_object_is_type(doc, json_type_object))
		return "automation document is not an object";
	return NULL;
}

const char *
shape_run(struct json_object *r)
{
	struct json_object *v;

	if (!text(r, "automation") || !text(r, "started_at") || !text(r, "outcome") ||
	    !text_or_null(r, "finished_at"))
		return "run automation, dates or outcome are not strings";
	if (!json_object_object_get_ex(r, "trigger", &v) || v == NULL ||
	    !json_object_object_get_ex(r, "actions", &v) || v == NULL)
		return "run without a trigger or actions";
	return NULL;
}

const char *
shape_all(struct json_object *a, const char *(*one)(struct json_object *))
{
	const char *why;
	size_t i, n;

	if (!json_object_is_type(a, json_type_array))
		return "not an array";
	n = json_object_array_length(a);
	for (i = 0; i < n; i++)
		if ((why = one(json_object_array_get_idx(a, i))) != NULL)
			return why;
	return NULL;
}
