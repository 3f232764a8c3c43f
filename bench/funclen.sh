#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# bench/funclen.sh [N]: the N (default 10) longest functions in src/, in
# lines from signature to closing brace (universal-ctags' end: field).
n=${1:-10}
cd "$(dirname "$0")/.." || exit 1
ctags --sort=no --fields=+ne --c-kinds=f -o - src/*/*.c 2>/dev/null |
	awk -F'\t' '{
		line = end = 0
		for (i = 4; i <= NF; i++) {
			if ($i ~ /^line:/) line = substr($i, 6)
			if ($i ~ /^end:/) end = substr($i, 5)
		}
		if (end) printf "%5d  %s:%d %s\n", end - line + 1, $2, line, $1
	}' | sort -rn | head -n "$n"
