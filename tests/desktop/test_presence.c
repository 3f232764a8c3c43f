/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_presence.c: the sitting clock that counts only while you are there,
 * natural breaks, paused clocks, idle since the past, the call gate. */
#include <check.h>

#include "desktop/presence.h"
#include "testlib.h"

#define S 1000LL
#define M (60 * S)

START_TEST(counts_while_present)
{
	struct presence p;
	presence_init(&p, 5 * M, 100 * S);
	ck_assert(presence_here(&p));
	ck_assert_int_eq(presence_sitting(&p, 100 * S), 0);
	ck_assert_int_eq(presence_sitting(&p, 100 * S + 10 * M), 10 * M);
	ck_assert_int_eq(presence_stretch(&p, 100 * S + 10 * M), 10 * M);
}
END_TEST

START_TEST(short_absence_pauses)
{
	struct presence p;
	struct presence_event ev;
	int64_t t0 = 0;
	presence_init(&p, 5 * M, t0);
	ck_assert_int_eq(presence_set(&p, PRESENCE_LOCKED, true, 20 * M, 20 * M, &ev),
			 PRESENCE_LEFT);
	ck_assert_int_eq(ev.stretch_ms, 20 * M);
	ck_assert(!presence_here(&p));
	/* Frozen while away. */
	ck_assert_int_eq(presence_sitting(&p, 22 * M), 20 * M);
	ck_assert_int_eq(presence_stretch(&p, 22 * M), 0);
	ck_assert_int_eq(presence_set(&p, PRESENCE_LOCKED, false, 23 * M, 23 * M, &ev),
			 PRESENCE_BACK);
	ck_assert_int_eq(ev.away_ms, 3 * M);
	/* Carries on from 20 minutes. */
	ck_assert_int_eq(presence_sitting(&p, 23 * M), 20 * M);
	ck_assert_int_eq(presence_sitting(&p, 30 * M), 27 * M);
	ck_assert_int_eq(presence_stretch(&p, 30 * M), 7 * M);
}
END_TEST

START_TEST(long_absence_is_a_break)
{
	struct presence p;
	struct presence_event ev;
	presence_init(&p, 5 * M, 0);
	presence_set(&p, PRESENCE_LOCKED, true, 40 * M, 40 * M, &ev);
	ck_assert_int_eq(presence_set(&p, PRESENCE_LOCKED, false, 45 * M, 45 * M, &ev),
			 PRESENCE_BREAK);
	ck_assert_int_eq(ev.away_ms, 5 * M);
	ck_assert_int_eq(presence_sitting(&p, 45 * M), 0);
	ck_assert_int_eq(presence_sitting(&p, 46 * M), 1 * M);
}
END_TEST

START_TEST(reasons_overlap)
{
	struct presence p;
	struct presence_event ev;
	presence_init(&p, 5 * M, 0);
	ck_assert_int_eq(presence_set(&p, PRESENCE_IDLE, true, 10 * M, 10 * M, &ev),
			 PRESENCE_LEFT);
	ck_assert_int_eq(presence_set(&p, PRESENCE_LOCKED, true, 11 * M, 11 * M, &ev),
			 PRESENCE_SAME);
	/* Still locked: not back. */
	ck_assert_int_eq(presence_set(&p, PRESENCE_IDLE, false, 12 * M, 12 * M, &ev),
			 PRESENCE_SAME);
	ck_assert(!presence_here(&p));
	ck_assert_int_eq(presence_set(&p, PRESENCE_LOCKED, false, 13 * M, 13 * M, &ev),
			 PRESENCE_BACK);
	ck_assert_int_eq(ev.away_ms, 3 * M);
	/* Setting a reason that already holds, or ending one that does not,
	 * changes nothing. */
	ck_assert_int_eq(presence_set(&p, PRESENCE_LOCKED, false, 14 * M, 14 * M, &ev),
			 PRESENCE_SAME);
}
END_TEST

