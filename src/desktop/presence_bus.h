/* SPDX-License-Identifier: GPL-3.0-or-later */
/* presence_bus.h: whether you are at the machine, from the desktop's own
 * D-Bus signals (sd-bus), event-driven, never polled.
 *
 * System bus: systemd-logind. The user's display session is resolved to its
 * real object path (logind sends no signals on the "auto"/"self" paths, and
 * a user service runs outside any session): XDG_SESSION_ID when set, else
 * the User object's Display property, else the first of the user's
 * sessions from ListSessions that has a seat. Watched there: LockedHint,
 * IdleHint and IdleSinceHintMonotonic (PropertiesChanged), Lock and Unlock;
 * on the Manager, PrepareForSleep, and SessionNew/SessionRemoved to follow a
 * session that is replaced (log out and in).
 *
 * Session bus: GNOME's org.gnome.Mutter.IdleMonitor (an idle watch at the
 * idle threshold, then a user-active watch) and org.freedesktop.ScreenSaver
 * as KDE offers it (ActiveChanged).
 *
 * Each service is followed by NameOwnerChanged: one that appears later is
 * taken up, one that goes away drops its reasons. A bus that is missing is
 * waited for with inotify on its socket's directory (no wakeups until the
 * socket appears); a bus that dies is logged and waited for again. Reasons
 * are reported with when they began (CLOCK_BOOTTIME milliseconds). */
#ifndef BC_PRESENCE_BUS_H
#define BC_PRESENCE_BUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct loop;
struct pbus;

struct pbus_ops {
	/* Reason (PRESENCE_*) began (on) or ended at `at`. */
	void (*changed)(void *data, unsigned reason, bool on, int64_t at);
	/* The sources in use changed (pbus_describe says which). May be NULL. */
	void (*sources)(void *data);
	/* pbus_ask_idle's answer came (after changed, if it changed anything).
	 * May be NULL. */
	void (*answered)(void *data);
};

/* Start watching (never fails: what is missing is waited for). idle_ms: the
 * idle threshold for GNOME's idle monitor. */
struct pbus *pbus_new(struct loop *l, int64_t idle_ms,
		      const struct pbus_ops *ops, void *data);
void pbus_free(struct pbus *b);
/* A new idle threshold (config reload). */
void pbus_set_idle(struct pbus *b, int64_t idle_ms);
/* A reminder falls due: where idleness has no signal (KDE's ScreenSaver
 * without GNOME's idle monitor), ask the idle time now. Returns true when
 * a question went out: the answer comes through changed (idle past the
 * threshold: PRESENCE_DESKTOP_IDLE since then, asked again every
 * idle_ms / 2, 5 s to 1 min, until you are back) and answered. False: no
 * such source, or it was answered in the last 2 s. */
bool pbus_ask_idle(struct pbus *b);

/* The sources in use, "logind session 2, GNOME idle monitor", into buf;
 * returns false (buf empty) when there are none. */
bool pbus_describe(const struct pbus *b, char *buf, size_t len);

/* CLOCK_BOOTTIME now, in milliseconds. */
int64_t pbus_boot_ms(void);

#endif
