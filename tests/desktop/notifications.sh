#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# notifications.sh: reminders that ask, don't impose. On a private session
# bus with python3-dbusmock's notification_daemon template (it records
# Notify; the test emits ActionInvoked and NotificationClosed as a user's
# click would): the first start's words, once; a reminder that says how to
# answer and waits; the routine started by the notification's Start (and
# Short), MPRIS play (playerctl), `backcoach start` and SIGUSR1, the
# notification closed each time; Snooze, Skip, a dismissed notification and
# no answer (snoozed, recorded as unanswered); do not disturb (the server's
# Inhibited property; GNOME's show-banners through a stand-in settings
# portal) holding a due reminder; hold, unhold, snooze
# DURATION; start --minutes; no notification server: voice only, a log
# line. Heard (or not) on the null sink's monitor.
set -u
: "${BACKCOACH:?}" "${TEST_DATA:?}" "${TOP_SRCDIR:?}"
. "$TOP_SRCDIR/tests/daemonlib.sh"
. "$TOP_SRCDIR/tests/buslib.sh"

command -v playerctl >/dev/null 2>&1 || pa_skip "playerctl not installed (bootstrap.sh installs it)"
daemon_setup
bus_setup
bus_start session
notif_start || exit 1

LOG=$T/state/backcoach/day.log
wait_log() { # TEXT [SECONDS] [FILE]
	_i=0
	until grep -q -- "$1" "${3:-$T/daemon.log}" 2>/dev/null; do
		_i=$((_i + 1))
		[ $_i -gt "$(awk "BEGIN { print int(${2:-5} * 20) }")" ] && return 1
		sleep 0.05
	done
}
count_in() { _c=$(grep -c -- "$1" "$2" 2>/dev/null); echo "${_c:-0}"; }
closes() { count_in "CloseNotification" "$T/bus/notif.calls"; }
within() { awk -v x="$1" -v a="$2" -v b="$3" 'BEGIN { exit !(x != "" && x >= a && x <= b) }'; }
# A reminder that waits for its answer, its message said: idle, asking.
wait_asking() {
	wait_status "^reminder: waits for your answer" "${1:-15}" &&
		wait_status "^state: idle" 10
}
# The routine a reminder offers plays; stop it and wait for idle.
played_and_stop() { # ROUTINE
	wait_status "^playing: $1" 6 || return 1
	"$BACKCOACH" stop >/dev/null
	wait_status "^state: idle" 6
}
SILENT=""   # "FROM TO" spans that must be silent, checked at the end
HEARD=""    # "AT WHAT" moments after which sound must come within 3 s

# ---- the first start ----
rm -f "$T/state/backcoach/first-start"
rec_start
daemon_start "$TEST_DATA/daemon-ask.ini" || exit 1
t=$(rec_t)
HEARD="$HEARD $t:first-start"
check "first start: says what it will do" -- \
	wait_log "first start: \"Hello. I'll remind you after 1 minute at your desk, every day at any hour.\"" 5
check "first start: by notification too" -- \
	wait_log "Notify \"backcoach\" 0 \"backcoach\" \"backcoach\" \"Hello. I'll remind you" 5 "$T/bus/notif.calls"
check "first start: remembered" -- test -f "$T/state/backcoach/first-start"

# ---- Start in the notification ----
check "a reminder asks and waits" -- wait_asking 20
id=$(notif_id)
check "its notification: Time for a break, what the voice says" -- \
	grep -q "Notify \"backcoach\" [0-9]* \"backcoach\" \"Time for a break\" \"You have sat for [0-9]* minutes*. Time for a break." "$T/bus/notif.calls"
# (Short once the routines' lengths are known: worked out off the loop
# since the start, seconds, tens on a loaded machine; then the notification
# is replaced in place with the button.)
check "its buttons: Start, Short (the short routine), Snooze, Skip" -- \
	wait_log "\[\"start\", \"Start\", \"short\", \"Short: Short daemon test\", \"snooze\", \"Snooze\", \"skip\", \"Skip\"\] {\"urgency\": 2" 60 "$T/bus/notif.calls"
check "the Short button: the same notification" -- \
	test "$(notif_id)" = "$id"
check "the spoken reminder says how to answer" -- \
	wait_log "Press play when you're ready" 1 "$T/bus/notif.calls"
check "status: next reminder in words, after the answer" -- \
	wait_status "^next reminder: 3s after this one is answered" 1
a=$(rec_t)
sleep 3
b=$(rec_t)
SILENT="$SILENT $a:$b"
check "still waiting: the routine did not start by itself" -- wait_status "^state: idle" 1
c0=$(closes)
notif_action "$id" start
t=$(rec_t)
HEARD="$HEARD $t:notification-start"
check "Start: the offered routine plays" -- played_and_stop longer
check "Start: the notification closed" -- test "$(closes)" -gt "$c0"
check "day.log: started" -- grep -q "reminder started$" "$LOG"

