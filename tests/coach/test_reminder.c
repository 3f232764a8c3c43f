/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_reminder.c: active hours, days, intervals, DST, time zones, suspend. */
#include <check.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>

#include "coach/reminder.h"
#include "testlib.h"

#define MIN (60 * 1000LL)
#define HOUR (60 * MIN)
#define DAY (24 * HOUR)
#define WEEKDAYS 0x3e /* Mon..Fri */
#define ALLDAYS 0x7f

static void set_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

/* Wall time (ms) of a local date and time in the current TZ. */
static int64_t local(int y, int mo, int d, int h, int mi)
{
	struct tm tm = {
		.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
		.tm_hour = h, .tm_min = mi, .tm_isdst = -1,
	};
	return (int64_t)mktime(&tm) * 1000;
}

static int64_t utc(int y, int mo, int d, int h, int mi)
{
	struct tm tm = {
		.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
		.tm_hour = h, .tm_min = mi,
	};
	return (int64_t)timegm(&tm) * 1000;
}

static struct reminder_rules rules(int64_t interval, int from, int to,
				   unsigned days)
{
	struct reminder_rules r = {
		.interval_ms = interval, .from_min = from, .to_min = to,
		.days = days,
	};
	return r;
}

/* 2024-06-03 is a Monday. */
START_TEST(office_hours)
{
	set_tz("UTC");
	struct reminder_rules r = rules(50 * MIN, 9 * 60, 17 * 60, WEEKDAYS);

	ck_assert(reminder_active(&r, local(2024, 6, 3, 10, 0)));
	ck_assert(reminder_active(&r, local(2024, 6, 3, 9, 0)));
	ck_assert(!reminder_active(&r, local(2024, 6, 3, 8, 59)));
	ck_assert(!reminder_active(&r, local(2024, 6, 3, 17, 0)));
	ck_assert(reminder_active(&r, local(2024, 6, 7, 16, 59))); /* Friday */
	ck_assert(!reminder_active(&r, local(2024, 6, 8, 10, 0))); /* Saturday */
	ck_assert(!reminder_active(&r, local(2024, 6, 9, 10, 0))); /* Sunday */

	int64_t s, e;
	ck_assert(reminder_period(&r, local(2024, 6, 3, 7, 0), &s, &e));
	ck_assert_int_eq(s, local(2024, 6, 3, 9, 0));
	ck_assert_int_eq(e, local(2024, 6, 3, 17, 0));
	ck_assert(reminder_period(&r, local(2024, 6, 8, 7, 0), &s, &e));
	ck_assert_int_eq(s, local(2024, 6, 10, 9, 0)); /* next Monday */
}
END_TEST

START_TEST(intervals)
{
	set_tz("UTC");
	struct reminder_rules r = rules(50 * MIN, 9 * 60, 17 * 60, WEEKDAYS);

	/* Inside the window: since + interval. */
	ck_assert_int_eq(reminder_next_due(&r, local(2024, 6, 3, 10, 0)),
			 local(2024, 6, 3, 10, 50));
	ck_assert_int_eq(reminder_next_due(&r, local(2024, 6, 3, 16, 10)),
			 local(2024, 6, 4, 9, 50)); /* 17:00 is outside */
	ck_assert_int_eq(reminder_next_due(&r, local(2024, 6, 3, 16, 9)),
			 local(2024, 6, 3, 16, 59));
	/* Before the window: counted from its start. */
	ck_assert_int_eq(reminder_next_due(&r, local(2024, 6, 3, 7, 0)),
			 local(2024, 6, 3, 9, 50));
	/* Friday afternoon: Monday morning. */
	ck_assert_int_eq(reminder_next_due(&r, local(2024, 6, 7, 16, 30)),
			 local(2024, 6, 10, 9, 50));
	/* Seconds matter: reminders every few seconds. */
	struct reminder_rules fast = rules(3000, 0, 0, ALLDAYS);
	int64_t t = local(2024, 6, 3, 12, 0) + 123;
	ck_assert_int_eq(reminder_next_due(&fast, t), t + 3000);
}
END_TEST

START_TEST(all_day)
{
	set_tz("Europe/Berlin");
	struct reminder_rules r = rules(30 * MIN, 0, 0, ALLDAYS);
	int64_t s, e;

	ck_assert(reminder_period(&r, local(2024, 6, 3, 23, 50), &s, &e));
	ck_assert_int_eq(e, REMINDER_NEVER);
	/* Sitting carries on across midnight. */
	ck_assert_int_eq(reminder_next_due(&r, local(2024, 6, 3, 23, 50)),
			 local(2024, 6, 4, 0, 20));

	/* Weekdays all day: Friday night ends at Saturday 00:00. */
	r.days = WEEKDAYS;
	ck_assert(reminder_period(&r, local(2024, 6, 5, 12, 0), &s, &e));
	ck_assert_int_eq(e, local(2024, 6, 8, 0, 0));
	ck_assert_int_eq(reminder_next_due(&r, local(2024, 6, 7, 23, 50)),
			 local(2024, 6, 10, 0, 30));
}
END_TEST

