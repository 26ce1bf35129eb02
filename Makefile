# SPDX-License-Identifier: MIT
# homectl -- one Makefile for the whole tree.
#
#   make              build everything into build/
#   make run          install what is missing, build, create a demo home, start it
#   make check        install test dependencies, build with -Werror, run every test
#   make SANITIZE=1 check   the same under AddressSanitizer + UBSan
#   make bench        the benchmarks behind every performance number we quote
#   make install DESTDIR=... PREFIX=...
#   make deb          the Debian package (dpkg-buildpackage -us -uc -b)
#   make lint         clang-tidy + cppcheck
#   make clean

# ---- configuration (override on the command line) -------------------------
PREFIX     ?= /usr
SYSCONFDIR ?= /etc
DESTDIR    ?=
CC         ?= cc
BUILD      ?= build
# 1 = AddressSanitizer + UndefinedBehaviorSanitizer
SANITIZE   ?= 0
# 0 drops -Werror (the Debian package build does this, so that a newer
# compiler's new warning does not break a user's build).
WERROR     ?= 1
# Where `make run` keeps its demo home and listens.
RUN_DIR    ?= $(BUILD)/run
RUN_LISTEN ?= 127.0.0.1:8080
V          ?= 0
# ---------------------------------------------------------------------------

VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
PKGS    := sqlite3 json-c libsystemd libwebsockets libmicrohttpd libcrypto

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wpointer-arith -Wcast-qual -Wformat=2 -Wvla -Wimplicit-fallthrough \
	-Wno-unused-parameter
ifeq ($(WERROR),1)
WARN += -Werror
endif

CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 $(WARN) -MMD -MP
CPPFLAGS += -D_GNU_SOURCE -DHOMECTL_VERSION='"$(VERSION)"' \
	-DHOMECTL_SYSCONFDIR='"$(SYSCONFDIR)"' \
	-DHOMECTL_WEB_ROOT='"$(PREFIX)/share/homectl/web"' -Icommon \
	$(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS   += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm

ifeq ($(SANITIZE),1)
CFLAGS  += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
endif

ifeq ($(V),0)
Q  = @
QCC = @echo "  CC      $@";
QLD = @echo "  LD      $@";
else
Q  =
endif

COMMON_SRCS := $(wildcard common/*.c)
CLI_SRCS    := $(wildcard cli/*.c)
API_SRCS    := $(wildcard daemons/api/*.c)
MCP_SRCS    := $(wildcard daemons/mcp/*.c)

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))

LIB  := $(BUILD)/libhomectl.a
BINS := $(BUILD)/homectl $(BUILD)/homectl-api $(BUILD)/homectl-mcp

.PHONY: all check run bench install clean deb lint deps test-deps
# Keep intermediate objects (the unit tests are built through pattern rules).
.SECONDARY:
all: $(BINS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(QCC)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(LIB): $(call obj,$(COMMON_SRCS))
	$(Q)rm -f $@
	$(Q)ar rcs $@ $^

$(BUILD)/homectl: $(call obj,$(CLI_SRCS)) $(LIB)
	$(QLD)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/homectl-api: $(call obj,$(API_SRCS)) $(LIB)
	$(QLD)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/homectl-mcp: $(call obj,$(MCP_SRCS)) $(LIB)
	$(QLD)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

deps:
	$(Q)packaging/install-deps
test-deps:
	$(Q)packaging/install-deps --test --deb

# Each test suite lives in tests/<suite>/ and adds itself to CHECKS (and,
# where it has one, BENCHES) from its own module.mk, so the suites can grow
# without touching this file.
CHECKS  :=
BENCHES :=
RUN_SUITE := tests/run-suite $(BUILD)/results

# The JavaScript test clients (MCP SDK, ws, playwright-core), pinned by
# tests/package-lock.json.
NODE_DEPS := tests/node_modules/.package-lock.json
$(NODE_DEPS): tests/package.json tests/package-lock.json
	$(Q)cd tests && npm ci --no-audit --no-fund --loglevel=error
	$(Q)touch $@
node-deps: $(NODE_DEPS)
.PHONY: node-deps
include $(wildcard tests/*/module.mk bench/module.mk)

# `make check` runs every suite even when one fails, then prints one line
# with the totals; tests/run-suite records each suite's outcome.
check: test-deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)rm -rf $(BUILD)/results && mkdir -p $(BUILD)/results
	$(Q)$(MAKE) --no-print-directory -k $(CHECKS) || true
	$(Q)tests/summary $(BUILD)/results

