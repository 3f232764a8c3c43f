/* SPDX-License-Identifier: GPL-3.0-or-later */
/* session.c: one playback: a worker thread mixes the timeline ahead into a
 * live sink's queue (QUEUE_MS deep); pause, resume, skip and stop act on
 * that queue at once.
 *
 * The worker is the only thread that touches the synthesiser (through the
 * mixer's speech source) and the mixer while the session lives. Requests
 * come from the main thread through a mutex-protected struct and a condition
 * variable; the audio callback is the sink's (sink_pa.c): it only copies
 * from a lock-free ring. Everything the session does to the sink goes
 * through sink.h, so tests play it into the null sink. */
#include "playback/session.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "audio/mixer.h"
#include "audio/rt.h"
#include "audio/sink_pa.h"
#include "base/util.h"

#define BLOCK 512             /* frames mixed at a time: 23 ms */
#define LOOKAHEAD_MS 8000     /* speech is synthesised this far ahead */
/* Mixed audio queued in the sink ahead of the device: the worker may stall
 * this long (synthesising an utterance with the CPU busy) without an
 * underflow. Pause, stop and skip act on the queue at once. */
#define QUEUE_MS 2000
/* Speech is synthesised ahead only with at least this much queued beyond
 * the device buffer (the latency and a period, at most 1.5 latencies,
 * sink_pa.h): at the start of a session, and after a skip or resume, the
 * queue fills first (from speech the daemon keeps synthesised; a cue the
 * mixer reaches uncached it synthesises itself). Where the queue holds less
 * than the device's start burst, the stream starts with part of it and its
 * callback waits for the rest (sink_pa.c): a synthesis before that is
 * written would leave a hole there. */
#define PREFETCH_QUEUED_MS 1000
/* While playing, the cache holds what is ahead and what plays: a clip in
 * use must not be evicted by a prefetch. */
#define SESSION_CACHE_BUDGET (24u << 20)
/* The timeline all written, the queue plays out while requests still act
 * on it; a sink that plays nothing for this long is left to close. */
#define TAIL_STALL_MS 1000
#define END_TONE_MS 120       /* the end tone: a short falling glide */
#define END_TONE_F0 660.0f
#define END_TONE_F1 440.0f
#define END_TONE_GAIN 0.25f

struct session {
	pthread_t thread;
	struct session_spec spec;
	int end_fd;

	pthread_mutex_t lock;
	pthread_cond_t cond;
	/* Requests (under lock). */
	bool want_pause, want_stop, stop_tone;
	bool waiting;            /* paused by the worker at a wait (under lock) */
	unsigned skips, repeats;
	unsigned pauses;         /* pauses that cut the sink */
	/* The worker is writing to the sink (under lock). When it is not (it
	 * mixes or synthesises), requests act on the sink at once from the
	 * caller's thread, and the worker finds them done. */
	bool writing;
	bool faded;              /* stop: the queue was faded out already */
	/* State (under lock). */
	enum session_state state;
	char device[128];
	double latency_s;
	struct sink *sink;       /* set once open; read by session_info */
	int64_t base_pos;        /* timeline position at base_played */
	int64_t base_played;     /* sink frames played at the last seek */
	int64_t heard;           /* last position computed */

	/* The mixer, made by session_start's caller while this thread opens
	 * the sink (mixer_ready under lock; mixer NULL: mixer_err says why). */
	bool mixer_ready;
	struct mixer *mixer;
	char mixer_err[256];

	enum session_result result;
	char err[256];
};

/* Timeline position heard now: what the sink has played since the last
 * seek, from where that seek went. Called with the lock held. */
static int64_t heard_pos(struct session *s)
{
	int64_t pos = s->base_pos;

	if (s->sink)
		pos += sink_played(s->sink) - s->base_played;
	if (pos > s->spec.tl->length)
		pos = s->spec.tl->length;
	s->heard = pos;
	return pos;
}

static void set_state(struct session *s, enum session_state st)
{
	pthread_mutex_lock(&s->lock);
	s->state = st;
	pthread_mutex_unlock(&s->lock);
}

