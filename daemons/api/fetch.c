/* SPDX-License-Identifier: MIT */
/* fetch.c -- fetches one small https document (an OAuth Client ID
 * Metadata Document) for a loop that must never wait.
 *
 * The document's URL is named by whoever opens /oauth/authorize, and
 * homectl-api sits inside the home network: the fetch must not become a
 * way to reach the LAN (a request forgery), nor to hold the daemon.  So:
 * https only (the certificate checked against the system's CAs, or
 * SSL_CERT_FILE), the host's addresses vetted before connecting (no
 * loopback, private, link-local, shared, multicast or reserved address
 * unless oauth_fetch_private is set) and the connection made to the
 * vetted address itself (no second lookup that DNS could answer
 * differently), no redirect followed, at most FETCH_MAX bytes, at most
 * FETCH_SEC seconds, FETCH_JOBS at a time.
 *
 * getaddrinfo() and a TLS handshake block, so they run in a child process
 * (fork without exec: homectl-api has no thread, so the child starts from
 * a consistent copy and only calls libc and OpenSSL before _exit).  It
 * writes "OK\n" and the HTTP response, or "ERR reason\n", into a pipe the
 * loop has adopted; a timer kills it at the deadline. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "api.h"
#include "oauth.h"
#include "util.h"

struct fetch {
	struct api *api;
	struct api_fd pipe;		/* the child's answer */
	lws_sorted_usec_list_t sul;	/* the deadline */
	pid_t pid;
	char *buf;
	size_t len;
	bool over;			/* more than the cap arrived */
	fetch_done_fn *done;
	void *arg;
	TAILQ_ENTRY(fetch) entry;
};

/* ---- the child ---- */

/* Writes all of s to fd (the child's pipe; errors end the child anyway). */
static void
put(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);

		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

static void child_fail(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3),
    noreturn));

static void
child_fail(int fd, const char *fmt, ...)
{
	char why[280], msg[300];
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	n = snprintf(msg, sizeof(msg), "ERR %s\n", why);
	put(fd, msg, n > 0 && (size_t)n < sizeof(msg) ? (size_t)n : strlen(msg));
	_exit(0);
}

/* Connects to the first address of host:port that may be used. */
static int
child_connect(int out, const char *host, const char *port, bool private_ok)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res, *ai;
	bool refused = false;
	int fd = -1, rc;

	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0)
		child_fail(out, "cannot resolve %s: %s", host, gai_strerror(rc));
	for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
		if (!private_ok && !oauth_fetch_addr_public(ai->ai_addr)) {
			refused = true;
			continue;
		}
		if ((fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	if (fd < 0 && refused)
		child_fail(out, "%s is a loopback, private or reserved address (oauth_fetch_private"
		    " allows them)", host);
	if (fd < 0)
		child_fail(out, "cannot connect to %s", host);
	return fd;
}

static void child_run(int out, const char *url, bool private_ok) __attribute__((noreturn));

/* The child: url is https://HOST[:PORT]/PATH (oauth_client_id_url_ok said so). */
static void
child_run(int out, const char *url, bool private_ok)
{
	char host[256], port[8] = "443", req[2600], *buf;
	const char *a = url + 8, *path = strchr(a, '/');
	size_t hl = (size_t)(path - a), n = 0;
	const char *colon = NULL;
	struct in6_addr ip6;
	struct in_addr ip4;
	SSL_CTX *ctx;
	SSL *ssl;
	int fd, r;

	/* The deadline, should the parent's timer not come first. */
	alarm(FETCH_SEC + 1);
	if (a[0] == '[') {
		const char *rb = memchr(a, ']', hl);

		snprintf(host, sizeof(host), "%.*s", (int)(rb - a - 1), a + 1);
		colon = rb + 1 < path ? rb + 1 : NULL;
	} else {
		colon = memchr(a, ':', hl);
		snprintf(host, sizeof(host), "%.*s", (int)((colon ? colon : path) - a), a);
	}
	if (colon != NULL)
		snprintf(port, sizeof(port), "%.*s", (int)(path - colon - 1), colon + 1);
	fd = child_connect(out, host, port, private_ok);
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
	    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_default_verify_paths(ctx) != 1)
		child_fail(out, "TLS setup failed");
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if ((ssl = SSL_new(ctx)) == NULL || SSL_set_fd(ssl, fd) != 1)
		child_fail(out, "TLS setup failed");
	if (inet_pton(AF_INET, host, &ip4) == 1 || inet_pton(AF_INET6, host, &ip6) == 1) {
		if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) != 1)
			child_fail(out, "TLS setup failed");
	} else if (SSL_set_tlsext_host_name(ssl, host) != 1 || SSL_set1_host(ssl, host) != 1) {
		child_fail(out, "TLS setup failed");
	}
	if (SSL_connect(ssl) != 1)
		child_fail(out, "TLS with %s failed: %s", host, SSL_get_verify_result(ssl) !=
		    X509_V_OK ? X509_verify_cert_error_string(SSL_get_verify_result(ssl)) :
		    "handshake");
	/* HTTP/1.0: the answer ends with the connection, never chunked. */
	r = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: %.*s\r\nAccept: application/json\r\n"
	    "User-Agent: homectl-api\r\nConnection: close\r\n\r\n", path, (int)hl, a);
	if (r < 0 || (size_t)r >= sizeof(req) || SSL_write(ssl, req, r) != r)
		child_fail(out, "cannot send the request");
	if ((buf = malloc(FETCH_MAX + 1)) == NULL)
		child_fail(out, "out of memory");
	while (n <= FETCH_MAX && (r = SSL_read(ssl, buf + n, (int)(FETCH_MAX + 1 - n))) > 0)
		n += (size_t)r;
	if (n > FETCH_MAX)
		child_fail(out, "the answer is larger than %d bytes", FETCH_MAX);
	put(out, "OK\n", 3);
	put(out, buf, n);
	_exit(0);
}

