/* SPDX-License-Identifier: MIT */
/* ops_test.c -- every domain operation, and every kind of bad input, which
 * must leave the database and the feed exactly as they were. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "model.h"
#include "testutil.h"

static void
assert_field(struct home *h, const char *id, const char *field, const char *want)
{
	char *got = device_field(h, id, field);

	if (strcmp(got, want) != 0)
		fail_msg("%s.%s is '%s', want '%s'", id, field, got, want);
	free(got);
}

/* Runs a control request that must succeed. */
static struct json_object *
control(struct home *h, const char *id, const char *action, const char *props_json,
    bool confirm)
{
	struct json_object *props = props_json ? json_tokener_parse(props_json) : NULL, *out;
	struct ops_control req = { .device_id = id, .action = action, .props = props,
		.confirm = confirm };
	char err[OPS_ERRLEN];

	if (ops_control(&h->ops, &req, &out, err) != 0)
		fail_msg("%s %s: %s", id, action, err);
	json_object_put(props);
	return out;
}

static void
test_control_light(void **state)
{
	struct home *h = *state;
	struct json_object *out;
	char *src;

	out = control(h, "living_room_light_lamp", "set", "{\"brightness\": 55}", false);
	assert_int_equal(json_object_get_int(json_object_object_get(out, "changed")), 1);
	json_object_put(out);
	assert_field(h, "living_room_light_lamp", "state", "on");
	assert_field(h, "living_room_light_lamp", "properties.brightness", "55");
	/* The feed row is ours, with the full new state. */
	src = device_field(h, "living_room_light_lamp", "(SELECT source || ' ' || state || ' ' || "
	    "json_extract(properties, '$.brightness') FROM changes ORDER BY seq DESC LIMIT 1)");
	assert_string_equal(src, "api on 55");
	free(src);
	/* Brightness 0 switches it off; "on" then restores full light. */
	json_object_put(control(h, "living_room_light_lamp", "set", "{\"brightness\": 0}", false));
	assert_field(h, "living_room_light_lamp", "state", "off");
	json_object_put(control(h, "living_room_light_lamp", "on", NULL, false));
	assert_field(h, "living_room_light_lamp", "properties.brightness", "100");
	json_object_put(control(h, "living_room_light_lamp", "toggle", NULL, false));
	assert_field(h, "living_room_light_lamp", "state", "off");
}

static void
test_no_op_writes_no_feed_row(void **state)
{
	struct home *h = *state;
	int64_t before = feed_count(h);
	struct json_object *out;

	out = control(h, "front_door_lock", "lock", NULL, false);	/* already locked */
	assert_int_equal(json_object_get_int(json_object_object_get(out, "changed")), 0);
	json_object_put(out);
	assert_int_equal(feed_count(h), before);
}

static void
test_covers_store_closed(void **state)
{
	struct home *h = *state;

	/* The seed stored "close"; the model says "closed". */
	json_object_put(control(h, "living_room_blinds", "close", NULL, false));
	assert_field(h, "living_room_blinds", "state", "closed");
	assert_field(h, "living_room_blinds", "properties.position", "0");
	json_object_put(control(h, "living_room_blinds", "set", "{\"position\": 40}", false));
	assert_field(h, "living_room_blinds", "state", "partial");
	json_object_put(control(h, "garage_door", "open", NULL, true));
	assert_field(h, "garage_door", "state", "open");
	json_object_put(control(h, "garage_door", "close", NULL, false));
	assert_field(h, "garage_door", "state", "closed");
}

