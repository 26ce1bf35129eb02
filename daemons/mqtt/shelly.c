/* SPDX-License-Identifier: MIT */
/* shelly.c -- the Shelly Gen2+ dialect: JSON-RPC 2.0 frames over MQTT.
 * Requests go to <prefix>/rpc with our own `src`, and the device answers on
 * <src>/rpc; changes arrive as NotifyStatus on <prefix>/events/rpc carrying
 * only what changed (to be laid over the known status), and whole component
 * statuses on <prefix>/status/<component:id>.  A device's components come
 * from its Shelly.GetStatus result. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonutil.h"
#include "mqtt.h"

static bool
suffix(const char *s, size_t n, const char *suf, size_t *cut)
{
	size_t k = strlen(suf);

	if (n <= k || memcmp(s + n - k, suf, k) != 0)
		return false;
	*cut = n - k;
	return true;
}

int
shelly_topic(const char *src, const char *topic, enum shelly_topic *kind, const char **prefix,
    size_t *plen, const char **comp)
{
	size_t sl = strlen(src), n = strlen(topic), cut;
	const char *st;

	*prefix = NULL;
	*plen = 0;
	*comp = NULL;
	if (strncmp(topic, src, sl) == 0 && strcmp(topic + sl, "/rpc") == 0) {
		*kind = SHELLY_T_RESPONSE;
		return 0;
	}
	if (suffix(topic, n, "/online", &cut))
		*kind = SHELLY_T_ONLINE;
	else if (suffix(topic, n, "/events/rpc", &cut))
		*kind = SHELLY_T_EVENTS;
	else if ((st = strstr(topic, "/status/")) != NULL && st > topic && st[8] != '\0' &&
	    strchr(st + 8, '/') == NULL) {
		*kind = SHELLY_T_STATUS;
		*comp = st + 8;
		cut = (size_t)(st - topic);
	} else {
		return -ENOENT;
	}
	if (cut == 0)
		return -ENOENT;
	*prefix = topic;
	*plen = cut;
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

/* "switch:0" -> "switch" and 0; false for anything else. */
static bool
component(const char *key, char *kind, size_t len, int64_t *id)
{
	const char *colon = strchr(key, ':');
	char *end;
	long v;

	if (colon == NULL || (size_t)(colon - key) >= len || colon[1] == '\0')
		return false;
	v = strtol(colon + 1, &end, 10);
	if (*end != '\0' || v < 0 || v > 255)
		return false;
	memcpy(kind, key, (size_t)(colon - key));
	kind[colon - key] = '\0';
	*id = v;
	return true;
}

int
shelly_catalog(const char *prefix, struct json_object *info, struct json_object *status,
    struct json_object **out, char *err, size_t errlen)
{
	struct json_object *list;
	const char *dname = str(info, "name");
	size_t count = 0;

	*out = NULL;
	if (status == NULL || !json_object_is_type(status, json_type_object)) {
		snprintf(err, errlen, "Shelly.GetStatus result is not an object");
		return -EINVAL;
	}
	json_object_object_foreach(status, k0, v0) {
		char kind[16];
		int64_t id;

		if (component(k0, kind, sizeof(kind), &id) && json_object_is_type(v0,
		    json_type_object) && (strcmp(kind, "switch") == 0 ||
		    strcmp(kind, "light") == 0 || strcmp(kind, "cover") == 0))
			count++;
	}
	list = json_object_new_array();
	json_object_object_foreach(status, key, st) {
		char kind[16], ids[80], name[256], addr[MQTT_TOPIC_MAX], cs[40];
		const char *type;
		struct json_object *o, *caps;
		int64_t id;

		if (!component(key, kind, sizeof(kind), &id) || !json_object_is_type(st,
		    json_type_object))
			continue;
		if (strcmp(kind, "switch") == 0)
			type = json_object_object_get_ex(st, "apower", NULL) ? "plug" : "switch";
		else if (strcmp(kind, "light") == 0)
			type = "light";
		else if (strcmp(kind, "cover") == 0)
			type = "blinds";
		else
			continue;
		snprintf(name, sizeof(name), "%s%s%s", dname ? dname : prefix,
		    count > 1 ? " " : "", count > 1 ? key : "");
		if (conv_slug(dname ? dname : prefix, ids, sizeof(ids) - 20) < 0)
			continue;
		if (count > 1 && conv_slug(key, cs, sizeof(cs)) == 0) {
			size_t l = strlen(ids);

			snprintf(ids + l, sizeof(ids) - l, "_%s", cs);
		}
		snprintf(addr, sizeof(addr), "%s#%s", prefix, key);
		caps = json_object_new_object();
		json_object_object_add(caps, "prefix", json_object_new_string(prefix));
		json_object_object_add(caps, "component", json_object_new_string(key));
		json_object_object_add(caps, "id", json_object_new_int64(id));
		o = json_object_new_object();
		json_object_object_add(o, "driver", json_object_new_string("shelly"));
		json_object_object_add(o, "address", json_object_new_string(addr));
		json_object_object_add(o, "id", json_object_new_string(ids));
		json_object_object_add(o, "name", json_object_new_string(name));
		json_object_object_add(o, "type", json_object_new_string(type));
		if (str(info, "model") != NULL)
			json_object_object_add(o, "model", json_object_new_string(str(info, "model")));
		json_object_object_add(o, "vendor", json_object_new_string("Shelly"));
		json_object_object_add(o, "caps", caps);
		json_object_array_add(list, o);
	}
	*out = list;
	return 0;
}

