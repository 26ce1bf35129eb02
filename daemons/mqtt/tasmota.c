/* SPDX-License-Identifier: MIT */
/* tasmota.c -- the Tasmota dialect: native discovery configs
 * (tasmota/discovery/<MAC>/config) to homectl devices, RESULT and STATE
 * messages to reports, homectl commands to cmnd/<topic>/<command>.
 *
 * Topics follow Tasmota's default FullTopic, %prefix%/%topic%/, with the
 * prefixes cmnd, stat and tele.  Tasmota names a lone relay POWER and
 * numbers them (POWER1, POWER2, ...) when there are several; it accepts
 * POWER<n> in commands either way. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonutil.h"
#include "mqtt.h"

#define RELAYS_MAX 32

int
tasmota_topic(const char *discovery_prefix, const char *topic, enum tasmota_topic *kind,
    const char **t, size_t *tlen)
{
	size_t pl = strlen(discovery_prefix), n = strlen(topic);
	const char *first, *last;

	*t = NULL;
	*tlen = 0;
	if (strncmp(topic, discovery_prefix, pl) == 0 && topic[pl] == '/') {
		const char *mac = topic + pl + 1;

		last = strchr(mac, '/');
		if (last == NULL || last == mac || strcmp(last, "/config") != 0)
			return -ENOENT;
		*kind = TASMOTA_T_DISCOVERY;
		*t = mac;
		*tlen = (size_t)(last - mac);
		return 0;
	}
	first = strchr(topic, '/');
	last = strrchr(topic, '/');
	if (first == NULL || first == last || last == first + 1 || last == topic + n - 1)
		return -ENOENT;
	if (strncmp(topic, "stat/", 5) == 0)
		*kind = strcmp(last, "/RESULT") == 0 ? TASMOTA_T_RESULT : TASMOTA_T_OTHER;
	else if (strncmp(topic, "tele/", 5) == 0)
		*kind = strcmp(last, "/STATE") == 0 ? TASMOTA_T_STATE :
			strcmp(last, "/LWT") == 0 ? TASMOTA_T_LWT : TASMOTA_T_OTHER;
	else if (strncmp(topic, "cmnd/", 5) == 0)
		*kind = TASMOTA_T_OTHER;
	else
		return -ENOENT;
	*t = first + 1;
	*tlen = (size_t)(last - first - 1);
	return 0;
}

static const char *
str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int64_t
int_at(struct json_object *a, size_t i)
{
	struct json_object *v = json_object_array_get_idx(a, i);

	return json_object_is_type(v, json_type_int) ? json_object_get_int64(v) : 0;
}

/* The friendly name of relay i (0-based) or NULL. */
static const char *
friendly(struct json_object *cfg, size_t i)
{
	struct json_object *fn, *v;

	if (!json_object_object_get_ex(cfg, "fn", &fn) || !json_object_is_type(fn, json_type_array))
		return NULL;
	v = json_object_array_get_idx(fn, i);
	if (v == NULL || !json_object_is_type(v, json_type_string) ||
	    json_object_get_string_len(v) == 0)
		return NULL;
	return json_object_get_string(v);
}

static void
entry(struct json_object *out, struct json_object *cfg, const char *type, const char *addr_tail,
    const char *fname, size_t n, size_t total, struct json_object *caps)
{
	const char *t = str(cfg, "t"), *dn = str(cfg, "dn");
	char id[80], addr[MQTT_TOPIC_MAX], name[256];
	struct json_object *o;

	if (fname != NULL) {
		snprintf(name, sizeof(name), "%s", fname);
	} else if (total > 1) {
		snprintf(name, sizeof(name), "%s %zu", dn ? dn : t, n);
	} else {
		snprintf(name, sizeof(name), "%s", dn ? dn : t);
	}
	if (conv_slug(name, id, sizeof(id)) < 0 && conv_slug(t, id, sizeof(id)) < 0) {
		json_object_put(caps);
		return;
	}
	snprintf(addr, sizeof(addr), "%s#%s", t, addr_tail);
	o = json_object_new_object();
	json_object_object_add(o, "driver", json_object_new_string("tasmota"));
	json_object_object_add(o, "address", json_object_new_string(addr));
	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "type", json_object_new_string(type));
	if (str(cfg, "mac") != NULL)
		json_object_object_add(o, "mac", json_object_new_string(str(cfg, "mac")));
	if (str(cfg, "md") != NULL)
		json_object_object_add(o, "model", json_object_new_string(str(cfg, "md")));
	json_object_object_add(o, "vendor", json_object_new_string("Tasmota"));
	json_object_object_add(o, "caps", caps);
	json_object_array_add(out, o);
}

