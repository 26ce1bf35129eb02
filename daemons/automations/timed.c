/* SPDX-License-Identifier: MIT */
/* timed.c -- devices that run for a set time: a sprinkler started for ten
 * minutes, by any front end or the sqlite3 shell, is turned off here when
 * its time is up, on the daemon's clock. */
#include <errno.h>
#include <stdio.h>

#include "automations.h"
#include "log.h"

void
timed_expire(struct daemon *d)
{
	struct ops_ctx c = d->ops;
	int64_t now = clock_now(d), next = -1;
	char err[OPS_ERRLEN];
	int ended = 0, r;

	/* Nobody's automation: the feed says "automation" with no name. */
	c.automation = NULL;
	if ((r = ops_expire(&c, now / 1000, &next, &ended, err)) < 0) {
		if (r != -EBUSY && r != -ESTALE)
			log_warnx("timed devices: %s", err);
		/* Busy (another process writes) or worse: try again soon. */
		d->sprinkler_end = now + (int64_t)BUSY_RETRY_MS * 1000;
		return;
	}
	if (ended > 0)
		log_info("timed devices: turned off %d whose time was up", ended);
	d->sprinkler_end = next < 0 ? -1 : now + next * 1000;
}
