/* SPDX-License-Identifier: GPL-3.0-or-later */
/* render.h: the offline path: routine -> timeline -> speech -> mixer -> sink. */
#ifndef BC_RENDER_H
#define BC_RENDER_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "coach/config.h"
#include "audio/mixer.h"
#include "coach/routine.h"
#include "audio/sink.h"
#include "speech/speech.h"

struct render_stats {
	double compile_s, speech_s, mix_s, encode_s, total_s;
	int64_t samples;
};

/* The signals that would end the process (HUP, INT, QUIT, PIPE, ALRM, TERM,
 * USR1, USR2, XCPU, XFSZ, VTALRM, PROF, IO, PWR) and are not ignored (INT
 * and TERM even then): the caller blocks them during a render, which then stops between blocks when
 * one is pending and leaves no file. (SIGKILL cannot be blocked: the file
 * has no name until it is complete, where the filesystem has O_TMPFILE.) */
void render_stop_signals(sigset_t *set);
/* The first of those signals pending, or 0. */
int render_pending_signal(void);

/* Render routine number `routine` of cfg to out_path, and (subtitles not
 * NULL) its speech as WebVTT subtitles to that path. progress: draw a
 * progress bar on stderr. Returns 0, or -1 with err filled (no file left). */
int render_routine(const struct config *cfg, struct speech *sp, int routine,
		   const struct compile_opts *opts, const char *out_path,
		   const char *subtitles, bool progress, struct render_stats *st,
		   char *err, size_t errlen);

#endif
