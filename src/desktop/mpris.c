/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mpris.c: the MPRIS player and the other players paused meanwhile (see
 * mpris.h), through sd-bus.
 *
 * Properties are diffed against what was last announced, and
 * PropertiesChanged carries what differs; the step changes by itself, so
 * while a session plays the next check is due when the step ends (one
 * wakeup per step), and for half a second after a command (the session
 * carries it out in its own thread). */
#include "desktop/mpris.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/loop.h"
#include "desktop/players.h"
#include "base/util.h"

void mpris_meta_build(struct mpris_meta *meta, const struct mpris_state *st)
{
	const char *title = st->title && st->title[0] ? st->title : st->album;
	size_t n;

	memset(meta, 0, sizeof(*meta));
	if (st->status == MPRIS_STOPPED)
		return;
	/* Object path elements: [A-Za-z0-9_]. */
	if (st->step < 0)
		snprintf(meta->trackid, sizeof(meta->trackid),
			 "/org/backcoach/session%u/intro", st->session);
	else
		snprintf(meta->trackid, sizeof(meta->trackid),
			 "/org/backcoach/session%u/step%d", st->session, st->step);
	title = title ? title : "";
	n = strnlen(title, sizeof(meta->title) - 1);
	n = util_utf8_valid(title, n);
	memcpy(meta->title, title, n);
	meta->title[n] = '\0';
	if (st->album) {
		n = strnlen(st->album, sizeof(meta->album) - 1);
		n = util_utf8_valid(st->album, n);
		memcpy(meta->album, st->album, n);
		meta->album[n] = '\0';
	}
	meta->length_us = st->length_us > 0 ? st->length_us : 0;
}

const char *mpris_command_for(const char *method, const struct mpris_state *st)
{
	bool paused = st->status == MPRIS_PAUSED;

	if (st->status == MPRIS_STOPPED)
		return NULL;
	if (strcmp(method, "Play") == 0)
		return paused ? "resume" : st->countdown ? "skip" : NULL;
	if (strcmp(method, "Pause") == 0)
		return paused ? NULL : "pause";
	if (strcmp(method, "PlayPause") == 0)
		return paused ? "resume" : "pause";
	if (strcmp(method, "Stop") == 0)
		return "stop";
	if (strcmp(method, "Next") == 0)
		return "skip";
	if (strcmp(method, "Previous") == 0)
		return "repeat";
	return NULL;
}

#ifdef HAVE_LIBSYSTEMD

#include <errno.h>
#include <stdarg.h>
#include <unistd.h>

#include <systemd/sd-bus.h>

#include "desktop/bus_source.h"

#define ROOT_IFACE "org.mpris.MediaPlayer2"
#define PLAYER_IFACE "org.mpris.MediaPlayer2.Player"
#define OWN_SUFFIX "backcoach"
#define NOT_PLAYING_ERROR "org.mpris.MediaPlayer2.backcoach.Error.NotPlaying"
#define NO_TRACK "/org/mpris/MediaPlayer2/TrackList/NoTrack"

#define LIST_TIMEOUT_US (2 * 1000000ull)   /* ListNames */
#define STATUS_TIMEOUT_US (1 * 1000000ull) /* a player's PlaybackStatus */
#define PAUSE_TIMEOUT_US (2 * 1000000ull)  /* its Pause and Play */
#define RECHECK_US (50 * 1000ull)          /* after a command, look again */
#define RECHECK_FOR_US (500 * 1000ull)     /*   this long */
#define STEP_SLACK_US (20 * 1000ull)       /* look just after a step ends */
#define JUMP_US (700 * 1000ll)             /* a position jump: Seeked */

struct mpris {
	const struct mpris_ops *ops;
	void *data;
	struct loop *loop;
	sd_bus *bus;
	struct bus_source *src;  /* the bus on the loop, while open */
	struct loop_source *timer; /* next_us and recheck_until, while open */
	bool active;             /* a session plays or is paused */
	bool named;              /* RequestName sent for name */
	char name[96];
	sd_bus_slot *name_call;  /* RequestName in flight */
	sd_bus_slot *list_call;  /* ListNames in flight */
	struct players players;
	bool warned;             /* the bus was missing: said once */
	/* What was announced last. */
	struct mpris_meta meta;
	enum mpris_status status;
	int64_t pos_us;          /* position at pos_at */
	uint64_t pos_at;
	uint64_t next_us;        /* step change due */
	uint64_t recheck_until;  /* look again every RECHECK_US until then */
	unsigned instance;       /* the name was taken: .instance<pid> */
	bool refreshing;         /* emitting: the getters answer from the above */
};

