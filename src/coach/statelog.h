/* SPDX-License-Identifier: GPL-3.0-or-later */
/* statelog.h: the record of your day, $XDG_STATE_HOME/backcoach/day.log.
 *
 * One event per line, appended with a single write(2) to a file opened
 * O_APPEND, so a crash leaves at most the last line torn; a line without
 * its newline, or one that does not parse, is skipped on reading (and a
 * newline is written before the next record, so a torn line never swallows
 * a good one). The format (documented in backcoach(1)):
 *
 *   TIME sit SECONDS                   present for SECONDS without a break
 *   TIME break natural SECONDS         away SECONDS: a natural break
 *   TIME reminder given|snoozed|cancelled|skipped|unanswered|started
 *   TIME reminder waited SECONDS       held back SECONDS by a call or
 *                                      do-not-disturb
 *   TIME exercise NAME done|skipped|stopped heard=SECONDS form=LEVEL repeated=N
 *                                      one line per exercise a session
 *                                      reached, before its session line;
 *                                      form= the form it was played in
 *                                      (adapt.h: -1 easier, 0 the config's,
 *                                      N steps towards harder), repeated=
 *                                      how often `repeat` began it again
 *   TIME session ROUTINE completed|stopped STEP/STEPS skipped=N
 *        exercised=SECONDS done=N
 *   TIME feedback NAME good|easier|harder|hurt
 *                                      what you said about exercise NAME
 *                                      (`backcoach feedback`, or the
 *                                      question after the last exercise)
 *   TIME left-out NAME                 exercise NAME left out of a session
 *                                      as it hurt, and you were told so
 *
 * TIME is UTC, 2026-03-14T10:12:00Z: when the event ended. ROUTINE and NAME
 * are a routine's and an exercise's names (spaces as '-'). An exercise is
 * done when heard to its end, skipped when `skip` left it, stopped when the
 * session stopped during it; heard= is the time heard inside it. A session's
 * exercised= counts only time heard inside exercises, done= the exercises
 * heard to the end: a session is a break when done >= 1. A session line
 * without done= (written before it existed) is a break when completed.
 * Fields after the known ones are ignored, so later versions may add some.
 *
 * The log is bounded: past STATELOG_MAX_BYTES it is renamed to day.log.1
 * (replacing the one before) and a new one begins; reading takes both. */
#ifndef BC_STATELOG_H
#define BC_STATELOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define STATELOG_FILE "day.log"
#define STATELOG_MAX_BYTES (256 * 1024)

/* SLOG_FEEDBACK and SLOG_LEFT_OUT: the adaptation's own records (adapt.h). */
enum slog_kind { SLOG_SIT, SLOG_BREAK, SLOG_REMINDER, SLOG_SESSION, SLOG_EXERCISE,
		 SLOG_FEEDBACK, SLOG_LEFT_OUT };

/* SLOG_FEEDBACK: what you said about an exercise. */
enum slog_feedback { SLOG_GOOD, SLOG_EASIER, SLOG_HARDER, SLOG_HURT };
extern const char *const slog_feedback_words[4]; /* "good", ... */

enum slog_reminder {
	SLOG_GIVEN, SLOG_SNOOZED, SLOG_CANCELLED, SLOG_WAITED,
	SLOG_SKIPPED,    /* answered Skip: no break this time */
	SLOG_UNANSWERED, /* no answer within [reminders] answer_within: snoozed */
	SLOG_STARTED,    /* answered Start (or play, `start`, SIGUSR1) */
};

/* How an exercise went (SLOG_EXERCISE). */
enum slog_outcome { SLOG_DONE, SLOG_EX_SKIPPED, SLOG_EX_STOPPED };

struct slog_rec {
	int64_t t;          /* seconds since the epoch */
	enum slog_kind kind;
	int64_t secs;       /* sit, break, reminder waited, session exercised,
			       exercise heard */
	enum slog_reminder reminder;
	char routine[64];   /* session: the routine; exercise: the exercise */
	bool completed;
	int step, steps, skipped;
	int done;           /* session: exercises done (-1: an old line) */
	enum slog_outcome outcome; /* exercise */
	int form;           /* exercise: the form's level, if form_set */
	bool form_set;      /* exercise: form= written (lines before adapt.h: not) */
	int repeated;       /* exercise: begun again by `repeat` */
	int feedback;       /* SLOG_FEEDBACK: enum slog_feedback */
};


/* The longest line a record may have (without its newline). */
#define SLOG_LINE_MAX 511

/* Parse one line (without its newline). Returns 0, or -1 if it is not a
 * record (garbage, an unknown event, a torn line). */
