#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# bench_daemon.sh: the daemon's costs, measured against a private PulseAudio
# (tests/pulse.sh), on the built-in default config with reminders on (the
# next one an hour away). One daemon for all of it, in this order:
#   1. trigger latency, SIGUSR1 -> first audible sample on the null sink's
#      monitor, BENCH_TRIALS (5) times, interleaved with the floor: a minimal
#      PortAudio program (bench/pa_floor, PortAudio initialised, opening the
#      default device at the daemon's suggested latency on SIGUSR1); target
#      <= 1.3x the floor's median. Also spd-say (speech-dispatcher, warm) on
#      the same sink: the daemon should be faster. Timed two ways (below):
#      tests/pa_probe, sample-accurate from the signal, and parecord in
#      10 ms buckets (the figures from before pa_probe);
#   2. output underflows (PortAudio's paOutputUnderflow plus ring underruns,
#      the daemon's "N output underflows" log line) over one full default
#      session while `stress-ng --cpu 2` runs (target 0); RSS while playing;
#      BENCH_QUICK=1 plays a 25 s routine instead;
#      BENCH_BUS=1 gives the daemon a private session bus, so its MPRIS
#      player joins the bus during that session (and leaves it after);
#   3. after that session, BENCH_IDLE_S (60) s idle between reminders:
#      wakeups (voluntary + involuntary context switches of every thread in
#      /proc/PID/task and of the speech worker child), CPU time (targets
#      <= 1 wakeup/min, <= 5 ms CPU/min), then RSS of the daemon (target
#      <= 15 MB) and of its speech worker.
# Figures, not pass/fail. Run by `make bench`; needs BACKCOACH, TOP_SRCDIR.
# Installs stress-ng and speech-dispatcher when missing (as root, apt-get).
set -u
: "${BACKCOACH:?}" "${TOP_SRCDIR:?}"
BUILD=$(dirname "$BACKCOACH")/..
PA_FLOOR=${PA_FLOOR:-$BUILD/bench/pa_floor}
PA_PROBE=${PA_PROBE:-$BUILD/tests/pa_probe}
IDLE_S=${BENCH_IDLE_S:-60}
LATENCY_MS=100 # the default config's [audio] latency
. "$TOP_SRCDIR/bench/benchlib.sh"

# need COMMAND PACKAGE...: install the packages if COMMAND is missing.
need() {
	_c=$1
	shift
	command -v "$_c" >/dev/null 2>&1 && return 0
	if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "installing $* (apt-get)"
		export DEBIAN_FRONTEND=noninteractive
		apt-get install -y -q "$@" >/dev/null 2>&1 ||
			{ apt-get update -q >/dev/null 2>&1 && apt-get install -y -q "$@" >/dev/null 2>&1; }
	fi
	command -v "$_c" >/dev/null 2>&1 || { echo "$_c: not installed (apt-get install $*)"; return 1; }
}
need stress-ng stress-ng
need spd-say speech-dispatcher speech-dispatcher-espeak-ng

daemon_setup
if [ -n "${BENCH_BUS:-}" ]; then
	. "$TOP_SRCDIR/tests/buslib.sh"
	bus_setup
	bus_start session || exit 1
fi

