/* SPDX-License-Identifier: GPL-3.0-or-later */
/* runner.c: the session runner (runner.h): one session at a time, started,
 * commanded, shown; its end reaped from the loop: the log and the record,
 * the safety notice given, the "stopped" line after a stop during an
 * exercise. */
#include "daemon/runner.h"

#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/loop.h"
#include "base/util.h"
#include "coach/reminder_timeline.h"
#include "coach/routine.h"
#include "coach/state.h"
#include "coach/statelog.h"
#include "daemon/notify.h"
#include "desktop/mpris.h"
#include "playback/session.h"
#include "playback/voice_speech.h"
#include "speech/speech.h"

struct runner {
	const struct runner_ops *ops;
	void *data;
	struct loop *loop;
	struct loop_source *src;
	int efd;                       /* the session's end */
	struct speech *sp;
	struct sink_opener opener;
	bool foreground;
	unsigned sessions;             /* each has its own MPRIS tracks */

	/* The session playing, if any, and what it plays. */
	struct session *sess;
	enum play_kind kind;
	struct cfgref *sess_cfg;
	struct timeline sess_tl;       /* owned (not a routine's) */
	const struct timeline *sess_tlp;
	char *sess_name;
	int64_t sess_body_at;          /* reminders: where the routine starts */
	int64_t sess_started_mono;
	int sess_skips;                /* steps skipped by `skip` */
	int64_t sess_skip_at[64];      /* where the first of them were asked */
	/* Repeats per exercise, and the answer to the question after the
	 * last exercise (enum slog_feedback, -1: none). */
	int *sess_repeats;
	int sess_answer;
};

/* ---- starting one ---- */

int runner_begin(struct runner *rn, enum play_kind kind, struct timeline *tl,
		 struct cfgref *cfg, const char *name, int64_t body_at, char *err,
		 size_t errlen)
{
	struct session_spec spec = {
		.cfg = &cfg->c, .vs = { .sp = rn->sp }, .name = name,
		.opener = rn->opener,
	};

	if (kind != PLAY_ROUTINE) { /* ours */
		rn->sess_tl = *tl;
		tl = &rn->sess_tl;
	}
	spec.tl = tl;
	if (kind != PLAY_STOPPED) /* the coach waits where the place changes */
		spec.wait_ms = cfg->c.coach.wait_ms;
	speech_voice_for(&cfg->c, tl->routine, &spec.vs.voice);
	rn->sess = session_start(&spec, rn->efd, err, errlen);
	if (!rn->sess) {
		if (kind != PLAY_ROUTINE)
			timeline_free(&rn->sess_tl);
		return -1;
	}
	rn->kind = kind;
	rn->sess_cfg = cfgref_get(cfg);
	rn->sess_tlp = tl;
	rn->sess_name = xstrdup(name);
	rn->sess_body_at = body_at;
	rn->sess_started_mono = util_clock_ms(CLOCK_MONOTONIC);
	rn->sess_skips = 0;
	rn->sess_repeats = xcalloc(cfg->c.n_exercises + 1, sizeof(*rn->sess_repeats));
	rn->sess_answer = -1;
	rn->sessions++;
	notify_status("Playing %s", name);
	rn->ops->began(rn->data);
	return 0;
}

/* ---- what plays, and its commands ---- */

void runner_open_ahead(struct runner *rn, const struct config *c)
{
	if (!rn->sess)
		session_open_ahead(&rn->opener, c->audio.device, c->audio.latency_ms);
}

enum play_kind runner_kind(const struct runner *rn)
{
	return rn && rn->sess ? rn->kind : PLAY_NONE;
}

const char *runner_name(const struct runner *rn)
{
	return rn && rn->sess ? rn->sess_name : NULL;
}

bool runner_paused(const struct runner *rn)
{
	return rn && rn->sess && session_paused(rn->sess);
}

void runner_pause(struct runner *rn, bool pause)
{
	if (!rn->sess)
		return;
	session_pause(rn->sess, pause);
	notify_status("%s %s", pause ? "Paused" : "Playing", rn->sess_name);
}

/* The answer to the question after the last exercise, if this is one:
 * from the question to the end of its answer window, Next (skip) means
 * "all good", Previous (repeat) "too much". The answer is kept for the
 * record and the session goes on to its end: the first skips the rest of
 * the window; the same answer again does nothing and says nothing (a
 * headset's double press, a storm of them), the other replaces it. Once
 * answered, that holds to the session's end: a second press that comes
 * after the skip is taken is an answer again, not a skip of the close. */
