/* SPDX-License-Identifier: MIT */
/* mirror.c -- from the change feed to the browsers: adopts the watcher's fd,
 * turns every batch that watch_read() returns into one "changes" frame for
 * every client, and keeps a mirror of the home as of the last delivered seq
 * so that a snapshot is always exactly consistent with the deltas after it
 * (subscribe-before-snapshot without a lock or a race). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "db.h"
#include "jsonutil.h"
#include "log.h"
#include "status.h"
#include "util.h"

#define MIRROR_BATCHES_MAX 64	/* batches per wake-up before yielding */

static int
mirror_pos(struct mirror *m, const char *id)
{
	struct json_object *pos;

	if (id == NULL || !json_object_object_get_ex(m->index, id, &pos))
		return -1;
	return json_object_get_int(pos);
}

static void
mirror_reindex(struct mirror *m)
{
	size_t i, n = json_object_array_length(m->devices);
	const char *id;

	json_object_put(m->index);
	m->index = json_object_new_object();
	for (i = 0; i < n; i++) {
		if (json_get_string(json_object_array_get_idx(m->devices, i), "id", &id,
		    false, NULL) == 0)
			json_object_object_add(m->index, id, json_object_new_int((int)i));
	}
}

static void
mirror_refresh_rooms(struct api *api)
{
	struct json_object *rooms = NULL;

	if (db_rooms(api->db, &rooms) == 0) {
		json_object_put(api->mirror.rooms);
		api->mirror.rooms = rooms;
	}
}

static void
mirror_remove(struct api *api, const char *id)
{
	struct mirror *m = &api->mirror;
	struct json_object *keep;
	size_t i, n;
	int pos = mirror_pos(m, id);

	if (pos < 0)
		return;
	keep = json_object_new_array();
	n = json_object_array_length(m->devices);
	for (i = 0; i < n; i++)
		if ((int)i != pos)
			json_object_array_add(keep,
			    json_object_get(json_object_array_get_idx(m->devices, i)));
	json_object_put(m->devices);
	m->devices = keep;
	mirror_reindex(m);
	mirror_refresh_rooms(api);
}

/* Applies one feed row to the mirror and rewrites the row into the
 * protocol's change object. */
static void
mirror_apply(struct api *api, struct json_object *row)
{
	struct mirror *m = &api->mirror;
	struct json_object *dev = NULL;
	const char *kind = NULL, *id = NULL, *mode = NULL;
	int pos;

	json_get_string(row, "kind", &kind, true, "");
	json_get_string(row, "device_id", &id, true, NULL);
	if (strcmp(kind, "mode") == 0) {
		if (json_get_string(row, "mode", &mode, false, NULL) == 0 && mode != NULL) {
			free(m->mode);
			m->mode = strdup(mode);
		}
		return;
	}
	if (strcmp(kind, "device_removed") == 0) {
		mirror_remove(api, id);
		return;
	}
	/* A room, mode or scene was edited: the snapshot's rooms follow; the
	 * row itself tells clients to re-read what its subject names. */
	if (strcmp(kind, "home") == 0) {
		mirror_refresh_rooms(api);
		return;
	}
	/* A command row carries the device as it is now (reported state,
	 * pending command): mirrored like a device row. */
	if (strcmp(kind, "device") != 0 && strcmp(kind, "command") != 0)
		return;
	/* db_changes gives every device row the full device as of that
	 * change: mirror it as it is. */
	if (!json_object_object_get_ex(row, "device", &dev) ||
	    json_get_string(dev, "id", &id, false, NULL) < 0)
		return;
	dev = json_object_get(dev);
	pos = mirror_pos(m, id);
	if (pos >= 0) {
		json_object_array_put_idx(m->devices, (size_t)pos, dev);
	} else {
		json_object_array_add(m->devices, dev);
		mirror_reindex(m);
		mirror_refresh_rooms(api);
	}
}

static void
mirror_invalidate(struct api *api)
{
	frame_put(api->mirror.snapshot);
	api->mirror.snapshot = NULL;
}

/* Replaces the mirror with snap (an ops_snapshot, consumed); returns its
 * seq. */