child_rss_kb() {
	for c in $(cat /proc/"$DPID"/task/*/children 2>/dev/null); do rss_kb "$c"; done |
		awk '{ s += $1 } END { print s + 0 }'
}
list() { tr '\n' ' ' <"$1" | sed 's/ $//'; }

# Two ways to time SIGUSR1 -> first sound on the monitor:
#   probe: tests/pa_probe, from the signal's position in the recording to the
#     first sample above -50 dBFS: sample-accurate but for the 2 ms fragment
#     the signal is sent on; the null sink's own buffer is not counted;
#   rec: parecord, wall clock and 10 ms buckets (the figures before pa_probe
#     existed): includes the sink's buffer and the recording's latency.
# trigger METHOD OUT PID: signal PID, append the onset (ms) to OUT.
trigger() {
	if [ "$1" = probe ]; then
		"$PA_PROBE" -T -50 --pid "$3" -s USR1@0.5 -t 2 >"$T/probe" 2>/dev/null
		_v=$(sed -n 's/^event1_onset_ms=//p' "$T/probe")
		[ -n "$_v" ] && [ "$_v" != -1.0 ] && echo "$_v" >>"$2"
		return
	fi
	rec_start
	sleep 0.4
	_t=$(rec_t)
	kill -USR1 "$3"
	sleep 1.2
	rec_stop
	_f=$(first_sound_after "$_t")
	[ -n "$_f" ] && awk "BEGIN { printf \"%.1f\\n\", ($_f - $_t) * 1000 }" >>"$2"
}
# spd_trial METHOD OUT: exec spd-say, append the onset (ms).
spd_trial() {
	if [ "$1" = probe ]; then
		"$PA_PROBE" -T -50 -x 0.5 --max 10 -- spd-say -w "Breathe in" >"$T/probe" 2>/dev/null
		_v=$(sed -n 's/^event1_onset_ms=//p' "$T/probe")
		[ -n "$_v" ] && [ "$_v" != -1.0 ] && echo "$_v" >>"$2"
		return
	fi
	rec_start
	sleep 0.4
	_t=$(rec_t)
	spd-say -w "Breathe in" >/dev/null 2>&1
	rec_stop
	_f=$(first_sound_after "$_t")
	[ -n "$_f" ] && awk "BEGIN { printf \"%.1f\\n\", ($_f - $_t) * 1000 }" >>"$2"
}
# floor_trial METHOD OUT: pa_floor at the daemon's latency, signalled once.
floor_trial() {
	"$PA_FLOOR" --latency "$LATENCY_MS" >"$T/floor.out" 2>/dev/null &
	_fp=$!
	_i=0
	until grep -q '^ready' "$T/floor.out" 2>/dev/null || [ $_i -gt 500 ]; do
		_i=$((_i + 1))
		sleep 0.01
	done
	trigger "$1" "$2" "$_fp"
	kill "$_fp" 2>/dev/null
	wait "$_fp" 2>/dev/null
}
METHODS=rec
[ -x "$PA_PROBE" ] && METHODS="probe rec"

# The built-in default config, reminders on and an hour away: the loop has
# one deadline, far. BENCH_QUICK: the test routine (25 s) instead.
if [ -n "${BENCH_QUICK:-}" ]; then
	sed -e 's/^enabled = no/enabled = yes\ninterval = 1h\nactive_hours = always\ndays = all/' \
		"$TEST_DATA/daemon-short.ini" >"$T/bench.ini"
else
	printf '[reminders]\nenabled = yes\ninterval = 1h\nactive_hours = always\ndays = all\n' \
		>"$T/bench.ini"
fi
daemon_start "$T/bench.ini" || exit 1
sleep 1
echo "RSS after start: daemon $(rss_kb "$DPID") kB, speech worker $(child_rss_kb) kB"

echo "== 1. trigger latency, SIGUSR1 -> first audible sample, $TRIALS trials"
[ -x "$PA_PROBE" ] || echo "($PA_PROBE not built: parecord only)"
for m in $METHODS; do
	: >"$T/lat.$m"
	: >"$T/floor.$m"
	: >"$T/spd.$m"
done
i=0
while [ $i -lt "$TRIALS" ]; do
	for m in $METHODS; do
		trigger "$m" "$T/lat.$m" "$DPID"
		"$BACKCOACH" stop >/dev/null 2>&1
		wait_status "^state: idle" 3
		sleep 0.3
		[ -x "$PA_FLOOR" ] && floor_trial "$m" "$T/floor.$m"
	done
	i=$((i + 1))
done
if command -v spd-say >/dev/null 2>&1; then
	# speech-dispatcher autospawns under our XDG_RUNTIME_DIR and plays to
	# PULSE_SERVER; the first utterances load its module: warm it.
	spd-say -w "warm up" >/dev/null 2>&1
	spd-say -w "warm up" >/dev/null 2>&1
	i=0
	while [ $i -lt "$TRIALS" ]; do
		for m in $METHODS; do spd_trial "$m" "$T/spd.$m"; done
		i=$((i + 1))
	done
	_sp=$(cat "$XDG_RUNTIME_DIR/speech-dispatcher/pid/speech-dispatcher.pid" 2>/dev/null)
	[ -n "$_sp" ] && kill "$_sp" 2>/dev/null
fi
echo "  backcoach: SIGUSR1 to the daemon (default config, [audio] latency $LATENCY_MS ms)"
echo "  floor:     bench/pa_floor --latency $LATENCY_MS (PortAudio initialised; opens the default device on SIGUSR1)"
echo "  spd-say:   spd-say -w \"Breathe in\" (speech-dispatcher warm), exec -> first sample"
for m in $METHODS; do
	case $m in
	probe) echo "-- tests/pa_probe (sample-accurate; 2 ms fragments; sink buffer not counted)" ;;
	rec) echo "-- parecord (wall clock, 10 ms buckets; sink buffer and recording latency counted)" ;;
	esac
	lat=$(median <"$T/lat.$m")
	floor=$(median <"$T/floor.$m")
	spd=$(median <"$T/spd.$m")
	echo "backcoach: median ${lat:--} ms ($(list "$T/lat.$m"))"
	[ -x "$PA_FLOOR" ] && echo "floor:     median ${floor:--} ms ($(list "$T/floor.$m"))"
	[ -s "$T/spd.$m" ] && echo "spd-say:   median ${spd:--} ms ($(list "$T/spd.$m"))"
	[ -n "$floor" ] && [ -n "$lat" ] &&
		echo "ratio to the floor: $(awk "BEGIN { printf \"%.2f (%+.1f ms)\", $lat / $floor, $lat - $floor }") (target <= 1.3)"
	[ -n "$spd" ] && [ -n "$lat" ] &&
		echo "against spd-say: $(awk "BEGIN { print ($lat < $spd) ? \"faster\" : \"NOT faster\" }")"
done

echo "== 2. underflows over a full session under stress-ng --cpu 2"
if command -v stress-ng >/dev/null 2>&1; then
	stress-ng --cpu 2 --timeout 900s --quiet &
	sp=$!
	sleep 1
	t0=$(now)
	grep -c "output underflows" "$T/daemon.log" >"$T/nlines"
	"$BACKCOACH" start >/dev/null
	wait_status "^state: playing" 5
	sleep 1
	# Scheduling of the daemon's threads while playing (FF: SCHED_FIFO for
	# PortAudio's callback and the pulse plugin's threaded-ml, if allowed).
	echo "threads playing: $(ps -L -o cls=,comm= -p "$DPID" | awk '{ printf "%s%s/%s", n++ ? ", " : "", $2, $1 }')"
	max=0 cmax=0
	while "$BACKCOACH" status >"$T/st" 2>/dev/null &&
		grep -q "^state: \(playing\|starting\|paused\|stopping\)" "$T/st"; do
		r=$(rss_kb "$DPID")
		c=$(child_rss_kb)
		[ "${r:-0}" -gt $max ] && max=$r
		[ "${c:-0}" -gt $cmax ] && cmax=$c
		sleep 1
	done
	kill "$sp" 2>/dev/null
	wait "$sp" 2>/dev/null
	u=$(grep -o '[0-9][0-9]* output underflows' "$T/daemon.log" | tail -n 1)
	echo "session of $(elapsed "$t0" "$(now)") s: ${u:-?} (target 0)"
	echo "  command: stress-ng --cpu 2 & backcoach start (default routine$([ -n "${BENCH_QUICK:-}" ] && echo ", BENCH_QUICK: short"))"
	echo "RSS playing (max): daemon $max kB, speech worker $cmax kB"
else
	echo "stress-ng not installed: skipped"
fi

echo "== 3. idle over ${IDLE_S} s between reminders, after that session"
wait_status "^state: idle" 5
sleep 3 # settle
echo "threads: $(ls /proc/"$DPID"/task | wc -l), children: $(cat /proc/"$DPID"/task/*/children | wc -w)"
idle_cost "$IDLE_S"
r=$(rss_kb "$DPID")
c=$(child_rss_kb)
echo "RSS idle: daemon $r kB (target <= 15360 kB), speech worker $c kB, total $((r + c)) kB"
if [ -n "${BENCH_BUS:-}" ]; then
	echo "MPRIS name held while idle: $(dbus-send --print-reply --dest=org.freedesktop.DBus \
		/org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner \
		string:org.mpris.MediaPlayer2.backcoach | awk '/boolean/ { print $2 }')"
fi
daemon_stop
