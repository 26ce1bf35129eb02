/* SPDX-License-Identifier: MIT */
/* calendar.c -- systemd's OnCalendar= expressions: parse, normalize, and
 * find the next elapse.
 *
 * An expression is six chains (year, month, day, hour, minute, and seconds
 * kept in microseconds), each a list of values, ranges "a..b" and
 * repetitions "a/r" or "a..b/r"; an empty chain matches anything.  The next
 * elapse is found field by field on a struct tm, with mktime() (or timegm()
 * for UTC) normalizing it after every step: when normalization moves a
 * field (02:30 on a spring-forward day becomes 03:30, February 30 becomes
 * March 2) the search resumes from the normalized time, which is what makes
 * nonexistent local times skip to the next match, as systemd does. */
#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "calendar.h"
#include "util.h"

#define USEC_PER_SEC	1000000
#define YEAR_MIN	1970
#define YEAR_MAX	2199	/* as systemd: bounds the search for "*-02-30" */
#define CHAIN_MAX	64	/* values per field; systemd allows 240, nobody writes 64 */
#define WEEKDAYS_ALL	127	/* bit 0 is Monday, bit 6 Sunday */
#define ZONE_MAX	64
#define ZONEINFO	"/usr/share/zoneinfo/"
/* find_next() normally settles in a handful of rounds; this only stops a
 * pathological expression from spinning. */
#define SEARCH_ROUNDS	100000

struct cal_comp {
	int start;
	int stop;	/* -1: no range */
	int repeat;	/* 0: no repetition */
};

struct cal_chain {
	int n;		/* 0: matches anything ("*") */
	struct cal_comp v[CHAIN_MAX];
};

struct calendar {
	int weekdays;		/* bitmask, -1: every day */
	bool end_of_month;	/* "~": days count back from the month's end */
	bool utc;
	char zone[ZONE_MAX];	/* a TZ database name, "" for the host's */
	struct cal_chain year, month, day, hour, minute, usec;
};

/* ---- parsing ---------------------------------------------------------- */

static const struct {
	const char *name;
	int nr;
} weekday_names[] = {
	/* The long names first: "Mon" is a prefix of "Monday". */
	{ "Monday", 0 }, { "Mon", 0 }, { "Tuesday", 1 }, { "Tue", 1 },
	{ "Wednesday", 2 }, { "Wed", 2 }, { "Thursday", 3 }, { "Thu", 3 },
	{ "Friday", 4 }, { "Fri", 4 }, { "Saturday", 5 }, { "Sat", 5 },
	{ "Sunday", 6 }, { "Sun", 6 },
};

static int
chain_add(struct cal_chain *ch, int start, int stop, int repeat)
{
	if (ch->n >= CHAIN_MAX)
		return -EINVAL;
	ch->v[ch->n].start = start;
	ch->v[ch->n].stop = stop;
	ch->v[ch->n].repeat = repeat;
	ch->n++;
	return 0;
}

/* "Mon", "Mon,Wed..Fri", "Sat-Sun " (the dash is systemd's old range
 * syntax).  Nothing consumed and 0 when the text does not start with a day. */
