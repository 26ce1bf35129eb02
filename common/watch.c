/* SPDX-License-Identifier: MIT */
/* watch.c -- "did the database change?": inotify on the database's directory
 * plus a fallback timer, both in one epoll set, confirmed with PRAGMA
 * data_version and answered from the change feed.
 *
 * Why the directory and not the file: SQLite deletes and recreates the -wal
 * file, and rewrites it from offset 0 after a checkpoint, so a watch on the
 * file itself goes silent.  Why a timer as well: inotify says nothing about
 * writes made on another host (NFS) or through some overlay file systems.
 * Why data_version: it changes only when another connection committed, so
 * our own reads (which touch the -shm file, filtered out anyway) can never
 * start a feedback loop, and a spurious wake costs one cheap PRAGMA.
 *
 * One race needs care: a writer appends its frames to the -wal (that is
 * what inotify reports) and only then publishes the commit in the -shm
 * index, which inotify cannot see.  A watcher on the other core can read
 * data_version in between and find nothing new; worse, the event of a
 * second commit can be drained together with the first one's while the
 * second is not yet visible.  So every inotify event starts a series of
 * quick rechecks, 50 us after it and then doubling up to 51.2 ms, instead
 * of leaving a commit to the fallback timer.  Once the series has found a
 * commit, two more rechecks (for a commit whose event merged with it) end
 * it: a typical write costs three extra PRAGMAs, a stalled writer eleven.
 * tests/unit/watch_test.c shows the race losing commits without them.
 *
 * Most wakes are the fallback timer finding nothing, ten a second.  To
 * keep those cheap, the watcher looks at SQLite's own mapping of the -shm
 * file (db_wal_index) and compares the WAL-index header (its first 48 bytes: change counter, mxFrame,
 * salts, checksum; https://www.sqlite.org/walformat.html) with the copy
 * taken before the last PRAGMA: every commit rewrites it, so an identical
 * header means nothing to ask SQLite about.  It is only a filter: any
 * difference, or no mapping at all, runs the PRAGMA as before.
 *
 * The file may change under us in ways no feed row tells: an online
 * restore (`.restore older.db`) or an emptied feed makes the feed no longer
 * continue what was delivered; `mv copy.db home.db` or a rename after
 * VACUUM INTO puts another file at the path; a removed -wal or -shm leaves
 * our connection on files nobody else sees.  So each time the database
 * changed, the watcher checks that the last row delivered (the anchor: its
 * seq and time) is still there, and each wake checks that the path still
 * names the files we have open (db_file_check: three stat()s).  Either
 * failing is WATCH_RESYNC: the caller reopens its own connection if
 * needed, takes a fresh snapshot and calls watch_resync() with its seq.
 * (An anchor pruned for age after a long quiet spell costs one needless
 * resync, nothing more.)
 *
 * A client that was away cannot see such a rewrite: after an online
 * restore of an older copy and enough new writes, its old seq names a
 * change of the new history.  So the feed has an identity (db_feed_id) and
 * the watcher that finds the history rewritten while the identity is still
 * the old one gives it a new one: a client resuming with the old identity
 * then gets a snapshot.  Whoever comes first renews it (only if it is still
 * the one it saw), and every other watcher resyncs on seeing it change. */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/timerfd.h>

#include "db.h"
#include "log.h"
#include "util.h"
#include "watch.h"

struct watch {
	struct db *db;		/* our own read connection, held open */
	int epfd, ifd, tfd;
	char *base, *base_wal, *base_shm; /* file names inotify reports that matter */
	int64_t seq;		/* last seq delivered */
	char *anchor_at;	/* the "at" of the row with that seq; NULL: unknown */
	bool stale;		/* WATCH_RESYNC reported; waiting for watch_resync */
	bool rewritten;		/* ... because the history was found rewritten */
	int64_t version;	/* last data_version seen */
	int64_t batch;
	unsigned interval_ms;	/* the fallback timer */
	int rechecks;		/* quick rechecks armed in this series; 0: none */
	int after_find;		/* rechecks left once the series found rows; -1 */
	bool more;		/* the last read hit the batch limit */
	const volatile unsigned char *shm; /* SQLite's map of the -shm, or NULL */
	unsigned char shm_seen[48];	/* its WAL-index header at the last PRAGMA */
	char feed[DB_FEED_ID_LEN];	/* the feed's identity we follow */
	char renew[DB_FEED_ID_LEN];	/* one to renew once not busy; "": none */
	struct watch_stats stats;
};

