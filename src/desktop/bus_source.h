/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bus_source.h: an sd-bus connection as a source on the daemon's loop.
 *
 * Before each poll the source asks sd-bus what it waits for
 * (sd_bus_get_events, POLLIN when that says nothing) and until when
 * (sd_bus_get_timeout: the earliest pending call's timeout, none while
 * nothing is pending, so an idle connection never wakes the loop). When the
 * fd is ready or the deadline passes, it runs sd_bus_process until there is
 * nothing left to do, or for at most 32 messages or 5 ms a round (whichever
 * comes first): the rest in the next round, at once, after the other
 * sources (a storm of calls never starves the control socket, nor one of
 * slow calls). When processing fails, the connection is lost:
 * lost(data, err) is called (err a negative errno), with the source still
 * attached; the owner frees it there and closes the bus.
 *
 * The owner keeps the connection: the source holds no reference, so it is
 * freed before the bus is closed. Only built with libsystemd. */
#ifndef BC_BUS_SOURCE_H
#define BC_BUS_SOURCE_H

struct loop;
struct sd_bus;
struct bus_source;

typedef void (*bus_source_lost_fn)(void *data, int err);

/* Attach bus (started, or being started) to l: dispatched from the next
 * poll on. Never fails (allocation failure aborts). */
struct bus_source *bus_source_new(struct loop *l, struct sd_bus *bus,
				  bus_source_lost_fn lost, void *data);
/* Detach and free (NULL: nothing). Also from lost: the source is not
 * dispatched again. Not from a handler that sd_bus_process runs. */
void bus_source_free(struct bus_source *s);

#endif
