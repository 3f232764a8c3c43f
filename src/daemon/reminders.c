/* SPDX-License-Identifier: GPL-3.0-or-later */
/* reminders.c: the reminder scheduler (reminders.h): when the next reminder
 * is due, given the rules, presence, calls and a snooze; the wall-clock timer
 * it is armed on, and the time zone and suspend watches that move it; the
 * timer firing it; the reminders in the record of the day. */
#include "daemon/reminders.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/loop.h"
#include "base/util.h"
#include "coach/reminder.h"
#include "coach/statelog.h"
#include "daemon/notify.h"

struct reminders {
	const struct reminders_ops *ops;
	void *data;
	struct loop *loop;
	struct loop_source *tsrc, *isrc;
	int tfd, ifd;

	bool on;                       /* [reminders] enabled */
	struct reminder_rules rules;
	int64_t snooze_ms;             /* [reminders] snooze */
	struct sitting sit;            /* only to notice a suspend */
	int64_t held_since;            /* a due reminder held by a call (0: none) */
	int64_t snooze_mono;           /* no reminder before this (0: none) */
	int64_t due_wall;              /* armed deadline, REMINDER_NEVER: none */
	unsigned long fired;
	int64_t hold_wall;             /* `hold`: none before this (0: none) */
	bool dnd, dnd_asking;          /* do not disturb on; being asked */
	char dnd_why[96];
	const char *held_by;           /* "a call", "do not disturb" */
};

/* ---- when the next reminder is due ---- */

/* wall (ms since the epoch) as the local date, time and time zone. */
static void format_wall(int64_t wall, char *buf, size_t len)
{
	time_t t = (time_t)(wall / 1000);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%S %Z", &tm);
}

/* The sitting clock as a wall time: when you would have sat down, had you
 * sat without a pause. */
static int64_t sitting_since(const struct reminders *r, int64_t real)
{
	return real - r->ops->sitting(r->data);
}

static int64_t next_due(const struct reminders *r, int64_t mono, int64_t real)
{
	(void)mono;
	return reminder_next_due(&r->rules, sitting_since(r, real));
}

/* Presence and calls hold a due reminder: while you are away it waits for
 * you (the clock is stopped, so none falls due); while a call goes on, and
 * for call_grace after it, it waits for the call. Returns the deadline. */
static int64_t presence_gate(struct reminders *r, int64_t due, int64_t real)
{
	int64_t until;

	if (due == REMINDER_NEVER)
		return due;
	if (!r->ops->here(r->data))
		return REMINDER_NEVER; /* armed again when you come back */
	if (r->ops->call_holds(r->data, &until)) {
		if (until == INT64_MAX) /* till it ends (the timer holds it) */
			return due <= real + 50 ? REMINDER_NEVER : due;
		if (due < real + until)
			return real + until;
	}
	return due;
}

/* Arm the wall-clock timer at the next reminder, or disarm it. It is a
 * CLOCK_REALTIME timer with TFD_TIMER_CANCEL_ON_SET: the kernel cancels it
 * (read fails with ECANCELED) when the wall clock is set and on resume from
 * suspend (the realtime-monotonic offset changes), so we recompute then.
 * The sitting time itself is kept on CLOCK_MONOTONIC (see reminder.h). */
void reminders_arm(struct reminders *r)
{
	struct itimerspec its = { 0 };
	int64_t mono = util_clock_ms(CLOCK_MONOTONIC);
	int64_t real = util_clock_ms(CLOCK_REALTIME);
	int64_t due = REMINDER_NEVER;
	bool playing;
	char when[64], in[32];

	if (!r)
		return;
	tzset(); /* follow time zone changes */
	playing = r->ops->playing(r->data);
	if (r->hold_wall && r->hold_wall <= real) {
		log_info("hold over: reminders as usual");
		r->hold_wall = 0;
	}
	if (r->on && !playing) {
		int64_t until = 0;

		due = next_due(r, mono, real);
		/* Snoozed or held: not before that ends, and then only inside
		 * active hours. */
		if (r->snooze_mono > mono)
			until = real + (r->snooze_mono - mono);
		if (r->hold_wall > until)
			until = r->hold_wall;
		if (until && due != REMINDER_NEVER && due < until)
			due = reminder_active(&r->rules, until) ? until
								 : reminder_next_due(&r->rules, until);
		due = presence_gate(r, due, real);
		/* Do not disturb: its end fires it (reminders_dnd). */
		if (r->dnd && due != REMINDER_NEVER && due <= real + 50) {
			if (!r->held_since) {
				r->held_since = util_clock_ms(CLOCK_BOOTTIME);
				r->held_by = "do not disturb";
				log_info("a reminder is due: it waits for do not disturb to end");
			}
			due = REMINDER_NEVER;
		}
	}
	if (due != REMINDER_NEVER) {
		if (due <= real)
			due = real + 1;
		its.it_value.tv_sec = (time_t)(due / 1000);
		its.it_value.tv_nsec = (long)(due % 1000) * 1000000;
	}
	if (timerfd_settime(r->tfd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET,
			    &its, NULL) < 0)
		log_errno("timerfd_settime");
	if (due != r->due_wall) {
		if (due != REMINDER_NEVER) {
			format_wall(due, when, sizeof(when));
			log_debug("next reminder at %s (in %s)", when,
				  util_format_duration(due - real, in, sizeof(in)));
			notify_status("Idle; next reminder at %s", when);
		} else if (!playing) {
			notify_status("Idle%s", r->on ? "; no reminder due" : "");
		}
	}
	r->due_wall = due;
}

