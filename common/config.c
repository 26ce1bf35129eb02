/* SPDX-License-Identifier: MIT */
/* config.c -- reads homectl.conf: "key = value" lines, '#' comments.  An
 * unknown key or a bad value is an error with its line number, so a typo
 * never silently falls back to a default. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
	c->mcp_hosts = strdup("");
	c->mcp_sessions = 64;
	c->mcp_idle_sec = 1800;
	c->update_check_interval = 100;
	c->inotify = true;
	c->confirm = OPS_CONFIRM_OPENING;
	c->read_only = false;
	c->log_level = LOG_INFO;
	c->feed_max_rows = 100000;
	c->feed_max_age_days = 90;
	c->ws_queue_max = 256;
	c->max_clients = 4096;
	c->command_timeout_ms = 5000;
	c->mqtt.broker = strdup(CONFIG_DEFAULT_BROKER);
	c->mqtt.base_topic = strdup("homectl");
	c->mqtt.home_id = strdup("home");
	c->mqtt.z2m_base = strdup("zigbee2mqtt");
	c->mqtt.tasmota_prefix = strdup("tasmota/discovery");
	c->mqtt.shelly = true;
	c->mqtt.hass_prefix = strdup("homeassistant");
}

void
config_free(struct config *c)
{
	FREE(c->database);
	FREE(c->listen);
	FREE(c->web_root);
	FREE(c->mcp_socket);
	FREE(c->allowed_origins);
	FREE(c->mcp_hosts);
	FREE(c->public_url);
	FREE(c->mqtt.broker);
	FREE(c->mqtt.username);
	FREE(c->mqtt.password);
	FREE(c->mqtt.ca_file);
	FREE(c->mqtt.client_id);
	FREE(c->mqtt.base_topic);
	FREE(c->mqtt.home_id);
	FREE(c->mqtt.z2m_base);
	FREE(c->mqtt.tasmota_prefix);
	FREE(c->mqtt.hass_prefix);
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

/* An MQTT topic part: no wildcards, no NUL (the caller's string has none). */
static int
set_topic(char **field, const char *value, bool may_be_empty)
{
	if ((!may_be_empty && *value == '\0') || strpbrk(value, "+#") != NULL ||
	    (*value != '\0' && (value[0] == '/' || value[strlen(value) - 1] == '/')))
		return -EINVAL;
	return set_string(field, value);
}

/* public_url: an origin, "https://NAME[:PORT]" (http too, for a home
 * without TLS), kept lower case and without a trailing slash; "" unsets
 * it.  A path is refused: homectl-api serves from the root of its origin. */
