/* SPDX-License-Identifier: GPL-3.0-or-later */
/* daemon.c: the daemon's core: `backcoach run` and `backcoach play` around
 * one event loop: it holds the config and the routines compiled ahead
 * (prepared.h), and wires the parts beside it, each of which knows the others
 * only through the interface it is given: the commands (commands.h) run on
 * the command_ops below; the session runner (runner.h) and the reminder
 * scheduler (reminders.h) report through their ops, and the daemon does what
 * follows (the MPRIS player told, the next triggers prepared, the reminder
 * armed). Also signals, `status`, setting up and tearing down.
 *
 * Threads: the main thread runs the event loop and owns the config; while a
 * session plays, its worker thread (session.c) owns the synthesiser and the
 * sink, so the main thread compiles routines (which synthesises) only while
 * no session plays. Signals are blocked before any thread or child exists
 * and read through a signalfd; timers are timerfds. */
#include "daemon/daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "base/exitcode.h"
#include "daemon/asking.h"
#include "daemon/commands.h"
#include "coach/config.h"
#include "coach/state.h"
#include "daemon/control_server.h"
#include "base/log.h"
#include "base/loop.h"
#include "desktop/mpris.h"
#include "daemon/notify.h"
#include "desktop/presence_watch.h"
#include "daemon/prepared.h"
#include "daemon/reminders.h"
#include "daemon/runner.h"
#include "coach/reminder_timeline.h"
#include "coach/reminder_words.h"
#include "playback/voice_speech.h"
#include "coach/reminder.h"
#include "coach/routine.h"
#include "daemon/runtime.h"
#include "playback/session.h"
#include "audio/sink_pa.h"
#include "speech/speech.h"
#include "coach/statelog.h"
#include "base/util.h"

struct daemon {
	struct command_target cmds; /* what commands run on: this daemon */
	struct log_limit said[CMD_COUNT]; /* its storms of pause and resume */
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
	/* The routines' lengths, worked out off the loop (daemon_lengths). */
	struct prepared_lengths *lengths;

	/* The one session at a time, and what it plays. */
	struct runner *runner;
	/* The reminder scheduler (the daemon only) and the sitting clock,
	 * presence and calls it consults. */
	struct reminders *reminders;
	struct pwatch *pw;
	/* The MPRIS player (the daemon only). */
	struct mpris *mpris;

	/* The reminder given: its notification, and with start = ask, the
	 * answer awaited. */
	struct asking *ask;
	bool asking;                /* waiting for the answer */
	bool answered;              /* answered while its message spoke */
	enum play_kind playing;     /* the kind of the session that began */
	int ask_routine, ask_short; /* offered: the routine, a shorter (-1) */
	int start_after;            /* start this routine when the message ends (-1) */
	char *ask_msg;              /* what it says */

	int sfd, lock_fd;
};

/* ---- signals ---- */

/* Block the signals we handle (before any thread or child exists, so all
 * inherit the mask) and return a signalfd reading them, or -1. */
static int signals_open(bool daemon)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, command_sig_toggle());
	sigaddset(&set, command_sig_skip());
	sigaddset(&set, command_sig_repeat());
	if (daemon) {
		sigaddset(&set, SIGUSR1);
		sigaddset(&set, SIGHUP);
	}
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) {
		log_errno("sigprocmask");
		return -1;
	}
	/* Writes to a client that went away must not kill us. */
	signal(SIGPIPE, SIG_IGN);
	int fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		log_errno("signalfd");
	return fd;
}

/* For the log: "SIGUSR1", "SIGRTMIN+1". */
static const char *signal_name(int sig, char *buf, size_t len)
{
	const char *abbrev = sig < SIGRTMIN ? sigabbrev_np(sig) : NULL;

	if (abbrev)
		snprintf(buf, len, "SIG%s", abbrev);
	else
		snprintf(buf, len, "SIGRTMIN+%d", sig - SIGRTMIN);
	return buf;
}

/* PortAudio, before any thread exists: for the default output (no [audio]
 * device) without enumerating ALSA's plugin devices, which would keep
 * ~15 MB of libraries resident (see sink_pa_init_lean). A device set later
 * by a reload makes the session initialise fully. */
static int audio_init(const struct config *c, char *err, size_t errlen)
{
	if (c->audio.device && *c->audio.device)
		return sink_pa_init(err, errlen);
	return sink_pa_init_lean(err, errlen);
}

static const char *routine_name(const struct config *cfg, int r)
{
	return r >= 0 && (size_t)r < cfg->n_routines ? cfg->routines[r].name : "?";
}

static const int64_t *daemon_lengths(struct daemon *d, bool *pending);

/* Compile what the next triggers will play, unless a session plays (the
 * synthesiser is then the session's): called again when it ends. */
static void daemon_prepare(struct daemon *d)
{
	const struct config *c = &d->cfg->c;
	bool pending;

	if (runner_kind(d->runner) != PLAY_NONE || d->foreground)
		return;
	prepared_ahead(&d->def, &d->rem, d->cfg, d->sp);
	/* The notification offers the shortest routine beside the reminder's:
	 * their lengths, known before a reminder falls due (off the loop). */
	if (c->reminders.enabled && c->reminders.routine_idx >= 0 &&
	    c->reminders.announce != ANNOUNCE_VOICE && !d->no_socket)
		(void)daemon_lengths(d, &pending);
}

/* ---- a reminder given and answered ----
 * Its desktop notification and, with [reminders] start = ask, the wait for
 * your answer (asking.h); the answer carried out, however it came (the
 * notification, play on a headset, `backcoach start`, SIGUSR1, the clock);
 * do not disturb; `hold`; `start --minutes`; the first start's words. */

