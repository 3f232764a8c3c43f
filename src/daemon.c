/* daemon.c: `backcoach run` (the daemon), `play` and `devices`.
 *
 * Threads: the main thread runs the event loop and owns the config; while a
 * session plays, its worker thread (session.c) owns the synthesiser and the
 * sink, so the main thread compiles routines (which synthesises) only while
 * no session plays. Signals are blocked before any thread or child exists
 * and read through a signalfd; timers are timerfds. */
#include "daemon.h"

#include "sink.h"

/* Until the PortAudio sink (sink_pa.c, declared in sink.h) is in the build,
 * the daemon commands only say so. */
#ifdef SINK_PA_LATENCY_MS

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "notify.h"
#include "reminder.h"
#include "render.h"
#include "routine.h"
#include "runtime.h"
#include "session.h"
#include "sink.h"
#include "speech.h"
#include "state.h"
#include "util.h"

/* Speech kept in the cache while compiling; between sessions only the
 * first cues of the prepared routines are kept (daemon_warm). */
#define CACHE_BUDGET (2u << 20)
/* How much of a prepared routine's beginning is kept synthesised, so a
 * trigger starts without synthesising and the session fills its queue
 * (2 s, session.c) before it synthesises anything. */
#define WARM_MS 4000
#define MAX_CLIENTS 8
/* Reminder countdown: pause after the message, then "3", "2", "1". */
#define COUNTDOWN_GAP_MS 400
#define COUNTDOWN_NUMBERS 3

/* ---- clocks ---- */

static int64_t clock_ms(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- signals ---- */

static int sig_pause(void) { return SIGRTMIN + 1; }
static int sig_skip(void) { return SIGRTMIN + 2; }

/* Block the signals we handle (before any thread or child exists, so all
 * inherit the mask) and return a signalfd reading them, or -1. */
static int signals_open(bool daemon)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, sig_pause());
	sigaddset(&set, sig_skip());
	if (daemon) {
		sigaddset(&set, SIGUSR1);
		sigaddset(&set, SIGHUP);
	}
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) {
		log_err("sigprocmask: %s", strerror(errno));
		return -1;
	}
	/* Writes to a client that went away must not kill us. */
	signal(SIGPIPE, SIG_IGN);
	int fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		log_err("signalfd: %s", strerror(errno));
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

struct cfgref {
	struct config c;
	char *path; /* NULL: built-in default only */
	int refs;
};

static struct cfgref *cfg_get(struct cfgref *r)
{
	r->refs++;
	return r;
}

static void cfg_put(struct cfgref *r)
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
	ret = config_load(&r->c, r->path, errf ? errf : stderr);
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

/* A routine compiled against one config, ready to play. */
struct prepared {
	struct cfgref *cfg;   /* NULL: empty */
	int routine;
	bool notice;
	struct timeline tl;
};

static void prepared_clear(struct prepared *p)
{
	if (!p->cfg)
		return;
	timeline_free(&p->tl);
	cfg_put(p->cfg);
	memset(p, 0, sizeof(*p));
}

/* The compiler's speech measurement, given up when asked to quit. */
static int64_t measure(void *ctx, const char *text, char *err, size_t errlen)
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

	routine_voice(cfg, tl->routine, &vs.voice);
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
 * holds exactly that. Returns 0, or -1 with err filled. */
static int prepare(struct prepared *p, struct cfgref *cfg, int routine,
		   bool notice, struct speech *sp, char *err, size_t errlen)
{
	struct compile_opts opts = { .notice = notice };
	struct voice_speech vs = { .sp = sp };
	struct timeline tl;
	double t0 = util_now();

	if (p->cfg == cfg && p->routine == routine && p->notice == notice)
		return 0;
	prepared_clear(p);
	routine_voice(&cfg->c, routine, &vs.voice);
	if (routine_compile(&cfg->c, routine, &opts, measure, &vs, &tl, err,
			    errlen) < 0)
		return -1;
	p->cfg = cfg_get(cfg);
	p->routine = routine;
	p->notice = notice;
	p->tl = tl;
	speech_set_cache_budget(sp, CACHE_BUDGET);
	warm_start(sp, &cfg->c, &p->tl);
	log_debug("compiled routine %s in %.2f s (%.0f s of it synthesising)",
		  cfg->c.routines[routine].name, util_now() - t0, vs.seconds);
	return 0;
}

/* ---- the reminder's own timeline: message, countdown, then a routine ---- */

/* s with every "{key}" replaced by val, malloc'd. */
static char *substitute(const char *s, const char *key, const char *val)
{
	size_t kl = strlen(key), vl = strlen(val), n = 0;
	char *out, *o;

	for (const char *p = s; (p = strstr(p, key)); p += kl)
		n++;
	out = o = xmalloc(strlen(s) + n * vl + 1);
	while (*s) {
		if (strncmp(s, key, kl) == 0) {
			memcpy(o, val, vl);
			o += vl;
			s += kl;
		} else {
			*o++ = *s++;
		}
	}
	*o = '\0';
	return out;
}

/* Copy s to *pool and move past it; returns the copy. */
static const char *pool_put(char **pool, const char *s)
{
	char *copy = *pool;
	size_t n = strlen(s) + 1;

	memcpy(copy, s, n);
	*pool += n;
	return copy;
}