static int
parse_weekdays(const char **p, struct calendar *c)
{
	int last = -1;
	bool first = true;

	for (;;) {
		size_t i, len = 0;
		int nr;

		for (i = 0; i < sizeof(weekday_names) / sizeof(weekday_names[0]); i++) {
			len = strlen(weekday_names[i].name);
			if (strncasecmp(*p, weekday_names[i].name, len) == 0)
				break;
		}
		if (i == sizeof(weekday_names) / sizeof(weekday_names[0]))
			return first ? 0 : -EINVAL;
		if (strchr("-., ", (*p)[len]) == NULL)	/* also matches '\0' */
			return -EINVAL;
		nr = weekday_names[i].nr;
		c->weekdays |= 1 << nr;
		if (last >= 0) {
			if (last > nr)
				return -EINVAL;	/* "Fri..Mon" does not wrap */
			for (int j = last + 1; j < nr; j++)
				c->weekdays |= 1 << j;
		}
		*p += len;
		if (**p == '\0')
			return 0;
		if (**p == ' ') {
			*p += strspn(*p, " ");
			return 0;
		}
		if (**p == '.') {
			if (last >= 0 || (*p)[1] != '.')
				return -EINVAL;
			last = nr;
			*p += 2;
		} else if (**p == '-') {
			if (last >= 0)
				return -EINVAL;
			last = nr;
			*p += 1;
		} else if (**p == ',') {
			last = -1;
			*p += 1;
		}
		/* A trailing comma is fine, an open range is not. */
		if (**p == '\0' || **p == ' ') {
			*p += strspn(*p, " ");
			return last < 0 ? 0 : -EINVAL;
		}
		first = false;
	}
}

/* Up to 6 digits after a decimal point, rounded on the 7th. */
static int
parse_fraction(const char **p, int *out)
{
	const char *s = *p;
	int v = 0, i;

	for (i = 0; i < 6 && isdigit((unsigned char)*s); i++, s++)
		v = v * 10 + (*s - '0');
	if (i == 0)
		return -EINVAL;
	for (; i < 6; i++)
		v *= 10;
	if (*s >= '5' && *s <= '9')
		v++;
	s += strspn(s, "0123456789");
	*p = s;
	*out = v;
	return 0;
}

/* One number; for the seconds field (usec) in microseconds, with an
 * optional fraction ("3.5"), where ".." is a range, not a point. */
static int
parse_decimal(const char **p, bool usec, int *out)
{
	const char *s = *p;
	unsigned long v = 0;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	while (isdigit((unsigned char)*s)) {
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > INT_MAX)
			return -ERANGE;
		s++;
	}
	if (usec) {
		if (v > INT_MAX / USEC_PER_SEC)
			return -ERANGE;
		v *= USEC_PER_SEC;
		if (s[0] == '.' && s[1] != '.') {
			int frac;

			s++;
			if (parse_fraction(&s, &frac) < 0)
				return -EINVAL;
			v += (unsigned long)frac;
			if (v > INT_MAX)
				return -ERANGE;
		}
	}
	*p = s;
	*out = (int)v;
	return 0;
}

/* "*", or a comma-separated list of "a", "a..b", "a/r", "a..b/r". */
static int
parse_chain(const char **p, bool usec, struct cal_chain *ch)
{
	const char *s = *p;
	int r;

	ch->n = 0;
	if (*s == '*') {
		if (usec)
			(void)chain_add(ch, 0, -1, USEC_PER_SEC);
		*p = s + 1;
		return 0;
	}
	for (;;) {
		int start, stop = -1, repeat = 0;

		if ((r = parse_decimal(&s, usec, &start)) < 0)
			return r;
		if (s[0] == '.' && s[1] == '.') {
			s += 2;
			if ((r = parse_decimal(&s, usec, &stop)) < 0)
				return r;
			repeat = usec ? USEC_PER_SEC : 1;
		}
		if (*s == '/') {
			s++;
			if ((r = parse_decimal(&s, usec, &repeat)) < 0)
				return r;
			if (repeat == 0)
				return -ERANGE;
		}
		if (strchr(" ,-~:", *s) == NULL)	/* also matches '\0' */
			return -EINVAL;
		if ((r = chain_add(ch, start, stop, repeat)) < 0)
			return r;
		if (*s != ',')
			break;
		s++;
	}
	*p = s;
	return 0;
}