static int daemon_start_routine(struct daemon *d, int r, char *err, size_t errlen);

static char *daemon_short(struct daemon *d);

static void daemon_lengths_known(void *data)
{
	struct daemon *d = data;
	const struct config *c = &d->cfg->c;

	/* A reminder offered meanwhile: its Short button, now. */
	if (d->ask_msg && d->ask_routine >= 0 && d->ask_short < 0 &&
	    c->reminders.announce != ANNOUNCE_VOICE) {
		char *label = daemon_short(d);

		if (label)
			asking_set_short(d->ask, label);
		free(label);
	}
	control_server_retry(d->ctl); /* `start --minutes` that waited */
}

/* The lengths of the routines, worked out once per config on a thread of
 * their own (prepared_lengths_start): compiling every routine takes
 * seconds, tens on a loaded machine, and status, reminders and a session
 * go on meanwhile. NULL while they are not known: *pending then says that
 * they are being worked out (daemon_lengths_known follows), else that
 * they cannot be (no synthesiser for the thread; said in the log). */
static const int64_t *daemon_lengths(struct daemon *d, bool *pending)
{
	*pending = false;
	if (d->cfg->routine_len)
		return d->cfg->routine_len;
	if (prepared_lengths_cfg(d->lengths) != d->cfg) {
		prepared_lengths_free(d->lengths);
		d->lengths = prepared_lengths_start(d->loop, d->cfg, daemon_lengths_known, d);
	}
	if (d->lengths && !prepared_lengths_ended(d->lengths)) {
		*pending = true;
		return NULL;
	}
	/* No thread, or no synthesiser for it: on the loop, as a last
	 * resort, if the synthesiser is free (no session plays). */
	if (runner_kind(d->runner) == PLAY_NONE)
		return prepared_lengths(d->cfg, d->sp);
	return NULL;
}

#define FIRST_START_FILE "first-start"

static const struct language *lang_of(const struct daemon *d)
{
	return reminder_language(&d->cfg->c);
}

/* ---- the answer ---- */

static void stop_message(struct daemon *d)
{
	if (runner_kind(d->runner) == PLAY_REMINDER) {
		d->answered = true;
		runner_stop(d->runner, false);
	}
}

static void daemon_answer(struct daemon *d, int answer, int routine)
{
	const struct config *c = &d->cfg->c;
	char err[512], buf[32];
	int r;

	int64_t ms;

	if (!d->asking)
		return;
	d->asking = false;
	asking_done(d->ask);
	switch ((enum ask_answer)answer) {
	case ASK_START:
	case ASK_START_SHORT:
		reminders_record(d->reminders, SLOG_STARTED);
		r = routine >= 0 ? routine
		    : answer == ASK_START_SHORT && d->ask_short >= 0 ? d->ask_short
								     : d->ask_routine;
		log_info("reminder answered: start %s", c->routines[r].name);
		if (runner_kind(d->runner) == PLAY_REMINDER) {
			d->start_after = r; /* once the message has faded */
			stop_message(d);
		} else if (daemon_start_routine(d, r, err, sizeof(err)) < 0) {
			log_err("%s", err);
		}
		break;
	case ASK_SNOOZE:
	case ASK_UNANSWERED:
		if (reminders_snooze(d->reminders, 0,
				     answer == ASK_SNOOZE ? SLOG_SNOOZED : SLOG_UNANSWERED, &ms,
				     err, sizeof(err)) == 0)
			log_info("reminder %s: snoozed for %s",
				 answer == ASK_SNOOZE ? "snoozed" : "not answered",
				 util_format_duration(ms, buf, sizeof(buf)));
		stop_message(d);
		break;
	case ASK_SKIP:
		reminders_record(d->reminders, SLOG_SKIPPED);
		log_info("reminder skipped: sitting starts over");
		reminders_session_ended(d->reminders, false);
		stop_message(d);
		break;
	}
	notify_status("Idle");
	mpris_update(d->mpris, true);
	reminders_arm(d->reminders);
}

/* An answer through the notification. With start = auto the reminder plays
 * by itself: Start ends the countdown, Snooze snoozes, Skip stops it. */
static void on_answer(void *data, enum ask_answer a)
{
	struct daemon *d = data;
	struct mpris_state st;
	int64_t ms;
	char err[128];

	if (d->asking) {
		daemon_answer(d, a, -1);
		return;
	}
	if (runner_kind(d->runner) != PLAY_REMINDER)
		return;
	switch (a) {
	case ASK_START:
	case ASK_START_SHORT:
		memset(&st, 0, sizeof(st));
		runner_mpris_state(d->runner, &st);
		if (st.countdown) /* the routine now */
			runner_skip(d->runner);
		break;
	case ASK_SNOOZE:
	case ASK_UNANSWERED:
		(void)d->cmds.ops->snooze(d, NULL, &ms, err, sizeof(err));
		break;
	case ASK_SKIP:
		reminders_record(d->reminders, SLOG_SKIPPED);
		reminders_session_ended(d->reminders, false);
		d->answered = true;
		runner_stop(d->runner, true);
		break;
	}
}

/* ---- do not disturb ---- */

static void on_dnd(void *data, bool on, const char *why)
{
	struct daemon *d = data;

	reminders_dnd(d->reminders, on, why);
}

static bool daemon_ask_dnd(void *data)
{
	struct daemon *d = data;

	if (!d->ask)
		return false;
	asking_check_dnd(d->ask); /* the answer, perhaps at once: on_dnd */
	return true;
}

/* ---- the notification ---- */

