/* SPDX-License-Identifier: MIT */
/* mqtt.h -- homectl-mqtt: real devices over MQTT.  The dialect modules
 * (z2m.c, tasmota.c, shelly.c, hass.c) and conv.c are pure: bytes and JSON
 * in, JSON and bytes out, no sockets, no database, so that every payload
 * rule is unit-tested with golden payloads.  The daemon's other files move
 * the bytes.
 *
 * Shapes shared by the dialects (all JSON, new objects the caller puts):
 *   a catalog entry, one per homectl device a bridge or device offers:
 *     {"driver","address","id","name","type","model","vendor","caps":{...}}
 *     (caps: what the dialect needs later to talk to it, stored with the
 *     binding);
 *   a report, what a device said about itself in homectl's terms:
 *     {"state": "on" (absent when the message did not say),
 *      "properties": {...only what the message said}}.
 * Errors: -EINVAL with one sentence in err (the daemon logs it and drops
 * the message; nothing in the home changes). */
#ifndef HOMECTL_MQTT_H
#define HOMECTL_MQTT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

/* Payloads larger than this are refused before parsing: a Zigbee2MQTT
 * bridge/devices of a few hundred devices is well under 4 MiB. */
#define MQTT_PAYLOAD_MAX (4u << 20)
#define MQTT_TOPIC_MAX 512

enum avail { AVAIL_UNKNOWN, AVAIL_ONLINE, AVAIL_OFFLINE };

/* ---- conv.c: units and names ---- */
/* "online", "offline", "unknown". */
const char *conv_avail_name(enum avail a);
/* Z2M brightness 0-254 <-> homectl 0-100 (exact both ways for 0-100). */
int conv_bri_to_254(int64_t pct);
int conv_bri_from_254(double v);
/* Colour temperature: kelvin <-> mired, clamped to homectl's 2000-6500 K. */
int conv_kelvin_to_mired(int64_t k);
int conv_mired_to_kelvin(double mired);
/* Celsius <-> homectl's Fahrenheit: to 0.1 °F; to step °C (0: 0.1). */
double conv_c_to_f(double c);
double conv_f_to_c(double f, double step);
/* A homectl id from a name: "Hall Lamp" -> "hall_lamp", "kitchen/floor_light"
 * -> "kitchen_floor_light"; [a-z0-9_], at most 64.  -EINVAL when nothing is
 * left. */
int conv_slug(const char *name, char *out, size_t len);
/* Parses a payload that must be a JSON object; NULL with err otherwise.
 * Caller puts. */
struct json_object *conv_parse_object(const char *payload, size_t len, char *err,
    size_t errlen);
/* A JSON number that prints as people write it: an integer when v is
 * whole, else the shortest of %.10g. */
struct json_object *conv_number(double v);
/* A new report {"properties":{}} (state added by the caller). */
struct json_object *conv_report_new(void);
void conv_report_state(struct json_object *report, const char *state);
/* Borrowed: the report's properties. */
struct json_object *conv_report_props(struct json_object *report);

/* ---- z2m.c: Zigbee2MQTT ---- */
enum z2m_topic {
	Z2M_T_BRIDGE_DEVICES,	/* <base>/bridge/devices */
	Z2M_T_BRIDGE_STATE,	/* <base>/bridge/state */
	Z2M_T_BRIDGE_OTHER,	/* <base>/bridge/... (info, event, logging) */
	Z2M_T_STATE,		/* <base>/<name> */
	Z2M_T_AVAILABILITY,	/* <base>/<name>/availability */
	Z2M_T_COMMAND,		/* <base>/<name>/set|get[/attr]: a command, ours or not */
};
/* Classifies topic under base.  For device topics *name and *namelen give the
 * friendly name (borrowed from topic; it may hold '/').  -ENOENT when the
 * topic is not under base, -EINVAL when it has no device name. */
int z2m_topic(const char *base, const char *topic, enum z2m_topic *kind, const char **name,
    size_t *namelen);
/* The devices of a bridge/devices payload that homectl can represent:
 * a JSON array of catalog entries (address = friendly name, or
 * "name#endpoint" for a device with several endpoints).  The coordinator,
 * disabled devices, devices still being interviewed and devices with no
 * exposes homectl maps are left out. */
int z2m_catalog(const char *payload, size_t len, struct json_object **out, char *err,
    size_t errlen);
/* A device's state message as a report, for a device of homectl type `type`
 * with the caps from its catalog entry. */
int z2m_report(const char *type, struct json_object *caps, const char *payload, size_t len,
    struct json_object **out, char *err, size_t errlen);
/* <name>/availability or bridge/state: "online"/"offline" or
 * {"state":"online"}; an empty (retained-cleared) payload is unknown. */
int z2m_availability(const char *payload, size_t len, enum avail *out);
/* The /set payload that moves the device to state with the properties in
 * set (homectl's names and units; may be NULL).  *payload: caller frees. */
int z2m_command(const char *type, struct json_object *caps, const char *state,
    struct json_object *set, char **payload, char *err, size_t errlen);

