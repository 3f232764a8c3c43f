/* SPDX-License-Identifier: GPL-3.0-or-later */
/* presence_bus.c: logind, GNOME's idle monitor and the ScreenSaver
 * interface, through sd-bus on the daemon's loop; see presence_bus.h.
 *
 * Every call is asynchronous (sd_bus_call_method_async, 5 s timeout), so
 * the loop never blocks on a service. A pending call is held by a slot;
 * dropping the slot cancels it, so a stale reply never arrives. */
#include "desktop/presence_bus.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include "desktop/bus_source.h"
#include "base/log.h"
#include "base/loop.h"
#include "desktop/presence.h"
#include "base/util.h"

int64_t pbus_boot_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-bus.h>

#define CALL_TIMEOUT_US (5 * 1000000ull)
/* Retrying a bus whose socket exists but refuses us (the daemon is still
 * starting), or drops every connection (auth fails, too many connections):
 * 100 ms doubling to 10 min, back to 100 ms only once a connection has
 * stayed up STABLE_US. With no socket, inotify waits. */
#define RETRY_MIN_US 100000ull
#define RETRY_MAX_US (600 * 1000000ull)
#define STABLE_US (60 * 1000000ull)

#define LOGIND "org.freedesktop.login1"
#define LOGIND_PATH "/org/freedesktop/login1"
#define LOGIND_MANAGER "org.freedesktop.login1.Manager"
#define LOGIND_SESSION "org.freedesktop.login1.Session"
#define LOGIND_USER "org.freedesktop.login1.User"
#define MUTTER "org.gnome.Mutter.IdleMonitor"
#define MUTTER_PATH "/org/gnome/Mutter/IdleMonitor/Core"
#define SAVER "org.freedesktop.ScreenSaver"

#define LOGIND_REASONS (PRESENCE_LOCKED | PRESENCE_IDLE | PRESENCE_ASLEEP)

enum { SYS, SES };

/* The services whose signals are followed. Their signals are taken from
 * the unique name that owns the service's name, and only from it: the
 * match names it (sender=':1.42'), followed through NameOwnerChanged, and
 * each handler checks it again (a signal sent to us directly passes any
 * match). Anyone else's is ignored, said once a minute. */
enum { SV_LOGIND, SV_MUTTER, SV_SAVER, SV_N };

struct svc {
	struct pbus *pb;
	int i;
	char *owner;        /* unique name, NULL: no owner known */
	sd_bus_slot *ask;   /* GetNameOwner in flight */
	sd_bus_slot *match; /* its signals, from owner */
	struct log_limit said; /* a signal from someone else */
};

static const struct svc_info {
	const char *name;
	int which;
	const char *match; /* after "type='signal',sender='OWNER'," */
	const char *what;
} svc_info[SV_N] = {
	[SV_LOGIND] = { LOGIND, SYS, "path='" LOGIND_PATH "',interface='"
		LOGIND_MANAGER "'", "logind" },
	[SV_MUTTER] = { MUTTER, SES, "path='" MUTTER_PATH "',interface='" MUTTER
		"',member='WatchFired'", "GNOME idle monitor" },
	[SV_SAVER] = { SAVER, SES, "interface='" SAVER "',member='ActiveChanged'",
		"ScreenSaver" },
};

struct conn {
	struct pbus *pb;
	int which;
	sd_bus *bus;
	struct bus_source *src;
	/* While disconnected: inotify on the socket's directory, and a retry
	 * deadline when the socket exists but refused us. */
	int ifd;
	struct loop_source *wsrc;
	char *sock;        /* the socket's path, NULL: unknown (no inotify) */
	uint64_t retry_at; /* CLOCK_MONOTONIC us, LOOP_NO_DEADLINE: none */
	uint64_t backoff;
	uint64_t up_since;   /* CLOCK_MONOTONIC us: connected then */
	struct log_limit said_lost; /* "went away", once a minute */
	bool said_missing;
};

struct pbus {
	struct loop *loop;
	const struct pbus_ops *ops;
	void *data;
	int64_t idle_ms;
	struct conn c[2];
	struct svc sv[SV_N];
	struct log_limit bad_signal; /* a malformed signal */
	unsigned reasons; /* reported on */

	/* logind */
	bool logind;
	char *session;       /* object path, NULL: none */
	char *session_id;
	sd_bus_slot *session_match, *resolve, *getall;
	/* GNOME */
	bool mutter;
	uint32_t idle_watch, active_watch;
	sd_bus_slot *mutter_call, *mutter_call2;
	/* ScreenSaver */
	bool saver;
	const char *saver_path;
	sd_bus_slot *saver_call;
	/* KDE's idle time, asked when a reminder falls due (it has no signal):
	 * while it says idle, asked again every recheck_us. */
	sd_bus_slot *idle_call;
	int64_t idle_asked;  /* CLOCK_BOOTTIME ms, 0: never */
	bool kde_idle;
	struct loop_source *recheck;
	uint64_t recheck_at; /* CLOCK_MONOTONIC us */
};

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void report(struct pbus *pb, unsigned reason, bool on, int64_t at)
{
	bool was = pb->reasons & reason;

	if (was == on)
		return;
	if (on)
		pb->reasons |= reason;
	else
		pb->reasons &= ~reason;
	pb->ops->changed(pb->data, reason, on, at);
}

static void sources_changed(struct pbus *pb)
{
	if (pb->ops->sources)
		pb->ops->sources(pb->data);
}

static const char *bus_name(int which)
{
	return which == SYS ? "system bus" : "session bus";
}

static bool is_unknown_service(const sd_bus_error *e)
{
	return sd_bus_error_has_name(e, SD_BUS_ERROR_SERVICE_UNKNOWN) ||
	       sd_bus_error_has_name(e, SD_BUS_ERROR_NAME_HAS_NO_OWNER);
}

