/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_ring.c: the single-producer single-consumer sample ring. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include "audio/ring.h"
#include "testlib.h"

START_TEST(capacity_rounds_up)
{
	struct ring *r = ring_new(1000);

	ck_assert_uint_eq(ring_capacity(r), 1024);
	ck_assert_uint_eq(ring_writable(r), 1024);
	ck_assert_uint_eq(ring_readable(r), 0);
	ring_free(r);
	r = ring_new(1024);
	ck_assert_uint_eq(ring_capacity(r), 1024);
	ring_free(r);
	ring_free(NULL);
}
END_TEST

START_TEST(lock_free)
{
	atomic_size_t s;
	atomic_bool b;

	/* The callback side must never fall back to a lock. */
	ck_assert(atomic_is_lock_free(&s));
	ck_assert(atomic_is_lock_free(&b));
}
END_TEST

START_TEST(write_read_wrap)
{
	struct ring *r = ring_new(8);
	float in[8], out[8];
	size_t i, pos = 0, rpos = 0;

	/* Many rounds of 5 in / 5 out cross the end of the buffer often. */
	for (int round = 0; round < 100; round++) {
		for (i = 0; i < 5; i++)
			in[i] = (float)pos++;
		ck_assert_uint_eq(ring_write(r, in, 5), 5);
		ck_assert_uint_eq(ring_readable(r), 5);
		ck_assert_uint_eq(ring_writable(r), 3);
		ck_assert_uint_eq(ring_read(r, out, 8), 5);
		for (i = 0; i < 5; i++)
			ck_assert_float_eq(out[i], (float)rpos++);
	}
	ring_free(r);
}
END_TEST

START_TEST(full_and_empty)
{
	struct ring *r = ring_new(4);
	float in[6] = { 1, 2, 3, 4, 5, 6 }, out[6] = { 0 };

	ck_assert_uint_eq(ring_write(r, in, 6), 4);
	ck_assert_uint_eq(ring_write(r, in, 1), 0);
	ck_assert_uint_eq(ring_writable(r), 0);
	ck_assert_uint_eq(ring_read(r, out, 2), 2);
	ck_assert_float_eq(out[0], 1);
	ck_assert_float_eq(out[1], 2);
	ck_assert_uint_eq(ring_write(r, in + 4, 2), 2);
	ck_assert_uint_eq(ring_read(r, out, 6), 4);
	ck_assert_float_eq(out[0], 3);
	ck_assert_float_eq(out[3], 6);
	ck_assert_uint_eq(ring_read(r, out, 6), 0);
	ck_assert_uint_eq(ring_discard(r, 3), 0);
	ring_free(r);
}
END_TEST

START_TEST(discard)
{
	struct ring *r = ring_new(8);
	float in[6] = { 1, 2, 3, 4, 5, 6 }, out[6];

	ring_write(r, in, 6);
	ck_assert_uint_eq(ring_discard(r, 4), 4);
	ck_assert_uint_eq(ring_read(r, out, 6), 2);
	ck_assert_float_eq(out[0], 5);
	ring_free(r);
}
END_TEST

START_TEST(flush_keeps_later_samples)
{
	struct ring *r = ring_new(16);
	float in[4] = { 1, 2, 3, 4 }, later[2] = { 7, 8 }, out[8];

	ring_write(r, in, 4);
	ring_flush(r);
	ck_assert(ring_flush_pending(r));
	ring_write(r, later, 2);
	/* Applied by the consumer: the 4 old samples go, the 2 new stay. */
	ck_assert_uint_eq(ring_read(r, out, 8), 2);
	ck_assert(!ring_flush_pending(r));
	ck_assert_float_eq(out[0], 7);
	ck_assert_float_eq(out[1], 8);
	ring_free(r);
}
END_TEST

START_TEST(flush_already_passed)
{
	struct ring *r = ring_new(16);
	float in[4] = { 1, 2, 3, 4 }, out[8];

	ring_write(r, in, 2);
	ring_flush(r); /* drop up to position 2 */
	ring_write(r, in + 2, 2);
	/* The consumer read past 2 before it saw the request (simulated by
	 * reading with the flag hidden): the request must not rewind it. */
	ring_reset(r); /* consumer at 4, request cleared */
	ring_flush(r); /* drop up to 4: nothing */
	ck_assert_uint_eq(ring_read(r, out, 8), 0);
	ring_write(r, in, 3);
	ck_assert_uint_eq(ring_read(r, out, 8), 3);
	ring_free(r);
}
END_TEST

