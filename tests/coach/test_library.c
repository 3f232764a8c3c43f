/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_library.c: the shipped exercise library, rendered and listened to.
 *
 * Every routine of the built-in config is rendered to a WAV file with the
 * real synthesiser and mixer, once with the default equipment and once with
 * everything (tests/data/library-equipment.ini). Speech is then found in the
 * audio itself: per frame, the energy left between 250 Hz and 5 kHz after
 * the two strongest spectral peaks are taken out. Breath tones and chimes
 * (one or two sines) leave almost nothing, clicks are too short, speech is
 * broadband and leaves a lot. What is heard is checked against the rules for
 * following a routine by ear alone, and cross-checked with the routine's
 * script as `backcoach script` prints it (speech heard only where the
 * script has speech, and all of its speech heard; the script is the
 * compiled timeline).
 *
 * The scripts of every routine, at the default rate and at rate 130 and
 * 200, with the default equipment and with all of it, are checked for the
 * promises of the coaching: every breath phase exactly as its pattern says
 * (all in-breaths of a pattern equal, to the sample), no speech running
 * past the end of its phase, metronome beats only on phase starts and their
 * subdivisions, what comes next said at the start of every rest, and each
 * exercise's own words at the switch and the release. */
#include "testlib.h"

#include <math.h>
#include <sndfile.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "coach/adapt.h"
#include "coach/config.h"
#include "playback/render.h"
#include "playback/voice_speech.h"
#include "coach/routine.h"
#include "speech/speech.h"
#include "coach/state.h"
#include "base/util.h"

#define SEC(x) ((int64_t)((x) * BC_RATE))
#define AT(x) ((double)(x) / BC_RATE) /* samples -> seconds, for messages */

enum {
	FRAME = 512,          /* analysis frame, 23 ms */
	HOP = 256,            /* frame step, 11.6 ms */
	PEAK_HALF = 6,        /* bins taken out either side of a peak */
	MIN_RUN = 3,          /* shorter loud runs are clicks or onsets */
	MERGE_FRAMES = 12,    /* loud runs closer than this are one utterance */
	MIN_LOUD = 8,         /* an utterance has at least this many loud frames */
};
#define SPEECH_DB (-75.0)     /* residual energy of a speech frame, dB */
#define GAP_MAX_S 15.0        /* longest silence between spoken cues */
#define EDGE_S 0.1            /* timeline vs audio tolerance at speech edges */

static char dir[] = "/tmp/bc-library-XXXXXX";
static struct speech *sp;

/* One line of `backcoach script --samples`. */
struct sline {
	int64_t at, end;
	char kind[16], what[32];
	char *words; /* "" if none */
};

struct script {
	struct sline *l;
	size_t n;
};

/* What one rendered routine sounds like, next to its timeline. */
struct heard {
	char label[96];
	const struct config *cfg;
	int r;
	struct timeline tl;
	float *s;
	size_t n;
	bool *loud;           /* per frame: speech-like */
	size_t nf;
	struct seg {
		int64_t from, to; /* samples: first and last loud frame centres */
	} *segs;
	size_t n_segs;
};

/* In-place radix-2 FFT of re + i im, n = FRAME. */
static void fft(double *re, double *im, size_t n)
{
	static double wr[FRAME / 2], wi[FRAME / 2];

	if (wr[0] == 0)
		for (size_t k = 0; k < FRAME / 2; k++) {
			wr[k] = cos(-2 * M_PI * (double)k / FRAME);
			wi[k] = sin(-2 * M_PI * (double)k / FRAME);
		}
	for (size_t i = 1, j = 0; i < n; i++) {
		size_t bit = n >> 1;

		for (; j & bit; bit >>= 1)
			j ^= bit;
		j ^= bit;
		if (i < j) {
			double t = re[i];
			re[i] = re[j];
			re[j] = t;
			t = im[i];
			im[i] = im[j];
			im[j] = t;
		}
	}
	for (size_t len = 2; len <= n; len <<= 1)
		for (size_t i = 0; i < n; i += len)
			for (size_t k = 0; k < len / 2; k++) {
				size_t t = k * (FRAME / len);
				double *ur = &re[i + k], *ui = &im[i + k];
				double *vr = &re[i + k + len / 2], *vi = &im[i + k + len / 2];
				double tr = *vr * wr[t] - *vi * wi[t];
				double ti = *vr * wi[t] + *vi * wr[t];

				*vr = *ur - tr;
				*vi = *ui - ti;
				*ur += tr;
				*ui += ti;
			}
}

/* Per frame: is it speech-like (see the top of the file)? A Blackman-Harris
 * window keeps a loud sine's leakage out of the residual. */
static bool *speech_frames(const float *s, size_t n, size_t *nf)
{
	const size_t lo = 250 * FRAME / BC_RATE, hi = 5000 * FRAME / BC_RATE;
	const double thr = pow(10, SPEECH_DB / 10);
	size_t f = n >= FRAME ? (n - FRAME) / HOP + 1 : 0;
	bool *loud = xcalloc(f + 1, sizeof(*loud));
	double win[FRAME], re[FRAME], im[FRAME], p[FRAME / 2];

	for (size_t i = 0; i < FRAME; i++) {
		double x = 2 * M_PI * (double)i / (FRAME - 1);

		win[i] = 0.35875 - 0.48829 * cos(x) + 0.14128 * cos(2 * x) -
			 0.01168 * cos(3 * x);
	}
	for (size_t k = 0; k < f; k++) {
		double e = 0;

		for (size_t i = 0; i < FRAME; i++) {
			re[i] = s[k * HOP + i] * win[i];
			im[i] = 0;
		}
		fft(re, im, FRAME);
		for (size_t b = 0; b < FRAME / 2; b++)
			p[b] = b >= lo && b <= hi ? re[b] * re[b] + im[b] * im[b] : 0;
		for (int t = 0; t < 2; t++) {
			size_t m = lo;

			for (size_t b = lo; b <= hi; b++)
				if (p[b] > p[m])
					m = b;
			for (size_t b = m > PEAK_HALF ? m - PEAK_HALF : 0;
			     b <= m + PEAK_HALF && b < FRAME / 2; b++)
				p[b] = 0;
		}
		for (size_t b = lo; b <= hi; b++)
			e += p[b];
		loud[k] = e / ((double)FRAME * FRAME) >= thr;
	}
	/* Short loud runs are clicks and tone onsets, not speech. */
	for (size_t k = 0; k < f;) {
		size_t a = k;

		if (!loud[k]) {
			k++;
			continue;
		}
		while (k < f && loud[k])
			k++;
		if (k - a < MIN_RUN)
			memset(&loud[a], 0, (k - a) * sizeof(*loud));
	}
	*nf = f;
	return loud;
}

static int64_t frame_centre(size_t k)
{
	return (int64_t)(k * HOP + FRAME / 2);
}

/* Utterances: loud runs merged across short pauses. */
static void find_segments(struct heard *h)
{
	size_t cap = 64;

	h->segs = xcalloc(cap, sizeof(*h->segs));
	for (size_t k = 0; k < h->nf;) {
		size_t a, b, quiet = 0, loud = 0;

		if (!h->loud[k]) {
			k++;
			continue;
		}
		for (a = b = k; k < h->nf; k++) {
			if (h->loud[k]) {
				b = k;
				quiet = 0;
				loud++;
			} else if (++quiet > MERGE_FRAMES) {
				break;
			}
		}
		if (loud < MIN_LOUD)
			continue;
		if (h->n_segs == cap)
			h->segs = xrealloc(h->segs, (cap *= 2) * sizeof(*h->segs));
		h->segs[h->n_segs++] = (struct seg){ frame_centre(a), frame_centre(b) };
	}
}

/* Share of frames centred in [from, to) that sound like speech. */
static double voiced(const struct heard *h, int64_t from, int64_t to)
{
	size_t n = 0, v = 0;
	int64_t k0 = (from - FRAME / 2 + HOP - 1) / HOP;

	for (size_t k = k0 > 0 ? (size_t)k0 : 0; k < h->nf && frame_centre(k) < to; k++) {
		n++;
		v += h->loud[k];
	}
	return n ? (double)v / (double)n : 0;
}

/* Strongest frequency in [fmin, fmax] Hz over s[from, from + len), to 0.25
 * Hz: Goertzel filters on the Hann-windowed signal, scanned at 1 Hz, then
 * refined. */
static double dominant_hz(const float *s, int64_t from, int64_t len,
			  double fmin, double fmax)
{
	double *x = xmalloc(sizeof(*x) * (size_t)len), best = fmin, best_p = -1;

	for (int64_t i = 0; i < len; i++)
		x[i] = s[from + i] * (0.5 - 0.5 * cos(2 * M_PI * (double)i / (double)(len - 1)));
	for (int pass = 0; pass < 2; pass++) {
		double lo = pass ? best - 1 : fmin, hi = pass ? best + 1 : fmax;
		double step = pass ? 0.25 : 1;

		for (double f = lo; f <= hi; f += step) {
			double k = 2 * cos(2 * M_PI * f / BC_RATE), s1 = 0, s2 = 0, p;

			for (int64_t i = 0; i < len; i++) {
				double s0 = x[i] + k * s1 - s2;
				s2 = s1;
				s1 = s0;
			}
			p = s1 * s1 + s2 * s2 - k * s1 * s2;
			if (p > best_p) {
				best_p = p;
				best = f;
			}
		}
	}
	free(x);
	return best;
}

