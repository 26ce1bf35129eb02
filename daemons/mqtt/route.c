/* SPDX-License-Identifier: MIT */
/* route.c -- what a message from the broker means for the home.  Each
 * topic is given to the dialect it belongs to (Zigbee2MQTT under its base
 * topic, Tasmota under its prefixes, Shelly Gen2+ by its suffixes, Home
 * Assistant's commands under our own base); the dialect turns it into
 * devices, reports or availability, and those go through ops like every
 * other write, with source "device" (or "hass").  A malformed payload is
 * logged and dropped: nothing in the home changes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonutil.h"
#include "log.h"
#include "model.h"
#include "mqtt.h"
#include "util.h"

/* At most one "malformed" line per this many microseconds per dialect, so
 * that a flood of garbage does not flood the journal. */
#define BAD_LOG_USEC (10 * (uint64_t)1000000)

static void
bad(const char *dialect, const char *topic, const char *why)
{
	static uint64_t last;
	static unsigned quiet;
	uint64_t now = mono_usec();

	if (last != 0 && now - last < BAD_LOG_USEC) {
		quiet++;
		return;
	}
	log_warnx("%s: ignored a message on %.200s: %s%s", dialect, topic, why,
	    quiet ? " (and others not logged)" : "");
	last = now;
	quiet = 0;
}

static const char *
jstr(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string) ?
	    json_object_get_string(v) : NULL;
}

/* ---- subscriptions ---- */

static char topics[16][MQTT_TOPIC_MAX];
static char *topic_ptrs[17];

char **
route_subscriptions(struct mqttd *d, int *n)
{
	const struct config_mqtt *m = &d->cfg.mqtt;
	static const char *const hass_leaves[] = { "set", "set_position", "set_mode",
		"set_temperature", "set_speed" };
	int k = 0;

	if (m->z2m_base[0] != '\0')
		snprintf(topics[k++], MQTT_TOPIC_MAX, "%s/#", m->z2m_base);
	if (m->tasmota_prefix[0] != '\0') {
		snprintf(topics[k++], MQTT_TOPIC_MAX, "%s/+/config", m->tasmota_prefix);
		snprintf(topics[k++], MQTT_TOPIC_MAX, "stat/+/RESULT");
		snprintf(topics[k++], MQTT_TOPIC_MAX, "tele/+/STATE");
		snprintf(topics[k++], MQTT_TOPIC_MAX, "tele/+/LWT");
	}
	if (m->shelly) {
		snprintf(topics[k++], MQTT_TOPIC_MAX, "+/online");
		snprintf(topics[k++], MQTT_TOPIC_MAX, "+/events/rpc");
		snprintf(topics[k++], MQTT_TOPIC_MAX, "+/status/+");
		snprintf(topics[k++], MQTT_TOPIC_MAX, "%s/rpc", d->client_id);
	}
	if (m->hass_prefix[0] != '\0') {
		snprintf(topics[k++], MQTT_TOPIC_MAX, "%s/status", m->hass_prefix);
		for (size_t i = 0; i < NELEMS(hass_leaves); i++)
			snprintf(topics[k++], MQTT_TOPIC_MAX, "%s/+/%s", d->hass_base,
			    hass_leaves[i]);
	}
	for (int i = 0; i < k; i++)
		topic_ptrs[i] = topics[i];
	topic_ptrs[k] = NULL;
	*n = k;
	return topic_ptrs;
}

/* ---- bindings by address ---- */

/* Calls fn for every device of driver whose address is addr, or starts
 * with addr followed by '#' (the endpoints, relays and components of one
 * physical device).  Returns how many. */
static int
each_bound(struct mqttd *d, const char *driver, const char *addr, size_t alen,
    void (*fn)(struct mqttd *, struct json_object *, void *), void *arg)
{
	struct json_object *all = NULL;
	size_t i, n;
	int hits = 0;

	if (db_bindings(d->db, driver, &all) < 0)
		return 0;
	n = json_object_array_length(all);
	for (i = 0; i < n; i++) {
		struct json_object *b = json_object_array_get_idx(all, i);
		const char *a = jstr(b, "address");

		if (a == NULL || strncmp(a, addr, alen) != 0 || (a[alen] != '\0' && a[alen] != '#'))
			continue;
		fn(d, b, arg);
		hits++;
	}
	json_object_put(all);
	return hits;
}

