#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# sink_pa.sh: the PortAudio sink's timing, the figures tests/audio/
# test_sink_pa.sh shows but does not assert (it asserts what is heard).
# tests/pa_play drives the sink, tests/pa_probe records the null sink's
# monitor and signals it at known sample positions (sample-accurate from the
# signal; see pa_probe.c). Per sound server (BENCH_SERVERS, "pulseaudio
# pipewire"), quiet and then beside `stress-ng --cpu 4` (BENCH_LOAD,
# "quiet stress"), BENCH_TRIALS (5) trials each, medians:
#   pause -> silent     SIGUSR1 (pause) until the monitor is silent and stays
#   resume -> sound     SIGUSR1 (resume) until the tone is heard again
#   stop -> silent      SIGUSR2 (fade-out) until silent
#   end tone -> silent  SIGUSR2 with --end-tone: fade, then 0.3 s of tone
#   skip -> heard       HUP (flush): tone heard after it (5 s tone)
# beside the floor, measured in the same run: bench/pa_floor --preopen at
# the same latency (a tone written into a running stream, through its full
# device buffer: what any PortAudio player waits before it is heard), and
# as a ratio to it. Then #17's figures against the PortAudio floors of the
# same moves (bench/pa_floor --abort, same latency, same signals):
#   pause -> silent     against Pa_AbortStream -> silent (target <= +15 ms)
#   resume -> sound     against Pa_StartStream -> sound (target <= +25 ms)
#   stop: tone gone     SIGUSR2 with --end-tone (the daemon's stop), until
#                       the tone is gone (pa_probe -g 1: the first sound's
#                       end), against Pa_AbortStream (target <= +15 ms); and
#   stop: end tone      until the end tone is heard
#   skip: old gone      HUP (flush): the tone, written again after the
#                       flush, heard apart from the old one (-g 1); the old
#                       one's end against Pa_AbortStream (<= +15 ms), the
#   skip: next heard    new one's start (target <= 60 ms) Then what the test only shows: holes (silences of 1 ms
# or more inside a sound) and glitches in a 3 s tone and in the paused one,
# the cycles the server itself missed meanwhile (xruns: PipeWire's graph,
# tests/pulse.sh's pa_xruns_heard; each leaves a hole that is not ours),
# and the sink's own underflows and dropouts in every run. Figures, not pass/fail. Needs
# BUILDDIR (the build tree, default .) and TOP_SRCDIR; stress-ng for the
# loaded runs (bootstrap.sh installs it).
set -u
: "${TOP_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
BUILDDIR=${BUILDDIR:-.}
TRIALS=${BENCH_TRIALS:-5}
SERVERS=${BENCH_SERVERS:-pulseaudio pipewire}
LOADS=${BENCH_LOAD:-quiet stress}
# The latency of every stream here, the sink's and the floors' alike (a
# fair floor: the server holds as much of each): BENCH_LATENCY (ms), else
# the default of [audio] latency (src/coach/settings_data.h).
LAT=${BENCH_LATENCY:-$(sed -n 's/.*X(AUDIO, "latency", DUR, "\([^"]*\)".*/\1/p' \
	"$TOP_SRCDIR/src/coach/settings_data.h" |
	awk '/ms$/ { print $0 + 0; exit } /s$/ { print ($0 + 0) * 1000; exit }')}
FLOOR=$BUILDDIR/bench/pa_floor
PROBE=$BUILDDIR/tests/pa_probe
PLAY=$BUILDDIR/tests/pa_play
for t in "$FLOOR" "$PROBE" "$PLAY"; do
	[ -x "$t" ] || { echo "sink_pa.sh: $t not built (make bench)"; exit 1; }
done

median() { sort -n | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)]; else print "-" }'; }
kv() { sed -n "s/^$2=//p" "$1" | head -n 1; }