static char *body(void *data, int minutes_left)
{
	struct daemon *d = data;
	const struct config *c = &d->cfg->c;
	const struct language *lang = lang_of(d);
	char *s, *left;

	if (minutes_left < 0 || !d->ask_msg)
		return xstrdup(d->ask_msg ? d->ask_msg : "");
	left = reminder_minutes(c, lang, minutes_left);
	s = xasprintf("%s\n%s (%s)", d->ask_msg, reminder_phrase(c, lang, PH_REMINDER_ASK),
		      left);
	free(left);
	return s;
}

static const struct asking_ops ask_ops = {
	.answer = on_answer, .dnd = on_dnd, .body = body,
};

static void daemon_ask_open(struct daemon *d)
{
	d->ask_routine = d->ask_short = d->start_after = -1;
	if (!d->foreground && !d->no_socket)
		d->ask = asking_new(d->loop, &ask_ops, d);
}

static void daemon_ask_close(struct daemon *d)
{
	asking_free(d->ask);
	d->ask = NULL;
	free(d->ask_msg);
	d->ask_msg = NULL;
}

/* The short routine, where one is shorter than the one the reminder
 * offers (d->ask_routine): d->ask_short, and the label of its button
 * (malloc'd), or NULL. A button of the notification only: the lengths are
 * not awaited (they are worked out off the loop, the reminder is not held
 * up; when they come, daemon_lengths_known adds the button). */
static char *daemon_short(struct daemon *d)
{
	const struct config *c = &d->cfg->c;
	const int64_t *len;
	int r = d->ask_routine, s;
	bool pending;

	d->ask_short = -1;
	if (r < 0 || (size_t)r >= c->n_routines || !(len = daemon_lengths(d, &pending)) ||
	    len[r] <= 0)
		return NULL;
	if ((s = reminder_pick_routine(c, len, len[r] - 1, true)) < 0)
		return NULL;
	d->ask_short = s;
	return util_replace(reminder_phrase(c, lang_of(d), PH_ACT_SHORT), "{title}",
			    c->routines[s].title);
}

static void daemon_ask_offer(struct daemon *d, const char *msg, bool ask)
{
	const struct config *c = &d->cfg->c;
	const struct language *lang = lang_of(d);
	char *short_label = NULL;
	int r = c->reminders.routine_idx;

	free(d->ask_msg);
	d->ask_msg = xstrdup(msg);
	d->ask_routine = r;
	d->ask_short = -1;
	d->asking = ask;
	d->answered = false;
	if (r >= 0 && d->ask && c->reminders.announce != ANNOUNCE_VOICE)
		short_label = daemon_short(d);
	if (d->ask) {
		struct ask_offer o = {
			.title = reminder_phrase(c, lang, PH_BREAK_TITLE),
			.start = reminder_phrase(c, lang, PH_ACT_START),
			.short_label = short_label,
			.snooze = reminder_phrase(c, lang, PH_ACT_SNOOZE),
			.skip = reminder_phrase(c, lang, PH_ACT_SKIP),
			.notify = c->reminders.announce != ANNOUNCE_VOICE && r >= 0,
			.wait_ms = ask ? c->reminders.answer_within_ms : 0,
		};
		asking_offer(d->ask, &o);
	}
	free(short_label);
	if (ask) {
		notify_status("A reminder waits for your answer");
		mpris_update(d->mpris, false);
	}
}

static void daemon_ask_session_ended(struct daemon *d)
{
	char err[512];
	int r = d->start_after;

	d->answered = false;
	d->start_after = -1;
	if (r >= 0 && runner_kind(d->runner) == PLAY_NONE &&
	    daemon_start_routine(d, r, err, sizeof(err)) < 0)
		log_err("%s", err);
}

/* ---- hold ---- */

static int daemon_hold(void *data, const char *arg, int64_t *until, char *err, size_t errlen)
{
	struct daemon *d = data;
	int64_t t;

	tzset();
	t = reminder_hold_until(arg, util_clock_ms(CLOCK_REALTIME), err, errlen);
	if (t < 0 || reminders_hold(d->reminders, t, err, errlen) < 0)
		return -1;
	*until = t;
	if (d->asking) {
		/* The reminder waiting is put off with the rest. */
		d->asking = false;
		asking_done(d->ask);
		reminders_record(d->reminders, SLOG_SNOOZED);
		stop_message(d);
		mpris_update(d->mpris, true);
		reminders_arm(d->reminders);
	}
	return 0;
}

static void daemon_unhold(void *data)
{
	struct daemon *d = data;

	reminders_unhold(d->reminders);
}

/* ---- status ---- */

static void daemon_ask_status(struct daemon *d, FILE *f)
{
	int64_t left;
	char a[32];

	if (d->asking && asking_waiting(d->ask, &left))
		fprintf(f, "reminder: waits for your answer: start (the notification, play, "
			   "backcoach start), snooze or skip; snoozed in %s without one\n",
			util_format_duration(left, a, sizeof(a)));
}

/* ---- start --minutes ---- */

/* The routine for `start --minutes`; -1 with err filled; FIT_LATER while
 * the lengths are worked out. */