/* A short falling glide with raised-cosine edges, written to the sink. */
static int write_end_tone(struct sink *sink)
{
	enum { N = (int)(END_TONE_MS * BC_RATE / 1000) };
	float tone[N];
	double ph = 0;

	for (int i = 0; i < N; i++) {
		double t = (double)i / N;
		double f = END_TONE_F0 + (END_TONE_F1 - END_TONE_F0) * t;
		double edge = 1.0;
		if (t < 0.1)
			edge = 0.5 - 0.5 * cos(M_PI * t / 0.1);
		else if (t > 0.6)
			edge = 0.5 + 0.5 * cos(M_PI * (t - 0.6) / 0.4);
		ph += 2 * M_PI * f / BC_RATE;
		tone[i] = (float)(END_TONE_GAIN * edge * sin(ph));
	}
	return sink_write(sink, tone, N);
}

/* Synthesise the next speech cue starting before upto, if any, so the mixer
 * finds it in the cache: one utterance per call, between blocks, while the
 * sink's queue (queued frames) and the device buffer play on; not while the
 * queue is short (the mixer synthesises a cue it reaches uncached itself).
 * *next walks the cues. */
static void prefetch(struct session *s, size_t *next, int64_t from, int64_t upto,
		     int64_t queued)
{
	const struct timeline *tl = s->spec.tl;
	char err[256];

	if (queued < BC_MS_TO_SAMPLES(PREFETCH_QUEUED_MS) +
		     (int64_t)(s->latency_s * (1 + 1.0 / SINK_PA_PERIODS) * BC_RATE))
		return;
	while (*next < tl->n_cues &&
	       (tl->cues[*next].kind != CUE_SPEECH ||
		tl->cues[*next].at + tl->cues[*next].len <= from))
		(*next)++;
	if (*next < tl->n_cues && tl->cues[*next].at < upto) {
		/* A failure is reported when the mixer asks for it. */
		(void)speech_get(s->spec.vs.sp, &s->spec.vs.voice,
				 tl->cues[*next].text, err, sizeof(err));
		(*next)++;
	}
}

/* The first step starting after pos, or -1. */
static int next_step(const struct timeline *tl, int64_t pos)
{
	for (size_t i = 0; i < tl->n_steps; i++)
		if (tl->steps[i].at > pos)
			return (int)i;
	return -1;
}

/* What the worker does next, after taking the requests. */
enum turn { TURN_WRITE, TURN_SKIPPED, TURN_STOP, TURN_END };

/* The worker's own state between turns. */
struct work {
	struct mixer *mx;
	struct sink *sink;
	float *buf;              /* BLOCK frames, or what a stopped sink
	                            starts with (sink_start_frames) */
	size_t cap;              /* frames buf holds */
	size_t n;                /* frames mixed in buf, 0: the end */
	unsigned skips_done, repeats_done, pauses_done;
	size_t next_speech;
	int64_t written;         /* frames written since the last seek */
	bool announced;          /* the "playing ... on" line logged */
	size_t next_wait;        /* the next of tl->waits ahead (n_waits: none) */
	bool at_wait;            /* mixed up to it: wait there */
	bool stop_tone, faded;   /* TURN_STOP: how */
};

/* The first wait at or after pos (n_waits: none, or no waiting). */
static size_t wait_from(const struct session *s, int64_t pos)
{
	const struct timeline *tl = s->spec.tl;
	size_t i = 0;

	if (s->spec.wait_ms <= 0)
		return tl->n_waits;
	while (i < tl->n_waits && tl->waits[i] < pos)
		i++;
	return i;
}

/* Mix the next block into w->buf, up to the next wait: there w->at_wait
 * is set (and w->n is 0). A stopped sink (at the start, after a pause or a
 * skip) gets what it starts with in one block: a device that takes its
 * whole first buffer in one burst then plays its first period at once. */
static void render_block(struct session *s, struct work *w)
{
	const struct timeline *tl = s->spec.tl;
	size_t frames = BLOCK, first = sink_start_frames(w->sink);

	if (first > frames) {
		frames = first;
		if (frames > w->cap) {
			w->buf = xrealloc(w->buf, frames * sizeof(float));
			w->cap = frames;
		}
	}

	if (w->next_wait < tl->n_waits) {
		int64_t left = tl->waits[w->next_wait] - mixer_pos(w->mx);

		if (left <= 0) {
			w->at_wait = true;
			w->n = 0;
			return;
		}
		if ((size_t)left < frames)
			frames = (size_t)left;
	}
	w->n = mixer_render(w->mx, w->buf, frames);
}

