/* SPDX-License-Identifier: MIT */
/* config.h -- /etc/homectl/homectl.conf: "key = value" lines, '#' comments.
 * The daemons and the CLI read the same file; see homectl.conf(5). */
#ifndef HOMECTL_CONFIG_H
#define HOMECTL_CONFIG_H

#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>

#include "ops.h"

#define CONFIG_DEFAULT_PATH HOMECTL_SYSCONFDIR "/homectl/homectl.conf"
#define CONFIG_DEFAULT_DB "/var/lib/homectl/homectl.db"
#define CONFIG_DEFAULT_MCP_SOCKET "/run/homectl/mcp.sock"
#define CONFIG_DEFAULT_LISTEN "127.0.0.1:8080"
#define CONFIG_DEFAULT_BROKER "127.0.0.1:1883"
/* The Makefile sets it from PREFIX. */
#ifdef HOMECTL_WEB_ROOT
#define CONFIG_DEFAULT_WEB_ROOT HOMECTL_WEB_ROOT
#else
#define CONFIG_DEFAULT_WEB_ROOT "/usr/share/homectl/web"
#endif

struct config {
	char *database;			/* path of the SQLite file */
	char *listen;			/* homectl-api when started by hand: ADDR:PORT */
	char *web_root;			/* the dashboard's files */
	char *mcp_socket;		/* homectl-mcp's unix socket */
	char *allowed_origins;		/* extra WebSocket and /mcp origins, space separated */
	char *mcp_hosts;		/* Host names /mcp answers besides loopback ones */
	char *public_url;		/* the origin clients reach homectl-api at (behind a
					   proxy: its https origin); NULL: the Host header */
	bool oauth_client_metadata;	/* fetch Client ID Metadata Documents (the
					   unit's sandbox has no network: off) */
	bool oauth_fetch_private;	/* ... also from loopback and private
					   addresses */
	unsigned mcp_sessions;		/* live /mcp sessions at most (503 beyond) */
	unsigned mcp_idle_sec;		/* an /mcp session unused this long ends */
	unsigned update_check_interval;	/* ms, the watcher's fallback timer */
	bool inotify;
	enum ops_confirm confirm;	/* which actions need confirm: true */
	bool read_only;			/* homectl-mcp offers only read tools */
	bool require_elicitation;	/* MCP opens the home only for clients that
					   can ask the person (elicitation) */
	int log_level;			/* syslog priority */
	int64_t feed_max_rows;
	int64_t feed_max_age_days;
	unsigned ws_queue_max;		/* frames queued per WebSocket client */
	unsigned max_clients;		/* WebSocket + HTTP connections */
	bool have_location;		/* latitude and longitude are set */
	double latitude, longitude;	/* the home, for sunrise and sunset */
	unsigned location_set;		/* bit 0: latitude read, bit 1: longitude */
	int64_t command_timeout_ms;	/* a real device has this long to confirm */
	struct config_mqtt {		/* the [mqtt] part: homectl-mqtt */
		char *broker;		/* HOST:PORT */
		char *username, *password;	/* NULL: anonymous */
		char *ca_file;		/* NULL: no TLS */
		char *client_id;	/* NULL: homectl-<hostname> */
		char *base_topic;	/* homectl's own topics ("homectl") */
		char *home_id;		/* this home in topics and unique ids ("home") */
		char *z2m_base;		/* Zigbee2MQTT's base topic, "" to ignore it */
		char *tasmota_prefix;	/* Tasmota's discovery prefix, "" to ignore */
		bool shelly;		/* look for Shelly Gen2+ devices */
		char *hass_prefix;	/* HA discovery prefix, "" for no HA */
	} mqtt;
};

/* Fills c with the defaults. */
void config_defaults(struct config *c);
/* Reads path over the current values.  A "[mqtt]" line starts the part
 * whose keys are homectl-mqtt's (set as "mqtt.KEY"); "[homectl]" goes back
 * to the main part.  A missing file is fine when
 * must_exist is false.  -errno with "file:line: reason" in err. */
int config_load(struct config *c, const char *path, bool must_exist, char *err, size_t errlen);
/* The same from an open stream; path names it in messages. */
int config_read(struct config *c, FILE *f, const char *path, char *err, size_t errlen);
/* Sets one key from its text value (also used for command-line overrides). */
int config_set(struct config *c, const char *key, const char *value, char *err, size_t errlen);
void config_free(struct config *c);

/* The config file to read: $HOMECTL_CONFIG, else CONFIG_DEFAULT_PATH. */
const char *config_path(void);
/* The database to use: cli_db if set, else $HOMECTL_DB, else the config's.
 * Borrowed. */
const char *config_database(const struct config *c, const char *cli_db);

#endif
