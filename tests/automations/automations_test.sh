#!/bin/bash
# SPDX-License-Identifier: MIT
# automations_test.sh -- homectl-automations and `homectl automation`
# through their real interfaces: the CLI writes, the daemon (started by
# hand, as a person would) runs, the sqlite3 shell plays the foreign writer
# and reads what happened.  Time-based cases run on the daemon's test clock
# (--clock-offset-file): the file holds seconds added to the real clock and
# writing it is a clock step, so an hour passes in a second.
#
#   tests/automations/automations_test.sh BUILD_DIR
set -u
BUILD=${1:-build}
HOMECTL=$(realpath "$BUILD/homectl")
DAEMON=$(realpath "$BUILD/homectl-automations")
T=$(mktemp -d /tmp/homectl-auto-XXXXXX)
trap 'stop_daemon; rm -rf "$T"' EXIT
DB=$T/home.db
CONF=$T/homectl.conf
OFFSET=$T/clock/offset
export HOMECTL_CONFIG=$CONF
unset HOMECTL_DB
mkdir -p "$T/clock"
: >"$T/daemon.log.prev"
# Berlin, for sunrise and sunset.
printf 'latitude = 52.52\nlongitude = 13.405\n' >"$CONF"
passed=0 failed=0
DPID=

pass() { passed=$((passed + 1)); echo "ok - $1"; }
fail() { failed=$((failed + 1)); echo "not ok - $1"; [ $# -gt 1 ] && echo "#   $2"; }
hc() { "$HOMECTL" --db "$DB" "$@"; }
q() { sqlite3 "$DB" "$@"; }
add() { printf '%s' "$1" | hc automation add - >/dev/null; }
# wait_for SECONDS COMMAND...: polls until the command succeeds.
wait_for() {
	local end=$(($(date +%s) + $1))
	shift
	while [ "$(date +%s)" -le $end ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}
state() { q "SELECT state FROM devices WHERE id = '$1'"; }
mode_is() { [ "$(q "SELECT mode FROM home")" = "$1" ]; }
prop_is() { [ "$(q "SELECT json_extract(properties, '\$.$2') FROM devices WHERE id = '$1'")" = "$3" ]; }
is_state() { [ "$(state "$1")" = "$2" ]; }
runs() { q "SELECT count(*) FROM automation_runs WHERE automation = '$1' AND outcome = '$2'"; }
has_runs() { [ "$(runs "$1" "$2")" -ge "$3" ]; }
now() { date +%s; }
# set_clock EPOCH: the daemon's clock reads EPOCH now.
set_clock() { echo "$(($1 - $(now)))" >"$OFFSET.tmp" && mv "$OFFSET.tmp" "$OFFSET"; }
start_daemon() {
	"$DAEMON" --db "$DB" --clock-offset-file "$OFFSET" --log-level debug "$@" \
		>>"$T/daemon.log" 2>&1 &
	DPID=$!
	wait_for 15 grep -q "running [0-9]* automation" "$T/daemon.log" ||
		fail "the daemon starts" "$(tail -5 "$T/daemon.log")"
}
stop_daemon() {
	[ -n "$DPID" ] || return 0
	kill "$DPID" 2>/dev/null
	wait "$DPID" 2>/dev/null
	DPID=
	cat "$T/daemon.log" >>"$T/daemon.log.prev"
	: >"$T/daemon.log"
}
digest() { q "SELECT group_concat(id||state||properties, ';') FROM devices;
	SELECT count(*) FROM automations; SELECT count(*) FROM automation_runs;
	SELECT count(*) FROM changes"; }

"$HOMECTL" --db "$DB" init --demo >/dev/null || { echo "not ok - init"; exit 1; }
echo 0 >"$OFFSET"

# ---- refused at creation, by the CLI, with one sentence; nothing stored ----
before=$(digest)
refuse() {	# refuse NAME EXPECTED DOCUMENT
	local out rc
	out=$(printf '%s' "$3" | hc automation add - 2>&1); rc=$?
	if [ $rc -eq 1 ] && [[ $out == *"$2"* ]] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] &&
	    [ "$(digest)" = "$before" ]; then
		pass "refused: $1"
	else
		fail "refused: $1" "rc=$rc out=$out"
	fi
}
refuse "unknown device" "did you mean front_door_lock" \
	'{"name":"a","triggers":[{"device":"front_dor_lock","to":"unlocked"}],"actions":[{"mode":"home"}]}'
refuse "unknown property" "has no property 'colour'" \
	'{"name":"a","triggers":[{"at":"daily"}],"actions":[{"device":"bathroom_light","action":"set","properties":{"colour":1}}]}'
refuse "bad action" "action 1: front_door_lock" \
	'{"name":"a","triggers":[{"at":"daily"}],"actions":[{"device":"front_door_lock","action":"on"}]}'
refuse "unknown mode" 'unknown mode "party"' \
	'{"name":"a","triggers":[{"at":"daily"}],"conditions":[{"mode":"party"}],"actions":[{"mode":"home"}]}'
refuse "bad calendar expression" '"Mon..Fry 07:00" is not a calendar expression' \
	'{"name":"a","triggers":[{"at":"Mon..Fry 07:00"}],"actions":[{"mode":"home"}]}'
refuse "not JSON" "stdin is not JSON" '{"name":'
refuse "a loop on itself" 'would trigger itself forever: "flicker" -> "flicker"' \
	'{"name":"flicker","triggers":[{"device":"bathroom_light"}],"actions":[{"device":"bathroom_light","action":"toggle"}]}'
add '{"name":"lamp follows fan","triggers":[{"device":"bedroom_fan","to":"on"}],"actions":[{"device":"bedroom_light_bedside","action":"toggle"}]}'
before=$(digest)
refuse "a loop through another automation" \
	'"fan follows lamp" -> "lamp follows fan" -> "fan follows lamp"' \
	'{"name":"fan follows lamp","triggers":[{"device":"bedroom_light_bedside"}],"actions":[{"device":"bedroom_fan","action":"toggle"}]}'
hc automation remove "lamp follows fan" >/dev/null
out=$(hc automation show nothing 2>&1); rc=$?
[ $rc -eq 1 ] && [[ $out == *'no automation is named "nothing"'* ]] &&
	pass "an unknown name is refused" || fail "unknown name" "$out"

# ---- the issue's example, end to end ----
add '{"name":"hall light when the door opens","enabled":true,
 "triggers":[{"device":"front_door_lock","to":"unlocked"}],
 "conditions":[{"mode":"home"},{"time":{"after":"00:00","before":"23:59:59"}}],
 "actions":[{"device":"living_room_light_lamp","action":"on","properties":{"brightness":60}},
            {"delay_s":2},{"device":"living_room_light_lamp","action":"off"}]}' &&
	pass "the issue's example is accepted" || fail "the issue's example"
start_daemon
hc set front_door_lock unlock >/dev/null
wait_for 10 is_state living_room_light_lamp on && pass "a state trigger runs the actions" ||
	fail "state trigger"
[ "$(q "SELECT source || ':' || automation FROM changes WHERE device_id = 'living_room_light_lamp'
	ORDER BY seq DESC LIMIT 1")" = "automation:hall light when the door opens" ] &&
	pass "its change is in the feed with source automation and its name" || fail "feed source"
out=$(hc --json history --device living_room_light_lamp --limit 1)
[[ $out == *'"source":"automation"'*'"automation":"hall light when the door opens"'* ]] &&
	pass "homectl history shows the automation" || fail "history" "$out"
out=$(hc history --device living_room_light_lamp --limit 1)
[[ $out == *automation*'by the automation "hall light when the door opens"'* ]] &&
	pass "and says so to people" || fail "history for people" "$out"
wait_for 10 is_state living_room_light_lamp off && pass "delay_s, then the last action" ||
	fail "delay"
# How late the 2 s delay ended (sd-event's default accuracy made it up to
# 250 ms).  Printed, not asserted: the machine may be loaded.
echo "# delay_s 2 took $(q "SELECT CAST(round((max(julianday(at)) - min(julianday(at))) * 86400000) AS INTEGER)
	FROM (SELECT at FROM changes WHERE device_id = 'living_room_light_lamp' ORDER BY seq DESC LIMIT 2)") ms"
wait_for 5 has_runs "hall light when the door opens" done 1
out=$(hc automation show "hall light when the door opens")
[[ $out == *"done"*'"device":"front_door_lock"'*"3 of 3 actions ok"* ]] &&
	pass "show lists the run: trigger, outcome, actions" || fail "show" "$out"
[ "$(q "SELECT json_extract(conditions, '\$[0].holds') FROM automation_runs
	WHERE automation = 'hall light when the door opens'")" = 1 ] &&
	pass "the run keeps the conditions' outcome" || fail "conditions recorded"

# Conditions that do not hold: the run is recorded as skipped, nothing done.
hc set front_door_lock lock >/dev/null
hc mode away >/dev/null
hc set front_door_lock unlock >/dev/null
wait_for 10 has_runs "hall light when the door opens" skipped 1 &&
	[ "$(state living_room_light_lamp)" = off ] &&
	pass "conditions that do not hold skip the run (and say so)" || fail "skipped"
out=$(hc automation test "hall light when the door opens")
[[ $out == *"no "*'{"mode":"home"}'*"(the mode is away)"* &&
	$out == *"do not hold now"* ]] && pass "test says which conditions hold" ||
	fail "test" "$out"
hc mode home >/dev/null
hc set front_door_lock lock >/dev/null

# ---- for_s: held long enough, or not ----
add '{"name":"fan after a while","triggers":[{"device":"bathroom_light","to":"on","for_s":2}],
 "actions":[{"device":"bathroom_fan","action":"on"}]}'
hc set bathroom_light on >/dev/null
sleep 0.5
hc set bathroom_light off >/dev/null
sleep 2.5
[ "$(state bathroom_fan)" = off ] && [ "$(runs "fan after a while" done)" = 0 ] &&
	pass "for_s: not held long enough, not run" || fail "for_s short"
hc set bathroom_light on >/dev/null
wait_for 10 is_state bathroom_fan on && pass "for_s: held, run" || fail "for_s held"

# ---- numeric trigger, written by a foreign writer ----
add '{"name":"too hot","triggers":[{"device":"thermostat_main","property":"current_temp","above":85}],
 "actions":[{"device":"living_room_fan","action":"set","properties":{"speed":3}}]}'
