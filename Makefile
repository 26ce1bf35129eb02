# SPDX-License-Identifier: MIT
# homectl -- one Makefile for the whole tree.
#
#   make              build everything into build/
#   make run          install what is missing, build, create a demo home, start it
#   make check        install test dependencies, build with -Werror, run every test
#   make SANITIZE=1 check   the same under AddressSanitizer + UBSan
#   make bench        the benchmarks behind every performance number we quote
#   make install DESTDIR=... PREFIX=...   (and make uninstall, the same way)
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
# The libraries, each with the Debian package that provides its .pc file.
PKG_DEBS := sqlite3:libsqlite3-dev json-c:libjson-c-dev libsystemd:libsystemd-dev \
	libwebsockets:libwebsockets-dev libmicrohttpd:libmicrohttpd-dev libcrypto:libssl-dev libssl:libssl-dev \
	libmosquitto:libmosquitto-dev
PKGS     := $(foreach p,$(PKG_DEBS),$(firstword $(subst :, ,$(p))))

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wpointer-arith -Wcast-qual -Wformat=2 -Wvla -Wimplicit-fallthrough \
	-Wno-unused-parameter
ifeq ($(WERROR),1)
WARN += -Werror
endif

# CFLAGS, CPPFLAGS, LDFLAGS and LDLIBS belong to the user (`make CFLAGS=-O0`,
# dpkg-buildflags): the project's own flags live in HOMECTL_* and come after
# them on every command line, so that overriding CFLAGS changes the
# optimisation and never drops the language standard, the warnings, -Werror
# or the dependency files.
CFLAGS   ?= -O2 -g
HOMECTL_CFLAGS   := -std=gnu11 $(WARN) -MMD -MP
HOMECTL_CPPFLAGS := -D_GNU_SOURCE -DHOMECTL_VERSION='"$(VERSION)"' \
	-DHOMECTL_SYSCONFDIR='"$(SYSCONFDIR)"' \
	-DHOMECTL_WEB_ROOT='"$(PREFIX)/share/homectl/web"' -Icommon -Icommon/mcp \
	$(shell pkg-config --cflags $(filter-out libmosquitto,$(PKGS)) 2>/dev/null)
HOMECTL_LDFLAGS  :=
HOMECTL_LDLIBS   := $(shell pkg-config --libs $(filter-out libmosquitto,$(PKGS)) 2>/dev/null) -lm

ifeq ($(SANITIZE),1)
HOMECTL_CFLAGS  += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
HOMECTL_LDFLAGS += -fsanitize=address,undefined
endif

