#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# script-figures.sh: figures of the shipped routines from `backcoach script`:
# length, the share of it that is speech, the longest time without speech
# and without any sound, the largest difference between two in-breaths of
# one breath pattern (samples; the promise is 0), and the reps whose
# opening ("Begin.", the count, "Halfway.", "Last one.") is said, of all
# reps played (the promise is all of them).
#   BACKCOACH=src/backcoach [LIBRARY=config/backcoach.ini] \
#     sh bench/script-figures.sh [CONFIG...]
# Each CONFIG is a user file read on top of the built-in one ("" for none);
# LIBRARY is the built-in one, read for each exercise's reps. RATES="150
# 110": each CONFIG at each of these speaking rates ([coach] rate added).
set -u
: "${BACKCOACH:?}"
: "${LIBRARY:=$(dirname "$0")/../config/backcoach.ini}"
[ $# -gt 0 ] || set -- ""
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
reps=$dir/reps
if [ -n "${RATES:-}" ]; then
	for cfg in "$@"; do
		for rate in $RATES; do
			out="$dir/$(basename "${cfg:-built-in}" .ini)-rate$rate.ini"
			{ [ -z "$cfg" ] || cat "$cfg"; printf '[coach]\nrate = %s\n' "$rate"; } >"$out"
			echo "$out"
		done
	done >"$dir/list"
	set --
	while read -r f; do set -- "$@" "$f"; done <"$dir/list"
fi
# "NAME REPS" per exercise (reps default 1).
awk '/^\[exercise:/ { if (n != "") print n, r; n = substr($0, 11); sub(/\].*/, "", n); r = 1; next }
	/^\[/ { if (n != "") print n, r; n = ""; next }
	n != "" && $1 == "reps" && $2 == "=" { r = $3 }
	END { if (n != "") print n, r }' "$LIBRARY" >"$reps"
printf '%-14s %-18s %9s %7s %10s %10s %10s %9s\n' routine config length speech \
	"no speech" "no sound" "in-breath" "openings"
for cfg in "$@"; do
	opt=${cfg:+--config $cfg}
	# shellcheck disable=SC2086
	for r in $("$BACKCOACH" $opt list | awk '/^Routines:/ { on = 1; next }
		/^Exercises:/ { on = 0 } on && /^  [^ ]/ { print $1 }'); do
		# shellcheck disable=SC2086
		"$BACKCOACH" $opt script "$r" --samples | awk -v r="$r" -v reps="$reps" \
			-v c="$(basename "${cfg:-built-in}" .ini)" '
		BEGIN { while ((getline l < reps) > 0) { split(l, f, " "); nreps[f[1]] = f[2] } }
		$3 == "step" { want += ($4 in nreps) ? nreps[$4] : 0 }
		$3 == "speech" && ($4 == "begin" || $4 == "count" || $4 == "halfway" || $4 == "last") { said++ }
		/^# [^ ]*: / { for (i = 1; i <= NF; i++) if ($i ~ /^\(/) { len = substr($i, 2) + 0; dur = $(i - 1) } }
		/^#/ { next }
		$3 == "speech" { speech += $2 - $1
			if ($1 - last_speech > no_speech) no_speech = $1 - last_speech
			last_speech = $2 }
		$3 == "speech" || $3 == "tone" || $3 == "chime" || $3 == "beat" {
			if ($1 - last_sound > no_sound) no_sound = $1 - last_sound
			if ($2 > last_sound) last_sound = $2 }
		$3 == "breath" && $4 == "inhale" { n = $2 - $1
			if (!($5 in lo) || n < lo[$5]) lo[$5] = n
			if (!($5 in hi) || n > hi[$5]) hi[$5] = n }
		END {
			if (len - last_speech > no_speech) no_speech = len - last_speech
			d = 0; for (p in lo) if (hi[p] - lo[p] > d) d = hi[p] - lo[p]
			sub(/;$/, "", dur)
			printf "%-14s %-18s %9s %6.1f%% %9.1fs %9.1fs %10d %9s\n", r, c, dur,
				100 * speech / len, no_speech / 22050, no_sound / 22050, d,
				(said + 0) "/" (want + 0) }'
	done
done
