/* SPDX-License-Identifier: MIT */
/* calendar.h -- calendar events in systemd's OnCalendar= syntax
 * (systemd.time(7)): "Mon..Fri 07:00", "*-*-* 06:30:00", "Sat,Sun 09:00",
 * "daily", "*:0/15", "07:00 Europe/Berlin", and when they next elapse.
 *
 * The semantics follow systemd 252 (`systemd-analyze calendar` is the
 * oracle the unit test compares against), including daylight saving time:
 * a wall-clock time that does not exist on a spring-forward day is skipped,
 * and one that exists twice on a fall-back day elapses once.
 *
 * Not thread-safe: an expression with a time zone of its own is evaluated
 * by switching TZ for the duration of the call (homectl's programs are
 * single-threaded). */
#ifndef HOMECTL_CALENDAR_H
#define HOMECTL_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct calendar;

#define CALENDAR_EXPR_MAX 256

/* Parses expr.  *out is freed with calendar_free().  0, or -EINVAL with one
 * sentence in err (errlen bytes). */
int calendar_parse(const char *expr, struct calendar **out, char *err, size_t errlen);
void calendar_free(struct calendar *c);	/* NULL-safe */

/* The first elapse strictly after `after` (microseconds since the epoch),
 * in the expression's own time zone, UTC, or the host's (TZ, else
 * /etc/localtime).  0, or -ENOENT when it never elapses again. */
int calendar_next(const struct calendar *c, int64_t after, int64_t *next);

/* systemd's normalized form ("Mon..Fri *-*-* 07:00:00 Europe/Berlin") into
 * buf.  0, or -ENOBUFS when buf is too small. */
int calendar_format(const struct calendar *c, char *buf, size_t len);

/* The expression's time zone ("Europe/Berlin", "UTC"), or NULL for the
 * host's.  Borrowed; valid until calendar_free. */
const char *calendar_zone(const struct calendar *c);

/* true when name is a time zone of the TZ database (or "UTC"). */
bool calendar_zone_valid(const char *name);

#endif
