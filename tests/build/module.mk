# SPDX-License-Identifier: MIT
# tests/build -- the Makefile as a user meets it (flags given on the command
# line, a missing library, install and uninstall), the bash completion and
# the man pages as rendered.
CHECKS += check-build
check-build: all
	$(Q)$(RUN_SUITE) build tests/build/build_test.sh $(BUILD)
.PHONY: check-build
