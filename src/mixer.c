/* mixer.c: turn a timeline into samples, block by block, from any position.
 *
 * Every output sample is a pure function of its position: each cue's
 * contribution is computed from the sample's offset into the cue (tones from
 * a closed-form phase, not an accumulator), ducking from the distance to the
 * speech spans, and the final limiter is memoryless. So rendering in blocks
 * of any size, or after a seek, gives bit-identical output, and nothing is
 * allocated after mixer_new.
 *
 * Two buses: speech, and everything else (tones, clicks), which is ducked by
 * MIXER_DUCK_DB under speech with short linear ramps. Their sum goes through
 * a soft limiter that leaves |x| <= LIMIT_KNEE alone and never exceeds 1. */
#include "mixer.h"

#include <math.h>
#include <samplerate.h>
#include <stdarg.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

#define CHUNK 1024            /* samples mixed at a time */
#define SINE_BITS 12
#define SINE_SIZE (1 << SINE_BITS)
#define DUCK_DOWN_MS 30       /* ramp into the duck, ending as speech starts */
#define DUCK_UP_MS 120        /* ramp out of it after speech ends */
#define BREATH_FADE_MS 60     /* breath tones fade in and out gently */
#define CLICK_LEVEL 0.5f      /* metronome peak at volume 1, accented beat */
#define CLICK_NORMAL 0.6f     /* unaccented beat relative to accented */
#define LIMIT_KNEE 0.9f
#define FILE_SOUND_MAX_MS 2000 /* longer metronome sound files are cut */

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
	float sine[SINE_SIZE + 1];
	float duck;            /* linear gain under speech */
	float *speech, *other, *gain; /* CHUNK each */
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
	SNDFILE *sf = sf_open(path, SFM_READ, &info);
	float *in = NULL, *mono = NULL;
	sf_count_t frames, got;
	size_t n;
	int ret = -1;

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
	for (i = 0; i <= SINE_SIZE; i++)
		m->sine[i] = (float)sin(2 * M_PI * (double)i / SINE_SIZE);
	m->speech = xcalloc(CHUNK, sizeof(float));
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
	free(m->speech);
	free(m->other);
	free(m->gain);
	free(m);
}

/* dst[i] += g * src[j0 + i] * edge gain, for j in [j0, j1) of a clip of n
 * samples with fades of f. */
static void add_clip(float *dst, const float *s, size_t j0, size_t j1,
		     size_t n, size_t f, float g)
{
	size_t j = j0;

	for (; j < j1 && j < f; j++)
		*dst++ += g * s[j] * edge_gain(j, n, f);
	for (; j < j1 && j < n - f; j++)
		*dst++ += g * s[j];
	for (; j < j1; j++)
		*dst++ += g * s[j] * edge_gain(j, n, f);
}

/* A sine glide f0 -> f1 over the cue, its phase in closed form:
 * cycles(j) = (f0 j + (f1 - f0) j^2 / 2N) / rate. Breath tones fade in and
 * out gently; chimes strike and decay like a bell. */
static void add_tone(const struct mixer *m, float *dst, const struct cue *c,
		     size_t j0, size_t j1)
{
	size_t n = (size_t)c->len;
	double a = c->f0 / (double)BC_RATE;
	double b = (c->f1 - c->f0) / (2.0 * (double)n * BC_RATE);
	bool chime = c->role == ROLE_CHIME_START || c->role == ROLE_CHIME_END;
	size_t f = fade_len(n, chime ? MIXER_FADE_MS : BREATH_FADE_MS);
	double tau = (double)n / 4.0;

	for (size_t j = j0; j < j1; j++) {
		double cyc = (double)j * (a + b * (double)j), x;
		size_t idx;
		float frac, v, env = c->gain * edge_gain(j, n, f);

		cyc -= (double)(int64_t)cyc;
		x = cyc * SINE_SIZE;
		idx = (size_t)x;
		frac = (float)(x - (double)idx);
		v = m->sine[idx] + frac * (m->sine[idx + 1] - m->sine[idx]);
		if (chime)
			env *= (float)exp(-(double)j / tau);
		*dst++ += env * v;
	}
}