static enum command_moved answered(struct runner *rn, const struct session_info *si,
				   int answer)
{
	const struct timeline *tl = rn->sess_tlp;
	int s;

	if (!tl || !tl->ask_end || (s = timeline_step_at(tl, tl->ask_at)) < 0 ||
	    si->pos < tl->steps[s].at || (si->pos >= tl->ask_end && rn->sess_answer < 0))
		return CMD_MOVED;
	if (rn->sess_answer == answer)
		return CMD_SAME_ANSWER;
	log_info("the answer%s: %s", rn->sess_answer >= 0 ? " changed" : "",
		 answer == SLOG_GOOD ? "it all felt good" : "something was too much");
	if (rn->sess_answer < 0)
		session_skip(rn->sess);
	rn->sess_answer = answer;
	return CMD_ANSWERED;
}

enum command_moved runner_skip(struct runner *rn)
{
	struct session_info si;
	enum command_moved m;

	if (!rn->sess)
		return CMD_MOVED;
	session_info(rn->sess, &si);
	if ((m = answered(rn, &si, SLOG_GOOD)) != CMD_MOVED)
		return m;
	if ((size_t)rn->sess_skips < sizeof(rn->sess_skip_at) / sizeof(*rn->sess_skip_at))
		rn->sess_skip_at[rn->sess_skips] = si.pos;
	rn->sess_skips++;
	session_skip(rn->sess);
	return CMD_MOVED;
}

enum command_moved runner_repeat(struct runner *rn)
{
	struct session_info si;
	enum command_moved m;
	int st;

	if (!rn->sess)
		return CMD_MOVED;
	session_info(rn->sess, &si);
	if ((m = answered(rn, &si, SLOG_EASIER)) != CMD_MOVED)
		return m;
	st = timeline_step_at(rn->sess_tlp, si.pos);
	if (st >= 0 && rn->sess_tlp->steps[st].exercise >= 0 &&
	    (size_t)rn->sess_tlp->steps[st].exercise < rn->sess_cfg->c.n_exercises)
		rn->sess_repeats[rn->sess_tlp->steps[st].exercise]++;
	session_repeat(rn->sess);
	return CMD_MOVED;
}

void runner_stop(struct runner *rn, bool tone)
{
	if (rn->sess)
		session_stop(rn->sess, tone);
}

void runner_status(const struct runner *rn, bool verbose, FILE *f)
{
	struct session_info si;
	const struct timeline *tl = rn->sess_tlp;
	/* As enum session_state; a session fading out at the end of its
	 * timeline is "ending", one that was told to stop is "stopping". */
	static const char *const states[] = {
		[SESSION_STARTING] = "starting", [SESSION_PLAYING] = "playing",
		[SESSION_PAUSED] = "paused", [SESSION_ENDING] = "ending",
		[SESSION_ENDED] = "ending",
	};
	char a[32], b[32];

	session_info(rn->sess, &si);
	if (si.waiting)
		fprintf(f, "state: waiting for you (backcoach resume, or the play key, "
			"goes on)\n");
	else
		fprintf(f, "state: %s%s\n", si.stopping ? "stopping" : states[si.state],
			si.state == SESSION_PAUSED && !si.stopping
				? " (backcoach resume, or the play key, goes on)" : "");
	fprintf(f, "playing: %s\n", rn->sess_name);
	if (si.step >= 0 && (size_t)si.step < tl->n_steps)
		fprintf(f, "step: %d of %zu: %s\n", si.step + 1, tl->n_steps,
			tl->steps[si.step].name);
	fprintf(f, "position: %s of %s\n",
		util_format_duration(BC_SAMPLES_TO_MS(si.pos), a, sizeof(a)),
		util_format_duration(BC_SAMPLES_TO_MS(tl->length), b, sizeof(b)));
	if (!verbose)
		return;
	/* The technical lines; the session's last log line repeats them. */
	fprintf(f, "device: %s\n", si.device[0] ? si.device : "(opening)");
	fprintf(f, "output: %s\n", si.output[0] ? si.output : "(opening)");
	fprintf(f, "latency: %.0f ms\n", si.latency_s * 1000);
	fprintf(f, "underflows: %u\n", si.underflows);
	fprintf(f, "dropouts: %s\n", si.dropouts[0] ? si.dropouts : "(opening)");
	fprintf(f, "realtime: %s\n", si.realtime);
}

