/* SPDX-License-Identifier: GPL-3.0-or-later */
/* commands.c: the command table, and running a command from any source. */
#include "daemon/commands.h"

#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "base/util.h"

static int run_start(const struct command_target *t, const char *arg, char *word,
		     size_t wordlen, FILE *out)
{
	int r;

	(void)out;
	if ((r = t->ops->start(t->data, arg, word, wordlen)) != 0)
		return r < 0 ? -1 : 1;
	snprintf(word, wordlen, "%s", t->ops->session_name(t->data));
	return 0;
}

static int run_stop(const struct command_target *t, const char *arg, char *word,
		    size_t wordlen, FILE *out)
{
	(void)arg;
	(void)out;
	snprintf(word, wordlen, "%s", t->ops->session_name(t->data));
	t->ops->stop(t->data);
	return 0;
}

static int run_pause(const struct command_target *t, const char *arg, char *word,
		     size_t wordlen, FILE *out)
{
	(void)arg;
	(void)word;
	(void)wordlen;
	(void)out;
	t->ops->pause(t->data, true);
	return 0;
}

static int run_resume(const struct command_target *t, const char *arg, char *word,
		      size_t wordlen, FILE *out)
{
	(void)arg;
	(void)word;
	(void)wordlen;
	(void)out;
	t->ops->pause(t->data, false);
	return 0;
}

static int run_toggle(const struct command_target *t, const char *arg, char *word,
		      size_t wordlen, FILE *out)
{
	bool pause = t->ops->state(t->data) == CMD_PLAYING;

	(void)arg;
	(void)out;
	t->ops->pause(t->data, pause);
	snprintf(word, wordlen, "%s", pause ? "paused" : "resumed");
	return 0;
}

/* skip or repeat did m; taken as the answer to the coach's question, the
 * client is told so (what answer says) and the log is the target's. */
static int moved(enum command_moved m, const char *answer, char *word, size_t wordlen)
{
	if (m == CMD_MOVED)
		return 0;
	snprintf(word, wordlen, "%s: %s",
		 m == CMD_SAME_ANSWER ? "answered already" : "answered", answer);
	return CMD_SAID;
}

static int run_skip(const struct command_target *t, const char *arg, char *word,
		    size_t wordlen, FILE *out)
{
	(void)arg;
	(void)out;
	return moved(t->ops->skip(t->data), "it all felt good", word, wordlen);
}

static int run_repeat(const struct command_target *t, const char *arg, char *word,
		      size_t wordlen, FILE *out)
{
	(void)arg;
	(void)out;
	return moved(t->ops->repeat(t->data), "something was too much", word, wordlen);
}

static int run_snooze(const struct command_target *t, const char *arg, char *word,
		      size_t wordlen, FILE *out)
{
	int64_t ms;

	(void)out;
	if (t->ops->snooze(t->data, arg, &ms, word, wordlen) < 0)
		return -1;
	util_format_duration(ms, word, wordlen);
	return 0;
}

static int run_hold(const struct command_target *t, const char *arg, char *word,
		    size_t wordlen, FILE *out)
{
	int64_t until;
	time_t when;
	struct tm tm;

	(void)out;
	if (!t->ops->hold) {
		snprintf(word, wordlen, "no reminders here");
		return -1;
	}
	if (t->ops->hold(t->data, arg, &until, word, wordlen) < 0)
		return -1;
	when = (time_t)(until / 1000);
	localtime_r(&when, &tm);
	strftime(word, wordlen, "%Y-%m-%d %H:%M:%S %Z", &tm);
	return 0;
}

static int run_unhold(const struct command_target *t, const char *arg, char *word,
		      size_t wordlen, FILE *out)
{
	(void)arg;
	(void)word;
	(void)wordlen;
	(void)out;
	if (t->ops->unhold)
		t->ops->unhold(t->data);
	return 0;
}

static int run_reload(const struct command_target *t, const char *arg, char *word,
		      size_t wordlen, FILE *out)
{
	const char *path;

	(void)arg;
	if (t->ops->reload(t->data, out) < 0) {
		snprintf(word, wordlen,
			 "config not reloaded: the old one stays in use");
		return -1;
	}
	path = t->ops->config_path(t->data);
	snprintf(word, wordlen, "%s", path ? path : "built-in default");
	return 0;
}

