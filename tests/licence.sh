#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# licence.sh: every file we wrote says its licence. A file opens with an
# SPDX-License-Identifier line (within its first 5 lines: after a shebang,
# a BOM or a man page's first comment), or is named in .reuse/dep5 (files
# that cannot carry one: empty, binary, golden output, fuzzing seeds).
# COPYING is the GPL-3 text the identifier names. In a git checkout the
# files are the tracked ones; in a release tarball, the source files in it.
set -u
: "${TOP_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
cd "$TOP_SRCDIR" || exit 99
fail=0 files=0

# The dep5 file's Files: patterns, one a line.
patterns=$(sed -n '/^Files:/,/^[A-Z][a-z]*:/{s/^Files://;/^[A-Z][a-z]*:/d;p}' .reuse/dep5 |
	tr ' ' '\n' | sed '/^$/d')
covered() {
	set -f # the patterns are matched, not expanded
	for p in $patterns; do
		# shellcheck disable=SC2254
		case $1 in $p) set +f; return 0 ;; esac
	done
	set +f
	return 1
}

# A git checkout whose top is this tree (a tarball unpacked inside a
# checkout, as make distcheck does, is not one).
if [ "$(git rev-parse --show-toplevel 2>/dev/null)" = "$(pwd -P)" ]; then
	list=$(git ls-files)
else
	# A tarball: its sources, not what autotools generated into it, nor
	# what make fuzz writes (fuzz/build: its corpora and seeds, beside a
	# sanitizer build's suites in CI).
	list=$(find . -path ./build-aux -prune -o -path ./autom4te.cache -prune -o \
		-path ./fuzz/build -prune -o \
		-type f \( -name '*.c' -o -name '*.h' -o -name '*.sh' -o -name '*.ini' \
		-o -name '*.py' -o -name '*.in' -o -name '*.am' -o -name '*.ac' \
		-o -name '*.md' -o -name '*.[15]' -o -name '*.expected' \
		-o -path './fuzz/seeds/*' -o -path './completions/*' -o -path './debian/*' \
		-o -path './voices/*' \) -print | sed 's|^\./||' |
		grep -v -e '^Makefile\.in$' -e '^src/coach/default_config\.c$' \
			-e '^debian/\.debhelper/' -e '^debian/backcoach/' -e '^debian/tmp/')
fi
for f in $list; do
	[ -f "$f" ] || continue
	files=$((files + 1))
	case $f in COPYING | debian/copyright | .reuse/dep5) continue ;; esac
	if head -n 5 "$f" | grep -aq 'SPDX-License-Identifier: GPL-3.0-or-later'; then
		continue
	fi
	covered "$f" && continue
	echo "FAIL: $f has no SPDX-License-Identifier line and .reuse/dep5 does not name it"
	fail=1
done
if ! cmp -s COPYING /usr/share/common-licenses/GPL-3 2>/dev/null &&
	! grep -q 'GNU GENERAL PUBLIC LICENSE' COPYING; then
	echo "FAIL: COPYING is not the GPL-3 text"
	fail=1
fi
[ "$files" -gt 100 ] || { echo "FAIL: only $files files found"; fail=1; }
[ $fail -eq 0 ] && echo "ok: $files files, each with its licence"
exit $fail