static int
set_public_url(char **field, const char *value)
{
	const char *a;
	char *v;
	size_t n;

	if (*value == '\0') {
		FREE(*field);
		return 0;
	}
	if (strncasecmp(value, "https://", 8) == 0)
		a = value + 8;
	else if (strncasecmp(value, "http://", 7) == 0)
		a = value + 7;
	else
		return -EINVAL;
	n = strlen(value);
	if (value[n - 1] == '/')
		n--;
	if (a >= value + n || strcspn(a, "/?#@ \t") < (size_t)(value + n - a))
		return -EINVAL;
	for (const char *p = a; p < value + n; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]", *p))
			return -EINVAL;
	if ((v = strndup(value, n)) == NULL)
		return -ENOMEM;
	for (char *p = v; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	free(*field);
	*field = v;
	return 0;
}

/* The [mqtt] part.  An empty value of an optional string unsets it. */
static int
config_set_mqtt(struct config *c, const char *key, const char *value)
{
	struct config_mqtt *m = &c->mqtt;

	if (!strcmp(key, "broker"))
		return *value && strchr(value, ':') ? set_string(&m->broker, value) : -EINVAL;
	if (!strcmp(key, "username") || !strcmp(key, "password") || !strcmp(key, "ca_file") ||
	    !strcmp(key, "client_id")) {
		char **f = !strcmp(key, "username") ? &m->username : !strcmp(key, "password") ?
		    &m->password : !strcmp(key, "ca_file") ? &m->ca_file : &m->client_id;

		if (*value == '\0') {
			FREE(*f);
			return 0;
		}
		return set_string(f, value);
	}
	if (!strcmp(key, "base_topic"))
		return set_topic(&m->base_topic, value, false);
	if (!strcmp(key, "home_id")) {
		for (const char *p = value; *p; p++)
			if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
				return -EINVAL;
		return *value ? set_string(&m->home_id, value) : -EINVAL;
	}
	if (!strcmp(key, "zigbee2mqtt_base_topic"))
		return set_topic(&m->z2m_base, value, true);
	if (!strcmp(key, "tasmota_discovery_prefix"))
		return set_topic(&m->tasmota_prefix, value, true);
	if (!strcmp(key, "shelly"))
		return parse_bool(value, &m->shelly);
	if (!strcmp(key, "homeassistant_discovery_prefix"))
		return set_topic(&m->hass_prefix, value, true);
	return -ENOENT;
}

int
config_set(struct config *c, const char *key, const char *value, char *err, size_t errlen)
{
	int64_t n;
	int r = 0, lvl;

	if (!strncmp(key, "mqtt.", 5)) {
		if ((r = config_set_mqtt(c, key + 5, value)) == -ENOENT) {
			snprintf(err, errlen, "unknown setting '%s' in [mqtt]", key + 5);
			return -EINVAL;
		}
	} else if (!strcmp(key, "command_timeout_ms"))
		r = parse_int64(value, 100, 600000, &c->command_timeout_ms);
	else if (!strcmp(key, "database"))
		r = *value ? set_string(&c->database, value) : -EINVAL;
	else if (!strcmp(key, "listen"))
		r = set_string(&c->listen, value);
	else if (!strcmp(key, "web_root"))
		r = set_string(&c->web_root, value);
	else if (!strcmp(key, "mcp_socket"))
		r = set_string(&c->mcp_socket, value);
	else if (!strcmp(key, "allowed_origins"))
		r = set_string(&c->allowed_origins, value);
	else if (!strcmp(key, "mcp_hosts"))
		r = set_string(&c->mcp_hosts, value);
	else if (!strcmp(key, "public_url"))
		r = set_public_url(&c->public_url, value);
	else if (!strcmp(key, "oauth_fetch_private"))
		r = parse_bool(value, &c->oauth_fetch_private);
	else if (!strcmp(key, "oauth_client_metadata"))
		r = parse_bool(value, &c->oauth_client_metadata);
	else if (!strcmp(key, "mcp_sessions")) {
		if ((r = parse_int64(value, 1, 100000, &n)) == 0)
			c->mcp_sessions = (unsigned)n;
	} else if (!strcmp(key, "mcp_idle_sec")) {
		if ((r = parse_int64(value, 1, (int64_t)7 * 86400, &n)) == 0)
			c->mcp_idle_sec = (unsigned)n;
	} else if (!strcmp(key, "update_check_interval")) {
		if ((r = parse_int64(value, 0, 60000, &n)) == 0)
			c->update_check_interval = (unsigned)n;
	} else if (!strcmp(key, "inotify"))
		r = parse_bool(value, &c->inotify);
	else if (!strcmp(key, "confirm"))
		r = ops_confirm_parse(value, &c->confirm);
	else if (!strcmp(key, "read_only"))
		r = parse_bool(value, &c->read_only);
	else if (!strcmp(key, "require_elicitation"))
		r = parse_bool(value, &c->require_elicitation);
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
	FILE *f;
	int r;

	if ((f = fopen(path, "re")) == NULL) {
		if (errno == ENOENT && !must_exist)
			return 0;
		r = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return r;
	}
	r = config_read(c, f, path, err, errlen);
	fclose(f);
	return r;
}

int
config_read(struct config *c, FILE *f, const char *path, char *err, size_t errlen)
{
	char line[4096], why[256], full[300];
	int lineno = 0, r = 0;
	bool mqtt = false;

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
		if (*s == '[') {
			if (strcmp(s, "[mqtt]") == 0) {
				mqtt = true;
			} else if (strcmp(s, "[homectl]") == 0) {
				mqtt = false;
			} else {
				snprintf(err, errlen, "%s:%d: unknown part %.40s (there are [homectl] and"
				    " [mqtt])", path, lineno, s);
				r = -EINVAL;
				break;
			}
			continue;
		}
		if ((eq = strchr(s, '=')) == NULL) {
			snprintf(err, errlen, "%s:%d: expected 'key = value'", path, lineno);
			r = -EINVAL;
			break;
		}
		*eq = '\0';
		key = trim(s);
		value = trim(eq + 1);
		if (mqtt) {
			snprintf(full, sizeof(full), "mqtt.%.200s", key);
			key = full;
		}
		if ((r = config_set(c, key, value, why, sizeof(why))) < 0) {
			snprintf(err, errlen, "%s:%d: %s", path, lineno, why);
			break;
		}
	}
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
