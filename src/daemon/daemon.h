/* SPDX-License-Identifier: GPL-3.0-or-later */
/* daemon.h: `backcoach run` (the daemon) and `backcoach play` (the same
 * core in the foreground, for one routine), and what commands ask of it.
 *
 * The daemon owns the config and the routines compiled ahead (prepared.h),
 * and wires the parts that do the rest, each through its own interface: the
 * session runner (runner.h), the reminder scheduler (reminders.h), the
 * control socket (control_server.h), the MPRIS player (mpris.h) and the
 * presence watch (presence_watch.h), all on one event loop (loop.h) that
 * also reads signals. Commands (commands.h) act on it through the
 * command_ops it fills (daemon_commands). */
#ifndef BC_DAEMON_H
#define BC_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "audio/sink.h"

struct command_target;
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

/* ---- what commands run on (commands.h) ---- */

/* The daemon as the command table's target: command_run(daemon_commands(d),
 * ...) runs a command as the control socket would. */
const struct command_target *daemon_commands(struct daemon *d);
/* CMD_IDLE, CMD_PLAYING, CMD_PAUSED or CMD_ASKING (commands.h). */
unsigned daemon_state(const struct daemon *d);
/* What plays ("desk-break", "reminder"), or NULL. */
const char *daemon_session_name(const struct daemon *d);

#endif