#define FIT_LATER (-2)
static int daemon_fitting_routine(struct daemon *d, const char *minutes, char *err, size_t errlen)
{
	const struct config *c = &d->cfg->c;
	const struct language *lang;
	const int64_t *len;
	bool pending;
	char *end;
	long m;
	int r;

	errno = 0;
	m = strtol(minutes, &end, 10);
	if (errno || end == minutes || *end || m <= 0 || m > 24 * 60) {
		snprintf(err, errlen, "--minutes: \"%s\" is not a number of minutes (1..1440)",
			 minutes);
		return -1;
	}
	len = daemon_lengths(d, &pending);
	if (!len && pending)
		return FIT_LATER;
	if (!len) {
		snprintf(err, errlen, "the routines' lengths cannot be worked out now "
			 "(see the log)");
		return -1;
	}
	/* Only routines in the schedule's language (as the Short button). */
	lang = lang_of(d);
	r = reminder_pick_routine(c, len, BC_MS_TO_SAMPLES((int64_t)m * 60000), false);
	if (r < 0) {
		snprintf(err, errlen, "no routine%s%s fits in %ld minute%s", lang ? " in " : "",
			 lang ? lang->name : "", m, m == 1 ? "" : "s");
		return -1;
	}
	return r;
}

/* ---- the first start ---- */

static void daemon_first_start(struct daemon *d)
{
	const struct config *c = &d->cfg->c;
	const struct language *lang = lang_of(d);
	char *dir = state_dir(), *path, *text, err[512];
	int voice = c->reminders.routine_idx >= 0 ? c->reminders.routine_idx
						  : c->general.routine_idx;
	struct voice_speech vs = { .sp = d->sp };
	struct timeline tl;
	int64_t at;
	int fd;

	if (!dir || d->foreground || d->no_socket || !d->reminders || !c->reminders.enabled ||
	    voice < 0) {
		free(dir);
		return;
	}
	path = xasprintf("%s/" FIRST_START_FILE, dir);
	/* Created afresh, as a file of the user's: a FIFO or a symlink at its
	 * name is refused (and said), not taken for "said before". */
	if (util_mkdir_p(dir, 0700) < 0) {
		snprintf(err, sizeof(err), "%s", strerror(errno));
		fd = -1;
	} else {
		fd = util_open_file(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600, err,
				    sizeof(err));
	}
	if (fd < 0) {
		if (errno != EEXIST)
			log_warn("%s: %s (the first start's words are not said)", path, err);
		free(path);
		free(dir);
		return; /* said before */
	}
	close(fd);
	text = reminder_first_start(c, lang);
	log_info("first start: \"%s\"", text);
	if (d->ask && c->reminders.announce != ANNOUNCE_VOICE)
		asking_note(d->ask, "backcoach", text);
	if (c->reminders.announce != ANNOUNCE_NOTIFICATION) {
		speech_voice_for(c, voice, &vs.voice);
		if (reminder_timeline(lang, voice, text, NULL, 0, prepared_measure, &vs, &tl,
				      &at, err, sizeof(err)) < 0)
			log_err("first start: %s", err);
		else if (runner_begin(d->runner, PLAY_STOPPED, &tl, d->cfg, "hello", 0, err,
				      sizeof(err)) < 0)
			log_err("first start: %s", err);
	}
	free(text);
	free(path);
	free(dir);
}
/* ---- what commands ask (struct command_ops) ---- */

unsigned daemon_state(const struct daemon *d)
{
	if (d->asking)
		return CMD_ASKING;
	if (runner_kind(d->runner) == PLAY_NONE)
		return CMD_IDLE;
	return runner_paused(d->runner) ? CMD_PAUSED : CMD_PLAYING;
}

const char *daemon_session_name(const struct daemon *d)
{
	if (d->start_after >= 0) /* answered: it starts as the reminder fades */
		return d->cfg->c.routines[d->start_after].name;
	return runner_name(d->runner);
}

static unsigned daemon_cmd_state(void *data)
{
	return daemon_state(data);
}

static const char *daemon_cmd_session_name(void *data)
{
	return daemon_session_name(data);
}

static const char *daemon_config_path(void *data)
{
	const struct daemon *d = data;

	return d->cfg->path;
}

/* Start routine r (-1: the default) now. */
static int daemon_start_routine(struct daemon *d, int r, char *err, size_t errlen)
{
	const struct config *c = &d->cfg->c;
	struct prepared *p;

	if (runner_name(d->runner)) {
		snprintf(err, errlen, "%s is already playing", runner_name(d->runner));
		return -1;
	}
	if (r < 0)
		r = c->general.routine_idx;
	/* Prepared already, unless another routine, or the first trigger
	 * after a reload that came while playing: then compiled now. */
	if (r == c->general.routine_idx)
		p = &d->def;
	else if (r == c->reminders.routine_idx)
		p = &d->rem;
	else
		p = &d->other;
	if (prepared_build(p, d->cfg, r, d->sp, err, errlen) < 0 ||
	    runner_begin(d->runner, PLAY_ROUTINE, &p->tl, p->cfg, c->routines[r].name, 0, err,
			 errlen) < 0)
		return -1;
	/* Said once the session's thread has it: not on the way to its sound. */
	if (!d->foreground)
		log_info("playing routine %s", c->routines[r].name);
	return 0;
}

static int daemon_start(void *data, const char *routine, char *err,
			size_t errlen)
{
	struct daemon *d = data;
	const struct config *c = &d->cfg->c;
	int r = -1;

	if (routine && strncmp(routine, "--minutes=", 10) == 0) {
		if (runner_name(d->runner) && !d->asking) {
			snprintf(err, errlen, "%s is already playing", runner_name(d->runner));
			return -1;
		}
		r = daemon_fitting_routine(d, routine + 10, err, errlen);
		if (r == FIT_LATER)
			return 1; /* asked again when they are known */
		if (r < 0)
			return -1;
		log_info("%s minutes: %s fits", routine + 10, c->routines[r].name);
	} else if (routine && (r = config_routine(c, routine)) < 0) {
		size_t n = (size_t)snprintf(err, errlen,
					    "no routine named \"%s\"; known:", routine);
		for (size_t i = 0; i < c->n_routines && n < errlen; i++)
			n += (size_t)snprintf(err + n, errlen - n, " %s",
					      c->routines[i].name);
		return -1;
	}
	if (d->asking) {
		daemon_answer(d, ASK_START, r);
		return 0;
	}
	return daemon_start_routine(d, r, err, errlen);
}

