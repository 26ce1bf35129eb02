/* SPDX-License-Identifier: MIT */
/* http_oauth.c -- OAuth 2.1 over HTTP for remote MCP clients: the resource
 * server's metadata (RFC 9728) and challenge, the authorization server's
 * metadata (RFC 8414), registration (RFC 7591), the authorization endpoint
 * (which sends the person to the dashboard's consent page), the token
 * endpoint, revocation (RFC 7009), and the two calls the consent page
 * makes with the person's own token.  What is allowed is decided in
 * common/oauth.c; docs/remote.md tells the story.
 *
 * The public origin: public_url in homectl.conf when set (behind a reverse
 * proxy it must be: the issuer and every URL in the metadata are its https
 * origin), else http:// and the request's Host header.  Forwarded headers
 * (X-Forwarded-Proto, Forwarded) are never trusted: whoever can reach the
 * port could set them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "api.h"
#include "jsonutil.h"
#include "log.h"
#include "oauth.h"
#include "util.h"

#define SCOPES_SUPPORTED	"read control full"
#define FORM_MAX		16	/* parameters in a form body */

/* ---- the origin ---- */

void
http_oauth_base(struct http_req *r, char *buf, size_t len)
{
	const char *host = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_HOST);
	const char *listen = r->api->cfg.listen ? r->api->cfg.listen : "127.0.0.1";

	if (r->api->cfg.public_url != NULL) {
		snprintf(buf, len, "%s", r->api->cfg.public_url);
		return;
	}
	if (host == NULL || *host == '\0' || strlen(host) > 255 ||
	    strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") !=
	    strlen(host))
		host = listen;
	snprintf(buf, len, "http://%s", host);
	/* Scheme and host are case-insensitive: one spelling for comparisons. */
	for (char *p = buf; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
}

/* ---- answers ---- */

/* JSON for an OAuth client: never cached, readable from any origin (the
 * endpoints take no cookies; browser-based MCP clients call them). */
static enum MHD_Result
reply(struct http_req *r, unsigned status, struct json_object *obj)
{
	struct MHD_Response *resp = http_json_response(status, obj);

	if (resp != NULL) {
		MHD_add_response_header(resp, "Pragma", "no-cache");
		MHD_add_response_header(resp, "Access-Control-Allow-Origin", "*");
	}
	return http_queue(r, status, resp);
}

static enum MHD_Result
reply_err(struct http_req *r, unsigned status, const struct oauth_err *err)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "error", json_object_new_string(err->error));
	json_object_object_add(o, "error_description", json_object_new_string(err->desc));
	return reply(r, status, o);
}

static enum MHD_Result
reply_errf(struct http_req *r, unsigned status, const char *error, const char *desc)
{
	struct oauth_err e = { .error = error };

	snprintf(e.desc, sizeof(e.desc), "%s", desc);
	return reply_err(r, status, &e);
}

static struct MHD_Response *
redirect_response(const char *url)
{
	struct MHD_Response *resp;

	resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	if (resp == NULL)
		return NULL;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, url);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	return resp;
}

/* A page for the person when there is nowhere safe to send them. */
static struct MHD_Response *
page_response(const struct oauth_err *err)
{
	struct MHD_Response *resp;
	char text[512];

	snprintf(text, sizeof(text), "homectl cannot use this authorization request: %s (%s).\n"
	    "Start the connection again from the application.\n", err->desc, err->error);
	resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_COPY);
	if (resp == NULL)
		return NULL;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	return resp;
}

static enum MHD_Result
refuse_page(struct http_req *r, const struct oauth_err *err)
{
	return http_queue(r, 400, page_response(err));
}

/* A database failure: a busy one parks the request (http.c). */
static enum MHD_Result
reply_db(struct http_req *r, int rc)
{
	return http_reply_ops(r, rc, "");
}

void
http_oauth_challenge_header(struct http_req *r, const char *error, const char *scope, char *h,
    size_t len)
{
	char base[300];

	http_oauth_base(r, base, sizeof(base));
	snprintf(h, len, "Bearer resource_metadata=\"%s/.well-known/oauth-protected-resource"
	    "/mcp\", scope=\"%s\"%s%s%s", base, scope, error ? ", error=\"" : "",
	    error ? error : "", error ? "\"" : "");
}