/* Tell the caller the state changed by itself (through end_fd). */
static void notify(struct session *s)
{
	uint64_t one = 1;

	if (s->end_fd >= 0 && write(s->end_fd, &one, sizeof(one)) < 0)
		log_errno("session: cannot signal a wait");
}

/* A sink opened ahead of its session (session_open_ahead): by whom, for
 * which device and latency. */
struct ahead {
	struct sink_opener op;
	char device[256];
	int64_t latency_ms;
	struct sink *sink;      /* NULL: none, or its open failed */
};

static const struct sink_opener *opener_of(const struct session_spec *spec)
{
	return spec->opener.open ? &spec->opener : &sink_pa_opener;
}

static bool ahead_fits(const struct ahead *a, const struct session *s)
{
	const struct sink_opener *op = opener_of(&s->spec);
	const char *dev = s->spec.cfg->audio.device;

	return a->sink && a->op.open == op->open && a->op.ctx == op->ctx &&
	       !strcmp(a->device, dev ? dev : "") && a->latency_ms == s->spec.cfg->audio.latency_ms;
}

static void close_ahead(struct ahead *a, const char *why)
{
	char err[256];

	if (!a->sink)
		return;
	log_debug("audio output opened ahead closed unused: %s", why);
	(void)sink_close(a->sink, false, err, sizeof(err));
	a->sink = NULL;
}

/* Open the sink through the spec's opener (PortAudio by default), or take
 * the one opened ahead for it, and publish it. 0 or -1 with err filled. */
