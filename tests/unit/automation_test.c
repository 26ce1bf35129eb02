/* SPDX-License-Identifier: MIT */
/* automation_test.c -- the automation document against the demo home: the
 * issue's example is accepted, every kind of mistake is refused with one
 * sentence that names it, loops are refused directly and through other
 * automations, mode scenes included, and triggers and conditions evaluate
 * as documented. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "automation.h"
#include "testutil.h"
#include "util.h"

static const char *example =
    "{\"name\": \"hall light when the door opens\", \"enabled\": true,"
    " \"triggers\": [{\"device\": \"front_door_lock\", \"to\": \"unlocked\"}],"
    " \"conditions\": [{\"mode\": \"home\"}, {\"time\": {\"after\": \"17:00\", "
    "\"before\": \"23:30\"}}],"
    " \"actions\": [{\"device\": \"living_room_light_lamp\", \"action\": \"on\", "
    "\"properties\": {\"brightness\": 60}}, {\"delay_s\": 300},"
    " {\"device\": \"living_room_light_lamp\", \"action\": \"off\"}]}";

/* automation_check on json with others (a JSON array text or NULL). */
static int
check(struct home *h, const char *json, const char *others, bool location, char *err,
    struct json_object **out)
{
	struct automation_env env = { .ops = &h->ops, .have_location = location };
	struct json_object *doc = json_tokener_parse(json), *o = NULL, *res = NULL;
	int r;

	if (doc == NULL)
		fail_msg("bad test JSON: %s", json);
	if (others != NULL)
		assert_non_null(o = json_tokener_parse(others));
	err[0] = '\0';
	r = automation_check(&env, doc, o, &res, err);
	if (r < 0) {
		assert_null(res);
		/* One sentence. */
		assert_true(strlen(err) > 10);
		assert_null(strchr(err, '\n'));
	}
	if (out != NULL)
		*out = res;
	else
		json_object_put(res);
	json_object_put(doc);
	json_object_put(o);
	return r;
}

static void
test_example_accepted(void **state)
{
	struct home *h = *state;
	struct json_object *out = NULL;
	char err[OPS_ERRLEN];

	if (check(h, example, NULL, false, err, &out) != 0)
		fail_msg("refused: %s", err);
	assert_string_equal(automation_name(out), "hall light when the door opens");
	assert_true(automation_enabled(out));
	assert_false(automation_persistent(out));
	assert_int_equal(automation_mode(out), AUTOMATION_SINGLE);
	assert_string_equal(json_object_get_string(json_object_object_get(out, "mode")), "single");
	json_object_put(out);

	/* Every trigger kind, every condition kind, every action kind. */
	if (check(h, "{\"name\": \"all kinds\", \"mode\": \"queued\", \"persistent\": true,"
	    " \"triggers\": [{\"device\": \"living_room_light_main\", \"property\": \"brightness\","
	    "   \"from\": 75, \"to\": 10},"
	    "  {\"device\": \"thermostat_main\", \"property\": \"current_temp\", \"above\": 80,"
	    "   \"for_s\": 600},"
	    "  {\"device\": \"kitchen_motion_sensor\", \"to\": \"motion\", \"for_s\": 30},"
	    "  {\"at\": \"Mon..Fri 07:00 Europe/Berlin\"}, {\"at\": \"*:0/15\"},"
	    "  {\"sun\": \"sunset\", \"offset_min\": -15}, {\"mode\": \"away\", \"from\": \"home\"}],"
	    " \"conditions\": [{\"weekday\": \"Mon..Fri\"}, {\"weekday\": [\"Sat\", \"Sun\"]},"
	    "  {\"time\": {\"after\": \"22:00\", \"before\": \"06:00:30\"}},"
	    "  {\"any\": [{\"device\": \"garage_door\", \"is\": \"closed\"},"
	    "   {\"not\": {\"device\": \"thermostat_main\", \"property\": \"target_temp\","
	    "    \"above\": 50, \"below\": 80}}]},"
	    "  {\"all\": [{\"mode\": \"away\"}]}],"
	    " \"actions\": [{\"room\": \"kitchen\", \"action\": \"off\"},"
	    "  {\"type\": \"light\", \"action\": \"set\", \"properties\": {\"brightness\": 5}},"
	    "  {\"room\": \"outdoor\", \"type\": \"sprinkler\", \"action\": \"on\","
	    "   \"properties\": {\"duration\": 10}},"
	    "  {\"delay_s\": 1}, {\"mode\": \"sleep\"}]}", NULL, true, err, &out) != 0)
		fail_msg("refused: %s", err);
	assert_int_equal(automation_mode(out), AUTOMATION_QUEUED);
	assert_true(automation_persistent(out));
	json_object_put(out);
}

