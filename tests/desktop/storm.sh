#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# storm.sh: the control socket served while the daemon is busy. While
# `start --minutes` waits for the routines' lengths to be worked out (on a
# thread: seconds, tens on a loaded machine), status answers. Then a storm
# of 10,000 MPRIS calls at the daemon's player on a
# private session bus (tests/data/mpris_storm.py: 4 clients, each with 32
# calls in flight; property Gets, GetAll, Seek and Raise, and one Pause
# halfway). Every `backcoach status` asked during it answers (the control
# socket is served between slices of the bus), every call is answered
# rightly, the Pause in it pauses, the log is not flooded, and the daemon
# plays on after it. How fast status answers meanwhile is
# bench/bench_storm.sh's figure.
set -u
: "${BACKCOACH:?}" "${TEST_DATA:?}" "${TOP_SRCDIR:?}"
. "$TOP_SRCDIR/tests/daemonlib.sh"
. "$TOP_SRCDIR/tests/buslib.sh"

N=10000
CLIENTS=4

daemon_setup
bus_setup
bus_start session || exit 1
daemon_start "$TEST_DATA/storm.ini" || exit 1

# ---- start --minutes: the routines' lengths are worked out first (every
# routine compiled, its lines synthesised: seconds, tens on a loaded
# machine); status answers meanwhile, and then the routine that fits plays ----
"$BACKCOACH" start --minutes 5 >"$T/minutes.out" 2>&1 &
mins=$!
sleep 0.2
answered=0 tries=0
while kill -0 "$mins" 2>/dev/null; do
	# Answered while start --minutes still waits for its answer?
	timeout 10 "$BACKCOACH" status >/dev/null 2>&1 && kill -0 "$mins" 2>/dev/null &&
		answered=$((answered + 1))
	tries=$((tries + 1))
	sleep 0.1
done
wait "$mins"
rc=$?
echo "  start --minutes 5: exit $rc, \"$(cat "$T/minutes.out")\"; status answered $answered of $tries times before it"
grep "worked out the routines' lengths" "$T/daemon.log" | sed 's/^/  /'
check "start --minutes: status answers while the lengths are worked out" -- \
	test "$answered" -ge 2
fits=$(sed -n 's/.*: 5 minutes: \(.*\) fits$/\1/p' "$T/daemon.log")
check "start --minutes 5: then the routine that fits plays" -- \
	eval 'test $rc -eq 0 -a -n "$fits" && grep -q "^playing $fits" "$T/minutes.out"'
# The schedule is English (storm): the German routines of the library
# (desk-break-de, 4m20s, is longer than desk-break) are not offered.
check "start --minutes 5: a routine in the schedule's language ($fits)" -- \
	sh -c '"$1" -c "$2" list | grep -A1 "^  $3 " | grep -q "language en;"' _ \
	"$BACKCOACH" "$TEST_DATA/storm.ini" "$fits"
"$BACKCOACH" stop >/dev/null
check "start --minutes: stopped" -- wait_status "^state: idle" 10
check "start --minutes 5 again: the same (the lengths known)" -- \
	sh -c 'timeout 10 "$1" start --minutes 5 | grep -q "^playing $2"' _ "$BACKCOACH" "$fits"
"$BACKCOACH" stop >/dev/null
wait_status "^state: idle" 10

# ---- the storm ----
"$BACKCOACH" start >/dev/null
check "a session plays" -- wait_status "^state: playing" 10
# On the bus: the name is taken as the session starts.
check "the player is on the bus" -- _bus_wait_name --session org.mpris.MediaPlayer2.backcoach 200

lines0=$(wc -l <"$T/daemon.log")
/usr/bin/python3 "$TEST_DATA/mpris_storm.py" $N $CLIENTS pause >"$T/storm.out" 2>"$T/storm.err" &
storm=$!
answered=0 tries=0 playing=0
while kill -0 "$storm" 2>/dev/null; do
	# A bound for a hang, not a speed (bench/bench_storm.sh times it).
	if timeout 10 "$BACKCOACH" status >"$T/status" 2>&1; then
		answered=$((answered + 1))
		grep -q "^state: \(playing\|paused\)" "$T/status" && playing=$((playing + 1))
	fi
	tries=$((tries + 1))
done
wait "$storm"
storm_rc=$?
# (Less the status asked meanwhile: each is a line with -v.)
lines=$(tail -n +"$((lines0 + 1))" "$T/daemon.log" | grep -vc "control: status")
echo "  storm: $(cat "$T/storm.out")"
sed 's/^/  storm stderr: /' "$T/storm.err"
echo "  during it: status answered $answered of $tries times; the daemon logged $lines lines (not counting status)"
# figure KEY: a figure from the storm's line.
figure() { sed -n "s/.* \{0,1\}$1=\([0-9.]*\).*/\1/p" "$T/storm.out"; }
check "storm: the client ran to its end" -- test "$storm_rc" -eq 0 -a -s "$T/storm.out"
check "storm: status asked during it at least twice" -- test "$tries" -ge 2
check "storm: status answered every time (10 s each)" -- test "$answered" -eq "$tries"
check "storm: status said the session plays on each time" -- test "$playing" -eq "$tries"
check "storm: every call sent ($N and the Pause)" -- test "$(figure calls)" = $((N + 1))
check "storm: every call answered" -- test "$(figure answered)" = $((N + 1))
check "storm: no error replies" -- test "$(figure errors)" = 0
check "storm: every reply right (status, track, identity, ...)" -- test "$(figure wrong)" = 0
check "storm: PlaybackStatus Playing before the Pause" -- \
	eval 'test "$(figure before_ok)" -ge 1 -a "$(figure before_bad)" = 0'
check "storm: the Pause paused (PlaybackStatus Paused after its reply)" -- \
	eval 'test "$(figure paused_ok)" -ge 1 -a "$(figure paused_bad)" = 0'
# Not a line per call (MPRIS methods are said at debug level, -v, as
# commands: here the one Pause).
check "storm: the log is not flooded (at most 20 lines)" -- test "$lines" -le 20
check "storm: the daemon is alive" -- kill -0 "$DPID"

# ---- after it: the daemon as before ----
check "after: status says paused" -- wait_status "^state: paused" 5
check "after: PlaybackStatus Paused" -- \
	eval 'playerctl -p backcoach status 2>/dev/null | grep -qx Paused'
"$BACKCOACH" resume >/dev/null
check "after: resume plays" -- wait_status "^state: playing" 5
check "after: PlaybackStatus Playing" -- \
	eval 'playerctl -p backcoach status 2>/dev/null | grep -qx Playing'
"$BACKCOACH" stop >/dev/null
check "after: stop" -- wait_status "^state: idle" 10
check "after: the name is gone" -- eval '! gdbus call --session -d org.freedesktop.DBus \
	-o /org/freedesktop/DBus -m org.freedesktop.DBus.GetNameOwner \
	org.mpris.MediaPlayer2.backcoach >/dev/null 2>&1'
daemon_stop

daemon_finish