START_TEST(flush_by_discard)
{
	struct ring *r = ring_new(16);
	float in[4] = { 1, 2, 3, 4 }, out[4];

	ring_write(r, in, 4);
	ring_flush(r);
	ck_assert_uint_eq(ring_discard(r, 16), 0);
	ck_assert(!ring_flush_pending(r));
	ck_assert_uint_eq(ring_read(r, out, 4), 0);
	ring_free(r);
}
END_TEST

START_TEST(reset_empties)
{
	struct ring *r = ring_new(16);
	float in[4] = { 1, 2, 3, 4 }, out[4];

	ring_write(r, in, 4);
	ring_flush(r);
	ring_reset(r);
	ck_assert(!ring_flush_pending(r));
	ck_assert_uint_eq(ring_readable(r), 0);
	ck_assert_uint_eq(ring_writable(r), 16);
	ck_assert_uint_eq(ring_read(r, out, 4), 0);
	ring_free(r);
}
END_TEST

START_TEST(positions_and_discard_to)
{
	struct ring *r = ring_new(8);
	float in[6] = { 1, 2, 3, 4, 5, 6 }, out[6];
	size_t mark;

	ck_assert_uint_eq(ring_write_pos(r), 0);
	ring_write(r, in, 3);
	mark = ring_write_pos(r);
	ck_assert_uint_eq(mark, 3);
	ring_write(r, in + 3, 3);
	ck_assert_uint_eq(ring_read(r, out, 1), 1);
	ck_assert_uint_eq(ring_read_pos(r), 1);
	/* Drop up to the mark: samples 2 and 3 go, 4..6 stay. */
	ck_assert_uint_eq(ring_discard_to(r, mark), 2);
	ck_assert_uint_eq(ring_read(r, out, 6), 3);
	ck_assert_float_eq(out[0], 4);
	/* A mark already passed, or beyond what was written: no-op. */
	ck_assert_uint_eq(ring_discard_to(r, mark), 0);
	ck_assert_uint_eq(ring_discard_to(r, ring_write_pos(r) + 5), 0);
	ring_free(r);
}
END_TEST

/* Two threads: the producer writes a counting sequence in chunks of varying
 * size; the consumer reads in other sizes and checks every sample arrives, in
 * order, exactly once. Values wrap at 2^24, where float is still exact. */
#define STRESS_TOTAL (8u * 1000 * 1000)
#define SEQ_MOD (1u << 24)

struct stress {
	struct ring *r;
	atomic_bool failed;
	size_t bad_at;
};

/* The other thread's turn: a few busy polls (both threads running side by
 * side, the usual case), then sleep 50 us at a time. Never sched_yield: on
 * a loaded machine a yield waits out every other task's slice (load 30:
 * ~50 ms a yield, the stress tests past their time limit on 0.1 s of CPU),
 * while a sleeper is woken soon. The rings of the stress tests are 4096
 * samples (wrapped thousands of times), so that full or empty, a hand-over
 * between the threads, comes seldom. *misses counts the misses in a row;
 * progress resets it. */
static void backoff(unsigned *misses)
{
	if (++*misses > 8) {
		struct timespec ts = { 0, 50000 };

		nanosleep(&ts, NULL);
	}
}

static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 8;
}

static void *producer(void *arg)
{
	struct stress *st = arg;
	float buf[300];
	size_t sent = 0;
	uint32_t seed = 1;
	unsigned misses = 0;

	while (sent < STRESS_TOTAL) {
		size_t n = 1 + lcg(&seed) % 300, off = 0;

		if (n > STRESS_TOTAL - sent)
			n = STRESS_TOTAL - sent;
		for (size_t i = 0; i < n; i++)
			buf[i] = (float)((sent + i) % SEQ_MOD);
		while (off < n) {
			size_t w = ring_write(st->r, buf + off, n - off);

			off += w;
			if (w) {
				misses = 0;
			} else {
				if (atomic_load(&st->failed))
					return NULL;
				backoff(&misses);
			}
		}
		sent += n;
	}
	return NULL;
}

