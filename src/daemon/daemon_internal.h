/* SPDX-License-Identifier: GPL-3.0-or-later */
/* daemon_internal.h: what the daemon's own files share: struct daemon and
 * the few functions one of them gives the others. Only src/daemon*.c
 * include it; the daemon's interface is daemon.h.
 *
 *   daemon.c           `run`, `play`; the commands and status; loop handlers;
 *                      what the reminder scheduler (reminders.h) consults,
 *                      and giving a reminder when it is due
 *   daemon_prepare.c   the config by reference; routines compiled ahead
 *   daemon_session.c   the session: starting one; its end, what comes next
 *   daemon_mpris.c     MPRIS: what plays, as a player shows it; its commands */
#ifndef BC_DAEMON_INTERNAL_H
#define BC_DAEMON_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "coach/config.h"
#include "daemon/commands.h"
#include "daemon/daemon.h"
#include "coach/reminder.h"
#include "coach/routine.h"
#include "playback/session.h"
#include "audio/sink.h"
#include "coach/statelog.h"

struct control_server;
struct loop;
struct loop_source;
struct mpris;
struct mpris_ops;
struct pwatch;
struct speech;

/* Speech kept in the cache while compiling; between sessions only the
 * first cues of the prepared routines are kept (daemon_warm). */
#define CACHE_BUDGET (2u << 20)

/* ---- config, shared by the daemon and the sessions that use it ---- */

struct cfgref {
	struct config c;
	char *path; /* NULL: built-in default only */
	int refs;
};

/* A routine compiled against one config, ready to play. */
struct prepared {
	struct cfgref *cfg;   /* NULL: empty */
	int routine;
	bool notice, tones;
	struct timeline tl;
};

/* A routine, a reminder (its message, then a routine), or the one line
 * said after a session is stopped during an exercise. */
enum play_kind { PLAY_ROUTINE, PLAY_REMINDER, PLAY_STOPPED };

struct daemon {
	struct command_target cmds; /* what commands run on: this daemon */
	const char *config_arg;
	bool foreground;     /* `play`: one routine, then exit */
	bool no_socket;      /* in-process (tests): no lock, no socket */
	struct sink_opener opener;
	struct cfgref *cfg;
	struct speech *sp;
	char *rundir;
	struct loop *loop;
	struct control_server *ctl;
	int exit_code;

	/* The default routine, and the reminders' routine if another. */
	struct prepared def, rem;
	struct prepared other; /* the latest `start ROUTINE` of another one */

	/* The session playing, if any, and what it plays. */
	struct session *sess;
	enum play_kind kind;
	struct cfgref *sess_cfg;
	struct timeline sess_tl;       /* owned copy, for reminders */
	const struct timeline *sess_tlp;
	char *sess_name;
	int64_t sess_body_at;          /* reminders: where the routine starts */
	int64_t sess_notice_end;       /* heard past this: notice given */
	int64_t sess_started_mono;
	int sess_skips;                /* steps skipped by `skip` */
	int64_t sess_skip_at[64];      /* where the first of them were asked */

	/* The reminder scheduler (the daemon only) and the sitting clock,
	 * presence and calls it consults. */
	struct reminders *reminders;
	struct pwatch *pw;

	/* The MPRIS player (the daemon only), its loop source, and a count
	 * of sessions (each has its own MPRIS tracks). */
	struct mpris *mpris;
	unsigned sessions;

	int sfd, efd, lock_fd;
};

/* ---- daemon.c ---- */

/* SIGTERM or SIGINT waiting: stop long work early. */
bool daemon_quit_pending(void);

/* ---- daemon_prepare.c ---- */

/* One more reference to r; cfgref_put drops one, the last frees it. */
struct cfgref *cfgref_get(struct cfgref *r);
void cfgref_put(struct cfgref *r);
/* Find and load the config; errors to the log and to reply (if not NULL).
 * NULL if it is not valid. */
struct cfgref *cfgref_load(const char *explicit_path, FILE *reply);
/* Empty p, dropping its reference to the config. */
void prepared_clear(struct prepared *p);
/* The compiler's speech measurement (ctx: a struct voice_speech), given
 * up when asked to quit. */
int64_t daemon_measure(void *ctx, const char *text, char *err, size_t errlen);
/* Compile routine of cfg into p, unless p holds it already. 0, or -1 with
 * err filled. */
int prepared_build(struct prepared *p, struct cfgref *cfg, int routine, struct speech *sp,
		   char *err, size_t errlen);
/* Compile what the next triggers will play (not while a session plays). */
void daemon_prepare(struct daemon *d);

/* ---- daemon_session.c ---- */

/* Play tl (compiled against cfg) as the session, of kind, named name. 0,
 * or -1 with err filled. */
int daemon_session_begin(struct daemon *d, enum play_kind kind, const struct timeline *tl,
			 struct cfgref *cfg, const char *name, char *err, size_t errlen);
/* Start routine r (-1: the default) now. 0, or -1 with err filled. */
int daemon_start_routine(struct daemon *d, int r, char *err, size_t errlen);
/* Let go of what the daemon kept of the session that ended. */
void daemon_session_forget(struct daemon *d);
/* The session's thread has ended: reap it and plan what comes next. */
void daemon_session_ended(struct daemon *d);
/* To the record of the day: the session that ended, heard up to heard. */
void daemon_record_session(struct daemon *d, enum session_result res, int64_t heard);

/* ---- daemon_mpris.c ---- */

/* The MPRIS player's view of the daemon, and its commands. */
extern const struct mpris_ops daemon_mpris_ops;

#endif
