/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sink_null.c: the clocked null sink: a pretend device that consumes what is
 * written at a set pace and records it, so sessions and the daemon can be
 * tested in-process without a sound server.
 *
 * There is no callback thread: whoever calls in first brings the clock up
 * to date (consume), moving what real time (times speed) has played from
 * the queue to the record. Writers that must wait for room, and drain, wait
 * on a condition variable with a timeout of the time that takes. */
#include "audio/sink.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/audio.h"
#include "base/util.h"

#define DEFAULT_QUEUE_MS 2000

struct null_sink {
	struct sink base;
	struct sink_null_opts o;
	struct sink_null_record *rec;
	struct sink_null_record own;  /* when the caller keeps none */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	float *q;                     /* queued: q[head..len) */
	size_t head, len, cap;
	int64_t queue_max;            /* samples */
	double last;                  /* util_now() the clock last moved */
	double carry;                 /* fractional samples not consumed yet */
	bool running, paused, idle, lost, dry;
	bool started;                 /* written to since the open, a pause, a
	                                 flush or a drain (start_frames) */
	int64_t played;
	unsigned underflows;
	char error[128];
};

static struct null_sink *ns_of(const struct sink *s)
{
	return (struct null_sink *)s;
}

static size_t queued(const struct null_sink *n)
{
	return n->len - n->head;
}

static void record(struct null_sink *n, const float *x, size_t k)
{
	struct sink_null_record *r = n->rec;

	if (k == 0) /* x may be NULL then: nothing to copy */
		return;
	if (r->n + k > r->cap) { /* doubling: a session records minutes */
		r->cap = r->n + k > 2 * r->cap ? r->n + k : 2 * r->cap;
		r->samples = xrealloc(r->samples, r->cap * sizeof(float));
	}
	memcpy(r->samples + r->n, x, k * sizeof(float));
	r->n += k;
}

/* Bring the clock up to now: what has played moves to the record. Lock
 * held. */
static void consume(struct null_sink *n)
{
	double now = util_now();
	double due = n->o.speed > 0 ? (now - n->last) * BC_RATE * n->o.speed + n->carry
				    : (double)queued(n);
	size_t k, want;

	n->last = now;
	if (!n->running || n->paused || n->lost) {
		n->carry = 0;
		return;
	}
	want = (size_t)due;
	n->carry = n->o.speed > 0 ? due - (double)want : 0;
	k = want < queued(n) ? want : queued(n);
	if (n->o.fail_after > 0 && n->played + (int64_t)k >= n->o.fail_after) {
		k = (size_t)(n->o.fail_after - n->played);
		n->lost = true;
		pthread_cond_broadcast(&n->cond);
	}
	record(n, n->q + n->head, k);
	n->head += k;
	n->played += (int64_t)k;
	if (want > k && !n->idle && !n->lost) {
		if (!n->dry)
			n->underflows++;
		n->dry = true;
	} else if (k > 0) {
		n->dry = false;
	}
	if (k > 0)
		pthread_cond_broadcast(&n->cond);
}

/* Wait until woken or until k samples could have played. Lock held. */
static void wait_for(struct null_sink *n, size_t k)
{
	struct timespec ts;
	double s = n->o.speed > 0 ? (double)k / (BC_RATE * n->o.speed) : 0;

	if (s > 0.05)
		s = 0.05; /* look again at least every 50 ms */
	if (s < 0.001)
		s = 0.001;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_nsec += (long)(s * 1e9);
	ts.tv_sec += ts.tv_nsec / 1000000000;
	ts.tv_nsec %= 1000000000;
	pthread_cond_timedwait(&n->cond, &n->lock, &ts);
	consume(n);
}

static int lost_error(struct null_sink *n)
{
	snprintf(n->error, sizeof(n->error), "the device went away (null sink)");
	return -1;
}