/* A component status (whole or partial) as a report. */
static int
status_report(const char *type, struct json_object *st, struct json_object *rep, char *err,
    size_t errlen)
{
	struct json_object *props = conv_report_props(rep), *v;

	if (strcmp(type, "switch") == 0 || strcmp(type, "plug") == 0 ||
	    strcmp(type, "light") == 0) {
		if (json_object_object_get_ex(st, "output", &v)) {
			if (!json_object_is_type(v, json_type_boolean)) {
				snprintf(err, errlen, "output must be true or false");
				return -EINVAL;
			}
			conv_report_state(rep, json_object_get_boolean(v) ? "on" : "off");
		}
		if (strcmp(type, "light") == 0 && json_object_object_get_ex(st, "brightness", &v)) {
			double b;

			if (!json_object_is_type(v, json_type_int) &&
			    !json_object_is_type(v, json_type_double)) {
				snprintf(err, errlen, "brightness must be a number");
				return -EINVAL;
			}
			b = json_object_get_double(v);
			if (!(b >= 0 && b <= 100)) {
				snprintf(err, errlen, "brightness must be from 0 to 100");
				return -EINVAL;
			}
			json_object_object_add(props, "brightness", json_object_new_int64(lround(b)));
		}
		if (strcmp(type, "plug") == 0 && json_object_object_get_ex(st, "apower", &v) &&
		    (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double))) {
			double w = json_object_get_double(v);

			json_object_object_add(props, "power",
			    conv_number(w < 0 ? 0 : w > 4000 ? 4000 : w));
		}
		return 0;
	}
	if (strcmp(type, "blinds") == 0 || strcmp(type, "garage") == 0) {
		const char *s;

		if (json_object_object_get_ex(st, "current_pos", &v) && v != NULL) {
			int64_t p;

			if (!json_object_is_type(v, json_type_int) ||
			    (p = json_object_get_int64(v)) < 0 || p > 100) {
				snprintf(err, errlen, "current_pos must be an integer from 0 to 100");
				return -EINVAL;
			}
			json_object_object_add(props, "position", json_object_new_int64(p));
			conv_report_state(rep, p == 0 ? "closed" : p == 100 ? "open" : "partial");
		} else if ((s = str(st, "state")) != NULL) {
			/* Without position control only the end stops are known. */
			if (strcmp(s, "open") == 0)
				conv_report_state(rep, "open");
			else if (strcmp(s, "closed") == 0)
				conv_report_state(rep, "closed");
		}
		return 0;
	}
	snprintf(err, errlen, "no Shelly mapping for a %s", type);
	return -EINVAL;
}

int
shelly_report(const char *type, const char *comp, enum shelly_topic frame_kind,
    const char *payload, size_t len, struct json_object **out, char *err, size_t errlen)
{
	struct json_object *msg, *st = NULL, *params, *rep = NULL;
	int r = -EINVAL;

	*out = NULL;
	if ((msg = conv_parse_object(payload, len, err, errlen)) == NULL)
		return -EINVAL;
	if (frame_kind == SHELLY_T_EVENTS) {
		const char *m = str(msg, "method");

		if (m == NULL) {
			snprintf(err, errlen, "notification without a method");
			goto done;
		}
		if (strcmp(m, "NotifyStatus") != 0 && strcmp(m, "NotifyFullStatus") != 0) {
			r = 0;	/* NotifyEvent: button pushes etc., not a status */
			goto done;
		}
		if (!json_object_object_get_ex(msg, "params", &params) ||
		    !json_object_is_type(params, json_type_object)) {
			snprintf(err, errlen, "%s without params", m);
			goto done;
		}
		if (!json_object_object_get_ex(params, comp, &st)) {
			r = 0;
			goto done;
		}
		if (!json_object_is_type(st, json_type_object)) {
			snprintf(err, errlen, "%s of %s is not an object", m, comp);
			goto done;
		}
	} else {
		st = msg;
	}
	rep = conv_report_new();
	if ((r = status_report(type, st, rep, err, errlen)) < 0)
		goto done;
	*out = rep;
	rep = NULL;
	r = 0;
done:
	json_object_put(rep);
	json_object_put(msg);
	return r;
}

