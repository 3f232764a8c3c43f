/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_render.c: end to end, config file to rendered audio, with real eSpeak NG. */
#include "testlib.h"

#include <math.h>
#include <sndfile.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "coach/config.h"
#include "playback/render.h"
#include "playback/voice_speech.h"
#include "coach/routine.h"
#include "speech/speech.h"

static struct config cfg;
static struct speech *sp;
static char dir[] = "/tmp/bc-render-XXXXXX";

static void setup(void)
{
	char err[256];

	ck_assert_int_eq(config_load(&cfg, test_data("render-small.ini"),
				     &speech_config_voices, stderr), 0);
	sp = speech_open(err, sizeof(err));
	ck_assert_msg(sp != NULL, "%s", err);
}

static void teardown(void)
{
	speech_close(sp);
	config_free(&cfg);
}

/* Read a whole mono file as floats. */
static float *read_file(const char *path, size_t *n, SF_INFO *info)
{
	SNDFILE *f;
	float *s;

	memset(info, 0, sizeof(*info));
	f = sf_open(path, SFM_READ, info);
	ck_assert_msg(f != NULL, "%s: %s", path, sf_strerror(NULL));
	ck_assert_int_eq(info->channels, 1);
	s = malloc(sizeof(float) * (size_t)info->frames + 1);
	*n = (size_t)sf_readf_float(f, s, info->frames);
	ck_assert_int_eq((long)*n, (long)info->frames);
	sf_close(f);
	return s;
}

static double rms(const float *s, int64_t from, int64_t to)
{
	double sum = 0;

	for (int64_t i = from; i < to; i++)
		sum += (double)s[i] * s[i];
	return to > from ? sqrt(sum / (double)(to - from)) : 0;
}

/* The timeline the renderer used (same config, same measured speech). */
static void compile(int r, struct timeline *tl)
{
	struct voice_speech vs = { .sp = sp };
	struct compile_opts o = { .notice = false };
	char err[256];

	speech_voice_for(&cfg, r, &vs.voice);
	ck_assert_msg(routine_compile(&cfg, r, &o, voice_speech_measure, &vs, tl,
				      err, sizeof(err)) == 0, "%s", err);
}

static const char *out_path(const char *name)
{
	static char buf[256];

	snprintf(buf, sizeof(buf), "%s/%s", dir, name);
	return buf;
}

START_TEST(renders_speech_where_cues_are)
{
	struct compile_opts o = { .notice = false };
	struct render_stats st;
	struct timeline tl;
	SF_INFO info;
	char err[256];
	size_t n, spoken = 0;
	int r = config_routine(&cfg, "small");
	float *s;

	ck_assert_int_ge(r, 0);
	ck_assert_msg(render_routine(&cfg, sp, r, &o, out_path("a.wav"), NULL, false, &st,
				     err, sizeof(err)) == 0, "%s", err);
	s = read_file(out_path("a.wav"), &n, &info);
	ck_assert_int_eq(info.samplerate, BC_RATE);
	compile(r, &tl);
	ck_assert_int_eq((long)n, (long)tl.length);
	ck_assert_int_eq((long)st.samples, (long)tl.length);

	/* Before the first cue there is nothing. */
	ck_assert(tl.cues[0].at == 0 || rms(s, 0, tl.cues[0].at) < 1e-4);
	for (size_t i = 0; i < tl.n_cues; i++) {
		const struct cue *c = &tl.cues[i];
		if (c->kind != CUE_SPEECH)
			continue;
		/* Speech is loud where the cue is: RMS well above the metronome. */
		ck_assert_msg(rms(s, c->at, c->at + c->len) > 0.02,
			      "no speech for \"%s\" at %lld", c->text, (long long)c->at);
		spoken++;
	}
	ck_assert_int_ge((long)spoken, 5);
	/* Speech cues never overlap each other. */
	int64_t busy = 0;
	for (size_t i = 0; i < tl.n_cues; i++) {
		if (tl.cues[i].kind != CUE_SPEECH)
			continue;
		ck_assert_int_ge((long)tl.cues[i].at, (long)busy);
		busy = tl.cues[i].at + tl.cues[i].len;
	}
	free(s);
	timeline_free(&tl);
}
END_TEST

