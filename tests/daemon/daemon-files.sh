#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# daemon-files.sh: what is found where the daemon's files should be (a FIFO
# that no one writes, a symlink to one, a directory) is refused at once with
# one log line, never waited on: reminders go on, `status` answers, SIGTERM
# stops the daemon. A session that runs out of file descriptors or memory
# says so, not "no sound server".
set -u
: "${BACKCOACH:?}" "${TEST_DATA:?}" "${TOP_SRCDIR:?}"
. "$TOP_SRCDIR/tests/daemonlib.sh"

daemon_setup
S=$T/state/backcoach

# Wait up to $2 seconds (default 5) until the daemon's log has $1.
wait_log() {
	_n=$(awk "BEGIN { print int(${2:-5} * 20) }")
	_i=0
	until grep -q -- "$1" "$T/daemon.log"; do
		_i=$((_i + 1))
		[ $_i -gt "$_n" ] && return 1
		sleep 0.05
	done
}
# Lines of the daemon's log with $1.
log_count() { grep -c -- "$1" "$T/daemon.log"; }
# Wait up to $3 seconds until the log has $2 lines with $1.
wait_log_count() {
	_n=$(awk "BEGIN { print int($3 * 20) }")
	_i=0
	until [ "$(log_count "$1")" -ge "$2" ]; do
		_i=$((_i + 1))
		[ $_i -gt "$_n" ] && return 1
		sleep 0.05
	done
}
# SIGTERM, then at most $1 seconds for the daemon to end.
stops_within() {
	kill -TERM "$DPID" 2>/dev/null
	_i=0
	while kill -0 "$DPID" 2>/dev/null; do
		_i=$((_i + 1))
		if [ $_i -gt $(($1 * 20)) ]; then
			kill -KILL "$DPID"; wait "$DPID" 2>/dev/null; DPID=
			return 1
		fi
		sleep 0.05
	done
	wait "$DPID" 2>/dev/null
	DPID=
}

mkfifo "$T/fifo"
# day.log as each thing that is not a file; the daemon reminds every 4 s
# (daemon-remind.ini) and records each reminder given.
for what in fifo symlink directory; do
	rm -rf "$S/day.log"
	case $what in
	fifo) mkfifo "$S/day.log" ;;
	symlink) ln -s "$T/fifo" "$S/day.log" ;;
	directory) mkdir "$S/day.log" ;;
	esac
	: >"$T/daemon.log"
	daemon_start "$TEST_DATA/daemon-remind.ini" || exit 1
	check "day.log a $what: refused with a log line" -- \
		wait_log "record of the day: cannot open $S/day.log: " 10
	# (A daemon stuck on the FIFO would never answer: bounded here.)
	check "day.log a $what: status answers after the reminder" -- \
		timeout 5 "$BACKCOACH" status
	# The loop goes on: the next reminder is given too.
	n=$(log_count "reminder after [0-9]* minutes sitting")
	check "day.log a $what: the next reminder comes" -- \
		wait_log_count "reminder after [0-9]* minutes sitting" $((n + 1)) 10
	check "day.log a $what: one log line for all of them" -- \
		test "$(log_count "record of the day: cannot open")" -eq 1
	check "day.log a $what: SIGTERM stops the daemon" -- stops_within 5
done
grep "record of the day" "$T/daemon.log" | sed 's/^/    /'

# The first start's mark, created afresh: a FIFO at its name is said, not
# taken for "said before" (nor waited on).
rm -rf "$S/first-start" "$S/day.log"
mkfifo "$S/first-start"
: >"$T/daemon.log"
daemon_start "$TEST_DATA/daemon-remind.ini" || exit 1
check "first-start a FIFO: refused with a log line" -- \
	wait_log "$S/first-start: not a regular file (the first start's words are not said)" 10
check "first-start a FIFO: status answers" -- timeout 5 "$BACKCOACH" status
check "first-start a FIFO: left alone" -- test -p "$S/first-start"
check "first-start a FIFO: SIGTERM stops the daemon" -- stops_within 5

