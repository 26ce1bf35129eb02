/* SPDX-License-Identifier: MIT */
/* evfd.c -- signalfd and timerfd, made once for both daemons' loops.
 *
 * Why timerfds rather than a poll() timeout: a timer that is an fd wakes
 * the loop like any other event, needs no "next deadline" arithmetic in
 * the loop itself, and (under libwebsockets) avoids its sub-millisecond
 * busy-poll before every lws_sul expiry. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

#include "evfd.h"

int
evfd_signals(void)
{
	sigset_t mask;
	int fd;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return -errno;
	if ((fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) < 0)
		return -errno;
	return fd;
}

static struct timespec
ts_of(uint64_t us)
{
	struct timespec ts = { .tv_sec = (time_t)(us / 1000000),
		.tv_nsec = (long)(us % 1000000) * 1000 };

	return ts;
}

int
evfd_timer_set(int fd, uint64_t first_us, uint64_t interval_us)
{
	struct itimerspec its;

	memset(&its, 0, sizeof(its));
	its.it_value = ts_of(first_us);
	its.it_interval = ts_of(interval_us);
	return timerfd_settime(fd, 0, &its, NULL) < 0 ? -errno : 0;
}

int
evfd_timer(uint64_t first_us, uint64_t interval_us)
{
	int fd, r;

	if ((fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)) < 0)
		return -errno;
	if ((r = evfd_timer_set(fd, first_us, interval_us)) < 0) {
		close(fd);
		return r;
	}
	return fd;
}

uint64_t
evfd_timer_drain(int fd)
{
	uint64_t n = 0;

	if (read(fd, &n, sizeof(n)) != (ssize_t)sizeof(n))
		return 0;
	return n;
}
