#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# layers.sh: src/ is layered, and the compiler's own dependency output
# (cc -MM) shows that every file keeps to its layer: a file in one folder
# includes headers from its own folder and from folders above it in
# LAYERS only. An include that climbs (audio/ including daemon/) fails.
#
# The same output, read as a graph of modules (a module is foo.c with
# foo.h, and foo_internal.h, the private half some modules share among
# their foo_*.c), must have no cycle: two modules that include each other,
# directly or around a circle (commands.c including daemon.h while daemon.c
# includes commands.h), fail, and tsort names the modules of the circle.
set -u
: "${TOP_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${CC:=cc}"
LAYERS="base coach speech audio playback desktop daemon cli"

rank() { # the position of folder $1 in LAYERS, 0 if it is not a layer
	i=1
	for l in $LAYERS; do
		[ "$l" = "$1" ] && { echo $i; return; }
		i=$((i + 1))
	done
	echo 0
}

# The module a file belongs to: speech/speech_internal.h -> speech/speech.
module() {
	m=${1%.[ch]}
	echo "${m%_internal}"
}

cd "$TOP_SRCDIR/src" || exit 99
edges=$(mktemp) || exit 99
trap 'rm -f "$edges"' EXIT
fail=0 files=0
for f in */*.c */*.h; do
	[ -e "$f" ] || continue
	case $f in */default_config.c) continue ;; esac
	files=$((files + 1))
	mf=$(module "$f")
	echo "$mf $mf" >>"$edges" # every module is a node, even a lone one
	dir=${f%%/*}
	r=$(rank "$dir")
	if [ "$r" -eq 0 ]; then
		echo "FAIL: $f: folder $dir/ is not a layer (LAYERS in tests/layers.sh)"
		fail=1
		continue
	fi
	# -MM: the headers it reads, directly or through others, system ones
	# left out; -MG: a header not found (a missing dependency) is named,
	# not an error.
	deps=$($CC -MM -MG -I. -x c "$f" 2>&1) || {
		echo "FAIL: $f: $CC -MM: $deps"
		fail=1
		continue
	}
	for d in $(printf '%s\n' "$deps" | sed 's/^[^:]*://; s/\\$//'); do
		case $d in
		"$f") continue ;;
		*/*.h) ;;
		*) continue ;;
		esac
		hd=${d%%/*}
		hr=$(rank "$hd")
		[ "$hr" -eq 0 ] && continue # not ours (a system header found by -MG)
		md=$(module "$d")
		[ "$md" != "$mf" ] && echo "$mf $md" >>"$edges"
		if [ "$hr" -gt "$r" ]; then
			echo "FAIL: $f ($dir/) includes $d: $hd/ is below $dir/ in the layers ($LAYERS)"
			fail=1
		fi
	done
done
[ "$files" -gt 40 ] || { echo "FAIL: only $files files found under src/"; exit 1; }
[ "$fail" -eq 0 ] && echo "PASS: $files files under src/ keep to the layers: $LAYERS"

# tsort reads "A B" as A before B and, where that cannot be, says "input
# contains a loop" and lists the modules of each loop it breaks.
modules=$(cut -d' ' -f1 "$edges" | sort -u | wc -l)
[ "$modules" -gt 30 ] || { echo "FAIL: only $modules modules found under src/"; exit 1; }
loops=$(tsort <"$edges" 2>&1 >/dev/null)
if [ -n "$loops" ]; then
	echo "FAIL: modules include one another in a circle (A includes B ... includes A):"
	printf '%s\n' "$loops" | sed 's/^tsort: -: input contains a loop:/  circle:/; s/^tsort: /    /'
	fail=1
else
	echo "PASS: $modules modules under src/ include one another without a cycle"
fi
exit $fail
