/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_mixer.c: the mixer on hand-built timelines, checked on the samples. */
#include <math.h>
#include <sndfile.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audio/mixer.h"
#include "testlib.h"
#include "base/util.h"

#define MS(x) BC_MS_TO_SAMPLES(x)
#define FADE MS(MIXER_FADE_MS)

/* A timeline built cue by cue (in order of at). */
static struct cue *add(struct timeline *tl, enum cue_kind kind,
		       enum cue_role role, int64_t at, int64_t len)
{
	struct cue *c;

	tl->cues = xrealloc(tl->cues, (tl->n_cues + 1) * sizeof(*tl->cues));
	c = &tl->cues[tl->n_cues++];
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	c->role = role;
	c->at = at;
	c->len = len;
	c->gain = 1.0f;
	c->phase = -1;
	if (kind == CUE_SPEECH)
		c->text = "speech";
	if (tl->length < at + len)
		tl->length = at + len;
	return c;
}

static struct cue *tone(struct timeline *tl, int64_t at, int64_t len, float f0,
			float f1, float gain)
{
	struct cue *c = add(tl, CUE_TONE, ROLE_BREATH, at, len);

	c->f0 = f0;
	c->f1 = f1;
	c->gain = gain;
	return c;
}

static int cmp_cue(const void *a, const void *b)
{
	const struct cue *x = a, *y = b;

	return (x->at > y->at) - (x->at < y->at);
}

/* Sort by at (cues added out of order keep their relative order only if
 * their at differ, which the tests make sure of). */
static void finish(struct timeline *tl, int64_t tail)
{
	qsort(tl->cues, tl->n_cues, sizeof(*tl->cues), cmp_cue);
	tl->length += tail;
}

/* Beats at exact positions from start, as the routine compiler puts them. */
static void beats(struct timeline *tl, int64_t start, int64_t end, int bpm,
		  int accent)
{
	for (int64_t k = 0;; k++) {
		int64_t at = start + (k * 60 * BC_RATE * 2 + bpm) / (2 * (int64_t)bpm);
		struct cue *c;

		if (at >= end)
			break;
		c = add(tl, CUE_CLICK, ROLE_BEAT, at, MS(30));
		c->accent = k % accent == 0;
	}
}

/* Speech source: a deterministic clip per cue, of the cue's length. */
enum clip_kind { CLIP_VOICE, CLIP_DC, CLIP_SILENT, CLIP_SQUARE };
struct src {
	const struct timeline *tl;
	enum clip_kind kind;
	struct clip *clips;
	int calls;
	bool fail;
	bool one_slot;     /* like a cache of one: each get overwrites the last */
	struct clip slot;
};

static const struct clip *get(void *ctx, const struct cue *c)
{
	struct src *s = ctx;
	size_t i = (size_t)(c - s->tl->cues);
	struct clip *cl;

	s->calls++;
	if (s->fail)
		return NULL;
	if (!s->clips)
		s->clips = xcalloc(s->tl->n_cues, sizeof(*s->clips));
	cl = &s->clips[i];
	if (!cl->s) {
		cl->n = (size_t)c->len;
		cl->s = xcalloc(cl->n, sizeof(float));
		for (size_t j = 0; j < cl->n; j++) {
			double t = (double)j / BC_RATE;

			switch (s->kind) {
			case CLIP_VOICE:
				cl->s[j] = (float)(0.6 * sin(2 * M_PI * 180 * t) +
						   0.3 * sin(2 * M_PI * 1234 * t + 1));
				break;
			case CLIP_DC:
				cl->s[j] = 1.0f;
				break;
			case CLIP_SILENT:
				break;
			case CLIP_SQUARE:
				cl->s[j] = (j / 20) % 2 ? 1.0f : -1.0f;
				break;
			}
		}
	}
	if (s->one_slot) {
		s->slot = *cl;
		return &s->slot;
	}
	return cl;
}

static void src_free(struct src *s)
{
	if (s->clips)
		for (size_t i = 0; i < s->tl->n_cues; i++)
			free(s->clips[i].s);
	free(s->clips);
	s->clips = NULL;
}

static void cfg_init(struct config *cfg, const char *sound, double volume)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->metronome.sound = (char *)sound;
	cfg->metronome.volume = volume;
	cfg->metronome.accent = 4;
}

