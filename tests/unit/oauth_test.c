/* SPDX-License-Identifier: MIT */
/* oauth_test.c -- common/oauth: PKCE S256 against RFC 7636's own example,
 * which redirect URIs a client may register, which resource values name
 * this server, and the lifetimes of codes and tokens against a clock the
 * test sets (the daemon suite cannot wait an hour for an expiry). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>

#include "auth.h"
#include "oauth.h"
#include "testutil.h"

static void
test_pkce(void **state)
{
	(void)state;
	/* RFC 7636, appendix B. */
	assert_true(oauth_pkce_ok("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
	    "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"));
	assert_false(oauth_pkce_ok("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXl",
	    "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"));
	/* plain: the verifier as its own challenge is refused. */
	assert_false(oauth_pkce_ok("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
	    "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"));
	/* Too short, a character outside the set. */
	assert_false(oauth_pkce_ok("short", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"));
	assert_false(oauth_pkce_ok("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjX+",
	    "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"));
	assert_false(oauth_pkce_ok(NULL, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"));
}

static void
test_redirect_uris(void **state)
{
	static const char *const good[] = { "https://claude.ai/api/mcp/auth_callback",
		"http://localhost:3000/cb", "http://127.0.0.1/cb", "http://127.1.2.3:9/x?y=1",
		"http://[::1]:8/cb", "https://[2001:db8::1]/cb", "https://example.com", NULL };
	static const char *const bad[] = { "http://example.com/cb", "http://192.168.1.2/cb",
		"http://localhost.example.com/cb", "https://a.example/cb#f", "javascript:alert(1)",
		"https://good.example@evil.example/", "ftp://a.example/", "https:///cb",
		"https://a b/", "http://127.0.0.1.evil.example/", "https://a.example:/",
		"https://a.example:8x/", "cursor://anysphere/cb", "", NULL };

	(void)state;
	for (size_t i = 0; good[i]; i++)
		assert_true(oauth_redirect_uri_ok(good[i]));
	for (size_t i = 0; bad[i]; i++) {
		if (oauth_redirect_uri_ok(bad[i]))
			fail_msg("accepted %s", bad[i]);
	}
}

static void
test_resource(void **state)
{
	const char *base = "https://home.example.net";

	(void)state;
	assert_true(oauth_resource_ok("https://home.example.net/mcp", base));
	assert_true(oauth_resource_ok("HTTPS://Home.Example.NET/mcp", base));
	assert_true(oauth_resource_ok("https://home.example.net", base));
	assert_true(oauth_resource_ok("https://home.example.net/", base));
	assert_false(oauth_resource_ok("https://home.example.net/api", base));
	assert_false(oauth_resource_ok("https://home.example.net:444/mcp", base));
	assert_false(oauth_resource_ok("https://home.example.net.evil/mcp", base));
	assert_false(oauth_resource_ok("http://home.example.net/mcp", base));
	assert_false(oauth_resource_ok(NULL, base));
}

static bool
public(const char *ip)
{
	struct sockaddr_in v4 = { .sin_family = AF_INET };
	struct sockaddr_in6 v6 = { .sin6_family = AF_INET6 };

	if (inet_pton(AF_INET, ip, &v4.sin_addr) == 1)
		return oauth_fetch_addr_public((struct sockaddr *)&v4);
	assert_int_equal(inet_pton(AF_INET6, ip, &v6.sin6_addr), 1);
	return oauth_fetch_addr_public((struct sockaddr *)&v6);
}

static void
test_fetch_policy(void **state)
{
	static const char *const pub[] = { "1.1.1.1", "93.184.216.34", "172.15.255.255",
		"172.32.0.1", "100.63.255.255", "100.128.0.1", "192.169.0.1", "2606:4700::1111",
		"::ffff:8.8.8.8", NULL };
	static const char *const priv[] = { "0.0.0.0", "10.1.2.3", "127.0.0.1", "127.255.0.9",
		"100.64.0.1", "169.254.169.254", "172.16.0.1", "172.31.255.254", "192.168.1.1",
		"192.0.2.1", "198.18.0.1", "224.0.0.1", "255.255.255.255", "240.0.0.1", "::",
		"::1", "fc00::1", "fd12:3456::1", "fe80::1", "ff02::1", "::ffff:127.0.0.1",
		"::ffff:192.168.0.1", "64:ff9b::7f00:1", "2001:db8::1", "2002:7f00:1::1", NULL };
	static const char *const ids_good[] = { "https://claude.ai/oauth/client.json",
		"https://a.example:8443/c?x=1", "https://[2001:db8::1]/c.json", NULL };
	static const char *const ids_bad[] = { "http://a.example/c.json", "https://a.example",
		"https://a.example/", "https://a.example/?x", "https://a.example/c#f",
		"https://u@a.example/c", "https://a.example/a/../c", "https://a.example/./c",
		"https://a.example/c/..", "https://a b/c", "https://a.example/c d",
		"https://a.example\\@b/c", NULL };

	(void)state;
	for (size_t i = 0; pub[i]; i++)
		if (!public(pub[i]))
			fail_msg("refused the public %s", pub[i]);
	for (size_t i = 0; priv[i]; i++)
		if (public(priv[i]))
			fail_msg("took the private %s", priv[i]);
	for (size_t i = 0; ids_good[i]; i++)
		if (!oauth_client_id_url_ok(ids_good[i]))
			fail_msg("refused %s", ids_good[i]);
	for (size_t i = 0; ids_bad[i]; i++)
		if (oauth_client_id_url_ok(ids_bad[i]))
			fail_msg("took %s", ids_bad[i]);
}

/* Registers a client and gets a code approved by the demo's token "t". */
static void
client_and_code(struct home *h, const char *challenge, int64_t now, char *client, char *code)
{
	struct json_object *meta, *out = NULL;
	struct oauth_authz a = { .response_type = "code", .redirect_uri = "http://127.0.0.1:9/cb",
		.code_challenge = challenge, .code_challenge_method = "S256" };
	struct oauth_err err;
	char tok[AUTH_TOKEN_LEN + 1];

	int r = auth_token_create(h->db, "t", tok, sizeof(tok));

	assert_true(r == 0 || r == -EEXIST);
	meta = json_tokener_parse("{\"client_name\": \"c\", \"redirect_uris\":"
	    " [\"http://127.0.0.1:9/cb\"]}");
	assert_int_equal(oauth_register(h->db, meta, now, &out, &err), 0);
	strcpy(client, json_object_get_string(json_object_object_get(out, "client_id")));
	a.client_id = client;
	assert_int_equal(oauth_approve(h->db, &a, "http://h", "t", AUTH_SCOPE_FULL,
	    AUTH_SCOPE_CONTROL, now, code, OAUTH_SECRET_LEN + 1, &err), 0);
	json_object_put(meta);
	json_object_put(out);
}

static void
test_lifetimes(void **state)
{
	struct home *h = *state;
	const char *v = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
	const char *c = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
	char client[64], code[OAUTH_SECRET_LEN + 1], name[80];
	struct oauth_issued is, is2;
	struct oauth_err err;
	enum auth_scope sc;
	int64_t now = 1700000000;

	/* A code is dead after OAUTH_CODE_SEC. */
	client_and_code(h, c, now, client, code);
	assert_int_equal(oauth_token_code(h->db, client, code, v, "http://127.0.0.1:9/cb", NULL,
	    "http://h", now + OAUTH_CODE_SEC, &is, &err), -EACCES);
	assert_string_equal(err.error, "invalid_grant");
	/* In time, it works once; the access token lives OAUTH_ACCESS_SEC. */
	client_and_code(h, c, now, client, code);
	assert_int_equal(oauth_token_code(h->db, client, code, v, "http://127.0.0.1:9/cb",
	    "http://h/mcp", "http://h", now + 1, &is, &err), 0);
	assert_int_equal(is.scope, AUTH_SCOPE_CONTROL);
	assert_int_equal(oauth_access_check(h->db, is.access, "http://h/mcp", now + 2, name,
	    sizeof(name), &sc), 0);
	assert_int_equal(sc, AUTH_SCOPE_CONTROL);
	assert_int_equal(strncmp(name, "oauth:", 6), 0);
	assert_int_equal(oauth_access_check(h->db, is.access, "http://other/mcp", now + 2, name,
	    sizeof(name), &sc), -EXDEV);
	assert_int_equal(oauth_access_check(h->db, is.access, "http://h/mcp",
	    now + 1 + OAUTH_ACCESS_SEC, name, sizeof(name), &sc), -EACCES);
	/* The refresh token outlives it, and rotates. */
	assert_int_equal(oauth_token_refresh(h->db, client, is.refresh, NULL, NULL, "http://h",
	    now + 2 * OAUTH_ACCESS_SEC, &is2, &err), 0);
	assert_string_not_equal(is.refresh, is2.refresh);
	assert_int_equal(oauth_access_check(h->db, is2.access, "http://h/mcp",
	    now + 2 * OAUTH_ACCESS_SEC + 1, name, sizeof(name), &sc), 0);
	/* ... but not past OAUTH_REFRESH_SEC. */
	assert_int_equal(oauth_token_refresh(h->db, client, is2.refresh, NULL, NULL, "http://h",
	    now + 2 * OAUTH_ACCESS_SEC + OAUTH_REFRESH_SEC, &is, &err), -EACCES);
	/* Another client cannot use it; a narrower scope is refused. */
	assert_int_equal(oauth_token_refresh(h->db, "hcl_x", is2.refresh, NULL, NULL, "http://h",
	    now + 3 * OAUTH_ACCESS_SEC, &is, &err), -EACCES);
	assert_int_equal(oauth_token_refresh(h->db, client, is2.refresh, "read", NULL, "http://h",
	    now + 3 * OAUTH_ACCESS_SEC, &is, &err), -EINVAL);
	assert_string_equal(err.error, "invalid_scope");
	/* Revoked: the grant is gone, and auth_token_scope says so. */
	assert_int_equal(auth_token_scope(h->db, name, &sc), 0);
	assert_int_equal(oauth_revoke(h->db, is2.access, client), 0);
	assert_int_equal(auth_token_scope(h->db, name, &sc), -EACCES);
	assert_int_equal(oauth_access_check(h->db, is2.access, "http://h/mcp",
	    now + 2 * OAUTH_ACCESS_SEC + 1, name, sizeof(name), &sc), -EACCES);
	/* Pruned a day on: the spent rows and the unused clients go. */
	assert_int_equal(db_oauth_prune(h->db, now + OAUTH_REFRESH_SEC + 10 * OAUTH_ACCESS_SEC,
	    OAUTH_CLIENT_AGE), 0);
	{
		char *n = query_text(h->path, "SELECT (SELECT count(*) FROM oauth_tokens) ||"
		    " (SELECT count(*) FROM oauth_codes) || (SELECT count(*) FROM oauth_grants) ||"
		    " (SELECT count(*) FROM oauth_clients)");

		assert_string_equal(n, "0000");
		free(n);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pkce),
		cmocka_unit_test(test_redirect_uris),
		cmocka_unit_test(test_resource),
		cmocka_unit_test(test_fetch_policy),
		HOME_TEST(test_lifetimes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
