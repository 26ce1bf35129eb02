/* SPDX-License-Identifier: MIT */
/* fuzz_home.h -- what the fuzz targets of homectl-api share: the daemon's
 * state as main.c builds it, on a demo home of its own, without sockets. */
#ifndef HOMECTL_FUZZ_HOME_H
#define HOMECTL_FUZZ_HOME_H

#include <stddef.h>

#include "api.h"

/* The daemon, once per process: a demo home in a new temporary directory
 * with one token (*token), a web root holding index.html, js/app.js and a
 * FIFO (fifo), the libwebsockets context, libmicrohttpd and the mirror,
 * exactly as main.c starts them but never serviced: the targets drive
 * them.  Aborts on failure. */
struct api *fuzz_api(const char **token);

/* Copies in (n bytes) to out (cap bytes), replacing the markers: "@T@"
 * with the token; for OAuth, "@C@" with a registered client's client_id
 * (redirect URI http://127.0.0.1/cb), "@K@" with a new authorization code
 * for it (scope control, for http://127.0.0.1/mcp, PKCE S256 with the
 * verifier dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW-gFWFOEjXk), "@A@"
 * and "@R@" with an access and a refresh token issued for such a code
 * (one pair per input).  Returns the length written. */
size_t fuzz_subst(const char *in, size_t n, char *out, size_t cap);

#endif
