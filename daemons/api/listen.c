/* SPDX-License-Identifier: MIT */
/* listen.c -- one port for everything: accepts each connection itself,
 * peeks at its request line (MSG_PEEK consumes nothing) and hands `/ws` to
 * libwebsockets and everything else to libmicrohttpd.  Connections whose
 * request line has not arrived yet wait in a private edge-triggered epoll
 * set, bounded in number and in time, so silent clients stall no one. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "api.h"
#include "log.h"
#include "util.h"

#define ACCEPT_BATCH	64	/* accepts per wake-up, so a flood starves no one */

struct pending {
	TAILQ_ENTRY(pending) entry;
	int fd;
	bool draining;		/* in api->draining, else in api->pending */
	size_t drained;		/* bytes read and dropped so far */
	uint64_t deadline;	/* mono_usec() */
	struct sockaddr_storage sa;
	socklen_t salen;
};

static void peek_timeout(lws_sorted_usec_list_t *sul);
static void drain_timeout(lws_sorted_usec_list_t *sul);

/* The end of the header block that starts at the request line's "\n" nl,
 * or NULL when it has not all arrived. */
static const char *
head_end(const char *nl, const char *end)
{
	const char *p;

	for (p = nl; p != NULL && p < end; p = memchr(p + 1, '\n', (size_t)(end - p - 1))) {
		if (p + 1 < end && p[1] == '\n')
			return p + 2;
		if (p + 2 < end && p[1] == '\r' && p[2] == '\n')
			return p + 3;
	}
	return NULL;
}

/* Decides from what the client sent so far where the connection goes.  A
 * WebSocket goes to lws only with its whole handshake here, so lws never
 * holds a half-sent one; an HTTP request goes to MHD with its request
 * line, and MHD's deadlines take it from there. */
void
peek_classify(const char *buf, size_t n, struct peek_result *res)
{
	const char *nl, *sp, *path, *he;
	size_t plen;

	memset(res, 0, sizeof(*res));
	if (n == 0) {
		res->v = PEEK_WAIT;
		return;
	}
	nl = memchr(buf, '\n', n);
	if (nl == NULL) {
		res->v = PEEK_WAIT;
		if (n >= API_PEEK_BYTES) {
			res->v = PEEK_REFUSE;
			res->status = 414;
			res->code = "uri_too_long";
			res->msg = "the request line is over " API_STR(API_PEEK_BYTES) " bytes";
		}
		return;
	}
	if (memchr(buf, '\0', (size_t)(nl - buf)) != NULL) {
		res->v = PEEK_REFUSE;
		res->status = 400;
		res->code = "bad_request";
		res->msg = "the request line holds a NUL byte";
		return;
	}
	/* "METHOD SP request-target SP HTTP/x.y"; anything odd goes to MHD,
	 * which answers it properly. */
	res->v = PEEK_HTTP;
	sp = memchr(buf, ' ', (size_t)(nl - buf));
	if (sp == NULL)
		return;
	path = sp + 1;
	plen = (size_t)(nl - path);
	if (!(plen >= 3 && memcmp(path, "/ws", 3) == 0 &&
	    (plen == 3 || path[3] == ' ' || path[3] == '?' || path[3] == '/')))
		return;
	if ((he = head_end(nl, buf + n)) != NULL) {
		res->v = PEEK_WS;
		res->head = (size_t)(he - buf);
	} else if (n >= API_PEEK_BYTES) {
		res->v = PEEK_REFUSE;
		res->status = 431;
		res->code = "headers_too_large";
		res->msg = "the WebSocket handshake is over " API_STR(API_PEEK_BYTES) " bytes";
	} else {
		res->v = PEEK_WAIT;
	}
}

/* Reads, without consuming, what the client sent so far, and classifies it. */
static void
peek(int fd, struct peek_result *res)
{
	char buf[API_PEEK_BYTES];
	ssize_t n;

	n = recv(fd, buf, sizeof(buf), MSG_PEEK);
	if (n <= 0) {
		memset(res, 0, sizeof(*res));
		res->v = n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ?
		    PEEK_WAIT : PEEK_CLOSE;
		return;
	}
	peek_classify(buf, (size_t)n, res);
}

