/* SPDX-License-Identifier: MIT */
/* ops_device_test.c -- real devices through ops: bindings, commands that
 * stay pending until the device reports, confirmation, timeouts, offline
 * devices, renames, and the feed rows every client and homectl-mqtt read. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "ops.h"
#include "testutil.h"

static const char *
jstr(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) && v ? json_object_get_string(v) : NULL;
}

/* Binds a Zigbee light the way homectl-mqtt does from bridge/devices. */
static char *
bind_lamp(struct home *h, const char *address, const char *ieee)
{
	char err[OPS_ERRLEN], *id = NULL, json[512];
	struct json_object *e;

	snprintf(json, sizeof(json), "{\"driver\":\"z2m\",\"address\":\"%s\",\"id\":\"hall_lamp\","
	    "\"name\":\"Hall Lamp\",\"type\":\"light\",\"ieee\":\"%s\",\"caps\":{\"state\":\"state\","
	    "\"brightness\":\"brightness\"}}", address, ieee);
	e = json_tokener_parse(json);
	if (ops_bind(&h->ops, e, &id, err) != 0)
		fail_msg("bind: %s", err);
	json_object_put(e);
	return id;
}

static struct json_object *
device(struct home *h, const char *id)
{
	struct json_object *d = NULL;
	char err[OPS_ERRLEN];

	assert_int_equal(ops_device_get(&h->ops, id, &d, err), 0);
	return d;
}

static int
control(struct home *h, const char *id, const char *action, const char *props,
    struct json_object **out, char *err)
{
	struct json_object *p = props ? json_tokener_parse(props) : NULL;
	struct ops_control req = { .device_id = id, .action = action, .props = p };
	int r = ops_control(&h->ops, &req, out, err);

	json_object_put(p);
	return r;
}

static int
report(struct home *h, const char *id, const char *json, char *err)
{
	struct json_object *rep = json_tokener_parse(json), *out = NULL;
	struct ops_ctx dev = h->ops;
	int r;

	dev.source = OPS_SRC_DEVICE;
	r = ops_report(&dev, id, rep, &out, err);
	json_object_put(rep);
	json_object_put(out);
	return r;
}

static void
test_simulated_devices_confirm_at_once(void **state)
{
	struct home *h = *state;
	struct json_object *out = NULL, *fin = NULL, *d;
	char err[OPS_ERRLEN];

	assert_int_equal(control(h, "bathroom_light", "on", NULL, &out, err), 0);
	d = json_object_array_get_idx(json_object_object_get(out, "devices"), 0);
	assert_string_equal(jstr(d, "state"), "on");
	assert_string_equal(jstr(d, "driver"), "sim");
	assert_string_equal(jstr(d, "available"), "online");
	assert_null(json_object_object_get(d, "pending"));
	assert_int_equal(json_object_array_length(json_object_object_get(out, "commands")), 0);
	assert_int_equal(ops_outcome(&h->ops, out, false, &fin, err), 1);
	json_object_put(fin);
	json_object_put(out);
}

static void
test_bind_creates_then_finds(void **state)
{
	struct home *h = *state;
	char *id = bind_lamp(h, "Hall Lamp", "0x01"), *again, *v;
	struct json_object *d = device(h, id), *e, *bind;
	char err[OPS_ERRLEN], *other = NULL;

	assert_string_equal(id, "hall_lamp");
	assert_string_equal(jstr(d, "driver"), "z2m");
	assert_string_equal(jstr(d, "address"), "Hall Lamp");
	assert_string_equal(jstr(d, "available"), "unknown");
	assert_string_equal(jstr(d, "state"), "off");
	json_object_put(d);
	/* Seen again (every reconnect brings bridge/devices): the same device. */
	again = bind_lamp(h, "Hall Lamp", "0x01");
	assert_string_equal(again, "hall_lamp");
	free(again);
	/* Renamed in Zigbee2MQTT: same IEEE address, same device, new topic;
	 * its history stays with it. */
	again = bind_lamp(h, "Hallway/Lamp", "0x01");
	assert_string_equal(again, "hall_lamp");
	assert_int_equal(db_binding_get(h->db, "hall_lamp", &bind), 0);
	assert_string_equal(jstr(bind, "address"), "Hallway/Lamp");
	json_object_put(bind);
	free(again);
	/* A new device whose id is taken by another gets the next free id. */
	e = json_tokener_parse("{\"driver\":\"tasmota\",\"address\":\"tasmota_A1#1\","
	    "\"id\":\"front_door_lock\",\"name\":\"Lock\",\"type\":\"lock\",\"caps\":{}}");
	assert_int_equal(ops_bind(&h->ops, e, &other, err), 0);
	assert_string_equal(other, "front_door_lock_2");
	json_object_put(e);
	free(other);
	/* The sim device of that id is untouched. */
	v = device_field(h, "front_door_lock", "state");
	assert_string_equal(v, "locked");
	free(v);
	free(id);
}

