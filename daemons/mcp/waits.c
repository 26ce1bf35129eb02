/* SPDX-License-Identifier: MIT */
/* waits.c -- tool calls that wait for a real device.  control_device and
 * set_home_mode on a device bound to homectl-mqtt record a pending
 * command; the tools/call answer is held back (the session and every other
 * one go on being served) until the device reports the state it was asked
 * for, the command fails, or the command timeout passes: then the answer is
 * the confirmed state, or isError saying the device did not respond. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mcp.h"
#include "util.h"

struct mcp_wait {
	struct mcp_wait		*next;
	struct session		*s;
	struct json_object	*id;		/* the request's id, owned */
	struct json_object	*result;	/* the tool's structured output, owned */
	char			 tool[48];
	char			 summary[512];
	uint64_t		 deadline;	/* mono_usec */
	uint64_t		 busy_until;	/* settling met the lock: retry until (0: not yet) */
};

static void
waits_arm(struct server *srv)
{
	struct mcp_wait *w;
	uint64_t soonest = 0, now = mono_usec();

	for (w = srv->waits; w != NULL; w = w->next)
		if (soonest == 0 || w->deadline < soonest)
			soonest = w->deadline;
	/* 0 disarms a timerfd: a due deadline gets 1 us. */
	loop_timer_set(&srv->wait_h, soonest == 0 ? 0 : soonest > now ? soonest - now : 1, 0);
}

int
waits_defer(struct session *s, struct json_object *id, const char *tool, const char *summary,
    struct json_object *out)
{
	struct server *srv = s->srv;
	struct mcp_wait *w;
	int64_t ms = srv->ops.command_timeout_ms > 0 ? srv->ops.command_timeout_ms :
	    OPS_COMMAND_TIMEOUT_MS;

	if (id == NULL || (w = calloc(1, sizeof(*w))) == NULL)
		return -ENOMEM;
	w->s = s;
	w->id = json_object_get(id);
	w->result = out;
	snprintf(w->tool, sizeof(w->tool), "%s", tool);
	snprintf(w->summary, sizeof(w->summary), "%s", summary);
	w->deadline = mono_usec() + (uint64_t)ms * 1000;
	w->next = srv->waits;
	srv->waits = w;
	waits_arm(srv);
	return 0;
}

static void
waits_free(struct mcp_wait *w)
{
	json_object_put(w->id);
	json_object_put(w->result);
	free(w);
}

void
waits_poll(struct server *srv, bool timer)
{
	struct mcp_wait **pp = &srv->waits, *w;
	uint64_t now = mono_usec();

	while ((w = *pp) != NULL) {
		struct json_object *out = NULL, *result, *reply;
		char err[OPS_ERRLEN] = "";
		int r = ops_outcome(&srv->ops, w->result, timer && now >= w->deadline, &out, err);

		/* Settling a timed-out command met another process's write lock
		 * (no busy timeout here; homectl-mqtt may be settling the same
		 * command): nothing was written, so try again shortly, up to
		 * MCP_BUSY_WAIT_MS, rather than answer "busy" for a device that
		 * did not respond. */
		if (r == -EBUSY && (w->busy_until == 0 || now < w->busy_until)) {
			if (w->busy_until == 0)
				w->busy_until = now + (uint64_t)MCP_BUSY_WAIT_MS * 1000;
			w->deadline = now + (uint64_t)MCP_BUSY_RETRY_MS * 1000;
			r = 0;
		}
		if (r == 0) {
			pp = &w->next;
			continue;
		}
		*pp = w->next;
		if (r > 0) {
			log_debug("session %u: %s confirmed by the device", w->s->m.id, w->tool);
			result = tools_result(&w->s->m, w->summary, out);
		} else {
			log_info("session %u: %s: %s", w->s->m.id, w->tool, err);
			result = tools_error_result(err);
		}
		reply = rpc_result(w->id, result);
		session_send(w->s, reply);
		json_object_put(reply);
		waits_free(w);
	}
	waits_arm(srv);
}

void
waits_drop_session(struct session *s)
{
	struct mcp_wait **pp = &s->srv->waits, *w;

	while ((w = *pp) != NULL) {
		if (w->s == s) {
			*pp = w->next;
			waits_free(w);
		} else {
			pp = &w->next;
		}
	}
}
