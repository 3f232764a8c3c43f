#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# adapt.sh: a coach that waits, remembers and adapts, on the null sink with
# buttons pressed through MPRIS (playerctl on a private session bus), the
# control socket and signals. Each session is on a day of its own
# (BACKCOACH_TEST_NOW), and the record of the day is read after each:
#   day 1  the wait: silence until Play; MPRIS and status say "waiting for
#          you"; Next in the answer window: good for both exercises; Next
#          pressed twice more: nothing done, nothing logged
#   day 2  wait_at_most = 3s: it carries on by itself; no answer: nothing said
#   day 3  SIGRTMIN+1 ends the wait; the third good day: one step more
#          (`script` and `progress` say so)
#   day 4  Previous in the answer window: the easier form next time; the
#          same again ignored, a changed answer logged and kept
#   day 5  `feedback lie hurt`: the next session leaves it out and says so
#          once; `feedback lie good` brings it back
# and torn and garbage lines in the record, read past.
set -u
: "${BACKCOACH:?}" "${TEST_DATA:?}" "${TOP_SRCDIR:?}"
. "$TOP_SRCDIR/tests/daemonlib.sh"
. "$TOP_SRCDIR/tests/buslib.sh"

command -v playerctl >/dev/null 2>&1 || pa_skip "playerctl not installed (bootstrap.sh installs it)"

daemon_setup
bus_setup
bus_start session || exit 1

T0=1773230400 # 2026-03-11T12:00:00Z, a Wednesday
LOG=$T/state/backcoach/day.log
pc() { playerctl -p backcoach "$@" 2>/dev/null; }
day() { echo $((T0 + $1 * 86400)); }
# lines PATTERN: how many lines of the record match.
lines() { _c=$(grep -c -- "$1" "$LOG" 2>/dev/null); echo "${_c:-0}"; }
# logged_since N PATTERN: how many lines of the daemon's log after its
# first N match.
logged_since() { tail -n +"$(($1 + 1))" "$T/daemon.log" | grep -c -- "$2"; }

# session_on DAY: the daemon restarted on day DAY with $T/cur.ini, a
# session started and the recording running.
session_on() {
	daemon_stop
	BACKCOACH_TEST_NOW=$(day "$1") daemon_start "$T/cur.ini" || exit 1
	rec_start
	"$BACKCOACH" start >/dev/null || fail "day $1: start"
}
# Wait up to $1 s until MPRIS shows title $2.
wait_title() {
	_n=$(awk "BEGIN { print int($1 * 10) }")
	_i=0
	while [ $_i -lt "$_n" ]; do
		[ "$(pc metadata --format '{{title}}')" = "$2" ] && return 0
		_i=$((_i + 1))
		sleep 0.1
	done
	return 1
}

cp "$TEST_DATA/adapt.ini" "$T/cur.ini"

# ---- day 1: the wait, and Next in the answer window ----
session_on 1
check "day 1: the coach waits at the change of place (status)" -- \
	wait_status "^state: waiting for you" 40
check "day 1: status names the wait as the step" -- wait_status "^step: .*: Waiting for you" 1
check "day 1: MPRIS shows the wait as the track" -- wait_title 2 "Waiting for you"
check "day 1: MPRIS shows it paused" -- eval '[ "$(pc status)" = Paused ]'
w0=$(rec_t)
sleep 4
check "day 1: still waiting after 4 s" -- wait_status "^state: waiting for you" 0.2
w1=$(rec_t)
pc play
check "day 1: MPRIS Play ends the wait" -- wait_status "^state: playing" 3
p0=$(rec_t)
check "day 1: the question after the last exercise" -- wait_status "How it went" 60
sleep 1
n0=$(wc -l <"$T/daemon.log")
# Next three times: the first answers, the others (before or after its
# skip to the close is heard) change nothing.
pc next
pc next
pc next
check "day 1: the session ends after the answer" -- wait_status "^state: idle" 20
rec_stop
check "day 1: the answer logged once" -- \
	eval '[ "$(logged_since "$n0" "the answer: it all felt good$")" = 1 ]'
check "day 1: no other line for the presses (no skip, no command said)" -- \
	eval '[ "$(logged_since "$n0" "MPRIS: skipping\|MPRIS: again\|the answer")" = 1 ]'
check "day 1: one skip, to the close" -- \
	eval '[ "$(logged_since "$n0" "skipped to step")" = 1 ] && [ "$(logged_since "$n0" "skipped to step .*: Outro$")" = 1 ]'
check "day 1: the session ran to its end" -- \
	eval '[ "$(logged_since "$n0" "adapt finished")" = 1 ]' 