static void
test_command_pending_until_confirmed(void **state)
{
	struct home *h = *state;
	char *id = bind_lamp(h, "Hall Lamp", "0x01"), err[OPS_ERRLEN], *v;
	struct json_object *out = NULL, *fin = NULL, *d, *k, *feed = NULL, *row;
	int64_t before = feed_count(h), cid;
	size_t n;

	assert_int_equal(control(h, id, "set", "{\"brightness\":40}", &out, err), 0);
	d = json_object_array_get_idx(json_object_object_get(out, "devices"), 0);
	/* What the user sees is what the device reported: still off. */
	assert_string_equal(jstr(d, "state"), "off");
	k = json_object_object_get(d, "pending");
	assert_non_null(k);
	assert_string_equal(jstr(k, "state"), "on");
	assert_int_equal(json_object_get_int(json_object_object_get(json_object_object_get(k,
	    "properties"), "brightness")), 40);
	assert_string_equal(jstr(k, "source"), "api");
	cid = json_object_get_int64(json_object_object_get(k, "id"));
	assert_int_equal(json_object_get_int64(json_object_array_get_idx(
	    json_object_object_get(out, "commands"), 0)), cid);
	/* One feed row of kind command, by the caller. */
	assert_int_equal(feed_count(h), before + 1);
	assert_true(db_changes(h->db, 0, 0, id, &feed, NULL) >= 0);
	n = json_object_array_length(feed);
	row = json_object_array_get_idx(feed, n - 1);
	assert_string_equal(jstr(row, "kind"), "command");
	assert_string_equal(jstr(row, "source"), "api");
	assert_string_equal(jstr(json_object_object_get(row, "command"), "status"), "pending");
	assert_non_null(json_object_object_get(json_object_object_get(row, "device"), "pending"));
	json_object_put(feed);
	assert_int_equal(ops_outcome(&h->ops, out, false, &fin, err), 0);
	assert_null(fin);

	/* The device says something else first (the radio reordered): not yet. */
	assert_int_equal(report(h, id, "{\"state\":\"on\",\"properties\":{\"brightness\":20}}", err),
	    0);
	assert_int_equal(ops_outcome(&h->ops, out, false, &fin, err), 0);
	/* Then what was asked: confirmed, with source device. */
	assert_int_equal(report(h, id, "{\"state\":\"on\",\"properties\":{\"brightness\":40}}", err),
	    0);
	assert_int_equal(ops_outcome(&h->ops, out, false, &fin, err), 1);
	d = json_object_array_get_idx(json_object_object_get(fin, "devices"), 0);
	assert_string_equal(jstr(d, "state"), "on");
	assert_null(json_object_object_get(d, "pending"));
	v = query_text(h->path, "SELECT group_concat(source || ':' || kind, ' ') FROM changes"
	    " WHERE device_id = 'hall_lamp' AND seq > (SELECT min(seq) FROM changes"
	    " WHERE kind = 'command')");
	assert_string_equal(v, "device:device device:device device:command");
	free(v);
	json_object_put(fin);
	json_object_put(out);
	free(id);
}

static void
test_timeout_says_so_and_keeps_state(void **state)
{
	struct home *h = *state;
	char *id = bind_lamp(h, "Hall Lamp", "0x01"), err[OPS_ERRLEN] = "";
	struct json_object *out = NULL, *fin = NULL;
	int64_t next = 0;

	h->ops.command_timeout_ms = 60;
	assert_int_equal(control(h, id, "on", NULL, &out, err), 0);
	assert_int_equal(ops_commands_expire(&h->ops, &next, err), 0);
	assert_true(next >= 0 && next <= 60);
	usleep(120 * 1000);
	assert_int_equal(ops_commands_expire(&h->ops, &next, err), 0);
	assert_int_equal(next, -1);
	assert_int_equal(ops_outcome(&h->ops, out, false, &fin, err), -ETIMEDOUT);
	assert_non_null(strstr(err, "hall_lamp did not respond within 0.1 s (Zigbee2MQTT)"));
	assert_non_null(strstr(err, "keeps its reported state (off)"));
	json_object_put(out);
	/* The caller's own deadline gives up the same way. */
	h->ops.command_timeout_ms = 60000;
	assert_int_equal(control(h, id, "on", NULL, &out, err), 0);
	assert_int_equal(ops_outcome(&h->ops, out, true, &fin, err), -ETIMEDOUT);
	assert_non_null(strstr(err, "did not respond"));
	{
		struct json_object *d = device(h, id);

		assert_null(json_object_object_get(d, "pending"));
		json_object_put(d);
	}
	json_object_put(out);
	free(id);
}