static void daemon_stop(void *data)
{
	struct daemon *d = data;

	if (d->asking) {
		daemon_answer(d, ASK_SKIP, -1); /* no break this time */
		return;
	}

	runner_stop(d->runner, !d->foreground);
	mpris_update(d->mpris, true);
}

static void daemon_pause(void *data, bool pause)
{
	struct daemon *d = data;

	if (d->asking && !pause) { /* play: the routine starts */
		daemon_answer(d, ASK_START, -1);
		return;
	}
	if (runner_kind(d->runner) == PLAY_NONE || d->asking)
		return;
	runner_pause(d->runner, pause);
	mpris_update(d->mpris, true);
}

static enum command_moved daemon_skip(void *data)
{
	struct daemon *d = data;
	enum command_moved m;

	if (d->asking) {
		daemon_answer(d, ASK_SKIP, -1);
		return CMD_MOVED;
	}

	m = runner_skip(d->runner);
	mpris_update(d->mpris, true);
	return m;
}

static enum command_moved daemon_repeat(void *data)
{
	struct daemon *d = data;
	enum command_moved m = runner_repeat(d->runner);

	mpris_update(d->mpris, true);
	return m;
}

static int daemon_snooze(void *data, const char *arg, int64_t *ms, char *err, size_t errlen)
{
	struct daemon *d = data;
	int64_t want = 0;

	if (arg && (util_parse_duration(arg, &want) < 0 || want <= 0 ||
		    want > 24 * 3600 * 1000LL)) {
		snprintf(err, errlen, "\"%s\" is not a duration up to a day (as 20m, 1h30m)", arg);
		return -1;
	}
	if (reminders_snooze(d->reminders, want, SLOG_SNOOZED, ms, err, errlen) < 0)
		return -1;
	if (d->asking) {
		d->asking = false;
		asking_done(d->ask);
		mpris_update(d->mpris, true);
	}
	if (runner_kind(d->runner) == PLAY_REMINDER) {
		d->answered = true; /* not cancelled as well */
		runner_stop(d->runner, true);
	}
	reminders_arm(d->reminders);
	return 0;
}

static int daemon_reload(void *data, FILE *reply)
{
	struct daemon *d = data;
	struct cfgref *n;

	notify_reloading();
	n = cfgref_load(d->config_arg, reply);
	if (!n) {
		log_err("reload failed: keeping the config in use (%s)",
			d->cfg->path ? d->cfg->path : "built-in");
		notify_ready();
		return -1;
	}
	cfgref_put(d->cfg);
	d->cfg = n;
	log_info("config reloaded from %s", n->path ? n->path : "built-in default");
	/* Sitting time carries on: a reload neither loses nor repeats a
	 * reminder. */
	if (d->reminders)
		reminders_configure(d->reminders, &d->cfg->c);
	if (d->pw)
		pwatch_configure(d->pw, &d->cfg->c);
	daemon_prepare(d);
	reminders_arm(d->reminders);
	notify_ready();
	return 0;
}

static void daemon_quit(void *data)
{
	struct daemon *d = data;

	if (d->foreground && runner_kind(d->runner) != PLAY_NONE) {
		/* Fade out; the session's end ends the loop. */
		runner_stop(d->runner, false);
		d->exit_code = EXIT_INTERRUPTED;
		return;
	}
	if (d->foreground)
		d->exit_code = EXIT_INTERRUPTED;
	loop_quit(d->loop);
}

static void daemon_status(void *data, bool verbose, FILE *f)
{
	struct daemon *d = data;
	const struct config *c = &d->cfg->c;
	char a[32];

	if (runner_kind(d->runner) != PLAY_NONE) {
		runner_status(d->runner, verbose, f);
	} else {
		fprintf(f, "state: idle (nothing playing; the sound device is closed)\n");
		if (verbose) {
			fprintf(f, "device: %s (opened when a session starts)\n",
				c->audio.device ? c->audio.device : "default");
			fprintf(f, "latency: %" PRId64 " ms (requested)\n",
				c->audio.latency_ms);
		}
	}
	fprintf(f, "default routine: %s\n", routine_name(c, c->general.routine_idx));
	if (d->asking && c->reminders.enabled)
		fprintf(f, "next reminder: %s after this one is answered\n",
			util_format_duration(c->reminders.interval_ms, a, sizeof(a)));
	else
		reminders_status(d->reminders, f);
	daemon_ask_status(d, f);
	if (d->pw)
		pwatch_status(d->pw, f);
	fprintf(f, "config: %s\n", d->cfg->path ? d->cfg->path : "(built-in default)");
}

static const struct command_ops daemon_command_ops = {
	.state = daemon_cmd_state, .session_name = daemon_cmd_session_name,
	.start = daemon_start, .stop = daemon_stop, .pause = daemon_pause,
	.skip = daemon_skip, .repeat = daemon_repeat, .snooze = daemon_snooze,
	.hold = daemon_hold, .unhold = daemon_unhold,
	.reload = daemon_reload, .config_path = daemon_config_path,
	.status = daemon_status, .quit = daemon_quit,
};

const struct command_target *daemon_commands(struct daemon *d)
{
	return &d->cmds;
}

/* ---- the reminders (reminders.h): what they consult, and giving one ---- */

static int64_t daemon_sitting(void *data)
{
	return pwatch_sitting(((struct daemon *)data)->pw);
}