/* "@1700000000": one moment, in UTC. */
static int
parse_timestamp(const char **p, struct calendar *c)
{
	const char *s = *p + 1;
	long long v = 0;
	struct tm tm;
	time_t t;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	while (isdigit((unsigned char)*s)) {
		if (v > (LLONG_MAX - 9) / 10)
			return -ERANGE;
		v = v * 10 + (*s++ - '0');
	}
	t = (time_t)v;
	if (gmtime_r(&t, &tm) == NULL || tm.tm_year > INT_MAX - 1900)
		return -ERANGE;
	(void)chain_add(&c->year, tm.tm_year + 1900, -1, 0);
	(void)chain_add(&c->month, tm.tm_mon + 1, -1, 0);
	(void)chain_add(&c->day, tm.tm_mday, -1, 0);
	(void)chain_add(&c->hour, tm.tm_hour, -1, 0);
	(void)chain_add(&c->minute, tm.tm_min, -1, 0);
	(void)chain_add(&c->usec, tm.tm_sec * USEC_PER_SEC, -1, 0);
	c->utc = true;
	*p = s;
	return 1;
}

/* "[[Y-]M-]D" or "M~D" (the D-th last day); a leading "H:" means there is
 * no date, and nothing is consumed.  1 after "@timestamp" (no time
 * follows), else 0, or -errno. */
static int
parse_date(const char **p, struct calendar *c)
{
	struct cal_chain a, b, d;
	const char *s = *p;
	int r;

	if (*s == '\0')
		return 0;
	if (*s == '@')
		return parse_timestamp(p, c);
	if ((r = parse_chain(&s, false, &a)) < 0)
		return r;
	if (*s == '\0' || *s == ':')
		return 0;
	if (*s == '~')
		c->end_of_month = true;
	else if (*s != '-')
		return -EINVAL;
	s++;
	if ((r = parse_chain(&s, false, &b)) < 0)
		return r;
	if (*s == '\0' || *s == ' ') {
		*p = s + strspn(s, " ");
		c->month = a;
		c->day = b;
		return 0;
	}
	if (c->end_of_month)
		return -EINVAL;
	if (*s == '~')
		c->end_of_month = true;
	else if (*s != '-')
		return -EINVAL;
	s++;
	if ((r = parse_chain(&s, false, &d)) < 0)
		return r;
	if (*s != '\0' && *s != ' ')
		return -EINVAL;
	*p = s + strspn(s, " ");
	c->year = a;
	c->month = b;
	c->day = d;
	return 0;
}

/* "H:M" or "H:M:S"; nothing at all means midnight. */
static int
parse_time(const char **p, struct calendar *c)
{
	const char *s = *p;
	int r;

	if (*s == '\0') {
		(void)chain_add(&c->hour, 0, -1, 0);
		(void)chain_add(&c->minute, 0, -1, 0);
		(void)chain_add(&c->usec, 0, -1, 0);
		return 0;
	}
	if ((r = parse_chain(&s, false, &c->hour)) < 0)
		return r;
	if (*s++ != ':')
		return -EINVAL;
	if ((r = parse_chain(&s, false, &c->minute)) < 0)
		return r;
	if (*s == '\0') {
		(void)chain_add(&c->usec, 0, -1, 0);
		*p = s;
		return 0;
	}
	if (*s++ != ':')
		return -EINVAL;
	if ((r = parse_chain(&s, true, &c->usec)) < 0)
		return r;
	if (*s != '\0')
		return -EINVAL;
	*p = s;
	return 0;
}

