/* SPDX-License-Identifier: MIT */
/* token.c -- homectl token create | list | revoke: the API's tokens. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "auth.h"
#include "cli.h"

int
cmd_token(struct cli *cli, int argc, char **argv)
{
	struct json_object *tokens = NULL;
	char token[AUTH_TOKEN_LEN + 1];
	struct args a;
	size_t i, n;
	int r;

	if (args_parse(&a, argc, argv, NULL, NULL, 1, 2) < 0)
		return 2;
	if (strcmp(a.pos[0], "list") == 0 && a.npos == 1) {
		if (cli_open(cli, false) < 0)
			return 1;
		if (db_tokens(cli->db, &tokens) < 0)
			return cli_fail("database error");
		if (cli->json) {
			cli_print_json(tokens);
		} else {
			n = json_object_array_length(tokens);
			printf("%-24s %-26s %s\n", "NAME", "CREATED", "LAST USED");
			for (i = 0; i < n; i++) {
				struct json_object *t = json_object_array_get_idx(tokens, i);
				const char *used = json_object_get_string(
				    json_object_object_get(t, "last_used"));

				printf("%-24s %-26s %s\n", json_object_get_string(
				    json_object_object_get(t, "name")), json_object_get_string(
				    json_object_object_get(t, "created_at")), used ? used : "-");
			}
		}
		json_object_put(tokens);
		return 0;
	}
	if (a.npos != 2 || (strcmp(a.pos[0], "create") != 0 && strcmp(a.pos[0], "revoke") != 0)) {
		fprintf(stderr, "usage: homectl token create NAME | list | revoke NAME\n");
		return 2;
	}
	if (cli_open(cli, false) < 0)
		return 1;
	if (strcmp(a.pos[0], "create") == 0) {
		r = auth_token_create(cli->db, a.pos[1], token, sizeof(token));
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
			fprintf(stderr, "Token '%s' created. It is shown only this once.\n"
			    "Dashboard: http://HOST:PORT/#token=%s\n", a.pos[1], token);
		return 0;
	}
	r = auth_token_revoke(cli->db, a.pos[1]);
	if (r == -ENOENT)
		return cli_fail("no token of that name (homectl token list)");
	if (r < 0)
		return cli_fail("could not revoke the token");
	printf("revoked %s\n", a.pos[1]);
	return 0;
}
