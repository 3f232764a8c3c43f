/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_bus_source.c: an sd-bus connection on the loop, with no bus daemon:
 * a client and a server over a socketpair, both on one loop. A call is
 * answered, a pending call's timeout wakes the loop, an idle connection
 * does not, a connection whose peer goes away is lost once, and a storm of
 * calls leaves the loop's other sources their turns, also when each call
 * takes long. */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/loop.h"
#include "testlib.h"

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-bus.h>
#include <systemd/sd-id128.h>

#include "desktop/bus_source.h"

struct end {
	sd_bus *bus;
	struct bus_source *src;
	int lost;       /* lost was called this often */
	int lost_err;
};

struct pair {
	struct loop *l;
	struct end client, server;
	bool answer;    /* the server answers Ping */
	unsigned slow_us; /* the server takes this long over each Ping */
	int pings;      /* Ping calls the server got */
	int replies;    /* replies (or errors) the client got */
	bool timed_out; /* the last reply was a timeout */
	char pong[16];
};

static void on_lost(void *data, int err)
{
	struct end *e = data;

	e->lost++;
	e->lost_err = err;
	bus_source_free(e->src);
	e->src = NULL;
}

static int on_ping(sd_bus_message *m, void *data, sd_bus_error *err)
{
	struct pair *p = data;

	(void)err;
	if (!sd_bus_message_is_method_call(m, "org.backcoach.Test", "Ping"))
		return 0;
	p->pings++;
	if (p->slow_us)
		usleep(p->slow_us);
	if (!p->answer)
		return 1; /* handled, never answered */
	return sd_bus_reply_method_return(m, "s", "pong");
}

static int on_reply(sd_bus_message *m, void *data, sd_bus_error *err)
{
	struct pair *p = data;
	const char *s = "";

	(void)err;
	p->replies++;
	p->timed_out = sd_bus_message_is_method_error(m, SD_BUS_ERROR_NO_REPLY);
	if (!sd_bus_message_is_method_error(m, NULL))
		ck_assert_int_ge(sd_bus_message_read(m, "s", &s), 0);
	snprintf(p->pong, sizeof(p->pong), "%s", s);
	return 0;
}

/* A deadline-only source: the test's bound on one wait. */
struct guard {
	uint64_t at;
	bool fired;
};

static void guard_prepare(void *data, short *events, uint64_t *deadline_us)
{
	struct guard *g = data;

	(void)events;
	*deadline_us = g->fired ? LOOP_NO_DEADLINE : g->at;
}

static void guard_dispatch(void *data, short revents)
{
	struct guard *g = data;

	(void)revents;
	if (loop_now_us() >= g->at)
		g->fired = true;
}

static const struct loop_source_ops guard_ops = {
	.prepare = guard_prepare,
	.dispatch = guard_dispatch,
};

/* Run rounds until *done is nonzero or ms pass; true when done. */
static bool run_until(struct loop *l, const int *done, unsigned ms)
{
	struct guard g = { .at = loop_now_us() + ms * 1000ull };
	struct loop_source *s = loop_add(l, -1, &guard_ops, &g);

	while (!*done && !g.fired)
		ck_assert_int_eq(loop_run_once(l), 0);
	loop_remove(l, s);
	return *done != 0;
}

static void pair_open(struct pair *p)
{
	int fds[2];
	sd_id128_t id;

	memset(p, 0, sizeof(*p));
	p->answer = true;
	p->l = loop_new();
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
				    0, fds), 0);
	ck_assert_int_ge(sd_id128_randomize(&id), 0);

	ck_assert_int_ge(sd_bus_new(&p->server.bus), 0);
	ck_assert_int_ge(sd_bus_set_fd(p->server.bus, fds[0], fds[0]), 0);
	ck_assert_int_ge(sd_bus_set_server(p->server.bus, 1, id), 0);
	ck_assert_int_ge(sd_bus_add_object(p->server.bus, NULL, "/test", on_ping, p), 0);
	ck_assert_int_ge(sd_bus_start(p->server.bus), 0);
	p->server.src = bus_source_new(p->l, p->server.bus, on_lost, &p->server);

	ck_assert_int_ge(sd_bus_new(&p->client.bus), 0);
	ck_assert_int_ge(sd_bus_set_fd(p->client.bus, fds[1], fds[1]), 0);
	ck_assert_int_ge(sd_bus_start(p->client.bus), 0);
	p->client.src = bus_source_new(p->l, p->client.bus, on_lost, &p->client);

	/* The authentication runs on the loop, as everything else. */
	int ready = 0;
	for (int i = 0; i < 100 && !ready; i++) {
		run_until(p->l, &ready, 20);
		ready = sd_bus_is_ready(p->client.bus) > 0;
	}
	ck_assert(ready);
}

static void end_close(struct end *e)
{
	bus_source_free(e->src);
	e->src = NULL;
	e->bus = sd_bus_close_unref(e->bus);
}

static void pair_close(struct pair *p)
{
	end_close(&p->client);
	end_close(&p->server);
	loop_free(p->l);
}

