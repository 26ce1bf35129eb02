/* SPDX-License-Identifier: MIT */
/* home.c -- the subcommands that read and change the home: init, status,
 * list, get, set, mode, rooms, sensors and the seed's special actions. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "cli.h"
#include "jsonutil.h"
#include "model.h"
#include "util.h"

int
cli_finish(struct cli *cli, int r, struct json_object *res, const char *err,
    void (*show)(struct json_object *))
{
	char why[OPS_ERRLEN];

	if (r < 0)
		return cli_fail(err);
	/* A real device confirms when it reports: wait for it, up to the
	 * command timeout (a command line may block; the daemons never do). */
	if (json_object_is_type(res, json_type_object) &&
	    json_object_is_type(json_object_object_get(res, "commands"), json_type_array) &&
	    json_object_array_length(json_object_object_get(res, "commands")) > 0) {
		uint64_t deadline = mono_usec() + (uint64_t)(cli->ops.command_timeout_ms > 0 ?
		    cli->ops.command_timeout_ms : OPS_COMMAND_TIMEOUT_MS) * 1000;
		struct json_object *fin = NULL;

		while ((r = ops_outcome(&cli->ops, res, mono_usec() >= deadline, &fin, why)) == 0)
			usleep(20 * 1000);
		json_object_put(res);
		if (r < 0)
			return cli_fail(why);
		res = fin;
	}
	if (cli->json)
		cli_print_json(res);
	else
		show(res);
	json_object_put(res);
	return 0;
}

/* The commands that take no arguments and show what one operation
 * returns. */
static int
run_simple(struct cli *cli, int argc, char **argv,
    int (*op)(const struct ops_ctx *, struct json_object **, char *),
    void (*show)(struct json_object *))
{
	struct json_object *res = NULL;
	struct args a;
	char err[OPS_ERRLEN];
	int r;

	if (args_parse(&a, argc, argv, NULL, NULL, 0, 0) < 0)
		return 2;
	if (cli_open(cli, false) < 0)
		return 1;
	r = op(&cli->ops, &res, err);
	return cli_finish(cli, r, res, err, show);
}

static void
show_control(struct json_object *res)
{
	struct json_object *skipped = json_object_object_get(res, "skipped");
	size_t i, n = json_object_array_length(skipped);

	cli_print_devices(json_object_object_get(res, "devices"));
	for (i = 0; i < n; i++) {
		struct json_object *s = json_object_array_get_idx(skipped, i);

		printf("skipped %s: %s\n", json_object_get_string(json_object_object_get(s, "id")),
		    json_object_get_string(json_object_object_get(s, "reason")));
	}
}

int
cmd_init(struct cli *cli, int argc, char **argv)
{
	static const char *const flags[] = { "demo", NULL };
	struct args a;
	char err[OPS_ERRLEN];

	if (args_parse(&a, argc, argv, NULL, flags, 0, 0) < 0)
		return 2;
	if (cli_open(cli, true) < 0)
		return 1;
	if (ops_init_home(&cli->ops, args_flag(&a, "demo"), err) < 0)
		return cli_fail(err);
	printf("created %s home in %s\n", args_flag(&a, "demo") ? "the demo" : "an empty",
	    cli->db_path);
	return 0;
}

static void
show_status(struct json_object *s)
{
	struct json_object *lights = json_object_object_get(s, "lights");
	struct json_object *doors = json_object_object_get(s, "doors");

	printf("Mode:     %s\n", json_object_get_string(json_object_object_get(s,
	    "active_mode")));
	printf("Lights:   %d of %d on\n", json_object_get_int(json_object_object_get(lights,
	    "on")), json_object_get_int(json_object_object_get(lights, "total")));
	printf("Doors:    %d of %d locked\n", json_object_get_int(json_object_object_get(doors,
	    "locked")), json_object_get_int(json_object_object_get(doors, "total")));
	printf("Garage:   %s\n", json_object_get_boolean(json_object_object_get(s,
	    "garage_open")) ? "open" : "closed");
	printf("Devices:  %d\n", json_object_get_int(json_object_object_get(s,
	    "total_devices")));
}

int
cmd_status(struct cli *cli, int argc, char **argv)
{
	return run_simple(cli, argc, argv, ops_stats, show_status);
}

static void
show_devices(struct json_object *devices)
{
	cli_print_devices(devices);
}