/* clang 14's analyzer reports "use of memory after it is freed" where the
 * callers below take TAILQ_FIRST again after pending_free(): it does not
 * see that TAILQ_REMOVE updates the head through tqe_prev (which points at
 * tqh_first).  Those call sites carry a NOLINT that refers here. */
static void
pending_free(struct api *api, struct pending *p, bool close_fd)
{
	if (p->draining) {
		TAILQ_REMOVE(&api->draining, p, entry);
		api->ndraining--;
	} else {
		TAILQ_REMOVE(&api->pending, p, entry);
		api->npending--;
	}
	if (p->fd >= 0)
		epoll_ctl(api->peek_epfd, EPOLL_CTL_DEL, p->fd, NULL);
	if (close_fd && p->fd >= 0)
		close(p->fd);
	free(p);
}

/* Each list is in arrival order with one timeout for all, so its head has
 * the earliest deadline. */
static void
list_arm(struct api *api, struct pending_list *list, lws_sorted_usec_list_t *sul,
    sul_cb_t cb)
{
	struct pending *p = TAILQ_FIRST(list);
	uint64_t now;

	if (p == NULL) {
		lws_sul_cancel(sul);
		return;
	}
	now = mono_usec();
	lws_sul_schedule(api->lws, 0, sul, cb,
	    p->deadline > now ? (lws_usec_t)(p->deadline - now) : 0);
}

static void
peek_arm(struct api *api)
{
	list_arm(api, &api->pending, &api->peek_sul, peek_timeout);
}

static void
drain_arm(struct api *api)
{
	list_arm(api, &api->draining, &api->drain_sul, drain_timeout);
}

static bool
peek_watch(struct api *api, struct pending *p)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
	ev.data.ptr = p;
	if (epoll_ctl(api->peek_epfd, EPOLL_CTL_ADD, p->fd, &ev) < 0) {
		log_warn("listen: epoll_ctl");
		return false;
	}
	return true;
}

/* Reads and drops what a refused client still sends.  True when done:
 * the client closed, or sent too much. */
static bool
drain(struct pending *p)
{
	char buf[4096];
	ssize_t n;

	while ((n = recv(p->fd, buf, sizeof(buf), 0)) > 0)
		if ((p->drained += (size_t)n) > (size_t)API_DRAIN_BYTES)
			return true;
	return n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

/* Answers a request the router cannot hand on, and closes the connection
 * gracefully: closing at once with the rest of the request unread would
 * make the kernel send a reset, and the client might lose the answer.  So
 * the write side is shut, and what follows is read and dropped for a
 * moment first. */
static void
refuse(struct api *api, int fd, const struct peek_result *res)
{
	static const struct { unsigned status; const char *reason; } reasons[] = {
		{ 400, "Bad Request" },
		{ 414, "URI Too Long" },
		{ 431, "Request Header Fields Too Large" },
	};
	char msg[512], body[256];
	const char *reason = "Error";
	struct pending *p, *old;
	size_t i;
	int bl, ml;

	for (i = 0; i < NELEMS(reasons); i++)
		if (reasons[i].status == res->status)
			reason = reasons[i].reason;
	bl = snprintf(body, sizeof(body), "{\"error\":{\"code\":\"%s\",\"message\":\"%s\"}}",
	    res->code, res->msg);
	ml = snprintf(msg, sizeof(msg), "HTTP/1.1 %u %s\r\nContent-Type: application/json\r\n"
	    "Content-Length: %d\r\nConnection: close\r\nCache-Control: no-store\r\n"
	    "X-Content-Type-Options: nosniff\r\n\r\n%s", res->status, reason, bl, body);
	log_debug("listen: %u: %s", res->status, res->msg);
	/* A fresh socket's send buffer is empty: this fits. */
	if (send(fd, msg, (size_t)ml, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 ||
	    shutdown(fd, SHUT_WR) < 0) {
		close(fd);
		return;
	}
	if (api->ndraining >= API_DRAIN_MAX && (old = TAILQ_FIRST(&api->draining)) != NULL)
		/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): see pending_free() */
		pending_free(api, old, true);
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		close(fd);
		return;
	}
	p->fd = fd;
	p->draining = true;
	p->deadline = mono_usec() + (uint64_t)API_DRAIN_SEC * 1000000;
	if (!peek_watch(api, p)) {
		close(fd);
		free(p);
		return;
	}
	TAILQ_INSERT_TAIL(&api->draining, p, entry);
	if (api->ndraining++ == 0)
		drain_arm(api);
}