/* ---- as an MPRIS player shows it ---- */

static int64_t samples_to_us(int64_t n)
{
	return n * 1000000 / BC_RATE;
}

void runner_mpris_state(const struct runner *rn, struct mpris_state *st)
{
	const struct timeline *tl;
	struct session_info si;
	int64_t start, end;

	if (!rn || !rn->sess) {
		st->status = MPRIS_STOPPED;
		return;
	}
	tl = rn->sess_tlp;
	session_info(rn->sess, &si);
	st->status = si.state == SESSION_PAUSED ? MPRIS_PAUSED : MPRIS_PLAYING;
	st->album = rn->sess_name;
	st->session = rn->sessions;
	st->step = si.step >= 0 && (size_t)si.step < tl->n_steps ? si.step : -1;
	st->title = st->step >= 0 ? tl->steps[st->step].name : NULL;
	start = st->step >= 0 ? tl->steps[st->step].at : 0;
	end = (size_t)(st->step + 1) < tl->n_steps ? tl->steps[st->step + 1].at
						     : tl->length;
	st->length_us = samples_to_us(end - start);
	st->position_us = si.pos > start ? samples_to_us(si.pos - start) : 0;
	if (si.state == SESSION_PLAYING && end > si.pos)
		st->next_us = loop_now_us() + (uint64_t)samples_to_us(end - si.pos);
	/* A reminder before its routine: Play starts the routine now. */
	st->countdown = rn->kind == PLAY_REMINDER && tl->n_steps > 1 &&
			si.pos < rn->sess_body_at;
	st->pause_others = rn->sess_cfg->c.audio.other_players == OTHER_PAUSE;
}

/* ---- its end ---- */

/* To the record of the day, after the session's lines: the exercises left
 * out as they hurt, when that was said; the answer to the question after
 * the last exercise, for each exercise the session reached (all good:
 * those done; too much: all of them). */
static void record_adapt(struct runner *rn, const struct timeline *tl, int64_t heard,
			 const struct slog_exercise *ex, size_t n_ex, int64_t t)
{
	const struct config *c = &rn->sess_cfg->c;
	int64_t told = -1;

	for (size_t i = 0; i < tl->n_cues; i++)
		if (tl->cues[i].role == ROLE_LEFT_OUT)
			told = tl->cues[i].at + tl->cues[i].len;
	for (size_t i = 0; tl->plan && told >= 0 && heard >= told && i < tl->n_plan &&
			   i < c->n_exercises; i++) {
		struct slog_rec r = { .t = t, .kind = SLOG_LEFT_OUT };

		if (!tl->plan[i].tell)
			continue;
		snprintf(r.routine, sizeof(r.routine), "%s", c->exercises[i].name);
		(void)statelog_append(&r);
	}
	for (size_t i = 0; rn->sess_answer >= 0 && i < n_ex; i++) {
		struct slog_rec r = { .t = t, .kind = SLOG_FEEDBACK,
				      .feedback = rn->sess_answer };
		bool dup = false;

		if (ex[i].exercise < 0 || (size_t)ex[i].exercise >= c->n_exercises ||
		    (rn->sess_answer == SLOG_GOOD && ex[i].outcome != SLOG_DONE))
			continue;
		for (size_t j = 0; j < i; j++)
			dup |= ex[j].exercise == ex[i].exercise;
		if (dup)
			continue;
		snprintf(r.routine, sizeof(r.routine), "%s", c->exercises[ex[i].exercise].name);
		(void)statelog_append(&r);
	}
}

/* The session that ended, for the record of the day: each exercise it
 * reached (done, skipped, stopped during), then the session: which step it
 * reached (of the routine, past a reminder's own step), how long you heard
 * exercises, how many to the end. */
