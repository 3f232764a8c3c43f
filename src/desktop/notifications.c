/* SPDX-License-Identifier: GPL-3.0-or-later */
/* notifications.c: the reminder as a desktop notification, and do not
 * disturb; see notifications.h. */
#include "desktop/notifications.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/util.h"

#ifdef HAVE_LIBSYSTEMD

#include <errno.h>

#include <systemd/sd-bus.h>

#include "desktop/bus_source.h"

#define NOTIF_NAME "org.freedesktop.Notifications"
#define NOTIF_PATH "/org/freedesktop/Notifications"
#define NOTIF_IFACE "org.freedesktop.Notifications"
#define PORTAL_NAME "org.freedesktop.portal.Desktop"
#define PORTAL_PATH "/org/freedesktop/portal/desktop"
#define PORTAL_IFACE "org.freedesktop.portal.Settings"
#define GNOME_NS "org.gnome.desktop.notifications"
#define GNOME_KEY "show-banners"

#define CALL_TIMEOUT_US (2 * 1000000ull)

/* NotificationClosed reasons (the specification's). */
#define CLOSED_DISMISSED 2

struct notifications {
	const struct notif_ops *ops;
	void *data;
	struct loop *loop;
	sd_bus *bus;
	struct bus_source *src;
	bool warned;             /* no bus or no server: said once */

	uint32_t id;             /* the notification shown, 0: none */
	bool showing;            /* a Notify in flight or its notification shown */
	bool close_pending;      /* closed while its Notify was in flight */
	sd_bus_slot *notify_call;
	sd_bus_slot *on_action, *on_closed; /* signal matches */

	/* Do not disturb: the two answers, and the calls asking. */
	sd_bus_slot *inhibit_call, *portal_call;
	sd_bus_slot *on_props, *on_setting; /* their changes */
	bool inhibited, banners_off;
	bool watching;
};

static const char *reply_error(sd_bus_message *reply)
{
	const sd_bus_error *e = sd_bus_message_get_error(reply);

	return e && e->message ? e->message : e && e->name ? e->name : "error";
}

static void slots_drop(struct notifications *n)
{
	n->notify_call = sd_bus_slot_unref(n->notify_call);
	n->inhibit_call = sd_bus_slot_unref(n->inhibit_call);
	n->portal_call = sd_bus_slot_unref(n->portal_call);
	n->on_action = sd_bus_slot_unref(n->on_action);
	n->on_closed = sd_bus_slot_unref(n->on_closed);
	n->on_props = sd_bus_slot_unref(n->on_props);
	n->on_setting = sd_bus_slot_unref(n->on_setting);
	n->watching = false;
}

static void bus_close(struct notifications *n, bool flush)
{
	if (!n->bus)
		return;
	slots_drop(n);
	bus_source_free(n->src);
	n->src = NULL;
	n->bus = flush ? sd_bus_flush_close_unref(n->bus) : sd_bus_close_unref(n->bus);
	n->id = 0;
	n->showing = n->close_pending = false;
}

static void bus_lost(void *data, int err)
{
	log_warn("notifications: session bus connection lost (%s)", strerror(-err));
	bus_close(data, false);
}

/* ---- the user's answer ---- */

static int on_action(sd_bus_message *m, void *ud, sd_bus_error *e)
{
	struct notifications *n = ud;
	uint32_t id;
	const char *key;

	(void)e;
	if (sd_bus_message_read(m, "us", &id, &key) < 0 || !n->id || id != n->id)
		return 0;
	log_debug("notification %u: %s", id, key);
	/* Answered: closed, whatever the server does with it. */
	(void)sd_bus_call_method_async(n->bus, NULL, NOTIF_NAME, NOTIF_PATH, NOTIF_IFACE,
				       "CloseNotification", NULL, NULL, "u", id);
	n->id = 0;
	n->showing = false;
	if (n->ops->action)
		n->ops->action(n->data, key);
	return 0;
}

static int on_closed(sd_bus_message *m, void *ud, sd_bus_error *e)
{
	struct notifications *n = ud;
	uint32_t id, reason;

	(void)e;
	if (sd_bus_message_read(m, "uu", &id, &reason) < 0 || !n->id || id != n->id)
		return 0;
	log_debug("notification %u closed (reason %u)", id, reason);
	n->id = 0;
	n->showing = false;
	if (reason == CLOSED_DISMISSED && n->ops->dismissed)
		n->ops->dismissed(n->data);
	return 0;
}

/* ---- the bus ---- */

static int bus_open(struct notifications *n)
{
	sd_bus *bus = NULL;
	int r;

	if (n->bus)
		return 0;
	r = sd_bus_open_user_with_description(&bus, "backcoach-notifications");
	if (r < 0) {
		if (!n->warned)
			log_warn("no session bus (%s): reminders are spoken only", strerror(-r));
		n->warned = true;
		return -1;
	}
	n->bus = bus;
	n->src = bus_source_new(n->loop, bus, bus_lost, n);
	/* Answers from the notification server only. */
	r = sd_bus_match_signal_async(bus, &n->on_action, NOTIF_NAME, NOTIF_PATH, NOTIF_IFACE,
				      "ActionInvoked", on_action, NULL, n);
	if (r >= 0)
		r = sd_bus_match_signal_async(bus, &n->on_closed, NOTIF_NAME, NOTIF_PATH,
					      NOTIF_IFACE, "NotificationClosed", on_closed,
					      NULL, n);
	if (r < 0)
		log_warn("notifications: cannot watch the answers: %s", strerror(-r));
	return 0;
}

