#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# daemon.sh: `backcoach run` against a real sound server: signals, control
# commands, reload, a sound server that dies, exit; asserted on what was
# heard on the null sink's monitor: sound after a start and not before it,
# silence after a stop that comes and stays, within seconds (how fast:
# bench/bench_daemon.sh, bench/bench_controls.sh).
set -u
: "${BACKCOACH:?}" "${TEST_DATA:?}" "${TOP_SRCDIR:?}"
. "$TOP_SRCDIR/tests/daemonlib.sh"

# ---- with no daemon: a clear message and EXIT_NODAEMON (69) ----
tmpx=$(mktemp -d)
for c in status stop pause resume skip repeat reload start; do
	XDG_RUNTIME_DIR=$tmpx "$BACKCOACH" $c >"$tmpx/out" 2>"$tmpx/err"
	rc=$?
	if [ $rc -eq 69 ] && grep -q "no daemon is running" "$tmpx/err"; then
		ok "$c with no daemon: exit 69 and says so"
	else
		fail "$c with no daemon: exit $rc: $(cat "$tmpx/err")"
	fi
done
rm -rf "$tmpx"

daemon_setup
# The speech cache ($XDG_CACHE_HOME/backcoach/speech): a render filled it
# 20 days ago; a line no routine says is 40 days old, another 29. The daemon
# removes what nothing read for 30 days as it starts, then reads (so
# touches) the default routine's lines as it prepares it.
SC=$XDG_CACHE_HOME/backcoach/speech
"$BACKCOACH" --config "$TEST_DATA/daemon-short.ini" render -o "$T/short.wav" >/dev/null 2>&1 ||
	fail "render to fill the speech cache"