static void
set_available(struct mqttd *d, const char *device_id, const char *avail)
{
	char err[OPS_ERRLEN];

	if (ops_available(&d->ops, device_id, NULL, avail, err) < 0)
		log_warnx("%s: %s", device_id, err);
}

/* A report for binding b: merged into the device; a device that reports is
 * reachable. */
static void
report(struct mqttd *d, struct json_object *b, struct json_object *rep, const char *topic)
{
	const char *id = jstr(b, "device_id");
	struct json_object *out = NULL;
	char err[OPS_ERRLEN];

	if (rep == NULL)
		return;
	if (json_object_object_length(json_object_object_get(rep, "properties")) == 0 &&
	    !json_object_object_get_ex(rep, "state", NULL))
		return;		/* nothing homectl keeps (linkquality, Wi-Fi...) */
	if (ops_report(&d->ops, id, rep, &out, err) < 0) {
		bad("report", topic, err);
		return;
	}
	json_object_put(out);
	if (strcmp(jstr(b, "available") ? jstr(b, "available") : "", "unknown") == 0)
		set_available(d, id, "online");
}

static void
bind_all(struct mqttd *d, struct json_object *catalog, const char *what)
{
	size_t i, n = json_object_array_length(catalog);
	char err[OPS_ERRLEN];

	for (i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(catalog, i);
		char *id = NULL;

		if (ops_bind(&d->ops, e, &id, err) < 0) {
			log_warnx("%s: %s: %s", what, jstr(e, "address"), err);
			continue;
		}
		log_debug("%s: %s is %s", what, jstr(e, "address"), id);
		free(id);
	}
}

/* ---- Zigbee2MQTT ---- */

struct z2m_msg {
	const char *topic, *payload;
	size_t len;
	enum avail avail;
};

static void
z2m_state_one(struct mqttd *d, struct json_object *b, void *arg)
{
	struct z2m_msg *m = arg;
	struct json_object *rep = NULL, *caps = NULL;
	struct json_object *dev = NULL;
	char err[256];

	json_object_object_get_ex(b, "caps", &caps);
	if (db_device_get(d->db, jstr(b, "device_id"), &dev) < 0)
		return;
	if (z2m_report(jstr(dev, "type"), caps, m->payload, m->len, &rep, err, sizeof(err)) < 0)
		bad("zigbee2mqtt", m->topic, err);
	else
		report(d, b, rep, m->topic);
	json_object_put(rep);
	json_object_put(dev);
}

static void
z2m_avail_one(struct mqttd *d, struct json_object *b, void *arg)
{
	struct z2m_msg *m = arg;

	set_available(d, jstr(b, "device_id"), conv_avail_name(m->avail));
}

/* Asks every device of a fresh bridge/devices for its state: Zigbee2MQTT
 * does not retain states, and homectl shows what devices report. */
static void
z2m_ask_states(struct mqttd *d, struct json_object *catalog)
{
	static const char *const roles[] = { "state", "brightness", "color_temp", "position",
		"setpoint", "local", "mode", NULL };
	size_t i, n = json_object_array_length(catalog);

	for (i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(catalog, i), *caps = NULL;
		struct json_object *get = json_object_new_object();
		const char *addr = jstr(e, "address"), *s;
		char topic[MQTT_TOPIC_MAX];

		json_object_object_get_ex(e, "caps", &caps);
		for (const char *const *r = roles; *r != NULL; r++)
			if ((s = jstr(caps, *r)) != NULL)
				json_object_object_add(get, s, json_object_new_string(""));
		if (json_object_object_length(get) > 0 && addr != NULL) {
			s = json_compact(get);
			snprintf(topic, sizeof(topic), "%s/%.*s/get", d->cfg.mqtt.z2m_base,
			    (int)strcspn(addr, "#"), addr);
			broker_publish(d, topic, s, strlen(s), false);
		}
		json_object_put(get);
	}
}

