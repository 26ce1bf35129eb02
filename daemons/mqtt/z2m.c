/* SPDX-License-Identifier: MIT */
/* z2m.c -- the Zigbee2MQTT dialect: topics under the base topic, devices
 * from the retained bridge/devices and their `exposes`, state messages to
 * homectl reports, homectl commands to /set payloads.
 *
 * An expose's `access` is a bit mask: 1 published in the state, 2 settable
 * with /set, 4 readable with /get.  Property names come from the expose
 * (`state_left` for an endpoint), never assumed, and are kept in the caps
 * of the catalog entry. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jsonutil.h"
#include "mqtt.h"
#include "util.h"

static const char *const SPECIFIC[] = { "light", "switch", "lock", "cover", "climate", "fan",
	NULL };
static const char *const FAN_SPEEDS[] = { "off", "low", "medium", "high", NULL };

static bool
ends_with(const char *s, size_t n, const char *suffix, size_t *cut)
{
	size_t k = strlen(suffix);

	if (n <= k || memcmp(s + n - k, suffix, k) != 0)
		return false;
	*cut = n - k;
	return true;
}

int
z2m_topic(const char *base, const char *topic, enum z2m_topic *kind, const char **name,
    size_t *namelen)
{
	size_t bl = strlen(base), n, cut;
	const char *rest, *slash;

	if (strncmp(topic, base, bl) != 0 || topic[bl] != '/')
		return -ENOENT;
	rest = topic + bl + 1;
	n = strlen(rest);
	*name = NULL;
	*namelen = 0;
	if (n == 0)
		return -EINVAL;
	if (strncmp(rest, "bridge/", 7) == 0) {
		if (strcmp(rest + 7, "devices") == 0)
			*kind = Z2M_T_BRIDGE_DEVICES;
		else if (strcmp(rest + 7, "state") == 0)
			*kind = Z2M_T_BRIDGE_STATE;
		else
			*kind = Z2M_T_BRIDGE_OTHER;
		return 0;
	}
	/* Friendly names may hold '/': match the suffix, never split. */
	if (ends_with(rest, n, "/availability", &cut)) {
		*kind = Z2M_T_AVAILABILITY;
		n = cut;
	} else if (ends_with(rest, n, "/set", &cut) || ends_with(rest, n, "/get", &cut)) {
		*kind = Z2M_T_COMMAND;
		n = cut;
	} else if ((slash = strrchr(rest, '/')) != NULL && slash - rest >= 4 &&
	    (strncmp(slash - 4, "/set/", 5) == 0 || strncmp(slash - 4, "/get/", 5) == 0)) {
		*kind = Z2M_T_COMMAND;
		n = (size_t)(slash - 4 - rest);
	} else {
		*kind = Z2M_T_STATE;
	}
	if (n == 0)
		return -EINVAL;
	*name = rest;
	*namelen = n;
	return 0;
}

/* ---- the catalog ---- */

static const char *
str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static bool
boolean(struct json_object *o, const char *key, bool def)
{
	struct json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_boolean))
		return def;
	return json_object_get_boolean(v);
}

static bool
number(struct json_object *o, const char *key, double *out)
{
	struct json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double)))
		return false;
	*out = json_object_get_double(v);
	return isfinite(*out);
}

static int64_t
access_of(struct json_object *e)
{
	double a = 0;

	return number(e, "access", &a) ? (int64_t)a : 0;
}

/* The feature of a specific expose whose `name` is name (borrowed). */
static struct json_object *
feature(struct json_object *expose, const char *name)
{
	struct json_object *fs;
	size_t i, n;

	if (!json_object_object_get_ex(expose, "features", &fs) ||
	    !json_object_is_type(fs, json_type_array))
		return NULL;
	n = json_object_array_length(fs);
	for (i = 0; i < n; i++) {
		struct json_object *f = json_object_array_get_idx(fs, i);
		const char *fn = str(f, "name");

		if (fn != NULL && strcmp(fn, name) == 0 && str(f, "property") != NULL)
			return f;
	}
	return NULL;
}

/* A top-level generic expose by name with the access bits in mask. */
static struct json_object *
generic(struct json_object *exposes, const char *type, const char *name, int64_t mask)
{
	size_t i, n = json_object_array_length(exposes);

	for (i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(exposes, i);
		const char *t = str(e, "type"), *nm = str(e, "name");

		if (t != NULL && nm != NULL && strcmp(t, type) == 0 && strcmp(nm, name) == 0 &&
		    str(e, "property") != NULL && (access_of(e) & mask) == mask)
			return e;
	}
	return NULL;
}