# ---- out of file descriptors, out of address space: said, not "no sound
# server" (the server is fine: the session plays without the limit) ----
# (daemon-tiny.ini: a session of a few seconds, played to its end; a play
# that hangs is killed, and fails the checks.)
play_limited() { # ULIMIT-OPTION VALUE
	(ulimit "$1" "$2" && exec timeout -k 5 60 "$BACKCOACH" --config \
		"$TEST_DATA/daemon-tiny.ini" play) >"$T/play.out" 2>"$T/play.err"
}
# first_refused OPTION VALUE...: play under `ulimit OPTION VALUE`, each
# VALUE in turn, down to the first it does not play under ($lim, its exit
# $rc), which must fail (exit 1) without blaming the sound server.
first_refused() {
	_opt=$1
	shift
	for lim in "$@"; do
		play_limited "$_opt" "$lim"
		rc=$?
		[ $rc -ne 0 ] && break
	done
	echo "  ulimit $_opt $lim: exit $rc"
	sed 's/^/    /' "$T/play.err" | grep -v "^    $" | head -5
	check "ulimit $_opt $lim: play fails (exit 1)" -- test "$rc" -eq 1
	check "ulimit $_opt $lim: does not blame the sound server" -- \
		sh -c '! grep -q "no sound server" "$1"' _ "$T/play.err"
}
# (AddressSanitizer reserves terabytes of address space at start and opens
# files of its own: no limit can be tested under it.)
if ldd "$BACKCOACH" 2>/dev/null | grep -q libasan; then
	echo "  ulimit -n, ulimit -v: not tried (an AddressSanitizer build)"
else
	# The fewest descriptors a session needs differs by server and library
	# version: from 16 down, the first limit it does not play under must say
	# that open files ran out, and the limit.
	first_refused -n $(seq 16 -1 8)
	check "ulimit -n $lim: says open files ran out, and the limit" -- \
		grep -q "ran out of resources: too many open files (the limit is $lim: ulimit -n)" "$T/play.err"
	# Likewise the address space a session needs (PulseAudio's client maps
	# more than 390 MB, PipeWire's less than 120): from 200 MB down, the
	# first limit it does not play under must say that memory ran out. (On
	# PipeWire, with about 65 MB left for the sound library, its pool fitted
	# and its thread did not, and ALSA's pulse plugin waited forever.)
	first_refused -v 200000 150000 120000 100000 75000 50000
	check "ulimit -v $lim: says memory ran out" -- \
		grep -qi "ran out of resources: .*memory\|out of memory\|cannot allocate memory" "$T/play.err"
	check "ulimit -v $lim: no speech synthesiser that did not start" -- \
		sh -c '! grep -q "speech synthesiser did not start" "$1"' _ "$T/play.err"
fi
# ---- the speech synthesiser plays nothing itself: it opens no connection
# to the sound server (eSpeak NG 1.51 did, from every speech worker, with
# libpulse's 64 MiB pool: with about 65 MB of address space left it waited
# forever for libpulse's thread, "speech synthesiser did not start") ----
if ! ldd "$BACKCOACH" 2>/dev/null | grep -q libasan; then
	(ulimit -v 100000 && exec timeout -k 5 60 "$BACKCOACH" --config \
		"$TEST_DATA/daemon-tiny.ini" render -o "$T/tiny.wav") >"$T/render.out" 2>"$T/render.err"
	rc=$?
	echo "  render under ulimit -v 100000: exit $rc"
	sed 's/^/    /' "$T/render.err" | head -3
	check "ulimit -v 100000: render works (the synthesiser starts)" -- \
		test "$rc" -eq 0 -a -s "$T/tiny.wav"
fi

check "without a limit: the session plays" -- \
	timeout 60 "$BACKCOACH" --config "$TEST_DATA/daemon-short.ini" play

daemon_finish
