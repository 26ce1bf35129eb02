/* SPDX-License-Identifier: MIT */
/* logstatus_test.c -- the pieces of what an admin sees: journal fields
 * built by log_kv (a device per HOMECTL_DEVICE=, overflow counted, never
 * overrun) and the STATUS= line built from feed rows. */
#include <string.h>

#include "log.h"
#include "status.h"
#include "testutil.h"

static void
test_kv_devices(void **state)
{
	struct json_object *r = json_tokener_parse(
	    "{\"devices\":[{\"id\":\"a\"},{\"id\":\"b\"},{\"name\":\"no id\"}],\"changed\":2}");
	struct json_object *one = json_tokener_parse(
	    "{\"id\":\"lamp\",\"type\":\"light\",\"state\":\"on\"}");
	struct json_object *room = json_tokener_parse("{\"id\":\"kitchen\",\"name\":\"Kitchen\"}");
	struct log_kv kv;
	const char *const *f;

	(void)state;
	log_kv_init(&kv);
	log_kv_add(&kv, "HOMECTL_SOURCE", "api");
	assert_int_equal(log_kv_devices(&kv, r), 2);
	assert_int_equal(log_kv_devices(&kv, one), 1);
	assert_int_equal(log_kv_devices(&kv, room), 0);	/* a room is no device */
	f = log_kv_fields(&kv);
	assert_string_equal(f[0], "HOMECTL_SOURCE=api");
	assert_string_equal(f[1], "HOMECTL_DEVICE=a");
	assert_string_equal(f[2], "HOMECTL_DEVICE=b");
	assert_string_equal(f[3], "HOMECTL_DEVICE=lamp");
	assert_null(f[4]);
	json_object_put(r);
	json_object_put(one);
	json_object_put(room);
}

static void
test_kv_overflow(void **state)
{
	char big[600];
	struct log_kv kv;
	const char *const *f;
	size_t n;

	(void)state;
	/* More fields than LOG_KV_MAX: the rest are counted, not written. */
	log_kv_init(&kv);
	for (int i = 0; i < LOG_KV_MAX + 6; i++)
		log_kv_add(&kv, "HOMECTL_DEVICE", "d");
	f = log_kv_fields(&kv);
	for (n = 0; f[n] != NULL; n++)
		;
	assert_int_equal(n, LOG_KV_MAX + 1);
	assert_string_equal(f[LOG_KV_MAX - 1], "HOMECTL_DEVICE=d");
	assert_string_equal(f[LOG_KV_MAX], "HOMECTL_FIELDS_DROPPED=6");

	/* More bytes than the buffer: 612 bytes a field, three fit its 2 KiB,
	 * then twelve of 17 bytes fill the 212 left. */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_kv_init(&kv);
	for (int i = 0; i < 4; i++)
		log_kv_add(&kv, "HOMECTL_BIG", big);
	for (int i = 0; i < 20; i++)
		log_kv_add(&kv, "HOMECTL_DEVICE", "d");
	f = log_kv_fields(&kv);
	assert_int_equal(kv.n, 15);
	for (n = 0; f[n] != NULL; n++)
		assert_true(strlen(f[n]) < sizeof(kv.buf));
	assert_int_equal(n, 16);
	assert_string_equal(f[15], "HOMECTL_FIELDS_DROPPED=9");
	assert_true(kv.used <= sizeof(kv.buf));
}

static void
test_status_line(void **state)
{
	struct json_object *rows = json_tokener_parse("[{\"seq\":7,\"at\":\"2026-11-26T22:41:03.456Z\","
	    "\"source\":\"cli\",\"kind\":\"device\",\"device\":{\"id\":\"lamp\"}},"
	    "{\"seq\":8,\"at\":\"2026-11-26T22:41:04.000Z\",\"source\":\"mcp\",\"kind\":\"mode\","
	    "\"mode\":\"sleep\"}]");

	(void)state;
	status_init("dashboard");
	status_seq(5);
	assert_string_equal(status_line(), "0 dashboards, seq 5");
	status_clients(1);
	assert_string_equal(status_line(), "1 dashboard, seq 5");
	status_changes(rows);
	assert_string_equal(status_line(),
	    "1 dashboard, seq 8, last change 22:41:04 mode sleep by mcp");
	json_object_array_del_idx(rows, 1, 1);
	status_changes(rows);
	assert_string_equal(status_line(),
	    "1 dashboard, seq 7, last change 22:41:03 lamp by cli");
	json_object_put(rows);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kv_devices),
		cmocka_unit_test(test_kv_overflow),
		cmocka_unit_test(test_status_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