void reminders_rearm(struct reminders *r)
{
	if (!r)
		return;
	r->due_wall = -1;
	reminders_arm(r);
}

int64_t reminders_due_at(const struct reminders *r)
{
	return r ? r->due_wall : REMINDER_NEVER;
}

/* Every wakeup: after a suspend the sitting time starts over. */
static void check_suspend(void *data)
{
	struct reminders *r = data;
	int64_t slept = sitting_check_suspend(&r->sit, util_clock_ms(CLOCK_MONOTONIC),
					      util_clock_ms(CLOCK_BOOTTIME));
	char buf[32];

	if (slept > 0) {
		log_debug("suspended for %s", util_format_duration(slept, buf, sizeof(buf)));
		r->ops->suspended(r->data, slept);
		r->snooze_mono = 0;
		reminders_arm(r);
	}
}

void reminders_configure(struct reminders *r, const struct config *c)
{
	r->on = c->reminders.enabled;
	r->snooze_ms = c->reminders.snooze_ms;
	reminder_rules_from_config(c, &r->rules);
	r->due_wall = -1; /* log the next one again */
}

/* ---- the record of the day ---- */

/* A reminder given, snoozed or cancelled; given after a call held it, how
 * long it waited. */
static void record(struct reminders *r, enum slog_reminder what)
{
	struct slog_rec rec = { .t = (int64_t)time(NULL), .kind = SLOG_REMINDER,
				.reminder = what };

	if (what == SLOG_GIVEN && r->held_since) {
		struct slog_rec w = rec;
		w.reminder = SLOG_WAITED;
		w.secs = (util_clock_ms(CLOCK_BOOTTIME) - r->held_since + 500) / 1000;
		log_info("the reminder waited %lld s for %s", (long long)w.secs,
			 r->held_by ? r->held_by : "a call");
		(void)statelog_append(&w);
		r->held_since = 0;
	}
	(void)statelog_append(&rec);
}

/* ---- the reminder falls due ---- */

static void fire(struct reminders *r)
{
	int64_t real = util_clock_ms(CLOCK_REALTIME);
	int minutes = reminder_minutes_sat(&r->rules, sitting_since(r, real), real);

	/* How late the loop fired it, for the soak benchmark (make bench). */
	if (r->due_wall >= 0 && r->due_wall != REMINDER_NEVER)
		log_debug("reminder %lu: %lld ms after it was due", r->fired + 1,
			  (long long)(real - r->due_wall));
	r->snooze_mono = 0;
	r->fired++;
	record(r, SLOG_GIVEN);
	if (r->ops->due(r->data, minutes) < 0) {
		/* Count it as given: sitting starts over, no retry burst. */
		r->ops->restart(r->data);
		reminders_arm(r);
	}
}

/* ---- the timer, the time zone ---- */

/* A reminder may be due now (the timer; do not disturb answered or
 * changed): fire it unless absence, a call, a snooze, a hold or do not
 * disturb holds it. dnd_checked: do not disturb was just told. */
