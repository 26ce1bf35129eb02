/* SPDX-License-Identifier: MIT */
/* main.c -- homectl, the command line for people: global options, the
 * database, and dispatch to one function per subcommand. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"

static const struct command {
	const char *name;
	int (*fn)(struct cli *, int, char **);
	const char *usage;
} commands[] = {
	{ "init", cmd_init, "init [--demo]            create a home (--demo: the 24-device demo)" },
	{ "status", cmd_status, "status                   the mode and what is on, open, locked" },
	{ "list", cmd_list, "list [--room R] [--type T] [--state S]   devices" },
	{ "get", cmd_get, "get ID                   one device in full" },
	{ "set", cmd_set, "set [ID] ACTION [--room R] [--type T] [--PROPERTY VALUE]...\n"
	    "                           control a device, or in bulk every match" },
	{ "mode", cmd_mode, "mode [NAME]              show or set the home mode\n"
	    "  mode add NAME [--description TEXT] | mode remove NAME" },
	{ "modes", cmd_modes, "modes                    the modes and their scenes" },
	{ "scene", cmd_scene, "scene set MODE DEVICE ACTION [--PROPERTY VALUE]...\n"
	    "  scene remove MODE DEVICE   a step of a mode's scene" },
	{ "rooms", cmd_rooms, "rooms                    the rooms" },
	{ "room", cmd_room, "room add ID [--name NAME] | room edit ID [--name NAME] "
	    "[--position N]\n  room remove ID           (its devices become house-wide)" },
	{ "device", cmd_device, "device add ID --type TYPE [--room ROOM] [--name NAME]\n"
	    "  device edit ID [--name NAME] [--room ROOM|--no-room] | device remove ID" },
	{ "export", cmd_export, "export                   the home as one JSON document" },
	{ "import", cmd_import, "import FILE|- [--prune] [--dry-run]   make the home match a "
	    "document" },
	{ "backup", cmd_backup, "backup FILE              a consistent copy of the database" },
	{ "restore", cmd_restore, "restore FILE             replace the home with a backup" },
	{ "sensors", cmd_sensors, "sensors TYPE [--room R]  temperature or motion readings" },
	{ "feed-fish", cmd_feed_fish, "feed-fish                run the fish feeder" },
	{ "water", cmd_water, "water [--zone Z] [--duration MIN]   run the sprinklers" },
	{ "ev", cmd_ev, "ev start|stop            EV charging" },
	{ "history", cmd_history, "history [--since SEQ] [--limit N] [--device ID]   the change feed" },
	{ "watch", cmd_watch, "watch [--since SEQ]      print every change live, by any writer" },
	{ "types", cmd_types, "types                    device types: states, actions, properties" },
	{ "automation", cmd_automation, "automation add [--replace] FILE|- | list | show NAME |\n"
	    "                           enable|disable|remove|run|test NAME   automations" },
	{ "token", cmd_token, "token create NAME | list | revoke NAME   API tokens" },
	{ "mcp", cmd_mcp, "mcp [--socket PATH]      bridge stdio to homectl-mcp (for AI clients)" },
	{ "doctor", cmd_doctor, "doctor                   check the configuration, database, sockets and\n"
	    "                           services; say what to fix" },
};

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: homectl [--db PATH] [--config PATH] [--json] COMMAND [ARGS]\n\n"
		   "Control the home: devices, rooms, modes and the change feed.\n\n"
		   "Commands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %s\n", commands[i].usage);
	fprintf(f, "\nOptions:\n"
		   "  --db PATH       the database (default: $HOMECTL_DB, then the config's\n"
		   "                  'database', then " CONFIG_DEFAULT_DB ")\n"
		   "  --config PATH   the config file (default: $HOMECTL_CONFIG or "
		   CONFIG_DEFAULT_PATH ")\n"
		   "  --json          machine-readable output\n"
		   "  -h, --help      this help;  --version  the version\n\n"
		   "Examples:\n"
		   "  homectl set living_room_light_main set --brightness 40\n"
		   "  homectl set off --room kitchen --type light\n"
		   "  homectl mode sleep\n"
		   "  homectl watch\n\n"
		   "See homectl(1).\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 }
	};
	struct cli cli = { 0 };
	const char *db_opt = NULL, *config_opt = NULL;
	char err[512];
	size_t i;
	int c, r;

	log_init_command("homectl", LOG_WARNING);
	/* '+': stop at the first non-option, the subcommand. */
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			db_opt = optarg;
			break;
		case 'c':
			config_opt = optarg;
			break;
		case 'j':
			cli.json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("homectl %s\n", HOMECTL_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	config_defaults(&cli.cfg);
	cli.config_file = config_opt ? config_opt : config_path();
	if (config_load(&cli.cfg, cli.config_file, config_opt != NULL, err, sizeof(err)) < 0) {
		config_free(&cli.cfg);
		/* doctor reports a bad file as one of its findings, and checks
		 * the rest with the defaults. */
		if (strcmp(argv[optind], "doctor") != 0) {
			fprintf(stderr, "homectl: %s\n", err);
			return 1;
		}
		cli.config_error = err;
		config_defaults(&cli.cfg);
	}
	cli.db_path = config_database(&cli.cfg, db_opt);
	/* --json is global but people type it last: take it from anywhere
	 * before a "--". */
	for (i = (size_t)optind + 1; i < (size_t)argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			cli.json = true;
			memmove(&argv[i], &argv[i + 1], (size_t)(argc - (int)i) * sizeof(*argv));
			argc--;
			i--;
		}
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[optind], commands[i].name) == 0) {
			/* Each subcommand parses its own options from argv[0]. */
			optind++;
			r = commands[i].fn(&cli, argc - optind + 1, argv + optind - 1);
			db_close(cli.db);
			config_free(&cli.cfg);
			return r;
		}
	}
	fprintf(stderr, "homectl: unknown command '%s' (homectl --help lists them)\n",
	    argv[optind]);
	config_free(&cli.cfg);
	return 2;
}

int
cli_open(struct cli *cli, bool create)
{
	int r;

	if ((r = db_open(cli->db_path, create ? DB_CREATE : 0, &cli->db)) < 0) {
		if (r == -ENOENT)
			fprintf(stderr, "homectl: no database at %s (create one with 'homectl "
			    "init --demo', or choose one with --db or HOMECTL_DB)\n", cli->db_path);
		else if (r == -EACCES)
			fprintf(stderr, "homectl: cannot open %s: permission denied (a home is "
			    "readable by its owner only: run homectl as that user, e.g. "
			    "sudo -u homectl homectl)\n", cli->db_path);
		else if (r == -EPROTO)
			fprintf(stderr, "homectl: %s is not a homectl database this version can "
			    "use\n", cli->db_path);
		else
			fprintf(stderr, "homectl: cannot open %s: %s\n", cli->db_path,
			    strerror(-r));
		return r;
	}
	ops_ctx_init(&cli->ops, cli->db, &cli->cfg, OPS_SRC_CLI);
	return 0;
}
