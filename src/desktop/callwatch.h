/* SPDX-License-Identifier: GPL-3.0-or-later */
/* callwatch.h: is some other program recording from a microphone? (a call,
 * a screen share with voice) through the sound server's PulseAudio protocol,
 * which PipeWire's pulse server speaks too.
 *
 * libpulse runs in its own thread (pa_threaded_mainloop), which sleeps in
 * poll with no timeout while nothing changes: its timers and deferred events
 * stay out of the daemon's loop, and the only shared state is a count under
 * a mutex and an eventfd that wakes the loop when the count changes.
 *
 * Counted: source outputs (recording streams) that are not corked, on a
 * source that is not a sink's monitor, that are not level meters: not peak
 * detection streams (resample method "peaks", what PA_STREAM_PEAK_DETECT
 * gives), and not pavucontrol or GNOME's volume control (application.id
 * org.PulseAudio.pavucontrol, org.gnome.VolumeControl: the ones GNOME
 * Shell's microphone indicator leaves out), and not this process.
 *
 * When the server is unreachable or goes away: a log line, no call
 * detection, and a new connection after 1 s, doubling up to 2 minutes. */
#ifndef BC_CALLWATCH_H
#define BC_CALLWATCH_H

#include <stdbool.h>
#include <stddef.h>

struct callwatch;

/* Start watching (never fails for a missing server: it is waited for).
 * Returns NULL only when libpulse cannot run at all (logged). */
struct callwatch *callwatch_new(void);
void callwatch_free(struct callwatch *w);
/* Readable when the count changed; read it with callwatch_count. */
int callwatch_fd(const struct callwatch *w);
/* Recordings now (0 while not connected); clears the fd. *connected: is
 * the server reachable. who: the first recording application's name. */
int callwatch_count(struct callwatch *w, bool *connected, char *who, size_t len);

#endif
