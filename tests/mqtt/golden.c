/* SPDX-License-Identifier: MIT */
/* golden.c -- runs the dialect modules of homectl-mqtt on the cases of a
 * tests/mqtt/golden/NAME.in file and prints what they make of each, so that
 * `diff -u NAME.out -` shows any change in a payload rule (OpenBSD's
 * regress "patterns" approach).  One case per line, fields separated by a
 * tab; a field starting with '@' is the content of that file:
 *
 *   catalog  z2m|tasmota  PAYLOAD          the devices; remembered by address
 *   catalog  shelly  PREFIX  INFO  STATUS
 *   report   ADDRESS  PAYLOAD              (shelly: ADDRESS events|status PAYLOAD)
 *   command  ADDRESS  STATE|-  SET|-       the message that moves the device
 *   avail    z2m|tasmota|shelly  PAYLOAD
 *   topic    z2m|tasmota|shelly|hass  BASE  TOPIC
 *   confirms WANT_STATE|- WANT|- GOT_STATE|- GOT|-
 *   response PAYLOAD                       a Shelly RPC response
 *   hass-config  DEVICE    hass-state  DEVICE    hass-command  TYPE  WHAT  PAYLOAD
 *
 * Lines starting with '#' and empty lines are copied. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonutil.h"
#include "model.h"
#include "mqtt.h"

#define FIELDS 8

static struct json_object *catalog;	/* every entry seen, by address */

