/* SPDX-License-Identifier: MIT */
/* args.h -- the subcommands' argument parser: positionals, "--key VALUE"
 * (or "--key=VALUE") options and "--flag" switches. */
#ifndef HOMECTL_ARGS_H
#define HOMECTL_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#define ARGS_MAX 32

struct args {
	const char *pos[ARGS_MAX];	/* borrowed from argv */
	size_t npos;
	struct {
		const char *key, *val;	/* borrowed from argv */
	} opt[ARGS_MAX];
	size_t nopt;
	const char *flag[ARGS_MAX];
	size_t nflag;
	bool bad;
	char keybuf[ARGS_MAX][64];	/* keys of "--key=VALUE" */
};

/* Pass as opts to accept any "--key VALUE" (the caller checks the keys). */
extern const char *const ARGS_ANY[];

/* Parses argv[1..] (argv[0] names the subcommand in messages).  opts lists
 * the options that take a value, flags the switches (either may be NULL).
 * Prints a message and returns -EINVAL (a->bad set) on a usage error. */
int args_parse(struct args *a, int argc, char **argv, const char *const *opts,
    const char *const *flags, size_t minpos, size_t maxpos);
/* The value of option key, or NULL.  Borrowed. */
const char *args_get(const struct args *a, const char *key);
bool args_flag(const struct args *a, const char *name);

#endif