static void
test_mistakes_refused(void **state)
{
	struct home *h = *state;
	static const struct {
		const char *doc;
		int r;
		const char *says;
	} cases[] = {
#define T(x) "{\"name\": \"n\", \"triggers\": [" x "], \"actions\": [{\"mode\": \"home\"}]}"
#define C(x) "{\"name\": \"n\", \"triggers\": [{\"at\": \"daily\"}], \"conditions\": [" x "]," \
	     " \"actions\": [{\"mode\": \"home\"}]}"
#define A(x) "{\"name\": \"n\", \"triggers\": [{\"at\": \"daily\"}], \"actions\": [" x "]}"
		{ T("{\"device\": \"front_dor_lock\", \"to\": \"unlocked\"}"), -ENOENT,
		  "trigger 1: unknown device 'front_dor_lock'; did you mean front_door_lock?" },
		{ T("{\"device\": \"front_door_lock\", \"to\": \"ajar\"}"), -EINVAL,
		  "trigger 1: \"to\" is not a state of front_door_lock (a lock)" },
		{ T("{\"device\": \"front_door_lock\", \"property\": \"colour\"}"), -EINVAL,
		  "trigger 1: front_door_lock (a lock) has no property \"colour\"" },
		{ T("{\"device\": \"living_room_light_main\", \"property\": \"brightness\", "
		    "\"to\": 101}"), -ERANGE, "trigger 1: \"to\" is out of range" },
		{ T("{\"device\": \"living_room_light_main\", \"property\": \"color_temp\", "
		    "\"above\": \"warm\"}"), -EINVAL, "\"above\" and \"below\" must be numbers" },
		{ T("{\"device\": \"front_door_lock\", \"above\": 3}"), -EINVAL,
		  "a numeric trigger needs \"property\"" },
		{ T("{\"device\": \"front_door_lock\", \"for_s\": 30}"), -EINVAL,
		  "\"for_s\" needs \"to\"" },
		{ T("{\"device\": \"front_door_lock\", \"to\": \"locked\", \"for_s\": -1}"), -ERANGE,
		  "\"for_s\" must be from 0 to 604800" },
		{ T("{\"at\": \"Mon..Fry 07:00\"}"), -EINVAL,
		  "trigger 1: \"Mon..Fry 07:00\" is not a calendar expression" },
		{ T("{\"at\": \"07:00 Mars/Olympus\"}"), -EINVAL,
		  "\"Mars/Olympus\" is not a time zone" },
		{ T("{\"sun\": \"sunset\"}"), -EINVAL, "set latitude and longitude in homectl.conf" },
		{ T("{\"sun\": \"noon\"}"), -EINVAL, "\"sun\" must be \"sunrise\" or \"sunset\"" },
		{ T("{\"mode\": \"party\"}"), -ENOENT, "trigger 1: unknown mode \"party\"" },
		{ T("{\"when\": \"now\"}"), -EINVAL, "say what starts it" },
		{ T("{\"at\": \"daily\", \"device\": \"x\"}"), -EINVAL,
		  "trigger 1: unknown key \"device\"" },
		{ C("{\"mode\": \"party\"}"), -ENOENT, "condition 1: unknown mode \"party\"" },
		{ C("{\"time\": {\"after\": \"25:00\"}}"), -EINVAL, "24-hour clock" },
		{ C("{\"time\": {\"after\": \"7:00\"}}"), -EINVAL, "24-hour clock" },
		{ C("{\"time\": {}}"), -EINVAL, "needs \"after\", \"before\" or both" },
		{ C("{\"weekday\": \"Mon..Fry\"}"), -EINVAL, "\"weekday\" is days" },
		{ C("{\"weekday\": \"Fri..Mon\"}"), -EINVAL, "\"weekday\" is days" },
		{ C("{\"device\": \"garage_door\"}"), -EINVAL, "say what must hold" },
		{ C("{\"device\": \"garage_door\", \"is\": \"open\", \"above\": 3}"), -EINVAL,
		  "not both" },
		{ C("{\"any\": [{\"all\": [{\"any\": [{\"all\": [{\"not\": {\"mode\": \"home\"}}]}]}]}]}"),
		  -EINVAL, "nest at most 4 deep" },
		{ C("{\"any\": [{\"mode\": \"home\"}, {\"mode\": \"nope\"}]}"), -ENOENT,
		  "condition 1.2: unknown mode \"nope\"" },
		{ A("{\"device\": \"front_door_lock\", \"action\": \"on\"}"), -EINVAL,
		  "action 1: front_door_lock: " },
		{ A("{\"device\": \"living_room_light_main\", \"action\": \"set\", "
		    "\"properties\": {\"brightness\": 101}}"), -ERANGE, "from 0 to 100" },
		{ A("{\"device\": \"living_room_light_main\"}"), -EINVAL, "say which \"action\"" },
		{ A("{\"room\": \"attic\", \"action\": \"off\"}"), -ENOENT,
		  "action 1: unknown room \"attic\"" },
		{ A("{\"type\": \"toaster\", \"action\": \"off\"}"), -EINVAL,
		  "unknown device type \"toaster\"" },
		{ A("{\"room\": \"kitchen\", \"action\": \"lock\"}"), -EINVAL,
		  "action 1: no device in kitchen accepts \"lock\"" },
		{ A("{\"mode\": \"party\"}"), -ENOENT, "action 1: unknown mode \"party\"" },
		{ A("{\"delay_s\": 0}, {\"mode\": \"home\"}"), -ERANGE, "from 1 to 86400" },
		{ A("{\"mode\": \"home\"}, {\"delay_s\": 5}"), -EINVAL, "a delay at the end" },
		{ A("{\"action\": \"off\"}"), -EINVAL, "an action is \"device\"" },
		{ "{\"name\": \"\", \"triggers\": [{\"at\": \"daily\"}], \"actions\": [{\"mode\": "
		  "\"home\"}]}", -EINVAL, "\"name\" must be 1 to 80" },
		{ "{\"name\": \"n\", \"triggers\": [], \"actions\": [{\"mode\": \"home\"}]}", -EINVAL,
		  "\"triggers\" must hold from 1 to 16" },
		{ "{\"name\": \"n\", \"triggers\": [{\"at\": \"daily\"}]}", -EINVAL,
		  "\"actions\" must be a list" },
		{ "{\"name\": \"n\", \"mode\": \"parallel\", \"triggers\": [{\"at\": \"daily\"}], "
		  "\"actions\": [{\"mode\": \"home\"}]}", -EINVAL,
		  "\"mode\" must be \"single\", \"restart\" or \"queued\"" },
		{ "{\"name\": \"n\", \"enabled\": 1, \"triggers\": [{\"at\": \"daily\"}], "
		  "\"actions\": [{\"mode\": \"home\"}]}", -EINVAL, "\"enabled\" must be true or false" },
		{ "{\"name\": \"n\", \"description\": \"x\", \"triggers\": [{\"at\": \"daily\"}], "
		  "\"actions\": [{\"mode\": \"home\"}]}", -EINVAL, "unknown key \"description\"" },
		{ "[1]", -EINVAL, "an automation is a JSON object" },
#undef T
#undef C
#undef A
	};
	char err[OPS_ERRLEN];

	for (size_t i = 0; i < NELEMS(cases); i++) {
		int r = check(h, cases[i].doc, NULL, false, err, NULL);

		if (r != cases[i].r || strstr(err, cases[i].says) == NULL)
			fail_msg("case %zu: r %d (want %d), \"%s\" (want \"%s\")", i, r, cases[i].r,
			    err, cases[i].says);
	}
}

