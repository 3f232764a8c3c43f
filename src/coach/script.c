/* SPDX-License-Identifier: GPL-3.0-or-later */
/* script.c: a compiled timeline as text: the script and WebVTT subtitles. */
#include "coach/script.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

/* M:SS.mmm, or the sample number. */
static const char *when(int64_t at, bool samples, char *buf, size_t len)
{
	int64_t ms = BC_SAMPLES_TO_MS(at);

	if (samples)
		snprintf(buf, len, "%" PRId64, at);
	else
		snprintf(buf, len, "%" PRId64 ":%02d.%03d", ms / 60000,
			 (int)(ms / 1000 % 60), (int)(ms % 1000));
	return buf;
}

static void line(FILE *f, int64_t at, int64_t end, bool samples,
		 const char *kind, const char *what, const char *words)
{
	char a[32], b[32];

	fprintf(f, "%-10s %-10s %-7s %-12s %s\n", when(at, samples, a, sizeof(a)),
		when(end, samples, b, sizeof(b)), kind, what, words ? words : "");
}

int script_write(FILE *f, const struct config *cfg, const struct timeline *tl,
		 bool samples)
{
	size_t s = 0, p = 0;
	char d[32];

	if (tl->routine >= 0 && (size_t)tl->routine < cfg->n_routines) {
		const struct routine *r = &cfg->routines[tl->routine];

		fprintf(f, "# %s: %s; %s (%" PRId64 " samples at %d Hz); voice %s, rate %d\n",
			r->name, r->title,
			util_format_duration(BC_SAMPLES_TO_MS(tl->length), d, sizeof(d)),
			tl->length, BC_RATE,
			tl->language_voice ? tl->language_voice : "?", cfg->coach.rate);
	}
	fprintf(f, "# %-8s %-10s %-7s %-12s %s\n", "START", "END", "KIND", "WHAT", "WORDS");
	for (size_t i = 0; i <= tl->n_cues; i++) {
		int64_t at = i < tl->n_cues ? tl->cues[i].at : INT64_MAX;

		/* Steps, then phases, before the cues starting with them. */
		for (; s < tl->n_steps && tl->steps[s].at <= at; s++) {
			const struct step *st = &tl->steps[s];
			int64_t end = s + 1 < tl->n_steps ? tl->steps[s + 1].at : tl->length;

			line(f, st->at, end, samples, "step",
			     st->exercise >= 0 ? cfg->exercises[st->exercise].name : "-",
			     st->name);
		}
		for (; p < tl->n_phases && tl->phases[p].at <= at; p++) {
			const struct phase *ph = &tl->phases[p];

			line(f, ph->at, ph->at + ph->len, samples, "breath",
			     routine_phase_name(ph->phase), cfg->breaths[ph->breath].name);
		}
		if (i == tl->n_cues)
			break;
		{
			const struct cue *c = &tl->cues[i];
			int64_t end = c->at + c->len;
			char glide[64];

			switch (c->kind) {
			case CUE_SPEECH:
				line(f, c->at, end, samples, "speech",
				     routine_role_name(c->role), c->text);
				break;
			case CUE_CLICK:
				line(f, c->at, end, samples, "beat",
				     c->accent ? "accent" : "beat", NULL);
				break;
			case CUE_TONE:
				snprintf(glide, sizeof(glide), "%s %.0f-%.0f Hz",
					 c->f1 > c->f0 ? "rising" : c->f1 < c->f0 ? "falling"
										  : "steady",
					 c->f0, c->f1);
				if (c->role == ROLE_BREATH)
					line(f, c->at, end, samples, "tone",
					     routine_phase_name(c->phase), glide);
				else
					line(f, c->at, end, samples, "chime",
					     routine_role_name(c->role), glide);
				break;
			}
		}
	}
	fflush(f);
	return ferror(f) ? -1 : 0;
}

/* HH:MM:SS.mmm */
static const char *vtt_time(int64_t at, char *buf, size_t len)
{
	int64_t ms = BC_SAMPLES_TO_MS(at);

	snprintf(buf, len, "%02" PRId64 ":%02d:%02d.%03d", ms / 3600000,
		 (int)(ms / 60000 % 60), (int)(ms / 1000 % 60), (int)(ms % 1000));
	return buf;
}

int script_write_vtt(FILE *f, const struct timeline *tl)
{
	size_t n = 0;

	fputs("WEBVTT\n", f);
	for (size_t i = 0; i < tl->n_cues; i++) {
		const struct cue *c = &tl->cues[i];
		char a[32], b[32];

		if (c->kind != CUE_SPEECH || !c->text)
			continue;
		fprintf(f, "\n%zu\n%s --> %s\n", ++n, vtt_time(c->at, a, sizeof(a)),
			vtt_time(c->at + c->len, b, sizeof(b)));
		/* The cue text: no blank lines, no "-->", < and & escaped. */
		for (const char *p = c->text; *p; p++) {
			if (*p == '<')
				fputs("&lt;", f);
			else if (*p == '>')
				fputs("&gt;", f);
			else if (*p == '&')
				fputs("&amp;", f);
			else if (*p == '\n' || *p == '\r')
				fputc(' ', f);
			else
				fputc(*p, f);
		}
		fputc('\n', f);
	}
	fflush(f);
	return ferror(f) ? -1 : 0;
}