/* Ducking gain over [p, p + n): 1 away from speech, m->duck under it, with
 * linear ramps into and out of it. Returns false if it is 1 throughout. */
static bool duck_gain(const struct mixer *m, int64_t p, size_t n, float *g)
{
	const int64_t down = MS(DUCK_DOWN_MS), up = MS(DUCK_UP_MS);
	const float d = m->duck;
	size_t i = first_under_way(m->sp_maxend, m->n_sp, p - up);
	bool any = false;

	for (; i < m->n_sp && m->sp_at[i] - down < p + (int64_t)n; i++) {
		int64_t a = m->sp_at[i], b = m->sp_end[i];
		int64_t lo = a - down > p ? a - down : p;
		int64_t hi = b + up < p + (int64_t)n ? b + up : p + (int64_t)n;

		if (hi <= lo)
			continue;
		if (!any)
			for (size_t j = 0; j < n; j++)
				g[j] = 1.0f;
		any = true;
		for (int64_t q = lo; q < hi; q++) {
			float v;

			if (q < a)
				v = 1.0f + (d - 1.0f) * (float)(q - (a - down) + 1) / (float)down;
			else if (q < b)
				v = d;
			else
				v = d + (1.0f - d) * (float)(q - b + 1) / (float)(up + 1);
			if (v < g[q - p])
				g[q - p] = v;
		}
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

static void mix_chunk(struct mixer *m, int64_t p, size_t n, float *out)
{
	const struct timeline *tl = m->tl;
	int64_t q = p + (int64_t)n;
	bool have_speech = false, have_other = false;
	size_t i = first_under_way(m->maxend, tl->n_cues, p);

	memset(m->speech, 0, n * sizeof(float));
	memset(m->other, 0, n * sizeof(float));
	for (; i < tl->n_cues && tl->cues[i].at < q; i++) {
		const struct cue *c = &tl->cues[i];
		int64_t at = c->at;
		size_t j0, j1, off;

		if (m->end[i] <= p)
			continue;
		j0 = at < p ? (size_t)(p - at) : 0;
		off = at > p ? (size_t)(at - p) : 0;
		j1 = (size_t)((m->end[i] < q ? m->end[i] : q) - at);
		switch (c->kind) {
		case CUE_SPEECH: {
			const struct clip *cl = m->src.get(m->src.ctx, c);
			size_t len;

			if (!cl || !cl->s || !cl->n)
				break;
			len = cl->n < (size_t)c->len ? cl->n : (size_t)c->len;
			if (j1 > len)
				j1 = len;
			if (j0 >= j1)
				break;
			add_clip(m->speech + off, cl->s, j0, j1, len,
				 fade_len(len, MIXER_FADE_MS), MIXER_SPEECH_GAIN * c->gain);
			have_speech = true;
			break;
		}
		case CUE_TONE:
			add_tone(m, m->other + off, c, j0, j1);
			have_other = true;
			break;
		case CUE_CLICK: {
			const struct sound *s = &m->click[c->accent];

			/* fades are in the sound already */
			add_clip(m->other + off, s->s, j0, j1, s->n, 0, c->gain);
			have_other = true;
			break;
		}
		}
	}
	if (have_other && duck_gain(m, p, n, m->gain))
		for (size_t j = 0; j < n; j++)
			m->other[j] *= m->gain[j];
	if (have_speech && have_other)
		for (size_t j = 0; j < n; j++)
			out[j] = limit(m->speech[j] + m->other[j]);
	else if (have_speech || have_other) {
		const float *s = have_speech ? m->speech : m->other;

		for (size_t j = 0; j < n; j++)
			out[j] = limit(s[j]);
	} else {
		memset(out, 0, n * sizeof(float));
	}
}

size_t mixer_render(struct mixer *m, float *out, size_t frames)
{
	size_t done = 0;

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
