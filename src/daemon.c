/* daemon.c: the daemon's core: config, routines compiled ahead, the session,
 * reminders; `backcoach run` and `backcoach play` around one event loop.
 *
 * Threads: the main thread runs the event loop and owns the config; while a
 * session plays, its worker thread (session.c) owns the synthesiser and the
 * sink, so the main thread compiles routines (which synthesises) only while
 * no session plays. Signals are blocked before any thread or child exists
 * and read through a signalfd; timers are timerfds. */
#include "daemon.h"
#include "daemon_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "config.h"
#include "control_server.h"
#include "log.h"
#include "loop.h"
#include "mpris.h"
#include "notify.h"
#include "presence_watch.h"
#include "reminder.h"
#include "reminder_timeline.h"
#include "render.h"
#include "voice_speech.h"
#include "routine.h"
#include "runtime.h"
#include "session.h"
#include "sink_pa.h"
#include "speech.h"
#include "state.h"
#include "statelog.h"
#include "util.h"

/* How much of a prepared routine's beginning is kept synthesised, so a
 * trigger starts without synthesising and the session fills its queue
 * (2 s, session.c) before it synthesises anything. */
#define WARM_MS 4000

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

/* SIGTERM or SIGINT waiting in the signalfd: stop long work early. */
static bool quit_pending(void)
{
	sigset_t pending;

	sigemptyset(&pending);
	return sigpending(&pending) == 0 &&
	       (sigismember(&pending, SIGTERM) || sigismember(&pending, SIGINT));
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

/* ---- config, shared by the daemon and the sessions that use it ---- */

struct cfgref *cfg_get(struct cfgref *r)
{
	r->refs++;
	return r;
}

void cfg_put(struct cfgref *r)
{
	if (r && --r->refs == 0) {
		config_free(&r->c);
		free(r->path);
		free(r);
	}
}

/* Find and load the config; errors go to the log as FILE:LINE: message and,
 * if reply is not NULL, to it as well. */
static struct cfgref *cfg_load(const char *explicit_path, FILE *reply)
{
	struct cfgref *r = xcalloc(1, sizeof(*r));
	char *errs = NULL;
	size_t errlen = 0;
	FILE *errf = open_memstream(&errs, &errlen);
	int ret;

	r->path = config_find(explicit_path);
	ret = config_load(&r->c, r->path, &speech_config_voices,
			  errf ? errf : stderr);
	if (errf)
		fclose(errf);
	for (char *line = errs ? strtok(errs, "\n") : NULL; line;
	     line = strtok(NULL, "\n")) {
		log_err("%s", line);
		if (reply)
			fprintf(reply, "%s\n", line);
	}
	free(errs);
	if (ret < 0) {
		free(r->path);
		free(r);
		return NULL;
	}
	r->refs = 1;
	return r;
}

/* ---- compiling routines ---- */

static void prepared_clear(struct prepared *p)
{
	if (!p->cfg)
		return;
	timeline_free(&p->tl);
	cfg_put(p->cfg);
	memset(p, 0, sizeof(*p));
}

/* The compiler's speech measurement, given up when asked to quit. */
int64_t measure(void *ctx, const char *text, char *err, size_t errlen)
{
	if (quit_pending()) {
		snprintf(err, errlen, "interrupted");
		return -1;
	}
	return voice_speech_measure(ctx, text, err, errlen);
}

/* Synthesise the first WARM_MS of tl's speech last, so that the cache's
 * least-recently-used eviction keeps it: a session then starts without
 * waiting for the synthesiser. Returns about the bytes the cache holds for
 * it. */
static size_t warm_start(struct speech *sp, const struct config *cfg,
			 const struct timeline *tl)
{
	struct voice_speech vs = { .sp = sp };
	char err[256];
	size_t last = 0, bytes = 0;

	speech_voice_for(cfg, tl->routine, &vs.voice);
	while (last < tl->n_cues && tl->cues[last].at < BC_MS_TO_SAMPLES(WARM_MS))
		last++;
	for (size_t i = last; i-- > 0;) {
		const struct clip *c;

		if (tl->cues[i].kind != CUE_SPEECH)
			continue;
		c = speech_get(sp, &vs.voice, tl->cues[i].text, err, sizeof(err));
		/* The cache's own count adds its entry and key. */
		if (c)
			bytes += c->n * sizeof(float) + strlen(tl->cues[i].text) + 256;
	}
	return bytes;
}

/* Compile routine of cfg into p (replacing what it held), unless it already
 * holds exactly that. It begins with the safety notice when the routine or
 * its equipment is new to the user, and explains the tones in the very
 * first session. Returns 0, or -1 with err filled. */
int prepare(struct prepared *p, struct cfgref *cfg, int routine,
	    struct speech *sp, char *err, size_t errlen)
{
	bool notice = routine >= 0 && (size_t)routine < cfg->c.n_routines &&
		      state_notice_due(cfg->c.routines[routine].name,
				       routine_equipment_used(&cfg->c, routine));
	struct compile_opts opts = { .notice = notice, .tones = !state_notice_given() };
	struct voice_speech vs = { .sp = sp };
	struct timeline tl;
	double t0 = util_now();

	if (p->cfg == cfg && p->routine == routine && p->notice == notice &&
	    p->tones == opts.tones)
		return 0;
	prepared_clear(p);
	speech_voice_for(&cfg->c, routine, &vs.voice);
	if (routine_compile(&cfg->c, routine, &opts, measure, &vs, &tl, err,
			    errlen) < 0)
		return -1;
	p->cfg = cfg_get(cfg);
	p->routine = routine;
	p->notice = notice;
	p->tones = opts.tones;
	p->tl = tl;
	speech_set_cache_budget(sp, CACHE_BUDGET);
	warm_start(sp, &cfg->c, &p->tl);
	log_debug("compiled routine %s in %.2f s (%.0f s of it synthesising)",
		  cfg->c.routines[routine].name, util_now() - t0, vs.seconds);
	return 0;
}

static const char *routine_name(const struct config *cfg, int r)
{
	return r >= 0 && (size_t)r < cfg->n_routines ? cfg->routines[r].name : "?";
}

/* Between sessions the cache keeps just the prepared routines' beginnings:
 * synthesise them again if a session pushed them out (it uses them first,
 * so they are its least recent), then shrink the budget to them. The rest
 * of a routine is synthesised ahead while it plays. */
static void daemon_warm(struct daemon *d)
{
	size_t bytes = 0;

	speech_set_cache_budget(d->sp, CACHE_BUDGET);
	if (d->rem.cfg)
		bytes += warm_start(d->sp, &d->rem.cfg->c, &d->rem.tl);
	if (d->def.cfg)
		bytes += warm_start(d->sp, &d->def.cfg->c, &d->def.tl);
	speech_set_cache_budget(d->sp, bytes ? bytes : 1);
}

/* Compile what the next triggers will play, unless a session plays (the
 * synthesiser is then the session's): called again when it ends. Then hand
 * the freed pages back: compiling, and a session's speech (its cache may
 * grow to tens of MB), mixer and queue, would otherwise stay resident. */
void daemon_prepare(struct daemon *d)
{
	const struct config *c = &d->cfg->c;
	char err[512];

	if (d->sess || d->foreground)
		return;
	if (prepare(&d->def, d->cfg, c->general.routine_idx, d->sp,
		    err, sizeof(err)) < 0)
		log_err("%s", err); /* "routine NAME, exercise ...: why" */
	if (c->reminders.enabled && c->reminders.routine_idx >= 0 &&
	    c->reminders.routine_idx != c->general.routine_idx) {
		if (prepare(&d->rem, d->cfg, c->reminders.routine_idx,
			    d->sp, err, sizeof(err)) < 0)
			log_err("%s", err);
	} else {
		prepared_clear(&d->rem);
	}
	daemon_warm(d);
	malloc_trim(0);
}

/* ---- what commands ask ---- */

unsigned daemon_state(const struct daemon *d)
{
	if (!d->sess)
		return CMD_IDLE;
	return session_paused(d->sess) ? CMD_PAUSED : CMD_PLAYING;
}

const char *daemon_session_name(const struct daemon *d)
{
	return d->sess ? d->sess_name : NULL;
}

const char *daemon_config_path(const struct daemon *d)
{
	return d->cfg->path;
}

int daemon_start(struct daemon *d, const char *routine, char *err,
		 size_t errlen)
{
	const struct config *c = &d->cfg->c;
	int r = -1;

	if (routine && (r = config_routine(c, routine)) < 0) {
		size_t n = (size_t)snprintf(err, errlen,
					    "no routine named \"%s\"; known:", routine);
		for (size_t i = 0; i < c->n_routines && n < errlen; i++)
			n += (size_t)snprintf(err + n, errlen - n, " %s",
					      c->routines[i].name);
		return -1;
	}
	return start_routine(d, r, err, errlen);
}

void daemon_stop(struct daemon *d)
{
	if (d->sess)
		session_stop(d->sess, !d->foreground);
	mpris_update(d->mpris, true);
}

void daemon_pause(struct daemon *d, bool pause)
{
	if (!d->sess)
		return;
	session_pause(d->sess, pause);
	notify_status("%s %s", pause ? "Paused" : "Playing", d->sess_name);
	mpris_update(d->mpris, true);
}

void daemon_skip(struct daemon *d)
{
	if (d->sess) {
		d->sess_skips++;
		session_skip(d->sess);
	}
	mpris_update(d->mpris, true);
}

void daemon_repeat(struct daemon *d)
{
	if (d->sess)
		session_repeat(d->sess);
	mpris_update(d->mpris, true);
}

int daemon_snooze(struct daemon *d, int64_t *ms, char *err, size_t errlen)
{
	const struct config *c = &d->cfg->c;

	if (!d->rem_on) {
		snprintf(err, errlen, "reminders are off");
		return -1;
	}
	*ms = c->reminders.snooze_ms > 0 ? c->reminders.snooze_ms
					 : d->rules.interval_ms;
	d->snooze_mono = clock_ms(CLOCK_MONOTONIC) + *ms;
	record_reminder(d, SLOG_SNOOZED);
	d->held_since = 0;
	if (d->sess && d->kind == PLAY_REMINDER)
		session_stop(d->sess, true);
	reminders_arm(d);
	return 0;
}

int daemon_reload(struct daemon *d, FILE *reply)
{
	struct cfgref *n;

	notify_reloading();
	n = cfg_load(d->config_arg, reply);
	if (!n) {
		log_err("reload failed: keeping the config in use (%s)",
			d->cfg->path ? d->cfg->path : "built-in");
		notify_ready();
		return -1;
	}
	cfg_put(d->cfg);
	d->cfg = n;
	log_info("config reloaded from %s", n->path ? n->path : "built-in default");
	/* Sitting time carries on: a reload neither loses nor repeats a
	 * reminder. */
	reminders_configure(d);
	if (d->pw)
		pwatch_configure(d->pw, &d->cfg->c);
	daemon_prepare(d);
	reminders_arm(d);
	notify_ready();
	return 0;
}

void daemon_quit(struct daemon *d)
{
	if (d->foreground && d->sess) {
		/* Fade out; the session's end ends the loop. */
		session_stop(d->sess, false);
		d->exit_code = EXIT_INTERRUPTED;
		return;
	}
	if (d->foreground)
		d->exit_code = EXIT_INTERRUPTED;
	loop_quit(d->loop);
}

static void status_session(struct daemon *d, FILE *f)
{
	struct session_info si;
	const struct timeline *tl = d->sess_tlp;
	/* As enum session_state; a session fading out at the end of its
	 * timeline is "ending", one that was told to stop is "stopping". */
	static const char *const states[] = {
		[SESSION_STARTING] = "starting", [SESSION_PLAYING] = "playing",
		[SESSION_PAUSED] = "paused", [SESSION_ENDING] = "ending",
		[SESSION_ENDED] = "ending",
	};
	char a[32], b[32];

	session_info(d->sess, &si);
	fprintf(f, "state: %s\n", si.stopping ? "stopping" : states[si.state]);
	fprintf(f, "playing: %s\n", d->sess_name);
	if (si.step >= 0 && (size_t)si.step < tl->n_steps)
		fprintf(f, "step: %d of %zu: %s\n", si.step + 1, tl->n_steps,
			tl->steps[si.step].name);
	fprintf(f, "position: %s of %s\n",
		util_format_duration(BC_SAMPLES_TO_MS(si.pos), a, sizeof(a)),
		util_format_duration(BC_SAMPLES_TO_MS(tl->length), b, sizeof(b)));
	fprintf(f, "device: %s\n", si.device[0] ? si.device : "(opening)");
	fprintf(f, "output: %s\n", si.output[0] ? si.output : "(opening)");
	fprintf(f, "latency: %.0f ms\n", si.latency_s * 1000);
	fprintf(f, "underflows: %u\n", si.underflows);
	fprintf(f, "dropouts: %s\n", si.dropouts[0] ? si.dropouts : "(opening)");
	fprintf(f, "realtime: %s\n", si.realtime);
}

void daemon_status(struct daemon *d, FILE *f)
{
	const struct config *c = &d->cfg->c;
	char a[32], when[64];

	if (d->sess) {
		status_session(d, f);
	} else {
		fprintf(f, "state: idle\n");
		fprintf(f, "device: %s (opened when a session starts)\n",
			c->audio.device ? c->audio.device : "default");
		fprintf(f, "latency: %" PRId64 " ms (requested)\n", c->audio.latency_ms);
	}
	fprintf(f, "default routine: %s\n", routine_name(c, c->general.routine_idx));
	if (!d->rem_on) {
		fprintf(f, "next reminder: off\n");
	} else if (d->sess) {
		fprintf(f, "next reminder: %s after this session\n",
			util_format_duration(d->rules.interval_ms, a, sizeof(a)));
	} else if ((d->due_wall == REMINDER_NEVER || d->due_wall < 0) && d->pw &&
		   !pwatch_here(d->pw)) {
		fprintf(f, "next reminder: waits for you (away)\n");
	} else if ((d->due_wall == REMINDER_NEVER || d->due_wall < 0) && d->held_since) {
		fprintf(f, "next reminder: waits for the call to end\n");
	} else if (d->due_wall == REMINDER_NEVER || d->due_wall < 0) {
		fprintf(f, "next reminder: none due (check [reminders] hours and days)\n");
	} else {
		format_wall(d->due_wall, when, sizeof(when));
		fprintf(f, "next reminder: %s (in %s)\n", when,
			util_format_duration(d->due_wall - clock_ms(CLOCK_REALTIME),
					     a, sizeof(a)));
	}
	if (d->pw)
		pwatch_status(d->pw, f);
	fprintf(f, "config: %s\n", d->cfg->path ? d->cfg->path : "(built-in default)");
}

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

		if (cmd)
			command_run(d, cmd, NULL, signal_name(sig, name, sizeof(name)),
				    NULL);
	}
}

