#!/bin/bash
# SPDX-License-Identifier: MIT
# home_test.sh -- describing your own home with the homectl command: rooms,
# devices, modes and scenes; the home document (export, import); backup and
# restore while another process writes.  Real database files, a real
# sqlite3 shell as the other writer.
#
#   tests/cli/home_test.sh BUILD_DIR
set -u
BUILD=${1:-build}
HOMECTL=$(realpath "$BUILD/homectl")
T=$(mktemp -d /tmp/homectl-home-XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$T"' EXIT
DB=$T/home.db
export HOMECTL_CONFIG=$T/none.conf
unset HOMECTL_DB
passed=0 failed=0

pass() { passed=$((passed + 1)); echo "ok - $1"; }
fail() { failed=$((failed + 1)); echo "not ok - $1"; [ $# -gt 1 ] && echo "#   $2"; }
check() { local n=$1; shift; if "$@" >/dev/null 2>&1; then pass "$n"; else fail "$n" "$*"; fi; }
hc() { "$HOMECTL" --db "$DB" "$@"; }
# Everything a refused edit must leave alone, the feed included.
digest() { sqlite3 "$DB" "SELECT group_concat(id||name||type||coalesce(room,'')||state||properties, ';')
	FROM devices; SELECT group_concat(id||name||position, ';') FROM rooms;
	SELECT group_concat(name||description, ';') FROM modes;
	SELECT group_concat(mode||step||device_id||action||properties, ';') FROM scenes;
	SELECT max(seq) FROM changes; SELECT mode FROM home"; }
field() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

hc init --demo >/dev/null

# ---- bad input: one sentence, exit 1 or 2, nothing changed ----
before=$(digest)
bad() {	# bad NAME EXPECTED_TEXT ARGS...
	local name=$1 want=$2 out rc
	shift 2
	out=$(hc "$@" 2>&1); rc=$?
	if [ $rc -ne 0 ] && [[ $out == *"$want"* ]] && [ "$(echo "$out" | wc -l)" -eq 1 ] &&
		[ "$(digest)" = "$before" ]; then
		pass "refused: $name"
	else
		fail "refused: $name" "rc=$rc out=$out"
	fi
}
bad "an id with capitals" "not a valid room id" room add Garden
bad "an id with a space" "not a valid device id" device add "hall lamp" --type light
bad "an id of 65 characters" "not a valid device id" device add "$(printf 'a%.0s' {1..65})" --type light
bad "a duplicate room" "room 'kitchen' already exists" room add kitchen
bad "a duplicate device" "device 'kitchen_light_main' already exists" device add kitchen_light_main --type light
bad "an unknown type" "unknown device type 'lamp'" device add hall --type lamp
bad "no type" "a device type is required" device add hall
bad "an unknown room" "unknown room 'garden'" device add hall --type light --room garden
bad "editing an unknown device" "unknown device 'hal'" device edit hal --name X
bad "editing an unknown room" "unknown room 'garden'" room edit garden --name X
bad "a room and no room" "not both" device edit kitchen_light_main --room kitchen --no-room
bad "a name with a control character" "control character" room edit kitchen --name "$(printf 'a\tb')"
bad "removing the active mode" "is the active one" mode remove home
bad "removing an unknown mode" "unknown mode 'party'" mode remove party
bad "a duplicate mode" "mode 'sleep' already exists" mode add sleep
bad "a scene step out of range" "brightness 500 is out of range" scene set sleep bedroom_light_main set --brightness 500
bad "a scene step the type cannot do" "a lock cannot 'on'" scene set sleep front_door_lock on
bad "a scene step for an unknown mode" "unknown mode 'party'" scene set party bedroom_light_main on
bad "removing a step that is not there" "has no step for" scene remove home bathroom_fan
bad "a position out of range" "position" room edit kitchen --position 99999

# ---- rooms ----
out=$(hc room add garden --name "Garden")
[[ $out == "room garden: Garden (position 5)" ]] && pass "room add" || fail "room add" "$out"
check "room edit" hc room edit garden --name "Back garden" --position 0
[[ $(hc --json rooms | field 'd[0]["id"], d[0]["name"]') == "garden Back garden" ]] &&
	pass "room edit renames and moves it first" || fail "room edit" "$(hc --json rooms)"
hc room add shed >/dev/null
[[ $(hc room add porch --json | field 'd["name"]') == "Porch" ]] &&
	pass "a room without --name is named from its id" || fail "room default name"

# ---- devices ----
out=$(hc device add hall_lamp --type light --room garden --name "Hall lamp")
[[ $out == *"hall_lamp: Hall lamp, a light in Back garden"* ]] && pass "device add" ||
	fail "device add" "$out"
[[ $(hc --json get hall_lamp | field 'd["state"], d["properties"]["brightness"]') == "off 100" ]] &&
	pass "a new device starts at its type's initial state" || fail "initial state"
check "the new device can be controlled" hc set hall_lamp on --brightness 30
hc device add bathroom_humidity --type humidity_sensor --room bathroom >/dev/null &&
	[[ $(hc --json get bathroom_humidity | field 'd["name"], d["type"]') == "Bathroom humidity humidity_sensor" ]] &&
	pass "a humidity sensor (the model's newest type) can be added" || fail "humidity sensor"
check "device edit --name" hc device edit hall_lamp --name "Porch lamp"
check "device edit --room" hc device edit hall_lamp --room porch
[[ $(hc --json get hall_lamp | field 'd["name"], d["room"]') == "Porch lamp porch" ]] &&
	pass "device edit renames and moves" || fail "device edit"
check "device edit --no-room" hc device edit hall_lamp --no-room
[[ $(hc --json get hall_lamp | field 'd["room"]') == "None" ]] &&
	pass "--no-room makes it house-wide" || fail "--no-room"
hc device edit hall_lamp --room garden >/dev/null
out=$(hc room remove garden)
[[ $out == *"removed room garden"* && $out == *"house-wide now: hall_lamp"* ]] &&
	pass "room remove says which devices became house-wide" || fail "room remove" "$out"
[[ $(hc --json get hall_lamp | field 'd["room"]') == "None" ]] &&
	pass "the room's devices are house-wide" || fail "room remove moves devices"

# ---- modes and scenes ----
check "mode add" hc mode add party --description "Lights up, music on"
check "scene set" hc scene set party hall_lamp on --brightness 80
check "scene set, a second step" hc scene set party living_room_light_main set --brightness 20
check "scene set replaces a device's step in place" hc scene set party hall_lamp on --brightness 90
out=$(hc modes)
[[ $out == *"party      Lights up, music on"*"1. on hall_lamp {\"brightness\":90}"*"2. set living_room_light_main"* ]] &&
	pass "modes shows each scene, in order" || fail "modes" "$out"
out=$(hc mode party)
[[ $out == *"mode home -> party"* ]] && [[ $(hc --json get hall_lamp | field 'd["properties"]["brightness"]') == 90 ]] &&
	pass "a new mode works at once" || fail "new mode" "$out"
hc mode home >/dev/null
out=$(hc device remove hall_lamp)
[[ $out == *"removed device hall_lamp"* && $out == *"scenes lost its step: party"* ]] &&
	pass "device remove says which scenes lost a step" || fail "device remove" "$out"
[[ $(hc --json modes | field '[len(m["scene"]) for m in d if m["name"]=="party"][0]') == 1 ]] &&
	pass "the scene lost that step" || fail "scene after device remove"
check "scene remove" hc scene remove party living_room_light_main
check "mode remove" hc mode remove party
[[ $(hc --json modes | field 'len(d)') == 4 ]] && pass "the mode is gone" || fail "mode remove"

# ---- a device that automations use: refused naming them, or --force ----
hc device add porch_lamp --type light --room outdoor >/dev/null
printf '%s' '{"name":"porch on/off","triggers":[{"device":"porch_lamp","to":"on"}],"actions":[{"mode":"home"}]}' |
	hc automation add - >/dev/null
printf '%s' '{"name":"porch check","triggers":[{"at":"daily"}],
 "conditions":[{"not":{"device":"porch_lamp","is":"on"}}],"actions":[{"mode":"home"}]}' |
	hc automation add - >/dev/null
printf '%s' '{"name":"porch action","triggers":[{"at":"daily"}],"actions":[{"device":"porch_lamp","action":"on"}]}' |
	hc automation add - >/dev/null
printf '%s' '{"name":"other","triggers":[{"at":"daily"}],"actions":[{"device":"bedroom_fan","action":"on"}]}' |
	hc automation add - >/dev/null
before=$(digest)
autos=$(sqlite3 "$DB" "SELECT group_concat(name || document, ';') FROM automations")
out=$(hc device remove porch_lamp 2>&1); rc=$?
[ $rc -eq 1 ] && [[ $out == *"porch_lamp is used by the automations"*'"porch action", "porch check", "porch on/off"'*"force"* ]] &&
	[ "$(digest)" = "$before" ] && [ "$(sqlite3 "$DB" "SELECT group_concat(name || document, ';') FROM automations")" = "$autos" ] &&
	pass "device remove: refused, naming the automations that use it (trigger, condition, action), nothing changed" ||
	fail "device remove in use" "$rc $out"
out=$(hc device remove porch_lamp --force); rc=$?
[ $rc -eq 0 ] && [[ $out == *"removed device porch_lamp"*"disabled: porch action, porch check, porch on/off"* ]] &&
	pass "device remove --force removes it and says which automations it disabled" || fail "--force" "$rc $out"
enabled=$(sqlite3 "$DB" "SELECT group_concat(x, ' ') FROM (SELECT name || ':' || json_extract(document, '\$.enabled') AS x
	FROM automations WHERE name LIKE 'porch%' OR name = 'other' ORDER BY name)")
[ "$enabled" = "other:1 porch action:0 porch check:0 porch on/off:0" ] &&
	pass "those automations are disabled, the others not" || fail "disabled" "$enabled"
[ "$(sqlite3 "$DB" "SELECT count(*) FROM automation_runs WHERE outcome = 'disabled' AND finished_at IS NOT NULL
	AND json_extract(trigger, '\$.device_removed') = 'porch_lamp' AND json_extract(trigger, '\$.by') = 'cli'")" = 3 ] &&
	pass "each records why (a run: disabled, device_removed, by cli)" || fail "reason recorded"
out=$(hc automation show "porch check")
[[ $out == *'disabled  {"device_removed":"porch_lamp","by":"cli"}'* ]] &&
	pass "automation show says why it was disabled" || fail "show the reason" "$out"
# How each of those runs ended is a change of the feed (kind automation),
# with the source of the removal; history prints it.
runs=$(sqlite3 "$DB" "SELECT group_concat(x, ' ') FROM (SELECT subject || ':' || state || ':' || source AS x
	FROM changes WHERE kind = 'automation' ORDER BY subject)")
[ "$runs" = "porch action:disabled:cli porch check:disabled:cli porch on/off:disabled:cli" ] &&
	pass "each disabling run reaches the feed, with its source" || fail "runs in the feed" "$runs"
out=$(hc history --limit 6)
[[ $out == *'automation "porch check" disabled'* ]] && pass "history shows how a run ended" ||
	fail "history of a run" "$out"
for a in "porch on/off" "porch check" "porch action" other; do hc automation remove "$a" >/dev/null; done

# ---- every edit reaches the feed ----
seq=$(sqlite3 "$DB" "SELECT max(seq) FROM changes")
hc room add attic >/dev/null; hc device add attic_light --type light --room attic >/dev/null
hc mode add movie >/dev/null; hc scene set movie attic_light off >/dev/null
hc device remove attic_light >/dev/null; hc room remove attic >/dev/null; hc mode remove movie >/dev/null
kinds=$(sqlite3 "$DB" "SELECT group_concat(kind || ':' || coalesce(subject, device_id) || ':' || source, ' ')
	FROM changes WHERE seq > $seq")
[[ $kinds == *"home:room:attic:cli"*"device:attic_light:cli"*"home:mode:movie:cli"*"device_removed:attic_light:cli"* ]] &&
	pass "rooms, devices, modes and scenes reach the feed with their source" || fail "feed" "$kinds"
out=$(hc history --limit 2)
[[ $out == *"room attic edited"* || $out == *"mode movie edited"* ]] && pass "history shows home edits" ||
	fail "history" "$out"
# A foreign writer's edit of a room reaches the feed too.
sqlite3 "$DB" "UPDATE rooms SET name = 'Cooking' WHERE id = 'kitchen'"
[[ $(sqlite3 "$DB" "SELECT kind||subject||source FROM changes ORDER BY seq DESC LIMIT 1") == "homeroom:kitchenunknown" ]] &&
	pass "the sqlite3 shell's room edit reaches the feed" || fail "foreign room edit"

# ---- the home document ----
hc export >"$T/home.json"
[[ $(field 'd["format"], len(d["rooms"]), len(d["devices"]), len(d["modes"])' <"$T/home.json") == "1 7 25 4" ]] &&
	pass "export: format 1 with rooms, devices, modes" || fail "export" "$(head -c 300 "$T/home.json")"
"$HOMECTL" --db "$T/copy.db" init >/dev/null
"$HOMECTL" --db "$T/copy.db" import "$T/home.json" >/dev/null &&
	"$HOMECTL" --db "$T/copy.db" export >"$T/again.json" && cmp -s "$T/home.json" "$T/again.json" &&
	pass "export, import into an empty home, export: the same document" ||
	fail "round trip" "$(diff "$T/home.json" "$T/again.json" | head)"
# An edited document: one device renamed, one added, one room gone.
python3 - "$T/home.json" >"$T/edited.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for x in d["devices"]:
    if x["id"] == "kitchen_light_main": x["name"] = "Big light"
d["devices"] = [x for x in d["devices"] if x["id"] != "bathroom_fan"]
d["devices"].append({"id": "new_plug", "type": "plug", "room": "shed", "name": "Kettle"})
d["rooms"] = [r for r in d["rooms"] if r["id"] != "porch"]
print(json.dumps(d))
PY
before=$(digest)
out=$(hc import --dry-run --prune "$T/edited.json")
[[ $out == *"~ device kitchen_light_main"*"+ device new_plug"*"- device bathroom_fan"*"- room porch"*"would be: 1 created, 1 updated, 2 removed (dry run"* ]] &&
	[ "$(digest)" = "$before" ] && pass "import --dry-run says what would change and writes nothing" ||
	fail "dry run" "$out"
out=$(hc import "$T/edited.json")
[[ $out == *"1 created, 1 updated, 0 removed"* ]] && hc get bathroom_fan >/dev/null &&
	pass "import without --prune keeps what the file lacks" || fail "import" "$out"
out=$(hc import --prune "$T/edited.json")
[[ $out == *"0 created, 0 updated, 2 removed"* ]] && ! hc get bathroom_fan >/dev/null 2>&1 &&
	pass "import --prune removes what the file lacks" || fail "import --prune" "$out"
seq=$(sqlite3 "$DB" "SELECT max(seq) FROM changes")
hc import "$T/home.json" >/dev/null
[[ $(sqlite3 "$DB" "SELECT count(*) FROM changes WHERE seq > $seq AND source = 'cli'") -ge 3 ]] &&
	pass "import changes reach the feed" || fail "import feed"
before=$(digest)
badimport() {	# badimport NAME EXPECTED JSON
	local out rc
	out=$(echo "$3" | hc import - 2>&1); rc=$?
	[ $rc -eq 1 ] && [[ $out == *"$2"* ]] && [ "$(digest)" = "$before" ] &&
		pass "import refuses $1, changing nothing" || fail "import $1" "rc=$rc $out"
}
badimport "malformed JSON" "not valid JSON" '{"format": 1,'
badimport "text after the document" "not valid JSON" '{"format": 1} x'
badimport "a document without format" "no \"format\"" '{"rooms": []}'
badimport "a newer format" "format 2" '{"format": 2}'
badimport "an unknown type, after good rows" "unknown type 'lamp'" \
	'{"format":1,"rooms":[{"id":"zz","name":"Z"}],"devices":[{"id":"a1","type":"light"},{"id":"a2","type":"lamp"}]}'
badimport "a state the type lacks" "cannot be 'open'" '{"format":1,"devices":[{"id":"a1","type":"light","state":"open"}]}'
badimport "a value out of range" "brightness 300 is out of range" \
	'{"format":1,"devices":[{"id":"a1","type":"light","properties":{"brightness":300}}]}'
badimport "a scene naming an unknown device" "unknown device 'ghost'" \
	'{"format":1,"modes":[{"name":"m1","scene":[{"device":"ghost","action":"on"}]}]}'
badimport "a bad id" "not a valid room id" '{"format":1,"rooms":[{"id":"A B"}]}'
badimport "an unknown member (a typo)" 'unknown member "device"' '{"format":1,"device":[]}'

# ---- backup and restore ----
# A writer goes on while the backup runs; the copy is a consistent database.
( for i in $(seq 1 200); do sqlite3 "$DB" "UPDATE devices SET properties = json_set(properties,
	'\$.brightness', $((i % 100))) WHERE id = 'kitchen_light_main'" 2>/dev/null; done ) &
writer=$!
out=$(hc backup "$T/backup.db"); rc=$?
wait $writer
[ $rc -eq 0 ] && [[ $(sqlite3 "$T/backup.db" "PRAGMA integrity_check") == ok ]] &&
	[[ $("$HOMECTL" --db "$T/backup.db" --json list | field "len(d)") == $(hc --json list | field "len(d)") ]] &&
	pass "backup during writes is a consistent, usable home" || fail "backup" "$rc $out"
[[ $(stat -c %a "$T/backup.db") == 600 ]] && pass "the backup is readable by its owner only" ||
	fail "backup mode $(stat -c %a "$T/backup.db")"
out=$(hc backup "$T/backup.db" 2>&1); [ $? -eq 1 ] && [[ $out == *"exists"* ]] &&
	pass "backup never overwrites a file" || fail "backup overwrite" "$out"
seq=$(sqlite3 "$DB" "SELECT max(seq) FROM changes")
hc device add after_backup --type switch >/dev/null
out=$(hc restore "$T/backup.db"); rc=$?
[ $rc -eq 0 ] && ! hc get after_backup >/dev/null 2>&1 && pass "restore brings the home back" ||
	fail "restore" "$out"
[[ $(sqlite3 "$DB" "SELECT seq > $seq, kind, subject FROM changes ORDER BY seq DESC LIMIT 1") == "1|home|restore" ]] &&
	pass "after a restore the feed goes on past every seq seen, with a 'home' row" ||
	fail "restore seq" "$(sqlite3 "$DB" "SELECT seq, kind FROM changes ORDER BY seq DESC LIMIT 2")"
before=$(digest)
echo "not a database" >"$T/junk.db"
out=$(hc restore "$T/junk.db" 2>&1); [ $? -eq 1 ] && [[ $out == *"not a homectl database"* ]] &&
	[ "$(digest)" = "$before" ] && pass "restore refuses a file that is not a homectl database" ||
	fail "restore junk" "$out"
sqlite3 "$T/other.db" "CREATE TABLE t(x)"
out=$(hc restore "$T/other.db" 2>&1); [ $? -eq 1 ] && [[ $out == *"not a homectl database"* ]] &&
	pass "restore refuses another program's SQLite database" || fail "restore other" "$out"
cp "$T/backup.db" "$T/newer.db"; sqlite3 "$T/newer.db" "PRAGMA user_version = 999"
out=$(hc restore "$T/newer.db" 2>&1); [ $? -eq 1 ] && [[ $out == *"newer than this homectl"* ]] &&
	[ "$(digest)" = "$before" ] && pass "restore refuses a newer schema" || fail "restore newer" "$out"

echo "$passed $failed" >"${HOMECTL_TEST_COUNT:-/dev/null}"
echo "home: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