int
cmd_list(struct cli *cli, int argc, char **argv)
{
	static const char *const opts[] = { "room", "type", "state", NULL };
	struct json_object *res = NULL;
	struct args a;
	char err[OPS_ERRLEN];
	int r;

	if (args_parse(&a, argc, argv, opts, NULL, 0, 0) < 0)
		return 2;
	if (cli_open(cli, false) < 0)
		return 1;
	r = ops_devices(&cli->ops, args_get(&a, "room"), args_get(&a, "type"), args_get(&a, "state"),
	    &res, err);
	return cli_finish(cli, r, res, err, show_devices);
}

static void
show_device(struct json_object *d)
{
	char props[512];

	printf("%s (%s)\n", json_object_get_string(json_object_object_get(d, "name")),
	    json_object_get_string(json_object_object_get(d, "id")));
	printf("  type:     %s\n", json_object_get_string(json_object_object_get(d, "type")));
	printf("  room:     %s\n", json_object_get_string(json_object_object_get(d,
	    "room_name")) ? json_object_get_string(json_object_object_get(d, "room_name")) :
	    "(house-wide)");
	printf("  state:    %s\n", json_object_get_string(json_object_object_get(d, "state")));
	if (strcmp(json_object_get_string(json_object_object_get(d, "driver")), "sim") != 0) {
		struct json_object *k = json_object_object_get(d, "pending");

		printf("  device:   %s %s, %s\n", json_object_get_string(json_object_object_get(d,
		    "driver")), json_object_get_string(json_object_object_get(d, "address")),
		    json_object_get_string(json_object_object_get(d, "available")));
		if (k != NULL)
			printf("  pending:  %s %s (asked by %s)\n",
			    json_object_get_string(json_object_object_get(k, "state")),
			    json_object_to_json_string_ext(json_object_object_get(k, "properties"),
				JSON_C_TO_STRING_PLAIN),
			    json_object_get_string(json_object_object_get(k, "source")));
	}
	printf("  details:  %s\n", cli_describe_props(d, props, sizeof(props)));
	printf("  updated:  %s\n", json_object_get_string(json_object_object_get(d,
	    "updated_at")));
}

int
cmd_get(struct cli *cli, int argc, char **argv)
{
	struct json_object *res = NULL;
	struct args a;
	char err[OPS_ERRLEN];

	if (args_parse(&a, argc, argv, NULL, NULL, 1, 1) < 0)
		return 2;
	if (cli_open(cli, false) < 0)
		return 1;
	int r = ops_device_get(&cli->ops, a.pos[0], &res, err);

	return cli_finish(cli, r, res, err, show_device);
}

/* Turns "--brightness 40" into {"brightness": 40}, typed by the model, so
 * "--brightness high" is refused here with the same words as everywhere. */
int
cli_props_from_args(struct args *a, struct json_object **out, char *err, size_t errlen)
{
	struct json_object *props = json_object_new_object();
	const struct model_prop *p;
	size_t i;
	int64_t n;
	double d;

	for (i = 0; i < a->nopt; i++) {
		const char *k = a->opt[i].key, *v = a->opt[i].val;

		if (!strcmp(k, "room") || !strcmp(k, "type"))
			continue;
		if ((p = model_prop_any(k)) == NULL) {
			snprintf(err, errlen, "unknown option --%s", k);
			goto fail;
		}
		switch (p->kind) {
		case MODEL_INT:
			if (parse_int64(v, INT32_MIN, INT32_MAX, &n) < 0) {
				snprintf(err, errlen, "%s must be an integer from %g to %g", k,
				    p->min, p->max);
				goto fail;
			}
			json_object_object_add(props, k, json_object_new_int64(n));
			break;
		case MODEL_NUMBER:
			if (parse_double(v, -1e9, 1e9, &d) < 0) {
				snprintf(err, errlen, "%s must be a number from %g to %g", k, p->min,
				    p->max);
				goto fail;
			}
			json_object_object_add(props, k, json_object_new_double(d));
			break;
		case MODEL_BOOL:
			json_object_object_add(props, k, json_object_new_boolean(
			    !strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "on")));
			break;
		default:
			json_object_object_add(props, k, json_object_new_string(v));
			break;
		}
	}
	*out = props;
	return 0;
fail:
	json_object_put(props);
	return -EINVAL;
}

