/* SPDX-License-Identifier: GPL-3.0-or-later */
/* reminder.h: when the next sitting reminder is due. Pure: no clock, no I/O.
 *
 * Wall-clock times are milliseconds since the epoch, read in the process's
 * local time zone (TZ or /etc/localtime; call tzset() after a change).
 * Durations are real elapsed milliseconds, so an interval that spans a DST
 * change is still `interval` long.
 *
 * Active periods: each active day (bit tm_wday of days) has one window, which
 * belongs to the day it starts on: from == to is the whole day, from < to is
 * [from, to) that day, from > to runs overnight [from, next day's to).
 * Windows that touch are one period, so sitting time carries on across
 * midnight when every day is active all day. A window edge that falls into a
 * DST gap moves to the end of the gap; in a repeated hour, the first one.
 *
 * Sitting time counts from `since` (the end of the last session, break or
 * reminder, or the daemon's start, or a resume from suspend), but never from
 * before the start of the active period: a reminder is due `interval` after
 * max(since, period start), if that is still inside the period; otherwise
 * `interval` into the first later period long enough to hold it.
 */
#ifndef BC_REMINDER_H
#define BC_REMINDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "coach/config.h"

#define REMINDER_NEVER INT64_MAX

struct reminder_rules {
	int64_t interval_ms; /* > 0 */
	int from_min, to_min; /* minutes after local midnight, 0..1439 */
	unsigned days;        /* bit tm_wday (0 = Sunday) set = active */
};

/* The rules of cfg's [reminders] section. */
void reminder_rules_from_config(const struct config *cfg,
				struct reminder_rules *r);

/* Is wall time t inside an active period? */
bool reminder_active(const struct reminder_rules *r, int64_t t);

/* The active period containing t, or the first one starting after t:
 * [*start, *end). *end is REMINDER_NEVER when it never ends (every day, all
 * day). Returns false when there is no active period at all (no day set). */
bool reminder_period(const struct reminder_rules *r, int64_t t,
		     int64_t *start, int64_t *end);

/* Wall time the next reminder is due for someone sitting since `since`, or
 * REMINDER_NEVER (no active day, or no period within two weeks long enough
 * for the interval). */
int64_t reminder_next_due(const struct reminder_rules *r, int64_t since);

/* Minutes sat at wall time now since `since`, counted like reminder_next_due
 * (from the active period's start if later), rounded to the nearest minute. */
int reminder_minutes_sat(const struct reminder_rules *r, int64_t since,
			 int64_t now);

/* `backcoach hold`: until when (wall ms) for arg "DURATION" (30m, 2h),
 * "until HH:MM" or "until=HH:MM" (the next such time, today or tomorrow) or "tomorrow" (the
 * next local midnight: tomorrow's reminders come as usual), given the wall
 * time now. Returns it, or -1 with err filled for an arg that is none of
 * these. */
int64_t reminder_hold_until(const char *arg, int64_t now, char *err, size_t errlen);

/* The longest routine (shortest: the shortest) whose length (len[i]
 * samples, < 0: unknown) is at most max samples, among those whose lang[i]
 * is want (lang NULL: all); -1 when none fits. */
int reminder_pick_fitting(const int64_t *len, const int *lang, int want, size_t n, int64_t max,
			  bool shortest);

/* The sitting clock. It keeps `since` on CLOCK_MONOTONIC, so setting the
 * wall clock does not change how long someone has sat, and it notices a
 * suspend by CLOCK_BOOTTIME running ahead of CLOCK_MONOTONIC (the latter
 * stops while suspended): after a resume, sitting starts over and no overdue
 * reminders fire. All arguments are milliseconds of the named clocks. */
struct sitting {
	int64_t since_mono;  /* CLOCK_MONOTONIC at the last reset */
	int64_t boot_offset; /* CLOCK_BOOTTIME - CLOCK_MONOTONIC last seen */
};

/* Suspends shorter than this are ignored (clock noise, a short freeze). */
#define SITTING_SUSPEND_MIN_MS 2000

void sitting_reset(struct sitting *s, int64_t mono, int64_t boot);
/* Call on every wakeup. If the machine was suspended since the last call,
 * resets the clock to now and returns the time spent suspended (ms, > 0);
 * else returns 0. */
int64_t sitting_check_suspend(struct sitting *s, int64_t mono, int64_t boot);
/* `since` as a wall time, given the wall and monotonic clocks now. */
int64_t sitting_since_wall(const struct sitting *s, int64_t mono,
			   int64_t real);

#endif
