/* SPDX-License-Identifier: MIT */
/* schema.c -- the JSON Schemas the tools advertise, built from the model
 * table, and the checker that holds each call's arguments to the schema
 * its tool advertised (one source of truth for what a model may send). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonutil.h"
#include "log.h"
#include "mcpcore.h"
#include "model.h"
#include "util.h"

struct json_object *
schema_object(void)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "type", json_object_new_string("object"));
	json_object_object_add(o, "properties", json_object_new_object());
	return o;
}

void
schema_add(struct json_object *obj, const char *name, struct json_object *prop, bool required)
{
	struct json_object *props, *req;

	json_object_object_get_ex(obj, "properties", &props);
	json_object_object_add(props, name, prop);
	if (!required)
		return;
	if (!json_object_object_get_ex(obj, "required", &req)) {
		req = json_object_new_array();
		json_object_object_add(obj, "required", req);
	}
	json_object_array_add(req, json_object_new_string(name));
}

struct json_object *
schema_type(const char *type, const char *description)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "type", json_object_new_string(type));
	if (description != NULL)
		json_object_object_add(o, "description", json_object_new_string(description));
	return o;
}

struct json_object *
schema_enum(const char *const *choices, const char *description)
{
	struct json_object *o = schema_type("string", description), *a = json_object_new_array();

	for (; *choices != NULL; choices++)
		json_object_array_add(a, json_object_new_string(*choices));
	json_object_object_add(o, "enum", a);
	return o;
}

struct json_object *
schema_int(int64_t min, int64_t max, const char *description)
{
	struct json_object *o = schema_type("integer", description);

	json_object_object_add(o, "minimum", json_object_new_int64(min));
	json_object_object_add(o, "maximum", json_object_new_int64(max));
	return o;
}

struct json_object *
schema_prop(const char *name, const char *description)
{
	const struct model_prop *p = model_prop_any(name);
	struct json_object *o;

	if (p == NULL)
		return schema_type("number", description);
	o = model_prop_schema(p);
	if (description != NULL)
		json_object_object_add(o, "description", json_object_new_string(description));
	return o;
}

struct json_object *
schema_array(struct json_object *items, const char *description)
{
	struct json_object *o = schema_type("array", description);

	json_object_object_add(o, "items", items);
	return o;
}

struct json_object *
schema_device(void)
{
	return schema_parse("{\"type\":\"object\",\"required\":[\"id\",\"type\",\"state\"],"
	    "\"properties\":{"
	    "\"id\":{\"type\":\"string\"},"
	    "\"name\":{\"type\":\"string\"},"
	    "\"type\":{\"type\":\"string\"},"
	    "\"room\":{\"type\":[\"string\",\"null\"],\"description\":"
	    "\"null for house-wide devices\"},"
	    "\"room_name\":{\"type\":[\"string\",\"null\"]},"
	    "\"state\":{\"type\":\"string\"},"
	    "\"properties\":{\"type\":\"object\"},"
	    "\"updated_at\":{\"type\":\"string\"},"
	    "\"driver\":{\"type\":\"string\",\"description\":"
	    "\"sim (simulated) or what moves the real device: z2m, tasmota, shelly\"},"
	    "\"address\":{\"type\":[\"string\",\"null\"]},"
	    "\"available\":{\"enum\":[\"online\",\"offline\",\"unknown\"],\"description\":"
	    "\"An offline device cannot be controlled until it is back\"},"
	    "\"pending\":{\"type\":[\"object\",\"null\"],\"description\":"
	    "\"A command sent to the real device and not yet confirmed by it; state and "
	    "properties are what the device last reported\"}}}");
}

struct json_object *
schema_parse(const char *text)
{
	struct json_object *o;
	char err[128];

	if ((o = json_parse_strict(text, strlen(text), err, sizeof(err))) == NULL)
		fatalx("built-in schema: %s: %.60s", err, text);
	return o;
}

/* ---- checking arguments ---- */