static bool daemon_here(void *data)
{
	return pwatch_here(((struct daemon *)data)->pw);
}

static bool daemon_call_holds(void *data, int64_t *until_ms)
{
	return pwatch_call_holds(((struct daemon *)data)->pw, until_ms);
}

static bool daemon_ask_idle(void *data)
{
	return pwatch_ask_idle(((struct daemon *)data)->pw);
}

static void daemon_restart_sitting(void *data)
{
	pwatch_reset(((struct daemon *)data)->pw);
}

static void daemon_suspended(void *data, int64_t slept_ms)
{
	struct daemon *d = data;

	if (d->pw)
		pwatch_suspended(d->pw, slept_ms);
}

/* A session plays, or a reminder waits for its answer: none is due. */
static bool daemon_playing(void *data)
{
	struct daemon *d = data;

	return runner_kind(d->runner) != PLAY_NONE || d->asking;
}

/* A reminder is due: its notification and its message. Ask, don't
 * impose: with a routine to offer and start = ask, the message says how to
 * answer and the routine waits for the answer; with start = auto, the
 * countdown and the routine follow, played as one session. */
static int daemon_remind(void *data, int minutes)
{
	struct daemon *d = data;
	const struct config *c = &d->cfg->c;
	int r = c->reminders.routine_idx;
	int voice = r >= 0 ? r : c->general.routine_idx;
	bool ask = r >= 0 && c->reminders.start == START_ASK;
	bool spoken = c->reminders.announce != ANNOUNCE_NOTIFICATION;
	const struct timeline *body = NULL;
	struct timeline tl;
	int64_t body_at;
	struct voice_speech vs = { .sp = d->sp };
	const struct language *lang = &c->languages[c->routines[voice].language];
	char err[512];
	char *msg, *said;

	msg = reminder_message(c, lang, minutes);
	log_info("reminder after %d minutes sitting%s%s%s", minutes,
		 r >= 0 ? (ask ? ", offering routine " : ", then routine ") : "",
		 r >= 0 ? c->routines[r].name : "", ask ? " (waiting for your answer)" : "");
	daemon_ask_offer(d, msg, ask);
	if (!spoken) {
		free(msg);
		if (ask) { /* the notification asks; the answer decides */
			reminders_arm(d->reminders);
			return 0;
		}
		if (r < 0) { /* shown: sitting starts over */
			reminders_session_ended(d->reminders, false);
			reminders_arm(d->reminders);
			return 0;
		}
		/* start = auto, not spoken: the routine, as by itself. */
		if (daemon_start_routine(d, r, err, sizeof(err)) < 0) {
			log_err("reminder: %s", err);
			return -1;
		}
		return 0;
	}
	if (r >= 0 && !ask) {
		struct prepared *p = r == c->general.routine_idx ? &d->def : &d->rem;
		if (prepared_build(p, d->cfg, r, d->sp, err, sizeof(err)) < 0) {
			log_err("%s", err);
			goto fail;
		}
		body = &p->tl;
	}
	said = ask ? xasprintf("%s %s", msg, reminder_phrase(c, lang, PH_REMINDER_ASK))
		   : xstrdup(msg);
	/* Room for the message beside the routine's beginning, kept warm. */
	speech_set_cache_budget(d->sp, CACHE_BUDGET);
	speech_voice_for(c, voice, &vs.voice);
	if (reminder_timeline(lang, voice, said, body, c->reminders.countdown_ms,
			      prepared_measure, &vs, &tl, &body_at, err, sizeof(err)) < 0) {
		log_err("reminder: %s", err);
		free(said);
		goto fail;
	}
	free(said);
	if (runner_begin(d->runner, PLAY_REMINDER, &tl, d->cfg, "reminder", body_at, err,
			 sizeof(err)) < 0) {
		log_err("reminder: %s", err);
		goto fail;
	}
	free(msg);
	return 0;
fail:
	free(msg);
	if (d->asking) /* the notification still asks; the clock runs */
		return 0;
	return -1;
}

static const struct reminders_ops daemon_reminders_ops = {
	.sitting = daemon_sitting, .here = daemon_here,
	.call_holds = daemon_call_holds, .ask_idle = daemon_ask_idle,
	.restart = daemon_restart_sitting, .suspended = daemon_suspended,
	.playing = daemon_playing, .due = daemon_remind, .ask_dnd = daemon_ask_dnd,
};

/* Presence or a call changed: plan the next reminder again (one held by a
 * call fires from the timer once call_grace is over). */
static void on_presence_changed(void *data)
{
	reminders_arm(((struct daemon *)data)->reminders);
}

static const struct pwatch_ops daemon_pwatch_ops = {
	.changed = on_presence_changed,
};

/* ---- the session runner (runner.h): what follows a session ---- */

static void daemon_session_began(void *data)
{
	struct daemon *d = data;

	d->playing = runner_kind(d->runner);
	if (d->pw)
		pwatch_session_begins(d->pw);
	reminders_arm(d->reminders); /* disarm while playing */
	mpris_update(d->mpris, false);
}

/* `play`: the session is over, and so is the loop. The daemon: sitting
 * starts over, or a reminder cancelled in its countdown is snoozed. */
static void daemon_session_ended(void *data, enum session_result res, bool cancelled)
{
	struct daemon *d = data;

	if (d->foreground) {
		if (res == SESSION_FAILED || res == SESSION_NO_OUTPUT)
			d->exit_code = EXIT_FAIL;
		loop_quit(d->loop);
		return;
	}
	/* Sitting starts over (a reminder cancelled in its countdown:
	 * snoozed), except after a reminder answered while it spoke (the
	 * answer did what it asked) or one that waits for its answer. */
	if (d->playing == PLAY_REMINDER && !d->asking)
		asking_done(d->ask); /* an auto reminder's notification, over */
	if (!(d->playing == PLAY_REMINDER && (d->answered || d->asking)))
		reminders_session_ended(d->reminders, cancelled);
}