/* Devices that left bridge/devices: offline (their history stays). */
static void
z2m_gone(struct mqttd *d, struct json_object *catalog)
{
	struct json_object *all = NULL;
	size_t i, j, n, m = json_object_array_length(catalog);

	if (db_bindings(d->db, "z2m", &all) < 0)
		return;
	n = json_object_array_length(all);
	for (i = 0; i < n; i++) {
		struct json_object *b = json_object_array_get_idx(all, i);
		bool found = false;

		for (j = 0; j < m && !found; j++)
			found = strcmp(jstr(json_object_array_get_idx(catalog, j), "address"),
			    jstr(b, "address")) == 0;
		if (!found && strcmp(jstr(b, "available"), "offline") != 0) {
			log_info("zigbee2mqtt: %s left the network; %s is offline",
			    jstr(b, "address"), jstr(b, "device_id"));
			set_available(d, jstr(b, "device_id"), "offline");
		}
	}
	json_object_put(all);
}

static void
z2m_bridge_state(struct mqttd *d, enum avail a)
{
	struct json_object *all = NULL;
	size_t i, n;

	d->z2m_bridge_up = a == AVAIL_ONLINE;
	if (db_bindings(d->db, "z2m", &all) < 0)
		return;
	n = json_object_array_length(all);
	for (i = 0; i < n; i++) {
		struct json_object *b = json_object_array_get_idx(all, i), *v;
		const char *addr = jstr(b, "address"), *want = "offline";
		char name[MQTT_TOPIC_MAX];

		if (a == AVAIL_ONLINE) {
			/* Each device's own availability, as last said. */
			snprintf(name, sizeof(name), "%.*s", (int)strcspn(addr, "#"), addr);
			want = json_object_object_get_ex(d->z2m_avail, name, &v) ?
			    json_object_get_string(v) : "unknown";
		}
		set_available(d, jstr(b, "device_id"), want);
	}
	json_object_put(all);
}

static bool
route_z2m(struct mqttd *d, const char *topic, const char *payload, size_t len)
{
	enum z2m_topic kind;
	const char *name;
	size_t nlen;
	struct json_object *catalog = NULL;
	struct z2m_msg m = { topic, payload, len, AVAIL_UNKNOWN };
	char err[256], nbuf[MQTT_TOPIC_MAX];
	int r;

	if (d->cfg.mqtt.z2m_base[0] == '\0')
		return false;
	r = z2m_topic(d->cfg.mqtt.z2m_base, topic, &kind, &name, &nlen);
	if (r == -ENOENT)
		return false;
	if (r < 0)
		return true;
	switch (kind) {
	case Z2M_T_BRIDGE_DEVICES:
		if (len == 0)
			break;
		if (z2m_catalog(payload, len, &catalog, err, sizeof(err)) < 0) {
			bad("zigbee2mqtt", topic, err);
			break;
		}
		bind_all(d, catalog, "zigbee2mqtt");
		z2m_gone(d, catalog);
		z2m_ask_states(d, catalog);
		json_object_put(catalog);
		break;
	case Z2M_T_BRIDGE_STATE:
		if (z2m_availability(payload, len, &m.avail) < 0)
			bad("zigbee2mqtt", topic, "bridge state is neither online nor offline");
		else if (m.avail != AVAIL_UNKNOWN)
			z2m_bridge_state(d, m.avail);
		break;
	case Z2M_T_STATE:
		each_bound(d, "z2m", name, nlen, z2m_state_one, &m);
		break;
	case Z2M_T_AVAILABILITY:
		if (z2m_availability(payload, len, &m.avail) < 0) {
			bad("zigbee2mqtt", topic, "availability is neither online nor offline");
			break;
		}
		snprintf(nbuf, sizeof(nbuf), "%.*s", (int)nlen, name);
		json_object_object_add(d->z2m_avail, nbuf,
		    json_object_new_string(conv_avail_name(m.avail)));
		each_bound(d, "z2m", name, nlen, z2m_avail_one, &m);
		break;
	case Z2M_T_BRIDGE_OTHER:
	case Z2M_T_COMMAND:
		break;
	}
	return true;
}

/* ---- Tasmota ---- */

