/* SPDX-License-Identifier: MIT */
/* broker.c -- the connection to the MQTT broker, libmosquitto driven from
 * our own loop: mosquitto_socket() in the epoll set (re-registered at every
 * reconnect, since the fd changes), mosquitto_loop_read/loop_write when it
 * is readable/writable, EPOLLOUT only while mosquitto_want_write(), and
 * mosquitto_loop_misc() once a second for keepalive and retries.  Never
 * mosquitto_loop_start(): its thread would race our loop.
 *
 * The broker being down, restarting or refusing our credentials never stops
 * the daemon: it reconnects with a doubling back-off (0.5 s to 30 s), says
 * so once per change of state, and meanwhile the devices are offline. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <mosquitto.h>

#include "evfd.h"
#include "log.h"
#include "mqtt.h"
#include "util.h"

#define BACKOFF_MIN_MS	500
#define BACKOFF_MAX_MS	30000
#define KEEPALIVE_S	30

/* Logs a problem once: again only when it changes or after recovery. */
static void
problem(struct mqttd *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
problem(struct mqttd *d, const char *fmt, ...)
{
	char msg[sizeof(d->last_problem)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap); /* NOLINT(clang-analyzer-valist.Uninitialized) */
	va_end(ap);
	if (strcmp(msg, d->last_problem) == 0)
		return;
	snprintf(d->last_problem, sizeof(d->last_problem), "%s", msg);
	log_warnx("broker %s:%d: %s", d->host, d->port, msg);
}

static void
schedule_retry(struct mqttd *d)
{
	d->state = BROKER_DOWN;
	evfd_timer_set(d->retry_tfd, (uint64_t)d->backoff_ms * 1000, 0);
	d->backoff_ms = d->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : d->backoff_ms * 2;
}

static void
on_connect(struct mosquitto *mosq, void *arg, int rc)
{
	struct mqttd *d = arg;
	char **subs;
	int n = 0;

	if (rc != 0) {
		/* Refused (bad credentials, not authorised): libmosquitto
		 * closes the socket; try again later, quietly. */
		problem(d, "refused the connection: %s", mosquitto_connack_string(rc));
		return;
	}
	subs = route_subscriptions(d, &n);
	if (n > 0 && mosquitto_subscribe_multiple(mosq, NULL, n, subs, 1, 0, NULL) !=
	    MOSQ_ERR_SUCCESS)
		log_warnx("broker: subscribe failed");
	d->state = BROKER_UP;
	d->backoff_ms = BACKOFF_MIN_MS;
	d->last_problem[0] = '\0';
	log_info("broker %s:%d: connected as %s", d->host, d->port, d->client_id);
	route_connected(d);
}

static void
on_disconnect(struct mosquitto *mosq, void *arg, int rc)
{
	struct mqttd *d = arg;
	bool was_up = d->state == BROKER_UP;

	if (d->quit || d->state == BROKER_DOWN)
		return;
	if (was_up)
		problem(d, "connection lost (%s); reconnecting", rc == 0 ? "closed" :
		    mosquitto_strerror(rc));
	else if (d->last_problem[0] == '\0' || strncmp(d->last_problem, "refused", 7) != 0)
		problem(d, "cannot connect (%s); retrying", rc == MOSQ_ERR_ERRNO ?
		    strerror(errno) : mosquitto_strerror(rc));
	route_disconnected(d);
	schedule_retry(d);
}

static void
on_message(struct mosquitto *mosq, void *arg, const struct mosquitto_message *m)
{
	if (m->topic == NULL)
		return;
	route_message(arg, m->topic, m->payload ? (const char *)m->payload : "",
	    m->payloadlen > 0 ? (size_t)m->payloadlen : 0, m->retain);
}

static void
on_log(struct mosquitto *mosq, void *arg, int level, const char *msg)
{
	if (level & (MOSQ_LOG_ERR | MOSQ_LOG_WARNING))
		log_debug("libmosquitto: %s", msg);
}

/* Starts (or restarts) a non-blocking connection attempt. */
static void
connect_now(struct mqttd *d, bool first)
{
	int rc;

	d->state = BROKER_CONNECTING;
	rc = first ? mosquitto_connect_async(d->mosq, d->host, d->port, KEEPALIVE_S) :
	    mosquitto_reconnect_async(d->mosq);
	if (rc != MOSQ_ERR_SUCCESS) {
		/* The same words as on_disconnect's: one line per problem. */
		problem(d, "cannot connect (%s); retrying", rc == MOSQ_ERR_ERRNO ?
		    strerror(errno) : mosquitto_strerror(rc));
		/* The first attempt set host and port even when it failed. */
		schedule_retry(d);
	}
	broker_sync(d);
}

int
broker_start(struct mqttd *d)
{
	const char *b = d->cfg.mqtt.broker, *colon = strrchr(b, ':');
	int64_t port;
	char pw[64];

	if (colon == NULL || colon == b || (size_t)(colon - b) >= sizeof(d->host) ||
	    parse_int64(colon + 1, 1, 65535, &port) < 0) {
		log_warnx("broker '%s': expected HOST:PORT", b);
		return -EINVAL;
	}
	memcpy(d->host, b, (size_t)(colon - b));
	d->host[colon - b] = '\0';
	/* [::1]:1883 */
	if (d->host[0] == '[' && d->host[strlen(d->host) - 1] == ']') {
		memmove(d->host, d->host + 1, strlen(d->host));
		d->host[strlen(d->host) - 1] = '\0';
	}
	d->port = (int)port;
	d->sock = -1;
	d->backoff_ms = BACKOFF_MIN_MS;
	mosquitto_lib_init();
	if ((d->mosq = mosquitto_new(d->client_id, true, d)) == NULL)
		return -ENOMEM;
	mosquitto_int_option(d->mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
	/* Small messages, each one awaited by someone: without this, Nagle's
	 * algorithm holds a /set behind the ACK of the state published just
	 * before it, and the peer's delayed ACK makes that 40 ms. */
	mosquitto_int_option(d->mosq, MOSQ_OPT_TCP_NODELAY, 1);
	mosquitto_connect_callback_set(d->mosq, on_connect);
	mosquitto_disconnect_callback_set(d->mosq, on_disconnect);
	mosquitto_message_callback_set(d->mosq, on_message);
	mosquitto_log_callback_set(d->mosq, on_log);
	if (d->cfg.mqtt.username != NULL &&
	    mosquitto_username_pw_set(d->mosq, d->cfg.mqtt.username, d->cfg.mqtt.password) !=
	    MOSQ_ERR_SUCCESS)
		return -EINVAL;
	if (d->cfg.mqtt.ca_file != NULL &&
	    mosquitto_tls_set(d->mosq, d->cfg.mqtt.ca_file, NULL, NULL, NULL, NULL) !=
	    MOSQ_ERR_SUCCESS) {
		log_warnx("broker: cannot use CA file %s", d->cfg.mqtt.ca_file);
		return -EINVAL;
	}
	/* Home Assistant (and anyone) sees us go when we go. */
	snprintf(pw, sizeof(pw), "offline");
	{
		char t[MQTT_TOPIC_MAX];

		snprintf(t, sizeof(t), "%s/status", d->hass_base);
		mosquitto_will_set(d->mosq, t, (int)strlen(pw), pw, 1, true);
	}
	connect_now(d, true);
	return 0;
}

void
broker_stop(struct mqttd *d)
{
	if (d->mosq == NULL)
		return;
	if (d->state == BROKER_UP) {
		char t[MQTT_TOPIC_MAX];

		snprintf(t, sizeof(t), "%s/status", d->hass_base);
		broker_publish(d, t, "offline", 7, true);
		mosquitto_disconnect(d->mosq);
		/* Flush the DISCONNECT (and what is queued) before closing. */
		for (int i = 0; i < 10 && mosquitto_want_write(d->mosq); i++)
			mosquitto_loop_write(d->mosq, 1);
	}
	if (d->sock >= 0)
		epoll_ctl(d->epfd, EPOLL_CTL_DEL, d->sock, NULL);
	mosquitto_destroy(d->mosq);
	d->mosq = NULL;
	mosquitto_lib_cleanup();
}

void
broker_sync(struct mqttd *d)
{
	int fd = mosquitto_socket(d->mosq);
	bool out = fd >= 0 && mosquitto_want_write(d->mosq);
	struct epoll_event ev = { .events = EPOLLIN | (out ? EPOLLOUT : 0), .data.u32 = EV_BROKER };

	if (fd != d->sock) {
		/* The old fd may already be closed by libmosquitto (then the
		 * kernel dropped it from the set): ignore EBADF/ENOENT. */
		if (d->sock >= 0)
			epoll_ctl(d->epfd, EPOLL_CTL_DEL, d->sock, NULL);
		d->sock = -1;
		if (fd >= 0 && epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev) == 0) {
			d->sock = fd;
			d->sock_out = out;
		}
		return;
	}
	if (fd >= 0 && out != d->sock_out && epoll_ctl(d->epfd, EPOLL_CTL_MOD, fd, &ev) == 0)
		d->sock_out = out;
}

/* A failed read or write: libmosquitto has closed the socket (and called
 * on_disconnect when we were connected). */
static void
io_failed(struct mqttd *d, int rc)
{
	if (d->state != BROKER_DOWN)
		on_disconnect(d->mosq, d, rc);
}

void
broker_io(struct mqttd *d, uint32_t events)
{
	int rc;

	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
		rc = mosquitto_loop_read(d->mosq, 1);
		if (rc != MOSQ_ERR_SUCCESS) {
			io_failed(d, rc);
			broker_sync(d);
			return;
		}
	}
	if ((events & EPOLLOUT) && mosquitto_want_write(d->mosq)) {
		rc = mosquitto_loop_write(d->mosq, 1);
		if (rc != MOSQ_ERR_SUCCESS)
			io_failed(d, rc);
	}
	broker_sync(d);
}

void
broker_misc(struct mqttd *d)
{
	int rc;

	if (d->state == BROKER_DOWN)
		return;
	rc = mosquitto_loop_misc(d->mosq);
	if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_NO_CONN)
		io_failed(d, rc);
	broker_sync(d);
}

void
broker_retry(struct mqttd *d)
{
	evfd_timer_drain(d->retry_tfd);
	if (d->state == BROKER_DOWN && !d->quit)
		connect_now(d, false);
}

int
broker_publish(struct mqttd *d, const char *topic, const char *payload, size_t len, bool retain)
{
	int rc;

	if (d->state != BROKER_UP)
		return -EIO;
	rc = mosquitto_publish(d->mosq, NULL, topic, (int)len, payload, 1, retain);
	if (rc != MOSQ_ERR_SUCCESS) {
		log_warnx("broker: publish %s: %s", topic, mosquitto_strerror(rc));
		return -EIO;
	}
	broker_sync(d);
	return 0;
}
