/* SPDX-License-Identifier: MIT */
/* cli.h -- the homectl command: one file per group of subcommands. */
#ifndef HOMECTL_CLI_H
#define HOMECTL_CLI_H

#include <stdbool.h>
#include "config.h"

/* What every subcommand gets: the configuration (with --db applied) and the
 * global flags. */
struct cli {
	struct config cfg;
	const char *db_path;	/* resolved database path */
	bool json;		/* --json: machine-readable output */
};

/* Each subcommand takes its own argv (argv[0] is the subcommand's name) and
 * returns the process exit status. */
int cmd_mcp(struct cli *cli, int argc, char **argv);	/* mcp_bridge.c */

#endif