# What every compile and link uses: the user's flags, then the project's.
ALL_CPPFLAGS = $(CPPFLAGS) $(HOMECTL_CPPFLAGS)
ALL_CFLAGS   = $(CFLAGS) $(HOMECTL_CFLAGS)
ALL_LDFLAGS  = $(LDFLAGS) $(HOMECTL_LDFLAGS)
ALL_LDLIBS   = $(HOMECTL_LDLIBS) $(LDLIBS)

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
# The MCP protocol, shared by homectl-mcp and homectl-api's /mcp.
MCPCORE_SRCS := $(wildcard common/mcp/*.c)
AUTO_SRCS   := $(wildcard daemons/automations/*.c)
MQTT_SRCS   := $(wildcard daemons/mqtt/*.c)
# Only homectl-mqtt links libmosquitto.
MQTT_LDLIBS := $(shell pkg-config --libs libmosquitto 2>/dev/null)

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))

LIB  := $(BUILD)/libhomectl.a
MCPLIB := $(BUILD)/libhomectl-mcp.a
BINS := $(BUILD)/homectl $(BUILD)/homectl-api $(BUILD)/homectl-mcp $(BUILD)/homectl-automations \
	$(BUILD)/homectl-mqtt

.PHONY: all check run bench install uninstall clean deb lint deps test-deps
# Keep intermediate objects (the unit tests are built through pattern rules).
.SECONDARY:
WEB_GZ := $(patsubst %,%.gz,$(wildcard web/*.html web/*.css web/*.svg web/*.webmanifest web/*.js web/js/*.js))
all: $(BINS) $(WEB_GZ)

# The dashboard's text files precompressed (NAME.gz beside NAME): homectl-api
# sends them to clients that accept gzip (http_static.c), and ignores a .gz
# older than its file.  -n: no name or time inside, so a rebuild is identical.
web-gz: $(WEB_GZ)
web/%.gz: web/%
	$(Q)gzip -9 -n -c $< > $@.tmp && mv $@.tmp $@
.PHONY: web-gz

$(BUILD)/%.o: %.c | build-deps-check
	@mkdir -p $(dir $@)
	$(QCC)$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

# A missing library is named with the Debian package to install, rather than
# left to a compiler error about a header.
build-deps-check:
	@command -v pkg-config >/dev/null || { echo "homectl: pkg-config is missing:" \
		"sudo apt-get install pkg-config (or: make deps)" >&2; exit 1; }; \
	missing=; for p in $(PKG_DEBS); do pkg-config --exists "$${p%%:*}" || \
		missing="$$missing $${p#*:}"; done; \
	[ -z "$$missing" ] || { echo "homectl: missing build dependencies; install them with:" \
		"sudo apt-get install$$missing (or: make deps)" >&2; exit 1; }
.PHONY: build-deps-check

$(LIB): $(call obj,$(COMMON_SRCS))
	$(Q)rm -f $@
	$(Q)ar rcs $@ $^

$(MCPLIB): $(call obj,$(MCPCORE_SRCS))
	$(Q)rm -f $@
	$(Q)ar rcs $@ $^

$(BUILD)/homectl: $(call obj,$(CLI_SRCS)) $(LIB)
	$(QLD)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(ALL_LDLIBS)
$(BUILD)/homectl-api: $(call obj,$(API_SRCS)) $(MCPLIB) $(LIB)
	$(QLD)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(ALL_LDLIBS)
$(BUILD)/homectl-mcp: $(call obj,$(MCP_SRCS)) $(MCPLIB) $(LIB)
	$(QLD)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(ALL_LDLIBS)
$(BUILD)/homectl-automations: $(call obj,$(AUTO_SRCS)) $(LIB)
	$(QLD)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(ALL_LDLIBS)
$(BUILD)/homectl-mqtt: $(call obj,$(MQTT_SRCS)) $(LIB)
	$(QLD)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(ALL_LDLIBS) $(MQTT_LDLIBS)

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

# `make check` runs every suite even when one fails, CHECK_JOBS at a time
# (the suites are independent: each makes its own temporary home, picks free
# ports, and builds into a directory of its own), then prints one line per
# suite and one with the totals.  tests/run-suite records each suite's
# outcome and log in $(BUILD)/results/; `make check-api` (and the other
# check-* targets) runs one suite with its whole output on the terminal.
# Twice the CPUs: most suites spend their time waiting on daemons, browsers
# and timers, and a job slot they hold while waiting is a CPU left idle.
CHECK_JOBS ?= $(shell echo $$(( $$(nproc) * 2 )))
# The longest suites start first, so that none of them is left running alone
# at the end.
CHECK_FIRST := check-lint check-clang check-systemd check-unit check-web check-api
check: test-deps
	$(Q)$(MAKE) --no-print-directory -j$(CHECK_JOBS) all
	$(Q)rm -rf $(BUILD)/results && mkdir -p $(BUILD)/results
	$(Q)HOMECTL_CHECK_QUIET=1 $(MAKE) --no-print-directory -k -j$(CHECK_JOBS) \
		$(filter $(CHECKS),$(CHECK_FIRST)) $(filter-out $(CHECK_FIRST),$(CHECKS)) || true
	$(Q)tests/summary $(BUILD)/results

# The suites `make check` runs, one per line.
check-list:
	@printf '%s\n' $(sort $(CHECKS))
.PHONY: check-list

bench: test-deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)for b in $(BENCHES); do $(MAKE) --no-print-directory $$b || exit 1; done

run: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)packaging/run-demo $(BUILD) $(RUN_DIR) $(RUN_LISTEN)

# Where `make install` puts things; each can be overridden on its own.
# systemd reads units from $(PREFIX)/lib/systemd/system for PREFIX /usr and
# /usr/local; systemd-sysusers and systemd-tmpfiles read only /usr/lib and
# /etc (docs/install.md says what to do with another PREFIX).
BINDIR      ?= $(PREFIX)/bin
SBINDIR     ?= $(PREFIX)/sbin
DATADIR     ?= $(PREFIX)/share/homectl
MANDIR      ?= $(PREFIX)/share/man
DOCDIR      ?= $(PREFIX)/share/doc/homectl
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
UNITDIR     ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
UNITS := $(wildcard units/*.socket units/*.service)
MANS  := $(wildcard man/*.[158])
# The documentation for users (docs/lintian.md and docs/fuzzing.md are for
# homectl's developers), laid out as in the tree so that the README's links
# hold.
DOCS  := docs/architecture.md docs/home-document.md docs/install.md docs/mcp.md docs/protocol.md \
	docs/devices.md docs/remote.md

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(DATADIR)/web \
		$(DESTDIR)$(DOCDIR)/docs $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR) $(DESTDIR)$(SYSCONFDIR)/homectl \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	install -m 0755 $(BUILD)/homectl $(DESTDIR)$(BINDIR)/homectl
	install -m 0755 $(BUILD)/homectl-api $(BUILD)/homectl-mcp $(BUILD)/homectl-automations \
		$(BUILD)/homectl-mqtt \
		$(DESTDIR)$(SBINDIR)/
	cp -R --preserve=timestamps web/. $(DESTDIR)$(DATADIR)/web/
	for m in $(MANS); do install -m 0644 $$m $(DESTDIR)$(MANDIR)/man$${m##*.}/; done
	install -m 0644 README.md $(DESTDIR)$(DOCDIR)/
	install -m 0644 $(DOCS) $(DESTDIR)$(DOCDIR)/docs/
	install -m 0644 packaging/homectl.bash-completion $(DESTDIR)$(BASHCOMPDIR)/homectl
	[ -f $(DESTDIR)$(SYSCONFDIR)/homectl/homectl.conf ] || \
		install -m 0644 packaging/homectl.conf $(DESTDIR)$(SYSCONFDIR)/homectl/homectl.conf
	@# The units name the binaries where this install put them.
	for u in $(UNITS); do \
		sed 's|/usr/sbin/|$(SBINDIR)/|g; s|/usr/bin/|$(BINDIR)/|g' $$u \
			>$(DESTDIR)$(UNITDIR)/$${u##*/} && chmod 0644 $(DESTDIR)$(UNITDIR)/$${u##*/}; \
	done
	install -m 0644 units/homectl.sysusers $(DESTDIR)$(SYSUSERSDIR)/homectl.conf
	install -m 0644 units/homectl.tmpfiles $(DESTDIR)$(TMPFILESDIR)/homectl.conf

# Removes what `make install` installed, with the same variables.  The
# configuration file stays when it was edited, and the home
# (/var/lib/homectl) always stays.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/homectl $(DESTDIR)$(SBINDIR)/homectl-api \
		$(DESTDIR)$(SBINDIR)/homectl-mcp $(DESTDIR)$(SBINDIR)/homectl-automations \
		$(DESTDIR)$(SBINDIR)/homectl-mqtt \
		$(DESTDIR)$(BASHCOMPDIR)/homectl \
		$(DESTDIR)$(SYSUSERSDIR)/homectl.conf $(DESTDIR)$(TMPFILESDIR)/homectl.conf \
		$(addprefix $(DESTDIR)$(UNITDIR)/,$(notdir $(UNITS))) \
		$(foreach m,$(MANS),$(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(m)))/$(notdir $(m))) \
		$(DESTDIR)$(DOCDIR)/README.md $(addprefix $(DESTDIR)$(DOCDIR)/,$(DOCS))
	rm -rf $(DESTDIR)$(DATADIR)/web
	-rmdir $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR)/docs $(DESTDIR)$(DOCDIR) 2>/dev/null
	if cmp -s packaging/homectl.conf $(DESTDIR)$(SYSCONFDIR)/homectl/homectl.conf; then \
		rm -f $(DESTDIR)$(SYSCONFDIR)/homectl/homectl.conf; \
		rmdir $(DESTDIR)$(SYSCONFDIR)/homectl 2>/dev/null || true; \
	fi

