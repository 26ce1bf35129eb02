/* SPDX-License-Identifier: MIT */
/* watch_test.c -- the watcher sees writes by other processes through
 * checkpoints and WAL deletion, falls back to its timer without inotify,
 * does not wake itself when idle, and asks for a resync whatever happens
 * to the file: an online restore, an emptied feed, another file moved to
 * the path, a removed -wal and -shm.  A commit that lands while
 * watch_open is reading where the feed ends is delivered too: the test
 * binary is linked with --wrap=db_changes_bounds (module.mk) so that such
 * a commit can be made to land exactly there. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "testutil.h"
#include "util.h"
#include "watch.h"

/* Polls the watcher until it delivers rows or timeout_ms pass.  Returns the
 * rows (caller puts) or NULL. */
static struct json_object *
wait_rows(struct watch *w, int timeout_ms)
{
	uint64_t end = mono_usec() + (uint64_t)timeout_ms * 1000;
	struct pollfd pfd = { .fd = watch_fd(w), .events = POLLIN };
	struct json_object *rows = NULL;

	while (mono_usec() < end) {
		int left = (int)((end - mono_usec()) / 1000) + 1;

		if (poll(&pfd, 1, left) <= 0)
			continue;
		assert_true(watch_read(w, &rows) >= 0);
		if (rows != NULL)
			return rows;
	}
	return NULL;
}

/* Counts how often the fd becomes readable during ms of idling, reading
 * each time as a real loop would. */
static int
idle_wakeups(struct watch *w, int ms)
{
	uint64_t end = mono_usec() + (uint64_t)ms * 1000;
	struct pollfd pfd = { .fd = watch_fd(w), .events = POLLIN };
	struct json_object *rows = NULL;
	int n = 0;

	while (mono_usec() < end) {
		int left = (int)((end - mono_usec()) / 1000) + 1;

		if (poll(&pfd, 1, left) <= 0)
			continue;
		n++;
		assert_true(watch_read(w, &rows) >= 0);
		assert_null(rows);
	}
	return n;
}

static const char *
state_of(struct json_object *rows, size_t i)
{
	struct json_object *d = json_object_object_get(json_object_array_get_idx(rows, i),
	    "device");

	return json_object_get_string(json_object_object_get(d, "state"));
}

static void
test_sees_foreign_write(void **state)
{
	struct home *h = *state;
	struct watch_options o = { .interval_ms = 0 };	/* inotify alone */
	struct watch *w = NULL;
	struct json_object *rows;
	char wal[128];

	assert_int_equal(watch_open(h->path, &o, -1, &w), 0);
	assert_int_equal(watch_seq(w), DEMO_SEQ);
	assert_int_equal(foreign_sql(h->path, "UPDATE devices SET state = 'off' WHERE id ="
	    " 'kitchen_light_main'"), 0);
	/* The writer saw our connections (their POSIX locks held), so it did
	 * not take itself for the last one and delete the WAL. */
	snprintf(wal, sizeof(wal), "%s-wal", h->path);
	assert_int_equal(access(wal, F_OK), 0);
	rows = wait_rows(w, 5000);
	assert_non_null(rows);
	assert_int_equal(json_object_array_length(rows), 1);
	assert_string_equal(state_of(rows, 0), "off");
	assert_int_equal(watch_seq(w), DEMO_SEQ + 1);
	json_object_put(rows);
	watch_close(w);
}