enum MHD_Result
http_oauth_challenge(struct http_req *r, unsigned status, const char *error, const char *scope,
    const char *msg)
{
	struct json_object *o = json_object_new_object(), *e = json_object_new_object();
	struct MHD_Response *resp;
	char h[700];

	http_oauth_challenge_header(r, error, scope, h, sizeof(h));
	json_object_object_add(e, "code", json_object_new_string(status == 401 ? "unauthorized" :
	    "insufficient_scope"));
	json_object_object_add(e, "message", json_object_new_string(msg));
	json_object_object_add(o, "error", e);
	resp = http_json_response(status, o);
	if (resp != NULL) {
		/* http_json_response's plain challenge is replaced by this one. */
		MHD_del_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"homectl\"");
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, h);
	}
	return http_queue(r, status, resp);
}

int
http_oauth_access(struct http_req *r, const char *token)
{
	char base[300], resource[320];

	http_oauth_base(r, base, sizeof(base));
	snprintf(resource, sizeof(resource), "%s/mcp", base);
	return oauth_access_check(r->api->db, token, resource, (int64_t)time(NULL), r->token,
	    sizeof(r->token), &r->scope);
}

/* ---- metadata ---- */

static struct json_object *
strings(const char *const *v)
{
	struct json_object *a = json_object_new_array();

	for (; *v; v++)
		json_object_array_add(a, json_object_new_string(*v));
	return a;
}

static void
add_url(struct json_object *o, const char *key, const char *base, const char *path)
{
	char url[400];

	snprintf(url, sizeof(url), "%s%s", base, path);
	json_object_object_add(o, key, json_object_new_string(url));
}

static const char *const scopes[] = { "read", "control", "full", NULL };

/* RFC 9728.  The same document at the root and under /mcp: the MCP
 * endpoint is the one protected resource. */
static enum MHD_Result
resource_metadata(struct http_req *r)
{
	static const char *const methods[] = { "header", NULL };
	struct json_object *o = json_object_new_object(), *as = json_object_new_array();
	char base[300];

	http_oauth_base(r, base, sizeof(base));
	add_url(o, "resource", base, "/mcp");
	json_object_array_add(as, json_object_new_string(base));
	json_object_object_add(o, "authorization_servers", as);
	json_object_object_add(o, "scopes_supported", strings(scopes));
	json_object_object_add(o, "bearer_methods_supported", strings(methods));
	json_object_object_add(o, "resource_name", json_object_new_string("homectl"));
	add_url(o, "resource_documentation", base, "/");
	return reply(r, 200, o);
}

/* RFC 8414. */
static enum MHD_Result
server_metadata(struct http_req *r)
{
	static const char *const grants[] = { "authorization_code", "refresh_token", NULL };
	static const char *const responses[] = { "code", NULL };
	static const char *const methods[] = { "none", NULL };
	static const char *const pkce[] = { "S256", NULL };
	struct json_object *o = json_object_new_object();
	char base[300];

	http_oauth_base(r, base, sizeof(base));
	json_object_object_add(o, "issuer", json_object_new_string(base));
	add_url(o, "authorization_endpoint", base, "/oauth/authorize");
	add_url(o, "token_endpoint", base, "/oauth/token");
	add_url(o, "registration_endpoint", base, "/oauth/register");
	add_url(o, "revocation_endpoint", base, "/oauth/revoke");
	json_object_object_add(o, "scopes_supported", strings(scopes));
	json_object_object_add(o, "response_types_supported", strings(responses));
	json_object_object_add(o, "response_modes_supported", strings((const char *const[]){
	    "query", NULL }));
	json_object_object_add(o, "grant_types_supported", strings(grants));
	json_object_object_add(o, "token_endpoint_auth_methods_supported", strings(methods));
	json_object_object_add(o, "revocation_endpoint_auth_methods_supported", strings(methods));
	json_object_object_add(o, "code_challenge_methods_supported", strings(pkce));
	json_object_object_add(o, "authorization_response_iss_parameter_supported",
	    json_object_new_boolean(1));
	/* A client_id may be the https URL of its metadata document, when
	 * homectl.conf says the daemon may fetch it (its unit has no network
	 * by default: a client told yes could not fall back to registration). */
	json_object_object_add(o, "client_id_metadata_document_supported",
	    json_object_new_boolean(r->api->cfg.oauth_client_metadata));
	add_url(o, "service_documentation", base, "/");
	return reply(r, 200, o);
}

