#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# cli.sh: the backcoach program as a user runs it: options, exit codes, files.
set -u
: "${BACKCOACH:?}" "${TEST_DATA:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# A user with no config of their own.
export XDG_CONFIG_HOME="$tmp/config" XDG_STATE_HOME="$tmp/state" XDG_CACHE_HOME="$tmp/cache" HOME="$tmp"
failures=0 count=0

# expect CODE DESCRIPTION -- COMMAND...: run it, check the exit code.
expect() {
	code=$1 desc=$2
	shift 3
	count=$((count + 1))
	"$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	if [ "$got" -ne "$code" ]; then
		echo "FAIL: $desc: exit $got, expected $code"
		sed 's/^/  stdout: /' "$tmp/out" | head -5
		sed 's/^/  stderr: /' "$tmp/err" | head -5
		failures=$((failures + 1))
	else
		echo "ok: $desc"
	fi
}

# contains FILE TEXT DESCRIPTION
contains() {
	count=$((count + 1))
	if grep -q -- "$2" "$1"; then
		echo "ok: $3"
	else
		echo "FAIL: $3: no \"$2\" in:"; sed 's/^/  /' "$1" | head -10
		failures=$((failures + 1))
	fi
}

expect 0 "--help" -- "$BACKCOACH" --help
contains "$tmp/out" "render" "--help lists the commands"
expect 0 "--version" -- "$BACKCOACH" --version
contains "$tmp/out" "^backcoach [0-9]" "--version prints the version"
expect 64 "no command" -- "$BACKCOACH"
expect 64 "unknown command" -- "$BACKCOACH" frobnicate
contains "$tmp/err" "unknown command" "unknown command is named"

## Command-line conventions: every command's own --help, options anywhere,
## combined short flags, a bad option named in one line.
for cmd in play render script check list voices devices run start stop pause \
	resume skip repeat snooze reload status stats; do
	expect 0 "$cmd --help" -- "$BACKCOACH" "$cmd" --help
	contains "$tmp/out" "^Usage: backcoach $cmd " "$cmd --help: its own usage"
	expect 0 "$cmd -h" -- "$BACKCOACH" "$cmd" -h
	contains "$tmp/out" "^Usage: backcoach $cmd " "$cmd -h: its own usage"
	expect 64 "$cmd with a bad option" -- "$BACKCOACH" "$cmd" --no-such-option
	count=$((count + 1))
	if [ "$(wc -l <"$tmp/err")" -eq 1 ] &&
		grep -q "^backcoach $cmd: unknown option '--no-such-option'; try 'backcoach $cmd --help'\$" "$tmp/err"; then
		echo "ok: $cmd: a bad option is one line that names it and $cmd --help"
	else
		echo "FAIL: $cmd: a bad option's message:"; sed 's/^/  /' "$tmp/err" | head -5
		failures=$((failures + 1))
	fi
done
expect 0 "-V after the command" -- "$BACKCOACH" list -V
contains "$tmp/out" "^backcoach [0-9]" "list -V prints the version"
expect 64 "a bad short option" -- "$BACKCOACH" list -x
contains "$tmp/err" "^backcoach list: unknown option '-x'; try 'backcoach list --help'" "a bad short option is named"
expect 64 "an option without its value" -- "$BACKCOACH" render -o
contains "$tmp/err" "option '-o' needs a value" "a missing value is named"
expect 64 "a bad option before the command" -- "$BACKCOACH" --no-such-option list
contains "$tmp/err" "^backcoach: unknown option '--no-such-option'; try 'backcoach --help'" \
	"a bad global option: one line"
expect 64 "too many arguments" -- "$BACKCOACH" list extra
contains "$tmp/err" "unexpected argument 'extra'; try 'backcoach list --help'" "the extra argument is named"
# Combined short flags, the config after the command: list -vc FILE.
expect 0 "list -vc FILE" -- "$BACKCOACH" list -vc "$TEST_DATA/render-small.ini"
contains "$tmp/err" "debug\\|speech" "-v in -vc turns on debug messages"
"$BACKCOACH" --config "$TEST_DATA/render-small.ini" list >"$tmp/list-global" 2>/dev/null
count=$((count + 1))
if cmp -s "$tmp/out" "$tmp/list-global"; then
	echo "ok: list -vc FILE lists what --config FILE list lists"
else
	echo "FAIL: list -vc FILE differs from --config FILE list"; failures=$((failures + 1))
