/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ring.h: lock-free single-producer single-consumer ring of float samples. */
#ifndef BC_RING_H
#define BC_RING_H

#include <stdbool.h>
#include <stddef.h>

/* One producer thread (the daemon's worker) writes; one consumer (the
 * PortAudio callback) reads. Positions are free-running counters published
 * with C11 release/acquire atomics; the capacity is a power of two. No locks,
 * no allocation and no system calls after ring_new, so every consumer-side
 * call is safe in an audio callback.
 *
 * Flushing: only the consumer moves the read position. The producer asks with
 * ring_flush(): "drop everything written so far"; the consumer applies it at
 * its next ring_read/ring_discard (samples written after the request stay).
 * ring_flush_pending() tells the producer whether it has been applied. When no
 * consumer is running (stream stopped or not yet started), the producer may
 * call ring_reset() instead. */

struct ring;

/* A ring holding at least min_frames samples (rounded up to a power of two). */
struct ring *ring_new(size_t min_frames);
void ring_free(struct ring *r);

size_t ring_capacity(const struct ring *r);

/* Producer: copy up to n samples in; returns how many fit (0 when full). */
size_t ring_write(struct ring *r, const float *src, size_t n);
/* Free space: at least this much can be written (a snapshot: the consumer
 * may free more meanwhile). */
size_t ring_writable(const struct ring *r);

/* Consumer: copy up to n samples out; returns how many there were. Applies a
 * pending flush first. */
size_t ring_read(struct ring *r, float *dst, size_t n);
/* Consumer: drop up to n samples; returns how many were dropped. */
size_t ring_discard(struct ring *r, size_t n);
/* Queued samples: at least this much can be read (a snapshot: the producer
 * may add more meanwhile; a pending flush is not counted as applied). */
size_t ring_readable(const struct ring *r);

/* Positions: samples ever written (producer side) and ever read or dropped
 * (consumer side), wrapping modulo SIZE_MAX + 1. They let one side name a
 * place in the stream, e.g. "fade out up to here". */
size_t ring_write_pos(const struct ring *r);
size_t ring_read_pos(const struct ring *r);
/* Consumer: drop everything before write position pos (nothing if already
 * read past it). Returns how many samples were dropped. */
size_t ring_discard_to(struct ring *r, size_t pos);

/* Drop everything written so far, applied by the consumer (any thread but
 * the consumer's may ask; written "so far" is as seen by that thread). */
void ring_flush(struct ring *r);
/* Has the last ring_flush not been applied yet? */
bool ring_flush_pending(const struct ring *r);
/* Either side, with the other side stopped: empty the ring now. */
void ring_reset(struct ring *r);

#endif
