/* SPDX-License-Identifier: GPL-3.0-or-later */
/* asking.h: a reminder given, as the desktop shows it and while it waits
 * for your answer. With [reminders] announce = notification or both, a
 * desktop notification (notifications.h) with the buttons Start (Short,
 * when a shorter routine is offered), Snooze and Skip, updated each minute
 * while it waits and closed once the reminder is answered, however that
 * came. With start = ask, the answer is awaited for answer_within: no
 * answer by then is ASK_UNANSWERED. It also asks the desktop whether do
 * not disturb is on (a due reminder waits while it is).
 *
 * It knows the daemon only through struct asking_ops; the daemon carries
 * the answer out (starts the routine, snoozes, records it). */
#ifndef BC_ASKING_H
#define BC_ASKING_H

#include <stdbool.h>
#include <stdint.h>

enum ask_answer {
	ASK_START,       /* Start: the routine offered */
	ASK_START_SHORT, /* Short: the shorter routine */
	ASK_SNOOZE,      /* Snooze, or the notification dismissed */
	ASK_SKIP,        /* Skip: no break this time */
	ASK_UNANSWERED,  /* nothing within answer_within */
};

struct asking_ops {
	/* The answer from the notification or the clock. The notification
	 * is closed already. */
	void (*answer)(void *data, enum ask_answer a);
	/* Do not disturb is on or off now (why: for status). */
	void (*dnd)(void *data, bool on, const char *why);
	/* The notification's body with minutes_left to answer (malloc'd;
	 * minutes_left < 0: it does not wait). */
	char *(*body)(void *data, int minutes_left);
};

/* What a reminder offers. */
struct ask_offer {
	const char *title;       /* the notification's summary */
	const char *start, *short_label, *snooze, *skip; /* button labels;
				    short_label NULL: no shorter routine */
	bool notify;             /* show a notification */
	int64_t wait_ms;         /* > 0: wait this long for an answer */
};

struct loop;
struct asking;

struct asking *asking_new(struct loop *l, const struct asking_ops *ops, void *data);
void asking_free(struct asking *a);

/* A reminder is given: show it, and wait when the offer says so. */
void asking_offer(struct asking *a, const struct ask_offer *o);
/* The Short button of the reminder offered, known later (the routines'
 * lengths are worked out off the loop): its notification, if still shown,
 * is replaced in place with the button (NULL: none). */
void asking_set_short(struct asking *a, const char *label);
/* A notification with nothing to answer (the first start's words). */
void asking_note(struct asking *a, const char *title, const char *body);
/* Answered (any way) or over: close the notification, stop waiting. */
void asking_done(struct asking *a);
/* Waiting for an answer? *left_ms (if not NULL): how long still. */
bool asking_waiting(const struct asking *a, int64_t *left_ms);

/* Ask whether do not disturb is on: the answer comes through ops->dnd,
 * and again at each change from then on. */
void asking_check_dnd(struct asking *a);

#endif