static void due_now(struct reminders *r, bool dnd_checked)
{
	if (r->ops->playing(r->data) || !r->on)
		return;
	/* Recompute: a tz change may have moved the deadline. */
	int64_t mono = util_clock_ms(CLOCK_MONOTONIC), real = util_clock_ms(CLOCK_REALTIME);
	int64_t due = next_due(r, mono, real), until;
	if (r->snooze_mono > mono + 50 || due > real + 50 || !r->ops->here(r->data) ||
	    r->hold_wall > real) {
		reminders_arm(r);
		return;
	}
	if (r->ops->ask_idle && r->ops->ask_idle(r->data))
		return; /* KDE: are you here? The answer arms the timer again. */
	if (r->ops->call_holds(r->data, &until)) {
		if (!r->held_since) {
			r->held_since = util_clock_ms(CLOCK_BOOTTIME);
			r->held_by = "a call";
			log_info("a reminder is due: it waits for the call to end");
		}
		reminders_arm(r);
		return;
	}
	/* Do not disturb, asked at each due reminder; the answer (perhaps at
	 * once) comes back here through reminders_dnd. */
	if (!dnd_checked && r->ops->ask_dnd) {
		if (r->dnd_asking)
			return;
		r->dnd_asking = true;
		if (r->ops->ask_dnd(r->data))
			return;
		r->dnd_asking = false;
	}
	if (r->dnd) {
		reminders_arm(r); /* held: see there */
		return;
	}
	fire(r);
}

/* The reminder timer: it expired, or the wall clock changed. Fire the
 * reminder if it is due and neither absence, a call nor a snooze holds it. */
static void on_timer(void *data, short revents)
{
	struct reminders *r = data;
	uint64_t ticks;

	(void)revents;
	if (read(r->tfd, &ticks, sizeof(ticks)) < 0) {
		if (errno == ECANCELED) {
			log_debug("wall clock changed (set, or resumed)");
			r->due_wall = -1;
			reminders_arm(r);
		}
		return;
	}
	due_now(r, false);
}

/* /etc/localtime replaced (time zone change): re-read it. */
static void on_tz_change(void *data, short revents)
{
	struct reminders *r = data;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool tz = false;
	ssize_t n;

	(void)revents;
	while ((n = read(r->ifd, buf, sizeof(buf))) > 0)
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const void *)p;
			if (ev->len && strcmp(ev->name, "localtime") == 0)
				tz = true;
			p += sizeof(*ev) + ev->len;
		}
	if (tz) {
		log_info("time zone changed");
		reminders_arm(r);
	}
}

/* ---- what the daemon asks ---- */

int reminders_snooze(struct reminders *r, int64_t want_ms, enum slog_reminder as,
		     int64_t *ms, char *err, size_t errlen)
{
	if (!r || !r->on) {
		snprintf(err, errlen, "reminders are off");
		return -1;
	}
	*ms = want_ms > 0 ? want_ms : r->snooze_ms > 0 ? r->snooze_ms : r->rules.interval_ms;
	r->snooze_mono = util_clock_ms(CLOCK_MONOTONIC) + *ms;
	record(r, as);
	r->held_since = 0;
	return 0;
}

int reminders_hold(struct reminders *r, int64_t until, char *err, size_t errlen)
{
	if (!r || !r->on) {
		snprintf(err, errlen, "reminders are off");
		return -1;
	}
	r->hold_wall = until;
	r->held_since = 0;
	reminders_arm(r);
	return 0;
}

void reminders_unhold(struct reminders *r)
{
	if (!r)
		return;
	r->hold_wall = 0;
	r->snooze_mono = 0;
	reminders_rearm(r);
}

void reminders_dnd(struct reminders *r, bool on, const char *why)
{
	bool was;

	if (!r)
		return;
	was = r->dnd;
	r->dnd_asking = false;
	r->dnd = on;
	snprintf(r->dnd_why, sizeof(r->dnd_why), "%s", why ? why : "");
	if (on && !was)
		log_info("do not disturb is on (%s)", r->dnd_why);
	else if (!on && was)
		log_info("do not disturb is off");
	due_now(r, true); /* a reminder due now fires, or waits */
}

void reminders_record(struct reminders *r, enum slog_reminder what)
{
	if (r)
		record(r, what);
}

void reminders_session_ended(struct reminders *r, bool cancelled)
{
	if (!r)
		return;
	/* Sitting starts over at the end of a session, except when a reminder
	 * was cancelled during its countdown: that snoozes it. */
	if (cancelled && r->snooze_ms > 0) {
		char buf[32];
		record(r, SLOG_CANCELLED);
		r->snooze_mono = util_clock_ms(CLOCK_MONOTONIC) + r->snooze_ms;
		log_info("reminder cancelled: snoozed for %s",
			 util_format_duration(r->snooze_ms, buf, sizeof(buf)));
	} else {
		r->ops->restart(r->data);
		r->snooze_mono = 0;
		r->held_since = 0; /* a reminder held by a call is not due now */
	}
}

/* When the next reminder comes, in words: "in 42 minutes, at 14:35",
 * "today at 16:10, in 2h05", "tomorrow at 09:50", "on Monday at 09:50". */
