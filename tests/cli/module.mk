# SPDX-License-Identifier: MIT
# tests/cli -- the homectl command, end to end, on real database files.
CHECKS += check-cli
# Against the sanitized homectl (tests/unit/module.mk builds it).
check-cli: san-build
	$(Q)$(RUN_SUITE) cli tests/cli/cli_test.sh $(SAN_BUILD)
CHECKS += check-cli-home
check-cli-home: san-build
	$(Q)$(RUN_SUITE) cli-home tests/cli/home_test.sh $(SAN_BUILD)
.PHONY: check-cli check-cli-home