/* Is m from the owner of service i? If not, it is ignored: said at most
 * once a minute. */
static bool from_owner(struct pbus *pb, int i, sd_bus_message *m)
{
	const char *sender = sd_bus_message_get_sender(m);
	unsigned held = 0;

	if (sender && pb->sv[i].owner && strcmp(sender, pb->sv[i].owner) == 0)
		return true;
	if (log_limit_ok(&pb->sv[i].said, 60000, &held))
		log_warn("presence: ignored %s.%s from %s, not the %s (%s)%s",
			 sd_bus_message_get_interface(m) ? sd_bus_message_get_interface(m) : "?",
			 sd_bus_message_get_member(m) ? sd_bus_message_get_member(m) : "?",
			 sender ? sender : "no sender", svc_info[i].what,
			 pb->sv[i].owner ? pb->sv[i].owner : "not running",
			 held ? " (and others like it since the last said)" : "");
	return false;
}

/* A signal that does not read as its type says: said once a minute. */
static void bad_signal(struct pbus *pb, sd_bus_message *m, const char *what)
{
	unsigned held = 0;

	if (log_limit_ok(&pb->bad_signal, 60000, &held))
		log_warn("presence: %s: a malformed %s%s", what,
			 sd_bus_message_get_member(m) ? sd_bus_message_get_member(m) : "signal",
			 held ? " (and others since the last said)" : "");
}

/* ---- logind ---- */

static void logind_resolve(struct pbus *pb);

static void session_drop(struct pbus *pb, int64_t now)
{
	pb->session_match = sd_bus_slot_unref(pb->session_match);
	pb->getall = sd_bus_slot_unref(pb->getall);
	free(pb->session);
	free(pb->session_id);
	pb->session = pb->session_id = NULL;
	report(pb, PRESENCE_LOCKED, false, now);
	report(pb, PRESENCE_IDLE, false, now);
}

static void logind_drop(struct pbus *pb)
{
	int64_t now = pbus_boot_ms();

	pb->resolve = sd_bus_slot_unref(pb->resolve);
	session_drop(pb, now);
	report(pb, PRESENCE_ASLEEP, false, now);
	if (pb->logind) {
		pb->logind = false;
		sources_changed(pb);
	}
}

/* Read the session properties we follow out of an a{sv} (from GetAll or
 * PropertiesChanged). */
static int session_props(struct pbus *pb, sd_bus_message *m)
{
	int locked = -1, idle = -1, r;
	uint64_t idle_since = 0;
	int64_t now = pbus_boot_ms();

	r = sd_bus_message_enter_container(m, 'a', "{sv}");
	if (r < 0)
		return r;
	while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
		const char *name;
		int b;

		if ((r = sd_bus_message_read(m, "s", &name)) < 0)
			return r;
		if (strcmp(name, "LockedHint") == 0 || strcmp(name, "IdleHint") == 0) {
			r = sd_bus_message_read(m, "v", "b", &b);
			if (r < 0)
				return r;
			*(name[0] == 'L' ? &locked : &idle) = b;
		} else if (strcmp(name, "IdleSinceHintMonotonic") == 0) {
			r = sd_bus_message_read(m, "v", "t", &idle_since);
			if (r < 0)
				return r;
		} else if ((r = sd_bus_message_skip(m, "v")) < 0) {
			return r;
		}
		if ((r = sd_bus_message_exit_container(m)) < 0)
			return r;
	}
	if (r < 0)
		return r;
	if ((r = sd_bus_message_exit_container(m)) < 0)
		return r;
	if (locked >= 0)
		report(pb, PRESENCE_LOCKED, locked, now);
	if (idle >= 0) {
		int64_t at = now;
		/* Idle since (CLOCK_MONOTONIC us) as a CLOCK_BOOTTIME time. */
		if (idle && idle_since > 0) {
			int64_t ago = mono_ms() - (int64_t)(idle_since / 1000);
			if (ago > 0)
				at = now - ago;
		}
		report(pb, PRESENCE_IDLE, idle, at);
	}
	return 0;
}

static int on_getall(sd_bus_message *m, void *data, sd_bus_error *ret_error)
{
	struct pbus *pb = data;
	(void)ret_error;

	pb->getall = sd_bus_slot_unref(pb->getall);
	if (sd_bus_message_is_method_error(m, NULL)) {
		log_warn("presence: logind session %s: %s", pb->session,
			 sd_bus_message_get_error(m)->message);
		return 0;
	}
	if (session_props(pb, m) < 0)
		log_warn("presence: logind session %s: unexpected properties", pb->session);
	return 0;
}

static void session_getall(struct pbus *pb)
{
	int r;

	pb->getall = sd_bus_slot_unref(pb->getall);
	r = sd_bus_call_method_async(pb->c[SYS].bus, &pb->getall, LOGIND, pb->session,
				     "org.freedesktop.DBus.Properties", "GetAll",
				     on_getall, pb, "s", LOGIND_SESSION);
	if (r < 0)
		log_warn("presence: logind GetAll: %s", strerror(-r));
}

