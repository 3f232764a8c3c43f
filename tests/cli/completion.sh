#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# completion.sh: the shell completions offer what the program takes: every
# command of `backcoach --help`, each command's options as its own --help
# lists them, and the routines of the config in use (the default, or the
# one named by --config on the line). bash and fish complete for real (the
# bash function called with COMP_WORDS, fish's `complete -C`); zsh's file
# is checked for syntax and for naming every command and option.
set -u
: "${BACKCOACH:?}" "${TEST_DATA:?}" "${TOP_SRCDIR:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export XDG_CONFIG_HOME="$tmp/config" XDG_STATE_HOME="$tmp/state" XDG_CACHE_HOME="$tmp/cache" HOME="$tmp"
# The completions call `backcoach` by name: the one under test.
mkdir "$tmp/bin" && ln -s "$BACKCOACH" "$tmp/bin/backcoach"
PATH="$tmp/bin:$PATH"
export PATH
comp=$TOP_SRCDIR/completions
small=$TEST_DATA/render-small.ini
failures=0 count=0

for sh in bash zsh fish; do
	command -v $sh >/dev/null || { echo "SKIP: $sh is not installed (bootstrap.sh installs it)"; exit 77; }
done

ok() { count=$((count + 1)); echo "ok: $1"; }
fail() { count=$((count + 1)); failures=$((failures + 1)); echo "FAIL: $1"; }
# same DESCRIPTION FILE1 FILE2: the same words, in any order
same() {
	sort -u "$2" >"$tmp/a"
	sort -u "$3" >"$tmp/b"
	if cmp -s "$tmp/a" "$tmp/b"; then
		ok "$1"
	else
		fail "$1:"; diff "$tmp/a" "$tmp/b" | sed 's/^/  /' | head -10
	fi
}

# What the program says it takes.
"$BACKCOACH" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z]*\).*/\1/p' >"$tmp/commands"
[ "$(wc -l <"$tmp/commands")" -ge 15 ] || fail "--help lists the commands"
options_of() { # the options `backcoach CMD --help` lists, one a line
	"$BACKCOACH" "$1" --help | grep -o '^  -[a-zA-Z], --[a-z-]*' | tr -d ',' | tr ' ' '\n' | sed '/^$/d'
}
"$BACKCOACH" list --routines >"$tmp/routines"
"$BACKCOACH" --config "$small" list --routines >"$tmp/routines-small"
if cmp -s "$tmp/routines" "$tmp/routines-small"; then
	fail "render-small.ini's routines differ from the default's (the test needs them to)"
fi

## bash: the function, called as bash calls it.
bash_complete() { # bash_complete WORD... : the completions for the last word
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_backcoach; [ ${#COMPREPLY[@]} -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}"' sh "$comp/bash/backcoach" "$@"
}
bash_complete backcoach "" >"$tmp/got"
same "bash: the commands" "$tmp/commands" "$tmp/got"
bash_complete backcoach st >"$tmp/got"
printf 'start\nstatus\nstats\nstop\n' >"$tmp/want"
same "bash: st<TAB>" "$tmp/want" "$tmp/got"
for cmd in $(cat "$tmp/commands"); do
	options_of "$cmd" >"$tmp/want"
	bash_complete backcoach "$cmd" - >"$tmp/got"
	same "bash: $cmd -<TAB>: the options $cmd --help lists" "$tmp/want" "$tmp/got"
done
for cmd in play render script start; do
	bash_complete backcoach "$cmd" "" >"$tmp/got"
	same "bash: $cmd <TAB>: the routines" "$tmp/routines" "$tmp/got"
done
bash_complete backcoach --config "$small" render -n "" >"$tmp/got"
same "bash: --config FILE render -n <TAB>: FILE's routines" "$tmp/routines-small" "$tmp/got"
bash_complete backcoach script -c "$small" "" >"$tmp/got"
same "bash: script -c FILE <TAB>: FILE's routines" "$tmp/routines-small" "$tmp/got"
bash_complete backcoach play desk-break "" >"$tmp/got"
: >"$tmp/want"
same "bash: play ROUTINE <TAB>: nothing more" "$tmp/want" "$tmp/got"
bash_complete backcoach stats "" >"$tmp/got"
printf 'today\nweek\nmonth\n' >"$tmp/want"
same "bash: stats <TAB>: the periods" "$tmp/want" "$tmp/got"
bash_complete backcoach render -o "$TEST_DATA/render-sm" >"$tmp/got"
printf '%s\n' "$small" >"$tmp/want"
same "bash: render -o <TAB>: files" "$tmp/want" "$tmp/got"

## fish: its own completer.
fish_complete() { # fish_complete "COMMAND LINE": the words fish offers
	fish --no-config -c "source '$comp/fish/backcoach.fish'; complete -C '$1'" |
		cut -f1
}
if fish --no-execute "$comp/fish/backcoach.fish" 2>"$tmp/err"; then
	ok "fish: the file parses"
else
	fail "fish: syntax:"; sed 's/^/  /' "$tmp/err"
fi
fish_complete "backcoach " >"$tmp/got"
same "fish: the commands" "$tmp/commands" "$tmp/got"
fish_complete "backcoach play " >"$tmp/got"
same "fish: play <TAB>: the routines" "$tmp/routines" "$tmp/got"
fish_complete "backcoach --config $small start " >"$tmp/got"
same "fish: --config FILE start <TAB>: FILE's routines" "$tmp/routines-small" "$tmp/got"
fish_complete "backcoach stats " >"$tmp/got"
printf 'today\nweek\nmonth\n' >"$tmp/want"
same "fish: stats <TAB>: the periods" "$tmp/want" "$tmp/got"
for cmd in render script list; do
	options_of "$cmd" | grep -- '^--' >"$tmp/want"
	fish_complete "backcoach $cmd --" >"$tmp/got"
	same "fish: $cmd --<TAB>: the long options $cmd --help lists" "$tmp/want" "$tmp/got"
done

## zsh: syntax, and every command and option named.
if zsh -n "$comp/zsh/_backcoach" 2>"$tmp/err"; then
	ok "zsh: the file parses"
else
	fail "zsh: syntax:"; sed 's/^/  /' "$tmp/err"
fi
missing=
for cmd in $(cat "$tmp/commands"); do
	grep -q "[\"']$cmd:" "$comp/zsh/_backcoach" || missing="$missing $cmd"
	for o in $(options_of "$cmd" | grep -- '^--'); do
		grep -q -- "$o" "$comp/zsh/_backcoach" || missing="$missing $cmd:$o"
	done
done
if [ -z "$missing" ]; then ok "zsh: every command and option is named"; else fail "zsh: not named:$missing"; fi

echo "$((count - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