static void
tasmota_state_one(struct mqttd *d, struct json_object *b, void *arg)
{
	struct z2m_msg *m = arg;
	struct json_object *rep = NULL, *caps = NULL, *dev = NULL;
	char err[256];

	json_object_object_get_ex(b, "caps", &caps);
	if (db_device_get(d->db, jstr(b, "device_id"), &dev) < 0)
		return;
	if (tasmota_report(jstr(dev, "type"), caps, m->payload, m->len, &rep, err,
	    sizeof(err)) < 0)
		bad("tasmota", m->topic, err);
	else
		report(d, b, rep, m->topic);
	json_object_put(rep);
	json_object_put(dev);
}

/* Its power and dimmer now (tele/STATE comes only every TelePeriod), and
 * its shutters' positions. */
static void
tasmota_ask_states(struct mqttd *d, struct json_object *catalog)
{
	size_t i, n = json_object_array_length(catalog);
	char t[MQTT_TOPIC_MAX];

	for (i = 0; i < n; i++) {
		struct json_object *caps = NULL, *sh;
		const char *tp;

		json_object_object_get_ex(json_object_array_get_idx(catalog, i), "caps", &caps);
		if ((tp = jstr(caps, "topic")) == NULL)
			continue;
		if (i == 0) {
			snprintf(t, sizeof(t), "cmnd/%s/STATE", tp);
			broker_publish(d, t, "", 0, false);
		}
		if (json_object_object_get_ex(caps, "shutter", &sh)) {
			snprintf(t, sizeof(t), "cmnd/%s/ShutterPosition%d", tp, json_object_get_int(sh));
			broker_publish(d, t, "", 0, false);
		}
	}
}

static bool
route_tasmota(struct mqttd *d, const char *topic, const char *payload, size_t len)
{
	enum tasmota_topic kind;
	const char *t;
	size_t tlen;
	struct json_object *catalog = NULL;
	struct z2m_msg m = { topic, payload, len, AVAIL_UNKNOWN };
	char err[256];

	if (d->cfg.mqtt.tasmota_prefix[0] == '\0' ||
	    tasmota_topic(d->cfg.mqtt.tasmota_prefix, topic, &kind, &t, &tlen) < 0)
		return false;
	switch (kind) {
	case TASMOTA_T_DISCOVERY:
		if (len == 0)
			break;	/* a retained config cleared */
		if (tasmota_catalog(payload, len, &catalog, err, sizeof(err)) < 0) {
			bad("tasmota", topic, err);
			break;
		}
		bind_all(d, catalog, "tasmota");
		tasmota_ask_states(d, catalog);
		json_object_put(catalog);
		break;
	case TASMOTA_T_RESULT:
	case TASMOTA_T_STATE:
		each_bound(d, "tasmota", t, tlen, tasmota_state_one, &m);
		break;
	case TASMOTA_T_LWT:
		if (tasmota_availability(payload, len, &m.avail) < 0)
			bad("tasmota", topic, "LWT is neither Online nor Offline");
		else
			each_bound(d, "tasmota", t, tlen, z2m_avail_one, &m);
		break;
	case TASMOTA_T_OTHER:
		break;
	}
	return true;
}

/* ---- Shelly Gen2+ ---- */

struct shelly_msg {
	const char *topic, *payload, *comp;
	size_t len;
	enum shelly_topic kind;
	enum avail avail;
};

static void
shelly_state_one(struct mqttd *d, struct json_object *b, void *arg)
{
	struct shelly_msg *m = arg;
	struct json_object *rep = NULL, *caps = NULL, *dev = NULL;
	const char *comp;
	char err[256];

	json_object_object_get_ex(b, "caps", &caps);
	comp = jstr(caps, "component");
	if (comp == NULL || (m->comp != NULL && strcmp(comp, m->comp) != 0))
		return;
	if (db_device_get(d->db, jstr(b, "device_id"), &dev) < 0)
		return;
	if (shelly_report(jstr(dev, "type"), comp, m->kind, m->payload, m->len, &rep, err,
	    sizeof(err)) < 0)
		bad("shelly", m->topic, err);
	else
		report(d, b, rep, m->topic);
	json_object_put(rep);
	json_object_put(dev);
}

static void
shelly_avail_one(struct mqttd *d, struct json_object *b, void *arg)
{
	struct shelly_msg *m = arg;

	set_available(d, jstr(b, "device_id"), conv_avail_name(m->avail));
}

