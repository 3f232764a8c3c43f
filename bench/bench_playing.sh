#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# bench_playing.sh: what a session costs the daemon (#17), each figure beside
# its floor measured in the same run, per sound server (BENCH_SERVERS,
# "pulseaudio pipewire"; tests/pulse.sh starts each privately):
#   1. trigger -> first sound: SIGUSR1 to the daemon (default config: its
#      [audio] latency, read from `status -v`) against bench/pa_floor at the
#      same latency (PortAudio initialised; opens the default output on
#      SIGUSR1, starts, plays; a fair floor: the server's buffer is the
#      same size), interleaved, BENCH_TRIALS (7) each, tests/pa_probe
#      (sample-accurate), medians (and means); target <= 1.3x the floor. The probe
#      records in fragments of BENCH_FRAG ms (1): PulseAudio's null sink
#      then plays in 1 ms steps, which the onsets fall on (with pa_probe's
#      2 ms default, a 2 ms floor and a start 0.5 ms later read 2.0 and
#      4.0 ms: 1x or 2x by where the step fell);
#   2. CPU while playing: the daemon (all its threads, its speech worker and
#      the processes that synthesise) over BENCH_PLAY_S (20) s of the default
#      routine, 2 s after the start, against paplay of the same routine
#      rendered to a file (`backcoach render`), the same seconds,
#      interleaved, BENCH_CPU_TRIALS (3) each, medians; target <= 2x. And the
#      feeding thread's wakeups (bc-feed: it mixes and fills the queue) per
#      second: target <= 20; beside it, the wakeups and CPU of each thread
#      that carries the audio (bc-audio, PortAudio's callback; threaded-ml,
#      the ALSA pulse plugin's libpulse thread). The daemon runs as a user runs
#      it: its speech cache on disk ($XDG_CACHE_HOME/backcoach/speech, in
#      the bench's directory) starts empty and is filled by the daemon
#      itself (what it synthesises as it prepares and measures routines and
#      plays); its size and entries are printed after the trials;
# then once, without a server:
#   3. render CPU: `backcoach render full` against espeak-ng synthesising the
#      same words (each utterance the render speaks, once, as the render
#      synthesises it), with the same voice variant, rate and pitch, user +
#      system time of each with its children, medians of BENCH_TRIALS;
#      target <= 1.5x. Each render with an empty speech cache (a fresh
#      XDG_CACHE_HOME): it synthesises every word, as espeak-ng does. Beside
#      it, the same render again with the cache it filled (what a later
#      render costs).
# Figures, not pass/fail. Needs BACKCOACH, TOP_SRCDIR; installs espeak-ng
# (the command) when missing, as root (bootstrap.sh installs it).
set -u
: "${BACKCOACH:?}" "${TOP_SRCDIR:?}"
BUILD=$(dirname "$BACKCOACH")/..
PA_FLOOR=${PA_FLOOR:-$BUILD/bench/pa_floor}
PA_PROBE=${PA_PROBE:-$BUILD/tests/pa_probe}
PLAY_S=${BENCH_PLAY_S:-20}
SERVERS=${BENCH_SERVERS:-pulseaudio pipewire}
N=${BENCH_TRIALS:-7}
CPU_N=${BENCH_CPU_TRIALS:-3}
for t in "$PA_FLOOR" "$PA_PROBE"; do
	[ -x "$t" ] || { echo "bench_playing.sh: $t not built (make bench)"; exit 1; }
done