static void
cap_str(struct json_object *caps, const char *key, const char *v)
{
	if (v != NULL)
		json_object_object_add(caps, key, json_object_new_string(v));
}

static void
cap_num(struct json_object *caps, const char *key, struct json_object *f, const char *fkey,
    double def)
{
	double v = def;

	if (f != NULL)
		number(f, fkey, &v);
	json_object_object_add(caps, key, conv_number(v));
}

/* The binary on/off feature named name into caps (state, on, off). */
static bool
cap_binary(struct json_object *caps, struct json_object *f, const char *on, const char *off)
{
	struct json_object *v;

	if (f == NULL)
		return false;
	cap_str(caps, "state", str(f, "property"));
	if (json_object_object_get_ex(f, "value_on", &v) && json_object_is_type(v, json_type_string))
		on = json_object_get_string(v);
	if (json_object_object_get_ex(f, "value_off", &v) && json_object_is_type(v, json_type_string))
		off = json_object_get_string(v);
	cap_str(caps, "on", on);
	cap_str(caps, "off", off);
	return true;
}

static bool
contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; hay != NULL && *hay != '\0'; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return true;
	return false;
}

/* Fills caps for one specific expose and returns the homectl type, or NULL
 * when the expose lacks what homectl needs. */
static const char *
specific_caps(const char *etype, struct json_object *e, struct json_object *exposes,
    struct json_object *def, struct json_object *caps)
{
	struct json_object *f, *vals;

	if (strcmp(etype, "light") == 0) {
		if (!cap_binary(caps, feature(e, "state"), "ON", "OFF"))
			return NULL;
		if ((f = feature(e, "brightness")) != NULL) {
			cap_str(caps, "brightness", str(f, "property"));
			cap_num(caps, "bri_max", f, "value_max", 254);
		}
		if ((f = feature(e, "color_temp")) != NULL) {
			cap_str(caps, "color_temp", str(f, "property"));
			cap_num(caps, "ct_min", f, "value_min", 153);
			cap_num(caps, "ct_max", f, "value_max", 500);
		}
		return "light";
	}
	if (strcmp(etype, "switch") == 0) {
		if (!cap_binary(caps, feature(e, "state"), "ON", "OFF"))
			return NULL;
		/* A switch that measures what it draws is a plug to homectl. */
		if (str(e, "endpoint") == NULL && (f = generic(exposes, "numeric", "power", 1)) != NULL) {
			cap_str(caps, "power", str(f, "property"));
			return "plug";
		}
		return "switch";
	}
	if (strcmp(etype, "lock") == 0) {
		if (!cap_binary(caps, feature(e, "state"), "LOCK", "UNLOCK"))
			return NULL;
		if ((f = feature(e, "lock_state")) != NULL)
			cap_str(caps, "lock_state", str(f, "property"));
		return "lock";
	}
	if (strcmp(etype, "cover") == 0) {
		if ((f = feature(e, "state")) == NULL)
			return NULL;
		cap_str(caps, "state", str(f, "property"));
		if ((f = feature(e, "position")) != NULL)
			cap_str(caps, "position", str(f, "property"));
		/* Zigbee2MQTT has no device class: a garage door opener says so
		 * in its description. */
		return contains_ci(str(def, "description"), "garage") ||
			contains_ci(str(def, "model"), "garage") ? "garage" : "blinds";
	}
	if (strcmp(etype, "climate") == 0) {
		if ((f = feature(e, "occupied_heating_setpoint")) == NULL &&
		    (f = feature(e, "current_heating_setpoint")) == NULL)
			return NULL;
		cap_str(caps, "setpoint", str(f, "property"));
		cap_num(caps, "step", f, "value_step", 0.5);
		if ((f = feature(e, "local_temperature")) != NULL)
			cap_str(caps, "local", str(f, "property"));
		if ((f = feature(e, "system_mode")) != NULL) {
			cap_str(caps, "mode", str(f, "property"));
			if (json_object_object_get_ex(f, "values", &vals))
				json_object_object_add(caps, "modes", json_object_get(vals));
		}
		return "thermostat";
	}
	if (strcmp(etype, "fan") == 0) {
		if (!cap_binary(caps, feature(e, "state"), "ON", "OFF"))
			return NULL;
		if ((f = feature(e, "mode")) != NULL)
			cap_str(caps, "mode", str(f, "property"));
		return "fan";
	}
	return NULL;
}

