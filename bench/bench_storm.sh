#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# bench_storm.sh: `backcoach status` during storms of bus traffic, against
# its own floor in the same run (status on the idle daemon; the issue's
# target: within 100 ms during a storm). Two storms of BENCH_STORM (10000):
# PrepareForSleep(false) signals from python3-dbusmock's logind on a private
# system bus (tests/buslib.sh); then, while a session plays, MPRIS calls at
# the daemon's player on a private session bus from BENCH_STORM_CLIENTS (4)
# clients with 32 calls in flight each (tests/data/mpris_storm.py: property
# Gets, GetAll, Seek, Raise); then BENCH_STORM_TOGGLES (2000) PlayPause
# calls the same way, each pausing or resuming the session. For
# each: the median and worst status times (ms) and their ratios to the
# floor; the storm's length; the daemon's CPU during it. Beside `backcoach
# status` (what the user sees: a process started, on 2 cores busy with the
# storm's clients and the bus), the daemon's own part: status on the control
# socket from a process already running (connect, request, the reply read
# to its end), asked every 10 ms meanwhile. Figures, not
# pass/fail (the tests check that status answers: tests/desktop/daemon-buses.sh,
# tests/desktop/storm.sh). Run by `make bench`; needs BACKCOACH, TOP_SRCDIR.
set -u
: "${BACKCOACH:?}" "${TOP_SRCDIR:?}"
N=${BENCH_STORM:-10000}
CLIENTS=${BENCH_STORM_CLIENTS:-4}
TOGGLES=${BENCH_STORM_TOGGLES:-2000}
. "$TOP_SRCDIR/bench/benchlib.sh"
. "$TOP_SRCDIR/tests/buslib.sh"

daemon_setup
bus_setup
bus_start system || exit 1
bus_start session || exit 1
logind_start || exit 1
logind_add_session c1
# tests/data/storm.ini's one long routine, with presence followed (reminders).
sed 's/^enabled = no$/enabled = yes\ninterval = 1h\nactive_hours = always\ndays = all/' \
	"$TEST_DATA/storm.ini" >"$T/bench.ini"
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

fmed=$(median <"$T/floor") fmax=$(sort -n "$T/floor" | tail -1)
echo "status, idle daemon (floor): median ${fmed} ms, worst ${fmax} ms (30 tries)"

# The daemon's part: status on its socket, every 10 ms until $T/stop is
# there; each time (ms) a line of $1.
cat >"$T/probe.py" <<'PY'
import os, socket, sys, time
path, out, stop = sys.argv[1:4]
with open(out, "w") as f:
    while not os.path.exists(stop):
        t = time.monotonic()
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(path)
        s.sendall(b"status\n")
        while s.recv(4096):
            pass
        s.close()
        f.write("%.2f\n" % ((time.monotonic() - t) * 1000))
        f.flush()
        time.sleep(0.01)
PY
probe_start() {
	rm -f "$T/stop"
	/usr/bin/python3 "$T/probe.py" "$XDG_RUNTIME_DIR/backcoach/control" "$1" "$T/stop" &
	PROBE=$!
}
probe_stop() { touch "$T/stop"; wait "$PROBE"; }
probe_start "$T/sfloor"
sleep 2
probe_stop
pmed=$(median <"$T/sfloor") pmax=$(sort -n "$T/sfloor" | tail -1)
echo "  on the socket (floor): median ${pmed} ms, worst ${pmax} ms ($(wc -l <"$T/sfloor") tries)"

# storm NAME COMMAND...: status asked again and again while COMMAND runs
# (in the background); the figures against the floor.
storm() {
	_name=$1
	shift
	_l0=$(wc -l <"$T/daemon.log")
	_c0=$(cpu_ticks)
	probe_start "$T/sstorm"
	_t0=$(date +%s%N)
	"$@" &
	_s=$!
	: >"$T/storm"
	while kill -0 "$_s" 2>/dev/null; do status_ms >>"$T/storm"; done
	wait "$_s"
	_t1=$(date +%s%N)
	probe_stop
	_c1=$(cpu_ticks)
	_med=$(median <"$T/storm") _max=$(sort -n "$T/storm" | tail -1)
	echo "status during $_name: median ${_med:-?} ms, worst ${_max:-?} ms ($(wc -l <"$T/storm") tries; target: within 100 ms)"
	awk -v a="${_med:-0}" -v b="$fmed" -v c="${_max:-0}" -v d="$fmax" 'BEGIN {
		printf "  ratio to the floor: median %.2f, worst %.2f\n", b ? a / b : 0, d ? c / d : 0 }'
	_pm=$(median <"$T/sstorm") _px=$(sort -n "$T/sstorm" | tail -1)
	echo "  on the socket: median ${_pm:-?} ms, worst ${_px:-?} ms ($(wc -l <"$T/sstorm") tries);" \
		"ratio to its floor: $(awk -v a="${_pm:-0}" -v b="$pmed" 'BEGIN { printf "%.2f", b ? a / b : 0 }')," \
		"worst $(awk -v a="${_px:-0}" -v b="$pmax" 'BEGIN { printf "%.2f", b ? a / b : 0 }')"
	echo "  storm: $(( (_t1 - _t0) / 1000000 )) ms; daemon CPU during it: $((_c1 - _c0)) ticks;" \
		"daemon log: $(($(wc -l <"$T/daemon.log") - _l0)) lines"
	tail -n +"$((_l0 + 1))" "$T/daemon.log" | head -3 | sed 's/^/    /'
}

logind_storm() {
	gdbus call --system -d org.freedesktop.login1 -o $L1 \
		-m org.freedesktop.login1.Manager.Storm "$N" -t 300 >/dev/null
}
storm "$N logind signals" logind_storm

"$BACKCOACH" start >/dev/null
wait_status "^state: playing" 10 || { echo "no session"; exit 1; }
_bus_wait_name --session org.mpris.MediaPlayer2.backcoach 200 || :
: >"$T/playing"
i=0
while [ $i -lt 30 ]; do status_ms >>"$T/playing"; i=$((i + 1)); sleep 0.05; done
echo "status, a session playing, no storm: median $(median <"$T/playing") ms," \
	"worst $(sort -n "$T/playing" | tail -1) ms (30 tries)"
mpris_storm() {
	/usr/bin/python3 "$TEST_DATA/mpris_storm.py" "$N" "$CLIENTS" >"$T/mpris.out"
}
storm "$N MPRIS calls ($CLIENTS clients)" mpris_storm
echo "  the calls: $(cat "$T/mpris.out")"
toggle_storm() {
	/usr/bin/python3 "$TEST_DATA/mpris_storm.py" "$TOGGLES" "$CLIENTS" toggle >"$T/mpris.out"
}
storm "$TOGGLES MPRIS PlayPause calls ($CLIENTS clients)" toggle_storm
echo "  the calls: $(cat "$T/mpris.out")"
"$BACKCOACH" stop >/dev/null
