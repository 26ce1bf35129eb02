/* SPDX-License-Identifier: MIT */
/* hass.c -- homectl's home in Home Assistant: a retained MQTT discovery
 * config per homectl device (component-based: <prefix>/<component>/<node>/
 * <id>/config, with unique_id, device, origin and availability), the state
 * payloads its templates read, and Home Assistant's commands turned into
 * homectl actions (which the daemon then runs through ops, the one write
 * path).
 *
 * Topics of our own, under base ("homectl/<home>"):
 *   <base>/status                 online/offline (our last will)
 *   <base>/<id>/state             {"state": <HA word>, ...properties}
 *   <base>/<id>/availability      online/offline (the device's own)
 *   <base>/<id>/set, set_position, set_mode, set_temperature, set_speed */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonutil.h"
#include "model.h"
#include "mqtt.h"
#include "util.h"

static const char *
str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static const char *
component_of(const char *type)
{
	static const struct { const char *type, *component; } map[] = {
		{ "light", "light" }, { "switch", "switch" }, { "plug", "switch" },
		{ "sprinkler", "switch" }, { "ev_charger", "switch" }, { "fan", "fan" },
		{ "blinds", "cover" }, { "garage", "cover" }, { "thermostat", "climate" },
		{ "lock", "lock" }, { "temperature_sensor", "sensor" },
		{ "motion_sensor", "binary_sensor" }, { "fish_feeder", "button" },
	};

	for (size_t i = 0; i < NELEMS(map); i++)
		if (strcmp(map[i].type, type) == 0)
			return map[i].component;
	return NULL;
}