static int open_sink(struct session *s, struct work *w, struct ahead *a, char *err,
		     size_t errlen)
{
	const struct config *cfg = s->spec.cfg;
	const struct sink_opener *op = opener_of(&s->spec);

	if (ahead_fits(a, s)) {
		w->sink = a->sink;
		a->sink = NULL;
	} else {
		close_ahead(a, "another device or latency");
		w->sink = op->open(op->ctx, cfg->audio.device, cfg->audio.latency_ms, err,
				   errlen);
	}
	if (!w->sink)
		return -1;
	sink_set_queue(w->sink, QUEUE_MS);
	pthread_mutex_lock(&s->lock);
	s->sink = w->sink;
	snprintf(s->device, sizeof(s->device), "%s", sink_device(w->sink));
	s->latency_s = sink_latency_ms(w->sink) / 1000;
	s->base_played = sink_played(w->sink);
	s->state = SESSION_PLAYING;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

/* The log line saying what plays where: once the stream has started (a
 * second is written), off the way to the first sound. */
static void announce(struct session *s, struct work *w)
{
	char out[300];

	if (w->announced)
		return;
	w->announced = true;
	sink_describe(w->sink, out, sizeof(out));
	log_info("playing %s on %s (%s)", s->spec.name, s->device, out);
}

/* A skip or a repeat is asked for (lock held). */
static bool seek_wanted(const struct session *s, const struct work *w)
{
	return s->skips != w->skips_done || s->repeats != w->repeats_done;
}

/* Skip to the step after what is heard now, or (repeat) back to the start
 * of the step heard now (before the first: of the timeline); a skip wins.
 * Drop what is queued (and the block mixed before) and mix on from there.
 * Lock held. Returns TURN_END when skipping past the last step. */
static enum turn skip_locked(struct session *s, struct work *w)
{
	bool skip = s->skips != w->skips_done;
	int64_t pos = heard_pos(s), at;
	int st = skip ? next_step(s->spec.tl, pos) : timeline_step_at(s->spec.tl, pos);

	w->skips_done = s->skips;
	w->repeats_done = s->repeats;
	w->pauses_done = s->pauses;
	sink_flush(w->sink);
	if (skip && st < 0) /* past the last step: that is the end */
		return TURN_END;
	at = st >= 0 ? s->spec.tl->steps[st].at : 0;
	mixer_seek(w->mx, at);
	w->next_wait = wait_from(s, at);
	w->at_wait = false;
	w->next_speech = 0;
	w->written = 0;
	s->base_pos = at;
	s->base_played = sink_played(w->sink);
	log_info("%s step %d: %s", skip ? "skipped to" : "again from the start of",
		 st + 1, st >= 0 ? s->spec.tl->steps[st].name : "(the beginning)");
	return TURN_SKIPPED;
}

/* Resumed after a pause, which dropped what was queued: mix on from the
 * last sample heard (nothing lost, nothing repeated). Lock held. */
static enum turn resume_locked(struct session *s, struct work *w)
{
	int64_t pos = heard_pos(s);

	w->pauses_done = s->pauses;
	sink_flush(w->sink); /* what a block under way left after the cut */
	mixer_seek(w->mx, pos);
	w->next_speech = 0;
	w->written = 0;
	s->base_pos = pos;
	s->base_played = sink_played(w->sink);
	return TURN_SKIPPED;
}

/* Take the requests: wait while paused, resume, skip, or stop. A request
 * that came while we mixed or synthesised was carried out on the sink by
 * the caller already (see session_stop); we finish it. */
static enum turn take_requests(struct session *s, struct work *w)
{
	enum turn t = TURN_WRITE;

	pthread_mutex_lock(&s->lock);
	heard_pos(s);
	while (s->want_pause && !s->want_stop && !seek_wanted(s, w)) {
		if (s->state != SESSION_PAUSED) {
			if (!sink_paused(w->sink)) {
				sink_pause(w->sink);
				s->pauses++;
			}
			s->state = SESSION_PAUSED;
		}
		pthread_cond_wait(&s->cond, &s->lock);
	}
	/* Resumed (maybe by the caller already), or stopping: the sink may
	 * have been paused by either of us. */
	if (!s->want_pause || s->want_stop) {
		if (sink_paused(w->sink))
			sink_resume(w->sink);
		if (s->state == SESSION_PAUSED)
			s->state = SESSION_PLAYING;
	}
	w->stop_tone = s->stop_tone;
	w->faded = s->faded;
	if (s->want_stop)
		t = TURN_STOP;
	else if (seek_wanted(s, w))
		t = skip_locked(s, w);
	else if (s->pauses != w->pauses_done)
		t = resume_locked(s, w);
	s->writing = t == TURN_WRITE;
	pthread_mutex_unlock(&s->lock);
	return t;
}

/* Stopping: fade what is queued (unless the caller did), then the end
 * tone. Returns whether close should drain (ok) rather than fade again. */
static bool stop_sink(struct session *s, struct work *w, char *err,
		      size_t errlen)
{
	set_state(s, SESSION_ENDING);
	if (!w->stop_tone) {
		/* close(ok = false) fades out quickly; a queue faded already
		 * is drained instead (a second fade would start again from
		 * full level). */
		return w->faded;
	}
	if (!w->faded)
		sink_fade(w->sink);
	if (write_end_tone(w->sink) < 0)
		snprintf(err, errlen, "audio: %s", sink_error(w->sink));
	return true;
}

/* Write the block mixed last, then mix the next one (synthesising speech
 * ahead between blocks). 0, or -1 with err filled: the device is gone. */
static int write_block(struct session *s, struct work *w, char *err,
		       size_t errlen)
{
	int wr = sink_write(w->sink, w->buf, w->n);

	pthread_mutex_lock(&s->lock);
	s->writing = false;
	pthread_mutex_unlock(&s->lock);
	if (wr < 0) {
		snprintf(err, errlen, "audio: %s", sink_error(w->sink));
		return -1;
	}
	w->written += (int64_t)w->n;
	if (w->written >= BC_MS_TO_SAMPLES(1000))
		announce(s, w);
	if (!sink_alive(w->sink)) {
		snprintf(err, errlen, "audio: the device or sound server went away");
		return -1;
	}
	prefetch(s, &w->next_speech, mixer_pos(w->mx),
		 mixer_pos(w->mx) + BC_MS_TO_SAMPLES(LOOKAHEAD_MS),
		 w->written - (sink_played(w->sink) - s->base_played));
	render_block(s, w);
	return 0;
}

/* Wait on the session's condition for at most ms (lock held). */
static void wait_ms(struct session *s, long ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += ms * 1000000;
	ts.tv_sec += ts.tv_nsec / 1000000000;
	ts.tv_nsec %= 1000000000;
	pthread_cond_timedwait(&s->cond, &s->lock, &ts);
}

/* The timeline is all written: let the queue (up to QUEUE_MS) play out
 * while pause, skip and stop still act on it, as they do during the
 * routine. Returns TURN_END once played out (or when the sink stopped
 * playing: close drains the rest), TURN_SKIPPED or TURN_STOP. */
static enum turn drain_tail(struct session *s, struct work *w)
{
	int64_t last = -1;
	double since = util_now();
	enum turn t = TURN_END;

	sink_idle(w->sink); /* running dry from here is not an underflow */
	pthread_mutex_lock(&s->lock);
	for (;;) {
		int64_t played = sink_played(w->sink) - s->base_played;

		heard_pos(s);
		w->stop_tone = s->stop_tone;
		w->faded = s->faded;
		if (s->want_stop) {
			t = TURN_STOP;
			break;
		}
		if (seek_wanted(s, w)) {
			t = skip_locked(s, w);
			break;
		}
		if (s->want_pause) {
			if (s->state != SESSION_PAUSED) {
				if (!sink_paused(w->sink)) {
					sink_pause(w->sink);
					s->pauses++;
				}
				s->state = SESSION_PAUSED;
			}
			pthread_cond_wait(&s->cond, &s->lock);
			since = util_now();
			continue;
		}
		if (sink_paused(w->sink))
			sink_resume(w->sink);
		if (s->state == SESSION_PAUSED)
			s->state = SESSION_PLAYING;
		if (s->pauses != w->pauses_done) {
			t = resume_locked(s, w);
			break;
		}
		if (played >= w->written)
			break;
		if (played != last) {
			last = played;
			since = util_now();
		} else if (util_now() - since > TAIL_STALL_MS / 1000.0) {
			break;
		}
		/* Until it should have played out (a request wakes us). */
		wait_ms(s, 10 + (long)BC_SAMPLES_TO_MS(w->written - played < BC_MS_TO_SAMPLES(TAIL_STALL_MS / 2)
							   ? w->written - played : BC_MS_TO_SAMPLES(TAIL_STALL_MS / 2)));
	}
	pthread_mutex_unlock(&s->lock);
	return t;
}

/* At a wait: let what is queued play out (pause, skip and stop acting on
 * it as ever), then pause until resumed, skipped or stopped, or until
 * wait_ms has passed. Returns TURN_SKIPPED (mix on from here), or what
 * the queue's end brought (a skip, a stop). */
static enum turn wait_here(struct session *s, struct work *w)
{
	enum turn t = drain_tail(s, w);
	struct timespec deadline;
	double since = util_now();
	bool timed_out = false;

	if (t != TURN_END)
		return t;
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += (time_t)(s->spec.wait_ms / 1000);
	deadline.tv_nsec += (long)(s->spec.wait_ms % 1000) * 1000000;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&s->lock);
	heard_pos(s);
	s->want_pause = s->waiting = true;
	sink_pause(w->sink);
	s->state = SESSION_PAUSED;
	pthread_mutex_unlock(&s->lock);
	notify(s);
	log_info("%s: waiting for you (at most %.0f s)", s->spec.name,
		 (double)s->spec.wait_ms / 1000);
	pthread_mutex_lock(&s->lock);
	while (s->want_pause && !s->want_stop && !seek_wanted(s, w))
		if (pthread_cond_timedwait(&s->cond, &s->lock, &deadline) == ETIMEDOUT &&
		    s->want_pause && !s->want_stop && !seek_wanted(s, w)) {
			s->want_pause = false;
			timed_out = true;
		}
	/* However it ended (play, a skip, the time), the wait's pause ends
	 * with it. */
	s->waiting = false;
	s->want_pause = false;
	if (!s->want_pause || s->want_stop) {
		if (sink_paused(w->sink))
			sink_resume(w->sink);
		if (s->state == SESSION_PAUSED)
			s->state = SESSION_PLAYING;
	}
	pthread_mutex_unlock(&s->lock);
	notify(s);
	log_info("%s: waited %.0f s%s", s->spec.name, util_now() - since,
		 timed_out ? ", and carried on by itself" : "");
	w->at_wait = false;
	w->next_wait++;
	return TURN_SKIPPED;
}

