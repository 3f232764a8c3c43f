/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_commands.c: the command table alone, run against a target of our own
 * (struct command_ops) that records what it was asked: each command reaches
 * its operation only in the states it applies in, and answers as the table
 * says. The daemon's own target is tested by test_daemon. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "daemon/commands.h"
#include "testlib.h"

/* The target: a state, what it was asked (one letter each), and what it
 * answers. */
struct fake {
	unsigned state;
	const char *name;
	char asked[64];
	int fail; /* start, snooze and reload fail */
	enum command_moved moved; /* what skip and repeat did */
};

static void ask(struct fake *f, char c)
{
	size_t n = strlen(f->asked);

	ck_assert_uint_lt(n + 1, sizeof(f->asked));
	f->asked[n] = c;
}

static unsigned f_state(void *data)
{
	return ((struct fake *)data)->state;
}

static const char *f_session_name(void *data)
{
	struct fake *f = data;

	return f->state == CMD_IDLE ? NULL : f->name;
}

static int f_start(void *data, const char *routine, char *err, size_t errlen)
{
	struct fake *f = data;

	ask(f, 'S');
	if (f->fail) {
		snprintf(err, errlen, "no routine named \"%s\"", routine ? routine : "");
		return -1;
	}
	f->state = CMD_PLAYING;
	f->name = routine ? routine : "default";
	return 0;
}

static void f_stop(void *data)
{
	ask(data, 'x');
}

static void f_pause(void *data, bool pause)
{
	struct fake *f = data;

	ask(f, pause ? 'p' : 'r');
	f->state = pause ? CMD_PAUSED : CMD_PLAYING;
}

static enum command_moved f_skip(void *data)
{
	struct fake *f = data;

	ask(f, 'k');
	return f->moved;
}

static enum command_moved f_repeat(void *data)
{
	struct fake *f = data;

	ask(f, 'a');
	return f->moved;
}

static int f_snooze(void *data, const char *arg, int64_t *ms, char *err, size_t errlen)
{
	struct fake *f = data;

	ask(f, arg ? 'Z' : 'z');
	if (f->fail) {
		snprintf(err, errlen, "reminders are off");
		return -1;
	}
	*ms = 15 * 60 * 1000;
	return 0;
}

static int f_hold(void *data, const char *arg, int64_t *until, char *err, size_t errlen)
{
	struct fake *f = data;

	ask(f, 'h');
	if (strcmp(arg, "2h") != 0) {
		snprintf(err, errlen, "\"%s\": not a duration", arg);
		return -1;
	}
	*until = 0; /* the epoch, as the local time says it */
	return 0;
}

static void f_unhold(void *data)
{
	ask(data, 'u');
}

static int f_reload(void *data, FILE *reply)
{
	struct fake *f = data;

	ask(f, 'l');
	if (f->fail && reply)
		fprintf(reply, "cfg.ini:3: bad\n");
	return f->fail ? -1 : 0;
}

static const char *f_config_path(void *data)
{
	(void)data;
	return "/etc/cfg.ini";
}

static void f_status(void *data, bool verbose, FILE *out)
{
	ask(data, 'T');
	fprintf(out, "state: fake%s\n", verbose ? " (verbose)" : "");
}

static void f_quit(void *data)
{
	ask(data, 'q');
}

static const struct command_ops fake_ops = {
	.state = f_state, .session_name = f_session_name, .start = f_start,
	.stop = f_stop, .pause = f_pause, .skip = f_skip, .repeat = f_repeat,
	.snooze = f_snooze, .hold = f_hold, .unhold = f_unhold,
	.reload = f_reload, .config_path = f_config_path,
	.status = f_status, .quit = f_quit,
};

static struct fake fk;
static struct command_target target = { &fake_ops, &fk };

static void setup(void)
{
	memset(&fk, 0, sizeof(fk));
	fk.state = CMD_IDLE;
}

/* Run name with arg as the control socket does: the return, and the
 * reply's text in reply (static). */
