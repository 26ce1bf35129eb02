/* SPDX-License-Identifier: MIT */
/* model.h -- the device model: one table that declares, for every device
 * type, its states, its actions and its properties (type, range, unit,
 * read-only), and how each action changes a device.  Every write is checked
 * against it, and the MCP tool schemas, the OpenAPI document and the CLI's
 * help are generated from it. */
#ifndef HOMECTL_MODEL_H
#define HOMECTL_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

enum model_kind {
	MODEL_INT,	/* JSON integer within [min, max] */
	MODEL_NUMBER,	/* JSON number within [min, max] */
	MODEL_ENUM,	/* one of choices */
	MODEL_STRING,
	MODEL_BOOL,
	MODEL_TIME,	/* UTC ISO 8601 string, set by homectl */
};

struct model_prop {
	const char *name;		/* "brightness" */
	enum model_kind kind;
	double min, max;		/* MODEL_INT, MODEL_NUMBER */
	const char *const *choices;	/* MODEL_ENUM: NULL-ended */
	const char *unit;		/* "%", "K", "°F", "min" or NULL */
	bool read_only;			/* reported by the device, never set by a client */
	const char *description;
};

/* How an action changes a device.  req holds the client's validated values
 * (may be NULL); props is the device's property object (owned by the
 * caller) with req already merged in.  The function updates props and
 * *state in place (*state points at a static string afterwards).  Returns
 * 0, or -EINVAL with a sentence in err. */
typedef int model_apply_fn(const char *action, struct json_object *req,
    struct json_object *props, const char **state, char *err, size_t errlen);

struct model_type {
	const char *name;		/* "light" */
	const char *label;		/* "Light" */
	const char *const *states;	/* NULL-ended */
	const char *const *actions;	/* NULL-ended */
	const struct model_prop *props;	/* ends with name == NULL */
	const char *sensor;		/* what get_sensor_reading serves, or NULL */
	model_apply_fn *apply;
	/* For momentary actions: the state the device settles in right after
	 * (the fish feeder reports "feeding", then "idle"), or NULL. */
	const char *settles_in;
	/* What `homectl device add` gives a new device: a state of states[]
	 * and the properties as JSON text (valid for the type: model tests). */
	const char *initial_state;
	const char *initial_props;
};

/* All types; the array ends with name == NULL. */
extern const struct model_type model_types[];
/* Every action, state, type name and sensor kind, NULL-ended, for schemas. */
extern const char *const model_actions[];
extern const char *const model_states[];
extern const char *const model_type_names[];
extern const char *const model_sensor_kinds[];
/* The home modes homectl knows how to describe; the scenes live in the db. */
extern const char *const model_modes[];

/* NULL when unknown.  Borrowed, static. */
const struct model_type *model_type_find(const char *name);
const struct model_prop *model_prop_find(const struct model_type *t, const char *name);
/* A property of any type by name (for schemas), NULL when none has it. */
const struct model_prop *model_prop_any(const char *name);
bool model_has_action(const struct model_type *t, const char *action);
bool model_has_state(const struct model_type *t, const char *state);

/* true when action (with the client's values req, may be NULL) on a device
 * of type t now in state `state` opens the home (unlocking a lock, opening
 * a garage) and so needs the user's explicit confirmation. */
bool model_opens_home(const struct model_type *t, const char *action, const char *state,
    struct json_object *req);

/* Validates one client-supplied value for p: kind, range, enum, and that p is
 * writable.  0 or -EINVAL/-ERANGE with a sentence naming the property. */
int model_prop_check(const struct model_prop *p, struct json_object *v,
    char *err, size_t errlen);
/* Whether v has the JSON kind p holds (a number for a number...), range
 * and choices apart: what a reader asks of a value someone else stored, so
 * that code reading p gets the kind it expects. */
bool model_value_fits(const struct model_prop *p, struct json_object *v);

/* Validates that action is valid for t and that every key of props (may be
 * NULL) is a writable property of t accepted by that action.  0 or -EINVAL
 * / -ERANGE with a sentence in err. */
int model_check_request(const struct model_type *t, const char *action,
    struct json_object *props, char *err, size_t errlen);

/* true when a device's reported state and properties hold what a command
 * asked for (want_state and want_props may be NULL), with the tolerance a
 * real device's units need: colour temperature compared in mired (devices
 * count in mired), temperatures to 1 °F (they count in steps of 0.5 °C).
 * An on/off device asked to be off is compared on its state alone (a bulb
 * keeps its brightness while off). */
bool model_satisfies(const char *want_state, struct json_object *want_props,
    const char *got_state, struct json_object *got_props);

/* JSON Schema (draft 2020-12 subset) for property p.  Caller puts. */
struct json_object *model_prop_schema(const struct model_prop *p);
/* {"light": {"states": [...], "actions": [...], "properties": {...}}, ...}
 * for /api/openapi.json and `homectl types`.  Caller puts. */
struct json_object *model_describe(void);

#endif
