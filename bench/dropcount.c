/* SPDX-License-Identifier: GPL-3.0-or-later */
/* dropcount.c: dropouts heard on a recording of the sound server's monitor,
 * against `backcoach render` of the same routine.
 *
 *   dropcount RECORDING RENDER
 *
 * A hole is a run of exact zeros (at least 1 ms) inside sound: sound above
 * -40 dBFS within 2 ms before it and within 2 ms after it. A gap the server
 * plays instead of our samples cuts the sound like that; the routine's own
 * pauses do not (speech and ticks fade, or start from, sound well below
 * that). Holes are found in the recording and in the render (at its own
 * rate), timed from each one's first sound. A recording hole that matches
 * the next render hole of about its length (3 ms + 10%) at about its time
 * (0.3 s, plus the dropouts so far, which delay what follows) is the
 * routine's own pause; the others are dropouts (DROPCOUNT_VERBOSE=1 lists
 * them). Prints key=value lines: dropouts, dropout_ms, longest_ms,
 * holes_recording, holes_render, recording_s, render_s. Figures for
 * bench/dropouts.sh. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sndfile.h>


static float *load(const char *path, double *rate, size_t *n)
{
	SF_INFO info = { 0 };
	SNDFILE *f = sf_open(path, SFM_READ, &info);
	float *buf, *mono;

	if (!f) {
		fprintf(stderr, "dropcount: %s: %s\n", path, sf_strerror(NULL));
		exit(2);
	}
	buf = malloc(sizeof(float) * (size_t)info.frames * (size_t)info.channels + 1);
	mono = malloc(sizeof(float) * (size_t)info.frames + 1);
	if (!buf || !mono)
		exit(2);
	*n = (size_t)sf_readf_float(f, buf, info.frames);
	for (size_t i = 0; i < *n; i++) {
		float s = 0;

		for (int c = 0; c < info.channels; c++)
			s += buf[i * (size_t)info.channels + (size_t)c];
		mono[i] = s / (float)info.channels;
	}
	free(buf);
	sf_close(f);
	*rate = info.samplerate;
	return mono;
}

#define LOUD 0.01f /* -40 dBFS */
#define MAX_HOLES 100000

struct hole {
	double t, ms; /* start, seconds after the first sound; length */
};

/* Holes in x (see the top), into h (at most MAX_HOLES); their count. */
static size_t holes(const float *x, size_t n, double rate, struct hole *h)
{
	size_t min_run = (size_t)(rate / 1000), edge = (size_t)(rate / 500), k = 0, first = 0;

	while (first < n && fabsf(x[first]) <= LOUD)
		first++;
	for (size_t i = first; i < n && k < MAX_HOLES;) {
		size_t a, b;
		bool before = false, after = false;

		if (x[i] != 0.0f) {
			i++;
			continue;
		}
		a = i;
		while (i < n && x[i] == 0.0f)
			i++;
		b = i;
		if (b - a < min_run || a < edge || b + edge > n)
			continue;
		for (size_t j = a - edge; j < a && !before; j++)
			before = fabsf(x[j]) > LOUD;
		for (size_t j = b; j < b + edge && !after; j++)
			after = fabsf(x[j]) > LOUD;
		if (before && after) {
			h[k].t = (double)(a - first) / rate;
			h[k].ms = (double)(b - a) * 1000 / rate;
			k++;
		}
	}
	return k;
}

int main(int argc, char **argv)
{
	double mrate, rrate;
	size_t mn, rn;
	float *m, *r;

	if (argc != 3) {
		fprintf(stderr, "usage: dropcount RECORDING RENDER\n");
		return 2;
	}
	m = load(argv[1], &mrate, &mn);
	r = load(argv[2], &rrate, &rn);
	{
		struct hole *hm = calloc(MAX_HOLES, sizeof(*hm)), *hr = calloc(MAX_HOLES, sizeof(*hr));
		size_t nm = holes(m, mn, mrate, hm), nr = holes(r, rn, rrate, hr), j = 0;
		unsigned drops = 0;
		double total = 0, longest = 0;

		/* In order: a recording hole matches the next render hole of
		 * about its length at about its time (later by at most the
		 * dropouts so far, which delay what follows); else it is a
		 * dropout. */
		for (size_t k = 0; k < nm; k++) {
			size_t f = j;

			while (f < nr && hr[f].t < hm[k].t - total / 1000 - 0.3)
				f++;
			for (; f < nr && hr[f].t <= hm[k].t + 0.3; f++)
				if (fabs(hr[f].ms - hm[k].ms) <= 3 + 0.1 * hr[f].ms)
					break;
			if (f < nr && hr[f].t <= hm[k].t + 0.3) {
				j = f + 1;
				continue;
			}
			drops++;
			total += hm[k].ms;
			if (hm[k].ms > longest)
				longest = hm[k].ms;
			if (getenv("DROPCOUNT_VERBOSE"))
				fprintf(stderr, "dropout at %.3f s: %.1f ms\n", hm[k].t, hm[k].ms);
		}
		printf("dropouts=%u\ndropout_ms=%.1f\nlongest_ms=%.1f\nholes_recording=%zu\n"
		       "holes_render=%zu\nrecording_s=%.1f\nrender_s=%.1f\n",
		       drops, total, longest, nm, nr, (double)mn / mrate, (double)rn / rrate);
		free(hm);
		free(hr);
	}
	free(m);
	free(r);
	return 0;
}
