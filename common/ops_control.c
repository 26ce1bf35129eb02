/* SPDX-License-Identifier: MIT */
/* ops_control.c -- controlling devices: one device or, in bulk, every
 * matching one, validated against the model table, all or nothing; and the
 * seed's shortcuts that are plain controls (feeding the fish, EV charging). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "model.h"
#include "ops_internal.h"
#include "util.h"


int
ops_control_one(const struct ops_ctx *c, struct json_object *dev, const char *action,
    struct json_object *req, struct json_object **after, char *err)
{
	const struct model_type *t = model_type_find(ops_jstr(dev, "type"));
	const char *id = ops_jstr(dev, "id"), *state = ops_jstr(dev, "state");
	struct json_object *props = NULL, *cur, *bind = NULL;
	int r, changed;

	if (t == NULL)
		return ops_errf(err, -EINVAL, "device '%s' has an unknown type '%s'", id,
		    ops_jstr(dev, "type"));
	if ((r = model_check_request(t, action, req, err, OPS_ERRLEN)) < 0)
		return r;
	/* A deep copy: the device object keeps its own properties. */
	if (!json_object_object_get_ex(dev, "properties", &cur) ||
	    json_object_deep_copy(cur, &props, NULL) != 0)
		return ops_errf(err, -ENOMEM, "out of memory");
	if (req != NULL) {
		json_object_object_foreach(req, key, val)
			json_object_object_add(props, key, json_object_get(val));
	}
	/* state may point into dev, which outlives this call. */
	if ((r = t->apply(action, req, props, &state, err, OPS_ERRLEN)) < 0)
		goto done;
	/* A real device changes when it says so: record the command. */
	if ((r = db_binding_get(c->db, id, &bind)) == 0) {
		r = ops_command_issue(c, dev, bind, state, props, after, err);
		goto done;
	}
	if (r != -ENOENT) {
		ops_db_err(err, r);
		goto done;
	}
	if ((changed = db_device_update(c->db, id, state, props)) < 0) {
		r = ops_db_err(err, changed);
		goto done;
	}
	if (t->settles_in != NULL && strcmp(state, t->settles_in) != 0 &&
	    (r = db_device_update(c->db, id, t->settles_in, props)) < 0) {
		ops_db_err(err, r);
		goto done;
	}
	if ((r = db_device_get(c->db, id, after)) < 0)
		ops_db_err(err, r);
	else
		r = changed;
done:
	json_object_put(bind);
	json_object_put(props);
	return r;
}

/* Adds a skipped device with its reason. */
void
ops_skip(struct json_object *skipped, const char *id, const char *reason)
{
	struct json_object *s = json_object_new_object();

	json_object_object_add(s, "id", json_object_new_string(id));
	json_object_object_add(s, "reason", json_object_new_string(reason));
	json_object_array_add(skipped, s);
}

/* For bulk requests: reject values that no type would accept (out of range
 * for everyone), so "brightness 500 in the kitchen" is an error, not a
 * list of skipped devices. */
static int
check_values_anywhere(struct json_object *req, char *err)
{
	const struct model_prop *p;
	int r;

	if (req == NULL)
		return 0;
	json_object_object_foreach(req, key, val) {
		if ((p = model_prop_any(key)) == NULL)
			return ops_errf(err, -EINVAL, "no device has a property '%s'", key);
		if ((r = model_prop_check(p, val, err, OPS_ERRLEN)) < 0)
			return r;
	}
	return 0;
}

struct json_object *
ops_result_new(struct json_object **devices, struct json_object **skipped)
{
	struct json_object *o = json_object_new_object();

	*devices = json_object_new_array();
	*skipped = json_object_new_array();
	json_object_object_add(o, "devices", *devices);
	json_object_object_add(o, "changed", json_object_new_int(0));
	json_object_object_add(o, "skipped", *skipped);
	return o;
}

/* Runs req against every device in list (a db array), within a transaction.
 * single: one named device, so its failure is the operation's failure. */
