/* SPDX-License-Identifier: MIT */
/* model.c -- the device model table and the rules it implies.  Validation,
 * the MCP schemas, the OpenAPI document, `homectl types`, GET /api/types and
 * so the dashboard's controls all follow from this table.
 *
 * To add a device type:
 *   1. its properties: a model_prop array below (kind, range or choices,
 *      unit, read_only for what only the device reports);
 *   2. an apply function when actions change state or properties in a way
 *      of their own (or reuse apply_onoff, apply_cover, ...);
 *   3. a row in model_types[]: states, actions, properties, the sensor kind
 *      it serves (if any), apply, and the state and properties a new device
 *      of the type starts with (`homectl device add`);
 *   4. its name in model_type_names[] (and its sensor kind in
 *      model_sensor_kinds[]);
 *   5. tests in tests/unit/model_test.c: its actions, ranges and initial
 *      state pass model validation.
 * Nothing else changes: the front ends read the table. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "model.h"
#include "util.h"

#define LIST(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define NONE ((const char *const[]){ NULL })

const char *const model_actions[] = { "on", "off", "toggle", "open", "close", "set", "lock",
	"unlock", "feed", "start", "stop", NULL };
const char *const model_states[] = { "on", "off", "open", "closed", "partial", "locked",
	"unlocked", "active", "idle", "motion", "no_motion", "charging", "feeding", "heat", "cool",
	"auto", NULL };
const char *const model_type_names[] = { "light", "switch", "plug", "fan", "blinds", "garage",
	"thermostat", "lock", "temperature_sensor", "motion_sensor", "humidity_sensor", "sprinkler",
	"ev_charger", "fish_feeder", NULL };
/* Only what a device type can really serve (the seed advertised humidity
 * and air quality it had no sensors for). */
const char *const model_sensor_kinds[] = { "temperature", "motion", "humidity", NULL };
const char *const model_modes[] = { "home", "away", "sleep", "vacation", NULL };

static const char *const thermostat_modes[] = { "heat", "cool", "auto", "off", NULL };
static const char *const sprinkler_zones[] = { "front_yard", "back_yard", "side_yard", NULL };

/* ---- properties ---- */

static const struct model_prop light_props[] = {
	{ "brightness", MODEL_INT, 0, 100, NULL, "%", false, "Brightness, 0 (off) to 100" },
	{ "color_temp", MODEL_INT, 2000, 6500, NULL, "K",  false,
	    "Colour temperature in kelvin, 2000 (warm) to 6500 (cool)" },
	{ 0 }
};
static const struct model_prop plug_props[] = {
	{ "power", MODEL_NUMBER, 0, 4000, NULL, "W", true, "Power drawn now" },
	{ 0 }
};
static const struct model_prop fan_props[] = {
	{ "speed", MODEL_INT, 0, 3, NULL, NULL, false, "Fan speed, 0 (off) to 3 (high)" },
	{ 0 }
};
static const struct model_prop cover_props[] = {
	{ "position", MODEL_INT, 0, 100, NULL, "%", false, "How far open: 0 closed, 100 open" },
	{ 0 }
};
static const struct model_prop thermostat_props[] = {
	{ "target_temp", MODEL_NUMBER, 50, 90, NULL, "°F", false, "Target temperature" },
	{ "mode", MODEL_ENUM, 0, 0, thermostat_modes, NULL, false, "heat, cool, auto or off" },
	{ "current_temp", MODEL_NUMBER, -40, 140, NULL, "°F", true, "Measured temperature" },
	{ 0 }
};
static const struct model_prop temperature_props[] = {
	{ "value", MODEL_NUMBER, -40, 150, NULL, "°F", true, "Measured temperature" },
	{ "unit", MODEL_STRING, 0, 0, NULL, NULL, true, "Unit of value" },
	{ 0 }
};
/* Temperature-and-humidity sensors (Aqara, Sonoff SNZB-02, Shelly H&T...). */
static const struct model_prop humidity_props[] = {
	{ "value", MODEL_NUMBER, 0, 100, NULL, "%", true, "Relative humidity" },
	{ "temperature", MODEL_NUMBER, -40, 150, NULL, "°F", true, "Measured temperature" },
	{ "battery", MODEL_INT, 0, 100, NULL, "%", true, "Battery level" },
	{ 0 }
};
static const struct model_prop motion_props[] = {
	{ "last_motion", MODEL_TIME, 0, 0, NULL, NULL, true, "When motion was last seen (UTC)" },
	{ 0 }
};
static const struct model_prop sprinkler_props[] = {
	{ "zone", MODEL_ENUM, 0, 0, sprinkler_zones, NULL, true, "The garden zone it waters" },
	{ "duration", MODEL_INT, 1, 120, NULL, "min", false, "How long one watering lasts" },
	{ "started_at", MODEL_TIME, 0, 0, NULL, NULL, true, "When the current watering began" },
	{ 0 }
};
static const struct model_prop ev_props[] = {
	{ "battery_level", MODEL_INT, 0, 100, NULL, "%", true, "The car's battery" },
	{ "charging", MODEL_BOOL, 0, 0, NULL, NULL, true, "Whether it is charging" },
	{ 0 }
};
static const struct model_prop fish_props[] = {
	{ "last_fed", MODEL_TIME, 0, 0, NULL, NULL, true, "When the fish were last fed (UTC)" },
	{ 0 }
};
static const struct model_prop no_props[] = { { 0 } };

