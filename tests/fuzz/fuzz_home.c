/* SPDX-License-Identifier: MIT */
/* fuzz_home.c -- homectl-api's state for the fuzz targets (fuzz_home.h). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth.h"
#include "db.h"
#include "fuzz_home.h"
#include "log.h"

static struct api api;
static char token[AUTH_TOKEN_LEN + 1];
static char dir[64], path[128], web[128];

static void
put(const char *name, const char *text)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", web, name);
	if ((f = fopen(p, "w")) == NULL)
		abort();
	fputs(text, f);
	fclose(f);
}

/* The home goes when the target ends (it is in memory when on tmpfs);
 * after a crash it stays, for a look. */
static void
remove_home(void)
{
	static const char *const files[] = { "home.db-wal", "home.db-shm", "home.db",
		"web/index.html", "web/js/app.js", "web/fifo", "web/js", "web" };
	char p[256];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
		remove(p);
	}
	rmdir(dir);
}

struct api *
fuzz_api(const char **tok)
{
	static struct lws_protocols table[3];
	struct lws_context_creation_info info;
	char err[OPS_ERRLEN], p[256];
	struct db *db;

	*tok = token;
	if (api.lws != NULL)
		return &api;
	log_init("fuzz", LOG_CRIT);
	lws_set_log_level(0, NULL);
	/* On tmpfs when there is one: a sync costs nothing. */
	snprintf(dir, sizeof(dir), "%s/homectl-fuzz-XXXXXX",
	    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/home.db", dir);
	atexit(remove_home);
	snprintf(web, sizeof(web), "%s/web", dir);
	if (mkdir(web, 0700) < 0 || snprintf(p, sizeof(p), "%s/js", web) < 0 || mkdir(p, 0700) < 0)
		abort();
	put("index.html", "<!doctype html><title>homectl</title>\n");
	put("js/app.js", "export const x = 1;\n");
	snprintf(p, sizeof(p), "%s/fifo", web);
	if (mkfifo(p, 0600) < 0)
		abort();

	config_defaults(&api.cfg);
	api.db_path = path;
	api.ping_sec = API_WS_PING_SEC;
	if (db_open(path, DB_CREATE | DB_NOWAIT, &api.db) < 0)
		abort();
	db = api.db;
	ops_ctx_init(&api.ops, db, &api.cfg, OPS_SRC_API);
	/* As homectl-api's main: /mcp's sessions and core (a request to /mcp
	 * otherwise meets an uninitialized session list). */
	mcp_http_start(&api);
	if (ops_init_home(&api.ops, true, err) < 0 ||
	    auth_token_create(db, "fuzz", token, sizeof(token)) < 0)
		abort();
	if ((api.web_root = realpath(web, NULL)) == NULL)
		abort();

	table[0] = ws_protocol;
	table[1] = loop_raw_protocol;
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN_SERVER;
	info.protocols = table;
	info.user = &api;
	info.gid = -1;
	info.uid = -1;
	if ((api.lws = lws_create_context(&info)) == NULL ||
	    (api.vh = lws_get_vhost_by_name(api.lws, "default")) == NULL)
		abort();
	api.peek_epfd = -1;
	if (http_start(&api) < 0 || ws_start(&api) < 0 || mirror_start(&api) < 0)
		abort();
	return &api;
}

size_t
fuzz_subst_token(const char *in, size_t n, const char *tok, char *out, size_t cap)
{
	size_t i = 0, o = 0, tl = strlen(tok);

	while (i < n && o < cap) {
		/* memcmp only at an '@': it is intercepted (libFuzzer learns
		 * "@T@" from it), too dear for every byte. */
		if (in[i] == '@' && i + 3 <= n && memcmp(in + i, "@T@", 3) == 0 &&
		    o + tl <= cap) {
			memcpy(out + o, tok, tl);
			o += tl;
			i += 3;
		} else {
			out[o++] = in[i++];
		}
	}
	return o;
}
