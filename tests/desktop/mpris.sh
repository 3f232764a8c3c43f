#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# mpris.sh: the daemon as an MPRIS player on a private session bus, driven
# by playerctl; stand-in music players (python3-dbusmock) paused while a
# session plays and resumed after; `repeat` and SIGRTMIN+3; bad calls; the
# bus going away. Asserted on what was heard on the null sink's monitor:
# silence after a pause that comes and stays, speech after a resume, the
# next step's announcement after next; how fast is bench/bench_mpris.sh's
# and bench/bench_controls.sh's. Waits are bounds for a hang (seconds).
set -u
: "${BACKCOACH:?}" "${TEST_DATA:?}" "${TOP_SRCDIR:?}"
. "$TOP_SRCDIR/tests/daemonlib.sh"
. "$TOP_SRCDIR/tests/buslib.sh"

for tool in dbus-daemon dbus-send playerctl; do
	command -v $tool >/dev/null 2>&1 ||
		pa_skip "$tool not installed (bootstrap.sh installs dbus and playerctl)"
done
/usr/bin/python3 -c 'import dbusmock' 2>/dev/null ||
	pa_skip "python3-dbusmock not installed (bootstrap.sh installs it)"

PLAYER=org.mpris.MediaPlayer2.Player

# mock NAME STATUS [PAUSE_CODE]: a stand-in player org.mpris.MediaPlayer2.NAME
# with PlaybackStatus STATUS; its calls are logged to $T/NAME.calls.
mock() {
	/usr/bin/python3 -m dbusmock -l "$T/$1.calls" "org.mpris.MediaPlayer2.$1" \
		/org/mpris/MediaPlayer2 $PLAYER >"$T/$1.out" 2>&1 &
	eval "MOCK_$1=$!"
	BUS_MOCKS="$BUS_MOCKS $!"
	_i=0
	until mock_call "$1" org.freedesktop.DBus.Mock.AddProperty \
		string:$PLAYER string:PlaybackStatus variant:string:"$2" 2>/dev/null; do
		_i=$((_i + 1))
		[ $_i -gt 200 ] && { echo "mock player $1 did not start"; cat "$T/$1.out"; return 1; }
		sleep 0.05
	done
	mock_call "$1" org.freedesktop.DBus.Mock.AddMethod string:$PLAYER string:Pause \
		string: string: string:"${3:-}" &&
		mock_call "$1" org.freedesktop.DBus.Mock.AddMethod string:$PLAYER string:Play \
			string: string: string:
}
mock_call() {
	_n=$1
	shift
	dbus-send --print-reply --reply-timeout=2000 --dest="org.mpris.MediaPlayer2.$_n" \
		/org/mpris/MediaPlayer2 "$@" >/dev/null
}
# How many times NAME received METHOD.
calls() {
	_c=$(grep -c " $2\$\| $2 " "$T/$1.calls" 2>/dev/null)
	echo "${_c:-0}"
}
# Wait up to $3 s until NAME received METHOD.
wait_call() {
	_n=$(awk "BEGIN { print int($3 * 20) }")
	_i=0
	while [ $_i -lt "$_n" ]; do
		[ "$(calls "$1" "$2")" -gt 0 ] && return 0
		_i=$((_i + 1))
		sleep 0.05
	done
	return 1
}

