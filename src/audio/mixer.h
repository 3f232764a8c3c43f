/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mixer.h: turn a timeline into samples, block by block, from any position. */
#ifndef BC_MIXER_H
#define BC_MIXER_H

#include <stddef.h>
#include <stdint.h>

#include "base/audio.h"
#include "coach/config.h"
#include "coach/routine.h"

/* Where the mixer gets speech samples for a CUE_SPEECH cue. get returns a
 * clip that stays valid until the next get call (a speech_get cache entry),
 * or NULL on failure: that cue is then silent, and the failure is the
 * source's to report. A clip plays for at most cue.len samples (the measured
 * length), faded at both ends; get may be called several times per cue. */
struct speech_source {
	const struct clip *(*get)(void *ctx, const struct cue *c);
	void *ctx;
};

/* Levels (linear gains, before the master gain). */
#define MIXER_SPEECH_GAIN 0.70f
#define MIXER_DUCK_DB (-15.0f)   /* tones and plain clicks under speech, >= 12 dB
                                    down; an accented click is not ducked */
#define MIXER_FADE_MS 5          /* fade at every clip edge */

struct mixer;

/* A mixer over tl (which must outlive it), with the metronome sound and
 * volume from cfg ("click", "wood", "beep" built in, or a sound file read
 * with libsndfile and resampled to BC_RATE). Returns NULL with err filled. */
struct mixer *mixer_new(const struct timeline *tl, const struct config *cfg,
			struct speech_source src, char *err, size_t errlen);

/* Mix the next up-to-frames samples into out (overwritten, never past +-1.0)
 * and advance. Returns the number produced: fewer than frames only at the end
 * of the timeline, 0 after it. */
size_t mixer_render(struct mixer *m, float *out, size_t frames);

/* Jump to sample position pos (0 <= pos <= tl->length); the next render
 * starts there, with cues already under way picked up mid-way. */
void mixer_seek(struct mixer *m, int64_t pos);
int64_t mixer_pos(const struct mixer *m);

void mixer_free(struct mixer *m);

#endif
