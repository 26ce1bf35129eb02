/* SPDX-License-Identifier: MIT */
/* api_ws_latency.c -- push latency of homectl-api: N WebSocket clients
 * (raw sockets, minimal RFC 6455 framing), and a writer in this process
 * that commits a change with SQLite (another process than the daemon) or
 * sends an MCP tools/call to `homectl-mcp --stdio`.  For every event it
 * records, per client, the time from the writer's commit returning (or the
 * tools/call being written) to that client holding a frame with the new
 * seq.  Prints p50/p90/p99/max over all samples and over the last client
 * of each event, and the daemon's CPU time and RSS during the run.
 *
 *   api_ws_latency PORT TOKEN CLIENTS EVENTS DB DAEMON_PID [MCP_BINARY]
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#define DEVICE "living_room_light_lamp"
#define GAP_US 20000	/* between events, so each one is measured alone */

struct client {
	int fd;
	unsigned char *buf;
	size_t len, cap;
	int64_t seq;		/* highest frame seq seen */
};

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
	perror(what);
	exit(1);
}

static void
send_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	ssize_t w;

	while (n > 0) {
		w = write(fd, c, n);
		if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
			struct pollfd pf = { .fd = fd, .events = POLLOUT };
			poll(&pf, 1, 1000);
			continue;
		}
		if (w <= 0)
			die("write");
		c += w;
		n -= (size_t)w;
	}
}

/* One masked text frame from the client. */
static void
ws_send_text(int fd, const char *s)
{
	unsigned char hdr[14], mask[4] = { 1, 2, 3, 4 }, *p;
	size_t n = strlen(s), h = 0, i;

	hdr[h++] = 0x81;
	if (n < 126) {
		hdr[h++] = 0x80 | (unsigned char)n;
	} else {
		hdr[h++] = 0x80 | 126;
		hdr[h++] = (unsigned char)(n >> 8);
		hdr[h++] = (unsigned char)n;
	}
	memcpy(hdr + h, mask, 4);
	h += 4;
	if ((p = malloc(h + n)) == NULL)
		die("malloc");
	memcpy(p, hdr, h);
	for (i = 0; i < n; i++)
		p[h + i] = (unsigned char)s[i] ^ mask[i % 4];
	send_all(fd, p, h + n);
	free(p);
}

/* Parses complete frames in c->buf; text frames update c->seq from their
 * top-level "seq"; pings are answered.  Returns frames seen. */
static int
ws_parse(struct client *c)
{
	size_t off = 0, h, n;
	int frames = 0;
	unsigned op;

	for (;;) {
		if (c->len - off < 2)
			break;
		op = c->buf[off] & 0x0f;
		n = c->buf[off + 1] & 0x7f;
		h = 2;
		if (n == 126) {
			if (c->len - off < 4)
				break;
			n = ((size_t)c->buf[off + 2] << 8) | c->buf[off + 3];
			h = 4;
		} else if (n == 127) {
			if (c->len - off < 10)
				break;
			n = 0;
			for (int i = 0; i < 8; i++)
				n = (n << 8) | c->buf[off + 2 + i];
			h = 10;
		}
		if (c->len - off < h + n)
			break;
		if (op == 1) {
			/* {"type":"...","seq":N,...}: the first "seq" is the frame's. */
			const char *p = memmem(c->buf + off + h, n, "\"seq\":", 6);

			if (p != NULL) {
				int64_t s = strtoll(p + 6, NULL, 10);

				if (s > c->seq)
					c->seq = s;
			}
			frames++;
		} else if (op == 9) {
			unsigned char pong[6] = { 0x8a, 0x80, 0, 0, 0, 0 };

			send_all(c->fd, pong, sizeof(pong));	/* empty pong */
		}
		off += h + n;
	}
	memmove(c->buf, c->buf + off, c->len - off);
	c->len -= off;
	return frames;
}

static int
client_read(struct client *c)
{
	ssize_t r;
	int frames = 0;

	for (;;) {
		if (c->cap - c->len < 65536) {
			c->cap = c->cap * 2 + 65536;
			if ((c->buf = realloc(c->buf, c->cap)) == NULL)
				die("realloc");
		}
		r = read(c->fd, c->buf + c->len, c->cap - c->len);
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (r <= 0) {
			fprintf(stderr, "client connection closed\n");
			exit(1);
		}
		c->len += (size_t)r;
		frames += ws_parse(c);
	}
	return frames;
}