static const char *status_name(enum mpris_status s)
{
	return s == MPRIS_PLAYING ? "Playing" : s == MPRIS_PAUSED ? "Paused" : "Stopped";
}

static const char *reply_error(sd_bus_message *reply)
{
	const sd_bus_error *e = sd_bus_message_get_error(reply);

	return e && e->message ? e->message : e && e->name ? e->name : "error";
}

static bool reply_timed_out(sd_bus_message *reply)
{
	return sd_bus_message_is_method_error(reply, SD_BUS_ERROR_NO_REPLY) ||
	       sd_bus_message_is_method_error(reply, SD_BUS_ERROR_TIMEOUT);
}

static bool reply_gone(sd_bus_message *reply)
{
	return sd_bus_message_is_method_error(reply, SD_BUS_ERROR_SERVICE_UNKNOWN) ||
	       sd_bus_message_is_method_error(reply, SD_BUS_ERROR_NAME_HAS_NO_OWNER) ||
	       sd_bus_message_is_method_error(reply, SD_BUS_ERROR_DISCONNECTED);
}

/* A method call with our own timeout; the reply goes to cb. */
static int call_async(struct mpris *m, sd_bus_slot **slot, const char *dest,
		      const char *path, const char *iface, const char *method,
		      sd_bus_message_handler_t cb, void *ud, uint64_t timeout_us,
		      const char *types, ...)
{
	sd_bus_message *msg = NULL;
	int r = sd_bus_message_new_method_call(m->bus, &msg, dest, path, iface, method);

	if (r >= 0 && types) {
		va_list ap;
		va_start(ap, types);
		r = sd_bus_message_appendv(msg, types, ap);
		va_end(ap);
	}
	if (r >= 0)
		r = sd_bus_call_async(m->bus, slot, msg, cb, ud, timeout_us);
	sd_bus_message_unref(msg);
	return r;
}

/* ---- the other players ---- */

static void cancel_call(void *call)
{
	sd_bus_slot_unref(call);
}

static int on_resumed(sd_bus_message *reply, void *ud, sd_bus_error *e)
{
	const char *name = ud;

	(void)e;
	if (!sd_bus_message_is_method_error(reply, NULL))
		log_info("resumed %s", name);
	else if (reply_gone(reply))
		log_info("%s is gone: not resumed", name);
	else
		log_warn("%s: Play failed: %s", name, reply_error(reply));
	return 0;
}

/* Play to each player we paused (to its unique name: a player that went
 * away is not confused with a new one of that name). */
static void others_resume(struct mpris *m)
{
	struct player *list = players_take_resume(&m->players, cancel_call);

	if (m->list_call)
		m->list_call = sd_bus_slot_unref(m->list_call);
	for (struct player *p = list; p && m->bus; p = p->next) {
		sd_bus_slot *slot = NULL;
		char *name = xstrdup(p->name);
		int r = call_async(m, &slot, p->owner, MPRIS_PATH, PLAYER_IFACE,
				   "Play", on_resumed, name, PAUSE_TIMEOUT_US, NULL);
		if (r < 0) {
			log_warn("%s: cannot send Play: %s", p->name, strerror(-r));
			free(name);
			continue;
		}
		/* Lives until the answer or the timeout; frees the name. */
		sd_bus_slot_set_destroy_callback(slot, free);
		sd_bus_slot_set_floating(slot, 1);
		sd_bus_slot_unref(slot);
	}
	players_free_list(list);
}

static int on_paused(sd_bus_message *reply, void *ud, sd_bus_error *e)
{
	struct player *p = ud;
	struct mpris *m = p->ctx;

	(void)e;
	p->call = sd_bus_slot_unref(p->call);
	if (!sd_bus_message_is_method_error(reply, NULL)) {
		log_info("paused %s while the session plays", p->name);
		players_paused(&m->players, p, true);
	} else if (reply_timed_out(reply)) {
		/* It may pause yet: it gets Play at the end all the same. */
		log_warn("%s did not answer Pause within %llu s", p->name,
			 PAUSE_TIMEOUT_US / 1000000);
	} else {
		log_warn("%s: Pause failed: %s", p->name, reply_error(reply));
		players_paused(&m->players, p, false);
	}
	return 0;
}