static struct mixer *new_mixer(const struct timeline *tl,
			       const struct config *cfg, struct src *s)
{
	char err[512] = "";
	struct mixer *m = mixer_new(tl, cfg, (struct speech_source){ get, s }, err,
				    sizeof(err));

	ck_assert_msg(m != NULL, "%s", err);
	return m;
}

/* Render the whole timeline in blocks of `block`. */
static float *render(struct mixer *m, const struct timeline *tl, size_t block)
{
	float *out = xcalloc((size_t)tl->length + block, sizeof(float));
	size_t done = 0, n;

	mixer_seek(m, 0);
	while ((n = mixer_render(m, out + done, block)) > 0) {
		done += n;
		ck_assert_quiet(mixer_pos(m) == (int64_t)done,
				"blocks of %zu, at %lld after %zu samples", block,
				(long long)mixer_pos(m), done);
	}
	ck_assert_uint_eq(done, (size_t)tl->length);
	return out;
}

/* Sample indices where sound starts after at least 100 silent samples. */
static size_t onsets(const float *s, size_t n, size_t *at, size_t max)
{
	size_t k = 0, quiet = 100;

	for (size_t i = 0; i < n; i++) {
		if (s[i] != 0.0f) {
			if (quiet >= 100 && k < max)
				at[k++] = i;
			quiet = 0;
		} else {
			quiet++;
		}
	}
	return k;
}

static float peak(const float *s, size_t a, size_t b)
{
	float p = 0;

	for (size_t i = a; i < b; i++)
		if (fabsf(s[i]) > p)
			p = fabsf(s[i]);
	return p;
}

static double rms(const float *s, size_t a, size_t b)
{
	double sum = 0;

	for (size_t i = a; i < b; i++)
		sum += (double)s[i] * s[i];
	return sqrt(sum / (double)(b - a));
}

/* Clicks start exactly on the beats the bpm implies; accents are louder. */
START_TEST(clicks_on_beats)
{
	static const char *const sounds[] = { "click", "wood", "beep" };
	struct timeline tl = { 0 };
	struct config cfg;
	struct src s = { .tl = &tl };
	size_t at[200], n, k = 0;
	float *out;

	beats(&tl, 1000, MS(20000), 77, 4);
	finish(&tl, MS(500));
	cfg_init(&cfg, sounds[_i], 0.8);
	struct mixer *m = new_mixer(&tl, &cfg, &s);
	out = render(m, &tl, 4096);
	n = onsets(out, (size_t)tl.length, at, 200);
	ck_assert_uint_eq(n, tl.n_cues);
	for (size_t i = 0; i < tl.n_cues; i++) {
		ck_assert_int_eq((int64_t)at[i], tl.cues[i].at);
		ck_assert_int_eq((int64_t)at[i], 1000 + (int64_t)((k * 60 * BC_RATE * 2 + 77) / 154));
		k++;
	}
	/* Accented beats (0, 4, ...) louder than the others; volume applied. */
	ck_assert_float_gt(peak(out, at[0], at[1]), 1.3f * peak(out, at[1], at[2]));
	ck_assert_float_le(peak(out, at[0], at[1]), 0.8f * 0.5f + 1e-6f);
	ck_assert_float_gt(peak(out, at[0], at[1]), 0.8f * 0.5f * 0.8f);
	/* Short fades: the first sample of a click is near zero. */
	ck_assert_float_lt(fabsf(out[at[1]]), 0.01f);
	free(out);
	mixer_free(m);
	free(tl.cues);
}
END_TEST

/* A speech clip appears exactly where its cue is, at the speech gain, with
 * fades at both edges; nothing else is heard. */
