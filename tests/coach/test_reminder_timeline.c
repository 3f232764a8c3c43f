/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_reminder_timeline.c: a reminder's message, "Get ready.", countdown
 * and routine placed on one timeline, with made-up speech lengths. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "coach/reminder_timeline.h"
#include "testlib.h"

#define SAMPLES_PER_CHAR BC_MS_TO_SAMPLES(50)
#define GAP BC_MS_TO_SAMPLES(REMINDER_COUNTDOWN_GAP_MS)
#define SEC BC_MS_TO_SAMPLES(1000)

/* Speech lasts 50 ms a character; "FAIL" cannot be said. */
static int64_t fake_measure(void *ctx, const char *text, char *err,
			    size_t errlen)
{
	int *calls = ctx;

	(*calls)++;
	if (strcmp(text, "FAIL") == 0) {
		snprintf(err, errlen, "cannot say that");
		return -1;
	}
	return (int64_t)strlen(text) * SAMPLES_PER_CHAR;
}

static struct language lang(void)
{
	static char voice[] = "en", ready[] = "Get ready.", count[] = "{n}.";
	struct language l = { .voice = voice };

	l.phrase[PH_GET_READY] = ready;
	l.phrase[PH_COUNT_REP] = count;
	return l;
}

/* A routine of two steps and three cues (a tone without text). */
static struct timeline body(void)
{
	static struct cue cues[] = {
		{ .at = 0, .len = 1000, .kind = CUE_SPEECH, .role = ROLE_INTRO,
		  .step = 0, .text = "Welcome." },
		{ .at = 5000, .len = 500, .kind = CUE_TONE, .role = ROLE_CHIME_END,
		  .step = 1 },
		{ .at = 9000, .len = 2000, .kind = CUE_SPEECH, .role = ROLE_OUTRO,
		  .step = 1, .text = "Done." },
	};
	static struct step steps[] = {
		{ .at = 0, .name = "Intro", .exercise = -1 },
		{ .at = 4000, .name = "Cat cow", .exercise = 3 },
	};
	struct timeline tl = {
		.cues = cues, .n_cues = 3, .steps = steps, .n_steps = 2,
		.length = 12000, .routine = 2, .skipped_equipment = 4,
	};
	return tl;
}

START_TEST(message_only)
{
	struct language l = lang();
	struct timeline tl;
	int64_t body_at = -1;
	int calls = 0;
	char err[128];

	ck_assert_int_eq(reminder_timeline(&l, 5, "Stand up.", NULL, 10000,
					   fake_measure, &calls, &tl, &body_at,
					   err, sizeof(err)), 0);
	ck_assert_int_eq(calls, 1);
	ck_assert_uint_eq(tl.n_cues, 1);
	ck_assert_int_eq(tl.cues[0].at, 0);
	ck_assert_int_eq(tl.cues[0].len, 9 * SAMPLES_PER_CHAR);
	ck_assert_str_eq(tl.cues[0].text, "Stand up.");
	ck_assert_int_eq(tl.cues[0].role, ROLE_INTRO);
	ck_assert_uint_eq(tl.n_steps, 1);
	ck_assert_str_eq(tl.steps[0].name, "Reminder");
	/* No tail: sitting counts from the end of the message. */
	ck_assert_int_eq(tl.length, 9 * SAMPLES_PER_CHAR);
	ck_assert_int_eq(body_at, 9 * SAMPLES_PER_CHAR);
	ck_assert_int_eq(tl.routine, 5);
	ck_assert_str_eq(tl.language_voice, "en");
	timeline_free(&tl);
}
END_TEST

