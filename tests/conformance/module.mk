# SPDX-License-Identifier: MIT
# tests/conformance -- the official MCP conformance suite against
# homectl-api's /mcp (tests/conformance/run.mjs says how).
CHECKS += check-conformance
check-conformance: all node-deps
	$(Q)HOMECTL_BUILD=$(BUILD) $(RUN_SUITE) conformance node tests/conformance/run.mjs
.PHONY: check-conformance
