# SPDX-License-Identifier: GPL-3.0-or-later
# daemonlib.sh: helpers for the daemon tests (sourced, POSIX sh).
#
# A private PulseAudio (tests/pulse.sh), a daemon started on a test config,
# and what was heard on the null sink's monitor, analysed with sox in 10 ms
# buckets. Times are seconds since the recording started (rec_t).

: "${PA_KEEP:=}"
. "$TOP_SRCDIR/tests/pulse.sh"

failures=0 count=0
DPID=
REC=
REC0=
# A 10 ms bucket is "sound" above this peak (-54 dBFS); the null sink gives
# exact zeros otherwise.
LOUD=0.002

ok() { count=$((count + 1)); echo "ok: $*"; }
fail() {
	count=$((count + 1)) failures=$((failures + 1))
	echo "FAIL: $*"
}
# check DESCRIPTION -- COMMAND...: pass if the command succeeds.
check() {
	_d=$1
	shift 2
	if "$@"; then ok "$_d"; else fail "$_d"; fi
}

now() { date +%s.%N; }
# Seconds (float) between two `now` readings.
elapsed() { echo "$2 $1" | awk '{ printf "%.3f", $1 - $2 }'; }
# Float comparison: fcmp A OP B, OP one of < <= > >=.
fcmp() { awk "BEGIN { exit !($1 $2 $3) }"; }

daemon_setup() {
	command -v sox >/dev/null 2>&1 || pa_skip "sox not installed (apt-get install sox)"
	pa_start
	T=$PA_DIR/t
	mkdir -p "$T/state/backcoach" "$T/config"
	# The safety notice was given before, for every routine of the test
	# configs and every piece of equipment: tests hear the routine at once.
	{
		sed -n 's/^\[routine:\(.*\)\]$/routine \1/p' "$TEST_DATA"/*.ini
		for q in chair floor mat wall towel foam-roller ball; do
			echo "equipment $q"
		done
	} >"$T/state/backcoach/notice-given"
	# The first start's words were said before (tests/desktop/notifications.sh
	# hears them).
	date >"$T/state/backcoach/first-start"
	# Its own speech cache (the daemon fills it as it measures the routines).
	export XDG_STATE_HOME="$T/state" XDG_CONFIG_HOME="$T/config" XDG_CACHE_HOME="$T/cache"
	# Never the host's D-Bus: presence (logind, the desktop) and MPRIS are
	# tested on private buses (tests/buslib.sh); elsewhere there are none.
	mkdir -p "$T/nobus"
	export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$T/nobus/system" \
		DBUS_SESSION_BUS_ADDRESS="unix:path=$T/nobus/session"
	trap 'daemon_stop; pa_stop' EXIT
}

# daemon_start CONFIG: run the daemon on a copy of CONFIG ($T/cfg.ini, so
# tests can change it) and wait until it answers `status`.
daemon_start() {
	cp "$1" "$T/cfg.ini"
	# DAEMON_WRAP: a command to run it under (tests/daemon-rt.sh: no privilege).
	${DAEMON_WRAP:-} "$BACKCOACH" -v --config "$T/cfg.ini" run >>"$T/daemon.log" 2>&1 &
	DPID=$!
	_i=0
	until "$BACKCOACH" status >/dev/null 2>&1; do
		_i=$((_i + 1))
		if [ $_i -gt 200 ] || ! kill -0 "$DPID" 2>/dev/null; then
			echo "daemon did not start:"; tail -n 20 "$T/daemon.log"
			return 1
		fi
		sleep 0.05
	done
}

daemon_stop() {
	[ -n "$DPID" ] || return 0
	kill -TERM "$DPID" 2>/dev/null
	wait "$DPID" 2>/dev/null
	DPID=
}

# Timeouts here are bounds for a hang, not speeds: as long as a loaded
# machine needs (seconds); they cost nothing when the thing happens.
# Wait up to $2 seconds (default 5) until `status` shows text $1.
wait_status() {
	_n=$(awk "BEGIN { print int(${2:-5} * 20) }")
	_i=0
	while [ $_i -lt "$_n" ]; do
		"$BACKCOACH" status 2>/dev/null | grep -q -- "$1" && return 0
		_i=$((_i + 1))
		sleep 0.05
	done
	return 1
}

# Wait up to $2 seconds (default 5) until the daemon's log has a line
# matching $1.
wait_log() {
	_n=$(awk "BEGIN { print int(${2:-5} * 20) }")
	_i=0
	until grep -q -- "$1" "$T/daemon.log"; do
		_i=$((_i + 1))
		[ $_i -gt "$_n" ] && return 1
		sleep 0.05
	done
}

# silence_after T SECONDS: the last sound in the SECONDS after T, as seconds
# after T (0 when none): with a recording that goes on past T + SECONDS, a
# value well below SECONDS means silence came and stayed.
silence_after() {
	_l=$(last_sound_between "$1" "$(awk "BEGIN { print $1 + $2 }")")
	elapsed "$1" "${_l:-$1}"
}

rec_start() {
	REC=$T/rec$(date +%s%N).wav
	pa_record_start "$REC"
	REC0=$(now)
}
rec_stop() { pa_record_stop; }
# Seconds since the recording started.
rec_t() { elapsed "$REC0" "$(now)"; }
# How far the recording's clock may stand from rec_t: the recorder's first
# samples arrive a little after the stream is listed (rec_start), so a sound
# made at rec_t T can sit up to this much earlier in the recording. A check
# that something happened before an action ends its window this far before
# the action.
REC_SLACK=0.3

# The recording as "TIME PEAK" lines, one per 10 ms bucket.
envelope() {
	[ -s "$REC.env" ] && { cat "$REC.env"; return; }
	sox "$REC" -t dat - 2>/dev/null | awk '
		!/^;/ { b = int($1 * 100); v = $2 < 0 ? -$2 : $2
			if (v > m[b]) m[b] = v; if (b > mx) mx = b }
		END { for (i = 0; i <= mx; i++) printf "%.2f %.6f\n", i / 100, m[i] }' >"$REC.env"
	cat "$REC.env"
}

# First sound at or after time $1 (prints the time, or nothing).
first_sound_after() {
	envelope | awk -v a="$1" -v l="$LOUD" '$1 >= a && $2 > l { print $1; exit }'
}
# Last sound in [$1, $2) (prints the time, or nothing).
last_sound_between() {
	envelope | awk -v a="$1" -v b="$2" -v l="$LOUD" '$1 >= a && $1 < b && $2 > l { t = $1 } END { if (t != "") print t }'
}
# Share (0..1) of buckets in [$1, $2) with sound.
sound_share() {
	envelope | awk -v a="$1" -v b="$2" -v l="$LOUD" '$1 >= a && $1 < b { n++; if ($2 > l) s++ } END { printf "%.3f", n ? s / n : 0 }'
}
# Sound bursts after at least $1 s of silence: "START END" lines.
bursts() {
	envelope | awk -v g="$1" -v l="$LOUD" '
		$2 > l { if (start == "" || $1 - last > g) { if (start != "") print start, last; start = $1 } last = $1 }
		END { if (start != "") print start, last }'
}

daemon_finish() {
	echo "$((count - failures)) passed, $failures failed"
	if [ $failures -ne 0 ]; then
		echo "--- daemon log"; tail -n 60 "$T/daemon.log"
		return 1
	fi
	return 0
}
