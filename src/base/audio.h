/* SPDX-License-Identifier: GPL-3.0-or-later */
/* audio.h: the one internal sample format shared by every stage. */
#ifndef BC_AUDIO_H
#define BC_AUDIO_H

#include <stddef.h>
#include <stdint.h>

/* Internal sample rate: eSpeak NG's native rate, so speech needs no
 * resampling; every other source is resampled to it. Mono float, full scale
 * is +-1.0. */
#define BC_RATE 22050

/* Milliseconds <-> samples at BC_RATE (rounded to the nearest sample). */
#define BC_MS_TO_SAMPLES(ms) (((int64_t)(ms) * BC_RATE + 500) / 1000)
#define BC_SAMPLES_TO_MS(n) (((int64_t)(n) * 1000 + BC_RATE / 2) / BC_RATE)

/* A block of mono samples at BC_RATE, owned by whoever made it. */
struct clip {
	float *s;
	size_t n;
};

#endif
