#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# bench_mpris.sh: pause and resume through MPRIS against the same by signal,
# measured on the private PulseAudio's monitor (tests/pulse.sh): command ->
# silence (the last audible 10 ms bucket after a pause) and command -> sound
# (the first after a resume), BENCH_TRIALS (5) times each way, interleaved,
# during one long spoken announcement. Three ways in: playerctl (the whole
# client: start-up, finding the player, the call), dbus-send (one call) and
# SIGRTMIN+1 (kill). Then the idle daemon after that session: whether it
# holds the MPRIS name, and its wakeups over BENCH_IDLE_S (20) s.
# Figures, not pass/fail. Needs BACKCOACH, TOP_SRCDIR.
set -u
: "${BACKCOACH:?}" "${TOP_SRCDIR:?}"
IDLE_S=${BENCH_IDLE_S:-20}
. "$TOP_SRCDIR/bench/benchlib.sh"
. "$TOP_SRCDIR/tests/buslib.sh"

daemon_setup
bus_setup
bus_start session || exit 1

# One step whose announcement is a long stretch of speech.
long="Sit tall and let your shoulders drop."
text=$long
for _ in 1 2 3 4 5 6 7 8 9 10 11; do text="$text $long"; done
cat >"$T/bench.ini" <<EOF
[general]
routine = bench
[metronome]
bpm = 0
[reminders]
enabled = no
[exercise:talk]
title = Talk
setup = $text
hold = 5s
setup_time = 1s
[routine:bench]
title = Bench
language = en
exercises = talk
EOF
daemon_start "$T/bench.ini" || exit 1

dest=org.mpris.MediaPlayer2.backcoach
via_playerctl() { playerctl -p backcoach play-pause 2>/dev/null; }
via_dbus_send() {
	dbus-send --print-reply --dest=$dest /org/mpris/MediaPlayer2 \
		org.mpris.MediaPlayer2.Player.PlayPause >/dev/null
}
via_signal() { kill -s RTMIN+1 "$DPID" 2>/dev/null || kill -35 "$DPID"; }

rec_start
"$BACKCOACH" start >/dev/null
wait_status "^step: 2 of" 5
sleep 2.5
: >"$T/times"
i=0
while [ $i -lt "$TRIALS" ]; do
	for way in playerctl dbus_send signal; do
		t=$(rec_t)
		via_$way
		echo "$way pause $t" >>"$T/times"
		sleep 0.6
		t=$(rec_t)
		via_$way
		echo "$way resume $t" >>"$T/times"
		sleep 0.8
	done
	i=$((i + 1))
done
"$BACKCOACH" stop >/dev/null
sleep 1
rec_stop
wait_status "^state: idle" 3

envelope >/dev/null
# The middle one, or the mean of the middle two (benchlib.sh's takes the lower).
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) printf "%.3f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo "== command -> audible effect, median of $TRIALS (all trials in s)"
for way in playerctl dbus_send signal; do
	for what in pause resume; do
		grep "^$way $what " "$T/times" | while read -r _ _ t; do
			if [ $what = pause ]; then
				l=$(last_sound_between "$t" "$(awk "BEGIN { print $t + 0.55 }")")
				elapsed "$t" "${l:-$t}"
			else
				f=$(envelope | awk -v a="$t" -v l="$LOUD" '$1 >= a && $2 > l { print $1; exit }')
				[ -n "$f" ] && elapsed "$t" "$f"
			fi
			echo
		done >"$T/$way.$what"
		printf "%-10s %-7s median %s s  (%s)\n" "$way" "$what" \
			"$(median <"$T/$way.$what")" "$(tr '\n' ' ' <"$T/$way.$what")"
	done
done

echo "== idle after the session, ${IDLE_S} s, a session bus present"
owner() {
	dbus-send --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
		org.freedesktop.DBus.NameHasOwner string:$dest | awk '/boolean/ { print $2 }'
}
echo "MPRIS name held while idle: $(owner) (during the session it was held)"
ls -l /proc/"$DPID"/fd 2>/dev/null | grep -c socket | sed 's/^/sockets open: /'
w0=$(wakeups own)
sleep "$IDLE_S"
echo "wakeups of the daemon's threads in ${IDLE_S} s: $(($(wakeups own) - w0))"
echo "RSS idle: daemon $(rss_kb "$DPID") kB"