static void
dispatch(struct api *api, int fd, const struct peek_result *res, const struct sockaddr *sa,
    socklen_t salen)
{
	switch (res->v) {
	case PEEK_WS:
		if (wsguard_watch(fd, res->head) < 0) {
			close(fd);
			break;
		}
		/* lws owns fd now, even when this fails. */
		if (lws_adopt_socket_vhost(api->vh, fd) == NULL)
			log_debug("listen: lws refused a WebSocket connection");
		break;
	case PEEK_HTTP:
		wsguard_forget(fd);
		http_add_connection(api, fd, sa, salen);
		break;
	case PEEK_REFUSE:
		refuse(api, fd, res);
		break;
	default:
		close(fd);
		break;
	}
}

static void
peek_timeout(lws_sorted_usec_list_t *sul)
{
	struct api *api = lws_container_of(sul, struct api, peek_sul);
	struct pending *p;
	uint64_t now = mono_usec();

	/* A millisecond of slack avoids a re-arm for an almost-due neighbour. */
	/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): see pending_free() */
	while ((p = TAILQ_FIRST(&api->pending)) != NULL && p->deadline <= now + 1000) {
		log_debug("listen: closing a connection that sent no request line");
		pending_free(api, p, true);
	}
	peek_arm(api);
}

static void
drain_timeout(lws_sorted_usec_list_t *sul)
{
	struct api *api = lws_container_of(sul, struct api, drain_sul);
	struct pending *p;
	uint64_t now = mono_usec();

	/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): see pending_free() */
	while ((p = TAILQ_FIRST(&api->draining)) != NULL && p->deadline <= now + 1000)
		pending_free(api, p, true);
	drain_arm(api);
}

static int
peek_rx(struct api_fd *h)
{
	struct api *api = h->api;
	struct epoll_event ev[64];
	struct peek_result res;
	struct pending *p;
	bool head;
	int i, n;

	while ((n = epoll_wait(api->peek_epfd, ev, (int)NELEMS(ev), 0)) > 0) {
		for (i = 0; i < n; i++) {
			p = ev[i].data.ptr;
			if (p->draining) {
				if (!drain(p) && !(ev[i].events & (EPOLLHUP | EPOLLERR)))
					continue;
				head = p == TAILQ_FIRST(&api->draining);
				pending_free(api, p, true);
				if (head)
					drain_arm(api);
				continue;
			}
			peek(p->fd, &res);
			if (res.v == PEEK_WAIT &&
			    (ev[i].events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
				res.v = PEEK_CLOSE;
			if (res.v == PEEK_WAIT)
				continue;
			head = p == TAILQ_FIRST(&api->pending);
			epoll_ctl(api->peek_epfd, EPOLL_CTL_DEL, p->fd, NULL);
			dispatch(api, p->fd, &res, (struct sockaddr *)&p->sa, p->salen);
			p->fd = -1;
			pending_free(api, p, false);
			if (head)
				peek_arm(api);
		}
		if (n < (int)NELEMS(ev))
			break;
	}
	return 0;
}

/* A new connection: route it now if its request line is here, else park it
 * in the peek set.  When the set is full the oldest parked one goes. */
static void
route(struct api *api, int fd, const struct sockaddr_storage *sa, socklen_t salen)
{
	struct peek_result res;
	struct pending *p, *old;

	peek(fd, &res);
	if (res.v != PEEK_WAIT) {
		dispatch(api, fd, &res, (const struct sockaddr *)sa, salen);
		return;
	}
	if (api->npending >= API_PENDING_MAX && (old = TAILQ_FIRST(&api->pending)) != NULL) {
		log_debug("listen: too many silent connections, dropping the oldest");
		/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): see pending_free() */
		pending_free(api, old, true);
	}
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		close(fd);
		return;
	}
	p->fd = fd;
	p->deadline = mono_usec() + (uint64_t)API_PEEK_TIMEOUT_SEC * 1000000;
	memcpy(&p->sa, sa, salen);
	p->salen = salen;
	if (!peek_watch(api, p)) {
		close(fd);
		free(p);
		return;
	}
	TAILQ_INSERT_TAIL(&api->pending, p, entry);
	if (api->npending++ == 0)
		peek_arm(api);
}

