/* SPDX-License-Identifier: GPL-3.0-or-later */
/* adapt.c: each exercise adapted to what you did and said; see adapt.h. */
#include "coach/adapt.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/exitcode.h"
#include "base/log.h"
#include "base/util.h"

void adapt_init(struct adapt *a, const struct config *cfg)
{
	memset(a, 0, sizeof(*a));
	a->cfg = cfg;
}

void adapt_free(struct adapt *a)
{
	free(a->ex);
	memset(a, 0, sizeof(*a));
}

const struct adapt_ex *adapt_find(const struct adapt *a, const char *name)
{
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->ex[i].name, name) == 0)
			return &a->ex[i];
	return NULL;
}

static struct adapt_ex *get(struct adapt *a, const char *name)
{
	struct adapt_ex *x = (struct adapt_ex *)adapt_find(a, name);

	if (x)
		return x;
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 16;
		a->ex = xrealloc(a->ex, a->cap * sizeof(*a->ex));
	}
	x = &a->ex[a->n++];
	memset(x, 0, sizeof(*x));
	snprintf(x->name, sizeof(x->name), "%s", name);
	x->last_said = -1;
	return x;
}

/* The length one hold step adds: a breath cycle where one paces the hold. */
static int64_t hold_step(const struct config *cfg, const struct exercise *e)
{
	int64_t cycle = 0;

	if (e->breath >= 0 && (size_t)e->breath < cfg->n_breaths)
		for (int k = 0; k < BP_COUNT; k++)
			cycle += cfg->breaths[e->breath].ms[k];
	return cycle > 0 ? cycle : ADAPT_HOLD_STEP_MS;
}

/* One step towards the harder form; false at it already. */
static bool step_up(const struct config *cfg, const struct exercise *e, int *reps,
		    int64_t *hold)
{
	if (*reps < e->harder_reps) {
		(*reps)++;
		return true;
	}
	if (*hold < e->harder_hold_ms) {
		*hold += hold_step(cfg, e);
		if (*hold > e->harder_hold_ms)
			*hold = e->harder_hold_ms;
		return true;
	}
	return false;
}

int adapt_max_level(const struct config *cfg, const struct exercise *e)
{
	int reps = e->reps, level = 0;
	int64_t hold = e->hold_ms;

	while (level < 999 && step_up(cfg, e, &reps, &hold))
		level++;
	return level;
}

void adapt_form(const struct config *cfg, const struct exercise *e, int level,
		int *reps, int64_t *hold_ms)
{
	*reps = e->reps;
	*hold_ms = e->hold_ms;
	if (level < 0) {
		*reps = e->easier_reps >= 1 ? e->easier_reps : e->reps;
		*hold_ms = e->easier_hold_ms;
		return;
	}
	for (int i = 0; i < level && step_up(cfg, e, reps, hold_ms); i++)
		;
}

static int max_level(const struct adapt *a, const char *name)
{
	int i;

	if (!a->cfg || (i = config_exercise(a->cfg, name)) < 0)
		return 0;
	return adapt_max_level(a->cfg, &a->cfg->exercises[i]);
}

/* A good day for x at t; one step up when due (now: harder). */
static void good(struct adapt *a, struct adapt_ex *x, int64_t t, bool now)
{
	int64_t day = slog_local_day(t);

	if (x->good_days == 0 || day != x->good_day) {
		x->good_days++;
		x->good_day = day;
	}
	if ((now || x->good_days >= ADAPT_GOOD_DAYS) &&
	    (x->stepped == 0 || t - x->stepped >= ADAPT_WEEK) &&
	    x->level < max_level(a, x->name)) {
		x->level++;
		x->stepped = t;
		x->good_days = 0;
	}
}

static void easier(struct adapt_ex *x)
{
	x->level = ADAPT_EASIER;
	x->good_days = 0;
	x->stops = 0;
}

const char *const adapt_what_words[AD_COUNT] = {
	[AD_DONE] = "done", [AD_SKIPPED] = "skipped", [AD_STOPPED] = "stopped",
	[AD_REPEATED] = "repeated", [AD_LEFT_OUT] = "left-out", [AD_GOOD] = "good",
	[AD_EASIER] = "easier", [AD_HARDER] = "harder", [AD_HURT] = "hurt",
};