START_TEST(speech_placement)
{
	struct timeline tl = { 0 };
	struct config cfg;
	struct src s = { .tl = &tl, .kind = CLIP_VOICE };
	const int64_t at = 10007, len = 20011;
	float *out;
	const struct clip *cl;

	add(&tl, CUE_SPEECH, ROLE_INTRO, at, len);
	finish(&tl, 5000);
	cfg_init(&cfg, "click", 1.0);
	struct mixer *m = new_mixer(&tl, &cfg, &s);
	out = render(m, &tl, 1000);
	cl = &s.clips[0];
	ck_assert_float_eq(peak(out, 0, (size_t)at), 0.0f);
	ck_assert_float_eq(peak(out, (size_t)(at + len), (size_t)tl.length), 0.0f);
	ck_assert_each(int64_t, j, FADE, len - FADE,
		       fabsf(MIXER_SPEECH_GAIN * cl->s[j] - out[at + j]) < 1e-6f,
		       "%g, clip %g", out[at + j], cl->s[j]);
	ck_assert_each(int64_t, j, 0, FADE,
		       fabsf(out[at + j]) <= fabsf(MIXER_SPEECH_GAIN * cl->s[j]),
		       "fade in %g, clip %g", out[at + j], cl->s[j]);
	ck_assert_each(int64_t, j, 0, FADE, fabsf(out[at + len - 1 - j]) <=
		       fabsf(MIXER_SPEECH_GAIN * cl->s[len - 1 - j]),
		       "fade out %g, clip %g", out[at + len - 1 - j], cl->s[len - 1 - j]);
	ck_assert_float_gt(peak(out, (size_t)at, (size_t)(at + len)), 0.5f);
	free(out);
	mixer_free(m);
	src_free(&s);

	/* A source that fails leaves the cue silent. */
	s.fail = true;
	m = new_mixer(&tl, &cfg, &s);
	out = render(m, &tl, 4096);
	ck_assert_float_eq(peak(out, 0, (size_t)tl.length), 0.0f);
	ck_assert_int_gt(s.calls, 0);
	free(out);
	mixer_free(m);
	free(tl.cues);
}
END_TEST

/* First and last samples of every kind of clip are near zero, even for a
 * full-scale DC speech clip and a loud tone. */
START_TEST(fades)
{
	struct timeline tl = { 0 };
	struct config cfg;
	struct src s = { .tl = &tl, .kind = CLIP_DC };
	float *out;

	add(&tl, CUE_SPEECH, ROLE_INTRO, 1000, 10000);
	tone(&tl, 30000, 10000, 440, 440, 1.0f)->role = ROLE_CHIME_START;
	tone(&tl, 50000, 10000, 220, 330, 1.0f);
	finish(&tl, 1000);
	cfg_init(&cfg, "click", 1.0);
	struct mixer *m = new_mixer(&tl, &cfg, &s);
	out = render(m, &tl, 333);
	for (size_t i = 0; i < tl.n_cues; i++) {
		int64_t a = tl.cues[i].at, e = a + tl.cues[i].len;

		ck_assert_float_eq(out[a - 1], 0.0f);
		ck_assert_float_lt(fabsf(out[a]), 0.01f);
		ck_assert_float_lt(fabsf(out[e - 1]), 0.01f);
		ck_assert_float_eq(out[e], 0.0f);
		/* and it ramps: no jump to full level within the fade */
		ck_assert_float_lt(fabsf(out[a + 1] - out[a]), 0.02f);
	}
	ck_assert_float_eq_tol(out[1000 + 5000], MIXER_SPEECH_GAIN, 1e-6f);
	free(out);
	mixer_free(m);
	src_free(&s);
	free(tl.cues);
}
END_TEST

/* Under speech, tones and plain clicks are at least 12 dB down, and the
 * level moves in short ramps, never in a step. */
