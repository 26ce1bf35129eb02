/* SPDX-License-Identifier: MIT */
/* oauth.h -- homectl-api as an OAuth 2.1 authorization server for remote
 * MCP clients: dynamic client registration (RFC 7591, public clients),
 * the authorization code grant with PKCE S256 only, the resource
 * parameter (RFC 8707) checked at every step, short-lived single-use
 * codes, access tokens that expire, rotating refresh tokens, revocation
 * (RFC 7009).  What the HTTP endpoints decide lives here, without HTTP;
 * daemons/api/http_oauth.c speaks the protocol.
 *
 * A grant is what a person approved on the consent page for one client:
 * a scope (read, control, full: the same scopes and the same enforcement as
 * `homectl token create`), never more than the person's own token has.
 * Its name, "oauth:...", is what sessions, logs and `homectl token
 * revoke` know it by; revoking it, or the person's token, ends every code
 * and token issued under it (and the live MCP sessions that use them).
 * Tokens are for this server's /mcp only (the resource): REST and the
 * WebSocket take `homectl token create` tokens alone.  Secrets are shown
 * once; the database keeps their SHA-256. */
#ifndef HOMECTL_OAUTH_H
#define HOMECTL_OAUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#include "auth.h"
#include "db.h"

#define OAUTH_CODE_SEC		120		/* an authorization code lives this long */
#define OAUTH_ACCESS_SEC	3600		/* an access token */
#define OAUTH_REFRESH_SEC	2592000		/* 30 days: a refresh token (each refresh makes a new one) */
#define OAUTH_SECRET_LEN	47		/* "hcX_" and 43 base64url characters */
#define OAUTH_CLIENTS_UNUSED	200		/* registered clients without a grant, at most */
#define OAUTH_CLIENT_AGE	86400		/* ... and for at most a day */
#define OAUTH_NAME_MAX		200		/* a client's name, in bytes */
#define OAUTH_URI_MAX		2000		/* a redirect URI */
#define OAUTH_REDIRECTS_MAX	10		/* redirect URIs of one client */

/* An OAuth error: the code of RFC 6749 section 5.2 (or 4.1.2.1) and a
 * sentence for error_description. */
struct oauth_err {
	const char *error;	/* static */
	char desc[256];
};

/* An authorization request's parameters (borrowed strings, NULL when
 * absent). */
struct oauth_authz {
	const char *response_type, *client_id, *redirect_uri, *code_challenge,
	    *code_challenge_method, *scope, *state, *resource;
};

/* What a checked authorization request asks for. */
struct oauth_checked {
	char client_name[OAUTH_NAME_MAX + 1];
	enum auth_scope scope;		/* the most the client asked for */
	char resource[512];		/* the canonical resource: BASE/mcp */
};

/* The tokens of a successful token request. */
struct oauth_issued {
	char access[OAUTH_SECRET_LEN + 1];
	char refresh[OAUTH_SECRET_LEN + 1];
	enum auth_scope scope;
	int expires_in;
};

/* A redirect URI a client may register: https, or http on a loopback host
 * (localhost, 127.0.0.0/8, [::1]); absolute, no fragment, no user info. */
bool oauth_redirect_uri_ok(const char *uri);
/* The canonical resource of this server's MCP endpoint under base (the
 * public origin, "https://host[:port]"): base + "/mcp".  Accepts what a
 * client may send for it: that, or base itself (with or without a trailing
 * slash), scheme and host in any case. */
bool oauth_resource_ok(const char *given, const char *base);

/* Registers a client from its RFC 7591 metadata (meta, borrowed).  On 0,
 * *out is the registration response (caller puts).  -EINVAL with err set
 * (invalid_redirect_uri, invalid_client_metadata); other -errno from the
 * database. */
int oauth_register(struct db *db, struct json_object *meta, int64_t now,
    struct json_object **out, struct oauth_err *err);

/* A client_id homectl-api fetches as a Client ID Metadata Document:
 * https://HOST[:PORT]/PATH, a path other than "/", no fragment, no user
 * info, no dot segment, printable ASCII. */
