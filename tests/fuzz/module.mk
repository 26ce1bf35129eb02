# SPDX-License-Identifier: MIT
# tests/fuzz -- libFuzzer targets (clang) for the parsers, the one write
# path, the readers facing rows someone else wrote, and every way in from
# outside: REST requests, the one-port router, WebSocket messages, MCP tool
# calls, homectl.conf and the command line.  `make fuzz` builds them, `make
# check` runs each for FUZZ_SECONDS from the seed corpus in
# tests/fuzz/corpus/, `make fuzz-long` runs each for FUZZ_RUNS inputs
# (docs/fuzzing.md).
FUZZ_SECONDS ?= 15
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_FLAGS   := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -g -O1
# The program's sources are compiled once for all the targets, instrumented
# for libFuzzer but without its main (fuzzer-no-link), into $(FUZZ_DIR)/obj/;
# each target compiles only its own file and links those objects.  (Every
# target compiled all of common/ itself before: eleven times the same work,
# the better part of a fresh make check's CPU.)
FUZZ_CFLAGS  := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -g -O1
fobj = $(patsubst %.c,$(FUZZ_DIR)/obj/%.o,$(1))
$(FUZZ_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(QCC)clang $(ALL_CPPFLAGS) $(FUZZ_INC) -std=gnu11 $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<
# Each directory's own headers, as each program is built.  homectl's main is
# renamed: libFuzzer has the main (fuzz_cli calls homectl_main).
$(FUZZ_DIR)/obj/cli/%.o: FUZZ_INC := -Icli -Dmain=homectl_main
$(FUZZ_DIR)/obj/daemons/api/%.o: FUZZ_INC := -Idaemons/api -Itests/fuzz
$(FUZZ_DIR)/obj/tests/fuzz/%.o: FUZZ_INC := -Idaemons/api -Itests/fuzz
$(FUZZ_DIR)/obj/daemons/mqtt/%.o: FUZZ_INC := -Idaemons/mqtt
$(FUZZ_DIR)/obj/tests/lib/%.o: FUZZ_INC := -Itests/lib
FUZZ_TARGETS := $(FUZZ_DIR)/fuzz_control $(FUZZ_DIR)/fuzz_jsonrpc $(FUZZ_DIR)/fuzz_rows \
	$(FUZZ_DIR)/fuzz_mqtt $(FUZZ_DIR)/fuzz_automation $(FUZZ_DIR)/fuzz_rest \
	$(FUZZ_DIR)/fuzz_peek $(FUZZ_DIR)/fuzz_ws $(FUZZ_DIR)/fuzz_mcp $(FUZZ_DIR)/fuzz_config \
	$(FUZZ_DIR)/fuzz_cli

$(FUZZ_DIR)/fuzz_control: tests/fuzz/fuzz_control.c $(call fobj,$(COMMON_SRCS))
	@mkdir -p $(dir $@)
	$(QLD)clang $(ALL_CPPFLAGS) -std=gnu11 $(FUZZ_FLAGS) -o $@ $^ $(ALL_LDLIBS)
$(FUZZ_DIR)/fuzz_jsonrpc: tests/fuzz/fuzz_jsonrpc.c $(call fobj,common/mcp/jsonrpc.c $(COMMON_SRCS))
	@mkdir -p $(dir $@)
	$(QLD)clang $(ALL_CPPFLAGS) -std=gnu11 $(FUZZ_FLAGS) -o $@ $^ $(ALL_LDLIBS)
# Rows written by another program, then every read path: ops, the watcher,
# tokens, the CLI's formatting and the MCP tools (common/mcp).
$(FUZZ_DIR)/fuzz_rows: tests/fuzz/fuzz_rows.c $(call fobj,tests/lib/shape.c cli/output.c \
    $(MCPCORE_SRCS) $(COMMON_SRCS))
	@mkdir -p $(dir $@)
	$(QLD)clang $(ALL_CPPFLAGS) -Icli -Itests/lib -std=gnu11 $(FUZZ_FLAGS) -o $@ \
		$^ $(ALL_LDLIBS)

# homectl-mqtt's dialects: any payload on any topic.
$(FUZZ_DIR)/fuzz_mqtt: tests/fuzz/fuzz_mqtt.c $(call fobj,$(addprefix daemons/mqtt/,conv.c z2m.c \
    tasmota.c shelly.c hass.c) $(COMMON_SRCS))
	@mkdir -p $(dir $@)
	$(QLD)clang $(ALL_CPPFLAGS) -Idaemons/mqtt -std=gnu11 $(FUZZ_FLAGS) -o $@ $^ $(ALL_LDLIBS)
# homectl-api's request handler over a socketpair (MHD and all), the
# one-port router's decision, the WebSocket message handler: all of
# homectl-api but its main, on a home of their own (fuzz_home.c).
FUZZ_API_SRCS := tests/fuzz/fuzz_home.c $(filter-out daemons/api/main.c,$(API_SRCS)) \
	$(MCPCORE_SRCS) $(COMMON_SRCS)
$(FUZZ_DIR)/fuzz_rest $(FUZZ_DIR)/fuzz_peek $(FUZZ_DIR)/fuzz_ws: $(FUZZ_DIR)/fuzz_%: \
    tests/fuzz/fuzz_%.c $(call fobj,$(FUZZ_API_SRCS)) tests/fuzz/fuzz_home.h daemons/api/api.h
	@mkdir -p $(dir $@)
	$(QLD)clang $(ALL_CPPFLAGS) -Idaemons/api -Itests/fuzz -std=gnu11 $(FUZZ_FLAGS) -o $@ \
		$(filter %.c %.o,$^) $(ALL_LDLIBS)
# tools/call through the MCP protocol's dispatch (common/mcp).
$(FUZZ_DIR)/fuzz_mcp: tests/fuzz/fuzz_mcp.c tests/fuzz/fuzz_reset.c $(call fobj,$(MCPCORE_SRCS) $(COMMON_SRCS))
	@mkdir -p $(dir $@)
	$(QLD)clang $(ALL_CPPFLAGS) -std=gnu11 $(FUZZ_FLAGS) -o $@ $^ $(ALL_LDLIBS)
$(FUZZ_DIR)/fuzz_config: tests/fuzz/fuzz_config.c $(call fobj,$(COMMON_SRCS))
	@mkdir -p $(dir $@)
	$(QLD)clang $(ALL_CPPFLAGS) -std=gnu11 $(FUZZ_FLAGS) -o $@ $^ $(ALL_LDLIBS)
# The whole homectl command line, its main renamed (libFuzzer has the main);
# its opens of the home get one connection kept open (fuzz_cli.c says why).
$(FUZZ_DIR)/fuzz_cli: tests/fuzz/fuzz_cli.c tests/fuzz/fuzz_reset.c $(call fobj,$(CLI_SRCS) $(COMMON_SRCS))
	@mkdir -p $(dir $@)
	$(QLD)clang $(ALL_CPPFLAGS) -Dmain=homectl_main -Icli -std=gnu11 $(FUZZ_FLAGS) \
		-Wl,--wrap=db_open,--wrap=db_close -o $@ $^ $(ALL_LDLIBS)

# Automation documents (automation_check) and calendar expressions.
$(FUZZ_DIR)/fuzz_automation: tests/fuzz/fuzz_automation.c $(call fobj,$(COMMON_SRCS))
	@mkdir -p $(dir $@)
	$(QLD)clang $(ALL_CPPFLAGS) -std=gnu11 $(FUZZ_FLAGS) -o $@ $^ $(ALL_LDLIBS)

fuzz: $(FUZZ_TARGETS)
CHECKS += check-fuzz
check-fuzz: $(FUZZ_TARGETS)
	$(Q)$(RUN_SUITE) fuzz tests/fuzz/run $(FUZZ_DIR) $(FUZZ_SECONDS)
# The long run: FUZZ_RUNS inputs for each target (FUZZ_TARGET=rest for one,
# FUZZ_TARGET="rest ws" for two), FUZZ_JOBS at a time (one per CPU); each
# prints its count, time, rate and corpus (docs/fuzzing.md has the figures).
FUZZ_RUNS ?= 10000000
FUZZ_JOBS ?= $(shell nproc)
fuzz-long: $(FUZZ_TARGETS)
	$(Q)tests/fuzz/run $(FUZZ_DIR) 0 $(FUZZ_RUNS) $(FUZZ_JOBS) $(FUZZ_TARGET)
.PHONY: fuzz check-fuzz fuzz-long