int
shelly_availability(const char *payload, size_t len, enum avail *out)
{
	*out = AVAIL_UNKNOWN;
	if (len == 0)
		return 0;
	if (len == 4 && memcmp(payload, "true", 4) == 0)
		*out = AVAIL_ONLINE;
	else if (len == 5 && memcmp(payload, "false", 5) == 0)
		*out = AVAIL_OFFLINE;
	else
		return -EINVAL;
	return 0;
}

int
shelly_request(int64_t id, const char *src, const char *method, struct json_object *params,
    char **frame)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_int64(id));
	json_object_object_add(o, "src", json_object_new_string(src));
	json_object_object_add(o, "method", json_object_new_string(method));
	if (params != NULL)
		json_object_object_add(o, "params", json_object_get(params));
	*frame = strdup(json_compact(o));
	json_object_put(o);
	return *frame ? 0 : -ENOMEM;
}

int
shelly_command(const char *type, const char *comp, const char *state, struct json_object *set,
    int64_t id, const char *src, char **frame, char *err, size_t errlen)
{
	struct json_object *params = json_object_new_object(), *v;
	const char *method;
	char kind[16];
	int64_t cid;
	int r;

	*frame = NULL;
	if (!component(comp, kind, sizeof(kind), &cid)) {
		snprintf(err, errlen, "'%s' is not a Shelly component", comp);
		json_object_put(params);
		return -EINVAL;
	}
	json_object_object_add(params, "id", json_object_new_int64(cid));
	if ((strcmp(type, "switch") == 0 || strcmp(type, "plug") == 0) && state != NULL) {
		method = "Switch.Set";
		json_object_object_add(params, "on", json_object_new_boolean(strcmp(state, "on") == 0));
	} else if (strcmp(type, "light") == 0 && state != NULL) {
		bool on = strcmp(state, "on") == 0;

		method = "Light.Set";
		json_object_object_add(params, "on", json_object_new_boolean(on));
		if (on && set != NULL && json_object_object_get_ex(set, "brightness", &v) &&
		    json_object_is_type(v, json_type_int))
			json_object_object_add(params, "brightness",
			    json_object_new_int64(json_object_get_int64(v)));
	} else if (strcmp(type, "blinds") == 0 || strcmp(type, "garage") == 0) {
		if (set != NULL && json_object_object_get_ex(set, "position", &v) &&
		    json_object_is_type(v, json_type_int)) {
			method = "Cover.GoToPosition";
			json_object_object_add(params, "pos",
			    json_object_new_int64(json_object_get_int64(v)));
		} else if (state != NULL && strcmp(state, "open") == 0) {
			method = "Cover.Open";
		} else if (state != NULL && strcmp(state, "closed") == 0) {
			method = "Cover.Close";
		} else {
			snprintf(err, errlen, "a cover needs a position");
			json_object_put(params);
			return -EINVAL;
		}
	} else {
		snprintf(err, errlen, "a %s cannot be controlled over Shelly RPC", type);
		json_object_put(params);
		return -EINVAL;
	}
	r = shelly_request(id, src, method, params, frame);
	json_object_put(params);
	return r;
}

int
shelly_response(const char *payload, size_t len, int64_t *id, struct json_object **frame_obj,
    struct json_object **result, char *err, size_t errlen)
{
	struct json_object *o, *v, *e;

	*frame_obj = NULL;
	*result = NULL;
	if ((o = conv_parse_object(payload, len, err, errlen)) == NULL)
		return -EINVAL;
	if (!json_object_object_get_ex(o, "id", &v) || !json_object_is_type(v, json_type_int)) {
		snprintf(err, errlen, "response without an integer id");
		json_object_put(o);
		return -EINVAL;
	}
	*id = json_object_get_int64(v);
	*frame_obj = o;
	if (json_object_object_get_ex(o, "error", &e)) {
		const char *m = str(e, "message");
		int64_t code = 0;

		if (json_object_object_get_ex(e, "code", &v))
			code = json_object_get_int64(v);
		snprintf(err, errlen, "the device refused: %.200s (%lld)", m ? m : "no message",
		    (long long)code);
		return -EREMOTEIO;
	}
	if (json_object_object_get_ex(o, "result", &v))
		*result = v;
	return 0;
}
