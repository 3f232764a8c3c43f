/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mixer.c: turn a timeline into samples, block by block, from any position.
 *
 * Every output sample is a pure function of its position: each cue's
 * contribution is computed from the sample's offset into the cue (tones from
 * a phase in closed form at every TONE_BLOCK-th sample of the cue, not an
 * accumulator), ducking from the distance to the speech spans, and the final
 * limiter is memoryless. So rendering in blocks of any size, or after a seek,
 * gives bit-identical output, and nothing is allocated after mixer_new.
 *
 * Inner loops run over fixed-size blocks (VEC samples, restrict pointers,
 * no branches) so that the compiler vectorises them at -O2.
 *
 * Two buses: speech, and everything else (tones, clicks), which is ducked by
 * MIXER_DUCK_DB under speech with short linear ramps. An accented click is
 * not ducked: it starts a breath, often just as the breath's words do, and
 * must stay louder than a plain click (it goes on the speech bus). Their sum
 * goes through a soft limiter that leaves |x| <= LIMIT_KNEE alone and never
 * exceeds 1. */
#include "audio/mixer.h"

#include <math.h>
#include <samplerate.h>
#include <stdarg.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/util.h"

#define CHUNK 1024            /* samples mixed at a time */
#define VEC 16                /* samples per vectorisable inner loop */
#define TONE_BLOCK 64         /* tone phase in closed form every this often (<= 64) */
#define DUCK_DOWN_MS 30       /* ramp into the duck, ending as speech starts */
#define DUCK_UP_MS 120        /* ramp out of it after speech ends */
#define BREATH_FADE_MS 60     /* breath tones fade in and out gently */
#define CLICK_LEVEL 0.5f      /* metronome peak at volume 1, accented beat */
#define CLICK_NORMAL 0.6f     /* unaccented beat relative to accented */
#define LIMIT_KNEE 0.9f
#define FILE_SOUND_MAX_MS 2000 /* longer metronome sound files are cut */
#define MAX_ACCENTS 8         /* accents in one chunk kept off the duck
                                 (more: a bpm over 470 at accent = 1) */

#define MS(x) BC_MS_TO_SAMPLES(x)

struct sound {
	float *s;
	size_t n;
};

struct mixer {
	const struct timeline *tl;
	struct speech_source src;
	int64_t pos;

	int64_t *end;     /* per cue: end of what it renders */
	int64_t *maxend;  /* running maximum of end, to find cues under way */
	int64_t *sp_at, *sp_end, *sp_maxend; /* speech spans, for ducking */
	size_t n_sp;

	struct sound click[2]; /* unaccented, accented; level included */
	float duck;            /* linear gain under speech */
	float *other, *gain;   /* CHUNK each; speech is mixed in the output */
	/* The clip src.get returned last, during this mixer_render call (it is
	 * valid until the next get): a cue spanning chunks is fetched once. */
	size_t last_cue;       /* index, or SIZE_MAX */
	const struct clip *last_clip;
};

/* Fade-in/out gain at offset j of a clip of n samples with fades of f:
 * never exactly 1 at the edges, so first and last samples are near zero. */
static inline float edge_gain(size_t j, size_t n, size_t f)
{
	if (j < f)
		return (float)(j + 1) / (float)(f + 1);
	if (j >= n - f)
		return (float)(n - j) / (float)(f + 1);
	return 1.0f;
}

static size_t fade_len(size_t n, int ms)
{
	size_t f = (size_t)MS(ms);

	return f > n / 2 ? n / 2 : f;
}

static void apply_fades(struct sound *s)
{
	size_t f = fade_len(s->n, MIXER_FADE_MS);

	for (size_t j = 0; j < f; j++) {
		s->s[j] *= edge_gain(j, s->n, f);
		s->s[s->n - 1 - j] *= edge_gain(s->n - 1 - j, s->n, f);
	}
}

/* Built-in beat sounds: a sum of up to two decaying sines. The first sample
 * is non-zero (cosine start), so the onset is exactly on the beat. */
struct voice_spec {
	const char *name;
	int ms;
	float f[2], amp[2], tau_ms; /* tau 0: no decay */
	float accent_pitch;         /* accented: frequencies times this */
};