static int on_status(sd_bus_message *reply, void *ud, sd_bus_error *e)
{
	struct player *p = ud;
	struct mpris *m = p->ctx;
	const char *status = NULL;
	sd_bus_slot *slot = NULL;
	int r;

	(void)e;
	p->call = sd_bus_slot_unref(p->call);
	if (sd_bus_message_is_method_error(reply, NULL)) {
		log_debug("%s: no PlaybackStatus: %s", p->name, reply_error(reply));
		players_remove(&m->players, p);
		return 0;
	}
	if (sd_bus_message_read(reply, "v", "s", &status) < 0)
		status = NULL;
	if (!players_status(&m->players, p, sd_bus_message_get_sender(reply), status))
		return 0; /* not Playing (or a bad answer): left alone, forgotten */
	r = call_async(m, &slot, p->owner, MPRIS_PATH, PLAYER_IFACE, "Pause",
		       on_paused, p, PAUSE_TIMEOUT_US, NULL);
	if (r < 0) {
		log_warn("%s: cannot send Pause: %s", p->name, strerror(-r));
		players_remove(&m->players, p);
		return 0;
	}
	p->call = slot;
	return 0;
}

static int on_list(sd_bus_message *reply, void *ud, sd_bus_error *e)
{
	struct mpris *m = ud;
	const char *name;
	int r;

	(void)e;
	m->list_call = sd_bus_slot_unref(m->list_call);
	if (sd_bus_message_is_method_error(reply, NULL)) {
		log_warn("cannot list the other media players: %s", reply_error(reply));
		return 0;
	}
	if (sd_bus_message_enter_container(reply, 'a', "s") < 0)
		return 0;
	while ((r = sd_bus_message_read(reply, "s", &name)) > 0) {
		struct player *p;
		sd_bus_slot *slot = NULL;

		if (!players_is_other(name, OWN_SUFFIX) ||
		    !(p = players_add(&m->players, name)))
			continue;
		p->ctx = m;
		r = call_async(m, &slot, name, MPRIS_PATH,
			       "org.freedesktop.DBus.Properties", "Get", on_status, p,
			       STATUS_TIMEOUT_US, "ss", PLAYER_IFACE, "PlaybackStatus");
		if (r < 0) {
			players_remove(&m->players, p);
			continue;
		}
		p->call = slot;
	}
	return 0;
}

static void others_pause(struct mpris *m)
{
	int r = call_async(m, &m->list_call, "org.freedesktop.DBus",
			   "/org/freedesktop/DBus", "org.freedesktop.DBus", "ListNames",
			   on_list, m, LIST_TIMEOUT_US, NULL);

	if (r < 0)
		log_warn("cannot list the other media players: %s", strerror(-r));
}

/* ---- the bus ---- */

static void bus_close(struct mpris *m, bool flush)
{
	if (!m->bus)
		return;
	players_clear(&m->players, cancel_call);
	m->list_call = sd_bus_slot_unref(m->list_call);
	m->name_call = sd_bus_slot_unref(m->name_call);
	bus_source_free(m->src);
	m->src = NULL;
	loop_remove(m->loop, m->timer);
	m->timer = NULL;
	m->bus = flush ? sd_bus_flush_close_unref(m->bus) : sd_bus_close_unref(m->bus);
	m->named = false;
}

static const sd_bus_vtable root_vtable[];
static const sd_bus_vtable player_vtable[];
static const struct loop_source_ops timer_ops;

/* sd_bus_process failed (bus_source.h). */
static void bus_lost(void *data, int err)
{
	log_warn("session bus connection lost (%s): MPRIS control is off "
		 "until the next session", strerror(-err));
	bus_close(data, false);
}

