/* SPDX-License-Identifier: MIT */
/* sun_test.c -- sunrise and sunset agree with published tables within two
 * minutes, polar days and nights have none, and sun_next() walks the
 * events in order with its offset. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sun.h"
#include "testutil.h"
#include "util.h"

static int64_t
utc(const char *s)
{
	struct tm tm = { 0 };

	assert_non_null(strptime(s, "%Y-%m-%d %H:%M", &tm));
	return (int64_t)timegm(&tm);
}

/* Published values, converted to UTC (the tables give local clock time). */
static const struct {
	const char *place, *source;
	double lat, lon;
	const char *date, *rise, *set;
} table[] = {
	/* The New York Times, "New York Today", 2016-06-20 (Central Park,
	 * 40.78 N, 73.97 W): 05:25 and 20:31 EDT. */
	{ "New York", "NYT", 40.78, -73.97,
	  "2016-06-20 12:00", "2016-06-20 09:25", "2016-06-21 00:31" },
	/* Joe Rao, Hayden Planetarium, for 2009: the earliest sunrise on June 14
	 * at 05:24, the latest sunset on June 27 at 20:31 EDT. */
	{ "New York", "Hayden Planetarium", 40.78, -73.97,
	  "2009-06-14 12:00", "2009-06-14 09:24", NULL },
	{ "New York", "Hayden Planetarium", 40.78, -73.97,
	  "2009-06-27 12:00", NULL, "2009-06-28 00:31" },
	/* Stiftung Planetarium Berlin for the Tagesspiegel, the 2024 winter
	 * solstice in Berlin: 08:14:38 and 15:54:41 CET. */
	{ "Berlin", "Planetarium Berlin", 52.52, 13.405,
	  "2024-12-21 12:00", "2024-12-21 07:14", "2024-12-21 14:54" },
	/* geoastro.de, Berlin (52.51 N, 13.41 E) in 2002: the latest sunrise,
	 * December 30 at 07:17.1 UT, the earliest sunset, December 14 at
	 * 14:52.2 UT. */
	{ "Berlin", "geoastro.de", 52.51, 13.41,
	  "2002-12-30 12:00", "2002-12-30 07:17", NULL },
	{ "Berlin", "geoastro.de", 52.51, 13.41,
	  "2002-12-14 12:00", NULL, "2002-12-14 14:52" },
};

static void
test_published_tables(void **state)
{
	for (size_t i = 0; i < NELEMS(table); i++) {
		int64_t day = utc(table[i].date), rise, set;
		long dr, ds;

		assert_int_equal(sun_event_on(table[i].lat, table[i].lon, day, SUN_SUNRISE,
		    &rise), 0);
		assert_int_equal(sun_event_on(table[i].lat, table[i].lon, day, SUN_SUNSET,
		    &set), 0);
		/* The tables round to the minute: compare to the minute's middle. */
		dr = table[i].rise ? (long)(rise - (utc(table[i].rise) + 30)) : 0;
		ds = table[i].set ? (long)(set - (utc(table[i].set) + 30)) : 0;
		print_message("%-8s %s: sunrise %+lds, sunset %+lds (%s)\n", table[i].place,
		    table[i].date, dr, ds, table[i].source);
		if (dr < -120 || dr > 120 || ds < -120 || ds > 120)
			fail_msg("%s %s: off by %ld s / %ld s", table[i].place, table[i].date,
			    dr, ds);
	}
}

/* geoastro.de's other claim: in Berlin the latest sunrise and the earliest
 * sunset are not on the solstice but on December 30 and December 14 (2002).
 * The extremes are flat, so a day either side is fine. */
static void
test_extremes(void **state)
{
	int64_t day = utc("2002-12-01 12:00"), t;
	int64_t latest = 0, earliest = INT64_MAX;
	int latest_day = 0, earliest_day = 0;

	for (int i = 0; i < 45; i++, day += 86400) {
		assert_int_equal(sun_event_on(52.51, 13.41, day, SUN_SUNRISE, &t), 0);
		if (t % 86400 > latest) {
			latest = t % 86400;
			latest_day = i + 1;
		}
		assert_int_equal(sun_event_on(52.51, 13.41, day, SUN_SUNSET, &t), 0);
		if (t % 86400 < earliest) {
			earliest = t % 86400;
			earliest_day = i + 1;
		}
	}
	assert_in_range(latest_day, 29, 31);
	assert_in_range(earliest_day, 13, 15);
}

