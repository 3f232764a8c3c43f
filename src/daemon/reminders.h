/* SPDX-License-Identifier: GPL-3.0-or-later */
/* reminders.h: the reminder scheduler: when the next reminder is due, given
 * the rules of [reminders] (reminder.h), how long you have sat, whether you
 * are here or on a call, and a snooze; armed on a wall-clock timer of its
 * own on the loop, recomputed when the clock is set, the time zone changes
 * or the machine resumes. When one falls due it says so through ops->due;
 * it writes the reminders to the record of the day (statelog.h).
 *
 * It knows the rest of the daemon only through struct reminders_ops: the
 * sitting clock and presence (presence_watch.h in the daemon), whether a
 * session plays, and what to do when a reminder is due. */
#ifndef BC_REMINDERS_H
#define BC_REMINDERS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "coach/config.h"
#include "coach/statelog.h"

struct loop;
struct reminders;

struct reminders_ops {
	/* How long you have sat, in ms (the sitting clock). */
	int64_t (*sitting)(void *data);
	/* Are you here? (true when nothing tells.) */
	bool (*here)(void *data);
	/* Does a call hold reminders back now? *until_ms: in how many ms it
	 * stops holding (INT64_MAX while the call goes on). */
	bool (*call_holds)(void *data, int64_t *until_ms);
	/* A reminder falls due: ask the desktop whether you are idle where
	 * it has no signal for it. true: asked, and the answer calls
	 * reminders_arm. NULL: never asks. */
	bool (*ask_idle)(void *data);
	/* Sitting starts over now. */
	void (*restart)(void *data);
	/* The machine was suspended for slept_ms (sitting starts over). */
	void (*suspended)(void *data, int64_t slept_ms);
	/* Does a session play? None is due while one plays. */
	bool (*playing)(void *data);
	/* A reminder is due, after minutes of sitting: give it (a session
	 * begins, which calls reminders_arm). 0, or -1 when it could not be
	 * given: it counts as given (sitting starts over, no retry burst). */
	int (*due)(void *data, int minutes);
	/* A reminder falls due: ask the desktop whether do not disturb is
	 * on. true: asked, and the answer (now or later) calls reminders_dnd.
	 * NULL: never asks. */
	bool (*ask_dnd)(void *data);
};

/* A scheduler on l for the [reminders] of c (sitting counts from now),
 * not armed yet (reminders_arm). NULL (logged) if its timer cannot be
 * made. */
struct reminders *reminders_new(struct loop *l, const struct config *c,
				const struct reminders_ops *ops, void *data);
/* Its sources off the loop, its timer closed; NULL is fine. */
void reminders_free(struct reminders *r);

/* The rules of c's [reminders] (after a reload). Sitting time carries on:
 * a reload neither loses nor repeats a reminder. */
void reminders_configure(struct reminders *r, const struct config *c);

/* Arm the timer at the next reminder due, or disarm it (reminders off, a
 * session playing, nothing due). Call it when anything it consults
 * changes. NULL is fine. */
void reminders_arm(struct reminders *r);
/* The same, and log the next one due even if it has not moved (after a
 * session). */
void reminders_rearm(struct reminders *r);

/* The deadline armed: wall ms, or REMINDER_NEVER (none), or -1 (none yet). */
int64_t reminders_due_at(const struct reminders *r);

/* `snooze`: no reminder for want_ms (0: [reminders] snooze, or the
 * interval), recorded as `as` (SLOG_SNOOZED, or SLOG_UNANSWERED); *ms gets
 * how long. -1 with err filled when reminders are off (r NULL too). The
 * caller stops a reminder playing, then arms. */
int reminders_snooze(struct reminders *r, int64_t want_ms, enum slog_reminder as,
		     int64_t *ms, char *err, size_t errlen);
/* `hold`: no reminder before wall time until (ms). -1 with err filled when
 * reminders are off. `unhold`: reminders as usual (a snooze ends too).
 * Both arm. */
int reminders_hold(struct reminders *r, int64_t until, char *err, size_t errlen);
void reminders_unhold(struct reminders *r);
/* Do not disturb is on or off (the answer to ops->ask_dnd, or a change):
 * a reminder due now fires, or waits (why: for status). */
void reminders_dnd(struct reminders *r, bool on, const char *why);
/* To the record of the day: how a reminder was answered (started,
 * skipped). */
void reminders_record(struct reminders *r, enum slog_reminder what);

/* A session ended. cancelled: a reminder stopped during its countdown,
 * before its routine: that snoozes it (when [reminders] snooze is set);
 * anything else: sitting starts over. Arms nothing. */
void reminders_session_ended(struct reminders *r, bool cancelled);

/* The `status` line "next reminder: ..." (in words: "in 42 minutes, at
 * 14:35", "tomorrow at 09:50"), and the lines of a hold, a snooze and do
 * not disturb; r NULL: off. */
void reminders_status(const struct reminders *r, FILE *f);

#endif