/* Play until the end, a stop or a failure. *ok: close should drain. */
static enum session_result play(struct session *s, struct work *w, bool *ok,
				char *err, size_t errlen)
{
	for (;;) {
		enum turn t = w->at_wait ? wait_here(s, w)
			      : w->n == 0 ? drain_tail(s, w) : take_requests(s, w);

		switch (t) {
		case TURN_END:
			*ok = true;
			return SESSION_DONE;
		case TURN_SKIPPED:
			render_block(s, w);
			continue;
		case TURN_STOP:
			*ok = stop_sink(s, w, err, errlen);
			return SESSION_STOPPED;
		case TURN_WRITE:
			break;
		}
		if (write_block(s, w, err, errlen) < 0)
			return SESSION_FAILED;
	}
}

/* Close the sink: drain what is queued (the end tone, the routine's tail)
 * so it is heard; on failure, throw it away. */
static enum session_result close_sink(struct session *s, struct work *w,
				      bool ok, enum session_result res,
				      char *err, size_t errlen)
{
	char cerr[200];

	announce(s, w);
	pthread_mutex_lock(&s->lock);
	heard_pos(s);
	s->sink = NULL;
	pthread_mutex_unlock(&s->lock);
	/* What was heard wrong, by every measure the path has (sink.h): the
	 * underflow flags and queue underruns, and the dropouts. */
	{
		char out[300], drops[200], rt[200];

		sink_describe(w->sink, out, sizeof(out));
		sink_describe_dropouts(w->sink, drops, sizeof(drops));
		rt_describe(rt, sizeof(rt));
		log_info("%s on %s: %u output underflows, dropouts: %s; output: %s; realtime: %s",
			 s->spec.name, s->device, sink_underflows(w->sink), drops, out, rt);
	}
	/* Drained: running dry is no underflow, and a stream holding less
	 * than it starts with (an end tone after a stop) starts now. Not
	 * drained (ok false): close fades out what is there. */
	if (ok)
		sink_idle(w->sink);
	if (sink_close(w->sink, ok, cerr, sizeof(cerr)) < 0 && ok &&
	    res != SESSION_STOPPED) {
		snprintf(err, errlen, "audio: %s", cerr);
		res = SESSION_FAILED;
	}
	w->sink = NULL;
	return res;
}