int
route_shelly_rpc(struct mqttd *d, const char *prefix, const char *method,
    struct json_object *params, int kind, int64_t command)
{
	struct rpc_wait *w;
	char topic[MQTT_TOPIC_MAX], *frame = NULL;
	int r;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return -ENOMEM;
	w->id = ++d->rpc_next;
	w->kind = kind;
	w->command = command;
	w->sent = mono_usec();
	snprintf(w->prefix, sizeof(w->prefix), "%s", prefix);
	if ((r = shelly_request(w->id, d->client_id, method, params, &frame)) < 0) {
		free(w);
		return r;
	}
	snprintf(topic, sizeof(topic), "%s/rpc", prefix);
	r = broker_publish(d, topic, frame, strlen(frame), false);
	free(frame);
	if (r < 0) {
		free(w);
		return r;
	}
	w->next = d->rpcs;
	d->rpcs = w;
	return 0;
}

/* A response to one of our requests. */
static void
shelly_response_in(struct mqttd *d, const char *topic, const char *payload, size_t len)
{
	struct json_object *frame = NULL, *result = NULL, *catalog = NULL;
	struct rpc_wait **pp, *w = NULL;
	char err[OPS_ERRLEN];
	int64_t id = -1;
	int r;

	r = shelly_response(payload, len, &id, &frame, &result, err, sizeof(err));
	if (r == -EINVAL) {
		bad("shelly", topic, err);
		goto done;
	}
	for (pp = &d->rpcs; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->id == id) {
			w = *pp;
			*pp = w->next;
			break;
		}
	if (w == NULL)
		goto done;	/* not ours, or too late */
	if (r < 0) {
		if (w->kind == RPC_COMMAND) {
			char e2[OPS_ERRLEN];

			if (ops_command_fail(&d->ops, w->command, err, e2) < 0)
				log_warnx("shelly: %s", e2);
		} else {
			log_warnx("shelly: %s: %s", w->prefix, err);
		}
		goto done;
	}
	if (w->kind == RPC_INFO) {
		/* Then its components. */
		route_shelly_rpc(d, w->prefix, "Shelly.GetStatus", NULL, RPC_STATUS, 0);
		if (d->rpcs != NULL && result != NULL)
			d->rpcs->info = json_object_get(result);
	} else if (w->kind == RPC_STATUS) {
		struct shelly_msg m = { topic, NULL, NULL, 0, SHELLY_T_STATUS, AVAIL_ONLINE };

		if (shelly_catalog(w->prefix, w->info, result, &catalog, err, sizeof(err)) < 0) {
			bad("shelly", topic, err);
			goto done;
		}
		bind_all(d, catalog, "shelly");
		json_object_put(catalog);
		each_bound(d, "shelly", w->prefix, strlen(w->prefix), shelly_avail_one, &m);
		/* The status it just gave is the devices' first report. */
		json_object_object_foreach(result, comp, st) {
			const char *text = json_compact(st);

			m.comp = comp;
			m.payload = text;
			m.len = strlen(text);
			each_bound(d, "shelly", w->prefix, strlen(w->prefix), shelly_state_one, &m);
		}
	}
done:
	if (w != NULL) {
		json_object_put(w->info);
		free(w);
	}
	json_object_put(frame);
}

static bool
route_shelly(struct mqttd *d, const char *topic, const char *payload, size_t len)
{
	struct shelly_msg m = { topic, payload, NULL, len, SHELLY_T_ONLINE, AVAIL_UNKNOWN };
	const char *prefix;
	size_t plen;
	char pbuf[128];

	if (!d->cfg.mqtt.shelly ||
	    shelly_topic(d->client_id, topic, &m.kind, &prefix, &plen, &m.comp) < 0)
		return false;
	if (m.kind == SHELLY_T_RESPONSE) {
		shelly_response_in(d, topic, payload, len);
		return true;
	}
	if (plen >= sizeof(pbuf))
		return true;
	snprintf(pbuf, sizeof(pbuf), "%.*s", (int)plen, prefix);
	switch (m.kind) {
	case SHELLY_T_ONLINE:
		if (shelly_availability(payload, len, &m.avail) < 0) {
			bad("shelly", topic, "online is neither true nor false");
			break;
		}
		/* A device we do not know yet: ask what it is. */
		if (each_bound(d, "shelly", pbuf, plen, shelly_avail_one, &m) == 0 &&
		    m.avail == AVAIL_ONLINE)
			route_shelly_rpc(d, pbuf, "Shelly.GetDeviceInfo", NULL, RPC_INFO, 0);
		break;
	case SHELLY_T_EVENTS:
	case SHELLY_T_STATUS:
		each_bound(d, "shelly", pbuf, plen, shelly_state_one, &m);
		break;
	case SHELLY_T_RESPONSE:
		break;
	}
	return true;
}