static void
test_thermostat_fan_special(void **state)
{
	struct home *h = *state;
	struct json_object *out;
	char err[OPS_ERRLEN];

	json_object_put(control(h, "thermostat_main", "set",
	    "{\"target_temp\": 70.5, \"mode\": \"heat\"}", false));
	assert_field(h, "thermostat_main", "state", "heat");
	assert_field(h, "thermostat_main", "properties.target_temp", "70.5");
	json_object_put(control(h, "thermostat_main", "off", NULL, false));
	assert_field(h, "thermostat_main", "state", "off");
	json_object_put(control(h, "living_room_fan", "set", "{\"speed\": 3}", false));
	assert_field(h, "living_room_fan", "state", "on");
	json_object_put(control(h, "living_room_fan", "set", "{\"speed\": 0}", false));
	assert_field(h, "living_room_fan", "state", "off");

	/* The fish feeder reports feeding, then idle, in one transaction. */
	assert_int_equal(ops_feed_fish(&h->ops, false, &out, err), 0);
	json_object_put(out);
	assert_field(h, "kitchen_fish_feeder", "state", "idle");
	{
		char *last = device_field(h, "kitchen_fish_feeder", "(SELECT group_concat(state)"
		    " FROM (SELECT state FROM changes ORDER BY seq DESC LIMIT 2))");

		assert_string_equal(last, "idle,feeding");
		free(last);
	}
	assert_int_equal(ops_water_plants(&h->ops, "back_yard", 30, false, &out, err), 0);
	json_object_put(out);
	assert_field(h, "outdoor_sprinkler_back_yard", "state", "on");
	assert_field(h, "outdoor_sprinkler_back_yard", "properties.duration", "30");
	assert_field(h, "outdoor_sprinkler_front_yard", "state", "off");
	assert_int_equal(ops_ev_charging(&h->ops, true, false, &out, err), 0);
	json_object_put(out);
	assert_field(h, "outdoor_ev_charger", "state", "charging");
	assert_field(h, "outdoor_ev_charger", "properties.charging", "1");
	assert_int_equal(ops_ev_charging(&h->ops, false, false, &out, err), 0);
	json_object_put(out);
	assert_field(h, "outdoor_ev_charger", "state", "idle");
}

static void
test_bulk(void **state)
{
	struct home *h = *state;
	struct ops_control req = { .room = "kitchen", .action = "on" };
	struct json_object *out;
	char err[OPS_ERRLEN];

	/* Every kitchen device that can turn on; the rest are skipped. */
	assert_int_equal(ops_control(&h->ops, &req, &out, err), 0);
	assert_int_equal(json_object_array_length(json_object_object_get(out, "devices")), 2);
	assert_int_equal(json_object_array_length(json_object_object_get(out, "skipped")), 2);
	json_object_put(out);
	assert_field(h, "kitchen_light_counter", "state", "on");
	/* By type, house-wide. */
	req = (struct ops_control){ .type = "light", .action = "off" };
	assert_int_equal(ops_control(&h->ops, &req, &out, err), 0);
	assert_int_equal(json_object_array_length(json_object_object_get(out, "devices")), 7);
	json_object_put(out);
	assert_field(h, "kitchen_light_main", "state", "off");
}

static void
test_modes(void **state)
{
	struct home *h = *state;
	struct json_object *out;
	char err[OPS_ERRLEN], *mode;

	/* The seed let the old brightness (80) overwrite the mode's 20. */
	assert_int_equal(ops_mode_set(&h->ops, "sleep", false, &out, err), 0);
	assert_string_equal(json_object_get_string(json_object_object_get(out, "previous")),
	    "home");
	json_object_put(out);
	assert_field(h, "bedroom_light_main", "state", "on");
	assert_field(h, "bedroom_light_main", "properties.brightness", "20");
	assert_field(h, "kitchen_light_main", "state", "off");
	assert_field(h, "thermostat_main", "properties.target_temp", "68");
	assert_int_equal(db_mode_get(h->db, &mode), 0);
	assert_string_equal(mode, "sleep");
	free(mode);
	assert_int_equal(ops_mode_set(&h->ops, "home", false, &out, err), 0);
	json_object_put(out);
	assert_field(h, "living_room_light_main", "properties.brightness", "75");
	assert_field(h, "living_room_light_main", "state", "on");
	assert_int_equal(ops_mode_set(&h->ops, "vacation", false, &out, err), 0);
	json_object_put(out);
	assert_field(h, "garage_door", "state", "closed");
	assert_field(h, "front_door_lock", "state", "locked");
	/* Only the named devices: the bathroom fan is in no scene. */
	assert_field(h, "bathroom_fan", "state", "off");
	assert_int_equal(ops_mode_get(&h->ops, &out, err), 0);
	assert_string_equal(json_object_get_string(json_object_object_get(out, "mode")),
	    "vacation");
	json_object_put(out);
}

