/* SPDX-License-Identifier: MIT */
/* output.c -- how homectl shows devices and changes to people. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "jsonutil.h"
#include "model.h"

int
cli_fail(const char *err)
{
	fprintf(stderr, "homectl: %s\n", err);
	return 1;
}

void
cli_print_json(struct json_object *obj)
{
	printf("%s\n", json_compact(obj));
}

static const char *
str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return "-";
	return json_object_get_string(v);
}

char *
cli_describe_props(struct json_object *device, char *buf, size_t len)
{
	const struct model_type *t = model_type_find(str(device, "type"));
	struct json_object *props = json_object_object_get(device, "properties");
	size_t off = 0;

	buf[0] = '\0';
	if (props == NULL)
		return buf;
	json_object_object_foreach(props, key, val) {
		const struct model_prop *p = t ? model_prop_find(t, key) : NULL;
		int n;

		/* The thermostat's mode is its state; a sensor's unit is in
		 * its value. */
		if ((t && strcmp(t->name, "thermostat") == 0 && strcmp(key, "mode") == 0) ||
		    strcmp(key, "unit") == 0)
			continue;
		n = snprintf(buf + off, len - off, "%s%s %s%s%s", off ? ", " : "", key,
		    json_object_get_string(val), p && p->unit ? " " : "",
		    p && p->unit ? p->unit : "");
		if (n < 0 || (size_t)n >= len - off)
			break;
		off += (size_t)n;
	}
	return buf;
}

void
cli_print_devices(struct json_object *devices)
{
	size_t i, n = json_object_array_length(devices);
	char props[512];

	printf("%-32s %-19s %-12s %-10s %s\n", "ID", "TYPE", "ROOM", "STATE", "DETAILS");
	for (i = 0; i < n; i++) {
		struct json_object *d = json_object_array_get_idx(devices, i);

		const char *avail = str(d, "available");

		/* A real device says where it stands when it is not plainly
		 * online: offline, not heard from, or waiting for a command. */
		printf("%-32s %-19s %-12s %-10s %s%s%s\n", str(d, "id"), str(d, "type"),
		    str(d, "room"), str(d, "state"), cli_describe_props(d, props, sizeof(props)),
		    strcmp(avail, "offline") == 0 ? " [offline]" :
		    strcmp(avail, "unknown") == 0 ? " [not heard from]" : "",
		    json_object_object_get(d, "pending") != NULL ? " [pending]" : "");
	}
}

void
cli_print_change(struct json_object *c)
{
	const char *kind = str(c, "kind"), *at = str(c, "at");
	char props[512];

	/* "2026-11-26T01:02:03.456Z" -> "01:02:03" keeps lines short; the
	 * date is in --json. */
	printf("%6s  %.8s  %-7s  ", str(c, "seq"), strlen(at) >= 19 ? at + 11 : at,
	    str(c, "source"));
	if (strcmp(kind, "mode") == 0) {
		printf("mode -> %s\n", str(c, "mode"));
	} else if (strcmp(kind, "device") == 0) {
		struct json_object *d = json_object_object_get(c, "device");

		printf("%s -> %s  %s\n", str(d, "id"), str(d, "state"),
		    cli_describe_props(d, props, sizeof(props)));
	} else if (strcmp(kind, "home") == 0) {
		/* "room:kitchen" -> "room kitchen edited" */
		const char *subject = str(c, "subject"), *colon = strchr(subject, ':');

		printf("%.*s%s%s edited\n", colon ? (int)(colon - subject) : (int)strlen(subject),
		    subject, colon ? " " : "", colon ? colon + 1 : "");
	} else if (strcmp(kind, "automation") == 0) {
		/* automation "porch light" failed: the device ... is gone */
		struct json_object *run = json_object_object_get(c, "run");
		const char *error = json_object_get_string(json_object_object_get(run, "error"));

		printf("automation \"%s\" %s%s%s\n", str(run, "automation"), str(run, "outcome"),
		    error != NULL ? ": " : "", error != NULL ? error : "");
	} else if (strcmp(kind, "command") == 0) {
		struct json_object *k = json_object_object_get(c, "command");

		printf("%s <- %s  %s (command %s)\n", str(k, "device_id"), str(k, "state"),
		    json_object_to_json_string_ext(json_object_object_get(k, "properties"),
			JSON_C_TO_STRING_PLAIN), str(k, "status"));
	} else {
		printf("%s removed\n", str(c, "device_id"));
	}
	/* Which automation made it: one more line, not a wider column. */
	if (json_object_object_get_ex(c, "automation", NULL))
		printf("%6s  %8s  %-7s  by the automation \"%s\"\n", "", "", "",
		    str(c, "automation"));
	fflush(stdout);
}
