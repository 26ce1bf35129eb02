/* SPDX-License-Identifier: MIT */
/* dialect_test.c -- properties of the dialect modules that golden files
 * cannot show case by case: every brightness and colour temperature
 * survives the round trip, ids are always valid, and no malformed payload
 * produces a report. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "model.h"
#include "mqtt.h"

static void
test_brightness_round_trip(void **state)
{
	for (int p = 0; p <= 100; p++) {
		int v = conv_bri_to_254(p);

		assert_true(v >= 0 && v <= 254);
		assert_int_equal(conv_bri_from_254(v), p);
	}
	assert_int_equal(conv_bri_to_254(-5), 0);
	assert_int_equal(conv_bri_to_254(500), 254);
	assert_int_equal(conv_bri_from_254(255), 100);
	assert_int_equal(conv_bri_from_254(-1), 0);
}

static void
test_color_temp_round_trip(void **state)
{
	/* Every kelvin homectl accepts comes back within one mired. */
	for (int k = 2000; k <= 6500; k++) {
		int m = conv_kelvin_to_mired(k), back = conv_mired_to_kelvin(m);

		assert_int_equal(conv_kelvin_to_mired(back), m);
	}
	assert_int_equal(conv_mired_to_kelvin(1000), 2000);	/* clamped */
	assert_int_equal(conv_mired_to_kelvin(50), 6500);
	assert_int_equal(conv_mired_to_kelvin(0), 6500);
}

static void
test_temperature(void **state)
{
	assert_true(conv_c_to_f(21) == 69.8);
	assert_true(conv_c_to_f(-40) == -40);
	assert_true(conv_f_to_c(70, 0.5) == 21.0);
	assert_true(conv_f_to_c(71.5, 0.5) == 22.0);
	assert_true(conv_f_to_c(70, 0) == 21.1);
}

static void
test_slug(void **state)
{
	char id[80];
	char longname[200];

	assert_int_equal(conv_slug("Hall Lamp", id, sizeof(id)), 0);
	assert_string_equal(id, "hall_lamp");
	assert_int_equal(conv_slug("kitchen/floor_light", id, sizeof(id)), 0);
	assert_string_equal(id, "kitchen_floor_light");
	assert_int_equal(conv_slug("  --Wohnzimmer  Lampe (2)--", id, sizeof(id)), 0);
	assert_string_equal(id, "wohnzimmer_lampe_2");
	assert_int_equal(conv_slug("Küche", id, sizeof(id)), 0);
	assert_string_equal(id, "k_che");
	assert_int_equal(conv_slug("!!!", id, sizeof(id)), -EINVAL);
	assert_int_equal(conv_slug("", id, sizeof(id)), -EINVAL);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	longname[60] = ' ';
	assert_int_equal(conv_slug(longname, id, sizeof(id)), 0);
	assert_true(strlen(id) <= 64);
	assert_true(id[strlen(id) - 1] != '_');
	for (char *p = id; *p; p++)
		assert_true((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_');
}

/* Garbage of every kind on a device's state topic: never a report. */
static void
test_malformed_never_reports(void **state)
{
	static const char *const bad[] = { "", "ON", "{", "[]", "null", "42", "\"ON\"",
		"{\"state\":1}", "{\"state\":\"ON\"}x", "{\"brightness\":\"x\"}",
		"{\"state\":null,\"brightness\":[1]}", "\xff\xfe", NULL };
	struct json_object *caps = json_tokener_parse(
	    "{\"state\":\"state\",\"on\":\"ON\",\"off\":\"OFF\",\"brightness\":\"brightness\"}");
	struct json_object *tcaps = json_tokener_parse("{\"topic\":\"t\",\"relay\":1,\"dimmer\":true}");

	for (int i = 0; bad[i] != NULL; i++) {
		struct json_object *out = NULL;
		char err[256] = "";

		assert_int_equal(z2m_report("light", caps, bad[i], strlen(bad[i]), &out, err,
		    sizeof(err)), -EINVAL);
		assert_null(out);
		assert_true(err[0] != '\0');
		assert_int_equal(shelly_report("switch", "switch:0", SHELLY_T_STATUS, bad[i],
		    strlen(bad[i]), &out, err, sizeof(err)) == 0 && out != NULL &&
		    json_object_object_get_ex(out, "state", NULL), 0);
		json_object_put(out);
		out = NULL;
		if (tasmota_report("light", tcaps, bad[i], strlen(bad[i]), &out, err,
		    sizeof(err)) == 0) {
			/* Only objects without POWER/Dimmer parse, and say nothing. */
			assert_false(json_object_object_get_ex(out, "state", NULL));
			json_object_put(out);
		}
	}
	json_object_put(caps);
	json_object_put(tcaps);
}

static void
test_oversized_payload_refused(void **state)
{
	size_t n = MQTT_PAYLOAD_MAX + 1;
	char *big = malloc(n), err[256];
	struct json_object *out = NULL;

	assert_non_null(big);
	memset(big, ' ', n);
	big[0] = '[';
	big[n - 1] = ']';
	assert_int_equal(z2m_catalog(big, n, &out, err, sizeof(err)), -EINVAL);
	assert_null(out);
	assert_non_null(strstr(err, "too large"));
	free(big);
}

/* A command is never a retained payload, and every command the dialects
 * build is confirmed by the report the fakes send back for it. */
static void
test_command_then_report_confirms(void **state)
{
	struct json_object *caps = json_tokener_parse(
	    "{\"state\":\"state\",\"on\":\"ON\",\"off\":\"OFF\",\"brightness\":\"brightness\","
	    "\"bri_max\":254,\"color_temp\":\"color_temp\",\"ct_min\":153,\"ct_max\":454}");

	for (int b = 1; b <= 100; b += 3) {
		for (int k = 2300; k <= 6500; k += 700) {
			struct json_object *set = json_object_new_object(), *rep = NULL, *got;
			char *payload = NULL, err[256];
			const char *st;

			json_object_object_add(set, "brightness", json_object_new_int(b));
			json_object_object_add(set, "color_temp", json_object_new_int(k));
			assert_int_equal(z2m_command("light", caps, "on", set, &payload, err,
			    sizeof(err)), 0);
			/* The device echoes what it was told. */
			assert_int_equal(z2m_report("light", caps, payload, strlen(payload), &rep,
			    err, sizeof(err)), 0);
			st = json_object_get_string(json_object_object_get(rep, "state"));
			got = conv_report_props(rep);
			assert_true(model_satisfies("on", set, st, got));
			free(payload);
			json_object_put(rep);
			json_object_put(set);
		}
	}
	json_object_put(caps);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_brightness_round_trip),
		cmocka_unit_test(test_color_temp_round_trip),
		cmocka_unit_test(test_temperature),
		cmocka_unit_test(test_slug),
		cmocka_unit_test(test_malformed_never_reports),
		cmocka_unit_test(test_oversized_payload_refused),
		cmocka_unit_test(test_command_then_report_confirms),
	};

	return cmocka_run_group_tests_name("mqtt dialects", tests, NULL, NULL);
}