static bool reply_no_server(sd_bus_message *reply)
{
	return sd_bus_message_is_method_error(reply, SD_BUS_ERROR_SERVICE_UNKNOWN) ||
	       sd_bus_message_is_method_error(reply, SD_BUS_ERROR_NAME_HAS_NO_OWNER) ||
	       sd_bus_message_is_method_error(reply, SD_BUS_ERROR_NO_REPLY) ||
	       sd_bus_message_is_method_error(reply, SD_BUS_ERROR_TIMEOUT);
}

static int on_notify(sd_bus_message *reply, void *ud, sd_bus_error *e)
{
	struct notifications *n = ud;
	uint32_t id = 0;

	(void)e;
	n->notify_call = sd_bus_slot_unref(n->notify_call);
	if (sd_bus_message_is_method_error(reply, NULL)) {
		bool none = reply_no_server(reply);

		if (!n->warned)
			log_warn("notifications: %s%s", none ? "no notification server: " : "",
				 reply_error(reply));
		n->warned = true;
		n->showing = n->close_pending = false;
		if (n->ops->unavailable)
			n->ops->unavailable(n->data);
		return 0;
	}
	if (sd_bus_message_read(reply, "u", &id) < 0)
		return 0;
	if (n->warned)
		log_info("notifications: the notification server is back");
	n->warned = false;
	n->id = id;
	if (n->close_pending)
		notif_close(n);
	return 0;
}

void notif_show(struct notifications *n, const char *summary, const char *body,
		const struct notif_action *actions, size_t n_actions, bool critical)
{
	sd_bus_message *m = NULL;
	int r;

	if (!n || bus_open(n) < 0)
		goto fail;
	n->notify_call = sd_bus_slot_unref(n->notify_call);
	r = sd_bus_message_new_method_call(n->bus, &m, NOTIF_NAME, NOTIF_PATH, NOTIF_IFACE,
					   "Notify");
	if (r >= 0)
		r = sd_bus_message_append(m, "susss", NOTIF_APP, n->id, "backcoach", summary,
					  body ? body : "");
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'a', "s");
	for (size_t i = 0; r >= 0 && i < n_actions; i++)
		r = sd_bus_message_append(m, "ss", actions[i].key, actions[i].label);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	if (r >= 0)
		r = sd_bus_message_append(m, "a{sv}", 3, "urgency", "y", (uint8_t)(critical ? 2 : 1),
					  "desktop-entry", "s", "backcoach",
					  "category", "s", "presence");
	if (r >= 0)
		r = sd_bus_message_append(m, "i", critical ? 0 : -1);
	if (r >= 0)
		r = sd_bus_call_async(n->bus, &n->notify_call, m, on_notify, n, CALL_TIMEOUT_US);
	sd_bus_message_unref(m);
	if (r < 0) {
		log_warn("notifications: cannot send: %s", strerror(-r));
		goto fail;
	}
	n->showing = true;
	n->close_pending = false;
	return;
fail:
	if (n && n->ops->unavailable)
		n->ops->unavailable(n->data);
}

void notif_close(struct notifications *n)
{
	if (!n || !n->bus || !n->showing)
		return;
	if (!n->id) { /* its Notify is in flight: closed when it answers */
		n->close_pending = true;
		return;
	}
	(void)sd_bus_call_method_async(n->bus, NULL, NOTIF_NAME, NOTIF_PATH, NOTIF_IFACE,
				       "CloseNotification", NULL, NULL, "u", n->id);
	n->id = 0;
	n->showing = n->close_pending = false;
}

bool notif_shown(const struct notifications *n)
{
	return n && n->showing;
}

/* ---- do not disturb ---- */

static void dnd_report(struct notifications *n)
{
	if (n->inhibit_call || n->portal_call)
		return; /* the other answer is still to come */
	if (n->ops->dnd)
		n->ops->dnd(n->data, n->inhibited || n->banners_off,
			    n->inhibited ? "the notification server is inhibited"
			    : n->banners_off ? "notification banners are off (GNOME)" : "");
}

/* A variant's boolean, through any nesting of variants (the settings
 * portal's Read wraps the value twice). */
static int read_bool_variant(sd_bus_message *m, bool *v)
{
	char type;
	const char *contents;
	int b, r;

	for (int depth = 0; depth < 4; depth++) {
		r = sd_bus_message_peek_type(m, &type, &contents);
		if (r <= 0)
			return -EINVAL;
		if (type == 'b') {
			r = sd_bus_message_read(m, "b", &b);
			if (r >= 0)
				*v = b;
			return r;
		}
		if (type != 'v')
			return -EINVAL;
		r = sd_bus_message_enter_container(m, 'v', contents);
		if (r < 0)
			return r;
	}
	return -EINVAL;
}

