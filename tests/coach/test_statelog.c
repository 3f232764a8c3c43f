/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_statelog.c: the record of the day: lines in and out, torn lines and
 * garbage skipped, appends after a torn line, rotation, stats, streaks. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "coach/routine.h"
#include "coach/statelog.h"
#include "testlib.h"
#include "base/util.h"

static int parse(const char *s, struct slog_rec *r)
{
	return slog_parse(s, strlen(s), r);
}

START_TEST(round_trip)
{
	struct slog_rec in[] = {
		{ .t = 1700000000, .kind = SLOG_SIT, .secs = 1380 },
		{ .t = 1700000001, .kind = SLOG_BREAK, .secs = 600 },
		{ .t = 1700000002, .kind = SLOG_REMINDER, .reminder = SLOG_GIVEN },
		{ .t = 1700000003, .kind = SLOG_REMINDER, .reminder = SLOG_SNOOZED },
		{ .t = 1700000004, .kind = SLOG_REMINDER, .reminder = SLOG_CANCELLED },
		{ .t = 1700000005, .kind = SLOG_REMINDER, .reminder = SLOG_WAITED, .secs = 95 },
		{ .t = 1700000006, .kind = SLOG_SESSION, .routine = "desk-break",
		  .completed = true, .step = 3, .steps = 3, .skipped = 1, .secs = 206 },
		{ .t = 1700000007, .kind = SLOG_SESSION, .routine = "floor",
		  .step = 2, .steps = 6, .secs = 80 },
	};
	for (size_t i = 0; i < sizeof(in) / sizeof(*in); i++) {
		char buf[512];
		struct slog_rec out;
		size_t n = slog_format(&in[i], buf, sizeof(buf));
		ck_assert_uint_gt(n, 1);
		ck_assert_int_eq(buf[n - 1], '\n');
		ck_assert_int_eq(slog_parse(buf, n - 1, &out), 0);
		ck_assert_int_eq(out.t, in[i].t);
		ck_assert_int_eq(out.kind, in[i].kind);
		ck_assert_int_eq(out.secs, in[i].secs);
		ck_assert_int_eq(out.reminder, in[i].reminder);
		ck_assert_str_eq(out.routine, in[i].routine);
		ck_assert_int_eq(out.completed, in[i].completed);
		ck_assert_int_eq(out.step, in[i].step);
		ck_assert_int_eq(out.steps, in[i].steps);
		ck_assert_int_eq(out.skipped, in[i].skipped);
	}
	struct slog_rec r;
	ck_assert_int_eq(parse("2023-11-14T22:13:20Z sit 1380", &r), 0);
	ck_assert_int_eq(r.t, 1700000000);
	/* Later fields are ignored. */
	ck_assert_int_eq(parse("2023-11-14T22:13:20Z sit 12 future=1", &r), 0);
	/* A session line from before done= is written back as it was: read
	 * again, it is still a break (fuzz_daylog found done=0 written). */
	static const char old[] =
		"2023-11-14T22:13:20Z session desk completed 3/3 skipped=0 exercised=200";
	char buf[512];
	struct slog_rec again;
	ck_assert_int_eq(parse(old, &r), 0);
	ck_assert_int_eq(r.done, -1);
	ck_assert(slog_is_break(&r));
	size_t n = slog_format(&r, buf, sizeof(buf));
	ck_assert_uint_eq(n, strlen(old) + 1);
	ck_assert(memcmp(buf, old, n - 1) == 0);
	ck_assert_int_eq(slog_parse(buf, n - 1, &again), 0);
	ck_assert_int_eq(again.done, -1);
	ck_assert(slog_is_break(&again));
}
END_TEST

