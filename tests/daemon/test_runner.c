/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_runner.c: the session runner alone, on a loop of its own, driven
 * through its interface by a stand-in for the daemon (struct runner_ops)
 * that notes what it is told: a session begun, ended (how, and whether a
 * reminder was cancelled in its countdown), nothing playing. Real speech,
 * the null sink; a routine played to the end, its commands, a reminder
 * stopped in its countdown, a stop during an exercise (the daemon says the
 * "stopped" line, `play` does not), no output. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audio/sink.h"
#include "base/audio.h"
#include "base/loop.h"
#include "base/util.h"
#include "coach/reminder_timeline.h"
#include "coach/statelog.h"
#include "daemon/prepared.h"
#include "daemon/runner.h"
#include "desktop/mpris.h"
#include "playback/voice_speech.h"
#include "speech/speech.h"
#include "testlib.h"

/* The stand-in: the events in order ("b" began, "e" ended, "i" idle) and
 * the last end. */
struct fake {
	char events[32];
	enum session_result res;
	bool cancelled;
};

static struct fake fk;
static struct sink_null_ctx nc;
static struct loop *loop;
static struct speech *sp;
static struct cfgref *cfg;
static struct prepared prep;
static struct runner *rn;
static char statedir[] = "/tmp/test_runner_XXXXXX";

static void event(char c)
{
	size_t n = strlen(fk.events);

	ck_assert_uint_lt(n + 1, sizeof(fk.events));
	fk.events[n] = c;
}

static void f_began(void *data)
{
	(void)data;
	event('b');
}

static void f_ended(void *data, enum session_result res, bool cancelled)
{
	(void)data;
	event('e');
	fk.res = res;
	fk.cancelled = cancelled;
}

static void f_idle(void *data)
{
	(void)data;
	event('i');
}

static const struct runner_ops fake_ops = {
	.began = f_began, .ended = f_ended, .idle = f_idle,
};

/* A runner (foreground: as `play`) whose sinks play at speed (0: at once)
 * or fail to open with open_error. */
static void start_runner(bool foreground, double speed, const char *open_error)
{
	runner_free(rn);
	sink_null_record_free(&nc.rec);
	memset(&nc, 0, sizeof(nc));
	nc.opts.speed = speed;
	nc.opts.open_error = open_error;
	rn = runner_new(loop, sp, sink_null_opener(&nc), foreground, &fake_ops, &fk);
	ck_assert_ptr_nonnull(rn);
}

