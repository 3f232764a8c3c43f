/* SPDX-License-Identifier: GPL-3.0-or-later */
/* commands.h: the one table of what a user can ask the daemon (or `play`)
 * to do. Signals, the control socket, the foreground `play` and the MPRIS
 * player all look a command up here and run it through command_run, so each
 * command has one handler, one set of states it applies in and one set of
 * replies. A new command is one row in commands.c.
 *
 * Commands act on a struct command_target: the operations the daemon fills
 * (struct command_ops) and its data. This file knows nothing else of the
 * daemon. */
#ifndef BC_COMMANDS_H
#define BC_COMMANDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum command_id {
	CMD_START,   /* start [ROUTINE]: play a routine now */
	CMD_STOP,    /* stop the session (a quick fade; the daemon: an end tone) */
	CMD_PAUSE,
	CMD_RESUME,
	CMD_TOGGLE,  /* pause or resume (RTMIN+1; MPRIS PlayPause) */
	CMD_SKIP,    /* to the next step */
	CMD_REPEAT,  /* again from the start of the step (RTMIN+3; MPRIS Previous) */
	CMD_SNOOZE,  /* snooze [DURATION]: no reminder for that ([reminders] snooze) */
	CMD_HOLD,    /* hold DURATION | until HH:MM | tomorrow */
	CMD_UNHOLD,  /* reminders as usual again */
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
	CMD_ASKING = 1u << 3,   /* a reminder waits for its answer */
};
#define CMD_SESSION (CMD_PLAYING | CMD_PAUSED)
#define CMD_ALWAYS (CMD_IDLE | CMD_SESSION | CMD_ASKING)

/* What skip and repeat did. After the last exercise the adapting coach
 * asks how it went, and there they are its answer (skip: all good; repeat:
 * too much) instead of a move in the routine. */
enum command_moved {
	CMD_MOVED,       /* to the next step, or the start of this one */
	CMD_ANSWERED,    /* taken as the answer, a first or a changed one:
	                    the target has logged it */
	CMD_SAME_ANSWER, /* the answer given already: nothing done or logged */
};

/* What commands ask of the daemon (or `play`); data is the target's. */
struct command_ops {
	/* CMD_IDLE, CMD_PLAYING, CMD_PAUSED or CMD_ASKING. */
	unsigned (*state)(void *data);
	/* What plays ("desk-break", "reminder"), or NULL. */
	const char *(*session_name)(void *data);
	/* Start routine (NULL: the default) now. 0, or -1 with err filled;
	 * 1: not yet (`start --minutes=N` while the routines' lengths are
	 * worked out): the control socket asks again when the daemon says
	 * (control_server_retry), its client waiting for the answer. */
	int (*start)(void *data, const char *routine, char *err, size_t errlen);
	/* Stop the session: a quick fade, then (the daemon) an end tone.
	 * During a reminder's countdown this cancels it (snoozed). */
	void (*stop)(void *data);
	void (*pause)(void *data, bool pause);
	enum command_moved (*skip)(void *data);
	/* Again from the start of the step playing ("say that again"). */
	enum command_moved (*repeat)(void *data);
	/* No reminder for arg (a duration; NULL: [reminders] snooze, or the
	 * interval); stops a reminder playing or waiting. *ms gets how long.
	 * -1 with err filled when reminders are off or arg is no duration. */
	int (*snooze)(void *data, const char *arg, int64_t *ms, char *err, size_t errlen);
	/* `hold DURATION | until=HH:MM | tomorrow`: no reminder until then
	 * (*until: wall ms); -1 with err filled. NULL: no reminders here. */
	int (*hold)(void *data, const char *arg, int64_t *until, char *err, size_t errlen);
	/* Reminders as usual again (ends a hold or a snooze). */
	void (*unhold)(void *data);
	/* Load the config again and swap it in only if it is valid; its
	 * errors go to the log and, if reply is not NULL, to reply. 0 or -1. */
	int (*reload)(void *data, FILE *reply);
	/* The config in use: its path, or NULL for the built-in default. */
	const char *(*config_path)(void *data);
	/* The `status` text: the state in plain words; verbose (`status -v`)
	 * adds the technical lines (the audio output, its faults, realtime). */
	void (*status)(void *data, bool verbose, FILE *f);
	/* SIGTERM: the daemon exits; `play` fades out, then exits. */
	void (*quit)(void *data);
};

struct log_limit;

/* What commands run on. */
struct command_target {
	const struct command_ops *ops;
	void *data;
	/* CMD_COUNT of them, or NULL: the answers of commands pressed in
	 * storms (pause, resume, toggle: a PlayPause key held down, a script)
	 * logged at most once a minute per command, the rest at debug level. */
	struct log_limit *said;
};

/* A handler: carry out the command with arg (NULL: none) on t. On success
 * it may fill word (the %s of the row's reply); on failure it fills word
 * with why and returns -1; 1: not yet, nothing done (start, above);
 * CMD_SAID: done, and word is the whole reply, for the client only (the
 * target logged what it did, or nothing changed: a repeated answer). out,
 * if not NULL, takes longer text for the user (status, a config's
 * errors); NULL: log it. */
#define CMD_SAID 2
typedef int (*command_fn)(const struct command_target *t, const char *arg, char *word,
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

/* Run cmd on t. source names who asked, for the log ("SIGUSR1",
 * "control", "MPRIS"). reply: where the user's answer goes (the control
 * socket's text); NULL: the answer is logged as "SOURCE: answer". Returns 0
 * or -1 (refused or failed), or 1: not yet, nothing said or done (start,
 * above): ask again later. */
int command_run(const struct command_target *t, const struct command *cmd, const char *arg,
		const char *source, FILE *reply);

/* Run the command called name (served on the control socket), with no
 * argument, for a source that takes a short answer (MPRIS): the answer is
 * logged as "SOURCE: answer"; a refusal or failure goes into err. 0 or -1. */
int command_run_named(const struct command_target *t, const char *name, const char *source,
		      char *err, size_t errlen);

#endif