/* The shorthands of systemd.time(7): which fields they pin. */
static bool
parse_shorthand(const char *s, struct calendar *c)
{
	static const struct {
		const char *name;
		int months[4];	/* 0-ended */
		bool day1, hour0, minute0, weekly;
	} tab[] = {
		{ "minutely", { 0 }, false, false, false, false },
		{ "hourly", { 0 }, false, false, true, false },
		{ "daily", { 0 }, false, true, true, false },
		{ "weekly", { 0 }, false, true, true, true },
		{ "monthly", { 0 }, true, true, true, false },
		{ "yearly", { 1 }, true, true, true, false },
		{ "annually", { 1 }, true, true, true, false },
		{ "anually", { 1 }, true, true, true, false },
		{ "quarterly", { 1, 4, 7, 10 }, true, true, true, false },
		{ "semiannually", { 1, 7 }, true, true, true, false },
		{ "semi-annually", { 1, 7 }, true, true, true, false },
		{ "biannually", { 1, 7 }, true, true, true, false },
		{ "bi-annually", { 1, 7 }, true, true, true, false },
	};

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		if (strcasecmp(s, tab[i].name) != 0)
			continue;
		for (int m = 0; m < 4 && tab[i].months[m] != 0; m++)
			(void)chain_add(&c->month, tab[i].months[m], -1, 0);
		if (tab[i].day1)
			(void)chain_add(&c->day, 1, -1, 0);
		if (tab[i].hour0)
			(void)chain_add(&c->hour, 0, -1, 0);
		if (tab[i].minute0)
			(void)chain_add(&c->minute, 0, -1, 0);
		(void)chain_add(&c->usec, 0, -1, 0);
		if (tab[i].weekly)
			c->weekdays = 1;
		return true;
	}
	return false;
}

bool
calendar_zone_valid(const char *name)
{
	char path[sizeof(ZONEINFO) + ZONE_MAX];
	char magic[4];
	bool slash = false;
	struct stat st;
	int fd;
	ssize_t n;

	if (name == NULL || *name == '\0' || strlen(name) >= ZONE_MAX)
		return false;
	if (strcmp(name, "UTC") == 0)
		return true;
	if (name[0] == '/')
		return false;
	/* Only names the TZ database uses, so ".." cannot leave its tree. */
	for (const char *s = name; *s; s++) {
		if (*s == '/') {
			if (slash)
				return false;
			slash = true;
			continue;
		}
		slash = false;
		if (!isalnum((unsigned char)*s) && strchr("-_+", *s) == NULL)
			return false;
	}
	if (slash)
		return false;
	(void)snprintf(path, sizeof(path), ZONEINFO "%s", name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return false;
	n = (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) ? read(fd, magic, sizeof(magic)) : -1;
	close(fd);
	return n == (ssize_t)sizeof(magic) && memcmp(magic, "TZif", 4) == 0;
}

static int
comp_cmp(const void *a, const void *b)
{
	const struct cal_comp *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->stop != y->stop)
		return x->stop < y->stop ? -1 : 1;
	if (x->repeat != y->repeat)
		return x->repeat < y->repeat ? -1 : 1;
	return 0;
}

/* Ranges end on a repetition, components sorted, duplicates dropped. */
static void
chain_normalize(struct cal_chain *ch)
{
	int i, n = 0;

	for (i = 0; i < ch->n; i++) {
		struct cal_comp *v = &ch->v[i];

		if (v->stop > v->start && v->repeat > 0)
			v->stop -= (v->stop - v->start) % v->repeat;
	}
	qsort(ch->v, (size_t)ch->n, sizeof(ch->v[0]), comp_cmp);
	for (i = 0; i < ch->n; i++)
		if (n == 0 || comp_cmp(&ch->v[n - 1], &ch->v[i]) != 0)
			ch->v[n++] = ch->v[i];
	ch->n = n;
}

/* Two-digit years as systemd reads them: 12 is 2012, 89 is 1989. */
static void
chain_fix_year(struct cal_chain *ch)
{
	for (int i = 0; i < ch->n; i++) {
		int *f[2] = { &ch->v[i].start, &ch->v[i].stop };

		for (int k = 0; k < 2; k++) {
			if (*f[k] >= 0 && *f[k] < 70)
				*f[k] += 2000;
			else if (*f[k] >= 70 && *f[k] < 100)
				*f[k] += 1900;
		}
	}
}

