/* SPDX-License-Identifier: GPL-3.0-or-later */
/* daemon_session.c: the daemon's one session (session.h): a routine or a
 * reminder started, and its end: the log and the record, the safety notice
 * given, the "stopped" line after a stop during an exercise, sitting starting
 * over (or a snooze: reminders.h), then the next triggers prepared and the
 * reminder armed. */
#include "daemon/daemon_internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/exitcode.h"
#include "base/log.h"
#include "base/loop.h"
#include "desktop/mpris.h"
#include "daemon/notify.h"
#include "desktop/presence_watch.h"
#include "daemon/reminders.h"
#include "coach/reminder_timeline.h"
#include "coach/routine.h"
#include "playback/session.h"
#include "speech/speech.h"
#include "coach/statelog.h"
#include "coach/state.h"
#include "base/util.h"
#include "playback/voice_speech.h"

static int64_t notice_end(const struct timeline *tl)
{
	for (size_t i = 0; i < tl->n_cues; i++)
		if (tl->cues[i].role == ROLE_NOTICE)
			return tl->cues[i].at + tl->cues[i].len;
	return -1;
}

int daemon_session_begin(struct daemon *d, enum play_kind kind, const struct timeline *tl,
			 struct cfgref *cfg, const char *name, char *err, size_t errlen)
{
	struct session_spec spec = {
		.cfg = &cfg->c, .tl = tl, .vs = { .sp = d->sp }, .name = name,
		.opener = d->opener,
	};

	speech_voice_for(&cfg->c, tl->routine, &spec.vs.voice);
	d->sess = session_start(&spec, d->efd, err, errlen);
	if (!d->sess)
		return -1;
	d->kind = kind;
	d->sess_cfg = cfgref_get(cfg);
	d->sess_tlp = tl;
	d->sess_name = xstrdup(name);
	d->sess_notice_end = notice_end(tl);
	d->sess_started_mono = util_clock_ms(CLOCK_MONOTONIC);
	d->sess_skips = 0;
	if (d->pw)
		pwatch_session_begins(d->pw);
	d->sessions++;
	notify_status("Playing %s", name);
	reminders_arm(d->reminders); /* disarm while playing */
	mpris_update(d->mpris, false);
	return 0;
}

