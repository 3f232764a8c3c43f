/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_routine.c: routine_compile on hand-built configs, cue by cue. */
#include <stdarg.h>
#include <string.h>

#include "coach/routine.h"
#include "speech/speech.h"
#include "testlib.h"

#define MS(x) BC_MS_TO_SAMPLES(x)
/* The compiler's pacing constants, as documented in routine.c. */
#define PAUSE MS(600)
#define NOTICE_PAUSE MS(1500)
#define MIN_GAP MS(300)
#define COUNTIN_PAUSE MS(400)
#define TONE_GAP MS(100)
#define CHIME_START_END MS(160 + 520)
#define CHIME_END_END MS(160 + 800)
#define TAIL MS(1000)
#define PER_CHAR 1000 /* the test measurer: 1000 samples per byte */

static const char *const en[PH_COUNT] = {
	[PH_GET_READY] = "Get ready.",
	[PH_BEGIN] = "Begin.",
	[PH_NEXT] = "Next: {title}.",
	[PH_INHALE] = "Breathe in.",
	[PH_HOLD] = "Hold.",
	[PH_EXHALE] = "Breathe out.",
	[PH_COUNT_REP] = "{n}.",
	[PH_HALFWAY] = "Halfway.",
	[PH_LAST] = "Last one.",
	[PH_SECONDS_LEFT] = "{n} seconds left.",
	[PH_FIRST_SIDE] = "Left side.",
	[PH_SWITCH] = "Switch sides.",
	[PH_RELEASE] = "And release.",
	[PH_REST] = "Rest.",
	[PH_SKIPPED] = "Skipping {list}: you have not got the equipment.",
	[PH_NOTICE] = "Stop if anything hurts.",
};

/* A config built by hand: one language, a few breaths and exercises, one
 * routine whose exercise list the test fills in. */
struct fix {
	struct config cfg;
	struct language lang;
	struct breath breaths[3];
	struct exercise ex[6];
	struct routine r;
	int order[8];
};

enum { B_SLOW, B_BOX, B_TONE };

static void fix_init(struct fix *f)
{
	memset(f, 0, sizeof(*f));
	f->lang.name = (char *)"en";
	f->lang.voice = (char *)"en-us";
	for (int i = 0; i < PH_COUNT; i++)
		f->lang.phrase[i] = (char *)en[i];

	/* In 3 s, out 4 s, by voice and tone. */
	f->breaths[B_SLOW] = (struct breath){
		.name = (char *)"slow", .ms = { 3000, 0, 4000, 0 },
		.via = { VIA_BOTH, VIA_BOTH, VIA_BOTH, VIA_BOTH } };
	/* Box breathing, 4 s each, voice only. */
	f->breaths[B_BOX] = (struct breath){
		.name = (char *)"box", .ms = { 4000, 4000, 4000, 4000 },
		.via = { VIA_VOICE, VIA_VOICE, VIA_VOICE, VIA_VOICE } };
	/* Long phases, tone only. */
	f->breaths[B_TONE] = (struct breath){
		.name = (char *)"tone", .ms = { 10000, 10000, 10000, 0 },
		.via = { VIA_TONE, VIA_TONE, VIA_TONE, VIA_TONE } };

	for (int i = 0; i < 6; i++) {
		struct exercise *e = &f->ex[i];
		e->reps = 1;
		e->breath = -1;
	}
	f->ex[0].name = (char *)"cat-cow";
	f->ex[0].title = (char *)"Cat cow";
	f->ex[0].setup = (char *)"Kneel on all fours.";
	f->ex[0].setup_ms = 2000;
	f->ex[0].reps = 2;
	f->ex[0].breath = B_SLOW;
	f->ex[1].name = (char *)"plank";
	f->ex[1].title = (char *)"Plank";
	f->ex[1].hold_ms = 60000;
	f->ex[2].name = (char *)"stretch";
	f->ex[2].title = (char *)"Side stretch";
	f->ex[2].both_sides = true;
	f->ex[2].switch_ms = 3000;
	f->ex[2].reps = 2;
	f->ex[2].hold_ms = 5000;
	f->ex[3].name = (char *)"chair-twist";
	f->ex[3].title = (char *)"Chair twist";
	f->ex[3].equipment = 1u << EQ_CHAIR;
	f->ex[4].name = (char *)"wall-slide";
	f->ex[4].title = (char *)"Wall slide";
	f->ex[4].equipment = 1u << EQ_WALL | 1u << EQ_FLOOR;
	f->ex[5].name = (char *)"lift";
	f->ex[5].title = (char *)"Arm lift";
	f->ex[5].rep_cue = (char *)"Lift";
	f->ex[5].reps = 3;
	f->ex[5].breath = B_SLOW;

	f->r.name = (char *)"desk";
	f->r.title = (char *)"Desk break";
	f->r.exercises = f->order;
	f->r.rest_ms = 10000;

	f->cfg.general.equipment = 1u << EQ_FLOOR | 1u << EQ_MAT;
	f->cfg.coach.voice = (char *)"calm";
	f->cfg.coach.rate = 150;
	f->cfg.coach.pitch = 40;
	f->cfg.coach.range = 30;
	f->cfg.coach.volume = 100;
	f->cfg.metronome.bpm = 0;
	f->cfg.metronome.accent = 4;
	f->cfg.metronome.sound = (char *)"click";
	f->cfg.metronome.volume = 0.5;
	f->cfg.languages = &f->lang;
	f->cfg.n_languages = 1;
	f->cfg.breaths = f->breaths;
	f->cfg.n_breaths = 3;
	f->cfg.exercises = f->ex;
	f->cfg.n_exercises = 6;
	f->cfg.routines = &f->r;
	f->cfg.n_routines = 1;
}

static void fix_order(struct fix *f, int n, ...)
{
	va_list ap;

	va_start(ap, n);
	for (int i = 0; i < n; i++)
		f->order[i] = va_arg(ap, int);
	va_end(ap);
	f->r.n_exercises = (size_t)n;
}

/* Measurer: length proportional to the text; fails on texts containing
 * fail_on. */
struct meas {
	const char *fail_on;
	int calls;
};

static int64_t measure(void *ctx, const char *text, char *err, size_t errlen)
{
	struct meas *m = ctx;

	if (m)
		m->calls++;
	if (m && m->fail_on && strstr(text, m->fail_on)) {
		snprintf(err, errlen, "cannot say \"%s\"", text);
		return -1;
	}
	return (int64_t)strlen(text) * PER_CHAR;
}

static int64_t tlen(const char *s)
{
	return (int64_t)strlen(s) * PER_CHAR;
}

/* What every timeline must satisfy. */
static void check_invariants(const struct timeline *tl)
{
	int64_t last_end = -1, end = 0;

	ck_assert_uint_gt(tl->n_cues, 0);
	ck_assert_uint_gt(tl->n_steps, 0);
	ck_assert_int_eq(tl->steps[0].at, 0);
	ck_assert_int_eq(tl->cues[tl->n_cues - 1].role, ROLE_CHIME_END);
	for (size_t i = 0; i < tl->n_cues; i++) {
		const struct cue *c = &tl->cues[i];

		/* Called on many long timelines: Check hears only of a failure. */
		if (i)
			ck_assert_quiet(c->at >= tl->cues[i - 1].at,
					"cue %zu at %lld, cue %zu at %lld", i, (long long)c->at,
					i - 1, (long long)tl->cues[i - 1].at);
		ck_assert_quiet(c->at >= 0, "cue %zu at %lld", i, (long long)c->at);
		ck_assert_quiet(c->len >= 0, "cue %zu len %lld", i, (long long)c->len);
		ck_assert_quiet(c->step >= 0, "cue %zu step %d", i, c->step);
		ck_assert_quiet(c->step < (int)tl->n_steps, "cue %zu step %d of %zu", i,
				c->step, tl->n_steps);
		ck_assert_quiet(c->at >= tl->steps[c->step].at,
				"cue %zu at %lld, its step %d at %lld", i, (long long)c->at,
				c->step, (long long)tl->steps[c->step].at);
		if (c->at + c->len > end)
			end = c->at + c->len;
		if (c->kind != CUE_SPEECH) {
			ck_assert_quiet(c->text == NULL, "cue %zu (kind %d) says \"%s\"", i,
					(int)c->kind, c->text);
			continue;
		}
		ck_assert_quiet(c->text != NULL, "speech cue %zu has no text", i);
		ck_assert_quiet((int64_t)strlen(c->text) * PER_CHAR == c->len,
				"cue %zu \"%s\" len %lld", i, c->text, (long long)c->len);
		if (last_end >= 0) {
			/* Speech never overlaps speech, and no silence between
			 * speech cues is longer than 15 s. */
			ck_assert_quiet(c->at >= last_end, "speech overlap at %lld: \"%s\"",
					(long long)c->at, c->text);
			ck_assert_quiet(c->at - last_end <= MS(15000),
					"%.2f s without speech before \"%s\"",
					(double)(c->at - last_end) / BC_RATE, c->text);
		}
		last_end = c->at + c->len;
	}
	ck_assert_each(size_t, i, 1, tl->n_steps, tl->steps[i].at >= tl->steps[i - 1].at,
		       "step at %lld, the one before at %lld", (long long)tl->steps[i].at,
		       (long long)tl->steps[i - 1].at);
	ck_assert_int_ge(tl->length, end);
}

