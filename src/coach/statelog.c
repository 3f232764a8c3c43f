/* SPDX-License-Identifier: GPL-3.0-or-later */
/* statelog.c: the record of your day; see statelog.h. */
#include "coach/statelog.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "coach/routine.h"
#include "coach/state.h"
#include "base/util.h"

static const char *const reminder_words[] = {
	[SLOG_GIVEN] = "given", [SLOG_SNOOZED] = "snoozed",
	[SLOG_CANCELLED] = "cancelled", [SLOG_WAITED] = "waited",
	[SLOG_SKIPPED] = "skipped", [SLOG_UNANSWERED] = "unanswered",
	[SLOG_STARTED] = "started",
};

static const char *const outcome_words[] = {
	[SLOG_DONE] = "done", [SLOG_EX_SKIPPED] = "skipped",
	[SLOG_EX_STOPPED] = "stopped",
};

const char *const slog_feedback_words[4] = {
	[SLOG_GOOD] = "good", [SLOG_EASIER] = "easier", [SLOG_HARDER] = "harder",
	[SLOG_HURT] = "hurt",
};

/* ---- one line ---- */

/* The next space-separated word of [*p, end): its start and length. */
static bool word(const char **p, const char *end, const char **w, size_t *n)
{
	const char *s = *p;

	while (s < end && *s == ' ')
		s++;
	if (s == end)
		return false;
	*w = s;
	while (s < end && *s != ' ')
		s++;
	*n = (size_t)(s - *w);
	*p = s;
	return true;
}

static bool is(const char *w, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(w, lit, n) == 0;
}

/* A whole non-negative number of at most 12 digits. */
static bool number(const char *w, size_t n, int64_t *v)
{
	int64_t x = 0;

	if (n == 0 || n > 12)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (w[i] < '0' || w[i] > '9')
			return false;
		x = x * 10 + (w[i] - '0');
	}
	*v = x;
	return true;
}

/* "key=N" */
static bool keyed(const char *w, size_t n, const char *key, int64_t *v)
{
	size_t k = strlen(key);
	return n > k + 1 && memcmp(w, key, k) == 0 && w[k] == '=' &&
	       number(w + k + 1, n - k - 1, v);
}

static bool parse_time(const char *w, size_t n, int64_t *t)
{
	char buf[21];
	struct tm tm = { 0 };
	int y, mo, d, h, mi, s;
	char z;

	if (n != 20)
		return false;
	memcpy(buf, w, n);
	buf[n] = '\0';
	if (sscanf(buf, "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &s,
		   &z) != 7 || z != 'Z' || buf[4] != '-' || buf[7] != '-' ||
	    buf[10] != 'T' || buf[13] != ':' || buf[16] != ':')
		return false;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
	    mi > 59 || s > 60 || h < 0 || mi < 0 || s < 0)
		return false;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	*t = (int64_t)timegm(&tm);
	return true;
}

