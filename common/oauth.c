/* SPDX-License-Identifier: MIT */
/* oauth.c -- the decisions of homectl's OAuth 2.1 authorization server:
 * which clients, redirects, requests, codes and tokens are good. */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "jsonutil.h"
#include "log.h"
#include "oauth.h"
#include "util.h"

static const char B64URL[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void errf(struct oauth_err *err, const char *error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
errf(struct oauth_err *err, const char *error, const char *fmt, ...)
{
	va_list ap;

	err->error = error;
	va_start(ap, fmt);
	vsnprintf(err->desc, sizeof(err->desc), fmt, ap);
	va_end(ap);
}

/* ---- URIs ---- */

static bool
printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

static bool
loopback_host(const char *h, size_t n)
{
	size_t i;

	if ((n == 9 && strncasecmp(h, "localhost", 9) == 0) || (n == 5 && memcmp(h, "[::1]", 5) == 0))
		return true;
	if (n < 7 || n > 15 || memcmp(h, "127.", 4) != 0)
		return false;
	for (i = 4; i < n; i++)
		if (!((h[i] >= '0' && h[i] <= '9') || h[i] == '.'))
			return false;
	return true;
}

bool
oauth_redirect_uri_ok(const char *uri)
{
	const char *a, *end, *colon;
	size_t hl;
	bool https;

	if (uri == NULL || strlen(uri) > OAUTH_URI_MAX || !printable(uri) || strchr(uri, '#'))
		return false;
	if (strncasecmp(uri, "https://", 8) == 0)
		https = true, a = uri + 8;
	else if (strncasecmp(uri, "http://", 7) == 0)
		https = false, a = uri + 7;
	else
		return false;
	end = a + strcspn(a, "/?");
	/* No user info: "https://good.example@evil.example/" reads two ways. */
	if (memchr(a, '@', (size_t)(end - a)) != NULL || memchr(a, '\\', (size_t)(end - a)))
		return false;
	if (*a == '[') {
		const char *rb = memchr(a, ']', (size_t)(end - a));

		if (rb == NULL)
			return false;
		colon = rb + 1 < end ? rb + 1 : NULL;
		hl = (size_t)(rb + 1 - a);
	} else {
		colon = memchr(a, ':', (size_t)(end - a));
		hl = (size_t)((colon ? colon : end) - a);
	}
	if (hl == 0)
		return false;
	if (colon != NULL) {
		if (*colon != ':' || colon + 1 == end)
			return false;
		for (const char *p = colon + 1; p < end; p++)
			if (*p < '0' || *p > '9')
				return false;
	}
	for (size_t i = 0; *a != '[' && i < hl; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-",
		    a[i]))
			return false;
	return https || loopback_host(a, hl);
}

bool
oauth_resource_ok(const char *given, const char *base)
{
	size_t n, b = strlen(base);

	if (given == NULL)
		return false;
	n = strlen(given);
	if (n > 0 && given[n - 1] == '/')
		n--;
	if (n == b && strncasecmp(given, base, b) == 0)
		return true;
	return n == b + 4 && strncasecmp(given, base, b) == 0 && memcmp(given + b, "/mcp", 4) == 0;
}

/* Appends s percent-encoded (all but the unreserved characters). */
static void
put_encoded(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    strchr("-._~", c) != NULL)
			fputc(c, f);
		else
			fprintf(f, "%%%02X", c);
	}
}

char *
oauth_redirect_url(const char *redirect_uri, const char *const *names, const char *const *values)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f;
	bool query = strchr(redirect_uri, '?') != NULL;

	if ((f = open_memstream(&out, &len)) == NULL)
		return NULL;
	fputs(redirect_uri, f);
	for (size_t i = 0; names[i] != NULL; i++) {
		if (values[i] == NULL)
			continue;
		fputc(query ? '&' : '?', f);
		query = true;
		fputs(names[i], f);
		fputc('=', f);
		put_encoded(f, values[i]);
	}
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* ---- Client ID Metadata Documents: what may be fetched ---- */

