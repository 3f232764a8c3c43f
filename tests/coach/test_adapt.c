/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_adapt.c: the per-exercise record (exercise and feedback lines of the
 * day log), the adaptation rules over simulated days, the forms of the
 * library's exercises, and a compile that plays the plan: the form, the
 * exercise left out and the sentence that says so, the waits, the question. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "coach/adapt.h"
#include "coach/config.h"
#include "coach/routine.h"
#include "coach/statelog.h"
#include "testlib.h"
#include "base/util.h"

#define DAY 86400
#define T0 1767261600 /* 2026-01-01T10:00:00Z */

static struct config cfg;

static void load_cfg(void)
{
	setenv("TZ", "UTC", 1);
	ck_assert_int_eq(config_load(&cfg, NULL, NULL, stderr), 0);
}

static void unload_cfg(void)
{
	config_free(&cfg);
}

static struct slog_rec fb(int64_t t, const char *name, int what)
{
	struct slog_rec r = { .t = t, .kind = SLOG_FEEDBACK, .feedback = what };
	snprintf(r.routine, sizeof(r.routine), "%s", name);
	return r;
}

static struct slog_rec left_out(int64_t t, const char *name)
{
	struct slog_rec r = { .t = t, .kind = SLOG_LEFT_OUT };
	snprintf(r.routine, sizeof(r.routine), "%s", name);
	return r;
}

/* Play name done at t in the form the fold plans now. */
static void done(struct adapt *a, int64_t t, const char *name)
{
	const struct adapt_ex *x = adapt_find(a, name);
	adapt_event(a, name, t, AD_DONE, x ? x->level : 0);
}

static void stopped(struct adapt *a, int64_t t, const char *name)
{
	adapt_event(a, name, t, AD_STOPPED, ADAPT_FORM_UNKNOWN);
}

static int level(const struct adapt *a, const char *name)
{
	const struct adapt_ex *x = adapt_find(a, name);
	return x ? x->level : 0;
}

START_TEST(lines)
{
	struct slog_rec in[] = {
		left_out(T0, "foam-roller"), fb(T0 + 1, "x", SLOG_EASIER),
		fb(T0 + 4, "cat-cow", SLOG_HURT), fb(T0 + 5, "childs-pose", SLOG_GOOD),
		fb(T0 + 6, "childs-pose", SLOG_HARDER),
	};
	for (size_t i = 0; i < sizeof(in) / sizeof(*in); i++) {
		char buf[256];
		struct slog_rec out;
		size_t n = slog_format(&in[i], buf, sizeof(buf));

		ck_assert_int_eq(slog_parse(buf, n - 1, &out), 0);
		ck_assert_int_eq(out.kind, in[i].kind);
		ck_assert_int_eq(out.t, in[i].t);
		ck_assert_str_eq(out.routine, in[i].routine);
		ck_assert_int_eq(out.feedback, in[i].feedback);
	}
	{
		char buf[256];
		slog_format(&in[0], buf, sizeof(buf));
		ck_assert_str_eq(buf, "2026-01-01T10:00:00Z left-out foam-roller\n");
		slog_format(&in[2], buf, sizeof(buf));
		ck_assert_str_eq(buf, "2026-01-01T10:00:04Z feedback cat-cow hurt\n");
	}
	const char *bad[] = {
		"2026-01-01T10:00:00Z left-out",
		"2026-01-01T10:00:00Z feedback",
		"2026-01-01T10:00:00Z feedback cat-cow",
		"2026-01-01T10:00:00Z feedback cat-cow great",
		"2026-01-01T10:00:00Z feedback "
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa good",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct slog_rec r;
		ck_assert_msg(slog_parse(bad[i], strlen(bad[i]), &r) < 0, "%s", bad[i]);
	}
	/* The day log's exercise lines carry the form and the repeats. */
	struct slog_rec e = { .t = T0, .kind = SLOG_EXERCISE, .routine = "cat-cow",
			      .outcome = SLOG_EX_STOPPED, .secs = 12, .form = -1,
			      .form_set = true, .repeated = 2 }, o;
	char buf[256];
	size_t n = slog_format(&e, buf, sizeof(buf));
	ck_assert_str_eq(buf, "2026-01-01T10:00:00Z exercise cat-cow stopped heard=12 "
			      "form=-1 repeated=2\n");
	ck_assert_int_eq(slog_parse(buf, n - 1, &o), 0);
	ck_assert(o.form_set && o.form == -1 && o.repeated == 2 && o.secs == 12);
	const char *old_line = "2026-01-01T10:00:00Z exercise cat-cow done heard=12";
	ck_assert_int_eq(slog_parse(old_line, strlen(old_line), &o), 0);
	ck_assert(!o.form_set);
	/* Later fields are ignored. */
	struct slog_rec r;
	const char *later = "2026-01-01T10:00:00Z feedback cat-cow good why=x";
	ck_assert_int_eq(slog_parse(later, strlen(later), &r), 0);
}
END_TEST