static void
test_after_checkpoint_truncate(void **state)
{
	struct home *h = *state;
	struct watch_options o = { .interval_ms = 0 };
	struct watch *w = NULL;
	struct json_object *rows;
	struct stat st;
	char wal[128];

	assert_int_equal(watch_open(h->path, &o, -1, &w), 0);
	assert_int_equal(foreign_sql(h->path, "PRAGMA wal_checkpoint(TRUNCATE)"), 0);
	snprintf(wal, sizeof(wal), "%s-wal", h->path);
	assert_int_equal(stat(wal, &st), 0);
	assert_int_equal(st.st_size, 0);	/* the checkpoint really truncated it */
	json_object_put(wait_rows(w, 200));	/* the truncation itself is no change */
	/* The next commit rewrites the WAL from offset 0. */
	assert_int_equal(foreign_sql(h->path, "UPDATE devices SET state = 'on' WHERE id ="
	    " 'bathroom_light'"), 0);
	rows = wait_rows(w, 5000);
	assert_non_null(rows);
	assert_string_equal(state_of(rows, 0), "on");
	json_object_put(rows);
	watch_close(w);
}

static void
test_after_wal_deleted(void **state)
{
	struct home *h = *state;
	struct watch_options o = { .interval_ms = 0 };
	struct watch *w = NULL;
	struct json_object *rows;
	char wal[128];

	/* Every connection closed: SQLite checkpoints and deletes the WAL. */
	db_close(h->db);
	h->db = NULL;
	snprintf(wal, sizeof(wal), "%s-wal", h->path);
	assert_int_equal(access(wal, F_OK), -1);
	assert_int_equal(watch_open(h->path, &o, -1, &w), 0);
	/* Several short-lived writers, each opening and closing the file. */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(foreign_sql(h->path, i % 2 ? "UPDATE devices SET state = 'off'"
		    " WHERE id = 'bathroom_light'" : "UPDATE devices SET state = 'on' WHERE id ="
		    " 'bathroom_light'"), 0);
		rows = wait_rows(w, 5000);
		assert_non_null(rows);
		assert_string_equal(state_of(rows, 0), i % 2 ? "off" : "on");
		json_object_put(rows);
	}
	watch_close(w);
	/* The watcher was the last connection: the WAL is gone again, and a
	 * new watcher on a WAL-less database still sees the next write. */
	assert_int_equal(access(wal, F_OK), -1);
	assert_int_equal(watch_open(h->path, &o, -1, &w), 0);
	assert_int_equal(foreign_sql(h->path, "UPDATE home SET mode = 'sleep'"), 0);
	rows = wait_rows(w, 5000);
	assert_non_null(rows);
	assert_string_equal(json_object_get_string(json_object_object_get(
	    json_object_array_get_idx(rows, 0), "mode")), "sleep");
	json_object_put(rows);
	watch_close(w);
	assert_int_equal(db_open(h->path, 0, &h->db), 0);
}

static void
test_timer_without_inotify(void **state)
{
	struct home *h = *state;
	struct watch_options o = { .interval_ms = 50, .no_inotify = true };
	struct watch_stats s;
	struct watch *w = NULL;
	struct json_object *rows;

	assert_int_equal(watch_open(h->path, &o, -1, &w), 0);
	assert_int_equal(foreign_sql(h->path, "UPDATE devices SET state = 'off' WHERE id ="
	    " 'kitchen_light_main'"), 0);
	rows = wait_rows(w, 5000);
	assert_non_null(rows);
	assert_string_equal(state_of(rows, 0), "off");
	json_object_put(rows);
	watch_get_stats(w, &s);
	assert_int_equal(s.inotify_events, 0);
	assert_true(s.timer_ticks >= 1);
	watch_close(w);
}

/* A foreign commit right after watch_open's read of the feed's end, when
 * armed: the place a busy machine's scheduler may put one. */
int __real_db_changes_bounds(struct db *db, int64_t *oldest, int64_t *newest);
int __wrap_db_changes_bounds(struct db *db, int64_t *oldest, int64_t *newest);
static const char *commit_after_bounds;	/* the database to write, once */

int
__wrap_db_changes_bounds(struct db *db, int64_t *oldest, int64_t *newest)
{
	int r = __real_db_changes_bounds(db, oldest, newest);
	const char *path = commit_after_bounds;

	commit_after_bounds = NULL;
	if (path != NULL)
		assert_int_equal(foreign_sql(path, "UPDATE devices SET state = 'off' WHERE id ="
		    " 'kitchen_light_main'"), 0);
	return r;
}