static void on_session_end(void *data, short revents)
{
	struct daemon *d = data;
	uint64_t v;

	(void)revents;
	if (read(d->efd, &v, sizeof(v)) == sizeof(v) && d->sess)
		session_ended(d);
}

/* /etc/localtime replaced (time zone change): re-read it. */
static void on_tz_change(void *data, short revents)
{
	struct daemon *d = data;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool tz = false;
	ssize_t n;

	(void)revents;
	while ((n = read(d->ifd, buf, sizeof(buf))) > 0)
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const void *)p;
			if (ev->len && strcmp(ev->name, "localtime") == 0)
				tz = true;
			p += sizeof(*ev) + ev->len;
		}
	if (tz) {
		log_info("time zone changed");
		reminders_arm(d);
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
		.sfd = -1, .tfd = -1, .efd = -1, .ifd = -1, .lock_fd = -1,
		.due_wall = -1, .exit_code = EXIT_FAIL,
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
	d->cfg = cfg_load(o->config_path, NULL);
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
	return 0;
}

/* The loop and its sources: signals, the session's end, and for the daemon
 * the reminder timer, time zone changes and the control socket. */
static int daemon_sources(struct daemon *d)
{
	char err[512];

	d->loop = loop_new();
	d->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (d->efd < 0) {
		log_errno("eventfd");
		return -1;
	}
	loop_add_fd(d->loop, d->sfd, POLLIN, on_signal, d);
	loop_add_fd(d->loop, d->efd, POLLIN, on_session_end, d);
	if (d->foreground)
		return 0;
	d->tfd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
	if (d->tfd < 0) {
		log_errno("timerfd");
		return -1;
	}
	loop_add_fd(d->loop, d->tfd, POLLIN, reminders_on_timer, d);
	if (!getenv("TZ")) {
		d->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (d->ifd >= 0 &&
		    inotify_add_watch(d->ifd, "/etc", IN_CREATE | IN_MOVED_TO |
					     IN_CLOSE_WRITE | IN_DELETE) < 0) {
			close(d->ifd);
			d->ifd = -1;
		}
		if (d->ifd >= 0)
			loop_add_fd(d->loop, d->ifd, POLLIN, on_tz_change, d);
	}
	loop_set_wakeup(d->loop, reminders_check_suspend, d);
	if (d->no_socket)
		return 0;
	d->ctl = control_server_open(d->loop, d->rundir, d, err, sizeof(err));
	if (!d->ctl) {
		log_err("control socket: %s", err);
		return -1;
	}
	/* On the session bus while a session plays (mpris.h). */
	d->mpris = mpris_new(&daemon_mpris_ops, d);
	return 0;
}

