/* SPDX-License-Identifier: GPL-3.0-or-later */
/* prepared.c: the config, shared by reference by the daemon and the
 * sessions that use it, and the routines compiled ahead of their triggers,
 * their beginnings kept synthesised so that a session starts at once. */
#include "daemon/prepared.h"

#include <errno.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/loop.h"
#include "coach/adapt.h"
#include "coach/config.h"
#include "base/log.h"
#include "coach/routine.h"
#include "speech/speech.h"
#include "coach/state.h"
#include "coach/statelog.h"
#include "base/util.h"
#include "playback/voice_speech.h"

/* How much of a prepared routine's beginning is kept synthesised, so a
 * trigger starts without synthesising and the session fills its queue
 * (2 s, session.c) before it synthesises anything. */
#define WARM_MS 4000

/* ---- config, shared by the daemon and the sessions that use it ---- */

struct cfgref *cfgref_get(struct cfgref *r)
{
	r->refs++;
	return r;
}

void cfgref_put(struct cfgref *r)
{
	if (r && --r->refs == 0) {
		free(r->routine_len);
		config_free(&r->c);
		free(r->path);
		free(r);
	}
}

/* Find and load the config; errors go to the log as FILE:LINE: message and,
 * if reply is not NULL, to it as well. */
struct cfgref *cfgref_load(const char *explicit_path, FILE *reply)
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

static void stamp_file(const char *path, struct file_stamp *f)
{
	struct stat st;

	memset(f, 0, sizeof(*f));
	if (path && stat(path, &st) == 0) {
		f->dev = st.st_dev;
		f->ino = st.st_ino;
		f->size = st.st_size;
		f->mtime = st.st_mtim;
		f->ctime = st.st_ctim;
	}
}

static bool same_file(const struct file_stamp *a, const struct file_stamp *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec &&
	       a->ctime.tv_sec == b->ctime.tv_sec && a->ctime.tv_nsec == b->ctime.tv_nsec;
}

/* What a routine's options are read from besides the config, as it is now:
 * the records (stat, not read) and the local day. Taken before they are
 * read, so that a change while they are is seen the next time. */