START_TEST(overnight)
{
	set_tz("UTC");
	/* 22:00-06:00, Fridays only: the window belongs to Friday. */
	struct reminder_rules r = rules(60 * MIN, 22 * 60, 6 * 60, 1u << 5);

	ck_assert(reminder_active(&r, local(2024, 6, 7, 23, 0)));
	ck_assert(reminder_active(&r, local(2024, 6, 8, 5, 59)));
	ck_assert(!reminder_active(&r, local(2024, 6, 8, 6, 0)));
	ck_assert(!reminder_active(&r, local(2024, 6, 8, 23, 0)));
	ck_assert(!reminder_active(&r, local(2024, 6, 7, 5, 0)));
	ck_assert(!reminder_active(&r, local(2024, 6, 7, 21, 59)));
	ck_assert_int_eq(reminder_next_due(&r, local(2024, 6, 8, 4, 0)),
			 local(2024, 6, 8, 5, 0));
	/* Too late in the night: next Friday 23:00. */
	ck_assert_int_eq(reminder_next_due(&r, local(2024, 6, 8, 5, 30)),
			 local(2024, 6, 14, 23, 0));

	/* Every night: windows do not touch (06:00 to 22:00 is a gap). */
	r.days = ALLDAYS;
	int64_t s, e;
	ck_assert(reminder_period(&r, local(2024, 6, 4, 3, 0), &s, &e));
	ck_assert_int_eq(s, local(2024, 6, 3, 22, 0));
	ck_assert_int_eq(e, local(2024, 6, 4, 6, 0));
}
END_TEST

START_TEST(never)
{
	set_tz("UTC");
	struct reminder_rules r = rules(50 * MIN, 9 * 60, 17 * 60, 0);
	int64_t s, e;

	ck_assert(!reminder_period(&r, local(2024, 6, 3, 10, 0), &s, &e));
	ck_assert(!reminder_active(&r, local(2024, 6, 3, 10, 0)));
	ck_assert_int_eq(reminder_next_due(&r, local(2024, 6, 3, 10, 0)),
			 REMINDER_NEVER);
	/* An interval longer than the window never fits. */
	r = rules(9 * HOUR, 9 * 60, 17 * 60, ALLDAYS);
	ck_assert_int_eq(reminder_next_due(&r, local(2024, 6, 3, 10, 0)),
			 REMINDER_NEVER);
}
END_TEST

/* New York springs forward on 2024-03-10 at 02:00 EST -> 03:00 EDT. */
START_TEST(dst_spring_forward)
{
	set_tz("America/New_York");
	struct reminder_rules r = rules(60 * MIN, 2 * 60 + 30, 4 * 60, ALLDAYS);
	int64_t s, e;

	/* 02:30 does not exist that night: the window opens at 03:00 EDT. */
	ck_assert(reminder_period(&r, utc(2024, 3, 10, 5, 0), &s, &e));
	ck_assert_int_eq(s, utc(2024, 3, 10, 7, 0));
	ck_assert_int_eq(e, utc(2024, 3, 10, 8, 0)); /* 04:00 EDT */
	ck_assert(reminder_active(&r, utc(2024, 3, 10, 7, 15)));
	/* Only an hour long that night: a 60 min interval does not fit; the
	 * next night's window is 90 minutes long. */
	ck_assert_int_eq(reminder_next_due(&r, utc(2024, 3, 10, 5, 0)),
			 utc(2024, 3, 11, 6, 30) + 60 * MIN);

	/* The interval is real time: 01:30 EST + 60 min = 03:30 EDT. */
	r = rules(60 * MIN, 0, 0, ALLDAYS);
	ck_assert_int_eq(reminder_next_due(&r, local(2024, 3, 10, 1, 30)),
			 local(2024, 3, 10, 3, 30));
}
END_TEST

/* New York falls back on 2024-11-03 at 02:00 EDT -> 01:00 EST. */
START_TEST(dst_fall_back)
{
	set_tz("America/New_York");
	struct reminder_rules r = rules(30 * MIN, 60 + 30, 3 * 60, ALLDAYS);
	int64_t s, e;

	/* 01:30 happens twice: the window opens at the first (EDT). */
	ck_assert(reminder_period(&r, utc(2024, 11, 3, 4, 0), &s, &e));
	ck_assert_int_eq(s, utc(2024, 11, 3, 5, 30));
	ck_assert_int_eq(e, utc(2024, 11, 3, 8, 0)); /* 03:00 EST */
	/* 30 minutes of sitting from 01:50 EDT end at 01:20 EST. */
	ck_assert_int_eq(reminder_next_due(&r, utc(2024, 11, 3, 5, 50)),
			 utc(2024, 11, 3, 6, 20));

	/* 9:00-17:00 the day after still means 9:00 EST. */
	r = rules(50 * MIN, 9 * 60, 17 * 60, ALLDAYS);
	ck_assert_int_eq(reminder_next_due(&r, utc(2024, 11, 4, 10, 0)),
			 utc(2024, 11, 4, 14, 50));
}
END_TEST