static void
test_polar_and_equator(void **state)
{
	int64_t t, rise, set;

	/* Tromsø (69.65 N): polar night around the winter solstice, midnight sun
	 * around the summer one, an ordinary day at the equinox. */
	assert_int_equal(sun_event_on(69.65, 18.96, utc("2026-12-21 12:00"), SUN_SUNRISE, &t),
	    -ENOENT);
	assert_int_equal(sun_event_on(69.65, 18.96, utc("2026-06-21 12:00"), SUN_SUNSET, &t),
	    -ENOENT);
	assert_int_equal(sun_event_on(69.65, 18.96, utc("2026-03-20 12:00"), SUN_SUNRISE, &t),
	    0);
	/* The next Tromsø sunrise after the solstice is in mid-January. */
	assert_int_equal(sun_next(69.65, 18.96, SUN_SUNRISE, 0, utc("2026-12-21 12:00"), &t), 0);
	assert_true(t > utc("2027-01-10 00:00") && t < utc("2027-01-20 00:00"));
	/* At the equator, day and night are nearly equal all year; refraction
	 * and the sun's disc add about seven minutes to the day. */
	assert_int_equal(sun_event_on(-0.18, -78.47, utc("2026-03-20 12:00"), SUN_SUNRISE,
	    &rise), 0);
	assert_int_equal(sun_event_on(-0.18, -78.47, utc("2026-03-20 12:00"), SUN_SUNSET,
	    &set), 0);
	assert_true(set - rise > 12 * 3600 + 4 * 60 && set - rise < 12 * 3600 + 9 * 60);
	/* Bad places are refused. */
	assert_int_equal(sun_event_on(91, 0, 0, SUN_SUNRISE, &t), -EINVAL);
	assert_int_equal(sun_next(0, 181, SUN_SUNSET, 0, 0, &t), -EINVAL);
}

static void
test_next_and_offset(void **state)
{
	int64_t base = utc("2026-06-21 12:00"), set, t, prev;
	enum sun_event ev;

	assert_int_equal(sun_event_on(52.52, 13.41, base, SUN_SUNSET, &set), 0);
	/* The next sunset after noon is today's; 15 minutes before it too. */
	assert_int_equal(sun_next(52.52, 13.41, SUN_SUNSET, 0, base, &t), 0);
	assert_int_equal(t, set);
	assert_int_equal(sun_next(52.52, 13.41, SUN_SUNSET, -900, base, &t), 0);
	assert_int_equal(t, set - 900);
	/* Strictly after: from the moment itself, tomorrow's. */
	assert_int_equal(sun_next(52.52, 13.41, SUN_SUNSET, -900, set - 900, &t), 0);
	assert_true(t > set - 900 + 86000 && t < set - 900 + 86800);
	/* A large offset still lands on the first qualifying day. */
	assert_int_equal(sun_next(52.52, 13.41, SUN_SUNSET, 6 * 3600, base, &t), 0);
	assert_int_equal(t, set + 6 * 3600);
	/* Walking a year of sunrises: one a day, in order. */
	prev = base;
	for (int i = 0; i < 365; i++) {
		assert_int_equal(sun_next(52.52, 13.41, SUN_SUNRISE, 0, prev, &t), 0);
		assert_true(t - prev > 86000 - 43200 || i == 0);
		assert_true(t - prev < 86400 + 300);
		prev = t;
	}
	assert_int_equal(sun_event_parse("sunset", &ev), 0);
	assert_int_equal(ev, SUN_SUNSET);
	assert_string_equal(sun_event_name(ev), "sunset");
	assert_int_equal(sun_event_parse("dusk", &ev), -EINVAL);
	assert_int_equal(sun_event_parse(NULL, &ev), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_published_tables),
		cmocka_unit_test(test_extremes),
		cmocka_unit_test(test_polar_and_equator),
		cmocka_unit_test(test_next_and_offset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
