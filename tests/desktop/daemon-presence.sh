#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# daemon-presence.sh: sitting time that counts only while you are there,
# from the desktop's signals on private D-Bus buses (python3-dbusmock's
# logind, a stand-in for GNOME's idle monitor), and reminders that wait for
# a call; asserted on what the null sink's monitor hears, on `status` and
# on the record of the day (`stats`). Reminders come after their time and
# not before, late by 2 s at most (a loaded machine); the waits are bounds
# for a hang, in seconds.
set -u
: "${BACKCOACH:?}" "${TEST_DATA:?}" "${TOP_SRCDIR:?}"
. "$TOP_SRCDIR/tests/daemonlib.sh"
. "$TOP_SRCDIR/tests/buslib.sh"

daemon_setup
bus_setup
# A microphone for the call, loaded first: it becomes the default source,
# which would move a recording started earlier (ours, of the monitor) to it.
mic_load

# Reminders heard so far (the daemon logs each one's end).
reminders_done() { grep -c "reminder finished" "$T/daemon.log"; }
wait_reminders() { # N [SECONDS]
	_n=$(awk "BEGIN { print int(${2:-12} * 20) }")
	_i=0
	while [ "$(reminders_done)" -lt "$1" ] && [ $_i -lt "$_n" ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
	[ "$(reminders_done)" -ge "$1" ]
}
# The first sound at or after $1, as seconds after $2.
sound_after() {
	_s=$(first_sound_after "$1")
	[ -n "$_s" ] && elapsed "$2" "$_s"
}
within() { awk -v x="$1" -v a="$2" -v b="$3" 'BEGIN { exit !(x != "" && x >= a && x <= b) }'; }

# ---- no bus at the start: wall time; the buses appear later ----
rec_start
daemon_start "$TEST_DATA/daemon-presence.ini" || exit 1
t0=$(rec_t)
check "no bus: presence unknown (counting wall time)" -- \
	wait_status "^presence: unknown (counting wall time)" 10
check "the null sink's monitor being recorded is no call" -- \
	wait_status "^calls: none" 10
bus_start system || exit 1
bus_start session || exit 1
logind_start || exit 1
logind_add_session c1
check "the system bus appears later: logind session c1 followed" -- \
	wait_status "^presence: here (logind session c1" 10

# ---- locked longer than break_length: a natural break ----
# Sitting since t0; the reminder would be due at t0 + 8 s, while locked.
logind_lock c1 true
t_lock=$(rec_t)
check "locked: away" -- wait_status "^presence: away (locked" 10
check "locked: the reminder waits for you" -- wait_status "^next reminder: waits for you" 10
sleep 4.5
logind_lock c1 false
t_unlock=$(rec_t)
check "unlocked: here again" -- wait_status "^presence: here" 10
check "unlocked after 4.5 s: a natural break, the clock restarted" -- \
	wait_log "a natural break, sitting starts over" 10
"$BACKCOACH" status | grep "^sitting" >"$T/sitting"
check "status: sitting 0m, present since the unlock" -- \
	grep -q "^sitting: 0m (present since [0-9][0-9]:[0-9][0-9])" "$T/sitting"
check "the first reminder comes" -- wait_reminders 1 20

# ---- locked briefly: the clock pauses, it does not start over ----
# (4 s of sitting after the first reminder, so that a clock that started
# over, or one that counted on through the lock, is seconds off.)
sleep 4
logind_lock c1 true
t_l2=$(rec_t)
sleep 1.5
logind_lock c1 false
t_u2=$(rec_t)
check "locked 1.5 s: the clock carries on" -- wait_log "the sitting clock carries on" 10
check "the second reminder comes" -- wait_reminders 2 20

# ---- KDE: idle time has no signal; asked when a reminder falls due ----
kde_start || exit 1
kde_idle 20000

# ---- idle hint (logind), sleep and resume ----
logind_idle c1 true
check "IdleHint: away (idle)" -- wait_status "^presence: away (idle" 10
logind_idle c1 false
check "IdleHint off: here" -- wait_status "^presence: here" 10
logind_sleep true
check "PrepareForSleep(true): away (asleep)" -- wait_status "^presence: away (asleep" 10
logind_sleep false
check "PrepareForSleep(false): here" -- wait_status "^presence: here" 10

check "KDE: idle 20 s when the reminder fell due: away, it waits for you" -- \
	wait_status "^presence: away (idle (desktop)" 15
check "KDE: no reminder while idle" -- test "$(reminders_done)" -eq 2
kde_idle 100
check "KDE: asked again, back after a natural break" -- wait_status "^presence: here" 15
check "KDE: the absence counted from when idleness began: a natural break" -- \
	test "$(grep -c "a natural break" "$T/daemon.log")" -ge 2

# ---- the session replaced (log out and in) ----
# A malformed reply on the way (GetUser answering a string): the daemon
# falls back to ListSessions.
gdbus call --system -d $LOGIND -o $L1 -m org.freedesktop.DBus.Mock.AddMethod \
	org.freedesktop.login1.Manager GetUser u s "ret = 'garbage'" >/dev/null
logind_add_session c2
logind_remove_session c1
check "a malformed GetUser reply: ListSessions instead" -- \
	wait_status "^presence: here (logind session c2" 10
gdbus call --system -d $LOGIND -o $L1 -m org.freedesktop.DBus.Mock.AddMethod \
	org.freedesktop.login1.Manager GetUser u o \
	"ret = dbus.ObjectPath('$L1/user/' + str(args[0]))" >/dev/null
logind_display c2
check "session replaced: the display session c2 followed" -- \
	wait_status "^presence: here (logind session c2" 10
logind_lock c2 true
check "the new session's lock is seen" -- wait_status "^presence: away (locked" 10
logind_lock c2 false
check "and its unlock" -- wait_status "^presence: here" 10

# ---- GNOME's idle monitor on the session bus ----
mutter_start || exit 1
check "GNOME idle monitor in use" -- wait_status "^presence: here (.*GNOME idle monitor" 10
mutter_fire 1
check "GNOME idle watch fired: away" -- wait_status "^presence: away (idle (desktop)" 10
mutter_fire 2
check "GNOME user-active watch fired: here" -- wait_status "^presence: here" 10

# ---- KDE's org.freedesktop.ScreenSaver on the session bus ----
check "ScreenSaver in use" -- wait_status "^presence: here (.*ScreenSaver" 10
kde_lock true
check "ScreenSaver active: away" -- wait_status "^presence: away (screen saver" 10
kde_lock false
check "ScreenSaver inactive: here" -- wait_status "^presence: here" 10

# ---- a call: a due reminder waits until the recording ends + grace ----
n_before=$(reminders_done)
parecord -d bc_mic --raw /dev/null &
MIC=$!
check "recording from a microphone: a call" -- wait_status "^calls: recording" 10
check "a reminder falls due during the call and waits" -- \
	wait_log "it waits for the call to end" 20
t_held=$(rec_t)
sleep 1.5
kill "$MIC"; wait "$MIC" 2>/dev/null
t_call_end=$(rec_t)
check "the call ended" -- wait_status "^calls: none" 10
check "the held reminder comes after the call" -- wait_reminders $((n_before + 1)) 5

# ---- a session you start: recorded with its step and skips ----
"$BACKCOACH" start >/dev/null
check "a session of your own plays" -- wait_status "^state: playing" 10
sleep 1
"$BACKCOACH" skip >/dev/null
sleep 0.5
"$BACKCOACH" stop >/dev/null
check "and is stopped" -- wait_status "^state: idle" 10
check "day.log: the session, stopped, with its skip" -- \
	grep -q "^20[0-9-]*T[0-9:]*Z session short stopped [0-9]*/[0-9]* skipped=1 exercised=[0-9]* done=[0-9]*$" \
	"$T/state/backcoach/day.log"

# ---- the bus dies: a log line, wall time, no crash; it comes back ----
bus_kill system
check "system bus gone: logged" -- wait_log "the system bus went away" 10
check "system bus gone: no logind source" -- wait_status "^presence: here (GNOME idle monitor, ScreenSaver" 10
bus_start system
logind_start
logind_add_session c3
check "system bus back: logind followed again" -- wait_status "^presence: here (logind session c3" 10
check "the daemon survived it all" -- kill -0 "$DPID"
rec_stop
daemon_stop

# What was heard (the recording, analysed once it is complete).
s1=$(sound_after "$t0" "$t_unlock")
echo "  daemon at ${t0} s, locked ${t_lock}-${t_unlock} s; first sound ${s1:-none} s after the unlock"
check "no reminder at the unlock; the first one 8 s after it (not before, late by 2 s at most)" -- \
	within "${s1:-}" 7.8 10
# Sitting: from the end of the first reminder (as heard) to the lock, then
# 8 s minus that after the unlock. A clock that started over would speak
# 8 s after the unlock; one that ran on through the lock, 1.5 s sooner.
e1=$(bursts 1.0 | awk -v a="$(first_sound_after "$t_unlock")" '$1 >= a - 0.005 { print $2; exit }')
s2=$(sound_after "$t_u2" "$t_u2")
want=$(awk -v a="$t_l2" -v b="${e1:-0}" 'BEGIN { printf "%.2f", 8 - (a - b) }')
echo "  first reminder ended at ${e1:-?} s; locked ${t_l2}-${t_u2} s: second reminder ${s2:-none} s after the unlock (paused clock: ${want} s)"
check "a short absence pauses the clock (not before, late by 2 s at most)" -- \
	within "${s2:-}" "$(awk -v w="$want" 'BEGIN { print w - 0.7 }')" \
	"$(awk -v w="$want" 'BEGIN { print w + 2 }')"
s3=$(sound_after "$t_held" "$t_call_end")
echo "  reminder held at ${t_held} s, call ended at ${t_call_end} s: it spoke ${s3:-never} s later (grace 1 s)"
check "the held reminder speaks after the call ends + 1 s grace (not before, late by 2 s at most)" -- \
	within "${s3:-}" 0.8 3
check "nothing spoke during the call" -- \
	test -z "$(last_sound_between "$t_held" "$t_call_end")"

# ---- the record of the day ----
"$BACKCOACH" stats today >"$T/stats" 2>&1
sed 's/^/    /' "$T/stats"
n_heard=$(reminders_done)
check "stats: the reminders given ($n_heard)" -- grep -q "^reminders: $n_heard given, 0 started, 0 snoozed, 0 skipped, 0 unanswered, 1 waited" "$T/stats"
check "stats: the session played, the natural breaks counted" -- \
	grep -q "^breaks: [01] guided, [1-9][0-9]* natural" "$T/stats"
check "stats: the session counted as played" -- grep -q "^sessions: 1 played" "$T/stats"
# The first natural break: the long lock, of 4.5 s (as long as the daemon
# saw it: up to 2 s more on a loaded machine).
nb=$(sed -n 's/^20[0-9-]*T[0-9:]*Z break natural \([0-9]*\)$/\1/p' "$T/state/backcoach/day.log" | head -n 1)
echo "  day.log: first natural break ${nb:-none} s (locked ${t_lock}-${t_unlock} s)"
check "day.log: the natural break after the long lock, as long as the lock" -- \
	within "${nb:-}" 4 "$(awk -v a="$t_lock" -v b="$t_unlock" 'BEGIN { print int(b - a) + 2 }')"

# (stats over crafted days: tests/coach/stats.sh)

# ---- an unwritable record: a log line, the daemon carries on ----
rm -f "$T/state/backcoach/day.log"
mkdir "$T/state/backcoach/day.log"
rec_start
# Started inside a session this time: XDG_SESSION_ID names it.
export XDG_SESSION_ID=c3
daemon_start "$TEST_DATA/daemon-presence.ini" || exit 1
unset XDG_SESSION_ID
check "XDG_SESSION_ID: that session" -- wait_log "logind session c3 (XDG_SESSION_ID)" 10
check "unwritable record: presence still followed" -- wait_status "^presence: here (logind session" 10
sleep 1.5 # a stretch of sitting worth recording
logind_lock c3 true
check "unwritable record: logged once" -- wait_log "record of the day: cannot open" 10
logind_lock c3 false
check "unwritable record: the daemon carries on" -- wait_status "^presence: here" 10

# ---- reload: presence and call detection off ----
sed -i 's/^presence = yes/presence = no/; s/^during_calls = wait/during_calls = remind/' "$T/cfg.ini"
"$BACKCOACH" reload >/dev/null
check "presence = no: wall time" -- wait_status "^presence: unknown (counting wall time)" 10
check "during_calls = remind: calls not watched" -- wait_status "^calls: not watched" 10
rec_stop
daemon_stop

finish=0
daemon_finish || finish=1
exit $finish
