/* SPDX-License-Identifier: GPL-3.0-or-later */
/* reminder_words.c: what a reminder says, in its language; see
 * reminder_words.h. */
#include "coach/reminder_words.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "coach/reminder.h"

/* English, for a language that does not set a reminder phrase. */
static const char *const english[PH_COUNT] = {
	[PH_REMINDER] = "You have sat for {time}. Time for a break.",
	[PH_REMINDER_ASK] = "Press play when you're ready.",
	[PH_MINUTE] = "{n} minute",
	[PH_MINUTES] = "{n} minutes",
	[PH_FIRST_START] = "Hello. I'll remind you after {time} at your desk, {when}.",
	[PH_WEEKDAYS] = "weekdays {hours}",
	[PH_EVERY_DAY] = "every day {hours}",
	[PH_ON_DAYS] = "on your reminder days {hours}",
	[PH_HOURS] = "from {from} to {to}",
	[PH_ALL_DAY] = "at any hour",
	[PH_CLOCK] = "{ampm_hour}",
	[PH_CLOCK_MINUTES] = "{ampm_hour}:{minute}",
	[PH_BREAK_TITLE] = "Time for a break",
	[PH_ACT_START] = "Start",
	[PH_ACT_SHORT] = "Short: {title}",
	[PH_ACT_SNOOZE] = "Snooze",
	[PH_ACT_SKIP] = "Skip",
};

const char *reminder_phrase(const struct config *c, const struct language *lang,
			    enum phrase id)
{
	if (lang && lang->phrase[id])
		return lang->phrase[id];
	for (size_t i = 0; i < c->n_languages; i++)
		if (strcmp(c->languages[i].name, "en") == 0 && c->languages[i].phrase[id])
			return c->languages[i].phrase[id];
	return english[id] ? english[id] : "";
}

const struct language *reminder_language(const struct config *c)
{
	int r = c->reminders.routine_idx >= 0 ? c->reminders.routine_idx
					      : c->general.routine_idx;

	if (r < 0 || (size_t)r >= c->n_routines || c->routines[r].language < 0 ||
	    (size_t)c->routines[r].language >= c->n_languages)
		return NULL;
	return &c->languages[c->routines[r].language];
}

/* s with {name} replaced by value (malloc'd; s is not freed). */
static char *put(const char *s, const char *name, const char *value)
{
	char key[32];

	snprintf(key, sizeof(key), "{%s}", name);
	return util_replace(s, key, value);
}

/* *s with {name} replaced, *s freed. */
static void put_in(char **s, const char *name, const char *value)
{
	char *n = put(*s, name, value);
	free(*s);
	*s = n;
}

char *reminder_minutes(const struct config *c, const struct language *lang, int n)
{
	char num[16];

	snprintf(num, sizeof(num), "%d", n);
	return put(reminder_phrase(c, lang, n == 1 ? PH_MINUTE : PH_MINUTES), "n", num);
}

char *reminder_message(const struct config *c, const struct language *lang, int minutes)
{
	char *time = reminder_minutes(c, lang, minutes), *s, num[16];

	snprintf(num, sizeof(num), "%d", minutes);
	if (c->reminders.message) {
		s = put(c->reminders.message, "minutes", num);
		put_in(&s, "time", time);
	} else {
		s = put(reminder_phrase(c, lang, PH_REMINDER), "time", time);
	}
	free(time);
	return s;
}

char *reminder_clock(const struct config *c, const struct language *lang, int min_of_day)
{
	int h = min_of_day / 60 % 24, m = min_of_day % 60;
	char hour[8], ampm[8], minute[8];
	char *s;

	snprintf(hour, sizeof(hour), "%d", h);
	snprintf(ampm, sizeof(ampm), "%d", h % 12 ? h % 12 : 12);
	snprintf(minute, sizeof(minute), "%02d", m);
	s = xstrdup(reminder_phrase(c, lang, m ? PH_CLOCK_MINUTES : PH_CLOCK));
	put_in(&s, "hour", hour);
	put_in(&s, "ampm_hour", ampm);
	put_in(&s, "minute", minute);
	return s;
}

char *reminder_when(const struct config *c, const struct language *lang)
{
	unsigned days = c->reminders.days & 0x7f;
	enum phrase which = days == 0x7f ? PH_EVERY_DAY
			    : days == 0x3e ? PH_WEEKDAYS : PH_ON_DAYS;
	char *hours, *s;

	if (c->reminders.from_min == c->reminders.to_min) {
		hours = xstrdup(reminder_phrase(c, lang, PH_ALL_DAY));
	} else {
		char *from = reminder_clock(c, lang, c->reminders.from_min);
		char *to = reminder_clock(c, lang, c->reminders.to_min);

		hours = put(reminder_phrase(c, lang, PH_HOURS), "from", from);
		put_in(&hours, "to", to);
		free(from);
		free(to);
	}
	s = put(reminder_phrase(c, lang, which), "hours", hours);
	free(hours);
	return s;
}

char *reminder_first_start(const struct config *c, const struct language *lang)
{
	int minutes = (int)((c->reminders.interval_ms + 30000) / 60000);
	char *time = reminder_minutes(c, lang, minutes ? minutes : 1);
	char *when = reminder_when(c, lang);
	char *s = put(reminder_phrase(c, lang, PH_FIRST_START), "time", time);

	put_in(&s, "when", when);
	free(time);
	free(when);
	return s;
}

int reminder_pick_routine(const struct config *c, const int64_t *len, int64_t max,
			  bool shortest)
{
	const struct language *lang = reminder_language(c);
	int *langs = xcalloc(c->n_routines ? c->n_routines : 1, sizeof(*langs));
	int r;

	for (size_t i = 0; i < c->n_routines; i++)
		langs[i] = c->routines[i].language;
	r = reminder_pick_fitting(len, lang ? langs : NULL, lang ? (int)(lang - c->languages) : 0,
				  c->n_routines, max, shortest);
	free(langs);
	return r;
}
