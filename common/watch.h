/* SPDX-License-Identifier: MIT */
/* watch.h -- "did the database change?", for any event loop.
 *
 * The watcher owns one read-only connection (kept open, so SQLite never
 * deletes the WAL under it), an inotify watch on the database's directory
 * filtered to the database and its -wal, and a fallback timer for file
 * systems where inotify is silent.  Both sit in one epoll set, so a loop
 * polls a single fd: when it is readable, call watch_read().  A wake is only
 * a hint; PRAGMA data_version confirms it, then the feed rows after the last
 * seen seq are read.  The watcher's own reads never wake it. */
#ifndef HOMECTL_WATCH_H
#define HOMECTL_WATCH_H

#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>

struct watch;

struct watch_options {
	unsigned interval_ms;	/* fallback timer; 0 disables it (default 100) */
	bool no_inotify;	/* rely on the timer alone */
	int64_t batch;		/* most rows returned per watch_read (default 1000) */
};

/* Starts watching path, delivering changes after since_seq (-1: after the
 * newest, i.e. only what happens from now on).  opts may be NULL. */
int watch_open(const char *path, const struct watch_options *opts, int64_t since_seq,
    struct watch **out);
void watch_close(struct watch *w);	/* NULL-safe */

/* The fd to poll for POLLIN.  Owned by the watcher: never close it. */
int watch_fd(const struct watch *w);

/* Consumes what woke the loop and, when the database changed, sets *changes
 * to a new JSON array of feed rows after the last seq delivered (the caller
 * puts it), or to NULL when nothing new.  Returns 1 when more rows may be
 * pending (call again), 0 when caught up, WATCH_RESYNC, or -errno. */
int watch_read(struct watch *w, struct json_object **changes);

/* watch_read's answer when the feed no longer continues what was
 * delivered (an online restore, the feed emptied), the feed's identity
 * changed (db_feed_id: someone else found it rewritten, or homectl restore
 * ran) or the path names other
 * files than those open (the database replaced, its -wal or -shm removed).
 * Rows are no use then: the caller reopens its own connection when
 * db_file_check() says so, takes a fresh snapshot, and calls watch_resync()
 * with the snapshot's seq.  Until then every watch_read says the same. */
#define WATCH_RESYNC 2
/* Reopens the watcher's connection if its files changed, gives the feed a
 * new identity if it still has the one it had before its history was found
 * rewritten (db_feed_renew; tried again at the next wakes when the database
 * is busy), and follows the feed after seq from now on.  0 or -errno (then
 * still WATCH_RESYNC). */
int watch_resync(struct watch *w, int64_t seq);

/* The feed's identity the watcher follows ("" when the database has none):
 * what a client resuming with a seq must also name (docs/protocol.md,
 * "Resuming").  Borrowed; valid until the next watch_read or watch_resync. */
const char *watch_feed(const struct watch *w);

/* The last seq delivered. */
int64_t watch_seq(const struct watch *w);

struct watch_stats {
	uint64_t wakeups;		/* watch_read calls */
	uint64_t inotify_events;	/* relevant inotify events */
	uint64_t timer_ticks;
	uint64_t versions;		/* PRAGMA data_version asked */
	uint64_t queries;		/* feed queries run */
	uint64_t rows;			/* feed rows delivered */
};
void watch_get_stats(const struct watch *w, struct watch_stats *out);

/* The watcher's connection, for consistent reads in the same loop (e.g. a
 * snapshot).  Borrowed; valid until watch_close. */
struct db *watch_db(struct watch *w);

#endif