static void record_session(struct runner *rn, enum session_result res, int64_t heard)
{
	const struct timeline *tl = rn->sess_tlp;
	const struct config *c = &rn->sess_cfg->c;
	struct slog_rec r = { .t = util_test_now(), .kind = SLOG_SESSION };
	size_t first = rn->kind == PLAY_REMINDER ? 1 : 0;
	int64_t body = rn->kind == PLAY_REMINDER ? rn->sess_body_at : 0;
	struct slog_exercise ex[128];
	size_t n_skips = (size_t)rn->sess_skips, n_ex;
	int64_t exercised;
	int step = 0;

	if (!tl || tl->n_steps <= first || heard < body)
		return; /* a reminder alone, or cancelled in its countdown */
	for (size_t i = first; i < tl->n_steps; i++)
		if (tl->steps[i].at <= heard)
			step = (int)(i - first) + 1;
	if (n_skips > sizeof(rn->sess_skip_at) / sizeof(*rn->sess_skip_at))
		n_skips = sizeof(rn->sess_skip_at) / sizeof(*rn->sess_skip_at);
	r.completed = res == SESSION_DONE;
	n_ex = slog_session_exercises(tl, first, rn->sess_skip_at, n_skips, heard,
				      r.completed, ex, sizeof(ex) / sizeof(*ex),
				      &exercised, &r.done);
	for (size_t i = 0; i < n_ex; i++) {
		struct slog_rec e = { .t = r.t, .kind = SLOG_EXERCISE,
				      .outcome = ex[i].outcome,
				      .secs = (BC_SAMPLES_TO_MS(ex[i].heard) + 500) / 1000 };

		snprintf(e.routine, sizeof(e.routine), "%s",
			 ex[i].exercise >= 0 && (size_t)ex[i].exercise < c->n_exercises
				 ? c->exercises[ex[i].exercise].name : "?");
		if (ex[i].exercise >= 0 && (size_t)ex[i].exercise < c->n_exercises) {
			/* The form it was played in, how often begun again. */
			if (tl->plan && (size_t)ex[i].exercise < tl->n_plan) {
				e.form = tl->plan[ex[i].exercise].level;
				e.form_set = true;
			}
			e.repeated = rn->sess_repeats[ex[i].exercise];
		}
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
	r.skipped = rn->sess_skips;
	r.secs = (BC_SAMPLES_TO_MS(exercised) + 500) / 1000;
	(void)statelog_append(&r);
	record_adapt(rn, tl, heard, ex, n_ex, r.t);
}

/* No output could be opened: what that means, and what to do; err is
 * what the audio library said. */
static void explain_no_output(const char *err)
{
	if (strncmp(err, "this process ran out", 20) == 0) {
		/* Not the server, not the device: our limits (ulimit). */
		log_err("no sound output: %s", err);
		return;
	}
	log_err("no sound output: there is no output device, or no sound server "
		"(PulseAudio or PipeWire) is running for this user (%s)", err);
	log_err("check with `pactl info` (the sound server), `aplay -l` (sound "
		"cards) and `backcoach devices`; [audio] device in the config "
		"picks one");
	log_err("`backcoach render ROUTINE -o FILE.wav` works without one");
}

/* `play`: the session is over; say why it failed, if it did. */
static void foreground_ended(enum session_result res, const char *err)
{
	if (res == SESSION_NO_OUTPUT)
		explain_no_output(err);
	else if (res == SESSION_FAILED)
		log_err("%s", err);
}

/* The daemon: log how it ended. */
static void daemon_ended(struct runner *rn, enum session_result res, const char *err)
{
	double secs = (double)(util_clock_ms(CLOCK_MONOTONIC) - rn->sess_started_mono) / 1000;

	switch (res) {
	case SESSION_DONE:
		log_info("%s finished (%.1f s)", rn->sess_name, secs);
		break;
	case SESSION_STOPPED:
		log_info("%s stopped after %.1f s", rn->sess_name, secs);
		break;
	case SESSION_NO_OUTPUT:
		explain_no_output(err);
		/* fall through */
	case SESSION_FAILED:
		log_err("%s ended: %s; the daemon carries on, the next trigger tries again",
			rn->sess_name, err);
		break;
	}
}

/* Let go of what was kept of the session that ended. */
static void forget(struct runner *rn)
{
	if (rn->kind != PLAY_ROUTINE)
		timeline_free(&rn->sess_tl);
	cfgref_put(rn->sess_cfg);
	rn->sess_cfg = NULL;
	rn->sess_tlp = NULL;
	free(rn->sess_name);
	rn->sess_name = NULL;
	free(rn->sess_repeats);
	rn->sess_repeats = NULL;
}

/* Say the language's `stopped` line ("If that hurt, leave it out next time,
 * and have it checked.") in routine r's voice, as a session of its own. */
static void stopped_note(struct runner *rn, struct cfgref *cfg, int r)
{
	const struct config *c = &cfg->c;
	const struct language *lang = &c->languages[c->routines[r].language];
	struct voice_speech vs = { .sp = rn->sp };
	struct timeline tl;
	int64_t at;
	char err[512];

	if (!lang->phrase[PH_STOPPED])
		return;
	speech_voice_for(c, r, &vs.voice);
	if (reminder_timeline(lang, r, lang->phrase[PH_STOPPED], NULL, 0, prepared_measure, &vs,
			      &tl, &at, err, sizeof(err)) < 0) {
		log_err("stopped: %s", err);
		return;
	}
	if (runner_begin(rn, PLAY_STOPPED, &tl, cfg, "stopped", at, err, sizeof(err)) < 0) {
		log_err("stopped: %s", err);
		return;
	}
	log_info("stopped during an exercise: said \"%s\"", lang->phrase[PH_STOPPED]);
}

/* The session's thread has ended: reap it, log and record how, mark the
 * notice given, say (or write) the stopped line; then nothing plays. */
static void ended(struct runner *rn)
{
	char err[512];
	int64_t heard = 0;
	enum session_result res = session_join(rn->sess, &heard, err, sizeof(err));
	unsigned risks;
	bool hurt;

	rn->sess = NULL;
	speech_set_cache_budget(rn->sp, CACHE_BUDGET); /* ours again */
	/* The notice, or the risks it told, remembered as far as heard. */
	if (timeline_notice_heard(rn->sess_tlp, heard, &risks))
		state_set_notice_given(risks);
	/* Stopped during an exercise's reps: perhaps it hurt. */
	hurt = res == SESSION_STOPPED && rn->kind != PLAY_STOPPED &&
	       timeline_in_exercise(rn->sess_tlp, heard);
	if (rn->foreground) {
		foreground_ended(res, err);
	} else {
		daemon_ended(rn, res, err);
		if (rn->kind != PLAY_STOPPED) /* not a session of its own */
			record_session(rn, res, heard);
	}
	rn->ops->ended(rn->data, res, rn->kind == PLAY_REMINDER && res == SESSION_STOPPED &&
					      heard < rn->sess_body_at);
	if (hurt && rn->foreground) {
		/* `play` was interrupted: say it in writing, and leave. */
		const struct config *c = &rn->sess_cfg->c;
		const char *line =
			c->languages[c->routines[rn->sess_tlp->routine].language].phrase[PH_STOPPED];

		if (line)
			fprintf(stderr, "%s\n", line);
	}
	if (hurt && !rn->foreground) {
		int r = rn->sess_tlp->routine;
		struct cfgref *cfg = cfgref_get(rn->sess_cfg);

		forget(rn);
		stopped_note(rn, cfg, r);
		cfgref_put(cfg);
		if (rn->sess)
			return; /* prepared when the note has been said */
	} else {
		forget(rn);
	}
	rn->ops->idle(rn->data);
}

static void on_session_end(void *data, short revents)
{
	struct runner *rn = data;
	uint64_t v;

	(void)revents;
	struct session_info si;

	if (read(rn->efd, &v, sizeof(v)) != sizeof(v) || !rn->sess)
		return;
	/* A wait began or ended (the session paused or went on by itself),
	 * or the session ended. */
	session_info(rn->sess, &si);
	if (si.state != SESSION_ENDED) {
		notify_status("%s %s", si.waiting ? "Waiting for you in" : "Playing",
			      rn->sess_name);
		if (rn->ops->changed)
			rn->ops->changed(rn->data);
		return;
	}
	ended(rn);
}

/* ---- setting up and tearing down ---- */

struct runner *runner_new(struct loop *l, struct speech *sp, struct sink_opener opener,
			  bool foreground, const struct runner_ops *ops, void *data)
{
	struct runner *rn = xcalloc(1, sizeof(*rn));

	rn->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (rn->efd < 0) {
		log_errno("eventfd");
		free(rn);
		return NULL;
	}
	rn->ops = ops;
	rn->data = data;
	rn->loop = l;
	rn->sp = sp;
	rn->opener = opener;
	rn->foreground = foreground;
	rn->kind = PLAY_NONE;
	rn->src = loop_add_fd(l, rn->efd, POLLIN, on_session_end, rn);
	return rn;
}

void runner_free(struct runner *rn)
{
	if (!rn)
		return;
	if (rn->sess) {
		session_stop(rn->sess, false);
		session_join(rn->sess, NULL, NULL, 0);
		rn->sess = NULL;
		forget(rn);
	}
	loop_remove(rn->loop, rn->src);
	close(rn->efd);
	free(rn);
}
