/* SPDX-License-Identifier: GPL-3.0-or-later */
/* adapt.h: each exercise adapted to what you did and said, from the record
 * of your day (statelog.h: its exercise and feedback lines). Pure: records
 * in, forms out; no file, no clock.
 *
 * A form is a level: -1 the easier form (easier_reps, easier_hold), 0 the
 * config's, N > 0 N steps towards the harder form (harder_reps,
 * harder_hold): one more rep per step until harder_reps, then a longer
 * hold (one breath cycle more where a breath pattern paces it, else 5 s),
 * until harder_hold. The rules, record by record, in order:
 *   hurt                 left out from then on (and told once), back in the
 *                        easier form when you say good, easier or harder;
 *   easier               the easier form;
 *   stopped during it    twice in a row: the easier form;
 *   done, good           a good day (a day counts once); three good days
 *                        since the last change: one step up, at most one
 *                        step in 7 days, never past the harder form;
 *   harder               a good day, and one step up now (same limits,
 *                        the three days aside);
 *   skipped, repeated    counted only. */
#ifndef BC_ADAPT_H
#define BC_ADAPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "coach/config.h"
#include "coach/routine.h"
#include "coach/statelog.h"

#define ADAPT_EASIER (-1)
#define ADAPT_WEEK (7 * 86400)
#define ADAPT_GOOD_DAYS 3
#define ADAPT_HOLD_STEP_MS 5000

/* What happened to an exercise, or what you said about it. */
enum adapt_what {
	AD_DONE,      /* heard to its end in a session */
	AD_SKIPPED,   /* `skip` left it */
	AD_STOPPED,   /* the session stopped during it */
	AD_REPEATED,  /* heard again (`repeat`) */
	AD_LEFT_OUT,  /* left out as it hurt, and told so */
	AD_GOOD, AD_EASIER, AD_HARDER, AD_HURT, /* feedback */
	AD_COUNT
};
extern const char *const adapt_what_words[AD_COUNT]; /* "done", ..., "hurt" */

/* One exercise's state and history. */
struct adapt_ex {
	char name[64];
	int level;
	bool left_out, told;
	int64_t stepped;        /* last step up (seconds since the epoch), 0: none */
	int64_t good_day;       /* the latest good day (local day number) */
	int good_days;          /* good days since the last change */
	int stops;              /* stopped during it, in a row */
	int count[AD_COUNT];    /* per enum adapt_what */
	int64_t first_t, last_t; /* first and latest record */
	int last;               /* the latest enum adapt_what */
	int last_said;          /* the latest feedback (AD_GOOD..), -1: none */
	int64_t last_said_t;
};

struct adapt {
	const struct config *cfg; /* for the harder form's cap; NULL: none */
	struct adapt_ex *ex;
	size_t n, cap;
};

void adapt_init(struct adapt *a, const struct config *cfg);
/* Fold one event in, at t (seconds since the epoch); form: the level it
 * was played in (-1..), or ADAPT_FORM_UNKNOWN. */
#define ADAPT_FORM_UNKNOWN (-2)
void adapt_event(struct adapt *a, const char *name, int64_t t, enum adapt_what what,
		 int form);
/* Fold one record of the day log in (others are ignored). */
void adapt_add(struct adapt *a, const struct slog_rec *r);
/* The state of the exercise named name, NULL if never recorded (a new
 * exercise starts at level 0). */
const struct adapt_ex *adapt_find(const struct adapt *a, const char *name);
void adapt_free(struct adapt *a);

/* The highest level of exercise e: the steps to its harder form. */
int adapt_max_level(const struct config *cfg, const struct exercise *e);
/* reps and hold of e at level (clamped to -1..max). */
void adapt_form(const struct config *cfg, const struct exercise *e, int level,
		int *reps, int64_t *hold_ms);
/* The plan for the next session: one entry per cfg->n_exercises. */
void adapt_plan(const struct adapt *a, const struct config *cfg,
		struct exercise_plan *plan);
/* "easier form", "the config's form", "2 steps up of 4", into buf. */
const char *adapt_describe(const struct config *cfg, const struct exercise *e,
			   int level, char *buf, size_t len);

/* The options for the user's next session of cfg: the plan from the day
 * log (malloc'd into o->plan: free it) unless [coach] adapt = no, the
 * question after the last exercise with it, the waits unless [coach]
 * wait_at_most = 0. */
void adapt_next_opts(const struct config *cfg, struct compile_opts *o);

/* Read the day log at path (statelog_read) into a (adapt_init'ed).
 * Returns 0, or -1 with errno; *skipped counts lines that were not records. */
int adapt_load(struct adapt *a, const char *path, int *skipped);

/* `backcoach feedback [EXERCISE] WORD`: WORD is good, easier, harder or
 * hurt; EXERCISE NULL: the exercise last recorded in a session. Appends the
 * record (time now) and says to out what the next session does with it.
 * Returns an exit code (64: a bad word, 66: no such exercise). */
int adapt_feedback_run(const struct config *cfg, const char *exercise, const char *word,
		       int64_t now, FILE *out);

/* `backcoach progress`: each exercise's form and its history. Returns an
 * exit code. */
int adapt_progress_run(const struct config *cfg, FILE *out);

#endif