/* The commit is the only one: nothing later would make the watcher look
 * again (homectl watch --no-inotify waited for it in vain once). */
static void
test_commit_during_open(void **state)
{
	struct home *h = *state;
	struct watch_options timer = { .interval_ms = 50, .no_inotify = true };
	struct watch_options inotify = { .interval_ms = 0 };
	const struct watch_options *opts[] = { &timer, &inotify };
	struct watch *w = NULL;
	struct json_object *rows;

	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(foreign_sql(h->path, "UPDATE devices SET state = 'on' WHERE id ="
		    " 'kitchen_light_main'"), 0);
		commit_after_bounds = h->path;
		assert_int_equal(watch_open(h->path, opts[i], -1, &w), 0);
		assert_null(commit_after_bounds);
		rows = wait_rows(w, 3000);
		assert_non_null(rows);
		assert_int_equal(json_object_array_length(rows), 1);
		assert_string_equal(state_of(rows, 0), "off");
		json_object_put(rows);
		watch_close(w);
	}
}

static void
test_idle_does_not_wake_itself(void **state)
{
	struct home *h = *state;
	struct watch_options o = { .interval_ms = 0 };
	struct watch_stats s;
	struct watch *w = NULL;
	struct json_object *devs;
	int n;

	assert_int_equal(watch_open(h->path, &o, -1, &w), 0);
	/* The first, immediate tick delivers what was pending (nothing). */
	json_object_put(wait_rows(w, 100));
	/* Read through the watcher's own connection while idling: reads must
	 * never look like changes. */
	for (int i = 0; i < 50; i++) {
		assert_int_equal(db_devices(watch_db(w), NULL, NULL, &devs), 0);
		json_object_put(devs);
	}
	n = idle_wakeups(w, 2000);
	assert_int_equal(n, 0);
	watch_get_stats(w, &s);
	assert_int_equal(s.inotify_events, 0);
	assert_int_equal(s.queries, 0);
	watch_close(w);

	/* With the 100 ms fallback timer: about 10 wake-ups a second, each a
	 * single PRAGMA and never a feed query. */
	o.interval_ms = 100;
	assert_int_equal(watch_open(h->path, &o, -1, &w), 0);
	n = idle_wakeups(w, 2000);
	watch_get_stats(w, &s);
	print_message("idle 2 s: %d wake-ups with a 100 ms timer, %llu PRAGMAs, %llu feed "
	    "queries\n", n, (unsigned long long)s.versions, (unsigned long long)s.queries);
	assert_true(n >= 10 && n <= 25);
	assert_int_equal(s.queries, 0);
	/* The -shm header filter: only the first tick asks SQLite. */
	assert_true(s.versions <= 1);
	watch_close(w);
}

static void
test_burst_in_order_and_batched(void **state)
{
	struct home *h = *state;
	struct watch_options o = { .interval_ms = 0, .batch = 10 };
	struct watch *w = NULL;
	struct json_object *rows = NULL;
	int64_t last = DEMO_SEQ, got = 0;
	int r;

	assert_int_equal(watch_open(h->path, &o, -1, &w), 0);
	/* 26 changes in one foreign transaction. */
	assert_int_equal(foreign_sql(h->path, "BEGIN;"
	    " UPDATE devices SET properties = json_set(properties, '$.brightness', 1) WHERE"
	    "  type = 'light';"
	    " UPDATE devices SET properties = json_set(properties, '$.brightness', 2) WHERE"
	    "  type = 'light';"
	    " UPDATE devices SET properties = json_set(properties, '$.brightness', 3) WHERE"
	    "  type = 'light';"
	    " UPDATE devices SET state = 'on' WHERE type IN ('fan', 'sprinkler');"
	    " COMMIT;"), 0);
	rows = wait_rows(w, 5000);
	assert_non_null(rows);
	for (;;) {
		size_t i, n = json_object_array_length(rows);

		assert_true(n <= 10);
		for (i = 0; i < n; i++) {
			int64_t seq = json_object_get_int64(json_object_object_get(
			    json_object_array_get_idx(rows, i), "seq"));

			assert_int_equal(seq, last + 1);	/* no gap, no repeat */
			last = seq;
			got++;
		}
		json_object_put(rows);
		rows = NULL;
		/* watch_read says 1 while the batch limit hid more rows. */
		r = watch_read(w, &rows);
		assert_true(r >= 0);
		if (rows == NULL)
			break;
	}
	assert_int_equal(got, 7 * 3 + 5);
	watch_close(w);
}