fi
# Options after an operand: script ROUTINE -S --notice.
expect 0 "options after the routine" -- "$BACKCOACH" --config "$TEST_DATA/render-small.ini" script -nS
contains "$tmp/out" "^[0-9]* [0-9]* " "script -nS: times in samples"

# list --routines / --exercises: the names alone, as list shows them.
expect 0 "list -r" -- "$BACKCOACH" list -r
cp "$tmp/out" "$tmp/names-r"
expect 0 "list --exercises" -- "$BACKCOACH" list --exercises
cp "$tmp/out" "$tmp/names-e"
expect 0 "list -re" -- "$BACKCOACH" list -re
cat "$tmp/names-r" "$tmp/names-e" >"$tmp/names-both"
"$BACKCOACH" list | awk -v r="$tmp/list-r" -v e="$tmp/list-e" '
	/^Routines:/ { f = r; next } /^Exercises:/ { f = e; next }
	/^  [^ ]/ { print $1 >f }'
count=$((count + 1))
if cmp -s "$tmp/names-r" "$tmp/list-r" && cmp -s "$tmp/names-e" "$tmp/list-e" &&
	cmp -s "$tmp/out" "$tmp/names-both" && [ -s "$tmp/names-r" ] && [ -s "$tmp/names-e" ]; then
	echo "ok: list -r, -e and -re name what list lists"
else
	echo "FAIL: list -r/-e/-re differ from list"; failures=$((failures + 1))
fi

