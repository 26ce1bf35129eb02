# SPDX-License-Identifier: MIT
# tests/unit -- C unit tests of common/ (cmocka), against real SQLite files.
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(wildcard tests/unit/*_test.c))
UNIT_LIBS  := $(shell pkg-config --libs cmocka 2>/dev/null)

# tests/lib: what the unit tests share with the fuzz targets.
$(BUILD)/tests/unit/%.o: HOMECTL_CPPFLAGS += -Itests/lib
$(BUILD)/tests/unit/%_test: $(BUILD)/tests/unit/%_test.o $(BUILD)/tests/unit/testutil.o \
    $(BUILD)/tests/lib/shape.o $(LIB)
	$(QLD)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(ALL_LDLIBS) $(UNIT_LIBS)

# watch_test makes a commit land inside watch_open (watch_test.c says why).
$(BUILD)/tests/unit/watch_test: HOMECTL_LDFLAGS += -Wl,--wrap=db_changes_bounds

unit-tests: $(UNIT_TESTS)

# `make check` always runs the unit tests (and the CLI suite's homectl)
# under AddressSanitizer and UndefinedBehaviorSanitizer: in a build of their
# own unless the whole check is already SANITIZE=1.
SAN_BUILD = $(if $(filter 1,$(SANITIZE)),$(BUILD),$(BUILD)/san)
san-build:
	$(Q)$(MAKE) --no-print-directory BUILD=$(SAN_BUILD) SANITIZE=1 unit-tests \
		$(SAN_BUILD)/homectl $(SAN_BUILD)/homectl-automations
CHECKS += check-unit
check-unit: san-build
	$(Q)$(RUN_SUITE) unit sh -c 'rc=0; for t in $(SAN_BUILD)/tests/unit/*_test; do \
		$$t || rc=1; done; exit $$rc'
.PHONY: check-unit unit-tests san-build

# The same tree must build warning-free with clang too, and its unit tests
# pass there (gcc builds everything else).
CHECKS += check-clang
check-clang:
	$(Q)$(RUN_SUITE) clang sh -c '$(MAKE) --no-print-directory BUILD=$(BUILD)/clang CC=clang \
		all unit-tests && rc=0 && for t in $(BUILD)/clang/tests/unit/*_test; do $$t || rc=1; \
		done; exit $$rc'
.PHONY: check-clang

# cmocka, named with its Debian package when it is missing.
unit-deps-check:
	@pkg-config --exists cmocka || { echo "homectl: the unit tests need cmocka:" \
		"sudo apt-get install libcmocka-dev (or: make test-deps)" >&2; exit 1; }
$(patsubst %,%.o,$(UNIT_TESTS)) $(BUILD)/tests/unit/testutil.o: | unit-deps-check
.PHONY: unit-deps-check
