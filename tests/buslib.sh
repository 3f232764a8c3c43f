# SPDX-License-Identifier: GPL-3.0-or-later
# buslib.sh: private D-Bus system and session buses and python3-dbusmock
# services for the presence tests (sourced, POSIX sh, after daemonlib.sh).
#
#   bus_setup                 # addresses in $T (no bus runs yet); the
#                             # daemon finds them through DBUS_*_BUS_ADDRESS
#   bus_start system|session  # a dbus-daemon on that address
#   bus_kill system|session
#   logind_start              # dbusmock's logind template on the system bus
#   logind_add_session ID     # a session of ours on seat0 (+ SessionNew)
#   logind_lock ID true|false # LockedHint, as a screen locker sets it
#   logind_idle ID true|false # IdleHint (the template's SetIdleHint does
#                             # nothing: Mock.UpdateProperties)
#   logind_sleep true|false   # Manager.PrepareForSleep (Mock.EmitSignal)
#   mutter_start              # GNOME's idle monitor (tests/data/mutter_idle.py)
#   mutter_fire ID            # WatchFired(ID): 1 = idle, 2 = active again
#   kde_start; kde_lock true|false  # org.freedesktop.ScreenSaver (KDE)
#   kde_idle MS               # what its GetSessionIdleTime answers
#   mic_load                  # a microphone, bc_mic, on the test server
#   notif_start               # dbusmock's notification_daemon template on
#                             # the session bus (with actions); its calls
#                             # in $T/bus/notif.calls
#   notif_id                  # the id of the latest new notification
#   notif_action ID KEY       # the user clicks KEY (ActionInvoked)
#   notif_dismiss ID          # the user dismisses it (NotificationClosed 2)
#   notif_inhibit true|false  # do not disturb: its Inhibited property
#   portal_start; portal_banners true|false
#                             # GNOME's show-banners, through a stand-in
#                             # settings portal (Read, SettingChanged)
# Everything started here is stopped by bus_stop (from the EXIT trap).

BUS_PIDS=
BUS_MOCKS=

bus_setup() {
	command -v dbus-daemon >/dev/null 2>&1 || pa_skip "dbus-daemon not installed (apt-get install dbus)"
	command -v gdbus >/dev/null 2>&1 || pa_skip "gdbus not installed (apt-get install libglib2.0-bin)"
	/usr/bin/python3 -c 'import dbusmock' 2>/dev/null ||
		pa_skip "python3-dbusmock not installed (apt-get install python3-dbusmock)"
	mkdir -p "$T/bus"
	export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$T/bus/system"
	export DBUS_SESSION_BUS_ADDRESS="unix:path=$T/bus/session"
	# Our process is in no logind session: the daemon must find it.
	unset XDG_SESSION_ID 2>/dev/null || :
	trap 'daemon_stop; bus_stop; pa_stop' EXIT
}

bus_start() {
	cat >"$T/bus/$1.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=$T/bus/$1</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
CONF
	_p=$(dbus-daemon --config-file="$T/bus/$1.conf" --fork --print-pid) || return 1
	eval "BUS_PID_$1=$_p"
	BUS_PIDS="$BUS_PIDS $_p"
}

bus_kill() {
	eval "_p=\${BUS_PID_$1:-}"
	[ -n "$_p" ] && kill "$_p" 2>/dev/null
	eval "BUS_PID_$1="
	rm -f "$T/bus/$1"
}

# Wait until NAME is owned on the bus (--system or --session): TRIES
# times 50 ms at most (default 100: 5 s).
_bus_wait_name() {
	_i=0
	until gdbus call "$1" -d org.freedesktop.DBus -o /org/freedesktop/DBus \
		-m org.freedesktop.DBus.GetNameOwner "$2" >/dev/null 2>&1; do
		_i=$((_i + 1))
		[ $_i -gt "${3:-100}" ] && { echo "$2 did not appear"; return 1; }
		sleep 0.05
	done
}

logind_start() {
	/usr/bin/python3 -m dbusmock --system --template logind >>"$T/bus/logind.log" 2>&1 &
	BUS_MOCKS="$BUS_MOCKS $!"
	_bus_wait_name --system org.freedesktop.login1
}

LOGIND=org.freedesktop.login1
L1=/org/freedesktop/login1

_logind() { gdbus call --system -d $LOGIND "$@" >/dev/null; }

logind_add_session() {
	_logind -o $L1 -m org.freedesktop.DBus.Mock.AddSession \
		"$1" seat0 "$(id -u)" "$(id -un)" true &&
	_logind -o $L1 -m org.freedesktop.DBus.Mock.EmitSignal \
		org.freedesktop.login1.Manager SessionNew so \
		"[<'$1'>, <objectpath '$L1/session/$1'>]"
}

# The user's display session (User.Display), as logind sets it.
logind_display() {
	# (Mock.UpdateProperties cannot wrap a struct: Properties.Set.)
	_logind -o "$L1/user/$(id -u)" -m org.freedesktop.DBus.Properties.Set \
		org.freedesktop.login1.User Display \
		"<('$1', objectpath '$L1/session/$1')>"
}

logind_remove_session() {
	_logind -o $L1 -m org.freedesktop.DBus.Mock.RemoveObject "$L1/session/$1" &&
	_logind -o $L1 -m org.freedesktop.DBus.Mock.EmitSignal \
		org.freedesktop.login1.Manager SessionRemoved so \
		"[<'$1'>, <objectpath '$L1/session/$1'>]"
}

logind_lock() {
	_logind -o "$L1/session/$1" -m org.freedesktop.login1.Session.SetLockedHint "$2"
}