START_TEST(forms)
{
	int cc = config_exercise(&cfg, "cat-cow"), cp = config_exercise(&cfg, "childs-pose");
	const struct exercise *e;
	int reps;
	int64_t hold;

	ck_assert_int_ge(cc, 0);
	ck_assert_int_ge(cp, 0);
	e = &cfg.exercises[cc];
	ck_assert_int_eq(adapt_max_level(&cfg, e), e->harder_reps - e->reps);
	adapt_form(&cfg, e, 0, &reps, &hold);
	ck_assert_int_eq(reps, e->reps);
	adapt_form(&cfg, e, 1, &reps, &hold);
	ck_assert_int_eq(reps, e->reps + 1);
	adapt_form(&cfg, e, 99, &reps, &hold);
	ck_assert_int_eq(reps, e->harder_reps);
	adapt_form(&cfg, e, ADAPT_EASIER, &reps, &hold);
	ck_assert_int_eq(reps, e->easier_reps);
	ck_assert_int_lt(e->easier_reps, e->reps);
	/* A hold paced by a breath pattern grows a breath cycle a step. */
	e = &cfg.exercises[cp];
	ck_assert_int_gt(e->harder_hold_ms, e->hold_ms);
	adapt_form(&cfg, e, 1, &reps, &hold);
	ck_assert_int_eq(reps, e->reps);
	ck_assert_int_eq(hold, e->hold_ms + 10000); /* steady: 5 s + 5 s */
	adapt_form(&cfg, e, 99, &reps, &hold);
	ck_assert_int_eq(hold, e->harder_hold_ms);
	adapt_form(&cfg, e, ADAPT_EASIER, &reps, &hold);
	ck_assert_int_lt(hold, e->hold_ms);
	/* Each of the nine has both forms, and they differ from today's; in
	 * German too, the same forms as the English, with a cue of its own. */
	const char *nine[] = { "chair-extension", "clasped-hands", "standing-extension",
			       "exercise-ball", "foam-roller", "seated-twist",
			       "childs-pose", "knees-to-chest", "cat-cow" };
	for (size_t i = 0; i < 9; i++) {
		char de[64];
		const struct exercise *en;
		int x = config_exercise(&cfg, nine[i]);

		snprintf(de, sizeof(de), "%s-de", nine[i]);
		for (int k = 0; k < 2; k++) {
			const char *name = k ? de : nine[i];

			ck_assert_int_ge(x = config_exercise(&cfg, name), 0);
			e = &cfg.exercises[x];
			ck_assert_msg(e->easier_reps < e->reps || e->easier_hold_ms < e->hold_ms,
				      "%s: no easier form", name);
			ck_assert_msg(adapt_max_level(&cfg, e) > 0, "%s: no harder form", name);
			ck_assert_msg(e->easier_cue != NULL, "%s: no easier_cue", name);
		}
		en = &cfg.exercises[config_exercise(&cfg, nine[i])];
		ck_assert_msg(e->easier_reps == en->easier_reps && e->harder_reps == en->harder_reps &&
				      e->easier_hold_ms == en->easier_hold_ms &&
				      e->harder_hold_ms == en->harder_hold_ms,
			      "%s: not the forms of %s", de, nine[i]);
		ck_assert_msg(strcmp(e->easier_cue, en->easier_cue) != 0, "%s: an English cue", de);
	}
}
END_TEST