int
cmd_set(struct cli *cli, int argc, char **argv)
{
	struct json_object *props = NULL, *res = NULL;
	struct ops_control req = { 0 };
	struct args a;
	char err[OPS_ERRLEN];
	int r;

	/* Any --name VALUE: properties come from the model. */
	if (args_parse(&a, argc, argv, ARGS_ANY, NULL, 1, 2) < 0)
		return 2;
	if (cli_props_from_args(&a, &props, err, sizeof(err)) < 0) {
		fprintf(stderr, "homectl: %s\n", err);
		return 2;
	}
	req.room = args_get(&a, "room");
	req.type = args_get(&a, "type");
	if (a.npos == 2) {
		req.device_id = a.pos[0];
		req.action = a.pos[1];
	} else {
		req.action = a.pos[0];
		if (req.room == NULL && req.type == NULL) {
			json_object_put(props);
			fprintf(stderr, "homectl: set needs a device id, or --room and/or --type "
			    "for a bulk action\n");
			return 2;
		}
	}
	req.props = json_object_object_length(props) ? props : NULL;
	req.confirm = CLI_CONFIRMED;
	if (cli_open(cli, false) < 0) {
		json_object_put(props);
		return 1;
	}
	r = ops_control(&cli->ops, &req, &res, err);
	json_object_put(props);
	return cli_finish(cli, r, res, err, show_control);
}

static void
show_mode(struct json_object *m)
{
	printf("%s: %s\n", json_object_get_string(json_object_object_get(m, "mode")),
	    json_object_get_string(json_object_object_get(m, "description")));
}

static void
show_mode_set(struct json_object *m)
{
	printf("mode %s -> %s (%d device%s changed)\n",
	    json_object_get_string(json_object_object_get(m, "previous")),
	    json_object_get_string(json_object_object_get(m, "mode")),
	    json_object_get_int(json_object_object_get(m, "changed")),
	    json_object_get_int(json_object_object_get(m, "changed")) == 1 ? "" : "s");
}

int
cmd_mode(struct cli *cli, int argc, char **argv)
{
	struct json_object *res = NULL;
	struct args a;
	char err[OPS_ERRLEN];

	/* "mode add NAME", "mode remove NAME"; "mode add" alone sets a mode
	 * named add. */
	if (argc >= 3 && (strcmp(argv[1], "add") == 0 || strcmp(argv[1], "remove") == 0))
		return cmd_mode_edit(cli, argc - 1, argv + 1);
	if (args_parse(&a, argc, argv, NULL, NULL, 0, 1) < 0)
		return 2;
	if (cli_open(cli, false) < 0)
		return 1;
	if (a.npos == 0) {
		int r = ops_mode_get(&cli->ops, &res, err);

		return cli_finish(cli, r, res, err, show_mode);
	}
	int r = ops_mode_set(&cli->ops, a.pos[0], CLI_CONFIRMED, &res, err);

	return cli_finish(cli, r, res, err, show_mode_set);
}

static void
show_modes(struct json_object *modes)
{
	size_t i, n = json_object_array_length(modes);

	for (i = 0; i < n; i++) {
		struct json_object *m = json_object_array_get_idx(modes, i);

		struct json_object *scene = json_object_object_get(m, "scene");
		size_t k, steps = json_object_array_length(scene);

		printf("%-10s %s\n", json_object_get_string(json_object_object_get(m, "name")),
		    json_object_get_string(json_object_object_get(m, "description")));
		for (k = 0; k < steps; k++) {
			struct json_object *s = json_object_array_get_idx(scene, k);
			struct json_object *props = json_object_object_get(s, "properties");

			printf("  %zu. %s %s%s%s\n", k + 1,
			    json_object_get_string(json_object_object_get(s, "action")),
			    json_object_get_string(json_object_object_get(s, "device_id")),
			    json_object_object_length(props) ? " " : "",
			    json_object_object_length(props) ? json_compact(props) : "");
		}
	}
}

int
cmd_modes(struct cli *cli, int argc, char **argv)
{
	return run_simple(cli, argc, argv, ops_modes, show_modes);
}

static void
show_rooms(struct json_object *rooms)
{
	size_t i, n = json_object_array_length(rooms);

	printf("%-16s %-20s %s\n", "ID", "NAME", "DEVICES");
	for (i = 0; i < n; i++) {
		struct json_object *r = json_object_array_get_idx(rooms, i);

		printf("%-16s %-20s %d\n", json_object_get_string(json_object_object_get(r, "id")),
		    json_object_get_string(json_object_object_get(r, "name")),
		    json_object_get_int(json_object_object_get(r, "devices")));
	}
}