## backcoach(1) ENVIRONMENT names every variable the program reads:
## getenv("X"), util_env_add_prop("X", ...) and the D-Bus addresses.
if [ -n "${TOP_SRCDIR:-}" ]; then
	vars=$(cat "$TOP_SRCDIR"/src/*/*.c | grep -oE '(getenv|util_env_add_prop)\("[A-Z_]+"|"DBUS_[A-Z_]+_ADDRESS"' |
		grep -oE '[A-Z][A-Z_]+' | sort -u)
	sed -n '/^\.SH ENVIRONMENT/,/^\.SH /p' "$TOP_SRCDIR/man/backcoach.1" >"$tmp/env"
	missing=
	for v in $vars; do
		grep -qE "^\.BR? ([A-Z_]+ \", \" )?$v( |\$)" "$tmp/env" || missing="$missing $v"
	done
	count=$((count + 1))
	if [ -z "$missing" ] && [ "$(echo "$vars" | wc -w)" -ge 10 ]; then
		echo "ok: backcoach(1) ENVIRONMENT names all $(echo "$vars" | wc -w) variables read"
	else
		echo "FAIL: backcoach(1) ENVIRONMENT does not name:$missing"; failures=$((failures + 1))
	fi
fi

expect 0 "check the built-in default" -- "$BACKCOACH" check
contains "$tmp/out" "(built-in): OK" "check says which file"
expect 0 "check a good file" -- "$BACKCOACH" check "$TEST_DATA/render-small.ini"
expect 0 "check --config after the command" -- "$BACKCOACH" check --config "$TEST_DATA/render-small.ini"
printf '[coach]\nrate = 9000\n[nonsense]\n' >"$tmp/bad.ini"
expect 78 "check a bad file" -- "$BACKCOACH" check "$tmp/bad.ini"
contains "$tmp/err" "$tmp/bad.ini:2: " "errors say FILE:LINE"
contains "$tmp/err" "$tmp/bad.ini:3: " "all errors are reported"
expect 78 "check a missing file" -- "$BACKCOACH" check "$tmp/nope.ini"
count=$((count + 1))
if [ "$(wc -l <"$tmp/err")" -eq 1 ]; then echo "ok: missing file is one line"; else
	echo "FAIL: missing file gives $(wc -l <"$tmp/err") lines"; failures=$((failures + 1)); fi
expect 78 "a bad config stops render too" -- "$BACKCOACH" --config "$tmp/bad.ini" render -o "$tmp/x.wav"

# Breath words that cannot fit their phase: check compiles every routine at
# the configured voice and names FILE:LINE, exercise, phase and lengths.
expect 78 "check: breath words too long for their phase" -- \
	sh -c 'cd "$TEST_DATA" && exec "$BACKCOACH" check misfit-cue.ini'
count=$((count + 1))
if cmp -s "$tmp/err" "$TEST_DATA/misfit-cue.expected"; then
	echo "ok: check names each misfit as in misfit-cue.expected"
else
	echo "FAIL: check's misfit messages differ from misfit-cue.expected:"
	diff "$TEST_DATA/misfit-cue.expected" "$tmp/err" | sed 's/^/  /' | head -10
	failures=$((failures + 1))
fi
expect 1 "render fails on words that cannot fit" -- \
	"$BACKCOACH" --config "$TEST_DATA/misfit-cue.ini" render shrugs -o "$tmp/x.wav"
contains "$tmp/err" "misfit-cue.ini:16: exercise shrug, exhale: " "render names the misfit"
count=$((count + 1))
if [ ! -e "$tmp/x.wav" ]; then echo "ok: no file from a failed render"; else
	echo "FAIL: a failed render left $tmp/x.wav"; failures=$((failures + 1)); fi

# The script: one line per cue; --samples gives sample numbers.
expect 0 "script the default routine" -- "$BACKCOACH" script
contains "$tmp/out" "^# desk-break: Desk break; " "script names the routine"
contains "$tmp/out" "^0:00.000 .* chime   start " "script starts with the chime"
contains "$tmp/out" " speech  next  *Next: Chair backrest stretch\\. " "script has the next announcement"
contains "$tmp/out" " breath  inhale  *calm$" "script has breath phases"
contains "$tmp/out" " beat    accent" "script has beats"
expect 0 "script --samples" -- "$BACKCOACH" script desk-break --samples
contains "$tmp/out" "^0          [0-9]* *step" "script --samples counts samples"
expect 0 "script --notice" -- "$BACKCOACH" script desk-break --notice
contains "$tmp/out" "^0:00.000 .* speech  notice  *A word on safety" "script --notice begins with the notice"
contains "$tmp/out" " speech  tones  *About the sounds" "script --notice explains the tones"
expect 66 "script of an unknown routine" -- "$BACKCOACH" script no-such-routine
expect 64 "script with two routines" -- "$BACKCOACH" script desk-break floor

# Subtitles beside the audio: WebVTT, one cue per speech line of the script.
expect 0 "render --subtitles" -- "$BACKCOACH" --config "$TEST_DATA/render-small.ini" \
	render -o "$tmp/s.wav" --subtitles "$tmp/s.vtt"
"$BACKCOACH" --config "$TEST_DATA/render-small.ini" script >"$tmp/script" 2>&1
count=$((count + 1))
if head -1 "$tmp/s.vtt" | grep -qx WEBVTT &&
	[ "$(grep -c -- ' --> ' "$tmp/s.vtt")" -eq "$(grep -c ' speech ' "$tmp/script")" ] &&
	grep -q '^00:00:0[0-9]\.[0-9][0-9][0-9] --> 00:00:0[0-9]\.[0-9][0-9][0-9]$' "$tmp/s.vtt" &&
	grep -qx 'A short test\.' "$tmp/s.vtt"; then
	echo "ok: subtitles: WebVTT, a cue per speech line"
else
	echo "FAIL: subtitles:"; head -12 "$tmp/s.vtt" | sed 's/^/  /'
	failures=$((failures + 1))
fi
# Each subtitle at the script's times, with its words.
awk '$3 == "speech" { print $1 }' "$tmp/script" | while read -r t; do
	m=${t%%:*} rest=${t#*:}
	printf '00:%02d:%s -->\n' "$m" "$rest"
done >"$tmp/starts"
count=$((count + 1))
if [ -s "$tmp/starts" ] && [ "$(grep -cFf "$tmp/starts" "$tmp/s.vtt")" -eq "$(wc -l <"$tmp/starts")" ]; then
	echo "ok: subtitles start where the script's speech starts"
else
	echo "FAIL: subtitles and script disagree"; failures=$((failures + 1))
fi
expect 1 "render --subtitles into a missing directory" -- "$BACKCOACH" \
	--config "$TEST_DATA/render-small.ini" render -o "$tmp/t.wav" --subtitles "$tmp/no/s.vtt"
count=$((count + 1))
if [ ! -e "$tmp/t.wav" ]; then echo "ok: no audio without its subtitles"; else
	echo "FAIL: audio left without subtitles"; failures=$((failures + 1)); fi
# The subtitles' temporary file is created afresh: a FIFO or a symlink at
# its name is refused (not waited on, not followed); a leftover file goes.
mkfifo "$tmp/f.vtt.tmp"
expect 1 "render --subtitles: a FIFO at FILE.tmp refused, not waited on" -- timeout -k 5 20 \
	"$BACKCOACH" --config "$TEST_DATA/render-small.ini" render -o "$tmp/f.wav" \
	--subtitles "$tmp/f.vtt"
contains "$tmp/err" "f.vtt.tmp: not a regular file" "the FIFO: FILE.tmp and what it is"
count=$((count + 1))
if [ -p "$tmp/f.vtt.tmp" ] && [ ! -e "$tmp/f.vtt" ] && [ ! -e "$tmp/f.wav" ]; then
	echo "ok: the FIFO left alone, nothing written"
else
	echo "FAIL: the FIFO replaced, or something written"; failures=$((failures + 1))
fi
ln -s "$tmp/target" "$tmp/l.vtt.tmp"
expect 1 "render --subtitles: a symlink at FILE.tmp refused, not followed" -- \
	"$BACKCOACH" --config "$TEST_DATA/render-small.ini" render -o "$tmp/l.wav" \
	--subtitles "$tmp/l.vtt"
contains "$tmp/err" "l.vtt.tmp: is a symbolic link, not a file" "the symlink: FILE.tmp and what it is"
count=$((count + 1))
if [ ! -e "$tmp/target" ] && [ -L "$tmp/l.vtt.tmp" ] && [ ! -e "$tmp/l.vtt" ]; then
	echo "ok: nothing written through the symlink"
else
	echo "FAIL: written through the symlink"; failures=$((failures + 1))
fi
echo "left over" >"$tmp/r.vtt.tmp"
expect 0 "render --subtitles: a leftover FILE.tmp replaced" -- \
	"$BACKCOACH" --config "$TEST_DATA/render-small.ini" render -o "$tmp/r.wav" \
	--subtitles "$tmp/r.vtt"
count=$((count + 1))
if head -1 "$tmp/r.vtt" | grep -qx WEBVTT && [ ! -e "$tmp/r.vtt.tmp" ]; then
	echo "ok: the subtitles written, the leftover gone"
else
	echo "FAIL: the leftover FILE.tmp"; failures=$((failures + 1))
fi
mkdir -p "$XDG_CONFIG_HOME/backcoach"
cp "$tmp/bad.ini" "$XDG_CONFIG_HOME/backcoach/backcoach.ini"
expect 78 "the user's config is found in XDG_CONFIG_HOME" -- "$BACKCOACH" check
rm "$XDG_CONFIG_HOME/backcoach/backcoach.ini"

cfg="--config $TEST_DATA/render-small.ini"
# shellcheck disable=SC2086
expect 66 "render an unknown routine" -- "$BACKCOACH" $cfg render nope -o "$tmp/x.wav"
contains "$tmp/err" "small" "the error lists the routines there are"
# shellcheck disable=SC2086
expect 0 "render to wav" -- "$BACKCOACH" $cfg render small -o "$tmp/s.wav"
contains "$tmp/out" "s.wav" "render names the file it wrote"
count=$((count + 1))
if [ -s "$tmp/s.wav" ] && [ "$(find "$tmp" -name '.s.wav*' | wc -l)" -eq 0 ]; then
	echo "ok: the wav is there, no temporary file left"
else echo "FAIL: wav missing or temporary left"; failures=$((failures + 1)); fi
# shellcheck disable=SC2086
expect 1 "render to an unknown format" -- "$BACKCOACH" $cfg render -o "$tmp/s.mp3"
count=$((count + 1))
if [ ! -e "$tmp/s.mp3" ]; then echo "ok: no file for a failed render"; else
	echo "FAIL: failed render left a file"; failures=$((failures + 1)); fi
expect 64 "render without -o" -- "$BACKCOACH" render

# `check` speaks every line the config can say: a line the synthesiser cannot
# speak is named by FILE:LINE (exit 78), once; `list` shows the routine that
# cannot play, and why.
expect 78 "check a line that cannot be spoken" -- "$BACKCOACH" check "$TEST_DATA/speech-crash.ini"
contains "$tmp/err" "speech-crash.ini:10: \"word's's's" "the unspeakable line is named by FILE:LINE"
contains "$tmp/err" "cannot be spoken (routine crash, voice en-us+calm): speech synthesiser crashed" \
	"check says what failed"
count=$((count + 1))
if [ "$(grep -c "cannot be spoken" "$tmp/err")" -eq 1 ]; then echo "ok: reported once"
else echo "FAIL: reported $(grep -c "cannot be spoken" "$tmp/err") times"; failures=$((failures + 1)); fi
expect 1 "list with a routine that cannot play" -- "$BACKCOACH" --config "$TEST_DATA/speech-crash.ini" list
contains "$tmp/out" "^  crash  *-  Crash test (default)" "list shows the routine"
contains "$tmp/out" "cannot be played: routine crash, exercise crash-hold: speech synthesiser crashed" \
	"list says why it cannot play"
contains "$tmp/out" "^  floor " "list shows the other routines"
expect 0 "check says how many lines it spoke" -- "$BACKCOACH" check "$TEST_DATA/render-small.ini"
contains "$tmp/out" "render-small.ini: OK (.* routines, .* exercises, [0-9]* lines spoken)" \
	"check says how many lines it spoke"

# A FIFO named as the metronome sound: `check` answers at once with
# FILE:LINE instead of waiting for a writer that never comes.
mkdir -p "$tmp/fifo" && mkfifo "$tmp/fifo/tick.wav"
printf '[metronome]\nsound = tick.wav\n' >"$tmp/fifo/backcoach.ini"
expect 78 "check with a FIFO as the sound file" -- \
	timeout 10 "$BACKCOACH" check "$tmp/fifo/backcoach.ini"
contains "$tmp/err" "backcoach.ini:2: sound: \"$tmp/fifo/tick.wav\": not a regular file" \
	"the FIFO is refused with FILE:LINE"

# Is process $1 writing a file in directory $2? The file being rendered has
# no name (O_TMPFILE: /proc shows "DIR/#INODE (deleted)"), or a hidden one
# where the filesystem cannot do that.
writing_in() {
	for fd in /proc/"$1"/fd/*; do
		case $(readlink "$fd" 2>/dev/null) in "$2"/*) return 0 ;; esac
	done
	return 1
}

# render_signal SIGNAL CODE: a render half-way through gets SIGNAL, exits
# with CODE (128 + the signal's number) and leaves nothing behind. Started
# with every signal at its default (a shell starts background jobs with
# SIGINT and SIGQUIT ignored), as from a terminal.
render_signal() {
	rm -rf "$tmp/sig" && mkdir "$tmp/sig"
	env --default-signal "$BACKCOACH" --config "$TEST_DATA/render-long.ini" render -o "$tmp/sig/long.flac" \
		>/dev/null 2>"$tmp/sig.err" &
	pid=$!
	i=0
	while [ $i -lt 200 ] && ! writing_in $pid "$tmp/sig"; do
		sleep 0.05; i=$((i + 1))
	done
	kill -"$1" $pid
	wait $pid
	code=$?
	count=$((count + 1))
	left=$(ls -A "$tmp/sig")
	if [ $i -lt 200 ] && [ $code -eq "$2" ] && [ -z "$left" ]; then
		echo "ok: render interrupted by SIG$1 (exit $code) left no file"
	else
		echo "FAIL: render and SIG$1: waited $i, exit $code (expected $2), left: $left"
		sed 's/^/  stderr: /' "$tmp/sig.err" | head -5
		failures=$((failures + 1))
	fi
}

# Ctrl-C half-way through a render leaves nothing behind; so does every
# other signal that ends the process, each named as what stopped it.
render_signal INT 130
contains "$tmp/sig.err" "long.flac: interrupted by SIGINT, no file written" "SIGINT is named"
render_signal TERM 130
for sig in HUP:1 QUIT:3 USR1:10 PIPE:13 ALRM:14 XCPU:24; do
	num=${sig#*:} sig=${sig%:*}
	render_signal $sig $((128 + num))
	contains "$tmp/sig.err" "interrupted by SIG$sig, no file written" "SIG$sig is named"
done
# SIGKILL cannot be caught: the file has no name until it is complete.
render_signal KILL 137
# A closed terminal under nohup: SIGHUP is ignored, the render completes.
rm -rf "$tmp/sig" && mkdir "$tmp/sig"
nohup "$BACKCOACH" --config "$TEST_DATA/render-small.ini" render -o "$tmp/sig/s.wav" \
	>/dev/null 2>&1 &
pid=$!
i=0
while [ $i -lt 200 ] && ! writing_in $pid "$tmp/sig"; do sleep 0.01; i=$((i + 1)); done
kill -HUP $pid 2>/dev/null
wait $pid
code=$?
count=$((count + 1))
if [ $code -eq 0 ] && [ -s "$tmp/sig/s.wav" ]; then echo "ok: nohup render ignores SIGHUP"
else echo "FAIL: nohup render: exit $code"; failures=$((failures + 1)); fi

# The file size limit (ulimit -f) is a write error, reported as one, with no
# file left; not a crashed synthesiser (eSpeak NG's audio setup in the
# worker also meets the limit).
rm -rf "$tmp/sig" && mkdir "$tmp/sig"
expect 1 "render over the file size limit" -- sh -c \
	"ulimit -f 100 && exec \"\$0\" --config \"\$1\" render -o \"\$2\"" \
	"$BACKCOACH" "$TEST_DATA/render-long.ini" "$tmp/sig/long.wav"
contains "$tmp/err" "long.wav: write failed: File too large" "the file size limit is named"
count=$((count + 1))
if grep -q "crashed" "$tmp/err" || [ -n "$(ls -A "$tmp/sig")" ]; then
	echo "FAIL: file size limit: $(cat "$tmp/err"); left: $(ls -A "$tmp/sig")"
	failures=$((failures + 1))
else echo "ok: file size limit: no crash reported, no file left"; fi

# shellcheck disable=SC2086
expect 0 "list" -- "$BACKCOACH" $cfg list
contains "$tmp/out" "small" "list shows the routines"
contains "$tmp/out" "Shoulder rolls" "list shows the exercises"
contains "$tmp/out" "[0-9]s" "list shows durations"

expect 0 "voices" -- "$BACKCOACH" voices
contains "$tmp/out" "calm" "voices lists the shipped variants"

# No sound output at all (no sound server, no ALSA device): play says so in
# plain words and what to do, and render still works.
: >"$tmp/no-alsa.conf"
mkdir -p "$tmp/norun" && chmod 700 "$tmp/norun"
expect 1 "play with no sound output" -- env PULSE_SERVER="unix:$tmp/no-server" \
	ALSA_CONFIG_PATH="$tmp/no-alsa.conf" XDG_RUNTIME_DIR="$tmp/norun" \
	"$BACKCOACH" --config "$TEST_DATA/daemon-short.ini" play
contains "$tmp/err" "no sound output: there is no output device, or no sound server" \
	"no sound output: says what is wrong"
contains "$tmp/err" "pactl info" "no sound output: says how to check"
contains "$tmp/err" "backcoach render" "no sound output: render works without one"
expect 0 "render with no sound output" -- env PULSE_SERVER="unix:$tmp/no-server" \
	ALSA_CONFIG_PATH="$tmp/no-alsa.conf" \
	"$BACKCOACH" --config "$TEST_DATA/render-small.ini" render -o "$tmp/nosound.wav"

# The record of the day is read as regular files only: a FIFO at day.log
# (no writer ever comes), a symlink to one, a directory, a FIFO at the
# rotated day.log.1: `stats` answers at once, names the file and what it
# is, and exits 1; what the other file holds is still counted.
sd=$tmp/state/backcoach
mkdir -p "$sd" && mkfifo "$tmp/fifo/log"
stats_refused() { # WHAT SETUP...: day.log made by SETUP, then stats
	_what=$1; shift
	rm -rf "$sd/day.log" "$sd/day.log.1"
	"$@"
	expect 1 "stats with $_what" -- timeout 10 "$BACKCOACH" stats
	contains "$tmp/err" "day.log.*: \(not a regular file\|is a directory\)" \
		"stats with $_what: names the file and what it is"
}
stats_refused "a FIFO at day.log" mkfifo "$sd/day.log"
stats_refused "a symlink to a FIFO at day.log" ln -s "$tmp/fifo/log" "$sd/day.log"
stats_refused "a directory at day.log" mkdir "$sd/day.log"
stats_refused "a FIFO at day.log.1" sh -c 'mkfifo "$1.1" &&
	echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) session desk completed 3/3 skipped=0 exercised=200" >"$1"' \
	_ "$sd/day.log"
contains "$tmp/err" "day.log.1: not a regular file" "stats: the FIFO named is day.log.1"
contains "$tmp/out" "^sessions: .*1 completed" "stats: day.log still counted beside a FIFO day.log.1"
rm -rf "$sd/day.log" "$sd/day.log.1"

echo "$((count - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