deb:
	$(Q)packaging/install-deps --deb
	dpkg-buildpackage -us -uc -b
	mkdir -p $(BUILD)/deb && mv ../homectl_$(VERSION)*.deb ../homectl_$(VERSION)*.buildinfo \
		../homectl_$(VERSION)*.changes $(BUILD)/deb/ 2>/dev/null || true

# clang-tidy sees what the compiler sees: $(ALL_CPPFLAGS) carries -D_GNU_SOURCE,
# the HOMECTL_* defines and the pkg-config cflags (json-c, libwebsockets,
# libmicrohttpd, libsystemd, ...); the -I add each program's own headers.
LINT_CPPFLAGS = $(ALL_CPPFLAGS) -Icli -Idaemons/api -Idaemons/mcp -Idaemons/automations \
	-Idaemons/mqtt
LINT_SRCS     = $(COMMON_SRCS) $(MCPCORE_SRCS) $(CLI_SRCS) $(API_SRCS) $(MCP_SRCS) $(AUTO_SRCS) \
	$(MQTT_SRCS)
LINT_TIDY     = $(addprefix lint-tidy/,$(LINT_SRCS))
LINT_OK       = $(patsubst %.c,$(BUILD)/lint/%.ok,$(LINT_SRCS))

# clang-tidy, one file per job (`make -j2 lint`; make check runs it so), and
# cppcheck over the whole tree as one more job.  A file passed clang-tidy
# when its stamp in $(BUILD)/lint/ is newer than its object, which the
# compiler's dependency files make newer than the source and every header
# it includes: only what changed since is looked at again.  `make
# lint-tidy/FILE.c` runs clang-tidy on one file, whatever the stamps say.
lint: $(LINT_OK) $(BUILD)/lint/cppcheck.ok

