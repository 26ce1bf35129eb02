# SPDX-License-Identifier: MIT
# tests/web -- the dashboard in Debian's chromium (playwright-core), against
# the real homectl-api on a demo home; the CLI, sqlite3 and an MCP client are
# the other writers. Screenshots land in $(BUILD)/screenshots/.
CHECKS += check-web
check-web: all node-deps
	$(Q)$(RUN_SUITE) web env HOMECTL_BUILD=$(BUILD) node --test --test-concurrency=1 tests/web/
.PHONY: check-web

# Write -> card latency in the browser, for each kind of writer.
BENCHES += bench-web
bench-web: all node-deps
	$(Q)HOMECTL_BUILD=$(BUILD) node tests/web/bench-latency.mjs 30
.PHONY: bench-web

# First contentful paint and "cards shown" on a slow phone on a slow network
# (4x CPU slowdown, 150 ms RTT, 1.6 Mbit/s), cold cache, 7 runs.
BENCHES += bench-web-paint
bench-web-paint: all node-deps
	$(Q)HOMECTL_BUILD=$(BUILD) node tests/web/bench-paint.mjs 7
.PHONY: bench-web-paint

# The README's screenshots (docs/screenshots/), taken by the web suite.
screenshots: all node-deps
	$(Q)mkdir -p docs/screenshots
	$(Q)HOMECTL_BUILD=$(BUILD) HOMECTL_README_SHOTS=docs/screenshots node --test --test-concurrency=1 \
		tests/web/dashboard.test.mjs
.PHONY: screenshots

# The installed app's PNG icons (web/icons/), drawn from web/icon.svg by
# chromium; committed, so that building needs no browser.
icons: node-deps
	$(Q)node tests/web/make-icons.mjs
.PHONY: icons