static void
add_s(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static void
add_topic(struct json_object *o, const char *k, const struct hass_names *n, const char *id,
    const char *leaf)
{
	char t[MQTT_TOPIC_MAX];

	snprintf(t, sizeof(t), "%s/%s/%s", n->base, id, leaf);
	add_s(o, k, t);
}

static struct json_object *
availability(const struct hass_names *n, const char *id)
{
	struct json_object *a = json_object_new_array(), *x;
	char t[MQTT_TOPIC_MAX];

	x = json_object_new_object();
	snprintf(t, sizeof(t), "%s/status", n->base);
	add_s(x, "topic", t);
	add_s(x, "payload_available", "online");
	add_s(x, "payload_not_available", "offline");
	json_object_array_add(a, x);
	x = json_object_new_object();
	snprintf(t, sizeof(t), "%s/%s/availability", n->base, id);
	add_s(x, "topic", t);
	add_s(x, "payload_available", "online");
	add_s(x, "payload_not_available", "offline");
	json_object_array_add(a, x);
	return a;
}

int
hass_config(const struct hass_names *n, struct json_object *device, char **topic,
    struct json_object **config)
{
	const char *id = str(device, "id"), *type = str(device, "type"), *comp;
	const struct model_type *mt;
	struct json_object *c, *dev, *o, *props = NULL;
	char t[MQTT_TOPIC_MAX], uid[200];

	*topic = NULL;
	*config = NULL;
	if (id == NULL || type == NULL || (comp = component_of(type)) == NULL ||
	    (mt = model_type_find(type)) == NULL)
		return -ENOENT;
	json_object_object_get_ex(device, "properties", &props);
	if (snprintf(t, sizeof(t), "%s/%s/%s/%s/config", n->prefix, comp, n->node, id) >=
	    (int)sizeof(t))
		return -EINVAL;
	snprintf(uid, sizeof(uid), "%s_%s", n->node, id);
	c = json_object_new_object();
	/* A null name: the entity is named after its device. */
	json_object_object_add(c, "name", NULL);
	add_s(c, "unique_id", uid);
	add_topic(c, "state_topic", n, id, "state");
	json_object_object_add(c, "availability", availability(n, id));
	add_s(c, "availability_mode", "all");
	json_object_object_add(c, "qos", json_object_new_int(1));
	dev = json_object_new_object();
	o = json_object_new_array();
	json_object_array_add(o, json_object_new_string(uid));
	json_object_object_add(dev, "identifiers", o);
	add_s(dev, "name", str(device, "name") ? str(device, "name") : id);
	add_s(dev, "manufacturer", "homectl");
	add_s(dev, "model", mt->label);
	if (str(device, "room_name") != NULL)
		add_s(dev, "suggested_area", str(device, "room_name"));
	json_object_object_add(c, "device", dev);
	o = json_object_new_object();
	add_s(o, "name", "homectl");
	add_s(o, "sw_version", n->version);
	json_object_object_add(c, "origin", o);

	if (strcmp(comp, "light") == 0) {
		struct json_object *modes = json_object_new_array();
		bool ct = props && json_object_object_get_ex(props, "color_temp", NULL);

		add_s(c, "schema", "json");
		add_topic(c, "command_topic", n, id, "set");
		json_object_object_add(c, "brightness", json_object_new_boolean(true));
		json_object_object_add(c, "brightness_scale", json_object_new_int(100));
		json_object_array_add(modes, json_object_new_string(ct ? "color_temp" : "brightness"));
		json_object_object_add(c, "supported_color_modes", modes);
		if (ct) {
			json_object_object_add(c, "color_temp_kelvin", json_object_new_boolean(true));
			json_object_object_add(c, "min_kelvin", json_object_new_int(2000));
			json_object_object_add(c, "max_kelvin", json_object_new_int(6500));
		}
	} else if (strcmp(comp, "switch") == 0) {
		add_topic(c, "command_topic", n, id, "set");
		add_s(c, "value_template", "{{ value_json.state }}");
		add_s(c, "payload_on", "ON");
		add_s(c, "payload_off", "OFF");
		add_s(c, "state_on", "ON");
		add_s(c, "state_off", "OFF");
		if (strcmp(type, "plug") == 0)
			add_s(c, "device_class", "outlet");
	} else if (strcmp(comp, "fan") == 0) {
		add_topic(c, "command_topic", n, id, "set");
		add_s(c, "state_value_template", "{{ value_json.state }}");
		add_s(c, "payload_on", "ON");
		add_s(c, "payload_off", "OFF");
		add_topic(c, "percentage_command_topic", n, id, "set_speed");
		add_topic(c, "percentage_state_topic", n, id, "state");
		add_s(c, "percentage_value_template", "{{ value_json.speed }}");
		json_object_object_add(c, "speed_range_min", json_object_new_int(1));
		json_object_object_add(c, "speed_range_max", json_object_new_int(3));
	} else if (strcmp(comp, "cover") == 0) {
		add_s(c, "device_class", strcmp(type, "garage") == 0 ? "garage" : "blind");
		add_topic(c, "command_topic", n, id, "set");
		json_object_object_add(c, "payload_stop", NULL);	/* homectl cannot stop */
		add_s(c, "value_template", "{{ value_json.state }}");
		add_s(c, "state_open", "open");
		add_s(c, "state_closed", "closed");
		add_topic(c, "position_topic", n, id, "state");
		add_s(c, "position_template", "{{ value_json.position }}");
		add_topic(c, "set_position_topic", n, id, "set_position");
	} else if (strcmp(comp, "climate") == 0) {
		struct json_object *modes = json_object_new_array();

		for (const char *m[] = { "heat", "cool", "auto", "off", NULL }, **p = m; *p; p++)
			json_object_array_add(modes, json_object_new_string(*p));
		json_object_object_add(c, "modes", modes);
		json_object_object_del(c, "state_topic");
		add_topic(c, "mode_command_topic", n, id, "set_mode");
		add_topic(c, "mode_state_topic", n, id, "state");
		add_s(c, "mode_state_template", "{{ value_json.mode }}");
		add_topic(c, "temperature_command_topic", n, id, "set_temperature");
		add_topic(c, "temperature_state_topic", n, id, "state");
		add_s(c, "temperature_state_template", "{{ value_json.target_temp }}");
		add_topic(c, "current_temperature_topic", n, id, "state");
		add_s(c, "current_temperature_template", "{{ value_json.current_temp }}");
		add_s(c, "temperature_unit", "F");
		json_object_object_add(c, "min_temp", json_object_new_int(50));
		json_object_object_add(c, "max_temp", json_object_new_int(90));
		json_object_object_add(c, "temp_step", conv_number(0.5));
	} else if (strcmp(comp, "lock") == 0) {
		add_topic(c, "command_topic", n, id, "set");
		add_s(c, "value_template", "{{ value_json.state }}");
		add_s(c, "payload_lock", "LOCK");
		add_s(c, "payload_unlock", "UNLOCK");
		add_s(c, "state_locked", "LOCKED");
		add_s(c, "state_unlocked", "UNLOCKED");
	} else if (strcmp(comp, "sensor") == 0) {
		add_s(c, "device_class", "temperature");
		add_s(c, "state_class", "measurement");
		add_s(c, "unit_of_measurement", "°F");
		add_s(c, "value_template", "{{ value_json.value }}");
	} else if (strcmp(comp, "binary_sensor") == 0) {
		add_s(c, "device_class", "motion");
		add_s(c, "value_template", "{{ value_json.state }}");
		add_s(c, "payload_on", "ON");
		add_s(c, "payload_off", "OFF");
	} else if (strcmp(comp, "button") == 0) {
		json_object_object_del(c, "state_topic");
		add_topic(c, "command_topic", n, id, "set");
		add_s(c, "payload_press", "PRESS");
	}
	if ((*topic = strdup(t)) == NULL) {
		json_object_put(c);
		return -ENOMEM;
	}
	*config = c;
	return 0;
}

/* homectl's state as the word Home Assistant's component expects. */
static const char *
ha_state(const char *type, const char *state)
{
	const char *comp = component_of(type);

	if (comp == NULL || state == NULL)
		return state;
	if (strcmp(comp, "light") == 0 || strcmp(comp, "switch") == 0 ||
	    strcmp(comp, "fan") == 0)
		return strcmp(state, "on") == 0 || strcmp(state, "charging") == 0 ? "ON" : "OFF";
	if (strcmp(comp, "binary_sensor") == 0)
		return strcmp(state, "motion") == 0 ? "ON" : "OFF";
	if (strcmp(comp, "lock") == 0)
		return strcmp(state, "locked") == 0 ? "LOCKED" : "UNLOCKED";
	if (strcmp(comp, "cover") == 0)
		return strcmp(state, "closed") == 0 ? "closed" : "open";
	return state;
}

struct json_object *
hass_state(struct json_object *device)
{
	struct json_object *o = json_object_new_object(), *props;
	const char *type = str(device, "type");

	add_s(o, "state", ha_state(type ? type : "", str(device, "state") ?
	    str(device, "state") : "unknown"));
	if (json_object_object_get_ex(device, "properties", &props) &&
	    json_object_is_type(props, json_type_object)) {
		json_object_object_foreach(props, k, v) {
			json_object_object_add(o, k, json_object_get(v));
		}
	}
	if (type != NULL && strcmp(type, "light") == 0)
		add_s(o, "color_mode", json_object_object_get_ex(o, "color_temp", NULL) ?
		    "color_temp" : "brightness");
	return o;
}

int
hass_topic(const struct hass_names *n, const char *topic, char *id, size_t len,
    const char **what)
{
	static const char *const leaves[] = { "set", "set_position", "set_mode",
		"set_temperature", "set_speed", NULL };
	size_t bl = strlen(n->base), il;
	const char *rest, *slash;

	if (strncmp(topic, n->base, bl) != 0 || topic[bl] != '/')
		return -ENOENT;
	rest = topic + bl + 1;
	if ((slash = strchr(rest, '/')) == NULL || !str_in(slash + 1, leaves))
		return -ENOENT;
	il = (size_t)(slash - rest);
	if (il == 0 || il >= len)
		return -ENOENT;
	for (size_t i = 0; i < il; i++)
		if (!((rest[i] >= 'a' && rest[i] <= 'z') || (rest[i] >= '0' && rest[i] <= '9') ||
		    rest[i] == '_'))
			return -ENOENT;
	memcpy(id, rest, il);
	id[il] = '\0';
	*what = slash + 1;
	return 0;
}

static bool
word(const char *payload, size_t len, const char *w)
{
	return len == strlen(w) && memcmp(payload, w, len) == 0;
}

/* A bare number payload, strictly. */
static int
payload_num(const char *payload, size_t len, double min, double max, double *out)
{
	char buf[32];

	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, payload, len);
	buf[len] = '\0';
	return parse_double(buf, min, max, out);
}