int slog_parse(const char *line, size_t len, struct slog_rec *r)
{
	const char *p = line, *end = line + len, *w;
	size_t n;
	int64_t v;

	memset(r, 0, sizeof(*r));
	r->done = -1;
	if (memchr(line, '\0', len))
		return -1;
	if (!word(&p, end, &w, &n) || !parse_time(w, n, &r->t))
		return -1;
	if (!word(&p, end, &w, &n))
		return -1;
	if (is(w, n, "sit")) {
		r->kind = SLOG_SIT;
		return word(&p, end, &w, &n) && number(w, n, &r->secs) ? 0 : -1;
	}
	if (is(w, n, "break")) {
		r->kind = SLOG_BREAK;
		if (!word(&p, end, &w, &n) || !is(w, n, "natural"))
			return -1;
		return word(&p, end, &w, &n) && number(w, n, &r->secs) ? 0 : -1;
	}
	if (is(w, n, "reminder")) {
		r->kind = SLOG_REMINDER;
		if (!word(&p, end, &w, &n))
			return -1;
		for (size_t i = 0; i < sizeof(reminder_words) / sizeof(*reminder_words); i++)
			if (is(w, n, reminder_words[i])) {
				r->reminder = (enum slog_reminder)i;
				if (r->reminder != SLOG_WAITED)
					return 0;
				return word(&p, end, &w, &n) && number(w, n, &r->secs)
					       ? 0 : -1;
			}
		return -1;
	}
	if (is(w, n, "exercise")) {
		r->kind = SLOG_EXERCISE;
		if (!word(&p, end, &w, &n) || n >= sizeof(r->routine))
			return -1;
		memcpy(r->routine, w, n);
		r->routine[n] = '\0';
		if (!word(&p, end, &w, &n))
			return -1;
		for (size_t i = 0; i < sizeof(outcome_words) / sizeof(*outcome_words); i++)
			if (is(w, n, outcome_words[i])) {
				r->outcome = (enum slog_outcome)i;
				if (!word(&p, end, &w, &n) || !keyed(w, n, "heard", &r->secs))
					return -1;
				/* Later fields: form=LEVEL (-1..999), repeated=N. */
				while (word(&p, end, &w, &n)) {
					if (n == 7 && memcmp(w, "form=-1", 7) == 0)
						r->form = -1, r->form_set = true;
					else if (keyed(w, n, "form", &v) && v <= 999)
						r->form = (int)v, r->form_set = true;
					else if (keyed(w, n, "repeated", &v) && v <= 100000)
						r->repeated = (int)v;
				}
				return 0;
			}
		return -1;
	}
	if (is(w, n, "feedback") || is(w, n, "left-out")) {
		bool fb = is(w, n, "feedback");

		r->kind = fb ? SLOG_FEEDBACK : SLOG_LEFT_OUT;
		if (!word(&p, end, &w, &n) || n >= sizeof(r->routine))
			return -1;
		memcpy(r->routine, w, n);
		r->routine[n] = '\0';
		if (!fb)
			return 0;
		if (!word(&p, end, &w, &n))
			return -1;
		for (size_t i = 0; i < 4; i++)
			if (is(w, n, slog_feedback_words[i])) {
				r->feedback = (int)i;
				return 0;
			}
		return -1;
	}
	if (is(w, n, "session")) {
		const char *slash;
		int64_t a, b;

		r->kind = SLOG_SESSION;
		if (!word(&p, end, &w, &n) || n >= sizeof(r->routine))
			return -1;
		memcpy(r->routine, w, n);
		r->routine[n] = '\0';
		if (!word(&p, end, &w, &n))
			return -1;
		if (is(w, n, "completed"))
			r->completed = true;
		else if (!is(w, n, "stopped"))
			return -1;
		if (!word(&p, end, &w, &n) || !(slash = memchr(w, '/', n)) ||
		    !number(w, (size_t)(slash - w), &a) ||
		    !number(slash + 1, n - (size_t)(slash - w) - 1, &b) || a > b ||
		    b > 100000)
			return -1;
		r->step = (int)a;
		r->steps = (int)b;
		if (!word(&p, end, &w, &n) || !keyed(w, n, "skipped", &v) || v > 100000)
			return -1;
		r->skipped = (int)v;
		if (!word(&p, end, &w, &n) || !keyed(w, n, "exercised", &r->secs))
			return -1;
		/* done= came later: optional, and where present, whole. */
		if (word(&p, end, &w, &n) && n > 5 && memcmp(w, "done=", 5) == 0) {
			if (!keyed(w, n, "done", &v) || v > 100000)
				return -1;
			r->done = (int)v;
		}
		return 0;
	}
	return -1;
}

