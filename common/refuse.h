/* SPDX-License-Identifier: MIT */
/* refuse.h -- what a socket-activated daemon does when it cannot start
 * (a bad configuration, a database it cannot open): it stays up and answers
 * every connection with the reason, instead of exiting.
 *
 * Why: a daemon that exits leaves the connection that started it queued on
 * the socket, so systemd starts it again at once; five failures in 10 s put
 * the service into start-limit-hit and take the socket down with it, and
 * even after the mistake is fixed `systemctl restart` fails until the 10 s
 * have passed.  Staying up, the unit is "active" with a STATUS= that names
 * the mistake, every client (browser, script, assistant) reads it, and the
 * restart after the fix works at once. */
#ifndef HOMECTL_REFUSE_H
#define HOMECTL_REFUSE_H

#include <stdbool.h>

enum refuse_proto {
	REFUSE_HTTP,		/* 503 {"error":{"code":"unavailable","message":...}} */
	REFUSE_JSONRPC,		/* one JSON-RPC error answering the first request */
};

/* Arms fatal()/fatalx() (log.h) to call refuse_serve() with their message
 * when systemd passed sockets; a daemon calls refuse_arm() first thing and
 * refuse_disarm() once it is serving (just before READY=1).  ident names
 * the daemon in the reply ("homectl-api cannot start: ..."); borrowed. */
void refuse_arm(const char *ident, enum refuse_proto proto);
void refuse_disarm(void);

/* Serves the refusal on systemd's sockets until SIGTERM: READY=1 and a
 * STATUS= naming why, watchdog pings, and to each connection the reason in
 * the protocol's own words.  Returns (for the caller to exit) only when
 * systemd passed no socket. */
void refuse_serve(const char *why);

#endif
