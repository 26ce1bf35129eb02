/* SPDX-License-Identifier: MIT */
/* fuzz_rest.c -- libFuzzer target: any bytes as an HTTP request (request
 * line, headers, query, body; several on one connection too) through
 * libmicrohttpd into homectl-api's real handler, over a socketpair: the
 * route table, the token check before the body, the handlers, the static
 * files (a FIFO among them).  "@T@" in the input becomes a valid token;
 * "@C@", "@K@", "@A@" and "@R@" an OAuth client, code, access and refresh
 * token (fuzz_home.h), so that the token endpoint and an OAuth session at
 * /mcp are reached past "unknown".
 * Besides "no crash, no leak" it checks that whatever comes back starts
 * as an HTTP answer, and that no connection outlives its client.
 *
 * The client leaves after REQUESTS answers on its connection: the fuzzer
 * soon learns to fill its 4 KiB with dozens of pipelined requests for the
 * dearest answers (/api/stats, /api/changes), and the run slowed from 3k
 * inputs a second to under 500 doing the same thing over; eight keep
 * pipelining and keep-alive in play. */
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz_home.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TURNS		256	/* MHD runs before the client gives up waiting */
#define IDLE_TURNS	4	/* ... or runs in a row that bring nothing */
#define REQUESTS	8	/* ... or answers on the connection */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char in[16384], out[1 << 20];
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(40000) };
	const char *token;
	struct api *api = fuzz_api(&token);
	size_t n, got = 0, off = 0, before;
	ssize_t r;
	int sp[2], turn, idle = 0;
	bool eof = false, shut = false;

	n = fuzz_subst((const char *)data, size, in, sizeof(in));
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sp) < 0)
		abort();
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* MHD owns sp[0] from here. */
	if (MHD_add_connection(api->mhd, sp[0], (struct sockaddr *)&sin, sizeof(sin)) != MHD_YES)
		abort();
	for (turn = 0; turn < TURNS && !eof; turn++) {
		if (!shut) {
			r = send(sp[1], in + off, n - off, MSG_NOSIGNAL);
			if (r > 0)
				off += (size_t)r;
			else if (r < 0 && errno != EAGAIN)
				off = n;	/* MHD closed: the rest is not wanted */
			if (off == n) {
				shutdown(sp[1], SHUT_WR);
				shut = true;
			}
		}
		MHD_run(api->mhd);
		before = got;
		while ((r = recv(sp[1], out + got, sizeof(out) - 1 - got, 0)) > 0)
			got += (size_t)r;
		if (r == 0 || (r < 0 && errno != EAGAIN))
			eof = true;
		/* All sent and nothing comes back: MHD waits for more. */
		idle = shut && got == before ? idle + 1 : 0;
		if (idle > IDLE_TURNS)
			break;
		if (got >= sizeof(out) - 1)
			got = 0;	/* a long static answer: only its start is checked */
		if (!TAILQ_EMPTY(&api->hconns) &&
		    TAILQ_FIRST(&api->hconns)->requests >= REQUESTS)
			break;
	}
	/* A request cut short by the client's end may still wait for the
	 * rest (the daemon's deadline ends it, see http_conn.c): closing our
	 * end must make MHD let it go. */
	close(sp[1]);
	for (turn = 0; turn < 64 && !TAILQ_EMPTY(&api->hconns); turn++)
		MHD_run(api->mhd);
	if (!TAILQ_EMPTY(&api->hconns))
		abort();	/* MHD kept a connection whose client is gone */
	out[got] = '\0';
	if (got > 0 && strncmp(out, "HTTP/1.1 ", 9) != 0 && strncmp(out, "HTTP/1.0 ", 9) != 0)
		abort();	/* not an HTTP answer */
	return 0;
}