static const struct voice_spec builtin[] = {
	{ "click", 20, { 2000, 5100 }, { 1.0f, 0.25f }, 6.0f, 1.25f },
	{ "wood", 60, { 800, 1600 }, { 1.0f, 0.5f }, 10.0f, 1.25f },
	{ "beep", 30, { 1000, 0 }, { 1.0f, 0 }, 0, 1.5f },
};

static void synth_builtin(const struct voice_spec *v, bool accent,
			  struct sound *s)
{
	float pitch = accent ? v->accent_pitch : 1.0f;
	float level = CLICK_LEVEL * (accent ? 1.0f : CLICK_NORMAL), peak = 0;

	s->n = (size_t)MS(v->ms);
	s->s = xcalloc(s->n, sizeof(float));
	for (size_t j = 0; j < s->n; j++) {
		double t = (double)j / BC_RATE, x = 0;

		for (int k = 0; k < 2; k++)
			x += v->amp[k] * cos(2 * M_PI * v->f[k] * pitch * t);
		if (v->tau_ms > 0)
			x *= exp(-t * 1000.0 / v->tau_ms);
		s->s[j] = (float)x;
	}
	apply_fades(s);
	for (size_t j = 0; j < s->n; j++)
		if (fabsf(s->s[j]) > peak)
			peak = fabsf(s->s[j]);
	for (size_t j = 0; j < s->n; j++)
		s->s[j] *= level / peak;
}

