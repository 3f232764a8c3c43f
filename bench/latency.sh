#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# latency.sh: trigger -> first audible sample, on a private PulseAudio and a
# private PipeWire (tests/pulse.sh; BENCH_SERVERS="pulseaudio pipewire"),
# measured by tests/pa_probe on the null sink's monitor
# (sample-accurate from the trigger; see pa_probe.c for the method). Figures,
# not pass/fail; medians of BENCH_TRIALS (7) runs:
#   floor, fresh       bench/pa_floor: Pa_Initialize done; on SIGUSR1 open the
#                      default output, start, play (the brief's floor). A new
#                      stream's buffer is empty, so its first sample goes out
#                      at once: this is open + start time, ~no buffering.
#   floor, running     bench/pa_floor --preopen: stream already running
#                      (silence); the tone queues behind a full device buffer.
#                      This is the floor for a daemon that keeps its stream
#                      open, at the same suggested latency.
#   sink_pa            tests/pa_play --wait: the PortAudio sink, opened (its
#                      stream stopped), tone written on SIGUSR1 (the daemon's
#                      path: the write that fills the queue starts the stream).
#   spd-say            speech-dispatcher (warmed up, same pulse server):
#                      `spd-say` started at the trigger -> first speech sample.
#   pipewire-alsa      on PipeWire, the same through PipeWire's ALSA plugin
#                      (ALSA's default on a PipeWire desktop; the default
#                      output avoids it): PortAudio device "pipewire". Where
#                      pipewire-alsa is not installed (it conflicts with
#                      pulseaudio), its plugin is fetched with `apt-get
#                      download` and unpacked privately (dpkg-deb -x) for
#                      this bench, used through a private ~/.asoundrc;
#                      nothing is installed.
# Each at PortAudio's low default latency and at 100 ms (the default was
# 100 ms; it is 1 s now, SINK_PA_LATENCY_MS: bench_playing.sh and sink_pa.sh
# measure the trigger there, against floors at the same latency).
# Excluded everywhere: the null sink's own buffer ("sink latency" below),
# which a sound card would add on top.
# Needs BUILDDIR (the build tree, default .) and TOP_SRCDIR.
set -u
: "${TOP_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
BUILDDIR=${BUILDDIR:-.}
TRIALS=${BENCH_TRIALS:-7}
FLOOR=$BUILDDIR/bench/pa_floor
PROBE=$BUILDDIR/tests/pa_probe
PLAY=$BUILDDIR/tests/pa_play
for t in "$FLOOR" "$PROBE" "$PLAY"; do
	[ -x "$t" ] || { echo "latency.sh: $t not built (make check / make bench)"; exit 1; }
done
SERVERS=${BENCH_SERVERS:-pulseaudio pipewire}

median() { sort -n | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)]; else print "-" }'; }

# trial OUT PROGRAM ARGS...: start PROGRAM, wait for "ready", signal it at
# 0.5 s of recording, append the onset (ms) to OUT.
trial() {
	_out=$1
	shift
	"$@" >"$W/prog" 2>/dev/null &
	_p=$!
	_i=0
	until grep -q '^ready' "$W/prog" 2>/dev/null || [ $_i -gt 500 ]; do
		_i=$((_i + 1))
		sleep 0.01
	done
	"$PROBE" -T -50 --pid $_p -s USR1@0.5 --until-exit --max 10 --tail 0.2 >"$W/probe"
	kill $_p 2>/dev/null
	wait $_p 2>/dev/null
	_v=$(sed -n 's/^event1_onset_ms=//p' "$W/probe")
	[ -n "$_v" ] && [ "$_v" != -1.0 ] && echo "$_v" >>"$_out"
	# Sink latency while it played, for the record.
	sed -n 's/^latency_ms=//p; s/^output_latency_ms=//p' "$W/prog" | tail -n 1 >"$W/outlat"
}

# bench NAME PROGRAM ARGS...: TRIALS trials, one line of figures.
bench() {
	_name=$1
	shift
	: >"$W/lat"
	_k=0
	while [ $_k -lt "$TRIALS" ]; do
		trial "$W/lat" "$@"
		_k=$((_k + 1))
	done
	printf '%-34s median %6s ms  (%s) output latency %s ms\n' "$_name" \
		"$(median <"$W/lat")" "$(tr '\n' ' ' <"$W/lat" | sed 's/ $//')" "$(cat "$W/outlat")"
}