/* Energy of the second difference (a steep high-pass: -43 dB at 300 Hz,
 * -5 dB at 2 kHz), mean per sample over s[from, to). */
static double highpass_energy(const float *s, int64_t from, int64_t to)
{
	double e = 0;

	for (int64_t i = from; i < to; i++) {
		double d = s[i] - 2.0 * s[i - 1] + s[i - 2];
		e += d * d;
	}
	return e / (double)(to - from);
}

static float *read_wav(const char *path, size_t *n)
{
	SF_INFO info;
	SNDFILE *f;
	float *s;

	memset(&info, 0, sizeof(info));
	f = sf_open(path, SFM_READ, &info);
	ck_assert_msg(f != NULL, "%s: %s", path, sf_strerror(NULL));
	ck_assert_int_eq(info.channels, 1);
	ck_assert_int_eq(info.samplerate, BC_RATE);
	s = xmalloc(sizeof(float) * ((size_t)info.frames + 1));
	*n = (size_t)sf_readf_float(f, s, info.frames);
	ck_assert_int_eq((long)*n, (long)info.frames);
	sf_close(f);
	return s;
}

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text = xcalloc(65537, 1);

	ck_assert_msg(f != NULL, "%s", path);
	ck_assert(fread(text, 1, 65536, f) < 65536);
	fclose(f);
	return text;
}

static const char *out_path(const char *name)
{
	static char buf[512];

	snprintf(buf, sizeof(buf), "%s/%s", dir, name);
	return buf;
}

/* The risks told in the routines compiled and heard (the daemon asks the
 * notice record: state_notice_due). */
static unsigned risks_due;

/* What script and render play: the next session (a new user's: the
 * forms as configured, the waits, the question after the last exercise). */
static struct compile_opts next_opts(const struct config *cfg, bool notice)
{
	struct compile_opts o = { 0 };

	adapt_next_opts(cfg, &o);
	o.notice = o.tones = notice;
	o.risks = risks_due;
	return o;
}

/* Compile routine r of cfg into h->tl, as the renderer does. */
static void compile(struct heard *h, const struct config *cfg, int r,
		    const char *what, bool notice)
{
	struct compile_opts o = next_opts(cfg, notice);
	struct voice_speech vs = { .sp = sp };
	char err[512];

	memset(h, 0, sizeof(*h));
	h->cfg = cfg;
	h->r = r;
	snprintf(h->label, sizeof(h->label), "%s (%s)", cfg->routines[r].name, what);
	speech_voice_for(cfg, r, &vs.voice);
	ck_assert_msg(routine_compile(cfg, r, &o, voice_speech_measure, &vs, &h->tl,
				      err, sizeof(err)) == 0, "%s: %s", h->label, err);
	free((void *)o.plan);
}

/* Render routine r of cfg, compile its timeline, and listen to it. */
static void hear(struct heard *h, const struct config *cfg, int r,
		 const char *what, bool notice)
{
	struct compile_opts o = next_opts(cfg, notice);
	struct render_stats st;
	char err[512], file[160];

	compile(h, cfg, r, what, notice);
	snprintf(file, sizeof(file), "%s-%s%s.wav", cfg->routines[r].name, what,
		 notice ? "-notice" : "");
	ck_assert_msg(render_routine(cfg, sp, r, &o, out_path(file), NULL, false, &st, err,
				     sizeof(err)) == 0, "%s: %s", h->label, err);
	free((void *)o.plan);
	h->s = read_wav(out_path(file), &h->n);
	ck_assert_msg((int64_t)h->n == h->tl.length, "%s: %zu samples rendered, "
		      "timeline has %lld", h->label, h->n, (long long)h->tl.length);
	h->loud = speech_frames(h->s, h->n, &h->nf);
	find_segments(h);
	unlink(out_path(file));
}

static void unhear(struct heard *h)
{
	timeline_free(&h->tl);
	free(h->s);
	free(h->loud);
	free(h->segs);
}

/* The first cue of step `step` with role `role`, or NULL. */
static const struct cue *cue_in(const struct heard *h, int step, enum cue_role role)
{
	for (size_t i = 0; i < h->tl.n_cues; i++)
		if (h->tl.cues[i].step == step && h->tl.cues[i].role == role)
			return &h->tl.cues[i];
	return NULL;
}

static size_t count_role(const struct heard *h, enum cue_role role)
{
	size_t n = 0;

	for (size_t i = 0; i < h->tl.n_cues; i++)
		n += h->tl.cues[i].role == role;
	return n;
}

/* Is any speech cue sounding in [from, to)? */
static bool speech_near(const struct heard *h, int64_t from, int64_t to)
{
	for (size_t i = 0; i < h->tl.n_cues; i++) {
		const struct cue *c = &h->tl.cues[i];

		if (c->kind == CUE_SPEECH && c->at < to && c->at + c->len > from)
			return true;
	}
	return false;
}

/* Utterances heard in [from, to). */
static size_t segments_in(const struct heard *h, int64_t from, int64_t to)
{
	size_t n = 0;

	for (size_t i = 0; i < h->n_segs; i++)
		n += h->segs[i].from >= from && h->segs[i].from < to;
	return n;
}

/* Speech is heard where the script has it, and only there; no silence
 * between spoken cues is longer than 15 s, in the script or the audio. */
static void check_speech(const struct heard *h, const struct script *sc)
{
	int64_t prev_end = -1;

	ck_assert_msg(h->n_segs >= 5, "%s: only %zu utterances heard", h->label, h->n_segs);
	for (size_t i = 0; i < h->n_segs; i++) {
		const struct seg *g = &h->segs[i];
		bool in = false;

		for (size_t j = 0; j < sc->n && !in; j++) {
			const struct sline *c = &sc->l[j];

			in = strcmp(c->kind, "speech") == 0 && g->from >= c->at - SEC(EDGE_S) &&
			     g->to <= c->end + SEC(EDGE_S);
		}
		ck_assert_msg(in, "%s: speech heard at %.2f-%.2f s where the script "
			      "has none", h->label, AT(g->from), AT(g->to));
		if (i > 0)
			ck_assert_msg(g->from - h->segs[i - 1].to <= SEC(GAP_MAX_S),
				      "%s: %.1f s without speech heard after %.1f s",
				      h->label, AT(g->from - h->segs[i - 1].to),
				      AT(h->segs[i - 1].to));
	}
	for (size_t j = 0; j < sc->n; j++) {
		const struct sline *c = &sc->l[j];

		if (strcmp(c->kind, "speech") != 0)
			continue;
		ck_assert_msg(voiced(h, c->at, c->end) >= 0.3,
			      "%s: \"%s\" at %.2f s is not heard", h->label, c->words,
			      AT(c->at));
		if (prev_end >= 0)
			ck_assert_msg(c->at - prev_end <= SEC(GAP_MAX_S),
				      "%s: script is silent for %.1f s before \"%s\"",
				      h->label, AT(c->at - prev_end), c->words);
		prev_end = c->end;
	}
}

/* ---- The script, as `backcoach script --samples` prints it ---- */

static void script_free(struct script *sc)
{
	for (size_t i = 0; i < sc->n; i++)
		free(sc->l[i].words);
	free(sc->l);
	memset(sc, 0, sizeof(*sc));
}

/* Run `backcoach --config config script routine --samples` and parse it. */
static void script_read(struct script *sc, const char *config, const char *routine)
{
	const char *bc = getenv("BACKCOACH");
	char *cmd, line[4096];
	size_t cap = 0;
	FILE *p;
	int rc;

	memset(sc, 0, sizeof(*sc));
	ck_assert_msg(bc != NULL, "BACKCOACH is not set");
	cmd = xasprintf("'%s' --config '%s' script '%s' --samples", bc, config, routine);
	p = popen(cmd, "r");
	ck_assert_msg(p != NULL, "%s", cmd);
	while (fgets(line, sizeof(line), p)) {
		struct sline *l;
		long long a, b;
		int off = 0;

		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#')
			continue;
		if (sc->n == cap)
			sc->l = xrealloc(sc->l, (cap = cap ? cap * 2 : 256) * sizeof(*sc->l));
		l = &sc->l[sc->n];
		ck_assert_msg(sscanf(line, "%lld %lld %15s %31s %n", &a, &b, l->kind,
				     l->what, &off) == 4, "%s: bad script line: %s",
			      routine, line);
		l->at = a;
		l->end = b;
		l->words = xstrdup(off ? line + off : "");
		sc->n++;
	}
	rc = pclose(p);
	ck_assert_msg(rc == 0, "%s: exit status %d", cmd, rc);
	ck_assert_uint_gt(sc->n, 10);
	free(cmd);
}

/* The script says what the compiled timeline says: its speech cues, at the
 * same samples, with the same words. */
