# SPDX-License-Identifier: MIT
# tests/mcphttp -- MCP over Streamable HTTP at homectl-api's /mcp: the
# official SDK's StreamableHTTPClientTransport for the protocol, raw fetch
# for every refusal (status codes, headers, sessions, streams, resumption).
CHECKS += check-mcphttp
check-mcphttp: all node-deps
	$(Q)HOMECTL_BUILD=$(BUILD) $(RUN_SUITE) mcphttp node --test --test-timeout=60000 tests/mcphttp/
.PHONY: check-mcphttp