/* TEST_DUMP=1 prints each compiled timeline. */
static void dump(const struct timeline *tl)
{
	if (!getenv("TEST_DUMP"))
		return;
	for (size_t i = 0; i < tl->n_cues; i++) {
		const struct cue *c = &tl->cues[i];

		if (c->kind == CUE_CLICK)
			continue;
		fprintf(stderr, "%3zu %9lld %8lld k%d r%2d s%d p%2d %s\n", i,
			(long long)c->at, (long long)c->len, c->kind, c->role,
			c->step, c->phase, c->text ? c->text : "");
	}
}

static void compile_ok(struct fix *f, bool notice, struct timeline *tl)
{
	struct compile_opts o = { .notice = notice };
	char err[256] = "";
	struct meas m = { 0 };

	ck_assert_msg(routine_compile(&f->cfg, 0, &o, measure, &m, tl, err,
				      sizeof(err)) == 0, "%s", err);
	dump(tl);
	check_invariants(tl);
}

/* Index of the first cue at or after index from with role (and kind, -1 =
 * any), or -1. */
static int find(const struct timeline *tl, size_t from, enum cue_role role,
		int kind)
{
	for (size_t i = from; i < tl->n_cues; i++)
		if (tl->cues[i].role == role &&
		    (kind < 0 || tl->cues[i].kind == (enum cue_kind)kind))
			return (int)i;
	return -1;
}

static int count_role(const struct timeline *tl, enum cue_role role)
{
	int n = 0;

	for (size_t i = 0; i < tl->n_cues; i++)
		n += tl->cues[i].role == role;
	return n;
}

static const struct cue *speech(const struct timeline *tl, int i,
				enum cue_role role, const char *text,
				int64_t at)
{
	const struct cue *c;

	ck_assert_int_ge(i, 0);
	ck_assert_int_lt(i, (int)tl->n_cues);
	c = &tl->cues[i];
	ck_assert_int_eq(c->kind, CUE_SPEECH);
	ck_assert_int_eq(c->role, role);
	ck_assert_str_eq(c->text, text);
	ck_assert_int_eq(c->at, at);
	ck_assert_int_eq(c->len, tlen(text));
	return c;
}

/* The next speech cue at or after index *i (moved past it). */
static const struct cue *next_speech(const struct timeline *tl, int *i,
				     enum cue_role role, const char *text,
				     int64_t at)
{
	while (*i < (int)tl->n_cues && tl->cues[*i].kind != CUE_SPEECH)
		(*i)++;
	return speech(tl, (*i)++, role, text, at);
}

/* Count-in from "Get ready." at g; returns the begin of the side. */
static int64_t check_countin(const struct timeline *tl, int *i, int64_t g)
{
	int64_t t;

	next_speech(tl, i, ROLE_GET_READY, "Get ready.", g);
	t = g + tlen("Get ready.") + COUNTIN_PAUSE;
	next_speech(tl, i, ROLE_COUNTDOWN, "3", t);
	next_speech(tl, i, ROLE_COUNTDOWN, "2", t + MS(1000));
	next_speech(tl, i, ROLE_COUNTDOWN, "1", t + MS(2000));
	return t + MS(3000);
}

START_TEST(reps_with_breath)
{
	struct fix f;
	struct timeline tl;
	const struct cue *c;
	int i = 0, k;
	int64_t t, S, R, in = MS(3000), out = MS(4000);

	fix_init(&f);
	fix_order(&f, 1, 0);
	compile_ok(&f, false, &tl);

	/* Start chime: two rising notes at 0. */
	ck_assert_int_eq(tl.cues[0].kind, CUE_TONE);
	ck_assert_int_eq(tl.cues[0].role, ROLE_CHIME_START);
	ck_assert_int_eq(tl.cues[0].at, 0);
	ck_assert_int_eq(tl.cues[1].role, ROLE_CHIME_START);
	ck_assert_float_gt(tl.cues[1].f0, tl.cues[0].f1);
	ck_assert_float_gt(tl.cues[0].f1, tl.cues[0].f0);
	t = CHIME_START_END + PAUSE;

	ck_assert_uint_eq(tl.n_steps, 3);
	ck_assert_str_eq(tl.steps[0].name, "Intro");
	ck_assert_int_eq(tl.steps[0].exercise, -1);
	ck_assert_str_eq(tl.steps[1].name, "Cat cow");
	ck_assert_int_eq(tl.steps[1].exercise, 0);
	ck_assert_int_eq(tl.steps[1].at, t);

	c = next_speech(&tl, &i, ROLE_ANNOUNCE, "Cat cow", t);
	ck_assert_int_eq(c->step, 1);
	t += tlen("Cat cow") + PAUSE;
	next_speech(&tl, &i, ROLE_SETUP, "Kneel on all fours.", t);
	/* setup_ms from the end of the setup speech */
	t += tlen("Kneel on all fours.") + MS(2000);
	S = check_countin(&tl, &i, t);

	/* Rep 1: "Begin. Breathe in." carries the inhale (no "1": it would
	 * sound like a second countdown); the tone rises over the inhale,
	 * minus a small gap. */
	c = next_speech(&tl, &i, ROLE_BEGIN, "Begin. Breathe in.", S);
	ck_assert_int_eq(c->phase, BP_INHALE);
	k = find(&tl, 0, ROLE_BREATH, CUE_TONE);
	ck_assert_int_eq(tl.cues[k].at, S);
	ck_assert_int_eq(tl.cues[k].len, in - TONE_GAP);
	ck_assert_int_eq(tl.cues[k].phase, BP_INHALE);
	ck_assert_float_eq(tl.cues[k].f0, 220.0f);
	ck_assert_float_eq(tl.cues[k].f1, 330.0f);
	c = next_speech(&tl, &i, ROLE_BREATH, "Breathe out.", S + in);
	ck_assert_int_eq(c->phase, BP_EXHALE);
	k = find(&tl, (size_t)k + 1, ROLE_BREATH, CUE_TONE);
	ck_assert_int_eq(tl.cues[k].at, S + in);
	ck_assert_int_eq(tl.cues[k].len, out - TONE_GAP);
	ck_assert_int_eq(tl.cues[k].phase, BP_EXHALE);
	ck_assert_float_gt(tl.cues[k].f0, tl.cues[k].f1);

	/* Rep 2 is the last. */
	R = S + in + out;
	c = next_speech(&tl, &i, ROLE_LAST, "Last one. Breathe in.", R);
	ck_assert_int_eq(c->phase, BP_INHALE);
	next_speech(&tl, &i, ROLE_BREATH, "Breathe out.", R + in);
	k = find(&tl, (size_t)k + 1, ROLE_BREATH, CUE_TONE);
	ck_assert_int_eq(tl.cues[k].at, R);
	k = find(&tl, (size_t)k + 1, ROLE_BREATH, CUE_TONE);
	ck_assert_int_eq(tl.cues[k].at, R + in);
	ck_assert_int_eq(find(&tl, (size_t)k + 1, ROLE_BREATH, -1), -1);
	/* The phases as paced: exactly the pattern's, back to back. */
	ck_assert_uint_eq(tl.n_phases, 4);
	for (size_t p = 0; p < 4; p++) {
		ck_assert_int_eq(tl.phases[p].phase, p % 2 ? BP_EXHALE : BP_INHALE);
		ck_assert_int_eq(tl.phases[p].len, p % 2 ? out : in);
		ck_assert_int_eq(tl.phases[p].at, S + (int64_t)(p / 2) * (in + out) +
						  (p % 2 ? in : 0));
		ck_assert_int_eq(tl.phases[p].breath, B_SLOW);
		ck_assert_int_eq(tl.phases[p].step, 1);
	}

	R += in + out;
	next_speech(&tl, &i, ROLE_RELEASE, "And release.", R);
	t = R + tlen("And release.") + PAUSE;
	ck_assert_int_eq(find(&tl, 0, ROLE_BEAT, -1), -1); /* bpm 0 */
	ck_assert_int_eq(find(&tl, 0, ROLE_REST, -1), -1); /* only one */

	/* End chime: falling, last, then a short tail. */
	k = find(&tl, 0, ROLE_CHIME_END, -1);
	ck_assert_int_eq(tl.cues[k].at, t);
	ck_assert_float_lt(tl.cues[k].f1, tl.cues[k].f0);
	ck_assert_float_lt(tl.cues[k + 1].f0, tl.cues[k].f1);
	ck_assert_uint_eq((size_t)k + 2, tl.n_cues);
	ck_assert_int_eq(tl.length, t + CHIME_END_END + TAIL);
	ck_assert_str_eq(tl.language_voice, "en-us");
	ck_assert_uint_eq(tl.skipped_equipment, 0);
	timeline_free(&tl);
}
END_TEST