static void
test_loops(void **state)
{
	struct home *h = *state;
	char err[OPS_ERRLEN];

	/* Directly: toggling what it watches. */
	assert_int_equal(check(h, "{\"name\": \"flicker\", \"triggers\": [{\"device\": "
	    "\"bathroom_light\"}], \"actions\": [{\"device\": \"bathroom_light\", \"action\": "
	    "\"toggle\"}]}", NULL, false, err, NULL), -ELOOP);
	assert_string_equal(err, "this automation would trigger itself forever: \"flicker\" -> "
	    "\"flicker\"");
	/* Not a loop: "off" cannot bring about "on"; setting a light that has
	 * just come on leaves it on; a time trigger is not fired by actions. */
	assert_int_equal(check(h, "{\"name\": \"auto off\", \"triggers\": [{\"device\": "
	    "\"bathroom_light\", \"to\": \"on\", \"for_s\": 600}], \"actions\": [{\"device\": "
	    "\"bathroom_light\", \"action\": \"off\"}]}", NULL, false, err, NULL), 0);
	assert_int_equal(check(h, "{\"name\": \"dim\", \"triggers\": [{\"device\": "
	    "\"bathroom_light\", \"to\": \"on\"}], \"actions\": [{\"device\": \"bathroom_light\", "
	    "\"action\": \"set\", \"properties\": {\"brightness\": 60}}]}", NULL, false, err, NULL),
	    0);
	assert_int_equal(check(h, "{\"name\": \"t\", \"triggers\": [{\"at\": \"hourly\"}], "
	    "\"actions\": [{\"device\": \"bathroom_light\", \"action\": \"toggle\"}]}", NULL, false,
	    err, NULL), 0);
	/* Through another automation: B turns the lamp on, which starts A,
	 * which switches B's light on and off again. */
	assert_int_equal(check(h, "{\"name\": \"B\", \"triggers\": [{\"device\": "
	    "\"bathroom_light\", \"to\": \"off\"}], \"actions\": [{\"device\": "
	    "\"living_room_light_lamp\", \"action\": \"on\"}]}",
	    "[{\"name\": \"A\", \"triggers\": [{\"device\": \"living_room_light_lamp\", \"to\": "
	    "\"on\"}], \"actions\": [{\"device\": \"bathroom_light\", \"action\": \"toggle\"}, "
	    "{\"delay_s\": 5}, {\"device\": \"living_room_light_lamp\", \"action\": \"off\"}]},"
	    " {\"name\": \"unrelated\", \"triggers\": [{\"at\": \"daily\"}], \"actions\": "
	    "[{\"mode\": \"home\"}]}]", false, err, NULL), -ELOOP);
	assert_string_equal(err, "this automation would trigger itself forever: \"B\" -> \"A\" -> "
	    "\"B\"");
	/* Replacing A with a version that does not toggle breaks the loop. */
	assert_int_equal(check(h, "{\"name\": \"A\", \"triggers\": [{\"device\": "
	    "\"living_room_light_lamp\", \"to\": \"on\"}], \"actions\": [{\"device\": "
	    "\"bathroom_light\", \"action\": \"on\"}]}",
	    "[{\"name\": \"A\", \"triggers\": [{\"at\": \"daily\"}], \"actions\": [{\"mode\": "
	    "\"home\"}]}, {\"name\": \"B\", \"triggers\": [{\"device\": \"bathroom_light\", "
	    "\"to\": \"off\"}], \"actions\": [{\"device\": \"living_room_light_lamp\", \"action\": "
	    "\"on\"}]}]", false, err, NULL), 0);
	/* Through a mode's scene: "away" turns the main light off. */
	assert_int_equal(check(h, "{\"name\": \"lights back\", \"triggers\": [{\"mode\": "
	    "\"away\"}], \"actions\": [{\"device\": \"living_room_light_main\", \"action\": "
	    "\"on\"}]}",
	    "[{\"name\": \"leave when lit\", \"triggers\": [{\"device\": "
	    "\"living_room_light_main\", \"to\": \"on\"}], \"actions\": [{\"mode\": \"away\"}]}]",
	    false, err, NULL), -ELOOP);
	assert_non_null(strstr(err, "\"lights back\" -> \"leave when lit\" -> \"lights back\""));
	/* Bulk actions count for every device they reach; toggling a fan never
	 * takes it past speed 1, so a trigger above 1 is safe. */
	assert_int_equal(check(h, "{\"name\": \"fans\", \"triggers\": [{\"device\": "
	    "\"bathroom_fan\", \"property\": \"speed\", \"above\": 1}], \"actions\": [{\"type\": "
	    "\"fan\", \"action\": \"toggle\"}]}", NULL, false, err, NULL), 0);
	assert_int_equal(check(h, "{\"name\": \"fans\", \"triggers\": [{\"device\": "
	    "\"bathroom_fan\", \"property\": \"speed\", \"above\": 0}], \"actions\": [{\"type\": "
	    "\"fan\", \"action\": \"toggle\"}]}", NULL, false, err, NULL), -ELOOP);
}