# ---- play on the headset (MPRIS) ----
check "reminder 2 waits" -- wait_asking 15
check "while it waits, backcoach is an MPRIS player, paused" -- \
	sh -c 'test "$(playerctl -p backcoach status 2>/dev/null)" = Paused'
c0=$(closes)
playerctl -p backcoach play
t=$(rec_t)
HEARD="$HEARD $t:mpris-play"
check "MPRIS Play: the routine plays" -- played_and_stop longer
check "MPRIS Play: the notification closed" -- test "$(closes)" -gt "$c0"

# ---- backcoach start ----
check "reminder 3 waits" -- wait_asking 15
c0=$(closes)
"$BACKCOACH" start >/dev/null
t=$(rec_t)
HEARD="$HEARD $t:backcoach-start"
check "backcoach start: the routine plays" -- played_and_stop longer
check "backcoach start: the notification closed" -- test "$(closes)" -gt "$c0"

# ---- SIGUSR1, and Short ----
check "reminder 4 waits" -- wait_asking 15
c0=$(closes)
kill -USR1 "$DPID"
t=$(rec_t)
HEARD="$HEARD $t:SIGUSR1"
check "SIGUSR1: the routine plays" -- played_and_stop longer
check "SIGUSR1: the notification closed" -- test "$(closes)" -gt "$c0"
check "reminder 5 waits" -- wait_asking 15
notif_action "$(notif_id)" short
check "Short: the short routine plays" -- played_and_stop short
n_started=$(count_in "reminder started" "$LOG")
check "day.log: five reminders started ($n_started)" -- test "$n_started" -eq 5

# ---- Snooze; unhold ----
check "reminder 6 waits" -- wait_asking 15
notif_action "$(notif_id)" snooze
check "Snooze: status says snoozed" -- wait_status "^snoozed: for " 3
check "Snooze: day.log" -- grep -q "reminder snoozed$" "$LOG"
a=$(rec_t)
sleep 5
b=$(rec_t)
SILENT="$SILENT $a:$b"
check "snoozed: no reminder meanwhile" -- wait_status "^state: idle" 1
"$BACKCOACH" unhold >/dev/null
check "unhold: the reminder comes again" -- wait_asking 10

# ---- Skip ----
notif_action "$(notif_id)" skip
check "Skip: day.log" -- wait_log "reminder skipped$" 3 "$LOG"
check "Skip: sitting starts over, the next reminder in words" -- \
	wait_status "^next reminder: in 1 minute, at " 3

# ---- a dismissed notification snoozes ----
check "reminder 8 waits" -- wait_asking 15
c0=$(count_in "reminder snoozed" "$LOG")
notif_dismiss "$(notif_id)"
check "dismissed: snoozed" -- wait_status "^snoozed: for " 3
check "dismissed: day.log" -- test "$(count_in "reminder snoozed" "$LOG")" -gt "$c0"

# ---- snooze DURATION, hold, unhold ----
"$BACKCOACH" unhold >/dev/null
check "reminder 9 waits" -- wait_asking 10
check "snooze 20m: said" -- sh -c '"$1" snooze 20m | grep -q "reminders snoozed for 20m00s"' _ "$BACKCOACH"
check "snooze 20m: in status" -- wait_status "^snoozed: for 1[0-9]m[0-9]*s more\|^snoozed: for 20m00s more" 2
check "snooze soon: refused, what and why" -- \
	sh -c '"$1" snooze soon 2>&1; test $? -ne 0' _ "$BACKCOACH"
check "hold 2h: said" -- sh -c '"$1" hold 2h | grep -q "no reminder until"' _ "$BACKCOACH"
check "hold: in status" -- wait_status "^held: no reminder until .* (backcoach unhold)" 2
check "hold until HH:MM" -- sh -c '"$1" hold until 23:59 >/dev/null' _ "$BACKCOACH"
check "hold tomorrow" -- sh -c '"$1" hold tomorrow >/dev/null' _ "$BACKCOACH"
check "hold tomorrow: next reminder tomorrow or later, in words" -- \
	wait_status "^next reminder: \(tomorrow\|on [A-Z][a-z]*\) at [0-9][0-9]:[0-9][0-9]" 2
check "hold until 25:00: refused" -- \
	sh -c '"$1" hold until 25:00 2>&1 | grep -q "not a time of day"' _ "$BACKCOACH"
a=$(rec_t)
sleep 4
b=$(rec_t)
SILENT="$SILENT $a:$b"
"$BACKCOACH" unhold >/dev/null
check "unhold: reminders as usual" -- wait_asking 10

