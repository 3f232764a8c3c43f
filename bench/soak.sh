#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# soak.sh: the daemon through SOAK_CYCLES (default 1000) reminder cycles at
# the shortest interval (1 s of sitting) with a short routine after each,
# against a private PulseAudio (tests/pulse.sh). Prints the daemon's RSS and
# open fds (its own and its speech worker's) at the start and the end, and
# each reminder's lateness: how long after it was due the daemon's loop
# fired it (the daemon's own debug line, wall clock, ms), median and worst.
# A benchmark: figures, not pass/fail. Run by `make bench`; needs BACKCOACH
# and TOP_SRCDIR. A cycle (reminder, the short routine with its count-in,
# 1 s of sitting) takes about 16 s: 1000 cycles take 4.5 hours, so
# SOAK_CYCLES may be given a smaller count (make bench SOAK_CYCLES=100);
# with SOAK_ROUTINE=none a cycle takes about 3 s.
set -u
: "${BACKCOACH:?}" "${TOP_SRCDIR:?}"
CYCLES=${SOAK_CYCLES:-1000}
# SOAK_ROUTINE=none: the reminder's message only, no routine after it.
ROUTINE=${SOAK_ROUTINE:-soak}
. "$TOP_SRCDIR/tests/daemonlib.sh"
daemon_setup

cat >"$T/soak.ini" <<'INI'
; soak: a reminder after every second of sitting, then a short routine.
[general]
routine = soak

[metronome]
bpm = 0

[reminders]
enabled = yes
interval = 1s
active_hours = always
days = all
presence = no
message = Up.
routine = @ROUTINE@
countdown = 0s

[exercise:roll]
title = Roll
setup = Roll.
hold = 1s
setup_time = 0s

[routine:soak]
title = Soak
language = en
exercises = roll
rest = 0s
INI
sed -i "s/@ROUTINE@/$ROUTINE/" "$T/soak.ini"

# The daemon's RSS (kB) and open fds, and its speech worker's.
figures() {
	w=$(cat /proc/"$DPID"/task/*/children 2>/dev/null | tr ' ' '\n' | grep . | head -1)
	rss=$(awk '/^VmRSS/ { print $2 }' /proc/"$DPID"/status)
	fds=$(ls /proc/"$DPID"/fd | wc -l)
	wrss=- wfds=-
	if [ -n "$w" ] && [ -d /proc/"$w" ]; then
		wrss=$(awk '/^VmRSS/ { print $2 }' /proc/"$w"/status)
		wfds=$(ls /proc/"$w"/fd | wc -l)
	fi
	echo "daemon RSS ${rss} kB, ${fds} fds; speech worker RSS ${wrss} kB, ${wfds} fds"
}
fired() { grep -c "ms after it was due" "$T/daemon.log"; }

daemon_start "$T/soak.ini" || exit 1
# The start: idle after the first reminder (the speech worker and the caches
# warm), as the end is idle after the last.
i=0
while [ "$(fired)" -lt 1 ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
wait_status "^state: idle" 30 >/dev/null
start=$(figures)
t0=$(now)
last=0 stuck=0
while [ "$(fired)" -lt "$CYCLES" ]; do
	sleep 2
	n=$(fired)
	if [ "$n" -eq "$last" ]; then
		stuck=$((stuck + 1))
		[ $stuck -ge 30 ] && { echo "soak: no reminder for 60 s, stopping at $n"; break; }
	else
		stuck=0 last=$n
	fi
	if ! kill -0 "$DPID" 2>/dev/null; then echo "soak: the daemon died"; break; fi
done
# The end: idle again after the last cycle's routine.
wait_status "^state: idle" 30 >/dev/null
end=$(figures)
t1=$(now)
n=$(fired)
echo "== soak: $n reminder cycles (asked: $CYCLES) in $(elapsed "$t0" "$t1") s, interval 1 s, routine $ROUTINE"
echo "  start: $start"
echo "  end:   $end"
sed -n 's/.*reminder [0-9]*: \(-*[0-9]*\) ms after it was due.*/\1/p' "$T/daemon.log" | sort -n |
	awk '{ v[NR] = $1 } END {
		if (!NR) { print "  lateness: no reminders"; exit }
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "  lateness (fired - due, ms): median %s, worst %s, best %s, over %d reminders\n",
			m, v[NR], v[1], NR }'
echo "  underflows: $(grep -c "[1-9][0-9]* output underflows" "$T/daemon.log") sessions with underflows"
daemon_stop