pc() { playerctl -p backcoach "$@" 2>/dev/null; }
listed() { playerctl -l 2>/dev/null | grep -qx backcoach; }
# Wait up to $1 s until backcoach is listed (or, with "not", is gone).
wait_listed() {
	_i=0
	while [ $_i -lt $(($1 * 20)) ]; do
		if [ "${2:-}" = not ]; then listed || return 0; else listed && return 0; fi
		_i=$((_i + 1))
		sleep 0.05
	done
	return 1
}
title() { pc metadata --format '{{title}}'; }
# Microseconds into the step.
position() { pc metadata --format '{{position}}'; }
# Wait up to $3 s until the title is $1 and the position at least $2 s.
wait_at() {
	_n=$(awk "BEGIN { print int($3 * 20) }")
	_i=0
	while [ $_i -lt "$_n" ]; do
		_tp=$(pc metadata --format '{{title}}|{{position}}')
		[ "${_tp%|*}" = "$1" ] && fcmp "${_tp#*|}" ">=" "$2 * 1000000" && return 0
		_i=$((_i + 1))
		sleep 0.05
	done
	return 1
}
# Seconds from $1 to the first sound after it (empty: none within 3 s).
sound_latency() {
	_f=$(envelope | awk -v a="$1" -v l="$LOUD" '$1 >= a && $1 < a + 3 && $2 > l { print $1; exit }')
	[ -n "$_f" ] && elapsed "$1" "$_f"
}
# Seconds from $1 to the last sound in the $2 s after it.
silence_latency() {
	_l=$(last_sound_between "$1" "$(awk "BEGIN { print $1 + $2 }")")
	elapsed "$1" "${_l:-$1}"
}
# Length of the sound burst (gaps < 0.3 s inside) starting at or after $1.
burst_after() {
	bursts 0.3 | awk -v a="$1" '$1 >= a - 0.005 { printf "%.2f", $2 - $1; exit }'
}

daemon_setup
bus_setup
bus_start session || exit 1

# ---- idle: not on the bus ----
daemon_start "$TEST_DATA/daemon-mpris.ini" || exit 1
sleep 0.3
check "idle: playerctl -l does not list backcoach" -- eval '! listed'

# ---- other players: two playing, one paused, one that hangs on Pause ----
mock music Playing || exit 1
mock quiet Paused || exit 1
mock hang Playing "time.sleep(4)" || exit 1
mock gone Playing || exit 1

rec_start
t_start=$(rec_t)
"$BACKCOACH" start >/dev/null
check "session: playerctl -l lists backcoach" -- wait_listed 5
check "session: PlaybackStatus Playing" -- test "$(pc status)" = Playing
check "a playing player is paused at the start" -- wait_call music Pause 5
check "one that hangs on Pause was asked too" -- wait_call hang Pause 5
t0=$(now)
"$BACKCOACH" status >/dev/null
dt=$(elapsed "$t0" "$(now)")
echo "  status while a player hangs on Pause: ${dt} s"
check "a player hanging on Pause (4 s) does not block the daemon" -- fcmp "$dt" "<" 2
check "a paused player is left alone" -- test "$(calls quiet Pause)" -eq 0
check "session: title is the step (Intro)" -- test "$(title)" = Intro
check "session: album is the routine" -- \
	test "$(pc metadata --format '{{album}}')" = mpris
check "session: artist" -- test "$(pc metadata --format '{{artist}}')" = backcoach
check "our stream carries media.role (PULSE_PROP)" -- \
	eval 'pactl list sink-inputs | grep -Eq "media.role = \"(event|Notification)\""'
kill "$MOCK_gone"
wait "$MOCK_gone" 2>/dev/null

# ---- bad calls: an error reply, and the daemon carries on ----
bc_call() {
	dbus-send --print-reply --reply-timeout=2000 --dest=org.mpris.MediaPlayer2.backcoach \
		/org/mpris/MediaPlayer2 "$@" 2>&1
}
check "Seek with a wrong argument: an error reply" -- \
	eval 'bc_call $PLAYER.Seek string:x | grep -q "Error.InvalidArgs"'
check "OpenUri: not supported" -- \
	eval 'bc_call $PLAYER.OpenUri string:file:///x | grep -q "Error.NotSupported"'
check "Quit: not supported (CanQuit false)" -- \
	eval 'bc_call org.mpris.MediaPlayer2.Quit | grep -q "Error.NotSupported"'
check "Seek: no effect (CanSeek false)" -- eval 'bc_call $PLAYER.Seek int64:5000000 >/dev/null'
check "an unknown method: an error reply" -- \
	eval 'bc_call $PLAYER.Eject | grep -q "Error.UnknownMethod"'
