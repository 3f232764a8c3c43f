/* SPDX-License-Identifier: GPL-3.0-or-later */
/* check_speech.c: `backcoach check` says everything. A config that loads can still
 * hold text that eSpeak NG cannot speak (it crashes on some): every line is
 * synthesised here, in the speech worker, so that the user learns it from
 * `check`, with FILE:LINE, and not from a session that fails. */
#include "speech/check_speech.h"

#include <stdlib.h>
#include <string.h>

#include "coach/reminder_timeline.h"
#include "coach/reminder_words.h"
#include "speech/speech_internal.h"
#include "coach/routine.h"
#include "base/util.h"

struct speaker {
	const struct config *cfg;
	struct speech *sp;
	struct speech_voice voice;
	FILE *errf;
	const char *what; /* "routine desk-break", "the reminder" */
	struct check_stats *st;
	char **failed;    /* "voice|text" of each text that failed (the rest are
	                     in the speech cache) */
	size_t n_failed;
	struct misfit_msg {  /* breath cues that do not fit their phase */
		size_t file; /* index into cfg->files */
		int line;
		char *msg;
	} *misfits;
	size_t n_misfits;
};

/* A breath cue that cannot be said within its phase at this voice: kept
 * (once) to be reported in file and line order. */
static void on_misfit(void *ctx, const struct misfit *m)
{
	struct speaker *k = ctx;
	char buf[1024];
	size_t file = 0;

	routine_misfit_message(m, buf, sizeof(buf));
	for (size_t i = 0; i < k->n_misfits; i++)
		if (strcmp(k->misfits[i].msg, buf) == 0)
			return;
	for (size_t i = 0; i < k->cfg->n_files; i++)
		if (k->cfg->files[i] == m->at.file)
			file = i;
	k->misfits = xrealloc(k->misfits, (k->n_misfits + 1) * sizeof(*k->misfits));
	k->misfits[k->n_misfits++] = (struct misfit_msg){ file, m->at.line, xstrdup(buf) };
}

static int cmp_misfit(const void *a, const void *b)
{
	const struct misfit_msg *x = a, *y = b;

	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	return (x->line > y->line) - (x->line < y->line);
}

/* Bytes of s in its first max characters (UTF-8: whole characters). */
static size_t excerpt(const char *s, size_t max)
{
	size_t i = 0;

	for (; s[i] && max; max--)
		for (i++; ((unsigned char)s[i] & 0xc0) == 0x80; i++)
			;
	return i;
}

/* Has this text failed in this voice already? */
static char *failure_key(const struct speaker *k, const char *text)
{
	return xasprintf("%s+%s,%d,%d,%d,%d|%s", k->voice.language,
			 k->voice.variant ? k->voice.variant : "", k->voice.rate,
			 k->voice.pitch, k->voice.range, k->voice.volume, text);
}

static bool failed_before(const struct speaker *k, const char *key)
{
	for (size_t i = 0; i < k->n_failed; i++)
		if (strcmp(k->failed[i], key) == 0)
			return true;
	return false;
}

/* The compiler's measure function: the length of the real speech; a text
 * that fails is reported and given a second, so the compile goes on and
 * every failure is found. */
static int64_t speak(void *ctx, const char *text, char *err, size_t errlen)
{
	struct speaker *k = ctx;
	const struct clip *c;
	const struct origin *at;
	char why[512], *key;

	(void)err;
	(void)errlen;
	key = failure_key(k, text);
	if (failed_before(k, key)) { /* reported, and not tried again */
		free(key);
		return BC_RATE;
	}
	c = speech_get(k->sp, &k->voice, text, why, sizeof(why));
	if (c) {
		free(key);
		return (int64_t)c->n;
	}
	k->failed = xrealloc(k->failed, (k->n_failed + 1) * sizeof(*k->failed));
	k->failed[k->n_failed++] = key;
	at = config_text_origin(k->cfg, text);
	if (at && at->file && at->line > 0)
		fprintf(k->errf, "%s:%d: ", at->file, at->line);
	else if (at && at->file)
		fprintf(k->errf, "%s: ", at->file);
	fprintf(k->errf, "\"%.*s%s\" cannot be spoken (%s, voice %s%s%s): %s\n",
		(int)excerpt(text, 60), text, text[excerpt(text, 60)] ? "..." : "", k->what, k->voice.language,
		k->voice.variant ? "+" : "", k->voice.variant ? k->voice.variant : "",
		why);
	k->st->failures++;
	return BC_RATE;
}

