/* SPDX-License-Identifier: MIT */
/* clock.c -- the daemon's clock and its one wall-clock timer.
 *
 * Everything that happens at a wall-clock time (a calendar or sun trigger,
 * a sprinkler's end) shares one CLOCK_REALTIME timerfd armed with
 * TFD_TIMER_CANCEL_ON_SET: when the clock is set (an NTP step, a person,
 * resume on some machines), the kernel cancels it and the read fails with
 * ECANCELED, and every next elapse is computed again.  The timer is always
 * armed (a day ahead when nothing is due), since a disarmed timer cannot
 * report a clock change.
 *
 * Tests shift the clock instead of setting it (that needs root): the file
 * given by --clock-offset-file holds seconds to add to the real clock, and
 * writing it counts as the clock being set. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "automations.h"
#include "log.h"
#include "util.h"

#define IDLE_US (24LL * 3600 * 1000000)

int64_t
clock_now(const struct daemon *d)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000 + d->clock.offset_us;
}

bool
clock_reload(struct daemon *d)
{
	char buf[64];
	double s = 0;
	ssize_t n;
	int fd;
	int64_t us;

	if (d->clock.offset_file == NULL)
		return false;
	if ((fd = open(d->clock.offset_file, O_RDONLY | O_CLOEXEC)) < 0)
		return false;	/* not there (yet): keep the offset */
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	buf[strcspn(buf, " \t\r\n")] = '\0';
	if (parse_double(buf, -1e10, 1e10, &s) < 0) {
		log_warnx("clock: %s: not a number of seconds: \"%s\"", d->clock.offset_file, buf);
		return false;
	}
	us = (int64_t)(s * 1e6);
	if (us == d->clock.offset_us)
		return false;
	log_info("clock: offset %+.3f s (%s)", s, d->clock.offset_file);
	d->clock.offset_us = us;
	return true;
}

void
clock_arm(struct daemon *d, int64_t at)
{
	struct itimerspec its = { 0 };
	int64_t real;

	if (at < 0)
		at = clock_now(d) + IDLE_US;
	real = at - d->clock.offset_us;
	if (real < 1)
		real = 1;
	its.it_value.tv_sec = (time_t)(real / 1000000);
	its.it_value.tv_nsec = (long)(real % 1000000) * 1000;
	if (timerfd_settime(d->rt_fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &its,
	    NULL) < 0)
		log_warn("clock: timerfd_settime");
}

static int
rt_ready(sd_event_source *s, int fd, uint32_t revents, void *arg)
{
	struct daemon *d = arg;
	uint64_t n;
	bool jumped = false;

	if (read(fd, &n, sizeof(n)) < 0) {
		if (errno == ECANCELED) {
			log_info("clock: the system clock was set; planning again");
			jumped = true;
		} else if (errno != EAGAIN) {
			log_warn("clock: read");
		}
	}
	engine_tick(d, jumped);
	return 0;
}

static int
offset_ready(sd_event_source *s, int fd, uint32_t revents, void *arg)
{
	struct daemon *d = arg;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

	while (read(fd, buf, sizeof(buf)) > 0)
		;
	if (clock_reload(d))
		engine_tick(d, true);
	return 0;
}

int
clock_init(struct daemon *d)
{
	int r;

	d->offset_fd = -1;
	if ((d->rt_fd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC)) < 0)
		return -errno;
	if ((r = sd_event_add_io(d->ev, &d->rt_src, d->rt_fd, EPOLLIN, rt_ready, d)) < 0)
		return r;
	if (d->clock.offset_file != NULL) {
		char *copy = strdup(d->clock.offset_file);

		if (copy == NULL)
			return -ENOMEM;
		if ((d->offset_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0 ||
		    (d->offset_wd = inotify_add_watch(d->offset_fd, dirname(copy),
		    IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE)) < 0) {
			r = -errno;
			free(copy);
			return r;
		}
		free(copy);
		if ((r = sd_event_add_io(d->ev, &d->offset_src, d->offset_fd, EPOLLIN,
		    offset_ready, d)) < 0)
			return r;
		(void)clock_reload(d);
	}
	clock_arm(d, -1);
	return 0;
}

void
clock_fini(struct daemon *d)
{
	d->rt_src = sd_event_source_disable_unref(d->rt_src);
	d->offset_src = sd_event_source_disable_unref(d->offset_src);
	if (d->rt_fd >= 0)
		close(d->rt_fd);
	if (d->offset_fd >= 0)
		close(d->offset_fd);
	d->rt_fd = d->offset_fd = -1;
}