/* Good on three separate days: one step; never two in a week; capped. */
START_TEST(progression)
{
	struct adapt a;
	int x = config_exercise(&cfg, "knees-to-chest");
	int max = adapt_max_level(&cfg, &cfg.exercises[x]);

	adapt_init(&a, &cfg);
	done(&a, T0, "knees-to-chest");
	done(&a, T0 + 3600, "knees-to-chest"); /* the same day: counts once */
	done(&a, T0 + DAY, "knees-to-chest");
	ck_assert_int_eq(level(&a, "knees-to-chest"), 0);
	done(&a, T0 + 2 * DAY, "knees-to-chest");
	ck_assert_int_eq(level(&a, "knees-to-chest"), 1);
	/* Three more good days within the week: no second step. */
	for (int d = 3; d <= 5; d++)
		done(&a, T0 + d * DAY, "knees-to-chest");
	ck_assert_int_eq(level(&a, "knees-to-chest"), 1);
	/* A week after the step: the next. */
	done(&a, T0 + 9 * DAY, "knees-to-chest");
	ck_assert_int_eq(level(&a, "knees-to-chest"), 2);
	/* Feedback good counts as a good day too. */
	for (int w = 2; w < 20; w++)
		for (int d = 0; d < 7; d++) {
			struct slog_rec r = fb(T0 + (7 * w + 3 + d) * DAY, "knees-to-chest",
					       SLOG_GOOD);
			adapt_add(&a, &r);
		}
	ck_assert_int_eq(level(&a, "knees-to-chest"), max); /* capped */

	/* harder: one step now, but still not two in a week. */
	struct adapt b;
	adapt_init(&b, &cfg);
	struct slog_rec r = fb(T0, "cat-cow", SLOG_HARDER);
	adapt_add(&b, &r);
	ck_assert_int_eq(level(&b, "cat-cow"), 1);
	r = fb(T0 + DAY, "cat-cow", SLOG_HARDER);
	adapt_add(&b, &r);
	ck_assert_int_eq(level(&b, "cat-cow"), 1);
	r = fb(T0 + 7 * DAY, "cat-cow", SLOG_HARDER);
	adapt_add(&b, &r);
	ck_assert_int_eq(level(&b, "cat-cow"), 2);
	adapt_free(&b);
	adapt_free(&a);
}
END_TEST

START_TEST(easier_and_stops)
{
	struct adapt a;
	struct slog_rec r;

	adapt_init(&a, &cfg);
	/* Stopped, done, stopped: not twice in a row. */
	stopped(&a, T0, "seated-twist");
	done(&a, T0 + DAY, "seated-twist");
	stopped(&a, T0 + 2 * DAY, "seated-twist");
	ck_assert_int_eq(level(&a, "seated-twist"), 0);
	/* Twice in a row: the easier form. */
	stopped(&a, T0 + 3 * DAY, "seated-twist");
	ck_assert_int_eq(level(&a, "seated-twist"), ADAPT_EASIER);
	/* Said easier: the easier form. */
	r = fb(T0, "cat-cow", SLOG_EASIER);
	adapt_add(&a, &r);
	ck_assert_int_eq(level(&a, "cat-cow"), ADAPT_EASIER);

	struct exercise_plan *plan = xcalloc(cfg.n_exercises, sizeof(*plan));
	int cc = config_exercise(&cfg, "cat-cow"), kc = config_exercise(&cfg, "knees-to-chest");
	adapt_plan(&a, &cfg, plan);
	ck_assert(plan[cc].easier);
	ck_assert_int_eq(plan[cc].reps, cfg.exercises[cc].easier_reps);
	ck_assert(!plan[cc].left_out);
	/* A new exercise (no record) starts at today's form. */
	ck_assert(!plan[kc].easier);
	ck_assert_int_eq(plan[kc].reps, cfg.exercises[kc].reps);
	ck_assert_int_eq(plan[kc].hold_ms, cfg.exercises[kc].hold_ms);
	/* Back up from easier: three good days. */
	for (int d = 1; d <= 3; d++)
		done(&a, T0 + d * DAY, "cat-cow");
	ck_assert_int_eq(level(&a, "cat-cow"), 0);
	free(plan);
	adapt_free(&a);
}
END_TEST

