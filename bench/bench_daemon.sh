#!/bin/sh
# bench_daemon.sh: the daemon's costs, measured against a private PulseAudio:
#   - trigger latency, SIGUSR1 -> first audible sample on the null sink's
#     monitor, against the floor: a minimal PortAudio program (bench/pa_floor)
#     doing the same (target <= 1.3x);
#   - idle cost between reminders over BENCH_IDLE_S (60) seconds: wakeups
#     (voluntary + involuntary context switches of every thread in
#     /proc/PID/task and of the speech worker child) and CPU time
#     (targets <= 1 wakeup/min, <= 5 ms CPU/min);
#   - RSS idle and while playing, daemon and speech worker (target <= 15 MB
#     idle);
#   - output underflows over a full default session under stress-ng --cpu 2
#     (target 0). BENCH_QUICK=1 plays a short routine instead.
# Figures, not pass/fail. Run by `make bench`; needs BACKCOACH, TOP_SRCDIR.
set -u
: "${BACKCOACH:?}" "${TOP_SRCDIR:?}"
TEST_DATA=${TEST_DATA:-$TOP_SRCDIR/tests/data}
PA_FLOOR=${PA_FLOOR:-$(dirname "$BACKCOACH")/../bench/pa_floor}
IDLE_S=${BENCH_IDLE_S:-60}
TRIALS=${BENCH_TRIALS:-5}
. "$TOP_SRCDIR/tests/daemonlib.sh"

daemon_setup

# The sum over the daemon's threads and its children (the speech worker)
# of a /proc status field, e.g. voluntary_ctxt_switches.
tasks() {
	for t in /proc/"$DPID"/task/*; do
		echo "$t"
		for c in $(cat "$t/children" 2>/dev/null); do
			for ct in /proc/"$c"/task/*; do echo "$ct"; done
		done
	done
}
sum_field() {
	for t in $(tasks); do
		awk -v f="$1:" '$1 == f { print $2 }' "$t/status" 2>/dev/null
	done | awk '{ s += $1 } END { print s + 0 }'
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
rss_kb() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status" 2>/dev/null; }
child_rss_kb() {
	for c in $(cat /proc/"$DPID"/task/*/children 2>/dev/null); do rss_kb "$c"; done |
		awk '{ s += $1 } END { print s + 0 }'
}
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)] }'; }

# Latency of one trigger: $1 = pid to signal; prints seconds or nothing.
trigger_once() {
	rec_start
	sleep 0.4
	_t=$(rec_t)
	kill -USR1 "$1"
	sleep 1.2
	rec_stop
	_f=$(first_sound_after "$_t")
	[ -n "$_f" ] && echo "$(elapsed "$_t" "$_f")"
}

echo "== daemon: trigger latency (SIGUSR1 -> first audible sample), $TRIALS trials"
daemon_start "$TEST_DATA/daemon-short.ini" || exit 1
: >"$T/lat"
i=0
while [ $i -lt "$TRIALS" ]; do
	trigger_once "$DPID" >>"$T/lat"
	"$BACKCOACH" stop >/dev/null 2>&1
	wait_status "^state: idle" 3
	sleep 0.5
	i=$((i + 1))
done
lat=$(median <"$T/lat")
echo "backcoach: median $(awk "BEGIN { printf \"%.0f\", ${lat:-0} * 1000 }") ms ($(tr '\n' ' ' <"$T/lat")s)"
if [ -x "$PA_FLOOR" ]; then
	: >"$T/floor"
	i=0
	while [ $i -lt "$TRIALS" ]; do
		"$PA_FLOOR" >/dev/null 2>&1 &
		fp=$!
		sleep 1
		trigger_once "$fp" >>"$T/floor"
		kill "$fp" 2>/dev/null
		wait "$fp" 2>/dev/null
		i=$((i + 1))
	done
	floor=$(median <"$T/floor")
	echo "floor (pa_floor): median $(awk "BEGIN { printf \"%.0f\", ${floor:-0} * 1000 }") ms"
	[ -n "$floor" ] && [ -n "$lat" ] &&
		echo "ratio: $(awk "BEGIN { printf \"%.2f\", $lat / $floor }") (target <= 1.3)"