START_TEST(ducking)
{
	struct timeline tl = { 0 }, ref = { 0 };
	struct config cfg;
	struct src s = { .tl = &tl, .kind = CLIP_SILENT }, rs = { .tl = &ref };
	const int64_t sa = MS(1500), se = MS(2500);
	float *out, *dry, maxstep = 0, g, prev = -1;
	double db;

	tone(&tl, 0, MS(4000), 440, 440, 0.25f);
	tone(&ref, 0, MS(4000), 440, 440, 0.25f);
	add(&tl, CUE_SPEECH, ROLE_INTRO, sa, se - sa);
	beats(&tl, MS(100), MS(3900), 120, 100);
	beats(&ref, MS(100), MS(3900), 120, 100);
	finish(&tl, 100);
	finish(&ref, 100);
	ref.length = tl.length;
	cfg_init(&cfg, "wood", 1.0);
	struct mixer *m = new_mixer(&tl, &cfg, &s), *mr = new_mixer(&ref, &cfg, &rs);
	out = render(m, &tl, 4096);
	dry = render(mr, &ref, 4096);

	db = 20 * log10(rms(out, (size_t)sa, (size_t)se) / rms(out, MS(200), MS(1400)));
	ck_assert_msg(db <= -12.0, "ducked by only %.1f dB", -db);
	db = 20 * log10(peak(out, (size_t)sa, (size_t)se) / peak(out, MS(200), MS(1400)));
	ck_assert_msg(db <= -12.0, "click peaks ducked by only %.1f dB", -db);
	/* Away from speech nothing is ducked. */
	ck_assert_each(int64_t, i, 0, sa - MS(100), out[i] == dry[i],
		       "%g, dry %g", out[i], dry[i]);
	/* The gain (wet / dry) changes smoothly around the speech edges. */
	for (int64_t i = sa - MS(200); i < se + MS(300); i++) {
		if (fabsf(dry[i]) < 0.05f)
			continue;
		g = out[i] / dry[i];
		ck_assert_quiet(g <= 1.0f + 1e-5f, "gain %g at %lld (%g / %g)",
				g, (long long)i, out[i], dry[i]);
		if (prev >= 0 && fabsf(g - prev) > maxstep)
			maxstep = fabsf(g - prev);
		prev = g;
	}
	ck_assert_float_lt(maxstep, 0.05f);
	free(out);
	free(dry);
	mixer_free(m);
	mixer_free(mr);
	src_free(&s);
	free(tl.cues);
	free(ref.cues);
}
END_TEST

/* The accent that starts a breath is heard louder than a plain click,
 * even as the breath's words begin with it (where tones and plain clicks
 * are ducked): as the spoken explanation of the sounds promises. */
START_TEST(accent_audible)
{
	static const char *const sounds[] = { "click", "wood", "beep" };

	for (size_t k = 0; k < 3; k++) {
		struct timeline tl = { 0 };
		struct config cfg;
		struct src s = { .tl = &tl, .kind = CLIP_SILENT };
		const int64_t sa = MS(1000), se = MS(3000);
		float *out, plain, plain_under, accent, accent_free;
		struct mixer *m;

		/* As the compiler places them: a phase of four beats, its
		 * accent on the phase start, where the words start too. */
		add(&tl, CUE_SPEECH, ROLE_BREATH, sa, se - sa);
		add(&tl, CUE_CLICK, ROLE_BEAT, MS(200), MS(30))->gain = 1.0f; /* plain, in silence */
		beats(&tl, sa, sa + MS(4000), 60, 4);       /* accent, under words */
		beats(&tl, MS(5500), MS(6000), 60, 4);      /* accent, in silence */
		finish(&tl, MS(200));
		cfg_init(&cfg, sounds[k], 0.35);
		m = new_mixer(&tl, &cfg, &s);
		out = render(m, &tl, 1000);
		plain = peak(out, MS(200), MS(260));
		accent = peak(out, (size_t)sa, (size_t)sa + MS(60));
		plain_under = peak(out, (size_t)sa + MS(1000), (size_t)sa + MS(1060));
		accent_free = peak(out, MS(5500), MS(5560));
		ck_assert_msg(plain > 0.01f, "%s: no plain click heard", sounds[k]);
		/* Never quieter than a plain click: louder by the accent's step. */
		ck_assert_msg(accent >= plain * 1.5f, "%s: accent under speech %.1f dB against "
			      "a plain click", sounds[k], 20 * log10(accent / plain));
		/* Not ducked at all: as loud as in silence. */
		ck_assert_float_eq_tol(accent, accent_free, 1e-6f);
		/* Plain clicks under speech are ducked as before. */
		ck_assert_msg(20 * log10(plain_under / plain) <= -12.0, "%s: plain click under "
			      "speech %.1f dB", sounds[k], 20 * log10(plain_under / plain));
		free(out);
		mixer_free(m);
		src_free(&s);
		free(tl.cues);
	}
}
END_TEST

/* Worst case: full-scale speech at triple gain over four loud tones in
 * phase, a chime and fast accented clicks: never beyond +-1, no NaN. */
static void worst_case(struct timeline *tl)
{
	add(tl, CUE_SPEECH, ROLE_INTRO, MS(500), MS(2000))->gain = 3.0f;
	for (int i = 0; i < 4; i++)
		tone(tl, MS(300), MS(3000), 440, 440, 1.0f);
	tone(tl, MS(400), MS(1000), 880, 440, 1.0f)->role = ROLE_CHIME_END;
	beats(tl, MS(200), MS(3500), 600, 1);
	finish(tl, MS(200));
}