static void stamp_now(struct file_stamp *notice, struct file_stamp *log_file, int *day)
{
	char *path = state_notice_path();
	time_t now = time(NULL);
	struct tm tm;

	stamp_file(path, notice);
	free(path);
	path = statelog_path();
	stamp_file(path, log_file);
	free(path);
	*day = localtime_r(&now, &tm) ? (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday
				       : 0;
}

void prepared_clear(struct prepared *p)
{
	if (!p->cfg)
		return;
	timeline_free(&p->tl);
	cfgref_put(p->cfg);
	memset(p, 0, sizeof(*p));
}

/* SIGTERM or SIGINT waiting in the signalfd: stop long work early. */
bool prepared_quit_pending(void)
{
	sigset_t pending;

	sigemptyset(&pending);
	return sigpending(&pending) == 0 &&
	       (sigismember(&pending, SIGTERM) || sigismember(&pending, SIGINT));
}

/* The compiler's speech measurement, given up when asked to quit. */
int64_t prepared_measure(void *ctx, const char *text, char *err, size_t errlen)
{
	if (prepared_quit_pending()) {
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
 * holds exactly that. It begins with the safety notice in the user's very
 * first session (and explains the tones), and tells the risks of the floor
 * or the ball before the first exercise on them the user has not heard
 * them for; it plays each exercise in the form the record of the day
 * says (adapt.h), read again whenever the records changed (`backcoach
 * feedback` writes them) or the day did: a trigger finds them as the last
 * one left them by stat(2) alone, without reading the day's log (0.1-0.3
 * ms of the way to the first sound, more as the log grows).
 * Returns 0, or -1 with err filled. */
int prepared_build(struct prepared *p, struct cfgref *cfg, int routine, struct speech *sp,
		   char *err, size_t errlen)
{
	struct file_stamp notice_file, log_file;
	int day;
	unsigned risks = 0;
	bool ok, notice;
	struct compile_opts opts;
	struct voice_speech vs = { .sp = sp };
	struct timeline tl;
	double t0 = util_now();
	struct exercise_plan *plan;
	bool no_ask = p->no_ask;
	int rc;

	stamp_now(&notice_file, &log_file, &day);
	if (p->cfg == cfg && p->routine == routine && p->stamped && p->day == day &&
	    same_file(&p->notice_file, &notice_file) && same_file(&p->log_file, &log_file))
		return 0;
	ok = routine >= 0 && (size_t)routine < cfg->c.n_routines;
	notice = ok && state_notice_due(routine_risks(&cfg->c, routine), &risks);
	opts = (struct compile_opts){ .notice = notice, .tones = notice, .risks = risks };
	adapt_next_opts(&cfg->c, &opts);
	plan = (struct exercise_plan *)opts.plan;
	if (no_ask)
		opts.ask = false;
	if (p->cfg == cfg && p->routine == routine && p->notice == notice &&
	    p->tones == opts.tones && p->risks == risks &&
	    p->wait == opts.wait && p->ask == opts.ask &&
	    !p->tl.plan == !plan &&
	    (!plan || memcmp(p->tl.plan, plan, cfg->c.n_exercises * sizeof(*plan)) == 0)) {
		free(plan);
		goto stamp;
	}
	prepared_clear(p);
	p->no_ask = no_ask;
	speech_voice_for(&cfg->c, routine, &vs.voice);
	rc = routine_compile(&cfg->c, routine, &opts, prepared_measure, &vs, &tl, err, errlen);
	free(plan);
	if (rc < 0)
		return -1;
	p->wait = opts.wait;
	p->ask = opts.ask;
	p->cfg = cfgref_get(cfg);
	p->routine = routine;
	p->notice = notice;
	p->tones = opts.tones;
	p->risks = risks;
	p->tl = tl;
	speech_set_cache_budget(sp, CACHE_BUDGET);
	warm_start(sp, &cfg->c, &p->tl);
	log_debug("compiled routine %s in %.2f s (%.0f s of it synthesising)",
		  cfg->c.routines[routine].name, util_now() - t0, vs.seconds);
stamp:
	p->stamped = true;
	p->notice_file = notice_file;
	p->log_file = log_file;
	p->day = day;
	return 0;
}

/* ---- what the next triggers will play ---- */

/* Between sessions the cache keeps just the prepared routines' beginnings:
 * synthesise them again if a session pushed them out (it uses them first,
 * so they are its least recent), then shrink the budget to them. The rest
 * of a routine is synthesised ahead while it plays. */
static void warm(struct prepared *def, struct prepared *rem, struct speech *sp)
{
	size_t bytes = 0;

	speech_set_cache_budget(sp, CACHE_BUDGET);
	if (rem->cfg)
		bytes += warm_start(sp, &rem->cfg->c, &rem->tl);
	if (def->cfg)
		bytes += warm_start(sp, &def->cfg->c, &def->tl);
	speech_set_cache_budget(sp, bytes ? bytes : 1);
}

/* Compile what the next triggers will play, then hand the freed pages back:
 * compiling, and a session's speech (its cache may grow to tens of MB),
 * mixer and queue, would otherwise stay resident. */
void prepared_ahead(struct prepared *def, struct prepared *rem, struct cfgref *cfg,
		    struct speech *sp)
{
	const struct config *c = &cfg->c;
	char err[512];

	if (prepared_build(def, cfg, c->general.routine_idx, sp, err, sizeof(err)) < 0)
		log_err("%s", err); /* "routine NAME, exercise ...: why" */
	if (c->reminders.enabled && c->reminders.routine_idx >= 0 &&
	    c->reminders.routine_idx != c->general.routine_idx) {
		if (prepared_build(rem, cfg, c->reminders.routine_idx, sp, err,
				   sizeof(err)) < 0)
			log_err("%s", err);
	} else {
		prepared_clear(rem);
	}
	warm(def, rem, sp);
	malloc_trim(0);
}

/* Every routine's length in samples (-1: cannot compile), measured with
 * measure(ctx), whose voice_speech is vs; NULL when the measuring was
 * interrupted by *stop. */
static int64_t *lengths_of(const struct config *c, struct voice_speech *vs,
			   speech_measure_fn measure, void *ctx, const atomic_bool *stop)
{
	struct compile_opts opts = { .notice = false };
	int64_t *len = xcalloc(c->n_routines ? c->n_routines : 1, sizeof(int64_t));
	char err[512];

	for (size_t r = 0; r < c->n_routines; r++) {
		struct timeline tl;

		speech_voice_for(c, (int)r, &vs->voice);
		if (routine_compile(c, (int)r, &opts, measure, ctx, &tl, err,
				    sizeof(err)) < 0) {
			if (stop && atomic_load(stop)) {
				free(len);
				return NULL;
			}
			len[r] = -1;
			continue;
		}
		len[r] = tl.length;
		timeline_free(&tl);
	}
	return len;
}

const int64_t *prepared_lengths(struct cfgref *cfg, struct speech *sp)
{
	struct voice_speech vs = { .sp = sp };

	if (!cfg->routine_len)
		cfg->routine_len = lengths_of(&cfg->c, &vs, prepared_measure, &vs, NULL);
	return cfg->routine_len;
}

/* ---- the same off the loop ---- */

struct prepared_lengths {
	struct loop *loop;
	struct loop_source *src;  /* efd, until the thread has ended */
	struct cfgref *cfg;       /* a reference; only the loop touches it */
	int efd;                  /* written by the thread as it ends */
	pthread_t thread;
	bool running;             /* the thread is not joined yet */
	bool ended, failed;
	atomic_bool stop;
	int64_t *len;             /* the thread's result */
	void (*done)(void *data);
	void *data;
};

struct lengths_ctx {
	struct voice_speech vs;
	const atomic_bool *stop;
};

static int64_t lengths_measure(void *ctx, const char *text, char *err, size_t errlen)
{
	struct lengths_ctx *x = ctx;

	if (atomic_load(x->stop) || prepared_quit_pending()) {
		snprintf(err, errlen, "interrupted");
		return -1;
	}
	return voice_speech_measure(&x->vs, text, err, errlen);
}

/* Reads only j->cfg->c (a loaded config does not change) and writes only
 * j->len, before it signals efd. */
static void *lengths_thread(void *arg)
{
	struct prepared_lengths *j = arg;
	struct lengths_ctx x = { .stop = &j->stop };
	double t0 = util_now();
	uint64_t one = 1;
	char err[512];

	x.vs.sp = speech_open(err, sizeof(err));
	if (!x.vs.sp) {
		log_warn("the routines' lengths cannot be worked out: %s", err);
	} else {
		/* Each line is measured once: no need to keep its sound. */
		speech_set_cache_budget(x.vs.sp, 1);
		j->len = lengths_of(&j->cfg->c, &x.vs, lengths_measure, &x, &j->stop);
		speech_close(x.vs.sp);
		if (j->len)
			log_debug("worked out the routines' lengths in %.2f s (%.0f s of it "
				  "synthesising)", util_now() - t0, x.vs.seconds);
	}
	(void)!write(j->efd, &one, sizeof(one));
	return NULL;
}

static void lengths_join(struct prepared_lengths *j)
{
	if (!j->running)
		return;
	pthread_join(j->thread, NULL);
	j->running = false;
	loop_remove(j->loop, j->src);
	j->src = NULL;
}

static void lengths_ended(void *data, short revents)
{
	struct prepared_lengths *j = data;

	(void)revents;
	lengths_join(j);
	j->ended = true;
	if (j->len && !j->cfg->routine_len) {
		j->cfg->routine_len = j->len;
		j->len = NULL;
	}
	j->failed = !j->cfg->routine_len;
	malloc_trim(0);
	j->done(j->data);
}

struct prepared_lengths *prepared_lengths_start(struct loop *l, struct cfgref *cfg,
						void (*done)(void *data), void *data)
{
	struct prepared_lengths *j = xcalloc(1, sizeof(*j));
	int e = 0;

	j->loop = l;
	j->done = done;
	j->data = data;
	atomic_init(&j->stop, false);
	j->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (j->efd < 0)
		e = errno;
	else
		j->cfg = cfgref_get(cfg);
	if (!e && (e = pthread_create(&j->thread, NULL, lengths_thread, j)) != 0)
		cfgref_put(j->cfg);
	if (e) {
		log_warn("no thread for the routines' lengths: %s", strerror(e));
		if (j->efd >= 0)
			close(j->efd);
		free(j);
		return NULL;
	}
	j->running = true;
	j->src = loop_add_fd(l, j->efd, POLLIN, lengths_ended, j);
	return j;
}

const struct cfgref *prepared_lengths_cfg(const struct prepared_lengths *j)
{
	return j ? j->cfg : NULL;
}

bool prepared_lengths_ended(const struct prepared_lengths *j)
{
	return j && j->ended;
}

bool prepared_lengths_failed(const struct prepared_lengths *j)
{
	return j && j->ended && j->failed;
}

void prepared_lengths_free(struct prepared_lengths *j)
{
	if (!j)
		return;
	atomic_store(&j->stop, true);
	lengths_join(j);
	if (j->src)
		loop_remove(j->loop, j->src);
	if (j->efd >= 0)
		close(j->efd);
	free(j->len);
	cfgref_put(j->cfg);
	free(j);
}