void adapt_event(struct adapt *a, const char *name, int64_t t, enum adapt_what what,
		 int form)
{
	struct adapt_ex *x;

	if (!name || !*name || (unsigned)what >= AD_COUNT)
		return;
	x = get(a, name);
	if (!x->first_t)
		x->first_t = t;
	x->last_t = t;
	x->count[what]++;
	x->last = what;
	/* The form it was played in: the same as folded so far, unless
	 * older records were rotated away. */
	if (form != ADAPT_FORM_UNKNOWN)
		x->level = form < ADAPT_EASIER ? ADAPT_EASIER : form;
	if (what >= AD_GOOD) {
		x->last_said = what;
		x->last_said_t = t;
		if (what != AD_HURT)
			x->left_out = false;
	}
	switch (what) {
	case AD_DONE:
	case AD_GOOD:
		x->stops = 0;
		good(a, x, t, false);
		break;
	case AD_HARDER:
		x->stops = 0;
		good(a, x, t, true);
		break;
	case AD_STOPPED:
		if (++x->stops >= 2)
			easier(x);
		break;
	case AD_EASIER:
		easier(x);
		break;
	case AD_HURT:
		easier(x);
		x->left_out = true;
		x->told = false;
		break;
	case AD_LEFT_OUT:
		x->told = true;
		break;
	case AD_SKIPPED:
	case AD_REPEATED:
	case AD_COUNT:
		break;
	}
}

void adapt_add(struct adapt *a, const struct slog_rec *r)
{
	static const enum adapt_what outcome[] = {
		[SLOG_DONE] = AD_DONE, [SLOG_EX_SKIPPED] = AD_SKIPPED,
		[SLOG_EX_STOPPED] = AD_STOPPED,
	};

	switch (r->kind) {
	case SLOG_EXERCISE:
		if ((unsigned)r->outcome >= sizeof(outcome) / sizeof(*outcome))
			return;
		for (int i = 0; i < r->repeated && i < 100; i++)
			adapt_event(a, r->routine, r->t, AD_REPEATED, ADAPT_FORM_UNKNOWN);
		adapt_event(a, r->routine, r->t, outcome[r->outcome],
			    r->form_set ? r->form : ADAPT_FORM_UNKNOWN);
		break;
	case SLOG_FEEDBACK:
		if (r->feedback >= 0 && r->feedback <= SLOG_HURT)
			adapt_event(a, r->routine, r->t, AD_GOOD + r->feedback,
				    ADAPT_FORM_UNKNOWN);
		break;
	case SLOG_LEFT_OUT:
		adapt_event(a, r->routine, r->t, AD_LEFT_OUT, ADAPT_FORM_UNKNOWN);
		break;
	default:
		break;
	}
}

void adapt_plan(const struct adapt *a, const struct config *cfg,
		struct exercise_plan *plan)
{
	for (size_t i = 0; i < cfg->n_exercises; i++) {
		const struct exercise *e = &cfg->exercises[i];
		const struct adapt_ex *x = a ? adapt_find(a, e->name) : NULL;
		int level = x ? x->level : 0;

		memset(&plan[i], 0, sizeof(plan[i]));
		adapt_form(cfg, e, level, &plan[i].reps, &plan[i].hold_ms);
		plan[i].level = level;
		plan[i].easier = level < 0;
		plan[i].left_out = x && x->left_out;
		plan[i].tell = x && x->left_out && !x->told;
	}
}

const char *adapt_describe(const struct config *cfg, const struct exercise *e,
			   int level, char *buf, size_t len)
{
	int max = adapt_max_level(cfg, e);

	if (level < 0)
		snprintf(buf, len, "easier form");
	else if (level == 0)
		snprintf(buf, len, "today's form (the config's)%s",
			 max ? "" : "; no harder form set");
	else
		snprintf(buf, len, "%d step%s up of %d%s", level, level == 1 ? "" : "s",
			 max, level >= max ? " (the harder form)" : "");
	return buf;
}

static void add_rec(void *ctx, const struct slog_rec *r)
{
	adapt_add(ctx, r);
}

int adapt_load(struct adapt *a, const char *path, int *skipped)
{
	return statelog_read(path, add_rec, a, skipped);
}

