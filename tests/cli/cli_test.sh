#!/bin/bash
# SPDX-License-Identifier: MIT
# cli_test.sh -- the homectl command as people and scripts use it: real
# database files, a real sqlite3 shell as the foreign writer, exit codes and
# messages.
#
#   tests/cli/cli_test.sh BUILD_DIR
set -u
BUILD=${1:-build}
HOMECTL=$(realpath "$BUILD/homectl")
T=$(mktemp -d /tmp/homectl-cli-XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$T"' EXIT
DB=$T/home.db
export HOMECTL_CONFIG=$T/none.conf	# never read the machine's config
unset HOMECTL_DB
passed=0 failed=0

pass() { passed=$((passed + 1)); echo "ok - $1"; }
fail() { failed=$((failed + 1)); echo "not ok - $1"; [ $# -gt 1 ] && echo "#   $2"; }
# check NAME COMMAND...: passes when the command succeeds.
check() { local n=$1; shift; if "$@" >/dev/null 2>&1; then pass "$n"; else fail "$n" "$*"; fi; }
hc() { "$HOMECTL" --db "$DB" "$@"; }
digest() { sqlite3 "$DB" "SELECT group_concat(id||state||properties, ';') FROM devices;
	SELECT group_concat(seq||source, ';') FROM changes; SELECT mode FROM home"; }
json_len() { python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }

# ---- creating a home ----
out=$(hc list 2>&1); rc=$?
[ $rc -eq 1 ] && [[ $out == *"no database at"*"homectl init"* ]] &&
	pass "a missing database is explained" || fail "missing database" "$rc $out"
check "init --demo" hc init --demo
[ "$(hc --json list | json_len)" = 24 ] && pass "the demo home has 24 devices" ||
	fail "demo device count"
out=$(hc init --demo 2>&1); rc=$?
[ $rc -eq 1 ] && [[ $out == *"already holds a home"* ]] && pass "init refuses to overwrite" ||
	fail "init twice" "$rc $out"
hc --db "$T/empty.db" init >/dev/null && [ "$("$HOMECTL" --db "$T/empty.db" --json list |
	json_len)" = 0 ] && pass "init makes an empty home" || fail "empty init"

# ---- reading ----
out=$(hc status)
[[ $out == *"Mode:     home"* && $out == *"Lights:   2 of 7 on"* &&
	$out == *"Doors:    2 of 2 locked"* ]] && pass "status" || fail "status" "$out"
out=$(hc --json status)
[[ $out == *'"lights":{"on":2,"total":7}'* && $out == *'"active_mode":"home"'* ]] &&
	pass "status --json has the seed's shape" || fail "status --json" "$out"
[ "$(hc --json list --room kitchen | json_len)" = 4 ] && pass "list --room" || fail "list --room"
[ "$(hc list --type light --json | json_len)" = 7 ] && pass "list --type, --json last" ||
	fail "list --type"
out=$(hc get thermostat_main)
[[ $out == *"state:    auto"* && $out == *"target_temp 72 °F"* ]] && pass "get" || fail "get" "$out"
out=$(hc get kitchen_lihgt_main 2>&1); rc=$?
[ $rc -eq 1 ] && [[ $out == *"did you mean kitchen_light_main"* ]] &&
	pass "an unknown id names close matches" || fail "unknown id" "$rc $out"

# ---- bad input: one clear message, nonzero exit, nothing changed ----
before=$(digest)
bad() {	# bad NAME EXPECTED_TEXT ARGS...
	local name=$1 want=$2 out rc lines
	shift 2
	out=$(hc "$@" 2>&1 >/dev/null); rc=$?
	lines=$(printf '%s\n' "$out" | wc -l)
	if [ $rc -ne 0 ] && [[ $out == *"$want"* ]] && [ "$lines" -eq 1 ] &&
	    [ "$(digest)" = "$before" ]; then
		pass "refused: $name"
	else
		fail "refused: $name" "rc=$rc lines=$lines out=$out"
	fi
}
bad "unknown device" "unknown device" set nowhere_light on
bad "action not valid for the type" "cannot 'open'" set living_room_light_main open
bad "out of range" "out of range" set living_room_light_main set --brightness 101
bad "wrong value type" "must be an integer" set living_room_light_main set --brightness high
bad "unknown property" "unknown option --flavour" set living_room_light_main set --flavour x
bad "read-only property" "read-only" set thermostat_main set --current_temp 50
bad "bad enum" "one of" set thermostat_main set --mode turbo
bad "unknown mode" "unknown mode 'party'" mode party
bad "unknown room" "unknown room" set off --room attic
bad "unknown type" "unknown device type" list --type toaster
bad "unknown sensor" "unknown sensor type" sensors air_quality
bad "bad duration" "--duration" water --duration 500
bad "bad since" "--since" history --since yesterday
bad "unknown option" "unknown option" list --colour red
bad "missing argument" "missing an argument" get
bad "no target for set" "bulk action" set off
out=$(hc frobnicate 2>&1); rc=$?
[ $rc -eq 2 ] && [[ $out == *"unknown command"* ]] && pass "unknown command exits 2" ||
	fail "unknown command" "$rc $out"

# ---- changing the home ----
check "set brightness" hc set living_room_light_lamp set --brightness 55
[ "$(sqlite3 "$DB" "SELECT state || json_extract(properties, '$.brightness') FROM devices
	WHERE id = 'living_room_light_lamp'")" = on55 ] && pass "the database has the change" ||
	fail "set stored"
[ "$(sqlite3 "$DB" "SELECT source FROM changes ORDER BY seq DESC LIMIT 1")" = cli ] &&
	pass "the feed says the CLI did it" || fail "feed source"
out=$(hc set off --room kitchen --type light)
[[ $out == *kitchen_light_main* && $out == *kitchen_light_counter* ]] &&
	pass "bulk by room and type" || fail "bulk" "$out"
check "unlock from the CLI (a person typed it)" hc set front_door_lock unlock
check "blinds close" hc set bedroom_blinds close
[ "$(sqlite3 "$DB" "SELECT state FROM devices WHERE id = 'bedroom_blinds'")" = closed ] &&
	pass "close stores closed" || fail "blinds closed"
out=$(hc mode sleep)
[[ $out == "mode home -> sleep"* ]] && pass "mode sleep" || fail "mode sleep" "$out"
[ "$(sqlite3 "$DB" "SELECT state || json_extract(properties, '$.brightness') FROM devices
	WHERE id = 'bedroom_light_main'")" = on20 ] &&
	pass "sleep sets bedroom brightness 20 (seed defect 1)" || fail "sleep brightness"
[ "$(hc mode)" = "sleep: Bedroom lights at 20 %, other lights off, doors locked, thermostat 68 °F." ] &&
	pass "mode shows the active mode" || fail "mode show"
check "feed-fish" hc feed-fish
check "water" hc water --zone front_yard --duration 5
check "ev start" hc ev start
[ "$(sqlite3 "$DB" "SELECT state FROM devices WHERE id = 'outdoor_ev_charger'")" = charging ] &&
	pass "ev charging" || fail "ev charging"

# ---- history ----
out=$(hc history --limit 3)
[ "$(printf '%s\n' "$out" | wc -l)" = 4 ] && [[ $out == *outdoor_ev_charger* ]] &&
	pass "history --limit shows the newest" || fail "history --limit" "$out"
[ "$(hc --json history --since 0 --limit 5 | python3 -c 'import json,sys
d=json.load(sys.stdin); print(",".join(str(c["seq"]) for c in d["changes"]))')" = 1,2,3,4,5 ] &&
	pass "history --since --limit" || fail "history --since"
[ "$(hc --json history --device garage_door --since 0 | python3 -c 'import json,sys
print(len(json.load(sys.stdin)["changes"]))')" = 1 ] && pass "history --device" ||
	fail "history --device"
# A device's last N changes, however many of the house's came after them:
# three of the lamp's, then 60 of another light's.
for b in 11 12 13; do hc set living_room_light_lamp set --brightness $b >/dev/null; done
for i in $(seq 1 30); do hc set kitchen_light_counter toggle >/dev/null; done
hc set kitchen_light_counter toggle >/dev/null; hc set kitchen_light_counter toggle >/dev/null
for i in $(seq 1 28); do hc set kitchen_light_counter toggle >/dev/null; done
out=$(hc --json history --device living_room_light_lamp --limit 2 | python3 -c 'import json,sys
d=json.load(sys.stdin)["changes"]
print(" ".join(str(c["device"]["properties"]["brightness"]) for c in d),
      all(c["device"]["id"] == "living_room_light_lamp" for c in d),
      d[0]["seq"] < d[1]["seq"])')
[ "$out" = "12 13 True True" ] && pass "history --device X --limit N: X's last N, oldest first" ||
	fail "history --device --limit" "$out"
out=$(hc history --device living_room_light_lamp --limit 2)
[ "$(printf '%s\n' "$out" | wc -l)" = 3 ] && [[ $out == *living_room_light_lamp* ]] &&
	pass "history --device --limit in a table" || fail "history --device --limit table" "$out"
[ "$(hc --json history --limit 4 | python3 -c 'import json,sys
print(len(json.load(sys.stdin)["changes"]))')" = 4 ] && pass "history --limit of the house" ||
	fail "history --limit of the house"

# ---- watch: every writer, live ----
# From the feed's end as it is now (--since), so that the changes below are
# printed however long watch takes to start: no sleep.
since=$(sqlite3 "$DB" "SELECT coalesce(max(seq), 0) FROM changes")
"$HOMECTL" --db "$DB" --json watch --since "$since" >"$T/watch.out" 2>"$T/watch.err" &
wpid=$!
sqlite3 "$DB" "UPDATE devices SET state = 'on' WHERE id = 'bathroom_light'"
hc set bathroom_fan on >/dev/null
for _ in $(seq 300); do
	[ "$(wc -l <"$T/watch.out")" -ge 2 ] && break
	sleep 0.1
done
kill -INT $wpid
wait $wpid; wrc=$?
if grep -q '"source":"unknown".*"id":"bathroom_light"' "$T/watch.out" &&
    grep -q '"source":"cli".*"id":"bathroom_fan"' "$T/watch.out"; then
	pass "watch prints changes by the sqlite3 shell and by the CLI"
else
	fail "watch" "$(cat "$T/watch.out" "$T/watch.err")"
fi
[ $wrc -eq 0 ] && pass "watch exits cleanly on Ctrl-C" || fail "watch exit" "rc=$wrc"
since=$(sqlite3 "$DB" "SELECT coalesce(max(seq), 0) FROM changes")
"$HOMECTL" --db "$DB" watch --no-inotify --interval 50 --since "$since" >"$T/watch2.out" \
	2>/dev/null &
wpid=$!
sqlite3 "$DB" "UPDATE devices SET state = 'off' WHERE id = 'bathroom_light'"
for _ in $(seq 300); do grep -q bathroom_light "$T/watch2.out" && break; sleep 0.1; done
kill -TERM $wpid; wait $wpid
grep -q "unknown  bathroom_light -> off" "$T/watch2.out" &&
	pass "watch without inotify, on the timer" || fail "watch --no-inotify" "$(cat "$T/watch2.out")"

# ---- choosing the database ----
HOMECTL_DB=$DB "$HOMECTL" status >/dev/null 2>&1 && pass "HOMECTL_DB" || fail "HOMECTL_DB"
printf '# test\ndatabase = %s\n' "$DB" >"$T/homectl.conf"
HOMECTL_CONFIG=$T/homectl.conf "$HOMECTL" status >/dev/null 2>&1 && pass "config file database" ||
	fail "config database"
printf 'colour = blue\n' >"$T/bad.conf"
out=$("$HOMECTL" --config "$T/bad.conf" status 2>&1); rc=$?
[ $rc -ne 0 ] && [[ $out == *"bad.conf:1: unknown setting 'colour'"* ]] &&
	pass "a bad config line is named" || fail "bad config" "$out"

# ---- tokens ----
tok=$(hc token create laptop)
[[ $tok =~ ^hc_[A-Za-z0-9_-]{43}$ ]] && pass "token create prints one token" || fail "token" "$tok"
[ "$(sqlite3 "$DB" "SELECT count(*) FROM tokens WHERE hash = '$tok'")" = 0 ] &&
	[ "$(sqlite3 "$DB" "SELECT length(hash) FROM tokens WHERE name = 'laptop'")" = 64 ] &&
	pass "only the token's hash is stored" || fail "token hash"
out=$(hc token create laptop 2>&1); [ $? -eq 1 ] && pass "duplicate token name refused" ||
	fail "dup token" "$out"
[[ $(hc token list) == *laptop* ]] && pass "token list" || fail "token list"
check "token revoke" hc token revoke laptop
out=$(hc token revoke laptop 2>&1); [ $? -eq 1 ] && pass "revoking twice is an error" ||
	fail "revoke twice"

# ---- rows homectl cannot use ----
# The report: a NULL device id written by the sqlite3 shell into a schema-1
# database crashed every `get` of a mistyped id.  Opening migrates: the row
# is quarantined (reported on stderr), and the lookup answers.
OLD=$T/old.db
sqlite3 "$OLD" ".read tests/fixtures/schema-1.sql" &&
	sqlite3 "$OLD" "INSERT INTO devices(id, name, type, state) VALUES (NULL, 'ghost', 'light', 'on')"
out=$("$HOMECTL" --db "$OLD" get kitchen_lite 2>&1); rc=$?
[ $rc -eq 1 ] && [[ $out == *"1 row(s) of devices broke the schema's rules"* &&
	$out == *"did you mean kitchen_light?"* ]] &&
	pass "a NULL device id is quarantined, not a crash" || fail "NULL id" "rc=$rc $out"
[ "$(sqlite3 "$OLD" "SELECT from_table || ': ' || reason FROM quarantine LIMIT 1")" = \
	"devices: id is not a non-empty string" ] && pass "the quarantine keeps the row and why" ||
	fail "quarantine table"
out=$(sqlite3 "$OLD" "INSERT INTO devices(id, name, type, state) VALUES (NULL, 'g', 'light', 'on')" 2>&1)
[[ $out == *"NOT NULL constraint failed: devices.id"* ]] && pass "the schema refuses a NULL id" ||
	fail "NULL id refused" "$out"
out=$(sqlite3 "$OLD" "INSERT INTO devices(id, name, type, state) VALUES ('t', 't', 'toaster', 'on')" 2>&1)
[[ $out == *"CHECK constraint failed: device_type"* ]] && pass "the schema names the rule broken" ||
	fail "toaster refused" "$out"
# Written with the checks off: every reader skips it, once in the log.
sqlite3 "$OLD" "PRAGMA ignore_check_constraints = ON;
	INSERT INTO devices(id, name, type, state) VALUES ('t', x'00', 'toaster', 'on');
	INSERT INTO changes(kind) VALUES ('nonsense')"
out=$("$HOMECTL" --db "$OLD" --json list 2>"$T/err"); rc=$?
[ $rc -eq 0 ] && [ "$(printf '%s' "$out" | json_len)" = 2 ] &&
	[ "$(grep -c 'skipped' "$T/err")" = 1 ] &&
	pass "list skips a bad row and logs it once" || fail "list bad row" "rc=$rc $(cat "$T/err")"
for cmd in status "history" "modes" "rooms" "get t" "set t on" "token list"; do
	# shellcheck disable=SC2086
	"$HOMECTL" --db "$OLD" $cmd >/dev/null 2>&1; rc=$?
	[ $rc -le 1 ] && pass "homectl $cmd survives bad rows" || fail "homectl $cmd" "rc=$rc"
done

# ---- diagnostics: plain lines for people, on a terminal or not ----
printf 'not a database, not at all, certainly not SQLite format 3 .........\n' >"$T/junk.db"
out=$("$HOMECTL" --db "$T/junk.db" list 2>&1 >/dev/null)
[[ $out == *"homectl: db: "*"junk.db: file is not a database"* && $out != *"<"[0-7]">"* ]] &&
	pass "a warning on a pipe has no <N> prefix" || fail "warning on a pipe" "$out"
if command -v script >/dev/null; then
	# script(1) gives homectl a terminal as stdin, stdout and stderr.
	out=$(script -qec "$HOMECTL --db $T/junk.db list" /dev/null 2>&1)
	[[ $out == *"homectl: db: "*"file is not a database"* && $out != *"<"[0-7]">"* ]] &&
		pass "a warning on a terminal has no <N> prefix" || fail "warning on a tty" "$out"
fi

# ---- doctor: one line per finding, what to fix, exit 1 on a problem ----
DDB=$T/doctor.db
"$HOMECTL" --db "$DDB" init --demo >/dev/null
chmod 600 "$DDB"
out=$("$HOMECTL" --config /dev/null --db "$DDB" doctor 2>&1); rc=$?
[ $rc -eq 0 ] && [[ $out == *"ok       database "*"doctor.db opens (schema "* &&
	$out == *"ok       database integrity "*"passes PRAGMA quick_check"* &&
	$out == *"ok       database access "*"readable by its owner only"* &&
	$out == *"no problems found"* ]] && pass "doctor: a sound home, exit 0" ||
	fail "doctor sound" "rc=$rc $out"
chmod 644 "$DDB"
out=$("$HOMECTL" --config /dev/null --db "$DDB" doctor 2>&1); rc=$?
[ $rc -eq 1 ] && [[ $out == *"PROBLEM  database access "*"mode 0644"*"chmod 600 $DDB"* &&
	$out == *"1 problem found"* ]] && pass "doctor: a database others can read, and the chmod" ||
	fail "doctor mode" "rc=$rc $out"
chmod 600 "$DDB"
printf 'database = %s\nupdate_check_interval = soon\n' "$DDB" >"$T/doctor.conf"
out=$("$HOMECTL" --config "$T/doctor.conf" --db "$DDB" doctor 2>&1); rc=$?
[ $rc -eq 1 ] && [[ $out == *"PROBLEM  config "*"doctor.conf:2: "*"fix the line"* &&
	$out == *"ok       database "* ]] &&
	pass "doctor: a bad config line is a finding, the rest is still checked" ||
	fail "doctor config" "rc=$rc $out"
out=$("$HOMECTL" --config /dev/null --db "$T/none.db" doctor 2>&1); rc=$?
[ $rc -eq 1 ] && [[ $out == *"PROBLEM  database "*"no database at"*"homectl init"* ]] &&
	[ ! -e "$T/none.db" ] && pass "doctor: no database, and it creates none" ||
	fail "doctor missing db" "rc=$rc $out"
# A damaged page: quick_check names it.  The demo's devices are in the
# pages after the first; overwrite one in the middle of the file.
cp "$DDB" "$T/damaged.db"
pages=$(( $(stat -c %s "$T/damaged.db") / 4096 ))
dd if=/dev/urandom of="$T/damaged.db" bs=4096 seek=$((pages / 2)) count=1 conv=notrunc 2>/dev/null
out=$("$HOMECTL" --config /dev/null --db "$T/damaged.db" doctor 2>&1); rc=$?
[ $rc -eq 1 ] && [[ $out == *"PROBLEM  database"* ]] &&
	pass "doctor: a damaged database is a problem" || fail "doctor damaged" "rc=$rc $out"
echo "$out" | grep PROBLEM | sed 's/^/#   /'
before_digest=$(sqlite3 "$DDB" "SELECT group_concat(id||state, ';') FROM devices")
"$HOMECTL" --config /dev/null --db "$DDB" doctor >/dev/null 2>&1
[ "$(sqlite3 "$DDB" "SELECT group_concat(id||state, ';') FROM devices")" = "$before_digest" ] &&
	[ "$(stat -c %a "$DDB")" = 600 ] && pass "doctor changes nothing" || fail "doctor changed"

# ---- help ----
out=$("$HOMECTL" --help)
[[ $out == *"history [--since SEQ]"* && $out == *"watch"* && $out == *"token create"* &&
	$out == *"doctor "* ]] &&
	pass "--help lists the commands" || fail "--help"
[[ $("$HOMECTL" --version) == "homectl "* ]] && pass "--version" || fail "--version"

echo "$passed $failed" >"${HOMECTL_TEST_COUNT:-/dev/null}"
echo "cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
