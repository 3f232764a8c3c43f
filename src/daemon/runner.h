/* SPDX-License-Identifier: GPL-3.0-or-later */
/* runner.h: the session runner: the daemon's one session at a time
 * (session.h), a routine, a reminder or the line said after a stop during an
 * exercise; its commands (pause, skip, repeat, stop) and what it shows
 * (status, MPRIS); and its end: reaped from the loop, logged, the safety
 * notice marked given, the record of the day written, the "stopped" line
 * said when a stop came during an exercise (`play`: written).
 *
 * It knows the rest of the daemon only through struct runner_ops: it reports
 * a session begun, a session ended (how, and whether a reminder was cancelled
 * in its countdown) and nothing playing any more. */
#ifndef BC_RUNNER_H
#define BC_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "audio/sink.h"
#include "coach/routine.h"
#include "daemon/commands.h"
#include "daemon/prepared.h"
#include "playback/session.h"

struct loop;
struct mpris_state;
struct runner;
struct speech;

/* What plays: a routine, a reminder (its message, then a routine), or the
 * one line said after a session is stopped during an exercise. */
enum play_kind { PLAY_NONE = -1, PLAY_ROUTINE, PLAY_REMINDER, PLAY_STOPPED };

struct runner_ops {
	/* A session began: it plays now. */
	void (*began)(void *data);
	/* The session ended, as res says (logged and recorded already).
	 * cancelled: a reminder stopped in its countdown, before its
	 * routine. */
	void (*ended)(void *data, enum session_result res, bool cancelled);
	/* Nothing plays any more (after an end, or after the line said after
	 * it): what comes next can be planned. */
	void (*idle)(void *data);
	/* The session paused or went on by itself (a wait for the user
	 * began or ended): what a player shows changed. May be NULL. */
	void (*changed)(void *data);
};

/* A runner on l: sessions speak through sp and open their sink with opener
 * (.open NULL: PortAudio). foreground: `play` (a failure is explained, a
 * stop during an exercise written, not said). NULL (logged) if its eventfd
 * cannot be made. */
struct runner *runner_new(struct loop *l, struct speech *sp, struct sink_opener opener,
			  bool foreground, const struct runner_ops *ops, void *data);
/* Stop the session playing (no tone) and reap it, then free rn; NULL is
 * fine. */
void runner_free(struct runner *rn);

/* A start is coming (SIGUSR1): the sink of c's device opens now, beside
 * the work before runner_begin (session_open_ahead). Not while playing. */
void runner_open_ahead(struct runner *rn, const struct config *c);

/* Play tl, compiled against cfg, as a session of kind, named name (for the
 * log, status and MPRIS). A routine's tl is borrowed (it outlives the
 * session: a struct prepared's); any other kind's is taken, also on failure.
 * body_at: a reminder's routine starts there. 0, or -1 with err filled. */
int runner_begin(struct runner *rn, enum play_kind kind, struct timeline *tl,
		 struct cfgref *cfg, const char *name, int64_t body_at, char *err,
		 size_t errlen);

/* What plays: PLAY_NONE when nothing does (rn NULL too). */
enum play_kind runner_kind(const struct runner *rn);
/* Its name ("desk-break", "reminder"), or NULL. */
const char *runner_name(const struct runner *rn);
bool runner_paused(const struct runner *rn);

/* Commands on the session playing; nothing when none plays. */
void runner_pause(struct runner *rn, bool pause);
/* After the last exercise, from the adapting coach's question to the
 * session's end once answered: skip answers "all good", repeat "too much"
 * (the first answer skips the rest of the question's window; the same
 * answer again does nothing and logs nothing; the other replaces it). */
enum command_moved runner_skip(struct runner *rn);
enum command_moved runner_repeat(struct runner *rn);
/* A quick fade; tone: then a short end tone. */
void runner_stop(struct runner *rn, bool tone);

/* The `status` lines of the session playing (one plays): the state in
 * plain words; verbose adds the technical lines (the audio output, its
 * faults, realtime). */
void runner_status(const struct runner *rn, bool verbose, FILE *f);
/* What plays as an MPRIS player shows it (status MPRIS_STOPPED if none). */
void runner_mpris_state(const struct runner *rn, struct mpris_state *st);

#endif
