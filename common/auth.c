/* SPDX-License-Identifier: MIT */
/* auth.c -- API tokens: 256 random bits shown once, stored as SHA-256. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <openssl/evp.h>

#include "auth.h"
#include "log.h"

int
auth_sha256_hex(const char *s, char hex[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0, i;

	if (EVP_Digest(s, strlen(s), md, &len, EVP_sha256(), NULL) != 1 || len != 32)
		return -EIO;
	for (i = 0; i < len; i++)
		snprintf(hex + 2 * (size_t)i, 3, "%02x", md[i]);
	return 0;
}

static bool
name_ok(const char *name)
{
	size_t n = strlen(name), i;

	if (n == 0 || n > 64)
		return false;
	for (i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.",
		    name[i]))
			return false;
	return true;
}

static const char *const scope_names[] = { "read", "control", "full" };

const char *
auth_scope_name(enum auth_scope s)
{
	return scope_names[s];
}

int
auth_scope_parse(const char *name, enum auth_scope *out)
{
	for (int i = 0; i < 3; i++)
		if (strcmp(scope_names[i], name) == 0) {
			*out = (enum auth_scope)i;
			return 0;
		}
	return -EINVAL;
}

int
auth_token_scope(struct db *db, const char *name, enum auth_scope *scope)
{
	char s[16];
	int r;

	/* An OAuth grant stands for its tokens (common/oauth.h). */
	r = strncmp(name, "oauth:", 6) == 0 ? db_oauth_grant_scope(db, name, s, sizeof(s)) :
	    db_token_scope(db, name, s, sizeof(s));
	if (r < 0)
		return r == -ENOENT ? -EACCES : r;
	/* The table's CHECK admits only the three; read if it was forced. */
	if (auth_scope_parse(s, scope) < 0)
		*scope = AUTH_SCOPE_READ;
	return 0;
}

int
auth_token_create(struct db *db, const char *name, char *token, size_t len)
{
	return auth_token_create_scoped(db, name, AUTH_SCOPE_FULL, token, len);
}

int
auth_random(const char *prefix, char *out, size_t len)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char rnd[32];
	size_t i, bits = 0, o = strlen(prefix);
	unsigned acc = 0;

	if (len < o + 43 + 1)
		return -ENOSPC;
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return -EIO;
	memcpy(out, prefix, o);
	/* base64url without padding: 256 bits -> 43 characters. */
	for (i = 0; i < sizeof(rnd); i++) {
		acc = (acc << 8) | rnd[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			out[o++] = b64[(acc >> bits) & 63];
		}
	}
	if (bits > 0)
		out[o++] = b64[(acc << (6 - bits)) & 63];
	out[o] = '\0';
	return 0;
}

int
auth_token_create_scoped(struct db *db, const char *name, enum auth_scope scope, char *token,
    size_t len)
{
	char hex[65];
	int r;

	if (!name_ok(name))
		return -EINVAL;
	if (len < AUTH_TOKEN_LEN + 1)
		return -ENOSPC;
	if ((r = auth_random("hc_", token, len)) < 0 || (r = auth_sha256_hex(token, hex)) < 0)
		return r;
	return db_token_add_scoped(db, name, hex, auth_scope_name(scope));
}

int
auth_token_check(struct db *db, const char *token, char *name, size_t len)
{
	char hex[65], *found = NULL;
	int r;

	if (token == NULL || strncmp(token, "hc_", 3) != 0 || strlen(token) != AUTH_TOKEN_LEN)
		return -EACCES;
	/* Looking up the hash, not the token, keeps the comparison's timing
	 * independent of how much of a guessed token is right. */
	if ((r = auth_sha256_hex(token, hex)) < 0)
		return r;
	if ((r = db_token_find(db, hex, &found)) < 0)
		return r == -ENOENT ? -EACCES : r;
	if (name != NULL)
		snprintf(name, len, "%s", found);
	free(found);
	return 0;
}

int
auth_token_revoke(struct db *db, const char *name)
{
	if (strncmp(name, "oauth:", 6) == 0)
		return db_oauth_grant_remove(db, name);
	return db_token_remove(db, name);
}
