# SPDX-License-Identifier: GPL-3.0-or-later
# pulse.sh: a private sound server with a null sink, for tests (sourced,
# POSIX sh): PulseAudio, or PipeWire + WirePlumber + pipewire-pulse.
#
#   . "$TOP_SRCDIR/tests/pulse.sh"
#   pa_start                      # or exit 77 with the reason if it cannot run
#   pa_record_start out.wav       # record bc_test.monitor (parecord)
#   ... play through PortAudio "default" (ALSA -> pulse plugin -> bc_test) ...
#   pa_record_stop
#   pa_kill; pa_restart           # "sound server vanished mid-session"
#   pa_freeze; pa_thaw            # the server stalls (SIGSTOP), then goes on
#   m=$(pa_xrun_mark); ...; pa_xruns_in $m FROM TO   # cycles the server missed
#   (pa_stop runs from the EXIT trap)
#
# Which server: BC_SERVER=pulseaudio or BC_SERVER=pipewire; unset, PulseAudio
# where it is installed, else PipeWire. The generated tests/X.pw runs X.sh
# with BC_SERVER=pipewire (Makefile.am), so a machine with both runs each live
# suite on each, and one with a single server runs it once, on that one. PA_SERVER
# is set to the one started, PA_SERVER_NAME to how it names itself ("PulseAudio
# 16.1", "PipeWire 0.3.65").
#
# The server runs under a private directory: XDG_RUNTIME_DIR (sockets, pid
# file) and HOME (cookie, state) for the daemon; clients find it through
# PULSE_SERVER, so pactl, parecord, libpulse and ALSA's pulse plugin all reach
# this server and never the user's. The null sink bc_test is the default sink,
# so ALSA's "default" device plays into it and bc_test.monitor records it.
#
# PipeWire runs headless: pipewire, wireplumber and pipewire-pulse on their
# own session bus (a private dbus-daemon), with their own runtime, config and
# state directories (PIPEWIRE_RUNTIME_DIR, so pw-cli and pw-metadata reach it
# too). They run as root (CI) as well as as a user. Its null sink (a private
# config drop-in, support.null-audio-sink) is mono:
# PipeWire upmixes a mono stream to stereo at -3 dB, and the monitor's
# downmix would not give it back. Its ALSA path (pipewire-alsa, which cannot
# be installed beside PulseAudio) is not used: ALSA "default" reaches it
# through the pulse plugin, as with PulseAudio.
#
# ALSA "default" goes to pulse through the conf hook of Debian's pulseaudio
# package (/etc/alsa/conf.d/99-pulse.conf, "load if running"), checked with
# PULSE_SERVER. When that hook is missing, pa_start writes a private
# .asoundrc (pcm.!default = pulse) and points HOME at it for the tests; /etc is
# never touched.
#
# Variables: PA_SINK (bc_test), PA_MONITOR, PA_RATE (null sink rate, 48000),
# PA_DIR (private dir), PA_LOG (server log), PA_PID (the process serving the
# pulse protocol: pulseaudio or pipewire-pulse), PA_PIDS (all server
# processes).

PA_SINK=bc_test
PA_MONITOR=bc_test.monitor
PA_RATE=${PA_RATE:-48000}
PA_DIR=
PA_LOG=
PA_PID=
PA_PIDS=
PA_REC_PID=
PA_BUS_PID=
PA_SERVER=
PA_SERVER_NAME=

pa_skip() {
	echo "SKIP: $*" >&2
	exit 77
}

# Which server this run uses (see the top).
_pa_pick() {
	# The generated PipeWire run (tests/X.pw) where PulseAudio is missing:
	# tests/X.sh ran on PipeWire already.
	if [ -n "${BC_SERVER_SECOND:-}" ] && ! command -v pulseaudio >/dev/null 2>&1; then
		pa_skip "PulseAudio not installed: this suite ran on PipeWire as its .sh"
	fi
	case ${BC_SERVER:-} in
	pulseaudio | pipewire) PA_SERVER=$BC_SERVER ;;
	'')
		if command -v pulseaudio >/dev/null 2>&1; then
			PA_SERVER=pulseaudio
		else
			PA_SERVER=pipewire
		fi
		;;
	*) echo "pulse.sh: BC_SERVER=$BC_SERVER: pulseaudio or pipewire" >&2; exit 99 ;;
	esac
}

