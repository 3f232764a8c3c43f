/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mpris.h: backcoach as an MPRIS media player on the session bus while a
 * session plays or is paused, and only then (a player registered while idle
 * would take the play/pause key from the user's music player); the other
 * players that were Playing are paused meanwhile and resumed at the end.
 *
 * The module owns one sd-bus connection, opened at the first session and
 * kept (no traffic and no wakeups while idle: the name is released and no
 * match is installed). Every call to another service is asynchronous with a
 * timeout: nothing here blocks the daemon's loop. A bus that is missing or
 * dies costs a log line; the next session tries again. */
#ifndef BC_MPRIS_H
#define BC_MPRIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MPRIS_NAME "org.mpris.MediaPlayer2.backcoach"
#define MPRIS_PATH "/org/mpris/MediaPlayer2"
#define MPRIS_IDENTITY "backcoach"

enum mpris_status { MPRIS_STOPPED, MPRIS_PLAYING, MPRIS_PAUSED };

/* What the daemon plays now, as MPRIS shows it: a step is a track. */
struct mpris_state {
	enum mpris_status status;
	const char *album;      /* the routine ("reminder" for a reminder) */
	const char *title;      /* the step; NULL before the first step */
	int step;               /* -1 before the first step */
	unsigned session;       /* counts sessions: each has its own tracks */
	int64_t length_us;      /* of the step (or of what precedes the first) */
	int64_t position_us;    /* into it, now */
	/* CLOCK_MONOTONIC microseconds when the step changes by itself, so the
	 * metadata follows it (UINT64_MAX: never, e.g. paused). */
	uint64_t next_us;
	bool countdown;         /* a reminder's countdown: Play starts at once */
	bool pause_others;      /* [audio] other_players = pause */
};

/* The Metadata of a state (pure, for tests). trackid is an object path
 * unique to the session and step. Text is cut to valid UTF-8. */
struct mpris_meta {
	char trackid[64];
	char title[256];
	char album[256];
	int64_t length_us;
};
void mpris_meta_build(struct mpris_meta *meta, const struct mpris_state *st);

/* MPRIS method -> command of the command table, given the state: Play
 * resumes (during a reminder's countdown: starts at once), Pause pauses,
 * PlayPause does whichever fits, Stop stops, Next skips, Previous repeats
 * the step. NULL: nothing to do (Pause while paused). Pure, for tests. */
const char *mpris_command_for(const char *method, const struct mpris_state *st);

struct mpris_ops {
	/* Fill st with what plays now (status MPRIS_STOPPED when idle). */
	void (*state)(void *data, struct mpris_state *st);
	/* Run a command of the command table by name ("pause", "resume",
	 * "stop", "skip", "repeat"). 0, or -1 with err (sent back as the
	 * D-Bus error). */
	int (*command)(void *data, const char *name, char *err, size_t errlen);
};

struct loop;
struct mpris;

/* No connection yet: that comes with the first session, on l (with a
 * timer for the step changes and the looks after a command). */
struct mpris *mpris_new(struct loop *l, const struct mpris_ops *ops, void *data);
/* Resume the players we paused, release the name, flush and close. */
void mpris_free(struct mpris *m);

/* The state may have changed (a session started or ended, a command ran):
 * take the name or release it, pause or resume the other players, and
 * emit PropertiesChanged for what changed. After a command, soon = true
 * looks again for a short while, as the session carries it out. */
void mpris_update(struct mpris *m, bool soon);

/* For tests and status: is the name held (or asked for) now? */
bool mpris_named(const struct mpris *m);

#endif
