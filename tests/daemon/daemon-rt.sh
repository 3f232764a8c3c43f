#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# daemon-rt.sh: realtime scheduling for the audio threads through rtkit,
# for a daemon that may not set it itself (no CAP_SYS_NICE, RLIMIT_RTPRIO
# 0). rtkit is a stand-in (python3-dbusmock) on a private system bus
# (DBUS_SYSTEM_BUS_ADDRESS) with rtkit's properties; its MakeThreadRealtime
# does what rtkit does (SCHED_RR | SCHED_RESET_ON_FORK on the thread) and
# the mock's log records each call. First without rtkit on the bus: not
# granted, said so; then with it: granted at no more than its
# MaxRealtimePriority, after RLIMIT_RTTIME was lowered to its RTTimeUSecMax.
set -u
: "${BACKCOACH:?}" "${TEST_DATA:?}" "${TOP_SRCDIR:?}"
. "$TOP_SRCDIR/tests/daemonlib.sh"

PY=/usr/bin/python3
for c in dbus-daemon prlimit setpriv; do
	command -v $c >/dev/null 2>&1 || pa_skip "$c not installed (apt-get install dbus util-linux)"
done
"$PY" -c 'import dbusmock, dbus' 2>/dev/null ||
	pa_skip "python3-dbusmock not installed (apt-get install python3-dbusmock)"

MAXPRIO=3         # below RT_PRIORITY (5): the daemon must ask for 3
RTTIME=200000     # rtkit's default RTTimeUSecMax
SYS_PID= MOCK_PID=
rt_stop() {
	[ -n "$MOCK_PID" ] && kill "$MOCK_PID" 2>/dev/null
	[ -n "$SYS_PID" ] && kill "$SYS_PID" 2>/dev/null
	MOCK_PID= SYS_PID=
}

daemon_setup
trap 'daemon_stop; rt_stop; pa_stop' EXIT

dbus-daemon --session --fork --nosyslog --print-address=3 --print-pid=4 \
	3>"$T/sysbus.addr" 4>"$T/sysbus.pid" || pa_skip "dbus-daemon cannot start a bus here"
SYS_PID=$(cat "$T/sysbus.pid")
DBUS_SYSTEM_BUS_ADDRESS=$(cat "$T/sysbus.addr")
export DBUS_SYSTEM_BUS_ADDRESS

# The daemon without the privilege: RLIMIT_RTPRIO 0 and, for root, no
# CAP_SYS_NICE (gone from the bounding set, so from the program run).
if [ "$(id -u)" -eq 0 ]; then
	DAEMON_WRAP="setpriv --bounding-set -sys_nice --inh-caps -sys_nice -- prlimit --rtprio=0:0 --"
else
	DAEMON_WRAP="prlimit --rtprio=0:0 --"
fi
# shellcheck disable=SC2086
$DAEMON_WRAP "$PY" -c 'import os; os.sched_setscheduler(0, os.SCHED_RR, os.sched_param(1))' 2>/dev/null &&
	pa_skip "cannot take the privilege away here (sched_setscheduler still works)"

# play_session: start the default routine, let it play 2 s, keep status.
play_session() {
	"$BACKCOACH" start >/dev/null
	wait_status "^state: playing" 10
	sleep 2
	"$BACKCOACH" status -v >"$T/status" 2>&1
}

# policy PID TID: the thread's scheduling policy (0 other, 1 fifo, 2 rr).
policy() { awk '{ print $41 }' "/proc/$1/task/$2/stat" 2>/dev/null; }

# ---- no rtkit on the bus: not granted, and said so ----
daemon_start "$TEST_DATA/daemon-short.ini" || exit 1
play_session
grep "^realtime" "$T/status"
check "no privilege, no rtkit: status says not granted, and why" -- \
	grep -q "^realtime: not granted (sched_setscheduler: Operation not permitted; .*rtkit" "$T/status"
check "no privilege, no rtkit: logged" -- \
	grep -q "realtime scheduling: not granted" "$T/daemon.log"
check "no privilege, no rtkit: it plays all the same" -- grep -q "^state: playing" "$T/status"
"$BACKCOACH" stop >/dev/null
wait_status "^state: idle" 10
daemon_stop

# ---- the stand-in rtkit ----
"$PY" -m dbusmock --system -l "$T/rtkit.log" org.freedesktop.RealtimeKit1 \
	/org/freedesktop/RealtimeKit1 org.freedesktop.RealtimeKit1 >"$T/mock.out" 2>&1 &