static void script_is_timeline(const struct heard *h, const struct script *sc)
{
	size_t j = 0;

	for (size_t i = 0; i < h->tl.n_cues; i++) {
		const struct cue *c = &h->tl.cues[i];

		if (c->kind != CUE_SPEECH)
			continue;
		while (j < sc->n && strcmp(sc->l[j].kind, "speech") != 0)
			j++;
		ck_assert_msg(j < sc->n, "%s: \"%s\" is not in the script", h->label, c->text);
		ck_assert_int_eq(sc->l[j].at, c->at);
		ck_assert_int_eq(sc->l[j].end, c->at + c->len);
		ck_assert_str_eq(sc->l[j].words, c->text);
		j++;
	}
	for (; j < sc->n; j++)
		ck_assert_msg(strcmp(sc->l[j].kind, "speech") != 0, "%s: script says "
			      "\"%s\", the timeline does not", h->label, sc->l[j].words);
}

static int phase_index(const char *name)
{
	static const char *const names[BP_COUNT] = { "inhale", "hold", "exhale", "hold_after" };

	for (int k = 0; k < BP_COUNT; k++)
		if (strcmp(names[k], name) == 0)
			return k;
	ck_abort_msg("unknown phase %s", name);
	return -1;
}

static const struct breath *breath_named(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_breaths; i++)
		if (strcmp(cfg->breaths[i].name, name) == 0)
			return &cfg->breaths[i];
	ck_abort_msg("unknown breath pattern %s", name);
	return NULL;
}

/* The breath phase line that sample at falls in, or NULL. */
static const struct sline *phase_at(const struct script *sc, int64_t at)
{
	const struct sline *found = NULL;

	for (size_t i = 0; i < sc->n; i++)
		if (strcmp(sc->l[i].kind, "breath") == 0 && sc->l[i].at <= at &&
		    at < sc->l[i].end)
			found = &sc->l[i];
	return found;
}

/* The text of phrase ph for title (its {title} replaced). */
static char *phrase_for(const struct language *lang, enum phrase ph, const char *title)
{
	const char *p = lang->phrase[ph], *t = strstr(p, "{title}");

	if (!t)
		return xstrdup(p);
	return xasprintf("%.*s%s%s", (int)(t - p), p, title, t + 7);
}

/* The promises of the coaching, checked on the script of routine r of cfg
 * (label for messages). */
static void check_script(const struct config *cfg, int r, const struct script *sc,
			 const char *label)
{
	const struct language *lang = &cfg->languages[cfg->routines[r].language];
	int64_t in_len[64] = { 0 }; /* per pattern: the first in-breath's length */
	int64_t prev_speech_end = -1;
	size_t phases = 0, rests = 0, releases = 0, switches = 0;

	for (size_t i = 0; i < sc->n; i++) {
		const struct sline *l = &sc->l[i];

		if (strcmp(l->kind, "breath") == 0) {
			const struct breath *b = breath_named(cfg, l->words);
			int k = phase_index(l->what);
			size_t bi = (size_t)(b - cfg->breaths);

			/* Exactly the pattern's length: never stretched, never
			 * cut; so every in-breath of a pattern is the same. */
			ck_assert_msg(l->end - l->at == BC_MS_TO_SAMPLES(b->ms[k]),
				      "%s: %s phase of %s at %.2f s lasts %lld samples, "
				      "the pattern says %lld", label, l->what, l->words,
				      AT(l->at), (long long)(l->end - l->at),
				      (long long)BC_MS_TO_SAMPLES(b->ms[k]));
			if (k == BP_INHALE && bi < 64) {
				if (!in_len[bi])
					in_len[bi] = l->end - l->at;
				ck_assert_int_eq(l->end - l->at, in_len[bi]);
			}
			phases++;
		} else if (strcmp(l->kind, "speech") == 0) {
			const struct sline *ph = phase_at(sc, l->at);

			ck_assert_msg(l->at >= prev_speech_end, "%s: \"%s\" overlaps speech",
				      label, l->words);
			prev_speech_end = l->end;
			/* Speech in a breath phase ends inside it, with the
			 * compiler's quiet after it. */
			if (ph)
				ck_assert_msg(l->end + BC_MS_TO_SAMPLES(ROUTINE_MIN_GAP_MS) <= ph->end,
					      "%s: \"%s\" at %.2f s runs past the end of its "
					      "%s phase at %.2f s", label, l->words, AT(l->at),
					      ph->what, AT(ph->end));
		} else if (strcmp(l->kind, "beat") == 0) {
			/* On a phase start or one of its subdivisions (the
			 * shipped exercises use metronome = breath or off). */
			const struct sline *ph = phase_at(sc, l->at);
			int64_t len, n;
			bool on = false;

			ck_assert_msg(ph, "%s: beat at %.2f s outside any breath phase", label,
				      AT(l->at));
			len = ph->end - ph->at;
			n = (len + BC_MS_TO_SAMPLES(1000) / 2) / BC_MS_TO_SAMPLES(1000);
			for (int64_t j = 0; j < (n < 1 ? 1 : n); j++)
				if (l->at == ph->at + j * len / (n < 1 ? 1 : n)) {
					on = true;
					ck_assert_msg((strcmp(l->what, "accent") == 0) == (j == 0),
						      "%s: beat at %.2f s: accent only on the "
						      "phase start", label, AT(l->at));
				}
			ck_assert_msg(on, "%s: beat at %.2f s is not on a subdivision of its "
				      "phase (%.2f s)", label, AT(l->at), AT(ph->at));
		} else if (strcmp(l->kind, "step") == 0 && strcmp(l->words, "Rest") == 0) {
			/* What comes next is said in the rest, so the rest is the
			 * time to move; with the next exercise's prepare words. */
			const struct sline *next_step = NULL, *next = NULL;
			const struct exercise *ex;
			char *want;

			bool waits = false;

			/* (Past a wait for you to get into place.) */
			for (size_t j = i + 1; j < sc->n && !next_step; j++) {
				if (strcmp(sc->l[j].kind, "step") != 0)
					continue;
				if (strcmp(sc->l[j].words, lang->phrase[PH_WAITING]
								   ? lang->phrase[PH_WAITING]
								   : "Waiting for you") == 0)
					waits = true;
				else
					next_step = &sc->l[j];
			}
			ck_assert_msg(next_step && config_exercise(cfg, next_step->what) >= 0,
				      "%s: no exercise after the rest at %.2f s", label, AT(l->at));
			ex = &cfg->exercises[config_exercise(cfg, next_step->what)];
			for (size_t j = i + 1; j < sc->n && sc->l[j].at < l->end; j++)
				if (strcmp(sc->l[j].kind, "speech") == 0 &&
				    strcmp(sc->l[j].what, "next") == 0)
					next = &sc->l[j];
			ck_assert_msg(next, "%s: the rest at %.2f s does not say what comes next",
				      label, AT(l->at));
			want = phrase_for(lang, PH_NEXT, ex->title);
			ck_assert_msg(strncmp(next->words, want, strlen(want)) == 0,
				      "%s: \"%s\" in the rest before %s", label, next->words,
				      ex->name);
			if (ex->prepare)
				ck_assert_msg(strstr(next->words, ex->prepare), "%s: the rest "
					      "before %s does not say: %s", label, ex->name,
					      ex->prepare);
			/* ... and the rest lasts its time after those words,
			 * unless the coach waits for you there. */
			if (!waits)
				ck_assert_int_ge(l->end - next->end,
						 BC_MS_TO_SAMPLES(cfg->routines[r].rest_ms));
			free(want);
			rests++;
		} else if (strcmp(l->kind, "step") == 0 && strcmp(l->what, "-") != 0) {
			/* An exercise side: the second side begins with its
			 * switch words; the last side ends with its release. */
			const struct exercise *ex = &cfg->exercises[config_exercise(cfg, l->what)];
			const struct sline *first = NULL, *last = NULL;
			bool second = strstr(l->words, "(right side)") != NULL;
			bool final = (!ex->both_sides || second) && (ex->reps > 0 || ex->release);

			for (size_t j = i + 1; j < sc->n && sc->l[j].at < l->end; j++)
				if (strcmp(sc->l[j].kind, "speech") == 0) {
					if (!first)
						first = &sc->l[j];
					last = &sc->l[j];
				}
			ck_assert_msg(first && last, "%s: %s says nothing", label, l->words);
			if (second) {
				ck_assert_msg(strcmp(first->what, "switch") == 0 && first->at == l->at,
					      "%s: %s does not begin with the switch", label, l->words);
				ck_assert_str_eq(first->words, ex->switch_text ? ex->switch_text
									       : lang->phrase[PH_SWITCH]);
				switches++;
			}
			if (final) {
				ck_assert_msg(strcmp(last->what, "release") == 0, "%s: %s ends "
					      "with \"%s\", not its release", label, l->words,
					      last->words);
				ck_assert_str_eq(last->words, ex->release ? ex->release
									  : lang->phrase[PH_RELEASE]);
				releases++;
			}
		}
	}
	ck_assert_msg(phases > 0 && (rests > 0 || cfg->routines[r].n_exercises < 2) &&
		      releases > 0, "%s: %zu phases, %zu rests, %zu releases", label, phases,
		      rests, releases);
	(void)switches;
}

/* Start and end of the break: two different chimes, the start one rising
 * and the end one falling, heard at their places; the intro follows the
 * start, the outro is the last thing said. */