/* Signals on our session's path: PropertiesChanged, Lock, Unlock. */
static int on_session_signal(sd_bus_message *m, void *data, sd_bus_error *ret_error)
{
	struct pbus *pb = data;
	int64_t now = pbus_boot_ms();
	(void)ret_error;

	if (!from_owner(pb, SV_LOGIND, m))
		return 0;
	if (sd_bus_message_is_signal(m, "org.freedesktop.DBus.Properties",
				     "PropertiesChanged")) {
		const char *iface;
		if (sd_bus_message_read(m, "s", &iface) < 0 ||
		    strcmp(iface, LOGIND_SESSION) != 0)
			return 0;
		if (session_props(pb, m) < 0) {
			bad_signal(pb, m, "logind (its properties read again)");
			session_getall(pb);
			return 0;
		}
		/* Invalidated properties: read them again. */
		if (sd_bus_message_enter_container(m, 'a', "s") > 0) {
			const char *name;
			bool again = false;
			while (sd_bus_message_read(m, "s", &name) > 0)
				if (strstr(name, "Hint"))
					again = true;
			if (again)
				session_getall(pb);
		}
	} else if (sd_bus_message_is_signal(m, LOGIND_SESSION, "Lock")) {
		report(pb, PRESENCE_LOCKED, true, now);
	} else if (sd_bus_message_is_signal(m, LOGIND_SESSION, "Unlock")) {
		report(pb, PRESENCE_LOCKED, false, now);
	}
	return 0;
}

static void session_use(struct pbus *pb, const char *path, const char *how)
{
	char *match;
	int r;

	if (pb->session && strcmp(pb->session, path) == 0)
		return;
	session_drop(pb, pbus_boot_ms());
	pb->session = xstrdup(path);
	const char *slash = strrchr(path, '/');
	pb->session_id = xstrdup(slash ? slash + 1 : path);
	match = xasprintf("type='signal',sender='%s',path='%s'",
			  pb->sv[SV_LOGIND].owner ? pb->sv[SV_LOGIND].owner : LOGIND, path);
	r = sd_bus_add_match_async(pb->c[SYS].bus, &pb->session_match, match,
				   on_session_signal, NULL, pb);
	free(match);
	if (r < 0)
		log_warn("presence: logind: cannot watch %s: %s", path, strerror(-r));
	log_info("presence: logind session %s (%s)", pb->session_id, how);
	session_getall(pb);
	sources_changed(pb);
}

static void logind_up(struct pbus *pb)
{
	if (!pb->logind) {
		pb->logind = true;
		sources_changed(pb);
	}
}

/* Resolution, step 3: the first of our sessions with a seat (a display
 * session), else the first of ours. */
static int on_list_sessions(sd_bus_message *m, void *data, sd_bus_error *ret_error)
{
	struct pbus *pb = data;
	const char *id, *user, *seat, *path;
	char *best = NULL;
	bool best_seat = false;
	uint32_t uid;
	int r;
	(void)ret_error;

	pb->resolve = sd_bus_slot_unref(pb->resolve);
	if (sd_bus_message_is_method_error(m, NULL)) {
		if (!is_unknown_service(sd_bus_message_get_error(m)))
			log_warn("presence: logind ListSessions: %s",
				 sd_bus_message_get_error(m)->message);
		return 0;
	}
	logind_up(pb);
	r = sd_bus_message_enter_container(m, 'a', "(susso)");
	while (r > 0 && (r = sd_bus_message_read(m, "(susso)", &id, &uid, &user,
						  &seat, &path)) > 0) {
		if (uid != getuid())
			continue;
		if (!best || (!best_seat && seat[0])) {
			free(best);
			best = xstrdup(path);
			best_seat = seat[0] != '\0';
		}
	}
	if (r < 0)
		log_warn("presence: logind ListSessions: unexpected reply");
	if (best) {
		session_use(pb, best, "from ListSessions");
	} else if (pb->session) {
		log_info("presence: logind: no session of ours any more");
		session_drop(pb, pbus_boot_ms());
		sources_changed(pb);
	} else {
		log_info("presence: logind: no session of ours yet; sleep is followed");
	}
	free(best);
	return 0;
}

static void resolve_list(struct pbus *pb)
{
	int r = sd_bus_call_method_async(pb->c[SYS].bus, &pb->resolve, LOGIND,
					 LOGIND_PATH, LOGIND_MANAGER, "ListSessions",
					 on_list_sessions, pb, "");
	if (r < 0)
		log_warn("presence: logind ListSessions: %s", strerror(-r));
}

/* Step 2b: the User's Display property, (so). */
static int on_display(sd_bus_message *m, void *data, sd_bus_error *ret_error)
{
	struct pbus *pb = data;
	const char *id, *path;
	(void)ret_error;

	pb->resolve = sd_bus_slot_unref(pb->resolve);
	if (!sd_bus_message_is_method_error(m, NULL) &&
	    sd_bus_message_read(m, "v", "(so)", &id, &path) > 0 &&
	    strcmp(path, "/") != 0) {
		logind_up(pb);
		session_use(pb, path, "the user's display session");
		return 0;
	}
	resolve_list(pb);
	return 0;
}

/* Step 2a: our User object. */
static int on_get_user(sd_bus_message *m, void *data, sd_bus_error *ret_error)
{
	struct pbus *pb = data;
	const char *path;
	int r;
	(void)ret_error;

	pb->resolve = sd_bus_slot_unref(pb->resolve);
	if (sd_bus_message_is_method_error(m, NULL)) {
		if (is_unknown_service(sd_bus_message_get_error(m)))
			return 0; /* no logind: NameOwnerChanged tells us if one comes */
		resolve_list(pb);
		return 0;
	}
	logind_up(pb);
	if (sd_bus_message_read(m, "o", &path) < 0) {
		resolve_list(pb);
		return 0;
	}
	r = sd_bus_call_method_async(pb->c[SYS].bus, &pb->resolve, LOGIND, path,
				     "org.freedesktop.DBus.Properties", "Get",
				     on_display, pb, "ss", LOGIND_USER, "Display");
	if (r < 0)
		resolve_list(pb);
	return 0;
}