START_TEST(garbage)
{
	struct slog_rec r;
	static const char *const bad[] = {
		"", "sit 12", "2023-11-14T22:13:20Z", "2023-11-14T22:13:20Z sit",
		"2023-11-14T22:13:20Z sit -5", "2023-11-14T22:13:20Z sit 12x",
		"2023-11-14T22:13:20 sit 12", "2023-13-14T22:13:20Z sit 12",
		"2023-11-14T22:13:20Z nap 12", "2023-11-14T22:13:20Z break 12",
		"2023-11-14T22:13:20Z break natural", "2023-11-14T22:13:20Z reminder",
		"2023-11-14T22:13:20Z reminder maybe", "2023-11-14T22:13:20Z reminder waited",
		"2023-11-14T22:13:20Z session", "2023-11-14T22:13:20Z session desk",
		"2023-11-14T22:13:20Z session desk done 1/2 skipped=0 exercised=5",
		"2023-11-14T22:13:20Z session desk completed 3/2 skipped=0 exercised=5",
		"2023-11-14T22:13:20Z session desk completed 3 skipped=0 exercised=5",
		"2023-11-14T22:13:20Z session desk completed 1/2 skipped=x exercised=5",
		"2023-11-14T22:13:20Z session desk completed 1/2 skipped=0",
		"2023-11-14T22:13:20Z sit 9999999999999",
		"\xff\xfe garbage \x01",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		ck_assert_msg(parse(bad[i], &r) < 0, "accepted: %s", bad[i]);
	/* A NUL inside a line. */
	ck_assert_int_lt(slog_parse("2023-11-14T22:13:20Z sit 1\0 2", 29, &r), 0);
}
END_TEST

static char dir[] = "/tmp/bc-slog.XXXXXX";

static void setup(void)
{
	strcpy(dir, "/tmp/bc-slog.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	setenv("XDG_STATE_HOME", dir, 1);
	setenv("XDG_CACHE_HOME", dir, 1);
	setenv("TZ", "UTC", 1);
	tzset();
}

static void teardown(void)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

struct collect {
	struct slog_rec r[64];
	int n;
};

static void collect(void *ctx, const struct slog_rec *r)
{
	struct collect *c = ctx;
	if (c->n < 64)
		c->r[c->n++] = *r;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

START_TEST(torn_lines_and_garbage)
{
	char *path = statelog_path();
	char *sub = xasprintf("%s/backcoach", dir);
	struct collect c = { .n = 0 };
	int skipped = 0;

	ck_assert_int_eq(util_mkdir_p(sub, 0700), 0);
	/* Garbage in the middle, a torn last line. */
	write_file(path, "2023-11-14T22:13:20Z sit 60\n"
			 "\x01\x02 not a record\n"
			 "2023-11-14T22:14:20Z break natural 300\n"
			 "2023-11-14T22:15:20Z sess");
	ck_assert_int_eq(statelog_read(path, collect, &c, &skipped), 0);
	ck_assert_int_eq(c.n, 2);
	ck_assert_int_eq(skipped, 2);
	/* An append after the torn line keeps both earlier records and itself. */
	struct slog_rec r = { .t = 1700000500, .kind = SLOG_SIT, .secs = 42 };
	ck_assert_int_eq(statelog_append(&r), 0);
	c.n = 0;
	skipped = 0;
	ck_assert_int_eq(statelog_read(path, collect, &c, &skipped), 0);
	ck_assert_int_eq(c.n, 3);
	ck_assert_int_eq(skipped, 2);
	ck_assert_int_eq(c.r[2].secs, 42);
	free(sub);
	free(path);
}
END_TEST

START_TEST(missing_and_unwritable)
{
	char *path = statelog_path();
	char *sub = xasprintf("%s/backcoach", dir);
	struct collect c = { .n = 0 };
	struct slog_rec r = { .t = 1700000500, .kind = SLOG_SIT, .secs = 42 };

	/* No log yet: no records, no error. */
	ck_assert_int_eq(statelog_read(path, collect, &c, NULL), 0);
	ck_assert_int_eq(c.n, 0);
	ck_assert_int_eq(statelog_append(&r), 0);
	/* The log is a directory: the append fails, nothing is lost. */
	char *moved = xasprintf("%s.keep", path);
	ck_assert_int_eq(rename(path, moved), 0);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_lt(statelog_append(&r), 0);
	ck_assert_int_lt(statelog_append(&r), 0);
	ck_assert_int_eq(rmdir(path), 0);
	ck_assert_int_eq(rename(moved, path), 0);
	ck_assert_int_eq(statelog_append(&r), 0);
	ck_assert_int_eq(statelog_read(path, collect, &c, NULL), 0);
	ck_assert_int_eq(c.n, 2);
	free(moved);
	free(sub);
	free(path);
}
END_TEST

struct order {
	int64_t last;
	int n;
	bool ordered;
};

static void in_order(void *ctx, const struct slog_rec *r)
{
	struct order *o = ctx;
	if (r->t <= o->last)
		o->ordered = false;
	o->last = r->t;
	o->n++;
}

START_TEST(rotation)
{
	char *path = statelog_path();
	char *old = xasprintf("%s.1", path);
	struct slog_rec r = { .t = 1700000000, .kind = SLOG_SIT, .secs = 1 };
	struct stat st;
	int n = 0;

	/* ~30 bytes a line: past the bound once, then the new file. */
	for (; n < STATELOG_MAX_BYTES / 25; n++) {
		r.t++;
		ck_assert_quiet(statelog_append(&r) == 0, "line %d", n);
	}
	ck_assert_int_eq(stat(old, &st), 0);
	ck_assert_int_gt(st.st_size, STATELOG_MAX_BYTES);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_lt(st.st_size, STATELOG_MAX_BYTES);
	/* Both are read, in order, none lost. */
	struct order acc = { 0, 0, true };
	ck_assert_int_eq(statelog_read(path, in_order, &acc, NULL), 0);
	ck_assert_int_eq(acc.n, n);
	ck_assert(acc.ordered);
	free(old);
	free(path);
}
END_TEST

START_TEST(stats_and_streak)
{
	struct slog_stats s = { 0 };
	struct slog_days d = { 0 };
	static const char *const lines[] = {
		"2024-06-02T10:00:00Z session desk completed 3/3 skipped=0 exercised=200",
		"2024-06-03T09:30:00Z sit 1800",
		"2024-06-03T09:35:00Z break natural 300",
		"2024-06-03T10:25:00Z sit 3000",
		"2024-06-03T10:25:00Z reminder given",
		"2024-06-03T10:29:00Z session desk completed 3/3 skipped=1 exercised=206",
		"2024-06-03T11:00:00Z reminder waited 120",
		"2024-06-03T11:02:00Z session floor stopped 2/6 skipped=0 exercised=94",
		"2024-06-03T12:00:00Z reminder cancelled",
		"2024-06-04T08:00:00Z sit 600", /* outside the day */
	};
	int64_t from = 1717372800, to = from + 86400; /* 2024-06-03 UTC */

	setenv("TZ", "UTC", 1);
	tzset();
	for (size_t i = 0; i < sizeof(lines) / sizeof(*lines); i++) {
		struct slog_rec r;
		ck_assert_int_eq(parse(lines[i], &r), 0);
		slog_stats_add(&s, &r, from, to);
		slog_days_add(&d, &r);
	}
	ck_assert_int_eq(s.present_s, 4800);
	ck_assert_int_eq(s.longest_s, 3000);
	ck_assert_int_eq(s.natural, 1);
	/* An old session line (no done=) is a break when completed. */
	ck_assert_int_eq(s.guided, 1);
	ck_assert_int_eq(s.sessions, 2);
	ck_assert_int_eq(s.completed, 1);
	ck_assert_int_eq(s.exercised_s, 300);
	ck_assert_int_eq(s.reminders, 1);
	ck_assert_int_eq(s.waited, 1);
	ck_assert_int_eq(s.snoozed, 1);
	/* Completed sessions on June 2 and 3. */
	int64_t jun3 = slog_local_day(from);
	ck_assert_int_eq(slog_streak(&d, jun3, 0x7f), 2);
	ck_assert_int_eq(slog_streak(&d, jun3 + 1, 0x7f), 2); /* none yet today */
	ck_assert_int_eq(slog_streak(&d, jun3 + 2, 0x7f), 0); /* a day missed */
	/* June 2 2024 was a Sunday: with mon-fri it neither counts nor
	 * breaks; the Monday counts alone. */
	ck_assert_int_eq(slog_streak(&d, jun3, 0x3e), 1);
	slog_days_free(&d);
	ck_assert_int_eq(slog_streak(&d, jun3, 0x7f), 0);
}
END_TEST

/* A Monday-to-Friday streak carries over the weekend; a stopped session
 * that finished no exercise is no break. */
START_TEST(streak_over_weekend)
{
	struct slog_days d = { 0 };
	static const char *const lines[] = {
		"2024-05-30T10:00:00Z session desk completed 3/3 skipped=0 exercised=200 done=2", /* Thu */
		"2024-05-31T10:00:00Z session desk stopped 1/3 skipped=0 exercised=20 done=0", /* Fri */
		"2024-05-31T11:00:00Z session desk stopped 2/3 skipped=0 exercised=90 done=1", /* Fri */
		"2024-06-03T10:00:00Z session desk completed 3/3 skipped=0 exercised=200 done=2", /* Mon */
		"2024-06-04T10:00:00Z session desk stopped 1/3 skipped=1 exercised=5 done=0", /* Tue */
	};

	setenv("TZ", "UTC", 1);
	tzset();
	for (size_t i = 0; i < sizeof(lines) / sizeof(*lines); i++) {
		struct slog_rec r;
		ck_assert_int_eq(parse(lines[i], &r), 0);
		slog_days_add(&d, &r);
	}
	int64_t tue = slog_local_day(1717459200); /* 2024-06-04 */
	/* Tuesday has no break yet: Mon, Fri, Thu across the weekend. */
	ck_assert_int_eq(slog_streak(&d, tue, 0x3e), 3);
	/* Every day counts: the weekend breaks it. */
	ck_assert_int_eq(slog_streak(&d, tue, 0x7f), 1);
	/* Wednesday with none on Tuesday: over. */
	ck_assert_int_eq(slog_streak(&d, tue + 1, 0x3e), 0);
	slog_days_free(&d);
}
END_TEST

/* A session's exercises from the positions heard and skipped. */
START_TEST(session_exercises)
{
	/* intro [0,10) ex0 left [10,20) ex0 right [20,30) rest [30,35)
	 * ex1 [35,50) rest [50,55) ex2 [55,70) outro [70,80) */
	struct step steps[] = {
		{ 0, "intro", -1 },  { 10, "a (left side)", 0 }, { 20, "a (right side)", 0 },
		{ 30, "rest", -1 },  { 35, "b", 1 },            { 50, "rest", -1 },
		{ 55, "c", 2 },      { 70, "outro", -1 },
	};
	struct timeline tl = { .steps = steps, .n_steps = 8, .length = 80 };
	struct slog_exercise ex[8];
	int64_t exercised, skips[] = { 40 };
	int done;
	size_t n;

	/* Played through: all three done, 45 samples inside exercises. */
	n = slog_session_exercises(&tl, 0, NULL, 0, 80, true, ex, 8, &exercised, &done);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(done, 3);
	ck_assert_int_eq(exercised, 20 + 15 + 15);
	/* b skipped at 40, stopped during c at 60. */
	n = slog_session_exercises(&tl, 0, skips, 1, 60, false, ex, 8, &exercised, &done);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(ex[0].outcome, SLOG_DONE);
	ck_assert_int_eq(ex[1].exercise, 1);
	ck_assert_int_eq(ex[1].outcome, SLOG_EX_SKIPPED);
	ck_assert_int_eq(ex[1].heard, 5);
	ck_assert_int_eq(ex[2].outcome, SLOG_EX_STOPPED);
	ck_assert_int_eq(ex[2].heard, 5);
	ck_assert_int_eq(done, 1);
	ck_assert_int_eq(exercised, 20 + 5 + 5);
	/* Stopped in the intro: nothing reached, no break. */
	n = slog_session_exercises(&tl, 0, NULL, 0, 5, false, ex, 8, &exercised, &done);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(done, 0);
	ck_assert_int_eq(exercised, 0);
	/* Stopped at the switch of sides: the first side heard, the exercise
	 * stopped during, not done. */
	n = slog_session_exercises(&tl, 0, NULL, 0, 20, false, ex, 8, &exercised, &done);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(ex[0].outcome, SLOG_EX_STOPPED);
	ck_assert_int_eq(done, 0);
	/* Skipped the intro (a skip outside exercises): b and all done. */
	skips[0] = 3;
	n = slog_session_exercises(&tl, 0, skips, 1, 80, true, ex, 8, &exercised, &done);
	ck_assert_int_eq(done, 3);
	/* A reminder's own step left out (first = 1). */
	n = slog_session_exercises(&tl, 1, NULL, 0, 80, true, ex, 8, &exercised, &done);
	ck_assert_uint_eq(n, 3);
}
END_TEST

/* The new lines, and the old session line without done=. */
START_TEST(exercise_lines)
{
	struct slog_rec r, out;
	char buf[256];
	size_t n;

	ck_assert_int_eq(parse("2024-06-03T10:00:00Z exercise cat-cow stopped heard=12", &r), 0);
	ck_assert_int_eq(r.kind, SLOG_EXERCISE);
	ck_assert_str_eq(r.routine, "cat-cow");
	ck_assert_int_eq(r.outcome, SLOG_EX_STOPPED);
	ck_assert_int_eq(r.secs, 12);
	n = slog_format(&r, buf, sizeof(buf));
	ck_assert_str_eq(buf, "2024-06-03T10:00:00Z exercise cat-cow stopped heard=12\n");
	ck_assert_int_eq(slog_parse(buf, n - 1, &out), 0);
	ck_assert_int_eq(parse("2024-06-03T10:00:00Z exercise cat-cow hurt heard=12", &r), -1);
	ck_assert_int_eq(parse("2024-06-03T10:00:00Z exercise cat-cow done", &r), -1);
	ck_assert_int_eq(parse("2024-06-03T10:00:00Z reminder unanswered", &r), 0);
	ck_assert_int_eq(r.reminder, SLOG_UNANSWERED);
	ck_assert_int_eq(parse("2024-06-03T10:00:00Z reminder skipped", &r), 0);
	ck_assert_int_eq(r.reminder, SLOG_SKIPPED);
	ck_assert_int_eq(parse("2024-06-03T10:00:00Z session d stopped 1/3 skipped=0 exercised=5", &r), 0);
	ck_assert_int_eq(r.done, -1);
	ck_assert(!slog_is_break(&r));
	ck_assert_int_eq(parse("2024-06-03T10:00:00Z session d stopped 2/3 skipped=0 exercised=5 done=1", &r), 0);
	ck_assert_int_eq(r.done, 1);
	ck_assert(slog_is_break(&r));
	ck_assert_int_eq(parse("2024-06-03T10:00:00Z session d stopped 2/3 skipped=0 exercised=5 done=x", &r), -1);
}
END_TEST

/* Not a regular file at day.log or day.log.1 (a FIFO with no writer, a
 * symlink to one, a directory): refused at once, never waited on; what
 * the other file holds is still read. Check's timeout fails a hang. */
START_TEST(not_a_file)
{
	char *path = statelog_path();
	char *sub = xasprintf("%s/backcoach", dir);
	char *old = xasprintf("%s.1", path);
	char *fifo = xasprintf("%s/fifo", sub);
	struct collect c = { .n = 0 };
	struct slog_rec r = { .t = 1700000500, .kind = SLOG_SIT, .secs = 42 };
	int skipped = 0;

	ck_assert_int_eq(util_mkdir_p(sub, 0700), 0);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	/* A FIFO at day.log. */
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_int_lt(statelog_append(&r), 0);
	ck_assert_int_lt(statelog_read(path, collect, &c, &skipped), 0);
	ck_assert_int_eq(c.n, 0);
	/* A symlink to a FIFO at day.log. */
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(symlink(fifo, path), 0);
	ck_assert_int_lt(statelog_append(&r), 0);
	ck_assert_int_lt(statelog_read(path, collect, &c, &skipped), 0);
	/* A FIFO at day.log.1, a good day.log: its records still counted. */
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(statelog_append(&r), 0);
	ck_assert_int_eq(mkfifo(old, 0600), 0);
	ck_assert_int_lt(statelog_read(path, collect, &c, &skipped), 0);
	ck_assert_int_eq(c.n, 1);
	ck_assert_int_eq(skipped, 0);
	/* A symlink to a FIFO at day.log.1. */
	ck_assert_int_eq(unlink(old), 0);
	ck_assert_int_eq(symlink(fifo, old), 0);
	c.n = 0;
	ck_assert_int_lt(statelog_read(path, collect, &c, &skipped), 0);
	ck_assert_int_eq(c.n, 1);
	free(fifo);
	free(old);
	free(sub);
	free(path);
}
END_TEST

/* Fed in pieces of any size, a text gives the records and skips it gives
 * whole; a line longer than any record is skipped, once. */
START_TEST(lines_in_pieces)
{
	static const char text[] =
		"2023-11-14T22:13:20Z sit 60\n"
		"\n"
		"\x01\x02 not a record\n"
		"2023-11-14T22:14:20Z break natural 300\n"
		"2023-11-14T22:15:20Z session desk completed 3/3 skipped=0 exercised=200\n"
		"2023-11-14T22:16:20Z reminder given\n"
		"2023-11-14T22:17:20Z sit 6";
	size_t len = sizeof(text) - 1;

	for (size_t piece = 1; piece <= len; piece++) {
		struct collect c = { .n = 0 };
		struct slog_lines l = { .fn = collect, .ctx = &c };

		for (size_t at = 0; at < len; at += piece)
			slog_lines_feed(&l, text + at, at + piece < len ? piece : len - at);
		slog_lines_end(&l);
		ck_assert_quiet(c.n == 4 && l.skipped == 2, "pieces of %zu: %d records, "
				"%d skipped", piece, c.n, l.skipped);
		ck_assert_quiet(c.r[2].kind == SLOG_SESSION && c.r[2].secs == 200 &&
				c.r[3].kind == SLOG_REMINDER, "pieces of %zu", piece);
	}

	/* A line of SLOG_LINE_MAX bytes is read; one more is skipped whole. */
	char *big = xmalloc(3 * SLOG_LINE_MAX);
	for (size_t extra = 0; extra < 2; extra++) {
		struct collect c = { .n = 0 };
		struct slog_lines l = { .fn = collect, .ctx = &c };
		size_t n = SLOG_LINE_MAX + extra;
		const char *rec = "2023-11-14T22:13:20Z sit 60 ";

		memset(big, 'x', n);
		memcpy(big, rec, strlen(rec));
		big[n] = '\n';
		for (size_t at = 0; at <= n; at += 100)
			slog_lines_feed(&l, big + at, at + 100 <= n + 1 ? 100 : n + 1 - at);
		slog_lines_feed(&l, "2023-11-14T22:13:21Z sit 61\n", 28);
		slog_lines_end(&l);
		ck_assert_int_eq(c.n, extra ? 1 : 2);
		ck_assert_int_eq(l.skipped, extra ? 1 : 0);
		ck_assert_int_eq(c.r[c.n - 1].secs, 61);
	}
	free(big);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("statelog");
	TCase *tc = tcase_create("lines");
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, garbage);
	tcase_add_test(tc, stats_and_streak);
	tcase_add_test(tc, streak_over_weekend);
	tcase_add_test(tc, session_exercises);
	tcase_add_test(tc, exercise_lines);
	tcase_add_test(tc, lines_in_pieces);
	suite_add_tcase(s, tc);
	tc = tcase_create("file");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, torn_lines_and_garbage);
	tcase_add_test(tc, missing_and_unwritable);
	tcase_add_test(tc, rotation);
	tcase_add_test(tc, not_a_file);
	suite_add_tcase(s, tc);
	return test_run(s);
}