int
hass_command(const char *type, const char *what, const char *payload, size_t len,
    const char **action, struct json_object **props, char *err, size_t errlen)
{
	const char *comp = component_of(type);
	double v;

	*action = NULL;
	*props = NULL;
	if (comp == NULL || strcmp(comp, "sensor") == 0 || strcmp(comp, "binary_sensor") == 0) {
		snprintf(err, errlen, "a %s takes no commands from Home Assistant", type);
		return -EINVAL;
	}
	if (strcmp(what, "set") == 0 && strcmp(comp, "light") == 0) {
		struct json_object *o = conv_parse_object(payload, len, err, errlen), *x;
		const char *s;

		if (o == NULL)
			return -EINVAL;
		s = str(o, "state");
		if (s == NULL || (strcmp(s, "ON") != 0 && strcmp(s, "OFF") != 0)) {
			snprintf(err, errlen, "a light command needs \"state\": \"ON\" or \"OFF\"");
			json_object_put(o);
			return -EINVAL;
		}
		*action = strcmp(s, "ON") == 0 ? "on" : "off";
		if (strcmp(*action, "on") == 0) {
			*props = json_object_new_object();
			if (json_object_object_get_ex(o, "brightness", &x))
				json_object_object_add(*props, "brightness", json_object_get(x));
			if (json_object_object_get_ex(o, "color_temp", &x))
				json_object_object_add(*props, "color_temp", json_object_get(x));
			if (json_object_object_length(*props) == 0) {
				json_object_put(*props);
				*props = NULL;
			}
		}
		json_object_put(o);
		return 0;
	}
	if (strcmp(what, "set") == 0) {
		if (strcmp(comp, "switch") == 0 || strcmp(comp, "fan") == 0) {
			if (word(payload, len, "ON"))
				*action = "on";
			else if (word(payload, len, "OFF"))
				*action = "off";
		} else if (strcmp(comp, "cover") == 0) {
			if (word(payload, len, "OPEN"))
				*action = "open";
			else if (word(payload, len, "CLOSE"))
				*action = "close";
		} else if (strcmp(comp, "lock") == 0) {
			if (word(payload, len, "LOCK"))
				*action = "lock";
			else if (word(payload, len, "UNLOCK"))
				*action = "unlock";
		} else if (strcmp(comp, "button") == 0 && word(payload, len, "PRESS")) {
			*action = "feed";
		}
		if (*action == NULL) {
			snprintf(err, errlen, "'%.*s' is not a command for a %s", (int)(len > 40 ? 40 : len),
			    payload, type);
			return -EINVAL;
		}
		return 0;
	}
	if (strcmp(what, "set_position") == 0 && strcmp(comp, "cover") == 0) {
		if (payload_num(payload, len, 0, 100, &v) < 0 || v != floor(v))
			goto bad_number;
		*action = "set";
		*props = json_object_new_object();
		json_object_object_add(*props, "position", json_object_new_int64((int64_t)v));
		return 0;
	}
	if (strcmp(what, "set_speed") == 0 && strcmp(comp, "fan") == 0) {
		if (payload_num(payload, len, 0, 3, &v) < 0 || v != floor(v))
			goto bad_number;
		*action = "set";
		*props = json_object_new_object();
		json_object_object_add(*props, "speed", json_object_new_int64((int64_t)v));
		return 0;
	}
	if (strcmp(what, "set_temperature") == 0 && strcmp(comp, "climate") == 0) {
		if (payload_num(payload, len, 50, 90, &v) < 0)
			goto bad_number;
		*action = "set";
		*props = json_object_new_object();
		json_object_object_add(*props, "target_temp", conv_number(v));
		return 0;
	}
	if (strcmp(what, "set_mode") == 0 && strcmp(comp, "climate") == 0) {
		static const char *const modes[] = { "heat", "cool", "auto", "off", NULL };
		char m[8];

		if (len == 0 || len >= sizeof(m))
			goto bad_mode;
		memcpy(m, payload, len);
		m[len] = '\0';
		if (!str_in(m, modes))
			goto bad_mode;
		*action = "set";
		*props = json_object_new_object();
		add_s(*props, "mode", m);
		return 0;
bad_mode:
		snprintf(err, errlen, "a thermostat mode is heat, cool, auto or off");
		return -EINVAL;
	}
	snprintf(err, errlen, "a %s has no '%s' command", type, what);
	return -EINVAL;
bad_number:
	snprintf(err, errlen, "'%.*s' is not a valid value for %s", (int)(len > 40 ? 40 : len),
	    payload, what);
	return -EINVAL;
}
