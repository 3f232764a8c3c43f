/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_daylog.c: libFuzzer harness: the record of the day (statelog.h) as
 * `backcoach stats` reads it: garbage, torn and overlong lines, any bytes.
 *
 * What must hold, else abort():
 * - fed in pieces of any size (the input's first byte picks it), the lines
 *   give the same records and the same count of skipped lines as fed whole;
 * - every record read, written again (slog_format) and read back, is the
 *   same record, its line fits SLOG_LINE_MAX and is one line;
 * - the figures and the streak over those records stay in range;
 * - stats_run over the input as day.log (and its first half as day.log.1)
 *   exits 0, and a FIFO there is refused, not waited on (a hang is a
 *   finding: run.sh's -timeout). */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/util.h"
#include "coach/statelog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_RECS 4096

struct acc {
	struct slog_rec *r;
	size_t n;
	struct slog_stats s;
	struct slog_days d;
};

static void take(void *ctx, const struct slog_rec *r)
{
	struct acc *a = ctx;

	if (a->r && a->n < MAX_RECS)
		a->r[a->n] = *r;
	a->n++;
	slog_stats_add(&a->s, r, 0, INT64_MAX);
	slog_days_add(&a->d, r);
}

static bool same(const struct slog_rec *a, const struct slog_rec *b)
{
	return a->t == b->t && a->kind == b->kind && a->secs == b->secs &&
	       a->reminder == b->reminder && strcmp(a->routine, b->routine) == 0 &&
	       a->completed == b->completed && a->step == b->step &&
	       a->steps == b->steps && a->skipped == b->skipped &&
	       a->done == b->done && a->outcome == b->outcome &&
	       a->form_set == b->form_set && (!a->form_set || a->form == b->form) &&
	       a->repeated == b->repeated && a->feedback == b->feedback;
}

static void round_trip(const struct slog_rec *r)
{
	char line[2 * SLOG_LINE_MAX], again[2 * SLOG_LINE_MAX];
	struct slog_rec back;
	size_t n = slog_format(r, line, sizeof(line));

	/* One whole line that reading takes: not cut, not past the bound. */
	if (n == 0 || n > SLOG_LINE_MAX + 1 || line[n - 1] != '\n' ||
	    memchr(line, '\n', n - 1))
		abort();
	if (slog_parse(line, n - 1, &back) != 0)
		abort();
	/* Read back, it is the same record, and writes the same line. */
	if (!same(r, &back))
		abort();
	if (slog_format(&back, again, sizeof(again)) != n || memcmp(line, again, n) != 0)
		abort();
}

static char dir[64];
static char *path, *old;

static void write_file(const char *p, const uint8_t *data, size_t size)
{
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size))
		abort();
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct acc whole = { .r = calloc(MAX_RECS, sizeof(struct slog_rec)) };
	struct acc parts = { 0 };
	struct slog_lines l = { .fn = take, .ctx = &whole };
	struct slog_lines lp = { .fn = take, .ctx = &parts };
	size_t piece;

	if (!dir[0]) {
		strcpy(dir, "/tmp/bc-fuzz-daylog.XXXXXX");
		if (!mkdtemp(dir))
			abort();
		setenv("XDG_STATE_HOME", dir, 1);
		setenv("TZ", "UTC", 1);
		char *sub = xasprintf("%s/backcoach", dir);
		if (util_mkdir_p(sub, 0700) < 0)
			abort();
		free(sub);
		path = statelog_path();
		old = xasprintf("%s.1", path);
	}
	piece = size ? (size_t)data[0] % 97 + 1 : 1;

	slog_lines_feed(&l, (const char *)data, size);
	slog_lines_end(&l);
	for (size_t at = 0; at < size; at += piece)
		slog_lines_feed(&lp, (const char *)data + at,
				at + piece < size ? piece : size - at);
	slog_lines_end(&lp);
	if (whole.n != parts.n || l.skipped != lp.skipped)
		abort();
	/* Every line is a record or skipped, none counted twice. */
	size_t lines = 0;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	if (whole.n + (size_t)l.skipped > lines + 1)
		abort();

	for (size_t i = 0; i < whole.n && i < MAX_RECS; i++)
		round_trip(&whole.r[i]);
	if (whole.s.present_s < 0 || whole.s.longest_s > whole.s.present_s ||
	    whole.s.completed > whole.s.sessions || whole.s.exercised_s < 0)
		abort();
	int64_t today = whole.n ? slog_local_day(whole.r[0].t) : 0;
	int streak = slog_streak(&whole.d, today, 0x7f);
	if (streak < 0 || (size_t)streak > whole.d.n)
		abort();

	/* The same bytes as day.log, and the first half as day.log.1, read
	 * by `stats` (to /dev/null) over each period. */
	static const char *const periods[] = { "today", "week", "month" };
	FILE *out = fopen("/dev/null", "w");
	write_file(old, data, size / 2);
	write_file(path, data, size);
	if (stats_run(periods[size % 3], today ? today * 86400 + 43200 : 1700000000,
		      0x7f, out) != 0)
		abort();
	/* Not a regular file: refused (exit 1), never waited on. */
	if (size && data[0] == 'F') {
		unlink(path);
		if (mkfifo(path, 0600) < 0 || stats_run("today", 1700000000, 0x7f, out) != 1)
			abort();
		unlink(path);
	}
	fclose(out);

	slog_stats_free(&whole.s);
	slog_stats_free(&parts.s);
	slog_days_free(&whole.d);
	slog_days_free(&parts.d);
	free(whole.r);
	return 0;
}