/* ---- helpers for the apply functions ---- */

static int64_t
prop_int(struct json_object *props, const char *name, int64_t def)
{
	struct json_object *v;

	if (!json_object_object_get_ex(props, name, &v) || v == NULL)
		return def;
	return json_object_get_int64(v);
}

static const char *
prop_str(struct json_object *props, const char *name, const char *def)
{
	struct json_object *v;

	if (!json_object_object_get_ex(props, name, &v) || v == NULL ||
	    !json_object_is_type(v, json_type_string))
		return def;
	return json_object_get_string(v);
}

static bool
has(struct json_object *req, const char *name)
{
	return req != NULL && json_object_object_get_ex(req, name, NULL);
}

static void
set_int(struct json_object *props, const char *name, int64_t v)
{
	json_object_object_add(props, name, json_object_new_int64(v));
}

static void
set_now(struct json_object *props, const char *name)
{
	char now[40];

	json_object_object_add(props, name, json_object_new_string(utc_now(now, sizeof(now))));
}

/* on/off devices: light, switch, plug.  A light switched on at brightness 0
 * would look off, so it comes on at full brightness; setting brightness
 * switches it on or off to match. */
static int
apply_onoff(const char *action, struct json_object *req, struct json_object *props,
    const char **state, char *err, size_t errlen)
{
	bool dimmable = json_object_object_get_ex(props, "brightness", NULL);

	if (strcmp(action, "toggle") == 0)
		action = strcmp(*state, "on") == 0 ? "off" : "on";
	if (strcmp(action, "on") == 0) {
		*state = "on";
		if (dimmable && prop_int(props, "brightness", 0) == 0)
			set_int(props, "brightness", 100);
	} else if (strcmp(action, "off") == 0) {
		*state = "off";
	} else if (strcmp(action, "set") == 0) {
		if (has(req, "brightness"))
			*state = prop_int(props, "brightness", 0) > 0 ? "on" : "off";
	}
	return 0;
}

/* Fans: speed 0 is off; switching on a fan at speed 0 runs it at 1. */
static int
apply_fan(const char *action, struct json_object *req, struct json_object *props,
    const char **state, char *err, size_t errlen)
{
	if (strcmp(action, "toggle") == 0)
		action = strcmp(*state, "on") == 0 ? "off" : "on";
	if (strcmp(action, "on") == 0) {
		if (prop_int(props, "speed", 0) == 0)
			set_int(props, "speed", 1);
		*state = "on";
	} else if (strcmp(action, "off") == 0) {
		*state = "off";
	} else if (strcmp(action, "set") == 0) {
		*state = prop_int(props, "speed", 0) > 0 ? "on" : "off";
	}
	return 0;
}

/* Blinds and garage doors: the state follows the position ("closed", never
 * the seed's "close"). */