START_TEST(no_clipping)
{
	struct timeline tl = { 0 };
	struct config cfg;
	struct src s = { .tl = &tl, .kind = CLIP_SQUARE };
	float *out;

	worst_case(&tl);
	cfg_init(&cfg, "wood", 1.0);
	struct mixer *m = new_mixer(&tl, &cfg, &s);
	out = render(m, &tl, 4096);
	ck_assert_each(int64_t, i, 0, tl.length, isfinite(out[i]), "%g", out[i]);
	ck_assert_each(int64_t, i, 0, tl.length, fabsf(out[i]) <= 1.0f, "%g", out[i]);
	ck_assert_float_gt(peak(out, 0, (size_t)tl.length), 0.9f);
	free(out);
	mixer_free(m);
	src_free(&s);
	free(tl.cues);
}
END_TEST

/* A rich timeline: speech, breath tones, chimes, clicks, ducking. */
static void rich(struct timeline *tl)
{
	tone(tl, 0, MS(260), 523.25f, 587.33f, 0.3f)->role = ROLE_CHIME_START;
	tone(tl, MS(160), MS(520), 784, 880, 0.3f)->role = ROLE_CHIME_START;
	add(tl, CUE_SPEECH, ROLE_INTRO, MS(1000), MS(1500));
	for (int i = 0; i < 4; i++) {
		int64_t r = MS(3000) + i * MS(3000);

		add(tl, CUE_SPEECH, ROLE_BREATH, r + 1, MS(700));
		tone(tl, r + 2, MS(1400), 220, 330, 0.25f);
		add(tl, CUE_SPEECH, ROLE_BREATH, r + MS(1500), MS(800));
		tone(tl, r + MS(1500) + 1, MS(1400), 330, 220, 0.25f);
	}
	beats(tl, MS(3000) + 3, MS(15000), 97, 3);
	tone(tl, MS(15500), MS(260), 880, 784, 0.3f)->role = ROLE_CHIME_END;
	tone(tl, MS(15660), MS(800), 523.25f, 440, 0.3f)->role = ROLE_CHIME_END;
	finish(tl, MS(1000));
}

/* A long glide stays on pitch and in phase: away from its fades it is
 * gain * sin(2 pi cycles(j)), cycles(j) = (f0 j + (f1 - f0) j^2 / 2N) / rate,
 * to within 1/60 of a 16-bit step, however far into the cue. */
START_TEST(tone_accuracy)
{
	struct timeline tl = { 0 };
	struct config cfg;
	struct src s = { .tl = &tl };
	const int64_t at = 777, len = MS(90000);
	const double f0 = 220, f1 = 1760, gain = 0.5;
	double worst = 0;
	float *out;

	tone(&tl, at, len, (float)f0, (float)f1, (float)gain);
	finish(&tl, 100);
	cfg_init(&cfg, "click", 1.0);
	struct mixer *m = new_mixer(&tl, &cfg, &s);
	out = render(m, &tl, 1031);
	for (int64_t j = MS(100); j < len - MS(100); j++) {
		double cyc = ((double)j * f0 + (f1 - f0) * (double)j * (double)j / (2.0 * (double)len)) /
			     BC_RATE;
		double e = fabs(out[at + j] - gain * sin(2 * M_PI * (cyc - floor(cyc))));

		worst = e > worst ? e : worst;
	}
	ck_assert_msg(worst < 5e-7, "off by %g", worst);
	free(out);
	mixer_free(m);
	free(tl.cues);
}
END_TEST