bool
oauth_client_id_url_ok(const char *url)
{
	const char *a, *path, *end;

	if (url == NULL || strlen(url) > 2000 || strncmp(url, "https://", 8) != 0 ||
	    strchr(url, '#') != NULL)
		return false;
	for (const char *p = url; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || *p == '\\')
			return false;
	a = url + 8;
	if ((path = strchr(a, '/')) == NULL || path == a || path[1] == '\0' || path[1] == '?')
		return false;
	end = path;
	if (memchr(a, '@', (size_t)(end - a)) != NULL || memchr(a, '?', (size_t)(end - a)))
		return false;
	/* No dot segments: the URL names one document, as it is written. */
	if (strstr(path, "/./") || strstr(path, "/../") ||
	    (strlen(path) >= 2 && strcmp(path + strlen(path) - 2, "/.") == 0) ||
	    (strlen(path) >= 3 && strcmp(path + strlen(path) - 3, "/..") == 0))
		return false;
	if (*a == '[')
		return memchr(a, ']', (size_t)(end - a)) != NULL;
	for (const char *p = a; p < end; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:", *p))
			return false;
	return true;
}

/* An IPv4 address (host order) a fetch may use. */
static bool
v4_public(uint32_t a)
{
	return !((a >> 24) == 0 || (a >> 24) == 10 || (a >> 24) == 127 ||
	    (a & 0xffc00000) == 0x64400000 ||	/* 100.64/10, shared */
	    (a & 0xffff0000) == 0xa9fe0000 ||	/* 169.254/16, link-local */
	    (a & 0xfff00000) == 0xac100000 ||	/* 172.16/12 */
	    (a & 0xffffff00) == 0xc0000000 ||	/* 192.0.0/24 */
	    (a & 0xffffff00) == 0xc0000200 ||	/* 192.0.2/24, documentation */
	    (a & 0xffff0000) == 0xc0a80000 ||	/* 192.168/16 */
	    (a & 0xfffe0000) == 0xc6120000 ||	/* 198.18/15, benchmarking */
	    (a & 0xffffff00) == 0xc6336400 ||	/* 198.51.100/24 */
	    (a & 0xffffff00) == 0xcb007100 ||	/* 203.0.113/24 */
	    (a >> 28) >= 14);			/* multicast, reserved, broadcast */
}

bool
oauth_fetch_addr_public(const struct sockaddr *sa)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const unsigned char zero[15] = { 0 };
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
	const unsigned char *b;
	sa_family_t fam;
	uint32_t a;

	/* Copies, not casts: the caller's object is a sockaddr_in or _in6,
	 * and reading it through another struct type is undefined (gcc -O2
	 * did read a stale family through the cast). */
	memcpy(&fam, (const char *)sa + offsetof(struct sockaddr, sa_family), sizeof(fam));
	if (fam == AF_INET) {
		memcpy(&in, sa, sizeof(in));
		return v4_public(ntohl(in.sin_addr.s_addr));
	}
	if (fam != AF_INET6)
		return false;
	memcpy(&in6, sa, sizeof(in6));
	b = in6.sin6_addr.s6_addr;
	if (memcmp(b, mapped, 12) == 0) {
		memcpy(&a, b + 12, 4);
		return v4_public(ntohl(a));
	}
	return !(memcmp(b, zero, 15) == 0 ||		/* :: and ::1 */
	    (b[0] & 0xfe) == 0xfc ||			/* fc00::/7, unique local */
	    (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) ||	/* fe80::/10 */
	    b[0] == 0xff ||				/* multicast */
	    (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) ||
	    (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b) ||	/* NAT64 */
	    (b[0] == 0x20 && b[1] == 0x02));		/* 6to4 */
}

/* ---- scopes, PKCE ---- */

/* A space-separated scope list into the most it names (the scopes nest:
 * full includes control includes read).  Empty or absent asks for full:
 * the person on the consent page decides.  -EINVAL for an unknown one. */
static int
scope_list(const char *s, enum auth_scope *max)
{
	char word[16];
	enum auth_scope one;
	bool any = false;
	size_t n;

	*max = AUTH_SCOPE_READ;
	while (s != NULL && *s) {
		s += strspn(s, " ");
		n = strcspn(s, " ");
		if (n == 0)
			break;
		if (n >= sizeof(word))
			return -EINVAL;
		memcpy(word, s, n);
		word[n] = '\0';
		if (auth_scope_parse(word, &one) < 0)
			return -EINVAL;
		if (one > *max)
			*max = one;
		any = true;
		s += n;
	}
	if (!any)
		*max = AUTH_SCOPE_FULL;
	return 0;
}

