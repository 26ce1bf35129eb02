/* SPDX-License-Identifier: MIT */
/* automation.c -- the automation document: validation against the model
 * and the home, loop refusal, trigger matching and condition evaluation.
 * Nothing here runs an action or keeps time; homectl-automations does. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "automation.h"
#include "calendar.h"
#include "db.h"
#include "model.h"
#include "sun.h"
#include "util.h"

#define TRIGGERS_MAX	16
#define CONDITIONS_MAX	16
#define ACTIONS_MAX	32
#define NESTING_MAX	4	/* any/all/not within each other */
#define OFFSET_MAX_MIN	720	/* a sun offset of up to 12 hours */

static const char *const mode_names[] = { "single", "restart", "queued", NULL };

static int errf(char *err, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int
errf(char *err, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfmt(err, OPS_ERRLEN, fmt, ap);
	va_end(ap);
	return r;
}

/* ---- small JSON helpers ---- */

static struct json_object *
get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (o == NULL || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

static const char *
get_str(struct json_object *o, const char *key)
{
	struct json_object *v = get(o, key);

	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static bool
is_number(struct json_object *v)
{
	return json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double);
}

/* Two JSON values are the same value (60 and 60.0 are). */
static bool
same_value(struct json_object *a, struct json_object *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	if (is_number(a) && is_number(b))
		return json_object_get_double(a) == json_object_get_double(b);
	return json_object_equal(a, b) != 0;
}

/* Refuses keys outside allowed (NULL-ended). */
static int
only_keys(struct json_object *o, const char *const *allowed, const char *where, char *err)
{
	json_object_object_foreach(o, key, val) {
		(void)val;
		if (!str_in(key, allowed))
			return errf(err, -EINVAL, "%s: unknown key \"%s\"", where, key);
	}
	return 0;
}

/* An integer member within [min, max]; absent leaves *out alone. */
static int
get_int_in(struct json_object *o, const char *key, int64_t min, int64_t max, int64_t *out,
    const char *where, char *err)
{
	struct json_object *v = get(o, key);

	if (v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_int))
		return errf(err, -EINVAL, "%s: \"%s\" must be a whole number", where, key);
	*out = json_object_get_int64(v);
	if (*out < min || *out > max)
		return errf(err, -ERANGE, "%s: \"%s\" must be from %lld to %lld", where, key,
		    (long long)min, (long long)max);
	return 0;
}

/* ---- the home, as validation sees it ---- */

/* The device named by o's "device" (caller puts *dev); *t its type. */
static int
find_device(const struct automation_env *env, struct json_object *o, const char *where,
    struct json_object **dev, const struct model_type **t, char *err)
{
	const char *id = get_str(o, "device");
	char e[OPS_ERRLEN];
	int r;

	*dev = NULL;
	*t = NULL;
	if (id == NULL) {
		errf(err, -EINVAL, "%s: \"device\" must be a device id", where);
		return -EINVAL;
	}
	if ((r = ops_device_get(env->ops, id, dev, e)) < 0) {
		errf(err, r, "%s: %s", where, e);
		return r;
	}
	if ((*t = model_type_find(get_str(*dev, "type"))) == NULL) {
		json_object_put(*dev);
		*dev = NULL;
		errf(err, -EINVAL, "%s: device \"%s\" has an unknown type", where, id);
		return -EINVAL;
	}
	return 0;
}

static int
check_mode_exists(const struct automation_env *env, const char *mode, const char *where,
    char *err)
{
	struct json_object *m = NULL;
	int r;

	if (mode == NULL)
		return errf(err, -EINVAL, "%s: \"mode\" must be a mode name", where);
	r = db_mode_describe(env->ops->db, mode, &m);
	json_object_put(m);
	if (r == -ENOENT)
		return errf(err, -ENOENT, "%s: unknown mode \"%s\"", where, mode);
	if (r < 0)
		return errf(err, r, "%s: database error", where);
	return 0;
}

/* A value a device's property can take (read-only ones included: a
 * trigger may watch what a device reports). */
static int
check_value(const struct model_prop *p, struct json_object *v, const char *where,
    const char *key, char *err)
{
	double d;

	switch (p->kind) {
	case MODEL_INT:
	case MODEL_NUMBER:
		if (p->kind == MODEL_INT ? !json_object_is_type(v, json_type_int) : !is_number(v))
			return errf(err, -EINVAL, "%s: \"%s\" must be a%s number for %s", where,
			    key, p->kind == MODEL_INT ? " whole" : "", p->name);
		d = json_object_get_double(v);
		if (d < p->min || d > p->max)
			return errf(err, -ERANGE, "%s: \"%s\" is out of range: %s goes from %g to "
			    "%g", where, key, p->name, p->min, p->max);
		return 0;
	case MODEL_ENUM:
		if (!json_object_is_type(v, json_type_string) ||
		    !str_in(json_object_get_string(v), p->choices))
			return errf(err, -EINVAL, "%s: \"%s\" is not a value %s can take", where,
			    key, p->name);
		return 0;
	case MODEL_STRING:
		if (!json_object_is_type(v, json_type_string))
			return errf(err, -EINVAL, "%s: \"%s\" must be a string", where, key);
		return 0;
	case MODEL_BOOL:
		if (!json_object_is_type(v, json_type_boolean))
			return errf(err, -EINVAL, "%s: \"%s\" must be true or false", where, key);
		return 0;
	case MODEL_TIME:
		break;
	}
	return errf(err, -EINVAL, "%s: %s is a time; watch it changing without \"%s\"", where,
	    p->name, key);
}

/* "property" of o, if any, must be one of t's; *p gets it (NULL: none). */
static int
find_prop(struct json_object *o, const struct model_type *t, const char *dev, const char *where,
    const struct model_prop **p, char *err)
{
	struct json_object *v = get(o, "property");

	*p = NULL;
	if (v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return errf(err, -EINVAL, "%s: \"property\" must be a property name", where);
	if ((*p = model_prop_find(t, json_object_get_string(v))) == NULL)
		return errf(err, -EINVAL, "%s: %s (a %s) has no property \"%s\"", where, dev,
		    t->name, json_object_get_string(v));
	return 0;
}

/* A state (no property) or a property value. */
static int
check_state_or_value(struct json_object *o, const char *key, const struct model_type *t,
    const struct model_prop *p, const char *dev, const char *where, char *err)
{
	struct json_object *v = get(o, key);

	if (v == NULL)
		return 0;
	if (p != NULL)
		return check_value(p, v, where, key, err);
	if (!json_object_is_type(v, json_type_string) ||
	    !model_has_state(t, json_object_get_string(v)))
		return errf(err, -EINVAL, "%s: \"%s\" is not a state of %s (a %s)", where, key, dev,
		    t->name);
	return 0;
}

/* above/below on a numeric property: at least one (when required), numbers,
 * above < below. */
static int
check_range(struct json_object *o, const struct model_prop *p, const char *dev, bool required,
    const char *where, char *err)
{
	struct json_object *a = get(o, "above"), *b = get(o, "below");

	if (a == NULL && b == NULL)
		return required ? errf(err, -EINVAL, "%s: give \"above\", \"below\" or both",
		    where) : 0;
	if (p == NULL || (p->kind != MODEL_INT && p->kind != MODEL_NUMBER))
		return errf(err, -EINVAL, "%s: \"above\" and \"below\" need a numeric \"property\" "
		    "of %s", where, dev);
	if ((a != NULL && !is_number(a)) || (b != NULL && !is_number(b)))
		return errf(err, -EINVAL, "%s: \"above\" and \"below\" must be numbers", where);
	if (a != NULL && b != NULL && json_object_get_double(a) >= json_object_get_double(b))
		return errf(err, -EINVAL, "%s: \"above\" must be less than \"below\"", where);
	return 0;
}

/* ---- triggers ---- */

enum automation_trigger_kind
automation_trigger_kind(struct json_object *t)
{
	if (get(t, "at") != NULL)
		return AUTOMATION_T_TIME;
	if (get(t, "sun") != NULL)
		return AUTOMATION_T_SUN;
	if (get(t, "mode") != NULL)
		return AUTOMATION_T_MODE;
	if (get(t, "above") != NULL || get(t, "below") != NULL)
		return AUTOMATION_T_NUMERIC;
	return AUTOMATION_T_STATE;
}

static int
check_trigger(const struct automation_env *env, struct json_object *t, const char *where,
    char *err)
{
	static const char *const state_keys[] = { "device", "property", "from", "to", "for_s",
		NULL };
	static const char *const numeric_keys[] = { "device", "property", "above", "below",
		"for_s", NULL };
	struct json_object *dev = NULL;
	const struct model_type *type;
	const struct model_prop *p;
	struct calendar *cal = NULL;
	const char *id;
	int64_t n = 0;
	int r;

	if (!json_object_is_type(t, json_type_object))
		return errf(err, -EINVAL, "%s: must be an object", where);
	switch (automation_trigger_kind(t)) {
	case AUTOMATION_T_TIME:
		if ((r = only_keys(t, (const char *const[]){ "at", NULL }, where, err)) < 0)
			return r;
		if (get_str(t, "at") == NULL)
			return errf(err, -EINVAL, "%s: \"at\" must be a calendar expression such as "
			    "\"Mon..Fri 07:00\"", where);
		{
			char e[OPS_ERRLEN];

			if (calendar_parse(get_str(t, "at"), &cal, e, sizeof(e)) < 0)
				return errf(err, -EINVAL, "%s: %s", where, e);
		}
		calendar_free(cal);
		return 0;
	case AUTOMATION_T_SUN: {
		enum sun_event ev;

		if ((r = only_keys(t, (const char *const[]){ "sun", "offset_min", NULL }, where,
		    err)) < 0)
			return r;
		if (sun_event_parse(get_str(t, "sun"), &ev) < 0)
			return errf(err, -EINVAL, "%s: \"sun\" must be \"sunrise\" or \"sunset\"",
			    where);
		if ((r = get_int_in(t, "offset_min", -OFFSET_MAX_MIN, OFFSET_MAX_MIN, &n, where,
		    err)) < 0)
			return r;
		if (!env->have_location)
			return errf(err, -EINVAL, "%s: sunrise and sunset need the home's place: set "
			    "latitude and longitude in homectl.conf", where);
		return 0;
	}
	case AUTOMATION_T_MODE:
		if ((r = only_keys(t, (const char *const[]){ "mode", "from", NULL }, where,
		    err)) < 0)
			return r;
		if ((r = check_mode_exists(env, get_str(t, "mode"), where, err)) < 0)
			return r;
		if (get(t, "from") != NULL)
			return check_mode_exists(env, get_str(t, "from"), where, err);
		return 0;
	case AUTOMATION_T_NUMERIC:
	case AUTOMATION_T_STATE:
		break;
	}
	if (get(t, "device") == NULL)
		return errf(err, -EINVAL, "%s: say what starts it: \"device\", \"at\", \"sun\" or "
		    "\"mode\"", where);
	if ((r = only_keys(t, automation_trigger_kind(t) == AUTOMATION_T_NUMERIC ? numeric_keys :
	    state_keys, where, err)) < 0)
		return r;
	if ((r = find_device(env, t, where, &dev, &type, err)) < 0)
		return r;
	id = get_str(t, "device");
	if ((r = find_prop(t, type, id, where, &p, err)) < 0 ||
	    (r = get_int_in(t, "for_s", 0, AUTOMATION_FOR_MAX, &n, where, err)) < 0)
		goto done;
	if (automation_trigger_kind(t) == AUTOMATION_T_NUMERIC) {
		if (p == NULL)
			r = errf(err, -EINVAL, "%s: a numeric trigger needs \"property\"", where);
		else
			r = check_range(t, p, id, true, where, err);
		goto done;
	}
	if ((r = check_state_or_value(t, "from", type, p, id, where, err)) < 0 ||
	    (r = check_state_or_value(t, "to", type, p, id, where, err)) < 0)
		goto done;
	if (n > 0 && get(t, "to") == NULL)
		r = errf(err, -EINVAL, "%s: \"for_s\" needs \"to\", the value that must hold", where);
done:
	json_object_put(dev);
	return r;
}

/* ---- conditions ---- */

/* "HH:MM" or "HH:MM:SS" (two digits each) as seconds after midnight, or -1. */
static int
clock_seconds(const char *s)
{
	int f[3] = { 0, 0, 0 }, n = 0;
	size_t len = s ? strlen(s) : 0;

	if (len != 5 && len != 8)
		return -1;
	for (size_t i = 0; i < len; i += 3, n++) {
		if (s[i] < '0' || s[i] > '9' || s[i + 1] < '0' || s[i + 1] > '9' ||
		    (i + 2 < len && s[i + 2] != ':'))
			return -1;
		f[n] = (s[i] - '0') * 10 + (s[i + 1] - '0');
	}
	if (f[0] > 23 || f[1] > 59 || f[2] > 59)
		return -1;
	return f[0] * 3600 + f[1] * 60 + f[2];
}

/* A weekday set: "Mon..Fri", "Sat,Sun" or ["Mon", "Wed"] -> bits (bit 0
 * Monday), or -1. */
static int
weekday_bits(struct json_object *v)
{
	static const char *const days[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
	char buf[128], *save = NULL, *tok;
	int bits = 0;

	if (json_object_is_type(v, json_type_array)) {
		size_t n = json_object_array_length(v);

		if (n == 0)
			return -1;
		for (size_t i = 0; i < n; i++) {
			struct json_object *d = json_object_array_get_idx(v, i);
			int k;

			if (!json_object_is_type(d, json_type_string))
				return -1;
			for (k = 0; k < 7 && strcmp(days[k], json_object_get_string(d)) != 0; k++)
				;
			if (k == 7)
				return -1;
			bits |= 1 << k;
		}
		return bits;
	}
	if (!json_object_is_type(v, json_type_string) ||
	    snprintf(buf, sizeof(buf), "%s", json_object_get_string(v)) >= (int)sizeof(buf))
		return -1;
	for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		char *dots = strstr(tok, "..");
		int a, b;

		if (dots != NULL)
			*dots = '\0';
		for (a = 0; a < 7 && strcmp(days[a], tok) != 0; a++)
			;
		b = a;
		if (dots != NULL)
			for (b = 0; b < 7 && strcmp(days[b], dots + 2) != 0; b++)
				;
		if (a == 7 || b == 7 || b < a)
			return -1;
		for (int k = a; k <= b; k++)
			bits |= 1 << k;
	}
	return bits == 0 ? -1 : bits;
}

static int check_conditions(const struct automation_env *env, struct json_object *list,
    const char *where, int depth, char *err);

/* Conditions nest ("any", "all", "not"): the recursion is bounded by
 * NESTING_MAX, checked before each level. */
static int
check_condition(const struct automation_env *env, /* NOLINT(misc-no-recursion) */
    struct json_object *c, const char *where, int depth, char *err)
{
	static const char *const device_keys[] = { "device", "property", "is", "above", "below",
		NULL };
	struct json_object *v, *dev = NULL;
	const struct model_type *type;
	const struct model_prop *p;
	int r;

	if (!json_object_is_type(c, json_type_object))
		return errf(err, -EINVAL, "%s: must be an object", where);
	if ((v = get(c, "any")) != NULL || (v = get(c, "all")) != NULL) {
		if (json_object_object_length(c) != 1)
			return errf(err, -EINVAL, "%s: \"any\" and \"all\" stand alone", where);
		if (depth >= NESTING_MAX)
			return errf(err, -EINVAL, "%s: conditions nest at most %d deep", where,
			    NESTING_MAX);
		if (!json_object_is_type(v, json_type_array) || json_object_array_length(v) == 0)
			return errf(err, -EINVAL, "%s: \"any\" and \"all\" take a list of conditions",
			    where);
		return check_conditions(env, v, where, depth + 1, err);
	}
	if ((v = get(c, "not")) != NULL) {
		char sub[96];

		if (json_object_object_length(c) != 1)
			return errf(err, -EINVAL, "%s: \"not\" stands alone", where);
		if (depth >= NESTING_MAX)
			return errf(err, -EINVAL, "%s: conditions nest at most %d deep", where,
			    NESTING_MAX);
		snprintf(sub, sizeof(sub), "%s, not", where);
		return check_condition(env, v, sub, depth + 1, err);
	}
	if (get(c, "mode") != NULL) {
		if ((r = only_keys(c, (const char *const[]){ "mode", NULL }, where, err)) < 0)
			return r;
		return check_mode_exists(env, get_str(c, "mode"), where, err);
	}
	if ((v = get(c, "time")) != NULL) {
		struct json_object *a, *b;

		if ((r = only_keys(c, (const char *const[]){ "time", NULL }, where, err)) < 0)
			return r;
		if (!json_object_is_type(v, json_type_object))
			return errf(err, -EINVAL, "%s: \"time\" is {\"after\": \"HH:MM\", \"before\": "
			    "\"HH:MM\"}", where);
		if ((r = only_keys(v, (const char *const[]){ "after", "before", NULL }, where,
		    err)) < 0)
			return r;
		a = get(v, "after");
		b = get(v, "before");
		if (a == NULL && b == NULL)
			return errf(err, -EINVAL, "%s: \"time\" needs \"after\", \"before\" or both",
			    where);
		if ((a != NULL && clock_seconds(get_str(v, "after")) < 0) ||
		    (b != NULL && clock_seconds(get_str(v, "before")) < 0))
			return errf(err, -EINVAL, "%s: times are \"HH:MM\" or \"HH:MM:SS\" (24-hour "
			    "clock)", where);
		if (a != NULL && b != NULL && strcmp(get_str(v, "after"), get_str(v, "before")) == 0)
			return errf(err, -EINVAL, "%s: \"after\" and \"before\" are the same time",
			    where);
		return 0;
	}
	if ((v = get(c, "weekday")) != NULL) {
		if ((r = only_keys(c, (const char *const[]){ "weekday", NULL }, where, err)) < 0)
			return r;
		if (weekday_bits(v) < 0)
			return errf(err, -EINVAL, "%s: \"weekday\" is days such as \"Mon..Fri\", "
			    "\"Sat,Sun\" or [\"Mon\", \"Wed\"]", where);
		return 0;
	}
	if (get(c, "device") == NULL)
		return errf(err, -EINVAL, "%s: a condition is \"mode\", \"time\", \"weekday\", "
		    "\"device\", \"any\", \"all\" or \"not\"", where);
	if ((r = only_keys(c, device_keys, where, err)) < 0)
		return r;
	if ((r = find_device(env, c, where, &dev, &type, err)) < 0)
		return r;
	if ((r = find_prop(c, type, get_str(c, "device"), where, &p, err)) < 0)
		goto done;
	if (get(c, "is") != NULL) {
		if (get(c, "above") != NULL || get(c, "below") != NULL)
			r = errf(err, -EINVAL, "%s: use \"is\" or \"above\"/\"below\", not both",
			    where);
		else
			r = check_state_or_value(c, "is", type, p, get_str(c, "device"), where, err);
		goto done;
	}
	if (get(c, "above") == NULL && get(c, "below") == NULL) {
		r = errf(err, -EINVAL, "%s: say what must hold: \"is\", \"above\" or \"below\"",
		    where);
		goto done;
	}
	r = check_range(c, p, get_str(c, "device"), true, where, err);
done:
	json_object_put(dev);
	return r;
}

static int
check_conditions(const struct automation_env *env, /* NOLINT(misc-no-recursion) */
    struct json_object *list, const char *where, int depth, char *err)
{
	size_t n = json_object_array_length(list);
	int r;

	if (n > CONDITIONS_MAX)
		return errf(err, -EINVAL, "%s: at most %d conditions", where, CONDITIONS_MAX);
	for (size_t i = 0; i < n; i++) {
		char sub[96];

		if (depth == 0)
			snprintf(sub, sizeof(sub), "condition %zu", i + 1);
		else
			snprintf(sub, sizeof(sub), "%s.%zu", where, i + 1);
		if ((r = check_condition(env, json_object_array_get_idx(list, i), sub, depth,
		    err)) < 0)
			return r;
	}
	return 0;
}

/* ---- actions ---- */

static int
check_action(const struct automation_env *env, struct json_object *a, const char *where,
    char *err)
{
	static const char *const device_keys[] = { "device", "action", "properties", NULL };
	static const char *const bulk_keys[] = { "room", "type", "action", "properties", NULL };
	struct json_object *dev = NULL, *props, *list = NULL;
	const struct model_type *type;
	const char *action, *room, *tname;
	char e[OPS_ERRLEN];
	int64_t delay = 0;
	size_t i, n;
	int r;

	if (!json_object_is_type(a, json_type_object))
		return errf(err, -EINVAL, "%s: must be an object", where);
	if (get(a, "delay_s") != NULL) {
		if ((r = only_keys(a, (const char *const[]){ "delay_s", NULL }, where, err)) < 0)
			return r;
		return get_int_in(a, "delay_s", 1, AUTOMATION_DELAY_MAX, &delay, where, err);
	}
	if (get(a, "mode") != NULL) {
		if ((r = only_keys(a, (const char *const[]){ "mode", NULL }, where, err)) < 0)
			return r;
		return check_mode_exists(env, get_str(a, "mode"), where, err);
	}
	action = get_str(a, "action");
	props = get(a, "properties");
	if (get(a, "action") != NULL && action == NULL)
		return errf(err, -EINVAL, "%s: \"action\" must be a string", where);
	if (props != NULL && !json_object_is_type(props, json_type_object))
		return errf(err, -EINVAL, "%s: \"properties\" must be an object", where);
	if (get(a, "device") != NULL) {
		if ((r = only_keys(a, device_keys, where, err)) < 0)
			return r;
		if (action == NULL)
			return errf(err, -EINVAL, "%s: say which \"action\" to run on %s", where,
			    get_str(a, "device") ? get_str(a, "device") : "the device");
		if ((r = find_device(env, a, where, &dev, &type, err)) < 0)
			return r;
		r = model_check_request(type, action, props, e, sizeof(e));
		json_object_put(dev);
		return r < 0 ? errf(err, r, "%s: %s: %s", where, get_str(a, "device"), e) : 0;
	}
	if (get(a, "room") == NULL && get(a, "type") == NULL)
		return errf(err, -EINVAL, "%s: an action is \"device\", \"room\"/\"type\" (every "
		    "such device), \"mode\" or \"delay_s\"", where);
	if ((r = only_keys(a, bulk_keys, where, err)) < 0)
		return r;
	room = get_str(a, "room");
	tname = get_str(a, "type");
	if ((get(a, "room") != NULL && room == NULL) || (get(a, "type") != NULL && tname == NULL))
		return errf(err, -EINVAL, "%s: \"room\" and \"type\" are names", where);
	if (action == NULL)
		return errf(err, -EINVAL, "%s: say which \"action\" to run", where);
	if (tname != NULL && model_type_find(tname) == NULL)
		return errf(err, -EINVAL, "%s: unknown device type \"%s\"", where, tname);
	if (room != NULL && (r = db_room_exists(env->ops->db, room)) <= 0)
		return r < 0 ? errf(err, r, "%s: database error", where) :
		    errf(err, -ENOENT, "%s: unknown room \"%s\"", where, room);
	if ((r = db_devices(env->ops->db, room, tname, &list)) < 0)
		return errf(err, r, "%s: database error", where);
	/* Some device there must accept it; the others are skipped at run time. */
	r = errf(err, -EINVAL, "%s: no %s%s%s%s accepts \"%s\"", where, tname ? tname : "device",
	    room ? " in " : "", room ? room : "", tname || room ? "" : " at all", action);
	n = json_object_array_length(list);
	for (i = 0; i < n; i++) {
		type = model_type_find(get_str(json_object_array_get_idx(list, i), "type"));
		if (type != NULL && model_check_request(type, action, props, e, sizeof(e)) == 0) {
			r = 0;
			break;
		}
	}
	if (r < 0 && tname != NULL && n > 0)
		errf(err, -EINVAL, "%s: %s", where, e);
	json_object_put(list);
	return r;
}

/* ---- loops ----
 * An edge A -> B when one of A's actions may change something one of B's
 * triggers watches.  What an action may change is found by running the
 * model's own apply function on copies of the device, once from each state
 * its type has: so "off" cannot fire a trigger that waits for "on", while
 * "toggle" can. */

/* Appends {"device": before, "after": after} for every state the device
 * could start from. */
/* The states an automation's actions can find the device pin_dev in: when
 * every trigger waits for that device to reach a state, it is in one of
 * those states when the actions start (so "when the light comes on, set it
 * to 60 %" does not count as turning it on). */
struct pin {
	const char *device;		/* NULL: nothing pinned */
	struct json_object *states;	/* borrowed array of the triggers' "to" */
};

static void
effects_of_control(struct json_object *dev, const char *action, struct json_object *req,
    const struct pin *pin, struct json_object *effects)
{
	const struct model_type *t = model_type_find(get_str(dev, "type"));
	bool pinned = pin->device != NULL && get_str(dev, "id") != NULL &&
	    strcmp(pin->device, get_str(dev, "id")) == 0;

	if (t == NULL || t->apply == NULL || !model_has_action(t, action))
		return;
	for (const char *const *s = t->states; *s != NULL; s++) {
		struct json_object *before = NULL, *after = NULL, *props;
		const char *state = *s;
		char e[OPS_ERRLEN];
		bool allowed = !pinned;

		for (size_t k = 0; pinned && k < json_object_array_length(pin->states); k++)
			if (strcmp(*s, json_object_get_string(json_object_array_get_idx(
			    pin->states, k))) == 0)
				allowed = true;
		if (!allowed || json_object_deep_copy(dev, &before, NULL) != 0)
			continue;
		json_object_object_add(before, "state", json_object_new_string(*s));
		if (json_object_deep_copy(before, &after, NULL) != 0) {
			json_object_put(before);
			continue;
		}
		props = get(after, "properties");
		if (props == NULL) {
			props = json_object_new_object();
			json_object_object_add(after, "properties", props);
		}
		if (req != NULL) {
			json_object_object_foreach(req, k, v) {
				json_object_object_add(props, k, json_object_get(v));
			}
		}
		if (t->apply(action, req, props, &state, e, sizeof(e)) == 0) {
			struct json_object *fx = json_object_new_object();

			json_object_object_add(after, "state", json_object_new_string(state));
			json_object_object_add(fx, "before", before);
			json_object_object_add(fx, "after", after);
			json_object_array_add(effects, fx);
			continue;
		}
		json_object_put(before);
		json_object_put(after);
	}
}

/* A device action: one device, or every device in a room and/or of a
 * type. */
static void
effects_of_device(const struct automation_env *env, const char *id, const char *room,
    const char *type, const char *action, struct json_object *req, const struct pin *pin,
    struct json_object *effects)
{
	struct json_object *list = NULL, *dev = NULL;

	if (id != NULL) {
		if (db_device_get(env->ops->db, id, &dev) == 0)
			effects_of_control(dev, action, req, pin, effects);
		json_object_put(dev);
		return;
	}
	if (db_devices(env->ops->db, room, type, &list) < 0)
		return;
	for (size_t i = 0; i < json_object_array_length(list); i++)
		effects_of_control(json_object_array_get_idx(list, i), action, req, pin, effects);
	json_object_put(list);
}

/* A mode change: the change itself, and its scene's device actions. */
static void
effects_of_mode(const struct automation_env *env, const char *mode, const struct pin *pin,
    struct json_object *effects)
{
	struct json_object *m = NULL, *fx = json_object_new_object(), *scene;
	size_t i, n;

	json_object_object_add(fx, "mode", json_object_new_string(mode));
	json_object_array_add(effects, fx);
	if (db_mode_describe(env->ops->db, mode, &m) < 0)
		return;
	scene = get(m, "scene");
	n = json_object_is_type(scene, json_type_array) ? json_object_array_length(scene) : 0;
	for (i = 0; i < n; i++) {
		struct json_object *step = json_object_array_get_idx(scene, i);

		if (get_str(step, "device_id") != NULL && get_str(step, "action") != NULL)
			effects_of_device(env, get_str(step, "device_id"), NULL, NULL,
			    get_str(step, "action"), get(step, "properties"), pin, effects);
	}
	json_object_put(m);
}

static void
effects_of_action(const struct automation_env *env, struct json_object *a,
    const struct pin *pin, struct json_object *effects)
{
	if (get_str(a, "mode") != NULL)
		effects_of_mode(env, get_str(a, "mode"), pin, effects);
	else if (get_str(a, "action") != NULL)	/* not a delay */
		effects_of_device(env, get_str(a, "device"), get_str(a, "room"),
		    get_str(a, "type"), get_str(a, "action"), get(a, "properties"), pin, effects);
}

/* true when one of the effects fires one of doc's triggers. */
static bool
effects_fire(struct json_object *effects, struct json_object *doc)
{
	struct json_object *triggers = get(doc, "triggers");
	size_t nt = json_object_is_type(triggers, json_type_array) ?
	    json_object_array_length(triggers) : 0;
	size_t ne = json_object_array_length(effects);

	for (size_t i = 0; i < nt; i++) {
		struct json_object *t = json_object_array_get_idx(triggers, i);
		enum automation_trigger_kind k = automation_trigger_kind(t);

		for (size_t j = 0; j < ne; j++) {
			struct json_object *fx = json_object_array_get_idx(effects, j);

			if (k == AUTOMATION_T_MODE) {
				if (get_str(fx, "mode") != NULL && get_str(t, "mode") != NULL &&
				    strcmp(get_str(fx, "mode"), get_str(t, "mode")) == 0)
					return true;
				continue;
			}
			if (k != AUTOMATION_T_STATE && k != AUTOMATION_T_NUMERIC)
				continue;
			if (get_str(fx, "mode") != NULL || get_str(t, "device") == NULL ||
			    strcmp(get_str(t, "device"), get_str(get(fx, "after"), "id") ?
			    get_str(get(fx, "after"), "id") : "") != 0)
				continue;
			if (automation_trigger_fires(t, get(fx, "before"), get(fx, "after")))
				return true;
		}
	}
	return false;
}

/* Fills pin when all of doc's triggers wait for one device to reach a
 * state; pin->states is new (caller puts). */
static void
pin_of(struct json_object *doc, struct pin *pin)
{
	struct json_object *triggers = get(doc, "triggers");
	size_t n = json_object_is_type(triggers, json_type_array) ?
	    json_object_array_length(triggers) : 0;

	for (size_t i = 0; i < n; i++) {
		struct json_object *t = json_object_array_get_idx(triggers, i);

		if (automation_trigger_kind(t) != AUTOMATION_T_STATE || get_str(t, "device") ==
		    NULL || get(t, "property") != NULL || get_str(t, "to") == NULL ||
		    (pin->device != NULL && strcmp(pin->device, get_str(t, "device")) != 0)) {
			pin->device = NULL;
			break;
		}
		pin->device = get_str(t, "device");
	}
	if (pin->device == NULL)
		return;
	pin->states = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(pin->states, json_object_get(get(json_object_array_get_idx(
		    triggers, i), "to")));
}

/* -ELOOP with the cycle spelled out when doc (index self in docs) can
 * reach itself. */
static int
check_loops(const struct automation_env *env, struct json_object *docs, size_t self, char *err)
{
	size_t n = json_object_array_length(docs), i, j;
	bool *edge = NULL;
	int *prev = NULL, *queue = NULL, head = 0, tail = 0, r = 0;

	if ((edge = calloc(n * n, sizeof(*edge))) == NULL || (prev = calloc(n, sizeof(*prev))) ==
	    NULL || (queue = calloc(n, sizeof(*queue))) == NULL) {
		r = errf(err, -ENOMEM, "out of memory");
		goto done;
	}
	for (i = 0; i < n; i++) {
		struct json_object *fx = json_object_new_array();
		struct json_object *doc = json_object_array_get_idx(docs, i);
		struct json_object *actions = get(doc, "actions");
		size_t na = json_object_is_type(actions, json_type_array) ?
		    json_object_array_length(actions) : 0;
		struct pin pin = { NULL, NULL };

		pin_of(doc, &pin);
		for (j = 0; j < na; j++)
			effects_of_action(env, json_object_array_get_idx(actions, j), &pin, fx);
		json_object_put(pin.states);
		for (j = 0; j < n; j++)
			edge[i * n + j] = effects_fire(fx, json_object_array_get_idx(docs, j));
		json_object_put(fx);
		prev[i] = -1;
	}
	/* Breadth first from self, so the cycle reported is a shortest one. */
	queue[tail++] = (int)self;
	while (head < tail) {
		int u = queue[head++];

		for (j = 0; j < n; j++) {
			char path[OPS_ERRLEN] = "";
			size_t len = 0;
			int chain[64], nc = 0;

			if (!edge[(size_t)u * n + j])
				continue;
			if (j != self) {
				if (prev[j] < 0 && (int)j != (int)self) {
					prev[j] = u;
					queue[tail++] = (int)j;
				}
				continue;
			}
			for (int v = u; v >= 0 && nc < 64; v = v == (int)self ? -1 : prev[v])
				chain[nc++] = v;
			for (int k = nc - 1; k >= 0; k--)
				len += (size_t)snprintf(path + len, len < sizeof(path) ?
				    sizeof(path) - len : 0, "\"%s\" -> ",
				    automation_name(json_object_array_get_idx(docs,
				    (size_t)chain[k])));
			if (len >= sizeof(path))
				len = sizeof(path) - 1;
			path[len] = '\0';
			r = errf(err, -ELOOP, "this automation would trigger itself forever: %s\"%s\"",
			    path, automation_name(json_object_array_get_idx(docs, self)));
			goto done;
		}
	}
done:
	free(edge);
	free(prev);
	free(queue);
	return r;
}

/* ---- the document ---- */

static int
check_list(struct json_object *doc, const char *key, size_t min, size_t max, const char *what,
    struct json_object **out, char *err)
{
	struct json_object *v = get(doc, key);

	*out = v;
	if (v == NULL && min == 0)
		return 0;
	if (!json_object_is_type(v, json_type_array))
		return errf(err, -EINVAL, "\"%s\" must be a list of %s", key, what);
	if (json_object_array_length(v) < min || json_object_array_length(v) > max)
		return errf(err, -EINVAL, "\"%s\" must hold from %zu to %zu %s", key, min, max,
		    what);
	return 0;
}

static bool
name_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > AUTOMATION_NAME_MAX || s[0] == ' ' || s[n - 1] == ' ')
		return false;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

int
automation_check(const struct automation_env *env, struct json_object *doc,
    struct json_object *others, struct json_object **out, char *err)
{
	static const char *const keys[] = { "name", "enabled", "triggers", "conditions",
		"actions", "mode", "persistent", NULL };
	struct json_object *triggers, *conditions, *actions, *canon = NULL, *docs = NULL;
	struct json_object *v;
	const char *name, *mode = "single";
	bool enabled = true, persistent = false;
	size_t i, n, self = 0;
	int r;

	*out = NULL;
	if (!json_object_is_type(doc, json_type_object))
		return errf(err, -EINVAL, "an automation is a JSON object with \"name\", "
		    "\"triggers\" and \"actions\"");
	if ((r = only_keys(doc, keys, "the automation", err)) < 0)
		return r;
	name = get_str(doc, "name");
	if (!name_ok(name))
		return errf(err, -EINVAL, "\"name\" must be 1 to %d printable characters, without "
		    "spaces at either end", AUTOMATION_NAME_MAX);
	if ((v = get(doc, "enabled")) != NULL) {
		if (!json_object_is_type(v, json_type_boolean))
			return errf(err, -EINVAL, "\"enabled\" must be true or false");
		enabled = json_object_get_boolean(v);
	}
	if ((v = get(doc, "persistent")) != NULL) {
		if (!json_object_is_type(v, json_type_boolean))
			return errf(err, -EINVAL, "\"persistent\" must be true or false");
		persistent = json_object_get_boolean(v);
	}
	if (get(doc, "mode") != NULL) {
		mode = get_str(doc, "mode");
		if (mode == NULL || !str_in(mode, mode_names))
			return errf(err, -EINVAL, "\"mode\" must be \"single\", \"restart\" or "
			    "\"queued\"");
	}
	if ((r = check_list(doc, "triggers", 1, TRIGGERS_MAX, "triggers", &triggers, err)) < 0 ||
	    (r = check_list(doc, "conditions", 0, CONDITIONS_MAX, "conditions", &conditions,
	    err)) < 0 ||
	    (r = check_list(doc, "actions", 1, ACTIONS_MAX, "actions", &actions, err)) < 0)
		return r;
	n = json_object_array_length(triggers);
	for (i = 0; i < n; i++) {
		char where[32];

		snprintf(where, sizeof(where), "trigger %zu", i + 1);
		if ((r = check_trigger(env, json_object_array_get_idx(triggers, i), where,
		    err)) < 0)
			return r;
	}
	if (conditions != NULL &&
	    (r = check_conditions(env, conditions, "conditions", 0, err)) < 0)
		return r;
	n = json_object_array_length(actions);
	for (i = 0; i < n; i++) {
		char where[32];

		snprintf(where, sizeof(where), "action %zu", i + 1);
		if ((r = check_action(env, json_object_array_get_idx(actions, i), where, err)) < 0)
			return r;
	}
	if (json_object_is_type(get(json_object_array_get_idx(actions, n - 1), "delay_s"),
	    json_type_int))
		return errf(err, -EINVAL, "action %zu: a delay at the end does nothing", n);

	canon = json_object_new_object();
	json_object_object_add(canon, "name", json_object_new_string(name));
	json_object_object_add(canon, "enabled", json_object_new_boolean(enabled));
	json_object_object_add(canon, "mode", json_object_new_string(mode));
	json_object_object_add(canon, "persistent", json_object_new_boolean(persistent));
	json_object_object_add(canon, "triggers", json_object_get(triggers));
	json_object_object_add(canon, "conditions",
	    conditions ? json_object_get(conditions) : json_object_new_array());
	json_object_object_add(canon, "actions", json_object_get(actions));

	/* The home's automations as they would be, this one included. */
	docs = json_object_new_array();
	n = json_object_is_type(others, json_type_array) ? json_object_array_length(others) : 0;
	for (i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(others, i);
		const char *on = automation_name(o);

		if (on != NULL && strcmp(on, name) != 0)
			json_object_array_add(docs, json_object_get(o));
	}
	self = json_object_array_length(docs);
	json_object_array_add(docs, json_object_get(canon));
	r = check_loops(env, docs, self, err);
	json_object_put(docs);
	if (r < 0) {
		json_object_put(canon);
		return r;
	}
	*out = canon;
	return 0;
}

/* Any object, at any depth, whose "device" is id. */
static bool
names_device(struct json_object *o, const char *id) /* NOLINT(misc-no-recursion) */
{
	const char *dev;
	size_t i;

	if (json_object_is_type(o, json_type_array)) {
		for (i = 0; i < json_object_array_length(o); i++)
			if (names_device(json_object_array_get_idx(o, i), id))
				return true;
		return false;
	}
	if (!json_object_is_type(o, json_type_object))
		return false;
	if ((dev = get_str(o, "device")) != NULL && strcmp(dev, id) == 0)
		return true;
	json_object_object_foreach(o, key, v) {
		(void)key;
		if (names_device(v, id))
			return true;
	}
	return false;
}

bool
automation_uses_device(struct json_object *doc, const char *id)
{
	return names_device(get(doc, "triggers"), id) || names_device(get(doc, "conditions"), id) ||
	    names_device(get(doc, "actions"), id);
}

const char *
automation_name(struct json_object *doc)
{
	return get_str(doc, "name");
}

bool
automation_enabled(struct json_object *doc)
{
	struct json_object *v = get(doc, "enabled");

	return v == NULL || json_object_get_boolean(v);
}

bool
automation_persistent(struct json_object *doc)
{
	return json_object_get_boolean(get(doc, "persistent"));
}

enum automation_mode
automation_mode(struct json_object *doc)
{
	const char *m = get_str(doc, "mode");

	if (m != NULL && strcmp(m, "restart") == 0)
		return AUTOMATION_RESTART;
	if (m != NULL && strcmp(m, "queued") == 0)
		return AUTOMATION_QUEUED;
	return AUTOMATION_SINGLE;
}

const char *
automation_mode_name(enum automation_mode m)
{
	return mode_names[m];
}

/* ---- running: triggers ---- */

/* What a trigger or condition looks at on a device: its state, or one
 * property.  Borrowed from dev. */
static struct json_object *
watched(struct json_object *t, struct json_object *dev)
{
	const char *prop = get_str(t, "property");

	if (dev == NULL)
		return NULL;
	return prop != NULL ? get(get(dev, "properties"), prop) : get(dev, "state");
}

static bool
in_range(struct json_object *t, struct json_object *v)
{
	struct json_object *a = get(t, "above"), *b = get(t, "below");
	double d;

	if (!is_number(v))
		return false;
	d = json_object_get_double(v);
	return (a == NULL || d > json_object_get_double(a)) &&
	    (b == NULL || d < json_object_get_double(b));
}

bool
automation_trigger_fires(struct json_object *t, struct json_object *before,
    struct json_object *after)
{
	struct json_object *a = watched(t, after), *b = watched(t, before);

	if (a == NULL)
		return false;
	if (automation_trigger_kind(t) == AUTOMATION_T_NUMERIC)
		/* On entering the range, not on every change inside it. */
		return in_range(t, a) && !(before != NULL && in_range(t, b));
	if (automation_trigger_kind(t) != AUTOMATION_T_STATE)
		return false;
	if (before != NULL && same_value(a, b))
		return false;
	if (get(t, "to") != NULL && !same_value(a, get(t, "to")))
		return false;
	if (get(t, "from") != NULL && (before == NULL || !same_value(b, get(t, "from"))))
		return false;
	return true;
}

bool
automation_trigger_holds(struct json_object *t, struct json_object *device)
{
	struct json_object *v = watched(t, device);

	if (v == NULL)
		return false;
	if (automation_trigger_kind(t) == AUTOMATION_T_NUMERIC)
		return in_range(t, v);
	return get(t, "to") == NULL || same_value(v, get(t, "to"));
}

/* ---- running: time ---- */

int
automation_trigger_next(struct json_object *t, const struct ops_ctx *c, int64_t after,
    int64_t *next)
{
	enum automation_trigger_kind k = automation_trigger_kind(t);
	struct calendar *cal = NULL;
	char e[OPS_ERRLEN];
	int64_t us;
	int r;

	if (k == AUTOMATION_T_TIME) {
		if ((r = calendar_parse(get_str(t, "at"), &cal, e, sizeof(e))) < 0)
			return r;
		r = calendar_next(cal, after * 1000000 + 999999, &us);
		calendar_free(cal);
		/* 0 or a negative errno, nothing else: callers test < 0 and
		 * then read *next. */
		if (r < 0)
			return r;
		*next = us / 1000000;
		return 0;
	}
	if (k == AUTOMATION_T_SUN) {
		enum sun_event ev;
		int64_t off = json_object_get_int64(get(t, "offset_min")) * 60;

		if (!c->have_location || sun_event_parse(get_str(t, "sun"), &ev) < 0)
			return -ENOENT;
		return sun_next(c->latitude, c->longitude, ev, off, after, next);
	}
	return -ENOENT;
}

int
automation_next(struct json_object *doc, const struct ops_ctx *c, int64_t after, int64_t *next,
    struct json_object **trigger)
{
	struct json_object *triggers = get(doc, "triggers");
	size_t n = json_object_is_type(triggers, json_type_array) ?
	    json_object_array_length(triggers) : 0;
	bool found = false;

	for (size_t i = 0; i < n; i++) {
		struct json_object *t = json_object_array_get_idx(triggers, i);
		int64_t at = 0;

		if (automation_trigger_next(t, c, after, &at) < 0 || (found && at >= *next))
			continue;
		*next = at;
		found = true;
		if (trigger != NULL)
			*trigger = t;
	}
	return found ? 0 : -ENOENT;
}

/* ---- running: conditions ---- */

static int eval_condition(const struct ops_ctx *c, struct json_object *cond, const struct tm *tm,
    bool *holds, char *detail, size_t dlen, char *err);

/* Recursive like the conditions themselves; checked documents nest at most
 * NESTING_MAX deep. */
static int
eval_list(const struct ops_ctx *c, struct json_object *list, /* NOLINT(misc-no-recursion) */
    bool any, const struct tm *tm, bool *holds, char *err)
{
	size_t n = json_object_array_length(list);
	char detail[160];
	int r;

	*holds = !any;
	for (size_t i = 0; i < n; i++) {
		bool h;

		if ((r = eval_condition(c, json_object_array_get_idx(list, i), tm, &h, detail,
		    sizeof(detail), err)) < 0)
			return r;
		if (h == any) {
			*holds = any;
			return 0;
		}
	}
	return 0;
}

static int
eval_condition(const struct ops_ctx *c, struct json_object *cond, /* NOLINT(misc-no-recursion) */
    const struct tm *tm, bool *holds, char *detail, size_t dlen, char *err)
{
	struct json_object *v, *dev = NULL;
	int r;

	*holds = false;
	detail[0] = '\0';
	if ((v = get(cond, "any")) != NULL || (v = get(cond, "all")) != NULL) {
		bool any = get(cond, "any") != NULL;

		if ((r = eval_list(c, v, any, tm, holds, err)) < 0)
			return r;
		snprintf(detail, dlen, "%s of %zu hold%s", *holds ? (any ? "some" : "all") :
		    (any ? "none" : "not all"), json_object_array_length(v),
		    *holds && any ? "s" : "");
		return 0;
	}
	if ((v = get(cond, "not")) != NULL) {
		char sub[160];

		if ((r = eval_condition(c, v, tm, holds, sub, sizeof(sub), err)) < 0)
			return r;
		*holds = !*holds;
		snprintf(detail, dlen, "not (%.140s)", sub);
		return 0;
	}
	if (get(cond, "mode") != NULL) {
		char *mode = NULL;

		if ((r = db_mode_get(c->db, &mode)) < 0)
			return errf(err, r, "cannot read the mode");
		*holds = strcmp(mode, get_str(cond, "mode")) == 0;
		snprintf(detail, dlen, "the mode is %s", mode);
		free(mode);
		return 0;
	}
	if ((v = get(cond, "time")) != NULL) {
		int now = tm->tm_hour * 3600 + tm->tm_min * 60 + tm->tm_sec;
		int a = clock_seconds(get_str(v, "after")), b = clock_seconds(get_str(v, "before"));

		if (a >= 0 && b >= 0)
			*holds = a < b ? (now >= a && now < b) : (now >= a || now < b);
		else
			*holds = a >= 0 ? now >= a : now < b;
		snprintf(detail, dlen, "it is %02d:%02d:%02d", tm->tm_hour, tm->tm_min, tm->tm_sec);
		return 0;
	}
	if ((v = get(cond, "weekday")) != NULL) {
		static const char *const days[] = { "Sunday", "Monday", "Tuesday", "Wednesday",
			"Thursday", "Friday", "Saturday" };
		int bits = weekday_bits(v);

		*holds = bits > 0 && (bits & (1 << (tm->tm_wday == 0 ? 6 : tm->tm_wday - 1)));
		snprintf(detail, dlen, "it is %s", days[tm->tm_wday % 7]);
		return 0;
	}
	r = db_device_get(c->db, get_str(cond, "device"), &dev);
	if (r == -ENOENT) {
		snprintf(detail, dlen, "%s is gone", get_str(cond, "device"));
		return 0;
	}
	if (r < 0)
		return errf(err, r, "cannot read %s", get_str(cond, "device"));
	v = watched(cond, dev);
	if (get(cond, "is") != NULL)
		*holds = same_value(v, get(cond, "is"));
	else
		*holds = in_range(cond, v);
	snprintf(detail, dlen, "%s%s%s is %s", get_str(cond, "device"),
	    get(cond, "property") ? " " : "", get(cond, "property") ? get_str(cond, "property") :
	    "", v ? json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN) : "unknown");
	json_object_put(dev);
	return 0;
}

int
automation_conditions(const struct ops_ctx *c, struct json_object *doc, int64_t now,
    bool *holds, struct json_object **report, char *err)
{
	struct json_object *list = get(doc, "conditions"), *rep = NULL;
	time_t t = (time_t)now;
	struct tm tm;
	size_t n = json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 0;
	int r;

	*holds = true;
	if (report != NULL)
		*report = NULL;
	if (localtime_r(&t, &tm) == NULL)
		return errf(err, -EINVAL, "the time is out of range");
	rep = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		struct json_object *cond = json_object_array_get_idx(list, i), *o;
		char detail[160];
		bool h;

		if ((r = eval_condition(c, cond, &tm, &h, detail, sizeof(detail), err)) < 0) {
			json_object_put(rep);
			return r;
		}
		*holds = *holds && h;
		o = json_object_new_object();
		json_object_object_add(o, "condition", json_object_get(cond));
		json_object_object_add(o, "holds", json_object_new_boolean(h));
		json_object_object_add(o, "detail", json_object_new_string(detail));
		json_object_array_add(rep, o);
	}
	if (report != NULL)
		*report = rep;
	else
		json_object_put(rep);
	return 0;
}
