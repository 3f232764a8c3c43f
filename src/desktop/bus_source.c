/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bus_source.c: an sd-bus connection on the loop (see bus_source.h). */
#include "desktop/bus_source.h"

#ifdef HAVE_LIBSYSTEMD

#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>

#include <systemd/sd-bus.h>

#include "base/loop.h"
#include "base/util.h"

/* A round of the loop processes at most BUDGET messages, and no more once
 * SLICE_US have passed: a storm of calls or signals is worked through a
 * slice at a time, with every other source (the control socket, signals,
 * timers) served between slices, also when each message takes long (a
 * PlayPause stops or starts the sound). */
#define BUDGET 32
#define SLICE_US 5000u

struct bus_source {
	bool more;          /* the budget ran out with work left */
	struct loop *loop;
	struct loop_source *src;
	sd_bus *bus;
	bus_source_lost_fn lost;
	void *data;
};

static void bus_prepare(void *data, short *events, uint64_t *deadline_us)
{
	struct bus_source *s = data;
	uint64_t t;
	int e = sd_bus_get_events(s->bus);

	*events = e > 0 ? (short)e : POLLIN;
	if (s->more)
		*deadline_us = 0; /* read already: poll would not say so */
	else if (sd_bus_get_timeout(s->bus, &t) >= 0)
		*deadline_us = t;
}

static void bus_dispatch(void *data, short revents)
{
	struct bus_source *s = data;
	uint64_t end = loop_now_us() + SLICE_US;
	int r, n = 0;

	(void)revents;
	do {
		r = sd_bus_process(s->bus, NULL);
	} while (r > 0 && ++n < BUDGET && loop_now_us() < end);
	s->more = r > 0;
	if (r < 0)
		s->lost(s->data, r); /* may free s: not touched after */
}

static const struct loop_source_ops bus_ops = {
	.prepare = bus_prepare,
	.dispatch = bus_dispatch,
};

struct bus_source *bus_source_new(struct loop *l, sd_bus *bus,
				  bus_source_lost_fn lost, void *data)
{
	struct bus_source *s = xcalloc(1, sizeof(*s));

	s->loop = l;
	s->bus = bus;
	s->lost = lost;
	s->data = data;
	s->src = loop_add(l, sd_bus_get_fd(bus), &bus_ops, s);
	return s;
}

void bus_source_free(struct bus_source *s)
{
	if (!s)
		return;
	loop_remove(s->loop, s->src);
	free(s);
}

#endif