/* ---- the loop's side ---- */

/* Ends f: the child reaped, the pipe and the timer gone, f freed. */
static void
fetch_free(struct fetch *f)
{
	int st;

	lws_sul_cancel(&f->sul);
	/* f goes now, the pipe's wsi at the next loop iteration: it must not
	 * find f (loop.c takes a NULL handler as "close"). */
	if (f->pipe.wsi != NULL) {
		lws_set_opaque_user_data(f->pipe.wsi, NULL);
		loop_unadopt(&f->pipe);
	}
	f->pipe.arg = NULL;
	if (f->pid > 0) {
		kill(f->pid, SIGKILL);
		/* Killed or already gone: this returns at once. */
		waitpid(f->pid, &st, 0);
	}
	TAILQ_REMOVE(&f->api->fetches, f, entry);
	f->api->nfetches--;
	free(f->buf);
	free(f);
}

/* Hands the result to the caller and ends f. */
static void
fetch_finish(struct fetch *f, int rc, const char *err)
{
	fetch_done_fn *done = f->done;
	void *arg = f->arg;
	const char *body = NULL, *p;
	size_t blen = 0;

	if (rc == 0) {
		/* "HTTP/1.x 200 ...", headers, an empty line, the body. */
		char *e = memmem(f->buf, f->len, "\r\n\r\n", 4);

		if (f->len < 12 || strncmp(f->buf, "HTTP/1.", 7) != 0 || e == NULL) {
			rc = -EPROTO, err = "not an HTTP answer";
		} else if (strncmp(f->buf + 8, " 200", 4) != 0) {
			rc = -EPROTO;
			err = f->buf[9] == '3' ? "the server answered with a redirect (not followed)" :
			    "the server did not answer 200";
		} else {
			*e = '\0';
			p = strcasestr(f->buf, "\r\ncontent-type:");
			if (p == NULL || strcasestr(p, "json") == NULL ||
			    strcasestr(p, "json") > p + strcspn(p + 2, "\r") + 2) {
				rc = -EPROTO, err = "the answer is not JSON (Content-Type)";
			} else {
				body = e + 4;
				blen = f->len - (size_t)(e + 4 - f->buf);
			}
		}
	}
	f->done = NULL;
	done(arg, rc, body, blen, err);
	fetch_free(f);
}

