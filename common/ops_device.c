/* SPDX-License-Identifier: MIT */
/* ops_device.c -- real devices: the commands a control records for a bound
 * device, what the device reports, its availability, the bindings a driver
 * creates, and what a caller waiting for a command learns.
 *
 * The database is the bus.  A control of a bound device writes a pending
 * command (its feed row tells homectl-mqtt to send it); the device keeps the
 * state it reported.  homectl-mqtt writes the device's reports back through
 * ops_report with source "device", which confirms the command when the
 * device now is as the command asked.  A command nobody confirmed fails at
 * its deadline (ops_commands_expire, or the waiting caller itself). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "ops_internal.h"
#include "util.h"

/* What a command that timed out says, after the device's id. */
#define NO_RESPONSE "no response before the deadline"

int64_t
ops_command_timeout(const struct ops_ctx *c)
{
	return c->command_timeout_ms > 0 ? c->command_timeout_ms : OPS_COMMAND_TIMEOUT_MS;
}

static const char *
driver_label(const char *driver)
{
	if (driver == NULL)
		return "its driver";
	if (strcmp(driver, "z2m") == 0)
		return "Zigbee2MQTT";
	if (strcmp(driver, "tasmota") == 0)
		return "Tasmota";
	if (strcmp(driver, "shelly") == 0)
		return "Shelly";
	return driver;
}

int
ops_command_issue(const struct ops_ctx *c, struct json_object *dev, struct json_object *bind,
    const char *state, struct json_object *props, struct json_object **after, char *err)
{
	const char *id = ops_jstr(dev, "id");
	struct json_object *cur = NULL, *diff = json_object_new_object(), *pending = NULL;
	int64_t cid;
	int r;

	if (ops_is(bind, "available", "offline")) {
		r = ops_errf(err, -EHOSTDOWN, "%s is offline (%s cannot reach it); it can be "
		    "controlled again when it is back", id, driver_label(ops_jstr(bind, "driver")));
		goto done;
	}
	/* Only what changes is sent: the device keeps the rest. */
	json_object_object_get_ex(dev, "properties", &cur);
	json_object_object_foreach(props, key, val) {
		struct json_object *was = NULL;

		if (cur == NULL || !json_object_object_get_ex(cur, key, &was) ||
		    !json_object_equal(was, val))
			json_object_object_add(diff, key, json_object_get(val));
	}
	if (db_command_pending(c->db, id, &pending) < 0)
		pending = NULL;
	/* Already so, and nothing else under way: nothing to send. */
	if (pending == NULL && ops_is(dev, "state", state) &&
	    json_object_object_length(diff) == 0) {
		r = db_device_get(c->db, id, after) < 0 ? ops_db_err(err, -EIO) : 0;
		goto done;
	}
	if ((r = db_commands_supersede(c->db, id)) < 0 ||
	    (r = db_command_add(c->db, id, state, diff, ops_source_name(c->source),
		ops_command_timeout(c), &cid)) < 0 ||
	    (r = db_device_get(c->db, id, after)) < 0) {
		ops_db_err(err, r);
		goto done;
	}
	r = 1;
done:
	json_object_put(pending);
	json_object_put(diff);
	return r;
}

void
ops_result_commands(struct json_object *result)
{
	struct json_object *devices, *ids = json_object_new_array(), *k, *v;
	size_t i, n;

	if (json_object_object_get_ex(result, "devices", &devices)) {
		n = json_object_array_length(devices);
		for (i = 0; i < n; i++) {
			struct json_object *d = json_object_array_get_idx(devices, i);

			if (json_object_object_get_ex(d, "pending", &k) && k != NULL &&
			    json_object_object_get_ex(k, "id", &v))
				json_object_array_add(ids, json_object_get(v));
		}
	}
	json_object_object_add(result, "commands", ids);
}

/* The sentence for a command that did not succeed. */
static int
command_error(const struct ops_ctx *c, struct json_object *k, char *err)
{
	const char *id = ops_jstr(k, "device_id"), *status = ops_jstr(k, "status");
	const char *why = ops_jstr(k, "error");
	struct json_object *dev = NULL;
	char now[128] = "";
	int r;

	if (db_device_get(c->db, id, &dev) == 0) {
		snprintf(now, sizeof(now), "; it keeps its reported state (%s)",
		    ops_jstr(dev, "state") ? ops_jstr(dev, "state") : "unknown");
	}
	if (status != NULL && strcmp(status, "superseded") == 0)
		r = ops_errf(err, -ECANCELED, "a newer command to %s replaced this one", id);
	else if (dev != NULL && ops_is(dev, "available", "offline"))
		r = ops_errf(err, -EHOSTDOWN, "%s went offline before it confirmed the command%s",
		    id, now);
	else if (why == NULL || strcmp(why, NO_RESPONSE) == 0)
		r = ops_errf(err, -ETIMEDOUT, "%s did not respond within %.1f s (%s)%s", id,
		    (double)ops_command_timeout(c) / 1000.0, driver_label(ops_jstr(k, "driver")),
		    now);
	else
		r = ops_errf(err, -ETIMEDOUT, "%s did not do it: %s%s", id, why, now);
	json_object_put(dev);
	return r;
}