static void
test_no_commit_left_to_the_timer(void **state)
{
	struct home *h = *state;
	struct watch_options o = { .interval_ms = 0 };	/* no timer to hide a miss */
	struct watch *w = NULL;
	struct json_object *rows;
	int go[2], done[2], i, missed = 0, status;
	int64_t seq;
	pid_t pid;

	/* inotify reports the -wal write before the commit is published in
	 * the -shm index, so a watcher can look in between and see nothing.
	 * A writer in another process commits, one at a time, and each commit
	 * must arrive with no timer to fall back on (a miss would hang). */
	assert_int_equal(watch_open(h->path, &o, -1, &w), 0);
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(done), 0);
	if ((pid = fork()) == 0) {
		struct db *db = NULL;
		struct json_object *p = json_object_new_object();
		char c;

		close(go[1]);	/* or the read below never sees EOF */
		close(done[0]);
		if (db_open(h->path, 0, &db) < 0)
			_exit(1);
		for (i = 0; read(go[0], &c, 1) == 1; i++) {
			json_object_object_add(p, "brightness", json_object_new_int(i % 100));
			if (db_device_update(db, "bathroom_light", "on", p) < 0)
				_exit(1);
			if (write(done[1], &c, 1) != 1)
				_exit(1);
		}
		json_object_put(p);
		db_close(db);
		_exit(0);
	}
	for (i = 0; i < 300; i++) {
		char c = 'x';

		seq = watch_seq(w);
		assert_int_equal(write(go[1], &c, 1), 1);
		/* Wait on the watcher while the writer commits: that is when
		 * the race can bite. */
		while ((rows = wait_rows(w, 2000)) != NULL) {
			json_object_put(rows);
			if (watch_seq(w) > seq)
				break;
		}
		missed += watch_seq(w) == seq;
		assert_int_equal(read(done[0], &c, 1), 1);
	}
	close(go[1]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(status, 0);
	close(go[0]);
	close(done[0]);
	close(done[1]);
	assert_int_equal(missed, 0);
	watch_close(w);
}

static void
test_since_replays(void **state)
{
	struct home *h = *state;
	struct watch *w = NULL;
	struct json_object *rows;

	/* Started four rows back: those four come at once, without a write. */
	assert_int_equal(watch_open(h->path, NULL, DEMO_SEQ - 4, &w), 0);
	rows = wait_rows(w, 2000);
	assert_non_null(rows);
	assert_int_equal(json_object_array_length(rows), 4);
	json_object_put(rows);
	watch_close(w);
	assert_int_equal(watch_open("/tmp/homectl-unit-missing/x.db", NULL, -1, &w), -ENOENT);
}

/* action on device through ops, as the daemons write: 0 or -errno. */
static int
control(struct home *h, const char *device, const char *action)
{
	struct ops_control req = { .device_id = device, .action = action };
	struct json_object *out = NULL;
	char err[OPS_ERRLEN];
	int r = ops_control(&h->ops, &req, &out, err);

	json_object_put(out);
	return r;
}