START_TEST(countdown_then_routine)
{
	struct language l = lang();
	struct timeline b = body(), tl;
	int64_t body_at = -1, msg = 9 * SAMPLES_PER_CHAR;
	int calls = 0;
	char err[128];

	ck_assert_int_eq(reminder_timeline(&l, 0, "Stand up.", &b, 10000,
					   fake_measure, &calls, &tl, &body_at,
					   err, sizeof(err)), 0);
	/* The body starts countdown after the message and its gap. */
	int64_t start = msg + GAP + BC_MS_TO_SAMPLES(10000);
	ck_assert_int_eq(body_at, start);
	ck_assert_uint_eq(tl.n_cues, 5 + 3);
	ck_assert_int_eq(tl.cues[1].role, ROLE_GET_READY);
	ck_assert_int_eq(tl.cues[1].at, msg + GAP);
	ck_assert_str_eq(tl.cues[1].text, "Get ready.");
	/* "3.", "2.", "1." a second apart, the last a second before. */
	for (int i = 0; i < 3; i++) {
		char want[8];
		snprintf(want, sizeof(want), "%d.", 3 - i);
		ck_assert_int_eq(tl.cues[2 + i].role, ROLE_COUNTDOWN);
		ck_assert_str_eq(tl.cues[2 + i].text, want);
		ck_assert_int_eq(tl.cues[2 + i].at, start - (3 - i) * SEC);
	}
	/* The body, shifted, its steps after "Reminder", strings copied. */
	ck_assert_int_eq(tl.cues[5].at, start);
	ck_assert_int_eq(tl.cues[5].step, 1);
	ck_assert_str_eq(tl.cues[5].text, "Welcome.");
	ck_assert_ptr_ne(tl.cues[5].text, b.cues[0].text);
	ck_assert_ptr_null(tl.cues[6].text);
	ck_assert_int_eq(tl.cues[6].at, start + 5000);
	ck_assert_int_eq(tl.cues[7].at, start + 9000);
	ck_assert_int_eq(tl.cues[7].step, 2);
	ck_assert_uint_eq(tl.n_steps, 3);
	ck_assert_str_eq(tl.steps[1].name, "Intro");
	ck_assert_int_eq(tl.steps[2].at, start + 4000);
	ck_assert_str_eq(tl.steps[2].name, "Cat cow");
	ck_assert_ptr_ne(tl.steps[2].name, b.steps[1].name);
	ck_assert_int_eq(tl.steps[2].exercise, 3);
	ck_assert_int_eq(tl.length, start + b.length);
	ck_assert_int_eq(tl.routine, 2);
	ck_assert_uint_eq(tl.skipped_equipment, 4);
	timeline_free(&tl);
}
END_TEST

/* No time for a countdown: the body waits for "Get ready." and a gap, and
 * numbers that would overlap it are left out. */
START_TEST(short_countdown)
{
	struct language l = lang();
	struct timeline b = body(), tl;
	int64_t body_at = -1, msg = 9 * SAMPLES_PER_CHAR;
	int calls = 0;
	char err[128];

	ck_assert_int_eq(reminder_timeline(&l, 0, "Stand up.", &b, 0,
					   fake_measure, &calls, &tl, &body_at,
					   err, sizeof(err)), 0);
	int64_t ready_end = msg + GAP + 10 * SAMPLES_PER_CHAR;
	ck_assert_int_eq(body_at, ready_end + GAP);
	ck_assert_uint_eq(tl.n_cues, 2 + 3);
	ck_assert_int_eq(tl.cues[2].at, body_at);
	for (size_t i = 0; i < tl.n_cues; i++)
		ck_assert_int_ne(tl.cues[i].role, ROLE_COUNTDOWN);
	timeline_free(&tl);
}
END_TEST

/* Room for "1." only: the one that fits stays. */
START_TEST(partial_countdown)
{
	struct language l = lang();
	struct timeline b = body(), tl;
	int64_t body_at = -1, msg = 9 * SAMPLES_PER_CHAR;
	int calls = 0;
	char err[128];

	/* The body starts at 2.85 s and "Get ready." ends at 1.35 s: "1."
	 * (at 1.85 s) fits, "2." (at 0.85 s) does not. */
	ck_assert_int_eq(reminder_timeline(&l, 0, "Stand up.", &b, 2000,
					   fake_measure, &calls, &tl, &body_at,
					   err, sizeof(err)), 0);
	ck_assert_int_eq(body_at, msg + GAP + BC_MS_TO_SAMPLES(2000));
	ck_assert_uint_eq(tl.n_cues, 3 + 3);
	ck_assert_int_eq(tl.cues[2].role, ROLE_COUNTDOWN);
	ck_assert_str_eq(tl.cues[2].text, "1.");
	ck_assert_int_eq(tl.cues[2].at, body_at - SEC);
	timeline_free(&tl);
}
END_TEST

START_TEST(measure_fails)
{
	struct language l = lang();
	struct timeline b = body(), tl;
	int64_t body_at = -1;
	int calls = 0;
	char err[128] = "";

	ck_assert_int_eq(reminder_timeline(&l, 0, "FAIL", &b, 10000,
					   fake_measure, &calls, &tl, &body_at,
					   err, sizeof(err)), -1);
	ck_assert_str_eq(err, "cannot say that");
	ck_assert_int_eq(calls, 1);
	ck_assert_int_eq(body_at, -1);
	timeline_free(&tl); /* emptied: freeing it is harmless */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("reminder_timeline");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, message_only);
	tcase_add_test(tc, countdown_then_routine);
	tcase_add_test(tc, short_countdown);
	tcase_add_test(tc, partial_countdown);
	tcase_add_test(tc, measure_fails);
	suite_add_tcase(s, tc);
	return test_run(s);
}