/* One bad request: what it must return, and the words its message must
 * contain. */
struct bad {
	const char *what;
	const char *id, *room, *type, *action, *props;
	bool confirm;
	int want;
	const char *says;
};

static const struct bad bad_requests[] = {
	{ "unknown device", "kitchen_lite", NULL, NULL, "on", NULL, false, -ENOENT,
	    "did you mean kitchen_light" },
	{ "action not for type", "living_room_light_main", NULL, NULL, "open", NULL, false,
	    -EINVAL, "cannot 'open'" },
	{ "unknown action", "living_room_light_main", NULL, NULL, "explode", NULL, false,
	    -EINVAL, "unknown action" },
	{ "out of range", "living_room_light_main", NULL, NULL, "set", "{\"brightness\":101}",
	    false, -ERANGE, "out of range" },
	{ "negative", "living_room_fan", NULL, NULL, "set", "{\"speed\":-1}", false, -ERANGE,
	    "from 0 to 3" },
	{ "wrong type", "living_room_light_main", NULL, NULL, "set", "{\"brightness\":\"high\"}",
	    false, -EINVAL, "integer" },
	{ "float for integer", "living_room_light_main", NULL, NULL, "set",
	    "{\"brightness\":50.5}", false, -EINVAL, "integer" },
	{ "property of another type", "living_room_light_main", NULL, NULL, "set",
	    "{\"position\":50}", false, -EINVAL, "no property 'position'" },
	{ "read-only property", "thermostat_main", NULL, NULL, "set", "{\"current_temp\":80}",
	    false, -EINVAL, "read-only" },
	{ "bad enum", "thermostat_main", NULL, NULL, "set", "{\"mode\":\"turbo\"}", false,
	    -EINVAL, "one of" },
	{ "set without values", "living_room_light_main", NULL, NULL, "set", NULL, false,
	    -EINVAL, "needs a value" },
	{ "values on off", "living_room_light_main", NULL, NULL, "off", "{\"brightness\":5}",
	    false, -EINVAL, "takes no values" },
	{ "sensor", "kitchen_motion_sensor", NULL, NULL, "on", NULL, false, -EINVAL,
	    "only read" },
	{ "unlock unconfirmed", "front_door_lock", NULL, NULL, "unlock", NULL, false, -EPERM,
	    "confirm" },
	{ "garage unconfirmed", "garage_door", NULL, NULL, "open", NULL, false, -EPERM,
	    "confirm" },
	{ "garage set unconfirmed", "garage_door", NULL, NULL, "set", "{\"position\":30}", false,
	    -EPERM, "confirm" },
	{ "bulk unlock unconfirmed", NULL, NULL, "lock", "unlock", NULL, false, -EPERM,
	    "confirm" },
	{ "bulk unknown room", NULL, "attic", NULL, "off", NULL, false, -ENOENT,
	    "unknown room" },
	{ "bulk unknown type", NULL, NULL, "toaster", "off", NULL, false, -EINVAL,
	    "unknown device type" },
	{ "bulk no match", NULL, "bathroom", NULL, "lock", NULL, false, -ENOENT, "supports" },
	{ "bulk out of range", NULL, "kitchen", NULL, "set", "{\"brightness\":500}", false,
	    -ERANGE, "out of range" },
	{ "no target", NULL, NULL, NULL, "off", NULL, false, -EINVAL, "device_id" },
	{ "no action", "living_room_light_main", NULL, NULL, NULL, NULL, false, -EINVAL,
	    "action" },
};