static int run_status(const struct command_target *t, const char *arg, char *word,
		      size_t wordlen, FILE *out)
{
	bool verbose = arg && strcmp(arg, "verbose") == 0;

	if (arg && !verbose) {
		snprintf(word, wordlen, "status takes no argument but \"verbose\"");
		return -1;
	}
	if (out)
		t->ops->status(t->data, verbose, out);
	return 0;
}

static int run_quit(const struct command_target *t, const char *arg, char *word,
		    size_t wordlen, FILE *out)
{
	(void)arg;
	(void)word;
	(void)wordlen;
	(void)out;
	t->ops->quit(t->data);
	return 0;
}

#define NOTHING "nothing is playing"

/* Rows: id, name, on the socket, states, otherwise, otherwise ok, reply,
 * logs itself, handler. */
static const struct command commands[CMD_COUNT] = {
	[CMD_START] = { CMD_START, "start", true, CMD_IDLE | CMD_ASKING,
			"%s is already playing", false, "playing %s", true, run_start },
	[CMD_STOP] = { CMD_STOP, "stop", true, CMD_SESSION | CMD_ASKING,
		       NOTHING, true, "stopping %s", false, run_stop },
	[CMD_PAUSE] = { CMD_PAUSE, "pause", true, CMD_SESSION,
			NOTHING, false, "paused", false, run_pause },
	[CMD_RESUME] = { CMD_RESUME, "resume", true, CMD_SESSION | CMD_ASKING,
			 NOTHING, false, "resumed", false, run_resume },
	[CMD_TOGGLE] = { CMD_TOGGLE, "toggle", false, CMD_SESSION | CMD_ASKING,
			 NOTHING, false, "%s", false, run_toggle },
	[CMD_SKIP] = { CMD_SKIP, "skip", true, CMD_SESSION | CMD_ASKING,
		       NOTHING, false, "skipping to the next step", false, run_skip },
	[CMD_REPEAT] = { CMD_REPEAT, "repeat", true, CMD_SESSION,
			 NOTHING, false, "again from the start of the step", false,
			 run_repeat },
	[CMD_SNOOZE] = { CMD_SNOOZE, "snooze", true, CMD_ALWAYS,
			 NULL, false, "reminders snoozed for %s", false, run_snooze },
	[CMD_HOLD] = { CMD_HOLD, "hold", true, CMD_ALWAYS,
		       NULL, false, "no reminder until %s", false, run_hold },
	[CMD_UNHOLD] = { CMD_UNHOLD, "unhold", true, CMD_ALWAYS,
			 NULL, false, "reminders as usual", false, run_unhold },
	[CMD_RELOAD] = { CMD_RELOAD, "reload", true, CMD_ALWAYS,
			 NULL, false, "config reloaded from %s", true,
			 run_reload },
	[CMD_STATUS] = { CMD_STATUS, "status", true, CMD_ALWAYS,
			 NULL, false, NULL, false, run_status },
	[CMD_QUIT] = { CMD_QUIT, "quit", false, CMD_ALWAYS,
		       NULL, false, "exiting", false, run_quit },
};

/* Which signal carries which command. */
int command_sig_toggle(void) { return SIGRTMIN + 1; }
int command_sig_skip(void) { return SIGRTMIN + 2; }
int command_sig_repeat(void) { return SIGRTMIN + 3; }

const struct command *command_by_id(enum command_id id)
{
	return (unsigned)id < CMD_COUNT ? &commands[id] : NULL;
}