share=$(sound_share "$(awk "BEGIN { print $w0 + 0.5 }")" "$w1")
check "day 1: silence while waiting (sound share $share)" -- fcmp "$share" "<=" 0.001
s=$(first_sound_after "$p0")
check "day 1: sound within 2 s of Play (at $s, Play at $p0)" -- \
	eval '[ -n "$s" ] && fcmp "$s" "<" "$p0 + 2"'
check "day 1: recorded: sit done, in today's form" -- \
	eval '[ "$(lines " exercise sit done heard=[0-9]* form=0$")" = 1 ]'
check "day 1: recorded: lie done, in today's form" -- \
	eval '[ "$(lines " exercise lie done heard=[0-9]* form=0$")" = 1 ]'
check "day 1: recorded: the answer, good for each" -- \
	eval '[ "$(lines "feedback sit good")" = 1 ] && [ "$(lines "feedback lie good")" = 1 ]'
check "day 1: on day 1" -- eval '[ "$(lines "^2026-03-12T.* exercise lie done")" = 1 ]'

# ---- day 2: nobody presses play: it carries on by itself ----
sed 's/^wait_at_most = .*/wait_at_most = 3s/' "$TEST_DATA/adapt.ini" >"$T/cur.ini"
session_on 2
check "day 2: waiting" -- wait_status "^state: waiting for you" 40
t=$(now)
check "day 2: carries on by itself after wait_at_most (3s)" -- \
	wait_status "^state: playing" 8
dt=$(elapsed "$t" "$(now)")
check "day 2: not before it ($dt s)" -- fcmp "$dt" ">=" 2
check "day 2: the log says so" -- grep -q "carried on by itself" "$T/daemon.log"
check "day 2: the question" -- wait_status "How it went" 60
# No answer: stopped in the window (quicker than waiting it out), a second
# into it (status follows what has been heard, by the DAC times).
sleep 1
"$BACKCOACH" stop >/dev/null
check "day 2: the session ends with no answer" -- wait_status "^state: idle" 20
rec_stop
check "day 2: recorded: both done" -- \
	eval '[ "$(lines "^2026-03-13T.* exercise sit done")" = 1 ] && [ "$(lines "^2026-03-13T.* exercise lie done")" = 1 ]'
check "day 2: no answer, no feedback recorded" -- eval '[ "$(lines " feedback ")" = 2 ]'

# ---- day 3: SIGRTMIN+1 ends the wait; the third good day ----
cp "$TEST_DATA/adapt.ini" "$T/cur.ini"
check "before day 3: lie plays 2 reps" -- eval '"$BACKCOACH" -c "$T/cur.ini" progress | grep -q "^lie: today.s form.*, 2 reps"'
session_on 3
check "day 3: waiting" -- wait_status "^state: waiting for you" 40
kill -s RTMIN+1 "$DPID" 2>/dev/null || kill -35 "$DPID"
check "day 3: SIGRTMIN+1 ends the wait" -- wait_status "^state: playing" 3
check "day 3: the question" -- wait_status "How it went" 60
sleep 1
"$BACKCOACH" stop >/dev/null
check "day 3: the session ends" -- wait_status "^state: idle" 20
rec_stop
export BACKCOACH_TEST_NOW="$(day 3)"
check "day 3: three good days: lie one step up (progress)" -- \
	eval '"$BACKCOACH" -c "$T/cur.ini" progress | grep -q "^lie: 1 step up of 1 (the harder form), 3 reps"'
check "day 3: the next session plays 3 reps of lie (script)" -- \
	eval '[ "$("$BACKCOACH" -c "$T/cur.ini" script | grep -c "speech *last  *Last one")" -ge 1 ]'
# A step a week at most: good said again on day 4 changes nothing.
check "day 3: sit has no harder form: stays" -- \
	eval '"$BACKCOACH" -c "$T/cur.ini" progress | grep -q "^sit: today.s form"'

# ---- day 4: Previous in the answer window: too much ----
session_on 4
check "day 4: waiting" -- wait_status "^state: waiting for you" 40
"$BACKCOACH" resume >/dev/null
check "day 4: resume ends the wait" -- wait_status "^state: playing" 3
check "day 4: the question" -- wait_status "How it went" 60
sleep 1
n0=$(wc -l <"$T/daemon.log")
# Previous; again (nothing); Next (changed: good); Previous (changed back).
pc previous
pc previous
pc next
pc previous
check "day 4: the session ends after the answer" -- wait_status "^state: idle" 20
rec_stop
check "day 4: the answer, then each change, logged once" -- \
	eval '[ "$(logged_since "$n0" "the answer: something was too much$")" = 1 ] &&
	      [ "$(logged_since "$n0" "the answer changed: it all felt good$")" = 1 ] &&
	      [ "$(logged_since "$n0" "the answer changed: something was too much$")" = 1 ] &&
	      [ "$(logged_since "$n0" "MPRIS: skipping\|MPRIS: again\|the answer")" = 3 ]'
