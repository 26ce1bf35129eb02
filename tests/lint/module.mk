# SPDX-License-Identifier: MIT
# tests/lint -- clang-tidy (one job per file) and cppcheck over the whole
# tree (`make lint`), as one suite of `make check`.
#
# It runs LINT_JOBS jobs of its own (one per CPU) rather than taking make
# check's job slots: the other suites hold their slots for minutes while they
# mostly wait on daemons, browsers and timers, so lint, all CPU and the
# longest suite, got one slot of CHECK_JOBS and was the last suite left
# running by minutes.  (make notes "-jN forced in submake" in its log.)
LINT_JOBS ?= $(shell nproc)
CHECKS += check-lint
check-lint:
	$(Q)$(RUN_SUITE) lint $(MAKE) --no-print-directory -k -j$(LINT_JOBS) lint
.PHONY: check-lint
