#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# bench_controls.sh: how fast the daemon's controls take effect, the figures
# tests/daemon/daemon.sh, daemon-reminders.sh and tests/desktop/mpris.sh
# show but no longer assert (they assert what happens: silence that comes
# and stays, sound after a start and not before). Against a private sound
# server (tests/pulse.sh), the daemon on tests/data/daemon-short.ini (speech
# and a 120 bpm metronome, so there is sound to cut), the null sink's monitor
# recorded (parecord, 10 ms buckets, as the tests hear it), BENCH_TRIALS (5)
# trials, interleaved, medians:
#   backcoach pause -> silent     last sound after the command
#   backcoach resume -> sound     first sound after it
#   backcoach stop -> silent      last sound (the end tone included)
# (silences are looked for up to the next command, 0.95 s after a pause,
# 1.2 s after a stop: a figure at that bound means it did not come)
#   SIGUSR2 -> silent             the same by signal
#   SIGTERM while playing -> exit wall clock, until wait returns
#   backcoach skip -> sound       in a silent hold: the next step's first words
#   backcoach repeat -> sound     in a silent hold: the step's title again
# (the last two on tests/data/daemon-mpris.ini, no metronome: the holds are
# silent; what tests/desktop/mpris.sh's next and previous show)
# beside the floor measured the same way in the same run: bench/pa_floor
# --preopen at the daemon's latency (a tone written into a running stream,
# heard after its full device buffer: what any player waits before a change
# it writes is heard), and as a ratio to it. Quiet, then beside
# `stress-ng --cpu 4` (BENCH_LOAD, "quiet stress"). Figures, not pass/fail;
# trigger latency is bench_daemon.sh's, MPRIS pause/resume bench_mpris.sh's,
# reminder lateness soak.sh's. Needs BACKCOACH, TOP_SRCDIR.
set -u
: "${BACKCOACH:?}" "${TOP_SRCDIR:?}"
BUILD=$(dirname "$BACKCOACH")/..
PA_FLOOR=${PA_FLOOR:-$BUILD/bench/pa_floor}
LOADS=${BENCH_LOAD:-quiet stress}
. "$TOP_SRCDIR/bench/benchlib.sh"
[ -x "$PA_FLOOR" ] || { echo "bench_controls.sh: $PA_FLOOR not built (make bench)"; exit 1; }

daemon_setup
daemon_start "$TEST_DATA/daemon-short.ini" || exit 1
LAT=$(sed -n 's/^latency = \([0-9]*\)ms$/\1/p' "$TEST_DATA/daemon-short.ini")
LAT=${LAT:-100}

# after T: the first sound at or after T, as seconds after T (or nothing).
after() {
	_f=$(first_sound_after "$1")
	[ -n "$_f" ] && elapsed "$1" "$_f"
}
# quiet_after T S: the last sound in [T, T + S), as seconds after T.
quiet_after() {
	_l=$(last_sound_between "$1" "$(awk "BEGIN { print $1 + $2 }")")
	elapsed "$1" "${_l:-$1}"
}
playing() { "$BACKCOACH" start >/dev/null && wait_status "^state: playing" 10 && sleep 1.5; }

