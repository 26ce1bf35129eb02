/* SPDX-License-Identifier: MIT */
/* config.c -- reads homectl.conf: "key = value" lines, '#' comments.  An
 * unknown key or a bad value is an error with its line number, so a typo
 * never silently falls back to a default. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "util.h"

void
config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->database = strdup(CONFIG_DEFAULT_DB);
	c->listen = strdup(CONFIG_DEFAULT_LISTEN);
	c->web_root = strdup(CONFIG_DEFAULT_WEB_ROOT);
	c->mcp_socket = strdup(CONFIG_DEFAULT_MCP_SOCKET);
	c->allowed_origins = strdup("");
	c->update_check_interval = 100;
	c->inotify = true;
	c->confirm = OPS_CONFIRM_OPENING;
	c->read_only = false;
	c->log_level = LOG_INFO;
	c->feed_max_rows = 100000;
	c->feed_max_age_days = 90;
	c->ws_queue_max = 256;
	c->max_clients = 4096;
}

void
config_free(struct config *c)
{
	FREE(c->database);
	FREE(c->listen);
	FREE(c->web_root);
	FREE(c->mcp_socket);
	FREE(c->allowed_origins);
}

static int
set_string(char **field, const char *value)
{
	char *s = strdup(value);

	if (s == NULL)
		return -ENOMEM;
	free(*field);
	*field = s;
	return 0;
}

static int
parse_bool(const char *v, bool *out)
{
	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "on") || !strcmp(v, "1"))
		*out = true;
	else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "off") || !strcmp(v, "0"))
		*out = false;
	else
		return -EINVAL;
	return 0;
}

int
config_set(struct config *c, const char *key, const char *value, char *err, size_t errlen)
{
	int64_t n;
	int r = 0, lvl;

	if (!strcmp(key, "database"))
		r = *value ? set_string(&c->database, value) : -EINVAL;
	else if (!strcmp(key, "listen"))
		r = set_string(&c->listen, value);
	else if (!strcmp(key, "web_root"))
		r = set_string(&c->web_root, value);
	else if (!strcmp(key, "mcp_socket"))
		r = set_string(&c->mcp_socket, value);
	else if (!strcmp(key, "allowed_origins"))
		r = set_string(&c->allowed_origins, value);
	else if (!strcmp(key, "update_check_interval")) {
		if ((r = parse_int64(value, 0, 60000, &n)) == 0)
			c->update_check_interval = (unsigned)n;
	} else if (!strcmp(key, "inotify"))
		r = parse_bool(value, &c->inotify);
	else if (!strcmp(key, "confirm"))
		r = ops_confirm_parse(value, &c->confirm);
	else if (!strcmp(key, "read_only"))
		r = parse_bool(value, &c->read_only);
	else if (!strcmp(key, "log_level")) {
		if ((lvl = log_level_parse(value)) < 0)
			r = -EINVAL;
		else
			c->log_level = lvl;
	} else if (!strcmp(key, "feed_max_rows"))
		r = parse_int64(value, 0, INT64_MAX / 2, &c->feed_max_rows);
	else if (!strcmp(key, "feed_max_age_days"))
		r = parse_int64(value, 0, 36500, &c->feed_max_age_days);
	else if (!strcmp(key, "ws_queue_max")) {
		if ((r = parse_int64(value, 1, 1000000, &n)) == 0)
			c->ws_queue_max = (unsigned)n;
	} else if (!strcmp(key, "max_clients")) {
		if ((r = parse_int64(value, 1, 1000000, &n)) == 0)
			c->max_clients = (unsigned)n;
	} else if (!strcmp(key, "latitude") || !strcmp(key, "longitude")) {
		bool lat = key[1] == 'a';
		double d;

		/* Both or neither: have_location once the second arrives. */
		if ((r = parse_double(value, lat ? -90 : -180, lat ? 90 : 180, &d)) == 0) {
			*(lat ? &c->latitude : &c->longitude) = d;
			c->location_set |= lat ? 1 : 2;
			c->have_location = c->location_set == 3;
		}
	} else {
		snprintf(err, errlen, "unknown setting '%s'", key);
		return -EINVAL;
	}
	if (r == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	else if (r < 0)
		snprintf(err, errlen, "bad value '%s' for %s", value, key);
	return r;
}

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int
config_load(struct config *c, const char *path, bool must_exist, char *err, size_t errlen)
{
	char line[4096], why[256];
	FILE *f;
	int lineno = 0, r = 0;

	if ((f = fopen(path, "re")) == NULL) {
		if (errno == ENOENT && !must_exist)
			return 0;
		r = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return r;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *s, *eq, *key, *value;

		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			snprintf(err, errlen, "%s:%d: line too long", path, lineno);
			r = -EINVAL;
			break;
		}
		s = trim(line);
		if (*s == '\0' || *s == '#')
			continue;
		if ((eq = strchr(s, '=')) == NULL) {
			snprintf(err, errlen, "%s:%d: expected 'key = value'", path, lineno);
			r = -EINVAL;
			break;
		}
		*eq = '\0';
		key = trim(s);
		value = trim(eq + 1);
		if ((r = config_set(c, key, value, why, sizeof(why))) < 0) {
			snprintf(err, errlen, "%s:%d: %s", path, lineno, why);
			break;
		}
	}
	fclose(f);
	return r;
}

const char *
config_path(void)
{
	const char *p = getenv("HOMECTL_CONFIG");

	return p != NULL && *p != '\0' ? p : CONFIG_DEFAULT_PATH;
}

const char *
config_database(const struct config *c, const char *cli_db)
{
	const char *env = getenv("HOMECTL_DB");

	if (cli_db != NULL && *cli_db != '\0')
		return cli_db;
	if (env != NULL && *env != '\0')
		return env;
	return c->database;
}