static int64_t
mirror_load(struct api *api, struct json_object *snap)
{
	struct mirror *m = &api->mirror;
	struct json_object *v;
	const char *mode = NULL;
	int64_t seq = 0;

	json_get_int(snap, "seq", &seq, true, 0);
	json_get_string(snap, "mode", &mode, true, NULL);
	free(m->mode);
	m->mode = mode != NULL ? strdup(mode) : NULL;
	json_object_put(m->devices);
	m->devices = json_object_object_get_ex(snap, "devices", &v) ?
	    json_object_get(v) : json_object_new_array();
	json_object_put(m->rooms);
	m->rooms = json_object_object_get_ex(snap, "rooms", &v) ?
	    json_object_get(v) : json_object_new_array();
	mirror_reindex(m);
	mirror_invalidate(api);
	json_object_put(snap);
	return seq;
}

int
mirror_resync(struct api *api)
{
	struct db *dbs[] = { api->db, watch_db(api->watch) };
	struct json_object *snap = NULL;
	char err[OPS_ERRLEN];
	enum db_file how = db_file_check(api->db);
	int64_t seq;
	int r;

	/* Both our connections at once (db_reopen says why). */
	if ((r = db_reopen(dbs, NELEMS(dbs))) < 0) {
		log_warnx("mirror: %s: cannot open the file now at this path: %s", api->db_path,
		    strerror(-r));
		return r;
	}
	if ((r = ops_snapshot(&api->ops, &snap, err)) < 0) {
		log_warnx("mirror: snapshot: %s", err);
		return r;
	}
	seq = mirror_load(api, snap);
	if ((r = watch_resync(api->watch, seq)) < 0) {
		log_warnx("mirror: watcher: %s", strerror(-r));
		return r;
	}
	log_info("mirror: %s: every client gets a fresh snapshot (seq %lld)",
	    how == DB_FILE_MOVED ? "another file is at the database's path" :
	    how == DB_FILE_WAL_GONE ? "the database's -wal or -shm was removed" :
	    "the change feed went back", (long long)seq);
	ws_resync(api);
	server_resynced(&api->mcp);
	return 0;
}

size_t
mirror_poll(struct api *api)
{
	struct json_object *changes, *msg, *last;
	struct watch_stats before, after;
	struct frame *f;
	int64_t seq;
	size_t i, n, total = 0;
	int r, batches;

	if (api->watch == NULL)
		return 0;
	watch_get_stats(api->watch, &before);
	for (batches = 0; batches < MIRROR_BATCHES_MAX; batches++) {
		changes = NULL;
		r = watch_read(api->watch, &changes);
		if (r == WATCH_RESYNC) {
			mirror_resync(api);
			break;
		}
		if (r < 0) {
			log_warnx("mirror: watch_read: %s", strerror(-r));
			break;
		}
		n = changes != NULL ? json_object_array_length(changes) : 0;
		total += n;
		if (n > 0) {
			for (i = 0; i < n; i++)
				mirror_apply(api, json_object_array_get_idx(changes, i));
			mirror_invalidate(api);
			status_changes(changes);
			mcp_http_changes(api, changes);
			last = NULL;
			json_object_object_get_ex(json_object_array_get_idx(changes, n - 1), "seq",
			    &last);
			seq = last != NULL ? json_object_get_int64(last) : watch_seq(api->watch);
			msg = json_object_new_object();
			json_object_object_add(msg, "type", json_object_new_string("changes"));
			json_object_object_add(msg, "seq", json_object_new_int64(seq));
			json_object_object_add(msg, "changes", changes);
			changes = NULL;
			if ((f = frame_new(msg, seq)) != NULL) {
				ws_broadcast(api, f);
				frame_put(f);
			}
			json_object_put(msg);
		}
		json_object_put(changes);
		/* Some REST call may be waiting for a device's report. */
		if (n > 0)
			http_wait_poll(api, false);
		if (r == 0)
			break;
	}
	/* The database changed (the watcher read the feed again), maybe only
	 * its tokens: a revoked token's WebSockets and MCP sessions end now.
	 * Idle, nothing runs here. */
	watch_get_stats(api->watch, &after);
	if (after.queries != before.queries && (api->nclients > 0 || api->nmcp > 0)) {
		ws_check_tokens(api);
		mcp_http_check_tokens(api);
	}
	return total;
}

/* The watcher's fd: inotify, its fallback timer and its own quick
 * rechecks after each inotify event (common/watch.c says why). */
static int
mirror_rx(struct api_fd *h)
{
	mirror_poll(h->api);
	return 0;
}