/* ---- tasmota.c: Tasmota ---- */
enum tasmota_topic {
	TASMOTA_T_DISCOVERY,	/* tasmota/discovery/<MAC>/config */
	TASMOTA_T_RESULT,	/* stat/<topic>/RESULT */
	TASMOTA_T_STATE,	/* tele/<topic>/STATE */
	TASMOTA_T_LWT,		/* tele/<topic>/LWT */
	TASMOTA_T_OTHER,	/* anything else under a prefix (POWER, SENSOR, ...) */
};
/* Classifies a topic in the default FullTopic layout %prefix%/%topic%/;
 * *t and *tlen: the device topic (or the MAC of a discovery topic). */
int tasmota_topic(const char *discovery_prefix, const char *topic, enum tasmota_topic *kind,
    const char **t, size_t *tlen);
/* The homectl devices of one discovery config: one per relay (switch, or
 * light when a light controller drives it: dimmable when lt_st >= 1), one
 * per shutter.  Address "<topic>#<n>" (relay n, 1-based) or
 * "<topic>#shutter<n>"; caps carry the relay or shutter number and the
 * number of relays (Tasmota says POWER, not POWER1, with one relay). */
int tasmota_catalog(const char *payload, size_t len, struct json_object **out, char *err,
    size_t errlen);
/* A RESULT or STATE payload as a report for one device. */
int tasmota_report(const char *type, struct json_object *caps, const char *payload, size_t len,
    struct json_object **out, char *err, size_t errlen);
/* The LWT: Online / Offline (the discovery's onln/ofln words). */
int tasmota_availability(const char *payload, size_t len, enum avail *out);
/* The command: *cmnd is "POWER2", "Dimmer" or "ShutterPosition1" (the
 * topic is cmnd/<topic>/<cmnd>), *payload its argument; caller frees both. */
int tasmota_command(const char *type, struct json_object *caps, const char *state,
    struct json_object *set, char **cmnd, char **payload, char *err, size_t errlen);

/* ---- shelly.c: Shelly Gen2+ (JSON-RPC over MQTT) ---- */
enum shelly_topic {
	SHELLY_T_ONLINE,	/* <prefix>/online */
	SHELLY_T_EVENTS,	/* <prefix>/events/rpc */
	SHELLY_T_STATUS,	/* <prefix>/status/<component:id> */
	SHELLY_T_RESPONSE,	/* <our src>/rpc */
};
/* Classifies topic; *prefix and *plen: the device's topic prefix (borrowed),
 * *comp the component ("switch:0") of a status topic. */
int shelly_topic(const char *src, const char *topic, enum shelly_topic *kind,
    const char **prefix, size_t *plen, const char **comp);
/* The homectl devices in a Shelly.GetStatus result of device `prefix`
 * (switch:N -> switch, or plug when it measures power; light:N -> light;
 * cover:N -> blinds).  Address "<prefix>#<component:id>". */
int shelly_catalog(const char *prefix, struct json_object *info, struct json_object *status,
    struct json_object **out, char *err, size_t errlen);
/* The part of a NotifyStatus / NotifyFullStatus frame, a GetStatus result
 * or a status/<comp> payload that concerns component comp, as a report.
 * frame_kind: SHELLY_T_EVENTS (a JSON-RPC notification), SHELLY_T_STATUS
 * (the component status itself).  *out is NULL when the frame does not
 * mention comp. */
int shelly_report(const char *type, const char *comp, enum shelly_topic frame_kind,
    const char *payload, size_t len, struct json_object **out, char *err, size_t errlen);
/* <prefix>/online: true / false. */
int shelly_availability(const char *payload, size_t len, enum avail *out);
/* A JSON-RPC request frame {"id","src","method","params"}: caller frees. */
int shelly_request(int64_t id, const char *src, const char *method, struct json_object *params,
    char **frame);
/* The request that moves component comp to state/set. */
int shelly_command(const char *type, const char *comp, const char *state,
    struct json_object *set, int64_t id, const char *src, char **frame, char *err,
    size_t errlen);
/* A response frame: its id and either its result (borrowed from *frame_obj)
 * or an error sentence in err (returns -EREMOTEIO).  *frame_obj: caller puts. */
int shelly_response(const char *payload, size_t len, int64_t *id, struct json_object **frame_obj,
    struct json_object **result, char *err, size_t errlen);

/* ---- hass.c: Home Assistant MQTT discovery (homectl as publisher) ---- */
struct hass_names {
	const char *prefix;	/* discovery prefix, "homeassistant" */
	const char *base;	/* homectl's own topics, "homectl/<home>" */
	const char *node;	/* node id and device-id stem, "homectl_<home>" */
	const char *version;	/* origin sw_version */
};
/* The retained discovery config for one homectl device (as ops returns it):
 * *topic (caller frees) and *config (caller puts).  -ENOENT for a type
 * Home Assistant has no component for. */