static void ping(struct pair *p, uint64_t timeout_us)
{
	sd_bus_message *m = NULL;

	ck_assert_int_ge(sd_bus_message_new_method_call(p->client.bus, &m, NULL, "/test",
							"org.backcoach.Test", "Ping"), 0);
	ck_assert_int_ge(sd_bus_call_async(p->client.bus, NULL, m, on_reply, p,
					   timeout_us), 0);
	sd_bus_message_unref(m);
}

START_TEST(call_answered)
{
	struct pair p;

	pair_open(&p);
	ping(&p, 5000000);
	ck_assert(run_until(p.l, &p.replies, 5000));
	ck_assert_int_eq(p.pings, 1);
	ck_assert(!p.timed_out);
	ck_assert_str_eq(p.pong, "pong");
	ck_assert_int_eq(p.client.lost + p.server.lost, 0);
	pair_close(&p);
}
END_TEST

/* sd-bus's own timeout is the source's deadline: the loop wakes for it
 * (the bound here is far later). */
START_TEST(call_timeout_wakes)
{
	struct pair p;
	uint64_t t0;

	pair_open(&p);
	p.answer = false;
	t0 = loop_now_us();
	ping(&p, 100000);
	ck_assert(run_until(p.l, &p.replies, 5000));
	ck_assert_int_eq(p.pings, 1);
	ck_assert(p.timed_out);
	ck_assert_uint_ge(loop_now_us() - t0, 100000);
	ck_assert_uint_lt(loop_now_us() - t0, 4000000);
	pair_close(&p);
}
END_TEST

static void count_wakeup(void *data)
{
	(*(int *)data)++;
}

/* Nothing pending, nothing sent: no deadline, no wakeup (the loop sleeps
 * in one poll until the test's own bound). */
START_TEST(idle_sleeps)
{
	struct pair p;
	int never = 0, wakeups = 0;

	pair_open(&p);
	ping(&p, 5000000);
	ck_assert(run_until(p.l, &p.replies, 5000));
	loop_set_wakeup(p.l, count_wakeup, &wakeups);
	ck_assert(!run_until(p.l, &never, 200));
	ck_assert_int_eq(wakeups, 1);
	ck_assert_int_eq(p.pings, 1);
	ck_assert_int_eq(p.replies, 1);
	pair_close(&p);
}
END_TEST

/* The peer goes away: lost once, with an error, and the source it freed is
 * not dispatched again. */
START_TEST(peer_gone_lost_once)
{
	struct pair p;
	int never = 0;

	pair_open(&p);
	end_close(&p.server);
	ck_assert(run_until(p.l, &p.client.lost, 5000));
	ck_assert_int_lt(p.client.lost_err, 0);
	ck_assert_ptr_null(p.client.src);
	ck_assert(!run_until(p.l, &never, 100));
	ck_assert_int_eq(p.client.lost, 1);
	ck_assert_int_eq(p.server.lost, 0);
	pair_close(&p);
}
END_TEST

/* Another source, always ready (an eventfd that is never read): how many
 * Pings the server took between two of its turns. */
struct other {
	struct pair *p;
	int turns, last, gap;
};

static void other_ready(void *data, short revents)
{
	struct other *o = data;

	(void)revents;
	o->turns++;
	if (o->p->pings - o->last > o->gap)
		o->gap = o->p->pings - o->last;
	o->last = o->p->pings;
}

/* A storm of n calls, each taking slow_us in the server, with another
 * source (the control socket) always ready beside it: every call answered,
 * and that source had a turn at least after every max_gap calls. */
static void storm(int n, unsigned slow_us, int max_gap)
{
	struct pair p;
	struct other o = { .p = &p };
	int fd = eventfd(1, EFD_CLOEXEC);
	struct loop_source *src;

	pair_open(&p);
	p.slow_us = slow_us;
	src = loop_add_fd(p.l, fd, POLLIN, other_ready, &o);
	for (int i = 0; i < n; i++)
		ping(&p, 30000000);
	while (p.replies < n) {
		int done = 0;
		ck_assert(!run_until(p.l, &done, 1) || p.replies >= n);
	}
	ck_assert_int_eq(p.pings, n);
	ck_assert_msg(o.gap <= max_gap, "%d%s calls in one turn of the loop", o.gap,
		      slow_us ? " slow" : "");
	ck_assert_int_ge(o.turns, n / max_gap);
	loop_remove(p.l, src);
	close(fd);
	pair_close(&p);
}

/* A storm of 3000 calls is worked through in slices: the loop's other
 * sources (the control socket) get a turn every 32 or so messages, not
 * after the whole storm. */
START_TEST(storm_shares_the_loop)
{
	storm(3000, 0, 64);
}
END_TEST

/* A storm of slow calls (2 ms each, as a PlayPause that stops the sound):
 * a turn of the loop ends 5 ms into it, after 3 calls, not 32 (a loaded
 * machine only makes each call longer: fewer in a turn). */
START_TEST(slow_storm_shares_the_loop)
{
	storm(200, 2000, 4);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("bus_source");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, call_answered);
	tcase_add_test(tc, call_timeout_wakes);
	tcase_add_test(tc, idle_sleeps);
	tcase_add_test(tc, peer_gone_lost_once);
	tcase_add_test(tc, storm_shares_the_loop);
	tcase_add_test(tc, slow_storm_shares_the_loop);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run(suite());
}

#else /* no libsystemd: no sd-bus */

int main(void)
{
	return 77; /* skipped */
}

#endif
