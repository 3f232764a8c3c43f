#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# daemon-reminders.sh: reminders heard on the null sink's monitor: each after
# its interval and not before (late by at most 2 s: a loaded machine), the
# expected number of times, none lost or doubled across a reload; a
# countdown cancelled by SIGUSR2 goes silent, stays so, and snoozes. How
# punctual they are is bench/soak.sh's figure (lateness).
set -u
: "${BACKCOACH:?}" "${TEST_DATA:?}" "${TOP_SRCDIR:?}"
. "$TOP_SRCDIR/tests/daemonlib.sh"

daemon_setup

# ---- every 4 s of sitting (counted from the end of the last reminder) ----
# daemon-remind.ini: interval 4 s, message "Sat {minutes}." and no routine.
rec_start
sleep 0.3
t_start=$(rec_t)
daemon_start "$TEST_DATA/daemon-remind.ini" || exit 1
t_ready=$(rec_t)
# Reload (the same, valid config) half-way through the second interval:
# it must neither restart the sitting time nor fire an extra reminder.
sleep 7.5
t_hup=$(rec_t)
kill -HUP "$DPID"
sleep 9
rec_stop
t_end=$(rec_t)
daemon_stop

# Reminders are the only sound: bursts separated by > 1 s of silence.
bursts 1.0 >"$T/bursts"
echo "  daemon start at ${t_start}-${t_ready} s, reload at ${t_hup} s; reminders heard (start end):"
sed 's/^/    /' "$T/bursts"
n=$(wc -l <"$T/bursts")
# Expected: the first due 4 s after start, each next 4 s after the previous
# one ended, until t_end.
# (One due in the last LATE s may be heard or not: it may be late.)
LATE=2
expect=$(awk -v s="$t_ready" -v e="$t_end" -v late=$LATE '
	{ st[NR] = $1; en[NR] = $2 }
	END { due = s + 4; lo = 0; hi = 0; i = 1
	      while (due < e - 0.3) { hi++; if (due < e - late) lo++
	              if (i <= NR) { due = en[i] + 4; i++ } else due += 5 }
	      print lo, hi }' "$T/bursts")
lo=${expect% *} hi=${expect#* }
check "reminders: $n heard, $lo to $hi expected" -- test "$n" -ge "$lo" -a "$n" -le "$hi"
check "reminders: at least 3 in 17 s" -- test "$n" -ge 3
# First one 4 s after the daemon started (sitting counts from the start).
first=$(awk 'NR == 1 { print $1 }' "$T/bursts")
d=$(elapsed "$t_ready" "${first:-0}")
echo "  first reminder ${d} s after the daemon was ready"
# Not before: the daemon's start is t_start..t_ready; sitting counts from
# when it started, so 4 s from t_start at the earliest.
d0=$(elapsed "$t_start" "${first:-0}")
check "first reminder after 4 s, not before (late by 2 s at most)" -- \
	awk -v d0="$d0" -v d="$d" 'BEGIN { exit !(d0 >= 4 - 0.05 && d <= 4 + 2) }'
# Each next one 4 s after the previous ended: none lost, none doubled,
# also across the reload.
awk 'NR > 1 { printf "%.2f\n", $1 - prev } { prev = $2 }' "$T/bursts" >"$T/gaps"
echo "  gaps after each reminder: $(tr '\n' ' ' <"$T/gaps")"
i=0
while read -r g; do
	i=$((i + 1))
	check "reminder $((i + 1)) 4 s after the one before, not sooner (late by 2 s at most): $g" -- \
		awk -v g="$g" 'BEGIN { exit !(g >= 4 - 0.05 && g <= 4 + 2) }'
done <"$T/gaps"
check "the daemon logged the reload" -- wait_log "config reloaded"

# ---- a countdown cancelled with SIGUSR2: silence, no routine, snoozed ----
# daemon-countdown.ini: after 3 s, "Sat 0.", "Get ready.", 3, 2, 1 over 4 s,
# then the routine; snooze 1 m.
rec_start
daemon_start "$TEST_DATA/daemon-countdown.ini" || exit 1
check "countdown: the reminder starts" -- wait_status "^playing: reminder" 10
sleep 1.2
t_cancel=$(rec_t)
kill -USR2 "$DPID"
sleep 6
rec_stop
last=$(last_sound_between "$t_cancel" 100)
gap=$(elapsed "$t_cancel" "${last:-$t_cancel}")
echo "  SIGUSR2 during the countdown -> last sound: ${gap} s"
# Not cancelled, the countdown would sound for ~3 s more, then the routine.
check "countdown cancelled: silence comes (within 2 s) and stays, no routine after it" -- \
	fcmp "$gap" "<=" 2
check "countdown cancelled: snoozed" -- wait_log "reminder cancelled: snoozed"
"$BACKCOACH" status >"$T/status"
check "countdown cancelled: next reminder about a minute away, in words" -- \
	grep -q "^next reminder: in 1 minute, at [0-9][0-9]:[0-9][0-9] (" "$T/status"
check "countdown cancelled: status says snoozed" -- \
	grep -q "^snoozed: for [0-9]*s more" "$T/status"
daemon_stop

# ---- a reminder that plays to its end is "ending", never "stopping" ----
daemon_start "$TEST_DATA/daemon-remind.ini" || exit 1
: >"$T/states"
i=0
while [ $i -lt 200 ] && ! grep -q "^state: ending" "$T/states"; do
	"$BACKCOACH" status 2>/dev/null | grep "^state:" >>"$T/states"
	sleep 0.03; i=$((i + 1))
done
wait_status "^state: idle" 10 >/dev/null
"$BACKCOACH" status 2>/dev/null | grep "^state:" >>"$T/states"
echo "  states seen: $(sort -u "$T/states" | tr '\n' ' ')"
check "a reminder's own end shows as ending" -- grep -q "^state: ending" "$T/states"
check "a reminder's own end never shows as stopping" -- \
	test "$(grep -c "^state: stopping" "$T/states")" -eq 0
daemon_stop

daemon_finish
