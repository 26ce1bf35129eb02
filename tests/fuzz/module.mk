# SPDX-License-Identifier: MIT
# tests/fuzz -- libFuzzer targets (clang) for the parsers and the one write
# path: `make fuzz` builds them, `make check` runs each for FUZZ_SECONDS from
# the seed corpus in tests/fuzz/corpus/.
FUZZ_SECONDS ?= 15
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_FLAGS   := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -g -O1
FUZZ_TARGETS := $(FUZZ_DIR)/fuzz_control $(FUZZ_DIR)/fuzz_jsonrpc

$(FUZZ_DIR)/fuzz_control: tests/fuzz/fuzz_control.c $(COMMON_SRCS)
	@mkdir -p $(dir $@)
	$(QLD)clang $(ALL_CPPFLAGS) -std=gnu11 $(FUZZ_FLAGS) -o $@ $^ $(ALL_LDLIBS)
$(FUZZ_DIR)/fuzz_jsonrpc: tests/fuzz/fuzz_jsonrpc.c daemons/mcp/jsonrpc.c $(COMMON_SRCS)
	@mkdir -p $(dir $@)
	$(QLD)clang $(ALL_CPPFLAGS) -Idaemons/mcp -std=gnu11 $(FUZZ_FLAGS) -o $@ $^ $(ALL_LDLIBS)

fuzz: $(FUZZ_TARGETS)
CHECKS += check-fuzz
check-fuzz: $(FUZZ_TARGETS)
	$(Q)$(RUN_SUITE) fuzz tests/fuzz/run $(FUZZ_DIR) $(FUZZ_SECONDS)
.PHONY: fuzz check-fuzz
