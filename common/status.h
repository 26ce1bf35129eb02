/* SPDX-License-Identifier: MIT */
/* status.h -- the one line `systemctl status` shows for a daemon (sd_notify
 * STATUS=): how many clients, the change feed's seq and the last change,
 * for example
 *   STATUS=3 dashboards, seq 1234, last change 22:41:03 kitchen_light_main by mcp
 * A busy home changes many times a second; systemd gets at most one update
 * per STATUS_INTERVAL_USEC, the rest waits for the next status_tick(). */
#ifndef HOMECTL_STATUS_H
#define HOMECTL_STATUS_H

#include <stdint.h>
#include <json-c/json.h>

#define STATUS_INTERVAL_USEC 1000000ULL

/* clients names what is counted, in the singular ("dashboard", "session");
 * borrowed, it must outlive the process's use of status_*. */
void status_init(const char *clients);
void status_clients(unsigned n);
/* Notes feed rows as watch_read() returns them (borrowed): the last one is
 * the last change, its seq the seq. */
void status_changes(struct json_object *changes);
void status_seq(int64_t seq);
/* Tells systemd READY=1 with the first status line. */
void status_ready(void);
/* Sends WATCHDOG=1 and, when one is due, the pending status line in the
 * same message: call it from the watchdog timer. */
void status_watchdog(void);
/* Sends the pending status line when the interval allows: call it from the
 * loop whenever convenient (cheap when nothing is pending). */
void status_tick(void);
/* The current line (for logs and tests).  Borrowed; valid until the next
 * status_* call. */
const char *status_line(void);

#endif