/* A 60 s hold with no breath pattern: time-left callouts (the one way of
 * marking time in holds) at exact instants, never more than 15 s of
 * silence. */
START_TEST(long_hold)
{
	struct fix f;
	struct timeline tl;
	int i = 0;
	int64_t t, S;

	fix_init(&f);
	fix_order(&f, 1, 1);
	compile_ok(&f, false, &tl);
	t = CHIME_START_END + PAUSE;
	next_speech(&tl, &i, ROLE_ANNOUNCE, "Plank", t);
	t += tlen("Plank");
	S = check_countin(&tl, &i, t + PAUSE);
	next_speech(&tl, &i, ROLE_BEGIN, "Begin.", S);
	next_speech(&tl, &i, ROLE_TIME_LEFT, "45 seconds left.", S + MS(15000));
	next_speech(&tl, &i, ROLE_TIME_LEFT, "30 seconds left.", S + MS(30000));
	next_speech(&tl, &i, ROLE_TIME_LEFT, "15 seconds left.", S + MS(45000));
	next_speech(&tl, &i, ROLE_RELEASE, "And release.", S + MS(60000));
	ck_assert_int_eq(count_role(&tl, ROLE_HALFWAY), 0);
	timeline_free(&tl);
}
END_TEST

/* A hold paced by breath lasts whole breath cycles (25 s of 7 s cycles:
 * 4 cycles, 28 s); its time-left callouts fall on phase starts and end
 * within their phase; tone-only phases, no words. */
START_TEST(breath_hold)
{
	struct fix f;
	struct timeline tl;
	int64_t S, E;
	int n = 0;

	fix_init(&f);
	f.breaths[B_SLOW].via[BP_INHALE] = f.breaths[B_SLOW].via[BP_EXHALE] = VIA_TONE;
	f.ex[1].hold_ms = 25000;
	f.ex[1].breath = B_SLOW;
	fix_order(&f, 1, 1);
	compile_ok(&f, false, &tl);
	S = tl.cues[find(&tl, 0, ROLE_BEGIN, -1)].at;
	E = tl.cues[find(&tl, 0, ROLE_RELEASE, -1)].at;
	ck_assert_int_eq(E - S, 4 * MS(7000));
	ck_assert_uint_eq(tl.n_phases, 8);
	ck_assert_int_eq(tl.phases[7].at + tl.phases[7].len, E);
	for (size_t i = 0; i < tl.n_cues; i++) {
		const struct cue *c = &tl.cues[i];
		bool on_start = false;
		int left;

		if (c->role != ROLE_TIME_LEFT)
			continue;
		for (size_t p = 0; p < tl.n_phases; p++)
			if (tl.phases[p].at == c->at) {
				on_start = true;
				ck_assert_int_le(c->at + c->len + MIN_GAP,
						 tl.phases[p].at + tl.phases[p].len);
			}
		ck_assert_msg(on_start, "callout \"%s\" off a phase start", c->text);
		ck_assert_int_eq(sscanf(c->text, "%d", &left), 1);
		ck_assert_int_eq(c->at + MS(left * 1000), E);
		n++;
	}
	ck_assert_int_eq(n, 1); /* 28 s: one callout keeps gaps under 15 s */
	ck_assert_int_eq(count_role(&tl, ROLE_HALFWAY), 0);
	timeline_free(&tl);
}
END_TEST

/* A long setup wait and a long rest get callouts too; so do long
 * tone-only breath phases and box breathing through a 40 s hold. */
START_TEST(no_long_silence)
{
	struct fix f;
	struct timeline tl;

	fix_init(&f);
	f.ex[0].setup_ms = 40000;
	f.ex[0].breath = B_TONE;
	f.ex[1].breath = B_BOX;
	f.ex[1].hold_ms = 40000;
	f.ex[2].switch_ms = 31000;
	f.r.rest_ms = 50000;
	fix_order(&f, 3, 0, 1, 2);
	compile_ok(&f, true, &tl); /* the invariants check the gaps */
	ck_assert_int_ge(count_role(&tl, ROLE_TIME_LEFT), 8);
	ck_assert_int_eq(count_role(&tl, ROLE_REST), 2);
	/* The callouts of the first rest count down to the next announce. */
	for (size_t i = 0; i < tl.n_cues; i++) {
		const struct cue *c = &tl.cues[i];
		int n;

		if (c->role != ROLE_TIME_LEFT || c->step != 2)
			continue;
		ck_assert_str_eq(tl.steps[2].name, "Rest");
		ck_assert_int_eq(sscanf(c->text, "%d", &n), 1);
		ck_assert_int_eq(n % 5, 0);
		ck_assert_int_eq(c->at + MS(n * 1000), tl.steps[3].at);
	}
	timeline_free(&tl);
}
END_TEST

START_TEST(two_sides)
{
	struct fix f;
	struct timeline tl;
	int i = 0, sw;
	int64_t t, S, S2;

	fix_init(&f);
	f.cfg.metronome.bpm = 60;
	fix_order(&f, 1, 2);
	compile_ok(&f, false, &tl);
	ck_assert_uint_eq(tl.n_steps, 4);
	ck_assert_str_eq(tl.steps[1].name, "Side stretch (left side)");
	ck_assert_str_eq(tl.steps[2].name, "Side stretch (right side)");
	ck_assert_int_eq(tl.steps[1].exercise, 2);
	ck_assert_int_eq(tl.steps[2].exercise, 2);
	ck_assert_str_eq(tl.steps[3].name, "Outro");

	t = CHIME_START_END + PAUSE;
	next_speech(&tl, &i, ROLE_ANNOUNCE, "Side stretch", t);
	t += tlen("Side stretch") + PAUSE;
	next_speech(&tl, &i, ROLE_FIRST_SIDE, "Left side.", t);
	t += tlen("Left side.") + PAUSE;
	S = check_countin(&tl, &i, t);
	next_speech(&tl, &i, ROLE_BEGIN, "Begin.", S);
	next_speech(&tl, &i, ROLE_LAST, "Last one.", S + MS(5000));
	t = S + MS(10000);
	next_speech(&tl, &i, ROLE_SWITCH, "Switch sides.", t);
	sw = find(&tl, 0, ROLE_SWITCH, -1);
	ck_assert_int_eq(tl.steps[2].at, t);
	ck_assert_int_eq(tl.cues[sw].step, 2);
	/* switch_ms (3 s) from the end of "Switch sides." */
	S2 = check_countin(&tl, &i, t + tlen("Switch sides.") + MS(3000));
	next_speech(&tl, &i, ROLE_BEGIN, "Begin.", S2);
	next_speech(&tl, &i, ROLE_LAST, "Last one.", S2 + MS(5000));
	next_speech(&tl, &i, ROLE_RELEASE, "And release.", S2 + MS(10000));
	ck_assert_int_eq(count_role(&tl, ROLE_SWITCH), 1);
	ck_assert_int_eq(count_role(&tl, ROLE_RELEASE), 1);
	/* 60 bpm: 10 beats per side, none in the switch. */
	ck_assert_int_eq(count_role(&tl, ROLE_BEAT), 20);
	for (size_t j = 0; j < tl.n_cues; j++)
		if (tl.cues[j].role == ROLE_BEAT)
			ck_assert((tl.cues[j].at >= S && tl.cues[j].at < S + MS(10000)) ||
				  (tl.cues[j].at >= S2 && tl.cues[j].at < S2 + MS(10000)));
	ck_assert_int_eq(timeline_step_at(&tl, S2 - 1), 2);
	ck_assert_int_eq(timeline_step_at(&tl, t - 1), 1);
	ck_assert_int_eq(timeline_step_at(&tl, 0), 0);
	ck_assert_int_eq(timeline_step_at(&tl, tl.length), 3);
	timeline_free(&tl);
}
END_TEST

