/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_daemon.c: the daemon in-process, its sessions played into the null
 * sink: every command of the table, from the states it applies in and
 * from those it does not, with the replies the control socket would give. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/audio.h"
#include "daemon/commands.h"
#include "daemon/daemon.h"
#include "base/loop.h"
#include "audio/sink.h"
#include "testlib.h"
#include "base/util.h"

static struct sink_null_ctx nc;
static struct daemon *d;
static char statedir[] = "/tmp/test_daemon_XXXXXX";

static void setup_with(const char *ini, double speed, const char *open_error)
{
	int code = -1;

	strcpy(statedir, "/tmp/test_daemon_XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(statedir));
	setenv("XDG_STATE_HOME", statedir, 1);
	{
		/* Its own speech cache, never the user's (~/.cache). */
		char *cache = xasprintf("%s/cache", statedir);

		setenv("XDG_CACHE_HOME", cache, 1);
		free(cache);
	}
	memset(&nc, 0, sizeof(nc));
	nc.opts.speed = speed;
	nc.opts.open_error = open_error;
	struct daemon_opts o = {
		.config_path = ini[0] == '/' ? ini : test_data(ini), .no_socket = true,
		.opener = sink_null_opener(&nc),
	};
	d = daemon_new(&o, &code);
	ck_assert_msg(d != NULL, "daemon_new: exit %d", code);
}

static void setup(void)
{
	setup_with("daemon-short.ini", 1.0, NULL);
}

static void teardown(void)
{
	char *cmd = xasprintf("rm -rf %s", statedir);

	daemon_free(d);
	sink_null_record_free(&nc.rec);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

/* Start over with another daemon. */
static void restart_with(const char *ini, double speed, const char *open_error)
{
	teardown();
	setup_with(ini, speed, open_error);
}

/* Run a command as the control socket does; *reply gets its text. */
static int run(const char *name, const char *arg, char **reply)
{
	const struct command *c = command_by_name(name);
	size_t len;
	FILE *f = open_memstream(reply, &len);
	int r;

	ck_assert_msg(c != NULL, "no command %s", name);
	r = command_run(daemon_commands(d), c, arg, "test", f);
	fclose(f);
	return r;
}

/* Run and check the reply's first line. */
static void expect(const char *name, const char *arg, int ret, const char *line)
{
	char *reply = NULL;
	int r = run(name, arg, &reply);

	ck_assert_msg(r == ret, "%s: returned %d: %s", name, r, reply);
	ck_assert_msg(strncmp(reply, line, strlen(line)) == 0 &&
		      reply[strlen(line)] == '\n',
		      "%s: replied \"%s\", not \"%s\"", name, reply, line);
	free(reply);
}

static bool status_arg_has(const char *arg, const char *line)
{
	char *reply = NULL;
	bool has;

	ck_assert_int_eq(run("status", arg, &reply), 0);
	has = strstr(reply, line) != NULL;
	free(reply);
	return has;
}

static bool status_has(const char *line)
{
	return status_arg_has(NULL, line);
}

/* Run the loop until the session has ended. */
static void until_idle(void)
{
	for (int i = 0; i < 200 && daemon_state(d) != CMD_IDLE; i++)
		ck_assert_int_eq(loop_run_once(daemon_loop(d)), 0);
	ck_assert_uint_eq(daemon_state(d), CMD_IDLE);
}

START_TEST(table)
{
	for (int i = 0; i < CMD_COUNT; i++) {
		const struct command *c = command_by_id((enum command_id)i);
		ck_assert_int_eq(c->id, i);
		ck_assert_ptr_nonnull(c->run);
		if (c->remote)
			ck_assert_ptr_eq(command_by_name(c->name), c);
		else
			ck_assert_ptr_null(command_by_name(c->name));
	}
	ck_assert_ptr_null(command_by_name("nope"));
	ck_assert_int_eq(command_by_signal(SIGUSR1)->id, CMD_START);
	ck_assert_int_eq(command_by_signal(SIGUSR2)->id, CMD_STOP);
	ck_assert_int_eq(command_by_signal(SIGHUP)->id, CMD_RELOAD);
	ck_assert_int_eq(command_by_signal(SIGTERM)->id, CMD_QUIT);
	ck_assert_int_eq(command_by_signal(SIGINT)->id, CMD_QUIT);
	ck_assert_int_eq(command_by_signal(SIGRTMIN + 1)->id, CMD_TOGGLE);
	ck_assert_int_eq(command_by_signal(SIGRTMIN + 2)->id, CMD_SKIP);
	ck_assert_int_eq(command_by_signal(SIGRTMIN + 3)->id, CMD_REPEAT);
	ck_assert_ptr_null(command_by_signal(SIGWINCH));
}
END_TEST

/* Idle: what needs a session is refused (stop is still fine). */
START_TEST(idle)
{
	ck_assert(status_has("state: idle (nothing playing; the sound device is closed)\n"));
	/* The technical lines only with status -v. */
	ck_assert(!status_has("device: "));
	ck_assert(!status_has("latency: "));
	ck_assert(status_arg_has("verbose", "device: default (opened when a session starts)\n"));
	ck_assert(status_arg_has("verbose", "latency: "));
	ck_assert(status_arg_has("verbose", "state: idle ("));
	ck_assert(status_has("default routine: short\n"));
	ck_assert(status_has("next reminder: off\n"));
	expect("stop", NULL, 0, "nothing is playing");
	expect("pause", NULL, -1, "nothing is playing");
	expect("resume", NULL, -1, "nothing is playing");
	expect("skip", NULL, -1, "nothing is playing");
	expect("repeat", NULL, -1, "nothing is playing");
	expect("snooze", NULL, -1, "reminders are off");
	char *reply = NULL;
	ck_assert_int_eq(run("start", "nope", &reply), -1);
	ck_assert_msg(strstr(reply, "no routine named \"nope\"; known: ") == reply &&
		      strstr(reply, " short") && strstr(reply, " desk-break"), "%s", reply);
	free(reply);
	ck_assert_uint_eq(nc.rec.opens, 0);
}
END_TEST

/* A session through every state: start, pause, resume, skip, stop. */
START_TEST(session_commands)
{
	expect("start", NULL, 0, "playing short");
	ck_assert_uint_eq(daemon_state(d), CMD_PLAYING);
	ck_assert_str_eq(daemon_session_name(d), "short");
	expect("start", NULL, -1, "short is already playing");
	ck_assert(status_has("playing: short\n"));
	ck_assert(status_has("next reminder: off\n"));
	ck_assert(!status_has("underflows: "));
	ck_assert(status_arg_has("verbose", "underflows: "));
	ck_assert(status_arg_has("verbose", "realtime: "));
	ck_assert(status_arg_has("verbose", "playing: short\n"));
	expect("pause", NULL, 0, "paused");
	ck_assert_uint_eq(daemon_state(d), CMD_PAUSED);
	expect("resume", NULL, 0, "resumed");
	ck_assert_uint_eq(daemon_state(d), CMD_PLAYING);
	expect("skip", NULL, 0, "skipping to the next step");
	expect("repeat", NULL, 0, "again from the start of the step");
	expect("stop", NULL, 0, "stopping short");
	until_idle();
	ck_assert_uint_eq(nc.rec.opens, 1);
	ck_assert_uint_eq(nc.rec.closes, 1);
	ck_assert_uint_ge(nc.rec.fades, 1);
	ck_assert(status_has("state: idle ("));
	/* Ready for the next trigger. */
	expect("start", "short", 0, "playing short");
	expect("stop", NULL, 0, "stopping short");
	until_idle();
	ck_assert_uint_eq(nc.rec.opens, 2);
}
END_TEST

/* SIGRTMIN+1's command toggles; its reply says which. */
START_TEST(toggle)
{
	const struct command *t = command_by_id(CMD_TOGGLE);
	char *reply = NULL;
	size_t len;
	FILE *f;

	expect("start", NULL, 0, "playing short");
	f = open_memstream(&reply, &len);
	ck_assert_int_eq(command_run(daemon_commands(d), t, NULL, "test", f), 0);
	fclose(f);
	ck_assert_str_eq(reply, "paused\n");
	free(reply);
	ck_assert_uint_eq(daemon_state(d), CMD_PAUSED);
	f = open_memstream(&reply, &len);
	ck_assert_int_eq(command_run(daemon_commands(d), t, NULL, "test", f), 0);
	fclose(f);
	ck_assert_str_eq(reply, "resumed\n");
	free(reply);
	expect("stop", NULL, 0, "stopping short");
	until_idle();
}
END_TEST

/* A session that ends by itself leaves the daemon idle and ready. */
START_TEST(plays_to_the_end)
{
	restart_with("daemon-short.ini", 0, NULL); /* as fast as it goes */
	expect("start", NULL, 0, "playing short");
	until_idle();
	ck_assert(nc.rec.closed_ok);
	ck_assert_int_gt((int64_t)nc.rec.n, BC_MS_TO_SAMPLES(20000));
	ck_assert_int_eq(nc.rec.dropped, 0);
}
END_TEST

/* No output: the session fails, the daemon carries on. */
START_TEST(no_output)
{
	restart_with("daemon-short.ini", 1.0, "no output device");
	expect("start", NULL, 0, "playing short");
	until_idle();
	ck_assert_uint_eq(nc.rec.opens, 1);
	expect("start", NULL, 0, "playing short");
	until_idle();
	ck_assert_uint_eq(nc.rec.opens, 2);
}
END_TEST

/* Reload: a good config is swapped in, a bad one refused with its
 * FILE:LINE errors in the reply. */
START_TEST(reload)
{
	char *reply = NULL, *path = xasprintf("/tmp/test_daemon_cfg_%d.ini", getpid());
	char *copy = xasprintf("cp %s %s", test_data("daemon-short.ini"), path);
	FILE *f;

	ck_assert_int_eq(system(copy), 0);
	restart_with(path, 1.0, NULL);
	ck_assert_int_eq(run("reload", NULL, &reply), 0);
	ck_assert_msg(strstr(reply, "config reloaded from ") == reply, "%s", reply);
	ck_assert_msg(strstr(reply, path) != NULL, "%s", reply);
	free(reply);
	/* Broken: refused, its errors in the reply, the old config kept. */
	f = fopen(path, "a");
	fputs("[general]\nroutine = missing\n", f);
	fclose(f);
	ck_assert_int_eq(run("reload", NULL, &reply), -1);
	char *want = xasprintf("%s:", path);
	ck_assert_msg(strstr(reply, want) == reply, "%s", reply);
	ck_assert_msg(strstr(reply, "\nconfig not reloaded: the old one stays in use\n"),
		      "%s", reply);
	free(reply);
	free(want);
	ck_assert(status_has("default routine: short\n"));
	expect("start", NULL, 0, "playing short");
	expect("stop", NULL, 0, "stopping short");
	until_idle();
	unlink(path);
	free(path);
	free(copy);
}
END_TEST

/* Quit ends the loop. */
START_TEST(quit)
{
	expect("start", NULL, 0, "playing short");
	ck_assert_int_eq(command_run(daemon_commands(d), command_by_id(CMD_QUIT), NULL, "test", NULL), 0);
	ck_assert(loop_quitting(daemon_loop(d)));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("daemon");
	TCase *tc = tcase_create("null sink");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, table);
	tcase_add_test(tc, idle);
	tcase_add_test(tc, session_commands);
	tcase_add_test(tc, toggle);
	tcase_add_test(tc, plays_to_the_end);
	tcase_add_test(tc, no_output);
	tcase_add_test(tc, reload);
	tcase_add_test(tc, quit);
	suite_add_tcase(s, tc);
	return test_run(s);
}