static bool
type_is(struct json_object *v, const char *type)
{
	enum json_type t = json_object_get_type(v);

	if (strcmp(type, "string") == 0)
		return t == json_type_string;
	if (strcmp(type, "integer") == 0) {
		double d = json_object_get_double(v);

		/* 5.0 is an integer in JSON Schema; within ±2^53 the cast
		 * is exact (and libm is not needed). */
		return t == json_type_int || (t == json_type_double && isfinite(d) &&
		    d > -9007199254740992.0 && d < 9007199254740992.0 &&
		    (double)(int64_t)d == d);
	}
	if (strcmp(type, "number") == 0)
		return t == json_type_int || t == json_type_double;
	if (strcmp(type, "boolean") == 0)
		return t == json_type_boolean;
	if (strcmp(type, "object") == 0)
		return t == json_type_object;
	if (strcmp(type, "array") == 0)
		return t == json_type_array;
	if (strcmp(type, "null") == 0)
		return t == json_type_null;
	return false;
}

/* Appends ", item" (or the first item) to the list in buf; a full buffer
 * keeps what fits. */
static void
list_add(char *buf, size_t len, size_t *off, const char *item)
{
	int w;

	if (*off >= len)
		return;
	w = snprintf(buf + *off, len - *off, "%s%s", *off > 0 ? ", " : "", item);
	if (w > 0)
		*off += (size_t)w;
}

static const char *
a_or_an(const char *type)
{
	return strchr("aeiou", type[0]) ? "an" : "a";
}

/* Checks one value against one property schema. */
static int
check_value(const char *name, struct json_object *ps, struct json_object *v, char *err,
    size_t errlen)
{
	struct json_object *type, *en, *min, *max;

	if (json_object_object_get_ex(ps, "type", &type)) {
		const char *tname;
		bool ok = false;

		if (json_object_is_type(type, json_type_array)) {
			for (size_t i = 0; i < json_object_array_length(type); i++)
				ok = ok || type_is(v, json_object_get_string(
				    json_object_array_get_idx(type, i)));
			tname = json_object_get_string(json_object_array_get_idx(type, 0));
		} else {
			tname = json_object_get_string(type);
			ok = type_is(v, tname);
		}
		if (!ok) {
			snprintf(err, errlen, "%s must be %s %s, not %s", name, a_or_an(tname),
			    tname, json_compact(v));
			return -EINVAL;
		}
	}
	if (json_object_object_get_ex(ps, "enum", &en)) {
		size_t n = json_object_array_length(en);
		char list[384] = "";
		size_t off = 0;

		for (size_t i = 0; i < n; i++)
			if (strcmp(json_object_get_string(json_object_array_get_idx(en, i)),
			    json_object_get_string(v)) == 0)
				return 0;
		for (size_t i = 0; i < n; i++)
			list_add(list, sizeof(list), &off,
			    json_object_get_string(json_object_array_get_idx(en, i)));
		snprintf(err, errlen, "%s must be one of: %s (got \"%.64s\")", name, list,
		    json_object_get_string(v));
		return -EINVAL;
	}
	if (json_object_object_get_ex(ps, "minimum", &min) &&
	    json_object_object_get_ex(ps, "maximum", &max) &&
	    (json_object_get_double(v) < json_object_get_double(min) ||
	    json_object_get_double(v) > json_object_get_double(max))) {
		snprintf(err, errlen, "%s must be between %s and %s, not %s", name,
		    json_compact(min), json_compact(max), json_compact(v));
		return -ERANGE;
	}
	return 0;
}

/* The part of schema_check that walks the given arguments. */
static int
check_args(struct json_object *props, struct json_object *args, char *err, size_t errlen)
{
	const char *nulls[32], *ints[32];
	size_t nnulls = 0, nints = 0;
	struct json_object *ps;
	int r;

	json_object_object_foreach(args, key, val) {
		if (!json_object_object_get_ex(props, key, &ps)) {
			char list[384] = "";
			size_t off = 0;

			json_object_object_foreach(props, k2, v2) {
				(void)v2;
				list_add(list, sizeof(list), &off, k2);
			}
			snprintf(err, errlen, "unknown argument \"%.64s\"; this tool takes: %s", key,
			    off ? list : "no arguments");
			return -EINVAL;
		}
		/* A model that sends null means "not given". */
		if (val == NULL) {
			if (nnulls < NELEMS(nulls))
				nulls[nnulls++] = key;
			continue;
		}
		if ((r = check_value(key, ps, val, err, errlen)) < 0)
			return r;
		if (json_object_is_type(val, json_type_double) && type_is(val, "integer") &&
		    nints < NELEMS(ints))
			ints[nints++] = key;
	}
	/* Changed after the walk: json-c's iteration must not see it. */
	for (size_t i = 0; i < nints; i++) {
		struct json_object *v;

		json_object_object_get_ex(args, ints[i], &v);
		json_object_object_add(args, ints[i],
		    json_object_new_int64((int64_t)json_object_get_double(v)));
	}
	for (size_t i = 0; i < nnulls; i++)
		json_object_object_del(args, nulls[i]);
	return 0;
}