static bool
b64url_only(const char *s, size_t n)
{
	return strlen(s) == n && strspn(s, B64URL) == n;
}

bool
oauth_pkce_ok(const char *verifier, const char *challenge)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	char enc[44];
	size_t n, o = 0, bits = 0;
	unsigned acc = 0;

	if (verifier == NULL || challenge == NULL || !b64url_only(challenge, 43))
		return false;
	n = strlen(verifier);
	if (n < 43 || n > 128 || strspn(verifier, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuv"
	    "wxyz0123456789-._~") != n)
		return false;
	if (EVP_Digest(verifier, n, md, &len, EVP_sha256(), NULL) != 1 || len != 32)
		return false;
	for (unsigned i = 0; i < len; i++) {
		acc = (acc << 8) | md[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			enc[o++] = B64URL[(acc >> bits) & 63];
		}
	}
	enc[o++] = B64URL[(acc << (6 - bits)) & 63];
	enc[o] = '\0';
	return CRYPTO_memcmp(enc, challenge, 43) == 0;
}

/* ---- registration ---- */

/* A string array member of meta whose every element is in allowed; absent
 * is fine. */
static bool
only_values(struct json_object *meta, const char *key, const char *const *allowed)
{
	struct json_object *a;

	if (!json_object_object_get_ex(meta, key, &a))
		return true;
	if (!json_object_is_type(a, json_type_array))
		return false;
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		struct json_object *v = json_object_array_get_idx(a, i);

		if (!json_object_is_type(v, json_type_string) ||
		    !str_in(json_object_get_string(v), allowed))
			return false;
	}
	return true;
}

static struct json_object *
string_array(const char *const *v)
{
	struct json_object *a = json_object_new_array();

	for (; *v; v++)
		json_object_array_add(a, json_object_new_string(*v));
	return a;
}

/* The metadata a client gives (RFC 7591 registration or a Client ID
 * Metadata Document): its redirect URIs, its name (*name borrowed from
 * meta; NULL when absent), the grants and responses it wants.  0 or
 * -EINVAL with err set. */
static int
check_metadata(struct json_object *meta, const char **name, struct oauth_err *err)
{
	static const char *const grants[] = { "authorization_code", "refresh_token", NULL };
	static const char *const responses[] = { "code", NULL };
	struct json_object *uris, *v;
	size_t n, i;

	*name = NULL;
	if (!json_object_object_get_ex(meta, "redirect_uris", &uris) ||
	    !json_object_is_type(uris, json_type_array) ||
	    (n = json_object_array_length(uris)) == 0 || n > OAUTH_REDIRECTS_MAX) {
		errf(err, "invalid_redirect_uri", "redirect_uris must list 1 to %d URIs",
		    OAUTH_REDIRECTS_MAX);
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		v = json_object_array_get_idx(uris, i);
		if (!json_object_is_type(v, json_type_string) ||
		    !oauth_redirect_uri_ok(json_object_get_string(v))) {
			errf(err, "invalid_redirect_uri", "redirect_uris[%zu] is not an https URI or an"
			    " http URI on a loopback host (localhost, 127.0.0.1, [::1]), without a"
			    " fragment", i);
			return -EINVAL;
		}
	}
	if (json_object_object_get_ex(meta, "client_name", &v) && !json_object_is_type(v,
	    json_type_null)) {
		if (!json_object_is_type(v, json_type_string) ||
		    json_object_get_string_len(v) > OAUTH_NAME_MAX ||
		    json_object_get_string_len(v) == 0 ||
		    strlen(json_object_get_string(v)) != (size_t)json_object_get_string_len(v)) {
			errf(err, "invalid_client_metadata", "client_name must be a string of 1 to"
			    " %d bytes", OAUTH_NAME_MAX);
			return -EINVAL;
		}
		*name = json_object_get_string(v);
		for (const char *p = *name; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f) {
				errf(err, "invalid_client_metadata", "client_name holds a control"
				    " character");
				return -EINVAL;
			}
	}
	if (!only_values(meta, "grant_types", grants) ||
	    !only_values(meta, "response_types", responses)) {
		errf(err, "invalid_client_metadata", "only the authorization_code and refresh_token"
		    " grants (response type code) are offered");
		return -EINVAL;
	}
	return 0;
}

