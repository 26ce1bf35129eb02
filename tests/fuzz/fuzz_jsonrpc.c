/* SPDX-License-Identifier: MIT */
/* fuzz_jsonrpc.c -- libFuzzer target: homectl-mcp's JSON-RPC envelope
 * parser must classify any line without crashing or leaking. */
#include <stddef.h>
#include <stdint.h>

#include "mcpcore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rpc_msg m;

	rpc_parse((const char *)data, size, &m);
	rpc_msg_clear(&m);
	return 0;
}
