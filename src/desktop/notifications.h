/* SPDX-License-Identifier: GPL-3.0-or-later */
/* notifications.h: a reminder as a desktop notification, by the
 * freedesktop Desktop Notifications specification over sd-bus
 * (org.freedesktop.Notifications: GNOME, KDE, dunst, mako, ...), with
 * action buttons; and whether the desktop says do not disturb.
 *
 * One notification at a time: notif_show replaces the one shown (the same
 * id), notif_close closes it. The user's answer comes back through
 * notif_ops: the action's key, or the notification dismissed. Do not
 * disturb is the notification server's Inhibited property, where it has
 * one (KDE), or GNOME's org.gnome.desktop.notifications show-banners
 * setting, read through the settings portal (org.freedesktop.portal.Settings);
 * notif_check_dnd asks both and reports through ops->dnd, and from then on
 * their changes are watched.
 *
 * The module owns one sd-bus connection, opened at the first use and kept;
 * every call is asynchronous with a timeout, nothing blocks the daemon's
 * loop, and an idle connection costs no wakeups. With no session bus or no
 * notification server, each call fails quietly (one log line). */
#ifndef BC_NOTIFICATIONS_H
#define BC_NOTIFICATIONS_H

#include <stdbool.h>
#include <stddef.h>

#define NOTIF_APP "backcoach"

struct notif_ops {
	/* An action button (its key) or the notification's body ("default")
	 * was clicked. The notification is then closed. */
	void (*action)(void *data, const char *key);
	/* The user dismissed the notification without an action. */
	void (*dismissed)(void *data);
	/* Do not disturb, as last read: on, and why ("Inhibited",
	 * "show-banners"). Also after a change. */
	void (*dnd)(void *data, bool on, const char *why);
	/* The server could not be reached (none runs): the caller goes on
	 * without notifications. */
	void (*unavailable)(void *data);
};

/* One button: its key (sent back to ops->action) and its label. */
struct notif_action {
	const char *key, *label;
};

struct loop;
struct notifications;

struct notifications *notif_new(struct loop *l, const struct notif_ops *ops, void *data);
/* Close the notification shown, flush, close the connection. */
void notif_free(struct notifications *n);

/* Show (or replace) the notification: summary, body, buttons; critical:
 * stays until answered (urgency critical, no expiry). */
void notif_show(struct notifications *n, const char *summary, const char *body,
		const struct notif_action *actions, size_t n_actions, bool critical);
/* Close it, if one is shown. */
void notif_close(struct notifications *n);
/* Is one shown (or being shown)? */
bool notif_shown(const struct notifications *n);

/* Ask whether do not disturb is on: the answer comes through ops->dnd
 * (off when nothing says so, or nothing answers). */
void notif_check_dnd(struct notifications *n);

#endif