void adapt_next_opts(const struct config *cfg, struct compile_opts *o)
{
	char *path;
	struct adapt a;
	struct exercise_plan *plan;

	o->wait = cfg->coach.wait_ms > 0;
	o->ask = cfg->coach.adapt;
	o->plan = NULL;
	if (!cfg->coach.adapt)
		return;
	adapt_init(&a, cfg);
	if ((path = statelog_path())) {
		(void)adapt_load(&a, path, NULL); /* none yet: today's forms */
		free(path);
	}
	plan = xcalloc(cfg->n_exercises ? cfg->n_exercises : 1, sizeof(*plan));
	adapt_plan(&a, cfg, plan);
	adapt_free(&a);
	o->plan = plan;
}

/* ---- the commands ---- */

/* "6 reps", "1 rep of 30s", "3 reps of 20s" */
static const char *form_text(int reps, int64_t hold_ms, char *buf, size_t len)
{
	char d[32];

	if (hold_ms > 0)
		snprintf(buf, len, "%d rep%s of %s", reps, reps == 1 ? "" : "s",
			 util_format_duration(hold_ms, d, sizeof(d)));
	else
		snprintf(buf, len, "%d rep%s", reps, reps == 1 ? "" : "s");
	return buf;
}

static const char *date_of(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	localtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%d", &tm);
	return buf;
}

/* The latest exercise a session recorded. */
struct last_ctx {
	char name[64];
};

static void last_rec(void *ctx, const struct slog_rec *r)
{
	struct last_ctx *c = ctx;

	if (r->kind == SLOG_EXERCISE)
		snprintf(c->name, sizeof(c->name), "%s", r->routine);
}

int adapt_feedback_run(const struct config *cfg, const char *exercise, const char *word,
		       int64_t now, FILE *out)
{
	struct slog_rec r = { .t = now, .kind = SLOG_FEEDBACK, .feedback = -1 };
	struct adapt a;
	const struct adapt_ex *x;
	const struct exercise *e;
	char *path = statelog_path();
	struct last_ctx last = { "" };
	int before, xi, ret = EXIT_OK;
	char f[64];

	for (int i = 0; i < 4; i++)
		if (word && strcmp(word, slog_feedback_words[i]) == 0)
			r.feedback = i;
	if (r.feedback < 0) {
		log_err("feedback: \"%s\" is not good, easier, harder or hurt", word ? word : "");
		free(path);
		return EXIT_USAGE;
	}
	if (!path) {
		log_err("feedback: no state directory (set XDG_STATE_HOME or HOME)");
		return EXIT_FAIL;
	}
	adapt_init(&a, cfg);
	if (adapt_load(&a, path, NULL) < 0 && errno != ENOENT) {
		log_err("feedback: cannot read %s: %s", path, strerror(errno));
		ret = EXIT_FAIL;
		goto out;
	}
	if (!exercise) {
		(void)statelog_read(path, last_rec, &last, NULL);
		if (!last.name[0]) {
			log_err("feedback: no exercise played yet: name one "
				"(backcoach feedback EXERCISE %s)", word);
			ret = EXIT_USAGE;
			goto out;
		}
		exercise = last.name;
	}
	if ((xi = config_exercise(cfg, exercise)) < 0) {
		size_t n = 0;
		char known[1024] = "";

		for (size_t i = 0; i < cfg->n_exercises && n < sizeof(known); i++)
			n += (size_t)snprintf(known + n, sizeof(known) - n, " %s",
					      cfg->exercises[i].name);
		log_err("feedback: no exercise named \"%s\"; known:%s", exercise, known);
		ret = EXIT_NOINPUT;
		goto out;
	}
	e = &cfg->exercises[xi];
	x = adapt_find(&a, e->name);
	before = x ? x->level : 0;
	snprintf(r.routine, sizeof(r.routine), "%s", e->name);
	if (statelog_append(&r) < 0) {
		ret = EXIT_FAIL;
		goto out;
	}
	adapt_add(&a, &r);
	x = adapt_find(&a, e->name);
	{
		int reps;
		int64_t hold;

		adapt_form(cfg, e, x->level, &reps, &hold);
		form_text(reps, hold, f, sizeof(f));
	}
	if (!cfg->coach.adapt)
		fprintf(out, "%s: %s, noted; [coach] adapt = no, so every session plays "
			"it as configured.\n", e->name, word);
	else if (r.feedback == SLOG_HURT)
		fprintf(out, "%s: left out from the next session on. `backcoach feedback "
			"%s good` brings it back, in its easier form.\n"
			"Stop at once if something hurts; if the pain stays, have it "
			"checked.\n", e->name, e->name);
	else if (x->level < before || (r.feedback == SLOG_EASIER))
		fprintf(out, "%s: the next session plays its easier form (%s).\n", e->name, f);
	else if (x->level > before)
		fprintf(out, "%s: one step more from the next session on (%s).\n", e->name, f);
	else if (before >= adapt_max_level(cfg, e) && r.feedback != SLOG_EASIER)
		fprintf(out, "%s: %s, noted; it is at its harder form already (%s).\n",
			e->name, word, f);
	else if (r.feedback == SLOG_HARDER)
		fprintf(out, "%s: harder, noted; at most one step a week: it stays at %s "
			"for now.\n", e->name, f);
	else
		fprintf(out, "%s: good, noted (%d of %d good days towards one step more; "
			"it plays %s).\n", e->name, x->good_days, ADAPT_GOOD_DAYS, f);
out:
	adapt_free(&a);
	free(path);
	return ret;
}