# Start the server (or skip the test): dir, env, daemon, wait for pactl.
pa_start() {
	_pa_pick
	command -v pactl >/dev/null 2>&1 ||
		pa_skip "pactl not installed (apt-get install pulseaudio-utils)"
	if [ "$PA_SERVER" = pulseaudio ]; then
		command -v pulseaudio >/dev/null 2>&1 ||
			pa_skip "pulseaudio not installed (apt-get install pulseaudio)"
	else
		for _c in pipewire wireplumber pipewire-pulse dbus-daemon; do
			command -v $_c >/dev/null 2>&1 ||
				pa_skip "$_c not installed (apt-get install pipewire wireplumber pipewire-pulse dbus)"
		done
	fi
	if [ -z "$PA_DIR" ]; then
		PA_DIR=$(mktemp -d "${TMPDIR:-/tmp}/bc-pulse.XXXXXX") ||
			pa_skip "cannot create a temporary directory"
		mkdir -p "$PA_DIR/run" "$PA_DIR/home"
		chmod 700 "$PA_DIR/run"
		trap pa_stop EXIT
		trap 'exit 130' INT TERM
	fi
	PA_LOG=$PA_DIR/$PA_SERVER.log
	export XDG_RUNTIME_DIR="$PA_DIR/run"
	export PULSE_RUNTIME_PATH="$PA_DIR/run/pulse"
	export PULSE_SERVER="unix:$PA_DIR/run/pulse/native"
	# PipeWire's own clients (pw-cli, pw-metadata; libpipewire) go to
	# pipewire-0 under XDG_RUNTIME_DIR: this server, never the user's.
	export PIPEWIRE_RUNTIME_DIR="$PA_DIR/run"
	# Clients must not read or write the user's cookie; the socket is
	# private (0700 directory), so it allows anonymous clients.
	export PULSE_COOKIE="$PA_DIR/home/cookie"
	unset PULSE_SINK PULSE_SOURCE PULSE_PROP PIPEWIRE_REMOTE 2>/dev/null || :
	if [ "$PA_SERVER" = pulseaudio ]; then
		_pa_launch || return 1
	else
		_pw_launch || return 1
	fi
	_pa_alsa_route
	PA_SERVER_NAME=$(pactl info 2>/dev/null | sed -n \
		-e 's/^Server Name: PulseAudio (on PipeWire \(.*\))$/PipeWire \1/p' \
		-e 's/^Server Name: pulseaudio$/PulseAudio/p' | head -n 1)
	[ "$PA_SERVER_NAME" = PulseAudio ] &&
		PA_SERVER_NAME="PulseAudio $(pactl info | sed -n 's/^Server Version: \([0-9.]*\).*/\1/p')"
	echo "pulse.sh: $PA_SERVER_NAME in $PA_DIR" >&2
}

# Wait until pactl answers (10 s), or skip with the log.
_pa_wait() {
	_i=0
	until pactl info >/dev/null 2>&1; do
		_i=$((_i + 1))
		if [ $_i -gt 100 ]; then # 10 s
			echo "$PA_SERVER started but does not answer:" >&2
			tail -n 20 "$PA_LOG" >&2 2>/dev/null
			pa_skip "$PA_SERVER does not answer on $PULSE_SERVER"
		fi
		sleep 0.1
	done
}

# The null sink, default, at full volume.
_pa_sink_setup() {
	pactl set-default-sink "$PA_SINK" || return 1
	pactl set-sink-volume "$PA_SINK" 100% || return 1
}