/* Play s, with the sink a opened ahead if it fits (a may be NULL). */
static void *run(struct session *s, struct ahead *a)
{
	struct ahead none = { .sink = NULL };
	struct work *w = xcalloc(1, sizeof(*w));
	char err[256] = "";
	bool ok = false, opened;
	enum session_result res = SESSION_FAILED;

	/* Named for make bench (bench/bench_playing.sh counts its wakeups). */
	pthread_setname_np(pthread_self(), "bc-feed");
	w->cap = BLOCK;
	w->buf = xmalloc(w->cap * sizeof(float));
	/* The sink opens (a round trip to the sound server, most of the way to
	 * the first sound) while session_start's caller makes the mixer. */
	opened = open_sink(s, w, a ? a : &none, err, sizeof(err)) == 0;
	pthread_mutex_lock(&s->lock);
	while (!s->mixer_ready)
		pthread_cond_wait(&s->cond, &s->lock);
	w->mx = s->mixer;
	s->mixer = NULL;
	pthread_mutex_unlock(&s->lock);
	/* The synthesiser is this session's from here on (session_start). */
	speech_set_cache_budget(s->spec.vs.sp, SESSION_CACHE_BUDGET);
	if (!w->mx) {
		snprintf(err, sizeof(err), "%s", s->mixer_err);
		if (opened) {
			char cerr[256];

			pthread_mutex_lock(&s->lock);
			s->sink = NULL;
			pthread_mutex_unlock(&s->lock);
			sink_close(w->sink, false, cerr, sizeof(cerr));
			w->sink = NULL;
		}
	} else if (opened) {
		/* The first block mixed before the stream starts (the sink
		 * starts it once its start burst is queued), so the first cue
		 * is there the moment the device runs. */
		w->next_wait = wait_from(s, 0);
		render_block(s, w);
		res = play(s, w, &ok, err, sizeof(err));
		if (res != SESSION_FAILED)
			set_state(s, SESSION_ENDING);
		res = close_sink(s, w, ok, res, err, sizeof(err));
	} else {
		res = SESSION_NO_OUTPUT;
	}
	mixer_free(w->mx);
	free(w->buf);
	free(w);
	pthread_mutex_lock(&s->lock);
	s->result = res;
	snprintf(s->err, sizeof(s->err), "%s", err[0] ? err : "failed");
	s->state = SESSION_ENDED;
	pthread_mutex_unlock(&s->lock);
	uint64_t one = 1;
	if (s->end_fd >= 0 && write(s->end_fd, &one, sizeof(one)) < 0)
		log_errno("session: cannot signal its end");
	return NULL;
}

