#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# test_library.sh: the shipped routines as a user sees them: `backcoach
# list` durations and equipment, every routine rendered from the command
# line, the written safety notice against the spoken one, the README's
# library table. No sound server: it runs once (library-play.sh plays the
# notice through each server; test_library.c listens to the rendered audio).
set -u
: "${BACKCOACH:?}" "${TEST_DATA:?}" "${TOP_SRCDIR:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# A user with no config of their own and no state yet.
export XDG_CONFIG_HOME="$tmp/config" XDG_STATE_HOME="$tmp/state" XDG_CACHE_HOME="$tmp/cache" HOME="$tmp"
failures=0 count=0
all="--config $TEST_DATA/library-equipment.ini"

ok() { count=$((count + 1)); echo "ok: $1"; }
fail() { count=$((count + 1)); failures=$((failures + 1)); echo "FAIL: $1"; }
check() { # check DESCRIPTION COMMAND...: pass when the command succeeds
	desc=$1
	shift
	if "$@"; then ok "$desc"; else fail "$desc"; fi
}

# Seconds in a duration as backcoach prints it: 45s, 3m26s, 1h02m, 250ms.
seconds() {
	echo "$1" | awk '{
		s = 0; t = $0
		if (t ~ /ms$/) { print 0; exit }
		while (match(t, /^[0-9]+[hms]/)) {
			n = substr(t, 1, RLENGTH - 1); u = substr(t, RLENGTH, 1)
			s += n * (u == "h" ? 3600 : u == "m" ? 60 : 1)
			t = substr(t, RLENGTH + 1)
		}
		print (t == "" ? s : -1)
	}'
}

# From `backcoach list` output in $1: a routine's duration, its equipment
# line, an exercise's duration.
routine_duration() { awk -v r="$2" '/^Routines:/ { on = 1; next } /^Exercises:/ { on = 0 }
	on && $1 == r { print $2 }' "$1"; }
routine_equipment() { awk -v r="$2" '/^Routines:/ { on = 1; next } /^Exercises:/ { on = 0 }
	on && found { sub(/.*equipment:/, ""); print; exit } on && $1 == r { found = 1 }' "$1"; }
exercise_duration() { awk -v e="$2" '/^Exercises:/ { on = 1; next } on && $1 == e { print $2 }' "$1"; }
routines() { awk '/^Routines:/ { on = 1; next } /^Exercises:/ { on = 0 } on && /^  [^ ]/ { print $1 }' "$1"; }
exercises() { awk '/^Exercises:/ { on = 1; next } on && /^  [^ ]/ { print $1 }' "$1"; }

# within FILE ROUTINE MIN MAX: its listed duration is within [MIN, MAX] s.
within() {
	d=$(routine_duration "$1" "$2")
	s=$(seconds "${d:-x}")
	if [ -n "$d" ] && [ "$s" -ge "$3" ] && [ "$s" -le "$4" ]; then
		ok "$2 lasts $d ($3..$4 s) [$5]"
	else
		fail "$2 lasts ${d:-?} (${s}s), not $3..$4 s [$5]"
	fi
}

## backcoach list: durations and equipment.
# shellcheck disable=SC2086
if "$BACKCOACH" list >"$tmp/list" 2>"$tmp/err" &&
	"$BACKCOACH" $all list >"$tmp/list-all" 2>>"$tmp/err"; then
	ok "list, with the default equipment and with all of it"
else
	fail "list failed:"; sed 's/^/  /' "$tmp/err"
fi
for r in desk-break desk-break-de micro-break micro-break-de breathing \
	breathing-de floor floor-de full full-de; do
	for f in list list-all; do
		d=$(routine_duration "$tmp/$f" $r)
		e=$(routine_equipment "$tmp/$f" $r)
		if [ "$(seconds "${d:-x}")" -gt 0 ] && [ -n "$e" ]; then
			ok "$f shows $r: $d, equipment:$e"
		else
			fail "$f does not show $r with a duration and equipment"
		fi
	done
done
# Each with the question after the last exercise ([coach] adapt), about 15 s.
within "$tmp/list" desk-break 120 285 default
within "$tmp/list" desk-break-de 120 285 default
within "$tmp/list" micro-break 60 105 default
within "$tmp/list" micro-break-de 60 105 default
within "$tmp/list" breathing 60 135 default
within "$tmp/list" breathing-de 60 135 default
within "$tmp/list" floor 600 960 default
within "$tmp/list-all" floor 600 960 "with a foam roller"
within "$tmp/list" floor-de 600 960 default
within "$tmp/list-all" full-de 900 1500 "with everything"
check "desk-break needs a chair at most" \
	test "$(routine_equipment "$tmp/list" desk-break)" = " chair"
check "desk-break-de needs a chair at most" \
	test "$(routine_equipment "$tmp/list" desk-break-de)" = " chair"
check "the reminders offer desk-break" test "$(awk '/^\[/ { on = ($0 == "[reminders]") }
	on && /^routine = / { print $3 }' "$TOP_SRCDIR/config/backcoach.ini")" = desk-break
check "by default full skips the foam roller and the ball" \
	test "$(routine_equipment "$tmp/list" full)" = \
	" chair floor foam-roller (missing: skipped) ball (missing: skipped)"
check "with all equipment nothing is skipped" \
	sh -c "! grep -q missing '$tmp/list-all'"
# A duration for an exercise means it played in a routine.
for e in $(exercises "$tmp/list-all"); do
	d=$(exercise_duration "$tmp/list-all" "$e")
	if [ "$(seconds "${d:-x}")" -gt 0 ]; then ok "$e is in a routine ($d)"; else
		fail "$e is in no routine"; fi
done
# The nine of the article, the movements, warm-up, cool-down and breaks,
# each in German too.
check "the library in English and German" test "$(exercises "$tmp/list" | wc -l)" -ge 34
for e in $(exercises "$tmp/list"); do
	case $e in *-de) ;; *) check "$e has a German form" grep -q "^  $e-de " "$tmp/list" ;; esac