static void check_frame(const struct heard *h)
{
	const struct routine *ro = &h->cfg->routines[h->r];
	const struct cue *start = NULL, *end = NULL, *last_speech = NULL;
	const struct cue *intro = cue_in(h, 0, ROLE_INTRO);
	double a, b;

	for (size_t i = 0; i < h->tl.n_cues; i++) {
		const struct cue *c = &h->tl.cues[i];

		if (c->role == ROLE_CHIME_START && !start)
			start = c;
		if (c->role == ROLE_CHIME_END && !end)
			end = c;
		if (c->kind == CUE_SPEECH)
			last_speech = c;
	}
	ck_assert_msg(start && end, "%s: no start or end chime", h->label);
	ck_assert_msg(intro && intro->at > start->at, "%s: no intro after the chime",
		      h->label);
	ck_assert_str_eq(intro->text, ro->intro);
	ck_assert_msg(last_speech && last_speech->role == ROLE_OUTRO &&
		      strcmp(last_speech->text, ro->outro) == 0,
		      "%s: the routine does not end with its outro", h->label);
	ck_assert_msg(end->at >= last_speech->at + last_speech->len,
		      "%s: the end chime is not after the outro", h->label);

	/* The first note of each chime, early and late in it. */
	a = dominant_hz(h->s, start->at + SEC(0.02), SEC(0.06), 300, 1200);
	b = dominant_hz(h->s, start->at + SEC(0.09), SEC(0.06), 300, 1200);
	ck_assert_msg(b > a + 5, "%s: start chime %.0f -> %.0f Hz does not rise",
		      h->label, a, b);
	ck_assert_msg(fabs(a - start->f0) < 30, "%s: start chime at %.0f Hz, not %.0f",
		      h->label, a, start->f0);
	a = dominant_hz(h->s, end->at + SEC(0.02), SEC(0.06), 300, 1200);
	b = dominant_hz(h->s, end->at + SEC(0.09), SEC(0.06), 300, 1200);
	ck_assert_msg(b < a - 5, "%s: end chime %.0f -> %.0f Hz does not fall",
		      h->label, a, b);
	ck_assert_msg(fabs(a - end->f0) < 30, "%s: end chime at %.0f Hz, not %.0f",
		      h->label, a, end->f0);
	ck_assert_msg(fabs(end->f0 - start->f0) > 100, "%s: chimes sound alike", h->label);
}

/* A breath tone heard as the glide the timeline asks for: in a 200 ms window
 * clear of speech, the pitch is where the glide should be. Returns whether
 * a clear window was found. */
static bool check_tone(const struct heard *h, const struct cue *c)
{
	const int64_t w = SEC(0.2), margin = SEC(0.15);

	for (int64_t at = c->at + SEC(0.3); at + w <= c->at + c->len - SEC(0.2);
	     at += SEC(0.1)) {
		double t, want, got;

		if (speech_near(h, at - margin, at + w + margin))
			continue;
		t = (double)(at + w / 2 - c->at) / (double)c->len;
		want = c->f0 + (c->f1 - c->f0) * t;
		got = dominant_hz(h->s, at, w, 150, 450);
		ck_assert_msg(fabs(got - want) < 6, "%s: breath tone at %.2f s is %.1f Hz, "
			      "expected %.1f (%s)", h->label, AT(at), got, want,
			      c->f1 > c->f0 ? "rising" : "falling");
		return true;
	}
	return false;
}

/* A metronome beat heard: a click right at the beat, none just before.
 * Only beats clear of speech are judged. Returns whether it was judged. */
static bool check_beat(const struct heard *h, const struct cue *c)
{
	double at, before;

	if (c->at < SEC(0.1) || speech_near(h, c->at - SEC(0.15), c->at + SEC(0.15)))
		return false;
	at = highpass_energy(h->s, c->at, c->at + 200);
	before = highpass_energy(h->s, c->at - 600, c->at - 300);
	ck_assert_msg(at > 10 * before + 1e-6, "%s: no click heard at the beat at "
		      "%.2f s", h->label, AT(c->at));
	return true;
}

/* One side of an exercise (step i): announced with how to get into
 * position (first side) or the switch (second side), then a count-in heard
 * as separate words and a clear start; holds get callouts; breath tones
 * and beats are heard. */
static void check_side(const struct heard *h, size_t i, bool second)
{
	const struct step *st = &h->tl.steps[i];
	const struct exercise *ex = &h->cfg->exercises[st->exercise];
	const struct cue *get_ready = cue_in(h, (int)i, ROLE_GET_READY);
	const struct cue *begin = NULL, *first;
	size_t tones = 0, tones_heard = 0, beats = 0, beats_heard = 0;
	int64_t period = 0, prev_beat = -1;
	int bpm = ex->metronome != METRO_DEFAULT ? 0 : ex->bpm ? ex->bpm : h->cfg->metronome.bpm;

	if (ex->reps == 0) {
		/* A movement: its title, how to make it and the caution, with
		 * no count-in and nothing paced; its release, if it has one,
		 * after its time. */
		const struct cue *ann = cue_in(h, (int)i, ROLE_ANNOUNCE);
		const struct cue *setup = cue_in(h, (int)i, ROLE_SETUP);
		const struct cue *rel = cue_in(h, (int)i, ROLE_RELEASE);

		ck_assert_msg(ann && ann->at == st->at && strstr(ann->text, ex->title),
			      "%s: %s is not announced", h->label, st->name);
		ck_assert_msg(setup && strcmp(setup->text, ex->setup) == 0 && setup->at > ann->at,
			      "%s: %s: setup not said", h->label, st->name);
		ck_assert(!get_ready && !cue_in(h, (int)i, ROLE_COUNTDOWN) &&
			  !cue_in(h, (int)i, ROLE_BREATH) && !cue_in(h, (int)i, ROLE_BEAT));
		if (ex->release)
			ck_assert_msg(rel && rel->at >= setup->at + setup->len +
						   BC_MS_TO_SAMPLES(ex->setup_ms),
				      "%s: %s: release not said after its time", h->label,
				      st->name);
		ck_assert(voiced(h, setup->at, setup->at + setup->len) > 0.5);
		return;
	}

	/* The start: the first speech after the count-in ("Begin." with the
	 * first words, or the words alone where "Begin." does not fit). */
	for (size_t j = 0; j < h->tl.n_cues; j++) {
		const struct cue *c = &h->tl.cues[j];

		if (c->step == (int)i && c->kind == CUE_SPEECH && c->role == ROLE_COUNTDOWN)
			begin = NULL;
		else if (c->step == (int)i && c->kind == CUE_SPEECH && !begin &&
			 get_ready && c->at > get_ready->at)
			begin = c;
	}
	ck_assert_msg(get_ready && begin, "%s: %s: no count-in or start", h->label, st->name);
	ck_assert_msg(begin->role == ROLE_BEGIN || begin->role == ROLE_REP_CUE ||
		      begin->role == ROLE_BREATH, "%s: %s: starts with \"%s\"", h->label,
		      st->name, begin->text);
	if (!second) {
		const struct cue *ann = cue_in(h, (int)i, ROLE_ANNOUNCE);
		const struct cue *setup = cue_in(h, (int)i, ROLE_SETUP);
		const struct cue *caution = cue_in(h, (int)i, ROLE_CAUTION);

		ck_assert_msg(ann && strstr(ann->text, ex->title), "%s: %s is not announced",
			      h->label, st->name);
		ck_assert_msg(setup && strcmp(setup->text, ex->setup) == 0,
			      "%s: %s: setup not said", h->label, st->name);
		ck_assert_msg(caution && strcmp(caution->text, ex->caution) == 0,
			      "%s: %s: caution not said", h->label, st->name);
		ck_assert(ann->at < setup->at && setup->at < caution->at &&
			  caution->at < get_ready->at);
		first = ann;
		if (ex->both_sides)
			ck_assert_msg(cue_in(h, (int)i, ROLE_FIRST_SIDE), "%s: %s: first "
				      "side not named", h->label, st->name);
	} else {
		first = cue_in(h, (int)i, ROLE_SWITCH);
		ck_assert_msg(first, "%s: %s: no switch", h->label, st->name);
		if (ex->switch_text)
			ck_assert_str_eq(first->text, ex->switch_text);
	}
	ck_assert_msg(first->at == st->at, "%s: %s does not begin with its "
		      "announcement", h->label, st->name);
	ck_assert(first->at < get_ready->at && get_ready->at < begin->at);
	/* "Get ready", "3", "2", "1", "Begin": five separate utterances. */
	ck_assert_msg(segments_in(h, get_ready->at - SEC(EDGE_S), begin->at + SEC(EDGE_S)) >= 5,
		      "%s: %s: count-in not heard as separate words (%zu)", h->label,
		      st->name, segments_in(h, get_ready->at - SEC(EDGE_S),
					    begin->at + SEC(EDGE_S)));

	/* Time in holds is marked one way: "N seconds left". */
	if (ex->hold_ms >= 20000)
		ck_assert_msg(cue_in(h, (int)i, ROLE_TIME_LEFT), "%s: %s: %lld s hold "
			      "without time-left callouts", h->label, st->name,
			      (long long)ex->hold_ms / 1000);
	if (ex->hold_ms > 0)
		ck_assert_msg(!cue_in(h, (int)i, ROLE_HALFWAY), "%s: %s: halfway in a hold",
			      h->label, st->name);

	for (size_t j = 0; j < h->tl.n_cues; j++) {
		const struct cue *c = &h->tl.cues[j];

		if (c->step != (int)i)
			continue;
		if (c->kind == CUE_TONE && c->role == ROLE_BREATH) {
			tones++;
			tones_heard += check_tone(h, c);
		}
		if (c->kind == CUE_CLICK) {
			beats++;
			beats_heard += check_beat(h, c);
			if (prev_beat >= 0 && !period)
				period = c->at - prev_beat;
			if (prev_beat >= 0 && bpm > 0)
				ck_assert_msg(llabs(c->at - prev_beat - period) <= 1,
					      "%s: %s: uneven beat at %.2f s", h->label,
					      st->name, AT(c->at));
			prev_beat = c->at;
		}
	}
	if (ex->breath >= 0) {
		const struct breath *b = &h->cfg->breaths[ex->breath];
		bool toned = false, voiced_breath = false;

		for (int k = 0; k < BP_COUNT; k++) {
			toned |= b->ms[k] > 0 && (b->via[k] & VIA_TONE);
			voiced_breath |= b->ms[k] > 0 && (b->via[k] & VIA_VOICE);
		}
		if (toned)
			ck_assert_msg(tones > 0 && tones_heard > 0, "%s: %s: breath tones "
				      "%zu, heard %zu", h->label, st->name, tones, tones_heard);
		if (voiced_breath)
			ck_assert_msg(begin->phase >= 0 || cue_in(h, (int)i, ROLE_BREATH),
				      "%s: %s: breath not paced by voice", h->label, st->name);
	}
	if (ex->metronome == METRO_OFF || (ex->metronome == METRO_DEFAULT && !bpm))
		ck_assert_msg(beats == 0, "%s: %s: %zu beats with the metronome off",
			      h->label, st->name, beats);
	if (ex->metronome == METRO_BREATH)
		ck_assert_msg(beats > 0 && beats_heard > 0, "%s: %s: beats %zu, heard %zu",
			      h->label, st->name, beats, beats_heard);
	if (bpm > 0) {
		ck_assert_msg(beats > 0 && beats_heard > 0, "%s: %s: beats %zu, heard %zu",
			      h->label, st->name, beats, beats_heard);
		ck_assert_msg(period == 0 || llabs(period - 60 * BC_RATE / bpm) <= 1,
			      "%s: %s: beat every %lld samples at %d bpm", h->label,
			      st->name, (long long)period, bpm);
	}
}

