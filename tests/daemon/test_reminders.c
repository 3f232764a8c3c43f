/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_reminders.c: the reminder scheduler alone, on a loop of its own,
 * driven through its interface (struct reminders_ops) by a stand-in for the
 * daemon whose sitting clock, presence, calls and sessions the test sets:
 * a reminder falls due after the interval and not before; a session, your
 * absence or a call holds it; a snooze postpones it; one that cannot be
 * given counts as given; the record of the day says what happened. Its
 * timer is the real wall-clock timerfd. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/loop.h"
#include "base/util.h"
#include "coach/config.h"
#include "coach/reminder.h"
#include "coach/statelog.h"
#include "daemon/reminders.h"
#include "testlib.h"

#define INTERVAL_MS 2000
#define SNOOZE_MS 6000

/* The stand-in: what the scheduler consults, and what it asked. */
struct fake {
	int64_t sat_mono;    /* sitting since (CLOCK_MONOTONIC ms) */
	bool away, call, playing, fail;
	bool dnd;            /* do not disturb, as the desktop answers */
	int dues, minutes, restarts, suspends, dnd_asks;
};

static struct fake fk;
static struct config cfg;
static struct loop *loop;
static struct reminders *rem;
static char statedir[] = "/tmp/test_reminders_XXXXXX";

static int64_t now_mono(void)
{
	return util_clock_ms(CLOCK_MONOTONIC);
}

static int64_t now_real(void)
{
	return util_clock_ms(CLOCK_REALTIME);
}

static int64_t f_sitting(void *data)
{
	return now_mono() - ((struct fake *)data)->sat_mono;
}

static bool f_here(void *data)
{
	return !((struct fake *)data)->away;
}

static bool f_call_holds(void *data, int64_t *until_ms)
{
	struct fake *f = data;

	if (f->call)
		*until_ms = INT64_MAX;
	return f->call;
}

static void f_restart(void *data)
{
	struct fake *f = data;

	f->restarts++;
	f->sat_mono = now_mono();
}

static void f_suspended(void *data, int64_t slept_ms)
{
	(void)slept_ms;
	((struct fake *)data)->suspends++;
}

static bool f_playing(void *data)
{
	return ((struct fake *)data)->playing;
}

/* As the daemon does: a session begins, and the scheduler is told. */
static int f_due(void *data, int minutes)
{
	struct fake *f = data;

	f->dues++;
	f->minutes = minutes;
	if (f->fail)
		return -1;
	f->playing = true;
	reminders_arm(rem);
	return 0;
}

/* Do not disturb asked: answered at once, as with no desktop bus. */
static bool f_ask_dnd(void *data)
{
	struct fake *f = data;

	f->dnd_asks++;
	reminders_dnd(rem, f->dnd, f->dnd ? "stand-in" : "");
	return true;
}

static const struct reminders_ops fake_ops = {
	.sitting = f_sitting, .here = f_here, .call_holds = f_call_holds,
	.restart = f_restart, .suspended = f_suspended, .playing = f_playing,
	.due = f_due, .ask_dnd = f_ask_dnd,
};

