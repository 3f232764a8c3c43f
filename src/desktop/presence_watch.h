/* SPDX-License-Identifier: GPL-3.0-or-later */
/* presence_watch.h: what the daemon knows about you: here or away (the
 * desktop's signals, presence_bus.h), on a call or not (callwatch.h), how
 * long you have sat (presence.h); and the record of the day (statelog.h)
 * of your sitting stretches and natural breaks.
 *
 * Where no desktop source is available ([reminders] presence = no, or no
 * logind, GNOME or KDE to ask), you are taken to be here all the time:
 * sitting is wall time since the last session, and a suspend starts it
 * over, as before presence existed. */
#ifndef BC_PRESENCE_WATCH_H
#define BC_PRESENCE_WATCH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct config;
struct loop;
struct pwatch;

struct pwatch_ops {
	/* Here/away or the call state changed: the daemon plans again. */
	void (*changed)(void *data);
};

struct pwatch *pwatch_new(struct loop *l, const struct config *c,
			  const struct pwatch_ops *ops, void *data);
/* The record of the stretch going on, then free. */
void pwatch_free(struct pwatch *w);
/* The [reminders] keys again (reload). */
void pwatch_configure(struct pwatch *w, const struct config *c);

/* The sitting clock now (ms). */
int64_t pwatch_sitting(const struct pwatch *w);
/* Are you here? (true when nothing tells.) */
bool pwatch_here(const struct pwatch *w);
/* Does a call hold reminders back now? *until_ms: in how many ms it stops
 * holding (INT64_MAX while a recording goes on). */
bool pwatch_call_holds(const struct pwatch *w, int64_t *until_ms);

/* A reminder falls due: ask the desktop how long you have been idle where
 * it has no signal for it (KDE). True: asked; the answer calls changed. */
bool pwatch_ask_idle(struct pwatch *w);

/* A session begins: the sitting stretch so far goes to the record. */
void pwatch_session_begins(struct pwatch *w);
/* Sitting starts over now (a session or a reminder ended). */
void pwatch_reset(struct pwatch *w);
/* The machine was suspended for slept_ms (seen by the clocks). */
void pwatch_suspended(struct pwatch *w, int64_t slept_ms);

/* status lines: presence, sitting, calls. */
void pwatch_status(const struct pwatch *w, FILE *f);

#endif
