/* SPDX-License-Identifier: MIT */
/* resources.c -- the MCP resources: homectl://devices, homectl://devices/{id}
 * and homectl://mode, their listing, reading and subscriptions. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonutil.h"
#include "log.h"
#include "mcpcore.h"
#include "util.h"

#define URI_DEVICES	"homectl://devices"
#define URI_DEVICE	"homectl://devices/"
#define URI_MODE	"homectl://mode"
#define MIME		"application/json"

static struct json_object *
entry(const struct mcp_sess *s, const char *uri, const char *name, const char *title,
    const char *description)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "uri", json_object_new_string(uri));
	json_object_object_add(o, "name", json_object_new_string(name));
	if (s->proto <= PROTO_2025_06_18 && title != NULL)
		json_object_object_add(o, "title", json_object_new_string(title));
	if (description != NULL)
		json_object_object_add(o, "description", json_object_new_string(description));
	json_object_object_add(o, "mimeType", json_object_new_string(MIME));
	return o;
}

int
resources_list(struct mcp_sess *s, struct json_object *params, struct json_object **result,
    struct rpc_error *err)
{
	struct json_object *all, *devs = NULL, *page, *r;
	const char *cursor = NULL;
	char ebuf[OPS_ERRLEN];
	int64_t off = 0;
	size_t n, end;

	if (params != NULL && json_get_string(params, "cursor", &cursor, true, NULL) < 0)
		return rpc_fail(err, RPC_INVALID_PARAMS, "Invalid params: cursor must be a string");
	if (cursor != NULL && page_cursor_parse(cursor, &off) < 0)
		return rpc_fail(err, RPC_INVALID_PARAMS, "Invalid params: unknown cursor");
	if (ops_devices(s->core->ops, NULL, NULL, NULL, &devs, ebuf) < 0)
		return rpc_fail(err, RPC_INTERNAL_ERROR, "Internal error: %s", ebuf);

	all = json_object_new_array();
	json_object_array_add(all, entry(s, URI_DEVICES, "devices", "All devices",
	    "Every device with its state and values"));
	json_object_array_add(all, entry(s, URI_MODE, "mode", "Home mode",
	    "The active home mode and its scene"));
	for (size_t i = 0; i < json_object_array_length(devs); i++) {
		struct json_object *d = json_object_array_get_idx(devs, i);
		const char *id = NULL, *name = NULL;
		char uri[512];

		json_get_string(d, "id", &id, true, "");
		json_get_string(d, "name", &name, true, NULL);
		if (snprintf(uri, sizeof(uri), URI_DEVICE "%s", id) >= (int)sizeof(uri))
			continue;
		json_object_array_add(all, entry(s, uri, id, name, NULL));
	}
	json_object_put(devs);

	n = json_object_array_length(all);
	if (cursor != NULL && (size_t)off >= n) {
		json_object_put(all);
		return rpc_fail(err, RPC_INVALID_PARAMS, "Invalid params: unknown cursor");
	}
	end = (size_t)off + s->core->page_size;
	if (end > n)
		end = n;
	page = json_object_new_array();
	for (size_t i = (size_t)off; i < end; i++)
		json_object_array_add(page, json_object_get(json_object_array_get_idx(all, i)));
	json_object_put(all);
	r = json_object_new_object();
	json_object_object_add(r, "resources", page);
	if (end < n) {
		char next[32];

		page_cursor_make((int64_t)end, next, sizeof(next));
		json_object_object_add(r, "nextCursor", json_object_new_string(next));
	}
	*result = r;
	return 0;
}

int
resources_templates(struct mcp_sess *s, struct json_object *params,
    struct json_object **result, struct rpc_error *err)
{
	struct json_object *r = json_object_new_object(), *a = json_object_new_array(), *t;

	t = json_object_new_object();
	json_object_object_add(t, "uriTemplate", json_object_new_string(URI_DEVICE "{id}"));
	json_object_object_add(t, "name", json_object_new_string("device"));
	if (s->proto <= PROTO_2025_06_18)
		json_object_object_add(t, "title", json_object_new_string("One device"));
	json_object_object_add(t, "description", json_object_new_string(
	    "One device by id (e.g. homectl://devices/kitchen_light_main): its state and values"));
	json_object_object_add(t, "mimeType", json_object_new_string(MIME));
	json_object_array_add(a, t);
	json_object_object_add(r, "resourceTemplates", a);
	*result = r;
	return 0;
}

/* Reads uri into *out (a new object).  0, -ENOENT for no such resource, or
 * another -errno with a message in ebuf. */