static int
add_fd(int epfd, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

#define SHM_HDR 48

int
watch_open(const char *path, const struct watch_options *opts, int64_t since_seq,
    struct watch **out)
{
	struct watch_options def = { .interval_ms = 100 };
	struct watch *w;
	char *dup1 = NULL, *dup2 = NULL;
	int64_t oldest, newest;
	int r;

	if (opts == NULL)
		opts = &def;
	*out = NULL;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return -ENOMEM;
	w->epfd = w->ifd = w->tfd = -1;
	w->batch = opts->batch > 0 ? opts->batch : 1000;
	w->interval_ms = opts->interval_ms;
	/* Its reads never wait: a busy one is tried again at the next wake. */
	if ((r = db_open(path, DB_NOWAIT, &w->db)) < 0)
		goto fail;
	if ((w->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		r = -errno;
		goto fail;
	}
	if ((dup1 = strdup(path)) == NULL || (dup2 = strdup(path)) == NULL) {
		r = -ENOMEM;
		goto fail;
	}
	if ((w->base = strdup(basename(dup1))) == NULL ||
	    asprintf(&w->base_wal, "%s-wal", w->base) < 0) {
		w->base_wal = NULL;
		r = -ENOMEM;
		goto fail;
	}
	if (asprintf(&w->base_shm, "%s-shm", w->base) < 0) {
		w->base_shm = NULL;
		r = -ENOMEM;
		goto fail;
	}
	if (!opts->no_inotify) {
		if ((w->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0 ||
		    inotify_add_watch(w->ifd, dirname(dup2),
			IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_DELETE) < 0) {
			r = -errno;
			log_warn("watch: inotify on %s", path);
			goto fail;
		}
		if ((r = add_fd(w->epfd, w->ifd)) < 0)
			goto fail;
	}
	/* The timer's first expiry is immediate, so rows already after
	 * since_seq are delivered on the first turn of the caller's loop. */
	if ((w->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)) < 0) {
		r = -errno;
		goto fail;
	}
	{
		struct itimerspec its = { .it_value = { 0, 1 } };

		its.it_interval.tv_sec = opts->interval_ms / 1000;
		its.it_interval.tv_nsec = (long)(opts->interval_ms % 1000) * 1000000L;
		if (timerfd_settime(w->tfd, 0, &its, NULL) < 0) {
			r = -errno;
			goto fail;
		}
	}
	if ((r = add_fd(w->epfd, w->tfd)) < 0)
		goto fail;
	/* The version first, then where the feed ends: a commit between the
	 * two reads is then in the feed after w->seq or changes the version
	 * the first wake compares with.  The other way round, it would be in
	 * neither, and wait for the next commit (which may never come). */
	if ((r = db_data_version(w->db, &w->version)) < 0 ||
	    (r = db_changes_bounds(w->db, &oldest, &newest)) < 0)
		goto fail;
	/* Our connection has read the database, so its -shm is mapped now. */
	w->shm = db_wal_index(w->db);
	w->seq = since_seq < 0 ? newest : since_seq;
	w->more = w->seq < newest;
	if (w->seq > 0 && db_change_at(w->db, w->seq, &w->anchor_at) < 0)
		w->anchor_at = NULL;
	(void)db_feed_id(w->db, w->feed, sizeof(w->feed));
	free(dup1);
	free(dup2);
	*out = w;
	return 0;
fail:
	free(dup1);
	free(dup2);
	watch_close(w);
	return r;
}

void
watch_close(struct watch *w)
{
	if (w == NULL)
		return;
	if (w->ifd >= 0)
		close(w->ifd);
	if (w->tfd >= 0)
		close(w->tfd);
	if (w->epfd >= 0)
		close(w->epfd);
	db_close(w->db);
	free(w->base);
	free(w->base_wal);
	free(w->base_shm);
	free(w->anchor_at);
	free(w);
}

int
watch_fd(const struct watch *w)
{
	return w->epfd;
}

/* Drains the inotify fd; returns how many events named our files. */
static int
drain_inotify(struct watch *w)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ev;
	ssize_t n;
	int hits = 0;

	if (w->ifd < 0)
		return 0;
	while ((n = read(w->ifd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n; p += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)p;
			/* An overflowed queue may have hidden our event.  The
			 * -shm changes through mmap, which inotify does not see;
			 * it matters when it is removed or replaced. */
			if ((ev->mask & IN_Q_OVERFLOW) || (ev->len > 0 &&
			    (strcmp(ev->name, w->base) == 0 || strcmp(ev->name, w->base_wal) == 0 ||
			    ((ev->mask & (IN_DELETE | IN_CREATE | IN_MOVED_TO)) &&
			    strcmp(ev->name, w->base_shm) == 0))))
				hits++;
		}
	}
	return hits;
}

#define RECHECKS 11	/* 50 us << 10 = 51.2 ms, then the fallback timer */
#define AFTER_FIND 2

/* Arms the timer: a quick recheck after us microseconds, or (us == 0) the
 * fallback interval again. */
static void
arm_timer(struct watch *w, long us)
{
	struct itimerspec its = { 0 };

	its.it_interval.tv_sec = w->interval_ms / 1000;
	its.it_interval.tv_nsec = (long)(w->interval_ms % 1000) * 1000000L;
	if (us > 0) {
		its.it_value.tv_sec = us / 1000000;
		its.it_value.tv_nsec = (us % 1000000) * 1000;
	} else {
		its.it_value = its.it_interval;
	}
	if (timerfd_settime(w->tfd, 0, &its, NULL) < 0)
		log_warn("watch: timerfd_settime");
}

/* Is the last row delivered still where it was?  0, WATCH_RESYNC, or
 * -errno. */
static int
anchor_check(struct watch *w)
{
	int64_t oldest, newest;
	char *at = NULL;
	int r;

	if (w->seq <= 0)
		return 0;
	r = db_change_at(w->db, w->seq, &at);
	if (r < 0 && r != -ENOENT)
		return r;
	if (r == 0 && (w->anchor_at == NULL || strcmp(at, w->anchor_at) == 0)) {
		free(at);
		return 0;
	}
	free(at);
	/* Never known (pruned before we started): only a feed that ends
	 * before our seq is known to have gone back. */
	if (r == -ENOENT && w->anchor_at == NULL) {
		if ((r = db_changes_bounds(w->db, &oldest, &newest)) < 0)
			return r;
		if (newest >= w->seq)
			return 0;
	}
	log_info("watch: the change feed no longer holds seq %lld as delivered (a restore, "
	    "or the feed emptied): resync", (long long)w->seq);
	w->stale = w->rewritten = true;
	return WATCH_RESYNC;
}

/* Has someone given the feed a new identity?  0, WATCH_RESYNC, or
 * -errno. */
static int
feed_check(struct watch *w)
{
	char now[DB_FEED_ID_LEN];
	int r;

	if ((r = db_feed_id(w->db, now, sizeof(now))) < 0 && r != -ENOENT)
		return r;
	if (strcmp(now, w->feed) == 0)
		return 0;
	log_info("watch: the change feed has a new identity (%s, was %s): resync",
	    now[0] != '\0' ? now : "none", w->feed[0] != '\0' ? w->feed : "none");
	w->stale = true;
	return WATCH_RESYNC;
}

/* Gives the feed a new identity if it still has w->renew; keeps w->renew
 * while the database is busy, drops it otherwise (a read-only database
 * cannot take one: its clients resync with the watcher all the same).
 * 1 when the identity changed, else 0. */
static int
renew(struct watch *w)
{
	int r = db_feed_renew(w->db, w->renew);

	if (r == -EBUSY)
		return 0;
	if (r < 0)
		log_warnx("watch: cannot give the rewritten feed a new identity: %s",
		    strerror(-r));
	else if (r > 0)
		log_info("watch: the change feed's history was rewritten: new identity");
	w->renew[0] = '\0';
	(void)db_feed_id(w->db, w->feed, sizeof(w->feed));
	return r > 0;
}

int
watch_read(struct watch *w, struct json_object **changes)
{
	struct json_object *rows = NULL;
	uint64_t ticks = 0;
	int64_t version, last;
	size_t n;
	int r, hits, nread;

	*changes = NULL;
	w->stats.wakeups++;
	hits = drain_inotify(w);
	w->stats.inotify_events += (uint64_t)hits;
	if (read(w->tfd, &ticks, sizeof(ticks)) == (ssize_t)sizeof(ticks))
		w->stats.timer_ticks += ticks;
	/* A commit may still be in flight (see the top of this file). */
	if (hits > 0) {
		w->rechecks = 0;
		w->after_find = -1;
	}
	if (hits > 0 || (ticks > 0 && w->rechecks > 0)) {
		if (w->rechecks < RECHECKS && w->after_find != 0) {
			arm_timer(w, 50L << w->rechecks);
			w->rechecks++;
			if (w->after_find > 0)
				w->after_find--;
		} else {
			arm_timer(w, 0);
			w->rechecks = 0;
		}
	}
	/* Another file at the path, or our -wal or -shm gone: everything we
	 * would read from here on belongs to a file nobody else sees. */
	if (w->stale)
		return WATCH_RESYNC;
	if (db_file_check(w->db) != DB_FILE_SAME) {
		w->stale = w->rewritten = true;
		return WATCH_RESYNC;
	}
	if (w->shm != NULL && hits == 0 && !w->more) {
		unsigned char now[SHM_HDR];
		size_t i;

		/* Byte by byte: the writer may change it under us, and a torn
		 * copy only means "ask SQLite". */
		for (i = 0; i < SHM_HDR; i++)
			now[i] = w->shm[i];
		if (memcmp(w->shm_seen, now, SHM_HDR) == 0)
			return 0;
		/* Copied before asking, so a commit after the copy still
		 * differs at the next look. */
		memcpy(w->shm_seen, now, SHM_HDR);
	}
	w->stats.versions++;
	if ((r = db_data_version(w->db, &version)) < 0)
		return r;
	if (version == w->version && !w->more)
		return 0;
	w->version = version;
	/* Renewed late (it was busy): our clients still have the old one. */
	if (w->renew[0] != '\0' && renew(w) > 0) {
		w->stale = true;
		return WATCH_RESYNC;
	}
	if ((r = anchor_check(w)) != 0)
		return r;
	if ((r = feed_check(w)) != 0)
		return r;
	w->stats.queries++;
	/* read counts the rows db_changes skipped as bad too, and last is
	 * past them: a batch of bad rows must not stop the feed. */
	if ((nread = db_changes(w->db, w->seq, w->batch, NULL, &rows, &last)) < 0)
		return nread;
	if (last != w->seq) {
		w->seq = last;
		FREE(w->anchor_at);
		if (db_change_at(w->db, w->seq, &w->anchor_at) < 0)
			w->anchor_at = NULL;
	}
	w->more = nread >= w->batch;
	n = json_object_array_length(rows);
	if (n == 0) {
		json_object_put(rows);
		return w->more ? 1 : 0;
	}
	w->stats.rows += n;
	if (w->rechecks > 0 && w->after_find < 0)
		w->after_find = AFTER_FIND;
	*changes = rows;
	return w->more ? 1 : 0;
}

int
watch_resync(struct watch *w, int64_t seq)
{
	char now[DB_FEED_ID_LEN];
	int r;

	/* Alone here; a caller with a connection of its own reopens both at
	 * once first (db_reopen says why). */
	if (db_file_check(w->db) != DB_FILE_SAME && (r = db_reopen(&w->db, 1)) < 0)
		return r;
	if ((r = db_data_version(w->db, &w->version)) < 0)
		return r;
	w->shm = db_wal_index(w->db);
	memset(w->shm_seen, 0, sizeof(w->shm_seen));
	w->seq = seq;
	FREE(w->anchor_at);
	if (seq > 0 && db_change_at(w->db, seq, &w->anchor_at) < 0)
		w->anchor_at = NULL;
	/* The identity is still the one of the history we found rewritten:
	 * nobody renewed it yet. */
	if ((r = db_feed_id(w->db, now, sizeof(now))) < 0 && r != -ENOENT)
		return r;
	if (w->rewritten && now[0] != '\0' && strcmp(now, w->feed) == 0) {
		memcpy(w->renew, now, sizeof(w->renew));
		(void)renew(w);
	} else {
		memcpy(w->feed, now, sizeof(w->feed));
	}
	w->stale = w->rewritten = false;
	/* Rows after seq that came in the meantime go out at the next wake. */
	w->more = true;
	arm_timer(w, 1);
	return 0;
}

const char *
watch_feed(const struct watch *w)
{
	return w->feed;
}

int64_t
watch_seq(const struct watch *w)
{
	return w->seq;
}

void
watch_get_stats(const struct watch *w, struct watch_stats *out)
{
	*out = w->stats;
}

struct db *
watch_db(struct watch *w)
{
	return w->db;
}