static bool
chain_valid(const struct cal_chain *ch, int from, int to, bool end_of_month)
{
	if (end_of_month)
		to -= 3;	/* at most 28 days back from the end */
	for (int i = 0; i < ch->n; i++) {
		const struct cal_comp *v = &ch->v[i];

		if (v->start < from || v->start > to || v->repeat > to - from)
			return false;
		if (v->stop >= 0) {
			if (v->stop < from || v->stop > to || v->start + v->repeat > v->stop)
				return false;
		} else if (end_of_month ? v->start - v->repeat < from :
		    v->start + v->repeat > to) {
			/* A repetition that cannot repeat once. */
			return false;
		}
	}
	return true;
}

static bool
calendar_valid(const struct calendar *c)
{
	return chain_valid(&c->year, YEAR_MIN, YEAR_MAX, false) &&
	    chain_valid(&c->month, 1, 12, false) &&
	    chain_valid(&c->day, 1, 31, c->end_of_month) &&
	    chain_valid(&c->hour, 0, 23, false) &&
	    chain_valid(&c->minute, 0, 59, false) &&
	    chain_valid(&c->usec, 0, 60 * USEC_PER_SEC - 1, false);
}

/* The expression without its time zone: a trailing " UTC" (any case) or a
 * TZ database name after the last space.  (systemd also accepts the host
 * zone's abbreviations, "07:00 CET" meaning "CET, not CEST"; here "CET" is
 * the TZ database's zone of that name.) */
static void
split_zone(char *s, struct calendar *c)
{
	size_t n = strlen(s);
	char *sp;

	if (n > 4 && strcasecmp(s + n - 4, " UTC") == 0) {
		c->utc = true;
		s[n - 4] = '\0';
		return;
	}
	if ((sp = strrchr(s, ' ')) != NULL && calendar_zone_valid(sp + 1)) {
		if (strcmp(sp + 1, "UTC") == 0)
			c->utc = true;
		else
			(void)snprintf(c->zone, sizeof(c->zone), "%s", sp + 1);
		*sp = '\0';
	}
}