int
cmd_rooms(struct cli *cli, int argc, char **argv)
{
	return run_simple(cli, argc, argv, ops_rooms, show_rooms);
}

static void
show_sensors(struct json_object *s)
{
	struct json_object *readings = json_object_object_get(s, "readings");
	size_t i, n = json_object_array_length(readings);
	char props[512];

	for (i = 0; i < n; i++) {
		struct json_object *r = json_object_array_get_idx(readings, i);

		printf("%-32s %-10s %s\n", json_object_get_string(json_object_object_get(r,
		    "device_id")), json_object_get_string(json_object_object_get(r, "state")),
		    cli_describe_props(r, props, sizeof(props)));
	}
}

int
cmd_sensors(struct cli *cli, int argc, char **argv)
{
	static const char *const opts[] = { "room", NULL };
	struct json_object *res = NULL;
	struct args a;
	char err[OPS_ERRLEN];

	if (args_parse(&a, argc, argv, opts, NULL, 1, 1) < 0)
		return 2;
	if (cli_open(cli, false) < 0)
		return 1;
	int r = ops_sensor_reading(&cli->ops, a.pos[0], args_get(&a, "room"), &res, err);

	return cli_finish(cli, r, res, err, show_sensors);
}

int
cmd_feed_fish(struct cli *cli, int argc, char **argv)
{
	struct json_object *res = NULL;
	struct args a;
	char err[OPS_ERRLEN];

	if (args_parse(&a, argc, argv, NULL, NULL, 0, 0) < 0)
		return 2;
	if (cli_open(cli, false) < 0)
		return 1;
	int r = ops_feed_fish(&cli->ops, CLI_CONFIRMED, &res, err);

	return cli_finish(cli, r, res, err, show_control);
}

int
cmd_water(struct cli *cli, int argc, char **argv)
{
	static const char *const opts[] = { "zone", "duration", NULL };
	struct json_object *res = NULL;
	struct args a;
	char err[OPS_ERRLEN];
	int64_t duration = 15;

	if (args_parse(&a, argc, argv, opts, NULL, 0, 0) < 0)
		return 2;
	if (args_get(&a, "duration") != NULL &&
	    parse_int64(args_get(&a, "duration"), 1, 120, &duration) < 0) {
		fprintf(stderr, "homectl: --duration must be 1 to 120 minutes\n");
		return 2;
	}
	if (cli_open(cli, false) < 0)
		return 1;
	int r = ops_water_plants(&cli->ops, args_get(&a, "zone"), duration, CLI_CONFIRMED,
	    &res, err);

	return cli_finish(cli, r, res, err, show_control);
}

int
cmd_ev(struct cli *cli, int argc, char **argv)
{
	struct json_object *res = NULL;
	struct args a;
	char err[OPS_ERRLEN];

	if (args_parse(&a, argc, argv, NULL, NULL, 1, 1) < 0)
		return 2;
	if (strcmp(a.pos[0], "start") != 0 && strcmp(a.pos[0], "stop") != 0) {
		fprintf(stderr, "homectl: ev takes start or stop\n");
		return 2;
	}
	if (cli_open(cli, false) < 0)
		return 1;
	int r = ops_ev_charging(&cli->ops, strcmp(a.pos[0], "start") == 0, CLI_CONFIRMED,
	    &res, err);

	return cli_finish(cli, r, res, err, show_control);
}

static void
show_types(struct json_object *types)
{
	json_object_object_foreach(types, name, t) {
		struct json_object *actions = json_object_object_get(t, "actions");
		struct json_object *props = json_object_object_get(t, "properties");
		size_t i, n = json_object_array_length(actions);

		printf("%s\n  actions:", name);
		for (i = 0; i < n; i++)
			printf(" %s", json_object_get_string(json_object_array_get_idx(actions, i)));
		printf("%s\n", n ? "" : " (none: read only)");
		json_object_object_foreach(props, pname, p) {
			printf("  %-14s %s%s\n", pname, json_object_get_string(
			    json_object_object_get(p, "description")),
			    json_object_get_boolean(json_object_object_get(p, "readOnly")) ?
			    " [read-only]" : "");
		}
	}
}

int
cmd_types(struct cli *cli, int argc, char **argv)
{
	struct args a;

	if (args_parse(&a, argc, argv, NULL, NULL, 0, 0) < 0)
		return 2;
	return cli_finish(cli, 0, model_describe(), "", show_types);
}
