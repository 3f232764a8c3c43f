#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# bench_storm.sh: `backcoach status` during a storm of bus traffic, against
# its own floor in the same run (status on the idle daemon): a storm of
# BENCH_STORM (10000) PrepareForSleep(false) signals from python3-dbusmock's
# logind on a private system bus (tests/buslib.sh). Prints the floor's and
# the storm's median and worst status times (ms) and their ratio; the storm's
# length; the daemon's CPU during it. Figures, not pass/fail (the tests only
# check that status answers: tests/desktop/daemon-buses.sh). Run by
# `make bench`; needs BACKCOACH, TOP_SRCDIR.
set -u
: "${BACKCOACH:?}" "${TOP_SRCDIR:?}"
N=${BENCH_STORM:-10000}
. "$TOP_SRCDIR/bench/benchlib.sh"
. "$TOP_SRCDIR/tests/buslib.sh"

daemon_setup
bus_setup
bus_start system || exit 1
logind_start || exit 1
logind_add_session c1
printf '[reminders]\nenabled = yes\ninterval = 1h\nactive_hours = always\ndays = all\n' >"$T/bench.ini"
"$BACKCOACH" --config "$T/bench.ini" run >>"$T/daemon.log" 2>&1 &
DPID=$!
wait_status "^presence: here (logind session c1" 10 || { echo "daemon not ready"; exit 1; }
L1=/org/freedesktop/login1
gdbus call --system -d org.freedesktop.login1 -o $L1 -m org.freedesktop.DBus.Mock.AddMethod \
	org.freedesktop.login1.Manager Storm u '' \
	"for i in range(args[0]): self.EmitSignal('org.freedesktop.login1.Manager', 'PrepareForSleep', 'b', [False])" \
	>/dev/null

# One status, in ms.
status_ms() {
	_a=$(date +%s%N)
	"$BACKCOACH" status >/dev/null 2>&1
	echo "$(( ($(date +%s%N) - _a) / 1000 ))" | awk '{ printf "%.1f\n", $1 / 1000 }'
}
: >"$T/floor"
i=0
while [ $i -lt 30 ]; do status_ms >>"$T/floor"; i=$((i + 1)); sleep 0.05; done

c0=$(cpu_ticks)
t0=$(date +%s%N)
gdbus call --system -d org.freedesktop.login1 -o $L1 -m org.freedesktop.login1.Manager.Storm \
	"$N" -t 300 >/dev/null &
storm=$!
: >"$T/storm"
while kill -0 "$storm" 2>/dev/null; do status_ms >>"$T/storm"; done
wait "$storm"
t1=$(date +%s%N)
c1=$(cpu_ticks)
fmed=$(median <"$T/floor") fmax=$(sort -n "$T/floor" | tail -1)
smed=$(median <"$T/storm") smax=$(sort -n "$T/storm" | tail -1)
echo "status, idle daemon (floor): median ${fmed} ms, worst ${fmax} ms (30 tries)"
echo "status during $N logind signals: median ${smed:-?} ms, worst ${smax:-?} ms ($(wc -l <"$T/storm") tries)"
awk -v a="${smed:-0}" -v b="$fmed" -v c="${smax:-0}" -v d="$fmax" 'BEGIN {
	printf "ratio to the floor: median %.2f, worst %.2f\n", b ? a / b : 0, d ? c / d : 0 }'
echo "storm: $(( (t1 - t0) / 1000000 )) ms; daemon CPU during it: $((c1 - c0)) ticks"
grep -c "" "$T/daemon.log" | awk '{ print "daemon log: " $1 " lines" }'
