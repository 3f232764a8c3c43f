/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench_render.c: render the default routine; print real-time factor, the
 * share of non-speech work and peak RSS. Figures, not pass/fail. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "coach/config.h"
#include "playback/render.h"
#include "speech/speech.h"
#include "base/util.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Peak RSS of this process, from /proc (VmHWM), in kB. */
static long peak_rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %ld", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

int main(int argc, char **argv)
{
	enum { RUNS = 7 };
	const char *format = argc > 1 ? argv[1] : "wav";
	double rtf[RUNS], nonspeech[RUNS], speech_s[RUNS], total[RUNS], other[RUNS];
	struct compile_opts opts = { .notice = false };
	struct render_stats st = { 0 };
	struct config cfg;
	char out[64], err[512];
	struct rusage ru;

	if (config_load(&cfg, NULL, &speech_config_voices, stderr) < 0)
		return 1;
	snprintf(out, sizeof(out), "/tmp/bench-render-%d.%s", (int)getpid(), format);
	for (int i = 0; i < RUNS; i++) {
		/* A fresh synthesiser each run: no speech is cached between runs. */
		double t0 = util_now();
		struct speech *sp = speech_open(err, sizeof(err));

		if (!sp) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		if (render_routine(&cfg, sp, cfg.general.routine_idx, &opts, out, NULL, false,
				   &st, err, sizeof(err)) < 0) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		speech_close(sp);
		total[i] = util_now() - t0;
		rtf[i] = (double)st.samples / BC_RATE / total[i];
		speech_s[i] = st.speech_s;
		nonspeech[i] = (st.compile_s + st.mix_s + st.encode_s) / st.total_s;
		/* The rest of render_routine: setup, the loop, freeing. */
		other[i] = (st.total_s - st.speech_s - st.compile_s - st.mix_s - st.encode_s) /
			   st.total_s;
		fprintf(stderr,
			"run %d: %.3f s wall (speech %.3f, compile %.4f, mix %.4f, encode %.4f, other %.4f) -> %.0fx\n",
			i + 1, total[i], st.speech_s, st.compile_s, st.mix_s, st.encode_s,
			other[i] * st.total_s, rtf[i]);
	}
	unlink(out);
	qsort(rtf, RUNS, sizeof(double), cmp_double);
	qsort(nonspeech, RUNS, sizeof(double), cmp_double);
	qsort(total, RUNS, sizeof(double), cmp_double);
	qsort(speech_s, RUNS, sizeof(double), cmp_double);
	qsort(other, RUNS, sizeof(double), cmp_double);
	getrusage(RUSAGE_CHILDREN, &ru);
	printf("routine: %s, %.1f s of audio, %s\n", cfg.general.routine,
	       (double)st.samples / BC_RATE, format);
	printf("render wall time (median of %d): %.3f s, of which speech %.3f s\n", RUNS,
	       total[RUNS / 2], speech_s[RUNS / 2]);
	printf("real-time factor (median): %.0fx (min %.0fx, max %.0fx)\n", rtf[RUNS / 2],
	       rtf[0], rtf[RUNS - 1]);
	printf("non-speech work (compile+mix+encode): %.1f%% of render time (median)\n",
	       100 * nonspeech[RUNS / 2]);
	printf("unaccounted (setup, loop, freeing): %.1f%% of render time (median)\n",
	       100 * other[RUNS / 2]);
	printf("peak RSS: %ld kB (renderer), %ld kB (largest speech worker)\n",
	       peak_rss_kb(), ru.ru_maxrss);
	config_free(&cfg);
	return 0;
}
