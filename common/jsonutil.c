/* SPDX-License-Identifier: MIT */
/* jsonutil.c -- typed getters over json-c objects and a strict parser. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "jsonutil.h"

/* Looks key up; returns 1 and the borrowed child when present and not
 * null, 0 when absent (or JSON null, which we treat as absent). */
static int
lookup(struct json_object *obj, const char *key, struct json_object **out)
{
	if (obj == NULL || !json_object_is_type(obj, json_type_object))
		return 0;
	if (!json_object_object_get_ex(obj, key, out) || *out == NULL)
		return 0;
	return 1;
}

int
json_get_string(struct json_object *obj, const char *key, const char **out, bool optional,
    const char *def)
{
	struct json_object *v;

	if (!lookup(obj, key, &v)) {
		*out = def;
		return optional ? 0 : -ENOENT;
	}
	if (!json_object_is_type(v, json_type_string))
		return -EINVAL;
	*out = json_object_get_string(v);
	return 0;
}

int
json_get_int(struct json_object *obj, const char *key, int64_t *out, bool optional, int64_t def)
{
	struct json_object *v;

	if (!lookup(obj, key, &v)) {
		*out = def;
		return optional ? 0 : -ENOENT;
	}
	if (!json_object_is_type(v, json_type_int))
		return -EINVAL;
	errno = 0;
	*out = json_object_get_int64(v);
	/* json-c saturates out-of-range integers and says so in errno. */
	return errno == 0 ? 0 : -EINVAL;
}

int
json_get_bool(struct json_object *obj, const char *key, bool *out, bool optional, bool def)
{
	struct json_object *v;

	if (!lookup(obj, key, &v)) {
		*out = def;
		return optional ? 0 : -ENOENT;
	}
	if (!json_object_is_type(v, json_type_boolean))
		return -EINVAL;
	*out = json_object_get_boolean(v);
	return 0;
}

int
json_get_object_borrow(struct json_object *obj, const char *key, struct json_object **out,
    bool optional)
{
	struct json_object *v;

	*out = NULL;
	if (!lookup(obj, key, &v))
		return optional ? 0 : -ENOENT;
	if (!json_object_is_type(v, json_type_object))
		return -EINVAL;
	*out = v;
	return 0;
}

const char *
json_compact(struct json_object *obj)
{
	return json_object_to_json_string_ext(obj,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

struct json_object *
json_parse_strict(const char *buf, size_t len, char *err, size_t errlen)
{
	struct json_tokener *tok;
	struct json_object *obj = NULL;
	enum json_tokener_error jerr;
	size_t used, i;

	if (len > (size_t)INT32_MAX) {
		snprintf(err, errlen, "input too large");
		return NULL;
	}
	tok = json_tokener_new_ex(64);
	if (tok == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	obj = json_tokener_parse_ex(tok, buf, (int)len);
	jerr = json_tokener_get_error(tok);
	if (jerr == json_tokener_continue && obj == NULL) {
		/* A bare top-level number is only finished by what follows it. */
		obj = json_tokener_parse_ex(tok, " ", 1);
		jerr = json_tokener_get_error(tok);
		if (jerr == json_tokener_success) {
			json_tokener_free(tok);
			return obj;
		}
	}
	if (jerr == json_tokener_continue) {
		snprintf(err, errlen, "unexpected end of JSON input");
		goto fail;
	}
	if (jerr != json_tokener_success) {
		snprintf(err, errlen, "%s at offset %zu", json_tokener_error_desc(jerr),
		    json_tokener_get_parse_end(tok));
		goto fail;
	}
	used = json_tokener_get_parse_end(tok);
	for (i = used; i < len; i++) {
		if (buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\r' && buf[i] != '\n') {
			snprintf(err, errlen, "unexpected data after JSON value at offset %zu", i);
			goto fail;
		}
	}
	json_tokener_free(tok);
	return obj;
fail:
	json_object_put(obj);
	json_tokener_free(tok);
	return NULL;
}

bool
json_text_has_nul(const char *buf, size_t len)
{
	size_t i;

	if (memchr(buf, '\0', len) != NULL)
		return true;
	/* In valid JSON a backslash only ever starts an escape inside a
	 * string, so skipping each escape pair is enough: "\\u0000" is a
	 * backslash and "u0000", not a NUL. */
	for (i = 0; i + 1 < len; i++) {
		if (buf[i] != '\\')
			continue;
		if (buf[i + 1] == 'u' && i + 5 < len && memcmp(buf + i + 2, "0000", 4) == 0)
			return true;
		i++;
	}
	return false;
}