static int
add_entry(struct json_object *out, struct json_object *dev, struct json_object *def,
    const char *type, struct json_object *caps, const char *endpoint, const char *suffix,
    char *err, size_t errlen)
{
	const char *fname = str(dev, "friendly_name");
	struct json_object *o;
	char id[80], sx[40], addr[MQTT_TOPIC_MAX], name[300];

	if (conv_slug(fname, id, sizeof(id) - 20) < 0) {
		json_object_put(caps);
		return 0;	/* a name with no letters: the user binds it by hand */
	}
	if (suffix != NULL && conv_slug(suffix, sx, sizeof(sx) - 20) == 0) {
		size_t l = strlen(id);

		snprintf(id + l, sizeof(id) - l, "_%s", sx);
	}
	if (endpoint != NULL) {
		snprintf(addr, sizeof(addr), "%s#%s", fname, endpoint);
		snprintf(name, sizeof(name), "%s %s", fname, endpoint);
		cap_str(caps, "endpoint", endpoint);
	} else {
		snprintf(addr, sizeof(addr), "%s", fname);
		snprintf(name, sizeof(name), "%s%s%s", fname, suffix ? " " : "", suffix ? suffix : "");
	}
	o = json_object_new_object();
	json_object_object_add(o, "driver", json_object_new_string("z2m"));
	json_object_object_add(o, "address", json_object_new_string(addr));
	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "type", json_object_new_string(type));
	cap_str(o, "ieee", str(dev, "ieee_address"));
	cap_str(o, "model", str(def, "model"));
	cap_str(o, "vendor", str(def, "vendor"));
	json_object_object_add(o, "caps", caps);
	json_object_array_add(out, o);
	return 0;
}

static int
catalog_device(struct json_object *out, struct json_object *dev, char *err, size_t errlen)
{
	struct json_object *def, *exposes, *f;
	const char *t;
	size_t i, n, found = 0;
	int r;

	if ((t = str(dev, "type")) != NULL && strcmp(t, "Coordinator") == 0)
		return 0;
	if (str(dev, "friendly_name") == NULL || boolean(dev, "disabled", false) ||
	    !boolean(dev, "interview_completed", true))
		return 0;
	if (!json_object_object_get_ex(dev, "definition", &def) ||
	    !json_object_is_type(def, json_type_object) ||
	    !json_object_object_get_ex(def, "exposes", &exposes) ||
	    !json_object_is_type(exposes, json_type_array))
		return 0;
	n = json_object_array_length(exposes);
	for (i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(exposes, i);
		struct json_object *caps;
		const char *et = str(e, "type"), *type, *ep;

		if (et == NULL || !str_in(et, SPECIFIC))
			continue;
		caps = json_object_new_object();
		if ((type = specific_caps(et, e, exposes, def, caps)) == NULL) {
			json_object_put(caps);
			continue;
		}
		ep = str(e, "endpoint");
		/* A second device of the same bridge entry without an endpoint
		 * (a fan with a light) is told apart by its type. */
		r = add_entry(out, dev, def, type, caps, ep, ep ? ep : found ? type : NULL, err,
		    errlen);
		if (r < 0)
			return r;
		found++;
	}
	if (found > 0)
		return 0;
	if ((f = generic(exposes, "numeric", "temperature", 1)) != NULL) {
		struct json_object *caps = json_object_new_object();

		cap_str(caps, "temperature", str(f, "property"));
		return add_entry(out, dev, def, "temperature_sensor", caps, NULL, NULL, err, errlen);
	}
	if ((f = generic(exposes, "binary", "occupancy", 1)) != NULL) {
		struct json_object *caps = json_object_new_object();

		cap_str(caps, "occupancy", str(f, "property"));
		return add_entry(out, dev, def, "motion_sensor", caps, NULL, NULL, err, errlen);
	}
	return 0;
}