static void
test_offline_refused_and_skipped(void **state)
{
	struct home *h = *state;
	char *id = bind_lamp(h, "Hall Lamp", "0x01"), err[OPS_ERRLEN];
	struct json_object *out = NULL, *pend = NULL, *fin = NULL, *sk;
	char *digest;

	assert_int_equal(control(h, id, "on", NULL, &pend, err), 0);
	assert_int_equal(ops_available(&h->ops, id, NULL, "offline", err), 0);
	/* Going offline fails what was pending. */
	assert_int_equal(ops_outcome(&h->ops, pend, false, &fin, err), -EHOSTDOWN);
	assert_non_null(strstr(err, "went offline"));
	digest = home_digest(h);
	assert_int_equal(control(h, id, "on", NULL, &out, err), -EHOSTDOWN);
	assert_non_null(strstr(err, "hall_lamp is offline (Zigbee2MQTT cannot reach it)"));
	{
		char *after = home_digest(h);

		assert_string_equal(digest, after);
		free(after);
	}
	free(digest);
	/* In bulk it is skipped with the reason; the others go on. */
	assert_int_equal(foreign_sql(h->path, "UPDATE devices SET room = 'bathroom'"
	    " WHERE id = 'hall_lamp'"), 0);
	{
		struct ops_control req = { .room = "bathroom", .type = "light", .action = "on" };

		assert_int_equal(ops_control(&h->ops, &req, &out, err), 0);
	}
	sk = json_object_object_get(out, "skipped");
	assert_int_equal(json_object_array_length(sk), 1);
	assert_string_equal(jstr(json_object_array_get_idx(sk, 0), "id"), "hall_lamp");
	assert_non_null(strstr(jstr(json_object_array_get_idx(sk, 0), "reason"), "offline"));
	json_object_put(out);
	/* Back online: controllable again. */
	assert_int_equal(ops_available(&h->ops, id, NULL, "online", err), 0);
	assert_int_equal(control(h, id, "on", NULL, &out, err), 0);
	json_object_put(out);
	/* The whole driver at once (the broker went away). */
	assert_int_equal(ops_available(&h->ops, NULL, "z2m", "offline", err), 0);
	assert_int_equal(control(h, id, "off", NULL, &out, err), -EHOSTDOWN);
	assert_int_equal(ops_available(&h->ops, NULL, NULL, "sideways", err), -EINVAL);
	json_object_put(pend);
	free(id);
}

static void
test_newer_command_supersedes(void **state)
{
	struct home *h = *state;
	char *id = bind_lamp(h, "Hall Lamp", "0x01"), err[OPS_ERRLEN];
	struct json_object *a = NULL, *b = NULL, *fin = NULL;

	assert_int_equal(control(h, id, "on", NULL, &a, err), 0);
	assert_int_equal(control(h, id, "off", NULL, &b, err), 0);
	assert_int_equal(ops_outcome(&h->ops, a, false, &fin, err), -ECANCELED);
	assert_int_equal(ops_outcome(&h->ops, b, false, &fin, err), 0);
	/* Off while it already reports off, with nothing pending: no command. */
	assert_int_equal(report(h, id, "{\"state\":\"off\"}", err), 0);
	assert_int_equal(ops_outcome(&h->ops, b, false, &fin, err), 1);
	json_object_put(fin);
	json_object_put(a);
	json_object_put(b);
	assert_int_equal(control(h, id, "off", NULL, &a, err), 0);
	assert_int_equal(json_object_get_int(json_object_object_get(a, "changed")), 0);
	assert_int_equal(json_object_array_length(json_object_object_get(a, "commands")), 0);
	json_object_put(a);
	free(id);
}

