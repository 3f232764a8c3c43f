# pulse.sh: a private PulseAudio with a null sink, for tests (sourced, POSIX sh).
#
#   . "$TOP_SRCDIR/tests/pulse.sh"
#   pa_start                      # or exit 77 with the reason if it cannot run
#   pa_record_start out.wav       # record bc_test.monitor (parecord)
#   ... play through PortAudio "default" (ALSA -> pulse plugin -> bc_test) ...
#   pa_record_stop
#   pa_kill; pa_restart           # "sound server vanished mid-session"
#   (pa_stop runs from the EXIT trap)
#
# The server runs under a private directory: XDG_RUNTIME_DIR (socket, pid
# file) and HOME (cookie, state) for the daemon; clients find it through
# PULSE_SERVER, so pactl, parecord, libpulse and ALSA's pulse plugin all reach
# this server and never the user's. The null sink bc_test is the default sink,
# so ALSA's "default" device plays into it and bc_test.monitor records it.
#
# ALSA "default" goes to pulse through the conf hook of Debian's pulseaudio
# package (/etc/alsa/conf.d/99-pulse.conf, "load if running"), checked with
# PULSE_SERVER. When that hook is missing, pa_start writes a private
# .asoundrc (pcm.!default = pulse) and points HOME at it for the tests; /etc is
# never touched.
#
# Variables: PA_SINK (bc_test), PA_MONITOR, PA_RATE (null sink rate, 48000),
# PA_DIR (private dir), PA_LOG (server log), PA_PID.

PA_SINK=bc_test
PA_MONITOR=bc_test.monitor
PA_RATE=${PA_RATE:-48000}
PA_DIR=
PA_LOG=
PA_PID=
PA_REC_PID=

pa_skip() {
	echo "SKIP: $*" >&2
	exit 77
}

# Start the server (or skip the test): dir, env, daemon, wait for pactl.
pa_start() {
	command -v pulseaudio >/dev/null 2>&1 ||
		pa_skip "pulseaudio not installed (apt-get install pulseaudio pulseaudio-utils)"
	command -v pactl >/dev/null 2>&1 ||
		pa_skip "pactl not installed (apt-get install pulseaudio-utils)"
	if [ -z "$PA_DIR" ]; then
		PA_DIR=$(mktemp -d "${TMPDIR:-/tmp}/bc-pulse.XXXXXX") ||
			pa_skip "cannot create a temporary directory"
		mkdir -p "$PA_DIR/run" "$PA_DIR/home"
		chmod 700 "$PA_DIR/run"
		trap pa_stop EXIT
		trap 'exit 130' INT TERM
	fi
	PA_LOG=$PA_DIR/pulseaudio.log
	export XDG_RUNTIME_DIR="$PA_DIR/run"
	export PULSE_RUNTIME_PATH="$PA_DIR/run/pulse"
	export PULSE_SERVER="unix:$PA_DIR/run/pulse/native"
	# Clients must not read or write the user's cookie; the socket is
	# private (0700 directory), so it allows anonymous clients.
	export PULSE_COOKIE="$PA_DIR/home/cookie"
	unset PULSE_SINK PULSE_SOURCE PULSE_PROP 2>/dev/null || :
	_pa_launch || return 1
	_pa_alsa_route
}

_pa_launch() {
	# As root pulseaudio warns (not intended without --system) but runs
	# fine as a per-session server; --system would refuse clients without
	# the pulse-access group and needs the pulse user's home.
	# --realtime/--high-priority: the sink thread at SCHED_RR, as on a
	# desktop (there through rtkit); without it, CPU load (stress-ng --cpu
	# on all cores) starves the server and clients see underflows that a
	# desktop would not have. Without the privilege it falls back quietly.
	# -n: no default.pa (no hardware probing, no module-suspend-on-idle,
	# no stream-restore); only what the test needs is loaded.
	# norewinds=1: the null sink renders at most 50 ms ahead of real time,
	# like a sound card. Without it, it renders up to 2 s ahead when a
	# stream starts: the client's first period is swallowed at once and the
	# monitor then shows a ~1.8 s hole in continuous playback.
	HOME="$PA_DIR/home" pulseaudio --daemonize=yes -n \
		--exit-idle-time=-1 --realtime=yes --high-priority=yes \
		--log-target="file:$PA_LOG" --log-level=notice \
		--load="module-null-sink sink_name=$PA_SINK rate=$PA_RATE norewinds=1 sink_properties=device.description=bc_test" \
		--load="module-native-protocol-unix auth-anonymous=1 socket=$PA_DIR/run/pulse/native" \
		>"$PA_DIR/start.out" 2>&1
	_rc=$?
	if [ $_rc -ne 0 ]; then
		echo "pulseaudio failed to start (exit $_rc):" >&2
		cat "$PA_DIR/start.out" "$PA_LOG" 2>/dev/null | tail -n 20 >&2
		pa_skip "PulseAudio cannot start here"
	fi
	_i=0
	until pactl info >/dev/null 2>&1; do
		_i=$((_i + 1))
		if [ $_i -gt 100 ]; then # 10 s
			echo "pulseaudio started but does not answer:" >&2
			tail -n 20 "$PA_LOG" >&2 2>/dev/null
			pa_skip "PulseAudio does not answer on $PULSE_SERVER"
		fi
		sleep 0.1
	done
	PA_PID=$(cat "$PULSE_RUNTIME_PATH/pid" 2>/dev/null)
	pactl set-default-sink "$PA_SINK" || return 1
	pactl set-sink-volume "$PA_SINK" 100% || return 1
}

