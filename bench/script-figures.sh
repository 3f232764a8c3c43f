#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# script-figures.sh: figures of the shipped routines from `backcoach script`:
# length, the share of it that is speech, the longest time without speech
# and without any sound, and the largest difference between two in-breaths
# of one breath pattern (samples; the promise is 0).
#   BACKCOACH=src/backcoach sh bench/script-figures.sh [CONFIG...]
# Each CONFIG is a user file read on top of the built-in one ("" for none).
set -u
: "${BACKCOACH:?}"
[ $# -gt 0 ] || set -- ""
printf '%-14s %-18s %9s %7s %10s %10s %10s\n' routine config length speech \
	"no speech" "no sound" "in-breath"
for cfg in "$@"; do
	opt=${cfg:+--config $cfg}
	# shellcheck disable=SC2086
	for r in $("$BACKCOACH" $opt list | awk '/^Routines:/ { on = 1; next }
		/^Exercises:/ { on = 0 } on && /^  [^ ]/ { print $1 }'); do
		# shellcheck disable=SC2086
		"$BACKCOACH" $opt script "$r" --samples | awk -v r="$r" \
			-v c="$(basename "${cfg:-built-in}" .ini)" '
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
			printf "%-14s %-18s %9s %6.1f%% %9.1fs %9.1fs %10d\n", r, c, dur,
				100 * speech / len, no_speech / 22050, no_sound / 22050, d }'
	done
done