/* ---- forms ---- */

struct form {
	size_t n;
	char *name[FORM_MAX], *value[FORM_MAX];
};

static void
form_free(struct form *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->name[i]);
		free(f->value[i]);
	}
	f->n = 0;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent- and '+'-decodes s[0..n) into a new string; NULL when it is bad
 * (a NUL, a broken escape) or out of memory. */
static char *
form_decode(const char *s, size_t n)
{
	char *out = malloc(n + 1), *o = out;

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '+') {
			*o++ = ' ';
		} else if (s[i] == '%') {
			int hi = i + 2 < n ? hexval(s[i + 1]) : -1, lo = i + 2 < n ? hexval(s[i + 2]) : -1;

			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
				free(out);
				return NULL;
			}
			*o++ = (char)(hi * 16 + lo);
			i += 2;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

/* An application/x-www-form-urlencoded body into f.  A parameter given
 * twice is refused (RFC 6749 section 3.1): -EINVAL, as for a bad one. */
static int
form_parse(const char *body, size_t len, struct form *f)
{
	const char *p = body, *end = body + len, *amp, *eq;

	f->n = 0;
	while (p < end) {
		amp = memchr(p, '&', (size_t)(end - p));
		if (amp == NULL)
			amp = end;
		if (amp == p) {
			p++;
			continue;
		}
		if (f->n == FORM_MAX)
			goto bad;
		eq = memchr(p, '=', (size_t)(amp - p));
		if (eq == NULL)
			eq = amp;
		f->name[f->n] = form_decode(p, (size_t)(eq - p));
		f->value[f->n] = form_decode(eq < amp ? eq + 1 : amp, eq < amp ?
		    (size_t)(amp - eq - 1) : 0);
		f->n++;
		if (f->name[f->n - 1] == NULL || f->value[f->n - 1] == NULL)
			goto bad;
		for (size_t i = 0; i + 1 < f->n; i++)
			if (strcmp(f->name[i], f->name[f->n - 1]) == 0)
				goto bad;
		p = amp + 1;
	}
	return 0;
bad:
	form_free(f);
	return -EINVAL;
}

/* A form value, NULL when absent or empty (RFC 6749: empty is absent). */
static const char *
form_get(const struct form *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->name[i], name) == 0)
			return f->value[i][0] != '\0' ? f->value[i] : NULL;
	return NULL;
}

/* Parses the request's form body; answers 400 and returns false when it
 * is not one. */
static bool
form_body(struct http_req *r, struct form *f, enum MHD_Result *ret)
{
	const char *ct = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_TYPE);

	f->n = 0;
	if (ct == NULL || strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0) {
		*ret = reply_errf(r, 400, "invalid_request", "the body must be"
		    " application/x-www-form-urlencoded");
		return false;
	}
	if (form_parse(r->body ? r->body : "", r->len, f) < 0) {
		*ret = reply_errf(r, 400, "invalid_request", "a malformed form, or a parameter"
		    " given twice");
		return false;
	}
	return true;
}

/* ---- registration, tokens, revocation ---- */

static enum MHD_Result
do_register(struct http_req *r)
{
	struct json_object *out = NULL;
	struct oauth_err err;
	enum MHD_Result ret;
	int rc;

	if (!http_body_object(r, &ret))
		return ret;
	rc = oauth_register(r->api->db, r->json, (int64_t)time(NULL), &out, &err);
	if (rc == -EINVAL)
		return reply_err(r, 400, &err);
	if (rc < 0)
		return reply_db(r, rc);
	log_info("oauth: registered client %s (%s)", json_object_get_string(
	    json_object_object_get(out, "client_id")), json_object_get_string(
	    json_object_object_get(out, "client_name")));
	return reply(r, 201, out);
}

