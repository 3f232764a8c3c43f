/* SPDX-License-Identifier: GPL-3.0-or-later */
/* reminder.c: when the next sitting reminder is due; see reminder.h. */
#include "coach/reminder.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/util.h"

/* Days of windows looked at around a time: the day before (an overnight
 * window from yesterday may still be open) up to two weeks ahead. */
#define DAYS_BEFORE 1
#define DAYS_AFTER 15

void reminder_rules_from_config(const struct config *cfg,
				struct reminder_rules *r)
{
	r->interval_ms = cfg->reminders.interval_ms;
	r->from_min = cfg->reminders.from_min;
	r->to_min = cfg->reminders.to_min;
	r->days = cfg->reminders.days;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* A wall-clock reading as one comparable number (seconds-ish; months are
 * given 31 days, which keeps the order). */
static int64_t wall_key(const struct tm *tm)
{
	int64_t days = ((int64_t)tm->tm_year * 12 + tm->tm_mon) * 31 +
		       (tm->tm_mday - 1);
	return ((days * 24 + tm->tm_hour) * 60 + tm->tm_min) * 60 + tm->tm_sec;
}

static int64_t wall_key_at(time_t t)
{
	struct tm tm;
	if (!localtime_r(&t, &tm))
		return 0;
	return wall_key(&tm);
}

/* The first instant (seconds) whose local wall time is at or after the
 * given date and time: exact when that time exists, the first of two in a
 * repeated hour, the end of the gap in a skipped one. *wday gets the day of
 * the week of the date. Fields may be out of range (mday 32, min 1500). */
static time_t local_instant(int year, int mon, int mday, int minute,
			    int *wday)
{
	struct tm norm = {
		.tm_year = year, .tm_mon = mon, .tm_mday = mday,
		.tm_min = minute,
	};
	struct tm tm;
	time_t t0, best = (time_t)-1;
	int64_t target;

	/* Normalise the date in UTC: no DST there to shift the hour. */
	time_t u = timegm(&norm);
	gmtime_r(&u, &norm);
	if (wday)
		*wday = norm.tm_wday;
	target = wall_key(&norm);

	tm = norm;
	tm.tm_isdst = -1;
	t0 = mktime(&tm);
	/* Offsets change by 30 min (Lord Howe) or 1 h (elsewhere), 2 h rarely:
	 * the wanted instant is a few half hours from mktime's guess. */
	for (int j = -4; j <= 4; j++) {
		time_t t = t0 + (time_t)j * 1800;
		if (wall_key_at(t) == target && (best == (time_t)-1 || t < best))
			best = t;
	}
	if (best != (time_t)-1)
		return best;
	/* In a gap: the smallest t with wall(t) >= target. Wall time rises
	 * monotonically around a spring-forward gap, so bisect. */
	time_t lo = t0 - 3 * 3600, hi = t0 + 3 * 3600;
	while (hi - lo > 1) {
		time_t mid = lo + (hi - lo) / 2;
		if (wall_key_at(mid) >= target)
			hi = mid;
		else
			lo = mid;
	}
	return hi;
}

struct window {
	int64_t start, end; /* ms */
};

/* Active windows of the days from DAYS_BEFORE before t's local date to
 * DAYS_AFTER after it, in order. Returns how many. */
static int windows_around(const struct reminder_rules *r, int64_t t,
			  struct window *w)
{
	time_t ts = (time_t)floor_div(t, 1000);
	struct tm tm;
	int n = 0;