# PipeWire: the session bus once, then the three servers (again after
# pa_kill) in a desktop's order: pipewire with the null sink (from a private
# config drop-in, so it is there before any client), WirePlumber, and once
# WirePlumber has chosen the default sink, pipewire-pulse. A client that
# connects as soon as the pulse socket answers (a sink reopened after a
# restart) thus finds the sink and a session manager to link it.
_pw_launch() {
	_pwenv="HOME=$PA_DIR/home XDG_CONFIG_HOME=$PA_DIR/home/.config XDG_STATE_HOME=$PA_DIR/home/.state XDG_CACHE_HOME=$PA_DIR/home/.cache XDG_DATA_HOME=$PA_DIR/home/.data"
	mkdir -p "$PA_DIR/home/.config/pipewire/pipewire.conf.d"
	cat >"$PA_DIR/home/.config/pipewire/pipewire.conf.d/bc-test.conf" <<-EOF
		context.objects = [
		    { factory = adapter
		      args = {
		          factory.name = support.null-audio-sink
		          node.name = $PA_SINK
		          node.description = $PA_SINK
		          media.class = Audio/Sink
		          audio.position = [ MONO ]
		          audio.rate = $PA_RATE
		          object.linger = true
		      }
		    }
		]
	EOF
	if [ -z "$PA_BUS_PID" ]; then
		dbus-daemon --session --fork --nosyslog --print-address=3 --print-pid=4 \
			3>"$PA_DIR/bus.addr" 4>"$PA_DIR/bus.pid" 2>>"$PA_DIR/dbus.log" ||
			pa_skip "dbus-daemon cannot start a session bus here"
		PA_BUS_PID=$(cat "$PA_DIR/bus.pid")
	fi
	_bus=$(cat "$PA_DIR/bus.addr")
	# pw.node at info: the cycles the server missed (pa_xruns_in).
	# shellcheck disable=SC2086
	env $_pwenv DBUS_SESSION_BUS_ADDRESS="$_bus" \
		PIPEWIRE_DEBUG="${PIPEWIRE_DEBUG:-2,pw.node:3}" pipewire >>"$PA_LOG" 2>&1 &
	_p1=$!
	_i=0
	until [ -S "$PA_DIR/run/pipewire-0" ]; do
		_i=$((_i + 1))
		if [ $_i -gt 100 ] || ! kill -0 $_p1 2>/dev/null; then
			tail -n 20 "$PA_LOG" >&2
			pa_skip "PipeWire cannot start here"
		fi
		sleep 0.05
	done
	# shellcheck disable=SC2086
	env $_pwenv DBUS_SESSION_BUS_ADDRESS="$_bus" wireplumber >>"$PA_DIR/wireplumber.log" 2>&1 &
	_p2=$!
	PA_PIDS="$_p2 $_p1"
	_i=0
	until pw-metadata -n default 0 2>/dev/null | grep -q "default.audio.sink.*$PA_SINK"; do
		_i=$((_i + 1))
		if [ $_i -gt 200 ] || ! kill -0 $_p2 2>/dev/null; then
			tail -n 20 "$PA_DIR/wireplumber.log" >&2
			pa_skip "WirePlumber does not choose the null sink here"
		fi
		sleep 0.05
	done
	# shellcheck disable=SC2086
	env $_pwenv DBUS_SESSION_BUS_ADDRESS="$_bus" pipewire-pulse >>"$PA_DIR/pipewire-pulse.log" 2>&1 &
	PA_PID=$!
	PA_PIDS="$PA_PID $_p2 $_p1"
	_pa_wait
	_pa_sink_setup
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
	_pa_wait
	PA_PID=$(cat "$PULSE_RUNTIME_PATH/pid" 2>/dev/null)
	PA_PIDS=$PA_PID
	_pa_sink_setup
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
	[ -n "$PA_PIDS" ] || return 0
	for _pa_pid in $PA_PIDS; do
		kill -9 "$_pa_pid" 2>/dev/null
	done
	for _pa_pid in $PA_PIDS; do
		_i=0
		while kill -0 "$_pa_pid" 2>/dev/null && [ $_i -lt 50 ]; do
			_i=$((_i + 1))
			sleep 0.1
		done
		wait "$_pa_pid" 2>/dev/null
	done
	PA_PID= PA_PIDS=
	rm -f "$PA_DIR/run/pulse/native" "$PA_DIR/run/pulse/pid" \
		"$PA_DIR/run/pipewire-0" "$PA_DIR/run/pipewire-0.lock" \
		"$PA_DIR/run/pipewire-0-manager" "$PA_DIR/run/pipewire-0-manager.lock"
}

# The server stalls (all its processes stopped), as under a heavy load or
# a debugger; pa_thaw lets it go on.
pa_freeze() {
	for _pa_pid in $PA_PIDS; do
		kill -STOP "$_pa_pid" 2>/dev/null
	done
}
pa_thaw() {
	for _pa_pid in $PA_PIDS; do
		kill -CONT "$_pa_pid" 2>/dev/null
	done
}