static int
apply_cover(const char *action, struct json_object *req, struct json_object *props,
    const char **state, char *err, size_t errlen)
{
	int64_t pos;

	if (strcmp(action, "toggle") == 0)
		action = strcmp(*state, "closed") == 0 ? "open" : "close";
	if (strcmp(action, "open") == 0)
		set_int(props, "position", 100);
	else if (strcmp(action, "close") == 0)
		set_int(props, "position", 0);
	pos = prop_int(props, "position", 0);
	*state = pos == 0 ? "closed" : pos == 100 ? "open" : "partial";
	return 0;
}

/* Thermostats: the state is the mode. */
static int
apply_thermostat(const char *action, struct json_object *req, struct json_object *props,
    const char **state, char *err, size_t errlen)
{
	const char *mode = prop_str(props, "mode", "auto");
	const char *const *m;

	if (strcmp(action, "off") == 0)
		mode = "off";
	else if (strcmp(action, "on") == 0 && strcmp(mode, "off") == 0 && !has(req, "mode"))
		mode = "auto";
	/* mode is borrowed from props; find its static twin before replacing. */
	for (m = thermostat_modes; *m != NULL; m++)
		if (strcmp(*m, mode) == 0)
			break;
	if (*m == NULL) {
		snprintf(err, errlen, "thermostat has an unknown mode '%s'", mode);
		return -EINVAL;
	}
	json_object_object_add(props, "mode", json_object_new_string(*m));
	*state = *m;
	return 0;
}

static int
apply_lock(const char *action, struct json_object *req, struct json_object *props,
    const char **state, char *err, size_t errlen)
{
	if (strcmp(action, "toggle") == 0)
		action = strcmp(*state, "locked") == 0 ? "unlock" : "lock";
	*state = strcmp(action, "lock") == 0 ? "locked" : "unlocked";
	return 0;
}

static int
apply_sprinkler(const char *action, struct json_object *req, struct json_object *props,
    const char **state, char *err, size_t errlen)
{
	if (strcmp(action, "toggle") == 0)
		action = strcmp(*state, "on") == 0 ? "off" : "on";
	if (strcmp(action, "on") == 0) {
		*state = "on";
		set_now(props, "started_at");
	} else if (strcmp(action, "off") == 0) {
		*state = "off";
		json_object_object_del(props, "started_at");
	}
	return 0;
}

static int
apply_ev(const char *action, struct json_object *req, struct json_object *props,
    const char **state, char *err, size_t errlen)
{
	bool start = strcmp(action, "start") == 0 || strcmp(action, "on") == 0;

	*state = start ? "charging" : "idle";
	json_object_object_add(props, "charging", json_object_new_boolean(start));
	return 0;
}

static int
apply_fish(const char *action, struct json_object *req, struct json_object *props,
    const char **state, char *err, size_t errlen)
{
	*state = "feeding";
	set_now(props, "last_fed");
	return 0;
}

/* ---- the table ---- */

