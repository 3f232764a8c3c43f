#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# library-play.sh: the first session through `play` begins with the safety
# notice; later ones do not. A user with no state yet, a routine of a few
# seconds, played through a private sound server (tests/pulse.sh). The
# server-free checks of the shipped library are in test_library.sh.
set -u
: "${BACKCOACH:?}" "${TEST_DATA:?}" "${TOP_SRCDIR:?}"
# shellcheck source=tests/pulse.sh
. "$TOP_SRCDIR/tests/pulse.sh"
pa_start || exit 1
tmp=$PA_DIR/library-play
mkdir -p "$tmp"
export XDG_CONFIG_HOME="$tmp/config" XDG_STATE_HOME="$tmp/state" XDG_CACHE_HOME="$tmp/cache"
short="$TEST_DATA/library-short.ini"
now() { date +%s.%N; }
fail() { echo "FAIL: $*"; sed 's/^/  /' "$tmp/play1" "$tmp/play2" 2>/dev/null | head -10; exit 1; }

[ ! -e "$XDG_STATE_HOME/backcoach" ] || fail "state exists before the first session"
t0=$(now)
"$BACKCOACH" --config "$short" play >"$tmp/play1" 2>&1 || fail "first play"
t1=$(now)
ls "$XDG_STATE_HOME/backcoach/"* >/dev/null 2>&1 ||
	fail "no state written after the first session"
"$BACKCOACH" --config "$short" play >"$tmp/play2" 2>&1 || fail "second play"
t2=$(now)
echo "play: first session $(awk "BEGIN { print $t1 - $t0 }") s," \
	"later $(awk "BEGIN { print $t2 - $t1 }") s"
# The notice takes over 10 s to say.
awk "BEGIN { exit !($t1 - $t0 > $t2 - $t1 + 10) }" ||
	fail "the first session is not 10 s longer than the second"
echo "ok: play: the notice on the first session only"
