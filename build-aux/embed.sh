#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# embed.sh NAME FILE: print FILE as a C string constant named NAME.
set -e
printf '/* Generated from %s by embed.sh: do not edit. */\n' "$(basename "$2")"
printf 'const char %s[] =\n' "$1"
sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/?/\\?/g' -e 's/	/\\t/g' \
    -e 's/^/"/' -e 's/$/\\n"/' "$2"
printf ';\n'