# Cycles the sound server itself missed. PipeWire runs its graph in cycles
# of one quantum (256 samples at 48 kHz while pa_probe records with its
# small fragments: 5.3 ms); when a client of the graph is late for a cycle
# (pipewire-pulse, which carries every pulse-protocol stream, ours and the
# probe's alike), the sink plays that cycle without it and what the client
# had for it is lost: a hole of one quantum in a stream whose samples were
# all on the server in time. On a loaded machine this happens now and then,
# whoever the client; it logs "client too slow!" (pw.node, info; at most one
# per 2 s, its rate limit: a count here may be short, never long).
# pa_xrun_mark prints a mark; pa_xruns_in MARK FROM TO prints "N S": the
# distinct cycles missed since the mark between FROM and TO (seconds of
# CLOCK_MONOTONIC_RAW, the log's clock: pa_probe's rec_t0 plus a sound's
# start and end), and the audio they span, in seconds.
# PulseAudio: "0 0" (no graph of clients to be late for).
pa_xrun_mark() {
	if [ "$PA_SERVER" = pipewire ]; then
		wc -l <"$PA_LOG"
	else
		echo 0
	fi
}
pa_xruns_in() {
	if [ "$PA_SERVER" != pipewire ]; then
		echo "0 0"
		return
	fi
	tail -n +"$(($1 + 1))" "$PA_LOG" |
		sed -n 's/^\[.\]\[\([0-9.]*\)\].*client too slow! rate:\([0-9]*\)\/\([0-9]*\) pos:\([0-9]*\).*/\1 \2 \3 \4/p' |
		awk -v from="$2" -v to="$3" '$1 >= from && $1 <= to && !seen[$4]++ { n++; s += $2 / $3 }
			END { printf "%d %.4f\n", n, s }'
}
# pa_xruns_heard MARK PROBE: pa_xruns_in while the pa_probe output PROBE
# heard sound, from its first sound's start to its last one's end (0.1 s
# either side: the probe's clock, rec_t0, is good to a few ms); "0 0" when
# it heard none.
pa_xruns_heard() {
	_xt0=$(sed -n 's/^rec_t0=//p' "$2")
	_xn=$(sed -n 's/^sounds=//p' "$2")
	if [ -z "$_xt0" ] || [ "${_xn:-0}" -lt 1 ]; then
		echo "0 0"
		return
	fi
	pa_xruns_in "$1" \
		"$(awk -v t="$_xt0" -v s="$(sed -n 's/^sound1_start_s=//p' "$2")" 'BEGIN { print t + s - 0.1 }')" \
		"$(awk -v t="$_xt0" -v e="$(sed -n "s/^sound${_xn}_end_s=//p" "$2")" 'BEGIN { print t + e + 0.1 }')"
}

pa_restart() {
	pa_kill
	if [ "$PA_SERVER" = pulseaudio ]; then
		_pa_launch
	else
		_pw_launch
	fi
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
	pa_thaw
	if [ "$PA_SERVER" = pulseaudio ] && [ -n "$PA_PID" ]; then
		pactl exit >/dev/null 2>&1 || kill "$PA_PID" 2>/dev/null
	fi
	for _pa_pid in $PA_PIDS; do
		kill "$_pa_pid" 2>/dev/null
	done
	for _pa_pid in $PA_PIDS; do
		_i=0
		while kill -0 "$_pa_pid" 2>/dev/null && [ $_i -lt 30 ]; do
			_i=$((_i + 1))
			sleep 0.1
		done
		kill -9 "$_pa_pid" 2>/dev/null
	done
	PA_PID= PA_PIDS=
	if [ -n "$PA_BUS_PID" ]; then
		kill "$PA_BUS_PID" 2>/dev/null
		PA_BUS_PID=
	fi
	if [ -n "$PA_DIR" ] && [ -z "${PA_KEEP:-}" ]; then
		rm -rf "$PA_DIR"
	elif [ -n "$PA_DIR" ]; then
		echo "pulse.sh: kept $PA_DIR" >&2
	fi
	PA_DIR=
}