static void
client_open(struct client *c, int port, const char *token)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	char req[512], resp[4096], hello[256];
	size_t got = 0;
	ssize_t r;
	int one = 1;

	memset(c, 0, sizeof(*c));
	c->seq = -1;
	if ((c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		die("socket");
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("connect");
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	snprintf(req, sizeof(req), "GET /ws HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
	    port);
	send_all(c->fd, req, strlen(req));
	/* Read the 101 byte by byte: nothing of the first frame is lost. */
	while (got < sizeof(resp) - 1) {
		if ((r = read(c->fd, resp + got, 1)) <= 0)
			die("handshake");
		got++;
		if (got >= 4 && memcmp(resp + got - 4, "\r\n\r\n", 4) == 0)
			break;
	}
	resp[got] = '\0';
	if (strncmp(resp, "HTTP/1.1 101", 12) != 0) {
		fprintf(stderr, "handshake refused: %s\n", resp);
		exit(1);
	}
	snprintf(hello, sizeof(hello), "{\"type\":\"hello\",\"token\":\"%s\"}", token);
	ws_send_text(c->fd, hello);
	fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Sorts v and prints its percentiles; q receives p50, p90, p99, max. */
static void
report(const char *what, uint64_t *v, size_t n, double q[4])
{
	if (n == 0)
		return;
	qsort(v, n, sizeof(*v), cmp_u64);
	q[0] = v[n * 50 / 100] / 1e6;
	q[1] = v[n * 90 / 100] / 1e6;
	q[2] = v[n * 99 / 100] / 1e6;
	q[3] = v[n - 1] / 1e6;
	printf("  %-22s n=%-7zu p50 %8.3f  p90 %8.3f  p99 %8.3f  max %8.3f ms\n", what, n,
	    q[0], q[1], q[2], q[3]);
}

static uint64_t
proc_cpu_ns(int pid)
{
	char path[64];
	unsigned long long ns = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	if (fscanf(f, "%llu", &ns) != 1)
		ns = 0;
	fclose(f);
	return ns;
}

static long
proc_status_kb(int pid, const char *key)
{
	char path[64], line[256];
	long v = -1;
	size_t kl = strlen(key);
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, key, kl) == 0 && line[kl] == ':')
			v = strtol(line + kl + 1, NULL, 10);
	fclose(f);
	return v;
}

struct mcp {
	pid_t pid;
	int in, out;
	char buf[1 << 16];
	size_t len;
};

/* Waits for the MCP answer with the given id (lines are small). */
static void
mcp_wait(struct mcp *m, int id)
{
	char needle[32];
	ssize_t r;
	char *nl;

	snprintf(needle, sizeof(needle), "\"id\":%d", id);
	for (;;) {
		while ((nl = memchr(m->buf, '\n', m->len)) != NULL) {
			size_t l = (size_t)(nl - m->buf) + 1;
			bool hit = memmem(m->buf, l, needle, strlen(needle)) != NULL;

			memmove(m->buf, m->buf + l, m->len - l);
			m->len -= l;
			if (hit)
				return;
		}
		if (m->len == sizeof(m->buf))
			m->len = 0;
		struct pollfd pf = { .fd = m->out, .events = POLLIN };
		poll(&pf, 1, 5000);
		r = read(m->out, m->buf + m->len, sizeof(m->buf) - m->len);
		if (r <= 0 && errno != EAGAIN)
			die("mcp read");
		if (r > 0)
			m->len += (size_t)r;
	}
}

static void
mcp_start(struct mcp *m, const char *bin, const char *db)
{
	int pin[2], pout[2];
	const char *init = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":"
	    "{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},"
	    "\"clientInfo\":{\"name\":\"bench\",\"version\":\"1\"}}}\n"
	    "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n";

	if (pipe2(pin, O_CLOEXEC) < 0 || pipe2(pout, O_CLOEXEC) < 0)
		die("pipe");
	if ((m->pid = fork()) < 0)
		die("fork");
	if (m->pid == 0) {
		dup2(pin[0], 0);
		dup2(pout[1], 1);
		execl(bin, bin, "--stdio", "--db", db, "--config", "/dev/null", (char *)NULL);
		_exit(127);
	}
	close(pin[0]);
	close(pout[1]);
	m->in = pin[1];
	m->out = pout[0];
	m->len = 0;
	send_all(m->in, init, strlen(init));
	mcp_wait(m, 1);
}

