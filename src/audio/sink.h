/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sink.h: where mixed samples go: a sound file, a PortAudio device
 * (sink_pa.h), or the clocked null sink that tests play into.
 *
 * One interface for all: write, close and error are every sink's; the live
 * controls (pause, resume, flush, fade, drain, played position, idle,
 * alive, queue depth, device name, latency) are the contract a session
 * plays against. A sink without a control leaves its op NULL and the
 * sink_* functions below do the obvious thing (a file cannot be paused; it
 * has played what was written).
 *
 * Threads: write, drain and close run on one writing thread; pause,
 * resume, flush, fade, idle and the queries are safe from any thread on a
 * live sink. close must not race write. */
#ifndef BC_SINK_H
#define BC_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct sink;

struct sink_ops {
	const char *name;
	/* Write frames mono samples at BC_RATE, blocking until accepted.
	 * Returns 0, or -1 with the sink's error set. */
	int (*write)(struct sink *s, const float *buf, size_t frames);
	/* Finish: ok = true commits (file: renamed into place; device:
	 * drained), ok = false discards (file: removed; device: a quick fade).
	 * Frees s. Returns 0 or -1. */
	int (*close)(struct sink *s, bool ok, char *err, size_t errlen);
	/* Last error text of a failed write. */
	const char *(*error)(const struct sink *s);

	/* ---- live controls (NULL: see the sink_* defaults) ---- */
	/* Pause: silence at once; what is queued (and what the device
	 * holds) is dropped, played() stays at the last sample heard, and
	 * writes are dropped (they return at once) until resume. The writer
	 * then goes on from played(): nothing lost, nothing repeated. */
	void (*pause)(struct sink *s);
	void (*resume)(struct sink *s);
	bool (*paused)(const struct sink *s);
	/* Drop what is queued now at once (skip). */
	void (*flush)(struct sink *s);
	/* Stop: what is queued ends now (a device: cut at once; the null
	 * sink: faded over SINK_FADE_MS) and the rest is dropped; audio
	 * written after plays normally (an end tone). */
	void (*fade)(struct sink *s);
	/* Writing thread: play out what is queued, then stop until the next
	 * write. 0 or -1 with the error set (device lost). */
	int (*drain)(struct sink *s);
	/* Samples of written audio played (heard) so far: flushed, faded-away
	 * or cut ones are not counted. */
	int64_t (*played)(const struct sink *s);
	/* No more audio for now: running dry is not an underflow (a device
	 * holding less than it starts with plays it now). */
	void (*idle)(struct sink *s);
	/* Still usable? False once the device or sound server went away. */
	bool (*alive)(struct sink *s);
	/* Queue up to queue_ms ahead (before the first write). */
	void (*set_queue)(struct sink *s, int64_t queue_ms);
	/* Frames a stopped sink wants written at once before it starts (at
	 * the open, after a pause or a skip): a device that takes its whole
	 * first buffer in one burst starts with all of it queued, and the
	 * writer mixes that much in one go instead of block by block. 0:
	 * playing, paused, or any amount will do. */
	size_t (*start_frames)(const struct sink *s);
	unsigned (*underflows)(const struct sink *s);
	/* For `status`: what it plays on, and the output latency. */
	const char *(*device)(const struct sink *s);
	double (*latency_ms)(const struct sink *s);
	/* For `status` (output:): what it plays on, in words ("PipeWire
	 * 0.3.65 through pulse, 100 ms"). NULL: device and latency. */
	void (*describe)(const struct sink *s, char *buf, size_t len);
	/* Gaps heard although the queue was not empty (dropouts: the device
	 * or server played something else): count and total length. false:
	 * the sink cannot observe them. NULL: cannot observe them. */
	bool (*dropouts)(const struct sink *s, unsigned *count, double *ms);
	/* What the path hides from that count, in words, or NULL. */
	const char *(*dropouts_unseen)(const struct sink *s);
};

struct sink {
	const struct sink_ops *ops;
};

/* The fade of sink_fade (and of close(ok = false) on a device). */
#define SINK_FADE_MS 50

