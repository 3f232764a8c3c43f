/* SPDX-License-Identifier: GPL-3.0-or-later */
/* reminder_timeline.c: a reminder's message, countdown and routine as one
 * timeline. */
#include "coach/reminder_timeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

#define GAP BC_MS_TO_SAMPLES(REMINDER_COUNTDOWN_GAP_MS)

/* Copy s to *pool and move past it; returns the copy. */
static const char *pool_put(char **pool, const char *s)
{
	char *copy = *pool;
	size_t n = strlen(s) + 1;

	memcpy(copy, s, n);
	*pool += n;
	return copy;
}

struct piece {
	char *text;
	int64_t at, len; /* len < 0: left out */
	enum cue_role role;
};

/* The spoken pieces: the message, and with a body "Get ready." and the
 * numbers. Returns how many. */
static size_t pieces(const struct language *lang, const char *message,
		     bool body, struct piece *pc)
{
	size_t n = 0;

	pc[n++] = (struct piece){ .text = xstrdup(message), .role = ROLE_INTRO };
	if (!body)
		return n;
	pc[n++] = (struct piece){ .text = xstrdup(lang->phrase[PH_GET_READY]),
				  .role = ROLE_GET_READY };
	for (int i = REMINDER_COUNTDOWN_NUMBERS; i >= 1; i--) {
		char num[16];
		snprintf(num, sizeof(num), "%d", i);
		pc[n++] = (struct piece){
			.text = util_replace(lang->phrase[PH_COUNT_REP], "{n}", num),
			.role = ROLE_COUNTDOWN,
		};
	}
	return n;
}

/* Place the measured pieces: the message at 0; "Get ready." after it; the
 * body countdown_ms after the message, with the numbers a second apart
 * before it, where they fit after "Get ready.". Returns where the body
 * starts; *end gets the end of the last piece. */
static int64_t place(struct piece *pc, size_t npc, int64_t countdown_ms,
		     int64_t *end)
{
	int64_t start_body;

	*end = pc[0].len;
	if (npc == 1)
		return *end;
	pc[1].at = *end + GAP;
	*end = pc[1].at + pc[1].len;
	start_body = pc[0].len + GAP + BC_MS_TO_SAMPLES(countdown_ms);
	if (start_body < *end + GAP)
		start_body = *end + GAP;
	for (size_t i = 2; i < npc; i++) {
		int n = REMINDER_COUNTDOWN_NUMBERS - (int)(i - 2);
		int64_t at = start_body - BC_MS_TO_SAMPLES(1000 * n);
		if (at < *end + GAP / 2) {
			pc[i].len = -1; /* no room: left out */
			continue;
		}
		pc[i].at = at;
		*end = at + pc[i].len;
	}
	return start_body;
}

/* Fill out from the placed pieces and the body shifted to start_body. */
static void assemble(const struct piece *pc, size_t npc,
		     const struct timeline *body, int64_t start_body,
		     struct timeline *out)
{
	size_t pool_len = sizeof("Reminder"), ci = 0, si = 0;
	char *pool;

	for (size_t i = 0; i < npc; i++)
		pool_len += strlen(pc[i].text) + 1;
	for (size_t i = 0; body && i < body->n_cues; i++)
		if (body->cues[i].text)
			pool_len += strlen(body->cues[i].text) + 1;
	for (size_t i = 0; body && i < body->n_steps; i++)
		pool_len += strlen(body->steps[i].name) + 1;
	pool = out->pool = xmalloc(pool_len);
	out->pool_len = out->pool_cap = pool_len;

	out->n_cues = npc + (body ? body->n_cues : 0);
	out->n_steps = 1 + (body ? body->n_steps : 0);
	out->cues = xcalloc(out->n_cues, sizeof(*out->cues));
	out->steps = xcalloc(out->n_steps, sizeof(*out->steps));
	out->steps[si++] = (struct step){ .at = 0, .name = pool_put(&pool, "Reminder"),
					  .exercise = -1 };
	for (size_t i = 0; i < npc; i++) {
		if (pc[i].len < 0)
			continue;
		out->cues[ci++] = (struct cue){
			.at = pc[i].at, .len = pc[i].len, .kind = CUE_SPEECH,
			.role = pc[i].role, .step = 0, .phase = -1,
			.text = pool_put(&pool, pc[i].text), .gain = 1.0f,
		};
	}
	for (size_t i = 0; body && i < body->n_cues; i++) {
		struct cue c = body->cues[i];
		c.at += start_body;
		c.step += 1;
		if (c.text)
			c.text = pool_put(&pool, c.text);
		out->cues[ci++] = c;
	}
	for (size_t i = 0; body && i < body->n_steps; i++) {
		struct step s = body->steps[i];
		s.at += start_body;
		s.name = pool_put(&pool, s.name);
		out->steps[si++] = s;
	}
	out->n_cues = ci;
}

int reminder_timeline(const struct language *lang, int voice_routine,
		      const char *message, const struct timeline *body,
		      int64_t countdown_ms, speech_measure_fn measure, void *ctx,
		      struct timeline *out, int64_t *body_at, char *err,
		      size_t errlen)
{
	struct piece pc[2 + REMINDER_COUNTDOWN_NUMBERS];
	size_t npc = pieces(lang, message, body != NULL, pc);
	int64_t end, start_body;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < npc; i++) {
		pc[i].len = measure(ctx, pc[i].text, err, errlen);
		if (pc[i].len < 0)
			goto out;
	}
	start_body = place(pc, npc, countdown_ms, &end);
	assemble(pc, npc, body, start_body, out);
	if (body) {
		out->length = start_body + body->length;
		out->routine = body->routine;
		out->skipped_equipment = body->skipped_equipment;
		/* The body's waits and question, where the body now is. */
		if (body->n_waits) {
			out->waits = xcalloc(body->n_waits, sizeof(*out->waits));
			for (size_t i = 0; i < body->n_waits; i++)
				out->waits[i] = body->waits[i] + start_body;
			out->n_waits = body->n_waits;
		}
		if (body->plan) {
			out->plan = xcalloc(body->n_plan, sizeof(*out->plan));
			memcpy(out->plan, body->plan, body->n_plan * sizeof(*out->plan));
			out->n_plan = body->n_plan;
		}
		if (body->ask_end) {
			out->ask_at = body->ask_at + start_body;
			out->ask_end = body->ask_end + start_body;
		}
	} else {
		out->length = end; /* sitting counts from here: no tail */
		out->routine = voice_routine;
	}
	out->language_voice = xstrdup(lang->voice);
	*body_at = start_body;
	ret = 0;
out:
	for (size_t i = 0; i < npc; i++)
		free(pc[i].text);
	return ret;
}