/* Every exercise the user can do is played (both sides when two-sided);
 * what they cannot do is left out and said so once. */
static void check_exercises(const struct heard *h)
{
	const struct routine *ro = &h->cfg->routines[h->r];
	unsigned owned = h->cfg->general.equipment;
	size_t want_steps = 0, got_steps = 0, missing = 0;
	const struct cue *skipped = NULL;

	for (size_t i = 0; i < h->tl.n_cues; i++)
		if (h->tl.cues[i].role == ROLE_SKIPPED)
			skipped = &h->tl.cues[i];
	for (size_t k = 0; k < ro->n_exercises; k++) {
		const struct exercise *ex = &h->cfg->exercises[ro->exercises[k]];

		if (ex->equipment & ~owned) {
			missing++;
			ck_assert_msg(skipped && strstr(skipped->text, ex->title),
				      "%s: %s is skipped without saying so", h->label, ex->title);
			continue;
		}
		want_steps += ex->both_sides ? 2 : 1;
	}
	ck_assert_uint_eq(count_role(h, ROLE_SKIPPED), missing ? 1 : 0);
	for (size_t i = 0; i < h->tl.n_steps; i++) {
		const struct step *st = &h->tl.steps[i];
		bool second;

		if (st->exercise < 0)
			continue;
		ck_assert_msg(!(h->cfg->exercises[st->exercise].equipment & ~owned),
			      "%s: %s needs equipment the user has not got", h->label,
			      st->name);
		got_steps++;
		second = i > 0 && h->tl.steps[i - 1].exercise == st->exercise &&
			 h->cfg->exercises[st->exercise].both_sides;
		check_side(h, i, second);
		if (h->cfg->exercises[st->exercise].both_sides && !second)
			ck_assert_msg(i + 1 < h->tl.n_steps &&
				      h->tl.steps[i + 1].exercise == st->exercise,
				      "%s: %s: the other side is missing", h->label, st->name);
	}
	ck_assert_uint_eq(got_steps, want_steps);
}

/* Routine r of cfg (loaded from config_path), rendered and heard, against
 * its script. */
static void check_routine(const struct config *cfg, const char *config_path, int r,
			  const char *what)
{
	struct heard h;
	struct script sc;

	hear(&h, cfg, r, what, false);
	ck_assert_str_eq(h.tl.language_voice,
			 cfg->languages[cfg->routines[r].language].voice);
	script_read(&sc, config_path, cfg->routines[r].name);
	script_is_timeline(&h, &sc);
	check_speech(&h, &sc);
	check_frame(&h);
	check_exercises(&h);
	check_script(cfg, r, &sc, h.label);
	script_free(&sc);
	unhear(&h);
}

static void load(struct config *cfg, const char *path)
{
	ck_assert_int_eq(config_load(cfg, path, &speech_config_voices, stderr), 0);
}

/* A user config in the test directory: the built-in one at a speaking
 * rate, with the default equipment or all of it. */
static const char *lib_config(int rate, bool all)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/lib-%d%s.ini", dir, rate, all ? "-all" : "");
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "[coach]\nrate = %d\n", rate);
	if (all)
		fputs("[general]\nequipment = chair, floor, mat, wall, towel, "
		      "foam-roller, ball\n", f);
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

static void setup(void)
{
	char err[256];

	sp = speech_open(err, sizeof(err));
	ck_assert_msg(sp != NULL, "%s", err);
}

static void teardown(void)
{
	speech_close(sp);
}

START_TEST(every_exercise_in_a_routine)
{
	struct config cfg;
	const char *nine[] = { "chair-extension", "clasped-hands", "foam-roller",
			       "exercise-ball", "seated-twist", "childs-pose",
			       "knees-to-chest", "standing-extension", "cat-cow" };
	int full;

	load(&cfg, NULL);
	for (size_t e = 0; e < cfg.n_exercises; e++) {
		const struct exercise *ex = &cfg.exercises[e];
		bool used = false;

		for (size_t r = 0; r < cfg.n_routines; r++)
			for (size_t k = 0; k < cfg.routines[r].n_exercises; k++)
				used |= cfg.routines[r].exercises[k] == (int)e;
		ck_assert_msg(used, "exercise %s is in no routine", ex->name);
		ck_assert_msg(ex->caution && *ex->caution, "exercise %s has no caution",
			      ex->name);
	}
	for (size_t r = 0; r < cfg.n_routines; r++)
		ck_assert_msg(cfg.routines[r].intro && cfg.routines[r].outro,
			      "routine %s: no intro or outro", cfg.routines[r].name);
	/* The full routine has all nine of the article's exercises. */
	full = config_routine(&cfg, "full");
	ck_assert_int_ge(full, 0);
	for (size_t i = 0; i < sizeof(nine) / sizeof(nine[0]); i++) {
		int e = config_exercise(&cfg, nine[i]);
		bool in = false;

		ck_assert_msg(e >= 0, "no exercise %s", nine[i]);
		for (size_t k = 0; k < cfg.routines[full].n_exercises; k++)
			in |= cfg.routines[full].exercises[k] == e;
		ck_assert_msg(in, "%s is not in the full routine", nine[i]);
	}
	/* The desk break: a chair at most, and what reminders offer. */
	ck_assert_str_eq(cfg.reminders.routine, "desk-break");
	for (size_t k = 0; k < cfg.routines[cfg.reminders.routine_idx].n_exercises; k++)
		ck_assert_uint_eq(cfg.exercises[cfg.routines[cfg.reminders.routine_idx]
						.exercises[k]].equipment & ~(1u << EQ_CHAIR), 0);
	config_free(&cfg);
}
END_TEST

/* Does text say any of the words (a |-separated list)? */
static bool says(const char *text, const char *words)
{
	char *w = xstrdup(words), *save = NULL;
	bool found = false;

	for (char *t = strtok_r(w, "|", &save); t && !found; t = strtok_r(NULL, "|", &save))
		found = text && strcasestr(text, t);
	free(w);
	return found;
}

static const struct exercise *ex_named(const struct config *cfg, const char *name)
{
	int e = config_exercise(cfg, name);

	ck_assert_msg(e >= 0, "no exercise %s", name);
	return &cfg->exercises[e];
}

/* What a physiotherapist listening asked of the library (issue 19), in
 * both languages: where to feel it, once, in each setup; the fixes to the
 * twist, the roller, the ball, the back bend and the chair; a change of
 * level only by a movement of its own; warm-up and cool-down around the
 * floor; tones throughout each routine; the breaks. */