/* Step 1: XDG_SESSION_ID, when we were started inside a session. */
static int on_get_session(sd_bus_message *m, void *data, sd_bus_error *ret_error)
{
	struct pbus *pb = data;
	const char *path;
	int r;
	(void)ret_error;

	pb->resolve = sd_bus_slot_unref(pb->resolve);
	if (!sd_bus_message_is_method_error(m, NULL) &&
	    sd_bus_message_read(m, "o", &path) > 0) {
		logind_up(pb);
		session_use(pb, path, "XDG_SESSION_ID");
		return 0;
	}
	if (sd_bus_message_is_method_error(m, NULL) &&
	    is_unknown_service(sd_bus_message_get_error(m)))
		return 0;
	r = sd_bus_call_method_async(pb->c[SYS].bus, &pb->resolve, LOGIND,
				     LOGIND_PATH, LOGIND_MANAGER, "GetUser",
				     on_get_user, pb, "u", (uint32_t)getuid());
	if (r < 0)
		log_warn("presence: logind GetUser: %s", strerror(-r));
	return 0;
}

static void logind_resolve(struct pbus *pb)
{
	const char *sid = getenv("XDG_SESSION_ID");
	int r;

	pb->resolve = sd_bus_slot_unref(pb->resolve);
	if (sid && *sid)
		r = sd_bus_call_method_async(pb->c[SYS].bus, &pb->resolve, LOGIND,
					     LOGIND_PATH, LOGIND_MANAGER, "GetSession",
					     on_get_session, pb, "s", sid);
	else
		r = sd_bus_call_method_async(pb->c[SYS].bus, &pb->resolve, LOGIND,
					     LOGIND_PATH, LOGIND_MANAGER, "GetUser",
					     on_get_user, pb, "u", (uint32_t)getuid());
	if (r < 0)
		log_warn("presence: logind: %s", strerror(-r));
}

/* Manager signals: PrepareForSleep, SessionNew, SessionRemoved. */
static int on_manager_signal(sd_bus_message *m, void *data, sd_bus_error *ret_error)
{
	struct pbus *pb = data;
	(void)ret_error;

	if (!from_owner(pb, SV_LOGIND, m))
		return 0;
	if (sd_bus_message_is_signal(m, LOGIND_MANAGER, "PrepareForSleep")) {
		int b;
		if (sd_bus_message_read(m, "b", &b) < 0) {
			bad_signal(pb, m, "logind");
			return 0;
		}
		log_debug("presence: logind: %s", b ? "going to sleep" : "woke up");
		logind_up(pb);
		report(pb, PRESENCE_ASLEEP, b, pbus_boot_ms());
	} else if (sd_bus_message_is_signal(m, LOGIND_MANAGER, "SessionRemoved")) {
		const char *id, *path;
		if (sd_bus_message_read(m, "so", &id, &path) < 0)
			return 0;
		if (pb->session && strcmp(path, pb->session) == 0) {
			log_info("presence: logind session %s removed", id);
			session_drop(pb, pbus_boot_ms());
			sources_changed(pb);
			logind_resolve(pb);
		}
	} else if (sd_bus_message_is_signal(m, LOGIND_MANAGER, "SessionNew")) {
		/* Maybe ours, maybe our new display session: ask again. */
		logind_resolve(pb);
	}
	return 0;
}

/* ---- GNOME's idle monitor ---- */

static void mutter_drop(struct pbus *pb)
{
	pb->mutter_call = sd_bus_slot_unref(pb->mutter_call);
	pb->mutter_call2 = sd_bus_slot_unref(pb->mutter_call2);
	pb->idle_watch = pb->active_watch = 0;
	report(pb, PRESENCE_DESKTOP_IDLE, false, pbus_boot_ms());
	if (pb->mutter) {
		pb->mutter = false;
		sources_changed(pb);
	}
}

static int on_add_idle_watch(sd_bus_message *m, void *data, sd_bus_error *ret_error)
{
	struct pbus *pb = data;
	uint32_t id;
	(void)ret_error;

	pb->mutter_call = sd_bus_slot_unref(pb->mutter_call);
	if (sd_bus_message_is_method_error(m, NULL)) {
		if (!is_unknown_service(sd_bus_message_get_error(m)))
			log_warn("presence: GNOME idle monitor: %s",
				 sd_bus_message_get_error(m)->message);
		return 0;
	}
	if (sd_bus_message_read(m, "u", &id) < 0) {
		log_warn("presence: GNOME idle monitor: unexpected reply");
		return 0;
	}
	pb->idle_watch = id;
	if (!pb->mutter) {
		pb->mutter = true;
		log_info("presence: GNOME idle monitor");
		sources_changed(pb);
	}
	return 0;
}

static void mutter_setup(struct pbus *pb)
{
	int r;

	pb->mutter_call = sd_bus_slot_unref(pb->mutter_call);
	r = sd_bus_call_method_async(pb->c[SES].bus, &pb->mutter_call, MUTTER,
				     MUTTER_PATH, MUTTER, "AddIdleWatch",
				     on_add_idle_watch, pb, "t",
				     (uint64_t)pb->idle_ms);
	if (r < 0)
		log_warn("presence: GNOME idle monitor: %s", strerror(-r));
}

static int on_add_active_watch(sd_bus_message *m, void *data, sd_bus_error *ret_error)
{
	struct pbus *pb = data;
	uint32_t id;
	(void)ret_error;

	pb->mutter_call2 = sd_bus_slot_unref(pb->mutter_call2);
	if (sd_bus_message_is_method_error(m, NULL) ||
	    sd_bus_message_read(m, "u", &id) < 0) {
		/* No way to hear you come back: do not stay away forever. */
		report(pb, PRESENCE_DESKTOP_IDLE, false, pbus_boot_ms());
		return 0;
	}
	pb->active_watch = id;
	return 0;
}

