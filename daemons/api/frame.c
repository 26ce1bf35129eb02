/* SPDX-License-Identifier: MIT */
/* frame.c -- reference-counted WebSocket frames: a broadcast serialises its
 * JSON once and every client's queue holds the same bytes. */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "jsonutil.h"

struct frame *
frame_new(struct json_object *obj, int64_t last_seq)
{
	const char *s = json_compact(obj);
	size_t len = strlen(s);
	struct frame *f;

	f = malloc(sizeof(*f) + LWS_PRE + len + 1);
	if (f == NULL)
		return NULL;
	f->refs = 1;
	f->last_seq = last_seq;
	f->len = len;
	memcpy(f->buf + LWS_PRE, s, len + 1);
	return f;
}

struct frame *
frame_get(struct frame *f)
{
	f->refs++;
	return f;
}

void
frame_put(struct frame *f)
{
	if (f != NULL && --f->refs == 0)
		free(f);
}