const struct model_type model_types[] = {
	{ "light", "Light", LIST("on", "off"), LIST("on", "off", "toggle", "set"),
	    light_props, NULL, apply_onoff, NULL,
	    "off", "{\"brightness\":100,\"color_temp\":2700}" },
	{ "switch", "Switch", LIST("on", "off"), LIST("on", "off", "toggle"),
	    no_props, NULL, apply_onoff, NULL,
	    "off", "{}" },
	{ "plug", "Smart plug", LIST("on", "off"), LIST("on", "off", "toggle"),
	    plug_props, NULL, apply_onoff, NULL,
	    "off", "{\"power\":0}" },
	{ "fan", "Fan", LIST("on", "off"), LIST("on", "off", "toggle", "set"),
	    fan_props, NULL, apply_fan, NULL,
	    "off", "{\"speed\":0}" },
	{ "blinds", "Blinds", LIST("open", "closed", "partial"),
	    LIST("open", "close", "toggle", "set"), cover_props, NULL, apply_cover, NULL,
	    "closed", "{\"position\":0}" },
	{ "garage", "Garage door", LIST("open", "closed", "partial"),
	    LIST("open", "close", "toggle", "set"), cover_props, NULL, apply_cover, NULL,
	    "closed", "{\"position\":0}" },
	{ "thermostat", "Thermostat", LIST("heat", "cool", "auto", "off"),
	    LIST("on", "off", "set"), thermostat_props, NULL, apply_thermostat, NULL,
	    "auto", "{\"target_temp\":70,\"mode\":\"auto\"}" },
	{ "lock", "Door lock", LIST("locked", "unlocked"), LIST("lock", "unlock", "toggle"),
	    no_props, NULL, apply_lock, NULL,
	    "locked", "{}" },
	{ "temperature_sensor", "Temperature sensor", LIST("active"), NONE,
	    temperature_props, "temperature", NULL, NULL,
	    "active", "{}" },
	{ "motion_sensor", "Motion sensor", LIST("motion", "no_motion"), NONE,
	    motion_props, "motion", NULL, NULL,
	    "no_motion", "{}" },
	{ "humidity_sensor", "Humidity sensor", LIST("active"), NONE,
	    humidity_props, "humidity", NULL, NULL, "active", "{}" },
	{ "sprinkler", "Sprinkler", LIST("on", "off"), LIST("on", "off", "toggle", "set"),
	    sprinkler_props, NULL, apply_sprinkler, NULL,
	    "off", "{\"duration\":15}" },
	{ "ev_charger", "EV charger", LIST("charging", "idle"), LIST("start", "stop", "on", "off"),
	    ev_props, NULL, apply_ev, NULL,
	    "idle", "{\"charging\":false}" },
	{ "fish_feeder", "Fish feeder", LIST("idle", "feeding"), LIST("feed"),
	    fish_props, NULL, apply_fish, "idle",
	    "idle", "{}" },
	{ 0 }
};

/* Actions that carry property values; the others take none. */
static const char *const value_actions[] = { "set", "on", NULL };

const struct model_type *
model_type_find(const char *name)
{
	const struct model_type *t;

	if (name == NULL)
		return NULL;
	for (t = model_types; t->name != NULL; t++)
		if (strcmp(t->name, name) == 0)
			return t;
	return NULL;
}

const struct model_prop *
model_prop_find(const struct model_type *t, const char *name)
{
	const struct model_prop *p;

	for (p = t->props; p->name != NULL; p++)
		if (strcmp(p->name, name) == 0)
			return p;
	return NULL;
}

const struct model_prop *
model_prop_any(const char *name)
{
	const struct model_type *t;
	const struct model_prop *p;

	for (t = model_types; t->name != NULL; t++)
		if ((p = model_prop_find(t, name)) != NULL && !p->read_only)
			return p;
	for (t = model_types; t->name != NULL; t++)
		if ((p = model_prop_find(t, name)) != NULL)
			return p;
	return NULL;
}

bool
model_has_action(const struct model_type *t, const char *action)
{
	return str_in(action, t->actions);
}

bool
model_has_state(const struct model_type *t, const char *state)
{
	return str_in(state, t->states);
}

bool
model_opens_home(const struct model_type *t, const char *action, const char *state,
    struct json_object *req)
{
	if (strcmp(t->name, "lock") == 0)
		return strcmp(action, "unlock") == 0 ||
		    (strcmp(action, "toggle") == 0 && strcmp(state, "locked") == 0);
	if (strcmp(t->name, "garage") == 0) {
		if (strcmp(action, "open") == 0)
			return true;
		if (strcmp(action, "toggle") == 0)
			return strcmp(state, "closed") == 0;
		if (strcmp(action, "set") == 0)
			return prop_int(req, "position", 0) > 0;
	}
	return false;
}

static void
list_join(const char *const *list, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (; *list != NULL && off < len; list++) {
		int n = snprintf(buf + off, len - off, "%s%s", off ? ", " : "", *list);

		if (n < 0)
			break;
		off += (size_t)n;
	}
}

