#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# unit.sh: the systemd user unit as built (systemd/backcoach.service):
# `systemd-analyze verify` finds nothing to say about it, and its
# ExecReload= is synchronous: run as systemd runs it against a running
# daemon, it returns only once the new config is in use, and on a bad
# config it fails with the FILE:LINE errors while the old config stays.
# (No systemd user manager runs here; the command is what it would run.)
# No sound server: reloading does not open the audio device.
set -u
: "${BACKCOACH:?}" "${TEST_DATA:?}" "${TOP_SRCDIR:?}" "${TEST_TOOLS:?}"
tmp=$(mktemp -d)
DPID=
trap '[ -z "$DPID" ] || { kill "$DPID"; wait "$DPID"; } 2>/dev/null; rm -rf "$tmp"' EXIT
failures=0 count=0
ok() { count=$((count + 1)); echo "ok: $1"; }
fail() { count=$((count + 1)); failures=$((failures + 1)); echo "FAIL: $1"; }
check() { d=$1; shift; if "$@"; then ok "$d"; else fail "$d"; fi; }

command -v systemd-analyze >/dev/null || { echo "SKIP: no systemd-analyze (apt-get install systemd)"; exit 77; }
built=$TEST_TOOLS/../systemd/backcoach.service
[ -f "$built" ] || { echo "FAIL: $built not built"; exit 1; }
bindir=$(sed -n 's|^ExecStart=\(.*\)/backcoach run$|\1|p' "$built")
[ -n "$bindir" ] || { echo "FAIL: no ExecStart=BINDIR/backcoach run in $built"; exit 1; }
# The unit as installed, with BINDIR where the program under test is.
mkdir -p "$tmp/bin" "$tmp/units"
ln -s "$BACKCOACH" "$tmp/bin/backcoach"
sed "s|$bindir/backcoach|$tmp/bin/backcoach|g" "$built" >"$tmp/units/backcoach.service"

export XDG_RUNTIME_DIR="$tmp/run" XDG_STATE_HOME="$tmp/state" XDG_CACHE_HOME="$tmp/cache" XDG_CONFIG_HOME="$tmp/config" HOME="$tmp"
mkdir -m 700 "$XDG_RUNTIME_DIR"
mkdir -p "$tmp/nobus"
export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$tmp/nobus/system" \
	DBUS_SESSION_BUS_ADDRESS="unix:path=$tmp/nobus/session"

## systemd-analyze verify: nothing to say. (It looks up Documentation=
## man:backcoach(1) and man:backcoach.ini(5): the pages as installed.)
mkdir -p "$tmp/man/man1" "$tmp/man/man5"
ln -s "$TOP_SRCDIR/man/backcoach.1" "$tmp/man/man1/"
ln -s "$TOP_SRCDIR/man/backcoach.ini.5" "$tmp/man/man5/"
MANPATH=$tmp/man
export MANPATH
if systemd-analyze --user verify "$tmp/units/backcoach.service" >"$tmp/verify" 2>&1 &&
	! grep -q . "$tmp/verify"; then
	ok "systemd-analyze --user verify: clean"
else
	fail "systemd-analyze --user verify:"; sed 's/^/  /' "$tmp/verify"
fi

## ExecReload=: what systemd runs, word by word ($MAINPID set, as systemd
## sets it in the command's environment and expands it).
reload=$(sed -n 's/^ExecReload=//p' "$tmp/units/backcoach.service")
case $reload in
*"kill"*) fail "ExecReload= only signals ($reload): systemctl reload would not wait" ;;
esac
exec_reload() { MAINPID=$DPID; export MAINPID; eval "$reload"; }

cp "$TEST_DATA/daemon-short.ini" "$tmp/cfg.ini"
"$BACKCOACH" --config "$tmp/cfg.ini" run >"$tmp/daemon.log" 2>&1 &
DPID=$!
i=0
until "$BACKCOACH" status >/dev/null 2>&1; do
	i=$((i + 1))
	if [ $i -gt 400 ] || ! kill -0 "$DPID" 2>/dev/null; then
		echo "FAIL: the daemon did not start:"; tail -20 "$tmp/daemon.log"; exit 1
	fi
	sleep 0.05
done
before=$("$BACKCOACH" status | grep '^default routine:')

# A bad config: the reload fails, says FILE:LINE, the old one stays.
cp "$TEST_DATA/daemon-broken.ini" "$tmp/cfg.ini"
exec_reload >"$tmp/out" 2>"$tmp/err"
rc=$?
check "ExecReload on a bad config fails (exit $rc)" test "$rc" -ne 0
check "ExecReload on a bad config says FILE:LINE" grep -q "$tmp/cfg.ini:[0-9][0-9]*: " "$tmp/err"
check "the daemon is still running" kill -0 "$DPID"
check "the old config stays in use" sh -c "\"$BACKCOACH\" status | grep -qx '$before'"

# A good config: in use the moment the command returns (no waiting).
cp "$TEST_DATA/daemon-other.ini" "$tmp/cfg.ini"
exec_reload >"$tmp/out" 2>"$tmp/err"
rc=$?
check "ExecReload on a good config succeeds" test "$rc" -eq 0
check "the new config is in use when ExecReload returns" \
	sh -c "\"$BACKCOACH\" status | grep -q '^default routine: other'"

echo "$((count - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
