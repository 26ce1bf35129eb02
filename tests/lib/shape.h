/* SPDX-License-Identifier: MIT */
/* shape.h -- what db.h promises about every object it returns, checked:
 * each field there with its JSON type, UTF-8 strings, types, states and
 * actions the model knows.  Shared by the unit tests and the fuzz targets
 * (so no cmocka here: each returns NULL when the object keeps its promise,
 * or a static sentence saying what is wrong). */
#ifndef HOMECTL_SHAPE_H
#define HOMECTL_SHAPE_H

#include <json-c/json.h>

const char *shape_device(struct json_object *d);
const char *shape_change(struct json_object *c);
const char *shape_room(struct json_object *r);
const char *shape_mode(struct json_object *m);
const char *shape_token(struct json_object *t);
const char *shape_automation(struct json_object *a);
const char *shape_run(struct json_object *r);
/* Every element of array a with one of the above; NULL for a missing array
 * is an error too. */
const char *shape_all(struct json_object *a, const char *(*one)(struct json_object *));

#endif
