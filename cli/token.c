/* SPDX-License-Identifier: MIT */
/* token.c -- homectl token create | list | revoke: the API's tokens, and
 * the OAuth grants remote MCP clients hold (common/oauth.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "auth.h"
#include "cli.h"

int
cmd_token(struct cli *cli, int argc, char **argv)
{
	static const char *const opts[] = { "scope", NULL };
	struct json_object *tokens = NULL, *grants = NULL;
	char token[AUTH_TOKEN_LEN + 1];
	enum auth_scope scope = AUTH_SCOPE_FULL;
	const char *scope_arg;
	struct args a;
	size_t i, n;
	int r;

	if (args_parse(&a, argc, argv, opts, NULL, 1, 2) < 0)
		return 2;
	scope_arg = args_get(&a, "scope");
	if (scope_arg != NULL && (strcmp(a.pos[0], "create") != 0 ||
	    auth_scope_parse(scope_arg, &scope) < 0)) {
		fprintf(stderr, "homectl token: --scope is read, control or full, and only for "
		    "create\n");
		return 2;
	}
	if (strcmp(a.pos[0], "list") == 0 && a.npos == 1) {
		if (cli_open(cli, false) < 0)
			return 1;
		if (db_tokens(cli->db, &tokens) < 0 || db_oauth_grants(cli->db, &grants) < 0) {
			json_object_put(tokens);
			return cli_fail("database error");
		}
		/* A grant lists like a token: its name revokes it. */
		for (i = 0; i < json_object_array_length(grants); i++) {
			struct json_object *g = json_object_array_get_idx(grants, i);
			time_t at = (time_t)json_object_get_int64(json_object_object_get(g, "created"));
			char iso[32];

			strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", gmtime(&at));
			json_object_object_add(g, "created_at", json_object_new_string(iso));
			json_object_object_del(g, "created");
			json_object_object_add(g, "last_used", NULL);
			json_object_array_add(tokens, json_object_get(g));
		}
		if (cli->json) {
			cli_print_json(tokens);
		} else {
			n = json_object_array_length(tokens);
			printf("%-24s %-8s %-26s %s\n", "NAME", "SCOPE", "CREATED", "LAST USED");
			for (i = 0; i < n; i++) {
				struct json_object *t = json_object_array_get_idx(tokens, i);
				const char *used = json_object_get_string(
				    json_object_object_get(t, "last_used"));

				if (json_object_object_get(t, "client_name") != NULL)
					continue;
				printf("%-24s %-8s %-26s %s\n", json_object_get_string(
				    json_object_object_get(t, "name")), json_object_get_string(
				    json_object_object_get(t, "scope")), json_object_get_string(
				    json_object_object_get(t, "created_at")), used ? used : "-");
			}
			if (json_object_array_length(grants) > 0)
				printf("\n%-50s %-8s %-22s %s\n", "OAUTH GRANT", "SCOPE", "CREATED",
				    "CLIENT (APPROVED WITH TOKEN)");
			for (i = 0; i < json_object_array_length(grants); i++) {
				struct json_object *g = json_object_array_get_idx(grants, i);

				printf("%-50s %-8s %-22s %s (%s)\n", json_object_get_string(
				    json_object_object_get(g, "name")), json_object_get_string(
				    json_object_object_get(g, "scope")), json_object_get_string(
				    json_object_object_get(g, "created_at")), json_object_get_string(
				    json_object_object_get(g, "client_name")), json_object_get_string(
				    json_object_object_get(g, "granted_by")));
			}
		}
		json_object_put(tokens);
		json_object_put(grants);
		return 0;
	}
	if (a.npos != 2 || (strcmp(a.pos[0], "create") != 0 && strcmp(a.pos[0], "revoke") != 0)) {
		fprintf(stderr, "usage: homectl token create NAME [--scope read|control|full] | list "
		    "| revoke NAME|oauth:GRANT\n");
		return 2;
	}
	if (cli_open(cli, false) < 0)
		return 1;
	if (strcmp(a.pos[0], "create") == 0) {
		r = auth_token_create_scoped(cli->db, a.pos[1], scope, token, sizeof(token));
		if (r == -EEXIST)
			return cli_fail("a token with that name exists; revoke it first");
		if (r == -EINVAL)
			return cli_fail("a token name is 1-64 letters, digits, '-', '_' or '.'");
		if (r < 0)
			return cli_fail("could not store the token");
		/* Only the token on stdout, so `T=$(homectl token create x)`
		 * works; the advice goes to the terminal. */
		printf("%s\n", token);
		if (isatty(STDERR_FILENO))
			fprintf(stderr, "Token '%s' (scope %s) created. It is shown only this "
			    "once.\nDashboard: http://HOST:PORT/#token=%s\n", a.pos[1],
			    auth_scope_name(scope), token);
		return 0;
	}
	r = auth_token_revoke(cli->db, a.pos[1]);
	if (r == -ENOENT)
		return cli_fail("no token or OAuth grant of that name (homectl token list)");
	if (r < 0)
		return cli_fail("could not revoke the token");
	printf("revoked %s\n", a.pos[1]);
	return 0;
}