static enum MHD_Result
do_token(struct http_req *r)
{
	struct oauth_issued is;
	struct oauth_err err;
	struct json_object *o;
	struct form f;
	const char *gt;
	char base[300];
	enum MHD_Result ret;
	int rc;

	if (!form_body(r, &f, &ret))
		return ret;
	http_oauth_base(r, base, sizeof(base));
	gt = form_get(&f, "grant_type");
	if (gt != NULL && strcmp(gt, "authorization_code") == 0)
		rc = oauth_token_code(r->api->db, form_get(&f, "client_id"), form_get(&f, "code"),
		    form_get(&f, "code_verifier"), form_get(&f, "redirect_uri"),
		    form_get(&f, "resource"), base, (int64_t)time(NULL), &is, &err);
	else if (gt != NULL && strcmp(gt, "refresh_token") == 0)
		rc = oauth_token_refresh(r->api->db, form_get(&f, "client_id"),
		    form_get(&f, "refresh_token"), form_get(&f, "scope"), form_get(&f, "resource"),
		    base, (int64_t)time(NULL), &is, &err);
	else {
		form_free(&f);
		return reply_errf(r, 400, gt ? "unsupported_grant_type" : "invalid_request",
		    "grant_type must be authorization_code or refresh_token");
	}
	form_free(&f);
	if (rc == -EACCES || rc == -EINVAL)
		return reply_err(r, 400, &err);
	if (rc < 0)
		return reply_db(r, rc);
	o = json_object_new_object();
	json_object_object_add(o, "access_token", json_object_new_string(is.access));
	json_object_object_add(o, "token_type", json_object_new_string("Bearer"));
	json_object_object_add(o, "expires_in", json_object_new_int(is.expires_in));
	json_object_object_add(o, "refresh_token", json_object_new_string(is.refresh));
	json_object_object_add(o, "scope", json_object_new_string(auth_scope_name(is.scope)));
	return reply(r, 200, o);
}

static enum MHD_Result
do_revoke(struct http_req *r)
{
	struct MHD_Response *resp;
	struct form f;
	enum MHD_Result ret;
	int rc;

	if (!form_body(r, &f, &ret))
		return ret;
	if (form_get(&f, "token") == NULL) {
		form_free(&f);
		return reply_errf(r, 400, "invalid_request", "token is required");
	}
	rc = oauth_revoke(r->api->db, form_get(&f, "token"), form_get(&f, "client_id"));
	form_free(&f);
	if (rc < 0)
		return reply_db(r, rc);
	resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	if (resp != NULL) {
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
		MHD_add_response_header(resp, "Access-Control-Allow-Origin", "*");
	}
	return http_queue(r, 200, resp);
}

/* ---- authorization ---- */

static const char *const authz_names[] = { "response_type", "client_id", "redirect_uri",
	"code_challenge", "code_challenge_method", "scope", "state", "resource", NULL };

static void
authz_values(const struct oauth_authz *a, const char *v[9])
{
	v[0] = a->response_type, v[1] = a->client_id, v[2] = a->redirect_uri;
	v[3] = a->code_challenge, v[4] = a->code_challenge_method, v[5] = a->scope;
	v[6] = a->state, v[7] = a->resource, v[8] = NULL;
}

struct dup_count {
	unsigned seen[8];
};

static enum MHD_Result
count_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct dup_count *d = cls;

	(void)kind;
	(void)value;
	for (size_t i = 0; authz_names[i] != NULL; i++)
		if (key != NULL && strcmp(key, authz_names[i]) == 0)
			d->seen[i]++;
	return MHD_YES;
}

/* The authorization request in r's query string; false when a parameter
 * comes twice. */
static bool
authz_from_query(struct http_req *r, struct oauth_authz *a)
{
	struct dup_count d = { { 0 } };

	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, count_arg, &d);
	for (size_t i = 0; i < NELEMS(d.seen); i++)
		if (d.seen[i] > 1)
			return false;
	a->response_type = http_query(r, "response_type");
	a->client_id = http_query(r, "client_id");
	a->redirect_uri = http_query(r, "redirect_uri");
	a->code_challenge = http_query(r, "code_challenge");
	a->code_challenge_method = http_query(r, "code_challenge_method");
	a->scope = http_query(r, "scope");
	a->state = http_query(r, "state");
	a->resource = http_query(r, "resource");
	return true;
}

/* The URL that sends the browser back to the client with an error. */
static char *
error_url(const struct oauth_authz *a, const char *base, const struct oauth_err *err)
{
	static const char *const names[] = { "error", "error_description", "state", "iss", NULL };
	const char *values[] = { err->error, err->desc, a->state, base, NULL };

	return oauth_redirect_url(a->redirect_uri, names, values);
}