int
tasmota_catalog(const char *payload, size_t len, struct json_object **out, char *err,
    size_t errlen)
{
	struct json_object *cfg, *rl, *list, *v;
	const char *t, *ft;
	size_t i, n, present = 0, shutter_relays = 0, lights = 0, total = 0;
	int64_t lt_st = 0;

	*out = NULL;
	if ((cfg = conv_parse_object(payload, len, err, errlen)) == NULL)
		return -EINVAL;
	t = str(cfg, "t");
	if (t == NULL || *t == '\0' || strchr(t, '/') || strchr(t, '#') || strchr(t, '+')) {
		snprintf(err, errlen, "discovery config without a usable topic (\"t\")");
		json_object_put(cfg);
		return -EINVAL;
	}
	ft = str(cfg, "ft");
	if (ft != NULL && strcmp(ft, "%prefix%/%topic%/") != 0) {
		snprintf(err, errlen, "FullTopic '%.60s' is not the default %%prefix%%/%%topic%%/", ft);
		json_object_put(cfg);
		return -EINVAL;
	}
	if (!json_object_object_get_ex(cfg, "rl", &rl) || !json_object_is_type(rl, json_type_array)) {
		snprintf(err, errlen, "discovery config without relays (\"rl\")");
		json_object_put(cfg);
		return -EINVAL;
	}
	if (json_object_object_get_ex(cfg, "lt_st", &v) && json_object_is_type(v, json_type_int))
		lt_st = json_object_get_int64(v);
	n = json_object_array_length(rl);
	if (n > RELAYS_MAX)
		n = RELAYS_MAX;
	for (i = 0; i < n; i++) {
		int64_t k = int_at(rl, i);

		present += k != 0;
		total += k == 1 || k == 2;
		shutter_relays += k == 3;
	}
	total += shutter_relays / 2;
	list = json_object_new_array();
	for (i = 0; i < n; i++) {
		int64_t k = int_at(rl, i);
		struct json_object *caps;
		char tail[32];

		if (k != 1 && k != 2)
			continue;
		caps = json_object_new_object();
		json_object_object_add(caps, "topic", json_object_new_string(t));
		json_object_object_add(caps, "relay", json_object_new_int64((int64_t)i + 1));
		json_object_object_add(caps, "relays", json_object_new_int64((int64_t)present));
		/* Tasmota drives one light; its Dimmer is that light's. */
		if (k == 2 && lt_st >= 1 && lights++ == 0)
			json_object_object_add(caps, "dimmer", json_object_new_boolean(true));
		snprintf(tail, sizeof(tail), "%zu", i + 1);
		entry(list, cfg, k == 2 ? "light" : "switch", tail, friendly(cfg, i), i + 1, total,
		    caps);
	}
	/* Each shutter drives two relays (up and down). */
	for (i = 0; i < shutter_relays / 2; i++) {
		struct json_object *caps = json_object_new_object();
		char tail[32];
		size_t first = 0, seen = 0;

		for (size_t j = 0; j < n; j++)
			if (int_at(rl, j) == 3 && seen++ == i * 2)
				first = j;
		json_object_object_add(caps, "topic", json_object_new_string(t));
		json_object_object_add(caps, "shutter", json_object_new_int64((int64_t)i + 1));
		snprintf(tail, sizeof(tail), "shutter%zu", i + 1);
		entry(list, cfg, "blinds", tail, friendly(cfg, first), i + 1, total, caps);
	}
	json_object_put(cfg);
	*out = list;
	return 0;
}

static int64_t
caps_int(struct json_object *caps, const char *key, int64_t def)
{
	struct json_object *v;

	if (!json_object_object_get_ex(caps, key, &v) || !json_object_is_type(v, json_type_int))
		return def;
	return json_object_get_int64(v);
}

static bool
caps_bool(struct json_object *caps, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(caps, key, &v) && json_object_get_boolean(v);
}

int
tasmota_report(const char *type, struct json_object *caps, const char *payload, size_t len,
    struct json_object **out, char *err, size_t errlen)
{
	struct json_object *msg, *rep, *props, *v;
	char key[32];
	int r = -EINVAL;