# ---- no answer: snoozed, recorded as unanswered; updated while waiting ----
n0=$(count_in " Notify \"backcoach\" $(notif_id) " "$T/bus/notif.calls")
a=$(rec_t)
check "no answer within answer_within (65 s): unanswered" -- \
	wait_log "reminder unanswered$" 90 "$LOG"
b=$(rec_t)
SILENT="$SILENT $(awk -v a="$a" 'BEGIN { print a + 1 }'):$(awk -v b="$b" 'BEGIN { print b - 0.5 }')"
check "no answer: snoozed" -- wait_status "^snoozed: for " 2
check "while waiting, the notification was updated in place" -- \
	test "$(count_in " Notify \"backcoach\" $(notif_id) " "$T/bus/notif.calls")" -gt "$n0"
check "no answer: its notification closed" -- \
	grep -q "CloseNotification $(notif_id)\$" "$T/bus/notif.calls"

# ---- do not disturb ----
notif_inhibit true
"$BACKCOACH" unhold >/dev/null
check "do not disturb: a due reminder waits, status says why" -- \
	wait_status "^next reminder: waits for do not disturb to end (the notification server is inhibited)" 8
a=$(rec_t)
sleep 3
b=$(rec_t)
SILENT="$SILENT $a:$b"
notif_inhibit false
t=$(rec_t)
HEARD="$HEARD $t:dnd-off"
check "do not disturb off: the reminder comes" -- wait_asking 10
check "day.log: it waited" -- grep -q "reminder waited [0-9]*$" "$LOG"
"$BACKCOACH" skip >/dev/null
check "backcoach skip answers it" -- wait_log "reminder skipped$" 3 "$LOG"

# ---- do not disturb, as GNOME says it: banners off (the settings portal) ----
"$BACKCOACH" snooze 1h >/dev/null
portal_start || exit 1
portal_banners false
"$BACKCOACH" unhold >/dev/null
check "banners off: a due reminder waits, status says why" -- \
	wait_status "^next reminder: waits for do not disturb to end (notification banners are off (GNOME))" 10
a=$(rec_t)
sleep 3
b=$(rec_t)
SILENT="$SILENT $a:$b"
portal_banners true
t=$(rec_t)
HEARD="$HEARD $t:banners-on"
check "banners on: the reminder comes" -- wait_asking 10
"$BACKCOACH" skip >/dev/null

# ---- start --minutes ----
"$BACKCOACH" snooze 1h >/dev/null
check "start --minutes 1: the longest that fits (short)" -- \
	sh -c '"$1" start --minutes 1 | grep -q "playing short"' _ "$BACKCOACH"
"$BACKCOACH" stop >/dev/null
wait_status "^state: idle" 5
check "start --minutes 3: the longer one" -- \
	sh -c '"$1" start --minutes 3 | grep -q "playing longer"' _ "$BACKCOACH"
"$BACKCOACH" stop >/dev/null
wait_status "^state: idle" 5
check "start --minutes 0: a usage error" -- \
	sh -c '"$1" start --minutes 0 2>/dev/null; test $? -eq 64' _ "$BACKCOACH"

# ---- restart: no first start again; no notification server: voice only ----
daemon_stop
kill $BUS_MOCKS 2>/dev/null
daemon_start "$TEST_DATA/daemon-ask.ini" || exit 1
check "restart: the first start is not said again" -- \
	test "$(count_in "first start:" "$T/daemon.log")" -eq 1
check "no notification server: a log line" -- wait_log "no notification server" 20
check "no notification server: the reminder is spoken, and waits" -- wait_asking 10
t=$(rec_t)
check "SIGUSR1 answers it" -- sh -c 'kill -USR1 "$1"' _ "$DPID"
check "and the routine plays" -- played_and_stop longer
rec_stop
daemon_stop

# ---- what was heard ----
# Each span less 0.3 s at either end: the recording's clock and ours differ
# by a few buffers.
for span in $SILENT; do
	a=$(awk -v a="${span%:*}" 'BEGIN { print a + 0.3 }')
	b=$(awk -v b="${span#*:}" 'BEGIN { print b - 0.3 }')
	s=$(last_sound_between "$a" "$b")
	check "silence from $a s to $b s (waiting, snoozed, held, do not disturb)" -- test -z "$s"
done
for m in $HEARD; do
	at=${m%%:*} what=${m#*:}
	s=$(first_sound_after "$at")
	d=$( [ -n "$s" ] && elapsed "$at" "$s" )
	echo "  $what at $at s: sound ${d:-never} s later"
	check "$what: heard within 3 s" -- within "${d:-}" 0 3
done
daemon_finish