# pw_alsa: PipeWire's ALSA plugin usable: installed (ALSA has pcm.pipewire),
# or unpacked privately from Debian's package (see the top); sets PWA_HOME
# to a HOME whose .asoundrc loads it ($HOME when installed).
pw_alsa() {
	PWA_HOME=$HOME
	aplay -L 2>/dev/null | grep -qx pipewire && return 0
	_d=${BENCH_CACHE:-${TMPDIR:-/tmp}/bc-bench-pipewire-alsa}
	if [ ! -d "$_d/root" ]; then
		mkdir -p "$_d" && (cd "$_d" && apt-get download pipewire-alsa >/dev/null 2>&1) &&
			dpkg-deb -x "$_d"/pipewire-alsa_*.deb "$_d/root" ||
			{ echo "pipewire-alsa: neither installed nor downloadable: not measured"; return 1; }
	fi
	_l=$(dirname "$(find "$_d/root" -name libasound_module_pcm_pipewire.so | head -n 1)")
	mkdir -p "$_d/home"
	cat >"$_d/home/.asoundrc" <<-EOF
		pcm_type.pipewire { lib "$_l/libasound_module_pcm_pipewire.so" }
		ctl_type.pipewire { lib "$_l/libasound_module_ctl_pipewire.so" }
		<$_d/root/usr/share/alsa/alsa.conf.d/50-pipewire.conf>
	EOF
	PWA_HOME=$_d/home
	echo "pipewire-alsa: not installed; its plugin unpacked in $_d (apt-get download, dpkg-deb -x)"
}

for server in $SERVERS; do
	(
		BC_SERVER=$server
		export BC_SERVER
		. "$TOP_SRCDIR/tests/pulse.sh"
		pa_start 2>/dev/null
		W=$PA_DIR/w
		mkdir -p "$W"
		echo "== $PA_SERVER_NAME: SIGUSR1 -> first sample above -50 dBFS on bc_test.monitor, $TRIALS trials"
		echo "default output: $("$PLAY" --list 2>/dev/null | sed -n 's/^default output: //p')"
		bench "floor, fresh open, low latency" "$FLOOR"
		bench "floor, fresh open, 100 ms" "$FLOOR" --latency 100
		bench "floor, running, low latency" "$FLOOR" --preopen
		bench "floor, running, 100 ms" "$FLOOR" --preopen --latency 100
		bench "sink_pa, default output, 100 ms" "$PLAY" --wait --latency 100
		bench "sink_pa, default output, 20 ms" "$PLAY" --wait --latency 20
		bench "sink_pa, ALSA default, 100 ms" "$PLAY" --wait --latency 100 --device default
		if [ "$PA_SERVER" = pipewire ] && pw_alsa; then
			bench "floor, pipewire-alsa, 100 ms" env HOME="$PWA_HOME" "$FLOOR" --latency 100 --device pipewire
			bench "sink_pa, pipewire-alsa, 100 ms" env HOME="$PWA_HOME" "$PLAY" --wait --latency 100 --device pipewire
		fi

		# The null sink's own latency while something plays (not in the figures).
		"$FLOOR" --preopen --latency 100 >/dev/null 2>&1 &
		fp=$!
		sleep 0.5
		echo "sink latency (pactl, bc_test): $(pactl list sinks | sed -n 's/^[[:space:]]*Latency: //p' | head -n 1)"
		kill -USR1 $fp 2>/dev/null
		wait $fp 2>/dev/null

		if command -v spd-say >/dev/null 2>&1; then
			# speech-dispatcher autospawns under our XDG_RUNTIME_DIR and plays to
			# PULSE_SERVER; the first utterance loads the module: warm it.
			spd-say -w "warm up" >/dev/null 2>&1
			spd-say -w "warm up" >/dev/null 2>&1
			: >"$W/spd"
			_k=0
			while [ $_k -lt "$TRIALS" ]; do
				"$PROBE" -T -50 -x 0.5 --max 10 -- spd-say -w "Breathe in" >"$W/probe"
				_v=$(sed -n 's/^event1_onset_ms=//p' "$W/probe")
				[ -n "$_v" ] && [ "$_v" != -1.0 ] && echo "$_v" >>"$W/spd"
				_k=$((_k + 1))
			done
			printf '%-34s median %6s ms  (%s)\n' "spd-say (exec -> speech)" \
				"$(median <"$W/spd")" "$(tr '\n' ' ' <"$W/spd" | sed 's/ $//')"
			# Its server stays up a few seconds after the last client: end it.
			_sp=$(cat "$XDG_RUNTIME_DIR/speech-dispatcher/pid/speech-dispatcher.pid" 2>/dev/null)
			[ -n "$_sp" ] && kill "$_sp" 2>/dev/null
		else
			echo "spd-say: not installed (apt-get install speech-dispatcher)"
		fi
	)
done