static int
read_uri(struct mcp_sess *s, const char *uri, struct json_object **out, char *ebuf)
{
	struct json_object *v = NULL;

	*out = NULL;
	if (strcmp(uri, URI_DEVICES) == 0) {
		int r;

		if ((r = ops_devices(s->core->ops, NULL, NULL, NULL, &v, ebuf)) < 0)
			return r;
		*out = json_object_new_object();
		json_object_object_add(*out, "devices", v);
		return 0;
	}
	if (strcmp(uri, URI_MODE) == 0)
		return ops_mode_get(s->core->ops, out, ebuf);
	if (strncmp(uri, URI_DEVICE, strlen(URI_DEVICE)) == 0 && uri[strlen(URI_DEVICE)] != '\0')
		return ops_device_get(s->core->ops, uri + strlen(URI_DEVICE), out, ebuf);
	snprintf(ebuf, OPS_ERRLEN, "no such resource");
	return -ENOENT;
}

/* Fills err for a failed read of uri. */
static int
read_failed(struct rpc_error *err, const char *uri, int r, const char *ebuf)
{
	if (r == -ENOENT || r == -EINVAL) {
		err->data = json_object_new_object();
		json_object_object_add(err->data, "uri", json_object_new_string(uri));
		return rpc_fail(err, RPC_RESOURCE_NOT_FOUND, "Resource not found: %.200s (%s)",
		    uri, ebuf);
	}
	return rpc_fail(err, RPC_INTERNAL_ERROR, "Internal error: %s", ebuf);
}

static int
get_uri(struct json_object *params, const char **uri, struct rpc_error *err)
{
	if (params == NULL || json_get_string(params, "uri", uri, false, NULL) < 0 ||
	    *uri == NULL)
		return rpc_fail(err, RPC_INVALID_PARAMS, "Invalid params: a string \"uri\" is "
		    "required");
	return 0;
}

int
resources_read(struct mcp_sess *s, struct json_object *params, struct json_object **result,
    struct rpc_error *err)
{
	struct json_object *v = NULL, *r, *c, *item;
	const char *uri = NULL;
	char ebuf[OPS_ERRLEN] = "";
	int rc;

	if (get_uri(params, &uri, err) < 0 || uri == NULL)
		return -1;
	if ((rc = read_uri(s, uri, &v, ebuf)) < 0)
		return read_failed(err, uri, rc, ebuf);
	item = json_object_new_object();
	json_object_object_add(item, "uri", json_object_new_string(uri));
	json_object_object_add(item, "mimeType", json_object_new_string(MIME));
	json_object_object_add(item, "text", json_object_new_string(json_compact(v)));
	json_object_put(v);
	c = json_object_new_array();
	json_object_array_add(c, item);
	r = json_object_new_object();
	json_object_object_add(r, "contents", c);
	*result = r;
	return 0;
}

int
resources_subscribe(struct mcp_sess *s, struct json_object *params,
    struct json_object **result, struct rpc_error *err)
{
	struct json_object *v = NULL;
	const char *uri = NULL;
	char ebuf[OPS_ERRLEN] = "";
	int rc;

	if (get_uri(params, &uri, err) < 0 || uri == NULL)
		return -1;
	/* Subscribing to what does not exist is the client's mistake. */
	if ((rc = read_uri(s, uri, &v, ebuf)) < 0)
		return read_failed(err, uri, rc, ebuf);
	json_object_put(v);
	if (!session_subscribed(s, uri)) {
		if (s->nsubs >= MCP_MAX_SUBS)
			return rpc_fail(err, RPC_INVALID_PARAMS, "Invalid params: more than %d "
			    "subscriptions", MCP_MAX_SUBS);
		if ((s->subs[s->nsubs] = strdup(uri)) == NULL)
			return rpc_fail(err, RPC_INTERNAL_ERROR, "Internal error: out of memory");
		s->nsubs++;
		log_debug("session %u: subscribed to %s", s->id, uri);
	}
	if (!s->core->watching)
		log_warnx("session %u: subscribed to %s but the change watcher is not running",
		    s->id, uri);
	*result = json_object_new_object();
	return 0;
}

int
resources_unsubscribe(struct mcp_sess *s, struct json_object *params,
    struct json_object **result, struct rpc_error *err)
{
	const char *uri = NULL;

	if (get_uri(params, &uri, err) < 0 || uri == NULL)
		return -1;
	for (unsigned i = 0; i < s->nsubs; i++) {
		if (strcmp(s->subs[i], uri) != 0)
			continue;
		free(s->subs[i]);
		s->subs[i] = s->subs[--s->nsubs];
		break;
	}
	*result = json_object_new_object();
	return 0;
}