bool oauth_client_id_url_ok(const char *url);
/* May a fetch connect to sa without oauth_fetch_private?  Not loopback,
 * private (RFC 1918, unique local), shared (100.64/10), link-local,
 * multicast, documentation, benchmarking or reserved; an IPv4-mapped IPv6
 * address is judged as IPv4, NAT64 and 6to4 ones are refused. */
struct sockaddr;
bool oauth_fetch_addr_public(const struct sockaddr *sa);
/* Is client_id the URL of a Client ID Metadata Document (https://...)? */
bool oauth_client_id_is_url(const char *client_id);
/* The document fetched from url (body, len): checks it (a JSON object
 * whose client_id is url exactly, a client_name, redirect URIs as for
 * registration, a public client) and keeps the client under url, so that
 * the rest of the flow finds it as a registered one.  -EINVAL with err set
 * (invalid_client); other -errno from the database. */
int oauth_client_document(struct db *db, const char *url, const char *body, size_t len,
    int64_t now, struct oauth_err *err);

/* Checks an authorization request against the registered client, for the
 * MCP endpoint under base.  0 with out filled; -ENOENT when the client or
 * its redirect_uri is unknown (say so to the person: never redirect);
 * -EINVAL when anything else is wrong (err says what: redirect it back).
 * Other -errno from the database. */
int oauth_authz_check(struct db *db, const struct oauth_authz *a, const char *base,
    struct oauth_checked *out, struct oauth_err *err);
/* The person with the token called granted_by (scope mine) approves a with
 * scope (at most what a asked for and mine): a grant and its code (written
 * to code, OAUTH_SECRET_LEN + 1 bytes).  Checks a again first (-ENOENT,
 * -EINVAL as oauth_authz_check; -EPERM when scope is more than allowed). */
int oauth_approve(struct db *db, const struct oauth_authz *a, const char *base,
    const char *granted_by, enum auth_scope mine, enum auth_scope scope, int64_t now,
    char *code, size_t len, struct oauth_err *err);
/* The URL a browser is sent back to: redirect_uri with the given query
 * parameters added (value NULL: left out), percent-encoded.  Caller frees;
 * NULL when out of memory.  names and values end with NULL. */
char *oauth_redirect_url(const char *redirect_uri, const char *const *names,
    const char *const *values);

/* grant_type=authorization_code: form values (NULL when absent).  0 with
 * out filled; -EACCES for invalid_grant (a code is good for one attempt: a
 * failed or second use ends its grant, and so revokes whatever it
 * issued), -EINVAL for the other errors, with err set; -EBUSY and others
 * from the database. */
int oauth_token_code(struct db *db, const char *client_id, const char *code,
    const char *verifier, const char *redirect_uri, const char *resource, const char *base,
    int64_t now, struct oauth_issued *out, struct oauth_err *err);
/* grant_type=refresh_token: a new access token and a new refresh token;
 * the old refresh token is spent (presented again, it ends the grant). */
int oauth_token_refresh(struct db *db, const char *client_id, const char *refresh,
    const char *scope, const char *resource, const char *base, int64_t now,
    struct oauth_issued *out, struct oauth_err *err);
/* RFC 7009: ends the grant of token (access or refresh) when it is the
 * client's (client_id NULL: whoever holds it).  0 also for an unknown token
 * (the RFC wants 200 then); -errno from the database. */
int oauth_revoke(struct db *db, const char *token, const char *client_id);

/* An access token presented at the MCP endpoint whose canonical resource
 * is resource: 0 with the grant's name (sessions and logs use it) and
 * scope; -EACCES when unknown, expired or revoked; -EXDEV when issued for
 * another resource. */
int oauth_access_check(struct db *db, const char *token, const char *resource, int64_t now,
    char *name, size_t len, enum auth_scope *scope);
/* Does token look like one of our access tokens ("hca_...")? */
bool oauth_is_access_token(const char *token);

/* PKCE S256 (RFC 7636): BASE64URL(SHA-256(verifier)) == challenge, the
 * verifier 43 to 128 unreserved characters. */
bool oauth_pkce_ok(const char *verifier, const char *challenge);

#endif