START_TEST(equipment_skip)
{
	struct fix f;
	struct timeline tl;
	int k;

	fix_init(&f);
	f.r.intro = (char *)"Time for a break.";
	fix_order(&f, 4, 3, 1, 4, 3);
	compile_ok(&f, false, &tl);
	ck_assert_int_eq(count_role(&tl, ROLE_SKIPPED), 1);
	k = find(&tl, 0, ROLE_SKIPPED, -1);
	ck_assert_str_eq(tl.cues[k].text,
			 "Skipping Chair twist and Wall slide: you have not got the equipment.");
	/* After the intro, in the intro step. */
	ck_assert_int_eq(tl.cues[k].step, 0);
	ck_assert_int_lt(find(&tl, 0, ROLE_INTRO, -1), k);
	ck_assert_uint_eq(tl.skipped_equipment, 1u << EQ_CHAIR | 1u << EQ_WALL);
	/* Only the plank is left: no rest, one announce. */
	ck_assert_int_eq(count_role(&tl, ROLE_ANNOUNCE), 1);
	ck_assert_int_eq(count_role(&tl, ROLE_REST), 0);
	for (size_t i = 0; i < tl.n_steps; i++)
		ck_assert(tl.steps[i].exercise == -1 || tl.steps[i].exercise == 1);
	timeline_free(&tl);

	/* Three skipped: "a, b and c". */
	f.ex[1].equipment = 1u << EQ_BALL;
	fix_order(&f, 3, 3, 1, 4);
	compile_ok(&f, false, &tl);
	k = find(&tl, 0, ROLE_SKIPPED, -1);
	ck_assert_str_eq(tl.cues[k].text, "Skipping Chair twist, Plank and Wall slide: "
					  "you have not got the equipment.");
	ck_assert_int_eq(count_role(&tl, ROLE_ANNOUNCE), 0);
	ck_assert_int_eq(count_role(&tl, ROLE_INTRO), 1);
	ck_assert_uint_eq(tl.n_steps, 2); /* intro, outro */
	timeline_free(&tl);
}
END_TEST

START_TEST(rest_between)
{
	struct fix f;
	struct timeline tl;
	int k, a;

	fix_init(&f);
	f.ex[0].prepare = (char *)"Get on the floor.";
	fix_order(&f, 3, 1, 0, 1);
	compile_ok(&f, false, &tl);
	ck_assert_int_eq(count_role(&tl, ROLE_REST), 2);
	ck_assert_uint_eq(tl.n_steps, 7);
	ck_assert_str_eq(tl.steps[2].name, "Rest");
	ck_assert_str_eq(tl.steps[3].name, "Cat cow");
	ck_assert_str_eq(tl.steps[4].name, "Rest");
	ck_assert_str_eq(tl.steps[6].name, "Outro");
	k = find(&tl, 0, ROLE_REST, -1);
	ck_assert_str_eq(tl.cues[k].text, "Rest.");
	ck_assert_int_eq(tl.cues[k].at, tl.steps[2].at);
	ck_assert_int_eq(tl.cues[k - 1].role, ROLE_RELEASE);
	ck_assert_int_eq(tl.cues[k].at,
			 tl.cues[k - 1].at + tl.cues[k - 1].len + PAUSE);
	/* Then what comes next, with its prepare words, in the rest... */
	ck_assert_int_eq(tl.cues[k + 1].role, ROLE_NEXT);
	ck_assert_str_eq(tl.cues[k + 1].text, "Next: Cat cow. Get on the floor.");
	ck_assert_int_eq(tl.cues[k + 1].at, tl.cues[k].at + tlen("Rest.") + PAUSE);
	ck_assert_int_eq(tl.cues[k + 1].step, 2);
	/* ...and rest_ms (10 s) from its end to the exercise's title. */
	a = find(&tl, (size_t)k, ROLE_ANNOUNCE, -1);
	ck_assert_int_eq(tl.cues[a].at, tl.cues[k + 1].at + tl.cues[k + 1].len + MS(10000));
	ck_assert_int_eq(tl.cues[a].at, tl.steps[3].at);
	/* The second rest names the plank, which has no prepare words. */
	k = find(&tl, (size_t)k + 2, ROLE_NEXT, -1);
	ck_assert_str_eq(tl.cues[k].text, "Next: Plank.");
	ck_assert_int_eq(tl.cues[k].step, 4);
	ck_assert_int_eq(count_role(&tl, ROLE_NEXT), 2);
	timeline_free(&tl);

	/* With no rest time, a pause still parts "Next: ..." from the title. */
	f.r.rest_ms = 0;
	compile_ok(&f, false, &tl);
	k = find(&tl, 0, ROLE_NEXT, -1);
	a = find(&tl, (size_t)k, ROLE_ANNOUNCE, -1);
	ck_assert_int_eq(tl.cues[a].at, tl.cues[k].at + tl.cues[k].len + PAUSE);
	/* No rest after the last exercise: release, then the end chime. */
	k = find(&tl, 0, ROLE_CHIME_END, -1);
	ck_assert_int_eq(tl.cues[k - 1].role, ROLE_RELEASE);
	timeline_free(&tl);
}
END_TEST

START_TEST(notice_and_chimes)
{
	struct fix f;
	struct timeline tl;
	int64_t t;

	fix_init(&f);
	f.r.intro = (char *)"Hello.";
	f.r.outro = (char *)"Well done.";
	fix_order(&f, 1, 1);
	compile_ok(&f, true, &tl);
	speech(&tl, 0, ROLE_NOTICE, "Stop if anything hurts.", 0);
	t = tlen("Stop if anything hurts.") + NOTICE_PAUSE;
	ck_assert_int_eq(tl.cues[1].role, ROLE_CHIME_START);
	ck_assert_int_eq(tl.cues[1].at, t);
	ck_assert_int_eq(tl.cues[2].role, ROLE_CHIME_START);
	speech(&tl, 3, ROLE_INTRO, "Hello.", t + CHIME_START_END + PAUSE);
	ck_assert_int_eq(tl.cues[tl.n_cues - 1].role, ROLE_CHIME_END);
	ck_assert_int_eq(tl.cues[tl.n_cues - 2].role, ROLE_CHIME_END);
	ck_assert_int_eq(tl.cues[tl.n_cues - 3].role, ROLE_OUTRO);
	ck_assert_str_eq(tl.cues[tl.n_cues - 3].text, "Well done.");
	ck_assert_int_eq(tl.cues[tl.n_cues - 2].at,
			 tl.cues[tl.n_cues - 3].at + tlen("Well done.") + PAUSE);
	ck_assert_str_eq(tl.steps[tl.n_steps - 1].name, "Outro");
	ck_assert_int_eq(tl.steps[tl.n_steps - 1].at, tl.cues[tl.n_cues - 3].at);
	timeline_free(&tl);

	/* Without the notice the start chime comes first. */
	compile_ok(&f, false, &tl);
	ck_assert_int_eq(tl.cues[0].role, ROLE_CHIME_START);
	ck_assert_int_eq(tl.cues[0].at, 0);
	ck_assert_int_eq(count_role(&tl, ROLE_NOTICE), 0);
	timeline_free(&tl);
}
END_TEST

/* Beats at exact positions (no drift) from the begin of each side to the
 * end of its last rep, accent every 4th, exercise bpm over the default. */
START_TEST(metronome)
{
	struct fix f;
	struct timeline tl;
	int64_t S, end, k = 0;
	int b;

	fix_init(&f);
	f.cfg.metronome.bpm = 60;
	f.ex[1].bpm = 77; /* 17181.8 samples per beat */
	fix_order(&f, 1, 1);
	compile_ok(&f, false, &tl);
	S = tl.cues[find(&tl, 0, ROLE_BEGIN, -1)].at;
	end = tl.cues[find(&tl, 0, ROLE_RELEASE, -1)].at;
	ck_assert_int_eq(end, S + MS(60000));
	for (size_t i = 0; i < tl.n_cues; i++) {
		const struct cue *c = &tl.cues[i];

		if (c->role != ROLE_BEAT)
			continue;
		ck_assert_int_eq(c->kind, CUE_CLICK);
		ck_assert_int_eq(c->at, S + (k * 60 * BC_RATE * 2 + 77) / (2 * 77));
		ck_assert_int_eq(c->accent, k % 4 == 0);
		k++;
	}
	ck_assert_int_eq(k, 77); /* beats 0..76 in 60 s */
	/* Beat 76 is exactly 76 * 60/77 s after the begin. */
	b = find(&tl, 0, ROLE_BEAT, -1);
	ck_assert_int_eq(tl.cues[b].at, S);
	timeline_free(&tl);

	/* Tempo 0 everywhere: no beats. */
	f.ex[1].bpm = 0;
	f.cfg.metronome.bpm = 0;
	compile_ok(&f, false, &tl);
	ck_assert_int_eq(count_role(&tl, ROLE_BEAT), 0);
	timeline_free(&tl);
}
END_TEST

/* Texts at one instant are joined into one cue; a phase is never
 * lengthened: "Begin." and the count are left out where they do not fit,
 * and words that cannot fit are a misfit. */