START_TEST(clicks_at_the_beats)
{
	struct compile_opts o = { .notice = false };
	struct render_stats st;
	struct timeline tl;
	SF_INFO info;
	char err[256];
	size_t n, checked = 0;
	int r = config_routine(&cfg, "small");
	float *s;

	ck_assert_msg(render_routine(&cfg, sp, r, &o, out_path("b.flac"), NULL, false, &st,
				     err, sizeof(err)) == 0, "%s", err);
	s = read_file(out_path("b.flac"), &n, &info);
	compile(r, &tl);
	for (size_t i = 0; i < tl.n_cues; i++) {
		const struct cue *c = &tl.cues[i];
		bool quiet = true;
		if (c->kind != CUE_CLICK)
			continue;
		/* Only beats with nothing else sounding around them. */
		for (size_t j = 0; j < tl.n_cues; j++) {
			const struct cue *o2 = &tl.cues[j];
			if (o2 != c && o2->kind != CUE_CLICK &&
			    o2->at < c->at + BC_RATE / 10 && o2->at + o2->len > c->at - BC_RATE / 10)
				quiet = false;
		}
		if (!quiet)
			continue;
		/* Silent just before the beat, sound right at it. */
		ck_assert_msg(rms(s, c->at - 64, c->at) < 1e-3, "sound before beat at %lld",
			      (long long)c->at);
		ck_assert_msg(rms(s, c->at, c->at + 64) > 0.01, "no click at %lld",
			      (long long)c->at);
		checked++;
	}
	ck_assert_int_ge((long)checked, 4);
	free(s);
	timeline_free(&tl);
}
END_TEST

START_TEST(nothing_past_full_scale_and_byte_identical)
{
	struct compile_opts o = { .notice = true };
	struct render_stats st;
	struct speech *sp2;
	char err[256], cmd[1024];
	SF_INFO info;
	size_t n;
	float *s;
	int r = cfg.general.routine_idx;

	ck_assert_msg(render_routine(&cfg, sp, r, &o, out_path("c1.wav"), NULL, false, &st,
				     err, sizeof(err)) == 0, "%s", err);
	/* A second render with a fresh synthesiser gives the same bytes. */
	sp2 = speech_open(err, sizeof(err));
	ck_assert(sp2 != NULL);
	ck_assert_msg(render_routine(&cfg, sp2, r, &o, out_path("c2.wav"), NULL, false, &st,
				     err, sizeof(err)) == 0, "%s", err);
	speech_close(sp2);
	snprintf(cmd, sizeof(cmd), "cmp -s %s/c1.wav %s/c2.wav", dir, dir);
	ck_assert_msg(system(cmd) == 0, "second render differs");

	s = read_file(out_path("c1.wav"), &n, &info);
	ck_assert_each(size_t, i, 0, n, fabsf(s[i]) < 32767.0f / 32768.0f,
		       "clipped: %g", s[i]);
	free(s);
}
END_TEST

START_TEST(all_three_formats)
{
	static const struct {
		const char *name;
		int major;
	} f[] = { { "d.wav", SF_FORMAT_WAV }, { "d.flac", SF_FORMAT_FLAC },
		  { "d.ogg", SF_FORMAT_OGG } };
	struct compile_opts o = { .notice = false };
	struct render_stats st;
	char err[256];
	int r = config_routine(&cfg, "small");

	for (size_t i = 0; i < 3; i++) {
		SF_INFO info;
		size_t n;
		float *s;

		ck_assert_msg(render_routine(&cfg, sp, r, &o, out_path(f[i].name), NULL, false,
					     &st, err, sizeof(err)) == 0, "%s", err);
		s = read_file(out_path(f[i].name), &n, &info);
		ck_assert_int_eq(info.format & SF_FORMAT_TYPEMASK, f[i].major);
		ck_assert(rms(s, 0, (int64_t)n) > 0.01);
		free(s);
	}
}
END_TEST

START_TEST(failed_render_leaves_no_file)
{
	struct compile_opts o = { .notice = false };
	struct render_stats st;
	char err[256];
	struct stat sb;
	int r = config_routine(&cfg, "small");

	ck_assert_int_eq(render_routine(&cfg, sp, r, &o, out_path("e.mp3"), NULL, false, &st,
					err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, ".wav") != NULL, "error lists formats: %s", err);
	ck_assert_int_ne(stat(out_path("e.mp3"), &sb), 0);
	ck_assert_int_eq(render_routine(&cfg, sp, r, &o, "/nonexistent-dir/x.wav", NULL, false,
					&st, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "/nonexistent-dir") != NULL, "%s", err);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("render");
	TCase *tc = tcase_create("render");

	if (!mkdtemp(dir))
		return 99;
	{
		/* Its own speech cache, never the user's (~/.cache). */
		char cache[64];

		snprintf(cache, sizeof(cache), "%s/cache", dir);
		setenv("XDG_CACHE_HOME", cache, 1);
	}
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, renders_speech_where_cues_are);
	tcase_add_test(tc, clicks_at_the_beats);
	tcase_add_test(tc, nothing_past_full_scale_and_byte_identical);
	tcase_add_test(tc, all_three_formats);
	tcase_add_test(tc, failed_render_leaves_no_file);
	suite_add_tcase(s, tc);
	int ret = test_run(s);
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		ret = 99;
	return ret;
}