START_TEST(coaching_content)
{
	static const char *const langs[][2] = { { "", "should feel" }, { "-de", "solltest" } };
	struct config cfg;

	load(&cfg, NULL);
	for (size_t e = 0; e < cfg.n_exercises; e++) {
		const struct exercise *ex = &cfg.exercises[e];
		const char *feel = strstr(ex->name, "-de") ? "solltest" : "should feel";
		const char *texts[] = { ex->caution, ex->rep_cue, ex->release, ex->prepare,
					ex->switch_text, ex->first_side };

		if (ex->reps == 0 || !strncmp(ex->name, "one-back-bend", 13) ||
		    !strncmp(ex->name, "cool-down", 9))
			continue; /* movements, the single bend of the micro-break,
			             and the cool-down (it asks how your back feels) */
		ck_assert_msg(strstr(ex->setup, feel) && !strstr(strstr(ex->setup, feel) + 1, feel),
			      "%s: its setup does not say once where to feel it", ex->name);
		for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
			ck_assert_msg(!says(texts[i], feel), "%s: says where to feel it twice",
				      ex->name);
	}
	for (size_t l = 0; l < 2; l++) {
		char name[64];
		bool de = l == 1;
		const struct exercise *ex;

#define EX(n) (snprintf(name, sizeof(name), "%s%s", n, langs[l][0]), ex_named(&cfg, name))
		ex = EX("seated-twist");
		ck_assert(says(ex->first_side, de ? "nach links" : "to your left"));
		ck_assert(says(ex->setup, de ? "nach links" : "to your left"));
		ck_assert(says(ex->switch_text, de ? "nach rechts" : "to your right"));
		ex = EX("foam-roller");
		ck_assert(says(ex->setup, de ? "Becken etwas an" : "lift your hips"));
		ck_assert(says(ex->setup, de ? "Füßen schiebst" : "pushing gently with your feet"));
		ck_assert(says(ex->say[BP_INHALE], de ? "Füßen" : "feet"));
		ck_assert(says(ex->release, de ? "Senk das Becken" : "lower your hips"));
		ex = EX("exercise-ball");
		ck_assert(says(ex->setup, de ? "Wand oder ein Sofa" : "wall or a sofa"));
		ck_assert(says(ex->prepare, de ? "Wand oder ein Sofa" : "wall or a sofa"));
		ex = EX("standing-extension");
		ck_assert(says(ex->say[BP_INHALE], de ? "höher" : "a little higher"));
		ex = EX("chair-extension");
		ck_assert(says(ex->setup, de ? "Handtuch" : "towel"));
		ex = EX("down-to-floor");
		ck_assert(ex->reps == 0 && says(ex->setup, de ? "Stuhl" : "chair") &&
			  says(ex->setup, de ? "ein Knie" : "one knee"));
		ex = EX("up-from-floor");
		ck_assert(ex->reps == 0 && says(ex->setup, de ? "auf die Seite" : "onto your side") &&
			  says(ex->setup, de ? "mit den Armen" : "with your arms") &&
			  says(ex->setup, de ? "Moment sitzen" : "sit for a moment"));
		ex = EX("cool-down");
		ck_assert(says(ex->rep_cue, de ? "wie sich dein Rücken jetzt" : "how your back feels now"));
		ex = EX("box-breathing");
		ck_assert_str_eq(cfg.breaths[ex->breath].name, "box");
#undef EX
	}
	for (size_t r = 0; r < cfg.n_routines; r++) {
		const struct routine *ro = &cfg.routines[r];
		const char *lang = cfg.languages[ro->language].name;
		bool floor = false, toned = false;
		size_t bends = 0;

		/* Every routine in both languages. */
		if (strcmp(lang, "de") == 0)
			ck_assert_msg(strlen(ro->name) > 3 &&
				      !strcmp(ro->name + strlen(ro->name) - 3, "-de"), "%s", ro->name);
		else {
			char de[64];

			snprintf(de, sizeof(de), "%s-de", ro->name);
			ck_assert_msg(config_routine(&cfg, de) >= 0, "%s: no German form", ro->name);
		}
		for (size_t k = 0; k < ro->n_exercises; k++) {
			const struct exercise *ex = &cfg.exercises[ro->exercises[k]];
			const struct exercise *prev = k ? &cfg.exercises[ro->exercises[k - 1]] : NULL;
			bool on_floor = ex->equipment & (1u << EQ_FLOOR);

			/* The exercises of a German routine are German. */
			ck_assert_msg(!strcmp(lang, "de") == !!strstr(ex->name, "-de"),
				      "%s: %s", ro->name, ex->name);
			/* Down to the floor and up again: movements of their own. */
			if (prev && on_floor != !!(prev->equipment & (1u << EQ_FLOOR)))
				ck_assert_msg(ex->reps == 0 || prev->reps == 0, "%s: from %s to %s "
					      "without a movement", ro->name, prev->name, ex->name);
			if (!k && on_floor)
				ck_assert_msg(ex->reps == 0, "%s begins on the floor", ro->name);
			if (k + 1 == ro->n_exercises && on_floor)
				ck_assert_msg(ex->reps == 0, "%s ends on the floor", ro->name);
			floor |= on_floor;
			/* One way of guiding: every breath-paced exercise with tones. */
			if (ex->breath >= 0) {
				const struct breath *b = &cfg.breaths[ex->breath];
				bool t = false;

				for (int p = 0; p < BP_COUNT; p++)
					t |= b->ms[p] > 0 && (b->via[p] & VIA_TONE);
				ck_assert_msg(t || !toned, "%s: %s has no tones after others had",
					      ro->name, ex->name);
				toned |= t;
			}
			bends += !strncmp(ex->name, "chair-extension", 15) ||
				 !strncmp(ex->name, "standing-extension", 18);
		}
		if (floor) {
			/* Warm-up first (a posture check, then gentle mobilising,
			 * before any back bend), cool-down last. */
			const struct exercise *first = &cfg.exercises[ro->exercises[0]];
			const struct exercise *second = &cfg.exercises[ro->exercises[1]];
			const struct exercise *last = &cfg.exercises[ro->exercises[ro->n_exercises - 1]];

			ck_assert_msg(!strncmp(first->name, "posture-check", 13) &&
				      !strncmp(second->name, "shoulder-rolls", 14) &&
				      !strncmp(last->name, "cool-down", 9), "%s: no warm-up or "
				      "cool-down", ro->name);
			ck_assert(bends > 0);
		}
	}
	for (size_t l = 0; l < 2; l++) {
		char name[64];

		snprintf(name, sizeof(name), "floor%s", langs[l][0]);
		ck_assert_int_ge(config_routine(&cfg, name), 0);
		snprintf(name, sizeof(name), "full%s", langs[l][0]);
		ck_assert_int_ge(config_routine(&cfg, name), 0);
		snprintf(name, sizeof(name), "micro-break%s", langs[l][0]);
		ck_assert_int_ge(config_routine(&cfg, name), 0);
		snprintf(name, sizeof(name), "breathing%s", langs[l][0]);
		ck_assert_int_ge(config_routine(&cfg, name), 0);
	}
	config_free(&cfg);
}
END_TEST

/* Each shipped routine, with the default equipment (chair, floor). */
START_TEST(routines_heard_default_equipment)
{
	struct config cfg;

	const char *path = lib_config(150, false);

	load(&cfg, path);
	ck_assert_int_eq(cfg.coach.rate, 150); /* the default rate */
	ck_assert_uint_ge(cfg.n_routines, 4);
	for (size_t r = 0; r < cfg.n_routines; r++)
		check_routine(&cfg, path, (int)r, "default");
	config_free(&cfg);
}
END_TEST

/* Each shipped routine that plays more for a user who owns everything. */
START_TEST(routines_heard_all_equipment)
{
	struct config cfg;
	size_t heard = 0;

	load(&cfg, test_data("library-equipment.ini"));
	for (size_t r = 0; r < cfg.n_routines; r++) {
		const struct routine *ro = &cfg.routines[r];
		unsigned need = 0;

		for (size_t k = 0; k < ro->n_exercises; k++)
			need |= cfg.exercises[ro->exercises[k]].equipment;
		if (!(need & ~((1u << EQ_CHAIR) | (1u << EQ_FLOOR))))
			continue; /* the same as with the default equipment */
		check_routine(&cfg, test_data("library-equipment.ini"), (int)r, "all");
		heard++;
	}
	ck_assert_uint_ge(heard, 2);
	config_free(&cfg);
}
END_TEST

/* The promises of the coaching hold for every routine at a slow and a fast
 * voice too (rate 130 and 200), with the default equipment and with all:
 * checked on their scripts. */
START_TEST(scripts_at_other_rates)
{
	static const int rates[] = { 130, 200 };

	for (size_t i = 0; i < 2; i++)
		for (int all = 0; all < 2; all++) {
			const char *path = lib_config(rates[i], all);
			struct config cfg;

			load(&cfg, path);
			ck_assert_int_eq(cfg.coach.rate, rates[i]);
			for (size_t r = 0; r < cfg.n_routines; r++) {
				struct script sc;
				char label[96];

				snprintf(label, sizeof(label), "%s (rate %d%s)",
					 cfg.routines[r].name, rates[i], all ? ", all" : "");
				script_read(&sc, path, cfg.routines[r].name);
				check_script(&cfg, (int)r, &sc, label);
				script_free(&sc);
			}
			config_free(&cfg);
		}
}
END_TEST

/* Nobody is told to lie on a foam roller they do not own: by default the
 * full routine skips the roller and the ball, saying so once; with them it
 * plays them and is longer. (The routines_heard tests hear it said.) */