static int bus_open(struct mpris *m)
{
	sd_bus *bus = NULL;
	int r = sd_bus_open_user_with_description(&bus, "backcoach-mpris");

	if (r >= 0)
		r = sd_bus_add_object_vtable(bus, NULL, MPRIS_PATH, ROOT_IFACE,
					     root_vtable, m);
	if (r >= 0)
		r = sd_bus_add_object_vtable(bus, NULL, MPRIS_PATH, PLAYER_IFACE,
					     player_vtable, m);
	if (r < 0) {
		/* Said once: a desktop without a session bus is no error. */
		if (!m->warned)
			log_warn("no session bus (%s): no media keys, headset buttons "
				 "or MPRIS control; other players are left alone",
				 strerror(-r));
		else
			log_debug("no session bus: %s", strerror(-r));
		m->warned = true;
		sd_bus_unref(bus);
		return -1;
	}
	m->bus = bus;
	m->src = bus_source_new(m->loop, bus, bus_lost, m);
	m->timer = loop_add(m->loop, -1, &timer_ops, m);
	return 0;
}

static int on_name(sd_bus_message *reply, void *ud, sd_bus_error *e)
{
	struct mpris *m = ud;
	uint32_t res = 0;

	(void)e;
	m->name_call = sd_bus_slot_unref(m->name_call);
	if (sd_bus_message_is_method_error(reply, NULL)) {
		log_warn("cannot take the name %s: %s", m->name, reply_error(reply));
		m->named = false;
		return 0;
	}
	(void)sd_bus_message_read(reply, "u", &res);
	if (res == 1 || res == 4) { /* primary owner, or already */
		log_debug("MPRIS player %s", m->name);
		return 0;
	}
	/* Held by another backcoach: the spec's instance name, once. */
	if (!m->instance && m->active) {
		log_info("%s is taken (another backcoach?); using an instance name",
			 m->name);
		m->instance = (unsigned)getpid();
		snprintf(m->name, sizeof(m->name), "%s.instance%u", MPRIS_NAME,
			 m->instance);
		if (sd_bus_request_name_async(m->bus, &m->name_call, m->name, 0,
					      on_name, m) >= 0)
			return 0;
	}
	log_warn("cannot take the name %s", m->name);
	m->named = false;
	return 0;
}

static void name_take(struct mpris *m)
{
	int r;

	if (m->instance)
		snprintf(m->name, sizeof(m->name), "%s.instance%u", MPRIS_NAME, m->instance);
	else
		snprintf(m->name, sizeof(m->name), "%s", MPRIS_NAME);
	r = sd_bus_request_name_async(m->bus, &m->name_call, m->name, 0, on_name, m);
	if (r < 0) {
		log_warn("cannot take the name %s: %s", m->name, strerror(-r));
		return;
	}
	m->named = true;
}

static void name_release(struct mpris *m)
{
	m->name_call = sd_bus_slot_unref(m->name_call);
	if (!m->named)
		return;
	/* After the RequestName in the bus's order: released either way. */
	(void)sd_bus_release_name_async(m->bus, NULL, m->name, NULL, NULL);
	m->named = false;
}

/* ---- state ---- */

static void emit(struct mpris *m, const char *iface, char **names)
{
	if (m->bus && names[0])
		(void)sd_bus_emit_properties_changed_strv(m->bus, MPRIS_PATH, iface, names);
}

/* Take the state now; start or end, and announce what changed. */
static void refresh(struct mpris *m)
{
	struct mpris_state st;
	struct mpris_meta meta;
	char *names[8];
	size_t n = 0;
	uint64_t now = loop_now_us();

	if (m->refreshing)
		return;
	memset(&st, 0, sizeof(st));
	st.next_us = UINT64_MAX;
	st.step = -1;
	m->ops->state(m->data, &st);
	mpris_meta_build(&meta, &st);

	if (st.status != MPRIS_STOPPED && !m->active) {
		m->active = true;
		if (!m->bus)
			(void)bus_open(m);
		if (m->bus) {
			name_take(m);
			if (st.pause_others)
				others_pause(m);
		}
	}
	if (st.status != m->status)
		names[n++] = "PlaybackStatus";
	if (memcmp(&meta, &m->meta, sizeof(meta)) != 0)
		names[n++] = "Metadata";
	if ((st.status == MPRIS_STOPPED) != (m->status == MPRIS_STOPPED)) {
		names[n++] = "CanPlay";
		names[n++] = "CanPause";
		names[n++] = "CanGoNext";
		names[n++] = "CanGoPrevious";
	}
	names[n] = NULL;
	/* The same track, but not where it would be: a repeat (Seeked). */
	bool jumped = m->active && st.status != MPRIS_STOPPED &&
		      strcmp(meta.trackid, m->meta.trackid) == 0 &&
		      m->status != MPRIS_STOPPED;
	if (jumped) {
		int64_t expect = m->pos_us;
		if (m->status == MPRIS_PLAYING)
			expect += (int64_t)(now - m->pos_at);
		jumped = st.position_us < expect - JUMP_US ||
			 st.position_us > expect + JUMP_US;
	}
	m->meta = meta;
	m->status = st.status;
	m->pos_us = st.position_us;
	m->pos_at = now;
	m->next_us = st.status == MPRIS_PLAYING ? st.next_us : UINT64_MAX;
	m->refreshing = true;
	emit(m, PLAYER_IFACE, names);
	m->refreshing = false;
	if (jumped && m->bus)
		(void)sd_bus_emit_signal(m->bus, MPRIS_PATH, PLAYER_IFACE, "Seeked",
					 "x", st.position_us);
	if (n)
		m->recheck_until = 0; /* the change came through */

	if (st.status == MPRIS_STOPPED && m->active) {
		m->active = false;
		m->recheck_until = 0;
		if (m->bus) {
			others_resume(m);
			name_release(m);
		}
	}
}

