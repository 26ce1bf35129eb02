/* SPDX-License-Identifier: MIT */
/* jsontext_test.c -- json_text_has_nul() finds every NUL a JSON text can
 * carry into a C string, and nothing else. */
#include <string.h>

#include "jsonutil.h"
#include "testutil.h"

static bool
has_nul(const char *text)
{
	return json_text_has_nul(text, strlen(text));
}

static void
test_escaped_nul(void **state)
{
	(void)state;
	assert_true(has_nul("{\"a\":\"x\\u0000y\"}"));
	assert_true(has_nul("{\"a\\u0000b\":1}"));		/* in a key */
	assert_true(has_nul("[\"\\\\\\u0000\"]"));		/* after an escaped backslash */
	assert_true(has_nul("\"\\u0000\""));
	assert_true(has_nul("[\"\\u00000\"]"));		/* NUL, then "0" */
}

static void
test_no_nul(void **state)
{
	(void)state;
	assert_false(has_nul("{\"a\":\"x\"}"));
	assert_false(has_nul("[\"\\\\u0000\"]"));		/* a backslash, then "u0000" */
	assert_false(has_nul("[\"\\u0001\\u1000\\u00a0\"]"));
	assert_false(has_nul("[\"\\u0100\"]"));
	assert_false(has_nul("[\"\\\\\"]"));
	assert_false(has_nul("\"\\u000\""));			/* too short to be one */
}

static void
test_raw_nul(void **state)
{
	static const char text[] = "[\"a\0b\"]";

	(void)state;
	assert_true(json_text_has_nul(text, sizeof(text) - 1));
	assert_false(json_text_has_nul(text, 3));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escaped_nul),
		cmocka_unit_test(test_no_nul),
		cmocka_unit_test(test_raw_nul),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