int slog_parse(const char *line, size_t len, struct slog_rec *r);
/* The line for r, with its newline, into buf. Returns its length. */
size_t slog_format(const struct slog_rec *r, char *buf, size_t len);

/* Is session record r a break (heard to the end of at least one exercise)? */
bool slog_is_break(const struct slog_rec *r);

/* Per exercise: how often done, skipped, stopped during. */
struct slog_ex_count {
	char name[64];
	int done, skipped, stopped;
};

/* Figures over [from, to) (seconds since the epoch). */
struct slog_stats {
	int64_t present_s;   /* time at the machine */
	int64_t longest_s;   /* longest unbroken sitting */
	int guided, natural; /* breaks: sessions heard through an exercise, natural */
	int sessions;        /* sessions played, breaks or not */
	int completed;       /* sessions completed */
	int64_t exercised_s; /* time heard inside exercises */
	int reminders, snoozed, waited, skipped, unanswered, started;
	int records, skipped_lines;
	struct slog_ex_count *ex; /* NULL unless slog_stats_exercises */
	size_t n_ex, cap_ex;
};

void slog_stats_add(struct slog_stats *s, const struct slog_rec *r,
		    int64_t from, int64_t to);
void slog_stats_free(struct slog_stats *s);

/* Days with at least one break (a session heard through an exercise), as
 * local day numbers (days since the epoch in local time). */
struct slog_days {
	int64_t *day;
	size_t n, cap;
};
void slog_days_add(struct slog_days *d, const struct slog_rec *r);
/* Consecutive active days (days: bit tm_wday set, 0 = Sunday) with a break,
 * ending today (or the active day before, when today has none yet: the
 * streak is still alive). Days outside `days` neither count nor break it. */
int slog_streak(struct slog_days *d, int64_t today, unsigned days);
void slog_days_free(struct slog_days *d);
/* The local day number of epoch seconds t (TZ applies). */
int64_t slog_local_day(int64_t t);

/* ---- a session's record, from what was heard ---- */

struct timeline;
struct config;

/* One exercise of a session as heard. */
struct slog_exercise {
	int exercise;          /* index into config->exercises */
	enum slog_outcome outcome;
	int64_t heard;         /* samples heard inside it */
};

/* What a session heard, exercise by exercise: steps [first, n_steps) of
 * tl; skips[] the positions where `skip` was asked; heard the last position
 * heard; completed: played to its end. Consecutive steps of one exercise
 * (its two sides) are one. Fills at most max of out (exercises reached, in
 * order); *exercised gets the samples heard inside exercises, *done how
 * many were heard to the end. Returns how many it filled. Pure. */
size_t slog_session_exercises(const struct timeline *tl, size_t first,
			      const int64_t *skips, size_t n_skips, int64_t heard,
			      bool completed, struct slog_exercise *out, size_t max,
			      int64_t *exercised, int *done);

/* ---- the file ---- */

/* The log's path (malloc'd), or NULL when no state directory is known. */
char *statelog_path(void);

/* Append r to the log (creating it and its directory; rotating past the
 * size bound). Never loses what the file held. Returns 0, or -1 with a log
 * line (only the first failure in a row is logged). */
int statelog_append(const struct slog_rec *r);

/* Lines fed in pieces of any size (a file read in blocks): fn is called
 * for every record, in order; a line that does not parse, one longer than
 * SLOG_LINE_MAX, and a last line without its newline (torn) are counted
 * in skipped. Start zeroed, with fn and ctx set; end with slog_lines_end. */
struct slog_lines {
	void (*fn)(void *ctx, const struct slog_rec *r);
	void *ctx;
	int skipped;
	/* private */
	char buf[SLOG_LINE_MAX];
	size_t n;
	bool overlong;
};
void slog_lines_feed(struct slog_lines *l, const char *data, size_t len);
void slog_lines_end(struct slog_lines *l);

/* Call fn for every record of path.1 then path, in order; lines that do not
 * parse are counted in *skipped. Each file is opened as a regular file only
 * (never waited on: a FIFO there is refused). Returns 0, or -1 with errno
 * and an error logged for each file that exists but cannot be read (what
 * the other holds is still counted); a missing log is no error. */
int statelog_read(const char *path, void (*fn)(void *ctx, const struct slog_rec *r),
		  void *ctx, int *skipped);

/* `backcoach stats [today|week|month]`: the figures for the period, to out:
 * totals, a line per day (week, month), and per exercise. now: the time
 * (seconds since the epoch); days: [reminders] days, for the streak.
 * Returns an exit code. */
int stats_run(const char *period, int64_t now, unsigned days, FILE *out);

#endif