static const char *
jstr(struct json_object *o)
{
	return o == NULL ? "null" : json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

static const char *
field_get(const char *s, char **buf)
{
	FILE *f;
	size_t n;
	long len;

	if (s[0] != '@')
		return s;
	if ((f = fopen(s + 1, "r")) == NULL) {
		fprintf(stderr, "golden: %s: %s\n", s + 1, strerror(errno));
		exit(2);
	}
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	*buf = malloc((size_t)len + 1);
	n = fread(*buf, 1, (size_t)len, f);
	(*buf)[n] = '\0';
	fclose(f);
	return *buf;
}

static struct json_object *
opt_json(const char *s)
{
	return strcmp(s, "-") == 0 ? NULL : json_tokener_parse(s);
}

static void
result(int r, const char *err)
{
	printf("< error %d: %s\n", r, err);
}

static void
remember(struct json_object *list)
{
	size_t i, n = json_object_array_length(list);

	for (i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(list, i), *a;

		json_object_object_get_ex(e, "address", &a);
		json_object_object_add(catalog, json_object_get_string(a), json_object_get(e));
		printf("< %s\n", jstr(e));
	}
	if (n == 0)
		printf("< (no devices)\n");
}

static struct json_object *
entry(const char *addr)
{
	struct json_object *e;

	if (!json_object_object_get_ex(catalog, addr, &e)) {
		fprintf(stderr, "golden: no catalog entry %s\n", addr);
		exit(2);
	}
	return e;
}

static const char *
estr(struct json_object *e, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(e, k, &v) ? json_object_get_string(v) : NULL;
}

static void
run(const char *const *f, int n)
{
	char err[512] = "";
	struct json_object *out = NULL, *e, *caps;
	const char *drv;
	int r = 0;

	if (strcmp(f[0], "catalog") == 0 && n >= 3) {
		if (strcmp(f[1], "z2m") == 0)
			r = z2m_catalog(f[2], strlen(f[2]), &out, err, sizeof(err));
		else if (strcmp(f[1], "tasmota") == 0)
			r = tasmota_catalog(f[2], strlen(f[2]), &out, err, sizeof(err));
		else if (strcmp(f[1], "shelly") == 0 && n >= 5) {
			struct json_object *info = opt_json(f[3]), *st = opt_json(f[4]);

			r = shelly_catalog(f[2], info, st, &out, err, sizeof(err));
			json_object_put(info);
			json_object_put(st);
		}
		if (r < 0)
			result(r, err);
		else
			remember(out);
	} else if (strcmp(f[0], "report") == 0 && n >= 3) {
		e = entry(f[1]);
		json_object_object_get_ex(e, "caps", &caps);
		drv = estr(e, "driver");
		if (strcmp(drv, "z2m") == 0)
			r = z2m_report(estr(e, "type"), caps, f[2], strlen(f[2]), &out, err, sizeof(err));
		else if (strcmp(drv, "tasmota") == 0)
			r = tasmota_report(estr(e, "type"), caps, f[2], strlen(f[2]), &out, err,
			    sizeof(err));
		else if (n >= 4)
			r = shelly_report(estr(e, "type"), estr(caps, "component"),
			    strcmp(f[2], "events") == 0 ? SHELLY_T_EVENTS : SHELLY_T_STATUS, f[3],
			    strlen(f[3]), &out, err, sizeof(err));
		if (r < 0)
			result(r, err);
		else
			printf("< %s\n", jstr(out));
	} else if (strcmp(f[0], "command") == 0 && n >= 4) {
		struct json_object *set = opt_json(f[3]);
		const char *state = strcmp(f[2], "-") == 0 ? NULL : f[2];
		char *p = NULL, *c = NULL;

		e = entry(f[1]);
		json_object_object_get_ex(e, "caps", &caps);
		drv = estr(e, "driver");
		if (strcmp(drv, "z2m") == 0) {
			r = z2m_command(estr(e, "type"), caps, state, set, &p, err, sizeof(err));
			if (r == 0)
				printf("< %.*s/set %s\n", (int)strcspn(estr(e, "address"), "#"),
				    estr(e, "address"), p);
		} else if (strcmp(drv, "tasmota") == 0) {
			r = tasmota_command(estr(e, "type"), caps, state, set, &c, &p, err, sizeof(err));
			if (r == 0)
				printf("< cmnd/%s/%s %s\n", estr(caps, "topic"), c, p);
		} else {
			r = shelly_command(estr(e, "type"), estr(caps, "component"), state, set, 42,
			    "homectl-test", &p, err, sizeof(err));
			if (r == 0)
				printf("< %s/rpc %s\n", estr(caps, "prefix"), p);
		}
		if (r < 0)
			result(r, err);
		free(p);
		free(c);
		json_object_put(set);
	} else if (strcmp(f[0], "avail") == 0 && n >= 2) {
		const char *p = n >= 3 ? f[2] : "";
		enum avail a = AVAIL_UNKNOWN;

		if (strcmp(f[1], "z2m") == 0)
			r = z2m_availability(p, strlen(p), &a);
		else if (strcmp(f[1], "tasmota") == 0)
			r = tasmota_availability(p, strlen(p), &a);
		else
			r = shelly_availability(p, strlen(p), &a);
		if (r < 0)
			printf("< error %d\n", r);
		else
			printf("< %s\n", conv_avail_name(a));
	} else if (strcmp(f[0], "topic") == 0 && n >= 4) {
		const char *name = NULL, *comp = NULL;
		size_t len = 0;

		if (strcmp(f[1], "z2m") == 0) {
			enum z2m_topic k = Z2M_T_STATE;
			static const char *const kinds[] = { "bridge/devices", "bridge/state",
				"bridge/other", "state", "availability", "command" };

			r = z2m_topic(f[2], f[3], &k, &name, &len);
			if (r == 0)
				printf("< %s [%.*s]\n", kinds[k], (int)len, name ? name : "");
		} else if (strcmp(f[1], "tasmota") == 0) {
			enum tasmota_topic k = TASMOTA_T_OTHER;
			static const char *const kinds[] = { "discovery", "result", "state", "lwt",
				"other" };

			r = tasmota_topic(f[2], f[3], &k, &name, &len);
			if (r == 0)
				printf("< %s [%.*s]\n", kinds[k], (int)len, name);
		} else if (strcmp(f[1], "shelly") == 0) {
			enum shelly_topic k = SHELLY_T_ONLINE;
			static const char *const kinds[] = { "online", "events", "status", "response" };

			r = shelly_topic(f[2], f[3], &k, &name, &len, &comp);
			if (r == 0)
				printf("< %s [%.*s] %s\n", kinds[k], (int)len, name ? name : "",
				    comp ? comp : "");
		} else {
			struct hass_names hn = { "homeassistant", f[2], "homectl_home", "0" };
			char id[80];
			const char *what;

			r = hass_topic(&hn, f[3], id, sizeof(id), &what);
			if (r == 0)
				printf("< [%s] %s\n", id, what);
		}
		if (r < 0)
			printf("< error %d\n", r);
	} else if (strcmp(f[0], "confirms") == 0 && n >= 5) {
		struct json_object *w = opt_json(f[2]), *g = opt_json(f[4]);

		printf("< %s\n", model_satisfies(strcmp(f[1], "-") ? f[1] : NULL, w,
		    strcmp(f[3], "-") ? f[3] : NULL, g) ? "confirmed" : "not confirmed");
		json_object_put(w);
		json_object_put(g);
	} else if (strcmp(f[0], "response") == 0 && n >= 2) {
		struct json_object *frame = NULL, *res = NULL;
		int64_t id = -1;

		r = shelly_response(f[1], strlen(f[1]), &id, &frame, &res, err, sizeof(err));
		if (r < 0)
			printf("< id %lld error %d: %s\n", (long long)id, r, err);
		else
			printf("< id %lld result %s\n", (long long)id, jstr(res));
		json_object_put(frame);
	} else if (strcmp(f[0], "hass-config") == 0 && n >= 2) {
		struct hass_names hn = { "homeassistant", "homectl/home", "homectl_home", "1.2.3" };
		struct json_object *dev = json_tokener_parse(f[1]);
		char *topic = NULL;

		r = hass_config(&hn, dev, &topic, &out);
		if (r < 0)
			printf("< error %d\n", r);
		else
			printf("< %s %s\n", topic, jstr(out));
		free(topic);
		json_object_put(dev);
	} else if (strcmp(f[0], "hass-state") == 0 && n >= 2) {
		struct json_object *dev = json_tokener_parse(f[1]);

		out = hass_state(dev);
		printf("< %s\n", jstr(out));
		json_object_put(dev);
	} else if (strcmp(f[0], "hass-command") == 0 && n >= 3) {
		const char *p = n >= 4 ? f[3] : "", *action;

		r = hass_command(f[1], f[2], p, strlen(p), &action, &out, err, sizeof(err));
		if (r < 0)
			result(r, err);
		else
			printf("< %s %s\n", action, jstr(out));
	} else {
		fprintf(stderr, "golden: bad case: %s\n", f[0]);
		exit(2);
	}
	json_object_put(out);
}

int
main(void)
{
	char line[65536];

	catalog = json_object_new_object();
	while (fgets(line, sizeof(line), stdin) != NULL) {
		const char *f[FIELDS];
		char *bufs[FIELDS] = { 0 }, *p = line, *tab;
		int n = 0;

		line[strcspn(line, "\n")] = '\0';
		printf("%s%s\n", line[0] == '#' || line[0] == '\0' ? "" : "> ", line);
		if (line[0] == '#' || line[0] == '\0')
			continue;
		while (n < FIELDS) {
			tab = strchr(p, '\t');
			if (tab != NULL)
				*tab = '\0';
			f[n] = field_get(p, &bufs[n]);
			n++;
			if (tab == NULL)
				break;
			p = tab + 1;
		}
		run(f, n);
		for (int i = 0; i < n; i++)
			free(bufs[i]);
	}
	json_object_put(catalog);
	return 0;
}
