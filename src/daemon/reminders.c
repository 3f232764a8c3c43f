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
	if (r->on && !playing) {
		due = next_due(r, mono, real);
		if (r->snooze_mono > mono && due != REMINDER_NEVER) {
			/* Snoozed: not before the snooze ends, and then only
			 * inside active hours. */
			int64_t until = real + (r->snooze_mono - mono);
			if (due < until)
				due = reminder_active(&r->rules, until)
					      ? until
					      : reminder_next_due(&r->rules, until);
		}
		due = presence_gate(r, due, real);
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
		log_info("the reminder waited %lld s for a call", (long long)w.secs);
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
	if (r->ops->playing(r->data) || !r->on)
		return;
	/* Recompute: a tz change may have moved the deadline. */
	int64_t mono = util_clock_ms(CLOCK_MONOTONIC), real = util_clock_ms(CLOCK_REALTIME);
	int64_t due = next_due(r, mono, real), until;
	if (r->snooze_mono > mono + 50 || due > real + 50 || !r->ops->here(r->data)) {
		reminders_arm(r);
		return;
	}
	if (r->ops->ask_idle && r->ops->ask_idle(r->data))
		return; /* KDE: are you here? The answer arms the timer again. */
	if (r->ops->call_holds(r->data, &until)) {
		if (!r->held_since) {
			r->held_since = util_clock_ms(CLOCK_BOOTTIME);
			log_info("a reminder is due: it waits for the call to end");
		}
		reminders_arm(r);
		return;
	}
	fire(r);
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

int reminders_snooze(struct reminders *r, int64_t *ms, char *err, size_t errlen)
{
	if (!r || !r->on) {
		snprintf(err, errlen, "reminders are off");
		return -1;
	}
	*ms = r->snooze_ms > 0 ? r->snooze_ms : r->rules.interval_ms;
	r->snooze_mono = util_clock_ms(CLOCK_MONOTONIC) + *ms;
	record(r, SLOG_SNOOZED);
	r->held_since = 0;
	return 0;
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

void reminders_status(const struct reminders *r, FILE *f)
{
	char a[32], when[64];

	if (!r || !r->on) {
		fprintf(f, "next reminder: off\n");
	} else if (r->ops->playing(r->data)) {
		fprintf(f, "next reminder: %s after this session\n",
			util_format_duration(r->rules.interval_ms, a, sizeof(a)));
	} else if ((r->due_wall == REMINDER_NEVER || r->due_wall < 0) &&
		   !r->ops->here(r->data)) {
		fprintf(f, "next reminder: waits for you (away)\n");
	} else if ((r->due_wall == REMINDER_NEVER || r->due_wall < 0) && r->held_since) {
		fprintf(f, "next reminder: waits for the call to end\n");
	} else if (r->due_wall == REMINDER_NEVER || r->due_wall < 0) {
		fprintf(f, "next reminder: none due (check [reminders] hours and days)\n");
	} else {
		format_wall(r->due_wall, when, sizeof(when));
		fprintf(f, "next reminder: %s (in %s)\n", when,
			util_format_duration(r->due_wall - util_clock_ms(CLOCK_REALTIME),
					     a, sizeof(a)));
	}
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