START_TEST(equipment_decides)
{
	struct config def, all;
	struct heard a, b;
	int roller, ball;
	size_t steps_a = 0, steps_b = 0;

	load(&def, NULL);
	load(&all, test_data("library-equipment.ini"));
	roller = config_exercise(&def, "foam-roller");
	ball = config_exercise(&def, "exercise-ball");
	ck_assert_uint_eq(def.general.equipment & (1u << EQ_FOAM_ROLLER), 0);
	compile(&a, &def, config_routine(&def, "full"), "default", false);
	compile(&b, &all, config_routine(&all, "full"), "all", false);
	for (size_t i = 0; i < a.tl.n_steps; i++) {
		ck_assert_int_ne(a.tl.steps[i].exercise, roller);
		ck_assert_int_ne(a.tl.steps[i].exercise, ball);
		steps_a += a.tl.steps[i].exercise >= 0;
	}
	for (size_t i = 0; i < b.tl.n_steps; i++)
		steps_b += b.tl.steps[i].exercise == roller || b.tl.steps[i].exercise == ball;
	ck_assert_uint_eq(steps_b, 2);
	ck_assert_uint_eq(count_role(&a, ROLE_SKIPPED), 1);
	ck_assert_uint_eq(count_role(&b, ROLE_SKIPPED), 0);
	ck_assert_ptr_nonnull(strstr(cue_in(&a, 0, ROLE_SKIPPED)->text, "Foam roller"));
	ck_assert_ptr_nonnull(strstr(cue_in(&a, 0, ROLE_SKIPPED)->text, "Exercise ball"));
	for (size_t i = 0; i < a.tl.n_cues; i++)
		ck_assert_msg(!a.tl.cues[i].text || a.tl.cues[i].role == ROLE_SKIPPED ||
			      !strstr(a.tl.cues[i].text, "roller"),
			      "told about a roller: \"%s\"", a.tl.cues[i].text);
	ck_assert_int_gt(b.tl.length, a.tl.length + SEC(60));
	unhear(&a);
	unhear(&b);
	config_free(&def);
	config_free(&all);
}
END_TEST

/* Normalised correlation of two signals over their common length. */
static double correlation(const float *a, const float *b, size_t n)
{
	double ab = 0, aa = 0, bb = 0;

	for (size_t i = 0; i < n; i++) {
		ab += (double)a[i] * b[i];
		aa += (double)a[i] * a[i];
		bb += (double)b[i] * b[i];
	}
	return aa > 0 && bb > 0 ? ab / sqrt(aa * bb) : 0;
}

/* The German desk break speaks German: its texts are German (with umlauts)
 * and what is heard is the German voice saying them, not the English one. */