int
model_prop_check(const struct model_prop *p, struct json_object *v, char *err, size_t errlen)
{
	char choices[256];
	double d;

	if (p->read_only) {
		snprintf(err, errlen, "%s is read-only: the device reports it", p->name);
		return -EINVAL;
	}
	switch (p->kind) {
	case MODEL_INT:
		if (!json_object_is_type(v, json_type_int)) {
			snprintf(err, errlen, "%s must be an integer from %g to %g", p->name,
			    p->min, p->max);
			return -EINVAL;
		}
		errno = 0;
		d = (double)json_object_get_int64(v);
		if (errno != 0 || d < p->min || d > p->max) {
			snprintf(err, errlen, "%s %s is out of range: it must be from %g to %g%s%s",
			    p->name, json_object_to_json_string(v), p->min, p->max,
			    p->unit ? " " : "", p->unit ? p->unit : "");
			return -ERANGE;
		}
		return 0;
	case MODEL_NUMBER:
		if (!json_object_is_type(v, json_type_int) &&
		    !json_object_is_type(v, json_type_double)) {
			snprintf(err, errlen, "%s must be a number from %g to %g", p->name, p->min,
			    p->max);
			return -EINVAL;
		}
		d = json_object_get_double(v);
		if (!isfinite(d) || d < p->min || d > p->max) {
			snprintf(err, errlen, "%s %s is out of range: it must be from %g to %g%s%s",
			    p->name, json_object_to_json_string(v), p->min, p->max,
			    p->unit ? " " : "", p->unit ? p->unit : "");
			return -ERANGE;
		}
		return 0;
	case MODEL_ENUM:
		if (!json_object_is_type(v, json_type_string) ||
		    !str_in(json_object_get_string(v), p->choices)) {
			list_join(p->choices, choices, sizeof(choices));
			snprintf(err, errlen, "%s must be one of: %s", p->name, choices);
			return -EINVAL;
		}
		return 0;
	case MODEL_BOOL:
		if (!json_object_is_type(v, json_type_boolean)) {
			snprintf(err, errlen, "%s must be true or false", p->name);
			return -EINVAL;
		}
		return 0;
	case MODEL_STRING:
	case MODEL_TIME:
		if (!json_object_is_type(v, json_type_string) ||
		    json_object_get_string_len(v) > 256 ||
		    !utf8_valid((const unsigned char *)json_object_get_string(v),
			(size_t)json_object_get_string_len(v))) {
			snprintf(err, errlen, "%s must be a string", p->name);
			return -EINVAL;
		}
		return 0;
	}
	return -EINVAL;
}

bool
model_value_fits(const struct model_prop *p, struct json_object *v)
{
	switch (p->kind) {
	case MODEL_INT:
		return json_object_is_type(v, json_type_int);
	case MODEL_NUMBER:
		return json_object_is_type(v, json_type_int) ||
		    json_object_is_type(v, json_type_double);
	case MODEL_BOOL:
		return json_object_is_type(v, json_type_boolean);
	case MODEL_ENUM:
	case MODEL_STRING:
	case MODEL_TIME:
		return json_object_is_type(v, json_type_string);
	}
	return false;
}

int
model_check_request(const struct model_type *t, const char *action, struct json_object *props,
    char *err, size_t errlen)
{
	const struct model_prop *p;
	char list[256];
	int r, n = 0;

	if (action == NULL || !str_in(action, model_actions)) {
		list_join(model_actions, list, sizeof(list));
		snprintf(err, errlen, "unknown action '%s': use one of %s", action ? action : "",
		    list);
		return -EINVAL;
	}
	if (!model_has_action(t, action)) {
		list_join(t->actions, list, sizeof(list));
		if (t->actions[0] == NULL)
			snprintf(err, errlen, "a %s cannot be controlled, only read", t->name);
		else
			snprintf(err, errlen, "a %s cannot '%s': its actions are %s", t->name,
			    action, list);
		return -EINVAL;
	}
	if (props != NULL) {
		json_object_object_foreach(props, key, val) {
			if ((p = model_prop_find(t, key)) == NULL) {
				snprintf(err, errlen, "a %s has no property '%s'", t->name, key);
				return -EINVAL;
			}
			if ((r = model_prop_check(p, val, err, errlen)) < 0)
				return r;
			n++;
		}
	}
	if (n > 0 && !str_in(action, value_actions)) {
		snprintf(err, errlen, "'%s' takes no values; use 'set' to change them", action);
		return -EINVAL;
	}
	if (n == 0 && strcmp(action, "set") == 0) {
		snprintf(err, errlen, "'set' needs a value to set (e.g. %s)",
		    t->props[0].name ? t->props[0].name : "a property");
		return -EINVAL;
	}
	return 0;
}

