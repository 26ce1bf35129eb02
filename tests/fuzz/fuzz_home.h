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

/* Copies in (n bytes) to out (cap bytes), replacing every "@T@" with
 * token.  Returns the length written. */
size_t fuzz_subst_token(const char *in, size_t n, const char *token, char *out, size_t cap);

#endif