size_t slog_format(const struct slog_rec *r, char *buf, size_t len)
{
	char ts[32];
	time_t t = (time_t)r->t;
	struct tm tm;
	int n;

	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	switch (r->kind) {
	case SLOG_SIT:
		n = snprintf(buf, len, "%s sit %" PRId64 "\n", ts, r->secs);
		break;
	case SLOG_BREAK:
		n = snprintf(buf, len, "%s break natural %" PRId64 "\n", ts, r->secs);
		break;
	case SLOG_REMINDER:
		if (r->reminder == SLOG_WAITED)
			n = snprintf(buf, len, "%s reminder waited %" PRId64 "\n", ts,
				     r->secs);
		else
			n = snprintf(buf, len, "%s reminder %s\n", ts,
				     reminder_words[r->reminder]);
		break;
	case SLOG_EXERCISE:
	{
		char form[32] = "", rep[32] = "";

		if (r->form_set)
			snprintf(form, sizeof(form), " form=%d", r->form < -1 ? -1 : r->form);
		if (r->repeated)
			snprintf(rep, sizeof(rep), " repeated=%d", r->repeated);
		n = snprintf(buf, len, "%s exercise %s %s heard=%" PRId64 "%s%s\n", ts,
			     r->routine[0] ? r->routine : "?", outcome_words[r->outcome],
			     r->secs, form, rep);
	}
		break;
	case SLOG_FEEDBACK:
		n = snprintf(buf, len, "%s feedback %s %s\n", ts,
			     r->routine[0] ? r->routine : "?",
			     slog_feedback_words[r->feedback & 3]);
		break;
	case SLOG_LEFT_OUT:
		n = snprintf(buf, len, "%s left-out %s\n", ts,
			     r->routine[0] ? r->routine : "?");
		break;
	case SLOG_SESSION:
	default:
		/* done < 0: a line from before done= existed, written as it
		 * was (read back, it means what it meant). */
		n = snprintf(buf, len,
			     "%s session %s %s %d/%d skipped=%d exercised=%" PRId64,
			     ts, r->routine[0] ? r->routine : "?",
			     r->completed ? "completed" : "stopped", r->step, r->steps,
			     r->skipped, r->secs);
		if (n >= 0 && (size_t)n < len)
			n += r->done >= 0 ? snprintf(buf + n, len - (size_t)n, " done=%d\n",
						     r->done)
					  : snprintf(buf + n, len - (size_t)n, "\n");
		break;
	}
	if (n < 0)
		return 0;
	return (size_t)n < len ? (size_t)n : len - 1;
}

/* ---- figures ---- */

bool slog_is_break(const struct slog_rec *r)
{
	if (r->kind != SLOG_SESSION)
		return false;
	return r->done >= 0 ? r->done >= 1 : r->completed;
}

static struct slog_ex_count *ex_count(struct slog_stats *s, const char *name)
{
	for (size_t i = 0; i < s->n_ex; i++)
		if (strcmp(s->ex[i].name, name) == 0)
			return &s->ex[i];
	if (s->n_ex == s->cap_ex) {
		s->cap_ex = s->cap_ex ? s->cap_ex * 2 : 16;
		s->ex = xrealloc(s->ex, s->cap_ex * sizeof(*s->ex));
	}
	memset(&s->ex[s->n_ex], 0, sizeof(*s->ex));
	snprintf(s->ex[s->n_ex].name, sizeof(s->ex->name), "%s", name);
	return &s->ex[s->n_ex++];
}

void slog_stats_free(struct slog_stats *s)
{
	free(s->ex);
	s->ex = NULL;
	s->n_ex = s->cap_ex = 0;
}

void slog_stats_add(struct slog_stats *s, const struct slog_rec *r,
		    int64_t from, int64_t to)
{
	if (r->t < from || r->t >= to || r->kind == SLOG_FEEDBACK ||
	    r->kind == SLOG_LEFT_OUT)
		return;
	s->records++;
	switch (r->kind) {
	case SLOG_SIT:
		s->present_s += r->secs;
		if (r->secs > s->longest_s)
			s->longest_s = r->secs;
		break;
	case SLOG_BREAK:
		s->natural++;
		break;
	case SLOG_REMINDER:
		switch (r->reminder) {
		case SLOG_GIVEN: s->reminders++; break;
		case SLOG_SNOOZED: case SLOG_CANCELLED: s->snoozed++; break;
		case SLOG_WAITED: s->waited++; break;
		case SLOG_SKIPPED: s->skipped++; break;
		case SLOG_UNANSWERED: s->unanswered++; break;
		case SLOG_STARTED: s->started++; break;
		}
		break;
	case SLOG_EXERCISE: {
		struct slog_ex_count *e = ex_count(s, r->routine);
		if (r->outcome == SLOG_DONE)
			e->done++;
		else if (r->outcome == SLOG_EX_SKIPPED)
			e->skipped++;
		else
			e->stopped++;
		break;
	}
	case SLOG_FEEDBACK:
	case SLOG_LEFT_OUT:
		break;
	case SLOG_SESSION:
		s->sessions++;
		if (slog_is_break(r))
			s->guided++;
		if (r->completed)
			s->completed++;
		s->exercised_s += r->secs;
		break;
	}
}