int
calendar_parse(const char *expr, struct calendar **out, char *err, size_t errlen)
{
	struct calendar *c = NULL;
	char buf[CALENDAR_EXPR_MAX];
	const char *p, *last;
	int r = -EINVAL;

	*out = NULL;
	if (expr == NULL || strlen(expr) >= sizeof(buf)) {
		(void)snprintf(err, errlen, "a calendar expression is a string of at most %d "
		    "characters", CALENDAR_EXPR_MAX - 1);
		return -EINVAL;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	(void)snprintf(buf, sizeof(buf), "%s", expr);
	split_zone(buf, c);
	if (buf[0] == '\0')
		goto bad;
	p = buf;
	if (!parse_shorthand(p, c)) {
		if (parse_weekdays(&p, c) < 0 || (r = parse_date(&p, c)) < 0)
			goto bad;
		if (r == 0 && parse_time(&p, c) < 0)
			goto bad;
		if (*p != '\0')
			goto bad;
	}
	if (c->weekdays <= 0 || c->weekdays >= WEEKDAYS_ALL)
		c->weekdays = -1;
	if (c->end_of_month && c->day.n == 0)
		c->end_of_month = false;
	chain_fix_year(&c->year);
	chain_normalize(&c->year);
	chain_normalize(&c->month);
	chain_normalize(&c->day);
	chain_normalize(&c->hour);
	chain_normalize(&c->minute);
	chain_normalize(&c->usec);
	if (!calendar_valid(c))
		goto bad;
	*out = c;
	return 0;
bad:
	last = strrchr(expr, ' ');
	if (last != NULL && strchr(last, '/') != NULL && !calendar_zone_valid(last + 1))
		(void)snprintf(err, errlen, "\"%s\" is not a time zone of the TZ database "
		    "(e.g. \"Europe/Berlin\")", last + 1);
	else
		(void)snprintf(err, errlen, "\"%s\" is not a calendar expression (systemd's "
		    "OnCalendar= syntax, e.g. \"Mon..Fri 07:00\", \"*-*-* 06:30\" or \"daily\")",
		    expr);
	free(c);
	return -EINVAL;
}

void
calendar_free(struct calendar *c)
{
	free(c);
}

const char *
calendar_zone(const struct calendar *c)
{
	if (c->utc)
		return "UTC";
	return c->zone[0] != '\0' ? c->zone : NULL;
}

/* ---- the next elapse -------------------------------------------------- */

static time_t
tm_time(struct tm *tm, bool utc)
{
	return utc ? timegm(tm) : mktime(tm);
}

/* The day-th last day of tm's month (1 = the last), or -1. */
static int
end_of_month(const struct tm *tm, bool utc, int day)
{
	struct tm t = *tm;

	t.tm_mon++;
	t.tm_mday = 1 - day;
	if (tm_time(&t, utc) == (time_t)-1 || t.tm_mon != tm->tm_mon)
		return -1;
	return t.tm_mday;
}

/* Moves *val to the smallest value >= *val that the chain matches: 1 when
 * it moved, 0 when *val matches, -ENOENT when nothing does. */
static int
chain_match(const struct calendar *c, const struct cal_chain *ch, const struct tm *tm,
    int *val)
{
	int best = 0;
	bool found = false;

	if (ch->n == 0)
		return 0;
	for (int i = 0; i < ch->n; i++) {
		int start = ch->v[i].start, stop = ch->v[i].stop, repeat = ch->v[i].repeat;

		if (c->end_of_month && ch == &c->day) {
			start = end_of_month(tm, c->utc, start);
			stop = end_of_month(tm, c->utc, stop);
			if (stop > 0) {
				int t = start;

				start = stop;
				stop = t;
			}
		}
		if (start >= *val) {
			if (!found || start < best) {
				best = start;
				found = true;
			}
		} else if (repeat > 0) {
			int k = start + repeat * ((*val - start + repeat - 1) / repeat);

			if ((!found || k < best) && (stop < 0 || k <= stop)) {
				best = k;
				found = true;
			}
		}
	}
	if (!found)
		return -ENOENT;
	if (best == *val)
		return 0;
	*val = best;
	return 1;
}

/* 1 when tm is a real time as it stands, 0 when normalizing it moved a
 * field (tm now holds the normalized time), -ERANGE past YEAR_MAX. */
static int
tm_settled(struct tm *tm, bool utc)
{
	struct tm t;

	if (tm->tm_year + 1900 > YEAR_MAX)
		return -ERANGE;
	t = *tm;
	if (tm_time(&t, utc) == (time_t)-1)
		return -ERANGE;
	if (t.tm_year == tm->tm_year && t.tm_mon == tm->tm_mon && t.tm_mday == tm->tm_mday &&
	    t.tm_hour == tm->tm_hour && t.tm_min == tm->tm_min && t.tm_sec == tm->tm_sec)
		return 1;
	*tm = t;
	return 0;
}

static bool
weekday_matches(int weekdays, const struct tm *tm, bool utc)
{
	struct tm t = *tm;

	if (weekdays < 0 || weekdays >= WEEKDAYS_ALL)
		return true;
	if (tm_time(&t, utc) == (time_t)-1)
		return false;
	return (weekdays & (1 << (t.tm_wday == 0 ? 6 : t.tm_wday - 1))) != 0;
}

/* Field by field, coarse to fine: a field that must move forward resets
 * every finer one to its minimum; a field with no match left carries into
 * the coarser one; every step is normalized (see the top of this file). */
static int
find_next(const struct calendar *c, struct tm *tm, int *usec)
{
	struct tm t = *tm;
	int us = *usec, r;

	for (int round = 0; round < SEARCH_ROUNDS; round++) {
		(void)tm_time(&t, c->utc);
		t.tm_isdst = -1;	/* let mktime() pick the offset of the wall time */

		t.tm_year += 1900;
		r = chain_match(c, &c->year, &t, &t.tm_year);
		t.tm_year -= 1900;
		if (r < 0)
			return -ENOENT;
		if (r > 0) {
			t.tm_mon = 0;
			t.tm_mday = 1;
			t.tm_hour = t.tm_min = t.tm_sec = us = 0;
		}
		if (tm_settled(&t, c->utc) <= 0)
			return -ENOENT;

		t.tm_mon += 1;
		r = chain_match(c, &c->month, &t, &t.tm_mon);
		t.tm_mon -= 1;
		if (r > 0) {
			t.tm_mday = 1;
			t.tm_hour = t.tm_min = t.tm_sec = us = 0;
		}
		if (r < 0 || (r = tm_settled(&t, c->utc)) < 0) {
			t.tm_year++;
			t.tm_mon = 0;
			t.tm_mday = 1;
			t.tm_hour = t.tm_min = t.tm_sec = us = 0;
			continue;
		}
		if (r == 0)
			continue;

		r = chain_match(c, &c->day, &t, &t.tm_mday);
		if (r > 0)
			t.tm_hour = t.tm_min = t.tm_sec = us = 0;
		if (r < 0 || (r = tm_settled(&t, c->utc)) < 0) {
			t.tm_mon++;
			t.tm_mday = 1;
			t.tm_hour = t.tm_min = t.tm_sec = us = 0;
			continue;
		}
		if (r == 0)
			continue;

		if (!weekday_matches(c->weekdays, &t, c->utc)) {
			t.tm_mday++;
			t.tm_hour = t.tm_min = t.tm_sec = us = 0;
			continue;
		}

		r = chain_match(c, &c->hour, &t, &t.tm_hour);
		if (r > 0)
			t.tm_min = t.tm_sec = us = 0;
		if (r < 0 || (r = tm_settled(&t, c->utc)) < 0) {
			t.tm_mday++;
			t.tm_hour = t.tm_min = t.tm_sec = us = 0;
			continue;
		}
		if (r == 0)
			continue;	/* that hour is missing today (DST) */

		r = chain_match(c, &c->minute, &t, &t.tm_min);
		if (r > 0)
			t.tm_sec = us = 0;
		if (r < 0 || (r = tm_settled(&t, c->utc)) < 0) {
			t.tm_hour++;
			t.tm_min = t.tm_sec = us = 0;
			continue;
		}
		if (r == 0)
			continue;

		t.tm_sec = t.tm_sec * USEC_PER_SEC + us;
		r = chain_match(c, &c->usec, &t, &t.tm_sec);
		us = t.tm_sec % USEC_PER_SEC;
		t.tm_sec /= USEC_PER_SEC;
		if (r < 0 || (r = tm_settled(&t, c->utc)) < 0) {
			t.tm_min++;
			t.tm_sec = us = 0;
			continue;
		}
		if (r == 0)
			continue;

		*tm = t;
		*usec = us;
		return 0;
	}
	return -ENOENT;
}

static int
next_here(const struct calendar *c, int64_t after, int64_t *next)
{
	int64_t from = after + 1;
	time_t t = (time_t)(from / USEC_PER_SEC);
	int us = (int)(from % USEC_PER_SEC);
	struct tm tm;
	int r;

	if ((c->utc ? gmtime_r(&t, &tm) : localtime_r(&t, &tm)) == NULL)
		return -ENOENT;
	if ((r = find_next(c, &tm, &us)) < 0)
		return r;
	if ((t = tm_time(&tm, c->utc)) == (time_t)-1)
		return -ENOENT;
	*next = (int64_t)t * USEC_PER_SEC + us;
	return 0;
}

int
calendar_next(const struct calendar *c, int64_t after, int64_t *next)
{
	char tz[ZONE_MAX + 2], *saved = NULL;
	const char *old;
	int r;

	if (after < 0)
		after = -1;
	if (c->zone[0] == '\0')
		return next_here(c, after, next);
	/* The C library knows one zone at a time: borrow TZ for this call. */
	old = getenv("TZ");
	if (old != NULL && (saved = strdup(old)) == NULL)
		return -ENOMEM;
	(void)snprintf(tz, sizeof(tz), ":%s", c->zone);
	if (setenv("TZ", tz, 1) < 0) {
		free(saved);
		return -ENOMEM;
	}
	tzset();
	r = next_here(c, after, next);
	if (saved != NULL)
		(void)setenv("TZ", saved, 1);
	else
		(void)unsetenv("TZ");
	tzset();
	free(saved);
	return r;
}

/* ---- the normalized form ---------------------------------------------- */

struct sbuf {
	char *p;
	size_t len, used;
	bool overflow;
};

static void sb_printf(struct sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->overflow)
		return;
	va_start(ap, fmt);
	n = vfmt(b->p + b->used, b->len - b->used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->len - b->used) {
		b->overflow = true;
		return;
	}
	b->used += (size_t)n;
}