check "CanSeek is false" -- eval 'bc_call org.freedesktop.DBus.Properties.Get \
	string:$PLAYER string:CanSeek | grep -q "boolean false"'
check "Identity" -- eval 'bc_call org.freedesktop.DBus.Properties.Get \
	string:org.mpris.MediaPlayer2 string:Identity | grep -q "\"backcoach\""'
check "bad calls: the daemon is alive" -- kill -0 "$DPID"

# ---- the metadata follows the step by itself ----
wait_status "^step: 2 of" 10
check "metadata follows the step (Shoulder rolls)" -- wait_at "Shoulder rolls" 0 3

# ---- play-pause: silence that comes and stays; again: speech resumes there ----
# Mid-announcement (speech from 2.8 s to 8.8 s into the step).
# wait_pc STATUS SECONDS: until playerctl reports STATUS.
wait_pc() {
	_i=0
	until [ "$(pc status)" = "$1" ]; do
		_i=$((_i + 1))
		[ $_i -gt $(($2 * 20)) ] && return 1
		sleep 0.05
	done
}
wait_at "Shoulder rolls" 4.0 8
t_p=$(rec_t)
pc play-pause
check "play-pause: Paused" -- wait_pc Paused 5
p1=$(position)
sleep 1
p2=$(position)
check "paused: the position stands still" -- fcmp "($p2 - $p1)^2" "<" "50000^2"
t_r=$(rec_t)
pc play-pause
sleep 0.6
p3=$(position)
t3=$(rec_t)
echo "  position paused ${p1} us, $(elapsed "$t_r" "$t3") s after resuming ${p3} us"
# On from where it stopped: forward, by no more than the time since.
check "resumed where it stopped" -- eval 'fcmp "$p3 - $p1" ">" 0 &&
	fcmp "$p3 - $p1" "<=" "($t3 - $t_r + 0.1) * 1000000"'
check "play-pause again: Playing" -- wait_pc Playing 5

# ---- next: the next step's announcement (from silence in the hold) ----
wait_at "Shoulder rolls" 17.5 16
t_n=$(rec_t)
pc next
check "next: the title is the next step (Rest)" -- wait_at Rest 0 3
# Neck tilt follows: Rest is "Rest." and "Next: Neck tilt." (3.7 s, see
# `backcoach script`); the wait is twice that, as the machine may be loaded.
check "then Neck tilt" -- wait_at "Neck tilt" 0 8
t_tilt=$(rec_t)

# ---- previous: the step again from its start (from silence in its hold) ----
wait_at "Neck tilt" 12.5 16
t_prev=$(rec_t)
pc previous
sleep 0.6
p4=$(position)
echo "  position 0.6 s after previous: ${p4} us"
check "previous: the position is back at the start (from 12.5 s)" -- fcmp "$p4" "<" 3000000
check "previous: the same step" -- test "$(title)" = "Neck tilt"
sleep 2.4

# ---- stop (paused first, so only the end tone sounds): the name goes ----
pc pause
sleep 0.5
t_s=$(rec_t)
pc stop
check "stop: the name is gone" -- wait_listed 5 not
sleep 4
rec_stop
check "stop: the daemon is idle" -- wait_status "^state: idle" 5
check "a paused player is resumed at the end" -- wait_call music Play 5
check "the one left alone is not resumed" -- test "$(calls quiet Play)" -eq 0
check "a vanished player is skipped, with a log line" -- \
	grep -q "MediaPlayer2.gone is gone: not resumed" "$T/daemon.log"
check "the hanging player is logged" -- \
	grep -q "MediaPlayer2.hang did not answer Pause" "$T/daemon.log"

