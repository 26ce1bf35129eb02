# SPDX-License-Identifier: MIT
# tests/lint -- clang-tidy (one job per file) and cppcheck over the whole
# tree (`make lint`), as one suite of `make check`.  Under make check the
# jobs share its job slots; run alone, it takes CHECK_JOBS of them.
CHECKS += check-lint
check-lint:
	$(Q)$(RUN_SUITE) lint $(MAKE) --no-print-directory -k \
		$(if $(findstring jobserver,$(MAKEFLAGS)),,-j$(CHECK_JOBS)) lint
.PHONY: check-lint
