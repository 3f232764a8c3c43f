/* SPDX-License-Identifier: GPL-3.0-or-later */
/* reminder_words.h: what a reminder says, in the routine's language: the
 * reminder with the time sat ("1 minute", "50 minutes"), how to answer it,
 * the first start's "I'll remind you after 50 minutes at your desk,
 * weekdays from 9 to 6", the notification's title and buttons. Each phrase
 * comes from the language's section ([language:NAME], config.h), else from
 * [language:en], else from the English built in here. Pure. */
#ifndef BC_REMINDER_WORDS_H
#define BC_REMINDER_WORDS_H

#include "coach/config.h"

/* Phrase id of lang (NULL: [language:en]), with the fallbacks above; never
 * NULL for the reminder phrases (PH_REMINDER and after). */
const char *reminder_phrase(const struct config *c, const struct language *lang,
			    enum phrase id);

/* The language of the routine a reminder plays or speaks in. */
const struct language *reminder_language(const struct config *c);

/* "1 minute", "50 minutes" (malloc'd). */
char *reminder_minutes(const struct config *c, const struct language *lang, int n);

/* The reminder after minutes sat: [reminders] message ({minutes}, {time})
 * if set, else the language's reminder phrase (malloc'd). */
char *reminder_message(const struct config *c, const struct language *lang, int minutes);

/* A time of day, minutes after midnight: "9", "9:30", "18 Uhr"
 * (malloc'd). */
char *reminder_clock(const struct config *c, const struct language *lang, int min_of_day);

/* When reminders come: "weekdays from 9 to 6" (malloc'd). */
char *reminder_when(const struct config *c, const struct language *lang);

/* The first start's sentence (malloc'd). */
char *reminder_first_start(const struct config *c, const struct language *lang);

/* reminder_pick_fitting among c's routines (len: their lengths) in the
 * schedule's language (reminder_language; all when it has none), as the
 * routines of one language are offered: `start --minutes` (the longest
 * that fits) and a reminder's Short button (the shortest below the routine
 * it offers) pick with it, and with an English schedule never pick the
 * German routine. */
int reminder_pick_routine(const struct config *c, const int64_t *len, int64_t max,
			  bool shortest);

#endif