MOCK_PID=$!
"$PY" - "$MAXPRIO" "$RTTIME" <<'EOF' || { fail "the rtkit stand-in did not start"; cat "$T/mock.out"; daemon_finish; exit 1; }
import os, sys, time
import dbus
bus = dbus.bus.BusConnection(os.environ['DBUS_SYSTEM_BUS_ADDRESS'])
for _ in range(100):
    if bus.name_has_owner('org.freedesktop.RealtimeKit1'):
        break
    time.sleep(0.1)
o = bus.get_object('org.freedesktop.RealtimeKit1', '/org/freedesktop/RealtimeKit1')
m = dbus.Interface(o, 'org.freedesktop.DBus.Mock')
m.AddProperties('org.freedesktop.RealtimeKit1', {
    'MaxRealtimePriority': dbus.Int32(int(sys.argv[1])),
    'MinNiceLevel': dbus.Int32(-15),
    'RTTimeUSecMax': dbus.Int64(int(sys.argv[2])),
})
# What rtkit does (it may: the stand-in runs with the privilege).
m.AddMethod('org.freedesktop.RealtimeKit1', 'MakeThreadRealtime', 'tu', '',
            'import os; os.sched_setscheduler(int(args[0]), '
            'os.SCHED_RR | os.SCHED_RESET_ON_FORK, os.sched_param(int(args[1])))')
EOF

daemon_start "$TEST_DATA/daemon-short.ini" || exit 1
rec_start
play_session
rec_stop
grep '^realtime' "$T/status"
check "rtkit: status says granted through rtkit at its MaxRealtimePriority" -- \
	grep -q "^realtime: SCHED_RR $MAXPRIO through rtkit" "$T/status"
calls=$(grep -c "MakeThreadRealtime [0-9]* $MAXPRIO\$" "$T/rtkit.log")
echo "  MakeThreadRealtime calls: $calls"
check "rtkit: the feeding, callback and pulse client threads asked for" -- test "$calls" -ge 3
check "rtkit: never above MaxRealtimePriority" -- \
	test -z "$(awk -v m=$MAXPRIO '$2 == "MakeThreadRealtime" && $4 > m' "$T/rtkit.log")"
rr=0 alive=0 names=
for tid in $(awk '$2 == "MakeThreadRealtime" { print $3 }' "$T/rtkit.log"); do
	p=$(policy "$DPID" "$tid")
	[ -n "$p" ] && alive=$((alive + 1))
	[ "$p" = 2 ] && rr=$((rr + 1))
	names="$names $(cat "/proc/$DPID/task/$tid/comm" 2>/dev/null)"
done
echo "  threads asked for that are the daemon's and still live: $alive, SCHED_RR: $rr;$names"
check "rtkit: the threads asked for are the daemon's, and run SCHED_RR" -- \
	test "$rr" -ge 2 -a "$rr" -eq "$alive"
# The feeding thread (the session's) and PortAudio's callback thread, which
# the sink names after it starts the stream (ps -L, top -H tell them apart).
check "rtkit: the feeding thread (bc-feed) and the callback (bc-audio) among them, by name" -- \
	sh -c 'case "$1 " in *" bc-feed "*) ;; *) exit 1 ;; esac; case "$1 " in *" bc-audio "*) ;; *) exit 1 ;; esac' - "$names"
lim=$(awk '/^Max realtime timeout/ { print $4, $5 }' "/proc/$DPID/limits")
echo "  RLIMIT_RTTIME: $lim"
check "rtkit: RLIMIT_RTTIME lowered to RTTimeUSecMax first" -- test "$lim" = "$RTTIME $RTTIME"
check "rtkit: sound heard" -- test -n "$(first_sound_after 0)"
"$BACKCOACH" stop >/dev/null
wait_status "^state: idle" 10

# A second session: new stream threads, asked for again; logged once.
n0=$calls
play_session
"$BACKCOACH" stop >/dev/null
wait_status "^state: idle" 10
calls=$(grep -c "MakeThreadRealtime [0-9]* $MAXPRIO\$" "$T/rtkit.log")
check "rtkit: the next session's new threads are asked for too" -- test "$calls" -ge $((n0 + 2))
check "rtkit: what was granted is logged once" -- \
	test "$(grep -c "realtime scheduling: SCHED_RR $MAXPRIO through rtkit" "$T/daemon.log")" -eq 1

daemon_finish
