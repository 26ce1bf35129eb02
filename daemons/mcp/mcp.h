/* SPDX-License-Identifier: MIT */
/* mcp.h -- homectl-mcp, the MCP server: the one header its files share,
 * grouped by the file that implements each part (OpenBSD httpd.h style). */
#ifndef HOMECTL_MCP_H
#define HOMECTL_MCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <json-c/json.h>

#include "config.h"
#include "mcpcore.h"
#include "ops.h"
#include "watch.h"

#define MCP_OUT_HIGH		((size_t)4 << 20)	/* stop reading above this */
#define MCP_OUT_MAX		((size_t)64 << 20)	/* drop a client that never reads */
#define MCP_DEFAULT_SESSIONS	64
#define MCP_DEFAULT_PER_PEER	16	/* socket sessions per peer uid */
#define MCP_DEFAULT_IDLE_SEC	300	/* silence before the server pings */
#define MCP_HELLO_SEC		10	/* initialize must come by then */
#define MCP_BUSY_WAIT_MS	5000	/* a locked database: "busy" after */
#define MCP_BUSY_RETRY_MS	20	/* parked calls are retried this often */

struct session;
struct loop;

/* ---- loop.c ---- */
/* One fd in the loop with its callback.  cb gets the epoll events that
 * fired; it must not free the handle (see loop.c). */
struct loop_fd {
	struct loop		*loop;
	const char		*name;		/* for diagnostics */
	int			 fd;
	uint32_t		 events;	/* what it waits for now */
	bool			 added;
	bool			 always;	/* a file epoll refuses: always ready */
	void			(*cb)(struct loop_fd *h, uint32_t events);
	void			*arg;
};

#define LOOP_ALWAYS_MAX	4	/* stdin and stdout in --stdio mode */

struct loop {
	int			 epfd;
	struct loop_fd		*always[LOOP_ALWAYS_MAX];
};

int loop_init(struct loop *l);
void loop_free(struct loop *l);
/* Registers fd (owned by the caller, who closes it after loop_del) with
 * h->cb and h->arg already set.  0 or -errno. */
int loop_add(struct loop *l, struct loop_fd *h, int fd, uint32_t events, const char *name);
/* Changes what h waits for (EPOLLIN, EPOLLOUT, 0). */
int loop_want(struct loop_fd *h, uint32_t events);
/* Unregisters h; NULL-safe for a handle never added.  Does not close. */
void loop_del(struct loop_fd *h);
/* A new timerfd in h, first due after first_us (0: disarmed), then every
 * interval_us (0: once).  h->cb set by the caller; loop_timer_close() ends it. */
int loop_timer(struct loop *l, struct loop_fd *h, const char *name, uint64_t first_us,
    uint64_t interval_us);
int loop_timer_set(struct loop_fd *h, uint64_t first_us, uint64_t interval_us);
uint64_t loop_timer_drain(struct loop_fd *h);
void loop_timer_close(struct loop_fd *h);
/* Waits up to timeout_ms (-1: until something happens) and runs the
 * callbacks of what fired.  The number of events, or -errno. */
int loop_turn(struct loop *l, int timeout_ms);

/* The process: configuration, the database, the watcher, the sessions. */
struct server {
	struct config		 cfg;
	struct db		*db;
	struct ops_ctx		 ops;
	struct watch		*watch;		/* NULL when it could not start */
	struct mcp_core		 core;		/* the protocol (common/mcp) */
	bool			 read_only;	/* only the read tools */
	unsigned		 max_sessions;
	unsigned		 max_per_peer;	/* socket sessions per peer uid */
	unsigned		 idle_sec;	/* ping after this silence; 0: never */

	bool			 stdio;
	char			*listen_path;	/* bound by us: unlink at exit */
	bool			 quit;
	struct loop		 loop;
	struct loop_fd		 sig_h;		/* signalfd */
	struct loop_fd		 watch_h;	/* the watcher's fd (owned by it) */
	struct loop_fd		 listen_h;	/* the listening socket, fd -1 in --stdio */
	struct loop_fd		 wdog_h;	/* watchdog timer */
	struct loop_fd		 idle_h;	/* the next session deadline (listen.c) */
	struct loop_fd		 retry_h;	/* parked sessions (session.c) */
	bool			 retry_armed;
	struct loop_fd		 wait_h;	/* the next tool call deadline (waits.c) */
	struct mcp_wait		*waits;		/* tool calls waiting for devices */
	uint64_t		 idle_at;	/* when idle_h is due; 0: disarmed */
	uint64_t		 accept_paused;	/* accepting again at (after EMFILE); 0 */

