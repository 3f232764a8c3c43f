/* SPDX-License-Identifier: GPL-3.0-or-later */
/* script.h: a compiled timeline as text: the script (one line per cue) and
 * WebVTT subtitles. */
#ifndef BC_SCRIPT_H
#define BC_SCRIPT_H

#include <stdbool.h>
#include <stdio.h>

#include "coach/config.h"
#include "coach/routine.h"

/* One line per step, breath phase and cue, in time order:
 *   START END KIND WHAT WORDS
 * KIND is step, breath (a paced breath phase), speech, tone (breath tone),
 * chime or beat; WHAT the role ("setup", "next", "release", ...), the phase
 * ("inhale", ...), or for beats "accent"/"beat"; WORDS what is said (speech),
 * the step's name, the pattern's name, or the tone's glide. Times as
 * M:SS.mmm, or (samples) as sample numbers at BC_RATE. Lines starting with
 * # are comments. Returns 0, or -1 on a write error. */
int script_write(FILE *f, const struct config *cfg, const struct timeline *tl,
		 bool samples);

/* WebVTT subtitles: one cue per speech cue, in time order. Returns 0, or -1
 * on a write error. */
int script_write_vtt(FILE *f, const struct timeline *tl);

#endif