else
	echo "floor: $PA_FLOOR not built; no ratio"
fi

echo "== daemon: RSS while playing"
"$BACKCOACH" start >/dev/null
wait_status "^state: playing" 3
max=0 cmax=0
for i in 1 2 3 4 5 6 7 8 9 10; do
	r=$(rss_kb "$DPID"); c=$(child_rss_kb)
	[ "${r:-0}" -gt $max ] && max=$r
	[ "${c:-0}" -gt $cmax ] && cmax=$c
	sleep 0.3
done
"$BACKCOACH" stop >/dev/null
wait_status "^state: idle" 3
echo "RSS playing: daemon $max kB, speech worker $cmax kB, total $((max + cmax)) kB"
daemon_stop

echo "== daemon: idle cost over ${IDLE_S} s between reminders"
# Reminders on, the next one an hour away: the loop has one deadline, far.
sed -e 's/^enabled = no/enabled = yes\ninterval = 1h\nactive_hours = always\ndays = all/' \
	"$TEST_DATA/daemon-short.ini" >"$T/idle.ini"
daemon_start "$T/idle.ini" || exit 1
sleep 3 # settle after start
echo "RSS idle: daemon $(rss_kb "$DPID") kB, speech worker $(child_rss_kb) kB, total $(($(rss_kb "$DPID") + $(child_rss_kb))) kB (target <= 15360 kB for the daemon)"
echo "threads: $(ls /proc/"$DPID"/task | wc -l), children: $(cat /proc/"$DPID"/task/*/children | wc -w)"
v0=$(sum_field voluntary_ctxt_switches); n0=$(sum_field nonvoluntary_ctxt_switches)
c0=$(cpu_ticks)
sleep "$IDLE_S"
v1=$(sum_field voluntary_ctxt_switches); n1=$(sum_field nonvoluntary_ctxt_switches)
c1=$(cpu_ticks)
hz=$(getconf CLK_TCK)
wake=$((v1 - v0 + n1 - n0))
echo "wakeups: $wake in ${IDLE_S} s = $(awk "BEGIN { printf \"%.1f\", $wake * 60 / $IDLE_S }")/min (target <= 1/min)"
echo "CPU: $(awk "BEGIN { printf \"%.1f\", ($c1 - $c0) * 1000 / $hz * 60 / $IDLE_S }") ms/min (tick resolution $((1000 / hz)) ms; target <= 5 ms/min)"
daemon_stop

echo "== daemon: underflows over a session under stress-ng --cpu 2"
if command -v stress-ng >/dev/null 2>&1; then
	if [ -n "${BENCH_QUICK:-}" ]; then
		cfg=$TEST_DATA/daemon-short.ini
	else
		printf '[reminders]\nenabled = no\n' >"$T/default.ini"
		cfg=$T/default.ini
	fi
	daemon_start "$cfg" || exit 1
	stress-ng --cpu 2 --timeout 900s --quiet &
	sp=$!
	sleep 1
	t0=$(now)
	"$BACKCOACH" start >/dev/null
	wait_status "^state: playing" 5
	u=0
	while "$BACKCOACH" status >"$T/st" 2>/dev/null && grep -q "^state: \(playing\|starting\|paused\|stopping\)" "$T/st"; do
		u=$(awk '$1 == "underflows:" { print $2 }' "$T/st")
		sleep 1
	done
	kill "$sp" 2>/dev/null
	wait "$sp" 2>/dev/null
	echo "session of $(elapsed "$t0" "$(now)") s: $(grep -o '[0-9][0-9]* output underflows' "$T/daemon.log" | tail -n 1) (last status: $u; target 0)"
	daemon_stop
else
	echo "stress-ng not installed: skipped"
fi