void mpris_update(struct mpris *m, bool soon)
{
	if (!m)
		return;
	refresh(m);
	if (soon && m->active)
		m->recheck_until = loop_now_us() + RECHECK_FOR_US;
}

bool mpris_named(const struct mpris *m)
{
	return m && m->named;
}

/* ---- D-Bus methods and properties ---- */

static int run(sd_bus_message *msg, struct mpris *m, const char *method,
	       sd_bus_error *e)
{
	struct mpris_state st;
	const char *cmd;
	char err[256] = "";

	memset(&st, 0, sizeof(st));
	st.step = -1;
	m->ops->state(m->data, &st);
	if (st.status == MPRIS_STOPPED)
		return sd_bus_error_set(e, NOT_PLAYING_ERROR, "nothing is playing");
	cmd = mpris_command_for(method, &st);
	log_debug("MPRIS %s%s%s", method, cmd ? ": " : "", cmd ? cmd : "");
	if (cmd && m->ops->command(m->data, cmd, err, sizeof(err)) < 0)
		return sd_bus_error_setf(e, SD_BUS_ERROR_FAILED, "%s: %s", method,
					 err[0] ? err : "failed");
	mpris_update(m, true);
	return sd_bus_reply_method_return(msg, NULL);
}

#define METHOD(NAME) \
	static int method_##NAME(sd_bus_message *msg, void *ud, sd_bus_error *e) \
	{ \
		return run(msg, ud, #NAME, e); \
	}
METHOD(Play)
METHOD(Pause)
METHOD(PlayPause)
METHOD(Stop)
METHOD(Next)
METHOD(Previous)

static int method_nothing(sd_bus_message *msg, void *ud, sd_bus_error *e)
{
	/* Raise (CanRaise false), Seek, SetPosition (CanSeek false): the
	 * spec's "no effect". The arguments were checked by sd-bus. */
	(void)ud;
	(void)e;
	return sd_bus_reply_method_return(msg, NULL);
}

static int method_quit(sd_bus_message *msg, void *ud, sd_bus_error *e)
{
	(void)msg;
	(void)ud;
	return sd_bus_error_set(e, SD_BUS_ERROR_NOT_SUPPORTED,
				"backcoach runs as a service (CanQuit is false): use Stop");
}

static int method_open_uri(sd_bus_message *msg, void *ud, sd_bus_error *e)
{
	const char *uri = NULL;

	(void)ud;
	(void)sd_bus_message_read(msg, "s", &uri);
	return sd_bus_error_setf(e, SD_BUS_ERROR_NOT_SUPPORTED,
				 "backcoach opens no URIs (SupportedUriSchemes is empty): %s",
				 uri ? uri : "");
}

static int prop_bool(sd_bus *bus, const char *path, const char *iface,
		     const char *prop, sd_bus_message *reply, void *ud,
		     sd_bus_error *e)
{
	struct mpris *m = ud;
	int v = 0;

	(void)bus, (void)path, (void)iface, (void)e;
	/* CanPlay, CanPause, CanGoNext, CanGoPrevious: while a session plays
	 * or is paused (clients such as playerctl send Stop and PlayPause
	 * only to a player that CanPlay). */
	if (strcmp(prop, "CanControl") == 0)
		v = 1;
	else if (strncmp(prop, "Can", 3) == 0 && strcmp(prop, "CanSeek") != 0 &&
		 strcmp(prop, "CanQuit") != 0 && strcmp(prop, "CanRaise") != 0)
		v = m->status != MPRIS_STOPPED;
	return sd_bus_message_append(reply, "b", v);
}

static int prop_identity(sd_bus *bus, const char *path, const char *iface,
			 const char *prop, sd_bus_message *reply, void *ud,
			 sd_bus_error *e)
{
	(void)bus, (void)path, (void)iface, (void)prop, (void)ud, (void)e;
	return sd_bus_message_append(reply, "s", MPRIS_IDENTITY);
}

static int prop_none(sd_bus *bus, const char *path, const char *iface,
		     const char *prop, sd_bus_message *reply, void *ud,
		     sd_bus_error *e)
{
	(void)bus, (void)path, (void)iface, (void)prop, (void)ud, (void)e;
	return sd_bus_message_append(reply, "as", 0);
}

static int prop_one(sd_bus *bus, const char *path, const char *iface,
		    const char *prop, sd_bus_message *reply, void *ud,
		    sd_bus_error *e)
{
	(void)bus, (void)path, (void)iface, (void)prop, (void)ud, (void)e;
	return sd_bus_message_append(reply, "d", 1.0); /* Rate, Volume */
}

static int prop_status(sd_bus *bus, const char *path, const char *iface,
		       const char *prop, sd_bus_message *reply, void *ud,
		       sd_bus_error *e)
{
	struct mpris *m = ud;

	(void)bus, (void)path, (void)iface, (void)prop, (void)e;
	refresh(m);
	return sd_bus_message_append(reply, "s", status_name(m->status));
}

static int prop_metadata(sd_bus *bus, const char *path, const char *iface,
			 const char *prop, sd_bus_message *reply, void *ud,
			 sd_bus_error *e)
{
	struct mpris *m = ud;
	const struct mpris_meta *mt = &m->meta;
	int r;

	(void)bus, (void)path, (void)iface, (void)prop, (void)e;
	refresh(m);
	r = sd_bus_message_open_container(reply, 'a', "{sv}");
	if (r < 0)
		return r;
	if (m->status == MPRIS_STOPPED)
		return sd_bus_message_append(reply, "{sv}", "mpris:trackid", "o", NO_TRACK) < 0
			       ? -ENOMEM : sd_bus_message_close_container(reply);
	r = sd_bus_message_append(reply, "{sv}{sv}{sv}{sv}{sv}",
				  "mpris:trackid", "o", mt->trackid,
				  "xesam:title", "s", mt->title,
				  "xesam:album", "s", mt->album,
				  "xesam:artist", "as", 1, MPRIS_IDENTITY,
				  "mpris:length", "x", mt->length_us);
	if (r < 0)
		return r;
	return sd_bus_message_close_container(reply);
}

static int prop_position(sd_bus *bus, const char *path, const char *iface,
			 const char *prop, sd_bus_message *reply, void *ud,
			 sd_bus_error *e)
{
	struct mpris *m = ud;

	(void)bus, (void)path, (void)iface, (void)prop, (void)e;
	refresh(m);
	return sd_bus_message_append(reply, "x", m->status == MPRIS_STOPPED ? 0 : m->pos_us);
}

#define CONST SD_BUS_VTABLE_PROPERTY_CONST
#define CHANGES SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE

static const sd_bus_vtable root_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_METHOD("Raise", "", "", method_nothing, 0),
	SD_BUS_METHOD("Quit", "", "", method_quit, 0),
	SD_BUS_PROPERTY("CanQuit", "b", prop_bool, 0, CONST),
	SD_BUS_PROPERTY("CanRaise", "b", prop_bool, 0, CONST),
	SD_BUS_PROPERTY("HasTrackList", "b", prop_bool, 0, CONST),
	SD_BUS_PROPERTY("Identity", "s", prop_identity, 0, CONST),
	SD_BUS_PROPERTY("SupportedUriSchemes", "as", prop_none, 0, CONST),
	SD_BUS_PROPERTY("SupportedMimeTypes", "as", prop_none, 0, CONST),
	SD_BUS_VTABLE_END
};