static struct json_object *
dev(const char *json)
{
	struct json_object *d = json_tokener_parse(json);

	assert_non_null(d);
	return d;
}

static bool
fires(const char *trigger, const char *before, const char *after)
{
	struct json_object *t = dev(trigger), *b = before ? dev(before) : NULL, *a = dev(after);
	bool r = automation_trigger_fires(t, b, a);

	json_object_put(t);
	json_object_put(b);
	json_object_put(a);
	return r;
}

static void
test_trigger_fires(void **state)
{
	const char *off = "{\"id\": \"l\", \"state\": \"off\", \"properties\": {\"brightness\": 0}}";
	const char *on = "{\"id\": \"l\", \"state\": \"on\", \"properties\": {\"brightness\": 60}}";
	const char *dim = "{\"id\": \"l\", \"state\": \"on\", \"properties\": {\"brightness\": 20.0}}";

	assert_true(fires("{\"device\": \"l\", \"to\": \"on\"}", off, on));
	assert_false(fires("{\"device\": \"l\", \"to\": \"on\"}", on, off));
	assert_false(fires("{\"device\": \"l\", \"to\": \"on\"}", on, dim));	/* no change */
	assert_true(fires("{\"device\": \"l\"}", on, off));
	assert_true(fires("{\"device\": \"l\", \"from\": \"on\"}", on, off));
	assert_false(fires("{\"device\": \"l\", \"from\": \"off\", \"to\": \"off\"}", on, off));
	assert_false(fires("{\"device\": \"l\", \"from\": \"on\"}", NULL, off));
	assert_true(fires("{\"device\": \"l\", \"to\": \"off\"}", NULL, off));
	assert_true(fires("{\"device\": \"l\", \"property\": \"brightness\", \"to\": 20}", on, dim));
	assert_true(fires("{\"device\": \"l\", \"property\": \"brightness\"}", on, dim));
	assert_false(fires("{\"device\": \"l\", \"property\": \"brightness\"}", dim, dim));
	/* Numeric: on entering the range only. */
	assert_true(fires("{\"device\": \"l\", \"property\": \"brightness\", \"below\": 30}", on,
	    dim));
	assert_false(fires("{\"device\": \"l\", \"property\": \"brightness\", \"below\": 30}", off,
	    dim));
	assert_false(fires("{\"device\": \"l\", \"property\": \"brightness\", \"above\": 30}", dim,
	    dim));
	assert_true(fires("{\"device\": \"l\", \"property\": \"brightness\", \"above\": 10, "
	    "\"below\": 30}", NULL, dim));
	assert_false(fires("{\"device\": \"l\", \"property\": \"brightness\", \"above\": 20}", on,
	    dim));
	/* Time triggers are not device triggers. */
	assert_false(fires("{\"at\": \"daily\"}", off, on));
	{
		struct json_object *t = dev("{\"device\": \"l\", \"to\": \"on\", \"for_s\": 5}");
		struct json_object *a = dev(on), *b = dev(off);

		assert_true(automation_trigger_holds(t, a));
		assert_false(automation_trigger_holds(t, b));
		assert_false(automation_trigger_holds(t, NULL));
		json_object_put(t);
		json_object_put(a);
		json_object_put(b);
	}
}