done
for e in exercise-ball foam-roller; do
	check "$e is not played without the equipment" \
		test "$(exercise_duration "$tmp/list" $e)" = "-"
done

## Every routine renders from the command line, as long as list says.
for r in $(routines "$tmp/list"); do
	if "$BACKCOACH" render "$r" -o "$tmp/$r.wav" >"$tmp/out" 2>"$tmp/err" &&
		[ -s "$tmp/$r.wav" ]; then
		got=$(sed -n 's/.*: \(.*\) of audio$/\1/p' "$tmp/out")
		check "render $r: $got of audio, as listed" \
			test "$got" = "$(routine_duration "$tmp/list" "$r")"
	else
		fail "render $r:"; sed 's/^/  /' "$tmp/err"
	fi
	rm -f "$tmp/$r.wav"
done
"$BACKCOACH" render desk-break --notice -o "$tmp/n.wav" >"$tmp/out" 2>&1
with=$(seconds "$(sed -n 's/.*: \(.*\) of audio$/\1/p' "$tmp/out")")
check "render --notice adds the spoken notice ($with s)" \
	test "$with" -gt "$(seconds "$(routine_duration "$tmp/list" desk-break)")"

## Every built-in line fits, down to a slow voice: check passes at each
## rate, so no breath word runs over and no count is left out.
for rate in 110 130 150 200; do
	printf '[coach]\nrate = %d\n' "$rate" >"$tmp/rate.ini"
	printf '[general]\nequipment = chair, floor, mat, wall, towel, foam-roller, ball\n' \
		>>"$tmp/rate.ini"
	if "$BACKCOACH" --config "$tmp/rate.ini" check >"$tmp/out" 2>"$tmp/err"; then
		ok "check at rate $rate: $(cat "$tmp/out")"
	else
		fail "check at rate $rate:"; sed 's/^/  /' "$tmp/err"
	fi
done
# A count that would be lost is an error: FILE:LINE, the cue, the phase.
cat >"$tmp/lost.ini" <<'EOF'
[breath:short]
inhale = 3s
exhale = 2s
inhale_cue = tone
exhale_cue = both
[exercise:reach]
title = Reach
setup = Reach up.
caution = Gently.
rep_cue = Reach up high, and higher.
breath = short
reps = 3
[routine:lost]
title = Lost
exercises = reach
EOF
if "$BACKCOACH" --config "$tmp/lost.ini" check >"$tmp/out" 2>"$tmp/err"; then
	fail "check passes a routine that loses its counts"