static inline int sink_write(struct sink *s, const float *buf, size_t frames)
{
	return s->ops->write(s, buf, frames);
}
static inline int sink_close(struct sink *s, bool ok, char *err, size_t errlen)
{
	return s->ops->close(s, ok, err, errlen);
}
static inline const char *sink_error(const struct sink *s)
{
	return s->ops->error(s);
}
void sink_pause(struct sink *s);
void sink_resume(struct sink *s);
bool sink_paused(const struct sink *s);  /* default: false */
void sink_flush(struct sink *s);
void sink_fade(struct sink *s);
int sink_drain(struct sink *s);          /* default: 0 */
int64_t sink_played(const struct sink *s); /* default: 0 */
void sink_idle(struct sink *s);
bool sink_alive(struct sink *s);         /* default: true */
void sink_set_queue(struct sink *s, int64_t queue_ms);
size_t sink_start_frames(const struct sink *s); /* default: 0 */
unsigned sink_underflows(const struct sink *s); /* default: 0 */
const char *sink_device(const struct sink *s);  /* default: the op's name */
double sink_latency_ms(const struct sink *s);   /* default: 0 */
void sink_describe(const struct sink *s, char *buf, size_t len);
/* "2 (310 ms)", or "not observable on this path (...)"; then what the
 * path hides ("; not seen here: ..."). */
void sink_describe_dropouts(const struct sink *s, char *buf, size_t len);

/* How a session gets its live sink: open(ctx, device, latency_ms) for the
 * config's [audio] device ("" or NULL: the default output) and latency.
 * NULL with err filled when there is no output. */
struct sink_opener {
	struct sink *(*open)(void *ctx, const char *device, int64_t latency_ms,
			     char *err, size_t errlen);
	void *ctx;
};

/* A sound file, format chosen by path's extension: .wav (16-bit PCM), .flac
 * (16-bit), .ogg (Vorbis). Written to a temporary file beside path and renamed
 * over it only on a successful close, so a failed or interrupted render never
 * leaves a partial file that looks complete. NULL with err filled on error
 * (unknown extension lists the known ones). Live controls: it has played
 * what was written; alive until a write fails; its device is its path. */
struct sink *sink_file_open(const char *path, char *err, size_t errlen);
/* For tests: true makes sink_file_open use a named temporary file, as on a
 * filesystem without O_TMPFILE. */
extern bool sink_file_named_temp;

/* The clocked null sink: a device that is not there. It consumes what is
 * written at speed times real time (0: at once, as fast as it is written),
 * behind a queue (set_queue, default 2 s), and records every sample it
 * consumed and counts every call, for tests to check.
 * Pause, resume, flush, fade, drain, played, idle, alive behave as the
 * PortAudio sink's do, without a sound server. */
struct sink_null_opts {
	double speed;          /* 1: real time; 0: at once */
	int64_t fail_after;    /* > 0: the device is lost after this many
	                          samples consumed (write fails, alive false) */
	const char *open_error; /* not NULL: opening fails with this text */
	size_t start_frames;   /* > 0: asks for this much at once to start
	                          (start_frames), as a device does: at the
	                          open, after a pause, a flush or a drain */
};
struct sink_null_record {
	float *samples;        /* every sample consumed, in order */
	size_t n, cap;         /* cap: samples allocated */
	int64_t written;       /* samples written */
	unsigned writes, pauses, resumes, flushes, fades, drains, idles;
	unsigned starts;       /* writes that (re)started it */
	size_t first_start;    /* frames of the first of them */
	size_t last_start;     /* frames of the latest of them */
	int64_t dropped;       /* samples flushed or faded away unheard */
	bool closed_ok;        /* close(ok) was called with ok = true */
	unsigned opens, closes;
};
/* Open one; it records into rec (NULL: a record of its own, dropped at
 * close). NULL with err filled when o->open_error is set. */
struct sink *sink_null_open(const struct sink_null_opts *o,
			    struct sink_null_record *rec, char *err,
			    size_t errlen);
/* An opener of null sinks for a session: every sink it opens has opts
 * and records into rec (free it with sink_null_record_free). */
struct sink_null_ctx {
	struct sink_null_opts opts;
	struct sink_null_record rec;
};
struct sink_opener sink_null_opener(struct sink_null_ctx *ctx);
void sink_null_record_free(struct sink_null_record *rec);

#endif
