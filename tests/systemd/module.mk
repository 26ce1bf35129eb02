# SPDX-License-Identifier: MIT
# tests/systemd: the Debian package installed into a real systemd booted in
# namespaces (needs root; skipped, and said so, otherwise).
CHECKS += check-systemd
check-systemd: all
	$(Q)$(RUN_SUITE) systemd tests/systemd/test-package $(BUILD)
.PHONY: check-systemd

# `make run` (packaging/run-demo) does what it prints; no root needed.
CHECKS += check-run-demo
check-run-demo: all
	$(Q)$(RUN_SUITE) run-demo tests/systemd/test-run-demo $(BUILD)
.PHONY: check-run-demo