# ---- what was heard ----
# (Up to REC_SLACK before the resume: the resumed speech comes within ms,
# and the recording's clock may stand a little earlier than rec_t.)
lat=$(silence_latency "$t_p" "$(awk "BEGIN { print $(elapsed "$t_p" "$t_r") - $REC_SLACK }")")
echo "  play-pause -> silence: $lat s (resumed $(elapsed "$t_p" "$t_r") s after the pause)"
# Silent for 0.5 s (and more) before that, at least.
check "play-pause: silence comes and stays until the resume" -- \
	fcmp "$lat" "<=" "$(elapsed "$t_p" "$t_r") - $REC_SLACK - 0.5"
lat=$(sound_latency "$t_r")
echo "  play-pause again -> sound: ${lat:-none} s"
check "play-pause again: speech resumes (within 3 s)" -- test -n "$lat"
check "next: silence before it (in the hold)" -- \
	test -z "$(last_sound_between "$(awk "BEGIN { print $t_n - 1 }")" "$(awk "BEGIN { print $t_n - $REC_SLACK }")")"
lat=$(sound_latency "$t_n")
echo "  next -> announcement: ${lat:-none} s"
check "next: the next step's announcement comes (within 3 s)" -- test -n "$lat"
check "previous: silence before it (in the hold)" -- \
	test -z "$(last_sound_between "$(awk "BEGIN { print $t_prev - 1 }")" "$(awk "BEGIN { print $t_prev - $REC_SLACK }")")"
lat=$(sound_latency "$t_prev")
echo "  previous -> announcement: ${lat:-none} s"
check "previous: the announcement comes (within 3 s)" -- test -n "$lat"
# The announcement heard after previous is the step's own: as long as at
# its first start.
# (The title turns a little after the step starts: look from 0.4 s before,
# in the 0.6 s of silence after Rest's "Next: Neck tilt.")
b1=$(burst_after "$(first_sound_after "$(awk "BEGIN { print $t_tilt - 0.4 }")")")
b2=$(burst_after "$(first_sound_after "$(awk "BEGIN { print $t_prev - $REC_SLACK }")")")
echo "  Neck tilt's announcement: ${b1:-?} s at first, ${b2:-?} s after previous"
check "previous: the step's announcement again, from its start" -- \
	fcmp "(${b1:-0} - ${b2:-9})^2" "<=" "0.3^2"
lat=$(sound_latency "$t_s")
last=$(silence_latency "$t_s" 4)
echo "  stop -> end tone at ${lat:-none} s, silent at ${last} s"
check "stop: the end tone (within 2 s)" -- fcmp "${lat:-9}" "<=" 2
check "stop: silence comes (within 3 s) and stays" -- fcmp "$last" "<=" 3
check "idle again: not on the bus" -- eval '! listed'

# ---- repeat from the command line and SIGRTMIN+3 ----
"$BACKCOACH" start >/dev/null
wait_listed 5
# In Shoulder rolls (22 s long), 3 s in: back to its start, still in it
# (a loaded machine may take seconds between the reads, never 19).
wait_at "Shoulder rolls" 3 15
pb=$(position)
check "backcoach repeat" -- "$BACKCOACH" repeat
sleep 0.3
pa=$(position)
echo "  repeat: position ${pb} us before, ${pa} us after"
check "repeat: back at the start of the step" -- \
	eval 'test "$(title)" = "Shoulder rolls" && fcmp "$pa" "<" "$pb"'
wait_at "Shoulder rolls" 3 15
pb=$(position)
kill -s RTMIN+3 "$DPID" 2>/dev/null || kill -37 "$DPID"
sleep 0.3
pa=$(position)
echo "  SIGRTMIN+3: position ${pb} us before, ${pa} us after"
check "SIGRTMIN+3: back at the start of the step" -- \
	eval 'test "$(title)" = "Shoulder rolls" && fcmp "$pa" "<" "$pb"'
check "SIGRTMIN+3: logged" -- wait_log "SIGRTMIN+3: again from the start of the step"

