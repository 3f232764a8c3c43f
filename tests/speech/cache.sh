#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# cache.sh: the speech cache on disk ($XDG_CACHE_HOME/backcoach/speech) as
# `backcoach render` meets it: a second render reads every line and
# synthesises none, byte for byte the same; whatever is found where an entry
# goes (a torn file, another line's entry, a FIFO, a symlink), or no place to
# store at all, the render is the same and the entries are replaced; another
# voice rate never reads this one's. What was synthesised and what was read:
# the count `render -v` prints ("speech: R lines read from the cache on
# disk, S synthesised").
set -u
: "${BACKCOACH:?}" "${TEST_DATA:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export XDG_CONFIG_HOME="$tmp/config" XDG_STATE_HOME="$tmp/state" XDG_CACHE_HOME="$tmp/cache" HOME="$tmp"
C=$XDG_CACHE_HOME/backcoach/speech
cfg=$TEST_DATA/render-small.ini
failures=0 count=0

ok() { count=$((count + 1)); echo "ok: $*"; }
fail() { count=$((count + 1)); failures=$((failures + 1)); echo "FAIL: $*"; }

# render NAME [CONFIG]: render to $tmp/NAME.wav; its -v output in
# $tmp/NAME.err; sets read= and synth= from the count it prints. Never
# waits on the cache: a render that takes a minute failed.
render() {
	timeout -k 5 60 "$BACKCOACH" -v --config "${2:-$cfg}" render -o "$tmp/$1.wav" \
		>/dev/null 2>"$tmp/$1.err" || fail "render $1: exit $?: $(tail -n 3 "$tmp/$1.err")"
	line=$(sed -n 's/.*speech: \([0-9]*\) lines read from the cache on disk, \([0-9]*\) synthesised.*/\1 \2/p' \
		"$tmp/$1.err")
	read=${line% *}
	synth=${line#* }
	[ -n "$line" ] || { read=-1 synth=-1; fail "render $1 printed no count: $(tail -n 3 "$tmp/$1.err")"; }
}
entries() { find "$C" -maxdepth 1 -type f -name '????????????????' 2>/dev/null | wc -l; }
same() { # NAME DESCRIPTION
	if cmp -s "$tmp/first.wav" "$tmp/$1.wav"; then ok "$2: byte-identical"; else fail "$2: differs"; fi
}

# ---- the first render fills it, the second reads it all ----
[ ! -e "$XDG_CACHE_HOME" ] && ok "no cache before the first render" || fail "a cache before anything ran"
render first
n=$synth
if [ "$read" -eq 0 ] && [ "$n" -gt 5 ]; then ok "first render: $n lines synthesised, none read"
else fail "first render: $read read, $synth synthesised"; fi
[ "$(entries)" -eq "$n" ] && ok "one entry per line ($n)" || fail "$(entries) entries for $n lines"
[ "$(stat -c %a "$C")" = 700 ] && ok "the cache directory is 0700" || fail "mode $(stat -c %a "$C")"
render second
if [ "$read" -eq "$n" ] && [ "$synth" -eq 0 ]; then ok "second render: all $n lines read, none synthesised"
else fail "second render: $read read, $synth synthesised (of $n)"; fi
same second "second render"

# ---- whatever is where an entry goes: synthesised again and replaced ----
set -- $(find "$C" -maxdepth 1 -type f -name '????????????????' | sort)
other=$tmp/other-entry
cp "$1" "$other"
truncate -s -1 "$2"                           # torn
printf 'x' >>"$3"                             # longer
cp "$1" "$4"                                  # another line's entry (a hash collision)
rm "$5" && mkfifo "$5"                        # a FIFO: never waited on
rm "$6" && ln -s "$other" "$6"                # a symlink, to a whole entry
: >"$7"                                       # empty
printf 'BCSD' | dd of="$8" conv=notrunc 2>/dev/null # another magic
render damaged
if [ "$synth" -eq 7 ] && [ "$read" -eq $((n - 7)) ]; then ok "7 damaged entries synthesised again, $read read"
else fail "damaged entries: $read read, $synth synthesised (expected 7)"; fi
same damaged "render over damaged entries"
bad=$(find "$C" -maxdepth 1 -name '????????????????' ! -type f | wc -l)
[ "$bad" -eq 0 ] && ok "the FIFO and the symlink replaced by entries" || fail "$bad entries not files"
render after
if [ "$read" -eq "$n" ] && [ "$synth" -eq 0 ]; then ok "the replaced entries read back"
else fail "after the damage: $read read, $synth synthesised"; fi
same after "render from the replaced entries"
[ "$(find "$C" -name '.tmp-*' | wc -l)" -eq 0 ] && ok "no temporary file left" || fail "temporary files left"

# ---- no place to store: the same render, nothing stored ----
mkdir -p "$tmp/ro/backcoach"
: >"$tmp/ro/backcoach/speech"                 # a file where the directory goes
XDG_CACHE_HOME=$tmp/ro render nowhere
if [ "$synth" -eq "$n" ] && [ "$read" -eq 0 ]; then ok "no place to store: all synthesised"
else fail "no place to store: $read read, $synth synthesised"; fi
same nowhere "render with nowhere to store"
# No XDG_CACHE_HOME and a relative HOME: no cache at all, silently.
env -u XDG_CACHE_HOME HOME=relative sh -c "cd '$tmp' && '$BACKCOACH' -v --config '$cfg' \
	render -o '$tmp/nohome.wav'" >/dev/null 2>"$tmp/nohome.err" ||
	fail "render without a cache: $(tail -n 3 "$tmp/nohome.err")"
grep -q "synthesised (no cache)" "$tmp/nohome.err" && ok "no HOME: no cache" ||
	fail "no HOME: $(grep 'lines read' "$tmp/nohome.err")"
[ ! -e "$tmp/relative" ] && ok "no cache under a relative HOME" || fail "made $tmp/relative"
same nohome "render without a cache"

# ---- another rate: its own entries, never this rate's ----
sed 's/^\[general\]$/[coach]\nrate = 151\n\n[general]/' "$cfg" >"$tmp/rate.ini"
grep -q '^rate = 151' "$tmp/rate.ini" || fail "no rate in $tmp/rate.ini"
render rate "$tmp/rate.ini"
if [ "$read" -eq 0 ] && [ "$synth" -eq "$n" ]; then ok "rate 151: every line synthesised, none read from rate 150's"
else fail "rate 151: $read read, $synth synthesised"; fi
if cmp -s "$tmp/first.wav" "$tmp/rate.wav"; then fail "rate 151 sounds like rate 150"; else ok "rate 151 sounds different"; fi
[ "$(entries)" -eq $((2 * n)) ] && ok "both rates kept ($((2 * n)) entries)" || fail "$(entries) entries"

echo "$((count - failures))/$count passed"
[ "$failures" -eq 0 ]