int
ops_outcome(const struct ops_ctx *c, struct json_object *result, bool give_up,
    struct json_object **out, char *err)
{
	struct json_object *ids = NULL, *k = NULL, *devices, *fresh = NULL, *list;
	size_t i, n;
	int r = 1;

	*out = NULL;
	if (!json_object_object_get_ex(result, "commands", &ids) ||
	    json_object_array_length(ids) == 0) {
		*out = json_object_get(result);
		return 1;
	}
	n = json_object_array_length(ids);
	for (i = 0; i < n && r > 0; i++) {
		int64_t id = json_object_get_int64(json_object_array_get_idx(ids, i));

		if ((r = db_command_get(c->db, id, &k)) < 0)
			return ops_db_err(err, r);
		r = 1;
		if (ops_is(k, "status", "pending")) {
			r = 0;
			if (give_up) {
				struct ops_txn t;

				if ((r = ops_txn_begin(c, &t, err)) < 0)
					goto done;
				if ((r = db_command_settle(c->db, id, "failed", NO_RESPONSE)) < 0) {
					db_rollback(c->db);
					ops_db_err(err, r);
					goto done;
				}
				if ((r = ops_txn_commit(&t, err)) < 0)
					goto done;
				json_object_put(k);
				if ((r = db_command_get(c->db, id, &k)) < 0)
					return ops_db_err(err, r);
				r = command_error(c, k, err);
			}
		} else if (!ops_is(k, "status", "confirmed")) {
			r = command_error(c, k, err);
		}
		json_object_put(k);
		k = NULL;
	}
	if (r <= 0)
		goto done;
	/* All confirmed: answer with the devices as they reported. */
	fresh = json_object_new_object();
	list = json_object_new_array();
	if (json_object_object_get_ex(result, "devices", &devices)) {
		n = json_object_array_length(devices);
		for (i = 0; i < n; i++) {
			struct json_object *d = NULL;

			if (db_device_get(c->db, ops_jstr(json_object_array_get_idx(devices, i), "id"),
			    &d) == 0)
				json_object_array_add(list, d);
		}
	}
	json_object_object_add(fresh, "devices", list);
	json_object_object_foreach(result, key, val) {
		if (strcmp(key, "devices") != 0)
			json_object_object_add(fresh, key, json_object_get(val));
	}
	*out = fresh;
	r = 1;
done:
	json_object_put(k);
	return r;
}

/* A device may report what clients may not set (power, current_temp): the
 * model's kinds and ranges, without the read-only rule. */
static int
reported_value_check(const struct model_prop *p, struct json_object *v, char *err)
{
	struct model_prop q = *p;

	q.read_only = false;
	return model_prop_check(&q, v, err, OPS_ERRLEN);
}

int
ops_report(const struct ops_ctx *c, const char *device_id, struct json_object *report,
    struct json_object **out, char *err)
{
	struct json_object *dev = NULL, *props = NULL, *cur, *rprops = NULL, *v, *k = NULL;
	const struct model_type *t;
	const char *state;
	struct ops_txn tx;
	int r;

