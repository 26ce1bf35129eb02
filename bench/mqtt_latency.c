/* SPDX-License-Identifier: MIT */
/* mqtt_latency.c -- what homectl-mqtt adds on the way to and from a real
 * device, measured beside a bare MQTT round on the same broker.  This
 * process plays the device (a Zigbee2MQTT light "Bench Lamp") and the
 * writer, and holds N WebSocket clients of homectl-api:
 *
 *   bare     a message published by one client until it arrives back at a
 *            subscriber (the broker's own pub->sub round);
 *   command  ops_control committing a command (this process writes the
 *            database, as MCP, REST or the CLI would) until the /set
 *            message arrives at the device;
 *   report   the device publishing its new state until each WebSocket
 *            client holds the frame with it (all clients, and the last).
 *
 * Times are CLOCK_MONOTONIC in this one process.  Prints p50/p99/max.
 *
 *   mqtt_latency BROKER_PORT API_PORT TOKEN CLIENTS EVENTS DB */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <mosquitto.h>

#include "db.h"
#include "log.h"
#include "ops.h"

#define DEVICES_JSON \
	"[{\"ieee_address\":\"0x00bench\",\"type\":\"Router\",\"friendly_name\":\"Bench Lamp\"," \
	"\"supported\":true,\"disabled\":false,\"interview_completed\":true,\"definition\":{" \
	"\"model\":\"bench\",\"vendor\":\"homectl\",\"description\":\"a bench light\",\"exposes\":[" \
	"{\"type\":\"light\",\"features\":[{\"type\":\"binary\",\"name\":\"state\",\"property\":" \
	"\"state\",\"access\":7,\"value_on\":\"ON\",\"value_off\":\"OFF\"},{\"type\":\"numeric\"," \
	"\"name\":\"brightness\",\"property\":\"brightness\",\"access\":7,\"value_min\":0," \
	"\"value_max\":254}]}]}}]"

struct ws {
	int fd;
	char buf[1 << 16];
	size_t len;
};

