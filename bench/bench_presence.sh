#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# bench_presence.sh: the daemon's costs with presence watching on: a private
# system bus with python3-dbusmock's logind (a session of ours), a session
# bus with a stand-in for GNOME's idle monitor, and call detection on a
# private PulseAudio (tests/pulse.sh, tests/buslib.sh). On the built-in
# default config, reminders on and an hour away:
#   1. BENCH_IDLE_S (60) s idle: wakeups (voluntary + involuntary context
#      switches of every thread: the main loop, libpulse's thread for call
#      detection, and the speech worker child), CPU time (targets <= 1
#      wakeup/min, <= 5 ms CPU/min), then RSS (target <= 15 MB);
#   2. unlock -> the daemon's state change: from dbusmock's own log of the
#      SetLockedHint(false) call (ms resolution) to the daemon's "presence:
#      back" line, timestamped as it is written; BENCH_TRIALS (5) times;
#   3. call end -> state change: from just before parecord (recording a
#      null source) is killed to the daemon's "calls: the recording ended".
# Figures, not pass/fail. Run by `make bench`; needs BACKCOACH, TOP_SRCDIR.
set -u
: "${BACKCOACH:?}" "${TOP_SRCDIR:?}"
IDLE_S=${BENCH_IDLE_S:-60}
. "$TOP_SRCDIR/bench/benchlib.sh"
. "$TOP_SRCDIR/tests/buslib.sh"

daemon_setup
bus_setup
mic_load
bus_start system || exit 1
bus_start session || exit 1
# logind with a method log (dbusmock -l: "TIME METHOD ARGS" per call).
/usr/bin/python3 -m dbusmock --system --template logind -l "$T/bus/logind.calls" \
	>>"$T/bus/logind.log" 2>&1 &
BUS_MOCKS="$BUS_MOCKS $!"
_bus_wait_name --system org.freedesktop.login1 || exit 1
logind_add_session c1
mutter_start || exit 1

printf '[reminders]\nenabled = yes\ninterval = 1h\nactive_hours = always\ndays = all\n' >"$T/bench.ini"
# The daemon's log, each line timestamped as it is written (stderr is
# unbuffered).
"$BACKCOACH" -v --config "$T/bench.ini" run 2>&1 |
	while IFS= read -r line; do echo "$(date +%s.%N) $line"; done >>"$T/daemon.log" &
_i=0
until "$BACKCOACH" status 2>/dev/null | grep -q "^presence: here (logind session c1.*GNOME idle monitor"; do
	_i=$((_i + 1))
	[ $_i -gt 200 ] && { echo "daemon did not start:"; tail -n 20 "$T/daemon.log"; exit 1; }
	sleep 0.05
done
DPID=$(tr -dc 0-9 <"$XDG_RUNTIME_DIR/backcoach/lock")
"$BACKCOACH" status | grep "^presence\|^calls\|^sitting"

echo "== 1. idle over ${IDLE_S} s with presence watching on (logind, GNOME idle monitor, call detection)"
sleep "${BENCH_SETTLE_S:-10}" # settle: servers suspend idle nodes after 5 s (events)
echo "threads: $(ps -L -o comm= -p "$DPID" | tr '\n' ' ')"
idle_cost -v "$IDLE_S"
echo "RSS idle: daemon $(rss_kb "$DPID") kB (target <= 15360 kB)"

echo "== 2. unlock -> the daemon's state change, $TRIALS trials"
: >"$T/unlock"
i=0
while [ $i -lt "$TRIALS" ]; do
	logind_lock c1 true
	wait_status "^presence: away" 2
	n=$(grep -c "presence: back" "$T/daemon.log")
	sleep 0.5
	logind_lock c1 false
	_j=0
	while [ "$(grep -c "presence: back" "$T/daemon.log")" -le "$n" ] && [ $_j -lt 100 ]; do
		sleep 0.02
		_j=$((_j + 1))
	done
	t_call=$(grep "SetLockedHint False" "$T/bus/logind.calls" | tail -n 1 | cut -d' ' -f1)
	t_back=$(grep "presence: back" "$T/daemon.log" | tail -n 1 | cut -d' ' -f1)
	[ -n "$t_call" ] && [ -n "$t_back" ] &&
		awk -v a="$t_call" -v b="$t_back" 'BEGIN { printf "%.1f\n", (b - a) * 1000 }' >>"$T/unlock"
	i=$((i + 1))
done
echo "unlock -> state change: median $(median <"$T/unlock") ms ($(tr '\n' ' ' <"$T/unlock"))"
echo "  (dbusmock's call log, 1 ms resolution -> the daemon's log line)"

echo "== 3. call end -> the daemon's state change, $TRIALS trials"
: >"$T/callend"
i=0
while [ $i -lt "$TRIALS" ]; do
	parecord -d bc_mic --raw /dev/null &
	mic=$!
	wait_status "^calls: recording" 3
	n=$(grep -c "calls: the recording ended" "$T/daemon.log")
	sleep 0.3
	t0=$(date +%s.%N)
	kill "$mic"
	wait "$mic" 2>/dev/null
	_j=0
	while [ "$(grep -c "calls: the recording ended" "$T/daemon.log")" -le "$n" ] && [ $_j -lt 100 ]; do
		sleep 0.02
		_j=$((_j + 1))
	done
	t1=$(grep "calls: the recording ended" "$T/daemon.log" | tail -n 1 | cut -d' ' -f1)
	[ -n "$t1" ] && awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", (b - a) * 1000 }' >>"$T/callend"
	i=$((i + 1))
done
echo "call end -> state change: median $(median <"$T/callend") ms ($(tr '\n' ' ' <"$T/callend"))"
echo "  (from just before parecord is killed)"
kill "$DPID" 2>/dev/null
sleep 1

echo "== 4. the same daemon without presence watching, for comparison"
printf 'presence = no\nduring_calls = remind\n' >>"$T/bench.ini"
"$BACKCOACH" --config "$T/bench.ini" run >>"$T/daemon-off.log" 2>&1 &
DPID=$!
wait_status "^state: idle" 5
sleep "${BENCH_SETTLE_S:-10}" # settle: servers suspend idle nodes after 5 s (events)
echo "threads: $(ps -L -o comm= -p "$DPID" | tr '\n' ' ')"
echo "RSS idle, presence = no, during_calls = remind: daemon $(rss_kb "$DPID") kB"
daemon_stop