# ---- a second daemon on the same bus (its own runtime dir): the spec's
# instance name, and both answer ----
"$BACKCOACH" stop >/dev/null
wait_status "^state: idle" 5
mkdir -p "$T/run2"
chmod 700 "$T/run2"
XDG_RUNTIME_DIR="$T/run2" "$BACKCOACH" -v --config "$T/cfg.ini" run >>"$T/daemon2.log" 2>&1 &
D2=$!
_i=0
until XDG_RUNTIME_DIR="$T/run2" "$BACKCOACH" status >/dev/null 2>&1 || [ $_i -gt 400 ]; do
	_i=$((_i + 1))
	sleep 0.05
done
"$BACKCOACH" start >/dev/null
wait_listed 5
XDG_RUNTIME_DIR="$T/run2" "$BACKCOACH" start >/dev/null
_i=0
until playerctl -l 2>/dev/null | grep -qx "backcoach.instance$D2" || [ $_i -gt 200 ]; do
	_i=$((_i + 1))
	sleep 0.05
done
check "a second daemon: listed as backcoach.instance$D2" -- \
	eval 'playerctl -l 2>/dev/null | grep -qx "backcoach.instance$D2"'
check "a second daemon: the first keeps its name" -- listed
check "a second daemon: answers on its own name" -- \
	eval 'playerctl -p "backcoach.instance$D2" pause && XDG_RUNTIME_DIR="$T/run2" "$BACKCOACH" status | grep -q "^state: paused"'
check "a second daemon: the first still plays" -- wait_status "^state: playing" 5
kill -TERM "$D2"
wait "$D2"
check "a second daemon: exits cleanly" -- test $? -eq 0
check "a second daemon: its name is gone" -- \
	eval '! playerctl -l 2>/dev/null | grep -q "instance$D2"'

# ---- the bus goes away mid-session, and comes back ----
bus_kill session
check "bus gone: a log line" -- wait_log "session bus connection lost"
check "bus gone: the daemon is alive" -- kill -0 "$DPID"
check "bus gone: still playing" -- wait_status "^state: playing" 5
"$BACKCOACH" stop >/dev/null
check "bus gone: stop works" -- wait_status "^state: idle" 5
bus_start session || exit 1
"$BACKCOACH" start >/dev/null
check "bus back: listed again at the next session" -- wait_listed 5
"$BACKCOACH" stop >/dev/null
check "bus back: gone after the session" -- wait_listed 5 not

# ---- [audio] other_players = keep: other players are left playing ----
mock music2 Playing || exit 1
sed 's/^latency = 50ms$/&\nother_players = keep/' "$TEST_DATA/daemon-mpris.ini" >"$T/cfg.ini"
"$BACKCOACH" reload >/dev/null
"$BACKCOACH" start >/dev/null
wait_listed 5
sleep 1
"$BACKCOACH" stop >/dev/null
wait_listed 5 not
check "other_players = keep: a playing player gets no Pause" -- test "$(calls music2 Pause)" -eq 0
check "other_players = keep: nor Play" -- test "$(calls music2 Play)" -eq 0

# ---- a reminder's countdown: Play starts the routine, Stop snoozes ----
# daemon-countdown.ini: a reminder after 3 s of sitting, a 4 s countdown.
cp "$TEST_DATA/daemon-countdown.ini" "$T/cfg.ini"
"$BACKCOACH" reload >/dev/null
check "reminder: on the bus" -- wait_listed 10
check "reminder: the title" -- test "$(title)" = Reminder
sleep 0.5
pc play
# (Without it, the 4 s countdown would run on first.)
check "reminder: Play during the countdown starts the routine at once" -- \
	wait_status "^step: 2 of" 2
pc stop
check "reminder: stopped" -- wait_listed 5 not
check "the next reminder: on the bus" -- wait_listed 10
sleep 0.5
pc stop
check "reminder: Stop during the countdown" -- wait_listed 5 not
check "reminder: Stop during the countdown snoozes it" -- \
	wait_log "reminder cancelled: snoozed"
check "daemon alive at the end" -- kill -0 "$DPID"

daemon_finish
