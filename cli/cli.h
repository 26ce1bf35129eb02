/* SPDX-License-Identifier: MIT */
/* cli.h -- the homectl command: one file per group of subcommands. */
#ifndef HOMECTL_CLI_H
#define HOMECTL_CLI_H

#include <stdbool.h>
#include <json-c/json.h>

#include "config.h"
#include "db.h"
#include "ops.h"

/* What every subcommand gets: the configuration (with --db applied) and the
 * global flags. */
struct cli {
	struct config cfg;
	const char *db_path;	/* resolved database path; borrowed */
	bool json;		/* --json: machine-readable output */
	struct db *db;		/* after cli_open(); main() closes it */
	struct ops_ctx ops;	/* after cli_open() */
	const char *config_file;	/* the configuration read; borrowed */
	const char *config_error;	/* doctor only: why it could not be read, or NULL */
};

/* The user's answer to "are you sure?" for every write: a person who types
 * a homectl command has said yes to it already. */
#define CLI_CONFIRMED true

/* Opens the database (creating it with create) and fills cli->ops.  Prints
 * a message for people and returns -errno on failure. */
int cli_open(struct cli *cli, bool create);

struct args;
/* Turns "--brightness 40" into {"brightness": 40}, typed by the model
 * (home.c); skips --room and --type.  -EINVAL with a sentence in err. */
int cli_props_from_args(struct args *a, struct json_object **out, char *err, size_t errlen);

/* home.c: prints an operation's answer (JSON with --json, else show(res)),
 * frees it, and returns the exit status; r < 0 prints err instead. */
int cli_finish(struct cli *cli, int r, struct json_object *res, const char *err,
    void (*show)(struct json_object *));

/* output.c */
/* Prints an operation's error to stderr; returns the exit status (1). */
int cli_fail(const char *err);
/* Prints obj as one line of JSON on stdout. */
void cli_print_json(struct json_object *obj);
/* "brightness 75 %, color_temp 2700 K" for a device's properties.  Writes
 * into buf, returns buf. */
char *cli_describe_props(struct json_object *device, char *buf, size_t len);
/* A device table, one line each. */
void cli_print_devices(struct json_object *devices);
/* One change of the feed, one line. */
void cli_print_change(struct json_object *change);

/* Each subcommand takes its own argv (argv[0] is the subcommand's name) and
 * returns the process exit status: 0 done, 1 refused or failed, 2 usage. */
int cmd_init(struct cli *cli, int argc, char **argv);		/* home.c */
int cmd_status(struct cli *cli, int argc, char **argv);
int cmd_list(struct cli *cli, int argc, char **argv);
int cmd_get(struct cli *cli, int argc, char **argv);
int cmd_set(struct cli *cli, int argc, char **argv);
int cmd_mode(struct cli *cli, int argc, char **argv);
int cmd_modes(struct cli *cli, int argc, char **argv);
int cmd_rooms(struct cli *cli, int argc, char **argv);
int cmd_sensors(struct cli *cli, int argc, char **argv);
int cmd_feed_fish(struct cli *cli, int argc, char **argv);
int cmd_water(struct cli *cli, int argc, char **argv);
int cmd_ev(struct cli *cli, int argc, char **argv);
int cmd_types(struct cli *cli, int argc, char **argv);
int cmd_room(struct cli *cli, int argc, char **argv);		/* edit.c */
int cmd_device(struct cli *cli, int argc, char **argv);
int cmd_mode_edit(struct cli *cli, int argc, char **argv);
int cmd_scene(struct cli *cli, int argc, char **argv);
int cmd_export(struct cli *cli, int argc, char **argv);
int cmd_import(struct cli *cli, int argc, char **argv);
int cmd_backup(struct cli *cli, int argc, char **argv);
int cmd_restore(struct cli *cli, int argc, char **argv);
int cmd_history(struct cli *cli, int argc, char **argv);	/* feed.c */
int cmd_watch(struct cli *cli, int argc, char **argv);
int cmd_token(struct cli *cli, int argc, char **argv);		/* token.c */
int cmd_mcp(struct cli *cli, int argc, char **argv);		/* mcp_bridge.c */
int cmd_automation(struct cli *cli, int argc, char **argv);	/* automation.c */
int cmd_doctor(struct cli *cli, int argc, char **argv);		/* doctor.c */

#endif
