/* SPDX-License-Identifier: MIT */
/* fuzz_ws.c -- libFuzzer target: any WebSocket messages from one client
 * through homectl-api's message handler (ws_replay): hello with or without
 * a token ("@T@" becomes a valid one), since, pings, garbage, binary
 * frames, NULs.  The input is up to 16 messages separated by newlines; a
 * message starting with byte 0x01 arrives as a binary frame. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_home.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MSGS 16

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char in[16384];
	const char *msg[MSGS], *token, *p, *end, *nl;
	size_t len[MSGS], n, k = 0;
	bool bin[MSGS];
	struct api *api = fuzz_api(&token);
	unsigned before = api->nclients;

	n = fuzz_subst((const char *)data, size, in, sizeof(in));
	for (p = in, end = in + n; p <= end && k < MSGS; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		bin[k] = nl > p && *p == 0x01;
		msg[k] = p + bin[k];
		len[k] = (size_t)(nl - msg[k]);
		k++;
	}
	ws_replay(api, msg, len, bin, k);
	if (api->nclients != before || api->nhello != 0)
		abort();	/* the client left something behind */
	return 0;
}