# ALSA's "default" must reach this server: trust Debian's hook when present,
# else a private .asoundrc.
_pa_alsa_route() {
	for _f in /etc/alsa/conf.d/99-pulse.conf /usr/share/alsa/alsa.conf.d/99-pulse.conf; do
		[ -e "$_f" ] && return 0
	done
	[ -e /usr/lib/x86_64-linux-gnu/alsa-lib/libasound_module_pcm_pulse.so ] ||
		ls /usr/lib/*/alsa-lib/libasound_module_pcm_pulse.so >/dev/null 2>&1 ||
		pa_skip "ALSA's pulse plugin missing (apt-get install libasound2-plugins)"
	cat >"$PA_DIR/home/.asoundrc" <<-EOF
		pcm.!default { type pulse }
		ctl.!default { type pulse }
	EOF
	export HOME="$PA_DIR/home"
	echo "pulse.sh: no ALSA pulse hook; using $HOME/.asoundrc" >&2
}

# Is the server answering?
pa_alive() {
	pactl info >/dev/null 2>&1
}

# The sound server vanishes: SIGKILL, as a crash would.
pa_kill() {
	[ -n "$PA_PID" ] || return 0
	kill -9 "$PA_PID" 2>/dev/null
	_i=0
	while kill -0 "$PA_PID" 2>/dev/null && [ $_i -lt 50 ]; do
		_i=$((_i + 1))
		sleep 0.1
	done
	PA_PID=
	rm -f "$PA_DIR/run/pulse/native" "$PA_DIR/run/pulse/pid"
}

pa_restart() {
	pa_kill
	_pa_launch
}

# Record the null sink's monitor to a WAV (float, mono, PA_RATE) in the
# background; pa_record_stop ends it (SIGINT: parecord finalises the header).
pa_record_start() {
	parecord --device="$PA_MONITOR" --file-format=wav --format=float32le \
		--channels=1 --rate="$PA_RATE" --latency-msec=10 "$1" &
	PA_REC_PID=$!
	# The stream exists once pactl lists it: recording has begun.
	_i=0
	until pactl list short source-outputs 2>/dev/null | grep -q .; do
		_i=$((_i + 1))
		[ $_i -gt 50 ] && break
		sleep 0.1
	done
}

pa_record_stop() {
	[ -n "$PA_REC_PID" ] || return 0
	kill -INT "$PA_REC_PID" 2>/dev/null
	wait "$PA_REC_PID" 2>/dev/null
	PA_REC_PID=
}

# Stop everything this file started and remove the private directory.
# Set PA_KEEP=1 to keep it (logs) after a failure.
pa_stop() {
	pa_record_stop
	if [ -n "$PA_PID" ]; then
		pactl exit >/dev/null 2>&1 || kill "$PA_PID" 2>/dev/null
		_i=0
		while kill -0 "$PA_PID" 2>/dev/null && [ $_i -lt 30 ]; do
			_i=$((_i + 1))
			sleep 0.1
		done
		kill -9 "$PA_PID" 2>/dev/null
		PA_PID=
	fi
	if [ -n "$PA_DIR" ] && [ -z "${PA_KEEP:-}" ]; then
		rm -rf "$PA_DIR"
	elif [ -n "$PA_DIR" ]; then
		echo "pulse.sh: kept $PA_DIR" >&2
	fi
	PA_DIR=
}