check "day 4: one skip, to the close" -- \
	eval '[ "$(logged_since "$n0" "skipped to step")" = 1 ]' 
check "day 4: recorded: lie played one step up" -- \
	eval '[ "$(lines "^2026-03-15T.* exercise lie done heard=[0-9]* form=1$")" = 1 ]'
check "day 4: recorded: the answer, easier for each" -- \
	eval '[ "$(lines "^2026-03-15T.* feedback sit easier")" = 1 ] && [ "$(lines "^2026-03-15T.* feedback lie easier")" = 1 ]'
export BACKCOACH_TEST_NOW="$(day 4)"
check "day 4: lie in its easier form next time" -- \
	eval '"$BACKCOACH" -c "$T/cur.ini" progress | grep -q "^lie: easier form, 1 rep of 2s"'
check "day 4: the script says its easier cue" -- \
	eval '"$BACKCOACH" -c "$T/cur.ini" script | grep -q "easier *Only a little this time"'

# ---- torn and garbage lines in the record ----
printf '\001\377 not a record\n2026-03-15T13:00:00Z feedback lie\n2026-03-15T13:00:01Z feedback li' >>"$LOG"
check "a torn and garbage record: progress reads past it" -- \
	eval '"$BACKCOACH" -c "$T/cur.ini" progress 2>"$T/progress.err" | grep -q "^lie: easier form"'
check "and says how many lines it skipped" -- grep -q "3 lines skipped" "$T/progress.err"

# ---- day 5: hurt ----
BACKCOACH_TEST_NOW=$(day 5) "$BACKCOACH" -c "$T/cur.ini" feedback lie hurt >"$T/fb.out"
check "feedback hurt: says it is left out, and how to bring it back" -- \
	grep -q "left out from the next session on.*backcoach feedback lie good" "$T/fb.out"
check "feedback hurt: recorded after the torn line, whole" -- \
	eval '[ "$(lines "^2026-03-16T12:00:00Z feedback lie hurt$")" = 1 ]'
"$BACKCOACH" -c "$T/cur.ini" script >"$T/script5"
check "day 5: script: lie absent" -- eval '! grep -q "step *Lie stretch" "$T/script5"'
check "day 5: script: the sentence present" -- \
	grep -q "left-out *I've left out Lie stretch, as it hurt last time. backcoach feedback lie good brings it back" "$T/script5"
session_on 5
check "day 5: no wait: nothing to move to" -- eval '! wait_status "^state: waiting" 0.5'
saw_lie=no
while "$BACKCOACH" status >"$T/st" 2>/dev/null && grep -q "^state: \(playing\|starting\|paused\)" "$T/st"; do
	grep -q "Lie stretch" "$T/st" && saw_lie=yes
	grep -q "How it went" "$T/st" && sleep 1 && "$BACKCOACH" stop >/dev/null
	sleep 0.2
done
# "stopping" ends the loop: the session's record is written once it has
# ended (its end tone played out).
wait_status "^state: idle" 20
rec_stop
export BACKCOACH_TEST_NOW="$(day 5)"
check "day 5: the session never reached lie" -- eval '[ $saw_lie = no ]'
check "day 5: heard: sound for the sentence" -- eval '[ -n "$(first_sound_after 0)" ]'
check "day 5: recorded: lie left out, and no lie played" -- \
	eval '[ "$(lines "^2026-03-16T.* left-out lie$")" = 1 ] && [ "$(lines "^2026-03-16T.* exercise lie")" = 0 ]'
check "day 5: the sentence only once: the next script has none" -- \
	eval '! "$BACKCOACH" -c "$T/cur.ini" script | grep -q "left-out"'
check "feedback good brings it back, in its easier form" -- \
	eval '"$BACKCOACH" -c "$T/cur.ini" feedback lie good >/dev/null && "$BACKCOACH" -c "$T/cur.ini" script | grep -q "easier *Only a little"'
check "feedback with no exercise: the one played last (sit)" -- \
	eval '"$BACKCOACH" -c "$T/cur.ini" feedback harder | grep -q "^sit:"'
"$BACKCOACH" -c "$T/cur.ini" feedback nosuch good 2>/dev/null
rc=$?
check "feedback on an unknown exercise: 66 ($rc)" -- eval '[ $rc = 66 ]'
"$BACKCOACH" -c "$T/cur.ini" feedback lie great 2>/dev/null
rc=$?
check "feedback with an unknown word: 64 ($rc)" -- eval '[ $rc = 64 ]'

daemon_finish
