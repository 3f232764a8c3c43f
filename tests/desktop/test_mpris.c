/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_mpris.c: MPRIS metadata, method -> command mapping, and the
 * bookkeeping of the other players paused during a session. */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "desktop/mpris.h"
#include "desktop/players.h"
#include "testlib.h"

static struct mpris_state playing(int step, const char *title)
{
	struct mpris_state st = {
		.status = MPRIS_PLAYING, .album = "desk-break", .title = title,
		.step = step, .session = 3, .length_us = 45000000,
		.position_us = 1000, .next_us = UINT64_MAX,
	};
	return st;
}

START_TEST(meta_step)
{
	struct mpris_state st = playing(2, "Cat cow (right side)");
	struct mpris_meta m;

	mpris_meta_build(&m, &st);
	ck_assert_str_eq(m.trackid, "/org/backcoach/session3/step2");
	ck_assert_str_eq(m.title, "Cat cow (right side)");
	ck_assert_str_eq(m.album, "desk-break");
	ck_assert_int_eq(m.length_us, 45000000);

	/* Another session's same step is another track. */
	st.session = 4;
	struct mpris_meta m2;
	mpris_meta_build(&m2, &st);
	ck_assert_str_ne(m.trackid, m2.trackid);
}
END_TEST

START_TEST(meta_before_first_step)
{
	struct mpris_state st = playing(-1, NULL);
	struct mpris_meta m;

	st.album = "reminder";
	mpris_meta_build(&m, &st);
	ck_assert_str_eq(m.trackid, "/org/backcoach/session3/intro");
	ck_assert_str_eq(m.title, "reminder"); /* the album stands in */
	st.title = "";
	mpris_meta_build(&m, &st);
	ck_assert_str_eq(m.title, "reminder");
}
END_TEST

START_TEST(meta_stopped_and_bad_text)
{
	struct mpris_state st = playing(0, "x");
	struct mpris_meta m;
	char longname[1000];

	st.status = MPRIS_STOPPED;
	mpris_meta_build(&m, &st);
	ck_assert_str_eq(m.trackid, "");
	ck_assert_str_eq(m.title, "");

	/* Cut to the buffer, on a character boundary (D-Bus wants UTF-8). */
	memset(longname, 0, sizeof(longname));
	for (int i = 0; i + 2 < 900; i += 2)
		memcpy(longname + i, "\xc3\xa9", 2); /* é */
	st = playing(0, longname);
	mpris_meta_build(&m, &st);
	ck_assert_uint_eq(strlen(m.title) % 2, 0);
	ck_assert_uint_le(strlen(m.title), sizeof(m.title) - 1);
	ck_assert_uint_ge(strlen(m.title), sizeof(m.title) - 2);

	/* Invalid UTF-8 is cut where it starts; a negative length is 0. */
	st = playing(0, "ok\xff\xfe rest");
	st.length_us = -5;
	mpris_meta_build(&m, &st);
	ck_assert_str_eq(m.title, "ok");
	ck_assert_int_eq(m.length_us, 0);
}
END_TEST

START_TEST(commands)
{
	struct mpris_state st = playing(1, "a");

	ck_assert_ptr_null(mpris_command_for("Play", &st));
	ck_assert_str_eq(mpris_command_for("Pause", &st), "pause");
	ck_assert_str_eq(mpris_command_for("PlayPause", &st), "pause");
	ck_assert_str_eq(mpris_command_for("Stop", &st), "stop");
	ck_assert_str_eq(mpris_command_for("Next", &st), "skip");
	ck_assert_str_eq(mpris_command_for("Previous", &st), "repeat");

	st.status = MPRIS_PAUSED;
	ck_assert_str_eq(mpris_command_for("Play", &st), "resume");
	ck_assert_ptr_null(mpris_command_for("Pause", &st));
	ck_assert_str_eq(mpris_command_for("PlayPause", &st), "resume");

	/* A reminder's countdown: Play starts the routine at once, Stop
	 * cancels it (the daemon snoozes a stopped countdown). */
	st.status = MPRIS_PLAYING;
	st.countdown = true;
	ck_assert_str_eq(mpris_command_for("Play", &st), "skip");
	ck_assert_str_eq(mpris_command_for("Stop", &st), "stop");

	st.status = MPRIS_STOPPED;
	ck_assert_ptr_null(mpris_command_for("Stop", &st));
	ck_assert_ptr_null(mpris_command_for("Bogus", &st));
}
END_TEST

