/* SPDX-License-Identifier: GPL-3.0-or-later */
/* presence_watch.c: presence, calls, the sitting clock and the record of
 * the day, for the daemon; see presence_watch.h. */
#include "desktop/presence_watch.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "desktop/callwatch.h"
#include "coach/config.h"
#include "base/log.h"
#include "base/loop.h"
#include "desktop/presence.h"
#include "desktop/presence_bus.h"
#include "coach/statelog.h"
#include "base/util.h"

struct pwatch {
	struct loop *loop;
	const struct pwatch_ops *ops;
	void *data;
	struct presence p;
	struct callgate gate;
	struct pbus *bus;          /* NULL: presence = no */
	struct callwatch *calls;   /* NULL: during_calls = remind */
	struct loop_source *calls_src;
	bool calls_connected;
	char caller[64];
};

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void record(enum slog_kind kind, int64_t ms)
{
	struct slog_rec r = { .t = (int64_t)time(NULL), .kind = kind,
			      .secs = (ms + 500) / 1000 };
	if (r.secs > 0)
		(void)statelog_append(&r);
}

static bool sources(const struct pwatch *w, char *buf, size_t len)
{
	if (!w->bus) {
		buf[0] = '\0';
		return false;
	}
	return pbus_describe(w->bus, buf, len);
}

static const char *reason_name(unsigned r)
{
	switch (r) {
	case PRESENCE_LOCKED: return "locked";
	case PRESENCE_IDLE: return "idle";
	case PRESENCE_ASLEEP: return "asleep";
	case PRESENCE_DESKTOP_IDLE: return "idle (desktop)";
	case PRESENCE_SAVER: return "screen saver";
	default: return "?";
	}
}

static void on_presence(void *data, unsigned reason, bool on, int64_t at)
{
	struct pwatch *w = data;
	struct presence_event ev;
	int64_t now = pbus_boot_ms();
	char a[32], b[32];

	log_debug("presence: %s %s", reason_name(reason), on ? "begins" : "ends");
	switch (presence_set(&w->p, reason, on, at, now, &ev)) {
	case PRESENCE_LEFT:
		log_info("presence: away (%s) after %s here", reason_name(reason),
			 util_format_duration(ev.stretch_ms, a, sizeof(a)));
		record(SLOG_SIT, ev.stretch_ms);
		break;
	case PRESENCE_BACK:
		log_info("presence: back after %s: the sitting clock carries on at %s",
			 util_format_duration(ev.away_ms, a, sizeof(a)),
			 util_format_duration(presence_sitting(&w->p, now), b, sizeof(b)));
		break;
	case PRESENCE_BREAK:
		log_info("presence: back after %s: a natural break, sitting starts over",
			 util_format_duration(ev.away_ms, a, sizeof(a)));
		record(SLOG_BREAK, ev.away_ms);
		break;
	case PRESENCE_SAME:
		return;
	}
	w->ops->changed(w->data);
}

static void on_sources(void *data)
{
	struct pwatch *w = data;
	char buf[256];

	if (!sources(w, buf, sizeof(buf)))
		log_info("presence: no desktop source: counting wall time");
}

static void on_answered(void *data)
{
	struct pwatch *w = data;
	w->ops->changed(w->data);
}

static const struct pbus_ops bus_ops = {
	.changed = on_presence,
	.sources = on_sources,
	.answered = on_answered,
};

static void on_calls(void *data, short revents)
{
	struct pwatch *w = data;
	bool was_connected = w->calls_connected;
	int n;
	(void)revents;

	n = callwatch_count(w->calls, &w->calls_connected, w->caller, sizeof(w->caller));
	if (callgate_set(&w->gate, n, pbus_boot_ms())) {
		if (n > 0)
			log_info("calls: %s records from a microphone: reminders wait",
				 w->caller[0] ? w->caller : "a program");
		else
			log_info("calls: the recording ended");
		w->ops->changed(w->data);
	} else if (was_connected != w->calls_connected) {
		w->ops->changed(w->data);
	}
}

static void calls_start(struct pwatch *w)
{
	if (w->calls)
		return;
	w->calls = callwatch_new();
	if (w->calls)
		w->calls_src = loop_add_fd(w->loop, callwatch_fd(w->calls), POLLIN,
					   on_calls, w);
}

static void calls_stop(struct pwatch *w)
{
	if (!w->calls)
		return;
	loop_remove(w->loop, w->calls_src);
	callwatch_free(w->calls);
	w->calls = NULL;
	w->calls_src = NULL;
	w->calls_connected = false;
	callgate_set(&w->gate, 0, pbus_boot_ms());
	w->gate.ended_at = -1;
}

struct pwatch *pwatch_new(struct loop *l, const struct config *c,
			  const struct pwatch_ops *ops, void *data)
{
	struct pwatch *w = xcalloc(1, sizeof(*w));

	w->loop = l;
	w->ops = ops;
	w->data = data;
	presence_init(&w->p, c->reminders.break_ms, pbus_boot_ms());
	callgate_init(&w->gate, c->reminders.call_grace_ms);
	pwatch_configure(w, c);
	return w;
}

