/* SPDX-License-Identifier: MIT */
/* ops_mode.c -- the home's modes: reading the active one, listing them,
 * and switching, which applies the mode's scene in one transaction. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "ops_internal.h"

int
ops_mode_get(const struct ops_ctx *c, struct json_object **out, char *err)
{
	char *mode = NULL;
	int r;

	if ((r = db_mode_get(c->db, &mode)) < 0)
		return r == -ENOENT ? ops_errf(err, r, "this home has no modes yet (homectl init)") :
		    ops_db_err(err, r);
	r = db_mode_describe(c->db, mode, out);
	if (r == -ENOENT) {
		/* Someone set a mode with no scene by hand; still report it. */
		*out = json_object_new_object();
		json_object_object_add(*out, "name", json_object_new_string(mode));
		json_object_object_add(*out, "description", json_object_new_string(""));
		json_object_object_add(*out, "scene", json_object_new_array());
		r = 0;
	}
	free(mode);
	if (r < 0)
		return ops_db_err(err, r);
	/* "mode" is what the seed's get_home_mode answered. */
	json_object_object_add(*out, "mode",
	    json_object_get(json_object_object_get(*out, "name")));
	return 0;
}

int
ops_modes(const struct ops_ctx *c, struct json_object **out, char *err)
{
	int r;

	return (r = db_modes(c->db, out)) < 0 ? ops_db_err(err, r) : 0;
}

int
ops_mode_set(const struct ops_ctx *c, const char *mode, bool confirm, struct json_object **out,
    char *err)
{
	struct json_object *desc = NULL, *scene, *res = NULL, *devices, *skipped, *list = NULL;
	char *previous = NULL;
	struct ops_txn t;
	int r, changed = 0;
	size_t i, n;

	*out = NULL;
	if (mode == NULL)
		return ops_errf(err, -EINVAL, "a mode is required");
	if ((r = ops_txn_begin(c, &t, err)) < 0)
		return r;
	if ((r = db_mode_describe(c->db, mode, &desc)) < 0) {
		if (r == -ENOENT) {
			struct json_object *all = NULL;
			char names[256] = "";
			size_t off = 0;

			if (db_modes(c->db, &all) == 0) {
				n = json_object_array_length(all);
				for (i = 0; i < n && off < sizeof(names); i++) {
					int k = snprintf(names + off, sizeof(names) - off, "%s%s",
					    i ? ", " : "", ops_jstr(json_object_array_get_idx(all, i),
						"name"));
					off += k > 0 ? (size_t)k : 0;
				}
				json_object_put(all);
			}
			r = ops_errf(err, -ENOENT, "unknown mode '%s': use one of %s", mode, names);
		} else {
			ops_db_err(err, r);
		}
		goto fail;
	}
	if ((r = ops_confirm_check(c, confirm, NULL, NULL, NULL, err)) < 0)
		goto fail;
	if ((r = db_mode_get(c->db, &previous)) < 0 && r != -ENOENT) {
		ops_db_err(err, r);
		goto fail;
	}
	res = ops_result_new(&devices, &skipped);
	scene = json_object_object_get(desc, "scene");
	n = json_object_array_length(scene);
	for (i = 0; i < n; i++) {
		struct json_object *step = json_object_array_get_idx(scene, i), *dev = NULL;
		struct json_object *props = json_object_object_get(step, "properties");
		struct ops_control one = {
			.device_id = ops_jstr(step, "device_id"),
			.action = ops_jstr(step, "action"),
			.props = json_object_object_length(props) ? props : NULL,
			/* A scene that opens the home asks like any request. */
			.confirm = confirm,
		};

		if (db_device_get(c->db, one.device_id, &dev) < 0) {
			ops_skip(skipped, one.device_id, "no such device any more");
			continue;
		}
		list = json_object_new_array();
		json_object_array_add(list, dev);
		r = ops_control_list(c, list, &one, true, devices, skipped, &changed, err);
		json_object_put(list);
		list = NULL;
		/* An offline device does not stop the rest of the scene. */
		if (r == -EHOSTDOWN) {
			ops_skip(skipped, one.device_id, err);
			continue;
		}
		if (r < 0) {
			char why[OPS_ERRLEN];

			/* A scene step the model rejects is a broken scene:
			 * report it instead of half-applying the mode. */
			snprintf(why, sizeof(why), "mode '%s', step %zu (%s %s): %s", mode, i + 1,
			    one.action, one.device_id, err);
			r = ops_errf(err, r, "%s", why);
			goto fail;
		}
	}
	if ((r = db_mode_set(c->db, mode)) < 0) {
		ops_db_err(err, r);
		goto fail;
	}
	json_object_object_add(res, "mode", json_object_new_string(mode));
	json_object_object_add(res, "previous", previous ? json_object_new_string(previous) : NULL);
	json_object_object_add(res, "description",
	    json_object_get(json_object_object_get(desc, "description")));
	json_object_object_add(res, "changed", json_object_new_int(changed));
	ops_result_commands(res);
	if ((r = ops_txn_commit(&t, err)) < 0)
		goto done;
	*out = res;
	res = NULL;
	goto done;
fail:
	db_rollback(c->db);
done:
	free(previous);
	json_object_put(desc);
	json_object_put(res);
	return r;
}


int
ops_mode_consent(const struct ops_ctx *c, const char *mode, struct json_object **out,
    char *err)
{
	struct json_object *desc = NULL, *scene, *list;
	char why[OPS_ERRLEN];
	size_t i, n;
	int r;

	*out = NULL;
	if (mode == NULL)
		return ops_errf(err, -EINVAL, "a mode is required");
	if ((r = db_mode_describe(c->db, mode, &desc)) < 0)
		return r == -ENOENT ? ops_errf(err, r, "unknown mode '%s'", mode) :
		    ops_db_err(err, r);
	list = json_object_new_array();
	scene = json_object_object_get(desc, "scene");
	n = json_object_array_length(scene);
	for (i = 0; i < n; i++) {
		struct json_object *step = json_object_array_get_idx(scene, i), *dev = NULL, *one;
		struct json_object *props = json_object_object_get(step, "properties");
		const char *action = ops_jstr(step, "action");

		/* A step on a device gone is skipped when the mode is set. */
		if (action == NULL || db_device_get(c->db, ops_jstr(step, "device_id"), &dev) < 0)
			continue;
		/* The same question ops_mode_set asks of this step, without
		 * the yes: -EPERM is "the user must say yes to this". */
		if (ops_confirm_check(c, false, dev, action,
		    json_object_object_length(props) ? props : NULL, why) == -EPERM) {
			one = json_object_new_object();
			json_object_object_add(one, "device",
			    json_object_get(json_object_object_get(dev, "id")));
			json_object_object_add(one, "name",
			    json_object_get(json_object_object_get(dev, "name")));
			json_object_object_add(one, "action", json_object_new_string(action));
			json_object_array_add(list, one);
		}
		json_object_put(dev);
	}
	json_object_put(desc);
	*out = list;
	return 0;
}