	*out = NULL;
	if ((msg = conv_parse_object(payload, len, err, errlen)) == NULL)
		return -EINVAL;
	rep = conv_report_new();
	props = conv_report_props(rep);
	if (strcmp(type, "switch") == 0 || strcmp(type, "light") == 0 ||
	    strcmp(type, "plug") == 0) {
		int64_t relay = caps_int(caps, "relay", 1);

		snprintf(key, sizeof(key), "POWER%lld", (long long)relay);
		v = NULL;
		if (!json_object_object_get_ex(msg, key, &v) && relay == 1)
			json_object_object_get_ex(msg, "POWER", &v);
		if (v != NULL) {
			const char *s = json_object_is_type(v, json_type_string) ?
				json_object_get_string(v) : NULL;

			if (s != NULL && strcmp(s, "ON") == 0)
				conv_report_state(rep, "on");
			else if (s != NULL && strcmp(s, "OFF") == 0)
				conv_report_state(rep, "off");
			else {
				snprintf(err, errlen, "%s must be ON or OFF", key);
				goto done;
			}
		}
		if (caps_bool(caps, "dimmer") && json_object_object_get_ex(msg, "Dimmer", &v)) {
			int64_t d;

			if (!json_object_is_type(v, json_type_int) ||
			    (d = json_object_get_int64(v)) < 0 || d > 100) {
				snprintf(err, errlen, "Dimmer must be an integer from 0 to 100");
				goto done;
			}
			json_object_object_add(props, "brightness", json_object_new_int64(d));
		}
	} else if (strcmp(type, "blinds") == 0 || strcmp(type, "garage") == 0) {
		struct json_object *sh, *pos;

		snprintf(key, sizeof(key), "Shutter%lld", (long long)caps_int(caps, "shutter", 1));
		if (json_object_object_get_ex(msg, key, &sh)) {
			int64_t p;

			if (!json_object_is_type(sh, json_type_object) ||
			    !json_object_object_get_ex(sh, "Position", &pos) ||
			    !json_object_is_type(pos, json_type_int) ||
			    (p = json_object_get_int64(pos)) < 0 || p > 100) {
				snprintf(err, errlen, "%s.Position must be an integer from 0 to 100", key);
				goto done;
			}
			json_object_object_add(props, "position", json_object_new_int64(p));
			conv_report_state(rep, p == 0 ? "closed" : p == 100 ? "open" : "partial");
		}
	} else {
		snprintf(err, errlen, "no Tasmota mapping for a %s", type);
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
tasmota_availability(const char *payload, size_t len, enum avail *out)
{
	*out = AVAIL_UNKNOWN;
	if (len == 0)
		return 0;
	if (len == 6 && memcmp(payload, "Online", 6) == 0)
		*out = AVAIL_ONLINE;
	else if (len == 7 && memcmp(payload, "Offline", 7) == 0)
		*out = AVAIL_OFFLINE;
	else
		return -EINVAL;
	return 0;
}

int
tasmota_command(const char *type, struct json_object *caps, const char *state,
    struct json_object *set, char **cmnd, char **payload, char *err, size_t errlen)
{
	struct json_object *v;
	char c[40], p[32];

	*cmnd = *payload = NULL;
	if (strcmp(type, "switch") == 0 || strcmp(type, "light") == 0 ||
	    strcmp(type, "plug") == 0) {
		bool on = state != NULL && strcmp(state, "on") == 0;

		/* Dimmer n switches the light on at n (and off at 0). */
		if (on && caps_bool(caps, "dimmer") && set != NULL &&
		    json_object_object_get_ex(set, "brightness", &v) &&
		    json_object_is_type(v, json_type_int)) {
			snprintf(c, sizeof(c), "Dimmer");
			snprintf(p, sizeof(p), "%lld", (long long)json_object_get_int64(v));
		} else if (state != NULL) {
			snprintf(c, sizeof(c), "POWER%lld", (long long)caps_int(caps, "relay", 1));
			snprintf(p, sizeof(p), "%s", on ? "ON" : "OFF");
		} else {
			snprintf(err, errlen, "nothing to send to this %s", type);
			return -EINVAL;
		}
	} else if (strcmp(type, "blinds") == 0 || strcmp(type, "garage") == 0) {
		int64_t pos;

		if (set != NULL && json_object_object_get_ex(set, "position", &v) &&
		    json_object_is_type(v, json_type_int))
			pos = json_object_get_int64(v);
		else if (state != NULL && strcmp(state, "open") == 0)
			pos = 100;
		else if (state != NULL && strcmp(state, "closed") == 0)
			pos = 0;
		else {
			snprintf(err, errlen, "a shutter needs a position");
			return -EINVAL;
		}
		snprintf(c, sizeof(c), "ShutterPosition%lld", (long long)caps_int(caps, "shutter", 1));
		snprintf(p, sizeof(p), "%lld", (long long)pos);
	} else {
		snprintf(err, errlen, "a %s cannot be controlled over Tasmota", type);
		return -EINVAL;
	}
	*cmnd = strdup(c);
	*payload = strdup(p);
	if (*cmnd == NULL || *payload == NULL) {
		free(*cmnd);
		free(*payload);
		*cmnd = *payload = NULL;
		return -ENOMEM;
	}
	return 0;
}