void pwatch_configure(struct pwatch *w, const struct config *c)
{
	presence_set_break(&w->p, c->reminders.break_ms);
	w->gate.grace_ms = c->reminders.call_grace_ms;
	if (c->reminders.presence && !w->bus) {
		w->bus = pbus_new(w->loop, c->reminders.idle_ms, &bus_ops, w);
	} else if (!c->reminders.presence && w->bus) {
		pbus_free(w->bus);
		w->bus = NULL;
		presence_clear(&w->p, pbus_boot_ms(), NULL);
		log_info("presence: off: counting wall time");
	} else if (w->bus) {
		pbus_set_idle(w->bus, c->reminders.idle_ms);
	}
	if (c->reminders.enabled && c->reminders.during_calls == CALLS_WAIT)
		calls_start(w);
	else
		calls_stop(w);
}

void pwatch_free(struct pwatch *w)
{
	if (!w)
		return;
	record(SLOG_SIT, presence_stretch(&w->p, pbus_boot_ms()));
	calls_stop(w);
	pbus_free(w->bus);
	free(w);
}

int64_t pwatch_sitting(const struct pwatch *w)
{
	if (!w)
		return 0;
	return presence_sitting(&w->p, pbus_boot_ms());
}

bool pwatch_here(const struct pwatch *w)
{
	return !w || presence_here(&w->p);
}

bool pwatch_call_holds(const struct pwatch *w, int64_t *until_ms)
{
	int64_t now = pbus_boot_ms(), until;

	if (!w || !callgate_holds(&w->gate, now, &until))
		return false;
	*until_ms = until == INT64_MAX ? INT64_MAX : until - now;
	return true;
}

bool pwatch_ask_idle(struct pwatch *w)
{
	return w && w->bus && pbus_ask_idle(w->bus);
}

void pwatch_session_begins(struct pwatch *w)
{
	int64_t now = pbus_boot_ms();

	record(SLOG_SIT, presence_stretch(&w->p, now));
	presence_new_stretch(&w->p, now);
}

void pwatch_reset(struct pwatch *w)
{
	if (w)
		presence_reset(&w->p, pbus_boot_ms());
}

void pwatch_suspended(struct pwatch *w, int64_t slept_ms)
{
	char buf[256], a[32];
	int64_t now = pbus_boot_ms();

	if (sources(w, buf, sizeof(buf)) && strstr(buf, "logind")) {
		/* logind's PrepareForSleep tells the absence itself. */
		return;
	}
	if (!sources(w, buf, sizeof(buf))) {
		/* Nothing tells: as before, sitting starts over. */
		log_info("resumed after %s suspended: sitting time starts over",
			 util_format_duration(slept_ms, a, sizeof(a)));
		record(SLOG_SIT, presence_stretch(&w->p, now - slept_ms));
		presence_reset(&w->p, now);
		return;
	}
	log_info("resumed after %s suspended", util_format_duration(slept_ms, a, sizeof(a)));
	on_presence(w, PRESENCE_ASLEEP, true, now - slept_ms);
	on_presence(w, PRESENCE_ASLEEP, false, now);
}

static void format_since(int64_t boot_at, char *buf, size_t len)
{
	int64_t wall = wall_ms() - (pbus_boot_ms() - boot_at);
	time_t t = (time_t)(wall / 1000);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, len, "%H:%M", &tm);
}

void pwatch_status(const struct pwatch *w, FILE *f)
{
	char src[256], a[32], since[16];
	int64_t now = pbus_boot_ms();
	bool known = sources(w, src, sizeof(src));

	if (!known) {
		fprintf(f, "presence: unknown (counting wall time)\n");
	} else if (presence_here(&w->p)) {
		fprintf(f, "presence: here (%s)\n", src);
	} else {
		fprintf(f, "presence: away (");
		for (unsigned r = 1, first = 1; r <= PRESENCE_SAVER; r <<= 1)
			if (w->p.away & r) {
				fprintf(f, "%s%s", first ? "" : ", ", reason_name(r));
				first = 0;
			}
		fprintf(f, "; %s)\n", src);
	}
	int64_t m = presence_sitting(&w->p, now) / 60000;
	if (m >= 60)
		snprintf(a, sizeof(a), "%dh%02dm", (int)(m / 60), (int)(m % 60));
	else
		snprintf(a, sizeof(a), "%dm", (int)m);
	if (presence_here(&w->p)) {
		format_since(w->p.present_since, since, sizeof(since));
		fprintf(f, "sitting: %s (present since %s)\n", a, since);
	} else {
		format_since(w->p.away_since, since, sizeof(since));
		fprintf(f, "sitting: %s (away since %s)\n", a, since);
	}
	if (!w->calls)
		fprintf(f, "calls: not watched\n");
	else if (!w->calls_connected)
		fprintf(f, "calls: no sound server (not detected)\n");
	else if (w->gate.active)
		fprintf(f, "calls: recording (%s): reminders wait\n",
			w->caller[0] ? w->caller : "?");
	else
		fprintf(f, "calls: none\n");
}