int
schema_check(struct json_object *schema, struct json_object *args, char *err, size_t errlen)
{
	struct json_object *props = NULL, *req = NULL;
	int r;

	json_object_object_get_ex(schema, "properties", &props);
	json_object_object_get_ex(schema, "required", &req);
	if (args != NULL && (r = check_args(props, args, err, errlen)) < 0)
		return r;
	for (size_t i = 0; req != NULL && i < json_object_array_length(req); i++) {
		const char *k = json_object_get_string(json_object_array_get_idx(req, i));

		if (args == NULL || !json_object_object_get_ex(args, k, NULL)) {
			snprintf(err, errlen, "missing required argument \"%s\"", k);
			return -EINVAL;
		}
	}
	return 0;
}

/* Adds s to the string array a unless it is there already. */
static void
add_unique(struct json_object *a, const char *s)
{
	size_t i, n = json_object_array_length(a);

	if (s == NULL)
		return;
	for (i = 0; i < n; i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(a, i)), s) == 0)
			return;
	json_object_array_add(a, json_object_new_string(s));
}

/* What the home has of one kind, in model or display order: an enum that
 * offers only what the home can serve (no zone without a sprinkler, no
 * type without a device, the modes the home defines). */
static struct json_object *
home_values(const struct ops_ctx *ops, enum home_list which)
{
	struct json_object *a = json_object_new_array(), *rows = NULL, *row;
	const struct model_type *t;
	char err[OPS_ERRLEN];
	size_t i, n;

	if (which == HOME_MODES) {
		if (ops_modes(ops, &rows, err) == 0)
			for (i = 0, n = json_object_array_length(rows); i < n; i++)
				add_unique(a, json_object_get_string(json_object_object_get(
				    json_object_array_get_idx(rows, i), "name")));
		json_object_put(rows);
		return a;
	}
	if (ops_devices(ops, NULL, NULL, NULL, &rows, err) < 0)
		return a;
	n = json_object_array_length(rows);
	/* Types and sensor kinds in the model's order, zones as they come. */
	for (t = model_types; which != HOME_ZONES && t->name != NULL; t++)
		for (i = 0; i < n; i++) {
			row = json_object_array_get_idx(rows, i);
			if (strcmp(json_object_get_string(json_object_object_get(row, "type")),
			    t->name) != 0)
				continue;
			if (which == HOME_TYPES)
				add_unique(a, t->name);
			else if (t->sensor != NULL)
				add_unique(a, t->sensor);
			break;
		}
	for (i = 0; which == HOME_ZONES && i < n; i++) {
		struct json_object *zone = NULL;

		row = json_object_array_get_idx(rows, i);
		if (json_object_object_get_ex(json_object_object_get(row, "properties"), "zone",
		    &zone) && json_object_is_type(zone, json_type_string))
			add_unique(a, json_object_get_string(zone));
	}
	json_object_put(rows);
	return a;
}

struct json_object *
schema_home_enum(const struct ops_ctx *ops, enum home_list which, const char *description)
{
	struct json_object *o = schema_type("string", description), *values;

	/* No enum at all for a home with none yet: an empty one would make
	 * the tool unusable rather than say why (the tool's answer does). */
	if (ops == NULL)
		return o;
	values = home_values(ops, which);
	if (json_object_array_length(values) > 0)
		json_object_object_add(o, "enum", values);
	else
		json_object_put(values);
	return o;
}
