/* SPDX-License-Identifier: MIT */
/* args.c -- the subcommands' argument parser. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "util.h"

const char *const ARGS_ANY[] = { NULL };

/* "homectl set: unknown option '--x' (homectl --help)" */
static int
bad(struct args *a, const char *cmd, const char *problem, const char *what)
{
	fprintf(stderr, "homectl %s: %s '%s' (homectl --help)\n", cmd, problem, what);
	a->bad = true;
	return -EINVAL;
}

int
args_parse(struct args *a, int argc, char **argv, const char *const *opts,
    const char *const *flags, size_t minpos, size_t maxpos)
{
	const char *cmd = argv[0];
	int i;

	memset(a, 0, sizeof(*a));
	for (i = 1; i < argc; i++) {
		const char *arg = argv[i], *eq, *key, *val;

		if (strcmp(arg, "--") == 0) {
			for (i++; i < argc && a->npos < ARGS_MAX; i++)
				a->pos[a->npos++] = argv[i];
			break;
		}
		if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0') {
			if (a->npos >= maxpos)
				return bad(a, cmd, "unexpected argument", arg);
			a->pos[a->npos++] = arg;
			continue;
		}
		key = arg + 2;
		if (str_in(key, flags)) {
			if (a->nflag < ARGS_MAX)
				a->flag[a->nflag++] = key;
			continue;
		}
		if (opts == NULL || (opts != ARGS_ANY && strchr(key, '=') == NULL &&
		    !str_in(key, opts)))
			return bad(a, cmd, "unknown option", arg);
		if (a->nopt >= ARGS_MAX)
			return bad(a, cmd, "too many options at", arg);
		if ((eq = strchr(key, '=')) != NULL) {
			size_t n = (size_t)(eq - key);

			if (n >= sizeof(a->keybuf[0]))
				return bad(a, cmd, "option too long:", arg);
			memcpy(a->keybuf[a->nopt], key, n);
			a->keybuf[a->nopt][n] = '\0';
			key = a->keybuf[a->nopt];
			if (opts != ARGS_ANY && !str_in(key, opts))
				return bad(a, cmd, "unknown option", arg);
			val = eq + 1;
		} else {
			if (i + 1 >= argc)
				return bad(a, cmd, "a value is missing after", arg);
			val = argv[++i];
		}
		a->opt[a->nopt].key = key;
		a->opt[a->nopt++].val = val;
	}
	if (a->npos < minpos) {
		fprintf(stderr, "homectl %s: missing an argument (homectl --help)\n", cmd);
		a->bad = true;
		return -EINVAL;
	}
	return 0;
}

const char *
args_get(const struct args *a, const char *key)
{
	size_t i;

	/* The last one wins, as with most commands. */
	for (i = a->nopt; i > 0; i--)
		if (strcmp(a->opt[i - 1].key, key) == 0)
			return a->opt[i - 1].val;
	return NULL;
}

bool
args_flag(const struct args *a, const char *name)
{
	size_t i;

	for (i = 0; i < a->nflag; i++)
		if (strcmp(a->flag[i], name) == 0)
			return true;
	return false;
}