int adapt_progress_run(const struct config *cfg, FILE *out)
{
	struct adapt a;
	char *path = statelog_path();
	int skipped = 0;

	if (!path) {
		log_err("progress: no state directory (set XDG_STATE_HOME or HOME)");
		return EXIT_FAIL;
	}
	adapt_init(&a, cfg);
	if (adapt_load(&a, path, &skipped) < 0) {
		log_err("progress: cannot read %s: %s", path, strerror(errno));
		adapt_free(&a);
		free(path);
		return EXIT_FAIL;
	}
	if (!cfg->coach.adapt)
		fprintf(out, "[coach] adapt = no: every session plays the forms as "
			"configured.\n");
	for (size_t i = 0; i < cfg->n_exercises; i++) {
		const struct exercise *e = &cfg->exercises[i];
		const struct adapt_ex *x = adapt_find(&a, e->name);
		int level = x && cfg->coach.adapt ? x->level : 0, reps, ereps, hreps;
		int64_t hold, ehold, hhold;
		char d[64], f[64], fe[64], fh[64], t1[16], t2[16];

		adapt_form(cfg, e, level, &reps, &hold);
		adapt_form(cfg, e, ADAPT_EASIER, &ereps, &ehold);
		adapt_form(cfg, e, 999, &hreps, &hhold);
		fprintf(out, "%s: %s, %s (easier %s, harder %s)\n", e->name,
			adapt_describe(cfg, e, level, d, sizeof(d)),
			form_text(reps, hold, f, sizeof(f)),
			form_text(ereps, ehold, fe, sizeof(fe)),
			form_text(hreps, hhold, fh, sizeof(fh)));
		if (x && x->left_out && cfg->coach.adapt)
			fprintf(out, "  left out: it hurt (`backcoach feedback %s good` "
				"brings it back)\n", e->name);
		if (!x) {
			fprintf(out, "  no record yet\n");
			continue;
		}
		fprintf(out, "  since %s: %d done, %d skipped, %d stopped during, "
			"%d repeated; said %d good, %d easier, %d harder, %d hurt",
			date_of(x->first_t, t1, sizeof(t1)), x->count[AD_DONE],
			x->count[AD_SKIPPED], x->count[AD_STOPPED], x->count[AD_REPEATED],
			x->count[AD_GOOD], x->count[AD_EASIER], x->count[AD_HARDER],
			x->count[AD_HURT]);
		if (x->last_said >= 0)
			fprintf(out, " (last: %s, %s)", adapt_what_words[x->last_said],
				date_of(x->last_said_t, t2, sizeof(t2)));
		fputc('\n', out);
	}
	if (skipped)
		log_warn("progress: %s: %d line%s skipped (torn or not a record)", path,
			 skipped, skipped == 1 ? "" : "s");
	adapt_free(&a);
	free(path);
	return EXIT_OK;
}
