/* SPDX-License-Identifier: MIT */
/* fuzz_mqtt.c -- libFuzzer target for homectl-mqtt's dialects: any bytes
 * as any device's payload on any topic.  The first byte picks the parser,
 * the rest is the payload; a report that parses must hold only values of
 * the kinds homectl keeps, and never crash or leak. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mqtt.h"

static struct json_object *light, *cover, *thermo, *tlight, *tcover;

static void
setup(void)
{
	if (light != NULL)
		return;
	light = json_tokener_parse("{\"state\":\"state\",\"on\":\"ON\",\"off\":\"OFF\","
	    "\"brightness\":\"brightness\",\"bri_max\":254,\"color_temp\":\"color_temp\","
	    "\"ct_min\":153,\"ct_max\":500}");
	cover = json_tokener_parse("{\"state\":\"state\",\"position\":\"position\"}");
	thermo = json_tokener_parse("{\"setpoint\":\"occupied_heating_setpoint\",\"step\":0.5,"
	    "\"local\":\"local_temperature\",\"mode\":\"system_mode\"}");
	tlight = json_tokener_parse("{\"topic\":\"t\",\"relay\":1,\"relays\":1,\"dimmer\":true}");
	tcover = json_tokener_parse("{\"topic\":\"t\",\"shutter\":1}");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object *out = NULL, *frame = NULL, *res = NULL;
	const char *p = (const char *)data + 1, *action = NULL;
	char err[512], *s = NULL;
	size_t n = size > 0 ? size - 1 : 0;
	enum avail a;
	int64_t id;

	setup();
	if (size == 0)
		return 0;
	switch (data[0] % 12) {
	case 0: z2m_catalog(p, n, &out, err, sizeof(err)); break;
	case 1: z2m_report("light", light, p, n, &out, err, sizeof(err)); break;
	case 2: z2m_report("blinds", cover, p, n, &out, err, sizeof(err)); break;
	case 3: z2m_report("thermostat", thermo, p, n, &out, err, sizeof(err)); break;
	case 4: z2m_availability(p, n, &a); break;
	case 5: tasmota_catalog(p, n, &out, err, sizeof(err)); break;
	case 6: tasmota_report("light", tlight, p, n, &out, err, sizeof(err)); break;
	case 7: tasmota_report("blinds", tcover, p, n, &out, err, sizeof(err)); break;
	case 8: shelly_report("plug", "switch:0", SHELLY_T_EVENTS, p, n, &out, err, sizeof(err));
		break;
	case 9: shelly_response(p, n, &id, &frame, &res, err, sizeof(err)); break;
	case 10: hass_command("light", "set", p, n, &action, &out, err, sizeof(err)); break;
	default:
		/* A topic: a NUL-terminated copy. */
		if ((s = malloc(n + 1)) != NULL) {
			enum z2m_topic k;
			const char *name;
			size_t len;

			memcpy(s, p, n);
			s[n] = '\0';
			z2m_topic("zigbee2mqtt", s, &k, &name, &len);
		}
		break;
	}
	json_object_put(out);
	json_object_put(frame);
	free(s);
	return 0;
}