int
ops_control_list(const struct ops_ctx *c, struct json_object *list, const struct ops_control *req,
    bool single, struct json_object *devices, struct json_object *skipped, int *changed,
    char *err)
{
	char why[OPS_ERRLEN];
	size_t i, n = json_object_array_length(list);
	int r;

	for (i = 0; i < n; i++) {
		struct json_object *dev = json_object_array_get_idx(list, i), *after = NULL;
		const struct model_type *t = model_type_find(ops_jstr(dev, "type"));

		if (t == NULL || (r = model_check_request(t, req->action, req->props,
		    single ? err : why, single ? OPS_ERRLEN : sizeof(why))) < 0) {
			if (single)
				return t ? r : ops_errf(err, -EINVAL, "device '%s' has an unknown "
				    "type '%s'", ops_jstr(dev, "id"), ops_jstr(dev, "type"));
			ops_skip(skipped, ops_jstr(dev, "id"), t ? why : "unknown type");
			continue;
		}
		r = ops_confirm_check(c, req->confirm, dev, req->action, req->props, err);
		if (r == 0)
			r = ops_control_one(c, dev, req->action, req->props, &after, err);
		/* In bulk, an offline device is passed over like one that
		 * cannot do the action. */
		if (r == -EHOSTDOWN && !single) {
			ops_skip(skipped, ops_jstr(dev, "id"), err);
			continue;
		}
		/* In bulk, a device that needs confirmation stops the whole
		 * request: half a house unlocked is worse. */
		if (r < 0)
			return r;
		*changed += r;
		json_object_array_add(devices, after);
	}
	return 0;
}

/* The body of ops_control, inside the caller's transaction; on failure the
 * caller rolls back. */
static int
control_in_txn(const struct ops_ctx *c, const struct ops_control *req, struct json_object **out,
    char *err)
{
	struct json_object *list = NULL, *dev = NULL, *res = NULL, *devices, *skipped;
	int r, changed = 0;

	if (req->device_id != NULL) {
		if ((r = db_device_get(c->db, req->device_id, &dev)) < 0) {
			r = r == -ENOENT ? ops_unknown_device(c, req->device_id, err) : ops_db_err(err, r);
			goto done;
		}
		list = json_object_new_array();
		json_object_array_add(list, dev);
	} else {
		if ((r = ops_check_room(c, req->room, err)) < 0)
			goto done;
		if ((r = db_devices(c->db, req->room, req->type, &list)) < 0) {
			ops_db_err(err, r);
			goto done;
		}
	}
	res = ops_result_new(&devices, &skipped);
	if ((r = ops_control_list(c, list, req, req->device_id != NULL, devices, skipped, &changed,
	    err)) < 0)
		goto done;
	if (json_object_array_length(devices) == 0) {
		r = ops_errf(err, -ENOENT, "no device%s%s%s%s supports '%s'",
		    req->room ? " in " : "", req->room ? req->room : "",
		    req->type ? " of type " : "", req->type ? req->type : "", req->action);
		goto done;
	}
	json_object_object_add(res, "changed", json_object_new_int(changed));
	ops_result_commands(res);
	*out = res;
	res = NULL;
done:
	json_object_put(list);
	json_object_put(res);
	return r;
}

/* Checks what can be checked before touching the database. */
static int
control_precheck(const struct ops_control *req, char *err)
{
	int r;

	if (req->action == NULL)
		return ops_errf(err, -EINVAL, "an action is required");
	if (req->props != NULL && !json_object_is_type(req->props, json_type_object))
		return ops_errf(err, -EINVAL, "properties must be an object");
	if (req->device_id == NULL && req->room == NULL && req->type == NULL)
		return ops_errf(err, -EINVAL, "name a device_id, or a room and/or device_type for "
		    "a bulk action");
	if (req->device_id == NULL) {
		if (!str_in(req->action, model_actions))
			return model_check_request(&model_types[0], req->action, NULL, err,
			    OPS_ERRLEN);
		if ((r = check_values_anywhere(req->props, err)) < 0 ||
		    (req->type != NULL && (r = ops_check_type(req->type, err)) < 0))
			return r;
	}
	return 0;
}

int
ops_control(const struct ops_ctx *c, const struct ops_control *req, struct json_object **out,
    char *err)
{
	struct ops_txn t;
	int r;

	*out = NULL;
	if ((r = control_precheck(req, err)) < 0 || (r = ops_txn_begin(c, &t, err)) < 0)
		return r;
	if ((r = control_in_txn(c, req, out, err)) < 0) {
		db_rollback(c->db);
		return r;
	}
	if ((r = ops_txn_commit(&t, err)) < 0) {
		json_object_put(*out);
		*out = NULL;
	}
	return r;
}


int
ops_feed_fish(const struct ops_ctx *c, bool confirm, struct json_object **out, char *err)
{
	struct ops_control req = { .type = "fish_feeder", .action = "feed", .confirm = confirm };

	return ops_control(c, &req, out, err);
}

int
ops_ev_charging(const struct ops_ctx *c, bool start, bool confirm, struct json_object **out,
    char *err)
{
	struct ops_control req = { .type = "ev_charger", .action = start ? "start" : "stop",
		.confirm = confirm };

	return ops_control(c, &req, out, err);
}