logind_idle() {
	_logind -o "$L1/session/$1" -m org.freedesktop.DBus.Mock.UpdateProperties \
		org.freedesktop.login1.Session "{'IdleHint': <$2>}"
}

logind_sleep() {
	_logind -o $L1 -m org.freedesktop.DBus.Mock.EmitSignal \
		org.freedesktop.login1.Manager PrepareForSleep b "[<$1>]"
}

mutter_start() {
	/usr/bin/python3 -m dbusmock --session --template "$TEST_DATA/mutter_idle.py" \
		>>"$T/bus/mutter.log" 2>&1 &
	BUS_MOCKS="$BUS_MOCKS $!"
	_bus_wait_name --session org.gnome.Mutter.IdleMonitor
}

mutter_fire() {
	gdbus call --session -d org.gnome.Mutter.IdleMonitor \
		-o /org/gnome/Mutter/IdleMonitor/Core \
		-m org.freedesktop.DBus.Mock.EmitSignal org.gnome.Mutter.IdleMonitor \
		WatchFired u "[<uint32 $1>]" >/dev/null
}

kde_start() {
	/usr/bin/python3 -m dbusmock --session --template "$TEST_DATA/kde_screensaver.py" \
		>>"$T/bus/kde.log" 2>&1 &
	BUS_MOCKS="$BUS_MOCKS $!"
	_bus_wait_name --session org.freedesktop.ScreenSaver
}

# kde_lock true|false: the screen locks (ActiveChanged).
kde_lock() {
	gdbus call --session -d org.freedesktop.ScreenSaver -o /ScreenSaver \
		-m org.freedesktop.DBus.Mock.EmitSignal org.freedesktop.ScreenSaver \
		ActiveChanged b "[<$1>]" >/dev/null
}

# kde_idle MS: what GetSessionIdleTime answers from now on.
kde_idle() {
	gdbus call --session -d org.freedesktop.ScreenSaver -o /ScreenSaver \
		-m org.freedesktop.DBus.Mock.UpdateProperties org.freedesktop.ScreenSaver \
		"{'IdleMs': <uint32 $1>}" >/dev/null
}

# A microphone on the test server: a null source (PulseAudio), or a virtual
# source (pipewire-pulse has no module-null-source).
mic_load() {
	pactl load-module module-null-source source_name=bc_mic >/dev/null 2>&1 ||
		pactl load-module module-null-sink media.class=Audio/Source/Virtual \
			sink_name=bc_mic channel_map=mono >/dev/null
}

bus_stop() {
	for _p in $BUS_MOCKS $BUS_PIDS; do
		kill "$_p" 2>/dev/null
	done
	BUS_MOCKS= BUS_PIDS=
}

NOTIF=org.freedesktop.Notifications
NOTIF_PATH=/org/freedesktop/Notifications

notif_start() {
	/usr/bin/python3 -m dbusmock --session --template notification_daemon \
		-p '{"capabilities": "body actions persistence"}' \
		-l "$T/bus/notif.calls" >>"$T/bus/notif.log" 2>&1 &
	BUS_MOCKS="$BUS_MOCKS $!"
	_bus_wait_name --session $NOTIF
}
_notif() { gdbus call --session -d $NOTIF -o $NOTIF_PATH "$@" >/dev/null; }
# The template numbers new notifications 1, 2, ...: the count of Notify
# calls that replace none.
notif_id() { grep -c ' Notify "backcoach" 0 ' "$T/bus/notif.calls" 2>/dev/null; }
notif_action() {
	_notif -m org.freedesktop.DBus.Mock.EmitSignal $NOTIF ActionInvoked us \
		"[<uint32 $1>, <'$2'>]"
}
notif_dismiss() {
	_notif -m org.freedesktop.DBus.Mock.EmitSignal $NOTIF NotificationClosed uu \
		"[<uint32 $1>, <uint32 2>]"
}
# Do not disturb, as KDE's server tells it: the Inhibited property and its
# PropertiesChanged.
notif_inhibit() {
	[ -n "${_NOTIF_PROP:-}" ] ||
		_notif -m org.freedesktop.DBus.Mock.AddProperty $NOTIF Inhibited "<false>"
	_NOTIF_PROP=1
	_notif -m org.freedesktop.DBus.Mock.UpdateProperties $NOTIF "{'Inhibited': <$1>}"
}

PORTAL=org.freedesktop.portal.Desktop
PORTAL_PATH=/org/freedesktop/portal/desktop
portal_start() {
	echo true >"$T/bus/banners"
	/usr/bin/python3 -m dbusmock --session $PORTAL $PORTAL_PATH org.freedesktop.portal.Settings \
		>>"$T/bus/portal.log" 2>&1 &
	BUS_MOCKS="$BUS_MOCKS $!"
	_bus_wait_name --session $PORTAL &&
	gdbus call --session -d $PORTAL -o $PORTAL_PATH -m org.freedesktop.DBus.Mock.AddMethod \
		org.freedesktop.portal.Settings Read ss v \
		"ret = dbus.Boolean(open('$T/bus/banners').read().strip() == 'true', variant_level=1) if args == ['org.gnome.desktop.notifications', 'show-banners'] else None" \
		>/dev/null
}
portal_banners() {
	echo "$1" >"$T/bus/banners"
	gdbus call --session -d $PORTAL -o $PORTAL_PATH -m org.freedesktop.DBus.Mock.EmitSignal \
		org.freedesktop.portal.Settings SettingChanged ssv \
		"[<'org.gnome.desktop.notifications'>, <'show-banners'>, <<$1>>]" >/dev/null
}
