/* SPDX-License-Identifier: MIT */
/* fuzz_peek.c -- libFuzzer target: the one-port router's decision
 * (peek_classify) on anything a client may send first.  Checks what the
 * router promises: a WebSocket only for a request line whose path is /ws,
 * with a handshake length inside what was seen that ends a header block;
 * a refusal only with 400, 414 or 431 and words; 414 only for a buffer
 * full without a line; waiting only while there is room to wait. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data, *sp, *nl;
	struct peek_result res;

	if (size > API_PEEK_BYTES)
		size = API_PEEK_BYTES;
	peek_classify(buf, size, &res);
	nl = memchr(buf, '\n', size);
	switch (res.v) {
	case PEEK_WS:
		if (nl == NULL || (sp = memchr(buf, ' ', (size_t)(nl - buf))) == NULL ||
		    nl - sp < 4 || memcmp(sp + 1, "/ws", 3) != 0)
			abort();
		if (res.head == 0 || res.head > size || buf[res.head - 1] != '\n' ||
		    (res.head < 2 || (buf[res.head - 2] != '\n' && (res.head < 3 ||
		    buf[res.head - 2] != '\r' || buf[res.head - 3] != '\n'))))
			abort();
		break;
	case PEEK_REFUSE:
		if ((res.status != 400 && res.status != 414 && res.status != 431) ||
		    res.code == NULL || res.msg == NULL || res.msg[0] == '\0')
			abort();
		if (res.status == 414 && (nl != NULL || size < API_PEEK_BYTES))
			abort();
		if (res.status == 400 && (nl == NULL || memchr(buf, '\0', (size_t)(nl - buf)) == NULL))
			abort();
		break;
	case PEEK_WAIT:
		if (size >= API_PEEK_BYTES)
			abort();	/* a full buffer must be decided */
		break;
	case PEEK_HTTP:
		if (nl == NULL)
			abort();
		break;
	default:
		abort();	/* PEEK_CLOSE is for the socket, not for bytes */
	}
	return 0;
}
