#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# daemon-buses.sh: buses that are not what they should be. Signals that
# would hold reminders (the screen saver on, the desktop idle, the session
# locked, the machine asleep) count only from the service that owns the
# name: a rogue client's, broadcast or sent to the daemon directly, change
# nothing; a storm of malformed ones is said once. A bus that drops every
# connection is tried again less and less often, and said once. (Private
# buses, python3-dbusmock's services: tests/buslib.sh.)
set -u
: "${BACKCOACH:?}" "${TEST_DATA:?}" "${TOP_SRCDIR:?}"
. "$TOP_SRCDIR/tests/daemonlib.sh"
. "$TOP_SRCDIR/tests/buslib.sh"

daemon_setup
bus_setup

wait_log() { # TEXT [SECONDS]
	_n=$(awk "BEGIN { print int(${2:-5} * 20) }")
	_i=0
	until grep -q -- "$1" "$T/daemon.log"; do
		_i=$((_i + 1))
		[ $_i -gt "$_n" ] && return 1
		sleep 0.05
	done
}
# Does `status` show presence $1 through $2 seconds, never anything else?
stays() {
	_n=$(awk "BEGIN { print int($2 * 10) }")
	_i=0
	while [ $_i -lt "$_n" ]; do
		timeout 5 "$BACKCOACH" status 2>/dev/null | grep -q "^presence: $1" || return 1
		_i=$((_i + 1))
		sleep 0.1
	done
}

bus_start system || exit 1
bus_start session || exit 1
logind_start || exit 1
logind_add_session c1
mutter_start || exit 1
kde_start || exit 1
daemon_start "$TEST_DATA/daemon-presence.ini" || exit 1
check "followed: logind, GNOME's idle monitor, the ScreenSaver" -- \
	wait_status "^presence: here (logind session c1.*GNOME idle monitor, ScreenSaver" 10

# The process behind a name on the bus ($1: --system|--session).
pid_of() {
	gdbus call "$1" -d org.freedesktop.DBus -o /org/freedesktop/DBus \
		-m org.freedesktop.DBus.GetConnectionUnixProcessID "$2" 2>/dev/null |
		sed -n 's/^(uint32 \([0-9]*\),)$/\1/p'
}
# The daemon's unique names: signals sent to it directly pass any match.
names() { # --system|--session
	gdbus call "$1" -d org.freedesktop.DBus -o /org/freedesktop/DBus \
		-m org.freedesktop.DBus.ListNames | tr -d "[](),'" | tr ' ' '\n' |
	grep '^:' | while read -r n; do
		[ "$(pid_of "$1" "$n")" = "$DPID" ] && echo "$n"
	done
}
ses=$(names --session) sys=$(names --system)
echo "  the daemon on the session bus: $ses; on the system bus: $sys"
check "the daemon found on both buses" -- test -n "$ses" -a -n "$sys"

# ---- a rogue client: each signal broadcast, and sent to the daemon ----
rogue() { # --system|--session DEST PATH SIGNAL ARGS...
	_bus=$1 _dest=$2 _path=$3 _sig=$4
	shift 4
	gdbus emit "$_bus" -o "$_path" -s "$_sig" "$@" >/dev/null 2>&1
	for _d in $_dest; do
		gdbus emit "$_bus" -d "$_d" -o "$_path" -s "$_sig" "$@" >/dev/null 2>&1
	done
}
L1=/org/freedesktop/login1
# (A broadcast from the rogue does not even reach the daemon: the bus
# matches it against sender=OWNER. Sent to the daemon, it does.)
rogue --session "$ses" /ScreenSaver org.freedesktop.ScreenSaver.ActiveChanged true
rogue --session "$ses" /org/freedesktop/ScreenSaver org.freedesktop.ScreenSaver.ActiveChanged true
rogue --session "$ses" /org/gnome/Mutter/IdleMonitor/Core org.gnome.Mutter.IdleMonitor.WatchFired 1
rogue --system "$sys" $L1 org.freedesktop.login1.Manager.PrepareForSleep true
rogue --system "$sys" $L1/session/c1 org.freedesktop.login1.Session.Lock
check "rogue signals: presence stays here (3 s)" -- stays "here" 3
# A storm of malformed signals from the owner itself (ActiveChanged with
# a string): said once a minute, not once each; presence unchanged.
i=0
while [ $i -lt 50 ]; do
	gdbus call --session -d org.freedesktop.ScreenSaver -o /ScreenSaver \
		-m org.freedesktop.DBus.Mock.EmitSignal org.freedesktop.ScreenSaver \
		ActiveChanged s "[<'yes'>]" >/dev/null
	i=$((i + 1))
done
check "50 malformed ActiveChanged: presence stays here" -- stays "here" 1
check "50 malformed ActiveChanged: said" -- \
	wait_log "ScreenSaver: a malformed ActiveChanged" 5
check "50 malformed ActiveChanged: said once" -- \
	test "$(grep -c "a malformed ActiveChanged" "$T/daemon.log")" -eq 1

# ---- the owners' signals still count ----
kde_lock true
check "the ScreenSaver's own ActiveChanged: away (screen saver)" -- \
	wait_status "^presence: away (screen saver" 10
kde_lock false
check "and back" -- wait_status "^presence: here" 10
mutter_fire 1
check "the idle monitor's own WatchFired: away (idle" -- \
	wait_status "^presence: away (idle" 10
