#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# dropouts.sh: dropouts in a full default session under CPU load, heard on
# the null sink's monitor and reported by the daemon, per sound server and
# with and without realtime scheduling. Figures, not pass/fail.
#
# For each run: a private server (tests/pulse.sh), PipeWire's cycle forced
# to BENCH_QUANTUM (256) samples as a call or recorder would
# (`pw-metadata -n settings 0 clock.force-quantum 256`), `stress-ng --cpu 2`,
# the daemon on the built-in default config, `backcoach start`, the monitor
# recorded until the session ends. Then bench/dropcount counts runs of exact
# zeros inside sound that `backcoach render` of the same routine does not
# have, and the daemon's own figures are shown: the last `status`
# (underflows:, dropouts:, realtime:) and the session's log line.
#   rt     as the daemon gets it here (root: SCHED_RR directly; a user:
#          through the host's rtkit, if any)
#   no rt  no CAP_SYS_NICE, RLIMIT_RTPRIO 0 and no rtkit on the system bus
#          (setpriv/prlimit; DBUS_SYSTEM_BUS_ADDRESS at nothing)
# BENCH_SERVERS ("pipewire pulseaudio"), BENCH_RT ("rt nort"); BENCH_QUICK=1
# plays the 25 s test routine instead of the default (206 s). Needs
# BACKCOACH, TOP_SRCDIR; installs stress-ng when missing (as root, apt-get).
set -u
: "${BACKCOACH:?}" "${TOP_SRCDIR:?}"
TEST_DATA=${TEST_DATA:-$TOP_SRCDIR/tests/data}
BUILD=$(dirname "$BACKCOACH")/..
DROPCOUNT=${DROPCOUNT:-$BUILD/bench/dropcount}
QUANTUM=${BENCH_QUANTUM:-256}
SERVERS=${BENCH_SERVERS:-pipewire pulseaudio}
RTS=${BENCH_RT:-rt nort}
[ -x "$DROPCOUNT" ] || { echo "dropouts.sh: $DROPCOUNT not built (make bench)"; exit 1; }

if ! command -v stress-ng >/dev/null 2>&1; then
	if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "installing stress-ng (apt-get)"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q stress-ng >/dev/null 2>&1 ||
			{ apt-get update -q >/dev/null 2>&1 &&
				DEBIAN_FRONTEND=noninteractive apt-get install -y -q stress-ng >/dev/null 2>&1; }
	fi
	command -v stress-ng >/dev/null 2>&1 || { echo "stress-ng: not installed (apt-get install stress-ng)"; exit 1; }
fi

# One run in its own shell: server, daemon, load, session, figures.
run() { # SERVER RT
	(
		BC_SERVER=$1
		export BC_SERVER
		. "$TOP_SRCDIR/tests/daemonlib.sh"
		daemon_setup >/dev/null 2>&1
		if [ "$2" = nort ]; then
			if [ "$(id -u)" -eq 0 ]; then
				DAEMON_WRAP="setpriv --bounding-set -sys_nice --inh-caps -sys_nice -- prlimit --rtprio=0:0 --"
			else
				DAEMON_WRAP="prlimit --rtprio=0:0 --"
			fi
			DBUS_SYSTEM_BUS_ADDRESS=unix:path=$T/no-system-bus
			export DBUS_SYSTEM_BUS_ADDRESS
		else
			# The host's system bus: its rtkit, if the daemon needs it.
			unset DBUS_SYSTEM_BUS_ADDRESS
		fi
		q=default
		if [ "$1" = pipewire ]; then
			pw-metadata -n settings 0 clock.force-quantum "$QUANTUM" >/dev/null
			q=$QUANTUM
		fi
		if [ -n "${BENCH_QUICK:-}" ]; then
			cp "$TEST_DATA/daemon-short.ini" "$T/bench.ini"
		else
			printf '[reminders]\nenabled = no\n' >"$T/bench.ini"
		fi
		daemon_start "$T/bench.ini" || exit 1
		"$BACKCOACH" --config "$T/bench.ini" render -o "$T/render.wav" >/dev/null 2>&1
		stress-ng --cpu 2 --timeout 900s --quiet &
		sp=$!
		sleep 1
		m=$(pa_xrun_mark)
		rec_start
		sleep 0.5
		t0=$(now)
		"$BACKCOACH" start >/dev/null
		wait_status "^state: playing" 5
		: >"$T/last"
		# Until the session's last log line (a status that times out
		# under the load must not end the run), keeping the last status
		# with figures.
		_i=0
		until grep -q "output underflows, dropouts" "$T/daemon.log" || [ $_i -gt 600 ]; do
			"$BACKCOACH" status -v >"$T/st" 2>/dev/null &&
				grep -q "^dropouts: [0-9n]" "$T/st" && cp "$T/st" "$T/last"
			_i=$((_i + 1))
			sleep 1
		done
		dur=$(elapsed "$t0" "$(now)")
		sleep 0.5
		rec_stop
		xr=$(pa_xruns_in "$m" 0 1e15)
		kill "$sp" 2>/dev/null
		wait "$sp" 2>/dev/null
		"$DROPCOUNT" "$REC" "$T/render.wav" >"$T/count" 2>&1
		kv() { sed -n "s/^$1=//p" "$T/count"; }
		st() { sed -n "s/^$1: //p" "$T/last"; }
		printf '%-10s %-4s q=%-7s session %5.0f s | monitor: %s dropouts, %s ms (longest %s ms) | server missed %s cycles (%s s) | status: underflows %s, dropouts %s | realtime: %s\n' \
			"$1" "$2" "$q" "$dur" "$(kv dropouts)" "$(kv dropout_ms)" "$(kv longest_ms)" \
			"${xr% *}" "${xr#* }" "$(st underflows)" "$(st dropouts)" "$(st realtime)"
		grep "output underflows, dropouts" "$T/daemon.log" | tail -n 1 | sed 's/^/    log: /'
		[ -n "$(kv dropouts)" ] || sed 's/^/    dropcount: /' "$T/count"
		daemon_stop
	)
}

echo "== dropouts over a $([ -n "${BENCH_QUICK:-}" ] && echo "25 s test" || echo "full default") session under stress-ng --cpu 2 ($(nproc) cores), load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "   monitor: runs of exact zeros >= 1 ms inside sound that backcoach render has not (bench/dropcount)"
echo "   server missed: cycles PipeWire's graph missed while recording (tests/pulse.sh pa_xruns_in): holes that are not the daemon's"
for s in $SERVERS; do
	for r in $RTS; do
		run "$s" "$r"
	done
done
