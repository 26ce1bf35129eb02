/* SPDX-License-Identifier: MIT */
/* edit.c -- the subcommands that describe the home: rooms, devices, modes
 * and scenes; the home as one document (export, import); backup and
 * restore of the whole database. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "cli.h"
#include "jsonutil.h"
#include "util.h"

static const char *
jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return "";
	return json_object_get_string(v);
}

/* "a, b, c" of a string array into buf. */
static const char *
join(struct json_object *a, char *buf, size_t len)
{
	size_t i, n = json_object_array_length(a), off = 0;

	buf[0] = '\0';
	for (i = 0; i < n && off < len; i++) {
		int k = snprintf(buf + off, len - off, "%s%s", i ? ", " : "",
		    json_object_get_string(json_object_array_get_idx(a, i)));

		off += k > 0 ? (size_t)k : 0;
	}
	return buf;
}

static void
say_room(struct json_object *room)
{
	printf("room %s: %s (position %d)\n", jstr(room, "id"), jstr(room, "name"),
	    json_object_get_int(json_object_object_get(room, "position")));
}

static void
say_room_removed(struct json_object *res)
{
	struct json_object *moved = json_object_object_get(res, "house_wide");
	char list[1024];

	printf("removed room %s\n", jstr(res, "removed"));
	if (json_object_array_length(moved) > 0)
		printf("these devices are house-wide now: %s\n", join(moved, list, sizeof(list)));
}

static int
usage_error(const char *line)
{
	fprintf(stderr, "usage: homectl %s\n", line);
	return 2;
}

int
cmd_room(struct cli *cli, int argc, char **argv)
{
	static const char *const opts[] = { "name", "position", NULL };
	static const char *const use = "room add ID [--name NAME] | room edit ID [--name NAME] "
	    "[--position N] | room remove ID";
	struct json_object *res = NULL;
	const char *verb, *pos_arg;
	struct args a;
	char err[OPS_ERRLEN];
	int64_t pos;
	int position, r;

	if (args_parse(&a, argc, argv, opts, NULL, 2, 2) < 0)
		return usage_error(use);
	verb = a.pos[0];
	pos_arg = args_get(&a, "position");
	if (pos_arg != NULL && parse_int64(pos_arg, 0, 10000, &pos) < 0) {
		fprintf(stderr, "homectl: --position must be an integer from 0 to 10000\n");
		return 2;
	}
	position = pos_arg ? (int)pos : 0;
	if (strcmp(verb, "add") != 0 && strcmp(verb, "edit") != 0 && strcmp(verb, "remove") != 0)
		return usage_error(use);
	if (cli_open(cli, false) < 0)
		return 1;
	if (strcmp(verb, "add") == 0) {
		r = ops_room_add(&cli->ops, a.pos[1], args_get(&a, "name"), true, &res, err);
		return cli_finish(cli, r, res, err, say_room);
	}
	if (strcmp(verb, "edit") == 0) {
		r = ops_room_edit(&cli->ops, a.pos[1], args_get(&a, "name"),
		    pos_arg ? &position : NULL, true, &res, err);
		return cli_finish(cli, r, res, err, say_room);
	}
	r = ops_room_remove(&cli->ops, a.pos[1], true, &res, err);
	return cli_finish(cli, r, res, err, say_room_removed);
}

static void
say_device(struct json_object *d)
{
	const char *room = jstr(d, "room_name");

	printf("device %s: %s, a %s%s%s\n", jstr(d, "id"), jstr(d, "name"), jstr(d, "type"),
	    *room ? " in " : ", ", *room ? room : "house-wide");
}

static void
say_device_removed(struct json_object *res)
{
	struct json_object *scenes = json_object_object_get(res, "scenes");
	char list[1024];

	struct json_object *autos = json_object_object_get(res, "disabled");

	printf("removed device %s\n", jstr(res, "removed"));
	if (json_object_array_length(scenes) > 0)
		printf("these modes' scenes lost its step: %s\n", join(scenes, list,
		    sizeof(list)));
	if (json_object_array_length(autos) > 0)
		printf("these automations used it and are disabled: %s\n", join(autos, list,
		    sizeof(list)));
}