static void
test_bad_requests_change_nothing(void **state)
{
	struct home *h = *state;
	size_t i;

	for (i = 0; i < sizeof(bad_requests) / sizeof(bad_requests[0]); i++) {
		const struct bad *b = &bad_requests[i];
		struct json_object *props = b->props ? json_tokener_parse(b->props) : NULL;
		struct json_object *out = (struct json_object *)1;
		struct ops_control req = { .device_id = b->id, .room = b->room, .type = b->type,
			.action = b->action, .props = props, .confirm = b->confirm };
		char err[OPS_ERRLEN] = "", *before = home_digest(h), *after;
		int r = ops_control(&h->ops, &req, &out, err);

		json_object_put(props);
		if (r != b->want || strstr(err, b->says) == NULL)
			fail_msg("%s: got %d '%s', want %d '...%s...'", b->what, r, err, b->want,
			    b->says);
		assert_null(out);
		after = home_digest(h);
		if (strcmp(before, after) != 0)
			fail_msg("%s changed the database", b->what);
		free(before);
		free(after);
	}
}

static void
test_other_bad_input(void **state)
{
	struct home *h = *state;
	char err[OPS_ERRLEN], *before = home_digest(h), *after;
	struct json_object *out = NULL;

	assert_int_equal(ops_mode_set(&h->ops, "party", false, &out, err), -ENOENT);
	assert_non_null(strstr(err, "home, away, sleep, vacation"));
	assert_int_equal(ops_sensor_reading(&h->ops, "air_quality", NULL, &out, err), -EINVAL);
	assert_int_equal(ops_sensor_reading(&h->ops, "temperature", "attic", &out, err), -ENOENT);
	assert_int_equal(ops_water_plants(&h->ops, NULL, 0, false, &out, err), -ERANGE);
	assert_int_equal(ops_water_plants(&h->ops, "moon", 10, false, &out, err), -EINVAL);
	assert_int_equal(ops_device_get(&h->ops, "nope", &out, err), -ENOENT);
	assert_int_equal(ops_devices(&h->ops, NULL, "toaster", NULL, &out, err), -EINVAL);
	assert_int_equal(ops_devices(&h->ops, NULL, NULL, "sideways", &out, err), -EINVAL);
	assert_int_equal(ops_history(&h->ops, -1, 10, NULL, &out, err), -EINVAL);
	/* Sentences for every front end: no MCP tool or CLI command named. */
	assert_int_equal(ops_device_get(&h->ops, "zzz", &out, err), -ENOENT);
	assert_non_null(strstr(err, "unknown device 'zzz'"));
	assert_null(strstr(err, "list_"));
	assert_int_equal(ops_devices(&h->ops, "attic", NULL, NULL, &out, err), -ENOENT);
	assert_non_null(strstr(err, "kitchen"));
	assert_null(strstr(err, "list_"));
	assert_null(out);
	after = home_digest(h);
	assert_string_equal(before, after);
	free(before);
	free(after);
}

static void
test_broken_scene_is_all_or_nothing(void **state)
{
	struct home *h = *state;
	struct json_object *out = NULL, *empty = json_object_new_object();
	char err[OPS_ERRLEN], *before, *after;

	/* A scene whose second step is impossible: nothing of it may stick. */
	assert_int_equal(db_mode_add(h->db, "party", "broken on purpose", 9), 0);
	assert_int_equal(db_scene_add(h->db, "party", "kitchen_light_counter", "on", NULL), 0);
	assert_int_equal(db_scene_add(h->db, "party", "living_room_fan", "set", empty), 0);
	json_object_put(empty);
	before = home_digest(h);
	assert_int_equal(ops_mode_set(&h->ops, "party", false, &out, err), -EINVAL);
	assert_non_null(strstr(err, "step 2"));
	after = home_digest(h);
	assert_string_equal(before, after);
	free(before);
	free(after);
}

