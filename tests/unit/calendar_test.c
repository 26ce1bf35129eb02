/* SPDX-License-Identifier: MIT */
/* calendar_test.c -- OnCalendar= expressions elapse exactly when systemd
 * says they do: every expression below is also handed to the real
 * `systemd-analyze calendar --base-time=... --iterations=N` in three host
 * time zones and from base times next to the 2026 DST changes of
 * Europe/Berlin and America/New_York, and both the normalized form and
 * every elapse must agree; expressions systemd refuses must be refused. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calendar.h"
#include "testutil.h"
#include "util.h"

#define ITER 8

struct oracle {
	bool valid;
	char normalized[256];
	int n;			/* elapses found (fewer than ITER: "never" after) */
	int64_t at[ITER];	/* seconds since the epoch */
};

static int64_t
parse_stamp(const char *s)
{
	struct tm tm = { 0 };

	/* "Sat 2026-03-28 01:30:00 UTC" */
	if (sscanf(s, "%*s %d-%d-%d %d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
	    &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm);
}

/* Asks systemd-analyze, with TZ=tz, about expr from base. */
static void
oracle(const char *tz, const char *expr, int64_t base, struct oracle *o)
{
	char cmd[512], line[512];
	int64_t local[ITER], utc[ITER];
	int nl = 0, nu = 0;
	FILE *f;

	memset(o, 0, sizeof(*o));
	assert_null(strchr(expr, '\''));
	snprintf(cmd, sizeof(cmd), "TZ=%s systemd-analyze calendar --base-time=@%lld "
	    "--iterations=%d -- '%s' 2>/dev/null", tz, (long long)base, ITER, expr);
	f = popen(cmd, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		char *v = strchr(line, ':');

		if (v == NULL)
			continue;
		v += 2;
		line[strcspn(line, "\n")] = '\0';
		if (strstr(line, "Normalized form:") != NULL) {
			o->valid = true;
			snprintf(o->normalized, sizeof(o->normalized), "%s", v);
		} else if ((strstr(line, "Next elapse:") != NULL ||
		    strstr(line, "Iter. #") != NULL) && nl < ITER && strcmp(v, "never") != 0) {
			local[nl++] = parse_stamp(v);
		} else if (strstr(line, "(in UTC):") != NULL && nu < ITER) {
			utc[nu++] = parse_stamp(v);
		}
	}
	pclose(f);
	/* With a local zone other than UTC, each elapse is followed by its UTC
	 * twin; read those. */
	o->n = nu > 0 ? nu : nl;
	for (int i = 0; i < o->n; i++)
		o->at[i] = nu > 0 ? utc[i] : local[i];
}

static void
set_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

static const char *const zones[] = { "UTC", "Europe/Berlin", "America/New_York" };

/* 2026: Berlin springs forward on March 29 and falls back on October 25,
 * New York on March 8 and November 1.  Plus a year's end and a leap day. */
static const char *const bases[] = {
	"2026-03-27 12:00:00", "2026-10-24 12:00:00", "2026-03-07 12:00:00",
	"2026-10-31 12:00:00", "2026-12-30 12:00:00", "2028-02-27 12:00:00",
	"2026-03-29 00:59:59", "2026-10-25 00:30:00",
};

static const char *const exprs[] = {
	/* The issue's examples and the shorthands. */
	"Mon..Fri 07:00", "*-*-* 06:30:00", "Sat,Sun 09:00", "daily", "hourly", "weekly",
	"minutely", "monthly", "quarterly", "yearly", "semiannually",
	/* Wall-clock times that DST skips or repeats. */
	"*-*-* 02:30", "*-*-* 02:00", "*-*-* 01:30", "*-*-* 03:00", "*-*-* 02:59:59",
	"Sun 02:30", "*-*-* 02..03:00/30", "*:0/20", "*:15", "*-*-* *:30:00",
	/* Zones written in the expression. */
	"07:00 Europe/Berlin", "*-*-* 02:30 Europe/Berlin", "*-*-* 01:30 America/New_York",
	"Mon..Fri 07:00 America/New_York", "12:00 UTC", "mon 7:00 utc", "hourly Asia/Kolkata",
	"daily Australia/Lord_Howe",
	/* Dates, ends of months, lists, ranges, old syntax. */
	"*-02~01", "*-*~03 12:00", "*-*~1..3", "2026-12-*", "*-*-29,30,31", "*-02-29 12:00",
	"Fri *-*-13", "Mon,Wed..Fri 7:0", "*:*:0/15", "*-*-* *:*:30.5", "Mon-Fri",
	"1..3:0/20", "27-12-24 18:00", "2026-02-30", "@1800000000", "Sat..Sun,Tue 10,12:5,35",
};

static const char *const bad[] = {
	"Fri..Mon", "*:50/15", "sunrise", "07:00 Nowhere/Land", "Mon,,Tue", "25:00",
	"*-13-01", "Mon..", "*-*-* 07:00:00:00", "", "7", "Mon 7", "*-*-* 07:00 Europe/../etc",
	"Mon..Fri 07:00 europe/berlin", "*-*-32", "2200-01-01", "*:*/2", "1,,2:00", "*-*~29",
	"07:00  Europe/Berlin",
};

static void
test_matches_systemd(void **state)
{
	int compared = 0;

	for (size_t z = 0; z < NELEMS(zones); z++) {
		set_tz(zones[z]);
		for (size_t e = 0; e < NELEMS(exprs); e++) {
			struct calendar *c = NULL;
			char err[256], norm[256];

			if (calendar_parse(exprs[e], &c, err, sizeof(err)) != 0)
				fail_msg("refused \"%s\": %s", exprs[e], err);
			assert_int_equal(calendar_format(c, norm, sizeof(norm)), 0);
			for (size_t b = 0; b < NELEMS(bases); b++) {
				struct tm tm = { 0 };
				struct oracle o;
				int64_t at;

				strptime(bases[b], "%Y-%m-%d %H:%M:%S", &tm);
				at = (int64_t)timegm(&tm);
				oracle(zones[z], exprs[e], at, &o);
				if (!o.valid)
					fail_msg("systemd refuses \"%s\"", exprs[e]);
				if (strcmp(norm, o.normalized) != 0)
					fail_msg("\"%s\": normalized \"%s\", systemd \"%s\"",
					    exprs[e], norm, o.normalized);
				at *= 1000000;
				for (int i = 0; i < ITER; i++) {
					int64_t next;
					int r = calendar_next(c, at, &next);

					if (i >= o.n) {
						if (r != -ENOENT)
							fail_msg("TZ=%s \"%s\" from %s: #%d at "
							    "%lld, systemd: never", zones[z],
							    exprs[e], bases[b], i + 1,
							    (long long)(next / 1000000));
						break;
					}
					if (r != 0 || next / 1000000 != o.at[i])
						fail_msg("TZ=%s \"%s\" from %s: #%d at %lld (r %d), "
						    "systemd %lld", zones[z], exprs[e], bases[b],
						    i + 1, (long long)(next / 1000000), r,
						    (long long)o.at[i]);
					at = next;
					compared++;
				}
			}
			calendar_free(c);
		}
	}
	set_tz("UTC");
	/* The suite must really have compared something. */
	assert_true(compared > 2000);
	print_message("compared %d elapses with systemd-analyze\n", compared);
}

static void
test_refuses_what_systemd_refuses(void **state)
{
	set_tz("UTC");
	for (size_t i = 0; i < NELEMS(bad); i++) {
		struct calendar *c = NULL;
		struct oracle o;
		char err[256];

		oracle("UTC", bad[i], 0, &o);
		if (o.valid)
			fail_msg("systemd accepts \"%s\"", bad[i]);
		if (calendar_parse(bad[i], &c, err, sizeof(err)) != -EINVAL)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_null(c);
		/* One sentence that quotes what was wrong. */
		assert_non_null(strchr(err, '"'));
		assert_null(strchr(err, '\n'));
	}
}

static void
test_errors_and_zone(void **state)
{
	struct calendar *c = NULL;
	char err[256], big[400];

	assert_int_equal(calendar_parse("07:00 Mars/Olympus", &c, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "\"Mars/Olympus\" is not a time zone of the TZ database "
	    "(e.g. \"Europe/Berlin\")");
	assert_int_equal(calendar_parse("sunset", &c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "\"sunset\" is not a calendar expression"));
	memset(big, '1', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(calendar_parse(big, &c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "at most 255"));
	assert_int_equal(calendar_parse(NULL, &c, err, sizeof(err)), -EINVAL);

	assert_int_equal(calendar_parse("Mon..Fri 07:00 Europe/Berlin", &c, err, sizeof(err)), 0);
	assert_string_equal(calendar_zone(c), "Europe/Berlin");
	/* Evaluating in another zone leaves the caller's TZ as it was. */
	set_tz("America/New_York");
	{
		int64_t next;

		assert_int_equal(calendar_next(c, 1774612800LL * 1000000, &next), 0);
		assert_string_equal(getenv("TZ"), "America/New_York");
		/* Monday 2026-03-30 07:00 CEST is 05:00 UTC. */
		assert_int_equal(next / 1000000, 1774846800LL);
	}
	unsetenv("TZ");
	{
		int64_t next;

		assert_int_equal(calendar_next(c, 0, &next), 0);
		assert_null(getenv("TZ"));
	}
	calendar_free(c);
	assert_int_equal(calendar_parse("daily", &c, err, sizeof(err)), 0);
	assert_null(calendar_zone(c));
	calendar_free(c);
	calendar_free(NULL);

	assert_true(calendar_zone_valid("UTC"));
	assert_true(calendar_zone_valid("America/New_York"));
	assert_false(calendar_zone_valid("../../etc/passwd"));
	assert_false(calendar_zone_valid("/etc/localtime"));
	assert_false(calendar_zone_valid("Europe//Berlin"));
	assert_false(calendar_zone_valid("Europe"));	/* a directory */
	assert_false(calendar_zone_valid(""));
	set_tz("UTC");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matches_systemd),
		cmocka_unit_test(test_refuses_what_systemd_refuses),
		cmocka_unit_test(test_errors_and_zone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