static int err_sound(const struct config *cfg, char *err, size_t errlen,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int err_sound(const struct config *cfg, char *err, size_t errlen,
		     const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (cfg->metronome.sound_at.file)
		snprintf(err, errlen, "%s:%d: metronome sound %s",
			 cfg->metronome.sound_at.file, cfg->metronome.sound_at.line, msg);
	else
		snprintf(err, errlen, "metronome sound %s", msg);
	return -1;
}

/* A sound file: mixed down to mono, resampled to BC_RATE, cut to 2 s; the
 * accented beat is the same sound louder. */
static int load_sound(struct mixer *m, const struct config *cfg,
		      const char *path, char *err, size_t errlen)
{
	SF_INFO info = { 0 };
	SNDFILE *sf;
	float *in = NULL, *mono = NULL;
	sf_count_t frames, got;
	size_t n;
	char why[128];
	int ret = -1, fd;

	/* Checked as a regular file on the descriptor that is then read: the
	 * path may have become a FIFO since the config was loaded. */
	fd = util_open_regular(path, why, sizeof(why));
	if (fd < 0)
		return err_sound(cfg, err, errlen, "%s: %s", path, why);
	sf = sf_open_fd(fd, SFM_READ, &info, SF_TRUE);
	if (!sf)
		return err_sound(cfg, err, errlen, "%s: %s", path, sf_strerror(NULL));
	if (info.channels < 1 || info.samplerate < 1000 || info.samplerate > 768000) {
		err_sound(cfg, err, errlen, "%s: unsupported format", path);
		goto out;
	}
	frames = info.frames;
	if (frames > (sf_count_t)info.samplerate * FILE_SOUND_MAX_MS / 1000)
		frames = (sf_count_t)info.samplerate * FILE_SOUND_MAX_MS / 1000;
	if (frames < 1) {
		err_sound(cfg, err, errlen, "%s: no samples", path);
		goto out;
	}
	in = xmalloc((size_t)frames * (size_t)info.channels * sizeof(float));
	got = sf_readf_float(sf, in, frames);
	if (got < 1) {
		err_sound(cfg, err, errlen, "%s: %s", path, sf_strerror(sf));
		goto out;
	}
	n = (size_t)got;
	mono = xmalloc(n * sizeof(float));
	for (size_t j = 0; j < n; j++) {
		float sum = 0;

		for (int ch = 0; ch < info.channels; ch++)
			sum += in[j * (size_t)info.channels + (size_t)ch];
		mono[j] = sum / (float)info.channels;
	}
	if (info.samplerate != BC_RATE) {
		double ratio = (double)BC_RATE / info.samplerate;
		SRC_DATA d = {
			.data_in = mono,
			.input_frames = (long)n,
			.src_ratio = ratio,
		};
		int e;

		d.output_frames = (long)ceil((double)n * ratio) + 16;
		d.data_out = xcalloc((size_t)d.output_frames, sizeof(float));
		e = src_simple(&d, SRC_SINC_BEST_QUALITY, 1);
		if (e) {
			free(d.data_out);
			err_sound(cfg, err, errlen, "%s: resampling: %s", path,
				  src_strerror(e));
			goto out;
		}
		free(mono);
		mono = d.data_out;
		n = (size_t)d.output_frames_gen;
		if (!n) {
			err_sound(cfg, err, errlen, "%s: too short", path);
			goto out;
		}
	}
	for (int a = 0; a < 2; a++) {
		float level = CLICK_LEVEL * (a ? 1.0f : CLICK_NORMAL);

		m->click[a].n = n;
		m->click[a].s = xmalloc(n * sizeof(float));
		for (size_t j = 0; j < n; j++)
			m->click[a].s[j] = mono[j] * level;
		apply_fades(&m->click[a]);
	}
	ret = 0;
out:
	free(in);
	free(mono);
	sf_close(sf);
	return ret;
}

static size_t first_under_way(const int64_t *maxend, size_t n, int64_t pos)
{
	size_t lo = 0, hi = n;

	/* First index whose running maximum end is past pos: every cue
	 * before it has ended. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (maxend[mid] <= pos)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct mixer *mixer_new(const struct timeline *tl, const struct config *cfg,
			struct speech_source src, char *err, size_t errlen)
{
	struct mixer *m = xcalloc(1, sizeof(*m));
	const char *sound = cfg->metronome.sound && *cfg->metronome.sound
				    ? cfg->metronome.sound : "click";
	float vol = (float)cfg->metronome.volume;
	size_t i, k;
	int64_t run = 0;

	m->tl = tl;
	m->src = src;
	m->duck = powf(10.0f, MIXER_DUCK_DB / 20.0f);
	m->other = xcalloc(CHUNK, sizeof(float));
	m->gain = xcalloc(CHUNK, sizeof(float));

	for (i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++)
		if (strcasecmp(sound, builtin[i].name) == 0)
			break;
	if (i < sizeof(builtin) / sizeof(builtin[0])) {
		synth_builtin(&builtin[i], false, &m->click[0]);
		synth_builtin(&builtin[i], true, &m->click[1]);
	} else if (load_sound(m, cfg, sound, err, errlen) < 0) {
		mixer_free(m);
		return NULL;
	}
	if (vol < 0)
		vol = 0;
	for (int a = 0; a < 2; a++)
		for (size_t j = 0; j < m->click[a].n; j++)
			m->click[a].s[j] *= vol;

	m->end = xcalloc(tl->n_cues, sizeof(int64_t));
	m->maxend = xcalloc(tl->n_cues, sizeof(int64_t));
	for (i = 0; i < tl->n_cues; i++) {
		const struct cue *c = &tl->cues[i];
		int64_t len = c->len;

		if (c->kind == CUE_CLICK)
			len = (int64_t)m->click[c->accent].n;
		m->end[i] = c->at + (len > 0 ? len : 0);
		run = m->end[i] > run ? m->end[i] : run;
		m->maxend[i] = run;
		if (c->kind == CUE_SPEECH && c->len > 0)
			m->n_sp++;
	}
	m->sp_at = xcalloc(m->n_sp, sizeof(int64_t));
	m->sp_end = xcalloc(m->n_sp, sizeof(int64_t));
	m->sp_maxend = xcalloc(m->n_sp, sizeof(int64_t));
	for (i = 0, k = 0, run = 0; i < tl->n_cues; i++) {
		const struct cue *c = &tl->cues[i];

		if (c->kind != CUE_SPEECH || c->len <= 0)
			continue;
		m->sp_at[k] = c->at;
		m->sp_end[k] = c->at + c->len;
		run = m->sp_end[k] > run ? m->sp_end[k] : run;
		m->sp_maxend[k++] = run;
	}
	return m;
}

void mixer_free(struct mixer *m)
{
	if (!m)
		return;
	free(m->end);
	free(m->maxend);
	free(m->sp_at);
	free(m->sp_end);
	free(m->sp_maxend);
	free(m->click[0].s);
	free(m->click[1].s);
	free(m->other);
	free(m->gain);
	free(m);
}

/* Buses: the first cue on a bus in a chunk sets its samples to 0 + x,
 * exactly what adding to a cleared bus gives (-0 included), and clears only
 * the rest; later cues add. So no bus is cleared and then overwritten. */
static inline float put(float d, float x, bool set)
{
	return (set ? 0.0f : d) + x;
}

/* d[i] (+)= g * s[i] */
static void add_scaled(float *restrict d, const float *restrict s, size_t n,
		       float g, bool set)
{
	size_t i = 0;

	if (set)
		for (; i + VEC <= n; i += VEC)
			for (size_t k = 0; k < VEC; k++)
				d[i + k] = 0.0f + g * s[i + k];
	else
		for (; i + VEC <= n; i += VEC)
			for (size_t k = 0; k < VEC; k++)
				d[i + k] += g * s[i + k];
	for (; i < n; i++)
		d[i] = put(d[i], g * s[i], set);
}

/* d[i] (+)= s[i] */
static void add_to(float *restrict d, const float *restrict s, size_t n, bool set)
{
	size_t i = 0;

	if (set)
		for (; i + VEC <= n; i += VEC)
			for (size_t k = 0; k < VEC; k++)
				d[i + k] = 0.0f + s[i + k];
	else
		for (; i + VEC <= n; i += VEC)
			for (size_t k = 0; k < VEC; k++)
				d[i + k] += s[i + k];
	for (; i < n; i++)
		d[i] = put(d[i], s[i], set);
}

/* d[i] *= g[i] */
static void mul_by(float *restrict d, const float *restrict g, size_t n)
{
	size_t i = 0;

	for (; i + VEC <= n; i += VEC)
		for (size_t k = 0; k < VEC; k++)
			d[i + k] *= g[i + k];
	for (; i < n; i++)
		d[i] *= g[i];
}

/* d[i] = v */
static void fill(float *restrict d, size_t n, float v)
{
	size_t i = 0;

	for (; i + VEC <= n; i += VEC)
		for (size_t k = 0; k < VEC; k++)
			d[i + k] = v;
	for (; i < n; i++)
		d[i] = v;
}

/* dst[i] (+)= g * src[j0 + i] * edge gain, for j in [j0, j1) of a clip of
 * n samples with fades of f. */
static void add_clip(float *dst, const float *s, size_t j0, size_t j1,
		     size_t n, size_t f, float g, bool set)
{
	size_t j = j0, mid;

	for (; j < j1 && j < f; j++, dst++)
		*dst = put(*dst, g * s[j] * edge_gain(j, n, f), set);
	mid = (j1 < n - f ? j1 : n - f);
	if (j < mid) {
		add_scaled(dst, s + j, mid - j, g, set);
		dst += mid - j;
		j = mid;
	}
	for (; j < j1; j++, dst++)
		*dst = put(*dst, g * s[j] * edge_gain(j, n, f), set);
}

/* sin(2 pi r) for |r| <= 0.5, within 2.1e-7: folded to 0 <= u <= 1/4 by
 * symmetry, then a minimax polynomial (error 3.4e-9 before rounding). */
static inline float sin_cycle(float r)
{
	float u = 0.25f - fabsf(0.25f - fabsf(r)), u2 = u * u, y;

	y = u * (6.2831851601f + u2 * (-41.341655031f + u2 * (81.601004073f +
	    u2 * (-76.549782294f + u2 * 39.536706066f))));
	return copysignf(y, r);
}

/* What a tone cue adds, blockwise. */
struct tone {
	double a, b;       /* phase in cycles at j: j (a + b j) */
	int64_t n;         /* length */
	float fade1;       /* fade length + 1 */
	float gain;
	bool chime;
	double tau;        /* chime decay, samples */
	float decay[TONE_BLOCK]; /* chime: exp(-k / tau) */
};

/* A sine glide f0 -> f1 over the cue, its phase in closed form:
 * cycles(j) = (f0 j + (f1 - f0) j^2 / 2N) / rate. Breath tones fade in and
 * out gently; chimes strike and decay like a bell. */
static void tone_init(struct tone *t, const struct cue *c)
{
	size_t n = (size_t)c->len;

	t->a = c->f0 / (double)BC_RATE;
	t->b = (c->f1 - c->f0) / (2.0 * (double)n * BC_RATE);
	t->n = c->len;
	t->chime = c->role == ROLE_CHIME_START || c->role == ROLE_CHIME_END;
	t->fade1 = (float)(fade_len(n, t->chime ? MIXER_FADE_MS : BREATH_FADE_MS) + 1);
	t->gain = c->gain;
	t->tau = (double)n / 4.0;
	if (t->chime)
		for (int k = 0; k < TONE_BLOCK; k++)
			t->decay[k] = (float)exp(-k / t->tau);
}

/* x - round(x), for |x| < 2^22: adding and taking away 1.5 * 2^23 rounds
 * to an integer. Exact: x itself below 1/2, Sterbenz's lemma above. */
static inline float wrap(float x)
{
	return x - ((x + 0x1.8p23f) - 0x1.8p23f);
}

/* Samples jb .. jb + TONE_BLOCK - 1 of the tone (jb a multiple of
 * TONE_BLOCK; past the end they are garbage), each a function of its
 * position only. The phase at jb + k is p0 + k A + k^2 B cycles: p0 (the
 * phase at jb, wrapped to +-1/2) and A are exact in double; k Ahi is exact
 * in float (Ahi has 18 significant bits, k 6), and wrapped exactly, so the
 * float sum stays within +-1 and loses < 1e-7 cycles. */
_Static_assert(TONE_BLOCK <= 64, "k * Ahi is exact in float for k < 64 only");

static void tone_block(const struct tone *t, int64_t jb, float *restrict v)
{
	double cyc = (double)jb * (t->a + t->b * (double)jb);
	double a = t->a + 2.0 * t->b * (double)jb;
	/* cyc - round(cyc), as in wrap (exact for |cyc| < 2^51) */
	float p0 = (float)(cyc - ((cyc + 0x1.8p52) - 0x1.8p52));
	float Ahi = (float)a, Alo, B = (float)t->b;
	uint32_t bits;
	/* edge gain: min(j + 1, n - j, fade + 1) / (fade + 1), in int32 */
	int32_t in = (int32_t)(jb < INT32_MAX / 2 ? jb + 1 : INT32_MAX / 2);
	int32_t out = (int32_t)(t->n - jb < INT32_MAX / 2 ? t->n - jb : INT32_MAX / 2);
	int32_t f1 = (int32_t)t->fade1;
	float g = t->gain, dk = t->chime ? (float)exp(-(double)jb / t->tau) : 1.0f;

	memcpy(&bits, &Ahi, sizeof(bits));
	bits &= ~(uint32_t)0x3f;
	memcpy(&Ahi, &bits, sizeof(bits));
	Alo = (float)(a - (double)Ahi);
	for (int k = 0; k < TONE_BLOCK; k++) {
		float kf = (float)k, ph = p0 + wrap(kf * Ahi) + kf * (Alo + B * kf);

		v[k] = sin_cycle(wrap(ph));
	}
	if (in >= f1 && out - (TONE_BLOCK - 1) >= f1) /* no fade: the edge gain is 1 */
		for (int k = 0; k < TONE_BLOCK; k++)
			v[k] *= g;
	else
		for (int k = 0; k < TONE_BLOCK; k++) {
			int32_t e = in + k < out - k ? in + k : out - k;

			e = e < f1 ? e : f1;
			v[k] *= g * ((float)e / t->fade1);
		}
	if (t->chime)
		for (int k = 0; k < TONE_BLOCK; k++)
			v[k] *= dk * t->decay[k];
}

/* dst[i] (+)= tone sample j0 + i, for j in [j0, j1). */
static void add_tone(const struct tone *t, float *dst, size_t j0, size_t j1,
		     bool set)
{
	float v[TONE_BLOCK];

	for (size_t jb = j0 - j0 % TONE_BLOCK; jb < j1; jb += TONE_BLOCK) {
		size_t lo = jb > j0 ? jb : j0, hi = jb + TONE_BLOCK < j1 ? jb + TONE_BLOCK : j1;

		tone_block(t, (int64_t)jb, v);
		if (lo == jb && hi == jb + TONE_BLOCK)
			add_to(dst + (jb - j0), v, TONE_BLOCK, set);
		else
			for (size_t j = lo; j < hi; j++)
				dst[j - j0] = put(dst[j - j0], v[j - jb], set);
	}
}

/* g[i] = min(g[i], v(i)), v(i) = base + step * (k0 + i) / div: a ramp of
 * the duck (k0 + i is small, so exact in float). */
static void duck_ramp(float *restrict g, size_t n, int32_t k0, float base,
		      float step, float div)
{
	size_t i = 0;

	for (; i + VEC <= n; i += VEC)
		for (size_t k = 0; k < VEC; k++) {
			float v = base + step * (float)(k0 + (int32_t)(i + k)) / div;

			g[i + k] = v < g[i + k] ? v : g[i + k];
		}
	for (; i < n; i++) {
		float v = base + step * (float)(k0 + (int32_t)i) / div;

		g[i] = v < g[i] ? v : g[i];
	}
}

/* Ducking gain over [p, p + n): 1 away from speech, m->duck under it, with
 * linear ramps into and out of it. Returns false if it is 1 throughout. */
static bool duck_gain(const struct mixer *m, int64_t p, size_t n, float *g)
{
	const int64_t down = MS(DUCK_DOWN_MS), up = MS(DUCK_UP_MS);
	const float d = m->duck;
	size_t i = first_under_way(m->sp_maxend, m->n_sp, p - up);
	int64_t e = p + (int64_t)n;
	bool any = false;

	for (; i < m->n_sp && m->sp_at[i] - down < e; i++) {
		int64_t a = m->sp_at[i], b = m->sp_end[i];
		int64_t lo = a - down > p ? a - down : p;
		int64_t hi = b + up < e ? b + up : e;
		int64_t x, y;

		if (hi <= lo)
			continue;
		if (!any)
			fill(g, n, 1.0f);
		any = true;
		/* into the duck, under speech, out of it */
		x = lo, y = a < hi ? a : hi;
		if (x < y)
			duck_ramp(g + (x - p), (size_t)(y - x), (int32_t)(x - (a - down) + 1),
				  1.0f, d - 1.0f, (float)down);
		x = a > lo ? a : lo, y = b < hi ? b : hi;
		if (x < y) /* d + 0 k / 1 is d */
			duck_ramp(g + (x - p), (size_t)(y - x), 0, d, 0.0f, 1.0f);
		x = b > lo ? b : lo;
		if (x < hi)
			duck_ramp(g + (x - p), (size_t)(hi - x), (int32_t)(x - b + 1), d,
				  1.0f - d, (float)(up + 1));
	}
	return any;
}

/* Memoryless soft limiter: identity up to the knee, then a tanh curve that
 * approaches 1; NaN becomes silence. */
static inline float limit(float x)
{
	float ax = fabsf(x), y;

	if (ax <= LIMIT_KNEE)
		return x;
	if (!(ax == ax))
		return 0.0f;
	y = LIMIT_KNEE + (1.0f - LIMIT_KNEE) * tanhf((ax - LIMIT_KNEE) / (1.0f - LIMIT_KNEE));
	if (y > 1.0f)
		y = 1.0f;
	return x < 0 ? -y : y;
}

/* x[i] = limit(x[i] (+ o[i])), with o NULL: x alone. The limiter looks at
 * the samples only if one is beyond the knee (or a NaN): compared as bits,
 * |x| orders like an unsigned integer, and NaN above all. */
static void limit_out(float *restrict x, const float *restrict o, size_t n, bool add)
{
	uint32_t knee, over[VEC] = { 0 }, u[VEC], any = 0;
	float kf = LIMIT_KNEE;
	size_t i = 0;

	memcpy(&knee, &kf, sizeof(knee));
	for (; i + VEC <= n; i += VEC) {
		if (o && add)
			for (size_t k = 0; k < VEC; k++)
				x[i + k] += o[i + k];
		else if (o)
			for (size_t k = 0; k < VEC; k++)
				x[i + k] = 0.0f + o[i + k];
		memcpy(u, x + i, sizeof(u));
		for (size_t k = 0; k < VEC; k++)
			over[k] |= (u[k] & 0x7fffffffu) > knee;
	}
	for (; i < n; i++) {
		if (o)
			x[i] = put(x[i], o[i], !add);
		memcpy(u, x + i, sizeof(u[0]));
		any |= (u[0] & 0x7fffffffu) > knee;
	}
	for (size_t k = 0; k < VEC; k++)
		any |= over[k];
	if (any)
		for (i = 0; i < n; i++)
			x[i] = limit(x[i]);
}

/* Clear bus[0 .. n) but for [from, from + len), which the first cue on it
 * is about to set. */
static void clear_around(float *bus, size_t n, size_t from, size_t len)
{
	memset(bus, 0, from * sizeof(float));
	memset(bus + from + len, 0, (n - from - len) * sizeof(float));
}

/* Speech and accented clicks are mixed straight into out, everything else
 * into m->other, which is ducked. */
static void mix_chunk(struct mixer *m, int64_t p, size_t n, float *out)
{
	const struct timeline *tl = m->tl;
	int64_t q = p + (int64_t)n;
	bool have_speech = false, have_other = false, set;
	size_t i = first_under_way(m->maxend, tl->n_cues, p);
	size_t accents[MAX_ACCENTS], n_accents = 0;

	for (; i < tl->n_cues && tl->cues[i].at < q; i++) {
		const struct cue *c = &tl->cues[i];
		int64_t at = c->at;
		size_t j0, j1, off;

		if (m->end[i] <= p)
			continue;
		j0 = at < p ? (size_t)(p - at) : 0;
		off = at > p ? (size_t)(at - p) : 0;
		j1 = (size_t)((m->end[i] < q ? m->end[i] : q) - at);
		if (j0 >= j1) /* an empty cue */
			continue;
		if (c->kind == CUE_SPEECH) {
			const struct clip *cl;
			size_t len;

			if (m->last_cue != i) {
				m->last_clip = m->src.get(m->src.ctx, c);
				m->last_cue = i;
			}
			cl = m->last_clip;
			if (!cl || !cl->s || !cl->n)
				continue;
			len = cl->n < (size_t)c->len ? cl->n : (size_t)c->len;
			if (j1 > len)
				j1 = len;
			if (j0 >= j1)
				continue;
			if ((set = !have_speech))
				clear_around(out, n, off, j1 - j0);
			have_speech = true;
			add_clip(out + off, cl->s, j0, j1, len, fade_len(len, MIXER_FADE_MS),
				 MIXER_SPEECH_GAIN * c->gain, set);
			continue;
		}
		if (c->kind == CUE_CLICK && c->accent) {
			if (n_accents < MAX_ACCENTS) { /* mixed after the speech */
				accents[n_accents++] = i;
				continue;
			}
		}
		if ((set = !have_other))
			clear_around(m->other, n, off, j1 - j0);
		have_other = true;
		if (c->kind == CUE_TONE) {
			struct tone t;

			tone_init(&t, c);
			add_tone(&t, m->other + off, j0, j1, set);
		} else { /* a click: fades are in the sound already */
			const struct sound *s = &m->click[c->accent];

			add_clip(m->other + off, s->s, j0, j1, s->n, 0, c->gain, set);
		}
	}
	/* Accents, undimmed, beside the speech. */
	for (size_t k = 0; k < n_accents; k++) {
		const struct cue *c = &tl->cues[accents[k]];
		const struct sound *s = &m->click[1];
		size_t j0 = c->at < p ? (size_t)(p - c->at) : 0;
		size_t off = c->at > p ? (size_t)(c->at - p) : 0;
		size_t j1 = (size_t)((m->end[accents[k]] < q ? m->end[accents[k]] : q) - c->at);

		if ((set = !have_speech))
			clear_around(out, n, off, j1 - j0);
		have_speech = true;
		add_clip(out + off, s->s, j0, j1, s->n, 0, c->gain, set);
	}
	if (have_other && duck_gain(m, p, n, m->gain))
		mul_by(m->other, m->gain, n);
	if (have_speech || have_other)
		limit_out(out, have_other ? m->other : NULL, n, have_speech);
	else
		memset(out, 0, n * sizeof(float));
}

size_t mixer_render(struct mixer *m, float *out, size_t frames)
{
	size_t done = 0;

	m->last_cue = SIZE_MAX;
	while (done < frames && m->pos < m->tl->length) {
		int64_t left = m->tl->length - m->pos;
		size_t n = frames - done;

		if (n > CHUNK)
			n = CHUNK;
		if ((int64_t)n > left)
			n = (size_t)left;
		mix_chunk(m, m->pos, n, out + done);
		m->pos += (int64_t)n;
		done += n;
	}
	return done;
}

void mixer_seek(struct mixer *m, int64_t pos)
{
	if (pos < 0)
		pos = 0;
	if (pos > m->tl->length)
		pos = m->tl->length;
	m->pos = pos;
}

int64_t mixer_pos(const struct mixer *m)
{
	return m->pos;
}
