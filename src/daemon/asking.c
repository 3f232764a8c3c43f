/* SPDX-License-Identifier: GPL-3.0-or-later */
/* asking.c: a reminder as the desktop shows it and while it waits for your
 * answer; see asking.h. */
#include "daemon/asking.h"

#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/loop.h"
#include "base/util.h"
#include "desktop/notifications.h"

#define MINUTE_US (60 * 1000000ull)

struct asking {
	const struct asking_ops *ops;
	void *data;
	struct loop *loop;
	struct notifications *notif;
	struct loop_source *timer; /* the answer's deadline, the minute updates */

	struct ask_offer offer;    /* labels copied below */
	char *title, *start, *short_label, *snooze, *skip;
	bool waiting, shown;
	uint64_t deadline_us;      /* CLOCK_MONOTONIC: no answer by then */
	uint64_t update_us;        /* next body update */
};

static int minutes_left(const struct asking *a, uint64_t now)
{
	if (!a->waiting)
		return -1;
	if (now >= a->deadline_us)
		return 0;
	return (int)((a->deadline_us - now + MINUTE_US - 1) / MINUTE_US);
}

/* Show or replace the notification with the body as of now. */
static void show(struct asking *a)
{
	struct notif_action acts[4];
	size_t n = 0;
	char *body;

	if (!a->offer.notify)
		return;
	body = a->ops->body(a->data, minutes_left(a, loop_now_us()));
	acts[n++] = (struct notif_action){ "start", a->start };
	if (a->short_label)
		acts[n++] = (struct notif_action){ "short", a->short_label };
	acts[n++] = (struct notif_action){ "snooze", a->snooze };
	acts[n++] = (struct notif_action){ "skip", a->skip };
	notif_show(a->notif, a->title, body, acts, n, a->waiting);
	a->shown = true;
	free(body);
}

static void stop(struct asking *a)
{
	a->waiting = false;
	if (a->shown)
		notif_close(a->notif);
	a->shown = false;
}

/* ---- the clock ---- */

static void timer_prepare(void *data, short *events, uint64_t *deadline_us)
{
	struct asking *a = data;

	(void)events;
	if (!a->waiting)
		return;
	*deadline_us = a->deadline_us;
	if (a->shown && a->update_us < a->deadline_us)
		*deadline_us = a->update_us;
}

static void timer_dispatch(void *data, short revents)
{
	struct asking *a = data;
	uint64_t now = loop_now_us();

	(void)revents;
	if (!a->waiting)
		return;
	if (now >= a->deadline_us) {
		stop(a);
		a->ops->answer(a->data, ASK_UNANSWERED);
		return;
	}
	if (a->shown && now >= a->update_us) {
		a->update_us += MINUTE_US;
		show(a); /* the minutes left, replaced in place */
	}
}

static const struct loop_source_ops timer_ops = { timer_prepare, timer_dispatch };

/* ---- the notification's answers ---- */

static void on_action(void *data, const char *key)
{
	struct asking *a = data;
	enum ask_answer ans;

	if (strcmp(key, "start") == 0 || strcmp(key, "default") == 0)
		ans = ASK_START;
	else if (strcmp(key, "short") == 0)
		ans = ASK_START_SHORT;
	else if (strcmp(key, "snooze") == 0)
		ans = ASK_SNOOZE;
	else if (strcmp(key, "skip") == 0)
		ans = ASK_SKIP;
	else
		return;
	a->shown = false; /* closed by notifications.c */
	a->waiting = false;
	log_info("notification: %s", key);
	a->ops->answer(a->data, ans);
}

static void on_dismissed(void *data)
{
	struct asking *a = data;

	a->shown = false;
	if (!a->waiting)
		return;
	a->waiting = false;
	log_info("notification dismissed: snoozed");
	a->ops->answer(a->data, ASK_SNOOZE);
}

static void on_dnd(void *data, bool on, const char *why)
{
	struct asking *a = data;

	a->ops->dnd(a->data, on, why);
}

static void on_unavailable(void *data)
{
	struct asking *a = data;

	a->shown = false; /* spoken only; the answer still comes by play or CLI */
}

static const struct notif_ops notif_ops = {
	.action = on_action, .dismissed = on_dismissed, .dnd = on_dnd,
	.unavailable = on_unavailable,
};

/* ---- life ---- */

struct asking *asking_new(struct loop *l, const struct asking_ops *ops, void *data)
{
	struct asking *a = xcalloc(1, sizeof(*a));

	a->ops = ops;
	a->data = data;
	a->loop = l;
	a->notif = notif_new(l, &notif_ops, a);
	a->timer = loop_add(l, -1, &timer_ops, a);
	return a;
}

static void labels_free(struct asking *a)
{
	free(a->title);
	free(a->start);
	free(a->short_label);
	free(a->snooze);
	free(a->skip);
	a->title = a->start = a->short_label = a->snooze = a->skip = NULL;
}

void asking_free(struct asking *a)
{
	if (!a)
		return;
	stop(a);
	loop_remove(a->loop, a->timer);
	notif_free(a->notif);
	labels_free(a);
	free(a);
}

void asking_offer(struct asking *a, const struct ask_offer *o)
{
	uint64_t now = loop_now_us();

	stop(a);
	labels_free(a);
	a->offer = *o;
	a->title = xstrdup(o->title);
	a->start = xstrdup(o->start);
	a->short_label = o->short_label ? xstrdup(o->short_label) : NULL;
	a->snooze = xstrdup(o->snooze);
	a->skip = xstrdup(o->skip);
	a->waiting = o->wait_ms > 0;
	a->deadline_us = now + (uint64_t)(o->wait_ms > 0 ? o->wait_ms : 0) * 1000;
	a->update_us = now + MINUTE_US;
	show(a);
}

void asking_set_short(struct asking *a, const char *label)
{
	if (!a || (a->short_label && label && strcmp(a->short_label, label) == 0))
		return;
	free(a->short_label);
	a->short_label = label ? xstrdup(label) : NULL;
	if (a->shown)
		show(a); /* replaced in place */
}

void asking_note(struct asking *a, const char *title, const char *body)
{
	stop(a);
	notif_show(a->notif, title, body, NULL, 0, false);
}

void asking_done(struct asking *a)
{
	if (a)
		stop(a);
}

bool asking_waiting(const struct asking *a, int64_t *left_ms)
{
	uint64_t now = loop_now_us();

	if (!a || !a->waiting)
		return false;
	if (left_ms)
		*left_ms = a->deadline_us > now ? (int64_t)(a->deadline_us - now) / 1000 : 0;
	return true;
}

void asking_check_dnd(struct asking *a)
{
	notif_check_dnd(a->notif);
}