trials() {
	: >"$T/marks"
	: >"$T/term"
	rec_start
	_k=0
	while [ "$_k" -lt "$TRIALS" ]; do
		"$PA_FLOOR" --preopen --latency "$LAT" >"$T/floor.out" 2>/dev/null &
		_fp=$!
		_i=0
		until grep -q '^ready' "$T/floor.out" 2>/dev/null || [ $_i -gt 1000 ]; do
			_i=$((_i + 1))
			sleep 0.01
		done
		sleep 0.3
		echo "floor $(rec_t)" >>"$T/marks"
		kill -USR1 "$_fp"
		wait "$_fp" 2>/dev/null
		sleep 0.5
		playing
		echo "pause $(rec_t)" >>"$T/marks"
		"$BACKCOACH" pause >/dev/null
		sleep 1
		echo "resume $(rec_t)" >>"$T/marks"
		"$BACKCOACH" resume >/dev/null
		sleep 1
		echo "stop $(rec_t)" >>"$T/marks"
		"$BACKCOACH" stop >/dev/null
		wait_status "^state: idle" 10
		sleep 1
		playing
		echo "usr2 $(rec_t)" >>"$T/marks"
		kill -USR2 "$DPID"
		wait_status "^state: idle" 10
		sleep 1
		playing
		_t0=$(now)
		kill -TERM "$DPID"
		wait "$DPID"
		echo "$(elapsed "$_t0" "$(now)")" >>"$T/term"
		DPID=
		daemon_start "$TEST_DATA/daemon-short.ini" || exit 1
		_k=$((_k + 1))
	done
	sleep 0.5
	rec_stop
	envelope >/dev/null
	for _w in floor pause resume stop usr2; do : >"$T/f.$_w"; done
	while read -r _w _t; do
		case $_w in
		floor | resume) after "$_t" >>"$T/f.$_w" ;;
		# (Up to the next command: resume 1 s after a pause, a start
		# 1 s after the end tone.)
		pause) quiet_after "$_t" 0.95 >>"$T/f.$_w" ;;
		stop | usr2) quiet_after "$_t" 1.2 >>"$T/f.$_w" ;;
		esac
		echo >>"$T/f.$_w"
	done <"$T/marks"
	_fl=$(sed '/^$/d' "$T/f.floor" | median)
	_list() { sed '/^$/d' "$1" | tr '\n' ' '; }
	printf '  %-30s median %6s s  (%s)\n' "floor (pa_floor --preopen)" "${_fl:--}" "$(_list "$T/f.floor")"
	for _w in pause:"backcoach pause -> silent" resume:"backcoach resume -> sound" \
		stop:"backcoach stop -> silent" usr2:"SIGUSR2 -> silent"; do
		_m=$(sed '/^$/d' "$T/f.${_w%%:*}" | median)
		printf '  %-30s median %6s s  %s x floor  (%s)\n' "${_w#*:}" "${_m:--}" \
			"$(awk -v m="${_m:-0}" -v f="${_fl:-0}" 'BEGIN { if (f > 0 && m > 0) printf "%.1f", m / f; else print "-" }')" \
			"$(_list "$T/f.${_w%%:*}")"
	done
	printf '  %-30s median %6s s  (%s)\n' "SIGTERM while playing -> exit" "$(median <"$T/term")" "$(_list "$T/term")"
}

# skip and repeat from a silent hold (daemon-mpris.ini: step 2's hold is
# silent from 13.7 to 21.0 s into it, step 4's from 9.2 to 16.5 s).
holds() {
	daemon_stop
	daemon_start "$TEST_DATA/daemon-mpris.ini" || exit 1
	: >"$T/hmarks"
	rec_start
	_k=0
	while [ "$_k" -lt "$TRIALS" ]; do
		"$BACKCOACH" start >/dev/null
		wait_status "^step: 2 of" 10
		sleep 15
		echo "skip $(rec_t)" >>"$T/hmarks"
		"$BACKCOACH" skip >/dev/null
		wait_status "^step: 4 of" 10
		sleep 11
		echo "repeat $(rec_t)" >>"$T/hmarks"
		"$BACKCOACH" repeat >/dev/null
		sleep 2
		"$BACKCOACH" stop >/dev/null
		wait_status "^state: idle" 10
		_k=$((_k + 1))
	done
	rec_stop
	: >"$T/f.skip"
	: >"$T/f.repeat"
	while read -r _w _t; do
		echo "$(after "$_t")" >>"$T/f.$_w"
	done <"$T/hmarks"
	for _w in skip:"backcoach skip -> sound" repeat:"backcoach repeat -> sound"; do
		printf '  %-30s median %6s s  (%s)\n' "${_w#*:}" \
			"$(sed '/^$/d' "$T/f.${_w%%:*}" | median)" "$(sed '/^$/d' "$T/f.${_w%%:*}" | tr '\n' ' ')"
	done
	daemon_stop
	daemon_start "$TEST_DATA/daemon-short.ini" || exit 1
}

for load in $LOADS; do
	SP=
	if [ "$load" = stress ]; then
		command -v stress-ng >/dev/null 2>&1 ||
			{ echo "== stress: stress-ng not installed (bootstrap.sh)"; continue; }
		stress-ng --cpu 4 --quiet >/dev/null 2>&1 &
		SP=$!
	fi
	echo "== $PA_SERVER_NAME, $load: the daemon's controls, $TRIALS trials (the recording in 10 ms buckets)"
	trials
	holds
	if [ -n "$SP" ]; then
		kill "$SP" 2>/dev/null
		wait "$SP" 2>/dev/null
	fi
done