int
z2m_catalog(const char *payload, size_t len, struct json_object **out, char *err, size_t errlen)
{
	struct json_object *all = NULL, *list = NULL;
	size_t i, n;
	int r = -EINVAL;

	*out = NULL;
	if (len > MQTT_PAYLOAD_MAX) {
		snprintf(err, errlen, "bridge/devices of %zu bytes is too large", len);
		return -EINVAL;
	}
	if ((all = json_parse_strict(payload, len, err, errlen)) == NULL)
		return -EINVAL;
	if (!json_object_is_type(all, json_type_array)) {
		snprintf(err, errlen, "bridge/devices is not a JSON array");
		goto done;
	}
	list = json_object_new_array();
	n = json_object_array_length(all);
	for (i = 0; i < n; i++) {
		struct json_object *dev = json_object_array_get_idx(all, i);

		if (!json_object_is_type(dev, json_type_object))
			continue;
		if ((r = catalog_device(list, dev, err, errlen)) < 0)
			goto done;
	}
	*out = list;
	list = NULL;
	r = 0;
done:
	json_object_put(list);
	json_object_put(all);
	return r;
}

/* ---- reports ---- */

/* caps[key] as a property name, or NULL. */
static const char *
cap(struct json_object *caps, const char *key)
{
	return str(caps, key);
}

/* The value of device property `prop` in a state message: NULL when absent,
 * -EINVAL (with err) when present with the wrong type. */
static int
val_num(struct json_object *msg, const char *prop, double *out, bool *present, char *err,
    size_t errlen)
{
	struct json_object *v;

	*present = false;
	if (prop == NULL || !json_object_object_get_ex(msg, prop, &v) || v == NULL)
		return 0;
	if (!number(msg, prop, out)) {
		snprintf(err, errlen, "%s must be a number", prop);
		return -EINVAL;
	}
	*present = true;
	return 0;
}

static int
val_str(struct json_object *msg, const char *prop, const char **out, char *err, size_t errlen)
{
	struct json_object *v;

	*out = NULL;
	if (prop == NULL || !json_object_object_get_ex(msg, prop, &v) || v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_string)) {
		snprintf(err, errlen, "%s must be a string", prop);
		return -EINVAL;
	}
	*out = json_object_get_string(v);
	return 0;
}

static int
report_onoff(struct json_object *caps, struct json_object *msg, struct json_object *rep,
    const char *on_state, const char *off_state, char *err, size_t errlen)
{
	const char *s;
	int r;

	if ((r = val_str(msg, cap(caps, "state"), &s, err, errlen)) < 0)
		return r;
	if (s == NULL)
		return 0;
	if (cap(caps, "on") != NULL && strcmp(s, cap(caps, "on")) == 0)
		conv_report_state(rep, on_state);
	else if (cap(caps, "off") != NULL && strcmp(s, cap(caps, "off")) == 0)
		conv_report_state(rep, off_state);
	else {
		snprintf(err, errlen, "%s '%.40s' is neither %s nor %s", cap(caps, "state"), s,
		    cap(caps, "on"), cap(caps, "off"));
		return -EINVAL;
	}
	return 0;
}

static const char *
cover_state(int64_t pos)
{
	return pos <= 0 ? "closed" : pos >= 100 ? "open" : "partial";
}

int
z2m_report(const char *type, struct json_object *caps, const char *payload, size_t len,
    struct json_object **out, char *err, size_t errlen)
{
	struct json_object *msg, *rep, *props;
	const char *s;
	double v;
	bool has;
	int r;