static const char *
uris_text(struct json_object *meta)
{
	return json_object_to_json_string_ext(json_object_object_get(meta, "redirect_uris"),
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

int
oauth_register(struct db *db, struct json_object *meta, int64_t now, struct json_object **out,
    struct oauth_err *err)
{
	static const char *const grants[] = { "authorization_code", "refresh_token", NULL };
	static const char *const responses[] = { "code", NULL };
	const char *name;
	struct json_object *res;
	char id[OAUTH_SECRET_LEN + 1];
	int r;

	*out = NULL;
	if ((r = check_metadata(meta, &name, err)) < 0)
		return r;
	if (name == NULL)
		name = "unnamed client";
	if ((r = auth_random("hcl_", id, sizeof(id))) < 0)
		return r;
	if ((r = db_oauth_prune(db, now, OAUTH_CLIENT_AGE)) < 0 ||
	    (r = db_oauth_client_add(db, id, name, uris_text(meta), now,
	    OAUTH_CLIENTS_UNUSED)) < 0)
		return r;
	res = json_object_new_object();
	json_object_object_add(res, "client_id", json_object_new_string(id));
	json_object_object_add(res, "client_id_issued_at", json_object_new_int64(now));
	json_object_object_add(res, "client_name", json_object_new_string(name));
	json_object_object_add(res, "redirect_uris",
	    json_object_get(json_object_object_get(meta, "redirect_uris")));
	json_object_object_add(res, "grant_types", string_array(grants));
	json_object_object_add(res, "response_types", string_array(responses));
	/* Public clients only: whatever was asked, no secret is issued (RFC
	 * 7591 lets the server replace a value; the client goes by this). */
	json_object_object_add(res, "token_endpoint_auth_method", json_object_new_string("none"));
	*out = res;
	return 0;
}

bool
oauth_client_id_is_url(const char *client_id)
{
	return client_id != NULL && strncmp(client_id, "https://", 8) == 0;
}

int
oauth_client_document(struct db *db, const char *url, const char *body, size_t len, int64_t now,
    struct oauth_err *err)
{
	struct json_object *doc, *v;
	const char *name, *method = NULL;
	char perr[128];
	int r = -EINVAL;

	doc = json_parse_strict(body, len, perr, sizeof(perr));
	if (doc == NULL || !json_object_is_type(doc, json_type_object) ||
	    json_text_has_nul(body, len)) {
		errf(err, "invalid_client", "the client's metadata document is not a JSON object");
		goto done;
	}
	/* The document speaks for the URL it is at, and only for it. */
	if (!json_object_object_get_ex(doc, "client_id", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), url) != 0) {
		errf(err, "invalid_client", "the metadata document's client_id is not its own URL");
		goto done;
	}
	if (check_metadata(doc, &name, err) < 0) {
		err->error = "invalid_client";
		goto done;
	}
	if (name == NULL) {
		errf(err, "invalid_client", "the metadata document has no client_name");
		goto done;
	}
	if (json_object_object_get_ex(doc, "token_endpoint_auth_method", &v) &&
	    (!json_object_is_type(v, json_type_string) ||
	    strcmp((method = json_object_get_string(v)), "none") != 0)) {
		errf(err, "invalid_client", "the client authenticates with %.40s; homectl takes public"
		    " clients (none) only", method ? method : "something else");
		goto done;
	}
	if ((r = db_oauth_prune(db, now, OAUTH_CLIENT_AGE)) == 0)
		r = db_oauth_client_add(db, url, name, uris_text(doc), now, OAUTH_CLIENTS_UNUSED);
done:
	json_object_put(doc);
	return r;
}

/* ---- authorization ---- */

/* Is uri one of the client's registered redirect URIs (exact match)?
 * Only a string is one: the table's check asks no more than an array of
 * another writer (the sqlite3 shell), and a null in it is a NULL string. */
static bool
redirect_registered(const char *uris_json, const char *uri)
{
	struct json_object *a = json_tokener_parse(uris_json), *u;
	bool ok = false;

	for (size_t i = 0; a != NULL && json_object_is_type(a, json_type_array) &&
	    i < json_object_array_length(a); i++) {
		u = json_object_array_get_idx(a, i);
		if (json_object_is_type(u, json_type_string) &&
		    strcmp(json_object_get_string(u), uri) == 0)
			ok = true;
	}
	json_object_put(a);
	return ok;
}

int
oauth_authz_check(struct db *db, const struct oauth_authz *a, const char *base,
    struct oauth_checked *out, struct oauth_err *err)
{
	char *name = NULL, *uris = NULL;
	int r;

	if (a->client_id == NULL || a->redirect_uri == NULL) {
		errf(err, "invalid_request", "client_id and redirect_uri are required");
		return -ENOENT;
	}
	r = db_oauth_client_get(db, a->client_id, &name, &uris);
	if (r == -ENOENT) {
		errf(err, "invalid_client", "no client is registered with this client_id");
		return -ENOENT;
	}
	if (r < 0)
		return r;
	if (!redirect_registered(uris, a->redirect_uri)) {
		errf(err, "invalid_request", "redirect_uri is not one this client registered");
		r = -ENOENT;
		goto done;
	}
	snprintf(out->client_name, sizeof(out->client_name), "%s", name);
	snprintf(out->resource, sizeof(out->resource), "%s/mcp", base);
	r = -EINVAL;
	if (a->response_type == NULL || strcmp(a->response_type, "code") != 0) {
		errf(err, "unsupported_response_type", "response_type must be code");
		goto done;
	}
	if (a->code_challenge == NULL) {
		errf(err, "invalid_request", "PKCE is required: code_challenge and"
		    " code_challenge_method=S256");
		goto done;
	}
	if (a->code_challenge_method == NULL || strcmp(a->code_challenge_method, "S256") != 0) {
		errf(err, "invalid_request", "code_challenge_method must be S256 (plain is not"
		    " accepted)");
		goto done;
	}
	if (!b64url_only(a->code_challenge, 43)) {
		errf(err, "invalid_request", "code_challenge must be 43 base64url characters");
		goto done;
	}
	if (scope_list(a->scope, &out->scope) < 0) {
		errf(err, "invalid_scope", "the scopes are read, control and full");
		goto done;
	}
	/* RFC 8707: tokens are only for this server's MCP endpoint. */
	if (a->resource != NULL && !oauth_resource_ok(a->resource, base)) {
		errf(err, "invalid_target", "this server issues tokens for %s only", out->resource);
		goto done;
	}
	if (a->state != NULL && strlen(a->state) > 1024) {
		errf(err, "invalid_request", "state is longer than 1024 bytes");
		goto done;
	}
	r = 0;
done:
	free(name);
	free(uris);
	return r;
}

int
oauth_approve(struct db *db, const struct oauth_authz *a, const char *base,
    const char *granted_by, enum auth_scope mine, enum auth_scope scope, int64_t now,
    char *code, size_t len, struct oauth_err *err)
{
	struct oauth_checked chk;
	struct db_oauth_row g;
	char hash[65];
	int r;

	if ((r = oauth_authz_check(db, a, base, &chk, err)) < 0)
		return r;
	if (scope > chk.scope || scope > mine) {
		errf(err, "invalid_scope", "the most that can be granted is %s",
		    auth_scope_name(chk.scope < mine ? chk.scope : mine));
		return -EPERM;
	}
	memset(&g, 0, sizeof(g));
	if ((r = auth_random("oauth:", g.grant, sizeof(g.grant))) < 0 ||
	    (r = auth_random("hcc_", code, len)) < 0 || (r = auth_sha256_hex(code, hash)) < 0)
		return r;
	snprintf(g.client, sizeof(g.client), "%s", a->client_id);
	snprintf(g.scope, sizeof(g.scope), "%s", auth_scope_name(scope));
	snprintf(g.resource, sizeof(g.resource), "%s", chk.resource);
	snprintf(g.redirect_uri, sizeof(g.redirect_uri), "%s", a->redirect_uri);
	snprintf(g.challenge, sizeof(g.challenge), "%s", a->code_challenge);
	g.expires = now + OAUTH_CODE_SEC;
	if ((r = db_begin(db, true)) < 0)
		return r;
	if ((r = db_oauth_prune(db, now, OAUTH_CLIENT_AGE)) < 0 ||
	    (r = db_oauth_grant_add(db, &g, granted_by, now)) < 0 ||
	    (r = db_oauth_code_add(db, hash, &g)) < 0 || (r = db_commit(db)) < 0) {
		db_rollback(db);
		return r;
	}
	log_info("oauth: %s approved %s (scope %s) for client %s", granted_by, g.grant, g.scope,
	    a->client_id);
	return 0;
}

/* ---- the token endpoint ---- */

/* A new access and refresh token for the grant row g (in the caller's
 * transaction). */
static int
issue(struct db *db, const struct db_oauth_row *g, int64_t now, struct oauth_issued *out)
{
	char ha[65], hr[65];
	int r;

	if ((r = auth_random("hca_", out->access, sizeof(out->access))) < 0 ||
	    (r = auth_random("hcr_", out->refresh, sizeof(out->refresh))) < 0 ||
	    (r = auth_sha256_hex(out->access, ha)) < 0 ||
	    (r = auth_sha256_hex(out->refresh, hr)) < 0 ||
	    (r = db_oauth_token_add(db, ha, g->grant, "access", now + OAUTH_ACCESS_SEC)) < 0 ||
	    (r = db_oauth_token_add(db, hr, g->grant, "refresh", now + OAUTH_REFRESH_SEC)) < 0)
		return r;
	if (auth_scope_parse(g->scope, &out->scope) < 0)
		out->scope = AUTH_SCOPE_READ;
	out->expires_in = OAUTH_ACCESS_SEC;
	return 0;
}

/* Ends grant (its tokens too), commits, and answers invalid_grant. */
static int
end_grant(struct db *db, const char *grant, struct oauth_err *err, const char *why)
{
	int r;

	if ((r = db_oauth_grant_remove(db, grant)) < 0 && r != -ENOENT) {
		db_rollback(db);
		return r;
	}
	if ((r = db_commit(db)) < 0)
		return r;
	log_warnx("oauth: %s ended: %s", grant, why);
	errf(err, "invalid_grant", "%s", why);
	return -EACCES;
}

int
oauth_token_code(struct db *db, const char *client_id, const char *code, const char *verifier,
    const char *redirect_uri, const char *resource, const char *base, int64_t now,
    struct oauth_issued *out, struct oauth_err *err)
{
	struct db_oauth_row c;
	char hash[65];
	int r;

	if (client_id == NULL || code == NULL || redirect_uri == NULL || verifier == NULL) {
		errf(err, "invalid_request", "client_id, code, redirect_uri and code_verifier are"
		    " required");
		return -EINVAL;
	}
	if (resource != NULL && !oauth_resource_ok(resource, base)) {
		errf(err, "invalid_target", "this server issues tokens for %s/mcp only", base);
		return -EINVAL;
	}
	if ((r = auth_sha256_hex(code, hash)) < 0 || (r = db_begin(db, true)) < 0)
		return r;
	if ((r = db_oauth_code_get(db, hash, &c)) < 0) {
		db_rollback(db);
		if (r != -ENOENT)
			return r;
		errf(err, "invalid_grant", "unknown authorization code");
		return -EACCES;
	}
	if (c.used)
		return end_grant(db, c.grant, err, "the authorization code was used before: what it"
		    " issued is revoked");
	if (c.expires <= now)
		return end_grant(db, c.grant, err, "the authorization code has expired");
	if (strcmp(c.client, client_id) != 0)
		return end_grant(db, c.grant, err, "the authorization code was issued to another"
		    " client");
	if (strcmp(c.redirect_uri, redirect_uri) != 0)
		return end_grant(db, c.grant, err, "redirect_uri differs from the authorization"
		    " request's");
	if (!oauth_pkce_ok(verifier, c.challenge))
		return end_grant(db, c.grant, err, "code_verifier does not match code_challenge");
	/* The audience is this server's MCP endpoint as it is now: a grant
	 * approved under another public URL is no good here. */
	if (!oauth_resource_ok(c.resource, base))
		return end_grant(db, c.grant, err, "the grant is for another resource");
	if ((r = db_oauth_code_use(db, hash)) < 0 || (r = issue(db, &c, now, out)) < 0 ||
	    (r = db_commit(db)) < 0) {
		db_rollback(db);
		return r;
	}
	log_info("oauth: %s: tokens issued to client %s", c.grant, client_id);
	return 0;
}

int
oauth_token_refresh(struct db *db, const char *client_id, const char *refresh, const char *scope,
    const char *resource, const char *base, int64_t now, struct oauth_issued *out,
    struct oauth_err *err)
{
	struct db_oauth_row t;
	enum auth_scope want, have;
	char hash[65];
	int r;

	if (client_id == NULL || refresh == NULL) {
		errf(err, "invalid_request", "client_id and refresh_token are required");
		return -EINVAL;
	}
	if (resource != NULL && !oauth_resource_ok(resource, base)) {
		errf(err, "invalid_target", "this server issues tokens for %s/mcp only", base);
		return -EINVAL;
	}
	if ((r = auth_sha256_hex(refresh, hash)) < 0 || (r = db_begin(db, true)) < 0)
		return r;
	if ((r = db_oauth_token_get(db, hash, "refresh", &t)) < 0) {
		db_rollback(db);
		if (r != -ENOENT)
			return r;
		errf(err, "invalid_grant", "unknown, expired or revoked refresh token");
		return -EACCES;
	}
	if (strcmp(t.client, client_id) != 0) {
		db_rollback(db);
		errf(err, "invalid_grant", "the refresh token was issued to another client");
		return -EACCES;
	}
	/* Rotation: a spent refresh token presented again means two parties
	 * hold it; neither keeps the grant. */
	if (t.used)
		return end_grant(db, t.grant, err, "the refresh token was used before: the grant is"
		    " revoked");
	if (t.expires <= now) {
		db_rollback(db);
		errf(err, "invalid_grant", "the refresh token has expired");
		return -EACCES;
	}
	if (!oauth_resource_ok(t.resource, base)) {
		db_rollback(db);
		errf(err, "invalid_grant", "the grant is for another resource");
		return -EACCES;
	}
	if (auth_scope_parse(t.scope, &have) < 0)
		have = AUTH_SCOPE_READ;
	if (scope != NULL && *scope && (scope_list(scope, &want) < 0 || want != have)) {
		db_rollback(db);
		errf(err, "invalid_scope", "a refresh keeps the grant's scope, %s", t.scope);
		return -EINVAL;
	}
	if ((r = db_oauth_token_use(db, hash)) < 0 || (r = issue(db, &t, now, out)) < 0 ||
	    (r = db_commit(db)) < 0) {
		db_rollback(db);
		return r;
	}
	log_debug("oauth: %s: refreshed by client %s", t.grant, client_id);
	return 0;
}

int
oauth_revoke(struct db *db, const char *token, const char *client_id)
{
	static const char *const kinds[] = { "access", "refresh" };
	struct db_oauth_row t;
	char hash[65];
	int r;

	if (token == NULL || auth_sha256_hex(token, hash) < 0)
		return 0;
	for (size_t i = 0; i < NELEMS(kinds); i++) {
		if ((r = db_oauth_token_get(db, hash, kinds[i], &t)) == -ENOENT)
			continue;
		if (r < 0)
			return r;
		if (client_id != NULL && strcmp(client_id, t.client) != 0)
			return 0;
		r = db_oauth_grant_remove(db, t.grant);
		if (r == 0)
			log_info("oauth: %s revoked by its client", t.grant);
		return r == -ENOENT ? 0 : r;
	}
	return 0;
}

bool
oauth_is_access_token(const char *token)
{
	return token != NULL && strncmp(token, "hca_", 4) == 0;
}

int
oauth_access_check(struct db *db, const char *token, const char *resource, int64_t now,
    char *name, size_t len, enum auth_scope *scope)
{
	struct db_oauth_row t;
	char hash[65];
	int r;

	if (!oauth_is_access_token(token) || strlen(token) != OAUTH_SECRET_LEN)
		return -EACCES;
	if ((r = auth_sha256_hex(token, hash)) < 0)
		return r;
	if ((r = db_oauth_token_get(db, hash, "access", &t)) < 0)
		return r == -ENOENT ? -EACCES : r;
	if (t.expires <= now)
		return -EACCES;
	if (strcasecmp(t.resource, resource) != 0)
		return -EXDEV;
	if (auth_scope_parse(t.scope, scope) < 0)
		*scope = AUTH_SCOPE_READ;
	snprintf(name, len, "%s", t.grant);
	return 0;
}