/* ---- Home Assistant ---- */

static bool
route_hass(struct mqttd *d, const char *topic, const char *payload, size_t len)
{
	struct hass_names n = { d->cfg.mqtt.hass_prefix, d->hass_base, d->hass_node,
		HOMECTL_VERSION };
	struct json_object *dev = NULL, *props = NULL, *out = NULL;
	struct ops_control req = { 0 };
	char status[MQTT_TOPIC_MAX], id[80], err[OPS_ERRLEN];
	const char *what, *action;

	if (d->cfg.mqtt.hass_prefix[0] == '\0')
		return false;
	snprintf(status, sizeof(status), "%s/status", d->cfg.mqtt.hass_prefix);
	if (strcmp(topic, status) == 0) {
		/* Home Assistant (re)started: it needs everything again. */
		if (len == 6 && memcmp(payload, "online", 6) == 0)
			outbox_hass_all(d);
		return true;
	}
	if (hass_topic(&n, topic, id, sizeof(id), &what) < 0)
		return false;
	if (db_device_get(d->db, id, &dev) < 0) {
		bad("homeassistant", topic, "no such device");
		return true;
	}
	if (hass_command(jstr(dev, "type"), what, payload, len, &action, &props, err,
	    sizeof(err)) < 0) {
		bad("homeassistant", topic, err);
		goto done;
	}
	req.device_id = id;
	req.action = action;
	req.props = props;
	req.confirm = true;	/* the person pressed it in Home Assistant */
	if (ops_control(&d->hass_ops, &req, &out, err) < 0)
		log_warnx("homeassistant: %s %s: %s", action, id, err);
done:
	json_object_put(out);
	json_object_put(props);
	json_object_put(dev);
	return true;
}

void
route_message(struct mqttd *d, const char *topic, const char *payload, size_t len,
    bool retained)
{
	if (len > MQTT_PAYLOAD_MAX) {
		bad("mqtt", topic, "payload too large");
		return;
	}
	/* Ours (homectl's Home Assistant topics) first: they share no
	 * prefix with the devices'. */
	if (route_hass(d, topic, payload, len) || route_z2m(d, topic, payload, len) ||
	    route_tasmota(d, topic, payload, len) || route_shelly(d, topic, payload, len))
		return;
	log_debug("mqtt: no dialect for %s", topic);
}

void
route_connected(struct mqttd *d)
{
	char err[OPS_ERRLEN];

	/* Until each device's (retained) availability arrives again, its
	 * state is unverified but it may be commanded. */
	for (const char *const *drv = (const char *const[]){ "z2m", "tasmota", "shelly", NULL };
	    *drv != NULL; drv++)
		if (ops_available(&d->ops, NULL, *drv, "unknown", err) < 0)
			log_warnx("%s", err);
	outbox_hass_all(d);
	outbox_run(d, NULL, true);
}

void
route_disconnected(struct mqttd *d)
{
	char err[OPS_ERRLEN];
	struct rpc_wait *w;

	for (const char *const *drv = (const char *const[]){ "z2m", "tasmota", "shelly", NULL };
	    *drv != NULL; drv++)
		if (ops_available(&d->ops, NULL, *drv, "offline", err) < 0)
			log_warnx("%s", err);
	while ((w = d->rpcs) != NULL) {
		d->rpcs = w->next;
		json_object_put(w->info);
		free(w);
	}
}

void
route_free(struct mqttd *d)
{
	struct rpc_wait *w;

	while ((w = d->rpcs) != NULL) {
		d->rpcs = w->next;
		json_object_put(w->info);
		free(w);
	}
	json_object_put(d->z2m_avail);
	d->z2m_avail = NULL;
}