q "UPDATE devices SET properties = json_set(properties, '\$.current_temp', 80) WHERE id = 'thermostat_main'"
sleep 1
[ "$(state living_room_fan)" = off ] && pass "numeric: below the threshold, nothing" ||
	fail "numeric below"
q "UPDATE devices SET properties = json_set(properties, '\$.current_temp', 90.5) WHERE id = 'thermostat_main'"
wait_for 10 is_state living_room_fan on && pass "numeric: crossing above, run" ||
	fail "numeric above"
q "UPDATE devices SET properties = json_set(properties, '\$.current_temp', 91) WHERE id = 'thermostat_main'"
sleep 1
[ "$(runs "too hot" done)" = 1 ] && pass "numeric: staying above does not fire again" ||
	fail "numeric again"

# ---- mode trigger, bulk and mode actions ----
add '{"name":"leaving","triggers":[{"mode":"away","from":"home"}],
 "actions":[{"room":"kitchen","type":"light","action":"off"},{"mode":"sleep"}]}'
hc set kitchen_light_counter on >/dev/null
hc mode away >/dev/null
wait_for 10 mode_is sleep &&
	[ "$(state kitchen_light_counter)" = off ] &&
	pass "a mode trigger; bulk (room and type) and mode actions" || fail "mode trigger"
