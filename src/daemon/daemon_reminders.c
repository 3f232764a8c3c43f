/* SPDX-License-Identifier: GPL-3.0-or-later */
/* daemon_reminders.c: the daemon's reminders: when the next one is due,
 * given the rules (reminder.h), presence and calls (presence_watch.h) and a
 * snooze, armed on the wall-clock timer; the timer and presence changes that
 * fire it; firing it (its message, then the routine); and the record of the
 * day (statelog.h): reminders and sessions. */
#include "daemon/daemon_internal.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "daemon/notify.h"
#include "desktop/presence_watch.h"
#include "coach/reminder.h"
#include "coach/reminder_timeline.h"
#include "coach/reminder_words.h"
#include "coach/routine.h"
#include "playback/session.h"
#include "speech/speech.h"
#include "coach/statelog.h"
#include "base/util.h"
#include "playback/voice_speech.h"

/* ---- when the next reminder is due ---- */

void daemon_format_wall(int64_t wall, char *buf, size_t len)
{
	time_t t = (time_t)(wall / 1000);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%S %Z", &tm);
}

/* The sitting clock as a wall time: when you would have sat down, had you
 * sat without a pause. */
static int64_t sitting_since(const struct daemon *d, int64_t real)
{
	return real - pwatch_sitting(d->pw);
}

static int64_t next_due(const struct daemon *d, int64_t mono, int64_t real)
{
	(void)mono;
	return reminder_next_due(&d->rules, sitting_since(d, real));
}

/* Presence and calls hold a due reminder: while you are away it waits for
 * you (the clock is stopped, so none falls due); while a call goes on, and
 * for call_grace after it, it waits for the call. Returns the deadline. */
