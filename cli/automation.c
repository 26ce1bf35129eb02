/* SPDX-License-Identifier: MIT */
/* automation.c -- homectl automation add | list | show | enable | disable |
 * remove | run | test: the home's automations (homectl-automations runs
 * them). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "automation.h"
#include "cli.h"
#include "jsonutil.h"
#include "util.h"

#define DOC_MAX (1 << 20)	/* an automation document is small; this is plenty */
#define RUN_PICKUP_S 10		/* how long `run` waits for homectl-automations */

static const char *
str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return "-";
	return json_object_get_string(v);
}

/* Reads a whole file (or stdin for "-") and parses it as one JSON value. */
static struct json_object *
read_doc(const char *path, char *err, size_t errlen)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");
	struct json_object *doc = NULL;
	char *buf = NULL, why[256];
	size_t n;

	if (f == NULL) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	if ((buf = malloc(DOC_MAX + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	n = fread(buf, 1, DOC_MAX + 1, f);
	if (ferror(f))
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
	else if (n > DOC_MAX)
		snprintf(err, errlen, "%s: an automation is at most %d bytes", path, DOC_MAX);
	else if ((doc = json_parse_strict(buf, n, why, sizeof(why))) == NULL)
		snprintf(err, errlen, "%s is not JSON: %s", strcmp(path, "-") ? path : "stdin",
		    why);
done:
	free(buf);
	if (f != stdin)
		fclose(f);
	return doc;
}

static void
print_run(struct json_object *run)
{
	struct json_object *actions = json_object_object_get(run, "actions");
	size_t i, n = json_object_is_type(actions, json_type_array) ?
	    json_object_array_length(actions) : 0, ok = 0;

	for (i = 0; i < n; i++)
		ok += json_object_get_boolean(json_object_object_get(json_object_array_get_idx(
		    actions, i), "ok"));
	printf("  #%-5s %s  %-9s %s", str(run, "id"), str(run, "started_at"), str(run, "outcome"),
	    json_compact(json_object_object_get(run, "trigger")));
	if (n > 0)
		printf("  %zu of %zu actions ok", ok, n);
	printf("\n");
	for (i = 0; i < n; i++) {
		struct json_object *a = json_object_array_get_idx(actions, i);

		if (!json_object_get_boolean(json_object_object_get(a, "ok")))
			printf("         action %zu failed: %s\n", i + 1, str(a, "error"));
	}
}

static void
print_list(struct json_object *list)
{
	size_t i, n = json_object_array_length(list);

	if (n == 0) {
		printf("no automations (homectl automation add FILE)\n");
		return;
	}
	printf("%-32s %-8s %-21s %s\n", "NAME", "ENABLED", "NEXT RUN", "LAST RUN");
	for (i = 0; i < n; i++) {
		struct json_object *a = json_object_array_get_idx(list, i);
		struct json_object *last = json_object_object_get(a, "last_run");
		char lastbuf[96] = "-";

		if (last != NULL)
			snprintf(lastbuf, sizeof(lastbuf), "%s %s", str(last, "outcome"),
			    str(last, "started_at"));
		printf("%-32s %-8s %-21s %s\n", str(a, "name"),
		    json_object_get_boolean(json_object_object_get(a, "enabled")) ? "yes" : "no",
		    str(a, "next_run"), lastbuf);
	}
}

static void
print_one(struct json_object *a)
{
	struct json_object *runs = json_object_object_get(a, "runs");
	size_t i, n = json_object_is_type(runs, json_type_array) ?
	    json_object_array_length(runs) : 0;

	printf("%s (%s)\n", str(a, "name"), json_object_get_boolean(json_object_object_get(a,
	    "enabled")) ? "enabled" : "disabled");
	printf("next run: %s\n", str(a, "next_run"));
	printf("%s\n", json_object_to_json_string_ext(json_object_object_get(a, "document"),
	    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	printf("runs (newest first):%s\n", n == 0 ? " none yet" : "");
	for (i = 0; i < n; i++)
		print_run(json_object_array_get_idx(runs, i));
}

static void
print_test(struct json_object *t)
{
	struct json_object *conds = json_object_object_get(t, "conditions");
	size_t i, n = json_object_array_length(conds);

	for (i = 0; i < n; i++) {
		struct json_object *c = json_object_array_get_idx(conds, i);

		printf("%-5s %s  (%s)\n", json_object_get_boolean(json_object_object_get(c,
		    "holds")) ? "yes" : "no", json_compact(json_object_object_get(c, "condition")),
		    str(c, "detail"));
	}
	printf("%s: %s\n", str(t, "name"), n == 0 ? "no conditions; it would run" :
	    json_object_get_boolean(json_object_object_get(t, "holds")) ?
	    "the conditions hold now; it would run" : "the conditions do not hold now; it "
	    "would not run");
}

/* Waits until homectl-automations has taken run id (or, with until_end,
 * finished it); *run gets its last state (caller puts). */
static int
wait_run(struct cli *cli, int64_t id, bool until_end, struct json_object **run)
{
	uint64_t end = mono_usec() + (uint64_t)RUN_PICKUP_S * 1000000;
	int r;

	for (;;) {
		const char *outcome;

		*run = NULL;
		if ((r = db_run_get(cli->db, id, run)) < 0)
			return r;
		outcome = str(*run, "outcome");
		if (strcmp(outcome, "requested") != 0 && (!until_end ||
		    (strcmp(outcome, "running") != 0 && strcmp(outcome, "waiting") != 0 &&
		    strcmp(outcome, "queued") != 0)))
			return 0;
		if (!until_end && mono_usec() > end)
			return -ETIMEDOUT;
		json_object_put(*run);
		usleep(50000);
	}
}

static int
usage(void)
{
	fprintf(stderr, "usage: homectl automation add [--replace] FILE|-\n"
	    "       homectl automation list\n"
	    "       homectl automation show NAME\n"
	    "       homectl automation enable|disable|remove|test NAME\n"
	    "       homectl automation run [--wait] NAME\n");
	return 2;
}

int
cmd_automation(struct cli *cli, int argc, char **argv)
{
	static const char *const flags[] = { "replace", "wait", NULL };
	struct json_object *res = NULL, *doc = NULL;
	const char *verb, *name;
	char err[OPS_ERRLEN];
	struct args a;
	int r;

	if (args_parse(&a, argc, argv, NULL, flags, 1, 2) < 0)
		return 2;
	verb = a.pos[0];
	name = a.npos > 1 ? a.pos[1] : NULL;
	if (strcmp(verb, "list") == 0 ? name != NULL : name == NULL)
		return usage();
	if ((args_flag(&a, "replace") && strcmp(verb, "add") != 0) ||
	    (args_flag(&a, "wait") && strcmp(verb, "run") != 0))
		return usage();
	if (strcmp(verb, "add") == 0 && name != NULL) {
		if ((doc = read_doc(name, err, sizeof(err))) == NULL)
			return cli_fail(err);
		if (cli_open(cli, false) < 0) {
			json_object_put(doc);
			return 1;
		}
		/* A person typed the command: that is the confirmation. */
		r = ops_automation_put(&cli->ops, doc, args_flag(&a, "replace"), true, &res, err);
		json_object_put(doc);
		if (r < 0)
			return cli_fail(err);
		if (cli->json)
			cli_print_json(res);
		else
			printf("%s \"%s\"%s; next run %s\n", args_flag(&a, "replace") ?
			    "replaced" : "added", str(res, "name"), json_object_get_boolean(
			    json_object_object_get(res, "enabled")) ? "" : " (disabled)",
			    str(res, "next_run"));
		json_object_put(res);
		return 0;
	}
	if (strcmp(verb, "list") != 0 && strcmp(verb, "show") != 0 &&
	    strcmp(verb, "enable") != 0 && strcmp(verb, "disable") != 0 &&
	    strcmp(verb, "remove") != 0 && strcmp(verb, "run") != 0 && strcmp(verb, "test") != 0)
		return usage();
	if (cli_open(cli, false) < 0)
		return 1;
	if (strcmp(verb, "list") == 0)
		r = ops_automations(&cli->ops, &res, err);
	else if (strcmp(verb, "show") == 0)
		r = ops_automation_get(&cli->ops, name, 20, &res, err);
	else if (strcmp(verb, "enable") == 0 || strcmp(verb, "disable") == 0)
		r = ops_automation_enable(&cli->ops, name, verb[0] == 'e', true, &res, err);
	else if (strcmp(verb, "test") == 0)
		r = ops_automation_test(&cli->ops, name, (int64_t)time(NULL), &res, err);
	else if (strcmp(verb, "remove") == 0)
		r = ops_automation_remove(&cli->ops, name, true, err);
	else
		r = ops_automation_run(&cli->ops, name, true, &res, err);
	if (r < 0)
		return cli_fail(err);
	if (strcmp(verb, "run") == 0) {
		struct json_object *run = NULL;
		int64_t id = json_object_get_int64(json_object_object_get(res, "run"));

		json_object_put(res);
		if ((r = wait_run(cli, id, args_flag(&a, "wait"), &run)) == -ETIMEDOUT) {
			json_object_put(run);
			fprintf(stderr, "homectl: homectl-automations has not started run %lld "
			    "within %d s: is it running? (systemctl status homectl-automations)\n",
			    (long long)id, RUN_PICKUP_S);
			return 1;
		}
		if (r < 0)
			return cli_fail("database error");
		if (cli->json)
			cli_print_json(run);
		else
			print_run(run);
		r = strcmp(str(run, "outcome"), "failed") == 0 ||
		    strcmp(str(run, "outcome"), "expired") == 0;
		json_object_put(run);
		return r;
	}
	if (cli->json && res != NULL)
		cli_print_json(res);
	else if (strcmp(verb, "list") == 0)
		print_list(res);
	else if (strcmp(verb, "show") == 0)
		print_one(res);
	else if (strcmp(verb, "test") == 0)
		print_test(res);
	else if (strcmp(verb, "remove") == 0)
		printf("removed \"%s\"\n", name);
	else
		printf("%s \"%s\"\n", verb[0] == 'e' ? "enabled" : "disabled", name);
	json_object_put(res);
	return 0;
}