static void setup(void)
{
	char err[512];

	strcpy(statedir, "/tmp/test_runner_XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(statedir));
	setenv("XDG_STATE_HOME", statedir, 1);
	{
		/* Its own speech cache, never the user's (~/.cache). */
		char *cache = xasprintf("%s/cache", statedir);

		setenv("XDG_CACHE_HOME", cache, 1);
		free(cache);
	}
	memset(&fk, 0, sizeof(fk));
	cfg = cfgref_load(test_data("daemon-short.ini"), NULL);
	ck_assert_ptr_nonnull(cfg);
	sp = speech_open(err, sizeof(err));
	ck_assert_msg(sp != NULL, "%s", err);
	ck_assert_int_eq(prepared_build(&prep, cfg, cfg->c.general.routine_idx, sp, err,
					sizeof(err)), 0);
	loop = loop_new();
	rn = NULL;
}

static void teardown(void)
{
	char *cmd = xasprintf("rm -rf %s", statedir);

	runner_free(rn);
	sink_null_record_free(&nc.rec);
	loop_free(loop);
	prepared_clear(&prep);
	cfgref_put(cfg);
	speech_close(sp);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

static void begin_routine(void)
{
	char err[256];

	ck_assert_int_eq(runner_begin(rn, PLAY_ROUTINE, &prep.tl, prep.cfg, "short", 0, err,
				      sizeof(err)), 0);
}

static int idles(void)
{
	int n = 0;

	for (const char *p = fk.events; *p; p++)
		n += *p == 'i';
	return n;
}

/* Run the loop until nothing plays and the stand-in was told so (once
 * more). */
static void until_idle(void)
{
	int before = idles();

	for (int i = 0; i < 100 && idles() == before; i++)
		ck_assert_int_eq(loop_run_once(loop), 0);
	ck_assert_msg(idles() > before, "never idle: %s", fk.events);
	ck_assert_int_eq(runner_kind(rn), PLAY_NONE);
	ck_assert_ptr_null(runner_name(rn));
}

/* Where the session is heard now (samples into its timeline), as the
 * MPRIS player sees it. */
static int64_t heard_at(const struct timeline *tl)
{
	struct mpris_state st = { 0 };

	runner_mpris_state(rn, &st);
	ck_assert_int_ne(st.status, MPRIS_STOPPED);
	return (st.step >= 0 ? tl->steps[st.step].at : 0) +
	       st.position_us * BC_RATE / 1000000;
}

/* Wait (real time) until the session is inside an exercise's reps, at
 * least a second into them. */
static void until_in_exercise(const struct timeline *tl)
{
	int64_t from = -1;

	for (int64_t pos = 0; pos < tl->length && from < 0; pos += BC_RATE / 10)
		if (timeline_in_exercise(tl, pos))
			from = pos;
	ck_assert_int_ge(from, 0);
	for (int i = 0; i < 300 && heard_at(tl) < from + BC_RATE; i++)
		usleep(100 * 1000);
	ck_assert_msg(timeline_in_exercise(tl, heard_at(tl)), "not in an exercise at %lld",
		      (long long)heard_at(tl));
}

/* The sessions in the record of the day: "C" completed, "S" not. */
static void add_rec(void *ctx, const struct slog_rec *r)
{
	char *s = ctx;

	if (r->kind == SLOG_SESSION && strlen(s) < 15)
		s[strlen(s)] = r->completed ? 'C' : 'S';
}

static const char *record(void)
{
	static char s[16];
	char *path = statelog_path();
	int skipped = 0;

	memset(s, 0, sizeof(s));
	ck_assert_int_eq(statelog_read(path, add_rec, s, &skipped), 0);
	free(path);
	return s;
}

/* A routine to its end: begun, ended, idle; in the record. */
START_TEST(to_the_end)
{
	start_runner(false, 0, NULL);
	begin_routine();
	ck_assert_str_eq(fk.events, "b");
	ck_assert_int_eq(runner_kind(rn), PLAY_ROUTINE);
	ck_assert_str_eq(runner_name(rn), "short");
	until_idle();
	ck_assert_str_eq(fk.events, "bei");
	ck_assert_int_eq(fk.res, SESSION_DONE);
	ck_assert(!fk.cancelled);
	ck_assert(nc.rec.closed_ok);
	ck_assert_int_gt((int64_t)nc.rec.n, BC_MS_TO_SAMPLES(20000));
	ck_assert_str_eq(record(), "C");
}
END_TEST

/* Its commands, what it shows, a stop before any exercise: no "stopped"
 * line. */
START_TEST(commands)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	start_runner(false, 1.0, NULL);
	begin_routine();
	runner_pause(rn, true);
	ck_assert(runner_paused(rn));
	runner_pause(rn, false);
	ck_assert(!runner_paused(rn));
	f = open_memstream(&text, &len);
	runner_status(rn, false, f);
	fclose(f);
	ck_assert_msg(strstr(text, "playing: short\n") && strstr(text, "position: "), "%s", text);
	free(text);
	runner_repeat(rn);
	runner_stop(rn, true);
	until_idle();
	ck_assert_str_eq(fk.events, "bei");
	ck_assert_int_eq(fk.res, SESSION_STOPPED);
	ck_assert(!fk.cancelled);
	ck_assert_uint_ge(nc.rec.fades, 1);
	ck_assert_str_eq(record(), "S");
}
END_TEST

/* A reminder stopped in its countdown: cancelled. */
START_TEST(reminder_cancelled)
{
	const struct config *c = &cfg->c;
	int r = c->general.routine_idx;
	struct voice_speech vs = { .sp = sp };
	struct timeline tl;
	int64_t body_at;
	char err[256];

	start_runner(false, 1.0, NULL);
	speech_voice_for(c, r, &vs.voice);
	ck_assert_int_eq(reminder_timeline(&c->languages[c->routines[r].language], r,
					   "You sat an hour.", &prep.tl, 5000,
					   prepared_measure, &vs, &tl, &body_at, err,
					   sizeof(err)), 0);
	ck_assert_int_eq(runner_begin(rn, PLAY_REMINDER, &tl, cfg, "reminder", body_at, err,
				      sizeof(err)), 0);
	ck_assert_int_eq(runner_kind(rn), PLAY_REMINDER);
	runner_stop(rn, true);
	until_idle();
	ck_assert_str_eq(fk.events, "bei");
	ck_assert_int_eq(fk.res, SESSION_STOPPED);
	ck_assert(fk.cancelled);
}
END_TEST

/* Stopped during an exercise: the daemon's runner says the "stopped" line
 * as a session of its own, and is idle only after it. */
START_TEST(stopped_in_exercise)
{
	start_runner(false, 1.0, NULL);
	begin_routine();
	runner_skip(rn); /* the intro */
	until_in_exercise(&prep.tl);
	runner_stop(rn, true);
	for (int i = 0; i < 100 && strlen(fk.events) < 3; i++)
		ck_assert_int_eq(loop_run_once(loop), 0);
	ck_assert_str_eq(fk.events, "beb");
	ck_assert_int_eq(runner_kind(rn), PLAY_STOPPED);
	ck_assert_str_eq(runner_name(rn), "stopped");
	until_idle();
	ck_assert_str_eq(fk.events, "bebei");
	ck_assert_int_eq(fk.res, SESSION_DONE);
	ck_assert_str_eq(record(), "S"); /* the routine, not the line */
}
END_TEST

/* `play`: the same stop writes the line and ends. */
START_TEST(stopped_in_exercise_foreground)
{
	start_runner(true, 1.0, NULL);
	begin_routine();
	runner_skip(rn);
	until_in_exercise(&prep.tl);
	runner_stop(rn, false);
	until_idle();
	ck_assert_str_eq(fk.events, "bei");
	ck_assert_int_eq(fk.res, SESSION_STOPPED);
}
END_TEST

/* No output: the session ends at once, as such, and the runner is ready
 * for the next. */
START_TEST(no_output)
{
	start_runner(false, 1.0, "no output device");
	begin_routine();
	until_idle();
	ck_assert_str_eq(fk.events, "bei");
	ck_assert_int_eq(fk.res, SESSION_NO_OUTPUT);
	begin_routine();
	until_idle();
	ck_assert_str_eq(fk.events, "beibei");
	ck_assert_uint_eq(nc.rec.opens, 2);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("runner");
	TCase *tc = tcase_create("null sink");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 90);
	tcase_add_test(tc, to_the_end);
	tcase_add_test(tc, commands);
	tcase_add_test(tc, reminder_cancelled);
	tcase_add_test(tc, stopped_in_exercise);
	tcase_add_test(tc, stopped_in_exercise_foreground);
	tcase_add_test(tc, no_output);
	suite_add_tcase(s, tc);
	return test_run(s);
}