struct piece {
	char *text;
	int64_t at, len;
	enum cue_role role;
};

/* Build into out a timeline that speaks message, then (if body is not NULL)
 * counts down countdown_ms and plays body. Every string is copied into out's
 * pool, so out is freed with timeline_free and does not borrow from body.
 * *body_at gets where body starts. Returns 0 or -1 with err filled. */
static int reminder_timeline(const struct config *cfg, int voice_routine,
			     struct speech *sp, const char *message,
			     const struct timeline *body, int64_t countdown_ms,
			     struct timeline *out, int64_t *body_at, char *err,
			     size_t errlen)
{
	struct voice_speech vs = { .sp = sp };
	const struct language *lang =
		&cfg->languages[cfg->routines[voice_routine].language];
	struct piece pc[2 + COUNTDOWN_NUMBERS];
	size_t npc = 0, pool_len = 0, ci = 0, si = 0;
	int64_t end, start_body;
	int ret = -1;
	char *pool;

	routine_voice(cfg, voice_routine, &vs.voice);
	memset(out, 0, sizeof(*out));
	memset(pc, 0, sizeof(pc));
	pc[npc++] = (struct piece){ .text = xstrdup(message), .role = ROLE_INTRO };
	if (body) {
		pc[npc++] = (struct piece){
			.text = xstrdup(lang->phrase[PH_GET_READY]),
			.role = ROLE_GET_READY,
		};
		for (int n = COUNTDOWN_NUMBERS; n >= 1; n--) {
			char num[16];
			snprintf(num, sizeof(num), "%d", n);
			pc[npc++] = (struct piece){
				.text = substitute(lang->phrase[PH_COUNT_REP], "{n}", num),
				.role = ROLE_COUNTDOWN,
			};
		}
	}
	for (size_t i = 0; i < npc; i++) {
		pc[i].len = measure(&vs, pc[i].text, err, errlen);
		if (pc[i].len < 0)
			goto out;
	}
	/* Message at 0; "Get ready." after it; the body countdown_ms after the
	 * message, with "3", "2", "1" a second apart before it, where they fit
	 * after "Get ready.". */
	end = pc[0].len;
	start_body = end;
	if (body) {
		int64_t cd = BC_MS_TO_SAMPLES(countdown_ms);
		pc[1].at = end + BC_MS_TO_SAMPLES(COUNTDOWN_GAP_MS);
		end = pc[1].at + pc[1].len;
		start_body = pc[0].len + BC_MS_TO_SAMPLES(COUNTDOWN_GAP_MS) + cd;
		if (start_body < end + BC_MS_TO_SAMPLES(COUNTDOWN_GAP_MS))
			start_body = end + BC_MS_TO_SAMPLES(COUNTDOWN_GAP_MS);
		for (size_t i = 2; i < npc; i++) {
			int n = COUNTDOWN_NUMBERS - (int)(i - 2);
			int64_t at = start_body - BC_MS_TO_SAMPLES(1000 * n);
			if (at < end + BC_MS_TO_SAMPLES(COUNTDOWN_GAP_MS / 2)) {
				pc[i].len = -1; /* no room: left out */
				continue;
			}
			pc[i].at = at;
			end = at + pc[i].len;
		}
	}

	for (size_t i = 0; i < npc; i++)
		pool_len += strlen(pc[i].text) + 1;
	pool_len += sizeof("Reminder");
	if (body) {
		for (size_t i = 0; i < body->n_cues; i++)
			if (body->cues[i].text)
				pool_len += strlen(body->cues[i].text) + 1;
		for (size_t i = 0; i < body->n_steps; i++)
			pool_len += strlen(body->steps[i].name) + 1;
	}
	pool = out->pool = xmalloc(pool_len);
	out->pool_len = out->pool_cap = pool_len;

	out->n_cues = npc + (body ? body->n_cues : 0);
	out->n_steps = 1 + (body ? body->n_steps : 0);
	out->cues = xcalloc(out->n_cues, sizeof(*out->cues));
	out->steps = xcalloc(out->n_steps, sizeof(*out->steps));
	out->steps[si++] = (struct step){ .at = 0, .name = pool_put(&pool, "Reminder"),
					  .exercise = -1 };
	for (size_t i = 0; i < npc; i++) {
		if (pc[i].len < 0)
			continue;
		out->cues[ci++] = (struct cue){
			.at = pc[i].at, .len = pc[i].len, .kind = CUE_SPEECH,
			.role = pc[i].role, .step = 0, .phase = -1,
			.text = pool_put(&pool, pc[i].text), .gain = 1.0f,
		};
	}
	if (body) {
		for (size_t i = 0; i < body->n_cues; i++) {
			struct cue c = body->cues[i];
			c.at += start_body;
			c.step += 1;
			if (c.text)
				c.text = pool_put(&pool, c.text);
			out->cues[ci++] = c;
		}
		for (size_t i = 0; i < body->n_steps; i++) {
			struct step s = body->steps[i];
			s.at += start_body;
			s.name = pool_put(&pool, s.name);
			out->steps[si++] = s;
		}
		out->length = start_body + body->length;
		out->routine = body->routine;
		out->skipped_equipment = body->skipped_equipment;
	} else {
		out->length = end; /* sitting counts from here: no tail */
		out->routine = voice_routine;
	}
	out->n_cues = ci;
	out->language_voice = xstrdup(lang->voice);
	*body_at = start_body;
	ret = 0;
out:
	for (size_t i = 0; i < npc; i++)
		free(pc[i].text);
	return ret;
}