static int64_t presence_gate(struct daemon *d, int64_t due, int64_t real)
{
	int64_t until;

	if (due == REMINDER_NEVER)
		return due;
	if (!pwatch_here(d->pw))
		return REMINDER_NEVER; /* armed again when you come back */
	if (pwatch_call_holds(d->pw, &until)) {
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
void reminders_arm(struct daemon *d)
{
	struct itimerspec its = { 0 };
	int64_t mono = clock_ms(CLOCK_MONOTONIC);
	int64_t real = clock_ms(CLOCK_REALTIME);
	int64_t due = REMINDER_NEVER;
	char when[64], in[32];

	if (d->tfd < 0)
		return;
	tzset(); /* follow time zone changes */
	if (d->rem_on && !d->sess) {
		due = next_due(d, mono, real);
		if (d->snooze_mono > mono && due != REMINDER_NEVER) {
			/* Snoozed: not before the snooze ends, and then only
			 * inside active hours. */
			int64_t until = real + (d->snooze_mono - mono);
			if (due < until)
				due = reminder_active(&d->rules, until)
					      ? until
					      : reminder_next_due(&d->rules, until);
		}
		due = presence_gate(d, due, real);
	}
	if (due != REMINDER_NEVER) {
		if (due <= real)
			due = real + 1;
		its.it_value.tv_sec = (time_t)(due / 1000);
		its.it_value.tv_nsec = (long)(due % 1000) * 1000000;
	}
	if (timerfd_settime(d->tfd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET,
			    &its, NULL) < 0)
		log_errno("timerfd_settime");
	if (due != d->due_wall) {
		if (due != REMINDER_NEVER) {
			daemon_format_wall(due, when, sizeof(when));
			log_debug("next reminder at %s (in %s)", when,
				  util_format_duration(due - real, in, sizeof(in)));
			notify_status("Idle; next reminder at %s", when);
		} else if (!d->sess) {
			notify_status("Idle%s", d->rem_on ? "; no reminder due" : "");
		}
	}
	d->due_wall = due;
}

/* Every wakeup: after a suspend the sitting time starts over. */
void reminders_check_suspend(void *data)
{
	struct daemon *d = data;
	int64_t slept = sitting_check_suspend(&d->sit, clock_ms(CLOCK_MONOTONIC),
					      clock_ms(CLOCK_BOOTTIME));
	char buf[32];

	if (slept > 0) {
		log_debug("suspended for %s", util_format_duration(slept, buf, sizeof(buf)));
		if (d->pw)
			pwatch_suspended(d->pw, slept);
		d->snooze_mono = 0;
		reminders_arm(d);
	}
}

void reminders_configure(struct daemon *d)
{
	const struct config *c = &d->cfg->c;

	d->rem_on = c->reminders.enabled && !d->foreground;
	reminder_rules_from_config(c, &d->rules);
	d->due_wall = -1; /* log the next one again */
}

/* ---- the reminder falls due ---- */

static void reminder_fire(struct daemon *d)
{
	const struct config *c = &d->cfg->c;
	int64_t mono = clock_ms(CLOCK_MONOTONIC), real = clock_ms(CLOCK_REALTIME);
	int minutes = reminder_minutes_sat(&d->rules, sitting_since(d, real), real);
	int r = c->reminders.routine_idx;
	int voice = r >= 0 ? r : c->general.routine_idx;
	const struct timeline *body = NULL;
	struct voice_speech vs = { .sp = d->sp };
	const struct language *lang = &c->languages[c->routines[voice].language];
	char err[512];
	char *msg;

	(void)mono;
	/* How late the loop fired it, for the soak benchmark (make bench). */
	if (d->due_wall >= 0 && d->due_wall != REMINDER_NEVER)
		log_debug("reminder %lu: %lld ms after it was due", d->reminders_fired + 1,
			  (long long)(real - d->due_wall));
	d->snooze_mono = 0;
	d->reminders_fired++;
	daemon_record_reminder(d, SLOG_GIVEN);
	msg = reminder_message(c, lang, minutes);
	log_info("reminder after %d minutes sitting%s%s", minutes,
		 r >= 0 ? ", then routine " : "", r >= 0 ? c->routines[r].name : "");
	if (r >= 0) {
		struct prepared *p = r == c->general.routine_idx ? &d->def : &d->rem;
		if (prepared_build(p, d->cfg, r, d->sp, err, sizeof(err)) < 0) {
			log_err("%s", err);
			goto fail;
		}
		body = &p->tl;
	}
	/* Room for the message beside the routine's beginning, kept warm. */
	speech_set_cache_budget(d->sp, CACHE_BUDGET);
	speech_voice_for(c, voice, &vs.voice);
	if (reminder_timeline(lang, voice, msg, body,
			      c->reminders.countdown_ms, daemon_measure, &vs, &d->sess_tl,
			      &d->sess_body_at, err, sizeof(err)) < 0) {
		log_err("reminder: %s", err);
		goto fail;
	}
	if (daemon_session_begin(d, PLAY_REMINDER, &d->sess_tl, d->cfg, "reminder", err,
				 sizeof(err)) < 0) {
		log_err("reminder: %s", err);
		timeline_free(&d->sess_tl);
		goto fail;
	}
	free(msg);
	return;
fail:
	free(msg);
	/* Count it as given: sitting starts over, no retry burst. */
	pwatch_reset(d->pw);
	reminders_arm(d);
}

/* ---- the timer, presence and calls ---- */

/* The reminder timer: it expired, or the wall clock changed. Fire the
 * reminder if it is due and neither absence, a call nor a snooze holds it. */
void reminders_on_timer(void *data, short revents)
{
	struct daemon *d = data;
	uint64_t ticks;

	(void)revents;
	if (read(d->tfd, &ticks, sizeof(ticks)) < 0) {
		if (errno == ECANCELED) {
			log_debug("wall clock changed (set, or resumed)");
			d->due_wall = -1;
			reminders_arm(d);
		}
		return;
	}
	if (d->sess || !d->rem_on)
		return;
	/* Recompute: a tz change may have moved the deadline. */
	int64_t mono = clock_ms(CLOCK_MONOTONIC), real = clock_ms(CLOCK_REALTIME);
	int64_t due = next_due(d, mono, real), until;
	if (d->snooze_mono > mono + 50 || due > real + 50 || !pwatch_here(d->pw)) {
		reminders_arm(d);
		return;
	}
	if (pwatch_ask_idle(d->pw))
		return; /* KDE: are you here? The answer arms the timer again. */
	if (pwatch_call_holds(d->pw, &until)) {
		if (!d->held_since) {
			d->held_since = clock_ms(CLOCK_BOOTTIME);
			log_info("a reminder is due: it waits for the call to end");
		}
		reminders_arm(d);
		return;
	}
	reminder_fire(d);
}

/* Presence or a call changed: plan the next reminder again (one held by a
 * call fires from the timer once call_grace is over). */
static void on_presence_changed(void *data)
{
	reminders_arm(data);
}

const struct pwatch_ops reminders_pwatch_ops = {
	.changed = on_presence_changed,
};

/* ---- the record of the day ---- */

void daemon_record_reminder(struct daemon *d, enum slog_reminder what)
{
	struct slog_rec r = { .t = (int64_t)time(NULL), .kind = SLOG_REMINDER,
			      .reminder = what };

	if (what == SLOG_GIVEN && d->held_since) {
		struct slog_rec w = r;
		w.reminder = SLOG_WAITED;
		w.secs = (clock_ms(CLOCK_BOOTTIME) - d->held_since + 500) / 1000;
		log_info("the reminder waited %lld s for a call", (long long)w.secs);
		(void)statelog_append(&w);
		d->held_since = 0;
	}
	(void)statelog_append(&r);
}

/* The session that ended, for the record of the day: each exercise it
 * reached (done, skipped, stopped during), then the session: which step it
 * reached (of the routine, past a reminder's own step), how long you heard
 * exercises, how many to the end. */
void daemon_record_session(struct daemon *d, enum session_result res, int64_t heard)
{
	const struct timeline *tl = d->sess_tlp;
	const struct config *c = &d->sess_cfg->c;
	struct slog_rec r = { .t = (int64_t)time(NULL), .kind = SLOG_SESSION };
	size_t first = d->kind == PLAY_REMINDER ? 1 : 0;
	int64_t body = d->kind == PLAY_REMINDER ? d->sess_body_at : 0;
	struct slog_exercise ex[128];
	size_t n_skips = (size_t)d->sess_skips, n_ex;
	int64_t exercised;
	int step = 0;

	if (!tl || tl->n_steps <= first || heard < body)
		return; /* a reminder alone, or cancelled in its countdown */
	for (size_t i = first; i < tl->n_steps; i++)
		if (tl->steps[i].at <= heard)
			step = (int)(i - first) + 1;
	if (n_skips > sizeof(d->sess_skip_at) / sizeof(*d->sess_skip_at))
		n_skips = sizeof(d->sess_skip_at) / sizeof(*d->sess_skip_at);
	r.completed = res == SESSION_DONE;
	n_ex = slog_session_exercises(tl, first, d->sess_skip_at, n_skips, heard,
				      r.completed, ex, sizeof(ex) / sizeof(*ex),
				      &exercised, &r.done);
	for (size_t i = 0; i < n_ex; i++) {
		struct slog_rec e = { .t = r.t, .kind = SLOG_EXERCISE,
				      .outcome = ex[i].outcome,
				      .secs = (BC_SAMPLES_TO_MS(ex[i].heard) + 500) / 1000 };

		snprintf(e.routine, sizeof(e.routine), "%s",
			 ex[i].exercise >= 0 && (size_t)ex[i].exercise < c->n_exercises
				 ? c->exercises[ex[i].exercise].name : "?");
		for (char *p = e.routine; *p; p++)
			if (*p == ' ')
				*p = '-';
		(void)statelog_append(&e);
	}
	snprintf(r.routine, sizeof(r.routine), "%s",
		 tl->routine >= 0 && (size_t)tl->routine < c->n_routines
			 ? c->routines[tl->routine].name : "?");
	for (char *p = r.routine; *p; p++)
		if (*p == ' ')
			*p = '-';
	r.steps = (int)(tl->n_steps - first);
	r.step = r.completed ? r.steps : step;
	r.skipped = d->sess_skips;
	r.secs = (BC_SAMPLES_TO_MS(exercised) + 500) / 1000;
	(void)statelog_append(&r);
}
