/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_reminder_words.c: the reminder's words in the routine's language:
 * singular and plural, the first start's days and hours, a language that
 * sets no reminder phrase, [reminders] message over the phrase. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coach/config.h"
#include "coach/reminder_words.h"
#include "testlib.h"

static void load(struct config *c, const char *text)
{
	ck_assert_int_eq(config_load_text(c, "t.ini", text, strlen(text), NULL, stderr), 0);
}

static const struct language *language(const struct config *c, const char *name)
{
	for (size_t i = 0; i < c->n_languages; i++)
		if (strcmp(c->languages[i].name, name) == 0)
			return &c->languages[i];
	ck_abort_msg("no language %s", name);
	return NULL;
}

#define EQ(expr, want)                          \
	do {                                    \
		char *got_ = (expr);            \
		ck_assert_str_eq(got_, want);   \
		free(got_);                     \
	} while (0)

START_TEST(english_defaults)
{
	struct config c;
	const struct language *en;

	load(&c, "[reminders]\ninterval = 50m\n");
	en = language(&c, "en");
	ck_assert_ptr_eq(reminder_language(&c), en);
	EQ(reminder_minutes(&c, en, 1), "1 minute");
	EQ(reminder_minutes(&c, en, 0), "0 minutes");
	EQ(reminder_minutes(&c, en, 52), "52 minutes");
	EQ(reminder_message(&c, en, 1), "You have sat for 1 minute. Time for a break.");
	EQ(reminder_message(&c, en, 50), "You have sat for 50 minutes. Time for a break.");
	EQ(reminder_first_start(&c, en),
	   "Hello. I'll remind you after 50 minutes at your desk, weekdays from 9 to 6.");
	ck_assert_str_eq(reminder_phrase(&c, en, PH_REMINDER_ASK), "Press play when you're ready.");
	config_free(&c);
}
END_TEST

START_TEST(german)
{
	struct config c;
	const struct language *de;

	load(&c, "[reminders]\nactive_hours = 08:30-17:00\ndays = all\n");
	de = language(&c, "de");
	EQ(reminder_message(&c, de, 1), "Du sitzt seit 1 Minute. Zeit für eine Pause.");
	EQ(reminder_message(&c, de, 45), "Du sitzt seit 45 Minuten. Zeit für eine Pause.");
	EQ(reminder_first_start(&c, de),
	   "Hallo. Ich erinnere dich nach 50 Minuten am Schreibtisch, "
	   "jeden Tag von 8 Uhr 30 bis 17 Uhr.");
	ck_assert_str_eq(reminder_phrase(&c, de, PH_ACT_SNOOZE), "Später");
	config_free(&c);
}
END_TEST

/* A language of the user's that sets none of the reminder phrases: English
 * ones, not empty words; [reminders] message wins over the phrase. */
START_TEST(fallbacks_and_message)
{
	static const char text[] =
		"[reminders]\n"
		"message = Up! {minutes} min, that is {time}.\n"
		"active_hours = always\n"
		"days = mon,wed,fri\n"
		"interval = 1m\n"
		"[language:xx]\n"
		"voice = en\n"
		"get_ready = r.\nbegin = b.\nnext = n {title}.\ninhale = i.\nhold = h.\n"
		"exhale = e.\ncount = {n}.\nhalfway = hw.\nlast = l.\n"
		"seconds_left = {n} s.\nfirst_side = f.\nswitch = s.\nrelease = rl.\n"
		"rest = r.\nskipped = sk {list}.\nnotice = no.\n";
	struct config c;
	const struct language *xx;

	load(&c, text);
	xx = language(&c, "xx");
	EQ(reminder_message(&c, xx, 1), "Up! 1 min, that is 1 minute.");
	EQ(reminder_first_start(&c, xx),
	   "Hello. I'll remind you after 1 minute at your desk, on your reminder days at any hour.");
	ck_assert_str_eq(reminder_phrase(&c, xx, PH_ACT_SKIP), "Skip");
	EQ(reminder_clock(&c, xx, 13 * 60 + 5), "1:05");
	EQ(reminder_clock(&c, xx, 0), "12");
	config_free(&c);
}
END_TEST

static int routine(const struct config *c, const char *name)
{
	for (size_t i = 0; i < c->n_routines; i++)
		if (strcmp(c->routines[i].name, name) == 0)
			return (int)i;
	ck_abort_msg("no routine %s", name);
	return -1;
}

/* `start --minutes` and the Short button pick among the routines in the
 * schedule's language: the German routine that fits better is not picked
 * for an English schedule, and is for a German one. */
START_TEST(pick_routine)
{
	const char *ini[] = { "[reminders]\nroutine = desk-break\n",
			      "[reminders]\nroutine = desk-break-de\n" };
	const char *suffix[] = { "", "-de" };

	for (int k = 0; k < 2; k++) {
		struct config c;
		int64_t *len;
		char want[64];

		load(&c, ini[k]);
		len = calloc(c.n_routines, sizeof(*len));
		for (size_t i = 0; i < c.n_routines; i++)
			len[i] = 1000;
		len[routine(&c, "desk-break")] = 240;
		len[routine(&c, "desk-break-de")] = 250 - k * 20; /* 250, 230 */
		len[routine(&c, "micro-break")] = 60;
		len[routine(&c, "micro-break-de")] = 50 + k * 20; /* 50, 70 */
		snprintf(want, sizeof(want), "desk-break%s", suffix[k]);
		ck_assert_int_eq(reminder_pick_routine(&c, len, 300, false), routine(&c, want));
		snprintf(want, sizeof(want), "micro-break%s", suffix[k]);
		ck_assert_int_eq(reminder_pick_routine(&c, len, 239, true), routine(&c, want));
		ck_assert_int_eq(reminder_pick_routine(&c, len, 49, true), -1);
		free(len);
		config_free(&c);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("reminder_words");
	TCase *tc = tcase_create("words");
	tcase_add_test(tc, english_defaults);
	tcase_add_test(tc, german);
	tcase_add_test(tc, fallbacks_and_message);
	tcase_add_test(tc, pick_routine);
	suite_add_tcase(s, tc);
	return test_run(s);
}
