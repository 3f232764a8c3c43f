#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# stats.sh: `backcoach stats` over a crafted record of days
# (tests/data/stats/week.log), against golden files: breaks only where an
# exercise was heard to its end; stopped, skipped and unanswered reminders
# are not breaks; minutes exercised count only time inside exercises; a
# Monday-Friday streak carries over a weekend; a line per day and per
# exercise; old session lines, a torn last line and garbage read. The clock
# is BACKCOACH_TEST_NOW: Wednesday 2026-03-11 15:00 UTC.
set -u
: "${BACKCOACH:?}" "${TEST_DATA:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export XDG_CONFIG_HOME="$tmp/config" XDG_STATE_HOME="$tmp/state" XDG_CACHE_HOME="$tmp/cache" HOME="$tmp" TZ=UTC
export BACKCOACH_TEST_NOW=1773241200 # 2026-03-11T15:00:00Z
D=$TEST_DATA/stats
failures=0 count=0

ok() { count=$((count + 1)); echo "ok: $1"; }
fail() { count=$((count + 1)); failures=$((failures + 1)); echo "FAIL: $1"; }

mkdir -p "$XDG_STATE_HOME/backcoach"
cp "$D/week.log" "$XDG_STATE_HOME/backcoach/day.log"

# golden NAME [OPTION...] PERIOD: stats PERIOD equals NAME.expected.
golden() {
	name=$1
	shift
	if "$BACKCOACH" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &&
		diff -u "$D/$name.expected" "$tmp/$name.out" >"$tmp/$name.diff"; then
		ok "stats $*: as $name.expected"
	else
		fail "stats $*: differs from $name.expected"
		sed 's/^/  /' "$tmp/$name.diff" "$tmp/$name.err" | head -40
	fi
}
golden today stats today
golden week stats week
golden month stats month
# With reminders every day, the weekend without a break ends the streak.
golden alldays -c "$D/alldays.ini" stats today

if grep -q "3 lines skipped (torn or not a record)" "$tmp/week.err"; then
	ok "the torn line, the garbage and the unknown word skipped, with a warning"
else
	fail "no warning of the lines skipped:"; cat "$tmp/week.err"
fi
"$BACKCOACH" stats year >/dev/null 2>&1
if [ $? -eq 64 ]; then ok "a bad period is a usage error (64)"; else fail "stats year: not 64"; fi

# An empty record: zeros, no error.
rm "$XDG_STATE_HOME/backcoach/day.log"
if "$BACKCOACH" stats >"$tmp/empty" 2>&1 && grep -q "^breaks: 0 guided, 0 natural" "$tmp/empty" &&
	grep -q "^streak: 0 days with a break" "$tmp/empty"; then
	ok "no record yet: zeros"
else
	fail "no record yet:"; cat "$tmp/empty"
fi

echo "$((count - failures))/$count passed"
[ "$failures" -eq 0 ]
