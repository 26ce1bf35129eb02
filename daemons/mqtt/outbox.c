/* SPDX-License-Identifier: MIT */
/* outbox.c -- what the home says to the broker.  Commands: every pending
 * command in the database (whoever wrote it: MCP, REST, the CLI, an
 * automation, the sqlite3 shell) is turned into its dialect's message and
 * published, never retained; after a reconnect the still-pending ones are
 * sent again (the messages set absolute states, so twice is harmless).
 * Home Assistant: a retained discovery config and state per device, and
 * the state again whenever the feed says the device changed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evfd.h"
#include "jsonutil.h"
#include "log.h"
#include "mqtt.h"
#include "util.h"

static const char *
jstr(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string) ?
	    json_object_get_string(v) : NULL;
}

static void
fail(struct mqttd *d, int64_t id, const char *why)
{
	char err[OPS_ERRLEN];

	log_warnx("command %lld: %s", (long long)id, why);
	if (ops_command_fail(&d->ops, id, why, err) < 0)
		log_warnx("command %lld: %s", (long long)id, err);
}

/* Publishes one command; 0, or -errno with the command failed. */
static int
send_command(struct mqttd *d, struct json_object *k)
{
	const char *driver = jstr(k, "driver"), *type = jstr(k, "type");
	const char *addr = jstr(k, "address"), *state = jstr(k, "state");
	struct json_object *caps = NULL, *props = NULL;
	int64_t id = json_object_get_int64(json_object_object_get(k, "id"));
	char topic[MQTT_TOPIC_MAX], err[256] = "", *payload = NULL, *cmnd = NULL;
	int r = -EINVAL;

	json_object_object_get_ex(k, "caps", &caps);
	json_object_object_get_ex(k, "properties", &props);
	if (driver == NULL || addr == NULL || type == NULL) {
		fail(d, id, "the device has no binding");
		return -EINVAL;
	}
	if (strcmp(driver, "z2m") == 0) {
		r = z2m_command(type, caps, state, props, &payload, err, sizeof(err));
		/* The friendly name, without the endpoint. */
		snprintf(topic, sizeof(topic), "%s/%.*s/set", d->cfg.mqtt.z2m_base,
		    (int)strcspn(addr, "#"), addr);
	} else if (strcmp(driver, "tasmota") == 0) {
		r = tasmota_command(type, caps, state, props, &cmnd, &payload, err, sizeof(err));
		if (r == 0)
			snprintf(topic, sizeof(topic), "cmnd/%s/%s", jstr(caps, "topic"), cmnd);
	} else if (strcmp(driver, "shelly") == 0) {
		int64_t rpc = d->rpc_next + 1;

		r = shelly_command(type, jstr(caps, "component"), state, props, rpc, d->client_id,
		    &payload, err, sizeof(err));
		if (r == 0) {
			/* Its response can refuse it: track it by id. */
			struct json_object *fr = json_tokener_parse(payload), *m = NULL, *p = NULL;

			json_object_object_get_ex(fr, "method", &m);
			json_object_object_get_ex(fr, "params", &p);
			r = route_shelly_rpc(d, jstr(caps, "prefix"), json_object_get_string(m), p,
			    RPC_COMMAND, id);
			json_object_put(fr);
			free(payload);
			if (r < 0)
				fail(d, id, "the MQTT broker is not reachable");
			return r;
		}
	} else {
		snprintf(err, sizeof(err), "unknown driver %s", driver);
	}
	if (r < 0) {
		fail(d, id, err);
		goto done;
	}
	log_debug("command %lld: %s %s", (long long)id, topic, payload);
	if ((r = broker_publish(d, topic, payload, strlen(payload), false)) < 0)
		fail(d, id, "the MQTT broker is not reachable");
done:
	free(payload);
	free(cmnd);
	return r;
}

/* The next deadline of a pending command: the daemon fails it then. */
static void
expire_arm(struct mqttd *d)
{
	char err[OPS_ERRLEN];
	int64_t next = -1;

	if (ops_commands_expire(&d->ops, &next, err) < 0) {
		log_warnx("commands: %s", err);
		next = 1000;
	}
	evfd_timer_set(d->expire_tfd, next < 0 ? 0 : (uint64_t)next * 1000 + 1000, 0);
}