mutter_fire 2
check "and back" -- wait_status "^presence: here" 10
logind_sleep true
check "logind's own PrepareForSleep: away (asleep)" -- \
	wait_status "^presence: away (asleep" 10
logind_sleep false
check "and back" -- wait_status "^presence: here" 10

# ---- a storm of 10,000 signals from logind itself, spread over at least
# 2 s (sent at once, they were all gone on one machine before the first
# status was asked): `status` answers during it (the control socket is
# served between slices of the bus) ----
L1=/org/freedesktop/login1
gdbus call --system -d org.freedesktop.login1 -o $L1 -m org.freedesktop.DBus.Mock.AddMethod \
	org.freedesktop.login1.Manager Storm u u \
	"import time
for i in range(args[0]):
    self.EmitSignal('org.freedesktop.login1.Manager', 'PrepareForSleep', 'b', [False])
    time.sleep(0.0002)
ret = args[0]" \
	>/dev/null
gdbus call --system -d org.freedesktop.login1 -o $L1 -m org.freedesktop.login1.Manager.Storm \
	10000 -t 120 >"$T/storm.out" 2>"$T/storm.err" &
storm=$!
sleep 0.1
answered=0 tries=0
while kill -0 "$storm" 2>/dev/null && [ $tries -lt 20 ]; do
	timeout 5 "$BACKCOACH" status >/dev/null && answered=$((answered + 1))
	tries=$((tries + 1))
done
wait "$storm"
echo "  during the storm ($(sed -n "s/.*uint32 \([0-9]*\).*/\1/p" "$T/storm.out") signals): status answered $answered of $tries times"; cat "$T/storm.err"
check "logind storm: status answers during it (5 s each)" -- \
	test "$answered" -eq "$tries" -a "$tries" -ge 1
check "logind storm: presence still here after it" -- wait_status "^presence: here" 10

# ---- a new owner: its signals count, the old one's no longer ----
kill_mock() { kill "$(pid_of --session "$1")"; } # the mock that owns NAME
old=$(gdbus call --session -d org.freedesktop.DBus -o /org/freedesktop/DBus \
	-m org.freedesktop.DBus.GetNameOwner org.freedesktop.ScreenSaver | tr -d "()',")
kill_mock org.freedesktop.ScreenSaver
check "ScreenSaver gone: no longer followed" -- \
	wait_status "^presence: here (logind session c1.*GNOME idle monitor)" 10
kde_start || exit 1
check "ScreenSaver back: followed again" -- \
	wait_status "^presence: here (.*ScreenSaver" 10
kde_lock true
check "the new owner's ActiveChanged: away (screen saver)" -- \
	wait_status "^presence: away (screen saver" 10
kde_lock false
check "and back" -- wait_status "^presence: here" 10
echo "  the ScreenSaver was $old"
daemon_stop

# ---- a session bus that accepts every connection and drops it (a failed
# authentication, a connection limit): tries grow apart, doubling to
# minutes (not every 100 ms), said once, costing nothing meanwhile ----
bus_kill session
/usr/bin/python3 - "$T/bus/session" "$T/bus/accepts" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.listen(64)
n = 0
while True:
    c, _ = s.accept()
    n += 1
    if n % 2:
        c.recv(256)  # the client's AUTH read, then dropped: lost later
    c.close()        # dropped at once: the client's first write fails
    with open(sys.argv[2], "w") as f:
        f.write("%d\n" % n)
PY
BUS_MOCKS="$BUS_MOCKS $!"
i=0
until [ -S "$T/bus/session" ] || [ $i -gt 100 ]; do sleep 0.05; i=$((i + 1)); done
lines0=$(wc -l <"$T/daemon.log")
daemon_start "$TEST_DATA/daemon-presence.ini" || exit 1
cpu0=$(awk '{ print $14 + $15 }' "/proc/$DPID/stat")
sleep 20
check "dropping bus: status answers" -- timeout 5 "$BACKCOACH" status
n=$(cat "$T/bus/accepts" 2>/dev/null || echo 0)
cpu=$(awk -v c="$cpu0" '{ print $14 + $15 - c }' "/proc/$DPID/stat")
lines=$(($(wc -l <"$T/daemon.log") - lines0))
said=$(grep -c "presence: the session bus went away (" "$T/daemon.log")
echo "  in 20 s: $n connections, $lines log lines (with -v), $said warnings, $cpu CPU ticks"
grep "went away" "$T/daemon.log" | sed 's/^/    /' | head -12
# 100 ms doubling: 0.1 + 0.2 + ... + 12.8 s is 25.5 s; about 8 in 20 s.
check "dropping bus: at most 12 connections in 20 s" -- test "$n" -le 12
check "dropping bus: tried again" -- test "$n" -ge 3
check "dropping bus: the warning said once" -- test "$said" -eq 1
# Each wait twice the one before (so past 30 s after the ninth).
grep -o "tried again in [0-9.]* s" "$T/daemon.log" | awk '{ print $4 }' >"$T/waits"
check "dropping bus: each wait twice the one before" -- awk '
	NR > 1 && $1 < 1.9 * prev { bad = 1 } { prev = $1 } END { exit bad || NR < 3 }' "$T/waits"
daemon_stop

finish=0
daemon_finish || finish=1
exit $finish
