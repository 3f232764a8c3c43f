/* SPDX-License-Identifier: GPL-3.0-or-later */
/* session.h: one playback: a worker thread mixing a timeline ahead into a
 * live sink (PortAudio, or the null sink in tests), with pause, resume,
 * skip and stop. */
#ifndef BC_SESSION_H
#define BC_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "coach/config.h"
#include "coach/routine.h"
#include "audio/sink.h"
#include "playback/voice_speech.h"

/* What to play. Everything pointed to must outlive the session (until
 * session_join). The synthesiser in vs.sp belongs to the session's thread
 * from session_start to session_join: no other thread may use it then. */
struct session_spec {
	const struct config *cfg;     /* [audio] device and latency, metronome */
	const struct timeline *tl;
	struct voice_speech vs;       /* copied */
	const char *name;             /* for log lines: the routine's name */
	/* Opens the sink for [audio]; .open NULL: PortAudio
	 * (sink_pa_opener). */
	struct sink_opener opener;
	/* At each of tl->waits, wait for the user: paused (session_info
	 * says waiting) until resumed, skipped, stopped, or this long has
	 * passed. 0: no waits (played through). */
	int64_t wait_ms;
};

enum session_result {
	SESSION_DONE,    /* played to the end */
	SESSION_STOPPED, /* session_stop */
	SESSION_FAILED,  /* device or sound server gone, ... */
	SESSION_NO_OUTPUT, /* the output could not be opened at all */
};

enum session_state {
	SESSION_STARTING, /* opening the device, mixing the first block */
	SESSION_PLAYING,
	SESSION_PAUSED,
	SESSION_ENDING,   /* fading out / draining */
	SESSION_ENDED,    /* the thread is done: call session_join */
};

struct session_info {
	enum session_state state;
	bool stopping;         /* session_stop was called (else it ends by itself) */
	bool waiting;          /* paused by itself at a wait, for the user */
	int64_t pos;           /* timeline sample being heard now (about) */
	int step;              /* timeline step at pos, -1 before the first */
	char device[128];      /* device in use, "" until open */
	double latency_s;      /* its output latency */
	unsigned underflows;
	char output[300];      /* sink_describe: server, path, latency */
	char dropouts[200];    /* sink_describe_dropouts */
	char realtime[200];    /* rt_describe */
};

/* Make the thread the next session will play on, ahead (it sleeps until
 * then): a trigger then creates none on its way to the first sound.
 * session_join makes the next one by itself, alike. realtime: it asks for
 * realtime scheduling then too (rt_thread), as the feeding thread of a
 * PortAudio session does anyway. */
void session_prepare(bool realtime);

/* A start is on its way (a trigger came; what it plays is still being
 * worked out): the waiting thread opens the sink now, through opener (NULL:
 * PortAudio) for device and latency_ms, so that the round trip to the sound
 * server overlaps the caller's work. The next session_start takes that
 * sink if the spec asks for the same; one that does not come within 2 s
 * (the start was refused) finds it closed again. Does nothing unless a
 * thread waits (session_prepare) with nothing asked of it. */
void session_open_ahead(const struct sink_opener *opener, const char *device,
			int64_t latency_ms);

/* Start playing: the worker opens the device while the caller makes the
 * mixer here (no synthesis: the clicks, or the metronome's sound file),
 * then returns; the worker mixes the first period and starts the stream.
 * When the session has ended (any
 * way), it writes to end_fd (an eventfd or pipe: 8 bytes), and the caller
 * then calls session_join (once session_info says SESSION_ENDED: it also
 * writes there when a wait begins or ends by itself, for the caller to
 * show it). NULL with err filled if no thread could start. */
struct session *session_start(const struct session_spec *spec, int end_fd,
			      char *err, size_t errlen);

/* Requests; each returns at once and acts on what is queued at once (the
 * sink's pause, flush or fade), or, while the worker writes a block, right
 * after it; the worker then mixes on from the new place. */
void session_pause(struct session *s, bool pause);
bool session_paused(const struct session *s);
void session_skip(struct session *s);  /* to the start of the next step */
/* Again from the start of the step playing ("say that again"; before the
 * first step: from the beginning). */
void session_repeat(struct session *s);
/* Cut now (silent at once); tone: then a short end tone. */
void session_stop(struct session *s, bool tone);

void session_info(const struct session *s, struct session_info *info);

/* Wait for the worker to end, close the device, free s. Returns how it
 * ended; *heard (if not NULL) gets the last timeline position heard; err
 * gets what failed for SESSION_FAILED and SESSION_NO_OUTPUT. */
enum session_result session_join(struct session *s, int64_t *heard, char *err,
				 size_t errlen);

#endif