static const sd_bus_vtable player_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_METHOD("Play", "", "", method_Play, 0),
	SD_BUS_METHOD("Pause", "", "", method_Pause, 0),
	SD_BUS_METHOD("PlayPause", "", "", method_PlayPause, 0),
	SD_BUS_METHOD("Stop", "", "", method_Stop, 0),
	SD_BUS_METHOD("Next", "", "", method_Next, 0),
	SD_BUS_METHOD("Previous", "", "", method_Previous, 0),
	SD_BUS_METHOD("Seek", "x", "", method_nothing, 0),
	SD_BUS_METHOD("SetPosition", "ox", "", method_nothing, 0),
	SD_BUS_METHOD("OpenUri", "s", "", method_open_uri, 0),
	SD_BUS_SIGNAL("Seeked", "x", 0),
	SD_BUS_PROPERTY("PlaybackStatus", "s", prop_status, 0, CHANGES),
	SD_BUS_PROPERTY("Rate", "d", prop_one, 0, CONST),
	SD_BUS_PROPERTY("MinimumRate", "d", prop_one, 0, CONST),
	SD_BUS_PROPERTY("MaximumRate", "d", prop_one, 0, CONST),
	SD_BUS_PROPERTY("Volume", "d", prop_one, 0, CONST),
	SD_BUS_PROPERTY("Metadata", "a{sv}", prop_metadata, 0, CHANGES),
	SD_BUS_PROPERTY("Position", "x", prop_position, 0, 0),
	SD_BUS_PROPERTY("CanControl", "b", prop_bool, 0, CONST),
	SD_BUS_PROPERTY("CanPlay", "b", prop_bool, 0, CHANGES),
	SD_BUS_PROPERTY("CanPause", "b", prop_bool, 0, CHANGES),
	SD_BUS_PROPERTY("CanGoNext", "b", prop_bool, 0, CHANGES),
	SD_BUS_PROPERTY("CanGoPrevious", "b", prop_bool, 0, CHANGES),
	SD_BUS_PROPERTY("CanSeek", "b", prop_bool, 0, CONST),
	SD_BUS_VTABLE_END
};