static int64_t measure(void *ctx, const char *text, char *err, size_t errlen)
{
	(void)ctx, (void)err, (void)errlen;
	return (int64_t)strlen(text) * 100; /* fast speech: every line fits */
}

static bool has_text(const struct timeline *tl, enum cue_role role, const char *sub)
{
	for (size_t i = 0; i < tl->n_cues; i++)
		if (tl->cues[i].role == role && tl->cues[i].text &&
		    (!sub || strstr(tl->cues[i].text, sub)))
			return true;
	return false;
}

static bool plays_exercise(const struct timeline *tl, int xi)
{
	for (size_t i = 0; i < tl->n_steps; i++)
		if (tl->steps[i].exercise == xi)
			return true;
	return false;
}

static int count_role(const struct timeline *tl, int xi, enum cue_role role)
{
	int n = 0;
	for (size_t i = 0; i < tl->n_cues; i++)
		if (tl->cues[i].role == role && tl->steps[tl->cues[i].step].exercise == xi)
			n++;
	return n;
}

/* Hurt: the exercise absent, the sentence present, once. */
START_TEST(hurt_path)
{
	struct adapt a;
	struct slog_rec r;
	struct exercise_plan *plan = xcalloc(cfg.n_exercises, sizeof(*plan));
	struct timeline tl;
	char err[256];
	int floor = config_routine(&cfg, "floor"), cc = config_exercise(&cfg, "cat-cow");
	struct compile_opts o = { .plan = plan };

	cfg.general.equipment |= 1u << EQ_FOAM_ROLLER;
	adapt_init(&a, &cfg);
	r = fb(T0, "cat-cow", SLOG_HURT);
	adapt_add(&a, &r);
	adapt_plan(&a, &cfg, plan);
	ck_assert(plan[cc].left_out && plan[cc].tell);
	ck_assert_int_eq(routine_compile(&cfg, floor, &o, measure, NULL, &tl, err, sizeof(err)), 0);
	ck_assert(!plays_exercise(&tl, cc));
	ck_assert(has_text(&tl, ROLE_LEFT_OUT, "left out Cat cow, as it hurt last time"));
	ck_assert(has_text(&tl, ROLE_LEFT_OUT, "backcoach feedback cat-cow good"));
	ck_assert(has_text(&tl, ROLE_LEFT_OUT, "have it checked"));
	timeline_free(&tl);
	/* Told: the next session leaves it out without a word. */
	r = left_out(T0 + 600, "cat-cow");
	adapt_add(&a, &r);
	adapt_plan(&a, &cfg, plan);
	ck_assert(plan[cc].left_out && !plan[cc].tell);
	ck_assert_int_eq(routine_compile(&cfg, floor, &o, measure, NULL, &tl, err, sizeof(err)), 0);
	ck_assert(!plays_exercise(&tl, cc));
	ck_assert(!has_text(&tl, ROLE_LEFT_OUT, NULL));
	timeline_free(&tl);
	/* good brings it back, in its easier form, with its easier cue. */
	r = fb(T0 + DAY, "cat-cow", SLOG_GOOD);
	adapt_add(&a, &r);
	adapt_plan(&a, &cfg, plan);
	ck_assert(!plan[cc].left_out && plan[cc].easier);
	ck_assert_int_eq(routine_compile(&cfg, floor, &o, measure, NULL, &tl, err, sizeof(err)), 0);
	ck_assert(plays_exercise(&tl, cc));
	ck_assert_int_eq(count_role(&tl, cc, ROLE_EASIER), 1);
	/* Each rep has its begin, count, halfway or last-one call. */
	ck_assert_int_eq(count_role(&tl, cc, ROLE_BEGIN) + count_role(&tl, cc, ROLE_COUNT) + count_role(&tl, cc, ROLE_HALFWAY) +
				 count_role(&tl, cc, ROLE_LAST),
			 cfg.exercises[cc].easier_reps);
	timeline_free(&tl);
	cfg.general.equipment &= ~(1u << EQ_FOAM_ROLLER);
	free(plan);
	adapt_free(&a);
}
END_TEST