/* Lord Howe Island shifts by 30 minutes: 2024-10-06 02:00 -> 02:30. */
START_TEST(dst_half_hour)
{
	set_tz("Australia/Lord_Howe");
	struct reminder_rules r = rules(10 * MIN, 2 * 60 + 10, 5 * 60, ALLDAYS);
	int64_t s, e;

	ck_assert(reminder_period(&r, local(2024, 10, 6, 1, 0), &s, &e));
	ck_assert_int_eq(s, local(2024, 10, 6, 2, 30));
	ck_assert(reminder_active(&r, local(2024, 10, 6, 2, 45)));
}
END_TEST

/* The same instant is inside active hours in one zone and not another;
 * after TZ changes and tzset(), the answer follows. */
START_TEST(time_zone_change)
{
	struct reminder_rules r = rules(50 * MIN, 9 * 60, 17 * 60, ALLDAYS);
	int64_t t = utc(2024, 6, 3, 7, 30);

	set_tz("UTC");
	ck_assert(!reminder_active(&r, t));
	ck_assert_int_eq(reminder_next_due(&r, t), utc(2024, 6, 3, 9, 50));
	set_tz("Europe/Berlin"); /* 09:30 CEST */
	ck_assert(reminder_active(&r, t));
	ck_assert_int_eq(reminder_next_due(&r, t), t + 50 * MIN);
	set_tz("Asia/Tokyo"); /* 16:30 JST: too late today */
	ck_assert_int_eq(reminder_next_due(&r, t), utc(2024, 6, 4, 0, 50));
}
END_TEST

START_TEST(minutes_sat)
{
	set_tz("UTC");
	struct reminder_rules r = rules(50 * MIN, 9 * 60, 17 * 60, WEEKDAYS);

	ck_assert_int_eq(reminder_minutes_sat(&r, local(2024, 6, 3, 10, 0),
					      local(2024, 6, 3, 10, 50)), 50);
	/* Counted from the window's start, not from last night. */
	ck_assert_int_eq(reminder_minutes_sat(&r, local(2024, 6, 2, 20, 0),
					      local(2024, 6, 3, 9, 50)), 50);
	ck_assert_int_eq(reminder_minutes_sat(&r, local(2024, 6, 3, 10, 0),
					      local(2024, 6, 3, 10, 0) + 29999), 0);
}
END_TEST

/* Suspend: BOOTTIME runs on, MONOTONIC stops. After a resume the sitting
 * clock starts over, so no overdue reminders fire in a burst. */
START_TEST(suspend)
{
	set_tz("UTC");
	struct reminder_rules r = rules(50 * MIN, 0, 0, ALLDAYS);
	struct sitting st;
	int64_t mono = 1000 * 1000, boot = mono + 5000;
	int64_t real = local(2024, 6, 3, 10, 0);

	sitting_reset(&st, mono, boot);
	/* 40 minutes of sitting, no suspend. */
	mono += 40 * MIN; boot += 40 * MIN; real += 40 * MIN;
	ck_assert_int_eq(sitting_check_suspend(&st, mono, boot), 0);
	int64_t since = sitting_since_wall(&st, mono, real);
	ck_assert_int_eq(since, local(2024, 6, 3, 10, 0));
	ck_assert_int_eq(reminder_next_due(&r, since), local(2024, 6, 3, 10, 50));

	/* Suspended for 3 hours: three reminders would be overdue. */
	boot += 3 * HOUR; real += 3 * HOUR; mono += 1;
	ck_assert_int_eq(sitting_check_suspend(&st, mono, boot), 3 * HOUR - 1);
	since = sitting_since_wall(&st, mono, real);
	ck_assert_int_eq(since, real);
	ck_assert_int_eq(reminder_next_due(&r, since), real + 50 * MIN);
	/* A second check finds nothing new. */
	ck_assert_int_eq(sitting_check_suspend(&st, mono + 10, boot + 10), 0);
	/* Small drift is no suspend. */
	ck_assert_int_eq(sitting_check_suspend(&st, mono + 20, boot + 1500), 0);
}
END_TEST