static void
test_reads(void **state)
{
	struct home *h = *state;
	struct json_object *out;
	char err[OPS_ERRLEN];

	assert_int_equal(ops_stats(&h->ops, &out, err), 0);
	assert_int_equal(json_object_get_int(json_object_object_get(json_object_object_get(out,
	    "lights"), "total")), 7);
	assert_int_equal(json_object_get_int(json_object_object_get(out, "total_devices")), 24);
	assert_string_equal(json_object_get_string(json_object_object_get(out, "active_mode")),
	    "home");
	json_object_put(out);
	assert_int_equal(ops_rooms(&h->ops, &out, err), 0);
	assert_int_equal(json_object_array_length(out), 5);
	json_object_put(out);
	assert_int_equal(ops_devices(&h->ops, "living_room", NULL, NULL, &out, err), 0);
	assert_int_equal(json_object_array_length(out), 6);
	json_object_put(out);
	assert_int_equal(ops_sensor_reading(&h->ops, "temperature", NULL, &out, err), 0);
	assert_int_equal(json_object_array_length(json_object_object_get(out, "readings")), 2);
	json_object_put(out);
	assert_int_equal(ops_snapshot(&h->ops, &out, err), 0);
	assert_int_equal(json_object_array_length(json_object_object_get(out, "devices")), 24);
	/* The demo home's 24 devices, 5 rooms, 4 modes and their scene steps
	 * each wrote a feed row. */
	assert_int_equal(json_object_get_int64(json_object_object_get(out, "seq")), 68);
	json_object_put(out);
	/* The state filter: with one of the living room's lights on. */
	json_object_put(control(h, "living_room_light_lamp", "on", NULL, false));
	json_object_put(control(h, "living_room_light_main", "off", NULL, false));
	assert_int_equal(ops_devices(&h->ops, "living_room", "light", "on", &out, err), 0);
	assert_int_equal(json_object_array_length(out), 1);
	assert_string_equal(json_object_get_string(json_object_object_get(
	    json_object_array_get_idx(out, 0), "id")), "living_room_light_lamp");
	json_object_put(out);
}

static void
test_sprinklers_stop_on_time(void **state)
{
	struct home *h = *state;
	struct json_object *out;
	char err[OPS_ERRLEN];
	int64_t next;
	int ended;

	/* Nothing runs: nothing to end, no timer needed. */
	assert_int_equal(ops_expire(&h->ops, -1, &next, &ended, err), 0);
	assert_int_equal(next, -1);
	assert_int_equal(ended, 0);
	assert_int_equal(ops_water_plants(&h->ops, NULL, 10, false, &out, err), 0);
	json_object_put(out);
	/* Both run for 10 minutes from now. */
	assert_int_equal(ops_expire(&h->ops, -1, &next, &ended, err), 0);
	assert_int_equal(ended, 0);
	assert_true(next > 9 * 60000 && next <= 10 * 60000);
	/* One started 11 minutes ago (as if the daemon had been down). */
	assert_int_equal(foreign_sql(h->path, "UPDATE devices SET properties = json_set("
	    "properties, '$.started_at', strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-11 minutes'))"
	    " WHERE id = 'outdoor_sprinkler_back_yard'"), 0);
	assert_int_equal(ops_expire(&h->ops, -1, &next, &ended, err), 0);
	assert_int_equal(ended, 1);
	assert_field(h, "outdoor_sprinkler_back_yard", "state", "off");
	assert_field(h, "outdoor_sprinkler_front_yard", "state", "on");
	assert_true(next > 0 && next <= 10 * 60000);
	{
		char *src = device_field(h, "outdoor_sprinkler_back_yard", "(SELECT source FROM "
		    "changes ORDER BY seq DESC LIMIT 1)");

		assert_string_equal(src, "api");
		free(src);
	}
}

/* confirm = all: every write entry point refuses without the caller's yes
 * and changes nothing; with it, each goes ahead; reads never ask, and the
 * end of a timed run asks no one. */
