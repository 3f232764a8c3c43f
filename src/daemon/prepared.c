/* SPDX-License-Identifier: GPL-3.0-or-later */
/* prepared.c: the config, shared by reference by the daemon and the
 * sessions that use it, and the routines compiled ahead of their triggers,
 * their beginnings kept synthesised so that a session starts at once. */
#include "daemon/prepared.h"

#include <malloc.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coach/adapt.h"
#include "coach/config.h"
#include "base/log.h"
#include "coach/routine.h"
#include "speech/speech.h"
#include "coach/state.h"
#include "base/util.h"
#include "playback/voice_speech.h"

/* How much of a prepared routine's beginning is kept synthesised, so a
 * trigger starts without synthesising and the session fills its queue
 * (2 s, session.c) before it synthesises anything. */
#define WARM_MS 4000

/* ---- config, shared by the daemon and the sessions that use it ---- */

struct cfgref *cfgref_get(struct cfgref *r)
{
	r->refs++;
	return r;
}

void cfgref_put(struct cfgref *r)
{
	if (r && --r->refs == 0) {
		free(r->routine_len);
		config_free(&r->c);
		free(r->path);
		free(r);
	}
}

/* Find and load the config; errors go to the log as FILE:LINE: message and,
 * if reply is not NULL, to it as well. */
struct cfgref *cfgref_load(const char *explicit_path, FILE *reply)
{
	struct cfgref *r = xcalloc(1, sizeof(*r));
	char *errs = NULL;
	size_t errlen = 0;
	FILE *errf = open_memstream(&errs, &errlen);
	int ret;

	r->path = config_find(explicit_path);
	ret = config_load(&r->c, r->path, &speech_config_voices,
			  errf ? errf : stderr);
	if (errf)
		fclose(errf);
	for (char *line = errs ? strtok(errs, "\n") : NULL; line;
	     line = strtok(NULL, "\n")) {
		log_err("%s", line);
		if (reply)
			fprintf(reply, "%s\n", line);
	}
	free(errs);
	if (ret < 0) {
		free(r->path);
		free(r);
		return NULL;
	}
	r->refs = 1;
	return r;
}

/* ---- compiling routines ---- */

void prepared_clear(struct prepared *p)
{
	if (!p->cfg)
		return;
	timeline_free(&p->tl);
	cfgref_put(p->cfg);
	memset(p, 0, sizeof(*p));
}

/* SIGTERM or SIGINT waiting in the signalfd: stop long work early. */
bool prepared_quit_pending(void)
{
	sigset_t pending;

	sigemptyset(&pending);
	return sigpending(&pending) == 0 &&
	       (sigismember(&pending, SIGTERM) || sigismember(&pending, SIGINT));
}

/* The compiler's speech measurement, given up when asked to quit. */
int64_t prepared_measure(void *ctx, const char *text, char *err, size_t errlen)
{
	if (prepared_quit_pending()) {
		snprintf(err, errlen, "interrupted");
		return -1;
	}
	return voice_speech_measure(ctx, text, err, errlen);
}

/* Synthesise the first WARM_MS of tl's speech last, so that the cache's
 * least-recently-used eviction keeps it: a session then starts without
 * waiting for the synthesiser. Returns about the bytes the cache holds for
 * it. */
static size_t warm_start(struct speech *sp, const struct config *cfg,
			 const struct timeline *tl)
{
	struct voice_speech vs = { .sp = sp };
	char err[256];
	size_t last = 0, bytes = 0;

	speech_voice_for(cfg, tl->routine, &vs.voice);
	while (last < tl->n_cues && tl->cues[last].at < BC_MS_TO_SAMPLES(WARM_MS))
		last++;
	for (size_t i = last; i-- > 0;) {
		const struct clip *c;

		if (tl->cues[i].kind != CUE_SPEECH)
			continue;
		c = speech_get(sp, &vs.voice, tl->cues[i].text, err, sizeof(err));
		/* The cache's own count adds its entry and key. */
		if (c)
			bytes += c->n * sizeof(float) + strlen(tl->cues[i].text) + 256;
	}
	return bytes;
}

/* Compile routine of cfg into p (replacing what it held), unless it already
 * holds exactly that. It begins with the safety notice in the user's very
 * first session (and explains the tones), and tells the risks of the floor
 * or the ball before the first exercise on them the user has not heard
 * them for; it plays each exercise in the form the record of the day
 * says (adapt.h), read again each time (`backcoach feedback` writes it).
 * Returns 0, or -1 with err filled. */