START_TEST(german_desk_break)
{
	struct config cfg;
	struct heard h;
	struct speech_voice de, en;
	struct clip cde, cen;
	const struct cue *intro;
	char err[256];
	int r;
	bool umlaut = false;
	double kde, ken;

	load(&cfg, NULL);
	r = config_routine(&cfg, "desk-break-de");
	ck_assert_int_ge(r, 0);
	ck_assert_str_eq(cfg.languages[cfg.routines[r].language].name, "de");
	hear(&h, &cfg, r, "default", false);
	ck_assert_str_eq(h.tl.language_voice, "de");
	for (size_t i = 0; i < h.tl.n_cues; i++)
		if (h.tl.cues[i].text && (strstr(h.tl.cues[i].text, "\xc3\xa4") ||
					  strstr(h.tl.cues[i].text, "\xc3\xb6") ||
					  strstr(h.tl.cues[i].text, "\xc3\xbc")))
			umlaut = true;
	ck_assert(umlaut);
	/* Same length as a plain desk break: two to four and a half minutes,
	 * and the question after the last exercise (about 15 s). */
	ck_assert_int_ge(h.tl.length, SEC(120));
	ck_assert_int_le(h.tl.length, SEC(285));

	intro = cue_in(&h, 0, ROLE_INTRO);
	ck_assert_ptr_nonnull(intro);
	speech_voice_for(&cfg, r, &de);
	en = de;
	en.language = "en-us";
	ck_assert_msg(speech_synth(sp, &de, intro->text, &cde, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(speech_synth(sp, &en, intro->text, &cen, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq((long)cde.n, (long)intro->len);
	kde = correlation(h.s + intro->at, cde.s, cde.n);
	ken = correlation(h.s + intro->at, cen.s, cen.n < cde.n ? cen.n : cde.n);
	ck_assert_msg(kde > 0.9, "German intro: correlation %.2f with the German voice", kde);
	ck_assert_msg(ken < 0.5, "German intro: correlation %.2f with the English voice", ken);
	free(cde.s);
	free(cen.s);
	unhear(&h);
	config_free(&cfg);
}
END_TEST

/* The risk note told in tl (a ROLE_NOTICE cue with risk bit), checked:
 * said with the language's phrase ph, at the start of the first step of
 * the first exercise that needs the equipment, before its title. */
static const struct cue *risk_told(const struct config *cfg, int r, const struct timeline *tl,
				   unsigned bit, enum phrase ph)
{
	const struct language *lang = &cfg->languages[cfg->routines[r].language];
	const struct cue *note = NULL, *title = NULL;
	int step = -1;

	for (size_t i = 0; i < tl->n_steps && step < 0; i++)
		if (tl->steps[i].exercise >= 0 &&
		    (cfg->exercises[tl->steps[i].exercise].equipment & bit))
			step = (int)i;
	ck_assert_int_ge(step, 0);
	for (size_t i = 0; i < tl->n_cues; i++) {
		const struct cue *c = &tl->cues[i];

		if (c->role == ROLE_NOTICE && c->risk == bit) {
			ck_assert_msg(!note, "the risks of %s told twice", equipment_names[ffs((int)bit) - 1]);
			note = c;
		}
		if (c->role == ROLE_ANNOUNCE && c->step == step && !title)
			title = c;
	}
	ck_assert_ptr_nonnull(note);
	ck_assert_ptr_nonnull(title);
	ck_assert_str_eq(note->text, lang->phrase[ph]);
	ck_assert_int_eq(note->step, step);
	ck_assert_int_eq(note->at, tl->steps[step].at);
	ck_assert_int_lt(note->at + note->len, title->at);
	return note;
}

/* The first session begins with the spoken safety notice, before the start
 * chime, and explains the tones; other sessions begin with the chime. The
 * floor, or the ball, new to the user, brings the risks of each (only) the
 * first time: before the first exercise on it, not the whole notice again.
 * The state file remembers that the notice was given and which risks were
 * told; a session remembers only what it got past. */
START_TEST(notice_on_first_session)
{
	struct config cfg, all;
	struct heard first, later, fl_h, fu_h;
	const struct cue *notice, *chime = NULL, *note;
	char *state_home = xasprintf("%s/state", dir), *flag, *text;
	struct stat sb;
	unsigned chair = 1u << EQ_CHAIR, floor = 1u << EQ_FLOOR, ball = 1u << EQ_BALL;
	unsigned risks, heard_risks;
	int r, fl, fu;

	ck_assert_int_eq(setenv("XDG_STATE_HOME", state_home, 1), 0);
	load(&cfg, NULL);
	load(&all, test_data("library-equipment.ini"));
	r = cfg.general.routine_idx;
	fl = config_routine(&cfg, "floor");
	fu = config_routine(&all, "full");
	ck_assert_uint_eq(routine_equipment_used(&cfg, r), chair);
	ck_assert_uint_eq(routine_equipment_used(&cfg, fl), floor);
	ck_assert_uint_eq(routine_equipment_used(&all, fu),
			  chair | floor | 1u << EQ_FOAM_ROLLER | 1u << EQ_BALL);
	/* The risks the routines bring: none at the desk. */
	ck_assert_uint_eq(routine_risks(&cfg, r), 0);
	ck_assert_uint_eq(routine_risks(&cfg, fl), floor);
	ck_assert_uint_eq(routine_risks(&all, fu), floor | ball);
	ck_assert_uint_eq(routine_risks(&cfg, config_routine(&cfg, "full")), floor);

	/* A new user: no state yet, so the notice is due. */
	ck_assert(state_notice_due(0, &risks));
	ck_assert_uint_eq(risks, 0);
	ck_assert(state_notice_due(floor | ball, &risks));
	ck_assert_uint_eq(risks, floor | ball);
	risks_due = 0;
	hear(&first, &cfg, r, "default", true);
	/* Stopped in the notice: not given. */
	ck_assert(!timeline_notice_heard(&first.tl, first.tl.cues[0].len - 1, &heard_risks));
	ck_assert(timeline_notice_heard(&first.tl, first.tl.cues[0].len, &heard_risks));
	ck_assert_uint_eq(heard_risks, 0);
	ck_assert_int_eq(state_set_notice_given(heard_risks), 0);
	flag = xasprintf("%s/backcoach/notice-given", state_home);
	ck_assert_int_eq(stat(flag, &sb), 0);
	ck_assert(!state_notice_due(0, NULL));
	hear(&later, &cfg, r, "default", false);

	notice = &first.tl.cues[0];
	ck_assert_int_eq(notice->role, ROLE_NOTICE);
	ck_assert_int_eq(notice->risk, 0);
	ck_assert_int_eq(notice->at, 0);
	ck_assert_str_eq(notice->text, cfg.languages[0].phrase[PH_NOTICE]);
	for (size_t i = 0; i < first.tl.n_cues && !chime; i++)
		if (first.tl.cues[i].role == ROLE_CHIME_START)
			chime = &first.tl.cues[i];
	ck_assert(chime && chime->at >= notice->at + notice->len);
	/* Heard: the notice fills the start, speech before the chime. */
	ck_assert(first.n_segs > 0 && first.segs[0].from < SEC(0.2));
	ck_assert(voiced(&first, 0, notice->len) > 0.5);
	ck_assert_uint_eq(count_role(&first, ROLE_NOTICE), 1);
	/* The tones explained once, after the introduction, before the first
	 * exercise; heard. */
	ck_assert_uint_eq(count_role(&first, ROLE_TONES), 1);
	ck_assert_int_gt(cue_in(&first, 0, ROLE_TONES)->at, cue_in(&first, 0, ROLE_INTRO)->at);
	ck_assert(voiced(&first, cue_in(&first, 0, ROLE_TONES)->at,
			 cue_in(&first, 0, ROLE_TONES)->at + cue_in(&first, 0, ROLE_TONES)->len) > 0.3);

	/* Later sessions: no notice; the chime comes first, nothing said
	 * before the intro. */
	ck_assert_uint_eq(count_role(&later, ROLE_NOTICE), 0);
	ck_assert_int_eq(later.tl.cues[0].role, ROLE_CHIME_START);
	ck_assert(later.n_segs > 0 &&
		  later.segs[0].from >= cue_in(&later, 0, ROLE_INTRO)->at - SEC(EDGE_S));
	ck_assert_int_gt(first.tl.length, later.tl.length + SEC(10));

	/* The floor, new: not the notice again, but the floor's risks,
	 * before going down to it. */
	ck_assert(!state_notice_due(routine_risks(&cfg, fl), &risks));
	ck_assert_uint_eq(risks, floor);
	risks_due = risks;
	compile(&fl_h, &cfg, fl, "default", false);
	ck_assert_uint_eq(count_role(&fl_h, ROLE_NOTICE), 1);
	note = risk_told(&cfg, fl, &fl_h.tl, floor, PH_NOTICE_FLOOR);
	ck_assert_str_eq(cfg.exercises[fl_h.tl.steps[note->step].exercise].name, "down-to-floor");
	ck_assert(!timeline_notice_heard(&fl_h.tl, note->at + note->len - 1, &heard_risks));
	ck_assert(timeline_notice_heard(&fl_h.tl, note->at + note->len, &heard_risks));
	ck_assert_uint_eq(heard_risks, floor);
	ck_assert_int_eq(state_set_notice_given(heard_risks), 0);
	ck_assert(!state_notice_due(routine_risks(&cfg, fl), &risks));
	ck_assert_uint_eq(risks, 0);
	/* The full routine with a ball: the ball's risks only. */
	ck_assert(!state_notice_due(routine_risks(&all, fu), &risks));
	ck_assert_uint_eq(risks, ball);
	risks_due = risks;
	compile(&fu_h, &all, fu, "all", false);
	ck_assert_uint_eq(count_role(&fu_h, ROLE_NOTICE), 1);
	note = risk_told(&all, fu, &fu_h.tl, ball, PH_NOTICE_BALL);
	ck_assert_str_eq(all.exercises[fu_h.tl.steps[note->step].exercise].name, "exercise-ball");
	ck_assert(timeline_notice_heard(&fu_h.tl, fu_h.tl.length, &heard_risks));
	ck_assert_int_eq(state_set_notice_given(heard_risks), 0);
	ck_assert(!state_notice_due(routine_risks(&all, fu), &risks));
	ck_assert_uint_eq(risks, 0);
	text = read_all(flag);
	ck_assert_str_eq(text, "notice\nequipment floor\nequipment ball\n");
	free(text);
	risks_due = 0;

	/* The record is read whole, however long: lines past 64 KiB count,
	 * and are kept when it is rewritten. Older records ("routine NAME")
	 * are records all the same. */
	FILE *f = fopen(flag, "w");

	ck_assert_ptr_nonnull(f);
	for (int i = 0; i < 5000; i++)
		fprintf(f, "routine padding-%04d-xxxxxxxxxx\n", i);
	fputs("equipment ball\n", f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert(!state_notice_due(ball | floor, &risks));
	ck_assert_uint_eq(risks, floor);
	ck_assert_int_eq(state_set_notice_given(floor), 0);
	ck_assert(!state_notice_due(ball | floor, &risks));
	ck_assert_uint_eq(risks, 0);
	{
		char tail[128] = "";
		const char *want = "routine padding-4999-xxxxxxxxxx\nequipment ball\n"
				   "equipment floor\n";

		f = fopen(flag, "r");
		ck_assert_ptr_nonnull(f);
		ck_assert_int_eq(fseek(f, -(long)strlen(want), SEEK_END), 0);
		ck_assert_uint_eq(fread(tail, 1, strlen(want), f), strlen(want));
		fclose(f);
		ck_assert_str_eq(tail, want);
	}
	/* Only a regular file is read: a FIFO there is no record, and never
	 * blocks (the test's timeout would). */
	ck_assert_int_eq(unlink(flag), 0);
	ck_assert_int_eq(mkfifo(flag, 0600), 0);
	ck_assert(state_notice_due(floor, &risks));
	ck_assert_uint_eq(risks, floor);
	ck_assert_int_eq(unlink(flag), 0);
	/* Nor is a FIFO at the temporary file it is rewritten through waited
	 * on: the notice is not remembered (a log line), the FIFO left be. */
	char *tmp = xasprintf("%s.tmp", flag);
	ck_assert_int_eq(mkfifo(tmp, 0600), 0);
	ck_assert_int_lt(state_set_notice_given(floor), 0);
	ck_assert(state_notice_due(floor, NULL));
	ck_assert_int_eq(unlink(tmp), 0);
	ck_assert_int_eq(state_set_notice_given(floor), 0);
	ck_assert(!state_notice_due(floor, &risks));
	ck_assert_uint_eq(risks, 0);
	ck_assert_int_eq(unlink(flag), 0);
	free(tmp);

	unhear(&first);
	unhear(&later);
	unhear(&fl_h);
	unhear(&fu_h);
	config_free(&cfg);
	config_free(&all);
	free(flag);
	free(state_home);
}
END_TEST

/* The shipped safety advice: stopping during an exercise's reps gets a
 * line about pain, in each language. */
START_TEST(stop_line)
{
	struct config cfg;
	struct heard h;
	int r;
	const struct cue *cd = NULL, *rel = NULL;

	load(&cfg, NULL);
	for (size_t l = 0; l < cfg.n_languages; l++)
		ck_assert_msg(cfg.languages[l].phrase[PH_STOPPED] &&
			      cfg.languages[l].phrase[PH_TONES] &&
			      cfg.languages[l].phrase[PH_WITHIN_REACH],
			      "language %s lacks a phrase", cfg.languages[l].name);
	ck_assert_str_eq(cfg.languages[0].phrase[PH_STOPPED],
			 "If that hurt, leave it out next time, and have it checked.");
	r = config_routine(&cfg, "desk-break");
	compile(&h, &cfg, r, "default", false);
	for (size_t i = 0; i < h.tl.n_cues; i++) {
		if (h.tl.cues[i].role == ROLE_COUNTDOWN && !rel)
			cd = &h.tl.cues[i];
		if (h.tl.cues[i].role == ROLE_RELEASE && !rel)
			rel = &h.tl.cues[i];
	}
	ck_assert(cd && rel);
	/* In the reps: yes; in the count-in, the intro, the rest: no. */
	ck_assert(timeline_in_exercise(&h.tl, cd->at + cd->len + SEC(1)));
	ck_assert(timeline_in_exercise(&h.tl, rel->at - 1));
	ck_assert(!timeline_in_exercise(&h.tl, cd->at));
	ck_assert(!timeline_in_exercise(&h.tl, rel->at));
	ck_assert(!timeline_in_exercise(&h.tl, SEC(1)));
	ck_assert(!timeline_in_exercise(&h.tl, h.tl.length - 1));
	unhear(&h);
	config_free(&cfg);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("library");
	TCase *tc = tcase_create("library");
	char cmd[512];
	int ret;

	if (!mkdtemp(dir))
		return 99;
	/* A new user's record (none): script, render and list play the forms
	 * as configured. */
	snprintf(cmd, sizeof(cmd), "%s/new-user", dir);
	setenv("XDG_STATE_HOME", cmd, 1);
	/* The speech cache of this run only: the routines share their lines. */
	snprintf(cmd, sizeof(cmd), "%s/cache", dir);
	setenv("XDG_CACHE_HOME", cmd, 1);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, every_exercise_in_a_routine);
	tcase_add_test(tc, routines_heard_default_equipment);
	tcase_add_test(tc, routines_heard_all_equipment);
	tcase_add_test(tc, coaching_content);
	tcase_add_test(tc, scripts_at_other_rates);
	tcase_add_test(tc, equipment_decides);
	tcase_add_test(tc, german_desk_break);
	tcase_add_test(tc, notice_on_first_session);
	tcase_add_test(tc, stop_line);
	suite_add_tcase(s, tc);
	ret = test_run(s);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		ret = 99;
	return ret;
}