static int on_watch_fired(sd_bus_message *m, void *data, sd_bus_error *ret_error)
{
	struct pbus *pb = data;
	uint32_t id;
	int64_t now = pbus_boot_ms();
	(void)ret_error;

	if (!from_owner(pb, SV_MUTTER, m))
		return 0;
	if (sd_bus_message_read(m, "u", &id) < 0) {
		bad_signal(pb, m, "GNOME idle monitor");
		return 0;
	}
	if (id == 0)
		return 0;
	if (id == pb->idle_watch) {
		report(pb, PRESENCE_DESKTOP_IDLE, true, now - pb->idle_ms);
		pb->mutter_call2 = sd_bus_slot_unref(pb->mutter_call2);
		if (sd_bus_call_method_async(pb->c[SES].bus, &pb->mutter_call2, MUTTER,
					     MUTTER_PATH, MUTTER, "AddUserActiveWatch",
					     on_add_active_watch, pb, "") < 0)
			report(pb, PRESENCE_DESKTOP_IDLE, false, now);
	} else if (id == pb->active_watch) {
		pb->active_watch = 0; /* one-shot */
		report(pb, PRESENCE_DESKTOP_IDLE, false, now);
	}
	return 0;
}

/* ---- org.freedesktop.ScreenSaver (KDE) ---- */

static void saver_drop(struct pbus *pb)
{
	pb->saver_call = sd_bus_slot_unref(pb->saver_call);
	pb->idle_call = sd_bus_slot_unref(pb->idle_call);
	pb->recheck_at = LOOP_NO_DEADLINE;
	if (pb->kde_idle) {
		pb->kde_idle = false;
		report(pb, PRESENCE_DESKTOP_IDLE, false, pbus_boot_ms());
	}
	report(pb, PRESENCE_SAVER, false, pbus_boot_ms());
	if (pb->saver) {
		pb->saver = false;
		sources_changed(pb);
	}
}

static void saver_setup_at(struct pbus *pb, const char *path);

static int on_saver_active(sd_bus_message *m, void *data, sd_bus_error *ret_error)
{
	struct pbus *pb = data;
	int b;
	(void)ret_error;

	pb->saver_call = sd_bus_slot_unref(pb->saver_call);
	if (sd_bus_message_is_method_error(m, NULL)) {
		const sd_bus_error *e = sd_bus_message_get_error(m);
		/* KDE serves /ScreenSaver and /org/freedesktop/ScreenSaver. */
		if (!is_unknown_service(e) && strcmp(pb->saver_path, "/ScreenSaver") == 0)
			saver_setup_at(pb, "/org/freedesktop/ScreenSaver");
		return 0;
	}
	if (sd_bus_message_read(m, "b", &b) < 0) {
		log_warn("presence: ScreenSaver GetActive: unexpected reply");
		return 0;
	}
	if (!pb->saver) {
		pb->saver = true;
		log_info("presence: org.freedesktop.ScreenSaver (%s)", pb->saver_path);
		sources_changed(pb);
	}
	report(pb, PRESENCE_SAVER, b, pbus_boot_ms());
	return 0;
}

static void saver_setup_at(struct pbus *pb, const char *path)
{
	int r;

	pb->saver_path = path;
	pb->saver_call = sd_bus_slot_unref(pb->saver_call);
	r = sd_bus_call_method_async(pb->c[SES].bus, &pb->saver_call, SAVER, path,
				     SAVER, "GetActive", on_saver_active, pb, "");
	if (r < 0)
		log_warn("presence: ScreenSaver: %s", strerror(-r));
}

static int on_saver_changed(sd_bus_message *m, void *data, sd_bus_error *ret_error)
{
	struct pbus *pb = data;
	int b;
	(void)ret_error;

	if (!from_owner(pb, SV_SAVER, m))
		return 0;
	if (sd_bus_message_read(m, "b", &b) < 0) {
		bad_signal(pb, m, "ScreenSaver");
		return 0;
	}
	if (!pb->saver) {
		pb->saver = true;
		sources_changed(pb);
	}
	report(pb, PRESENCE_SAVER, b, pbus_boot_ms());
	return 0;
}

/* KDE's GetSessionIdleTime: milliseconds without input. */
static uint64_t recheck_us(const struct pbus *pb)
{
	int64_t ms = pb->idle_ms / 2;
	if (ms < 5000)
		ms = 5000;
	if (ms > 60000)
		ms = 60000;
	return (uint64_t)ms * 1000;
}

static int on_idle_time(sd_bus_message *m, void *data, sd_bus_error *ret_error)
{
	struct pbus *pb = data;
	int64_t now = pbus_boot_ms();
	uint32_t idle;
	bool was = pb->kde_idle;
	(void)ret_error;

	pb->idle_call = sd_bus_slot_unref(pb->idle_call);
	if (sd_bus_message_is_method_error(m, NULL) ||
	    sd_bus_message_read(m, "u", &idle) < 0) {
		log_debug("presence: ScreenSaver GetSessionIdleTime: no answer");
		pb->kde_idle = false;
		report(pb, PRESENCE_DESKTOP_IDLE, false, now);
	} else {
		log_debug("presence: KDE idle for %u ms", (unsigned)idle);
		pb->kde_idle = (int64_t)idle >= pb->idle_ms;
		if (pb->kde_idle != was)
			report(pb, PRESENCE_DESKTOP_IDLE, pb->kde_idle, now - (int64_t)idle);
	}
	pb->recheck_at = pb->kde_idle ? loop_now_us() + recheck_us(pb) : LOOP_NO_DEADLINE;
	if (pb->ops->answered)
		pb->ops->answered(pb->data);
	return 0;
}

