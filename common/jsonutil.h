/* SPDX-License-Identifier: MIT */
/* jsonutil.h -- typed getters over json-c objects, after Mosquitto's
 * json_help: each returns 0, -ENOENT when a required key is missing, or
 * -EINVAL when the value has the wrong type.  Optional keys that are
 * missing leave *out = def and return 0.
 *
 * Ownership, one rule for every helper here (and json-c's own
 * json_object_object_add works the same way):
 *   - a json_object reference that changes hands is consumed: one a helper
 *     keeps is the caller's reference passing to it, one a helper returns
 *     (as its result or through an out parameter) is the caller's to put;
 *   - the exceptions hand back an object still owned by its parent and say
 *     so in their name, _borrow: valid while the parent lives unchanged;
 *     never put it (json-c#747);
 *   - an object a helper only reads during the call (the obj of the
 *     getters) stays the caller's;
 *   - a C string (const char *) is never owned by the caller: it is
 *     borrowed from the object it came from, with the lifetime stated. */
#ifndef HOMECTL_JSONUTIL_H
#define HOMECTL_JSONUTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>

/* *out borrowed from obj. */
int json_get_string(struct json_object *obj, const char *key, const char **out,
    bool optional, const char *def);
int json_get_int(struct json_object *obj, const char *key, int64_t *out,
    bool optional, int64_t def);
int json_get_bool(struct json_object *obj, const char *key, bool *out,
    bool optional, bool def);
/* *out: obj's child object, borrowed from obj; the value must be an
 * object. */
int json_get_object_borrow(struct json_object *obj, const char *key, struct json_object **out,
    bool optional);

/* Compact serialisation without escaping '/': borrowed, valid until obj is
 * changed or freed. */
const char *json_compact(struct json_object *obj);

/* Parses exactly one JSON value from a buffer of len bytes; trailing
 * whitespace is allowed, anything else is an error.  Caller puts the
 * result.  NULL on error with a message in err. */
struct json_object *json_parse_strict(const char *buf, size_t len, char *err, size_t errlen);

/* True when the JSON text buf (len bytes, already parsed successfully) has
 * a string, key or value, holding U+0000, escaped as \u0000 or raw.
 * json-c keeps such a string whole, but every C string consumer (SQLite
 * binds, strcmp, logs) would see it cut short at the NUL: callers refuse
 * the text instead. */
bool json_text_has_nul(const char *buf, size_t len);

#endif