int64_t slog_local_day(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!localtime_r(&tt, &tm))
		return 0;
	/* Days since the epoch of the local calendar date. */
	struct tm d = { .tm_year = tm.tm_year, .tm_mon = tm.tm_mon,
			.tm_mday = tm.tm_mday };
	return (int64_t)timegm(&d) / 86400;
}

void slog_days_add(struct slog_days *d, const struct slog_rec *r)
{
	int64_t day;

	if (!slog_is_break(r))
		return;
	day = slog_local_day(r->t);
	if (d->n && d->day[d->n - 1] == day)
		return;
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 64;
		d->day = xrealloc(d->day, d->cap * sizeof(*d->day));
	}
	d->day[d->n++] = day;
}

static int cmp_day(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Day of the week (0 = Sunday) of local day number day (1970-01-01 was a
 * Thursday). */
static int weekday(int64_t day)
{
	return (int)(((day % 7) + 7 + 4) % 7);
}

int slog_streak(struct slog_days *d, int64_t today, unsigned days)
{
	int streak = 0;
	size_t i;
	int64_t day;

	if (!d->n || !(days & 0x7f))
		return 0;
	qsort(d->day, d->n, sizeof(*d->day), cmp_day);
	i = d->n;
	/* Skip days after today (a clock set back). */
	while (i > 0 && d->day[i - 1] > today)
		i--;
	for (day = today; i > 0 && day >= d->day[0]; day--) {
		bool had = i > 0 && d->day[i - 1] == day;

		if (had)
			i--;
		if (!(days & (1u << weekday(day))))
			continue; /* not a reminder day: neither counts nor breaks */
		if (had)
			streak++;
		else if (day != today) /* none yet today: the streak lives on */
			break;
	}
	return streak;
}

void slog_days_free(struct slog_days *d)
{
	free(d->day);
	memset(d, 0, sizeof(*d));
}

/* ---- a session's record, from what was heard ---- */

size_t slog_session_exercises(const struct timeline *tl, size_t first,
			      const int64_t *skips, size_t n_skips, int64_t heard,
			      bool completed, struct slog_exercise *out, size_t max,
			      int64_t *exercised, int *done)
{
	size_t n = 0;
	bool open = false; /* out[n - 1] is the exercise of the step before */
	bool reached_all = true;

	*exercised = 0;
	*done = 0;
	for (size_t i = first; i < tl->n_steps; i++) {
		const struct step *st = &tl->steps[i];
		int64_t at = st->at;
		int64_t end = i + 1 < tl->n_steps ? tl->steps[i + 1].at : tl->length;
		int64_t skip_at = -1, got;
		enum slog_outcome o;

		if (st->exercise < 0) {
			if (open && !reached_all && out[n - 1].outcome == SLOG_DONE)
				out[n - 1].outcome = SLOG_EX_STOPPED;
			open = false;
			continue;
		}
		for (size_t k = 0; k < n_skips; k++)
			if (skips[k] >= at && skips[k] < end && (skip_at < 0 || skips[k] > skip_at))
				skip_at = skips[k];
		if (skip_at >= 0) {
			o = SLOG_EX_SKIPPED;
			got = skip_at - at;
		} else if (completed || heard >= end) {
			o = SLOG_DONE;
			got = end - at;
		} else if (heard >= at) {
			o = SLOG_EX_STOPPED;
			got = heard - at;
		} else {
			/* Not reached: a side before it was heard makes the
			 * exercise stopped, not done. */
			if (open)
				reached_all = false;
			continue;
		}
		if (open && out[n - 1].exercise == st->exercise) {
			struct slog_exercise *e = &out[n - 1];
			e->heard += got;
			if (o == SLOG_EX_SKIPPED || (o == SLOG_EX_STOPPED && e->outcome == SLOG_DONE))
				e->outcome = o;
		} else if (n < max) {
			out[n++] = (struct slog_exercise){ .exercise = st->exercise,
							   .outcome = o, .heard = got };
			open = true;
			reached_all = true;
		} else {
			open = false;
		}
		*exercised += got;
	}
	if (open && !reached_all && out[n - 1].outcome == SLOG_DONE)
		out[n - 1].outcome = SLOG_EX_STOPPED;
	for (size_t k = 0; k < n; k++)
		if (out[k].outcome == SLOG_DONE)
			(*done)++;
	return n;
}

/* ---- the file ---- */

char *statelog_path(void)
{
	char *dir = state_dir();
	char *path;

	if (!dir)
		return NULL;
	path = xasprintf("%s/" STATELOG_FILE, dir);
	free(dir);
	return path;
}

static bool append_failed;  /* log only the first failure in a row */
static bool rotate_failed;  /* and the first failure to rotate */

static void append_fail(const char *what, const char *path, const char *why)
{
	if (!append_failed)
		log_warn("record of the day: %s %s: %s (the daemon carries on without it)",
			 what, path, why);
	append_failed = true;
}

/* Open the log for appending (and reading its last byte): a regular file
 * only, never a symlink, never waited on. */
static int open_log(const char *path)
{
	char why[128];
	int fd = util_open_file(path, O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW, 0600,
				why, sizeof(why));

	if (fd < 0) {
		const char *w = why;
		if (strncmp(w, "cannot open: ", 13) == 0)
			w += 13;
		append_fail("cannot open", path, w);
	}
	return fd;
}

int statelog_append(const struct slog_rec *r)
{
	char line[SLOG_LINE_MAX + 1], *dir = state_dir(), *path = NULL, *old = NULL;
	struct stat st;
	size_t len = slog_format(r, line + 1, sizeof(line) - 1);
	int fd = -1, ret = -1;
	char last = '\n';
	const char *out = line + 1;

	if (!dir) {
		append_fail("no state directory (XDG_STATE_HOME, HOME) for", STATELOG_FILE,
			    strerror(ENOENT));
		return -1;
	}
	path = xasprintf("%s/" STATELOG_FILE, dir);
	if (util_mkdir_p(dir, 0700) < 0) {
		append_fail("cannot create", dir, strerror(errno));
		goto out;
	}
	if ((fd = open_log(path)) < 0)
		goto out;
	if (fstat(fd, &st) == 0 && st.st_size > STATELOG_MAX_BYTES) {
		/* Rotate: the full log becomes day.log.1, a new one begins. */
		old = xasprintf("%s.1", path);
		if (rename(path, old) == 0) {
			close(fd);
			if ((fd = open_log(path)) < 0)
				goto out;
			log_info("record of the day: rotated to %s", old);
			rotate_failed = false;
		} else if (!rotate_failed) {
			/* Appending goes on: nothing is lost, the log grows. */
			log_warn("record of the day: cannot rotate %s to %s: %s", path, old,
				 strerror(errno));
			rotate_failed = true;
		}
	}
	/* The descriptor written is the one read: a torn line before (a crash
	 * mid-write) is ended first, so ours stays whole. */
	if (fstat(fd, &st) == 0 && st.st_size > 0 &&
	    pread(fd, &last, 1, st.st_size - 1) != 1)
		last = '\n';
	if (last != '\n') {
		line[0] = '\n';
		out = line;
		len++;
	}
	ssize_t n = write(fd, out, len);
	if (n != (ssize_t)len) {
		if (n >= 0)
			errno = ENOSPC;
		append_fail("cannot write", path, strerror(errno));
		goto out;
	}
	if (append_failed)
		log_info("record of the day: writing %s again", path);
	append_failed = false;
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	free(old);
	free(path);
	free(dir);
	return ret;
}

/* ---- reading ---- */

static void line_done(struct slog_lines *l, const char *s, size_t n)
{
	struct slog_rec r;

	if (n == 0)
		return;
	if (slog_parse(s, n, &r) == 0)
		l->fn(l->ctx, &r);
	else
		l->skipped++;
}

void slog_lines_feed(struct slog_lines *l, const char *data, size_t len)
{
	const char *p = data, *end = data + len, *nl;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);

		if (l->overlong || l->n + n > SLOG_LINE_MAX) {
			/* Longer than any record: skipped whole, to its end. */
			if (!l->overlong)
				l->skipped++;
			l->overlong = true;
			l->n = 0;
		} else if (nl && l->n == 0) {
			line_done(l, p, n); /* the common case: no copy */
		} else {
			memcpy(l->buf + l->n, p, n);
			l->n += n;
			if (nl) {
				line_done(l, l->buf, l->n);
				l->n = 0;
			}
		}
		if (!nl)
			break;
		l->overlong = false;
		p = nl + 1;
	}
}

