/* SPDX-License-Identifier: MIT */
/* loop.c -- homectl-mcp's event loop: every source is an fd registered
 * once in an epoll set with its own callback (signals, the watcher, the
 * listening socket, each session, and timers as timerfds), the way
 * homectl-api adopts its fds into the libwebsockets loop.  A handle's
 * interest changes with loop_want(), which touches the kernel only when
 * it differs.
 *
 * epoll refuses regular files and /dev/null (EPERM), which --stdio meets
 * whenever stdin or stdout is redirected; such a handle is "always ready":
 * the loop does not sleep while one wants something, and calls it every
 * turn, which is true of those files (reads and writes never block).
 *
 * A callback never frees a handle: it marks its owner (a session is
 * marked dead) and the owner is freed after loop_turn() returns, so an
 * event still queued in this turn never points at freed memory. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>

#include "evfd.h"
#include "log.h"
#include "mcp.h"
#include "util.h"

#define EVENTS_MAX 64	/* epoll events per turn */

int
loop_init(struct loop *l)
{
	memset(l, 0, sizeof(*l));
	if ((l->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0)
		return -errno;
	return 0;
}

void
loop_free(struct loop *l)
{
	if (l->epfd >= 0)
		close(l->epfd);
	l->epfd = -1;
}

/* Puts h in the epoll set, or in the always-ready list when epoll
 * refuses its fd. */
static int
enter(struct loop_fd *h)
{
	struct loop *l = h->loop;
	struct epoll_event ev = { .events = h->events, .data.ptr = h };

	if (h->always || epoll_ctl(l->epfd, EPOLL_CTL_ADD, h->fd, &ev) == 0)
		return 0;
	if (errno != EPERM) {
		log_warn("loop: %s (fd %d)", h->name, h->fd);
		return -errno;
	}
	for (int i = 0; i < LOOP_ALWAYS_MAX; i++)
		if (l->always[i] == NULL) {
			l->always[i] = h;
			h->always = true;
			return 0;
		}
	log_warnx("loop: %s (fd %d) cannot be polled", h->name, h->fd);
	return -EPERM;
}

int
loop_add(struct loop *l, struct loop_fd *h, int fd, uint32_t events, const char *name)
{
	int r;

	h->loop = l;
	h->fd = fd;
	h->events = events;
	h->name = name;
	h->always = false;
	/* A handle that waits for nothing is not in the set: an fd there
	 * would still report EPOLLHUP and EPOLLERR, level-triggered, and spin
	 * the loop while nobody wants to hear about it. */
	if (events != 0 && (r = enter(h)) < 0)
		return r;
	h->added = true;
	return 0;
}

int
loop_want(struct loop_fd *h, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = h };
	uint32_t was = h->events;

	if (!h->added || was == events)
		return 0;
	h->events = events;
	if (h->always)
		return 0;
	if (was == 0)
		return enter(h);
	if (epoll_ctl(h->loop->epfd, events == 0 ? EPOLL_CTL_DEL : EPOLL_CTL_MOD, h->fd,
	    &ev) < 0) {
		log_warn("loop: %s (fd %d)", h->name, h->fd);
		return -errno;
	}
	return 0;
}

void
loop_del(struct loop_fd *h)
{
	if (!h->added)
		return;
	if (h->always) {
		for (int i = 0; i < LOOP_ALWAYS_MAX; i++)
			if (h->loop->always[i] == h)
				h->loop->always[i] = NULL;
	} else if (h->events != 0)
		epoll_ctl(h->loop->epfd, EPOLL_CTL_DEL, h->fd, NULL);
	h->added = false;
	h->always = false;
}

int
loop_timer(struct loop *l, struct loop_fd *h, const char *name, uint64_t first_us,
    uint64_t interval_us)
{
	int fd = evfd_timer(first_us, interval_us);

	if (fd < 0) {
		log_warnx("loop: %s: timerfd: %s", name, strerror(-fd));
		return fd;
	}
	if (loop_add(l, h, fd, EPOLLIN, name) < 0) {
		close(fd);
		return -EIO;
	}
	return 0;
}

int
loop_timer_set(struct loop_fd *h, uint64_t first_us, uint64_t interval_us)
{
	return evfd_timer_set(h->fd, first_us, interval_us);
}

uint64_t
loop_timer_drain(struct loop_fd *h)
{
	return evfd_timer_drain(h->fd);
}

int
loop_turn(struct loop *l, int timeout_ms)
{
	struct epoll_event ev[EVENTS_MAX];
	struct loop_fd *h;
	int n, i;

	for (i = 0; i < LOOP_ALWAYS_MAX; i++)
		if (l->always[i] != NULL && l->always[i]->events != 0)
			timeout_ms = 0;
	n = epoll_wait(l->epfd, ev, EVENTS_MAX, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (i = 0; i < n; i++) {
		h = ev[i].data.ptr;
		h->cb(h, ev[i].events);
	}
	for (i = 0; i < LOOP_ALWAYS_MAX; i++)
		if ((h = l->always[i]) != NULL && h->events != 0)
			h->cb(h, h->events);
	return n;
}

void
loop_timer_close(struct loop_fd *h)
{
	if (!h->added)
		return;
	loop_del(h);
	close(h->fd);
	h->fd = -1;
}