hc mode home >/dev/null

# ---- a failing action: logged and recorded, nothing after it runs ----
# Written by a foreign writer, so nobody allowed it to unlock (the CLI's
# person would have: see below).
q "INSERT INTO automations(name, document) VALUES ('open up', json('{\"name\":\"open up\",
 \"enabled\":true,\"mode\":\"single\",\"persistent\":false,
 \"triggers\":[{\"device\":\"garage_door\",\"to\":\"open\"}],\"conditions\":[],
 \"actions\":[{\"device\":\"back_door_lock\",\"action\":\"unlock\"},
 {\"device\":\"bathroom_light\",\"action\":\"off\"}]}'))"
hc set bathroom_light on >/dev/null
hc set garage_door open >/dev/null
wait_for 10 has_runs "open up" failed 1 && [ "$(state back_door_lock)" = locked ] &&
	[ "$(state bathroom_light)" = on ] &&
	pass "a confirmation-gated action fails the run; the rest does not run" ||
	fail "failed action"
[[ $(q "SELECT json_extract(actions, '\$[0].error') FROM automation_runs WHERE automation = 'open up'") == *confirm* ]] &&
	pass "the run records why the action failed" || fail "failed action recorded"
grep -q '"open up": action 1 failed' "$T/daemon.log" && pass "the failure is logged" ||
	fail "failure logged"
hc set garage_door close >/dev/null
q "DELETE FROM automations WHERE name = 'open up'"

# ---- the person allowed it: an automation opens what it was allowed to ----
# `homectl automation add` is a person at the keyboard: their yes is kept
# with the automation for its opening actions (and only those).
add '{"name":"let in","triggers":[{"device":"garage_door","to":"open"}],
 "actions":[{"device":"back_door_lock","action":"unlock"},{"device":"bathroom_light","action":"off"}]}'