# run NAME [pa_play args] -- [pa_probe args]: as test_sink_pa.sh's play.
run() {
	_n=$1
	shift
	_pa=
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		_pa="$_pa $1"
		shift
	done
	[ $# -gt 0 ] && shift
	_m=$(pa_xrun_mark)
	# shellcheck disable=SC2086
	"$PLAY" --wait --latency $LAT $_pa >"$W/$_n.play" 2>/dev/null &
	_p=$!
	_i=0
	until grep -q '^ready' "$W/$_n.play" 2>/dev/null || [ $_i -gt 1000 ]; do
		_i=$((_i + 1))
		sleep 0.01
	done
	"$PROBE" --pid $_p -s USR1@0.3 --until-exit --max 30 --tail 0.3 --freq 1000 "$@" \
		>"$W/$_n.probe"
	kill $_p 2>/dev/null
	wait $_p 2>/dev/null
	pa_xruns_heard "$_m" "$W/$_n.probe" >"$W/$_n.xruns"
}

# abort_floor: pa_floor --abort, tone at 0.3 s, Pa_AbortStream at 1.3 s,
# Pa_StartStream at 3.3 s: the pause and resume floors.
abort_floor() {
	# 6 s: the tone must outlast what the resume's priming burst hands
	# out (a latency and a period) after the 1 s played and the same
	# handed out before the pause.
	"$FLOOR" --abort --seconds 6 --latency $LAT >"$W/afloor.play" 2>/dev/null &
	_p=$!
	_i=0
	until grep -q '^ready' "$W/afloor.play" 2>/dev/null || [ $_i -gt 1000 ]; do
		_i=$((_i + 1))
		sleep 0.01
	done
	"$PROBE" --pid $_p -s USR1@0.3 -s USR1@1.3 -s USR1@3.3 --until-exit --max 12 --tail 0.2 \
		>"$W/afloor.probe"
	kill $_p 2>/dev/null
	wait $_p 2>/dev/null
	kv "$W/afloor.probe" event2_silent_ms >>"$W/f.abort"
	kv "$W/afloor.probe" event3_onset_ms >>"$W/f.start"
}

# cut_times NAME OUT_GONE OUT_NEXT: from a probe split at 1 ms gaps (-g 1),
# event2 -> the first sound's end (the old audio gone) and -> the second
# sound's start (the new audio heard); nothing when they did not come apart.
cut_times() {
	_t=$(kv "$W/$1.probe" event2_t)
	[ "$(kv "$W/$1.probe" sounds)" -ge 2 ] 2>/dev/null || return 0
	awk -v t="$_t" -v e="$(kv "$W/$1.probe" sound1_end_s)" 'BEGIN { printf "%.1f\n", (e - t) * 1000 }' >>"$2"
	awk -v t="$_t" -v e="$(kv "$W/$1.probe" sound2_start_s)" 'BEGIN { printf "%.1f\n", (e - t) * 1000 }' >>"$3"
}

# floor: pa_floor --preopen, SIGUSR1 -> first sound.
floor() {
	# 3 s: a tone that ends (paComplete) before its start reached the DAC
	# through the running stream's buffer of silence is never heard.
	"$FLOOR" --preopen --seconds 3 --latency $LAT >"$W/floor.play" 2>/dev/null &
	_p=$!
	_i=0
	until grep -q '^ready' "$W/floor.play" 2>/dev/null || [ $_i -gt 1000 ]; do
		_i=$((_i + 1))
		sleep 0.01
	done
	"$PROBE" --pid $_p -s USR1@0.5 --until-exit --max 10 --tail 0.2 >"$W/floor.probe"
	kill $_p 2>/dev/null
	wait $_p 2>/dev/null
	kv "$W/floor.probe" event1_onset_ms >>"$W/f.floor"
}

# Sum a key over every soundN_KEY of a probe, or a key of a play file.
sum_sounds() { sed -n "s/^sound[0-9]*_$2=//p" "$1" | awk '{ s += $1 } END { print s + 0 }'; }

trials() {
	for f in floor pause resume resumeat stop endtone skip holes glitches underflows dropouts \
		abort start stopgone stoptone skipgone skipnext xruns; do
		: >"$W/f.$f"
	done
	_k=0
	while [ $_k -lt "$TRIALS" ]; do
		floor
		run tone --seconds 3 --
		run pause --seconds 3 -- -s USR1@1.3 -s USR1@3.3
		kv "$W/pause.probe" event2_silent_ms >>"$W/f.pause"
		kv "$W/pause.probe" event3_onset_ms >>"$W/f.resume"
		# Where the resume went on from: tone heard in all against the 3 s
		# written, ms (+ heard twice, - lost).
		awk -v h="$(kv "$W/pause.probe" heard_s)" 'BEGIN { printf "%.1f\n", (h - 3) * 1000 }' >>"$W/f.resumeat"
		run fade --seconds 10 -- -s USR2@1.3
		kv "$W/fade.probe" event2_silent_ms >>"$W/f.stop"
		run endtone --seconds 10 --end-tone -- -s USR2@1.3 -g 300
		kv "$W/endtone.probe" event2_silent_ms >>"$W/f.endtone"
		run skip --seconds 5 -- -s HUP@1.3
		kv "$W/skip.probe" event2_heard_s >>"$W/f.skip"
		abort_floor
		run cutstop --seconds 10 --end-tone -- -s USR2@1.3 -g 1
		cut_times cutstop "$W/f.stopgone" "$W/f.stoptone"
		run cutskip --seconds 5 -- -s HUP@1.3 -g 1
		cut_times cutskip "$W/f.skipgone" "$W/f.skipnext"
		# Holes and glitches where the tone should run unbroken (a fade
		# or a flush makes its own); the sink's counts everywhere.
		for n in tone pause; do
			sum_sounds "$W/$n.probe" holes >>"$W/f.holes"
			sum_sounds "$W/$n.probe" glitches >>"$W/f.glitches"
			cut -d ' ' -f 1 "$W/$n.xruns" >>"$W/f.xruns"
		done
		for n in tone pause fade endtone skip; do
			kv "$W/$n.play" underflows >>"$W/f.underflows"
			kv "$W/$n.play" dropouts >>"$W/f.dropouts"
		done
		_k=$((_k + 1))
	done
	fl=$(median <"$W/f.floor")
	printf '  %-22s median %7s ms  (%s)\n' "floor (running stream)" "$fl" "$(tr '\n' ' ' <"$W/f.floor")"
	for f in pause:"pause -> silent" resume:"resume -> sound" stop:"stop -> silent" \
		endtone:"end tone -> silent"; do
		m=$(median <"$W/f.${f%%:*}")
		printf '  %-22s median %7s ms  %s x floor  (%s)\n' "${f#*:}" "$m" \
			"$(awk -v m="$m" -v f="$fl" 'BEGIN { if (f > 0) printf "%.1f", m / f; else print "-" }')" \
			"$(tr '\n' ' ' <"$W/f.${f%%:*}")"
	done
	printf '  %-22s median %7s s  (%s)\n' "skip: heard after" "$(median <"$W/f.skip")" "$(tr '\n' ' ' <"$W/f.skip")"
	printf '  %-22s median %7s ms  (%s)\n' "resume: heard - written" "$(median <"$W/f.resumeat")" "$(tr '\n' ' ' <"$W/f.resumeat")"
	ab=$(median <"$W/f.abort")
	st=$(median <"$W/f.start")
	echo "  #17, against PortAudio's own (bench/pa_floor --abort):"
	printf '  %-22s median %7s ms  (%s)\n' "floor: Pa_AbortStream" "$ab" "$(tr '\n' ' ' <"$W/f.abort")"
	printf '  %-22s median %7s ms  (%s)\n' "floor: Pa_StartStream" "$st" "$(tr '\n' ' ' <"$W/f.start")"
	for f in "pause|pause -> silent|abort|15" "resume|resume -> sound|start|25" \
		"stopgone|stop: tone gone|abort|15" "skipgone|skip: old gone|abort|15"; do
		_k=${f%%|*} _r=${f#*|}
		_name=${_r%%|*} _r=${_r#*|}
		_fl=$(median <"$W/f.${_r%%|*}")
		m=$(median <"$W/f.$_k")
		printf '  %-22s median %7s ms  %s (target <= +%s ms)  (%s)\n' "$_name" "$m" \
			"$(awk -v m="$m" -v f="$_fl" 'BEGIN { if (m != "-" && f != "-" && f > 0) printf "%.1fx floor, %+.1f ms", m / f, m - f; else print "-" }')" \
			"${_r#*|}" "$(tr '\n' ' ' <"$W/f.$_k")"
	done
	printf '  %-22s median %7s ms  (%s)\n' "stop: end tone heard" "$(median <"$W/f.stoptone")" "$(tr '\n' ' ' <"$W/f.stoptone")"
	printf '  %-22s median %7s ms  (target <= 60 ms)  (%s)\n' "skip: next heard" "$(median <"$W/f.skipnext")" "$(tr '\n' ' ' <"$W/f.skipnext")"
	for f in holes:2 glitches:2 xruns:2 underflows:5 dropouts:5; do
		printf '  %-22s %s in %s runs (per run: %s)\n' "${f%:*}" \
			"$(awk '{ s += $1 } END { print s + 0 }' "$W/f.${f%:*}")" "$((TRIALS * ${f#*:}))" \
			"$(tr '\n' ' ' <"$W/f.${f%:*}")"
	done
}

for server in $SERVERS; do
	(
		BC_SERVER=$server
		export BC_SERVER
		. "$TOP_SRCDIR/tests/pulse.sh"
		pa_start 2>/dev/null
		W=$PA_DIR/w
		mkdir -p "$W"
		for load in $LOADS; do
			SP=
			if [ "$load" = stress ]; then
				command -v stress-ng >/dev/null 2>&1 ||
					{ echo "== $PA_SERVER_NAME, stress: stress-ng not installed (bootstrap.sh)"; continue; }
				stress-ng --cpu 4 --quiet >/dev/null 2>&1 &
				SP=$!
			fi
			echo "== $PA_SERVER_NAME, $load: sink_pa at $LAT ms, every floor at $LAT ms too, $TRIALS trials, load $(cut -d ' ' -f 1 /proc/loadavg)"
			trials
			if [ -n "$SP" ]; then
				kill "$SP" 2>/dev/null
				wait "$SP" 2>/dev/null
			fi
		done
	)
done