static void *worker(void *arg)
{
	return run(arg, NULL);
}

/* The next session's thread, made ahead (session_prepare, and at the end
 * of each session), so that a trigger creates no thread on its way to the
 * first sound: it waits, asleep, until session_start hands it a session,
 * plays that one and ends (session_join joins it). */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool ready;              /* a thread waits */
	bool rt;                 /* made realtime ahead (session_prepare) */
	pthread_t thread;
	struct session *next;    /* handed over */
	/* session_open_ahead: asked (ahead_req, what in ahead), and taken
	 * by the thread until its session comes or the wait is over. */
	bool ahead_req, ahead_busy;
	struct ahead ahead;
} spare = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

/* Opened ahead, the sink waits this long for its session, then closes. */
#define AHEAD_WAIT_MS 2000

static void *spare_main(void *arg)
{
	struct session *s;
	struct ahead a = { .sink = NULL };

	/* Realtime ahead (it is the feeding thread): on a busy machine the
	 * trigger then wakes it at once, and no D-Bus round trip to rtkit
	 * lies on the way to the first sound. */
	if (arg)
		(void)rt_thread(gettid(), "feeding");
	pthread_mutex_lock(&spare.lock);
	for (;;) {
		struct timespec until;
		char err[256];

		while (!spare.next && !spare.ahead_req)
			pthread_cond_wait(&spare.cond, &spare.lock);
		if (spare.next)
			break; /* came first: session_start dropped the request */
		/* A start is on its way: open its sink now, while the caller
		 * works out what it plays. */
		a = spare.ahead;
		spare.ahead_req = false;
		spare.ahead_busy = true;
		pthread_mutex_unlock(&spare.lock);
		a.sink = a.op.open(a.op.ctx, a.device, a.latency_ms, err, sizeof(err));
		if (!a.sink)
			log_debug("audio output opened ahead: %s", err);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += AHEAD_WAIT_MS / 1000;
		pthread_mutex_lock(&spare.lock);
		while (!spare.next &&
		       pthread_cond_timedwait(&spare.cond, &spare.lock, &until) != ETIMEDOUT)
			;
		spare.ahead_busy = false;
		if (spare.next)
			break;
		/* The start did not come (refused, or another's): closed,
		 * as an idle daemon's device is. */
		pthread_mutex_unlock(&spare.lock);
		close_ahead(&a, "no session came");
		pthread_mutex_lock(&spare.lock);
	}
	s = spare.next;
	spare.next = NULL;
	pthread_mutex_unlock(&spare.lock);
	return run(s, &a);
}

void session_open_ahead(const struct sink_opener *opener, const char *device,
			int64_t latency_ms)
{
	pthread_mutex_lock(&spare.lock);
	if (spare.ready && !spare.next && !spare.ahead_req && !spare.ahead_busy) {
		spare.ahead = (struct ahead){ .op = opener && opener->open ? *opener : sink_pa_opener,
					      .latency_ms = latency_ms };
		snprintf(spare.ahead.device, sizeof(spare.ahead.device), "%s",
			 device ? device : "");
		spare.ahead_req = true;
		pthread_cond_signal(&spare.cond);
	}
	pthread_mutex_unlock(&spare.lock);
}

/* Create a thread running fn(arg) that takes no signals (they all go to the
 * main thread's signalfd; PortAudio's threads it starts inherit that). */
