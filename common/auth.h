/* SPDX-License-Identifier: MIT */
/* auth.h -- API tokens.  A token is "hc_" plus 43 base64url characters of
 * randomness; the database stores only its SHA-256, so a copy of the
 * database gives no one a working token. */
#ifndef HOMECTL_AUTH_H
#define HOMECTL_AUTH_H

#include <stddef.h>
#include "db.h"

#define AUTH_TOKEN_LEN 46	/* "hc_" and 43 base64url characters */

/* Creates a token called name (letters, digits, '-', '_', '.', at most 64)
 * and writes it to token (at least AUTH_TOKEN_LEN + 1 bytes): it is shown
 * once and never stored.  -EEXIST when name is taken, -EINVAL for a bad name. */
int auth_token_create(struct db *db, const char *name, char *token, size_t len);
/* 0 and the token's name in name (may be NULL) when valid, -EACCES if not. */
int auth_token_check(struct db *db, const char *token, char *name, size_t len);
int auth_token_revoke(struct db *db, const char *name);

#endif