static int null_write(struct sink *s, const float *buf, size_t frames)
{
	struct null_sink *n = ns_of(s);
	int ret = 0;

	pthread_mutex_lock(&n->lock);
	consume(n);
	if (n->lost) {
		ret = lost_error(n);
		goto out;
	}
	if (n->paused) { /* dropped, as a paused device does */
		n->rec->written += (int64_t)frames;
		n->rec->dropped += (int64_t)frames;
		n->rec->writes++;
		goto out;
	}
	if (n->head > 0 && n->head == n->len)
		n->head = n->len = 0;
	if (n->len + frames > n->cap) {
		if (n->head > 0) /* never memmove(NULL, ...) on the first write */
			memmove(n->q, n->q + n->head, queued(n) * sizeof(float));
		n->len -= n->head;
		n->head = 0;
		if (n->len + frames > n->cap) {
			n->cap = n->len + frames + BC_RATE;
			n->q = xrealloc(n->q, n->cap * sizeof(float));
		}
	}
	memcpy(n->q + n->len, buf, frames * sizeof(float));
	n->len += frames;
	n->rec->written += (int64_t)frames;
	n->rec->writes++;
	if (!n->started) {
		n->started = true;
		if (!n->rec->starts++)
			n->rec->first_start = frames;
		n->rec->last_start = frames;
	}
	if (!n->running)
		n->last = util_now();
	n->running = true;
	n->idle = false;
	consume(n);
	while (!n->lost && !n->paused && (int64_t)queued(n) > n->queue_max)
		wait_for(n, queued(n) - (size_t)n->queue_max);
	if (n->lost)
		ret = lost_error(n);
out:
	pthread_mutex_unlock(&n->lock);
	return ret;
}

static const char *null_error(const struct sink *s)
{
	return ns_of(s)->error;
}

static void drop(struct null_sink *n, size_t keep);

/* As a device's: silent at once, the queue dropped (played stays at what
 * was heard), writes dropped until resume. */
static void null_pause(struct sink *s)
{
	struct null_sink *n = ns_of(s);

	pthread_mutex_lock(&n->lock);
	consume(n);
	drop(n, 0);
	n->paused = true;
	n->started = false;
	n->rec->pauses++;
	pthread_mutex_unlock(&n->lock);
}

static void null_resume(struct sink *s)
{
	struct null_sink *n = ns_of(s);

	pthread_mutex_lock(&n->lock);
	consume(n); /* paused: moves the clock on, consumes nothing */
	n->paused = false;
	n->rec->resumes++;
	pthread_cond_broadcast(&n->cond);
	pthread_mutex_unlock(&n->lock);
}

static bool null_paused(const struct sink *s)
{
	struct null_sink *n = ns_of(s);
	bool p;

	pthread_mutex_lock(&n->lock);
	p = n->paused;
	pthread_mutex_unlock(&n->lock);
	return p;
}

static void drop(struct null_sink *n, size_t keep)
{
	n->rec->dropped += (int64_t)(queued(n) - keep);
	n->len = n->head + keep;
	pthread_cond_broadcast(&n->cond);
}

static void null_flush(struct sink *s)
{
	struct null_sink *n = ns_of(s);

	pthread_mutex_lock(&n->lock);
	consume(n);
	drop(n, 0);
	n->started = false;
	n->rec->flushes++;
	pthread_mutex_unlock(&n->lock);
}

/* What is queued fades to silence over SINK_FADE_MS; the rest goes. Lock
 * held. */
static void fade_locked(struct null_sink *n)
{
	size_t len = (size_t)BC_MS_TO_SAMPLES(SINK_FADE_MS), keep;

	consume(n);
	keep = queued(n) < len ? queued(n) : len;
	for (size_t i = 0; i < keep; i++)
		n->q[n->head + i] *= 1.0f - (float)(i + 1) / (float)len;
	drop(n, keep);
	n->rec->fades++;
}

static void null_fade(struct sink *s)
{
	struct null_sink *n = ns_of(s);

	pthread_mutex_lock(&n->lock);
	fade_locked(n);
	pthread_mutex_unlock(&n->lock);
}

static int drain_locked(struct null_sink *n)
{
	while (!n->lost && queued(n) > 0 && !n->paused)
		wait_for(n, queued(n));
	n->running = false;
	n->started = false;
	return n->lost ? lost_error(n) : 0;
}

static int null_drain(struct sink *s)
{
	struct null_sink *n = ns_of(s);
	int ret;

	pthread_mutex_lock(&n->lock);
	consume(n);
	n->rec->drains++;
	ret = drain_locked(n);
	pthread_mutex_unlock(&n->lock);
	return ret;
}

static int64_t null_played(const struct sink *s)
{
	struct null_sink *n = ns_of(s);
	int64_t p;

	pthread_mutex_lock(&n->lock);
	consume(n);
	p = n->played;
	pthread_mutex_unlock(&n->lock);
	return p;
}

static void null_idle(struct sink *s)
{
	struct null_sink *n = ns_of(s);

	pthread_mutex_lock(&n->lock);
	consume(n);
	n->idle = true;
	n->rec->idles++;
	pthread_mutex_unlock(&n->lock);
}