static void
format_weekdays(struct sbuf *b, int bits)
{
	static const char *const days[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
	bool comma = false;
	int x, l = -1;

	/* Runs of three or more days become "a..b", of two "a,b". */
	for (x = 0; x < 7; x++) {
		if (bits & (1 << x)) {
			if (l < 0) {
				sb_printf(b, "%s%s", comma ? "," : "", days[x]);
				comma = true;
				l = x;
			}
		} else if (l >= 0) {
			if (x > l + 1)
				sb_printf(b, "%s%s", x > l + 2 ? ".." : ",", days[x - 1]);
			l = -1;
		}
	}
	if (l >= 0 && x > l + 1)
		sb_printf(b, "%s%s", x > l + 2 ? ".." : ",", days[x - 1]);
}

static void
format_chain(struct sbuf *b, int width, const struct cal_chain *ch, bool usec)
{
	int d = usec ? USEC_PER_SEC : 1;

	if (ch->n == 0 || (usec && ch->n == 1 && ch->v[0].start == 0 &&
	    ch->v[0].repeat == USEC_PER_SEC)) {
		sb_printf(b, "*");
		return;
	}
	for (int i = 0; i < ch->n; i++) {
		const struct cal_comp *v = &ch->v[i];

		sb_printf(b, "%s%0*d", i > 0 ? "," : "", width, v->start / d);
		if (v->start % d > 0)
			sb_printf(b, ".%06d", v->start % d);
		if (v->stop > 0)
			sb_printf(b, "..%0*d", width, v->stop / d);
		if (v->stop % d > 0)
			sb_printf(b, ".%06d", v->stop % d);
		if (v->repeat > 0 && !(v->stop > 0 && v->repeat == d))
			sb_printf(b, "/%d", v->repeat / d);
		if (v->repeat % d > 0)
			sb_printf(b, ".%06d", v->repeat % d);
	}
}

int
calendar_format(const struct calendar *c, char *buf, size_t len)
{
	struct sbuf b = { .p = buf, .len = len };

	if (len == 0)
		return -ENOBUFS;
	buf[0] = '\0';
	if (c->weekdays > 0 && c->weekdays < WEEKDAYS_ALL) {
		format_weekdays(&b, c->weekdays);
		sb_printf(&b, " ");
	}
	format_chain(&b, 4, &c->year, false);
	sb_printf(&b, "-");
	format_chain(&b, 2, &c->month, false);
	sb_printf(&b, "%c", c->end_of_month ? '~' : '-');
	format_chain(&b, 2, &c->day, false);
	sb_printf(&b, " ");
	format_chain(&b, 2, &c->hour, false);
	sb_printf(&b, ":");
	format_chain(&b, 2, &c->minute, false);
	sb_printf(&b, ":");
	format_chain(&b, 2, &c->usec, true);
	if (c->utc)
		sb_printf(&b, " UTC");
	else if (c->zone[0] != '\0')
		sb_printf(&b, " %s", c->zone);
	return b.overflow ? -ENOBUFS : 0;
}
