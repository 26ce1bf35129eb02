/* SPDX-License-Identifier: MIT */
/* fuzz_mcp.c -- libFuzzer target: any arguments to any MCP tool, as a
 * tools/call request through the protocol's own dispatch (rpc_parse,
 * server_handle, tools_call, the schema check, the tool; common/mcp) in a
 * session of full scope, on a demo home put back as it was made after
 * every input that changed it (the edit tools take it apart; a crash
 * reproduces from its input alone).  The first byte picks the tool,
 * the rest is the "arguments" value as JSON text.  Besides "no crash, no
 * leak" it checks that every request gets exactly one answer, a JSON-RPC
 * result or error for its id, and nothing else but notifications.
 *
 * The home is made once and put back by fuzz_reset.c (making it afresh
 * every time was a fifth of the time).
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "fuzz_reset.h"
#include "db.h"
#include "jsonutil.h"
#include "log.h"
#include "mcpcore.h"
#include "ops.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TOOLS	64

static struct config cfg;
static struct db *db;
static struct ops_ctx ops;
static struct mcp_core core;
static struct mcp_sess sess;
static const char *path;
static char *names[TOOLS];
static size_t nnames;
static char out[1 << 20];
static size_t outlen;

/* The transport: every message becomes a line in out. */
static void
send_msg(struct mcp_sess *s, struct json_object *msg)
{
	const char *text = json_compact(msg);
	size_t n = strlen(text);

	(void)s;
	if (outlen + n + 1 > sizeof(out))
		abort();
	memcpy(out + outlen, text, n);
	out[outlen + n] = '\n';
	outlen += n + 1;
}

static void
make_home(void)
{
	char err[OPS_ERRLEN];

	if (db_open(path, DB_CREATE | DB_NOWAIT, &db) < 0)
		abort();
	ops_ctx_init(&ops, db, &cfg, OPS_SRC_MCP);
	if (ops_init_home(&ops, true, err) < 0)
		abort();
	fuzz_home_keep();
}

static void
setup(void)
{
	struct json_object *list = NULL, *arr, *name;
	struct rpc_error err = { 0 };

	log_init("fuzz", LOG_CRIT);
	path = fuzz_home_path("mcp");
	config_defaults(&cfg);
	make_home();
	mcp_core_init(&core, &ops, "fuzz");
	core.page_size = 1000;
	mcp_sess_init(&core, &sess, 1, send_msg, NULL);
	sess.scope = MCP_SCOPE_FULL;
	sess.initialized = true;
	/* Every tool the session is offered, by name. */
	if (tools_list(&sess, NULL, &list, &err) < 0 ||
	    !json_object_object_get_ex(list, "tools", &arr))
		abort();
	for (size_t i = 0; i < json_object_array_length(arr) && nnames < TOOLS; i++)
		if (json_object_object_get_ex(json_object_array_get_idx(arr, i), "name", &name))
			names[nnames++] = strdup(json_object_get_string(name));
	json_object_put(list);
	if (nnames == 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char line[8192];
	struct json_object *reply, *v;
	struct rpc_msg m;
	const char *p, *end, *nl;
	int n, answers = 0;

	if (path == NULL)
		setup();
	if (size == 0 || size > 4096)
		return 0;
	n = snprintf(line, sizeof(line), "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\","
	    "\"params\":{\"name\":\"%s\",\"arguments\":%.*s}}", names[data[0] % nnames],
	    (int)size - 1, (const char *)data + 1);
	if (n < 0 || (size_t)n >= sizeof(line))
		return 0;
	rpc_parse(line, (size_t)n, &m);
	if (m.kind != RPC_REQUEST) {
		rpc_msg_clear(&m);
		return 0;	/* not a tools/call: the arguments broke the line */
	}
	outlen = 0;
	server_handle(&sess, &m);
	rpc_msg_clear(&m);
	/* Exactly one response, to id 7; before it at most notifications (a
	 * write is logged to the client). */
	for (p = out, end = out + outlen; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL ||
		    (reply = json_parse_strict(p, (size_t)(nl - p), line, sizeof(line))) == NULL)
			abort();
		if (json_object_object_get_ex(reply, "id", &v)) {
			if (json_object_get_int(v) != 7 || answers++ > 0 ||
			    (!json_object_object_get_ex(reply, "result", NULL) &&
			    !json_object_object_get_ex(reply, "error", NULL)))
				abort();
		} else if (!json_object_object_get_ex(reply, "method", NULL)) {
			abort();
		}
		json_object_put(reply);
	}
	if (answers != 1)
		abort();
	fuzz_home_reset();
	return 0;
}