	struct session		*sessions;
	unsigned		 nsessions;
	unsigned		 next_id;
};

/* One MCP session: a line reader, a write queue, and the protocol state. */
struct mcp_wait;

struct session {
	struct mcp_sess		 m;		/* the protocol state (m.id too) */
	struct session		*next;
	struct server		*srv;
	int			 in_fd, out_fd;	/* the same socket, or stdin/stdout */
	bool			 is_stdio;
	struct loop_fd		 in_h;		/* in_fd, and out_fd when the same */
	struct loop_fd		 out_h;		/* out_fd when it is another fd */
	uid_t			 uid;		/* the peer (SO_PEERCRED); sockets only */
	uint64_t		 opened;	/* mono_usec */
	uint64_t		 last_input;	/* mono_usec of the last bytes read */
	bool			 spoke;		/* sent a complete message */
	bool			 parked;	/* its first line waits for the lock */
	uint64_t		 busy_until;	/* mono_usec: when to stop waiting; 0 */
	uint64_t		 pinged_at;	/* idle: when a ping went out; 0: none */

	char			*in;		/* unparsed input */
	size_t			 in_len, in_cap, in_scan;
	bool			 discarding;	/* inside an oversized line */
	bool			 eof;		/* no more input */
	bool			 dead;		/* close at the end of this turn */

	char			*out;		/* queued output */
	size_t			 out_len, out_off, out_cap;
};

/* ---- session.c ---- */
/* Creates a session reading in_fd and writing out_fd, links it into srv
 * and registers it in the loop.  The session owns the fds (closed by
 * session_free) unless it is stdio.  NULL when out of memory or the fds
 * cannot be polled (the caller still owns them then). */
struct session *session_new(struct server *srv, int in_fd, int out_fd, bool is_stdio);
/* After each turn of the loop: writes what was queued, sets what each
 * session waits for, and frees the finished ones (dead, or at EOF with
 * nothing left to write).  A finished --stdio session ends the process. */
void sessions_tend(struct server *srv);
/* The database was busy for this session's current message: true when it
 * should be handled again later (the session stops reading until then),
 * false once it has waited MCP_BUSY_WAIT_MS (answer "busy" then). */
bool session_park(struct mcp_sess *m);
/* The retry timer's callback (srv->retry_h): runs every parked session's
 * waiting message again. */
void sessions_retry(struct loop_fd *h, uint32_t events);
/* Unlinks s from its server, closes its fds and frees it.  NULL-safe. */
void session_free(struct session *s);
/* Reads what in_fd has and handles every complete line.  0, or -errno
 * when the session should end. */
int session_read(struct session *s);
/* Writes as much of the queue as the fd takes.  0, or -errno (the peer is
 * gone). */
int session_flush(struct session *s);
/* Queues one message (a compact line).  Does not take msg. */
void session_send(struct session *s, struct json_object *msg);
/* The session holding the protocol state m. */
#define SESSION_OF(mp)	((struct session *)(void *)((char *)(mp) - offsetof(struct session, m)))
/* true when output is queued. */
bool session_pending(const struct session *s);
/* true when the session wants to read now (not at EOF, queue not full). */
bool session_wants_input(const struct session *s);

/* ---- main.c ---- */
/* Starts again from the database as it is now, when the watcher says the
 * feed no longer continues (WATCH_RESYNC) or a write found the file
 * replaced (-ESTALE): reopens the connection if its files changed, follows
 * the feed from its newest seq, and tells every subscriber.  0 or -errno. */
int server_resync(struct server *srv);

/* ---- waits.c ---- */
/* Holds back the answer to request id (a tools/call of tool) until the
 * commands in out (the tool's structured output, consumed) are confirmed
 * or failed.  0 or -ENOMEM. */
int waits_defer(struct session *s, struct json_object *id, const char *tool,
    const char *summary, struct json_object *out);
/* Answers what can be answered: after every batch of changes, and when
 * wait_h fires (timer: deadlines that passed fail). */
void waits_poll(struct server *srv, bool timer);
/* Forgets the waiting calls of a session that ends. */
void waits_drop_session(struct session *s);

/* ---- listen.c ---- */
/* Takes the socket systemd passed, or binds path (mode 0660) and
 * remembers to unlink it; registers it in the loop.  0 or -errno. */
int listen_start(struct server *srv, const char *path);
void listen_stop(struct server *srv);
/* Re-arms the deadline timer for the session deadlines (an unfinished
 * handshake, an idle session's ping and its answer): call after each turn. */
void listen_arm(struct server *srv);

#endif