/* ---- the daemon ---- */

enum play_kind { PLAY_ROUTINE, PLAY_REMINDER };

struct client {
	int fd;
	size_t len;
	char buf[CONTROL_MAX_REQUEST + 1];
};

struct daemon {
	const char *config_arg;
	struct cfgref *cfg;
	struct speech *sp;
	char *rundir;

	/* The default routine, and the reminders' routine if another. */
	struct prepared def, rem;
	struct prepared other; /* the latest `start ROUTINE` of another one */
	bool notice;        /* the next session begins with the safety notice */

	/* The session playing, if any, and what it plays. */
	struct session *sess;
	enum play_kind kind;
	struct cfgref *sess_cfg;
	struct timeline sess_tl;       /* owned copy, for reminders */
	const struct timeline *sess_tlp;
	char *sess_name;
	int64_t sess_body_at;          /* reminders: where the routine starts */
	int64_t sess_notice_end;       /* heard past this: notice given */
	bool sess_stop_asked;
	int64_t sess_started_mono;

	/* Reminders. */
	bool rem_on;
	struct reminder_rules rules;
	struct sitting sit;
	int64_t snooze_mono;           /* no reminder before this (0: none) */
	int64_t due_wall;              /* armed deadline, REMINDER_NEVER: none */
	unsigned long reminders_fired;

	int sfd, tfd, efd, lfd, ifd, lock_fd;
	struct client clients[MAX_CLIENTS];
	bool quit;
};

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
static void daemon_prepare(struct daemon *d)
{
	const struct config *c = &d->cfg->c;
	char err[512];

	if (d->sess)
		return;
	d->notice = !state_notice_given();
	if (prepare(&d->def, d->cfg, c->general.routine_idx, d->notice, d->sp,
		    err, sizeof(err)) < 0)
		log_err("routine %s: %s", routine_name(c, c->general.routine_idx),
			err);
	if (c->reminders.enabled && c->reminders.routine_idx >= 0 &&
	    c->reminders.routine_idx != c->general.routine_idx) {
		if (prepare(&d->rem, d->cfg, c->reminders.routine_idx, d->notice,
			    d->sp, err, sizeof(err)) < 0)
			log_err("routine %s: %s",
				routine_name(c, c->reminders.routine_idx), err);
	} else {
		prepared_clear(&d->rem);
	}
	daemon_warm(d);
	malloc_trim(0);
}

/* ---- reminders ---- */

static void format_wall(int64_t wall, char *buf, size_t len)
{
	time_t t = (time_t)(wall / 1000);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%S %Z", &tm);
}

/* Arm the wall-clock timer at the next reminder, or disarm it. It is a
 * CLOCK_REALTIME timer with TFD_TIMER_CANCEL_ON_SET: the kernel cancels it
 * (read fails with ECANCELED) when the wall clock is set and on resume from
 * suspend (the realtime-monotonic offset changes), so we recompute then.
 * The sitting time itself is kept on CLOCK_MONOTONIC (see reminder.h). */
static void reminders_arm(struct daemon *d)
{
	struct itimerspec its = { 0 };
	int64_t mono = clock_ms(CLOCK_MONOTONIC);
	int64_t real = clock_ms(CLOCK_REALTIME);
	int64_t due = REMINDER_NEVER;
	char when[64], in[32];

	tzset(); /* follow time zone changes */
	if (d->rem_on && !d->sess) {
		due = reminder_next_due(&d->rules,
					sitting_since_wall(&d->sit, mono, real));
		if (d->snooze_mono > mono && due != REMINDER_NEVER) {
			/* Snoozed: not before the snooze ends, and then only
			 * inside active hours. */
			int64_t until = real + (d->snooze_mono - mono);
			if (due < until)
				due = reminder_active(&d->rules, until)
					      ? until
					      : reminder_next_due(&d->rules, until);
		}
	}
	if (due != REMINDER_NEVER) {
		if (due <= real)
			due = real + 1;
		its.it_value.tv_sec = (time_t)(due / 1000);
		its.it_value.tv_nsec = (long)(due % 1000) * 1000000;
	}
	if (timerfd_settime(d->tfd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET,
			    &its, NULL) < 0)
		log_err("timerfd_settime: %s", strerror(errno));
	if (due != d->due_wall) {
		if (due != REMINDER_NEVER) {
			format_wall(due, when, sizeof(when));
			log_debug("next reminder at %s (in %s)", when,
				  util_format_duration(due - real, in, sizeof(in)));
			notify_status("Idle; next reminder at %s", when);
		} else if (!d->sess) {
			notify_status("Idle%s", d->rem_on ? "; no reminder due" : "");
		}
	}
	d->due_wall = due;
}

/* Every wakeup: after a suspend the sitting time starts over. */
static void reminders_check_suspend(struct daemon *d)
{
	int64_t slept = sitting_check_suspend(&d->sit, clock_ms(CLOCK_MONOTONIC),
					      clock_ms(CLOCK_BOOTTIME));
	char buf[32];

	if (slept > 0) {
		log_info("resumed after %s suspended: sitting time starts over",
			 util_format_duration(slept, buf, sizeof(buf)));
		d->snooze_mono = 0;
		reminders_arm(d);
	}
}