int
cmd_device(struct cli *cli, int argc, char **argv)
{
	static const char *const opts[] = { "name", "room", "type", NULL };
	static const char *const flags[] = { "no-room", "force", NULL };
	static const char *const use = "device add ID --type TYPE [--room ROOM] [--name NAME] | "
	    "device edit ID [--name NAME] [--room ROOM|--no-room] | device remove ID [--force]";
	struct json_object *res = NULL;
	struct ops_device_edit e = { 0 };
	struct args a;
	char err[OPS_ERRLEN];
	int r;

	if (args_parse(&a, argc, argv, opts, flags, 2, 2) < 0)
		return usage_error(use);
	if (cli_open(cli, false) < 0)
		return 1;
	if (strcmp(a.pos[0], "add") == 0) {
		r = ops_device_add(&cli->ops, a.pos[1], args_get(&a, "type"), args_get(&a, "room"),
		    args_get(&a, "name"), true, &res, err);
		return cli_finish(cli, r, res, err, say_device);
	}
	if (strcmp(a.pos[0], "edit") == 0) {
		if (args_get(&a, "type") != NULL) {
			fprintf(stderr, "homectl: a device's type cannot change: remove it and add "
			    "it again\n");
			return 2;
		}
		e.name = args_get(&a, "name");
		e.room = args_get(&a, "room");
		e.no_room = args_flag(&a, "no-room");
		r = ops_device_edit(&cli->ops, a.pos[1], &e, true, &res, err);
		return cli_finish(cli, r, res, err, say_device);
	}
	if (strcmp(a.pos[0], "remove") == 0) {
		r = ops_device_remove(&cli->ops, a.pos[1], true, args_flag(&a, "force"), &res,
		    err);
		return cli_finish(cli, r, res, err, say_device_removed);
	}
	return usage_error(use);
}

static void
say_mode(struct json_object *m)
{
	struct json_object *scene = json_object_object_get(m, "scene");
	size_t i, n = json_object_array_length(scene);

	printf("mode %s: %s\n", jstr(m, "name"), jstr(m, "description"));
	for (i = 0; i < n; i++) {
		struct json_object *s = json_object_array_get_idx(scene, i);
		struct json_object *props = json_object_object_get(s, "properties");

		printf("  %zu. %s %s%s%s\n", i + 1, jstr(s, "action"), jstr(s, "device_id"),
		    json_object_object_length(props) ? " " : "",
		    json_object_object_length(props) ? json_compact(props) : "");
	}
}

static void
say_mode_removed(struct json_object *res)
{
	printf("removed mode %s\n", jstr(res, "removed"));
}

int
cmd_mode_edit(struct cli *cli, int argc, char **argv)
{
	static const char *const opts[] = { "description", NULL };
	struct json_object *res = NULL;
	struct args a;
	char err[OPS_ERRLEN];
	int r;

	/* argv[0] is "add" or "remove". */
	if (args_parse(&a, argc, argv, opts, NULL, 1, 1) < 0)
		return usage_error("mode add NAME [--description TEXT] | mode remove NAME");
	if (cli_open(cli, false) < 0)
		return 1;
	if (strcmp(argv[0], "add") == 0) {
		r = ops_mode_add(&cli->ops, a.pos[0], args_get(&a, "description"), true, &res, err);
		return cli_finish(cli, r, res, err, say_mode);
	}
	r = ops_mode_remove(&cli->ops, a.pos[0], true, &res, err);
	return cli_finish(cli, r, res, err, say_mode_removed);
}

int
cmd_scene(struct cli *cli, int argc, char **argv)
{
	static const char *const use = "scene set MODE DEVICE ACTION [--PROPERTY VALUE]... | "
	    "scene remove MODE DEVICE";
	struct json_object *res = NULL, *props = NULL;
	struct args a;
	char err[OPS_ERRLEN];
	int r;

	if (args_parse(&a, argc, argv, ARGS_ANY, NULL, 3, 4) < 0)
		return usage_error(use);
	if (strcmp(a.pos[0], "set") == 0 && a.npos == 4) {
		if (cli_props_from_args(&a, &props, err, sizeof(err)) < 0) {
			fprintf(stderr, "homectl: %s\n", err);
			return 2;
		}
		if (cli_open(cli, false) < 0) {
			json_object_put(props);
			return 1;
		}
		r = ops_scene_set(&cli->ops, a.pos[1], a.pos[2], a.pos[3],
		    json_object_object_length(props) ? props : NULL, true, &res, err);
		json_object_put(props);
		return cli_finish(cli, r, res, err, say_mode);
	}
	if (strcmp(a.pos[0], "remove") == 0 && a.npos == 3 && a.nopt == 0) {
		if (cli_open(cli, false) < 0)
			return 1;
		r = ops_scene_remove(&cli->ops, a.pos[1], a.pos[2], true, &res, err);
		return cli_finish(cli, r, res, err, say_mode);
	}
	return usage_error(use);
}