[ "$(q "SELECT consent FROM automations WHERE name = 'let in'")" = \
	'[{"device":"back_door_lock","name":"Back door","action":"unlock"}]' ] &&
	pass "the person's yes is kept with the automation, naming each opening action" ||
	fail "consent kept" "$(q "SELECT consent FROM automations WHERE name = 'let in'")"
hc set bathroom_light on >/dev/null
hc set garage_door open >/dev/null
wait_for 10 has_runs "let in" done 1 && [ "$(state back_door_lock)" = unlocked ] &&
	[ "$(state bathroom_light)" = off ] &&
	pass "an automation the person allowed unlocks when it runs" || fail "consented run" \
	"$(q "SELECT outcome, actions FROM automation_runs WHERE automation = 'let in'")"
# A foreign writer's new document keeps the consent, which covers only the
# back door: unlocking the front door fails.
hc set garage_door close >/dev/null
hc set back_door_lock lock >/dev/null
q "UPDATE automations SET document = json_set(document, '\$.actions[0].device', 'front_door_lock')
 WHERE name = 'let in'"
loaded() { [ "$(grep -c 'loaded "let in"' "$T/daemon.log")" -ge 2 ]; }
wait_for 10 loaded || fail "the daemon loads the new document"
hc set garage_door open >/dev/null
wait_for 10 has_runs "let in" failed 1 && [ "$(state front_door_lock)" = locked ] &&
	pass "the consent covers the actions it names, no others" || fail "consent scope"
hc set garage_door close >/dev/null
q "DELETE FROM automations WHERE name = 'let in'"

# ---- another process holds the write lock: the loop goes on, the run waits ----
# The lock is taken first and the trigger is the test clock (no write), so
# the run certainly meets the lock, however slow the machine; the locker
# holds it until told.
at=$(( ($(now) / 60 + 180) * 60 ))
expr="*-*-* $(date -u -d "@$at" +%H:%M):00 UTC"
add "{\"name\":\"patient\",\"triggers\":[{\"at\":\"$expr\"}],
 \"actions\":[{\"device\":\"bedroom_light_main\",\"action\":\"toggle\"}]}"
