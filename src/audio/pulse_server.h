/* SPDX-License-Identifier: GPL-3.0-or-later */
/* pulse_server.h: which pulse-protocol sound server answers (PulseAudio,
 * or PipeWire's pipewire-pulse), asked once when an output opens. */
#ifndef BC_PULSE_SERVER_H
#define BC_PULSE_SERVER_H

#include <stddef.h>

/* Connect to the server libpulse would use (PULSE_SERVER, the user's
 * runtime directory; never autospawning one), ask its name and version,
 * disconnect. 0 with name filled ("PulseAudio 16.1", "PipeWire 0.3.65"), or
 * -1 when none answers within timeout_ms. Costs
 * a few ms; nothing stays connected. */
int pulse_server_query(char *name, size_t len, int timeout_ms);
/* As pulse_server_query, but the last answer stands while the server that
 * gave it still takes connections on the same unix socket (the same file,
 * not a restarted server's new one; the same PULSE_SERVER, runtime
 * directory and HOME): a stat and a bare connect, ~50 us, instead of a
 * whole libpulse connection (2-7 ms) on a trigger's way to the first
 * sound. Never autospawns either. Thread-safe. */
int pulse_server_known(char *name, size_t len, int timeout_ms);

#endif