static void check_routine(struct speaker *k, const struct config *cfg, int r)
{
	struct compile_opts opts = { .notice = true, .tones = true,
				     .risks = (1u << EQ_COUNT) - 1,
				     .misfit = on_misfit, .misfit_ctx = k };
	const char *stopped = cfg->languages[cfg->routines[r].language].phrase[PH_STOPPED];
	struct timeline tl;
	char err[512];

	speech_voice_for(cfg, r, &k->voice);
	/* The line said when a session is stopped during an exercise. */
	if (stopped)
		speak(k, stopped, err, sizeof(err));
	if (routine_compile(cfg, r, &opts, speak, k, &tl, err, sizeof(err)) < 0) {
		const struct routine *ro = &cfg->routines[r];

		fprintf(k->errf, "%s:%d: %s\n", ro->at.file, ro->at.line, err);
		k->st->failures++;
		return;
	}
	timeline_free(&tl);
}

int check_speech(const struct config *cfg, struct speech *sp, FILE *errf,
		 struct check_stats *st)
{
	struct speaker k = { .cfg = cfg, .sp = sp, .errf = errf, .st = st };
	struct config all = *cfg;
	int voice;

	memset(st, 0, sizeof(*st));
	speech_set_cache_budget(sp, 0);
	/* With all equipment no exercise is skipped; with the user's, the
	 * "skipping" phrase is said. The copy shares every pointer. */
	all.general.equipment = (1u << EQ_COUNT) - 1;
	for (size_t r = 0; r < cfg->n_routines; r++) {
		char *what = xasprintf("routine %s", cfg->routines[r].name);

		k.what = what;
		check_routine(&k, cfg, (int)r);
		if (cfg->general.equipment != all.general.equipment)
			check_routine(&k, &all, (int)r);
		st->routines++;
		free(what);
	}

	/* The reminder: its message (with the minutes of the interval), then
	 * the countdown when a routine follows, in that routine's voice. */
	voice = cfg->reminders.routine_idx >= 0 ? cfg->reminders.routine_idx
						 : cfg->general.routine_idx;
	if (cfg->reminders.enabled && voice >= 0) {
		struct timeline empty = { 0 }, tl;
		const struct language *lang = &cfg->languages[cfg->routines[voice].language];
		char err[512], *msg, *first;
		int64_t body_at;

		msg = reminder_message(cfg, lang, (int)(cfg->reminders.interval_ms / 60000));
		k.what = "the reminder";
		speech_voice_for(cfg, voice, &k.voice);
		/* How to answer it, and the first start's words. */
		if (cfg->reminders.routine_idx >= 0)
			speak(&k, reminder_phrase(cfg, lang, PH_REMINDER_ASK), err, sizeof(err));
		first = reminder_first_start(cfg, lang);
		speak(&k, first, err, sizeof(err));
		free(first);
		if (reminder_timeline(&cfg->languages[cfg->routines[voice].language], voice,
				      msg, cfg->reminders.routine_idx >= 0 ? &empty : NULL,
				      cfg->reminders.countdown_ms, speak, &k, &tl, &body_at,
				      err, sizeof(err)) < 0) {
			fprintf(errf, "reminder: %s\n", err);
			st->failures++;
		} else {
			timeline_free(&tl);
		}
		free(msg);
	}
	st->lines = (int)speech_cache_count(sp);
	for (size_t i = 0; i < k.n_failed; i++)
		free(k.failed[i]);
	free(k.failed);
	/* Every breath cue that cannot fit its phase, by FILE:LINE. */
	if (k.n_misfits)
		qsort(k.misfits, k.n_misfits, sizeof(*k.misfits), cmp_misfit);
	for (size_t i = 0; i < k.n_misfits; i++) {
		fprintf(errf, "%s\n", k.misfits[i].msg);
		free(k.misfits[i].msg);
	}
	free(k.misfits);
	st->failures += (int)k.n_misfits;
	return st->failures;
}