	*out = NULL;
	if ((msg = conv_parse_object(payload, len, err, errlen)) == NULL)
		return -EINVAL;
	rep = conv_report_new();
	props = conv_report_props(rep);
	if (strcmp(type, "light") == 0 || strcmp(type, "switch") == 0 ||
	    strcmp(type, "plug") == 0) {
		if ((r = report_onoff(caps, msg, rep, "on", "off", err, errlen)) < 0)
			goto done;
		if ((r = val_num(msg, cap(caps, "brightness"), &v, &has, err, errlen)) < 0)
			goto done;
		if (has) {
			double max = 254;

			/* A few lights count to 255 or 100: scale to 254 first. */
			if (!number(caps, "bri_max", &max) || max <= 0)
				max = 254;
			json_object_object_add(props, "brightness",
			    json_object_new_int(conv_bri_from_254(v * 254.0 / max)));
		}
		if ((r = val_num(msg, cap(caps, "color_temp"), &v, &has, err, errlen)) < 0)
			goto done;
		if (has)
			json_object_object_add(props, "color_temp",
			    json_object_new_int(conv_mired_to_kelvin(v)));
		if ((r = val_num(msg, cap(caps, "power"), &v, &has, err, errlen)) < 0)
			goto done;
		if (has)
			json_object_object_add(props, "power",
			    conv_number(v < 0 ? 0 : v > 4000 ? 4000 : v));
	} else if (strcmp(type, "lock") == 0) {
		if ((r = report_onoff(caps, msg, rep, "locked", "unlocked", err, errlen)) < 0)
			goto done;
		/* lock_state is what the bolt did; state what was asked. */
		if ((r = val_str(msg, cap(caps, "lock_state"), &s, err, errlen)) < 0)
			goto done;
		if (s != NULL && (strcmp(s, "locked") == 0 || strcmp(s, "unlocked") == 0))
			conv_report_state(rep, s);
	} else if (strcmp(type, "blinds") == 0 || strcmp(type, "garage") == 0) {
		if ((r = val_num(msg, cap(caps, "position"), &v, &has, err, errlen)) < 0)
			goto done;
		if (has) {
			int64_t pos = (int64_t)lround(v < 0 ? 0 : v > 100 ? 100 : v);

			json_object_object_add(props, "position", json_object_new_int64(pos));
			conv_report_state(rep, cover_state(pos));
		} else {
			if ((r = val_str(msg, cap(caps, "state"), &s, err, errlen)) < 0)
				goto done;
			if (s != NULL && strcmp(s, "OPEN") == 0)
				conv_report_state(rep, "open");
			else if (s != NULL && strcmp(s, "CLOSE") == 0)
				conv_report_state(rep, "closed");
		}
	} else if (strcmp(type, "thermostat") == 0) {
		if ((r = val_num(msg, cap(caps, "setpoint"), &v, &has, err, errlen)) < 0)
			goto done;
		if (has)
			json_object_object_add(props, "target_temp",
			    conv_number(conv_c_to_f(v)));
		if ((r = val_num(msg, cap(caps, "local"), &v, &has, err, errlen)) < 0)
			goto done;
		if (has)
			json_object_object_add(props, "current_temp",
			    conv_number(conv_c_to_f(v)));
		if ((r = val_str(msg, cap(caps, "mode"), &s, err, errlen)) < 0)
			goto done;
		if (s != NULL) {
			static const char *const modes[] = { "heat", "cool", "auto", "off", NULL };

			/* dry and fan_only have no homectl twin: leave the mode. */
			if (str_in(s, modes)) {
				json_object_object_add(props, "mode", json_object_new_string(s));
				conv_report_state(rep, s);
			}
		}
	} else if (strcmp(type, "fan") == 0) {
		if ((r = report_onoff(caps, msg, rep, "on", "off", err, errlen)) < 0)
			goto done;
		if ((r = val_str(msg, cap(caps, "mode"), &s, err, errlen)) < 0)
			goto done;
		for (int i = 0; s != NULL && FAN_SPEEDS[i] != NULL; i++)
			if (strcmp(s, FAN_SPEEDS[i]) == 0)
				json_object_object_add(props, "speed", json_object_new_int(i));
	} else if (strcmp(type, "temperature_sensor") == 0) {
		if ((r = val_num(msg, cap(caps, "temperature"), &v, &has, err, errlen)) < 0)
			goto done;
		if (has) {
			json_object_object_add(props, "value", conv_number(conv_c_to_f(v)));
			json_object_object_add(props, "unit", json_object_new_string("°F"));
			conv_report_state(rep, "active");
		}
	} else if (strcmp(type, "motion_sensor") == 0) {
		struct json_object *o;
		const char *p = cap(caps, "occupancy");

		if (p != NULL && json_object_object_get_ex(msg, p, &o) && o != NULL) {
			if (!json_object_is_type(o, json_type_boolean)) {
				snprintf(err, errlen, "%s must be true or false", p);
				r = -EINVAL;
				goto done;
			}
			conv_report_state(rep, json_object_get_boolean(o) ? "motion" : "no_motion");
		}
	} else {
		snprintf(err, errlen, "no Zigbee2MQTT mapping for a %s", type);
		r = -EINVAL;
		goto done;
	}
	*out = rep;
	rep = NULL;
	r = 0;
done:
	json_object_put(rep);
	json_object_put(msg);
	return r;
}