$(BUILD)/lint/%.ok: %.c $(BUILD)/%.o .clang-tidy
	$(Q)$(MAKE) --no-print-directory lint-tidy/$<
	@mkdir -p $(dir $@) && touch $@

# Besides the checks that are only noise in C (swappable parameters, reserved
# identifiers, the insecure-API buffer advice), .clang-tidy disables three
# checks that flag this codebase's deliberate style: cert-dcl51-cpp (the C++
# alias of bugprone-reserved-identifier), bugprone-assignment-in-if-condition
# (KNF's `if ((fd = open(...)) < 0)`) and cert-err33-c (close(), snprintf()
# into a sized buffer etc. are called for their effect).  Everything else is
# fixed, or suppressed inline with the reason.  Even with --quiet,
# clang-tidy 14 prints "N warnings generated." for the disabled checks: that
# line is dropped, the rest of its stderr kept.
$(LINT_TIDY): lint-tidy/%:
	$(Q)out=$$(clang-tidy --quiet $* -- $(LINT_CPPFLAGS) -std=gnu11 2>&1); rc=$$?; \
		printf '%s\n' "$$out" | grep -v '^[0-9]* warnings\{0,1\} generated\.$$' || true; \
		exit $$rc

# cppcheck looks at the whole tree at once: again when any C file changed.
$(BUILD)/lint/cppcheck.ok: $(shell find common daemons cli -name '*.[ch]' 2>/dev/null)
	$(Q)$(MAKE) --no-print-directory lint-cppcheck
	@mkdir -p $(dir $@) && touch $@

# variableScope: we declare at the top of a function, on purpose
# (docs/architecture.md, "Code style").
lint-cppcheck:
	$(Q)cppcheck --enable=warning,style,performance,portability --std=c11 --inline-suppr \
		--suppress=variableScope --error-exitcode=1 -q -Icommon -I/usr/include/json-c \
		-D'TAILQ_FOREACH(v,h,f)=for(v=(h)->tqh_first;v;v=v->f.tqe_next)' common daemons cli
.PHONY: lint-cppcheck $(LINT_TIDY)

clean:
	rm -rf $(BUILD)
	rm -f $(WEB_GZ)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