static int on_inhibited(sd_bus_message *reply, void *ud, sd_bus_error *e)
{
	struct notifications *n = ud;
	bool v = false;

	(void)e;
	n->inhibit_call = sd_bus_slot_unref(n->inhibit_call);
	/* No such property (most servers) or no server: not inhibited. */
	if (!sd_bus_message_is_method_error(reply, NULL) && read_bool_variant(reply, &v) >= 0)
		n->inhibited = v;
	else
		n->inhibited = false;
	dnd_report(n);
	return 0;
}

static int on_banners(sd_bus_message *reply, void *ud, sd_bus_error *e)
{
	struct notifications *n = ud;
	bool v = true;

	(void)e;
	n->portal_call = sd_bus_slot_unref(n->portal_call);
	/* No portal, no GNOME: banners as usual. */
	if (!sd_bus_message_is_method_error(reply, NULL) && read_bool_variant(reply, &v) >= 0)
		n->banners_off = !v;
	else
		n->banners_off = false;
	dnd_report(n);
	return 0;
}

static void dnd_ask(struct notifications *n)
{
	int r;

	n->inhibit_call = sd_bus_slot_unref(n->inhibit_call);
	n->portal_call = sd_bus_slot_unref(n->portal_call);
	r = sd_bus_call_method_async(n->bus, &n->inhibit_call, NOTIF_NAME, NOTIF_PATH,
				     "org.freedesktop.DBus.Properties", "Get", on_inhibited, n,
				     "ss", NOTIF_IFACE, "Inhibited");
	if (r < 0)
		n->inhibit_call = NULL;
	r = sd_bus_call_method_async(n->bus, &n->portal_call, PORTAL_NAME, PORTAL_PATH,
				     PORTAL_IFACE, "Read", on_banners, n, "ss", GNOME_NS,
				     GNOME_KEY);
	if (r < 0)
		n->portal_call = NULL;
	if (!n->inhibit_call && !n->portal_call)
		dnd_report(n);
}

/* Inhibited or show-banners changed: ask both again. */
static int on_dnd_changed(sd_bus_message *m, void *ud, sd_bus_error *e)
{
	struct notifications *n = ud;
	const char *a = NULL, *b = NULL;

	(void)e;
	if (sd_bus_message_is_signal(m, PORTAL_IFACE, "SettingChanged") &&
	    (sd_bus_message_read(m, "ss", &a, &b) < 0 || strcmp(a, GNOME_NS) != 0 ||
	     strcmp(b, GNOME_KEY) != 0))
		return 0;
	log_debug("do not disturb may have changed");
	dnd_ask(n);
	return 0;
}

void notif_check_dnd(struct notifications *n)
{
	int r = 0;

	if (!n || bus_open(n) < 0) {
		if (n && n->ops->dnd)
			n->ops->dnd(n->data, false, "");
		return;
	}
	if (!n->watching) {
		/* PropertiesChanged of the server's interface, SettingChanged of
		 * the portal; each from its owner only. */
		r = sd_bus_match_signal_async(n->bus, &n->on_props, NOTIF_NAME, NOTIF_PATH,
					      "org.freedesktop.DBus.Properties",
					      "PropertiesChanged", on_dnd_changed, NULL, n);
		if (r >= 0)
			r = sd_bus_match_signal_async(n->bus, &n->on_setting, PORTAL_NAME,
						      PORTAL_PATH, PORTAL_IFACE,
						      "SettingChanged", on_dnd_changed, NULL, n);
		if (r < 0)
			log_warn("notifications: cannot watch do not disturb: %s", strerror(-r));
		n->watching = true;
	}
	dnd_ask(n);
}

struct notifications *notif_new(struct loop *l, const struct notif_ops *ops, void *data)
{
	struct notifications *n = xcalloc(1, sizeof(*n));

	n->ops = ops;
	n->data = data;
	n->loop = l;
	return n;
}

void notif_free(struct notifications *n)
{
	if (!n)
		return;
	notif_close(n);
	bus_close(n, true);
	free(n);
}

#else /* no libsystemd */

struct notifications {
	const struct notif_ops *ops;
	void *data;
};

struct notifications *notif_new(struct loop *l, const struct notif_ops *ops, void *data)
{
	struct notifications *n = xcalloc(1, sizeof(*n));

	(void)l;
	n->ops = ops;
	n->data = data;
	log_info("built without libsystemd: no desktop notifications");
	return n;
}
void notif_free(struct notifications *n) { free(n); }
void notif_show(struct notifications *n, const char *summary, const char *body,
		const struct notif_action *actions, size_t n_actions, bool critical)
{
	(void)summary, (void)body, (void)actions, (void)n_actions, (void)critical;
	if (n && n->ops->unavailable)
		n->ops->unavailable(n->data);
}
void notif_close(struct notifications *n) { (void)n; }
bool notif_shown(const struct notifications *n) { (void)n; return false; }
void notif_check_dnd(struct notifications *n)
{
	if (n && n->ops->dnd)
		n->ops->dnd(n->data, false, "");
}

#endif