static void setup(void)
{
	strcpy(statedir, "/tmp/test_reminders_XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(statedir));
	setenv("XDG_STATE_HOME", statedir, 1);
	{
		/* Its own speech cache, never the user's (~/.cache). */
		char *cache = xasprintf("%s/cache", statedir);

		setenv("XDG_CACHE_HOME", cache, 1);
		free(cache);
	}
	memset(&fk, 0, sizeof(fk));
	fk.sat_mono = now_mono();
	memset(&cfg, 0, sizeof(cfg));
	cfg.reminders.enabled = true;
	cfg.reminders.interval_ms = INTERVAL_MS;
	cfg.reminders.from_min = cfg.reminders.to_min = 0; /* all day */
	cfg.reminders.days = 0x7f;
	cfg.reminders.snooze_ms = SNOOZE_MS;
	loop = loop_new();
	rem = reminders_new(loop, &cfg, &fake_ops, &fk);
	ck_assert_ptr_nonnull(rem);
}

static void teardown(void)
{
	char *cmd = xasprintf("rm -rf %s", statedir);

	reminders_free(rem);
	loop_free(loop);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

/* The `status` line. */
static char *status(void)
{
	static char line[256];
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	reminders_status(rem, f);
	fclose(f);
	snprintf(line, sizeof(line), "%s", text);
	free(text);
	return line;
}

/* Run the loop until the stand-in has been asked for n reminders, at most
 * secs seconds. */
static void until_dues(int n, double secs)
{
	double t0 = util_now();

	while (fk.dues < n && util_now() - t0 < secs)
		ck_assert_int_eq(loop_run_once(loop), 0);
}

/* The record of the day as "G" (given), "S" (snoozed), "C" (cancelled),
 * "W" (waited for a call), in order. */
static void add_rec(void *ctx, const struct slog_rec *r)
{
	static const char letter[] = { [SLOG_GIVEN] = 'G', [SLOG_SNOOZED] = 'S',
				       [SLOG_CANCELLED] = 'C', [SLOG_WAITED] = 'W',
				       [SLOG_SKIPPED] = 'K', [SLOG_UNANSWERED] = 'U',
				       [SLOG_STARTED] = 'T' };
	char *s = ctx;

	if (r->kind == SLOG_REMINDER && strlen(s) < 15)
		s[strlen(s)] = letter[r->reminder];
}

static const char *record(void)
{
	static char s[16];
	char *path = statelog_path();
	int skipped = 0;

	memset(s, 0, sizeof(s));
	ck_assert_ptr_nonnull(path);
	ck_assert_int_eq(statelog_read(path, add_rec, s, &skipped), 0);
	ck_assert_int_eq(skipped, 0);
	free(path);
	return s;
}

/* Armed at the interval after sitting down; due then, and not before. */
START_TEST(due_after_interval)
{
	int64_t real = now_real();

	reminders_arm(rem);
	ck_assert_int_ge(reminders_due_at(rem), real + INTERVAL_MS - 1000);
	ck_assert_int_le(reminders_due_at(rem), now_real() + INTERVAL_MS);
	/* In words, then the date and time. */
	ck_assert_msg(strncmp(status(), "next reminder: in 1 minute, at ", 31) == 0 &&
		      strstr(status(), " ("), "%s", status());
	until_dues(1, 30);
	ck_assert_int_eq(fk.dues, 1);
	/* Not before the interval since sitting down (to the timer's ms). */
	ck_assert_msg(now_mono() - fk.sat_mono >= INTERVAL_MS - 20,
		      "due %lld ms after sitting down, before the interval",
		      (long long)(now_mono() - fk.sat_mono));
	ck_assert_int_eq(fk.minutes, 0); /* 2 s: 0 minutes */
	ck_assert_str_eq(record(), "G");
	/* The session the reminder began disarms it. */
	ck_assert_int_eq(reminders_due_at(rem), REMINDER_NEVER);
	ck_assert_str_eq(status(), "next reminder: 2s after this session\n");
	/* It ends: sitting starts over, the next is an interval away. */
	fk.playing = false;
	reminders_session_ended(rem, false);
	ck_assert_int_eq(fk.restarts, 1);
	reminders_rearm(rem);
	ck_assert_int_ge(reminders_due_at(rem), now_real() + INTERVAL_MS - 1000);
}
END_TEST

/* While a session plays, or while you are away, none is armed. */
START_TEST(held_by_session_and_absence)
{
	fk.playing = true;
	reminders_arm(rem);
	ck_assert_int_eq(reminders_due_at(rem), REMINDER_NEVER);
	fk.playing = false;
	fk.away = true;
	reminders_arm(rem);
	ck_assert_int_eq(reminders_due_at(rem), REMINDER_NEVER);
	ck_assert_str_eq(status(), "next reminder: waits for you (away)\n");
	fk.away = false;
	reminders_arm(rem);
	ck_assert_int_ne(reminders_due_at(rem), REMINDER_NEVER);
	until_dues(1, 30);
	ck_assert_int_eq(fk.dues, 1);
}
END_TEST

/* Due during a call: it waits for the call to end, then is given, and the
 * record says it waited. */
START_TEST(waits_for_the_call)
{
	fk.call = true;
	reminders_arm(rem);
	ck_assert_int_ne(reminders_due_at(rem), REMINDER_NEVER);
	/* Its timer fires; the call holds it. */
	for (int i = 0; i < 100 && reminders_due_at(rem) != REMINDER_NEVER; i++)
		ck_assert_int_eq(loop_run_once(loop), 0);
	ck_assert_int_eq(reminders_due_at(rem), REMINDER_NEVER);
	ck_assert_int_eq(fk.dues, 0);
	ck_assert_str_eq(status(), "next reminder: waits for the call to end\n");
	fk.call = false; /* the presence watch says so: arm */
	reminders_arm(rem);
	until_dues(1, 30);
	ck_assert_int_eq(fk.dues, 1);
	ck_assert_str_eq(record(), "WG");
}
END_TEST

/* snooze: not before the snooze ends; off: refused. */
START_TEST(snooze)
{
	int64_t ms = 0;
	char err[64] = "";

	ck_assert_int_eq(reminders_snooze(rem, 0, SLOG_SNOOZED, &ms, err, sizeof(err)), 0);
	ck_assert_int_eq(ms, SNOOZE_MS);
	reminders_arm(rem);
	ck_assert_int_ge(reminders_due_at(rem), now_real() + SNOOZE_MS - 1000);
	ck_assert_str_eq(record(), "S");
	cfg.reminders.enabled = false;
	reminders_configure(rem, &cfg);
	ck_assert_int_eq(reminders_snooze(rem, 0, SLOG_SNOOZED, &ms, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "reminders are off");
	reminders_arm(rem);
	ck_assert_int_eq(reminders_due_at(rem), REMINDER_NEVER);
	ck_assert_str_eq(status(), "next reminder: off\n");
	ck_assert_int_eq(reminders_snooze(NULL, 0, SLOG_SNOOZED, &ms, err, sizeof(err)), -1);
}
END_TEST

/* A reminder cancelled in its countdown snoozes; one that could not be
 * given counts as given (sitting starts over, armed an interval on). */
START_TEST(cancelled_and_failed)
{
	reminders_session_ended(rem, true);
	ck_assert_int_eq(fk.restarts, 0);
	ck_assert_str_eq(record(), "C");
	reminders_arm(rem);
	ck_assert_int_ge(reminders_due_at(rem), now_real() + SNOOZE_MS - 1000);
	fk.fail = true;
	until_dues(1, 30);
	ck_assert_int_eq(fk.dues, 1);
	ck_assert_int_eq(fk.restarts, 1);
	ck_assert_int_ge(reminders_due_at(rem), now_real() + INTERVAL_MS - 1000);
	ck_assert_str_eq(record(), "CG");
}
END_TEST

/* Do not disturb holds a due reminder (asked when it falls due) until it
 * ends; the record says it waited. */
START_TEST(waits_for_do_not_disturb)
{
	fk.dnd = true;
	reminders_arm(rem);
	for (int i = 0; i < 200 && fk.dnd_asks == 0; i++)
		ck_assert_int_eq(loop_run_once(loop), 0);
	ck_assert_int_eq(fk.dues, 0);
	ck_assert_int_eq(reminders_due_at(rem), REMINDER_NEVER);
	ck_assert_str_eq(status(), "next reminder: waits for do not disturb to end (stand-in)\n"
				   "do not disturb: on (stand-in): a due reminder waits\n");
	fk.dnd = false;
	reminders_dnd(rem, false, ""); /* it changed */
	ck_assert_int_eq(fk.dues, 1);
	ck_assert_str_eq(record(), "WG");
}
END_TEST

/* hold: none before it ends; unhold: as usual at once; snooze for a
 * duration of one's own, recorded as asked (unanswered). */
START_TEST(hold_and_unhold)
{
	char err[64] = "";
	int64_t ms;

	ck_assert_int_eq(reminders_hold(rem, now_real() + 3600 * 1000, err, sizeof(err)), 0);
	ck_assert_int_ge(reminders_due_at(rem), now_real() + 3600 * 1000 - 1000);
	ck_assert_ptr_nonnull(strstr(status(), "\nheld: no reminder until "));
	reminders_unhold(rem);
	ck_assert_int_le(reminders_due_at(rem), now_real() + INTERVAL_MS);
	ck_assert_ptr_null(strstr(status(), "held:"));
	ck_assert_int_eq(reminders_snooze(rem, 90 * 1000, SLOG_UNANSWERED, &ms, err, sizeof(err)), 0);
	ck_assert_int_eq(ms, 90 * 1000);
	reminders_arm(rem);
	ck_assert_int_ge(reminders_due_at(rem), now_real() + 89 * 1000);
	ck_assert_ptr_nonnull(strstr(status(), "\nsnoozed: for 1m"));
	ck_assert_str_eq(record(), "U");
	cfg.reminders.enabled = false;
	reminders_configure(rem, &cfg);
	ck_assert_int_eq(reminders_hold(rem, now_real() + 1000, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "reminders are off");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("reminders");
	TCase *tc = tcase_create("scheduler");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, due_after_interval);
	tcase_add_test(tc, held_by_session_and_absence);
	tcase_add_test(tc, waits_for_the_call);
	tcase_add_test(tc, snooze);
	tcase_add_test(tc, cancelled_and_failed);
	tcase_add_test(tc, waits_for_do_not_disturb);
	tcase_add_test(tc, hold_and_unhold);
	suite_add_tcase(s, tc);
	return test_run(s);
}