/* Polls until the watcher asks for a resync; true when it did. */
static bool
wait_resync(struct watch *w, int timeout_ms)
{
	uint64_t end = mono_usec() + (uint64_t)timeout_ms * 1000;
	struct pollfd pfd = { .fd = watch_fd(w), .events = POLLIN };
	struct json_object *rows = NULL;
	int r;

	while (mono_usec() < end) {
		int left = (int)((end - mono_usec()) / 1000) + 1;

		if (poll(&pfd, 1, left) <= 0)
			continue;
		r = watch_read(w, &rows);
		json_object_put(rows);
		rows = NULL;
		assert_true(r >= 0);
		if (r == WATCH_RESYNC)
			return true;
	}
	return false;
}

/* After a resync at the database's newest seq, a foreign write made now
 * comes through with its state. */
static void
resync_then_follow(struct home *h, struct watch *w, struct db *db, const char *state)
{
	struct json_object *rows;
	int64_t oldest, newest;
	char sql[128];

	assert_int_equal(db_changes_bounds(db, &oldest, &newest), 0);
	assert_int_equal(watch_resync(w, newest), 0);
	assert_int_equal(watch_seq(w), newest);
	snprintf(sql, sizeof(sql), "UPDATE devices SET state = '%s' WHERE id = 'bathroom_light'",
	    state);
	assert_int_equal(foreign_sql(h->path, sql), 0);
	rows = wait_rows(w, 5000);
	assert_non_null(rows);
	assert_int_equal(json_object_array_length(rows), 1);
	assert_string_equal(state_of(rows, 0), state);
	assert_int_equal(json_object_get_int64(json_object_object_get(
	    json_object_array_get_idx(rows, 0), "seq")), newest + 1);
	json_object_put(rows);
}

static void
test_resync_after_restore(void **state)
{
	struct home *h = *state;
	struct watch *w = NULL;
	struct json_object *rows;
	char older[160], sql[200];

	snprintf(older, sizeof(older), "%s/older.db", h->dir);
	snprintf(sql, sizeof(sql), "VACUUM INTO '%s'", older);
	assert_int_equal(foreign_sql(h->path, sql), 0);
	assert_int_equal(watch_open(h->path, NULL, -1, &w), 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(foreign_sql(h->path, i % 2 ? "UPDATE devices SET state = 'off'"
		    " WHERE id = 'bedroom_fan'" : "UPDATE devices SET state = 'on' WHERE id ="
		    " 'bedroom_fan'"), 0);
		rows = wait_rows(w, 5000);
		assert_non_null(rows);
		json_object_put(rows);
	}
	/* The online backup API writes the older pages into the live file:
	 * the feed's newest seq goes back by three. */
	snprintf(sql, sizeof(sql), ".restore '%s'", older);
	assert_int_equal(foreign_sql(h->path, sql), 0);
	assert_true(wait_resync(w, 5000));
	assert_int_equal(db_file_check(h->db), DB_FILE_SAME);
	resync_then_follow(h, w, h->db, "on");
	watch_close(w);
}

static void
test_resync_after_feed_emptied(void **state)
{
	struct home *h = *state;
	struct watch *w = NULL;
	struct json_object *rows;

	assert_int_equal(watch_open(h->path, NULL, -1, &w), 0);
	assert_int_equal(foreign_sql(h->path, "UPDATE home SET mode = 'away'"), 0);
	rows = wait_rows(w, 5000);
	assert_non_null(rows);
	json_object_put(rows);
	assert_int_equal(foreign_sql(h->path, "DELETE FROM changes"), 0);
	assert_true(wait_resync(w, 5000));
	/* Until watch_resync, it keeps saying so. */
	rows = NULL;
	assert_int_equal(watch_read(w, &rows), WATCH_RESYNC);
	assert_null(rows);
	resync_then_follow(h, w, h->db, "on");
	watch_close(w);
}