static void
test_confirm_all(void **state)
{
	struct home *h = *state;
	struct ops_control req = { .device_id = "kitchen_light_main", .action = "toggle" };
	struct json_object *out = NULL;
	char err[OPS_ERRLEN], *before, *after;
	int64_t next;
	int ended;

	h->ops.confirm = OPS_CONFIRM_ALL;
	before = home_digest(h);
	assert_int_equal(ops_control(&h->ops, &req, &out, err), -EPERM);
	assert_non_null(strstr(err, "confirm"));
	assert_int_equal(ops_mode_set(&h->ops, "away", false, &out, err), -EPERM);
	assert_int_equal(ops_feed_fish(&h->ops, false, &out, err), -EPERM);
	assert_int_equal(ops_water_plants(&h->ops, NULL, 5, false, &out, err), -EPERM);
	assert_int_equal(ops_ev_charging(&h->ops, true, false, &out, err), -EPERM);
	assert_null(out);
	after = home_digest(h);
	assert_string_equal(before, after);
	free(before);
	free(after);
	/* A mistake is still a mistake first: nobody is asked to confirm it. */
	assert_int_equal(ops_mode_set(&h->ops, "party", false, &out, err), -ENOENT);
	assert_int_equal(ops_stats(&h->ops, &out, err), 0);
	json_object_put(out);

	req.confirm = true;
	assert_int_equal(ops_control(&h->ops, &req, &out, err), 0);
	json_object_put(out);
	assert_int_equal(ops_mode_set(&h->ops, "away", true, &out, err), 0);
	json_object_put(out);
	assert_int_equal(ops_feed_fish(&h->ops, true, &out, err), 0);
	json_object_put(out);
	assert_int_equal(ops_ev_charging(&h->ops, true, true, &out, err), 0);
	json_object_put(out);
	assert_int_equal(ops_water_plants(&h->ops, "back_yard", 5, true, &out, err), 0);
	json_object_put(out);
	assert_int_equal(foreign_sql(h->path, "UPDATE devices SET properties = json_set("
	    "properties, '$.started_at', strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-6 minutes'))"
	    " WHERE id = 'outdoor_sprinkler_back_yard'"), 0);
	assert_int_equal(ops_expire(&h->ops, -1, &next, &ended, err), 0);
	assert_int_equal(ended, 1);
	assert_field(h, "outdoor_sprinkler_back_yard", "state", "off");
}

/* confirm = opening: a scene step that opens the home asks like any
 * request (ops never answers yes for its caller); none: nothing asks. */
static void
test_confirm_scene_that_opens(void **state)
{
	struct home *h = *state;
	struct json_object *out = NULL;
	char err[OPS_ERRLEN], *before, *after;

	json_object_put(control(h, "front_door_lock", "lock", NULL, false));
	assert_int_equal(db_mode_add(h->db, "open_house", "unlocks the front door", 9), 0);
	assert_int_equal(db_scene_add(h->db, "open_house", "front_door_lock", "unlock", NULL), 0);
	before = home_digest(h);
	assert_int_equal(ops_mode_set(&h->ops, "open_house", false, &out, err), -EPERM);
	assert_non_null(strstr(err, "opens the home"));
	after = home_digest(h);
	assert_string_equal(before, after);
	free(before);
	free(after);
	assert_int_equal(ops_mode_set(&h->ops, "open_house", true, &out, err), 0);
	json_object_put(out);
	assert_field(h, "front_door_lock", "state", "unlocked");

	h->ops.confirm = OPS_CONFIRM_NONE;
	json_object_put(control(h, "front_door_lock", "lock", NULL, false));
	json_object_put(control(h, "front_door_lock", "unlock", NULL, false));
	assert_field(h, "front_door_lock", "state", "unlocked");
}

/* The newest changes of one device, however many of the house's followed:
 * one query, not a filter over the house's newest. */