before_light=$(state bedroom_light_main)
mkfifo "$T/unlock"
python3 -c 'import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").close()
open(sys.argv[3]).read()
c.execute("COMMIT")
open(sys.argv[4], "w").write("%.6f" % time.time())' "$DB" "$T/locked" "$T/unlock" "$T/released" &
locker=$!
wait_for 15 test -e "$T/locked" || fail "the locker takes the lock"
# Loaded before its time comes, or it would be planned for tomorrow.
wait_for 15 grep -q 'loaded "patient"' "$T/daemon.log" || fail "patient loaded"
set_clock $((at - 1))
wait_for 15 grep -q '"patient": the database is locked by another process' "$T/daemon.log" &&
	pass "the run meets the lock, and the daemon says so" || fail "the run met the lock"
t0=$(date +%s%N)
kill -HUP "$DPID"
wait_for 5 grep -q "SIGHUP: loading the automations again" "$T/daemon.log" &&
	pass "while the lock is held, the daemon still answers ($((($(date +%s%N) - t0) / 1000000)) ms)" ||
	fail "the loop waited on the lock"
[ "$(state bedroom_light_main)" = "$before_light" ] && pass "the action has not run under the lock" ||
	fail "ran under the lock?"
seq_before=$(q "SELECT max(seq) FROM changes")
echo >"$T/unlock"
wait "$locker"
wait_for 10 has_runs patient done 1 && [ "$(state bedroom_light_main)" != "$before_light" ] &&
	pass "once the lock is gone the action runs, and the run is recorded" || fail "after the lock"