static int run(const char *name, const char *arg, char *reply, size_t len)
{
	char *text = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&text, &n);
	int r;

	ck_assert_ptr_nonnull(command_by_name(name));
	r = command_run(&target, command_by_name(name), arg, "test", f);
	fclose(f);
	snprintf(reply, len, "%s", text);
	free(text);
	return r;
}

#define EXPECT(name, arg, ret, text)                                           \
	do {                                                                   \
		char reply_[256];                                              \
		ck_assert_int_eq(run(name, arg, reply_, sizeof(reply_)), ret); \
		ck_assert_str_eq(reply_, text);                                \
	} while (0)

/* Idle: what needs a session is refused without asking the target. */
START_TEST(idle_refused)
{
	EXPECT("stop", NULL, 0, "nothing is playing\n");
	EXPECT("pause", NULL, -1, "nothing is playing\n");
	EXPECT("resume", NULL, -1, "nothing is playing\n");
	EXPECT("skip", NULL, -1, "nothing is playing\n");
	EXPECT("repeat", NULL, -1, "nothing is playing\n");
	ck_assert_str_eq(fk.asked, "");
}
END_TEST

/* A session through the table: each command reaches its operation once,
 * the reply names what plays. */
START_TEST(session)
{
	EXPECT("start", "desk", 0, "playing desk\n");
	EXPECT("start", NULL, -1, "desk is already playing\n");
	EXPECT("pause", NULL, 0, "paused\n");
	EXPECT("resume", NULL, 0, "resumed\n");
	EXPECT("skip", NULL, 0, "skipping to the next step\n");
	EXPECT("repeat", NULL, 0, "again from the start of the step\n");
	EXPECT("stop", NULL, 0, "stopping desk\n");
	ck_assert_str_eq(fk.asked, "Sprkax");
}
END_TEST

/* After the coach's question, skip and repeat are the answer: the client
 * is told it was taken, or was given already (nothing done). */
START_TEST(answer)
{
	fk.state = CMD_PLAYING;
	fk.name = "desk";
	fk.moved = CMD_ANSWERED;
	EXPECT("skip", NULL, 0, "answered: it all felt good\n");
	EXPECT("repeat", NULL, 0, "answered: something was too much\n");
	fk.moved = CMD_SAME_ANSWER;
	EXPECT("repeat", NULL, 0, "answered already: something was too much\n");
	EXPECT("skip", NULL, 0, "answered already: it all felt good\n");
	ck_assert_str_eq(fk.asked, "kaak");
}
END_TEST

/* Lines of f (rewound) with sub. */
static int lines_with(FILE *f, const char *sub)
{
	char line[512];
	int n = 0;

	rewind(f);
	while (fgets(line, sizeof(line), f))
		n += strstr(line, sub) != NULL;
	return n;
}

/* A storm of pause and resume, from MPRIS (PlayPause) and SIGRTMIN+1:
 * each command's answer logged once, not every time; at debug level (-v)
 * every time. */
START_TEST(storm_logged_once)
{
	struct log_limit said[CMD_COUNT];
	struct command_target t = { &fake_ops, &fk, said };
	const struct command *toggle = command_by_id(CMD_TOGGLE);
	char err[64];

	for (int verbose = 0; verbose < 2; verbose++) {
		FILE *log = tmpfile();
		int saved = dup(STDERR_FILENO);

		memset(said, 0, sizeof(said));
		log_init(verbose);
		fk.state = CMD_PLAYING;
		fk.name = "desk";
		fflush(stderr);
		ck_assert_int_ge(dup2(fileno(log), STDERR_FILENO), 0);
		for (int i = 0; i < 100; i++) {
			memset(fk.asked, 0, sizeof(fk.asked)); /* it records a few only */
			ck_assert_int_eq(command_run_named(&t, i % 2 ? "resume" : "pause", "MPRIS",
							   err, sizeof(err)), 0);
			ck_assert_int_eq(command_run(&t, toggle, NULL, "SIGRTMIN+1", NULL), 0);
		}
		fflush(stderr);
		dup2(saved, STDERR_FILENO);
		close(saved);
		ck_assert_int_eq(lines_with(log, "MPRIS: paused"), (verbose ? 50 : 1));
		ck_assert_int_eq(lines_with(log, "MPRIS: resumed"), (verbose ? 50 : 1));
		ck_assert_int_eq(lines_with(log, "SIGRTMIN+1: "), (verbose ? 100 : 1));
		fclose(log);
	}
	log_init(false);
}
END_TEST