else
	check "check names the lost count: FILE:LINE, the cue, the phase" grep -q \
		"^$tmp/lost.ini:10: exercise reach, inhale: \"Last one.\" is left out: with it, " \
		"$tmp/err"
	check "... and the lost start" grep -q \
		"^$tmp/lost.ini:10: exercise reach, inhale: \"Begin.\" is left out" "$tmp/err"
	check "... and only those" test "$(grep -c "left out" "$tmp/err")" -eq "$(wc -l <"$tmp/err")"
fi
# A session goes on without them: the words, every rep.
"$BACKCOACH" --config "$tmp/lost.ini" script lost >"$tmp/out" 2>&1
check "a session goes on without the lost counts" \
	test "$(grep -c 'speech  rep-cue  *Reach up high, and higher.' "$tmp/out")" -eq 3

## The notice in writing says what the spoken one says.
sed -n '/^## Safety/,/^## /p' "$TOP_SRCDIR/README.md" >"$tmp/readme-notice"
sed -n '/^\.SH SAFETY/,/^\.SH [^S]/p' "$TOP_SRCDIR/man/backcoach.ini.5" >"$tmp/man-notice"
# The notice phrase of a language: its key line and continuation lines.
notice_of() {
	awk -v s="[language:$1]" '$0 == s { on = 1; next } /^\[/ { on = 0 }
		on && /^notice = / { n = 1; print; next } n && /^[ \t]/ { print; next } { n = 0 }' \
		"$TOP_SRCDIR/config/backcoach.ini"
}
notice_of en >"$tmp/spoken-en"
notice_of de >"$tmp/spoken-de"
# For people already in pain: when to stop and see a doctor, what pain
# is fine and what is not, when to ask first; cracking in one sentence.
for idea in 'doctor' 'numb' 'tingling' 'weakness in a leg' 'bladder' 'bowel' \
	'fall' 'injury' 'fever' 'night' 'mild' 'grows' 'spreads' \
	'osteoporosis' 'twist' 'roller' 'ball' 'pregnan' 'lying on your back' \
	'surgery' 'crack' 'gas'; do
	for f in spoken-en readme-notice man-notice; do
		check "$f says: $idea" grep -Eqi "$idea" "$tmp/$f"
	done
done
for idea in 'Arzt' 'taub' 'kribbelt' 'schwach' 'Blase' 'Darm' 'Sturz' \
	'Verletzung' 'Fieber' 'Nacht' 'leichtes Ziehen' 'stärker' 'ausstrahlt' \
	'Osteoporose' 'Drehungen' 'rolle' 'Ball' 'schwanger' 'Rücken' \
	'Operation' 'Knackt' 'Gas'; do
	check "spoken-de says: $idea" grep -Eq "$idea" "$tmp/spoken-de"
done
# Cracking is one sentence, not two thirds of the notice.
for l in en de; do
	check "spoken-$l: cracking in one sentence" test "$(tr '\n' ' ' <"$tmp/spoken-$l" |
		tr '.' '\n' | grep -ci 'crack\|knack')" -eq 1
done
# The risks of the floor and the ball, told when they are new.
for l in en de; do
	for k in notice_floor notice_ball; do
		check "language $l tells $k" sh -c "awk -v s='[language:$l]' '\$0 == s { on = 1; next }
			/^\\[/ { on = 0 } on && /^$k = / { f = 1 } END { exit !f }' \
			'$TOP_SRCDIR/config/backcoach.ini'"
	done
done
for idea in 'chair' 'one knee' 'wall' 'sofa' 'dizzy'; do
	for f in readme-notice man-notice; do
		check "$f says: $idea" grep -Eqi "$idea" "$tmp/$f"
	done
done

## The README's library table names every routine and exercise.
for n in $(routines "$tmp/list") $(exercises "$tmp/list"); do
	check "README names $n" grep -q "\`$n\`" "$TOP_SRCDIR/README.md"
done
for v in calm brisk; do
	check "voices/README.md documents $v" grep -q "^### $v" "$TOP_SRCDIR/voices/README.md"
done

echo "$((count - failures)) passed, $failures failed"
[ "$failures" -eq 0 ] || exit 1
