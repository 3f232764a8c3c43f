/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ring.c: lock-free single-producer single-consumer ring of float samples. */
#include "audio/ring.h"

#include <stdalign.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

#define CACHE_LINE 64

/* head: samples ever written (producer stores, consumer loads);
 * tail: samples ever read (consumer stores, producer loads). Both wrap
 * modulo SIZE_MAX + 1; head - tail is the fill level. Each has its own
 * cache line so the two threads do not bounce one line between cores. */
struct ring {
	alignas(CACHE_LINE) atomic_size_t head;
	alignas(CACHE_LINE) atomic_size_t tail;
	/* Flush request: the head position to drop up to, then the flag. */
	alignas(CACHE_LINE) atomic_size_t flush_pos;
	atomic_bool flush_req;
	alignas(CACHE_LINE) size_t mask; /* capacity - 1 */
	float *buf;
};

struct ring *ring_new(size_t min_frames)
{
	struct ring *r;
	size_t cap = 1;

	while (cap < min_frames)
		cap <<= 1;
	/* sizeof is a multiple of CACHE_LINE (the alignas members). */
	r = aligned_alloc(CACHE_LINE, sizeof(*r));
	if (!r) {
		fputs("backcoach: out of memory\n", stderr);
		abort();
	}
	atomic_init(&r->head, 0);
	atomic_init(&r->tail, 0);
	atomic_init(&r->flush_pos, 0);
	atomic_init(&r->flush_req, false);
	r->mask = cap - 1;
	/* Not zeroed: only what was written is read, and a stream's first
	 * open allocates this on the way to its first sound (zeroing 0.5 MB
	 * took 0.1-0.4 ms of it). */
	r->buf = xmalloc(cap * sizeof(float));
	return r;
}

void ring_free(struct ring *r)
{
	if (!r)
		return;
	free(r->buf);
	free(r);
}

size_t ring_capacity(const struct ring *r)
{
	return r->mask + 1;
}

size_t ring_writable(const struct ring *r)
{
	size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);

	return r->mask + 1 - (head - tail);
}

size_t ring_readable(const struct ring *r)
{
	size_t head = atomic_load_explicit(&r->head, memory_order_acquire);
	size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);

	return head - tail;
}

size_t ring_write(struct ring *r, const float *src, size_t n)
{
	size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
	size_t space = r->mask + 1 - (head - tail);
	size_t off, first;

	if (n > space)
		n = space;
	off = head & r->mask;
	first = r->mask + 1 - off;
	if (first > n)
		first = n;
	memcpy(r->buf + off, src, first * sizeof(float));
	memcpy(r->buf, src + first, (n - first) * sizeof(float));
	/* Release: the samples are visible before the new head. */
	atomic_store_explicit(&r->head, head + n, memory_order_release);
	return n;
}

/* Consumer: apply a pending flush; returns the (possibly new) tail. A request
 * may name a position the consumer has already passed (it read on between the
 * request and now): then there is nothing left to drop. */
static size_t apply_flush(struct ring *r, size_t tail)
{
	size_t pos;

	if (!atomic_load_explicit(&r->flush_req, memory_order_relaxed))
		return tail;
	if (!atomic_exchange_explicit(&r->flush_req, false, memory_order_acquire))
		return tail;
	pos = atomic_load_explicit(&r->flush_pos, memory_order_relaxed);
	if (pos - tail <= r->mask + 1 && pos != tail) {
		tail = pos;
		atomic_store_explicit(&r->tail, tail, memory_order_release);
	}
	return tail;
}

size_t ring_read(struct ring *r, float *dst, size_t n)
{
	size_t tail = apply_flush(r, atomic_load_explicit(&r->tail, memory_order_relaxed));
	size_t head = atomic_load_explicit(&r->head, memory_order_acquire);
	size_t avail = head - tail;
	size_t off, first;

	if (n > avail)
		n = avail;
	off = tail & r->mask;
	first = r->mask + 1 - off;
	if (first > n)
		first = n;
	memcpy(dst, r->buf + off, first * sizeof(float));
	memcpy(dst + first, r->buf, (n - first) * sizeof(float));
	/* Release: done reading these slots before the producer reuses them. */
	atomic_store_explicit(&r->tail, tail + n, memory_order_release);
	return n;
}

size_t ring_discard(struct ring *r, size_t n)
{
	size_t tail = apply_flush(r, atomic_load_explicit(&r->tail, memory_order_relaxed));
	size_t head = atomic_load_explicit(&r->head, memory_order_acquire);

	if (n > head - tail)
		n = head - tail;
	atomic_store_explicit(&r->tail, tail + n, memory_order_release);
	return n;
}

size_t ring_write_pos(const struct ring *r)
{
	return atomic_load_explicit(&r->head, memory_order_acquire);
}

size_t ring_read_pos(const struct ring *r)
{
	return atomic_load_explicit(&r->tail, memory_order_acquire);
}

size_t ring_discard_to(struct ring *r, size_t pos)
{
	size_t tail = apply_flush(r, atomic_load_explicit(&r->tail, memory_order_relaxed));
	size_t head = atomic_load_explicit(&r->head, memory_order_acquire);

	/* Only forward, and never past what was written. */
	if (pos - tail > head - tail)
		return 0;
	atomic_store_explicit(&r->tail, pos, memory_order_release);
	return pos - tail;
}

void ring_flush(struct ring *r)
{
	size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);

	/* Position first, then the flag with release: a consumer that sees
	 * the flag sees this position or a later one (a later flush). */
	atomic_store_explicit(&r->flush_pos, head, memory_order_relaxed);
	atomic_store_explicit(&r->flush_req, true, memory_order_release);
}

bool ring_flush_pending(const struct ring *r)
{
	return atomic_load_explicit(&r->flush_req, memory_order_acquire);
}

void ring_reset(struct ring *r)
{
	size_t head = atomic_load_explicit(&r->head, memory_order_acquire);

	atomic_store_explicit(&r->flush_req, false, memory_order_relaxed);
	atomic_store_explicit(&r->tail, head, memory_order_release);
}
