/* SPDX-License-Identifier: GPL-3.0-or-later */
/* voice_speech.h: a synthesiser bound to the voice of one routine: the
 * measure function the compiler needs and the speech source the mixer
 * needs. The offline render and the live session both use it. */
#ifndef BC_VOICE_SPEECH_H
#define BC_VOICE_SPEECH_H

#include <stddef.h>
#include <stdint.h>

#include "audio/mixer.h"
#include "speech/speech.h"

struct voice_speech {
	struct speech *sp;
	struct speech_voice voice;
	double seconds; /* time spent synthesising, for the benchmark */
};

/* speech_measure_fn (routine.h): the length of text in samples. */
int64_t voice_speech_measure(void *ctx, const char *text, char *err,
			     size_t errlen);
/* The mixer's speech, from vs's cache (synthesised when missing). */
struct speech_source voice_speech_source(struct voice_speech *vs);

#endif