int prepared_build(struct prepared *p, struct cfgref *cfg, int routine, struct speech *sp,
		   char *err, size_t errlen)
{
	unsigned risks = 0;
	bool ok = routine >= 0 && (size_t)routine < cfg->c.n_routines;
	bool notice = ok && state_notice_due(routine_risks(&cfg->c, routine), &risks);
	struct compile_opts opts = { .notice = notice, .tones = notice, .risks = risks };
	struct voice_speech vs = { .sp = sp };
	struct timeline tl;
	double t0 = util_now();
	struct exercise_plan *plan;
	bool no_ask = p->no_ask;
	int rc;

	adapt_next_opts(&cfg->c, &opts);
	plan = (struct exercise_plan *)opts.plan;
	if (no_ask)
		opts.ask = false;
	if (p->cfg == cfg && p->routine == routine && p->notice == notice &&
	    p->tones == opts.tones && p->risks == risks &&
	    p->wait == opts.wait && p->ask == opts.ask &&
	    !p->tl.plan == !plan &&
	    (!plan || memcmp(p->tl.plan, plan, cfg->c.n_exercises * sizeof(*plan)) == 0)) {
		free(plan);
		return 0;
	}
	prepared_clear(p);
	p->no_ask = no_ask;
	speech_voice_for(&cfg->c, routine, &vs.voice);
	rc = routine_compile(&cfg->c, routine, &opts, prepared_measure, &vs, &tl, err, errlen);
	free(plan);
	if (rc < 0)
		return -1;
	p->wait = opts.wait;
	p->ask = opts.ask;
	p->cfg = cfgref_get(cfg);
	p->routine = routine;
	p->notice = notice;
	p->tones = opts.tones;
	p->risks = risks;
	p->tl = tl;
	speech_set_cache_budget(sp, CACHE_BUDGET);
	warm_start(sp, &cfg->c, &p->tl);
	log_debug("compiled routine %s in %.2f s (%.0f s of it synthesising)",
		  cfg->c.routines[routine].name, util_now() - t0, vs.seconds);
	return 0;
}

/* ---- what the next triggers will play ---- */

/* Between sessions the cache keeps just the prepared routines' beginnings:
 * synthesise them again if a session pushed them out (it uses them first,
 * so they are its least recent), then shrink the budget to them. The rest
 * of a routine is synthesised ahead while it plays. */
static void warm(struct prepared *def, struct prepared *rem, struct speech *sp)
{
	size_t bytes = 0;

	speech_set_cache_budget(sp, CACHE_BUDGET);
	if (rem->cfg)
		bytes += warm_start(sp, &rem->cfg->c, &rem->tl);
	if (def->cfg)
		bytes += warm_start(sp, &def->cfg->c, &def->tl);
	speech_set_cache_budget(sp, bytes ? bytes : 1);
}

/* Compile what the next triggers will play, then hand the freed pages back:
 * compiling, and a session's speech (its cache may grow to tens of MB),
 * mixer and queue, would otherwise stay resident. */
void prepared_ahead(struct prepared *def, struct prepared *rem, struct cfgref *cfg,
		    struct speech *sp)
{
	const struct config *c = &cfg->c;
	char err[512];

	if (prepared_build(def, cfg, c->general.routine_idx, sp, err, sizeof(err)) < 0)
		log_err("%s", err); /* "routine NAME, exercise ...: why" */
	if (c->reminders.enabled && c->reminders.routine_idx >= 0 &&
	    c->reminders.routine_idx != c->general.routine_idx) {
		if (prepared_build(rem, cfg, c->reminders.routine_idx, sp, err,
				   sizeof(err)) < 0)
			log_err("%s", err);
	} else {
		prepared_clear(rem);
	}
	/* The notification offers the shortest routine beside the reminder's:
	 * their lengths, known before a reminder falls due. */
	if (c->reminders.enabled && c->reminders.routine_idx >= 0 &&
	    c->reminders.announce != ANNOUNCE_VOICE)
		(void)prepared_lengths(cfg, sp);
	warm(def, rem, sp);
	malloc_trim(0);
}

const int64_t *prepared_lengths(struct cfgref *cfg, struct speech *sp)
{
	const struct config *c = &cfg->c;
	struct compile_opts opts = { .notice = false };
	struct voice_speech vs = { .sp = sp };
	char err[512];

	if (cfg->routine_len)
		return cfg->routine_len;
	cfg->routine_len = xcalloc(c->n_routines ? c->n_routines : 1, sizeof(int64_t));
	for (size_t r = 0; r < c->n_routines; r++) {
		struct timeline tl;

		speech_voice_for(c, (int)r, &vs.voice);
		if (routine_compile(c, (int)r, &opts, prepared_measure, &vs, &tl, err,
				    sizeof(err)) < 0) {
			cfg->routine_len[r] = -1;
			continue;
		}
		cfg->routine_len[r] = tl.length;
		timeline_free(&tl);
	}
	return cfg->routine_len;
}
