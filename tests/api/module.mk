# SPDX-License-Identifier: MIT
# tests/api -- homectl-api against the real daemon on a temporary home:
# REST, WebSocket, change detection across processes, the process itself.
# The benchmark measures push latency, CPU, RSS and REST throughput.
# The test files run side by side (each starts its own daemons on its own
# home and ports); HOMECTL_TEST_IDLE_MS sets how long the idle daemon is
# watched (5000).
CHECKS += check-api
check-api: all node-deps
	$(Q)HOMECTL_BUILD=$(BUILD) $(RUN_SUITE) api node --test --test-concurrency=4 tests/api/

BENCHES += bench-api
$(BUILD)/bench/ws_latency: bench/api_ws_latency.c
	@mkdir -p $(dir $@)
	$(QCC)$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(ALL_LDLIBS)
bench-api: all node-deps $(BUILD)/bench/ws_latency
	$(Q)HOMECTL_BUILD=$(BUILD) bench/api-bench $(BUILD)
.PHONY: check-api bench-api