static void
accept_resume(lws_sorted_usec_list_t *sul)
{
	struct api *api = lws_container_of(sul, struct api, accept_sul);
	size_t i;

	for (i = 0; i < api->nlisteners; i++)
		if (api->listeners[i].wsi != NULL)
			lws_rx_flow_control(api->listeners[i].wsi, 1);
}

/* Every answer and frame is written whole, so Nagle's algorithm has
 * nothing to merge: it would only hold the tail of a large frame back
 * until the client's delayed ACK (40 ms on Linux). */
static void
set_nodelay(int fd)
{
	int on = 1;

	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
}

static int
listen_rx(struct api_fd *h)
{
	struct api *api = h->api;
	struct sockaddr_storage sa;
	socklen_t salen;
	struct pending *old;
	size_t i;
	int fd, n;

	for (n = 0; n < ACCEPT_BATCH; n++) {
		salen = sizeof(sa);
		fd = accept4(h->fd, (struct sockaddr *)&sa, &salen, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			set_nodelay(fd);
			route(api, fd, &sa, salen);
			continue;
		}
		switch (errno) {
		case EAGAIN:
		case ECONNABORTED:
		case EINTR:
		case EPROTO:
			if (errno == EAGAIN)
				return 0;
			continue;
		case EMFILE:
		case ENFILE:
		case ENOBUFS:
		case ENOMEM:
			/* The listening socket stays readable: without a pause
			 * the loop would spin.  Free a parked connection if
			 * there is one, and stop accepting for a moment. */
			log_warn("listen: accept");
			if ((old = TAILQ_FIRST(&api->pending)) != NULL)
				/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): see pending_free() */
				pending_free(api, old, true);
			for (i = 0; i < api->nlisteners; i++)
				if (api->listeners[i].wsi != NULL)
					lws_rx_flow_control(api->listeners[i].wsi, 0);
			lws_sul_schedule(api->lws, 0, &api->accept_sul, accept_resume,
			    200 * LWS_US_PER_MS);
			return 0;
		default:
			log_warn("listen: accept");
			return 0;
		}
	}
	return 0;
}

static int
bind_addr(const char *addr)
{
	struct addrinfo hints, *res = NULL;
	char host[256];
	const char *colon, *port;
	size_t hlen;
	int fd = -1, on = 1, r;

	colon = strrchr(addr, ':');
	if (colon == NULL) {
		log_warnx("listen: %s: expected ADDR:PORT", addr);
		return -EINVAL;
	}
	port = colon + 1;
	hlen = (size_t)(colon - addr);
	if (hlen >= 2 && addr[0] == '[' && addr[hlen - 1] == ']') {
		addr++;
		hlen -= 2;
	}
	if (hlen >= sizeof(host)) {
		log_warnx("listen: address too long");
		return -EINVAL;
	}
	memcpy(host, addr, hlen);
	host[hlen] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((r = getaddrinfo(hlen ? host : NULL, port, &hints, &res)) != 0) {
		log_warnx("listen: %s: %s", addr, gai_strerror(r));
		return -EINVAL;
	}
	fd = socket(res->ai_family, res->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		r = -errno;
		log_warn("listen: socket");
		goto done;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, SOMAXCONN) < 0) {
		r = -errno;
		log_warn("listen: %s", addr);
		close(fd);
		goto done;
	}
	r = fd;