const struct command *command_by_name(const char *name)
{
	for (size_t i = 0; i < CMD_COUNT; i++)
		if (commands[i].remote && strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

const struct command *command_by_signal(int sig)
{
	if (sig == SIGUSR1)
		return &commands[CMD_START];
	if (sig == SIGUSR2)
		return &commands[CMD_STOP];
	if (sig == SIGHUP)
		return &commands[CMD_RELOAD];
	if (sig == SIGTERM || sig == SIGINT)
		return &commands[CMD_QUIT];
	if (sig == command_sig_toggle())
		return &commands[CMD_TOGGLE];
	if (sig == command_sig_skip())
		return &commands[CMD_SKIP];
	if (sig == command_sig_repeat())
		return &commands[CMD_REPEAT];
	return NULL;
}

/* The priority to log cmd's answer at, and in more what to add: pause,
 * resume and toggle come in storms (a PlayPause key held down, a script),
 * and, as repeated bus signals are, are said at most once a minute each
 * (log_limit), with how many were not; those at debug level. */
static int said_priority(const struct command_target *t, const struct command *cmd,
			 char *more, size_t morelen)
{
	unsigned held = 0;

	more[0] = '\0';
	if (!t->said || (cmd->id != CMD_PAUSE && cmd->id != CMD_RESUME && cmd->id != CMD_TOGGLE))
		return LOG_INFO;
	if (!log_limit_ok(&t->said[cmd->id], 60000, &held))
		return LOG_DEBUG;
	if (held)
		snprintf(more, morelen, " (and %u more time%s since last said)", held,
			 held == 1 ? "" : "s");
	return LOG_INFO;
}

/* The user's answer: to reply, or to the log as "SOURCE: text". */
static void answer(const char *source, FILE *reply, int priority,
		   const char *suffix, const char *fmt, const char *word)
{
	char *text = util_replace(fmt, "%s", word);

	if (reply)
		fprintf(reply, "%s\n", text);
	else
		log_msg(priority, "%s: %s%s", source, text, suffix);
	free(text);
}

/* command_run, but CMD_SAID as the handler said it (word in reply). */
static int run_command(const struct command_target *t, const struct command *cmd,
		       const char *arg, const char *source, FILE *reply)
{
	const char *playing = t->ops->session_name(t->data);
	char word[1024] = "";
	int r;

	if (!(cmd->states & t->ops->state(t->data))) {
		answer(source, reply, LOG_INFO, "; ignored", cmd->otherwise,
		       playing ? playing : "");
		if (reply && !cmd->otherwise_ok) { /* the client was told; the log too */
			char *why = util_replace(cmd->otherwise, "%s", playing ? playing : "");

			log_info("%s: %s%s%s refused: %s", source, cmd->name, arg ? " " : "",
				 arg ? arg : "", why);
			free(why);
		}
		return cmd->otherwise_ok ? 0 : -1;
	}
	if (reply)
		log_debug("%s: %s%s%s", source, cmd->name, arg ? " " : "",
			  arg ? arg : "");
	if ((r = cmd->run(t, arg, word, sizeof(word), reply)) == CMD_SAID) {
		if (reply)
			fprintf(reply, "%s\n", word);
		return CMD_SAID;
	}
	if (r > 0)
		return 1;
	if (r < 0) {
		answer(source, reply, LOG_ERR, "", "%s", word);
		/* A failed request is in the log as well as in the reply. */
		if (reply)
			log_err("%s: %s%s%s failed: %s", source, cmd->name, arg ? " " : "",
				arg ? arg : "", word);
		return -1;
	}
	if (cmd->reply && reply) {
		answer(source, reply, LOG_INFO, "", cmd->reply, word);
	} else if (cmd->reply && !cmd->logs_itself) {
		char more[64];
		int pri = said_priority(t, cmd, more, sizeof(more));

		answer(source, NULL, pri, more, cmd->reply, word);
	}
	return 0;
}

int command_run(const struct command_target *t, const struct command *cmd, const char *arg,
		const char *source, FILE *reply)
{
	int r = run_command(t, cmd, arg, source, reply);

	return r == CMD_SAID ? 0 : r;
}

int command_run_named(const struct command_target *t, const char *name, const char *source,
		      char *err, size_t errlen)
{
	const struct command *cmd = command_by_name(name);
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	if (!cmd || !(f = open_memstream(&text, &len))) {
		snprintf(err, errlen, "cannot run %s", name);
		return -1;
	}
	r = run_command(t, cmd, NULL, source, f);
	fclose(f);
	if (r == CMD_SAID) { /* the log is the target's */
		free(text);
		return 0;
	}
	if (r > 0) { /* not yet: no command without an argument says so */
		snprintf(err, errlen, "%s: not yet", name);
		free(text);
		return -1;
	}
	while (len && text[len - 1] == '\n')
		text[--len] = '\0';
	if (r < 0)
		snprintf(err, errlen, "%s", len ? text : "failed");
	else if (len) {
		char more[64];
		int pri = said_priority(t, cmd, more, sizeof(more));

		log_msg(pri, "%s: %s%s", source, text, more);
	}
	free(text);
	return r;
}