# How long after the lock went the retry wrote (BUSY_RETRY_MS is 20 ms;
# with sd-event's default accuracy it was up to 250 ms).  Printed, not
# asserted: the machine may be loaded.
acted=$(q "SELECT (julianday(at) - 2440587.5) * 86400.0 FROM changes
	WHERE seq > $seq_before AND device_id = 'bedroom_light_main' ORDER BY seq LIMIT 1")
echo "# the retried action wrote $(python3 -c "print(round(($acted - $(cat "$T/released")) * 1000))") ms after the lock was released"
hc automation remove patient >/dev/null
set_clock "$(now)"

# ---- run modes ----
for m in single restart queued; do
	add "{\"name\":\"mode $m\",\"mode\":\"$m\",\"triggers\":[{\"device\":\"kitchen_light_main\",\"property\":\"brightness\"}],
	 \"actions\":[{\"delay_s\":2},{\"device\":\"bathroom_fan\",\"action\":\"toggle\"}]}"
done
# All three loaded before the first change, and the second change made
# while their first runs wait out their delay (not a fixed 0.5 s apart).
for m in single restart queued; do
	wait_for 15 grep -q "loaded \"mode $m\"" "$T/daemon.log" || fail "mode $m loaded"
done
hc set kitchen_light_main set --brightness 30 >/dev/null
for m in single restart queued; do
	wait_for 15 has_runs "mode $m" waiting 1 || fail "mode $m waits"
done
hc set kitchen_light_main set --brightness 40 >/dev/null
wait_for 15 has_runs "mode queued" done 2
sleep 0.5
[ "$(runs "mode single" done)" = 1 ] && [ "$(q "SELECT count(*) FROM automation_runs WHERE automation = 'mode single'")" = 1 ] &&
	pass "single: a trigger while running is ignored" || fail "single"
[ "$(runs "mode restart" cancelled)" = 1 ] && [ "$(runs "mode restart" done)" = 1 ] &&
	pass "restart: the running one is cancelled, the new one runs" || fail "restart"
[ "$(runs "mode queued" done)" = 2 ] && pass "queued: both run, one after the other" ||
	fail "queued"
for m in single restart queued; do hc automation remove "mode $m" >/dev/null; done

# ---- run and enable/disable through the CLI ----
out=$(hc automation run --wait "fan after a while")
[[ $out == *done*'{"run":"cli"}'* ]] && pass "run: now, whatever the triggers" || fail "run" "$out"
hc automation disable "too hot" >/dev/null
q "UPDATE devices SET properties = json_set(properties, '\$.current_temp', 70) WHERE id = 'thermostat_main'"
q "UPDATE devices SET properties = json_set(properties, '\$.current_temp', 95) WHERE id = 'thermostat_main'"
sleep 1
[ "$(runs "too hot" done)" = 1 ] && pass "a disabled automation does not run" || fail "disabled"
hc automation enable "too hot" >/dev/null
[ "$(hc --json automation list | python3 -c 'import json,sys; print(sum(a["enabled"] for a in json.load(sys.stdin)))')" = \
	"$(q "SELECT count(*) FROM automations")" ] && pass "enable, list --json" || fail "enable"

# ---- an edit by another writer is picked up ----
q "UPDATE automations SET document = json_set(document, '\$.actions[0].properties.speed', 1) WHERE name = 'too hot'"
q "UPDATE devices SET properties = json_set(properties, '\$.current_temp', 70) WHERE id = 'thermostat_main'"
hc set living_room_fan off >/dev/null
q "UPDATE devices SET properties = json_set(properties, '\$.current_temp', 99) WHERE id = 'thermostat_main'"
wait_for 10 prop_is living_room_fan speed 1 &&
	pass "an automation edited with sqlite3 runs in its new form" || fail "reload"

# ---- time triggers on the test clock ----
# An expression for a minute an hour from now (UTC), and the clock set to
# two seconds before it.
at=$(( ($(now) / 60 + 60) * 60 ))
expr="*-*-* $(date -u -d "@$at" +%H:%M):00 UTC"
add "{\"name\":\"clock\",\"triggers\":[{\"at\":\"$expr\"}],\"actions\":[{\"device\":\"bedroom_fan\",\"action\":\"toggle\"}]}"
set_clock $((at - 2))
wait_for 10 has_runs clock done 1 && pass "a time trigger fires at its time" || fail "time trigger"
# The test clock is shifted by whole seconds, so the run's start (real
# time) past its second is how late the trigger fired.  Printed only.
echo "# the time trigger started its run $(q "SELECT CAST(round(((julianday(started_at) - 2440587.5) * 86400.0 - ($at - $(cat "$OFFSET"))) * 1000) AS INTEGER)
	FROM automation_runs WHERE automation = 'clock' ORDER BY id LIMIT 1") ms after its second"
set_clock $((at - 30))		# an NTP step back
sleep 3
[ "$(runs clock done)" = 1 ] && pass "a clock set back does not fire it twice" ||
	fail "clock back" "$(runs clock done)"
set_clock $((at + 3 * 86400 + 5))	# three days forward
wait_for 10 has_runs clock done 2 && sleep 1 && [ "$(runs clock done)" = 2 ] &&
	pass "a clock set forward past it fires it once, not lost" || fail "clock forward"
[[ $(q "SELECT trigger FROM automation_runs WHERE automation = 'clock' ORDER BY id LIMIT 1") == *'"scheduled":"'"$(date -u -d "@$at" +%Y-%m-%dT%H:%M:%SZ)"'"'* ]] &&
	pass "the run says which elapse it was" || fail "scheduled"
set_clock "$(now)"

# ---- sun trigger: at the next sunset minus 15 minutes, as show predicts ----
add '{"name":"dusk","triggers":[{"sun":"sunset","offset_min":-15}],"actions":[{"device":"bedroom_light_main","action":"toggle"}]}'
next=$(hc --json automation show dusk | python3 -c 'import json,sys; print(json.load(sys.stdin)["next_run"])')
t=$(date -u -d "$next" +%s)
set_clock $((t - 2))
wait_for 10 has_runs dusk done 1 && pass "a sun trigger fires at sunset - 15 min ($next)" ||
	fail "sun trigger" "$next"
set_clock "$(now)"

# ---- persistent: a run missed while the daemon was down is caught up ----
at=$(( ($(now) / 60 + 120) * 60 ))
expr="*-*-* $(date -u -d "@$at" +%H:%M):00 UTC"
add "{\"name\":\"catch up\",\"persistent\":true,\"triggers\":[{\"at\":\"$expr\"}],\"actions\":[{\"device\":\"kitchen_light_counter\",\"action\":\"toggle\"}]}"
add "{\"name\":\"no catch up\",\"triggers\":[{\"at\":\"$expr\"}],\"actions\":[{\"device\":\"living_room_light_main\",\"action\":\"toggle\"}]}"
stop_daemon
set_clock $((at + 600))
start_daemon
wait_for 10 has_runs "catch up" done 1 && pass "persistent: a missed run is caught up at start" ||
	fail "persistent"
sleep 1
[ "$(runs "no catch up" done)" = 0 ] && pass "not persistent: a missed run is not" ||
	fail "not persistent"
[ "$(runs "catch up" done)" = 1 ] && pass "the catch-up runs once" || fail "catch up once"
set_clock "$(now)"

# ---- sprinklers: started by the CLI alone, stopped on time by the daemon ----
hc water --zone front_yard --duration 1 >/dev/null
is_state outdoor_sprinkler_front_yard on && pass "homectl water starts the sprinkler" ||
	fail "water"
sleep 1
is_state outdoor_sprinkler_front_yard on && pass "it runs until its minute is up" ||
	fail "sprinkler stopped early"
echo 57 >"$OFFSET.tmp" && mv "$OFFSET.tmp" "$OFFSET"	# 57 s later than it is
wait_for 10 is_state outdoor_sprinkler_front_yard off &&
	pass "the daemon stops it when its minute is up" || fail "sprinkler stop"
[ "$(q "SELECT source FROM changes WHERE device_id = 'outdoor_sprinkler_front_yard' ORDER BY seq DESC LIMIT 1")" = automation ] &&
	pass "the stop is in the feed as the daemon's" || fail "sprinkler source"
# Started while the daemon is down, due meanwhile: stopped when it starts.
stop_daemon
echo 0 >"$OFFSET"
hc water --zone back_yard --duration 1 >/dev/null
echo 120 >"$OFFSET"
start_daemon
wait_for 10 is_state outdoor_sprinkler_back_yard off &&
	pass "a sprinkler due while the daemon was down is stopped at its start" ||
	fail "sprinkler at start"
echo 0 >"$OFFSET"

# ---- a loop written around the checks (sqlite3) does not spin forever ----
q "INSERT INTO automations(name, document) VALUES ('sneaky loop',
 json('{\"name\":\"sneaky loop\",\"enabled\":true,\"mode\":\"single\",\"persistent\":false,
 \"triggers\":[{\"device\":\"bedroom_fan\"}],\"conditions\":[],
 \"actions\":[{\"device\":\"bedroom_fan\",\"action\":\"toggle\"}]}'))"
sleep 1
hc set bedroom_fan toggle >/dev/null
wait_for 10 grep -q '"sneaky loop" started 60 times within a minute' "$T/daemon.log" &&
	pass "a loop the checks never saw is stopped after 60 runs in a minute" ||
	fail "runtime loop" "$(runs "sneaky loop" done) runs"
fan_rows() { q "SELECT count(*) FROM changes WHERE device_id = 'bedroom_fan' AND automation = 'sneaky loop'"; }
sleep 1
n1=$(fan_rows)
sleep 1.5
n2=$(fan_rows)
[ "$n1" = "$n2" ] && [ "$n1" -ge 50 ] && [ "$n1" -le 62 ] &&
	pass "it made $n1 changes, then none" || fail "still running: $n1 then $n2 changes"
q "DELETE FROM automations WHERE name = 'sneaky loop'"

# ---- the database restored under the running daemon ----
hc backup "$T/backup.db" >/dev/null
add '{"name":"after the backup","triggers":[{"device":"kitchen_light_counter","to":"on"}],
 "actions":[{"device":"living_room_blinds","action":"close"}]}'
hc set living_room_blinds open >/dev/null
hc restore "$T/backup.db" >/dev/null
wait_for 10 grep -qE "following the database again|the home was restored" "$T/daemon.log" &&
	pass "homectl restore: the daemon follows the restored database" || fail "restore" \
	"$(tail -3 "$T/daemon.log")"
hc set living_room_blinds open >/dev/null
hc set kitchen_light_counter off >/dev/null
hc set kitchen_light_counter on >/dev/null
hc set bathroom_fan off >/dev/null
hc set bathroom_light off >/dev/null
hc set bathroom_light on >/dev/null
wait_for 10 is_state bathroom_fan on && [ "$(state living_room_blinds)" = open ] &&
	pass "it runs the automations of the restored home, not the ones it lost" ||
	fail "after restore" "blinds $(state living_room_blinds) fan $(state bathroom_fan)"

# Another file moved to the database's path: both connections reopen.
hc backup "$T/moved.db" >/dev/null
mv "$T/moved.db" "$DB"
wait_for 10 grep -q "following the database again" "$T/daemon.log" &&
	pass "a database moved over the path: the daemon reopens it" || fail "moved" \
	"$(tail -3 "$T/daemon.log")"
hc set bathroom_fan off >/dev/null
hc set bathroom_light off >/dev/null
hc set bathroom_light on >/dev/null
wait_for 10 is_state bathroom_fan on && pass "and runs its automations" || fail "after the move"

# ---- part of the home document: export and import ----
hc export >"$T/home.json"
n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["automations"]))' "$T/home.json")
[ "$n" = "$(q "SELECT count(*) FROM automations")" ] && [ "$n" -gt 5 ] &&
	pass "homectl export has the automations ($n)" || fail "export" "$n"
