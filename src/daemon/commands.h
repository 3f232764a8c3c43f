/* SPDX-License-Identifier: GPL-3.0-or-later */
/* commands.h: the one table of what a user can ask the daemon (or `play`)
 * to do. Signals, the control socket, the foreground `play` and, later, the
 * MPRIS player all look a command up here and run it through command_run,
 * so each command has one handler, one set of states it applies in and one
 * set of replies. A new command is one row in commands.c. */
#ifndef BC_COMMANDS_H
#define BC_COMMANDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct daemon;

enum command_id {
	CMD_START,   /* start [ROUTINE]: play a routine now */
	CMD_STOP,    /* stop the session (a quick fade; the daemon: an end tone) */
	CMD_PAUSE,
	CMD_RESUME,
	CMD_TOGGLE,  /* pause or resume (RTMIN+1; MPRIS PlayPause) */
	CMD_SKIP,    /* to the next step */
	CMD_REPEAT,  /* again from the start of the step (RTMIN+3; MPRIS Previous) */
	CMD_SNOOZE,  /* no reminder for [reminders] snooze */
	CMD_RELOAD,  /* read the config again; keep the old one if it is bad */
	CMD_STATUS,
	CMD_QUIT,    /* SIGTERM, SIGINT */
	CMD_COUNT
};

/* The states a command applies in (bits). */
enum command_state {
	CMD_IDLE = 1u << 0,     /* nothing plays */
	CMD_PLAYING = 1u << 1,
	CMD_PAUSED = 1u << 2,
};
#define CMD_SESSION (CMD_PLAYING | CMD_PAUSED)
#define CMD_ALWAYS (CMD_IDLE | CMD_SESSION)

/* A handler: carry out the command with arg (NULL: none). On success it
 * may fill word (the %s of the row's reply); on failure it fills word with
 * why and returns -1. out, if not NULL, takes longer text for the user
 * (status, a config's errors); NULL: log it. */
typedef int (*command_fn)(struct daemon *d, const char *arg, char *word,
			  size_t wordlen, FILE *out);

struct command {
	enum command_id id;
	const char *name;      /* the word on the socket and the command line */
	bool remote;           /* served on the control socket */
	unsigned states;       /* where it applies: CMD_IDLE | ... */
	/* Outside states: the reply (%s: the session's name), and whether
	 * that is still success (stop with nothing playing is). */
	const char *otherwise;
	bool otherwise_ok;
	/* On success: the reply (%s: the handler's word), NULL: none. */
	const char *reply;
	/* The handler logs what it did (a signal's reply is not logged). */
	bool logs_itself;
	command_fn run;
};

/* The row of id; of a name served on the control socket (NULL: unknown);
 * of a signal the daemon or `play` reads (NULL: none). */
const struct command *command_by_id(enum command_id id);
const struct command *command_by_name(const char *name);
const struct command *command_by_signal(int sig);

/* The signals that carry commands (SIGRTMIN+n is not a constant). */
int command_sig_toggle(void); /* SIGRTMIN+1: pause or resume */
int command_sig_skip(void);   /* SIGRTMIN+2 */
int command_sig_repeat(void); /* SIGRTMIN+3 */

/* Run cmd on d. source names who asked, for the log ("SIGUSR1",
 * "control", "MPRIS"). reply: where the user's answer goes (the control
 * socket's text); NULL: the answer is logged as "SOURCE: answer". Returns 0
 * or -1 (refused or failed). */
int command_run(struct daemon *d, const struct command *cmd, const char *arg,
		const char *source, FILE *reply);

#endif