static int create_thread(pthread_t *t, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	int e;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	e = pthread_create(t, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return e;
}

static void prepare(void)
{
	static int rt_on = 1;

	pthread_mutex_lock(&spare.lock);
	if (!spare.ready &&
	    create_thread(&spare.thread, spare_main, spare.rt ? &rt_on : NULL) == 0)
		spare.ready = true;
	pthread_mutex_unlock(&spare.lock);
}

void session_prepare(bool realtime)
{
	pthread_mutex_lock(&spare.lock);
	spare.rt = realtime;
	pthread_mutex_unlock(&spare.lock);
	prepare();
}

struct session *session_start(const struct session_spec *spec, int end_fd,
			      char *err, size_t errlen)
{
	struct session *s = xcalloc(1, sizeof(*s));
	int e = 0;

	s->spec = *spec;
	s->end_fd = end_fd;
	s->state = SESSION_STARTING;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	pthread_mutex_lock(&spare.lock);
	if (spare.ready) {
		s->thread = spare.thread;
		spare.ready = false;
		spare.next = s;
		spare.ahead_req = false; /* this is the start it was for */
		pthread_cond_signal(&spare.cond);
	} else {
		e = create_thread(&s->thread, worker, s);
	}
	pthread_mutex_unlock(&spare.lock);
	if (e) {
		snprintf(err, errlen, "cannot start the playback thread: %s",
			 strerror(e));
		pthread_cond_destroy(&s->cond);
		pthread_mutex_destroy(&s->lock);
		free(s);
		return NULL;
	}
	/* The mixer, here, while the thread opens the sink; the thread waits
	 * for it before anything else touches the synthesiser. */
	{
		char merr[256] = "";
		struct mixer *mx = mixer_new(s->spec.tl, s->spec.cfg, voice_speech_source(&s->spec.vs),
					     merr, sizeof(merr));

		pthread_mutex_lock(&s->lock);
		s->mixer = mx;
		snprintf(s->mixer_err, sizeof(s->mixer_err), "%s", merr);
		s->mixer_ready = true;
		pthread_cond_broadcast(&s->cond);
		pthread_mutex_unlock(&s->lock);
	}
	return s;
}

void session_pause(struct session *s, bool pause)
{
	pthread_mutex_lock(&s->lock);
	/* At once, whatever the worker does (a write under way returns: the
	 * sink drops what is written while paused). Pausing silences the
	 * sink and drops its queue; resumed, the worker mixes on from the
	 * last sample heard. */
	if (s->sink && !s->want_stop && pause != s->want_pause) {
		if (pause) {
			sink_pause(s->sink);
			s->pauses++;
		} else {
			sink_resume(s->sink);
		}
	}
	s->want_pause = pause;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

bool session_paused(const struct session *s)
{
	struct session *m = (struct session *)s;
	bool p;

	pthread_mutex_lock(&m->lock);
	p = m->want_pause;
	pthread_mutex_unlock(&m->lock);
	return p;
}

void session_skip(struct session *s)
{
	pthread_mutex_lock(&s->lock);
	s->skips++;
	/* Drop what is queued now (the rest of a block being written goes
	 * too); the worker mixes on from the next step. */
	if (s->sink && !s->want_stop)
		sink_flush(s->sink);
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

void session_repeat(struct session *s)
{
	pthread_mutex_lock(&s->lock);
	s->repeats++;
	/* As session_skip. */
	if (s->sink && !s->want_stop)
		sink_flush(s->sink);
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

void session_stop(struct session *s, bool tone)
{
	pthread_mutex_lock(&s->lock);
	if (!s->want_stop) {
		s->stop_tone = tone;
		/* Cut now, whatever the worker does (the rest of a block
		 * being written goes too): silent at once even while it
		 * synthesises a long utterance. */
		if (s->sink) {
			sink_fade(s->sink);
			s->faded = true;
		}
	}
	s->want_stop = true;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

void session_info(const struct session *cs, struct session_info *info)
{
	struct session *s = (struct session *)cs;

	pthread_mutex_lock(&s->lock);
	memset(info, 0, sizeof(*info));
	info->state = s->state;
	if (info->state == SESSION_PLAYING && s->want_pause)
		info->state = SESSION_PAUSED;
	info->stopping = s->want_stop;
	info->waiting = s->waiting && !s->want_stop;
	info->pos = s->sink ? heard_pos(s) : s->heard;
	info->step = timeline_step_at(s->spec.tl, info->pos);
	snprintf(info->device, sizeof(info->device), "%s", s->device);
	info->latency_s = s->latency_s;
	info->underflows = s->sink ? sink_underflows(s->sink) : 0;
	if (s->sink) {
		sink_describe(s->sink, info->output, sizeof(info->output));
		sink_describe_dropouts(s->sink, info->dropouts, sizeof(info->dropouts));
	}
	rt_describe(info->realtime, sizeof(info->realtime));
	pthread_mutex_unlock(&s->lock);
}

enum session_result session_join(struct session *s, int64_t *heard, char *err,
				 size_t errlen)
{
	enum session_result res;

	pthread_join(s->thread, NULL);
	prepare(); /* the next one's thread, now */
	res = s->result;
	if (heard)
		*heard = s->heard;
	if (err && errlen)
		snprintf(err, errlen, "%s", s->err);
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->lock);
	free(s);
	return res;
}
