/* SPDX-License-Identifier: GPL-3.0-or-later */
/* presence.h: the sitting clock that counts only while you are there, and
 * the call gate. Pure: no clock, no I/O; every time is milliseconds of
 * CLOCK_BOOTTIME (which, unlike CLOCK_MONOTONIC, runs on while suspended,
 * so a sleep is an absence of its real length).
 *
 * You are away while any reason holds: the session is locked, idle past the
 * desktop's threshold, or the machine is asleep. When you come back after an
 * absence of at least break_ms, that was a natural break: the sitting clock
 * starts over. A shorter absence pauses the clock: it carries on from where
 * it stood when you left. An absence may begin in the past (the desktop says
 * "idle since 10:12" when it decides you are idle), so the time you sat idle
 * before the desktop noticed does not count. */
#ifndef BC_PRESENCE_H
#define BC_PRESENCE_H

#include <stdbool.h>
#include <stdint.h>

enum presence_reason {
	PRESENCE_LOCKED = 1u << 0, /* logind: LockedHint, Lock */
	PRESENCE_IDLE = 1u << 1,   /* logind: IdleHint */
	PRESENCE_ASLEEP = 1u << 2, /* logind: PrepareForSleep; a suspend seen */
	PRESENCE_DESKTOP_IDLE = 1u << 3, /* GNOME's idle monitor */
	PRESENCE_SAVER = 1u << 4,  /* org.freedesktop.ScreenSaver active */
};

struct presence {
	int64_t break_ms;      /* an absence this long is a natural break */
	unsigned away;         /* reasons holding now (PRESENCE_*) */
	int64_t away_since;    /* when the current absence began */
	int64_t clock_base;    /* while present, sitting = now - clock_base */
	int64_t present_since; /* start of the current stretch of presence */
	int64_t frozen;        /* while away: the sitting time when you left */
};

/* What an update did, for the daemon's log and the record of the day. */
enum presence_change {
	PRESENCE_SAME,     /* nothing: still here, or still away */
	PRESENCE_LEFT,     /* you went away: stretch_ms of presence ended */
	PRESENCE_BACK,     /* back after away_ms: the clock was paused */
	PRESENCE_BREAK,    /* back after away_ms >= break_ms: clock restarted */
};

struct presence_event {
	enum presence_change change;
	int64_t stretch_ms; /* LEFT: how long you were present before leaving */
	int64_t away_ms;    /* BACK, BREAK: how long you were away */
};

/* Present from now on, the clock at zero. */
void presence_init(struct presence *p, int64_t break_ms, int64_t now);

/* Reason `reason` starts (on) or ends at time `at` (<= now; for an idle
 * hint, when the idleness began). Returns what changed, with *ev filled (ev
 * may be NULL). An `at` before the present stretch began counts from its
 * beginning; an end `at` before the absence began counts as that moment. */
enum presence_change presence_set(struct presence *p, unsigned reason, bool on,
				  int64_t at, int64_t now,
				  struct presence_event *ev);

/* Every reason ends now (the source of them went away, say, or the bus
 * died): you are taken to be here. */
enum presence_change presence_clear(struct presence *p, int64_t now,
				    struct presence_event *ev);

static inline bool presence_here(const struct presence *p)
{
	return p->away == 0;
}

/* The sitting clock at now: frozen while you are away. */
int64_t presence_sitting(const struct presence *p, int64_t now);

/* How long the current stretch of presence has lasted (0 while away). */
int64_t presence_stretch(const struct presence *p, int64_t now);

/* Start the clock, and a new stretch, over at now (after a session or a
 * reminder). */
void presence_reset(struct presence *p, int64_t now);

/* A new stretch of presence begins now (a session began: exercising is
 * not sitting), the clock unchanged. */
void presence_new_stretch(struct presence *p, int64_t now);

/* Change the natural-break length (config reload). */
static inline void presence_set_break(struct presence *p, int64_t break_ms)
{
	p->break_ms = break_ms;
}

/* The call gate: a reminder waits while something records from a
 * microphone, and for grace_ms after the last recording ends. */
struct callgate {
	int active;       /* recordings now */
	int64_t ended_at; /* when the last one ended (-1: never) */
	int64_t grace_ms;
	int64_t began_at; /* when the current call began */
};

void callgate_init(struct callgate *g, int64_t grace_ms);
/* n recordings at time now. Returns true when a call began or ended. */
bool callgate_set(struct callgate *g, int n, int64_t now);
/* Does the gate hold a reminder back at now? If it does and the call has
 * ended, *until gets when the grace period ends (INT64_MAX while a
 * recording goes on). */
bool callgate_holds(const struct callgate *g, int64_t now, int64_t *until);

#endif