/* The answer to a checked authorization request (a client known by now):
 * where to send the browser, or the page; *status set.  NULL when out of
 * memory. */
static struct MHD_Response *
authorize_response(struct http_req *r, const struct oauth_authz *a, unsigned *status)
{
	struct MHD_Response *resp;
	struct oauth_checked chk;
	struct oauth_err err;
	const char *v[9];
	char base[300], page[340], *url;
	int rc;

	http_oauth_base(r, base, sizeof(base));
	rc = oauth_authz_check(r->api->db, a, base, &chk, &err);
	if (rc == -ENOENT) {
		*status = 400;
		return page_response(&err);
	}
	if (rc == -EINVAL) {
		url = error_url(a, base, &err);
	} else if (rc < 0) {
		return http_ops_response(rc, "", status);
	} else {
		snprintf(page, sizeof(page), "%s/consent.html", base);
		authz_values(a, v);
		url = oauth_redirect_url(page, authz_names, v);
	}
	*status = 302;
	resp = url != NULL ? redirect_response(url) : NULL;
	free(url);
	return resp;
}

/* A Client ID Metadata Document arrived (or did not): the client is
 * known, or the person is told why not; the suspended request goes on. */
static void
authorize_fetched(void *arg, int rc, const char *body, size_t len, const char *why)
{
	struct http_req *r = arg;
	struct oauth_authz a;
	struct oauth_err err = { .error = "invalid_client" };

	r->fetch = NULL;
	authz_from_query(r, &a);
	if (rc < 0) {
		snprintf(err.desc, sizeof(err.desc), "the client's metadata document could not be"
		    " fetched: %s", why);
		log_warnx("oauth: client %s: %s", a.client_id, err.desc);
		r->reply_status = rc == -ECANCELED ? 503 : 400;
		r->reply = page_response(&err);
	} else if ((rc = oauth_client_document(r->api->db, a.client_id, body, len,
	    (int64_t)time(NULL), &err)) == -EINVAL) {
		log_warnx("oauth: client %s: %s", a.client_id, err.desc);
		r->reply_status = 400;
		r->reply = page_response(&err);
	} else if (rc < 0) {
		r->reply = http_ops_response(rc, "", &r->reply_status);
	} else {
		log_info("oauth: fetched the metadata document of client %s", a.client_id);
		r->reply = authorize_response(r, &a, &r->reply_status);
	}
	MHD_resume_connection(r->conn);
	http_kick_soon(r->api);
}

void
http_oauth_drop(struct http_req *r)
{
	fetch_cancel(r->fetch);
	r->fetch = NULL;
}

/* GET /oauth/authorize: checks the request (the client and its redirect
 * first: nothing is ever sent to an address the client did not register)
 * and sends the person to the consent page with it.  A client_id that is
 * an https URL names a Client ID Metadata Document: it is fetched first
 * (fetch.c), the request suspended meanwhile. */
static enum MHD_Result
do_authorize(struct http_req *r)
{
	struct MHD_Response *resp;
	struct oauth_authz a;
	unsigned status;
	int rc;

	if (!authz_from_query(r, &a)) {
		struct oauth_err e = { .error = "invalid_request" };

		snprintf(e.desc, sizeof(e.desc), "a parameter is given twice");
		return refuse_page(r, &e);
	}
	if (oauth_client_id_is_url(a.client_id) && !r->api->cfg.oauth_client_metadata) {
		struct oauth_err e = { .error = "invalid_client" };

		snprintf(e.desc, sizeof(e.desc), "no client is registered with this client_id (this"
		    " server does not fetch Client ID Metadata Documents: register instead)");
		return refuse_page(r, &e);
	}
	if (oauth_client_id_is_url(a.client_id)) {
		struct oauth_err e = { .error = "invalid_client" };

		rc = fetch_start(r->api, a.client_id, r->api->cfg.oauth_fetch_private,
		    authorize_fetched, r, &r->fetch);
		if (rc == 0) {
			MHD_suspend_connection(r->conn);
			return MHD_YES;
		}
		snprintf(e.desc, sizeof(e.desc), "%s", rc == -EINVAL ? "a client_id URL must be"
		    " https, with a path, without a fragment, user or dot segments" :
		    rc == -EAGAIN ? "too many clients are being looked up: try again" :
		    "the client's metadata document cannot be fetched now");
		if (rc == -EAGAIN)
			e.error = "temporarily_unavailable";
		return http_queue(r, rc == -EINVAL ? 400 : 503, page_response(&e));
	}
	resp = authorize_response(r, &a, &status);
	return http_queue(r, status, resp);
}