void slog_lines_end(struct slog_lines *l)
{
	/* A last line without its newline is torn (a crash mid-write). */
	if (l->n > 0)
		l->skipped++;
	l->n = 0;
	l->overlong = false;
}

/* Read one log file into l. Returns 0, or -1 with errno and err. */
static int read_one(const char *path, struct slog_lines *l, char *err, size_t errlen)
{
	char buf[65536];
	ssize_t n;
	int fd = util_open_regular(path, err, errlen);

	if (fd < 0)
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			snprintf(err, errlen, "cannot read: %s", strerror(e));
			close(fd);
			errno = e;
			return -1;
		}
		slog_lines_feed(l, buf, (size_t)n);
	}
	slog_lines_end(l);
	close(fd);
	return 0;
}

int statelog_read(const char *path, void (*fn)(void *, const struct slog_rec *),
		  void *ctx, int *skipped)
{
	struct slog_lines *l = xcalloc(1, sizeof(*l));
	char *old = xasprintf("%s.1", path);
	const char *files[2] = { old, path };
	char why[128];
	int ret = 0, e = 0;

	l->fn = fn;
	l->ctx = ctx;
	for (int i = 0; i < 2; i++) {
		if (read_one(files[i], l, why, sizeof(why)) == 0 || errno == ENOENT)
			continue;
		/* Named, and what the other file holds still counted. */
		e = errno;
		log_err("cannot read the record of the day %s: %s", files[i], why);
		ret = -1;
	}
	if (skipped)
		*skipped += l->skipped;
	free(old);
	free(l);
	errno = e;
	return ret;
}