n_short=$(find "$SC" -type f | wc -l)
touch -d "20 days ago" "$SC"/*
: >"$SC/00000000000000aa"
touch -d "40 days ago" "$SC/00000000000000aa"
: >"$SC/00000000000000bb"
touch -d "29 days ago" "$SC/00000000000000bb"
daemon_start "$TEST_DATA/daemon-short.ini" || exit 1
ok "daemon started and answers status"
if wait_log "speech cache: .* entries removed" 30; then
	check "speech cache: an entry unread for 40 days removed" -- test ! -e "$SC/00000000000000aa"
	check "speech cache: one unread for 29 days kept" -- test -e "$SC/00000000000000bb"
else
	fail "the daemon did not tidy its speech cache: $(grep 'speech' "$T/daemon.log" | tail -n 3)"
fi
# Read lines are touched: the routine's, as the daemon prepares it.
_i=0
until [ "$(find "$SC" -type f -name '????????????????' -mmin -60 | wc -l)" -ge "$n_short" ] ||
	[ $_i -gt 300 ]; do
	_i=$((_i + 1))
	sleep 0.1
done
kept=$(find "$SC" -type f -name '????????????????' -mmin -60 | wc -l)
if [ "$n_short" -gt 0 ] && [ "$kept" -ge "$n_short" ]; then
	ok "speech cache: the routine's $n_short lines read and touched"
else
	fail "speech cache: $kept of the routine's $n_short lines touched"
fi

"$BACKCOACH" status >"$T/status" 2>&1
check "status when idle" -- grep -q "^state: idle" "$T/status"
check "status names the config" -- grep -q "^config: $T/cfg.ini" "$T/status"
check "status: no technical lines (they are for status -v)" -- \
	sh -c "! grep -q '^\(device\|latency\|output\|underflows\|dropouts\|realtime\):' '$T/status'"
"$BACKCOACH" status -v >"$T/status" 2>&1
check "status -v names the device" -- grep -q "^device: " "$T/status"
check "status -v: the same state" -- grep -q "^state: idle" "$T/status"

# ---- a second daemon refuses ----
"$BACKCOACH" --config "$T/cfg.ini" run >"$T/second.out" 2>&1
rc=$?
if [ $rc -ne 0 ] && grep -q "already running" "$T/second.out"; then
	ok "a second daemon refuses (exit $rc)"
else
	fail "second daemon: exit $rc: $(cat "$T/second.out")"
fi
check "the first daemon still runs" -- kill -0 "$DPID"

# ---- SIGUSR1: speech arrives ----
rec_start
sleep 0.5
t_rec=$(rec_t)
sleep 1
t_sig=$(rec_t)
kill -USR1 "$DPID"
wait_status "^state: playing" 10
sleep 3
"$BACKCOACH" status >"$T/status" 2>&1
check "status while playing: state" -- grep -q "^state: playing" "$T/status"
check "status while playing: routine" -- grep -q "^playing: short" "$T/status"
# (3 s in: the intro, 3.45 s long, or the exercise after it; then the
# question after the last exercise, [coach] adapt, and the outro.)
check "status while playing: step" -- grep -q "^step: [12] of 4" "$T/status"
check "status while playing: no technical lines" -- \
	sh -c "! grep -q '^\(device\|latency\|output\|underflows\|dropouts\|realtime\):' '$T/status'"
"$BACKCOACH" status --verbose >"$T/status" 2>&1
check "status -v while playing: the same state" -- grep -q "^state: playing" "$T/status"
check "status -v while playing: latency" -- grep -q "^latency: [0-9]" "$T/status"
grep -E "^(output|dropouts|realtime):" "$T/status" | sed 's/^/  /'
# The fast path by default: ALSA's pulse device into the server that answers.
check "status while playing: the server, its version and the path" -- \
	grep -q "^output: $PA_SERVER_NAME through pulse, [0-9]* ms\$" "$T/status"
check "status while playing: dropouts counted" -- grep -q "^dropouts: [0-9]* ([0-9]* ms)" "$T/status"
check "status while playing: what the path hides from them" -- \
	grep -q "^dropouts: [0-9]* ([0-9]* ms); not seen here: [a-z]" "$T/status"
if [ "$(id -u)" -eq 0 ]; then
	check "status while playing: realtime, directly (root)" -- \
		grep -q "^realtime: SCHED_RR [0-9]* (directly)\$" "$T/status"
else
	check "status while playing: what realtime was granted" -- \
		grep -q "^realtime: \(SCHED_RR [0-9]* \|not granted (\)" "$T/status"
fi

# ---- SIGUSR1 while playing: ignored ----
kill -USR1 "$DPID"
check "SIGUSR1 while playing is ignored with a log line" -- \
	wait_log "already playing; ignored"

# ---- SIGUSR2: silence that comes and stays ----
sleep 0.5
t_stop=$(rec_t)
kill -USR2 "$DPID"
sleep 5
rec_stop
# Up to REC_SLACK before the signal: a trigger heard within a few ms sounds
# at the signal already, and the recording's clock may stand a little
# earlier than rec_t.
check "before SIGUSR1: silence" -- \
	test -z "$(last_sound_between "$t_rec" "$(awk "BEGIN { print $t_sig - $REC_SLACK }")")"
first=$(first_sound_after "$t_sig")
if [ -n "$first" ]; then
	lat=$(elapsed "$t_sig" "$first")
	echo "  SIGUSR1 -> first sound: ${lat} s"
	check "SIGUSR1: sound comes (within 5 s)" -- fcmp "$lat" "<=" 5
	share=$(sound_share "$first" "$(awk "BEGIN{print $first + 2.5}")")
	echo "  sound in the first 2.5 s: $share of 10 ms buckets"
	check "SIGUSR1: speech (sound most of the first 2.5 s)" -- fcmp "$share" ">=" 0.4
else
	fail "SIGUSR1: nothing heard"
fi
last=$(last_sound_between "$t_stop" "$(awk "BEGIN{print $t_stop + 5}")")
if [ -n "$last" ]; then
	gap=$(elapsed "$t_stop" "$last")
	echo "  SIGUSR2 -> last sound: ${gap} s"
	# The end tone, then nothing in the 2 s after it (a loaded run: 1.7 s).
	check "SIGUSR2: silence comes (within 3 s) and stays" -- fcmp "$gap" "<=" 3
else
	fail "SIGUSR2: no sound at all after the stop (the end tone is missing)"
fi
check "idle after SIGUSR2" -- wait_status "^state: idle" 5

# ---- start / stop through the control socket ----
rec_start
sleep 0.3
t_start=$(rec_t)
check "backcoach start" -- "$BACKCOACH" start
wait_status "^state: playing" 10
sleep 2
"$BACKCOACH" start >/dev/null 2>"$T/err"
rc=$?
check "start while playing: refused (exit 1)" -- test $rc -eq 1
check "start while playing: says why" -- grep -q "already playing" "$T/err"
check "a refused start is in the daemon's log too" -- \
	grep -q "control: start refused: short is already playing" "$T/daemon.log"
t_stop=$(rec_t)
check "backcoach stop" -- "$BACKCOACH" stop
sleep 5
rec_stop
first=$(first_sound_after "$t_start")
check "start: sound heard" -- test -n "$first"
gap=$(silence_after "$t_stop" 5)
echo "  backcoach stop -> last sound: ${gap} s"
check "stop: silence comes (within 3 s) and stays" -- fcmp "$gap" "<=" 3
"$BACKCOACH" start no-such-routine >/dev/null 2>"$T/err"
check "start an unknown routine: refused" -- grep -q "no routine named" "$T/err"
check "a failed start is in the daemon's log too" -- \
	grep -q "control: start no-such-routine failed: no routine named" "$T/daemon.log"
"$BACKCOACH" pause >/dev/null 2>&1
check "pause with nothing playing: exit 1" -- test $? -eq 1

# ---- pause, resume, skip ----
"$BACKCOACH" start >/dev/null
wait_status "^state: playing" 10
sleep 1
check "pause" -- "$BACKCOACH" pause
check "status says paused" -- wait_status "^state: paused" 5
rec_start
sleep 2.5
rec_stop
check "paused: silence" -- test -z "$(first_sound_after 1)"
kill -s RTMIN+1 "$DPID" 2>/dev/null || kill -35 "$DPID"
check "SIGRTMIN+1 resumes" -- wait_status "^state: playing" 5
kill -s RTMIN+2 "$DPID" 2>/dev/null || kill -36 "$DPID"
check "SIGRTMIN+2 skips to step 2" -- wait_status "^step: 2 of" 5
"$BACKCOACH" stop >/dev/null
wait_status "^state: idle" 10

# ---- stop while paused: the session ends ----
"$BACKCOACH" start >/dev/null
wait_status "^state: playing" 10
sleep 1
"$BACKCOACH" pause >/dev/null
wait_status "^state: paused" 5
sleep 0.5
"$BACKCOACH" stop >/dev/null
check "stop while paused: idle" -- wait_status "^state: idle" 10

# ---- stopped during an exercise's reps: one line about pain ----
# When the reps begin, from the routine's script.
begin=$("$BACKCOACH" --config "$T/cfg.ini" script --samples |
	awk '$3 == "speech" && $4 == "begin" { print $1 / 22050; exit }')
"$BACKCOACH" start >/dev/null
wait_status "^state: playing" 10
sleep "$(awk "BEGIN { print ${begin:-9} + 1.5 }")"
rec_start
sleep 0.3
t_stop=$(rec_t)
"$BACKCOACH" stop >/dev/null
check "stopped during the reps: the line about pain plays" -- wait_status "^playing: stopped" 5
check "stopped during the reps: logged" -- \
	wait_log "stopped during an exercise: said \"If that hurt"
check "stopped during the reps: idle once said" -- wait_status "^state: idle" 15
rec_stop
check "stopped during the reps: the line heard" -- \
	test -n "$(first_sound_after "$(awk "BEGIN { print $t_stop + 0.6 }")")"

# ---- SIGHUP with a broken config: old config kept, old routine plays ----
cp "$TEST_DATA/daemon-broken.ini" "$T/cfg.ini"
kill -HUP "$DPID"
check "broken reload: says the old config stays" -- wait_log "keeping the config in use"
check "broken reload: daemon alive" -- kill -0 "$DPID"
check "broken reload: errors logged as FILE:LINE" -- \
	grep -q "$T/cfg.ini:[0-9]*: " "$T/daemon.log"
rec_start
kill -USR1 "$DPID"
check "broken reload: the old routine still plays" -- wait_status "^playing: short" 10
sleep 1.5
rec_stop
check "broken reload: sound heard" -- test -n "$(first_sound_after 0)"
"$BACKCOACH" stop >/dev/null
wait_status "^state: idle" 10
"$BACKCOACH" reload >/dev/null 2>"$T/err"
check "backcoach reload of a broken config: exit 1" -- test $? -eq 1
check "backcoach reload shows FILE:LINE errors" -- grep -q "cfg.ini:[0-9]*: " "$T/err"

# ---- a good reload swaps the config ----
cp "$TEST_DATA/daemon-other.ini" "$T/cfg.ini"
check "backcoach reload of a good config" -- "$BACKCOACH" reload
check "the new default routine is in use" -- wait_status "^default routine: other" 5

# ---- a FIFO named as the metronome sound, then as the config itself: the
# reload is refused at once with FILE:LINE, never waits on the FIFO ----
status_answers() { timeout 5 "$BACKCOACH" status >/dev/null 2>&1; }
mkfifo "$T/tick.wav"
sed 's/^volume = 60$/volume = 60\nsound = tick.wav/' "$TEST_DATA/daemon-other.ini" >"$T/cfg.ini"
kill -HUP "$DPID"
check "FIFO sound: status answers after a SIGHUP reload" -- status_answers
check "FIFO sound: the reload names FILE:LINE" -- \
	wait_log "$T/cfg.ini:9: sound: \"$T/tick.wav\": not a regular file"
# (A daemon stuck opening the FIFO would be freed by a writer, so that a
# regression fails here instead of hanging the suite.)
timeout 1 sh -c ': >"$1"' sh "$T/tick.wav" 2>/dev/null
timeout 5 "$BACKCOACH" reload >/dev/null 2>"$T/err"
check "FIFO sound: backcoach reload refused (exit 1)" -- test $? -eq 1
check "FIFO sound: backcoach reload says why" -- grep -q "tick.wav\": not a regular file" "$T/err"
mv "$T/cfg.ini" "$T/cfg.good" && mkfifo "$T/cfg.ini"
kill -HUP "$DPID"
check "FIFO config: status answers after a SIGHUP reload" -- status_answers
check "FIFO config: refused" -- wait_log "$T/cfg.ini: not a regular file"
check "FIFO config: the config in use stays" -- wait_status "^default routine: other" 5
rm -f "$T/cfg.ini" "$T/tick.wav" && mv "$T/cfg.good" "$T/cfg.ini"
cp "$TEST_DATA/daemon-other.ini" "$T/cfg.ini"

# ---- a routine the synthesiser cannot speak: one clear line, not the
# routine's name twice ("routine crash: routine crash, exercise ...") ----
cp "$TEST_DATA/speech-crash.ini" "$T/cfg.ini"
"$BACKCOACH" reload >/dev/null 2>&1
"$BACKCOACH" start >/dev/null 2>"$T/err"
check "start of a routine that cannot be spoken: refused" -- \
	grep -q "routine crash, exercise crash-hold: speech synthesiser crashed" "$T/err"
check "its log line names the routine once" -- \
	grep -q "^backcoach: routine crash, exercise crash-hold: speech synthesiser crashed" "$T/daemon.log"
check "no log line names it twice" -- test "$(grep -c "routine crash: routine crash" "$T/daemon.log")" -eq 0
cp "$TEST_DATA/daemon-other.ini" "$T/cfg.ini"
"$BACKCOACH" reload >/dev/null 2>&1

# ---- the sound server stalls mid-session: a dropout, reported ----
# The stall outlasts what the server holds of ours (the output's latency,
# 1 s by default, and a period: half of it to PulseAudio, a quarter to
# PipeWire, sink_pa.h) by 0.4 s or more: a shorter one the
# server bridges with what it holds, and what a sound card then misses is
# the server's own, which our stream's timing cannot see (status names
# that: dropouts_unseen).
"$BACKCOACH" start >/dev/null
wait_status "^state: playing" 10
sleep 1.5
lat_ms=$("$BACKCOACH" status -v | sed -n 's/^latency: \([0-9]*\) ms.*/\1/p')
pa_freeze
sleep "$(awk "BEGIN { print ${lat_ms:-100} * 1.5 / 1000 + 0.4 }")"
pa_thaw
sleep 1
"$BACKCOACH" status -v >"$T/status" 2>&1
"$BACKCOACH" stop >/dev/null
wait_status "^state: idle" 10
d=$(sed -n 's/^dropouts: \([0-9]*\) (\([0-9]*\) ms).*/\1 \2/p' "$T/status")
echo "  server stalled 1.5 x ${lat_ms:-?} ms + 0.4 s: dropouts ${d:-?} (count, ms)"
set -- ${d:-0 0}
check "server stalled: status counts a dropout" -- test "$1" -ge 1
# 0.4 s less what the server had queued beyond its latency.
check "server stalled: of about its length (>= 150 ms)" -- test "$2" -ge 150
check "server stalled: the session's log line counts it" -- \
	wait_log "output underflows, dropouts: [1-9][0-9]* ([0-9]* ms)"