/* SIGRTMIN+1's toggle: pauses when playing, resumes when paused. */
START_TEST(toggle)
{
	const struct command *t = command_by_id(CMD_TOGGLE);

	fk.state = CMD_PLAYING;
	ck_assert_int_eq(command_run(&target, t, NULL, "test", NULL), 0);
	ck_assert_uint_eq(fk.state, CMD_PAUSED);
	ck_assert_int_eq(command_run(&target, t, NULL, "test", NULL), 0);
	ck_assert_uint_eq(fk.state, CMD_PLAYING);
	ck_assert_str_eq(fk.asked, "pr");
}
END_TEST

/* A reminder waiting for its answer: start, resume (play) and toggle
 * answer it with the routine; stop and skip let the break go; pause and
 * repeat have nothing to act on. */
START_TEST(asking)
{
	fk.state = CMD_ASKING;
	fk.name = "reminder";
	EXPECT("pause", NULL, -1, "nothing is playing\n");
	EXPECT("repeat", NULL, -1, "nothing is playing\n");
	EXPECT("skip", NULL, 0, "skipping to the next step\n");
	EXPECT("stop", NULL, 0, "stopping reminder\n");
	EXPECT("resume", NULL, 0, "resumed\n");
	fk.state = CMD_ASKING;
	ck_assert_int_eq(command_run(&target, command_by_id(CMD_TOGGLE), NULL, "test", NULL), 0);
	fk.state = CMD_ASKING;
	EXPECT("start", "desk", 0, "playing desk\n");
	ck_assert_str_eq(fk.asked, "kxrrS");
}
END_TEST

/* snooze DURATION, hold, unhold: in every state, the argument passed on. */
START_TEST(hold)
{
	setenv("TZ", "UTC", 1);
	EXPECT("snooze", "20m", 0, "reminders snoozed for 15m00s\n");
	EXPECT("hold", "2h", 0, "no reminder until 1970-01-01 00:00:00 UTC\n");
	EXPECT("hold", "later", -1, "\"later\": not a duration\n");
	EXPECT("unhold", NULL, 0, "reminders as usual\n");
	ck_assert_str_eq(fk.asked, "Zhhu");
}
END_TEST

/* In every state: snooze, reload, status; failures carry the target's
 * reason. */
START_TEST(always)
{
	EXPECT("snooze", NULL, 0, "reminders snoozed for 15m00s\n");
	EXPECT("reload", NULL, 0, "config reloaded from /etc/cfg.ini\n");
	EXPECT("status", NULL, 0, "state: fake\n");
	EXPECT("status", "verbose", 0, "state: fake (verbose)\n");
	fk.fail = 1;
	EXPECT("snooze", NULL, -1, "reminders are off\n");
	EXPECT("reload", NULL, -1,
	       "cfg.ini:3: bad\nconfig not reloaded: the old one stays in use\n");
	EXPECT("start", "nope", -1, "no routine named \"nope\"\n");
	ck_assert_str_eq(fk.asked, "zlTTzlS");
	ck_assert_int_eq(command_run(&target, command_by_id(CMD_QUIT), NULL, "test", NULL), 0);
	ck_assert_str_eq(fk.asked, "zlTTzlSq");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("commands");
	TCase *tc = tcase_create("fake target");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, idle_refused);
	tcase_add_test(tc, session);
	tcase_add_test(tc, answer);
	tcase_add_test(tc, toggle);
	tcase_add_test(tc, storm_logged_once);
	tcase_add_test(tc, asking);
	tcase_add_test(tc, hold);
	tcase_add_test(tc, always);
	suite_add_tcase(s, tc);
	return test_run(s);
}