struct misfits {
	struct misfit first;
	char *text;
	char msg[512];    /* the first's message */
	char *lost[8];    /* each one's lost opening, or NULL */
	int n;
};

static void collect(void *ctx, const struct misfit *m)
{
	struct misfits *mf = ctx;

	if (mf->n < 8)
		mf->lost[mf->n] = m->lost ? strdup(m->lost) : NULL;
	if (!mf->n++) {
		mf->first = *m;
		mf->text = strdup(m->text);
		routine_misfit_message(m, mf->msg, sizeof(mf->msg));
	}
}

static void misfits_free(struct misfits *mf)
{
	free(mf->text);
	for (int i = 0; i < mf->n && i < 8; i++)
		free(mf->lost[i]);
	memset(mf, 0, sizeof(*mf));
}

/* The text of the first speech cue with role, or NULL. */
static const char *said(const struct timeline *tl, enum cue_role role)
{
	int i = find(tl, 0, role, CUE_SPEECH);

	return i < 0 ? NULL : tl->cues[i].text;
}

/* Counts never drop out silently: where "Begin.", a count or "Last one."
 * do not fit with a breath's words, the short forms stand in (the
 * language's begin_short and last_short, the plain breath words for the
 * exercise's own); where none fits, the opening is left out and reported
 * as a misfit naming it. */
START_TEST(opening_fallbacks)
{
	struct fix f;
	struct timeline tl;
	struct misfits m = { 0 };
	struct compile_opts o = { .misfit = collect, .misfit_ctx = &m };
	char err[512];

	fix_init(&f);
	f.lang.phrase[PH_BEGIN_SHORT] = (char *)"Go.";
	f.lang.phrase[PH_LAST_SHORT] = (char *)"Last.";
	fix_order(&f, 1, 5);
	/* Room for 23 characters: "Begin. Lift. Breathe in." (24) and
	 * "Last one. Lift. Breathe in." (27) do not fit, their short forms
	 * do; "2. Lift. Breathe in." fits whole. */
	f.breaths[B_SLOW].ms[BP_INHALE] = 1350;
	ck_assert_int_eq(routine_compile(&f.cfg, 0, &o, measure, NULL, &tl, err,
					 sizeof(err)), 0);
	ck_assert_int_eq(m.n, 0);
	ck_assert_str_eq(said(&tl, ROLE_BEGIN), "Go. Lift. Breathe in.");
	ck_assert_str_eq(said(&tl, ROLE_COUNT), "2. Lift. Breathe in.");
	ck_assert_str_eq(said(&tl, ROLE_LAST), "Last. Lift. Breathe in.");
	check_invariants(&tl);
	timeline_free(&tl);

	/* The exercise's own words give way to the language's plain ones
	 * for the opening's sake, only where they must. */
	f.ex[5].rep_cue = NULL;
	f.ex[5].say[BP_INHALE] = (char *)"Breathe in, arms up.";
	ck_assert_int_eq(routine_compile(&f.cfg, 0, &o, measure, NULL, &tl, err,
					 sizeof(err)), 0);
	ck_assert_int_eq(m.n, 0);
	ck_assert_str_eq(said(&tl, ROLE_BEGIN), "Begin. Breathe in.");
	ck_assert_str_eq(said(&tl, ROLE_COUNT), "2. Breathe in, arms up.");
	ck_assert_str_eq(said(&tl, ROLE_LAST), "Last one. Breathe in.");
	timeline_free(&tl);

	/* Room for 17: "Lift. Breathe in." alone. Every opening is left out,
	 * and each is reported: FILE:LINE of the words, the cue, the phase. */
	f.ex[5].rep_cue = (char *)"Lift";
	f.ex[5].say[BP_INHALE] = NULL;
	f.ex[5].rep_cue_at = (struct origin){ "my.ini", 42 };
	f.breaths[B_SLOW].ms[BP_INHALE] = 1100;
	ck_assert_int_eq(routine_compile(&f.cfg, 0, &o, measure, NULL, &tl, err,
					 sizeof(err)), 0);
	ck_assert_int_eq(m.n, 3);
	ck_assert_str_eq(m.lost[0], "Begin.");
	ck_assert_str_eq(m.lost[1], "2.");
	ck_assert_str_eq(m.lost[2], "Last one.");
	ck_assert_str_eq(m.msg, "my.ini:42: exercise lift, inhale: \"Begin.\" is left out: "
			 "with it, \"Go. Lift. Breathe in.\" takes 0.95 s to say, and the "
			 "phase lasts 1.10 s with 0.30 s of quiet after the words: shorten "
			 "them, or speak faster ([coach] rate)");
	ck_assert_int_eq(count_role(&tl, ROLE_BEGIN) + count_role(&tl, ROLE_COUNT) +
			 count_role(&tl, ROLE_LAST), 0);
	ck_assert_int_eq(count_role(&tl, ROLE_REP_CUE), 3);
	misfits_free(&m);
	timeline_free(&tl);
	/* A session (no misfit handler) goes on without them. */
	ck_assert_int_eq(routine_compile(&f.cfg, 0, &(struct compile_opts){ 0 }, measure,
					 NULL, &tl, err, sizeof(err)), 0);
	ck_assert_int_eq(count_role(&tl, ROLE_REP_CUE), 3);
	timeline_free(&tl);
}
END_TEST

/* In a hold cued by tones only, a rep cue that leaves "Begin." no room
 * waits for the next phase. */
START_TEST(rep_cue_waits)
{
	struct fix f;
	struct timeline tl;
	struct misfits m = { 0 };
	struct compile_opts o = { .misfit = collect, .misfit_ctx = &m };
	const char *cue = "Lift your chest and arch your back.";
	char err[512];
	int b, rc;

	fix_init(&f);
	fix_order(&f, 1, 5);
	f.breaths[B_TONE].ms[BP_INHALE] = 2000;
	f.breaths[B_TONE].ms[BP_HOLD] = 0;
	f.breaths[B_TONE].ms[BP_EXHALE] = 2000;
	f.ex[5].breath = B_TONE;
	f.ex[5].reps = 1;
	f.ex[5].hold_ms = 8000;
	f.ex[5].rep_cue = (char *)cue;
	ck_assert_int_eq(routine_compile(&f.cfg, 0, &o, measure, NULL, &tl, err,
					 sizeof(err)), 0);
	ck_assert_int_eq(m.n, 0);
	b = find(&tl, 0, ROLE_BEGIN, CUE_SPEECH);
	rc = find(&tl, 0, ROLE_REP_CUE, CUE_SPEECH);
	ck_assert_int_ge(b, 0);
	ck_assert_int_ge(rc, 0);
	ck_assert_str_eq(tl.cues[b].text, "Begin.");
	ck_assert_str_eq(tl.cues[rc].text, cue);
	ck_assert_int_eq(tl.cues[rc].at, tl.cues[b].at + MS(2000));
	ck_assert_int_eq(count_role(&tl, ROLE_REP_CUE), 1);
	check_invariants(&tl);
	timeline_free(&tl);
	/* With room for both, they are said together. */
	f.breaths[B_TONE].ms[BP_INHALE] = 3000;
	compile_ok(&f, false, &tl);
	ck_assert_str_eq(said(&tl, ROLE_BEGIN), "Begin. Lift your chest and arch your back.");
	ck_assert_int_eq(count_role(&tl, ROLE_REP_CUE), 0);
	timeline_free(&tl);
}
END_TEST

/* [coach] fade_after: where tones carry the breath, its words are said in
 * the first N cycles, then every fourth; the counts go on. */