# ---- the sound server dies mid-session ----
"$BACKCOACH" start >/dev/null
wait_status "^state: playing" 10
sleep 1
pa_kill
check "server killed: the session ends" -- wait_status "^state: idle" 10
check "server killed: daemon alive" -- kill -0 "$DPID"
check "server killed: a clear log line" -- wait_log "the daemon carries on"
# No busy loop while the server is away: the daemon sleeps.
cpu0=$(awk '{ print $14 + $15 }' "/proc/$DPID/stat")
sleep 1
cpu1=$(awk '{ print $14 + $15 }' "/proc/$DPID/stat")
check "server away: no busy loop (<= 5 ticks in 1 s)" -- test $((cpu1 - cpu0)) -le 5
kill -USR1 "$DPID"
sleep 1
check "no server: the trigger fails cleanly, daemon alive" -- kill -0 "$DPID"
wait_status "^state: idle" 10
pa_restart
rec_start
kill -USR1 "$DPID"
check "server back: SIGUSR1 plays again" -- wait_status "^state: playing" 10
sleep 2
rec_stop
check "server back: sound heard" -- test -n "$(first_sound_after 0)"

# ---- SIGTERM while playing: exit 0 (how fast: bench/bench_controls.sh) ----
t0=$(now)
kill -TERM "$DPID"
# (A daemon that hangs on exit is killed after 20 s: the check below fails.)
( sleep 20; kill -KILL "$DPID" 2>/dev/null ) &
watchdog=$!
wait "$DPID"
rc=$?
kill "$watchdog" 2>/dev/null
dt=$(elapsed "$t0" "$(now)")
DPID=
echo "  SIGTERM -> exit: ${dt} s"
check "SIGTERM: exit status 0" -- test $rc -eq 0
check "SIGTERM: exit (within 10 s)" -- fcmp "$dt" "<=" 10
check "SIGTERM: socket removed" -- test ! -e "$XDG_RUNTIME_DIR/backcoach/control"

daemon_finish