static struct json_object *
string_array(const char *const *list)
{
	struct json_object *a = json_object_new_array();

	for (; *list != NULL; list++)
		json_object_array_add(a, json_object_new_string(*list));
	return a;
}

struct json_object *
model_prop_schema(const struct model_prop *p)
{
	struct json_object *s = json_object_new_object();
	static const char *const kinds[] = { "integer", "number", "string", "string", "boolean",
		"string" };

	json_object_object_add(s, "type", json_object_new_string(kinds[p->kind]));
	if (p->kind == MODEL_INT) {
		json_object_object_add(s, "minimum", json_object_new_int64((int64_t)p->min));
		json_object_object_add(s, "maximum", json_object_new_int64((int64_t)p->max));
	} else if (p->kind == MODEL_NUMBER) {
		json_object_object_add(s, "minimum", json_object_new_double(p->min));
		json_object_object_add(s, "maximum", json_object_new_double(p->max));
	} else if (p->kind == MODEL_ENUM) {
		json_object_object_add(s, "enum", string_array(p->choices));
	} else if (p->kind == MODEL_TIME) {
		json_object_object_add(s, "format", json_object_new_string("date-time"));
	}
	if (p->description != NULL) {
		char d[256];

		snprintf(d, sizeof(d), "%s%s%s%s", p->description, p->unit ? " (" : "",
		    p->unit ? p->unit : "", p->unit ? ")" : "");
		json_object_object_add(s, "description", json_object_new_string(d));
	}
	return s;
}

struct json_object *
model_describe(void)
{
	struct json_object *all = json_object_new_object();
	const struct model_type *t;
	const struct model_prop *p;

	for (t = model_types; t->name != NULL; t++) {
		struct json_object *o = json_object_new_object(), *props = json_object_new_object();

		json_object_object_add(o, "label", json_object_new_string(t->label));
		json_object_object_add(o, "states", string_array(t->states));
		json_object_object_add(o, "actions", string_array(t->actions));
		if (t->sensor != NULL)
			json_object_object_add(o, "sensor", json_object_new_string(t->sensor));
		for (p = t->props; p->name != NULL; p++) {
			struct json_object *s = model_prop_schema(p);

			if (p->unit != NULL)
				json_object_object_add(s, "unit", json_object_new_string(p->unit));
			json_object_object_add(s, "readOnly", json_object_new_boolean(p->read_only));
			json_object_object_add(props, p->name, s);
		}
		json_object_object_add(o, "properties", props);
		json_object_object_add(all, t->name, o);
	}
	return all;
}

static bool
num_of(struct json_object *o, const char *key, double *v)
{
	struct json_object *x;

	if (o == NULL || !json_object_object_get_ex(o, key, &x))
		return false;
	if (!json_object_is_type(x, json_type_int) && !json_object_is_type(x, json_type_double))
		return false;
	*v = json_object_get_double(x);
	return true;
}

bool
model_satisfies(const char *want_state, struct json_object *want_props, const char *got_state,
    struct json_object *got_props)
{
	if (want_state != NULL && (got_state == NULL || strcmp(want_state, got_state) != 0))
		return false;
	/* Off is off: a bulb keeps its last brightness while it is off. */
	if (want_state != NULL && strcmp(want_state, "off") == 0)
		return true;
	if (want_props == NULL)
		return true;
	json_object_object_foreach(want_props, key, want) {
		struct json_object *got;
		double a, b;

		if (got_props == NULL || !json_object_object_get_ex(got_props, key, &got))
			return false;
		if (num_of(want_props, key, &a)) {
			if (!num_of(got_props, key, &b))
				return false;
			if (strcmp(key, "color_temp") == 0) {
				if (lround(1e6 / a) != lround(1e6 / b))
					return false;
			} else if (strcmp(key, "target_temp") == 0 || strcmp(key, "current_temp") == 0) {
				if (fabs(a - b) > 1.0)
					return false;
			} else if (fabs(a - b) > 1e-6) {
				return false;
			}
			continue;
		}
		if (!json_object_equal(want, got))
			return false;
	}
	return true;
}
