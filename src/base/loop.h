/* SPDX-License-Identifier: GPL-3.0-or-later */
/* loop.h: the daemon's one poll loop, with pluggable sources.
 *
 * A source is an fd (or -1: a deadline only) with two callbacks. Before each
 * poll every source says what it waits for now: poll events and a deadline
 * on CLOCK_MONOTONIC. The loop sleeps in one ppoll until an fd is ready or
 * the earliest deadline passes, then dispatches the sources that are due, in
 * the order they were added. A source with no deadline adds none: with none
 * due, the loop sleeps with no timeout at all (no periodic wakeups).
 *
 * An sd-bus connection joins as one source (bus_source.h): prepare returns
 * sd_bus_get_events() and sd_bus_get_timeout(), dispatch runs sd_bus_process
 * until it returns 0 (at most 32 messages or 5 ms a round). Signals (a signalfd) and timers (timerfds) are plain
 * fd sources (loop_add_fd). */
#ifndef BC_LOOP_H
#define BC_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct loop;
struct loop_source;

#define LOOP_NO_DEADLINE UINT64_MAX

struct loop_source_ops {
	/* Before each poll: the events to wait for now, and the next deadline
	 * (CLOCK_MONOTONIC microseconds; LOOP_NO_DEADLINE for none). Both
	 * come preset: *events to 0, *deadline_us to LOOP_NO_DEADLINE. May
	 * be NULL: no events, no deadline. */
	void (*prepare)(void *data, short *events, uint64_t *deadline_us);
	/* After the poll: revents (0 when only the deadline passed). */
	void (*dispatch)(void *data, short revents);
};

struct loop *loop_new(void);
/* Removes what is still added (without calling anything) and frees l. */
void loop_free(struct loop *l);

/* Add a source, dispatched from the next poll on. fd may be -1. ops must
 * outlive the source. Never fails (allocation failure aborts). */
struct loop_source *loop_add(struct loop *l, int fd,
			     const struct loop_source_ops *ops, void *data);
/* Remove a source: it is not dispatched again, also when removed from a
 * dispatch in the same round. Does not close its fd. */
void loop_remove(struct loop *l, struct loop_source *s);

/* The common case: wait for events on fd (POLLIN for signalfd, timerfd,
 * eventfd, a listening socket) and call fn(data, revents). */
typedef void (*loop_fd_fn)(void *data, short revents);
struct loop_source *loop_add_fd(struct loop *l, int fd, short events,
				loop_fd_fn fn, void *data);

/* Called after every wakeup, before any source is dispatched (the daemon
 * checks there whether the machine was suspended). NULL: none. */
void loop_set_wakeup(struct loop *l, void (*fn)(void *data), void *data);

/* Dispatch no more sources this round and return from loop_run. */
void loop_quit(struct loop *l);
bool loop_quitting(const struct loop *l);

/* One round: prepare, poll, dispatch. Returns 0, or -1 when poll failed
 * (errno set; EINTR is not a failure). */
int loop_run_once(struct loop *l);
/* Rounds until loop_quit. Returns 0, or -1 when poll failed. */
int loop_run(struct loop *l);

/* CLOCK_MONOTONIC now, in microseconds. */
uint64_t loop_now_us(void);

#endif