/* ---- Home Assistant ---- */

static bool
hass_on(struct mqttd *d)
{
	return d->cfg.mqtt.hass_prefix[0] != '\0' && d->state == BROKER_UP;
}

static void
hass_device(struct mqttd *d, struct json_object *dev, bool config)
{
	struct hass_names n = { d->cfg.mqtt.hass_prefix, d->hass_base, d->hass_node,
		HOMECTL_VERSION };
	struct json_object *cfg = NULL, *st;
	const char *id = jstr(dev, "id"), *avail = jstr(dev, "available"), *s;
	char *topic = NULL, t[MQTT_TOPIC_MAX];

	if (id == NULL)
		return;
	if (config && hass_config(&n, dev, &topic, &cfg) == 0) {
		s = json_compact(cfg);
		broker_publish(d, topic, s, strlen(s), true);
		json_object_object_add(d->hass_topics, id, json_object_new_string(topic));
		free(topic);
		json_object_put(cfg);
	}
	st = hass_state(dev);
	s = json_compact(st);
	snprintf(t, sizeof(t), "%s/%s/state", d->hass_base, id);
	broker_publish(d, t, s, strlen(s), true);
	json_object_put(st);
	/* Unknown is not offline: Home Assistant may still command it. */
	s = avail != NULL && strcmp(avail, "offline") == 0 ? "offline" : "online";
	snprintf(t, sizeof(t), "%s/%s/availability", d->hass_base, id);
	broker_publish(d, t, s, strlen(s), true);
}

void
outbox_hass_all(struct mqttd *d)
{
	struct json_object *all = NULL;
	char t[MQTT_TOPIC_MAX];
	size_t i, n;

	if (!hass_on(d))
		return;
	snprintf(t, sizeof(t), "%s/status", d->hass_base);
	broker_publish(d, t, "online", 6, true);
	if (db_devices(d->db, NULL, NULL, &all) < 0)
		return;
	n = json_object_array_length(all);
	for (i = 0; i < n; i++)
		hass_device(d, json_object_array_get_idx(all, i), true);
	json_object_put(all);
}

static void
hass_changes(struct mqttd *d, struct json_object *changes)
{
	size_t i, n = json_object_array_length(changes);

	for (i = 0; i < n; i++) {
		struct json_object *c = json_object_array_get_idx(changes, i), *dev = NULL, *v;
		const char *kind = jstr(c, "kind"), *id;

		if (kind == NULL)
			continue;
		if (strcmp(kind, "device_removed") == 0 && (id = jstr(c, "device_id")) != NULL &&
		    json_object_object_get_ex(d->hass_topics, id, &v)) {
			/* An empty retained config removes it from Home Assistant. */
			broker_publish(d, json_object_get_string(v), "", 0, true);
			json_object_object_del(d->hass_topics, id);
			continue;
		}
		if (json_object_object_get_ex(c, "device", &dev) && dev != NULL)
			hass_device(d, dev, !json_object_object_get_ex(d->hass_topics,
			    jstr(dev, "id") ? jstr(dev, "id") : "", NULL));
	}
}

void
outbox_run(struct mqttd *d, struct json_object *changes, bool resend)
{
	struct json_object *list = NULL;
	size_t i, n;

	if (d->state != BROKER_UP)
		return;
	if (changes != NULL && hass_on(d))
		hass_changes(d, changes);
	if (db_commands_after(d->db, resend ? 0 : d->last_command, NULL, &list) < 0)
		return;
	n = json_object_array_length(list);
	for (i = 0; i < n; i++) {
		struct json_object *k = json_object_array_get_idx(list, i);
		int64_t id = json_object_get_int64(json_object_object_get(k, "id"));

		if (id > d->last_command)
			d->last_command = id;
		if (strcmp(jstr(k, "driver") ? jstr(k, "driver") : "sim", "sim") == 0)
			continue;
		send_command(d, k);
	}
	json_object_put(list);
	if (n > 0)
		expire_arm(d);
}

void
outbox_expire(struct mqttd *d)
{
	evfd_timer_drain(d->expire_tfd);
	expire_arm(d);
}

void
outbox_free(struct mqttd *d)
{
	json_object_put(d->hass_topics);
	d->hass_topics = NULL;
}