/* The conditions of doc at local time "YYYY-MM-DD HH:MM:SS" (TZ set by the
 * caller). */
static bool
holds_at(struct home *h, const char *conditions, const char *when, struct json_object **rep)
{
	char json[1024], err[OPS_ERRLEN];
	struct json_object *doc, *out = NULL;
	struct tm tm = { 0 };
	bool holds;

	snprintf(json, sizeof(json), "{\"name\": \"c\", \"triggers\": [{\"at\": \"daily\"}], "
	    "\"conditions\": %s, \"actions\": [{\"mode\": \"home\"}]}", conditions);
	assert_int_equal(check(h, json, NULL, false, err, &out), 0);
	doc = out;
	assert_non_null(strptime(when, "%Y-%m-%d %H:%M:%S", &tm));
	tm.tm_isdst = -1;
	assert_int_equal(automation_conditions(&h->ops, doc, (int64_t)mktime(&tm), &holds, rep,
	    err), 0);
	json_object_put(doc);
	return holds;
}

static void
test_conditions(void **state)
{
	struct home *h = *state;
	struct json_object *rep = NULL;
	const char *night = "[{\"time\": {\"after\": \"22:00\", \"before\": \"06:00\"}}]";
	const char *evening = "[{\"time\": {\"after\": \"17:00\", \"before\": \"23:30\"}}]";

	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	/* Across midnight, in the host's zone. */
	assert_true(holds_at(h, night, "2026-12-01 23:00:00", NULL));
	assert_true(holds_at(h, night, "2026-12-02 05:59:59", NULL));
	assert_false(holds_at(h, night, "2026-12-02 06:00:00", NULL));
	assert_false(holds_at(h, night, "2026-12-02 12:00:00", NULL));
	assert_true(holds_at(h, night, "2026-12-02 22:00:00", NULL));
	assert_true(holds_at(h, evening, "2026-07-01 17:00:00", NULL));
	assert_false(holds_at(h, evening, "2026-07-01 23:30:00", NULL));
	assert_false(holds_at(h, "[{\"time\": {\"before\": \"08:00\"}}]", "2026-07-01 08:00:00",
	    NULL));
	assert_true(holds_at(h, "[{\"time\": {\"after\": \"08:00\"}}]", "2026-07-01 08:00:00",
	    NULL));
	/* 2026-12-05 is a Saturday. */
	assert_true(holds_at(h, "[{\"weekday\": \"Sat,Sun\"}]", "2026-12-05 10:00:00", NULL));
	assert_false(holds_at(h, "[{\"weekday\": \"Mon..Fri\"}]", "2026-12-05 10:00:00", NULL));
	assert_true(holds_at(h, "[{\"weekday\": [\"Fri\", \"Sat\"]}]", "2026-12-05 10:00:00",
	    NULL));
	/* The demo home: mode home, garage closed, thermostat 72 on auto. */
	assert_true(holds_at(h, "[{\"mode\": \"home\"}]", "2026-12-05 10:00:00", NULL));
	assert_false(holds_at(h, "[{\"mode\": \"away\"}]", "2026-12-05 10:00:00", NULL));
	assert_true(holds_at(h, "[{\"device\": \"garage_door\", \"is\": \"closed\"}]",
	    "2026-12-05 10:00:00", NULL));
	assert_true(holds_at(h, "[{\"device\": \"thermostat_main\", \"property\": \"mode\", "
	    "\"is\": \"auto\"}]", "2026-12-05 10:00:00", NULL));
	assert_true(holds_at(h, "[{\"device\": \"thermostat_main\", \"property\": \"target_temp\", "
	    "\"above\": 70, \"below\": 73}]", "2026-12-05 10:00:00", NULL));
	assert_false(holds_at(h, "[{\"device\": \"thermostat_main\", \"property\": "
	    "\"target_temp\", \"above\": 72}]", "2026-12-05 10:00:00", NULL));
	assert_true(holds_at(h, "[{\"any\": [{\"mode\": \"away\"}, {\"device\": \"garage_door\", "
	    "\"is\": \"closed\"}]}]", "2026-12-05 10:00:00", NULL));
	assert_false(holds_at(h, "[{\"all\": [{\"mode\": \"away\"}, {\"device\": \"garage_door\", "
	    "\"is\": \"closed\"}]}]", "2026-12-05 10:00:00", NULL));
	assert_true(holds_at(h, "[{\"not\": {\"mode\": \"away\"}}]", "2026-12-05 10:00:00", NULL));
	/* The report says which hold and why. */
	assert_false(holds_at(h, "[{\"mode\": \"home\"}, {\"mode\": \"sleep\"}, "
	    "{\"weekday\": \"Sat\"}]", "2026-12-05 10:00:00", &rep));
	assert_int_equal(json_object_array_length(rep), 3);
	assert_string_equal(json_object_to_json_string_ext(rep, JSON_C_TO_STRING_PLAIN),
	    "[{\"condition\":{\"mode\":\"home\"},\"holds\":true,\"detail\":\"the mode is home\"},"
	    "{\"condition\":{\"mode\":\"sleep\"},\"holds\":false,\"detail\":\"the mode is home\"},"
	    "{\"condition\":{\"weekday\":\"Sat\"},\"holds\":true,\"detail\":\"it is Saturday\"}]");
	json_object_put(rep);
	setenv("TZ", "UTC", 1);
	tzset();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		HOME_TEST(test_example_accepted),
		HOME_TEST(test_mistakes_refused),
		HOME_TEST(test_loops),
		cmocka_unit_test(test_trigger_fires),
		HOME_TEST(test_conditions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
