/* render.h: the offline path: routine -> timeline -> speech -> mixer -> sink. */
#ifndef BC_RENDER_H
#define BC_RENDER_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "mixer.h"
#include "routine.h"
#include "sink.h"
#include "speech.h"

/* Binds a synthesiser to the voice of one routine: the measure function the
 * compiler needs and the speech source the mixer needs. */
struct voice_speech {
	struct speech *sp;
	struct speech_voice voice;
	double seconds; /* time spent synthesising, for the benchmark */
};
int64_t voice_speech_measure(void *ctx, const char *text, char *err,
			     size_t errlen);
struct speech_source voice_speech_source(struct voice_speech *vs);

struct render_stats {
	double compile_s, speech_s, mix_s, encode_s, total_s;
	int64_t samples;
};

/* Render routine number `routine` of cfg to out_path. progress: draw a
 * progress bar on stderr. Returns 0, or -1 with err filled (no file left). */
int render_routine(const struct config *cfg, struct speech *sp, int routine,
		   const struct compile_opts *opts, const char *out_path,
		   bool progress, struct render_stats *st, char *err,
		   size_t errlen);

#endif
