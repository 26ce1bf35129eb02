/* SPDX-License-Identifier: MIT */
/* model_test.c -- the model table is consistent, and validation says no to
 * everything it should, in words that name the problem. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "model.h"
#include "testutil.h"
#include "util.h"

static void
test_table_consistent(void **state)
{
	const struct model_type *t;
	const struct model_prop *p;
	size_t n = 0;

	for (t = model_types; t->name != NULL; t++, n++) {
		assert_ptr_equal(model_type_find(t->name), t);
		assert_true(str_in(t->name, model_type_names));
		for (const char *const *s = t->states; *s; s++)
			if (!str_in(*s, model_states))
				fail_msg("%s: state %s is not in model_states", t->name, *s);
		for (const char *const *a = t->actions; *a; a++)
			if (!str_in(*a, model_actions))
				fail_msg("%s: action %s is not in model_actions", t->name, *a);
		/* A type with actions can be changed; one without is a sensor. */
		assert_true((t->actions[0] != NULL) == (t->apply != NULL));
		/* What `homectl device add` starts it with is valid for it. */
		if (!model_has_state(t, t->initial_state))
			fail_msg("%s: initial state %s is not one of its states", t->name,
			    t->initial_state);
		{
			struct json_object *init = json_tokener_parse(t->initial_props);
			char why[256];

			assert_non_null(init);
			assert_true(json_object_is_type(init, json_type_object));
			json_object_object_foreach(init, key, val) {
				struct model_prop w;

				if ((p = model_prop_find(t, key)) == NULL)
					fail_msg("%s: initial property %s is not its own", t->name, key);
				w = *p;
				w.read_only = false;
				if (model_prop_check(&w, val, why, sizeof(why)) < 0)
					fail_msg("%s: initial %s: %s", t->name, key, why);
			}
			json_object_put(init);
		}
		for (p = t->props; p->name != NULL; p++) {
			assert_ptr_equal(model_prop_find(t, p->name), p);
			if (p->kind == MODEL_INT || p->kind == MODEL_NUMBER)
				assert_true(p->min < p->max);
			if (p->kind == MODEL_ENUM)
				assert_non_null(p->choices);
		}
	}
	/* Every seed type, plus switch, plug and humidity_sensor. */
	assert_int_equal(n, 14);
	assert_null(model_type_find("toaster"));
	assert_null(model_type_find(NULL));
	/* Only sensors homectl can serve: each kind has a type that reports it. */
	for (const char *const *k = model_sensor_kinds; *k != NULL; k++) {
		for (t = model_types; t->name != NULL; t++)
			if (t->sensor != NULL && strcmp(t->sensor, *k) == 0)
				break;
		if (t->name == NULL)
			fail_msg("no device type serves sensor kind %s", *k);
	}
	assert_false(str_in("air_quality", model_sensor_kinds));
}

static int
check(const char *type, const char *action, const char *props_json, char *err)
{
	struct json_object *props = props_json ? json_tokener_parse(props_json) : NULL;
	int r = model_check_request(model_type_find(type), action, props, err, 256);

	json_object_put(props);
	return r;
}

static void
test_validation(void **state)
{
	char err[256];

	assert_int_equal(check("light", "set", "{\"brightness\":0}", err), 0);
	assert_int_equal(check("light", "set", "{\"brightness\":100,\"color_temp\":6500}", err), 0);
	assert_int_equal(check("light", "on", "{\"brightness\":10}", err), 0);
	assert_int_equal(check("light", "set", "{\"brightness\":101}", err), -ERANGE);
	assert_non_null(strstr(err, "from 0 to 100"));
	assert_int_equal(check("light", "set", "{\"color_temp\":1000}", err), -ERANGE);
	assert_int_equal(check("light", "set", "{\"brightness\":true}", err), -EINVAL);
	assert_int_equal(check("light", "set", "{\"brightness\":9999999999999999999}", err),
	    -ERANGE);
	assert_int_equal(check("thermostat", "set", "{\"target_temp\":70.5}", err), 0);
	assert_int_equal(check("thermostat", "set", "{\"target_temp\":\"70\"}", err), -EINVAL);
	assert_int_equal(check("thermostat", "set", "{\"target_temp\":91}", err), -ERANGE);
	assert_int_equal(check("thermostat", "set", "{\"mode\":\"cool\"}", err), 0);
	assert_int_equal(check("thermostat", "set", "{\"mode\":\"COOL\"}", err), -EINVAL);
	assert_int_equal(check("ev_charger", "set", "{\"battery_level\":5}", err), -EINVAL);
	assert_int_equal(check("lock", "open", NULL, err), -EINVAL);
	assert_non_null(strstr(err, "lock, unlock, toggle"));
	assert_int_equal(check("lock", "dance", NULL, err), -EINVAL);
	assert_non_null(strstr(err, "unknown action"));
	assert_int_equal(check("temperature_sensor", "set", "{\"value\":1}", err), -EINVAL);
	assert_int_equal(check("sprinkler", "on", "{\"duration\":30}", err), 0);
	assert_int_equal(check("sprinkler", "on", "{\"duration\":0}", err), -ERANGE);
}

static void
test_opens_home(void **state)
{
	const struct model_type *lock = model_type_find("lock"), *garage = model_type_find("garage");
	struct json_object *p0 = json_tokener_parse("{\"position\":0}");
	struct json_object *p5 = json_tokener_parse("{\"position\":5}");

	assert_true(model_opens_home(lock, "unlock", "locked", NULL));
	assert_true(model_opens_home(lock, "toggle", "locked", NULL));
	assert_false(model_opens_home(lock, "toggle", "unlocked", NULL));
	assert_false(model_opens_home(lock, "lock", "unlocked", NULL));
	assert_true(model_opens_home(garage, "open", "closed", NULL));
	assert_true(model_opens_home(garage, "toggle", "closed", NULL));
	assert_false(model_opens_home(garage, "toggle", "open", NULL));
	assert_false(model_opens_home(garage, "close", "open", NULL));
	assert_true(model_opens_home(garage, "set", "closed", p5));
	assert_false(model_opens_home(garage, "set", "open", p0));
	assert_false(model_opens_home(model_type_find("blinds"), "open", "closed", NULL));
	json_object_put(p0);
	json_object_put(p5);
}

static void
test_schemas(void **state)
{
	struct json_object *s = model_prop_schema(model_prop_any("brightness")), *all;

	assert_string_equal(json_object_get_string(json_object_object_get(s, "type")), "integer");
	assert_int_equal(json_object_get_int(json_object_object_get(s, "minimum")), 0);
	assert_int_equal(json_object_get_int(json_object_object_get(s, "maximum")), 100);
	json_object_put(s);
	s = model_prop_schema(model_prop_any("mode"));
	assert_int_equal(json_object_array_length(json_object_object_get(s, "enum")), 4);
	json_object_put(s);
	all = model_describe();
	assert_int_equal(json_object_object_length(all), 14);
	assert_true(json_object_get_boolean(json_object_object_get(json_object_object_get(
	    json_object_object_get(json_object_object_get(all, "thermostat"), "properties"),
	    "current_temp"), "readOnly")));
	json_object_put(all);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_consistent),
		cmocka_unit_test(test_validation),
		cmocka_unit_test(test_opens_home),
		cmocka_unit_test(test_schemas),
	};

	log_init("model_test", LOG_CRIT);
	return cmocka_run_group_tests_name("model", tests, NULL, NULL);
}