/* NaN from a speech source becomes silence, whatever the block size. */
START_TEST(nan_is_silence)
{
	struct timeline tl = { 0 };
	struct config cfg;
	struct src s = { .tl = &tl, .kind = CLIP_VOICE };
	float *whole, *out;
	const struct clip *cl;

	add(&tl, CUE_SPEECH, ROLE_INTRO, 100, 5000);
	tone(&tl, 50, 6000, 330, 330, 0.2f);
	finish(&tl, 100);
	cfg_init(&cfg, "click", 1.0);
	cl = get(&s, &tl.cues[1]); /* the speech cue, after sorting */
	ck_assert_int_eq(tl.cues[1].kind, CUE_SPEECH);
	for (size_t j = 1000; j < 1100; j++)
		cl->s[j] = NAN;
	cl->s[3000] = NAN;
	struct mixer *m = new_mixer(&tl, &cfg, &s);
	whole = render(m, &tl, (size_t)tl.length);
	ck_assert_each(int64_t, i, 0, tl.length, isfinite(whole[i]), "%g", whole[i]);
	ck_assert_each(size_t, j, 1000, 1100, whole[100 + j] == 0.0f, "%g", whole[100 + j]);
	ck_assert_float_eq(whole[3100], 0.0f);
	ck_assert_float_ne(whole[3099], 0.0f);
	out = render(m, &tl, 7);
	ck_assert(memcmp(out, whole, (size_t)tl.length * sizeof(float)) == 0);
	free(out);
	free(whole);
	mixer_free(m);
	src_free(&s);
	free(tl.cues);
}
END_TEST

/* Overlapping speech cues are both heard, in blocks of any size, from a
 * source whose clip is valid only until its next get. */
START_TEST(overlapping_speech)
{
	static const size_t blocks[] = { 1, 333, 1024, 4096, 100000 };
	struct timeline tl = { 0 }, ta = { 0 }, tb = { 0 };
	struct config cfg;
	struct src s = { .tl = &tl, .kind = CLIP_VOICE, .one_slot = true },
		   sa = { .tl = &ta, .kind = CLIP_VOICE },
		   sb = { .tl = &tb, .kind = CLIP_SQUARE };
	float *a, *b, *out;

	add(&tl, CUE_SPEECH, ROLE_INTRO, 1000, 9000)->gain = 0.5f;
	add(&ta, CUE_SPEECH, ROLE_INTRO, 1000, 9000)->gain = 0.5f;
	add(&tl, CUE_SPEECH, ROLE_COUNT, 4001, 3000)->gain = 0.5f;
	add(&tb, CUE_SPEECH, ROLE_COUNT, 4001, 3000)->gain = 0.5f;
	tl.length = ta.length = tb.length = 12000;
	cfg_init(&cfg, "click", 1.0);
	struct mixer *m = new_mixer(&tl, &cfg, &s), *ma = new_mixer(&ta, &cfg, &sa),
		     *mb = new_mixer(&tb, &cfg, &sb);
	a = render(ma, &ta, 4096);
	b = render(mb, &tb, 4096);
	/* tl's clips: the first a voice as ta's, the second square as tb's */
	ck_assert_ptr_nonnull(get(&s, &tl.cues[0]));
	s.kind = CLIP_SQUARE;
	ck_assert_ptr_nonnull(get(&s, &tl.cues[1]));
	for (size_t k = 0; k < sizeof(blocks) / sizeof(blocks[0]); k++) {
		out = render(m, &tl, blocks[k]);
		ck_assert_each(int64_t, i, 0, tl.length, out[i] == a[i] + b[i],
			       "block %zu: %g != %g + %g", blocks[k], out[i], a[i], b[i]);
		free(out);
	}
	ck_assert_float_gt(peak(b, 4001, 7001), 0.3f);
	free(a);
	free(b);
	mixer_free(m);
	mixer_free(ma);
	mixer_free(mb);
	src_free(&s);
	src_free(&sa);
	src_free(&sb);
	free(tl.cues);
	free(ta.cues);
	free(tb.cues);
}
END_TEST

/* Rendering in blocks of any size gives exactly the same samples. */
START_TEST(block_size_independent)
{
	static const size_t blocks[] = { 1, 2, 7, 13, 64, 997, 1024, 1031, 4096, 65537 };
	struct timeline tl = { 0 };
	struct config cfg;
	struct src s = { .tl = &tl, .kind = CLIP_VOICE };
	float *whole, *out;

	rich(&tl);
	cfg_init(&cfg, "click", 0.7);
	struct mixer *m = new_mixer(&tl, &cfg, &s);
	whole = render(m, &tl, (size_t)tl.length);
	ck_assert_float_gt(peak(whole, 0, (size_t)tl.length), 0.3f);
	for (size_t b = 0; b < sizeof(blocks) / sizeof(blocks[0]); b++) {
		out = render(m, &tl, blocks[b]);
		ck_assert_msg(memcmp(out, whole, (size_t)tl.length * sizeof(float)) == 0,
			      "block size %zu differs", blocks[b]);
		free(out);
	}
	/* Done: nothing more. */
	ck_assert_uint_eq(mixer_render(m, whole, 10), 0);
	free(whole);
	mixer_free(m);
	src_free(&s);
	free(tl.cues);
}
END_TEST