static void reminders_configure(struct daemon *d)
{
	const struct config *c = &d->cfg->c;

	d->rem_on = c->reminders.enabled;
	reminder_rules_from_config(c, &d->rules);
	d->due_wall = -1; /* log the next one again */
}

/* ---- sessions ---- */

static int64_t notice_end(const struct timeline *tl)
{
	for (size_t i = 0; i < tl->n_cues; i++)
		if (tl->cues[i].role == ROLE_NOTICE)
			return tl->cues[i].at + tl->cues[i].len;
	return -1;
}

static int daemon_play(struct daemon *d, enum play_kind kind,
		       const struct timeline *tl, struct cfgref *cfg,
		       const char *name, char *err, size_t errlen)
{
	struct session_spec spec = {
		.cfg = &cfg->c, .tl = tl, .vs = { .sp = d->sp }, .name = name,
	};

	routine_voice(&cfg->c, tl->routine, &spec.vs.voice);
	d->sess = session_start(&spec, d->efd, err, errlen);
	if (!d->sess)
		return -1;
	d->kind = kind;
	d->sess_cfg = cfg_get(cfg);
	d->sess_tlp = tl;
	d->sess_name = xstrdup(name);
	d->sess_stop_asked = false;
	d->sess_notice_end = notice_end(tl);
	d->sess_started_mono = clock_ms(CLOCK_MONOTONIC);
	notify_status("Playing %s", name);
	reminders_arm(d); /* disarm while playing */
	return 0;
}

/* Start routine r (-1: the default) now. */
static int daemon_start(struct daemon *d, int r, char *err, size_t errlen)
{
	const struct config *c = &d->cfg->c;
	struct prepared *p;

	if (d->sess) {
		snprintf(err, errlen, "already playing %s", d->sess_name);
		return -1;
	}
	if (r < 0)
		r = c->general.routine_idx;
	d->notice = !state_notice_given();
	if (d->def.cfg == d->cfg && d->def.routine == r && d->def.notice == d->notice)
		p = &d->def;
	else if (d->rem.cfg == d->cfg && d->rem.routine == r &&
		 d->rem.notice == d->notice)
		p = &d->rem;
	else {
		/* Not prepared: another routine, or the first trigger after a
		 * reload that came while playing. Compile it now. */
		if (r == c->general.routine_idx)
			p = &d->def;
		else if (r == c->reminders.routine_idx)
			p = &d->rem;
		else
			p = &d->other;
		if (prepare(p, d->cfg, r, d->notice, d->sp, err, errlen) < 0)
			return -1;
	}
	log_info("playing routine %s", c->routines[r].name);
	return daemon_play(d, PLAY_ROUTINE, &p->tl, p->cfg, c->routines[r].name,
			   err, errlen);
}

static void reminder_fire(struct daemon *d)
{
	const struct config *c = &d->cfg->c;
	int64_t mono = clock_ms(CLOCK_MONOTONIC), real = clock_ms(CLOCK_REALTIME);
	int minutes = reminder_minutes_sat(&d->rules,
					   sitting_since_wall(&d->sit, mono, real), real);
	int r = c->reminders.routine_idx;
	int voice = r >= 0 ? r : c->general.routine_idx;
	const struct timeline *body = NULL;
	char num[16], err[512];
	char *msg;

	d->snooze_mono = 0;
	d->reminders_fired++;
	snprintf(num, sizeof(num), "%d", minutes);
	msg = substitute(c->reminders.message, "{minutes}", num);
	log_info("reminder after %d minutes sitting%s%s", minutes,
		 r >= 0 ? ", then routine " : "", r >= 0 ? c->routines[r].name : "");
	if (r >= 0) {
		struct prepared *p = r == c->general.routine_idx ? &d->def : &d->rem;
		d->notice = !state_notice_given();
		if (prepare(p, d->cfg, r, d->notice, d->sp, err, sizeof(err)) < 0) {
			log_err("routine %s: %s", c->routines[r].name, err);
			goto fail;
		}
		body = &p->tl;
	}
	/* Room for the message beside the routine's beginning, kept warm. */
	speech_set_cache_budget(d->sp, CACHE_BUDGET);
	if (reminder_timeline(c, voice, d->sp, msg, body, c->reminders.countdown_ms,
			      &d->sess_tl, &d->sess_body_at, err, sizeof(err)) < 0) {
		log_err("reminder: %s", err);
		goto fail;
	}
	if (daemon_play(d, PLAY_REMINDER, &d->sess_tl, d->cfg, "reminder", err,
			sizeof(err)) < 0) {
		log_err("reminder: %s", err);
		timeline_free(&d->sess_tl);
		goto fail;
	}
	free(msg);
	return;
fail:
	free(msg);
	/* Count it as given: sitting starts over, no retry burst. */
	sitting_reset(&d->sit, clock_ms(CLOCK_MONOTONIC), clock_ms(CLOCK_BOOTTIME));
	reminders_arm(d);
}

