/* SPDX-License-Identifier: GPL-3.0-or-later */
/* reminder_timeline.h: what a reminder plays: its message, then a countdown
 * and a routine. Pure: lengths come from the caller's measure function. */
#ifndef BC_REMINDER_TIMELINE_H
#define BC_REMINDER_TIMELINE_H

#include <stddef.h>
#include <stdint.h>

#include "coach/config.h"
#include "coach/routine.h"

/* Pause after the message (and after "Get ready."), then "3", "2", "1" a
 * second apart, the last a second before the routine. */
#define REMINDER_COUNTDOWN_GAP_MS 400
#define REMINDER_COUNTDOWN_NUMBERS 3

/* Build into out a timeline that speaks message at 0 and, if body is not
 * NULL, then "Get ready." (lang's phrase), counts down and plays body
 * countdown_ms after the message ends (later if "Get ready." needs it).
 * Numbers that do not fit after "Get ready." are left out. Without a body
 * the timeline ends with the message (no tail) and its routine is
 * voice_routine. Every string is copied into out's pool: out is freed with
 * timeline_free and borrows nothing. *body_at gets where body starts (the
 * message's end without one). Returns 0 or -1 with err filled (by
 * measure). */
int reminder_timeline(const struct language *lang, int voice_routine,
		      const char *message, const struct timeline *body,
		      int64_t countdown_ms, speech_measure_fn measure, void *ctx,
		      struct timeline *out, int64_t *body_at, char *err,
		      size_t errlen);

#endif