/* The host of an http(s) URL, for the consent page. */
static void
url_host(const char *url, char *buf, size_t len)
{
	const char *a = strstr(url, "://");
	size_t n;

	a = a != NULL ? a + 3 : url;
	n = strcspn(a, "/?#");
	snprintf(buf, len, "%.*s", (int)(n < len ? n : len - 1), a);
}

/* GET /api/oauth/request (the person's token): what the consent page
 * shows.  The request is checked again: the page's address is anyone's to
 * write. */
enum MHD_Result
http_oauth_request(struct http_req *r)
{
	struct oauth_checked chk;
	struct oauth_authz a;
	struct oauth_err err;
	struct json_object *o, *allowed;
	enum auth_scope most;
	char base[300], host[256], *deny;
	int rc;

	if (!authz_from_query(r, &a))
		return http_reply_error(r, 400, "invalid_request", "a parameter is given twice");
	http_oauth_base(r, base, sizeof(base));
	rc = oauth_authz_check(r->api->db, &a, base, &chk, &err);
	if (rc == -ENOENT || rc == -EINVAL)
		return http_reply_error(r, 400, err.error, "%s", err.desc);
	if (rc < 0)
		return reply_db(r, rc);
	err.error = "access_denied";
	snprintf(err.desc, sizeof(err.desc), "the person declined");
	if ((deny = error_url(&a, base, &err)) == NULL)
		return MHD_NO;
	most = chk.scope < r->scope ? chk.scope : r->scope;
	allowed = json_object_new_array();
	for (int s = AUTH_SCOPE_READ; s <= (int)most; s++)
		json_object_array_add(allowed, json_object_new_string(auth_scope_name(
		    (enum auth_scope)s)));
	url_host(a.redirect_uri, host, sizeof(host));
	o = json_object_new_object();
	json_object_object_add(o, "client_id", json_object_new_string(a.client_id));
	json_object_object_add(o, "client_name", json_object_new_string(chk.client_name));
	json_object_object_add(o, "redirect_uri", json_object_new_string(a.redirect_uri));
	json_object_object_add(o, "redirect_host", json_object_new_string(host));
	json_object_object_add(o, "resource", json_object_new_string(chk.resource));
	json_object_object_add(o, "scope", json_object_new_string(auth_scope_name(chk.scope)));
	json_object_object_add(o, "your_scope", json_object_new_string(auth_scope_name(r->scope)));
	json_object_object_add(o, "scopes", allowed);
	json_object_object_add(o, "deny", json_object_new_string(deny));
	free(deny);
	return http_reply_json(r, 200, o);
}

/* POST /api/oauth/approve (the person's token): {the request's parameters,
 * "grant": scope}.  Answers {"redirect": the client's redirect_uri with
 * the code and state}. */