	*out = NULL;
	if ((r = ops_txn_begin(c, &tx, err)) < 0)
		return r;
	if ((r = db_device_get(c->db, device_id, &dev)) < 0) {
		r = r == -ENOENT ? ops_unknown_device(c, device_id, err) : ops_db_err(err, r);
		goto fail;
	}
	if ((t = model_type_find(ops_jstr(dev, "type"))) == NULL) {
		r = ops_errf(err, -EINVAL, "device '%s' has an unknown type", device_id);
		goto fail;
	}
	state = ops_jstr(dev, "state");
	if (json_object_object_get_ex(report, "state", &v) && v != NULL) {
		if (!json_object_is_type(v, json_type_string) ||
		    !model_has_state(t, json_object_get_string(v))) {
			r = ops_errf(err, -EINVAL, "a %s cannot be in state %s", t->name,
			    json_object_to_json_string(v));
			goto fail;
		}
		state = json_object_get_string(v);
	}
	if (!json_object_object_get_ex(dev, "properties", &cur) ||
	    json_object_deep_copy(cur, &props, NULL) != 0) {
		r = ops_errf(err, -ENOMEM, "out of memory");
		goto fail;
	}
	if (json_object_object_get_ex(report, "properties", &rprops) && rprops != NULL) {
		if (!json_object_is_type(rprops, json_type_object)) {
			r = ops_errf(err, -EINVAL, "reported properties must be an object");
			goto fail;
		}
		json_object_object_foreach(rprops, key, val) {
			const struct model_prop *p = model_prop_find(t, key);

			if (p == NULL) {
				r = ops_errf(err, -EINVAL, "a %s has no property '%s'", t->name, key);
				goto fail;
			}
			if ((r = reported_value_check(p, val, err)) < 0)
				goto fail;
			json_object_object_add(props, key, json_object_get(val));
		}
	}
	/* A motion sensor's report of motion is the time of the last one. */
	if (strcmp(state, "motion") == 0 && model_prop_find(t, "last_motion") != NULL) {
		char now[40];

		json_object_object_add(props, "last_motion",
		    json_object_new_string(utc_now(now, sizeof(now))));
	}
	if ((r = db_device_update(c->db, device_id, state, props)) < 0) {
		ops_db_err(err, r);
		goto fail;
	}
	/* The command this report answers, if it does. */
	if ((r = db_command_pending(c->db, device_id, &k)) == 0) {
		struct json_object *want = NULL;

		json_object_object_get_ex(k, "properties", &want);
		if (model_satisfies(ops_jstr(k, "state"), want, state, props) &&
		    (r = db_command_settle(c->db, json_object_get_int64(
			json_object_object_get(k, "id")), "confirmed", NULL)) < 0) {
			ops_db_err(err, r);
			goto fail;
		}
	} else if (r != -ENOENT) {
		ops_db_err(err, r);
		goto fail;
	}
	if ((r = ops_txn_commit(&tx, err)) < 0)
		goto done;
	if ((r = db_device_get(c->db, device_id, out)) < 0)
		ops_db_err(err, r);
	goto done;
fail:
	db_rollback(c->db);
done:
	json_object_put(k);
	json_object_put(props);
	json_object_put(dev);
	return r < 0 ? r : 0;
}

/* Fails the pending command of device_id because it went offline. */
static int
fail_pending(const struct ops_ctx *c, const char *device_id, char *err)
{
	struct json_object *k = NULL;
	int r;

	if ((r = db_command_pending(c->db, device_id, &k)) == -ENOENT)
		return 0;
	if (r == 0)
		r = db_command_settle(c->db, json_object_get_int64(json_object_object_get(k, "id")),
		    "failed", "it went offline");
	json_object_put(k);
	return r < 0 ? ops_db_err(err, r) : 0;
}

int
ops_available(const struct ops_ctx *c, const char *device_id, const char *driver,
    const char *available, char *err)
{
	static const char *const words[] = { "online", "offline", "unknown", NULL };
	struct json_object *all = NULL;
	struct ops_txn t;
	int r;

	if (available == NULL || !str_in(available, words))
		return ops_errf(err, -EINVAL, "availability is online, offline or unknown");
	if ((r = ops_txn_begin(c, &t, err)) < 0)
		return r;
	if (device_id != NULL) {
		if ((r = db_binding_available(c->db, device_id, available)) < 0) {
			ops_db_err(err, r);
			goto fail;
		}
		if (strcmp(available, "offline") == 0 && (r = fail_pending(c, device_id, err)) < 0)
			goto fail;
	} else {
		if ((r = db_bindings_available(c->db, driver, available)) < 0) {
			ops_db_err(err, r);
			goto fail;
		}
		if (strcmp(available, "offline") == 0) {
			size_t i, n;

			if ((r = db_bindings(c->db, driver, &all)) < 0) {
				ops_db_err(err, r);
				goto fail;
			}
			n = json_object_array_length(all);
			for (i = 0; i < n; i++)
				if ((r = fail_pending(c, ops_jstr(json_object_array_get_idx(all, i),
				    "device_id"), err)) < 0)
					goto fail;
		}
	}
	json_object_put(all);
	return ops_txn_commit(&t, err);
fail:
	json_object_put(all);
	db_rollback(c->db);
	return r;
}