	if (!localtime_r(&ts, &tm))
		return 0;
	for (int k = -DAYS_BEFORE; k <= DAYS_AFTER; k++) {
		int wday;
		int d = tm.tm_mday + k;
		time_t s = local_instant(tm.tm_year, tm.tm_mon, d, r->from_min,
					 &wday);
		time_t e;

		if (!(r->days & (1u << wday)))
			continue;
		if (r->from_min < r->to_min)
			e = local_instant(tm.tm_year, tm.tm_mon, d, r->to_min, NULL);
		else if (r->from_min > r->to_min)
			e = local_instant(tm.tm_year, tm.tm_mon, d + 1, r->to_min, NULL);
		else
			e = local_instant(tm.tm_year, tm.tm_mon, d + 1, r->from_min, NULL);
		if (e <= s) /* a window swallowed by a DST change */
			continue;
		w[n].start = (int64_t)s * 1000;
		w[n].end = (int64_t)e * 1000;
		n++;
	}
	return n;
}

bool reminder_period(const struct reminder_rules *r, int64_t t,
		     int64_t *start, int64_t *end)
{
	struct window w[DAYS_BEFORE + DAYS_AFTER + 1];
	int n = windows_around(r, t, w);
	int i = 0;

	while (i < n && w[i].end <= t)
		i++;
	if (i == n)
		return false;
	*start = w[i].start;
	*end = w[i].end;
	/* Windows that touch or overlap make one period. */
	for (i++; i < n && w[i].start <= *end; i++)
		if (w[i].end > *end)
			*end = w[i].end;
	if (i == n && *end >= w[n - 1].end && n == DAYS_BEFORE + DAYS_AFTER + 1)
		*end = REMINDER_NEVER; /* runs past everything we looked at */
	return true;
}

bool reminder_active(const struct reminder_rules *r, int64_t t)
{
	int64_t s, e;
	return reminder_period(r, t, &s, &e) && s <= t && t < e;
}

int64_t reminder_next_due(const struct reminder_rules *r, int64_t since)
{
	int64_t t = since;
	int64_t limit = since + (int64_t)(DAYS_AFTER - 1) * 86400 * 1000;

	if (r->interval_ms <= 0 || !(r->days & 0x7f))
		return REMINDER_NEVER;
	while (t < limit) {
		int64_t s, e;
		if (!reminder_period(r, t, &s, &e))
			return REMINDER_NEVER;
		int64_t due = (s > since ? s : since) + r->interval_ms;
		if (e == REMINDER_NEVER || due < e)
			return due;
		t = e; /* too late in this period: try the next one */
	}
	return REMINDER_NEVER;
}

int reminder_minutes_sat(const struct reminder_rules *r, int64_t since,
			 int64_t now)
{
	int64_t s, e, base = since;

	if (reminder_period(r, now, &s, &e) && s <= now && s > since)
		base = s;
	if (now <= base)
		return 0;
	return (int)((now - base + 30000) / 60000);
}

void sitting_reset(struct sitting *s, int64_t mono, int64_t boot)
{
	s->since_mono = mono;
	s->boot_offset = boot - mono;
}

int64_t sitting_check_suspend(struct sitting *s, int64_t mono, int64_t boot)
{
	int64_t off = boot - mono;
	int64_t slept = off - s->boot_offset;

	if (slept < SITTING_SUSPEND_MIN_MS) {
		if (slept > 0) /* keep small drift from adding up */
			s->boot_offset = off;
		return 0;
	}
	sitting_reset(s, mono, boot);
	return slept;
}

int64_t sitting_since_wall(const struct sitting *s, int64_t mono, int64_t real)
{
	return real - (mono - s->since_mono);
}

int64_t reminder_hold_until(const char *arg, int64_t now, char *err, size_t errlen)
{
	time_t t = (time_t)floor_div(now, 1000);
	struct tm tm;
	int64_t ms;
	int h, m;
	char end;

	if (!arg || !*arg) {
		snprintf(err, errlen, "hold what long? a duration (2h), until HH:MM, or tomorrow");
		return -1;
	}
	if (!localtime_r(&t, &tm)) {
		snprintf(err, errlen, "no local time");
		return -1;
	}
	if (strcmp(arg, "tomorrow") == 0)
		return (int64_t)local_instant(tm.tm_year, tm.tm_mon, tm.tm_mday + 1, 0, NULL) * 1000;
	if (strncmp(arg, "until ", 6) == 0 || strncmp(arg, "until=", 6) == 0) {
		if (sscanf(arg + 6, "%2d:%2d%c", &h, &m, &end) != 2 || h < 0 || h > 23 || m < 0 ||
		    m > 59 || strlen(arg + 6) != 5) {
			snprintf(err, errlen, "\"%s\": not a time of day (HH:MM, as 14:30)", arg + 6);
			return -1;
		}
		int64_t at = (int64_t)local_instant(tm.tm_year, tm.tm_mon, tm.tm_mday,
						    h * 60 + m, NULL) * 1000;
		if (at <= now)
			at = (int64_t)local_instant(tm.tm_year, tm.tm_mon, tm.tm_mday + 1,
						    h * 60 + m, NULL) * 1000;
		return at;
	}
	if (util_parse_duration(arg, &ms) < 0 || ms <= 0) {
		snprintf(err, errlen,
			 "\"%s\": not a duration (2h, 90m), until HH:MM, or tomorrow", arg);
		return -1;
	}
	return now + ms;
}

int reminder_pick_fitting(const int64_t *len, const int *lang, int want, size_t n, int64_t max,
			  bool shortest)
{
	int best = -1;

	for (size_t i = 0; i < n; i++)
		if (len[i] >= 0 && len[i] <= max && (!lang || lang[i] == want) &&
		    (best < 0 || (shortest ? len[i] < len[best] : len[i] > len[best])))
			best = (int)i;
	return best;
}
