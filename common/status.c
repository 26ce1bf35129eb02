/* SPDX-License-Identifier: MIT */
/* status.c -- the STATUS= line of `systemctl status`, rate-limited: the
 * daemons report every change and every client, systemd hears of them at
 * most once a second (and with the next watchdog ping otherwise). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "jsonutil.h"
#include "status.h"
#include "util.h"

static struct {
	const char *what;		/* "dashboard", "session" */
	unsigned clients;
	int64_t seq;
	char last[160];			/* "22:41:03 kitchen_light_main by mcp" */
	char line[256];
	bool pending;
	bool ready;			/* READY=1 sent: updates may follow */
	uint64_t sent_usec;		/* when the last line went out; 0: never */
} st = { .what = "client" };

void
status_init(const char *clients)
{
	st.what = clients;
}

static void
changed(void)
{
	st.pending = true;
	status_tick();
}

void
status_clients(unsigned n)
{
	if (n == st.clients)
		return;
	st.clients = n;
	changed();
}

void
status_seq(int64_t seq)
{
	if (seq == st.seq)
		return;
	st.seq = seq;
	changed();
}

void
status_changes(struct json_object *changes)
{
	struct json_object *c, *d = NULL;
	const char *at = NULL, *src = NULL, *mode = NULL, *dev = NULL, *t;
	size_t n = changes != NULL ? json_object_array_length(changes) : 0;
	int64_t seq = 0;

	if (n == 0)
		return;
	c = json_object_array_get_idx(changes, n - 1);
	json_get_int(c, "seq", &seq, true, st.seq);
	json_get_string(c, "at", &at, true, "");
	json_get_string(c, "source", &src, true, "unknown");
	json_get_string(c, "mode", &mode, true, NULL);
	if (json_get_object_borrow(c, "device", &d, true) == 0 && d != NULL)
		json_get_string(d, "id", &dev, true, NULL);
	else
		json_get_string(c, "device_id", &dev, true, NULL);
	/* "2026-11-26T22:41:03.456Z": the time of day is enough here, the
	 * journal has the rest. */
	t = strchr(at, 'T');
	snprintf(st.last, sizeof(st.last), "%.8s %s%s by %s", t != NULL ? t + 1 : at,
	    mode != NULL ? "mode " : "", mode != NULL ? mode : dev != NULL ? dev : "?", src);
	st.seq = seq;
	changed();
}

const char *
status_line(void)
{
	snprintf(st.line, sizeof(st.line), "%u %s%s, seq %lld%s%s", st.clients, st.what,
	    st.clients == 1 ? "" : "s", (long long)st.seq, st.last[0] != '\0' ? ", last change " : "", st.last);
	return st.line;
}

static void
send_status(const char *prefix)
{
	sd_notifyf(0, "%sSTATUS=%s", prefix, status_line());
	st.pending = false;
	st.sent_usec = mono_usec();
}

static bool
due(void)
{
	return st.ready && st.pending && (st.sent_usec == 0 || mono_usec() - st.sent_usec >=
	    STATUS_INTERVAL_USEC);
}

void
status_ready(void)
{
	st.ready = true;
	send_status("READY=1\n");
}

void
status_watchdog(void)
{
	if (due())
		send_status("WATCHDOG=1\n");
	else
		sd_notify(0, "WATCHDOG=1");
}

void
status_tick(void)
{
	if (due())
		send_status("");
}
