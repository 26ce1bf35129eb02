# SPDX-License-Identifier: MIT
# tests/fuzz -- libFuzzer targets (clang) for the parsers, the one write
# path and the readers facing rows someone else wrote: `make fuzz` builds them, `make check` runs each for FUZZ_SECONDS from
# the seed corpus in tests/fuzz/corpus/.
FUZZ_SECONDS ?= 15
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_FLAGS   := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -g -O1
FUZZ_TARGETS := $(FUZZ_DIR)/fuzz_control $(FUZZ_DIR)/fuzz_jsonrpc $(FUZZ_DIR)/fuzz_rows \
	$(FUZZ_DIR)/fuzz_mqtt \
	$(FUZZ_DIR)/fuzz_automation

$(FUZZ_DIR)/fuzz_control: tests/fuzz/fuzz_control.c $(COMMON_SRCS)
	@mkdir -p $(dir $@)
	$(QLD)clang $(ALL_CPPFLAGS) -std=gnu11 $(FUZZ_FLAGS) -o $@ $^ $(ALL_LDLIBS)
$(FUZZ_DIR)/fuzz_jsonrpc: tests/fuzz/fuzz_jsonrpc.c common/mcp/jsonrpc.c $(COMMON_SRCS)
	@mkdir -p $(dir $@)
	$(QLD)clang $(ALL_CPPFLAGS) -std=gnu11 $(FUZZ_FLAGS) -o $@ $^ $(ALL_LDLIBS)
# Rows written by another program, then every read path: ops, the watcher,
# tokens, the CLI's formatting and the MCP tools (common/mcp).
$(FUZZ_DIR)/fuzz_rows: tests/fuzz/fuzz_rows.c tests/lib/shape.c cli/output.c \
    $(MCPCORE_SRCS) $(COMMON_SRCS)
	@mkdir -p $(dir $@)
	$(QLD)clang $(ALL_CPPFLAGS) -Icli -Itests/lib -std=gnu11 $(FUZZ_FLAGS) -o $@ \
		$^ $(ALL_LDLIBS)

# homectl-mqtt's dialects: any payload on any topic.
$(FUZZ_DIR)/fuzz_mqtt: tests/fuzz/fuzz_mqtt.c $(addprefix daemons/mqtt/,conv.c z2m.c tasmota.c \
    shelly.c hass.c) $(COMMON_SRCS)
	@mkdir -p $(dir $@)
	$(QLD)clang $(ALL_CPPFLAGS) -Idaemons/mqtt -std=gnu11 $(FUZZ_FLAGS) -o $@ $^ $(ALL_LDLIBS)

# Automation documents (automation_check) and calendar expressions.
$(FUZZ_DIR)/fuzz_automation: tests/fuzz/fuzz_automation.c $(COMMON_SRCS)
	@mkdir -p $(dir $@)
	$(QLD)clang $(ALL_CPPFLAGS) -std=gnu11 $(FUZZ_FLAGS) -o $@ $^ $(ALL_LDLIBS)

fuzz: $(FUZZ_TARGETS)
CHECKS += check-fuzz
check-fuzz: $(FUZZ_TARGETS)
	$(Q)$(RUN_SUITE) fuzz tests/fuzz/run $(FUZZ_DIR) $(FUZZ_SECONDS)
.PHONY: fuzz check-fuzz