static void ask_idle(struct pbus *pb)
{
	int r;

	pb->idle_call = sd_bus_slot_unref(pb->idle_call);
	pb->idle_asked = pbus_boot_ms();
	r = sd_bus_call_method_async(pb->c[SES].bus, &pb->idle_call, SAVER,
				     pb->saver_path, SAVER, "GetSessionIdleTime",
				     on_idle_time, pb, "");
	if (r < 0)
		log_debug("presence: GetSessionIdleTime: %s", strerror(-r));
}

bool pbus_ask_idle(struct pbus *pb)
{
	/* Only where idleness has no signal: KDE without GNOME's monitor. */
	if (!pb->saver || pb->mutter || !pb->c[SES].bus)
		return false;
	if (pb->idle_call)
		return true;
	if (pb->idle_asked && pbus_boot_ms() - pb->idle_asked < 2000)
		return false; /* just answered: act on it */
	ask_idle(pb);
	return pb->idle_call != NULL;
}

static void recheck_prepare(void *data, short *events, uint64_t *deadline_us)
{
	struct pbus *pb = data;
	(void)events;
	*deadline_us = pb->recheck_at;
}

static void recheck_dispatch(void *data, short revents)
{
	struct pbus *pb = data;
	(void)revents;

	if (pb->recheck_at == LOOP_NO_DEADLINE || loop_now_us() < pb->recheck_at)
		return;
	pb->recheck_at = LOOP_NO_DEADLINE;
	if (pb->saver && pb->c[SES].bus)
		ask_idle(pb);
}

static const struct loop_source_ops recheck_ops = {
	.prepare = recheck_prepare,
	.dispatch = recheck_dispatch,
};

/* ---- services coming and going ---- */

static int on_manager_signal(sd_bus_message *m, void *data, sd_bus_error *ret_error);
static int on_watch_fired(sd_bus_message *m, void *data, sd_bus_error *ret_error);
static int on_saver_changed(sd_bus_message *m, void *data, sd_bus_error *ret_error);

static const sd_bus_message_handler_t svc_handler[SV_N] = {
	[SV_LOGIND] = on_manager_signal,
	[SV_MUTTER] = on_watch_fired,
	[SV_SAVER] = on_saver_changed,
};

/* Service i has no owner any more (or its bus went away). */
static void svc_down(struct pbus *pb, int i)
{
	struct svc *v = &pb->sv[i];

	v->ask = sd_bus_slot_unref(v->ask);
	v->match = sd_bus_slot_unref(v->match);
	free(v->owner);
	v->owner = NULL;
	if (i == SV_LOGIND)
		logind_drop(pb);
	else if (i == SV_MUTTER)
		mutter_drop(pb);
	else
		saver_drop(pb);
}

/* Service i is owned by owner: its signals from it, then what it says now
 * (asked after the match, so no change between is missed). */
static void svc_up(struct pbus *pb, int i, const char *owner)
{
	struct svc *v = &pb->sv[i];
	sd_bus *bus = pb->c[svc_info[i].which].bus;
	char *match;
	int r;

	if (v->owner && strcmp(v->owner, owner) == 0)
		return;
	svc_down(pb, i);
	v->owner = xstrdup(owner);
	match = xasprintf("type='signal',sender='%s',%s", owner, svc_info[i].match);
	r = sd_bus_add_match_async(bus, &v->match, match, svc_handler[i], NULL, pb);
	free(match);
	if (r < 0)
		log_warn("presence: %s: cannot add a match: %s", bus_name(svc_info[i].which),
			 strerror(-r));
	if (i == SV_LOGIND)
		logind_resolve(pb);
	else if (i == SV_MUTTER)
		mutter_setup(pb);
	else
		saver_setup_at(pb, "/ScreenSaver");
}

static int on_name_owner(sd_bus_message *m, void *data, sd_bus_error *ret_error)
{
	struct pbus *pb = data;
	const char *name, *old, *new, *sender = sd_bus_message_get_sender(m);
	(void)ret_error;

	/* Only the bus itself says who owns a name. */
	if (!sender || strcmp(sender, "org.freedesktop.DBus") != 0)
		return 0;
	if (sd_bus_message_read(m, "sss", &name, &old, &new) < 0)
		return 0;
	bool up = new[0] != '\0';
	for (int i = 0; i < SV_N; i++) {
		if (strcmp(name, svc_info[i].name) != 0)
			continue;
		log_debug("presence: %s %s%s", name, up ? "owned by " : "went away",
			  up ? new : "");
		if (up)
			svc_up(pb, i, new);
		else
			svc_down(pb, i);
	}
	return 0;
}

static int on_name_has_owner(sd_bus_message *m, void *data, sd_bus_error *ret_error)
{
	struct svc *v = data;
	const char *owner;
	(void)ret_error;

	v->ask = sd_bus_slot_unref(v->ask);
	/* No owner: NameOwnerChanged tells when one comes. */
	if (!sd_bus_message_is_method_error(m, NULL) &&
	    sd_bus_message_read(m, "s", &owner) > 0)
		svc_up(v->pb, v->i, owner);
	return 0;
}

static int add_match(struct conn *c, const char *match, sd_bus_message_handler_t fn)
{
	int r = sd_bus_add_match_async(c->bus, NULL, match, fn, NULL, c->pb);
	if (r < 0)
		log_warn("presence: %s: cannot add a match: %s", bus_name(c->which),
			 strerror(-r));
	return r;
}

static void conn_started(struct conn *c)
{
	struct pbus *pb = c->pb;

	for (int i = 0; i < SV_N; i++) {
		if (svc_info[i].which != c->which)
			continue;
		char *match = xasprintf("type='signal',sender='org.freedesktop.DBus',"
					"interface='org.freedesktop.DBus',"
					"member='NameOwnerChanged',arg0='%s'",
					svc_info[i].name);
		add_match(c, match, on_name_owner);
		free(match);
		/* Asked after the match: an owner that comes between is told. */
		if (sd_bus_call_method_async(c->bus, &pb->sv[i].ask, "org.freedesktop.DBus",
					     "/org/freedesktop/DBus", "org.freedesktop.DBus",
					     "GetNameOwner", on_name_has_owner, &pb->sv[i], "s",
					     svc_info[i].name) < 0)
			log_warn("presence: %s: cannot ask for %s", bus_name(c->which),
				 svc_info[i].name);
	}
}

