# SPDX-License-Identifier: MIT
# tests/automations -- homectl-automations and `homectl automation` end to
# end: the CLI, the daemon started by hand, the sqlite3 shell, and the
# daemon's test clock.
CHECKS += check-automations
# Against the sanitized programs (tests/unit/module.mk builds them).
check-automations: san-build
	$(Q)$(RUN_SUITE) automations tests/automations/automations_test.sh $(SAN_BUILD)
.PHONY: check-automations
