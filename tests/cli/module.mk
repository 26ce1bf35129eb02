# SPDX-License-Identifier: MIT
# tests/cli -- the homectl command, end to end, on real database files.
CHECKS += check-cli
check-cli: $(BUILD)/homectl
	$(Q)$(RUN_SUITE) cli tests/cli/cli_test.sh $(BUILD)
.PHONY: check-cli