int hass_config(const struct hass_names *n, struct json_object *device, char **topic,
    struct json_object **config);
/* The state payload published (retained) on <base>/<id>/state. */
struct json_object *hass_state(struct json_object *device);
/* A command Home Assistant sent on <base>/<id>/<what>: the homectl action
 * and properties (*props may stay NULL; caller puts).  *id gets the device
 * id (len bytes).  -ENOENT for a topic that is not a command of ours. */
int hass_topic(const struct hass_names *n, const char *topic, char *id, size_t len,
    const char **what);
int hass_command(const char *type, const char *what, const char *payload, size_t len,
    const char **action, struct json_object **props, char *err, size_t errlen);

/* ==== the daemon: main.c, broker.c, route.c, outbox.c ====
 * One thread, one epoll set: signals, the change watcher, the broker's
 * socket (its fd changes at every reconnect), and timerfds. */
struct mosquitto;
struct config;
struct watch;
struct db;

#include "config.h"
#include "ops.h"

enum broker_state { BROKER_DOWN, BROKER_CONNECTING, BROKER_UP };
/* What an epoll event is for (epoll_event.data.u32). */
enum { EV_SIG = 1, EV_WATCH, EV_BROKER, EV_MISC, EV_RETRY, EV_EXPIRE, EV_WDOG };

/* A JSON-RPC request to a Shelly device, waiting for its response. */
struct rpc_wait {
	struct rpc_wait *next;
	int64_t id;
	int kind;			/* RPC_INFO, RPC_STATUS, RPC_COMMAND */
	char prefix[128];
	int64_t command;		/* RPC_COMMAND: the homectl command id */
	struct json_object *info;	/* RPC_STATUS: the GetDeviceInfo result */
	uint64_t sent;			/* mono_usec */
};
enum { RPC_INFO, RPC_STATUS, RPC_COMMAND };

struct mqttd {
	struct config cfg;
	const char *db_path;
	struct db *db;
	struct ops_ctx ops;		/* source "device" */
	struct ops_ctx hass_ops;	/* source "hass": Home Assistant's commands */
	struct watch *watch;
	int epfd, sigfd, misc_tfd, retry_tfd, expire_tfd, wdog_tfd;
	bool quit;

	/* broker.c */
	struct mosquitto *mosq;
	char host[256];
	int port;
	char client_id[128];		/* also our Shelly RPC src */
	int sock;			/* registered in epfd, or -1 */
	bool sock_out;			/* registered for EPOLLOUT too */
	enum broker_state state;
	unsigned backoff_ms;
	char last_problem[256];		/* logged once per change */

	/* route.c */
	struct json_object *z2m_avail;	/* friendly name -> last availability */
	bool z2m_bridge_up;
	struct rpc_wait *rpcs;
	int64_t rpc_next;

	/* outbox.c */
	int64_t last_command;		/* the newest command id sent */
	char hass_base[256];		/* <base_topic>/<home_id> */
	char hass_node[128];		/* homectl_<home_id> */
	struct json_object *hass_topics;	/* device id -> its discovery topic */
};

/* broker.c */
int broker_start(struct mqttd *d);
void broker_stop(struct mqttd *d);
/* After any event: re-registers the socket (it changes on reconnect) and
 * arms EPOLLOUT while libmosquitto has something to write. */
void broker_sync(struct mqttd *d);
void broker_io(struct mqttd *d, uint32_t events);
/* Every second: keepalive and retries (mosquitto_loop_misc). */
void broker_misc(struct mqttd *d);
/* The reconnect timer fired. */
void broker_retry(struct mqttd *d);
/* Publishes at QoS 1; commands never retained.  0 or -EIO. */
int broker_publish(struct mqttd *d, const char *topic, const char *payload, size_t len,
    bool retain);

/* route.c */
/* Subscriptions for the configured dialects (NULL-ended, static strings in
 * d).  *n gets their number. */
char **route_subscriptions(struct mqttd *d, int *n);
/* One message from the broker. */
void route_message(struct mqttd *d, const char *topic, const char *payload, size_t len,
    bool retained);
/* The broker is up again / went away. */
void route_connected(struct mqttd *d);
void route_disconnected(struct mqttd *d);
/* Sends a Shelly request; kind RPC_*. */
int route_shelly_rpc(struct mqttd *d, const char *prefix, const char *method,
    struct json_object *params, int kind, int64_t command);
void route_free(struct mqttd *d);

/* outbox.c */
/* Sends every pending command after the last one sent (all of them with
 * resend, after a reconnect), and Home Assistant's view of changed devices
 * (changes: a watcher batch, may be NULL). */
void outbox_run(struct mqttd *d, struct json_object *changes, bool resend);
/* Publishes every discovery config and state (on connect, and when Home
 * Assistant says it is online). */
void outbox_hass_all(struct mqttd *d);
/* The expiry timer fired: fail what is past its deadline, re-arm. */
void outbox_expire(struct mqttd *d);
void outbox_free(struct mqttd *d);

#endif
