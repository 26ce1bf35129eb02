#!/bin/bash
# SPDX-License-Identifier: MIT
# build_test.sh -- what a user of the source tree touches besides the
# programs: the Makefile's flags and messages, make install and uninstall,
# the bash completion and the man page as rendered.
#
#   tests/build/build_test.sh BUILD_DIR
#
# Runs make in a scratch build directory (dry runs, and an install of the
# binaries already in BUILD_DIR), so it never rebuilds the developer's tree.
set -u
BUILD=$(realpath "${1:-build}")
HOMECTL=$BUILD/homectl
T=$(mktemp -d /tmp/homectl-build-XXXXXX)
trap 'rm -rf "$T"' EXIT
export HOMECTL_CONFIG=$T/none.conf
unset HOMECTL_DB MAKEFLAGS MFLAGS
passed=0 failed=0

pass() { passed=$((passed + 1)); echo "ok - $1"; }
fail() { failed=$((failed + 1)); echo "not ok - $1"; [ $# -gt 1 ] && echo "#   $2"; }
mk() { make --no-print-directory "$@"; }

# ---- the project's flags survive the user's ----
# The compile command make would run for one object, in a build dir of its own.
compile_line() { mk -n -B V=1 BUILD="$T/b" "$@" "$T/b/common/util.o" 2>&1 | grep -- ' -c '; }
line=$(compile_line CFLAGS=-O0 CPPFLAGS=-DHOMECTL_TEST_X)
ok=1
for f in -O0 -DHOMECTL_TEST_X -std=gnu11 -Wall -Wextra -Werror -MMD -MP -D_GNU_SOURCE \
    -DHOMECTL_VERSION -Icommon; do
	[[ " $line " == *" $f"[=\ ]* ]] || { ok=0; fail "CFLAGS/CPPFLAGS from the command line keep $f" "$line"; }
done
[ $ok = 1 ] && pass "make CFLAGS=-O0 CPPFLAGS=-DX keeps the standard, warnings, -Werror, -MMD and defines"
# The user's -O0 comes before the project's flags, which come last.
[[ $line == *"-O0"*"-std=gnu11"* ]] && pass "the project's flags come after the user's" ||
	fail "flag order" "$line"
line=$(compile_line)
[[ " $line " == *" -O2 -g "* ]] && pass "the default CFLAGS are -O2 -g" || fail "default CFLAGS" "$line"
line=$(compile_line WERROR=0 CFLAGS=-O1)
[[ $line != *-Werror* && $line == *-Wall* ]] && pass "WERROR=0 drops only -Werror" ||
	fail "WERROR=0" "$line"
line=$(mk -n -B V=1 BUILD="$T/b" LDFLAGS=-Wl,-z,now LDLIBS=-lrt "$T/b/homectl" 2>&1 |
	grep -- "-o $T/b/homectl ")
[[ $line == *-Wl,-z,now* && $line == *-lsqlite3* && $line == *-lrt* ]] &&
	pass "LDFLAGS and LDLIBS from the command line keep the libraries" || fail "LDLIBS" "$line"

# ---- a missing library is named with its Debian package ----
mkdir -p "$T/nopc"
out=$(PKG_CONFIG_LIBDIR=$T/nopc PKG_CONFIG_PATH= mk BUILD="$T/b" "$T/b/common/util.o" 2>&1)
rc=$?
[ $rc -ne 0 ] && [[ $out == *"missing build dependencies"*"libsqlite3-dev"*"libjson-c-dev"* &&
	$out == *"libwebsockets-dev"*"libmicrohttpd-dev"*"libssl-dev"* && $out == *"make deps"* ]] &&
	pass "missing -dev packages are named" || fail "missing -dev packages" "rc=$rc $out"
[ ! -e "$T/b/common/util.o" ] && pass "and nothing is compiled" || fail "compiled anyway"
# Only the missing one is named.
mkdir -p "$T/somepc"
for pc in $(pkg-config --variable pc_path pkg-config | tr : ' '); do
	[ -d "$pc" ] && cp "$pc"/*.pc "$T/somepc/" 2>/dev/null
done
rm -f "$T/somepc/libmicrohttpd.pc"
out=$(PKG_CONFIG_LIBDIR=$T/somepc PKG_CONFIG_PATH= mk BUILD="$T/b" "$T/b/common/util.o" 2>&1)
[[ $out == *"install them with: sudo apt-get install libmicrohttpd-dev (or"* ]] &&
	pass "exactly the missing package is named" || fail "one missing package" "$out"

# ---- make install / uninstall honour DESTDIR, PREFIX and the *DIR variables ----
D=$T/root
mk -o all BUILD="$BUILD" DESTDIR="$D" PREFIX=/usr/local install >"$T/install.log" 2>&1 &&
	pass "make install PREFIX=/usr/local" || fail "make install" "$(tail -5 "$T/install.log")"
for f in usr/local/bin/homectl usr/local/sbin/homectl-api usr/local/sbin/homectl-mcp \
    usr/local/lib/systemd/system/homectl-api.socket usr/local/lib/systemd/system/homectl-api.service \
    usr/local/lib/systemd/system/homectl-mcp.socket usr/local/lib/systemd/system/homectl-mcp.service \
    usr/local/lib/sysusers.d/homectl.conf usr/local/lib/tmpfiles.d/homectl.conf \
    usr/local/share/bash-completion/completions/homectl usr/local/share/doc/homectl/README.md \
    usr/local/share/doc/homectl/docs/architecture.md usr/local/share/man/man1/homectl.1 \
    usr/local/share/man/man8/homectl-api.8 usr/local/share/homectl/web/index.html \
    etc/homectl/homectl.conf; do
	[ -f "$D/$f" ] || missing="${missing:-} /$f"
done
[ -z "${missing:-}" ] && pass "everything is installed under DESTDIR and PREFIX" ||
	fail "not installed:$missing"
# The README's links hold in the installed copy: every document it names
# is there (docs/lintian.md and docs/fuzzing.md are for homectl's
# developers), and so are the ones the man pages send the reader to.
missing=""
for f in $(grep -ohE 'docs/[a-z-]+\.md' README.md man/*.[158] | sort -u |
    grep -v '^docs/\(lintian\|fuzzing\)\.md$'); do
	[ -f "$D/usr/local/share/doc/homectl/$f" ] || missing="$missing $f"
done
[ -z "$missing" ] && pass "every document the README and the man pages name is installed" ||
	fail "named but not installed:$missing"
[ -z "$(find "$D" -path '*/lib/systemd/system/*' ! -path "$D/usr/local/*")" ] &&
	pass "the units go under PREFIX" || fail "units outside PREFIX" "$(find "$D" -name '*.service')"
grep -q '^ExecStart=/usr/local/sbin/homectl-api$' "$D/usr/local/lib/systemd/system/homectl-api.service" &&
	pass "the units start the binaries where PREFIX put them" ||
	fail "ExecStart" "$(grep ExecStart "$D"/usr/local/lib/systemd/system/*.service)"
echo "# edited" >>"$D/etc/homectl/homectl.conf"
mk -o all BUILD="$BUILD" DESTDIR="$D" PREFIX=/usr/local uninstall >"$T/uninstall.log" 2>&1 &&
	pass "make uninstall" || fail "make uninstall" "$(tail -5 "$T/uninstall.log")"
left=$(cd "$D" && find . -type f | sort)
[ "$left" = "./etc/homectl/homectl.conf" ] &&
	pass "uninstall removes every installed file but the edited configuration" ||
	fail "left after uninstall" "$left"
git_conf=$(realpath "$(dirname "$0")/../../packaging/homectl.conf")
cp "$git_conf" "$D/etc/homectl/homectl.conf"
mk -o all BUILD="$BUILD" DESTDIR="$D" PREFIX=/usr/local uninstall >/dev/null 2>&1
[ -z "$(cd "$D" && find . -type f)" ] && pass "an unedited configuration is removed too" ||
	fail "unedited config left"
mk -o all BUILD="$BUILD" DESTDIR="$D" UNITDIR=/lib/systemd/system install >/dev/null 2>&1 &&
	[ -f "$D/lib/systemd/system/homectl-api.socket" ] &&
	grep -q '^ExecStart=/usr/sbin/homectl-api$' "$D/lib/systemd/system/homectl-api.service" &&
	pass "UNITDIR overrides where the units go (debian/rules)" || fail "UNITDIR"

# ---- the README lists every suite ----
missing=""
for s in $(mk -s check-list); do
	grep -q "\`make $s\`" README.md || missing="$missing $s"
done
[ -z "$missing" ] && pass "the README lists every suite's make target" ||
	fail "suites missing from the README:$missing"

# ---- every daemon keeps the home its own ----
bad=""
for u in units/*.service; do
	grep -q '^StateDirectory=' "$u" || continue
	grep -q '^StateDirectoryMode=0700$' "$u" && grep -q '^UMask=0077$' "$u" || bad="$bad $u"
done
grep -qE '^d +/var/lib/homectl +0700 +homectl +homectl' units/homectl.tmpfiles || bad="$bad tmpfiles"
[ -z "$bad" ] && pass "units and tmpfiles keep /var/lib/homectl homectl's alone (0700, UMask=0077)" ||
	fail "the home is not private in:$bad"

# ---- the repository explains itself ----
# Every file of the tree a comment or a document names exists, and nothing
# points outside the repository.
files=$(git ls-files 2>/dev/null | grep -v '^tests/fuzz/corpus/\|package-lock\.json$')
if [ -n "$files" ]; then
	missing=$(printf '%s\n' $files | xargs grep -ohE \
	    '(^|[^A-Za-z0-9_./-])(docs|man|tests|common|daemons|cli|units|debian|packaging|web|bench)/[A-Za-z0-9_./-]+\.(md|c|h|mjs|js|sh|py|[158])\b' |
	    sed -E 's/^[^a-z]//' | sort -u | while read -r f; do [ -e "$f" ] || echo "$f"; done)
	[ -z "$missing" ] && pass "every file of the tree that is named exists" ||
		fail "named but missing:" "$(echo $missing)"
	outside=$(printf '%s\n' $files | grep -v '^tests/build/build_test\.sh$' |
	    xargs grep -lE 'DESIGN\.md|STYLE\.md|\.\./shared|(^|[^a-z_])(shared|notes|seed)/[a-z]' || true)
	[ -z "$outside" ] && pass "nothing points outside the repository" ||
		fail "files that point outside the repository:" "$(echo $outside)"
fi

# ---- bash completion: driven by homectl --help, the home gives the words ----
DB=$T/home.db
"$HOMECTL" --db "$DB" init --demo >/dev/null
# complete WORD...: what bash would offer for the last word.
complete_words() {
	bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _homectl
		printf "%s\n" "${COMPREPLY[@]}" | sort' _ packaging/homectl.bash-completion "$@"
}
# The CLI's own table of commands, read from its source: the completion
# must offer exactly these, and homectl must accept each one.
want=$(sed -n '/^} commands\[\] = {/,/^};/p; /^static const struct command {/,/^} commands/p' cli/main.c |
	grep -o '^	{ "[a-z-]*", cmd_' | cut -d'"' -f2 | sort)
got=$(complete_words "$HOMECTL" "")
[ -n "$want" ] && [ "$got" = "$want" ] && pass "homectl <TAB> offers every command of the CLI" ||
	fail "commands" "want: $(echo $want) got: $(echo $got)"
bad=""
for c in $got; do
	"$HOMECTL" --db "$DB" "$c" --no-such-option 2>&1 | grep -q "unknown command" && bad="$bad $c"
done
[ -z "$bad" ] && pass "homectl knows every command completed" || fail "unknown:$bad"
got=$(complete_words "$HOMECTL" --db "$DB" get "")
want=$(sqlite3 "$DB" "SELECT id FROM devices" | sort)
[ "$got" = "$want" ] && pass "get <TAB> offers the home's devices" || fail "device ids" "$got"
got=$(complete_words "$HOMECTL" --db "$DB" mode "")
want=$( (sqlite3 "$DB" "SELECT name FROM modes"; echo add; echo remove) | sort)
[ "$got" = "$want" ] && pass "mode <TAB> offers the home's modes (and add, remove)" ||
	fail "modes" "$got"
got=$(complete_words "$HOMECTL" device edit x --)
[ "$(echo $got)" = "--name --no-room --room" ] && pass "device edit ID --<TAB>: edit's options only" ||
	fail "device edit options" "$got"
got=$(complete_words "$HOMECTL" --db "$DB" set --room "")
want=$(sqlite3 "$DB" "SELECT id FROM rooms" | sort)
[ "$got" = "$want" ] && pass "--room <TAB> offers the rooms" || fail "rooms" "$got"
got=$(complete_words "$HOMECTL" --db "$DB" set living_room_light_main "" | tr '\n' ' ')
[ "$got" = "off on set toggle " ] && pass "set ID <TAB> offers that device's actions" ||
	fail "actions" "$got"
got=$(complete_words "$HOMECTL" --db "$DB" set living_room_light_main set --b)
[ "$got" = "--brightness" ] && pass "set ID ACTION --<TAB> offers its type's properties" ||
	fail "properties" "$got"
got=$(complete_words "$HOMECTL" --db "$DB" history --limit 5 --)
[ "$(echo $got)" = "--device --limit --since" ] && pass "a command's options come from --help" ||
	fail "history options" "$got"
got=$(complete_words "$HOMECTL" token "")
[ "$(echo $got)" = "create list revoke" ] && pass "token <TAB>: its subcommands" ||
	fail "token" "$got"
got=$(complete_words "$HOMECTL" --db "$DB" sensors "")
want=$(sqlite3 "$DB" "SELECT DISTINCT replace(type, '_sensor', '') FROM devices
	WHERE type LIKE '%_sensor'" | sort)
bad=""
for s in $got; do
	"$HOMECTL" --db "$DB" sensors "$s" 2>&1 | grep -q "unknown sensor type" && bad="$bad $s"
done
"$HOMECTL" --db "$DB" sensors toaster 2>&1 | grep -q "unknown sensor type" ||
	bad="$bad (the check itself: toaster accepted)"
[ -n "$got" ] && [ -z "$bad" ] && [ -z "$(comm -13 <(echo "$got") <(echo "$want"))" ] &&
	pass "sensors <TAB>: every sensor type of the home, each one homectl sensors knows" ||
	fail "sensor types" "got: $(echo $got) refused:$bad"
got=$(complete_words "$HOMECTL" --db "$T/none.db" get "")
[ -z "$got" ] && pass "no home, no device words (and no error)" || fail "no home" "$got"

# ---- homectl(1): every command's synopsis on its own tag line ----
# man renders a .TP tag that does not fit on one source line as the start of
# the paragraph: the options then run into the description.
rendered=$(MANWIDTH=200 man -l man/homectl.1 2>/dev/null | sed -n '/^COMMANDS/,/^EXIT STATUS/p')
bad=""
for c in $(complete_words "$HOMECTL" ""); do
	# Every tag line that names the command ("feed-fish, water ...",
	# "mode add NAME ... | mode remove NAME"), and every line of its
	# synopsis in --help.
	tag=$(printf '%s\n' "$rendered" | grep -E "^       ([^ ].*[,|] )?$c( |,|$)")
	syn=$("$HOMECTL" --help | awk -v c="$c" '/^Commands:/ {on = 1; next} /^[^ ]/ {on = 0}
		on && $1 == c {sub(/^  /, ""); sub(/  .*/, ""); print}')
	[ -n "$tag" ] || { bad="$bad $c(no tag)"; continue; }
	for o in $(printf '%s\n' "$syn" | grep -Eo -- '--[a-z][a-z_-]*'); do
		[[ $tag == *"$o"* ]] || bad="$bad $c($o)"
	done
done
[ -z "$bad" ] && pass "homectl(1): every command's options are in its entry's tag" ||
	fail "man tags:$bad"
for m in man/*.[158]; do
	w=$(LC_ALL=C.UTF-8 groff -man -ww -z "$m" 2>&1)
	[ -z "$w" ] && pass "groff: no warnings in $m" || fail "groff warnings in $m" "$w"
done

echo "$passed $failed" >"${HOMECTL_TEST_COUNT:-/dev/null}"
echo "build: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
