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
 *   TIME reminder given|snoozed|cancelled
 *   TIME reminder waited SECONDS       held back SECONDS by a call
 *   TIME session ROUTINE completed|stopped STEP/STEPS skipped=N exercised=SECONDS
 *
 * TIME is UTC, 2026-03-14T10:12:00Z: when the event ended. ROUTINE is a
 * routine's name (no spaces). Fields after the known ones are ignored, so
 * later versions may add some.
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

enum slog_kind { SLOG_SIT, SLOG_BREAK, SLOG_REMINDER, SLOG_SESSION };

enum slog_reminder {
	SLOG_GIVEN, SLOG_SNOOZED, SLOG_CANCELLED, SLOG_WAITED,
};

struct slog_rec {
	int64_t t;          /* seconds since the epoch */
	enum slog_kind kind;
	int64_t secs;       /* sit, break, reminder waited, session exercised */
	enum slog_reminder reminder;
	char routine[64];
	bool completed;
	int step, steps, skipped;
};

/* Parse one line (without its newline). Returns 0, or -1 if it is not a
 * record (garbage, an unknown event, a torn line). */
int slog_parse(const char *line, size_t len, struct slog_rec *r);
/* The line for r, with its newline, into buf. Returns its length. */
size_t slog_format(const struct slog_rec *r, char *buf, size_t len);

/* Figures over [from, to) (seconds since the epoch). */
struct slog_stats {
	int64_t present_s;   /* time at the machine */
	int64_t longest_s;   /* longest unbroken sitting */
	int guided, natural; /* breaks: sessions played, natural */
	int completed;       /* sessions completed */
	int64_t exercised_s; /* time exercising */
	int reminders, snoozed, waited;
	int records, skipped_lines;
};

void slog_stats_add(struct slog_stats *s, const struct slog_rec *r,
		    int64_t from, int64_t to);

/* Days with at least one completed session, as local day numbers (days
 * since the epoch in local time). */
struct slog_days {
	int64_t *day;
	size_t n, cap;
};
void slog_days_add(struct slog_days *d, const struct slog_rec *r);
/* Consecutive days with a completed session, ending today (or yesterday,
 * when today has none yet: the streak is still alive). */
int slog_streak(struct slog_days *d, int64_t today);
void slog_days_free(struct slog_days *d);
/* The local day number of epoch seconds t (TZ applies). */
int64_t slog_local_day(int64_t t);

/* ---- the file ---- */

/* The log's path (malloc'd), or NULL when no state directory is known. */
char *statelog_path(void);

/* Append r to the log (creating it and its directory; rotating past the
 * size bound). Never loses what the file held. Returns 0, or -1 with a log
 * line (only the first failure in a row is logged). */
int statelog_append(const struct slog_rec *r);

/* Call fn for every record of path.1 then path, in order; lines that do not
 * parse are counted in *skipped. Returns 0, or -1 when neither file could
 * be read (errno set); a missing log is no error. */
int statelog_read(const char *path, void (*fn)(void *ctx, const struct slog_rec *r),
		  void *ctx, int *skipped);

/* `backcoach stats [today|week|month]`: the figures for the period, to out.
 * Returns an exit code. */
int stats_run(const char *period, FILE *out);

#endif