struct frame *
mirror_snapshot(struct api *api)
{
	struct mirror *m = &api->mirror;
	struct json_object *msg;
	int64_t seq = watch_seq(api->watch);

	if (m->snapshot == NULL) {
		msg = json_object_new_object();
		json_object_object_add(msg, "type", json_object_new_string("snapshot"));
		json_object_object_add(msg, "seq", json_object_new_int64(seq));
		json_object_object_add(msg, "feed",
		    json_object_new_string(watch_feed(api->watch)));
		json_object_object_add(msg, "mode",
		    m->mode != NULL ? json_object_new_string(m->mode) : NULL);
		json_object_object_add(msg, "devices", json_object_get(m->devices));
		json_object_object_add(msg, "rooms", json_object_get(m->rooms));
		m->snapshot = frame_new(msg, seq);
		json_object_put(msg);
		if (m->snapshot == NULL)
			return NULL;
	}
	return frame_get(m->snapshot);
}

struct frame *
mirror_resume(struct api *api, int64_t since, const char *feed)
{
	struct json_object *rows = NULL, *keep = NULL, *msg = NULL, *row;
	struct frame *f = NULL;
	int64_t oldest, newest, w, seq;
	size_t i, n;

	if (since < 0)
		return NULL;
	w = watch_seq(api->watch);
	if (since > w) {
		mirror_poll(api);
		w = watch_seq(api->watch);
		if (since > w)
			return NULL;	/* a seq we never delivered */
	}
	if (w - since > API_WS_RESUME_MAX)
		return NULL;
	/* Its seq belongs to another history (a restore, a rewritten feed):
	 * it may name a change this one numbered differently. */
	if (feed != NULL && strcmp(feed, watch_feed(api->watch)) != 0)
		return NULL;
	if (db_changes_bounds(api->db, &oldest, &newest) < 0 || oldest > since + 1)
		return NULL;	/* pruned since */
	if (db_changes(api->db, since, API_WS_RESUME_MAX + 1, NULL, &rows, NULL) < 0)
		return NULL;
	/* Only what the feed has delivered (up to w): anything newer comes in
	 * the next broadcast, to every client alike. */
	keep = json_object_new_array();
	n = json_object_array_length(rows);
	for (i = 0; i < n; i++) {
		row = json_object_array_get_idx(rows, i);
		seq = json_object_get_int64(json_object_object_get(row, "seq"));
		if (seq > since && seq <= w)
			json_object_array_add(keep, json_object_get(row));
	}
	msg = json_object_new_object();
	json_object_object_add(msg, "type", json_object_new_string("changes"));
	json_object_object_add(msg, "seq", json_object_new_int64(w));
	json_object_object_add(msg, "feed", json_object_new_string(watch_feed(api->watch)));
	json_object_object_add(msg, "changes", keep);
	f = frame_new(msg, w);
	json_object_put(msg);
	json_object_put(rows);
	return f;
}

int
mirror_start(struct api *api)
{
	struct watch_options wo;
	struct json_object *snap = NULL;
	char err[OPS_ERRLEN];
	int64_t seq;
	int fd, r;

	r = ops_snapshot(&api->ops, &snap, err);
	if (r < 0) {
		log_warnx("mirror: snapshot: %s", err);
		return r;
	}
	seq = mirror_load(api, snap);

	memset(&wo, 0, sizeof(wo));
	wo.interval_ms = api->cfg.update_check_interval;
	wo.no_inotify = !api->cfg.inotify;
	wo.batch = 1000;
	r = watch_open(api->db_path, &wo, seq, &api->watch);
	if (r < 0) {
		log_warnx("mirror: cannot watch %s: %s", api->db_path, strerror(-r));
		return r;
	}
	/* lws closes what it adopts and the watcher owns its fd: adopt a dup. */
	fd = fcntl(watch_fd(api->watch), F_DUPFD_CLOEXEC, 3);
	if (fd < 0) {
		log_warn("mirror: dup");
		return -errno;
	}
	api->watch_fd.rx = mirror_rx;
	if ((r = loop_adopt(api, fd, &api->watch_fd, "watch")) < 0)
		return r;
	return 0;
}

void
mirror_stop(struct api *api)
{
	struct mirror *m = &api->mirror;

	watch_close(api->watch);
	api->watch = NULL;
	frame_put(m->snapshot);
	json_object_put(m->devices);
	json_object_put(m->index);
	json_object_put(m->rooms);
	free(m->mode);
	memset(m, 0, sizeof(*m));
}
