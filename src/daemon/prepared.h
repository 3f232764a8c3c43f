/* SPDX-License-Identifier: GPL-3.0-or-later */
/* prepared.h: the config, shared by reference by the daemon and the sessions
 * that use it, and routines compiled ahead of their triggers, their
 * beginnings kept synthesised so that a session starts at once. */
#ifndef BC_PREPARED_H
#define BC_PREPARED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include "coach/config.h"
#include "coach/routine.h"

struct loop;
struct speech;

/* Speech kept in the cache while compiling; between sessions only the
 * first cues of the prepared routines are kept (prepared_ahead). */
#define CACHE_BUDGET (2u << 20)

/* A config, shared by the daemon and the sessions that use it. */
struct cfgref {
	struct config c;
	char *path; /* NULL: built-in default only */
	int refs;
	int64_t *routine_len; /* each routine's length in samples (without the
				 notice; -1: cannot compile), NULL: not yet */
};

/* Which file, as stat(2) saw it (all 0: none). */
struct file_stamp {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
};

/* A routine compiled against one config, ready to play. */
struct prepared {
	struct cfgref *cfg;   /* NULL: empty */
	int routine;
	bool notice, tones;
	unsigned risks;       /* equipment whose risks it tells */
	bool wait, ask;       /* compile_opts: waits, the question after */
	bool no_ask;          /* never the question (`play`: no record); kept */
	struct timeline tl;   /* its plan: tl.plan (adapt.h) */
	/* What it was compiled from besides: the safety notice's record and
	 * the day's log as they were, and the day (prepared_build). */
	bool stamped;
	struct file_stamp notice_file, log_file;
	int day;
};

/* One more reference to r; cfgref_put drops one, the last frees it. */
struct cfgref *cfgref_get(struct cfgref *r);
void cfgref_put(struct cfgref *r);
/* Find and load the config; errors to the log and to reply (if not NULL).
 * NULL if it is not valid. */
struct cfgref *cfgref_load(const char *explicit_path, FILE *reply);

/* SIGTERM or SIGINT waiting (the daemon blocks them and reads them from a
 * signalfd): long work stops early. */
bool prepared_quit_pending(void);
/* The compiler's speech measurement (ctx: a struct voice_speech), given
 * up when asked to quit. */
int64_t prepared_measure(void *ctx, const char *text, char *err, size_t errlen);

/* Empty p, dropping its reference to the config. */
void prepared_clear(struct prepared *p);
/* Compile routine of cfg into p, unless p holds it already. 0, or -1 with
 * err filled. */
int prepared_build(struct prepared *p, struct cfgref *cfg, int routine, struct speech *sp,
		   char *err, size_t errlen);
/* Compile what the next triggers play: the default routine into def, the
 * reminders' routine (if another) into rem, then keep their beginnings
 * synthesised and hand the freed pages back. Only while no session plays
 * (the synthesiser is then the session's). */
void prepared_ahead(struct prepared *def, struct prepared *rem, struct cfgref *cfg,
		    struct speech *sp);

/* The lengths of cfg's routines (cfg->routine_len), compiled once per
 * config. Only while no session plays (the synthesiser is then the
 * session's). Compiling every routine takes seconds (tens on a loaded
 * machine): the daemon works them out with prepared_lengths_start. */
const int64_t *prepared_lengths(struct cfgref *cfg, struct speech *sp);

/* The same, on a thread of its own with a synthesiser of its own, so that
 * the loop goes on meanwhile (status, reminders, a session). When it ends,
 * on the loop: cfg->routine_len is set (unless the synthesiser could not
 * start: prepared_lengths_failed) and done(data) is called. Holds a
 * reference to cfg. NULL (said in the log) when no thread can start. */
struct prepared_lengths;
struct prepared_lengths *prepared_lengths_start(struct loop *l, struct cfgref *cfg,
						void (*done)(void *data), void *data);
/* The config it works on; whether it has ended, and ended without them. */
const struct cfgref *prepared_lengths_cfg(const struct prepared_lengths *j);
bool prepared_lengths_ended(const struct prepared_lengths *j);
bool prepared_lengths_failed(const struct prepared_lengths *j);
/* Stop it (at the next line it measures), wait for the thread, free it.
 * NULL is fine; also from done (the thread has ended then). */
void prepared_lengths_free(struct prepared_lengths *j);

#endif