static void
test_resync_after_file_replaced(void **state)
{
	struct home *h = *state;
	struct watch *w = NULL;
	struct json_object *rows;
	char copy[160], sql[200], *s;

	assert_int_equal(watch_open(h->path, NULL, -1, &w), 0);
	/* Writes through our own connection leave frames in the WAL. */
	assert_int_equal(control(h, "bedroom_fan", "on"), 0);
	rows = wait_rows(w, 5000);
	assert_non_null(rows);
	json_object_put(rows);
	snprintf(copy, sizeof(copy), "%s/copy.db", h->dir);
	snprintf(sql, sizeof(sql), "VACUUM INTO '%s'", copy);
	assert_int_equal(foreign_sql(h->path, sql), 0);
	assert_int_equal(foreign_sql(copy, "UPDATE devices SET state = 'on' WHERE id ="
	    " 'kitchen_light_counter'"), 0);
	assert_int_equal(rename(copy, h->path), 0);

	assert_true(wait_resync(w, 5000));
	/* No write goes into the file that is gone. */
	assert_int_equal(db_file_check(h->db), DB_FILE_MOVED);
	assert_int_equal(db_begin(h->db, true), -ESTALE);
	assert_int_equal(control(h, "bedroom_fan", "off"), -ESTALE);
	assert_int_equal(db_reopen((struct db *[]){ h->db, watch_db(w) }, 2), 0);
	assert_int_equal(db_file_check(h->db), DB_FILE_SAME);
	resync_then_follow(h, w, h->db, "on");
	/* Our writes land in the file at the path, beside the copy's own. */
	assert_int_equal(control(h, "bedroom_fan", "off"), 0);
	s = query_text(h->path, "SELECT state FROM devices WHERE id = 'bedroom_fan'");
	assert_string_equal(s, "off");
	free(s);
	s = query_text(h->path, "SELECT state FROM devices WHERE id = 'kitchen_light_counter'");
	assert_string_equal(s, "on");
	free(s);
	s = query_text(h->path, "PRAGMA integrity_check");
	assert_string_equal(s, "ok");
	free(s);
	watch_close(w);
}

static void
test_resync_after_wal_removed(void **state)
{
	struct home *h = *state;
	struct watch *w = NULL;
	char wal[160], shm[160];

	assert_int_equal(watch_open(h->path, NULL, -1, &w), 0);
	snprintf(wal, sizeof(wal), "%s-wal", h->path);
	snprintf(shm, sizeof(shm), "%s-shm", h->path);
	/* What is only in the WAL goes with it: keep the home in the file. */
	assert_int_equal(foreign_sql(h->path, "PRAGMA wal_checkpoint(TRUNCATE)"), 0);
	assert_int_equal(unlink(wal), 0);
	assert_int_equal(unlink(shm), 0);
	assert_true(wait_resync(w, 5000));
	assert_int_equal(db_file_check(h->db), DB_FILE_WAL_GONE);
	assert_int_equal(db_begin(h->db, true), -ESTALE);
	assert_int_equal(db_reopen((struct db *[]){ h->db, watch_db(w) }, 2), 0);
	resync_then_follow(h, w, h->db, "on");
	watch_close(w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		HOME_TEST(test_sees_foreign_write),
		HOME_TEST(test_after_checkpoint_truncate),
		HOME_TEST(test_after_wal_deleted),
		HOME_TEST(test_timer_without_inotify),
		HOME_TEST(test_commit_during_open),
		HOME_TEST(test_idle_does_not_wake_itself),
		HOME_TEST(test_burst_in_order_and_batched),
		HOME_TEST(test_no_commit_left_to_the_timer),
		HOME_TEST(test_since_replays),
		HOME_TEST(test_resync_after_restore),
		HOME_TEST(test_resync_after_feed_emptied),
		HOME_TEST(test_resync_after_file_replaced),
		HOME_TEST(test_resync_after_wal_removed),
	};

	log_init("watch_test", LOG_CRIT);
	return cmocka_run_group_tests_name("watch", tests, NULL, NULL);
}