/* The session's thread has ended: reap it and plan what comes next. */
static void session_ended(struct daemon *d)
{
	char err[512];
	int64_t heard = 0;
	enum session_result res = session_join(d->sess, &heard, err, sizeof(err));
	double secs = (double)(clock_ms(CLOCK_MONOTONIC) - d->sess_started_mono) / 1000;

	d->sess = NULL;
	speech_set_cache_budget(d->sp, CACHE_BUDGET); /* ours again */
	switch (res) {
	case SESSION_DONE:
		log_info("%s finished (%.1f s)", d->sess_name, secs);
		break;
	case SESSION_STOPPED:
		log_info("%s stopped after %.1f s", d->sess_name, secs);
		break;
	case SESSION_FAILED:
		log_err("%s ended: %s; the daemon carries on, the next trigger tries again",
			d->sess_name, err);
		break;
	}
	if (d->sess_notice_end >= 0 && heard >= d->sess_notice_end) {
		state_set_notice_given();
	}

	/* Sitting starts over at the end of a session, except when a reminder
	 * was cancelled during its countdown: that snoozes it. */
	int64_t mono = clock_ms(CLOCK_MONOTONIC);
	if (d->kind == PLAY_REMINDER && res == SESSION_STOPPED &&
	    heard < d->sess_body_at && d->cfg->c.reminders.snooze_ms > 0) {
		char buf[32];
		d->snooze_mono = mono + d->cfg->c.reminders.snooze_ms;
		log_info("reminder cancelled: snoozed for %s",
			 util_format_duration(d->cfg->c.reminders.snooze_ms, buf,
					      sizeof(buf)));
	} else {
		sitting_reset(&d->sit, mono, clock_ms(CLOCK_BOOTTIME));
		d->snooze_mono = 0;
	}
	if (d->kind == PLAY_REMINDER)
		timeline_free(&d->sess_tl);
	cfg_put(d->sess_cfg);
	d->sess_cfg = NULL;
	d->sess_tlp = NULL;
	free(d->sess_name);
	d->sess_name = NULL;
	daemon_prepare(d); /* a reload or the notice may have made them stale */
	d->due_wall = -1;
	reminders_arm(d);
}

/* ---- reload ---- */

static int daemon_reload(struct daemon *d, FILE *reply)
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
	daemon_prepare(d);
	reminders_arm(d);
	notify_ready();
	return 0;
}

/* ---- control socket ---- */

static void status_text(struct daemon *d, FILE *f)
{
	const struct config *c = &d->cfg->c;
	char a[32], b[32], when[64];

	if (d->sess) {
		struct session_info si;
		const struct timeline *tl = d->sess_tlp;
		static const char *const states[] = {
			"starting", "playing", "paused", "stopping", "ending",
		};

		session_info(d->sess, &si);
		fprintf(f, "state: %s\n", states[si.state]);
		fprintf(f, "playing: %s\n", d->sess_name);
		if (si.step >= 0 && (size_t)si.step < tl->n_steps)
			fprintf(f, "step: %d of %zu: %s\n", si.step + 1, tl->n_steps,
				tl->steps[si.step].name);
		fprintf(f, "position: %s of %s\n",
			util_format_duration(BC_SAMPLES_TO_MS(si.pos), a, sizeof(a)),
			util_format_duration(BC_SAMPLES_TO_MS(tl->length), b, sizeof(b)));
		fprintf(f, "device: %s\n", si.device[0] ? si.device : "(opening)");
		fprintf(f, "latency: %.0f ms\n", si.latency_s * 1000);
		fprintf(f, "underflows: %u\n", si.underflows);
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
	} else if (d->due_wall == REMINDER_NEVER || d->due_wall < 0) {
		fprintf(f, "next reminder: none due (check [reminders] hours and days)\n");
	} else {
		format_wall(d->due_wall, when, sizeof(when));
		fprintf(f, "next reminder: %s (in %s)\n", when,
			util_format_duration(d->due_wall - clock_ms(CLOCK_REALTIME),
					     a, sizeof(a)));
	}
	fprintf(f, "config: %s\n", d->cfg->path ? d->cfg->path : "(built-in default)");
}