/* The child is done (it closed the pipe by exiting): its answer. */
static void
child_done(struct fetch *f)
{
	if (f->over)
		fetch_finish(f, -EFBIG, "the answer is too large");
	else if (f->len >= 3 && memcmp(f->buf, "OK\n", 3) == 0) {
		memmove(f->buf, f->buf + 3, f->len - 3 + 1);
		f->len -= 3;
		fetch_finish(f, 0, NULL);
	} else if (f->len >= 4 && memcmp(f->buf, "ERR ", 4) == 0) {
		char *nl = strchr(f->buf, '\n');

		if (nl != NULL)
			*nl = '\0';
		fetch_finish(f, -EIO, f->buf + 4);
	} else {
		fetch_finish(f, -EIO, "the fetch failed");
	}
}

/* Reads what the child wrote; -1 at the end (EOF or an error). */
static int
drain(struct fetch *f, int fd)
{
	char tmp[4096], *nb;
	ssize_t n;

	while ((n = read(fd, tmp, sizeof(tmp))) > 0) {
		if (f->len + (size_t)n > FETCH_MAX + 64) {
			f->over = true;
			continue;
		}
		if ((nb = realloc(f->buf, f->len + (size_t)n + 1)) == NULL) {
			f->over = true;
			continue;
		}
		f->buf = nb;
		memcpy(f->buf + f->len, tmp, (size_t)n);
		f->len += (size_t)n;
		f->buf[f->len] = '\0';
	}
	return n < 0 && (errno == EAGAIN || errno == EINTR) ? 0 : -1;
}

static int
pipe_rx(struct api_fd *h)
{
	struct fetch *f = h->arg;

	if (f == NULL)
		return -1;
	if (drain(f, h->fd) == 0)
		return 0;
	child_done(f);
	return -1;
}

/* lws closed the pipe on a POLLHUP that came without POLLIN (the child
 * exited after its last bytes were read): the end all the same. */
static void
pipe_closed(struct api_fd *h)
{
	struct fetch *f = h->arg;

	if (f != NULL)
		child_done(f);
}

static void
deadline(lws_sorted_usec_list_t *sul)
{
	struct fetch *f = lws_container_of(sul, struct fetch, sul);

	fetch_finish(f, -ETIMEDOUT, "no answer in time");
}

int
fetch_start(struct api *api, const char *url, bool private_ok, fetch_done_fn *done, void *arg,
    struct fetch **out)
{
	struct fetch *f;
	int p[2];
	sigset_t all;

	*out = NULL;
	if (!oauth_client_id_url_ok(url))
		return -EINVAL;
	if (api->nfetches >= FETCH_JOBS)
		return -EAGAIN;
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -ENOMEM;
	if (pipe2(p, O_CLOEXEC) < 0) {
		free(f);
		return -errno;
	}
	f->api = api;
	f->done = done;
	f->arg = arg;
	f->pid = fork();
	if (f->pid < 0) {
		close(p[0]);
		close(p[1]);
		free(f);
		return -errno;
	}
	if (f->pid == 0) {
		/* The child: default signals (SIGALRM ends it), only the pipe. */
		sigfillset(&all);
		sigprocmask(SIG_UNBLOCK, &all, NULL);
		signal(SIGPIPE, SIG_IGN);
		/* Nothing of the daemon's: a client's socket held here would
		 * stay open after the daemon closed it. */
		if (p[1] != 3 && (dup2(p[1], 3) < 0 || close_range(4, ~0U, 0) < 0))
			_exit(1);
		if (p[1] == 3 && close_range(4, ~0U, 0) < 0)
			_exit(1);
		child_run(3, url, private_ok);
	}
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	TAILQ_INSERT_TAIL(&api->fetches, f, entry);
	api->nfetches++;
	f->pipe.rx = pipe_rx;
	f->pipe.closed = pipe_closed;
	f->pipe.arg = f;
	if (loop_adopt(api, p[0], &f->pipe, "fetch") < 0) {
		/* lws closed the pipe. */
		f->done = NULL;
		fetch_free(f);
		return -EIO;
	}
	lws_sul_schedule(api->lws, 0, &f->sul, deadline, (lws_usec_t)FETCH_SEC * LWS_US_PER_SEC);
	*out = f;
	return 0;
}

void
fetch_cancel(struct fetch *f)
{
	if (f != NULL)
		fetch_free(f);
}

void
fetch_stop(struct api *api)
{
	struct fetch *f;

	while ((f = TAILQ_FIRST(&api->fetches)) != NULL) {
		/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): fetch_finish took f off the list */
		fetch_finish(f, -ECANCELED, "homectl-api is stopping");
	}
}
