#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# bench_config.sh: how long `backcoach check` takes on configs of the largest
# size (1 MiB): one value continued over 260,000 short lines, and 19,000
# sections with a routine naming 5,000 of them. Joining continuation lines
# once took time quadratic in their number (about 20 s of CPU for the
# first). `check` also speaks every line (the built-in routines' ~120),
# which is most of its time; the config's own part is the difference to a
# check of a small file. Figures, not pass/fail; run by `make bench`.
set -u
: "${BACKCOACH:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 1 MiB: "equipment = chair" and then " chair," lines.
{
	printf '[general]\nequipment = chair\n'
	awk 'BEGIN { while (n < 1048000 - 40) { print " ,chair"; n += 8 } }'
} >"$tmp/continued.ini"
# 1 MiB: sections, and a routine naming 5,000 of them over continuation lines.
awk 'BEGIN {
	while (n < 820000) { s = sprintf("[exercise:e%d]\ntitle = T\nsetup = S\nhold = 10s\n", i++); printf "%s", s; n += length(s) }
	printf "[routine:all]\ntitle = All\nlanguage = en\nexercises = e0"
	for (j = 1; j < 5000; j++) printf ",\n e%d", j
	print ""
}' >"$tmp/sections.ini"
printf '[general]\nequipment = chair\n' >"$tmp/small.ini"

run() { # run NAME FILE: wall and CPU seconds of `backcoach check FILE`
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f "%e %U %S" -o "$tmp/time" "$BACKCOACH" check "$2" >"$tmp/out" 2>&1
		rc=$?
		read -r wall user sys <"$tmp/time"
		cpu=$(echo "$user $sys" | awk '{ printf "%.2f", $1 + $2 }')
	else # wall time only
		t0=$(date +%s.%N)
		"$BACKCOACH" check "$2" >"$tmp/out" 2>&1
		rc=$?
		wall=$(echo "$t0 $(date +%s.%N)" | awk '{ print $2 - $1 }') cpu=?
	fi
	printf '  %-34s %8s bytes: %6.2f s wall, %6s s CPU (exit %d)\n' "$1" \
		"$(wc -c <"$2")" "$wall" "$cpu" "$rc"
}
echo "== backcoach check: configs of the largest size"
run "small (for the speech's share)" "$tmp/small.ini"
run "260,000 continuation lines" "$tmp/continued.ini"
run "19,000 sections, 5,000-name list" "$tmp/sections.ini"