START_TEST(idle_since_the_past)
{
	struct presence p;
	struct presence_event ev;
	presence_init(&p, 5 * M, 0);
	/* At 30 m the desktop says: idle since 24 m. */
	presence_set(&p, PRESENCE_IDLE, true, 24 * M, 30 * M, &ev);
	ck_assert_int_eq(ev.stretch_ms, 24 * M);
	ck_assert_int_eq(presence_sitting(&p, 30 * M), 24 * M);
	/* Back at 31 m: away 7 m, a natural break. */
	ck_assert_int_eq(presence_set(&p, PRESENCE_IDLE, false, 31 * M, 31 * M, &ev),
			 PRESENCE_BREAK);
	ck_assert_int_eq(ev.away_ms, 7 * M);
	/* Idle since before the clock was reset: counts from the reset. */
	presence_reset(&p, 40 * M);
	presence_set(&p, PRESENCE_IDLE, true, 35 * M, 41 * M, &ev);
	ck_assert_int_eq(ev.stretch_ms, 0);
	ck_assert_int_eq(presence_sitting(&p, 41 * M), 0);
	/* An idle start in the future counts as now. */
	presence_clear(&p, 42 * M, &ev);
	presence_set(&p, PRESENCE_IDLE, true, 99 * M, 43 * M, &ev);
	ck_assert_int_eq(p.away_since, 43 * M);
}
END_TEST

START_TEST(sleep_is_an_absence)
{
	struct presence p;
	struct presence_event ev;
	presence_init(&p, 5 * M, 0);
	presence_set(&p, PRESENCE_ASLEEP, true, 10 * M, 10 * M, &ev);
	ck_assert_int_eq(presence_set(&p, PRESENCE_ASLEEP, false, 70 * M, 70 * M, &ev),
			 PRESENCE_BREAK);
	ck_assert_int_eq(ev.away_ms, 60 * M);
}
END_TEST

START_TEST(clear_and_reset)
{
	struct presence p;
	struct presence_event ev;
	presence_init(&p, 5 * M, 0);
	presence_set(&p, PRESENCE_LOCKED | PRESENCE_IDLE, true, 10 * M, 10 * M, &ev);
	ck_assert_int_eq(presence_clear(&p, 11 * M, &ev), PRESENCE_BACK);
	ck_assert(presence_here(&p));
	ck_assert_int_eq(presence_sitting(&p, 12 * M), 11 * M);
	presence_reset(&p, 12 * M);
	ck_assert_int_eq(presence_sitting(&p, 13 * M), 1 * M);
	ck_assert_int_eq(presence_stretch(&p, 13 * M), 1 * M);
	/* A break length change applies to the next return. */
	presence_set_break(&p, 1 * M);
	presence_set(&p, PRESENCE_LOCKED, true, 14 * M, 14 * M, &ev);
	ck_assert_int_eq(presence_set(&p, PRESENCE_LOCKED, false, 15 * M, 15 * M, &ev),
			 PRESENCE_BREAK);
}
END_TEST

START_TEST(call_gate)
{
	struct callgate g;
	int64_t until;
	callgate_init(&g, 10 * S);
	ck_assert(!callgate_holds(&g, 0, &until));
	ck_assert(callgate_set(&g, 1, 5 * S));
	ck_assert(callgate_holds(&g, 6 * S, &until));
	ck_assert_int_eq(until, INT64_MAX);
	ck_assert(!callgate_set(&g, 2, 7 * S)); /* a second recording */
	ck_assert(!callgate_set(&g, 1, 8 * S));
	ck_assert(callgate_set(&g, 0, 20 * S));
	ck_assert(callgate_holds(&g, 25 * S, &until));
	ck_assert_int_eq(until, 30 * S);
	ck_assert(!callgate_holds(&g, 30 * S, &until));
	ck_assert(!callgate_set(&g, -1, 31 * S)); /* nonsense: none */
	ck_assert(!callgate_holds(&g, 31 * S, NULL));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("presence");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, counts_while_present);
	tcase_add_test(tc, short_absence_pauses);
	tcase_add_test(tc, long_absence_is_a_break);
	tcase_add_test(tc, reasons_overlap);
	tcase_add_test(tc, idle_since_the_past);
	tcase_add_test(tc, sleep_is_an_absence);
	tcase_add_test(tc, clear_and_reset);
	tcase_add_test(tc, call_gate);
	suite_add_tcase(s, tc);
	return test_run(s);
}
