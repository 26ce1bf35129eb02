# SPDX-License-Identifier: MIT
# tests/oauth -- homectl-api as an OAuth 2.1 authorization server for
# remote MCP clients: the official SDK client's OAuth against the real
# daemon, the consent page in Debian's chromium (playwright-core).
CHECKS += check-oauth
check-oauth: all node-deps
	$(Q)HOMECTL_BUILD=$(BUILD) $(RUN_SUITE) oauth node --test --test-concurrency=1 --test-timeout=120000 tests/oauth/
.PHONY: check-oauth
