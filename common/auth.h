/* SPDX-License-Identifier: MIT */
/* auth.h -- API tokens.  A token is "hc_" plus 43 base64url characters of
 * randomness; the database stores only its SHA-256, so a copy of the
 * database gives no one a working token. */
#ifndef HOMECTL_AUTH_H
#define HOMECTL_AUTH_H

#include <stddef.h>
#include "db.h"

#define AUTH_TOKEN_LEN 46	/* "hc_" and 43 base64url characters */

/* What a token may do, least first (the order of enum mcp_scope):
 * read changes nothing; control runs devices and modes but opens nothing
 * (no unlocking, no opening the garage); full also opens and edits the
 * home (rooms, devices, modes, automations, import). */
enum auth_scope { AUTH_SCOPE_READ, AUTH_SCOPE_CONTROL, AUTH_SCOPE_FULL };

/* "read", "control", "full" and back (-EINVAL). */
const char *auth_scope_name(enum auth_scope s);
int auth_scope_parse(const char *name, enum auth_scope *out);

/* prefix and 43 base64url characters of 256 random bits into out. */
int auth_random(const char *prefix, char *out, size_t len);
/* The hex SHA-256 of s (what the database keeps of a secret). */
int auth_sha256_hex(const char *s, char hex[65]);

/* Creates a token called name (letters, digits, '-', '_', '.', at most 64)
 * and writes it to token (at least AUTH_TOKEN_LEN + 1 bytes): it is shown
 * once and never stored.  -EEXIST when name is taken, -EINVAL for a bad name. */
int auth_token_create(struct db *db, const char *name, char *token, size_t len);
/* The same with a scope (auth_token_create makes full tokens). */
int auth_token_create_scoped(struct db *db, const char *name, enum auth_scope scope,
    char *token, size_t len);
/* 0 and the token's name in name (may be NULL) when valid, -EACCES if not. */
int auth_token_check(struct db *db, const char *token, char *name, size_t len);
/* Revokes the token called name, or the OAuth grant ("oauth:...") and so
 * every token issued under it.  -ENOENT when there is none. */
int auth_token_revoke(struct db *db, const char *name);
/* The scope of the token called name, or of the OAuth grant called so
 * ("oauth:...", common/oauth.h); -EACCES once it is revoked. */
int auth_token_scope(struct db *db, const char *name, enum auth_scope *scope);

#endif