median() { sort -n | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)]; else print "-" }'; }
mean() { awk '{ s += $1 } END { if (NR) printf "%.2f\n", s / NR; else print "-" }'; }
list() { tr '\n' ' ' <"$1" | sed 's/ $//'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "-" && b != "-" && b > 0) printf "%.2f", a / b; else print "-" }'; }
hz=$(getconf CLK_TCK)
# cpu_ms PID...: CPU time of the processes, every thread (schedstat, ns),
# and of their children reaped so far (clock ticks: the speech worker's
# synthesising processes), in ms.
cpu_ms() {
	{
		for _p in "$@"; do
			cat /proc/"$_p"/task/*/schedstat 2>/dev/null | awk '{ print $1 / 1e6 }'
			awk -v hz="$hz" '{ print ($16 + $17) * 1000 / hz }' "/proc/$_p/stat" 2>/dev/null
		done
	} | awk '{ s += $1 } END { printf "%.1f\n", s }'
}
# The daemon and its children (the speech worker).
family() {
	echo "$DPID"
	cat /proc/"$DPID"/task/*/children 2>/dev/null
}
# thread_figures NAME: "SWITCHES CPU_MS" of the daemon's threads named NAME
# (context switches, and CPU time from schedstat), "- -" when none.
thread_figures() {
	_sw=0
	_ms=0
	_n=0
	for _t in /proc/"$DPID"/task/*; do
		[ "$(cat "$_t/comm" 2>/dev/null)" = "$1" ] || continue
		_sw=$((_sw + $(awk '$1 ~ /ctxt_switches:/ { s += $2 } END { print s + 0 }' "$_t/status")))
		_ms=$(awk -v a="$_ms" '{ printf "%.2f", a + $1 / 1e6 }' "$_t/schedstat")
		_n=$((_n + 1))
	done
	if [ $_n -gt 0 ]; then echo "$_sw $_ms"; else echo "- -"; fi
}
# The threads that carry a playing session's audio: PortAudio's callback
# thread (it copies from the queue to ALSA), the session's feeding thread
# (it mixes and fills the queue), and the ALSA pulse plugin's libpulse
# thread (it sends to the server). Sorted, for join.
THREADS="bc-audio bc-feed threaded-ml"
thread_snap() {
	for _n in $THREADS; do
		echo "$_n $(thread_figures "$_n")"
	done
}

if ! command -v espeak-ng >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "installing espeak-ng (apt-get)"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q espeak-ng >/dev/null 2>&1
fi

for server in $SERVERS; do
	(
		BC_SERVER=$server
		export BC_SERVER
		. "$TOP_SRCDIR/bench/benchlib.sh"
		daemon_setup
		printf '[reminders]\nenabled = yes\ninterval = 1h\nactive_hours = always\ndays = all\n' \
			>"$T/bench.ini"
		daemon_start "$T/bench.ini" || exit 1
		sleep 1
		# The daemon's stream latency: the floor's too.
		LAT=$("$BACKCOACH" status -v | sed -n 's/^latency: \([0-9]*\) ms.*/\1/p')
		echo "== $PA_SERVER_NAME: 1. trigger -> first sound, $N trials each, interleaved, load $(cut -d ' ' -f 1 /proc/loadavg)"
		: >"$T/lat"
		: >"$T/floor"
		i=0
		while [ $i -lt "$N" ]; do
			"$PA_PROBE" -T -50 --fragment "${BENCH_FRAG:-1}" --pid "$DPID" -s USR1@0.5 -t 2 >"$T/probe" 2>/dev/null
			sed -n 's/^event1_onset_ms=//p' "$T/probe" | grep -v '^-1' >>"$T/lat"
			"$BACKCOACH" stop >/dev/null 2>&1
			wait_status "^state: idle" 5
			sleep 0.3
			# A tone longer than the device buffer: one handed out in
			# the priming burst and ended is dropped by the stop.
			"$PA_FLOOR" --seconds 3 --latency "$LAT" >"$T/floor.out" 2>/dev/null &
			fp=$!
			k=0
			until grep -q '^ready' "$T/floor.out" 2>/dev/null || [ $k -gt 500 ]; do
				k=$((k + 1))
				sleep 0.01
			done
			"$PA_PROBE" -T -50 --fragment "${BENCH_FRAG:-1}" --pid "$fp" -s USR1@0.5 -t 2 >"$T/probe" 2>/dev/null
			sed -n 's/^event1_onset_ms=//p' "$T/probe" | grep -v '^-1' >>"$T/floor"
			kill "$fp" 2>/dev/null
			wait "$fp" 2>/dev/null
			i=$((i + 1))
		done
		lat=$(median <"$T/lat")
		fl=$(median <"$T/floor")
		echo "  backcoach: median $lat ms ($(list "$T/lat"))"
		echo "  floor:     median $fl ms ($(list "$T/floor"))  bench/pa_floor --latency $LAT (the daemon's latency, ms)"
		echo "  ratio: $(ratio "$lat" "$fl") (target <= 1.3)"
		# The onsets fall on the null sink's 1 ms steps: a median moves by a
		# whole step when a start comes a fraction of one later. The means
		# (of interleaved trials, whose phase to the steps is random) see
		# the fraction.
		echo "  means: backcoach $(mean <"$T/lat") ms, floor $(mean <"$T/floor") ms, ratio $(ratio "$(mean <"$T/lat")" "$(mean <"$T/floor")")"

		echo "== $PA_SERVER_NAME: 2. CPU while playing, $PLAY_S s of the default routine ([audio] latency $LAT ms), $CPU_N trials each, interleaved"
		# (With a speech cache of its own: the daemon's fills itself.)
		XDG_CACHE_HOME=$T/render-cache "$BACKCOACH" render -o "$T/routine.wav" >/dev/null 2>&1
		: >"$T/cpu.bc"
		: >"$T/cpu.pa"
		rm -f "$T"/wake.* "$T"/ms.*
		: >"$T/cpu.load"
		i=0
		while [ $i -lt "$CPU_N" ]; do
			cut -d ' ' -f 1 /proc/loadavg >>"$T/cpu.load"
			"$BACKCOACH" start >/dev/null 2>&1
			wait_status "^state: playing" 5
			sleep 2
			c0=$(cpu_ms $(family))
			thread_snap >"$T/threads0"
			sleep "$PLAY_S"
			c1=$(cpu_ms $(family))
			thread_snap >"$T/threads1"
			"$BACKCOACH" stop >/dev/null 2>&1
			wait_status "^state: idle" 5
			paplay "$T/routine.wav" &
			pp=$!
			sleep 2
			p0=$(cpu_ms $pp)
			sleep "$PLAY_S"
			p1=$(cpu_ms $pp)
			kill $pp 2>/dev/null
			wait $pp 2>/dev/null
			awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.1f\n", b - a }' >>"$T/cpu.bc"
			awk -v a="$p0" -v b="$p1" 'BEGIN { printf "%.1f\n", b - a }' >>"$T/cpu.pa"
			# Per thread: wakeups/s and CPU ms over the seconds measured.
			join "$T/threads0" "$T/threads1" | awk -v s="$PLAY_S" -v d="$T" '
				$2 != "-" && $4 != "-" {
					printf "%.1f\n", ($4 - $2) / s >>(d "/wake." $1)
					printf "%.1f\n", $5 - $3 >>(d "/ms." $1)
				}'
			i=$((i + 1))
		done
		bc=$(median <"$T/cpu.bc")
		pa=$(median <"$T/cpu.pa")
		echo "  backcoach: median $bc ms CPU ($(list "$T/cpu.bc")) (daemon, speech worker and its processes)"
		echo "  paplay:    median $pa ms CPU ($(list "$T/cpu.pa")) (the same routine rendered to a file)"
		echo "  ratio: $(ratio "$bc" "$pa") (target <= 2); load average $(list "$T/cpu.load")"
		if [ -s "$T/wake.bc-feed" ]; then
			echo "  feeding thread (bc-feed): median $(median <"$T/wake.bc-feed") wakeups/s ($(list "$T/wake.bc-feed")) (target <= 20)"
		else
			echo "  feeding thread: not found (bc-feed)"
		fi
		for th in $THREADS; do
			[ -s "$T/wake.$th" ] || continue
			echo "    $th: median $(median <"$T/wake.$th") wakeups/s, $(median <"$T/ms.$th") ms CPU ($(list "$T/ms.$th"))"
		done
		sc=${XDG_CACHE_HOME:-$HOME/.cache}/backcoach/speech
		echo "  speech cache (the daemon's, filled by itself): $(find "$sc" -maxdepth 1 -type f -name '????????????????' 2>/dev/null | wc -l) entries, $(du -sk "$sc" 2>/dev/null | cut -f 1) KiB in $sc"
		daemon_stop
	)
done

echo "== 3. render CPU: backcoach render full against espeak-ng, the same words, $N trials"
if ! command -v espeak-ng >/dev/null 2>&1; then
	echo "  espeak-ng not installed (apt-get install espeak-ng): not measured"
	exit 0
fi
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
export XDG_CONFIG_HOME="$W/config" XDG_STATE_HOME="$W/state" XDG_CACHE_HOME="$W/script-cache"
# The utterances the render speaks, each once (it synthesises each once),
# and the voice it speaks them with.
"$BACKCOACH" script full | awk '$3 == "speech"' |
	sed -E 's/^[^ ]+ +[^ ]+ +speech +[^ ]+ +//' | sort -u >"$W/words.txt"
voice=$("$BACKCOACH" script full | sed -n 's/^#.*; voice \([^,]*\), rate \([0-9]*\).*/\1 \2/p' | head -n 1)
lang=${voice% *}
rate=${voice#* }
# The default variant and pitch, from the settings table.
variant=$(sed -n 's/.*X(COACH, "voice", VARIANT, "\([^"]*\)".*/\1/p' "$TOP_SRCDIR/src/coach/settings_data.h")
pitch=$(sed -n 's/.*X(COACH, "pitch", INT, "\([0-9]*\)".*/\1/p' "$TOP_SRCDIR/src/coach/settings_data.h")
# espeak-ng with the variant: eSpeak NG's data, our variant beside its own.
sys=$(find /usr/lib /usr/share -maxdepth 3 -type d -name espeak-ng-data 2>/dev/null | head -n 1)
mkdir -p "$W/data"
cp -rs "$sys" "$W/data/espeak-ng-data" 2>/dev/null
[ -n "$variant" ] && [ -f "$TOP_SRCDIR/voices/$variant" ] &&
	cp "$TOP_SRCDIR/voices/$variant" "$W/data/espeak-ng-data/voices/!v/$variant"
ev=$lang${variant:++$variant}
# cpu CMD...: user + system ms of CMD and its children.
cpu() { (
	"$@" >/dev/null 2>&1
	times
) | tail -n 1 | awk '{ split($1, u, /[ms]/); split($2, s, /[ms]/); printf "%.0f\n", (u[1] * 60 + u[2] + s[1] * 60 + s[2]) * 1000 }'; }
: >"$W/r"
: >"$W/rw"
: >"$W/e"
i=0
while [ $i -lt "$N" ]; do
	# Cold: an empty speech cache, so every word is synthesised; then warm:
	# the same render reading what the first stored.
	rm -rf "$W/cache"
	cpu env XDG_CACHE_HOME="$W/cache" "$BACKCOACH" render full -o "$W/full.wav" >>"$W/r"
	cpu env XDG_CACHE_HOME="$W/cache" "$BACKCOACH" render full -o "$W/full.wav" >>"$W/rw"
	cpu espeak-ng --path="$W/data" -v "$ev" -s "$rate" -p "$pitch" -w "$W/e.wav" -f "$W/words.txt" >>"$W/e"
	i=$((i + 1))
done
r=$(median <"$W/r")
rw=$(median <"$W/rw")
e=$(median <"$W/e")
echo "  backcoach render full: median $r ms ($(list "$W/r")) (an empty speech cache: synthesising every word)"
echo "  the same, its speech cache filled: median $rw ms ($(list "$W/rw")), $(ratio "$rw" "$e") of espeak-ng's"
echo "  espeak-ng -v $ev -s $rate -p $pitch, $(wc -l <"$W/words.txt") utterances: median $e ms ($(list "$W/e"))"
echo "  ratio: $(ratio "$r" "$e") (target <= 1.5)"