"$HOMECTL" --db "$T/copy.db" init >/dev/null
"$HOMECTL" --db "$T/copy.db" import "$T/home.json" >/dev/null &&
	"$HOMECTL" --db "$T/copy.db" export >"$T/home2.json" && cmp -s "$T/home.json" "$T/home2.json" &&
	pass "import into a new home, export again: the same document" || fail "import round trip"
python3 - "$T/home.json" "$T/bad.json" <<'EOF2'
import json, sys
d = json.load(open(sys.argv[1]))
d["automations"].append({"name": "bad", "triggers": [{"at": "Mon..Fry 07:00"}],
                         "actions": [{"mode": "home"}]})
json.dump(d, open(sys.argv[2], "w"))
EOF2
before=$(sqlite3 "$T/copy.db" "SELECT group_concat(name || document) FROM automations")
out=$("$HOMECTL" --db "$T/copy.db" import "$T/bad.json" 2>&1); rc=$?
[ $rc -eq 1 ] && [[ $out == *"is not a calendar expression"* ]] &&
	[ "$(sqlite3 "$T/copy.db" "SELECT group_concat(name || document) FROM automations")" = "$before" ] &&
	pass "an import with a bad automation is refused whole" || fail "bad import" "$out"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["automations"]=d["automations"][:1]; json.dump(d, open(sys.argv[2],"w"))' \
	"$T/home.json" "$T/one.json"
"$HOMECTL" --db "$T/copy.db" import --prune "$T/one.json" >/dev/null &&
	[ "$(sqlite3 "$T/copy.db" "SELECT count(*) FROM automations")" = 1 ] &&
	pass "import --prune removes the automations the document lacks" || fail "prune"

# ---- removal ----
hc automation remove dusk >/dev/null && [ "$(q "SELECT count(*) FROM automations WHERE name = 'dusk'")" = 0 ] &&
	[ "$(q "SELECT count(*) FROM automation_runs WHERE automation = 'dusk'")" = 0 ] &&
	pass "remove drops the automation and its runs" || fail "remove"

stop_daemon
if grep -qE "ERROR: (Address|Leak|Undefined)Sanitizer|runtime error" "$T/daemon.log.prev"; then
	fail "the daemon ran clean under the sanitizers" "$(grep -m3 -E 'Sanitizer|runtime error' "$T/daemon.log.prev")"
else
	pass "the daemon ran clean under the sanitizers"
fi
echo "# $passed passed, $failed failed"
[ -n "${HOMECTL_TEST_COUNT:-}" ] && echo "$passed $failed" >"$HOMECTL_TEST_COUNT"
[ $failed -eq 0 ]