/* ---- connections ---- */

static void conn_wait(struct conn *c);
static void conn_try(struct conn *c);

/* sd_bus_process failed (bus_source.h): the bus went away. */
static void conn_lost(void *data, int err)
{
	struct conn *c = data;
	struct pbus *pb = c->pb;
	uint64_t now = loop_now_us();
	unsigned held = 0;

	/* Up for a while: a restart, tried again at once. Dropped soon after
	 * connecting: the bus refuses us; each try waits twice as long. */
	if (now - c->up_since >= STABLE_US) {
		c->backoff = RETRY_MIN_US;
		c->said_missing = false;
	} else if (c->up_since)
		c->backoff = c->backoff * 2 > RETRY_MAX_US ? RETRY_MAX_US : c->backoff * 2;
	if (log_limit_ok(&c->said_lost, 60000, &held)) {
		char more[64] = "";
		if (held)
			snprintf(more, sizeof(more), "; %u more time%s since said", held,
				 held == 1 ? "" : "s");
		log_warn("presence: the %s went away (%s%s); presence from it ends, "
			 "tried again in %.1f s", bus_name(c->which), strerror(-err), more,
			 (double)c->backoff / 1e6);
	} else {
		log_debug("presence: the %s went away again (%s); tried again in %.1f s",
			  bus_name(c->which), strerror(-err), (double)c->backoff / 1e6);
	}
	for (int i = 0; i < SV_N; i++)
		if (svc_info[i].which == c->which)
			svc_down(pb, i);
	pb->session_match = sd_bus_slot_unref(pb->session_match);
	bus_source_free(c->src);
	c->src = NULL;
	sd_bus_close(c->bus);
	c->bus = sd_bus_unref(c->bus);
	conn_wait(c); /* restarted at once? the socket may already be back */
}

static void watch_prepare(void *data, short *events, uint64_t *deadline_us)
{
	struct conn *c = data;
	*events = c->ifd >= 0 ? POLLIN : 0;
	*deadline_us = c->retry_at;
}

static void watch_dispatch(void *data, short revents)
{
	struct conn *c = data;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool now = false;

	if (revents) {
		const char *base = c->sock ? strrchr(c->sock, '/') + 1 : "";
		ssize_t n;
		while ((n = read(c->ifd, buf, sizeof(buf))) > 0)
			for (char *p = buf; p < buf + n;) {
				const struct inotify_event *ev = (const void *)p;
				if (ev->len && strcmp(ev->name, base) == 0)
					now = true;
				p += sizeof(*ev) + ev->len;
			}
		if (now)
			c->backoff = RETRY_MIN_US;
	} else if (c->retry_at != LOOP_NO_DEADLINE && loop_now_us() >= c->retry_at) {
		now = true;
	}
	if (now)
		conn_try(c);
}

static const struct loop_source_ops watch_ops = {
	.prepare = watch_prepare,
	.dispatch = watch_dispatch,
};

/* The socket path of the bus's address (unix:path=...), or the default. */
static char *socket_path(int which)
{
	const char *a = getenv(which == SYS ? "DBUS_SYSTEM_BUS_ADDRESS"
					    : "DBUS_SESSION_BUS_ADDRESS");
	if (a && *a) {
		const char *p = strstr(a, "unix:path=");
		if (!p || strchr(a, ';'))
			return NULL; /* abstract, tcp, or a list: no inotify */
		p += strlen("unix:path=");
		return xstrndup(p, strcspn(p, ","));
	}
	if (which == SYS)
		return xstrdup("/run/dbus/system_bus_socket");
	const char *rt = getenv("XDG_RUNTIME_DIR");
	return rt && *rt == '/' ? xasprintf("%s/bus", rt) : NULL;
}

/* Disconnected: wait for the socket to appear (inotify on its directory),
 * or with backoff when it exists but refused us, or when we cannot watch. */
static void conn_wait(struct conn *c)
{
	struct pbus *pb = c->pb;

	if (c->ifd < 0) {
		c->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (c->ifd >= 0 && c->sock) {
			char *dir = xstrdup(c->sock);
			char *slash = strrchr(dir, '/');
			if (slash == dir)
				slash[1] = '\0';
			else if (slash)
				*slash = '\0';
			if (inotify_add_watch(c->ifd, dir, IN_CREATE | IN_MOVED_TO |
							   IN_ATTRIB) < 0) {
				close(c->ifd);
				c->ifd = -1;
			}
			free(dir);
		} else if (c->ifd >= 0) {
			close(c->ifd);
			c->ifd = -1;
		}
	}
	/* Nothing to watch, or the socket is there but refused us: try again
	 * after the backoff; else inotify tells when the socket comes. */
	c->retry_at = LOOP_NO_DEADLINE;
	if (c->ifd < 0 || (c->sock && access(c->sock, F_OK) == 0))
		c->retry_at = loop_now_us() + c->backoff;
	if (!c->wsrc)
		c->wsrc = loop_add(pb->loop, c->ifd, &watch_ops, c);
}