START_TEST(words_fade)
{
	struct fix f;
	struct timeline tl;
	const char *want[8] = { "Begin. Breathe in.", "2. Breathe in.", "3. Breathe in.",
				"4.", "Halfway.", "6.", "7. Breathe in.", "Last one." };
	int n_out = 0, tones = 0;

	fix_init(&f);
	fix_order(&f, 1, 0);
	f.ex[0].reps = 8;
	f.cfg.coach.fade_after = 3;
	compile_ok(&f, false, &tl);
	for (int k = 0, i = find(&tl, 0, ROLE_BEGIN, CUE_SPEECH); k < 8; k++) {
		ck_assert_int_ge(i, 0);
		ck_assert_str_eq(tl.cues[i].text, want[k]);
		i = find(&tl, (size_t)i + 1, k + 1 == 4 ? ROLE_HALFWAY : k + 1 == 7 ? ROLE_LAST
				 : ROLE_COUNT, CUE_SPEECH);
	}
	for (size_t i = 0; i < tl.n_cues; i++) {
		n_out += tl.cues[i].kind == CUE_SPEECH && tl.cues[i].text &&
			 strcmp(tl.cues[i].text, "Breathe out.") == 0;
		tones += tl.cues[i].kind == CUE_TONE && tl.cues[i].role == ROLE_BREATH;
	}
	ck_assert_int_eq(n_out, 4); /* cycles 1, 2, 3 and 7 */
	ck_assert_int_eq(tones, 16); /* every phase */
	timeline_free(&tl);

	/* 0: never. */
	f.cfg.coach.fade_after = 0;
	compile_ok(&f, false, &tl);
	ck_assert_str_eq(said(&tl, ROLE_HALFWAY), "Halfway. Breathe in.");
	timeline_free(&tl);
	/* Words with no tones to carry the breath stay. */
	f.cfg.coach.fade_after = 1;
	f.breaths[B_SLOW].via[BP_INHALE] = VIA_VOICE;
	compile_ok(&f, false, &tl);
	ck_assert_str_eq(said(&tl, ROLE_HALFWAY), "Halfway. Breathe in.");
	n_out = 0;
	for (size_t i = 0; i < tl.n_cues; i++)
		n_out += tl.cues[i].kind == CUE_SPEECH && tl.cues[i].text &&
			 strcmp(tl.cues[i].text, "Breathe out.") == 0;
	ck_assert_int_eq(n_out, 2); /* cycles 1 and 5 */
	timeline_free(&tl);
}
END_TEST

/* One way of guiding per routine, or the change said: an exercise whose
 * breath is cued by voice alone, after one cued with tones, says so. */
START_TEST(no_tones_said)
{
	struct fix f;
	struct timeline tl;
	int n, ti;

	fix_init(&f);
	f.lang.phrase[PH_NO_TONES] = (char *)"No tones now.";
	f.ex[5].breath = B_BOX;
	f.ex[5].reps = 1;
	f.ex[5].rep_cue = NULL;
	fix_order(&f, 2, 0, 5);
	compile_ok(&f, false, &tl);
	n = find(&tl, 0, ROLE_TONES, CUE_SPEECH);
	ck_assert_int_ge(n, 0);
	ck_assert_str_eq(tl.cues[n].text, "No tones now.");
	ck_assert_int_eq(tl.steps[tl.cues[n].step].exercise, 5);
	ti = find(&tl, 0, ROLE_ANNOUNCE, CUE_SPEECH);
	ti = find(&tl, (size_t)ti + 1, ROLE_ANNOUNCE, CUE_SPEECH);
	ck_assert_int_lt(tl.cues[ti].at, tl.cues[n].at);
	ck_assert_int_lt(tl.cues[n].at, tl.cues[find(&tl, (size_t)n, ROLE_GET_READY, -1)].at);
	ck_assert_int_eq(count_role(&tl, ROLE_TONES), 1);
	timeline_free(&tl);
	/* Voice first, tones after: nothing changed that needs saying. */
	fix_order(&f, 2, 5, 0);
	compile_ok(&f, false, &tl);
	ck_assert_int_eq(count_role(&tl, ROLE_TONES), 0);
	timeline_free(&tl);
}
END_TEST

/* reps = 0: a movement, a step of its own with no count-in and no rest
 * before it; the risks of its equipment told first, when due, once. */
START_TEST(movement_and_risks)
{
	struct fix f;
	struct timeline tl;
	struct compile_opts o = { .risks = 1u << EQ_FLOOR };
	int64_t t;
	int st = -1, n, ti, se, rel;
	unsigned risks;
	char err[256];

	fix_init(&f);
	f.lang.phrase[PH_NOTICE_FLOOR] = (char *)"Mind the floor.";
	f.ex[3].reps = 0;
	f.ex[3].title = (char *)"Down";
	f.ex[3].setup = (char *)"Kneel down.";
	f.ex[3].setup_ms = 4000;
	f.ex[3].release = (char *)"Good.";
	f.ex[3].equipment = 1u << EQ_FLOOR;
	f.ex[4].equipment = 1u << EQ_FLOOR;
	f.ex[4].reps = 1;
	f.ex[4].hold_ms = 3000;
	fix_order(&f, 4, 1, 3, 4, 3);
	ck_assert_uint_eq(routine_risks(&f.cfg, 0), 1u << EQ_FLOOR);
	ck_assert_int_eq(routine_compile(&f.cfg, 0, &o, measure, NULL, &tl, err,
					 sizeof(err)), 0);
	check_invariants(&tl);
	for (size_t i = 0; i < tl.n_steps && st < 0; i++)
		if (tl.steps[i].exercise == 3)
			st = (int)i;
	ck_assert_int_gt(st, 0);
	/* No rest before it: the plank's release, then the movement. */
	ck_assert_int_eq(tl.steps[st - 1].exercise, 1);
	n = find(&tl, 0, ROLE_NOTICE, CUE_SPEECH);
	ck_assert_int_ge(n, 0);
	ck_assert_str_eq(tl.cues[n].text, "Mind the floor.");
	ck_assert_uint_eq(tl.cues[n].risk, 1u << EQ_FLOOR);
	ck_assert_int_eq(tl.cues[n].step, st);
	ck_assert_int_eq(tl.cues[n].at, tl.steps[st].at);
	ck_assert_int_eq(count_role(&tl, ROLE_NOTICE), 1); /* once */
	ti = find(&tl, (size_t)n, ROLE_ANNOUNCE, CUE_SPEECH);
	se = find(&tl, (size_t)n, ROLE_SETUP, CUE_SPEECH);
	rel = find(&tl, (size_t)n, ROLE_RELEASE, CUE_SPEECH);
	ck_assert_str_eq(tl.cues[ti].text, "Down");
	ck_assert_str_eq(tl.cues[se].text, "Kneel down.");
	ck_assert_str_eq(tl.cues[rel].text, "Good.");
	ck_assert_int_gt(tl.cues[ti].at, tl.cues[n].at + tl.cues[n].len);
	t = tl.cues[se].at + tl.cues[se].len + MS(4000);
	ck_assert_int_eq(tl.cues[rel].at, t);
	ck_assert_int_eq(tl.cues[rel].step, st);
	for (size_t i = 0; i < tl.n_cues; i++)
		if (tl.cues[i].step == st)
			ck_assert(tl.cues[i].role != ROLE_GET_READY &&
				  tl.cues[i].role != ROLE_COUNTDOWN && tl.cues[i].kind == CUE_SPEECH);
	/* The rest after it says what comes next. */
	ck_assert_int_eq(tl.steps[st + 1].exercise, -1);
	/* Heard: up to the note's end. */
	ck_assert(!timeline_notice_heard(&tl, tl.cues[n].at + tl.cues[n].len - 1, &risks));
	ck_assert(timeline_notice_heard(&tl, tl.cues[n].at + tl.cues[n].len, &risks));
	ck_assert_uint_eq(risks, 1u << EQ_FLOOR);
	timeline_free(&tl);

	/* Not due: not told. */
	o.risks = 0;
	ck_assert_int_eq(routine_compile(&f.cfg, 0, &o, measure, NULL, &tl, err,
					 sizeof(err)), 0);
	ck_assert_int_eq(count_role(&tl, ROLE_NOTICE), 0);
	ck_assert(!timeline_notice_heard(&tl, tl.length, &risks));
	timeline_free(&tl);
	/* The notice not heard: nothing is. */
	o.notice = true;
	o.risks = 1u << EQ_FLOOR;
	ck_assert_int_eq(routine_compile(&f.cfg, 0, &o, measure, NULL, &tl, err,
					 sizeof(err)), 0);
	ck_assert_int_eq(count_role(&tl, ROLE_NOTICE), 2);
	ck_assert(!timeline_notice_heard(&tl, tl.cues[0].len - 1, &risks));
	ck_assert(timeline_notice_heard(&tl, tl.cues[0].len, &risks));
	ck_assert_uint_eq(risks, 0);
	ck_assert(timeline_notice_heard(&tl, tl.length, &risks));
	ck_assert_uint_eq(risks, 1u << EQ_FLOOR);
	timeline_free(&tl);
}
END_TEST