/* Carry out one request; writes the reply text to f. Returns 0 (OK) or -1. */
static int control_request(struct daemon *d, char *req, FILE *f)
{
	const struct config *c = &d->cfg->c;
	char *cmd = strtok(req, " \t\r\n");
	char *arg = strtok(NULL, " \t\r\n");
	char err[512];

	if (!cmd) {
		fprintf(f, "empty request\n");
		return -1;
	}
	if (strcmp(cmd, "status") == 0) {
		status_text(d, f);
		return 0;
	}
	log_debug("control: %s%s%s", cmd, arg ? " " : "", arg ? arg : "");
	if (strcmp(cmd, "start") == 0) {
		int r = -1;
		if (arg && (r = config_routine(c, arg)) < 0) {
			fprintf(f, "no routine named \"%s\"; known:", arg);
			for (size_t i = 0; i < c->n_routines; i++)
				fprintf(f, " %s", c->routines[i].name);
			fputc('\n', f);
			return -1;
		}
		if (daemon_start(d, r, err, sizeof(err)) < 0) {
			fprintf(f, "%s\n", err);
			return -1;
		}
		fprintf(f, "playing %s\n", d->sess_name);
		return 0;
	}
	if (strcmp(cmd, "reload") == 0) {
		if (daemon_reload(d, f) < 0) {
			fprintf(f, "config not reloaded: the old one stays in use\n");
			return -1;
		}
		fprintf(f, "config reloaded from %s\n",
			d->cfg->path ? d->cfg->path : "built-in default");
		return 0;
	}
	if (strcmp(cmd, "snooze") == 0) {
		char buf[32];
		if (!d->rem_on) {
			fprintf(f, "reminders are off\n");
			return -1;
		}
		int64_t ms = c->reminders.snooze_ms > 0 ? c->reminders.snooze_ms
							: d->rules.interval_ms;
		d->snooze_mono = clock_ms(CLOCK_MONOTONIC) + ms;
		if (d->sess && d->kind == PLAY_REMINDER) {
			d->sess_stop_asked = true;
			session_stop(d->sess, true);
		}
		reminders_arm(d);
		fprintf(f, "reminders snoozed for %s\n",
			util_format_duration(ms, buf, sizeof(buf)));
		return 0;
	}
	if (strcmp(cmd, "stop") == 0 && !d->sess) {
		fprintf(f, "nothing is playing\n");
		return 0;
	}
	if (!d->sess && (strcmp(cmd, "pause") == 0 || strcmp(cmd, "resume") == 0 ||
			 strcmp(cmd, "skip") == 0)) {
		fprintf(f, "nothing is playing\n");
		return -1;
	}
	if (strcmp(cmd, "stop") == 0) {
		d->sess_stop_asked = true;
		session_stop(d->sess, true);
		fprintf(f, "stopping %s\n", d->sess_name);
	} else if (strcmp(cmd, "pause") == 0) {
		session_pause(d->sess, true);
		fprintf(f, "paused\n");
	} else if (strcmp(cmd, "resume") == 0) {
		session_pause(d->sess, false);
		fprintf(f, "resumed\n");
	} else if (strcmp(cmd, "skip") == 0) {
		session_skip(d->sess);
		fprintf(f, "skipping to the next step\n");
	} else {
		fprintf(f, "unknown command \"%s\"\n", cmd);
		return -1;
	}
	return 0;
}

static void client_close(struct client *cl)
{
	close(cl->fd);
	cl->fd = -1;
	cl->len = 0;
}

static void client_answer(struct daemon *d, struct client *cl)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int ok;

	cl->buf[cl->len] = '\0';
	if (!f) {
		client_close(cl);
		return;
	}
	ok = control_request(d, cl->buf, f);
	fclose(f);
	/* Replies are short: they fit the socket buffer, a blocking write
	 * would not stall the loop. */
	const char *head = ok == 0 ? "OK\n" : "ERR\n";
	(void)!send(cl->fd, head, strlen(head), MSG_NOSIGNAL | MSG_DONTWAIT);
	(void)!send(cl->fd, text, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	free(text);
	client_close(cl);
}

static void control_accept(struct daemon *d)
{
	int fd = accept4(d->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	struct client *slot = NULL;

	if (fd < 0)
		return;
	if (!runtime_peer_ok(fd)) {
		log_warn("control: refused a connection from another user");
		close(fd);
		return;
	}
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (d->clients[i].fd < 0) {
			slot = &d->clients[i];
			break;
		}
	if (!slot) { /* every slot held by a silent client: drop the first */
		slot = &d->clients[0];
		client_close(slot);
	}
	slot->fd = fd;
	slot->len = 0;
}

static void client_read(struct daemon *d, struct client *cl)
{
	ssize_t n = read(cl->fd, cl->buf + cl->len, CONTROL_MAX_REQUEST - cl->len);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		client_close(cl);
		return;
	}
	cl->len += (size_t)n;
	if (n == 0 || memchr(cl->buf, '\n', cl->len) ||
	    cl->len == CONTROL_MAX_REQUEST)
		client_answer(d, cl);
}

/* ---- signals in the daemon ---- */

static void daemon_signal(struct daemon *d, const struct signalfd_siginfo *si)
{
	int sig = (int)si->ssi_signo;
	char err[512];

	if (sig == SIGTERM || sig == SIGINT) {
		log_info("%s: exiting", strsignal(sig));
		d->quit = true;
	} else if (sig == SIGUSR1) {
		if (d->sess) {
			log_info("SIGUSR1: %s is already playing; ignored", d->sess_name);
		} else if (daemon_start(d, -1, err, sizeof(err)) < 0) {
			log_err("cannot start the default routine: %s", err);
		}
	} else if (sig == SIGUSR2) {
		if (d->sess) {
			log_info("SIGUSR2: stopping %s", d->sess_name);
			d->sess_stop_asked = true;
			session_stop(d->sess, true);
		} else {
			log_info("SIGUSR2: nothing is playing");
		}
	} else if (sig == SIGHUP) {
		log_info("SIGHUP: reloading the config");
		daemon_reload(d, NULL);
	} else if (sig == sig_pause()) {
		if (d->sess) {
			bool p = !session_paused(d->sess);
			session_pause(d->sess, p);
			log_info("%s", p ? "paused" : "resumed");
			notify_status("%s %s", p ? "Paused" : "Playing", d->sess_name);
		}
	} else if (sig == sig_skip()) {
		if (d->sess) {
			log_info("skipping to the next step");
			session_skip(d->sess);
		}
	}
}

/* /etc/localtime replaced (time zone change): re-read it. */
static void tz_watch_event(struct daemon *d)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool tz = false;
	ssize_t n;

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