enum MHD_Result
http_oauth_approve(struct http_req *r)
{
	static const char *const keys[] = { "response_type", "client_id", "redirect_uri",
		"code_challenge", "code_challenge_method", "scope", "state", "resource", "grant",
		NULL };
	static const char *const names[] = { "code", "state", "iss", NULL };
	struct oauth_authz a;
	struct oauth_err err;
	struct json_object *o;
	enum auth_scope grant;
	const char *g = NULL, *v[4];
	char base[300], code[OAUTH_SECRET_LEN + 1], *url;
	enum MHD_Result ret;
	int rc;

	if (!http_body_keys(r, keys, &ret))
		return ret;
	memset(&a, 0, sizeof(a));
	if (json_get_string(r->json, "response_type", &a.response_type, true, NULL) < 0 ||
	    json_get_string(r->json, "client_id", &a.client_id, true, NULL) < 0 ||
	    json_get_string(r->json, "redirect_uri", &a.redirect_uri, true, NULL) < 0 ||
	    json_get_string(r->json, "code_challenge", &a.code_challenge, true, NULL) < 0 ||
	    json_get_string(r->json, "code_challenge_method", &a.code_challenge_method, true,
	    NULL) < 0 ||
	    json_get_string(r->json, "scope", &a.scope, true, NULL) < 0 ||
	    json_get_string(r->json, "state", &a.state, true, NULL) < 0 ||
	    json_get_string(r->json, "resource", &a.resource, true, NULL) < 0 ||
	    json_get_string(r->json, "grant", &g, false, NULL) < 0)
		return http_reply_error(r, 400, "bad_request", "the request's parameters are"
		    " strings, and grant (read, control or full) is required");
	if (auth_scope_parse(g, &grant) < 0)
		return http_reply_error(r, 422, "invalid_value", "grant must be read, control or"
		    " full");
	http_oauth_base(r, base, sizeof(base));
	rc = oauth_approve(r->api->db, &a, base, r->token, r->scope, grant, (int64_t)time(NULL),
	    code, sizeof(code), &err);
	if (rc == -EPERM)
		return http_reply_error(r, 403, "insufficient_scope", "%s", err.desc);
	if (rc == -ENOENT || rc == -EINVAL)
		return http_reply_error(r, 400, err.error, "%s", err.desc);
	if (rc < 0)
		return reply_db(r, rc);
	v[0] = code, v[1] = a.state, v[2] = base, v[3] = NULL;
	if ((url = oauth_redirect_url(a.redirect_uri, names, v)) == NULL)
		return MHD_NO;
	o = json_object_new_object();
	json_object_object_add(o, "redirect", json_object_new_string(url));
	json_object_object_add(o, "grant", json_object_new_string(auth_scope_name(grant)));
	free(url);
	return http_reply_json(r, 200, o);
}

/* ---- routing ---- */

bool
http_oauth_path(const char *url)
{
	return strncmp(url, "/.well-known/oauth-", 19) == 0 || strncmp(url, "/oauth/", 7) == 0;
}

bool
http_oauth_wants_body(const struct http_req *r)
{
	return strcmp(r->method, "POST") == 0 && (strcmp(r->url, "/oauth/register") == 0 ||
	    strcmp(r->url, "/oauth/token") == 0 || strcmp(r->url, "/oauth/revoke") == 0);
}

/* CORS preflight for the endpoints a browser-based client calls. */
static enum MHD_Result
preflight(struct http_req *r)
{
	struct MHD_Response *resp;

	resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, "Access-Control-Allow-Origin", "*");
	MHD_add_response_header(resp, "Access-Control-Allow-Methods", "GET, POST, OPTIONS");
	MHD_add_response_header(resp, "Access-Control-Allow-Headers",
	    "Content-Type, Authorization, MCP-Protocol-Version");
	MHD_add_response_header(resp, "Access-Control-Max-Age", "600");
	return http_queue(r, 204, resp);
}

enum MHD_Result
http_oauth(struct http_req *r)
{
	static const struct {
		const char *path, *method;
		enum MHD_Result (*fn)(struct http_req *);
	} eps[] = {
		{ "/.well-known/oauth-protected-resource", "GET", resource_metadata },
		{ "/.well-known/oauth-protected-resource/mcp", "GET", resource_metadata },
		{ "/.well-known/oauth-authorization-server", "GET", server_metadata },
		{ "/oauth/register", "POST", do_register },
		{ "/oauth/authorize", "GET", do_authorize },
		{ "/oauth/token", "POST", do_token },
		{ "/oauth/revoke", "POST", do_revoke },
	};
	const char *m = strcmp(r->method, "HEAD") == 0 ? "GET" : r->method;
	bool known = false;

	for (size_t i = 0; i < NELEMS(eps); i++) {
		if (strcmp(r->url, eps[i].path) != 0)
			continue;
		known = true;
		if (strcmp(m, eps[i].method) == 0)
			return eps[i].fn(r);
	}
	if (known && strcmp(m, "OPTIONS") == 0)
		return preflight(r);
	if (known)
		return http_reply_error(r, 405, "method_not_allowed", "method not allowed on this"
		    " resource");
	return http_reply_error(r, 404, "not_found", "no such resource: %s", r->url);
}