static struct mosquitto *mosq;
static char last_topic[256], last_payload[512];
static int got;

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void
die(const char *what)
{
	fprintf(stderr, "mqtt_latency: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void
on_message(struct mosquitto *m, void *arg, const struct mosquitto_message *msg)
{
	snprintf(last_topic, sizeof(last_topic), "%s", msg->topic);
	snprintf(last_payload, sizeof(last_payload), "%.*s", msg->payloadlen,
	    (const char *)msg->payload);
	got++;
}

/* Runs the MQTT client until a message on topic arrives (or 5 s). */
static int
mqtt_wait(const char *topic, uint64_t *at)
{
	uint64_t deadline = now_ns() + 5000000000ULL;

	for (;;) {
		struct pollfd p = { mosquitto_socket(mosq), POLLIN, 0 };
		int before = got;

		if (mosquitto_want_write(mosq))
			mosquitto_loop_write(mosq, 1);
		if (poll(&p, 1, 50) > 0)
			mosquitto_loop_read(mosq, 1);
		mosquitto_loop_misc(mosq);
		if (got != before && strcmp(last_topic, topic) == 0) {
			*at = now_ns();
			return 0;
		}
		if (now_ns() > deadline)
			return -1;
	}
}

static void
publish(const char *topic, const char *payload, bool retain)
{
	if (mosquitto_publish(mosq, NULL, topic, (int)strlen(payload), payload, 1, retain) !=
	    MOSQ_ERR_SUCCESS)
		die("publish");
	while (mosquitto_want_write(mosq))
		mosquitto_loop_write(mosq, 1);
}

static void
send_all(int fd, const void *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			die("write");
		p = (const char *)p + w;
		n -= (size_t)w;
	}
}

/* A masked text frame (clients must mask). */
static void
ws_send(int fd, const char *text)
{
	unsigned char h[8] = { 0x81, 0 }, mask[4] = { 1, 2, 3, 4 }, *m;
	size_t n = strlen(text), hl = 2;

	if (n < 126) {
		h[1] = 0x80 | (unsigned char)n;
	} else {
		h[1] = 0x80 | 126;
		h[2] = (unsigned char)(n >> 8);
		h[3] = (unsigned char)n;
		hl = 4;
	}
	m = malloc(n);
	for (size_t i = 0; i < n; i++)
		m[i] = (unsigned char)text[i] ^ mask[i % 4];
	send_all(fd, h, hl);
	send_all(fd, mask, 4);
	send_all(fd, m, n);
	free(m);
}

static void
ws_open(struct ws *c, int port, const char *token)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	char req[512], hello[256];
	int one = 1;
	ssize_t n;

	if ((c->fd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("connect");
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	snprintf(req, sizeof(req), "GET /ws HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
	    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	    "Sec-WebSocket-Version: 13\r\nOrigin: http://127.0.0.1:%d\r\n\r\n", port, port);
	send_all(c->fd, req, strlen(req));
	/* The 101 and the headers end with an empty line. */
	c->len = 0;
	while (c->len < 4 || memcmp(c->buf + c->len - 4, "\r\n\r\n", 4) != 0) {
		if ((n = read(c->fd, c->buf + c->len, 1)) <= 0)
			die("upgrade");
		c->len++;
	}
	if (strncmp(c->buf, "HTTP/1.1 101", 12) != 0) {
		fprintf(stderr, "mqtt_latency: no upgrade: %.40s\n", c->buf);
		exit(1);
	}
	c->len = 0;
	snprintf(hello, sizeof(hello), "{\"type\":\"hello\",\"token\":\"%s\"}", token);
	ws_send(c->fd, hello);
}

/* Reads frames until one holds needle and, when not NULL, also2 (the
 * device's own report of the new brightness, not the command that asked
 * for it). */
static int
ws_wait(struct ws *c, const char *needle, const char *also2, uint64_t *at)
{
	uint64_t deadline = now_ns() + 5000000000ULL;

	for (;;) {
		struct pollfd p = { c->fd, POLLIN, 0 };
		ssize_t n;

		/* Whole frames in the buffer: look, then drop them. */
		while (c->len >= 2) {
			size_t pl = c->buf[1] & 0x7f, hl = 2;

			if (pl == 126) {
				if (c->len < 4)
					break;
				pl = ((size_t)(unsigned char)c->buf[2] << 8) | (unsigned char)c->buf[3];
				hl = 4;
			} else if (pl == 127) {
				if (c->len < 10)
					break;
				pl = 0;
				for (int i = 2; i < 10; i++)
					pl = (pl << 8) | (unsigned char)c->buf[i];
				hl = 10;
			}
			if (c->len < hl + pl)
				break;
			if (memmem(c->buf + hl, pl, needle, strlen(needle)) != NULL &&
			    (also2 == NULL || memmem(c->buf + hl, pl, also2, strlen(also2)) != NULL)) {
				*at = now_ns();
				memmove(c->buf, c->buf + hl + pl, c->len - hl - pl);
				c->len -= hl + pl;
				return 0;
			}
			memmove(c->buf, c->buf + hl + pl, c->len - hl - pl);
			c->len -= hl + pl;
		}
		if (poll(&p, 1, 100) > 0) {
			if (c->len == sizeof(c->buf))
				c->len = 0;	/* a snapshot bigger than we care for */
			n = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
			if (n <= 0)
				die("ws read");
			c->len += (size_t)n;
		}
		if (now_ns() > deadline)
			return -1;
	}
}

static int
cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void
report(const char *what, uint64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp);
	printf("%-8s n=%-6zu p50 %.3f ms  p99 %.3f ms  max %.3f ms\n", what, n,
	    (double)v[n / 2] / 1e6, (double)v[(n * 99) / 100] / 1e6, (double)v[n - 1] / 1e6);
}

int
main(int argc, char **argv)
{
	struct db *db = NULL;
	struct ops_ctx ops;
	struct ws *ws;
	uint64_t *bare, *cmd, *rep_all, *rep_last, t0, t1;
	size_t nc, ne, nall = 0;
	int bport, aport;
	char err[OPS_ERRLEN], topic[128], payload[128], needle[64];

	if (argc != 7) {
		fprintf(stderr, "usage: mqtt_latency BROKER_PORT API_PORT TOKEN CLIENTS EVENTS DB\n");
		return 2;
	}
	bport = atoi(argv[1]);
	aport = atoi(argv[2]);
	nc = (size_t)atoi(argv[4]);
	ne = (size_t)atoi(argv[5]);
	log_init("mqtt_latency", LOG_ERR);
	bare = calloc(ne, sizeof(*bare));
	cmd = calloc(ne, sizeof(*cmd));
	rep_all = calloc(ne * nc, sizeof(*rep_all));
	rep_last = calloc(ne, sizeof(*rep_last));
	ws = calloc(nc, sizeof(*ws));

	mosquitto_lib_init();
	if ((mosq = mosquitto_new("bench-device", true, NULL)) == NULL)
		die("mosquitto_new");
	mosquitto_message_callback_set(mosq, on_message);
	mosquitto_int_option(mosq, MOSQ_OPT_TCP_NODELAY, 1);
	if (mosquitto_connect(mosq, "127.0.0.1", bport, 30) != MOSQ_ERR_SUCCESS)
		die("mqtt connect");
	mosquitto_subscribe(mosq, NULL, "zigbee2mqtt/Bench Lamp/set", 1);
	mosquitto_subscribe(mosq, NULL, "bench/ping", 1);
	publish("zigbee2mqtt/bridge/devices", DEVICES_JSON, true);
	publish("zigbee2mqtt/Bench Lamp/availability", "{\"state\":\"online\"}", true);

	/* homectl-mqtt binds the lamp: wait for it in the database. */
	/* The daemons may hold the write lock for a moment while they start. */
	for (int i = 0; db_open(argv[6], 0, &db) < 0; i++) {
		if (i > 100)
			die("db_open");
		usleep(50000);
	}
	ops = (struct ops_ctx){ .db = db, .source = OPS_SRC_CLI, .confirm = OPS_CONFIRM_NONE };
	for (int i = 0;; i++) {
		struct json_object *d = NULL;

		if (ops_device_get(&ops, "bench_lamp", &d, err) == 0 &&
		    strcmp(json_object_get_string(json_object_object_get(d, "available")),
		    "online") == 0) {
			json_object_put(d);
			break;
		}
		json_object_put(d);
		if (i > 200) {
			fprintf(stderr, "mqtt_latency: bench_lamp never came online\n");
			return 1;
		}
		usleep(25000);
	}
	for (size_t i = 0; i < nc; i++)
		ws_open(&ws[i], aport, argv[3]);
	/* Let the snapshots arrive before measuring anything. */
	usleep(300000);
	for (size_t i = 0; i < nc; i++) {
		uint64_t at;

		ws_wait(&ws[i], "\"snapshot\"", NULL, &at);
	}

	for (size_t e = 0; e < ne; e++) {
		int b = 1 + (int)(e % 99);
		struct ops_control req = { .device_id = "bench_lamp", .action = "set" };
		struct json_object *props = json_object_new_object(), *out = NULL;
		uint64_t last = 0;

		/* 1. The broker alone. */
		snprintf(payload, sizeof(payload), "%zu", e);
		t0 = now_ns();
		publish("bench/ping", payload, false);
		if (mqtt_wait("bench/ping", &t1) < 0)
			die("bare round lost");
		bare[e] = t1 - t0;

		/* 2. A command committed -> /set at the device. */
		json_object_object_add(props, "brightness", json_object_new_int(b));
		req.props = props;
		if (ops_control(&ops, &req, &out, err) < 0) {
			fprintf(stderr, "mqtt_latency: %s\n", err);
			return 1;
		}
		t0 = now_ns();
		if (mqtt_wait("zigbee2mqtt/Bench Lamp/set", &t1) < 0) {
			fprintf(stderr, "mqtt_latency: no /set for event %zu\n", e);
			return 1;
		}
		cmd[e] = t1 - t0;
		json_object_put(out);
		json_object_put(props);

		/* 3. The device reports -> every WebSocket client has it. */
		snprintf(topic, sizeof(topic), "zigbee2mqtt/Bench Lamp");
		snprintf(payload, sizeof(payload), "{\"state\":\"ON\",\"brightness\":%d}",
		    b * 254 / 100 == 0 ? 1 : (b * 254 + 50) / 100);
		snprintf(needle, sizeof(needle), "\"brightness\":%d", b);
		t0 = now_ns();
		publish(topic, payload, false);
		for (size_t i = 0; i < nc; i++) {
			if (ws_wait(&ws[i], needle, "\"source\":\"device\",\"kind\":\"device\"", &t1) < 0) {
				fprintf(stderr, "mqtt_latency: client %zu missed event %zu\n", i, e);
				return 1;
			}
			rep_all[nall++] = t1 - t0;
			if (t1 - t0 > last)
				last = t1 - t0;
		}
		rep_last[e] = last;
		usleep(5000);
	}
	report("bare", bare, ne);
	report("command", cmd, ne);
	report("report", rep_all, nall);
	report("report-last", rep_last, ne);
	mosquitto_destroy(mosq);
	mosquitto_lib_cleanup();
	db_close(db);
	return 0;
}