static void daemon_idle(void *data)
{
	struct daemon *d = data;

	if (d->playing == PLAY_REMINDER) {
		d->playing = PLAY_NONE;
		daemon_ask_session_ended(d); /* may start the routine asked for */
		if (runner_kind(d->runner) != PLAY_NONE)
			return;
	}

	mpris_update(d->mpris, false);
	daemon_prepare(d); /* a reload or the notice may have made them stale */
	reminders_rearm(d->reminders);
}

/* A wait for the user began or ended: the player shows it. */
static void daemon_session_changed(void *data)
{
	struct daemon *d = data;

	mpris_update(d->mpris, false);
}

static const struct runner_ops daemon_runner_ops = {
	.began = daemon_session_began, .ended = daemon_session_ended,
	.idle = daemon_idle, .changed = daemon_session_changed,
};

/* ---- the MPRIS player (mpris.h): what plays, and its methods ---- */

static void daemon_mpris_state(void *data, struct mpris_state *st)
{
	struct daemon *d = data;

	if (d->asking) {
		/* A reminder waits for its answer: paused, so that play (a
		 * headset's button, a media key) starts the routine. */
		st->status = MPRIS_PAUSED;
		st->album = "reminder";
		st->title = d->ask_msg;
		st->step = -1;
		st->pause_others = d->cfg->c.audio.other_players == OTHER_PAUSE;
		return;
	}
	runner_mpris_state(d->runner, st);
}

/* A method call from the bus, as a command of the table; its answer is
 * logged as "MPRIS: ...", a refusal goes back as the D-Bus error. */
static int daemon_mpris_command(void *data, const char *name, char *err, size_t errlen)
{
	return command_run_named(&((struct daemon *)data)->cmds, name, "MPRIS", err, errlen);
}

static const struct mpris_ops daemon_mpris_ops = {
	daemon_mpris_state, daemon_mpris_command,
};

/* ---- event sources ---- */

static void on_signal(void *data, short revents)
{
	struct daemon *d = data;
	struct signalfd_siginfo si;
	char name[32];

	(void)revents;
	while (!loop_quitting(d->loop) &&
	       read(d->sfd, &si, sizeof(si)) == sizeof(si)) {
		int sig = (int)si.ssi_signo;
		const struct command *cmd = command_by_signal(sig);

		/* The trigger: its sink opens while the routine is prepared. */
		if (cmd && cmd->id == CMD_START && d->runner && d->cfg)
			runner_open_ahead(d->runner, &d->cfg->c);
		if (cmd)
			command_run(&d->cmds, cmd, NULL, signal_name(sig, name, sizeof(name)),
				    NULL);
	}
}

/* ---- setting up and tearing down ---- */

/* Signals, then (the daemon) the one-per-user lock, then the config and
 * the synthesiser, then PortAudio: in this order, before any thread. */
static int daemon_init(struct daemon *d, const struct daemon_opts *o)
{
	char err[512];
	pid_t other;
	bool foreground = o->foreground;

	*d = (struct daemon){
		.config_arg = o->config_path, .foreground = foreground,
		.no_socket = o->no_socket || foreground, .opener = o->opener,
		.sfd = -1, .lock_fd = -1, .exit_code = EXIT_FAIL,
		.cmds = { &daemon_command_ops, d, d->said }, .playing = PLAY_NONE,
		.ask_routine = -1, .ask_short = -1, .start_after = -1,
	};
	/* First, before any thread or child process exists. */
	d->sfd = signals_open(!foreground);
	if (d->sfd < 0)
		return -1;
	if (!d->no_socket) {
		d->rundir = runtime_dir(true, err, sizeof(err));
		if (!d->rundir) {
			log_err("runtime directory: %s", err);
			return -1;
		}
		d->lock_fd = runtime_lock(d->rundir, &other, err, sizeof(err));
		if (d->lock_fd == -2) {
			if (other > 0)
				log_err("a backcoach daemon is already running for this user (pid %ld); not starting another",
					(long)other);
			else
				log_err("a backcoach daemon is already running for this user; not starting another");
			return -1;
		}
		if (d->lock_fd < 0) {
			log_err("lock: %s", err);
			return -1;
		}
	}
	d->cfg = cfgref_load(o->config_path, NULL);
	if (!d->cfg) {
		d->exit_code = EXIT_CONFIG;
		return -1;
	}
	return 0;
}

static int daemon_open_speech(struct daemon *d)
{
	char err[512];

	d->sp = speech_open(err, sizeof(err));
	if (!d->sp) {
		log_err("%s", err);
		return -1;
	}
	speech_set_cache_budget(d->sp, CACHE_BUDGET);
	/* Once per start, before any trigger: the speech cache on disk loses
	 * what nothing has read for a month (a few ms at its size cap). */
	speech_cache_tidy(d->sp);
	return 0;
}

/* The loop and its sources: signals, the session runner (its end), and for
 * the daemon the control socket and MPRIS (the reminders have sources of
 * their own). */
static int daemon_sources(struct daemon *d)
{
	char err[512];

	d->loop = loop_new();
	loop_add_fd(d->loop, d->sfd, POLLIN, on_signal, d);
	d->runner = runner_new(d->loop, d->sp, d->opener, d->foreground, &daemon_runner_ops, d);
	if (!d->runner)
		return -1;
	if (d->foreground)
		return 0;
	if (d->no_socket)
		return 0;
	d->ctl = control_server_open(d->loop, d->rundir, &d->cmds, err, sizeof(err));
	if (!d->ctl) {
		log_err("control socket: %s", err);
		return -1;
	}
	/* On the session bus while a session plays (mpris.h). */
	d->mpris = mpris_new(d->loop, &daemon_mpris_ops, d);
	daemon_ask_open(d);
	return 0;
}

