/* SPDX-License-Identifier: MIT */
/* evfd.h -- the kernel fds both daemons build their loops from: signals as
 * a signalfd, timers as timerfds.  homectl-api adopts them into the
 * libwebsockets loop, homectl-mcp registers them in its epoll set; the
 * fds themselves are made the same way here. */
#ifndef HOMECTL_EVFD_H
#define HOMECTL_EVFD_H

#include <stddef.h>
#include <stdint.h>

/* Blocks SIGTERM, SIGINT and SIGHUP and returns a non-blocking signalfd
 * that reads them, or -errno.  Children would have to unblock them before
 * exec. */
int evfd_signals(void);

/* A non-blocking CLOCK_MONOTONIC timerfd, first due after first_us (0:
 * disarmed) and then every interval_us (0: once).  The fd or -errno. */
int evfd_timer(uint64_t first_us, uint64_t interval_us);
/* Re-arms a timerfd the same way.  0 or -errno. */
int evfd_timer_set(int fd, uint64_t first_us, uint64_t interval_us);
/* Reads a timerfd's expiration count (0 when it has not fired). */
uint64_t evfd_timer_drain(int fd);

#endif
