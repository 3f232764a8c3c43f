# SPDX-License-Identifier: GPL-3.0-or-later
# benchlib.sh: what the daemon's benches share, sourced first (it sources
# tests/daemonlib.sh): the daemon's tasks ($DPID, set by daemon_start or
# the bench), their wakeups (context switches), CPU time and RSS, and the
# cost of an idle daemon. Sets TEST_DATA and TRIALS (BENCH_TRIALS, 5).
# Needs BACKCOACH, TOP_SRCDIR.
set -u
: "${BACKCOACH:?}" "${TOP_SRCDIR:?}"
TEST_DATA=${TEST_DATA:-$TOP_SRCDIR/tests/data}
TRIALS=${BENCH_TRIALS:-5}
. "$TOP_SRCDIR/tests/daemonlib.sh"

# tasks [own]: every thread of the daemon and of its children (the speech
# worker); with own, the daemon's threads only.
tasks() {
	for t in /proc/"$DPID"/task/*; do
		echo "$t"
		[ "${1:-}" = own ] && continue
		for c in $(cat "$t/children" 2>/dev/null); do
			for ct in /proc/"$c"/task/*; do echo "$ct"; done
		done
	done
}
# sum_field FIELD [own]: the sum over tasks of a /proc status field, e.g.
# voluntary_ctxt_switches.
sum_field() {
	for t in $(tasks "${2:-}"); do
		awk -v f="$1:" '$1 == f { print $2 }' "$t/status" 2>/dev/null
	done | awk '{ s += $1 } END { print s + 0 }'
}
# wakeups [own]: context switches of the tasks, voluntary and involuntary.
wakeups() {
	_wv=$(sum_field voluntary_ctxt_switches "${1:-}")
	echo $((_wv + $(sum_field nonvoluntary_ctxt_switches "${1:-}")))
}
# CPU time (clock ticks) of the daemon (all threads) and its children.
cpu_ticks() {
	{
		awk '{ print $14 + $15 }' "/proc/$DPID/stat"
		for c in $(cat /proc/"$DPID"/task/*/children 2>/dev/null); do
			awk '{ print $14 + $15 }' "/proc/$c/stat" 2>/dev/null
		done
	} | awk '{ s += $1 } END { print s + 0 }'
}
# CPU time (ns) of every task, from schedstat (no tick resolution).
cpu_ns() {
	for t in $(tasks); do awk '{ print $1 }' "$t/schedstat" 2>/dev/null; done |
		awk '{ s += $1 } END { printf "%.0f\n", s }'
}
rss_kb() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status" 2>/dev/null; }
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)] }'; }
# Each task's name and context switches, a line each.
per_task() {
	for t in $(tasks); do
		echo "$(cat "$t/comm") $(awk '$1 ~ /ctxt_switches:/ { s += $2 } END { print s }' "$t/status")"
	done
}

# idle_cost [-v] SECONDS: sleep that long and print what the daemon spent
# meanwhile, per minute against the targets: wakeups of every task, CPU
# time in clock ticks. -v: also each thread's wakeups (first) and the CPU
# time from schedstat (last).
idle_cost() {
	_v=
	[ "$1" = -v ] && { _v=1; shift; }
	[ -n "$_v" ] && per_task >"$T/tasks0"
	_w0=$(wakeups)
	_c0=$(cpu_ticks)
	[ -n "$_v" ] && _ns0=$(cpu_ns)
	sleep "$1"
	_w1=$(wakeups)
	_c1=$(cpu_ticks)
	[ -n "$_v" ] && { _ns1=$(cpu_ns); per_task >"$T/tasks1"; }
	_hz=$(getconf CLK_TCK)
	_wake=$((_w1 - _w0))
	[ -n "$_v" ] &&
		echo "per thread: $(paste "$T/tasks0" "$T/tasks1" | awk '{ printf "%s%s %d", n++ ? ", " : "", $1, $4 - $2 }')"
	echo "wakeups: $_wake in $1 s = $(awk "BEGIN { printf \"%.1f\", $_wake * 60 / $1 }")/min (target <= 1/min)"
	echo "CPU: $(awk "BEGIN { printf \"%.1f\", ($_c1 - $_c0) * 1000 / $_hz * 60 / $1 }") ms/min (tick resolution $((1000 / _hz)) ms; target <= 5 ms/min)"
	[ -n "$_v" ] &&
		echo "CPU (schedstat): $(awk "BEGIN { printf \"%.3f\", ($_ns1 - $_ns0) / 1e6 * 60 / $1 }") ms/min"
	return 0
}
