/* SPDX-License-Identifier: GPL-3.0-or-later */
/* loop.c: one ppoll over every source, with one next deadline. */
#include "base/loop.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/util.h"

struct loop_source {
	int fd;
	const struct loop_source_ops *ops;
	void *data;
	bool removed;
	/* loop_add_fd: its own ops read these. */
	short fd_events;
	loop_fd_fn fd_fn;
	void *fd_data;
};

struct loop {
	struct loop_source **src;
	size_t n, cap;
	struct pollfd *pfd;   /* per round: one per source */
	uint64_t *due;        /* per round: each source's deadline */
	size_t pfd_cap;
	bool quit;
	bool dispatching;
	bool dead; /* a source was removed while dispatching: sweep after */
	void (*wakeup)(void *data);
	void *wakeup_data;
};

uint64_t loop_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

struct loop *loop_new(void)
{
	return xcalloc(1, sizeof(struct loop));
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		free(l->src[i]);
	free(l->src);
	free(l->pfd);
	free(l->due);
	free(l);
}

struct loop_source *loop_add(struct loop *l, int fd,
			     const struct loop_source_ops *ops, void *data)
{
	struct loop_source *s = xcalloc(1, sizeof(*s));

	s->fd = fd;
	s->ops = ops;
	s->data = data;
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 8;
		l->src = xrealloc(l->src, l->cap * sizeof(*l->src));
	}
	l->src[l->n++] = s;
	return s;
}

static void sweep(struct loop *l)
{
	size_t j = 0;

	for (size_t i = 0; i < l->n; i++) {
		if (l->src[i]->removed)
			free(l->src[i]);
		else
			l->src[j++] = l->src[i];
	}
	l->n = j;
	l->dead = false;
}

void loop_remove(struct loop *l, struct loop_source *s)
{
	if (!s)
		return;
	s->removed = true;
	l->dead = true;
	if (!l->dispatching)
		sweep(l);
}

static void fd_prepare(void *data, short *events, uint64_t *deadline_us)
{
	const struct loop_source *s = data;

	(void)deadline_us;
	*events = s->fd_events;
}

static void fd_dispatch(void *data, short revents)
{
	const struct loop_source *s = data;

	s->fd_fn(s->fd_data, revents);
}

static const struct loop_source_ops fd_ops = {
	.prepare = fd_prepare,
	.dispatch = fd_dispatch,
};

struct loop_source *loop_add_fd(struct loop *l, int fd, short events,
				loop_fd_fn fn, void *data)
{
	struct loop_source *s = loop_add(l, fd, &fd_ops, NULL);

	s->data = s;
	s->fd_events = events;
	s->fd_fn = fn;
	s->fd_data = data;
	return s;
}

void loop_set_wakeup(struct loop *l, void (*fn)(void *data), void *data)
{
	l->wakeup = fn;
	l->wakeup_data = data;
}

void loop_quit(struct loop *l)
{
	l->quit = true;
}

bool loop_quitting(const struct loop *l)
{
	return l->quit;
}

int loop_run_once(struct loop *l)
{
	/* Sources added while dispatching wait for the next round. */
	size_t n = l->n;
	uint64_t deadline = LOOP_NO_DEADLINE, now;
	struct timespec ts, *timeout = NULL;
	int r;

	if (l->pfd_cap < n) {
		l->pfd_cap = n;
		l->pfd = xrealloc(l->pfd, n * sizeof(*l->pfd));
		l->due = xrealloc(l->due, n * sizeof(*l->due));
	}
	uint64_t *due = l->due;
	for (size_t i = 0; i < n; i++) {
		struct loop_source *s = l->src[i];
		short events = 0;

		due[i] = LOOP_NO_DEADLINE;
		if (s->ops->prepare)
			s->ops->prepare(s->data, &events, &due[i]);
		l->pfd[i] = (struct pollfd){ .fd = s->fd, .events = events };
		if (due[i] < deadline)
			deadline = due[i];
	}
	if (deadline != LOOP_NO_DEADLINE) {
		now = loop_now_us();
		uint64_t wait = deadline > now ? deadline - now : 0;
		ts.tv_sec = (time_t)(wait / 1000000u);
		ts.tv_nsec = (long)(wait % 1000000u) * 1000;
		timeout = &ts;
	}
	r = ppoll(l->pfd, (nfds_t)n, timeout, NULL);
	if (r < 0)
		return errno == EINTR ? 0 : -1;
	if (l->wakeup)
		l->wakeup(l->wakeup_data);
	now = deadline != LOOP_NO_DEADLINE ? loop_now_us() : 0;
	l->dispatching = true;
	for (size_t i = 0; i < n && !l->quit; i++) {
		struct loop_source *s = l->src[i];
		short rev = l->pfd[i].fd >= 0 ? l->pfd[i].revents : 0;

		if (s->removed || (!rev && (due[i] == LOOP_NO_DEADLINE || due[i] > now)))
			continue;
		s->ops->dispatch(s->data, rev);
	}
	l->dispatching = false;
	if (l->dead)
		sweep(l);
	return 0;
}

int loop_run(struct loop *l)
{
	while (!l->quit)
		if (loop_run_once(l) < 0)
			return -1;
	return 0;
}