static void
test_history_latest_of_a_device(void **state)
{
	struct home *h = *state;
	struct json_object *out = NULL, *changes;
	char err[OPS_ERRLEN];
	int i;

	json_object_put(control(h, "living_room_light_lamp", "set", "{\"brightness\": 21}", false));
	json_object_put(control(h, "living_room_light_lamp", "set", "{\"brightness\": 22}", false));
	for (i = 0; i < 40; i++)
		json_object_put(control(h, "kitchen_light_counter", "toggle", NULL, false));
	assert_int_equal(ops_history_latest(&h->ops, 2, "living_room_light_lamp", &out, err), 0);
	changes = json_object_object_get(out, "changes");
	assert_int_equal(json_object_array_length(changes), 2);
	for (i = 0; i < 2; i++) {
		struct json_object *d = json_object_object_get(json_object_array_get_idx(changes,
		    (size_t)i), "device");

		assert_string_equal(json_object_get_string(json_object_object_get(d, "id")),
		    "living_room_light_lamp");
		assert_int_equal(json_object_get_int(json_object_object_get(json_object_object_get(d,
		    "properties"), "brightness")), 21 + i);
	}
	json_object_put(out);
	/* The house's newest, oldest first, end at the newest seq. */
	assert_int_equal(ops_history_latest(&h->ops, 3, NULL, &out, err), 0);
	changes = json_object_object_get(out, "changes");
	assert_int_equal(json_object_array_length(changes), 3);
	assert_int_equal(json_object_get_int64(json_object_object_get(json_object_array_get_idx(
	    changes, 2), "seq")), json_object_get_int64(json_object_object_get(out, "newest")));
	json_object_put(out);
	assert_int_equal(ops_history_latest(&h->ops, 0, NULL, &out, err), -EINVAL);
}

/* One errno, one HTTP status, for every front end that speaks HTTP. */
static void
test_status(void **state)
{
	const char *code;

	(void)state;
	assert_int_equal(ops_status(-ENOENT, &code), 404);
	assert_string_equal(code, "not_found");
	assert_int_equal(ops_status(-EINVAL, &code), 422);
	assert_string_equal(code, "invalid_value");
	assert_int_equal(ops_status(-ERANGE, &code), 422);
	assert_int_equal(ops_status(-EPERM, &code), 403);
	assert_string_equal(code, "confirmation_required");
	assert_int_equal(ops_status(-EBUSY, &code), 503);
	assert_int_equal(ops_status(-EIO, &code), 500);
	assert_string_equal(code, "internal");
}

static void
test_pruning(void **state)
{
	struct home *h = *state;
	int i;

	h->ops.feed_max_rows = 10;
	for (i = 0; i < 200; i++)
		json_object_put(control(h, "living_room_light_lamp", "toggle", NULL, false));
	/* Pruned every 64 writes down to 10, so never more than 10 + 64. */
	assert_true(feed_count(h) <= 10 + 64);
	assert_true(feed_count(h) >= 10);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		HOME_TEST(test_control_light),
		HOME_TEST(test_no_op_writes_no_feed_row),
		HOME_TEST(test_covers_store_closed),
		HOME_TEST(test_thermostat_fan_special),
		HOME_TEST(test_bulk),
		HOME_TEST(test_modes),
		HOME_TEST(test_bad_requests_change_nothing),
		HOME_TEST(test_other_bad_input),
		HOME_TEST(test_broken_scene_is_all_or_nothing),
		HOME_TEST(test_reads),
		HOME_TEST(test_sprinklers_stop_on_time),
		HOME_TEST(test_confirm_all),
		HOME_TEST(test_confirm_scene_that_opens),
		cmocka_unit_test(test_status),
		HOME_TEST(test_history_latest_of_a_device),
		HOME_TEST(test_pruning),
	};

	log_init("ops_test", LOG_CRIT);
	return cmocka_run_group_tests_name("ops", tests, NULL, NULL);
}
