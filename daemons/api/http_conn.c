/* SPDX-License-Identifier: MIT */
/* http_conn.c -- libmicrohttpd's connections, each tracked from start to
 * close, so that nobody without a token can hold the server: every request
 * must arrive whole (headers and body) by a deadline, and connections that
 * have not yet carried an authorized request are capped, the oldest going
 * first, so that a flood of them leaves room for real clients.
 *
 * MHD's own MHD_OPTION_CONNECTION_TIMEOUT is an idle timeout: a client
 * that sends a byte now and then resets it forever.  MHD has no call to
 * close a connection, so an expired one is shut down (shutdown(2), not
 * close: MHD still owns the fd), and MHD closes it when it reads the end. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api.h"
#include "log.h"
#include "util.h"

#define SWEEP_MIN_USEC	500000	/* sweeps come at most this often */

static void sweep(lws_sorted_usec_list_t *sul);

/* How many connections without an authorized request may be open: a
 * fixed few, and never more than half of max_clients. */
static unsigned
unauth_max(const struct api *api)
{
	unsigned half = api->cfg.max_clients > 0 ? api->cfg.max_clients / 2 : API_HTTP_UNAUTH_MAX;

	if (half < 1)
		half = 1;
	return half < API_HTTP_UNAUTH_MAX ? half : API_HTTP_UNAUTH_MAX;
}

static void
arm(struct api *api, uint64_t at)
{
	uint64_t now = mono_usec();

	if (api->hconn_at != 0 && api->hconn_at <= at)
		return;		/* an earlier sweep looks at it anyway */
	api->hconn_at = at;
	lws_sul_schedule(api->lws, 0, &api->hconn_sul, sweep,
	    at > now ? (lws_usec_t)(at - now) : 0);
}

static void
set_deadline(struct http_conn *hc, unsigned sec)
{
	hc->deadline = mono_usec() + (uint64_t)sec * 1000000;
	arm(hc->api, hc->deadline);
}

static bool
counts_unauth(const struct http_conn *hc)
{
	return !hc->authed && !hc->gone;
}

/* Ends a connection MHD holds: an answer when a request is under way
 * (nothing else is being written then), then shutdown(2); MHD reads the
 * end on its next run and closes.  status 0: close without a word. */
static void
expire(struct http_conn *hc, unsigned status, const char *code, const char *msg)
{
	char buf[512], body[256];
	int bl, n;

	if (hc->gone)
		return;
	if (counts_unauth(hc))
		hc->api->nunauth--;
	hc->gone = true;
	hc->deadline = 0;
	if (status != 0) {
		bl = snprintf(body, sizeof(body), "{\"error\":{\"code\":\"%s\",\"message\":\"%s\"}}",
		    code, msg);
		n = snprintf(buf, sizeof(buf), "HTTP/1.1 %u %s\r\nContent-Type: application/json\r\n"
		    "Content-Length: %d\r\nConnection: close\r\nCache-Control: no-store\r\n\r\n%s",
		    status, status == 408 ? "Request Timeout" : "Service Unavailable", bl, body);
		(void)send(hc->fd, buf, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
	}
	shutdown(hc->fd, SHUT_RDWR);
}

static void
sweep(lws_sorted_usec_list_t *sul)
{
	struct api *api = lws_container_of(sul, struct api, hconn_sul);
	struct http_conn *hc;
	uint64_t now = mono_usec(), next = 0;
	bool any = false;

	api->hconn_at = 0;
	/* (Spelled out: cppcheck 2.10 trips over TAILQ_FOREACH here.) */
	for (hc = TAILQ_FIRST(&api->hconns); hc != NULL; hc = TAILQ_NEXT(hc, entry)) {
		if (hc->deadline == 0)
			continue;
		if (hc->deadline <= now + 1000) {
			log_debug("http: a request did not arrive in time");
			if (hc->requests == 0)
				expire(hc, 408, "request_timeout",
				    "the request did not arrive within " API_STR(API_REQUEST_SEC) " seconds");
			else
				expire(hc, 0, NULL, NULL);	/* idle keep-alive */
			any = true;
		} else if (next == 0 || hc->deadline < next) {
			next = hc->deadline;
		}
	}
	if (next != 0)
		arm(api, next > now + SWEEP_MIN_USEC ? next : now + SWEEP_MIN_USEC);
	if (any)
		http_kick(api);
}

struct http_conn *
hconn_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci != NULL ? ci->socket_context : NULL;
}

void
hconn_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
    enum MHD_ConnectionNotificationCode toe)
{
	struct api *api = cls;
	const union MHD_ConnectionInfo *ci;
	struct http_conn *hc = *socket_context, *old;

	if (toe != MHD_CONNECTION_NOTIFY_STARTED) {
		if (hc == NULL)
			return;
		if (counts_unauth(hc))
			api->nunauth--;
		TAILQ_REMOVE(&api->hconns, hc, entry);
		free(hc);
		*socket_context = NULL;
		return;
	}
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (ci == NULL || (hc = calloc(1, sizeof(*hc))) == NULL)
		return;		/* untracked: MHD's idle timeout still applies */
	hc->api = api;
	hc->fd = ci->connect_fd;
	if (api->nunauth >= unauth_max(api)) {
		for (old = TAILQ_FIRST(&api->hconns); old != NULL; old = TAILQ_NEXT(old, entry))
			if (counts_unauth(old) && old->deadline != 0)
				break;
		if (old != NULL) {
			log_debug("http: too many connections without a token, dropping the oldest");
			expire(old, old->requests == 0 ? 503 : 0, "unavailable",
			    "too many connections without a token: try again");
		}
	}
	TAILQ_INSERT_TAIL(&api->hconns, hc, entry);
	api->nunauth++;
	set_deadline(hc, API_REQUEST_SEC);
	*socket_context = hc;
}

void
hconn_authorized(struct http_conn *hc)
{
	if (hc == NULL || hc->authed)
		return;
	if (counts_unauth(hc))
		hc->api->nunauth--;
	hc->authed = true;
}

void
hconn_received(struct http_conn *hc)
{
	if (hc != NULL)
		hc->deadline = 0;	/* answering: MHD's idle timeout covers a slow reader */
}

void
hconn_completed(struct http_conn *hc)
{
	if (hc == NULL || hc->gone)
		return;
	hc->requests++;
	set_deadline(hc, API_HTTP_TIMEOUT_SEC);
}

void
hconn_stop(struct api *api)
{
	if (api->lws != NULL)
		lws_sul_cancel(&api->hconn_sul);
	api->hconn_at = 0;
}
