/* SPDX-License-Identifier: MIT */
/* http_static.c -- the dashboard's files from the web root: GET and HEAD
 * only, regular files only, no way out of the root (no "..", symlinks
 * resolved and checked),
 * a content type per extension, and ETag revalidation so that browsers
 * always see a new version at once yet rarely download a file twice.
 * A file precompressed at build time (NAME.gz beside NAME, make web-gz) is
 * sent instead when the client accepts gzip and it is not older. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api.h"
#include "log.h"
#include "util.h"

static const struct {
	const char *ext;
	const char *type;
} mime[] = {
	{ "html", "text/html; charset=utf-8" },
	{ "htm", "text/html; charset=utf-8" },
	{ "js", "text/javascript; charset=utf-8" },
	{ "mjs", "text/javascript; charset=utf-8" },
	{ "css", "text/css; charset=utf-8" },
	{ "json", "application/json" },
	{ "webmanifest", "application/manifest+json" },
	{ "svg", "image/svg+xml" },
	{ "png", "image/png" },
	{ "jpg", "image/jpeg" },
	{ "jpeg", "image/jpeg" },
	{ "gif", "image/gif" },
	{ "webp", "image/webp" },
	{ "ico", "image/x-icon" },
	{ "woff2", "font/woff2" },
	{ "woff", "font/woff" },
	{ "txt", "text/plain; charset=utf-8" },
	{ "map", "application/json" },
	{ "wasm", "application/wasm" },
};

static const char *
content_type(const char *path)
{
	const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
	size_t i;

	if (dot != NULL && (slash == NULL || dot > slash))
		for (i = 0; i < NELEMS(mime); i++)
			if (strcasecmp(dot + 1, mime[i].ext) == 0)
				return mime[i].type;
	return "application/octet-stream";
}

/* No "." or ".." segment, no backslash, no empty name: the URL can only
 * name something below the root. */
static bool
url_safe(const char *url)
{
	const char *p = url, *e;
	size_t n;

	if (*url != '/' || strchr(url, '\\') != NULL)
		return false;
	while (*p == '/') {
		p++;
		e = strchr(p, '/');
		n = e != NULL ? (size_t)(e - p) : strlen(p);
		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		if (n == 0 && e != NULL)
			return false;	/* "//" */
		p += n;
	}
	return *p == '\0';
}

/* true when Accept-Encoding names gzip (or *) with a q above 0. */
static bool
accepts_gzip(struct http_req *r)
{
	const char *p = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_ACCEPT_ENCODING), *q;
	size_t n;

	while (p != NULL && *p != '\0') {
		p += strspn(p, " \t,");
		n = strcspn(p, " \t;,");
		if ((n == 4 && strncasecmp(p, "gzip", 4) == 0) || (n == 1 && *p == '*')) {
			q = p + n + strspn(p + n, " \t");
			if (*q != ';')
				return true;
			q += 1 + strspn(q + 1, " \t");
			return strncasecmp(q, "q=", 2) != 0 || strtod(q + 2, NULL) > 0;
		}
		p += n;
		p += strcspn(p, ",");
	}
	return false;
}

/* The precompressed NAME.gz of real when there is one in the root, a
 * regular file no older than real (st): its fd, with *gst filled; else -1. */
static int
open_gz(struct api *api, const char *real, const struct stat *st, struct stat *gst)
{
	char gz[PATH_MAX], greal[PATH_MAX];
	size_t rootlen = strlen(api->web_root);
	int n, fd;

	n = snprintf(gz, sizeof(gz), "%s.gz", real);
	if (n < 0 || (size_t)n >= sizeof(gz) || realpath(gz, greal) == NULL ||
	    strncmp(greal, api->web_root, rootlen) != 0 || greal[rootlen] != '/')
		return -1;
	if ((fd = open(greal, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)) < 0)
		return -1;
	if (fstat(fd, gst) < 0 || !S_ISREG(gst->st_mode) ||
	    gst->st_mtim.tv_sec < st->st_mtim.tv_sec ||
	    (gst->st_mtim.tv_sec == st->st_mtim.tv_sec && gst->st_mtim.tv_nsec < st->st_mtim.tv_nsec)) {
		close(fd);
		return -1;
	}
	return fd;
}

static enum MHD_Result
not_found(struct http_req *r)
{
	return http_reply_error(r, 404, "not_found", "no such file");
}

enum MHD_Result
http_static(struct http_req *r)
{
	struct api *api = r->api;
	struct MHD_Response *resp;
	char path[PATH_MAX], real[PATH_MAX], etag[64];
	const char *inm;
	size_t rootlen;
	struct stat st, gst;
	unsigned status;
	int fd = -1, gfd, n;
	bool gzipped = false;

	if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0) {
		resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
		if (resp == NULL)
			return MHD_NO;
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
		MHD_queue_response(r->conn, 405, resp);
		MHD_destroy_response(resp);
		return MHD_YES;
	}
	if (api->web_root == NULL || !url_safe(r->url))
		return not_found(r);
	n = snprintf(path, sizeof(path), "%s%s%s", api->web_root, r->url,
	    r->url[strlen(r->url) - 1] == '/' ? "index.html" : "");
	if (n < 0 || (size_t)n >= sizeof(path) || realpath(path, real) == NULL)
		return not_found(r);
	rootlen = strlen(api->web_root);
	if (strncmp(real, api->web_root, rootlen) != 0 || real[rootlen] != '/')
		return not_found(r);
	/* O_NONBLOCK: opening a FIFO (or a device) for reading must not
	 * block the loop; only regular files and directories go further. */
	if ((fd = open(real, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)) < 0 ||
	    fstat(fd, &st) < 0)
		goto notfound;
	if (S_ISDIR(st.st_mode)) {
		/* "/dir" -> "/dir/", so that relative URLs in its index work. */
		close(fd);
		n = snprintf(path, sizeof(path), "%s/", r->url);
		if (n < 0 || (size_t)n >= sizeof(path))
			return not_found(r);
		resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
		if (resp == NULL)
			return MHD_NO;
		MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, path);
		MHD_queue_response(r->conn, 301, resp);
		MHD_destroy_response(resp);
		return MHD_YES;
	}
	if (!S_ISREG(st.st_mode))
		goto notfound;
	if (accepts_gzip(r) && (gfd = open_gz(api, real, &st, &gst)) >= 0) {
		close(fd);
		fd = gfd;
		st = gst;
		gzipped = true;
	}
	snprintf(etag, sizeof(etag), "\"%llx-%llx%s\"", (unsigned long long)st.st_size,
	    (unsigned long long)st.st_mtim.tv_sec * 1000000000ULL +
	    (unsigned long long)st.st_mtim.tv_nsec, gzipped ? "-gz" : "");
	inm = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_IF_NONE_MATCH);
	if (inm != NULL && strstr(inm, etag) != NULL) {
		close(fd);
		resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
		status = 304;
	} else {
		/* MHD owns fd from here, even on failure. */
		resp = MHD_create_response_from_fd64((uint64_t)st.st_size, fd);
		status = 200;
	}
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
	/* Files keep their names across versions (no build step), so a
	 * browser revalidates every time: a 304 costs a round trip, a stale
	 * module would cost a broken dashboard. */
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type(real));
	MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
	if (gzipped)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	n = MHD_queue_response(r->conn, status, resp);
	MHD_destroy_response(resp);
	return n == MHD_YES ? MHD_YES : MHD_NO;
notfound:
	if (fd >= 0)
		close(fd);
	return not_found(r);
}