START_TEST(joining_and_fitting)
{
	struct fix f;
	struct timeline tl;
	const struct cue *c;
	struct misfits m = { 0 };
	struct compile_opts o = { .misfit = collect, .misfit_ctx = &m };
	char err[512];
	int i, t;
	int64_t S, R, in = MS(3000);

	fix_init(&f);
	f.ex[5].say[BP_EXHALE] = (char *)"Lower slowly";
	fix_order(&f, 1, 5);
	compile_ok(&f, false, &tl);
	i = find(&tl, 0, ROLE_BEGIN, -1);
	S = tl.cues[i].at;
	c = speech(&tl, i, ROLE_BEGIN, "Begin. Lift. Breathe in.", S);
	ck_assert_int_eq(c->phase, BP_INHALE);
	t = find(&tl, 0, ROLE_BREATH, CUE_TONE);
	ck_assert_int_eq(tl.cues[t].len, in - TONE_GAP);
	i++;
	next_speech(&tl, &i, ROLE_BREATH, "Lower slowly", S + in);
	R = S + in + MS(4000);
	next_speech(&tl, &i, ROLE_COUNT, "2. Lift. Breathe in.", R);
	next_speech(&tl, &i, ROLE_BREATH, "Lower slowly", R + in);
	R += in + MS(4000);
	next_speech(&tl, &i, ROLE_LAST, "Last one. Lift. Breathe in.", R);
	timeline_free(&tl);

	/* 1.1 s in: "Lift. Breathe in." (0.77 s) and the gap fit, "Begin."
	 * and the counts do not; the phases keep their length. */
	f.breaths[B_SLOW].ms[BP_INHALE] = 1100;
	in = MS(1100);
	compile_ok(&f, false, &tl);
	i = find(&tl, 0, ROLE_REP_CUE, -1);
	S = tl.cues[i].at;
	speech(&tl, i, ROLE_REP_CUE, "Lift. Breathe in.", S);
	ck_assert_int_eq(count_role(&tl, ROLE_BEGIN), 0);
	ck_assert_int_eq(count_role(&tl, ROLE_COUNT), 0);
	ck_assert_int_eq(count_role(&tl, ROLE_LAST), 0);
	ck_assert_int_eq(count_role(&tl, ROLE_REP_CUE), 3);
	ck_assert_uint_eq(tl.n_phases, 6);
	for (size_t p = 0; p < tl.n_phases; p++)
		ck_assert_int_eq(tl.phases[p].len, p % 2 ? MS(4000) : in);
	ck_assert_int_eq(tl.cues[find(&tl, 0, ROLE_RELEASE, -1)].at, S + 3 * (in + MS(4000)));
	timeline_free(&tl);

	/* 0.5 s in: the words cannot fit. Without a misfit handler the
	 * compile fails, naming where the words are set, the exercise, the
	 * phase, and both lengths. */
	f.breaths[B_SLOW].ms[BP_INHALE] = 500;
	f.ex[5].rep_cue_at = (struct origin){ "my.ini", 42 };
	ck_assert_int_eq(routine_compile(&f.cfg, 0, &(struct compile_opts){ 0 },
					 measure, NULL, &tl, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "my.ini:42: exercise lift, inhale: \"Lift. Breathe in.\" "
			 "takes 0.77 s to say, and the phase lasts 0.50 s with 0.30 s of "
			 "quiet after the words: shorten them, or speak faster ([coach] rate)");
	/* With one, each is reported and the compile goes on without them. */
	ck_assert_int_eq(routine_compile(&f.cfg, 0, &o, measure, NULL, &tl, err,
					 sizeof(err)), 0);
	ck_assert_str_eq(m.text, "Lift. Breathe in.");
	ck_assert_str_eq(m.first.exercise, "lift");
	ck_assert_int_eq(m.first.phase, BP_INHALE);
	ck_assert_int_eq(m.first.cue_len, tlen("Lift. Breathe in."));
	ck_assert_int_eq(m.first.phase_len, MS(500));
	ck_assert_str_eq(m.first.at.file, "my.ini");
	ck_assert_int_eq(m.n, 3); /* one per rep */
	ck_assert_int_eq(count_role(&tl, ROLE_REP_CUE), 0);
	check_invariants(&tl);
	free(m.text);
	timeline_free(&tl);

	/* Without a rep cue, the words are the language's, set there. */
	f.ex[5].rep_cue = NULL;
	f.lang.phrase_at[PH_INHALE] = (struct origin){ "lang.ini", 7 };
	f.breaths[B_SLOW].ms[BP_INHALE] = 400;
	ck_assert_int_eq(routine_compile(&f.cfg, 0, &(struct compile_opts){ 0 }, measure,
					 NULL, &tl, err, sizeof(err)), -1);
	ck_assert_msg(strncmp(err, "lang.ini:7: exercise lift, inhale: \"Breathe in.\"", 48) == 0,
		      "%s", err);
	f.ex[5].say[BP_INHALE] = (char *)"Up.";
	f.ex[5].say_at[BP_INHALE] = (struct origin){ "ex.ini", 9 };
	f.ex[5].say[BP_EXHALE] = (char *)"Down, slowly and all the way.";
	f.breaths[B_SLOW].ms[BP_INHALE] = 3000;
	f.breaths[B_SLOW].ms[BP_EXHALE] = 1000;
	f.ex[5].say_at[BP_EXHALE] = (struct origin){ "ex.ini", 10 };
	ck_assert_int_eq(routine_compile(&f.cfg, 0, &(struct compile_opts){ 0 }, measure,
					 NULL, &tl, err, sizeof(err)), -1);
	ck_assert_msg(strncmp(err, "ex.ini:10: exercise lift, exhale:", 33) == 0, "%s", err);

	/* Halfway replaces the count at the middle rep of 4 or more; a rep
	 * with no hold and no breath pattern still fits its speech. */
	f.ex[5].reps = 5;
	f.ex[5].breath = -1;
	f.ex[5].rep_cue = (char *)"Lift your arms slowly as high as they comfortably go, then lower them again";
	compile_ok(&f, false, &tl);
	i = find(&tl, 0, ROLE_BEGIN, -1);
	ck_assert_str_eq(tl.cues[i].text,
			 "Begin. Lift your arms slowly as high as they comfortably go, then lower them again");
	R = tl.cues[i].at + tl.cues[i].len + MIN_GAP;
	i++;
	next_speech(&tl, &i, ROLE_COUNT, "2. Lift your arms slowly as high as they comfortably go, then lower them again", R);
	R += tlen("2. Lift your arms slowly as high as they comfortably go, then lower them again") + MIN_GAP;
	next_speech(&tl, &i, ROLE_HALFWAY, "Halfway. Lift your arms slowly as high as they comfortably go, then lower them again", R);
	ck_assert_int_eq(count_role(&tl, ROLE_COUNT), 2);
	ck_assert_int_eq(count_role(&tl, ROLE_LAST), 1);
	timeline_free(&tl);
}
END_TEST

/* metronome = breath: beats subdivide each phase (about 1 s apart), the
 * first accented on the phase start; off: none; default: the tempo. */
START_TEST(breath_metronome)
{
	struct fix f;
	struct timeline tl;
	size_t beats = 0, accents = 0;

	fix_init(&f);
	f.cfg.metronome.bpm = 90;
	f.breaths[B_SLOW].ms[BP_EXHALE] = 4600; /* 5 beats of 920 ms */
	f.ex[0].metronome = METRO_BREATH;
	fix_order(&f, 1, 0);
	compile_ok(&f, false, &tl);
	for (size_t i = 0; i < tl.n_cues; i++) {
		const struct cue *c = &tl.cues[i];
		bool ok = false;

		if (c->role != ROLE_BEAT)
			continue;
		beats++;
		accents += c->accent;
		for (size_t p = 0; p < tl.n_phases && !ok; p++) {
			const struct phase *ph = &tl.phases[p];
			int64_t n = ph->phase == BP_INHALE ? 3 : 5;

			for (int64_t j = 0; j < n; j++)
				if (c->at == ph->at + j * ph->len / n) {
					ok = true;
					ck_assert_int_eq(c->accent, j == 0);
				}
		}
		ck_assert_msg(ok, "beat at %lld off the phases", (long long)c->at);
	}
	ck_assert_uint_eq(beats, 2 * (3 + 5));
	ck_assert_uint_eq(accents, 4);
	timeline_free(&tl);

	f.ex[0].metronome = METRO_OFF;
	compile_ok(&f, false, &tl);
	ck_assert_int_eq(count_role(&tl, ROLE_BEAT), 0);
	timeline_free(&tl);
}
END_TEST

/* Per-exercise words for the first side, the switch and the exit, with
 * the language's as fallback; what to keep within reach, only when the
 * exercise is played; the tones explained when asked. */
START_TEST(own_words)
{
	struct fix f;
	struct timeline tl;

	fix_init(&f);
	f.lang.phrase[PH_WITHIN_REACH] = (char *)"Keep {list} within reach.";
	f.lang.phrase[PH_TONES] = (char *)"Rising tone: breathe in.";
	f.ex[2].first_side = (char *)"Left hand first.";
	f.ex[2].switch_text = (char *)"Now the right hand.";
	f.ex[2].release = (char *)"Let go.";
	f.ex[2].bring = (char *)"a strap";
	f.ex[3].bring = (char *)"a chair"; /* not owned: skipped */
	f.ex[1].bring = (char *)"a strap";
	fix_order(&f, 4, 2, 3, 1, 0);
	compile_ok(&f, false, &tl);
	ck_assert_str_eq(tl.cues[find(&tl, 0, ROLE_FIRST_SIDE, -1)].text, "Left hand first.");
	ck_assert_str_eq(tl.cues[find(&tl, 0, ROLE_SWITCH, -1)].text, "Now the right hand.");
	ck_assert_str_eq(tl.cues[find(&tl, 0, ROLE_RELEASE, -1)].text, "Let go.");
	/* The others fall back to the language's. */
	ck_assert_str_eq(tl.cues[find(&tl, (size_t)find(&tl, 0, ROLE_RELEASE, -1) + 1,
				      ROLE_RELEASE, -1)].text, "And release.");
	ck_assert_int_eq(count_role(&tl, ROLE_WITHIN_REACH), 1);
	ck_assert_str_eq(tl.cues[find(&tl, 0, ROLE_WITHIN_REACH, -1)].text,
			 "Keep a strap within reach.");
	ck_assert_int_eq(tl.cues[find(&tl, 0, ROLE_WITHIN_REACH, -1)].step, 0);
	ck_assert_int_eq(count_role(&tl, ROLE_TONES), 0);
	timeline_free(&tl);

	/* The tones explained (a first session), only if tones are played. */
	f.breaths[B_SLOW].via[BP_INHALE] = VIA_TONE;
	ck_assert_int_eq(routine_compile(&f.cfg, 0, &(struct compile_opts){ .tones = true },
					 measure, NULL, &tl, (char[256]){ 0 }, 256), 0);
	ck_assert_int_eq(count_role(&tl, ROLE_TONES), 1);
	ck_assert_int_lt(tl.cues[find(&tl, 0, ROLE_TONES, -1)].at,
			 tl.cues[find(&tl, 0, ROLE_ANNOUNCE, -1)].at);
	timeline_free(&tl);
	fix_order(&f, 1, 1); /* a plank, no breath, no beats: nothing to explain */
	ck_assert_int_eq(routine_compile(&f.cfg, 0, &(struct compile_opts){ .tones = true },
					 measure, NULL, &tl, (char[256]){ 0 }, 256), 0);
	ck_assert_int_eq(count_role(&tl, ROLE_TONES), 0);
	ck_assert_int_eq(count_role(&tl, ROLE_WITHIN_REACH), 1);
	timeline_free(&tl);
}
END_TEST

static bool same_timeline(const struct timeline *a, const struct timeline *b)
{
	if (a->n_cues != b->n_cues || a->n_steps != b->n_steps ||
	    a->length != b->length || a->skipped_equipment != b->skipped_equipment)
		return false;
	for (size_t i = 0; i < a->n_cues; i++) {
		struct cue x = a->cues[i], y = b->cues[i];

		if ((x.text == NULL) != (y.text == NULL) ||
		    (x.text && strcmp(x.text, y.text)))
			return false;
		x.text = y.text = NULL;
		if (x.at != y.at || x.len != y.len || x.kind != y.kind ||
		    x.role != y.role || x.step != y.step || x.phase != y.phase ||
		    x.f0 != y.f0 || x.f1 != y.f1 || x.gain != y.gain ||
		    x.accent != y.accent)
			return false;
	}
	for (size_t i = 0; i < a->n_steps; i++)
		if (a->steps[i].at != b->steps[i].at ||
		    strcmp(a->steps[i].name, b->steps[i].name) ||
		    a->steps[i].exercise != b->steps[i].exercise)
			return false;
	return true;
}

START_TEST(deterministic)
{
	struct fix f;
	struct timeline a, b;

	fix_init(&f);
	f.cfg.metronome.bpm = 90;
	f.r.intro = (char *)"Hello.";
	fix_order(&f, 5, 0, 1, 2, 3, 5);
	compile_ok(&f, true, &a);
	compile_ok(&f, true, &b);
	ck_assert(same_timeline(&a, &b));
	timeline_free(&a);
	timeline_free(&b);
}
END_TEST

START_TEST(measure_failure)
{
	struct fix f;
	struct timeline tl;
	struct compile_opts o = { 0 };
	struct meas m = { .fail_on = "Breathe out" };
	char err[256] = "";

	fix_init(&f);
	fix_order(&f, 2, 1, 0);
	ck_assert_int_eq(routine_compile(&f.cfg, 0, &o, measure, &m, &tl, err,
					 sizeof(err)), -1);
	ck_assert_str_eq(err, "routine desk, exercise cat-cow: cannot say \"Breathe out.\"");
	ck_assert_ptr_null(tl.cues);
	ck_assert_uint_eq(tl.n_cues, 0);
	timeline_free(&tl); /* harmless on a failed compile */

	m.fail_on = "Stop";
	ck_assert_int_eq(routine_compile(&f.cfg, 0, &(struct compile_opts){ .notice = true },
					 measure, &m, &tl, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "routine desk: cannot say \"Stop if anything hurts.\"");

	/* Bad input says what and where. */
	f.ex[0].reps = -1;
	ck_assert_int_eq(routine_compile(&f.cfg, 0, &o, measure, NULL, &tl, err,
					 sizeof(err)), -1);
	ck_assert_str_eq(err, "routine desk, exercise cat-cow: reps must be at least 0, not -1");
	ck_assert_int_eq(routine_compile(&f.cfg, 3, &o, measure, NULL, &tl, err,
					 sizeof(err)), -1);
	ck_assert_str_eq(err, "routine #3: no such routine");
}
END_TEST

START_TEST(empty_routine)
{
	struct fix f;
	struct timeline tl;

	fix_init(&f);
	fix_order(&f, 0);
	compile_ok(&f, false, &tl);
	ck_assert_uint_eq(tl.n_cues, 4); /* two notes in, two notes out */
	ck_assert_uint_eq(tl.n_steps, 2);
	timeline_free(&tl);

	f.r.intro = (char *)"Hello.";
	f.r.outro = (char *)"Bye.";
	compile_ok(&f, false, &tl);
	ck_assert_int_eq(count_role(&tl, ROLE_INTRO), 1);
	ck_assert_int_eq(count_role(&tl, ROLE_OUTRO), 1);
	timeline_free(&tl);
}
END_TEST

/* Many combinations of hold, breath, reps, sides and waits: the invariants
 * (no overlap, no gap > 15 s, sorted, chimes) hold for all. */
START_TEST(combinations)
{
	static const int64_t holds[] = { 0, 2000, 14000, 25000, 61000 };
	static const int64_t waits[] = { 0, 7000, 16000, 47000 };
	struct fix f;
	struct timeline tl;

	fix_init(&f);
	f.cfg.metronome.bpm = 100;
	for (size_t h = 0; h < 5; h++)
		for (int br = -1; br < 3; br++)
			for (size_t w = 0; w < 4; w++)
				for (int reps = 1; reps <= 4; reps += 3) {
					f.ex[2].hold_ms = holds[h];
					f.ex[2].breath = br;
					f.ex[2].reps = reps;
					f.ex[2].setup_ms = waits[w];
					f.ex[2].switch_ms = waits[3 - w];
					f.r.rest_ms = waits[w];
					fix_order(&f, 2, 2, 2);
					compile_ok(&f, w & 1, &tl);
					timeline_free(&tl);
				}
}
END_TEST

START_TEST(voice)
{
	struct fix f;
	struct speech_voice v;

	fix_init(&f);
	speech_voice_for(&f.cfg, 0, &v);
	ck_assert_str_eq(v.language, "en-us");
	ck_assert_str_eq(v.variant, "calm");
	ck_assert_int_eq(v.rate, 150);
	ck_assert_int_eq(v.pitch, 40);
	ck_assert_int_eq(v.range, 30);
	ck_assert_int_eq(v.volume, 100);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("routine");
	TCase *tc = tcase_create("compile");

	tcase_add_test(tc, reps_with_breath);
	tcase_add_test(tc, long_hold);
	tcase_add_test(tc, no_long_silence);
	tcase_add_test(tc, two_sides);
	tcase_add_test(tc, equipment_skip);
	tcase_add_test(tc, rest_between);
	tcase_add_test(tc, notice_and_chimes);
	tcase_add_test(tc, metronome);
	tcase_add_test(tc, joining_and_fitting);
	tcase_add_test(tc, breath_metronome);
	tcase_add_test(tc, own_words);
	tcase_add_test(tc, breath_hold);
	tcase_add_test(tc, deterministic);
	tcase_add_test(tc, measure_failure);
	tcase_add_test(tc, empty_routine);
	tcase_add_test(tc, combinations);
	tcase_add_test(tc, voice);
	tcase_add_test(tc, opening_fallbacks);
	tcase_add_test(tc, rep_cue_waits);
	tcase_add_test(tc, words_fade);
	tcase_add_test(tc, movement_and_risks);
	tcase_add_test(tc, no_tones_said);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run(suite());
}