int
z2m_availability(const char *payload, size_t len, enum avail *out)
{
	struct json_object *o;
	const char *s;
	char err[64];

	*out = AVAIL_UNKNOWN;
	if (len == 0)
		return 0;
	if (len == 6 && memcmp(payload, "online", 6) == 0) {
		*out = AVAIL_ONLINE;
		return 0;
	}
	if (len == 7 && memcmp(payload, "offline", 7) == 0) {
		*out = AVAIL_OFFLINE;
		return 0;
	}
	if ((o = conv_parse_object(payload, len, err, sizeof(err))) == NULL)
		return -EINVAL;
	s = str(o, "state");
	if (s != NULL && strcmp(s, "online") == 0)
		*out = AVAIL_ONLINE;
	else if (s != NULL && strcmp(s, "offline") == 0)
		*out = AVAIL_OFFLINE;
	json_object_put(o);
	return *out == AVAIL_UNKNOWN ? -EINVAL : 0;
}

/* ---- commands ---- */

static bool
want_num(struct json_object *set, const char *key, double *v)
{
	return set != NULL && number(set, key, v);
}

int
z2m_command(const char *type, struct json_object *caps, const char *state,
    struct json_object *set, char **payload, char *err, size_t errlen)
{
	struct json_object *o = json_object_new_object();
	const char *p;
	double v;
	int r = -EINVAL;

	*payload = NULL;
	if (strcmp(type, "light") == 0 || strcmp(type, "switch") == 0 ||
	    strcmp(type, "plug") == 0 || strcmp(type, "fan") == 0) {
		bool on = state != NULL && strcmp(state, "on") == 0;

		if (state != NULL && cap(caps, "state") != NULL)
			json_object_object_add(o, cap(caps, "state"),
			    json_object_new_string(cap(caps, on ? "on" : "off")));
		if (on && (p = cap(caps, "brightness")) != NULL && want_num(set, "brightness", &v)) {
			double max = 254;

			number(caps, "bri_max", &max);
			json_object_object_add(o, p, json_object_new_int64(
			    (int64_t)lround(conv_bri_to_254((int64_t)v) * max / 254.0)));
		}
		if ((p = cap(caps, "color_temp")) != NULL && want_num(set, "color_temp", &v)) {
			double lo = 153, hi = 500;
			int m = conv_kelvin_to_mired((int64_t)v);

			number(caps, "ct_min", &lo);
			number(caps, "ct_max", &hi);
			if (m < lo)
				m = (int)lo;
			if (m > hi)
				m = (int)hi;
			json_object_object_add(o, p, json_object_new_int(m));
		}
		if (strcmp(type, "fan") == 0 && (p = cap(caps, "mode")) != NULL &&
		    want_num(set, "speed", &v) && v >= 0 && v <= 3)
			json_object_object_add(o, p, json_object_new_string(FAN_SPEEDS[(int)v]));
	} else if (strcmp(type, "lock") == 0) {
		if (state == NULL || cap(caps, "state") == NULL) {
			snprintf(err, errlen, "a lock command needs a state");
			goto done;
		}
		json_object_object_add(o, cap(caps, "state"), json_object_new_string(
		    cap(caps, strcmp(state, "locked") == 0 ? "on" : "off")));
	} else if (strcmp(type, "blinds") == 0 || strcmp(type, "garage") == 0) {
		if ((p = cap(caps, "position")) != NULL && want_num(set, "position", &v))
			json_object_object_add(o, p, json_object_new_int64((int64_t)lround(v)));
		else if (state != NULL && strcmp(state, "partial") != 0 && cap(caps, "state") != NULL)
			json_object_object_add(o, cap(caps, "state"), json_object_new_string(
			    strcmp(state, "open") == 0 ? "OPEN" : "CLOSE"));
	} else if (strcmp(type, "thermostat") == 0) {
		if ((p = cap(caps, "setpoint")) != NULL && want_num(set, "target_temp", &v)) {
			double step = 0.5;

			number(caps, "step", &step);
			json_object_object_add(o, p, conv_number(conv_f_to_c(v, step)));
		}
		if ((p = cap(caps, "mode")) != NULL && state != NULL)
			json_object_object_add(o, p, json_object_new_string(state));
	} else {
		snprintf(err, errlen, "a %s cannot be controlled over Zigbee2MQTT", type);
		goto done;
	}
	if (json_object_object_length(o) == 0) {
		snprintf(err, errlen, "nothing to send to this %s", type);
		goto done;
	}
	if ((*payload = strdup(json_compact(o))) == NULL) {
		r = -ENOMEM;
		goto done;
	}
	r = 0;
done:
	json_object_put(o);
	return r;
}