/* Setting the wall clock does not change how long someone has sat. */
START_TEST(clock_set)
{
	set_tz("UTC");
	struct reminder_rules r = rules(50 * MIN, 0, 0, ALLDAYS);
	struct sitting st;
	int64_t mono = 5000, boot = 5000;
	int64_t real = local(2024, 6, 3, 10, 0);

	sitting_reset(&st, mono, boot);
	mono += 20 * MIN; boot += 20 * MIN;
	real += 20 * MIN + 2 * HOUR; /* clock set two hours forward */
	ck_assert_int_eq(sitting_check_suspend(&st, mono, boot), 0);
	int64_t since = sitting_since_wall(&st, mono, real);
	ck_assert_int_eq(reminder_next_due(&r, since), real + 30 * MIN);
}
END_TEST

/* `backcoach hold`: a duration, until HH:MM (today or tomorrow),
 * tomorrow (local midnight, across a DST change too); bad ones said. */
START_TEST(hold_until)
{
	char err[128];
	int64_t now;

	set_tz("Europe/Berlin");
	now = local(2026, 3, 10, 14, 0);
	ck_assert_int_eq(reminder_hold_until("2h", now, err, sizeof(err)), now + 2 * 60 * MIN);
	ck_assert_int_eq(reminder_hold_until("until 16:30", now, err, sizeof(err)),
			 local(2026, 3, 10, 16, 30));
	ck_assert_int_eq(reminder_hold_until("until=09:00", now, err, sizeof(err)),
			 local(2026, 3, 11, 9, 0));
	ck_assert_int_eq(reminder_hold_until("until 14:00", now, err, sizeof(err)),
			 local(2026, 3, 11, 14, 0));
	ck_assert_int_eq(reminder_hold_until("tomorrow", now, err, sizeof(err)),
			 local(2026, 3, 11, 0, 0));
	/* The night the clocks go forward: tomorrow is 23 hours away. */
	now = local(2026, 3, 28, 12, 0);
	ck_assert_int_eq(reminder_hold_until("tomorrow", now, err, sizeof(err)) - now,
			 12 * 60 * MIN);
	ck_assert_int_eq(reminder_hold_until("until 25:00", now, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "not a time of day"));
	ck_assert_int_eq(reminder_hold_until("until 9:00", now, err, sizeof(err)), -1);
	ck_assert_int_eq(reminder_hold_until("later", now, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "not a duration"));
	ck_assert_int_eq(reminder_hold_until("", now, err, sizeof(err)), -1);
	ck_assert_int_eq(reminder_hold_until("0s", now, err, sizeof(err)), -1);
}
END_TEST

START_TEST(pick_fitting)
{
	int64_t len[] = { 240, 60, -1, 600, 180 };

	int lang[] = { 0, 0, 0, 1, 1 };

	ck_assert_int_eq(reminder_pick_fitting(len, NULL, 0, 5, 300, false), 0);
	ck_assert_int_eq(reminder_pick_fitting(len, NULL, 0, 5, 200, false), 4);
	ck_assert_int_eq(reminder_pick_fitting(len, NULL, 0, 5, 600, false), 3);
	ck_assert_int_eq(reminder_pick_fitting(len, NULL, 0, 5, 59, false), -1);
	ck_assert_int_eq(reminder_pick_fitting(len, NULL, 0, 0, 1000, false), -1);
	/* Only the routines in the schedule's language. */
	ck_assert_int_eq(reminder_pick_fitting(len, lang, 0, 5, 600, false), 0);
	ck_assert_int_eq(reminder_pick_fitting(len, lang, 0, 5, 200, false), 1);
	ck_assert_int_eq(reminder_pick_fitting(len, lang, 1, 5, 300, false), 4);
	ck_assert_int_eq(reminder_pick_fitting(len, lang, 1, 5, 100, false), -1);
	/* The shortest (a reminder's Short button, below the routine offered:
	 * 240, lang 0), in its language too. */
	ck_assert_int_eq(reminder_pick_fitting(len, NULL, 0, 5, 239, true), 1);
	ck_assert_int_eq(reminder_pick_fitting(len, lang, 1, 5, 599, true), 4);
	ck_assert_int_eq(reminder_pick_fitting(len, lang, 1, 5, 179, true), -1);
}
END_TEST

static Suite *reminder_suite(void)
{
	Suite *s = suite_create("reminder");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, office_hours);
	tcase_add_test(tc, intervals);
	tcase_add_test(tc, all_day);
	tcase_add_test(tc, overnight);
	tcase_add_test(tc, never);
	tcase_add_test(tc, dst_spring_forward);
	tcase_add_test(tc, dst_fall_back);
	tcase_add_test(tc, dst_half_hour);
	tcase_add_test(tc, time_zone_change);
	tcase_add_test(tc, minutes_sat);
	tcase_add_test(tc, suspend);
	tcase_add_test(tc, clock_set);
	tcase_add_test(tc, hold_until);
	tcase_add_test(tc, pick_fitting);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run(reminder_suite());
}
