/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_loop.c: the poll loop: fd sources, deadlines, removal while
 * dispatching, quit. */
#include <check.h>
#include <poll.h>
#include <stdint.h>
#include <unistd.h>
#include <sys/eventfd.h>

#include "base/loop.h"
#include "testlib.h"

struct counter {
	struct loop *l;
	int fd;
	int calls;
	short last;
	uint64_t deadline;        /* for timed sources */
	struct loop_source *self, *victim;
};

static void on_fd(void *data, short revents)
{
	struct counter *c = data;
	uint64_t v;

	c->calls++;
	c->last = revents;
	if (read(c->fd, &v, sizeof(v)) < 0)
		return;
}

static void timed_prepare(void *data, short *events, uint64_t *deadline_us)
{
	struct counter *c = data;

	(void)events;
	*deadline_us = c->deadline;
}

static void timed_dispatch(void *data, short revents)
{
	struct counter *c = data;

	c->calls++;
	c->last = revents;
	c->deadline = LOOP_NO_DEADLINE; /* once */
	if (c->victim)
		loop_remove(c->l, c->victim);
	if (c->self)
		loop_quit(c->l);
}

static const struct loop_source_ops timed_ops = {
	.prepare = timed_prepare,
	.dispatch = timed_dispatch,
};

static void bump(uint64_t fd)
{
	uint64_t one = 1;
	ck_assert_int_eq(write((int)fd, &one, sizeof(one)), sizeof(one));
}

START_TEST(fd_ready)
{
	struct loop *l = loop_new();
	struct counter a = { .l = l, .fd = eventfd(0, EFD_NONBLOCK) };
	struct counter b = { .l = l, .fd = eventfd(0, EFD_NONBLOCK) };
	struct counter t = { .l = l, .deadline = loop_now_us() };

	loop_add_fd(l, a.fd, POLLIN, on_fd, &a);
	loop_add_fd(l, b.fd, POLLIN, on_fd, &b);
	/* Only b is ready; a deadline already passed keeps poll from
	 * blocking on the first round. */
	loop_add(l, -1, &timed_ops, &t);
	bump((uint64_t)b.fd);
	ck_assert_int_eq(loop_run_once(l), 0);
	ck_assert_int_eq(a.calls, 0);
	ck_assert_int_eq(b.calls, 1);
	ck_assert(b.last & POLLIN);
	ck_assert_int_eq(t.calls, 1);
	ck_assert_int_eq(t.last, 0);
	bump((uint64_t)a.fd);
	ck_assert_int_eq(loop_run_once(l), 0);
	ck_assert_int_eq(a.calls, 1);
	ck_assert_int_eq(b.calls, 1);
	ck_assert_int_eq(t.calls, 1); /* no deadline now: not dispatched */
	loop_free(l);
	close(a.fd);
	close(b.fd);
}
END_TEST

/* The loop sleeps until the earliest deadline, not longer, not a tick. */
START_TEST(deadline)
{
	struct loop *l = loop_new();
	uint64_t t0 = loop_now_us();
	struct counter late = { .l = l, .deadline = t0 + 200000 };
	struct counter soon = { .l = l, .deadline = t0 + 50000 };

	loop_add(l, -1, &timed_ops, &late);
	loop_add(l, -1, &timed_ops, &soon);
	ck_assert_int_eq(loop_run_once(l), 0);
	ck_assert_uint_ge(loop_now_us(), t0 + 50000);
	ck_assert_int_eq(soon.calls, 1);
	ck_assert_int_eq(late.calls, 0);
	ck_assert_int_eq(loop_run_once(l), 0);
	ck_assert_uint_ge(loop_now_us(), t0 + 200000);
	ck_assert_int_eq(late.calls, 1);
	ck_assert_int_eq(soon.calls, 1);
	loop_free(l);
}
END_TEST

/* A source removed by an earlier one in the same round is not called,
 * though its fd was ready; quit ends the round and loop_run. */
START_TEST(remove_and_quit)
{
	struct loop *l = loop_new();
	struct counter v = { .l = l, .fd = eventfd(0, EFD_NONBLOCK) };
	struct counter t = { .l = l, .deadline = loop_now_us() };
	struct counter after = { .l = l, .deadline = loop_now_us() };

	t.self = loop_add(l, -1, &timed_ops, &t);
	v.self = loop_add_fd(l, v.fd, POLLIN, on_fd, &v);
	t.victim = v.self;
	loop_add(l, -1, &timed_ops, &after);
	bump((uint64_t)v.fd);
	ck_assert_int_eq(loop_run(l), 0);
	ck_assert(loop_quitting(l));
	ck_assert_int_eq(t.calls, 1);
	ck_assert_int_eq(v.calls, 0);
	ck_assert_int_eq(after.calls, 0); /* quit: the round ends */
	loop_free(l);
	close(v.fd);
}
END_TEST

static int wakeups;
static void on_wakeup(void *data)
{
	(void)data;
	wakeups++;
}

START_TEST(wakeup_hook)
{
	struct loop *l = loop_new();
	struct counter t = { .l = l, .deadline = loop_now_us() };

	loop_add(l, -1, &timed_ops, &t);
	loop_set_wakeup(l, on_wakeup, NULL);
	wakeups = 0;
	ck_assert_int_eq(loop_run_once(l), 0);
	ck_assert_int_eq(wakeups, 1);
	loop_free(l);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("loop");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, fd_ready);
	tcase_add_test(tc, deadline);
	tcase_add_test(tc, remove_and_quit);
	tcase_add_test(tc, wakeup_hook);
	suite_add_tcase(s, tc);
	return test_run(s);
}