static void in_words(int64_t due, int64_t real, char *buf, size_t len)
{
	int64_t days = slog_local_day(due / 1000) - slog_local_day(real / 1000);
	int64_t min = (due - real + 59999) / 60000;
	time_t t = (time_t)(due / 1000);
	struct tm tm;
	char hm[16], day[16];

	localtime_r(&t, &tm);
	strftime(hm, sizeof(hm), "%H:%M", &tm);
	strftime(day, sizeof(day), "%A", &tm);
	if (days == 0 && min < 60)
		snprintf(buf, len, "in %lld minute%s, at %s", (long long)min, min == 1 ? "" : "s", hm);
	else if (days == 0)
		snprintf(buf, len, "today at %s, in %lldh%02lld", hm, (long long)(min / 60),
			 (long long)(min % 60));
	else if (days == 1)
		snprintf(buf, len, "tomorrow at %s", hm);
	else
		snprintf(buf, len, "on %s at %s", day, hm);
}

void reminders_status(const struct reminders *r, FILE *f)
{
	int64_t real = util_clock_ms(CLOCK_REALTIME), mono = util_clock_ms(CLOCK_MONOTONIC);
	char a[32], when[64], words[96];

	if (!r || !r->on) {
		fprintf(f, "next reminder: off\n");
		return;
	} else if (r->ops->playing(r->data)) {
		fprintf(f, "next reminder: %s after this session\n",
			util_format_duration(r->rules.interval_ms, a, sizeof(a)));
	} else if ((r->due_wall == REMINDER_NEVER || r->due_wall < 0) &&
		   !r->ops->here(r->data)) {
		fprintf(f, "next reminder: waits for you (away)\n");
	} else if ((r->due_wall == REMINDER_NEVER || r->due_wall < 0) && r->dnd) {
		fprintf(f, "next reminder: waits for do not disturb to end (%s)\n", r->dnd_why);
	} else if ((r->due_wall == REMINDER_NEVER || r->due_wall < 0) && r->held_since) {
		fprintf(f, "next reminder: waits for the call to end\n");
	} else if (r->due_wall == REMINDER_NEVER || r->due_wall < 0) {
		fprintf(f, "next reminder: none due (check [reminders] hours and days)\n");
	} else {
		format_wall(r->due_wall, when, sizeof(when));
		in_words(r->due_wall, real, words, sizeof(words));
		fprintf(f, "next reminder: %s (%s)\n", words, when);
	}
	if (r->hold_wall > real) {
		format_wall(r->hold_wall, when, sizeof(when));
		fprintf(f, "held: no reminder until %s (backcoach unhold)\n", when);
	}
	if (r->snooze_mono > mono)
		fprintf(f, "snoozed: for %s more\n",
			util_format_duration(r->snooze_mono - mono, a, sizeof(a)));
	if (r->dnd)
		fprintf(f, "do not disturb: on (%s): a due reminder waits\n", r->dnd_why);
}

/* ---- setting up and tearing down ---- */

struct reminders *reminders_new(struct loop *l, const struct config *c,
				const struct reminders_ops *ops, void *data)
{
	struct reminders *r = xcalloc(1, sizeof(*r));

	r->ops = ops;
	r->data = data;
	r->loop = l;
	r->ifd = -1;
	r->due_wall = -1;
	r->tfd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
	if (r->tfd < 0) {
		log_errno("timerfd");
		free(r);
		return NULL;
	}
	r->tsrc = loop_add_fd(l, r->tfd, POLLIN, on_timer, r);
	if (!getenv("TZ")) {
		r->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (r->ifd >= 0 &&
		    inotify_add_watch(r->ifd, "/etc", IN_CREATE | IN_MOVED_TO |
					     IN_CLOSE_WRITE | IN_DELETE) < 0) {
			close(r->ifd);
			r->ifd = -1;
		}
		if (r->ifd >= 0)
			r->isrc = loop_add_fd(l, r->ifd, POLLIN, on_tz_change, r);
	}
	loop_set_wakeup(l, check_suspend, r);
	reminders_configure(r, c);
	sitting_reset(&r->sit, util_clock_ms(CLOCK_MONOTONIC),
		      util_clock_ms(CLOCK_BOOTTIME));
	return r;
}

void reminders_free(struct reminders *r)
{
	if (!r)
		return;
	loop_set_wakeup(r->loop, NULL, NULL);
	loop_remove(r->loop, r->tsrc);
	if (r->isrc)
		loop_remove(r->loop, r->isrc);
	if (r->ifd >= 0)
		close(r->ifd);
	close(r->tfd);
	free(r);
}
