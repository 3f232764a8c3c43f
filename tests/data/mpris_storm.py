#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
# mpris_storm.py CALLS CLIENTS [MODE]: a storm of MPRIS calls at
# org.mpris.MediaPlayer2.backcoach on the session bus (DBUS_SESSION_BUS_ADDRESS):
# CALLS calls shared by CLIENTS processes, each on its own connection with
# WINDOW (32) calls in flight at once, so the daemon's socket is never empty.
# The calls: Properties.Get of PlaybackStatus, Metadata, Position, Identity,
# CanSeek; GetAll of the player; Seek and Raise (no effect); every reply is
# checked (a known status, the routine's track, Identity "backcoach", ...).
# MODE: read (the default): those. pause: those, and the first client sends
# Pause halfway through its share and checks that every PlaybackStatus it
# asks after the Pause's reply is "Paused", and every one before it
# "Playing". toggle: PlayPause only (each pauses or resumes the session).
#
# Prints one line of figures (key=value) and exits 0; the caller asserts:
#   calls= answered= wrong= errors= seconds= paused_ok= paused_bad=
#   before_ok= before_bad= first_error=
import json
import os
import sys
import time

from gi.repository import Gio, GLib

DEST = "org.mpris.MediaPlayer2.backcoach"
PATH = "/org/mpris/MediaPlayer2"
ROOT = "org.mpris.MediaPlayer2"
PLAYER = "org.mpris.MediaPlayer2.Player"
PROPS = "org.freedesktop.DBus.Properties"
WINDOW = 32
TIMEOUT_MS = 60000


def get(prop, iface=PLAYER):
    return (PROPS, "Get", GLib.Variant("(ss)", (iface, prop)), prop)


READS = [
    get("PlaybackStatus"),
    get("Metadata"),
    get("Position"),
    get("Identity", ROOT),
    (PROPS, "GetAll", GLib.Variant("(s)", (PLAYER,)), "GetAll"),
    (PLAYER, "Seek", GLib.Variant("(x)", (0,)), "Seek"),
    get("CanSeek"),
    (ROOT, "Raise", None, "Raise"),
]
TOGGLES = [(PLAYER, "PlayPause", None, "PlayPause")]
CALLS = READS


def valid(kind, reply):
    """Is this reply what the daemon should answer while a session plays?"""
    v = reply.unpack()
    if kind in ("Seek", "Raise", "PlayPause"):
        return v == ()
    if kind == "GetAll":
        d = v[0]
        return d.get("PlaybackStatus") in ("Playing", "Paused") and \
            d.get("CanSeek") is False and "Metadata" in d
    v = v[0]
    if kind == "PlaybackStatus":
        return v in ("Playing", "Paused")
    if kind == "Metadata":
        return str(v.get("mpris:trackid", "")).startswith("/org/backcoach/session") \
            and isinstance(v.get("xesam:title"), str)
    if kind == "Position":
        return isinstance(v, int) and v >= 0
    if kind == "Identity":
        return v == "backcoach"
    if kind == "CanSeek":
        return v is False
    return False


def client(n, pause, out):
    bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
    loop = GLib.MainLoop()
    st = {"calls": 0, "answered": 0, "wrong": 0, "errors": 0,
          "paused_ok": 0, "paused_bad": 0, "before_ok": 0, "before_bad": 0,
          "first_error": ""}
    sent = [0]
    done = [0]
    pause_at = n // 2 if pause else -1
    paused = [None]  # None: not sent; False: in flight; True: answered

    def on_reply(conn, res, data):
        kind, phase = data
        try:
            reply = conn.call_finish(res)
        except GLib.Error as e:
            st["errors"] += 1
            if not st["first_error"]:
                st["first_error"] = "%s: %s" % (kind, e.message)
            reply = None
        if reply is not None:
            st["answered"] += 1
            if kind == "Pause":
                paused[0] = True
            elif not valid(kind, reply):
                st["wrong"] += 1
            elif kind == "PlaybackStatus" and phase == "after":
                st["paused_ok" if reply.unpack()[0] == "Paused" else "paused_bad"] += 1
            elif kind == "PlaybackStatus" and phase == "before":
                st["before_ok" if reply.unpack()[0] == "Playing" else "before_bad"] += 1
        done[0] += 1
        send()
        if done[0] == n + (1 if pause else 0):
            loop.quit()

    def send():
        while sent[0] < n and sent[0] - done[0] < WINDOW:
            if sent[0] == pause_at and paused[0] is None:
                paused[0] = False
                st["calls"] += 1
                bus.call(DEST, PATH, PLAYER, "Pause", None, None,
                         Gio.DBusCallFlags.NONE, TIMEOUT_MS, None, on_reply,
                         ("Pause", ""))
                return  # the rest after its reply
            if paused[0] is False:
                return
            iface, method, args, kind = CALLS[sent[0] % len(CALLS)]
            phase = "" if not pause else "after" if paused[0] else "before"
            bus.call(DEST, PATH, iface, method, args, None,
                     Gio.DBusCallFlags.NONE, TIMEOUT_MS, None, on_reply,
                     (kind, phase))
            sent[0] += 1
            st["calls"] += 1

    GLib.idle_add(lambda: send() and False)
    loop.run()
    os.write(out, (json.dumps(st) + "\n").encode())


def main():
    global CALLS
    calls, clients = int(sys.argv[1]), int(sys.argv[2])
    mode = sys.argv[3] if len(sys.argv) > 3 else "read"
    if mode not in ("read", "pause", "toggle"):
        sys.exit("mpris_storm.py: MODE is read, pause or toggle, not %s" % mode)
    pause = mode == "pause"
    CALLS = TOGGLES if mode == "toggle" else READS
    r, w = os.pipe()
    t0 = time.monotonic()
    pids = []
    for i in range(clients):
        share = calls // clients + (1 if i < calls % clients else 0)
        pid = os.fork()
        if pid == 0:
            os.close(r)
            try:
                client(share, pause and i == 0, w)
            finally:
                os._exit(0)
        pids.append(pid)
    os.close(w)
    for pid in pids:
        os.waitpid(pid, 0)
    secs = time.monotonic() - t0
    total = {"calls": 0, "answered": 0, "wrong": 0, "errors": 0,
             "paused_ok": 0, "paused_bad": 0, "before_ok": 0, "before_bad": 0}
    first = ""
    with os.fdopen(r) as f:
        for line in f:
            st = json.loads(line)
            for k in total:
                total[k] += st[k]
            first = first or st["first_error"]
    print(" ".join("%s=%d" % kv for kv in total.items()) +
          " seconds=%.2f first_error=%s" % (secs, json.dumps(first)))


main()