/* Seeking anywhere, even mid-cue, continues exactly like a render from 0. */
START_TEST(seek_equals_fresh)
{
	struct timeline tl = { 0 };
	struct config cfg;
	struct src s = { .tl = &tl, .kind = CLIP_VOICE };
	float *whole, *out;
	int64_t at[] = { 0, 1, MS(1000) + 17, MS(3000) + 5, MS(5000), MS(7777),
			 MS(15600), 0 /* length */ };

	rich(&tl);
	at[7] = tl.length;
	cfg_init(&cfg, "wood", 1.0);
	struct mixer *m = new_mixer(&tl, &cfg, &s);
	whole = render(m, &tl, 4096);
	out = xcalloc((size_t)tl.length + 1, sizeof(float));
	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		struct mixer *f = new_mixer(&tl, &cfg, &s);
		size_t n, done = 0;

		mixer_seek(f, at[i]);
		ck_assert_int_eq(mixer_pos(f), at[i]);
		while ((n = mixer_render(f, out + done, 1500)) > 0)
			done += n;
		ck_assert_int_eq((int64_t)done, tl.length - at[i]);
		ck_assert(memcmp(out, whole + at[i], done * sizeof(float)) == 0);
		/* and back again on the same mixer */
		mixer_seek(f, 0);
		ck_assert_uint_eq(mixer_render(f, out, 100), 100);
		ck_assert(memcmp(out, whole, 100 * sizeof(float)) == 0);
		mixer_free(f);
	}
	mixer_seek(m, tl.length + 100);
	ck_assert_int_eq(mixer_pos(m), tl.length);
	mixer_seek(m, -5);
	ck_assert_int_eq(mixer_pos(m), 0);
	free(out);
	free(whole);
	mixer_free(m);
	src_free(&s);
	free(tl.cues);
}
END_TEST

/* Write a 44.1 kHz stereo WAV: 50 ms of 1 kHz, then the metronome plays it
 * resampled to BC_RATE (half the frames, same pitch), louder on accents. */
START_TEST(file_sound_resampled)
{
	char dir[] = "/tmp/mix-test.XXXXXX", path[256], err[512];
	SF_INFO info = { .samplerate = 44100, .channels = 2,
			 .format = SF_FORMAT_WAV | SF_FORMAT_PCM_16 };
	struct timeline tl = { 0 };
	struct config cfg;
	struct src s = { .tl = &tl };
	float frames[2205 * 2], *out;
	size_t at[8], n, cross = 0, len;
	SNDFILE *sf;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/mix-beat-44k.wav", dir);
	for (size_t i = 0; i < 2205; i++)
		frames[2 * i] = frames[2 * i + 1] =
			(float)(0.8 * sin(2 * M_PI * 1000 * (double)i / 44100 + 0.5));
	sf = sf_open(path, SFM_WRITE, &info);
	ck_assert_ptr_nonnull(sf);
	ck_assert_int_eq(sf_writef_float(sf, frames, 2205), 2205);
	ck_assert_int_eq(sf_close(sf), 0);

	beats(&tl, 500, MS(2000), 120, 2);
	finish(&tl, 1000);
	cfg_init(&cfg, path, 1.0);
	struct mixer *m = new_mixer(&tl, &cfg, &s);
	out = render(m, &tl, 512);
	n = onsets(out, (size_t)tl.length, at, 8);
	ck_assert_uint_eq(n, 4);
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq((int64_t)at[i], tl.cues[i].at);
	/* Length: 50 ms at BC_RATE (+- a few samples of filter tail). */
	for (len = at[1] - at[0]; len > 0 && out[at[0] + len - 1] == 0.0f; len--)
		;
	ck_assert_int_ge((int64_t)len, MS(50) - 3);
	ck_assert_int_le((int64_t)len, MS(50) + 3);
	/* Pitch: 1 kHz is about 100 zero crossings in 50 ms. */
	for (size_t i = at[0] + 1; i < at[0] + len; i++)
		cross += (out[i - 1] < 0) != (out[i] < 0);
	ck_assert_int_ge((int)cross, 97);
	ck_assert_int_le((int)cross, 103);
	/* Accent: the same sound louder. */
	ck_assert_float_gt(peak(out, at[0], at[1]), 1.5f * peak(out, at[1], at[2]));
	ck_assert_float_lt(fabsf(out[at[0]]), 0.01f);
	free(out);
	mixer_free(m);

	/* A missing file is an error naming it. */
	snprintf(path, sizeof(path), "%s/missing.wav", dir);
	cfg.metronome.sound_at = (struct origin){ "my.ini", 12 };
	ck_assert_ptr_null(mixer_new(&tl, &cfg, (struct speech_source){ get, &s }, err,
				     sizeof(err)));
	ck_assert_msg(strncmp(err, "my.ini:12: metronome sound /tmp/mix-test.", 41) == 0 &&
		      strstr(err, "missing.wav: "), "%s", err);
	/* A file that became a FIFO after the config was checked: refused at
	 * once, not waited on (a blocking open would hang the daemon's loop). */
	snprintf(path, sizeof(path), "%s/fifo.wav", dir);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	alarm(20);
	ck_assert_ptr_null(mixer_new(&tl, &cfg, (struct speech_source){ get, &s }, err,
				     sizeof(err)));
	alarm(0);
	ck_assert_msg(strstr(err, "my.ini:12: metronome sound ") == err &&
		      strstr(err, "fifo.wav: not a regular file"), "%s", err);
	unlink(path);
	snprintf(path, sizeof(path), "%s/mix-beat-44k.wav", dir);
	unlink(path);
	rmdir(dir);
	free(tl.cues);
}
END_TEST