/* ---- backcoach stats ---- */

#define STATS_MAX_DAYS 31

struct stats_ctx {
	struct slog_stats s;
	struct slog_stats day[STATS_MAX_DAYS]; /* per day of the period */
	int64_t first_day;
	int n_days;
	struct slog_days days;
	int64_t from, to;
};

static void stats_rec(void *ctx, const struct slog_rec *r)
{
	struct stats_ctx *c = ctx;

	slog_stats_add(&c->s, r, c->from, c->to);
	slog_days_add(&c->days, r);
	if (r->t >= c->from && r->t < c->to && c->n_days > 1) {
		int64_t i = slog_local_day(r->t) - c->first_day;
		if (i >= 0 && i < c->n_days)
			slog_stats_add(&c->day[i], r, c->from, c->to);
	}
}

static char *hm(int64_t secs, char *buf, size_t len)
{
	int64_t m = (secs + 30) / 60;
	if (m >= 60)
		snprintf(buf, len, "%" PRId64 "h%02" PRId64 "m", m / 60, m % 60);
	else
		snprintf(buf, len, "%" PRId64 "m", m);
	return buf;
}

/* Epoch seconds of local midnight `back` days before t's date. */
static int64_t local_midnight(int64_t t, int back)
{
	time_t tt = (time_t)t;
	struct tm tm;

	localtime_r(&tt, &tm);
	tm.tm_mday -= back;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

/* "1 break", "2 breaks". */
static const char *plural(int n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* One day of a week or month: "Mon 2026-03-09: 2 breaks, 7 minutes
 * exercised, 3 reminders (1 snoozed, ...)". */
static void stats_day(FILE *out, int64_t midnight, const struct slog_stats *s)
{
	time_t t = (time_t)midnight;
	struct tm tm;
	char day[32], a[32];
	int64_t min = (s->exercised_s + 30) / 60;

	localtime_r(&t, &tm);
	strftime(day, sizeof(day), "%a %Y-%m-%d", &tm);
	fprintf(out, "  %s: %d %s, %" PRId64 " %s exercised, %s at the machine", day,
		s->guided, plural(s->guided, "break", "breaks"), min,
		min == 1 ? "minute" : "minutes", hm(s->present_s, a, sizeof(a)));
	if (s->reminders)
		fprintf(out, ", %d %s (%d started, %d snoozed, %d skipped, %d unanswered)",
			s->reminders, plural(s->reminders, "reminder", "reminders"),
			s->started, s->snoozed, s->skipped, s->unanswered);
	fputc('\n', out);
}

static int cmp_ex(const void *a, const void *b)
{
	return strcmp(((const struct slog_ex_count *)a)->name,
		      ((const struct slog_ex_count *)b)->name);
}

int stats_run(const char *period, int64_t now, unsigned days, FILE *out)
{
	struct stats_ctx *c = xcalloc(1, sizeof(*c));
	char *path = statelog_path();
	int back, skipped = 0, ret = 0;
	char a[32], day[32];

	if (!period || strcmp(period, "today") == 0)
		back = 0, period = "today";
	else if (strcmp(period, "week") == 0)
		back = 6;
	else if (strcmp(period, "month") == 0)
		back = 29;
	else {
		log_err("stats: unknown period \"%s\" (today, week or month)", period);
		ret = 64;
		goto out;
	}
	if (!path) {
		log_err("stats: no state directory (set XDG_STATE_HOME or HOME)");
		ret = 1;
		goto out;
	}
	c->from = local_midnight(now, back);
	c->to = INT64_MAX;
	c->first_day = slog_local_day(c->from);
	c->n_days = back + 1;
	/* A file that cannot be read is named (and the exit status says so);
	 * what the other holds is still shown. */
	if (statelog_read(path, stats_rec, c, &skipped) < 0)
		ret = 1;
	time_t f = (time_t)c->from;
	struct tm tm;
	localtime_r(&f, &tm);
	strftime(day, sizeof(day), "%Y-%m-%d", &tm);
	fprintf(out, "period: %s (since %s)\n", period, day);
	fprintf(out, "at the machine: %s\n", hm(c->s.present_s, a, sizeof(a)));
	fprintf(out, "longest unbroken sitting: %s\n", hm(c->s.longest_s, a, sizeof(a)));
	fprintf(out, "breaks: %d guided, %d natural\n", c->s.guided, c->s.natural);
	fprintf(out, "sessions: %d played, %d completed\n", c->s.sessions, c->s.completed);
	fprintf(out, "minutes exercised: %" PRId64 "\n", (c->s.exercised_s + 30) / 60);
	fprintf(out, "reminders: %d given, %d started, %d snoozed, %d skipped, "
		     "%d unanswered, %d waited (a call, do not disturb)\n",
		c->s.reminders, c->s.started, c->s.snoozed, c->s.skipped,
		c->s.unanswered, c->s.waited);
	int streak = slog_streak(&c->days, slog_local_day(now), days);
	fprintf(out, "streak: %d %s with a break\n", streak, plural(streak, "day", "days"));
	if (c->n_days > 1) {
		fprintf(out, "days:\n");
		for (int i = 0; i < c->n_days; i++)
			stats_day(out, local_midnight(now, back - i), &c->day[i]);
	}
	if (c->s.n_ex) {
		qsort(c->s.ex, c->s.n_ex, sizeof(*c->s.ex), cmp_ex);
		fprintf(out, "exercises:\n");
		for (size_t i = 0; i < c->s.n_ex; i++)
			fprintf(out, "  %s: %d done, %d skipped, %d stopped during\n",
				c->s.ex[i].name, c->s.ex[i].done, c->s.ex[i].skipped,
				c->s.ex[i].stopped);
	}
	if (skipped)
		log_warn("stats: %s: %d line%s skipped (torn or not a record)", path,
			 skipped, skipped == 1 ? "" : "s");
out:
	free(path);
	slog_days_free(&c->days);
	slog_stats_free(&c->s);
	for (int i = 0; i < STATS_MAX_DAYS; i++)
		slog_stats_free(&c->day[i]);
	free(c);
	return ret;
}