int
main(int argc, char **argv)
{
	struct client *cl;
	struct epoll_event ev, evs[256];
	struct mcp mcp;
	sqlite3 *db = NULL;
	uint64_t *all, *last, t0, t, cpu0, cpu1, w0, w1;
	size_t nall = 0, nlast = 0;
	int port, nclients, nevents, epfd, i, e, pid, done;
	int64_t target;
	bool use_mcp;
	char sql[256], call[512];
	double qa[4] = { 0 }, ql[4] = { 0 };

	if (argc < 7) {
		fprintf(stderr, "usage: %s PORT TOKEN CLIENTS EVENTS DB DAEMON_PID [MCP_BINARY]\n",
		    argv[0]);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	port = atoi(argv[1]);
	nclients = atoi(argv[3]);
	nevents = atoi(argv[4]);
	pid = atoi(argv[6]);
	use_mcp = argc > 7;
	cl = calloc((size_t)nclients, sizeof(*cl));
	all = calloc((size_t)nclients * (size_t)nevents, sizeof(*all));
	last = calloc((size_t)nevents, sizeof(*last));
	if (cl == NULL || all == NULL || last == NULL)
		die("calloc");
	if ((epfd = epoll_create1(EPOLL_CLOEXEC)) < 0)
		die("epoll_create1");
	for (i = 0; i < nclients; i++) {
		client_open(&cl[i], port, argv[2]);
		ev.events = EPOLLIN;
		ev.data.u32 = (uint32_t)i;
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, cl[i].fd, &ev) < 0)
			die("epoll_ctl");
	}
	/* Every client has its snapshot before the first event. */
	for (done = 0; done < nclients;) {
		int n = epoll_wait(epfd, evs, 256, 5000);

		if (n <= 0) {
			fprintf(stderr, "timeout waiting for snapshots\n");
			return 1;
		}
		for (e = 0; e < n; e++) {
			struct client *c = &cl[evs[e].data.u32];
			bool had = c->seq >= 0;

			client_read(c);
			if (!had && c->seq >= 0)
				done++;
		}
	}
	target = cl[0].seq;
	if (use_mcp)
		mcp_start(&mcp, argv[7], argv[5]);
	else if (sqlite3_open(argv[5], &db) != SQLITE_OK ||
	    sqlite3_busy_timeout(db, 5000) != SQLITE_OK)
		die("sqlite3_open");

	usleep(200000);
	cpu0 = proc_cpu_ns(pid);
	w0 = now_ns();
	for (i = 0; i < nevents; i++) {
		int value = 20 + i % 2;	/* always a change */

		if (use_mcp) {
			snprintf(call, sizeof(call), "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":"
			    "\"tools/call\",\"params\":{\"name\":\"control_device\",\"arguments\":"
			    "{\"action\":\"set\",\"device_id\":\"" DEVICE "\",\"brightness\":%d}}}\n",
			    i + 10, value);
			t0 = now_ns();
			send_all(mcp.in, call, strlen(call));
		} else {
			snprintf(sql, sizeof(sql), "UPDATE devices SET properties = json_set(properties,"
			    " '$.brightness', %d) WHERE id = '" DEVICE "'", value);
			if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
				fprintf(stderr, "sqlite: %s\n", sqlite3_errmsg(db));
				return 1;
			}
			t0 = now_ns();
		}
		/* The event's seq is the next one after what every client has. */
		target++;
		for (done = 0; done < nclients;) {
			int n = epoll_wait(epfd, evs, 256, 5000);

			if (n <= 0) {
				fprintf(stderr, "timeout: event %d, %d of %d clients\n", i, done,
				    nclients);
				return 1;
			}
			t = now_ns();
			for (e = 0; e < n; e++) {
				struct client *c = &cl[evs[e].data.u32];
				bool had = c->seq >= target;

				client_read(c);
				if (!had && c->seq >= target) {
					all[nall++] = t - t0;
					if (++done == nclients)
						last[nlast++] = t - t0;
				}
			}
		}
		if (use_mcp)
			mcp_wait(&mcp, i + 10);
		usleep(GAP_US);
	}
	w1 = now_ns();
	cpu1 = proc_cpu_ns(pid);
	printf("%s, %d clients, %d events:\n", use_mcp ? "MCP tools/call -> WebSocket" :
	    "SQLite commit -> WebSocket", nclients, nevents);
	report("every client", all, nall, qa);
	report("last client per event", last, nlast, ql);
	printf("  daemon CPU %.1f ms over %.2f s (%.2f %% of a core, %.1f us per event), "
	    "RSS %ld kB, peak %ld kB\n",
	    (cpu1 - cpu0) / 1e6, (w1 - w0) / 1e9, 100.0 * (double)(cpu1 - cpu0) /
	    (double)(w1 - w0), (cpu1 - cpu0) / 1e3 / nevents, proc_status_kb(pid, "VmRSS"),
	    proc_status_kb(pid, "VmHWM"));
	/* One line for the driver script to take medians from. */
	printf("RESULT %s %d %.3f %.3f %.3f %.3f %.3f %.3f %.3f %.3f %.3f %ld\n",
	    use_mcp ? "mcp" : "sqlite", nclients, qa[0], qa[1], qa[2], qa[3], ql[0], ql[1], ql[2],
	    ql[3], 100.0 * (double)(cpu1 - cpu0) / (double)(w1 - w0), proc_status_kb(pid, "VmRSS"));
	if (use_mcp) {
		close(mcp.in);
		waitpid(mcp.pid, NULL, 0);
	}
	sqlite3_close(db);
	return 0;
}
