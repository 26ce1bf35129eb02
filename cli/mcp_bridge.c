/* SPDX-License-Identifier: MIT */
/* mcp_bridge.c -- `homectl mcp`: connects an AI client's stdio to the
 * homectl-mcp unix socket, so the assistant is configured with one command
 * and the MCP service runs once, under systemd, for every session. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "args.h"
#include "cli.h"

#define BRIDGE_BUF (64 * 1024)

/* One direction: bytes read from one fd, waiting to be written to the
 * other.  The reader stops while the buffer is full, so a slow side slows
 * only its own direction and neither blocks the other. */
struct lane {
	int	 from, to;
	char	 buf[BRIDGE_BUF];
	size_t	 len, off;
	bool	 eof;		/* from has no more to say */
	bool	 closed;	/* to has been told (or cannot take more) */
};

static int
connect_unix(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, r;

	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

/* Reads what is there into the lane.  -errno on a hard error. */
static int
lane_read(struct lane *l)
{
	ssize_t n = read(l->from, l->buf, sizeof(l->buf));

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -errno;
	if (n == 0)
		l->eof = true;
	l->len = (size_t)n;
	l->off = 0;
	return 0;
}

/* Writes what the lane holds.  -errno when the other side is gone. */
static int
lane_write(struct lane *l)
{
	while (l->off < l->len) {
		ssize_t n = write(l->to, l->buf + l->off, l->len - l->off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? 0 : -errno;
		}
		l->off += (size_t)n;
	}
	l->len = l->off = 0;
	return 0;
}

/* Shuttles bytes both ways.  stdin's EOF half-closes the socket (the server
 * still answers what it was sent); the socket's EOF ends the bridge once
 * everything it sent is on stdout. */
static int
bridge(int sock)
{
	struct lane up = { .from = STDIN_FILENO, .to = sock };
	struct lane down = { .from = sock, .to = STDOUT_FILENO };

	for (;;) {
		struct pollfd pfd[3];
		nfds_t n = 0;
		int iin = -1, isock = -1, iout = -1;
		short sev = 0;

		if (up.eof && up.len == 0 && !up.closed) {
			shutdown(sock, SHUT_WR);
			up.closed = true;
		}
		if (down.eof && down.len == 0)
			return 0;
		if (!up.eof && up.len == 0) {
			pfd[n] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
			iin = (int)n++;
		}
		if (!down.eof && down.len == 0)
			sev |= POLLIN;
		if (up.len > 0 && !up.closed)
			sev |= POLLOUT;
		if (sev != 0) {
			pfd[n] = (struct pollfd){ .fd = sock, .events = sev };
			isock = (int)n++;
		}
		if (down.len > 0) {
			pfd[n] = (struct pollfd){ .fd = STDOUT_FILENO, .events = POLLOUT };
			iout = (int)n++;
		}
		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("homectl mcp: poll");
			return 1;
		}
		if (iin >= 0 && pfd[iin].revents != 0 && lane_read(&up) < 0) {
			up.eof = true;	/* stdin broke: treat as EOF */
			up.len = 0;
		}
		if (isock >= 0 && pfd[isock].revents != 0) {
			if ((pfd[isock].revents & POLLOUT) || (pfd[isock].revents & POLLERR)) {
				if (up.len > 0 && lane_write(&up) < 0) {
					/* The server is gone; what it sent still
					 * reaches stdout below. */
					up.eof = up.closed = true;
					up.len = 0;
				}
			}
			if ((pfd[isock].revents & (POLLIN | POLLHUP | POLLERR)) && !down.eof &&
			    down.len == 0 && lane_read(&down) < 0)
				down.eof = true;
		}
		if (iout >= 0 && pfd[iout].revents != 0 && lane_write(&down) < 0)
			return 0;	/* the AI client is gone */
	}
}

/* homectl mcp [--socket PATH] */
int
cmd_mcp(struct cli *cli, int argc, char **argv)
{
	static const char *const opts[] = { "socket", NULL };
	static const char *const flags[] = { "help", NULL };
	struct args a;
	const char *path;
	int sock, r;

	if (args_parse(&a, argc, argv, opts, flags, 0, 0) < 0)
		return 2;
	if (args_flag(&a, "help")) {
		printf("usage: homectl mcp [--socket PATH]\n\n"
		    "Bridges stdin/stdout to the homectl-mcp socket (--socket, else\n"
		    "$HOMECTL_MCP_SOCKET, else %s), for AI\n"
		    "clients: configure the assistant with {\"command\": \"homectl\", "
		    "\"args\": [\"mcp\"]}.\n", cli->cfg.mcp_socket);
		return 0;
	}
	/* --socket, then $HOMECTL_MCP_SOCKET (an assistant's configuration
	 * can set the environment where it cannot add arguments), then
	 * homectl.conf's mcp_socket. */
	path = args_get(&a, "socket");
	if (path == NULL && (path = getenv("HOMECTL_MCP_SOCKET")) != NULL && *path == '\0')
		path = NULL;
	if (path == NULL)
		path = cli->cfg.mcp_socket;
	if ((sock = connect_unix(path)) < 0) {
		fprintf(stderr, "homectl mcp: cannot connect to %s: %s\n", path, strerror(-sock));
		if (sock == -ENOENT || sock == -ECONNREFUSED)
			fprintf(stderr, "homectl mcp: is homectl-mcp running? "
			    "(systemctl enable --now homectl-mcp.socket, or homectl-mcp --listen "
			    "%s)\n", path);
		else if (sock == -EACCES)
			fprintf(stderr, "homectl mcp: only members of the homectl group may "
			    "connect (adduser $USER homectl, then log in again)\n");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	r = bridge(sock);
	close(sock);
	return r;
}
