/* SPDX-License-Identifier: GPL-3.0-or-later */
/* daemon.h: `backcoach run` (the daemon) and `backcoach play` (the same
 * core in the foreground, for one routine), and what commands ask of it.
 *
 * The daemon owns the config, the routines compiled ahead, the one session
 * playing and the reminders; its event loop (loop.h) reads signals, the
 * session's end, the reminder timer, time zone changes and the control
 * socket (control_server.h). Commands (commands.h) act on it through the
 * functions below. */
#ifndef BC_DAEMON_H
#define BC_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "audio/sink.h"

struct daemon;

/* Run the daemon until SIGTERM/SIGINT. config_path: --config, or NULL to
 * search. Returns an exit code (cli.h). */
int daemon_run(const char *config_path);

/* `backcoach play`: play a routine now in the foreground (NULL: the
 * default routine) and return when it ends; Ctrl-C ends it with a short
 * fade. Returns an exit code. */
int daemon_play(const char *config_path, const char *routine);

/* ---- in-process: the daemon's tests ---- */

struct daemon_opts {
	const char *config_path;   /* --config, or NULL to search */
	bool foreground;           /* `play`: no lock, socket or reminders */
	bool no_socket;            /* no lock and no control socket */
	struct sink_opener opener; /* sessions' sinks; .open NULL: PortAudio */
};
/* Set up everything daemon_run does before its loop: signals blocked and
 * read by a signalfd, the config, the synthesiser, the routines compiled,
 * reminders armed. NULL with *exit_code set on failure. */
struct daemon *daemon_new(const struct daemon_opts *o, int *exit_code);
/* Its loop: run it (loop_run_once) to see sessions end and timers fire. */
struct loop *daemon_loop(struct daemon *d);
/* Stop a session (no tone), close everything, free d. */
void daemon_free(struct daemon *d);

/* ---- what commands ask (commands.c) ---- */

/* CMD_IDLE, CMD_PLAYING or CMD_PAUSED (commands.h). */
unsigned daemon_state(const struct daemon *d);
/* What plays ("desk-break", "reminder"), or NULL. */
const char *daemon_session_name(const struct daemon *d);

/* Start routine (NULL: the default) now. 0, or -1 with err filled. */
int daemon_start(struct daemon *d, const char *routine, char *err,
		 size_t errlen);
/* Stop the session: a quick fade, then (the daemon) an end tone. During a
 * reminder's countdown this cancels it (snoozed). */
void daemon_stop(struct daemon *d);
void daemon_pause(struct daemon *d, bool pause);
void daemon_skip(struct daemon *d);
/* Again from the start of the step playing ("say that again"). */
void daemon_repeat(struct daemon *d);
/* No reminder for [reminders] snooze (or the interval); stops a reminder
 * playing. *ms gets how long. -1 with err filled when reminders are off. */
int daemon_snooze(struct daemon *d, int64_t *ms, char *err, size_t errlen);
/* Load the config again and swap it in only if it is valid; its errors go
 * to the log and, if reply is not NULL, to reply. 0 or -1. */
int daemon_reload(struct daemon *d, FILE *reply);
/* The config in use: its path, or NULL for the built-in default. */
const char *daemon_config_path(const struct daemon *d);
/* The `status` text. */
void daemon_status(struct daemon *d, FILE *f);
/* SIGTERM: the daemon exits; `play` fades out, then exits. */
void daemon_quit(struct daemon *d);

#endif