static void *consumer(void *arg)
{
	struct stress *st = arg;
	float buf[257];
	size_t got = 0;
	uint32_t seed = 7;
	unsigned misses = 0;

	while (got < STRESS_TOTAL) {
		size_t want = 1 + lcg(&seed) % 257;
		size_t n = ring_read(st->r, buf, want);

		for (size_t i = 0; i < n; i++) {
			if (buf[i] != (float)((got + i) % SEQ_MOD)) {
				st->bad_at = got + i;
				atomic_store(&st->failed, true);
				return NULL;
			}
		}
		got += n;
		if (n)
			misses = 0;
		else
			backoff(&misses);
	}
	return NULL;
}

START_TEST(two_thread_stress)
{
	struct stress st = { .r = ring_new(4096) };
	pthread_t p, c;

	atomic_init(&st.failed, false);
	ck_assert_int_eq(pthread_create(&c, NULL, consumer, &st), 0);
	ck_assert_int_eq(pthread_create(&p, NULL, producer, &st), 0);
	pthread_join(c, NULL);
	pthread_join(p, NULL);
	ck_assert_msg(!atomic_load(&st.failed), "sample %zu out of order", st.bad_at);
	ck_assert_uint_eq(ring_readable(st.r), 0);
	ring_free(st.r);
}
END_TEST

/* Flushes under load: after each flush the consumer must still see an
 * increasing sequence (samples dropped, never reordered or repeated), and
 * data written after the last flush must all arrive. */
struct flush_stress {
	struct ring *r;
	atomic_bool done;
	atomic_bool failed;
	float last_written, last_read;
};

static void *flush_producer(void *arg)
{
	struct flush_stress *st = arg;
	float buf[64];
	uint32_t seed = 3, v = 1;
	unsigned misses = 0;

	for (int i = 0; i < 200000; i++) {
		size_t n = 1 + lcg(&seed) % 64, off = 0;

		for (size_t k = 0; k < n; k++)
			buf[k] = (float)v++; /* < 2^24: exact */
		while (off < n) {
			size_t w = ring_write(st->r, buf + off, n - off);

			off += w;
			if (w) {
				misses = 0;
			} else {
				if (atomic_load(&st->failed))
					return NULL;
				backoff(&misses);
			}
		}
		if (lcg(&seed) % 50 == 0 && i < 199999)
			ring_flush(st->r);
	}
	st->last_written = (float)(v - 1);
	atomic_store(&st->done, true);
	return NULL;
}

static void *flush_consumer(void *arg)
{
	struct flush_stress *st = arg;
	float buf[100], last = 0;
	unsigned misses = 0;

	for (;;) {
		bool done = atomic_load(&st->done);
		size_t n = ring_read(st->r, buf, sizeof(buf) / sizeof(buf[0]));

		for (size_t i = 0; i < n; i++) {
			if (!(buf[i] > last)) {
				atomic_store(&st->failed, true);
				return NULL;
			}
			last = buf[i];
		}
		if (done && !n && !ring_flush_pending(st->r))
			break;
		st->last_read = last;
		if (n)
			misses = 0;
		else
			backoff(&misses);
	}
	return NULL;
}

START_TEST(flush_stress)
{
	struct flush_stress st = { .r = ring_new(4096) };
	pthread_t p, c;

	atomic_init(&st.done, false);
	atomic_init(&st.failed, false);
	ck_assert_int_eq(pthread_create(&c, NULL, flush_consumer, &st), 0);
	ck_assert_int_eq(pthread_create(&p, NULL, flush_producer, &st), 0);
	pthread_join(p, NULL);
	pthread_join(c, NULL);
	ck_assert_msg(!atomic_load(&st.failed), "flushed stream out of order");
	ck_assert_float_eq(st.last_read, st.last_written);
	ring_free(st.r);
}
END_TEST

static Suite *ring_suite(void)
{
	Suite *s = suite_create("ring");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, capacity_rounds_up);
	tcase_add_test(tc, lock_free);
	tcase_add_test(tc, write_read_wrap);
	tcase_add_test(tc, full_and_empty);
	tcase_add_test(tc, discard);
	tcase_add_test(tc, flush_keeps_later_samples);
	tcase_add_test(tc, flush_already_passed);
	tcase_add_test(tc, flush_by_discard);
	tcase_add_test(tc, reset_empties);
	tcase_add_test(tc, positions_and_discard_to);
	suite_add_tcase(s, tc);
	tc = tcase_create("threads");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, two_thread_stress);
	tcase_add_test(tc, flush_stress);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run(ring_suite());
}