static void
test_bad_reports_change_nothing(void **state)
{
	struct home *h = *state;
	char *id = bind_lamp(h, "Hall Lamp", "0x01"), err[OPS_ERRLEN];
	static const char *const bad[] = {
		"{\"state\":\"purple\"}", "{\"state\":7}",
		"{\"properties\":{\"brightness\":400}}", "{\"properties\":{\"speed\":1}}",
		"{\"properties\":{\"brightness\":\"x\"}}", "{\"properties\":[]}", NULL };
	char *before = home_digest(h), *after;

	for (int i = 0; bad[i] != NULL; i++) {
		err[0] = '\0';
		assert_int_not_equal(report(h, id, bad[i], err), 0);
		assert_true(err[0] != '\0');
		after = home_digest(h);
		assert_string_equal(before, after);
		free(after);
	}
	assert_int_equal(report(h, "nope", "{\"state\":\"on\"}", err), -ENOENT);
	/* A read-only value the device measures is fine from the device. */
	assert_int_equal(report(h, "thermostat_main",
	    "{\"properties\":{\"current_temp\":68.5}}", err), 0);
	free(before);
	free(id);
}

/* Any writer can ask: a command row from the sqlite3 shell is a command like
 * any other (its feed row is what homectl-mqtt acts on). */
static void
test_foreign_command(void **state)
{
	struct home *h = *state;
	char *id = bind_lamp(h, "Hall Lamp", "0x01"), *v;

	assert_int_equal(foreign_sql(h->path, "INSERT INTO commands(device_id, state, properties,"
	    " deadline) VALUES ('hall_lamp', 'on', '{}', strftime('%Y-%m-%dT%H:%M:%fZ', 'now',"
	    " '+5 seconds'))"), 0);
	v = query_text(h->path, "SELECT kind || ' ' || source || ' ' || state || ' ' || command"
	    " FROM changes ORDER BY seq DESC LIMIT 1");
	assert_string_equal(v, "command unknown on 1");
	free(v);
	/* A command for a device that does not exist is refused by the schema. */
	assert_int_not_equal(foreign_sql(h->path, "PRAGMA foreign_keys = ON; INSERT INTO"
	    " commands(device_id, state, deadline) VALUES ('nope', 'on', 'x')"), 0);
	free(id);
}

/* The home document carries bindings: export, import into an empty home,
 * export again gives the same document, and the device is real there. */
static void
test_export_carries_bindings(void **state)
{
	struct home *h = *state, other;
	char *id = bind_lamp(h, "Hall Lamp", "0x01"), err[OPS_ERRLEN];
	struct json_object *doc = NULL, *doc2 = NULL, *res = NULL, *bind = NULL;

	assert_int_equal(ops_export(&h->ops, &doc, err), 0);
	assert_non_null(strstr(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN),
	    "\"binding\":{\"driver\":\"z2m\""));
	home_setup(&other, false);
	if (ops_import(&other.ops, doc, false, false, true, &res, err) != 0)
		fail_msg("import: %s", err);
	json_object_put(res);
	assert_int_equal(db_binding_get(other.db, "hall_lamp", &bind), 0);
	assert_string_equal(jstr(bind, "address"), "Hall Lamp");
	assert_string_equal(jstr(bind, "available"), "unknown");
	json_object_put(bind);
	assert_int_equal(ops_export(&other.ops, &doc2, err), 0);
	assert_string_equal(json_object_to_json_string(doc), json_object_to_json_string(doc2));
	/* A bad binding changes nothing. */
	for (size_t i = 0; i < json_object_array_length(json_object_object_get(doc, "devices"));
	    i++) {
		struct json_object *b = json_object_object_get(json_object_array_get_idx(
		    json_object_object_get(doc, "devices"), i), "binding");

		if (b != NULL)
			json_object_object_add(b, "driver", json_object_new_string("x10"));
	}
	assert_int_equal(ops_import(&other.ops, doc, false, false, true, &res, err), -EINVAL);
	assert_non_null(strstr(err, "binding"));
	json_object_put(doc);
	json_object_put(doc2);
	home_teardown(&other);
	free(id);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		HOME_TEST(test_simulated_devices_confirm_at_once),
		HOME_TEST(test_bind_creates_then_finds),
		HOME_TEST(test_command_pending_until_confirmed),
		HOME_TEST(test_timeout_says_so_and_keeps_state),
		HOME_TEST(test_offline_refused_and_skipped),
		HOME_TEST(test_newer_command_supersedes),
		HOME_TEST(test_bad_reports_change_nothing),
		HOME_TEST(test_foreign_command),
		HOME_TEST(test_export_carries_bindings),
	};

	log_init("ops_device_test", LOG_CRIT);
	return cmocka_run_group_tests_name("ops real devices", tests, NULL, NULL);
}