static void daemon_teardown(struct daemon *d)
{
	runner_free(d->runner);
	d->runner = NULL;
	/* Resumes the players a session paused. */
	mpris_free(d->mpris);
	daemon_ask_close(d);
	control_server_close(d->ctl);
	d->ctl = NULL;
	prepared_lengths_free(d->lengths);
	d->lengths = NULL;
	pwatch_free(d->pw);
	reminders_free(d->reminders);
	loop_free(d->loop);
	prepared_clear(&d->def);
	prepared_clear(&d->rem);
	prepared_clear(&d->other);
	if (d->sp)
		speech_close(d->sp);
	sink_pa_terminate();
	if (d->sfd >= 0)
		close(d->sfd);
	cfgref_put(d->cfg);
	if (d->lock_fd >= 0)
		close(d->lock_fd);
	free(d->rundir);
}

void daemon_free(struct daemon *d)
{
	if (!d)
		return;
	daemon_teardown(d);
	free(d);
}

struct loop *daemon_loop(struct daemon *d)
{
	return d->loop;
}

struct daemon *daemon_new(const struct daemon_opts *o, int *exit_code)
{
	struct daemon *d = xmalloc(sizeof(*d));
	char err[512];

	if (daemon_init(d, o) < 0)
		goto fail;
	log_info("config: %s", d->cfg->path ? d->cfg->path : "built-in default");
	if (daemon_open_speech(d) < 0)
		goto fail;
	/* Audio initialised once, before any thread: a trigger then needs no
	 * device enumeration. A failure here is retried at each session. */
	if (!d->opener.open && audio_init(&d->cfg->c, err, sizeof(err)) < 0)
		log_warn("audio: %s (trying again at each session)", err);
	/* The first session's thread, asleep until then. */
	session_prepare(!d->opener.open);
	if (daemon_sources(d) < 0)
		goto fail;
	daemon_prepare(d);
	if (prepared_quit_pending()) {
		d->exit_code = EXIT_OK;
		goto fail;
	}
	/* Sitting counts from here. */
	d->reminders = reminders_new(d->loop, &d->cfg->c, &daemon_reminders_ops, d);
	if (!d->reminders)
		goto fail;
	/* After PortAudio (before any thread) and the signal mask: call
	 * detection runs libpulse in a thread of its own. */
	d->pw = pwatch_new(d->loop, &d->cfg->c, &daemon_pwatch_ops, d);
	reminders_arm(d->reminders);
	daemon_first_start(d);
	return d;
fail:
	*exit_code = d->exit_code;
	daemon_free(d);
	return NULL;
}

int daemon_run(const char *config_path)
{
	struct daemon_opts o = { .config_path = config_path };
	struct daemon *d;
	int ret;

	/* One malloc arena for all threads: a session thread's own arena would
	 * keep its top (~2 MB) resident when idle, which malloc_trim does not
	 * return; our few threads seldom allocate at the same time. */
	mallopt(M_ARENA_MAX, 1);
	d = daemon_new(&o, &ret);
	if (!d)
		return ret;
	notify_ready();
	log_info("ready (pid %ld): SIGUSR1 starts %s", (long)getpid(),
		 routine_name(&d->cfg->c, d->cfg->c.general.routine_idx));

	/* The one next deadline is the next reminder, armed on the wall-clock
	 * timerfd (or nothing when none is due or a session plays). Everything
	 * else wakes us through an fd: signals, the session's end, control
	 * clients, clock and time zone changes. No source has a deadline of
	 * its own, so ppoll never times out: between reminders we sleep in
	 * the kernel with zero wakeups. */
	if (loop_run(d->loop) < 0)
		log_errno("poll");
	notify_stopping();
	daemon_free(d);
	return EXIT_OK;
}

int daemon_play(const char *config_path, const char *routine)
{
	struct daemon_opts o = { .config_path = config_path, .foreground = true };
	struct daemon d;
	char err[512];
	int r;

	if (daemon_init(&d, &o) < 0)
		goto out;
	r = routine ? config_routine(&d.cfg->c, routine)
		    : d.cfg->c.general.routine_idx;
	if (r < 0) {
		log_err("no routine named \"%s\" (see `backcoach list`)", routine);
		d.exit_code = EXIT_NOINPUT;
		goto out;
	}
	if (daemon_open_speech(&d) < 0 || daemon_sources(&d) < 0)
		goto out;
	/* `play` keeps no record: it asks nothing it could not remember. */
	d.def.no_ask = true;
	if (prepared_build(&d.def, d.cfg, r, d.sp, err, sizeof(err)) < 0) {
		if (prepared_quit_pending())
			d.exit_code = EXIT_INTERRUPTED;
		else
			log_err("%s", err);
		goto out;
	}
	/* Before the session's thread exists (see audio_init); a failure is
	 * reported by the session. */
	(void)audio_init(&d.cfg->c, err, sizeof(err));
	if (daemon_start_routine(&d, r, err, sizeof(err)) < 0) {
		log_err("%s", err);
		goto out;
	}
	d.exit_code = EXIT_OK;
	if (loop_run(d.loop) < 0) {
		log_errno("poll");
		d.exit_code = EXIT_FAIL;
	}
out:
	daemon_teardown(&d);
	return d.exit_code;
}
