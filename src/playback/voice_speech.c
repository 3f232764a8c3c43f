/* SPDX-License-Identifier: GPL-3.0-or-later */
/* voice_speech.c: speech in one routine's voice, for the compiler and the
 * mixer. */
#include "playback/voice_speech.h"

#include "base/log.h"
#include "base/util.h"

int64_t voice_speech_measure(void *ctx, const char *text, char *err,
			     size_t errlen)
{
	struct voice_speech *vs = ctx;
	double t0 = util_now();
	const struct clip *c = speech_get(vs->sp, &vs->voice, text, err, errlen);

	vs->seconds += util_now() - t0;
	return c ? (int64_t)c->n : -1;
}

/* Not timed as speech: in a render every clip comes from the cache (the
 * compiler measured, so synthesised, every text, and the cache is unbounded),
 * so fetching one while mixing is part of mixing. */
static const struct clip *voice_speech_get(void *ctx, const struct cue *cue)
{
	struct voice_speech *vs = ctx;
	char err[256];
	const struct clip *c = speech_get(vs->sp, &vs->voice, cue->text, err,
					  sizeof(err));

	if (!c)
		log_err("speech for \"%.40s\": %s", cue->text, err);
	return c;
}

struct speech_source voice_speech_source(struct voice_speech *vs)
{
	return (struct speech_source){ .get = voice_speech_get, .ctx = vs };
}
