/* dropcount.c: dropouts heard on a recording of the sound server's monitor,
 * against `backcoach render` of the same routine.
 *
 *   dropcount RECORDING RENDER
 *
 * A dropout is a run of exact zeros (at least 1 ms) inside the recording's
 * sound where the render has sound: the server played silence instead of
 * our samples. The render is resampled to the recording's rate and aligned
 * at the first sound; a dropout delays what follows by its length, so the
 * alignment moves by it, and it is checked again at each sound that follows
 * a real pause (the nearest onset in the render within 300 ms). Silence in
 * the render (pauses between words, between metronome ticks) is ignored,
 * and so is a dropout that falls inside one (inaudible). Prints
 * key=value lines: dropouts, dropout_ms, longest_ms, runs (zero runs
 * looked at), recording_s, render_s. Figures for bench/dropouts.sh. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <samplerate.h>
#include <sndfile.h>

#define SOUND 1e-3f      /* above: sound (-60 dBFS) */
#define QUIET 2e-3f      /* the render counts as silent below this */

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

static size_t onset(const float *x, size_t n, size_t from)
{
	while (from < n && fabsf(x[from]) <= SOUND)
		from++;
	return from;
}

int main(int argc, char **argv)
{
	double mrate, rrate;
	size_t mn, rn0, rn, first_m, first_r, last_m, runs = 0;
	float *m, *r0, *r;
	long long o; /* recording index - render index */
	unsigned drops = 0;
	double total = 0, longest = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: dropcount RECORDING RENDER\n");
		return 2;
	}
	m = load(argv[1], &mrate, &mn);
	r0 = load(argv[2], &rrate, &rn0);
	if (rrate != mrate) {
		SRC_DATA d = { 0 };
		int e;

		rn = (size_t)((double)rn0 * mrate / rrate) + 16;
		r = calloc(rn, sizeof(float));
		d.data_in = r0;
		d.input_frames = (long)rn0;
		d.data_out = r;
		d.output_frames = (long)rn;
		d.src_ratio = mrate / rrate;
		e = src_simple(&d, SRC_SINC_MEDIUM_QUALITY, 1);
		if (e) {
			fprintf(stderr, "dropcount: resampling: %s\n", src_strerror(e));
			return 2;
		}
		rn = (size_t)d.output_frames_gen;
		free(r0);
	} else {
		r = r0;
		rn = rn0;
	}
	first_m = onset(m, mn, 0);
	first_r = onset(r, rn, 0);
	if (first_m >= mn || first_r >= rn) {
		fprintf(stderr, "dropcount: no sound in %s\n", first_m >= mn ? argv[1] : argv[2]);
		return 2;
	}
	last_m = mn;
	while (last_m > first_m && fabsf(m[last_m - 1]) <= SOUND)
		last_m--;
	o = (long long)first_m - (long long)first_r;

	size_t min_run = (size_t)(mrate / 1000);   /* 1 ms */
	size_t margin = (size_t)(mrate / 1000);    /* render edges: resampler ringing */
	size_t pause = (size_t)(mrate * 0.05);     /* a real pause: re-align after it */
	long long search = (long long)(mrate * 0.3);

	for (size_t i = first_m; i < last_m;) {
		size_t a, b;

		if (m[i] != 0.0f) {
			i++;
			continue;
		}
		a = i;
		while (i < last_m && m[i] == 0.0f)
			i++;
		b = i;
		if (b - a < min_run)
			continue;
		runs++;
		/* The render over the run's interior. */
		long long ra = (long long)a - o + (long long)margin;
		long long rb = (long long)b - o - (long long)margin;
		bool silent = true;

		for (long long k = ra < 0 ? 0 : ra; k < rb && k < (long long)rn; k++) {
			if (fabsf(r[k]) > QUIET) {
				silent = false;
				break;
			}
		}
		if (!silent) {
			double ms = (double)(b - a) * 1000 / mrate;

			drops++;
			total += ms;
			if (ms > longest)
				longest = ms;
			o += (long long)(b - a);
			continue;
		}
		if (b - a >= pause && b < last_m) {
			/* Sound again: the render's onset nearest to where it
			 * should be. */
			long long want = (long long)b - o, best = -1;

			for (long long k = want - search < 0 ? 0 : want - search;
			     k < want + search && k < (long long)rn; k++) {
				if (fabsf(r[k]) > SOUND && (k == 0 || fabsf(r[k - 1]) <= SOUND)) {
					if (best < 0 || llabs(k - want) < llabs(best - want))
						best = k;
				}
			}
			if (best >= 0)
				o = (long long)onset(m, mn, b) - best;
		}
	}
	printf("dropouts=%u\ndropout_ms=%.1f\nlongest_ms=%.1f\nruns=%zu\nrecording_s=%.1f\nrender_s=%.1f\n",
	       drops, total, longest, runs, (double)mn / mrate, (double)rn / mrate);
	free(m);
	free(r);
	return 0;
}