/* ---- the timer: the step's end, and the looks after a command ---- */

static void timer_prepare(void *data, short *events, uint64_t *deadline_us)
{
	struct mpris *m = data;
	uint64_t now;

	(void)events;
	if (!m->active)
		return;
	now = loop_now_us();
	if (m->next_us != UINT64_MAX)
		*deadline_us = m->next_us + STEP_SLACK_US;
	if (now < m->recheck_until && now + RECHECK_US < *deadline_us)
		*deadline_us = now + RECHECK_US;
}

static void timer_dispatch(void *data, short revents)
{
	struct mpris *m = data;
	uint64_t now;

	(void)revents;
	if (!m->active)
		return;
	now = loop_now_us();
	if (now < m->recheck_until ||
	    (m->next_us != UINT64_MAX && now >= m->next_us + STEP_SLACK_US))
		refresh(m);
	if (now >= m->recheck_until)
		m->recheck_until = 0;
}

static const struct loop_source_ops timer_ops = {
	.prepare = timer_prepare,
	.dispatch = timer_dispatch,
};

struct mpris *mpris_new(struct loop *l, const struct mpris_ops *ops, void *data)
{
	struct mpris *m = xcalloc(1, sizeof(*m));

	m->ops = ops;
	m->data = data;
	m->loop = l;
	m->next_us = UINT64_MAX;
	return m;
}

void mpris_free(struct mpris *m)
{
	if (!m)
		return;
	if (m->bus && m->active) {
		others_resume(m);
		name_release(m);
	}
	bus_close(m, true);
	free(m);
}

#else /* no libsystemd */

struct mpris {
	int unused;
};

struct mpris *mpris_new(struct loop *l, const struct mpris_ops *ops, void *data)
{
	(void)l;
	(void)ops;
	(void)data;
	log_info("built without libsystemd: no MPRIS control");
	return NULL;
}
void mpris_free(struct mpris *m) { (void)m; }
void mpris_update(struct mpris *m, bool soon) { (void)m, (void)soon; }
bool mpris_named(const struct mpris *m) { (void)m; return false; }

#endif