/* Start routine r (-1: the default) now. */
int daemon_start_routine(struct daemon *d, int r, char *err, size_t errlen)
{
	const struct config *c = &d->cfg->c;
	struct prepared *p;

	if (d->sess) {
		snprintf(err, errlen, "%s is already playing", d->sess_name);
		return -1;
	}
	if (r < 0)
		r = c->general.routine_idx;
	/* Prepared already, unless another routine, or the first trigger
	 * after a reload that came while playing: then compiled now. */
	if (r == c->general.routine_idx)
		p = &d->def;
	else if (r == c->reminders.routine_idx)
		p = &d->rem;
	else
		p = &d->other;
	if (prepared_build(p, d->cfg, r, d->sp, err, errlen) < 0)
		return -1;
	if (!d->foreground)
		log_info("playing routine %s", c->routines[r].name);
	return daemon_session_begin(d, PLAY_ROUTINE, &p->tl, p->cfg, c->routines[r].name, err,
				    errlen);
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

/* No output could be opened: what that means, and what to do; err is
 * what the audio library said. */
static void explain_no_output(const char *err)
{
	log_err("no sound output: there is no output device, or no sound server "
		"(PulseAudio or PipeWire) is running for this user (%s)", err);
	log_err("check with `pactl info` (the sound server), `aplay -l` (sound "
		"cards) and `backcoach devices`; [audio] device in the config "
		"picks one");
	log_err("`backcoach render ROUTINE -o FILE.wav` works without one");
}

/* `play`: the session is over; say why it failed, if it did. */
static void foreground_ended(struct daemon *d, enum session_result res,
			     const char *err)
{
	if (res == SESSION_NO_OUTPUT)
		explain_no_output(err);
	else if (res == SESSION_FAILED)
		log_err("%s", err);
	if (res == SESSION_FAILED || res == SESSION_NO_OUTPUT)
		d->exit_code = EXIT_FAIL;
	loop_quit(d->loop);
}

/* The daemon: log how it ended, and when sitting starts over. */
static void daemon_ended(struct daemon *d, enum session_result res,
			 const char *err, int64_t heard)
{
	double secs = (double)(util_clock_ms(CLOCK_MONOTONIC) - d->sess_started_mono) / 1000;

	switch (res) {
	case SESSION_DONE:
		log_info("%s finished (%.1f s)", d->sess_name, secs);
		break;
	case SESSION_STOPPED:
		log_info("%s stopped after %.1f s", d->sess_name, secs);
		break;
	case SESSION_NO_OUTPUT:
		explain_no_output(err);
		/* fall through */
	case SESSION_FAILED:
		log_err("%s ended: %s; the daemon carries on, the next trigger tries again",
			d->sess_name, err);
		break;
	}
	if (d->kind != PLAY_STOPPED) /* not a session of its own */
		daemon_record_session(d, res, heard);
	reminders_session_ended(d->reminders, d->kind == PLAY_REMINDER &&
						       res == SESSION_STOPPED &&
						       heard < d->sess_body_at);
}

void daemon_session_forget(struct daemon *d)
{
	if (d->kind != PLAY_ROUTINE)
		timeline_free(&d->sess_tl);
	cfgref_put(d->sess_cfg);
	d->sess_cfg = NULL;
	d->sess_tlp = NULL;
	free(d->sess_name);
	d->sess_name = NULL;
}

/* Say the language's `stopped` line ("If that hurt, leave it out next time,
 * and have it checked.") in routine r's voice, as a session of its own. */
static void stopped_note(struct daemon *d, struct cfgref *cfg, int r)
{
	const struct config *c = &cfg->c;
	const struct language *lang = &c->languages[c->routines[r].language];
	struct voice_speech vs = { .sp = d->sp };
	int64_t at;
	char err[512];

	if (!lang->phrase[PH_STOPPED])
		return;
	speech_voice_for(c, r, &vs.voice);
	if (reminder_timeline(lang, r, lang->phrase[PH_STOPPED], NULL, 0, daemon_measure, &vs,
			      &d->sess_tl, &at, err, sizeof(err)) < 0) {
		log_err("stopped: %s", err);
		return;
	}
	if (daemon_session_begin(d, PLAY_STOPPED, &d->sess_tl, cfg, "stopped", err, sizeof(err)) <
	    0) {
		log_err("stopped: %s", err);
		timeline_free(&d->sess_tl);
		return;
	}
	log_info("stopped during an exercise: said \"%s\"", lang->phrase[PH_STOPPED]);
}

/* The session's thread has ended: reap it and plan what comes next. */
void daemon_session_ended(struct daemon *d)
{
	char err[512];
	int64_t heard = 0;
	enum session_result res = session_join(d->sess, &heard, err, sizeof(err));
	bool hurt;

	d->sess = NULL;
	speech_set_cache_budget(d->sp, CACHE_BUDGET); /* ours again */
	if (d->sess_notice_end >= 0 && heard >= d->sess_notice_end)
		state_set_notice_given(d->sess_cfg->c.routines[d->sess_tlp->routine].name,
				       routine_equipment_used(&d->sess_cfg->c,
							      d->sess_tlp->routine));
	/* Stopped during an exercise's reps: perhaps it hurt. */
	hurt = res == SESSION_STOPPED && d->kind != PLAY_STOPPED &&
	       timeline_in_exercise(d->sess_tlp, heard);
	if (d->foreground)
		foreground_ended(d, res, err);
	else
		daemon_ended(d, res, err, heard);
	if (hurt && d->foreground) {
		/* `play` was interrupted: say it in writing, and leave. */
		const struct config *c = &d->sess_cfg->c;
		const char *line =
			c->languages[c->routines[d->sess_tlp->routine].language].phrase[PH_STOPPED];

		if (line)
			fprintf(stderr, "%s\n", line);
	}
	if (hurt && !d->foreground) {
		int r = d->sess_tlp->routine;
		struct cfgref *cfg = cfgref_get(d->sess_cfg);

		daemon_session_forget(d);
		stopped_note(d, cfg, r);
		cfgref_put(cfg);
		if (d->sess)
			return; /* prepared when the note has been said */
	} else {
		daemon_session_forget(d);
	}
	mpris_update(d->mpris, false);
	daemon_prepare(d); /* a reload or the notice may have made them stale */
	reminders_rearm(d->reminders);
}