static void daemon_teardown(struct daemon *d)
{
	if (d->sess) {
		session_stop(d->sess, false);
		session_join(d->sess, NULL, NULL, 0);
		session_forget(d);
	}
	/* Resumes the players a session paused. */
	mpris_free(d->mpris);
	control_server_close(d->ctl);
	pwatch_free(d->pw);
	loop_free(d->loop);
	prepared_clear(&d->def);
	prepared_clear(&d->rem);
	prepared_clear(&d->other);
	if (d->sp)
		speech_close(d->sp);
	sink_pa_terminate();
	if (d->ifd >= 0)
		close(d->ifd);
	if (d->efd >= 0)
		close(d->efd);
	if (d->tfd >= 0)
		close(d->tfd);
	if (d->sfd >= 0)
		close(d->sfd);
	cfg_put(d->cfg);
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
	if (daemon_sources(d) < 0)
		goto fail;
	daemon_prepare(d);
	if (quit_pending()) {
		d->exit_code = EXIT_OK;
		goto fail;
	}
	reminders_configure(d);
	sitting_reset(&d->sit, clock_ms(CLOCK_MONOTONIC), clock_ms(CLOCK_BOOTTIME));
	/* After PortAudio (before any thread) and the signal mask: call
	 * detection runs libpulse in a thread of its own. */
	d->pw = pwatch_new(d->loop, &d->cfg->c, &reminders_pwatch_ops, d);
	reminders_arm(d);
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
	reminders_configure(&d);
	if (prepare(&d.def, d.cfg, r, d.sp, err, sizeof(err)) < 0) {
		if (quit_pending())
			d.exit_code = EXIT_INTERRUPTED;
		else
			log_err("%s", err);
		goto out;
	}
	/* Before the session's thread exists (see audio_init); a failure is
	 * reported by the session. */
	(void)audio_init(&d.cfg->c, err, sizeof(err));
	if (start_routine(&d, r, err, sizeof(err)) < 0) {
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
