# SPDX-License-Identifier: MIT
# The MCP suite: homectl-mcp and `homectl mcp` driven by the official SDK
# client and by raw lines; and the MCP benchmark.
CHECKS += check-mcp
check-mcp: all node-deps
	$(Q)$(RUN_SUITE) mcp env HOMECTL_BUILD=$(BUILD) node --test --test-timeout=60000 tests/mcp/

BENCHES += bench-mcp
bench-mcp: all node-deps
	$(Q)node bench/mcp-bench.mjs $(BUILD)
.PHONY: check-mcp bench-mcp
