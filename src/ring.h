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
/* Producer: free space (exact for the producer, a lower bound elsewhere). */
size_t ring_writable(const struct ring *r);

/* Consumer: copy up to n samples out; returns how many there were. Applies a
 * pending flush first. */
size_t ring_read(struct ring *r, float *dst, size_t n);
/* Consumer: drop up to n samples; returns how many were dropped. */
size_t ring_discard(struct ring *r, size_t n);
/* Consumer: queued samples (exact for the consumer, a lower bound elsewhere;
 * a pending flush is not counted as applied). */
size_t ring_readable(const struct ring *r);

/* Producer: drop everything written so far, applied by the consumer. */
void ring_flush(struct ring *r);
/* Producer: has the last ring_flush not been applied yet? */
bool ring_flush_pending(const struct ring *r);
/* Either side, with the other side stopped: empty the ring now. */
void ring_reset(struct ring *r);

#endif
