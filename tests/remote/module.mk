# SPDX-License-Identifier: MIT
# tests/remote -- docs/remote.md: nginx with a self-signed certificate in
# front of homectl-api; the dashboard, the WebSocket and /mcp through it.
CHECKS += check-remote
check-remote: all node-deps
	$(Q)command -v nginx >/dev/null || { echo "check-remote needs nginx: make test-deps" >&2; exit 1; }
	$(Q)HOMECTL_BUILD=$(BUILD) $(RUN_SUITE) remote node --test --test-timeout=60000 tests/remote/
.PHONY: check-remote