static bool null_alive(struct sink *s)
{
	struct null_sink *n = ns_of(s);
	bool alive;

	pthread_mutex_lock(&n->lock);
	consume(n);
	alive = !n->lost;
	pthread_mutex_unlock(&n->lock);
	return alive;
}

static void null_set_queue(struct sink *s, int64_t queue_ms)
{
	struct null_sink *n = ns_of(s);

	pthread_mutex_lock(&n->lock);
	n->queue_max = BC_MS_TO_SAMPLES(queue_ms);
	pthread_mutex_unlock(&n->lock);
}

static size_t null_start_frames(const struct sink *s)
{
	struct null_sink *n = ns_of(s);
	size_t k;

	pthread_mutex_lock(&n->lock);
	k = n->started || n->paused ? 0 : n->o.start_frames;
	pthread_mutex_unlock(&n->lock);
	return k;
}

static unsigned null_underflows(const struct sink *s)
{
	struct null_sink *n = ns_of(s);
	unsigned u;

	pthread_mutex_lock(&n->lock);
	u = n->underflows;
	pthread_mutex_unlock(&n->lock);
	return u;
}

static const char *null_device(const struct sink *s)
{
	(void)s;
	return "null";
}

static double null_latency_ms(const struct sink *s)
{
	(void)s;
	return 0;
}

static int null_close(struct sink *s, bool ok, char *err, size_t errlen)
{
	struct null_sink *n = ns_of(s);
	int ret = 0;

	pthread_mutex_lock(&n->lock);
	consume(n);
	if (ok) {
		n->paused = false;
		ret = drain_locked(n);
		if (ret < 0 && err)
			snprintf(err, errlen, "%s", n->error);
	} else if (n->lost) {
		drop(n, 0);
	} else {
		/* As a device does: a quick fade, played out at once. */
		fade_locked(n);
		record(n, n->q + n->head, queued(n));
		n->played += (int64_t)queued(n);
		n->head = n->len;
	}
	n->rec->closed_ok = ok;
	n->rec->closes++;
	pthread_mutex_unlock(&n->lock);
	if (n->rec == &n->own)
		sink_null_record_free(&n->own);
	pthread_cond_destroy(&n->cond);
	pthread_mutex_destroy(&n->lock);
	free(n->q);
	free(n);
	return ret;
}

static const struct sink_ops null_ops = {
	.name = "null",
	.write = null_write,
	.close = null_close,
	.error = null_error,
	.pause = null_pause,
	.resume = null_resume,
	.paused = null_paused,
	.flush = null_flush,
	.fade = null_fade,
	.drain = null_drain,
	.played = null_played,
	.idle = null_idle,
	.alive = null_alive,
	.set_queue = null_set_queue,
	.start_frames = null_start_frames,
	.underflows = null_underflows,
	.device = null_device,
	.latency_ms = null_latency_ms,
};

struct sink *sink_null_open(const struct sink_null_opts *o,
			    struct sink_null_record *rec, char *err,
			    size_t errlen)
{
	struct null_sink *n;
	pthread_condattr_t ca;

	if (o && o->open_error) {
		snprintf(err, errlen, "%s", o->open_error);
		return NULL;
	}
	n = xcalloc(1, sizeof(*n));
	n->base.ops = &null_ops;
	if (o)
		n->o = *o;
	n->rec = rec ? rec : &n->own;
	n->rec->opens++;
	n->queue_max = BC_MS_TO_SAMPLES(DEFAULT_QUEUE_MS);
	n->last = util_now();
	pthread_mutex_init(&n->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&n->cond, &ca);
	pthread_condattr_destroy(&ca);
	return &n->base;
}

static struct sink *opener_open(void *ctx, const char *device,
				int64_t latency_ms, char *err, size_t errlen)
{
	struct sink_null_ctx *c = ctx;

	(void)device;
	(void)latency_ms;
	if (c->opts.open_error) {
		c->rec.opens++;
		snprintf(err, errlen, "%s", c->opts.open_error);
		return NULL;
	}
	return sink_null_open(&c->opts, &c->rec, err, errlen);
}

struct sink_opener sink_null_opener(struct sink_null_ctx *ctx)
{
	return (struct sink_opener){ .open = opener_open, .ctx = ctx };
}

void sink_null_record_free(struct sink_null_record *rec)
{
	free(rec->samples);
	memset(rec, 0, sizeof(*rec));
}