static void conn_try(struct conn *c)
{
	struct pbus *pb = c->pb;
	sd_bus *bus = NULL;
	int r;

	r = c->which == SYS ? sd_bus_open_system(&bus) : sd_bus_open_user(&bus);
	if (r < 0) {
		if (!c->said_missing)
			log_info("presence: no %s (%s): waiting for it", bus_name(c->which),
				 strerror(-r));
		c->said_missing = true;
		if (c->sock && access(c->sock, F_OK) < 0 && c->ifd >= 0) {
			c->retry_at = LOOP_NO_DEADLINE; /* inotify tells us */
		} else {
			c->retry_at = loop_now_us() + c->backoff;
			c->backoff = c->backoff * 2 > RETRY_MAX_US ? RETRY_MAX_US
								   : c->backoff * 2;
		}
		return;
	}
	(void)sd_bus_set_method_call_timeout(bus, CALL_TIMEOUT_US);
	c->bus = bus;
	c->up_since = loop_now_us(); /* the backoff stays until it has stayed up */
	if (c->wsrc) {
		loop_remove(pb->loop, c->wsrc);
		c->wsrc = NULL;
	}
	if (c->ifd >= 0) {
		close(c->ifd);
		c->ifd = -1;
	}
	c->retry_at = LOOP_NO_DEADLINE;
	c->src = bus_source_new(pb->loop, bus, conn_lost, c);
	log_debug("presence: connected to the %s", bus_name(c->which));
	conn_started(c);
}

struct pbus *pbus_new(struct loop *l, int64_t idle_ms,
		      const struct pbus_ops *ops, void *data)
{
	struct pbus *pb = xcalloc(1, sizeof(*pb));

	pb->loop = l;
	pb->ops = ops;
	pb->data = data;
	pb->idle_ms = idle_ms;
	pb->recheck_at = LOOP_NO_DEADLINE;
	pb->recheck = loop_add(l, -1, &recheck_ops, pb);
	for (int i = 0; i < SV_N; i++) {
		pb->sv[i].pb = pb;
		pb->sv[i].i = i;
	}
	for (int i = 0; i < 2; i++) {
		struct conn *c = &pb->c[i];
		c->pb = pb;
		c->which = i;
		c->ifd = -1;
		c->sock = socket_path(i);
		c->backoff = RETRY_MIN_US;
		c->retry_at = LOOP_NO_DEADLINE;
		conn_try(c);
		if (!c->bus)
			conn_wait(c);
	}
	return pb;
}

void pbus_set_idle(struct pbus *pb, int64_t idle_ms)
{
	if (idle_ms == pb->idle_ms)
		return;
	pb->idle_ms = idle_ms;
	if (pb->mutter && pb->c[SES].bus) {
		if (pb->idle_watch)
			(void)sd_bus_call_method_async(pb->c[SES].bus, NULL, MUTTER,
						       MUTTER_PATH, MUTTER, "RemoveWatch",
						       NULL, NULL, "u", pb->idle_watch);
		pb->idle_watch = 0;
		mutter_setup(pb);
	}
}

bool pbus_describe(const struct pbus *pb, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	if (pb->logind) {
		if (pb->session)
			n += (size_t)snprintf(buf + n, len - n,
					      "logind session %s (locked, idle, sleep)",
					      pb->session_id);
		else
			n += (size_t)snprintf(buf + n, len - n, "logind (sleep)");
	}
	if (pb->mutter && n < len)
		n += (size_t)snprintf(buf + n, len - n, "%sGNOME idle monitor",
				      n ? ", " : "");
	if (pb->saver && n < len)
		n += (size_t)snprintf(buf + n, len - n, "%sScreenSaver (locked%s)",
				      n ? ", " : "", pb->mutter ? "" : ", idle time");
	return n > 0;
}

void pbus_free(struct pbus *pb)
{
	if (!pb)
		return;
	pb->session_match = sd_bus_slot_unref(pb->session_match);
	pb->resolve = sd_bus_slot_unref(pb->resolve);
	pb->getall = sd_bus_slot_unref(pb->getall);
	pb->mutter_call = sd_bus_slot_unref(pb->mutter_call);
	pb->mutter_call2 = sd_bus_slot_unref(pb->mutter_call2);
	pb->saver_call = sd_bus_slot_unref(pb->saver_call);
	pb->idle_call = sd_bus_slot_unref(pb->idle_call);
	for (int i = 0; i < SV_N; i++) {
		pb->sv[i].ask = sd_bus_slot_unref(pb->sv[i].ask);
		pb->sv[i].match = sd_bus_slot_unref(pb->sv[i].match);
		free(pb->sv[i].owner);
	}
	loop_remove(pb->loop, pb->recheck);
	for (int i = 0; i < 2; i++) {
		struct conn *c = &pb->c[i];
		bus_source_free(c->src);
		if (c->wsrc)
			loop_remove(pb->loop, c->wsrc);
		if (c->bus) {
			sd_bus_close(c->bus);
			sd_bus_unref(c->bus);
		}
		if (c->ifd >= 0)
			close(c->ifd);
		free(c->sock);
	}
	free(pb->session);
	free(pb->session_id);
	free(pb);
}

#else /* built without libsystemd: no D-Bus, no presence sources */

struct pbus {
	int unused;
};

struct pbus *pbus_new(struct loop *l, int64_t idle_ms,
		      const struct pbus_ops *ops, void *data)
{
	(void)l;
	(void)idle_ms;
	(void)ops;
	(void)data;
	log_info("presence: built without libsystemd (sd-bus): counting wall time");
	return xcalloc(1, sizeof(struct pbus));
}

void pbus_free(struct pbus *b)
{
	free(b);
}

void pbus_set_idle(struct pbus *b, int64_t idle_ms)
{
	(void)b;
	(void)idle_ms;
}

bool pbus_ask_idle(struct pbus *b)
{
	(void)b;
	return false;
}

bool pbus_describe(const struct pbus *b, char *buf, size_t len)
{
	(void)b;
	if (len)
		buf[0] = '\0';
	return false;
}
#endif
