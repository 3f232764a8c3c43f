/* SPDX-License-Identifier: GPL-3.0-or-later */
/* speech.h: eSpeak NG text-to-speech, isolated in a worker process. */
#ifndef BC_SPEECH_H
#define BC_SPEECH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "base/audio.h"
#include "coach/config.h"

/* How to speak: resolved from [coach] and the routine's [language:NAME]. */
struct speech_voice {
	const char *language; /* installed eSpeak NG language voice: "en-us", "de" */
	const char *variant;  /* variant name ("calm": shipped in voices/ or
	                         installed in espeak-ng-data/voices/!v), or NULL */
	int rate;             /* words per minute, 80..450 */
	int pitch;            /* 0..100 */
	int range;            /* pitch range 0..100 */
	int volume;           /* percent, 0..200, applied as linear gain */
};

/* Longest text handed to the synthesiser in one call (bytes, UTF-8): at
 * least the longest text a config may hold. */
#define SPEECH_MAX_TEXT 2000
_Static_assert(SPEECH_MAX_TEXT >= CONFIG_MAX_TEXT, "config text must fit");

struct speech;

/* Start the synthesiser. It runs eSpeak NG in a child process, so text that
 * crashes eSpeak NG cannot take the caller down; it is restarted on the next
 * call after a crash. Call before creating threads where possible. Returns
 * NULL and fills err on failure. A struct speech is used by one thread at a
 * time; its worker dies with the thread that started it (PR_SET_PDEATHSIG)
 * and is then restarted on the next call. */
struct speech *speech_open(char *err, size_t errlen);

/* Synthesise text into a newly malloc'd clip at BC_RATE. Same voice and text
 * always give the same samples. Returns 0, or -1 with err filled (bad voice,
 * text too long or not UTF-8, synthesiser crashed: "speech synthesiser
 * crashed (signal 11)"). The caller frees clip->s. Leading and trailing
 * silence is trimmed to 20 ms; a text with nothing to say gives n = 0. */
int speech_synth(struct speech *sp, const struct speech_voice *v,
		 const char *text, struct clip *out, char *err, size_t errlen);

/* Like speech_synth, but remembers results: the returned clip belongs to the
 * cache and stays valid until the cache evicts it (it keeps at most
 * budget_bytes, least recently used first; 0 = unlimited) or speech_close. The
 * entry returned by the latest call is never evicted by the next one, so the
 * cache may exceed the budget by up to those two entries. Failures are not
 * cached. speech_cache_clear invalidates all clips speech_get returned.
 * Returns NULL with err filled on failure. */
const struct clip *speech_get(struct speech *sp, const struct speech_voice *v,
			      const char *text, char *err, size_t errlen);
void speech_set_cache_budget(struct speech *sp, size_t budget_bytes);
void speech_cache_clear(struct speech *sp);

/* Speech is also kept on disk, in $XDG_CACHE_HOME/backcoach/speech/ (one
 * file per line and voice, read before the synthesiser is asked; written
 * after it answered): speech_get reads a line synthesised once by any
 * process instead of synthesising it again. speech_cache_tidy removes the
 * entries not used for 30 days and, past 128 MiB, the least recently used:
 * call it now and then (the daemon: once its routines are measured). */
void speech_cache_tidy(const struct speech *sp);

void speech_close(struct speech *sp);

/* Is name an installed eSpeak NG language voice ("en", "en-us", "de")? */
bool speech_language_exists(const char *name);
/* Is name a voice variant we may load: shipped in a voices directory or
 * installed in eSpeak NG's voices/!v? Names are [A-Za-z0-9_-]+ only,
 * starting with a letter (eSpeak NG reads "+3" as variant m3), at most 32
 * characters: no paths. The voices directories searched for shipped
 * variants, in order: $BACKCOACH_VOICE_PATH (colon-separated),
 * $XDG_DATA_HOME/backcoach/voices (~/.local/share/...), BC_VOICESDIR (the
 * installed voices/), then ../voices next to the running executable (an
 * uninstalled build tree). */
bool speech_variant_exists(const char *name);
/* The voice routine number `routine` of cfg speaks with: its language's
 * eSpeak NG voice, with [coach] variant, rate, pitch, range and volume.
 * Strings point into cfg. */
void speech_voice_for(const struct config *cfg, int routine,
		      struct speech_voice *v);
/* The two checks above, for config_load. */
extern const struct config_voices speech_config_voices;
/* Print the installed language voices and the available variants. */
void speech_list_voices(FILE *f);

#endif