static void timer_event(struct daemon *d)
{
	uint64_t ticks;

	if (read(d->tfd, &ticks, sizeof(ticks)) < 0) {
		if (errno == ECANCELED) {
			log_debug("wall clock changed (set, or resumed)");
			d->due_wall = -1;
			reminders_arm(d);
		}
		return;
	}
	if (d->sess || !d->rem_on)
		return;
	/* Recompute: a tz change may have moved the deadline. */
	int64_t mono = clock_ms(CLOCK_MONOTONIC), real = clock_ms(CLOCK_REALTIME);
	int64_t due = reminder_next_due(&d->rules,
					sitting_since_wall(&d->sit, mono, real));
	if (d->snooze_mono > mono + 50 || due > real + 50) {
		reminders_arm(d);
		return;
	}
	reminder_fire(d);
}

static void daemon_free(struct daemon *d)
{
	if (d->sess) {
		session_stop(d->sess, false);
		session_join(d->sess, NULL, NULL, 0);
		if (d->kind == PLAY_REMINDER)
			timeline_free(&d->sess_tl);
		cfg_put(d->sess_cfg);
		free(d->sess_name);
	}
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (d->clients[i].fd >= 0)
			close(d->clients[i].fd);
	prepared_clear(&d->def);
	prepared_clear(&d->rem);
	prepared_clear(&d->other);
	if (d->sp)
		speech_close(d->sp);
	sink_pa_terminate();
	if (d->lfd >= 0) {
		char *sock = xasprintf("%s/" RUNTIME_SOCKET, d->rundir);
		unlink(sock);
		free(sock);
		close(d->lfd);
	}
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

int daemon_run(const char *config_path)
{
	struct daemon d = {
		.config_arg = config_path,
		.sfd = -1, .tfd = -1, .efd = -1, .lfd = -1, .ifd = -1, .lock_fd = -1,
		.due_wall = -1,
	};
	char err[512];
	pid_t other;
	int ret = EXIT_FAIL;

	for (int i = 0; i < MAX_CLIENTS; i++)
		d.clients[i].fd = -1;
	/* One malloc arena for all threads: a session thread's own arena would
	 * keep its top (~2 MB) resident when idle, which malloc_trim does not
	 * return; our few threads seldom allocate at the same time. */
	mallopt(M_ARENA_MAX, 1);
	/* First, before any thread or child process exists. */
	d.sfd = signals_open(true);
	if (d.sfd < 0)
		goto out;

	d.rundir = runtime_dir(true, err, sizeof(err));
	if (!d.rundir) {
		log_err("runtime directory: %s", err);
		goto out;
	}
	d.lock_fd = runtime_lock(d.rundir, &other, err, sizeof(err));
	if (d.lock_fd == -2) {
		if (other > 0)
			log_err("a backcoach daemon is already running for this user (pid %ld); not starting another",
				(long)other);
		else
			log_err("a backcoach daemon is already running for this user; not starting another");
		goto out;
	}
	if (d.lock_fd < 0) {
		log_err("lock: %s", err);
		goto out;
	}

	d.cfg = cfg_load(config_path, NULL);
	if (!d.cfg) {
		ret = EXIT_CONFIG;
		goto out;
	}
	log_info("config: %s", d.cfg->path ? d.cfg->path : "built-in default");
	d.sp = speech_open(err, sizeof(err));
	if (!d.sp) {
		log_err("%s", err);
		goto out;
	}
	speech_set_cache_budget(d.sp, CACHE_BUDGET);
	/* Audio initialised once, before any thread: a trigger then needs no
	 * device enumeration. A failure here is retried at each session. */
	if (audio_init(&d.cfg->c, err, sizeof(err)) < 0)
		log_warn("audio: %s (trying again at each session)", err);

	d.tfd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
	d.efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (d.tfd < 0 || d.efd < 0) {
		log_err("timerfd/eventfd: %s", strerror(errno));
		goto out;
	}
	if (!getenv("TZ")) {
		d.ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (d.ifd >= 0 &&
		    inotify_add_watch(d.ifd, "/etc", IN_CREATE | IN_MOVED_TO |
					     IN_CLOSE_WRITE | IN_DELETE) < 0) {
			close(d.ifd);
			d.ifd = -1;
		}
	}
	d.lfd = runtime_listen(d.rundir, err, sizeof(err));
	if (d.lfd < 0) {
		log_err("control socket: %s", err);
		goto out;
	}

	daemon_prepare(&d);
	if (quit_pending()) {
		ret = EXIT_OK;
		goto out;
	}
	reminders_configure(&d);
	sitting_reset(&d.sit, clock_ms(CLOCK_MONOTONIC), clock_ms(CLOCK_BOOTTIME));
	reminders_arm(&d);
	notify_ready();
	log_info("ready (pid %ld): SIGUSR1 starts %s", (long)getpid(),
		 routine_name(&d.cfg->c, d.cfg->c.general.routine_idx));

	while (!d.quit) {
		/* The one next deadline is the next reminder, armed on the
		 * wall-clock timerfd (or nothing when none is due or a session
		 * plays). Everything else wakes us through an fd: signals, the
		 * session's end, control clients, clock and time zone changes.
		 * poll() never times out: between reminders we sleep in the
		 * kernel with zero wakeups. */
		struct pollfd pfd[5 + MAX_CLIENTS];
		int n = 0, ci0;

		pfd[n++] = (struct pollfd){ .fd = d.sfd, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = d.tfd, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = d.efd, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = d.lfd, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = d.ifd, .events = POLLIN };
		ci0 = n;
		for (int i = 0; i < MAX_CLIENTS; i++)
			pfd[n++] = (struct pollfd){ .fd = d.clients[i].fd,
						    .events = POLLIN };
		if (poll(pfd, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_err("poll: %s", strerror(errno));
			break;
		}
		reminders_check_suspend(&d);
		if (pfd[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			while (read(d.sfd, &si, sizeof(si)) == sizeof(si) && !d.quit)
				daemon_signal(&d, &si);
		}
		if (d.quit)
			break;
		if (pfd[2].revents & POLLIN) {
			uint64_t v;
			if (read(d.efd, &v, sizeof(v)) == sizeof(v) && d.sess)
				session_ended(&d);
		}
		if (pfd[1].revents & POLLIN)
			timer_event(&d);
		if (pfd[4].revents & POLLIN)
			tz_watch_event(&d);
		for (int i = 0; i < MAX_CLIENTS; i++)
			if (pfd[ci0 + i].revents && d.clients[i].fd >= 0)
				client_read(&d, &d.clients[i]);
		if (pfd[3].revents & POLLIN)
			control_accept(&d);
	}
	notify_stopping();
	ret = EXIT_OK;
out:
	daemon_free(&d);
	return ret;
}

/* ---- backcoach play ---- */

int play_run(const char *config_path, const char *routine)
{
	struct cfgref *cfg = NULL;
	struct speech *sp = NULL;
	struct prepared p = { 0 };
	struct session *s = NULL;
	char err[512];
	int sfd, efd = -1, r, ret = EXIT_FAIL, interrupted = 0;
	int64_t heard = 0;

	sfd = signals_open(false);
	if (sfd < 0)
		return EXIT_FAIL;
	cfg = cfg_load(config_path, NULL);
	if (!cfg) {
		ret = EXIT_CONFIG;
		goto out;
	}
	r = routine ? config_routine(&cfg->c, routine) : cfg->c.general.routine_idx;
	if (r < 0) {
		log_err("no routine named \"%s\" (see `backcoach list`)", routine);
		ret = EXIT_NOINPUT;
		goto out;
	}
	sp = speech_open(err, sizeof(err));
	if (!sp) {
		log_err("%s", err);
		goto out;
	}
	bool notice = !state_notice_given();
	if (prepare(&p, cfg, r, notice, sp, err, sizeof(err)) < 0) {
		if (quit_pending()) {
			ret = 130;
			goto out;
		}
		log_err("routine %s: %s", cfg->c.routines[r].name, err);
		goto out;
	}
	/* Before the session's thread exists (see audio_init); a failure is
	 * reported by the session. */
	(void)audio_init(&cfg->c, err, sizeof(err));
	efd = eventfd(0, EFD_CLOEXEC);
	struct session_spec spec = {
		.cfg = &cfg->c, .tl = &p.tl, .vs = { .sp = sp },
		.name = cfg->c.routines[r].name,
	};
	routine_voice(&cfg->c, r, &spec.vs.voice);
	s = session_start(&spec, efd, err, sizeof(err));
	if (!s) {
		log_err("%s", err);
		goto out;
	}
	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = sfd, .events = POLLIN },
			{ .fd = efd, .events = POLLIN },
		};
		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			break;
		if (pfd[1].revents & POLLIN)
			break;
		struct signalfd_siginfo si;
		while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
			int sig = (int)si.ssi_signo;
			if (sig == SIGINT || sig == SIGTERM || sig == SIGUSR2) {
				interrupted = sig;
				session_stop(s, false);
			} else if (sig == sig_pause()) {
				session_pause(s, !session_paused(s));
			} else if (sig == sig_skip()) {
				session_skip(s);
			}
		}
	}
	enum session_result res = session_join(s, &heard, err, sizeof(err));
	int64_t ne = notice_end(&p.tl);
	if (ne >= 0 && heard >= ne)
		state_set_notice_given();
	if (res == SESSION_FAILED) {
		log_err("%s", err);
		ret = EXIT_FAIL;
	} else {
		ret = interrupted == SIGINT || interrupted == SIGTERM ? 130 : EXIT_OK;
	}
out:
	prepared_clear(&p);
	if (sp)
		speech_close(sp);
	sink_pa_terminate();
	cfg_put(cfg);
	if (efd >= 0)
		close(efd);
	close(sfd);
	return ret;
}

int devices_run(void)
{
	char err[512];
	int ret;

	if (sink_pa_init(err, sizeof(err)) < 0) {
		log_err("audio: %s", err);
		return EXIT_FAIL;
	}
	sink_pa_list(stdout);
	ret = EXIT_OK;
	sink_pa_terminate();
	return ret;
}

#else /* no PortAudio sink yet */
#include "log.h"

int daemon_run(const char *config_path)
{
	(void)config_path;
	log_err("built without the PortAudio sink");
	return EXIT_FAIL;
}

int play_run(const char *config_path, const char *routine)
{
	(void)config_path;
	(void)routine;
	log_err("built without the PortAudio sink");
	return EXIT_FAIL;
}

int devices_run(void)
{
	log_err("built without the PortAudio sink");
	return EXIT_FAIL;
}
#endif
