#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# bench_notifications.sh: what notifications cost the idle daemon. On a
# private session bus with dbusmock's notification_daemon: a reminder given
# (notification shown, do not disturb asked and watched from then on),
# answered with Snooze; then the idle daemon's wakeups and CPU time over
# BENCH_IDLE_S (20) s, beside the same daemon without a notification server
# (announce = voice) as the floor. And how soon after ActionInvoked the
# routine is heard, BENCH_TRIALS (5) times. Figures, not pass/fail. Needs
# BACKCOACH, TOP_SRCDIR.
set -u
: "${BACKCOACH:?}" "${TOP_SRCDIR:?}"
IDLE_S=${BENCH_IDLE_S:-20}
. "$TOP_SRCDIR/bench/benchlib.sh"
. "$TOP_SRCDIR/tests/buslib.sh"

daemon_setup
bus_setup
bus_start session || exit 1
notif_start || exit 1

# idle ANNOUNCE: a reminder given and snoozed, then the idle cost.
idle() {
	sed "s/^announce = both$/announce = $1/" "$TEST_DATA/daemon-ask.ini" >"$T/bench-$1.ini"
	daemon_start "$T/bench-$1.ini" || exit 1
	wait_status "^reminder: waits for your answer" 20 && wait_status "^state: idle" 10
	"$BACKCOACH" snooze 1h >/dev/null
	sleep 1
	echo "== idle, announce = $1 (a reminder given and snoozed)"
	idle_cost -v "$IDLE_S"
	daemon_stop
}
idle voice
idle both

echo "== ActionInvoked(start) -> the routine heard, $TRIALS trials"
daemon_start "$TEST_DATA/daemon-ask.ini" || exit 1
rec_start
: >"$T/times"
i=0
while [ $i -lt "$TRIALS" ]; do
	wait_status "^reminder: waits for your answer" 20 && wait_status "^state: idle" 10
	t=$(rec_t)
	notif_action "$(notif_id)" start
	echo "$t" >>"$T/times"
	wait_status "^playing: longer" 5
	sleep 1.5
	"$BACKCOACH" stop >/dev/null
	wait_status "^state: idle" 5
	i=$((i + 1))
done
rec_stop
daemon_stop
envelope >/dev/null
while read -r t; do
	s=$(first_sound_after "$t")
	[ -n "$s" ] && echo "$(elapsed "$t" "$s")"
done <"$T/times" >"$T/lat"
echo "click -> heard: median $(median <"$T/lat") s (all: $(tr '\n' ' ' <"$T/lat"))"