START_TEST(other_names)
{
	ck_assert(players_is_other("org.mpris.MediaPlayer2.vlc", "backcoach"));
	ck_assert(players_is_other("org.mpris.MediaPlayer2.firefox.instance_1_84", "backcoach"));
	ck_assert(players_is_other("org.mpris.MediaPlayer2.backcoachx", "backcoach"));
	ck_assert(!players_is_other("org.mpris.MediaPlayer2.backcoach", "backcoach"));
	ck_assert(!players_is_other("org.mpris.MediaPlayer2.backcoach.instance42", "backcoach"));
	ck_assert(!players_is_other("org.mpris.MediaPlayer2.", "backcoach"));
	ck_assert(!players_is_other("org.freedesktop.DBus", "backcoach"));
	ck_assert(!players_is_other(":1.42", "backcoach"));
}
END_TEST

static int cancelled;
static void cancel(void *call)
{
	(void)call;
	cancelled++;
}

START_TEST(bookkeeping)
{
	struct players ps = { 0 };
	struct player *a, *b, *c, *d, *list;
	int dummy;

	a = players_add(&ps, "org.mpris.MediaPlayer2.a");
	b = players_add(&ps, "org.mpris.MediaPlayer2.b");
	c = players_add(&ps, "org.mpris.MediaPlayer2.c");
	d = players_add(&ps, "org.mpris.MediaPlayer2.d");
	ck_assert_ptr_null(players_add(&ps, "org.mpris.MediaPlayer2.a"));
	ck_assert_uint_eq(players_count(&ps), 4);
	ck_assert_ptr_eq(players_find(&ps, "org.mpris.MediaPlayer2.c"), c);

	/* a plays: paused and answered; b was paused already: forgotten;
	 * c plays, but refuses Pause; d plays and hangs on Pause. */
	ck_assert(players_status(&ps, a, ":1.10", "Playing"));
	ck_assert_int_eq(a->state, PLAYER_PAUSING);
	ck_assert_str_eq(a->owner, ":1.10");
	players_paused(&ps, a, true);
	ck_assert_int_eq(a->state, PLAYER_PAUSED);
	ck_assert(!players_status(&ps, b, ":1.11", "Paused"));
	ck_assert_ptr_null(players_find(&ps, "org.mpris.MediaPlayer2.b"));
	ck_assert(players_status(&ps, c, ":1.12", "Playing"));
	players_paused(&ps, c, false);
	ck_assert_ptr_null(players_find(&ps, "org.mpris.MediaPlayer2.c"));
	ck_assert(players_status(&ps, d, ":1.13", "Playing"));
	d->call = &dummy; /* Pause still in flight at the end */
	ck_assert_uint_eq(players_count(&ps), 2);

	/* A status with no sender or no value is no Playing. */
	struct player *e = players_add(&ps, "org.mpris.MediaPlayer2.e");
	ck_assert(!players_status(&ps, e, NULL, "Playing"));
	e = players_add(&ps, "org.mpris.MediaPlayer2.e");
	ck_assert(!players_status(&ps, e, ":1.14", NULL));
	/* One still being asked at the end is not resumed. */
	struct player *f = players_add(&ps, "org.mpris.MediaPlayer2.f");
	f->call = &dummy;

	cancelled = 0;
	list = players_take_resume(&ps, cancel);
	ck_assert_int_eq(cancelled, 2);
	ck_assert_uint_eq(players_count(&ps), 0);
	ck_assert_ptr_nonnull(list);
	ck_assert_str_eq(list->name, "org.mpris.MediaPlayer2.a");
	ck_assert_str_eq(list->owner, ":1.10");
	ck_assert_ptr_nonnull(list->next);
	ck_assert_str_eq(list->next->name, "org.mpris.MediaPlayer2.d");
	ck_assert_ptr_null(list->next->call);
	ck_assert_ptr_null(list->next->next);
	players_free_list(list);

	/* Empty: nothing to resume; clear frees what is left. */
	ck_assert_ptr_null(players_take_resume(&ps, cancel));
	players_add(&ps, "org.mpris.MediaPlayer2.g");
	players_clear(&ps, NULL);
	ck_assert_uint_eq(players_count(&ps), 0);
}
END_TEST

static Suite *mpris_suite(void)
{
	Suite *s = suite_create("mpris");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, meta_step);
	tcase_add_test(tc, meta_before_first_step);
	tcase_add_test(tc, meta_stopped_and_bad_text);
	tcase_add_test(tc, commands);
	tcase_add_test(tc, other_names);
	tcase_add_test(tc, bookkeeping);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run(mpris_suite());
}