/* Every routine of the library, in each language, compiles with each of
 * its exercises in its easier form (its easier_cue said, its reps played)
 * and in its harder form. */
START_TEST(library_forms)
{
	struct exercise_plan *plan = xcalloc(cfg.n_exercises, sizeof(*plan));
	struct compile_opts o = { .plan = plan };
	unsigned equipment = cfg.general.equipment;
	struct timeline tl;
	char err[256];
	int langs_easier[2] = { 0, 0 };

	cfg.general.equipment = ~0u;
	for (int easier = 0; easier < 2; easier++) {
		for (size_t x = 0; x < cfg.n_exercises; x++) {
			const struct exercise *e = &cfg.exercises[x];

			plan[x].level = easier ? ADAPT_EASIER : adapt_max_level(&cfg, e);
			plan[x].easier = easier && e->easier_cue;
			adapt_form(&cfg, e, plan[x].level, &plan[x].reps, &plan[x].hold_ms);
		}
		for (size_t r = 0; r < cfg.n_routines; r++) {
			ck_assert_msg(routine_compile(&cfg, (int)r, &o, measure, NULL, &tl, err,
						      sizeof(err)) == 0,
				      "%s: %s", cfg.routines[r].name, err);
			for (size_t x = 0; x < cfg.n_exercises; x++) {
				const struct exercise *e = &cfg.exercises[x];

				if (!plays_exercise(&tl, (int)x) || !e->easier_cue || e->reps == 0)
					continue;
				ck_assert_msg((count_role(&tl, (int)x, ROLE_EASIER) > 0) == easier,
					      "%s in %s: easier cue", e->name, cfg.routines[r].name);
				if (easier)
					langs_easier[strstr(e->name, "-de") != NULL]++;
			}
			timeline_free(&tl);
		}
	}
	/* Both languages were heard in their easier forms. */
	ck_assert_int_gt(langs_easier[0], 0);
	ck_assert_int_gt(langs_easier[1], 0);
	cfg.general.equipment = equipment;
	free(plan);
}
END_TEST

/* Waits where the place changes; the question after the last exercise. */
START_TEST(waits_and_ask)
{
	struct timeline tl;
	char err[256];
	int floor = config_routine(&cfg, "floor"), desk = config_routine(&cfg, "desk-break");
	struct compile_opts o = { .wait = true, .ask = true };

	cfg.general.equipment |= 1u << EQ_FOAM_ROLLER;
	ck_assert_int_eq(routine_compile(&cfg, floor, &o, measure, NULL, &tl, err, sizeof(err)), 0);
	/* Down to the floor (cat-cow first), fetching the roller, up to stand. */
	ck_assert_uint_eq(tl.n_waits, 3);
	for (size_t i = 0; i < tl.n_waits; i++) {
		int s = timeline_step_at(&tl, tl.waits[i]);
		ck_assert_str_eq(tl.steps[s].name, "Waiting for you");
		ck_assert_int_eq(tl.steps[s].exercise, -1);
		ck_assert_int_eq(tl.steps[s + 1].exercise >= 0, 1);
		ck_assert_int_gt(tl.steps[s + 1].at, tl.waits[i]);
	}
	ck_assert_str_eq(cfg.exercises[tl.steps[timeline_step_at(&tl, tl.waits[1]) + 1].exercise].name,
			 "foam-roller");
	ck_assert(has_text(&tl, ROLE_WAIT, "Press play when you're in position"));
	/* Nothing said over anything else. */
	for (size_t i = 0, last = SIZE_MAX; i < tl.n_cues; i++) {
		if (tl.cues[i].kind != CUE_SPEECH)
			continue;
		if (last != SIZE_MAX)
			ck_assert_msg(tl.cues[i].at >= tl.cues[last].at + tl.cues[last].len,
				      "\"%s\" overlaps \"%s\"", tl.cues[i].text,
				      tl.cues[last].text);
		last = i;
	}
	ck_assert_int_gt(tl.ask_end, tl.ask_at);
	ck_assert_int_eq(tl.ask_end - tl.ask_at, BC_MS_TO_SAMPLES(ROUTINE_ASK_WINDOW_MS));
	ck_assert(has_text(&tl, ROLE_ASK, "Press next if it all felt good"));
	ck_assert_str_eq(tl.steps[timeline_step_at(&tl, tl.ask_at)].name, "How it went");
	ck_assert_str_eq(tl.steps[timeline_step_at(&tl, tl.ask_end)].name, "Outro");
	timeline_free(&tl);
	/* The desk break moves from chair to standing: nothing to wait for. */
	ck_assert_int_eq(routine_compile(&cfg, desk, &o, measure, NULL, &tl, err, sizeof(err)), 0);
	ck_assert_uint_eq(tl.n_waits, 0);
	ck_assert(!has_text(&tl, ROLE_WAIT, NULL));
	timeline_free(&tl);
	/* No waits asked for (wait_at_most = 0): today's timeline. */
	o.wait = o.ask = false;
	ck_assert_int_eq(routine_compile(&cfg, floor, &o, measure, NULL, &tl, err, sizeof(err)), 0);
	ck_assert_uint_eq(tl.n_waits, 0);
	ck_assert_int_eq(tl.ask_end, 0);
	ck_assert(!has_text(&tl, ROLE_WAIT, NULL) && !has_text(&tl, ROLE_ASK, NULL));
	timeline_free(&tl);
	cfg.general.equipment &= ~(1u << EQ_FOAM_ROLLER);
}
END_TEST