/* Mixing throughput on a 5-minute routine-like timeline: speech 40% of the
 * time, breath tones and a 60 bpm metronome through the exercises. A figure,
 * printed, not asserted (how fast is bench_render's, in make bench); what
 * is asserted is that the whole timeline was mixed. */
START_TEST(throughput)
{
	struct timeline tl = { 0 };
	struct config cfg;
	struct src s = { .tl = &tl, .kind = CLIP_VOICE };
	float *buf = xmalloc(4096 * sizeof(float));
	double t0, dt;
	size_t n;
	int64_t total = 0;

	for (int64_t t = 0; t < MS(300000); t += MS(10000)) {
		add(&tl, CUE_SPEECH, ROLE_BREATH, t, MS(2000));
		tone(&tl, t + 1, MS(3900), 220, 330, 0.25f);
		add(&tl, CUE_SPEECH, ROLE_BREATH, t + MS(4000), MS(2000));
		tone(&tl, t + MS(4000) + 1, MS(5900), 330, 220, 0.25f);
	}
	beats(&tl, 7, MS(300000), 60, 4);
	finish(&tl, MS(1000));
	cfg_init(&cfg, "click", 0.5);
	struct mixer *m = new_mixer(&tl, &cfg, &s);
	free(render(m, &tl, 4096)); /* speech clips made, caches warm */
	mixer_seek(m, 0);
	t0 = util_now();
	while ((n = mixer_render(m, buf, 4096)) > 0)
		total += (int64_t)n;
	dt = util_now() - t0;
	fprintf(stderr, "mixer: %.1f s of audio in %.2f ms: %.0fx real time, %.1f Msamples/s\n",
		(double)total / BC_RATE, dt * 1000, (double)total / BC_RATE / dt,
		(double)total / dt / 1e6);
	ck_assert_int_eq(total, tl.length);
	free(buf);
	mixer_free(m);
	src_free(&s);
	free(tl.cues);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("mixer");
	TCase *tc = tcase_create("mix");

	tcase_add_loop_test(tc, clicks_on_beats, 0, 3);
	tcase_add_test(tc, speech_placement);
	tcase_add_test(tc, fades);
	tcase_add_test(tc, ducking);
	tcase_add_test(tc, accent_audible);
	tcase_add_test(tc, no_clipping);
	tcase_add_test(tc, tone_accuracy);
	tcase_add_test(tc, nan_is_silence);
	tcase_add_test(tc, overlapping_speech);
	tcase_add_test(tc, block_size_independent);
	tcase_add_test(tc, seek_equals_fresh);
	tcase_add_test(tc, file_sound_resampled);
	tcase_add_test(tc, throughput);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run(suite());
}