done:
	freeaddrinfo(res);
	return r;
}

static void
log_bound(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[NI_MAXHOST], serv[NI_MAXSERV];
	const char *fields[] = { NULL, NULL };
	char field[NI_MAXHOST + NI_MAXSERV + 32];
	bool v6;

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0 ||
	    getnameinfo((struct sockaddr *)&ss, sl, host, sizeof(host), serv, sizeof(serv),
		NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		return;
	/* getsockname() filled ss, but clang 14's analyzer does not see writes
	 * through glibc's transparent-union __SOCKADDR_ARG (_GNU_SOURCE). */
	/* NOLINTNEXTLINE(clang-analyzer-core.UndefinedBinaryOperatorResult) */
	v6 = ss.ss_family == AF_INET6;
	snprintf(field, sizeof(field), "HOMECTL_LISTEN=%s%s%s:%s", v6 ? "[" : "", host,
	    v6 ? "]" : "", serv);
	fields[0] = field;
	log_fields(LOG_INFO, fields, "listening on %s", field + strlen("HOMECTL_LISTEN="));
}

int
listen_start(struct api *api, const char *addr)
{
	int fds[16], nfds = 0, n, i, fd;

	TAILQ_INIT(&api->pending);
	TAILQ_INIT(&api->draining);
	api->peek_epfd = epoll_create1(EPOLL_CLOEXEC);
	if (api->peek_epfd < 0) {
		log_warn("listen: epoll_create1");
		return -errno;
	}
	/* lws closes what it adopts; keep our own copy of the peek set. */
	fd = fcntl(api->peek_epfd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0 || loop_adopt(api, fd, &api->peek_fd, "peek") < 0)
		return -EIO;
	api->peek_fd.rx = peek_rx;

	n = sd_listen_fds(1);
	if (n < 0) {
		log_warnx("listen: sd_listen_fds: %s", strerror(-n));
		n = 0;
	}
	for (i = 0; i < n && nfds < (int)NELEMS(fds); i++) {
		fd = SD_LISTEN_FDS_START + i;
		if (sd_is_socket(fd, AF_UNSPEC, SOCK_STREAM, 1) <= 0) {
			log_warnx("listen: fd %d from systemd is not a listening stream socket", fd);
			continue;
		}
		fds[nfds++] = fd;
	}
	if (nfds == 0) {
		if ((fd = bind_addr(addr)) < 0)
			return fd;
		fds[nfds++] = fd;
	}
	api->listeners = calloc((size_t)nfds, sizeof(*api->listeners));
	if (api->listeners == NULL)
		return -ENOMEM;
	for (i = 0; i < nfds; i++) {
		log_bound(fds[i]);
		api->listeners[i].rx = listen_rx;
		if (loop_adopt(api, fds[i], &api->listeners[i], "listener") < 0)
			return -EIO;
		api->nlisteners++;
	}
	return 0;
}

int
listen_port(struct api *api)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (api->nlisteners == 0 || getsockname(api->listeners[0].fd,
	    (struct sockaddr *)&ss, &sl) < 0)
		return -1;
	/* Filled by getsockname(); see log_bound() for the analyzer's blind spot. */
	/* NOLINTNEXTLINE(clang-analyzer-core.UndefinedBinaryOperatorResult) */
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return -1;
}

void
listen_stop(struct api *api)
{
	struct pending *p;

	while ((p = TAILQ_FIRST(&api->pending)) != NULL)
		/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): see pending_free() */
		pending_free(api, p, true);
	while ((p = TAILQ_FIRST(&api->draining)) != NULL)
		/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): see pending_free() */
		pending_free(api, p, true);
	lws_sul_cancel(&api->peek_sul);
	lws_sul_cancel(&api->drain_sul);
	lws_sul_cancel(&api->accept_sul);
	if (api->peek_epfd >= 0)
		close(api->peek_epfd);
	api->peek_epfd = -1;
	free(api->listeners);
	api->listeners = NULL;
	api->nlisteners = 0;
}