bench: test-deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)for b in $(BENCHES); do $(MAKE) --no-print-directory $$b || exit 1; done

run: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)packaging/run-demo $(BUILD) $(RUN_DIR) $(RUN_LISTEN)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/sbin
	install -m 0755 $(BUILD)/homectl $(DESTDIR)$(PREFIX)/bin/homectl
	install -m 0755 $(BUILD)/homectl-api $(BUILD)/homectl-mcp $(DESTDIR)$(PREFIX)/sbin/
	install -d $(DESTDIR)$(PREFIX)/share/homectl/web
	cp -R web/. $(DESTDIR)$(PREFIX)/share/homectl/web/
	install -d $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5 \
		$(DESTDIR)$(PREFIX)/share/man/man8
	for m in man/*.[158]; do \
		[ -f "$$m" ] || continue; \
		s=$${m##*.}; install -m 0644 $$m $(DESTDIR)$(PREFIX)/share/man/man$$s/; \
	done
	install -d $(DESTDIR)$(SYSCONFDIR)/homectl
	[ -f $(DESTDIR)$(SYSCONFDIR)/homectl/homectl.conf ] || \
		install -m 0644 packaging/homectl.conf $(DESTDIR)$(SYSCONFDIR)/homectl/homectl.conf
	if [ -d units ] && ls units/*.socket >/dev/null 2>&1; then \
		install -d $(DESTDIR)/lib/systemd/system $(DESTDIR)$(PREFIX)/lib/sysusers.d \
			$(DESTDIR)$(PREFIX)/lib/tmpfiles.d; \
		for u in units/*.socket units/*.service; do \
			sed 's|/usr/sbin/|$(PREFIX)/sbin/|g; s|/usr/bin/|$(PREFIX)/bin/|g' $$u \
				>$(DESTDIR)/lib/systemd/system/$${u##*/}; \
		done; \
		install -m 0644 units/homectl.sysusers $(DESTDIR)$(PREFIX)/lib/sysusers.d/homectl.conf; \
		install -m 0644 units/homectl.tmpfiles $(DESTDIR)$(PREFIX)/lib/tmpfiles.d/homectl.conf; \
	fi

deb:
	$(Q)packaging/install-deps --deb
	dpkg-buildpackage -us -uc -b
	mkdir -p $(BUILD)/deb && mv ../homectl_$(VERSION)*.deb ../homectl_$(VERSION)*.buildinfo \
		../homectl_$(VERSION)*.changes $(BUILD)/deb/ 2>/dev/null || true

# clang-tidy sees what the compiler sees: $(CPPFLAGS) carries -D_GNU_SOURCE,
# the HOMECTL_* defines and the pkg-config cflags (json-c, libwebsockets,
# libmicrohttpd, libsystemd, ...); the -I add each program's own headers.
LINT_CPPFLAGS = $(CPPFLAGS) -Icli -Idaemons/api -Idaemons/mcp
lint:
	@# .clang-tidy disables, beyond STYLE.md's list, three checks that flag
	@# this codebase's deliberate style: cert-dcl51-cpp (the C++ alias of
	@# bugprone-reserved-identifier), bugprone-assignment-in-if-condition
	@# (KNF's `if ((fd = open(...)) < 0)`) and cert-err33-c (close(),
	@# snprintf() into a sized buffer etc. are called for their effect).
	@# Everything else is fixed, or suppressed inline with the reason.
	@# Even with --quiet, clang-tidy 14 prints "N warnings generated." per
	@# file for the disabled checks; keep the rest of its stderr.
	@mkdir -p $(BUILD)
	clang-tidy --quiet $(COMMON_SRCS) $(CLI_SRCS) $(API_SRCS) $(MCP_SRCS) -- \
		$(LINT_CPPFLAGS) -std=gnu11 2>$(BUILD)/clang-tidy.err; rc=$$?; \
		grep -v '^[0-9]* warnings\{0,1\} generated\.$$' $(BUILD)/clang-tidy.err >&2; \
		exit $$rc
	@# variableScope: we declare at the top of a function, on purpose (STYLE.md).
	cppcheck --enable=warning,style,performance,portability --std=c11 --inline-suppr \
		--suppress=variableScope --error-exitcode=1 -q -Icommon -I/usr/include/json-c \
		-D'TAILQ_FOREACH(v,h,f)=for(v=(h)->tqh_first;v;v=v->f.tqe_next)' common daemons cli

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
