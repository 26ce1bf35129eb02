/* SPDX-License-Identifier: MIT */
/* page.c -- pagination cursors for tools/list, resources/list and
 * list_devices: an offset dressed as an opaque token. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mcpcore.h"
#include "util.h"

#define CURSOR_PREFIX "hc1."

int
page_cursor_parse(const char *cursor, int64_t *offset)
{
	size_t n = strlen(CURSOR_PREFIX);

	if (cursor == NULL || strncmp(cursor, CURSOR_PREFIX, n) != 0)
		return -EINVAL;
	return parse_int64(cursor + n, 1, INT32_MAX, offset);
}

void
page_cursor_make(int64_t offset, char *buf, size_t len)
{
	snprintf(buf, len, CURSOR_PREFIX "%lld", (long long)offset);
}
