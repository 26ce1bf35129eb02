/* SPDX-License-Identifier: MIT */
/* fuzz_home.c -- homectl-api's state for the fuzz targets (fuzz_home.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "db.h"
#include "fuzz_home.h"
#include "log.h"
#include "oauth.h"

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

/* The OAuth client the markers speak for: registered through
 * oauth_register as /oauth/register would, and again when the inputs have
 * had it evicted (beyond OAUTH_CLIENTS_UNUSED registrations of their own).
 * FUZZ_CHALLENGE is BASE64URL(SHA-256(FUZZ_VERIFIER)) (PKCE S256). */
#define FUZZ_REDIRECT	"http://127.0.0.1/cb"
#define FUZZ_VERIFIER	"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW-gFWFOEjXk"
#define FUZZ_CHALLENGE	"90EpwHQr_xi9uDtjYyz5mq9Z4RekugHRqg5ijpXC3FQ"
#define FUZZ_BASE	"http://127.0.0.1"	/* a request's origin with Host: 127.0.0.1 */
static char client[OAUTH_SECRET_LEN + 1];

static const char *
oauth_client(void)
{
	struct json_object *meta, *res = NULL;
	struct oauth_err err;
	char *name = NULL, *uris = NULL;
	int r;

	if (client[0] != '\0' && (r = db_oauth_client_get(api.db, client, &name, &uris)) != -ENOENT) {
		free(name);
		free(uris);
		if (r < 0)
			abort();
		return client;
	}
	meta = json_tokener_parse("{\"client_name\": \"fuzz\", \"redirect_uris\": [\""
	    FUZZ_REDIRECT "\"]}");
	if (meta == NULL || oauth_register(api.db, meta, (int64_t)time(NULL), &res, &err) < 0) {
		fprintf(stderr, "fuzz_home: oauth_register: %s\n", meta ? err.desc : "?");
		abort();
	}
	snprintf(client, sizeof(client), "%s", json_object_get_string(
	    json_object_object_get(res, "client_id")));
	json_object_put(meta);
	json_object_put(res);
	return client;
}

/* A fresh authorization code for the client, approved by the token's
 * person with scope control, for FUZZ_BASE's /mcp. */
static void
oauth_code(char code[OAUTH_SECRET_LEN + 1])
{
	struct oauth_authz a = { .response_type = "code", .client_id = oauth_client(),
		.redirect_uri = FUZZ_REDIRECT, .code_challenge = FUZZ_CHALLENGE,
		.code_challenge_method = "S256", .scope = "control" };
	struct oauth_err err;

	if (oauth_approve(api.db, &a, FUZZ_BASE, "fuzz", AUTH_SCOPE_FULL, AUTH_SCOPE_CONTROL,
	    (int64_t)time(NULL), code, OAUTH_SECRET_LEN + 1, &err) < 0) {
		fprintf(stderr, "fuzz_home: oauth_approve: %s\n", err.desc);
		abort();
	}
}

/* An access and a refresh token, the code above exchanged. */
static void
oauth_tokens(struct oauth_issued *is)
{
	char code[OAUTH_SECRET_LEN + 1];
	struct oauth_err err;

	oauth_code(code);
	if (oauth_token_code(api.db, oauth_client(), code, FUZZ_VERIFIER, FUZZ_REDIRECT, NULL,
	    FUZZ_BASE, (int64_t)time(NULL), is, &err) < 0) {
		fprintf(stderr, "fuzz_home: oauth_token_code: %s\n", err.desc);
		abort();
	}
}

size_t
fuzz_subst(const char *in, size_t n, char *out, size_t cap)
{
	struct oauth_issued is = { .access = "" };
	char code[OAUTH_SECRET_LEN + 1] = "";
	const char *v;
	size_t i = 0, o = 0, vl;

	while (i < n && o < cap) {
		/* A marker is looked at only from an '@' (libFuzzer learns the
		 * markers from the comparisons). */
		v = NULL;
		if (in[i] == '@' && i + 3 <= n && in[i + 2] == '@') {
			switch (in[i + 1]) {
			case 'T':
				v = token;
				break;
			case 'C':
				v = oauth_client();
				break;
			case 'K':
				/* Each its own: a code is good once. */
				oauth_code(code);
				v = code;
				break;
			case 'A':
			case 'R':
				if (is.access[0] == '\0')
					oauth_tokens(&is);
				v = in[i + 1] == 'A' ? is.access : is.refresh;
				break;
			default:
				break;
			}
		}
		if (v != NULL && o + (vl = strlen(v)) <= cap) {
			memcpy(out + o, v, vl);
			o += vl;
			i += 3;
		} else {
			out[o++] = in[i++];
		}
	}
	return o;
}
