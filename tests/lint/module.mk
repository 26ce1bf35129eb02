# SPDX-License-Identifier: MIT
# tests/lint -- clang-tidy and cppcheck over the whole tree (`make lint`),
# as one suite of `make check`.
CHECKS += check-lint
check-lint:
	$(Q)$(RUN_SUITE) lint $(MAKE) --no-print-directory lint
.PHONY: check-lint