/* The state a new device starts in until it reports: its idle one. */
static const char *
initial_state(const struct model_type *t)
{
	static const char *const rest[] = { "off", "closed", "idle", "no_motion", "active", NULL };

	for (const char *const *s = rest; *s != NULL; s++)
		if (model_has_state(t, *s))
			return *s;
	return t->states[0];
}

int
ops_bind(const struct ops_ctx *c, struct json_object *entry, char **device_id, char *err)
{
	const char *driver = ops_jstr(entry, "driver"), *address = ops_jstr(entry, "address");
	const char *want = ops_jstr(entry, "id"), *name = ops_jstr(entry, "name");
	const char *type = ops_jstr(entry, "type"), *ieee = ops_jstr(entry, "ieee");
	struct json_object *caps = NULL, *ec, *probe = NULL;
	const struct model_type *t = model_type_find(type);
	char *id = NULL, tryid[96];
	struct ops_txn tx;
	int r;

	*device_id = NULL;
	if (driver == NULL || address == NULL || want == NULL || t == NULL)
		return ops_errf(err, -EINVAL, "a binding needs a driver, an address, an id and a "
		    "known type");
	caps = json_object_new_object();
	if (json_object_object_get_ex(entry, "caps", &ec) && json_object_is_type(ec,
	    json_type_object)) {
		json_object_object_foreach(ec, key, val) {
			json_object_object_add(caps, key, json_object_get(val));
		}
	}
	/* The IEEE address is what survives a rename in Zigbee2MQTT. */
	if (ieee != NULL)
		json_object_object_add(caps, "ieee", json_object_new_string(ieee));
	if ((r = ops_txn_begin(c, &tx, err)) < 0)
		goto done;
	r = db_binding_find(c->db, driver, address, &id);
	if (r == -ENOENT && ieee != NULL)
		r = db_binding_find_ieee(c->db, driver, ieee, ops_jstr(caps, "endpoint"), &id);
	if (r == -ENOENT) {
		/* A new device: its id from the name, unless that id is
		 * another device's. */
		snprintf(tryid, sizeof(tryid), "%s", want);
		for (int i = 2; (r = db_device_get(c->db, tryid, &probe)) == 0 && i < 100; i++) {
			json_object_put(probe);
			probe = NULL;
			snprintf(tryid, sizeof(tryid), "%.80s_%d", want, i);
		}
		json_object_put(probe);
		if (r != -ENOENT) {
			r = r == 0 ? ops_errf(err, -EEXIST, "no free id for %s", want) :
			    ops_db_err(err, r);
			goto fail;
		}
		if ((r = db_device_add(c->db, tryid, name ? name : tryid, type, NULL,
		    initial_state(t), NULL)) < 0) {
			ops_db_err(err, r);
			goto fail;
		}
		if ((id = strdup(tryid)) == NULL) {
			r = ops_errf(err, -ENOMEM, "out of memory");
			goto fail;
		}
	} else if (r < 0) {
		ops_db_err(err, r);
		goto fail;
	}
	if ((r = db_binding_set(c->db, id, driver, address, caps)) < 0) {
		r = r == -EEXIST ? ops_errf(err, r, "%s %s is bound to another device", driver,
		    address) : ops_db_err(err, r);
		goto fail;
	}
	if ((r = ops_txn_commit(&tx, err)) < 0)
		goto done;
	*device_id = id;
	id = NULL;
	r = 0;
	goto done;
fail:
	db_rollback(c->db);
done:
	free(id);
	json_object_put(caps);
	return r;
}

int
ops_commands_expire(const struct ops_ctx *c, int64_t *next_ms, char *err)
{
	struct ops_txn t;
	int64_t n = 0;
	int r;

	*next_ms = -1;
	if ((r = ops_txn_begin(c, &t, err)) < 0)
		return r;
	if ((r = db_commands_expire(c->db, NO_RESPONSE, &n, next_ms)) < 0) {
		db_rollback(c->db);
		return ops_db_err(err, r);
	}
	if (n == 0) {
		/* Nothing written: no need to commit a write. */
		db_rollback(c->db);
		return 0;
	}
	return ops_txn_commit(&t, err);
}

int
ops_command_fail(const struct ops_ctx *c, int64_t id, const char *why, char *err)
{
	struct ops_txn t;
	int r;

	if ((r = ops_txn_begin(c, &t, err)) < 0)
		return r;
	if ((r = db_command_settle(c->db, id, "failed", why)) < 0) {
		db_rollback(c->db);
		return ops_db_err(err, r);
	}
	return ops_txn_commit(&t, err);
}