/* The record file: torn and garbage lines are skipped, the rest folded. */
START_TEST(torn_and_garbage)
{
	char dir[] = "/tmp/test_adapt.XXXXXX", path[256];
	struct adapt a;
	int skipped = 0;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/day.log", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	static const char data[] = "2026-01-01T10:00:00Z feedback cat-cow hurt\n"
	      "\x01\x02garbage\xff\n"
	      "2026-01-01T10:01:00Z feedback foam-roller goo\n"
	      "2026-01-01T10:02:00Z session floor completed 6/6 skipped=0 exercised=300\n"
	      "2026-01-01T10:03:00Z exercise knees-to-chest stopped heard=12 form=0\n"
	      "2026-01-01T10:03:30Z exercise knees-to-chest stopped heard=12 form=0\n"
	      "2026-01-01T10:03:40Z exercise standing-extension done heard=30 form=2 repeated=1\n"
	      "2026-01-01T10:03:50Z exercise seated-twist done heard=30\n"
	      "2026-01-01T10:04:00Z feedback knees-to-chest\0good\n"
	      "2026-01-01T10:05:00Z feedback childs-pose harder";
	fwrite(data, 1, sizeof(data) - 1, f);
	fclose(f);
	adapt_init(&a, &cfg);
	ck_assert_int_eq(adapt_load(&a, path, &skipped), 0);
	ck_assert_int_eq(skipped, 4);
	ck_assert(adapt_find(&a, "cat-cow")->left_out);
	ck_assert_int_eq(level(&a, "knees-to-chest"), ADAPT_EASIER);
	ck_assert_int_eq(level(&a, "standing-extension"), 2);
	ck_assert_int_eq(adapt_find(&a, "standing-extension")->count[AD_REPEATED], 1);
	ck_assert_int_eq(adapt_find(&a, "standing-extension")->count[AD_DONE], 1);
	ck_assert_int_eq(level(&a, "seated-twist"), 0); /* no form=: as it was */
	ck_assert_ptr_null(adapt_find(&a, "foam-roller"));
	ck_assert_ptr_null(adapt_find(&a, "childs-pose")); /* torn: not taken */
	adapt_free(&a);
	unlink(path);
	rmdir(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("adapt");
	TCase *tc = tcase_create("adapt");

	tcase_add_checked_fixture(tc, load_cfg, unload_cfg);
	tcase_add_test(tc, lines);
	tcase_add_test(tc, forms);
	tcase_add_test(tc, progression);
	tcase_add_test(tc, easier_and_stops);
	tcase_add_test(tc, hurt_path);
	tcase_add_test(tc, library_forms);
	tcase_add_test(tc, waits_and_ask);
	tcase_add_test(tc, torn_and_garbage);
	suite_add_tcase(s, tc);
	return test_run(s);
}
