/* SPDX-License-Identifier: MIT */
/* http_wait.c -- REST calls that wait for a real device.  A control of a
 * device bound to homectl-mqtt records a pending command; the call answers
 * with the state the device then reports, or with 504 when it does not
 * confirm in time.  The request is suspended in libmicrohttpd meanwhile
 * (the loop goes on serving everyone else) and resumed from the change
 * feed's batches, which carry the device's report, or from a timer at the
 * command's deadline. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "log.h"
#include "util.h"

struct http_wait {
	TAILQ_ENTRY(http_wait) entry;
	struct http_req *r;
	struct json_object *result;	/* ops_control's answer, owned */
	uint64_t deadline;		/* mono_usec */
	uint64_t busy_until;		/* settling met the lock: retry until (0: not yet) */
	http_wait_fn *fn;		/* builds the answer; NULL: REST's */
	void *arg;
	void (*free_arg)(void *);
};

static void
wait_free(struct http_wait *w)
{
	json_object_put(w->result);
	if (w->free_arg != NULL)
		w->free_arg(w->arg);
	free(w);
}

static void wait_timer(lws_sorted_usec_list_t *sul);

/* The timer for the soonest deadline. */
static void
wait_arm(struct api *api)
{
	struct http_wait *w;
	uint64_t soonest = UINT64_MAX, now = mono_usec();

	TAILQ_FOREACH(w, &api->waits, entry)
		if (w->deadline < soonest)
			soonest = w->deadline;
	if (soonest == UINT64_MAX) {
		lws_sul_cancel(&api->wait_sul);
		return;
	}
	lws_sul_schedule(api->lws, 0, &api->wait_sul, wait_timer,
	    (lws_usec_t)(soonest > now ? soonest - now : 0));
}

static void
wait_timer(lws_sorted_usec_list_t *sul)
{
	http_wait_poll(lws_container_of(sul, struct api, wait_sul), true);
}

/* Hands the answer to the suspended request and lets MHD send it. */
static void
wait_finish(struct api *api, struct http_wait *w, unsigned status, struct MHD_Response *resp)
{
	struct http_req *r = w->r;

	TAILQ_REMOVE(&api->waits, w, entry);
	wait_free(w);
	r->wait = NULL;
	r->reply = resp;
	r->reply_status = status;
	MHD_resume_connection(r->conn);
	http_kick_soon(api);
}

/* 1 when w is answered (and freed), 0 when it still waits. */
static int
wait_check(struct api *api, struct http_wait *w, bool deadline)
{
	struct json_object *out = NULL;
	char err[OPS_ERRLEN] = "";
	uint64_t now = mono_usec();
	unsigned status;
	int rc;

	rc = ops_outcome(&api->ops, w->result, deadline && now >= w->deadline, &out, err);
	/* Settling a timed-out command met another process's write lock
	 * (DB_NOWAIT; homectl-mqtt may be settling the same command): nothing
	 * was written, so try again shortly, up to API_BUSY_WAIT_MS, rather
	 * than answer 503 busy for a device that did not respond. */
	if (rc == -EBUSY && (w->busy_until == 0 || now < w->busy_until)) {
		if (w->busy_until == 0)
			w->busy_until = now + (uint64_t)API_BUSY_WAIT_MS * 1000;
		w->deadline = now + (uint64_t)API_BUSY_RETRY_MS * 1000;
		json_object_put(out);
		return 0;
	}
	if (rc == 0)
		return 0;
	if (w->fn != NULL) {
		struct MHD_Response *resp = w->fn(w->arg, rc, out, err, &status);

		wait_finish(api, w, status, resp);
		return 1;
	}
	if (rc > 0) {
		wait_finish(api, w, 200, http_json_response(200, out));
	} else {
		struct MHD_Response *resp = http_ops_response(rc, err, &status);

		wait_finish(api, w, status, resp);
	}
	return 1;
}

/* Suspends r until result's commands settle; takes result (and arg) on
 * success. */
static int
wait_add(struct http_req *r, struct json_object *result, http_wait_fn *fn, void *arg,
    void (*free_arg)(void *))
{
	struct api *api = r->api;
	struct http_wait *w;
	int64_t ms = api->ops.command_timeout_ms > 0 ? api->ops.command_timeout_ms :
	    OPS_COMMAND_TIMEOUT_MS;

	if (r->wait != NULL || (w = calloc(1, sizeof(*w))) == NULL)
		return -ENOMEM;
	w->r = r;
	w->result = result;
	w->fn = fn;
	w->arg = arg;
	w->free_arg = free_arg;
	w->deadline = mono_usec() + (uint64_t)ms * 1000;
	r->wait = w;
	TAILQ_INSERT_TAIL(&api->waits, w, entry);
	MHD_suspend_connection(r->conn);
	wait_arm(api);
	return 0;
}

enum MHD_Result
http_wait_start(struct http_req *r, struct json_object *result)
{
	struct api *api = r->api;
	struct json_object *out = NULL;
	char err[OPS_ERRLEN] = "";
	int rc;

	rc = ops_outcome(&api->ops, result, false, &out, err);
	if (rc != 0) {
		json_object_put(result);
		return rc > 0 ? http_reply_json(r, 200, out) : http_reply_ops(r, rc, err);
	}
	if (wait_add(r, result, NULL, NULL, NULL) < 0) {
		json_object_put(result);
		return http_reply_error(r, 500, "internal", "out of memory");
	}
	return MHD_YES;
}

int
http_wait_defer(struct http_req *r, struct json_object *result, http_wait_fn *fn, void *arg,
    void (*free_arg)(void *))
{
	return wait_add(r, result, fn, arg, free_arg);
}

void
http_wait_poll(struct api *api, bool deadline)
{
	struct http_wait *w, *next;

	if (TAILQ_EMPTY(&api->waits))
		return;
	for (w = TAILQ_FIRST(&api->waits); w != NULL; w = next) {
		next = TAILQ_NEXT(w, entry);
		wait_check(api, w, deadline);
	}
	wait_arm(api);
}

void
http_wait_drop(struct http_req *r)
{
	struct http_wait *w = r->wait;

	if (w == NULL)
		return;
	TAILQ_REMOVE(&r->api->waits, w, entry);
	wait_free(w);
	r->wait = NULL;
}

void
http_wait_stop(struct api *api)
{
	struct http_wait *w;

	while ((w = TAILQ_FIRST(&api->waits)) != NULL) {
		/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): TAILQ_REMOVE below moved the head */
		struct http_req *r = w->r;

		TAILQ_REMOVE(&api->waits, w, entry);
		wait_free(w);
		r->wait = NULL;
		r->reply_status = 503;
		r->reply = http_ops_response(-EHOSTDOWN, "homectl-api is stopping", &r->reply_status);
		MHD_resume_connection(r->conn);
	}
	if (api->lws != NULL)
		lws_sul_cancel(&api->wait_sul);
}