int
cmd_export(struct cli *cli, int argc, char **argv)
{
	struct json_object *doc = NULL;
	struct args a;
	char err[OPS_ERRLEN];

	if (args_parse(&a, argc, argv, NULL, NULL, 0, 0) < 0)
		return 2;
	if (cli_open(cli, false) < 0)
		return 1;
	if (ops_export(&cli->ops, &doc, err) < 0)
		return cli_fail(err);
	/* Pretty, for people and diffs: the document is meant to be edited. */
	printf("%s\n", json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY |
	    JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(doc);
	return 0;
}

/* Reads all of f (at most max bytes) into a new NUL-ended buffer. */
static char *
slurp(FILE *f, size_t max, size_t *len)
{
	char *buf = NULL, *tmp;
	size_t n = 0, cap = 0, got;

	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			if (cap > max + 1)
				cap = max + 1;
			if (n + 1 >= cap || (tmp = realloc(buf, cap)) == NULL) {
				free(buf);
				return NULL;
			}
			buf = tmp;
		}
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

#define IMPORT_MAX ((size_t)16 * 1024 * 1024)

static void
say_import(struct json_object *res)
{
	struct json_object *changes = json_object_object_get(res, "changes");
	size_t i, n = json_object_array_length(changes);
	bool dry = json_object_get_boolean(json_object_object_get(res, "dry_run"));

	for (i = 0; i < n; i++)
		printf("%s\n", json_object_get_string(json_object_array_get_idx(changes, i)));
	printf("%s%d created, %d updated, %d removed%s\n", dry ? "would be: " : "",
	    json_object_get_int(json_object_object_get(res, "created")),
	    json_object_get_int(json_object_object_get(res, "updated")),
	    json_object_get_int(json_object_object_get(res, "removed")),
	    dry ? " (dry run: nothing written)" : "");
}

int
cmd_import(struct cli *cli, int argc, char **argv)
{
	static const char *const flags[] = { "prune", "dry-run", NULL };
	struct json_object *doc, *res = NULL;
	struct json_tokener *tok;
	enum json_tokener_error jerr;
	const char *path;
	struct args a;
	char err[OPS_ERRLEN], *text;
	size_t len = 0, end;
	FILE *f;
	int r;

	if (args_parse(&a, argc, argv, NULL, flags, 1, 1) < 0)
		return usage_error("import FILE|- [--prune] [--dry-run]");
	path = a.pos[0];
	if ((f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r")) == NULL) {
		fprintf(stderr, "homectl: cannot read %s: %s\n", path, strerror(errno));
		return 1;
	}
	text = slurp(f, IMPORT_MAX, &len);
	if (f != stdin)
		fclose(f);
	if (text == NULL) {
		fprintf(stderr, "homectl: cannot read %s (or it is over 16 MiB)\n", path);
		return 1;
	}
	if (strlen(text) != len) {
		free(text);
		fprintf(stderr, "homectl: %s contains a NUL byte: it is not a JSON document\n",
		    path);
		return 1;
	}
	tok = json_tokener_new();
	doc = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (doc == NULL || jerr != json_tokener_success ||
	    text[end + strspn(text + end, " \t\r\n")] != '\0') {
		json_tokener_free(tok);
		json_object_put(doc);
		free(text);
		fprintf(stderr, "homectl: %s is not valid JSON (%s, at byte %zu)\n", path,
		    jerr != json_tokener_success ? json_tokener_error_desc(jerr) :
		    "text after the document", end);
		return 1;
	}
	json_tokener_free(tok);
	free(text);
	if (cli_open(cli, false) < 0) {
		json_object_put(doc);
		return 1;
	}
	r = ops_import(&cli->ops, doc, args_flag(&a, "prune"), args_flag(&a, "dry-run"),
	    true, &res, err);
	json_object_put(doc);
	return cli_finish(cli, r, res, err, say_import);
}

int
cmd_backup(struct cli *cli, int argc, char **argv)
{
	struct args a;
	int r;

	if (args_parse(&a, argc, argv, NULL, NULL, 1, 1) < 0)
		return usage_error("backup FILE");
	if (cli_open(cli, false) < 0)
		return 1;
	if ((r = db_backup(cli->db, a.pos[0])) < 0) {
		if (r == -EEXIST)
			fprintf(stderr, "homectl: %s exists: choose a new file\n", a.pos[0]);
		else if (r == -ENOSPC)
			fprintf(stderr, "homectl: no space left for %s\n", a.pos[0]);
		else
			fprintf(stderr, "homectl: cannot write %s: %s\n", a.pos[0], strerror(-r));
		if (r != -EEXIST)
			unlink(a.pos[0]);
		return 1;
	}
	printf("backed up %s to %s\n", cli->db_path, a.pos[0]);
	return 0;
}

int
cmd_restore(struct cli *cli, int argc, char **argv)
{
	struct args a;
	int r, version = 0;

	if (args_parse(&a, argc, argv, NULL, NULL, 1, 1) < 0)
		return usage_error("restore FILE");
	/* Checked before the live database is touched. */
	if ((r = db_check_file(a.pos[0], &version)) < 0) {
		if (r == -ENOENT)
			fprintf(stderr, "homectl: no file %s\n", a.pos[0]);
		else if (r == -ERANGE)
			fprintf(stderr, "homectl: %s has schema %d, newer than this homectl's (%d): "
			    "restore it with a newer homectl\n", a.pos[0], version,
			    db_schema_latest());
		else
			fprintf(stderr, "homectl: %s is not a homectl database\n", a.pos[0]);
		return 1;
	}
	if (cli_open(cli, false) < 0)
		return 1;
	if ((r = db_restore(cli->db, a.pos[0])) < 0) {
		fprintf(stderr, "homectl: cannot restore %s: %s\n", a.pos[0],
		    r == -EBUSY ? "the database is busy; try again" : strerror(-r));
		return 1;
	}
	printf("restored %s from %s\n", cli->db_path, a.pos[0]);
	return 0;
}
